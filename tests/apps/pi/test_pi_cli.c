/*
 * pi end to end: the built executable on good and bad arguments, checking
 * stdout, stderr and the exit status exactly.
 *
 * Guarantees checked: the lesson's two lines; exact values for small N and
 * 1-ulp accuracy against the exact partial sum for large N; the printed pi
 * is byte-identical for any --workers, with or without --async; usage errors
 * print one message and a hint and exit 2 with nothing on stdout; write
 * errors exit 1; SIGINT exits 130 with "pi: interrupted".
 */
#define _XOPEN_SOURCE 700 /* M_PI */

#include "run_pi.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/version.h>

#define TIMEOUT 60

/* The "Time = S sec" line: S is %.16f of a non-negative number. */
static void assert_time_line(const char *s) {
    const char *p = s;
    cr_assert(strncmp(p, "Time = ", 7) == 0, "bad time line: %s", s);
    p += 7;
    size_t int_digits = strspn(p, "0123456789");
    cr_assert(int_digits > 0 && p[int_digits] == '.', "bad time line: %s", s);
    p += int_digits + 1;
    cr_assert(strspn(p, "0123456789") == 16, "bad time line: %s", s);
    cr_assert_str_eq(p + 16, " sec\n");
}

/* A successful run's stdout: the given first line, then the time line. */
static void assert_two_lines(const pi_result *r, const char *first) {
    cr_assert_eq(r->code, 0, "exit %d, stderr: %s", r->code, r->err);
    cr_assert_str_eq(r->err, "");
    char *line = pi_first_line(r->out);
    cr_assert_str_eq(line, first);
    assert_time_line(r->out + strlen(line));
    free(line);
}

/* ------------------------------------------------------ exact values -- */

/* Criterion runs each test in a fresh process (re-executed, so with other
 * addresses): parameters hold their strings inline, never pointers. Argument
 * lists end at the first "". */
#define MAX_ARGS 6
typedef char arg_list[MAX_ARGS][24];

static pi_result run_list(arg_list args) {
    const char *list[MAX_ARGS + 1] = {NULL};
    for (size_t i = 0; i < MAX_ARGS && args[i][0] != '\0'; i++)
        list[i] = args[i];
    return pi_run_mode(PI_PLAIN, list);
}

typedef struct exact_case {
    arg_list args;
    char line[80];
} exact_case;

ParameterizedTestParameters(pi_cli, exact_small) {
    /* Correctly rounded partial sums (exact rationals, then %.16f), and
     * |x - M_PI| as printed. */
    static exact_case cases[] = {
        {{"1"}, "PI is approximately 4.0000000000000000, Error is 0.8584073464102069\n"},
        {{"2"}, "PI is approximately 2.6666666666666665, Error is 0.4749259869231266\n"},
        {{"10"}, "PI is approximately 3.0418396189294024, Error is 0.0997530346603908\n"},
        {{"1000"}, "PI is approximately 3.1405926538397928, Error is 0.0009999997500003\n"},
        {{"1e3"}, "PI is approximately 3.1405926538397928, Error is 0.0009999997500003\n"},
        {{"1_000", "--async"},
         "PI is approximately 3.1405926538397928, Error is 0.0009999997500003\n"},
        {{"-w", "1", "1000"},
         "PI is approximately 3.1405926538397928, Error is 0.0009999997500003\n"},
        /* The lesson's loop on one chunk is Python's float loop, exactly. */
        {{"--kernel", "lesson", "--chunks", "1", "10"},
         "PI is approximately 3.0418396189294032, Error is 0.0997530346603899\n"},
    };
    return cr_make_param_array(exact_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(exact_case *c, pi_cli, exact_small, .timeout = TIMEOUT) {
    pi_result r = run_list(c->args);
    assert_two_lines(&r, c->line);
    pi_result_free(&r);
}

/* ----------------------------------------------------- within 1 ulp -- */

typedef struct ulp_case {
    char intervals[16];
    char chunks[8];
    double exact; /* the exact partial sum, correctly rounded */
} ulp_case;

ParameterizedTestParameters(pi_cli, within_one_ulp) {
    /* From pi - (-1)^N * sum_j (-1)^j E_2j * 2 / (2N)^(2j+1) (Euler numbers),
     * evaluated in 60-digit decimal arithmetic. */
    static ulp_case cases[] = {
        {"999999", "15", 0x1.921fbda7bf2eap+1},   {"999999", "7", 0x1.921fbda7bf2eap+1},
        {"1000000", "15", 0x1.921face0c7013p+1},  {"123456789", "256", 0x1.921fb555a7d73p+1},
        {"123456789", "7", 0x1.921fb555a7d73p+1}, {"123456789", "1", 0x1.921fb555a7d73p+1},
    };
    return cr_make_param_array(ulp_case, cases, sizeof cases / sizeof cases[0]);
}

/* The number after "key": in a JSON object. */
static double json_number(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *p = strstr(json, pattern);
    cr_assert(p != NULL, "no %s in %s", key, json);
    char *end;
    double v = strtod(p + strlen(pattern), &end);
    cr_assert(*end == ',' || *end == '}', "bad %s in %s", key, json);
    return v;
}

ParameterizedTest(ulp_case *c, pi_cli, within_one_ulp, .timeout = TIMEOUT) {
    pi_result r = pi_run("--json", "--chunks", c->chunks, c->intervals);
    cr_assert_eq(r.code, 0, "stderr: %s", r.err);
    double pi = json_number(r.out, "pi");
    cr_assert(pi == c->exact || pi == nextafter(c->exact, 4.0) || pi == nextafter(c->exact, 0.0),
              "%s/%s: %a is more than 1 ulp from %a", c->intervals, c->chunks, pi, c->exact);
    cr_assert_eq(json_number(r.out, "error"), fabs(pi - M_PI));
    pi_result_free(&r);
}

/* ------------------------------------------------------ determinism -- */

/* The pi line of `pi OPTIONS... N` for several worker counts and both
 * paths: all byte-identical. */
static void assert_same_pi(const char *n, const char *chunks) {
    static const char *const variants[][3] = {
        {"-w", "1", NULL},      {"-w", "2", NULL},      {"-w", "3", NULL},
        {"-w", "1", "--async"}, {"-w", "2", "--async"}, {"-w", "5", "--async"},
    };
    char *first = NULL;
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        const char *const *v = variants[i];
        pi_result r = v[2] != NULL ? pi_run(v[0], v[1], v[2], "--chunks", chunks, n)
                                   : pi_run(v[0], v[1], "--chunks", chunks, n);
        cr_assert_eq(r.code, 0, "stderr: %s", r.err);
        cr_assert_str_eq(r.err, "");
        char *line = pi_first_line(r.out);
        if (first == NULL)
            first = line;
        else
            cr_assert_str_eq(line, first, "%s %s differs", v[1], v[2] ? v[2] : "");
        if (line != first)
            free(line);
        pi_result_free(&r);
    }
    free(first);
}

Test(pi_cli, same_pi_for_any_workers_default_chunks, .timeout = TIMEOUT) {
    assert_same_pi("33554467", "256"); /* the default for this N; uneven */
}

Test(pi_cli, same_pi_for_any_workers_uneven_chunks, .timeout = TIMEOUT) {
    assert_same_pi("10000019", "999");
}

Test(pi_cli, same_pi_for_any_workers_many_pieces, .timeout = TIMEOUT) {
    assert_same_pi("50000017", "3"); /* chunks of 4 pieces of 2^22 terms */
}

Test(pi_cli, default_chunks_depend_only_on_intervals, .timeout = TIMEOUT) {
    pi_result a = pi_run("-w", "1", "--json", "33554467");
    pi_result b = pi_run("-w", "4", "--json", "--async", "33554467");
    cr_assert(strstr(a.out, "\"chunks\":256,") != NULL, "%s", a.out);
    cr_assert(strstr(b.out, "\"chunks\":256,") != NULL, "%s", b.out);
    cr_assert_eq(json_number(a.out, "pi"), json_number(b.out, "pi"));
    pi_result_free(&a);
    pi_result_free(&b);
}

/* ------------------------------------------------------------ output -- */

Test(pi_cli, json_object, .timeout = TIMEOUT) {
    pi_result r = pi_run("--json", "-w", "3", "--kernel", "lesson", "1000");
    cr_assert_eq(r.code, 0);
    cr_assert_str_eq(r.err, "");
    const char *head = "{\"intervals\":1000,\"chunks\":1,\"workers\":3,\"ranks\":1,"
                       "\"kernel\":\"lesson\",\"pi\":";
    cr_assert(strncmp(r.out, head, strlen(head)) == 0, "%s", r.out);
    cr_assert(strstr(r.out, ",\"error\":") != NULL && strstr(r.out, ",\"seconds\":") != NULL);
    cr_assert(json_number(r.out, "seconds") >= 0.0);
    cr_assert_eq(strcspn(r.out, "\n"), r.out_len - 1, "one line: %s", r.out);
    cr_assert_eq(r.out[r.out_len - 2], '}');
    pi_result_free(&r);
}

Test(pi_cli, async_off_a_terminal_is_quiet, .timeout = TIMEOUT) {
    pi_result sync = pi_run("2e7");
    pi_result r = pi_run("--async", "-w", "2", "2e7");
    char *line = pi_first_line(sync.out);
    assert_two_lines(&r, line);
    free(line);
    pi_result_free(&r);
    pi_result_free(&sync);
}

Test(pi_cli, help, .timeout = TIMEOUT) {
    pi_result r = pi_run("--help");
    cr_assert_eq(r.code, 0);
    cr_assert_str_eq(r.err, "");
    char *line = pi_first_line(r.out);
    cr_assert_str_eq(line, "Usage: pi [OPTION]... INTERVALS\n");
    cr_assert(strstr(r.out, "at most 2251799813685248") != NULL, "bound not stated");
    free(line);
    pi_result_free(&r);
}

Test(pi_cli, help_stops_the_parse, .timeout = TIMEOUT) {
    pi_result r = pi_run("-h", "--bogus", "x");
    cr_assert_eq(r.code, 0);
    cr_assert_str_eq(r.err, "");
    cr_assert(strncmp(r.out, "Usage: pi ", 10) == 0);
    pi_result_free(&r);
}

Test(pi_cli, version, .timeout = TIMEOUT) {
    pi_result r = pi_run("-V");
    cr_assert_eq(r.code, 0);
    cr_assert_str_eq(r.out, "pi (workq) " WORKQ_VERSION_STRING "\n");
    cr_assert_str_eq(r.err, "");
    pi_result_free(&r);
}

Test(pi_cli, write_error_exits_1, .timeout = TIMEOUT) {
    pi_result r = pi_run_mode(PI_STDOUT_FULL, (const char *const[]){"10", NULL});
    cr_assert_eq(r.code, 1);
    cr_assert_str_eq(r.err, "pi: write error: No space left on device\n");
    pi_result_free(&r);
}

Test(pi_cli, closed_stdout_exits_1, .timeout = TIMEOUT) {
    pi_result r = pi_run_mode(PI_STDOUT_CLOSED, (const char *const[]){"--async", "1000", NULL});
    cr_assert_eq(r.code, 1);
    cr_assert_str_eq(r.err, "pi: write error: Bad file descriptor\n");
    pi_result_free(&r);
}

Test(pi_cli, help_write_error_exits_1, .timeout = TIMEOUT) {
    pi_result r = pi_run_mode(PI_STDOUT_FULL, (const char *const[]){"--help", NULL});
    cr_assert_eq(r.code, 1);
    cr_assert_str_eq(r.err, "pi: write error: No space left on device\n");
    pi_result_free(&r);
}

/* ------------------------------------------------------ usage errors -- */

typedef struct usage_case {
    arg_list args;
    char message[128]; /* after "pi: " */
} usage_case;

ParameterizedTestParameters(pi_cli, usage_errors) {
    static usage_case cases[] = {
        {{""}, "missing INTERVALS"},
        {{"-5"}, "invalid INTERVALS '-5': not a positive integer"},
        {{"--", "-5"}, "invalid INTERVALS '-5': not a positive integer"},
        {{"0"}, "invalid INTERVALS '0': must be at least 1"},
        {{"1.5"}, "invalid INTERVALS '1.5': not an integer"},
        {{"1e-3"}, "invalid INTERVALS '1e-3': not an integer"},
        {{"12abc"}, "invalid INTERVALS '12abc': not a decimal integer"},
        {{"0x10"}, "invalid INTERVALS '0x10': not a decimal integer"},
        {{" 5"}, "invalid INTERVALS ' 5': not a decimal integer"},
        {{"2251799813685249"},
         "invalid INTERVALS '2251799813685249': must be at most "
         "2251799813685248"},
        {{"99999999999999999999999"},
         "invalid INTERVALS '99999999999999999999999': must be "
         "at most 2251799813685248"},
        {{"10", "20"}, "unexpected argument '20'"},
        {{"-w", "0", "10"}, "invalid worker count '0': must be at least 1"},
        {{"-w", "x", "10"}, "invalid worker count 'x': not a decimal integer"},
        {{"--workers=2000", "10"}, "invalid worker count '2000': must be at most 1024"},
        {{"10", "-w"}, "option requires an argument -- 'w'"}, /* what the user typed */
        {{"10", "--workers"}, "option '--workers' requires an argument"},
        {{"--chunks", "0", "10"}, "invalid --chunks '0': must be at least 1"},
        {{"--chunks", "11", "10"}, "invalid --chunks '11': must be at most INTERVALS (10)"},
        {{"--kernel", "slow", "10"}, "invalid --kernel 'slow': expected 'fast' or 'lesson'"},
        {{"--bogus", "10"}, "unrecognized option '--bogus'"},
        {{"-x", "10"}, "invalid option -- 'x'"},
        {{"--json=yes", "10"}, "option '--json' doesn't allow an argument"},
    };
    return cr_make_param_array(usage_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(usage_case *c, pi_cli, usage_errors, .timeout = TIMEOUT) {
    pi_result r = run_list(c->args);
    char expected[512];
    snprintf(expected, sizeof expected, "pi: %s\nTry 'pi --help'.\n", c->message);
    cr_assert_eq(r.code, 2);
    cr_assert_str_eq(r.err, expected);
    cr_assert_str_eq(r.out, "");
    pi_result_free(&r);
}

Test(pi_cli, empty_intervals, .timeout = TIMEOUT) {
    pi_result r = pi_run("-w", "1", "");
    cr_assert_eq(r.code, 2);
    cr_assert_str_eq(r.err, "pi: invalid INTERVALS '': empty\nTry 'pi --help'.\n");
    cr_assert_str_eq(r.out, "");
    pi_result_free(&r);
}

/* ------------------------------------------------------------ SIGINT -- */

static void assert_interrupted(pi_mode mode, const char *const args[]) {
    pi_result r = pi_run_mode(mode, args);
    cr_assert_eq(r.signal, 0, "killed by signal %d", r.signal);
    cr_assert_eq(r.code, 130, "exit %d, stderr: %s", r.code, r.err);
    cr_assert_str_eq(r.out, "");
    if (mode == PI_TTY_SIGINT) /* progress erased, then the message */
        cr_assert(strstr(r.err, "\r\033[Kpi: interrupted") != NULL, "%s", r.err);
    else
        cr_assert_str_eq(r.err, "pi: interrupted\n");
    pi_result_free(&r);
}

Test(pi_cli, sigint_sync, .timeout = TIMEOUT) {
    assert_interrupted(PI_SIGINT_EARLY, (const char *const[]){"2251799813685248", NULL});
}

Test(pi_cli, sigint_async, .timeout = TIMEOUT) {
    assert_interrupted(PI_SIGINT_EARLY,
                       (const char *const[]){"--async", "-w", "2", "2251799813685248", NULL});
}

Test(pi_cli, sigint_mid_run_with_progress_on_a_terminal, .timeout = TIMEOUT) {
    assert_interrupted(PI_TTY_SIGINT,
                       (const char *const[]){"--async", "-w", "2", "2251799813685248", NULL});
}

Test(pi_cli, sigint_mid_run_lesson_kernel, .timeout = TIMEOUT) {
    assert_interrupted(PI_TTY_SIGINT, (const char *const[]){"--async", "--kernel", "lesson",
                                                            "2251799813685248", NULL});
}
