/*
 * test_seq.h: the one seeded generator of random and mutated sequences for
 * the tests (and bench/, which includes it too). Header-only, on
 * test_rand.h's splitmix64 (krand/kbelow): the same seed gives the same
 * sequences on every machine and in every build.
 *
 * Alphabets: sigma distinct bytes; 4 is DNA ("acgt", or "ACGT" with
 * KSEQ_UPPER, and N as a fifth letter with KSEQ_N), 256 every byte value
 * (NUL included), else 'a', 'b', ...
 * The draws each call makes are part of its contract (tests rely on the
 * exact sets a seed gives): one kbelow per letter, and for the mutators
 * the draws listed in their comments, in that order.
 *
 * Besides pairs, kseq_set_make draws whole sets with planted neighbours
 * (near copies of earlier sequences and exact repeats), for the indexed
 * searches; bench/common/seqgen prints pairs and sets from the same code
 * for the benchmarks' input files.
 */
#ifndef WQ_TEST_SEQ_H
#define WQ_TEST_SEQ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_rand.h"

enum {
    KSEQ_UPPER = 1 << 9, /* or'ed into sigma 4: upper-case DNA */
    KSEQ_N = 1 << 10     /* or'ed into sigma 4: N (or n) as a fifth letter */
};

/* How many letters sigma has. */
static inline unsigned kseq_size(unsigned sigma) {
    unsigned s = sigma & 0x1ffu;
    return s == 4 && (sigma & KSEQ_N) ? 5 : s;
}

/* Letter v (< kseq_size(sigma)) of the alphabet. */
static inline unsigned char kseq_alpha(unsigned sigma, unsigned v) {
    unsigned s = sigma & 0x1ffu;
    if (s == 4)
        return (unsigned char)(sigma & KSEQ_UPPER ? "ACGTN" : "acgtn")[v];
    return (unsigned char)(s == 256 ? v : 'a' + v);
}

/* One letter: one draw. */
static inline unsigned char kseq_letter(uint64_t *st, unsigned sigma) {
    return kseq_alpha(sigma, (unsigned)kbelow(st, kseq_size(sigma)));
}

/* A letter other than c (c itself for a one-letter alphabet): one draw in
 * [0, size - 1), or one letter when c is not in the alphabet. */
static inline unsigned char kseq_other(uint64_t *st, unsigned char c, unsigned sigma) {
    unsigned n = kseq_size(sigma), at = n;
    for (unsigned v = 0; v < n && at == n; v++)
        if (kseq_alpha(sigma, v) == c)
            at = v;
    if (at == n)
        return kseq_letter(st, sigma);
    if (n < 2)
        return c;
    unsigned v = (unsigned)kbelow(st, n - 1);
    return kseq_alpha(sigma, v + (v >= at));
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

/* Where one edit of a length-len sequence goes. segs == 0: anywhere, one
 * draw in [0, len]. segs > 0: one draw in [0, 3) chooses a third each:
 * 0 at a boundary of segs equal segments, give or take one (two draws:
 * the segment, then the offset in [0, 3)); 1 at either end (one draw);
 * 2 anywhere (one draw in [0, len]). */
static inline size_t kseq_edit_pos(uint64_t *st, size_t len, size_t segs) {
    if (segs == 0)
        return kbelow(st, len + 1);
    switch (kbelow(st, 3)) {
    case 0: {
        size_t seg = kbelow(st, segs), p = seg * (len / segs) + kbelow(st, 3);
        return p > 0 ? p - 1 : 0;
    }
    case 1:
        return kbelow(st, 2) ? 0 : len;
    default:
        return kbelow(st, len + 1);
    }
}

/* One random edit of b[0..*len) at position at (room for *len + 1 bytes).
 * With subst_only, it substitutes; else one draw in [0, 3): 0 inserts a
 * letter before b[at] (at most *len); otherwise (when *len > 0, at at most
 * *len - 1) 1 deletes b[at] and 2 substitutes another letter for it
 * (kseq_other). An empty sequence only takes insertions. */
static inline void kseq_edit_at(uint64_t *st, unsigned char *b, size_t *len, size_t at,
                                int subst_only, unsigned sigma) {
    unsigned kind = subst_only ? 2 : (unsigned)kbelow(st, 3);
    if (kind == 0) {
        if (at > *len)
            at = *len;
        memmove(b + at + 1, b + at, *len - at);
        b[at] = kseq_letter(st, sigma);
        (*len)++;
    } else if (*len > 0) {
        if (at >= *len)
            at = *len - 1;
        if (kind == 1) {
            memmove(b + at, b + at + 1, *len - at - 1);
            (*len)--;
        } else {
            b[at] = kseq_other(st, b[at], sigma);
        }
    }
}

/* A set with planted neighbours (kseq_set_make). */
typedef struct kseq_set_spec {
    size_t n;          /* how many sequences */
    size_t lmin, lmax; /* a fresh sequence's length: in [lmin, lmax] */
    unsigned sigma;
    unsigned near_pm; /* per mille: a near copy of an earlier sequence */
    unsigned copy_pm; /* per mille: an exact copy of an earlier sequence */
    size_t edits;     /* a near copy has 1..edits edits (>= 1) */
    size_t segs;      /* where edits go (kseq_edit_pos) */
    int subst_only;   /* near copies keep their length */
} kseq_set_spec;

/* Sequence i is buf[off[i] .. off[i + 1]); buf has a byte to spare. */
typedef struct kseq_set {
    unsigned char *buf;
    size_t *off;
    size_t n;
} kseq_set;

static inline void *kseq_grow(void *p, size_t bytes) {
    void *q = realloc(p, bytes);
    if (q == NULL)
        abort(); /* a test helper: out of memory ends the run */
    return q;
}

/* sp->n sequences, seeded by seed. Per sequence i, the draws: one in
 * [0, 1000); when i > 0 and it is below near_pm, the earlier sequence (one
 * draw in [0, i)), the count of edits (one draw in [0, edits), plus 1),
 * and per edit kseq_edit_pos then kseq_edit_at; when below near_pm +
 * copy_pm, the earlier sequence (one draw); else the length (one draw in
 * [0, lmax - lmin]) and its letters. Free with kseq_set_free. */
static inline kseq_set kseq_set_make(uint64_t seed, const kseq_set_spec *sp) {
    uint64_t st = seed;
    size_t cap = 1024, len = 0;
    kseq_set s = {kseq_grow(NULL, cap), kseq_grow(NULL, (sp->n + 1) * sizeof(size_t)), sp->n};
    s.off[0] = 0;
    for (size_t i = 0; i < sp->n; i++) {
        unsigned r = (unsigned)kbelow(&st, 1000);
        size_t src = 0, room = sp->lmax + 1;
        int near = i > 0 && r<sp->near_pm, copy = i> 0 && !near && r < sp->near_pm + sp->copy_pm;
        if (near || copy) {
            src = kbelow(&st, i);
            room = s.off[src + 1] - s.off[src] + sp->edits + 1;
        }
        while (len + room > cap)
            s.buf = kseq_grow(s.buf, cap *= 2);
        unsigned char *b = s.buf + len;
        size_t m;
        if (near || copy) {
            m = s.off[src + 1] - s.off[src];
            memcpy(b, s.buf + s.off[src], m);
            for (size_t e = near ? 1 + kbelow(&st, sp->edits) : 0; e > 0; e--)
                kseq_edit_at(&st, b, &m, kseq_edit_pos(&st, m, sp->segs), sp->subst_only,
                             sp->sigma);
        } else {
            m = sp->lmin + kbelow(&st, sp->lmax - sp->lmin + 1);
            kseq_fill(&st, b, m, sp->sigma);
        }
        len += m;
        s.off[i + 1] = len;
    }
    return s;
}

static inline void kseq_set_free(kseq_set *s) {
    free(s->buf);
    free(s->off);
    *s = (kseq_set){0};
}

#endif /* WQ_TEST_SEQ_H */
