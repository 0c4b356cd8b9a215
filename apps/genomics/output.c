/*
 * output.c: result lines (see output.h). Names are counted byte strings, not
 * C strings, and the distance is formatted by hand: this is the hot path of
 * a million-pair run, so each line costs one fwrite.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* fwrite_unlocked, where the C library has it */

#include "output.h"

#include <string.h>

/* Result lines come only from the engine's serialized callback, so stdio's
 * per-call lock buys nothing: skip it where glibc offers the unlocked call. */
#ifdef __GLIBC__
#define gx_fwrite fwrite_unlocked
#else
#define gx_fwrite fwrite
#endif

int gx_outfmt_parse(const char *s, gx_outfmt *fmt) {
    static const char *const names[] = {"lesson", "tsv", "jsonl"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, names[i]) == 0) {
            *fmt = (gx_outfmt)i;
            return 0;
        }
    }
    return -1;
}

/* A line is assembled here and handed to stdio in one fwrite (one lock,
 * one copy); longer lines go out in BUF-sized pieces. */
enum { BUF = 512 };
typedef struct gx_line {
    FILE *f;
    size_t n;
    int failed; /* an fwrite came up short: a write error (no ferror per line) */
    char buf[BUF];
} gx_line;

static void put(gx_line *l, const char *s, size_t n) {
    while (n > BUF - l->n) {
        size_t k = BUF - l->n;
        memcpy(l->buf + l->n, s, k);
        l->failed |= gx_fwrite(l->buf, 1, BUF, l->f) != BUF;
        l->n = 0;
        s += k;
        n -= k;
    }
    memcpy(l->buf + l->n, s, n);
    l->n += n;
}

/* A string literal, its length known at compile time. */
#define put_str(l, lit) put((l), "" lit, sizeof(lit) - 1)

static void put_size(gx_line *l, size_t v) {
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(l, p, (size_t)(buf + sizeof buf - p));
}

/* A JSON string: '"', '\\' and control bytes escaped; other bytes as is. */
static void put_json(gx_line *l, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    put(l, "\"", 1);
    size_t run = 0; /* start of the bytes not needing escapes */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        put(l, s + run, i - run);
        run = i + 1;
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(l, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(l, esc, sizeof esc);
        }
    }
    put(l, s + run, n - run);
    put(l, "\"", 1);
}

int gx_output(FILE *f, gx_outfmt fmt, const char *a, size_t alen, const char *b, size_t blen,
              size_t distance) {
    gx_line l;
    l.f = f;
    l.n = 0;
    l.failed = 0;
    switch (fmt) {
    case GX_OUT_LESSON:
        put_str(&l, "Edit_Distance(");
        put(&l, a, alen);
        put_str(&l, ", ");
        put(&l, b, blen);
        put_str(&l, ") = ");
        break;
    case GX_OUT_TSV:
        put(&l, a, alen);
        put(&l, "\t", 1);
        put(&l, b, blen);
        put(&l, "\t", 1);
        break;
    case GX_OUT_JSONL:
        put_str(&l, "{\"a\":");
        put_json(&l, a, alen);
        put_str(&l, ",\"b\":");
        put_json(&l, b, blen);
        put_str(&l, ",\"distance\":");
        break;
    }
    put_size(&l, distance);
    if (fmt == GX_OUT_JSONL)
        put_str(&l, "}\n");
    else
        put_str(&l, "\n");
    l.failed |= gx_fwrite(l.buf, 1, l.n, f) != l.n;
    return l.failed ? -1 : 0;
}
