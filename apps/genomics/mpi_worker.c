/*
 * mpi_worker.c: genomics' worker ranks (see mpi_worker.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_worker.h"

#include "common/cli.h"
#include "kernel.h"
#include "mpi_run.h"
#include "mpi_search.h"
#include "mpi_session.h"
#include "mpi_wire.h"
#include "set.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

/* ------------------------------------------------------------ worker -- */

typedef struct worker {
    const gx_opts *o;
    wq_pool *pool;
    gx_kopts ko;
    gx_set *set;   /* the all-vs-all set, once broadcast */
    gx_set *qset;  /* a split --query's queries, once broadcast */
    int set_errno; /* why set is NULL after a broadcast */
    gx_item items[GX_WIRE_PAIRS];
    size_t dist[GX_WIRE_PAIRS];
    uint64_t reply_buf[3 + GX_WIRE_PAIRS]; /* the last RESULT sent */
    MPI_Request reply_req;                 /* its send, or MPI_REQUEST_NULL */
} worker;

/* Joins rank 0's broadcast of the set announced by hdr (its packed size).
 * Must join the collective even when it cannot keep the set. */
static void set_receive(worker *w, uint64_t size, gx_set **into) {
    gx_set_free(*into);
    *into = NULL;
    unsigned char *p = malloc(size ? (size_t)size : 1);
    if (p == NULL) /* a collective cannot be half-joined: last resort */
        app_mpi_fail("malloc (all-vs-all set)", MPI_ERR_NO_MEM);
    app_mpi_bcast_bytes(p, (size_t)size);
    w->set_errno = gx_set_unpack(p, (size_t)size, into);
    if (w->set_errno != 0)
        free(p); /* RANGE blocks then answer the error */
}

/* The n pairs from (i, j) on, ascending, into w->items: the set's own
 * walk. Returns 0 or EPROTO. */
static int range_items(worker *w, uint64_t i, uint64_t j, uint64_t n) {
    static const atomic_int never = 0;
    gx_all_gen g;
    if (w->set == NULL)
        return w->set_errno != 0 ? w->set_errno : EPROTO;
    if (n > GX_WIRE_PAIRS || i >= j || gx_all_start(&g, w->set, (size_t)i, (size_t)j, &never) != 0)
        return EPROTO;
    for (size_t k = 0; k < n; k++)
        if (gx_all_next(&g, &w->items[k]) != 1)
            return EPROTO;
    return 0;
}

/* Sends a block's RESULT without waiting for it to arrive: a blocking
 * MPI_Send spins in Open MPI until rank 0 takes the message in, which
 * would take a core from this rank's pool (and from rank 0's, on a small
 * machine). The previous reply's buffer is reused only once it went out. */
static void reply(worker *w, uint64_t seq, int status, const size_t *dist, size_t n) {
    if (status != 0)
        n = 0;
    app_mpi_wait_idle(&w->reply_req);
    gx_wire_result_encode(seq, status, dist, n, w->reply_buf);
    APP_MPI_CHECK(MPI_Isend(w->reply_buf, (int)GX_WIRE_RESULT_SIZE(n), MPI_BYTE, 0, GX_TAG_RESULT,
                            MPI_COMM_WORLD, &w->reply_req));
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
    if (rc == 0)
        rc = gx_compute_block(w->pool, &w->ko, w->items, n, w->dist);
    reply(w, seq, rc, w->dist, n);
}

/* Receives the next message from rank 0 into a new buffer. */
static void *receive(int *tag, size_t *len) {
    MPI_Status st;
    int count;
    app_mpi_probe_idle(0, MPI_ANY_TAG, &st);
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
    int err = w == NULL ? ENOMEM : 0;
    if (w != NULL && (w->pool = wq_pool_create(o->workers)) == NULL)
        err = errno ? errno : ENOMEM;
    int rank;
    if (gx_mpi_started(o, err, &rank) != 0) {
        if (w != NULL)
            wq_pool_destroy(w->pool);
        free(w);
        return APP_EXIT_FAILURE;
    }
    w->o = o;
    w->reply_req = MPI_REQUEST_NULL;
    w->ko.lev.max_distance = o->max_distance;
    w->ko.mode = o->mode;
    int status = -1;
    while (status < 0) {
        int tag;
        size_t len;
        uint64_t *msg = receive(&tag, &len);
        if (tag == GX_TAG_STOP)
            status = len == sizeof(uint64_t) && msg[0] < 256 ? (int)msg[0] : 1;
        else if (tag == GX_TAG_SET && len == sizeof(uint64_t))
            set_receive(w, msg[0], &w->set);
        else if (tag == GX_TAG_QSET && len == sizeof(uint64_t))
            set_receive(w, msg[0], &w->qset);
        else if (tag == GX_TAG_SEARCH)
            gx_mpi_search_serve(o, w->pool, ENOMEM, w->set, w->qset, w->set_errno, msg, len);
        else if (tag == GX_TAG_CANCEL)
            ; /* the share it stopped had ended already */
        else
            serve_block(w, tag, msg, len);
        free(msg);
    }
    app_mpi_wait_idle(&w->reply_req);
    wq_pool_destroy(w->pool);
    gx_set_free(w->set);
    gx_set_free(w->qset);
    free(w);
    return status;
}
