/*
 * test_harness.c: the shared test harness itself.
 *   - test_spawn's interactive mode, on /bin/cat and sh: lines come back in
 *     lock step, a large write does not deadlock against an unread stdout,
 *     the rest of stdout and all of stderr reach wqt_finish, a line cut by
 *     the end of stdout is NULL, a signal ends the child.
 *   - test_seq.h's set generator and edits: the same seed gives the same
 *     bytes; one edit is at distance exactly 1 (the reference DP); fresh
 *     sequences stay in their lengths and alphabet; copies and near copies
 *     are within their edits of an earlier sequence.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>

#include "test_seq.h"
#include "test_spawn.h"

enum { GUARD_MS = 30000 }; /* a guard against a hang only */

/* ------------------------------------------------------ interactive -- */

Test(spawn, lock_step_through_cat, .timeout = 60) {
    wqt_child *c = wqt_start("/bin/cat", (const char *const[]){"cat", NULL});
    static const char *const lines[] = {"one\n", "\n", "three, the last\n"};
    for (size_t i = 0; i < 3; i++) {
        wqt_write(c, lines[i], strlen(lines[i]), GUARD_MS);
        char *got = wqt_read_line(c, GUARD_MS);
        cr_assert_not_null(got);
        cr_assert_str_eq(got, lines[i]);
        free(got);
    }
    wqt_write(c, "tail", 4, GUARD_MS);
    wqt_result r = wqt_finish(c, GUARD_MS);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(r.signal, 0);
    cr_assert_str_eq(r.out, "tail");
    cr_assert_str_eq(r.err, "");
    wqt_result_free(&r);
}

/* 4 MiB to cat before reading a byte back: both pipes fill, and wqt_write
 * must keep reading stdout for cat to go on. */
Test(spawn, large_write_does_not_deadlock, .timeout = 60) {
    enum { N = 4 << 20 };
    char *big = malloc(N);
    cr_assert_not_null(big);
    for (size_t i = 0; i < N; i++)
        big[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    wqt_child *c = wqt_start("/bin/cat", (const char *const[]){"cat", NULL});
    wqt_write(c, big, N, GUARD_MS);
    char *first = wqt_read_line(c, GUARD_MS);
    cr_assert_not_null(first);
    cr_assert_eq(strlen(first), 64);
    cr_assert_eq(memcmp(first, big, 64), 0);
    wqt_result r = wqt_finish(c, GUARD_MS);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(r.outlen, (size_t)N - 64);
    cr_assert_eq(memcmp(r.out, big + 64, N - 64), 0);
    wqt_result_free(&r);
    free(first);
    free(big);
}

Test(spawn, stderr_and_a_cut_last_line, .timeout = 60) {
    const char *argv[] = {"sh", "-c",
                          "echo ready >&2; read x; printf 'got %s\\nrest' \"$x\"; exit 3", NULL};
    wqt_child *c = wqt_start("/bin/sh", argv);
    wqt_write(c, "hi\n", 3, GUARD_MS);
    char *got = wqt_read_line(c, GUARD_MS);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, "got hi\n");
    free(got);
    cr_assert_null(wqt_read_line(c, GUARD_MS), "stdout ended inside a line");
    wqt_result r = wqt_finish(c, GUARD_MS);
    cr_assert_eq(r.status, 3);
    cr_assert_str_eq(r.out, "rest");
    cr_assert_str_eq(r.err, "ready\n");
    wqt_result_free(&r);
}

/* cat waits for input; SIGTERM (default action in the child) ends it. */
Test(spawn, signal_ends_the_child, .timeout = 60) {
    wqt_child *c = wqt_start("/bin/cat", (const char *const[]){"cat", NULL});
    wqt_write(c, "x\n", 2, GUARD_MS);
    char *got = wqt_read_line(c, GUARD_MS);
    cr_assert_str_eq(got, "x\n");
    free(got);
    wqt_signal(c, SIGTERM);
    wqt_result r = wqt_finish(c, GUARD_MS);
    cr_assert_eq(r.signal, SIGTERM);
    cr_assert_eq(r.status, 128 + SIGTERM);
    cr_assert_str_eq(r.out, "");
    wqt_result_free(&r);
}

/* ------------------------------------------------------------ test_seq -- */

static size_t dist(const unsigned char *a, size_t n, const unsigned char *b, size_t m) {
    return wq_levenshtein_ref((const char *)a, n, (const char *)b, m);
}

static int in_alphabet(unsigned char c, unsigned sigma) {
    for (unsigned v = 0; v < kseq_size(sigma); v++)
        if (kseq_alpha(sigma, v) == c)
            return 1;
    return 0;
}

Test(seq, one_edit_is_at_distance_one, .timeout = 60) {
    static const unsigned sigmas[] = {2, 4, 4 | KSEQ_UPPER, 4 | KSEQ_UPPER | KSEQ_N, 20, 256};
    uint64_t st = 1;
    for (size_t t = 0; t < 3000; t++) {
        unsigned sigma = sigmas[t % 6];
        unsigned char a[64], b[65];
        size_t n = 1 + kbelow(&st, 40), m = n, segs = kbelow(&st, 4);
        kseq_fill(&st, a, n, sigma);
        memcpy(b, a, n);
        size_t at = kseq_edit_pos(&st, n, segs);
        cr_assert_leq(at, n);
        kseq_edit_at(&st, b, &m, at, (int)(t % 5 == 0), sigma);
        cr_assert_eq(dist(a, n, b, m), 1, "sigma %u, n %zu, at %zu", sigma, n, at);
        cr_assert(t % 5 != 0 || m == n, "a substitution keeps the length");
        for (size_t i = 0; i < m; i++)
            cr_assert(in_alphabet(b[i], sigma));
    }
}

Test(seq, set_is_deterministic_and_planted, .timeout = 60) {
    kseq_set_spec sp = {.n = 300,
                        .lmin = 5,
                        .lmax = 40,
                        .sigma = 4 | KSEQ_N,
                        .near_pm = 400,
                        .copy_pm = 100,
                        .edits = 3,
                        .segs = 4};
    kseq_set a = kseq_set_make(7, &sp), b = kseq_set_make(7, &sp), c = kseq_set_make(8, &sp);
    cr_assert_eq(a.off[a.n], b.off[b.n]);
    cr_assert_eq(memcmp(a.off, b.off, (a.n + 1) * sizeof(size_t)), 0);
    cr_assert_eq(memcmp(a.buf, b.buf, a.off[a.n]), 0);
    cr_assert(a.off[a.n] != c.off[c.n] || memcmp(a.buf, c.buf, a.off[a.n]) != 0,
              "another seed, the same set");
    /* Each is fresh (length in range) or within 3 edits of an earlier
     * one; some of each kind, and some exact repeats. */
    size_t fresh = 0, near = 0, repeat = 0;
    for (size_t i = 0; i < a.n; i++) {
        const unsigned char *s = a.buf + a.off[i];
        size_t n = a.off[i + 1] - a.off[i], best = SIZE_MAX;
        for (size_t k = 0; k < n; k++)
            cr_assert(in_alphabet(s[k], sp.sigma));
        for (size_t j = 0; j < i && best > 0; j++) {
            size_t d = dist(a.buf + a.off[j], a.off[j + 1] - a.off[j], s, n);
            best = d < best ? d : best;
        }
        if (best == 0)
            repeat++;
        else if (best <= 3)
            near++;
        else { /* fresh: no near copy is more than 3 edits from its source */
            cr_assert(n >= sp.lmin && n <= sp.lmax, "sequence %zu: length %zu", i, n);
            fresh++;
        }
    }
    cr_assert_gt(repeat, 10);
    cr_assert_gt(near, 60);
    cr_assert_gt(fresh, 60);
    kseq_set_free(&a);
    kseq_set_free(&b);
    kseq_set_free(&c);
}

/* Substitutions only: every length is LEN, so the set is a LEN-stride
 * array (what test_search_stop relies on). */
Test(seq, substitutions_keep_the_stride, .timeout = 60) {
    kseq_set_spec sp = {.n = 500,
                        .lmin = 12,
                        .lmax = 12,
                        .sigma = 4 | KSEQ_UPPER,
                        .near_pm = 500,
                        .edits = 2,
                        .subst_only = 1};
    kseq_set s = kseq_set_make(3, &sp);
    for (size_t i = 0; i <= s.n; i++)
        cr_assert_eq(s.off[i], i * 12);
    kseq_set_free(&s);
}
