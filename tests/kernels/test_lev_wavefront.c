/* The per-pair method choice of the Levenshtein kernel (issue 9) against the
 * O(nm) dynamic programme: the wavefront on its own (exact under its cap,
 * cap + 1 above it, and a give-up that proves its lower bound, at every
 * budget), and the public entry points on mutated pairs at 0.1, 1, 5 and
 * 20 per cent and unrelated pairs, on both sides of the switch from the
 * wavefront to the bit-parallel pass. wavefront.c is compiled into this
 * test, so its internal entry point is reachable in shared builds too. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <workq/kernels.h>

#include "kernels_internal.h"
#include "test_levels.h"
#include "test_rand.h"
#include "test_seq.h"

/* ------------------------------------------------------------ helpers -- */

/* b = a with random edits (substitute, insert, delete) at pm per mille of
 * the positions, or an unrelated string of the same length when pm is 0;
 * returns the length of b (at most 2n). */
static size_t derive(uint64_t *st, const unsigned char *a, size_t n, unsigned char *b, unsigned pm,
                     unsigned sigma) {
    if (pm == 0) {
        kseq_fill(st, b, n, sigma);
        return n;
    }
    return kseq_mutate_pm(st, a, n, b, pm, sigma);
}

/* The public entry points against the reference, with limits at, below and
 * above the distance. */
static void check_public(const unsigned char *a, size_t n, const unsigned char *b, size_t m,
                         size_t ref) {
    size_t ks[] = {WQ_LEV_NO_LIMIT, ref, ref + 1, ref ? ref - 1 : 0, ref / 2};
    for (size_t t = 0; t < sizeof ks / sizeof *ks; t++) {
        size_t k = ks[t], want = ref <= k ? ref : k + 1;
        cr_assert_eq(wq_levenshtein(a, n, b, m, k), want, "n=%zu m=%zu k=%zu ref=%zu", n, m, k,
                     ref);
        cr_assert_eq(wq_levenshtein(b, m, a, n, k), want, "swapped n=%zu m=%zu k=%zu", n, m, k);
        wq_pair p = {(const char *)a, (const char *)b, n, m};
        size_t d = 0;
        cr_assert_eq(wq_levenshtein_batch(&p, &d, 1, &(wq_lev_opts){k}), 0);
        cr_assert_eq(d, want, "batch n=%zu m=%zu k=%zu", n, m, k);
    }
}

/* The wavefront's contract for one pair (shorter side first) and budget. */
static void check_wavefront(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                            size_t ref, size_t cap, double budget) {
    size_t lower = 0;
    size_t d = wq__lev_wavefront(x, n, y, m, cap, budget, &lower);
    cr_assert_neq(d, WQ_LEV_NO_LIMIT, "out of memory");
    if (d == WQ__WF_GAVE_UP)
        cr_assert_lt(lower, ref, "gave up proving D > %zu, but D = %zu", lower, ref);
    else
        cr_assert_eq(d, ref <= cap ? ref : cap + 1, "n=%zu m=%zu cap=%zu budget=%g", n, m, cap,
                     budget);
}

/* ------------------------------------------------------ the wavefront -- */

/* Unlimited budget: exact at every cap around the distance, over lengths
 * 0..2000 (both sides of the 8-byte compares' end handling), alphabets and
 * rates. */
Test(lev_wavefront, exact_under_cap_and_cap_plus_one_above, .timeout = 60) {
    static const unsigned rates[] = {1, 10, 50, 200, 0};
    static const unsigned sigmas[] = {2, 4, 256};
    uint64_t st = 91;
    unsigned char *a = malloc(2001), *b = malloc(4002);
    cr_assert(a && b);
    unsigned long trials = 120 * kstress();
    for (unsigned long t = 0; t < trials; t++) {
        size_t n = t < 20 ? t : kbelow(&st, 2001);
        unsigned sigma = sigmas[t % 3];
        kseq_fill(&st, a, n, sigma);
        size_t m = derive(&st, a, n, b, rates[t % 5], sigma);
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n;
        size_t ref = wq_levenshtein_ref(x, xn, y, ym);
        check_wavefront(x, xn, y, ym, ref, WQ_LEV_NO_LIMIT, 1e30);
        check_wavefront(x, xn, y, ym, ref, ref, 1e30);
        if (ref > 0)
            check_wavefront(x, xn, y, ym, ref, ref - 1, 1e30);
        check_wavefront(x, xn, y, ym, ref, ref / 3, 1e30);
    }
    free(a);
    free(b);
}

/* Any budget, from none to plenty: the answer is exact or a give-up whose
 * lower bound holds, never a wrong distance. A zero budget still settles
 * every distance up to the first cost check (wavefront.c's WF_FIRST_LOOK, 2). */
Test(lev_wavefront, every_budget_is_exact_or_gives_up_soundly, .timeout = 60) {
    static const double budgets[] = {0, 1, 64, 500, 4000, 30000, 1e6};
    uint64_t st = 92;
    unsigned char *a = malloc(1500), *b = malloc(3001);
    cr_assert(a && b);
    unsigned long trials = 60 * kstress();
    for (unsigned long t = 0; t < trials; t++) {
        size_t n = 65 + kbelow(&st, 1400);
        kseq_fill(&st, a, n, 4);
        size_t m = derive(&st, a, n, b, (unsigned)kbelow(&st, 300), 4);
        if (m < n)
            continue;
        size_t ref = wq_levenshtein_ref(a, n, b, m);
        for (size_t i = 0; i < sizeof budgets / sizeof *budgets; i++)
            check_wavefront(a, n, b, m, ref, WQ_LEV_NO_LIMIT, budgets[i]);
        size_t lower = 0;
        size_t d = wq__lev_wavefront(a, n, b, m, WQ_LEV_NO_LIMIT, 0, &lower);
        if (ref <= 2)
            cr_assert_eq(d, ref);
    }
    free(a);
    free(b);
}

/* The first look (wavefront.c's WF_FIRST_LOOK) at a batch's budget for pairs
 * of 500 bytes (levenshtein.c's 0.2 cells a block): unrelated pairs give up
 * after one step each way (*lower is 2), nearly all of them; pairs at 2%
 * edits never do there (1000 of them: at 1 times the budget instead of 16,
 * about 1 in 200 would). Every answer is exact or a sound give-up, and the
 * batch, which hands the pairs given up to lev_multi, is exact. */
Test(lev_wavefront, first_look_gives_up_on_unrelated_pairs_only, .timeout = 60) {
    enum { N = 500, PAIRS = 100, RELATED = 1000 };
    static unsigned char a[2 * PAIRS][N], b[2 * PAIRS][2 * N], c[N], e[2 * N];
    wq_pair pairs[2 * PAIRS];
    size_t ref[2 * PAIRS], dist[2 * PAIRS], first_unrelated = 0;
    uint64_t st = 93;
    for (size_t p = 0; p < 2 * PAIRS; p++) {
        unsigned pm = p % 2 ? 20 : 0;
        kseq_fill(&st, a[p], N, 4);
        size_t m = derive(&st, a[p], N, b[p], pm, 4);
        const unsigned char *x = N <= m ? a[p] : b[p], *y = N <= m ? b[p] : a[p];
        size_t xn = N <= m ? N : m, ym = N <= m ? m : N, lower = 0;
        ref[p] = wq_levenshtein_ref(x, xn, y, ym);
        double budget = 0.2 * (double)((xn + 63) / 64) * (double)ym;
        check_wavefront(x, xn, y, ym, ref[p], WQ_LEV_NO_LIMIT, budget);
        size_t d = wq__lev_wavefront(x, xn, y, ym, WQ_LEV_NO_LIMIT, budget, &lower);
        if (!pm)
            first_unrelated += d == WQ__WF_GAVE_UP && lower == 2;
        pairs[p] = (wq_pair){(const char *)a[p], (const char *)b[p], N, m};
    }
    /* 4000 such pairs: 1% of the estimates fall below the look's slack. */
    cr_assert_geq(first_unrelated, PAIRS * 9 / 10, "%zu of %d", first_unrelated, PAIRS);
    cr_assert_eq(wq_levenshtein_batch(pairs, dist, 2 * PAIRS, NULL), 0);
    for (size_t p = 0; p < 2 * PAIRS; p++)
        cr_assert_eq(dist[p], ref[p], "batch pair %zu", p);
    for (size_t p = 0; p < RELATED; p++) {
        kseq_fill(&st, c, N, 4);
        size_t m = derive(&st, c, N, e, 20, 4);
        const unsigned char *x = N <= m ? c : e, *y = N <= m ? e : c;
        size_t xn = N <= m ? N : m, ym = N <= m ? m : N, lower = 0;
        double budget = 0.2 * (double)((xn + 63) / 64) * (double)ym;
        size_t d = wq__lev_wavefront(x, xn, y, ym, WQ_LEV_NO_LIMIT, budget, &lower);
        cr_assert(d != WQ__WF_GAVE_UP || lower != 2, "pair %zu at 2%% given up at the first look",
                  p);
    }
}

/* Strings that match all the way except near the ends, where the 8-byte
 * compares must hand over to the bounded loop without reading past either
 * string (ASan checks the reads: the copies are exactly n and m bytes). */
Test(lev_wavefront, edits_at_the_ends_of_exact_size_copies, .timeout = 60) {
    uint64_t st = 93;
    for (size_t n = 0; n < 40; n++)
        for (size_t pos = 0; pos <= n; pos++)
            for (int kind = 0; kind < 3; kind++) {
                unsigned char *a = malloc(n + 1), *b = malloc(n + 2);
                cr_assert(a && b);
                kseq_fill(&st, a, n, 4);
                size_t m = 0;
                for (size_t i = 0; i <= n; i++) {
                    if (i == pos && kind == 0)
                        b[m++] = 'x'; /* insert */
                    if (i == pos && kind == 1 && i < n)
                        continue; /* delete */
                    if (i == pos && kind == 2 && i < n) {
                        b[m++] = 'x'; /* substitute */
                        continue;
                    }
                    if (i < n)
                        b[m++] = a[i];
                }
                unsigned char *x = malloc(n ? n : 1), *y = malloc(m ? m : 1);
                cr_assert(x && y);
                memcpy(x, a, n);
                memcpy(y, b, m);
                size_t ref = wq_levenshtein_ref(x, n, y, m);
                if (n <= m)
                    check_wavefront(x, n, y, m, ref, WQ_LEV_NO_LIMIT, 1e30);
                else
                    check_wavefront(y, m, x, n, ref, WQ_LEV_NO_LIMIT, 1e30);
                free(a), free(b), free(x), free(y);
            }
}

/* ------------------------------------------------ the method choice -- */

/* Mutated pairs at 0.1, 1, 5 and 20 per cent and unrelated pairs, lengths
 * 0..2000, through the public entry points. */
Test(lev_wavefront, public_entry_points_on_mutated_and_unrelated_pairs, .timeout = 60) {
    static const unsigned rates[] = {1, 10, 50, 200, 0};
    uint64_t st = 94;
    unsigned char *a = malloc(2001), *b = malloc(4002);
    cr_assert(a && b);
    unsigned long trials = 60 * kstress();
    for (unsigned long t = 0; t < trials; t++) {
        size_t n = kbelow(&st, 2001);
        kseq_fill(&st, a, n, t % 2 ? 4 : 256);
        size_t m = derive(&st, a, n, b, rates[t % 5], t % 2 ? 4 : 256);
        check_public(a, n, b, m, wq_levenshtein_ref(a, n, b, m));
    }
    free(a);
    free(b);
}

/* Around the switch: DNA pairs at rates from 5 to 40 per cent, where the
 * wavefront's cost estimate crosses the bit-parallel pass's, and pattern
 * lengths 64 and 65 (one word, no wavefront) against longer texts. */
Test(lev_wavefront, both_sides_of_the_method_switch, .timeout = 60) {
    static const size_t lens[] = {64, 65, 130, 700, 1500};
    uint64_t st = 95;
    unsigned char *a = malloc(1500), *b = malloc(3001);
    cr_assert(a && b);
    unsigned long rounds = kstress();
    for (unsigned long r = 0; r < rounds; r++)
        for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
            for (unsigned pm = 50; pm <= 400; pm += 25) {
                kseq_fill(&st, a, lens[i], 4);
                size_t m = derive(&st, a, lens[i], b, pm, 4);
                check_public(a, lens[i], b, m, wq_levenshtein_ref(a, lens[i], b, m));
            }
    free(a);
    free(b);
}

/* ------------------------------------------------ the vector slides -- */

/* The slides at each dispatch level (scalar, AVX2, AVX-512; a level the
 * CPU lacks runs the best one below it) on copies that end at an
 * unreadable page, and on copies that start right after one (the backward
 * direction reads the strings from their ends, without a copy), so that a
 * read past either end of either string faults: lengths around the 8-byte
 * compares and the 4- and 8-lane steps, both directions of the search
 * (from 256 bytes), identical strings (every lane runs on), binary and
 * byte alphabets, and mutated, indel-heavy and unrelated pairs. */
/* A copy of some bytes in a mapping of its own (map, len), at `at`. */
typedef struct guarded {
    unsigned char *map, *at;
    size_t len;
} guarded;

/* A copy of p[0..n) beside an unreadable page: ending where the page
 * begins (lead 0), so that a read past it faults, gathers included (which
 * ASan does not check), or starting where it ends (lead 1), so that a read
 * before it faults. */
static guarded guard_copy_side(const unsigned char *p, size_t n, int lead) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE), data = (n + page - 1) / page * page;
    guarded g = {
        mmap(NULL, data + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), NULL,
        data + page};
    cr_assert(g.map != MAP_FAILED);
    cr_assert_eq(mprotect(lead ? g.map : g.map + data, page, PROT_NONE), 0);
    g.at = lead ? g.map + page : g.map + data - n;
    memcpy(g.at, p, n);
    return g;
}

/* A copy of p[0..n) that ends where an unreadable page begins. */
static guarded guard_copy(const unsigned char *p, size_t n) {
    return guard_copy_side(p, n, 0);
}

/* A pair for the sweeps below: a, n random bytes over sigma letters, and b,
 * its copy (rate 0), a copy with rate edits per mille, or unrelated (rate
 * 1000); x is the shorter, each against a guard page after it (lead 0) or
 * before it (lead 1). */
typedef struct sweep_pair {
    guarded x, y;
    size_t n, m; /* x's and y's lengths */
} sweep_pair;

static sweep_pair sweep_pair_make(uint64_t *st, unsigned char *a, unsigned char *b, size_t n,
                                  unsigned rate, unsigned sigma, int lead) {
    size_t m = n;
    kseq_fill(st, a, n, sigma);
    if (rate == 0)
        memcpy(b, a, n);
    else if (rate == 1000)
        kseq_fill(st, b, m = n + kbelow(st, 9), sigma);
    else
        m = derive(st, a, n, b, rate, sigma);
    const unsigned char *p = n <= m ? a : b, *q = n <= m ? b : a;
    size_t pn = n <= m ? n : m, qm = n <= m ? m : n;
    return (sweep_pair){guard_copy_side(p, pn, lead), guard_copy_side(q, qm, lead), pn, qm};
}

static void sweep_pair_free(sweep_pair *sp) {
    munmap(sp->x.map, sp->x.len);
    munmap(sp->y.map, sp->y.len);
}

WQT_AT_EACH_LEVEL(lev_wavefront, slides_at_each_level)

ParameterizedTest(int *level, lev_wavefront, slides_at_each_level, .timeout = 60) {
    static const size_t lens[] = {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 257, 600, 1100};
    static const unsigned rates[] = {0, 1, 10, 50, 200, 1000};
    static const unsigned sigmas[] = {2, 4, 256};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 96 + (uint64_t)*level;
    unsigned char *a = malloc(1100), *b = malloc(2201);
    cr_assert(a && b);
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
        for (size_t r = 0; r < sizeof rates / sizeof *rates; r++)
            for (size_t s = 0; s < 2 * sizeof sigmas / sizeof *sigmas; s++) {
                int lead = s % 2;
                unsigned sigma = sigmas[s / 2];
                sweep_pair sp = sweep_pair_make(&st, a, b, lens[i], rates[r], sigma, lead);
                size_t pn = sp.n, qm = sp.m;
                size_t ref = wq_levenshtein_ref(sp.x.at, pn, sp.y.at, qm), lower = 0;
                size_t d = wq__lev_wavefront_at(lv, sp.x.at, pn, sp.y.at, qm, WQ_LEV_NO_LIMIT, 1e30,
                                                &lower);
                cr_assert_eq(d, ref, "level %d: n=%zu m=%zu sigma=%u pm=%u lead %d", lv, pn, qm,
                             sigma, rates[r], lead);
                sweep_pair_free(&sp);
            }
    free(a);
    free(b);
}

/* One edit (insertion, deletion or substitution) within twelve bytes of
 * either end of pairs long enough to search from both ends, so that the
 * backward direction's slide reaches the strings' first bytes (and the
 * forward one their last) in its bounded byte loop: exact at each level,
 * on copies against an unreadable page after them and before them. */
WQT_AT_EACH_LEVEL(lev_wavefront, edits_near_the_ends_from_both_directions)

ParameterizedTest(int *level, lev_wavefront, edits_near_the_ends_from_both_directions,
                  .timeout = 60) {
    static const size_t lens[] = {256, 257, 263, 264, 271};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 104 + (uint64_t)*level;
    unsigned char a[272], b[273];
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
        for (size_t e = 0; e < 24; e++)
            for (int kind = 0; kind < 3; kind++) {
                size_t n = lens[l], pos = e < 12 ? e : n - 23 + e, m = 0;
                kseq_fill(&st, a, n, 4);
                for (size_t i = 0; i <= n; i++) {
                    if (i == pos && kind == 0)
                        b[m++] = 'x'; /* insert */
                    if (i == pos && kind == 1 && i < n)
                        continue; /* delete */
                    if (i < n)
                        b[m++] = i == pos && kind == 2 ? 'x' : a[i];
                }
                const unsigned char *p = n <= m ? a : b, *q = n <= m ? b : a;
                size_t pn = n <= m ? n : m, qm = n <= m ? m : n;
                size_t ref = wq_levenshtein_ref(p, pn, q, qm), lower = 0;
                for (int lead = 0; lead < 2; lead++) {
                    guarded x = guard_copy_side(p, pn, lead), y = guard_copy_side(q, qm, lead);
                    cr_assert_eq(
                        wq__lev_wavefront_at(lv, x.at, pn, y.at, qm, WQ_LEV_NO_LIMIT, 1e30, &lower),
                        ref, "level %d: n=%zu m=%zu pos %zu kind %d lead %d", lv, pn, qm, pos, kind,
                        lead);
                    munmap(x.map, x.len), munmap(y.map, y.len);
                }
            }
}

/* ---------------------------------------------- the pruned search -- */

/* The seeds' bounds never exceed the distance (admissible at the start and
 * the end of the pair), and the seeds' chain costs at least the distance,
 * on related pairs of every rate the seeds take, indel-only pairs and
 * low-complexity ones (binary alphabet: copies of seeds everywhere; the
 * seeds may refuse some of those). */
Test(lev_wavefront, seed_bounds_are_lower_bounds, .timeout = 60) {
    static const unsigned rates[] = {1, 5, 10, 15, 30};
    uint64_t st = 97;
    unsigned char *a = malloc(3000), *b = malloc(6001);
    int32_t *h = malloc((3000 / 4 + 8) * sizeof *h);
    unsigned refused = 0;
    cr_assert(a && b && h);
    for (unsigned t = 0; t <= 40; t++) {
        size_t n = t < 40 ? 800 + kbelow(&st, 2200) : 400;
        unsigned sigma = t % 4 == 3 ? 2 : 4;
        kseq_fill(&st, a, n, sigma);
        size_t m = derive(&st, a, n, b, rates[t % 5], sigma);
        if (t == 40) { /* its first three seeds replaced: a block from the start */
            memcpy(b, a, n);
            memset(b, 'z', 24);
            m = n;
        }
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n, ucap = 0;
        size_t ref = wq_levenshtein_ref(x, xn, y, ym);
        int32_t *fwd = h, *bwd = h + xn / 8 + 2;
        cr_assert_eq(wq__seed_bounds(x, xn, y, ym, xn, fwd, bwd, &ucap), 0);
        /* The seeds may refuse a binary pair: spurious copies every few
         * seeds make the chain's alignment too costly to prune with. */
        cr_assert(ucap > 0 || sigma == 2, "t=%u n=%zu m=%zu ref=%zu", t, xn, ym, ref);
        if (ucap == 0) {
            refused++;
            continue;
        }
        cr_assert_geq(ucap, ref, "the chain's cost is an upper bound: n=%zu m=%zu", xn, ym);
        cr_assert_leq((size_t)fwd[0], ref, "n=%zu m=%zu", xn, ym);
        cr_assert_leq((size_t)bwd[0], ref, "n=%zu m=%zu", xn, ym);
        /* fwd[0] and bwd[0] need not be within 1 of each other: a block
         * of the chain from the pair's start counts in bwd[0] but not in
         * fwd[0] (row 0's points (0, d) have paid their steps along row 0),
         * and one to its end in fwd[0] but not in bwd[0] (see fill_bounds):
         * the last pair, its first 24 bytes replaced, has fwd[0] = 0 and
         * bwd[0] = 6, D = 24. */
        cr_assert_eq(fwd[(xn + 7) >> 3], 0);
        cr_assert_eq(bwd[(xn + 7 - xn % 8) >> 3], 0);
    }
    cr_assert_lt(refused, 5, "at most half the binary pairs refused");
    free(a), free(b), free(h);
}

/* The seeds' bounds of x against y at `lv` by method `how`, into h (fwd
 * then bwd); returns ucap. */
static size_t bounds_by(int lv, int how, const unsigned char *x, size_t n, const unsigned char *y,
                        size_t m, int32_t *h, int32_t *scratch) {
    size_t ucap = 0;
    cr_assert_eq(wq__seed_bounds_at(lv, how, x, n, y, m, n, h, h + n / 8 + 2, scratch, &ucap), 0);
    return ucap;
}

WQT_AT_EACH_LEVEL(lev_wavefront, seed_searches_agree_at_each_level)

/* The two ways of finding the seeds' copies in the band (a hash probe per
 * window of y, or a scan of each key's stretch of the whole band, by
 * vector compares at the level) give the same bounds as the hash with the
 * plain search of the seeds that may cost two, and the scan of the
 * stretches narrowed by the bounds proven before gives bounds as high or
 * higher with the same chain, with both strings ending at an unreadable
 * page: lengths around the 8-byte seeds and the 32- and 64-byte steps,
 * related pairs at several rates, unrelated ones, binary and byte
 * alphabets. The cost model picks one of the two. */
ParameterizedTest(int *level, lev_wavefront, seed_searches_agree_at_each_level, .timeout = 60) {
    static const size_t lens[] = {0, 7, 8, 9, 40, 67, 68, 100, 257, 1000, 2051};
    static const unsigned rates[] = {0, 5, 20, 60, 1000};
    static const unsigned sigmas[] = {2, 4, 256};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 99 + (uint64_t)*level;
    unsigned char *a = malloc(2051), *b = malloc(4103);
    int32_t *h1 = malloc((2051 / 4 + 8) * sizeof *h1), *h2 = malloc((2051 / 4 + 8) * sizeof *h2);
    int32_t *h3 = malloc((2051 / 4 + 8) * sizeof *h3);
    int32_t *scratch = malloc((2051 / 8 + 1) * sizeof *scratch);
    cr_assert(a && b && h1 && h2 && h3 && scratch);
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
        for (size_t r = 0; r < sizeof rates / sizeof *rates; r++)
            for (size_t s = 0; s < sizeof sigmas / sizeof *sigmas; s++) {
                sweep_pair sp = sweep_pair_make(&st, a, b, lens[i], rates[r], sigmas[s], 0);
                guarded x = sp.x, y = sp.y;
                size_t pn = sp.n, qm = sp.m, words = 2 * (pn / 8) + 3;
                size_t u1 =
                    bounds_by(lv, WQ__SEEDS_HASH | WQ__SEEDS_PLAIN, x.at, pn, y.at, qm, h1, NULL);
                /* The chain's diagonals tried first for the seeds that may
                 * cost two: the same bounds as the plain search. */
                cr_assert_eq(bounds_by(lv, WQ__SEEDS_HASH, x.at, pn, y.at, qm, h2, NULL), u1);
                cr_assert_eq(memcmp(h1, h2, words * sizeof *h1), 0,
                             "probed: level %d: n=%zu m=%zu sigma=%u pm=%u", lv, pn, qm, sigmas[s],
                             rates[r]);
                size_t u2 = bounds_by(lv, WQ__SEEDS_SCAN_BAND, x.at, pn, y.at, qm, h2, scratch);
                cr_assert_eq(u1, u2);
                cr_assert_eq(memcmp(h1, h2, words * sizeof *h1), 0,
                             "level %d: n=%zu m=%zu sigma=%u pm=%u", lv, pn, qm, sigmas[s],
                             rates[r]);
                cr_assert_eq(bounds_by(lv, WQ__SEEDS_SCAN, x.at, pn, y.at, qm, h3, NULL), u1);
                for (size_t w = 0; u1 && w < words; w++)
                    cr_assert_geq(h3[w], h1[w], "level %d: n=%zu m=%zu sigma=%u pm=%u at %zu", lv,
                                  pn, qm, sigmas[s], rates[r], w);
                cr_assert_eq(bounds_by(lv, WQ__SEEDS_AUTO, x.at, pn, y.at, qm, h2, NULL), u1);
                cr_assert(!memcmp(h1, h2, words * sizeof *h1) ||
                          !memcmp(h3, h2, words * sizeof *h1));
                sweep_pair_free(&sp);
            }
    free(a), free(b), free(h1), free(h2), free(h3), free(scratch);
}

WQT_AT_EACH_LEVEL(lev_wavefront, seed_scans_by_colliding_codes)

/* The vector scans compare 2-bit letter codes first; letters that share a
 * code make every position a candidate, which the full compare must sort
 * out. Related pairs over A, E, H and L (all of code 0) and over A, C, E
 * and G (two codes, A and E alike), mapped from DNA pairs: the scan of
 * the whole band gives the hash search's bounds, the narrowed scan bounds
 * as high, and all are admissible against the DP, at each level. */
ParameterizedTest(int *level, lev_wavefront, seed_scans_by_colliding_codes, .timeout = 60) {
    static const char *alphabets[] = {"AEHL", "ACEG"};
    static const unsigned rates[] = {10, 50, 200};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 500 + (uint64_t)*level;
    unsigned char *a = malloc(1200), *b = malloc(2400);
    int32_t *h1 = malloc((1200 / 4 + 8) * sizeof *h1), *h2 = malloc((1200 / 4 + 8) * sizeof *h2);
    cr_assert(a && b && h1 && h2);
    for (size_t al = 0; al < 2; al++)
        for (size_t r = 0; r < sizeof rates / sizeof *rates; r++)
            for (int rep = 0; rep < 3; rep++) {
                size_t n = 1000 + kbelow(&st, 200);
                kseq_fill(&st, a, n, 4);
                size_t m = kseq_mutate_pm(&st, a, n, b, rates[r], 4);
                for (size_t i = 0; i < n; i++)
                    a[i] = (unsigned char)alphabets[al][strchr("acgt", a[i]) - "acgt"];
                for (size_t i = 0; i < m; i++)
                    b[i] = (unsigned char)alphabets[al][strchr("acgt", b[i]) - "acgt"];
                const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
                size_t xn = n <= m ? n : m, ym = n <= m ? m : n, words = 2 * (xn / 8) + 3;
                size_t ref = wq_levenshtein_ref(x, xn, y, ym);
                guarded gx = guard_copy(x, xn), gy = guard_copy(y, ym);
                size_t u1 = bounds_by(lv, WQ__SEEDS_HASH, gx.at, xn, gy.at, ym, h1, NULL);
                cr_assert_eq(bounds_by(lv, WQ__SEEDS_SCAN_BAND, gx.at, xn, gy.at, ym, h2, NULL),
                             u1);
                cr_assert_eq(memcmp(h1, h2, words * sizeof *h1), 0, "level %d %s pm=%u n=%zu", lv,
                             alphabets[al], rates[r], xn);
                cr_assert_eq(bounds_by(lv, WQ__SEEDS_SCAN, gx.at, xn, gy.at, ym, h2, NULL), u1);
                for (size_t w = 0; u1 && w < words; w++)
                    cr_assert_geq(h2[w], h1[w]);
                cr_assert(!u1 ||
                              (u1 >= ref && (size_t)h2[0] <= ref && (size_t)h2[xn / 8 + 2] <= ref),
                          "level %d %s pm=%u: D=%zu ucap=%zu h=%d", lv, alphabets[al], rates[r],
                          ref, u1, h2[0]);
                munmap(gx.map, gx.len), munmap(gy.map, gy.len);
            }
    free(a), free(b), free(h1), free(h2);
}

/* The narrowed scan at work: 40 seeds with one substitution each, then
 * seeds 236, 237 and 238 on diagonals 0, 1 and 2 (two pairs that change
 * diagonal, of which the units count one: they share seed 237), so that
 * a path reaching seed 240 has paid 41; seed 240 has one substitution and
 * a copy `off` diagonals from the last one, 2, inside the band (the chain
 * costs under 64, so the band is drawn for 64: 32 diagonals either side)
 * but, past off = 64 - 41 = 23, out of reach of a path within 64. The
 * whole band's search (hash or scan) counts seed 240 as matched; the
 * narrowed scan does too at off = 23 (the same bounds), and from 24 on
 * counts it as a unit: the bound from its row on is one higher, the one
 * above it and the chain the same. At each level; the distance exact. */
Test(lev_wavefront, narrowed_scan_reaches_exactly_as_far_as_a_path_can, .timeout = 30) {
    static const int offs[] = {23, 24, 30};
    size_t n = 2000, t = 240, ns = n / 8, m = 0;
    uint64_t st = 4242;
    unsigned char *a = malloc(n), *b = malloc(n + 2);
    int32_t *h1 = malloc((n / 4 + 8) * sizeof *h1), *h2 = malloc((n / 4 + 8) * sizeof *h2);
    cr_assert(a && b && h1 && h2);
    for (size_t o = 0; o < sizeof offs / sizeof *offs; o++) {
        kseq_fill(&st, a, n, 4);
        m = 0;
        for (size_t i = 0; i < n; i++) {
            size_t s = i / 8;
            if (i == 8 * 237 || i == 8 * 238)
                b[m++] = kseq_letter(&st, 4); /* inserted before seeds 237 and 238 */
            int sub = i % 8 == 3 && ((s % 5 == 0 && s >= 5 && s <= 200) || s == t);
            b[m++] = sub ? kseq_other(&st, a[i], 4) : a[i];
        }
        memcpy(b + 8 * t + 2 + (size_t)offs[o], a + 8 * t, 8);
        int levels[] = {WQ__LANES_SCALAR, WQ__LANES_AVX2, WQ__LANES_AVX512};
        for (int l = 0; l < 3; l++) {
            int lv = levels[l] < wq__lanes_best() ? levels[l] : wq__lanes_best();
            size_t u1 = bounds_by(lv, WQ__SEEDS_HASH, a, n, b, m, h1, NULL);
            cr_assert_eq(u1, 64, "the chain costs under 64: the band is drawn for 64");
            cr_assert_eq(bounds_by(lv, WQ__SEEDS_SCAN_BAND, a, n, b, m, h2, NULL), u1);
            cr_assert_eq(memcmp(h1, h2, (2 * ns + 3) * sizeof *h1), 0);
            cr_assert_eq(bounds_by(lv, WQ__SEEDS_SCAN, a, n, b, m, h2, NULL), u1);
            if (offs[o] <= 23) {
                cr_assert_eq(memcmp(h1, h2, (2 * ns + 3) * sizeof *h1), 0, "level %d off %d", lv,
                             offs[o]);
                continue;
            }
            cr_assert_eq(h2[t], h1[t] + 1, "level %d off %d: fwd[%zu] %d against %d", lv, offs[o],
                         t, h2[t], h1[t]);
            cr_assert_eq(h2[ns + 2 + ns - t], h1[ns + 2 + ns - t]);
        }
        size_t lower = 0;
        cr_assert_eq(wq__lev_wavefront(a, n, b, m, WQ_LEV_NO_LIMIT, 1e30, &lower),
                     wq_levenshtein_ref(a, n, b, m));
    }
    free(a), free(b), free(h1), free(h2);
}

WQT_AT_EACH_LEVEL(lev_wavefront, seed_copies_at_the_ends_of_y)

/* A seed changed in y whose only copy in the band is y's first or last 8
 * bytes (y against an unreadable page) costs nothing: the bound is one
 * below that of the same pair with one byte other there, by either method
 * and at each level, for lengths that end the seeds and the vector steps
 * in every way. Its neighbour away from that end has a second copy 20
 * diagonals off, so that no block of the chain (which would charge the
 * far copy's diagonal) spans the seed. */
ParameterizedTest(int *level, lev_wavefront, seed_copies_at_the_ends_of_y, .timeout = 60) {
    static const size_t lens[] = {64, 67, 100, 130, 131, 600, 1001};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 100 + (uint64_t)*level;
    unsigned char *a = malloc(1001), *b = malloc(1001);
    int32_t *h = malloc((1001 / 4 + 8) * sizeof *h);
    cr_assert(a && b && h);
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
        for (int end = 0; end < 2; end++)
            for (int how = WQ__SEEDS_HASH; how <= WQ__SEEDS_SCAN; how++) {
                size_t n = lens[i], ns = n / 8, t = end ? ns - 3 : 2, at = end ? n - 8 : 0;
                int32_t got[2];
                kseq_fill(&st, a, n, 4);
                for (int copy = 0; copy < 2; copy++) {
                    memcpy(b, a, n);
                    b[8 * t + 3] = 'x'; /* seed t differs in y, */
                    /* and has one copy, at y's end, or there the same
                     * bytes but one (a copy within one edit in both, so
                     * that the seeds costing 2 are the same in both) */
                    memcpy(b + at, a + 8 * t, 8);
                    if (end)
                        memcpy(b + 8 * (t - 1) - 20, a + 8 * (t - 1), 8);
                    else
                        memcpy(b + 8 * (t + 1) + 20, a + 8 * (t + 1), 8);
                    if (!copy)
                        b[at + 5] = 'y';
                    guarded x = guard_copy(a, n), y = guard_copy(b, n);
                    cr_assert_gt(bounds_by(lv, how, x.at, n, y.at, n, h, NULL), 0);
                    got[copy] = h[0];
                    munmap(x.map, x.len), munmap(y.map, y.len);
                }
                cr_assert_eq(got[1], got[0] - 1, "level %d how %d n=%zu end %d: %d, %d", lv, how, n,
                             end, got[1], got[0]);
            }
    free(a), free(b), free(h);
}

ParameterizedTestParameters(lev_wavefront, quick_pass_places_alike_at_each_level) {
    static int levels[] = {WQ__LANES_AVX2, WQ__LANES_AVX512};
    return cr_make_param_array(int, levels, sizeof levels / sizeof *levels);
}

/* The quick pass's wide search (after two misses, the nearest copy within
 * 32 diagonals, the positive one on a tie) by vector compares places the
 * seeds as the plain loop does: the chain's cost and the bounds equal the
 * scalar level's. Seeds t - 2 and t - 1 changed in y, d bytes inserted
 * before seed t (its copy d diagonals up), and a decoy copy e diagonals
 * down (none, nearer, as near: a tie, or further), for d and e around the
 * 32-diagonal reach, with seed t near y's start and end (where the vector
 * compares would read outside y, against an unreadable page) and in the
 * middle. */
ParameterizedTest(int *level, lev_wavefront, quick_pass_places_alike_at_each_level, .timeout = 60) {
    static const size_t starts[] = {3, 4, 5, 60, 1, 0};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    size_t n = 600, ns = n / 8;
    uint64_t st = 300 + (uint64_t)*level;
    unsigned char *a = malloc(n), *b = malloc(n + 40);
    int32_t *h1 = malloc((n / 4 + 8) * sizeof *h1), *h2 = malloc((n / 4 + 8) * sizeof *h2);
    cr_assert(a && b && h1 && h2);
    unsigned ties = 0;
    for (size_t i = 0; i < sizeof starts / sizeof *starts; i++)
        for (size_t d = 1; d <= 34; d++)
            for (int de = -2; de <= 3; de++) {
                /* starts[i] 1 and 0: seed t the fifth last and the last
                 * (whose vector compares fit in y only for d >= 32) */
                size_t t = starts[i] > 1 ? starts[i]
                           : starts[i]   ? ns - 5
                                         : ns - 1,
                       e = de == 3 ? 0 : d + (size_t)de, m;
                kseq_fill(&st, a, n, 4);
                memcpy(b, a, 8 * t);
                b[8 * (t - 2) + 3] ^= 1, b[8 * (t - 1) + 3] ^= 1;
                kseq_fill(&st, b + 8 * t, d, 4);
                memcpy(b + 8 * t + d, a + 8 * t, n - 8 * t);
                m = n + d;
                if (e && e <= 8 * t)
                    memcpy(b + 8 * t - e, a + 8 * t, 8), ties += e == d;
                guarded x = guard_copy(a, n), y = guard_copy(b, m);
                size_t u1 = bounds_by(WQ__LANES_SCALAR, WQ__SEEDS_HASH, x.at, n, y.at, m, h1, NULL);
                size_t u2 = bounds_by(lv, WQ__SEEDS_HASH, x.at, n, y.at, m, h2, NULL);
                cr_assert_eq(u1, u2, "level %d t=%zu d=%zu e=%zu: %zu, %zu", lv, t, d, e, u1, u2);
                cr_assert_eq(memcmp(h1, h2, (2 * ns + 3) * sizeof *h1), 0,
                             "level %d t=%zu d=%zu e=%zu", lv, t, d, e);
                munmap(x.map, x.len), munmap(y.map, y.len);
            }
    cr_assert_gt(ties, 100);
    free(a), free(b), free(h1), free(h2);
}

/* The long related pairs that take the pruned search (at least 4096 bytes,
 * few edits): exact against the DP under every limit, with the bound tight
 * or loose (several tries), lengths around the 8-byte seeds (n % 8 = 0, 1,
 * 7), a burst of 40 inserted bytes, identical strings,
 * and pairs the seeds refuse (unrelated, 5%, binary alphabet), at each
 * level of the slides. */
Test(lev_wavefront, pruned_search_is_exact, .timeout = 120) {
    static const unsigned rates[] = {1, 5, 10, 15, 50, 0};
    static const size_t lens[] = {4096, 4097, 4103, 4800, 5001};
    uint64_t st = 98;
    unsigned char *a = malloc(5100), *b = malloc(10300);
    cr_assert(a && b);
    for (unsigned t = 0; t < 18; t++) {
        size_t n = lens[t % 5];
        unsigned sigma = t % 6 == 5 ? 2 : 4;
        kseq_fill(&st, a, n, sigma);
        size_t m;
        if (t == 6) { /* identical */
            memcpy(b, a, n);
            m = n;
        } else if (t == 7) { /* a burst of insertions in the middle */
            memcpy(b, a, n / 2);
            kseq_fill(&st, b + n / 2, 40, sigma);
            memcpy(b + n / 2 + 40, a + n / 2, n - n / 2);
            m = n + 40;
        } else {
            m = derive(&st, a, n, b, rates[t % 6], sigma);
        }
        size_t ref = wq_levenshtein_ref(a, n, b, m);
        check_public(a, n, b, m, ref);
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n;
        for (int lv = WQ__LANES_SCALAR; lv <= wq__lanes_best(); lv++) {
            size_t lower = 0;
            cr_assert_eq(wq__lev_wavefront_at(lv, x, xn, y, ym, WQ_LEV_NO_LIMIT, 1e30, &lower), ref,
                         "level %d n=%zu m=%zu", lv, xn, ym);
        }
    }
    free(a);
    free(b);
}

/* A pair for the chain tests: a, n random bytes over 4 letters, and b, a
 * copy at rate per mille (most kinds), edited as `kind` says. Returns m. */
static size_t chain_pair(uint64_t *st, unsigned char *a, size_t n, unsigned char *b, unsigned rate,
                         int kind) {
    kseq_fill(st, a, n, 4);
    if (kind == 1) /* a tandem repeat of period 5 in the middle: seeds copy */
        for (size_t i = n / 3; i < n / 3 + 600; i++)
            a[i] = a[n / 3 + i % 5];
    size_t m = derive(st, a, n, b, rate, 4);
    if (kind == 2) /* 90 bytes replaced: a gap beyond the exact gap costs */
        kseq_fill(st, b + m / 2, 90, 4);
    if (kind == 3) { /* edits in the first and the last seed of both ends */
        b[1] = (unsigned char)(b[1] == 'A' ? 'C' : 'A');
        b[m - 2] = (unsigned char)(b[m - 2] == 'A' ? 'C' : 'A');
        memmove(b + 3, b + 4, m - 4); /* a deletion at byte 3 */
        m--;
    }
    return m;
}

/*
 * The pruned search with the seeds' chain as its bound, on pairs the seeds
 * take (at least 4096 bytes, up to about 8% of the seeds missed): rates
 * of 1 to 5% and beyond, where the chain's cost is tight (scattered edits)
 * or loose (a tandem repeat where seeds copy, a 90-byte region replaced,
 * costed crudely), edits in the first and last seeds, and lengths on both
 * sides of the seeds' threshold (4095: the plain search) and of the 8-byte
 * seeds: exact against the DP under every limit, at each level of the
 * slides and the seeds' scan; the chain never costs less than D and the
 * seeds' bound never more.
 */
WQT_AT_EACH_LEVEL(lev_wavefront, chain_bounded_search_is_exact)

ParameterizedTest(int *level, lev_wavefront, chain_bounded_search_is_exact, .timeout = 120) {
    static const unsigned rates[] = {10, 30, 50, 50, 70, 5};
    static const size_t lens[] = {4095, 4096, 4097, 4103, 4600};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 101 + (uint64_t)*level;
    unsigned char *a = malloc(4700), *b = malloc(9500);
    int32_t *h = malloc((4700 / 4 + 8) * sizeof *h);
    cr_assert(a && b && h);
    unsigned seeded = 0;
    for (unsigned t = 0; t < 10; t++) {
        size_t n = lens[t % 5];
        int kind = t < 6 ? 0 : (int)t - 5; /* 1, 2, 3, 4 (plain) */
        size_t m = chain_pair(&st, a, n, b, rates[t % 6], kind);
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n;
        size_t ref = wq_levenshtein_ref(x, xn, y, ym), ucap = 0, lower = 0;
        cr_assert_eq(wq__seed_bounds_at(lv, WQ__SEEDS_AUTO, x, xn, y, ym, xn / 16, h,
                                        h + xn / 8 + 2, NULL, &ucap),
                     0);
        if (ucap) {
            seeded++;
            cr_assert_geq(ucap, ref, "chain below D: level %d t=%u", lv, t);
            cr_assert_leq((size_t)h[0], ref, "seeds above D: level %d t=%u", lv, t);
        }
        /* Each against an unreadable page after it or, on odd t, before
         * it (the backward direction reads from the strings' ends). */
        guarded gx = guard_copy_side(x, xn, t % 2), gy = guard_copy_side(y, ym, t % 2);
        size_t caps[] = {WQ_LEV_NO_LIMIT, ref, ref ? ref - 1 : 0, ref / 2};
        for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
            size_t want = ref <= caps[c] ? ref : caps[c] + 1;
            cr_assert_eq(wq__lev_wavefront_at(lv, gx.at, xn, gy.at, ym, caps[c], 1e30, &lower),
                         want, "level %d t=%u n=%zu m=%zu cap=%zu ref=%zu", lv, t, xn, ym, caps[c],
                         ref);
        }
        munmap(gx.map, gx.len), munmap(gy.map, gy.len);
        if (t < 2)
            check_public(a, n, b, m, ref);
    }
    cr_assert_geq(seeded, 6, "the seeds took too few pairs to test the pruned search");
    free(a), free(b), free(h);
}

/*
 * The pruned search's narrow steps (wavefront.c: narrow_pass, which reads
 * eight bytes on every diagonal with no bounds test while the rows stay 8
 * bytes from the ends, and its runs of matches, 32 bytes a step at AVX2
 * and above): pairs the seeds take (4096 to 4104 bytes, every n % 8) at
 * 1 to 7% edits, so that the wavefronts are narrower or wider than 32
 * diagonals and cross between, with an edit (substitution, insertion or
 * deletion) at 0 to 47 bytes from each end of y, where the steps switch to
 * the bounded ones, or with no edit in y's last or first 300 bytes, so
 * that a run reaches the end of both strings, or with a burst of 9 to 40
 * bytes inserted or deleted 0 to 47 bytes from one end, so that the other
 * direction's narrow steps run up to that end. Each string against an
 * unreadable page after it and before it (the backward direction reads from
 * the ends); exact against the DP under three limits, at each level.
 */
WQT_AT_EACH_LEVEL(lev_wavefront, narrow_steps_near_the_ends_at_each_level)

ParameterizedTest(int *level, lev_wavefront, narrow_steps_near_the_ends_at_each_level,
                  .timeout = 120) {
    static const unsigned rates[] = {10, 30, 50, 70};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 1801 + (uint64_t)*level;
    unsigned char *a = malloc(4200), *b = malloc(8500);
    cr_assert(a && b);
    for (unsigned t = 0; t < 18; t++) {
        size_t n = 4096 + t % 9, e = (7 * t) % 48; /* e: 0 to 47 */
        kseq_fill(&st, a, n, 4);
        size_t m = derive(&st, a, n, b, rates[t % 4], 4);
        if (t % 3 == 1) { /* no edit near one end: a run reaches it */
            if (t % 2)
                memcpy(b + m - 300, a + n - 300, 300);
            else
                memcpy(b, a, 300);
        } else if (t % 3 == 2) {
            /* a burst of 9 to 40 bytes inserted, or deleted, e bytes from
             * one end: the other direction runs on up to it */
            size_t len = 9 + (t * 5) % 32, at = t % 4 == 2 ? e : m - e - len;
            if (t % 2) { /* deleted */
                memmove(b + at, b + at + len, m - at - len);
                m -= len;
            } else {
                memmove(b + at + len, b + at, m - at);
                kseq_fill(&st, b + at, len, 4);
                m += len;
            }
        } else { /* an edit e bytes from each end */
            b[e] = kseq_other(&st, b[e], 4);
            if (t % 2) { /* and an insertion (y grows) */
                memmove(b + m - e, b + m - e - 1, e + 1);
                m++;
            } else { /* or a deletion */
                memmove(b + m - e - 1, b + m - e, e);
                m--;
            }
        }
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n;
        size_t ref = wq_levenshtein_ref(x, xn, y, ym), lower = 0;
        for (int lead = 0; lead < 2; lead++) {
            guarded gx = guard_copy_side(x, xn, lead), gy = guard_copy_side(y, ym, lead);
            size_t caps[] = {WQ_LEV_NO_LIMIT, ref, ref - 1};
            for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
                size_t want = ref <= caps[c] ? ref : caps[c] + 1;
                cr_assert_eq(wq__lev_wavefront_at(lv, gx.at, xn, gy.at, ym, caps[c], 1e30, &lower),
                             want, "level %d t=%u lead %d n=%zu m=%zu cap=%zu ref=%zu", lv, t, lead,
                             xn, ym, caps[c], ref);
            }
            munmap(gx.map, gx.len), munmap(gy.map, gy.len);
        }
    }
    free(a), free(b);
}

/* ------------------------------------ the seeds' bounds, cell by cell -- */

/* P[i][j] = D(x[0, i), y[0, j)) and S[i][j] = D(x[i, n), y[j, m)), both
 * (n + 1) x (m + 1), row-major. */
static void prefix_suffix(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                          int32_t *P, int32_t *S) {
    size_t w = m + 1;
    for (size_t i = 0; i <= n; i++)
        for (size_t j = 0; j <= m; j++) {
            int32_t v = i == 0 ? (int32_t)j : j == 0 ? (int32_t)i : 0;
            if (i && j) {
                int32_t d = P[(i - 1) * w + j - 1] + (x[i - 1] != y[j - 1]);
                int32_t u = P[(i - 1) * w + j] + 1, l = P[i * w + j - 1] + 1;
                v = d < u ? d : u;
                v = v < l ? v : l;
            }
            P[i * w + j] = v;
        }
    for (size_t i = n + 1; i-- > 0;)
        for (size_t j = m + 1; j-- > 0;) {
            int32_t v = i == n ? (int32_t)(m - j) : j == m ? (int32_t)(n - i) : 0;
            if (i < n && j < m) {
                int32_t d = S[(i + 1) * w + j + 1] + (x[i] != y[j]);
                int32_t u = S[(i + 1) * w + j] + 1, l = S[i * w + j + 1] + 1;
                v = d < u ? d : u;
                v = v < l ? v : l;
            }
            S[i * w + j] = v;
        }
}

/* A pair for the cell-by-cell test: b = a with edits of `kind`: 0, random
 * edits at rate per mille; 1, indels only (rate per mille, half each);
 * 2, two substitutions in each of `rate` seeds spread along a, every
 * 8-byte seed that holds them costing two edits; 3, as 2 and an
 * insertion in each of those seeds too. Letters of sigma. Returns m. */
static size_t cell_pair(uint64_t *st, const unsigned char *a, size_t n, unsigned char *b,
                        unsigned rate, int kind, unsigned sigma) {
    if (kind == 0)
        return kseq_mutate_pm(st, a, n, b, rate, sigma);
    size_t m = 0;
    if (kind == 1) {
        for (size_t i = 0; i < n; i++) {
            unsigned r = (unsigned)kbelow(st, 2000);
            if (r < rate)
                continue; /* deleted */
            if (r < 2 * rate)
                b[m++] = kseq_letter(st, sigma); /* inserted before a[i] */
            b[m++] = a[i];
        }
        return m;
    }
    size_t gap = n / 8 / (rate + 1);
    for (size_t i = 0; i < n; i++) {
        size_t t = i / 8, o = i % 8;
        int hit = gap && t % gap == gap / 2 && t / gap < rate;
        if (hit && kind == 3 && o == 4)
            b[m++] = kseq_letter(st, sigma);
        b[m++] = hit && (o == 1 || o == 6) ? kseq_other(st, a[i], sigma) : a[i];
    }
    return m;
}

/* Checks the seeds' bounds of x[0, xn) against y[0, ym) at every cell
 * (i, j) on a path of cost at most ucap (P + S <= ucap, P and S filled
 * here by prefix_suffix): the cost from it on, S, is at least fwd of row
 * i, and the cost up to it, P, at least bwd. And the pruned search's step
 * rule (wavefront.c, owed): at a cell whose next bytes differ, where a
 * slide stops, the cost on is at least 1 + fwd of row i + 1 (forward:
 * x[i] != y[j]), and the cost up to it at least 1 + bwd of the backward
 * row xn - i + 1 (backward: x[i - 1] != y[j - 1]). The rule also needs
 * fwd and bwd never to rise with their index (a step along the row owes
 * the bound of the row itself): checked too. Returns D. */
static int32_t bounds_hold_at_every_cell(const unsigned char *x, size_t xn, const unsigned char *y,
                                         size_t ym, const int32_t *fwd, const int32_t *bwd,
                                         size_t ucap, int32_t *P, int32_t *S, const char *what) {
    for (size_t t = 0; t <= xn / 8; t++) {
        cr_assert_geq(fwd[t], fwd[t + 1], "%s: fwd rises at %zu", what, t);
        cr_assert(t == xn / 8 || bwd[t] >= bwd[t + 1], "%s: bwd rises at %zu", what, t);
    }
    prefix_suffix(x, xn, y, ym, P, S);
    for (size_t i = 0; i <= xn; i++) {
        int32_t f = fwd[(i + 7) >> 3], bk = bwd[(xn - i + 7 - xn % 8) >> 3];
        int32_t f1 = i < xn ? 1 + fwd[(i + 8) >> 3] : 0;
        int32_t b1 = i > 0 ? 1 + bwd[(xn - i + 8 - xn % 8) >> 3] : 0;
        for (size_t j = 0; j <= ym; j++) {
            int32_t p = P[i * (ym + 1) + j], s = S[i * (ym + 1) + j];
            if ((size_t)(p + s) > ucap)
                continue;
            cr_assert_geq(s, f, "%s: cell %zu,%zu fwd", what, i, j);
            cr_assert_geq(p, bk, "%s: cell %zu,%zu bwd", what, i, j);
            if (i < xn && j < ym && x[i] != y[j])
                cr_assert_geq(s, f1, "%s: cell %zu,%zu fwd step", what, i, j);
            if (i > 0 && j > 0 && x[i - 1] != y[j - 1])
                cr_assert_geq(p, b1, "%s: cell %zu,%zu bwd step", what, i, j);
        }
    }
    return P[xn * (ym + 1) + ym];
}

WQT_AT_EACH_LEVEL(lev_wavefront, seed_bounds_hold_at_every_cell)

/*
 * The seeds' bounds (seeds alone and pairs costing one, seeds alone with
 * no copy within one edit costing two) are admissible at every cell a
 * path within the chain's bound can cross: where P + S <= ucap, the cost
 * from the cell on, S, is at least fwd of its row and the cost up to it,
 * P, at least bwd. Pairs at 1 to 8% edits, indels only, and seeds with two
 * or three edits each, at every level of the band's scan and of the
 * search for copies within one edit, each string against an unreadable
 * page; the seeds with two substitutions
 * (kind 2, over 16 letters, so that no spurious copy within one edit
 * falls in their window) make the bound exact, which seeds costing one
 * could not.
 */
ParameterizedTest(int *level, lev_wavefront, seed_bounds_hold_at_every_cell, .timeout = 120) {
    static const struct {
        unsigned rate;
        int kind;
        unsigned sigma;
    } cases[] = {{10, 0, 4}, {30, 0, 4}, {50, 0, 4},  {80, 0, 4}, {20, 1, 4},
                 {60, 1, 4}, {6, 2, 16}, {12, 2, 16}, {6, 3, 16}, {12, 2, 4},
                 {20, 2, 3}, {30, 0, 3}, {40, 0, 2},  {15, 2, 2}};
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 211 + (uint64_t)*level;
    size_t cap = 1400;
    unsigned char *a = malloc(cap), *b = malloc(2 * cap + 64);
    int32_t *h = malloc((cap / 4 + 8) * sizeof *h);
    int32_t *P = malloc((cap + 1) * (2 * cap + 65) * sizeof *P);
    int32_t *S = malloc((cap + 1) * (2 * cap + 65) * sizeof *S);
    cr_assert(a && b && h && P && S);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int how = WQ__SEEDS_HASH; how <= WQ__SEEDS_SCAN; how++) {
            size_t n = 1000 + kbelow(&st, 400);
            unsigned sigma = cases[c].sigma;
            kseq_fill(&st, a, n, sigma);
            size_t m = cell_pair(&st, a, n, b, cases[c].rate, cases[c].kind, sigma);
            size_t xn = n <= m ? n : m, ym = n <= m ? m : n, ucap = 0, ns = xn / 8;
            /* Each against an unreadable page: a read past either faults. */
            guarded gx = guard_copy(n <= m ? a : b, xn), gy = guard_copy(n <= m ? b : a, ym);
            const unsigned char *x = gx.at, *y = gy.at;
            int32_t *fwd = h, *bwd = h + ns + 2;
            cr_assert_eq(wq__seed_bounds_at(lv, how, x, xn, y, ym, xn, fwd, bwd, NULL, &ucap), 0);
            cr_assert_gt(ucap, 0, "case %zu refused", c);
            char what[64];
            snprintf(what, sizeof what, "level %d how %d case %zu", lv, how, c);
            int32_t ref = bounds_hold_at_every_cell(x, xn, y, ym, fwd, bwd, ucap, P, S, what);
            cr_assert_geq((int64_t)ucap, ref, "case %zu: the chain below D", c);
            if (cases[c].kind == 2 && sigma >= 4)
                cr_assert_eq(fwd[0], ref, "level %d how %d case %zu: two-edit seeds (%d, D %d)", lv,
                             how, c, fwd[0], ref);
            size_t lower = 0;
            cr_assert_eq(wq__lev_wavefront_at(lv, x, xn, y, ym, WQ_LEV_NO_LIMIT, 1e30, &lower),
                         (size_t)ref);
            munmap(gx.map, gx.len), munmap(gy.map, gy.len);
        }
    free(a), free(b), free(h), free(P), free(S);
}

/* a over 16 letters with two substitutions in each of six seeds spread
 * along it (each costing two: no copy within one edit, see cell_pair kind
 * 2), then one edit at the start and one at the end, each none (0), an
 * inserted byte (1), x[0] or x[n - 1] deleted (2) or substituted (3), by
 * a letter outside a's; the inner edits stay clear of the first and last
 * 16 bytes. With a byte inserted at the start, seed 0 (then matched one
 * diagonal up) has a second copy, 24 diagonals up, so that the chain's
 * gap before it makes no block and end_units' own first step counts.
 * Returns m. */
static size_t end_pair(uint64_t *st, unsigned char *a, size_t n, unsigned char *b, int head,
                       int tail) {
    kseq_fill(st, a, n, 16);
    a[1] = a[0] == 'a' ? 'b' : 'a'; /* a deletion at either end changes the end byte */
    a[n - 2] = a[n - 1] == 'a' ? 'b' : 'a';
    if (head == 1) /* seed 0 copied 24 bytes on: not alone in the band, so no block */
        memcpy(a + 24, a, 8);
    size_t m = cell_pair(st, a, n, b, 6, 2, 16);
    if (head == 1)
        memmove(b + 1, b, m++), b[0] = 'z';
    else if (head == 2)
        memmove(b, b + 1, --m);
    else if (head == 3)
        b[0] = 'z';
    if (tail == 1)
        b[m++] = 'z';
    else if (tail == 2)
        m--;
    else if (tail == 3)
        b[m - 1] = 'z';
    return m;
}

/*
 * The pair's first and last steps (end_units): admissible at every cell,
 * as above, for every edit at either end and lengths that leave a partial
 * seed at the end or none, against an unreadable page; and they make the
 * bound exact where they apply: the substituted last byte after the last
 * seed (n % 8 != 0) in fwd[0], the inserted first byte (seed 0 then
 * matched one diagonal off) in bwd[0], with every other edit in a seed
 * costing two.
 */
Test(lev_wavefront, end_steps_hold_at_every_cell, .timeout = 120) {
    static const size_t lens[] = {1000, 1001, 1007, 1008};
    int lv = wq__lanes_best();
    uint64_t st = 5150;
    unsigned char *a = malloc(1010), *b = malloc(1020);
    int32_t *h = malloc((1010 / 4 + 8) * sizeof *h);
    int32_t *P = malloc(1011 * 1021 * sizeof *P), *S = malloc(1011 * 1021 * sizeof *S);
    cr_assert(a && b && h && P && S);
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
        for (int head = 0; head < 4; head++)
            for (int tail = 0; tail < 4; tail++) {
                size_t n = lens[l], m = end_pair(&st, a, n, b, head, tail);
                size_t xn = n <= m ? n : m, ym = n <= m ? m : n, ucap = 0, ns = xn / 8;
                guarded gx = guard_copy(n <= m ? a : b, xn), gy = guard_copy(n <= m ? b : a, ym);
                const unsigned char *x = gx.at, *y = gy.at;
                int32_t *fwd = h, *bwd = h + ns + 2;
                cr_assert_eq(
                    wq__seed_bounds_at(lv, WQ__SEEDS_AUTO, x, xn, y, ym, xn, fwd, bwd, NULL, &ucap),
                    0);
                cr_assert_gt(ucap, 0);
                char what[64];
                snprintf(what, sizeof what, "n=%zu head %d tail %d", n, head, tail);
                int32_t ref = bounds_hold_at_every_cell(x, xn, y, ym, fwd, bwd, ucap, P, S, what);
                if (tail == 3 && n % 8 && head != 1 && head != 2)
                    cr_assert_eq(fwd[0], ref, "n=%zu head %d: fwd[0] %d, D %d", n, head, fwd[0],
                                 ref);
                if (head == 1 && tail == 0)
                    cr_assert_eq(bwd[0], ref, "n=%zu: bwd[0] %d, D %d", n, bwd[0], ref);
                munmap(gx.map, gx.len), munmap(gy.map, gy.len);
            }
    free(a), free(b), free(h), free(P), free(S);
}

/* The same ends on pairs long enough for the pruned search (4096 bytes and
 * more), whose bound they make exact at the start (D = fwd[0] with the
 * last byte substituted after a partial seed): the distance exact with no
 * limit, at the distance (a bound one too high there would answer D + 1)
 * and just below it, at each level. */
Test(lev_wavefront, end_steps_keep_the_pruned_search_exact, .timeout = 120) {
    static const size_t lens[] = {4096, 4097, 4103, 4104};
    uint64_t st = 5151;
    unsigned char *a = malloc(4110), *b = malloc(4120);
    cr_assert(a && b);
    for (size_t l = 0; l < sizeof lens / sizeof *lens; l++)
        for (int head = 0; head < 4; head++)
            for (int tail = 0; tail < 4; tail++) {
                size_t n = lens[l], m = end_pair(&st, a, n, b, head, tail);
                const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
                size_t xn = n <= m ? n : m, ym = n <= m ? m : n;
                size_t ref = wq_levenshtein_ref(x, xn, y, ym);
                size_t caps[] = {WQ_LEV_NO_LIMIT, ref, ref - 1};
                for (int lv = WQ__LANES_SCALAR; lv <= wq__lanes_best(); lv++)
                    for (size_t c = 0; c < 3; c++) {
                        size_t lower = 0, want = ref <= caps[c] ? ref : caps[c] + 1;
                        cr_assert_eq(wq__lev_wavefront_at(lv, x, xn, y, ym, caps[c], 1e30, &lower),
                                     want, "level %d n=%zu head %d tail %d cap %zu", lv, n, head,
                                     tail, caps[c]);
                    }
            }
    free(a), free(b);
}

/* The chain's gap costs at each level (the vector level takes its match
 * masks from compares of 32 or 64 bytes of the shorter side, read in
 * place when there is room and from a padded copy when not) against the
 * DP: shorter sides of 0 to 70 bytes (both sides of 32 and 64), the
 * longer one up to 12 bytes longer, 0 to 7 edits or unrelated, DNA and
 * byte alphabets (byte 0, the padding's value, included), either side the
 * shorter one, each string ending at an unreadable page (nothing readable
 * after it) or with a page of room. */
WQT_AT_EACH_LEVEL(lev_wavefront, gap_costs_at_each_level)

ParameterizedTest(int *level, lev_wavefront, gap_costs_at_each_level, .timeout = 60) {
    static const unsigned sigmas[] = {4, 256};
    uint64_t st = 4242 + (uint64_t)*level;
    unsigned char a[96], b[96];
    for (size_t lp = 0; lp <= 70; lp++)
        for (unsigned s = 0; s < 2; s++)
            for (unsigned e = 0; e <= 8; e++) {
                kseq_fill(&st, a, lp, sigmas[s]);
                size_t lq = lp;
                memcpy(b, a, lp);
                if (e == 8) /* unrelated, up to 12 bytes longer */
                    kseq_fill(&st, b, lq = lp + kbelow(&st, 13), sigmas[s]);
                for (unsigned i = 0; i < e && e < 8; i++)
                    kseq_edit_at(&st, b, &lq, kbelow(&st, lq + 1), 0, sigmas[s]);
                if (lq < lp) /* insertions only then, to keep b the longer */
                    continue;
                size_t ref = wq_levenshtein_ref(a, lp, b, lq), want = lp <= 64 ? ref : lq;
                guarded ga = guard_copy(a, lp), gb = guard_copy(b, lq);
                const unsigned char *ae = ga.at + lp, *be = gb.at + lq;
                int lv = *level;
                cr_assert_eq(wq__gap_edits_at(lv, ga.at, lp, ae, gb.at, lq, be), want,
                             "level %d lp=%zu lq=%zu sigma %u edits %u", lv, lp, lq, sigmas[s], e);
                cr_assert_eq(wq__gap_edits_at(lv, gb.at, lq, be, ga.at, lp, ae), want,
                             "swapped: level %d lp=%zu lq=%zu", lv, lp, lq);
                /* With room: the same bytes read in place. */
                cr_assert_eq(wq__gap_edits_at(lv, a, lp, a + sizeof a, b, lq, b + sizeof b), want,
                             "room: level %d lp=%zu lq=%zu", lv, lp, lq);
                munmap(ga.map, ga.len);
                munmap(gb.map, gb.len);
            }
}

/* A seed's copy within one edit (7, 8 or 9 bytes at b) against the DP on
 * each length: y is the seed with 0 to 2 random edits, or random, over
 * two, four and 256 letters, placed at b = 0..2 in a string that ends 0
 * to 3 bytes after the copy at an unreadable page (so that a copy of 9 or
 * 8 bytes may not fit), and b = -1. */
Test(lev_wavefront, near_copies_of_a_seed, .timeout = 60) {
    static const unsigned sigmas[] = {2, 4, 256};
    uint64_t st = 777;
    unsigned char s[8], y[32];
    for (int rep = 0; rep < 3000; rep++) {
        unsigned sigma = sigmas[rep % 3];
        kseq_fill(&st, s, 8, sigma);
        size_t b = kbelow(&st, 3), len = 8, edits = kbelow(&st, 4);
        kseq_fill(&st, y, b, sigma);
        memcpy(y + b, s, 8);
        if (edits == 3)
            kseq_fill(&st, y + b, len, sigma);
        else
            for (size_t e = 0; e < edits; e++)
                kseq_edit_at(&st, y + b, &len, kbelow(&st, len + 1), 0, sigma);
        size_t m = b + len + kbelow(&st, 4);
        if (m > b + len)
            kseq_fill(&st, y + b + len, m - b - len, sigma);
        if (m < b + 7)
            continue;
        int want = 0;
        for (size_t l = 7; l <= 9; l++)
            want |= b + l <= m && wq_levenshtein_ref(s, 8, y + b, l) <= 1;
        guarded g = guard_copy(y, m);
        cr_assert_eq(wq__near_copy_at(s, g.at, m, (int64_t)b), want,
                     "sigma %u b=%zu m=%zu edits %zu", sigma, b, m, edits);
        cr_assert_eq(wq__near_copy_at(s, g.at, m, -1), 0);
        munmap(g.map, g.len);
    }
}

/* ------------------------------- the pruned search in one direction -- */

/* Three substitutions in b[at, at + 40), an unedited copy of five seeds of
 * a: a copy costs 3 in each, which the seeds count as at most 2, so the
 * chain places missed cost there. */
static void damage_seeds(uint64_t *st, unsigned char *b, size_t at) {
    for (size_t i = at + 1; i < at + 40; i += 3)
        b[i] = kseq_other(st, b[i], 4);
}

/*
 * A pair for the one-way tests: a, n random DNA bytes, and b, edited as
 * `kind` says; returns m.
 *   0, 1: scattered edits at 2% in a's rows 400..n - 400 only, and five
 *     damaged seeds 64 bytes from the start (0) or the end (1): the missed
 *     cost lies near that end, so that direction is the one chosen; with
 *     `e` > 0, missed cost at the other end too (below), so that the
 *     direction runs on to it.
 *   2: insertions only, 2%: the path drifts to diagonal m - n, about the
 *     bound, where either direction of a search in turn stops near half.
 *   3: deletions in a's first half and insertions in its second, 1.5%
 *     each: the path drifts below and back.
 *   In 2 and 3, every other byte of b[m / 3, m / 3 + 20) substituted too
 *   (ten edits over at most four seeds, which count at most two each), so
 *   that the chain costs more than the seeds' bound and the search runs.
 *   4: insertions only, 4%, nothing else: D = m - n exactly (it is at
 *     least that, and the insertions are an alignment), so n can be large
 *     without the DP, and the wavefronts' block (about 32 D bytes) is more
 *     than the seeds' blocks of about n bytes, taken fresh.
 */
static size_t one_way_pair(uint64_t *st, unsigned char *a, size_t n, unsigned char *b, int kind,
                           size_t e) {
    kseq_fill(st, a, n, 4);
    size_t m = 0;
    if (kind == 4) { /* insertions only, 4%: D = m - n */
        for (size_t i = 0; i < n; i++) {
            if (kbelow(st, 1000) < 40)
                b[m++] = kseq_letter(st, 4);
            b[m++] = a[i];
        }
        return m;
    }
    if (kind >= 2) {
        for (size_t i = 0; i < n; i++) {
            unsigned r = (unsigned)kbelow(st, 1000);
            if (kind == 3 && i < n / 2 && r < 15)
                continue; /* deleted */
            if ((kind == 2 && r < 20) || (kind == 3 && i >= n / 2 && r < 15))
                b[m++] = kseq_letter(st, 4); /* inserted before a[i] */
            b[m++] = a[i];
        }
        for (size_t k = 0; k < 20; k += 2) /* missed cost, for a search */
            b[m / 3 + k] = kseq_other(st, b[m / 3 + k], 4);
        return m;
    }
    size_t lo = 400, hi = n - 400;
    memcpy(b, a, lo);
    m = lo + kseq_mutate_pm(st, a + lo, hi - lo, b + lo, 20, 4);
    memcpy(b + m, a + hi, n - hi);
    m += n - hi;
    if (kind == 0)
        damage_seeds(st, b, 64);
    else
        damage_seeds(st, b, 8 * (n / 8) - 104 + m - n); /* a's seed ns - 13 */
    if (e) {
        /* Missed cost at the very far end: substitutions 0, 2 and 4 bytes
         * from it (in x's tail of 7 bytes, in no seed, or 3 in its first
         * seed, which counts at most 2), so that the direction is still
         * alive there; and a substitution (e % 3 = 0), an insertion (1) or
         * a deletion (2) e - 1 bytes from it, where the furthest point
         * stops, so that its row and column come within 8 bytes of the
         * ends in every way. */
        int back = kind == 1; /* b's far end: its start */
        for (size_t k = 0; k <= 4; k += 2) {
            size_t at = back ? k : m - 1 - k;
            b[at] = kseq_other(st, b[at], 4);
        }
        size_t at = back ? e - 1 : m - e; /* e - 1 bytes from the far end */
        if (e % 3 == 0) {
            b[at] = kseq_other(st, b[at], 4);
        } else if (e % 3 == 1) {
            memmove(b + at + 1, b + at, m - at);
            b[at] = kseq_other(st, b[at + 1], 4);
            m++;
        } else {
            memmove(b + at, b + at + 1, m - at - 1);
            m--;
        }
    }
    return m;
}

WQT_AT_EACH_LEVEL(lev_wavefront, one_way_search_at_each_level)

/*
 * The pruned search runs one direction alone, the one that passes the
 * missed cost first (wavefront.c: wf_one_way, from lev_seeds.c's moment).
 * Pairs of 4096 to 4400 bytes (one_way_pair): missed cost near the start
 * or the end, where the moment must choose that end (forward or
 * backward), and the direction then runs in narrow steps through a run of
 * matches to its far end, or to an edit 0 to 46 bytes before it; paths
 * that drift to about the bound's diagonal and back. Each string against
 * an unreadable page after it and before it; exact against the DP under
 * four limits, at each level.
 */
ParameterizedTest(int *level, lev_wavefront, one_way_search_at_each_level, .timeout = 120) {
    int best = wq__lanes_best(), lv = *level < best ? *level : best;
    uint64_t st = 4242 + (uint64_t)*level;
    unsigned char *a = malloc(30000), *b = malloc(60001);
    int32_t *h = malloc((30000 / 4 + 8) * sizeof *h);
    cr_assert(a && b && h);
    for (unsigned t = 0; t < 56; t++) {
        int kind = t < 44 ? (int)(t % 2) : t < 52 ? 2 + (int)(t % 2) : 4;
        size_t n = t < 52 ? 4096 + kbelow(&st, 305) : 4096 * (t - 48) + kbelow(&st, 100);
        if (t >= 4 && t < 44)
            n = 4103 + 8 * kbelow(&st, 30);                /* a tail of 7 bytes in no seed */
        size_t e = t >= 4 && t < 44 ? (t - 4) / 2 + 1 : 0; /* 1 to 20 */
        size_t m = one_way_pair(&st, a, n, b, kind, e);
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n, ns = xn / 8, ucap = 0;
        size_t ref = kind == 4 ? m - n : wq_levenshtein_ref(x, xn, y, ym), lower = 0;
        int64_t moment = 0;
        cr_assert_eq(wq__seed_bounds_ex(lv, WQ__SEEDS_AUTO, x, xn, y, ym, ns / 2, h, h + ns + 2,
                                        NULL, &ucap, &moment),
                     0);
        cr_assert_gt(ucap, (size_t)h[0], "t=%u: the seeds refused or the chain is optimal", t);
        cr_assert_leq(3 * (ucap - (size_t)h[0]), ucap,
                      "t=%u: too loose for the pruned search: U %zu h0 %d D %zu", t, ucap, h[0],
                      ref);
        /* The missed cost lies near the damaged end: the moment's sign
         * (negative: the first half of x) picks that end's direction. */
        if (kind < 2 && e == 0)
            cr_assert(kind == 0 ? moment < 0 : moment > 0, "t=%u kind %d: moment %lld", t, kind,
                      (long long)moment);
        if (kind == 4)
            check_public(a, n, b, m, ref);
        for (int lead = 0; lead < 2; lead++) {
            guarded gx = guard_copy_side(x, xn, lead), gy = guard_copy_side(y, ym, lead);
            size_t caps[] = {WQ_LEV_NO_LIMIT, ref, ref - 1, ref / 2};
            for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
                size_t want = ref <= caps[c] ? ref : caps[c] + 1;
                cr_assert_eq(wq__lev_wavefront_at(lv, gx.at, xn, gy.at, ym, caps[c], 1e30, &lower),
                             want,
                             "level %d t=%u kind %d e=%zu lead %d n=%zu m=%zu cap=%zu ref=%zu", lv,
                             t, kind, e, lead, xn, ym, caps[c], ref);
            }
            munmap(gx.map, gx.len), munmap(gy.map, gy.len);
        }
    }
    free(a), free(b), free(h);
}

/* ------------------------------ the pruned search's first, lower bound -- */

/* A pair for first_bound_then_doubled: a, n random DNA bytes, and b:
 *   0: a at 2% edits, with every third byte of 96 in its middle
 *      substituted: no seed is placed there, so the chain costs that gap
 *      as its longer length (lev_seeds.c: a gap of more than 64 bytes), far
 *      above D (U - h0 near 80), while D - h0 stays about 10;
 *   1: the same with every other byte of 72 substituted in two places:
 *      D - h0 near 40, found by the third run only (slack 16, 32, 64);
 *   2: a at 1% edits, with three substitutions in each of ten stretches
 *      of five seeds (damage_seeds): D - h0 over 16, so that the first run
 *      proves D above its bound, and short gaps, so that U = D in most
 *      pairs, where the last run proves D = U.
 * Returns m. */
static size_t first_bound_pair(uint64_t *st, unsigned char *a, size_t n, unsigned char *b,
                               int kind) {
    kseq_fill(st, a, n, 4);
    size_t m = kseq_mutate_pm(st, a, n, b, kind == 2 ? 10 : 20, 4);
    int regions = kind == 0 ? 1 : kind == 1 ? 2 : 10;
    for (int r = 0; r < regions; r++) {
        size_t at = (size_t)(r + 1) * (m - 96) / (size_t)(regions + 1);
        if (kind == 2)
            damage_seeds(st, b, at);
        else
            for (size_t k = 0; k < (kind == 0 ? 96u : 72u); k += kind == 0 ? 3 : 2)
                b[at + k] = kseq_other(st, b[at + k], 4);
    }
    return m;
}

/*
 * The pruned search first runs with the bound h0 + 16 (WF_SEEDED_SLACK),
 * then with twice the slack each time it proves D above the bound, up to
 * U - 1 (wavefront.c: wf_seeded). Pairs where the first run finds D far
 * below the chain's cost (0), where only the third does (1), and where
 * the first fails and the last proves D = U (2, in one pair at least),
 * the regime of each checked (the seeds' h0 and U against the DP's D);
 * exact against the DP under limits at D, D - 1, and on either side of
 * each run's bound, at each level.
 */
Test(lev_wavefront, first_bound_then_doubled, .timeout = 120) {
    uint64_t st = 1616;
    size_t cap = 16500;
    unsigned char *a = malloc(cap), *b = malloc(2 * cap);
    int32_t *h = malloc((cap / 4 + 8) * sizeof *h);
    cr_assert(a && b && h);
    unsigned proved_u = 0;
    for (unsigned t = 0; t < 7; t++) {
        int kind = t < 2 ? 0 : t < 4 ? 1 : 2;
        size_t n = kind == 1 ? 16384 : kind == 0 ? 12288 : 8192;
        size_t m = first_bound_pair(&st, a, n, b, kind);
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n, ns = xn / 8, ucap = 0;
        size_t ref = wq_levenshtein_ref(x, xn, y, ym);
        int64_t moment = 0;
        cr_assert_eq(wq__seed_bounds_ex(wq__lanes_best(), WQ__SEEDS_AUTO, x, xn, y, ym, ns / 2, h,
                                        h + ns + 2, NULL, &ucap, &moment),
                     0);
        size_t h0 = (size_t)h[0];
        cr_assert_leq(3 * (ucap - h0), ucap, "t=%u: no pruned search: U %zu h0 %zu", t, ucap, h0);
        if (kind == 0)
            cr_assert(ucap > h0 + 16 && ref <= h0 + 16, "t=%u: U %zu h0 %zu D %zu", t, ucap, h0,
                      ref);
        else if (kind == 1)
            cr_assert(ref > h0 + 32 && ref <= h0 + 64 && ucap > h0 + 64, "t=%u: U %zu h0 %zu D %zu",
                      t, ucap, h0, ref);
        else
            cr_assert(ref > h0 + 16, "t=%u: U %zu h0 %zu D %zu", t, ucap, h0, ref);
        proved_u += kind == 2 && ucap == ref;
        size_t caps[] = {WQ_LEV_NO_LIMIT, ref, ref - 1, h0 + 15, h0 + 16, h0 + 17, h0 + 33};
        for (int lv = WQ__LANES_SCALAR; lv <= WQ__LANES_AVX512; lv++)
            for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
                size_t lower = 0, want = ref <= caps[c] ? ref : caps[c] + 1;
                cr_assert_eq(wq__lev_wavefront_at(lv, x, xn, y, ym, caps[c], 1e30, &lower), want,
                             "level %d t=%u kind %d n=%zu m=%zu cap=%zu U %zu h0 %zu D %zu", lv, t,
                             kind, xn, ym, caps[c], ucap, h0, ref);
            }
    }
    cr_assert_geq(proved_u, 1, "no pair of kind 2 with an optimal chain");
    free(a), free(b), free(h);
}

/* ------------------------------------- runs of matches to either end -- */

/*
 * The path's last run reaches the end it runs to (narrow_run: 64 bytes a
 * compare at AVX-512, 32 at AVX2, then 8 and 1): a, 4103 random DNA
 * bytes (a tail of 7 in no seed), and b, a at 2% edits with five damaged
 * seeds near one end (damage_seeds: missed cost there, so that the search
 * runs from that end), its other end's last L + 5 bytes copied, and
 * substitutions 0, 2 and 4 bytes from that end (missed cost, so that the
 * search is still alive there), L from 56 to 120: the run through the L
 * copied bytes ends at every offset of its 64-, 32- and 8-byte steps.
 * A second pass also substitutes the byte just before the copied ones, so
 * that the run starts exactly there: it enters narrow_run L - 3 bytes from
 * the end (after its first 8), so that each of 60..63 bytes left at a
 * 64-byte step is met (the first pass, whose runs start where the random
 * edits left off, missed them: a step bound of 60 read past the end
 * unseen). Each string against an unreadable page past the end the run
 * reaches; exact against the DP (once a pair) under three limits, at each
 * level.
 */
Test(lev_wavefront, runs_to_either_end, .timeout = 120) {
    uint64_t st = 6464;
    size_t n = 4103;
    unsigned char *a = malloc(n), *b = malloc(2 * n + 64);
    cr_assert(a && b);
    for (size_t t = 0; t < 2 * 65; t++) {
        size_t L = 56 + t % 65;
        int back = L % 2, start = t >= 65; /* back: the run reaches b's start */
        kseq_fill(&st, a, n, 4);
        size_t lo = back ? L + 5 : 0, hi = back ? n : n - L - 5, m = lo;
        memcpy(b, a, lo);
        m += kseq_mutate_pm(&st, a + lo, hi - lo, b + lo, 20, 4);
        if (start) { /* the byte next to the copied ones */
            size_t at = back ? lo : m - 1;
            b[at] = kseq_other(&st, b[at], 4);
        }
        memcpy(b + m, a + hi, n - hi);
        m += n - hi;
        damage_seeds(&st, b, back ? m - 400 : 200);
        for (size_t k = 0; k <= 4; k += 2) {
            size_t at = back ? k : m - 1 - k;
            b[at] = kseq_other(&st, b[at], 4);
        }
        const unsigned char *x = n <= m ? a : b, *y = n <= m ? b : a;
        size_t xn = n <= m ? n : m, ym = n <= m ? m : n;
        size_t ref = wq_levenshtein_ref(x, xn, y, ym);
        guarded gx = guard_copy_side(x, xn, back), gy = guard_copy_side(y, ym, back);
        size_t caps[] = {WQ_LEV_NO_LIMIT, ref, ref - 1};
        for (int lv = WQ__LANES_SCALAR; lv <= WQ__LANES_AVX512; lv++)
            for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
                size_t lower = 0, want = ref <= caps[c] ? ref : caps[c] + 1;
                cr_assert_eq(wq__lev_wavefront_at(lv, gx.at, xn, gy.at, ym, caps[c], 1e30, &lower),
                             want, "level %d L=%zu start %d n=%zu m=%zu cap=%zu D %zu", lv, L,
                             start, xn, ym, caps[c], ref);
            }
        munmap(gx.map, gx.len), munmap(gy.map, gy.len);
    }
    free(a), free(b);
}
