/*
 * levenshtein.c: unit-cost edit distance (insertion, deletion, substitution)
 * of byte strings.
 *
 * Guarantees:
 *   - wq_levenshtein is exact for any lengths (tested to 10^6 per side), in
 *     O(n + m + sigma * n / 64) memory, where sigma <= 257 counts the distinct
 *     bytes of the shorter string: never an (n+1) x (m+1) matrix.
 *   - With a limit k, it returns the distance when it is <= k and k + 1
 *     otherwise, computing only the diagonal band that a path of cost <= k
 *     can use and stopping as soon as every cell of a column exceeds k.
 *   - wq_levenshtein_ref is the textbook dynamic programme, one row at a time.
 *   - Pure functions over caller-owned memory: safe from any number of
 *     threads. Allocation failure returns WQ_LEV_NO_LIMIT with errno ENOMEM.
 *
 * Method: Myers (1999) bit-parallel columns in Hyyro's (2003) formulation,
 * one 64-bit word per 64 rows of the shorter string (the pattern), the
 * longer string (the text) scanned column by column. Blocks are chained
 * through their horizontal delta (hin/hout), as in edlib.
 *
 * The method per pair (issue 9), with no option to get wrong: after the
 * common prefix and suffix are stripped, a pattern of at most 64 bytes takes
 * one word (m steps, nothing cheaper). Longer pairs first run the wavefront
 * (wavefront.c, O(n + s^2) for s scattered edits) under a budget of the
 * full bit-parallel pass's cost: every 8 scores it extrapolates its total
 * work from how far it got, and hands unrelated pairs over after a few
 * hundred cells at most. Those take the banded bit-parallel pass below. A
 * limit k caps the wavefront at k (the same early exit: k + 1). In a batch,
 * the pairs handed over with a pattern of 65..512 bytes run 8 or 4 per
 * vector (lev_multi.c), with the wavefront's budget cut to match.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>

#include "kernels_internal.h"

typedef uint64_t word;
#define WQ__W 64u
#define WQ__HIGH ((word)1 << (WQ__W - 1))

/* ------------------------------------------------------------- reference -- */

size_t wq_levenshtein_ref(const void *a, size_t n, const void *b, size_t m) {
    const unsigned char *x = a, *y = b;
    size_t *row = malloc((m + 1) * sizeof *row);
    if (!row) {
        errno = ENOMEM;
        return WQ_LEV_NO_LIMIT;
    }
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    wq__dp_rows(x, n, y, m, row);
    size_t d = row[m];
    free(row);
    return d;
}

/* ------------------------------------------------------ one word (<= 64) -- */

static inline size_t popcount(word w) {
    return (size_t)__builtin_popcountll(w);
}

#define low_mask wq__low_mask
#define word_score wq__word_score
#define myers_word wq__myers_word

/* ---------------------------------------------------------- many words -- */

/* The working memory of the blocked pass, one allocation. */
typedef struct lev_blocks {
    size_t nw;         /* words (blocks) of the pattern */
    word *peq;         /* [(sigma + 1) * nw]: match masks per symbol */
    word *pv, *mv;     /* [nw]: the column's vertical deltas */
    size_t *score;     /* [nw]: D at each block's bottom row */
    uint16_t sym[256]; /* byte -> symbol; 0 = absent from the pattern */
} lev_blocks;

/* Maps the pattern's bytes to symbols 1..sigma and builds their masks. */
static int blocks_init(lev_blocks *lb, const unsigned char *x, size_t n) {
    size_t sigma = 0;
    memset(lb->sym, 0, sizeof lb->sym);
    for (size_t i = 0; i < n; i++)
        if (!lb->sym[x[i]])
            lb->sym[x[i]] = (uint16_t)++sigma;
    lb->nw = (n + WQ__W - 1) / WQ__W;
    size_t rows = sigma + 1;
    word *mem = calloc((rows + 2) * lb->nw, sizeof *mem);
    size_t *score = malloc(lb->nw * sizeof *score);
    if (!mem || !score) {
        free(mem);
        free(score);
        return ENOMEM;
    }
    lb->peq = mem;
    lb->pv = mem + rows * lb->nw;
    lb->mv = lb->pv + lb->nw;
    lb->score = score;
    for (size_t i = 0; i < n; i++)
        lb->peq[lb->sym[x[i]] * lb->nw + i / WQ__W] |= (word)1 << (i % WQ__W);
    return 0;
}

static void blocks_free(lev_blocks *lb) {
    free(lb->peq);
    free(lb->score);
}

/* Rows in block w of a pattern of n rows. */
static size_t block_rows(size_t w, size_t n) {
    size_t end = (w + 1) * WQ__W;
    return (end < n ? end : n) - w * WQ__W;
}

/* Whether every computed cell of the column exceeds k: a block's cells are
 * at least its bottom score minus its rows less one (deltas are +-1). */
static int column_exceeds(const lev_blocks *lb, size_t fb, size_t last, size_t n, size_t k) {
    for (size_t w = fb; w <= last; w++)
        if (lb->score[w] <= k + block_rows(w, n) - 1)
            return 0;
    return 1;
}

/*
 * D(x[0..n), y[0..m)) for a pattern of n > 64 rows, or k + 1 when it
 * exceeds k; needs |n - m| <= k. `limited` says whether k is the caller's
 * limit (then stop early) or a known upper bound of D (then D <= k).
 *
 * The band: a path of cost <= k through cell (i, j) costs at least
 * |i - j| + |(n - i) - (m - j)|, so only diagonals i - j within e =
 * (k - |n - m|) / 2 of the range [min(0, n-m), max(0, n-m)] matter. At
 * column j the pass computes the blocks covering rows
 * [j - lo_off, j + hi_off]. Blocks above it are dropped for good and feed
 * hin = +1 to the first block kept; a block entering below starts as
 * D + 1 per row under the block above. Both are upper bounds of the true
 * values, so every computed cell is >= its true value, and cells on an
 * optimal path of cost <= k (which never leaves the band) are exact.
 */
static size_t myers_blocks(lev_blocks *lb, size_t n, const unsigned char *y, size_t m, size_t k,
                           int limited) {
    size_t stride = lb->nw, nw = (n + WQ__W - 1) / WQ__W; /* n may be a prefix */
    size_t e = (k - (m > n ? m - n : n - m)) / 2;
    size_t lo_off = (m > n ? m - n : 0) + e, hi_off = (n > m ? n - m : 0) + e;
    word lastmask = (word)1 << ((n - 1) % WQ__W);
    size_t fb = 0, last = ((1 + hi_off < n ? 1 + hi_off : n) - 1) / WQ__W;
    for (size_t w = 0; w <= last; w++) {
        lb->pv[w] = ~(word)0;
        lb->mv[w] = 0;
        lb->score[w] = w * WQ__W + block_rows(w, n);
    }
    for (size_t j = 1; j <= m; j++) {
        size_t rlo = j > lo_off ? j - lo_off : 1;
        size_t rhi = j + hi_off < n ? j + hi_off : n;
        if ((rhi - 1) / WQ__W > last) { /* one block enters below */
            last++;
            lb->pv[last] = ~(word)0;
            lb->mv[last] = 0;
            lb->score[last] = lb->score[last - 1] + block_rows(last, n);
        }
        fb = (rlo - 1) / WQ__W;
        const word *eq = lb->peq + (size_t)lb->sym[y[j - 1]] * stride;
        size_t end = last < nw - 1 ? last + 1 : nw - 1, w = fb;
        int h = 1;
        for (; w < end; w++) {
            h = wq__block_step(&lb->pv[w], &lb->mv[w], eq[w], h, WQ__HIGH);
            lb->score[w] += (size_t)h;
        }
        if (last == nw - 1)
            lb->score[w] += (size_t)wq__block_step(&lb->pv[w], &lb->mv[w], eq[w], h, lastmask);
        if (limited && j % 16 == 0 && column_exceeds(lb, fb, last, n, k))
            return k + 1;
    }
    size_t d = lb->score[nw - 1];
    return d <= k ? d : k + 1;
}

/* An upper bound of the distance: substitute along the shorter length, then
 * insert the rest (the Hamming distance plus the length difference). */
static size_t upper_bound(const unsigned char *x, size_t n, const unsigned char *y, size_t m) {
    size_t d = m - n;
    for (size_t i = 0; i < n; i++)
        d += x[i] != y[i];
    return d;
}

/*
 * The method per pair, with no user option (Ukkonen's band doubling, guided
 * by a cheap sample). The cost of a pass grows with its band, so related
 * strings want small bands first: a pass with limit t either finds D <= t
 * (exact, done) or stops early (every cell of some column above t).
 * Doubling t makes the failed passes cost about as much as the last one.
 * Unrelated strings would waste those passes, so first the distance of a
 * prefix of each string (about 1/64 of the pattern, at least 128 rows; a
 * few per cent of the full cost) estimates the rate of edits: when the
 * extrapolated distance is a sizeable part of the cap, one pass with the cap
 * is cheapest; otherwise doubling starts at 1.5 times the estimate plus
 * one word (the sample's error is about its square root). The cap is
 * the caller's limit or the upper bound ub (which needs no early exit). The
 * estimate only steers the work: every answer comes from a pass that is
 * exact for its limit.
 */
static size_t banded(lev_blocks *lb, size_t n, const unsigned char *y, size_t m, size_t k,
                     size_t ub) {
    size_t cap = k < ub ? k : ub, t = m - n > WQ__W ? m - n : WQ__W;
    if (t < cap / 2) {
        size_t pn = 128 + n / 64 < n ? 128 + n / 64 : n;
        size_t pm = (size_t)((double)pn * (double)m / (double)n);
        size_t pd = myers_blocks(lb, pn, y, pm, pn > pm ? pn : pm, 0);
        size_t est = (size_t)((double)pd * (double)n / (double)pn);
        if (est >= cap / 4)
            t = cap;
        else if (est + est / 2 + WQ__W > t)
            t = est + est / 2 + WQ__W;
    }
    for (; t < cap / 2; t *= 2) {
        size_t d = myers_blocks(lb, n, y, m, t, 1);
        if (d <= t)
            return d;
    }
    return k < ub ? myers_blocks(lb, n, y, m, k, 1) : myers_blocks(lb, n, y, m, ub, 0);
}

/* The cost of the bit-parallel pass in wavefront cells: a full pass takes
 * m column steps of ceil(n / 64) blocks. Measured on this project's AVX-512
 * machine, one thread, DNA: a block step takes about 2.2 ns, a wavefront
 * cell (advance plus slide) about 1.5 ns; callgrind counts about 28
 * instructions for either. Pairs at 10 to 30 per cent edits, where the
 * choice matters, ran fastest with budgets between 1.5 and 4 cells per block
 * (the wavefront's estimate errs low, the banded pass beats the full one);
 * 2.5 sits between. */
#define WQ__WF_CELLS_PER_BLOCK 2.5
/* In a batch, the pairs the wavefront hands over run many per vector
 * (lev_multi.c), where a block step costs less. Measured on this project's
 * Intel Xeon (Emerald Rapids), loaded (load 5 to 8), CPU time of the whole
 * batch, best of 3 to 5 alternating rounds, 4000 pairs of 500 bytes:
 * unrelated pairs take 0.0083 s 8 per vector (AVX-512), 0.0160 s 4 per
 * vector (AVX2). At 10% edits the 8-lane budget 0.8 (derived from
 * lev_multi's slower columns on the former AMD machine) gave 0.0154 s,
 * 0.2 gives 0.0099 s (7%: 0.0125 -> 0.0106 s; 15%: 0.0115 -> 0.0094 s);
 * 2% and 5% and unrelated pairs are unchanged (0.0038, 0.0090 and 0.0083
 * s), 0.15 starts to cost at 5% (0.0093 s). The 4-lane budget 0.7 against
 * 1.1: 15% edits 0.0215 -> 0.0184 s, 20% 0.0182 -> 0.0172 s, 5% and 10%
 * unchanged; 0.5 costs at 5% (0.0090 -> 0.0093 s). */
#define WQ__WF_CELLS_PER_BLOCK_X8 0.2
#define WQ__WF_CELLS_PER_BLOCK_X4 0.7

static double wavefront_budget(double cells_per_block, size_t n, size_t m) {
    return cells_per_block * (double)((n + WQ__W - 1) / WQ__W) * (double)m;
}

/* ----------------------------------------------- up to eight words (512) -- */

/* Patterns of at most WQ__SMALL_W words keep the whole column in registers. */
#define WQ__SMALL_W 8u
#define WQ__SMALL_MAX (WQ__SMALL_W * WQ__W)

/*
 * The match masks of one pattern of 64 < n <= 512 rows, kept across the
 * pairs of a batch: all-vs-all compares one sequence with many in a row, so
 * its table is built once per run of pairs instead of once per pair.
 *
 * The key is the pattern's address and length, both: a batch may hand the
 * same address with another length (a prefix), and the table of one is
 * wrong for the other. A table lives only for one call (on its stack), so
 * the caller's strings, const for the whole call, cannot change under it.
 * Only the rows of bytes the pattern uses are non-zero; `used` lists them
 * so that a rebuild clears just those.
 */
typedef struct pat_cache {
    const unsigned char *x; /* the key; NULL: empty, tables all zero */
    size_t n;
    int zeroed;                 /* the tables were cleared once */
    size_t nused;               /* entries of used[] */
    unsigned char used[256];    /* the pattern's distinct bytes */
    word peq[256][WQ__SMALL_W]; /* match masks, row by row */
    word bot[256];              /* masks of the last q rows (sample) */
} pat_cache;

/* Rows of the pattern in each of the sample's two ends. */
static inline size_t sample_rows(size_t n) {
    return n / 2 < WQ__W ? n / 2 : WQ__W;
}

static void cache_fill(pat_cache *c, const unsigned char *x, size_t n) {
    if (!c->zeroed) {
        memset(c->peq, 0, sizeof c->peq);
        memset(c->bot, 0, sizeof c->bot);
        c->zeroed = 1;
        c->x = NULL;
        c->nused = 0;
    }
    if (c->x == x && c->n == n)
        return;
    for (size_t u = 0; u < c->nused; u++) {
        memset(c->peq[c->used[u]], 0, sizeof c->peq[0]);
        c->bot[c->used[u]] = 0;
    }
    c->nused = 0;
    size_t q = sample_rows(n);
    for (size_t i = 0; i < n; i++) {
        word *row = c->peq[x[i]];
        word any = 0;
        for (size_t w = 0; w < WQ__SMALL_W; w++)
            any |= row[w];
        if (!any)
            c->used[c->nused++] = x[i];
        row[i / WQ__W] |= (word)1 << (i % WQ__W);
        if (i >= n - q)
            c->bot[x[i]] |= (word)1 << (i - (n - q));
    }
    c->x = x;
    c->n = n;
}

/*
 * D(x, y) for the cached pattern x of 64 < n <= 64 * nw rows, nw <= 8, the
 * whole column of nw words in registers (the caller passes nw as a
 * constant, so each width compiles to its own unrolled loop).
 *
 * The blocks of a column are chained by their horizontal delta at the
 * bottom row, carried as two bits (Ph's and Mh's top bit: never both set),
 * which enter the next block as its shifted-in bits; a -1 also enters as a
 * match at the top (Eq |= 1: the carry of the add). The top block gets +1
 * (D[0][j] = j). No score is followed per column: word_score's sum of the
 * last column's deltas gives D[n][m] at the end.
 *
 * Why a step is cheap here and not in myers_blocks: that loop keeps Pv, Mv
 * and the score of every block in memory and decides its band and early
 * exit per column, so each block step waits on a store-to-load round trip
 * and a few unpredictable branches. Here a block step is some twenty ALU
 * operations on registers, and block 0 of the next column depends only on
 * block 0 of this one, so the processor overlaps the columns. From 5 words
 * up, Pv and Mv no longer all fit in the 16 registers and some live on the
 * stack, but those are plain L1 accesses with no branch between them:
 * 4000 unrelated pairs of 500 bytes (8 words) went from 0.053 s through
 * myers_blocks to 0.036 s here (one thread, alternating rounds).
 */
static inline __attribute__((always_inline)) size_t
myers_regs(const pat_cache *c, size_t nw, size_t n, const unsigned char *y, size_t m) {
    word pv[WQ__SMALL_W], mv[WQ__SMALL_W];
    for (size_t w = 0; w < nw; w++) {
        pv[w] = ~(word)0;
        mv[w] = 0;
    }
    for (size_t j = 0; j < m; j++) {
        const word *e = c->peq[y[j]];
        word pc = 1, mc = 0; /* the delta entering the block: +1 at the top */
        for (size_t w = 0; w < nw; w++) {
            word p = pv[w], q = mv[w], eq = e[w];
            word xv = eq | q;
            eq |= mc;
            word xh = (((eq & p) + p) ^ p) | eq;
            word ph = q | ~(xh | p);
            word mh = p & xh;
            word po = ph >> (WQ__W - 1), mo = mh >> (WQ__W - 1);
            ph = (ph << 1) | pc;
            mh = (mh << 1) | mc;
            pv[w] = mh | ~(xv | ph);
            mv[w] = ph & xv;
            pc = po;
            mc = mo;
        }
    }
    size_t d = m;
    for (size_t w = 0; w + 1 < nw; w++)
        d += popcount(pv[w]) - popcount(mv[w]);
    word mask = low_mask(n - (nw - 1) * WQ__W);
    return d + popcount(pv[nw - 1] & mask) - popcount(mv[nw - 1] & mask);
}

/*
 * Whether D(x, y) > k is proven by the pattern's two ends alone, the cheap
 * bound tried before a capped pass. Take the first p and last q = p rows
 * (p + q <= n: disjoint). An alignment crosses them in two disjoint pieces:
 * one from (0, 0) to some (p, j1), costing at least T = min over j1 of
 * D(x[0..p), y[0..j1)), and one from some (n - q, j2) to (n, m), costing
 * at least B = min over j2 of D(x[n-q..n), y[j2..m)). So D >= T + B.
 *
 * T follows the last row of a global pass of the top word over y; B is the
 * last score of a search-mode pass (top row 0: a free start in the text) of
 * the bottom word over y's end. Ends further than p + k columns away cost
 * more than k by their length difference alone, so each pass reads only
 * L = min(m, p + k) columns, and its minimum is clamped to k + 1 (what the
 * unread ends cost at least). Both passes run in one loop: they are
 * independent, so the processor interleaves their dependency chains.
 */
static int sample_exceeds(const pat_cache *c, size_t n, const unsigned char *y, size_t m,
                          size_t k) {
    size_t p = sample_rows(n), len = p + k < m ? p + k : m;
    word last = (word)1 << (p - 1);
    word tp = ~(word)0, tm = 0, bp = ~(word)0, bm = 0;
    size_t t = p, tmin = p;
    const unsigned char *yb = y + (m - len);
    for (size_t j = 0; j < len; j++) {
        /* top: global, with the last row's score followed */
        word eq = c->peq[y[j]][0];
        word xv = eq | tm;
        word xh = (((eq & tp) + tp) ^ tp) | eq;
        word ph = tm | ~(xh | tp);
        word mh = tp & xh;
        t += (size_t)((ph & last) != 0) - (size_t)((mh & last) != 0);
        tmin = t < tmin ? t : tmin;
        ph = (ph << 1) | 1;
        mh <<= 1;
        tp = mh | ~(xv | ph);
        tm = ph & xv;
        /* bottom: search mode, nothing shifted in at the top */
        eq = c->bot[yb[j]];
        xv = eq | bm;
        xh = (((eq & bp) + bp) ^ bp) | eq;
        ph = bm | ~(xh | bp);
        mh = bp & xh;
        ph <<= 1;
        mh <<= 1;
        bp = mh | ~(xv | ph);
        bm = ph & xv;
    }
    word mask = low_mask(p);
    size_t b = popcount(bp & mask) - popcount(bm & mask);
    tmin = tmin < k + 1 ? tmin : k + 1;
    b = b < k + 1 ? b : k + 1;
    return tmin + b > k;
}

/*
 * D(x, y), or k + 1 when it exceeds k, for 64 < n <= 512 (any m): the
 * cached table, the two-ended bound when k is small enough for it to
 * prove anything (it can reach p + q at most, and unrelated pairs score
 * about half of that), then one pass over the whole column.
 */
static size_t lev_small(pat_cache *c, const unsigned char *x, size_t n, const unsigned char *y,
                        size_t m, size_t k) {
    cache_fill(c, x, n);
    if (k < sample_rows(n) && m > 0 && sample_exceeds(c, n, y, m, k))
        return k + 1;
    size_t d;
    switch ((n + WQ__W - 1) / WQ__W) {
    case 2:
        d = myers_regs(c, 2, n, y, m);
        break;
    case 3:
        d = myers_regs(c, 3, n, y, m);
        break;
    case 4:
        d = myers_regs(c, 4, n, y, m);
        break;
    case 5:
        d = myers_regs(c, 5, n, y, m);
        break;
    case 6:
        d = myers_regs(c, 6, n, y, m);
        break;
    case 7:
        d = myers_regs(c, 7, n, y, m);
        break;
    default:
        d = myers_regs(c, 8, n, y, m);
        break;
    }
    return d <= k ? d : k + 1;
}

/* ---------------------------------------------------------------- entry -- */

/* lev_front's answer when the pair goes to the register columns (lev_small
 * or, in a batch, lev_multi.c's lanes) with the pattern and text in *job. */
#define WQ__TO_SMALL ((size_t)-3)

typedef struct small_job {
    const unsigned char *x, *y; /* the pattern (64 < n <= 512) and the text */
    size_t n, m;
} small_job;

/*
 * One pair, any lengths, up to the choice of the register columns. A
 * pattern x of 64 < n <= 512 bytes that the wavefront hands over goes to
 * them as given, unstripped, so that lev_small's cache key stays the
 * caller's pointer; stripping only shortens the other paths.
 */
static size_t lev_front(const unsigned char *x0, size_t n0, const unsigned char *y0, size_t m0,
                        size_t k, double cells_per_block, small_job *job) {
    const unsigned char *x = x0, *y = y0;
    size_t n = n0, m = m0;
    /* A common prefix or suffix never changes the distance. */
    while (n && m && *x == *y)
        x++, y++, n--, m--;
    while (n && m && x[n - 1] == y[m - 1])
        n--, m--;
    if (n > m) { /* the shorter string is the pattern */
        const unsigned char *t = x;
        size_t tn = n;
        x = y, n = m, y = t, m = tn;
    }
    if (m - n > k)
        return k + 1;
    if (n == 0)
        return m;
    if (n <= WQ__W) {
        word peq[256] = {0};
        for (size_t i = 0; i < n; i++)
            peq[x[i]] |= (word)1 << i;
        size_t d = myers_word(peq, n, y, m);
        return d <= k ? d : k + 1;
    }
    /* D <= m, so m caps the wavefront's memory when there is no limit; the
     * Hamming bound costs a pass over the pair and only the bit-parallel
     * passes need it. */
    size_t lower, d = wq__lev_wavefront(x, n, y, m, k < m ? k : m,
                                        wavefront_budget(cells_per_block, n, m), &lower);
    if (d != WQ__WF_GAVE_UP)
        return d == WQ_LEV_NO_LIMIT || d <= k ? d : k + 1;
    if (n0 > WQ__W && n0 <= WQ__SMALL_MAX) {
        *job = (small_job){x0, y0, n0, m0};
        return WQ__TO_SMALL;
    }
    if (m0 > WQ__W && m0 <= WQ__SMALL_MAX) {
        *job = (small_job){y0, x0, m0, n0};
        return WQ__TO_SMALL;
    }
    size_t ub = upper_bound(x, n, y, m);
    lev_blocks lb;
    if (blocks_init(&lb, x, n)) {
        errno = ENOMEM;
        return WQ_LEV_NO_LIMIT;
    }
    d = banded(&lb, n, y, m, k, ub);
    blocks_free(&lb);
    return d;
}

/* One pair, any lengths, with a pattern cache for lev_small. */
static size_t lev_pair(pat_cache *c, const unsigned char *x, size_t n, const unsigned char *y,
                       size_t m, size_t k) {
    small_job job;
    size_t d = lev_front(x, n, y, m, k, WQ__WF_CELLS_PER_BLOCK, &job);
    return d == WQ__TO_SMALL ? lev_small(c, job.x, job.n, job.y, job.m, k) : d;
}

size_t wq_levenshtein(const void *a, size_t n, const void *b, size_t m, size_t max_distance) {
    pat_cache c; /* its 18 KiB are cleared only if a pair needs them */
    c.zeroed = 0;
    return lev_pair(&c, a, n, b, m, max_distance);
}

/* ------------------------------------------------------------- batch -- */

/* Whether a pair that lev_front sends to the register columns, with
 * pattern and text of pat and txt bytes, runs in lev_multi.c's lanes: they
 * exist at this level, take the lengths, and lev_small's two-ended bound
 * would not be tried (k at or above its reach). */
static int multi_takes(const wq__multi *mu, size_t pat, size_t txt, size_t k) {
    return mu->lanes && pat > WQ__W && pat <= WQ__SMALL_MAX && txt <= WQ__MULTI_COLS &&
           k >= sample_rows(pat);
}

/* The wavefront's budget in cells per block for a pair of lengths a and b
 * in a batch: cut to the cost of lev_multi's columns when the pair would
 * go there if handed over (the pattern chosen as lev_front chooses it). */
static double batch_budget(const wq__multi *mu, size_t a, size_t b, size_t k) {
    int a_fits = a > WQ__W && a <= WQ__SMALL_MAX;
    if (!multi_takes(mu, a_fits ? a : b, a_fits ? b : a, k))
        return WQ__WF_CELLS_PER_BLOCK;
    return mu->lanes >= 8 ? WQ__WF_CELLS_PER_BLOCK_X8 : WQ__WF_CELLS_PER_BLOCK_X4;
}

/*
 * The batch: short pairs through the lanes (lev_lanes.c); longer ones one at
 * a time through lev_front. Those it sends to the register columns go many
 * per vector (lev_multi.c) when the two-ended bound of lev_small would not
 * be tried (k >= its reach), else through lev_small with one pattern cache
 * for the whole call. A pair that fails (ENOMEM) is reported only after
 * every pair before it has its distance (the engine trusts dist[0..fail)):
 * the lanes, which cannot fail, are flushed first.
 */
int wq__levenshtein_batch_at(int level, const wq_pair *pairs, size_t *dist, size_t n,
                             size_t max_distance, size_t *fail) {
    wq__lanes lanes;
    wq__lanes_init(&lanes, level, dist, max_distance);
    wq__multi multi;
    wq__multi_init(&multi, level, dist, max_distance);
    pat_cache cache;
    cache.zeroed = 0;
    for (size_t p = wq__lanes_take(&lanes, pairs, 0, n); p < n;
         p = wq__lanes_take(&lanes, pairs, p + 1, n)) {
        small_job job;
        double budget = batch_budget(&multi, pairs[p].alen, pairs[p].blen, max_distance);
        size_t d =
            lev_front((const unsigned char *)pairs[p].a, pairs[p].alen,
                      (const unsigned char *)pairs[p].b, pairs[p].blen, max_distance, budget, &job);
        if (d == WQ__TO_SMALL) {
            if (multi_takes(&multi, job.n, job.m, max_distance) &&
                wq__multi_add(&multi, job.x, job.n, job.y, job.m, p))
                continue;
            d = lev_small(&cache, job.x, job.n, job.y, job.m, max_distance);
        }
        if (d == WQ_LEV_NO_LIMIT) {
            wq__lanes_flush(&lanes);
            wq__multi_flush(&multi);
            if (fail)
                *fail = p;
            return ENOMEM;
        }
        dist[p] = d <= max_distance ? d : max_distance + 1;
    }
    wq__lanes_flush(&lanes);
    wq__multi_flush(&multi);
    return 0;
}

int wq__levenshtein_batch(const wq_pair *pairs, size_t *dist, size_t n, size_t max_distance,
                          size_t *fail) {
    return wq__levenshtein_batch_at(WQ__LANES_AVX512, pairs, dist, n, max_distance, fail);
}

int wq_levenshtein_batch(const wq_pair *pairs, size_t *dist, size_t n, const wq_lev_opts *opts) {
    size_t k = opts ? opts->max_distance : WQ_LEV_NO_LIMIT;
    return wq__levenshtein_batch(pairs, dist, n, k, NULL);
}
