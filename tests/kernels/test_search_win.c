/*
 * test_search_win.c: the probe by table region (wq__win_build and
 * wq__win_probe, internal, so search.c and search_index.c are compiled in)
 * against the direct probe (wq__sidx_probe), and the searches through it
 * against the searches without it.
 *
 * wq__search_tune lowers the sizes so that small sets cross every
 * boundary: every class is large (part_min 0), regions of 16 slots up to a
 * whole sub-table (keys in 4, 8 or thousands of parts), windows of one
 * block up to all probes, chunks of probes uneven (n not a multiple of
 * 1024), and windows that look up only some classes by region (the
 * largest from part_min, the next from part_also) and probe the others
 * directly. Sets: empty, one and five sequences, many exact repeats, mixed
 * lengths with empty ones and classes too short to index, crowded buckets
 * over two letters (classes taken whole; and a window that gives up).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include <workq/search.h>

#include "search_internal.h"
#include "test_pool_suite.h"
#include "test_seq.h"

WQT_POOL_SUITE(search_win, 2);

typedef struct wcase {
    size_t n, lmin, lmax, k;
    unsigned sigma, near_pm, copy_pm;
    size_t region; /* slots per region */
    int direct;    /* the window must give up (crowded buckets) */
    int whole;     /* some probe must take its class whole */
} wcase;

/* A set of wcase's sequences; free seqs and g. */
static wq_seq *make_seqs(const wcase *c, kseq_set *g) {
    kseq_set_spec sp = {.n = c->n,
                        .lmin = c->lmin,
                        .lmax = c->lmax,
                        .sigma = c->sigma | KSEQ_UPPER,
                        .near_pm = c->near_pm,
                        .copy_pm = c->copy_pm,
                        .edits = c->k ? c->k : 1};
    *g = kseq_set_make(c->n * 31 + c->lmax * 7 + c->k, &sp);
    wq_seq *seqs = malloc((c->n + 1) * sizeof *seqs);
    cr_assert_not_null(seqs);
    for (size_t i = 0; i < c->n; i++)
        seqs[i] = (wq_seq){(const char *)g->buf + g->off[i], g->off[i + 1] - g->off[i]};
    return seqs;
}

/* The window's probes: uniques from, from + 1, ..., each keeping the
 * uniques after it and those whose last member is after its first (the
 * keep of all pairs with duplicates). */
typedef struct wprobes {
    const wq__uniq *q;
    uint32_t from;
} wprobes;

static int probe_of(const void *ctx, size_t pi, const unsigned char **r, size_t *m, wq__keep *kp) {
    const wprobes *p = ctx;
    uint32_t u = p->from + (uint32_t)pi;
    const wq_seq *s = wq__uniq_seq(p->q, u);
    *r = (const unsigned char *)s->ptr;
    *m = s->len;
    /* half the probes with the duplicates' bitmap, half without: the same */
    *kp = (wq__keep){u, u + 1, p->q->last, p->q->first[u], u % 2 ? p->q->multi : NULL};
    return u % 7 != 3; /* some probes skipped */
}

static size_t last_span; /* the span of check_window's last window */

/* Probes [from, from + n) of x as one window: each one's candidates equal
 * the direct probe's. Returns whether the window gave up; *whole counts
 * the probes' classes taken whole. */
static int check_window(const wq__sidx *x, uint32_t from, size_t n, size_t *whole) {
    wprobes p = {x->q, from};
    wq__win w;
    memset(&w, 0, sizeof w);
    cr_assert_eq(wq__win_build(pool, x, &w, n, probe_of, &p), 0);
    wq__u32v got = {0}, want = {0};
    for (size_t pi = 0; pi < n; pi++) {
        const unsigned char *r;
        size_t m;
        wq__keep kp;
        if (!probe_of(&p, pi, &r, &m, &kp))
            continue;
        got.n = want.n = 0;
        cr_assert_eq(wq__win_probe(x, &w, pi, r, m, &kp, &got), 0);
        cr_assert_eq(wq__sidx_probe(x, r, m, &kp, &want), 0);
        cr_assert_eq(got.n, want.n, "probe %zu of [%u, +%zu): %zu candidates, expected %zu", pi,
                     from, n, got.n, want.n);
        for (size_t e = 0; e < got.n; e++)
            cr_assert_eq(got.v[e], want.v[e], "probe %zu, candidate %zu: %u, expected %u", pi, e,
                         got.v[e], want.v[e]);
    }
    int direct = w.direct;
    last_span = w.span;
    for (size_t s = 0; !direct && s < n * w.span; s++)
        *whole += w.reads[s] >= x->q->nu; /* one class, or a bound above all */
    free(got.v);
    free(want.v);
    wq__win_free(&w);
    return direct;
}

ParameterizedTestParameters(search_win, probe_equals_direct) {
    static wcase cases[] = {
        {0, 10, 10, 2, 4, 0, 0, 16, 0, 0},
        {1, 30, 30, 2, 4, 0, 0, 16, 0, 0},
        {5, 12, 12, 1, 4, 500, 0, 16, 0, 0},
        {3000, 30, 30, 2, 4, 100, 100, 16, 0, 0},      /* thousands of parts */
        {3000, 30, 30, 2, 4, 100, 100, 1 << 20, 0, 0}, /* one region per sub-table */
        {2500, 28, 32, 2, 4, 300, 0, 64, 0, 0},        /* mixed lengths: several large classes */
        {4000, 0, 40, 3, 4, 200, 600, 32, 0, 0},       /* empty and unindexed classes, repeats */
        {2100, 60, 64, 4, 4, 300, 100, 128, 0, 0},     /* long segments, k = 4 */
        {600, 24, 24, 5, 2, 0, 0, 16, 0, 1},           /* two letters: the class taken whole */
        {6000, 16, 16, 3, 2, 0, 0, 64, 1, 0},          /* crowded: the window gives up */
    };
    return cr_make_param_array(wcase, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(wcase *c, search_win, probe_equals_direct, .timeout = 60) {
    kseq_set g;
    wq_seq *seqs = make_seqs(c, &g);
    wq__tune saved = wq__search_tune;
    wq__search_tune = (wq__tune){0, 0, c->region, 0};
    wq__stop st;
    cr_assert_eq(wq__stop_init(&st, NULL, NULL), 0);
    wq__uniq q;
    wq__sidx x;
    cr_assert_eq(wq__uniq_build(pool, &q, seqs, c->n, &st), 0);
    cr_assert_eq(wq__sidx_build(pool, &x, &q, c->k < q.maxlen ? c->k : q.maxlen, &st), 0);
    int regional = wq__sidx_regional(&x);
    cr_assert_eq(regional, c->n > 0 && q.maxlen / (x.k + 1) >= 4, "regional %d", regional);
    /* the whole set, then windows of uneven sizes (reusing nothing) */
    size_t whole = 0;
    cr_assert_eq(check_window(&x, 0, q.nu, &whole), c->direct || !regional,
                 "%zu sequences of %zu..%zu, k %zu: the window gave up %s", c->n, c->lmin, c->lmax,
                 c->k, c->direct || !regional ? "too rarely" : "where it must not");
    if (c->whole)
        cr_assert_gt(whole, 0, "no class taken whole");
    for (uint32_t a = 0, step = 700; regional && !c->direct && a < q.nu; a += step, step += 333)
        cr_assert_eq(check_window(&x, a, q.nu - a < step ? q.nu - a : step, &whole), 0);
    wq__search_tune = saved;
    wq__sidx_free(&x);
    wq__uniq_free(&q);
    wq__stop_destroy(&st);
    free(seqs);
    kseq_set_free(&g);
}

/* The slots of one sub-table of the largest class of seqs' index at k
 * (under the default tune); *nidx (if set): its indexed classes. */
static size_t largest_table(const wq_seq *seqs, size_t n, size_t k, size_t *nidx) {
    wq__stop st;
    cr_assert_eq(wq__stop_init(&st, NULL, NULL), 0);
    wq__uniq q;
    wq__sidx x;
    cr_assert_eq(wq__uniq_build(pool, &q, seqs, n, &st), 0);
    cr_assert_eq(wq__sidx_build(pool, &x, &q, k, &st), 0);
    size_t slots = 0, indexed = 0;
    for (size_t c = 0; c < x.nclass; c++) {
        indexed += x.cls[c].indexed != 0;
        if (x.cls[c].indexed && x.cls[c].mask + 1 > slots)
            slots = x.cls[c].mask + 1;
    }
    if (nidx != NULL)
        *nidx = indexed;
    wq__sidx_free(&x);
    wq__uniq_free(&q);
    wq__stop_destroy(&st);
    return slots;
}

/* Windows that look up only some classes by region (the largest from
 * part_min, more from part_also) and probe the others directly give each
 * probe the direct probe's candidates. */
Test(search_win, some_classes_by_region, .timeout = 60) {
    static const wcase c = {6000, 30, 30, 2, 4, 100, 100, 64, 0, 0}; /* lengths 28 to 32 */
    kseq_set g;
    wq_seq *seqs = make_seqs(&c, &g);
    size_t nidx, main_slots = largest_table(seqs, c.n, c.k, &nidx);
    cr_assert_geq(nidx, 5, "%zu indexed classes", nidx);
    /* part_min: one sub-table of the largest (its whole table is 4 of them):
     * the largest alone; then with 29 and 31 (tables 2^-5 of 30's); all */
    const size_t also[] = {(size_t)-1, main_slots / 4, 0};
    size_t span[3];
    for (size_t t = 0; t < sizeof also / sizeof also[0]; t++) {
        wq__tune saved = wq__search_tune;
        wq__search_tune = (wq__tune){0, main_slots, c.region, also[t]};
        wq__stop st;
        cr_assert_eq(wq__stop_init(&st, NULL, NULL), 0);
        wq__uniq q;
        wq__sidx x;
        cr_assert_eq(wq__uniq_build(pool, &q, seqs, c.n, &st), 0);
        cr_assert_eq(wq__sidx_build(pool, &x, &q, c.k, &st), 0);
        wq__search_tune = saved;
        cr_assert(wq__sidx_regional(&x));
        size_t whole = 0;
        cr_assert_eq(check_window(&x, 0, q.nu, &whole), 0);
        span[t] = last_span;
        for (uint32_t a = 0, step = 700; a < q.nu; a += step, step += 333)
            cr_assert_eq(check_window(&x, a, q.nu - a < step ? q.nu - a : step, &whole), 0);
        wq__sidx_free(&x);
        wq__uniq_free(&q);
        wq__stop_destroy(&st);
    }
    cr_assert(span[0] == 1 && span[1] > span[0] && span[2] > span[1], "spans %zu, %zu, %zu",
              span[0], span[1], span[2]);
    free(seqs);
    kseq_set_free(&g);
}

/* ---------------------------------- the searches, by region or not -- */

typedef struct hits {
    wq_hit *h;
    size_t n, cap;
} hits;

static int collect(void *ctx, const wq_hit *h, size_t n) {
    hits *a = ctx;
    for (size_t e = 0; e < n; e++) {
        if (a->n == a->cap) {
            a->cap = a->cap ? 2 * a->cap : 256;
            a->h = realloc(a->h, a->cap * sizeof *a->h);
            cr_assert_not_null(a->h);
        }
        a->h[a->n++] = h[e];
    }
    return 0;
}

static void assert_same_hits(const hits *got, const hits *want, const char *what) {
    cr_assert_eq(got->n, want->n, "%s: %zu hits, expected %zu", what, got->n, want->n);
    for (size_t e = 0; e < got->n; e++)
        cr_assert(got->h[e].i == want->h[e].i && got->h[e].j == want->h[e].j &&
                      got->h[e].distance == want->h[e].distance,
                  "%s: hit %zu is (%zu, %zu, %zu), expected (%zu, %zu, %zu)", what, e, got->h[e].i,
                  got->h[e].j, got->h[e].distance, want->h[e].i, want->h[e].j, want->h[e].distance);
}

enum { S_PAIRS, S_QUERY, S_LINKS, S_SHARE, S_CLUSTER };

/* One search of seqs (queries: the first nq of them) under tune t. */
static void search_with(wq__tune t, int what, const wq_seq *seqs, size_t n, size_t k, hits *out) {
    wq__tune saved = wq__search_tune;
    wq__search_tune = t;
    wq_search_share sh = {300, 2, 1}, all = {1, 1, 0};
    int rc = 0;
    if (what == S_PAIRS)
        rc = wq_search_pairs(pool, seqs, n, k, collect, out);
    else if (what == S_QUERY)
        rc = wq_search_query(pool, seqs, n / 3, seqs + n / 3, n - n / 3, k, collect, out);
    else if (what == S_LINKS)
        rc = wq_search_links(pool, seqs, n, k, &all, collect, out);
    else if (what == S_SHARE)
        rc = wq_search_pairs_share(pool, seqs, n, k, &sh, collect, out);
    else {
        size_t *label = malloc((n + 1) * sizeof *label);
        cr_assert_not_null(label);
        rc = wq_search_clusters(pool, seqs, n, k, label, NULL, NULL);
        for (size_t i = 0; rc == 0 && i < n; i++)
            collect(out, &(wq_hit){i, label[i], 0}, 1);
        free(label);
    }
    wq__search_tune = saved;
    cr_assert_eq(rc, 0);
}

/* Every search, by region with windows of every size, gives the bytes of
 * the direct search (which test_search checks against the brute force). */
Test(search_win, searches_equal_direct, .timeout = 120) {
    static const wcase sets[] = {
        {6000, 30, 30, 2, 4, 100, 100, 0, 0, 0}, /* planted neighbours, repeats */
        {3000, 26, 34, 2, 4, 300, 300, 0, 0, 0}, /* mixed lengths, many repeats */
    };
    static const size_t windows[] = {1, 257, 2000, 0};
    const wq__tune direct = {0, (size_t)-1, 1u << 15, (size_t)-1};
    for (size_t si = 0; si < sizeof sets / sizeof sets[0]; si++) {
        kseq_set g;
        wq_seq *seqs = make_seqs(&sets[si], &g);
        size_t main_slots = largest_table(seqs, sets[si].n, sets[si].k, NULL);
        for (int what = S_PAIRS; what <= S_CLUSTER; what++) {
            hits want = {0};
            search_with(direct, what, seqs, sets[si].n, sets[si].k, &want);
            cr_assert_gt(want.n, 100, "set %zu, search %d: %zu hits", si, what, want.n);
            for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++) {
                hits got = {0};
                search_with((wq__tune){windows[wi], 0, 16 << wi, 0}, what, seqs, sets[si].n,
                            sets[si].k, &got);
                assert_same_hits(&got, &want, "by region");
                free(got.h);
                /* the largest class by region, the others probed directly */
                got = (hits){0};
                search_with((wq__tune){windows[wi], main_slots, 16 << wi, (size_t)-1}, what, seqs,
                            sets[si].n, sets[si].k, &got);
                assert_same_hits(&got, &want, "the largest class by region");
                free(got.h);
            }
            free(want.h);
        }
        free(seqs);
        kseq_set_free(&g);
    }
}
