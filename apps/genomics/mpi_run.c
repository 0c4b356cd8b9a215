/*
 * mpi_run.c: a genomics run across MPI ranks (see mpi_run.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_run.h"

#include "common/cli.h"
#include "mpi_coord.h"
#include "mpi_search.h"
#include "mpi_session.h"
#include "mpi_wire.h"
#include "mpi_worker.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mpi.h>

int gx_mpi_started(const gx_opts *o, int err, int *rank) {
    int first = app_mpi_started(err, rank);
    if (first != 0 && app_mpi_rank() == 0)
        fprintf(stderr, "genomics: rank %d: cannot start %u workers: %s\n", *rank, o->workers,
                strerror(first));
    return first;
}

int gx_mpi_run(const gx_opts *o) {
    if (app_mpi_rank() != 0)
        return gx_mpi_worker(o);
    int rank;
    if (gx_mpi_started(o, 0, &rank) != 0)
        return APP_EXIT_FAILURE;
    /* The indexed modes split the search over the ranks (mpi_search.h);
     * without MPI_THREAD_SERIALIZED rank 0 runs them alone. */
    int status = o->demo                                      ? gx_run(o)
                 : !gx_run_indexed(o)                         ? gx_mpi_coordinate(o)
                 : app_mpi_serialized() && app_mpi_size() > 1 ? gx_mpi_search_run(o)
                                                              : gx_run(o);
    uint64_t code = (uint64_t)status;
    for (int r = 1; r < app_mpi_size(); r++)
        APP_MPI_CHECK(MPI_Send(&code, (int)sizeof code, MPI_BYTE, r, GX_TAG_STOP, MPI_COMM_WORLD));
    return status;
}
