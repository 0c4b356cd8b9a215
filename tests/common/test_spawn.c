/*
 * test_spawn.c: see test_spawn.h. posix_spawn with file actions for the child's
 * streams; one poll() loop in the parent feeds stdin, reads the stdout pipe
 * and the terminal, and sends the signal when its point is reached. Every
 * descriptor the parent opens is close-on-exec, so the child holds only its
 * own three and a pipe's end of file or the terminal's EIO means the child
 * (and whatever inherited them) is done.
 *
 * The interactive calls (wqt_start ...) share the spawn and the reading;
 * each waits in poll() until its own deadline, a guard against a hang only.
 */
#define _XOPEN_SOURCE 700 /* posix_openpt, ptsname */
#define _GNU_SOURCE       /* pipe2, mkostemp */

#include "test_spawn.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef WQT_GUARD_SCALE
#error "WQT_GUARD_SCALE must be defined (tests/CMakeLists.txt)"
#endif

extern char **environ;

/* An unlinked temporary file, open for reading and writing. */
static int temp_fd(void) {
    const char *dir = getenv("TMPDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/wqt-spawn-XXXXXX", dir != NULL && *dir ? dir : "/tmp");
    int fd = mkostemp(path, O_CLOEXEC);
    cr_assert(fd >= 0, "mkostemp %s: %s", path, strerror(errno));
    cr_assert(unlink(path) == 0, "unlink %s: %s", path, strerror(errno));
    return fd;
}

/* Appends buf[0..n) to *s (NUL-terminated, *len bytes). */
static void append(char **s, size_t *len, const char *buf, size_t n) {
    char *p = realloc(*s, *len + n + 1);
    cr_assert(p != NULL, "out of memory");
    memcpy(p + *len, buf, n);
    *len += n;
    p[*len] = '\0';
    *s = p;
}

/* The whole file behind fd, from its start. */
static void read_all(int fd, char **s, size_t *len) {
    cr_assert(lseek(fd, 0, SEEK_SET) == 0, "lseek: %s", strerror(errno));
    for (;;) {
        char buf[65536];
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        cr_assert(n >= 0, "read: %s", strerror(errno));
        if (n == 0)
            return;
        append(s, len, buf, (size_t)n);
    }
}

/* The parent's side of one run. */
typedef struct run {
    const wqt_opts *o;
    pid_t pid;
    int in_w;    /* stdin pipe's write end while feeding, else -1 */
    int in_keep; /* the write end kept open after feeding, or -1 */
    size_t in_pos;
    int out_r; /* stdout pipe's read end until its end of file, else -1 */
    int tty;   /* terminal master until EIO, else -1 */
    bool sent; /* the signal was sent */
    wqt_result *r;
} run;

/* Feeds no more of stdin once the signal is out; only WQT_IN_PIPE closes
 * its end. */
static void stop_feeding(run *x) {
    if (x->in_w >= 0) {
        if (x->o->in_mode == WQT_IN_PIPE)
            cr_assert(close(x->in_w) == 0);
        else
            x->in_keep = x->in_w;
        x->in_w = -1;
    }
}

static void send_signal(run *x) {
    cr_assert(kill(x->pid, x->o->sig) == 0, "kill: %s", strerror(errno));
    x->sent = true;
    stop_feeding(x);
}

static void check_point(run *x) {
    if (x->sent)
        return;
    if (x->o->when == WQT_AFTER_OUT && x->r->outlen >= x->o->after_out)
        send_signal(x);
    else if (x->o->when == WQT_ON_ERR && strstr(x->r->err, x->o->err_text) != NULL)
        send_signal(x);
}

/* Writes what the pipe takes of stdin's bytes (the pipe is non-blocking). */
static void feed(run *x) {
    const wqt_opts *o = x->o;
    ssize_t w = write(x->in_w, o->in + x->in_pos, o->in_len - x->in_pos);
    if (w < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (w < 0) { /* EPIPE: the child closed its stdin; stop feeding */
        cr_assert(errno == EPIPE, "write to the child's stdin: %s", strerror(errno));
        x->in_pos = o->in_len;
    } else {
        x->in_pos += (size_t)w;
    }
    if (x->in_pos < o->in_len)
        return;
    if (o->in_mode == WQT_IN_REPEAT && w >= 0) {
        x->in_pos = 0;
        return;
    }
    if (o->in_mode == WQT_IN_PIPE)
        cr_assert(close(x->in_w) == 0);
    else
        x->in_keep = x->in_w;
    x->in_w = -1;
}

/* Reads what fd has into (*s, *len); closes it at its end (0, or EIO from
 * a terminal whose other side is closed) and sets *fd to -1. */
static void drain(int *fd, char **s, size_t *len) {
    char buf[65536];
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n > 0) {
        append(s, len, buf, (size_t)n);
        return;
    }
    cr_assert(n == 0 || errno == EIO, "read from the child: %s", strerror(errno));
    cr_assert(close(*fd) == 0);
    *fd = -1;
}

/* Until the child's stdout pipe and terminal are closed: feeds stdin, reads
 * them, sends the signal at its point. */
static void loop(run *x) {
    while (x->out_r >= 0 || x->tty >= 0 || x->in_w >= 0) {
        struct pollfd p[3] = {{x->in_w, POLLOUT, 0}, {x->out_r, POLLIN, 0}, {x->tty, POLLIN, 0}};
        int n = poll(p, 3, -1);
        if (n < 0 && errno == EINTR)
            continue;
        cr_assert(n > 0, "poll: %s", strerror(errno));
        if (p[0].revents & (POLLOUT | POLLERR | POLLHUP))
            feed(x);
        if (p[1].revents & (POLLIN | POLLERR | POLLHUP))
            drain(&x->out_r, &x->r->out, &x->r->outlen);
        if (p[2].revents & (POLLIN | POLLERR | POLLHUP))
            drain(&x->tty, &x->r->err, &x->r->errlen);
        check_point(x);
    }
}

/* The master of a new pseudo-terminal (close-on-exec); its slave's name in
 * name[0..cap). */
static int open_pty(char *name, size_t cap) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert(master >= 0, "posix_openpt: %s", strerror(errno));
    cr_assert(fcntl(master, F_SETFD, FD_CLOEXEC) == 0);
    cr_assert(grantpt(master) == 0 && unlockpt(master) == 0, "grantpt: %s", strerror(errno));
    const char *slave = ptsname(master);
    cr_assert(slave != NULL && strlen(slave) < cap);
    strcpy(name, slave);
    return master;
}

/* The child's stdin; *fd_in is a descriptor the parent closes after the
 * spawn (or -1), x->in_w the pipe it feeds. */
static void plan_stdin(run *x, posix_spawn_file_actions_t *fa, int *fd_in) {
    const wqt_opts *o = x->o;
    *fd_in = -1;
    switch (o->in_mode) {
    case WQT_IN_NULL:
        cr_assert(posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0) == 0);
        return;
    case WQT_IN_CLOSED:
        cr_assert(posix_spawn_file_actions_addclose(fa, 0) == 0);
        return;
    case WQT_IN_FILE: {
        int fd = temp_fd();
        for (size_t done = 0; done < o->in_len;) {
            ssize_t w = write(fd, o->in + done, o->in_len - done);
            cr_assert(w > 0, "write: %s", strerror(errno));
            done += (size_t)w;
        }
        cr_assert(lseek(fd, 0, SEEK_SET) == 0);
        cr_assert(posix_spawn_file_actions_adddup2(fa, fd, 0) == 0);
        *fd_in = fd;
        return;
    }
    case WQT_IN_PIPE:
    case WQT_IN_PIPE_OPEN:
    case WQT_IN_REPEAT: {
        int p[2];
        cr_assert(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
        cr_assert(fcntl(p[1], F_SETFL, O_NONBLOCK) == 0);
        cr_assert(posix_spawn_file_actions_adddup2(fa, p[0], 0) == 0);
        *fd_in = p[0];
        x->in_w = p[1];
        cr_assert(o->in_mode != WQT_IN_REPEAT || o->in_len > 0, "nothing to repeat");
        return;
    }
    }
    cr_assert_fail("bad in_mode %d", (int)o->in_mode);
}

/* The child's stdout; returns the descriptor the parent closes after the
 * spawn (or -1); *file is the capture file (or -1). */
static int plan_stdout(run *x, posix_spawn_file_actions_t *fa, int *file) {
    *file = -1;
    switch (x->o->out_mode) {
    case WQT_OUT_FILE:
        *file = temp_fd();
        cr_assert(posix_spawn_file_actions_adddup2(fa, *file, 1) == 0);
        return -1;
    case WQT_OUT_PIPE: {
        int p[2];
        cr_assert(pipe2(p, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
        cr_assert(posix_spawn_file_actions_adddup2(fa, p[1], 1) == 0);
        x->out_r = p[0];
        return p[1];
    }
    case WQT_OUT_PATH:
        cr_assert(x->o->out_path != NULL, "WQT_OUT_PATH without out_path");
        cr_assert(posix_spawn_file_actions_addopen(fa, 1, x->o->out_path, O_WRONLY | O_TRUNC, 0) ==
                  0);
        return -1;
    case WQT_OUT_CLOSED:
        cr_assert(posix_spawn_file_actions_addclose(fa, 1) == 0);
        return -1;
    case WQT_OUT_PTY: /* set up with stderr */
        cr_assert(x->o->err_mode == WQT_ERR_PTY, "WQT_OUT_PTY needs WQT_ERR_PTY");
        return -1;
    }
    cr_assert_fail("bad out_mode %d", (int)x->o->out_mode);
    return -1;
}

/* The child's stderr; returns the capture file (or -1). */
static int plan_stderr(run *x, posix_spawn_file_actions_t *fa) {
    if (x->o->err_mode == WQT_ERR_FILE) {
        int fd = temp_fd();
        cr_assert(posix_spawn_file_actions_adddup2(fa, fd, 2) == 0);
        return fd;
    }
    char slave[256];
    x->tty = open_pty(slave, sizeof slave);
    cr_assert(posix_spawn_file_actions_addopen(fa, 2, slave, O_RDWR | O_NOCTTY, 0) == 0);
    if (x->o->out_mode == WQT_OUT_PTY)
        cr_assert(posix_spawn_file_actions_adddup2(fa, 2, 1) == 0);
    return -1;
}

/* Default actions for the signals a test sends or provokes, an empty mask
 * (with sig blocked for WQT_AT_START). */
static void plan_signals(const wqt_opts *o, posix_spawnattr_t *attr) {
    sigset_t dfl, mask;
    cr_assert(sigemptyset(&dfl) == 0 && sigemptyset(&mask) == 0);
    cr_assert(sigaddset(&dfl, SIGINT) == 0 && sigaddset(&dfl, SIGTERM) == 0 &&
              sigaddset(&dfl, SIGPIPE) == 0);
    if (o->when == WQT_AT_START)
        cr_assert(sigaddset(&mask, o->sig) == 0);
    cr_assert(posix_spawnattr_setsigdefault(attr, &dfl) == 0);
    cr_assert(posix_spawnattr_setsigmask(attr, &mask) == 0);
    cr_assert(posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) == 0);
}

static void check_opts(const wqt_opts *o) {
    cr_assert(o->when != WQT_AFTER_OUT || (o->out_mode == WQT_OUT_PIPE && o->after_out > 0),
              "WQT_AFTER_OUT needs WQT_OUT_PIPE and after_out >= 1");
    cr_assert(o->when != WQT_ON_ERR || (o->err_mode == WQT_ERR_PTY && o->err_text != NULL),
              "WQT_ON_ERR needs WQT_ERR_PTY and err_text");
    cr_assert(o->in_mode != WQT_IN_REPEAT || o->when == WQT_AFTER_OUT || o->when == WQT_ON_ERR,
              "WQT_IN_REPEAT needs a signal point that ends it");
    cr_assert(o->when == WQT_NEVER || o->sig > 0, "a signal point without a signal");
}

static void reap(pid_t pid, wqt_result *r) {
    int st;
    pid_t w;
    while ((w = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        continue;
    cr_assert(w == pid, "waitpid: %s", strerror(errno));
    r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + r->signal;
}

/* Spawns exe as x->o says; *out_file and *err_file are the capture files
 * (or -1). */
static void spawn(run *x, const char *exe, const char *const argv[], int *out_file, int *err_file) {
    const wqt_opts *o = x->o;
    check_opts(o);
    /* A child that stops reading must not kill the test with SIGPIPE. */
    cr_assert(signal(SIGPIPE, SIG_IGN) != SIG_ERR);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    cr_assert(posix_spawn_file_actions_init(&fa) == 0 && posix_spawnattr_init(&attr) == 0);
    int in_child;
    plan_stdin(x, &fa, &in_child);
    int out_child = plan_stdout(x, &fa, out_file);
    *err_file = plan_stderr(x, &fa);
    plan_signals(o, &attr);
    const char *const *args = argv;
    const char *shim[128];
    char sig[16];
    if (o->when == WQT_AT_START) { /* sig_exec SIG EXE ARGV...: pending from the start */
        size_t n = 0;
        while (argv[n] != NULL)
            n++;
        cr_assert(n + 4 <= sizeof shim / sizeof *shim, "too many arguments");
        snprintf(sig, sizeof sig, "%d", o->sig);
        shim[0] = WQT_SIG_EXEC, shim[1] = sig, shim[2] = exe;
        memcpy(shim + 3, argv, (n + 1) * sizeof *argv);
        args = shim, exe = WQT_SIG_EXEC;
        x->sent = true;
    }
    int rc = posix_spawn(&x->pid, exe, &fa, &attr, (char *const *)args, environ);
    cr_assert(rc == 0, "posix_spawn %s: %s", exe, strerror(rc));
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (in_child >= 0)
        cr_assert(close(in_child) == 0);
    if (out_child >= 0)
        cr_assert(close(out_child) == 0);
}

/* Reads the capture files into r and closes them. */
static void collect(wqt_result *r, int out_file, int err_file) {
    if (out_file >= 0) {
        read_all(out_file, &r->out, &r->outlen);
        cr_assert(close(out_file) == 0);
    }
    if (err_file >= 0) {
        read_all(err_file, &r->err, &r->errlen);
        cr_assert(close(err_file) == 0);
    }
}

static wqt_result empty_result(void) {
    wqt_result r = {0};
    append(&r.out, &r.outlen, "", 0);
    append(&r.err, &r.errlen, "", 0);
    return r;
}

wqt_result wqt_run(const char *exe, const char *const argv[], const wqt_opts *opts) {
    static const wqt_opts defaults = {0};
    const wqt_opts *o = opts != NULL ? opts : &defaults;
    wqt_result r = empty_result();
    run x = {.o = o, .in_w = -1, .in_keep = -1, .out_r = -1, .tty = -1, .r = &r};
    int out_file, err_file;
    spawn(&x, exe, argv, &out_file, &err_file);
    if (o->when == WQT_AT_START) /* raised by sig_exec, pending in the child */
        stop_feeding(&x);
    loop(&x);
    reap(x.pid, &r);
    if (x.in_keep >= 0)
        cr_assert(close(x.in_keep) == 0);
    collect(&r, out_file, err_file);
    return r;
}

void wqt_result_free(wqt_result *r) {
    free(r->out);
    free(r->err);
    *r = (wqt_result){0};
}

/* ------------------------------------------------------- interactive -- */

/* The parent's side of an interactive child: x as for wqt_run, with the
 * stdin pipe's write end in x.in_w until wqt_finish closes it; r.out[0 ..
 * used) has been returned by wqt_read_line. */
struct wqt_child {
    wqt_opts o;
    run x;
    wqt_result r;
    size_t used;
    int err_file;
    struct timespec end; /* the current call's deadline */
};

/* The deadline of one interactive call: timeout_ms times WQT_GUARD_SCALE,
 * the factor of the tests' own guards (test_guard.c), since these guard
 * against a hang too and would trip first on a loaded machine. */
static void set_deadline(wqt_child *c, int timeout_ms) {
    cr_assert(timeout_ms > 0, "a timeout must be positive");
    cr_assert(clock_gettime(CLOCK_MONOTONIC, &c->end) == 0);
    long long ms = (long long)timeout_ms * WQT_GUARD_SCALE;
    c->end.tv_sec += (time_t)(ms / 1000);
    c->end.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (c->end.tv_nsec >= 1000000000L)
        c->end.tv_sec++, c->end.tv_nsec -= 1000000000L;
}

/* Milliseconds left before the deadline; at 0 the child is killed and the
 * test fails (what: what the test was waiting for). */
static int time_left(wqt_child *c, const char *what) {
    struct timespec now;
    cr_assert(clock_gettime(CLOCK_MONOTONIC, &now) == 0);
    long long ms =
        (long long)(c->end.tv_sec - now.tv_sec) * 1000 + (c->end.tv_nsec - now.tv_nsec) / 1000000L;
    if (ms <= 0) {
        kill(c->x.pid, SIGKILL);
        cr_assert_fail("timed out waiting for %s; stdout so far: %s", what, c->r.out + c->used);
    }
    return ms > 1000000 ? 1000000 : (int)ms;
}

/* One wait for stdin to take bytes (when want_in) or stdout to have some;
 * reads what stdout has. Returns whether stdin can take bytes. */
static bool wait_io(wqt_child *c, bool want_in, const char *what) {
    struct pollfd p[2] = {{want_in ? c->x.in_w : -1, POLLOUT, 0}, {c->x.out_r, POLLIN, 0}};
    int n = poll(p, 2, time_left(c, what));
    if (n < 0 && errno == EINTR)
        return false;
    cr_assert(n >= 0, "poll: %s", strerror(errno));
    if (p[1].revents & (POLLIN | POLLERR | POLLHUP))
        drain(&c->x.out_r, &c->r.out, &c->r.outlen);
    return (p[0].revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
}

wqt_child *wqt_start(const char *exe, const char *const argv[]) {
    wqt_child *c = calloc(1, sizeof *c);
    cr_assert(c != NULL, "out of memory");
    c->o = (wqt_opts){.in_mode = WQT_IN_PIPE_OPEN, .out_mode = WQT_OUT_PIPE};
    c->r = empty_result();
    c->x = (run){.o = &c->o, .in_w = -1, .in_keep = -1, .out_r = -1, .tty = -1, .r = &c->r};
    int out_file;
    spawn(&c->x, exe, argv, &out_file, &c->err_file);
    cr_assert(out_file < 0 && c->x.in_w >= 0 && c->x.out_r >= 0);
    return c;
}

void wqt_write(wqt_child *c, const char *s, size_t n, int timeout_ms) {
    cr_assert(c->x.in_w >= 0, "wqt_write after wqt_finish");
    set_deadline(c, timeout_ms);
    while (n > 0) {
        if (!wait_io(c, true, "the child's stdin to take input"))
            continue;
        ssize_t w = write(c->x.in_w, s, n);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        cr_assert(w > 0, "write to the child's stdin: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
}

char *wqt_read_line(wqt_child *c, int timeout_ms) {
    set_deadline(c, timeout_ms);
    for (;;) {
        const char *at = c->r.out + c->used;
        const char *nl = memchr(at, '\n', c->r.outlen - c->used);
        if (nl != NULL) {
            size_t len = (size_t)(nl - at) + 1;
            char *line = malloc(len + 1);
            cr_assert(line != NULL, "out of memory");
            memcpy(line, at, len);
            line[len] = '\0';
            c->used += len;
            return line;
        }
        if (c->x.out_r < 0)
            return NULL;
        wait_io(c, false, "a line on the child's stdout");
    }
}

void wqt_signal(wqt_child *c, int sig) {
    cr_assert(kill(c->x.pid, sig) == 0, "kill: %s", strerror(errno));
}

wqt_result wqt_finish(wqt_child *c, int timeout_ms) {
    if (c->x.in_w >= 0)
        cr_assert(close(c->x.in_w) == 0);
    c->x.in_w = -1;
    set_deadline(c, timeout_ms);
    while (c->x.out_r >= 0)
        wait_io(c, false, "the end of the child's stdout");
    reap(c->x.pid, &c->r);
    collect(&c->r, -1, c->err_file);
    wqt_result r = c->r;
    r.outlen -= c->used;
    memmove(r.out, r.out + c->used, r.outlen + 1);
    free(c);
    return r;
}
