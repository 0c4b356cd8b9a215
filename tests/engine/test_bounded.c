/* Bounded pools (wq_pool_create_ex): options and their errors, the two
 * policies when the queue is full (who runs a task, in which order), a
 * worker that submits to its own full pool, wq_submit_many under a bound,
 * destroy with a full queue, and for / map / async map on bounded pools,
 * also while the queue is full.
 *
 * Determinism: to know what is queued, the tests hold every worker in a
 * task that waits on a gate, and wait (on a condition variable) until each
 * worker has started it; then no worker claims anything until the gate
 * opens, and which tasks fit and which run on the caller is exact. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"

/* ------------------------------------------------------------ helpers -- */

/* Workers held in a task until a gate opens. */
struct hold {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned started; /* mu */
    gate *g;
};

static void hold_task(void *arg) {
    struct hold *h = arg;
    cr_assert_eq(pthread_mutex_lock(&h->mu), 0);
    h->started++;
    cr_assert_eq(pthread_cond_broadcast(&h->cv), 0);
    cr_assert_eq(pthread_mutex_unlock(&h->mu), 0);
    gate_wait(h->g);
}

/* Submits one hold task per worker of p (one at a time, each claimed
 * before the next is queued) and returns once all of them run. */
static void hold_workers(wq_pool *p, struct hold *h) {
    cr_assert_eq(pthread_mutex_init(&h->mu, NULL), 0);
    cr_assert_eq(pthread_cond_init(&h->cv, NULL), 0);
    h->started = 0;
    h->g = gate_new();
    for (unsigned i = 0; i < wq_pool_threads(p); i++) {
        cr_assert_eq(wq_submit(p, hold_task, h), 0);
        cr_assert_eq(pthread_mutex_lock(&h->mu), 0);
        while (h->started < i + 1)
            cr_assert_eq(pthread_cond_wait(&h->cv, &h->mu), 0);
        cr_assert_eq(pthread_mutex_unlock(&h->mu), 0);
    }
}

static void release_workers(struct hold *h) {
    gate_open(h->g);
}

static void hold_free(struct hold *h) {
    gate_free(h->g);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
}

/* A log of which task ran, in which order, on which thread. */
#define LOG_MAX 4096
struct log {
    pthread_mutex_t mu;
    size_t n;               /* mu */
    size_t id[LOG_MAX];     /* mu */
    pthread_t who[LOG_MAX]; /* mu */
};

struct entry {
    struct log *log;
    size_t id;
};

static void log_init(struct log *l) {
    cr_assert_eq(pthread_mutex_init(&l->mu, NULL), 0);
    l->n = 0;
}

static size_t log_count(struct log *l) {
    cr_assert_eq(pthread_mutex_lock(&l->mu), 0);
    size_t n = l->n;
    cr_assert_eq(pthread_mutex_unlock(&l->mu), 0);
    return n;
}

static void log_task(void *arg) {
    struct entry *e = arg;
    struct log *l = e->log;
    cr_assert_eq(pthread_mutex_lock(&l->mu), 0);
    cr_assert_lt(l->n, LOG_MAX);
    l->id[l->n] = e->id;
    l->who[l->n] = pthread_self();
    l->n++;
    cr_assert_eq(pthread_mutex_unlock(&l->mu), 0);
}

static wq_pool *make_bounded(unsigned threads, size_t max_queued, wq_full_policy when_full) {
    wq_pool_opts o = {.max_queued = max_queued, .when_full = when_full};
    wq_pool *p = wq_pool_create_ex(threads, &o);
    cr_assert_not_null(p);
    return p;
}

static void bump(void *arg) {
    atomic_fetch_add((atomic_ulong *)arg, 1);
}

/* ------------------------------------------------------------ options -- */

Test(bounded, bad_policy_is_einval, .timeout = 60) {
    wq_pool_opts o = {.max_queued = 8, .when_full = (wq_full_policy)7};
    errno = 0;
    cr_assert_null(wq_pool_create_ex(2, &o));
    cr_assert_eq(errno, EINVAL);
    o.max_queued = 0; /* checked even when unbounded */
    errno = 0;
    cr_assert_null(wq_pool_create_ex(2, &o));
    cr_assert_eq(errno, EINVAL);
    o.when_full = (wq_full_policy)-1;
    errno = 0;
    cr_assert_null(wq_pool_create_ex(2, &o));
    cr_assert_eq(errno, EINVAL);
}

Test(bounded, queue_too_large_to_allocate_is_enomem, .timeout = 60) {
    wq_pool_opts o = {.max_queued = SIZE_MAX / 2, .when_full = WQ_FULL_BLOCK};
    errno = 0;
    cr_assert_null(wq_pool_create_ex(2, &o));
    cr_assert_eq(errno, ENOMEM);
}

/* NULL or zeroed options: an unbounded pool, whose queue grows past any
 * bound (5000 tasks wait behind a held worker, all run in FIFO order). */
Test(bounded, null_or_zeroed_opts_are_unbounded, .timeout = 60) {
    static struct log log;
    static struct entry e[LOG_MAX];
    wq_pool_opts zero;
    memset(&zero, 0, sizeof zero);
    const wq_pool_opts *cases[] = {NULL, &zero};
    for (int c = 0; c < 2; c++) {
        wq_pool *p = wq_pool_create_ex(1, cases[c]);
        cr_assert_not_null(p);
        cr_assert_eq(wq_pool_threads(p), 1);
        log_init(&log);
        struct hold h;
        hold_workers(p, &h);
        for (size_t i = 0; i < 4000; i++) {
            e[i] = (struct entry){&log, i};
            cr_assert_eq(wq_submit(p, log_task, &e[i]), 0);
        }
        cr_assert_eq(log_count(&log), 0); /* nothing ran on the caller */
        release_workers(&h);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(log.n, 4000);
        for (size_t i = 0; i < 4000; i++)
            cr_assert_eq(log.id[i], i);
        wq_pool_destroy(p);
        hold_free(&h);
        pthread_mutex_destroy(&log.mu);
    }
    wq_pool *p = wq_pool_create_ex(0, NULL);
    cr_assert_not_null(p);
    cr_assert_geq(wq_pool_threads(p), 1);
    wq_pool_destroy(p);
}

Test(bounded, null_arguments, .timeout = 60) {
    wq_pool *p = make_bounded(1, 4, WQ_FULL_CALLER_RUNS);
    atomic_ulong hits = 0;
    void *args[1] = {&hits};
    cr_assert_eq(wq_submit(p, NULL, &hits), EINVAL);
    cr_assert_eq(wq_submit_many(p, NULL, args, 1), EINVAL);
    cr_assert_eq(wq_submit_many(p, bump, NULL, 1), EINVAL);
    cr_assert_eq(wq_submit_many(p, bump, NULL, 0), 0);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(atomic_load(&hits), 0);
    wq_pool_destroy(p);
}

/* ------------------------------------------------------------- policy -- */

/* Caller-runs: with the worker held, the first max_queued tasks queue, the
 * rest run on the caller inside wq_submit, in submission order; the queued
 * ones then run on the worker in FIFO order. */
Test(bounded, caller_runs_when_full, .timeout = 60) {
    static struct log log;
    static struct entry e[1000];
    for (size_t max = 1; max <= 64; max *= 4) {
        wq_pool *p = make_bounded(1, max, WQ_FULL_CALLER_RUNS);
        log_init(&log);
        struct hold h;
        hold_workers(p, &h);
        pthread_t me = pthread_self();
        for (size_t i = 0; i < 1000; i++) {
            e[i] = (struct entry){&log, i};
            cr_assert_eq(wq_submit(p, log_task, &e[i]), 0);
            /* Task i ran at once exactly when max tasks were queued. */
            cr_assert_eq(log_count(&log), i < max ? 0 : i + 1 - max, "max=%zu i=%zu", max, i);
        }
        release_workers(&h);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(log.n, 1000);
        for (size_t k = 0; k < 1000 - max; k++) {
            cr_assert_eq(log.id[k], max + k);
            cr_assert(pthread_equal(log.who[k], me));
        }
        for (size_t k = 0; k < max; k++) { /* FIFO among the queued */
            cr_assert_eq(log.id[1000 - max + k], k);
            cr_assert_not(pthread_equal(log.who[1000 - max + k], me));
        }
        wq_pool_destroy(p);
        hold_free(&h);
        pthread_mutex_destroy(&log.mu);
    }
}

/* Block: a producer thread submits 3000 tasks to a pool of 1 whose queue
 * holds 2, 16 or 64, starting while the worker is held. It waits for room
 * instead: every task runs on the worker, in submission order. */
struct producer_arg {
    wq_pool *pool;
    struct entry *e;
    size_t n;
    bool many; /* wq_submit_many in runs of 100, else wq_submit */
};

static void *produce(void *arg) {
    struct producer_arg *a = arg;
    if (a->many) {
        void *args[100];
        for (size_t i = 0; i < a->n; i += 100) {
            for (size_t k = 0; k < 100; k++)
                args[k] = &a->e[i + k];
            cr_assert_eq(wq_submit_many(a->pool, log_task, args, 100), 0);
        }
    } else {
        for (size_t i = 0; i < a->n; i++)
            cr_assert_eq(wq_submit(a->pool, log_task, &a->e[i]), 0);
    }
    return NULL;
}

ParameterizedTestParameters(bounded, block_waits_for_room) {
    static size_t maxes[] = {2, 16, 64};
    return cr_make_param_array(size_t, maxes, sizeof maxes / sizeof *maxes);
}

ParameterizedTest(size_t *max, bounded, block_waits_for_room, .timeout = 60) {
    static struct log log;
    static struct entry e[3000];
    for (int many = 0; many <= 1; many++) {
        wq_pool *p = make_bounded(1, *max, WQ_FULL_BLOCK);
        log_init(&log);
        for (size_t i = 0; i < 3000; i++)
            e[i] = (struct entry){&log, i};
        struct hold h;
        hold_workers(p, &h);
        struct producer_arg a = {p, e, 3000, many};
        pthread_t th;
        cr_assert_eq(pthread_create(&th, NULL, produce, &a), 0);
        release_workers(&h);
        cr_assert_eq(pthread_join(th, NULL), 0);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(log.n, 3000);
        for (size_t i = 0; i < 3000; i++) {
            cr_assert_eq(log.id[i], i);
            cr_assert_not(pthread_equal(log.who[i], th), "task %zu ran on its producer", i);
        }
        wq_pool_destroy(p);
        hold_free(&h);
        pthread_mutex_destroy(&log.mu);
    }
}

/* A task that submits to its own full pool of 1 runs the overflow itself,
 * under either policy (with block it would wait for itself): 2 queue, 8
 * run inside the submitting task; then the 2 queued run. */
struct parent_arg {
    wq_pool *pool;
    struct log *log;
    struct entry e[10];
    size_t ran_inside; /* tasks already run when the submits returned */
    bool many;
};

static void parent_task(void *arg) {
    struct parent_arg *a = arg;
    if (a->many) {
        void *args[10];
        for (size_t i = 0; i < 10; i++)
            args[i] = &a->e[i];
        cr_assert_eq(wq_submit_many(a->pool, log_task, args, 10), 0);
    } else {
        for (size_t i = 0; i < 10; i++)
            cr_assert_eq(wq_submit(a->pool, log_task, &a->e[i]), 0);
    }
    a->ran_inside = log_count(a->log);
}

Test(bounded, worker_submitting_to_its_full_pool_runs_the_overflow, .timeout = 60) {
    static struct log log;
    for (int policy = 0; policy <= 1; policy++) {
        for (int many = 0; many <= 1; many++) {
            wq_pool *p = make_bounded(1, 2, policy ? WQ_FULL_CALLER_RUNS : WQ_FULL_BLOCK);
            log_init(&log);
            struct parent_arg a = {.pool = p, .log = &log, .many = many};
            for (size_t i = 0; i < 10; i++)
                a.e[i] = (struct entry){&log, i};
            cr_assert_eq(wq_submit(p, parent_task, &a), 0);
            cr_assert_eq(wq_wait(p), 0);
            cr_assert_eq(a.ran_inside, 8, "policy=%d many=%d", policy, many);
            cr_assert_eq(log.n, 10);
            for (size_t k = 0; k < 8; k++)
                cr_assert_eq(log.id[k], 2 + k);
            cr_assert_eq(log.id[8], 0);
            cr_assert_eq(log.id[9], 1);
            for (size_t k = 0; k < 10; k++) /* all on the one worker */
                cr_assert(pthread_equal(log.who[k], log.who[0]));
            wq_pool_destroy(p);
            pthread_mutex_destroy(&log.mu);
        }
    }
}

/* wq_submit_many under a bound, caller-runs: of 10 tasks with room for 4,
 * the first 4 queue and the other 6 run in the call, in order. */
Test(bounded, submit_many_queues_what_fits_then_caller_runs, .timeout = 60) {
    static struct log log;
    wq_pool *p = make_bounded(2, 4, WQ_FULL_CALLER_RUNS);
    log_init(&log);
    struct hold h;
    hold_workers(p, &h);
    struct entry e[10];
    void *args[10];
    for (size_t i = 0; i < 10; i++) {
        e[i] = (struct entry){&log, i};
        args[i] = &e[i];
    }
    cr_assert_eq(wq_submit_many(p, log_task, args, 10), 0);
    cr_assert_eq(log_count(&log), 6);
    for (size_t k = 0; k < 6; k++) {
        cr_assert_eq(log.id[k], 4 + k);
        cr_assert(pthread_equal(log.who[k], pthread_self()));
    }
    release_workers(&h);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(log.n, 10);
    bool seen[4] = {false};
    for (size_t k = 6; k < 10; k++) {
        cr_assert_lt(log.id[k], 4);
        cr_assert_not(seen[log.id[k]]);
        seen[log.id[k]] = true;
    }
    wq_pool_destroy(p);
    hold_free(&h);
    pthread_mutex_destroy(&log.mu);
}

/* ------------------------------------------------------------ destroy -- */

/* Tasks that submit a child each, so that destroy runs children submitted
 * to a full queue (run on the worker that submits them). */
struct destroy_ctx {
    wq_pool *pool;
    atomic_ulong parents, children;
};

static void destroy_child(void *arg) {
    atomic_fetch_add(&((struct destroy_ctx *)arg)->children, 1);
}

static void destroy_parent(void *arg) {
    struct destroy_ctx *c = arg;
    atomic_fetch_add(&c->parents, 1);
    cr_assert_eq(wq_submit(c->pool, destroy_child, c), 0);
}

Test(bounded, destroy_with_a_full_queue, .timeout = 60) {
    for (int policy = 0; policy <= 1; policy++) {
        for (unsigned threads = 1; threads <= 4; threads *= 2) {
            struct destroy_ctx c = {
                .pool = make_bounded(threads, 8, policy ? WQ_FULL_CALLER_RUNS : WQ_FULL_BLOCK)};
            struct hold h;
            hold_workers(c.pool, &h);
            for (int i = 0; i < 8; i++) /* fills the queue: all queued */
                cr_assert_eq(wq_submit(c.pool, destroy_parent, &c), 0);
            cr_assert_eq(atomic_load(&c.parents), 0);
            release_workers(&h);
            wq_pool_destroy(c.pool);
            cr_assert_eq(atomic_load(&c.parents), 8);
            cr_assert_eq(atomic_load(&c.children), 8);
            hold_free(&h);
        }
    }
}

/* ----------------------------------------------------- for, map, async -- */

static int mark_index(void *ctx, size_t i) {
    atomic_fetch_add(&((atomic_uint *)ctx)[i], 1);
    return 0;
}

static void check_marks(atomic_uint *marks, size_t n) {
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(atomic_load(&marks[i]), 1, "i=%zu", i);
}

/* With every worker held and the queue full, wq_for (also caller_waits)
 * and wq_map finish on the calling thread: they never wait for room. */
Test(bounded, for_and_map_on_a_full_queue, .timeout = 60) {
    enum { N = 20000 };
    atomic_uint *marks = calloc(N, sizeof *marks);
    uint64_t *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    cr_assert(marks && in && out);
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    for (int policy = 0; policy <= 1; policy++) {
        wq_pool *p = make_bounded(2, 3, policy ? WQ_FULL_CALLER_RUNS : WQ_FULL_BLOCK);
        atomic_ulong filler = 0;
        struct hold h;
        hold_workers(p, &h);
        for (int i = 0; i < 3; i++)
            cr_assert_eq(wq_submit(p, bump, &filler), 0);
        for (int waits = 0; waits <= 1; waits++) {
            for (size_t i = 0; i < N; i++)
                atomic_store(&marks[i], 0);
            wq_map_opts o = {.caller_waits = waits};
            cr_assert_eq(wq_for_ex(p, N, mark_index, marks, &o), 0);
            check_marks(marks, N);
            memset(out, 0, N * sizeof *out);
            cr_assert_eq(wq_map(p, &k_affine, NULL, in, out, N, &o), 0);
            for (size_t i = 0; i < N; i++)
                cr_assert_eq(out[i], 2 * i + 1);
        }
        cr_assert_eq(atomic_load(&filler), 0); /* the queue stayed full */
        release_workers(&h);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(atomic_load(&filler), 3);
        wq_pool_destroy(p);
        hold_free(&h);
    }
    free(marks);
    free(in);
    free(out);
}

/* An async map over a generator: counts each index once, checks values. */
struct aobs {
    size_t n, produced, reported, sum;
    unsigned char *seen;
    bool wrong;
};

static int agen(void *ctx, void *item) {
    struct aobs *a = ctx;
    if (a->produced == a->n)
        return 0;
    uint64_t v = a->produced++;
    memcpy(item, &v, sizeof v);
    return 1;
}

static void aresult(void *ctx, size_t index, int status, const void *in, const void *out) {
    struct aobs *a = ctx;
    uint64_t x, y;
    memcpy(&x, in, sizeof x);
    memcpy(&y, out, sizeof y);
    if (status != 0 || x != index || y != 2 * x + 1 || index >= a->n || a->seen[index]++)
        a->wrong = true;
    a->reported++;
    a->sum += index;
}

static void run_async(wq_pool *p, size_t n, wq_order order) {
    struct aobs a = {.n = n, .seen = calloc(n, 1)};
    cr_assert_not_null(a.seen);
    wq_async_spec s = {.kernel = &k_affine,
                       .gen = agen,
                       .gen_ctx = &a,
                       .on_result = aresult,
                       .cb_ctx = &a,
                       .order = order,
                       .chunk_size = 16};
    wq_job *job = NULL;
    cr_assert_eq(wq_async_map(p, &s, &job), 0);
    cr_assert_eq(wq_job_wait(job), 0);
    wq_job_free(job);
    cr_assert_not(a.wrong);
    cr_assert_eq(a.reported, n);
    cr_assert_eq(a.sum, n * (n - 1) / 2);
    free(a.seen);
}

/* Async maps on bounded pools with room for 1 and 4 tasks, both policies,
 * both orders: every item reported once with the right value. */
Test(bounded, async_map, .timeout = 60) {
    for (int policy = 0; policy <= 1; policy++)
        for (size_t max = 1; max <= 4; max *= 4)
            for (unsigned threads = 1; threads <= 4; threads *= 2) {
                wq_pool *p =
                    make_bounded(threads, max, policy ? WQ_FULL_CALLER_RUNS : WQ_FULL_BLOCK);
                run_async(p, 5000, WQ_ORDER_COMPLETION);
                run_async(p, 5000, WQ_ORDER_INPUT);
                wq_pool_destroy(p);
            }
}

/* A caller-runs pool whose workers are held and whose queue is full: the
 * whole job runs on the calling thread, within wq_async_map and its wait. */
Test(bounded, async_map_on_a_full_caller_runs_queue, .timeout = 60) {
    wq_pool *p = make_bounded(2, 2, WQ_FULL_CALLER_RUNS);
    atomic_ulong filler = 0;
    struct hold h;
    hold_workers(p, &h);
    cr_assert_eq(wq_submit(p, bump, &filler), 0);
    cr_assert_eq(wq_submit(p, bump, &filler), 0);
    run_async(p, 3000, WQ_ORDER_INPUT);
    cr_assert_eq(atomic_load(&filler), 0);
    release_workers(&h);
    wq_pool_destroy(p);
    cr_assert_eq(atomic_load(&filler), 2);
    hold_free(&h);
}

/* wq_for from inside tasks of a bounded caller-runs pool, while other
 * tasks are submitted: nested fors and caller-run tasks complete. */
struct nested_for {
    wq_pool *pool;
    atomic_uint *marks;
    size_t n;
    atomic_ulong done;
};

static void for_task(void *arg) {
    struct nested_for *c = arg;
    cr_assert_eq(wq_for(c->pool, c->n, mark_index, c->marks), 0);
    atomic_fetch_add(&c->done, 1);
}

Test(bounded, for_inside_tasks_of_a_caller_runs_pool, .timeout = 60) {
    enum { TASKS = 16, N = 1000 };
    for (size_t max = 1; max <= 8; max *= 8) {
        wq_pool *p = make_bounded(2, max, WQ_FULL_CALLER_RUNS);
        struct nested_for c[TASKS];
        for (int t = 0; t < TASKS; t++) {
            c[t] = (struct nested_for){.pool = p, .n = N, .marks = calloc(N, sizeof(atomic_uint))};
            cr_assert_not_null(c[t].marks);
            cr_assert_eq(wq_submit(p, for_task, &c[t]), 0);
        }
        cr_assert_eq(wq_wait(p), 0);
        for (int t = 0; t < TASKS; t++) {
            cr_assert_eq(atomic_load(&c[t].done), 1);
            check_marks(c[t].marks, N);
            free(c[t].marks);
        }
        wq_pool_destroy(p);
    }
}
