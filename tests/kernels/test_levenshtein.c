/* The Levenshtein kernels against the O(nm) dynamic programme: the lesson's
 * pairs, random pairs around word boundaries over several alphabets,
 * mutated pairs, limits, the batch, metric properties, and long inputs whose
 * distance is known exactly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <workq/kernels.h>

#include "test_rand.h"
#include "test_seq.h"

/* ------------------------------------------------------------ helpers -- */

/* Word boundaries of one to eight 64-bit words (the register-resident
 * columns go up to 8 words, 512 rows), and a longer length. */
static const size_t boundary_lens[] = {0,   1,   2,   63,  64,  65,  127, 128, 129, 191, 192,
                                       193, 255, 256, 257, 383, 384, 511, 512, 513, 700};
#define N_LENS (sizeof boundary_lens / sizeof *boundary_lens)

/* Every entry point against the reference on one pair, with a limit. */
static void check_pair(const unsigned char *a, size_t n, const unsigned char *b, size_t m,
                       size_t k) {
    size_t ref = wq_levenshtein_ref(a, n, b, m);
    cr_assert_eq(wq_levenshtein(a, n, b, m, WQ_LEV_NO_LIMIT), ref, "n=%zu m=%zu", n, m);
    size_t want = ref <= k ? ref : k + 1;
    cr_assert_eq(wq_levenshtein(a, n, b, m, k), want, "n=%zu m=%zu k=%zu ref=%zu", n, m, k, ref);
    wq_pair p = {(const char *)a, (const char *)b, n, m};
    size_t d = 0;
    cr_assert_eq(wq_levenshtein_batch(&p, &d, 1, &(wq_lev_opts){k}), 0);
    cr_assert_eq(d, want, "batch n=%zu m=%zu k=%zu", n, m, k);
}

/* ------------------------------------------------------- lesson pairs -- */

/* Strings held inline: Criterion runs each case in a fresh process, where
 * pointers into the parent's data would not be valid. */
typedef struct lev_case {
    char a[16], b[16];
    size_t d;
} lev_case;

ParameterizedTestParameters(levenshtein, lesson_pairs) {
    static lev_case cases[] = {
        {"attctg", "accagt", 4},
        {"ccat", "agcattacg", 6},
        {"tacagg", "cctgac", 5},
        {"gttcatgga", "tccg", 6},
        {"catgcg", "gagtac", 4},
        {"tcac", "tgcatgcgg", 5},
        {"", "", 0},
        {"", "abc", 3},
        {"kitten", "sitting", 3},
        {"flaw", "lawn", 2},
    };
    return cr_make_param_array(lev_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(lev_case *c, levenshtein, lesson_pairs, .timeout = 60) {
    size_t n = strlen(c->a), m = strlen(c->b);
    cr_assert_eq(wq_levenshtein_ref(c->a, n, c->b, m), c->d);
    cr_assert_eq(wq_levenshtein(c->a, n, c->b, m, WQ_LEV_NO_LIMIT), c->d);
    cr_assert_eq(wq_levenshtein(c->b, m, c->a, n, WQ_LEV_NO_LIMIT), c->d);
    for (size_t k = 0; k <= c->d + 1; k++)
        check_pair((const unsigned char *)c->a, n, (const unsigned char *)c->b, m, k);
}

/* ------------------------------------------------------------ random -- */

ParameterizedTestParameters(levenshtein, random_pairs_around_word_boundaries) {
    static unsigned sigmas[] = {2, 4, 26, 256};
    return cr_make_param_array(unsigned, sigmas, sizeof sigmas / sizeof *sigmas);
}

ParameterizedTest(unsigned *sigma, levenshtein, random_pairs_around_word_boundaries,
                  .timeout = 60) {
    uint64_t st = *sigma;
    unsigned char *a = malloc(2000), *b = malloc(2000);
    cr_assert(a && b);
    unsigned long rounds = 2 * kstress();
    for (unsigned long r = 0; r < rounds; r++)
        for (size_t i = 0; i < N_LENS; i++)
            for (size_t j = 0; j < N_LENS; j++) {
                size_t n = boundary_lens[i], m = boundary_lens[j];
                kseq_fill(&st, a, n, *sigma);
                kseq_fill(&st, b, m, *sigma);
                size_t ref = wq_levenshtein_ref(a, n, b, m);
                check_pair(a, n, b, m, kbelow(&st, ref + 2));
            }
    free(a);
    free(b);
}

Test(levenshtein, mutated_pairs, .timeout = 60) {
    static const unsigned rates[] = {0, 1, 3, 10, 30};
    static const unsigned sigmas[] = {2, 4, 256};
    uint64_t st = 42;
    unsigned char *a = malloc(3000), *b = malloc(6001);
    cr_assert(a && b);
    unsigned long trials = 150 * kstress();
    for (unsigned long t = 0; t < trials; t++) {
        size_t n = boundary_lens[kbelow(&st, N_LENS)] + kbelow(&st, 3);
        unsigned sigma = sigmas[t % 3];
        kseq_fill(&st, a, n, sigma);
        size_t m = kseq_mutate_pct(&st, a, n, b, rates[t % 5], sigma);
        size_t ref = wq_levenshtein_ref(a, n, b, m);
        check_pair(a, n, b, m, ref);
        check_pair(a, n, b, m, ref ? ref - 1 : 0);
        check_pair(b, m, a, n, ref / 2);
    }
    free(a);
    free(b);
}

Test(levenshtein, identical_empty_and_one_sided, .timeout = 60) {
    uint64_t st = 7;
    unsigned char a[300];
    for (size_t i = 0; i < N_LENS; i++) {
        size_t n = boundary_lens[i] < sizeof a ? boundary_lens[i] : sizeof a;
        kseq_fill(&st, a, n, 4);
        cr_assert_eq(wq_levenshtein(a, n, a, n, WQ_LEV_NO_LIMIT), 0);
        cr_assert_eq(wq_levenshtein(a, n, a, n, 0), 0);
        cr_assert_eq(wq_levenshtein(a, n, NULL, 0, WQ_LEV_NO_LIMIT), n);
        cr_assert_eq(wq_levenshtein(NULL, 0, a, n, WQ_LEV_NO_LIMIT), n);
        if (n > 0)
            cr_assert_eq(wq_levenshtein(a, n, NULL, 0, n - 1), n);
        /* a one-sided extension costs exactly its length */
        cr_assert_eq(wq_levenshtein(a, n, a, n / 2, WQ_LEV_NO_LIMIT), n - n / 2);
        cr_assert_eq(wq_levenshtein(a + n / 3, n - n / 3, a, n, WQ_LEV_NO_LIMIT), n / 3);
    }
}

Test(levenshtein, symmetry_and_triangle_inequality, .timeout = 60) {
    uint64_t st = 11;
    unsigned char s[3][701];
    unsigned long trials = 200 * kstress();
    for (unsigned long t = 0; t < trials; t++) {
        size_t len[3];
        for (int i = 0; i < 3; i++) {
            len[i] = t % 2 ? kbelow(&st, 300) : boundary_lens[kbelow(&st, N_LENS)];
            kseq_fill(&st, s[i], len[i], t % 3 ? 4 : 2);
        }
        size_t d01 = wq_levenshtein(s[0], len[0], s[1], len[1], WQ_LEV_NO_LIMIT);
        size_t d10 = wq_levenshtein(s[1], len[1], s[0], len[0], WQ_LEV_NO_LIMIT);
        size_t d12 = wq_levenshtein(s[1], len[1], s[2], len[2], WQ_LEV_NO_LIMIT);
        size_t d02 = wq_levenshtein(s[0], len[0], s[2], len[2], WQ_LEV_NO_LIMIT);
        cr_assert_eq(d01, d10);
        cr_assert_leq(d02, d01 + d12);
    }
}

/* ------------------------------------------------------------- batch -- */

Test(levenshtein, batch_of_short_pairs, .timeout = 60) {
    enum { N = 2000 };
    uint64_t st = 5;
    unsigned char(*buf)[2][70] = malloc(N * sizeof *buf);
    wq_pair *pairs = malloc(N * sizeof *pairs);
    size_t *d = malloc(N * sizeof *d);
    cr_assert(buf && pairs && d);
    for (size_t i = 0; i < N; i++) {
        size_t n = 4 + kbelow(&st, i % 10 ? 11 : 67), m = 4 + kbelow(&st, 11);
        kseq_fill(&st, buf[i][0], n, 4);
        kseq_fill(&st, buf[i][1], m, 4);
        pairs[i] = (wq_pair){(const char *)buf[i][0], (const char *)buf[i][1], n, m};
    }
    size_t limits[] = {WQ_LEV_NO_LIMIT, 0, 3, 8};
    for (size_t l = 0; l < 4; l++) {
        wq_lev_opts o = {limits[l]};
        cr_assert_eq(wq_levenshtein_batch(pairs, d, N, l ? &o : NULL), 0);
        for (size_t i = 0; i < N; i++) {
            size_t ref = wq_levenshtein_ref(pairs[i].a, pairs[i].alen, pairs[i].b, pairs[i].blen);
            cr_assert_eq(d[i], ref <= limits[l] ? ref : limits[l] + 1, "pair %zu", i);
        }
    }
    cr_assert_eq(wq_levenshtein_batch(pairs, d, 0, NULL), 0);
    free(buf);
    free(pairs);
    free(d);
}

/* -------------------------------------------------------------- long -- */

/* Distances known exactly without a reference: b is a with `count` bytes
 * that never occur in a (each costs at least one edit, and one suffices). */
static size_t plant(uint64_t *st, const unsigned char *a, size_t n, unsigned char *b, size_t every,
                    int insert) {
    size_t m = 0, count = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % every == every / 2 && kbelow(st, 2)) {
            b[m++] = 'X';
            count++;
            if (!insert)
                continue;
        }
        b[m++] = a[i];
    }
    return count | (m << 32); /* both, packed: lengths here stay below 2^31 */
}

Test(levenshtein, long_inputs_with_known_distances, .timeout = 60) {
    size_t n = 1000000;
    uint64_t st = 9;
    unsigned char *a = malloc(n), *b = malloc(2 * n);
    cr_assert(a && b);
    kseq_fill(&st, a, n, 4);
    for (int insert = 0; insert <= 1; insert++) {
        size_t packed = plant(&st, a, n, b, 997, insert);
        size_t count = packed & 0xffffffffu, m = packed >> 32;
        /* insertions need the limit to keep the band narrow */
        size_t k = insert ? count + 5 : WQ_LEV_NO_LIMIT;
        cr_assert_eq(wq_levenshtein(a, n, b, m, k), count, "insert=%d", insert);
        cr_assert_eq(wq_levenshtein(b, m, a, n, k), count);
        cr_assert_eq(wq_levenshtein(a, n, b, m, count - 1), count);
        cr_assert_eq(wq_levenshtein(a, n, b, m, count / 2), count / 2 + 1);
    }
    cr_assert_eq(wq_levenshtein(a, n, a, n, WQ_LEV_NO_LIMIT), 0);
    cr_assert_eq(wq_levenshtein(a, n, NULL, 0, WQ_LEV_NO_LIMIT), n);
    free(a);
    free(b);
}

Test(levenshtein, long_random_against_reference, .timeout = 60) {
    uint64_t st = 13;
    size_t n = 3000, m = 2900;
    unsigned char *a = malloc(n), *b = malloc(n + m);
    cr_assert(a && b);
    kseq_fill(&st, a, n, 4);
    kseq_fill(&st, b, m, 4);
    size_t ref = wq_levenshtein_ref(a, n, b, m);
    check_pair(a, n, b, m, ref);
    check_pair(a, n, b, m, ref - 1);
    check_pair(a, n, b, m, 150);
    size_t m2 = kseq_mutate_pct(&st, a, n, b, 5, 4);
    check_pair(a, n, b, m2, WQ_LEV_NO_LIMIT - 1);
    check_pair(a, n, b, m2, 100);
    free(a);
    free(b);
}

/* Pairs long enough for the per-pair method choice (prefix sample, band
 * doubling, one capped pass), at divergences on both sides of its switch,
 * with and without a limit around the distance. */
Test(levenshtein, method_switch_on_long_mutated_pairs, .timeout = 60) {
    static const unsigned rates[] = {0, 1, 2, 5, 12, 25, 60};
    uint64_t st = 17;
    size_t n = 2500;
    unsigned char *a = malloc(n), *b = malloc(2 * n + 1);
    cr_assert(a && b);
    unsigned long rounds = kstress();
    for (unsigned long r = 0; r < rounds; r++)
        for (size_t i = 0; i < sizeof rates / sizeof *rates; i++) {
            kseq_fill(&st, a, n, 4);
            size_t m = kseq_mutate_pct(&st, a, n, b, rates[i], 4);
            size_t ref = wq_levenshtein_ref(a, n, b, m);
            check_pair(a, n, b, m, ref);
            check_pair(b, m, a, n, ref + 100);
            if (ref > 0)
                check_pair(a, n, b, m, ref - 1);
        }
    free(a);
    free(b);
}

/* The batch's pattern cache (64 < n <= 256): runs of pairs sharing the
 * first string's pointer, as all-vs-all makes them, with the same pointer
 * at other lengths (prefixes: the key is pointer and length), swapped
 * sides, related and unrelated partners, and limits around the distance
 * (the capped path's two-ended bound). */
Test(levenshtein, batch_reuses_the_pattern_table, .timeout = 60) {
    enum { N = 600 };
    uint64_t st = 23;
    unsigned char *pat = malloc(300), (*txt)[600] = malloc(N * sizeof *txt);
    wq_pair *pairs = malloc(N * sizeof *pairs);
    size_t *d = malloc(N * sizeof *d), *ref = malloc(N * sizeof *ref);
    cr_assert(pat && txt && pairs && d && ref);
    kseq_fill(&st, pat, 300, 4);
    static const size_t plens[] = {65, 65, 100, 128, 129, 150, 150, 192, 193, 256, 256, 255};
    for (size_t i = 0; i < N; i++) {
        size_t n = plens[(i / 7) % (sizeof plens / sizeof *plens)], m;
        if (i % 3 == 0)
            m = kseq_mutate_pct(&st, pat, n, txt[i], (unsigned)kbelow(&st, 40), 4);
        else
            kseq_fill(&st, txt[i], m = 65 + kbelow(&st, 220), 4);
        pairs[i] = i % 11 == 5 ? (wq_pair){(const char *)txt[i], (const char *)pat, m, n}
                               : (wq_pair){(const char *)pat, (const char *)txt[i], n, m};
        ref[i] = wq_levenshtein_ref(pairs[i].a, pairs[i].alen, pairs[i].b, pairs[i].blen);
    }
    size_t limits[] = {WQ_LEV_NO_LIMIT, 10, 30, 40, 60, 90};
    for (size_t l = 0; l < sizeof limits / sizeof *limits; l++) {
        wq_lev_opts o = {limits[l]};
        cr_assert_eq(wq_levenshtein_batch(pairs, d, N, &o), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(d[i], ref[i] <= limits[l] ? ref[i] : limits[l] + 1,
                         "pair %zu n=%zu m=%zu k=%zu ref=%zu", i, pairs[i].alen, pairs[i].blen,
                         limits[l], ref[i]);
    }
    /* the same pointer, rewritten between calls: no table outlives a call */
    kseq_fill(&st, pat, 300, 4);
    for (size_t i = 0; i < N; i++)
        ref[i] = wq_levenshtein_ref(pairs[i].a, pairs[i].alen, pairs[i].b, pairs[i].blen);
    cr_assert_eq(wq_levenshtein_batch(pairs, d, N, NULL), 0);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(d[i], ref[i], "rewritten pair %zu", i);
    free(pat);
    free(txt);
    free(pairs);
    free(d);
    free(ref);
}

/* Short pairs four at a time: group sizes that leave 0 to 3 pairs over,
 * lanes of unequal text lengths, and long pairs in between (which flush an
 * unfinished group). */
Test(levenshtein, batch_lanes_with_leftovers_and_long_pairs, .timeout = 60) {
    enum { N = 203 };
    uint64_t st = 29;
    unsigned char(*buf)[2][200] = malloc(N * sizeof *buf);
    wq_pair *pairs = malloc(N * sizeof *pairs);
    size_t *d = malloc(N * sizeof *d);
    cr_assert(buf && pairs && d);
    for (size_t i = 0; i < N; i++) {
        int longp = i % 9 == 4;
        size_t n = longp ? 70 + kbelow(&st, 120) : 1 + kbelow(&st, 64);
        size_t m = longp ? 70 + kbelow(&st, 120) : kbelow(&st, 90);
        kseq_fill(&st, buf[i][0], n, 4);
        kseq_fill(&st, buf[i][1], m, 4);
        pairs[i] = (wq_pair){(const char *)buf[i][0], (const char *)buf[i][1], n, m};
    }
    for (size_t len = 0; len <= N; len += len < 12 ? 1 : 37) {
        cr_assert_eq(wq_levenshtein_batch(pairs, d, len, NULL), 0);
        for (size_t i = 0; i < len; i++)
            cr_assert_eq(d[i],
                         wq_levenshtein_ref(pairs[i].a, pairs[i].alen, pairs[i].b, pairs[i].blen),
                         "len %zu pair %zu", len, i);
    }
    free(buf);
    free(pairs);
    free(d);
}
