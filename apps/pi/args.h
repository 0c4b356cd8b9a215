/*
 * Command-line parsing for pi: a pure function of argv.
 *
 * Guarantees: pi_args_parse reads argv (never modifies nor permutes it),
 * writes only *args and the caller's message buffer, and allocates nothing
 * that outlives the call. It keeps no state between calls (getopt's globals
 * are reset at entry), so it can be called any number of times, from tests
 * and from a fuzzer. Not thread-safe, because getopt_long is not.
 */
#ifndef PI_ARGS_H
#define PI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cli.h" /* counts, worker counts, exit codes */

/* The largest INTERVALS: the leibniz kernels are exact up to 2^51 terms
 * (WQ_LEIBNIZ_MAX; main.c checks that the two agree). */
#define PI_INTERVALS_MAX (UINT64_C(1) << 51)
/* Default number of chunks (tasks): one per PI_CHUNK_TERMS terms, at least 1
 * and at most PI_CHUNKS_DEFAULT. A function of INTERVALS only (never of the
 * worker count), so the result is the same everywhere. Fewer, longer chunks
 * for small INTERVALS keep tasks worth scheduling, and keep the result
 * correctly rounded: every chunk's value is rounded to a double before the
 * chunks are summed, so splitting a short sum costs accuracy for no speed. */
#define PI_CHUNKS_DEFAULT UINT64_C(256)
#define PI_CHUNK_TERMS UINT64_C(65536)
/* Most chunks --chunks accepts: the synchronous path holds one 16-byte range
 * per chunk, so this bounds its memory at 16 MiB. */
#define PI_CHUNKS_MAX (UINT64_C(1) << 20)
typedef enum pi_action { PI_ACTION_RUN, PI_ACTION_HELP, PI_ACTION_VERSION } pi_action;

typedef enum pi_kernel_choice { PI_KERNEL_FAST, PI_KERNEL_LESSON } pi_kernel_choice;

typedef struct pi_args {
    pi_action action;
    uint64_t intervals;      /* 1..PI_INTERVALS_MAX */
    unsigned workers;        /* 1..APP_WORKERS_MAX, or 0: not given (online CPUs) */
    uint64_t chunks;         /* 1..min(intervals, PI_CHUNKS_MAX); never 0 */
    pi_kernel_choice kernel; /* --kernel; PI_KERNEL_FAST by default */
    bool async;              /* --async */
    bool json;               /* --json */
} pi_args;

/* The default --chunks for n intervals (see PI_CHUNK_TERMS). */
uint64_t pi_default_chunks(uint64_t intervals);

/* Parses argv[0..argc) (argv[0] is the program name). Returns 0 with *args
 * filled, APP_EXIT_USAGE with a one-line message (without the "pi: " prefix
 * or newline) in err[0..errlen), or APP_EXIT_FAILURE when out of memory. -h and -V stop the parse
 * at once (args->action says which). errlen may be 0 (err is then not written). */
int pi_args_parse(int argc, char *const argv[], pi_args *args, char *err, size_t errlen);

/* The --help text, for a machine with online_cpus CPUs. Returns 0, or EIO. */
int pi_print_help(FILE *out, long online_cpus);

#endif /* PI_ARGS_H */
