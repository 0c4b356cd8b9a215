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
 *     one is asked for (the tests force each one). On this project's Xeon
 *     (Emerald Rapids) AVX-512 beats AVX2 on 1M pairs x 14 (CPU time about
 *     0.0075 s against 0.0100 s, alternating rounds), so no frequency
 *     penalty calls for AVX2 there.
 *
 * Method: Myers' bit-parallel column step (levenshtein.c explains it) with
 * one pair per lane of a 512-bit vector: the pattern (the shorter side)
 * fits a lane of 8, 16, 32 or 64 bits, so 64, 32, 16 or 8 pairs step at
 * once (AVX2 steps a group as two 256-bit halves; AVX-512 steps the 64-bit
 * lanes' groups of 16 as two registers). The narrowest width that
 * holds the pattern is used (the step costs the same per vector whatever
 * the width). Texts longer than WQ__LANE_COLS take the scalar lanes (four
 * 64-bit words stepped in one loop), as does every pair at the scalar
 * level.
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

/*
 * Stores p[0..n), n <= 16, at dst and zeros up to dst[16), reading nothing
 * outside p[0..n): two overlapping loads of 8 (or 4) bytes, the second
 * shifted so that its bytes land where they belong. Overlapping bytes are
 * the same byte of p, so OR-ing them is harmless. (The AVX2 level's slots;
 * AVX-512 loads them with a byte mask.)
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

/* The same for 9 <= n <= 16, without the tests on n. */
static inline void slot_put9(unsigned char *dst, const unsigned char *p, size_t n) {
    uint64_t lo, hi;
    memcpy(&lo, p, 8);
    memcpy(&hi, p + n - 8, 8);
    hi >>= 8 * (16 - n);
    memcpy(dst, &lo, 8);
    memcpy(dst + 8, &hi, 8);
}

/* The same for slots of 8 bytes, n <= 8. */
static inline void slot_put8(unsigned char *dst, const unsigned char *p, size_t n) {
    unsigned char tmp[16];
    slot_put(tmp, p, n);
    memcpy(dst, tmp, 8);
}

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,popcnt")))
#define AVX2 __attribute__((target("avx2,popcnt")))

/* AVX-512's slots: one load under a byte mask (bytes past n are neither
 * read nor faulted in, and load as zero), one store. */
AVX512 static inline void slot_put512(unsigned char *dst, const unsigned char *p, size_t n) {
    __m128i v = _mm_maskz_loadu_epi8((__mmask16)((1u << n) - 1), p);
    _mm_store_si128((__m128i *)(void *)dst, v);
}

AVX512 static inline void slot_put8_512(unsigned char *dst, const unsigned char *p, size_t n) {
    __m128i v = _mm_maskz_loadu_epi8((__mmask16)((1u << n) - 1), p);
    _mm_storel_epi64((__m128i *)(void *)dst, v);
}

/*
 * The column steps of one group, lane l holding pair l.
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
 * The steps use GCC vectors of one register: H = 1 of 64 bytes (AVX-512)
 * or H = 2 of 32 bytes (AVX2), the two halves stepped side by side (GCC's
 * own split of a 64-byte vector for AVX2 went through the stack).
 *
 * The three-input Boolean steps are macros of the level (OR_NOR_L_*,
 * XOR_OR_L_*, SEL_L_*): AVX-512 does each in one vpternlogq (the step is then
 * 11 vector operations; GCC left 16, two of them NOTs), AVX2 spells them
 * out. vpternlogq works bit by bit, so its 64-bit form serves every lane
 * width.
 */
#define TERN512(V, a, b, c, imm)                                                                   \
    ((V)_mm512_ternarylogic_epi64((__m512i)(a), (__m512i)(b), (__m512i)(c), (imm)))
#define OR_NOR_L_AVX512(V, a, b, c) TERN512(V, a, b, c, 0xf1) /* a | ~(b | c) */
#define XOR_OR_L_AVX512(V, a, b, c) TERN512(V, a, b, c, 0xbe) /* (a ^ b) | c */
#define SEL_L_AVX512(V, m, a, b) TERN512(V, m, a, b, 0xca)    /* m ? a : b, bit by bit */
#define OR_NOR_L_AVX2(V, a, b, c) ((a) | ~((b) | (c)))
#define XOR_OR_L_AVX2(V, a, b, c) (((a) ^ (b)) | (c))
#define SEL_L_AVX2(V, m, a, b) (((a) & (m)) | ((b) & ~(m)))

#define LANES_STEP(T, V, VS, H, j, blend, OPS)                                                     \
    for (int h = 0; h < (H); h++) {                                                                \
        V eq;                                                                                      \
        memcpy(&eq, rows[(j) % WQ__EQ_RING] + sizeof(V) * h, sizeof eq);                           \
        V p = pv[h], q = mv[h];                                                                    \
        V xv = eq | q;                                                                             \
        V xh = XOR_OR_##OPS(V, (eq & p) + p, p, eq);                                               \
        V ph = OR_NOR_##OPS(V, q, xh, p);                                                          \
        V mh = p & xh;                                                                             \
        ph = (ph + ph) | 1;                                                                        \
        mh += mh;                                                                                  \
        V np = OR_NOR_##OPS(V, mh, xv, ph), nq = ph & xv;                                          \
        if (blend) { /* lengths are at most 64: signed compares */                                 \
            V act = (V)((VS){0} + (__typeof__(((VS){0})[0]))(j) < (VS)mlen[h]);                    \
            np = SEL_##OPS(V, act, np, p);                                                         \
            nq = SEL_##OPS(V, act, nq, q);                                                         \
        }                                                                                          \
        pv[h] = np;                                                                                \
        mv[h] = nq;                                                                                \
    }

/*
 * The match masks run WQ__EQ_AHEAD columns ahead of the steps, in a ring:
 * the masks are bound by the shuffle and compare ports, the steps by their
 * chain of dependent operations, and this way the two overlap; the steps
 * read each column's masks a few columns after their stores, when the
 * stores have left the store buffer (a vector load from eight pending
 * stores waits for all of them).
 */
#define WQ__EQ_AHEAD 3
#define WQ__EQ_RING 4
#define LANES_STEPS(T, V, VS, H, eqcol, OPS)                                                       \
    V pv[H], mv[H], mlen[H];                                                                       \
    for (int h = 0; h < (H); h++) {                                                                \
        pv[h] = ~(V){0};                                                                           \
        mv[h] = (V){0};                                                                            \
        memcpy(&mlen[h], g->mlen + sizeof(V) * h, sizeof(V));                                      \
    }                                                                                              \
    size_t j = 0;                                                                                  \
    for (size_t j0 = 0; j0 < WQ__EQ_AHEAD && j0 < mmax; j0++)                                      \
        eqcol(j0);                                                                                 \
    for (; j < mmin; j++) {                                                                        \
        if (j + WQ__EQ_AHEAD < mmax)                                                               \
            eqcol(j + WQ__EQ_AHEAD);                                                               \
        LANES_STEP(T, V, VS, H, j, 0, OPS)                                                         \
    }                                                                                              \
    for (; j < mmax; j++) {                                                                        \
        if (j + WQ__EQ_AHEAD < mmax)                                                               \
            eqcol(j + WQ__EQ_AHEAD);                                                               \
        LANES_STEP(T, V, VS, H, j, 1, OPS)                                                         \
    }

/* v's bits counted lane by lane (the SWAR sum: pairs, nibbles, bytes). */
#define LANES_POPCOUNT(T, v)                                                                       \
    do {                                                                                           \
        v = v - ((v >> 1) & (T)0x5555555555555555ull);                                             \
        v = (v & (T)0x3333333333333333ull) + ((v >> 2) & (T)0x3333333333333333ull);                \
        v = (v + (v >> 4)) & (T)0x0f0f0f0f0f0f0f0full;                                             \
        if (sizeof(T) > 1)                                                                         \
            v = v + (v >> 8 % (8 * sizeof(T)));                                                    \
        if (sizeof(T) > 2)                                                                         \
            v = v + (v >> 16 % (8 * sizeof(T)));                                                   \
        if (sizeof(T) > 4)                                                                         \
            v = v + (v >> 32 % (8 * sizeof(T)));                                                   \
        v &= (T)0xff;                                                                              \
    } while (0)

/*
 * Every lane's score at once, as levenshtein.c's word_score does it for
 * one: D[n][m] = m + (the +1s) - (the -1s) among the last column's deltas
 * at rows below n (rmask). Capped at k + 1 (every distance here is at most
 * 64, so a cap above the signed lane's maximum caps nothing), then written
 * to dist: as one run when the group's pairs are consecutive (the usual
 * case: the compiler widens it by vector), else pair by pair.
 */
#define LANES_SCORE(T, V, VS, H)                                                                   \
    T out[(H) * sizeof(V) / sizeof(T)];                                                            \
    T smax = (T)((T)-1 >> 1), cap = ls->k >= smax ? smax : (T)(ls->k + 1);                         \
    for (int h = 0; h < (H); h++) {                                                                \
        V rm, d, q;                                                                                \
        memcpy(&rm, g->rmask + sizeof(V) * h, sizeof rm);                                          \
        d = pv[h] & rm;                                                                            \
        q = mv[h] & rm;                                                                            \
        LANES_POPCOUNT(T, d);                                                                      \
        LANES_POPCOUNT(T, q);                                                                      \
        d = mlen[h] + d - q;                                                                       \
        V under = (V)((VS)d < (VS){0} + (__typeof__(((VS){0})[0]))cap);                            \
        d = (d & under) | (((V){0} + cap) & ~under);                                               \
        memcpy(out + sizeof(V) / sizeof(T) * h, &d, sizeof d);                                     \
    }                                                                                              \
    size_t c = g->count, *dist = ls->dist;                                                         \
    if (g->at[c - 1] - g->at[0] == c - 1) {                                                        \
        size_t *to = dist + g->at[0];                                                              \
        for (size_t l = 0; l < c; l++)                                                             \
            to[l] = out[l];                                                                        \
    } else {                                                                                       \
        for (size_t l = 0; l < c; l++)                                                             \
            dist[g->at[l]] = out[l];                                                               \
    }

typedef uint8_t v64x8 __attribute__((vector_size(64)));
typedef uint16_t v32x16 __attribute__((vector_size(64)));
typedef int8_t v64s8 __attribute__((vector_size(64)));
typedef int16_t v32s16 __attribute__((vector_size(64)));
typedef uint8_t v32x8 __attribute__((vector_size(32)));
typedef uint16_t v16x16 __attribute__((vector_size(32)));
typedef int8_t v32s8 __attribute__((vector_size(32)));
typedef int16_t v16s16 __attribute__((vector_size(32)));
typedef uint32_t v16x32 __attribute__((vector_size(64)));
typedef int32_t v16s32 __attribute__((vector_size(64)));
typedef uint32_t v8x32 __attribute__((vector_size(32)));
typedef int32_t v8s32 __attribute__((vector_size(32)));
typedef uint64_t v8x64 __attribute__((vector_size(64)));
typedef int64_t v8s64 __attribute__((vector_size(64)));
typedef uint64_t v4x64 __attribute__((vector_size(32)));
typedef int64_t v4s64 __attribute__((vector_size(32)));

/* Column j's match masks into rows[j % WQ__EQ_RING] (see above): the
 * pattern registers x[] are loaded once per group (AVX-512) or read from
 * the group (AVX2, which has half the registers). */
/* Bytes of a text block: a slot's, at most 16 (a quarter of a register,
 * the shuffle's reach). A 32-byte pattern slot spans two quarters, and
 * its lane's text blocks of 16 bytes are stored twice, once in each. (The
 * 64-bit lanes lay their texts out otherwise: YSLOT64.) */
#define TB(S) ((S) < 16 ? (S) : 16)

#define EQ_INIT_AVX512(S)                                                                          \
    __m512i x[8], half = _mm512_setzero_si512();                                                   \
    for (int c = 0; c < 8; c++)                                                                    \
        x[c] = _mm512_load_si512((const void *)(g->xs + 64 * c));                                  \
    if ((S) == 8)                                                                                  \
        half = _mm512_set_epi64(0x0808080808080808ll, 0, 0x0808080808080808ll, 0,                  \
                                0x0808080808080808ll, 0, 0x0808080808080808ll, 0);

#define EQ_COL_AVX512(S, jc)                                                                       \
    do {                                                                                           \
        size_t jq = (jc);                                                                          \
        __m512i idx = _mm512_or_si512(_mm512_set1_epi8((char)(jq % TB(S))), half);                 \
        const unsigned char *yb = g->ys[jq / TB(S)];                                               \
        unsigned char *row = rows[jq % WQ__EQ_RING];                                               \
        for (int c = 0; c < 8; c++) {                                                              \
            __m512i y = _mm512_load_si512((const void *)(yb + 64 * c));                            \
            __m512i b = _mm512_shuffle_epi8(y, idx);                                               \
            uint64_t k = (uint64_t)_mm512_cmpeq_epi8_mask(x[c], b);                                \
            memcpy(row + 8 * c, &k, 8);                                                            \
        }                                                                                          \
    } while (0)

#define EQ_INIT_AVX2(S)                                                                            \
    __m256i half = _mm256_setzero_si256();                                                         \
    if ((S) == 8)                                                                                  \
        half = _mm256_set_epi64x(0x0808080808080808ll, 0, 0x0808080808080808ll, 0);

#define EQ_COL_AVX2(S, jc)                                                                         \
    do {                                                                                           \
        size_t jq = (jc);                                                                          \
        __m256i idx = _mm256_or_si256(_mm256_set1_epi8((char)(jq % TB(S))), half);                 \
        const unsigned char *yb = g->ys[jq / TB(S)];                                               \
        unsigned char *row = rows[jq % WQ__EQ_RING];                                               \
        for (int c = 0; c < 16; c++) {                                                             \
            __m256i x = _mm256_load_si256((const __m256i *)(const void *)(g->xs + 32 * c));        \
            __m256i y = _mm256_load_si256((const __m256i *)(const void *)(yb + 32 * c));           \
            __m256i b = _mm256_shuffle_epi8(y, idx);                                               \
            uint32_t k = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, b));                  \
            memcpy(row + 4 * c, &k, 4);                                                            \
        }                                                                                          \
    } while (0)

/*
 * Runs a group of g->count pairs and writes their distances. Every byte the
 * steps read is written first: text blocks beyond a lane's text up to the
 * group's longest are zeroed, and so are the slots of the unused lanes of a
 * last, partial group (their results are dropped; their text length 0
 * keeps them frozen from column 0). A full group of equal lengths pads
 * nothing. The longest and shortest texts come from the lengths' vector.
 */
#define LANES_RUN(name, target, EQ, S, T, V, VS, H)                                                \
    target static void name(wq__lanes *ls, wq__lane_group *g) {                                    \
        size_t lanes = 512 / (S), mmax = 0, mmin = WQ__LANE_COLS;                                  \
        for (size_t l = g->count; l < lanes; l++) {                                                \
            memset(g->xs + l * (S), 0, (S));                                                       \
            memset(g->rmask + l * sizeof(T), 0, sizeof(T));                                        \
            memset(g->mlen + l * sizeof(T), 0, sizeof(T));                                         \
        }                                                                                          \
        T lens[512 / (S)];                                                                         \
        memcpy(lens, g->mlen, sizeof lens);                                                        \
        for (size_t l = 0; l < 512 / (S); l++) {                                                   \
            mmax = lens[l] > mmax ? lens[l] : mmax;                                                \
            mmin = lens[l] < mmin ? lens[l] : mmin;                                                \
        }                                                                                          \
        for (size_t l = 0; l < lanes && mmin < mmax; l++)                                          \
            for (size_t t = (lens[l] + TB(S) - 1) / TB(S); TB(S) * t < mmax; t++)                  \
                memset(g->ys[t] + l * (S), 0, (S));                                                \
        _Alignas(64) unsigned char rows[WQ__EQ_RING][64];                                          \
        EQ_INIT_##EQ(S);                                                                           \
        LANES_STEPS(T, V, VS, H, EQ_COL_##EQ##_##S, L_##EQ);                                       \
        LANES_SCORE(T, V, VS, H);                                                                  \
        g->count = 0;                                                                              \
    }

#define EQ_COL_AVX512_8(j) EQ_COL_AVX512(8, j)
#define EQ_COL_AVX512_16(j) EQ_COL_AVX512(16, j)
#define EQ_COL_AVX512_32(j) EQ_COL_AVX512(32, j)
#define EQ_COL_AVX2_8(j) EQ_COL_AVX2(8, j)
#define EQ_COL_AVX2_16(j) EQ_COL_AVX2(16, j)
#define EQ_COL_AVX2_32(j) EQ_COL_AVX2(32, j)
/* The 64-bit lanes: a pattern fills a register (AVX2: two), so text byte
 * j is broadcast instead of shuffled into place. AVX-512's add stores each
 * byte four times over as a 32-bit word (slot l of ys[t] holds bytes 16t
 * .. 16t + 15 as words), so the broadcast is a 32-bit one from memory,
 * which runs on a load port alone (a byte's broadcast or a shuffle also
 * takes the vector port the compares need): one compare per lane and
 * column is the only vector work of the masks. AVX2 stores the text once
 * (at YSLOT64(0, l), all 64 bytes) and broadcasts its bytes: spreading the
 * words cost it more than it saved (1M x 50: 0.079 -> 0.105 s). */
#define YSLOT64(t, l) ((unsigned char *)g->ys + 1024 * (t) + 64 * (l))
#define YWORD(c, jq) (YSLOT64((jq) / 16, c) + 4 * ((jq) % 16))
#define EQ_COL_AVX512_64(jc)                                                                       \
    do {                                                                                           \
        size_t jq = (jc);                                                                          \
        unsigned char *row = rows[jq % WQ__EQ_RING];                                               \
        for (int c = 0; c < 16; c++) {                                                             \
            int w;                                                                                 \
            memcpy(&w, YWORD(c, jq), 4);                                                           \
            __m512i b = _mm512_set1_epi32(w);                                                      \
            uint64_t k = (uint64_t)_mm512_cmpeq_epi8_mask(x[c], b);                                \
            memcpy(row + 8 * c, &k, 8);                                                            \
        }                                                                                          \
    } while (0)
#define EQ_COL_AVX2_64(jc)                                                                         \
    do {                                                                                           \
        size_t jq = (jc);                                                                          \
        unsigned char *row = rows[jq % WQ__EQ_RING];                                               \
        for (int c = 0; c < 8; c++) {                                                              \
            __m256i b = _mm256_set1_epi8((char)YSLOT64(0, c)[jq]);                                 \
            __m256i x0 = _mm256_load_si256((const __m256i *)(const void *)(g->xs + 64 * c));       \
            __m256i x1 = _mm256_load_si256((const __m256i *)(const void *)(g->xs + 64 * c + 32));  \
            uint32_t k0 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, b));                \
            uint32_t k1 = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, b));                \
            memcpy(row + 8 * c, &k0, 4);                                                           \
            memcpy(row + 8 * c + 4, &k1, 4);                                                       \
        }                                                                                          \
    } while (0)

LANES_RUN(run8_avx512, AVX512, AVX512, 8, uint8_t, v64x8, v64s8, 1)
LANES_RUN(run16_avx512, AVX512, AVX512, 16, uint16_t, v32x16, v32s16, 1)
LANES_RUN(run32_avx512, AVX512, AVX512, 32, uint32_t, v16x32, v16s32, 1)
LANES_RUN(run8_avx2, AVX2, AVX2, 8, uint8_t, v32x8, v32s8, 2)
LANES_RUN(run16_avx2, AVX2, AVX2, 16, uint16_t, v16x16, v16s16, 2)
LANES_RUN(run32_avx2, AVX2, AVX2, 32, uint32_t, v8x32, v8s32, 2)
/*
 * The same for the 64-bit lanes, LANES a group: AVX-512 steps 16 pairs as
 * two registers side by side (one register's step is a chain of about
 * seven dependent operations, which a single group of eight left
 * exposed), AVX2 eight as two halves. Text blocks of TBL bytes (16 as
 * words, or the whole text), at YSLOT64.
 */
#define EQ_INIT64_AVX512                                                                           \
    __m512i x[16];                                                                                 \
    for (int c = 0; c < 16; c++)                                                                   \
        x[c] = _mm512_load_si512((const void *)(g->xs + 64 * c));
#define EQ_INIT64_AVX2
#define LANES_RUN64(name, target, EQ, LANES, TBL, V, VS, H)                                        \
    target static void name(wq__lanes *ls, wq__lane_group *g) {                                    \
        size_t mmax = 0, mmin = WQ__LANE_COLS;                                                     \
        for (size_t l = g->count; l < (LANES); l++) {                                              \
            memset(g->xs + 64 * l, 0, 64);                                                         \
            memset(g->rmask + 8 * l, 0, 8);                                                        \
            memset(g->mlen + 8 * l, 0, 8);                                                         \
        }                                                                                          \
        uint64_t lens[LANES];                                                                      \
        memcpy(lens, g->mlen, sizeof lens);                                                        \
        for (size_t l = 0; l < (LANES); l++) {                                                     \
            mmax = lens[l] > mmax ? lens[l] : mmax;                                                \
            mmin = lens[l] < mmin ? lens[l] : mmin;                                                \
        }                                                                                          \
        for (size_t l = 0; l < (LANES) && mmin < mmax; l++)                                        \
            for (size_t t = (lens[l] + (TBL)-1) / (TBL); (TBL)*t < mmax; t++)                      \
                memset(YSLOT64(t, l), 0, 64);                                                      \
        _Alignas(64) unsigned char rows[WQ__EQ_RING][8 * (LANES)];                                 \
        EQ_INIT64_##EQ LANES_STEPS(uint64_t, V, VS, H, EQ_COL_##EQ##_64, L_##EQ);                  \
        LANES_SCORE(uint64_t, V, VS, H);                                                           \
        g->count = 0;                                                                              \
    }

LANES_RUN64(run64_avx512, AVX512, AVX512, 16, 16, v8x64, v8s64, 2)
LANES_RUN64(run64_avx2, AVX2, AVX2, 8, 64, v4x64, v4s64, 2)

/*
 * Queues a pair (1 <= n <= S, n <= m <= MAXM <= WQ__LANE_COLS) in lane
 * *count of its group, and runs the group once it is full: the pattern's
 * slot, the text's slots (one per S bytes), the row mask and the text's
 * length. The count lives in the take loop's registers (the slots' byte
 * stores could alias the group's own field: a store-to-load chain per
 * pair) and is stored into the group before it runs.
 */
#define LANES_ADD(name, target, put, run, S, T, MAXM)                                              \
    target static inline void name(wq__lanes *ls, size_t *count, const unsigned char *x, size_t n, \
                                   const unsigned char *y, size_t m, size_t at) {                  \
        wq__lane_group *g = &ls->groups[(S) / 16];                                                 \
        size_t l = (*count)++;                                                                     \
        put(g->xs + (S)*l, x, n);                                                                  \
        for (size_t t = 0; (S)*t < m && (S)*t < (MAXM); t++)                                       \
            put(g->ys[t] + (S)*l, y + (S)*t, m - (S)*t < (S) ? m - (S)*t : (S));                   \
        T mask = (T)(((uint64_t)1 << n) - 1), len = (T)m;                                          \
        memcpy(g->rmask + sizeof(T) * l, &mask, sizeof mask);                                      \
        memcpy(g->mlen + sizeof(T) * l, &len, sizeof len);                                         \
        g->at[l] = at;                                                                             \
        if (*count == 512 / (S)) {                                                                 \
            g->count = *count;                                                                     \
            run(ls, g);                                                                            \
            *count = 0;                                                                            \
        }                                                                                          \
    }

/* The same for patterns of 17..32 bytes in 32-byte slots, texts of at most
 * WQ__LANE_COLS bytes in blocks of 16, each stored in both halves of its
 * lane's slot (see TB). */
#define LANES_ADD32(name, target, put, run)                                                        \
    target static inline void name(wq__lanes *ls, size_t *count, const unsigned char *x, size_t n, \
                                   const unsigned char *y, size_t m, size_t at) {                  \
        wq__lane_group *g = &ls->groups[2];                                                        \
        size_t l = (*count)++;                                                                     \
        put(g->xs + 32 * l, x, 16);                                                                \
        put(g->xs + 32 * l + 16, x + 16, n - 16);                                                  \
        for (size_t t = 0; 16 * t < m; t++) {                                                      \
            unsigned char *slot = g->ys[t] + 32 * l;                                               \
            put(slot, y + 16 * t, m - 16 * t < 16 ? m - 16 * t : 16);                              \
            memcpy(slot + 16, slot, 16);                                                           \
        }                                                                                          \
        uint32_t mask = (uint32_t)(((uint64_t)1 << n) - 1), len = (uint32_t)m;                     \
        memcpy(g->rmask + 4 * l, &mask, 4);                                                        \
        memcpy(g->mlen + 4 * l, &len, 4);                                                          \
        g->at[l] = at;                                                                             \
        if (*count == 16) {                                                                        \
            g->count = *count;                                                                     \
            run(ls, g);                                                                            \
            *count = 0;                                                                            \
        }                                                                                          \
    }

/* The same for patterns of 33..64 bytes in 64-byte slots (a lane per
 * register, 16 a group at AVX-512, 8 at AVX2) and texts of at most
 * WQ__LANE_COLS bytes, laid out as EQ_COL_*_64 reads them. The lengths'
 * row mask and text length are the lane's 64-bit words. */
#define LANES_ADD64_TAIL(run, lanes)                                                               \
    uint64_t mask = ~(uint64_t)0 >> (64 - n), len = m;                                             \
    memcpy(g->rmask + 8 * l, &mask, 8);                                                            \
    memcpy(g->mlen + 8 * l, &len, 8);                                                              \
    g->at[l] = at;                                                                                 \
    if (*count == (lanes)) {                                                                       \
        g->count = *count;                                                                         \
        run(ls, g);                                                                                \
        *count = 0;                                                                                \
    }

/* Byte b of a 64-byte shuffle index: b / 4, i.e. byte i of a 128-bit
 * block to 32-bit word i (within each quarter: (16 q + b') / 4 = 4 q +
 * b' / 4, the shuffle reading the quarter's own copy of the block). */
_Alignas(64) static const unsigned char words4[64] = {
    0,  0,  0,  0,  1,  1,  1,  1,  2,  2,  2,  2,  3,  3,  3,  3,  4,  4,  4,  4,  5,  5,
    5,  5,  6,  6,  6,  6,  7,  7,  7,  7,  8,  8,  8,  8,  9,  9,  9,  9,  10, 10, 10, 10,
    11, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15};

/* AVX-512: one masked load of each side (33 <= n <= m <= 64), the text's
 * blocks spread to words by two shuffles each; blocks 0..2 always hold
 * text (m > 32), block 3 only when m > 48. */
AVX512 static inline void add64_avx512(wq__lanes *ls, size_t *count, const unsigned char *x,
                                       size_t n, const unsigned char *y, size_t m, size_t at) {
    wq__lane_group *g = &ls->groups[3];
    size_t l = (*count)++;
    __m512i xv = _mm512_maskz_loadu_epi8((__mmask64)(~(uint64_t)0 >> (64 - n)), x);
    __m512i yv = _mm512_maskz_loadu_epi8((__mmask64)(~(uint64_t)0 >> (64 - m)), y);
    _mm512_store_si512((void *)(g->xs + 64 * l), xv);
    /* block t to every quarter, then byte 4q + i of quarter q to word i */
    __m512i wide = _mm512_load_si512((const void *)words4);
    _mm512_store_si512((void *)YSLOT64(0, l),
                       _mm512_shuffle_epi8(_mm512_shuffle_i32x4(yv, yv, 0x00), wide));
    _mm512_store_si512((void *)YSLOT64(1, l),
                       _mm512_shuffle_epi8(_mm512_shuffle_i32x4(yv, yv, 0x55), wide));
    _mm512_store_si512((void *)YSLOT64(2, l),
                       _mm512_shuffle_epi8(_mm512_shuffle_i32x4(yv, yv, 0xaa), wide));
    if (m > 48)
        _mm512_store_si512((void *)YSLOT64(3, l),
                           _mm512_shuffle_epi8(_mm512_shuffle_i32x4(yv, yv, 0xff), wide));
    LANES_ADD64_TAIL(run64_avx512, 16)
}

/* AVX2: each side in four slot_puts (the last may be empty). */
AVX2 static inline void add64_avx2(wq__lanes *ls, size_t *count, const unsigned char *x, size_t n,
                                   const unsigned char *y, size_t m, size_t at) {
    wq__lane_group *g = &ls->groups[3];
    size_t l = (*count)++;
    unsigned char *xs = g->xs + 64 * l, *ys = YSLOT64(0, l);
    slot_put9(xs, x, 16);
    slot_put9(xs + 16, x + 16, 16);
    slot_put(xs + 32, x + 32, n - 32 < 16 ? n - 32 : 16);
    slot_put(xs + 48, x + 48, n > 48 ? n - 48 : 0);
    slot_put9(ys, y, 16);
    slot_put9(ys + 16, y + 16, 16);
    slot_put(ys + 32, y + 32, m - 32 < 16 ? m - 32 : 16);
    slot_put(ys + 48, y + 48, m > 48 ? m - 48 : 0);
    LANES_ADD64_TAIL(run64_avx2, 8)
}

LANES_ADD32(add32_avx512, AVX512, slot_put512, run32_avx512)
LANES_ADD32(add32_avx2, AVX2, slot_put, run32_avx2)
LANES_ADD(add8_avx512, AVX512, slot_put8_512, run8_avx512, 8, uint8_t, WQ__LANE_COLS)
LANES_ADD(add16_avx512, AVX512, slot_put512, run16_avx512, 16, uint16_t, WQ__LANE_COLS)
LANES_ADD(add16_one_avx512, AVX512, slot_put512, run16_avx512, 16, uint16_t, 16)
LANES_ADD(add8_avx2, AVX2, slot_put8, run8_avx2, 8, uint8_t, WQ__LANE_COLS)
LANES_ADD(add16_avx2, AVX2, slot_put, run16_avx2, 16, uint16_t, WQ__LANE_COLS)
LANES_ADD(add16_one_avx2, AVX2, slot_put9, run16_avx2, 16, uint16_t, 16)

#endif /* WQ__LANES_SIMD */

/*
 * The take loop of one vector level: each pair's shorter side is its
 * pattern; a pair whose pattern has 1..64 bytes and text at most
 * WQ__LANE_COLS goes to the vector group of its width (add8, add16, add32,
 * add64), any other short one to the scalar lanes, an empty side straight
 * to dist, and the first pair with both sides longer than 64 ends the take.
 */
/* Prefetch distances in pairs: the strings of the pair WQ__LANES_AHEAD
 * ahead, and the pair array itself four times as far (a plain load of a
 * pair's pointers that misses stalls the loop: on 1M x 14 it was the
 * costliest instruction of the take). Measured on this project's Xeon
 * (Emerald Rapids), 1M x 14, CPU time at load 8, four alternating runs:
 * none 0.0095-0.0103 s, strings only at 32 about 0.0090 s, both at 24
 * 0.0082-0.0118, at 32, 48 or 64 0.0077-0.0082. */
#ifndef WQ__LANES_AHEAD
#define WQ__LANES_AHEAD 32
#endif
#define LANES_TAKE(name, target, add8, add16, add16_one, add32, add64)                             \
    target static size_t name(wq__lanes *ls, const wq_pair *pairs, size_t p, size_t np) {          \
        size_t n8 = ls->groups[0].count, n16 = ls->groups[1].count, n32 = ls->groups[2].count;     \
        size_t n64 = ls->groups[3].count;                                                          \
        for (; p < np; p++) {                                                                      \
            const unsigned char *x = (const unsigned char *)pairs[p].a;                            \
            const unsigned char *y = (const unsigned char *)pairs[p].b;                            \
            size_t la = pairs[p].alen, lb = pairs[p].blen;                                         \
            if (WQ__LANES_AHEAD && p + 4 * WQ__LANES_AHEAD < np)                                   \
                __builtin_prefetch(&pairs[p + 4 * WQ__LANES_AHEAD]);                               \
            if (WQ__LANES_AHEAD && p + WQ__LANES_AHEAD < np) {                                     \
                __builtin_prefetch(pairs[p + WQ__LANES_AHEAD].a);                                  \
                __builtin_prefetch(pairs[p + WQ__LANES_AHEAD].b);                                  \
            }                                                                                      \
            if (la > lb) {                                                                         \
                const unsigned char *t = x;                                                        \
                size_t tl = la;                                                                    \
                x = y, la = lb, y = t, lb = tl;                                                    \
            }                                                                                      \
            if (la - 9 <= 16 - 9 && lb <= 16) /* the common case, in one text slot */              \
                add16_one(ls, &n16, x, la, y, lb, p);                                              \
            else if (la > 64)                                                                      \
                break;                                                                             \
            else if (la == 0)                                                                      \
                ls->dist[p] = lb <= ls->k ? lb : ls->k + 1;                                        \
            else if (la <= 8 && lb <= WQ__LANE_COLS)                                               \
                add8(ls, &n8, x, la, y, lb, p);                                                    \
            else if (la <= 16 && lb <= WQ__LANE_COLS)                                              \
                add16(ls, &n16, x, la, y, lb, p);                                                  \
            else if (la <= 32 && lb <= WQ__LANE_COLS)                                              \
                add32(ls, &n32, x, la, y, lb, p);                                                  \
            else if (lb <= WQ__LANE_COLS)                                                          \
                add64(ls, &n64, x, la, y, lb, p);                                                  \
            else                                                                                   \
                words_add(ls, x, la, y, lb, p);                                                    \
        }                                                                                          \
        ls->groups[0].count = n8;                                                                  \
        ls->groups[1].count = n16;                                                                 \
        ls->groups[2].count = n32;                                                                 \
        ls->groups[3].count = n64;                                                                 \
        return p;                                                                                  \
    }

#if WQ__LANES_SIMD
LANES_TAKE(take_avx512, AVX512, add8_avx512, add16_avx512, add16_one_avx512, add32_avx512,
           add64_avx512)
LANES_TAKE(take_avx2, AVX2, add8_avx2, add16_avx2, add16_one_avx2, add32_avx2, add64_avx2)
#endif

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
    for (int c = 0; c < 4; c++) {
        ls->groups[c].count = 0;
    }
#endif
}

/* The scalar level: every short pair in the scalar lanes. */
/* The scalar level: every short pair in the scalar lanes. */
static size_t take_scalar(wq__lanes *ls, const wq_pair *pairs, size_t p, size_t np) {
    for (; p < np; p++) {
        const unsigned char *x = (const unsigned char *)pairs[p].a;
        const unsigned char *y = (const unsigned char *)pairs[p].b;
        size_t la = pairs[p].alen, lb = pairs[p].blen;
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
            words_add(ls, x, la, y, lb, p);
    }
    return p;
}

size_t wq__lanes_take(wq__lanes *ls, const wq_pair *pairs, size_t p, size_t n) {
#if WQ__LANES_SIMD
    if (ls->level >= WQ__LANES_AVX512)
        return take_avx512(ls, pairs, p, n);
    if (ls->level >= WQ__LANES_AVX2)
        return take_avx2(ls, pairs, p, n);
#endif
    return take_scalar(ls, pairs, p, n);
}

void wq__lanes_flush(wq__lanes *ls) {
#if WQ__LANES_SIMD
    int avx512 = ls->level >= WQ__LANES_AVX512;
    if (ls->groups[0].count)
        (avx512 ? run8_avx512 : run8_avx2)(ls, &ls->groups[0]);
    if (ls->groups[1].count)
        (avx512 ? run16_avx512 : run16_avx2)(ls, &ls->groups[1]);
    if (ls->groups[2].count)
        (avx512 ? run32_avx512 : run32_avx2)(ls, &ls->groups[2]);
    if (ls->groups[3].count)
        (avx512 ? run64_avx512 : run64_avx2)(ls, &ls->groups[3]);
#endif
    if (ls->words_ready)
        words_flush(&ls->words, ls->dist, ls->k);
}
