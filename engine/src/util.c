/*
 * Allocation, fatal errors and the test-only fault injector.
 *
 * The injector counts every fault site reached (allocations, thread
 * creations) across all threads with one atomic counter, and fails exactly
 * the k-th one after wq__fault_arm(k): tests loop k = 1, 2, ... until an
 * operation completes without reaching k sites, so every site is failed once.
 */
#define _GNU_SOURCE /* PTHREAD_MUTEX_ADAPTIVE_NP, where glibc has it */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wq__die(const char *what, int err, const char *file, int line) {
    fprintf(stderr, "workq: %s:%d: %s failed: %s\n", file, line, what, strerror(err));
    abort();
}

#ifdef WQ_TESTING
#include <stdatomic.h>

static atomic_ulong fault_target; /* 0 = disarmed */
static atomic_ulong fault_seen;

void wq__fault_arm(unsigned long k) {
    atomic_store(&fault_seen, 0);
    atomic_store(&fault_target, k);
}

unsigned long wq__fault_count(void) {
    return atomic_load(&fault_seen);
}

int wq__fault(const char *site) {
    unsigned long target = atomic_load(&fault_target);
    if (target == 0)
        return 0;
    if (atomic_fetch_add(&fault_seen, 1) + 1 != target)
        return 0;
    return strcmp(site, "pthread_create") == 0 ? EAGAIN : ENOMEM;
}
#endif

/* Initializes mu as an adaptive mutex where glibc offers one: it spins
 * briefly before sleeping. Every critical section of the engine is a few
 * dozen instructions, so a contended lock is usually free again within the
 * spin, and the submitter and a worker no longer meet in the kernel: on one
 * worker this alone takes empty-task throughput from about 8M to 28M tasks
 * per second here. Elsewhere, the default mutex. */
static int mutex_init(pthread_mutex_t *mu) {
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    pthread_mutexattr_t attr;
    int err = pthread_mutexattr_init(&attr);
    if (err)
        return err;
    if (pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP) == 0)
        err = pthread_mutex_init(mu, &attr);
    else /* the type is unknown here: the default mutex */
        err = pthread_mutex_init(mu, NULL);
    pthread_mutexattr_destroy(&attr);
    return err;
#else
    return pthread_mutex_init(mu, NULL);
#endif
}

int wq__sync_init(pthread_mutex_t *mu, pthread_cond_t *cv, size_t ncv) {
    int err = wq__fault("sync_init");
    if (!err)
        err = mutex_init(mu);
    for (size_t i = 0; !err && i < ncv; i++) {
        err = pthread_cond_init(&cv[i], NULL);
        if (err) {
            while (i-- > 0)
                pthread_cond_destroy(&cv[i]);
            pthread_mutex_destroy(mu);
        }
    }
    return err;
}

void wq__sync_destroy(pthread_mutex_t *mu, pthread_cond_t *cv, size_t ncv) {
    for (size_t i = 0; i < ncv; i++)
        pthread_cond_destroy(&cv[i]);
    pthread_mutex_destroy(mu);
}

void *wq__malloc(size_t size) {
    return wq__fault("malloc") ? NULL : malloc(size);
}

void *wq__realloc(void *p, size_t size) {
    return wq__fault("realloc") ? NULL : realloc(p, size);
}

void *wq__calloc(size_t n, size_t size) {
    return wq__fault("calloc") ? NULL : calloc(n, size);
}
