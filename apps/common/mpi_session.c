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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

static bool g_active;
static int g_rank, g_size = 1;
static bool g_serialized;            /* MPI_THREAD_SERIALIZED provided */
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

bool app_mpi_serialized(void) {
    return g_serialized;
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

/* Whether this rank's parent is the user's launcher (Open MPI starts the
 * ranks on its own node itself); not a remote node's daemon, nor srun's. */
static bool parent_is_launcher(void) {
    static const char *const names[] = {"mpirun", "mpiexec", "orterun", "prterun"};
    char path[64], comm[32] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)getppid());
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return false;
    bool ok = fgets(comm, sizeof comm, f) != NULL;
    fclose(f);
    comm[strcspn(comm, "\n")] = '\0';
    for (size_t i = 0; ok && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(comm, names[i]) == 0)
            return true;
    return false;
}

/* The launcher's descriptor fd, as a path under /proc. */
static void launcher_path(char *path, size_t cap, const char *dir, int fd) {
    snprintf(path, cap, "/proc/%ld/%s/%d", (long)getppid(), dir, fd);
}

bool app_mpi_launcher_isatty(int fd) {
    char path[64];
    struct stat st;
    launcher_path(path, sizeof path, "fd", fd);
    /* Only a character device can be a terminal; opening one for writing
     * (without O_TRUNC, without becoming its controlling terminal) has no
     * effect, where opening a pipe or a file might. */
    if (!parent_is_launcher() || stat(path, &st) != 0 || !S_ISCHR(st.st_mode))
        return false;
    int f = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (f < 0)
        return false;
    bool tty = isatty(f) == 1;
    close(f);
    return tty;
}

/* The position and flags of the launcher's descriptor fd. Returns 0 or -1. */
static int launcher_fdinfo(int fd, long long *pos, int *flags) {
    char path[64], line[128];
    launcher_path(path, sizeof path, "fdinfo", fd);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    int got = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        got += sscanf(line, "pos: %lld", pos) == 1;
        got += sscanf(line, "flags: %o", (unsigned *)flags) == 1;
    }
    fclose(f);
    return got == 2 ? 0 : -1;
}

/* The launcher's stdout opened anew for this rank: a pipe, a character
 * device (a terminal, /dev/null), or a regular file at the launcher's
 * position (appending when it appends).
 * Returns the descriptor, or -1 to keep the launcher's forwarding (any
 * other kind, or no access). */
static int open_launcher_stdout(void) {
    char path[64];
    struct stat st;
    launcher_path(path, sizeof path, "fd", STDOUT_FILENO);
    if (!parent_is_launcher() || stat(path, &st) != 0)
        return -1;
    if (S_ISREG(st.st_mode)) {
        long long pos;
        int flags, f;
        if (launcher_fdinfo(STDOUT_FILENO, &pos, &flags) != 0 ||
            (f = open(path, O_WRONLY | O_CLOEXEC | (flags & O_APPEND))) < 0)
            return -1;
        if ((flags & O_APPEND) == 0 && lseek(f, (off_t)pos, SEEK_SET) != (off_t)pos) {
            close(f);
            return -1;
        }
        return f;
    }
    if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
        return -1;
    /* non-blocking open: a pipe without a reader fails at once (ENXIO) */
    int f = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (f >= 0 && fcntl(f, F_SETFL, 0) != 0) {
        close(f);
        return -1;
    }
    return f;
}

/* Rank 0 writes its results to the user's stdout itself, not through the
 * pseudo-terminal mpirun forwards: mpirun copies that in small reads (a
 * core's worth of work at full speed) and stops reading it as soon as it
 * gets SIGINT, so a Ctrl-C would cut the output anywhere, even mid-line. */
static void adopt_launcher_stdout(void) {
    int f = open_launcher_stdout();
    if (f < 0)
        return;
    if (fflush(stdout) == 0)
        (void)dup2(f, STDOUT_FILENO);
    close(f);
}

int app_mpi_main(const char *prog, int argc, char **argv, int (*body)(int argc, char **argv)) {
    g_prog = prog;
    if (!launched())
        return body(argc, argv);
    int provided;
    APP_MPI_CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided));
    g_serialized = provided >= MPI_THREAD_SERIALIZED;
    APP_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &g_rank));
    APP_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &g_size));
    g_active = true;
    if (g_rank == 0)
        adopt_launcher_stdout();
    else if (fflush(NULL) != 0 || silence(STDOUT_FILENO) != 0 || silence(STDERR_FILENO) != 0) {
        fprintf(stderr, "%s: /dev/null: %s\n", prog, strerror(errno));
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    int status = body(argc, argv);
    APP_MPI_CHECK(MPI_Finalize());
    return status;
}

int app_mpi_started(int err, int *rank) {
    const char *fault = getenv("WORKQ_MPI_FAIL_START");
    char *end;
    if (err == 0 && fault != NULL && *fault != '\0' && strtol(fault, &end, 10) == g_rank &&
        *end == '\0')
        err = ENOMEM;
    int *all = malloc((size_t)g_size * sizeof *all);
    if (all == NULL) /* a collective cannot be half-joined: last resort */
        app_mpi_fail("malloc (start-up)", MPI_ERR_NO_MEM);
    APP_MPI_CHECK(MPI_Allgather(&err, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD));
    int first = 0;
    for (int r = g_size - 1; r >= 0; r--)
        if (all[r] != 0) {
            first = all[r];
            *rank = r;
        }
    free(all);
    return first;
}

void app_mpi_bcast_bytes(void *buf, size_t len) {
    enum { PIECE = 1 << 30 };
    for (size_t off = 0; off < len; off += PIECE) {
        size_t n = len - off < PIECE ? len - off : PIECE;
        APP_MPI_CHECK(MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD));
    }
}

/* MPI_Probe and MPI_Wait busy-poll (Open MPI's default progress engine
 * spins), so a waiting rank would take a core from the computing threads.
 * The waits here poll instead, sleeping between polls: 20 us at first (a
 * result about to arrive costs nothing), doubling to 1 ms (an idle wait
 * costs a few wake-ups a millisecond, and a block of work takes far
 * longer). Returns the next sleep. */
static long nap(long ns) {
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
    return ns < 1000000 ? 2 * ns : ns;
}

void app_mpi_probe_idle(int source, int tag, void *status) {
    for (long ns = 20000;; ns = nap(ns)) {
        int flag = 0;
        APP_MPI_CHECK(MPI_Iprobe(source, tag, MPI_COMM_WORLD, &flag, (MPI_Status *)status));
        if (flag)
            return;
    }
}

void app_mpi_wait_idle(void *request) {
    for (long ns = 20000;; ns = nap(ns)) {
        int flag = 0;
        APP_MPI_CHECK(MPI_Test((MPI_Request *)request, &flag, MPI_STATUS_IGNORE));
        if (flag)
            return;
    }
}
