/*
 * test_spawn.h: the one process spawner of the end-to-end suites (pi, genomics,
 * and the MPI driver tests/apps/mpi/spawn_run.c).
 *
 * wqt_run starts a program with the standard streams a test asks for:
 *   stdin:  /dev/null, a file holding the given bytes, a pipe fed with them
 *           (closed at their end, kept open, or fed in a loop until the
 *           signal is sent), or closed;
 *   stdout: a file, a pipe read as the child writes, a given path
 *           (/dev/full, /dev/null...), or closed;
 *   stderr: a file or a pseudo-terminal (the child's stdout may share it);
 * and sends one signal at a point: at once but blocked in the child until
 * it unblocks it, after N bytes of stdout have been read, or when a given
 * text has appeared on stderr (the child saying it is ready). Never after a
 * delay.
 *
 * wqt_start runs a child interactively instead: its stdin and stdout are
 * pipes the test writes and reads in turn (wqt_write, wqt_read_line), it
 * may be sent a signal at any point (wqt_signal), and wqt_finish closes its
 * stdin, reads the rest of its stdout and reaps it. The timeouts of these
 * calls only guard against a hang: when one expires the child is killed and
 * the test fails; they never synchronise anything.
 *
 * Guarantees: the child starts with the default action for SIGINT, SIGTERM
 * and SIGPIPE and an empty signal mask (what a shell gives it), is always
 * reaped, and nothing it wrote is lost. The parent waits in poll(), with no
 * threads, so a full pipe never deadlocks a test. Everything returned is
 * NUL-terminated and owned by the caller (wqt_result_free). Every failure
 * of the harness itself fails the test (Criterion's cr_assert).
 */
#ifndef WQ_TEST_SPAWN_H
#define WQ_TEST_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

typedef enum wqt_in {
    WQT_IN_NULL,      /* /dev/null (the default) */
    WQT_IN_FILE,      /* a regular file holding in[0..in_len) */
    WQT_IN_PIPE,      /* a pipe fed in[0..in_len), then closed */
    WQT_IN_PIPE_OPEN, /* a pipe fed in[0..in_len), never closed: the child
                         must stop by itself (signal or error) */
    WQT_IN_REPEAT,    /* a pipe fed in[0..in_len) over and over until the
                         signal is sent, then left open */
    WQT_IN_CLOSED     /* descriptor 0 closed */
} wqt_in;

typedef enum wqt_out {
    WQT_OUT_FILE,   /* a temporary file, read once the child exits (default) */
    WQT_OUT_PIPE,   /* a pipe, read as the child writes */
    WQT_OUT_PATH,   /* out_path opened for writing (e.g. /dev/full) */
    WQT_OUT_CLOSED, /* descriptor 1 closed */
    WQT_OUT_PTY     /* the same pseudo-terminal as stderr (err = WQT_ERR_PTY) */
} wqt_out;

typedef enum wqt_err {
    WQT_ERR_FILE, /* a temporary file (default) */
    WQT_ERR_PTY   /* a pseudo-terminal; result.err is what it showed */
} wqt_err;

typedef enum wqt_when {
    WQT_NEVER,     /* no signal (default) */
    WQT_AT_START,  /* pending and blocked when the child starts (raised by
                      sig_exec.c before it runs the program): it arrives when
                      the child unblocks it (e.g. after installing its handler) */
    WQT_AFTER_OUT, /* once after_out bytes of stdout have been read (pipe) */
    WQT_ON_ERR     /* once err_text has appeared on stderr (pty) */
} wqt_when;

typedef struct wqt_opts {
    const char *in; /* stdin bytes for the FILE and PIPE modes */
    size_t in_len;
    wqt_in in_mode;
    wqt_out out_mode;
    const char *out_path; /* WQT_OUT_PATH */
    wqt_err err_mode;
    int sig; /* the signal sent at `when` */
    wqt_when when;
    size_t after_out;     /* WQT_AFTER_OUT: bytes of stdout first (>= 1) */
    const char *err_text; /* WQT_ON_ERR: the text to wait for */
} wqt_opts;

typedef struct wqt_result {
    char *out, *err; /* what the child wrote; out is "" unless captured */
    size_t outlen, errlen;
    int status; /* the exit code, or 128 + the signal that killed it */
    int signal; /* the signal that killed it, or 0 */
} wqt_result;

/* Runs exe with argv (argv[0] included, NULL-terminated) as o says (NULL:
 * all defaults) and waits for it to exit. */
wqt_result wqt_run(const char *exe, const char *const argv[], const wqt_opts *o);

void wqt_result_free(wqt_result *r);

/* An interactive child (wqt_start ... wqt_finish). */
typedef struct wqt_child wqt_child;

/* Starts exe with argv (as wqt_run), stdin and stdout pipes and stderr a
 * temporary file, with the signal set-up wqt_run gives. Never NULL. */
wqt_child *wqt_start(const char *exe, const char *const argv[]);

/* Writes s[0..n) to the child's stdin, reading its stdout meanwhile (kept
 * for wqt_read_line), so that neither side can block the other. */
void wqt_write(wqt_child *c, const char *s, size_t n, int timeout_ms);

/* The child's next line of stdout, '\n' included (NUL-terminated, owned by
 * the caller), waiting for it as long as needed; NULL when its stdout ends
 * before a whole line. */
char *wqt_read_line(wqt_child *c, int timeout_ms);

/* Sends sig to the child now. */
void wqt_signal(wqt_child *c, int sig);

/* Closes the child's stdin (end of input), reads its stdout to the end and
 * reaps it; frees c. result.out holds what wqt_read_line did not return,
 * result.err all of stderr. */
wqt_result wqt_finish(wqt_child *c, int timeout_ms);

#endif /* WQ_TEST_SPAWN_H */
