/*
 * search_run.c: the modes that go through the index of workq/search.h (see
 * search_run.h): -A -k K, --cluster and --query.
 *
 * Guarantees: the output is byte for byte what the brute force prints (the
 * library's hits are exact and come in the brute force's order, (i, j)
 * ascending), through emit.c like every other mode. The sets are loaded
 * whole (the index needs them all); the library streams its hits, so the
 * output is not held in memory. A stop (signal, write error) ends the
 * search at its next block: what was printed is a clean prefix.
 */
#define _POSIX_C_SOURCE 200809L

#include "search_run.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <workq/search.h>

#include "cross.h"
#include "reader.h"
#include "set.h"

/* The records of path, loaded whole (folded with -i). NULL with err set,
 * or with *rc = ECANCELED when interrupted while reading. */
static gx_set *load(const gx_opts *o, const char *path, gx_err *err, const char **name, int *rc) {
    gx_reader *r = gx_reader_open(path, 0, o->intr_fd, err);
    *rc = EIO;
    if (r == NULL)
        return NULL;
    if (name != NULL)
        *name = gx_reader_name(r);
    gx_set *set = gx_set_load(r, o->ignore_case, err);
    gx_reader_close(r);
    if (set == NULL && err->kind == GX_INTERRUPTED) {
        err->kind = GX_OK;
        *rc = ECANCELED;
    }
    return set;
}

wq_seq *gx_set_seqs(const gx_set *set) {
    size_t n = gx_set_size(set);
    wq_seq *s = malloc((n ? n : 1) * sizeof *s);
    for (size_t i = 0; s != NULL && i < n; i++) {
        gx_record rec;
        gx_set_get(set, i, &rec);
        s[i] = (wq_seq){rec.seq, rec.seqlen};
    }
    return s;
}

/* ----------------------------------------------------------- pairs -- */

typedef struct hits_ctx {
    gx_emit *e;
    const gx_set *a, *b; /* i indexes a, j indexes b */
    const gx_split *sp;  /* split: the other shares' hits, merged */
    size_t chunk;        /* split: the probes' chunk */
    size_t next;         /* split: the first chunk not fully printed */
} hits_ctx;

/* The library's serialized callback: each hit printed through emit. A
 * non-zero return stops the search (emit says when: stop flag set). */
static int on_hits(void *ctx, const wq_hit *h, size_t n) {
    hits_ctx *c = ctx;
    for (size_t e = 0; e < n; e++) {
        gx_record a, b;
        gx_set_get(c->a, h[e].i, &a);
        gx_set_get(c->b, h[e].j, &b);
        gx_item it = {
            {a.seq, b.seq, a.seqlen, b.seqlen}, a.name, b.name, a.namelen, b.namelen, NULL};
        if (gx_emit_result(c->e, &it, 0, h[e].distance) != 0)
            return ECANCELED;
    }
    return atomic_load(c->e->stop) != 0 ? ECANCELED : 0;
}

size_t gx_split_chunk(size_t n, size_t nshares) {
    size_t c = n / (nshares * 16) + 1; /* 16 chunks a share: balance */
    return c < 64 ? 64 : c;
}

/* Share 0's callback in a split search: before its own hits of chunk c,
 * the other shares' chunks below c. */
static int on_share_hits(void *ctx, const wq_hit *h, size_t n) {
    hits_ctx *c = ctx;
    for (size_t e = 0; e < n; e++) {
        size_t chunk = h[e].i / c->chunk;
        if (chunk > c->next) {
            int rc = c->sp->drain(c->sp->ctx, chunk, 1, on_hits, c);
            if (rc != 0)
                return rc;
            c->next = chunk;
        }
        int rc = on_hits(c, &h[e], 1);
        if (rc != 0)
            return rc;
    }
    return n == 0 ? on_hits(c, h, 0) : 0;
}

/* The search of n probes, whole or split (share 0 here, then the rest). */
static int search(const gx_split *sp, hits_ctx *c, size_t n, wq_search_share *sh,
                  int (*run)(void *arg, const wq_search_share *sh, wq_hits_fn fn, void *ctx),
                  void *arg) {
    if (sp == NULL)
        return run(arg, sh, on_hits, c);
    int rc =
        sp->start(sp->ctx, c->b != c->a ? c->b : c->a, c->b != c->a ? c->a : NULL, n, sh->chunk);
    if (rc == 0)
        rc = run(arg, sh, on_share_hits, c);
    if (rc == 0)
        rc = sp->drain(sp->ctx, (n + sh->chunk - 1) / sh->chunk, 1, on_hits, c);
    int fin = sp->finish(sp->ctx, rc != 0);
    return rc != 0 ? rc : fin;
}

typedef struct pairs_arg {
    wq_pool *pool;
    const wq_seq *a, *b;
    size_t na, nb, k;
    wq_align_mode mode; /* --query: prefix and infix go pair by pair */
} pairs_arg;

static int run_pairs(void *arg, const wq_search_share *sh, wq_hits_fn fn, void *ctx) {
    const pairs_arg *p = arg;
    return wq_search_pairs_share(p->pool, p->a, p->na, p->k, sh, fn, ctx);
}

static int run_query(void *arg, const wq_search_share *sh, wq_hits_fn fn, void *ctx) {
    const pairs_arg *p = arg;
    if (p->mode != WQ_ALIGN_GLOBAL)
        return gx_cross_share(p->pool, p->a, p->na, p->b, p->nb, p->k, p->mode, sh, fn, ctx);
    return wq_search_query_share(p->pool, p->a, p->na, p->b, p->nb, p->k, sh, fn, ctx);
}

static wq_search_share share0(const gx_split *sp, size_t n) {
    if (sp == NULL)
        return (wq_search_share){1, 1, 0};
    return (wq_search_share){gx_split_chunk(n, sp->nshares), sp->nshares, 0};
}

int gx_search_all(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name,
                  const gx_split *sp) {
    int rc;
    gx_set *set = load(o, o->path, err, name, &rc);
    if (set == NULL)
        return rc;
    size_t n = gx_set_size(set);
    wq_seq *s = gx_set_seqs(set);
    wq_search_share sh = share0(sp, n);
    hits_ctx c = {e, set, set, sp, sh.chunk, 0};
    pairs_arg arg = {pool, s, s, n, n, o->max_distance, WQ_ALIGN_GLOBAL};
    rc = s == NULL ? ENOMEM : search(sp, &c, n, &sh, run_pairs, &arg);
    free(s);
    gx_set_free(set);
    return rc;
}

int gx_search_query(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name,
                    const gx_split *sp) {
    int rc;
    const char *qname = NULL;
    gx_set *q = load(o, o->query, err, &qname, &rc);
    if (q == NULL) {
        *name = qname != NULL ? qname : o->query;
        return rc;
    }
    gx_set *t = load(o, o->path, err, name, &rc);
    if (t == NULL) {
        gx_set_free(q);
        return rc;
    }
    wq_seq *qs = gx_set_seqs(q), *ts = gx_set_seqs(t);
    size_t nq = gx_set_size(q);
    wq_search_share sh = share0(sp, nq);
    hits_ctx c = {e, q, t, sp, sh.chunk, 0};
    pairs_arg arg = {pool, qs, ts, nq, gx_set_size(t), o->max_distance, o->mode};
    rc = qs == NULL || ts == NULL ? ENOMEM : search(sp, &c, nq, &sh, run_query, &arg);
    free(qs);
    free(ts);
    gx_set_free(q);
    gx_set_free(t);
    return rc;
}

/* -------------------------------------------------------- clusters -- */

/* The clusters' stop hook (n is always 0): the stop flag of emit. */
static int on_poll(void *ctx, const wq_hit *h, size_t n) {
    const gx_emit *e = ctx;
    (void)h;
    (void)n;
    return atomic_load(e->stop) != 0 ? ECANCELED : 0;
}

/* A record's place in the output: clusters by size (descending), then by
 * their first member; members in input order. */
typedef struct slot {
    size_t size, label, i;
} slot;

static int cmp_slot(const void *pa, const void *pb) {
    const slot *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size > b->size ? -1 : 1;
    if (a->label != b->label)
        return a->label < b->label ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* Records by sequence, then input order: runs of equal sequences. */
typedef struct by_seq {
    const wq_seq *s;
    size_t i;
} by_seq;

static int cmp_seq(const void *pa, const void *pb) {
    const by_seq *a = pa, *b = pb;
    size_t n = a->s->len < b->s->len ? a->s->len : b->s->len;
    int c = n > 0 ? memcmp(a->s->ptr, b->s->ptr, n) : 0;
    if (c != 0)
        return c;
    if (a->s->len != b->s->len)
        return a->s->len < b->s->len ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* The representative of the cluster o[0..n): its most frequent sequence,
 * ties to the first in input order. Uses tmp[0..n). */
static size_t representative(const slot *o, size_t n, const wq_seq *s, by_seq *tmp) {
    for (size_t m = 0; m < n; m++)
        tmp[m] = (by_seq){&s[o[m].i], o[m].i};
    qsort(tmp, n, sizeof *tmp, cmp_seq);
    size_t best = tmp[0].i, best_n = 0;
    for (size_t a = 0, b; a < n; a = b) {
        for (b = a + 1; b < n && cmp_seq(&(by_seq){tmp[a].s, 0}, &(by_seq){tmp[b].s, 0}) == 0;)
            b++;
        /* a run starts at its smallest index (the sort's tie-break) */
        if (b - a > best_n || (b - a == best_n && tmp[a].i < best)) {
            best = tmp[a].i;
            best_n = b - a;
        }
    }
    return best;
}

typedef struct members {
    const gx_set *set;
    const slot *o;
} members;

static void member_name(void *ctx, size_t m, const char **s, size_t *len) {
    const members *c = ctx;
    gx_record rec;
    gx_set_get(c->set, c->o[m].i, &rec);
    *s = rec.name;
    *len = rec.namelen;
}

/* Prints the clusters given each record's label (smallest index of its
 * component). */
static int print_clusters(gx_emit *e, const gx_set *set, const wq_seq *s, const size_t *label) {
    size_t n = gx_set_size(set);
    size_t *size = calloc(n ? n : 1, sizeof *size);
    slot *o = malloc((n ? n : 1) * sizeof *o);
    by_seq *tmp = malloc((n ? n : 1) * sizeof *tmp);
    int rc = size && o && tmp ? 0 : ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        size[label[i]]++;
    for (size_t i = 0; rc == 0 && i < n; i++)
        o[i] = (slot){size[label[i]], label[i], i};
    if (rc == 0)
        qsort(o, n, sizeof *o, cmp_slot);
    for (size_t a = 0; rc == 0 && a < n; a += o[a].size) {
        size_t rep = representative(o + a, o[a].size, s, tmp);
        members c = {set, o + a};
        if (gx_emit_cluster(e, o[a].size, s[rep].ptr, s[rep].len, member_name, &c) != 0)
            rc = ECANCELED;
    }
    free(size);
    free(o);
    free(tmp);
    return rc;
}

/* Split clusters: the links of every share united here. */
typedef struct links_ctx {
    const gx_emit *e;
    const gx_split *sp;
    size_t *parent; /* union-find over the inputs; roots are the smallest */
} links_ctx;

static size_t uf_root(size_t *p, size_t x) {
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

static int unite(void *ctx, const wq_hit *h, size_t n) {
    links_ctx *c = ctx;
    for (size_t e = 0; e < n; e++) {
        size_t a = uf_root(c->parent, h[e].i), b = uf_root(c->parent, h[e].j);
        c->parent[a > b ? a : b] = a < b ? a : b;
    }
    return on_poll((void *)c->e, NULL, 0);
}

/* Share 0's links, and whatever the other shares sent meanwhile. */
static int on_links(void *ctx, const wq_hit *h, size_t n) {
    links_ctx *c = ctx;
    int rc = unite(c, h, n);
    return rc != 0 ? rc : c->sp->drain(c->sp->ctx, SIZE_MAX, 0, unite, c);
}

/* label[] through the split: every share's links united. */
static int split_labels(const gx_split *sp, wq_pool *pool, const gx_emit *e, const gx_set *set,
                        const wq_seq *s, size_t k, size_t *label) {
    size_t n = gx_set_size(set);
    links_ctx c = {e, sp, label};
    for (size_t i = 0; i < n; i++)
        label[i] = i;
    wq_search_share sh = share0(sp, n);
    int rc = sp->start(sp->ctx, set, NULL, n, sh.chunk);
    if (rc == 0)
        rc = wq_search_links(pool, s, n, k, &sh, on_links, &c);
    if (rc == 0)
        rc = sp->drain(sp->ctx, SIZE_MAX, 1, unite, &c);
    int fin = sp->finish(sp->ctx, rc != 0);
    for (size_t i = 0; rc == 0 && i < n; i++)
        label[i] = uf_root(label, i);
    return rc != 0 ? rc : fin;
}

int gx_search_clusters(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name,
                       const gx_split *sp) {
    int rc;
    gx_set *set = load(o, o->path, err, name, &rc);
    if (set == NULL)
        return rc;
    size_t n = gx_set_size(set);
    wq_seq *s = gx_set_seqs(set);
    size_t *label = malloc((n ? n : 1) * sizeof *label);
    rc = s == NULL || label == NULL ? ENOMEM
         : sp != NULL               ? split_labels(sp, pool, e, set, s, o->max_distance, label)
                      : wq_search_clusters(pool, s, n, o->max_distance, label, on_poll, e);
    if (rc == 0)
        rc = print_clusters(e, set, s, label);
    free(label);
    free(s);
    gx_set_free(set);
    return rc;
}
