/*
 * test_seq.h: the one seeded generator of random and mutated sequences for
 * the tests (and bench/, which includes it too). Header-only, on
 * test_rand.h's splitmix64 (krand/kbelow): the same seed gives the same
 * sequences on every machine and in every build.
 *
 * Alphabets: sigma distinct bytes; 4 is DNA ("acgt", or "ACGT" with
 * KSEQ_UPPER), 256 every byte value (NUL included), else 'a', 'b', ...
 * The draws each call makes are part of its contract (tests rely on the
 * exact sets a seed gives): one kbelow per letter, and for the mutators
 * the draws listed in their comments, in that order.
 */
#ifndef WQ_TEST_SEQ_H
#define WQ_TEST_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "test_rand.h"

enum { KSEQ_UPPER = 1 << 9 }; /* or'ed into sigma 4: upper-case DNA */

/* One letter: one draw. */
static inline unsigned char kseq_letter(uint64_t *st, unsigned sigma) {
    unsigned s = sigma & ~(unsigned)KSEQ_UPPER;
    unsigned v = (unsigned)kbelow(st, s);
    if (s == 4)
        return (unsigned char)(sigma & KSEQ_UPPER ? "ACGT" : "acgt")[v];
    return (unsigned char)(s == 256 ? v : 'a' + v);
}

/* s[0..n): n random letters. */
static inline void kseq_fill(uint64_t *st, unsigned char *s, size_t n, unsigned sigma) {
    for (size_t i = 0; i < n; i++)
        s[i] = kseq_letter(st, sigma);
}

/* b = a with random edits at pm per mille of a's positions; returns b's
 * length (at most 2n). Per position: one draw in [0, 1000); when it is
 * below pm, one draw in [0, 3): 0 substitutes (a letter), 1 inserts a
 * letter before a[i], 2 deletes a[i]. */
static inline size_t kseq_mutate_pm(uint64_t *st, const unsigned char *a, size_t n,
                                    unsigned char *b, unsigned pm, unsigned sigma) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (kbelow(st, 1000) >= pm) {
            b[m++] = a[i];
            continue;
        }
        switch (kbelow(st, 3)) {
        case 0:
            b[m++] = kseq_letter(st, sigma);
            break; /* substitute */
        case 1:
            b[m++] = kseq_letter(st, sigma), b[m++] = a[i];
            break; /* insert */
        default:
            break; /* delete */
        }
    }
    return m;
}

/* b = a with about pct % random edits, also at the end (after a[n-1]);
 * returns b's length (at most 2n + 1). For i = 0..n: one draw in
 * [0, 100); below pct, one draw in [0, 3): 0 inserts a letter before a[i],
 * 1 deletes a[i], 2 substitutes a[i] (when i < n); then a[i] is copied. */
static inline size_t kseq_mutate_pct(uint64_t *st, const unsigned char *a, size_t n,
                                     unsigned char *b, unsigned pct, unsigned sigma) {
    size_t m = 0;
    for (size_t i = 0; i <= n; i++) {
        if (kbelow(st, 100) < pct) {
            switch (kbelow(st, 3)) {
            case 0:
                b[m++] = kseq_letter(st, sigma);
                break; /* insert before a[i] */
            case 1:
                i++;
                break; /* delete a[i] */
            default:
                if (i < n)
                    b[m++] = kseq_letter(st, sigma), i++; /* substitute a[i] */
                break;
            }
        }
        if (i < n)
            b[m++] = a[i];
    }
    return m;
}

/* b[0..m) = a's first letters with pct % of the positions replaced by a
 * random letter (every position past a's end too): per position j, one
 * draw in [0, 100) while j < n, then a letter when replaced. */
static inline size_t kseq_substitute_pct(uint64_t *st, const unsigned char *a, size_t n,
                                         unsigned char *b, size_t m, unsigned pct, unsigned sigma) {
    for (size_t j = 0; j < m; j++)
        b[j] = j < n && kbelow(st, 100) >= pct ? a[j] : kseq_letter(st, sigma);
    return m;
}

#endif /* WQ_TEST_SEQ_H */
