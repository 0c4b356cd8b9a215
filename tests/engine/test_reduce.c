/* wq_map_reduce and the built-in reducers: values, determinism, errors. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

/* A kernel producing awkward doubles: +-x^(1/3) * 10^(i % 17 - 8). */
static int awkward(const void *in, void *out, void *ctx) {
    (void)ctx;
    uint64_t i;
    memcpy(&i, in, sizeof i);
    double v = cbrt((double)i + 0.5) * pow(10.0, (double)(i % 17) - 8.0);
    v = (i % 3 == 1) ? -v : v;
    memcpy(out, &v, sizeof v);
    return 0;
}

static const wq_kernel k_awkward = {"awkward", awkward, NULL, 8, 8, NULL};

static uint64_t *iota(size_t n) {
    uint64_t *v = malloc(n * sizeof *v);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = i;
    return v;
}

static double reduce_f64(unsigned threads, size_t n, size_t chunk, const uint64_t *in) {
    wq_pool *p = wq_pool_create(threads);
    double r = NAN;
    cr_assert_eq(wq_map_reduce(p, &k_awkward, NULL, in, n, &wq_sum_f64, &r,
                               &(wq_map_opts){.chunk_size = chunk}),
                 0);
    wq_pool_destroy(p);
    return r;
}

Test(reduce, f64_sum_is_bit_identical_for_any_thread_count, .timeout = 60) {
    enum { N = 200000 };
    uint64_t *in = iota(N);
    size_t chunks[] = {0, 1000, 4097};
    for (size_t c = 0; c < 3; c++) {
        double ref = reduce_f64(1, N, chunks[c], in);
        for (unsigned t = 2; t <= 8; t++)
            for (int rep = 0; rep < 3; rep++) {
                double r = reduce_f64(t, N, chunks[c], in);
                cr_assert(memcmp(&r, &ref, sizeof r) == 0, "threads %u: %a != %a", t, r, ref);
            }
    }
    free(in);
}

/* Neumaier summation recovers what plain summation loses. */
Test(reduce, f64_sum_is_compensated, .timeout = 60) {
    double xs[] = {1e100, 1.0, -1e100, 3.0, 1e-30};
    wq_f64_acc acc = {0, 0};
    for (int i = 0; i < 5; i++)
        wq_f64_acc_add(&acc, xs[i]);
    cr_assert_eq(acc.sum + acc.comp, 4.0);

    wq_f64_acc a = {0, 0}, b = {0, 0};
    wq_f64_acc_add(&a, 1e100);
    wq_f64_acc_add(&a, 1.0);
    wq_f64_acc_add(&b, -1e100);
    wq_f64_acc_add(&b, 1.0);
    wq_f64_acc_merge(&a, &b);
    cr_assert_eq(a.sum + a.comp, 2.0);
}

/* Summing 0.1 a million times: the plain loop drifts, Neumaier does not. */
static int tenth(const void *in, void *out, void *ctx) {
    (void)in;
    (void)ctx;
    double v = 0.1;
    memcpy(out, &v, sizeof v);
    return 0;
}

Test(reduce, f64_sum_of_a_million_tenths, .timeout = 60) {
    static const wq_kernel k = {"tenth", tenth, NULL, 1, 8, NULL};
    enum { N = 1000000 };
    unsigned char *in = calloc(N, 1);
    wq_pool *p = wq_pool_create(2);
    double r = 0;
    cr_assert_eq(wq_map_reduce(p, &k, NULL, in, N, &wq_sum_f64, &r, NULL), 0);
    cr_assert_eq(r, 100000.0, "%.17g", r);
    wq_pool_destroy(p);
    free(in);
}

Test(reduce, integer_reducers, .timeout = 60) {
    enum { N = 100001 };
    uint64_t *in = iota(N);
    wq_pool *p = wq_pool_create(3);
    int64_t sum = 0, mn = 0, mx = 0;
    uint64_t count = 0;
    /* k_affine maps i to 2i + 1. */
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, in, N, &wq_sum_i64, &sum, NULL), 0);
    cr_assert_eq(sum, (int64_t)N * N);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, in, N, &wq_min_i64, &mn, NULL), 0);
    cr_assert_eq(mn, 1);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, in, N, &wq_max_i64, &mx, NULL), 0);
    cr_assert_eq(mx, 2 * (N - 1) + 1);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, in, N, &wq_count, &count, NULL), 0);
    cr_assert_eq(count, N);
    wq_pool_destroy(p);
    free(in);
}

Test(reduce, float_min_max, .timeout = 60) {
    enum { N = 5000 };
    uint64_t *in = iota(N);
    wq_pool *p = wq_pool_create(2);
    double mn = 0, mx = 0;
    cr_assert_eq(wq_map_reduce(p, &k_to_f64, NULL, in, N, &wq_min_f64, &mn, NULL), 0);
    cr_assert_eq(wq_map_reduce(p, &k_to_f64, NULL, in, N, &wq_max_f64, &mx, NULL), 0);
    cr_assert_eq(mn, 0.0);
    cr_assert_eq(mx, N - 1.0);
    wq_pool_destroy(p);
    free(in);
}

Test(reduce, empty_input_gives_identity, .timeout = 60) {
    wq_pool *p = wq_pool_create(2);
    double s = 1, mn = 0, mx = 0;
    int64_t is = 1, imn = 0, imx = 0;
    uint64_t c = 1;
    cr_assert_eq(wq_map_reduce(p, &k_to_f64, NULL, NULL, 0, &wq_sum_f64, &s, NULL), 0);
    cr_assert_eq(s, 0.0);
    cr_assert_eq(wq_map_reduce(p, &k_to_f64, NULL, NULL, 0, &wq_min_f64, &mn, NULL), 0);
    cr_assert(isinf(mn) && mn > 0);
    cr_assert_eq(wq_map_reduce(p, &k_to_f64, NULL, NULL, 0, &wq_max_f64, &mx, NULL), 0);
    cr_assert(isinf(mx) && mx < 0);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, NULL, 0, &wq_sum_i64, &is, NULL), 0);
    cr_assert_eq(is, 0);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, NULL, 0, &wq_min_i64, &imn, NULL), 0);
    cr_assert_eq(imn, INT64_MAX);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, NULL, 0, &wq_max_i64, &imx, NULL), 0);
    cr_assert_eq(imx, INT64_MIN);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, NULL, 0, &wq_count, &c, NULL), 0);
    cr_assert_eq(c, 0);
    wq_pool_destroy(p);
}

Test(reduce, error_leaves_result_untouched, .timeout = 60) {
    enum { N = 10000 };
    uint64_t *in = iota(N);
    uint64_t every = 4321;
    wq_pool *p = wq_pool_create(2);
    int64_t sum = 42;
    size_t fail = 0;
    cr_assert_eq(wq_map_reduce(p, &k_affine, &every, in, N, &wq_sum_i64, &sum,
                               &(wq_map_opts){.chunk_size = 100, .fail_index = &fail}),
                 EDOM);
    cr_assert_eq(fail, 4320);
    cr_assert_eq(sum, 42);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, in, N, NULL, &sum, NULL), EINVAL);
    wq_pool_destroy(p);
    free(in);
}

/* A reducer with a large accumulator: a histogram of outputs mod 512. */
static void hist_init(void *acc) {
    memset(acc, 0, 512 * sizeof(uint32_t));
}

static void hist_add(void *acc, const void *item) {
    uint64_t x;
    memcpy(&x, item, sizeof x);
    ((uint32_t *)acc)[x % 512]++;
}

static void hist_merge(void *acc, const void *other) {
    for (int i = 0; i < 512; i++)
        ((uint32_t *)acc)[i] += ((const uint32_t *)other)[i];
}

Test(reduce, custom_reducer_with_large_accumulator, .timeout = 60) {
    static const wq_reducer hist = {
        512 * sizeof(uint32_t), hist_init, hist_add, hist_merge, NULL, 0};
    enum { N = 512 * 300 };
    uint64_t *in = iota(N);
    static uint32_t h[512];
    wq_pool *p = wq_pool_create(3);
    cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, in, N, &hist, h, NULL), 0);
    for (int i = 0; i < 512; i++)
        cr_assert_eq(h[i], i % 2 ? 600 : 0, "bucket %d: %u", i, h[i]);
    wq_pool_destroy(p);
    free(in);
}
