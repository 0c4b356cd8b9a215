/* wq_for and wq_for_ex, the caller_waits option of for, map and map-reduce,
 * and wq_submit_many. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

/* ------------------------------------------------------------- wq_for -- */

struct hits {
    atomic_uint *count; /* calls per index */
    size_t fail_at[3];  /* indices that fail (SIZE_MAX = unused) */
    pthread_t caller;
    atomic_uint on_caller; /* calls made on the caller's thread */
};

static struct hits *hits_new(size_t n) {
    struct hits *h = calloc(1, sizeof *h);
    cr_assert_not_null(h);
    h->count = calloc(n ? n : 1, sizeof *h->count);
    cr_assert_not_null(h->count);
    for (int k = 0; k < 3; k++)
        h->fail_at[k] = SIZE_MAX;
    h->caller = pthread_self();
    return h;
}

static void hits_free(struct hits *h) {
    free(h->count);
    free(h);
}

/* Counts the call; fails with 100 + k at fail_at[k]. */
static int count_call(void *ctx, size_t i) {
    struct hits *h = ctx;
    atomic_fetch_add(&h->count[i], 1);
    if (pthread_equal(pthread_self(), h->caller))
        atomic_fetch_add(&h->on_caller, 1);
    for (int k = 0; k < 3; k++)
        if (h->fail_at[k] == i)
            return 100 + k;
    return 0;
}

Test(for, every_index_exactly_once, .timeout = 60) {
    static const size_t sizes[] = {1, 2, 7, 1023, 1024, 1025, 100003};
    for (unsigned threads = 1; threads <= 4; threads++) {
        wq_pool *p = wq_pool_create(threads);
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            size_t n = sizes[s];
            struct hits *h = hits_new(n);
            cr_assert_eq(wq_for(p, n, count_call, h), 0);
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(atomic_load(&h->count[i]), 1, "n=%zu i=%zu", n, i);
            hits_free(h);
        }
        wq_pool_destroy(p);
    }
}

static int never_called(void *ctx, size_t i) {
    (void)ctx;
    (void)i;
    cr_assert_fail("called with n == 0");
    return 0;
}

Test(for, bad_arguments_and_empty_range, .timeout = 10) {
    wq_pool *p = wq_pool_create(2);
    size_t fail = 7;
    wq_map_opts o = {.fail_index = &fail};
    cr_assert_eq(wq_for(NULL, 10, count_call, NULL), EINVAL);
    cr_assert_eq(wq_for(p, 10, NULL, NULL), EINVAL);
    cr_assert_eq(wq_for_ex(p, 10, NULL, NULL, &o), EINVAL);
    cr_assert_eq(fail, SIZE_MAX);
    cr_assert_eq(wq_for(p, 0, never_called, NULL), 0);
    fail = 7;
    cr_assert_eq(wq_for_ex(p, 0, never_called, NULL, &o), 0);
    cr_assert_eq(fail, SIZE_MAX);
    wq_pool_destroy(p);
}

/* The lowest failing index wins, every time; its chunk stops there, every
 * chunk below it runs whole. */
Test(for, lowest_failure_is_returned_and_the_rest_skipped, .timeout = 60) {
    enum { N = 10000, CHUNK = 10 };
    wq_pool *p = wq_pool_create(4);
    for (int run = 0; run < 50; run++) {
        struct hits *h = hits_new(N);
        h->fail_at[0] = 7005; /* returns 100 */
        h->fail_at[1] = 4321; /* returns 101: the lowest */
        h->fail_at[2] = 9999; /* returns 102 */
        size_t fail = 0;
        wq_map_opts o = {.chunk_size = CHUNK, .fail_index = &fail};
        cr_assert_eq(wq_for_ex(p, N, count_call, h, &o), 101);
        cr_assert_eq(fail, 4321);
        for (size_t i = 0; i <= 4321; i++)
            cr_assert_eq(atomic_load(&h->count[i]), 1, "i=%zu", i);
        for (size_t i = 4322; i < 4330; i++) /* rest of the failing chunk */
            cr_assert_eq(atomic_load(&h->count[i]), 0, "i=%zu", i);
        for (size_t i = 4330; i < N; i++)
            cr_assert_leq(atomic_load(&h->count[i]), 1);
        hits_free(h);
    }
    wq_pool_destroy(p);
}

Test(for, failure_with_automatic_chunks, .timeout = 30) {
    wq_pool *p = wq_pool_create(3);
    struct hits *h = hits_new(5000);
    h->fail_at[0] = 0;
    cr_assert_eq(wq_for(p, 5000, count_call, h), 100);
    cr_assert_eq(atomic_load(&h->count[0]), 1);
    hits_free(h);
    wq_pool_destroy(p);
}

/* wq_for from inside a task, on a pool of one: the task's worker helps. */
struct nested {
    wq_pool *pool;
    struct hits *h;
    size_t n;
    int rc;
    int caller_waits;
};

static void for_task(void *arg) {
    struct nested *t = arg;
    t->h->caller = pthread_self();
    wq_map_opts o = {.caller_waits = t->caller_waits};
    t->rc = wq_for_ex(t->pool, t->n, count_call, t->h, &o);
}

Test(for, from_inside_a_task_of_a_one_worker_pool, .timeout = 30) {
    for (int waits = 0; waits <= 1; waits++) {
        wq_pool *p = wq_pool_create(1);
        struct nested t = {p, hits_new(3000), 3000, -1, waits};
        cr_assert_eq(wq_submit(p, for_task, &t), 0);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(t.rc, 0);
        for (size_t i = 0; i < t.n; i++)
            cr_assert_eq(atomic_load(&t.h->count[i]), 1);
        /* The only worker is the caller: it did every call. */
        cr_assert_eq(atomic_load(&t.h->on_caller), t.n);
        hits_free(t.h);
        wq_pool_destroy(p);
    }
}

/* A wq_for whose calls run wq_for themselves. */
struct outer {
    wq_pool *pool;
    atomic_uint inner_calls;
};

static int inner_call(void *ctx, size_t i) {
    (void)i;
    atomic_fetch_add(&((struct outer *)ctx)->inner_calls, 1);
    return 0;
}

static int outer_call(void *ctx, size_t i) {
    struct outer *o = ctx;
    return wq_for(o->pool, 100 + i, inner_call, o);
}

Test(for, nested, .timeout = 60) {
    wq_pool *p = wq_pool_create(2);
    struct outer o = {p, 0};
    cr_assert_eq(wq_for(p, 50, outer_call, &o), 0);
    cr_assert_eq(atomic_load(&o.inner_calls), 50 * 100 + 50 * 49 / 2);
    wq_pool_destroy(p);
}

/* ------------------------------------------------------ caller_waits -- */

Test(for, caller_waits_runs_nothing_on_the_caller, .timeout = 60) {
    enum { N = 20000 };
    for (unsigned threads = 1; threads <= 3; threads++) {
        wq_pool *p = wq_pool_create(threads);
        for (int run = 0; run < 10; run++) {
            struct hits *h = hits_new(N);
            wq_map_opts o = {.chunk_size = 1, .caller_waits = 1};
            cr_assert_eq(wq_for_ex(p, N, count_call, h, &o), 0);
            cr_assert_eq(atomic_load(&h->on_caller), 0);
            for (size_t i = 0; i < N; i++)
                cr_assert_eq(atomic_load(&h->count[i]), 1);
            hits_free(h);
        }
        wq_pool_destroy(p);
    }
}

/* A kernel that records whether it ran on the thread in ctx. */
struct where {
    pthread_t caller;
    atomic_uint on_caller;
};

static int where_kernel(const void *in, void *out, void *ctx) {
    struct where *w = ctx;
    if (pthread_equal(pthread_self(), w->caller))
        atomic_fetch_add(&w->on_caller, 1);
    uint64_t x;
    memcpy(&x, in, sizeof x);
    x = 2 * x + 1;
    memcpy(out, &x, sizeof x);
    return 0;
}

static const wq_kernel k_where = {"where", where_kernel, NULL, 8, 8, NULL};

Test(for, caller_waits_for_map_and_map_reduce, .timeout = 60) {
    enum { N = 30000 };
    uint64_t *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    wq_pool *p = wq_pool_create(2);
    for (int run = 0; run < 10; run++) {
        struct where w = {pthread_self(), 0};
        wq_map_opts o = {.chunk_size = 7, .caller_waits = 1};
        memset(out, 0, N * sizeof *out);
        cr_assert_eq(wq_map(p, &k_where, &w, in, out, N, &o), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(out[i], 2 * i + 1);
        int64_t sum = 0;
        cr_assert_eq(wq_map_reduce(p, &k_where, &w, in, N, &wq_sum_i64, &sum, &o), 0);
        cr_assert_eq(sum, (int64_t)N * N);
        cr_assert_eq(atomic_load(&w.on_caller), 0);
    }
    wq_pool_destroy(p);
    free(in);
    free(out);
}

/* ----------------------------------------------------- wq_submit_many -- */

struct seq {
    size_t next; /* one worker: no lock needed */
    size_t seen[300];
};

struct seq_arg {
    struct seq *s;
    size_t id;
};

static void record(void *arg) {
    struct seq_arg *a = arg;
    a->s->seen[a->s->next++] = a->id;
}

Test(submit_many, fifo_with_single_submits, .timeout = 30) {
    wq_pool *p = wq_pool_create(1);
    gate *g = gate_new();
    struct seq s = {0};
    struct seq_arg a[300];
    void *args[300];
    for (size_t i = 0; i < 300; i++) {
        a[i] = (struct seq_arg){&s, i};
        args[i] = &a[i];
    }
    cr_assert_eq(wq_submit(p, (void (*)(void *))gate_wait, g), 0);
    cr_assert_eq(wq_submit_many(p, record, args, 100), 0);
    cr_assert_eq(wq_submit(p, record, args[100]), 0);
    cr_assert_eq(wq_submit_many(p, record, args + 101, 199), 0); /* grows the ring */
    gate_open(g);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(s.next, 300);
    for (size_t i = 0; i < 300; i++)
        cr_assert_eq(s.seen[i], i);
    wq_pool_destroy(p);
    gate_free(g);
}

static void bump(void *arg) {
    atomic_fetch_add((atomic_uint *)arg, 1);
}

Test(submit_many, bad_arguments_and_empty, .timeout = 10) {
    wq_pool *p = wq_pool_create(1);
    atomic_uint n = 0;
    void *args[1] = {&n};
    cr_assert_eq(wq_submit_many(NULL, bump, args, 1), EINVAL);
    cr_assert_eq(wq_submit_many(p, NULL, args, 1), EINVAL);
    cr_assert_eq(wq_submit_many(p, bump, NULL, 1), EINVAL);
    cr_assert_eq(wq_submit_many(p, bump, NULL, 0), 0);
    cr_assert_eq(wq_submit_many(p, bump, args, 0), 0);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(atomic_load(&n), 0);
    wq_pool_destroy(p);
}

Test(submit_many, every_task_once_on_many_threads, .timeout = 60) {
    enum { N = 100000, STEP = 1000 };
    atomic_uint *hits = calloc(N, sizeof *hits);
    void **args = malloc(N * sizeof *args);
    for (size_t i = 0; i < N; i++)
        args[i] = &hits[i];
    for (unsigned threads = 1; threads <= 4; threads++) {
        wq_pool *p = wq_pool_create(threads);
        for (size_t i = 0; i < N; i += STEP)
            cr_assert_eq(wq_submit_many(p, bump, args + i, STEP), 0);
        cr_assert_eq(wq_wait(p), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(atomic_load(&hits[i]), threads);
        wq_pool_destroy(p);
    }
    free(args);
    free(hits);
}
