/* The pool's lock (engine/src/lock.c) in both of its modes: futex mode (a
 * release-store unlock, made safe by membarrier on the sleeping side) where
 * the kernel has membarrier, and pthread mode, forced here through
 * wq__lock_force_pthread. Each test runs in its own process (Criterion), so
 * forcing a mode in one does not leak into another.
 *
 * Checked: mutual exclusion (an unprotected counter ends exact), that a
 * thread asleep on the lock is woken by the unlock that follows, the
 * condition variables' signal and broadcast, the pool's exactly-once and
 * FIFO guarantees in each mode, and the fault site of pthread mode's
 * creation path. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"
#include "lock.h"

enum { FUTEX_OR_BEST = 0, PTHREAD = 1 };

/* ------------------------------------------------- mutual exclusion -- */

struct shared {
    wq__lock lock;
    wq__cond cv[2];
    unsigned long counter; /* (lock) */
    unsigned rounds;       /* per thread */
    bool yield_inside;     /* hold the lock across sched_yield calls */
    bool ready;            /* (lock) */
    unsigned woken;        /* (lock) */
};

static void *hammer(void *arg) {
    struct shared *s = arg;
    for (unsigned i = 0; i < s->rounds; i++) {
        wq__lock_lock(&s->lock);
        unsigned long c = s->counter;
        if (s->yield_inside && i % 64 == 0)
            sched_yield(); /* others poll, yield, then sleep: the slow paths */
        s->counter = c + 1;
        wq__lock_unlock(&s->lock);
    }
    return NULL;
}

static void exclusion(int mode, bool yield_inside) {
    wq__lock_force_pthread(mode == PTHREAD);
    struct shared s = {.rounds = 20000, .yield_inside = yield_inside};
    cr_assert_eq(wq__lock_init(&s.lock, s.cv, 2), 0);
    if (mode == PTHREAD)
        cr_assert_not(wq__lock_is_futex(&s.lock));
    cr_log_info("%s mode", wq__lock_is_futex(&s.lock) ? "futex" : "pthread");
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, hammer, &s), 0);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    cr_assert_eq(s.counter, 4ul * s.rounds);
    cr_assert_eq(atomic_load(&s.lock.word), 0u);
    cr_assert_eq(atomic_load(&s.lock.waiters), 0u);
    wq__lock_destroy(&s.lock, s.cv, 2);
}

ParameterizedTestParameters(lock, exclusion) {
    static int modes[] = {FUTEX_OR_BEST, PTHREAD};
    return cr_make_param_array(int, modes, 2);
}

ParameterizedTest(int *mode, lock, exclusion, .timeout = 60) {
    exclusion(*mode, false);
}

ParameterizedTestParameters(lock, exclusion_with_sleepers) {
    static int modes[] = {FUTEX_OR_BEST, PTHREAD};
    return cr_make_param_array(int, modes, 2);
}

ParameterizedTest(int *mode, lock, exclusion_with_sleepers, .timeout = 60) {
    exclusion(*mode, true);
}

/* --------------------------------------------------- sleeper woken -- */

static void *take_once(void *arg) {
    struct shared *s = arg;
    wq__lock_lock(&s->lock);
    s->counter++;
    wq__lock_unlock(&s->lock);
    return NULL;
}

/* Where futex mode runs: the main thread holds the lock until the other
 * thread has counted itself as a sleeper (it polls first, then sleeps);
 * the unlock must wake it. In pthread mode the same sequence without the
 * count to wait for. */
Test(lock, unlock_wakes_the_sleeper, .timeout = 60) {
    for (int round = 0; round < 20; round++) {
        struct shared s = {0};
        cr_assert_eq(wq__lock_init(&s.lock, s.cv, 2), 0);
        wq__lock_lock(&s.lock);
        pthread_t t;
        cr_assert_eq(pthread_create(&t, NULL, take_once, &s), 0);
        if (wq__lock_is_futex(&s.lock))
            while (atomic_load(&s.lock.waiters) == 0)
                sched_yield(); /* until it is counted: it sleeps, or is about to */
        wq__lock_unlock(&s.lock);
        cr_assert_eq(pthread_join(t, NULL), 0);
        cr_assert_eq(s.counter, 1ul);
        cr_assert_eq(atomic_load(&s.lock.waiters), 0u, "the waker uncounts the woken thread");
        wq__lock_destroy(&s.lock, s.cv, 2);
    }
}

/* ------------------------------------------------ condition variables -- */

static void *wait_ready(void *arg) {
    struct shared *s = arg;
    wq__lock_lock(&s->lock);
    while (!s->ready)
        wq__cond_wait(&s->cv[1], &s->lock);
    s->woken++;
    wq__cond_signal(&s->cv[0], &s->lock); /* tells main one more woke */
    wq__lock_unlock(&s->lock);
    return NULL;
}

/* Three waiters, each counted in the cv before main sets the predicate:
 * one broadcast wakes all three; then a signal for a single waiter. */
static void conds(int mode) {
    wq__lock_force_pthread(mode == PTHREAD);
    struct shared s = {0};
    cr_assert_eq(wq__lock_init(&s.lock, s.cv, 2), 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, wait_ready, &s), 0);
    wq__lock_lock(&s.lock);
    s.ready = true;
    wq__cond_broadcast(&s.cv[1], &s.lock);
    while (s.woken < 3)
        wq__cond_wait(&s.cv[0], &s.lock);
    wq__lock_unlock(&s.lock);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(pthread_join(t[i], NULL), 0);
    cr_assert_eq(s.woken, 3u);

    s.ready = false;
    cr_assert_eq(pthread_create(&t[0], NULL, wait_ready, &s), 0);
    wq__lock_lock(&s.lock);
    s.ready = true;
    wq__cond_signal(&s.cv[1], &s.lock);
    while (s.woken < 4)
        wq__cond_wait(&s.cv[0], &s.lock);
    wq__lock_unlock(&s.lock);
    cr_assert_eq(pthread_join(t[0], NULL), 0);
    cr_assert_eq(s.cv[1].waiters, 0u);
    wq__lock_destroy(&s.lock, s.cv, 2);
}

ParameterizedTestParameters(lock, signal_and_broadcast) {
    static int modes[] = {FUTEX_OR_BEST, PTHREAD};
    return cr_make_param_array(int, modes, 2);
}

ParameterizedTest(int *mode, lock, signal_and_broadcast, .timeout = 60) {
    conds(*mode);
}

/* ------------------------------------------------------- the pool -- */

enum { NTASKS = 20000 };

struct order {
    atomic_uint ran[NTASKS];
    unsigned seq[NTASKS]; /* order of start with one worker */
    atomic_uint next;
};

static struct order ord;

static void record(void *arg) {
    unsigned i = (unsigned)(uintptr_t)arg;
    atomic_fetch_add(&ord.ran[i], 1);
    ord.seq[atomic_fetch_add(&ord.next, 1)] = i;
}

/* One worker runs the tasks in submission order; three run each once, and
 * wq_wait returns only after the last. */
static void pool_in_mode(int mode) {
    wq__lock_force_pthread(mode == PTHREAD);
    for (unsigned threads = 1; threads <= 3; threads += 2) {
        memset(&ord, 0, sizeof ord);
        wq_pool *p = wq_pool_create(threads);
        cr_assert_not_null(p);
        for (unsigned i = 0; i < NTASKS; i++)
            cr_assert_eq(wq_submit(p, record, (void *)(uintptr_t)i), 0);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(atomic_load(&ord.next), (unsigned)NTASKS);
        for (unsigned i = 0; i < NTASKS; i++) {
            cr_assert_eq(atomic_load(&ord.ran[i]), 1u, "task %u, %u threads", i, threads);
            if (threads == 1)
                cr_assert_eq(ord.seq[i], i);
        }
        wq_pool_destroy(p);
    }
}

ParameterizedTestParameters(lock, pool_exactly_once_fifo) {
    static int modes[] = {FUTEX_OR_BEST, PTHREAD};
    return cr_make_param_array(int, modes, 2);
}

ParameterizedTest(int *mode, lock, pool_exactly_once_fifo, .timeout = 60) {
    pool_in_mode(*mode);
}

/* The lock's fault site ("sync_init": wq__sync_init's in pthread mode, the
 * lock's own in futex mode) and the pool's others: every k fails cleanly. */
ParameterizedTestParameters(lock, pool_create_faults) {
    static int modes[] = {FUTEX_OR_BEST, PTHREAD};
    return cr_make_param_array(int, modes, 2);
}

ParameterizedTest(int *mode, lock, pool_create_faults, .timeout = 60) {
    wq__lock_force_pthread(*mode == PTHREAD);
    cr_assert_geq(pool_create_each_fault(2), 5); /* two allocations, the lock, two threads */
}
