/*
 * mpi_worker.h: genomics' worker ranks (compiled only with WORKQ_WITH_MPI).
 *
 * Guarantees: a worker rank reads no input and prints nothing; it computes
 * each block rank 0 sends it on its own pool (o->workers threads; the MPI
 * thread only waits), in the order received, and answers each block with
 * exactly one RESULT carrying its sequence number: the distances, or an
 * errno value (ENOMEM, a corrupt message) that rank 0
 * reports. Memory: one block and its distances at a time, plus the
 * all-vs-all set when rank 0 broadcasts one. It returns when rank 0 sends
 * STOP, with the exit status STOP carries; at once, with exit 1, when a
 * rank (itself or another) could not start (gx_mpi_started).
 */
#ifndef GENOMICS_MPI_WORKER_H
#define GENOMICS_MPI_WORKER_H

#include "run.h"

/* Serves rank 0 until STOP. Returns the job's exit status. */
int gx_mpi_worker(const gx_opts *o);

#endif
