/*
 * lev_seeds.c: a lower bound on the edit distance left from any row of a
 * related pair, from its seeds (A*PA's seed heuristic, Groot Koerkamp &
 * Ivanov 2024, with 8-byte seeds, exact or within one edit, and no
 * chaining), and an upper bound from the same seeds' chain, for the
 * pruned wavefront of wavefront.c.
 *
 * Guarantees:
 *   - Admissible: for every path of cost at most *ucap from (0, 0) to
 *     (n, m), its cost from row i on is at least fwd[(i + 7) >> 3], and its
 *     cost up to row i at least bwd[(n - i + 7 - n % 8) >> 3] (row n - i
 *     of the reversed strings).
 *   - An upper bound: D <= *ucap (the cost of an alignment, the chain's).
 *   - Reads x[0..n) and y[0..m) only; O(n / 8) memory; pure.
 *
 * Why the lower bound holds. Cut x into ns = n / 8 disjoint seeds x[8t,
 * 8t + 8). A path that pays nothing inside seed t runs down one diagonal k
 * there, so y[8t + k, 8t + k + 8) equals the seed; and a path of cost at
 * most bound never leaves the diagonals [kmin, kmax] (reaching diagonal k
 * and then the last one, m - n, takes |k| + |k - (m - n)| indels). A seed
 * with no copy in y on those diagonals therefore costs such a path at
 * least one edit, and disjoint seeds add up. Counting a seed as matched
 * when unsure only weakens the bound, so the quick pass below may accept a
 * seed on any diagonal; only the seeds it cannot place are searched for
 * over the whole band.
 *
 * Seeds that cost two. A seed alone whose rows the chain crossed at a cost
 * of two or more, and that has no copy within one edit where a path within
 * the bound could cross it, costs such a path at least two edits: see
 * cost_twos. At 5% edits about a sixth of D was in seeds with two edits or
 * more.
 *
 * The pair's ends. When x[n - 1] != y[m - 1] the path's last step costs
 * one, and when x[0] != y[0] its first: end_units adds them where no unit
 * holds them.
 *
 * Why the upper bound holds: see chain below. It is drawn as the band's
 * bound, so the band is as narrow as the pair allows: a wrong (low) chain
 * cost would make the bounds inadmissible for the optimal path, which the
 * tests would see as a wrong distance.
 *
 * Finding the copies. The quick pass follows the diagonal from seed to
 * seed and lists the keys of the band search: the seeds it cannot place,
 * and the pairs of placed seeds that change diagonal. Each key's copies
 * are then looked for either by hashing every 8-byte window of y once, or
 * by scanning only the key's own stretch of the band, 32 or 64 positions
 * a step (comparing y's 2-bit letter codes, built once, at the vector
 * levels), whichever the cost model finds cheaper; the two give
 * the same bounds (the tests compare them at every level).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels_internal.h"

static inline uint64_t load8(const unsigned char *p) {
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* How many bytes of z are not zero: each byte folded onto its low bit,
 * and the eight bits summed in the top byte by one multiply. */
static inline size_t bytes_differing(uint64_t z) {
    z |= z >> 4, z |= z >> 2, z |= z >> 1;
    return (size_t)(((z & 0x0101010101010101ull) * 0x0101010101010101ull) >> 56);
}

/* The slot of a seed word in a table of 1 << bits slots. */
static inline size_t slot_of(uint64_t w, int bits) {
    return (size_t)((w * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

#define QUICK_WIDE 32

/* Flags above a key's value (2t or 2t + 1, below 1 << 28 since rows are
 * int32): KEY_TRY2, the seed lies in a gap of the chain that costs more
 * than the seeds it missed there (two edits in one seed, likely), so it
 * is worth checking for a copy within one edit; KEY_COST2, no such copy
 * lies where a path within the bound could use it, so the seed costs 2. */
#define KEY_TRY2 (1 << 29)
#define KEY_COST2 (1 << 30)
#define KEY_VALUE(k) ((k) & (KEY_TRY2 - 1))

/*
 * The chain of placed seeds as an alignment: the seeds the quick pass
 * places, in order, each matched exactly on its diagonal, with the gaps
 * between them (and before the first and after the last) aligned on their
 * own. Its cost is an upper bound on D (any alignment's cost is), so the
 * pruned search can run once with that bound instead of guessing it. A
 * placed seed whose copy would start before the end of the last one kept
 * (a deletion just before it) is left out of the chain; the gaps stay in
 * order, so the alignment is a valid one.
 */
/* A gap of the chain whose cost g is exact and at least 1: between seed
 * a (-1: the start of the pair), matched on diagonal ka, and seed b (ns:
 * the end of the pair), matched on diagonal kb; see blocks. */
typedef struct chain_gap {
    int32_t a, b, ka, kb, g;
} chain_gap;

typedef struct chain {
    const unsigned char *xend, *yend; /* x + n, y + m */
    int vec;                          /* the bit-vector's match masks by AVX2 compares */
    int64_t ax, ay;                   /* where the last seed kept ends in x and in y */
    size_t cost;                      /* the cost of the alignment up to (ax, ay) */
    int64_t moment;                   /* twice each gap's cost times its middle row, summed */
    chain_gap *gap;                   /* the gaps that may cost more than their units */
    size_t ngap, gcap;                /* gcap 0 after a failed allocation: none kept */
    wq__word peq[256];                /* all zero between gaps */
} chain;

/* Whether p[0..lp) and q[0..lp + 1) are one insertion apart: their common
 * prefix and suffix cover p. */
static int one_indel(const unsigned char *p, size_t lp, const unsigned char *q) {
    size_t a = 0, z = 0;
    while (a < lp && p[a] == q[a])
        a++;
    while (z < lp - a && p[lp - 1 - z] == q[lp - z])
        z++;
    return a + z >= lp;
}

/* one_indel for 1 <= lp <= 8 with p[0, 8) and q[0, 9) readable, by words
 * and without a branch on the bytes (the byte loops' trip counts were
 * mispredicted about once a gap: 10 kb at 5% has a seed with one indel in
 * about 40% of its gaps). With a the length of the common prefix of p and
 * q (a byte of p ^ q[0, 8) is zero where they agree), q is p with one
 * byte inserted iff p[i] = q[i + 1] for a <= i < lp: inserting the byte
 * before p[a] needs these, and inserting it earlier needs them too. */
static inline int one_indel8(const unsigned char *p, size_t lp, const unsigned char *q) {
    uint64_t w = load8(p), e0 = w ^ load8(q), e1 = w ^ load8(q + 1);
    unsigned a = e0 ? (unsigned)__builtin_ctzll(e0) & ~7u : 64;      /* bits: 8 per equal byte */
    uint64_t keep = lp == 8 ? ~0ull : ((uint64_t)1 << (8 * lp)) - 1; /* p's bytes */
    return a >= 8 * lp || !(e1 & keep & (~0ull << a));
}

/* The length of the common prefix of p[0..lp) and q[0..lq), and of
 * their common suffix: 8 bytes a step while both have 8 left. */
static inline size_t common_prefix(const unsigned char *p, size_t lp, const unsigned char *q,
                                   size_t lq) {
    size_t l = lp < lq ? lp : lq, i = 0;
    for (; i + 8 <= l; i += 8) {
        uint64_t z = load8(p + i) ^ load8(q + i);
        if (z)
            return i + (size_t)(__builtin_ctzll(z) >> 3);
    }
    while (i < l && p[i] == q[i])
        i++;
    return i;
}

static inline size_t common_suffix(const unsigned char *p, size_t lp, const unsigned char *q,
                                   size_t lq) {
    size_t l = lp < lq ? lp : lq, i = 0;
    for (; i + 8 <= l; i += 8) {
        uint64_t z = load8(p + lp - i - 8) ^ load8(q + lq - i - 8);
        if (z)
            return i + (size_t)(__builtin_clzll(z) >> 3);
    }
    while (i < l && p[lp - 1 - i] == q[lq - 1 - i])
        i++;
    return i;
}

#if WQ__LANES_SIMD
#include <immintrin.h>

/*
 * Myers' bit-vector for a pattern p of 1 <= lp <= 64 bytes, its match
 * masks made by compares instead of a table: column j's mask is the
 * compare of p's 32 or 64 bytes with q[j], broadcast. No table to fill
 * and clear, about a third of a gap's instructions. Reads p[0, 32) or
 * p[0, 64) when pend leaves room, else a zero-padded copy; mask bits
 * above lp never flow down into the rows below (see wq__word_score).
 */
__attribute__((target("avx2,popcnt"))) static size_t myers_avx2(const unsigned char *p, size_t lp,
                                                                const unsigned char *pend,
                                                                const unsigned char *q, size_t lq) {
    size_t span = lp <= 32 ? 32 : 64;
    unsigned char pad[64];
    if ((size_t)(pend - p) < span) {
        memset(pad, 0, sizeof pad);
        memcpy(pad, p, lp);
        p = pad;
    }
    wq__word pv = ~(wq__word)0, mv = 0;
    __m256i lo = _mm256_loadu_si256((const __m256i *)p);
    if (span == 32) {
        for (size_t j = 0; j < lq; j++) {
            __m256i c = _mm256_set1_epi8((char)q[j]);
            wq__word_step(&pv, &mv, (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)));
        }
    } else {
        __m256i hi = _mm256_loadu_si256((const __m256i *)(p + 32));
        for (size_t j = 0; j < lq; j++) {
            __m256i c = _mm256_set1_epi8((char)q[j]);
            wq__word eq = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)) |
                          (wq__word)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)) << 32;
            wq__word_step(&pv, &mv, eq);
        }
    }
    return wq__word_score(pv, mv, lp, lq);
}
#endif

/*
 * The edit distance of a gap p[0..lp), q[0..lq), exact when its shorter
 * side has at most 64 bytes, else the cost of substituting the shorter
 * side and inserting the rest; either is the cost of an alignment of the
 * gap. Most gaps are a seed or two with an edit or two, settled without
 * the bit-vector: equal lengths and at most two mismatches (an edit
 * script of equal lengths and cost 1 is a substitution, so the Hamming
 * distance is exact up to 2), or lengths one apart and one insertion.
 * Otherwise Myers' bit-vector, with the shorter side as the pattern, its
 * masks by compares (vec) or from the table peq (all zero on entry and
 * on return). pend and qend end the bytes readable from p and q.
 */
static size_t gap_edits(int vec, wq__word *peq, const unsigned char *p, size_t lp,
                        const unsigned char *pend, const unsigned char *q, size_t lq,
                        const unsigned char *qend) {
    if (lp > lq) { /* the shorter side is the pattern */
        const unsigned char *t = p, *te = pend;
        p = q, pend = qend, q = t, qend = te;
        size_t l = lp;
        lp = lq, lq = l;
    }
    if (lp == 0 || lp > 64)
        return lq;
    if (lp == lq) {
        size_t diff = 0, i = 0;
        for (; i + 8 <= lp && diff <= 2; i += 8)
            diff += bytes_differing(load8(p + i) ^ load8(q + i));
        for (; i < lp && diff <= 2; i++)
            diff += p[i] != q[i];
        if (diff <= 2)
            return diff;
    } else if (lq == lp + 1 && (lp <= 8 && p + 8 <= pend && q + 9 <= qend ? one_indel8(p, lp, q)
                                                                          : one_indel(p, lp, q))) {
        return 1;
    }
    /* A common prefix and suffix cost nothing in some optimal alignment:
     * the bit-vector runs on the rest only (the gap's edits often sit
     * inside a few of its bytes). */
    size_t pre = common_prefix(p, lp, q, lq);
    p += pre, lp -= pre, q += pre, lq -= pre;
    size_t suf = common_suffix(p, lp, q, lq);
    lp -= suf, lq -= suf;
    if (lp == 0)
        return lq;
#if WQ__LANES_SIMD
    if (vec)
        return myers_avx2(p, lp, pend, q, lq);
#else
    (void)vec, (void)pend;
#endif
    for (size_t i = 0; i < lp; i++)
        peq[p[i]] |= (wq__word)1 << i;
    size_t d = wq__myers_word(peq, lp, q, lq);
    for (size_t i = 0; i < lp; i++)
        peq[p[i]] = 0;
    return d;
}

static size_t gap_cost(chain *c, const unsigned char *p, size_t lp, const unsigned char *q,
                       size_t lq) {
    return gap_edits(c->vec, c->peq, p, lp, c->xend, q, lq, c->yend); /* p is in x, q in y */
}

size_t wq__gap_edits_at(int level, const unsigned char *p, size_t lp, const unsigned char *pend,
                        const unsigned char *q, size_t lq, const unsigned char *qend) {
    wq__word peq[256] = {0};
    int best = wq__lanes_best();
    return gap_edits((level < best ? level : best) >= WQ__LANES_AVX2, peq, p, lp, pend, q, lq,
                     qend);
}

/* Keeps the gap from the chain's end (c->ax, c->ay) to seed b at xb, yb
 * (b = ns: the end of the pair) when its cost g was exact (gap_cost: the
 * shorter side at most 64 bytes) and at least 1. A failed allocation
 * keeps no more gaps: fewer blocks, weaker but valid bounds. */
static void chain_keep(chain *c, int64_t b, int64_t xb, int64_t yb, int64_t g) {
    int64_t lx = xb - c->ax, ly = yb - c->ay;
    if (g < 1 || (lx < ly ? lx : ly) > 64 || !c->gcap)
        return;
    if (c->ngap == c->gcap) {
        chain_gap *v = realloc(c->gap, 2 * c->gcap * sizeof *v);
        if (!v) {
            c->gcap = 0;
            return;
        }
        c->gap = v, c->gcap *= 2;
    }
    c->gap[c->ngap++] = (chain_gap){(int32_t)(c->ax / 8 - 1), (int32_t)b, (int32_t)(c->ay - c->ax),
                                    (int32_t)(yb - xb), (int32_t)g};
}

/* Adds seed t, matched at y + b, to the chain (or leaves it out, above);
 * returns the cost of the gap closed, or -1 when the seed is left out. */
static int64_t chain_add(chain *c, const unsigned char *x, const unsigned char *y, int64_t t,
                         int64_t b) {
    int64_t xs = 8 * t, g = 0;
    if (b < c->ay)
        return -1;
    if (xs != c->ax || b != c->ay) {
        g = (int64_t)gap_cost(c, x + c->ax, (size_t)(xs - c->ax), y + c->ay, (size_t)(b - c->ay));
        chain_keep(c, t, xs, b, g);
    }
    c->cost += (size_t)g;
    c->moment += g * (c->ax + xs);
    c->ax = xs + 8, c->ay = b + 8;
    return g;
}

/* After a gap of cost g closed with `miss` seeds missed in it (the last
 * seeds alone among key[0..nk)): when g > miss, some missed seed holds two
 * edits or more, so each is marked to be tried as costing 2. */
static void mark_gap(int32_t *key, size_t nk, int64_t g, size_t miss) {
    if (g <= (int64_t)miss)
        return;
    for (size_t j = nk; j-- > 0 && miss;)
        if (!(key[j] & 1))
            key[j] |= KEY_TRY2, miss--;
}

#if WQ__LANES_SIMD
/*
 * The quick pass's wide search in one go: seed s compared at the 32
 * positions on either side of y + b0 (b0 - 32 >= 0 and b0 + 40 <= m: the
 * loads read y[b0 - 32, b0 + 40)), a byte compare per seed byte at 32
 * positions a step. Returns the diagonal change dk of the nearest copy,
 * the positive one on a tie, as the plain loop tries them (+1, -1, +2,
 * ...), or 0 when there is none.
 */
__attribute__((target("avx2"))) static int64_t wide_avx2(const unsigned char *s,
                                                         const unsigned char *y, int64_t b0) {
    uint32_t mask[2];
    for (int h = 0; h < 2; h++) {
        const unsigned char *p = y + b0 + (h ? 1 : -32);
        __m256i hit = _mm256_set1_epi8(-1);
        for (int i = 0; i < 8; i++)
            hit = _mm256_and_si256(hit,
                                   _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(p + i)),
                                                     _mm256_set1_epi8((char)s[i])));
        mask[h] = (uint32_t)_mm256_movemask_epi8(hit);
    }
    /* Bit i of mask[1] is dk = i + 1; bit i of mask[0] is dk = i - 32. */
    int64_t up = mask[1] ? __builtin_ctz(mask[1]) + 1 : 64,
            down = mask[0] ? __builtin_clz(mask[0]) + 1 : 64;
    return up < 64 || down < 64 ? (up <= down ? up : -down) : 0;
}
#endif

/* Which of the 8 seeds at x (x[0, 64)) sit on the diagonal of y (y[0,
 * 64)): bit i for seed i. */
static inline unsigned match8_plain(const unsigned char *x, const unsigned char *y) {
    unsigned mk = 0;
    for (int i = 0; i < 8; i++)
        mk |= (unsigned)(load8(x + 8 * i) == load8(y + 8 * i)) << i;
    return mk;
}

#if WQ__LANES_SIMD
__attribute__((target("avx2"))) static unsigned match8_avx2(const unsigned char *x,
                                                            const unsigned char *y) {
    __m256i lo = _mm256_cmpeq_epi64(_mm256_loadu_si256((const __m256i *)x),
                                    _mm256_loadu_si256((const __m256i *)y)),
            hi = _mm256_cmpeq_epi64(_mm256_loadu_si256((const __m256i *)(x + 32)),
                                    _mm256_loadu_si256((const __m256i *)(y + 32)));
    return (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(lo)) |
           (unsigned)_mm256_movemask_pd(_mm256_castsi256_pd(hi)) << 4;
}
#endif

static inline unsigned match8(int level, const unsigned char *x, const unsigned char *y) {
#if WQ__LANES_SIMD
    if (level >= WQ__LANES_AVX2)
        return match8_avx2(x, y);
#endif
    (void)level;
    return match8_plain(x, y);
}

/*
 * The quick pass: seed t is placed if it sits on the diagonal of the last
 * placed seed or within two of it (an indel since). Writes the keys of
 * the band search (see band) in order of t to key[], their count to *nk,
 * the cost of the chain's alignment (an upper bound on D) to *ub, and
 * returns the count of seeds it cannot place; stops early with ns + 1
 * (more than any max_left) once past max_left, or past its share of the
 * seeds seen so far by 16.
 */
static size_t quick_pass(int level, const unsigned char *x, size_t n, const unsigned char *y,
                         size_t m, size_t max_left, int32_t *key, size_t *nk, size_t *ub,
                         chain *cp) {
    size_t ns = n / 8;
    int64_t k = 0, last = (int64_t)m - 8;
    size_t left = 0, run = 0, nkeys = 0, miss = 0; /* miss: in the open gap */
    int prev_placed = 0;
    chain c = *cp; /* a local copy (the compiler keeps ax, ay in registers); written back */
    for (size_t t = 0; t < ns; t++) {
        int64_t b0 = (int64_t)(8 * t) + k;
        /* Most seeds sit on the last one's diagonal. The next 8 seeds are
         * compared there at once, and the run of those that sit on it is
         * placed in one go, with no branch a seed (a branch on each
         * seed's compare was mispredicted about twice a seed missed: 10
         * kb at 5% misses a third). A run places its seeds as the single
         * steps would, first to last: no key (a pair of placed seeds
         * counts only across a diagonal change); each seed closes the
         * chain's gap until one is kept, and the chain simply grows by the
         * rest. Seed t then misses the diagonal (unless all 8 sat on it),
         * which is tested below without a second compare. */
        if (t + 8 <= ns && b0 >= 0 && b0 + 64 <= (int64_t)m) {
            unsigned r = (unsigned)__builtin_ctz(~match8(level, x + 8 * t, y + b0));
            for (unsigned i = 0; i < r; i++) {
                int64_t ti = (int64_t)(t + i), bi = b0 + 8 * (int64_t)i;
                if (c.ax == 8 * ti && c.ay == bi) { /* kept: the rest grow the chain */
                    c.ax += 8 * (int64_t)(r - i), c.ay += 8 * (int64_t)(r - i);
                    break;
                }
                int64_t g = chain_add(&c, x, y, ti, bi);
                if (g >= 0)
                    mark_gap(key, nkeys, g, miss), miss = 0;
            }
            if (r) {
                prev_placed = 1, run = 0;
                t += r - 1;
                continue; /* the loop's tests decide at t + r */
            }
        } else if (b0 >= 0 && b0 <= last && load8(y + b0) == load8(x + 8 * t)) {
            if (c.ax == (int64_t)(8 * t) && c.ay == b0) { /* near the ends: one at a time */
                c.ax += 8, c.ay += 8;
            } else {
                int64_t g = chain_add(&c, x, y, (int64_t)t, b0);
                if (g >= 0)
                    mark_gap(key, nkeys, g, miss), miss = 0;
            }
            prev_placed = 1, run = 0;
            continue;
        }
        uint64_t w = load8(x + 8 * t);
        /* Within 2 of the last diagonal, or within QUICK_WIDE after a run
         * of misses, so that a burst of indels does not lose the track. */
        int64_t reach = run >= 2 ? QUICK_WIDE : 2, u = 1;
        if (reach == 2 && b0 >= 2 && b0 + 2 <= last) {
            /* The loop's four tries (+1, -1, +2, -2), unrolled. */
            u = load8(y + b0 + 1) == w   ? 1
                : load8(y + b0 - 1) == w ? 2
                : load8(y + b0 + 2) == w ? 3
                : load8(y + b0 - 2) == w ? 4
                                         : 5;
            k += u == 1 ? 1 : u == 2 ? -1 : u == 3 ? 2 : u == 4 ? -2 : 0;
        }
#if WQ__LANES_SIMD
        else if (reach == QUICK_WIDE && level >= WQ__LANES_AVX2 && b0 >= QUICK_WIDE &&
                 b0 + QUICK_WIDE + 8 <= (int64_t)m) {
            int64_t dk = wide_avx2(x + 8 * t, y, b0);
            k += dk;
            u = dk ? 1 : 2 * reach + 1;
        } else
#endif
            for (; u <= 2 * reach; u++) {
                int64_t dk = u & 1 ? (u + 1) / 2 : -(u / 2), b = b0 + dk;
                if (b >= 0 && b <= last && load8(y + b) == w) {
                    k += dk;
                    break;
                }
            }
        if (u <= 2 * reach) { /* placed, on another diagonal */
            int64_t g = chain_add(&c, x, y, (int64_t)t, (int64_t)(8 * t) + k);
            if (g >= 0)
                mark_gap(key, nkeys, g, miss), miss = 0;
            if (prev_placed)
                key[nkeys++] = (int32_t)(2 * t - 1); /* the pair of t - 1 and t */
            prev_placed = 1, run = 0;
            continue;
        }
        key[nkeys++] = (int32_t)(2 * t);
        prev_placed = 0, run++, left++, miss++;
        /* Checked on misses only: left grows only there, and its share
         * only grows with t. left > 16 + floor(max_left (t + 1) / ns) is
         * (left - 16) ns > max_left (t + 1), without the division (a
         * 64-bit divide a miss was 2% of the time on 100 kb at 1%). */
        if (left > max_left || (left > 16 && (left - 16) * ns > max_left * (t + 1))) {
            *cp = c;
            return ns + 1; /* too many so far: the pair is too divergent */
        }
    }
    *nk = nkeys;
    size_t g = gap_cost(&c, x + c.ax, n - (size_t)c.ax, y + c.ay, m - (size_t)c.ay);
    mark_gap(key, nkeys, (int64_t)g, miss);
    /* The last gap as a block only when it ends on a seed's end: a block
     * covers whole seeds (see blocks). */
    if (n % 8 == 0 && c.ax > 0)
        chain_keep(&c, (int64_t)ns, (int64_t)n, (int64_t)m, (int64_t)g);
    *ub = c.cost + g;
    c.moment += (int64_t)g * (c.ax + (int64_t)n);
    *cp = c;
    return left;
}

/*
 * The keys the band search looks for, in order of t: key[j] = 2t for seed
 * t alone (it failed the quick pass), or 2t + 1 for the 16 bytes of seeds
 * t and t + 1 (both placed, on different diagonals), both looked up by
 * seed t's word; -1 once a copy is found on a diagonal in [kmin, kmax].
 * A band holds them with the strings and the diagonals searched.
 */
typedef struct band {
    const unsigned char *x, *y;
    const unsigned char *code; /* y's 4-letter codes (see codes_avx2), or NULL */
    size_t m;
    int64_t kmin, kmax;
    int32_t *key;
    size_t nkeys;
} band;

/* A slot of the hash table: the first word of key j. */
typedef struct seed_slot {
    uint64_t word;
    int32_t j;
} seed_slot;

/*
 * The full search over the band: a hash table of the keys' first words
 * (open addressing, at most a quarter full), then every 8-byte window of y
 * looked up in it; a copy on a diagonal in [kmin, kmax] clears the key.
 * Returns ENOMEM or 0.
 */
static int band_pass(const band *bd) {
    const unsigned char *x = bd->x, *y = bd->y;
    int bits = 4;
    while (((size_t)1 << bits) < 4 * bd->nkeys)
        bits++;
    size_t size = (size_t)1 << bits, mask = size - 1;
    /* A filter of 8 bits a slot (one in 32 set or fewer) turns most
     * windows of y away after one bit test, in L1. */
    int fbits = bits + 3;
    seed_slot *tab = malloc(size * sizeof *tab + ((size_t)1 << fbits) / 8);
    if (!tab)
        return ENOMEM;
    uint64_t *filt = (uint64_t *)(tab + size);
    memset(filt, 0, ((size_t)1 << fbits) / 8);
    for (size_t s = 0; s < size; s++)
        tab[s].j = -1;
    for (size_t j = 0; j < bd->nkeys; j++) {
        uint64_t w = load8(x + 8 * (size_t)(KEY_VALUE(bd->key[j]) >> 1));
        size_t s = slot_of(w, bits), f = slot_of(w, fbits);
        filt[f >> 6] |= (uint64_t)1 << (f & 63);
        while (tab[s].j >= 0)
            s = (s + 1) & mask;
        tab[s] = (seed_slot){w, (int32_t)j};
    }
    for (size_t b = 0; b + 8 <= bd->m; b++) {
        uint64_t w = load8(y + b);
        size_t f = slot_of(w, fbits);
        if (!(filt[f >> 6] >> (f & 63) & 1))
            continue;
        for (size_t s = slot_of(w, bits); tab[s].j >= 0; s = (s + 1) & mask) {
            int32_t j = tab[s].j, kj = bd->key[j];
            if (kj < 0 || tab[s].word != w)
                continue;
            int64_t t = KEY_VALUE(kj) >> 1, k = (int64_t)b - 8 * t;
            if (k < bd->kmin || k > bd->kmax)
                continue;
            if (!(kj & 1) || (b + 16 <= bd->m && load8(y + b + 8) == load8(x + 8 * (size_t)t + 8)))
                bd->key[j] = -1;
        }
    }
    free(tab);
    return 0;
}

/* ---------------------------------------------- the band by scanning -- */

/* One key of the scan: the seed word w, looked for at every b in
 * [lo, hi] (hi <= m - 8), and for a pair the next word w2 at b + 8 too
 * (when b + 16 <= m). */
typedef struct scan_key {
    uint64_t w, w2;
    size_t lo, hi;
    int pair;
} scan_key;

/*
 * Letter codes for the vector scans. Each byte maps to two bits by a table
 * of its low nibble xor one of its high nibble (A, C, G and T, in either
 * case, to four different codes; any alphabet spread over the four), and
 * code[p] packs the codes of y[p, p + 4). A copy of an 8-byte seed at b
 * has code[b] and code[b + 4] equal to the seed's two halves' codes: a
 * scan compares those two bytes per position instead of the seed's bytes,
 * and checks the few positions where both agree in full (scan_hit), so
 * the codes only filter and cannot change what is found.
 */
static const unsigned char code_lo[16] = {1, 0, 2, 1, 3, 0, 3, 2, 0, 1, 2, 3, 0, 1, 2, 3};
static const unsigned char code_hi[16] = {0, 1, 2, 3, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2, 3, 0};

/* Bytes past y's end in the code array: a scan step reads code[b, b + 68)
 * for b <= m - 8. */
#define CODE_PAD 64

static inline unsigned letter_code(unsigned char c) {
    return code_lo[c & 15] ^ code_hi[c >> 4];
}

static inline int scan_hit(const unsigned char *y, size_t m, const scan_key *k, size_t b) {
    if (load8(y + b) != k->w)
        return 0;
    return !k->pair || (b + 16 <= m && load8(y + b + 8) == k->w2);
}

/* Plain: every b of the stretch, from `from` on. */
static int scan_plain(const unsigned char *y, size_t m, const scan_key *k, size_t from) {
    for (size_t b = from; b <= k->hi; b++)
        if (scan_hit(y, m, k, b))
            return 1;
    return 0;
}

#if WQ__LANES_SIMD

/*
 * The vector scans: the first SCAN_BYTES bytes of the seed compared at 32
 * (AVX2) or 64 (AVX-512) positions of y a step, by byte compares of
 * y + b, y + b + 1, ..., y + b + SCAN_BYTES - 1; only the positions where
 * all agree (about one in 4096 on random DNA) are checked in full. Six
 * bytes rather than four: more compares, but few candidates, so the
 * candidate branch is rarely taken and rarely mispredicted (100 kb at 1%:
 * about 15% less time, 19% more instructions). A step reads y[b, b + 37)
 * or y[b, b + 69), so the vector steps stop before the end of y and the
 * scalar loop finishes the stretch: nothing past y[m) is read. Positions
 * past hi are masked off before the check.
 */
#ifndef SCAN_BYTES
#define SCAN_BYTES 6
#endif

__attribute__((target("avx2"))) static int scan_avx2(const unsigned char *y, size_t m,
                                                     const scan_key *k) {
    __m256i c[SCAN_BYTES];
    for (int i = 0; i < SCAN_BYTES; i++)
        c[i] = _mm256_set1_epi8((char)(k->w >> 8 * i));
    size_t b = k->lo;
    for (; b <= k->hi && b + 32 + SCAN_BYTES - 1 <= m; b += 32) {
        uint32_t hit = 0xFFFFFFFFu;
        for (int i = 0; i < SCAN_BYTES; i++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(y + b + i));
            hit &= (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, c[i]));
        }
        if (k->hi - b < 31)
            hit &= (1u << (k->hi - b + 1)) - 1;
        for (; hit; hit &= hit - 1)
            if (scan_hit(y, m, k, b + (size_t)__builtin_ctz(hit)))
                return 1;
    }
    return scan_plain(y, m, k, b);
}

__attribute__((target("avx512bw"))) static int scan_avx512(const unsigned char *y, size_t m,
                                                           const scan_key *k) {
    __m512i c[SCAN_BYTES];
    for (int i = 0; i < SCAN_BYTES; i++)
        c[i] = _mm512_set1_epi8((char)(k->w >> 8 * i));
    size_t b = k->lo;
    for (; b <= k->hi && b + 64 + SCAN_BYTES - 1 <= m; b += 64) {
        uint64_t hit = ~0ull;
        for (int i = 0; i < SCAN_BYTES; i++)
            hit &= _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(y + b + i), c[i]);
        if (k->hi - b < 63)
            hit &= (2ull << (k->hi - b)) - 1;
        for (; hit; hit &= hit - 1)
            if (scan_hit(y, m, k, b + (size_t)__builtin_ctzll(hit)))
                return 1;
    }
    return scan_plain(y, m, k, b);
}

/* code[0, m) of y (see letter_code), and CODE_PAD zero bytes after: each
 * byte's code 32 at a time by two table lookups (pshufb), then in place,
 * in ascending order, code[p] |= code[p + 1] << 2 | ... (a step reads
 * code[p, p + 35) and writes code[p, p + 32), ahead of what it rewrote). */
__attribute__((target("avx2"))) static void codes_avx2(const unsigned char *y, size_t m,
                                                       unsigned char *code) {
    __m128i lo = _mm_loadu_si128((const __m128i *)code_lo),
            hi = _mm_loadu_si128((const __m128i *)code_hi);
    __m256i tlo = _mm256_broadcastsi128_si256(lo), thi = _mm256_broadcastsi128_si256(hi),
            nib = _mm256_set1_epi8(15);
    size_t p = 0;
    for (; p + 32 <= m; p += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(y + p));
        __m256i c = _mm256_xor_si256(
            _mm256_shuffle_epi8(tlo, _mm256_and_si256(v, nib)),
            _mm256_shuffle_epi8(thi, _mm256_and_si256(_mm256_srli_epi16(v, 4), nib)));
        _mm256_storeu_si256((__m256i *)(code + p), c);
    }
    for (; p < m; p++)
        code[p] = (unsigned char)letter_code(y[p]);
    memset(code + m, 0, CODE_PAD);
    /* Codes are at most 3, so the 16-bit shifts move no bit across bytes. */
    for (p = 0; p + 32 <= m; p += 32) {
        __m256i c0 = _mm256_loadu_si256((const __m256i *)(code + p)),
                c1 = _mm256_loadu_si256((const __m256i *)(code + p + 1)),
                c2 = _mm256_loadu_si256((const __m256i *)(code + p + 2)),
                c3 = _mm256_loadu_si256((const __m256i *)(code + p + 3));
        c0 = _mm256_or_si256(_mm256_or_si256(c0, _mm256_slli_epi16(c1, 2)),
                             _mm256_or_si256(_mm256_slli_epi16(c2, 4), _mm256_slli_epi16(c3, 6)));
        _mm256_storeu_si256((__m256i *)(code + p), c0);
    }
    for (; p < m; p++)
        code[p] = (unsigned char)(code[p] | code[p + 1] << 2 | code[p + 2] << 4 | code[p + 3] << 6);
}

/* The codes of w's two halves (the codes of w[0, 4) and w[4, 8), see letter_code), as the
 * low and high 32 bits: its bytes' codes by the tables, then summed with
 * weights 1, 4, 16, 64 per half by two multiply-adds. */
__attribute__((target("avx2"))) static inline uint64_t seed_codes(uint64_t w) {
    __m128i v = _mm_cvtsi64_si128((long long)w), nib = _mm_set1_epi8(15);
    __m128i c = _mm_xor_si128(
        _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)code_lo), _mm_and_si128(v, nib)),
        _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)code_hi),
                         _mm_and_si128(_mm_srli_epi16(v, 4), nib)));
    c = _mm_maddubs_epi16(c, _mm_set1_epi16(0x0401));
    c = _mm_madd_epi16(c, _mm_set1_epi32(0x00100001));
    return (uint64_t)_mm_cvtsi128_si64(c);
}

/* The scans by codes: two byte compares per position, 64 positions a step
 * (two halves of 32 at AVX2: half the loop's overhead of tests and
 * branches a position); a step reads code[b, b + 68), inside the padding
 * for b <= hi <= m - 8, so no scalar tail. */
__attribute__((target("avx2"))) static int
scan_codes_avx2(const unsigned char *y, size_t m, const unsigned char *code, const scan_key *k) {
    uint64_t q = seed_codes(k->w);
    __m256i c1 = _mm256_set1_epi8((char)q), c2 = _mm256_set1_epi8((char)(q >> 32));
    for (size_t b = k->lo; b <= k->hi; b += 64) {
        const __m256i *p = (const __m256i *)(code + b), *p4 = (const __m256i *)(code + b + 4);
        __m256i lo = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_loadu_si256(p), c1),
                                      _mm256_cmpeq_epi8(_mm256_loadu_si256(p4), c2)),
                hi = _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_loadu_si256(p + 1), c1),
                                      _mm256_cmpeq_epi8(_mm256_loadu_si256(p4 + 1), c2));
        uint64_t hit =
            (uint32_t)_mm256_movemask_epi8(lo) | (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
        if (k->hi - b < 63)
            hit &= (2ull << (k->hi - b)) - 1;
        for (; hit; hit &= hit - 1)
            if (scan_hit(y, m, k, b + (size_t)__builtin_ctzll(hit)))
                return 1;
    }
    return 0;
}

__attribute__((target("avx512bw"))) static int
scan_codes_avx512(const unsigned char *y, size_t m, const unsigned char *code, const scan_key *k) {
    uint64_t q = seed_codes(k->w);
    __m512i c1 = _mm512_set1_epi8((char)q), c2 = _mm512_set1_epi8((char)(q >> 32));
    for (size_t b = k->lo; b <= k->hi; b += 64) {
        uint64_t hit = _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(code + b), c1) &
                       _mm512_cmpeq_epi8_mask(_mm512_loadu_si512(code + b + 4), c2);
        if (k->hi - b < 63)
            hit &= (2ull << (k->hi - b)) - 1;
        for (; hit; hit &= hit - 1)
            if (scan_hit(y, m, k, b + (size_t)__builtin_ctzll(hit)))
                return 1;
    }
    return 0;
}
#endif

/* Whether key k has a copy in y[lo, hi]: by the codes when the band has
 * them (levels AVX2 and up), else by the seed's bytes. */
static int scan_at(int level, const band *bd, const scan_key *k) {
    const unsigned char *y = bd->y;
    size_t m = bd->m;
#if WQ__LANES_SIMD
    if (level >= WQ__LANES_AVX512)
        return bd->code ? scan_codes_avx512(y, m, bd->code, k) : scan_avx512(y, m, k);
    if (level >= WQ__LANES_AVX2)
        return bd->code ? scan_codes_avx2(y, m, bd->code, k) : scan_avx2(y, m, k);
#else
    (void)level;
#endif
    return scan_plain(y, m, k, k->lo);
}

/*
 * The same search as band_pass, key by key: seed t's copies can only start
 * at b = 8t + k for k in [kmin, kmax], so each key scans that stretch of
 * y (clipped to [0, m - 8]) and stops at its first copy. Cheaper than
 * hashing every window of y when the keys are few or the band is narrow.
 *
 * With a bound (> 0, the band's), the stretch narrows as the units proven
 * before a key add up: a path within the bound that crosses the key's
 * rows at no cost on diagonal k has paid at least `before`, the cost of
 * the units wholly above them (each proven for every such path), and
 * still owes |k - target| to reach the end, so only |k - target| <= bound
 * - before can hold its copy. Each key's proof uses only the keys before
 * it, so the order is well founded. Without a bound, the whole band, as
 * band_pass searches it (the tests compare the two).
 */
static void scan_pass(int level, const band *bd, int64_t bound) {
    int64_t target = bd->kmin + bd->kmax; /* the band is symmetric around it */
    int64_t proven = 0, last = -1;        /* the units so far; the last one's last seed */
    for (size_t j = 0; j < bd->nkeys; j++) {
        int32_t kj = bd->key[j];
        int64_t t = KEY_VALUE(kj) >> 1, klo = bd->kmin, khi = bd->kmax;
        if (bound > 0) {
            /* Units before the last end before it starts: only the last
             * may reach row 8t. */
            int64_t room = bound - (proven - (last >= t));
            klo = klo > target - room ? klo : target - room;
            khi = khi < target + room ? khi : target + room;
        }
        int64_t lo = 8 * t + klo, hi = 8 * t + khi;
        lo = lo < 0 ? 0 : lo;
        hi = hi > (int64_t)bd->m - 8 ? (int64_t)bd->m - 8 : hi;
        const unsigned char *s = bd->x + 8 * t;
        scan_key k = {load8(s), kj & 1 ? load8(s + 8) : 0, (size_t)lo, (size_t)hi, kj & 1};
        if (lo <= hi && scan_at(level, bd, &k))
            bd->key[j] = -1;
        else if (t > last) /* a unit, as units() will count it */
            proven++, last = t + (kj & 1);
    }
}

/* Instructions a position, about (callgrind, 100 kb at 1%): a hashed
 * window of y, a scanned position of one key at each level (by the codes
 * at AVX2 and AVX-512), and a byte of y's codes. */
static const double cost_hash = 17.5, cost_scan[] = {5, 0.35, 0.2}, cost_codes = 0.7;

/*
 * Cuts the seeds into units, left to right: a seed alone that has no copy
 * in the band, costing one; two placed seeds whose 16 bytes have no copy
 * in the band, costing one, since a path matching both seeds exactly must
 * change diagonal between them; or a seed that costs nothing. The keys
 * left after the search are those units' first seeds, in order; a pair
 * takes its second seed out of the units after it (which is never alone:
 * it was placed). Keeps the keys of the units, in order, at the front of
 * key[] (a unit's first seed is key >> 1, its last that plus key & 1), and
 * returns their count.
 */
static size_t units(int32_t *key, size_t nk) {
    int64_t taken = -1; /* the last seed a unit holds */
    size_t nu = 0;
    for (size_t j = 0; j < nk; j++) {
        int64_t t = KEY_VALUE(key[j]) >> 1;
        if (key[j] < 0 || t <= taken)
            continue;
        taken = t + (key[j] & 1);
        key[nu++] = key[j]; /* nu <= j: read before written */
    }
    return nu;
}

/* A unit's cost: 2 for a seed alone with no copy within one edit, else 1. */
static inline int32_t unit_cost(int32_t key) {
    return key & KEY_COST2 ? 2 : 1;
}

/* A unit after the band search: seeds first..last, whose rows cost every
 * path within the bound at least `cost`. A block of the chain that starts
 * at the pair's start also holds the steps along row 0 before seed 0
 * (UNIT_HEAD), one that ends at its end the steps along row n after the
 * last seed (UNIT_TAIL): see fill_bounds. */
#define UNIT_HEAD 1
#define UNIT_TAIL 2
typedef struct seed_unit {
    int32_t first, last, cost, ends;
} seed_unit;

/*
 * The bounds from the units (disjoint, in order): fwd[t], the cost of the
 * units from seed t on (wholly below row 8t), is the units j with first(j)
 * >= t; bwd[ns - r], the cost of the units ending before seed r (wholly
 * above row 8r), is the units j with last(j) < r, that is ns - 1 - last(j)
 * >= ns - r. Both are sums over a suffix of indices: each unit's cost is
 * put at its index, then summed from the top down, with no branch a seed
 * (a loop a stretch of equal values, whose trip count was mispredicted
 * about once a unit, took about 7% of the time on 100 kb at 1%: perf).
 * `tail` is added to fwd[0, ns) (and to fwd[ns] when `tail_ns`), and
 * `head` to bwd[0, ns): see end_units.
 */
static void fill_bounds(size_t ns, const seed_unit *unit, size_t nu, int32_t tail, int tail_ns,
                        int32_t head, int32_t *fwd, int32_t *bwd) {
    memset(fwd, 0, (ns + 2) * sizeof *fwd);
    memset(bwd, 0, (ns + 1) * sizeof *bwd);
    for (size_t j = 0; j < nu; j++) {
        fwd[unit[j].first] += unit[j].cost;
        bwd[ns - 1 - (size_t)unit[j].last] += unit[j].cost;
    }
    int32_t f = tail, b = head;
    for (size_t i = ns; i-- > 0;) {
        f += fwd[i], b += bwd[i];
        fwd[i] = f, bwd[i] = b;
    }
    fwd[ns] = tail_ns ? tail : 0;
    fwd[ns + 1] = 0;
    bwd[ns] = 0;
    /* Row 0 holds the points (0, d), which have paid their d steps along
     * row 0: a block that holds those steps (UNIT_HEAD) may cost them
     * nothing more, so fwd[0], row 0's bound, leaves it out (fwd[1] on
     * never held it); likewise bwd[0], row n's when n % 8 == 0, leaves out
     * a block that holds the steps along row n (UNIT_TAIL). */
    if (nu && (unit[0].ends & UNIT_HEAD))
        fwd[0] -= unit[0].cost;
    if (nu && (unit[nu - 1].ends & UNIT_TAIL))
        bwd[0] -= unit[nu - 1].cost;
}

/*
 * The pair's last step and first step. When x[n - 1] != y[m - 1], the
 * step into (n, m) costs one (a substitution, an insertion or a
 * deletion), so every point but (n, m) itself owes at least 1 to the end.
 * With a partial seed after the last (n % 8 != 0), that step lies in the
 * rows after the last seed's, on no unit: fwd[0, ns] (the rows up to 8ns,
 * all above n) each gain 1. With n % 8 == 0 it lies in the last seed's
 * rows or on row n after it: when that seed is in no unit, it and the step
 * together cost a path at least 1 (a copy of the seed on the last
 * diagonal would match x[n - 1] with y[m - 1]; on any other diagonal the
 * path pays the way back to it on row n, after the seed), so fwd[0, ns)
 * gain 1, but not fwd[ns], which is also row n's, (n, m)'s bound. Its
 * mirror at the start: when x[0] != y[0] and seed 0 is in no unit, a path
 * crossing seed 0 at no cost does so on a copy at some diagonal k > 0 (k
 * = 0 would match x[0] with y[0], k < 0 leaves y), after paying k on row
 * 0: seed 0 and the steps before it cost at least 1, above every row from
 * 8 on, so bwd[0, ns) (rows 8 and down from the end) gain 1, not bwd[ns]
 * (rows 0 to 7, (0, 0)'s). Sets *tail, *tail_ns and *head for
 * fill_bounds; unit[0, nu) are the units and blocks, in order.
 */
static void end_units(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                      const seed_unit *unit, size_t nu, int32_t *tail, int *tail_ns,
                      int32_t *head) {
    size_t ns = n / 8;
    *tail = *head = 0, *tail_ns = 0;
    if (!ns || !m)
        return;
    if (x[n - 1] != y[m - 1]) {
        if (n % 8)
            *tail = 1, *tail_ns = 1;
        else if (!nu || (size_t)unit[nu - 1].last < ns - 1)
            *tail = 1;
    }
    if (x[0] != y[0] && (!nu || unit[0].first > 0))
        *head = 1;
}

/* ------------------------------------------- seeds that cost two edits -- */

/* Whether the 8 bytes s and y[b, b + L) are at most one edit apart for
 * some L in {7, 8, 9} inside y[0, m): a copy of the seed, starting at b,
 * that a path could cross at a cost of one. By words when y[b, b + 8) is
 * readable: with a the count of equal leading bytes of s and y[b, b + 8)
 * (z = their xor), the copy of 7 bytes is s without one byte iff s[i +
 * 1] = y[b + i] for a <= i < 7 (delete s[a]; deleting an earlier byte
 * needs these too), and the copy of 9 bytes is s with one byte inserted
 * iff s[i] = y[b + 1 + i] for a <= i < 8 (insert before s[a]). */
static int near_copy_at(const unsigned char *s, const unsigned char *y, size_t m, int64_t b) {
    if (b < 0)
        return 0;
    size_t u = (size_t)b;
    if (u + 8 > m) /* a copy of 7 bytes at most, at y's very end */
        return u + 7 <= m && one_indel(y + u, 7, s);
    uint64_t w = load8(s), z = w ^ load8(y + u);
    if (!z)
        return 1;
    unsigned a = (unsigned)__builtin_ctzll(z) & ~7u; /* bits: 8 per equal leading byte */
    /* Hamming distance at most 1: z without its lowest differing byte is
     * zero. */
    if (!(z & ~((uint64_t)0xFF << a)))
        return 1;
    /* Bytes a..6 of (s >> 8) ^ y[b, b + 8): the 7-byte copy (a <= 48
     * here: a difference in the last byte alone was a substitution). */
    if (!((((w >> 8) ^ load8(y + u)) >> a) << (a + 8)))
        return 1;
    return u + 9 <= m && !((w ^ load8(y + u + 1)) >> a);
}

int wq__near_copy_at(const unsigned char *s, const unsigned char *y, size_t m, int64_t b) {
    return near_copy_at(s, y, m, b);
}

/* Whether a copy of s within one edit starts somewhere in y[lo, hi],
 * from the position p where one half of it (4 bytes) sits unchanged: the
 * front half at p = b, or the back half at p = b + 3, b + 4 or b + 5
 * (copies of 7, 8 or 9 bytes); one edit leaves one half whole. Plain:
 * a 4-byte compare at each p. */
static int near_try(const unsigned char *s, const unsigned char *y, size_t m, size_t p, int front,
                    int back) {
    return (front && near_copy_at(s, y, m, (int64_t)p)) ||
           (back &&
            (near_copy_at(s, y, m, (int64_t)p - 3) || near_copy_at(s, y, m, (int64_t)p - 4) ||
             near_copy_at(s, y, m, (int64_t)p - 5)));
}

static int near_plain(const unsigned char *s, const unsigned char *y, size_t m, size_t p,
                      size_t hi) {
    uint32_t front, back;
    memcpy(&front, s, 4);
    memcpy(&back, s + 4, 4);
    for (; p <= hi && p + 4 <= m; p++) {
        uint32_t w;
        memcpy(&w, y + p, 4);
        if ((w == front || w == back) && near_try(s, y, m, p, w == front, w == back))
            return 1;
    }
    return 0;
}

#if WQ__LANES_SIMD
/* The same, 32 positions p a step: each half's 4 bytes compared at
 * y + p .. y + p + 3; a step reads y[p, p + 35), so the vector steps stop
 * before the end of y and the plain loop finishes. */
__attribute__((target("avx2"))) static int near_avx2(const unsigned char *s, const unsigned char *y,
                                                     size_t m, size_t p, size_t hi) {
    __m256i f[4], b[4];
    for (int i = 0; i < 4; i++)
        f[i] = _mm256_set1_epi8((char)s[i]), b[i] = _mm256_set1_epi8((char)s[4 + i]);
    for (; p <= hi && p + 35 <= m; p += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(y + p));
        __m256i hf = _mm256_cmpeq_epi8(v, f[0]), hb = _mm256_cmpeq_epi8(v, b[0]);
        for (int i = 1; i < 4; i++) {
            v = _mm256_loadu_si256((const __m256i *)(y + p + i));
            hf = _mm256_and_si256(hf, _mm256_cmpeq_epi8(v, f[i]));
            hb = _mm256_and_si256(hb, _mm256_cmpeq_epi8(v, b[i]));
        }
        uint32_t mf = (uint32_t)_mm256_movemask_epi8(hf), mb = (uint32_t)_mm256_movemask_epi8(hb);
        uint32_t hit = mf | mb;
        if (hi - p < 31)
            hit &= (1u << (hi - p + 1)) - 1;
        for (; hit; hit &= hit - 1) {
            int l = __builtin_ctz(hit);
            if (near_try(s, y, m, p + (size_t)l, mf >> l & 1, mb >> l & 1))
                return 1;
        }
    }
    return near_plain(s, y, m, p, hi);
}

/* The candidates of a near_codes step, in order (bit i of hit: position
 * p + i): 1 when one is a copy of s within one edit, -1 when one runs past
 * y's end (and so would every one after it), else 0. */
static inline int near_hits(const unsigned char *s, const unsigned char *y, size_t m, size_t p,
                            uint64_t hit, uint32_t front, uint32_t back) {
    for (; hit; hit &= hit - 1) {
        size_t at = p + (size_t)__builtin_ctzll(hit);
        uint32_t w;
        if (at + 4 > m)
            return -1;
        memcpy(&w, y + at, 4);
        if ((w == front || w == back) && near_try(s, y, m, at, w == front, w == back))
            return 1;
    }
    return 0;
}

/* The same by y's letter codes (see codes_avx2): a position whose code is
 * that of a half of s is a candidate, and goes on as in near_plain when
 * its 4 bytes are that half, so the answer is near_plain's. A step reads
 * code[p, p + 32), inside the padding for p <= hi + 5 <= m - 2. */
__attribute__((target("avx2"))) static int near_codes_avx2(const unsigned char *s,
                                                           const unsigned char *y, size_t m,
                                                           const unsigned char *code, size_t p,
                                                           size_t hi) {
    uint32_t front, back;
    memcpy(&front, s, 4);
    memcpy(&back, s + 4, 4);
    uint64_t q = seed_codes(load8(s));
    __m256i cf = _mm256_set1_epi8((char)q), cb = _mm256_set1_epi8((char)(q >> 32));
    for (; p <= hi; p += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(code + p));
        uint32_t hit = (uint32_t)_mm256_movemask_epi8(
            _mm256_or_si256(_mm256_cmpeq_epi8(v, cf), _mm256_cmpeq_epi8(v, cb)));
        if (hi - p < 31)
            hit &= (1u << (hi - p + 1)) - 1;
        int r = near_hits(s, y, m, p, hit, front, back);
        if (r)
            return r > 0;
    }
    return 0;
}

/* The same, 64 positions a step into two masks (AVX-512): a step reads
 * code[p, p + 64), inside the padding for p <= hi + 5 <= m - 2. */
__attribute__((target("avx512bw"))) static int near_codes_avx512(const unsigned char *s,
                                                                 const unsigned char *y, size_t m,
                                                                 const unsigned char *code,
                                                                 size_t p, size_t hi) {
    uint32_t front, back;
    memcpy(&front, s, 4);
    memcpy(&back, s + 4, 4);
    uint64_t q = seed_codes(load8(s));
    __m512i cf = _mm512_set1_epi8((char)q), cb = _mm512_set1_epi8((char)(q >> 32));
    for (; p <= hi; p += 64) {
        __m512i v = _mm512_loadu_si512(code + p);
        uint64_t hit = _mm512_cmpeq_epi8_mask(v, cf) | _mm512_cmpeq_epi8_mask(v, cb);
        if (hi - p < 63)
            hit &= (2ull << (hi - p)) - 1;
        int r = near_hits(s, y, m, p, hit, front, back);
        if (r)
            return r > 0;
    }
    return 0;
}
#endif

/* Whether seed s has a copy within one edit starting in y[lo, hi]; by y's
 * codes when there are some (code not NULL). */
static int near_copy(int level, const unsigned char *s, const unsigned char *y, size_t m,
                     const unsigned char *code, int64_t lo, int64_t hi) {
    lo = lo < 0 ? 0 : lo;
    hi = hi > (int64_t)m - 7 ? (int64_t)m - 7 : hi;
    if (lo > hi)
        return 0;
    /* The back half of a copy starting at hi sits up to hi + 5. */
    size_t p = (size_t)lo, ph = (size_t)hi + 5;
#if WQ__LANES_SIMD
    if (level >= WQ__LANES_AVX512 && code)
        return near_codes_avx512(s, y, m, code, p, ph);
    if (level >= WQ__LANES_AVX2)
        return code ? near_codes_avx2(s, y, m, code, p, ph) : near_avx2(s, y, m, p, ph);
#else
    (void)level, (void)code;
#endif
    return near_plain(s, y, m, p, ph);
}

/* Largest spread of a gap's two diagonals that near_probe tries between:
 * beyond it, only the two. */
#define PROBE_SPREAD (-3)

/*
 * Whether seed s, at row r = 8t in the gap g of the chain, has a copy
 * within one edit starting on a diagonal in [lo, hi], tried first where
 * the chain says it lies: on the gap's diagonals ka and kb, then those
 * between them and one beyond either side (10 kb at 5%: 88% of the copies
 * near_copy finds, 62% on ka or kb). A copy found is one near_copy would
 * find (its start is in its window), so trying here first changes no
 * answer, only how soon a copy is found; none found, near_copy still
 * searches the whole window.
 */
static int near_probe(const unsigned char *s, const unsigned char *y, size_t m, int64_t r,
                      int64_t lo, int64_t hi, const chain_gap *g) {
    int64_t ka = g->ka, kb = g->kb;
    if (ka >= lo && ka <= hi && near_copy_at(s, y, m, r + ka))
        return 1;
    if (kb != ka && kb >= lo && kb <= hi && near_copy_at(s, y, m, r + kb))
        return 1;
    int64_t k1 = (ka < kb ? ka : kb) - 1, k2 = (ka < kb ? kb : ka) + 1;
    if (k2 - k1 > PROBE_SPREAD + 2)
        return 0;
    k1 = k1 > lo ? k1 : lo;
    k2 = k2 < hi ? k2 : hi;
    for (int64_t k = k1; k <= k2; k++)
        if (k != ka && k != kb && near_copy_at(s, y, m, r + k))
            return 1;
    return 0;
}

/*
 * Seeds that cost 2 (A*PA's inexact matches), for the seeds alone marked
 * KEY_TRY2 (all the seeds that would pass: in the bench sets, trying every
 * seed alone changes no bound). A path within the bound U crossing seed
 * t's rows at a cost of at most one aligns the seed to a copy within one
 * edit, entering row 8t on some diagonal k and leaving row 8t + 8 on k'
 * in [k - 1, k + 1]. Its cost is at least max(|k|, bwd) above the seed
 * and max(|k' - target|, fwd) below, where bwd and fwd are the costs of
 * the units before and after it, so |k| <= U - fwd and |k - target| <= U
 * - bwd + 1: only copies starting there are looked for, and with none the
 * seed costs 2. Each unit's proof uses the final costs of the units
 * before it (proven first) and cost 1 for those after it (proven by the
 * band alone), never its own, so the order of proofs is well founded. The
 * window is narrow near either end of the pair, where few spurious copies
 * fall in it.
 */
static void cost_twos(int level, const band *bd, int64_t ucap, int32_t *unit, size_t nu,
                      const chain_gap *gap, size_t ngap) {
    int64_t target = bd->kmin + bd->kmax;    /* the band is symmetric around it */
    int64_t total = (int64_t)nu, before = 0; /* before: the units ..j - 1 */
    size_t q = 0;                            /* the first gap not wholly before seed t */
    for (size_t j = 0; j < nu; before += unit_cost(unit[j]), j++) {
        if ((unit[j] & 1) || !(unit[j] & KEY_TRY2))
            continue;
        /* fwd[t + 1] and bwd[ns - t]: the units after j and before it. */
        int64_t t = KEY_VALUE(unit[j]) >> 1, af = ucap - (total - before - 1),
                ab = ucap - before + 1;
        int64_t lo = -af > target - ab ? -af : target - ab,
                hi = af < target + ab ? af : target + ab;
        lo = lo > bd->kmin - 1 ? lo : bd->kmin - 1;
        hi = hi < bd->kmax + 1 ? hi : bd->kmax + 1;
        while (q < ngap && gap[q].b <= t)
            q++;
        const unsigned char *s = bd->x + 8 * t;
        if (q < ngap && gap[q].a < t && near_probe(s, bd->y, bd->m, 8 * t, lo, hi, &gap[q]))
            continue;
        if (!near_copy(level, s, bd->y, bd->m, bd->code, 8 * t + lo, 8 * t + hi))
            unit[j] |= KEY_COST2, total++;
    }
}

/* ------------------------------------------ gaps of the chain as blocks -- */

/* Whether the only copy of seed a in the band, if any, is the one on
 * diagonal ka (a < 0 or a >= ns: the pair's start or end, a fixed point). */
static int copy_alone(int level, const band *bd, size_t ns, int64_t a, int64_t ka) {
    if (a < 0 || a >= (int64_t)ns)
        return 1;
    int64_t lo = 8 * a + bd->kmin, hi = 8 * a + bd->kmax, at = 8 * a + ka;
    lo = lo < 0 ? 0 : lo;
    hi = hi > (int64_t)bd->m - 8 ? (int64_t)bd->m - 8 : hi;
    scan_key k = {load8(bd->x + 8 * a), 0, 0, 0, 0};
    int64_t h1 = at - 1 < hi ? at - 1 : hi, l2 = at + 1 > lo ? at + 1 : lo;
    if (lo <= h1 && (k.lo = (size_t)lo, k.hi = (size_t)h1, scan_at(level, bd, &k)))
        return 0;
    return !(l2 <= hi && (k.lo = (size_t)l2, k.hi = (size_t)hi, scan_at(level, bd, &k)));
}

/*
 * Gaps of the chain as blocks (A*PA's idea of charging a path for the
 * diagonal it must reach, in its simplest form). Take a gap between seeds
 * a and b of the chain, matched on diagonals ka and kb, whose exact cost
 * is g, where a and b have no other copy in the band and belong to no
 * unit, and the units wholly between them cost `inside`. A path within
 * the bound that crosses both a and b at no cost crosses them on ka and kb
 * (the band holds every such path), so it pays the gap's edit distance g
 * between them; otherwise it pays at least 1 in a or b and `inside` in the
 * units between. So seeds a..b cost at least min(g, inside + 1), one more
 * than their units when g > inside: a seed with two edits costs two even
 * when a chance copy of it within one edit lies in the band, which
 * cost_twos must accept. The pair's start and end are fixed points and
 * take the place of a or b. The units' costs are valid before the blocks
 * (cost_twos' proofs used no block), so each block's proof stands. Blocks
 * share no seed: a gap starting where the last block ended is passed
 * over. Writes the units and blocks in order to out[] (room for nu + ngap)
 * and returns their count.
 */
static size_t blocks(int level, const band *bd, size_t ns, const seed_unit *unit, size_t nu,
                     const chain_gap *gap, size_t ngap, seed_unit *out) {
    size_t i = 0, no = 0;
    int64_t end = -2; /* the last seed of the last block */
    for (size_t q = 0; q < ngap; q++) {
        int64_t a = gap[q].a, b = gap[q].b;
        if (a <= end)
            continue;
        while (i < nu && unit[i].last < a)
            out[no++] = unit[i++];
        if (i < nu && unit[i].first <= a)
            continue; /* a belongs to a unit */
        int64_t inside = 0;
        size_t e = i;
        for (; e < nu && unit[e].last < b; e++)
            inside += unit[e].cost;
        if ((e < nu && unit[e].first <= b) || gap[q].g <= inside || (a < 0 && b >= (int64_t)ns))
            continue;
        if (!copy_alone(level, bd, ns, a, gap[q].ka) || !copy_alone(level, bd, ns, b, gap[q].kb))
            continue;
        out[no++] = (seed_unit){
            a < 0 ? 0 : (int32_t)a, b >= (int64_t)ns ? (int32_t)ns - 1 : (int32_t)b,
            (int32_t)inside + 1, (a < 0 ? UNIT_HEAD : 0) | (b >= (int64_t)ns ? UNIT_TAIL : 0)};
        i = e, end = b;
    }
    while (i < nu)
        out[no++] = unit[i++];
    return no;
}

int wq__seed_bounds(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                    size_t max_left, int32_t *fwd, int32_t *bwd, size_t *ucap) {
    return wq__seed_bounds_at(wq__lanes_best(), WQ__SEEDS_AUTO, x, n, y, m, max_left, fwd, bwd,
                              NULL, ucap);
}

int wq__seed_bounds_at(int level, int how, const unsigned char *x, size_t n, const unsigned char *y,
                       size_t m, size_t max_left, int32_t *fwd, int32_t *bwd, int32_t *scratch,
                       size_t *ucap) {
    int64_t moment;
    return wq__seed_bounds_ex(level, how, x, n, y, m, max_left, fwd, bwd, scratch, ucap, &moment);
}

int wq__seed_bounds_ex(int level, int how, const unsigned char *x, size_t n, const unsigned char *y,
                       size_t m, size_t max_left, int32_t *fwd, int32_t *bwd, int32_t *scratch,
                       size_t *ucap, int64_t *moment) {
    int best = wq__lanes_best(), plain = how & WQ__SEEDS_PLAIN;
    level = level < best ? level : best;
    how &= ~WQ__SEEDS_PLAIN;
    size_t ns = n / 8;
    /* The keys: at most one a seed (a seed left, or the second of a pair). */
    int32_t *key = scratch ? scratch : malloc((ns + 1) * sizeof *key);
    if (!key)
        return ENOMEM;
    chain c;
    c.xend = x + n, c.yend = y + m, c.vec = level >= WQ__LANES_AVX2;
    c.ax = c.ay = 0, c.cost = 0, c.moment = 0, c.ngap = 0;
    /* Room for the gaps kept at 5% edits (about one in 4.5 seeds at 10
     * kb): growing from 16 took five reallocs a pair, 2% of the time. */
    size_t gcap = ns / 4 + 16;
    c.gap = malloc(gcap * sizeof *c.gap);
    c.gcap = c.gap ? gcap : 0;
    memset(c.peq, 0, sizeof c.peq);
    size_t keys = 0, ub = 0, left = quick_pass(level, x, n, y, m, max_left, key, &keys, &ub, &c);
    *ucap = 0, *moment = 0;
    /* The band is drawn for the chain's cost ub >= D (at least 64, so that
     * short pairs still look a little way off the diagonal); past twice
     * the keys (the seeds left and the pairs hold most edits, each in its
     * own unit) the bound is too weak to pay. */
    if (left > max_left || ub > 2 * keys + 64) {
        if (!scratch)
            free(key);
        free(c.gap);
        return 0;
    }
    *ucap = ub > 64 ? ub : 64;
    int64_t target = (int64_t)m - (int64_t)n, slack = ((int64_t)*ucap - target) / 2 + 1;
    band bd = {x, y, NULL, m, -slack, target + slack, key, keys};
    unsigned char *code = NULL;
    size_t codecap = 0;
    int vec = level >= WQ__LANES_AVX2;
    if (how == WQ__SEEDS_AUTO) {
        double width = (double)(target + 2 * slack + 1);
        double scan = (double)keys * width * cost_scan[level] + vec * cost_codes * (double)m;
        how = scan < cost_hash * (double)m ? WQ__SEEDS_SCAN : WQ__SEEDS_HASH;
    }
    if (keys && (how == WQ__SEEDS_SCAN || how == WQ__SEEDS_SCAN_BAND)) {
#if WQ__LANES_SIMD
        if (vec) {
            code = wq__scratch_take(m + CODE_PAD, &codecap);
            if (!code)
                goto nomem;
            codes_avx2(y, m, code);
            bd.code = code;
        }
#endif
        scan_pass(level, &bd, how == WQ__SEEDS_SCAN ? (int64_t)*ucap : 0);
    } else if (keys && band_pass(&bd))
        goto nomem;
    size_t nu = units(key, keys);
    /* The plain search (the tests' reference) tries no diagonal first. */
    cost_twos(level, &bd, (int64_t)*ucap, key, nu, plain ? NULL : c.gap, plain ? 0 : c.ngap);
    seed_unit *u = malloc((2 * nu + c.ngap + 1) * sizeof *u);
    if (!u)
        goto nomem;
    for (size_t j = 0; j < nu; j++) {
        int32_t f = KEY_VALUE(key[j]) >> 1;
        u[j] = (seed_unit){f, f + (key[j] & 1), unit_cost(key[j]), 0};
    }
    size_t nb = blocks(level, &bd, ns, u, nu, c.gap, c.ngap, u + nu);
    int32_t tail, head;
    int tail_ns;
    end_units(x, n, y, m, u + nu, nb, &tail, &tail_ns, &head);
    fill_bounds(ns, u + nu, nb, tail, tail_ns, head, fwd, bwd);
    /* Where the chain costs more than the bounds (see kernels_internal.h):
     * the units at their middle rows, the last step at row n and the first
     * at row 0, each cost times 2r - n. */
    int64_t held = (int64_t)tail + head;
    for (size_t j = nu; j < nu + nb; j++) {
        c.moment -= (int64_t)u[j].cost * 8 * ((int64_t)u[j].first + u[j].last + 1);
        held += u[j].cost;
    }
    *moment = c.moment - (int64_t)tail * 2 * (int64_t)n - ((int64_t)ub - held) * (int64_t)n;
    free(u);
    wq__scratch_give(code, codecap);
    if (!scratch)
        free(key);
    free(c.gap);
    return 0;
nomem:
    wq__scratch_give(code, codecap);
    if (!scratch)
        free(key);
    free(c.gap);
    *ucap = 0, *moment = 0;
    return ENOMEM;
}
