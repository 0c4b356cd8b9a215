/*
 * cross.c: --query outside global mode, pair by pair (see cross.h).
 *
 * Guarantees: the hits of one share in (i, j) order, each exactly once;
 * memory bounded by one block of targets (BLOCK distances and hits),
 * whatever nq and nt; every distance is wq_align_distance's, the one the
 * pair lines print in the same mode.
 */
#include "cross.h"

#include <errno.h>
#include <stdlib.h>

/* Targets per block: large enough to keep both workers busy on short
 * sequences, small enough that a stop is seen soon on long ones. */
#define BLOCK 2048

typedef struct cross {
    const wq_seq *q, *t;
    size_t i, j0; /* the query, the block's first target */
    wq_align_mode mode;
    size_t *dist; /* dist[j - j0] */
} cross;

static int one(void *ctx, size_t x) {
    cross *c = ctx;
    const wq_seq *a = &c->q[c->i], *b = &c->t[c->j0 + x];
    size_t d = wq_align_distance(a->ptr, a->len, b->ptr, b->len, c->mode);
    if (d == WQ_LEV_NO_LIMIT)
        return errno != 0 ? errno : ENOMEM;
    c->dist[x] = d;
    return 0;
}

/* Query i against every target, a block at a time. */
static int query(wq_pool *pool, cross *c, size_t nt, size_t k, wq_hit *hits, wq_hits_fn fn,
                 void *ctx) {
    for (c->j0 = 0; c->j0 < nt; c->j0 += BLOCK) {
        size_t n = nt - c->j0 < BLOCK ? nt - c->j0 : BLOCK, nh = 0;
        int rc = wq_for(pool, n, one, c);
        for (size_t x = 0; rc == 0 && x < n; x++)
            if (k == WQ_LEV_NO_LIMIT || c->dist[x] <= k)
                hits[nh++] = (wq_hit){c->i, c->j0 + x, c->dist[x]};
        if (rc == 0)
            rc = fn(ctx, hits, nh);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int gx_cross_share(wq_pool *pool, const wq_seq *q, size_t nq, const wq_seq *t, size_t nt, size_t k,
                   wq_align_mode mode, const wq_search_share *sh, wq_hits_fn fn, void *ctx) {
    if (sh->nshares == 0 || sh->share >= sh->nshares || (sh->nshares > 1 && sh->chunk == 0))
        return EINVAL;
    size_t chunk = sh->nshares > 1 ? sh->chunk : (nq ? nq : 1);
    cross c = {q, t, 0, 0, mode, malloc(BLOCK * sizeof *c.dist)};
    wq_hit *hits = malloc(BLOCK * sizeof *hits);
    int rc = c.dist == NULL || hits == NULL ? ENOMEM : 0;
    for (size_t from = sh->share * chunk; rc == 0 && from < nq; from += sh->nshares * chunk) {
        size_t to = nq - from < chunk ? nq : from + chunk;
        for (c.i = from; rc == 0 && c.i < to; c.i++)
            rc = query(pool, &c, nt, k, hits, fn, ctx);
    }
    free(c.dist);
    free(hits);
    return rc;
}
