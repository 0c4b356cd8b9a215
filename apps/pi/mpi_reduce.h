/*
 * mpi_reduce.h: pi across MPI ranks (compiled only with WORKQ_WITH_MPI).
 *
 * Guarantees:
 *   - Rank r computes the contiguous block r of the plan's chunks (balanced:
 *     sizes differ by at most one) on its own pool; no two ranks compute the
 *     same chunk, and every chunk is computed once.
 *   - Identity: the value at rank 0 is bit-identical to pi_compute's for
 *     the same plan, for every number of ranks (see mpi_reduce.c for why).
 *   - Coordination: every rank returns the same status: 0, or the largest
 *     error code any rank met (EINTR for an interrupted rank), so every rank
 *     exits with the same code and rank 0 alone prints the message.
 *   - Time: *secs (rank 0) is the single process's clock (app_seconds,
 *     nanoseconds, so Time prints the same way) around the whole
 *     computation, from a barrier to the end of the reduction.
 */
#ifndef PI_MPI_REDUCE_H
#define PI_MPI_REDUCE_H

#include "compute.h"

/* Collective: every rank calls it with the same plan. *result and *secs
 * are written on rank 0 on success. Returns 0 or an errno value. */
int pi_mpi_compute(wq_pool *pool, const pi_plan *plan, double *result, double *secs);

#endif /* PI_MPI_REDUCE_H */
