/*
 * error.c: recording errors (see error.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int gx_fail(gx_err *err, gx_errkind kind, size_t line, const char *fmt, ...) {
    va_list ap;
    err->kind = kind;
    err->line = line;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int gx_err_errno(gx_errkind kind) {
    return kind == GX_ENOMEM ? ENOMEM : kind == GX_EIO ? EIO : EINVAL;
}
