/* wq_align against the O(nm) reference of each mode: every CIGAR replays
 * (its '=' ops see equal bytes and its 'X' ops unequal ones, it consumes A
 * whole and exactly the span of B, its edits number the distance), the
 * distance equals the reference's (and wq_levenshtein's in global mode),
 * the span is the first end and the latest start, on edge cases, ties,
 * random and mutated pairs of lengths 0 to 2000, and with limits small
 * enough to force the bit-vector and the splitting paths. align.c is
 * compiled into this test, so its internal entry point is reachable in
 * shared builds too. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <workq/kernels.h>

#include "align_internal.h"
#include "test_rand.h"
#include "test_seq.h"

static const wq_align_mode modes[] = {WQ_ALIGN_GLOBAL, WQ_ALIGN_PREFIX, WQ_ALIGN_INFIX};

/* Walks a and b[al->start..al->end) by the CIGAR's ops. */
static void replay(const wq_alignment *al, const unsigned char *a, size_t n, const unsigned char *b,
                   size_t m) {
    cr_assert(al->start <= al->end && al->end <= m, "span [%zu, %zu) of %zu", al->start, al->end,
              m);
    cr_assert_eq(strlen(al->cigar), al->cigar_len);
    size_t i = 0, j = al->start, edits = 0;
    const char *p = al->cigar;
    char last = 0;
    while (*p) {
        cr_assert(*p >= '1' && *p <= '9', "cigar %s: a count must lead each op", al->cigar);
        size_t k = 0;
        while (*p >= '0' && *p <= '9')
            k = 10 * k + (size_t)(*p++ - '0');
        char op = *p++;
        cr_assert(op != last, "cigar %s: op %c repeated", al->cigar, op);
        last = op;
        for (; k > 0; k--) {
            switch (op) {
            case '=':
            case 'X':
                cr_assert(i < n && j < al->end, "cigar %s overruns", al->cigar);
                cr_assert_eq(a[i] == b[j], op == '=', "cigar %s: %c at a[%zu], b[%zu]", al->cigar,
                             op, i, j);
                edits += op == 'X', i++, j++;
                break;
            case 'I':
                cr_assert(i < n, "cigar %s overruns a", al->cigar);
                edits++, i++;
                break;
            case 'D':
                cr_assert(j < al->end, "cigar %s overruns b", al->cigar);
                edits++, j++;
                break;
            default:
                cr_assert_fail("cigar %s: op %c", al->cigar, op);
            }
        }
    }
    cr_assert_eq(i, n, "cigar %s consumes %zu of a's %zu", al->cigar, i, n);
    cr_assert_eq(j, al->end, "cigar %s ends at %zu on b, span ends at %zu", al->cigar, j, al->end);
    cr_assert_eq(edits, al->distance, "cigar %s has %zu edits, distance %zu", al->cigar, edits,
                 al->distance);
}

/* One pair in one mode under the given limits: replays, the distance of
 * every entry point equals the reference, and the span is the first end
 * (and the latest start) when small enough to check by the reference. */
static void check(wq_alignment *al, const unsigned char *a, size_t n, const unsigned char *b,
                  size_t m, wq_align_mode mode, const wq__align_limits *lim) {
    cr_assert_eq(wq__align_limited(a, n, b, m, mode, al, lim), 0);
    replay(al, a, n, b, m);
    size_t ref = wq_align_distance_ref(a, n, b, m, mode);
    cr_assert_eq(al->distance, ref, "mode %d n=%zu m=%zu: %zu, reference %zu", mode, n, m,
                 al->distance, ref);
    cr_assert_eq(wq_align_distance(a, n, b, m, mode), ref);
    if (mode == WQ_ALIGN_GLOBAL) {
        cr_assert_eq(wq_levenshtein(a, n, b, m, WQ_LEV_NO_LIMIT), ref);
        cr_assert(al->start == 0 && al->end == m);
        return;
    }
    if (mode == WQ_ALIGN_PREFIX)
        cr_assert_eq(al->start, 0);
    if (al->end > 0 && n * al->end <= 200000) /* no earlier end reaches it */
        cr_assert_gt(wq_align_distance_ref(a, n, b, al->end - 1, mode), ref, "end %zu", al->end);
    if (mode == WQ_ALIGN_INFIX && n * (al->end - al->start) <= 20000)
        for (size_t s = al->start + 1; s <= al->end; s++) /* no later start */
            cr_assert_gt(wq_align_distance_ref(a, n, b + s, al->end - s, WQ_ALIGN_GLOBAL), ref,
                         "start %zu", s);
}

/* ------------------------------------------------------------ generators -- */

/* kseq_ (test_seq.h), in upper-case DNA */
#define DNA (4 | KSEQ_UPPER)

/* ------------------------------------------------------------ edge cases -- */

/* Strings inline: Criterion passes the parameters to a fresh process. */
typedef struct exact {
    char a[16], b[16];
    wq_align_mode mode;
    char cigar[16];
    size_t distance, start, end;
} exact;

ParameterizedTestParameters(align, exact) {
    static exact cases[] = {
        {"", "", WQ_ALIGN_GLOBAL, "", 0, 0, 0},
        {"", "", WQ_ALIGN_INFIX, "", 0, 0, 0},
        {"", "ACG", WQ_ALIGN_GLOBAL, "3D", 3, 0, 3},
        {"", "ACG", WQ_ALIGN_PREFIX, "", 0, 0, 0},
        {"", "ACG", WQ_ALIGN_INFIX, "", 0, 0, 0},
        {"ACG", "", WQ_ALIGN_GLOBAL, "3I", 3, 0, 0},
        {"ACG", "", WQ_ALIGN_PREFIX, "3I", 3, 0, 0},
        {"ACG", "", WQ_ALIGN_INFIX, "3I", 3, 0, 0},
        {"A", "A", WQ_ALIGN_GLOBAL, "1=", 0, 0, 1},
        {"A", "C", WQ_ALIGN_GLOBAL, "1X", 1, 0, 1},
        {"A", "C", WQ_ALIGN_PREFIX, "1I", 1, 0, 0},
        {"A", "C", WQ_ALIGN_INFIX, "1I", 1, 0, 0},
        {"A", "CA", WQ_ALIGN_INFIX, "1=", 0, 1, 2},
        {"ACGT", "ACGT", WQ_ALIGN_GLOBAL, "4=", 0, 0, 4},
        {"ACGT", "ACGT", WQ_ALIGN_INFIX, "4=", 0, 0, 4},
        {"CG", "AACGTT", WQ_ALIGN_INFIX, "2=", 0, 2, 4},
        {"CG", "AACGTT", WQ_ALIGN_GLOBAL, "2D2=2D", 4, 0, 6},
        {"ACG", "ACGTTT", WQ_ALIGN_PREFIX, "3=", 0, 0, 3},
        {"ACGT", "ACG", WQ_ALIGN_PREFIX, "3=1I", 1, 0, 3},
        {"ACGT", "TTACGATTACGT", WQ_ALIGN_INFIX, "4=", 0, 8, 12},
        {"ACGT", "TTACGATTACGT", WQ_ALIGN_PREFIX, "3I1=", 3, 0, 1},
        {"AT", "AGT", WQ_ALIGN_INFIX, "1=1I", 1, 0, 1},
        {"AT", "AGT", WQ_ALIGN_GLOBAL, "1=1D1=", 1, 0, 3},
        /* Ties, settled by the fixed order: from the end back, a diagonal
         * move first, then a base of A alone, then a base of B alone. */
        {"AB", "BA", WQ_ALIGN_GLOBAL, "2X", 2, 0, 2},
        {"AAB", "ABB", WQ_ALIGN_GLOBAL, "1=1X1=", 1, 0, 3},
        {"ABC", "XYZW", WQ_ALIGN_GLOBAL, "1D3X", 4, 0, 4},
    };
    return cr_make_param_array(exact, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(exact *c, align, exact, .timeout = 10) {
    wq_alignment al = WQ_ALIGNMENT_INIT;
    size_t n = strlen(c->a), m = strlen(c->b);
    cr_assert_eq(wq_align(c->a, n, c->b, m, c->mode, &al), 0);
    cr_assert_str_eq(al.cigar, c->cigar, "%s vs %s mode %d", c->a, c->b, c->mode);
    cr_assert_eq(al.distance, c->distance);
    cr_assert_eq(al.start, c->start);
    cr_assert_eq(al.end, c->end);
    replay(&al, (const unsigned char *)c->a, n, (const unsigned char *)c->b, m);
    wq_alignment_free(&al);
    cr_assert_null(al.cigar);
    cr_assert_null(al.work);
}

Test(align, errors, .timeout = 10) {
    wq_alignment al = WQ_ALIGNMENT_INIT;
    cr_assert_eq(wq_align("a", 1, "b", 1, WQ_ALIGN_GLOBAL, NULL), EINVAL);
    cr_assert_eq(wq_align(NULL, 1, "b", 1, WQ_ALIGN_GLOBAL, &al), EINVAL);
    cr_assert_eq(wq_align("a", 1, NULL, 1, WQ_ALIGN_GLOBAL, &al), EINVAL);
    cr_assert_eq(wq_align("a", 1, "b", 1, (wq_align_mode)3, &al), EINVAL);
    cr_assert_null(al.work);
    cr_assert_eq(wq_align(NULL, 0, NULL, 0, WQ_ALIGN_INFIX, &al), 0);
    cr_assert_str_eq(al.cigar, "");
    errno = 0;
    cr_assert_eq(wq_align_distance("a", 1, "b", 1, (wq_align_mode)7), WQ_LEV_NO_LIMIT);
    cr_assert_eq(errno, EINVAL);
    wq_alignment_free(&al);
    wq_alignment_free(&al); /* reset: a second free is a no-op */
    wq_alignment_free(NULL);
}

/* Equal sequences and a one-base sequence against long ones in every mode,
 * and the same pair aligned twice gives the same bytes. */
Test(align, equal_and_one_base, .timeout = 30) {
    uint64_t st = 7;
    unsigned char a[700], one[1];
    kseq_fill(&st, a, sizeof a, DNA);
    wq_alignment al = WQ_ALIGNMENT_INIT;
    wq__align_limits lim = WQ__ALIGN_LIMITS_DEFAULT;
    for (size_t t = 0; t < 3; t++) {
        check(&al, a, sizeof a, a, sizeof a, modes[t], &lim);
        cr_assert_str_eq(al.cigar, "700=");
        for (size_t k = 0; k < 4; k++) {
            one[0] = (unsigned char)"ACGT"[k];
            check(&al, one, 1, a, sizeof a, modes[t], &lim);
            check(&al, a, sizeof a, one, 1, modes[t], &lim);
        }
    }
    wq_alignment again = WQ_ALIGNMENT_INIT;
    unsigned char b[1400];
    size_t m = kseq_mutate_pm(&st, a, sizeof a, b, 100, DNA);
    for (size_t t = 0; t < 3; t++) {
        cr_assert_eq(wq_align(a, sizeof a, b, m, modes[t], &al), 0);
        cr_assert_eq(wq_align(a, sizeof a, b, m, modes[t], &again), 0);
        cr_assert_str_eq(al.cigar, again.cigar);
        cr_assert(al.start == again.start && al.end == again.end);
    }
    wq_alignment_free(&again);
    wq_alignment_free(&al);
}

/* ---------------------------------------------------------------- random -- */

/* Random pairs: unrelated, and mutated at 0.5 to 30 per cent, lengths 0 to
 * 2000 (mostly short, so that the reference stays cheap under ASan), DNA
 * and byte alphabets, in every mode, under the given limits. */
static void random_pairs(uint64_t seed, const wq__align_limits *lim, size_t rounds) {
    static const unsigned pms[] = {0, 5, 20, 50, 150, 300};
    unsigned char *a = malloc(2000), *b = malloc(4000);
    cr_assert(a && b);
    uint64_t st = seed;
    wq_alignment al = WQ_ALIGNMENT_INIT;
    rounds *= kstress();
    for (size_t r = 0; r < rounds; r++) {
        size_t n = r % 8 == 7 ? 500 + kbelow(&st, 1501) : kbelow(&st, r % 2 ? 80 : 300);
        unsigned sigma = r % 5 == 4 ? 256 : DNA, pm = pms[r % 6];
        kseq_fill(&st, a, n, sigma);
        size_t m = pm ? kseq_mutate_pm(&st, a, n, b, pm, sigma) : kbelow(&st, n + 40);
        if (!pm)
            kseq_fill(&st, b, m, sigma);
        if (r % 3 == 2 && n > 10) { /* b a piece of a longer text (infix) */
            size_t pre = kbelow(&st, 50);
            memmove(b + pre, b, m);
            kseq_fill(&st, b, pre, sigma);
            m += pre;
        }
        for (size_t t = 0; t < 3; t++) {
            check(&al, a, n, b, m, modes[t], lim);
            check(&al, b, m, a, n, modes[t], lim);
        }
    }
    wq_alignment_free(&al);
    free(a);
    free(b);
}

Test(align, random_default_limits, .timeout = 120) {
    wq__align_limits lim = WQ__ALIGN_LIMITS_DEFAULT;
    random_pairs(1, &lim, 48);
}

/* A few stored cells: the bidirectional split, down to small pieces. */
Test(align, random_split, .timeout = 120) {
    wq__align_limits lim = {64, 0};
    random_pairs(2, &lim, 40);
}

/* No stored wavefronts past a few scores: the bit-vector path too. */
Test(align, random_bitvectors, .timeout = 120) {
    wq__align_limits lim = {32, (size_t)1 << 22};
    random_pairs(3, &lim, 40);
}

/* A longer related pair that the default limits split several times. */
Test(align, long_related, .timeout = 120) {
    size_t n = 60000;
    unsigned char *a = malloc(n), *b = malloc(2 * n);
    cr_assert(a && b);
    uint64_t st = 11;
    kseq_fill(&st, a, n, DNA);
    size_t m = kseq_mutate_pm(&st, a, n, b, 20, DNA);
    wq_alignment al = WQ_ALIGNMENT_INIT;
    wq__align_limits lim = {4096, 1 << 16};
    cr_assert_eq(wq__align_limited(a, n, b, m, WQ_ALIGN_GLOBAL, &al, &lim), 0);
    replay(&al, a, n, b, m);
    cr_assert_eq(al.distance, wq_levenshtein(a, n, b, m, WQ_LEV_NO_LIMIT));
    wq_alignment_free(&al);
    free(a);
    free(b);
}

/* Long unrelated pairs, shorter side either way, with room for a few
 * thousand stored words: Hirschberg's split over bit-vectors, several
 * levels deep, then stored bit-vectors on the pieces. */
Test(align, long_unrelated_split, .timeout = 120) {
    static const size_t shapes[][2] = {{3000, 2200}, {1900, 3100}, {4096, 4096}};
    unsigned char *a = malloc(4096), *b = malloc(4096);
    cr_assert(a && b);
    uint64_t st = 13;
    wq_alignment al = WQ_ALIGNMENT_INIT;
    wq__align_limits lim = {256, 1 << 12};
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++) {
        size_t n = shapes[k][0], m = shapes[k][1];
        kseq_fill(&st, a, n, DNA);
        kseq_fill(&st, b, m, DNA);
        cr_assert_eq(wq__align_limited(a, n, b, m, WQ_ALIGN_GLOBAL, &al, &lim), 0);
        replay(&al, a, n, b, m);
        cr_assert_eq(al.distance, wq_levenshtein(a, n, b, m, WQ_LEV_NO_LIMIT));
    }
    wq_alignment_free(&al);
    free(a);
    free(b);
}

/* Patterns of 1, 63, 64 and 65 bytes around the one-word bit-vector path,
 * unrelated to B (so that the bit-vectors take them), in every mode. */
Test(align, word_edges, .timeout = 60) {
    static const size_t lens[] = {1, 2, 63, 64, 65, 128};
    unsigned char a[128], b[300];
    uint64_t st = 5;
    wq_alignment al = WQ_ALIGNMENT_INIT;
    wq__align_limits lim = WQ__ALIGN_LIMITS_DEFAULT;
    for (size_t t = 0; t < sizeof lens / sizeof *lens; t++)
        for (size_t m = 1; m < 300; m += 37) {
            kseq_fill(&st, a, lens[t], DNA);
            kseq_fill(&st, b, m, DNA);
            for (size_t k = 0; k < 3; k++) {
                check(&al, a, lens[t], b, m, modes[k], &lim);
                check(&al, b, m, a, lens[t], modes[k], &lim);
            }
        }
    wq_alignment_free(&al);
}
