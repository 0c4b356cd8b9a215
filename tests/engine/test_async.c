/* wq_async_map: delivery exactly once, order, backpressure, cancel, errors. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

/* What a run observed. The callback and generator are serialized by the
 * engine, so plain fields suffice; `inside` checks that claim. */
struct obs {
    size_t n;        /* generator: items to produce */
    size_t produced; /* generator: items produced so far */
    int gen_error;   /* generator: -errno to return after n items */
    unsigned *seen;  /* per index: times reported */
    int *status;     /* per index: last status */
    size_t reported, last_index, max_inflight, window;
    bool in_order_violated, overlap, value_wrong;
    atomic_int inside;
    size_t cancel_after; /* cancel from the callback after this many */
    wq_job *job;
};

static void enter(struct obs *o) {
    if (atomic_fetch_add(&o->inside, 1) != 0)
        o->overlap = true;
}

static void leave(struct obs *o) {
    atomic_fetch_sub(&o->inside, 1);
}

static int gen(void *ctx, void *item) {
    struct obs *o = ctx;
    enter(o);
    int rc = 1;
    if (o->produced == o->n) {
        rc = o->gen_error;
    } else {
        uint64_t v = o->produced++;
        memcpy(item, &v, sizeof v);
        if (o->produced - o->reported > o->max_inflight)
            o->max_inflight = o->produced - o->reported;
    }
    leave(o);
    return rc;
}

static void on_result(void *ctx, size_t index, int status, const void *in, const void *out) {
    struct obs *o = ctx;
    enter(o);
    uint64_t x, y;
    memcpy(&x, in, sizeof x);
    if (status == 0) {
        memcpy(&y, out, sizeof y);
        if (y != 2 * x + 1)
            o->value_wrong = true;
    }
    if (x != index)
        o->value_wrong = true;
    if (o->reported > 0 && index != o->last_index + 1)
        o->in_order_violated = true;
    o->last_index = index;
    o->seen[index]++;
    o->status[index] = status;
    o->reported++;
    if (o->cancel_after && o->reported == o->cancel_after)
        wq_job_cancel(o->job);
    leave(o);
}

static struct obs *obs_new(size_t n) {
    struct obs *o = calloc(1, sizeof *o);
    o->n = n;
    o->seen = calloc(n + 1, sizeof *o->seen);
    o->status = calloc(n + 1, sizeof *o->status);
    return o;
}

static void obs_free(struct obs *o) {
    free(o->seen);
    free(o->status);
    free(o);
}

static wq_async_spec spec_for(struct obs *o, const wq_kernel *k, void *kctx, wq_order order) {
    return (wq_async_spec){.kernel = k,
                           .kernel_ctx = kctx,
                           .gen = gen,
                           .gen_ctx = o,
                           .on_result = on_result,
                           .cb_ctx = o,
                           .order = order};
}

static void run_gen(unsigned threads, size_t n, wq_order order, size_t chunk, size_t window) {
    wq_pool *p = wq_pool_create(threads);
    struct obs *o = obs_new(n);
    wq_async_spec s = spec_for(o, &k_affine, NULL, order);
    s.chunk_size = chunk;
    s.window = window;
    cr_assert_eq(wq_async_map(p, &s, &o->job), 0);
    cr_assert_eq(wq_job_wait(o->job), 0);
    wq_job_stats st;
    wq_job_stats_get(o->job, &st);
    cr_assert_eq(st.taken, n);
    cr_assert_eq(st.done, n);
    cr_assert_eq(st.failed + st.cancelled, 0);
    cr_assert_eq(o->reported, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(o->seen[i], 1, "item %zu seen %u times", i, o->seen[i]);
    cr_assert(!o->overlap, "callbacks overlapped");
    cr_assert(!o->value_wrong);
    if (order == WQ_ORDER_INPUT)
        cr_assert(!o->in_order_violated);
    if (window)
        cr_assert_leq(o->max_inflight, window);
    wq_job_free(o->job);
    obs_free(o);
    wq_pool_destroy(p);
}

Test(async, generator_every_item_once_completion_order, .timeout = 60) {
    for (unsigned t = 1; t <= 4; t++) {
        run_gen(t, 0, WQ_ORDER_COMPLETION, 0, 0);
        run_gen(t, 1, WQ_ORDER_COMPLETION, 0, 0);
        run_gen(t, 100000, WQ_ORDER_COMPLETION, 0, 0);
        run_gen(t, 9999, WQ_ORDER_COMPLETION, 7, 50);
    }
}

Test(async, generator_input_order, .timeout = 60) {
    for (unsigned t = 1; t <= 4; t++) {
        run_gen(t, 100000, WQ_ORDER_INPUT, 0, 0);
        run_gen(t, 12345, WQ_ORDER_INPUT, 1, 3);
        run_gen(t, 12345, WQ_ORDER_INPUT, 100, 1000);
    }
}

Test(async, window_bounds_items_in_flight, .timeout = 60) {
    run_gen(2, 200000, WQ_ORDER_COMPLETION, 16, 64);
    run_gen(3, 200000, WQ_ORDER_INPUT, 10, 35);
    run_gen(1, 1000, WQ_ORDER_INPUT, 50, 10); /* window smaller than chunk */
}

Test(async, array_source, .timeout = 60) {
    enum { N = 50001 };
    uint64_t *in = malloc(N * sizeof *in);
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    for (int order = 0; order <= 1; order++) {
        wq_pool *p = wq_pool_create(3);
        struct obs *o = obs_new(N);
        wq_async_spec s = {.kernel = &k_affine_batch,
                           .in = in,
                           .n = N,
                           .on_result = on_result,
                           .cb_ctx = o,
                           .order = (wq_order)order};
        cr_assert_eq(wq_async_map(p, &s, &o->job), 0);
        cr_assert_eq(wq_job_wait(o->job), 0);
        cr_assert_eq(o->reported, N);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(o->seen[i], 1);
        cr_assert(!o->value_wrong && !o->overlap);
        if (order)
            cr_assert(!o->in_order_violated);
        wq_job_free(o->job);
        obs_free(o);
        wq_pool_destroy(p);
    }
    free(in);
}

Test(async, kernel_failures_are_reported_per_item, .timeout = 60) {
    enum { N = 10000 };
    uint64_t every = 7;
    const wq_kernel *ks[] = {&k_affine, &k_affine_batch};
    for (int k = 0; k < 2; k++) {
        wq_pool *p = wq_pool_create(2);
        struct obs *o = obs_new(N);
        wq_async_spec s = spec_for(o, ks[k], &every, WQ_ORDER_INPUT);
        cr_assert_eq(wq_async_map(p, &s, &o->job), 0);
        cr_assert_eq(wq_job_wait(o->job), 0);
        wq_job_stats st;
        wq_job_stats_get(o->job, &st);
        cr_assert_eq(st.failed, N / 7);
        cr_assert_eq(st.done, N - N / 7);
        for (size_t i = 0; i < N; i++) {
            cr_assert_eq(o->seen[i], 1);
            cr_assert_eq(o->status[i], i % 7 == 6 ? EDOM : 0, "item %zu", i);
        }
        wq_job_free(o->job);
        obs_free(o);
        wq_pool_destroy(p);
    }
}

Test(async, generator_error_ends_the_job, .timeout = 60) {
    wq_pool *p = wq_pool_create(2);
    struct obs *o = obs_new(1000);
    o->gen_error = -EIO;
    wq_async_spec s = spec_for(o, &k_affine, NULL, WQ_ORDER_COMPLETION);
    cr_assert_eq(wq_async_map(p, &s, &o->job), 0);
    cr_assert_eq(wq_job_wait(o->job), EIO);
    cr_assert_eq(o->reported, 1000);
    wq_job_free(o->job);
    obs_free(o);
    wq_pool_destroy(p);
}

/* Cancel from the callback at many points: every item taken is reported
 * exactly once, and the counts add up. */
Test(async, cancel_from_callback, .timeout = 60) {
    enum { N = 1000000 };
    size_t points[] = {1, 2, 63, 64, 65, 500, 4096, 77777};
    for (unsigned t = 1; t <= 3; t++)
        for (size_t i = 0; i < sizeof points / sizeof *points; i++)
            for (int order = 0; order <= 1; order++) {
                wq_pool *p = wq_pool_create(t);
                struct obs *o = obs_new(N);
                o->cancel_after = points[i];
                wq_async_spec s = spec_for(o, &k_affine, NULL, (wq_order)order);
                cr_assert_eq(wq_async_map(p, &s, &o->job), 0);
                int rc = wq_job_wait(o->job);
                cr_assert_eq(rc, ECANCELED, "t=%u point=%zu order=%d rc=%d", t, points[i], order,
                             rc);
                wq_job_stats st;
                wq_job_stats_get(o->job, &st);
                cr_assert_eq(st.done + st.failed + st.cancelled, st.taken);
                cr_assert_eq(o->reported, st.taken);
                cr_assert_eq(o->produced, st.taken);
                cr_assert_lt(st.taken, N);
                cr_assert_geq(st.done, points[i]);
                for (size_t k = 0; k < st.taken; k++)
                    cr_assert_eq(o->seen[k], 1);
                cr_assert(!o->overlap);
                wq_job_free(o->job);
                obs_free(o);
                wq_pool_destroy(p);
            }
}

/* A kernel that blocks on a gate: the job cannot finish until it opens. */
static int gated(const void *in, void *out, void *ctx) {
    gate_wait(ctx);
    memcpy(out, in, 8);
    return 0;
}

static void count_only(void *ctx, size_t index, int status, const void *in, const void *out) {
    (void)index;
    (void)in;
    (void)out;
    atomic_fetch_add(&((atomic_size_t *)ctx)[status == 0 ? 0 : 1], 1);
}

/* Cancel from another thread while chunks are queued behind a blocked one:
 * the queued items are reported ECANCELED, the running one finishes. */
Test(async, cancel_drops_queued_items, .timeout = 60) {
    enum { N = 1000 };
    static const wq_kernel k = {"gated", gated, NULL, 8, 8, NULL};
    uint64_t *in = calloc(N, sizeof *in);
    gate *g = gate_new();
    atomic_size_t counts[2] = {0, 0};
    wq_pool *p = wq_pool_create(1);
    wq_job *job;
    wq_async_spec s = {.kernel = &k,
                       .kernel_ctx = g,
                       .in = in,
                       .n = N,
                       .on_result = count_only,
                       .cb_ctx = counts,
                       .chunk_size = 10,
                       .window = N};
    cr_assert_eq(wq_async_map(p, &s, &job), 0);
    wq_job_cancel(job);
    wq_job_cancel(job); /* idempotent */
    gate_open(g);
    cr_assert_eq(wq_job_wait(job), ECANCELED);
    wq_job_stats st;
    wq_job_stats_get(job, &st);
    cr_assert_eq(st.done + st.cancelled, st.taken);
    cr_assert_eq(atomic_load(&counts[0]), st.done);
    cr_assert_eq(atomic_load(&counts[1]), st.cancelled);
    cr_assert_leq(st.done, 10);
    wq_job_free(job);
    wq_pool_destroy(p);
    gate_free(g);
    free(in);
}

struct waiter {
    wq_job *job;
    int rc;
};

static void wait_inside(void *arg) {
    struct waiter *w = arg;
    w->rc = wq_job_wait(w->job);
}

Test(async, wait_from_own_worker_is_edeadlk, .timeout = 60) {
    wq_pool *p = wq_pool_create(2);
    struct obs *o = obs_new(10);
    wq_async_spec s = spec_for(o, &k_affine, NULL, WQ_ORDER_INPUT);
    cr_assert_eq(wq_async_map(p, &s, &o->job), 0);
    struct waiter w = {o->job, -1};
    cr_assert_eq(wq_submit(p, wait_inside, &w), 0);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(w.rc, EDEADLK);
    cr_assert_eq(wq_job_wait(o->job), 0);
    wq_job_free(o->job);
    obs_free(o);
    wq_pool_destroy(p);
}

Test(async, free_without_wait_cancels, .timeout = 60) {
    enum { N = 5000000 };
    wq_pool *p = wq_pool_create(2);
    struct obs *o = obs_new(N);
    wq_async_spec s = spec_for(o, &k_affine, NULL, WQ_ORDER_COMPLETION);
    cr_assert_eq(wq_async_map(p, &s, &o->job), 0);
    wq_job_free(o->job);
    /* Everything taken was reported before free returned. */
    cr_assert_eq(o->reported, o->produced);
    obs_free(o);
    wq_pool_destroy(p);
}

Test(async, invalid_arguments, .timeout = 60) {
    wq_pool *p = wq_pool_create(1);
    wq_job *job = NULL;
    struct obs *o = obs_new(1);
    wq_async_spec s = spec_for(o, &k_affine, NULL, WQ_ORDER_INPUT);
    cr_assert_eq(wq_async_map(NULL, &s, &job), EINVAL);
    cr_assert_eq(wq_async_map(p, NULL, &job), EINVAL);
    cr_assert_eq(wq_async_map(p, &s, NULL), EINVAL);
    s.on_result = NULL;
    cr_assert_eq(wq_async_map(p, &s, &job), EINVAL);
    s = spec_for(o, NULL, NULL, WQ_ORDER_INPUT);
    cr_assert_eq(wq_async_map(p, &s, &job), EINVAL);
    s = spec_for(o, &k_affine, NULL, (wq_order)7);
    cr_assert_eq(wq_async_map(p, &s, &job), EINVAL);
    s = (wq_async_spec){.kernel = &k_affine, .n = 5, .on_result = on_result, .cb_ctx = o};
    cr_assert_eq(wq_async_map(p, &s, &job), EINVAL); /* n items but no array */
    cr_assert_null(job);
    cr_assert_eq(wq_job_wait(NULL), EINVAL);
    wq_job_cancel(NULL);
    wq_job_free(NULL);
    obs_free(o);
    wq_pool_destroy(p);
}
