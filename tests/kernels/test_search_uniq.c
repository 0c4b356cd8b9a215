/*
 * test_search_uniq.c: the duplicate table of the search (wq__uniq_build,
 * internal, so search_index.c is compiled in) against a plain reference:
 * the inputs sorted by bytes, each group's smallest index its first
 * occurrence, ids numbered in input order. Sizes cross the table's part
 * boundaries (one part up to 16,384 inputs, then 2, 4, 8 ...), with its
 * chunks of inputs uneven or empty (n below the 32 chunks), many repeats,
 * mixed lengths and empty sequences.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "search_internal.h"
#include "test_pool_suite.h"
#include "test_seq.h"

WQT_POOL_SUITE(search_uniq, 2);

static const wq_seq *ref_seqs;

static int cmp_bytes_then_index(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const wq_seq *s = &ref_seqs[x], *t = &ref_seqs[y];
    size_t m = s->len < t->len ? s->len : t->len;
    int c = m ? memcmp(s->ptr, t->ptr, m) : 0;
    if (c == 0 && s->len != t->len)
        c = s->len < t->len ? -1 : 1;
    return c != 0 ? c : (x > y) - (x < y);
}

static int same_bytes(const wq_seq *s, const wq_seq *t) {
    return s->len == t->len && (s->len == 0 || memcmp(s->ptr, t->ptr, s->len) == 0);
}

/* f[i]: the smallest index with input i's bytes. */
static size_t *reference_first(const wq_seq *seqs, size_t n) {
    size_t *ord = malloc((n + 1) * sizeof *ord), *f = malloc((n + 1) * sizeof *f);
    cr_assert(ord != NULL && f != NULL);
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    ref_seqs = seqs;
    qsort(ord, n, sizeof *ord, cmp_bytes_then_index);
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && same_bytes(&seqs[ord[a]], &seqs[ord[b]]); b++)
            ;
        for (size_t c = a; c < b; c++)
            f[ord[c]] = ord[a];
    }
    free(ord);
    return f;
}

/* Checks q against the reference for seqs[0..n). */
static void check_uniq(const wq__uniq *q, const wq_seq *seqs, size_t n) {
    size_t *f = reference_first(seqs, n), nu = 0, maxlen = 0;
    uint32_t *id = malloc((n + 1) * sizeof *id);
    cr_assert_not_null(id);
    for (size_t i = 0; i < n; i++) {
        id[i] = f[i] == i ? (uint32_t)nu++ : id[f[i]];
        maxlen = seqs[i].len > maxlen ? seqs[i].len : maxlen;
        cr_assert_eq(q->of[i], id[i], "input %zu of %zu: unique %u, expected %u", i, n, q->of[i],
                     id[i]);
        if (f[i] == i)
            cr_assert_eq(q->first[id[i]], i);
    }
    cr_assert_eq(q->nu, nu);
    cr_assert_eq(q->maxlen, maxlen);
    /* members: each unique's inputs ascending, last the greatest */
    cr_assert_eq(q->mstart[0], 0);
    cr_assert_eq(q->mstart[nu], n);
    for (uint32_t u = 0; u < nu; u++) {
        cr_assert_lt(q->mstart[u], q->mstart[u + 1]);
        cr_assert_eq(q->members[q->mstart[u]], q->first[u]);
        cr_assert_eq(q->last[u], q->members[q->mstart[u + 1] - 1]);
        /* the bitmap of uniques with two members or more */
        cr_assert_eq(q->multi[u / 64] >> (u % 64) & 1, q->mstart[u + 1] - q->mstart[u] > 1,
                     "unique %u", u);
        for (uint32_t m = q->mstart[u]; m < q->mstart[u + 1]; m++) {
            cr_assert_eq(q->of[q->members[m]], u);
            if (m > q->mstart[u])
                cr_assert_lt(q->members[m - 1], q->members[m]);
        }
    }
    free(id);
    free(f);
}

typedef struct ucase {
    size_t n, lmin, lmax;
    unsigned copy_pm;
} ucase;

ParameterizedTestParameters(search_uniq, against_reference) {
    static ucase cases[] = {
        {0, 8, 8, 0},         {1, 8, 8, 0},
        {2, 0, 0, 0}, /* two empty: one unique */
        {31, 3, 5, 300},      {33, 0, 4, 500},
        {1000, 6, 6, 200},                          /* fewer inputs than chunks */
        {16384, 12, 12, 100}, {16385, 12, 12, 100}, /* one part, then two */
        {40000, 0, 9, 600},   {70001, 20, 20, 900}, /* mixed lengths; 90% repeats, 8 parts */
    };
    return cr_make_param_array(ucase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(ucase *c, search_uniq, against_reference, .timeout = 60) {
    kseq_set_spec sp = {.n = c->n,
                        .lmin = c->lmin,
                        .lmax = c->lmax,
                        .sigma = 4 | KSEQ_UPPER,
                        .copy_pm = c->copy_pm};
    kseq_set g = kseq_set_make(c->n * 7 + c->lmax, &sp);
    wq_seq *seqs = malloc((c->n + 1) * sizeof *seqs);
    cr_assert_not_null(seqs);
    for (size_t i = 0; i < c->n; i++)
        seqs[i] = (wq_seq){(const char *)g.buf + g.off[i], g.off[i + 1] - g.off[i]};
    wq__stop st;
    cr_assert_eq(wq__stop_init(&st, NULL, NULL), 0);
    wq__uniq q;
    cr_assert_eq(wq__uniq_build(pool, &q, seqs, c->n, &st), 0);
    check_uniq(&q, seqs, c->n);
    wq__uniq_free(&q);
    wq__stop_destroy(&st);
    free(seqs);
    kseq_set_free(&g);
}
