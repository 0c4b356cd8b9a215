/*
 * bench_submit: the floor of one submit, in ns per task, against the cost of
 * an OpenMP task that libgomp runs inline on its producer (its throttle:
 * GOMP_task runs a task at once while more than 64 per thread wait, the
 * same undeferred path as `task if(0)`).
 *
 * Each line is the median (and min, max) of ROUNDS alternating rounds of N
 * operations, timed on the producing thread only:
 *   wq_submit, no consumer     the pool's one worker is held in a gate task,
 *                              the ring already grown (a warm-up fill)
 *   wq_submit, one consumer    a pool of 1 worker that runs the tasks
 *   wq_submit, two consumers   a pool of 2 workers (bench_engine's case)
 *   drain, 1 or 2 workers      the consumers' side: N tasks queued while
 *                              every worker is held, then the time from
 *                              the gate's opening to wq_wait's return
 *   CAS + store lock/unlock    a bare compare-and-swap lock and release
 *                              store, nothing else (the locked instruction)
 *   release-store publish      a slot written and a tail stored with release
 *                              order, no consumer: a single-producer ring's
 *                              publish, with no locked instruction
 *   OpenMP task if(0)          libgomp's inline task, 2 threads in the team
 *   OpenMP deferred tasks      bench_engine's OpenMP round (2 threads)
 * Usage: bench_submit [N [ROUNDS]]
 */
#define _POSIX_C_SOURCE 200809L
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/workq.h>

#include "bench_util.h"

static _Thread_local size_t tl_ran;

static void empty_task(void *arg) {
    (void)arg;
    tl_ran++;
}

static void submit_or_die(wq_pool *p) {
    if (wq_submit(p, empty_task, NULL) != 0)
        exit(1);
}

/* A task that holds its worker until the gate opens. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void gate_task(void *arg) {
    (void)arg;
    pthread_mutex_lock(&gate_mu);
    while (!gate_open)
        pthread_cond_wait(&gate_cv, &gate_mu);
    pthread_mutex_unlock(&gate_mu);
}

static void gate_set(int open) {
    pthread_mutex_lock(&gate_mu);
    gate_open = open;
    pthread_cond_broadcast(&gate_cv);
    pthread_mutex_unlock(&gate_mu);
}

/* Submits n tasks while the only worker waits in a gate task: returns the
 * seconds of the submit loop. */
static double held_fill(wq_pool *p, size_t n) {
    gate_set(0);
    if (wq_submit(p, gate_task, NULL) != 0)
        exit(1);
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++)
        submit_or_die(p);
    double t = bench_now() - t0;
    gate_set(1);
    wq_wait(p);
    return t;
}

static wq_pool *held_pool, *held_pool2;

/* Queues n tasks while every worker of p (threads of them) waits in a gate
 * task, then opens the gate: returns the seconds from the opening until
 * wq_wait returns (the consumers' side alone). */
static double held_drain(wq_pool *p, unsigned threads, size_t n) {
    gate_set(0);
    for (unsigned i = 0; i < threads; i++)
        if (wq_submit(p, gate_task, NULL) != 0)
            exit(1);
    for (size_t i = 0; i < n; i++)
        submit_or_die(p);
    double t0 = bench_now();
    gate_set(1);
    wq_wait(p);
    return bench_now() - t0;
}

static double run_drain1(size_t n) {
    return held_drain(held_pool, 1, n);
}

static double run_drain2(size_t n) {
    return held_drain(held_pool2, 2, n);
}

static double run_no_consumer(size_t n) {
    return held_fill(held_pool, n);
}

static double run_consumers(unsigned threads, size_t n) {
    wq_pool *p = wq_pool_create(threads);
    if (!p)
        exit(1);
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++)
        submit_or_die(p);
    double t = bench_now() - t0;
    wq_wait(p);
    wq_pool_destroy(p);
    return t;
}

static double run_one_consumer(size_t n) {
    return run_consumers(1, n);
}

static double run_two_consumers(size_t n) {
    return run_consumers(2, n);
}

static atomic_uint bare_word;

static double run_bare_lock(size_t n) {
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        unsigned z = 0;
        while (!atomic_compare_exchange_strong_explicit(&bare_word, &z, 1, memory_order_acquire,
                                                        memory_order_relaxed))
            z = 0;
        atomic_store_explicit(&bare_word, 0, memory_order_release);
    }
    return bench_now() - t0;
}

struct slot {
    void (*fn)(void *);
    void *arg;
};
static struct slot *ring;
static atomic_size_t ring_tail;

static double run_release_publish(size_t n) {
    double t0 = bench_now();
    for (size_t i = 0; i < n; i++) {
        size_t t = atomic_load_explicit(&ring_tail, memory_order_relaxed);
        ring[t & (n - 1)] = (struct slot){empty_task, NULL};
        atomic_store_explicit(&ring_tail, t + 1, memory_order_release);
    }
    return bench_now() - t0;
}

static void omp_empty(void) {
    tl_ran++;
}

/* n empty OpenMP tasks from one producer of a team of 2, timed to the end
 * of a taskwait: deferred, or undeferred (task if(0), the path libgomp's
 * throttle takes, where the producer runs each task itself). */
static double run_omp(size_t n, bool deferred) {
    double t = 0;
#pragma omp parallel num_threads(2)
#pragma omp single
    {
        double t0 = bench_now();
        for (size_t i = 0; i < n; i++) {
#pragma omp task if (deferred)
            omp_empty();
        }
#pragma omp taskwait
        t = bench_now() - t0;
    }
    return t;
}

static double run_omp_inline(size_t n) {
    return run_omp(n, false);
}

static double run_omp_deferred(size_t n) {
    return run_omp(n, true);
}

typedef struct contender {
    const char *label;
    double (*run)(size_t n);
} contender;

static const contender contenders[] = {
    {"wq_submit, no consumer (worker held, ring grown)", run_no_consumer},
    {"wq_submit, one consumer (pool of 1)", run_one_consumer},
    {"wq_submit, two consumers (pool of 2)", run_two_consumers},
    {"drain of queued tasks, 1 worker (wall / task)", run_drain1},
    {"drain of queued tasks, 2 workers (wall / task)", run_drain2},
    {"CAS + release-store lock/unlock, bare", run_bare_lock},
    {"release-store publish, no consumer", run_release_publish},
    {"OpenMP task if(0) (libgomp's inline path), 2 threads", run_omp_inline},
    {"OpenMP deferred tasks + taskwait, 2 threads (whole round)", run_omp_deferred},
};
enum { NC = sizeof contenders / sizeof *contenders };

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1u << 20;
    int rounds = argc > 2 ? atoi(argv[2]) : 11;
    if (n == 0 || (n & (n - 1)) || rounds < 1) {
        fprintf(stderr, "usage: bench_submit [N (a power of 2) [ROUNDS]]\n");
        return 2;
    }
    ring = calloc(n, sizeof *ring);
    double *t[NC];
    for (int c = 0; c < NC; c++)
        if (!(t[c] = malloc(rounds * sizeof *t[c])))
            return 1;
    held_pool = wq_pool_create(1);
    held_pool2 = wq_pool_create(2);
    if (!ring || !held_pool || !held_pool2)
        return 1;
    for (int c = 0; c < NC; c++) /* warm-up: grows the held pool's ring */
        contenders[c].run(n);
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < NC; k++) {
            int c = r % 2 ? NC - 1 - k : k;
            t[c][r] = contenders[c].run(n);
        }
    bench_print_cpu();
    printf("\n| %zu operations, %d alternating rounds | min ns/task | median ns/task | max "
           "ns/task |\n|---|---|---|---|\n",
           n, rounds);
    for (int c = 0; c < NC; c++) {
        bench_spread s = bench_spread_of(t[c], (size_t)rounds);
        printf("| %s | %.2f | %.2f | %.2f |\n", contenders[c].label, 1e9 * s.min / n,
               1e9 * s.median / n, 1e9 * s.max / n);
    }
    wq_pool_destroy(held_pool);
    wq_pool_destroy(held_pool2);
    free(ring);
    for (int c = 0; c < NC; c++)
        free(t[c]);
    return 0;
}
