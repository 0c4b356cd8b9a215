/*
 * mpi_reduce.c: pi across MPI ranks (see mpi_reduce.h).
 *
 * Why the printed pi is the single process's, for every number of ranks:
 * the single process folds the chunk values v_0 .. v_{C-1} left to right,
 * total = merge(... merge(merge(0, {v_0, 0}), {v_1, 0}) ..., {v_{C-1}, 0}),
 * with wq_sum_f64's Neumaier merge. That fold is not associative: folding
 * each rank's block into its own (sum, comp) pair and then merging the
 * pairs rounds differently (the running sum a rank starts from is not the
 * sum its predecessor ended with), so the last bit of pi could depend on
 * the number of ranks. No fixed-size pair can carry a block's contribution
 * exactly. So the payload of the reduction is not one pair but the vector
 * of all C chunk accumulators, one (sum, comp) pair per chunk: a rank puts
 * {v_k, 0} (what map-reduce's per-chunk accumulator holds) in the slots of
 * its own chunks and the identity {+0, +0} everywhere else. The user
 * operation adds slot by slot. Each slot is non-identity on exactly one
 * rank, and x + (+0) == x bit for bit for every double except -0, which no
 * chunk value is (a non-empty Leibniz sum is never zero), so every slot
 * reaches rank 0 bit-exact whatever tree or order MPI uses. Rank 0 then
 * folds the C pairs in chunk order with wq_sum_f64, exactly as map-reduce
 * does. The operation is still declared non-commutative, so MPI combines
 * in rank order. Cost: 16 bytes per chunk (4 KiB by default, 16 MiB at
 * --chunks' maximum), negligible next to the computation.
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_reduce.h"

#include "common/progress.h"
#include "mpi_session.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include <mpi.h>

/* The user operation: inout[k] = in[k] + inout[k], slot by slot. */
static void slot_sum(void *in, void *inout, int *len, MPI_Datatype *type) {
    const wq_f64_acc *a = in;
    wq_f64_acc *b = inout;
    (void)type;
    for (int k = 0; k < *len; k++) {
        b[k].sum = a[k].sum + b[k].sum;
        b[k].comp = a[k].comp + b[k].comp;
    }
}

/* The k-th of `count` balanced parts of [0, n): its first index and size. */
static void block_of(uint64_t n, uint64_t count, uint64_t k, uint64_t *first, uint64_t *size) {
    uint64_t base = n / count, rem = n % count;
    *first = k * base + (k < rem ? k : rem);
    *size = base + (k < rem);
}

/* This rank's chunk accumulators into slots (the others stay the identity). */
static int fill_slots(wq_pool *pool, const pi_plan *plan, wq_f64_acc *slots) {
    uint64_t first, count;
    block_of(plan->chunks, (uint64_t)app_mpi_size(), (uint64_t)app_mpi_rank(), &first, &count);
    double *values = malloc((count ? (size_t)count : 1) * sizeof *values);
    if (values == NULL)
        return ENOMEM;
    int rc = pi_compute_chunks(pool, plan, first, count, values);
    for (uint64_t k = 0; rc == 0 && k < count; k++) {
        wq_sum_f64.init(&slots[first + k]);
        wq_sum_f64.add(&slots[first + k], &values[k]);
    }
    free(values);
    return rc;
}

/* Rank 0: the slots reduced, folded in chunk order as map-reduce does. */
static void fold_slots(const wq_f64_acc *slots, uint64_t chunks, double *result) {
    wq_f64_acc total;
    wq_sum_f64.init(&total);
    for (uint64_t k = 0; k < chunks; k++)
        wq_sum_f64.merge(&total, &slots[k]);
    wq_sum_f64.finish(&total, result);
}

/* Reduces the slots to rank 0 with the slot-wise user operation. */
static void reduce_slots(const wq_f64_acc *mine, wq_f64_acc *all, int count) {
    MPI_Datatype pair;
    MPI_Op op;
    APP_MPI_CHECK(MPI_Type_contiguous(2, MPI_DOUBLE, &pair));
    APP_MPI_CHECK(MPI_Type_commit(&pair));
    APP_MPI_CHECK(MPI_Op_create(slot_sum, 0, &op));
    APP_MPI_CHECK(MPI_Reduce(mine, all, count, pair, op, 0, MPI_COMM_WORLD));
    APP_MPI_CHECK(MPI_Op_free(&op));
    APP_MPI_CHECK(MPI_Type_free(&pair));
}

int pi_mpi_compute(wq_pool *pool, const pi_plan *plan, double *result, double *secs) {
    _Static_assert(sizeof(wq_f64_acc) == 2 * sizeof(double), "a slot is two doubles");
    if (plan->chunks > (uint64_t)INT_MAX)
        return EINVAL;
    int count = (int)plan->chunks;
    APP_MPI_CHECK(MPI_Barrier(MPI_COMM_WORLD));
    double t0 = app_seconds(); /* not MPI_Wtime: its microseconds print trailing zeros */
    /* calloc: all-zero bytes are {+0, +0}, the identity, on IEEE 754. */
    wq_f64_acc *slots = calloc((size_t)count, 2 * sizeof *slots);
    int rc = slots == NULL ? ENOMEM : fill_slots(pool, plan, slots);
    int worst = 0;
    APP_MPI_CHECK(MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
    if (worst == 0) {
        reduce_slots(slots, slots + count, count);
        if (app_mpi_rank() == 0)
            fold_slots(slots + count, plan->chunks, result);
    }
    free(slots);
    *secs = app_seconds() - t0;
    return worst;
}
