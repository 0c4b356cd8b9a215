/*
 * lev_lanes.c: the short pairs of wq_levenshtein_batch, many per
 * instruction.
 *
 * Guarantees:
 *   - Exact: every pair handed in whose shorter side has 1..64 bytes gets
 *     its distance (or k + 1 above the limit k) in dist[at], the same at
 *     every level, by the end of wq__lanes_flush.
 *   - No allocation: all state lives in the caller's wq__lanes. Reads only
 *     x[0..n) and y[0..m) of each pair, which must stay unchanged until the
 *     flush (the vector groups copy them, the scalar lanes read them in
 *     place). Pure otherwise: safe from any number of threads, one
 *     wq__lanes per thread.
 *   - The level is the CPU's best (AVX-512BW, AVX2, scalar) unless a lower
 *     one is asked for (the tests force each one).
 *
 * Method: Myers' bit-parallel column step (levenshtein.c explains it) with
 * one pair per lane of a 512-bit vector: the pattern (the shorter side)
 * fits a lane of 8, 16 or 32 bits, so 64, 32 or 16 pairs step at once.
 * The narrowest width that holds the pattern is used (the step costs the
 * same per vector whatever the width). Texts longer than WQ__LANE_COLS, and
 * patterns of 33 to 64 bytes, take the scalar lanes: four 64-bit words
 * stepped in one loop.
 */
#include <string.h>

#include "kernels_internal.h"

/* ------------------------------------------------------- scalar lanes -- */

/* Short pairs (the shorter side <= 64) four at a time. One pair's column
 * step is a chain of about a dozen dependent operations, so a lone pair
 * leaves most of the processor's ALUs idle; four independent pairs stepped
 * in the same loop fill them. Each lane has its own match table, set for
 * its pattern's bytes and cleared after the pair. */
static void words_run(wq__lane_words *ls, size_t *dist, size_t k) {
    wq__word pv[WQ__WORD_LANES], mv[WQ__WORD_LANES];
    size_t common = ls->m[0];
    for (size_t l = 0; l < WQ__WORD_LANES; l++) {
        pv[l] = ~(wq__word)0;
        mv[l] = 0;
        common = ls->m[l] < common ? ls->m[l] : common;
    }
    for (size_t j = 0; j < common; j++)
        for (size_t l = 0; l < WQ__WORD_LANES; l++)
            wq__word_step(&pv[l], &mv[l], ls->peq[l][ls->y[l][j]]);
    for (size_t l = 0; l < WQ__WORD_LANES; l++) {
        for (size_t j = common; j < ls->m[l]; j++)
            wq__word_step(&pv[l], &mv[l], ls->peq[l][ls->y[l][j]]);
        size_t d = wq__word_score(pv[l], mv[l], ls->n[l], ls->m[l]);
        dist[ls->at[l]] = d <= k ? d : k + 1;
        for (size_t i = 0; i < ls->n[l]; i++)
            ls->peq[l][ls->x[l][i]] = 0;
    }
    ls->count = 0;
}

/* The pairs of an unfinished group, one by one. */
static void words_flush(wq__lane_words *ls, size_t *dist, size_t k) {
    for (size_t l = 0; l < ls->count; l++) {
        wq__word *peq = ls->peq[l];
        size_t d = wq__myers_word(peq, ls->n[l], ls->y[l], ls->m[l]);
        dist[ls->at[l]] = d <= k ? d : k + 1;
        for (size_t i = 0; i < ls->n[l]; i++)
            peq[ls->x[l][i]] = 0;
    }
    ls->count = 0;
}

static void words_add(wq__lanes *ls, const unsigned char *x, size_t n, const unsigned char *y,
                      size_t m, size_t at) {
    wq__lane_words *w = &ls->words;
    if (!ls->words_ready) {
        memset(w->peq, 0, sizeof w->peq);
        w->count = 0;
        ls->words_ready = 1;
    }
    size_t l = w->count++;
    for (size_t i = 0; i < n; i++)
        w->peq[l][x[i]] |= (wq__word)1 << i;
    w->x[l] = x, w->n[l] = n, w->y[l] = y, w->m[l] = m, w->at[l] = at;
    if (w->count == WQ__WORD_LANES)
        words_run(w, ls->dist, ls->k);
}

/* ------------------------------------------------------- vector lanes -- */

#if WQ__LANES_SIMD
#include <immintrin.h>

/* Bytes per slot of class c: 8 (8-bit lanes, 64 pairs) or 16 (16-bit
 * lanes, 32 pairs). A slot is one pair's pattern, or 8 or 16 bytes of its
 * text. */
static inline size_t slot_bytes(int cls) {
    return cls == 0 ? 8 : 16;
}

/*
 * Stores p[0..n), n <= 16, at dst and zeros up to dst[16), reading nothing
 * outside p[0..n): two overlapping loads of 8 (or 4) bytes, the second
 * shifted so that its bytes land where they belong. Overlapping bytes are
 * the same byte of p, so OR-ing them is harmless.
 */
static inline void slot_put(unsigned char *dst, const unsigned char *p, size_t n) {
    uint64_t lo = 0, hi = 0;
    if (n >= 8) {
        memcpy(&lo, p, 8);
        if (n > 8) {
            memcpy(&hi, p + n - 8, 8);
            hi >>= 8 * (16 - n);
        }
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        lo = a | (uint64_t)b << (8 * (n - 4));
    } else if (n > 0) {
        lo = p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
    }
    memcpy(dst, &lo, 8);
    memcpy(dst + 8, &hi, 8);
}

/*
 * The column steps of one group, lane l holding pair l, and its distances
 * in d[0..count).
 *
 * Match masks without transposing anything: one 128-bit quarter of a
 * register holds one pattern slot (class 16) or two (class 8), and the same
 * quarter of the text register holds the texts' slots. A byte shuffle
 * within quarters copies each text's byte j over its pattern's slot, and a
 * byte compare then sets bit i of the resulting mask exactly when pattern
 * byte i equals text byte j. Bit b of the mask belongs to byte b of the
 * register, i.e. lane b / S, bit b % S: the mask of register c, stored as
 * it is, is already lanes 64c / S .. of the column's match vector. So each
 * column costs a shuffle, a compare and a mask store per register, and the
 * group no per-pair table.
 *
 * Bits at rows i >= n_l (zero padding) never reach the rows below (the add
 * carries and the shifts move upwards only), and the score masks them off.
 * A lane whose text ends before column j keeps its state: the steps from
 * the shortest text's end on blend the new state in only where j < m_l.
 *
 * The steps use 64-byte GCC vectors: one AVX-512 register or two AVX2
 * registers, as the function's target says.
 */
#define LANES_STEPS(T, V, eqrows)                                                                  \
    V pv = ~(V){0}, mv = (V){0}, mlen;                                                             \
    for (size_t l = 0; l < sizeof(V) / sizeof(T); l++)                                             \
        mlen[l] = (T)g->m[l];                                                                      \
    for (size_t j = 0; j < g->mmax; j++) {                                                         \
        V eq;                                                                                      \
        memcpy(&eq, eqrows[j], sizeof eq);                                                         \
        V xv = eq | mv;                                                                            \
        V xh = (((eq & pv) + pv) ^ pv) | eq;                                                       \
        V ph = mv | ~(xh | pv);                                                                    \
        V mh = pv & xh;                                                                            \
        ph = (ph << 1) | 1;                                                                        \
        mh <<= 1;                                                                                  \
        V npv = mh | ~(xv | ph), nmv = ph & xv;                                                    \
        if (j < g->mmin) {                                                                         \
            pv = npv;                                                                              \
            mv = nmv;                                                                              \
        } else {                                                                                   \
            V act = (V)((T)j < mlen);                                                              \
            pv = (npv & act) | (pv & ~act);                                                        \
            mv = (nmv & act) | (mv & ~act);                                                        \
        }                                                                                          \
    }                                                                                              \
    for (size_t l = 0; l < g->count; l++)                                                          \
        d[l] = wq__word_score(pv[l], mv[l], g->n[l], g->m[l]);

typedef uint8_t v64x8 __attribute__((vector_size(64)));
typedef uint16_t v32x16 __attribute__((vector_size(64)));

#define AVX512 __attribute__((target("avx512bw,popcnt")))
#define AVX2 __attribute__((target("avx2,popcnt")))

#define EQ_ROWS_AVX512(S, rows)                                                                    \
    __m512i x[8];                                                                                  \
    for (int c = 0; c < 8; c++)                                                                    \
        x[c] = _mm512_loadu_si512((const void *)(g->xs + 64 * c));                                 \
    for (size_t j = 0; j < g->mmax; j++) {                                                         \
        uint64_t o = (j % (S)) * 0x0101010101010101ull;                                            \
        __m512i idx = _mm512_set1_epi64((long long)o);                                             \
        if ((S) == 8)                                                                              \
            idx = _mm512_or_si512(                                                                 \
                idx, _mm512_set_epi64(0x0808080808080808ll, 0, 0x0808080808080808ll, 0,            \
                                      0x0808080808080808ll, 0, 0x0808080808080808ll, 0));          \
        const unsigned char *yb = g->ys[j / (S)];                                                  \
        for (int c = 0; c < 8; c++) {                                                              \
            __m512i y = _mm512_loadu_si512((const void *)(yb + 64 * c));                           \
            __m512i b = _mm512_shuffle_epi8(y, idx);                                               \
            uint64_t k = (uint64_t)_mm512_cmpeq_epi8_mask(x[c], b);                                \
            memcpy(rows[j] + 8 * c, &k, 8);                                                        \
        }                                                                                          \
    }

#define EQ_ROWS_AVX2(S, rows)                                                                      \
    for (size_t j = 0; j < g->mmax; j++) {                                                         \
        uint64_t o = (j % (S)) * 0x0101010101010101ull;                                            \
        __m256i idx = _mm256_set1_epi64x((long long)o);                                            \
        if ((S) == 8)                                                                              \
            idx = _mm256_or_si256(                                                                 \
                idx, _mm256_set_epi64x(0x0808080808080808ll, 0, 0x0808080808080808ll, 0));         \
        const unsigned char *yb = g->ys[j / (S)];                                                  \
        for (int c = 0; c < 16; c++) {                                                             \
            __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)(g->xs + 32 * c));       \
            __m256i y = _mm256_loadu_si256((const __m256i *)(const void *)(yb + 32 * c));          \
            __m256i b = _mm256_shuffle_epi8(y, idx);                                               \
            uint32_t k = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, b));                  \
            memcpy(rows[j] + 4 * c, &k, 4);                                                        \
        }                                                                                          \
    }

#define LANES_FN(name, target, eqmacro, S, T, V)                                                   \
    target static void name(const wq__lane_group *g, size_t *d) {                                  \
        _Alignas(64) unsigned char rows[WQ__LANE_COLS][64];                                        \
        eqmacro(S, rows) LANES_STEPS(T, V, rows)                                                   \
    }

LANES_FN(run8_avx512, AVX512, EQ_ROWS_AVX512, 8, uint8_t, v64x8)
LANES_FN(run16_avx512, AVX512, EQ_ROWS_AVX512, 16, uint16_t, v32x16)
LANES_FN(run8_avx2, AVX2, EQ_ROWS_AVX2, 8, uint8_t, v64x8)
LANES_FN(run16_avx2, AVX2, EQ_ROWS_AVX2, 16, uint16_t, v32x16)

/*
 * Runs a group of g->count pairs. Every byte the steps read is written
 * first: text blocks beyond a lane's text up to the group's longest are
 * zeroed, and so are the slots of the unused lanes of a last, partial
 * group (their results are dropped). A full group of equal lengths pads
 * nothing.
 */
static void group_run(wq__lanes *ls, int cls) {
    wq__lane_group *g = &ls->groups[cls];
    size_t s = slot_bytes(cls), lanes = 512 / s, blocks = (g->mmax + s - 1) / s;
    for (size_t l = 0; l < lanes && (g->count < lanes || g->mmin < g->mmax); l++) {
        size_t have = l < g->count ? (g->m[l] + s - 1) / s : 0;
        if (l >= g->count) {
            g->m[l] = 0;
            memset(g->xs + l * s, 0, s);
        }
        for (size_t t = have; t < blocks; t++)
            memset(g->ys[t] + l * s, 0, s);
    }
    if (g->count < lanes)
        g->mmin = 0;
    size_t d[64];
    int avx512 = ls->level >= WQ__LANES_AVX512;
    if (cls == 0)
        (avx512 ? run8_avx512 : run8_avx2)(g, d);
    else
        (avx512 ? run16_avx512 : run16_avx2)(g, d);
    for (size_t l = 0; l < g->count; l++)
        ls->dist[g->at[l]] = d[l] <= ls->k ? d[l] : ls->k + 1;
    g->count = 0;
    g->nmax = 0;
    g->mmax = 0;
    g->mmin = WQ__LANE_COLS;
}

/* Queues a pair of class 16 (8 < n <= 16, m <= 64). */
static inline void group16_add(wq__lanes *ls, const unsigned char *x, size_t n,
                               const unsigned char *y, size_t m, size_t at) {
    wq__lane_group *g = &ls->groups[1];
    size_t l = g->count++;
    slot_put(g->xs + 16 * l, x, n);
    slot_put(g->ys[0] + 16 * l, y, m < 16 ? m : 16);
    for (size_t t = 1; 16 * t < m; t++)
        slot_put(g->ys[t] + 16 * l, y + 16 * t, m - 16 * t < 16 ? m - 16 * t : 16);
    g->n[l] = n, g->m[l] = m, g->at[l] = at;
    g->nmax = n > g->nmax ? n : g->nmax;
    g->mmax = m > g->mmax ? m : g->mmax;
    g->mmin = m < g->mmin ? m : g->mmin;
    if (g->count == 32)
        group_run(ls, 1);
}

/* Queues a pair of class 8 (n <= 8, m <= 64). */
static inline void group8_add(wq__lanes *ls, const unsigned char *x, size_t n,
                              const unsigned char *y, size_t m, size_t at) {
    wq__lane_group *g = &ls->groups[0];
    size_t l = g->count++;
    unsigned char tmp[16];
    slot_put(tmp, x, n);
    memcpy(g->xs + 8 * l, tmp, 8);
    for (size_t t = 0; 8 * t < m; t++) {
        slot_put(tmp, y + 8 * t, m - 8 * t < 8 ? m - 8 * t : 8);
        memcpy(g->ys[t] + 8 * l, tmp, 8);
    }
    g->n[l] = n, g->m[l] = m, g->at[l] = at;
    g->nmax = n > g->nmax ? n : g->nmax;
    g->mmax = m > g->mmax ? m : g->mmax;
    g->mmin = m < g->mmin ? m : g->mmin;
    if (g->count == 64)
        group_run(ls, 0);
}

#endif /* WQ__LANES_SIMD */

/* ---------------------------------------------------------- interface -- */

int wq__lanes_best(void) {
#if WQ__LANES_SIMD
    if (__builtin_cpu_supports("avx512bw"))
        return WQ__LANES_AVX512;
    if (__builtin_cpu_supports("avx2"))
        return WQ__LANES_AVX2;
#endif
    return WQ__LANES_SCALAR;
}

void wq__lanes_init(wq__lanes *ls, int level, size_t *dist, size_t k) {
    int best = wq__lanes_best();
    ls->level = level < best ? level : best;
    ls->dist = dist;
    ls->k = k;
    ls->words_ready = 0;
#if WQ__LANES_SIMD
    for (int c = 0; c < 2; c++) {
        ls->groups[c].count = 0;
        ls->groups[c].nmax = 0;
        ls->groups[c].mmax = 0;
        ls->groups[c].mmin = WQ__LANE_COLS;
    }
#endif
}

/* Queues one pair, 1 <= n <= 64, n <= m. */
static inline void lanes_add(wq__lanes *ls, const unsigned char *x, size_t n,
                             const unsigned char *y, size_t m, size_t at) {
#if WQ__LANES_SIMD
    if (ls->level > WQ__LANES_SCALAR && m <= WQ__LANE_COLS && n <= 16) {
        if (n > 8)
            group16_add(ls, x, n, y, m, at);
        else
            group8_add(ls, x, n, y, m, at);
        return;
    }
#endif
    words_add(ls, x, n, y, m, at);
}

size_t wq__lanes_take(wq__lanes *ls, const wq_pair *pairs, size_t p, size_t n) {
    for (; p < n; p++) {
        const unsigned char *x = (const unsigned char *)pairs[p].a;
        const unsigned char *y = (const unsigned char *)pairs[p].b;
        size_t la = pairs[p].alen, lb = pairs[p].blen;
        if (p + 32 < n) {
            __builtin_prefetch(pairs[p + 32].a);
            __builtin_prefetch(pairs[p + 32].b);
        }
        if (la > lb) {
            const unsigned char *t = x;
            size_t tl = la;
            x = y, la = lb, y = t, lb = tl;
        }
        if (la > 64)
            break;
        if (la == 0)
            ls->dist[p] = lb <= ls->k ? lb : ls->k + 1;
        else
            lanes_add(ls, x, la, y, lb, p);
    }
    return p;
}

void wq__lanes_flush(wq__lanes *ls) {
#if WQ__LANES_SIMD
    for (int c = 0; c < 2; c++)
        if (ls->groups[c].count)
            group_run(ls, c);
#endif
    if (ls->words_ready)
        words_flush(&ls->words, ls->dist, ls->k);
}
