/*
 * workq: a work-queue engine on pthreads.
 *
 * A wq_pool is a fixed set of worker threads pulling tasks from one FIFO
 * queue. On top of it sit:
 *   - wq_for         call fn(ctx, i) for every i in 0..n-1, in parallel;
 *   - wq_map         apply a kernel to n items, outputs in input order;
 *   - wq_map_reduce  the same, combining outputs with a pluggable reducer in
 *                    a deterministic order;
 *   - wq_async_map   a job that streams each result to a callback as it
 *                    completes, over an array or a lazy item generator, with
 *                    a bounded number of items in flight.
 *
 * Conventions:
 *   - Calls that can fail return 0 or an errno value (as pthreads does), so
 *     strerror() describes them. wq_pool_create returns NULL and sets errno.
 *   - Every call is safe from any thread, including from inside a task,
 *     except where its comment says otherwise.
 *   - Whatever is created has a matching free: wq_pool_create /
 *     wq_pool_destroy, wq_async_map / wq_job_free.
 */
#ifndef WORKQ_WORKQ_H
#define WORKQ_WORKQ_H

#include <stddef.h>

#include <workq/export.h>
#include <workq/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- pool -- */

/* A pool of worker threads. Opaque. */
typedef struct wq_pool wq_pool;

/* Creates a pool of nthreads workers (0 = one per online CPU), and returns
 * once every worker has started, so the process may fork right after.
 * Returns NULL with errno set (ENOMEM, EAGAIN from pthread_create, ...) on
 * failure; nothing is leaked and no thread is left running. */
WQ_EXPORT wq_pool *wq_pool_create(unsigned nthreads);

/* What a bounded pool (wq_pool_opts.max_queued > 0) does with a task
 * submitted while max_queued tasks already wait in its queue. */
typedef enum wq_full_policy {
    /* The submitter waits until a worker takes a task off the queue, then
     * queues its task: every task still runs on a worker, and the queue
     * throttles a producer that outruns the workers. One exception: a
     * thread that is one of this pool's own workers does not wait (it could
     * wait for itself, e.g. on a pool of 1) but runs the task itself, at
     * once, as WQ_FULL_CALLER_RUNS does. The default. */
    WQ_FULL_BLOCK = 0,
    /* The submitter runs the task itself, at once, inside wq_submit, with no
     * lock held (Java's CallerRunsPolicy; libgomp does this for OpenMP tasks
     * once 64 per thread wait). When the queue is full a submit costs a
     * read of one shared word and the call: no lock, no wake-up. */
    WQ_FULL_CALLER_RUNS = 1
} wq_full_policy;

/* Options for wq_pool_create_ex. A NULL pointer means all defaults; so does
 * a zeroed struct. */
typedef struct wq_pool_opts {
    /* The most tasks that wait in the queue at once (queued and not yet
     * claimed by a worker). 0 = unbounded: the queue grows by doubling, as
     * for wq_pool_create. A bounded pool allocates its whole queue at
     * creation (max_queued slots rounded up to a power of two, at least 64,
     * 16 bytes each; a queue over 64 KiB is mapped in whole 2 MiB pages, so
     * a max_queued from 4097 to 131072 takes 2 MiB) and never grows it, so
     * its submits never allocate and never fail with ENOMEM. Besides the
     * queue, each worker holds up to 256 tasks it claimed in one go
     * (started, or stealable by idle workers). */
    size_t max_queued;
    /* What a submit does when the queue is full; ignored when max_queued is
     * 0, but must be one of the wq_full_policy values. */
    wq_full_policy when_full;
} wq_pool_opts;

/* wq_pool_create with options (NULL or a zeroed struct: exactly
 * wq_pool_create(nthreads)). Returns NULL with errno set: EINVAL (when_full
 * is not a wq_full_policy value), ENOMEM (also when max_queued slots cannot
 * be allocated), EAGAIN, ... on failure; nothing is leaked and no thread is
 * left running.
 *
 * A bounded pool keeps memory constant whatever the producer does, and
 * decides who pays when the workers fall behind. The trade-offs:
 *   - A task may run on the thread that submits it (always with
 *     WQ_FULL_CALLER_RUNS, and with WQ_FULL_BLOCK from the pool's own
 *     workers). So a task must not wait for a task that its own submitter
 *     will submit later (the submitter is busy running the first one and
 *     never gets there), and a thread must not submit while it holds a
 *     lock that the task takes (the task would wait for its own thread).
 *     Tasks that submit tasks may nest this way as deep as the submissions
 *     go, on the submitter's stack.
 *   - With WQ_FULL_BLOCK a thread that is not one of the pool's workers
 *     waits for room. If every worker runs a task that waits for a task not
 *     yet queued, and the queue is full, that wait never ends: a task may
 *     wait for a later one only while some worker stays free to drain the
 *     queue (as on an unbounded pool). Two bounded pools whose workers
 *     submit to each other with WQ_FULL_BLOCK can deadlock likewise.
 *   - FIFO order holds among queued tasks; a task run by its submitter
 *     overtakes every task waiting in the queue.
 *   - wq_wait waits for queued and running tasks; a task run by its
 *     submitter is over when its wq_submit returns.
 * Everything built on the pool keeps its guarantees on a bounded pool:
 * wq_for and the maps queue only the helper tasks that fit, never wait for
 * room, and the calling thread does the rest of the work (also with
 * caller_waits, when no helper fits); an async map runs a chunk on the
 * thread that serves the job when the queue is full, and wq_async_map
 * submits its first task under the pool's policy (so with
 * WQ_FULL_CALLER_RUNS, or from a worker, the calling thread may serve the
 * job before wq_async_map returns: the generator and the callbacks, and
 * while the queue stays full the chunks too, up to the whole job);
 * wq_async_resume serves the job on its calling thread when the queue is
 * full. wq_pool_destroy still runs everything queued. */
WQ_EXPORT wq_pool *wq_pool_create_ex(unsigned nthreads, const wq_pool_opts *opts);

/* Runs every task already queued (and any task those tasks submit), then
 * joins the workers and frees the pool. NULL is a no-op. Must not be called
 * from one of the pool's own tasks, nor while another thread still uses the
 * pool. */
WQ_EXPORT void wq_pool_destroy(wq_pool *pool);

/* The number of worker threads. */
WQ_EXPORT unsigned wq_pool_threads(const wq_pool *pool);

/* Queues fn(arg) to run once on a worker, in FIFO order with the other
 * queued tasks. Never allocates per task: the queue is a ring buffer that
 * grows by doubling. Returns 0, EINVAL (NULL pool or fn) or ENOMEM (the ring
 * could not grow; nothing was queued).
 * A task may block waiting for another task, even one queued after it, as
 * long as some other worker is free to run that one: a worker never keeps
 * queued tasks from idle workers.
 * On a bounded pool whose queue is full, the pool's wq_full_policy applies:
 * the call waits for room, or runs fn(arg) on the calling thread before it
 * returns (see wq_pool_create_ex); it never returns ENOMEM. */
WQ_EXPORT int wq_submit(wq_pool *pool, void (*fn)(void *arg), void *arg);

/* Queues n tasks fn(args[0]) .. fn(args[n-1]) under one lock and with at
 * most one wake-up, in that FIFO order. All or nothing: returns 0, EINVAL
 * (NULL pool or fn, or NULL args with n > 0) or ENOMEM (none queued). The
 * args array is copied; the caller keeps it. n == 0 queues nothing.
 * On a bounded pool it is not all or nothing, and it always returns 0 for
 * valid arguments: it queues, in order, as many of the tasks as fit, and
 * when the queue is full it applies the pool's policy to the next task
 * alone (waits for room, or runs it on the calling thread), then goes on
 * queueing from there. Every task runs exactly once, as if submitted one
 * by one with wq_submit, with one lock per run of tasks that fit. */
WQ_EXPORT int wq_submit_many(wq_pool *pool, void (*fn)(void *arg), void *const *args, size_t n);

/* Blocks until every task submitted so far, including tasks submitted by
 * tasks, has finished. Several threads may wait at once. Returns 0, EINVAL
 * for a NULL pool, or EDEADLK when called from one of this pool's own
 * workers (it would wait for itself); it never runs tasks on the caller. */
WQ_EXPORT int wq_wait(wq_pool *pool);

/* ----------------------------------------------------------------- for -- */

/* Calls fn(ctx, i) once for each i in 0..n-1, in parallel on pool, and
 * returns when all calls are over. Indices are grouped in chunks of
 * consecutive i (automatic size, a function of n alone); the calling thread
 * runs chunks too, so wq_for is safe from inside a task of the same pool.
 * fn must be safe to call concurrently.
 * Returns 0 when every call returned 0. When calls fail (return non-zero),
 * no further chunk starts and the rest of a failing chunk is skipped; the
 * value returned is that of the failing call with the lowest i, the same on
 * every run. Also EINVAL (NULL pool or fn) or ENOMEM (nothing was called).
 * Example: wq_for(pool, n, square_one, &data). */
WQ_EXPORT int wq_for(wq_pool *pool, size_t n, int (*fn)(void *ctx, size_t i), void *ctx);

/* Options for wq_for_ex, map and map-reduce. A NULL pointer means all
 * defaults; so does a zeroed struct. */
typedef struct wq_map_opts {
    /* Items per task. 0 = automatic: it depends only on n (never on the
     * thread count), so results are reproducible on any machine. */
    size_t chunk_size;
    /* When a kernel fails, the index of the first failing item is stored
     * here; (size_t)-1 when the error is the engine's (ENOMEM, ...). */
    size_t *fail_index;
    /* Non-zero: the calling thread only waits while the pool's workers do
     * all the work (e.g. so that a pool of N threads computes on exactly N).
     * Called from one of the pool's own workers, the caller helps anyway, as
     * it would otherwise wait for itself. */
    int caller_waits;
} wq_map_opts;

/* wq_for with options (NULL = wq_for): chunk_size, fail_index (the failing
 * i) and caller_waits, as for wq_map. */
WQ_EXPORT int wq_for_ex(wq_pool *pool, size_t n, int (*fn)(void *ctx, size_t i), void *ctx,
                        const wq_map_opts *opts);

/* ------------------------------------------------------------- kernels -- */

/* Computes one output item from one input item. ctx is the caller's pointer,
 * passed through unchanged. Returns 0, or a non-zero error code that the
 * engine reports with the item's index. Must be safe to call concurrently. */
typedef int (*wq_item_fn)(const void *in, void *out, void *ctx);

/* Optional batch form: n consecutive items at once (in and out are arrays of
 * in_size and out_size strides). Returns 0, or an error code with the index
 * (relative to in) of the first failing item stored in *fail. */
typedef int (*wq_batch_fn)(const void *in, void *out, size_t n, void *ctx, size_t *fail);

/* A kernel: a named computation over fixed-size items. */
typedef struct wq_kernel {
    const char *name;  /* registry key: non-empty, unique */
    wq_item_fn fn;     /* required */
    wq_batch_fn batch; /* optional; used by map for whole chunks when set */
    size_t in_size;    /* bytes per input item, > 0 */
    size_t out_size;   /* bytes per output item, > 0 */
    const char *doc;   /* optional one-line description */
} wq_kernel;

/* Adds k to the process-wide registry. The descriptor is not copied: it must
 * outlive every lookup (a static const is usual). Returns 0, EINVAL (NULL or
 * incomplete descriptor), EEXIST (name taken) or ENOMEM. Thread-safe. */
WQ_EXPORT int wq_kernel_register(const wq_kernel *k);

/* The registered kernel called name, or NULL. Thread-safe. */
WQ_EXPORT const wq_kernel *wq_kernel_find(const char *name);

/* ----------------------------------------------------------------- map -- */

/* Applies k->fn (or k->batch) to in[0..n) writing out[0..n), in parallel on
 * pool; the calling thread works too (unless opts->caller_waits), so a map
 * may be called from inside a task without deadlock. Once a kernel fails, no
 * further chunk starts; the call returns the error of the first failing item
 * in input order (its index in *opts->fail_index). Returns 0, a kernel's error, EINVAL or ENOMEM.
 */
WQ_EXPORT int wq_map(wq_pool *pool, const wq_kernel *k, void *ctx, const void *in, void *out,
                     size_t n, const wq_map_opts *opts);

/* ------------------------------------------------------------- reduce -- */

/* A reducer folds kernel outputs into an accumulator of acc_size bytes. */
typedef struct wq_reducer {
    size_t acc_size;
    void (*init)(void *acc);                     /* the identity */
    void (*add)(void *acc, const void *item);    /* fold one output item */
    void (*merge)(void *acc, const void *other); /* acc = acc (+) other */
    /* Optional: the final value from an accumulator (e.g. sum + correction);
     * when NULL the accumulator itself is the result. */
    void (*finish)(const void *acc, void *result);
    size_t result_size; /* bytes written by finish (acc_size when NULL) */
} wq_reducer;

/* Built-in reducers. Their item type is the kernel's output type. */
WQ_EXPORT extern const wq_reducer wq_sum_f64; /* double, Neumaier-compensated;
                                                 acc wq_f64_acc, result double */
WQ_EXPORT extern const wq_reducer wq_sum_i64; /* int64_t, wrapping */
WQ_EXPORT extern const wq_reducer wq_min_f64; /* double; +inf when empty */
WQ_EXPORT extern const wq_reducer wq_max_f64; /* double; -inf when empty */
WQ_EXPORT extern const wq_reducer wq_min_i64; /* int64_t; INT64_MAX when empty */
WQ_EXPORT extern const wq_reducer wq_max_i64; /* int64_t; INT64_MIN when empty */
WQ_EXPORT extern const wq_reducer wq_count;   /* any item; result uint64_t */

/* The accumulator of wq_sum_f64: the value is sum + comp. */
typedef struct wq_f64_acc {
    double sum;
    double comp;
} wq_f64_acc;

/* Adds x to a Neumaier accumulator; merges two. Exposed for callers that
 * combine partial sums themselves (e.g. across MPI ranks). */
WQ_EXPORT void wq_f64_acc_add(wq_f64_acc *acc, double x);
WQ_EXPORT void wq_f64_acc_merge(wq_f64_acc *acc, const wq_f64_acc *other);

/* Maps k over in[0..n) and folds the outputs with r: each chunk folds its
 * items in order into its own accumulator, then the chunk accumulators are
 * merged in chunk order. The same inputs and chunk size therefore give
 * bit-identical results whatever the thread count or scheduling. Writes
 * r->result_size bytes (or r->acc_size without finish) to result. Errors as
 * for wq_map; on error result is left untouched. */
WQ_EXPORT int wq_map_reduce(wq_pool *pool, const wq_kernel *k, void *ctx, const void *in, size_t n,
                            const wq_reducer *r, void *result, const wq_map_opts *opts);

/* ---------------------------------------------------------- async map -- */

/* A running asynchronous map. Opaque. */
typedef struct wq_job wq_job;

/* Produces the next input item into item (in_size bytes). Returns 1 when it
 * stored an item, 0 at the end of the input, WQ_GEN_AGAIN when it has
 * nothing now but may have more later, or a negative errno value to end the
 * job with that error (items already in flight still complete). */
typedef int (*wq_gen_fn)(void *gen_ctx, void *item);

/* A generator's "nothing now" (item untouched): for input that may stall (a
 * pipe, a terminal), so that no thread blocks inside the generator. The job
 * queues the items it already has, delivers every result it can, calls
 * on_idle, and does not call the generator again until wq_async_resume. */
#define WQ_GEN_AGAIN 2

/* Receives one item's outcome: status 0 (done, out is valid), a kernel's
 * error code (failed), or ECANCELED (the job was cancelled before the item
 * ran). index counts items in input order from 0. in is the input item: the
 * callback is the last to see it, so it may free what the item owns. */
typedef void (*wq_result_fn)(void *cb_ctx, size_t index, int status, const void *in,
                             const void *out);

/* Called while the generator waits (after WQ_GEN_AGAIN, before the resume)
 * at the end of each round of deliveries: every result the job could
 * deliver has been given to on_result. The place to fflush(stdout), so that
 * results reach a reader while the input stalls. Serialized with on_result
 * and the generator, like them. */
typedef void (*wq_idle_fn)(void *cb_ctx);

typedef enum wq_order {
    WQ_ORDER_COMPLETION = 0, /* results as they complete */
    WQ_ORDER_INPUT = 1       /* results in input order (reorder window) */
} wq_order;

typedef struct wq_async_spec {
    const wq_kernel *kernel; /* required */
    void *kernel_ctx;
    /* The input: an array in[0..n), or, when gen is set, a generator. */
    const void *in;
    size_t n;
    wq_gen_fn gen;
    void *gen_ctx;
    wq_result_fn on_result; /* required */
    void *cb_ctx;
    wq_order order;
    size_t chunk_size;  /* items per task; 0 = 64 */
    size_t window;      /* most items in flight (taken from the input and not
                           yet reported), rounded down to whole chunks (a
                           window below chunk_size shrinks the chunk);
                           0 = 8 chunks per worker thread */
    wq_idle_fn on_idle; /* optional; see wq_idle_fn */
} wq_async_spec;

/* Starts an asynchronous map and returns at once with *job set.
 *
 * Guarantees: on_result and gen never run concurrently with each other or
 * with themselves (one job at a time calls them, from worker threads; on a
 * bounded pool also from the threads wq_pool_create_ex names), so a
 * callback may write to stdout without locks. At most `window` items are in
 * flight, so memory is constant whatever the input length. Every item taken
 * from the input is reported exactly once: done, failed or cancelled.
 * *job is set before any callback can run, so callbacks may use it (e.g. to
 * cancel). Returns 0, EINVAL or ENOMEM (nothing started, *job untouched). */
WQ_EXPORT int wq_async_map(wq_pool *pool, const wq_async_spec *spec, wq_job **job);

/* Tells a job whose generator returned WQ_GEN_AGAIN that it has input again:
 * the job calls the generator again (on a worker thread; on the calling
 * thread if the pool cannot take a task). Call it after making input
 * available, from any thread, the callbacks and the generator included. A
 * resume that crosses the generator's WQ_GEN_AGAIN is not lost: the
 * generator is asked again. A no-op once the input has ended or the job was
 * cancelled, and harmless when the generator is not waiting. The job must
 * not have been freed. A job whose generator waits is not over: without a
 * resume or a cancel, wq_job_wait waits. */
WQ_EXPORT void wq_async_resume(wq_job *job);

/* Blocks until every item taken from the input has been reported. Returns 0,
 * ECANCELED if the job was cancelled, the generator's error, ENOMEM if the
 * engine could not continue, or EDEADLK from one of the pool's own workers.
 * Kernel failures are reported per item, not here. */
WQ_EXPORT int wq_job_wait(wq_job *job);

/* Asks the job to stop: no further item is taken from the input, items not
 * yet started are reported ECANCELED, running ones finish. Returns at once;
 * safe from any thread and from the callback itself. Idempotent. */
WQ_EXPORT void wq_job_cancel(wq_job *job);

/* Counts so far; consistent with the callbacks already returned. */
typedef struct wq_job_stats {
    size_t taken;     /* items taken from the input */
    size_t done;      /* reported with status 0 */
    size_t failed;    /* reported with a kernel error */
    size_t cancelled; /* reported ECANCELED */
} wq_job_stats;

WQ_EXPORT void wq_job_stats_get(wq_job *job, wq_job_stats *stats);

/* Cancels the job if it still runs, waits for it, and frees it. NULL is a
 * no-op. Must not be called from the job's own callback or generator. */
WQ_EXPORT void wq_job_free(wq_job *job);

#ifdef __cplusplus
}
#endif

#endif /* WORKQ_WORKQ_H */
