/*
 * The computation behind pi: the Leibniz partial sum over [0, intervals),
 * split into chunks, run on a workq pool.
 *
 * Guarantees:
 *   - Determinism: the result depends only on (kernel, intervals, chunks),
 *     never on the pool's size nor on the path (map-reduce or async job).
 *     Chunk k is [k*b + min(k, r), ...) with b = intervals / chunks and
 *     r = intervals % chunks; every chunk is cut into the same number of
 *     pieces of at most PI_PIECE_TERMS terms; a chunk's value is the
 *     Neumaier sum of its pieces in order; the chunk values are combined in
 *     chunk order with the wq_sum_f64 reducer.
 *   - Interruption: a SIGINT or SIGTERM (apps/common/stop.h) makes the running
 *     computation return EINTR within about one piece's time per worker.
 *   - Exactly the pool's threads compute: the caller only waits.
 */
#ifndef PI_COMPUTE_H
#define PI_COMPUTE_H

#include <stdbool.h>
#include <stdint.h>

#include <workq/kernels.h>
#include <workq/workq.h>

/* The most terms one kernel call sums: bounds the latency of a stop request
 * (a few milliseconds even for the lesson's kernel). Changing it changes the
 * last bits of results. */
#define PI_PIECE_TERMS (UINT64_C(1) << 22)

/* Called after each piece with the terms summed so far; serialized. */
typedef void (*pi_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct pi_plan {
    const wq_kernel *kernel; /* in wq_range, out double: "leibniz" or "leibniz-lesson" */
    uint64_t intervals;      /* 1..WQ_LEIBNIZ_MAX */
    uint64_t chunks;         /* 1..intervals */
    bool async;              /* stream partial sums through wq_async_map */
    pi_progress_fn progress; /* async only; may be NULL */
    void *progress_ctx;
} pi_plan;

/* Computes the partial sum into *result. Returns 0, EINTR (stopped by
 * pi_request_stop), EINVAL (bad plan) or an error from the engine. */
int pi_compute(wq_pool *pool, const pi_plan *plan, double *result);

#ifdef WORKQ_WITH_MPI
/* The values of chunks [first, first + count) of the plan, values[k] for
 * chunk first + k, each bit-identical to the chunk value pi_compute folds
 * (for the MPI build: every rank computes its own block of chunks). Runs on
 * the pool's threads only. Returns 0, EINTR, EINVAL or an engine error. */
int pi_compute_chunks(wq_pool *pool, const pi_plan *plan, uint64_t first, uint64_t count,
                      double *values);
#endif

/* Whether a stop was asked for (common/stop.h). Async-signal-safe. */
bool pi_stop_requested(void);

#endif /* PI_COMPUTE_H */
