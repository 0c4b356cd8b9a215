/*
 * test_align_cli.c: genomics' alignment outputs end to end (issue 14):
 * --mode for distances, --cigar in tsv and jsonl, paf and pretty, byte for
 * byte; the same bytes with several workers, --async (as a multiset) and
 * all-vs-all; usage errors.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>

#include "test_seq.h"
#include "util.h"

#ifndef GENOMICS_EXE
#error "GENOMICS_EXE must name the executable under test"
#endif

#define RUN(...) gxt_run_args(GENOMICS_EXE, __VA_ARGS__, (const char *)NULL)

static int cmp_lines(const void *x, const void *y) {
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The lines of s, sorted (s is modified). */
static char **sorted_lines(char *s, size_t *n) {
    size_t cap = 16;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    for (char *tok = strtok(s, "\n"); tok != NULL; tok = strtok(NULL, "\n")) {
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = tok;
    }
    qsort(v, *n, sizeof *v, cmp_lines);
    return v;
}

static void expect_same_lines(gxt_result r, const char *want) {
    cr_expect_eq(r.status, 0, "stderr: %s", r.err);
    char *w = strdup(want);
    size_t n1, n2;
    char **a = sorted_lines(r.out, &n1), **b = sorted_lines(w, &n2);
    cr_assert_eq(n1, n2);
    for (size_t i = 0; i < n1; i++)
        cr_assert_str_eq(a[i], b[i]);
    free(a);
    free(b);
    free(w);
    gxt_result_free(&r);
}

static const char in3[] = "ACGTACGT,ACGTTACCT\nCG,AACGTT\n,ACG\n";

Test(align_cli, tsv_and_jsonl_cigar, .timeout = 60) {
    gxt_expect_run(RUN(in3, "-f", "tsv", "--cigar"), 0,
                   "ACGTACGT\tACGTTACCT\t2\t4=1D2=1X1=\n"
                   "CG\tAACGTT\t4\t2D2=2D\n"
                   "\tACG\t3\t3D\n",
                   "");
    gxt_expect_run(RUN(in3, "-f", "tsv", "--cigar", "--mode", "infix"), 0,
                   "ACGTACGT\tACGTTACCT\t2\t4=1D2=1X1=\t0\t9\n"
                   "CG\tAACGTT\t0\t2=\t2\t4\n"
                   "\tACG\t0\t\t0\t0\n",
                   "");
    gxt_expect_run(
        RUN(in3, "-f", "jsonl", "--cigar"), 0,
        "{\"a\":\"ACGTACGT\",\"b\":\"ACGTTACCT\",\"distance\":2,\"cigar\":\"4=1D2=1X1=\"}\n"
        "{\"a\":\"CG\",\"b\":\"AACGTT\",\"distance\":4,\"cigar\":\"2D2=2D\"}\n"
        "{\"a\":\"\",\"b\":\"ACG\",\"distance\":3,\"cigar\":\"3D\"}\n",
        "");
    gxt_expect_run(RUN("ACGT,TTACGATTACGT\n", "-f", "jsonl", "--cigar", "-m", "prefix"), 0,
                   "{\"a\":\"ACGT\",\"b\":\"TTACGATTACGT\",\"distance\":3,\"cigar\":\"3I1=\","
                   "\"start\":0,\"end\":1}\n",
                   "");
}

Test(align_cli, mode_distances, .timeout = 60) {
    gxt_expect_run(RUN(in3, "--mode", "infix"), 0,
                   "Edit_Distance(ACGTACGT, ACGTTACCT) = 2\n"
                   "Edit_Distance(CG, AACGTT) = 0\n"
                   "Edit_Distance(, ACG) = 0\n",
                   "");
    gxt_expect_run(RUN("ACG,ACGTTT\nACGT,TTACGATTACGT\n", "-m", "prefix", "-f", "tsv"), 0,
                   "ACG\tACGTTT\t0\nACGT\tTTACGATTACGT\t3\n", "");
    gxt_expect_run(RUN("ACG,ACGTTT\nACGT,TTACGATTACGT\n", "-m", "global", "-f", "tsv", "-k", "3"),
                   0, "ACG\tACGTTT\t3\n", "");
}

Test(align_cli, paf, .timeout = 60) {
    gxt_expect_run(RUN(in3, "-f", "paf"), 0,
                   "ACGTACGT\t8\t0\t8\t+\tACGTTACCT\t9\t0\t9\t7\t9\t255\tNM:i:2\tcg:Z:4=1D2=1X1=\n"
                   "CG\t2\t0\t2\t+\tAACGTT\t6\t0\t6\t2\t6\t255\tNM:i:4\tcg:Z:2D2=2D\n"
                   "\t0\t0\t0\t+\tACG\t3\t0\t3\t0\t3\t255\tNM:i:3\tcg:Z:3D\n",
                   "");
    gxt_expect_run(RUN(">q\nCG\n>t\nAACGTT\n", "-f", "paf", "-m", "infix"), 0,
                   "q\t2\t0\t2\t+\tt\t6\t2\t4\t2\t2\t255\tNM:i:0\tcg:Z:2=\n", "");
}

Test(align_cli, pretty, .timeout = 60) {
    gxt_expect_run(RUN(in3, "-f", "pretty"), 0,
                   "ACGTACGT vs ACGTTACCT: distance 2\n"
                   "A 1 ACGT-ACGT 8\n"
                   "    |||| ||.|\n"
                   "B 1 ACGTTACCT 9\n"
                   "\n"
                   "CG vs AACGTT: distance 4\n"
                   "A 1 --CG-- 2\n"
                   "      ||  \n"
                   "B 1 AACGTT 6\n"
                   "\n"
                   " vs ACG: distance 3\n"
                   "A 1 --- 0\n"
                   "       \n"
                   "B 1 ACG 3\n"
                   "\n",
                   "");
    gxt_expect_run(RUN(">q\nCG\n>t\nAACGTT\n", "-f", "pretty", "-m", "infix"), 0,
                   "q vs t: distance 0\nA 1 CG 2\n    ||\nB 3 CG 4\n\n", "");
}

/* 160 bases with one substitution at 100 and one extra base of B after
 * 150: blocks of 70 columns (80 - 4 - 2 * 3 digits), coordinates of the
 * first and last base of each side per block. */
Test(align_cli, pretty_wraps_at_80, .timeout = 60) {
    char a[161], b[162], *in = NULL, *want = NULL;
    size_t inlen = 0, wantlen = 0;
    for (int i = 0; i < 160; i++)
        a[i] = "ACGT"[(i * 7 + i / 5) % 4];
    a[160] = '\0';
    memcpy(b, a, 150);
    b[150] = a[150] == 'A' ? 'C' : 'A';
    b[150] = b[150] == a[149] ? 'G' : b[150];
    memcpy(b + 151, a + 150, 10);
    b[161] = '\0';
    b[99] = a[99] == 'T' ? 'G' : 'T';
    gxt_cat(&in, &inlen, ">a\n%s\n>b\n%s\n", a, b);
    wq_alignment al = WQ_ALIGNMENT_INIT;
    cr_assert_eq(wq_align(a, 160, b, 161, WQ_ALIGN_GLOBAL, &al), 0);
    cr_assert_eq(al.distance, 2);
    gxt_cat(&want, &wantlen, "a vs b: distance 2\n");
    /* The columns: a and b with a gap in a where b has its extra base. */
    char ra[162], rb[162], rm[162];
    size_t i = 0, j = 0, c = 0;
    for (const char *p = al.cigar; *p;) {
        size_t k = strtoul(p, (char **)&p, 10);
        char op = *p++;
        for (; k > 0; k--, c++) {
            ra[c] = op == 'D' ? '-' : a[i++];
            rb[c] = op == 'I' ? '-' : b[j++];
            rm[c] = op == '=' ? '|' : op == 'X' ? '.' : ' ';
        }
    }
    cr_assert_eq(c, 161);
    size_t ia = 0, ib = 0;
    for (size_t s = 0; s < c; s += 70) {
        size_t e = s + 70 < c ? s + 70 : c, na = 0, nb = 0;
        for (size_t t = s; t < e; t++)
            na += ra[t] != '-', nb += rb[t] != '-';
        gxt_cat(&want, &wantlen, "A %3zu %.*s %zu\n      %.*s\nB %3zu %.*s %zu\n\n", ia + 1,
                (int)(e - s), ra + s, ia + na, (int)(e - s), rm + s, ib + 1, (int)(e - s), rb + s,
                ib + nb);
        ia += na, ib += nb;
    }
    gxt_result r = RUN(in, "-f", "pretty");
    const char *line = r.out;
    for (const char *q = r.out; *q; q++)
        if (*q == '\n') {
            cr_assert_leq(q - line, 80, "a line over 80 columns");
            line = q + 1;
        }
    gxt_expect_run(r, 0, want, "");
    wq_alignment_free(&al);
    free(in);
    free(want);
}

/* 400 random pairs, mutated or not, in each mode: one worker's output is
 * the library's, byte for byte; two workers print the same; --async the
 * same lines; all-vs-all over a few records as well. */
Test(align_cli, every_mode_of_the_tool, .timeout = 120) {
    static const char *const modes[] = {"global", "prefix", "infix"};
    char *in = NULL, *fa = NULL;
    size_t inlen = 0, falen = 0;
    uint64_t st = 77;
    enum { N = 400, NA = 12 };
    static char s[N][2][80];
    for (int p = 0; p < N; p++) {
        size_t n = kbelow(&st, 60), m = n + 10 < 79 ? n + 10 : 79;
        unsigned char *a = (unsigned char *)s[p][0], *b = (unsigned char *)s[p][1];
        kseq_fill(&st, a, n, 4);
        s[p][0][n] = '\0';
        kseq_substitute_pct(&st, a, n, b, m, 40, 4); /* b: a with 40 % replaced, 10 more */
        s[p][1][m] = '\0';
        gxt_cat(&in, &inlen, "%s,%s\n", s[p][0], s[p][1]);
        if (p < NA)
            gxt_cat(&fa, &falen, ">r%d\n%s\n", p, s[p][0]);
    }
    wq_alignment al = WQ_ALIGNMENT_INIT;
    for (int t = 0; t < 3; t++) {
        char *want = NULL, *wantall = NULL;
        size_t wantlen = 0, walen = 0;
        for (int p = 0; p < N; p++) {
            cr_assert_eq(
                wq_align(s[p][0], strlen(s[p][0]), s[p][1], strlen(s[p][1]), (wq_align_mode)t, &al),
                0);
            cr_assert_eq(al.distance, wq_align_distance_ref(s[p][0], strlen(s[p][0]), s[p][1],
                                                            strlen(s[p][1]), (wq_align_mode)t));
            gxt_cat(&want, &wantlen, "%s\t%zu\t0\t%zu\t+\t%s\t%zu\t%zu\t%zu\t", s[p][0],
                    strlen(s[p][0]), strlen(s[p][0]), s[p][1], strlen(s[p][1]), al.start, al.end);
            size_t eq = 0, cols = 0;
            for (const char *q = al.cigar; *q;) {
                size_t k = strtoul(q, (char **)&q, 10);
                eq += *q == '=' ? k : 0, cols += k, q++;
            }
            gxt_cat(&want, &wantlen, "%zu\t%zu\t255\tNM:i:%zu\tcg:Z:%s\n", eq, cols, al.distance,
                    al.cigar);
        }
        for (int i = 0; i < NA; i++)
            for (int j = i + 1; j < NA; j++) {
                cr_assert_eq(wq_align(s[i][0], strlen(s[i][0]), s[j][0], strlen(s[j][0]),
                                      (wq_align_mode)t, &al),
                             0);
                gxt_cat(&wantall, &walen,
                        "{\"a\":\"r%d\",\"b\":\"r%d\",\"distance\":%zu,"
                        "\"cigar\":\"%s\"",
                        i, j, al.distance, al.cigar);
                if (t != 0)
                    gxt_cat(&wantall, &walen, ",\"start\":%zu,\"end\":%zu", al.start, al.end);
                gxt_cat(&wantall, &walen, "}\n");
            }
        gxt_expect_run(RUN(in, "-f", "paf", "-m", modes[t], "-w", "1"), 0, want, "");
        gxt_expect_run(RUN(in, "-f", "paf", "-m", modes[t], "-w", "2"), 0, want, "");
        expect_same_lines(RUN(in, "-f", "paf", "-m", modes[t], "-w", "2", "--async"), want);
        gxt_expect_run(RUN(fa, "-A", "-f", "jsonl", "--cigar", "-m", modes[t], "-w", "2"), 0,
                       wantall, "");
        free(want);
        free(wantall);
    }
    wq_alignment_free(&al);
    free(in);
    free(fa);
}

Test(align_cli, usage_errors, .timeout = 60) {
    gxt_expect_run(RUN(in3, "--mode", "local"), 2, "",
                   "genomics: invalid mode 'local' (global, prefix or infix)\n"
                   "Try 'genomics --help'.\n");
    gxt_expect_run(RUN(in3, "--cigar"), 2, "",
                   "genomics: --cigar needs --format tsv or jsonl (paf and pretty show it)\n"
                   "Try 'genomics --help'.\n");
    gxt_expect_run(RUN(in3, "-f", "sam"), 2, "",
                   "genomics: invalid format 'sam' (lesson, tsv, jsonl, paf or pretty)\n"
                   "Try 'genomics --help'.\n");
}
