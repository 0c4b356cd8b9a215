/*
 * test_cli.c: the genomics executable end to end: the lesson's outputs,
 * every mode and format, ordered and async output equal as multisets,
 * errors mid-stream (everything before the bad line printed, then the
 * message, exit 1), usage errors (exit 2), write errors, SIGINT and SIGTERM
 * (exit 130/143 with every finished result flushed), and the progress line
 * on a terminal.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r */

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>

#include "test_seq.h"
#include "util.h"

#ifndef GENOMICS_EXE
#error "GENOMICS_EXE must name the executable under test"
#endif

static const char lesson_out[] = "Edit_Distance(attctg, accagt) = 4\n"
                                 "Edit_Distance(ccat, agcattacg) = 6\n"
                                 "Edit_Distance(tacagg, cctgac) = 5\n"
                                 "Edit_Distance(gttcatgga, tccg) = 6\n"
                                 "Edit_Distance(catgcg, gagtac) = 4\n"
                                 "Edit_Distance(tcac, tgcatgcgg) = 5\n";

static const char lesson_in[] = "attctg,accagt\nccat,agcattacg\ntacagg,cctgac\n"
                                "gttcatgga,tccg\ncatgcg,gagtac\ntcac,tgcatgcgg\n";

/* Runs genomics with stdin `in` (NULL: /dev/null) and the arguments that
 * follow, up to a NULL. */
#define RUN(...) gxt_run_args(GENOMICS_EXE, __VA_ARGS__, (const char *)NULL)

/* ----------------------------------------------------- the lesson -- */

Test(lesson, demo, .timeout = 60) {
    gxt_expect_run(RUN(NULL, "--demo"), 0, lesson_out, "");
}

Test(lesson, demo_one_worker, .timeout = 60) {
    gxt_expect_run(RUN(NULL, "--demo", "-w", "1"), 0, lesson_out, "");
}

Test(lesson, pairs_on_stdin, .timeout = 60) {
    gxt_expect_run(RUN(lesson_in, "-q"), 0, lesson_out, "");
}

Test(lesson, pairs_from_file_and_dash, .timeout = 60) {
    char *path = gxt_file(lesson_in, strlen(lesson_in), 0);
    gxt_expect_run(RUN(NULL, path), 0, lesson_out, "");
    gxt_expect_run(RUN(lesson_in, "-"), 0, lesson_out, "");
    gxt_unlink(path);
}

Test(lesson, pairs_gzip_detected_by_content, .timeout = 60) {
    char *path = gxt_file(lesson_in, strlen(lesson_in), 2);
    gxt_expect_run(RUN(NULL, path), 0, lesson_out, "");
    gxt_unlink(path);
}

/* Sorted lines, to compare outputs as multisets. */
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *sorted_lines(const char *text) {
    char *copy = strdup(text);
    cr_assert_not_null(copy);
    size_t n = 0, cap = 16;
    char **lines = malloc(cap * sizeof *lines);
    cr_assert_not_null(lines);
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (n == cap) {
            lines = realloc(lines, (cap *= 2) * sizeof *lines);
            cr_assert_not_null(lines);
        }
        lines[n++] = l;
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    char *out = NULL;
    size_t len = 0;
    gxt_cat(&out, &len, "%s", "");
    for (size_t i = 0; i < n; i++)
        gxt_cat(&out, &len, "%s\n", lines[i]);
    free(lines);
    free(copy);
    return out;
}

static void expect_same_multiset(const char *got, const char *want) {
    char *a = sorted_lines(got), *b = sorted_lines(want);
    cr_expect_str_eq(a, b);
    free(a);
    free(b);
}

/* As gxt_expect_run, but stdout may come in any order (--async). Frees r. */
static void expect_run_any_order(gxt_result r, int status, const char *out, const char *err) {
    cr_expect_eq(r.status, status, "status %d, stderr: %s", r.status, r.err);
    cr_expect_str_eq(r.err, err);
    expect_same_multiset(r.out, out);
    gxt_result_free(&r);
}

Test(lesson, demo_async_bonus, .timeout = 60) {
    expect_run_any_order(RUN(NULL, "--demo", "--async"), 0, lesson_out, "");
}

Test(lesson, demo_formats, .timeout = 60) {
    gxt_expect_run(RUN(NULL, "--demo", "--format", "tsv"), 0,
                   "attctg\taccagt\t4\nccat\tagcattacg\t6\ntacagg\tcctgac\t5\n"
                   "gttcatgga\ttccg\t6\ncatgcg\tgagtac\t4\ntcac\ttgcatgcgg\t5\n",
                   "");
    gxt_expect_run(RUN(NULL, "--demo", "-f", "jsonl", "-k", "4"), 0,
                   "{\"a\":\"attctg\",\"b\":\"accagt\",\"distance\":4}\n"
                   "{\"a\":\"catgcg\",\"b\":\"gagtac\",\"distance\":4}\n",
                   "");
}

/* --------------------------------------------------- modes, formats -- */

Test(modes, fasta_ids_in_pairs, .timeout = 60) {
    static const char in[] = ">r1 first\nattc\ntg\n>r2\naccagt\n\n>r3\nccat\n>r4\nagcattacg\n";
    gxt_expect_run(RUN(in), 0, "Edit_Distance(r1, r2) = 4\nEdit_Distance(r3, r4) = 6\n", "");
}

Test(modes, fastq_gzip_tsv, .timeout = 60) {
    static const char in[] = "@q1\nattctg\n+\nIIIIII\n@q2\naccagt\n+\nIIIIII\n";
    char *path = gxt_file(in, strlen(in), 1);
    gxt_expect_run(RUN(NULL, "--format=tsv", path), 0, "q1\tq2\t4\n", "");
    gxt_unlink(path);
}

Test(modes, all_vs_all_lines, .timeout = 60) {
    gxt_expect_run(RUN("a\nab\n\nabc\nb\n", "--all-vs-all", "-f", "tsv"), 0,
                   "a\tab\t1\na\tabc\t2\na\tb\t1\nab\tabc\t1\nab\tb\t1\nabc\tb\t2\n", "");
}

Test(modes, all_vs_all_fasta_odd_count_ok, .timeout = 60) {
    gxt_expect_run(RUN(">x\nAC\n>y\nAG\n>z\nTT\n", "-A", "-k", "1"), 0, "Edit_Distance(x, y) = 1\n",
                   "");
}

Test(modes, all_vs_all_fewer_than_two, .timeout = 60) {
    gxt_expect_run(RUN("acgt\n", "--all-vs-all"), 0, "", "");
    gxt_expect_run(RUN("", "--all-vs-all"), 0, "", "");
}

Test(modes, empty_input, .timeout = 60) {
    gxt_expect_run(RUN("\n\n"), 0, "", "");
}

Test(modes, max_distance, .timeout = 60) {
    gxt_expect_run(RUN(lesson_in, "--max-distance", "4"), 0,
                   "Edit_Distance(attctg, accagt) = 4\nEdit_Distance(catgcg, gagtac) = 4\n", "");
    gxt_expect_run(RUN("ab,ab\nab,ac\n", "--max-distance=0"), 0, "Edit_Distance(ab, ab) = 0\n", "");
}

/* Counts take pi's forms too: 1e3, 2.0e0, 1_0 (apps/common/cli.h). */
Test(modes, count_forms, .timeout = 60) {
    gxt_expect_run(RUN(lesson_in, "-k", "4e0", "-w", "2.0e0"), 0,
                   "Edit_Distance(attctg, accagt) = 4\nEdit_Distance(catgcg, gagtac) = 4\n", "");
    gxt_expect_run(RUN("ab,ab\n", "-w", "1e3", "-k", "1_0"), 0, "Edit_Distance(ab, ab) = 0\n", "");
}

Test(modes, ignore_case, .timeout = 60) {
    gxt_expect_run(RUN("ACGT,acgt\n"), 0, "Edit_Distance(ACGT, acgt) = 4\n", "");
    gxt_expect_run(RUN("ACGT,acgt\n", "-i"), 0, "Edit_Distance(ACGT, acgt) = 0\n", "");
    gxt_expect_run(RUN(">A\nACGT\n>B\nacgg\n", "--ignore-case", "-f", "tsv"), 0, "A\tB\t1\n", "");
}

Test(modes, jsonl_escapes_names, .timeout = 60) {
    gxt_expect_run(RUN("a\"b,c\\d\n", "-f", "jsonl"), 0,
                   "{\"a\":\"a\\\"b\",\"b\":\"c\\\\d\",\"distance\":3}\n", "");
}

/* n pseudo-random pairs over "acgt" (lengths 0..40), as input text and as
 * the expected tsv output (reference DP). */
static void make_pairs(int n, char **in, char **want) {
    size_t inlen = 0, wantlen = 0;
    uint64_t st = 2024;
    *in = NULL;
    *want = NULL;
    for (int i = 0; i < n; i++) {
        char s[2][48];
        size_t len[2];
        for (int k = 0; k < 2; k++) {
            len[k] = kbelow(&st, 41);
            kseq_fill(&st, (unsigned char *)s[k], len[k], 4);
            s[k][len[k]] = '\0';
        }
        gxt_cat(in, &inlen, "%s,%s\n", s[0], s[1]);
        gxt_cat(want, &wantlen, "%s\t%s\t%zu\n", s[0], s[1],
                wq_levenshtein_ref(s[0], len[0], s[1], len[1]));
    }
}

Test(modes, ordered_and_async_many_pairs, .timeout = 60) {
    char *in, *want;
    make_pairs(5000, &in, &want);
    gxt_expect_run(RUN(in, "-f", "tsv", "-w", "2"), 0, want, "");
    expect_run_any_order(RUN(in, "-f", "tsv", "-w", "2", "--async"), 0, want, "");
    free(in);
    free(want);
}

/* A regular file's pairs go to the engine many at a time (batch.c): short
 * lines cut in bulk, and among them blank and CRLF lines, mixed case
 * (with -i the names keep it), pairs too long for a batch's bytes (64
 * KiB) or for the rest of one, and a last line without its '\n'. Every
 * distance against the reference DP, with 1 and 2 workers, --async (any
 * order) and --skip. */
static void make_mixed(char **in, char **want, char **want_i) {
    size_t inlen = 0, wantlen = 0, ilen = 0;
    uint64_t st = 77;
    *in = *want = *want_i = NULL;
    gxt_cat(in, &inlen, "%s", "");
    for (int i = 0; i < 700; i++) {
        char *s[2];
        size_t len[2];
        for (int k = 0; k < 2; k++) {
            len[k] = i % 150 == 9 && k == 0 ? 20000 + kbelow(&st, 50000) : kbelow(&st, 60);
            s[k] = malloc(len[k] + 1);
            cr_assert_not_null(s[k]);
            kseq_fill(&st, (unsigned char *)s[k], len[k], 4 | (i % 3 == 0 ? KSEQ_UPPER : 0));
            s[k][len[k]] = '\0';
        }
        if (len[0] > 0 && i % 5 == 1)
            s[0][0] = (char)(s[0][0] - 'a' + 'A'); /* one upper-case letter */
        const char *end = i % 29 == 4 ? "\r\n" : i == 699 ? "" : "\n";
        gxt_cat(in, &inlen, "%s,%s%s%s", s[0], s[1], end, i % 31 == 8 ? "\n\n" : "");
        gxt_cat(want, &wantlen, "%s\t%s\t%zu\n", s[0], s[1],
                wq_levenshtein_ref(s[0], len[0], s[1], len[1]));
        for (int k = 0; k < 2; k++)
            for (size_t j = 0; j < len[k]; j++)
                if (s[k][j] >= 'A' && s[k][j] <= 'Z')
                    s[k][j] = (char)(s[k][j] - 'A' + 'a');
        size_t d = wq_levenshtein_ref(s[0], len[0], s[1], len[1]);
        free(s[0]);
        free(s[1]);
        /* the names as read: the folded copies are only compared */
        const char *line = *in + inlen - strlen(end) - (i % 31 == 8 ? 2 : 0) - len[0] - len[1] - 1;
        gxt_cat(want_i, &ilen, "%.*s\t%.*s\t%zu\n", (int)len[0], line, (int)len[1],
                line + len[0] + 1, d);
    }
}

Test(modes, batches_of_mixed_lines, .timeout = 120) {
    char *in, *want, *want_i;
    make_mixed(&in, &want, &want_i);
    char *path = gxt_file(in, strlen(in), 0);
    gxt_expect_run(RUN(NULL, "-f", "tsv", "-w", "1", path), 0, want, "");
    gxt_expect_run(RUN(NULL, "-f", "tsv", "-w", "2", path), 0, want, "");
    gxt_expect_run(RUN(NULL, "-f", "tsv", "-i", path), 0, want_i, "");
    expect_run_any_order(RUN(NULL, "-f", "tsv", "-w", "2", "--async", path), 0, want, "");
    const char *rest = want;
    for (int k = 0; k < 137; k++)
        rest = strchr(rest, '\n') + 1;
    gxt_expect_run(RUN(NULL, "-f", "tsv", "--skip", "137", path), 0, rest, "");
    gxt_unlink(path);
    free(in);
    free(want);
    free(want_i);
}

/* All-vs-all of 120 sequences (7140 pairs): ordered output is (i, j)
 * ascending; --async gives the same lines. */
Test(modes, all_vs_all_ordered_and_async, .timeout = 60) {
    enum { N = 120 };
    char seqs[N][24];
    char *in = NULL, *want = NULL;
    size_t inlen = 0, wantlen = 0;
    uint64_t st = 99;
    for (int i = 0; i < N; i++) {
        size_t len = 1 + kbelow(&st, 20);
        kseq_fill(&st, (unsigned char *)seqs[i], len, 4 | KSEQ_UPPER);
        seqs[i][len] = '\0';
        gxt_cat(&in, &inlen, ">s%d\n%s\n", i, seqs[i]);
    }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++)
            gxt_cat(&want, &wantlen, "s%d\ts%d\t%zu\n", i, j,
                    wq_levenshtein_ref(seqs[i], strlen(seqs[i]), seqs[j], strlen(seqs[j])));
    gxt_expect_run(RUN(in, "--all-vs-all", "-f", "tsv", "-w", "2"), 0, want, "");
    expect_run_any_order(RUN(in, "--all-vs-all", "-f", "tsv", "-w", "2", "--async"), 0, want, "");
    free(in);
    free(want);
}

/* ------------------------------------------------------ data errors -- */

Test(errors, mid_stream_keeps_earlier_results, .timeout = 60) {
    gxt_expect_run(RUN("a,b\nc,d\n\nbad\ne,f\n"), 1,
                   "Edit_Distance(a, b) = 1\nEdit_Distance(c, d) = 1\n",
                   "genomics: <stdin>:4: no ',' between the two sequences\n");
    gxt_expect_run(RUN("a,b\nc,d,e\n"), 1, "Edit_Distance(a, b) = 1\n",
                   "genomics: <stdin>:2: more than one ','\n");
}

Test(errors, file_name_in_message, .timeout = 60) {
    char *path = gxt_file(">r1\nAC\n>r2\nAG\n>r3\nA\x01\n", 21, 0);
    char want[256];
    snprintf(want, sizeof want, "genomics: %s:6: control character 0x01 in sequence\n", path);
    gxt_expect_run(RUN(NULL, path), 1, "Edit_Distance(r1, r2) = 1\n", want);
    snprintf(want, sizeof want, "genomics: %s:5: odd number of records: 'r3' has no partner\n",
             path);
    char *odd = gxt_file(">r1\nAC\n>r2\nAG\n>r3\nA\n", 20, 0);
    snprintf(want, sizeof want, "genomics: %s:5: odd number of records: 'r3' has no partner\n",
             odd);
    gxt_expect_run(RUN(NULL, odd), 1, "Edit_Distance(r1, r2) = 1\n", want);
    gxt_unlink(odd);
    gxt_unlink(path);
}

/* An error far into a long input: every pair before it, in order (or as a
 * multiset with --async), then the message. */
Test(errors, late_error_ordered_and_async, .timeout = 60) {
    char *in, *want;
    make_pairs(3000, &in, &want);
    size_t len = strlen(in);
    char *bad = malloc(len + 16);
    cr_assert_not_null(bad);
    memcpy(bad, in, len);
    strcpy(bad + len, "x,y,z\na,b\n");
    gxt_expect_run(RUN(bad, "-f", "tsv"), 1, want, "genomics: <stdin>:3001: more than one ','\n");
    expect_run_any_order(RUN(bad, "-f", "tsv", "--async"), 1, want,
                         "genomics: <stdin>:3001: more than one ','\n");
    free(bad);
    free(in);
    free(want);
}

Test(errors, all_vs_all_bad_line_prints_nothing, .timeout = 60) {
    gxt_expect_run(RUN("ac\nag\na,g\n", "--all-vs-all"), 1, "",
                   "genomics: <stdin>:3: ',' in sequence\n");
}

Test(errors, missing_file_and_directory, .timeout = 60) {
    gxt_expect_run(RUN(NULL, "/nonexistent/pairs.txt"), 1, "",
                   "genomics: /nonexistent/pairs.txt: No such file or directory\n");
    gxt_expect_run(RUN(NULL, "/tmp"), 1, "", "genomics: /tmp: Is a directory\n");
}

Test(errors, write_error_is_reported, .timeout = 60) {
    gxt_result r = gxt_run(GENOMICS_EXE, (const char *const[]){"genomics", "--demo", NULL}, NULL, 0,
                           "/dev/full");
    gxt_expect_run(r, 1, NULL, "genomics: write error: No space left on device\n");
}

/* Runs genomics --demo or on stdin with descriptor fd closed. */
static gxt_result run_closed(int fd, const char *arg) {
    const char *argv[] = {"genomics", arg, NULL};
    wqt_opts o = {.in_mode = fd == 0 ? WQT_IN_CLOSED : WQT_IN_NULL,
                  .out_mode = fd == 1 ? WQT_OUT_CLOSED : WQT_OUT_FILE};
    return wqt_run(GENOMICS_EXE, argv, &o);
}

Test(errors, closed_stdin_and_stdout, .timeout = 60) {
    gxt_expect_run(run_closed(0, "-"), 1, NULL, "genomics: <stdin>: Bad file descriptor\n");
    gxt_expect_run(run_closed(1, "--demo"), 1, NULL,
                   "genomics: write error: Bad file descriptor\n");
}

/* ---------------------------------------------------------- options -- */

#define TRY "Try 'genomics --help'.\n"

Test(options, bad_values_exit_2, .timeout = 60) {
    /* The wording is pi's too (apps/common/cli.h; test_pi_cli.c). */
    gxt_expect_run(RUN(NULL, "-w", "0"), 2, "",
                   "genomics: invalid worker count '0': must be at least 1\n" TRY);
    gxt_expect_run(RUN(NULL, "--workers=-1"), 2, "",
                   "genomics: invalid worker count '-1': not a positive integer\n" TRY);
    gxt_expect_run(RUN(NULL, "-t", "2x"), 2, "",
                   "genomics: invalid worker count '2x': not a decimal integer\n" TRY);
    gxt_expect_run(RUN(NULL, "-w", ""), 2, "", "genomics: invalid worker count '': empty\n" TRY);
    gxt_expect_run(RUN(NULL, "-w", "2e3"), 2, "",
                   "genomics: invalid worker count '2e3': must be at most 1024\n" TRY);
    gxt_expect_run(RUN(NULL, "--max-distance", "-1"), 2, "",
                   "genomics: invalid max distance '-1': must be at least 0\n" TRY);
    gxt_expect_run(RUN(NULL, "-k", "99999999999999999999999"), 2, "",
                   "genomics: invalid max distance '99999999999999999999999': must be at most "
                   "18446744073709551613\n" TRY);
    gxt_expect_run(RUN(NULL, "-k", "1.5"), 2, "",
                   "genomics: invalid max distance '1.5': not an integer\n" TRY);
    gxt_expect_run(RUN(NULL, "--format", "xml"), 2, "",
                   "genomics: invalid format 'xml' (lesson, tsv, jsonl, paf or pretty)\n" TRY);
}

Test(options, unknown_and_misused_exit_2, .timeout = 60) {
    gxt_expect_run(RUN(NULL, "--bogus"), 2, "", "genomics: unrecognized option '--bogus'\n" TRY);
    gxt_expect_run(RUN(NULL, "-w"), 2, "", "genomics: option requires an argument -- 'w'\n" TRY);
    gxt_expect_run(RUN(NULL, "--workers"), 2, "",
                   "genomics: option '--workers' requires an argument\n" TRY);
    gxt_expect_run(RUN(NULL, "--quiet=1"), 2, "",
                   "genomics: option '--quiet' doesn't allow an argument\n" TRY);
    gxt_expect_run(RUN(NULL, "-z"), 2, "", "genomics: invalid option -- 'z'\n" TRY);
    gxt_expect_run(RUN(NULL, "a.txt", "b.txt"), 2, "",
                   "genomics: too many input files (b.txt...)\n" TRY);
    gxt_expect_run(RUN(NULL, "--demo", "a.txt"), 2, "",
                   "genomics: --demo takes no input file (got 'a.txt')\n" TRY);
    gxt_expect_run(RUN(NULL, "--demo", "--all-vs-all"), 2, "",
                   "genomics: --demo and --all-vs-all cannot be combined\n" TRY);
}

Test(options, help_and_version, .timeout = 60) {
    gxt_result r = RUN(NULL, "--help");
    cr_expect_eq(r.status, 0);
    cr_expect_eq(strncmp(r.out, "Usage: genomics [OPTION]... [FILE]\n", 35), 0);
    cr_expect_str_eq(r.err, "");
    gxt_result_free(&r);
    r = RUN(NULL, "-V");
    cr_expect_eq(r.status, 0);
    cr_expect_eq(strncmp(r.out, "genomics (workq) ", 17), 0);
    gxt_result_free(&r);
}

/* ----------------------------------------------------------- SIGINT -- */

/* Runs genomics with argv, stdin a pipe fed in[0..inlen) and kept open,
 * and stdout a pipe: once output appears (the handler is installed by
 * then), sends sig. The input is never closed, so the child must stop by
 * itself, not at the end of its input. Returns the exit status (128 + N
 * when killed); *out and *err get what the child wrote. */
static int run_interrupted(const char *const *argv, const char *in, size_t inlen, int sig,
                           char **out, char **err) {
    wqt_opts o = {.in = in,
                  .in_len = inlen,
                  .in_mode = WQT_IN_PIPE_OPEN,
                  .out_mode = WQT_OUT_PIPE,
                  .sig = sig,
                  .when = WQT_AFTER_OUT,
                  .after_out = 1};
    wqt_result r = wqt_run(GENOMICS_EXE, argv, &o);
    *out = r.out;
    *err = r.err;
    return r.status;
}

/* n pairs "i,0" (distance: the digits of i other than one '0'), as text. */
static char *counting_pairs(size_t n, size_t *len) {
    char *s = NULL;
    *len = 0;
    for (size_t i = 0; i < n; i++)
        gxt_cat(&s, len, "%zu,0\n", i);
    return s;
}

/* Ordered mode: the output is exactly the results of the first N pairs,
 * no holes, and the message gives N. */
static void check_signal(int sig) {
    size_t inlen;
    char *in = counting_pairs(300000, &inlen), *got, *err;
    const char *argv[] = {"genomics", "-f", "tsv", "-w", "2", NULL};
    int status = run_interrupted(argv, in, inlen, sig, &got, &err);
    cr_expect_eq(status, 128 + sig, "stderr: %s", err);
    size_t lines = 0;
    for (char *save = NULL, *l = strtok_r(got, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        char want[48];
        int len = snprintf(want, sizeof want, "%zu", lines);
        size_t d = (size_t)len - (strchr(want, '0') != NULL);
        snprintf(want + len, sizeof want - (size_t)len, "\t0\t%zu", d);
        cr_assert_str_eq(l, want, "line %zu: \"%s\"", lines + 1, l);
        lines++;
    }
    char wanterr[128];
    snprintf(wanterr, sizeof wanterr,
             "genomics: interrupted after %zu pairs (resume with --skip %zu)\n", lines, lines);
    cr_expect_str_eq(err, wanterr);
    free(got);
    free(err);
    free(in);
}

Test(signals, sigint_prints_a_prefix_and_exits_130, .timeout = 60) {
    check_signal(SIGINT);
}

Test(signals, sigterm_prints_a_prefix_and_exits_143, .timeout = 60) {
    check_signal(SIGTERM);
}

/* The interrupted output followed by `genomics --skip N` on the same input
 * is the uninterrupted output, byte for byte. */
Test(signals, skip_resumes_an_interrupted_run, .timeout = 60) {
    size_t inlen = 0;
    char *in = NULL;
    for (size_t i = 0; i < 60000; i++) /* distances vary, names are sequences */
        gxt_cat(&in, &inlen, "acgt%zux,%zuacgt\n", i * 7919 % 100003, i);
    char *path = gxt_file(in, inlen, 0);
    gxt_result full = RUN(NULL, path);
    cr_assert_eq(full.status, 0, "%s", full.err);
    char *head, *err;
    const char *argv[] = {"genomics", "-w", "2", NULL};
    cr_assert_eq(run_interrupted(argv, in, inlen, SIGINT, &head, &err), 130, "%s", err);
    size_t n = 0;
    cr_assert_eq(sscanf(err, "genomics: interrupted after %zu pairs", &n), 1, "%s", err);
    char skip[32];
    snprintf(skip, sizeof skip, "%zu", n);
    gxt_result rest = RUN(NULL, "--skip", skip, path);
    cr_assert_eq(rest.status, 0, "%s", rest.err);
    cr_assert_leq(n, 60000);
    size_t headlen = strlen(head);
    cr_assert_eq(headlen + rest.outlen, full.outlen, "%zu + %zu bytes", headlen, rest.outlen);
    cr_expect_eq(memcmp(head, full.out, headlen), 0);
    cr_expect_eq(memcmp(rest.out, full.out + headlen, rest.outlen), 0);
    free(head);
    free(err);
    free(in);
    gxt_result_free(&full);
    gxt_result_free(&rest);
    gxt_unlink(path);
}

/* --skip N prints the output without its first N results, in every
 * ordered mode: pairs, all-vs-all, the index (-A -k), the demo. */
Test(options, skip_drops_a_prefix, .timeout = 60) {
    gxt_expect_run(RUN(lesson_in, "--skip", "4"), 0,
                   "Edit_Distance(catgcg, gagtac) = 4\nEdit_Distance(tcac, tgcatgcgg) = 5\n", "");
    gxt_expect_run(RUN(NULL, "--demo", "--skip=5"), 0, "Edit_Distance(tcac, tgcatgcgg) = 5\n", "");
    gxt_expect_run(RUN(lesson_in, "--skip", "1e9"), 0, "", "");
    static const char seqs[] = "acgt\nacga\nttgt\naggt\nacct\n";
    gxt_result all = RUN(seqs, "-A", "-f", "tsv"), near = RUN(seqs, "-A", "-k", "2", "-f", "tsv");
    cr_assert_eq(all.status + near.status, 0);
    const char *all3 = all.out, *near2 = near.out;
    for (int k = 0; k < 3; k++)
        all3 = strchr(all3, '\n') + 1;
    for (int k = 0; k < 2; k++)
        near2 = strchr(near2, '\n') + 1;
    gxt_expect_run(RUN(seqs, "-A", "-f", "tsv", "--skip", "3"), 0, all3, "");
    gxt_expect_run(RUN(seqs, "-A", "-k", "2", "-f", "tsv", "--skip", "2"), 0, near2, "");
    gxt_result_free(&all);
    gxt_result_free(&near);
    gxt_expect_run(RUN(NULL, "--skip", "-1"), 2, "",
                   "genomics: invalid --skip '-1': must be at least 0\n" TRY);
}

/* --async: every completed result is printed (any order), the message
 * says how many and that the output is unordered. */
Test(signals, sigint_async_says_unordered, .timeout = 60) {
    size_t inlen;
    char *in = counting_pairs(300000, &inlen), *got, *err;
    const char *argv[] = {"genomics", "--async", "-f", "tsv", "-w", "2", NULL};
    cr_expect_eq(run_interrupted(argv, in, inlen, SIGINT, &got, &err), 130, "%s", err);
    size_t lines = 0;
    for (const char *p = got; *p; p++)
        lines += *p == '\n';
    char wanterr[128];
    snprintf(wanterr, sizeof wanterr, "genomics: interrupted after %zu pairs (output unordered)\n",
             lines);
    cr_expect_str_eq(err, wanterr);
    free(got);
    free(err);
    free(in);
}

/* stderr on a pseudo-terminal, stdout not: the progress line appears (after
 * its first second; we wait for it, feeding pairs all along), then SIGINT
 * erases it before the last message. */
Test(signals, progress_line_on_a_terminal, .timeout = 60) {
    static const char pair[] = "acgtacgt,acgaacgt\n";
    const char *argv[] = {"genomics", "-w", "2", NULL};
    wqt_opts o = {.in = pair,
                  .in_len = sizeof pair - 1,
                  .in_mode = WQT_IN_REPEAT,
                  .out_mode = WQT_OUT_PATH,
                  .out_path = "/dev/null",
                  .err_mode = WQT_ERR_PTY,
                  .sig = SIGINT,
                  .when = WQT_ON_ERR,
                  .err_text = " pairs/s"};
    wqt_result r = wqt_run(GENOMICS_EXE, argv, &o);
    const char *tty = r.err;
    cr_assert_eq(r.signal, 0, "killed by signal %d", r.signal);
    cr_expect_eq(r.status, 130);
    /* "\r<done> pairs  <rate> pairs/s\033[K" ... "\r\033[Kgenomics: ..." */
    cr_expect_eq(strncmp(tty, "\r", 1), 0, "tty: %s", tty);
    cr_expect(strstr(tty, " pairs  ") != NULL, "tty: %s", tty);
    const char *last = strstr(tty, "\r\033[Kgenomics: interrupted after ");
    cr_assert_not_null(last, "tty: %s", tty);
    size_t done = 0;
    cr_expect_eq(sscanf(last, "\r\033[Kgenomics: interrupted after %zu", &done), 1);
    char want[128]; /* the line erased, the message, the terminal's ONLCR */
    snprintf(want, sizeof want,
             "\r\033[Kgenomics: interrupted after %zu pairs (resume with --skip %zu)\r\n", done,
             done);
    cr_expect_str_eq(last, want);
    wqt_result_free(&r);
}

/* ------------------------------------------------- the terminal check -- */

/* Runs genomics on the lesson's pairs (a file on stdin) with the first
 * progress delay at 0 (common/progress.h), so that a line is drawn at the
 * first result exactly when the terminal check lets it: whether it shows
 * depends on that check alone, not on timing. */
static wqt_result run_progress(wqt_out out, wqt_err err, const char *arg) {
    cr_assert_eq(setenv("WORKQ_PROGRESS_DELAY", "0", 1), 0);
    const char *argv[] = {"genomics", "-w", "2", arg, NULL};
    wqt_opts o = {.in = lesson_in,
                  .in_len = strlen(lesson_in),
                  .in_mode = WQT_IN_FILE,
                  .out_mode = out,
                  .err_mode = err};
    return wqt_run(GENOMICS_EXE, argv, &o);
}

/* The lesson's output as a terminal shows it (ONLCR: "\n" -> "\r\n"). */
static char *lesson_on_a_terminal(void) {
    char *s = NULL;
    size_t len = 0;
    gxt_cat(&s, &len, "%s", "");
    for (const char *p = lesson_out; *p; p++)
        gxt_cat(&s, &len, "%s", *p == '\n' ? "\r\n" : (char[]){*p, '\0'});
    return s;
}

Test(progress, stderr_a_terminal_and_stdout_not_shows_it, .timeout = 60) {
    wqt_result r = run_progress(WQT_OUT_FILE, WQT_ERR_PTY, NULL);
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, lesson_out);
    /* drawn ("\r" ... " pairs/s" ... "\033[K"), then erased at the end */
    cr_expect_eq(strncmp(r.err, "\r", 1), 0, "tty: %s", r.err);
    cr_expect(strstr(r.err, " pairs/s") != NULL, "tty: %s", r.err);
    cr_expect(r.errlen >= 4 && strcmp(r.err + r.errlen - 4, "\r\033[K") == 0, "tty: %s", r.err);
    wqt_result_free(&r);
}

Test(progress, stdout_on_the_terminal_too_hides_it, .timeout = 60) {
    wqt_result r = run_progress(WQT_OUT_PTY, WQT_ERR_PTY, NULL);
    char *want = lesson_on_a_terminal();
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.err, want); /* the results, nothing else */
    free(want);
    wqt_result_free(&r);
}

Test(progress, quiet_or_stderr_not_a_terminal_hides_it, .timeout = 60) {
    wqt_result r = run_progress(WQT_OUT_FILE, WQT_ERR_PTY, "-q");
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.out, lesson_out);
    cr_expect_str_eq(r.err, "");
    wqt_result_free(&r);
    r = run_progress(WQT_OUT_FILE, WQT_ERR_FILE, NULL);
    cr_expect_eq(r.status, 0);
    cr_expect_str_eq(r.out, lesson_out);
    cr_expect_str_eq(r.err, "");
    wqt_result_free(&r);
}

/* --progress draws it wherever stderr goes (a launcher's pipe, a log). */
Test(progress, progress_option_forces_it, .timeout = 60) {
    wqt_result r = run_progress(WQT_OUT_FILE, WQT_ERR_FILE, "--progress");
    cr_expect_eq(r.status, 0, "%s", r.err);
    cr_expect_str_eq(r.out, lesson_out);
    cr_expect_eq(strncmp(r.err, "\r", 1), 0, "stderr: %s", r.err);
    cr_expect(strstr(r.err, " pairs/s") != NULL, "stderr: %s", r.err);
    cr_expect(r.errlen >= 4 && strcmp(r.err + r.errlen - 4, "\r\033[K") == 0, "stderr: %s", r.err);
    wqt_result_free(&r);
    r = run_progress(WQT_OUT_FILE, WQT_ERR_FILE, "-q");
    cr_expect_str_eq(r.err, "");
    wqt_result_free(&r);
}
