/*
 * mpi_session.h: the MPI lifetime shared by pi and genomics (compiled only
 * with WORKQ_WITH_MPI).
 *
 * Guarantees:
 *   - MPI is initialised only when the process was started by an MPI
 *     launcher (mpirun/mpiexec: OMPI_COMM_WORLD_SIZE; Slurm's srun with
 *     PMIx or PMI-2: PMIX_RANK, PMI_RANK). A plain `pi` or `genomics` never calls
 *     MPI_Init, so it behaves exactly as the build without MPI.
 *   - Rank 0 speaks for the job: on every other rank stdout and stderr are
 *     sent to /dev/null before the program body runs, so deterministic
 *     messages (usage errors, --help) appear once; rank-local failures
 *     travel to rank 0 with the results (pi: mpi_reduce.h, genomics: mpi_wire.h).
 *   - Rank 0's stdout is the user's: when its parent is the launcher
 *     (mpirun on its own node), rank 0 opens the launcher's stdout anew (a
 *     pipe, a terminal or another device, or a regular file at the
 *     launcher's position, appending if it appends) before the body runs,
 *     instead of writing to the pseudo-terminal mpirun forwards. mpirun
 *     copies that in small reads, and stops reading it at Ctrl-C, which
 *     would cut the output anywhere. Otherwise (a remote node's daemon, srun) nothing changes.
 *   - MPI errors: MPI_COMM_WORLD keeps the default MPI_ERRORS_ARE_FATAL
 *     handler: an MPI failure means the transport itself failed, which no
 *     coordinated shutdown could survive, so the launcher ends the job.
 *     Every call is still checked (APP_MPI_CHECK) in case a library returns.
 *   - The session asks for MPI_THREAD_SERIALIZED: MPI is called from the
 *     main thread, except in genomics' split searches (mpi_search.h),
 *     whose serialized search callbacks call it from a pool worker while
 *     the main thread waits in the search (one thread at a time). Without
 *     that level (app_mpi_serialized), those searches run on rank 0 alone.
 */
#ifndef WORKQ_APPS_MPI_SESSION_H
#define WORKQ_APPS_MPI_SESSION_H

#include <stdbool.h>
#include <stddef.h>

/* Runs body(argc, argv) inside an MPI session when launched by an MPI
 * launcher, else just runs it. prog names the tool in messages. Returns
 * body's exit status. */
int app_mpi_main(const char *prog, int argc, char **argv, int (*body)(int argc, char **argv));

/* Whether this process runs inside an MPI session. */
bool app_mpi_active(void);

/* This process's rank and the number of ranks (0 and 1 outside a session). */
int app_mpi_rank(void);
int app_mpi_size(void);

/* Whether the launcher's descriptor fd (1 or 2) is a terminal: under
 * Open MPI's mpirun, the ranks on mpirun's own node are its children, and
 * its stdout and stderr are what the user sees (each rank's are a
 * pseudo-terminal and a pipe that mpirun forwards). False when the parent
 * is not the user's launcher (a remote node's daemon, srun's step daemon,
 * whose descriptors are not terminals either). */
bool app_mpi_launcher_isatty(int fd);

/* Collective, before any work: each rank's start-up result (0, or the
 * errno value of what it could not set up). Returns 0 when every rank
 * started; else the errno value of the lowest rank that did not, with *rank
 * set to that rank, on every rank alike: the job then ends at once, with no
 * rank left waiting for one that is not there. Fault injection for the
 * tests: WORKQ_MPI_FAIL_START=R makes rank R report ENOMEM. */
int app_mpi_started(int err, int *rank);

/* Whether MPI may be called from any thread, one at a time. */
bool app_mpi_serialized(void);

/* Collective MPI_Bcast of len bytes from rank 0, in pieces below INT_MAX. */
void app_mpi_bcast_bytes(void *buf, size_t len);

/* Waits for a message from source with tag (MPI_ANY_SOURCE/MPI_ANY_TAG
 * allowed) on MPI_COMM_WORLD, like MPI_Probe, but sleeping between polls
 * so that the waiting thread leaves its core to the computing ones.
 * status is an MPI_Status * (void here, so this header needs no mpi.h). */
void app_mpi_probe_idle(int source, int tag, void *status);

/* Waits for a nonblocking request to complete, like MPI_Wait, sleeping
 * between polls as app_mpi_probe_idle does. request is an MPI_Request *. */
void app_mpi_wait_idle(void *request);

/* Ends the whole job after an MPI call returned an error (last resort). */
_Noreturn void app_mpi_fail(const char *call, int rc);

#define APP_MPI_CHECK(call)                                                                        \
    do {                                                                                           \
        int app_mpi_rc_ = (call);                                                                  \
        if (app_mpi_rc_ != MPI_SUCCESS)                                                            \
            app_mpi_fail(#call, app_mpi_rc_);                                                      \
    } while (0)

#endif /* WORKQ_APPS_MPI_SESSION_H */
