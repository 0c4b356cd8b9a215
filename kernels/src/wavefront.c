/*
 * wavefront.c: unit-cost edit distance by diagonal transition (Ukkonen
 * 1985, Landau & Vishkin 1989; the edit-distance case of WFA, Marco-Sola et
 * al. 2021), score only, for the related pairs of wq_levenshtein.
 *
 * Guarantees:
 *   - Exact: returns D(x, y) when D <= cap, cap + 1 when D > cap, and
 *     WQ__WF_GAVE_UP (with the scores proven too small in *lower) when its
 *     own cost model says the bit-parallel pass will be cheaper.
 *   - Reads x[0..n) and y[0..m) only (bounded compares, no padding), and
 *     O(s) memory for a run to score s (two wavefronts per direction, no
 *     traceback, no copy of the strings: pairs of WF_BI_MIN bytes or
 *     more also search from the end, reading both strings backward); runs
 *     that need at most WF_STACK (8 KB) of it keep it on the stack.
 *   - Pure: safe from any number of threads.
 *
 * Method. Diagonal d = j - i holds, for the score s, the furthest row i
 * such that D[i][i + d] <= s ("furthest reaching point"). Score s + 1
 * reaches, on diagonal d, the best of a substitution on d (row + 1), a
 * deletion from d + 1 (row + 1) or an insertion from d - 1 (same row),
 * then slides down the diagonal over matching bytes for free. The answer is
 * the first s whose wavefront reaches row n on the diagonal m - n. Work is
 * O((n + m) s) at worst, about s^2 + (n + m) / 8 for scattered edits;
 * searching from both ends (below) halves the s^2.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"

/* One binary, vectorized for AVX-512 and AVX2 and correct everywhere: the
 * loader picks a clone of advance() through an ifunc (as leibniz.c does).
 * Not under ThreadSanitizer or MemorySanitizer, whose instrumented
 * resolver would run before the sanitizer's own start-up. */
#if defined(__SANITIZE_THREAD__)
#define WQ__WF_NO_MULTIVERSION 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define WQ__WF_NO_MULTIVERSION 1
#endif
#endif
#if defined(__GNUC__) && defined(__x86_64__) && defined(__has_attribute) &&                        \
    !defined(WQ__WF_NO_MULTIVERSION)
#if __has_attribute(target_clones)
#define WQ__WF_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef WQ__WF_CLONES
#define WQ__WF_CLONES
#endif

#define WF_INLINE __attribute__((always_inline)) inline

/* "Not reached": low enough that adding 1 never overflows, and never the
 * maximum of a diagonal that has a reached neighbour. */
#define WF_NONE (INT32_MIN / 2)

/* How often (in scores) the run re-estimates its total cost. */
#define WF_CHECK 8

/* A first look at total score WF_FIRST_LOOK (one step each way from both ends),
 * which gives up only past WF_FIRST_LOOK_SLACK times the budget (4 times its
 * root): see wf_run. */
#define WF_FIRST_LOOK 2
#define WF_FIRST_LOOK_SLACK 16

/* The number of equal bytes at the start of two 8-byte words that differ,
 * as a direction reads them: forward from the lowest address (the least
 * significant byte on little-endian), backward from the highest. */
static inline int32_t first_diff(uint64_t z, int back) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    back = !back;
#endif
    return (int32_t)((back ? __builtin_clzll(z) : __builtin_ctzll(z)) / 8);
}

/*
 * The two directions read the same strings: the forward one x[i], x[i + 1],
 * ... from row i, the backward one x[n - 1 - i], x[n - 2 - i], ... (row i
 * of the reversed strings, without copying them). Both compare eight bytes
 * at a time, at x + i or at x + n - i - 8 (the same bytes, read in the
 * other order), and the first byte that differs in the direction's order
 * ends the slide.
 */
static inline const unsigned char *at8(const unsigned char *x, int32_t n, int32_t i, int back) {
    return back ? x + n - i - 8 : x + i;
}

static inline unsigned char byte_at(const unsigned char *x, int32_t n, int32_t i, int back) {
    return back ? x[n - 1 - i] : x[i];
}

/* The bounded slide: eight bytes at a time while both strings have eight
 * left, then byte by byte up to the end of the shorter rest. */
static inline int32_t slide_tail(const unsigned char *x, int32_t n, const unsigned char *y,
                                 int32_t m, int32_t i, int32_t d, int back) {
    int32_t j = i + d;
    int32_t len = n - i < m - j ? n - i : m - j, k = 0;
    for (; k + 8 <= len; k += 8) {
        uint64_t a, b;
        memcpy(&a, at8(x, n, i + k, back), 8);
        memcpy(&b, at8(y, m, j + k, back), 8);
        if (a ^ b)
            return i + k + first_diff(a ^ b, back);
    }
    while (k < len && byte_at(x, n, i + k, back) == byte_at(y, m, j + k, back))
        k++;
    return i + k;
}

static int32_t slide_tail_fwd(const unsigned char *x, int32_t n, const unsigned char *y, int32_t m,
                              int32_t i, int32_t d) {
    return slide_tail(x, n, y, m, i, d, 0);
}

static int32_t slide_tail_back(const unsigned char *x, int32_t n, const unsigned char *y, int32_t m,
                               int32_t i, int32_t d) {
    return slide_tail(x, n, y, m, i, d, 1);
}

/*
 * Slides row i down diagonal d while the next bytes match. The common case
 * is a point off the optimal path, where a random byte matches with odds
 * 1 / sigma: one 8-byte XOR away from both ends settles it (the first
 * differing byte from the count of trailing, or leading, zero bits), with
 * branches the predictor learns. Runs of eight matches and the last eight
 * bytes of either string take the bounded loop, so nothing outside x[0, n)
 * or y[0, m) is read.
 */
static inline int32_t slide(const unsigned char *x, int32_t n8, const unsigned char *y, int32_t m8,
                            int32_t i, int32_t d, int back) {
    if (i <= n8 && i + d <= m8) {
        uint64_t a, b;
        memcpy(&a, at8(x, n8 + 8, i, back), 8);
        memcpy(&b, at8(y, m8 + 8, i + d, back), 8);
        if (a ^ b)
            return i + first_diff(a ^ b, back);
    }
    return back ? slide_tail_back(x, n8 + 8, y, m8 + 8, i, d)
                : slide_tail_fwd(x, n8 + 8, y, m8 + 8, i, d);
}

/* ------------------------------------------------- the vector slides -- */

#if WQ__LANES_SIMD
#include <immintrin.h>

#define WF_AVX512 __attribute__((target("avx512bw")))
#define WF_AVX2 __attribute__((target("avx2")))

/*
 * The slides of a whole wavefront w[lo..hi], 4 (AVX2) or 8 (AVX-512)
 * diagonals a step: the eight bytes at8() of x and y for each lane come
 * in by one gather each (the backward direction gathers from x + n - 8
 * with the rows negated, so its bytes arrive in reverse reading order and
 * are turned round within each lane by one byte shuffle of the compare
 * mask), and the number of leading equal bytes k (0..8) of each lane is
 * counted without leaving the vector. Why the count is exact: with z the
 * bytes' "differ" mask (0xFF where they differ, in reading order),
 * z & -z keeps the lowest set bit, which is bit 0 of byte k; subtracting 1
 * sets exactly the bits of bytes 0..k-1 (all of them, so 64 bits when
 * z = 0, no byte differs, k = 8); those bytes are 0xFF, the rest 0, and
 * the sum of their low bits (one SAD against zero) is k.
 *
 * A lane whose eight bytes all match (k = 8, on or near the path) or that
 * would read outside x[0, n) or y[0, m) (or sits before row 0, never in
 * practice) gathers nothing and goes on in the scalar slide_tail from its
 * row so far, so nothing outside the strings is read and every result is
 * the scalar one.
 */
/* Finishes the lanes of mask `redo` (bit l: diagonal d + l) one by one. */
static void slide_redo(const unsigned char *x, int32_t n, const unsigned char *y, int32_t m,
                       int32_t *w, int32_t d, unsigned redo, int back) {
    for (; redo; redo &= redo - 1) {
        int32_t l = __builtin_ctz(redo);
        w[d + l] = back ? slide_tail_back(x, n, y, m, w[d + l], d + l)
                        : slide_tail_fwd(x, n, y, m, w[d + l], d + l);
    }
}

/* Lanes where row i or column i + d lies outside [0, n - 8] or [0, m - 8]. */
WF_AVX2 static inline __m128i lanes_out(__m128i iv, __m128i jv, __m128i n8, __m128i m8) {
    __m128i z = _mm_setzero_si128();
    __m128i out = _mm_or_si128(_mm_cmpgt_epi32(iv, n8), _mm_cmpgt_epi32(jv, m8));
    return _mm_or_si128(out, _mm_or_si128(_mm_cmpgt_epi32(z, iv), _mm_cmpgt_epi32(z, jv)));
}

WF_AVX2 static WF_INLINE int32_t slides_avx2_dir(const unsigned char *x, int32_t n,
                                                 const unsigned char *y, int32_t m, int32_t *w,
                                                 int32_t lo, int32_t hi, int back) {
    const __m128i n8 = _mm_set1_epi32(n - 8), m8 = _mm_set1_epi32(m - 8), eight = _mm_set1_epi32(8);
    const __m256i pick = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m256i ones = _mm256_set1_epi64x(1), low8 = _mm256_set1_epi8(1);
    const __m256i turn = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7,
                                          6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    const long long *xb = (const long long *)(back ? x + n - 8 : x);
    const long long *yb = (const long long *)(back ? y + m - 8 : y);
    int32_t d = lo;
    for (; d + 3 <= hi; d += 4) {
        __m128i iv = _mm_loadu_si128((const __m128i *)(w + d));
        __m128i jv = _mm_add_epi32(iv, _mm_setr_epi32(d, d + 1, d + 2, d + 3));
        __m128i out = lanes_out(iv, jv, n8, m8);
        __m256i in64 = _mm256_cvtepi32_epi64(_mm_xor_si128(out, _mm_set1_epi32(-1)));
        __m128i ix = back ? _mm_sub_epi32(_mm_setzero_si128(), iv) : iv;
        __m128i jx = back ? _mm_sub_epi32(_mm_setzero_si128(), jv) : jv;
        __m256i a = _mm256_mask_i32gather_epi64(_mm256_setzero_si256(), xb, ix, in64, 1);
        __m256i b = _mm256_mask_i32gather_epi64(_mm256_setzero_si256(), yb, jx, in64, 1);
        __m256i z = _mm256_xor_si256(_mm256_cmpeq_epi8(a, b), _mm256_set1_epi8(-1));
        if (back)
            z = _mm256_shuffle_epi8(z, turn);
        __m256i below = _mm256_sub_epi64(
            _mm256_and_si256(z, _mm256_sub_epi64(_mm256_setzero_si256(), z)), ones);
        __m256i lead = _mm256_sad_epu8(_mm256_and_si256(below, low8), _mm256_setzero_si256());
        __m256i k64 = _mm256_permutevar8x32_epi32(lead, pick);
        __m128i k = _mm_andnot_si128(out, _mm256_castsi256_si128(k64));
        _mm_storeu_si128((__m128i *)(w + d), _mm_add_epi32(iv, k));
        __m128i redo = _mm_or_si128(out, _mm_cmpeq_epi32(k, eight));
        slide_redo(x, n, y, m, w, d, (unsigned)_mm_movemask_ps(_mm_castsi128_ps(redo)), back);
    }
    return d;
}

WF_AVX2 static int32_t slides_avx2(const unsigned char *x, int32_t n, const unsigned char *y,
                                   int32_t m, int32_t *w, int32_t lo, int32_t hi, int back) {
    return back ? slides_avx2_dir(x, n, y, m, w, lo, hi, 1)
                : slides_avx2_dir(x, n, y, m, w, lo, hi, 0);
}

WF_AVX512 static WF_INLINE int32_t slides_avx512_dir(const unsigned char *x, int32_t n,
                                                     const unsigned char *y, int32_t m, int32_t *w,
                                                     int32_t lo, int32_t hi, int back) {
    const __m256i n8 = _mm256_set1_epi32(n - 8), m8 = _mm256_set1_epi32(m - 8),
                  eight = _mm256_set1_epi32(8), step = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m512i ones = _mm512_set1_epi64(1), low8 = _mm512_set1_epi8(1),
                  zero = _mm512_setzero_si512();
    const __m512i turn = _mm512_set_epi64(
        0x08090a0b0c0d0e0fLL, 0x0001020304050607LL, 0x08090a0b0c0d0e0fLL, 0x0001020304050607LL,
        0x08090a0b0c0d0e0fLL, 0x0001020304050607LL, 0x08090a0b0c0d0e0fLL, 0x0001020304050607LL);
    const void *xb = back ? x + n - 8 : x, *yb = back ? y + m - 8 : y;
    int32_t d = lo;
    for (; d + 7 <= hi; d += 8) {
        __m256i iv = _mm256_loadu_si256((const __m256i *)(w + d));
        __m256i jv = _mm256_add_epi32(iv, _mm256_add_epi32(_mm256_set1_epi32(d), step));
        __m256i out = _mm256_or_si256(_mm256_cmpgt_epi32(iv, n8), _mm256_cmpgt_epi32(jv, m8));
        out = _mm256_or_si256(out,
                              _mm256_cmpgt_epi32(_mm256_setzero_si256(), _mm256_or_si256(iv, jv)));
        __mmask8 in = (__mmask8)~_mm256_movemask_ps(_mm256_castsi256_ps(out));
        __m256i ix = back ? _mm256_sub_epi32(_mm256_setzero_si256(), iv) : iv;
        __m256i jx = back ? _mm256_sub_epi32(_mm256_setzero_si256(), jv) : jv;
        __m512i a = _mm512_mask_i32gather_epi64(zero, in, ix, xb, 1);
        __m512i b = _mm512_mask_i32gather_epi64(zero, in, jx, yb, 1);
        __m512i z = _mm512_movm_epi8(~_mm512_cmpeq_epi8_mask(a, b));
        if (back)
            z = _mm512_shuffle_epi8(z, turn);
        __m512i below = _mm512_sub_epi64(_mm512_and_si512(z, _mm512_sub_epi64(zero, z)), ones);
        __m512i k64 = _mm512_sad_epu8(_mm512_and_si512(below, low8), zero);
        __m256i k = _mm256_andnot_si256(out, _mm512_cvtepi64_epi32(k64));
        _mm256_storeu_si256((__m256i *)(w + d), _mm256_add_epi32(iv, k));
        __m256i redo = _mm256_or_si256(out, _mm256_cmpeq_epi32(k, eight));
        slide_redo(x, n, y, m, w, d, (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(redo)), back);
    }
    return d;
}

WF_AVX512 static int32_t slides_avx512(const unsigned char *x, int32_t n, const unsigned char *y,
                                       int32_t m, int32_t *w, int32_t lo, int32_t hi, int back) {
    return back ? slides_avx512_dir(x, n, y, m, w, lo, hi, 1)
                : slides_avx512_dir(x, n, y, m, w, lo, hi, 0);
}
#endif /* WQ__LANES_SIMD */

/* Slides every diagonal of w[lo..hi] at dispatch level `level`: the
 * vector lanes first, then the scalar slide for the rest. */
static void slides(int level, const unsigned char *x, int32_t n, const unsigned char *y, int32_t m,
                   int32_t *w, int32_t lo, int32_t hi, int back) {
    int32_t d = lo;
#if WQ__LANES_SIMD
    if (level >= WQ__LANES_AVX512)
        d = slides_avx512(x, n, y, m, w, lo, hi, back);
    else if (level >= WQ__LANES_AVX2)
        d = slides_avx2(x, n, y, m, w, lo, hi, back);
#else
    (void)level;
#endif
    if (back)
        for (; d <= hi; d++)
            w[d] = slide(x, n - 8, y, m - 8, w[d], d, 1);
    else
        for (; d <= hi; d++)
            w[d] = slide(x, n - 8, y, m - 8, w[d], d, 0);
}

/*
 * The next wavefront nxt[lo..hi] from cur (defined on [lo + 1, hi - 1] at
 * least, WF_NONE around it). Kept free of branches so that the compiler
 * vectorizes it: the three moves, then the clamp to the last row n and the
 * last column m. Clamping is exact: a move only leaves the table from a
 * point on its border, and a border cell next to a point of cost s - 1
 * costs at most s (neighbouring cells differ by at most one).
 */
WQ__WF_CLONES static void advance(const int32_t *restrict cur, int32_t *restrict nxt, int32_t lo,
                                  int32_t hi, int32_t n, int32_t m) {
    for (int32_t d = lo; d <= hi; d++) {
        int32_t ins = cur[d - 1], sub = cur[d] + 1, del = cur[d + 1] + 1;
        int32_t v = sub > del ? sub : del;
        v = v > ins ? v : ins;
        int32_t lim = m - d < n ? m - d : n;
        nxt[d] = v < lim ? v : lim;
    }
}

/* The furthest anti-diagonal i + j reached by the wavefront w[lo..hi]. */
static int64_t progress(const int32_t *w, int32_t lo, int32_t hi) {
    int64_t best = 0;
    for (int32_t d = lo; d <= hi; d++)
        if (2 * (int64_t)w[d] + d > best)
            best = 2 * (int64_t)w[d] + d;
    return best;
}

/*
 * Whether to stop at total score s (forward plus backward). The furthest
 * points reached so far give the rate of edits along the pair, so the
 * distance is about s * (n + m) / progress and the run's total work about
 * its square (the wavefronts widen by two per score; two half-triangles
 * hold half of one, but the estimate keeps the one-way figure, the budget
 * being calibrated on it). Past the budget the bit-parallel pass is
 * cheaper. The estimate errs low (the furthest diagonal is the luckiest
 * one), so a run that gives up has truly outgrown its budget.
 */
static int over_budget(const int32_t *f, int32_t flo, int32_t fhi, const int32_t *b, int32_t blo,
                       int32_t bhi, size_t s, size_t n, size_t m, double budget) {
    double prog = (double)progress(f, flo, fhi) + (double)progress(b, blo, bhi);
    if (prog < 1)
        return 1;
    double est = (double)s * (double)(n + m) / prog;
    return est * est > budget;
}

/* One direction of the search: the strings, read from their ends for the
 * backward one (at8, byte_at), its two wavefronts and its score. */
typedef struct wf_dir {
    const unsigned char *x, *y;
    int32_t *cur, *nxt, lo, hi;
    size_t s;
    int level; /* dispatch level of the slides (WQ__LANES_*) */
    int back;  /* reads x and y backward: row i is x[n - 1 - i] */
    /* The pruned search (wf_seeded): a lower bound h[(row + hoff) >> 3] on
     * the cost left from each row, and the bound on the total; h NULL in
     * the plain search. */
    const int32_t *h;
    int32_t hoff;
    int64_t bound;
    /* The pruned search: no row of cur[lo..hi] exceeds `top` (n when not
     * known), so the next step's moves give rows of at most top + 1. */
    int32_t top;
} wf_dir;

/*
 * Drops the diagonals at either end of the wavefront whose point cannot
 * lie on a path of cost at most the bound: its score plus the cost still
 * owed from it exceeds the bound. Why that is exact: the optimal path's
 * point of score s on diagonal d is at or above the furthest point F, and
 * the cost to the end never rises down a diagonal, so a path of cost at
 * most the bound also runs through F, and a lower bound on what F owes
 * that holds for every such path never drops it. Only the ends are
 * trimmed, so the range stays whole; the two cells past each end, all
 * that the next step reads outside the range, read as not reached (the
 * cells further out keep stale rows, never read).
 *
 * What F, at row i, owes (owed): h[(i + hoff) >> 3], the seeds' bound
 * from any point of row i. And F is where its slide stopped: unless it
 * lies on the last row or column, its next bytes differ, so a path's next
 * step from F costs 1 and leads to a point of row i or i + 1, which owes
 * at least h[(i + 1 + hoff) >> 3] (h never rises with the row). So F owes
 * the larger of h[(i + hoff) >> 3] and 1 + h[(i + 1 + hoff) >> 3]: one
 * more than the seeds' bound on every row but a block's last, where that
 * bound steps down. The seeds count edits block by block, so the edit
 * F faces in its own block is one they leave out.
 */
static inline int64_t owed(const wf_dir *w, int32_t i, int32_t d, int32_t n, int32_t m) {
    int64_t at = w->h[(i + w->hoff) >> 3];
    if (i < n && i + d < m) {
        int64_t next = 1 + (int64_t)w->h[(i + 1 + w->hoff) >> 3];
        at = at > next ? at : next;
    }
    return at;
}

static void dir_trim(wf_dir *w, int32_t n, int32_t m) {
    int32_t *c = w->cur, lo = w->lo, hi = w->hi;
    int64_t room = w->bound - (int64_t)w->s;
    while (lo <= hi && owed(w, c[lo], lo, n, m) > room)
        lo++;
    while (hi >= lo && owed(w, c[hi], hi, n, m) > room)
        hi--;
    if (lo <= hi) {
        c[lo - 2] = c[lo - 1] = WF_NONE;
        c[hi + 1] = c[hi + 2] = WF_NONE;
    }
    w->lo = lo, w->hi = hi;
}

/* The pruned search's wavefronts narrower than this slide one diagonal at
 * a time. They hold about 7 (100 kb at 1%) to 20 (10 kb at 5%) diagonals,
 * where the gathers' set-up and the scalar remainder cost more than they
 * save: on the AMD EPYC of bench/kernels (AVX-512), the pruned search's
 * samples against the seeds' (perf, cpu-clock) fell by 8% at 10 kb and 9%
 * at 100 kb (callgrind, which counts a gather as one instruction, says the
 * opposite). */
#define WF_SCALAR_BELOW 32

#if WQ__LANES_SIMD
/* The slide of a run, 32 bytes a step while both strings have 32 left
 * (the run along the path: about 1 / rate bytes), then slide_tail. The
 * first differing byte in reading order is the lowest clear bit of the
 * equality mask forward, the highest backward (the 32 bytes end at
 * x + n - i, read from their end). */
WF_AVX2 static int32_t run_avx2(const unsigned char *x, int32_t n, const unsigned char *y,
                                int32_t m, int32_t i, int32_t d, int back) {
    for (int32_t j = i + d; n - i >= 32 && m - j >= 32; i += 32, j += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(back ? x + n - i - 32 : x + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(back ? y + m - j - 32 : y + j));
        uint32_t ne = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, b));
        if (ne)
            return i + (back ? __builtin_clz(ne) : __builtin_ctz(ne));
    }
    return back ? slide_tail_back(x, n, y, m, i, d) : slide_tail_fwd(x, n, y, m, i, d);
}

/* run_avx2 64 bytes a step at AVX-512 (the path's runs past 32 bytes: one
 * compare where AVX2 takes two), then run_avx2 for the rest. */
WF_AVX512 static int32_t run_avx512(const unsigned char *x, int32_t n, const unsigned char *y,
                                    int32_t m, int32_t i, int32_t d, int back) {
    for (int32_t j = i + d; n - i >= 64 && m - j >= 64; i += 64, j += 64) {
        __m512i a = _mm512_loadu_si512((const void *)(back ? x + n - i - 64 : x + i));
        __m512i b = _mm512_loadu_si512((const void *)(back ? y + m - j - 64 : y + j));
        uint64_t ne = ~(uint64_t)_mm512_cmpeq_epi8_mask(a, b);
        if (ne)
            return i + (back ? __builtin_clzll(ne) : __builtin_ctzll(ne));
    }
    return run_avx2(x, n, y, m, i, d, back);
}
#endif

/* A run of eight matches at row i in narrow_pass: out of line, so that the
 * pass keeps its registers. */
static __attribute__((noinline)) int32_t narrow_run(int level, const unsigned char *x, int32_t n,
                                                    const unsigned char *y, int32_t m, int32_t i,
                                                    int32_t d, int back) {
#if WQ__LANES_SIMD
    if (level >= WQ__LANES_AVX512)
        return run_avx512(x, n, y, m, i + 8, d, back);
    if (level >= WQ__LANES_AVX2)
        return run_avx2(x, n, y, m, i + 8, d, back);
#else
    (void)level;
#endif
    return back ? slide_tail_back(x, n, y, m, i + 8, d) : slide_tail_fwd(x, n, y, m, i + 8, d);
}

/*
 * The narrow step of the pruned search, far from the ends: score s + 1 on
 * w->nxt[lo..hi] in one pass, each diagonal's move and its slide together,
 * with no clamp and no bounds test. Why none is needed: the caller checked
 * that every row the moves can give (at most top + 1, top bounding the rows
 * of cur) is at most n - 8 and every column (at most top + 1 + hi) at most
 * m - 8, so the clamps to row n and column m change nothing and the first
 * eight bytes of both strings exist on every diagonal (rows and columns are
 * never negative: every diagonal of the range has a reached neighbour, and
 * a move never lowers a column). A run of eight matches goes on in
 * narrow_run, bounded. Returns a bound on the new rows.
 */
static WF_INLINE int32_t narrow_pass(int level, const unsigned char *x, int32_t n,
                                     const unsigned char *y, int32_t m, const int32_t *restrict cur,
                                     int32_t *restrict nxt, int32_t lo, int32_t hi, int back) {
    const unsigned char *xb = back ? x + n - 8 : x, *yb = back ? y + m - 8 : y;
    int32_t top = 0;
    for (ptrdiff_t d = lo; d <= hi; d++) {
        int32_t ins = cur[d - 1], sub = cur[d] + 1, del = cur[d + 1] + 1;
        int32_t v = sub > del ? sub : del;
        v = v > ins ? v : ins;
        ptrdiff_t i = v, j = v + d;
        uint64_t a, b;
        memcpy(&a, back ? xb - i : xb + i, 8);
        memcpy(&b, back ? yb - j : yb + j, 8);
        if (a ^ b)
            v += first_diff(a ^ b, back);
        else
            v = narrow_run(level, x, n, y, m, v, (int32_t)d, back);
        nxt[d] = v;
        top = v > top ? v : top;
    }
    return top;
}

static int32_t narrow_pass_fwd(const wf_dir *w, int32_t n, int32_t m) {
    return narrow_pass(w->level, w->x, n, w->y, m, w->cur, w->nxt, w->lo, w->hi, 0);
}

static int32_t narrow_pass_back(const wf_dir *w, int32_t n, int32_t m) {
    return narrow_pass(w->level, w->x, n, w->y, m, w->cur, w->nxt, w->lo, w->hi, 1);
}

/* Score s + 1 of one direction: the three moves, then each diagonal slid.
 * Most slides stop within the first eight bytes: after a random step the
 * odds of a match are 1 / sigma. Narrow pruned wavefronts away from the
 * ends take narrow_pass; the others keep a bound on their rows once narrow
 * so that the next step can. */
static void dir_step(wf_dir *w, int32_t in, int32_t im) {
    w->s++;
    w->lo = w->lo - 1 < -in ? -in : w->lo - 1;
    w->hi = w->hi + 1 > im ? im : w->hi + 1;
    int narrow = w->h && w->hi - w->lo < WF_SCALAR_BELOW;
    if (narrow && w->top < in - 8 && w->top + 1 + w->hi <= im - 8) {
        w->top = w->back ? narrow_pass_back(w, in, im) : narrow_pass_fwd(w, in, im);
    } else {
        advance(w->cur, w->nxt, w->lo, w->hi, in, im);
        slides(narrow ? WQ__LANES_SCALAR : w->level, w->x, in, w->y, im, w->nxt, w->lo, w->hi,
               w->back);
        w->top = narrow ? 0 : in;
        for (int32_t d = w->lo; narrow && d <= w->hi; d++)
            w->top = w->nxt[d] > w->top ? w->nxt[d] : w->top;
    }
    int32_t *t = w->cur;
    w->cur = w->nxt;
    w->nxt = t;
    if (w->h)
        dir_trim(w, in, im);
}

/*
 * Whether the forward wavefront f (score s) and the backward one b (score
 * t, reading the strings from their ends, so that its diagonal e is the
 * forward diagonal target - e)
 * overlap: some diagonal d where f reaches row F and b reaches, from the
 * end, row n - B <= F. Along a diagonal the cost from the start never
 * falls and the cost to the end never rises, so the point (n - B, n - B +
 * d) costs at most s from the start and at most t to the end: D <= s + t.
 */
WQ__WF_CLONES static int dirs_meet(const wf_dir *f, const wf_dir *b, int32_t in, int32_t target) {
    int32_t lo = f->lo > target - b->hi ? f->lo : target - b->hi;
    int32_t hi = f->hi < target - b->lo ? f->hi : target - b->lo;
    const int32_t *restrict fw = f->cur, *restrict bw = b->cur + target;
    /* A reduction without an early exit, so that it vectorizes; an
     * unreached side (WF_NONE, INT32_MIN / 2) keeps the sum negative. */
    int32_t best = INT32_MIN;
    for (int32_t d = lo; d <= hi; d++) {
        int32_t v = fw[d] + bw[-d];
        best = v > best ? v : best;
    }
    return best >= in;
}

/* Runs whose wavefronts fit in this many bytes keep them on the stack. */
#define WF_STACK 8192

/* Pairs shorter than this search in one direction only (the second
 * direction's set-up and meeting checks would cost more than the half of
 * the work they save). */
#define WF_BI_MIN 256

/*
 * The search from both ends (Marco-Sola et al.'s BiWFA, score only): a
 * forward wavefront from (0, 0) and a backward one from (n, m), the one
 * with the lower score stepped next, until they overlap. Each direction
 * reaches only about D / 2, so the two triangles of scores hold about half
 * the cells of the one-way search's D^2.
 *
 * Why the first overlap is at D exactly: every step raises s + t by one and
 * is followed by a check. An optimal path has a point of cost s from the
 * start and D - s to the end for each s <= D; once s + t >= D the forward
 * wavefront covers that point's diagonal up to it and the backward one
 * from it, so they overlap there. And an overlap at s + t proves D <= s +
 * t (dirs_meet). So the first overlap comes at s + t = D.
 */
/* The seeds' bounds of wq__seed_bounds for the pruned search, and the
 * bound on the total that it proves or refutes. */
typedef struct wf_seeds {
    const int32_t *fwd, *bwd;
    int64_t bound;
    size_t floor; /* the seeds' bound on the whole pair: D >= floor */
    int one_way;  /* 0: both directions in turn; 1: forward only; 2: backward only */
} wf_seeds;

static size_t wf_run(int level, const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                     size_t cap, double budget, size_t *lower, const wf_seeds *sd) {
    /* D <= m always, and a run never outlives its budget by more than one
     * check interval; each direction reaches half the total plus one. */
    double sb = sqrt(budget) + 2 * WF_CHECK;
    size_t smax = cap < m ? cap : m;
    if (sb < (double)smax)
        smax = (size_t)sb;
    int both = n >= WF_BI_MIN, one_way = sd && both ? sd->one_way : 0;
    /* One direction alone may reach score smax, and its diagonals with it. */
    size_t half = both && !one_way ? smax / 2 + 1 : smax, width = 2 * half + 5;
    /* The wavefronts in one block, on the stack for small runs (most
     * short pairs: two mallocs and frees were about 5% of a 500-byte
     * pair's instructions at 2% edits). */
    size_t memb = (both ? 4 : 2) * width * sizeof(int32_t);
    _Alignas(64) int32_t small[WF_STACK / sizeof(int32_t)];
    int32_t *mem = small;
    if (memb > sizeof small)
        mem = wq__scratch_take(memb, &memb);
    if (!mem) {
        errno = ENOMEM;
        return WQ_LEV_NO_LIMIT;
    }
    for (size_t t = 0; t < (both ? 4 : 2) * width; t++)
        mem[t] = WF_NONE;
    int32_t in = (int32_t)n, im = (int32_t)m, target = im - in;
    /* Diagonal d of a wavefront at base[d], d in [-(half + 2), half + 2]. */
    wf_dir f = {x, y, mem + half + 2, mem + half + 2 + width, 0, 0, 0, level, 0, NULL, 0, 0, in},
           b = f;
    b.hi = -1; /* one direction only: b stays empty */
    f.cur[0] = slide_tail_fwd(x, in, y, im, 0, 0);
    if (both) {
        b.cur += 2 * width, b.nxt += 2 * width, b.hi = 0, b.back = 1;
        b.cur[0] = slide_tail_back(x, in, y, im, 0, 0);
    }
    if (sd) {
        f.h = sd->fwd, f.hoff = 7, f.bound = sd->bound;
        b.h = sd->bwd, b.hoff = 7 - in % 8, b.bound = sd->bound;
    }
    size_t result = WQ__WF_GAVE_UP;
    for (;;) {
        size_t total = f.s + b.s;
        if (f.lo > f.hi || (both && b.lo > b.hi)) { /* all pruned: D > bound */
            result = cap + 1;
            break;
        }
        /* No overlap comes below D >= floor: the check waits for it. */
        int may_meet = !sd || total >= sd->floor;
        if (may_meet &&
            (both ? dirs_meet(&f, &b, in, target) : target <= f.hi && f.cur[target] >= in)) {
            result = total;
            break;
        }
        if (total == smax) {
            result = smax == cap ? cap + 1 : WQ__WF_GAVE_UP;
            break;
        }
        if (total % WF_CHECK == 0 && total > 0 && budget < INFINITY &&
            over_budget(f.cur, f.lo, f.hi, b.cur, b.lo, b.hi, total, n, m, budget))
            break;
        /* The first look spares unrelated pairs six of the eight steps
         * before the first check (500 bytes, AVX-512: 0.32 -> 0.11 us of
         * the batch's 2.0 us a pair). So early, an edit near either end
         * weighs heavily on the estimate, hence the slack. 4000 pairs of
         * 500 bytes, estimates at total 2 against the root of a batch's
         * budget (28 at 0.2 cells a block): unrelated 95 at the least, 118
         * at the 1st percentile; 2% edits 61 at most; 5% 52 at the 99th
         * percentile. */
        if (total == WF_FIRST_LOOK && budget < INFINITY &&
            over_budget(f.cur, f.lo, f.hi, b.cur, b.lo, b.hi, total, n, m,
                        budget * WF_FIRST_LOOK_SLACK))
            break;
        if (one_way ? one_way == 2 : both && b.s < f.s)
            dir_step(&b, in, im);
        else
            dir_step(&f, in, im);
    }
    if (mem != small)
        wq__scratch_give(mem, memb);
    *lower = f.s + b.s;
    return result;
}

/*
 * Which direction alone proves the pruned search's bound soonest (1
 * forward, 2 backward). Any order of steps is exact (wf_run), so this is
 * only a cost estimate.
 *
 * Why one direction: a direction's point on the optimal path at row i
 * survives its trims while the slack there, the cost the seeds miss in the
 * rows still ahead of it, is at least 1, and its wavefront keeps about
 * twice that slack in diagonals around the path. The slack only falls as
 * the direction passes the places the seeds miss, so each direction's
 * widest steps are its first ones: in turn, both pay for their wide first
 * halves. Alone, one direction's steps narrow as it goes, and it stops
 * once past the last place missed.
 *
 * Which one: the one that passes the missed cost first. With the chain's
 * cost standing in for the true cost, the cost missed lies where the chain
 * costs more than the seeds' units; lev_seeds.c's moment is negative when
 * it lies mostly in the first half of x: forward then.
 */
static int wf_one_way(int64_t moment) {
    return moment <= 0 ? 1 : 2;
}

/* The slack over the seeds' bound h0 of the pruned search's first run
 * (wf_seeded). At 10 kb and 5% edits D - h0 is 3 to 18 (8 on average),
 * while the chain's cost U lies up to 135 above h0 when it costs a long gap
 * as its length (7 of the bench's 200 pairs, a third of the cells kept). */
#define WF_SEEDED_SLACK 16

/* Pairs shorter than this skip the seeds (the plain search is cheap). */
#define WF_SEED_MIN 4096

/* The seeds apply when at most 1 / WF_SEED_MAX_LEFT of them fail the quick
 * placement (about 8% edits and fewer for 8-byte seeds). */
#define WF_SEED_MAX_LEFT 2

/*
 * The search pruned by the seeds, for long related pairs: one run with the
 * bound U - 1, U the cost of the seeds' chain (an alignment, so D <= U; see
 * lev_seeds.c), or cap when that is lower. The run is exact (dir_trim): it
 * finds D when D <= its bound, and proves D > the bound when its
 * wavefronts run empty (so D = U, or D > cap). None is needed when the
 * seeds' bound h0 reaches U. It
 * is tried only when U is within a third of the seeds' bound h0 on the
 * whole pair: the width it keeps is about twice U - h0, against the 2s + 1
 * of the plain search at score s. Returns the distance, cap + 1 when
 * D > cap is proven, WQ__WF_GAVE_UP when the seeds do not apply, or
 * WQ_LEV_NO_LIMIT with errno ENOMEM.
 */
static size_t wf_seeded(int level, const unsigned char *x, size_t n, const unsigned char *y,
                        size_t m, size_t cap) {
    size_t ns = n / 8, ucap = 0, result = WQ__WF_GAVE_UP;
    /* One block for the bounds both ways and the seeds' scratch room,
     * kept by the thread for its next pair (scratch.c). */
    size_t hb;
    int32_t *h = wq__scratch_take((3 * ns + 4) * sizeof *h, &hb);
    if (!h)
        return WQ__WF_GAVE_UP; /* the plain search reports it if it recurs */
    int64_t moment;
    if (wq__seed_bounds_ex(level, WQ__SEEDS_AUTO, x, n, y, m, ns / WF_SEED_MAX_LEFT, h, h + ns + 2,
                           h + 2 * ns + 3, &ucap, &moment)) {
        wq__scratch_give(h, hb);
        errno = ENOMEM;
        return WQ_LEV_NO_LIMIT;
    }
    size_t h0 = ucap ? (size_t)h[0] : 0;
    if (ucap && h0 >= ucap) {
        /* h0 <= D <= ucap: the chain is optimal, no search needed. */
        result = ucap <= cap ? ucap : cap + 1;
    } else if (ucap && h0 > cap) {
        result = cap + 1; /* D >= h0 > cap */
    } else if (ucap && 3 * (ucap - h0) <= ucap) {
        /* D <= U, and the chain is most often optimal: the run only has
         * to prove that no path costs U - 1, a bound one lower at every
         * cell, so narrower; finding none, it answers (U - 1) + 1 = U = D.
         * Below the caller's cap, the cap is the bound. But a chain that
         * costs a long gap as its length (lev_seeds.c) can lie far above D,
         * and a run's width follows its bound less h0: the first run's
         * bound is at most h0 + WF_SEEDED_SLACK, and a run that proves D
         * above its bound is followed by one with twice the slack, up to
         * U - 1 (each run is exact for its bound). */
        size_t u = ucap <= cap ? ucap - 1 : cap, lower, slack = WF_SEEDED_SLACK;
        for (;;) {
            size_t ui = h0 + slack < u ? h0 + slack : u;
            wf_seeds sd = {h, h + ns + 2, (int64_t)ui, h0, wf_one_way(moment)};
            size_t d = wf_run(level, x, n, y, m, ui, INFINITY, &lower, &sd);
            if (d == ui + 1 && ui < u) { /* D > ui: a wider bound */
                slack *= 2;
                continue;
            }
            /* A give-up cannot happen (no budget); the plain search would
             * still answer exactly if it did. */
            if (d <= ui + 1 || d == WQ_LEV_NO_LIMIT)
                result = d;
            break;
        }
    }
    wq__scratch_give(h, hb);
    return result;
}

size_t wq__lev_wavefront_at(int level, const unsigned char *x, size_t n, const unsigned char *y,
                            size_t m, size_t cap, double budget, size_t *lower) {
    if (n > m || m > INT32_MAX / 4) { /* the caller's order; int32 rows */
        *lower = 0;
        return WQ__WF_GAVE_UP;
    }
    if (n >= WF_SEED_MIN) {
        size_t d = wf_seeded(level, x, n, y, m, cap);
        if (d != WQ__WF_GAVE_UP) {
            *lower = d;
            return d;
        }
    }
    return wf_run(level, x, n, y, m, cap, budget, lower, NULL);
}

size_t wq__lev_wavefront(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                         size_t cap, double budget, size_t *lower) {
    return wq__lev_wavefront_at(wq__lanes_best(), x, n, y, m, cap, budget, lower);
}
