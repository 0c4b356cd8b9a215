/*
 * test_search_stop.c: the stop of workq/search.h in every phase. The
 * callback, called with n == 0 while the search works, returns a stop value
 * at its first call in a chosen phase (the phase comes from wq__poll_phase,
 * so search.c and search_index.c are compiled in). The search must then
 * return that value, never call back again, and have delivered a prefix of
 * the hits of a full run. The sets are sized so that each phase does many
 * slices of work (WQ__TICK units) and so must ask: a phase that never asks
 * fails the test. Under ASan the unwinding of each phase is checked for
 * leaks.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <workq/search.h>

#include "search_internal.h"
#include "test_pool_suite.h"
#include "test_seq.h"

WQT_POOL_SUITE(search_stop, 2);

/* n sequences of len bytes back to back in buf (test_seq.h): a tenth exact
 * copies of an earlier one, a tenth with one substitution (hits at
 * k >= 1). */
typedef struct set {
    kseq_set g;
    char *buf;
    wq_seq *seqs;
    size_t n;
} set;

static set make_set(uint64_t seed, size_t n, size_t len) {
    kseq_set_spec sp = {.n = n,
                        .lmin = len,
                        .lmax = len,
                        .sigma = 4 | KSEQ_UPPER,
                        .near_pm = 100,
                        .copy_pm = 100,
                        .edits = 1,
                        .subst_only = 1};
    set s = {kseq_set_make(seed, &sp), NULL, malloc(n * sizeof(wq_seq)), n};
    cr_assert_not_null(s.seqs);
    s.buf = (char *)s.g.buf;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(s.g.off[i], i * len);
        s.seqs[i] = (wq_seq){s.buf + s.g.off[i], len};
    }
    return s;
}

static void set_free(set *s) {
    kseq_set_free(&s->g);
    free(s->seqs);
}

/* What the callback saw. */
typedef struct seen {
    int stop_phase;     /* stop at the first poll in this phase (0: never) */
    size_t polls[8];    /* polls per phase */
    size_t calls_after; /* calls after the stop: must stay 0 */
    size_t bad;         /* polls without a phase, hits inside a poll */
    int stopped;
    wq_hit *h;
    size_t n, cap;
} seen;

enum { STOP = 42 };

static int on_call(void *ctx, const wq_hit *h, size_t n) {
    seen *s = ctx;
    if (s->stopped) {
        s->calls_after++;
        return STOP;
    }
    if (n == 0) {
        if (wq__poll_phase < WQ__PH_UNIQ || wq__poll_phase > WQ__PH_LABELS) {
            s->bad++;
            return 0;
        }
        s->polls[wq__poll_phase]++;
        if (wq__poll_phase == s->stop_phase) {
            s->stopped = 1;
            return STOP;
        }
        return 0;
    }
    s->bad += wq__poll_phase != 0;
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2;
        wq_hit *g = realloc(s->h, s->cap * sizeof *s->h);
        if (g == NULL)
            return ENOMEM;
        s->h = g;
    }
    memcpy(s->h + s->n, h, n * sizeof *h);
    s->n += n;
    return 0;
}

typedef enum kind { PAIRS, QUERY, CLUSTERS } kind;

static int run(kind kd, const set *a, const set *b, size_t k, seen *s, size_t *label) {
    switch (kd) {
    case PAIRS:
        return wq_search_pairs(pool, a->seqs, a->n, k, on_call, s);
    case QUERY:
        return wq_search_query(pool, a->seqs, a->n, b->seqs, b->n, k, on_call, s);
    default:
        return wq_search_clusters(pool, a->seqs, a->n, k, label, on_call, s);
    }
}

static const char *phase_name(int ph) {
    static const char *names[] = {"-", "uniq", "build", "dups", "probe", "labels"};
    return names[ph];
}

/* A full run, then one run stopped in each phase of phases[0..np). */
static void check_stops(kind kd, const set *a, const set *b, size_t k, const int *phases,
                        size_t np) {
    size_t *label = malloc((a->n ? a->n : 1) * sizeof *label);
    cr_assert_not_null(label);
    seen full = {0};
    cr_assert_eq(run(kd, a, b, k, &full, label), 0);
    cr_assert_eq(full.bad, 0);
    for (size_t p = 0; p < np; p++) {
        int ph = phases[p];
        cr_assert_gt(full.polls[ph], 2, "phase %s asked %zu times in a full run", phase_name(ph),
                     full.polls[ph]);
        seen s = {.stop_phase = ph};
        cr_assert_eq(run(kd, a, b, k, &s, label), STOP, "stopped in %s", phase_name(ph));
        cr_assert(s.stopped);
        cr_assert_eq(s.bad, 0);
        cr_assert_eq(s.calls_after, 0, "%zu calls after the stop in %s", s.calls_after,
                     phase_name(ph));
        for (int later = ph + 1; later <= WQ__PH_LABELS; later++)
            cr_assert_eq(s.polls[later], 0, "stopped in %s, polled in %s", phase_name(ph),
                         phase_name(later));
        cr_assert_leq(s.n, full.n);
        for (size_t e = 0; e < s.n; e++) /* a prefix of the full run's hits */
            cr_assert(s.h[e].i == full.h[e].i && s.h[e].j == full.h[e].j &&
                          s.h[e].distance == full.h[e].distance,
                      "stopped in %s: hit %zu differs", phase_name(ph), e);
        if (ph < WQ__PH_PROBE)
            cr_assert_eq(s.n, 0, "hits before the probes");
        free(s.h);
    }
    free(full.h);
    free(label);
}

/* 12,000 200-mers: each phase is many slices of work. */
Test(search_stop, pairs_every_phase, .timeout = 120) {
    set a = make_set(1, 12000, 200);
    const int ph[] = {WQ__PH_UNIQ, WQ__PH_BUILD, WQ__PH_DUPS, WQ__PH_PROBE};
    check_stops(PAIRS, &a, NULL, 2, ph, 4);
    set_free(&a);
}

Test(search_stop, query_every_phase, .timeout = 120) {
    set t = make_set(2, 12000, 200), q = make_set(3, 3000, 200);
    for (size_t i = 0; i < q.n; i += 3) /* queries near targets */
        memcpy(q.buf + i * 200, t.buf + (i * 7 % t.n) * 200, 199);
    const int ph[] = {WQ__PH_UNIQ, WQ__PH_BUILD, WQ__PH_PROBE};
    check_stops(QUERY, &q, &t, 2, ph, 3);
    set_free(&t);
    set_free(&q);
}

/* Labels cost about a cache miss each: 60,000 of them. */
Test(search_stop, clusters_every_phase, .timeout = 120) {
    set a = make_set(4, 60000, 40);
    const int ph[] = {WQ__PH_UNIQ, WQ__PH_BUILD, WQ__PH_PROBE, WQ__PH_LABELS};
    check_stops(CLUSTERS, &a, NULL, 1, ph, 4);
    set_free(&a);
}

/* Length 12 at k = 3: segments of 3 bytes, so the class is compared pair
 * by pair (the brute force inside the search), which must ask too. */
Test(search_stop, brute_force_class, .timeout = 120) {
    set a = make_set(5, 3000, 12);
    const int ph[] = {WQ__PH_PROBE};
    check_stops(PAIRS, &a, NULL, 3, ph, 1);
    const int cph[] = {WQ__PH_PROBE};
    check_stops(CLUSTERS, &a, NULL, 3, cph, 1);
    set_free(&a);
}
