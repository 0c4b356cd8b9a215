/*
 * mpi_run.h: a genomics run across MPI ranks (compiled only with
 * WORKQ_WITH_MPI): rank 0 coordinates (mpi_coord.h), the others compute
 * (mpi_worker.h).
 *
 * Guarantees: every rank returns the same exit status, the one rank 0's run
 * ends with (the single process's for the same input): rank 0 sends it to
 * every worker in a STOP message once its run is over, so an error found at
 * rank 0 (a missing file, bad data) ends every rank with one message
 * (printed by rank 0) and without MPI_Abort. --demo runs on rank 0 alone.
 * A worker rank that cannot start (its pool) ends every rank with exit 1
 * and one message naming it, before any input is read.
 */
#ifndef GENOMICS_MPI_RUN_H
#define GENOMICS_MPI_RUN_H

#include "run.h"

/* Collective, at start-up: err is this rank's (0 or an errno value; rank 0
 * passes 0, its own failures are reported by its run). When a rank could
 * not start, rank 0 prints `genomics: rank R: cannot start N workers: ...`
 * and this returns non-zero on every rank (*rank: the first that failed). */
int gx_mpi_started(const gx_opts *o, int err, int *rank);

/* Collective: every rank calls it with the same options. */
int gx_mpi_run(const gx_opts *o);

#endif
