/*
 * mpi_search.c: the indexed modes split across MPI ranks (see
 * mpi_search.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_search.h"

#include "cross.h"
#include "mpi_session.h"
#include "mpi_wire.h"
#include "search_run.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mpi.h>

enum { K_HITS = 0, K_END = 1, K_DONE = 2 };
enum { HDR = 3, BATCH = 4096 }; /* header fields; hits per message */

/* ------------------------------------------------------------ rank 0 -- */

typedef struct msplit {
    int ranks;
    int cluster;     /* links: no chunk order */
    size_t nchunks;  /* of the search under way */
    size_t next;     /* the first chunk not yet drained */
    int *done;       /* per rank: DONE received */
    uint64_t *nhits; /* per rank: the hits its DONE reported */
    int err;         /* the first worker's error */
    uint64_t *buf;   /* one message */
    wq_hit *hits;    /* its hits */
} msplit;

static void send_set(int tag, const gx_set *set, int *rc) {
    void *p;
    size_t bytes;
    if (*rc != 0 || (*rc = gx_set_pack(set, &p, &bytes)) != 0)
        return;
    uint64_t hdr = bytes;
    for (int r = 1; r < app_mpi_size(); r++)
        APP_MPI_CHECK(MPI_Send(&hdr, (int)sizeof hdr, MPI_BYTE, r, tag, MPI_COMM_WORLD));
    app_mpi_bcast_bytes(p, bytes);
    free(p);
}

static int m_start(void *ctx, const gx_set *a, const gx_set *b, size_t n, size_t chunk) {
    msplit *m = ctx;
    int rc = 0;
    if (b != NULL)
        send_set(GX_TAG_QSET, b, &rc);
    send_set(GX_TAG_SET, a, &rc);
    if (rc != 0)
        return rc; /* the workers wait for STOP */
    m->nchunks = (n + chunk - 1) / chunk;
    for (int r = 1; r < m->ranks; r++) {
        uint64_t f[4] = {n, chunk, (uint64_t)m->ranks, (uint64_t)r};
        APP_MPI_CHECK(MPI_Send(f, (int)sizeof f, MPI_BYTE, r, GX_TAG_SEARCH, MPI_COMM_WORLD));
        m->done[r] = 0;
    }
    return 0;
}

/* Receives worker r's next HITS message into m->buf (and m->hits). Returns
 * its kind, or -1 for a malformed one. */
static int m_recv(msplit *m, int r, uint64_t *chunk, size_t *count) {
    MPI_Status st;
    int bytes;
    app_mpi_probe_idle(r, GX_TAG_HITS, &st);
    APP_MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &bytes));
    if (bytes < 0 || (size_t)bytes > (HDR + 3 * (size_t)BATCH) * sizeof(uint64_t)) {
        APP_MPI_CHECK(MPI_Recv(NULL, 0, MPI_BYTE, r, GX_TAG_HITS, MPI_COMM_WORLD, &st));
        return -1;
    }
    APP_MPI_CHECK(MPI_Recv(m->buf, bytes, MPI_BYTE, r, GX_TAG_HITS, MPI_COMM_WORLD, &st));
    size_t nf = (size_t)bytes / sizeof(uint64_t);
    if (nf < HDR || m->buf[0] > K_DONE)
        return -1;
    *chunk = m->buf[1];
    *count = (size_t)m->buf[2];
    if (m->buf[0] == K_DONE) {
        m->done[r] = 1;
        m->nhits[r] = m->buf[2];
        if (m->buf[1] != 0 && m->err == 0)
            m->err = m->buf[1] < 256 ? (int)m->buf[1] : EPROTO;
        return K_DONE;
    }
    if (nf != HDR + 3 * *count)
        return -1;
    for (size_t e = 0; e < *count; e++)
        m->hits[e] = (wq_hit){(size_t)m->buf[HDR + 3 * e], (size_t)m->buf[HDR + 3 * e + 1],
                              (size_t)m->buf[HDR + 3 * e + 2]};
    return (int)m->buf[0];
}

/* Worker r's messages up to the end of chunk c (ordered) or to its DONE
 * (c == SIZE_MAX), to fn. */
static int m_drain_one(msplit *m, int r, size_t c, wq_hits_fn fn, void *fn_ctx) {
    while (!m->done[r]) {
        uint64_t chunk;
        size_t count;
        int kind = m_recv(m, r, &chunk, &count);
        if (kind < 0)
            return EPROTO;
        if (kind == K_DONE)
            break;
        if (kind == K_HITS && count > 0 && fn != NULL) {
            int rc = fn(fn_ctx, m->hits, count);
            if (rc != 0)
                return rc;
        }
        if (kind == K_END && c != SIZE_MAX)
            return chunk == c ? 0 : EPROTO;
    }
    /* a share that ended before chunk c: its error, or a protocol fault */
    return c == SIZE_MAX ? 0 : m->err != 0 ? m->err : EPROTO;
}

/* What has arrived from any worker (clusters, while share 0 searches). */
static int m_drain_ready(msplit *m, wq_hits_fn fn, void *fn_ctx) {
    for (int r = 1; r < m->ranks; r++) {
        int flag = 1;
        while (!m->done[r] && flag) {
            APP_MPI_CHECK(MPI_Iprobe(r, GX_TAG_HITS, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
            uint64_t chunk;
            size_t count;
            int kind = flag ? m_recv(m, r, &chunk, &count) : K_END;
            if (kind < 0)
                return EPROTO;
            if (kind == K_HITS && count > 0) {
                int rc = fn(fn_ctx, m->hits, count);
                if (rc != 0)
                    return rc;
            }
        }
    }
    return m->err;
}

static int m_drain(void *ctx, size_t upto, int block, wq_hits_fn fn, void *fn_ctx) {
    msplit *m = ctx;
    if (!block)
        return m_drain_ready(m, fn, fn_ctx);
    if (m->cluster || upto == SIZE_MAX) {
        for (int r = 1; r < m->ranks; r++) {
            int rc = m_drain_one(m, r, SIZE_MAX, fn, fn_ctx);
            if (rc != 0)
                return rc;
        }
        return m->err;
    }
    for (; m->next < upto && m->next < m->nchunks; m->next++) {
        int r = (int)(m->next % (size_t)m->ranks);
        int rc = r == 0 ? 0 : m_drain_one(m, r, m->next, fn, fn_ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int m_finish(void *ctx, int stopped) {
    msplit *m = ctx;
    uint64_t none = 0;
    for (int r = 1; stopped && r < m->ranks; r++)
        if (!m->done[r])
            APP_MPI_CHECK(
                MPI_Send(&none, (int)sizeof none, MPI_BYTE, r, GX_TAG_CANCEL, MPI_COMM_WORLD));
    for (int r = 1; r < m->ranks; r++)
        (void)m_drain_one(m, r, SIZE_MAX, NULL, NULL);
    if (getenv("GENOMICS_MPI_STATS") != NULL)
        for (int r = 1; r < m->ranks; r++)
            fprintf(stderr, "genomics: rank %d: %llu hits\n", r, (unsigned long long)m->nhits[r]);
    return m->err;
}

int gx_mpi_search_run(const gx_opts *o) {
    msplit m = {.ranks = app_mpi_size(), .cluster = o->cluster && o->query == NULL};
    m.done = calloc((size_t)m.ranks, sizeof *m.done);
    m.nhits = calloc((size_t)m.ranks, sizeof *m.nhits);
    m.buf = malloc((HDR + 3 * (size_t)BATCH) * sizeof *m.buf);
    m.hits = malloc(BATCH * sizeof *m.hits);
    int status;
    if (m.done == NULL || m.nhits == NULL || m.buf == NULL || m.hits == NULL) {
        fprintf(stderr, "genomics: out of memory\n");
        status = 1;
    } else {
        for (int r = 0; r < m.ranks; r++)
            m.done[r] = 1; /* until a search starts */
        gx_split sp = {&m, (size_t)m.ranks, m_start, m_drain, m_finish};
        status = gx_run_split(o, &sp);
    }
    free(m.done);
    free(m.nhits);
    free(m.buf);
    free(m.hits);
    return status;
}

/* ------------------------------------------------------------ worker -- */

typedef struct wshare {
    const gx_opts *o;
    size_t chunk, ranks, rank, nchunks;
    size_t cur;     /* the own chunk not yet ended */
    int ordered;    /* pairs and queries: END after each own chunk */
    uint64_t *buf;  /* the message being filled */
    size_t nbuf;    /* hits in it */
    uint64_t total; /* hits sent */
    int cancelled;
} wshare;

/* Sends fields[0..n) to rank 0 synchronously, sleeping while it waits
 * (app_mpi_wait_idle), so the worker never runs far ahead of rank 0. */
static void w_send(const uint64_t *f, size_t n) {
    MPI_Request rq;
    APP_MPI_CHECK(
        MPI_Issend(f, (int)(n * sizeof *f), MPI_BYTE, 0, GX_TAG_HITS, MPI_COMM_WORLD, &rq));
    app_mpi_wait_idle(&rq);
}

static void w_flush(wshare *w) {
    if (w->nbuf == 0)
        return;
    w->buf[0] = K_HITS;
    w->buf[1] = w->cur;
    w->buf[2] = w->nbuf;
    w_send(w->buf, HDR + 3 * w->nbuf);
    w->total += w->nbuf;
    w->nbuf = 0;
}

/* Ends the own chunks below c. */
static void w_end_upto(wshare *w, size_t c) {
    for (; w->cur < c && w->cur < w->nchunks; w->cur += w->ranks) {
        w_flush(w);
        uint64_t f[HDR] = {K_END, w->cur, 0};
        w_send(f, HDR);
    }
}

static int w_cancelled(wshare *w) {
    int flag = 0;
    if (!w->cancelled)
        APP_MPI_CHECK(MPI_Iprobe(0, GX_TAG_CANCEL, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
    w->cancelled |= flag || atomic_load(w->o->stop) != 0;
    return w->cancelled;
}

static int w_hits(void *ctx, const wq_hit *h, size_t n) {
    wshare *w = ctx;
    if (w_cancelled(w))
        return ECANCELED;
    for (size_t e = 0; e < n; e++) {
        if (w->ordered)
            w_end_upto(w, h[e].i / w->chunk);
        uint64_t *f = w->buf + HDR + 3 * w->nbuf;
        f[0] = h[e].i;
        f[1] = h[e].j;
        f[2] = h[e].distance;
        if (++w->nbuf == BATCH)
            w_flush(w);
    }
    return 0;
}

void gx_mpi_search_serve(const gx_opts *o, wq_pool *pool, int pool_errno, const gx_set *set,
                         const gx_set *qset, int set_errno, const void *msg, size_t len) {
    uint64_t f[4] = {0};
    int rc = len == sizeof f ? 0 : EPROTO;
    if (rc == 0)
        memcpy(f, msg, sizeof f);
    wshare w = {o, (size_t)f[1], (size_t)f[2], (size_t)f[3], 0, (size_t)f[3], 0, NULL, 0, 0, 0};
    int cluster = o->cluster && o->query == NULL;
    w.ordered = !cluster;
    w.buf = malloc((HDR + 3 * (size_t)BATCH) * sizeof *w.buf);
    if (rc == 0 && (w.chunk == 0 || w.ranks < 2 || w.rank >= w.ranks))
        rc = EPROTO;
    if (rc == 0 && w.buf == NULL)
        rc = ENOMEM;
    if (rc == 0 && pool == NULL)
        rc = pool_errno;
    if (rc == 0 && (set == NULL || (o->query != NULL && qset == NULL)))
        rc = set_errno != 0 ? set_errno : EPROTO;
    size_t n = (size_t)f[0];
    if (rc == 0 && n != gx_set_size(o->query != NULL ? qset : set))
        rc = EPROTO;
    w.nchunks = w.chunk ? (n + w.chunk - 1) / w.chunk : 0;
    wq_seq *s = NULL, *q = NULL;
    if (rc == 0 &&
        ((s = gx_set_seqs(set)) == NULL || (qset != NULL && (q = gx_set_seqs(qset)) == NULL)))
        rc = ENOMEM;
    wq_search_share sh = {w.chunk, w.ranks, w.rank};
    if (rc == 0)
        rc = cluster ? wq_search_links(pool, s, n, o->max_distance, &sh, w_hits, &w)
             : q != NULL && o->mode != WQ_ALIGN_GLOBAL
                 ? gx_cross_share(pool, q, n, s, gx_set_size(set), o->max_distance, o->mode, &sh,
                                  w_hits, &w)
             : q != NULL ? wq_search_query_share(pool, q, n, s, gx_set_size(set), o->max_distance,
                                                 &sh, w_hits, &w)
                         : wq_search_pairs_share(pool, s, n, o->max_distance, &sh, w_hits, &w);
    if (rc == 0) {
        w_flush(&w);
        if (w.ordered)
            w_end_upto(&w, w.nchunks);
    }
    uint64_t done[HDR] = {K_DONE, (uint64_t)rc, w.total};
    w_send(done, HDR);
    free(s);
    free(q);
    free(w.buf);
}
