/*
 * cli.c: the command-line parts pi and genomics share (see cli.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ numbers -- */

/* value * 10 + digit, or false on overflow. */
static bool mul10_add(uint64_t *value, unsigned digit) {
    if (*value > (UINT64_MAX - digit) / 10)
        return false;
    *value = *value * 10 + digit;
    return true;
}

/* The state of app_parse_count's scan: the significant digits seen so far,
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
static app_num_status scan_value(const num_scan *sc, long exp10, uint64_t *value) {
    if (!sc->nonzero) {
        *value = 0;
        return APP_NUM_OK;
    }
    if (exp10 < 0)
        return APP_NUM_FRACTION; /* the last significant digit is non-zero */
    if (sc->overflow || exp10 > 20)
        return APP_NUM_LARGE;
    uint64_t v = sc->digits;
    for (long i = 0; i < exp10; i++)
        if (!mul10_add(&v, 0))
            return APP_NUM_LARGE;
    *value = v;
    return APP_NUM_OK;
}

app_num_status app_parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *value) {
    if (*s == '\0')
        return APP_NUM_EMPTY;
    if (*s == '-' && isdigit((unsigned char)s[1]))
        return APP_NUM_NEGATIVE;
    num_scan sc = {0};
    if (scan_digits(&s, &sc, false) == 0)
        return APP_NUM_SYNTAX;
    if (*s == '.' && (s++, scan_digits(&s, &sc, true) == 0))
        return APP_NUM_SYNTAX;
    long exp = 0;
    if ((*s == 'e' || *s == 'E') && (s++, !scan_exponent(&s, &exp)))
        return APP_NUM_SYNTAX;
    if (*s != '\0')
        return APP_NUM_SYNTAX;
    /* frac_digits and zeros are bounded by the string's length; saturate
     * them like the exponent so that the sum cannot overflow. */
    long frac = sc.frac_digits > 100000 ? 100000 : (long)sc.frac_digits;
    long zeros = sc.zeros > 100000 ? 100000 : (long)sc.zeros;
    uint64_t v;
    app_num_status st = scan_value(&sc, exp - frac + zeros, &v);
    if (st != APP_NUM_OK)
        return st;
    if (v < min)
        return APP_NUM_SMALL;
    if (v > max)
        return APP_NUM_LARGE;
    *value = v;
    return APP_NUM_OK;
}

/* ---------------------------------------------------------- messages -- */

void app_count_message(char *err, size_t errlen, const char *what, const char *arg,
                       app_num_status st, uint64_t min, uint64_t max) {
    static const char *const reasons[] = {
        [APP_NUM_OK] = "valid",
        [APP_NUM_EMPTY] = "empty",
        [APP_NUM_NEGATIVE] = "not a positive integer",
        [APP_NUM_SYNTAX] = "not a decimal integer",
        [APP_NUM_FRACTION] = "not an integer",
    };
    if (errlen == 0)
        return;
    if (st == APP_NUM_SMALL || (st == APP_NUM_NEGATIVE && min == 0))
        (void)snprintf(err, errlen, "invalid %s '%s': must be at least %" PRIu64, what, arg, min);
    else if (st == APP_NUM_LARGE)
        (void)snprintf(err, errlen, "invalid %s '%s': must be at most %" PRIu64, what, arg, max);
    else
        (void)snprintf(err, errlen, "invalid %s '%s': %s", what, arg, reasons[st]);
}

int app_parse_workers(const char *arg, unsigned *workers, char *err, size_t errlen) {
    uint64_t v;
    app_num_status st = app_parse_count(arg, 1, APP_WORKERS_MAX, &v);
    if (st != APP_NUM_OK) {
        app_count_message(err, errlen, "worker count", arg, st, 1, APP_WORKERS_MAX);
        return -1;
    }
    *workers = (unsigned)v;
    return 0;
}

/* The long option whose value is val (its first spelling), or NULL. */
static const char *long_name(const struct option *longopts, int val) {
    for (const struct option *o = longopts; o != NULL && o->name != NULL; o++)
        if (o->flag == NULL && o->val == val)
            return o->name;
    return NULL;
}

/* Whether c is one of optstring's option characters. */
static bool is_short(const char *optstring, int c) {
    return c > 0 && c < 256 && c != ':' && strchr(optstring, c) != NULL;
}

void app_option_message(char *err, size_t errlen, int c, char *const argv[], const char *optstring,
                        const struct option *longopts) {
    if (errlen == 0)
        return;
    /* After ':' the option's own word is argv[optind - 1] (a missing
     * argument ends its word), so its "--" says how the user spelled it. */
    const char *word = optind > 0 ? argv[optind - 1] : "";
    const char *name = long_name(longopts, optopt);
    if (c == ':' && strncmp(word, "--", 2) == 0 && name != NULL)
        (void)snprintf(err, errlen, "option '--%s' requires an argument", name);
    else if (c == ':')
        (void)snprintf(err, errlen, "option requires an argument -- '%c'", optopt);
    else if (optopt == 0)
        (void)snprintf(err, errlen, "unrecognized option '%s'", word);
    else if ((is_short(optstring, optopt) || optopt >= 256) && name != NULL)
        (void)snprintf(err, errlen, "option '--%s' doesn't allow an argument", name);
    else
        (void)snprintf(err, errlen, "invalid option -- '%c'", optopt);
}

int app_usage_error(const char *prog, const char *msg) {
    fprintf(stderr, "%s: %s\nTry '%s --help'.\n", prog, msg, prog);
    return APP_EXIT_USAGE;
}

/* ------------------------------------------------------------ stdout -- */

int app_close_stdout(const char *prog, int status) {
    int failed = ferror(stdout) != 0;
    int err = errno;
    if (fflush(stdout) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    if (fclose(stdout) != 0 && !failed) {
        failed = 1;
        err = errno;
    }
    if (!failed || status != APP_EXIT_OK)
        return status;
    fprintf(stderr, "%s: write error: %s\n", prog, strerror(err != 0 ? err : EIO));
    return APP_EXIT_FAILURE;
}
