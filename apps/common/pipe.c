/*
 * pipe.c: non-blocking close-on-exec self-pipes (see pipe.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "pipe.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Moves fd above 2 with close-on-exec, non-blocking; closes the original.
 * Returns the new descriptor, or -1 with errno set. */
static int raise_fd(int fd) {
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int err = errno;
    close(fd);
    if (moved >= 0 && fcntl(moved, F_SETFL, O_NONBLOCK) != 0) {
        err = errno;
        close(moved);
        moved = -1;
    }
    errno = err;
    return moved;
}

int app_pipe_open(int fd[2]) {
    int raw[2];
    fd[0] = fd[1] = -1;
    if (pipe(raw) != 0)
        return errno;
    fd[0] = raise_fd(raw[0]);
    int err = errno;
    fd[1] = raise_fd(raw[1]);
    if (fd[0] >= 0 && fd[1] >= 0)
        return 0;
    err = fd[0] < 0 ? err : errno;
    for (int i = 0; i < 2; i++)
        if (fd[i] >= 0)
            close(fd[i]);
    fd[0] = fd[1] = -1;
    return err;
}
