/* The batch's 65..512-byte patterns many per vector (lev_multi.c) at each
 * dispatch level, forced (AVX-512 with and without VBMI2's funnel shifts,
 * AVX2, scalar; a level the CPU lacks runs the best one below it), against
 * the O(nm) dynamic programme:
 *   - the lanes alone: mixed pattern and text lengths in one group, lengths
 *     at the word boundaries, empty texts, groups of 1..17 pairs (full,
 *     partial, and partial groups of several word counts sharing lanes at
 *     the flush), limits below and above the distance, alphabets of 2, 4
 *     and 256 (the last splits groups whose tables do not fit);
 *   - the whole batch (wq__levenshtein_batch_at), where only pairs that the
 *     wavefront hands over reach the lanes: unrelated and related pairs,
 *     empty sequences, short pairs between long ones.
 * The kernel sources are compiled in, so the internal entry points are
 * reachable in shared builds too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <workq/kernels.h>

#include "kernels_internal.h"
#include "test_rand.h"
#include "test_seq.h"

/* Lengths at and around the word boundaries. */
static const size_t pat_lens[] = {65,  66,  100, 127, 128, 129, 191, 192, 193,
                                  255, 256, 257, 320, 383, 448, 511, 512};
static const size_t txt_lens[] = {0,   1,   63,  64,  65,  127, 128, 129, 255,
                                  256, 257, 300, 511, 512, 513, 600, 1000};
static const size_t any_lens[] = {0,   1,   63,  64,  65,  127, 128, 129, 255,
                                  256, 257, 511, 512, 513, 400, 500, 300};
#define NPAT (sizeof pat_lens / sizeof *pat_lens)
#define NTXT (sizeof txt_lens / sizeof *txt_lens)
#define NANY (sizeof any_lens / sizeof *any_lens)
#define MAXLEN 1024

typedef struct pairs_buf {
    unsigned char (*s)[2][MAXLEN];
    wq_pair *pairs;
    size_t *d, *ref, n;
} pairs_buf;

static pairs_buf pairs_alloc(size_t n) {
    pairs_buf pb = {malloc(n * sizeof *pb.s), malloc(n * sizeof *pb.pairs),
                    malloc(n * sizeof *pb.d), malloc(n * sizeof *pb.ref), n};
    cr_assert(pb.s && pb.pairs && pb.d && pb.ref);
    return pb;
}

static void pairs_free(pairs_buf *pb) {
    free(pb->s);
    free(pb->pairs);
    free(pb->d);
    free(pb->ref);
}

/* Pair i: a of length la, b unrelated (pct 100) or with pct% of its
 * positions substituted, of length lb; ref[i] its DP distance. */
static void pair_make(pairs_buf *pb, uint64_t *st, size_t i, size_t la, size_t lb, unsigned pct,
                      unsigned sigma) {
    kseq_fill(st, pb->s[i][0], la, sigma);
    kseq_substitute_pct(st, pb->s[i][0], la, pb->s[i][1], lb, pct, sigma);
    pb->pairs[i] = (wq_pair){(const char *)pb->s[i][0], (const char *)pb->s[i][1], la, lb};
    pb->ref[i] = wq_levenshtein_ref(pb->s[i][0], la, pb->s[i][1], lb);
}

/* A fourth level for the lanes alone: AVX-512 without VBMI2's funnel
 * shifts (wq__multi's vbmi2 cleared after the init), the column that
 * AVX-512 CPUs without VBMI2 run. */
#define AVX512_PLAIN 3

/* The pairs through the lanes alone at `level` (or AVX512_PLAIN) with
 * limit k (a as the pattern), every distance against the DP. */
static void check_multi(pairs_buf *pb, int level, size_t k) {
    wq__multi *mu = aligned_alloc(64, (sizeof *mu + 63) / 64 * 64);
    cr_assert(mu);
    int plain = level == AVX512_PLAIN;
    level = plain ? WQ__LANES_AVX512 : level;
    wq__multi_init(mu, level, pb->d, k);
    int best = wq__lanes_best();
    cr_assert_eq(mu->level, level < best ? level : best);
    cr_assert_eq(mu->vbmi2, mu->level == WQ__LANES_AVX512 && __builtin_cpu_supports("avx512vbmi2"));
    if (plain)
        mu->vbmi2 = 0;
    for (size_t i = 0; i < pb->n; i++) {
        pb->d[i] = (size_t)-7;
        const wq_pair *q = &pb->pairs[i];
        int taken = wq__multi_add(mu, (const unsigned char *)q->a, q->alen,
                                  (const unsigned char *)q->b, q->blen, i);
        cr_assert_eq(taken, mu->level > WQ__LANES_SCALAR, "level %d pair %zu", mu->level, i);
        if (!taken)
            pb->d[i] = wq_levenshtein(q->a, q->alen, q->b, q->blen, k);
    }
    wq__multi_flush(mu);
    for (size_t i = 0; i < pb->n; i++) {
        size_t ref = pb->ref[i];
        cr_assert_eq(pb->d[i], ref <= k ? ref : k + 1, "level %d pair %zu: %zu x %zu, k=%zu",
                     mu->level, i, pb->pairs[i].alen, pb->pairs[i].blen, k);
    }
    free(mu);
}

/* The same pairs through the whole batch at `level`. */
static void check_batch(pairs_buf *pb, int level, size_t k) {
    for (size_t i = 0; i < pb->n; i++)
        pb->d[i] = (size_t)-7;
    size_t fail = (size_t)-5;
    cr_assert_eq(wq__levenshtein_batch_at(level, pb->pairs, pb->d, pb->n, k, &fail), 0);
    cr_assert_eq(fail, (size_t)-5);
    for (size_t i = 0; i < pb->n; i++) {
        size_t ref = pb->ref[i];
        cr_assert_eq(pb->d[i], ref <= k ? ref : k + 1, "level %d pair %zu: %zu x %zu, k=%zu", level,
                     i, pb->pairs[i].alen, pb->pairs[i].blen, k);
    }
}

/* Limits around the pairs' distances: none, 0, below the smallest, the
 * median, above the largest. */
static void limits_of(const pairs_buf *pb, size_t lim[5]) {
    size_t lo = (size_t)-1, hi = 0;
    for (size_t i = 0; i < pb->n; i++) {
        lo = pb->ref[i] < lo ? pb->ref[i] : lo;
        hi = pb->ref[i] > hi ? pb->ref[i] : hi;
    }
    lim[0] = WQ_LEV_NO_LIMIT;
    lim[1] = 0;
    lim[2] = lo ? lo - 1 : 0;
    lim[3] = pb->ref[pb->n / 2];
    lim[4] = hi + 1;
}

/* check(pb, level, k) at each of limits_of's limits. */
static void check_at_limits(pairs_buf *pb, int level, void (*check)(pairs_buf *, int, size_t)) {
    size_t lim[5];
    limits_of(pb, lim);
    for (size_t l = 0; l < 5; l++)
        check(pb, level, lim[l]);
}

static int levels[] = {WQ__LANES_SCALAR, WQ__LANES_AVX2, WQ__LANES_AVX512};
#define NLEVELS (sizeof levels / sizeof *levels)
static int lane_levels[] = {WQ__LANES_SCALAR, WQ__LANES_AVX2, WQ__LANES_AVX512, AVX512_PLAIN};
#define NLANE_LEVELS (sizeof lane_levels / sizeof *lane_levels)

ParameterizedTestParameters(lev_multi, lanes_mixed_lengths) {
    return cr_make_param_array(int, lane_levels, NLANE_LEVELS);
}

/* Groups of 1..17 pairs (so full, partial and shared groups), each pair a
 * pattern and text of boundary lengths, unrelated or 10% substituted. */
ParameterizedTest(int *level, lev_multi, lanes_mixed_lengths, .timeout = 60) {
    static const unsigned sigmas[] = {2, 4, 256};
    uint64_t st = 41 + (uint64_t)*level;
    for (size_t s = 0; s < 3; s++)
        for (size_t n = 1; n <= 17; n++) {
            pairs_buf pb = pairs_alloc(n);
            for (size_t i = 0; i < n; i++)
                pair_make(&pb, &st, i, pat_lens[kbelow(&st, NPAT)], txt_lens[kbelow(&st, NTXT)],
                          kbelow(&st, 2) ? 100 : 10, sigmas[s]);
            check_at_limits(&pb, *level, check_multi);
            pairs_free(&pb);
        }
}

ParameterizedTestParameters(lev_multi, lanes_one_width) {
    return cr_make_param_array(int, lane_levels, NLANE_LEVELS);
}

/* Full groups of one word count at each count, pattern lengths spread over
 * the count's range and texts from the same range (the common case), so
 * every lane's last-word mask and every width's unrolled loop is used. */
ParameterizedTest(int *level, lev_multi, lanes_one_width, .timeout = 60) {
    uint64_t st = 5 + (uint64_t)*level;
    for (size_t nw = 2; nw <= 8; nw++) {
        pairs_buf pb = pairs_alloc(24);
        for (size_t i = 0; i < pb.n; i++) {
            size_t la = 64 * (nw - 1) + 1 + kbelow(&st, 64);
            size_t lb = 64 * (nw - 1) + 1 + kbelow(&st, 64);
            pair_make(&pb, &st, i, la, lb, 100, i % 2 ? 4 : 2);
        }
        check_at_limits(&pb, *level, check_multi);
        pairs_free(&pb);
    }
}

ParameterizedTestParameters(lev_multi, batch_mixed) {
    return cr_make_param_array(int, levels, NLEVELS);
}

/* The whole batch on batches of 1..17 pairs and one of 200: lengths at the
 * word boundaries (empty ones too), unrelated pairs (those reach the lanes)
 * among related and short ones, each alphabet, limits below and above. */
ParameterizedTest(int *level, lev_multi, batch_mixed, .timeout = 60) {
    static const unsigned sigmas[] = {2, 4, 256};
    static const unsigned pcts[] = {100, 100, 100, 30, 2};
    uint64_t st = 77 + (uint64_t)*level;
    for (size_t s = 0; s < 3; s++)
        for (size_t n = 1; n <= 18; n++) {
            size_t np = n == 18 ? 200 : n;
            pairs_buf pb = pairs_alloc(np);
            for (size_t i = 0; i < np; i++)
                pair_make(&pb, &st, i, any_lens[kbelow(&st, NANY)], any_lens[kbelow(&st, NANY)],
                          pcts[kbelow(&st, 5)], sigmas[s]);
            check_at_limits(&pb, *level, check_batch);
            check_batch(&pb, *level, 64); /* lev_small's sample bound reaches below */
            pairs_free(&pb);
        }
}
