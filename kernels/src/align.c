/*
 * align.c: the alignment behind the unit-cost edit distance, as an extended
 * CIGAR and a span on B, in global, prefix and infix modes.
 *
 * Guarantees:
 *   - Optimal: the path's edits number the mode's distance (in global mode
 *     wq_levenshtein's). Deterministic: every choice among equal-cost moves
 *     follows a fixed order (diagonal, then a base of A, then a base of B),
 *     and the span is the shortest end, then (infix) the latest start.
 *   - Linear memory: at most WQ__ALIGN_LIMITS_DEFAULT stored cells for
 *     any one piece, O(n + m) for the rest (the ops, reversed copies, two
 *     pairs of wavefronts). A pair too big for the stored methods is split
 *     at a point of an optimal path and each half aligned on its own.
 *   - Pure over the caller's wq_alignment: safe from any number of threads.
 *
 * Method per piece (after the common prefix and suffix, which are '=' runs):
 *   1. A wavefront (diagonal transition, as in wavefront.c) that keeps every
 *      score's wavefront and traces back through them: O(n + s^2) for s
 *      scattered edits. Every 8 scores it extrapolates its total work from
 *      how far it got; when that exceeds the bit-vector pass's cost the pair
 *      is unrelated, and when it exceeds the stored-cell limit the pair is
 *      big.
 *   2. Unrelated pairs: Myers' bit-vectors (Hyyro's blocks, as in
 *      levenshtein.c), the shorter side as the pattern, every column's
 *      deltas and block scores stored; the traceback reads any D[i][j] from
 *      them in O(1). Unrelated pairs too big to store are first halved
 *      Hirschberg's way, by two bit-vector passes (bv_split).
 *   3. Big related pairs: a forward and a reverse wavefront run in turn, score only,
 *      until they overlap on some diagonal (the BiWFA idea, Marco-Sola et al.
 *      2023). The first overlap happens at sf + sr = D, and the overlap point
 *      splits the pair into two optimally aligned halves (proof at
 *      bi_split).
 *   Prefix and infix modes find the span first (bit-vector passes over B,
 *   forward for the end, reversed for the start) and then align A globally
 *   against it, as edlib does.
 *
 * wq_align_distance_ref is the textbook O(nm) programme for each mode.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>

#include "align_internal.h"
#include "kernels_internal.h"

typedef uint64_t word;
typedef unsigned char uchar;

#define HIGH ((word)1 << 63)
/* "Not reached": adding 1 keeps it negative, as every unreached row. */
#define NONE (INT32_MIN / 2)
/* Lengths kept exact in int32 rows and diagonals. */
#define ALIGN_MAX ((size_t)1 << 29)
/* One binary, vectorized for AVX2 and correct everywhere: the loader
 * picks a clone of wf_moves through an ifunc (as wavefront.c does). Not
 * under ThreadSanitizer or MemorySanitizer, whose instrumented resolver
 * would run before the sanitizer's own start-up. */
#if defined(__SANITIZE_THREAD__)
#define WQ__AL_NO_MULTIVERSION 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define WQ__AL_NO_MULTIVERSION 1
#endif
#endif
#if defined(__GNUC__) && defined(__x86_64__) && defined(__has_attribute) &&                        \
    !defined(WQ__AL_NO_MULTIVERSION)
#if __has_attribute(target_clones)
#define WQ__AL_CLONES __attribute__((target_clones("avx2", "default")))
#define WQ__AL_POPCNT __attribute__((target_clones("popcnt", "default")))
#endif
#endif
#ifndef WQ__AL_CLONES
#define WQ__AL_CLONES
#define WQ__AL_POPCNT
#endif
/* Scores between two estimates of the wavefront's total work. */
#define WF_CHECK 8
/* Wavefront cells per bit-vector word step, for the method choice. */
#define BV_CELLS 4
/* Pieces whose longer side is at most this take the bit-vectors at once. */
#define BV_SHORT 32

/* The caller's reusable buffers (in wq_alignment). */
struct wq__align_work {
    char *ops; /* one op per alignment column, in order */
    size_t nops, capops;
    int32_t *wf; /* stored wavefronts, score after score */
    size_t capwf;
    size_t *woff; /* where each score's wavefront starts in wf */
    size_t capwoff;
    int32_t *bi; /* four wavefronts over every diagonal (bi_split) */
    size_t capbi;
    word *bv; /* stored bit-vector columns: Pv, Mv per block */
    size_t capbv;
    int32_t *bsc; /* the block scores of each stored column */
    size_t capbsc;
    word *peq; /* match masks, all zero between uses */
    size_t cappeq;
    word *col; /* Pv, Mv of the current column (scans) */
    size_t capcol;
    uchar *rev; /* A reversed, then B[0..end) reversed */
    size_t caprev;
    char *cigar; /* al->cigar */
    size_t capcigar;
};

/* Grows *p to hold need elements of size elem, keeping its contents. */
static int grow(void *pp, size_t *cap, size_t need, size_t elem) {
    void **p = pp;
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

/* The match-mask table for nb-word patterns, all zero. */
static int grow_peq(struct wq__align_work *w, size_t nb) {
    size_t old = w->cappeq;
    if (grow(&w->peq, &w->cappeq, 256 * nb, sizeof *w->peq))
        return ENOMEM;
    memset(w->peq + old, 0, (w->cappeq - old) * sizeof *w->peq);
    return 0;
}

/* Appends k copies of op. */
static int put(struct wq__align_work *w, char op, size_t k) {
    if (k == 0)
        return 0;
    if (grow(&w->ops, &w->capops, w->nops + k, 1))
        return ENOMEM;
    memset(w->ops + w->nops, op, k);
    w->nops += k;
    return 0;
}

static void reverse_ops(char *p, size_t n) {
    for (size_t i = 0, j = n; i + 1 < j; i++, j--) {
        char t = p[i];
        p[i] = p[j - 1];
        p[j - 1] = t;
    }
}

/*
 * Ends a traceback that has put k ops, in reverse, at o and stopped at
 * (i, j) on the first row or column: the rest of p (rowop) and of t (colop)
 * stand alone. Puts the path in order and counts it in w->nops.
 */
static void end_path(struct wq__align_work *w, char *o, size_t k, size_t i, size_t j, char rowop,
                     char colop) {
    while (i > 0)
        o[k++] = rowop, i--;
    while (j > 0)
        o[k++] = colop, j--;
    reverse_ops(o, k);
    w->nops += k;
}

/* ------------------------------------------------------------ reference -- */

size_t wq_align_distance_ref(const void *a, size_t n, const void *b, size_t m, wq_align_mode mode) {
    const uchar *x = a, *y = b;
    if ((unsigned)mode > WQ_ALIGN_INFIX) {
        errno = EINVAL;
        return WQ_LEV_NO_LIMIT;
    }
    size_t *row = malloc((m + 1) * sizeof *row);
    if (!row) {
        errno = ENOMEM;
        return WQ_LEV_NO_LIMIT;
    }
    for (size_t j = 0; j <= m; j++)
        row[j] = mode == WQ_ALIGN_INFIX ? 0 : j; /* free start on B in infix */
    wq__dp_rows(x, n, y, m, row);
    size_t d = row[m];
    if (mode != WQ_ALIGN_GLOBAL) /* free end on B */
        for (size_t j = 0; j < m; j++)
            d = row[j] < d ? row[j] : d;
    free(row);
    return d;
}

/* ---------------------------------------------------------- bit-vectors -- */

/* Sets the match masks of pattern p[0..np) in nb-word rows of peq. */
static void peq_set(word *peq, const uchar *p, size_t np, size_t nb) {
    for (size_t i = 0; i < np; i++)
        peq[(size_t)p[i] * nb + i / 64] |= (word)1 << (i % 64);
}

/* Clears them again: cheaper than clearing 256 rows for a short pattern. */
static void peq_clear(word *peq, const uchar *p, size_t np, size_t nb) {
    for (size_t i = 0; i < np; i++)
        peq[(size_t)p[i] * nb + i / 64] = 0;
}

/*
 * The last row D[n][j] for every column of y[0..m) with pattern x[0..n),
 * n >= 1: returns its minimum and the first column where it occurs in
 * *at. top is the first row's delta: +1 for D[0][j] = j (prefix), 0 for
 * D[0][j] = 0 (infix). peq must be clear; col holds 2 * nb words.
 */
static size_t bv_scan(const uchar *x, size_t n, const uchar *y, size_t m, int top, word *peq,
                      word *col, size_t *at) {
    size_t nb = (n + 63) / 64;
    word last = (word)1 << ((n - 1) % 64);
    peq_set(peq, x, n, nb);
    for (size_t b = 0; b < nb; b++)
        col[2 * b] = ~(word)0, col[2 * b + 1] = 0;
    size_t score = n, best = n, bestj = 0;
    for (size_t j = 0; j < m; j++) {
        const word *eq = peq + (size_t)y[j] * nb;
        int h = top;
        for (size_t b = 0; b + 1 < nb; b++)
            h = wq__block_step(&col[2 * b], &col[2 * b + 1], eq[b], h, HIGH);
        h = wq__block_step(&col[2 * (nb - 1)], &col[2 * (nb - 1) + 1], eq[nb - 1], h, last);
        score = (size_t)((ptrdiff_t)score + h);
        if (score < best)
            best = score, bestj = j + 1;
    }
    peq_clear(peq, x, n, nb);
    *at = bestj;
    return best;
}

/* Columns [from, to) of a global pass over y, pattern masks peq (nb words
 * per letter), carried in col (Pv, Mv per block). */
static void bv_columns(const word *peq, size_t nb, const uchar *y, size_t from, size_t to,
                       word *col) {
    for (size_t j = from; j < to; j++) {
        const word *eq = peq + (size_t)y[j] * nb;
        int h = 1; /* D[0][j] = j */
        for (size_t b = 0; b < nb; b++)
            h = wq__block_step(&col[2 * b], &col[2 * b + 1], eq[b], h, HIGH);
    }
}

/* out[i] = D[i][m] for i in 0..n from the last column col of a global pass
 * over m columns: D[0][m] = m, and each row adds the column's vertical
 * delta there (+1 in Pv, -1 in Mv). */
static void bv_last_column(const word *col, size_t n, size_t m, int32_t *out) {
    out[0] = (int32_t)m;
    for (size_t i = 1; i <= n; i++) {
        word bit = (word)1 << ((i - 1) % 64);
        const word *c = col + 2 * ((i - 1) / 64);
        out[i] = out[i - 1] + ((c[0] & bit) != 0) - ((c[1] & bit) != 0);
    }
}

/*
 * The two passes of bv_split at once: f[i] = D[i][h] of p[0..np) (rows)
 * against t[0..h), and r[i] the same of pr (p reversed) against tr[0..rh).
 * Stepped in lockstep, column by column, because each pass is one long
 * chain of dependent block steps (each block waits for the carry of the
 * block above it): two independent chains keep the core's units busy
 * where one leaves them waiting. peq holds 2 * 256 * nb clear words, col
 * 4 * nb.
 */
static void bv_halves(const uchar *p, const uchar *pr, size_t np, const uchar *t, size_t h,
                      const uchar *tr, size_t rh, word *peq, word *col, int32_t *f, int32_t *r) {
    size_t nb = (np + 63) / 64, both = h < rh ? h : rh;
    word *peqr = peq + 256 * nb, *colr = col + 2 * nb;
    peq_set(peq, p, np, nb);
    peq_set(peqr, pr, np, nb);
    for (size_t b = 0; b < 2 * nb; b++)
        col[2 * b] = ~(word)0, col[2 * b + 1] = 0;
    for (size_t j = 0; j < both; j++) {
        const word *ef = peq + (size_t)t[j] * nb, *er = peqr + (size_t)tr[j] * nb;
        int hf = 1, hr = 1;
        for (size_t b = 0; b < nb; b++) {
            hf = wq__block_step(&col[2 * b], &col[2 * b + 1], ef[b], hf, HIGH);
            hr = wq__block_step(&colr[2 * b], &colr[2 * b + 1], er[b], hr, HIGH);
        }
    }
    bv_columns(peq, nb, t, both, h, col);
    bv_columns(peqr, nb, tr, both, rh, colr);
    peq_clear(peq, p, np, nb);
    peq_clear(peqr, pr, np, nb);
    bv_last_column(col, np, h, f);
    bv_last_column(colr, np, rh, r);
}

/* Bits set in w: the popcnt instruction in bv_align's popcnt clone (where
 * this is inlined), else the compiler's fallback. */
static inline __attribute__((always_inline)) int bits(word w) {
    return __builtin_popcountll(w);
}

/* D[i][j] from the stored column j (1-based) of a global pass: the block
 * score at the block's last row minus the deltas below row i. */
static inline __attribute__((always_inline)) size_t bv_cell(const word *bv, const int32_t *bsc,
                                                            size_t nb, size_t i, size_t j) {
    if (j == 0)
        return i;
    if (i == 0)
        return j;
    size_t b = (i - 1) / 64, k = i - 64 * b; /* rows 1..k of the block are bits 0..k-1 */
    const word *c = bv + 2 * ((j - 1) * nb + b);
    word below = k == 64 ? 0 : ~(word)0 << k;
    return (size_t)((ptrdiff_t)bsc[(j - 1) * nb + b] - bits(c[0] & below) + bits(c[1] & below));
}

/* Bits i..63 (none for i = 64). */
static inline word from_row(size_t i) {
    return i >= 64 ? 0 : ~(word)0 << i;
}

/*
 * bv_align for a pattern of at most 64 rows: one word per column, no
 * blocks, the score kept at row np itself, so D[i][j] = that score minus
 * the deltas of rows i+1..np (bits i..np-1). Same moves, same order of
 * preference, same path as the general version.
 */
WQ__AL_POPCNT static int bv_align1(struct wq__align_work *w, const uchar *p, size_t np,
                                   const uchar *t, size_t nt, char rowop, char colop) {
    if (grow_peq(w, 1) || grow(&w->bv, &w->capbv, 2 * nt, sizeof *w->bv) ||
        grow(&w->bsc, &w->capbsc, nt, sizeof *w->bsc) ||
        grow(&w->ops, &w->capops, w->nops + np + nt, 1))
        return ENOMEM;
    word *peq = w->peq, *bv = w->bv, pv = ~(word)0, mv = 0, last = (word)1 << (np - 1);
    word rows = np == 64 ? ~(word)0 : ((word)1 << np) - 1;
    int32_t *sc = w->bsc, score = (int32_t)np;
    peq_set(peq, p, np, 1);
    for (size_t j = 0; j < nt; j++) { /* Myers' step, as wq__block_step with hin = +1 */
        word eq = peq[t[j]], xv = eq | mv;
        word xh = (((eq & pv) + pv) ^ pv) | eq;
        word ph = mv | ~(xh | pv), mh = pv & xh;
        score += (int32_t)((ph & last) != 0) - (int32_t)((mh & last) != 0);
        ph = (ph << 1) | 1;
        mh <<= 1;
        pv = mh | ~(xv | ph);
        mv = ph & xv;
        bv[2 * j] = pv, bv[2 * j + 1] = mv, sc[j] = score;
    }
    peq_clear(peq, p, np, 1);
#define CELL(i, j)                                                                                 \
    ((j) == 0 ? (i)                                                                                \
              : (size_t)(sc[(j)-1] - bits(bv[2 * ((j)-1)] & rows & from_row(i)) +                  \
                         bits(bv[2 * ((j)-1) + 1] & rows & from_row(i))))
    size_t i = np, j = nt, v = (size_t)sc[nt - 1], l = CELL(np, nt - 1), k = 0;
    char *o = w->ops + w->nops;
    while (i > 0 && j > 0) {
        word bit = (word)1 << (i - 1);
        size_t dg = j >= 2 ? l - ((bv[2 * (j - 2)] & bit) != 0) + ((bv[2 * (j - 2) + 1] & bit) != 0)
                           : i - 1;
        size_t up = v - ((bv[2 * (j - 1)] & bit) != 0) + ((bv[2 * (j - 1) + 1] & bit) != 0);
        if (dg + (p[i - 1] != t[j - 1]) == v) {
            o[k++] = dg == v ? '=' : 'X';
            i--, j--, v = dg;
            l = j ? CELL(i, j - 1) : 0;
        } else if (up + 1 == v) {
            o[k++] = rowop, i--, v = up, l = dg;
        } else {
            o[k++] = colop, j--, v = l;
            l = j ? CELL(i, j - 1) : 0;
        }
    }
#undef CELL
    end_path(w, o, k, i, j, rowop, colop);
    return 0;
}

/*
 * Aligns pattern p[0..np) (rows) with text t[0..nt) (columns), both
 * nonempty, storing every column, and appends the path. rowop and colop are
 * the ops of a base of p alone and of t alone ('I' and 'D', swapped when p
 * is B).
 */
WQ__AL_POPCNT static int bv_align(struct wq__align_work *w, const uchar *p, size_t np,
                                  const uchar *t, size_t nt, char rowop, char colop) {
    size_t nb = (np + 63) / 64;
    if (grow_peq(w, nb) || grow(&w->bv, &w->capbv, 2 * nb * nt, sizeof *w->bv) ||
        grow(&w->bsc, &w->capbsc, nb * nt, sizeof *w->bsc) ||
        grow(&w->col, &w->capcol, 2 * nb, sizeof *w->col))
        return ENOMEM;
    word *peq = w->peq, *bv = w->bv, *col = w->col;
    int32_t *bsc = w->bsc;
    peq_set(peq, p, np, nb);
    for (size_t b = 0; b < nb; b++)
        col[2 * b] = ~(word)0, col[2 * b + 1] = 0;
    for (size_t j = 0; j < nt; j++) {
        const word *eq = peq + (size_t)t[j] * nb;
        word *out = bv + 2 * j * nb;
        const int32_t *prev = j ? bsc + (j - 1) * nb : NULL;
        int32_t *sc = bsc + j * nb;
        int h = 1; /* D[0][j] = j */
        for (size_t b = 0; b < nb; b++) {
            h = wq__block_step(&col[2 * b], &col[2 * b + 1], eq[b], h, HIGH);
            sc[b] = (prev ? prev[b] : (int32_t)(64 * (b + 1))) + h;
            out[2 * b] = col[2 * b];
            out[2 * b + 1] = col[2 * b + 1];
        }
    }
    peq_clear(peq, p, np, nb);

    /*
     * Trace back from (np, nt), ops in reverse. v = D[i][j] and l =
     * D[i][j-1] walk with the point: a step up reads both columns'
     * vertical deltas at row i (one bit each); only a step into a new
     * column recomputes l from the stored block score (bv_cell).
     */
    size_t base = w->nops, i = np, j = nt, v = bv_cell(bv, bsc, nb, np, nt);
    size_t l = bv_cell(bv, bsc, nb, np, nt - 1);
    if (grow(&w->ops, &w->capops, w->nops + np + nt, 1))
        return ENOMEM;
    char *o = w->ops + base;
    size_t k = 0;
    while (i > 0 && j > 0) {
        word bit = (word)1 << ((i - 1) % 64);
        size_t at = (i - 1) / 64;
        const word *cj = bv + 2 * ((j - 1) * nb + at);
        size_t dg = l, up = v;
        if (j >= 2) { /* D[i-1][j-1] = D[i][j-1] - delta; column 0: i - 1 */
            const word *cl = cj - 2 * nb;
            dg = l - ((cl[0] & bit) != 0) + ((cl[1] & bit) != 0);
        } else {
            dg = i - 1;
        }
        up = v - ((cj[0] & bit) != 0) + ((cj[1] & bit) != 0);
        if (dg + (p[i - 1] != t[j - 1]) == v) {
            o[k++] = dg == v ? '=' : 'X';
            i--, j--, v = dg;
            l = j ? bv_cell(bv, bsc, nb, i, j - 1) : 0;
        } else if (up + 1 == v) {
            o[k++] = rowop, i--, v = up, l = dg;
        } else {
            o[k++] = colop, j--, v = l;
            l = j ? bv_cell(bv, bsc, nb, i, j - 1) : 0;
        }
    }
    end_path(w, o, k, i, j, rowop, colop);
    return 0;
}

/* ------------------------------------------------------------ wavefronts -- */

/* The index of the first differing byte of two 8-byte words that differ. */
static inline int32_t first_diff(uint64_t z) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (int32_t)(__builtin_clzll(z) / 8);
#else
    return (int32_t)(__builtin_ctzll(z) / 8);
#endif
}

/* Slides row i (>= 0) down diagonal d of x[0..n) x y[0..m) over equal
 * bytes, eight at a time while both have eight left. */
static inline int32_t slide(const uchar *x, int32_t n, const uchar *y, int32_t m, int32_t i,
                            int32_t d) {
    int32_t j = i + d;
    while (i + 8 <= n && j + 8 <= m) {
        uint64_t a, b;
        memcpy(&a, x + i, 8);
        memcpy(&b, y + j, 8);
        if (a != b)
            return i + first_diff(a ^ b);
        i += 8, j += 8;
    }
    while (i < n && j < m && x[i] == y[j])
        i++, j++;
    return i;
}

/* The three moves into diagonal d from the previous wavefront p (indexed
 * by diagonal), each kept only if it lands inside the table (row <= n,
 * column <= m): a base of B alone (from d - 1, same row), a substitution
 * (d, row + 1), a base of A alone (d + 1, row + 1). Unreached = negative. */
typedef struct moves {
    int32_t colm, sub, rowm;
} moves;

static inline moves moves_into(const int32_t *p, int32_t d, int32_t n, int32_t m) {
    int32_t lim = m - d < n ? m - d : n;
    moves mv = {p[d - 1], p[d] + 1, p[d + 1] + 1};
    mv.colm = mv.colm <= lim ? mv.colm : NONE;
    mv.sub = mv.sub <= lim ? mv.sub : NONE;
    mv.rowm = mv.rowm <= lim ? mv.rowm : NONE;
    return mv;
}

/*
 * nxt[lo..hi] from cur (valid on [lo - 1, hi + 1]): the best of the three
 * moves of moves_into, unreached as NONE. Free of branches so that the
 * compiler vectorizes it (cloned for AVX2 where the loader can choose).
 */
WQ__AL_CLONES static void wf_moves(const int32_t *restrict cur, int32_t *restrict nxt, int32_t lo,
                                   int32_t hi, int32_t n, int32_t m) {
    for (int32_t d = lo; d <= hi; d++) {
        int32_t lim = m - d < n ? m - d : n;
        int32_t colm = cur[d - 1], sub = cur[d] + 1, rowm = cur[d + 1] + 1;
        colm = colm <= lim ? colm : NONE;
        sub = sub <= lim ? sub : NONE;
        rowm = rowm <= lim ? rowm : NONE;
        int32_t v = sub > rowm ? sub : rowm;
        v = v > colm ? v : colm;
        nxt[d] = v < 0 ? NONE : v;
    }
}

/*
 * The next wavefront: the moves, then each reached diagonal slides. Off
 * the optimal path a random byte matches with odds 1 / sigma, so most
 * slides end in their first eight bytes: one XOR settles them, and only
 * runs of eight matches or the strings' last eight bytes take the loop.
 */
static void wf_next(const int32_t *cur, int32_t *nxt, int32_t lo, int32_t hi, const uchar *x,
                    int32_t n, const uchar *y, int32_t m) {
    wf_moves(cur, nxt, lo, hi, n, m);
    for (int32_t d = lo; d <= hi; d++) {
        int32_t i = nxt[d];
        if (i < 0)
            continue;
        if (i + 8 <= n && i + d + 8 <= m) {
            uint64_t a, b;
            memcpy(&a, x + i, 8);
            memcpy(&b, y + i + d, 8);
            if (a != b) {
                nxt[d] = i + first_diff(a ^ b);
                continue;
            }
        }
        nxt[d] = slide(x, n, y, m, i, d);
    }
}

/* The furthest anti-diagonal i + j of w[lo..hi]. */
static int64_t progress(const int32_t *w, int32_t lo, int32_t hi) {
    int64_t best = 1;
    for (int32_t d = lo; d <= hi; d++)
        if (w[d] >= 0 && 2 * (int64_t)w[d] + d > best)
            best = 2 * (int64_t)w[d] + d;
    return best;
}

enum { WF_DONE, WF_UNRELATED, WF_BIG };

/*
 * The stored wavefront of x[0..n) against y[0..m) (both nonempty):
 * score s's wavefront covers diagonals [max(-s, -n), min(s, m)] with two
 * unreached cells either side, at wf + woff[s]. WF_DONE appends the path;
 * WF_UNRELATED and WF_BIG leave the ops untouched. Negative: ENOMEM.
 */
static int wf_align(struct wq__align_work *w, const uchar *x, int32_t n, const uchar *y, int32_t m,
                    double bv_cost, size_t max_cells) {
    int32_t target = m - n, s = 0, lo = 0, hi = 0;
    size_t used = 5;
    if (grow(&w->wf, &w->capwf, used, sizeof *w->wf) ||
        grow(&w->woff, &w->capwoff, 1, sizeof *w->woff))
        return -ENOMEM;
    w->woff[0] = 0;
    int32_t *c0 = w->wf + 2; /* diagonal 0 */
    c0[-2] = c0[-1] = c0[1] = c0[2] = NONE;
    c0[0] = slide(x, n, y, m, 0, 0);
    for (;;) {
        int32_t *cur = w->wf + w->woff[s] + 2 - lo;
        if (target >= lo && target <= hi && cur[target] >= n)
            break;
        /* Every WF_CHECK scores; every score for a pair whose bit-vector
         * pass is a few dozen steps, so that an unrelated short pair leaves
         * after a score or two (the first scores' estimates are too rough
         * to send a long pair anywhere). */
        if (s && (s % WF_CHECK == 0 || bv_cost <= 64 * BV_CELLS * 4)) {
            double est = (double)s * (double)(n + m) / (double)progress(cur, lo, hi);
            if (est * est > bv_cost)
                return WF_UNRELATED;
            if (s % WF_CHECK == 0 && est * est > (double)max_cells)
                return WF_BIG;
        }
        int32_t nlo = -(s + 1) < -n ? -n : -(s + 1), nhi = s + 1 > m ? m : s + 1;
        size_t width = (size_t)(nhi - nlo) + 5;
        if (used + width > max_cells)
            return WF_BIG;
        if (grow(&w->wf, &w->capwf, used + width, sizeof *w->wf) ||
            grow(&w->woff, &w->capwoff, (size_t)s + 2, sizeof *w->woff))
            return -ENOMEM;
        w->woff[s + 1] = used;
        cur = w->wf + w->woff[s] + 2 - lo;
        int32_t *nxt = w->wf + used + 2 - nlo;
        nxt[nlo - 2] = nxt[nlo - 1] = nxt[nhi + 1] = nxt[nhi + 2] = NONE;
        wf_next(cur, nxt, nlo, nhi, x, n, y, m);
        used += width;
        s++, lo = nlo, hi = nhi;
    }

    /* Trace back from (n, m) at score s: each step recomputes the moves into
     * the current point, takes the first that gives its pre-slide row (in
     * the fixed order substitution, base of A, base of B), and lands exactly
     * on the previous wavefront's point. Ops come out in reverse. */
    size_t base = w->nops;
    if (grow(&w->ops, &w->capops, w->nops + (size_t)n + (size_t)m, 1))
        return -ENOMEM;
    char *o = w->ops + base;
    size_t k = 0;
    int32_t d = target, f = n;
    for (; s > 0; s--) {
        int32_t plo = -(s - 1) < -n ? -n : -(s - 1);
        const int32_t *prev = w->wf + w->woff[s - 1] + 2 - plo;
        moves mv = moves_into(prev, d, n, m);
        int32_t v = mv.sub > mv.rowm ? mv.sub : mv.rowm;
        v = v > mv.colm ? v : mv.colm;
        for (; f > v; f--)
            o[k++] = '=';
        if (mv.sub == v)
            o[k++] = 'X', f = v - 1;
        else if (mv.rowm == v)
            o[k++] = 'I', f = v - 1, d++;
        else
            o[k++] = 'D', d--;
    }
    for (; f > 0; f--)
        o[k++] = '=';
    reverse_ops(o, k);
    w->nops += k;
    return WF_DONE;
}

/*
 * Whether forward diagonal d of f and reverse diagonal T - d of r overlap,
 * f[d] + r[T - d] >= n, for some d in [lo, hi]. Unreached cells hold NONE,
 * so a sum with one stays negative (and two make INT32_MIN, no overflow):
 * no test of its own, and the loop, free of branches, vectorizes. It runs
 * once per turn over the whole width, as often as wf_next itself.
 */
WQ__AL_CLONES static int overlaps(const int32_t *restrict f, const int32_t *restrict r, int32_t lo,
                                  int32_t hi, int32_t n, int32_t T) {
    int any = 0;
    for (int32_t d = lo; d <= hi; d++)
        any |= f[d] + r[T - d] >= n;
    return any;
}

/* One direction of bi_split: the current wavefront on diagonals
 * [lo, hi], and the buffer the next one is written to. */
typedef struct bi_front {
    int32_t *cur, *nxt, lo, hi;
} bi_front;

/* Advances b one score: the two cells either side of the current range
 * become unreached (the buffer last held an older, narrower wavefront, or
 * nothing), then wf_next fills the range widened by one, kept inside the
 * table's diagonals [-n, m]. */
static void bi_step(bi_front *b, const uchar *x, int32_t n, const uchar *y, int32_t m) {
    int32_t *c = b->cur, lo = b->lo - 1 < -n ? -n : b->lo - 1, hi = b->hi + 1 > m ? m : b->hi + 1;
    c[b->lo - 2] = c[b->lo - 1] = c[b->hi + 1] = c[b->hi + 2] = NONE;
    wf_next(c, b->nxt, lo, hi, x, n, y, m);
    b->cur = b->nxt, b->nxt = c, b->lo = lo, b->hi = hi;
}

/*
 * A point (i, j) on an optimal path of x[0..n) against y[0..m) (both
 * nonempty), with xr and yr the same strings reversed. The forward
 * wavefront F (score sf, diagonal d = j - i) and the reverse one R (score
 * sr, over the reversed strings, whose diagonal T - d with T = m - n is
 * forward diagonal d) advance in turn; after each step, diagonal d overlaps
 * when F[d] + R[T - d] >= n.
 *
 * Why the first overlap splits optimally: D[i][j] never decreases along a
 * diagonal, nor does the cost of the rest of the way read backwards. An
 * overlap puts the point r = n - R[T - d] at or before F[d]: its prefix
 * costs <= sf and its suffix <= sr, so D <= sf + sr. Conversely, on an
 * optimal path, the last point whose prefix costs sf has a suffix of cost
 * exactly D - sf; so once sf + sr = D the wavefronts overlap. Turns raise
 * sf + sr by one, so the first overlap has sf + sr = D, and the halves at
 * that point cost exactly sf' and D - sf', each optimal. Ties: the lowest
 * overlapping diagonal.
 */
static int bi_split(struct wq__align_work *w, const uchar *x, const uchar *xr, int32_t n,
                    const uchar *y, const uchar *yr, int32_t m, int32_t *pi, int32_t *pj) {
    size_t width = (size_t)n + (size_t)m + 5;
    if (grow(&w->bi, &w->capbi, 4 * width, sizeof *w->bi))
        return ENOMEM;
    /* Diagonal d of each at base[d], d in [-n - 2, m + 2]; the reverse
     * ones over the reversed strings, whose diagonals are the same range.
     * Only the cells a step reads are ever written, so a pair at distance
     * D touches O(D) of them, not the n + m the arrays could hold. */
    bi_front f = {w->bi + n + 2, w->bi + width + n + 2, 0, 0};
    bi_front r = {f.nxt + width, f.nxt + 2 * width, 0, 0};
    int32_t T = m - n;
    f.cur[0] = slide(x, n, y, m, 0, 0);
    r.cur[0] = slide(xr, n, yr, m, 0, 0);
    for (int turn = 0;; turn ^= 1) {
        int32_t lo = f.lo > T - r.hi ? f.lo : T - r.hi, hi = f.hi < T - r.lo ? f.hi : T - r.lo;
        if (overlaps(f.cur, r.cur, lo, hi, n, T))
            for (int32_t d = lo; d <= hi; d++)
                if (f.cur[d] + r.cur[T - d] >= n) {
                    *pi = n - r.cur[T - d];
                    *pj = *pi + d;
                    return 0;
                }
        if (turn == 0)
            bi_step(&f, x, n, y, m);
        else
            bi_step(&r, xr, n, yr, m);
    }
}

/* ---------------------------------------------------------------- paths -- */

/* One global alignment problem: x[0..n) against y[0..m), and both reversed
 * (xr[k] = x[n - 1 - k]), built on first need. */
typedef struct actx {
    struct wq__align_work *w;
    const wq__align_limits *lim;
    const uchar *x, *y, *xr, *yr;
    size_t n, m;
} actx;

static int align_piece(actx *c, size_t i0, size_t i1, size_t j0, size_t j1);

/* Builds c's reversed copies of x and y on first need. */
static int need_reversed(actx *c) {
    if (c->xr)
        return 0;
    if (grow(&c->w->rev, &c->w->caprev, c->n + c->m, 1))
        return ENOMEM;
    uchar *rv = c->w->rev;
    for (size_t k = 0; k < c->n; k++)
        rv[k] = c->x[c->n - 1 - k];
    for (size_t k = 0; k < c->m; k++)
        rv[c->n + k] = c->y[c->m - 1 - k];
    c->xr = rv, c->yr = rv + c->n;
    return 0;
}

/*
 * Hirschberg's split over bit-vectors, for an unrelated piece too big to
 * store: the pattern p is the shorter side, the text t the longer, cut in
 * the middle at column h. Every path crosses column h, at some row i; the
 * best through (i, h) costs F[i] + R[np - i], with F the last column of p
 * against t[0..h) and R the last column of p reversed against t[h..nt)
 * reversed. The first row of least sum is a point of an optimal path, and
 * each half is aligned on its own. Two passes of np * nt / 2 cells, and
 * O(np) memory; the halves shrink by half in the text each time.
 */
static int bv_split(actx *c, size_t i0, size_t i1, size_t j0, size_t j1) {
    struct wq__align_work *w = c->w;
    int xp = i1 - i0 <= j1 - j0; /* x is the pattern */
    size_t np = xp ? i1 - i0 : j1 - j0, nt = xp ? j1 - j0 : i1 - i0, h = nt / 2;
    size_t nb = (np + 63) / 64;
    if (need_reversed(c) || grow_peq(w, 2 * nb) ||
        grow(&w->col, &w->capcol, 4 * nb, sizeof *w->col) ||
        grow(&w->bsc, &w->capbsc, 2 * (np + 1), sizeof *w->bsc))
        return ENOMEM;
    const uchar *p = xp ? c->x + i0 : c->y + j0, *t = xp ? c->y + j0 : c->x + i0;
    const uchar *pr = xp ? c->xr + (c->n - i1) : c->yr + (c->m - j1);
    const uchar *tr = xp ? c->yr + (c->m - j1) : c->xr + (c->n - i1);
    int32_t *f = w->bsc, *r = w->bsc + np + 1;
    bv_halves(p, pr, np, t, h, tr, nt - h, w->peq, w->col, f, r);
    size_t at = 0;
    for (size_t i = 1; i <= np; i++)
        if (f[i] + r[np - i] < f[at] + r[np - at])
            at = i;
    int err =
        xp ? align_piece(c, i0, i0 + at, j0, j0 + h) : align_piece(c, i0, i0 + h, j0, j0 + at);
    if (!err)
        err =
            xp ? align_piece(c, i0 + at, i1, j0 + h, j1) : align_piece(c, i0 + h, i1, j0 + at, j1);
    return err;
}

/* Appends the global path of x[i0..i1) against y[j0..j1). */
static int align_piece(actx *c, size_t i0, size_t i1, size_t j0, size_t j1) {
    const uchar *x = c->x, *y = c->y;
    size_t pre = 0, suf = 0;
    while (i0 + pre < i1 && j0 + pre < j1 && x[i0 + pre] == y[j0 + pre])
        pre++;
    i0 += pre, j0 += pre;
    while (i0 + suf < i1 && j0 + suf < j1 && x[i1 - 1 - suf] == y[j1 - 1 - suf])
        suf++;
    i1 -= suf, j1 -= suf;
    int err = put(c->w, '=', pre);
    if (err)
        return err;
    size_t n = i1 - i0, m = j1 - j0;
    if (n == 0 || m == 0) {
        err = n ? put(c->w, 'I', n) : put(c->w, 'D', m);
        return err ? err : put(c->w, '=', suf);
    }
    /* The bit-vector pass, the shorter side as its pattern. */
    size_t nb = ((n < m ? n : m) + 63) / 64, cols = n < m ? m : n;
    double bv_cost = (double)BV_CELLS * (double)nb * (double)cols;
    int fits = 3 * nb * cols <= c->lim->bv_words;
    /* Up to BV_SHORT columns the one-word pass costs a few hundred
     * instructions, less than the wavefront spends learning that a short
     * unrelated pair is unrelated: short pieces go straight to it. */
    int r = cols <= BV_SHORT && fits
                ? WF_UNRELATED
                : wf_align(c->w, x + i0, (int32_t)n, y + j0, (int32_t)m, bv_cost, c->lim->wf_cells);
    if (r < 0)
        return -r;
    if (r == WF_UNRELATED && !fits) {
        /* Unrelated, but too big to store: halve the longer side. */
        if (cols >= 2)
            return bv_split(c, i0, i1, j0, j1) ? ENOMEM : put(c->w, '=', suf);
        r = WF_BIG;
    }
    if (r == WF_UNRELATED) {
        if (nb == 1) /* one word per column */
            err = n <= m ? bv_align1(c->w, x + i0, n, y + j0, m, 'I', 'D')
                         : bv_align1(c->w, y + j0, m, x + i0, n, 'D', 'I');
        else
            err = n <= m ? bv_align(c->w, x + i0, n, y + j0, m, 'I', 'D')
                         : bv_align(c->w, y + j0, m, x + i0, n, 'D', 'I');
    } else if (r == WF_BIG) {
        if (need_reversed(c))
            return ENOMEM;
        int32_t si, sj;
        err = bi_split(c->w, x + i0, c->xr + (c->n - i1), (int32_t)n, y + j0, c->yr + (c->m - j1),
                       (int32_t)m, &si, &sj);
        if (!err)
            err = align_piece(c, i0, i0 + (size_t)si, j0, j0 + (size_t)sj);
        if (!err)
            err = align_piece(c, i0 + (size_t)si, i1, j0 + (size_t)sj, j1);
    }
    return err ? err : put(c->w, '=', suf);
}

/* ---------------------------------------------------------------- spans -- */

/* The span [*start, *end) of B in prefix and infix mode (n >= 1). */
static int find_span(struct wq__align_work *w, const uchar *x, size_t n, const uchar *y, size_t m,
                     wq_align_mode mode, size_t *start, size_t *end) {
    size_t nb = (n + 63) / 64, at = 0;
    if (grow_peq(w, nb) || grow(&w->col, &w->capcol, 2 * nb, sizeof *w->col))
        return ENOMEM;
    bv_scan(x, n, y, m, mode == WQ_ALIGN_PREFIX, w->peq, w->col, &at);
    *start = 0, *end = at;
    if (mode == WQ_ALIGN_INFIX && at > 0) {
        /* A reversed, in prefix mode against B[0..end) reversed: its first
         * minimum is the shortest suffix, the latest start. */
        if (grow(&w->rev, &w->caprev, n + at, 1))
            return ENOMEM;
        for (size_t k = 0; k < n; k++)
            w->rev[k] = x[n - 1 - k];
        for (size_t k = 0; k < at; k++)
            w->rev[n + k] = y[at - 1 - k];
        size_t len = 0;
        bv_scan(w->rev, n, w->rev + n, at, 1, w->peq, w->col, &len);
        *start = at - len;
    }
    return 0;
}

/* ------------------------------------------------------------ the entry -- */

/* The CIGAR of the ops, run-length encoded, into al->cigar, in one pass
 * (at most 21 bytes per op), and the distance: the ops other than '='. */
static int make_cigar(wq_alignment *al) {
    struct wq__align_work *w = al->work;
    if (grow(&w->cigar, &w->capcigar, w->nops * 21 + 1, 1))
        return ENOMEM;
    char *s = al->cigar = w->cigar;
    const char *ops = w->ops;
    size_t len = 0, edits = 0, n = w->nops;
    for (size_t k = 0; k < n;) {
        size_t e = k + 1;
        while (e < n && ops[e] == ops[k])
            e++;
        edits += ops[k] != '=' ? e - k : 0;
        char num[24];
        int d = 0;
        for (size_t v = e - k; v; v /= 10)
            num[d++] = (char)('0' + v % 10);
        while (d)
            s[len++] = num[--d];
        s[len++] = ops[k];
        k = e;
    }
    s[len] = '\0';
    al->cigar_len = len;
    al->distance = edits;
    return 0;
}

int wq__align_limited(const void *a, size_t n, const void *b, size_t m, wq_align_mode mode,
                      wq_alignment *al, const wq__align_limits *lim) {
    if (!al || (!a && n) || (!b && m) || (unsigned)mode > WQ_ALIGN_INFIX)
        return EINVAL;
    if (n > ALIGN_MAX || m > ALIGN_MAX)
        return ERANGE;
    if (!al->work && !(al->work = calloc(1, sizeof *al->work)))
        return ENOMEM;
    struct wq__align_work *w = al->work;
    const uchar *x = n ? a : (const uchar *)"", *y = m ? b : (const uchar *)"";
    size_t start = 0, end = m;
    w->nops = 0;
    int err = 0;
    if (mode != WQ_ALIGN_GLOBAL)
        err = n ? find_span(w, x, n, y, m, mode, &start, &end) : (end = 0, 0);
    if (!err) {
        actx c = {w, lim, x, y + start, NULL, NULL, n, end - start};
        err = align_piece(&c, 0, n, 0, end - start);
    }
    if (!err)
        err = make_cigar(al);
    if (err)
        return err;
    al->start = start, al->end = end;
    return 0;
}

int wq_align(const void *a, size_t n, const void *b, size_t m, wq_align_mode mode,
             wq_alignment *al) {
    static const wq__align_limits lim = WQ__ALIGN_LIMITS_DEFAULT;
    return wq__align_limited(a, n, b, m, mode, al, &lim);
}

void wq_alignment_free(wq_alignment *al) {
    if (!al)
        return;
    struct wq__align_work *w = al->work;
    if (w) {
        free(w->ops), free(w->wf), free(w->woff), free(w->bi), free(w->bv);
        free(w->bsc), free(w->peq), free(w->col), free(w->rev), free(w->cigar);
        free(w);
    }
    *al = (wq_alignment)WQ_ALIGNMENT_INIT;
}

size_t wq_align_distance(const void *a, size_t n, const void *b, size_t m, wq_align_mode mode) {
    if ((unsigned)mode > WQ_ALIGN_INFIX) {
        errno = EINVAL;
        return WQ_LEV_NO_LIMIT;
    }
    if (mode == WQ_ALIGN_GLOBAL)
        return wq_levenshtein(a, n, b, m, WQ_LEV_NO_LIMIT);
    if (n == 0)
        return 0;
    size_t nb = (n + 63) / 64, at;
    word *peq = calloc(256 * nb + 2 * nb, sizeof *peq);
    if (!peq) {
        errno = ENOMEM;
        return WQ_LEV_NO_LIMIT;
    }
    size_t d = bv_scan(a, n, m ? b : "", m, mode == WQ_ALIGN_PREFIX, peq, peq + 256 * nb, &at);
    free(peq);
    return d;
}
