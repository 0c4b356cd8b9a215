/*
 * cli.h: what pi and genomics do the same way on the command line: exit
 * codes, counts (with 1e3 and 1_000 forms), the worker count and its
 * wording, getopt's errors in the user's own words, the usage-error lines,
 * and closing stdout.
 *
 * Guarantees: the parsers are pure functions of their arguments (no
 * globals, no allocation); the message builders write at most errlen bytes
 * (NUL included) and never print. Every message is lower case, without a
 * final period, and names what the user typed.
 */
#ifndef WORKQ_APPS_CLI_H
#define WORKQ_APPS_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/* Exit statuses, as in GNU tools; a signal N ends a run with 128 + N. */
enum { APP_EXIT_OK = 0, APP_EXIT_FAILURE = 1, APP_EXIT_USAGE = 2 };
#define APP_EXIT_SIGNAL(sig) (128 + (sig))

/* Outcomes of app_parse_count. */
typedef enum app_num_status {
    APP_NUM_OK = 0,
    APP_NUM_EMPTY,    /* "" */
    APP_NUM_NEGATIVE, /* "-5" */
    APP_NUM_SYNTAX,   /* not a decimal number: "12x", "0x10", " 5", "1__0" */
    APP_NUM_FRACTION, /* a number but not an integer: "1.5", "1e-3" */
    APP_NUM_SMALL,    /* an integer below min */
    APP_NUM_LARGE     /* an integer above max (or beyond 64 bits) */
} app_num_status;

/* Parses a count: decimal digits, optionally with '_' between two digits, an
 * optional fraction ".digits" and an optional exponent "e[+-]digits", as long
 * as the value is an exact integer ("1e9", "2.5e3", "1_000", "1000e-3").
 * No sign, no spaces, no hexadecimal. On APP_NUM_OK stores the value (in
 * [min, max]) in *value; otherwise *value is untouched. */
app_num_status app_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *value);

/* Writes "invalid WHAT 'ARG': REASON" for a count rejected with st (not
 * APP_NUM_OK) under the bounds [min, max]. */
void app_count_message(char *err, size_t errlen, const char *what, const char *arg,
                       app_num_status st, uint64_t min, uint64_t max);

/* The most worker threads either tool accepts. */
#define APP_WORKERS_MAX 1024u

/* Parses a worker count (1..APP_WORKERS_MAX, any count form). Returns 0
 * with *workers set, or -1 with "invalid worker count 'ARG': REASON" in
 * err. */
int app_parse_workers(const char *arg, unsigned *workers, char *err, size_t errlen);

/* The message for getopt_long's '?' or ':' (c), with opterr = 0 and
 * optstring starting with ':', right after the call (it reads optind and
 * optopt): "unrecognized option '--x'", "invalid option -- 'x'",
 * "option requires an argument -- 'w'" (for -w), "option '--workers'
 * requires an argument" (for --workers), "option '--json' doesn't allow
 * an argument". */
void app_option_message(char *err, size_t errlen, int c, char *const argv[], const char *optstring,
                        const struct option *longopts);

/* Prints "PROG: MSG" and "Try 'PROG --help'." on stderr. Returns
 * APP_EXIT_USAGE. */
int app_usage_error(const char *prog, const char *msg);

/* Flushes and closes stdout: a write error (a full disk, a closed
 * descriptor) is a failure, reported as "PROG: write error: ...". Returns
 * status, or APP_EXIT_FAILURE after a write error when status was 0.
 * Call once, last. */
int app_close_stdout(const char *prog, int status);

#endif /* WORKQ_APPS_CLI_H */
