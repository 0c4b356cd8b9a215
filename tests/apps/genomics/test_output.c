/*
 * test_output.c: the three output formats byte for byte (JSON escaping
 * included), format names, the progress line's text, and the gx_item
 * kernel against the reference DP.
 */
#define _XOPEN_SOURCE 700 /* open_memstream, posix_openpt, grantpt, unlockpt, ptsname */

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <workq/kernels.h>

#include "kernel.h"
#include "output.h"
#include "progress.h"
#include "test_seq.h"

static char *render(gx_outfmt fmt, const char *a, size_t alen, const char *b, size_t blen,
                    size_t d) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    static gx_out o;
    gx_out_init(&o, f);
    cr_assert_eq(gx_output(&o, fmt, a, alen, b, blen, d), 0);
    cr_assert_eq(gx_out_flush(&o), 0);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

static void expect_line(gx_outfmt fmt, const char *a, const char *b, size_t d, const char *want) {
    char *got = render(fmt, a, strlen(a), b, strlen(b), d);
    cr_expect_str_eq(got, want);
    free(got);
}

Test(output, lesson, .timeout = 60) {
    expect_line(GX_OUT_LESSON, "attctg", "accagt", 4, "Edit_Distance(attctg, accagt) = 4\n");
}
Test(output, lesson_empty, .timeout = 60) {
    expect_line(GX_OUT_LESSON, "", "", 0, "Edit_Distance(, ) = 0\n");
}
Test(output, tsv, .timeout = 60) {
    expect_line(GX_OUT_TSV, "r1", "r2", 1234567890, "r1\tr2\t1234567890\n");
}
Test(output, jsonl, .timeout = 60) {
    expect_line(GX_OUT_JSONL, "ac", "g", 2, "{\"a\":\"ac\",\"b\":\"g\",\"distance\":2}\n");
}

Test(output, jsonl_escapes, .timeout = 60) {
    expect_line(GX_OUT_JSONL, "a\"b\\c", "\x01\x1f\x7f", 3,
                "{\"a\":\"a\\\"b\\\\c\",\"b\":\"\\u0001\\u001f\\u007f\",\"distance\":3}\n");
}

Test(output, counted_names, .timeout = 60) {
    char *got = render(GX_OUT_TSV, "abcdef", 2, "x\0y", 3, 7);
    cr_expect_eq(memcmp(got, "ab\tx\0y\t7\n", 9), 0);
    free(got);
}

Test(output, format_names, .timeout = 60) {
    gx_outfmt f = GX_OUT_LESSON;
    cr_expect_eq(gx_outfmt_parse("tsv", &f), 0);
    cr_expect_eq(f, GX_OUT_TSV);
    cr_expect_eq(gx_outfmt_parse("jsonl", &f), 0);
    cr_expect_eq(f, GX_OUT_JSONL);
    cr_expect_eq(gx_outfmt_parse("lesson", &f), 0);
    cr_expect_eq(f, GX_OUT_LESSON);
    cr_expect_eq(gx_outfmt_parse("json", &f), -1);
    cr_expect_eq(gx_outfmt_parse("", &f), -1);
}

Test(progress, known_total, .timeout = 60) {
    char buf[160];
    cr_expect_str_eq(gx_progress_format(buf, sizeof buf, 50000, 200000, -1, 2.0),
                     "50000 / 200000 pairs (25.0%)  25.0k pairs/s  ETA 0:06");
}

Test(progress, share_of_input, .timeout = 60) {
    char buf[160];
    cr_expect_str_eq(gx_progress_format(buf, sizeof buf, 3000000, 0, 0.25, 10.0),
                     "3000000 pairs (25.0% of input)  300.0k pairs/s  ETA 0:30");
}

Test(progress, unknown_total, .timeout = 60) {
    char buf[160];
    cr_expect_str_eq(gx_progress_format(buf, sizeof buf, 120, 0, -1, 4.0), "120 pairs  30 pairs/s");
}

Test(progress, hours, .timeout = 60) {
    char buf[160];
    cr_expect_str_eq(gx_progress_format(buf, sizeof buf, 10, 100000, -1, 1.0),
                     "10 / 100000 pairs (0.0%)  10 pairs/s  ETA 2:46:39");
}

/* The gx_item kernel (single and batch) equals the reference DP, and the
 * cutoff reports max + 1. */
Test(kernel, items_match_reference, .timeout = 60) {
    enum { N = 300 };
    static char buf[N][2][40];
    static gx_item items[N];
    size_t one[N], batch[N], fail = 0;
    uint64_t st = 12345;
    for (int i = 0; i < N; i++) {
        for (int s = 0; s < 2; s++) {
            size_t len = kbelow(&st, 32);
            kseq_fill(&st, (unsigned char *)buf[i][s], len, 4);
            if (s == 0)
                items[i].pair.a = buf[i][0], items[i].pair.alen = len;
            else
                items[i].pair.b = buf[i][1], items[i].pair.blen = len;
        }
    }
    gx_kopts none = {{WQ_LEV_NO_LIMIT}, WQ_ALIGN_GLOBAL}, cut = {{3}, WQ_ALIGN_GLOBAL};
    for (int i = 0; i < N; i++)
        cr_assert_eq(gx_kernel.fn(&items[i], &one[i], &none), 0);
    cr_assert_eq(gx_kernel.batch(items, batch, N, &none, &fail), 0);
    for (int i = 0; i < N; i++) {
        size_t ref = wq_levenshtein_ref(items[i].pair.a, items[i].pair.alen, items[i].pair.b,
                                        items[i].pair.blen);
        cr_expect_eq(one[i], ref, "pair %d", i);
        cr_expect_eq(batch[i], ref, "pair %d", i);
    }
    cr_assert_eq(gx_kernel.batch(items, batch, N, &cut, &fail), 0);
    for (int i = 0; i < N; i++) {
        size_t ref = wq_levenshtein_ref(items[i].pair.a, items[i].pair.alen, items[i].pair.b,
                                        items[i].pair.blen);
        cr_expect_eq(batch[i], ref <= 3 ? ref : 4, "pair %d", i);
    }
    /* --mode: the mode's distance, pair by pair or in a batch, capped. */
    for (int mode = WQ_ALIGN_PREFIX; mode <= WQ_ALIGN_INFIX; mode++) {
        gx_kopts ko = {{2}, (wq_align_mode)mode};
        cr_assert_eq(gx_kernel.batch(items, batch, N, &ko, &fail), 0);
        for (int i = 0; i < N; i++) {
            size_t ref = wq_align_distance_ref(items[i].pair.a, items[i].pair.alen, items[i].pair.b,
                                               items[i].pair.blen, ko.mode);
            cr_assert_eq(gx_kernel.fn(&items[i], &one[i], &ko), 0);
            cr_expect_eq(one[i], ref <= 2 ? ref : 3, "pair %d mode %d", i, mode);
            cr_expect_eq(batch[i], ref <= 2 ? ref : 3, "pair %d mode %d", i, mode);
        }
    }
}

/* Lines go through one gx_out across many fills of its buffer (every
 * length of name from 0 to 40 bytes, both plain formats, then jsonl), and
 * a line longer than the buffer: the stream gets every byte, in order,
 * once gx_out_flush is called, and before it only what filled the buffer
 * (less than one buffer is held back). */
Test(output, buffer_refills, .timeout = 60) {
    static char names[GX_OUT_BUF + 100];
    for (size_t i = 0; i < sizeof names; i++)
        names[i] = "acgtACGT"[i % 8];
    char *buf = NULL, *want = NULL;
    size_t len = 0, wantlen = 0;
    FILE *f = open_memstream(&buf, &len);
    FILE *w = open_memstream(&want, &wantlen);
    cr_assert(f != NULL && w != NULL);
    static gx_out o;
    gx_out_init(&o, f);
    for (size_t k = 0; k < 6000; k++) {
        size_t alen = k % 41, blen = (k * 7) % 41, d = k * 37 % 1000;
        gx_outfmt fmt = k % 3 == 0 ? GX_OUT_LESSON : k % 3 == 1 ? GX_OUT_TSV : GX_OUT_JSONL;
        cr_assert_eq(gx_output(&o, fmt, names + k % 8, alen, names + 3, blen, d), 0);
        if (fmt == GX_OUT_LESSON)
            fprintf(w, "Edit_Distance(%.*s, %.*s) = %zu\n", (int)alen, names + k % 8, (int)blen,
                    names + 3, d);
        else if (fmt == GX_OUT_TSV)
            fprintf(w, "%.*s\t%.*s\t%zu\n", (int)alen, names + k % 8, (int)blen, names + 3, d);
        else
            fprintf(w, "{\"a\":\"%.*s\",\"b\":\"%.*s\",\"distance\":%zu}\n", (int)alen,
                    names + k % 8, (int)blen, names + 3, d);
    }
    cr_assert_eq(gx_output(&o, GX_OUT_TSV, names, sizeof names, "b", 1, 12345678901ULL), 0);
    fprintf(w, "%.*s\tb\t12345678901\n", (int)sizeof names, names);
    cr_assert_eq(fflush(f), 0);
    cr_assert_eq(fflush(w), 0);
    cr_expect(len > 0 && len + GX_OUT_BUF > wantlen && len < wantlen,
              "before the flush: earlier fills only (%zu of %zu bytes)", len, wantlen);
    cr_assert_eq(gx_out_flush(&o), 0);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(fclose(w), 0);
    cr_assert_eq(len, wantlen);
    cr_expect_eq(memcmp(buf, want, len), 0);
    free(buf);
    free(want);
}

/* A stream with a descriptor (a file here) gets each full buffer in one
 * write(2), past stdio: what stdio held from before comes first, every
 * byte arrives in order, lines across many buffers and a line longer than
 * one. */
Test(output, descriptor_gets_every_byte, .timeout = 60) {
    static char names[GX_OUT_BUF + 100];
    for (size_t i = 0; i < sizeof names; i++)
        names[i] = "acgtACGT"[i % 8];
    FILE *f = tmpfile();
    char *want = NULL;
    size_t wantlen = 0;
    FILE *w = open_memstream(&want, &wantlen);
    cr_assert(f != NULL && w != NULL);
    fputs("held by stdio\n", f);
    fputs("held by stdio\n", w);
    static gx_out o;
    gx_out_init(&o, f);
    for (size_t k = 0; k < 20000; k++) {
        size_t alen = k % 41, blen = (k * 7) % 41, d = k * 37 % 1000;
        cr_assert_eq(gx_output(&o, GX_OUT_LESSON, names + k % 8, alen, names + 3, blen, d), 0);
        fprintf(w, "Edit_Distance(%.*s, %.*s) = %zu\n", (int)alen, names + k % 8, (int)blen,
                names + 3, d);
    }
    cr_assert_eq(gx_output(&o, GX_OUT_TSV, names, sizeof names, "b", 1, 7), 0);
    fprintf(w, "%.*s\tb\t7\n", (int)sizeof names, names);
    cr_assert_eq(gx_out_flush(&o), 0);
    cr_assert_eq(fclose(w), 0);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    cr_assert_eq((size_t)ftell(f), wantlen);
    rewind(f);
    char *got = malloc(wantlen);
    cr_assert_not_null(got);
    cr_assert_eq(fread(got, 1, wantlen, f), wantlen);
    cr_expect_eq(memcmp(got, want, wantlen), 0);
    free(got);
    free(want);
    fclose(f);
}

/* On a terminal each record reaches it as it ends, with no flush: a person
 * sees each result at once, as before the buffer. The line is read back
 * from the pseudo-terminal's other side while the gx_out still holds the
 * stream open (a line held back would block the read: the timeout fails). */
Test(output, terminal_gets_each_line, .timeout = 20) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert(master >= 0);
    cr_assert_eq(grantpt(master), 0);
    cr_assert_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    cr_assert(slave >= 0);
    struct termios t;
    cr_assert_eq(tcgetattr(slave, &t), 0);
    t.c_oflag &= ~(tcflag_t)OPOST; /* no "\n" -> "\r\n" */
    cr_assert_eq(tcsetattr(slave, TCSANOW, &t), 0);
    FILE *f = fdopen(slave, "w");
    cr_assert_not_null(f);
    static gx_out o;
    gx_out_init(&o, f);
    cr_assert_eq(gx_output(&o, GX_OUT_TSV, "acg", 3, "at", 2, 2), 0);
    char got[32];
    size_t n = 0;
    while (n < 9) {
        ssize_t r = read(master, got + n, sizeof got - n);
        cr_assert(r > 0);
        n += (size_t)r;
    }
    cr_expect_eq(n, 9);
    cr_expect_eq(memcmp(got, "acg\tat\t2\n", 9), 0);
    cr_assert_eq(gx_out_flush(&o), 0);
    fclose(f);
    close(master);
}
