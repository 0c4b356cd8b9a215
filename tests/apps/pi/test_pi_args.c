/*
 * pi's argument parser as a pure function: app_parse_count on tables of
 * accepted and rejected numbers, pi_args_parse on whole command lines
 * (values, defaults, exact messages), and its purity (argv untouched, no
 * state carried from one call to the next).
 */
#include "args.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <string.h>

#define TIMEOUT 10

/* ------------------------------------------------------------ numbers -- */

/* Criterion runs each test in a fresh process (re-executed, so with other
 * addresses): parameters hold their strings inline, never pointers. */
typedef struct count_case {
    char text[32];
    app_num_status status;
    uint64_t value; /* when APP_NUM_OK */
} count_case;

ParameterizedTestParameters(pi_args, parse_count) {
    static count_case cases[] = {
        {"1", APP_NUM_OK, 1},
        {"1000000000", APP_NUM_OK, 1000000000},
        {"007", APP_NUM_OK, 7},
        {"1e9", APP_NUM_OK, 1000000000},
        {"1E9", APP_NUM_OK, 1000000000},
        {"1e+9", APP_NUM_OK, 1000000000},
        {"2.5e3", APP_NUM_OK, 2500},
        {"1000e-3", APP_NUM_OK, 1},
        {"1.000e2", APP_NUM_OK, 100},
        {"1_000_000", APP_NUM_OK, 1000000},
        {"1_0.2_5e2", APP_NUM_OK, 1025},
        {"2251799813685248", APP_NUM_OK, UINT64_C(2251799813685248)},
        {"2_251_799_813_685_248", APP_NUM_OK, UINT64_C(2251799813685248)},
        {"0000000000000000000000000000042", APP_NUM_OK, 42},
        {"", APP_NUM_EMPTY, 0},
        {"-5", APP_NUM_NEGATIVE, 0},
        {"-", APP_NUM_SYNTAX, 0},
        {"+5", APP_NUM_SYNTAX, 0},
        {" 5", APP_NUM_SYNTAX, 0},
        {"5 ", APP_NUM_SYNTAX, 0},
        {"12abc", APP_NUM_SYNTAX, 0},
        {"0x10", APP_NUM_SYNTAX, 0},
        {"1__0", APP_NUM_SYNTAX, 0},
        {"_1", APP_NUM_SYNTAX, 0},
        {"1_", APP_NUM_SYNTAX, 0},
        {"1_e3", APP_NUM_SYNTAX, 0},
        {"1e3_0", APP_NUM_SYNTAX, 0},
        {"1.", APP_NUM_SYNTAX, 0},
        {".5", APP_NUM_SYNTAX, 0},
        {"1e", APP_NUM_SYNTAX, 0},
        {"1e+", APP_NUM_SYNTAX, 0},
        {"inf", APP_NUM_SYNTAX, 0},
        {"nan", APP_NUM_SYNTAX, 0},
        {"1.5", APP_NUM_FRACTION, 0},
        {"1e-3", APP_NUM_FRACTION, 0},
        {"1234e-2", APP_NUM_FRACTION, 0},
        {"1e-99999999999999999999", APP_NUM_FRACTION, 0},
        {"0", APP_NUM_SMALL, 0},
        {"0e5", APP_NUM_SMALL, 0},
        {"0.0", APP_NUM_SMALL, 0},
        {"2251799813685249", APP_NUM_LARGE, 0},
        {"18446744073709551615", APP_NUM_LARGE, 0},
        {"18446744073709551616", APP_NUM_LARGE, 0},
        {"99999999999999999999999999999", APP_NUM_LARGE, 0},
        {"1e16", APP_NUM_LARGE, 0},
        {"1e99999999999999999999", APP_NUM_LARGE, 0},
    };
    return cr_make_param_array(count_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(count_case *c, pi_args, parse_count, .timeout = TIMEOUT) {
    uint64_t v = 12345;
    app_num_status st = app_parse_count(c->text, 1, PI_INTERVALS_MAX, &v);
    cr_assert_eq(st, c->status, "'%s': status %d, expected %d", c->text, st, c->status);
    cr_assert_eq(v, st == APP_NUM_OK ? c->value : 12345, "'%s': value %llu", c->text,
                 (unsigned long long)v);
}

Test(pi_args, parse_count_bounds, .timeout = TIMEOUT) {
    uint64_t v = 0;
    cr_assert_eq(app_parse_count("18446744073709551615", 0, UINT64_MAX, &v), APP_NUM_OK);
    cr_assert_eq(v, UINT64_MAX);
    cr_assert_eq(app_parse_count("0", 0, 10, &v), APP_NUM_OK);
    cr_assert_eq(v, 0);
    cr_assert_eq(app_parse_count("11", 0, 10, &v), APP_NUM_LARGE);
    cr_assert_eq(app_parse_count("4", 5, 10, &v), APP_NUM_SMALL);
}

/* ------------------------------------------------------ command lines -- */

/* pi_args_parse on a NULL-terminated list of literals (argv[0] included). */
static int parse_list(pi_args *a, char *err, size_t errlen, const char *const list[]) {
    char *argv[16];
    int argc = 0;
    for (; list[argc] != NULL && argc < 15; argc++)
        argv[argc] = (char *)list[argc]; /* pi_args_parse writes none of them */
    argv[argc] = NULL;
    return pi_args_parse(argc, argv, a, err, errlen);
}

#define PARSE(a, err, errlen, ...)                                                                 \
    parse_list(a, err, errlen, (const char *const[]){__VA_ARGS__, NULL})

Test(pi_args, defaults, .timeout = TIMEOUT) {
    pi_args a;
    char err[128];
    cr_assert_eq(PARSE(&a, err, sizeof err, "pi", "1e9"), 0, "%s", err);
    cr_assert_eq(a.action, PI_ACTION_RUN);
    cr_assert_eq(a.intervals, 1000000000);
    cr_assert_eq(a.workers, 0);
    cr_assert_eq(a.chunks, 256);
    cr_assert_eq(a.kernel, PI_KERNEL_FAST);
    cr_assert(!a.async && !a.json);
    cr_assert_str_eq(err, "");
}

Test(pi_args, every_option, .timeout = TIMEOUT) {
    pi_args a;
    char err[128];
    cr_assert_eq(PARSE(&a, err, sizeof err, "pi", "--json", "100", "-w3", "--chunks=7", "--kernel",
                       "lesson", "--async"),
                 0, "%s", err);
    cr_assert_eq(a.intervals, 100);
    cr_assert_eq(a.workers, 3);
    cr_assert_eq(a.chunks, 7);
    cr_assert_eq(a.kernel, PI_KERNEL_LESSON);
    cr_assert(a.async && a.json);
}

Test(pi_args, long_option_prefixes, .timeout = TIMEOUT) {
    pi_args a;
    cr_assert_eq(PARSE(&a, NULL, 0, "pi", "--work", "2", "--ch", "5", "10"), 0);
    cr_assert_eq(a.workers, 2);
    cr_assert_eq(a.chunks, 5);
}

typedef struct chunks_case {
    uint64_t intervals, chunks;
} chunks_case;

ParameterizedTestParameters(pi_args, default_chunks) {
    static chunks_case cases[] = {
        {1, 1},        {65535, 1},      {65536, 1},      {131071, 1},       {131072, 2},
        {1000000, 15}, {16777215, 255}, {16777216, 256}, {1000000000, 256}, {PI_INTERVALS_MAX, 256},
    };
    return cr_make_param_array(chunks_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(chunks_case *c, pi_args, default_chunks, .timeout = TIMEOUT) {
    cr_assert_eq(pi_default_chunks(c->intervals), c->chunks, "%llu",
                 (unsigned long long)c->intervals);
}

Test(pi_args, help_and_version_stop_the_parse, .timeout = TIMEOUT) {
    pi_args a;
    cr_assert_eq(PARSE(&a, NULL, 0, "pi", "--help", "--bogus"), 0);
    cr_assert_eq(a.action, PI_ACTION_HELP);
    cr_assert_eq(PARSE(&a, NULL, 0, "pi", "-w", "2", "-V", "x", "y"), 0);
    cr_assert_eq(a.action, PI_ACTION_VERSION);
}

typedef struct bad_case {
    char args[4][24]; /* up to the first "" */
    char message[128];
} bad_case;

ParameterizedTestParameters(pi_args, rejected) {
    static bad_case cases[] = {
        {{""}, "missing INTERVALS"},
        {{"1", "2"}, "unexpected argument '2'"},
        {{"-7"}, "invalid INTERVALS '-7': not a positive integer"},
        {{"-w", "2", "-42"}, "invalid INTERVALS '-42': not a positive integer"},
        {{"3.25"}, "invalid INTERVALS '3.25': not an integer"},
        {{"--workers", "-1", "5"}, "invalid worker count '-1': not a positive integer"},
        {{"--workers", "1.5", "5"}, "invalid worker count '1.5': not an integer"},
        {{"--chunks", "1048577", "1e7"}, "invalid --chunks '1048577': must be at most 1048576"},
        {{"--chunks", "1e1", "5"}, "invalid --chunks '1e1': must be at most INTERVALS (5)"},
        {{"--chunks"}, "option '--chunks' requires an argument"},
        {{"5", "--kernel"}, "option '--kernel' requires an argument"},
        {{"--kernel=", "5"}, "invalid --kernel '': expected 'fast' or 'lesson'"},
        {{"--async=1", "5"}, "option '--async' doesn't allow an argument"},
        {{"--help=me"}, "option '--help' doesn't allow an argument"},
        {{"--", "--json"}, "invalid INTERVALS '--json': not a decimal integer"},
    };
    return cr_make_param_array(bad_case, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(bad_case *c, pi_args, rejected, .timeout = TIMEOUT) {
    const char *list[8] = {"pi"};
    for (size_t i = 0; i < 4 && c->args[i][0] != '\0'; i++)
        list[i + 1] = c->args[i];
    pi_args a;
    char err[256];
    cr_assert_eq(parse_list(&a, err, sizeof err, list), APP_EXIT_USAGE);
    cr_assert_str_eq(err, c->message);
}

/* --------------------------------------------------------------- purity -- */

Test(pi_args, argv_is_not_permuted, .timeout = TIMEOUT) {
    char a0[] = "pi", a1[] = "100", a2[] = "-w", a3[] = "2", a4[] = "--json";
    char *argv[] = {a0, a1, a2, a3, a4, NULL};
    char *before[sizeof argv / sizeof argv[0]];
    memcpy(before, argv, sizeof argv);
    pi_args a;
    cr_assert_eq(pi_args_parse(5, argv, &a, NULL, 0), 0);
    cr_assert_arr_eq(argv, before, sizeof argv);
    cr_assert_eq(a.intervals, 100);
    cr_assert_eq(a.workers, 2);
}

Test(pi_args, no_state_between_calls, .timeout = TIMEOUT) {
    pi_args a;
    char err[128];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(PARSE(&a, err, sizeof err, "pi", "-w", "2", "-x", "5"), APP_EXIT_USAGE);
        cr_assert_str_eq(err, "invalid option -- 'x'");
        cr_assert_eq(PARSE(&a, err, sizeof err, "pi", "5"), 0);
        cr_assert_eq(a.workers, 0);
        cr_assert_eq(a.intervals, 5);
        cr_assert_str_eq(err, "");
    }
}

Test(pi_args, message_is_truncated_to_the_buffer, .timeout = TIMEOUT) {
    pi_args a;
    char err[12];
    cr_assert_eq(PARSE(&a, err, sizeof err, "pi", "123456789x"), APP_EXIT_USAGE);
    cr_assert_str_eq(err, "invalid INT");
}
