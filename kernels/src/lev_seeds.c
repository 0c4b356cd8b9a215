/*
 * lev_seeds.c: a lower bound on the edit distance left from any row of a
 * related pair, from its seeds (A*PA's seed heuristic, Groot Koerkamp &
 * Ivanov 2024, with exact 8-byte seeds and no chaining), for the pruned
 * wavefront of wavefront.c.
 *
 * Guarantees:
 *   - Admissible: for every path of cost at most *ucap from (0, 0) to
 *     (n, m), its cost from row i on is at least fwd[(i + 7) >> 3], and its
 *     cost up to row i at least bwd[(n - i + 7 - n % 8) >> 3] (row n - i
 *     of the reversed strings).
 *   - Reads x[0..n) and y[0..m) only; O(n / 8) memory; pure.
 *
 * Why it holds. Cut x into ns = n / 8 disjoint seeds x[8t, 8t + 8). A
 * path that pays nothing inside seed t runs down one diagonal k there, so
 * y[8t + k, 8t + k + 8) equals the seed; and a path of cost at most bound
 * never leaves the diagonals [kmin, kmax] (reaching diagonal k and then
 * the last one, m - n, takes |k| + |k - (m - n)| indels). A seed with no
 * copy in y on those diagonals therefore costs such a path at least one
 * edit, and disjoint seeds add up. Counting a seed as matched when unsure
 * only weakens the bound, so the quick pass below may accept a seed on
 * any diagonal; only the seeds it cannot place are searched for over the
 * whole band.
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

/* The slot of a seed word in a table of 1 << bits slots. */
static inline size_t slot_of(uint64_t w, int bits) {
    return (size_t)((w * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

#define QUICK_WIDE 32

/*
 * The quick pass: seed t is placed if it sits on the diagonal of the last
 * placed seed or within two of it (an indel since). Sets bad[t] to 1 for
 * the seeds it cannot place, diag[t] to the diagonal of the others, and
 * returns the count of the former; stops early with ns + 1 (more than any
 * max_left) once past max_left, or past its share of the seeds seen so far
 * by 16.
 */
static size_t quick_pass(const unsigned char *x, size_t ns, const unsigned char *y, size_t m,
                         size_t max_left, int32_t *bad, int32_t *diag) {
    int64_t k = 0, last = (int64_t)m - 8;
    size_t left = 0, run = 0;
    for (size_t t = 0; t < ns; t++) {
        uint64_t w = load8(x + 8 * t);
        /* Within 2 of the last diagonal, or within QUICK_WIDE after a run
         * of misses, so that a burst of indels does not lose the track. */
        int64_t reach = run >= 2 ? QUICK_WIDE : 2;
        bad[t] = 1;
        for (int64_t u = 0; u <= 2 * reach; u++) {
            int64_t dk = u & 1 ? (u + 1) / 2 : -(u / 2), b = (int64_t)(8 * t) + k + dk;
            if (b >= 0 && b <= last && load8(y + b) == w) {
                k += dk;
                bad[t] = 0;
                diag[t] = (int32_t)k;
                break;
            }
        }
        run = bad[t] ? run + 1 : 0;
        left += (size_t)bad[t];
        if (left > max_left || left > 16 + max_left * (t + 1) / ns)
            return ns + 1; /* too many so far: the pair is too divergent */
    }
    return left;
}

/* A key of the band pass: seed t alone (bad[t] set), or the 16 bytes of
 * seeds t and t + 1 (pair[t] set), both looked up by seed t's word. */
typedef struct seed_key {
    uint64_t word;
    int32_t t, pair;
} seed_key;

/*
 * The full search over the band for the seeds left and for the pairs of
 * placed seeds on different diagonals: a hash table of their first words
 * (open addressing, at most a quarter full), then every 8-byte window of y
 * looked up in it; a copy on a diagonal in [kmin, kmax] clears the seed's
 * bad[t] or the pair's pair[t]. Returns ENOMEM or 0.
 */
static int band_pass(const unsigned char *x, size_t ns, const unsigned char *y, size_t m,
                     int64_t kmin, int64_t kmax, int32_t *bad, int32_t *pair, size_t keys) {
    int bits = 4;
    while (((size_t)1 << bits) < 4 * keys)
        bits++;
    size_t size = (size_t)1 << bits, mask = size - 1;
    /* A filter of 8 bits a slot (one in 32 set or fewer) turns most
     * windows of y away after one bit test, in L1. */
    int fbits = bits + 3;
    seed_key *tab = malloc(size * sizeof *tab + ((size_t)1 << fbits) / 8);
    if (!tab)
        return ENOMEM;
    uint64_t *filt = (uint64_t *)(tab + size);
    memset(filt, 0, ((size_t)1 << fbits) / 8);
    for (size_t s = 0; s < size; s++)
        tab[s].t = -1;
    for (size_t t = 0; t < ns; t++)
        for (int32_t p = 0; p < 2; p++)
            if (p ? pair[t] : bad[t]) {
                size_t s = slot_of(load8(x + 8 * t), bits), f = slot_of(load8(x + 8 * t), fbits);
                filt[f >> 6] |= (uint64_t)1 << (f & 63);
                while (tab[s].t >= 0)
                    s = (s + 1) & mask;
                tab[s] = (seed_key){load8(x + 8 * t), (int32_t)t, p};
            }
    for (size_t b = 0; b + 8 <= m; b++) {
        uint64_t w = load8(y + b);
        size_t f = slot_of(w, fbits);
        if (!(filt[f >> 6] >> (f & 63) & 1))
            continue;
        for (size_t s = slot_of(w, bits); tab[s].t >= 0; s = (s + 1) & mask) {
            int64_t t = tab[s].t, k = (int64_t)b - 8 * t;
            if (tab[s].word != w || k < kmin || k > kmax)
                continue;
            if (!tab[s].pair)
                bad[t] = 0;
            else if (b + 16 <= m && load8(y + b + 8) == load8(x + 8 * t + 8))
                pair[t] = 0;
        }
    }
    free(tab);
    return 0;
}

/*
 * Cuts the seeds into units, left to right: a bad seed, costing one; two
 * placed seeds whose 16 bytes have no copy in the band (pair[t]), costing
 * one, since a path matching both seeds exactly must change diagonal
 * between them; or a seed that costs nothing. A unit's cost goes to its
 * first seed in cf (the bound below a row counts units starting at or
 * after it) and to its last in cb (the bound above a row counts units
 * ending before it).
 */
static void units(size_t ns, const int32_t *bad, const int32_t *pair, int32_t *cf, int32_t *cb) {
    for (size_t t = 0; t < ns; t++)
        cf[t] = cb[t] = 0;
    for (size_t t = 0; t < ns; t++)
        if (bad[t])
            cf[t] = cb[t] = 1;
        else if (t + 1 < ns && pair[t] && !bad[t + 1])
            cf[t] = cb[t + 1] = 1, t++;
}

int wq__seed_bounds(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                    size_t max_left, int32_t *fwd, int32_t *bwd, size_t *ucap) {
    size_t ns = n / 8;
    int32_t *bad = malloc(3 * (ns + 1) * sizeof *bad);
    if (!bad)
        return ENOMEM;
    int32_t *pair = bad + ns + 1, *diag = pair + ns + 1;
    size_t left = quick_pass(x, ns, y, m, max_left, bad, diag), keys = left;
    *ucap = 0;
    if (left > max_left) {
        free(bad);
        return 0;
    }
    for (size_t t = 0; t < ns; t++) {
        pair[t] = t + 1 < ns && !bad[t] && !bad[t + 1] && diag[t] != diag[t + 1];
        keys += (size_t)pair[t];
    }
    /* The bound the band is drawn for: the seeds left and the pairs hold
     * most edits, each in its own unit; past a half more, the plain search
     * is cheaper than the pruned one. */
    *ucap = keys + keys / 2 + 64;
    int64_t target = (int64_t)m - (int64_t)n, slack = ((int64_t)*ucap - target) / 2 + 1;
    if (keys && band_pass(x, ns, y, m, -slack, target + slack, bad, pair, keys)) {
        free(bad);
        return ENOMEM;
    }
    int32_t *cf = diag, *cb = fwd; /* diag is no longer needed */
    units(ns, bad, pair, cf, cb);
    /* bwd[u]: the units ending by seed ns - u (wholly above row
     * 8 (ns - u)); fwd[u]: the units from seed u on (wholly below row 8u). */
    int32_t before = 0;
    for (size_t t = 0; t < ns; t++)
        before += cb[t];
    bwd[0] = before;
    for (size_t u = 1; u <= ns; u++)
        bwd[u] = before -= cb[ns - u];
    int32_t after = 0;
    fwd[ns + 1] = fwd[ns] = 0;
    for (size_t t = ns; t-- > 0;)
        fwd[t] = after += cf[t];
    free(bad);
    return 0;
}
