/*
 * Slow input: when the input stalls (a person typing pairs, a slow pipe),
 * every result computed so far reaches stdout without waiting for the next
 * input line.
 *
 *   - Lock step: a pipe fed one line at a time; the result line of each
 *     pair must be readable from the tool's stdout BEFORE the next line is
 *     written. The read blocks: a tool that holds results back hangs, and
 *     the test's .timeout fails it. No sleeps, no timing thresholds.
 *   - Ctrl-C while stalled: the input pipe stays open; once every result
 *     has been read, SIGINT; the output is exactly those results and the
 *     message says how many.
 *   - Through a pipe the tool prints the same bytes, messages and exit
 *     status as from a file (formats, gzip, errors, --skip, -i).
 *
 * The lock-step runs use the shared spawner's interactive mode
 * (tests/common/test_spawn.h: wqt_start, wqt_write, wqt_read_line).
 */
#define _GNU_SOURCE

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "test_seq.h"
#include "test_spawn.h"
#include "util.h"

#ifndef GENOMICS_EXE
#error "GENOMICS_EXE must name the genomics executable"
#endif

/* A guard against a hang only (the tests' .timeout is the other): how long
 * one write or one line of output may take before the test fails. */
enum { GUARD_MS = 30000 };

/* --------------------------------------------------------- lock step -- */

/* The lines of s (each with its '\n'), as offsets: line i is
 * s[at[i] .. at[i + 1]). Returns the count. */
static size_t split_lines(const char *s, size_t *at, size_t max) {
    size_t n = 0, pos = 0;
    at[0] = 0;
    for (const char *nl; n < max && (nl = strchr(s + pos, '\n')) != NULL;) {
        pos = (size_t)(nl - s) + 1;
        at[++n] = pos;
    }
    return n;
}

/* Writes each line of `in`, then reads its result line (the same run from
 * a file, line by line) before the next is written. skip: input lines that
 * print nothing (--skip) before each one prints one line. */
static void lock_step(const char *in, const char *const argv[], size_t skip) {
    enum { MAX = 64 };
    gxt_result whole = gxt_run(GENOMICS_EXE, argv, in, strlen(in), NULL);
    cr_assert_eq(whole.status, 0, "%s", whole.err);
    size_t in_at[MAX + 1], out_at[MAX + 1];
    size_t nin = split_lines(in, in_at, MAX), nout = split_lines(whole.out, out_at, MAX);
    cr_assert_eq(nin, nout + skip);
    wqt_child *c = wqt_start(GENOMICS_EXE, argv);
    for (size_t i = 0; i < nin; i++) {
        wqt_write(c, in + in_at[i], in_at[i + 1] - in_at[i], GUARD_MS);
        if (i < skip)
            continue;
        size_t k = i - skip, len = out_at[k + 1] - out_at[k];
        char *got = wqt_read_line(c, GUARD_MS);
        cr_assert_not_null(got, "the child's stdout ended before line %zu", i + 1);
        cr_assert(strlen(got) == len && memcmp(got, whole.out + out_at[k], len) == 0,
                  "line %zu: got %s", i + 1, got);
        free(got);
    }
    wqt_result r = wqt_finish(c, GUARD_MS);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert_str_eq(r.err, "");
    wqt_result_free(&r);
    gxt_result_free(&whole);
}

static const char lines8[] =
    "acgt,acct\n"
    "gattaca,gatca\n"
    "ttt,\n"
    ",a\n"
    "ACGTACGTAC,acgtacgtac\n"
    "a,a\n"
    "ccccccccccccccccccccccccccccccccccc,cccccccccccccccccccccccccccccccg\n"
    "tgca,acgt\n";

Test(stall, ordered_one_line_at_a_time, .timeout = 60) {
    const char *argv[] = {"genomics", "-w", "2", NULL};
    lock_step(lines8, argv, 0);
}

Test(stall, async_one_line_at_a_time, .timeout = 60) {
    const char *argv[] = {"genomics", "-w", "2", "--async", NULL};
    lock_step(lines8, argv, 0);
}

Test(stall, one_worker_tsv_one_line_at_a_time, .timeout = 60) {
    const char *argv[] = {"genomics", "-w", "1", "-f", "tsv", "-i", NULL};
    lock_step(lines8, argv, 0);
}

Test(stall, skip_one_line_at_a_time, .timeout = 60) {
    const char *argv[] = {"genomics", "--skip", "3", NULL};
    lock_step(lines8, argv, 3);
}

Test(stall, cigar_one_line_at_a_time, .timeout = 60) {
    const char *argv[] = {"genomics", "--cigar", "-f", "jsonl", "-w", "3", NULL};
    lock_step(lines8, argv, 0);
}

/* ------------------------------------------------ Ctrl-C while stalled -- */

/* The input pipe stays open after 8 lines: once all 8 results are read,
 * SIGINT. The output is exactly them; the message counts 8. */
static void interrupt_stalled(const char *mode, const char *message) {
    const char *argv[] = {"genomics", "-w", "2", mode, NULL};
    gxt_result whole = gxt_run(GENOMICS_EXE, argv, lines8, strlen(lines8), NULL);
    cr_assert_eq(whole.status, 0);
    wqt_opts o = {.in = lines8,
                  .in_len = strlen(lines8),
                  .in_mode = WQT_IN_PIPE_OPEN,
                  .out_mode = WQT_OUT_PIPE,
                  .sig = SIGINT,
                  .when = WQT_AFTER_OUT,
                  .after_out = whole.outlen};
    wqt_result r = wqt_run(GENOMICS_EXE, argv, &o);
    cr_assert_eq(r.status, 130, "%s", r.err);
    if (strcmp(mode, "--async") == 0) { /* one per line; any order */
        cr_assert_eq(r.outlen, whole.outlen);
    } else {
        cr_assert_str_eq(r.out, whole.out);
    }
    cr_assert_str_eq(r.err, message);
    wqt_result_free(&r);
    gxt_result_free(&whole);
}

Test(stall, ctrl_c_while_stalled_ordered, .timeout = 60) {
    interrupt_stalled("--format=lesson",
                      "genomics: interrupted after 8 pairs (resume with --skip 8)\n");
}

Test(stall, ctrl_c_while_stalled_async, .timeout = 60) {
    interrupt_stalled("--async", "genomics: interrupted after 8 pairs (output unordered)\n");
}

/* ------------------------------------------ write error while stalled -- */

/* stdout is /dev/full and the input pipe stays open after 8 lines: the
 * flush at the stall fails, and the run must end at once with the write
 * error, not wait for a next line that never comes (the test's timeout). */
static void write_error_stalled(const char *mode) {
    const char *argv[] = {"genomics", "-w", "2", mode, NULL};
    wqt_opts o = {.in = lines8,
                  .in_len = strlen(lines8),
                  .in_mode = WQT_IN_PIPE_OPEN,
                  .out_mode = WQT_OUT_PATH,
                  .out_path = "/dev/full"};
    wqt_result r = wqt_run(GENOMICS_EXE, argv, &o);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert_str_eq(r.err, "genomics: write error: No space left on device\n");
    wqt_result_free(&r);
}

Test(stall, write_error_while_stalled_ordered, .timeout = 60) {
    write_error_stalled("--format=lesson");
}

Test(stall, write_error_while_stalled_async, .timeout = 60) {
    write_error_stalled("--async");
}

/* ------------------------------------------------- pipe versus file -- */

typedef struct pipe_case {
    const char *name;
    const char *args[8];
    int gzip_members; /* > 0: the input is gzip, in this many members */
    int kind;         /* 0: lines8; 1: FASTA; 2: FASTQ; 3: a bad line;
                         4: 3000 random pairs; 5: empty; 6: odd FASTA */
} pipe_case;

static char *case_input(int kind, size_t *len) {
    char *s = NULL;
    *len = 0;
    if (kind == 0)
        gxt_cat(&s, len, "%s", lines8);
    else if (kind == 1 || kind == 6)
        gxt_cat(&s, len, ">r1 one\nACGT\nAC\n>r2\nACGA\n>r3\n\n>r4 x\nTTTT\nT\n%s",
                kind == 6 ? ">r5\nA\n" : "");
    else if (kind == 2)
        gxt_cat(&s, len, "@q1\nACGT\n+\nIIII\n@q2\nAGT\n+q2\nIII\n");
    else if (kind == 3)
        gxt_cat(&s, len, "a,c\nac,ca\nacg,acg\nnocomma\nt,t\n");
    else if (kind == 4) {
        uint64_t st = 17;
        for (size_t i = 0; i < 3000; i++) {
            unsigned char a[40], b[40];
            size_t na = 1 + kbelow(&st, 30), nb = 1 + kbelow(&st, 30);
            kseq_fill(&st, a, na, 4);
            kseq_fill(&st, b, nb, 4);
            gxt_cat(&s, len, "%.*s,%.*s\n", (int)na, (char *)a, (int)nb, (char *)b);
        }
    } else {
        gxt_cat(&s, len, "%s", "");
    }
    return s;
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return s;
}

/* Pointers do not survive Criterion's copy of the parameters: the cases
 * are a file-scope table, and the parameter is an index into it. */
static const pipe_case pipe_cases[] = {
    {"pairs", {"genomics", NULL}, 0, 0},
    {"pairs -w 1 tsv -i", {"genomics", "-w", "1", "-f", "tsv", "-i", NULL}, 0, 0},
    {"fasta jsonl", {"genomics", "-f", "jsonl", NULL}, 0, 1},
    {"fastq", {"genomics", "-w", "3", NULL}, 0, 2},
    {"gzip 2 members", {"genomics", NULL}, 2, 0},
    {"gzip random", {"genomics", "-w", "2", "-f", "tsv", NULL}, 1, 4},
    {"bad line", {"genomics", "-w", "2", NULL}, 0, 3},
    {"bad line gzip", {"genomics", NULL}, 1, 3},
    {"random ordered", {"genomics", "-w", "2", "-k", "20", NULL}, 0, 4},
    {"random skip", {"genomics", "-w", "2", "--skip", "1234", NULL}, 0, 4},
    {"empty", {"genomics", NULL}, 0, 5},
    {"odd fasta", {"genomics", NULL}, 0, 6},
    {"paf", {"genomics", "-f", "paf", NULL}, 0, 0},
};
enum { N_PIPE_CASES = sizeof pipe_cases / sizeof pipe_cases[0] };

ParameterizedTestParameters(stall, pipe_equals_file) {
    static int idx[N_PIPE_CASES];
    for (int i = 0; i < N_PIPE_CASES; i++)
        idx[i] = i;
    return cr_make_param_array(int, idx, N_PIPE_CASES);
}

/* The same bytes through a pipe as from a file: stdout, stderr (the input's
 * name is <stdin> in both) and the exit status. */
ParameterizedTest(int *i, stall, pipe_equals_file, .timeout = 60) {
    const pipe_case *c = &pipe_cases[*i];
    size_t len;
    char *in = case_input(c->kind, &len);
    if (c->gzip_members > 0) {
        char *path = gxt_file(in, len, c->gzip_members);
        free(in);
        in = slurp(path, &len);
        gxt_unlink(path);
    }
    wqt_opts fo = {.in = in, .in_len = len, .in_mode = WQT_IN_FILE};
    wqt_opts po = {.in = in, .in_len = len, .in_mode = WQT_IN_PIPE};
    wqt_result f = wqt_run(GENOMICS_EXE, c->args, &fo);
    wqt_result p = wqt_run(GENOMICS_EXE, c->args, &po);
    cr_assert_eq(p.status, f.status, "%s: %d vs %d (%s)", c->name, p.status, f.status, p.err);
    cr_assert_str_eq(p.err, f.err, "%s", c->name);
    cr_assert_eq(p.outlen, f.outlen, "%s", c->name);
    cr_assert_str_eq(p.out, f.out, "%s", c->name);
    wqt_result_free(&f);
    wqt_result_free(&p);
    free(in);
}
