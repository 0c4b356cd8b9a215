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
#include <stdatomic.h>
#include <stdbool.h>
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

void *wq__calloc_lines(size_t n, size_t size) {
    if (wq__fault("calloc") || (size && n > SIZE_MAX / size))
        return NULL;
    void *p;
    size_t bytes = n * size;
    if (posix_memalign(&p, WQ__LINE, bytes > 0 ? bytes : 1) != 0)
        return NULL;
    return memset(p, 0, bytes);
}

#if defined(__linux__) && defined(MAP_ANONYMOUS) && defined(MADV_HUGEPAGE)
/* Mappings kept for reuse, process-wide: a pool's ring that outgrew the
 * heap is put here when it is freed, and the next ring that needs a mapping
 * takes the largest one kept (if it is large enough) instead of faulting in
 * fresh pages.
 *
 * Why: on this project's VMs the host takes back guest memory that stays
 * free for a couple of seconds (virtio-balloon free page reporting, in 8 MiB
 * blocks), and the next fault on such a page waits for the host to supply
 * it: up to 5 ms per 2 MiB page, against 0.1 ms for a page still backed.
 * A pool created per job (1M queued tasks on one worker: a 16 MiB ring)
 * then took 20 to 100 ms instead of 10 in some rounds (issue 16). Memory
 * kept here stays ours, so the host never takes it back.
 *
 * Bounded: at most MAP_CACHE_SLOTS mappings of at most MAP_CACHE_MAX bytes
 * each (64 MiB in all); a larger mapping, or one that finds every slot
 * holding a larger one, is unmapped. Lock-free, so a fork never inherits a
 * held lock: each slot holds a mapping's address (a multiple of
 * WQ__HUGE_PAGE) with log2 of its size (a power of 2) in the low bits, or
 * 0. A thread owns a mapping from the compare-and-swap that empties its
 * slot until one that fills a slot with it. */
#define MAP_CACHE_SLOTS 2
#define MAP_CACHE_MAX ((size_t)32 << 20)
static _Atomic uintptr_t map_cache[MAP_CACHE_SLOTS];

static size_t cached_size(uintptr_t v) {
    return (size_t)1 << (v & (WQ__HUGE_PAGE - 1));
}

static unsigned log2_of(size_t size) {
    unsigned k = 0;
    while (((size_t)1 << k) < size)
        k++;
    return k;
}

/* Takes the largest kept mapping of at least size bytes: its address, and
 * its size in *size; NULL when none is large enough. */
static void *cache_take(size_t *size) {
    for (;;) {
        int best = -1;
        uintptr_t v = 0;
        for (int i = 0; i < MAP_CACHE_SLOTS; i++) {
            uintptr_t c = atomic_load_explicit(&map_cache[i], memory_order_acquire);
            if (c && cached_size(c) >= *size && (!v || cached_size(c) > cached_size(v))) {
                best = i;
                v = c;
            }
        }
        if (best < 0)
            return NULL;
        if (atomic_compare_exchange_strong_explicit(&map_cache[best], &v, 0, memory_order_acquire,
                                                    memory_order_relaxed)) {
            *size = cached_size(v);
            return (void *)(v & ~(uintptr_t)(WQ__HUGE_PAGE - 1));
        }
    }
}

/* Keeps the mapping p of size bytes for reuse, in an empty slot or in place
 * of the smallest kept one smaller than it (which is unmapped); returns
 * false when it is not kept. */
static bool cache_put(void *p, size_t size) {
    if (size > MAP_CACHE_MAX || (size & (size - 1)))
        return false;
    uintptr_t v = (uintptr_t)p | log2_of(size);
    for (int i = 0; i < MAP_CACHE_SLOTS; i++) {
        uintptr_t empty = 0;
        if (atomic_compare_exchange_strong_explicit(&map_cache[i], &empty, v, memory_order_release,
                                                    memory_order_relaxed))
            return true;
    }
    for (;;) { /* a failed exchange means another thread changed a slot */
        int small = -1;
        uintptr_t c = 0;
        for (int i = 0; i < MAP_CACHE_SLOTS; i++) {
            uintptr_t k = atomic_load_explicit(&map_cache[i], memory_order_acquire);
            if (k && cached_size(k) < size && (!c || cached_size(k) < cached_size(c))) {
                small = i;
                c = k;
            }
        }
        if (small < 0)
            return false;
        if (atomic_compare_exchange_strong_explicit(&map_cache[small], &c, v, memory_order_acq_rel,
                                                    memory_order_relaxed)) {
            munmap((void *)(c & ~(uintptr_t)(WQ__HUGE_PAGE - 1)), cached_size(c));
            return true;
        }
    }
}

/* A mapping of *size bytes (a multiple of WQ__HUGE_PAGE) starting on a
 * WQ__HUGE_PAGE boundary: a kept one if one is large enough, else a new
 * one (map one huge page more, then unmap the unaligned head and tail).
 * The advice asks for transparent huge pages; where the kernel gives none
 * it is a no-op, and the pages are the usual ones. */
void *wq__map_huge(size_t *size) {
    if (wq__fault("mmap") || *size > SIZE_MAX - WQ__HUGE_PAGE)
        return NULL;
    void *kept = cache_take(size);
    if (kept)
        return kept;
    char *raw = mmap(NULL, *size + WQ__HUGE_PAGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    size_t lead = (WQ__HUGE_PAGE - (uintptr_t)raw % WQ__HUGE_PAGE) % WQ__HUGE_PAGE;
    if (lead)
        munmap(raw, lead);
    munmap(raw + lead + *size, WQ__HUGE_PAGE - lead);
    madvise(raw + lead, *size, MADV_HUGEPAGE); /* advice only: failure is harmless */
    return raw + lead;
}

void wq__unmap_huge(void *p, size_t size) {
    if (p && !cache_put(p, size))
        munmap(p, size);
}
#else
void *wq__map_huge(size_t *size) {
    return wq__malloc(*size);
}

void wq__unmap_huge(void *p, size_t size) {
    (void)size;
    free(p);
}
#endif
