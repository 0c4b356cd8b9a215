/*
 * The computation behind pi (see compute.h for the guarantees).
 *
 * Two paths give bit-identical results:
 *   - synchronous: wq_map_reduce over the chunk ranges with one chunk per
 *     task, each task folding its pieces (chunk_kernel), reduced with
 *     wq_sum_f64 in chunk order;
 *   - asynchronous: wq_async_map over the pieces, one piece per task (a
 *     generator, so memory is constant: a chunk of 2^40 terms is 2^18
 *     pieces, never all in flight), results in input order; the callback
 *     folds the pieces of a chunk exactly as chunk_kernel does, then folds
 *     the chunk values with wq_sum_f64's own init/add/merge/finish, exactly
 *     as map-reduce does.
 * Both run only on the pool's threads (the synchronous path through
 * wq_map_opts.caller_waits), so --workers N means N computing threads.
 *
 * Stop requests: a lock-free atomic flag (so a signal handler may set it and
 * any thread may read it) checked before every piece; a set flag makes the
 * kernel wrappers fail with EINTR and the generator end with -EINTR.
 */
#define _POSIX_C_SOURCE 200809L

#include "compute.h"

#include "common/stop.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

bool pi_stop_requested(void) {
    return app_stop_requested();
}

/* ----------------------------------------------------------- geometry -- */

/* How [0, intervals) is cut: chunks of base or base + 1 terms (the first
 * rem ones are longer), each cut into `pieces` balanced pieces. */
typedef struct pi_layout {
    const wq_kernel *kernel;
    uint64_t chunks, base, rem, pieces;
} pi_layout;

static pi_layout layout_of(const pi_plan *plan) {
    pi_layout l = {.kernel = plan->kernel, .chunks = plan->chunks};
    l.base = plan->intervals / plan->chunks;
    l.rem = plan->intervals % plan->chunks;
    uint64_t longest = l.base + (l.rem > 0);
    l.pieces = longest / PI_PIECE_TERMS + (longest % PI_PIECE_TERMS != 0);
    return l;
}

/* The k-th of `count` balanced parts of [start, start + len). */
static wq_range split(uint64_t start, uint64_t len, uint64_t count, uint64_t k) {
    uint64_t base = len / count, rem = len % count;
    uint64_t s = start + k * base + (k < rem ? k : rem);
    return (wq_range){s, s + base + (k < rem)};
}

static wq_range chunk_range(const pi_layout *l, uint64_t k) {
    return split(0, l->base * l->chunks + l->rem, l->chunks, k);
}

static wq_range piece_range(const pi_layout *l, wq_range chunk, uint64_t j) {
    return split(chunk.start, chunk.end - chunk.start, l->pieces, j);
}

/* ----------------------------------------------------------- kernels -- */

/* One piece through the user's kernel, unless a stop was requested. */
static int run_piece(const wq_kernel *k, const wq_range *piece, double *out) {
    if (pi_stop_requested())
        return EINTR;
    return k->fn(piece, out, NULL);
}

/* A chunk's value: the Neumaier sum of its pieces, in order. */
static int chunk_fn(const void *in, void *out, void *ctx) {
    const pi_layout *l = ctx;
    wq_range chunk;
    memcpy(&chunk, in, sizeof chunk);
    wq_f64_acc acc = {0.0, 0.0};
    for (uint64_t j = 0; j < l->pieces; j++) {
        wq_range piece = piece_range(l, chunk, j);
        double v;
        int rc = run_piece(l->kernel, &piece, &v);
        if (rc != 0)
            return rc;
        wq_f64_acc_add(&acc, v);
    }
    double v = acc.sum + acc.comp;
    memcpy(out, &v, sizeof v);
    return 0;
}

static int piece_fn(const void *in, void *out, void *ctx) {
    const pi_layout *l = ctx;
    wq_range piece;
    double v;
    memcpy(&piece, in, sizeof piece);
    int rc = run_piece(l->kernel, &piece, &v);
    if (rc == 0)
        memcpy(out, &v, sizeof v);
    return rc;
}

static const wq_kernel chunk_kernel = {"pi-chunk",     chunk_fn,
                                       NULL,           sizeof(wq_range),
                                       sizeof(double), "a chunk of Leibniz terms, by pieces"};
static const wq_kernel piece_kernel = {
    "pi-piece", piece_fn, NULL, sizeof(wq_range), sizeof(double), "a piece of Leibniz terms"};

/* ------------------------------------------------------- synchronous -- */

static int compute_sync(wq_pool *pool, const pi_layout *l, double *result) {
    pi_layout layout = *l;
    wq_range *ranges = malloc((size_t)l->chunks * sizeof *ranges);
    if (ranges == NULL)
        return ENOMEM;
    for (uint64_t k = 0; k < l->chunks; k++)
        ranges[k] = chunk_range(l, k);
    /* caller_waits: only the pool's threads compute. */
    wq_map_opts opts = {.chunk_size = 1, .caller_waits = 1};
    int rc = wq_map_reduce(pool, &chunk_kernel, &layout, ranges, (size_t)l->chunks, &wq_sum_f64,
                           result, &opts);
    free(ranges);
    return rc;
}

/* ------------------------------------------------------ asynchronous -- */

typedef struct async_run {
    pi_layout layout;
    /* generator state: the next piece */
    uint64_t gen_chunk, gen_piece;
    /* callback state (callbacks are serialized, in input order) */
    wq_f64_acc chunk_acc; /* the pieces of the current chunk */
    uint64_t cb_piece;    /* pieces of the current chunk folded so far */
    wq_f64_acc total;     /* wq_sum_f64 accumulator over the chunks */
    uint64_t done, intervals;
    int rc; /* the first failure reported */
    const pi_plan *plan;
} async_run;

static int gen_piece(void *gen_ctx, void *item) {
    async_run *run = gen_ctx;
    const pi_layout *l = &run->layout;
    if (pi_stop_requested())
        return -EINTR;
    if (run->gen_chunk == l->chunks)
        return 0;
    wq_range piece = piece_range(l, chunk_range(l, run->gen_chunk), run->gen_piece);
    memcpy(item, &piece, sizeof piece);
    if (++run->gen_piece == l->pieces) {
        run->gen_piece = 0;
        run->gen_chunk++;
    }
    return 1;
}

/* Folds a finished chunk's value as map-reduce does: a chunk accumulator
 * with one item, merged into the total. */
static void fold_chunk(async_run *run, double value) {
    wq_f64_acc one;
    wq_sum_f64.init(&one);
    wq_sum_f64.add(&one, &value);
    wq_sum_f64.merge(&run->total, &one);
}

static void on_piece(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    async_run *run = cb_ctx;
    (void)index;
    if (status != 0 || run->rc != 0) {
        if (run->rc == 0)
            run->rc = status;
        return;
    }
    double v;
    wq_range piece;
    memcpy(&v, out, sizeof v);
    memcpy(&piece, in, sizeof piece);
    wq_f64_acc_add(&run->chunk_acc, v);
    if (++run->cb_piece == run->layout.pieces) {
        fold_chunk(run, run->chunk_acc.sum + run->chunk_acc.comp);
        run->chunk_acc = (wq_f64_acc){0.0, 0.0};
        run->cb_piece = 0;
    }
    run->done += piece.end - piece.start;
    if (run->plan->progress != NULL)
        run->plan->progress(run->plan->progress_ctx, run->done, run->intervals);
}

static int compute_async(wq_pool *pool, const pi_plan *plan, const pi_layout *l, double *result) {
    async_run run = {.layout = *l, .intervals = plan->intervals, .plan = plan};
    wq_sum_f64.init(&run.total);
    wq_async_spec spec = {
        .kernel = &piece_kernel,
        .kernel_ctx = &run.layout,
        .gen = gen_piece,
        .gen_ctx = &run,
        .on_result = on_piece,
        .cb_ctx = &run,
        .order = WQ_ORDER_INPUT,
        /* One piece per task: one chunk per task while chunks fit in a
         * piece (up to 2^30 terms by default), and the in-flight window
         * (8 tasks per worker) stays a few pieces whatever the size. */
        .chunk_size = 1,
    };
    wq_job *job;
    int rc = wq_async_map(pool, &spec, &job);
    if (rc != 0)
        return rc;
    rc = wq_job_wait(job);
    wq_job_free(job);
    if (rc == 0)
        rc = run.rc;
    if (rc == 0)
        wq_sum_f64.finish(&run.total, result);
    return rc;
}

/* ------------------------------------------------------------- entry -- */

static bool plan_valid(const pi_plan *plan) {
    return plan != NULL && plan->kernel != NULL && plan->chunks != 0 &&
           plan->chunks <= plan->intervals && plan->chunks <= SIZE_MAX / sizeof(wq_range) &&
           wq_sum_f64.acc_size == sizeof(wq_f64_acc);
}

int pi_compute(wq_pool *pool, const pi_plan *plan, double *result) {
    if (pool == NULL || !plan_valid(plan))
        return EINVAL;
    pi_layout l = layout_of(plan);
    if (pi_stop_requested())
        return EINTR;
    return plan->async ? compute_async(pool, plan, &l, result) : compute_sync(pool, &l, result);
}

#ifdef WORKQ_WITH_MPI
int pi_compute_chunks(wq_pool *pool, const pi_plan *plan, uint64_t first, uint64_t count,
                      double *values) {
    if (pool == NULL || !plan_valid(plan) || first > plan->chunks || count > plan->chunks - first ||
        (count > 0 && values == NULL))
        return EINVAL;
    if (pi_stop_requested())
        return EINTR;
    if (count == 0)
        return 0;
    pi_layout layout = layout_of(plan);
    wq_range *ranges = malloc((size_t)count * sizeof *ranges);
    if (ranges == NULL)
        return ENOMEM;
    for (uint64_t k = 0; k < count; k++)
        ranges[k] = chunk_range(&layout, first + k);
    /* caller_waits: only the pool's threads compute. */
    wq_map_opts opts = {.chunk_size = 1, .caller_waits = 1};
    int rc = wq_map(pool, &chunk_kernel, &layout, ranges, values, (size_t)count, &opts);
    free(ranges);
    return rc;
}
#endif
