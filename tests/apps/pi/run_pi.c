/*
 * The end-to-end harness (see run_pi.h): pi's modes as options of the
 * shared spawner (tests/common/test_spawn.h).
 */
#define _XOPEN_SOURCE 700

#include "run_pi.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#include "test_spawn.h"

/* The spawner's options for each mode. */
static wqt_opts mode_opts(pi_mode mode) {
    switch (mode) {
    case PI_PLAIN:
        return (wqt_opts){0};
    case PI_SIGINT_EARLY:
        return (wqt_opts){.sig = SIGINT, .when = WQT_AT_START};
    case PI_STDOUT_FULL:
        return (wqt_opts){.out_mode = WQT_OUT_PATH, .out_path = "/dev/full"};
    case PI_STDOUT_CLOSED:
        return (wqt_opts){.out_mode = WQT_OUT_CLOSED};
    case PI_TTY_SIGINT: /* a progress line is "...%..." */
        return (wqt_opts){
            .err_mode = WQT_ERR_PTY, .sig = SIGINT, .when = WQT_ON_ERR, .err_text = "%"};
    }
    cr_assert_fail("bad mode %d", (int)mode);
    return (wqt_opts){0};
}

pi_result pi_run_mode(pi_mode mode, const char *const args[]) {
    const char *argv[64] = {"pi"};
    size_t n = 1;
    for (; args[n - 1] != NULL; n++)
        cr_assert(n < 63, "too many arguments");
    memcpy(argv + 1, args, (n - 1) * sizeof *args);
    argv[n] = NULL;
    wqt_opts o = mode_opts(mode);
    wqt_result w = wqt_run(PI_EXE, argv, &o);
    return (pi_result){.code = w.signal != 0 ? -1 : w.status,
                       .signal = w.signal,
                       .out = w.out,
                       .err = w.err,
                       .out_len = w.outlen,
                       .err_len = w.errlen};
}

void pi_result_free(pi_result *r) {
    free(r->out);
    free(r->err);
    *r = (pi_result){0};
}

char *pi_first_line(const char *s) {
    size_t n = strcspn(s, "\n");
    char *line = strndup(s, n + (s[n] == '\n'));
    cr_assert(line != NULL);
    return line;
}
