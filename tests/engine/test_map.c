/* wq_map: outputs, chunking, batch kernels, errors, nesting. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "helpers.h"

static uint64_t *iota(size_t n) {
    uint64_t *v = malloc((n ? n : 1) * sizeof *v);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = i;
    return v;
}

static void check_map(const wq_kernel *k, unsigned threads, size_t n, size_t chunk) {
    wq_pool *p = wq_pool_create(threads);
    uint64_t *in = iota(n), *out = calloc(n ? n : 1, sizeof *out);
    wq_map_opts o = {.chunk_size = chunk};
    cr_assert_eq(wq_map(p, k, NULL, in, out, n, &o), 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(out[i], 2 * i + 1, "n=%zu chunk=%zu threads=%u: out[%zu]=%llu", n, chunk,
                     threads, i, (unsigned long long)out[i]);
    free(in);
    free(out);
    wq_pool_destroy(p);
}

Test(map, outputs_in_input_order, .timeout = 60) {
    size_t sizes[] = {0, 1, 2, 63, 64, 65, 1000, 1023, 1024, 1025, 100003};
    size_t chunks[] = {0, 1, 7, 64, 1000, 1u << 20};
    for (unsigned t = 1; t <= 4; t += 3)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
            for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++) {
                check_map(&k_affine, t, sizes[s], chunks[c]);
                check_map(&k_affine_batch, t, sizes[s], chunks[c]);
            }
}

Test(map, invalid_arguments, .timeout = 60) {
    wq_pool *p = wq_pool_create(1);
    uint64_t in[4] = {0}, out[4];
    wq_kernel bad = k_affine;
    cr_assert_eq(wq_map(NULL, &k_affine, NULL, in, out, 4, NULL), EINVAL);
    cr_assert_eq(wq_map(p, NULL, NULL, in, out, 4, NULL), EINVAL);
    cr_assert_eq(wq_map(p, &k_affine, NULL, NULL, out, 4, NULL), EINVAL);
    cr_assert_eq(wq_map(p, &k_affine, NULL, in, NULL, 4, NULL), EINVAL);
    bad.fn = NULL;
    cr_assert_eq(wq_map(p, &bad, NULL, in, out, 4, NULL), EINVAL);
    bad = k_affine;
    bad.out_size = 0;
    cr_assert_eq(wq_map(p, &bad, NULL, in, out, 4, NULL), EINVAL);
    cr_assert_eq(wq_map(p, &k_affine, NULL, NULL, NULL, 0, NULL), 0);
    wq_pool_destroy(p);
}

/* The first failing item in input order is reported, whatever the threads,
 * chunking or scheduling. Items fail where in % 1000 == 999, from 2999 on
 * (the input is shifted so the first failure is not in the first chunk). */
Test(map, reports_first_failing_index, .timeout = 60) {
    enum { N = 20000 };
    uint64_t every = 1000;
    uint64_t *in = iota(N), *out = calloc(N, sizeof *out);
    for (size_t i = 0; i < 2999; i++)
        in[i] = 0;
    size_t chunks[] = {0, 1, 3, 100, 5000, N};
    for (unsigned t = 1; t <= 4; t++)
        for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++)
            for (int rep = 0; rep < 5; rep++) {
                wq_pool *p = wq_pool_create(t);
                size_t fail = 0;
                wq_map_opts o = {.chunk_size = chunks[c], .fail_index = &fail};
                cr_assert_eq(
                    wq_map(p, rep % 2 ? &k_affine : &k_affine_batch, &every, in, out, N, &o), EDOM);
                cr_assert_eq(fail, 2999, "threads %u chunk %zu: fail %zu", t, chunks[c], fail);
                wq_pool_destroy(p);
            }
    free(in);
    free(out);
}

Test(map, fail_index_is_cleared_on_success, .timeout = 60) {
    wq_pool *p = wq_pool_create(2);
    uint64_t in[10] = {0}, out[10];
    size_t fail = 7;
    wq_map_opts o = {.fail_index = &fail};
    cr_assert_eq(wq_map(p, &k_affine, NULL, in, out, 10, &o), 0);
    cr_assert_eq(fail, SIZE_MAX);
    wq_pool_destroy(p);
}

struct nested {
    wq_pool *pool;
    int rc;
    uint64_t out[5000];
};

static void map_inside(void *arg) {
    struct nested *n = arg;
    uint64_t *in = iota(5000);
    n->rc = wq_map(n->pool, &k_affine, NULL, in, n->out, 5000, &(wq_map_opts){.chunk_size = 10});
    free(in);
}

/* On a one-thread pool the map's own runner tasks queue behind the task
 * that calls it; the caller does all the work instead of waiting for them. */
Test(map, map_from_inside_a_task_does_not_deadlock, .timeout = 60) {
    for (unsigned t = 1; t <= 2; t++) {
        static struct nested n;
        n.pool = wq_pool_create(t);
        n.rc = -1;
        cr_assert_eq(wq_submit(n.pool, map_inside, &n), 0);
        cr_assert_eq(wq_wait(n.pool), 0);
        cr_assert_eq(n.rc, 0);
        for (size_t i = 0; i < 5000; i++)
            cr_assert_eq(n.out[i], 2 * i + 1);
        wq_pool_destroy(n.pool);
    }
}

static int count_calls(const void *in, void *out, void *ctx) {
    (void)in;
    *(uint64_t *)out = 1;
    atomic_fetch_add((atomic_ulong *)ctx, 1);
    return 0;
}

Test(map, each_item_runs_once, .timeout = 60) {
    static const wq_kernel k = {"count-calls", count_calls, NULL, 1, 8, NULL};
    enum { N = 300001 };
    unsigned char *in = calloc(N, 1);
    uint64_t *out = calloc(N, sizeof *out);
    atomic_ulong calls = 0;
    wq_pool *p = wq_pool_create(4);
    cr_assert_eq(wq_map(p, &k, &calls, in, out, N, NULL), 0);
    cr_assert_eq(atomic_load(&calls), N);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(out[i], 1);
    wq_pool_destroy(p);
    free(in);
    free(out);
}
