/*
 * test_search.c: the indexed searches of workq/search.h against the brute
 * force (every pair through wq_levenshtein with no limit), on random sets
 * with planted neighbours: edits at segment boundaries and at both ends,
 * indels that shift segments, strings shorter than K + 1, empty strings,
 * mixed lengths, repeats and N bases, K from 0 up to where every class is
 * compared whole. Hits must match exactly, in order; clusters must equal
 * the union-find of the brute-force pairs.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/search.h>

#include "test_pool_suite.h"
#include "test_seq.h"

WQT_POOL_SUITE(search, 2);

/* ---------------------------------------------------------- the sets -- */

typedef struct set {
    wq_seq *seqs;
    char **own;
    size_t n, cap;
} set;

static void set_add(set *s, const char *p, size_t len) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->seqs = realloc(s->seqs, s->cap * sizeof *s->seqs);
        s->own = realloc(s->own, s->cap * sizeof *s->own);
        cr_assert(s->seqs && s->own);
    }
    char *c = malloc(len + 1);
    cr_assert_not_null(c);
    memcpy(c, p, len);
    s->own[s->n] = c;
    s->seqs[s->n++] = (wq_seq){c, len};
}

static void set_free(set *s) {
    for (size_t i = 0; i < s->n; i++)
        free(s->own[i]);
    free(s->own);
    free(s->seqs);
    memset(s, 0, sizeof *s);
}

/* n sequences (test_seq.h) with lengths in [lmin, lmax]; a third are
 * copies of an earlier one with 1..k+1 edits aimed at the boundaries of
 * its K + 1 segments and at both ends, a twelfth exact repeats; N bases
 * with with_n. */
static void make_set(set *s, uint64_t seed, size_t n, size_t lmin, size_t lmax, size_t k,
                     int with_n) {
    kseq_set_spec sp = {.n = n,
                        .lmin = lmin,
                        .lmax = lmax,
                        .sigma = 4 | KSEQ_UPPER | (with_n ? KSEQ_N : 0),
                        .near_pm = 333,
                        .copy_pm = 83,
                        .edits = k + 1,
                        .segs = k + 1};
    kseq_set g = kseq_set_make(seed, &sp);
    for (size_t i = 0; i < n; i++)
        set_add(s, (const char *)g.buf + g.off[i], g.off[i + 1] - g.off[i]);
    kseq_set_free(&g);
}

/* ------------------------------------------------------ the reference -- */

typedef struct hits {
    wq_hit *h;
    size_t n, cap;
    size_t calls;
    size_t stop_after; /* return 7 once this many hits came (0: never) */
} hits;

static void hits_push(hits *a, wq_hit h) {
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->h = realloc(a->h, a->cap * sizeof *a->h);
        cr_assert_not_null(a->h);
    }
    a->h[a->n++] = h;
}

static int collect(void *ctx, const wq_hit *h, size_t n) {
    hits *a = ctx;
    a->calls++;
    for (size_t e = 0; e < n; e++)
        hits_push(a, h[e]);
    return a->stop_after != 0 && a->n >= a->stop_after ? 7 : 0;
}

static size_t dist(const wq_seq *a, const wq_seq *b) {
    return wq_levenshtein(a->ptr, a->len, b->ptr, b->len, WQ_LEV_NO_LIMIT);
}

static void brute_pairs(const set *s, size_t k, hits *out) {
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++) {
            size_t d = dist(&s->seqs[i], &s->seqs[j]);
            if (d <= k)
                hits_push(out, (wq_hit){i, j, d});
        }
}

static void brute_query(const set *q, const set *t, size_t k, hits *out) {
    for (size_t i = 0; i < q->n; i++)
        for (size_t j = 0; j < t->n; j++) {
            size_t d = dist(&q->seqs[i], &t->seqs[j]);
            if (d <= k)
                hits_push(out, (wq_hit){i, j, d});
        }
}

static void assert_same(const hits *got, const hits *want, const char *what, size_t k) {
    for (size_t e = 0; e < got->n && e < want->n; e++)
        cr_assert(got->h[e].i == want->h[e].i && got->h[e].j == want->h[e].j &&
                      got->h[e].distance == want->h[e].distance,
                  "%s k=%zu: hit %zu is (%zu,%zu,%zu), brute force (%zu,%zu,%zu)", what, k, e,
                  got->h[e].i, got->h[e].j, got->h[e].distance, want->h[e].i, want->h[e].j,
                  want->h[e].distance);
    cr_assert_eq(got->n, want->n, "%s k=%zu: %zu hits, brute force %zu", what, k, got->n, want->n);
}

static void check_pairs(const set *s, size_t k, const char *what) {
    hits got = {0}, want = {0};
    brute_pairs(s, k, &want);
    cr_assert_eq(wq_search_pairs(pool, s->seqs, s->n, k, collect, &got), 0);
    assert_same(&got, &want, what, k);
    free(got.h);
    free(want.h);
}

/* --------------------------------------------------------------- pairs -- */

Test(search, pairs_short_reads, .timeout = 60) {
    for (size_t k = 0; k <= 4; k++) {
        set s = {0};
        make_set(&s, 100 + k, 400, 20, 40, k, 0);
        check_pairs(&s, k, "20-40");
        set_free(&s);
    }
}

Test(search, pairs_long_reads, .timeout = 60) {
    for (size_t k = 2; k <= 8; k += 3) {
        set s = {0};
        make_set(&s, 200 + k, 200, 120, 160, k, 1);
        check_pairs(&s, k, "120-160");
        set_free(&s);
    }
}

/* Lengths from 0: classes shorter than the segments are compared whole, and
 * large K turns every class into the brute force. */
Test(search, pairs_tiny_and_empty, .timeout = 60) {
    for (size_t k = 0; k <= 12; k++) {
        set s = {0};
        make_set(&s, 300 + k, 250, 0, 24, k, 1);
        set_add(&s, "", 0);
        set_add(&s, "", 0);
        check_pairs(&s, k, "0-24");
        set_free(&s);
    }
}

Test(search, pairs_no_limit, .timeout = 60) {
    set s = {0};
    make_set(&s, 400, 120, 0, 30, 3, 0);
    check_pairs(&s, WQ_LEV_NO_LIMIT, "no limit");
    set_free(&s);
}

/* Mostly repeats: duplicated sequences are probed once (phase A) and every
 * copy still gets its pairs, in order. */
Test(search, pairs_repeats, .timeout = 60) {
    set s = {0}, pool_set = {0};
    make_set(&pool_set, 500, 40, 28, 32, 2, 0);
    uint64_t st = 501;
    for (size_t i = 0; i < 400; i++) {
        const wq_seq *o = &pool_set.seqs[kbelow(&st, pool_set.n)];
        set_add(&s, o->ptr, o->len);
    }
    for (size_t k = 0; k <= 3; k++)
        check_pairs(&s, k, "repeats");
    set_free(&s);
    set_free(&pool_set);
}

/* Every single edit at every position of a string, at each K: the edits at
 * segment boundaries, at the ends, and indels that shift later segments. */
Test(search, pairs_every_edit_position, .timeout = 60) {
    uint64_t st = 600;
    char orig[64], buf[80];
    kseq_fill(&st, (unsigned char *)orig, 40, 4 | KSEQ_UPPER);
    for (size_t k = 1; k <= 5; k++) {
        set s = {0};
        set_add(&s, orig, 40);
        for (size_t at = 0; at <= 40; at++) {
            for (int kind = 0; kind < 3; kind++) {
                size_t len = 40;
                memcpy(buf, orig, 40);
                if (kind == 0) {
                    memmove(buf + at + 1, buf + at, 40 - at);
                    buf[at] = 'T';
                    len++;
                } else if (at < 40 && kind == 1) {
                    memmove(buf + at, buf + at + 1, 40 - at - 1);
                    len--;
                } else if (at < 40) {
                    buf[at] = buf[at] == 'G' ? 'C' : 'G';
                }
                /* and k - 1 more edits elsewhere, so the pair sits at k */
                for (size_t e = 1; e < k; e++)
                    kseq_edit_at(&st, (unsigned char *)buf, &len, kseq_edit_pos(&st, len, k + 1), 0,
                                 4 | KSEQ_UPPER);
                set_add(&s, buf, len);
            }
        }
        check_pairs(&s, k, "every position");
        set_free(&s);
    }
}

/* --------------------------------------------------------------- query -- */

Test(search, query_against_brute_force, .timeout = 60) {
    for (size_t k = 0; k <= 6; k += 2) {
        set t = {0}, q = {0};
        make_set(&t, 700 + k, 300, 0, 40, k, 1);
        make_set(&q, 800 + k, 60, 0, 40, k, 1);
        for (size_t i = 0; i < 20; i++) /* queries planted near targets */
            set_add(&q, t.seqs[i * 7].ptr, t.seqs[i * 7].len > 0 ? t.seqs[i * 7].len - 1 : 0);
        hits got = {0}, want = {0};
        brute_query(&q, &t, k, &want);
        cr_assert_eq(wq_search_query(pool, q.seqs, q.n, t.seqs, t.n, k, collect, &got), 0);
        assert_same(&got, &want, "query", k);
        free(got.h);
        free(want.h);
        set_free(&t);
        set_free(&q);
    }
}

Test(search, query_no_limit_is_every_pair, .timeout = 30) {
    set t = {0}, q = {0};
    make_set(&t, 900, 50, 0, 20, 1, 0);
    make_set(&q, 901, 20, 0, 20, 1, 0);
    hits got = {0}, want = {0};
    brute_query(&q, &t, WQ_LEV_NO_LIMIT, &want);
    cr_assert_eq(want.n, q.n * t.n);
    cr_assert_eq(wq_search_query(pool, q.seqs, q.n, t.seqs, t.n, WQ_LEV_NO_LIMIT, collect, &got),
                 0);
    assert_same(&got, &want, "query no limit", 0);
    free(got.h);
    free(want.h);
    set_free(&t);
    set_free(&q);
}

/* ------------------------------------------------------------ clusters -- */

static size_t find(size_t *p, size_t x) {
    while (p[x] != x)
        x = p[x];
    return x;
}

Test(search, clusters_equal_union_find_of_brute_force, .timeout = 60) {
    for (size_t k = 0; k <= 4; k++) {
        set s = {0};
        make_set(&s, 1000 + k, 300, 0, 36, k, 0);
        hits want = {0};
        brute_pairs(&s, k, &want);
        size_t *p = malloc(s.n * sizeof *p), *label = malloc(s.n * sizeof *label);
        cr_assert(p && label);
        for (size_t i = 0; i < s.n; i++)
            p[i] = i;
        for (size_t e = 0; e < want.n; e++) {
            size_t a = find(p, want.h[e].i), b = find(p, want.h[e].j);
            if (a < b)
                p[b] = a;
            else
                p[a] = b;
        }
        cr_assert_eq(wq_search_clusters(pool, s.seqs, s.n, k, label, NULL, NULL), 0);
        for (size_t i = 0; i < s.n; i++)
            cr_assert_eq(label[i], find(p, i), "k=%zu: label[%zu] = %zu, union-find %zu", k, i,
                         label[i], find(p, i));
        free(p);
        free(label);
        free(want.h);
        set_free(&s);
    }
}

/* --------------------------------------------------------- the contract -- */

Test(search, callback_stop_value_is_returned, .timeout = 30) {
    set s = {0};
    make_set(&s, 1100, 600, 10, 12, 2, 0);
    hits got = {0};
    got.stop_after = 5;
    cr_assert_eq(wq_search_pairs(pool, s.seqs, s.n, 2, collect, &got), 7);
    hits want = {0};
    brute_pairs(&s, 2, &want);
    cr_assert_gt(want.n, got.n, "the search went on after the stop");
    for (size_t e = 0; e < got.n; e++) /* what came is a prefix */
        cr_assert(got.h[e].i == want.h[e].i && got.h[e].j == want.h[e].j);
    free(got.h);
    free(want.h);
    set_free(&s);
}

Test(search, empty_and_invalid, .timeout = 10) {
    hits got = {0};
    cr_assert_eq(wq_search_pairs(pool, NULL, 0, 1, collect, &got), 0);
    cr_assert_eq(got.n, 0);
    wq_seq one = {"ACGT", 4};
    cr_assert_eq(wq_search_pairs(pool, &one, 1, 1, collect, &got), 0);
    cr_assert_eq(got.n, 0);
    cr_assert_eq(wq_search_pairs(NULL, &one, 1, 1, collect, &got), EINVAL);
    cr_assert_eq(wq_search_pairs(pool, NULL, 1, 1, collect, &got), EINVAL);
    cr_assert_eq(wq_search_pairs(pool, &one, 1, 1, NULL, &got), EINVAL);
    cr_assert_eq(wq_search_query(pool, NULL, 1, &one, 1, 1, collect, &got), EINVAL);
    cr_assert_eq(wq_search_query(pool, &one, 1, NULL, 1, 1, collect, &got), EINVAL);
    size_t label[1] = {99};
    cr_assert_eq(wq_search_clusters(pool, &one, 1, 1, NULL, NULL, NULL), EINVAL);
    cr_assert_eq(wq_search_clusters(pool, &one, 1, 1, label, NULL, NULL), 0);
    cr_assert_eq(label[0], 0);
}

/* ---------------------------------------------------------- the shares -- */

/* The hits of chunk c (i in [c * chunk, (c + 1) * chunk)) from a. */
static void append_chunk(hits *out, const hits *a, size_t chunk, size_t c) {
    for (size_t e = 0; e < a->n; e++)
        if (a->h[e].i / chunk == c)
            hits_push(out, a->h[e]);
}

/* Shares merged chunk by chunk equal the whole search, hit for hit. */
Test(search, shares_merge_to_the_whole, .timeout = 60) {
    set s = {0}, q = {0};
    make_set(&s, 1200, 300, 20, 40, 2, 0);
    make_set(&q, 1201, 90, 20, 40, 2, 0);
    for (size_t i = 0; i < 30; i++) /* repeats, so the shares split duplicates */
        set_add(&s, s.seqs[i * 5].ptr, s.seqs[i * 5].len);
    for (size_t i = 0; i < 60; i++) /* queries near targets */
        set_add(&q, s.seqs[i * 4].ptr, s.seqs[i * 4].len - 1);
    for (int query = 0; query < 2; query++) {
        hits whole = {0};
        size_t n = query ? q.n : s.n;
        if (query)
            cr_assert_eq(wq_search_query(pool, q.seqs, q.n, s.seqs, s.n, 2, collect, &whole), 0);
        else
            cr_assert_eq(wq_search_pairs(pool, s.seqs, s.n, 2, collect, &whole), 0);
        cr_assert_gt(whole.n, 50, "%zu hits", whole.n);
        for (size_t ns = 1; ns <= 3; ns++) {
            size_t chunk = 7 + ns;
            hits part[3] = {{0}}, merged = {0};
            for (size_t r = 0; r < ns; r++) {
                wq_search_share sh = {chunk, ns, r};
                int rc = query
                             ? wq_search_query_share(pool, q.seqs, q.n, s.seqs, s.n, 2, &sh,
                                                     collect, &part[r])
                             : wq_search_pairs_share(pool, s.seqs, s.n, 2, &sh, collect, &part[r]);
                cr_assert_eq(rc, 0);
                if (ns > 1)
                    cr_assert_gt(part[r].n, 0, "share %zu of %zu found nothing", r, ns);
                for (size_t e = 0; e < part[r].n; e++)
                    cr_assert_eq(part[r].h[e].i / chunk % ns, r, "a hit outside the share");
            }
            for (size_t c = 0; c * chunk < n; c++)
                append_chunk(&merged, &part[c % ns], chunk, c);
            assert_same(&merged, &whole, query ? "query shares" : "pair shares", ns);
            for (size_t r = 0; r < ns; r++)
                free(part[r].h);
            free(merged.h);
        }
        free(whole.h);
    }
    wq_search_share bad = {0, 2, 0};
    hits got = {0};
    cr_assert_eq(wq_search_pairs_share(pool, s.seqs, s.n, 2, &bad, collect, &got), EINVAL);
    bad = (wq_search_share){4, 2, 2};
    cr_assert_eq(wq_search_links(pool, s.seqs, s.n, 2, &bad, collect, &got), EINVAL);
    set_free(&s);
    set_free(&q);
}

/* The links of every share, united, give wq_search_clusters' labels. */
Test(search, links_unite_to_the_clusters, .timeout = 60) {
    for (size_t k = 0; k <= 3; k++) {
        set s = {0};
        make_set(&s, 1300 + k, 300, 0, 36, k, 0);
        size_t *label = malloc(s.n * sizeof *label), *p = malloc(s.n * sizeof *p);
        cr_assert(label && p);
        cr_assert_eq(wq_search_clusters(pool, s.seqs, s.n, k, label, NULL, NULL), 0);
        for (size_t ns = 1; ns <= 3; ns++) {
            for (size_t i = 0; i < s.n; i++)
                p[i] = i;
            for (size_t r = 0; r < ns; r++) {
                hits got = {0};
                wq_search_share sh = {16, ns, r};
                cr_assert_eq(wq_search_links(pool, s.seqs, s.n, k, &sh, collect, &got), 0);
                for (size_t e = 0; e < got.n; e++) {
                    cr_assert_lt(got.h[e].i, got.h[e].j);
                    cr_assert_leq(got.h[e].distance, k);
                    size_t a = find(p, got.h[e].i), b = find(p, got.h[e].j);
                    if (a < b)
                        p[b] = a;
                    else
                        p[a] = b;
                }
                free(got.h);
            }
            for (size_t i = 0; i < s.n; i++)
                cr_assert_eq(find(p, i), label[i], "k=%zu shares %zu: label[%zu]", k, ns, i);
        }
        free(label);
        free(p);
        set_free(&s);
    }
}
