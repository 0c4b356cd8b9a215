/*
 * Runs the built pi executable (PI_EXE) as a child process and captures
 * what it did, for the end-to-end tests, through the shared spawner
 * (tests/common/test_spawn.h).
 *
 * Guarantees: the child gets stdin from /dev/null, stdout and stderr into
 * unlinked temporary files (or stderr on a pseudo-terminal), and is always
 * reaped. Everything returned is NUL-terminated and owned by the caller
 * (pi_result_free). Every failure of the harness itself aborts the test.
 */
#ifndef TEST_RUN_PI_H
#define TEST_RUN_PI_H

#include <stdbool.h>
#include <stddef.h>

typedef struct pi_result {
    int code;   /* exit status, or -1 when killed by a signal */
    int signal; /* the killing signal, or 0 */
    char *out;  /* stdout */
    char *err;  /* stderr (or what the pseudo-terminal showed) */
    size_t out_len, err_len;
} pi_result;

typedef enum pi_mode {
    PI_PLAIN,         /* just run */
    PI_SIGINT_EARLY,  /* start with SIGINT blocked and send one at once: it is
                         delivered when pi unblocks it, i.e. before any work */
    PI_STDOUT_FULL,   /* stdout is /dev/full */
    PI_STDOUT_CLOSED, /* stdout is closed */
    PI_TTY_SIGINT     /* stderr on a pseudo-terminal; SIGINT once a progress
                         line appears */
} pi_mode;

/* Runs pi with args[] (NULL-terminated, without argv[0]). */
pi_result pi_run_mode(pi_mode mode, const char *const args[]);

/* pi_run(...) runs pi with the listed arguments. */
#define pi_run(...) pi_run_mode(PI_PLAIN, (const char *const[]){__VA_ARGS__, NULL})

void pi_result_free(pi_result *r);

/* The first line of s, including its '\n', in a new string. */
char *pi_first_line(const char *s);

#endif /* TEST_RUN_PI_H */
