/* wq_async_map with a generator that stalls: WQ_GEN_AGAIN, on_idle and
 * wq_async_resume. Every result given so far is delivered (and on_idle
 * called) while the generator waits, with no further input; exactly once,
 * in order when asked; cancel, errors and faults while waiting.
 *
 * The test thread plays the application's input: it makes a burst of items
 * available, resumes the job if its generator said "again", then waits
 * (blocking, no timeout: the test's .timeout catches a job that holds
 * results back) for an on_idle call that saw every result so far. */
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

/* The input and what the callbacks saw. mu protects every field below it. */
typedef struct src {
    wq_job *job;
    atomic_int inside; /* callbacks running now: must never exceed 1 */
    bool self_feed;    /* the generator makes the next burst itself */
    size_t burst;      /* self_feed: items per burst */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast on each result and on_idle */
    uint64_t avail;    /* items made available so far */
    uint64_t produced; /* items handed to the engine */
    bool ended;        /* no more items after avail */
    int end_rc;        /* the generator's return at the end: 0 or -errno */
    bool waiting;      /* the generator said WQ_GEN_AGAIN, no resume since */
    size_t gen_calls;  /* generator calls */
    size_t reported;   /* results seen */
    size_t idle_full;  /* on_idle calls that saw every available result */
    size_t idle_calls; /* all on_idle calls */
    size_t idle_early; /* on_idle calls while the generator did not wait */
    size_t last;       /* index of the last result */
    bool overlap, order_bad, value_bad;
    unsigned *seen; /* per index: times reported */
    int *status;    /* per index: last status */
} src;

static void enter(src *s) {
    if (atomic_fetch_add(&s->inside, 1) != 0)
        s->overlap = true;
}

static void leave(src *s) {
    atomic_fetch_sub(&s->inside, 1);
}

static void src_init(src *s, size_t max_items) {
    memset(s, 0, sizeof *s);
    atomic_init(&s->inside, 0);
    cr_assert_eq(pthread_mutex_init(&s->mu, NULL), 0);
    cr_assert_eq(pthread_cond_init(&s->cv, NULL), 0);
    s->seen = calloc(max_items + 1, sizeof *s->seen);
    s->status = calloc(max_items + 1, sizeof *s->status);
    cr_assert(s->seen && s->status);
}

static void src_destroy(src *s) {
    cr_assert_eq(pthread_mutex_destroy(&s->mu), 0);
    cr_assert_eq(pthread_cond_destroy(&s->cv), 0);
    free(s->seen);
    free(s->status);
}

static int gen(void *ctx, void *item) {
    src *s = ctx;
    enter(s);
    int rc;
    bool resume = false;
    cr_assert_eq(pthread_mutex_lock(&s->mu), 0);
    s->gen_calls++;
    if (s->produced < s->avail) {
        uint64_t v = s->produced++;
        memcpy(item, &v, sizeof v);
        rc = 1;
    } else if (s->ended) {
        rc = s->end_rc;
    } else if (s->self_feed) {
        /* The next burst arrives "while" we say again: the resume crosses
         * our WQ_GEN_AGAIN, and must not be lost. */
        s->avail += s->burst;
        s->ended = s->avail >= 10 * s->burst;
        resume = true;
        rc = WQ_GEN_AGAIN;
    } else {
        s->waiting = true;
        rc = WQ_GEN_AGAIN;
    }
    cr_assert_eq(pthread_mutex_unlock(&s->mu), 0);
    if (resume)
        wq_async_resume(s->job);
    leave(s);
    return rc;
}

static void on_result(void *ctx, size_t index, int status, const void *in, const void *out) {
    src *s = ctx;
    enter(s);
    uint64_t x, y;
    memcpy(&x, in, sizeof x);
    cr_assert_eq(pthread_mutex_lock(&s->mu), 0);
    if (x != index || (status == 0 && (memcpy(&y, out, sizeof y), y != 2 * x + 1)))
        s->value_bad = true;
    if (s->reported > 0 && index != s->last + 1)
        s->order_bad = true;
    s->last = index;
    s->seen[index]++;
    s->status[index] = status;
    s->reported++;
    cr_assert_eq(pthread_cond_broadcast(&s->cv), 0);
    cr_assert_eq(pthread_mutex_unlock(&s->mu), 0);
    leave(s);
}

static void on_idle(void *ctx) {
    src *s = ctx;
    enter(s);
    cr_assert_eq(pthread_mutex_lock(&s->mu), 0);
    s->idle_calls++;
    if (!s->waiting)
        s->idle_early++;
    if (s->reported == s->avail)
        s->idle_full++;
    cr_assert_eq(pthread_cond_broadcast(&s->cv), 0);
    cr_assert_eq(pthread_mutex_unlock(&s->mu), 0);
    leave(s);
}

/* Makes n more items available (and, when ending, the end), and resumes the
 * job if the generator waits: the protocol an application follows. */
static void feed(src *s, size_t n, bool end, int end_rc) {
    cr_assert_eq(pthread_mutex_lock(&s->mu), 0);
    s->avail += n;
    s->ended = end;
    s->end_rc = end_rc;
    bool resume = s->waiting;
    s->waiting = false;
    cr_assert_eq(pthread_mutex_unlock(&s->mu), 0);
    if (resume)
        wq_async_resume(s->job);
}

static size_t idle_full_now(src *s) {
    cr_assert_eq(pthread_mutex_lock(&s->mu), 0);
    size_t n = s->idle_full;
    cr_assert_eq(pthread_mutex_unlock(&s->mu), 0);
    return n;
}

/* Blocks until an on_idle call after `since` saw every available result. */
static void wait_idle_full(src *s, size_t since) {
    cr_assert_eq(pthread_mutex_lock(&s->mu), 0);
    while (s->idle_full <= since)
        cr_assert_eq(pthread_cond_wait(&s->cv, &s->mu), 0);
    cr_assert_eq(pthread_mutex_unlock(&s->mu), 0);
}

static wq_async_spec spec_for(src *s, wq_order order, size_t chunk, size_t window) {
    return (wq_async_spec){.kernel = &k_affine,
                           .gen = gen,
                           .gen_ctx = s,
                           .on_result = on_result,
                           .on_idle = on_idle,
                           .cb_ctx = s,
                           .order = order,
                           .chunk_size = chunk,
                           .window = window};
}

static void expect_each_once(src *s, size_t n, wq_order order) {
    cr_assert_eq(s->reported, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(s->seen[i], 1, "item %zu seen %u times", i, s->seen[i]);
    cr_assert(!s->overlap, "callbacks overlapped");
    cr_assert(!s->value_bad);
    cr_assert_eq(s->idle_early, 0, "on_idle while the generator did not wait");
    if (order == WQ_ORDER_INPUT)
        cr_assert(!s->order_bad);
}

/* ------------------------------------------------------------ bursts -- */

typedef struct burst_case {
    unsigned threads;
    wq_order order;
    size_t chunk, window, burst, bursts;
} burst_case;

ParameterizedTestParameters(resume, bursts) {
    static burst_case cases[] = {
        {1, WQ_ORDER_INPUT, 1, 1, 1, 20},    {1, WQ_ORDER_INPUT, 64, 0, 1, 20},
        {2, WQ_ORDER_INPUT, 64, 0, 3, 20},   {2, WQ_ORDER_COMPLETION, 64, 0, 3, 20},
        {4, WQ_ORDER_INPUT, 4, 16, 100, 10}, {4, WQ_ORDER_COMPLETION, 4, 16, 100, 10},
        {3, WQ_ORDER_INPUT, 8, 0, 1000, 5},  {2, WQ_ORDER_COMPLETION, 1, 4, 7, 30},
    };
    return cr_make_param_array(burst_case, cases, sizeof cases / sizeof cases[0]);
}

/* Each burst's results all arrive, and on_idle sees them all, before the
 * next burst exists: nothing waits for more input. */
ParameterizedTest(burst_case *c, resume, bursts, .timeout = 60) {
    size_t n = c->burst * c->bursts;
    src s;
    src_init(&s, n);
    wq_pool *p = wq_pool_create(c->threads);
    cr_assert_not_null(p);
    wq_async_spec spec = spec_for(&s, c->order, c->chunk, c->window);
    cr_assert_eq(wq_async_map(p, &spec, &s.job), 0);
    for (size_t b = 0; b < c->bursts; b++) {
        size_t since = idle_full_now(&s);
        feed(&s, c->burst, false, 0);
        wait_idle_full(&s, since);
        cr_assert_eq(s.reported, (b + 1) * c->burst);
    }
    feed(&s, 0, true, 0);
    cr_assert_eq(wq_job_wait(s.job), 0);
    wq_job_stats st;
    wq_job_stats_get(s.job, &st);
    cr_assert_eq(st.taken, n);
    cr_assert_eq(st.done, n);
    expect_each_once(&s, n, c->order);
    wq_job_free(s.job);
    wq_pool_destroy(p);
    src_destroy(&s);
}

/* ------------------------------------------------------------- races -- */

/* The generator resumes the job itself just before saying WQ_GEN_AGAIN (a
 * resume crossing the "again"): the job must ask again, or it would wait
 * for ever. */
Test(resume, crossing_again_is_not_lost, .timeout = 60) {
    for (int order = 0; order <= 1; order++) {
        src s;
        src_init(&s, 1000);
        s.self_feed = true;
        s.burst = 37;
        wq_pool *p = wq_pool_create(2);
        wq_async_spec spec = spec_for(&s, (wq_order)order, 8, 32);
        spec.on_idle = NULL;
        cr_assert_eq(wq_async_map(p, &spec, &s.job), 0);
        cr_assert_eq(wq_job_wait(s.job), 0);
        expect_each_once(&s, 370, (wq_order)order);
        wq_job_free(s.job);
        wq_pool_destroy(p);
        src_destroy(&s);
    }
}

static void *resume_storm(void *arg) {
    src *s = arg;
    for (int i = 0; i < 20000; i++)
        wq_async_resume(s->job); /* harmless when the generator does not wait */
    return NULL;
}

/* One item at a time from the test thread, with a second thread resuming
 * at random moments: still every item exactly once, in order. */
Test(resume, trickle_with_stray_resumes, .timeout = 120) {
    enum { N = 5000 };
    for (int order = 0; order <= 1; order++) {
        src s;
        src_init(&s, N);
        wq_pool *p = wq_pool_create(2);
        wq_async_spec spec = spec_for(&s, (wq_order)order, 16, 0);
        cr_assert_eq(wq_async_map(p, &spec, &s.job), 0);
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, resume_storm, &s), 0);
        for (size_t i = 0; i < N; i++)
            feed(&s, 1, i + 1 == N, 0);
        cr_assert_eq(pthread_join(t, NULL), 0);
        cr_assert_eq(wq_job_wait(s.job), 0);
        s.idle_early = 0; /* the storm's resumes may end a wait on_idle saw */
        expect_each_once(&s, N, (wq_order)order);
        wq_job_free(s.job);
        wq_pool_destroy(p);
        src_destroy(&s);
    }
}

/* ------------------------------------------------ cancel and errors -- */

Test(resume, cancel_while_waiting, .timeout = 30) {
    src s;
    src_init(&s, 100);
    wq_pool *p = wq_pool_create(2);
    wq_async_spec spec = spec_for(&s, WQ_ORDER_INPUT, 4, 0);
    cr_assert_eq(wq_async_map(p, &spec, &s.job), 0);
    feed(&s, 10, false, 0);
    wait_idle_full(&s, 0);
    size_t calls = s.gen_calls;
    wq_job_cancel(s.job); /* no resume: the job must end by itself */
    cr_assert_eq(wq_job_wait(s.job), ECANCELED);
    wq_async_resume(s.job); /* after the end: a no-op */
    cr_assert_eq(wq_job_wait(s.job), ECANCELED);
    cr_assert_eq(s.gen_calls, calls, "generator called after the cancel");
    wq_job_stats st;
    wq_job_stats_get(s.job, &st);
    cr_assert_eq(st.taken, 10);
    cr_assert_eq(st.done, 10);
    cr_assert_eq(st.cancelled, 0);
    expect_each_once(&s, 10, WQ_ORDER_INPUT);
    wq_job_free(s.job);
    wq_pool_destroy(p);
    src_destroy(&s);
}

/* Freeing a job whose generator waits cancels it and returns. */
Test(resume, free_while_waiting, .timeout = 30) {
    src s;
    src_init(&s, 100);
    wq_pool *p = wq_pool_create(1);
    wq_async_spec spec = spec_for(&s, WQ_ORDER_COMPLETION, 64, 0);
    cr_assert_eq(wq_async_map(p, &spec, &s.job), 0);
    feed(&s, 5, false, 0);
    wait_idle_full(&s, 0);
    wq_job_free(s.job);
    cr_assert_eq(s.reported, 5);
    wq_pool_destroy(p);
    src_destroy(&s);
}

Test(resume, error_after_a_wait, .timeout = 30) {
    src s;
    src_init(&s, 100);
    wq_pool *p = wq_pool_create(2);
    wq_async_spec spec = spec_for(&s, WQ_ORDER_INPUT, 8, 0);
    cr_assert_eq(wq_async_map(p, &spec, &s.job), 0);
    feed(&s, 20, false, 0);
    wait_idle_full(&s, 0);
    feed(&s, 3, true, -EIO);
    cr_assert_eq(wq_job_wait(s.job), EIO);
    expect_each_once(&s, 23, WQ_ORDER_INPUT);
    wq_job_free(s.job);
    wq_pool_destroy(p);
    src_destroy(&s);
}

/* Without on_idle, the results still all arrive while the generator waits. */
Test(resume, no_on_idle, .timeout = 30) {
    src s;
    src_init(&s, 100);
    wq_pool *p = wq_pool_create(2);
    wq_async_spec spec = spec_for(&s, WQ_ORDER_INPUT, 64, 0);
    spec.on_idle = NULL;
    cr_assert_eq(wq_async_map(p, &spec, &s.job), 0);
    feed(&s, 50, false, 0);
    cr_assert_eq(pthread_mutex_lock(&s.mu), 0);
    while (s.reported < 50)
        cr_assert_eq(pthread_cond_wait(&s.cv, &s.mu), 0);
    cr_assert_eq(pthread_mutex_unlock(&s.mu), 0);
    feed(&s, 0, true, 0);
    cr_assert_eq(wq_job_wait(s.job), 0);
    cr_assert_eq(s.idle_calls, 0);
    expect_each_once(&s, 50, WQ_ORDER_INPUT);
    wq_job_free(s.job);
    wq_pool_destroy(p);
    src_destroy(&s);
}

Test(resume, null_is_a_no_op, .timeout = 10) {
    wq_async_resume(NULL);
}

/* Fault injection (WQ_TESTING build): every allocation the job makes, the
 * resume's task submission included, fails in turn; a failed submission is
 * served in place, so every item still arrives exactly once. */
void wq__fault_arm(unsigned long k);
unsigned long wq__fault_count(void);

Test(resume, faults, .timeout = 120) {
    enum { N = 300 };
    unsigned long k;
    for (k = 1;; k++) {
        src s;
        src_init(&s, N);
        wq_pool *p = wq_pool_create(2);
        cr_assert_not_null(p);
        wq_async_spec spec = spec_for(&s, WQ_ORDER_INPUT, 4, 8);
        wq__fault_arm(k);
        int rc = wq_async_map(p, &spec, &s.job);
        if (rc == 0) {
            for (size_t b = 0; b < 10; b++) {
                size_t since = idle_full_now(&s);
                feed(&s, N / 10, false, 0);
                wait_idle_full(&s, since);
            }
            feed(&s, 0, true, 0);
            rc = wq_job_wait(s.job);
        }
        unsigned long reached = wq__fault_count();
        wq__fault_arm(0);
        cr_assert(rc == 0 || rc == ENOMEM, "k=%lu rc=%d", k, rc);
        if (rc == 0)
            expect_each_once(&s, N, WQ_ORDER_INPUT);
        wq_job_free(s.job);
        wq_pool_destroy(p);
        src_destroy(&s);
        if (reached < k)
            break;
    }
    cr_log_info("resume: %lu faults injected", k - 1);
}
