/*
 * test_search_cli.c: genomics' indexed modes end to end, against the brute
 * force of the same executable: `-A -k K` must print exactly the lines of
 * `-A` (every pair) whose distance is <= K, in the same order, in every
 * format, on plain lines and FASTA, with -i and N bases; `--query` exactly
 * what the pair lines "q,t" print for every query and target; `--cluster`
 * the components of the brute-force pairs, with their sizes and
 * representatives.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strndup */

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>

#include "test_seq.h"
#include "test_spawn.h"
#include "util.h"

#ifndef GENOMICS_EXE
#error "GENOMICS_EXE must name the executable under test"
#endif

#define RUN(...) gxt_run_args(GENOMICS_EXE, __VA_ARGS__, (const char *)NULL)

/* n random sequences, one per line (or FASTA records s0, s1, ...), from
 * test_seq.h: two fifths of them an earlier one with 1..3 edits, a tenth
 * repeated, N bases among ACGT, and a tenth with one lower-case letter
 * (one draw per sequence, one more for the letter's position). */
static char *make_input(uint64_t seed, size_t n, size_t lmin, size_t lmax, int fasta) {
    kseq_set_spec sp = {.n = n,
                        .lmin = lmin,
                        .lmax = lmax,
                        .sigma = 4 | KSEQ_UPPER | KSEQ_N,
                        .near_pm = 400,
                        .copy_pm = 100,
                        .edits = 3};
    kseq_set set = kseq_set_make(seed, &sp);
    uint64_t st = ~seed;
    char *out = NULL;
    size_t outlen = 0;
    for (size_t i = 0; i < n; i++) {
        char *p = (char *)set.buf + set.off[i];
        int len = (int)(set.off[i + 1] - set.off[i]);
        if (kbelow(&st, 10) == 0 && len > 0) {
            size_t at = kbelow(&st, (uint64_t)len);
            p[at] = (char)(p[at] - 'A' + 'a');
        }
        if (fasta)
            gxt_cat(&out, &outlen, ">s%zu desc\n%.*s\n", i, len, p);
        else
            gxt_cat(&out, &outlen, "%.*s\n", len > 0 ? len : 1, len > 0 ? p : "A");
    }
    kseq_set_free(&set);
    return out;
}

/* The distance at the end of an output line (lesson, tsv or jsonl). */
static size_t line_distance(const char *line, size_t len) {
    size_t e = len;
    while (e > 0 && (line[e - 1] < '0' || line[e - 1] > '9'))
        e--;
    size_t b = e;
    while (b > 0 && line[b - 1] >= '0' && line[b - 1] <= '9')
        b--;
    return strtoul(line + b, NULL, 10);
}

/* The lines of out whose distance is <= k. */
static char *filter(const char *out, size_t k) {
    char *f = NULL;
    size_t flen = 0;
    for (const char *p = out; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        size_t len = (size_t)(nl - p);
        if (line_distance(p, len) <= k)
            gxt_cat(&f, &flen, "%.*s\n", (int)len, p);
        p = nl + 1;
    }
    return f != NULL ? f : strdup("");
}

static void check_all(const char *in, const char *k, const char *fmt, const char *fold) {
    gxt_result brute = RUN(in, "-A", "-f", fmt, fold, "-w", "2");
    gxt_result idx = RUN(in, "-A", "-k", k, "-f", fmt, fold, "-w", "2");
    cr_assert_eq(brute.status, 0, "%s", brute.err);
    cr_assert_eq(idx.status, 0, "%s", idx.err);
    char *want = filter(brute.out, strtoul(k, NULL, 10));
    cr_assert_str_eq(idx.out, want, "-k %s -f %s %s", k, fmt, fold);
    cr_assert_str_eq(idx.err, "");
    free(want);
    gxt_result_free(&brute);
    gxt_result_free(&idx);
}

Test(search_cli, all_vs_all_lines_every_format, .timeout = 120) {
    char *in = make_input(1, 120, 6, 30, 0);
    const char *ks[] = {"0", "1", "2", "3", "5", "12"};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++)
        check_all(in, ks[i], i % 3 == 0 ? "lesson" : i % 3 == 1 ? "tsv" : "jsonl", "-q");
    free(in);
}

Test(search_cli, all_vs_all_fasta_ignore_case, .timeout = 120) {
    char *in = make_input(2, 120, 0, 40, 1);
    check_all(in, "2", "tsv", "-i");
    check_all(in, "3", "jsonl", "-q");
    free(in);
}

/* The pair lines "q,t" for every query of q, then every target of t. */
static char *cross_lines(const char *q, const char *t) {
    char *pairs = NULL;
    size_t plen = 0;
    for (const char *a = q; *a != '\0'; a = strchr(a, '\n') + 1)
        for (const char *b = t; *b != '\0'; b = strchr(b, '\n') + 1)
            gxt_cat(&pairs, &plen, "%.*s,%.*s\n", (int)(strchr(a, '\n') - a), a,
                    (int)(strchr(b, '\n') - b), b);
    return pairs;
}

/* --query in prefix and infix modes (pair by pair, no index; split across
 * ranks under MPI like the indexed query): the same lines as the pair
 * lines in that mode, with -k and without, and with --cigar. */
Test(search_cli, query_prefix_and_infix, .timeout = 120) {
    char *t = make_input(5, 40, 20, 40, 0), *q = make_input(6, 15, 4, 12, 0);
    char *pairs = cross_lines(q, t), *qpath = gxt_file(q, strlen(q), 0);
    static const char *const modes[] = {"prefix", "infix"};
    for (size_t m = 0; m < 2; m++) {
        gxt_result brute = RUN(pairs, "-f", "tsv", "-m", modes[m]);
        cr_assert_eq(brute.status, 0, "%s", brute.err);
        const char *ks[] = {"0", "1", "3"};
        for (size_t i = 0; i < 3; i++) {
            gxt_result r = RUN(t, "--query", qpath, "-k", ks[i], "-f", "tsv", "-m", modes[m]);
            char *want = filter(brute.out, strtoul(ks[i], NULL, 10));
            cr_assert_eq(r.status, 0, "%s", r.err);
            cr_assert_str_eq(r.out, want, "--query -m %s -k %s", modes[m], ks[i]);
            free(want);
            gxt_result_free(&r);
        }
        gxt_result bc = RUN(pairs, "-f", "tsv", "--cigar", "-m", modes[m]);
        gxt_result all = RUN(t, "--query", qpath, "-f", "tsv", "--cigar", "-m", modes[m]);
        cr_assert_eq(all.status, 0, "%s", all.err);
        cr_assert_str_eq(all.out, bc.out, "--query -m %s --cigar: every pair", modes[m]);
        gxt_result_free(&bc);
        gxt_result_free(&all);
        gxt_result_free(&brute);
    }
    gxt_expect_run(RUN(t, "--cluster", "-k", "1", "-m", "infix"), 2, "",
                   "genomics: --cluster compares whole sequences (--mode global)\n"
                   "Try 'genomics --help'.\n");
    gxt_unlink(qpath);
    free(pairs);
    free(q);
    free(t);
}

/* --query: the pair lines "q,t" in query then target order are the brute
 * force (plain lines name sequences by themselves). */
Test(search_cli, query_equals_pair_lines, .timeout = 120) {
    char *t = make_input(3, 80, 5, 25, 0), *q = make_input(4, 30, 5, 25, 0);
    char *pairs = cross_lines(q, t);
    char *qpath = gxt_file(q, strlen(q), 0);
    gxt_result brute = RUN(pairs, "-f", "tsv");
    cr_assert_eq(brute.status, 0, "%s", brute.err);
    const char *ks[] = {"0", "2", "4"};
    for (size_t i = 0; i < 3; i++) {
        gxt_result r = RUN(t, "--query", qpath, "-k", ks[i], "-f", "tsv");
        char *want = filter(brute.out, strtoul(ks[i], NULL, 10));
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, want, "--query -k %s", ks[i]);
        free(want);
        gxt_result_free(&r);
    }
    gxt_result all = RUN(t, "--query", qpath, "-f", "tsv");
    cr_assert_str_eq(all.out, brute.out, "--query without -k: every pair");
    gxt_result_free(&all);
    gxt_result_free(&brute);
    gxt_unlink(qpath);
    free(pairs);
    free(q);
    free(t);
}

/* ----------------------------------------------------------- clusters -- */

static size_t uf_find(size_t *p, size_t x) {
    while (p[x] != x)
        x = p[x];
    return x;
}

/* The expected tsv of --cluster on plain lines, computed independently:
 * union-find over every pair within k (wq_levenshtein, no index), clusters
 * by size then first member, the most frequent sequence (ties: the first)
 * as representative, members in input order. */
static char *expected_clusters(const char *in, size_t k) {
    size_t n = 0;
    for (const char *p = in; *p != '\0'; p = strchr(p, '\n') + 1)
        n++;
    char **s = calloc(n, sizeof *s);
    size_t *par = malloc(n * sizeof *par), *size = calloc(n, sizeof *size);
    int *done = calloc(n, sizeof *done);
    cr_assert(s && par && size && done);
    size_t i = 0;
    for (const char *p = in; *p != '\0'; p = strchr(p, '\n') + 1, i++) {
        s[i] = strndup(p, (size_t)(strchr(p, '\n') - p));
        par[i] = i;
    }
    for (i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (wq_levenshtein(s[i], strlen(s[i]), s[j], strlen(s[j]), k) <= k) {
                size_t a = uf_find(par, i), b = uf_find(par, j);
                par[a > b ? a : b] = a < b ? a : b;
            }
    for (i = 0; i < n; i++)
        size[uf_find(par, i)]++;
    char *out = NULL;
    size_t outlen = 0;
    for (;;) { /* the next cluster: the largest, then the first root */
        size_t best = n;
        for (i = 0; i < n; i++)
            if (uf_find(par, i) == i && !done[i] && (best == n || size[i] > size[best]))
                best = i;
        if (best == n)
            break;
        done[best] = 1;
        size_t rep = n, rep_n = 0;
        for (i = 0; i < n; i++) {
            if (uf_find(par, i) != best)
                continue;
            size_t c = 0;
            for (size_t j = 0; j < n; j++)
                c += uf_find(par, j) == best && strcmp(s[i], s[j]) == 0;
            if (c > rep_n)
                rep = i, rep_n = c;
        }
        gxt_cat(&out, &outlen, "%zu\t%s\t", size[best], s[rep]);
        const char *sep = "";
        for (i = 0; i < n; i++)
            if (uf_find(par, i) == best) {
                gxt_cat(&out, &outlen, "%s%s", sep, s[i]);
                sep = ",";
            }
        gxt_cat(&out, &outlen, "\n");
    }
    for (i = 0; i < n; i++)
        free(s[i]);
    free(s);
    free(par);
    free(size);
    free(done);
    return out;
}

Test(search_cli, clusters_equal_union_find_of_brute_force, .timeout = 120) {
    char *in = make_input(5, 150, 4, 16, 0);
    const char *ks[] = {"0", "1", "2", "3"};
    for (size_t i = 0; i < 4; i++) {
        gxt_result r = RUN(in, "-A", "-k", ks[i], "--cluster", "-f", "tsv");
        char *want = expected_clusters(in, strtoul(ks[i], NULL, 10));
        cr_assert_eq(r.status, 0, "%s", r.err);
        cr_assert_str_eq(r.out, want, "--cluster -k %s", ks[i]);
        free(want);
        gxt_result_free(&r);
    }
    free(in);
}

Test(search_cli, cluster_formats, .timeout = 60) {
    const char *in = ">a\nACGT\n>b\nACGA\n>c\nTTTT\n>d\nACGA\n>e\nACGA\n";
    gxt_result r = RUN(in, "--cluster", "-k", "1");
    cr_expect_str_eq(r.out, "Cluster 1: 4 records, representative ACGA: a, b, d, e\n"
                            "Cluster 2: 1 record, representative TTTT: c\n");
    gxt_result_free(&r);
    r = RUN(in, "--cluster", "-k", "1", "-f", "jsonl");
    cr_expect_str_eq(r.out, "{\"cluster\":1,\"size\":4,\"representative\":\"ACGA\","
                            "\"members\":[\"a\",\"b\",\"d\",\"e\"]}\n"
                            "{\"cluster\":2,\"size\":1,\"representative\":\"TTTT\","
                            "\"members\":[\"c\"]}\n");
    gxt_result_free(&r);
}

/* --skip N passes over the first N clusters; the numbering goes on. */
Test(search_cli, cluster_skip, .timeout = 60) {
    const char *in = ">a\nACGT\n>b\nACGA\n>c\nTTTT\n>d\nACGA\n>e\nACGA\n>f\nGGGG\n";
    gxt_result r = RUN(in, "--cluster", "-k", "1", "--skip", "1");
    gxt_expect_run(r, 0,
                   "Cluster 2: 1 record, representative TTTT: c\n"
                   "Cluster 3: 1 record, representative GGGG: f\n",
                   "");
    r = RUN(in, "--cluster", "-k", "1", "--skip", "2", "-f", "jsonl");
    gxt_expect_run(r, 0,
                   "{\"cluster\":3,\"size\":1,\"representative\":\"GGGG\","
                   "\"members\":[\"f\"]}\n",
                   "");
    r = RUN(in, "--cluster", "-k", "1", "--skip", "3", "-f", "tsv");
    gxt_expect_run(r, 0, "", "");
}

/* A signal during --cluster: the message counts clusters. The input never
 * ends, so the run stops by the signal while loading it. */
Test(search_cli, cluster_interrupt_counts_clusters, .timeout = 60) {
    const char *argv[] = {"genomics", "--cluster", "-k", "1", NULL};
    wqt_opts o = {.in = "ACGT\nACGA\n",
                  .in_len = 10,
                  .in_mode = WQT_IN_PIPE_OPEN,
                  .sig = SIGINT,
                  .when = WQT_AT_START};
    wqt_result r = wqt_run(GENOMICS_EXE, argv, &o);
    cr_expect_eq(r.status, 130, "stderr: %s", r.err);
    cr_expect_str_eq(r.out, "");
    cr_expect_str_eq(r.err, "genomics: interrupted after 0 clusters (resume with --skip 0)\n");
    wqt_result_free(&r);
}

/* A regular file is loaded whole without ever blocking: a SIGINT during the
 * load must still stop it (the reader looks at the interrupt pipe before
 * each read), with nothing printed. The signal is pending when the handler
 * is installed, so it has arrived before the first read, in every mode that
 * loads its input whole. The input's last line, past the first reads, is
 * bad data: a load that went on to the end would exit 1 on it. */
Test(search_cli, interrupt_while_loading_a_file, .timeout = 60) {
    char *good = make_input(7, 5000, 30, 60, 0);
    size_t glen = strlen(good);
    cr_assert_gt(glen, 2 * 65536);
    char *in = malloc(glen + 8);
    cr_assert_not_null(in);
    memcpy(in, good, glen);
    memcpy(in + glen, "AC GT\n", 7);
    free(good);
    const char *all_k[] = {"genomics", "-A", "-k", "2", NULL};
    const char *all[] = {"genomics", "-A", NULL};
    const char *cluster[] = {"genomics", "--cluster", "-k", "1", NULL};
    const char *const *argvs[] = {all_k, all, cluster};
    const char *errs[] = {"genomics: interrupted after 0 pairs (resume with --skip 0)\n",
                          "genomics: interrupted after 0 pairs (resume with --skip 0)\n",
                          "genomics: interrupted after 0 clusters (resume with --skip 0)\n"};
    for (size_t a = 0; a < 3; a++) {
        wqt_opts o = {.in = in,
                      .in_len = strlen(in),
                      .in_mode = WQT_IN_FILE,
                      .sig = SIGINT,
                      .when = WQT_AT_START};
        wqt_result r = wqt_run(GENOMICS_EXE, argvs[a], &o);
        cr_expect_eq(r.status, 130, "%s: stderr: %s", argvs[a][1], r.err);
        cr_expect_str_eq(r.out, "", "%s", argvs[a][1]);
        cr_expect_str_eq(r.err, errs[a], "%s", argvs[a][1]);
        wqt_result_free(&r);
    }
    free(in);
}

Test(search_cli, usage_errors, .timeout = 60) {
    gxt_result r = RUN("ACGT\n", "--cluster");
    cr_expect_eq(r.status, 2);
    cr_expect_str_eq(r.err, "genomics: --cluster needs a max distance (-k K)\n"
                            "Try 'genomics --help'.\n");
    gxt_result_free(&r);
    r = RUN("ACGT\n", "--query", "-", "-A", "-k", "1");
    cr_expect_eq(r.status, 2);
    gxt_result_free(&r);
    r = RUN("ACGT\n", "--query", "/nonexistent/q.txt", "-k", "1");
    cr_expect_eq(r.status, 1);
    cr_expect_str_eq(r.err, "genomics: /nonexistent/q.txt: No such file or directory\n");
    gxt_result_free(&r);
}
