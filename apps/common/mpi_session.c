/*
 * mpi_session.c: the tools' MPI lifetime (see mpi_session.h for the guarantees).
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_session.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

static bool g_active;
static int g_rank, g_size = 1;
static const char *g_prog = "workq"; /* for messages */

bool app_mpi_active(void) {
    return g_active;
}

int app_mpi_rank(void) {
    return g_rank;
}

int app_mpi_size(void) {
    return g_size;
}

_Noreturn void app_mpi_fail(const char *call, int rc) {
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS)
        len = snprintf(msg, sizeof msg, "error %d", rc);
    fprintf(stderr, "%s: rank %d: %s: %.*s\n", g_prog, g_rank, call, len, msg);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1); /* not reached */
}

/* Whether an MPI launcher started this process. */
static bool launched(void) {
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]) != NULL)
            return true;
    return false;
}

/* Points fd at /dev/null. Returns 0 or -1. */
static int silence(int fd) {
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0)
        return -1;
    int rc = dup2(null, fd) < 0 ? -1 : 0;
    close(null);
    return rc;
}

int app_mpi_main(const char *prog, int argc, char **argv, int (*body)(int argc, char **argv)) {
    g_prog = prog;
    if (!launched())
        return body(argc, argv);
    int provided;
    APP_MPI_CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided));
    APP_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &g_rank));
    APP_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &g_size));
    g_active = true;
    if (g_rank != 0 &&
        (fflush(NULL) != 0 || silence(STDOUT_FILENO) != 0 || silence(STDERR_FILENO) != 0)) {
        fprintf(stderr, "%s: /dev/null: %s\n", prog, strerror(errno));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int status = body(argc, argv);
    APP_MPI_CHECK(MPI_Finalize());
    return status;
}

void app_mpi_bcast_bytes(void *buf, size_t len) {
    enum { PIECE = 1 << 30 };
    for (size_t off = 0; off < len; off += PIECE) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        APP_MPI_CHECK(MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD));
    }
}

void app_mpi_probe_idle(int source, int tag, void *status) {
    /* MPI_Probe busy-polls (Open MPI's default progress engine spins), so
     * a waiting rank would take a core from the computing threads. Poll
     * with MPI_Iprobe and sleep between polls instead: 20 us at first
     * (a result about to arrive costs nothing), doubling to 1 ms (an idle
     * wait costs a few wake-ups a millisecond, and a block of work takes
     * far longer). */
    long ns = 20000;
    for (;;) {
        int flag = 0;
        APP_MPI_CHECK(MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, (MPI_Status *)status));
        if (flag)
            return;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 1000000)
            ns *= 2;
    }
}
