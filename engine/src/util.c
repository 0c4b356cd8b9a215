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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

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

#if defined(__linux__) && defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
/* A mapping of size bytes (a multiple of WQ__HUGE_PAGE) starting on a
 * WQ__HUGE_PAGE boundary: map one huge page more, then unmap the unaligned
 * head and tail. The advice asks for transparent huge pages; where the
 * kernel gives none it is a no-op, and the pages are the usual ones. */
void *wq__map_huge(size_t size) {
    if (wq__fault("mmap") || size > SIZE_MAX - WQ__HUGE_PAGE)
        return NULL;
    char *raw = mmap(NULL, size + WQ__HUGE_PAGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    size_t lead = (WQ__HUGE_PAGE - (uintptr_t)raw % WQ__HUGE_PAGE) % WQ__HUGE_PAGE;
    if (lead)
        munmap(raw, lead);
    munmap(raw + lead + size, WQ__HUGE_PAGE - lead);
    madvise(raw + lead, size, MADV_HUGEPAGE); /* advice only: failure is harmless */
    return raw + lead;
}

void wq__unmap_huge(void *p, size_t size) {
    if (p)
        munmap(p, size);
}
#else
void *wq__map_huge(size_t size) {
    return wq__malloc(size);
}

void wq__unmap_huge(void *p, size_t size) {
    (void)size;
    free(p);
}
#endif
