/* Fault injection: fail the k-th allocation or thread creation reached by
 * each operation, for every k, and check that the call returns an errno
 * value, leaks nothing (ASan's leak check runs on every test process) and
 * leaves the pool usable. The loops end when an operation completes
 * without reaching k fault sites. */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

void wq__fault_arm(unsigned long k);
unsigned long wq__fault_count(void);
void *wq__calloc_lines(size_t n, size_t size); /* engine/src/internal.h */

static void bump(void *arg) {
    atomic_fetch_add((atomic_uint *)arg, 1);
}

Test(fault, pool_create, .timeout = 60) {
    unsigned long k = pool_create_each_fault(4);
    cr_assert_geq(k, 6); /* two allocations, four threads */
    cr_log_info("pool_create: %lu faults injected", k - 1);
}

/* A bounded pool allocates its whole ring at creation: on the heap for a
 * small bound, in a mapping for a large one. */
Test(fault, pool_create_bounded, .timeout = 60) {
    static const size_t maxes[] = {100, 200000};
    for (size_t m = 0; m < 2; m++) {
        wq_pool_opts o = {.max_queued = maxes[m], .when_full = WQ_FULL_CALLER_RUNS};
        unsigned long k;
        for (k = 1;; k++) {
            wq__fault_arm(k);
            wq_pool *p = wq_pool_create_ex(3, &o);
            unsigned long reached = wq__fault_count();
            wq__fault_arm(0);
            if (reached < k) {
                cr_assert_not_null(p);
                atomic_uint hits = 0;
                for (int i = 0; i < 1000; i++) /* no allocation left to fail */
                    cr_assert_eq(wq_submit(p, bump, &hits), 0);
                cr_assert_eq(wq_wait(p), 0);
                cr_assert_eq(atomic_load(&hits), 1000);
                wq_pool_destroy(p);
                break;
            }
            cr_assert_null(p, "k=%lu", k);
            cr_assert(errno == ENOMEM || errno == EAGAIN, "k=%lu errno=%d", k, errno);
        }
        cr_assert_geq(k, 7); /* three allocations, three threads */
        cr_log_info("pool_create_ex (max_queued %zu): %lu faults injected", maxes[m], k - 1);
    }
}

Test(fault, submit_ring_growth, .timeout = 60) {
    wq_pool *p = wq_pool_create(1);
    gate *g = gate_new();
    atomic_uint hits = 0;
    unsigned accepted = 0, refused = 0;
    cr_assert_eq(wq_submit(p, (void (*)(void *))gate_wait, g), 0);
    /* Every ring growth fails once, then succeeds on the retry. */
    for (int i = 0; i < 5000; i++) {
        wq__fault_arm(1);
        int rc = wq_submit(p, bump, &hits);
        wq__fault_arm(0);
        if (rc == ENOMEM) {
            refused++;
            rc = wq_submit(p, bump, &hits);
        }
        cr_assert_eq(rc, 0);
        accepted++;
    }
    gate_open(g);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(atomic_load(&hits), accepted);
    cr_assert_geq(refused, 6); /* 64 -> 128 -> ... -> 8192 */
    cr_log_info("submit: %u ring growths failed and retried", refused);
    wq_pool_destroy(p);
    gate_free(g);
}

Test(fault, map_and_map_reduce, .timeout = 60) {
    enum { N = 10000 };
    uint64_t *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    wq_pool *p = wq_pool_create(3);
    unsigned long k;
    for (k = 1;; k++) {
        memset(out, 0, N * sizeof *out);
        int64_t sum = -1;
        wq__fault_arm(k);
        int rc1 = wq_map(p, &k_affine, NULL, in, out, N, NULL);
        int rc2 = wq_map_reduce(p, &k_affine, NULL, in, N, &wq_sum_i64, &sum, NULL);
        unsigned long reached = wq__fault_count();
        wq__fault_arm(0);
        cr_assert(rc1 == 0 || rc1 == ENOMEM);
        cr_assert(rc2 == 0 || rc2 == ENOMEM);
        if (rc1 == 0)
            for (size_t i = 0; i < N; i++)
                cr_assert_eq(out[i], 2 * i + 1);
        cr_assert_eq(sum, rc2 == 0 ? (int64_t)N * N : -1);
        /* The pool still works. */
        cr_assert_eq(wq_map(p, &k_affine, NULL, in, out, N, NULL), 0);
        if (reached < k)
            break;
    }
    cr_log_info("map + map_reduce: %lu faults injected", k - 1);
    wq_pool_destroy(p);
    free(in);
    free(out);
}

static void count_cb(void *ctx, size_t index, int status, const void *in, const void *out) {
    (void)index;
    (void)in;
    (void)out;
    (void)status;
    ++*(size_t *)ctx;
}

Test(fault, async_map, .timeout = 60) {
    enum { N = 20000 };
    uint64_t *in = malloc(N * sizeof *in);
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    wq_pool *p = wq_pool_create(2);
    unsigned long k;
    for (k = 1;; k++) {
        size_t reported = 0;
        wq_job *job = NULL;
        wq_async_spec s = {.kernel = &k_affine,
                           .in = in,
                           .n = N,
                           .on_result = count_cb,
                           .cb_ctx = &reported,
                           .chunk_size = 16,
                           .window = 64};
        wq__fault_arm(k);
        int rc = wq_async_map(p, &s, &job);
        if (rc == 0)
            rc = wq_job_wait(job);
        unsigned long reached = wq__fault_count();
        wq__fault_arm(0);
        cr_assert(rc == 0 || rc == ENOMEM, "k=%lu rc=%d", k, rc);
        if (job) {
            /* Submission failures inside a job run the chunk in place. */
            cr_assert_eq(rc, 0);
            cr_assert_eq(reported, N);
        }
        wq_job_free(job);
        if (reached < k)
            break;
    }
    cr_log_info("async_map: %lu faults injected", k - 1);
    wq_pool_destroy(p);
    free(in);
}

static int bump_index(void *ctx, size_t i) {
    atomic_fetch_add(&((atomic_uint *)ctx)[i], 1);
    return 0;
}

/* wq_for's sites: the job allocation (ENOMEM, nothing called) and the
 * runner submissions (the caller, or with caller_waits the runners that
 * could be queued, do the work): with and without caller_waits. */
Test(fault, for_and_caller_waits, .timeout = 60) {
    enum { N = 5000 };
    atomic_uint *hits = calloc(N, sizeof *hits);
    wq_pool *p = wq_pool_create(3);
    for (int waits = 0; waits <= 1; waits++) {
        unsigned long k;
        for (k = 1;; k++) {
            for (size_t i = 0; i < N; i++)
                atomic_store(&hits[i], 0);
            size_t fail = 0;
            wq_map_opts o = {.fail_index = &fail, .caller_waits = waits};
            wq__fault_arm(k);
            int rc = wq_for_ex(p, N, bump_index, hits, &o);
            unsigned long reached = wq__fault_count();
            wq__fault_arm(0);
            cr_assert(rc == 0 || rc == ENOMEM, "k=%lu rc=%d", k, rc);
            for (size_t i = 0; i < N; i++)
                cr_assert_eq(atomic_load(&hits[i]), rc == 0, "k=%lu i=%zu", k, i);
            if (rc)
                cr_assert_eq(fail, SIZE_MAX);
            if (reached < k)
                break;
        }
        cr_assert_geq(k, 3); /* the job, then the runners' ring */
        cr_log_info("for (caller_waits=%d): %lu faults injected", waits, k - 1);
    }
    wq_pool_destroy(p);
    free(hits);
}

/* wq_submit_many is all or nothing when the ring cannot grow. */
Test(fault, submit_many_all_or_nothing, .timeout = 30) {
    enum { N = 1000 };
    wq_pool *p = wq_pool_create(2);
    gate *g = gate_new();
    atomic_uint hits = 0;
    void **args = malloc(N * sizeof *args);
    for (size_t i = 0; i < N; i++)
        args[i] = &hits;
    cr_assert_eq(wq_submit(p, (void (*)(void *))gate_wait, g), 0);
    wq__fault_arm(1);
    int rc = wq_submit_many(p, bump, args, N);
    wq__fault_arm(0);
    cr_assert_eq(rc, ENOMEM);
    cr_assert_eq(wq_submit_many(p, bump, args, N), 0);
    gate_open(g);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(atomic_load(&hits), N);
    wq_pool_destroy(p);
    gate_free(g);
    free(args);
}

/* The pool's and its workers' allocation: zeroed, on a 64-byte line (their
 * fields ask for lines of their own), failing on an injected fault and on
 * a size that overflows. */
Test(fault, calloc_lines, .timeout = 30) {
    for (size_t n = 1; n <= 9; n += 4) {
        unsigned char *p = wq__calloc_lines(n, 1000);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 64, 0);
        for (size_t i = 0; i < n * 1000; i++)
            cr_assert_eq(p[i], 0);
        free(p);
    }
    wq__fault_arm(1);
    cr_assert_null(wq__calloc_lines(1, 64));
    cr_assert_eq(wq__fault_count(), 1);
    wq__fault_arm(0);
    cr_assert_null(wq__calloc_lines(SIZE_MAX / 2, 4));
}
