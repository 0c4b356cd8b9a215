/*
 * The thread pool: a fixed set of workers pulling tasks from one FIFO.
 *
 * Guarantees:
 *   - Every task accepted by wq_submit runs exactly once, in FIFO order of
 *     dequeue (a worker may take a few consecutive tasks at a time).
 *   - No allocation per task: the queue is a ring of (fn, arg) pairs owned by
 *     the pool that doubles when full and never shrinks.
 *   - Idle workers sleep on a condition variable; a submit wakes one worker,
 *     and only when one is idle. Nothing polls, sleeps or spins.
 *   - All state lives in struct wq_pool; two pools share nothing.
 *   - wq_pool_destroy runs everything queued (including work submitted by
 *     that work), then joins every thread.
 *
 * Locking: one mutex per pool, pool->mu, protects every field below it in
 * the struct. Tasks run with no lock held.
 */
#include "internal.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct task {
    void (*fn)(void *);
    void *arg;
} task;

enum { WORK, DONE };

/* Most tasks one worker takes per lock acquisition. */
#define BATCH_MAX 16

struct wq_pool {
    unsigned nthreads;
    pthread_t *threads;

    pthread_mutex_t mu;
    pthread_cond_t cv[2]; /* cv[WORK]: signalled when a task was queued or
                             on stopping; cv[DONE]: broadcast when pending
                             reached 0 */
    task *ring;           /* FIFO ring of cap slots (mu) */
    size_t cap, head, count;
    size_t pending; /* queued + running tasks (mu) */
    unsigned idle;  /* workers waiting on cv[WORK] (mu) */
    bool stopping;  /* set once by wq_pool_destroy (mu) */
};

/* The pool whose worker is the current thread, or NULL. */
static _Thread_local const wq_pool *tl_worker_of;

int wq__on_worker_of(const wq_pool *pool) {
    return tl_worker_of == pool;
}

/* Doubles the ring, keeping FIFO order. Called with mu held. */
static int ring_grow(wq_pool *p) {
    size_t ncap = p->cap ? 2 * p->cap : 64;
    task *r = wq__malloc(ncap * sizeof *r);
    if (!r)
        return ENOMEM;
    for (size_t i = 0; i < p->count; i++)
        r[i] = p->ring[(p->head + i) % p->cap];
    free(p->ring);
    p->ring = r;
    p->cap = ncap;
    p->head = 0;
    return 0;
}

/* Takes up to max tasks off the ring into out. Called with mu held. */
static size_t ring_take(wq_pool *p, task *out, size_t max) {
    size_t n = p->count < max ? p->count : max;
    for (size_t i = 0; i < n; i++) {
        out[i] = p->ring[p->head];
        p->head = (p->head + 1) % p->cap;
    }
    p->count -= n;
    return n;
}

/* A fair share of the queue for one worker: enough to amortize the lock,
 * few enough that idle workers find work too. */
static size_t batch_size(const wq_pool *p) {
    size_t share = p->count / p->nthreads;
    if (share < 1)
        share = 1;
    return share < BATCH_MAX ? share : BATCH_MAX;
}

static void *worker_main(void *arg) {
    wq_pool *p = arg;
    task batch[BATCH_MAX];
    size_t ran = 0;

    tl_worker_of = p;
    wq__check(pthread_mutex_lock(&p->mu));
    for (;;) {
        p->pending -= ran;
        if (ran && p->pending == 0)
            wq__check(pthread_cond_broadcast(&p->cv[DONE]));
        while (p->count == 0 && !p->stopping) {
            p->idle++;
            wq__check(pthread_cond_wait(&p->cv[WORK], &p->mu));
            p->idle--;
        }
        if (p->count == 0)
            break; /* stopping, and nothing left to run */
        ran = ring_take(p, batch, batch_size(p));
        /* More queued than we took: pass the wake-up on to an idle peer. */
        if (p->count > 0 && p->idle > 0)
            wq__check(pthread_cond_signal(&p->cv[WORK]));
        wq__check(pthread_mutex_unlock(&p->mu));
        for (size_t i = 0; i < ran; i++)
            batch[i].fn(batch[i].arg);
        wq__check(pthread_mutex_lock(&p->mu));
    }
    wq__check(pthread_mutex_unlock(&p->mu));
    return NULL;
}

static unsigned online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Stops and joins the first n workers, then frees the pool. */
static void shutdown_and_free(wq_pool *p, unsigned n) {
    wq__check(pthread_mutex_lock(&p->mu));
    p->stopping = true;
    wq__check(pthread_cond_broadcast(&p->cv[WORK]));
    wq__check(pthread_mutex_unlock(&p->mu));
    for (unsigned i = 0; i < n; i++)
        wq__check(pthread_join(p->threads[i], NULL));
    wq__sync_destroy(&p->mu, p->cv, 2);
    free(p->ring);
    free(p->threads);
    free(p);
}

wq_pool *wq_pool_create(unsigned nthreads) {
    int err = ENOMEM;
    wq_pool *p = wq__calloc(1, sizeof *p);
    if (!p)
        goto fail;
    p->nthreads = nthreads ? nthreads : online_cpus();
    p->threads = wq__calloc(p->nthreads, sizeof *p->threads);
    if (!p->threads || (err = wq__sync_init(&p->mu, p->cv, 2)) != 0) {
        free(p->threads);
        free(p);
        goto fail;
    }
    for (unsigned i = 0; i < p->nthreads; i++) {
        err = wq__fault("pthread_create");
        if (!err)
            err = pthread_create(&p->threads[i], NULL, worker_main, p);
        if (err) {
            shutdown_and_free(p, i);
            goto fail;
        }
    }
    return p;
fail:
    errno = err;
    return NULL;
}

void wq_pool_destroy(wq_pool *pool) {
    if (pool)
        shutdown_and_free(pool, pool->nthreads);
}

unsigned wq_pool_threads(const wq_pool *pool) {
    return pool ? pool->nthreads : 0;
}

int wq_submit(wq_pool *pool, void (*fn)(void *arg), void *arg) {
    int err = 0;
    if (!pool || !fn)
        return EINVAL;
    wq__check(pthread_mutex_lock(&pool->mu));
    if (pool->count == pool->cap)
        err = ring_grow(pool);
    if (!err) {
        pool->ring[(pool->head + pool->count) % pool->cap] = (task){fn, arg};
        pool->count++;
        pool->pending++;
        if (pool->idle > 0)
            wq__check(pthread_cond_signal(&pool->cv[WORK]));
    }
    wq__check(pthread_mutex_unlock(&pool->mu));
    return err;
}

int wq_wait(wq_pool *pool) {
    if (!pool)
        return EINVAL;
    if (wq__on_worker_of(pool))
        return EDEADLK;
    wq__check(pthread_mutex_lock(&pool->mu));
    while (pool->pending > 0)
        wq__check(pthread_cond_wait(&pool->cv[DONE], &pool->mu));
    wq__check(pthread_mutex_unlock(&pool->mu));
    return 0;
}
