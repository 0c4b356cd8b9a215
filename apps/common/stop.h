/*
 * stop.h: SIGINT and SIGTERM for pi and genomics: one flag, one pipe.
 *
 * SIGINT (Ctrl-C) and SIGTERM (what batch schedulers send at a time limit)
 * ask a run to stop: it stops taking work, prints what it may, says so,
 * and exits 128 + the signal (130, 143). A second signal while the first
 * is being handled ends the process at once, with the signal's default
 * action.
 *
 * Guarantees: the handler only stores the signal number in a lock-free
 * atomic int and writes one byte to a non-blocking self-pipe (both
 * async-signal-safe). The pipe's read end becomes readable at the first
 * signal, so a poll() on input can give way at once. Both signals are
 * caught even when ignored at start (`tool &` in a script) and unblocked
 * in the calling thread: install before creating threads, which inherit
 * the mask. One set of handlers per process.
 */
#ifndef WORKQ_APPS_STOP_H
#define WORKQ_APPS_STOP_H

#include <stdatomic.h>
#include <stdbool.h>

/* Installs the handlers and the pipe. Returns 0 or an errno value. */
int app_stop_install(void);

/* The stop flag: 0; the signal's number once one arrived; -1 when the
 * program asked itself to stop (app_stop_request). Threads may read it. */
atomic_int *app_stop_flag(void);

/* The signal that arrived (SIGINT, SIGTERM), or 0. */
int app_stop_signal(void);

/* Asks the run to stop without a signal (a failed write); keeps a signal
 * number already there. Any thread; async-signal-safe. */
void app_stop_request(void);

/* Makes the pipe readable without a signal, so that a read waiting on
 * input (a stalled pipe or terminal) gives way at once when the run stops
 * for another reason (a failed write). Any thread; async-signal-safe; a
 * no-op before app_stop_install. */
void app_stop_wake(void);

/* Whether a stop was asked for, by a signal or app_stop_request. */
bool app_stop_requested(void);

/* The read end of the self-pipe (readable once a signal arrived), or -1
 * before app_stop_install. */
int app_stop_fd(void);

#endif /* WORKQ_APPS_STOP_H */
