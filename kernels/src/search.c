/*
 * search.c: the searches of workq/search.h over the engine.
 *
 * Guarantees: hits reach the caller's callback in order (i, then j) from
 * the engine's serialized, input-ordered result callback; each probe block
 * is one engine item, so at most the engine's window of blocks (and their
 * hits) is in memory. Exactness comes from the probe (search_index.c) and
 * the verification of every candidate by the levenshtein kernel with the
 * cutoff k.
 *
 * All pairs, with duplicates collapsed: the input's i belongs to the unique
 * u = of[i]; its partners j > i are u's later members (distance 0) and the
 * later members of every unique v within k of u. When u has one member
 * (the usual case), the block probes u right there, keeping only the v
 * that have a member after i. The neighbour lists of duplicated uniques
 * are computed once beforehand (phase A, parallel) and kept, so a sequence
 * repeated a thousand times is probed once.
 *
 * Stops: every phase ticks the search's wq__stop (search_internal.h) as it
 * works, so the caller's callback is asked (n == 0) after each WQ__TICK
 * units of work of any thread, and a stop unwinds the phase at once: items
 * not yet run return at their first tick, and the result callback drops
 * whatever arrives after the stop, so the hits delivered are a prefix.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <workq/search.h>

#include "kernels_internal.h"
#include "search_internal.h"

enum { BLOCK = 256 }; /* probes per engine item */

/* ------------------------------------------------------------ the stop -- */

_Thread_local int wq__poll_phase;
_Thread_local size_t wq__tick_work;

int wq__stop_init(wq__stop *st, wq_hits_fn fn, void *ctx) {
    st->fn = fn;
    st->ctx = ctx;
    atomic_init(&st->rc, 0);
    atomic_init(&st->phase, WQ__PH_UNIQ);
    return pthread_mutex_init(&st->mu, NULL);
}

void wq__stop_destroy(wq__stop *st) {
    pthread_mutex_destroy(&st->mu);
}

/* Calls fn under mu unless stopped; records its stop value. */
static int stop_call(wq__stop *st, const wq_hit *hits, size_t n) {
    int rc = atomic_load_explicit(&st->rc, memory_order_relaxed);
    if (rc == 0) {
        if (n == 0)
            wq__poll_phase = atomic_load_explicit(&st->phase, memory_order_relaxed);
        rc = st->fn(st->ctx, hits, n);
        wq__poll_phase = 0;
        if (rc != 0)
            atomic_store_explicit(&st->rc, rc, memory_order_relaxed);
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int wq__stop_poll(wq__stop *st) {
    if (st->fn == NULL)
        return 0;
    if (pthread_mutex_trylock(&st->mu) != 0) /* a call under way reports */
        return wq__stopped(st);
    return stop_call(st, NULL, 0);
}

int wq__stop_deliver(wq__stop *st, const wq_hit *hits, size_t n) {
    if (st->fn == NULL)
        return 0;
    if (pthread_mutex_lock(&st->mu) != 0)
        return wq__stopped(st);
    return stop_call(st, hits, n);
}

static void set_phase(wq__stop *st, wq__phase ph) {
    atomic_store_explicit(&st->phase, (int)ph, memory_order_relaxed);
}

typedef enum mode { M_PAIRS, M_QUERY, M_CLUSTER, M_LINKS } mode;

/* A neighbour list: v[e] within d[e] of its owner. */
typedef struct nbl {
    uint32_t *v;
    uint32_t *d;
    uint32_t n;
} nbl;

typedef struct search {
    mode mode;
    const wq__uniq *q; /* the indexed set */
    const wq__sidx *x;
    size_t k;
    const wq_seq *probes; /* M_QUERY: the queries */
    size_t nprobes;
    nbl *nb;               /* M_PAIRS: per unique, for duplicated ones; NULL if none */
    const wq__win *win;    /* the probe window's lookups by region, or NULL */
    const size_t *pmap;    /* the window's probes: probe pmap[pi] is its pi-th */
    wq_search_share share; /* the probes' chunks searched (nshares 1: all) */
    wq__stop *st;          /* the caller's callback and the stop */
    /* Touched only by the serialized result callback. */
    int err;      /* the first kernel or engine error */
    wq_job *job;  /* set before any callback runs */
    uint32_t *uf; /* M_CLUSTER: union-find parents over uniques */
} search;

/* ------------------------------------------------------- per-block work -- */

/* A block's candidates: probe p's are cand[cstart[p] .. cstart[p + 1]),
 * compared as pairs[] and verified into dist[] in one batch for the whole
 * block, so the kernel's four-pair lanes stay full. */
typedef struct scratch {
    wq__u32v cand;
    size_t cstart[BLOCK + 1];
    wq_pair *pairs;
    size_t *dist;
    size_t pcap;
    wq_hit *hits;
    size_t nhits, hcap;
} scratch;

static void scratch_free(scratch *s) {
    free(s->cand.v);
    free(s->pairs);
    free(s->dist);
    free(s->hits);
}

static int hit_push(scratch *s, size_t i, size_t j, size_t d) {
    if (s->nhits == s->hcap) {
        size_t cap = s->hcap ? s->hcap * 2 : 64;
        wq_hit *h = realloc(s->hits, cap * sizeof *h);
        if (h == NULL)
            return ENOMEM;
        s->hits = h;
        s->hcap = cap;
    }
    s->hits[s->nhits++] = (wq_hit){i, j, d};
    return 0;
}

/* Appends r's candidates to s->cand, and their pairs with r; pi is r's
 * place in S's window (when S has one). */
static int gather(const search *S, const wq_seq *r, const wq__keep *kp, size_t pi, scratch *s) {
    size_t from = s->cand.n;
    const unsigned char *b = (const unsigned char *)r->ptr;
    int rc = S->win != NULL ? wq__win_probe(S->x, S->win, pi, b, r->len, kp, &s->cand)
                            : wq__sidx_probe(S->x, b, r->len, kp, &s->cand);
    if (rc == 0) /* a probe hashes about (k + 1)^2 substrings */
        rc = wq__tick(S->st, (s->cand.n - from) * 4 + (S->k + 1) * (S->k + 1) * (r->len + 64));
    if (rc != 0)
        return rc;
    size_t n = s->cand.n;
    if (n > s->pcap) {
        size_t cap = s->pcap ? s->pcap : 256;
        while (cap < n)
            cap *= 2;
        wq_pair *p = realloc(s->pairs, cap * sizeof *p);
        if (p != NULL)
            s->pairs = p;
        size_t *d = realloc(s->dist, cap * sizeof *d);
        if (d != NULL)
            s->dist = d;
        if (p == NULL || d == NULL)
            return ENOMEM;
        s->pcap = cap;
    }
    /* The candidates' bytes lie at random in the input: each one's first
     * and last line are asked for here, so that their misses overlap
     * (verification reads the pairs one after the other, too far apart for
     * the processor to overlap them; loaded, 4M 30-mers at K=2: its CPU
     * 1.60 -> 0.81 s and 0.86 -> 0.51 s, alternating). */
    for (size_t c = from; c < n; c++) {
        const wq_seq *t = &S->x->rep[s->cand.v[c]];
        s->pairs[c] = (wq_pair){r->ptr, t->ptr, r->len, t->len};
        if (t->len > 0) {
            __builtin_prefetch(t->ptr);
            __builtin_prefetch(t->ptr + t->len - 1);
        }
    }
    return 0;
}

/* Verifies the pairs [from, s->cand.n) in batches of bounded work (the
 * DP words of a pair without its cutoff's savings), ticking between. */
static int verify(const search *S, scratch *s, size_t from) {
    enum { MIN_BATCH = 64 }; /* keeps the kernel's lanes full */
    int rc = 0;
    for (size_t a = from, b; rc == 0 && a < s->cand.n; a = b) {
        size_t work = 0;
        for (b = a; b < s->cand.n && (work < WQ__TICK || b - a < MIN_BATCH); b++)
            work += (s->pairs[b].alen / 64 + 1) * s->pairs[b].blen + 16;
        rc = wq__levenshtein_batch(s->pairs + a, s->dist + a, b - a, S->k, NULL);
        if (rc == 0)
            rc = wq__tick(S->st, work);
    }
    return rc;
}

/* Hits (i, j, d) for the members j of unique v: all of them when all is
 * set, else those j > after. */
static int expand(const search *S, scratch *s, size_t i, uint32_t v, size_t d, size_t after,
                  int all) {
    const uint32_t *m = S->q->members + S->q->mstart[v], *end = S->q->members + S->q->mstart[v + 1];
    if (!all) { /* members ascend: skip those <= after */
        size_t lo = 0, hi = (size_t)(end - m);
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (m[mid] <= after)
                lo = mid + 1;
            else
                hi = mid;
        }
        m += lo;
    }
    for (; m < end; m++)
        if (hit_push(s, i, *m, d) != 0)
            return ENOMEM;
    return 0;
}

static int cmp_hit_j(const void *a, const void *b) {
    size_t x = ((const wq_hit *)a)->j, y = ((const wq_hit *)b)->j;
    return (x > y) - (x < y);
}

static void sort_hits(wq_hit *h, size_t n) {
    if (n <= 16) {
        for (size_t a = 1; a < n; a++) {
            wq_hit t = h[a];
            size_t b = a;
            for (; b > 0 && h[b - 1].j > t.j; b--)
                h[b] = h[b - 1];
            h[b] = t;
        }
    } else {
        qsort(h, n, sizeof *h, cmp_hit_j);
    }
}

static int is_dup(const search *S, uint32_t u) {
    return S->nb != NULL && S->q->mstart[u + 1] - S->q->mstart[u] > 1;
}

/* What probe p looks for: sets *r and *kp; 0 when it does not probe. All
 * pairs: input p, keeping the v with a member after p (v > u always; v < u
 * only if duplicated), except for duplicated uniques, whose lists phase A
 * made. Query: query p, every target. Clusters: unique p, the v > p (each
 * edge once). Links: first occurrences, the v > u. */
static int probe_what(const search *S, size_t p, const wq_seq **r, wq__keep *kp) {
    if (S->mode == M_QUERY) {
        *kp = (wq__keep){UINT32_MAX, 0, NULL, 0, NULL};
        *r = &S->probes[p];
        return 1;
    }
    if (S->mode == M_CLUSTER) {
        *kp = (wq__keep){(uint32_t)p, (uint32_t)p + 1, NULL, 0, NULL};
        *r = wq__uniq_seq(S->q, (uint32_t)p);
        return 1;
    }
    uint32_t u = S->q->of[p];
    if (S->mode == M_LINKS) {
        *kp = (wq__keep){u, u + 1, NULL, 0, NULL};
        *r = wq__uniq_seq(S->q, u);
        return S->q->first[u] == p;
    }
    /* v < u has a member after p only if it has two (its first is < p) */
    *kp = (wq__keep){u, u + 1, S->nb != NULL ? S->q->last : NULL, (uint32_t)p, S->q->multi};
    *r = &S->q->seqs[p];
    return !is_dup(S, u);
}

/* Stage 1 for probe p, the pi-th of S's window: its candidates. */
static int probe_gather(const search *S, scratch *s, size_t p, size_t pi) {
    const wq_seq *r;
    wq__keep kp;
    return probe_what(S, p, &r, &kp) ? gather(S, r, &kp, pi, s) : 0;
}

/* The window's probe pi for wq__win_build. */
static int window_probe(const void *ctx, size_t pi, const unsigned char **r, size_t *m,
                        wq__keep *kp) {
    const search *S = ctx;
    const wq_seq *q;
    if (!probe_what(S, S->pmap[pi], &q, kp))
        return 0;
    *r = (const unsigned char *)q->ptr;
    *m = q->len;
    return 1;
}

/* Stage 3 for probe p: its hits, from the verified candidates c0..c1. */
static int probe_hits(const search *S, scratch *s, size_t p, size_t c0, size_t c1) {
    size_t from = s->nhits;
    int rc = 0;
    if (S->mode == M_LINKS) { /* a repeat links to its first occurrence */
        uint32_t u = S->q->of[p];
        if (S->q->first[u] != p)
            return hit_push(s, S->q->first[u], p, 0);
        for (size_t c = c0; rc == 0 && c < c1; c++)
            if (s->dist[c] <= S->k)
                rc = hit_push(s, p, S->q->first[s->cand.v[c]], s->dist[c]);
    } else if (S->mode == M_PAIRS && is_dup(S, S->q->of[p])) {
        const nbl *l = &S->nb[S->q->of[p]];
        rc = expand(S, s, p, S->q->of[p], 0, p, 0);
        for (uint32_t e = 0; rc == 0 && e < l->n; e++)
            rc = expand(S, s, p, l->v[e], l->d[e], p, 0);
    } else {
        for (size_t c = c0; rc == 0 && c < c1; c++) {
            if (s->dist[c] > S->k)
                continue;
            rc = S->mode == M_CLUSTER
                     ? hit_push(s, p, s->cand.v[c], s->dist[c])
                     : expand(S, s, p, s->cand.v[c], s->dist[c], p, S->mode == M_QUERY);
        }
    }
    if (rc == 0 && S->mode != M_CLUSTER)
        sort_hits(s->hits + from, s->nhits - from);
    return rc;
}

/* The probes [a, b) (b - a <= BLOCK): gather, verify, expand, a run of
 * probes at a time, a run ending once it holds CAND_CAP candidates (so a
 * block whose classes are compared whole holds one probe's at a time). */
enum { CAND_CAP = 1 << 16 };

static int run_block(const search *S, scratch *s, size_t a, size_t b, size_t pi0) {
    int rc = wq__stopped(S->st); /* items after a stop end here */
    for (size_t p0 = a, p1; rc == 0 && p0 < b; p0 = p1) {
        s->cand.n = 0;
        for (p1 = p0; rc == 0 && p1 < b && s->cand.n < CAND_CAP; p1++) {
            s->cstart[p1 - a] = s->cand.n;
            rc = probe_gather(S, s, p1, pi0 + (p1 - a));
        }
        s->cstart[p1 - a] = s->cand.n;
        if (rc == 0)
            rc = verify(S, s, 0);
        for (size_t p = p0; rc == 0 && p < p1; p++)
            rc = probe_hits(S, s, p, s->cstart[p - a], s->cstart[p - a + 1]);
    }
    return rc;
}

/* ------------------------------------------------------ engine plumbing -- */

typedef struct block {
    size_t a, b;
    size_t pi0; /* the place of probe a in its window */
} block;

typedef struct block_out {
    wq_hit *hits;
    size_t n;
} block_out;

static int block_fn(const void *in, void *out, void *ctx) {
    const search *S = ctx;
    const block *bl = in;
    block_out *o = out;
    scratch s;
    memset(&s, 0, sizeof s);
    int rc = run_block(S, &s, bl->a, bl->b, bl->pi0);
    o->hits = s.hits;
    o->n = s.nhits;
    s.hits = NULL;
    scratch_free(&s);
    if (rc != 0) {
        free(o->hits);
        o->hits = NULL;
    }
    return rc;
}

static const wq_kernel block_kernel = {"wq-search-block", block_fn,          NULL,
                                       sizeof(block),     sizeof(block_out), NULL};

static uint32_t uf_find(uint32_t *p, uint32_t x) {
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

/* The serialized result callback: each block's hits to the caller (or
 * into the union-find), in order, until a stop or an error. */
static void on_block(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    search *S = cb_ctx;
    const block_out *o = out;
    (void)index;
    (void)in;
    int stopped = wq__stopped(S->st);
    if (status == 0) {
        if (stopped == 0 && S->err == 0) {
            if (S->mode == M_CLUSTER) {
                for (size_t h = 0; h < o->n; h++) {
                    uint32_t a = uf_find(S->uf, (uint32_t)o->hits[h].i);
                    uint32_t b = uf_find(S->uf, (uint32_t)o->hits[h].j);
                    S->uf[a > b ? a : b] = a < b ? a : b; /* the smaller id is the root */
                }
                stopped = wq__tick(S->st, o->n * 16);
            } else {
                stopped = wq__stop_deliver(S->st, o->hits, o->n);
            }
        }
        free(o->hits);
    } else if (status != ECANCELED && stopped == 0 && S->err == 0) {
        S->err = status;
    }
    if (stopped != 0 || S->err != 0)
        wq_job_cancel(S->job);
}

/* The blocks of the probes [0, n) in S's share: each owned chunk cut into
 * blocks of BLOCK probes at most. Sets *nb; NULL when out of memory. */
static block *share_blocks(const search *S, size_t n, size_t *nb) {
    const wq_search_share *sh = &S->share;
    size_t cs = sh->nshares > 1 ? sh->chunk : n, count = 0;
    block *blocks = NULL;
    for (int pass = 0; pass < 2; pass++) {
        count = 0;
        for (size_t c0 = cs * sh->share; cs > 0 && c0 < n; c0 += cs * sh->nshares) {
            size_t c1 = n - c0 > cs ? c0 + cs : n;
            for (size_t a = c0; a < c1; a += BLOCK, count++)
                if (blocks != NULL)
                    blocks[count] = (block){a, c1 - a > BLOCK ? a + BLOCK : c1, 0};
        }
        if (pass == 0 && (blocks = malloc((count ? count : 1) * sizeof *blocks)) == NULL)
            return NULL;
    }
    *nb = count;
    return blocks;
}

/* Runs blocks[0..nb) on pool, results in order. */
static int run_job(wq_pool *pool, search *S, const block *blocks, size_t nb) {
    wq_async_spec spec = {.kernel = &block_kernel,
                          .kernel_ctx = S,
                          .in = blocks,
                          .n = nb,
                          .on_result = on_block,
                          .cb_ctx = S,
                          .order = WQ_ORDER_INPUT,
                          .chunk_size = 1};
    int rc = wq_async_map(pool, &spec, &S->job);
    if (rc == 0) {
        rc = wq_job_wait(S->job);
        wq_job_free(S->job);
    }
    if (wq__stopped(S->st) != 0)
        return wq__stopped(S->st);
    if (S->err != 0)
        return S->err;
    return rc;
}

/* Probes per window: wq__search_tune's, else an eighth of the probes, at
 * least 65,536: a window's keys (about 19 per 30-mer at K=2) then come to
 * more than one per cache line of its tables, whatever N, while its
 * records (24 bytes a key) stay an eighth of the whole. A quarter held
 * 130 MB more at 2M, with CPU times within one loaded run's noise. */
static size_t window_size(size_t n) {
    size_t w = wq__search_tune.window;
    if (w == 0)
        w = n / 8 > 65536 ? n / 8 : 65536;
    return w;
}

/* The blocks [b0, b1) as one window: their probes' lookups by region
 * (wq__win_build), then the blocks themselves. */
static int run_window(wq_pool *pool, search *S, wq__win *win, block *blocks, size_t b0, size_t b1) {
    size_t np = 0;
    for (size_t b = b0; b < b1; b++) {
        blocks[b].pi0 = np;
        np += blocks[b].b - blocks[b].a;
    }
    size_t *pmap = malloc((np ? np : 1) * sizeof *pmap);
    if (pmap == NULL)
        return ENOMEM;
    for (size_t b = b0; b < b1; b++)
        for (size_t p = blocks[b].a; p < blocks[b].b; p++)
            pmap[blocks[b].pi0 + p - blocks[b].a] = p;
    S->pmap = pmap;
    int rc = wq__win_build(pool, S->x, win, np, window_probe, S);
    free(pmap);
    S->pmap = NULL;
    if (rc == 0) {
        S->win = win;
        rc = run_job(pool, S, blocks + b0, b1 - b0);
        S->win = NULL;
    }
    return rc;
}

/* Runs the probes [0, n) of S's share in blocks on pool, results in
 * order: in windows of probes when the index has tables too large for the
 * cache, else in one job. */
static int run_blocks(wq_pool *pool, search *S, size_t n) {
    size_t nb;
    block *blocks = share_blocks(S, n, &nb);
    if (blocks == NULL)
        return ENOMEM;
    int rc = 0;
    if (!wq__sidx_regional(S->x)) {
        rc = nb > 0 ? run_job(pool, S, blocks, nb) : 0;
        free(blocks);
        return rc;
    }
    wq__win win;
    memset(&win, 0, sizeof win); /* its memory serves every window */
    for (size_t b0 = 0, b1; rc == 0 && b0 < nb; b0 = b1) {
        size_t np = 0, w = window_size(n);
        for (b1 = b0; b1 < nb && (b1 == b0 || np + blocks[b1].b - blocks[b1].a <= w); b1++)
            np += blocks[b1].b - blocks[b1].a;
        rc = run_window(pool, S, &win, blocks, b0, b1);
    }
    wq__win_free(&win);
    free(blocks);
    return rc;
}

/* ------------------------------------------- phase A: duplicated uniques -- */

static int dup_fn(const void *in, void *out, void *ctx) {
    const search *S = ctx;
    uint32_t u = *(const uint32_t *)in;
    nbl *o = out;
    scratch s;
    memset(&s, 0, sizeof s);
    wq__keep kp = {u, u + 1, S->q->last, S->q->first[u], S->q->multi};
    int rc = wq__stopped(S->st); /* items after a stop end here */
    if (rc == 0)
        rc = gather(S, wq__uniq_seq(S->q, u), &kp, 0, &s);
    if (rc == 0)
        rc = verify(S, &s, 0);
    wq__u32v v = {0}, d = {0};
    for (size_t c = 0; rc == 0 && c < s.cand.n; c++)
        if (s.dist[c] <= S->k &&
            (wq__u32v_push(&v, s.cand.v[c]) != 0 || wq__u32v_push(&d, (uint32_t)s.dist[c]) != 0))
            rc = ENOMEM;
    scratch_free(&s);
    if (rc != 0) {
        free(v.v);
        free(d.v);
        v.v = d.v = NULL;
        v.n = 0;
    }
    *o = (nbl){v.v, d.v, (uint32_t)v.n};
    return rc;
}

static const wq_kernel dup_kernel = {"wq-search-dups", dup_fn,      NULL,
                                     sizeof(uint32_t), sizeof(nbl), NULL};

static void nb_free(nbl *nb, uint32_t nu) {
    if (nb == NULL)
        return;
    for (uint32_t u = 0; u < nu; u++) {
        free(nb[u].v);
        free(nb[u].d);
    }
    free(nb);
}

/* Whether input i is probed by S's share. */
static int in_share(const search *S, size_t i) {
    const wq_search_share *sh = &S->share;
    return sh->nshares <= 1 || (i / sh->chunk) % sh->nshares == sh->share;
}

/* Whether u has more than one member, one of them probed by S's share. */
static int dup_needed(const search *S, uint32_t u) {
    const wq__uniq *q = S->q;
    if (q->mstart[u + 1] - q->mstart[u] < 2)
        return 0;
    for (uint32_t m = q->mstart[u]; m < q->mstart[u + 1]; m++)
        if (in_share(S, q->members[m]))
            return 1;
    return 0;
}

/* S->nb for the uniques with more than one member that the share probes
 * (none: stays NULL). */
static int dup_lists(wq_pool *pool, search *S) {
    const wq__uniq *q = S->q;
    if (q->nu == q->n)
        return 0;
    size_t nd = 0;
    for (uint32_t u = 0; u < q->nu; u++)
        nd += dup_needed(S, u);
    uint32_t *ids = malloc((nd ? nd : 1) * sizeof *ids);
    nbl *lists = calloc(nd ? nd : 1, sizeof *lists); /* items never run stay empty */
    S->nb = calloc(q->nu, sizeof *S->nb);
    int rc = ids && lists && S->nb ? 0 : ENOMEM;
    if (rc == 0) {
        nd = 0;
        for (uint32_t u = 0; u < q->nu; u++)
            if (dup_needed(S, u))
                ids[nd++] = u;
        rc = wq_map(pool, &dup_kernel, S, ids, lists, nd, NULL);
    }
    for (size_t e = 0; lists != NULL && ids != NULL && S->nb != NULL && e < nd; e++)
        S->nb[ids[e]] = lists[e]; /* on failure too: nb_free frees them */
    free(ids);
    free(lists);
    return rc;
}

/* -------------------------------------------------------- the public API -- */

static size_t cap_k(size_t k, size_t maxlen) {
    return k < maxlen ? k : maxlen; /* no distance exceeds the longer length */
}

/* The search's start: the duplicate table and the index, in S->q, S->x
 * (both freed on failure). */
static int begin(wq_pool *pool, search *S, wq__uniq *q, wq__sidx *x, const wq_seq *seqs, size_t n,
                 size_t maxlen, size_t max_distance) {
    set_phase(S->st, WQ__PH_UNIQ);
    int rc = wq__uniq_build(pool, q, seqs, n, S->st);
    if (rc != 0)
        return rc;
    if (q->maxlen > maxlen)
        maxlen = q->maxlen;
    S->k = cap_k(max_distance, maxlen);
    S->q = q;
    S->x = x;
    set_phase(S->st, WQ__PH_BUILD);
    rc = wq__sidx_build(pool, x, q, S->k, S->st);
    if (rc != 0)
        wq__uniq_free(q);
    return rc;
}

static void end(search *S, wq__uniq *q, wq__sidx *x) {
    nb_free(S->nb, q->nu);
    wq__sidx_free(x);
    wq__uniq_free(q);
}

/* The stop value, if any, over an error of the unwinding. */
static int outcome(wq__stop *st, int rc) {
    int stop = wq__stopped(st);
    wq__stop_destroy(st);
    return stop != 0 ? stop : rc;
}

static const wq_search_share whole = {1, 1, 0};

static int share_ok(const wq_search_share *sh) {
    return sh != NULL && sh->nshares > 0 && sh->share < sh->nshares &&
           (sh->nshares == 1 || sh->chunk > 0);
}

int wq_search_pairs(wq_pool *pool, const wq_seq *seqs, size_t n, size_t max_distance,
                    wq_hits_fn on_hits, void *ctx) {
    return wq_search_pairs_share(pool, seqs, n, max_distance, &whole, on_hits, ctx);
}

int wq_search_query(wq_pool *pool, const wq_seq *queries, size_t nq, const wq_seq *targets,
                    size_t nt, size_t max_distance, wq_hits_fn on_hits, void *ctx) {
    return wq_search_query_share(pool, queries, nq, targets, nt, max_distance, &whole, on_hits,
                                 ctx);
}

int wq_search_pairs_share(wq_pool *pool, const wq_seq *seqs, size_t n, size_t max_distance,
                          const wq_search_share *share, wq_hits_fn on_hits, void *ctx) {
    if (pool == NULL || on_hits == NULL || (seqs == NULL && n > 0) || !share_ok(share))
        return EINVAL;
    wq__stop st;
    int rc = wq__stop_init(&st, on_hits, ctx);
    if (rc != 0)
        return rc;
    wq__uniq q;
    wq__sidx x;
    search S = {.mode = M_PAIRS, .st = &st, .share = *share};
    rc = begin(pool, &S, &q, &x, seqs, n, 0, max_distance);
    if (rc == 0) {
        set_phase(&st, WQ__PH_DUPS);
        rc = dup_lists(pool, &S);
        set_phase(&st, WQ__PH_PROBE);
        if (rc == 0)
            rc = run_blocks(pool, &S, n);
        end(&S, &q, &x);
    }
    return outcome(&st, rc);
}

int wq_search_query_share(wq_pool *pool, const wq_seq *queries, size_t nq, const wq_seq *targets,
                          size_t nt, size_t max_distance, const wq_search_share *share,
                          wq_hits_fn on_hits, void *ctx) {
    if (pool == NULL || on_hits == NULL || (queries == NULL && nq > 0) ||
        (targets == NULL && nt > 0) || !share_ok(share))
        return EINVAL;
    wq__stop st;
    int rc = wq__stop_init(&st, on_hits, ctx);
    if (rc != 0)
        return rc;
    size_t maxlen = 0;
    for (size_t i = 0; i < nq; i++)
        maxlen = queries[i].len > maxlen ? queries[i].len : maxlen;
    wq__uniq q;
    wq__sidx x;
    search S = {.mode = M_QUERY, .st = &st, .probes = queries, .nprobes = nq, .share = *share};
    rc = begin(pool, &S, &q, &x, targets, nt, maxlen, max_distance);
    if (rc == 0) {
        set_phase(&st, WQ__PH_PROBE);
        rc = run_blocks(pool, &S, nq);
        end(&S, &q, &x);
    }
    return outcome(&st, rc);
}

/* label[i] for every input: the root is the smallest unique of the
 * component, and uniques are in first-occurrence order, so its first
 * member is the component's smallest index. */
static int write_labels(const search *S, size_t *label) {
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < S->q->n; i++) {
        label[i] = S->q->first[uf_find(S->uf, S->q->of[i])];
        if (i % 1024 == 0) /* a cache miss each, about */
            rc = wq__tick(S->st, 1024 * 64);
    }
    return rc;
}

int wq_search_clusters(wq_pool *pool, const wq_seq *seqs, size_t n, size_t max_distance,
                       size_t *label, wq_hits_fn on_poll, void *ctx) {
    if (pool == NULL || (n > 0 && (seqs == NULL || label == NULL)))
        return EINVAL;
    wq__stop st;
    int rc = wq__stop_init(&st, on_poll, ctx);
    if (rc != 0)
        return rc;
    wq__uniq q;
    wq__sidx x;
    search S = {.mode = M_CLUSTER, .st = &st, .share = whole};
    rc = begin(pool, &S, &q, &x, seqs, n, 0, max_distance);
    if (rc == 0) {
        S.uf = malloc((q.nu ? q.nu : 1) * sizeof *S.uf);
        rc = S.uf == NULL ? ENOMEM : 0;
        for (uint32_t u = 0; rc == 0 && u < q.nu; u++)
            S.uf[u] = u;
        set_phase(&st, WQ__PH_PROBE);
        if (rc == 0)
            rc = run_blocks(pool, &S, q.nu);
        set_phase(&st, WQ__PH_LABELS);
        if (rc == 0)
            rc = write_labels(&S, label);
        free(S.uf);
        end(&S, &q, &x);
    }
    return outcome(&st, rc);
}

int wq_search_links(wq_pool *pool, const wq_seq *seqs, size_t n, size_t max_distance,
                    const wq_search_share *share, wq_hits_fn on_hits, void *ctx) {
    if (pool == NULL || on_hits == NULL || (seqs == NULL && n > 0) || !share_ok(share))
        return EINVAL;
    wq__stop st;
    int rc = wq__stop_init(&st, on_hits, ctx);
    if (rc != 0)
        return rc;
    wq__uniq q;
    wq__sidx x;
    search S = {.mode = M_LINKS, .st = &st, .share = *share};
    rc = begin(pool, &S, &q, &x, seqs, n, 0, max_distance);
    if (rc == 0) {
        set_phase(&st, WQ__PH_PROBE);
        rc = run_blocks(pool, &S, n);
        end(&S, &q, &x);
    }
    return outcome(&st, rc);
}
