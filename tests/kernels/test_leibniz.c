/* The Leibniz kernels against independent exact values: exact rationals for
 * small n, the asymptotic expansion in quad precision for large n, and quad
 * sums of the terms for arbitrary ranges. Composed sums (any chunking,
 * Neumaier compensation) must be within 1 ulp of the exact value. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <workq/kernels.h>

#include "test_rand.h"

#if !defined(__SIZEOF_FLOAT128__)
#error "these tests need __float128 (gcc or clang on x86-64)"
#endif
__extension__ typedef __float128 quad;

static quad qabs(quad x) {
    return x < 0 ? -x : x;
}

/* pi to about 107 bits, as the sum of two doubles. */
static quad qpi(void) {
    return (quad)0x1.921fb54442d18p+1 + (quad)0x1.1a62633145c07p-53;
}

/* Distance from r to the exact value x, in ulps of x rounded to double. */
static double ulps(double r, quad x) {
    double d = fabs((double)x);
    double u = nextafter(d, INFINITY) - d;
    return (double)(qabs((quad)r - x) / (quad)u);
}

/* The exact partial sum of [0, n) for n <= 10, as an integer ratio (the odd
 * denominators up to 19 have an lcm below 2^25), divided once in quad. */
static quad exact_small(unsigned n) {
    int64_t lcm = 3 * 3 * 5 * 7 * 11 * 13 * 17 * 19, num = 0;
    for (unsigned i = 0; i < n; i++)
        num += (i % 2 ? -4 : 4) * (lcm / (int64_t)(2 * i + 1));
    return (quad)num / (quad)lcm;
}

/* S_n = pi - (-1)^n (1/n - 1/(4n^3) + 5/(16n^5) - 61/(64n^7) + ...), the
 * Euler-number expansion; six terms leave an error below 1e-30 for n >= 1000. */
static quad exact_large(uint64_t n) {
    static const double euler[] = {1, 1, 5, 61, 1385, 50521};
    quad x = (quad)n, tail = 0, pw = 1 / x, four = 1;
    for (int k = 0; k < 6; k++) {
        tail += (k % 2 ? -1 : 1) * (quad)euler[k] / four * pw;
        pw /= x * x;
        four *= 4;
    }
    return qpi() - (n % 2 ? -tail : tail);
}

/* The plain sum of the terms of [s, e) in quad: the reference for ranges. */
static quad quad_sum(uint64_t s, uint64_t e) {
    quad t = 0;
    for (uint64_t i = s; i < e; i++)
        t += (quad)(i % 2 ? -4 : 4) / ((quad)2 * (quad)i + 1);
    return t;
}

/* [0, n) composed from the chunks between cuts[0] = 0 < ... < cuts[k] = n,
 * each summed by wq_leibniz, combined with Neumaier compensation. */
static double compose(const uint64_t *cuts, size_t k) {
    wq_f64_acc acc = {0.0, 0.0};
    for (size_t c = 0; c < k; c++)
        wq_f64_acc_add(&acc, wq_leibniz(cuts[c], cuts[c + 1]));
    return acc.sum + acc.comp;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Checks the three chunkings of [0, n): one chunk, `equal` equal chunks,
 * and `uneven` random cuts. */
static void check_chunkings(uint64_t n, quad exact, size_t equal, size_t uneven) {
    double one = wq_leibniz(0, n);
    cr_expect_leq(ulps(one, exact), 0.5 + 1.0 / 64, "n=%llu one chunk: %.3f ulp",
                  (unsigned long long)n, ulps(one, exact));

    uint64_t *cuts = malloc((equal + uneven + 2) * sizeof *cuts);
    cr_assert_not_null(cuts);
    for (size_t c = 0; c <= equal; c++)
        cuts[c] = n / equal * c + (c == equal ? n % equal : 0);
    double eq = compose(cuts, equal);
    cr_expect_leq(ulps(eq, exact), 1.0, "n=%llu %zu chunks: %.3f ulp", (unsigned long long)n, equal,
                  ulps(eq, exact));

    uint64_t st = n;
    cuts[0] = 0;
    for (size_t c = 1; c < uneven; c++)
        cuts[c] = kbelow(&st, n + 1);
    cuts[uneven] = n;
    qsort(cuts, uneven + 1, sizeof *cuts, cmp_u64);
    double un = compose(cuts, uneven);
    cr_expect_leq(ulps(un, exact), 1.0, "n=%llu uneven: %.3f ulp", (unsigned long long)n,
                  ulps(un, exact));
    free(cuts);
}

Test(leibniz, small_n_against_exact_rationals, .timeout = 60) {
    for (unsigned n = 1; n <= 10; n++) {
        quad exact = exact_small(n);
        cr_assert_lt(qabs(exact - quad_sum(0, n)), (quad)1e-30);
        check_chunkings(n, exact, n, n);
        /* every split into two chunks */
        for (uint64_t c = 0; c <= n; c++) {
            uint64_t cuts[] = {0, c, n};
            cr_expect_leq(ulps(compose(cuts, 2), exact), 1.0, "n=%u split %llu", n,
                          (unsigned long long)c);
        }
    }
}

Test(leibniz, expansion_matches_direct_quad_sums, .timeout = 60) {
    for (uint64_t n = 1000; n <= 1003; n++)
        cr_assert_lt(qabs(exact_large(n) - quad_sum(0, n)), (quad)1e-28, "n=%llu",
                     (unsigned long long)n);
}

ParameterizedTestParameters(leibniz, large_n_any_chunking) {
    static uint64_t ns[] = {1000, 1001, 4097, 1000000, 1000001, 100000000, 100000001};
    return cr_make_param_array(uint64_t, ns, sizeof ns / sizeof *ns);
}

ParameterizedTest(uint64_t *n, leibniz, large_n_any_chunking, .timeout = 60) {
    check_chunkings(*n, exact_large(*n), 256, 37);
}

Test(leibniz, ranges_against_quad_sums, .timeout = 60) {
    uint64_t st = 3;
    unsigned long trials = 300 * kstress();
    for (unsigned long t = 0; t < trials; t++) {
        uint64_t len = kbelow(&st, t % 2 ? 6000 : 300);
        uint64_t s;
        switch (t % 4) {
        case 0:
            s = kbelow(&st, 5000);
            break;
        case 1:
            s = kbelow(&st, UINT64_C(1) << 32);
            break;
        case 2:
            s = kbelow(&st, WQ_LEIBNIZ_MAX - len + 1);
            break;
        default:
            s = WQ_LEIBNIZ_MAX - len;
            break;
        }
        if (t % 8 == 7)
            s -= s % 2; /* even starts too */
        quad exact = quad_sum(s, s + len);
        double r = wq_leibniz(s, s + len);
        if (len == 0) {
            cr_assert_eq(r, 0.0);
            continue;
        }
        /* double-double path: start in the head or fewer than 2048 terms */
        double tol = (s < 2048 || len < 2048) ? 0.5 + 1.0 / 64 : 1.0;
        cr_expect_leq(ulps(r, exact), tol, "[%llu, +%llu): %.3f ulp", (unsigned long long)s,
                      (unsigned long long)len, ulps(r, exact));
    }
}

Test(leibniz, invalid_and_empty_ranges, .timeout = 60) {
    cr_assert_eq(wq_leibniz(5, 5), 0.0);
    cr_assert_eq(wq_leibniz(WQ_LEIBNIZ_MAX, WQ_LEIBNIZ_MAX), 0.0);
    cr_assert(isnan(wq_leibniz(6, 5)));
    cr_assert(isnan(wq_leibniz(0, WQ_LEIBNIZ_MAX + 1)));
    cr_assert(isnan(wq_leibniz_lesson(6, 5)));
    cr_assert(isnan(wq_leibniz_lesson(0, WQ_LEIBNIZ_MAX + 1)));
    cr_assert_eq(wq_leibniz(0, 1), 4.0);
    cr_assert_eq(wq_leibniz(1, 2), -4.0 / 3.0);
}

Test(leibniz, lesson_is_the_literal_loop, .timeout = 60) {
    uint64_t ranges[][2] = {{0, 1}, {0, 1000}, {7, 12345}, {WQ_LEIBNIZ_MAX - 99, WQ_LEIBNIZ_MAX}};
    for (size_t r = 0; r < sizeof ranges / sizeof *ranges; r++) {
        double sum = 0.0;
        for (uint64_t i = ranges[r][0]; i < ranges[r][1]; i++)
            sum += (4.0 - 8.0 * (double)(i % 2)) / (2.0 * (double)i + 1.0);
        cr_assert_eq(wq_leibniz_lesson(ranges[r][0], ranges[r][1]), sum);
    }
}

Test(leibniz, fast_beats_lesson_on_accuracy, .timeout = 60) {
    /* the figure: the plain loop is about 500 ulp off at 1e8 */
    uint64_t n = 100000000;
    quad exact = exact_large(n);
    cr_assert_leq(ulps(wq_leibniz(0, n), exact), 0.5 + 1.0 / 64);
    double off = ulps(wq_leibniz_lesson(0, n), exact);
    cr_assert_gt(off, 100.0, "lesson %.1f ulp off", off);
}
