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
 *     O(s) memory for a run to score s: two wavefronts, no traceback.
 *   - Pure: safe from any number of threads.
 *
 * Method. Diagonal d = j - i holds, for the score s, the furthest row i
 * such that D[i][i + d] <= s ("furthest reaching point"). Score s + 1
 * reaches, on diagonal d, the best of a substitution on d (row + 1), a
 * deletion from d + 1 (row + 1) or an insertion from d - 1 (same row),
 * then slides down the diagonal over matching bytes for free. The answer is
 * the first s whose wavefront reaches row n on the diagonal m - n. Work is
 * O((n + m) s) at worst, about s^2 + (n + m) / 8 for scattered edits.
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

/* "Not reached": low enough that adding 1 never overflows, and never the
 * maximum of a diagonal that has a reached neighbour. */
#define WF_NONE (INT32_MIN / 2)

/* How often (in scores) the run re-estimates its total cost. */
#define WF_CHECK 8

/* The index of the first differing byte of two 8-byte words that differ:
 * lowest address = least significant byte on little-endian. */
static inline int32_t first_diff(uint64_t z) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (int32_t)(__builtin_clzll(z) / 8);
#else
    return (int32_t)(__builtin_ctzll(z) / 8);
#endif
}

/* The bounded slide: eight bytes at a time while both strings have eight
 * left, then byte by byte up to the end of the shorter rest. */
static int32_t slide_tail(const unsigned char *x, int32_t n, const unsigned char *y, int32_t m,
                          int32_t i, int32_t d) {
    int32_t j = i + d;
    size_t len = (size_t)(n - i < m - j ? n - i : m - j), k = 0;
    const unsigned char *p = x + i, *q = y + j;
    for (; k + 8 <= len; k += 8) {
        uint64_t a, b;
        memcpy(&a, p + k, 8);
        memcpy(&b, q + k, 8);
        if (a ^ b)
            return i + (int32_t)k + first_diff(a ^ b);
    }
    while (k < len && p[k] == q[k])
        k++;
    return i + (int32_t)k;
}

/*
 * Slides row i down diagonal d while x[i] == y[i + d]. The common case is
 * a point off the optimal path, where a random byte matches with odds
 * 1 / sigma: one 8-byte XOR away from both ends settles it (the first
 * differing byte from the count of trailing zero bits), with branches the
 * predictor learns. Runs of eight matches and the last eight bytes of
 * either string take the bounded loop, so nothing past x[n) or y[m) is
 * read.
 */
static inline int32_t slide(const unsigned char *x, int32_t n8, const unsigned char *y, int32_t m8,
                            int32_t i, int32_t d) {
    if (i <= n8 && i + d <= m8) {
        uint64_t a, b;
        memcpy(&a, x + i, 8);
        memcpy(&b, y + i + d, 8);
        if (a ^ b)
            return i + first_diff(a ^ b);
    }
    return slide_tail(x, n8 + 8, y, m8 + 8, i, d);
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
 * Whether to stop at score s. Every WF_CHECK scores the furthest point
 * reached so far gives the rate of edits along the pair, so the distance
 * is about s * (n + m) / progress and the run's total work about its square
 * (the wavefronts widen by two per score). Past the budget the
 * bit-parallel pass is cheaper. The estimate errs low (the furthest
 * diagonal is the luckiest one), so a run that gives up has truly
 * outgrown its budget.
 */
static int over_budget(const int32_t *w, int32_t lo, int32_t hi, size_t s, size_t n, size_t m,
                       double budget) {
    if (s == 0 || s % WF_CHECK)
        return 0;
    double prog = (double)progress(w, lo, hi);
    if (prog < 1)
        return 1;
    double est = (double)s * (double)(n + m) / prog;
    return est * est > budget;
}

size_t wq__lev_wavefront(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                         size_t cap, double budget, size_t *lower) {
    if (n > m || m > INT32_MAX / 4) { /* the caller's order; int32 rows */
        *lower = 0;
        return WQ__WF_GAVE_UP;
    }
    /* D <= m always, and a run never outlives its budget by more than one
     * check interval, so the wavefronts need at most smax + 1 diagonals
     * either side. */
    double sb = sqrt(budget) + 2 * WF_CHECK;
    size_t smax = cap < m ? cap : m;
    if (sb < (double)smax)
        smax = (size_t)sb;
    size_t width = 2 * smax + 5;
    int32_t *mem = malloc(2 * width * sizeof *mem);
    if (!mem) {
        errno = ENOMEM;
        return WQ_LEV_NO_LIMIT;
    }
    for (size_t t = 0; t < 2 * width; t++)
        mem[t] = WF_NONE;
    /* Diagonal d of a wavefront at base[d], d in [-(smax + 2), smax + 2]. */
    int32_t *cur = mem + smax + 2, *nxt = cur + width;
    int32_t in = (int32_t)n, im = (int32_t)m, target = im - in, lo = 0, hi = 0;
    size_t s = 0, result = WQ__WF_GAVE_UP;
    cur[0] = slide_tail(x, in, y, im, 0, 0);
    for (;;) {
        if (target <= hi && cur[target] >= in) {
            result = s;
            break;
        }
        if (s == smax) {
            result = smax == cap ? cap + 1 : WQ__WF_GAVE_UP;
            break;
        }
        if (over_budget(cur, lo, hi, s, n, m, budget))
            break;
        s++;
        lo = lo - 1 < -in ? -in : lo - 1;
        hi = hi + 1 > im ? im : hi + 1;
        advance(cur, nxt, lo, hi, in, im);
        /* Slide each diagonal. Most stop within the first eight bytes:
         * after a random step the odds of a match are 1 / sigma. */
        for (int32_t d = lo; d <= hi; d++)
            nxt[d] = slide(x, in - 8, y, im - 8, nxt[d], d);
        int32_t *t = cur;
        cur = nxt;
        nxt = t;
    }
    free(mem);
    *lower = s;
    return result;
}
