/*
 * The end-to-end harness (see run_pi.h): posix_spawn of PI_EXE with its
 * output captured in unlinked temporary files or on a pseudo-terminal.
 */
#define _XOPEN_SOURCE 700

#include "run_pi.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* An unlinked temporary file, open for reading and writing. */
static int temp_fd(void) {
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/pi-test-XXXXXX", dir != NULL && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
    cr_assert(unlink(path) == 0);
    return fd;
}

/* Appends what fd still has to read to *buf (NUL-terminated). Stops at end
 * of file, or at EIO from a pseudo-terminal whose other side closed. When
 * stop_at is not NUL, returns as soon as that byte has been read. */
static void drain(int fd, char **buf, size_t *len, char stop_at) {
    for (;;) {
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (n < 0 && errno == EIO))
            return;
        cr_assert(n > 0, "read: %s", strerror(errno));
        *buf = realloc(*buf, *len + (size_t)n + 1);
        cr_assert(*buf != NULL);
        memcpy(*buf + *len, chunk, (size_t)n);
        *len += (size_t)n;
        (*buf)[*len] = '\0';
        if (stop_at != '\0' && memchr(chunk, stop_at, (size_t)n) != NULL)
            return;
    }
}

static void read_file(int fd, char **buf, size_t *len) {
    cr_assert(lseek(fd, 0, SEEK_SET) == 0);
    *buf = calloc(1, 1);
    *len = 0;
    cr_assert(*buf != NULL);
    drain(fd, buf, len, '\0');
}

/* The master side of a new pseudo-terminal; its slave is opened in *slave. */
static int open_pty(int *slave) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert(master >= 0, "posix_openpt: %s", strerror(errno));
    cr_assert(grantpt(master) == 0 && unlockpt(master) == 0);
    const char *name = ptsname(master);
    cr_assert(name != NULL);
    *slave = open(name, O_RDWR | O_NOCTTY);
    cr_assert(*slave >= 0, "open %s: %s", name, strerror(errno));
    return master;
}

static pid_t spawn(pi_mode mode, const char *const args[], int out, int err) {
    const char *argv[64] = {"pi"};
    size_t n = 1;
    for (; args[n - 1] != NULL && n < 63; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    cr_assert(posix_spawn_file_actions_init(&fa) == 0 && posix_spawnattr_init(&attr) == 0);
    cr_assert(posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) == 0);
    if (mode == PI_STDOUT_FULL)
        cr_assert(posix_spawn_file_actions_addopen(&fa, 1, "/dev/full", O_WRONLY, 0) == 0);
    else if (mode == PI_STDOUT_CLOSED)
        cr_assert(posix_spawn_file_actions_addclose(&fa, 1) == 0);
    else
        cr_assert(posix_spawn_file_actions_adddup2(&fa, out, 1) == 0);
    cr_assert(posix_spawn_file_actions_adddup2(&fa, err, 2) == 0);
    /* The child starts with SIGINT at its default action, and blocked in
     * PI_SIGINT_EARLY mode. */
    sigset_t mask, dfl;
    cr_assert(sigemptyset(&mask) == 0 && sigemptyset(&dfl) == 0 && sigaddset(&dfl, SIGINT) == 0);
    if (mode == PI_SIGINT_EARLY)
        cr_assert(sigaddset(&mask, SIGINT) == 0);
    cr_assert(posix_spawnattr_setsigmask(&attr, &mask) == 0);
    cr_assert(posix_spawnattr_setsigdefault(&attr, &dfl) == 0);
    cr_assert(posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) == 0);
    pid_t pid;
    int rc = posix_spawn(&pid, PI_EXE, &fa, &attr, (char *const *)argv, environ);
    cr_assert(rc == 0, "posix_spawn %s: %s", PI_EXE, strerror(rc));
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    return pid;
}

static void reap(pid_t pid, pi_result *r) {
    int status;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        continue;
    cr_assert(w == pid, "waitpid: %s", strerror(errno));
    r->code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
}

/* PI_TTY_SIGINT: reads the terminal until a progress line ("...%...")
 * shows, interrupts, then reads the rest until pi exits. */
static void watch_tty(pid_t pid, int master, pi_result *r) {
    r->err = calloc(1, 1);
    cr_assert(r->err != NULL);
    while (strchr(r->err, '%') == NULL) {
        size_t before = r->err_len;
        drain(master, &r->err, &r->err_len, '%');
        cr_assert(r->err_len > before, "pi exited before showing progress: %s", r->err);
    }
    cr_assert(kill(pid, SIGINT) == 0);
    drain(master, &r->err, &r->err_len, '\0');
}

pi_result pi_run_mode(pi_mode mode, const char *const args[]) {
    pi_result r = {0};
    int out = temp_fd(), err, master = -1;
    if (mode == PI_TTY_SIGINT)
        master = open_pty(&err);
    else
        err = temp_fd();
    pid_t pid = spawn(mode, args, out, err);
    if (mode == PI_SIGINT_EARLY)
        cr_assert(kill(pid, SIGINT) == 0);
    if (mode == PI_TTY_SIGINT) {
        cr_assert(close(err) == 0); /* so that EIO marks pi's exit */
        watch_tty(pid, master, &r);
        cr_assert(close(master) == 0);
    }
    reap(pid, &r);
    read_file(out, &r.out, &r.out_len);
    if (mode != PI_TTY_SIGINT) {
        read_file(err, &r.err, &r.err_len);
        cr_assert(close(err) == 0);
    }
    cr_assert(close(out) == 0);
    return r;
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
