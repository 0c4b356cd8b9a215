/*
 * pipe.h: the self-pipes pi and genomics wake their waits with.
 *
 * Guarantees: both ends are above 2 (so a closed stdin, stdout or stderr
 * stays closed), close-on-exec (children never inherit them) and
 * non-blocking (a signal handler's write never blocks on a full pipe, and
 * a reader empties the pipe without blocking). On failure nothing is left
 * open.
 */
#ifndef WORKQ_APPS_PIPE_H
#define WORKQ_APPS_PIPE_H

/* Opens a pipe as above into fd[0] (read) and fd[1] (write). Returns 0, or
 * an errno value with fd[0] and fd[1] set to -1. Async-signal-unsafe: call
 * at start-up or from an ordinary thread. */
int app_pipe_open(int fd[2]);

#endif /* WORKQ_APPS_PIPE_H */
