/*
 * sig_exec.c: `sig_exec SIG EXE ARG0 ARGS...` raises SIG in itself, then
 * runs EXE with the argument vector ARG0 ARGS....
 *
 * The spawner (test_spawn.c, WQT_AT_START) starts it with SIG blocked, so
 * the signal is pending before EXE's first instruction: execve keeps both
 * the mask and the pending set. A kill(2) from the parent after spawning
 * could instead land after the program had unblocked the signal and gone
 * on (a descheduled parent on a loaded machine), which made "a signal that
 * has arrived before the first read" a race.
 *
 * Exits 127 with a message when its arguments or the exec fail.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: sig_exec SIG EXE ARG0 [ARGS...]\n");
        return 127;
    }
    char *end;
    long sig = strtol(argv[1], &end, 10);
    sigset_t blocked;
    if (*end != '\0' || sig <= 0 || sig > INT_MAX || sigprocmask(SIG_BLOCK, NULL, &blocked) != 0 ||
        sigismember(&blocked, (int)sig) != 1) {
        fprintf(stderr, "sig_exec: %s: not a blocked signal\n", argv[1]);
        return 127;
    }
    if (raise((int)sig) != 0) {
        fprintf(stderr, "sig_exec: raise: %s\n", strerror(errno));
        return 127;
    }
    execv(argv[2], argv + 3);
    fprintf(stderr, "sig_exec: %s: %s\n", argv[2], strerror(errno));
    return 127;
}
