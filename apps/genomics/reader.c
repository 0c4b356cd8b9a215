/*
 * reader.c: pairs, plain lines, FASTA and FASTQ (see reader.h).
 *
 * The format is chosen by the first non-blank line. Plain lines are handed
 * out in place (no copy); FASTA/FASTQ records are assembled in two growable
 * slots, so pair mode holds exactly two records at a time.
 */
#define _POSIX_C_SOURCE 200809L

#include "reader.h"

#include "hot.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct gx_buf {
    char *p;
    size_t len, cap;
} gx_buf;

struct gx_reader {
    gx_input *in;
    int pairs;
    gx_format fmt;
    size_t first_line; /* line of the first non-blank line */
    size_t records;    /* records or pairs handed out */
    /* One line of lookahead (a FASTA header ends the previous record). */
    int peeked;
    const char *pline;
    size_t plen, pno;
    gx_buf name[2], seq[2];
};

/* What a byte may be in each place. */
typedef enum { IN_SEQUENCE, IN_HEADER, IN_QUALITY } gx_where;

static const char *const where_name[] = {"sequence", "header", "quality"};

gx_reader *gx_reader_open(const char *path, int pairs, int intr_fd, gx_err *err) {
    gx_reader *r = calloc(1, sizeof *r);
    if (r == NULL) {
        gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        return NULL;
    }
    r->in = gx_input_open(path, intr_fd, err);
    if (r->in == NULL) {
        free(r);
        return NULL;
    }
    r->pairs = pairs;
    return r;
}

void gx_reader_close(gx_reader *r) {
    if (r == NULL)
        return;
    gx_input_close(r->in);
    for (int i = 0; i < 2; i++) {
        free(r->name[i].p);
        free(r->seq[i].p);
    }
    free(r);
}

const char *gx_reader_name(const gx_reader *r) {
    return gx_input_name(r->in);
}
gx_format gx_reader_format(const gx_reader *r) {
    return r->fmt;
}
const gx_input *gx_reader_input(const gx_reader *r) {
    return r->in;
}
void gx_reader_on_block(gx_reader *r, void (*fn)(void *ctx), void *ctx) {
    gx_input_on_block(r->in, fn, ctx);
}

/* The next physical line without its "\n" or "\r\n": 1, 0 at the end, -1. */
static int next_line(gx_reader *r, const char **s, size_t *n, size_t *no, gx_err *err) {
    if (r->peeked) {
        r->peeked = 0;
        *s = r->pline;
        *n = r->plen;
        *no = r->pno;
        return 1;
    }
    int rc = gx_input_line(r->in, s, n, err);
    if (rc <= 0)
        return rc;
    if (*n > 0 && (*s)[*n - 1] == '\r')
        (*n)--;
    *no = gx_input_lineno(r->in);
    return 1;
}

/* Pushes back the line just read; the input is untouched until the next
 * call, so the pointer stays valid. */
static void unget_line(gx_reader *r, const char *s, size_t n, size_t no) {
    r->peeked = 1;
    r->pline = s;
    r->plen = n;
    r->pno = no;
}

static int is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static int next_nonblank(gx_reader *r, const char **s, size_t *n, size_t *no, gx_err *err) {
    int rc;
    while ((rc = next_line(r, s, n, no, err)) == 1 && is_blank(*s, *n))
        ;
    return rc;
}

/* Checks every byte of s[0..n); ',' is the caller's business when comma_ok. */
/* Reports the first byte of s[0..n) not allowed where it stands. */
static int bad_byte(const char *s, size_t n, gx_where where, int comma_ok, size_t no, gx_err *err) {
    const char *what = where_name[where];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c > ' ' && c < 0x7f && (c != ',' || comma_ok || where != IN_SEQUENCE))
            continue;
        if (where == IN_HEADER && (c == ' ' || c == '\t'))
            continue;
        if (c == 0)
            return gx_fail(err, GX_EDATA, no, "NUL byte in %s", what);
        if (c == ' ')
            return gx_fail(err, GX_EDATA, no, "space in %s", what);
        if (c == ',')
            return gx_fail(err, GX_EDATA, no, "',' in %s", what);
        if (c >= 0x80)
            return gx_fail(err, GX_EDATA, no, "non-ASCII byte 0x%02x in %s", c, what);
        return gx_fail(err, GX_EDATA, no, "control character 0x%02x in %s", c, what);
    }
    return 0;
}

/* The common case first: every byte printable ASCII other than space (one
 * compare pair per byte, no branches on the byte's class); only a line that
 * fails it, or where ',' matters, takes the byte-by-byte path above. */
static int check_bytes(const char *s, size_t n, gx_where where, int comma_ok, size_t no,
                       gx_err *err) {
    unsigned bad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bad |= (unsigned)(c <= ' ') | (unsigned)(c >= 0x7f);
    }
    if (bad || (!comma_ok && where == IN_SEQUENCE) || where == IN_HEADER)
        return bad_byte(s, n, where, comma_ok, no, err);
    return 0;
}

/* Reads past blank lines to choose the format; 0 for an empty input. */
static int detect(gx_reader *r, gx_err *err) {
    const char *s;
    size_t n, no;
    int rc = next_nonblank(r, &s, &n, &no, err);
    if (rc <= 0)
        return rc;
    unget_line(r, s, n, no);
    r->first_line = no;
    if (s[0] == '>')
        r->fmt = GX_FMT_FASTA;
    else if (s[0] == '@')
        r->fmt = GX_FMT_FASTQ;
    else
        r->fmt = r->pairs ? GX_FMT_PAIRS : GX_FMT_LINES;
    return 1;
}

static int before_header(gx_reader *r, gx_err *err) {
    return gx_fail(err, GX_EDATA, r->first_line, "sequence text before the first FASTA header");
}

/*
 * The common pair line in one pass, eight bytes at a time: where its only
 * ',' is, or -1 when anything is unusual (a byte that is not printable
 * ASCII other than space, no ',' or more than one), which parse_pair then
 * sorts out byte by byte for the message. Per word, with exact per-byte
 * tests (no carry crosses a byte: each sum stays below 0x100):
 *   bad   high bit set, or the low seven bits below 0x21 or equal to 0x7f;
 *   comma the byte XOR ',' is zero.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define GX_SCAN_PAIR 1 /* the first ',' from the lowest flagged byte */
#define GX_ONES UINT64_C(0x0101010101010101)
#define GX_HIGHS UINT64_C(0x8080808080808080)
#define GX_LOWS UINT64_C(0x7f7f7f7f7f7f7f7f)

static inline uint64_t zero_bytes(uint64_t x) { /* 0x80 where a byte is 0 */
    return ~(((x & GX_LOWS) + GX_LOWS) | x | GX_LOWS);
}

static long scan_pair(const char *s, size_t n) {
    uint64_t bad = 0, commas = 0;
    size_t i = 0;
    long comma = -1;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t low = x & GX_LOWS;
        bad |= (x | ~(low + 0x5f * GX_ONES) | (low + GX_ONES)) & GX_HIGHS;
        uint64_t c = zero_bytes(x ^ (',' * GX_ONES));
        if (c != 0) {
            if (commas != 0 || (c & (c - 1)) != 0)
                return -1;
            commas = c;
            comma = (long)(i + (size_t)__builtin_ctzll(c) / 8);
        }
    }
    for (; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bad |= (uint64_t)((ch <= ' ') | (ch >= 0x7f));
        if (ch == ',') {
            if (comma >= 0)
                return -1;
            comma = (long)i;
        }
    }
    return bad != 0 ? -1 : comma;
}
#endif

/* `seqA,seqB`: exactly one ','. A first line without one that a FASTA
 * header follows is reported as text before the header. */
static int parse_pair(gx_reader *r, const char *s, size_t n, size_t no, gx_record *a, gx_record *b,
                      gx_err *err) {
#ifdef GX_SCAN_PAIR
    long at = scan_pair(s, n);
    if (at >= 0) {
        size_t alen = (size_t)at;
        *a = (gx_record){s, alen, s, alen, no};
        *b = (gx_record){s + alen + 1, n - alen - 1, s + alen + 1, n - alen - 1, no};
        return 1;
    }
#endif
    if (check_bytes(s, n, IN_SEQUENCE, 1, no, err) != 0)
        return -1;
    const char *comma = memchr(s, ',', n);
    if (comma == NULL) {
        const char *t;
        size_t tn, tno;
        gx_err ignored;
        if (r->records == 0 && next_nonblank(r, &t, &tn, &tno, &ignored) == 1 && t[0] == '>')
            return before_header(r, err);
        return gx_fail(err, GX_EDATA, no, "no ',' between the two sequences");
    }
    size_t alen = (size_t)(comma - s);
    if (memchr(comma + 1, ',', n - alen - 1) != NULL)
        return gx_fail(err, GX_EDATA, no, "more than one ','");
    *a = (gx_record){s, alen, s, alen, no};
    *b = (gx_record){comma + 1, n - alen - 1, comma + 1, n - alen - 1, no};
    return 1;
}

/*
 * The common pair line straight from the input's buffer, sixteen bytes a
 * step: the '\n' that ends it, any byte that is not printable ASCII other
 * than space (as a signed byte, below 0x21 takes in the high half too, and
 * 0x7f on its own), and the ','s, from three compares per step. Taken only
 * when the whole line and its '\n' lie in whole steps inside the buffer,
 * with no such byte and exactly one ','; every other line (blank, CRLF, bad
 * bytes, at a buffer's edge, the lookahead line) goes the general way,
 * which gives the same records and every message. Returns 1 with a and b,
 * or 0 having consumed nothing.
 */
#ifdef __SSE2__
static int fast_pair(gx_reader *r, gx_record *a, gx_record *b) {
    const char *s;
    size_t avail;
    gx_input_peek(r->in, &s, &avail);
    if (s == NULL || r->peeked)
        return 0;
    const __m128i nl = _mm_set1_epi8('\n'), comma = _mm_set1_epi8(','), low = _mm_set1_epi8(0x21),
                  del = _mm_set1_epi8(0x7f);
    size_t at = (size_t)-1;
    for (size_t i = 0; i + 16 <= avail; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        unsigned mnl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl));
        unsigned mbad = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmplt_epi8(v, low), _mm_cmpeq_epi8(v, del)));
        unsigned mc = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma));
        unsigned before = mnl != 0 ? (mnl & -mnl) - 1 : 0xffffu; /* the line's bytes */
        if ((mbad & before) != 0)
            return 0;
        mc &= before;
        if (mc != 0) {
            if (at != (size_t)-1 || (mc & (mc - 1)) != 0)
                return 0;
            at = i + (size_t)__builtin_ctz(mc);
        }
        if (mnl == 0)
            continue;
        if (at == (size_t)-1)
            return 0;
        size_t n = i + (size_t)__builtin_ctz(mnl), no = gx_input_lineno(r->in) + 1;
        *a = (gx_record){s, at, s, at, no};
        *b = (gx_record){s + at + 1, n - at - 1, s + at + 1, n - at - 1, no};
        gx_input_take(r->in, n + 1, 1);
        return 1;
    }
    return 0;
}
#else
static int fast_pair(gx_reader *r, gx_record *a, gx_record *b) {
    (void)r, (void)a, (void)b;
    return 0;
}
#endif

/*
 * gx_reader_pair_lines: fast_pair's test, line after line, on one pass
 * over the buffer. Each 64-byte word gives three masks (bit i for byte i):
 * newlines, commas, and bad bytes (not printable ASCII other than space,
 * the newlines left out), from one 64-byte compare each with AVX-512BW,
 * two 32-byte ones with AVX2, four 16-byte ones with SSE2 (picked at run
 * time, the same masks). Within a word the lines are taken by their
 * newline bits, lowest first: a line is good when it ends before the
 * word's first bad byte and its commas, over all its words, are exactly
 * one (the lowest comma bits left, each taken with its line). The first
 * line that fails, or does not end within the whole words, stops the run
 * there.
 */
#ifdef __SSE2__
typedef struct line_masks {
    uint64_t nl, bad, comma;
} line_masks;

/* As a signed byte, '\n' is below 0x21 too: bad leaves it out. */
static inline line_masks word_masks_sse2(const char *s) {
    const __m128i nl = _mm_set1_epi8('\n'), comma = _mm_set1_epi8(','), low = _mm_set1_epi8(0x21),
                  del = _mm_set1_epi8(0x7f);
    line_masks m = {0, 0, 0};
    for (int k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + 16 * k));
        __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, low), _mm_cmpeq_epi8(v, del));
        m.nl |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, nl)) << (16 * k);
        m.bad |= (uint64_t)(unsigned)_mm_movemask_epi8(bad) << (16 * k);
        m.comma |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma)) << (16 * k);
    }
    m.bad &= ~m.nl;
    return m;
}

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define GX_LINES_AVX2 __attribute__((target("avx2")))
#define GX_LINES_AVX512 __attribute__((target("avx512f,avx512bw")))

GX_LINES_AVX2 static inline line_masks word_masks_avx2(const char *s) {
    const __m256i nl = _mm256_set1_epi8('\n'), comma = _mm256_set1_epi8(','),
                  low = _mm256_set1_epi8(0x21), del = _mm256_set1_epi8(0x7f);
    line_masks m = {0, 0, 0};
    for (int k = 0; k < 2; k++) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32 * k));
        __m256i bad = _mm256_or_si256(_mm256_cmpgt_epi8(low, v), _mm256_cmpeq_epi8(v, del));
        m.nl |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, nl)) << (32 * k);
        m.bad |= (uint64_t)(uint32_t)_mm256_movemask_epi8(bad) << (32 * k);
        m.comma |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, comma))
                   << (32 * k);
    }
    m.bad &= ~m.nl;
    return m;
}

GX_LINES_AVX512 static inline line_masks word_masks_avx512(const char *s) {
    __m512i v = _mm512_loadu_si512((const void *)s);
    line_masks m;
    m.nl = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\n'));
    m.comma = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(','));
    m.bad = (_mm512_cmplt_epi8_mask(v, _mm512_set1_epi8(0x21)) |
             _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8(0x7f))) &
            ~m.nl;
    return m;
}
#endif

enum { LEVEL_SSE2, LEVEL_AVX2, LEVEL_AVX512 }; /* gx__lines_level's values */

/* The run of good lines in s[0..avail) (whole words only), at most max;
 * returns how many, and *end, the bytes they take. level is a constant
 * in each caller below, so each gets its own copy of the loop. */
static inline __attribute__((always_inline)) size_t
cut_lines(const char *s, size_t avail, size_t max, gx_cut *cut, size_t *end, int level) {
    size_t n = 0, start = 0; /* lines cut, and where the next one starts */
    size_t at = SIZE_MAX;    /* the open line's ',', once seen */
    for (size_t i = 0; i + 64 <= avail; i += 64) {
        line_masks m;
#ifdef GX_LINES_AVX2
        if (level == LEVEL_AVX512)
            m = word_masks_avx512(s + i);
        else if (level == LEVEL_AVX2)
            m = word_masks_avx2(s + i);
        else
#endif
            m = word_masks_sse2(s + i);
        if (start > i) { /* the bytes before start belong to lines already cut */
            uint64_t from = ~UINT64_C(0) << (start - i);
            m.nl &= from;
            m.comma &= from;
            m.bad &= from;
        }
        unsigned first_bad = m.bad != 0 ? (unsigned)__builtin_ctzll(m.bad) : 64;
        while (m.nl != 0) {
            unsigned e = (unsigned)__builtin_ctzll(m.nl);
            uint64_t line = (m.nl & -m.nl) - 1; /* the bits below the '\n' */
            uint64_t c = m.comma & line;
            if (e > first_bad || (c != 0) == (at != SIZE_MAX) || (c & (c - 1)) != 0)
                goto done; /* a bad byte, no ',' or more than one */
            if (c != 0)
                at = i + (size_t)__builtin_ctzll(c);
            cut[n++] = (gx_cut){(uint32_t)at, (uint32_t)(i + e)};
            start = i + e + 1;
            at = SIZE_MAX;
            if (n == max)
                goto done;
            m.nl &= m.nl - 1;
            m.comma &= ~line;
        }
        /* The open line goes on in the next word. */
        if (m.bad != 0 || (m.comma != 0 && (at != SIZE_MAX || (m.comma & (m.comma - 1)) != 0)))
            goto done;
        if (m.comma != 0)
            at = i + (size_t)__builtin_ctzll(m.comma);
    }
done:
    *end = start;
    return n;
}

static size_t cut_lines_sse2(const char *s, size_t avail, size_t max, gx_cut *cut, size_t *end) {
    return cut_lines(s, avail, max, cut, end, LEVEL_SSE2);
}
#ifdef GX_LINES_AVX2
GX_LINES_AVX2 static size_t cut_lines_avx2(const char *s, size_t avail, size_t max, gx_cut *cut,
                                           size_t *end) {
    return cut_lines(s, avail, max, cut, end, LEVEL_AVX2);
}
GX_LINES_AVX512 static size_t cut_lines_avx512(const char *s, size_t avail, size_t max, gx_cut *cut,
                                               size_t *end) {
    return cut_lines(s, avail, max, cut, end, LEVEL_AVX512);
}
#endif

int gx__lines_level = -1;

size_t gx_reader_pair_lines(gx_reader *r, char *dst, size_t cap, size_t max, gx_cut *cut) {
    const char *s;
    size_t avail, end;
    gx_input_peek(r->in, &s, &avail);
    if (r->fmt != GX_FMT_PAIRS || s == NULL || r->peeked)
        return 0;
    if (avail > cap) /* a line must end inside cap bytes */
        avail = cap;
    size_t n;
#ifdef GX_LINES_AVX2
    int level = gx__lines_level;
    if (level == LEVEL_AVX512 || (level < 0 && __builtin_cpu_supports("avx512bw")))
        n = cut_lines_avx512(s, avail, max, cut, &end);
    else if (level == LEVEL_AVX2 || (level < 0 && __builtin_cpu_supports("avx2")))
        n = cut_lines_avx2(s, avail, max, cut, &end);
    else
#endif
        n = cut_lines_sse2(s, avail, max, cut, &end);
    if (n == 0)
        return 0;
    memcpy(dst, s, end);
    gx_input_take(r->in, end, n);
    r->records += n;
    return n;
}
#else
int gx__lines_level = -1;

size_t gx_reader_pair_lines(gx_reader *r, char *dst, size_t cap, size_t max, gx_cut *cut) {
    (void)r, (void)dst, (void)cap, (void)max, (void)cut;
    return 0;
}
#endif

static int plain_pair(gx_reader *r, gx_record *a, gx_record *b, gx_err *err) {
    const char *s;
    size_t n, no;
    int rc = next_nonblank(r, &s, &n, &no, err);
    if (rc <= 0)
        return rc;
    return parse_pair(r, s, n, no, a, b, err);
}

static int plain_record(gx_reader *r, gx_record *rec, gx_err *err) {
    const char *s;
    size_t n, no;
    int rc = next_nonblank(r, &s, &n, &no, err);
    if (rc <= 0)
        return rc;
    if (s[0] == '>')
        return before_header(r, err);
    if (check_bytes(s, n, IN_SEQUENCE, 0, no, err) != 0)
        return -1;
    *rec = (gx_record){s, n, s, n, no};
    return 1;
}

static int buf_append(gx_buf *b, const char *s, size_t n, gx_err *err) {
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) {
            if (cap > (size_t)-1 / 2)
                return gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        b->p = p;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

/* A '>' or '@' header: the id runs to the first space or tab, and only
 * the id is checked: the description after it is thrown away, so it may
 * hold any byte (UTF-8 names, Latin-1 accents, control characters). */
static int parse_header(gx_reader *r, int slot, const char *s, size_t n, size_t no, gx_err *err) {
    char mark = r->fmt == GX_FMT_FASTA ? '>' : '@';
    if (s[0] != mark)
        return gx_fail(err, GX_EDATA, no, "expected '%c' at the start of a %s record", mark,
                       r->fmt == GX_FMT_FASTA ? "FASTA" : "FASTQ");
    size_t idlen = 0;
    while (1 + idlen < n && s[1 + idlen] != ' ' && s[1 + idlen] != '\t')
        idlen++;
    if (check_bytes(s, 1 + idlen, IN_HEADER, 1, no, err) != 0)
        return -1;
    if (idlen == 0)
        return gx_fail(err, GX_EDATA, no, "header without an id");
    r->name[slot].len = 0;
    r->seq[slot].len = 0;
    return buf_append(&r->name[slot], s + 1, idlen, err);
}

/* Sequence lines up to the next header (FASTA) or '+' line (FASTQ). */
static int read_sequence(gx_reader *r, int slot, gx_err *err) {
    const char *s;
    size_t n, no;
    int rc;
    while ((rc = next_line(r, &s, &n, &no, err)) == 1) {
        if (is_blank(s, n))
            continue;
        if (r->fmt == GX_FMT_FASTA && s[0] == '>') {
            unget_line(r, s, n, no);
            return 1;
        }
        if (r->fmt == GX_FMT_FASTQ && s[0] == '+')
            return 1;
        if (check_bytes(s, n, IN_SEQUENCE, 0, no, err) != 0 ||
            buf_append(&r->seq[slot], s, n, err) != 0)
            return -1;
    }
    return rc; /* 0: the end of the input, -1: an error */
}

/* FASTQ quality lines until they match the sequence's length. Quality may
 * span lines, and '@' is a quality character, so a line that starts with
 * '@' and overflows the sequence after a short quality line is taken for
 * the next header: the error is the short line's, where it stands. */
static int read_quality(gx_reader *r, size_t seqlen, size_t start, gx_err *err) {
    size_t q = 0, last = 0;
    while (q < seqlen) {
        const char *s;
        size_t n, no;
        int rc = next_line(r, &s, &n, &no, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return gx_fail(err, GX_EDATA, start, "truncated FASTQ record");
        if (last > 0 && n > 0 && s[0] == '@' && q + n > seqlen)
            return gx_fail(err, GX_EDATA, last,
                           "quality shorter than the sequence (%zu of %zu characters)", q, seqlen);
        if (check_bytes(s, n, IN_QUALITY, 1, no, err) != 0)
            return -1;
        q += n;
        last = no;
        if (q > seqlen)
            return gx_fail(err, GX_EDATA, no, "quality longer than the sequence");
    }
    return 0;
}

static int read_record(gx_reader *r, int slot, gx_record *rec, gx_err *err) {
    const char *s;
    size_t n, no;
    int rc = next_nonblank(r, &s, &n, &no, err);
    if (rc <= 0)
        return rc;
    if (parse_header(r, slot, s, n, no, err) != 0)
        return -1;
    rc = read_sequence(r, slot, err);
    if (rc < 0)
        return -1;
    if (r->fmt == GX_FMT_FASTQ) {
        if (rc == 0)
            return gx_fail(err, GX_EDATA, no, "truncated FASTQ record");
        if (read_quality(r, r->seq[slot].len, no, err) != 0)
            return -1;
    }
    *rec = (gx_record){r->name[slot].p, r->name[slot].len, r->seq[slot].p, r->seq[slot].len, no};
    return 1;
}

int gx_reader_record(gx_reader *r, gx_record *rec, gx_err *err) {
    if (r->fmt == GX_FMT_UNKNOWN) {
        int rc = detect(r, err);
        if (rc <= 0)
            return rc;
    }
    int rc = r->fmt == GX_FMT_LINES ? plain_record(r, rec, err) : read_record(r, 0, rec, err);
    r->records += rc == 1;
    return rc;
}

/* Every pair fast_pair does not take; kept out of line, so the common
 * call stays small. */
GX_COLD static int next_pair(gx_reader *r, gx_record *a, gx_record *b, gx_err *err) {
    if (r->fmt == GX_FMT_UNKNOWN) {
        int rc = detect(r, err);
        if (rc <= 0)
            return rc;
    }
    int rc;
    if (r->fmt == GX_FMT_PAIRS) {
        rc = plain_pair(r, a, b, err);
    } else {
        rc = read_record(r, 0, a, err);
        if (rc == 1 && (rc = read_record(r, 1, b, err)) == 0)
            return gx_fail(err, GX_EDATA, a->line, "odd number of records: '%.*s' has no partner",
                           a->namelen > 60 ? 60 : (int)a->namelen, a->name);
    }
    r->records += rc == 1;
    return rc;
}

int gx_reader_pair(gx_reader *r, gx_record *a, gx_record *b, gx_err *err) {
    if (r->fmt == GX_FMT_PAIRS && fast_pair(r, a, b)) {
        r->records++;
        return 1;
    }
    return next_pair(r, a, b, err);
}
