/* The short pairs of the batch (lev_lanes.c) at each dispatch level, forced
 * (AVX-512, AVX2, scalar; a level the CPU lacks runs the best one below
 * it), against the O(nm) dynamic programme: mixed lengths in one group,
 * lengths at the lane widths' boundaries, empty sides, texts too long for
 * the vector lanes, partial groups, several alphabets (NUL included) and
 * limits (around each lane width's maximum too), alone and through the
 * batch entry at each level. The kernel's sources are compiled into this
 * test, so its internal entry points are reachable in shared builds too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <workq/kernels.h>

#include "kernels_internal.h"
#include "test_levels.h"
#include "test_rand.h"
#include "test_seq.h"

static const size_t edge_lens[] = {0,  1,  2,  3,  4,  7,  8,  9,  15, 16,
                                   17, 31, 32, 33, 63, 64, 65, 66, 80};
#define N_EDGE (sizeof edge_lens / sizeof *edge_lens)
#define MAXLEN 80

typedef struct pairs_buf {
    unsigned char (*s)[2][MAXLEN];
    wq_pair *pairs;
    size_t *d, n;
} pairs_buf;

/* n random pairs: lengths from edge_lens (or uniform up to 20 when
 * `short_only`), over sigma, with related and unrelated pairs mixed. */
static pairs_buf make_pairs(uint64_t *st, size_t n, unsigned sigma, int short_only) {
    pairs_buf pb = {malloc(n * sizeof *pb.s), malloc(n * sizeof *pb.pairs),
                    malloc(n * sizeof *pb.d), n};
    cr_assert(pb.s && pb.pairs && pb.d);
    for (size_t i = 0; i < n; i++) {
        size_t la = short_only ? kbelow(st, 21) : edge_lens[kbelow(st, N_EDGE)];
        size_t lb = short_only ? kbelow(st, 21) : edge_lens[kbelow(st, N_EDGE)];
        for (size_t j = 0; j < la; j++)
            pb.s[i][0][j] = kseq_letter(st, sigma);
        kseq_substitute_pct(st, pb.s[i][0], la, pb.s[i][1], lb, (unsigned)kbelow(st, 3) * 50,
                            sigma);
        pb.pairs[i] = (wq_pair){(const char *)pb.s[i][0], (const char *)pb.s[i][1], la, lb};
    }
    return pb;
}

static void free_pairs(pairs_buf *pb) {
    free(pb->s);
    free(pb->pairs);
    free(pb->d);
}

/* Runs the pairs through the lanes at `level` with limit k, and checks
 * every distance against the reference. */
static void check_lanes(const pairs_buf *pb, int level, size_t k) {
    /* its groups want 64-byte alignment, as on the batch's stack */
    wq__lanes *ls = aligned_alloc(64, (sizeof *ls + 63) / 64 * 64);
    cr_assert(ls);
    memset(ls, 0x5a, sizeof *ls); /* stale, as on a used stack: init must reset what counts */
    wq__lanes_init(ls, level, pb->d, k);
    int best = wq__lanes_best();
    cr_assert_eq(ls->level, level < best ? level : best);
    for (size_t i = 0; i < pb->n; i++)
        pb->d[i] = (size_t)-7;
    size_t p = 0;
    while (p < pb->n) {
        p = wq__lanes_take(ls, pb->pairs, p, pb->n);
        if (p < pb->n) { /* a long pair: the caller's, left alone */
            const wq_pair *q = &pb->pairs[p];
            cr_assert(q->alen > 64 && q->blen > 64, "stopped at pair %zu", p);
            pb->d[p] = (size_t)-9;
            p++;
        }
    }
    wq__lanes_flush(ls);
    for (size_t i = 0; i < pb->n; i++) {
        const wq_pair *q = &pb->pairs[i];
        if (q->alen > 64 && q->blen > 64) {
            cr_assert_eq(pb->d[i], (size_t)-9);
            continue;
        }
        size_t ref = wq_levenshtein_ref(q->a, q->alen, q->b, q->blen);
        cr_assert_eq(pb->d[i], ref <= k ? ref : k + 1, "level %d pair %zu: %zu x %zu, k=%zu", level,
                     i, q->alen, q->blen, k);
    }
    free(ls);
}

WQT_AT_EACH_LEVEL(lev_lanes, each_level)

/* Lengths at every lane width's boundary, mixed in each group. */
ParameterizedTest(int *level, lev_lanes, each_level, .timeout = 60) {
    static const unsigned sigmas[] = {2, 4, 256};
    static const size_t limits[] = {WQ_LEV_NO_LIMIT, 0, 5, 40};
    uint64_t st = 11 + (uint64_t)*level;
    for (unsigned long r = 0; r < kstress(); r++)
        for (size_t s = 0; s < 3; s++) {
            pairs_buf pb = make_pairs(&st, 1500 + 37 * s, sigmas[s], 0);
            for (size_t l = 0; l < 4; l++)
                check_lanes(&pb, *level, limits[l]);
            free_pairs(&pb);
        }
}

WQT_AT_EACH_LEVEL(lev_lanes, short_groups)

/* Only short pairs (both vector widths, every length up to 20), in
 * batches of every size around a group's: 1..70 pairs, so groups end full,
 * partial and empty. */
ParameterizedTest(int *level, lev_lanes, short_groups, .timeout = 60) {
    uint64_t st = 99 + (uint64_t)*level;
    for (size_t n = 1; n <= 70; n++) {
        pairs_buf pb = make_pairs(&st, n, n % 2 ? 4 : 256, 1);
        check_lanes(&pb, *level, WQ_LEV_NO_LIMIT);
        check_lanes(&pb, *level, 3);
        free_pairs(&pb);
    }
}

WQT_AT_EACH_LEVEL(lev_lanes, each_level_equal_lengths)

/* Equal lengths per group (the vector lanes' common case: no padding) at
 * 8, 14, 16 and 64 bytes. */
ParameterizedTest(int *level, lev_lanes, each_level_equal_lengths, .timeout = 60) {
    static const size_t lens[] = {8, 14, 16, 64};
    uint64_t st = 7 + (uint64_t)*level;
    for (size_t i = 0; i < 4; i++) {
        pairs_buf pb = make_pairs(&st, 200, 4, 1);
        for (size_t p = 0; p < pb.n; p++) {
            for (size_t j = 0; j < lens[i]; j++) {
                pb.s[p][0][j] = kseq_letter(&st, 4);
                pb.s[p][1][j] = kseq_letter(&st, 4);
            }
            pb.pairs[p].alen = pb.pairs[p].blen = lens[i];
        }
        check_lanes(&pb, *level, WQ_LEV_NO_LIMIT);
        free_pairs(&pb);
    }
}

WQT_AT_EACH_LEVEL(lev_lanes, wide_lanes)

/* The 64-bit lanes (patterns of 33..64 bytes, texts of at most 64) and
 * their neighbours: patterns of 32..34, 47..49 and 63..65 bytes, on either
 * side; batches of 1..17 pairs (partial groups) and of 40 and 100 (full
 * ones). Each batch has one length for all (full groups of consecutive
 * pairs), or mixed pattern and text lengths (texts up to 48 bytes longer
 * than the pattern, past WQ__LANE_COLS too), or every third pair an empty
 * side, a narrower pattern or a long pair (groups of scattered pairs), or
 * texts of 63..80 bytes against patterns of 33..35; related and unrelated
 * pairs; limits around the distances and the 32- and 64-bit lanes'
 * signed and unsigned maxima. */
ParameterizedTest(int *level, lev_lanes, wide_lanes, .timeout = 60) {
    static const size_t pat[] = {32, 33, 34, 47, 48, 49, 63, 64, 65};
    static const size_t odd[] = {0, 0, 14, 20, 70};
    static const size_t sizes[] = {1, 2, 7, 8, 9, 15, 16, 17, 40, 100};
    static const unsigned sigmas[] = {4, 2, 256};
    static const size_t limits[] = {0,
                                    1,
                                    5,
                                    32,
                                    33,
                                    63,
                                    64,
                                    65,
                                    0x7fffffff,
                                    0xffffffff,
                                    (size_t)1 << 32,
                                    ((size_t)1 << 63) - 2,
                                    ((size_t)1 << 63) - 1,
                                    (size_t)1 << 63,
                                    WQ_LEV_NO_LIMIT - 1,
                                    WQ_LEV_NO_LIMIT};
    uint64_t st = 23 + (uint64_t)*level;
    for (size_t mode = 0; mode < 4; mode++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            size_t n = sizes[s], one = pat[kbelow(&st, 9)];
            unsigned sigma = sigmas[s % 3];
            pairs_buf pb = make_pairs(&st, n, sigma, 1);
            for (size_t p = 0; p < n; p++) {
                size_t la, lb;
                if (mode == 0) { /* one length */
                    la = lb = one;
                } else if (mode == 1) { /* mixed */
                    la = pat[kbelow(&st, 9)];
                    lb = la + kbelow(&st, MAXLEN - la + 1);
                } else if (mode == 2 && p % 3 == 1) { /* scattered */
                    la = odd[kbelow(&st, 5)];
                    lb = kbelow(&st, MAXLEN + 1);
                } else if (mode == 2) {
                    la = 33 + kbelow(&st, 32);
                    lb = la + kbelow(&st, 64 - la + 1);
                } else { /* long texts */
                    la = 33 + kbelow(&st, 3);
                    lb = 63 + kbelow(&st, 3) + (kbelow(&st, 4) ? 0 : 15);
                }
                unsigned char *a = pb.s[p][0], *b = pb.s[p][1];
                kseq_fill(&st, a, la, sigma);
                kseq_substitute_pct(&st, a, la, b, lb, (unsigned)kbelow(&st, 4) * 30, sigma);
                pb.pairs[p] = p % 2 ? (wq_pair){(const char *)b, (const char *)a, lb, la}
                                    : (wq_pair){(const char *)a, (const char *)b, la, lb};
            }
            for (size_t l = 0; l < sizeof limits / sizeof *limits; l++)
                check_lanes(&pb, *level, limits[l]);
            free_pairs(&pb);
        }
}

/* The public batch (the CPU's best level) on the same kind of pairs, with
 * long pairs between short ones. */
Test(lev_lanes, batch_mixed_with_long_pairs, .timeout = 60) {
    uint64_t st = 3;
    pairs_buf pb = make_pairs(&st, 3000, 4, 0);
    wq_lev_opts o = {6};
    cr_assert_eq(wq_levenshtein_batch(pb.pairs, pb.d, pb.n, &o), 0);
    for (size_t i = 0; i < pb.n; i++) {
        const wq_pair *q = &pb.pairs[i];
        size_t ref = wq_levenshtein_ref(q->a, q->alen, q->b, q->blen);
        cr_assert_eq(pb.d[i], ref <= 6 ? ref : 7, "pair %zu", i);
    }
    free_pairs(&pb);
}

WQT_AT_EACH_LEVEL(lev_lanes, limits_at_lane_maxima)

/* Limits around the distances' range and each lane's signed and unsigned
 * maximum (the vector lanes cap k + 1 in 8- or 16-bit lanes): equal
 * lengths of 1..16 per group, so that groups of one class run full and
 * consecutive (one run of distances written at once), and mixed ones. */
ParameterizedTest(int *level, lev_lanes, limits_at_lane_maxima, .timeout = 60) {
    static const size_t limits[] = {
        1,   15,  16,  17,    63,    64,    65,    126,   127,   128,
        254, 255, 256, 32766, 32767, 32768, 65534, 65535, 65536, WQ_LEV_NO_LIMIT - 1};
    uint64_t st = 41 + (uint64_t)*level;
    for (size_t len = 1; len <= 16; len++) {
        pairs_buf pb = make_pairs(&st, 130, len % 2 ? 4 : 256, 1);
        for (size_t p = 0; p < pb.n; p++) {
            size_t lb = p % 3 ? len : len + kbelow(&st, 3); /* one pair in three longer */
            for (size_t j = 0; j < lb; j++) {
                pb.s[p][0][j] = kseq_letter(&st, 4);
                pb.s[p][1][j] = kseq_letter(&st, 4);
            }
            pb.pairs[p].alen = p % 2 ? len : lb;
            pb.pairs[p].blen = p % 2 ? lb : len;
        }
        for (size_t l = 0; l < sizeof limits / sizeof *limits; l++)
            check_lanes(&pb, *level, limits[l]);
        free_pairs(&pb);
    }
}

WQT_AT_EACH_LEVEL(lev_lanes, batch_at_each_level)

/* The batch entry (levenshtein.c) at each level, forced: runs of pairs of
 * one class (whole groups of consecutive pairs) broken by pairs of the
 * other classes, by empty sides and by long pairs, at every offset. */
ParameterizedTest(int *level, lev_lanes, batch_at_each_level, .timeout = 60) {
    static const size_t odd_lens[] = {0, 3, 8, 17, 40, 64, 65, 70};
    uint64_t st = 77 + (uint64_t)*level;
    enum { N = 700 };
    pairs_buf pb = make_pairs(&st, N, 4, 1);
    for (size_t run = 0; run < 8; run++) {
        for (size_t p = 0; p < N; p++) {
            int odd = p % 97 == run * 11 % 97 || p % 151 == run;
            size_t la = odd ? odd_lens[kbelow(&st, 8)] : 9 + (p + run) % 8;
            size_t lb = odd ? odd_lens[kbelow(&st, 8)] : la + kbelow(&st, 2);
            lb = lb > MAXLEN ? MAXLEN : lb;
            for (size_t j = 0; j < MAXLEN; j++) {
                pb.s[p][0][j] = kseq_letter(&st, 4);
                pb.s[p][1][j] = kseq_letter(&st, 4);
            }
            pb.pairs[p] = (wq_pair){(const char *)pb.s[p][0], (const char *)pb.s[p][1], la, lb};
        }
        size_t k = run % 2 ? WQ_LEV_NO_LIMIT : 4 + run;
        for (size_t i = 0; i < N; i++)
            pb.d[i] = (size_t)-7;
        cr_assert_eq(wq__levenshtein_batch_at(*level, pb.pairs, pb.d, N, k, NULL), 0);
        for (size_t i = 0; i < N; i++) {
            const wq_pair *q = &pb.pairs[i];
            size_t ref = wq_levenshtein_ref(q->a, q->alen, q->b, q->blen);
            cr_assert_eq(pb.d[i], ref <= k ? ref : k + 1, "level %d run %zu pair %zu: %zu x %zu",
                         *level, run, i, q->alen, q->blen);
        }
    }
    free_pairs(&pb);
}
