/*
 * lockstep INPUT EXPECTED SKIP -- COMMAND ARGS...: feeds COMMAND's stdin
 * one line of INPUT at a time, and reads the matching line of EXPECTED
 * from its stdout BEFORE writing the next input line (the first SKIP input
 * lines print nothing: --skip). A tool that holds a result back until more
 * input comes hangs here; alarm() is only the backstop that turns such a
 * hang into a failure (and ends the command), as a
 * Criterion .timeout does in tests/apps/genomics/test_stall.c. After the
 * last line, stdin is closed: the command must print nothing more and exit
 * 0. Its stderr is the caller's.
 *
 * Exit 0 when every line matched, 1 with a message otherwise.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* A guard against a hang only: one mpirun, start-up included, which slows
 * 10 times or more on a loaded 2-core machine. It scales like every other
 * test's guard (tests/common/test_guard.c, WQT_GUARD_SCALE from CMake). */
#ifndef WQT_GUARD_SCALE
#error "WQT_GUARD_SCALE must be defined (tests/apps/mpi/CMakeLists.txt)"
#endif
enum { BACKSTOP_SECONDS = 60 * WQT_GUARD_SCALE };

static pid_t g_child;
static size_t g_line; /* the input line being answered, for messages */

/* Ends the command: SIGTERM, which mpirun passes on to every rank (each in
 * a process group of its own, so a signal to mpirun's group alone would
 * leave them behind), then reaps it. Async-signal-safe. */
static void end_child(void) {
    if (g_child > 0) {
        kill(-g_child, SIGTERM);
        (void)waitpid(g_child, NULL, 0);
    }
}

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "lockstep: line %zu: %s%s\n", g_line, what, detail);
    end_child();
    exit(1);
}

static void on_alarm(int sig) {
    static const char msg[] = "lockstep: no result while the input stalls (backstop)\n";
    (void)sig;
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing more to do */
    }
    end_child();
    _exit(1);
}

/* The whole file, NUL-terminated. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail("cannot open ", path);
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    size_t n;
    while (s != NULL && (n = fread(s + len, 1, cap - len - 1, f)) > 0)
        if ((len += n) + 1 == cap && (s = realloc(s, cap *= 2)) == NULL)
            break;
    if (s == NULL)
        fail("out of memory reading ", path);
    s[len] = '\0';
    fclose(f);
    return s;
}

/* Splits s at each '\n' (kept): the start of the next line, or NULL. */
static const char *line_end(const char *s) {
    const char *nl = strchr(s, '\n');
    return nl != NULL ? nl + 1 : NULL;
}

static void write_all(int fd, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fail("write to the command: ", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
}

/* Reads exactly n bytes into buf; returns how many came before the end. */
static size_t read_exact(int fd, char *buf, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    return got;
}

static pid_t spawn(char **argv, int *in, int *out) {
    int ip[2], op[2];
    if (pipe2(ip, O_CLOEXEC) != 0 || pipe2(op, O_CLOEXEC) != 0)
        fail("pipe: ", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    pid_t pid;
    if (posix_spawn_file_actions_init(&fa) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, ip[0], 0) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, op[1], 1) != 0 || posix_spawnattr_init(&at) != 0 ||
        posix_spawnattr_setpgroup(&at, 0) != 0 ||
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP) != 0)
        fail("posix_spawn set-up failed", "");
    int rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    if (rc != 0)
        fail("cannot start the command: ", strerror(rc));
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(ip[0]);
    close(op[1]);
    *in = ip[1];
    *out = op[0];
    return pid;
}

int main(int argc, char **argv) {
    if (argc < 6 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: lockstep INPUT EXPECTED SKIP -- COMMAND ARGS...\n");
        return 2;
    }
    const char *input = slurp(argv[1]), *expected = slurp(argv[2]);
    size_t skip = strtoul(argv[3], NULL, 10);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    int in, out;
    g_child = spawn(argv + 5, &in, &out);
    alarm(BACKSTOP_SECONDS);
    const char *want = expected;
    for (const char *p = input, *next; (next = line_end(p)) != NULL; p = next) {
        g_line++;
        write_all(in, p, (size_t)(next - p));
        if (g_line <= skip)
            continue;
        const char *wnext = line_end(want);
        if (wnext == NULL)
            fail("more input lines than expected results", "");
        size_t len = (size_t)(wnext - want);
        char *got = calloc(1, len + 1);
        if (got == NULL || read_exact(out, got, len) != len || memcmp(got, want, len) != 0)
            fail("a different result: ", got != NULL ? got : "");
        free(got);
        want = wnext;
    }
    close(in);
    if (*want != '\0')
        fail("expected more results: ", want);
    char extra[256];
    size_t n = read_exact(out, extra, sizeof extra - 1);
    extra[n] = '\0';
    if (n > 0)
        fail("output after the last result: ", extra);
    int st;
    if (waitpid(g_child, &st, 0) != g_child)
        fail("waitpid: ", strerror(errno));
    alarm(0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail("the command did not exit 0", "");
    printf("ok: %zu lines in lock step\n", g_line);
    return 0;
}
