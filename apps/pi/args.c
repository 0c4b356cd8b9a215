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

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ numbers -- */

/* value * 10 + digit, or false on overflow. */
static bool mul10_add(uint64_t *value, unsigned digit) {
    if (*value > (UINT64_MAX - digit) / 10)
        return false;
    *value = *value * 10 + digit;
    return true;
}

/* The state of pi_parse_count's scan: the significant digits seen so far,
 * without their trailing zeros (counted apart, so that "1000e-3" is exact). */
typedef struct num_scan {
    uint64_t digits;    /* significant digits, trailing zeros excluded */
    bool overflow;      /* digits no longer fit in 64 bits */
    bool nonzero;       /* a non-zero digit was seen */
    size_t zeros;       /* zeros after the last non-zero digit */
    size_t frac_digits; /* digits after the '.' */
} num_scan;

static void scan_digit(num_scan *sc, unsigned d) {
    if (d == 0) {
        if (sc->nonzero)
            sc->zeros++;
        return;
    }
    for (; sc->zeros > 0 && !sc->overflow; sc->zeros--)
        sc->overflow = !mul10_add(&sc->digits, 0);
    sc->zeros = 0;
    if (!sc->overflow)
        sc->overflow = !mul10_add(&sc->digits, d);
    sc->nonzero = true;
}

/* Scans digits with single '_' between two digits. Returns the number of
 * digits, or 0 when there are none or a '_' is misplaced. */
static size_t scan_digits(const char **p, num_scan *sc, bool fraction) {
    const char *s = *p;
    size_t n = 0;
    for (;; s++) {
        if (isdigit((unsigned char)*s)) {
            scan_digit(sc, (unsigned)(*s - '0'));
            sc->frac_digits += fraction;
            n++;
        } else if (*s == '_' && n > 0 && isdigit((unsigned char)s[1])) {
            continue;
        } else {
            break;
        }
    }
    *p = s;
    return n;
}

/* Scans "e[+-]digits" (already past the 'e'). Saturates at +-100000, far
 * beyond any exponent that could still give a 64-bit integer. */
static bool scan_exponent(const char **p, long *exp) {
    const char *s = *p;
    bool neg = *s == '-';
    if (*s == '+' || *s == '-')
        s++;
    if (!isdigit((unsigned char)*s))
        return false;
    long e = 0;
    for (; isdigit((unsigned char)*s); s++)
        if (e < 100000)
            e = e * 10 + (*s - '0');
    *exp = neg ? -e : e;
    *p = s;
    return true;
}

/* The value digits * 10^exp10 from a finished scan. */
static pi_num_status scan_value(const num_scan *sc, long exp10, uint64_t *value) {
    if (!sc->nonzero) {
        *value = 0;
        return PI_NUM_OK;
    }
    if (exp10 < 0)
        return PI_NUM_FRACTION; /* the last significant digit is non-zero */
    if (sc->overflow || exp10 > 20)
        return PI_NUM_LARGE;
    uint64_t v = sc->digits;
    for (long i = 0; i < exp10; i++)
        if (!mul10_add(&v, 0))
            return PI_NUM_LARGE;
    *value = v;
    return PI_NUM_OK;
}

pi_num_status pi_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *value) {
    if (*s == '\0')
        return PI_NUM_EMPTY;
    if (*s == '-' && isdigit((unsigned char)s[1]))
        return PI_NUM_NEGATIVE;
    num_scan sc = {0};
    if (scan_digits(&s, &sc, false) == 0)
        return PI_NUM_SYNTAX;
    if (*s == '.' && (s++, scan_digits(&s, &sc, true) == 0))
        return PI_NUM_SYNTAX;
    long exp = 0;
    if ((*s == 'e' || *s == 'E') && (s++, !scan_exponent(&s, &exp)))
        return PI_NUM_SYNTAX;
    if (*s != '\0')
        return PI_NUM_SYNTAX;
    /* frac_digits and zeros are bounded by the string's length; saturate
     * them like the exponent so that the sum cannot overflow. */
    long frac = sc.frac_digits > 100000 ? 100000 : (long)sc.frac_digits;
    long zeros = sc.zeros > 100000 ? 100000 : (long)sc.zeros;
    uint64_t v;
    pi_num_status st = scan_value(&sc, exp - frac + zeros, &v);
    if (st != PI_NUM_OK)
        return st;
    if (v < min)
        return PI_NUM_SMALL;
    if (v > max)
        return PI_NUM_LARGE;
    *value = v;
    return PI_NUM_OK;
}

/* -------------------------------------------------------------- argv -- */

__attribute__((format(printf, 3, 4))) static int usage_error(char *err, size_t errlen,
                                                             const char *fmt, ...) {
    if (errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        (void)vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return PI_EXIT_USAGE;
}

/* Why a count was rejected, for a message "invalid WHAT 'ARG': REASON". */
static int count_error(char *err, size_t errlen, const char *what, const char *arg,
                       pi_num_status st, uint64_t min, uint64_t max) {
    static const char *const reasons[] = {
        [PI_NUM_EMPTY] = "empty",
        [PI_NUM_NEGATIVE] = "not a positive integer",
        [PI_NUM_SYNTAX] = "not a decimal integer",
        [PI_NUM_FRACTION] = "not an integer",
    };
    if (st == PI_NUM_SMALL)
        return usage_error(err, errlen, "invalid %s '%s': must be at least %" PRIu64, what, arg,
                           min);
    if (st == PI_NUM_LARGE)
        return usage_error(err, errlen, "invalid %s '%s': must be at most %" PRIu64, what, arg,
                           max);
    return usage_error(err, errlen, "invalid %s '%s': %s", what, arg, reasons[st]);
}

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

static const char *option_name(int opt) {
    for (const struct option *o = long_options; o->name != NULL; o++)
        if (o->val == opt)
            return o->name;
    return "?";
}

/* The first argument that starts with '-' and the digit d, e.g. "-5". */
static const char *dash_digit(int argc, char *const argv[], int d) {
    for (int i = 1; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] == d)
            return argv[i];
    return "-";
}

/* getopt_long returned '?' or ':'; argv is the (permuted) copy. */
static int bad_option(parse_state *ps, int c, int argc, char *const argv[]) {
    if (c == ':')
        return usage_error(ps->err, ps->errlen, "option '--%s' requires an argument",
                           option_name(optopt));
    if (optopt == 0)
        return usage_error(ps->err, ps->errlen, "unrecognized option '%s'", argv[optind - 1]);
    if (strcmp(option_name(optopt), "?") != 0) /* "--json=1" */
        return usage_error(ps->err, ps->errlen, "option '--%s' doesn't allow an argument",
                           option_name(optopt));
    if (optopt >= '0' && optopt <= '9') /* "-5": no option is a digit; say what it is */
        return usage_error(ps->err, ps->errlen, "invalid INTERVALS '%s': not a positive integer",
                           dash_digit(argc, argv, optopt));
    return usage_error(ps->err, ps->errlen, "invalid option -- '%c'", optopt);
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
 * version) or PI_EXIT_USAGE. */
static int take_option(parse_state *ps, int c) {
    uint64_t v;
    pi_num_status st;
    switch (c) {
    case 'w':
        st = pi_parse_count(optarg, 1, PI_WORKERS_MAX, &v);
        if (st != PI_NUM_OK)
            return count_error(ps->err, ps->errlen, "--workers", optarg, st, 1, PI_WORKERS_MAX);
        ps->args->workers = (unsigned)v;
        return 0;
    case OPT_CHUNKS:
        ps->chunks_arg = optarg;
        st = pi_parse_count(optarg, 1, PI_CHUNKS_MAX, &ps->chunks);
        if (st != PI_NUM_OK)
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
        return PI_EXIT_USAGE; /* not reached: bad_option handles the rest */
    }
}

/* The operands left after the options: exactly one, INTERVALS. */
static int take_operands(parse_state *ps, int argc, char *const argv[]) {
    if (optind >= argc)
        return usage_error(ps->err, ps->errlen, "missing INTERVALS");
    if (argc - optind > 1)
        return usage_error(ps->err, ps->errlen, "unexpected argument '%s'", argv[optind + 1]);
    const char *arg = argv[optind];
    pi_num_status st = pi_parse_count(arg, 1, PI_INTERVALS_MAX, &ps->args->intervals);
    if (st != PI_NUM_OK)
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
    while ((c = getopt_long(argc, argv, ":w:hV", long_options, NULL)) != -1) {
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
        return PI_EXIT_FAILURE;
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
                    PI_INTERVALS_MAX, PI_WORKERS_MAX, online_cpus, PI_CHUNKS_MAX, PI_CHUNK_TERMS,
                    PI_CHUNKS_DEFAULT);
    return n < 0 ? EIO : 0;
}
