/*
 * stop.c: the signal flag and self-pipe (see stop.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "stop.h"

#include "pipe.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be lock-free");

static atomic_int g_stop;
static int g_pipe[2] = {-1, -1}; /* written by the handler, read end polled */

static void on_signal(int sig) {
    int saved = errno;
    if (atomic_exchange(&g_stop, sig) > 0) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    app_stop_wake();
    errno = saved;
}

int app_stop_install(void) {
    int rc = app_pipe_open(g_pipe);
    if (rc != 0)
        return rc;
    /* SA_RESTART keeps stdio writes from failing with EINTR; poll() is
     * never restarted, so the input sees the pipe. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigset_t set;
    if (sigemptyset(&sa.sa_mask) != 0 || sigaddset(&sa.sa_mask, SIGINT) != 0 ||
        sigaddset(&sa.sa_mask, SIGTERM) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
        sigaction(SIGTERM, &sa, NULL) != 0 || sigemptyset(&set) != 0 ||
        sigaddset(&set, SIGINT) != 0 || sigaddset(&set, SIGTERM) != 0)
        return errno;
    return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

atomic_int *app_stop_flag(void) {
    return &g_stop;
}

int app_stop_signal(void) {
    int s = atomic_load(&g_stop);
    return s > 0 ? s : 0;
}

void app_stop_request(void) {
    int none = 0;
    atomic_compare_exchange_strong(&g_stop, &none, -1);
}

void app_stop_wake(void) {
    int saved = errno;
    if (g_pipe[1] >= 0 && write(g_pipe[1], "!", 1) < 0) {
        /* non-blocking: a full pipe is already readable */
    }
    errno = saved;
}

bool app_stop_requested(void) {
    return atomic_load_explicit(&g_stop, memory_order_relaxed) != 0;
}

int app_stop_fd(void) {
    return g_pipe[0];
}
