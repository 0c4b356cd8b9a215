/*
 * Internal helpers shared by the engine's files. Nothing here is exported.
 *
 * wq__check() is for the pthread calls that fail only on a programming
 * error (locking an initialized mutex, signalling a condition variable):
 * it aborts with a message, as libuv does, rather than limp on with broken
 * state. Calls that can fail at run time (init, create, allocation) return
 * errno values instead.
 *
 * In test builds (WQ_TESTING) every allocation and thread creation passes
 * through wq__fault(), which the fault-injection tests use to fail the k-th
 * one. In normal builds it compiles away.
 */
#ifndef WQ_INTERNAL_H
#define WQ_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include <workq/workq.h>

#if defined(__GNUC__) || defined(__clang__)
#define WQ__NORETURN __attribute__((noreturn))
#else
#define WQ__NORETURN
#endif

WQ__NORETURN void wq__die(const char *what, int err, const char *file, int line);

#define wq__check(call)                                                                            \
    do {                                                                                           \
        int wq__err_ = (call);                                                                     \
        if (wq__err_)                                                                              \
            wq__die(#call, wq__err_, __FILE__, __LINE__);                                          \
    } while (0)

#ifdef WQ_TESTING
/* Returns ENOMEM (or EAGAIN for threads) when the armed fault fires. */
int wq__fault(const char *site);
/* Arms the k-th fault site reached from now on to fail (0 disarms);
 * wq__fault_count() is the number of sites reached since arming. */
WQ_EXPORT void wq__fault_arm(unsigned long k);
WQ_EXPORT unsigned long wq__fault_count(void);
#else
#define wq__fault(site) 0
#endif

/* malloc, calloc and realloc, failing on an injected fault in test builds
 * (realloc then leaves p untouched, as a real failure does). */
void *wq__malloc(size_t size);
void *wq__calloc(size_t n, size_t size);
void *wq__realloc(void *p, size_t size);
/* As wq__calloc, on a WQ__LINE boundary (a cache line): for structures
 * whose fields ask for lines of their own (_Alignas(WQ__LINE)), which
 * calloc's 16-byte alignment would leave straddling two. Free with free(). */
#define WQ__LINE 64
void *wq__calloc_lines(size_t n, size_t size);

/* A private mapping of at least *size bytes (a multiple of WQ__HUGE_PAGE),
 * aligned to WQ__HUGE_PAGE and advised for transparent huge pages where the
 * system has them, or NULL; *size is set to its size. On this project's VMs
 * each 4 KiB page fault costs tens of microseconds, so a large buffer filled
 * at once (a backlog in the pool's ring) is much cheaper in 2 MiB pages.
 * Its contents are undefined: a mapping freed earlier is reused (kept
 * process-wide, at most 64 MiB: util.c says why). Elsewhere plain malloc.
 * Free with wq__unmap_huge(p, size), size as set here. */
#define WQ__HUGE_PAGE ((size_t)2 << 20)
void *wq__map_huge(size_t *size);
void wq__unmap_huge(void *p, size_t size);

/* Initializes a mutex and ncv condition variables, or none of them:
 * returns 0 or the errno value of the call that failed. */
int wq__sync_init(pthread_mutex_t *mu, pthread_cond_t *cv, size_t ncv);
/* Destroys what wq__sync_init initialized. */
void wq__sync_destroy(pthread_mutex_t *mu, pthread_cond_t *cv, size_t ncv);

/* Submits for the engine's own callers (map, async), which have a way to
 * do the work themselves and may hold locks a task takes: they never apply
 * a bounded pool's policy (never run the task, never wait for room).
 * wq__submit_try queues fn(arg) or returns EAGAIN (a bounded pool's queue is
 * full), ENOMEM or EINVAL, as wq_submit. wq__submit_some queues the first k
 * of the n tasks that fit, in order, and returns k: n or 0 on an unbounded
 * pool (0 when the ring cannot grow), up to the free room on a bounded one. */
int wq__submit_try(wq_pool *pool, void (*fn)(void *arg), void *arg);
size_t wq__submit_some(wq_pool *pool, void (*fn)(void *arg), void *const *args, size_t n);

/* Non-zero when the calling thread is one of pool's workers. */
int wq__on_worker_of(const wq_pool *pool);

/* x rounded up to the alignment of max_align_t: the engine carves several
 * arrays out of one allocation, each starting at such a boundary. */
static inline size_t wq__align_up(size_t x) {
    size_t a = _Alignof(max_align_t);
    return (x + a - 1) / a * a;
}

#endif
