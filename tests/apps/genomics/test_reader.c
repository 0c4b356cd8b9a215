/*
 * test_reader.c: the input layer and the format readers, directly: valid,
 * edge and malformed inputs with their line numbers, gzip (single and
 * concatenated members, truncated, corrupt), long lines across buffer
 * refills, and an interrupted read.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "util.h"

/* One record as text: "seq" when its name is the sequence, else "name=seq". */
static void put_record(char **s, size_t *n, const gx_record *r) {
    if (r->name == r->seq)
        gxt_cat(s, n, "%.*s", (int)r->seqlen, r->seq);
    else
        gxt_cat(s, n, "%.*s=%.*s", (int)r->namelen, r->name, (int)r->seqlen, r->seq);
}

/* Everything a reader returns for path, as text: pairs "A,B\n", records
 * "A@line\n", then "E<line>: <message>" if it fails. */
static char *read_all(const char *path, int pairs) {
    gx_err err = {GX_OK, 0, ""};
    char *s = NULL;
    size_t n = 0;
    gxt_cat(&s, &n, "%s", "");
    gx_reader *r = gx_reader_open(path, pairs, -1, &err);
    if (r == NULL) {
        gxt_cat(&s, &n, "E%zu: %s", err.line, err.msg);
        return s;
    }
    gx_record a, b;
    int rc;
    while ((rc = pairs ? gx_reader_pair(r, &a, &b, &err) : gx_reader_record(r, &a, &err)) == 1) {
        put_record(&s, &n, &a);
        if (pairs) {
            gxt_cat(&s, &n, ",");
            put_record(&s, &n, &b);
            gxt_cat(&s, &n, "\n");
        } else {
            gxt_cat(&s, &n, "@%zu\n", a.line);
        }
    }
    if (rc < 0)
        gxt_cat(&s, &n, "E%zu: %s", err.line, err.msg);
    gx_reader_close(r);
    return s;
}

/* read_all in pairs mode, but taking the usual pair lines in bulk
 * (gx_reader_pair_lines, at most max lines and cap bytes a call, copied to
 * a buffer of exactly cap bytes) and only the others one by one: the same
 * text, errors and line numbers. */
static char *read_lines(const char *path, size_t cap, size_t max) {
    gx_err err = {GX_OK, 0, ""};
    char *s = NULL;
    size_t n = 0;
    gxt_cat(&s, &n, "%s", "");
    gx_reader *r = gx_reader_open(path, 1, -1, &err);
    if (r == NULL) {
        gxt_cat(&s, &n, "E%zu: %s", err.line, err.msg);
        return s;
    }
    char *buf = malloc(cap);
    gx_cut *cut = malloc(max * sizeof *cut);
    cr_assert(buf != NULL && cut != NULL);
    gx_record a, b;
    int rc = 1;
    while (rc == 1) {
        size_t k = gx_reader_pair_lines(r, buf, cap, max, cut);
        cr_assert_leq(k, max);
        size_t start = 0;
        for (size_t j = 0; j < k; j++) {
            cr_assert(start <= cut[j].comma && cut[j].comma < cut[j].end && cut[j].end < cap);
            cr_assert_eq(buf[cut[j].end], '\n');
            cr_assert_eq(buf[cut[j].comma], ',');
            gxt_cat(&s, &n, "%.*s\n", (int)(cut[j].end - start), buf + start);
            start = cut[j].end + 1;
        }
        if (k > 0)
            continue;
        if ((rc = gx_reader_pair(r, &a, &b, &err)) == 1) {
            put_record(&s, &n, &a);
            gxt_cat(&s, &n, ",");
            put_record(&s, &n, &b);
            gxt_cat(&s, &n, "\n");
        }
    }
    if (rc < 0)
        gxt_cat(&s, &n, "E%zu: %s", err.line, err.msg);
    free(buf);
    free(cut);
    gx_reader_close(r);
    return s;
}

/* Bulk reads (cap, max) that every pairs case is also read with: roomy,
 * tight, one line at a time. */
static const size_t bulk[][2] = {{4096, 64}, {40, 3}, {1 << 20, 1}};

/* Sets gx_reader_pair_lines' vector level for turn k (SSE2, AVX2,
 * AVX-512BW in turn; a level the CPU lacks gives SSE2). Returns it. */
static int next_level(size_t k) {
    int level = (int)(k / 3 % 3);
    if ((level == 2 && !__builtin_cpu_supports("avx512bw")) ||
        (level == 1 && !__builtin_cpu_supports("avx2")))
        level = 0;
    gx__lines_level = level;
    return level;
}

/* A case: input (len bytes; 0 = strlen), mode, what read_all returns. The
 * fields are arrays, not pointers: Criterion copies parameters into the
 * test's process. */
typedef struct reader_case {
    char input[96];
    size_t len;
    int pairs;
    char expect[128];
} reader_case;

/* read_all and read_lines (each bulk setting) of path in pairs mode give
 * want. */
static void expect_pairs(const char *path, const char *want) {
    char *got = read_all(path, 1);
    cr_expect_str_eq(got, want);
    free(got);
    for (size_t k = 0; k < sizeof bulk / sizeof *bulk; k++) {
        got = read_lines(path, bulk[k][0], bulk[k][1]);
        cr_expect_str_eq(got, want, "in bulk %zu/%zu", bulk[k][0], bulk[k][1]);
        free(got);
    }
}

static void check_case(const reader_case *c, int gzip_members) {
    size_t len = c->len ? c->len : strlen(c->input);
    char *path = gxt_file(c->input, len, gzip_members);
    char *got = read_all(path, c->pairs);
    cr_expect_str_eq(got, c->expect, "input \"%s\" (gzip %d) got \"%s\" want \"%s\"", c->input,
                     gzip_members, got, c->expect);
    free(got);
    /* One bulk setting and vector level a case, in turn (all of them for
     * every case would take minutes under the sanitizers for no more
     * paths). */
    static size_t turn;
    if (c->pairs) {
        const size_t *k = bulk[turn % (sizeof bulk / sizeof *bulk)];
        int level = next_level(turn++);
        got = read_lines(path, k[0], k[1]);
        cr_expect_str_eq(got, c->expect,
                         "input \"%s\" (gzip %d, in bulk %zu/%zu, level %d) got \"%s\"", c->input,
                         gzip_members, k[0], k[1], level, got);
        free(got);
        gx__lines_level = -1;
    }
    gxt_unlink(path);
}

static reader_case valid_cases[] = {
    {"attctg,accagt\nccat,agcattacg\n", 0, 1, "attctg,accagt\nccat,agcattacg\n"},
    {"a,b", 0, 1, "a,b\n"},
    {"a,b\r\nc,d\r\n", 0, 1, "a,b\nc,d\n"},
    {"\n \t\n\r\na,b\n\n", 0, 1, "a,b\n"},
    {",b\na,\n,\n", 0, 1, ",b\na,\n,\n"},
    {"", 0, 1, ""},
    {"\n\n", 0, 1, ""},
    {"AcGt,acgt\n", 0, 1, "AcGt,acgt\n"},
    {"a\"b\\,~!\n", 0, 1, "a\"b\\,~!\n"},
    {">r1 some text\nAC\nGT\n>r2\nAGT\n", 0, 1, "r1=ACGT,r2=AGT\n"},
    /* issue 19: any byte after the id (it is thrown away) */
    {">seq1 Homo sapiens caf\xc3\xa9\nAC\n>seq2\tLatin-1 \xe9\x01\x7f\nGT\n", 0, 1,
     "seq1=AC,seq2=GT\n"},
    {"@q1 caf\xc3\xa9\nAC\n+\n@I\n@q2\nG\n+\n@\n", 0, 0, "q1=AC@1\nq2=G@5\n"},
    {">r1\r\nAC\r\n\r\nGT\r\n>r2\tx\r\nA\r\n", 0, 1, "r1=ACGT,r2=A\n"},
    {">r1\n>r2\nA\n", 0, 1, "r1=,r2=A\n"},
    {"\n>a\nA\n>b\nC\n>c\nG\n>d\nT\n", 0, 1, "a=A,b=C\nc=G,d=T\n"},
    {"@q1 x\nACGT\n+\nIIII\n@q2\nAG\n+q2\n@@\n", 0, 1, "q1=ACGT,q2=AG\n"},
    {"@q1\nAC\nGT\n+\nII\nII\n@q2\n\n+\n\n", 0, 1, "q1=ACGT,q2=\n"},
    {"ACGT\nAG\n\nT\n", 0, 0, "ACGT@1\nAG@2\nT@4\n"},
    {"\r\nACGT\r\n", 0, 0, "ACGT@2\n"},
    {">r1\nAC\n>r2\nGT\n>r3\nTT\n", 0, 0, "r1=AC@1\nr2=GT@3\nr3=TT@5\n"},
    {"@q1\nAC\n+\nII\n@q2\nG\n+\nI\n@q3\nT\n+\n#\n", 0, 0, "q1=AC@1\nq2=G@5\nq3=T@9\n"},
};

ParameterizedTestParameters(reader, valid) {
    return cr_make_param_array(reader_case, valid_cases, sizeof valid_cases / sizeof *valid_cases);
}

ParameterizedTest(reader_case *c, reader, valid, .timeout = 60) {
    check_case(c, 0);
}

ParameterizedTestParameters(reader, valid_gzip) {
    return cr_make_param_array(reader_case, valid_cases, sizeof valid_cases / sizeof *valid_cases);
}

ParameterizedTest(reader_case *c, reader, valid_gzip, .timeout = 60) {
    check_case(c, 1);
}

ParameterizedTestParameters(reader, valid_gzip_members) {
    return cr_make_param_array(reader_case, valid_cases, sizeof valid_cases / sizeof *valid_cases);
}

ParameterizedTest(reader_case *c, reader, valid_gzip_members, .timeout = 60) {
    check_case(c, 3);
}

static reader_case malformed_cases[] = {
    {"a,b\nab\n", 0, 1, "a,b\nE2: no ',' between the two sequences"},
    {"a,b,c\n", 0, 1, "E1: more than one ','"},
    {"x,y\n\na,b,\n", 0, 1, "x,y\nE3: more than one ','"},
    {"a b,c\n", 0, 1, "E1: space in sequence"},
    {"a,b \n", 0, 1, "E1: space in sequence"},
    {"a\tb,c\n", 0, 1, "E1: control character 0x09 in sequence"},
    {"a,b\n\nx\x01,y\n", 0, 1, "a,b\nE3: control character 0x01 in sequence"},
    {"a,b\rc\n", 0, 1, "E1: control character 0x0d in sequence"},
    {"a,\x7f\n", 0, 1, "E1: control character 0x7f in sequence"},
    {"a,\xc3\xa9\n", 0, 1, "E1: non-ASCII byte 0xc3 in sequence"},
    {"a,b\na\0,c\n", 9, 1, "a,b\nE2: NUL byte in sequence"},
    {"acgt\n>r1\nAC\n>r2\nGT\n", 0, 1, "E1: sequence text before the first FASTA header"},
    {"\nacgt\n>r1\nAC\n", 0, 0, "acgt@2\nE2: sequence text before the first FASTA header"},
    {">r1\nAC\n>r2\nGT\n>r3\nTT\n", 0, 1,
     "r1=AC,r2=GT\nE5: odd number of records: 'r3' has no partner"},
    {">r1\nA,C\n", 0, 1, "E2: ',' in sequence"},
    {">r1\nA C\n", 0, 0, "E2: space in sequence"},
    {"> r1\nAC\n", 0, 0, "E1: header without an id"},
    {">r\xff\nAC\n", 0, 0, "E1: non-ASCII byte 0xff in header"},
    {"@q1\nACGT\n+\nII\n", 0, 0, "E1: truncated FASTQ record"},
    {"@q1\nACGT\n", 0, 0, "E1: truncated FASTQ record"},
    {"@q1\nACGT\n+\nIIIII\n", 0, 0, "E4: quality longer than the sequence"},
    /* issue 19: a short quality line is reported where it is, not as the
     * next header swallowed into a quality "longer than the sequence" */
    {"@q1\nACGT\n+\nII\n@q2\nAC\n+\nII\n", 0, 0,
     "E4: quality shorter than the sequence (2 of 4 characters)"},
    {"@q1\nACGTACGT\n+\nIII\nII\n@q22\nAC\n+\nII\n", 0, 1,
     "E5: quality shorter than the sequence (5 of 8 characters)"},
    {"@q1\nACGT\n+\nII\nII@\n", 0, 0, "E5: quality longer than the sequence"},
    {"@r\xc3\xa9 x\nAC\n+\nII\n", 0, 0, "E1: non-ASCII byte 0xc3 in header"},
    {"@q1\nAC\n+\nI\x02\n", 0, 0, "E4: control character 0x02 in quality"},
    {"@q1\nAC\n+\nII\nq2\nAC\n+\nII\n", 0, 0,
     "q1=AC@1\nE5: expected '@' at the start of a FASTQ record"},
    {"ACGT\nA,G\n", 0, 0, "ACGT@1\nE2: ',' in sequence"},
};

ParameterizedTestParameters(reader, malformed) {
    return cr_make_param_array(reader_case, malformed_cases,
                               sizeof malformed_cases / sizeof *malformed_cases);
}

ParameterizedTest(reader_case *c, reader, malformed, .timeout = 60) {
    check_case(c, 0);
}

ParameterizedTestParameters(reader, malformed_gzip) {
    return cr_make_param_array(reader_case, malformed_cases,
                               sizeof malformed_cases / sizeof *malformed_cases);
}

ParameterizedTest(reader_case *c, reader, malformed_gzip, .timeout = 60) {
    check_case(c, 2);
}

Test(reader, missing_file, .timeout = 60) {
    char *got = read_all("/nonexistent/genomics/pairs.txt", 1);
    cr_expect_str_eq(got, "E0: No such file or directory");
    free(got);
}

Test(reader, directory, .timeout = 60) {
    char *got = read_all("/tmp", 1);
    cr_expect_str_eq(got, "E0: Is a directory");
    free(got);
}

/* Lines longer than the input's buffers (256 KiB plain, 64 KiB decoded
 * gzip), and many lines across refills:
 * lengths, contents and line numbers survive. */
static void check_long(int gzip) {
    char *tail = NULL;
    size_t tlen = 0;
    for (int i = 0; i < 20000; i++)
        gxt_cat(&tail, &tlen, "%d,%d\n", i, i + 1);
    size_t big = 300000, n = 3 * (big + 3);
    char *in = malloc(n + tlen + 1);
    cr_assert_not_null(in);
    for (int i = 0; i < 3; i++) {
        char *line = in + (size_t)i * (big + 3);
        line[0] = 'x';
        for (size_t k = 1; k < big; k++)
            line[k] = "acgt"[k % 4];
        line[big] = ',';
        line[big + 1] = (char)('0' + i);
        line[big + 2] = '\n';
    }
    memcpy(in + n, tail, tlen + 1);
    n += tlen;
    free(tail);
    char *path = gxt_file(in, n, gzip);
    gx_err err;
    gx_reader *r = gx_reader_open(path, 1, -1, &err);
    cr_assert_not_null(r);
    gx_record a, b;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(gx_reader_pair(r, &a, &b, &err), 1);
        cr_expect_eq(a.seqlen, big);
        cr_expect_eq(a.seq[0], 'x');
        cr_expect_eq(a.seq[big - 1], "acgt"[(big - 1) % 4]);
        cr_expect_eq(b.seqlen, 1);
        cr_expect_eq(b.seq[0], '0' + i);
        cr_expect_eq(a.line, (size_t)i + 1);
    }
    for (int i = 0; i < 20000; i++) {
        char want[32];
        cr_assert_eq(gx_reader_pair(r, &a, &b, &err), 1);
        int len = snprintf(want, sizeof want, "%d", i);
        cr_assert_eq(a.seqlen, (size_t)len);
        cr_assert_eq(memcmp(a.seq, want, a.seqlen), 0, "pair %d", i);
        cr_assert_eq(a.line, (size_t)i + 4);
    }
    cr_expect_eq(gx_reader_pair(r, &a, &b, &err), 0);
    gx_reader_close(r);
    gxt_unlink(path);
    free(in);
}

Test(reader, long_lines_plain, .timeout = 60) {
    check_long(0);
}
Test(reader, long_lines_gzip, .timeout = 60) {
    check_long(1);
}

/* A gzip stream cut short, or damaged: an error, never a silent end. */
Test(reader, gzip_truncated, .timeout = 60) {
    char *path = gxt_file("a,b\nc,d\n", 8, 1);
    FILE *f = fopen(path, "r+b");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fclose(f);
    cr_assert_eq(truncate(path, size - 6), 0);
    expect_pairs(path, "a,b\nc,d\nE3: truncated gzip data");
    gxt_unlink(path);
}

Test(reader, gzip_corrupt, .timeout = 60) {
    static const char bad[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-garbage";
    char *path = gxt_file(bad, sizeof bad - 1, 0);
    char *got = read_all(path, 1);
    cr_expect(strncmp(got, "E1: invalid gzip data (", 23) == 0, "got \"%s\"", got);
    free(got);
    gxt_unlink(path);
}

/* A read that would block gives way at once to the interrupt pipe. */
Test(reader, interrupted, .timeout = 60) {
    int data[2], intr[2];
    cr_assert_eq(pipe(data), 0);
    cr_assert_eq(pipe(intr), 0);
    cr_assert_eq(write(data[1], "a,b\n", 4), 4);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", data[0]);
    gx_err err;
    gx_reader *r = gx_reader_open(path, 1, intr[0], &err);
    cr_assert_not_null(r);
    gx_record a, b;
    cr_assert_eq(gx_reader_pair(r, &a, &b, &err), 1);
    cr_assert_eq(write(intr[1], "!", 1), 1);
    cr_expect_eq(gx_reader_pair(r, &a, &b, &err), -1);
    cr_expect_eq(err.kind, GX_INTERRUPTED);
    gx_reader_close(r);
    close(data[1]);
    close(intr[0]);
    close(intr[1]);
    close(data[0]);
}

/* Bytes a pair line may not hold, with the general path's message ('\r'
 * only where it is not the CRLF's, before the '\n'). */
static const struct {
    char c;
    const char *msg;
} bad[] = {{',', "more than one ','"},
           {' ', "space in sequence"},
           {'\r', "control character 0x0d in sequence"},
           {'\x7f', "control character 0x7f in sequence"},
           {'\x1f', "control character 0x1f in sequence"},
           {'\x80', "non-ASCII byte 0x80 in sequence"},
           {'\0', "NUL byte in sequence"}};

/* Pair lines are checked eight bytes at a time: the ',' at every offset
 * across two words and a tail, next to the printable range's edges ('!',
 * '~') and to the bytes either side of ',' ('+', '-'); then, with the ','
 * first, middle and last, one offending byte at every other offset, each
 * with the byte-by-byte path's message. (Every pair of offsets would be
 * 15,000 files, minutes under ThreadSanitizer, for no more paths.) */
Test(reader, pair_lines_across_word_boundaries, .timeout = 240) {
    static const char fillers[] = "!~+-acgt";
    for (size_t len = 1; len <= 19; len++) {
        char line[32], want[96];
        for (size_t i = 0; i < len; i++)
            line[i] = fillers[(i * 5 + len) % 8];
        for (size_t at = 0; at < len; at++) {
            char ok[32];
            memcpy(ok, line, len);
            ok[at] = ',';
            reader_case c = {.len = len + 1, .pairs = 1};
            memcpy(c.input, ok, len);
            c.input[len] = '\n';
            snprintf(c.expect, sizeof c.expect, "%.*s\n", (int)len, ok);
            check_case(&c, 0);
            if (at != 0 && at != len / 2 && at != len - 1)
                continue;
            for (size_t b = 0; b < sizeof bad / sizeof *bad; b++)
                for (size_t pos = 0; pos < len; pos++) {
                    if (pos == at || (bad[b].c == '\r' && pos == len - 1))
                        continue; /* a final '\r' is CRLF's, and allowed */
                    reader_case e = c;
                    e.input[pos] = bad[b].c;
                    snprintf(want, sizeof want, "E1: %s", bad[b].msg);
                    memcpy(e.expect, want, strlen(want) + 1);
                    check_case(&e, 0);
                }
        }
    }
}

/* Lines after the first are cut and checked in place from the input's
 * buffer, sixteen bytes a step (reader.c fast_pair). A first line of 3 to
 * 18 bytes shifts the line under test across the steps; it is followed by
 * a line long enough that the line under test lies in whole steps. Each
 * offending byte, and a second ',', at every offset gives the general
 * path's message and line number; and a file of lines of every length
 * with blank and CRLF lines among them reads back whole. */
static void check_in_place(size_t shift, const char *line, size_t len, const char *want) {
    static const char tail[] = "acgtacgtacgtacgtacgtacgtacgtacg,t\n";
    reader_case c = {.pairs = 1};
    char first[24];
    memset(first, 'g', shift + 2);
    first[0] = ',';
    memcpy(c.input, first, shift + 2);
    c.input[shift + 2] = '\n';
    size_t n = shift + 3;
    memcpy(c.input + n, line, len);
    n += len;
    c.input[n++] = '\n';
    memcpy(c.input + n, tail, sizeof tail - 1);
    c.len = n + sizeof tail - 1;
    snprintf(c.expect, sizeof c.expect, ",%.*s\n%s", (int)shift + 1, first + 1, want);
    check_case(&c, 0);
}

Test(reader, pair_lines_in_place, .timeout = 240) {
    static const char fillers[] = "!~+-acgt";
    for (size_t shift = 0; shift < 16; shift++)
        for (size_t len = 1; len <= 34; len++) {
            char line[40], want[128];
            for (size_t i = 0; i < len; i++)
                line[i] = fillers[(i * 5 + len + shift) % 8];
            size_t at = (len * 7 + shift * 3) % len;
            line[at] = ',';
            snprintf(want, sizeof want, "%.*s\nacgtacgtacgtacgtacgtacgtacgtacg,t\n", (int)len,
                     line);
            check_in_place(shift, line, len, want);
            for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
                size_t pos = (at + 1 + (b + shift) * 5) % len;
                if (pos == at || (bad[b].c == '\r' && pos == len - 1))
                    continue; /* a final '\r' is CRLF's, and allowed */
                char e[40];
                memcpy(e, line, len);
                e[pos] = bad[b].c;
                snprintf(want, sizeof want, "E2: %s", bad[b].msg);
                check_in_place(shift, e, len, want);
            }
            char none[40];
            memcpy(none, line, len);
            none[at] = 'a';
            check_in_place(shift, none, len, "E2: no ',' between the two sequences");
        }
}

Test(reader, pair_lines_of_every_length, .timeout = 60) {
    char *in = NULL, *want = NULL;
    size_t inlen = 0, wantlen = 0;
    gxt_cat(&in, &inlen, "%s", "");
    gxt_cat(&want, &wantlen, "%s", "");
    for (size_t k = 0; k < 400; k++) {
        size_t alen = k % 23, blen = (k * 7) % 41;
        char a[64], b[64];
        for (size_t i = 0; i < alen; i++)
            a[i] = "acgtN"[(i + k) % 5];
        for (size_t i = 0; i < blen; i++)
            b[i] = "ACGTn"[(i * 3 + k) % 5];
        const char *end = k % 17 == 3 ? "\r\n" : "\n";
        gxt_cat(&in, &inlen, "%.*s,%.*s%s%s", (int)alen, a, (int)blen, b, end,
                k % 13 == 5 ? "\n  \n" : "");
        gxt_cat(&want, &wantlen, "%.*s,%.*s\n", (int)alen, a, (int)blen, b);
    }
    char *path = gxt_file(in, inlen, 0);
    expect_pairs(path, want);
    free(in);
    free(want);
    gxt_unlink(path);
}

/* Pair lines in bulk (reader.c gx_reader_pair_lines, 64 bytes a word):
 * lines of 2 to 150 bytes, so that their ends fall at every offset of the
 * words, among blank, CRLF and bad lines; lines longer than a word, than
 * the bulk reads' room (40 and 4096 bytes) and than the input's buffers
 * (256 KiB plain, 64 KiB decoded gzip); the last line
 * without its '\n'; plain and gzip (whose buffer refills elsewhere). The
 * bulk reads give read_all's text, and the error's line number. */
static void check_bulk(int gzip, int bad_line) {
    char *in = NULL, *want = NULL;
    size_t inlen = 0, wantlen = 0;
    gxt_cat(&in, &inlen, "%s", "");
    gxt_cat(&want, &wantlen, "%s", "");
    size_t line = 0;
    for (size_t k = 0; k < 3000; k++) {
        size_t len = 1 + (k * 37 + k / 7) % 149, at = (k * 13) % len;
        size_t big = k == 1000 ? 300000 : k == 2000 ? 5000 : k % 97 == 5 ? 300 : 0;
        char *s = malloc(len + big + 1);
        cr_assert_not_null(s);
        for (size_t i = 0; i < len + big; i++)
            s[i] = "acgtNACGT~!"[(i * 7 + k) % 11];
        s[at] = ',';
        const char *end = k % 41 == 7 ? "\r\n" : k == 2999 ? "" : "\n";
        gxt_cat(&in, &inlen, "%.*s%s%s", (int)(len + big), s, end, k % 53 == 11 ? "\n \n" : "");
        gxt_cat(&want, &wantlen, "%.*s\n", (int)(len + big), s);
        line += 1 + (k % 53 == 11 ? 2 : 0);
        free(s);
        if (bad_line > 0 && k == (size_t)bad_line) {
            gxt_cat(&in, &inlen, "acgt,ac gt\nac,gt\n");
            gxt_cat(&want, &wantlen, "E%zu: space in sequence", line + 1);
            break;
        }
    }
    char *path = gxt_file(in, inlen, gzip);
    expect_pairs(path, want);
    free(in);
    free(want);
    gxt_unlink(path);
}

Test(reader, pair_lines_in_bulk, .timeout = 120) {
    for (size_t level = 0; level < 3; level++) {
        for (int gzip = 0; gzip <= 1; gzip++) {
            next_level(3 * level);
            check_bulk(gzip, 0);
            next_level(3 * level);
            check_bulk(gzip, 1500);
        }
    }
    gx__lines_level = -1;
}
