/*
 * Command-line parsing for pi (see args.h).
 *
 * Guarantees: a pure function of argv. getopt_long runs over a private copy
 * of the argv pointers (GNU getopt permutes the array it is given) with its
 * globals reset on entry (optind = 0 asks glibc for a full reinit) and its
 * own messages off (opterr = 0): every message is ours, one line, naming the
 * offending argument.
 */
#define _POSIX_C_SOURCE 200809L

#include "args.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* -------------------------------------------------------------- argv -- */

__attribute__((format(printf, 3, 4))) static int usage_error(char *err, size_t errlen,
                                                             const char *fmt, ...) {
    if (errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return APP_EXIT_USAGE;
}

/* A rejected count: "invalid WHAT 'ARG': REASON" (cli.h). */
static int count_error(char *err, size_t errlen, const char *what, const char *arg,
                       app_num_status st, uint64_t min, uint64_t max) {
    app_count_message(err, errlen, what, arg, st, min, max);
    return APP_EXIT_USAGE;
}

#define OPTSTRING ":w:hV"

enum { OPT_CHUNKS = 256, OPT_KERNEL, OPT_ASYNC, OPT_JSON };

static const struct option long_options[] = {
    {"workers", required_argument, NULL, 'w'},
    {"chunks", required_argument, NULL, OPT_CHUNKS},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"async", no_argument, NULL, OPT_ASYNC},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The parse in progress: the options seen, before the final checks. */
typedef struct parse_state {
    pi_args *args;
    uint64_t chunks;        /* --chunks, or 0 when not given */
    const char *chunks_arg; /* its text, for messages */
    char *err;
    size_t errlen;
} parse_state;

/* The first argument that starts with '-' and the digit d, e.g. "-5". */
static const char *dash_digit(int argc, char *const argv[], int d) {
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] == d)
            return argv[i];
    return "-";
}

/* getopt_long returned '?' or ':'; argv is the (permuted) copy. The
 * wording is both tools' (cli.h), with one addition of pi's own: "-5" is
 * a negative INTERVALS, not an unknown option. */
static int bad_option(parse_state *ps, int c, int argc, char *const argv[]) {
    if (c == '?' && optopt >= '0' && optopt <= '9')
        return usage_error(ps->err, ps->errlen, "invalid INTERVALS '%s': not a positive integer",
                           dash_digit(argc, argv, optopt));
    app_option_message(ps->err, ps->errlen, c, argv, OPTSTRING, long_options);
    return APP_EXIT_USAGE;
}

static int set_kernel(parse_state *ps, const char *name) {
    if (strcmp(name, "fast") == 0)
        ps->args->kernel = PI_KERNEL_FAST;
    else if (strcmp(name, "lesson") == 0)
        ps->args->kernel = PI_KERNEL_LESSON;
    else
        return usage_error(ps->err, ps->errlen,
                           "invalid --kernel '%s': expected 'fast' or 'lesson'", name);
    return 0;
}

/* Handles one option from getopt_long. Returns 0, -1 to stop (help,
 * version) or APP_EXIT_USAGE. */
static int take_option(parse_state *ps, int c) {
    app_num_status st;
    switch (c) {
    case 'w':
        return app_parse_workers(optarg, &ps->args->workers, ps->err, ps->errlen) == 0
                   ? 0
                   : APP_EXIT_USAGE;
    case OPT_CHUNKS:
        ps->chunks_arg = optarg;
        st = app_parse_count(optarg, 1, PI_CHUNKS_MAX, &ps->chunks);
        if (st != APP_NUM_OK)
            return count_error(ps->err, ps->errlen, "--chunks", optarg, st, 1, PI_CHUNKS_MAX);
        return 0;
    case OPT_KERNEL:
        return set_kernel(ps, optarg);
    case OPT_ASYNC:
        ps->args->async = true;
        return 0;
    case OPT_JSON:
        ps->args->json = true;
        return 0;
    case 'h':
        ps->args->action = PI_ACTION_HELP;
        return -1;
    case 'V':
        ps->args->action = PI_ACTION_VERSION;
        return -1;
    default:
        return APP_EXIT_USAGE; /* not reached: bad_option handles the rest */
    }
}

/* The operands left after the options: exactly one, INTERVALS. */
static int take_operands(parse_state *ps, int argc, char *const argv[]) {
    if (optind >= argc)
        return usage_error(ps->err, ps->errlen, "missing INTERVALS");
    if (argc - optind > 1)
        return usage_error(ps->err, ps->errlen, "unexpected argument '%s'", argv[optind + 1]);
    const char *arg = argv[optind];
    app_num_status st = app_parse_count(arg, 1, PI_INTERVALS_MAX, &ps->args->intervals);
    if (st != APP_NUM_OK)
        return count_error(ps->err, ps->errlen, "INTERVALS", arg, st, 1, PI_INTERVALS_MAX);
    return 0;
}

uint64_t pi_default_chunks(uint64_t intervals) {
    uint64_t c = intervals / PI_CHUNK_TERMS;
    return c < 1 ? 1 : c > PI_CHUNKS_DEFAULT ? PI_CHUNKS_DEFAULT : c;
}

static int finish(parse_state *ps) {
    pi_args *a = ps->args;
    if (ps->chunks == 0) {
        a->chunks = pi_default_chunks(a->intervals);
        return 0;
    }
    if (ps->chunks > a->intervals)
        return usage_error(ps->err, ps->errlen,
                           "invalid --chunks '%s': must be at most INTERVALS (%" PRIu64 ")",
                           ps->chunks_arg, a->intervals);
    a->chunks = ps->chunks;
    return 0;
}

static int parse_copy(parse_state *ps, int argc, char *argv[]) {
    optind = 0; /* glibc: full reinitialization */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, OPTSTRING, long_options, NULL)) != -1) {
        int rc = (c == '?' || c == ':') ? bad_option(ps, c, argc, argv) : take_option(ps, c);
        if (rc == -1)
            return 0;
        if (rc != 0)
            return rc;
    }
    int rc = take_operands(ps, argc, argv);
    return rc != 0 ? rc : finish(ps);
}

int pi_args_parse(int argc, char *const argv[], pi_args *args, char *err, size_t errlen) {
    if (errlen > 0)
        err[0] = '\0';
    *args = (pi_args){.action = PI_ACTION_RUN, .kernel = PI_KERNEL_FAST};
    if (argc < 1)
        return usage_error(err, errlen, "missing INTERVALS");
    char **copy = malloc(((size_t)argc + 1) * sizeof *copy);
    if (copy == NULL) {
        (void)snprintf(err, errlen, "%s", strerror(ENOMEM));
        return APP_EXIT_FAILURE;
    }
    memcpy(copy, argv, (size_t)argc * sizeof *copy);
    copy[argc] = NULL;
    parse_state ps = {.args = args, .err = err, .errlen = errlen};
    int rc = parse_copy(&ps, argc, copy);
    free(copy);
    return rc;
}

/* -------------------------------------------------------------- help -- */

int pi_print_help(FILE *out, long online_cpus) {
    int n = fprintf(out,
                    "Usage: pi [OPTION]... INTERVALS\n"
                    "Approximate pi by the first INTERVALS terms of the Leibniz series\n"
                    "4/1 - 4/3 + 4/5 - ..., summed in parallel by the workq engine, and print\n"
                    "the result, its distance to pi and the wall-clock time of the computation.\n"
                    "\n"
                    "INTERVALS is a positive decimal integer, at most %" PRIu64 " (2^51, the\n"
                    "bound up to which the kernel is exact). Forms such as 1e9, 2.5e6 and\n"
                    "1_000_000 are accepted when they denote an exact integer.\n"
                    "\n"
                    "  -w, --workers=N    worker threads, 1..%u (default: the online CPUs, %ld)\n"
                    "      --chunks=N     number of tasks, 1..INTERVALS and at most %" PRIu64 "\n"
                    "                     (default: one per %" PRIu64
                    " terms, from 1 up to %" PRIu64 ")\n"
                    "      --kernel=NAME  'fast' (default) or 'lesson' (one division per term)\n"
                    "      --async        stream the partial sums through the engine's async\n"
                    "                     job; on a terminal, show progress on stderr\n"
                    "      --json         print one JSON object instead of the two lines\n"
                    "  -h, --help         display this help and exit\n"
                    "  -V, --version      output version information and exit\n"
                    "\n"
                    "The printed value depends only on INTERVALS, --chunks and --kernel: never on\n"
                    "--workers or --async. Ctrl-C stops a run.\n"
                    "\n"
                    "Exit status: 0 on success, 1 on a runtime error, 2 on a usage error,\n"
                    "130 when interrupted.\n",
                    PI_INTERVALS_MAX, APP_WORKERS_MAX, online_cpus, PI_CHUNKS_MAX, PI_CHUNK_TERMS,
                    PI_CHUNKS_DEFAULT);
    return n < 0 ? EIO : 0;
}
