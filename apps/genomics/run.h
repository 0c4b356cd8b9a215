/*
 * run.h: one genomics run, from parsed options to an exit status.
 *
 * Guarantees: results go to stdout through the engine's serialized result
 * callback; a data error found mid-stream stops the input there, every pair
 * before it is still printed (ordered mode: all of them, in order), then
 * the error goes to stderr. Exit status: 0 success, 1 data/I/O/write error,
 * 128 + N after signal N (*stop set to N by the SIGINT/SIGTERM handler: 130,
 * 143).
 */
#ifndef GENOMICS_RUN_H
#define GENOMICS_RUN_H

#include <stdatomic.h>
#include <stddef.h>

#include "input.h"
#include "output.h"

typedef struct gx_opts {
    const char *path; /* NULL or "-" = stdin */
    int all_vs_all;
    int async; /* completion order */
    int demo;  /* the lesson's six pairs */
    int ignore_case;
    int progress;        /* draw the progress line on stderr */
    size_t max_distance; /* WQ_LEV_NO_LIMIT = report every pair */
    gx_outfmt format;
    unsigned workers; /* 0 = one per online CPU */
    int intr_fd;      /* readable once SIGINT arrived, or -1 */
    atomic_int *stop; /* 0; a signal number (set by the handler); -1 when
                         the run stops itself early (write error) */
} gx_opts;

/* Runs and returns the exit status. Writes to stdout without closing it. */
int gx_run(const gx_opts *o);

/* How a run ended: the first write error, the input's error, a kernel or
 * engine error (0: none), the pairs done and the stop flag's value. */
typedef struct gx_outcome {
    int write_errno;
    const gx_err *err;
    int error;
    size_t done;
    int stop;
} gx_outcome;

/* The epilogue every run shares (single process and MPI rank 0): flushes
 * stdout, then prints at most one message, in this order of precedence:
 * write error, input error (`genomics: FILE:LINE: msg`), other error,
 * interruption. Returns the exit status (0, 1, or 128 + signal). */
int gx_run_status(const char *name, gx_outcome o);

#endif
