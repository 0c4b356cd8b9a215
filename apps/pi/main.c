/*
 * pi: the lesson's Leibniz approximation of pi on the workq engine.
 *
 * Guarantees (issue 4): prints exactly the lesson's two lines (or one JSON
 * object with --json) on success and exits 0; a usage error prints one
 * message and a hint on stderr, nothing on stdout, and exits 2; a runtime
 * error (including a failed write to stdout) exits 1; SIGINT stops the run
 * (or SIGTERM, apps/common/stop.h) stops the run within milliseconds,
 * prints "pi: interrupted" and exits 130 (143). Progress
 * (--async) goes to stderr only when it is a terminal, and is cleared.
 */
#define _POSIX_C_SOURCE 200809L

#include "args.h"
#include "common/cli.h"
#include "common/stop.h"
#include "compute.h"
#include "progress.h"
#ifdef WORKQ_WITH_MPI
#include "mpi_reduce.h"
#include "mpi_session.h"
#endif

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <workq/kernels.h>
#include <workq/version.h>
#include <workq/workq.h>

_Static_assert(PI_INTERVALS_MAX == WQ_LEIBNIZ_MAX, "INTERVALS bound must be the kernel's");

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static unsigned online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > (long)APP_WORKERS_MAX ? APP_WORKERS_MAX : (unsigned)n;
}

/* The number of processes computing: MPI ranks, or 1. */
static int ranks(void) {
#ifdef WORKQ_WITH_MPI
    return app_mpi_size();
#else
    return 1;
#endif
}

/* "workers" is the worker threads of each process (--workers), "ranks" the
 * processes: ranks * workers threads computed. */
static int print_result(const pi_args *a, unsigned workers, double pi, double secs) {
    double error = fabs(pi - M_PI);
    if (a->json)
        printf("{\"intervals\":%llu,\"chunks\":%llu,\"workers\":%u,\"ranks\":%d,"
               "\"kernel\":\"%s\",\"pi\":%.17g,\"error\":%.17g,\"seconds\":%.9f}\n",
               (unsigned long long)a->intervals, (unsigned long long)a->chunks, workers, ranks(),
               a->kernel == PI_KERNEL_FAST ? "fast" : "lesson", pi, error, secs);
    else
        printf("PI is approximately %.16f, Error is %.16f\nTime = %.16f sec\n", pi, error, secs);
    return app_close_stdout("pi", APP_EXIT_OK);
}

/* Runs the computation on a fresh pool of `workers` threads. */
static int run(const pi_args *a, unsigned workers, double *pi, double *secs) {
    int rc = wq_kernels_register();
    const wq_kernel *k = wq_kernel_find(a->kernel == PI_KERNEL_FAST ? "leibniz" : "leibniz-lesson");
    if (rc == 0 && k == NULL)
        rc = ENOENT;
    if (rc != 0) {
        fprintf(stderr, "pi: cannot find the leibniz kernel: %s\n", strerror(rc));
        return APP_EXIT_FAILURE;
    }
    wq_pool *pool = wq_pool_create(workers);
    if (pool == NULL) {
        fprintf(stderr, "pi: cannot start %u workers: %s\n", workers, strerror(errno));
        return APP_EXIT_FAILURE;
    }
    pi_progress progress;
    pi_progress_init(&progress, a->async && isatty(STDERR_FILENO));
    pi_plan plan = {k, a->intervals, a->chunks, a->async, pi_progress_update, &progress};
    double t0 = app_seconds();
#ifdef WORKQ_WITH_MPI
    if (app_mpi_active()) /* every rank: its share; rank 0: the result */
        rc = pi_mpi_compute(pool, &plan, pi, secs);
    else
#endif
    {
        rc = pi_compute(pool, &plan, pi);
        *secs = app_seconds() - t0;
    }
    wq_pool_destroy(pool);
    pi_progress_clear(&progress);
    if (app_stop_requested() || rc == EINTR) {
        fprintf(stderr, "pi: interrupted\n");
        return APP_EXIT_SIGNAL(app_stop_signal() ? app_stop_signal() : SIGINT);
    }
    if (rc != 0) {
        fprintf(stderr, "pi: computation failed: %s\n", strerror(rc));
        return APP_EXIT_FAILURE;
    }
    return APP_EXIT_OK;
}

static int pi_main(int argc, char **argv) {
    pi_args a;
    char err[512];
    int rc = pi_args_parse(argc, argv, &a, err, sizeof err);
    if (rc == APP_EXIT_USAGE)
        return app_usage_error("pi", err);
    if (rc != 0) {
        fprintf(stderr, "pi: %s\n", err);
        return APP_EXIT_FAILURE;
    }
    if (a.action == PI_ACTION_HELP) { /* a failed write shows in stdout's error flag */
        (void)pi_print_help(stdout, (long)online_cpus());
        return app_close_stdout("pi", APP_EXIT_OK);
    }
    if (a.action == PI_ACTION_VERSION) {
        printf("pi (workq) %s\n", WORKQ_VERSION_STRING);
        return app_close_stdout("pi", APP_EXIT_OK);
    }
    rc = app_stop_install(); /* before any worker thread: they inherit the mask */
    if (rc != 0) {
        fprintf(stderr, "pi: cannot catch signals: %s\n", strerror(rc));
        return APP_EXIT_FAILURE;
    }
    unsigned workers = a.workers != 0 ? a.workers : online_cpus();
    double pi = 0.0, secs = 0.0;
    rc = run(&a, workers, &pi, &secs);
    return rc != APP_EXIT_OK ? rc : print_result(&a, workers, pi, secs);
}

int main(int argc, char **argv) {
#ifdef WORKQ_WITH_MPI
    return app_mpi_main("pi", argc, argv, pi_main); /* `mpirun pi N`: one rank each */
#else
    return pi_main(argc, argv);
#endif
}
