/*
 * mpi_worker.c: genomics' worker ranks (see mpi_worker.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_worker.h"

#include "mpi_session.h"
#include "mpi_wire.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

typedef struct map_task {
    wq_pool *pool;
    const wq_lev_opts *lev;
    const gx_item *items;
    size_t n, *dist;
    int rc;
} map_task;

static void map_fn(void *arg) {
    map_task *t = arg;
    t->rc = wq_map(t->pool, &gx_kernel, (void *)t->lev, t->items, t->dist, t->n, NULL);
}

int gx_mpi_compute(wq_pool *pool, const wq_lev_opts *lev, const gx_item *items, size_t n,
                   size_t *dist) {
    map_task t = {pool, lev, items, n, dist, 0};
    int rc = wq_submit(pool, map_fn, &t);
    if (rc == 0)
        rc = wq_wait(pool);
    return rc != 0 ? rc : t.rc;
}

/* ------------------------------------------------------------ worker -- */

/* The all-vs-all set as broadcast: count lengths, then the bytes. */
typedef struct worker_set {
    unsigned char *payload;
    size_t n;
    const char **seq;
    size_t *len;
} worker_set;

typedef struct worker {
    const gx_opts *o;
    wq_pool *pool;
    int pool_errno; /* why pool is NULL */
    wq_lev_opts lev;
    worker_set set;
    gx_item items[GX_WIRE_PAIRS];
    size_t dist[GX_WIRE_PAIRS];
} worker;

static void set_free(worker_set *s) {
    free(s->payload);
    free(s->seq);
    free(s->len);
    memset(s, 0, sizeof *s);
}

/* Joins rank 0's broadcast of the set announced by hdr {count, bytes}.
 * Must join the collective even when it cannot keep the set. */
static void set_receive(worker *w, const uint64_t hdr[2]) {
    set_free(&w->set);
    size_t n = (size_t)hdr[0], size = (size_t)hdr[1];
    unsigned char *p = malloc(size ? size : 1);
    if (p == NULL) /* a collective cannot be half-joined: last resort */
        app_mpi_fail("malloc (all-vs-all set)", MPI_ERR_NO_MEM);
    app_mpi_bcast_bytes(p, size);
    w->set.payload = p;
    w->set.seq = malloc((n ? n : 1) * sizeof *w->set.seq);
    w->set.len = malloc((n ? n : 1) * sizeof *w->set.len);
    if (w->set.seq == NULL || w->set.len == NULL || size < n * sizeof(uint64_t)) {
        set_free(&w->set); /* RANGE blocks then answer EPROTO */
        return;
    }
    size_t off = n * sizeof(uint64_t);
    for (size_t k = 0; k < n; k++) {
        uint64_t len;
        memcpy(&len, p + k * sizeof len, sizeof len);
        if (len > size - off) {
            set_free(&w->set);
            return;
        }
        w->set.seq[k] = (const char *)p + off;
        w->set.len[k] = (size_t)len;
        off += (size_t)len;
    }
    w->set.n = n;
}

/* The n pairs from (i, j) on, ascending, into w->items. Returns 0 or EPROTO. */
static int range_items(worker *w, uint64_t i, uint64_t j, uint64_t n) {
    const worker_set *s = &w->set;
    if (n > GX_WIRE_PAIRS)
        return EPROTO;
    for (size_t k = 0; k < n; k++) {
        if (i >= j || j >= s->n)
            return EPROTO;
        wq_pair p = {s->seq[i], s->seq[j], s->len[i], s->len[j]};
        w->items[k] = (gx_item){p, p.a, p.b, p.alen, p.blen, NULL};
        if (++j == s->n) {
            i++;
            j = i + 1;
        }
    }
    return 0;
}

static void reply(uint64_t seq, int status, const size_t *dist, size_t n) {
    uint64_t buf[3 + GX_WIRE_PAIRS];
    if (status != 0)
        n = 0;
    gx_wire_result_encode(seq, status, dist, n, buf);
    APP_MPI_CHECK(
        MPI_Send(buf, (int)GX_WIRE_RESULT_SIZE(n), MPI_BYTE, 0, GX_TAG_RESULT, MPI_COMM_WORLD));
}

/* One block: decode, compute, answer. */
static void serve_block(worker *w, int tag, const void *msg, size_t len) {
    uint64_t seq = 0, f[4];
    size_t n = 0;
    int rc;
    if (tag == GX_TAG_PAIRS) {
        rc = gx_wire_pairs_decode(msg, len, &seq, w->items, &n);
    } else if (len != GX_WIRE_RANGE_SIZE) {
        rc = EPROTO;
    } else {
        memcpy(f, msg, sizeof f);
        seq = f[0];
        n = (size_t)f[3];
        rc = range_items(w, f[1], f[2], f[3]);
    }
    if (rc == 0 && w->pool == NULL)
        rc = w->pool_errno;
    if (rc == 0)
        rc = gx_mpi_compute(w->pool, &w->lev, w->items, n, w->dist);
    reply(seq, rc, w->dist, n);
}

/* Receives the next message from rank 0 into a new buffer. */
static void *receive(int *tag, size_t *len) {
    MPI_Status st;
    int count;
    APP_MPI_CHECK(MPI_Probe(0, MPI_ANY_TAG, MPI_COMM_WORLD, &st));
    APP_MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &count));
    void *buf = malloc(count > 0 ? (size_t)count : 1);
    if (buf == NULL)
        app_mpi_fail("malloc (message)", MPI_ERR_NO_MEM);
    APP_MPI_CHECK(MPI_Recv(buf, count, MPI_BYTE, 0, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    *tag = st.MPI_TAG;
    *len = (size_t)count;
    return buf;
}

int gx_mpi_worker(const gx_opts *o) {
    worker *w = calloc(1, sizeof *w);
    if (w == NULL)
        app_mpi_fail("calloc (worker)", MPI_ERR_NO_MEM);
    w->o = o;
    w->lev.max_distance = o->max_distance;
    w->pool = wq_pool_create(o->workers);
    w->pool_errno = w->pool == NULL ? errno : 0;
    int status = -1;
    while (status < 0) {
        int tag;
        size_t len;
        uint64_t *msg = receive(&tag, &len);
        if (tag == GX_TAG_STOP)
            status = len == sizeof(uint64_t) && msg[0] < 256 ? (int)msg[0] : 1;
        else if (tag == GX_TAG_SET && len == 2 * sizeof(uint64_t))
            set_receive(w, msg);
        else
            serve_block(w, tag, msg, len);
        free(msg);
    }
    wq_pool_destroy(w->pool);
    set_free(&w->set);
    free(w);
    return status;
}
