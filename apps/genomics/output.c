/*
 * output.c: result lines (see output.h). Names are written with fwrite, not
 * printf("%s"), because they are counted byte strings, and the distance is
 * formatted by hand: this is the hot path of a million-pair run.
 */
#define _POSIX_C_SOURCE 200809L

#include "output.h"

#include <string.h>

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

static void put_size(FILE *f, size_t v) {
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    fwrite(p, 1, (size_t)(buf + sizeof buf - p), f);
}

/* A JSON string: '"', '\\' and control bytes escaped; other bytes as is. */
static void put_json(FILE *f, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    putc('"', f);
    size_t run = 0; /* bytes not needing escapes, written in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        fwrite(s + run, 1, i - run, f);
        run = i + 1;
        if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            fwrite(esc, 1, sizeof esc, f);
        }
    }
    fwrite(s + run, 1, n - run, f);
    putc('"', f);
}

int gx_output(FILE *f, gx_outfmt fmt, const char *a, size_t alen, const char *b, size_t blen,
              size_t distance) {
    switch (fmt) {
    case GX_OUT_LESSON:
        fputs("Edit_Distance(", f);
        fwrite(a, 1, alen, f);
        fputs(", ", f);
        fwrite(b, 1, blen, f);
        fputs(") = ", f);
        break;
    case GX_OUT_TSV:
        fwrite(a, 1, alen, f);
        putc('\t', f);
        fwrite(b, 1, blen, f);
        putc('\t', f);
        break;
    case GX_OUT_JSONL:
        fputs("{\"a\":", f);
        put_json(f, a, alen);
        fputs(",\"b\":", f);
        put_json(f, b, blen);
        fputs(",\"distance\":", f);
        break;
    }
    put_size(f, distance);
    if (fmt == GX_OUT_JSONL)
        putc('}', f);
    putc('\n', f);
    return ferror(f) ? -1 : 0;
}
