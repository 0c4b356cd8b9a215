/*
 * search_index.c: exact duplicates collapsed, and the segment index that
 * finds every candidate within edit distance k (see search_internal.h).
 *
 * Guarantees: the probe never misses a sequence within distance k (the
 * argument is above wq__sidx_probe); it may return sequences farther away,
 * which the caller's verification drops. Memory: 4 words per input, and
 * per indexed unique k + 1 table entries (a 16-byte slot each, at load
 * <= 1/2: tag, id and fingerprint). Built by one thread, read by many.
 */
#define _DEFAULT_SOURCE /* madvise */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "search_internal.h"

/* A length class is indexed only when its segments have at least this many
 * bytes: shorter segments match too often to prune anything (for DNA, 4^3
 * values), and the table would grow as k. Other classes are compared whole. */
enum { MIN_SEG = 4 };

/* Tables of 256 MiB and more (16M slots: 30-mers at K=2 from about 2M
 * sequences) are probed by region (wq__win_build), regions of 512 KiB
 * (32,768 slots), which sit in this machine's L2 (1 MiB). Below that the
 * windows' passes cost about what they save (loaded: 1M 30-mers at K=2
 * even, --cluster -k 1 on 1M distinct 30-mers, a 64 MiB table, 15 to 25%
 * slower); at 2M they save a fifth of the probe's CPU, at 4M two fifths.
 * Once a search probes by region, every table of 4 MiB or more (2^18
 * slots) joins its windows: the neighbouring lengths' tables (the planted
 * indels' 29- and 31-mers, 16 MiB each at 4M 30-mers) outgrow the cache
 * as N grows, and probed directly they cost a miss per key (loaded, 4M at
 * K=2: the blocks' CPU 11.3 -> 2.3 s, the windows' 6.2 -> 8.9 s). */
wq__tune wq__search_tune = {0, 1u << 24, 1u << 15, 1u << 18};

/* A zeroed array for a large table that is read at random: on 2 MiB pages
 * where the system offers them (Linux's transparent huge pages on madvise),
 * because with 4 KiB pages nearly every probe of a 100 MB table also misses
 * the TLB, which costs more than the cache miss itself (tenfold under a
 * hypervisor's nested page tables). Freed with free(). */
void *wq__table_alloc(size_t n, size_t size) {
    enum { HUGE = 2u << 20 };
    if (size != 0 && n > (size_t)-1 / size)
        return NULL;
    size_t bytes = n * size;
#ifdef MADV_HUGEPAGE
    if (bytes >= 2 * HUGE) {
        bytes = (bytes + HUGE - 1) / HUGE * HUGE;
        void *p = NULL;
        if (posix_memalign(&p, HUGE, bytes) != 0)
            return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* advice only: may fail */
        memset(p, 0, bytes);
        return p;
    }
#endif
    return calloc(n ? n : 1, size ? size : 1);
}

int wq__u32v_push(wq__u32v *a, uint32_t x) {
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        uint32_t *v = realloc(a->v, cap * sizeof *v);
        if (v == NULL)
            return ENOMEM;
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return 0;
}

/* ------------------------------------------------------------ hashing -- */

static inline uint64_t fmix(uint64_t h) {
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

/* A 64-bit hash of p[0..n) under seed; never 0 (0 marks an empty slot).
 * Collisions only add candidates, never lose one. */
static inline uint64_t hash_bytes(const unsigned char *p, size_t n, uint64_t seed) {
    uint64_t h = fmix(seed + n * UINT64_C(0x9e3779b97f4a7c15));
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * UINT64_C(0xbf58476d1ce4e5b9);
        h ^= h >> 31;
    }
    if (n > 0) {
        uint64_t w = 0;
        memcpy(&w, p, n);
        h = (h ^ w) * UINT64_C(0x94d049bb133111eb);
    }
    h = fmix(h);
    return h ? h : 1;
}

/* The seed of segment i of the strings of length l. */
static inline uint64_t seg_seed(size_t l, size_t i) {
    return ((uint64_t)l << 20) ^ (uint64_t)i;
}

/* -------------------------------------------------------- fingerprint -- */

/*
 * Why the fingerprint filter is exact. A byte's class is (b >> 1) & 3 (A, C,
 * T, G get four different ones, in either case; any map would do). The
 * fingerprint of s counts, for each of the 16 class pairs, the adjacent
 * byte pairs of s in it, each count capped at 15: 16 nibbles in a word.
 *
 * One edit removes at most 2 adjacent pairs and adds at most 2 (a
 * substitution at i touches the pairs (i-1, i) and (i, i+1); an insertion
 * splits one pair into two; a deletion merges two into one). So if r is
 * within k edits of s, the uncapped count vectors differ by a vector whose
 * positive part P (the sum of its positive entries) and negative part N
 * are each at most 2k: the positive part of a sum of (added - removed)
 * terms is at most the sum of the added ones. Capping (x -> min(x, 15)) is
 * monotone and moves no two values farther apart, so it can only shrink
 * each entry's positive and negative parts: the capped counts keep
 * P, N <= 2k. With L1 = P + N and D = P - N (the difference of the two
 * sums), max(P, N) = (L1 + |D|) / 2, so the test is L1 + |D| <= 4k.
 *
 * A candidate that shares one segment with the probe and is random
 * elsewhere passes it rarely (about 1% at 30 bytes and k = 2), so most of
 * the wrong candidates that buckets of a large set hold are dropped from
 * their slots, next to their ids, before anyone reads their bytes.
 */
static uint64_t fingerprint(const unsigned char *p, size_t n) {
    unsigned char c[16] = {0};
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned v = ((p[i] >> 1) & 3u) << 2 | ((p[i + 1] >> 1) & 3u);
        c[v] += c[v] < 15;
    }
    uint64_t f = 0;
    for (unsigned v = 0; v < 16; v++)
        f |= (uint64_t)c[v] << (4 * v);
    return f;
}

/* Whether fingerprints a and b allow distance <= k (the test above): the
 * plain loop, and with SSE2 the same sums by psadbw over the nibbles
 * spread to bytes (even nibbles in the low half, odd in the high). */
static inline int fp_near(uint64_t a, uint64_t b, size_t k) {
    unsigned l1 = 0, sa = 0, sb = 0;
#if defined(__SSE2__) && defined(__x86_64__)
    const uint64_t lo = UINT64_C(0x0f0f0f0f0f0f0f0f);
    __m128i x = _mm_set_epi64x((long long)((a >> 4) & lo), (long long)(a & lo));
    __m128i y = _mm_set_epi64x((long long)((b >> 4) & lo), (long long)(b & lo));
    __m128i z = _mm_setzero_si128(), d = _mm_sad_epu8(x, y);
    __m128i s = _mm_sub_epi64(_mm_sad_epu8(x, z), _mm_sad_epu8(y, z));
    l1 = (unsigned)(_mm_cvtsi128_si32(d) + _mm_extract_epi16(d, 4));
    long long diff =
        (long long)_mm_cvtsi128_si64(s) + (long long)_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s));
    sa = diff > 0 ? (unsigned)diff : 0;
    sb = diff < 0 ? (unsigned)-diff : 0;
#else
    for (unsigned s = 0; s < 64; s += 4) {
        unsigned x = (unsigned)((a >> s) & 15), y = (unsigned)((b >> s) & 15);
        l1 += x > y ? x - y : y - x;
        sa += x;
        sb += y;
    }
#endif
    return (size_t)l1 + (size_t)(sa > sb ? sa - sb : sb - sa) <= 4 * k;
}

/* --------------------------------------------------------- duplicates -- */

void wq__uniq_free(wq__uniq *q) {
    free(q->of);
    free(q->first);
    free(q->last);
    free(q->mstart);
    free(q->members);
    free(q->multi);
    memset(q, 0, sizeof *q);
}

/*
 * The duplicate table, radix-partitioned so that it runs on the pool and
 * each table it probes stays in cache (one table over all inputs misses
 * the cache, and with 4 KiB pages the TLB, at every insert):
 *   HASH     per chunk of inputs: each one's hash, and how many fall in
 *            each part (the hash's top bits);
 *   SCATTER  per chunk: (tag, input) entries into their parts, chunks in
 *            order, so each part lists its inputs ascending;
 *   FIND     per part: a small open-addressing table in input order turns
 *            each entry's input into its first occurrence (its bytes are
 *            compared only when the tags agree);
 * then one pass in input order (assign_ids) numbers the first occurrences,
 * so ids are in first-occurrence order as before, whatever the parts.
 */
enum { UNIQ_CHUNKS = 32, UNIQ_PART = 1 << 14 }; /* a part's table: 256 KiB */
enum { STRIDE = 1024 };                         /* loops of cheap steps tick every STRIDE steps */

typedef struct uentry {
    uint32_t tag; /* the hash's low half */
    uint32_t i;   /* the input; after FIND, its first occurrence */
} uentry;

typedef enum upass { U_HASH, U_SCATTER, U_FIND } upass;

typedef struct uniq_ctx {
    const wq__uniq *q;
    wq__stop *st;
    upass pass;
    unsigned shift; /* part of hash h: h >> shift (0 parts bits: shift 64) */
    size_t nparts;
    uint64_t *h;    /* h[i]: input i's hash */
    size_t *cnt;    /* cnt[c * nparts + p]: chunk c's entries in part p,
                       then (after the prefix sums) its first slot there */
    size_t *pstart; /* part p: ent[pstart[p] .. pstart[p + 1]) */
    uentry *ent;
    size_t maxlen[UNIQ_CHUNKS];
} uniq_ctx;

static inline size_t upart(const uniq_ctx *u, uint64_t h) {
    return u->shift >= 64 ? 0 : (size_t)(h >> u->shift);
}

static int uniq_hash(uniq_ctx *u, size_t c, size_t a, size_t b) {
    size_t *cnt = u->cnt + c * u->nparts, maxlen = 0;
    int rc = 0;
    for (size_t i = a; rc == 0 && i < b; i++) {
        const wq_seq *s = &u->q->seqs[i];
        u->h[i] = hash_bytes((const unsigned char *)s->ptr, s->len, 0);
        cnt[upart(u, u->h[i])]++;
        maxlen = s->len > maxlen ? s->len : maxlen;
        rc = wq__tick(u->st, s->len + 16);
    }
    u->maxlen[c] = maxlen;
    return rc;
}

static int uniq_scatter(uniq_ctx *u, size_t c, size_t a, size_t b) {
    size_t *at = u->cnt + c * u->nparts;
    int rc = 0;
    for (size_t i = a; rc == 0 && i < b; i++) {
        uint64_t h = u->h[i];
        u->ent[at[upart(u, h)]++] = (uentry){(uint32_t)h, (uint32_t)i};
        if (i % STRIDE == 0)
            rc = wq__tick(u->st, STRIDE * 8);
    }
    return rc;
}

static int seq_eq(const wq_seq *a, const wq_seq *b) {
    return a->len == b->len && (a->len == 0 || memcmp(a->ptr, b->ptr, a->len) == 0);
}

/* Part p's entries, in input order, through a table of entries that holds
 * each distinct sequence's first; each entry's i becomes that first. */
static int uniq_find(uniq_ctx *u, size_t p) {
    uentry *e = u->ent + u->pstart[p];
    size_t n = u->pstart[p + 1] - u->pstart[p], cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    uentry *t = malloc(cap * sizeof *t);
    if (t == NULL)
        return ENOMEM;
    memset(t, 0xff, cap * sizeof *t); /* i == UINT32_MAX: empty */
    size_t mask = cap - 1;
    int rc = 0;
    for (size_t x = 0; rc == 0 && x < n; x++) {
        const wq_seq *s = &u->q->seqs[e[x].i];
        size_t h = (size_t)(u->h[e[x].i] >> 32) & mask; /* the tag is below */
        while (t[h].i != UINT32_MAX && (t[h].tag != e[x].tag || !seq_eq(&u->q->seqs[t[h].i], s)))
            h = (h + 1) & mask;
        if (t[h].i == UINT32_MAX)
            t[h] = e[x];
        e[x].i = t[h].i;
        if (x % STRIDE == 0)
            rc = wq__tick(u->st, STRIDE * 16);
    }
    free(t);
    return rc;
}

/* An engine item: chunk c of the inputs (HASH, SCATTER) or part c (FIND). */
static int uniq_item(const void *in, void *out, void *ctx) {
    uniq_ctx *u = ctx;
    size_t c = *(const size_t *)in, n = u->q->n;
    (void)out;
    if (u->pass == U_FIND)
        return uniq_find(u, c);
    size_t a = n * c / UNIQ_CHUNKS, b = n * (c + 1) / UNIQ_CHUNKS;
    return u->pass == U_HASH ? uniq_hash(u, c, a, b) : uniq_scatter(u, c, a, b);
}

static const wq_kernel uniq_kernel = {"wq-search-uniq", uniq_item, NULL, sizeof(size_t), 1, NULL};

/* cnt[] to each chunk's first slot in each part (chunks in order within a
 * part), and pstart[]. */
static void uniq_offsets(uniq_ctx *u) {
    size_t at = 0;
    for (size_t p = 0; p < u->nparts; p++) {
        u->pstart[p] = at;
        for (size_t c = 0; c < UNIQ_CHUNKS; c++) {
            size_t k = u->cnt[c * u->nparts + p];
            u->cnt[c * u->nparts + p] = at;
            at += k;
        }
    }
    u->pstart[u->nparts] = at;
}

/* of[] and first[] from the entries: input i's entry is the next of its
 * part in chunk order, as SCATTER laid them (cnt[] is rebuilt for it). */
static int assign_ids(wq__uniq *q, uniq_ctx *u) {
    memset(u->cnt, 0, UNIQ_CHUNKS * u->nparts * sizeof *u->cnt);
    for (size_t c = 0; c < UNIQ_CHUNKS; c++) { /* counts again, cheaply */
        size_t a = q->n * c / UNIQ_CHUNKS, b = q->n * (c + 1) / UNIQ_CHUNKS;
        for (size_t i = a; i < b; i++)
            u->cnt[c * u->nparts + upart(u, u->h[i])]++;
    }
    uniq_offsets(u);
    q->nu = 0;
    int rc = 0;
    for (size_t c = 0; rc == 0 && c < UNIQ_CHUNKS; c++) {
        size_t a = q->n * c / UNIQ_CHUNKS, b = q->n * (c + 1) / UNIQ_CHUNKS;
        size_t *at = u->cnt + c * u->nparts;
        for (size_t i = a; i < b; i++) {
            uint32_t f = u->ent[at[upart(u, u->h[i])]++].i;
            if (f == i)
                q->first[q->nu++] = (uint32_t)i;
            q->of[i] = f == i ? q->nu - 1 : q->of[f]; /* f < i: numbered */
        }
        rc = wq__tick(u->st, (b - a) * 8);
    }
    for (size_t c = 0; c < UNIQ_CHUNKS; c++)
        q->maxlen = u->maxlen[c] > q->maxlen ? u->maxlen[c] : q->maxlen;
    return rc;
}

/* of[], first[] and maxlen on pool. 0, ENOMEM or the stop value. */
static int uniq_assign(wq_pool *pool, wq__uniq *q, wq__stop *st) {
    uniq_ctx u = {.q = q, .st = st, .nparts = 1, .shift = 64};
    while (u.nparts < 1024 && u.nparts * UNIQ_PART < q->n)
        u.nparts *= 2, u.shift--;
    size_t m = q->n ? q->n : 1, idx[UNIQ_CHUNKS], *items = NULL;
    u.h = malloc(m * sizeof *u.h);
    u.ent = malloc(m * sizeof *u.ent);
    u.cnt = calloc(UNIQ_CHUNKS * u.nparts, sizeof *u.cnt);
    u.pstart = malloc((u.nparts + 1) * sizeof *u.pstart);
    items = malloc(u.nparts * sizeof *items);
    char *out = malloc(u.nparts > UNIQ_CHUNKS ? u.nparts : UNIQ_CHUNKS);
    int rc = u.h && u.ent && u.cnt && u.pstart && items && out ? 0 : ENOMEM;
    for (size_t c = 0; c < UNIQ_CHUNKS; c++)
        idx[c] = c;
    for (size_t p = 0; rc == 0 && p < u.nparts; p++)
        items[p] = p;
    wq_map_opts one = {.chunk_size = 1};
    if (rc == 0)
        rc = wq_map(pool, &uniq_kernel, &u, idx, out, UNIQ_CHUNKS, &one);
    if (rc == 0) {
        uniq_offsets(&u);
        u.pass = U_SCATTER;
        rc = wq_map(pool, &uniq_kernel, &u, idx, out, UNIQ_CHUNKS, &one);
    }
    if (rc == 0) {
        u.pass = U_FIND;
        rc = wq_map(pool, &uniq_kernel, &u, items, out, u.nparts, &one);
    }
    if (rc == 0)
        rc = assign_ids(q, &u);
    free(u.h);
    free(u.ent);
    free(u.cnt);
    free(u.pstart);
    free(items);
    free(out);
    return rc;
}

int wq__uniq_build(wq_pool *pool, wq__uniq *q, const wq_seq *seqs, size_t n, wq__stop *st) {
    memset(q, 0, sizeof *q);
    if (n >= UINT32_MAX - 1)
        return EOVERFLOW;
    q->seqs = seqs;
    q->n = n;
    size_t m = n ? n : 1;
    q->of = malloc(m * sizeof *q->of);
    q->first = malloc(m * sizeof *q->first);
    q->last = malloc(m * sizeof *q->last);
    q->mstart = calloc(m + 1, sizeof *q->mstart);
    q->members = malloc(m * sizeof *q->members);
    q->multi = calloc(m / 64 + 1, sizeof *q->multi);
    int rc = q->of && q->first && q->last && q->mstart && q->members && q->multi
                 ? uniq_assign(pool, q, st)
                 : ENOMEM;
    if (rc != 0) {
        wq__uniq_free(q);
        return rc;
    }
    for (size_t i = 0; i < n; i++) {
        q->mstart[q->of[i] + 1]++;
        q->last[q->of[i]] = (uint32_t)i;
    }
    for (uint32_t u = 0; u < q->nu; u++)
        q->mstart[u + 1] += q->mstart[u];
    /* fill from the end so each member list comes out ascending */
    uint32_t *end = q->last; /* reuse: last is rewritten below */
    for (uint32_t u = 0; u < q->nu; u++)
        end[u] = q->mstart[u + 1];
    for (size_t i = n; i-- > 0;)
        q->members[--end[q->of[i]]] = (uint32_t)i;
    for (uint32_t u = 0; u < q->nu; u++) {
        q->last[u] = q->members[q->mstart[u + 1] - 1];
        if (q->mstart[u + 1] - q->mstart[u] > 1)
            q->multi[u / 64] |= UINT64_C(1) << (u % 64);
    }
    return 0;
}

/* ---------------------------------------------------------- the index -- */

/* Segment i of k + 1 over a string of length l: the first k + 1 - l % (k+1)
 * segments have l / (k + 1) bytes, the others one more (Pass-Join's even
 * partition). */
static inline void seg_at(size_t l, size_t k, size_t i, size_t *pos, size_t *len) {
    size_t q = l / (k + 1), longer = l % (k + 1), shorter = k + 1 - longer;
    *pos = i * q + (i > shorter ? i - shorter : 0);
    *len = q + (i >= shorter);
}

static inline int class_indexed(size_t l, size_t k) {
    return l / (k + 1) >= MIN_SEG;
}

void wq__sidx_free(wq__sidx *x) {
    for (size_t c = 0; x->cls != NULL && c < x->nclass; c++)
        free(x->cls[c].slots);
    free(x->cls);
    free(x->rep);
    free(x->bylen);
    memset(x, 0, sizeof *x);
}

/* (length, id): the sort key of build_classes. */
typedef struct len_id {
    size_t len;
    uint32_t id;
} len_id;

static int cmp_len_id(const void *a, const void *b) {
    const len_id *x = a, *y = b;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Ticks the stop every STRIDE iterations of a loop of cheap steps (see
 * STRIDE above). */

static inline int tick_every(const wq__sidx *x, size_t i, size_t unit) {
    return i % STRIDE == 0 ? wq__tick(x->st, STRIDE * unit) : 0;
}

/* bylen[] by counting the lengths (stable, so ids ascend within a length;
 * linear and interruptible): when the longest length is not much more
 * than the count. 0, ENOMEM or the stop value. */
static int count_by_length(const wq__sidx *x, uint32_t *bylen) {
    uint32_t nu = x->q->nu;
    size_t maxlen = x->q->maxlen;
    uint32_t *at = calloc(maxlen + 2, sizeof *at);
    if (at == NULL)
        return ENOMEM;
    int rc = 0;
    for (uint32_t u = 0; rc == 0 && u < nu; u++) {
        at[x->rep[u].len + 1]++;
        rc = tick_every(x, u, 4);
    }
    for (size_t l = 0; rc == 0 && l <= maxlen; l++)
        at[l + 1] += at[l];
    for (uint32_t u = 0; rc == 0 && u < nu; u++) {
        bylen[at[x->rep[u].len]++] = u;
        rc = tick_every(x, u, 8);
    }
    free(at);
    return rc;
}

/* bylen[]: the ids sorted by length, then id (already so when all lengths
 * are equal, the common case). 0, ENOMEM or the stop value; a qsort, used
 * for a few very long sequences, is not interrupted. */
static int sort_by_length(const wq__sidx *x, uint32_t *bylen) {
    uint32_t nu = x->q->nu;
    int sorted = 1, rc = 0;
    for (uint32_t u = 0; rc == 0 && u < nu; u++) {
        bylen[u] = u;
        sorted &= x->rep[u].len == x->rep[0].len;
        rc = tick_every(x, u, 4);
    }
    if (sorted || rc != 0)
        return rc;
    if (x->q->maxlen <= 4 * (size_t)nu + 4096)
        return count_by_length(x, bylen);
    len_id *t = malloc(nu * sizeof *t);
    if (t == NULL)
        return ENOMEM;
    for (uint32_t u = 0; u < nu; u++)
        t[u] = (len_id){x->rep[u].len, u};
    qsort(t, nu, sizeof *t, cmp_len_id);
    for (uint32_t u = 0; u < nu; u++)
        bylen[u] = t[u].id;
    free(t);
    return wq__tick(x->st, 0);
}

static int build_classes(wq__sidx *x) {
    uint32_t nu = x->q->nu;
    x->rep = wq__table_alloc(nu, sizeof *x->rep);
    x->bylen = malloc((nu ? nu : 1) * sizeof *x->bylen);
    if (x->rep == NULL || x->bylen == NULL)
        return ENOMEM;
    int rc = 0;
    for (uint32_t u = 0; rc == 0 && u < nu; u++) {
        x->rep[u] = *wq__uniq_seq(x->q, u);
        rc = tick_every(x, u, 16);
    }
    if (rc == 0)
        rc = sort_by_length(x, x->bylen);
    size_t nc = 0;
    for (uint32_t p = 0; rc == 0 && p < nu; p++) {
        nc += p == 0 || x->rep[x->bylen[p]].len != x->rep[x->bylen[p - 1]].len;
        rc = tick_every(x, p, 8);
    }
    if (rc != 0)
        return rc;
    x->cls = calloc(nc ? nc : 1, sizeof *x->cls);
    if (x->cls == NULL)
        return ENOMEM;
    nc = 0;
    for (uint32_t p = 0; p < nu; p++) {
        size_t l = x->rep[x->bylen[p]].len;
        if (p == 0 || l != x->cls[nc - 1].len)
            x->cls[nc++] = (wq__class){l, p, p, 0, NULL, 0};
        x->cls[nc - 1].cend = p + 1;
    }
    x->nclass = nc;
    return wq__tick(x->st, (size_t)nu * 8);
}

/* A class's table is NPART sub-tables, chosen by the key's top bits, of
 * mask + 1 slots each: workers build them side by side. */
enum { NPART = 4 };

static inline size_t part_of(uint64_t key) {
    return (size_t)(key >> 62);
}

/* The tag of key in its slots: never 0 (an empty slot). */
static inline uint32_t tag_of(uint64_t key) {
    return (uint32_t)(key >> 32) | 1u;
}

/* The sub-table of key in class c. */
static inline wq__slot *table_of(const wq__class *c, uint64_t key) {
    return c->slots + part_of(key) * (c->mask + 1);
}

/* The key of entry e of class c: member e / (k + 1), segment e % (k + 1). */
static inline uint64_t entry_key(const wq__sidx *x, const wq__class *c, size_t e) {
    size_t k = x->k, i = e % (k + 1), pos, len;
    const wq_seq *s = &x->rep[x->bylen[c->cstart + e / (k + 1)]];
    seg_at(c->len, k, i, &pos, &len);
    return hash_bytes((const unsigned char *)s->ptr + pos, len, seg_seed(c->len, i));
}

/* One pass of a class's build over part p (an engine item):
 *   KEYS   the keys of the p-th quarter of the entries, and the fingerprints
 *          of the members whose first entry is in it;
 *   FILL   each entry of sub-table p into the first empty slot from its
 *          key's home.
 * A string may repeat bytes at two segment indices: the seeds differ, so
 * each (key, id) is entered once (a shared tag may still show an id twice
 * to a probe, which removes repeats). Software prefetching of the slots
 * was tried here and in the probe: on this project's machines (AMD, under
 * a hypervisor) it made both slower. */
typedef enum pass { KEYS, FILL } pass;

typedef struct build_ctx {
    const wq__sidx *x;
    wq__class *c;
    uint64_t *keys;
    uint64_t *fps; /* fps[m]: the fingerprint of the class's member m */
    size_t entries;
    pass pass;
} build_ctx;

/* The stop is ticked every STRIDE entries (a pass touches each entry once
 * at most, for a hash of a segment or a slot's probe). */
static int build_part(const void *in, void *out, void *ctx) {
    const build_ctx *b = ctx;
    size_t p = *(const size_t *)in, n = b->entries, k1 = b->x->k + 1;
    size_t w = b->c->len / k1 + 16; /* a key's cost */
    int rc = 0;
    (void)out;
    if (b->pass == KEYS) {
        for (size_t e = n * p / NPART; rc == 0 && e < n * (p + 1) / NPART; e++) {
            b->keys[e] = entry_key(b->x, b->c, e);
            if (e % k1 == 0) {
                const wq_seq *s = &b->x->rep[b->x->bylen[b->c->cstart + e / k1]];
                b->fps[e / k1] = fingerprint((const unsigned char *)s->ptr, s->len);
            }
            if (e % STRIDE == 0)
                rc = wq__tick(b->x->st, STRIDE * w);
        }
    } else {
        for (size_t e = 0; rc == 0 && e < n; e++) {
            if (e % STRIDE == 0)
                rc = wq__tick(b->x->st, STRIDE * 8);
            uint64_t key = b->keys[e];
            if (part_of(key) != p)
                continue;
            wq__slot *t = table_of(b->c, key);
            size_t s = (size_t)key & b->c->mask;
            while (t[s].tag != 0)
                s = (s + 1) & b->c->mask;
            t[s] = (wq__slot){tag_of(key), b->x->bylen[b->c->cstart + e / k1], b->fps[e / k1]};
        }
    }
    return rc;
}

static const wq_kernel build_kernel = {"wq-search-build", build_part, NULL,
                                       sizeof(size_t),    1,          NULL};

/* The table of class c. */
static int build_class(wq_pool *pool, wq__sidx *x, wq__class *c) {
    size_t members = c->cend - c->cstart, entries = members * (x->k + 1);
    uint64_t *keys = malloc((entries ? entries : 1) * sizeof *keys);
    uint64_t *fps = malloc((members ? members : 1) * sizeof *fps);
    if (keys == NULL || fps == NULL) {
        free(keys);
        free(fps);
        return ENOMEM;
    }
    size_t parts[NPART], fill[NPART] = {0};
    char out[NPART];
    for (size_t p = 0; p < NPART; p++)
        parts[p] = p;
    wq_map_opts one = {.chunk_size = 1};
    build_ctx b = {x, c, keys, fps, entries, KEYS};
    int rc = wq_map(pool, &build_kernel, &b, parts, out, NPART, &one);
    /* Each sub-table gets twice its own entries' slots (at most half full
     * whatever the keys: a full one would never end a probe). */
    size_t cap = 16;
    for (size_t e = 0; rc == 0 && e < entries; e++)
        fill[part_of(keys[e])]++;
    for (size_t p = 0; p < NPART; p++)
        while (cap < 2 * fill[p])
            cap *= 2;
    c->slots = rc == 0 ? wq__table_alloc(cap * NPART, sizeof *c->slots) : NULL;
    if (c->slots == NULL) {
        free(keys);
        free(fps);
        return rc != 0 ? rc : ENOMEM;
    }
    c->mask = cap - 1;
    c->indexed = 1;
    b.pass = FILL;
    if (rc == 0)
        rc = wq_map(pool, &build_kernel, &b, parts, out, NPART, &one);
    free(keys);
    free(fps);
    return rc;
}

/* Each indexed class gets its own table (small classes stay in cache). */
static int build_tables(wq_pool *pool, wq__sidx *x) {
    int rc = 0;
    for (size_t ci = 0; rc == 0 && ci < x->nclass; ci++)
        if (class_indexed(x->cls[ci].len, x->k))
            rc = build_class(pool, x, &x->cls[ci]);
    return rc;
}

int wq__sidx_build(wq_pool *pool, wq__sidx *x, const wq__uniq *q, size_t k, wq__stop *st) {
    memset(x, 0, sizeof *x);
    x->q = q;
    x->k = k;
    x->st = st;
    x->part_min = wq__search_tune.part_min;
    x->region = wq__search_tune.region;
    x->part_also = wq__search_tune.part_also;
    int rc = build_classes(x);
    if (rc == 0)
        rc = build_tables(pool, x);
    if (rc != 0)
        wq__sidx_free(x);
    return rc;
}

/* ---------------------------------------------------------- the probe -- */

/*
 * Why the probe is exact (Pass-Join, Li et al., VLDB 2012, with its
 * multi-match-aware substring selection).
 *
 * Let s (length l, in the index) be within k edits of the probe r (length
 * m, so |m - l| <= k). Cut s into k + 1 segments (seg_at); segment i starts
 * at p_i. Fix an optimal alignment, and give each edit to the segment it
 * touches (a substitution or deletion of one of its bytes, an insertion
 * strictly inside it) or to the gap between two segments (an insertion at a
 * boundary). Let left(i) count the edits before segment i, e_i those in it,
 * and P(i) = left(i) + e_i.
 *
 * Take the smallest i with P(i) <= i: it exists because P(k) <= k. If
 * i = 0, left = e_0 = 0. Otherwise P(i-1) >= i, so left(i) >= P(i-1) >= i
 * >= P(i) >= left(i): then left(i) = i and e_i = 0. Either way segment i is
 * untouched, so it occurs in r exactly, at some x, with
 *   left(i) <= i           edits before it, and
 *   right(i) <= k - i      after it (the total is <= k).
 * The prefixes s[0..p_i) and r[0..x) differ by at most left(i) edits, so
 * |x - p_i| <= i; the suffixes have lengths l - p_i - len_i and
 * m - x - len_i, so |(x - p_i) - (m - l)| <= k - i. Hence
 *   max(p_i - i, p_i + d - (k - i)) <= x <= min(p_i + i, p_i + d + (k - i)),
 * d = m - l: probing r's substrings at those x, for every i, finds s in the
 * bucket (l, i, segment bytes). The argument holds for either sign of d, so
 * one index over all sequences serves probes of any length, and a pair is
 * found whichever of its two strings probes.
 *
 * Classes whose segments would be shorter than MIN_SEG bytes (including
 * every l <= k, where some segments are empty) are not indexed: the probe
 * returns all their members. So does it for an indexed class when the
 * buckets it would read hold as many ids as the class has members (the
 * filter is not helping there): that is the brute force, per class.
 * Within the buckets, the fingerprint test drops only candidates farther
 * than k from r (the argument is above fingerprint()).
 */

/* Reads up to this many buckets per class; beyond it the class is taken
 * whole (a window this wide means k is large against the length). */
enum { MAX_PROBES = 1024 };

static void sort_u32(uint32_t *a, size_t n) {
    for (size_t i = 1; i < n; i++) { /* candidate lists are short */
        uint32_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* out->v[from ..] sorted, each id once. */
static void sort_unique(wq__u32v *out, size_t from) {
    size_t n = out->n - from;
    if (n > 1) {
        if (n <= 32)
            sort_u32(out->v + from, n);
        else
            qsort(out->v + from, n, sizeof *out->v, cmp_u32);
        size_t w = from + 1;
        for (size_t e = from + 1; e < out->n; e++)
            if (out->v[e] != out->v[w - 1])
                out->v[w++] = out->v[e];
        out->n = w;
    }
}

static inline int keeps(const wq__keep *kp, uint32_t v) {
    return v != kp->self &&
           (v >= kp->from ||
            (kp->key != NULL && (kp->only == NULL || (kp->only[v / 64] >> (v % 64) & 1)) &&
             kp->key[v] > kp->thr));
}

/* Every member of class c that keep passes. */
static int take_class(const wq__sidx *x, const wq__class *c, const wq__keep *kp, wq__u32v *out) {
    for (uint32_t p = c->cstart; p < c->cend; p++)
        if (keeps(kp, x->bylen[p]) && wq__u32v_push(out, x->bylen[p]) != 0)
            return ENOMEM;
    return 0;
}

/* The keys of r's substrings for class c (only counted when keys is
 * NULL). Returns their number, or MAX_PROBES + 1 when there would be
 * more. */
static size_t class_keys(const wq__sidx *x, const wq__class *c, const unsigned char *r, size_t m,
                         uint64_t *keys) {
    size_t k = x->k, nk = 0;
    long d = (long)m - (long)c->len;
    for (size_t i = 0; i <= k; i++) {
        size_t pos, len;
        seg_at(c->len, k, i, &pos, &len);
        long p = (long)pos, lo = p - (long)i, hi = p + (long)i;
        if (p + d - (long)(k - i) > lo)
            lo = p + d - (long)(k - i);
        if (p + d + (long)(k - i) < hi)
            hi = p + d + (long)(k - i);
        if (lo < 0)
            lo = 0;
        if (hi > (long)m - (long)len)
            hi = (long)m - (long)len;
        if (hi >= lo && (size_t)(hi - lo + 1) > MAX_PROBES - nk)
            return MAX_PROBES + 1;
        for (long at = lo; keys != NULL && at <= hi; at++)
            keys[nk + (size_t)(at - lo)] = hash_bytes(r + at, len, seg_seed(c->len, i));
        nk += hi >= lo ? (size_t)(hi - lo + 1) : 0;
    }
    return nk;
}

/* The candidates of one indexed class: the entries of its buckets for
 * keys[0..nk) whose fingerprints are near fp, or the whole class once the
 * buckets hold as many entries as it has members. Sorted, each once
 * (several buckets may hold an id, and a shared tag may show it twice). */
static int class_probe(const wq__sidx *x, const wq__class *c, const uint64_t *keys, size_t nk,
                       uint64_t fp, const wq__keep *kp, wq__u32v *out) {
    size_t from = out->n, reads = 0, members = c->cend - c->cstart;
    for (size_t e = 0; e < nk; e++) {
        const wq__slot *t = table_of(c, keys[e]);
        uint32_t tag = tag_of(keys[e]);
        for (size_t s = (size_t)keys[e] & c->mask; t[s].tag != 0; s = (s + 1) & c->mask) {
            if (t[s].tag != tag)
                continue;
            if (++reads >= members) { /* the filter is not helping here */
                out->n = from;
                return take_class(x, c, kp, out);
            }
            /* the fingerprint before keep: keep may read key[] at random */
            if (fp_near(fp, t[s].fp, x->k) && keeps(kp, t[s].id) &&
                wq__u32v_push(out, t[s].id) != 0)
                return ENOMEM;
        }
    }
    sort_unique(out, from);
    return 0;
}

/* The first class of length >= m - k. */
static size_t first_class(const wq__sidx *x, size_t m) {
    size_t lo = m > x->k ? m - x->k : 0, a = 0, b = x->nclass;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (x->cls[mid].len < lo)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

int wq__sidx_probe(const wq__sidx *x, const unsigned char *r, size_t m, const wq__keep *kp,
                   wq__u32v *c) {
    size_t hi = m + x->k;
    uint64_t keys[MAX_PROBES], fp = fingerprint(r, m);
    for (size_t ci = first_class(x, m); ci < x->nclass && x->cls[ci].len <= hi; ci++) {
        const wq__class *cl = &x->cls[ci];
        size_t nk = cl->indexed ? class_keys(x, cl, r, m, keys) : MAX_PROBES + 1;
        int rc =
            nk > MAX_PROBES ? take_class(x, cl, kp, c) : class_probe(x, cl, keys, nk, fp, kp, c);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* ----------------------------------------- the probe by table region -- */

/*
 * wq__win_build, once a class's table has at least x->part_min slots, for
 * the classes whose table has at least that many or x->part_also (the
 * large ones; smaller tables stay in cache and are probed directly). A
 * part is one region of x->region slots of one large class's table, chosen
 * by a key's home slot. The passes, on the pool's workers:
 *   COUNT   per chunk of WCHUNK probes: how many keys its probes have in
 *           large classes (no hashing), so each chunk knows where its
 *           records go;
 *   KEYS    per chunk: each probe's keep, and for each large class it
 *           reaches, the keys of its substrings (class_keys, as
 *           wq__sidx_probe computes them) as records (key, fingerprint,
 *           slot), slot = probe * span + the class's rank among the large
 *           ones the probe reaches; then the chunk's records sorted by part
 *           in place (a counting sort by cycles, in the chunk's own cache);
 *   LOOKUP  per group of parts, each part's records of every chunk against
 *           that region's slots only, so those stay in cache while its
 *           records are read (streamed in first when it has many:
 *           stream_region). A record counts the entries with its key's
 *           tag; those whose fingerprint is near the probe's become
 *           candidates (slot, id);
 *   SUM     per chunk: reads[slot], the sum of its records' counts;
 *   GROUP   the candidates by slot (a counting sort, on the caller).
 * wq__win_probe then takes a probe's class whole when reads[slot] reaches
 * the class's members, which is wq__sidx_probe's rule over the same
 * entries, else the slot's candidates that keep passes, sorted, each once:
 * the list wq__sidx_probe makes (it tests the fingerprint, then keep).
 * A key's run of slots may go on past its region's end: the lookup follows
 * it there (one more miss, never a wrong answer).
 * Memory: 24 bytes per key (a record), 12 per slot, and 8 per candidate
 * while grouping (4 after); kept from window to window. The work is
 * bounded like wq__sidx_probe's: past WIN_CAND + WIN_READS tag-matching
 * entries per probe on average (crowded buckets; each candidate is one of
 * them), the window gives up and its probes are probed directly, whose
 * reads stop at a class's size.
 */
enum { WCHUNK = 1024, WGROUPS = 64, WIN_CAND = 16, WIN_READS = 1024 };
enum { WIN_MAX = 1 << 25, WIN_SPAN = 64 }; /* slots stay below 2^31 */

typedef struct wq__wrec {
    uint64_t key;
    uint64_t fp;   /* the probe's fingerprint */
    uint32_t slot; /* probe * span + rank */
    uint32_t cnt;  /* KEYS: the part; LOOKUP: entries with the tag read */
} wrec;

typedef enum wpass { W_COUNT, W_KEYS, W_LOOKUP, W_SUM } wpass;

typedef struct win_ctx {
    const wq__sidx *x;
    wq__win *w;
    wq__probe_fn fn;
    const void *ctx;
    wpass pass;
    uint32_t *rank;   /* rank[ci]: class ci's number among the large ones, or UINT32_MAX */
    size_t *pbase;    /* large class j's regions are the parts pbase[j] .. pbase[j + 1) */
    uint32_t *pclass; /* pclass[g]: part g's class */
    unsigned rshift;  /* log2(x->region) */
    size_t nparts, nchunks;
    size_t *rbase;          /* rbase[ch]: chunk ch's first record (ch <= nchunks) */
    uint32_t *off;          /* off[g * nchunks + ch]: chunk ch's first record of part g
                               (g <= nparts), from rbase[ch] */
    wq__u32v *out;          /* per group: candidates as (slot, id) pairs */
    uint32_t seen[WGROUPS]; /* per group: what stream_region read */
    atomic_size_t work;     /* tag-matching entries so far */
    atomic_int over;        /* work passed budget */
    size_t budget;
} win_ctx;

/* Whether class c's table makes the search probe by region. */
static inline int class_regional(const wq__sidx *x, const wq__class *c) {
    return c->indexed && (c->mask + 1) * NPART >= x->part_min;
}

/* Whether class c is looked up in the windows (once there are windows). */
static inline int class_large(const wq__sidx *x, const wq__class *c) {
    return class_regional(x, c) || (c->indexed && (c->mask + 1) * NPART >= x->part_also);
}

int wq__sidx_regional(const wq__sidx *x) {
    for (size_t ci = 0; ci < x->nclass; ci++)
        if (class_regional(x, &x->cls[ci]))
            return 1;
    return 0;
}

/* The regions of one sub-table of class c. */
static inline size_t regions_per_table(const win_ctx *u, const wq__class *c) {
    size_t r = (c->mask + 1) >> u->rshift;
    return r ? r : 1;
}

/* The part of key in large class ci. */
static inline uint32_t part_at(const win_ctx *u, size_t ci, uint64_t key) {
    const wq__class *c = &u->x->cls[ci];
    return (uint32_t)(u->pbase[u->rank[ci]] + part_of(key) * regions_per_table(u, c) +
                      (((size_t)key & c->mask) >> u->rshift));
}

/* The probes of chunk ch. */
static inline void chunk_range(const win_ctx *u, size_t ch, size_t *a, size_t *b) {
    *a = ch * WCHUNK;
    *b = u->w->n - *a > WCHUNK ? *a + WCHUNK : u->w->n;
}

/* COUNT: the records of chunk ch into rbase[ch + 1]. */
static int win_count(win_ctx *u, size_t ch) {
    const wq__sidx *x = u->x;
    size_t a, b, nt = 0;
    chunk_range(u, ch, &a, &b);
    for (size_t pi = a; pi < b; pi++) {
        const unsigned char *r;
        size_t m;
        wq__keep kp;
        if (!u->fn(u->ctx, pi, &r, &m, &kp))
            continue;
        for (size_t ci = first_class(x, m); ci < x->nclass && x->cls[ci].len <= m + x->k; ci++) {
            size_t nk = u->rank[ci] != UINT32_MAX ? class_keys(x, &x->cls[ci], r, m, NULL) : 0;
            nt += nk <= MAX_PROBES ? nk : 0;
        }
    }
    u->rbase[ch + 1] = nt;
    return wq__tick(x->st, (b - a) * 64);
}

/* Chunk ch's records rec[0..nt) (each one's part in cnt) sorted by part in
 * place: counts, then each record moved along its cycle to its part's next
 * free place. Sets off[.. * nchunks + ch]. */
static int win_sort_chunk(win_ctx *u, size_t ch, wrec *rec, size_t nt) {
    uint32_t *next = calloc(2 * (u->nparts + 1), sizeof *next), *end = next + u->nparts + 1;
    if (next == NULL)
        return ENOMEM;
    for (size_t e = 0; e < nt; e++)
        next[rec[e].cnt + 1]++;
    for (size_t g = 0; g < u->nparts; g++)
        next[g + 1] += next[g];
    for (size_t g = 0; g <= u->nparts; g++) {
        u->off[g * u->nchunks + ch] = next[g];
        end[g] = g < u->nparts ? next[g + 1] : next[g];
    }
    for (size_t g = 0; g < u->nparts; g++)
        while (next[g] < end[g]) {
            wrec v = rec[next[g]];
            while (v.cnt != g) { /* v's place is in part v.cnt: swap it there */
                wrec t = rec[next[v.cnt]];
                rec[next[v.cnt]++] = v;
                v = t;
            }
            rec[next[g]++] = v;
        }
    free(next);
    return 0;
}

/* KEYS for the probes of chunk ch. */
static int win_keys(win_ctx *u, size_t ch) {
    const wq__sidx *x = u->x;
    wq__win *w = u->w;
    size_t a, b;
    chunk_range(u, ch, &a, &b);
    wrec *rec = w->rec + u->rbase[ch], *t = rec;
    uint64_t keys[MAX_PROBES];
    int rc = 0;
    for (size_t pi = a; rc == 0 && pi < b; pi++) {
        const unsigned char *r;
        size_t m;
        wq__keep kp; /* applied by wq__win_probe */
        if (!u->fn(u->ctx, pi, &r, &m, &kp))
            continue;
        uint64_t fp = fingerprint(r, m);
        uint32_t cs = 0;
        for (size_t ci = first_class(x, m); ci < x->nclass && x->cls[ci].len <= m + x->k; ci++) {
            if (u->rank[ci] == UINT32_MAX)
                continue;
            size_t slot = pi * w->span + cs++, nk = class_keys(x, &x->cls[ci], r, m, keys);
            if (nk > MAX_PROBES) /* the whole class, as wq__sidx_probe */
                w->reads[slot] = UINT64_MAX;
            for (size_t e = 0; nk <= MAX_PROBES && e < nk; e++)
                *t++ = (wrec){keys[e], fp, (uint32_t)slot, part_at(u, ci, keys[e])};
        }
        rc = wq__tick(x->st, (x->k + 1) * (x->k + 1) * (m + 64));
    }
    if (rc == 0)
        rc = win_sort_chunk(u, ch, rec, (size_t)(t - rec));
    return rc;
}

/* Adds work to the window's; 1 once it passed the budget. */
static int win_over(win_ctx *u, size_t work) {
    if (work != 0 && atomic_fetch_add(&u->work, work) + work > u->budget)
        atomic_store(&u->over, 1);
    return atomic_load_explicit(&u->over, memory_order_relaxed);
}

/* One record's key in its class c: counts the entries with its tag into
 * e->cnt and appends those whose fingerprint is near the probe's to out
 * as (slot, id). The probe's keep is not tested here but by wq__win_probe:
 * here it would read the probe's keep and key[id] at random (records come
 * by region, not by probe), two cache misses per candidate once a window's
 * probes and the key array outgrow the cache (4M 30-mers at K=2: most of
 * LOOKUP's time, and why it grew 3.6x from 2M to 4M). Returns 0 or ENOMEM. */
static int win_key(const win_ctx *u, const wq__class *c, wrec *e, wq__u32v *out, size_t *work) {
    const wq__slot *t = table_of(c, e->key);
    uint32_t tag = tag_of(e->key), reads = 0;
    for (size_t s = (size_t)e->key & c->mask; t[s].tag != 0; s = (s + 1) & c->mask) {
        if (t[s].tag != tag)
            continue;
        reads += reads < UINT32_MAX;
        if (fp_near(e->fp, t[s].fp, u->x->k)) {
            if (wq__u32v_push(out, e->slot) != 0 || wq__u32v_push(out, t[s].id) != 0)
                return ENOMEM;
        }
    }
    e->cnt = reads;
    *work += reads;
    return 0;
}

/* Part g's records, in every chunk. */
static size_t part_records(const win_ctx *u, size_t g) {
    size_t n = 0;
    for (size_t ch = 0; ch < u->nchunks; ch++)
        n += u->off[(g + 1) * u->nchunks + ch] - u->off[g * u->nchunks + ch];
    return n;
}

/* Part g's region of its class's table read in address order, one load
 * per cache line, so that its lookups then find their slots in cache. The
 * loads are independent and ascend, so the lines come in at the memory's
 * bandwidth (the hardware prefetcher follows them), where the lookups'
 * own reads, in key order, each wait for a miss. Worth it once the part
 * has a record per STREAM_LINES lines: a record reads 2 to 3 lines (its
 * key's run of slots), so the lookups would fetch about a third of the
 * region's lines anyway (30-mers at K=2: 1,200 records per region at 2M,
 * 2,400 at 4M, against 8,192 lines). Returns a value of what it read,
 * which the caller keeps, so the loads are not dropped. */
enum { STREAM_LINES = 8 };

static uint32_t stream_region(const win_ctx *u, size_t g) {
    size_t ci = u->pclass[g], local = g - u->pbase[u->rank[ci]];
    const wq__class *c = &u->x->cls[ci];
    size_t rpt = regions_per_table(u, c), len = (size_t)1 << u->rshift;
    if (len > c->mask + 1)
        len = c->mask + 1;
    const wq__slot *t = c->slots + (local / rpt) * (c->mask + 1) + ((local % rpt) << u->rshift);
    uint32_t v = 0;
    for (size_t s = 0; s < len; s += 64 / sizeof *t)
        v ^= t[s].tag;
    return v;
}

/* LOOKUP for the parts of group gi. A part's records lie in runs of a few
 * per chunk (about 5 at 30-mers, K=2), one run per chunk, so each run's
 * first line was a miss: the run AHEAD chunks on is asked for before this
 * one is read (loaded, 2M 30-mers at K=2, alternating: LOOKUP's CPU
 * 1.58 -> 1.28 s, medians of 3). */
enum { AHEAD = 4 };

static int win_lookup(win_ctx *u, size_t gi) {
    size_t g0 = u->nparts * gi / WGROUPS, g1 = u->nparts * (gi + 1) / WGROUPS, work = 0, done = 0;
    size_t lines = ((size_t)1 << u->rshift) * sizeof(wq__slot) / 64;
    uint32_t seen = 0;
    int rc = 0;
    for (size_t g = g0; rc == 0 && g < g1; g++) {
        const wq__class *c = &u->x->cls[u->pclass[g]];
        if (part_records(u, g) * STREAM_LINES >= lines)
            seen ^= stream_region(u, g);
        for (size_t ch = 0; rc == 0 && ch < u->nchunks; ch++) {
            wrec *rec = u->w->rec + u->rbase[ch];
            size_t lo = u->off[g * u->nchunks + ch], hi = u->off[(g + 1) * u->nchunks + ch];
            if (ch + AHEAD < u->nchunks) { /* a later chunk's run: a miss each, else */
                const char *r = (const char *)(u->w->rec + u->rbase[ch + AHEAD] +
                                               u->off[g * u->nchunks + ch + AHEAD]);
                __builtin_prefetch(r, 1);
                __builtin_prefetch(r + 64, 1);
            }
            for (size_t e = lo; rc == 0 && e < hi; e++) {
                rc = win_key(u, c, &rec[e], &u->out[gi], &work);
                if (rc == 0 && ++done % STRIDE == 0) {
                    if (win_over(u, work))
                        return 0;
                    work = 0;
                    rc = wq__tick(u->x->st, STRIDE * 32);
                }
            }
        }
    }
    if (rc == 0)
        (void)win_over(u, work);
    u->seen[gi] = seen;
    return rc;
}

/* SUM for chunk ch: its records' counts into reads[] (its own slots). */
static int win_sum(win_ctx *u, size_t ch) {
    const wrec *rec = u->w->rec + u->rbase[ch];
    uint64_t *reads = u->w->reads;
    for (size_t e = 0; e < u->rbase[ch + 1] - u->rbase[ch]; e++)
        if (reads[rec[e].slot] != UINT64_MAX)
            reads[rec[e].slot] += rec[e].cnt;
    return wq__tick(u->x->st, (u->rbase[ch + 1] - u->rbase[ch]) * 4);
}

static int win_item(const void *in, void *out, void *ctx) {
    win_ctx *u = ctx;
    size_t i = *(const size_t *)in;
    (void)out;
    switch (u->pass) {
    case W_COUNT:
        return win_count(u, i);
    case W_KEYS:
        return win_keys(u, i);
    case W_LOOKUP:
        return win_lookup(u, i);
    default:
        return win_sum(u, i);
    }
}

static const wq_kernel win_kernel = {"wq-search-window", win_item, NULL, sizeof(size_t), 1, NULL};

/* The large classes' ranks and parts, and w->span. 0 or ENOMEM. */
static int win_parts(win_ctx *u) {
    const wq__sidx *x = u->x;
    size_t nl = 0;
    while (((size_t)2 << u->rshift) <= x->region)
        u->rshift++;
    u->rank = malloc((x->nclass ? x->nclass : 1) * sizeof *u->rank);
    u->pbase = malloc((x->nclass + 1) * sizeof *u->pbase);
    if (u->rank == NULL || u->pbase == NULL)
        return ENOMEM;
    for (size_t ci = 0; ci < x->nclass; ci++) {
        u->rank[ci] = UINT32_MAX;
        if (!class_large(x, &x->cls[ci]))
            continue;
        u->rank[ci] = (uint32_t)nl;
        u->pbase[nl++] = u->nparts;
        u->nparts += NPART * regions_per_table(u, &x->cls[ci]);
        size_t reach = 0; /* the large classes of lengths len - 2k .. len */
        for (size_t cj = ci + 1; cj-- > 0 && x->cls[cj].len + 2 * x->k >= x->cls[ci].len;)
            reach += class_large(x, &x->cls[cj]);
        u->w->span = reach > u->w->span ? reach : u->w->span;
    }
    u->pbase[nl] = u->nparts;
    u->pclass = malloc((u->nparts ? u->nparts : 1) * sizeof *u->pclass);
    if (u->pclass == NULL)
        return ENOMEM;
    for (size_t ci = 0; ci < x->nclass; ci++)
        for (size_t g = u->pbase[u->rank[ci] == UINT32_MAX ? 0 : u->rank[ci]];
             u->rank[ci] != UINT32_MAX && g < u->pbase[u->rank[ci] + 1]; g++)
            u->pclass[g] = (uint32_t)ci;
    return 0;
}

/* *p with room for n items of size bytes (kept when it has); 0 or ENOMEM. */
static int reserve(void **p, size_t *cap, size_t n, size_t size) {
    if (n <= *cap && *p != NULL)
        return 0;
    free(*p);
    *p = wq__table_alloc(n ? n : 1, size);
    *cap = *p != NULL ? n : 0;
    return *p != NULL ? 0 : ENOMEM;
}

/* GROUP: the candidates of u->out by slot into w->cstart, w->cand. */
static int win_group(win_ctx *u) {
    wq__win *w = u->w;
    size_t nslots = w->n * w->span, total = 0;
    for (size_t gi = 0; gi < WGROUPS; gi++)
        total += u->out[gi].n / 2;
    if (reserve((void **)&w->cand, &w->cand_cap, total, sizeof *w->cand) != 0)
        return ENOMEM;
    memset(w->cstart, 0, (nslots + 1) * sizeof *w->cstart);
    for (size_t gi = 0; gi < WGROUPS; gi++)
        for (size_t e = 0; e < u->out[gi].n; e += 2)
            w->cstart[u->out[gi].v[e]]++;
    for (size_t s = 0; s < nslots; s++) /* each slot's end: filled backwards */
        w->cstart[s + 1] += w->cstart[s];
    for (size_t gi = 0; gi < WGROUPS; gi++)
        for (size_t e = 0; e < u->out[gi].n; e += 2)
            w->cand[--w->cstart[u->out[gi].v[e]]] = u->out[gi].v[e + 1];
    return wq__tick(u->x->st, total * 16 + nslots * 4);
}

static void win_ctx_free(win_ctx *u) {
    for (size_t gi = 0; u->out != NULL && gi < WGROUPS; gi++)
        free(u->out[gi].v);
    free(u->out);
    free(u->off);
    free(u->rbase);
    free(u->rank);
    free(u->pbase);
    free(u->pclass);
}

void wq__win_free(wq__win *w) {
    free(w->reads);
    free(w->cstart);
    free(w->cand);
    free(w->rec);
    memset(w, 0, sizeof *w);
}

/* One pass over n items. */
static int win_pass(wq_pool *pool, win_ctx *u, wpass which, const size_t *items, char *out,
                    size_t n) {
    wq_map_opts one = {.chunk_size = 1};
    u->pass = which;
    return wq_map(pool, &win_kernel, u, items, out, n, &one);
}

/* The passes over u's window, once its parts are set. */
static int win_run(wq_pool *pool, win_ctx *u) {
    wq__win *w = u->w;
    size_t nslots = w->n * w->span, nch = u->nchunks, m = nch > WGROUPS ? nch : WGROUPS;
    u->rbase = calloc(nch + 1, sizeof *u->rbase);
    u->off = malloc(((u->nparts + 1) * nch + 1) * sizeof *u->off);
    u->out = calloc(WGROUPS, sizeof *u->out);
    size_t *items = malloc(m * sizeof *items);
    char *out = malloc(m);
    int rc = u->rbase && u->off && u->out && items && out ? 0 : ENOMEM;
    if (rc == 0)
        rc = reserve((void **)&w->reads, &w->slots_cap, nslots + 1, sizeof *w->reads);
    if (rc == 0)
        rc = reserve((void **)&w->cstart, &w->cstart_cap, nslots + 1, sizeof *w->cstart);
    for (size_t i = 0; rc == 0 && i < m; i++)
        items[i] = i;
    if (rc == 0)
        rc = win_pass(pool, u, W_COUNT, items, out, nch);
    for (size_t ch = 0; rc == 0 && ch < nch; ch++)
        u->rbase[ch + 1] += u->rbase[ch];
    if (rc == 0)
        rc = reserve((void **)&w->rec, &w->rec_cap, u->rbase[nch], sizeof *w->rec);
    if (rc == 0) {
        memset(w->reads, 0, nslots * sizeof *w->reads);
        rc = win_pass(pool, u, W_KEYS, items, out, nch);
    }
    if (rc == 0)
        rc = win_pass(pool, u, W_LOOKUP, items, out, WGROUPS);
    if (rc == 0 && atomic_load(&u->over))
        w->direct = 1; /* crowded buckets: each probe reads its own */
    if (rc == 0 && !w->direct)
        rc = win_pass(pool, u, W_SUM, items, out, nch);
    if (rc == 0 && !w->direct)
        rc = win_group(u);
    free(items);
    free(out);
    return rc;
}

int wq__win_build(wq_pool *pool, const wq__sidx *x, wq__win *w, size_t n, wq__probe_fn fn,
                  const void *ctx) {
    w->n = n;
    w->span = 0;
    w->direct = 0;
    win_ctx u = {.x = x, .w = w, .fn = fn, .ctx = ctx};
    atomic_init(&u.work, 0);
    atomic_init(&u.over, 0);
    int rc = win_parts(&u);
    if (rc == 0 && (n > WIN_MAX || w->span == 0 || w->span > WIN_SPAN))
        w->direct = 1; /* nothing large here, or too many slots for 32 bits */
    else if (rc == 0) {
        u.nchunks = (n + WCHUNK - 1) / WCHUNK;
        u.budget = (WIN_CAND + WIN_READS) * n + 65536;
        rc = win_run(pool, &u);
    }
    win_ctx_free(&u);
    if (rc != 0)
        wq__win_free(w);
    return rc;
}

int wq__win_probe(const wq__sidx *x, const wq__win *w, size_t pi, const unsigned char *r, size_t m,
                  const wq__keep *kp, wq__u32v *c) {
    if (w->direct)
        return wq__sidx_probe(x, r, m, kp, c);
    uint64_t keys[MAX_PROBES], fp = fingerprint(r, m);
    size_t cs = 0;
    for (size_t ci = first_class(x, m); ci < x->nclass && x->cls[ci].len <= m + x->k; ci++) {
        const wq__class *cl = &x->cls[ci];
        int rc = 0;
        if (class_large(x, cl)) {
            size_t slot = pi * w->span + cs++, from = c->n;
            if (w->reads[slot] >= (uint64_t)(cl->cend - cl->cstart))
                rc = take_class(x, cl, kp, c);
            else {
                for (uint32_t e = w->cstart[slot]; rc == 0 && e < w->cstart[slot + 1]; e++)
                    if (keeps(kp, w->cand[e]))
                        rc = wq__u32v_push(c, w->cand[e]);
                sort_unique(c, from);
            }
        } else {
            size_t nk = cl->indexed ? class_keys(x, cl, r, m, keys) : MAX_PROBES + 1;
            rc = nk > MAX_PROBES ? take_class(x, cl, kp, c)
                                 : class_probe(x, cl, keys, nk, fp, kp, c);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}
