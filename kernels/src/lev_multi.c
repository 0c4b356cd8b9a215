/*
 * lev_multi.c: the batch's pairs with a pattern of 65..512 bytes that go
 * to full bit-parallel columns, 8 (AVX-512) or 4 (AVX2) pairs per vector.
 *
 * Guarantees:
 *   - Exact: every pair queued gets D(x, y) (or k + 1 above the limit k) in
 *     dist[at] by the end of wq__multi_flush, the same at every level and
 *     the same as levenshtein.c's one-pair register columns.
 *   - No allocation: all state lives in the caller's wq__multi. Reads only
 *     x[0..n) and y[0..m) of each queued pair, which must stay unchanged
 *     until the flush. Pure otherwise: safe from any number of threads, one
 *     wq__multi per thread.
 *   - The level is the CPU's best (AVX-512, AVX2) unless a lower one is
 *     asked for (the tests force each); at the scalar level nothing is
 *     queued and the caller keeps its one-pair path. At AVX-512 the column
 *     uses VBMI2's funnel shifts when the CPU has them (the tests also run
 *     the column without them).
 *
 * Method: Myers' column step in Hyyro's blocks (levenshtein.c explains it),
 * with pair l in lane l of every vector: vector w holds word w (rows
 * 64w..64w+63) of every lane's column. The pairs of one group have the
 * same number of words nw, so each word step is one vector operation over
 * all lanes, and the delta carried from word w into word w + 1 is a
 * per-lane shift. Lanes may differ in pattern length (the last word's rows
 * beyond a lane's pattern are masked off in its score) and in text length
 * (the group steps its longest text; a lane whose text has ended keeps its
 * state, so its score is its last column's).
 */
#include <string.h>

#include "kernels_internal.h"

#if WQ__LANES_SIMD
#include <immintrin.h>

/* Gives byte c of lane l's pattern a zeroed row of nw words; -1 when the
 * table has no room left. */
static inline int row_new(wq__multi *mu, uint16_t *sym, unsigned char c, size_t nw, size_t *next) {
    if (*next + nw > WQ__MULTI_TABLE)
        return -1;
    sym[c] = (uint16_t)*next;
    memset(mu->table + *next, 0, nw * sizeof *mu->table);
    *next += nw;
    return 0;
}

/* Clears lane l's symbol map (every entry is 0 between groups): 512 bytes
 * at once cost less than one store per pattern byte. */
static void table_clear(wq__multi *mu, size_t l) {
    memset(mu->sym[l], 0, sizeof mu->sym[l]);
}

/*
 * Builds lane l's match table in the group's shared table: each distinct
 * byte of x gets a row of nw words (row 0, all zero, stands for every byte
 * absent from the pattern), and sym[l][c] is the offset of byte c's row in
 * words, the index the column steps read. Returns 0, or -1 (nothing of lane
 * l kept) when the table has no room left for its rows.
 *
 * Word by word: the word's (up to) 64 bytes are compared with each distinct
 * byte of the pattern so far, and each compare gives that byte's whole mask
 * for the word (a few compares per word for DNA, instead of one
 * read-modify-write of the table per byte). The bytes seen in earlier words
 * are compared first, independently of each other; only the word's new
 * bytes are found one after another (the lowest byte no mask has covered
 * yet), a chain of dependent steps that took 9% of the time at 500 bytes
 * when every byte of every word was found so.
 */
#define TABLE_ADD(name, target, WORD, EQMASK)                                                      \
    target static int name(wq__multi *mu, size_t l, const unsigned char *x, size_t n, size_t nw,   \
                           size_t *next) {                                                         \
        uint16_t *sym = mu->sym[l];                                                                \
        unsigned char seen[256];                                                                   \
        size_t ns = 0;                                                                             \
        for (size_t w = 0; 64 * w < n; w++) {                                                      \
            size_t cnt = n - 64 * w < 64 ? n - 64 * w : 64;                                        \
            wq__word valid = wq__low_mask(cnt), left = valid;                                      \
            WORD(v, x + 64 * w, cnt, valid);                                                       \
            for (size_t i = 0; i < ns; i++) {                                                      \
                wq__word m = EQMASK(v, seen[i]) & valid;                                           \
                mu->table[sym[seen[i]] + w] = m;                                                   \
                left &= ~m;                                                                        \
            }                                                                                      \
            while (left) {                                                                         \
                unsigned char c = x[64 * w + (size_t)__builtin_ctzll(left)];                       \
                wq__word m = EQMASK(v, c) & valid;                                                 \
                if (row_new(mu, sym, c, nw, next)) {                                               \
                    table_clear(mu, l);                                                            \
                    return -1;                                                                     \
                }                                                                                  \
                seen[ns++] = c;                                                                    \
                mu->table[sym[c] + w] = m;                                                         \
                left &= ~m;                                                                        \
            }                                                                                      \
        }                                                                                          \
        return 0;                                                                                  \
    }

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,popcnt")))
#define AVX512V __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vbmi2,popcnt")))
#define AVX2 __attribute__((target("avx2,popcnt")))

/* One word of the pattern: a masked load (AVX-512; bytes past the pattern
 * read as 0 and are never touched), or a zero-padded copy (AVX2). */
#define WORD512(v, p, cnt, valid) __m512i v = _mm512_maskz_loadu_epi8((__mmask64)(valid), (p))
#define EQMASK512(v, c) (wq__word) _mm512_cmpeq_epi8_mask((v), _mm512_set1_epi8((char)(c)))
#define WORD2(v, p, cnt, valid)                                                                    \
    _Alignas(32) unsigned char v[64] = {0};                                                        \
    memcpy(v, (p), (cnt))
#define EQMASK2_HALF(p, c)                                                                         \
    (wq__word)(uint32_t) _mm256_movemask_epi8(_mm256_cmpeq_epi8(                                   \
        _mm256_load_si256((const __m256i *)(const void *)(p)), _mm256_set1_epi8((char)(c))))
#define EQMASK2(buf, c) (EQMASK2_HALF(buf, c) | EQMASK2_HALF(buf + 32, c) << 32)

TABLE_ADD(table_add512, AVX512, WORD512, EQMASK512)
TABLE_ADD(table_add2, AVX2, WORD2, EQMASK2)

/* Row offsets of columns [j0, j0 + WQ__MULTI_BLOCK) for `lanes` lanes,
 * column by column, for the blocks that reach past the shortest text (the
 * other columns look their rows up as they go, ROWAT): a lane whose text
 * has ended (or an unused lane) reads row 0. */
static void index_block(wq__multi *mu, const wq__multi_pair *ps, size_t count, size_t lanes,
                        size_t j0) {
    for (size_t l = 0; l < lanes; l++) {
        uint32_t *o = mu->idx + l;
        size_t end = l < count && ps[l].m > j0 ? ps[l].m - j0 : 0;
        end = end < WQ__MULTI_BLOCK ? end : WQ__MULTI_BLOCK;
        const unsigned char *y = end ? ps[l].y + j0 : NULL;
        const uint16_t *sym = mu->sym[l];
        size_t j = 0;
        for (; j < end; j++)
            o[j * lanes] = sym[y[j]];
        for (; j < WQ__MULTI_BLOCK; j++)
            o[j * lanes] = 0;
    }
}

/*
 * The column steps of one group. Per column, each word w of every lane:
 *
 *     eq = the lane's match mask for its text byte (each lane reads its
 *          own table row, at its own offset: EQROWS below)
 *     the word step of levenshtein.c's myers_regs, lane-wise, with the
 *     horizontal delta entering from word w - 1 (pc: +1, mc: -1; the top
 *     word gets +1, D[0][j] = j) and the one leaving at its top bit.
 *
 * Why this is exact for lanes of other lengths: a word's add and shifts
 * move information only to higher bits (lower rows of the DP), so rows past
 * a lane's pattern never reach its own rows, whatever their match bits; and
 * where a lane's text has ended (j >= m_l) its new state is dropped, lane
 * by lane (act), so it keeps the column m_l state. Columns before the
 * shortest text's end need no such blend.
 *
 * Why it is fast: one lane's column is a serial chain through its nw words,
 * about 15 dependent operations each, which leaves a core mostly idle when
 * one pair runs alone (levenshtein.c's myers_regs overlaps only successive
 * columns). Here every operation serves 8 (or 4) independent pairs.
 */
#define MULTI_COLUMN(V, LANES, EQROWS, BLEND)                                                      \
    do {                                                                                           \
        V act = (V)(mlen > (V){0} + j), pc = (V){0} + 1, mc = (V){0}, e[WQ__MULTI_MAXW];           \
        const int blend_ = (BLEND);                                                                \
        EQROWS(e, LANES);                                                                          \
        for (size_t w = 0; w < nw; w++) {                                                          \
            V eq = e[w];                                                                           \
            V p = pv[w], q = mv[w];                                                                \
            V xv = eq | q;                                                                         \
            eq |= mc;                                                                              \
            V xh = (((eq & p) + p) ^ p) | eq;                                                      \
            V ph = q | ~(xh | p);                                                                  \
            V mh = p & xh;                                                                         \
            V po = ph >> 63, mo = mh >> 63;                                                        \
            ph = (ph << 1) | pc;                                                                   \
            mh = (mh << 1) | mc;                                                                   \
            V np = mh | ~(xv | ph), nq = ph & xv;                                                  \
            if (BLEND) {                                                                           \
                np = (np & act) | (p & ~act);                                                      \
                nq = (nq & act) | (q & ~act);                                                      \
            }                                                                                      \
            pv[w] = np;                                                                            \
            mv[w] = nq;                                                                            \
            pc = po;                                                                               \
            mc = mo;                                                                               \
        }                                                                                          \
    } while (0)

#define MULTI_STEPS(V, LANES, EQROWS, COLUMN)                                                      \
    do {                                                                                           \
        V pv[WQ__MULTI_MAXW], mv[WQ__MULTI_MAXW], mlen;                                            \
        for (size_t w = 0; w < nw; w++) {                                                          \
            pv[w] = ~(V){0};                                                                       \
            mv[w] = (V){0};                                                                        \
        }                                                                                          \
        size_t mmin = (size_t)-1, mmax = 0;                                                        \
        const unsigned char *yl[LANES];                                                            \
        for (size_t l = 0; l < LANES; l++)                                                         \
            yl[l] = ps[l < count ? l : 0].y;                                                       \
        for (size_t l = 0; l < LANES; l++) { /* unused lanes: never frozen, results dropped */     \
            size_t m = l < count ? ps[l].m : (size_t)-1;                                           \
            mlen[l] = m;                                                                           \
            mmin = m < mmin ? m : mmin;                                                            \
            mmax = l < count && m > mmax ? m : mmax;                                               \
        }                                                                                          \
        for (size_t j0 = 0; j0 < mmax; j0 += WQ__MULTI_BLOCK) {                                    \
            size_t jend = mmax - j0 < WQ__MULTI_BLOCK ? mmax - j0 : WQ__MULTI_BLOCK;               \
            size_t jfree = mmin > j0 ? mmin - j0 : 0; /* columns every lane steps */               \
            jfree = jfree < jend ? jfree : jend;                                                   \
            if (jfree < jend)                                                                      \
                index_block(mu, ps, count, LANES, j0);                                             \
            size_t jj = 0;                                                                         \
            for (; jj < jfree; jj++) {                                                             \
                size_t j = j0 + jj;                                                                \
                COLUMN(V, LANES, EQROWS, 0);                                                       \
            }                                                                                      \
            for (; jj < jend; jj++) {                                                              \
                size_t j = j0 + jj;                                                                \
                COLUMN(V, LANES, EQROWS, 1);                                                       \
            }                                                                                      \
        }                                                                                          \
        wq__word pw[WQ__MULTI_MAXW][LANES], mw[WQ__MULTI_MAXW][LANES];                             \
        for (size_t w = 0; w < nw; w++) {                                                          \
            memcpy(pw[w], &pv[w], sizeof pv[w]);                                                   \
            memcpy(mw[w], &mv[w], sizeof mv[w]);                                                   \
        }                                                                                          \
        for (size_t l = 0; l < count; l++) {                                                       \
            size_t d = ps[l].m, lw = (ps[l].n + 63) / 64;                                          \
            for (size_t w = 0; w + 1 < lw; w++)                                                    \
                d += (size_t)__builtin_popcountll(pw[w][l]) -                                      \
                     (size_t)__builtin_popcountll(mw[w][l]);                                       \
            wq__word last = wq__low_mask(ps[l].n - (lw - 1) * 64);                                 \
            d += (size_t)__builtin_popcountll(pw[lw - 1][l] & last) -                              \
                 (size_t)__builtin_popcountll(mw[lw - 1][l] & last);                               \
            out[l] = d;                                                                            \
        }                                                                                          \
    } while (0)

typedef uint64_t v8u64 __attribute__((vector_size(64)));
typedef uint64_t v4u64 __attribute__((vector_size(32)));

/* e[w] = word w of every lane's row, by loading each lane's row whole and
 * transposing the 8 x 8 words (AVX-512; 24 shuffles), or 4 x 4 words at a
 * time (AVX2; 8 shuffles per 4 words). The rows have 8 words of slack at
 * the table's end for these loads; words past nw are not used. On this
 * project's AVX-512 machine (AMD EPYC) gathers of one word per lane took
 * about a third of the time, and transposes cost less even for 2 words
 * (4000 unrelated pairs, one thread, CPU time: AVX-512 500 bytes 0.0167 ->
 * 0.0120 s, 200 bytes 0.0043 -> 0.0038 s, 100 bytes 0.0024 -> 0.0023 s;
 * AVX2 500 bytes 0.0252 -> 0.0172 s, 100 bytes 0.0030 -> 0.0025 s). On
 * an Intel Xeon (Emerald Rapids) gathers lost too: 500 bytes at 83 GCUPS
 * against 95 with the transposes (the column below with funnel shifts). */
/* Lane l's row for column j. Before the shortest text's end (blend_ 0)
 * it is looked up in the column itself, from the lane's text byte (an
 * unused lane reads lane 0's text, and its map, all zero, gives row 0):
 * two dependent loads a lane whose latency the columns before hide, and
 * their scalar ports are free while the vector ports run the columns
 * (index_block's pass before every 64 columns: 0.0100 s of CPU for 4000
 * unrelated pairs of 500 bytes on Intel, AVX-512; this: 0.0087 s). Past
 * it, from index_block's offsets. */
#define ROWAT(LANES, l) (mu->table + (blend_ ? mu->idx[jj * (LANES) + (l)] : mu->sym[l][yl[l][j]]))
#define ROW2(ip, l, b) _mm256_loadu_si256((const __m256i *)(const void *)(ROWAT(ip, l) + 4 * (b)))
#define TRANSPOSE_ROWS2(e, ip)                                                                     \
    do {                                                                                           \
        for (size_t b = 0; 4 * b < nw; b++) {                                                      \
            __m256i r0 = ROW2(ip, 0, b), r1 = ROW2(ip, 1, b);                                      \
            __m256i r2 = ROW2(ip, 2, b), r3 = ROW2(ip, 3, b);                                      \
            __m256i t0 = _mm256_unpacklo_epi64(r0, r1), t1 = _mm256_unpackhi_epi64(r0, r1);        \
            __m256i t2 = _mm256_unpacklo_epi64(r2, r3), t3 = _mm256_unpackhi_epi64(r2, r3);        \
            e[4 * b] = (v4u64)_mm256_permute2x128_si256(t0, t2, 0x20);                             \
            e[4 * b + 1] = (v4u64)_mm256_permute2x128_si256(t1, t3, 0x20);                         \
            e[4 * b + 2] = (v4u64)_mm256_permute2x128_si256(t0, t2, 0x31);                         \
            e[4 * b + 3] = (v4u64)_mm256_permute2x128_si256(t1, t3, 0x31);                         \
        }                                                                                          \
    } while (0)

#define ROW(ip, l) _mm512_loadu_si512((const void *)ROWAT(ip, l))
#define TRANSPOSE_ROWS512(e, ip)                                                                   \
    do {                                                                                           \
        __m512i r0 = ROW(ip, 0), r1 = ROW(ip, 1), r2 = ROW(ip, 2), r3 = ROW(ip, 3);                \
        __m512i r4 = ROW(ip, 4), r5 = ROW(ip, 5), r6 = ROW(ip, 6), r7 = ROW(ip, 7);                \
        __m512i a0 = _mm512_unpacklo_epi64(r0, r1), a1 = _mm512_unpackhi_epi64(r0, r1);            \
        __m512i a2 = _mm512_unpacklo_epi64(r2, r3), a3 = _mm512_unpackhi_epi64(r2, r3);            \
        __m512i a4 = _mm512_unpacklo_epi64(r4, r5), a5 = _mm512_unpackhi_epi64(r4, r5);            \
        __m512i a6 = _mm512_unpacklo_epi64(r6, r7), a7 = _mm512_unpackhi_epi64(r6, r7);            \
        __m512i b0 = _mm512_shuffle_i64x2(a0, a2, 0x88), b1 = _mm512_shuffle_i64x2(a0, a2, 0xdd);  \
        __m512i b2 = _mm512_shuffle_i64x2(a1, a3, 0x88), b3 = _mm512_shuffle_i64x2(a1, a3, 0xdd);  \
        __m512i b4 = _mm512_shuffle_i64x2(a4, a6, 0x88), b5 = _mm512_shuffle_i64x2(a4, a6, 0xdd);  \
        __m512i b6 = _mm512_shuffle_i64x2(a5, a7, 0x88), b7 = _mm512_shuffle_i64x2(a5, a7, 0xdd);  \
        e[0] = (v8u64)_mm512_shuffle_i64x2(b0, b4, 0x88);                                          \
        e[1] = (v8u64)_mm512_shuffle_i64x2(b2, b6, 0x88);                                          \
        e[2] = (v8u64)_mm512_shuffle_i64x2(b1, b5, 0x88);                                          \
        e[3] = (v8u64)_mm512_shuffle_i64x2(b3, b7, 0x88);                                          \
        e[4] = (v8u64)_mm512_shuffle_i64x2(b0, b4, 0xdd);                                          \
        e[5] = (v8u64)_mm512_shuffle_i64x2(b2, b6, 0xdd);                                          \
        e[6] = (v8u64)_mm512_shuffle_i64x2(b1, b5, 0xdd);                                          \
        e[7] = (v8u64)_mm512_shuffle_i64x2(b3, b7, 0xdd);                                          \
    } while (0)

/*
 * The AVX-512 column: the word step of MULTI_COLUMN in 12 vector
 * operations instead of the 19 the compiler makes of the plain one, which
 * is what the 500-byte groups are bound by on Intel. There, 512-bit
 * vector operations issue on two ports only (0 and 5; shifts on 0,
 * shuffles on 5), and each word step also takes 3 of the transpose's 24
 * shuffles, so a word step costs about (ops + 3) / 2 cycles however the
 * columns overlap. (AMD's EPYC splits each into two 256-bit halves over
 * four pipes, and this project's 500-byte figure fell from 105 GCUPS there
 * to 69 on an Intel Xeon of lower clock.) The savings:
 *   - vpternlogq computes any Boolean function of three vectors: xh =
 *     ((s ^ p) | eq), ph = q | ~(xh | p) and np = mh | ~(xv | ph) take one
 *     each (the compiler fused none of them, and made the ~ a fourth op);
 *   - with VBMI2, a funnel shift (vpshldq) gives (ph << 1) | (the word
 *     above's ph >> 63) in one operation, and the same for mh: the delta
 *     carried into word w is the top bit of word w - 1's ph or mh, so it
 *     is shifted in straight from that word's vector (+1 into the top
 *     word from a constant with only bit 63 set, 0 for mh). Without VBMI2
 *     each is a shift pair and an or (SHL1_SHIFTS, 15 operations a step).
 * The delta also enters the match mask (eq |= mc): one shift and one or.
 * Blends past the shortest text use the lanes' k-mask (act): one op each.
 */
#define SHL1_FUNNEL(x, prev) _mm512_shldi_epi64((x), (prev), 1)
#define SHL1_SHIFTS(x, prev)                                                                       \
    _mm512_or_si512(_mm512_slli_epi64((x), 1), _mm512_srli_epi64((prev), 63))
/* Truth tables of vpternlogq over (a, b, c) = (0xf0, 0xcc, 0xaa). */
#define XOR_OR 0xbe /* (a ^ b) | c */
#define OR_NOR 0xf1 /* a | ~(b | c) */
#define COLUMN512_WITH(SHL1, V, LANES, EQROWS, BLEND)                                              \
    do {                                                                                           \
        __mmask8 act = _mm512_cmpgt_epu64_mask((__m512i)mlen, _mm512_set1_epi64((long long)j));    \
        V e[WQ__MULTI_MAXW];                                                                       \
        const int blend_ = (BLEND);                                                                \
        EQROWS(e, LANES);                                                                          \
        __m512i php = _mm512_set1_epi64((long long)(1ull << 63)), mhp = _mm512_setzero_si512();    \
        for (size_t w = 0; w < nw; w++) {                                                          \
            __m512i eq = (__m512i)e[w], p = (__m512i)pv[w], q = (__m512i)mv[w];                    \
            __m512i xv = _mm512_or_si512(eq, q);                                                   \
            if (w)                                                                                 \
                eq = _mm512_or_si512(eq, _mm512_srli_epi64(mhp, 63));                              \
            __m512i s = _mm512_add_epi64(_mm512_and_si512(eq, p), p);                              \
            __m512i xh = _mm512_ternarylogic_epi64(s, p, eq, XOR_OR);                              \
            __m512i ph = _mm512_ternarylogic_epi64(q, xh, p, OR_NOR);                              \
            __m512i mh = _mm512_and_si512(p, xh);                                                  \
            __m512i phs = SHL1(ph, php), mhs = SHL1(mh, mhp);                                      \
            php = ph;                                                                              \
            mhp = mh;                                                                              \
            __m512i np = _mm512_ternarylogic_epi64(mhs, xv, phs, OR_NOR);                          \
            __m512i nq = _mm512_and_si512(phs, xv);                                                \
            if (BLEND) {                                                                           \
                np = _mm512_mask_blend_epi64(act, p, np);                                          \
                nq = _mm512_mask_blend_epi64(act, q, nq);                                          \
            }                                                                                      \
            pv[w] = (V)np;                                                                         \
            mv[w] = (V)nq;                                                                         \
        }                                                                                          \
    } while (0)
#define COLUMN512(V, LANES, EQROWS, BLEND) COLUMN512_WITH(SHL1_SHIFTS, V, LANES, EQROWS, BLEND)
#define COLUMN512V(V, LANES, EQROWS, BLEND) COLUMN512_WITH(SHL1_FUNNEL, V, LANES, EQROWS, BLEND)

AVX512 static inline __attribute__((always_inline)) void
steps512(wq__multi *mu, const wq__multi_pair *ps, size_t count, size_t nw, size_t *out) {
    MULTI_STEPS(v8u64, 8, TRANSPOSE_ROWS512, COLUMN512);
}

AVX512V static inline __attribute__((always_inline)) void
steps512v(wq__multi *mu, const wq__multi_pair *ps, size_t count, size_t nw, size_t *out) {
    MULTI_STEPS(v8u64, 8, TRANSPOSE_ROWS512, COLUMN512V);
}

AVX2 static inline __attribute__((always_inline)) void
steps2(wq__multi *mu, const wq__multi_pair *ps, size_t count, size_t nw, size_t *out) {
    MULTI_STEPS(v4u64, 4, TRANSPOSE_ROWS2, MULTI_COLUMN);
}

/* One function per level with a constant nw in each case, so that each
 * width compiles to its own unrolled word loop with the column in
 * registers. */
#define MULTI_WIDTHS(fn)                                                                           \
    do {                                                                                           \
        switch (nw) {                                                                              \
        case 2:                                                                                    \
            fn(mu, ps, count, 2, out);                                                             \
            break;                                                                                 \
        case 3:                                                                                    \
            fn(mu, ps, count, 3, out);                                                             \
            break;                                                                                 \
        case 4:                                                                                    \
            fn(mu, ps, count, 4, out);                                                             \
            break;                                                                                 \
        case 5:                                                                                    \
            fn(mu, ps, count, 5, out);                                                             \
            break;                                                                                 \
        case 6:                                                                                    \
            fn(mu, ps, count, 6, out);                                                             \
            break;                                                                                 \
        case 7:                                                                                    \
            fn(mu, ps, count, 7, out);                                                             \
            break;                                                                                 \
        default:                                                                                   \
            fn(mu, ps, count, 8, out);                                                             \
            break;                                                                                 \
        }                                                                                          \
    } while (0)

AVX512 static void run512(wq__multi *mu, const wq__multi_pair *ps, size_t count, size_t nw,
                          size_t *out) {
    MULTI_WIDTHS(steps512);
}

AVX512V static void run512v(wq__multi *mu, const wq__multi_pair *ps, size_t count, size_t nw,
                            size_t *out) {
    MULTI_WIDTHS(steps512v);
}

AVX2 static void run2(wq__multi *mu, const wq__multi_pair *ps, size_t count, size_t nw,
                      size_t *out) {
    MULTI_WIDTHS(steps2);
}

/*
 * Runs ps[0..total), each of at most nw words, in groups of the level's
 * lane count. Their tables go into the shared table lane by lane; a lane
 * that does not fit (large alphabets: each distinct byte takes a row) waits
 * for the next group, with the lanes after it. A lone lane always fits: at
 * most 256 rows of at most 8 words.
 */
static void groups_run(wq__multi *mu, const wq__multi_pair *ps, size_t total, size_t nw) {
    for (size_t done = 0; done < total;) {
        size_t next = nw, count = 0; /* row 0 is the zero row */
        memset(mu->table, 0, nw * sizeof *mu->table);
        int (*add)(wq__multi *, size_t, const unsigned char *, size_t, size_t, size_t *) =
            mu->level >= WQ__LANES_AVX512 ? table_add512 : table_add2;
        while (done + count < total && count < mu->lanes &&
               add(mu, count, ps[done + count].x, ps[done + count].n, nw, &next) == 0)
            count++;
        size_t d[WQ__MULTI_LANES];
        if (mu->level >= WQ__LANES_AVX512 && mu->vbmi2)
            run512v(mu, ps + done, count, nw, d);
        else if (mu->level >= WQ__LANES_AVX512)
            run512(mu, ps + done, count, nw, d);
        else
            run2(mu, ps + done, count, nw, d);
        for (size_t l = 0; l < count; l++) {
            table_clear(mu, l);
            mu->dist[ps[done + l].at] = d[l] <= mu->k ? d[l] : mu->k + 1;
        }
        done += count;
    }
}

#endif /* WQ__LANES_SIMD */

/* ---------------------------------------------------------- interface -- */

void wq__multi_init(wq__multi *mu, int level, size_t *dist, size_t k) {
    int best = wq__lanes_best();
    mu->level = level < best ? level : best;
    mu->dist = dist;
    mu->k = k;
    mu->lanes = mu->level >= WQ__LANES_AVX512 ? 8 : mu->level >= WQ__LANES_AVX2 ? 4 : 0;
#if WQ__LANES_SIMD
    mu->vbmi2 = mu->level >= WQ__LANES_AVX512 && __builtin_cpu_supports("avx512vbmi2");
#else
    mu->vbmi2 = 0;
#endif
    mu->ready = 0;
    for (size_t c = 0; c < WQ__MULTI_CLASSES; c++)
        mu->count[c] = 0;
}

int wq__multi_add(wq__multi *mu, const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                  size_t at) {
    if (!mu->lanes || n <= 64 || n > 64 * WQ__MULTI_MAXW || m > WQ__MULTI_COLS)
        return 0;
#if WQ__LANES_SIMD
    if (!mu->ready) { /* every symbol map entry is 0 between groups */
        memset(mu->sym, 0, sizeof mu->sym);
        mu->ready = 1;
    }
    size_t nw = (n + 63) / 64, c = nw - WQ__MULTI_MINW;
    mu->pend[c][mu->count[c]++] = (wq__multi_pair){x, y, n, m, at};
    if (mu->count[c] == mu->lanes) {
        groups_run(mu, mu->pend[c], mu->count[c], nw);
        mu->count[c] = 0;
    }
    return 1;
#else
    (void)y, (void)at;
    return 0;
#endif
}

/* The unfinished groups share lanes: a lane of fewer words than its group
 * is exact too (its score reads only its own words), so the pending pairs,
 * widest first, fill as few groups as they can. */
void wq__multi_flush(wq__multi *mu) {
#if WQ__LANES_SIMD
    wq__multi_pair all[WQ__MULTI_CLASSES * WQ__MULTI_LANES];
    size_t total = 0, nw = 0;
    for (size_t c = WQ__MULTI_CLASSES; c-- > 0;) {
        if (mu->count[c] && !nw)
            nw = c + WQ__MULTI_MINW;
        for (size_t i = 0; i < mu->count[c]; i++)
            all[total++] = mu->pend[c][i];
        mu->count[c] = 0;
    }
    if (total)
        groups_run(mu, all, total, nw);
#else
    (void)mu;
#endif
}
