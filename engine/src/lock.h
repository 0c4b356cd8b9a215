/*
 * wq__lock and wq__cond: the pool's mutex and condition variables, with an
 * uncontended lock + unlock that costs one atomic read-modify-write instead
 * of glibc's two.
 *
 * Guarantees:
 *   - Mutual exclusion, acquire on lock and release on unlock, as a pthread
 *     mutex: the data a lock protects needs nothing else.
 *   - No lost wake-up: a thread asleep in wq__lock_lock is woken by the
 *     unlock that follows its going to sleep. A wq__cond is a condition
 *     variable for one wq__lock; it is signalled with that lock held (the
 *     pool's rule), and a wait may return spuriously, so every wait sits in
 *     a loop on its predicate.
 *   - Uncontended, lock is a compare-and-swap and unlock a release store and
 *     a read. glibc's unlock is an exchange, to learn whether anyone sleeps:
 *     on this project's VMs each locked instruction costs about 9 ns, as
 *     much as the rest of wq_submit (1e7 lock + unlock pairs, one thread:
 *     about 20 ns a pair with glibc, 10 ns with a release-store unlock).
 *   - Fair enough for the pool: a worker that wants the lock gets it between
 *     two submits of a submitter in a loop (see want).
 *
 * Why a release store can unlock (Dekker's pattern with an asymmetric
 * fence): unlock stores 0 to word, then reads waiters with no fence between,
 * so the CPU may read waiters before its store is visible to others. A
 * thread about to sleep first counts itself in waiters (an atomic add, a
 * full fence), then calls membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED),
 * which makes every running thread of the process execute a full fence,
 * then reads word (in futex_wait's check). So either the unlock's read sees
 * the count and wakes a sleeper, or the unlock's store was visible before
 * membarrier returned and the would-be sleeper finds the lock free. A holder
 * that took the lock after the count sees it: its compare-and-swap is a full
 * fence. The waker uncounts the thread it woke, which counts itself again
 * (and calls membarrier again) before it sleeps again.
 *
 * The slow path: a thread that finds the lock held polls it (LOCK_SPINS
 * pauses, then LOCK_YIELDS yields of its core), and only then counts itself
 * and sleeps. While it polls it sets want, and the next unlock waits a few
 * pauses for it to take the lock (a submitter in a loop would take the lock
 * again before a poller could see it free), then clears want.
 *
 * Where the kernel lacks membarrier's private expedited command (before
 * Linux 4.14, or a seccomp filter), or under valgrind (its race detectors
 * follow pthread locks only), a wq__lock is a pthread mutex and a wq__cond a
 * pthread condition variable. wq__lock_init chooses once per lock.
 */
#ifndef WQ_LOCK_H
#define WQ_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

typedef struct wq__lock {
    atomic_uint word;    /* 1 while held (futex mode) */
    atomic_uint waiters; /* threads that may sleep on word, less those an
                            unlock woke (futex mode) */
    atomic_uint want;    /* set by a thread polling word, cleared by the
                            unlock that let it try (futex mode) */
    bool futex;          /* futex mode; else pm (immutable after init) */
    pthread_mutex_t pm;  /* the lock in pthread mode */
} wq__lock;

typedef struct wq__cond {
    atomic_uint seq;   /* bumped by each signal (futex mode; written under
                          the lock) */
    unsigned waiters;  /* threads in wq__cond_wait (under the lock) */
    pthread_cond_t pc; /* pthread mode */
} wq__cond;

/* One pause of a spinning thread: tells the CPU that this is a poll loop,
 * so that it yields the core's resources to a sibling hyperthread. */
static inline void wq__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Initializes a lock and ncv condition variables for it, or none: returns
 * 0 or an errno value (pthread mode only can fail; fault site
 * "sync_init"). */
int wq__lock_init(wq__lock *l, wq__cond *cv, size_t ncv);
/* Destroys what wq__lock_init initialized; nobody may hold or wait. */
void wq__lock_destroy(wq__lock *l, wq__cond *cv, size_t ncv);

/* Makes every running thread of the process execute a full memory fence
 * (membarrier) before it returns: the heavy side of an asymmetric Dekker
 * pattern whose light side is a plain store then a plain load. Futex mode
 * only; a no-op in pthread mode (whose callers do not rely on it). */
void wq__lock_fence_all(const wq__lock *l);

/* The slow paths, out of line. */
void wq__lock_slow(wq__lock *l);
void wq__lock_contended(wq__lock *l);
void wq__cond_wake(wq__cond *c, wq__lock *l, int n);

static inline void wq__lock_lock(wq__lock *l) {
    if (!l->futex) {
        wq__check(pthread_mutex_lock(&l->pm));
        return;
    }
    unsigned free_ = 0;
    if (!atomic_compare_exchange_strong_explicit(&l->word, &free_, 1, memory_order_acquire,
                                                 memory_order_relaxed))
        wq__lock_slow(l);
}

static inline void wq__lock_unlock(wq__lock *l) {
    if (!l->futex) {
        wq__check(pthread_mutex_unlock(&l->pm));
        return;
    }
    atomic_store_explicit(&l->word, 0, memory_order_release);
    /* Keeps the compiler from reading waiters before the store; the CPU may
     * still, which is what the waiter's membarrier answers (see above). */
    atomic_signal_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&l->waiters, memory_order_relaxed) |
        atomic_load_explicit(&l->want, memory_order_relaxed))
        wq__lock_contended(l);
}

/* Waits on c: releases l, sleeps until a signal (or spuriously), takes l
 * again. Called with l held. */
void wq__cond_wait(wq__cond *c, wq__lock *l);

/* Wakes one waiter of c, or all. Called with l held. Free when nobody
 * waits: no system call. */
static inline void wq__cond_signal(wq__cond *c, wq__lock *l) {
    if (!l->futex)
        wq__check(pthread_cond_signal(&c->pc));
    else if (c->waiters)
        wq__cond_wake(c, l, 1);
}

static inline void wq__cond_broadcast(wq__cond *c, wq__lock *l) {
    if (!l->futex)
        wq__check(pthread_cond_broadcast(&c->pc));
    else if (c->waiters)
        wq__cond_wake(c, l, -1);
}

#ifdef WQ_TESTING
/* Test builds: 1 makes every wq__lock initialized from now on use pthread
 * mode, 0 lets wq__lock_init choose. Returns whether l is in futex mode. */
WQ_EXPORT void wq__lock_force_pthread(int on);
WQ_EXPORT int wq__lock_is_futex(const wq__lock *l);
#endif

#endif
