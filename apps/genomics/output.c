/*
 * output.c: result lines (see output.h). Names are counted byte strings, not
 * C strings, and numbers are formatted by hand: this is the hot path of a
 * million-pair run, so a line costs a few copies into the gx_out buffer,
 * and the descriptor sees one write(2) per GX_OUT_BUF bytes.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* fwrite_unlocked, where the C library has it */

#include "output.h"

#include "hot.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Result lines come only from the engine's serialized callback, so stdio's
 * per-call lock buys nothing: skip it where glibc offers the unlocked call. */
#ifdef __GLIBC__
#define gx_fwrite fwrite_unlocked
#else
#define gx_fwrite fwrite
#endif

int gx_outfmt_parse(const char *s, gx_outfmt *fmt) {
    static const char *const names[] = {"lesson", "tsv", "jsonl", "paf", "pretty"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(s, names[i]) == 0) {
            *fmt = (gx_outfmt)i;
            return 0;
        }
    }
    return -1;
}

void gx_out_init(gx_out *o, FILE *f) {
    o->f = f;
    o->n = 0;
    o->failed = 0;
    o->fd = fileno(f);
    o->lines = o->fd >= 0 && isatty(o->fd);
}

/* write(2) of all n bytes (again after a signal or a short write).
 * Returns 0, or -1 with errno set. */
static int write_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Hands the bytes held to the stream (nothing more once a write failed):
 * a stream with a descriptor gets them in one write(2), past stdio's own
 * buffer (a few KiB: it would cut a buffer into several writes), which is
 * flushed first so that the bytes keep their order; others through stdio. */
static void drain(gx_out *o) {
    if (!o->failed && o->n > 0) {
        if (o->fd >= 0)
            o->failed = fflush(o->f) != 0 || write_all(o->fd, o->buf, o->n) != 0;
        else
            o->failed = gx_fwrite(o->buf, 1, o->n, o->f) != o->n;
    }
    o->n = 0;
}

int gx_out_flush(gx_out *o) {
    drain(o);
    if (!o->failed && fflush(o->f) != 0)
        o->failed = 1;
    return o->failed ? -1 : 0;
}

/* Appends n bytes, draining the buffer whenever it fills. */
static void put(gx_out *l, const char *s, size_t n) {
    while (n > GX_OUT_BUF - l->n) {
        size_t k = GX_OUT_BUF - l->n;
        memcpy(l->buf + l->n, s, k);
        l->n = GX_OUT_BUF;
        drain(l);
        s += k;
        n -= k;
    }
    memcpy(l->buf + l->n, s, n);
    l->n += n;
}

/* A string literal, its length known at compile time. */
#define put_str(l, lit) put((l), "" lit, sizeof(lit) - 1)

/* A literal, then a number: a separator or JSON key and its value. */
#define put_field(l, lit, v) (put_str((l), lit), put_size((l), (v)))

static void put_size(gx_out *l, size_t v) {
    if (v < 10 && l->n < GX_OUT_BUF) { /* the common distance: one digit */
        l->buf[l->n++] = (char)('0' + v);
        return;
    }
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(l, p, (size_t)(buf + sizeof buf - p));
}

/* A JSON string: '"', '\\' and control bytes escaped; other bytes as is. */
static void put_json(gx_out *l, const char *s, size_t n) {
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

/* The end of a record: 0, or -1 once a write has failed. */
static int line_end(gx_out *l) {
    if (l->lines)
        drain(l);
    return l->failed ? -1 : 0;
}

/* The two names that open a record: tsv's `a<TAB>b`, or (json) jsonl's
 * `{"a":<a as a JSON string>,"b":<b as a JSON string>`. */
static void put_names(gx_out *l, int json, const char *a, size_t alen, const char *b, size_t blen) {
    if (json) {
        put_str(l, "{\"a\":");
        put_json(l, a, alen);
        put_str(l, ",\"b\":");
        put_json(l, b, blen);
    } else {
        put(l, a, alen);
        put_str(l, "\t");
        put(l, b, blen);
    }
}

/* v in decimal at w; returns the end. Distances of short pairs take one
 * or two digits: no division for them. */
static char *fmt_size(char *w, size_t v) {
    if (v < 10) {
        *w = (char)('0' + v);
        return w + 1;
    }
    if (v < 100) {
        w[0] = (char)('0' + v / 10);
        w[1] = (char)('0' + v % 10);
        return w + 2;
    }
    char buf[24];
    char *p = buf + sizeof buf;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return gx_copy(w, p, (size_t)(buf + sizeof buf - p));
}

#define put_lit(w, lit) gx_copy((w), "" lit, sizeof(lit) - 1)

/* The lesson and tsv lines, the million-pair case: room for the whole line
 * is made once (LINE_ROOM covers the literals and 20 digits), then each
 * piece is stored without a check. */
enum { LINE_ROOM = 64 };
static void put_plain(gx_out *l, gx_outfmt fmt, const char *a, size_t alen, const char *b,
                      size_t blen, size_t distance) {
    if (GX_OUT_BUF - l->n < alen + blen + LINE_ROOM)
        drain(l);
    char *w = l->buf + l->n;
    if (fmt == GX_OUT_LESSON) {
        w = put_lit(w, "Edit_Distance(");
        w = gx_copy(w, a, alen);
        w = put_lit(w, ", ");
        w = gx_copy(w, b, blen);
        w = put_lit(w, ") = ");
    } else {
        w = gx_copy(w, a, alen);
        *w++ = '\t';
        w = gx_copy(w, b, blen);
        *w++ = '\t';
    }
    w = fmt_size(w, distance);
    *w++ = '\n';
    l->n = (size_t)(w - l->buf);
}

/* Any line, piece by piece: jsonl, and lines too long for put_plain. */
GX_COLD static void put_any(gx_out *l, gx_outfmt fmt, const char *a, size_t alen, const char *b,
                            size_t blen, size_t distance) {
    switch (fmt) {
    case GX_OUT_LESSON:
        put_str(l, "Edit_Distance(");
        put(l, a, alen);
        put_str(l, ", ");
        put(l, b, blen);
        put_str(l, ") = ");
        break;
    default: /* tsv; paf and pretty print through gx_output_aligned */
        put_names(l, 0, a, alen, b, blen);
        put_str(l, "\t");
        break;
    case GX_OUT_JSONL:
        put_names(l, 1, a, alen, b, blen);
        put_str(l, ",\"distance\":");
        break;
    }
    put_size(l, distance);
    if (fmt == GX_OUT_JSONL)
        put_str(l, "}\n");
    else
        put_str(l, "\n");
}

int gx_output(gx_out *l, gx_outfmt fmt, const char *a, size_t alen, const char *b, size_t blen,
              size_t distance) {
    if (fmt != GX_OUT_JSONL && !l->failed && alen + blen <= GX_OUT_BUF - LINE_ROOM)
        put_plain(l, fmt, a, alen, b, blen, distance);
    else
        put_any(l, fmt, a, alen, b, blen, distance);
    return line_end(l);
}

int gx_output_items(gx_out *l, gx_outfmt fmt, const gx_item *items, const size_t *dist, size_t n,
                    size_t max_distance) {
    for (size_t k = 0; k < n; k++) {
        const gx_item *it = &items[k];
        if (dist[k] > max_distance)
            continue;
        if (fmt != GX_OUT_JSONL && !l->failed && it->nalen + it->nblen <= GX_OUT_BUF - LINE_ROOM)
            put_plain(l, fmt, it->na, it->nalen, it->nb, it->nblen, dist[k]);
        else
            put_any(l, fmt, it->na, it->nalen, it->nb, it->nblen, dist[k]);
        if (line_end(l) != 0)
            return -1;
    }
    return l->failed ? -1 : 0;
}

/* ------------------------------------------------------------ aligned -- */

int gx_outfmt_aligns(gx_outfmt fmt, int cigar) {
    return fmt == GX_OUT_PAF || fmt == GX_OUT_PRETTY || (cigar && fmt != GX_OUT_LESSON);
}

/* Steps through a CIGAR one run at a time: *op and *len of the next run,
 * 0 at the end. */
static int next_run(const char **p, char *op, size_t *len) {
    if (**p == '\0')
        return 0;
    size_t k = 0;
    while (**p >= '0' && **p <= '9')
        k = 10 * k + (size_t)(*(*p)++ - '0');
    *op = *(*p)++;
    *len = k;
    return 1;
}

/* PAF's matches ('=' columns) and alignment block length (all columns). */
static void count_columns(const char *cigar, size_t *matches, size_t *block) {
    char op;
    size_t k;
    *matches = *block = 0;
    while (next_run(&cigar, &op, &k)) {
        *block += k;
        *matches += op == '=' ? k : 0;
    }
}

static void put_paf(gx_out *l, const char *na, size_t nalen, const char *nb, size_t nblen,
                    const gx_aligned *x) {
    size_t matches, block;
    count_columns(x->al->cigar, &matches, &block);
    put(l, na, nalen);
    put_field(l, "\t", x->alen);
    put_field(l, "\t0\t", x->alen);
    put_str(l, "\t+\t");
    put(l, nb, nblen);
    put_field(l, "\t", x->blen);
    put_field(l, "\t", x->al->start);
    put_field(l, "\t", x->al->end);
    put_field(l, "\t", matches);
    put_field(l, "\t", block);
    put_field(l, "\t255\tNM:i:", x->al->distance);
    put_str(l, "\tcg:Z:");
    put(l, x->al->cigar, x->al->cigar_len);
    put_str(l, "\n");
}

/* Decimal digits of v. */
static int digits(size_t v) {
    int d = 1;
    while (v >= 10)
        v /= 10, d++;
    return d;
}

/* v right-aligned in w columns. */
static void put_size_w(gx_out *l, size_t v, int w) {
    for (int d = digits(v); d < w; d++)
        put_str(l, " ");
    put_size(l, v);
}

/*
 * The three-line view, cols alignment columns per block. A block is
 *     A <first> <A's row> <last>
 *       <pad>   <match line>
 *     B <first> <B's row> <last>
 * with first and last the 1-based positions of the block's first and last
 * bases (first = last + 1 when the block holds none of that side), the
 * numbers right-aligned to the widest, so every line fits in 80 columns.
 */
static void put_pretty(gx_out *l, const char *na, size_t nalen, const char *nb, size_t nblen,
                       const gx_aligned *x) {
    enum { WIDTH = 80 };
    const wq_alignment *al = x->al;
    put(l, na, nalen);
    put_str(l, " vs ");
    put(l, nb, nblen);
    put_field(l, ": distance ", al->distance);
    put_str(l, "\n");
    int w = digits(x->alen > al->end ? x->alen : al->end);
    size_t cols = (size_t)(WIDTH - 4 - 2 * w);
    char row[3][WIDTH];
    const char *p = al->cigar;
    char op = 0;
    size_t left = 0, i = 0, j = al->start;
    for (;;) {
        size_t i0 = i, j0 = j, c = 0;
        for (; c < cols; c++) {
            if (left == 0 && !next_run(&p, &op, &left))
                break;
            left--;
            int ua = op != 'D', ub = op != 'I';
            row[0][c] = ua ? x->a[i++] : '-';
            row[2][c] = ub ? x->b[j++] : '-';
            row[1][c] = op == '=' ? '|' : op == 'X' ? '.' : ' ';
        }
        if (c == 0)
            break;
        size_t from[3] = {i0, 0, j0}, to[3] = {i, 0, j};
        for (int r = 0; r < 3; r++) {
            put(l, r == 0 ? "A " : r == 1 ? "  " : "B ", 2);
            if (r == 1) {
                for (int s = 0; s <= w; s++)
                    put_str(l, " ");
                put(l, row[1], c);
                put_str(l, "\n");
                continue;
            }
            put_size_w(l, from[r] + 1, w);
            put_str(l, " ");
            put(l, row[r], c);
            put_field(l, " ", to[r]);
            put_str(l, "\n");
        }
        put_str(l, "\n");
    }
}

int gx_output_aligned(gx_out *l, gx_outfmt fmt, const char *na, size_t nalen, const char *nb,
                      size_t nblen, const gx_aligned *x) {
    const wq_alignment *al = x->al;
    switch (fmt) {
    case GX_OUT_PAF:
        put_paf(l, na, nalen, nb, nblen, x);
        break;
    case GX_OUT_PRETTY:
        put_pretty(l, na, nalen, nb, nblen, x);
        break;
    case GX_OUT_JSONL:
        put_names(l, 1, na, nalen, nb, nblen);
        put_field(l, ",\"distance\":", al->distance);
        put_str(l, ",\"cigar\":\"");
        put(l, al->cigar, al->cigar_len);
        put_str(l, "\"");
        if (x->span) {
            put_field(l, ",\"start\":", al->start);
            put_field(l, ",\"end\":", al->end);
        }
        put_str(l, "}\n");
        break;
    default: /* tsv */
        put_names(l, 0, na, nalen, nb, nblen);
        put_field(l, "\t", al->distance);
        put_str(l, "\t");
        put(l, al->cigar, al->cigar_len);
        if (x->span) {
            put_field(l, "\t", al->start);
            put_field(l, "\t", al->end);
        }
        put_str(l, "\n");
        break;
    }
    return line_end(l);
}

int gx_output_cluster(gx_out *l, gx_outfmt fmt, size_t ordinal, size_t size, const char *rep,
                      size_t replen, gx_member_fn member, void *ctx) {
    switch (fmt) {
    case GX_OUT_LESSON:
        put_field(l, "Cluster ", ordinal);
        put_field(l, ": ", size);
        if (size == 1)
            put_str(l, " record, representative ");
        else
            put_str(l, " records, representative ");
        put(l, rep, replen);
        put_str(l, ": ");
        break;
    default: /* tsv (main.c allows no other format with --cluster) */
        put_size(l, size);
        put(l, "\t", 1);
        put(l, rep, replen);
        put(l, "\t", 1);
        break;
    case GX_OUT_JSONL:
        put_field(l, "{\"cluster\":", ordinal);
        put_field(l, ",\"size\":", size);
        put_str(l, ",\"representative\":");
        put_json(l, rep, replen);
        put_str(l, ",\"members\":[");
        break;
    }
    for (size_t m = 0; m < size; m++) {
        const char *s;
        size_t len;
        member(ctx, m, &s, &len);
        if (m > 0)
            put(l, fmt == GX_OUT_LESSON ? ", " : ",", fmt == GX_OUT_LESSON ? 2 : 1);
        if (fmt == GX_OUT_JSONL)
            put_json(l, s, len);
        else
            put(l, s, len);
    }
    if (fmt == GX_OUT_JSONL)
        put_str(l, "]}\n");
    else
        put_str(l, "\n");
    return line_end(l);
}
