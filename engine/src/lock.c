/*
 * The slow paths of wq__lock and wq__cond (lock.h states what they
 * guarantee and why the release-store unlock is safe): spinning, sleeping on
 * a futex, waking, and the choice between futex and pthread mode.
 *
 * Locking: a wq__lock's word is changed by compare-and-swap to take it and
 * by its holder's store to release it; waiters by atomic adds of the threads
 * that may sleep on word. A wq__cond's seq and waiters change only under its
 * lock.
 */
#define _GNU_SOURCE /* syscall */
#include "lock.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif
#if defined(__linux__) && defined(SYS_futex) && defined(SYS_membarrier)
#define HAVE_FUTEX_MODE 1
#else
#define HAVE_FUTEX_MODE 0
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* Polls of a held lock's word, a pause apart, before the caller yields:
 * 5 to 10 us here (a pause takes 25 to 50 ns on these VMs), longer than
 * the pool's longest critical section (a claim copies at most 256 tasks out
 * of lines the submitter wrote). */
#define LOCK_SPINS 200
/* Then yields of its core, each followed by a poll: the holder may be a
 * thread waiting for a core (more threads than cores), and sleeping costs a
 * membarrier, an interrupt to every other core (tens of microseconds on
 * these VMs when several threads sleep and wake in turn). */
#define LOCK_YIELDS 16
/* Pauses an unlock waits, at most, for a polling thread to take the lock. */
#define HANDOFF_PAUSES 4

#ifdef WQ_TESTING
static atomic_int force_pthread;

void wq__lock_force_pthread(int on) {
    atomic_store(&force_pthread, on);
}

int wq__lock_is_futex(const wq__lock *l) {
    return l->futex;
}
#endif

#if HAVE_FUTEX_MODE
/* futex(2) on a 32-bit word of this process. Errors (EAGAIN: the word
 * changed, EINTR) are returns to the caller's loop. */
static long futex(atomic_uint *word, int op, unsigned val) {
    return syscall(SYS_futex, (unsigned *)word, op, val, NULL, NULL, 0);
}

/* Whether futex mode can run here: membarrier's private expedited command
 * exists and this process is registered for it (registering again is
 * harmless, and a forked child that creates a pool registers itself). */
static bool futex_mode_ok(void) {
#ifdef WQ_TESTING
    if (atomic_load(&force_pthread))
        return false;
#endif
    if (RUNNING_ON_VALGRIND)
        return false;
    long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED))
        return false;
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}

void wq__lock_fence_all(const wq__lock *l) {
    if (l->futex && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
        wq__die("membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)", errno, __FILE__, __LINE__);
}

/* Counts the calling thread among those that may sleep on l's word, then
 * makes every unlock from here on see the count, or makes the calling
 * thread see that unlock's store (lock.h). */
static void count_waiter(wq__lock *l) {
    atomic_fetch_add_explicit(&l->waiters, 1, memory_order_seq_cst);
    wq__lock_fence_all(l);
}

static bool try_take(wq__lock *l) {
    unsigned free_ = 0;
    return atomic_compare_exchange_strong_explicit(&l->word, &free_, 1, memory_order_acquire,
                                                   memory_order_relaxed);
}

/* A thread counted in waiters stays counted until it takes the lock, or
 * until an unlock wakes it: the waker uncounts it (wq__lock_contended), so the
 * unlocks that follow do not make a system call each while the woken
 * thread waits for a core. A futex_wait that returns 0 was ended by such a
 * wake (a signal or a changed word returns -1); then the thread counts
 * itself again before it sleeps again. */
void wq__lock_slow(wq__lock *l) {
    for (unsigned i = 0; i < LOCK_SPINS + LOCK_YIELDS; i++) {
        if (atomic_load_explicit(&l->word, memory_order_relaxed) == 0) {
            if (try_take(l))
                return;
        } else if (!atomic_load_explicit(&l->want, memory_order_relaxed)) {
            atomic_store_explicit(&l->want, 1, memory_order_relaxed);
        }
        if (i < LOCK_SPINS)
            wq__cpu_relax();
        else
            sched_yield();
    }
    bool counted = false;
    for (;;) {
        if (!counted) {
            count_waiter(l);
            counted = true;
        }
        if (try_take(l))
            break;
        if (futex(&l->word, FUTEX_WAIT_PRIVATE, 1) == 0) /* sleeps only while word is 1 */
            counted = false;
    }
    if (counted)
        atomic_fetch_sub_explicit(&l->waiters, 1, memory_order_relaxed);
}

/* After an unlock that found others waiting: wakes one sleeper, if any,
 * and uncounts it; else, when a thread polls the word, leaves it a few
 * pauses to take the lock, once per request. A thread that submits in a
 * loop takes the lock again a few nanoseconds after it released it, which a
 * worker polling every pause (25 to 50 ns here) would rarely see: it would
 * sleep, and the queue would grow meanwhile. want is cleared here, so a
 * poller that lost its core costs this thread one wait, not one per
 * unlock. */
void wq__lock_contended(wq__lock *l) {
    if (atomic_load_explicit(&l->waiters, memory_order_relaxed)) {
        if (futex(&l->word, FUTEX_WAKE_PRIVATE, 1) > 0)
            atomic_fetch_sub_explicit(&l->waiters, 1, memory_order_relaxed);
        return;
    }
    for (unsigned i = 0; i < HANDOFF_PAUSES; i++) {
        if (atomic_load_explicit(&l->word, memory_order_relaxed))
            break;
        wq__cpu_relax();
    }
    atomic_store_explicit(&l->want, 0, memory_order_relaxed);
}

void wq__cond_wait(wq__cond *c, wq__lock *l) {
    if (!l->futex) {
        wq__check(pthread_cond_wait(&c->pc, &l->pm));
        return;
    }
    /* seq is read and waiters counted under the lock, and every signal
     * bumps seq under it: a signal after the unlock changes seq, and the
     * futex then does not sleep. */
    unsigned seq = atomic_load_explicit(&c->seq, memory_order_relaxed);
    c->waiters++;
    wq__lock_unlock(l);
    futex(&c->seq, FUTEX_WAIT_PRIVATE, seq);
    wq__lock_lock(l);
    c->waiters--;
}

void wq__cond_wake(wq__cond *c, wq__lock *l, int n) {
    (void)l;
    atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
    futex(&c->seq, FUTEX_WAKE_PRIVATE, n < 0 ? INT_MAX : (unsigned)n);
}
#else
static bool futex_mode_ok(void) {
    return false;
}

void wq__lock_fence_all(const wq__lock *l) {
    (void)l;
}

/* Never called: l->futex is always false here. */
void wq__lock_slow(wq__lock *l) {
    wq__check(pthread_mutex_lock(&l->pm));
}

void wq__lock_contended(wq__lock *l) {
    (void)l;
}

void wq__cond_wait(wq__cond *c, wq__lock *l) {
    wq__check(pthread_cond_wait(&c->pc, &l->pm));
}

void wq__cond_wake(wq__cond *c, wq__lock *l, int n) {
    (void)l;
    if (n == 1)
        wq__check(pthread_cond_signal(&c->pc));
    else
        wq__check(pthread_cond_broadcast(&c->pc));
}
#endif

int wq__lock_init(wq__lock *l, wq__cond *cv, size_t ncv) {
    atomic_init(&l->word, 0);
    atomic_init(&l->waiters, 0);
    atomic_init(&l->want, 0);
    for (size_t i = 0; i < ncv; i++) {
        atomic_init(&cv[i].seq, 0);
        cv[i].waiters = 0;
    }
    l->futex = futex_mode_ok();
    if (l->futex)
        return wq__fault("sync_init");
    int err = wq__sync_init(&l->pm, NULL, 0);
    for (size_t i = 0; !err && i < ncv; i++) {
        err = pthread_cond_init(&cv[i].pc, NULL);
        if (err) {
            while (i-- > 0)
                pthread_cond_destroy(&cv[i].pc);
            wq__sync_destroy(&l->pm, NULL, 0);
        }
    }
    return err;
}

void wq__lock_destroy(wq__lock *l, wq__cond *cv, size_t ncv) {
    if (l->futex)
        return;
    for (size_t i = 0; i < ncv; i++)
        pthread_cond_destroy(&cv[i].pc);
    wq__sync_destroy(&l->pm, NULL, 0);
}
