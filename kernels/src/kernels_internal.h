/*
 * kernels_internal.h: declarations shared by the kernel sources only (not
 * installed). Internal names carry the wq__ prefix.
 */
#ifndef WORKQ_KERNELS_INTERNAL_H
#define WORKQ_KERNELS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <workq/kernels.h>

/* wq_levenshtein_batch with the limit as a number, reporting the index of
 * the pair that ran out of memory in *fail. Returns 0 or ENOMEM. */
int wq__levenshtein_batch(const wq_pair *pairs, size_t *dist, size_t n, size_t max_distance,
                          size_t *fail);

/* wq__levenshtein_batch with its lanes (lev_lanes.c, lev_multi.c) at
 * dispatch level `level` (WQ__LANES_*; a level the CPU lacks runs the best
 * one below it), for the tests. */
int wq__levenshtein_batch_at(int level, const wq_pair *pairs, size_t *dist, size_t n,
                             size_t max_distance, size_t *fail);

/* A block of at least size bytes for a pair's working memory, from the
 * calling thread's kept blocks when one is large enough, else malloc; its
 * whole size, to give back, in *got. Only size bytes are the caller's
 * (AddressSanitizer reports a use of the rest). NULL with errno ENOMEM
 * (scratch.c). */
void *wq__scratch_take(size_t size, size_t *got);

/* Gives back a block from wq__scratch_take with the size it reported (or
 * any malloc'd block of that size): kept for the thread's next take, or
 * freed. NULL is ignored. */
void wq__scratch_give(void *p, size_t size);

/* wq__lev_wavefront's answer when it stops to leave the pair to the
 * bit-parallel pass. */
#define WQ__WF_GAVE_UP ((size_t)-2)

/* The unit-cost edit distance of x[0..n) and y[0..m), n <= m, by
 * diagonal transition (wavefront.c): D when D <= cap, cap + 1 when D > cap,
 * or WQ__WF_GAVE_UP when its estimated total work exceeds budget (in
 * wavefront cells), with D > *lower proven. WQ_LEV_NO_LIMIT and errno
 * ENOMEM if memory runs out. */
size_t wq__lev_wavefront(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                         size_t cap, double budget, size_t *lower);

/* wq__lev_wavefront with its slides at dispatch level `level` (WQ__LANES_*,
 * at most wq__lanes_best(), the best level of this CPU), for the tests. */
size_t wq__lev_wavefront_at(int level, const unsigned char *x, size_t n, const unsigned char *y,
                            size_t m, size_t cap, double budget, size_t *lower);

/* The seeds' lower bounds of a pair, n <= m (lev_seeds.c): for every path
 * of cost at most *ucap, its cost below row i is at least
 * fwd[(i + 7) >> 3] and above row i at least bwd[(n - i + 7 - n % 8) >> 3];
 * fwd holds n / 8 + 2 entries, bwd n / 8 + 1. *ucap is the cost of the
 * seeds' chain (an alignment), at least 64: D <= *ucap. When more than
 * max_left of the n / 8 seeds fail the quick placement, or the chain costs
 * more than twice the band search's keys plus 64, stops with *ucap = 0
 * (too divergent for the bound to pay). Returns 0, or ENOMEM. */
int wq__seed_bounds(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                    size_t max_left, int32_t *fwd, int32_t *bwd, size_t *ucap);

/* The cost of a gap of the seeds' chain at dispatch level `level`
 * (lev_seeds.c, for the tests): the edit distance of p[0..lp) and
 * q[0..lq) when the shorter has at most 64 bytes, else the longer one's
 * length. Reads nothing at or past pend and qend (the ends of the
 * readable bytes after p and q). Pure. */
size_t wq__gap_edits_at(int level, const unsigned char *p, size_t lp, const unsigned char *pend,
                        const unsigned char *q, size_t lq, const unsigned char *qend);

/* Whether the 8 bytes s and y[b, b + L) are at most one edit apart for
 * some L in {7, 8, 9} with b + L <= m (lev_seeds.c: a seed's copy within
 * one edit; 0 for b < 0), for the tests. Reads only s[0, 8) and y[b, m). */
int wq__near_copy_at(const unsigned char *s, const unsigned char *y, size_t m, int64_t b);

/* How wq__seed_bounds_at finds the seeds' copies in the band: by its own
 * cost model, by one hash probe per window of y, or by scanning each
 * seed's stretch of the band (vector compares at `level`), a stretch
 * narrowed by the bounds proven before it (SCAN) or the whole band
 * (SCAN_BAND, for the tests). HASH and SCAN_BAND give the same bounds;
 * SCAN's are as high or higher. */
enum { WQ__SEEDS_AUTO = 0, WQ__SEEDS_HASH = 1, WQ__SEEDS_SCAN = 2, WQ__SEEDS_SCAN_BAND = 3 };
/* Or'ed into `how`: the seeds that may cost two are searched for in their
 * whole window at once, with no diagonal of the chain tried first (the
 * tests' reference: the same bounds). */
#define WQ__SEEDS_PLAIN 4

/* wq__seed_bounds with the band search at dispatch level `level`
 * (WQ__LANES_*, at most wq__lanes_best()) and method `how` (WQ__SEEDS_*),
 * and scratch room for n / 8 + 1 entries from the caller (or NULL: it
 * allocates its own), for the wavefront and the tests. */
int wq__seed_bounds_at(int level, int how, const unsigned char *x, size_t n, const unsigned char *y,
                       size_t m, size_t max_left, int32_t *fwd, int32_t *bwd, int32_t *scratch,
                       size_t *ucap);

/* wq__seed_bounds_at that also tells where along x the chain costs more
 * than the bounds (for the wavefront's choice of direction): *moment is
 * the sum, over the chain's gaps, of each gap's cost times 2r - n, r its
 * middle row, less the same sum over what the bounds hold (each unit's
 * cost at its middle row, the pair's last step at row n, its first at row
 * 0); 0 when *ucap is 0. Negative when that excess lies mostly in the
 * first half of x. */
int wq__seed_bounds_ex(int level, int how, const unsigned char *x, size_t n, const unsigned char *y,
                       size_t m, size_t max_left, int32_t *fwd, int32_t *bwd, int32_t *scratch,
                       size_t *ucap, int64_t *moment);

/* ------------------------------------------------- the plain reference -- */

/*
 * Rows 1..n of the textbook dynamic programme over row[0..m], for the plain
 * references (wq_levenshtein_ref, wq_align_distance_ref per mode): row
 * holds row 0 on entry (j in global mode, 0 where B's start is free) and
 * row n on return. Column 0 is i (A is always whole), and
 *     D[i][j] = min(D[i-1][j-1] + (x[i-1] != y[j-1]), D[i-1][j] + 1,
 *                   D[i][j-1] + 1).
 */
static inline void wq__dp_rows(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                               size_t *row) {
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0]; /* D[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j]; /* D[i-1][j] */
            size_t best = diag + (x[i - 1] != y[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
}

/* ------------------------------------------- one 64-bit word (lanes) -- */

typedef uint64_t wq__word;

/* Bits set in the low n of a word, 1 <= n <= 64. */
static inline wq__word wq__low_mask(size_t n) {
    return n >= 64 ? ~(wq__word)0 : ((wq__word)1 << n) - 1;
}

/*
 * One column step of Myers' recurrence for a pattern of at most 64 rows:
 * the column's vertical deltas as two bit-vectors, Pv (+1) and Mv (-1). For
 * a text character with match mask Eq, the horizontal deltas of the next
 * column follow from
 *     Xh = (((Eq & Pv) + Pv) ^ Pv) | Eq      (the add carries a run of
 *                                             matches down the column)
 *     Ph = Mv | ~(Xh | Pv),   Mh = Pv & Xh,
 * the top row's delta is +1 (D[0][j] = j: global alignment), so Ph gets a 1
 * shifted in, and the new vertical deltas are
 *     Pv' = Mh | ~(Xv | Ph),  Mv' = Ph & Xv,  with Xv = Eq | Mv.
 */
static inline void wq__word_step(wq__word *pv_io, wq__word *mv_io, wq__word eq) {
    wq__word pv = *pv_io, mv = *mv_io;
    wq__word xv = eq | mv;
    wq__word xh = (((eq & pv) + pv) ^ pv) | eq;
    wq__word ph = mv | ~(xh | pv);
    wq__word mh = pv & xh;
    ph = (ph << 1) | 1;
    mh <<= 1;
    *pv_io = mh | ~(xv | ph);
    *mv_io = ph & xv;
}

/* The last column's score without following it column by column:
 * D[n][m] = D[0][m] + (the sum of the column's vertical deltas), and
 * D[0][m] = m. Bits above row n never flow down into rows below (carries
 * and shifts move upwards only), so they are simply masked off. */
static inline size_t wq__word_score(wq__word pv, wq__word mv, size_t n, size_t m) {
    wq__word mask = wq__low_mask(n);
    return m + (size_t)__builtin_popcountll(pv & mask) - (size_t)__builtin_popcountll(mv & mask);
}

/* The distance of a pattern of 1 <= n <= 64 rows, given as its match masks
 * peq[c] (bit i set when pattern[i] == c), against text y[0..m). */
static inline size_t wq__myers_word(const wq__word *peq, size_t n, const unsigned char *y,
                                    size_t m) {
    wq__word pv = ~(wq__word)0, mv = 0;
    for (size_t j = 0; j < m; j++)
        wq__word_step(&pv, &mv, peq[y[j]]);
    return wq__word_score(pv, mv, n, m);
}

/* ------------------------------------------------ short pairs (lanes) -- */

/* The vector lanes need GCC or Clang on x86-64 (target attributes and the
 * CPU check); elsewhere every short pair takes the scalar lanes. */
#if defined(__GNUC__) && defined(__x86_64__)
#define WQ__LANES_SIMD 1
#else
#define WQ__LANES_SIMD 0
#endif

/* Dispatch levels of lev_lanes.c, lowest first. */
enum { WQ__LANES_SCALAR = 0, WQ__LANES_AVX2 = 1, WQ__LANES_AVX512 = 2 };

/* Longest text the vector lanes take (a group steps its longest text). */
#define WQ__LANE_COLS 64u

/* The scalar lanes: four pairs, each with its own match table (all zero
 * between pairs). */
#define WQ__WORD_LANES 4
typedef struct wq__lane_words {
    wq__word peq[WQ__WORD_LANES][256];
    const unsigned char *x[WQ__WORD_LANES], *y[WQ__WORD_LANES];
    size_t n[WQ__WORD_LANES], m[WQ__WORD_LANES], at[WQ__WORD_LANES];
    size_t count;
} wq__lane_words;

/* A group of one vector class, with S = 8, 16, 32 or 64 bytes per slot
 * (8-, 16-, 32- or 64-bit lanes, 64, 32, 16 or 8 pairs; the 64-bit lanes
 * 16 pairs at AVX-512): slot l of xs holds lane l's pattern, slot l of
 * ys[t] bytes [B t, B t + B) of its text, zero-padded, with B = S, or 16
 * for S = 32 (a 32-byte slot holds its 16 bytes twice); the 64-bit lanes
 * lay their texts out as lev_lanes.c's YSLOT64 says. rmask and mlen hold
 * one lane-wide (S-bit) value per lane, so that each loads as one vector:
 * the pattern's row mask (1 << n_l) - 1 and the text's length. */
typedef struct wq__lane_group {
    _Alignas(64) unsigned char xs[1024];
    _Alignas(64) unsigned char ys[WQ__LANE_COLS / 8][512];
    _Alignas(64) unsigned char rmask[128];
    _Alignas(64) unsigned char mlen[128];
    size_t at[64];
    size_t count; /* lanes used */
} wq__lane_group;

/* The short pairs of one batch call, on the caller's stack. */
typedef struct wq__lanes {
    int level;       /* the level in use */
    size_t *dist, k; /* where the distances go; the limit */
#if WQ__LANES_SIMD
    wq__lane_group groups[4]; /* 8-, 16-, 32- and 64-bit lanes */
#endif
    int words_ready; /* words.peq cleared (done on first use) */
    wq__lane_words words;
} wq__lanes;

/* The best level this CPU runs. */
int wq__lanes_best(void);

/* Starts ls for distances into dist[] with limit k, at `level` or the
 * CPU's best if that is lower. O(1). */
void wq__lanes_init(wq__lanes *ls, int level, size_t *dist, size_t k);

/* Takes pairs[p..n) while their shorter side has at most 64 bytes (empty
 * ones included), queuing them for dist[] (a distance may be written at
 * once or only by the flush); returns the index of the first pair not
 * taken, or n. The pairs' bytes must stay unchanged until the flush. */
size_t wq__lanes_take(wq__lanes *ls, const wq_pair *pairs, size_t p, size_t n);

/* Writes the distances of every pair still queued. */
void wq__lanes_flush(wq__lanes *ls);

/* ------------------------------------- 65..512-byte patterns (lanes) -- */

/* lev_multi.c: patterns of 2..8 words, one pair per 64-bit lane. */
#define WQ__MULTI_MINW 2u
#define WQ__MULTI_MAXW 8u
#define WQ__MULTI_CLASSES (WQ__MULTI_MAXW - WQ__MULTI_MINW + 1)
#define WQ__MULTI_LANES 8u
/* Longest text queued: a group steps its longest text, so one long text
 * would keep the other lanes idle; longer ones stay with the caller. */
#define WQ__MULTI_COLS 2048u
/* Words of the shared match table (one row of nw words per distinct byte of
 * each lane's pattern, plus the zero row): room for one lane's 256 rows of
 * 8 words at least. */
#define WQ__MULTI_TABLE 4096u
/* Columns whose row offsets are laid out at a time. */
#define WQ__MULTI_BLOCK 64u

typedef struct wq__multi_pair {
    const unsigned char *x, *y; /* the pattern (65..512 bytes) and the text */
    size_t n, m, at;
} wq__multi_pair;

/* The queued long pairs of one batch call, on the caller's stack. */
typedef struct wq__multi {
    _Alignas(64) wq__word table[WQ__MULTI_TABLE + 8]; /* the running group's rows; 8 words
                                                         of slack for whole-row loads */
    uint16_t sym[WQ__MULTI_LANES][256];               /* byte -> row offset per lane; 0: absent */
    _Alignas(32) uint32_t idx[WQ__MULTI_BLOCK * WQ__MULTI_LANES]; /* [column][lane] offsets */
    wq__multi_pair pend[WQ__MULTI_CLASSES][WQ__MULTI_LANES];      /* queued, by word count */
    size_t count[WQ__MULTI_CLASSES];
    int level;       /* the level in use */
    size_t lanes;    /* pairs per vector at that level; 0: queue nothing */
    int vbmi2;       /* AVX-512 with VBMI2's funnel shifts (the tests clear it) */
    int ready;       /* sym cleared (done on first use) */
    size_t *dist, k; /* where the distances go; the limit */
} wq__multi;

/* Starts mu for distances into dist[] with limit k, at `level` or the
 * CPU's best if that is lower. O(1). */
void wq__multi_init(wq__multi *mu, int level, size_t *dist, size_t k);

/* Queues the pair (pattern x of 65 <= n <= 512 bytes, text y of m <=
 * WQ__MULTI_COLS bytes) for dist[at] and returns 1, or returns 0 (nothing
 * queued) for other lengths or at the scalar level. A distance may be
 * written at once or only by the flush; the bytes must stay unchanged
 * until then. */
int wq__multi_add(wq__multi *mu, const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                  size_t at);

/* Writes the distances of every pair still queued. */
void wq__multi_flush(wq__multi *mu);

/*
 * One 64-row block of a column (the score kernel's blocks and wq_align's
 * traceback columns): the recurrence above, with the top delta hin in
 * {-1, 0, +1} coming from the block above, and the bottom delta (at the bit
 * `out`) returned for the block below. A -1 above enters
 * both as a match at the top (Eq |= 1: the carry of the add) and as Mh's
 * shifted-in bit; a +1 as Ph's.
 */
static inline int wq__block_step(wq__word *pv_io, wq__word *mv_io, wq__word eq, int hin,
                                 wq__word out) {
    wq__word pv = *pv_io, mv = *mv_io;
    wq__word neg = (wq__word)(hin < 0), pos = (wq__word)(hin > 0);
    wq__word xv = eq | mv;
    eq |= neg;
    wq__word xh = (((eq & pv) + pv) ^ pv) | eq;
    wq__word ph = mv | ~(xh | pv);
    wq__word mh = pv & xh;
    int hout = (int)((ph & out) != 0) - (int)((mh & out) != 0);
    ph = (ph << 1) | pos;
    mh = (mh << 1) | neg;
    *pv_io = mh | ~(xv | ph);
    *mv_io = ph & xv;
    return hout;
}

#endif /* WORKQ_KERNELS_INTERNAL_H */
