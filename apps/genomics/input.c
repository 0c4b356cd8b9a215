/*
 * input.c: files and stdin, plain or gzip, cut into lines (see input.h).
 *
 * Decoding is zlib's inflate over our own reads rather than gzread, for two
 * reasons: a read that would block must give way to SIGINT (we poll the
 * descriptor together with the interrupt pipe; gzread would sit in read()
 * on a worker thread that the signal never reaches), and a truncated or
 * corrupt stream must be an error, not a silent end of file.
 */
#define _POSIX_C_SOURCE 200809L

#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* Reads of a regular file take RAW_SIZE bytes a system call (and a poll of
 * the interrupt pipe): 256 KiB, so a 30 MB file costs about 120 of each. */
enum { RAW_SIZE = 1 << 18, DEC_SIZE = 1 << 16 };

struct gx_input {
    int fd;
    int own_fd;  /* 0 for stdin */
    int intr_fd; /* -1: never interrupted */
    int is_reg;  /* regular file: reads never block, no poll */
    const char *name;
    unsigned long long bytes; /* raw bytes read */
    unsigned long long size;  /* regular file size, else 0 */
    int started;              /* the first bytes were looked at */
    int gzip;                 /* the content is gzip */
    int member;               /* inside a gzip member */
    int zinit;                /* z is initialised */
    z_stream z;
    unsigned char raw[RAW_SIZE];
    size_t rlen; /* plain: bytes in raw not yet handed out */
    char dec[DEC_SIZE];
    const char *dbuf; /* decoded bytes: raw (plain) or dec (gzip) */
    size_t dpos, dlen;
    char *line; /* a line spanning buffer refills */
    size_t llen, lcap;
    size_t lineno;
    void (*on_block)(void *); /* see gx_input_on_block */
    void *block_ctx;
};

gx_input *gx_input_open(const char *path, int intr_fd, gx_err *err) {
    int use_stdin = path == NULL || strcmp(path, "-") == 0;
    int fd = use_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        gx_fail(err, GX_EIO, 0, "%s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        gx_fail(err, GX_EIO, 0, "%s", strerror(EISDIR));
        goto fail;
    }
    gx_input *in = calloc(1, sizeof *in);
    if (in == NULL) {
        gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        goto fail;
    }
    in->fd = fd;
    in->own_fd = !use_stdin;
    in->intr_fd = intr_fd;
    in->is_reg = S_ISREG(st.st_mode);
    in->size = in->is_reg ? (unsigned long long)st.st_size : 0;
    in->name = use_stdin ? "<stdin>" : path;
    return in;
fail:
    if (fd >= 0 && !use_stdin)
        close(fd);
    return NULL;
}

void gx_input_close(gx_input *in) {
    if (in == NULL)
        return;
    if (in->zinit)
        inflateEnd(&in->z);
    if (in->own_fd)
        close(in->fd);
    free(in->line);
    free(in);
}

const char *gx_input_name(const gx_input *in) {
    return in->name;
}
size_t gx_input_lineno(const gx_input *in) {
    return in->lineno;
}
unsigned long long gx_input_bytes_read(const gx_input *in) {
    return in->bytes;
}
unsigned long long gx_input_size(const gx_input *in) {
    return in->size;
}

void gx_input_peek(const gx_input *in, const char **p, size_t *n) {
    *p = in->dbuf != NULL ? in->dbuf + in->dpos : NULL; /* NULL: nothing read yet */
    *n = in->dlen - in->dpos;
}

void gx_input_take(gx_input *in, size_t n, size_t lines) {
    in->dpos += n;
    in->lineno += lines;
}

int gx_input_may_block(const gx_input *in) {
    return !in->is_reg;
}
void gx_input_on_block(gx_input *in, void (*fn)(void *ctx), void *ctx) {
    in->on_block = fn;
    in->block_ctx = ctx;
}

/* Whether the interrupt pipe is readable (a signal arrived): one poll that
 * does not wait. */
static int interrupted(const gx_input *in) {
    struct pollfd p = {in->intr_fd, POLLIN, 0};
    int ready;
    while ((ready = poll(&p, 1, 0)) < 0 && errno == EINTR)
        ;
    return ready > 0 && p.revents != 0;
}

/* Waits until the descriptor is readable; -1 (GX_INTERRUPTED) as soon as the
 * interrupt pipe is. Regular files never block, so they skip the wait, but
 * still look at the pipe before each read (a syscall per RAW_SIZE bytes):
 * loading a large file whole (-A -k, --cluster) then stops promptly. With
 * an on_block hook, a first poll that does not wait tells whether the read
 * would, and the hook runs before the poll that waits. */
static int wait_readable(gx_input *in, gx_err *err) {
    if (in->is_reg && in->intr_fd >= 0 && interrupted(in))
        return gx_fail(err, GX_INTERRUPTED, 0, "interrupted");
    if (in->is_reg || (in->intr_fd < 0 && in->on_block == NULL))
        return 0;
    struct pollfd p[2] = {{in->fd, POLLIN, 0}, {in->intr_fd, POLLIN, 0}};
    nfds_t n = in->intr_fd >= 0 ? 2 : 1;
    int timeout = in->on_block != NULL ? 0 : -1, ready;
    while ((ready = poll(p, n, timeout)) <= 0) {
        if (ready == 0) {
            in->on_block(in->block_ctx);
            timeout = -1;
        } else if (errno != EINTR) {
            return gx_fail(err, GX_EIO, 0, "poll: %s", strerror(errno));
        }
    }
    if (n == 2 && p[1].revents != 0)
        return gx_fail(err, GX_INTERRUPTED, 0, "interrupted");
    return 0;
}

/* One read(2) of at most cap bytes: the count, 0 at the end, -1 on error. */
static long raw_read(gx_input *in, void *buf, size_t cap, gx_err *err) {
    for (;;) {
        if (wait_readable(in, err) != 0)
            return -1;
        ssize_t n = read(in->fd, buf, cap);
        if (n >= 0) {
            in->bytes += (unsigned long long)n;
            return (long)n;
        }
        if (errno != EINTR)
            return gx_fail(err, GX_EIO, 0, "read error: %s", strerror(errno));
    }
}

/* Looks at the first two bytes: gzip's magic number selects inflate. */
static int start(gx_input *in, gx_err *err) {
    in->started = 1;
    while (in->rlen < 2) {
        long n = raw_read(in, in->raw + in->rlen, RAW_SIZE - in->rlen, err);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        in->rlen += (size_t)n;
    }
    if (in->rlen < 2 || in->raw[0] != 0x1f || in->raw[1] != 0x8b)
        return 0;
    if (inflateInit2(&in->z, 16 + MAX_WBITS) != Z_OK)
        return gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
    in->zinit = 1;
    in->gzip = 1;
    in->z.next_in = in->raw;
    in->z.avail_in = (uInt)in->rlen;
    in->rlen = 0;
    return 0;
}

static int fill_plain(gx_input *in, gx_err *err) {
    if (in->rlen == 0) {
        long n = raw_read(in, in->raw, RAW_SIZE, err);
        if (n <= 0)
            return (int)n;
        in->rlen = (size_t)n;
    }
    in->dbuf = (const char *)in->raw;
    in->dlen = in->rlen;
    in->dpos = 0;
    in->rlen = 0;
    return 1;
}

/* Inflates until some output exists; members follow each other until the
 * input ends, which must be between members. */
static int fill_gzip(gx_input *in, gx_err *err) {
    z_stream *z = &in->z;
    z->next_out = (Bytef *)in->dec;
    z->avail_out = DEC_SIZE;
    while (z->avail_out == DEC_SIZE) {
        if (z->avail_in == 0) {
            long n = raw_read(in, in->raw, RAW_SIZE, err);
            if (n < 0)
                return -1;
            if (n == 0 && in->member)
                return gx_fail(err, GX_EIO, in->lineno + 1, "truncated gzip data");
            if (n == 0)
                return 0;
            z->next_in = in->raw;
            z->avail_in = (uInt)n;
        }
        if (!in->member && inflateReset(z) != Z_OK)
            return gx_fail(err, GX_EIO, in->lineno + 1, "invalid gzip data");
        in->member = 1;
        int ret = inflate(z, Z_NO_FLUSH);
        if (ret == Z_STREAM_END)
            in->member = 0;
        else if (ret != Z_OK && ret != Z_BUF_ERROR)
            return gx_fail(err, GX_EIO, in->lineno + 1, "invalid gzip data (%s)",
                           z->msg != NULL ? z->msg : "inflate failed");
    }
    in->dbuf = in->dec;
    in->dlen = DEC_SIZE - z->avail_out;
    in->dpos = 0;
    return 1;
}

/* More decoded bytes: 1, 0 at the end of the input, -1 on error. */
static int fill(gx_input *in, gx_err *err) {
    if (!in->started && start(in, err) != 0)
        return -1;
    return in->gzip ? fill_gzip(in, err) : fill_plain(in, err);
}

static int append(gx_input *in, const char *s, size_t n, gx_err *err) {
    if (n > in->lcap - in->llen) {
        size_t cap = in->lcap ? in->lcap : 256;
        while (cap - in->llen < n) {
            if (cap > (size_t)-1 / 2)
                return gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
            cap *= 2;
        }
        char *p = realloc(in->line, cap);
        if (p == NULL)
            return gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        in->line = p;
        in->lcap = cap;
    }
    memcpy(in->line + in->llen, s, n);
    in->llen += n;
    return 0;
}

int gx_input_line(gx_input *in, const char **line, size_t *len, gx_err *err) {
    in->llen = 0;
    for (;;) {
        if (in->dpos == in->dlen) {
            int r = fill(in, err);
            if (r < 0)
                return -1;
            if (r == 0 && in->llen == 0)
                return 0;
            if (r == 0)
                break;
        }
        const char *s = in->dbuf + in->dpos;
        size_t avail = in->dlen - in->dpos;
        const char *nl = memchr(s, '\n', avail);
        size_t take = nl != NULL ? (size_t)(nl - s) : avail;
        in->dpos += take + (nl != NULL);
        if (nl != NULL && in->llen == 0) { /* the common case: no copy */
            *line = s;
            *len = take;
            in->lineno++;
            return 1;
        }
        if (append(in, s, take, err) != 0)
            return -1;
        if (nl != NULL)
            break;
    }
    *line = in->line;
    *len = in->llen;
    in->lineno++;
    return 1;
}
