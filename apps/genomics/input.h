/*
 * input.h: the byte source under genomics' readers. A file or stdin, plain
 * or gzip (recognised by its first two bytes, 1f 8b, never by its name;
 * concatenated gzip members are read in turn, as `gzip -d` does), cut into
 * lines.
 *
 * Guarantees: memory is two fixed buffers plus one line buffer that grows to
 * the longest line, whatever the input size. Lines may hold any byte,
 * including NUL (their length is returned). When intr_fd is readable (the
 * SIGINT self-pipe), a read that would block is abandoned at once and the
 * input reports GX_INTERRUPTED. Not thread-safe: one thread at a time.
 */
#ifndef GENOMICS_INPUT_H
#define GENOMICS_INPUT_H

#include <stddef.h>

#include "error.h"

typedef struct gx_input gx_input;

/* Opens path ("-" or NULL = stdin; stdin is not closed by gx_input_close).
 * intr_fd is -1 or a descriptor that becomes readable to interrupt reads.
 * Returns the input, or NULL with err set (e.g. "No such file or directory",
 * "Is a directory"). */
gx_input *gx_input_open(const char *path, int intr_fd, gx_err *err);

/* Frees the input and closes its descriptor. NULL is a no-op. */
void gx_input_close(gx_input *in);

/* The name for messages: the path, or "<stdin>". */
const char *gx_input_name(const gx_input *in);

/* Reads the next line (without its '\n'; a final line without one counts).
 * *line stays valid until the next call. Returns 1, 0 at the end of the
 * input, or -1 with err set. The line's number is gx_input_lineno(). */
int gx_input_line(gx_input *in, const char **line, size_t *len, gx_err *err);

/* The decoded bytes buffered but not yet handed out, in place: *n may be 0
 * (gx_input_line then reads more). For a caller that cuts lines itself
 * from the buffer; valid until the next call on in. */
void gx_input_peek(const gx_input *in, const char **p, size_t *n);

/* Hands out the first n bytes gx_input_peek showed, which hold exactly
 * lines whole lines, each with its '\n', as gx_input_line would have. */
void gx_input_take(gx_input *in, size_t n, size_t lines);

/* The 1-based number of the line last returned (0 before the first). */
size_t gx_input_lineno(const gx_input *in);

/* Progress: raw bytes read from the descriptor so far, and the size of a
 * regular file (0 when unknown: a pipe, a tty). */
unsigned long long gx_input_bytes_read(const gx_input *in);
unsigned long long gx_input_size(const gx_input *in);

/* Whether a read may wait for data: not a regular file (a pipe, a terminal,
 * a socket). */
int gx_input_may_block(const gx_input *in);

/* Calls fn(ctx), on the reading thread, each time a read is about to wait
 * for data that is not there yet (never for regular files): the moment to
 * hand over what was read so far. fn NULL: no call. */
void gx_input_on_block(gx_input *in, void (*fn)(void *ctx), void *ctx);

#endif
