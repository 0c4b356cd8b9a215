/*
 * leibniz.c: partial sums of the Leibniz series for pi,
 *
 *     S(start, end) = sum over i in [start, end) of (4 - 8*(i%2)) / (2i+1).
 *
 * Guarantees, for 0 <= start <= end <= WQ_LEIBNIZ_MAX (2^51):
 *   - wq_leibniz returns S rounded to nearest, give or take a tiny extra
 *     error (below 2^-8 ulp), when the range starts among the first
 *     2 * WQ__LZ_HEAD terms or holds fewer than 2 * WQ__LZ_MIN_PAIRS terms:
 *     those are summed in double-double. Longer ranges further out add the
 *     rounding errors of the grouped terms (a few 2^-53 each, of random
 *     sign), which average out to well under 0.5 ulp; the tests bound the
 *     total at 1 ulp of the range's own value.
 *   - So a [0, n) sum composed from chunks with Neumaier compensation
 *     (wq_sum_f64) is within 1 ulp of the exact value: the chunk holding the
 *     large terms is rounded once, and the others are small, so their own
 *     errors are tiny against pi's ulp.
 *   - 2^51 is the bound because every integer the kernel touches (2i+1, and
 *     4k+1, 4k+3 for the pair k = i/2) is then below 2^53 and exact in a
 *     double, and the product (4k+1)(4k+3) is exact as a double-double.
 *   - Invalid ranges (start > end, end > 2^51) give NaN.
 *   - wq_leibniz_lesson is the lesson's literal loop, kept for comparison.
 *   - Pure functions: no state, safe from any number of threads.
 *
 * Needs IEEE binary64 arithmetic without excess precision (FLT_EVAL_METHOD
 * 0, as on x86-64 and AArch64) and no -ffast-math: the error-free
 * transformations below depend on exact rounding of each operation.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>

#include <workq/kernels.h>

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#error "leibniz.c needs FLT_EVAL_METHOD == 0 (no excess precision)"
#endif
#if defined(__FAST_MATH__)
#error "leibniz.c must not be compiled with -ffast-math"
#endif
#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

/* Pairs k < WQ__LZ_HEAD (terms i < 2 * WQ__LZ_HEAD) are summed in
 * double-double. Beyond it the remaining tail of the whole series is below
 * 1/(2 * WQ__LZ_HEAD) = 2^-11, so even a worst-case relative error of 64 *
 * 2^-53 in the plain blocks stays below 2^-58, i.e. 2^-7 of pi's ulp. */
#define WQ__LZ_HEAD 1024u

/* A double-double: the value hi + lo. */
typedef struct dd {
    double hi;
    double lo;
} dd;

/* s += x, with the rounding error of the high part kept exactly in lo
 * (Knuth's TwoSum: valid whatever the magnitudes). */
static void dd_add(dd *s, double x) {
    double t = s->hi + x;
    double z = t - s->hi;
    double e = (s->hi - (t - z)) + (x - z);
    s->hi = t;
    s->lo += e;
}

/* s += num / d as a double-double (d exact): q = num/d rounded, and the
 * remainder num - q*d is exact through the FMA, so q + rem/d is the quotient
 * to about 2^-104 relative. */
static void dd_add_quot(dd *s, double num, double d, double d_lo) {
    double q = num / d;
    double r = fma(-q, d, num); /* exact: num - q*d */
    r = fma(-q, d_lo, r);       /* minus q*d_lo: num - q*(d + d_lo) */
    dd_add(s, q);
    s->lo += r / d;
}

/* The single term i (used for an odd start or an odd end). */
static void dd_add_term(dd *s, uint64_t i) {
    double num = (i % 2) ? -4.0 : 4.0;
    dd_add_quot(s, num, 2.0 * (double)i + 1.0, 0.0);
}

/* Pairs k in [k0, k1), each 8/((4k+1)(4k+3)) with the product exact as a
 * double-double (a*b = p + pe through the FMA). */
static void dd_add_pairs(dd *s, uint64_t k0, uint64_t k1) {
    for (uint64_t k = k0; k < k1; k++) {
        double a = 4.0 * (double)k + 1.0;
        double b = a + 2.0;
        double p = a * b;
        double pe = fma(a, b, -p);
        dd_add_quot(s, 8.0, p, pe);
    }
}

/*
 * The hot loop: pairs k in [k0, k0 + WQ__LZ_STEP * iters).
 *
 * Why pairs: the terms i = 2k and 2k+1 combine into one positive term,
 * 4/(4k+1) - 4/(4k+3) = 8/((4k+1)(4k+3)), so there is no cancellation
 * between neighbours. Neighbouring pairs then share divisions: with
 * x = 4k+4 (the middle of 4k+1 .. 4k+7) and u = x^2 + 3,
 *     (4k+1)(4k+3) = u - 4x,   (4k+5)(4k+7) = u + 4x,
 *     8/(u - 4x) + 8/(u + 4x) = 16 u / (u^2 - 16 x^2) = 16 u / d,
 * and two such groups (x and x + 8) add as 16 (u1 d2 + u2 d1) / (d1 d2):
 * one division for eight terms. Everything stays below 2^420, far from
 * overflow, and each group carries about a dozen roundings (a relative error
 * of a few 2^-53, of random sign, which averages out over many groups). The
 * divider and the multipliers share the work; the lesson's loop needs one
 * division per term.
 *
 * Why lanes: 32 independent groups per iteration (four vectors of eight)
 * keep the pipelines busy, and the same code becomes AVX-512, AVX2 or SSE2
 * through the clones below.
 *
 * Why compensation in the lanes: far out, neighbouring terms are nearly
 * equal, and plain running sums of nearly equal values round the same way
 * again and again (a bias of an ulp or more, not a random walk). So the four
 * groups of an iteration are added as a small tree (each add of two
 * values of one binade is off by at most half an ulp of one term) and the
 * result goes into a Fast2Sum accumulator (s, c) per lane: the terms are
 * positive and decreasing, so |s| >= |t| and c catches each rounding error
 * of s exactly. Lanes are combined in double-double at the end of a block.
 * The factor 16 is applied to whole sums, exactly (a power of two).
 */
#define WQ__LZ_LANES 32u
#define WQ__LZ_STEP (4u * WQ__LZ_LANES) /* pairs per iteration */
#define WQ__LZ_BLOCK_ITERS 32u
/* Ranges of fewer pairs take the double-double path (see add_pairs). */
#define WQ__LZ_MIN_PAIRS (8u * WQ__LZ_STEP)

/* One binary, fast on AVX-512 and AVX2 and correct everywhere: the loader
 * picks a clone through an ifunc. Not under ThreadSanitizer, whose
 * instrumented resolver would run before the sanitizer's own start-up. */
#if defined(__SANITIZE_THREAD__)
#define WQ_NO_MULTIVERSION 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define WQ_NO_MULTIVERSION 1
#endif
#endif
#if defined(__GNUC__) && defined(__x86_64__) && defined(__has_attribute) &&                        \
    !defined(WQ_NO_MULTIVERSION)
#if __has_attribute(target_clones)
#define WQ__LZ_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef WQ__LZ_CLONES
#define WQ__LZ_CLONES
#endif

#if defined(__GNUC__)
/* GCC and Clang vector extensions: eight doubles, one AVX-512 register (or
 * two AVX2 / four SSE2 registers in the other clones). */
typedef double v8d __attribute__((vector_size(64)));

/* Adds the pairs of `iters` iterations from x0 = 4k0+4 to *sum, and
 * advances *x0 past them. */
WQ__LZ_CLONES
static void block_sum(dd *sum, double *x0, unsigned iters) {
    v8d x[4], s = {0}, c = {0};
    for (int v = 0; v < 4; v++)
        for (int l = 0; l < 8; l++)
            x[v][l] = *x0 + 16.0 * (double)(8 * v + l);
    for (unsigned it = 0; it < iters; it++) {
        v8d q[4];
        for (int v = 0; v < 4; v++) {
            v8d x2 = x[v] + 8.0;
            v8d y1 = x[v] * x[v], y2 = x2 * x2;
            v8d u1 = y1 + 3.0, u2 = y2 + 3.0;
            v8d d1 = u1 * u1 - 16.0 * y1, d2 = u2 * u2 - 16.0 * y2;
            q[v] = (u1 * d2 + u2 * d1) / (d1 * d2);
            x[v] += 4.0 * WQ__LZ_STEP;
        }
        v8d t = (q[0] + q[1]) + (q[2] + q[3]);
        v8d ns = s + t;
        c += t - (ns - s);
        s = ns;
    }
    *x0 += 4.0 * WQ__LZ_STEP * (double)iters;
    for (int l = 0; l < 8; l++) {
        dd_add(sum, 16.0 * s[l]);
        sum->lo += 16.0 * c[l];
    }
}
#else
/* Portable C11: the same lanes as plain arrays. */
static void block_sum(dd *sum, double *x0, unsigned iters) {
    double x[WQ__LZ_LANES], s[8] = {0}, c[8] = {0};
    for (unsigned l = 0; l < WQ__LZ_LANES; l++)
        x[l] = *x0 + 16.0 * (double)l;
    for (unsigned it = 0; it < iters; it++) {
        double q[WQ__LZ_LANES];
        for (unsigned l = 0; l < WQ__LZ_LANES; l++) {
            double x2 = x[l] + 8.0;
            double y1 = x[l] * x[l], y2 = x2 * x2;
            double u1 = y1 + 3.0, u2 = y2 + 3.0;
            double d1 = u1 * u1 - 16.0 * y1, d2 = u2 * u2 - 16.0 * y2;
            q[l] = (u1 * d2 + u2 * d1) / (d1 * d2);
            x[l] += 4.0 * WQ__LZ_STEP;
        }
        for (unsigned l = 0; l < 8; l++) {
            double t = (q[l] + q[l + 8]) + (q[l + 16] + q[l + 24]);
            double ns = s[l] + t;
            c[l] += t - (ns - s[l]);
            s[l] = ns;
        }
    }
    *x0 += 4.0 * WQ__LZ_STEP * (double)iters;
    for (unsigned l = 0; l < 8; l++) {
        dd_add(sum, 16.0 * s[l]);
        sum->lo += 16.0 * c[l];
    }
}
#endif

/* Pairs k in [k0, k1): the head in double-double, then whole blocks of
 * lanes, then the last few pairs in double-double. */
static void add_pairs(dd *s, uint64_t k0, uint64_t k1) {
    if (k0 < WQ__LZ_HEAD) {
        uint64_t h = k1 < WQ__LZ_HEAD ? k1 : WQ__LZ_HEAD;
        dd_add_pairs(s, k0, h);
        k0 = h;
    }
    /* Too few groups for their rounding errors to average out: the
     * double-double path is exact and costs little at this size. */
    uint64_t iters = k1 - k0 < WQ__LZ_MIN_PAIRS ? 0 : (k1 - k0) / WQ__LZ_STEP;
    double x = 4.0 * (double)k0 + 4.0;
    for (uint64_t left = iters; left > 0;) {
        unsigned it = left < WQ__LZ_BLOCK_ITERS ? (unsigned)left : WQ__LZ_BLOCK_ITERS;
        block_sum(s, &x, it);
        left -= it;
    }
    dd_add_pairs(s, k0 + iters * WQ__LZ_STEP, k1);
}

double wq_leibniz(uint64_t start, uint64_t end) {
    if (start > end || end > WQ_LEIBNIZ_MAX)
        return NAN;
    dd s = {0.0, 0.0};
    if (start < end && start % 2) /* a lone odd term before the first pair */
        dd_add_term(&s, start++);
    if (start < end && end % 2) /* a lone even term after the last pair */
        dd_add_term(&s, --end);
    add_pairs(&s, start / 2, end / 2);
    return s.hi + s.lo;
}

double wq_leibniz_lesson(uint64_t start, uint64_t end) {
    if (start > end || end > WQ_LEIBNIZ_MAX)
        return NAN;
    double sum = 0.0;
    for (uint64_t i = start; i < end; i++)
        sum += (4.0 - 8.0 * (double)(i % 2)) / (2.0 * (double)i + 1.0);
    return sum;
}
