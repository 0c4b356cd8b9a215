/*
 * error.h: what went wrong in genomics, for the caller to print as
 * `genomics: FILE[:LINE]: msg`. Every stage (input, reader, generators,
 * emit) reports through this one type.
 *
 * Guarantees: a gx_err is a plain value (no allocation); the message is
 * lower case, without a final period, truncated to fit.
 */
#ifndef GENOMICS_ERROR_H
#define GENOMICS_ERROR_H

#include <stddef.h>

typedef enum gx_errkind {
    GX_OK = 0,
    GX_EDATA,      /* malformed input (has a line number) */
    GX_EIO,        /* open/read failure, corrupt gzip data */
    GX_ENOMEM,     /* out of memory */
    GX_INTERRUPTED /* the interrupt fd became readable */
} gx_errkind;

typedef struct gx_err {
    gx_errkind kind;
    size_t line;   /* 1-based physical line; 0 when the error has none */
    char msg[160]; /* lower case, no final period */
} gx_err;

/* Records an error (printf-style message). Returns -1 for `return gx_fail(...)`. */
int gx_fail(gx_err *err, gx_errkind kind, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The errno value a generator returns (negated) for an error kind:
 * ENOMEM, EIO, or EINVAL for bad data. */
int gx_err_errno(gx_errkind kind);

#endif
