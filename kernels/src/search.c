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

typedef enum mode { M_PAIRS, M_QUERY, M_CLUSTER } mode;

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
    nbl *nb; /* M_PAIRS: per unique, for duplicated ones; NULL if none */
    wq_hits_fn fn;
    void *ctx;
    /* Touched only by the serialized result callback. */
    int stop_rc;  /* the callback's stop value */
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

/* Appends r's candidates to s->cand, and their pairs with r. */
static int gather(const search *S, const wq_seq *r, const wq__keep *kp, scratch *s) {
    size_t from = s->cand.n;
    int rc = wq__sidx_probe(S->x, (const unsigned char *)r->ptr, r->len, kp, &s->cand);
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
    for (size_t c = from; c < n; c++) {
        const wq_seq *t = &S->x->rep[s->cand.v[c]];
        s->pairs[c] = (wq_pair){r->ptr, t->ptr, r->len, t->len};
    }
    return 0;
}

static int verify(const search *S, scratch *s) {
    return wq__levenshtein_batch(s->pairs, s->dist, s->cand.n, S->k, NULL);
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

/* Stage 1 for probe p: its candidates. All pairs: input p, keeping the v
 * with a member after p (v > u always; v < u only if duplicated), except
 * for duplicated uniques, whose lists phase A made. Query: query p, every
 * target. Clusters: unique p, the v > p (each edge once). */
static int probe_gather(const search *S, scratch *s, size_t p) {
    if (S->mode == M_QUERY) {
        wq__keep kp = {UINT32_MAX, 0, NULL, 0};
        return gather(S, &S->probes[p], &kp, s);
    }
    if (S->mode == M_CLUSTER) {
        wq__keep kp = {(uint32_t)p, (uint32_t)p + 1, NULL, 0};
        return gather(S, wq__uniq_seq(S->q, (uint32_t)p), &kp, s);
    }
    uint32_t u = S->q->of[p];
    if (is_dup(S, u))
        return 0;
    wq__keep kp = {u, u + 1, S->nb != NULL ? S->q->last : NULL, (uint32_t)p};
    return gather(S, &S->q->seqs[p], &kp, s);
}

/* Stage 3 for probe p: its hits, from the verified candidates c0..c1. */
static int probe_hits(const search *S, scratch *s, size_t p, size_t c0, size_t c1) {
    size_t from = s->nhits;
    int rc = 0;
    if (S->mode == M_PAIRS && is_dup(S, S->q->of[p])) {
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

/* The probes [a, b) (b - a <= BLOCK): gather, verify, expand. */
static int run_block(const search *S, scratch *s, size_t a, size_t b) {
    int rc = 0;
    for (size_t p = a; rc == 0 && p < b; p++) {
        s->cstart[p - a] = s->cand.n;
        rc = probe_gather(S, s, p);
    }
    s->cstart[b - a] = s->cand.n;
    if (rc == 0)
        rc = verify(S, s);
    for (size_t p = a; rc == 0 && p < b; p++)
        rc = probe_hits(S, s, p, s->cstart[p - a], s->cstart[p - a + 1]);
    return rc;
}

/* ------------------------------------------------------ engine plumbing -- */

typedef struct block {
    size_t a, b;
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
    int rc = run_block(S, &s, bl->a, bl->b);
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

static void on_block(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    search *S = cb_ctx;
    const block_out *o = out;
    (void)index;
    (void)in;
    if (status == 0) {
        if (S->stop_rc == 0 && S->err == 0) {
            if (S->mode == M_CLUSTER) {
                for (size_t h = 0; h < o->n; h++) {
                    uint32_t a = uf_find(S->uf, (uint32_t)o->hits[h].i);
                    uint32_t b = uf_find(S->uf, (uint32_t)o->hits[h].j);
                    S->uf[a > b ? a : b] = a < b ? a : b; /* the smaller id is the root */
                }
            } else {
                S->stop_rc = S->fn(S->ctx, o->hits, o->n);
            }
            if (S->stop_rc != 0)
                wq_job_cancel(S->job);
        }
        free(o->hits);
    } else if (status != ECANCELED && S->err == 0) {
        S->err = status;
        wq_job_cancel(S->job);
    }
}

/* Runs the probes [0, n) of S in blocks on pool, results in order. */
static int run_blocks(wq_pool *pool, search *S, size_t n) {
    size_t nb = (n + BLOCK - 1) / BLOCK;
    if (nb == 0)
        return 0;
    block *blocks = malloc(nb * sizeof *blocks);
    if (blocks == NULL)
        return ENOMEM;
    for (size_t b = 0; b < nb; b++)
        blocks[b] = (block){b * BLOCK, b * BLOCK + BLOCK < n ? b * BLOCK + BLOCK : n};
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
    free(blocks);
    if (S->err != 0)
        return S->err;
    if (S->stop_rc != 0)
        return S->stop_rc;
    return rc;
}

/* ------------------------------------------- phase A: duplicated uniques -- */

static int dup_fn(const void *in, void *out, void *ctx) {
    const search *S = ctx;
    uint32_t u = *(const uint32_t *)in;
    nbl *o = out;
    scratch s;
    memset(&s, 0, sizeof s);
    wq__keep kp = {u, u + 1, S->q->last, S->q->first[u]};
    int rc = gather(S, wq__uniq_seq(S->q, u), &kp, &s);
    if (rc == 0)
        rc = verify(S, &s);
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

/* S->nb for the uniques with more than one member (none: stays NULL). */
static int dup_lists(wq_pool *pool, search *S) {
    const wq__uniq *q = S->q;
    if (q->nu == q->n)
        return 0;
    size_t nd = 0;
    for (uint32_t u = 0; u < q->nu; u++)
        nd += q->mstart[u + 1] - q->mstart[u] > 1;
    uint32_t *ids = malloc(nd * sizeof *ids);
    nbl *lists = calloc(nd, sizeof *lists); /* items never run stay empty */
    S->nb = calloc(q->nu, sizeof *S->nb);
    int rc = ids && lists && S->nb ? 0 : ENOMEM;
    if (rc == 0) {
        nd = 0;
        for (uint32_t u = 0; u < q->nu; u++)
            if (q->mstart[u + 1] - q->mstart[u] > 1)
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

int wq_search_pairs(wq_pool *pool, const wq_seq *seqs, size_t n, size_t max_distance,
                    wq_hits_fn on_hits, void *ctx) {
    if (pool == NULL || on_hits == NULL || (seqs == NULL && n > 0))
        return EINVAL;
    wq__uniq q;
    wq__sidx x;
    int rc = wq__uniq_build(&q, seqs, n);
    if (rc != 0)
        return rc;
    size_t k = cap_k(max_distance, q.maxlen);
    rc = wq__sidx_build(pool, &x, &q, k);
    if (rc == 0) {
        search S = {.mode = M_PAIRS, .q = &q, .x = &x, .k = k, .fn = on_hits, .ctx = ctx};
        rc = dup_lists(pool, &S);
        if (rc == 0)
            rc = run_blocks(pool, &S, n);
        nb_free(S.nb, q.nu);
        wq__sidx_free(&x);
    }
    wq__uniq_free(&q);
    return rc;
}

int wq_search_query(wq_pool *pool, const wq_seq *queries, size_t nq, const wq_seq *targets,
                    size_t nt, size_t max_distance, wq_hits_fn on_hits, void *ctx) {
    if (pool == NULL || on_hits == NULL || (queries == NULL && nq > 0) ||
        (targets == NULL && nt > 0))
        return EINVAL;
    wq__uniq q;
    wq__sidx x;
    int rc = wq__uniq_build(&q, targets, nt);
    if (rc != 0)
        return rc;
    size_t maxlen = q.maxlen;
    for (size_t i = 0; i < nq; i++)
        maxlen = queries[i].len > maxlen ? queries[i].len : maxlen;
    size_t k = cap_k(max_distance, maxlen);
    rc = wq__sidx_build(pool, &x, &q, k);
    if (rc == 0) {
        search S = {.mode = M_QUERY,
                    .q = &q,
                    .x = &x,
                    .k = k,
                    .probes = queries,
                    .nprobes = nq,
                    .fn = on_hits,
                    .ctx = ctx};
        rc = run_blocks(pool, &S, nq);
        wq__sidx_free(&x);
    }
    wq__uniq_free(&q);
    return rc;
}

int wq_search_clusters(wq_pool *pool, const wq_seq *seqs, size_t n, size_t max_distance,
                       size_t *label) {
    if (pool == NULL || (n > 0 && (seqs == NULL || label == NULL)))
        return EINVAL;
    wq__uniq q;
    wq__sidx x;
    int rc = wq__uniq_build(&q, seqs, n);
    if (rc != 0)
        return rc;
    size_t k = cap_k(max_distance, q.maxlen);
    uint32_t *uf = malloc((q.nu ? q.nu : 1) * sizeof *uf);
    rc = uf == NULL ? ENOMEM : wq__sidx_build(pool, &x, &q, k);
    if (rc == 0) {
        for (uint32_t u = 0; u < q.nu; u++)
            uf[u] = u;
        search S = {.mode = M_CLUSTER, .q = &q, .x = &x, .k = k, .uf = uf};
        rc = run_blocks(pool, &S, q.nu);
        wq__sidx_free(&x);
    }
    /* The root is the smallest unique of the component, and uniques are in
     * first-occurrence order: its first member is the component's smallest
     * index. */
    for (size_t i = 0; rc == 0 && i < n; i++)
        label[i] = q.first[uf_find(uf, q.of[i])];
    free(uf);
    wq__uniq_free(&q);
    return rc;
}
