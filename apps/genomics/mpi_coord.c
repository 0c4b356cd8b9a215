/*
 * mpi_coord.c: genomics' rank 0 under MPI (see mpi_coord.h).
 *
 * One loop on the main thread (the only thread that calls MPI): feed every
 * worker up to INFLIGHT blocks, take in whatever results have arrived,
 * print what may be printed, then either compute one block locally (when a
 * block is free and the input is not finished) or wait for a result.
 * The wait sleeps between polls (app_mpi_probe_idle) instead of spinning
 * in MPI_Probe, so it leaves the core to the computing threads.
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_coord.h"

#include "emit.h"
#include "kernel.h"
#include "mpi_session.h"
#include "mpi_wire.h"
#include "pairs.h"
#include "reader.h"
#include "set.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mpi.h>

enum { INFLIGHT = 2 }; /* blocks queued per worker: one computing, one next */

typedef struct block {
    int used;  /* read and not yet printed */
    int owner; /* the rank computing it */
    int done;  /* results in */
    int status;
    uint64_t seq;
    size_t n, bytes;
    uint64_t i, j; /* all-vs-all: the first pair */
    void *wire;    /* the PAIRS message while it is being sent */
    MPI_Request req;
    gx_item items[GX_WIRE_PAIRS];
    size_t dist[GX_WIRE_PAIRS];
} block;

typedef struct coord {
    const gx_opts *o;
    int ranks;
    block *blocks;
    size_t nblocks;
    int *inflight; /* per rank */
    uint64_t next_seq, next_print;
    int eof; /* no more reading: the end, an error, or a stop */
    gx_pairs_gen pairs;
    gx_all_gen all;
    int all_mode;
    wq_pool *pool;
    gx_kopts ko;
    gx_err err;
    gx_emit emit;
    int error; /* a block that could not be sent or set up */
} coord;

/* ------------------------------------------------------------ reading -- */

static block *free_block(coord *c) {
    for (size_t k = 0; k < c->nblocks; k++)
        if (!c->blocks[k].used)
            return &c->blocks[k];
    return NULL;
}

static int should_stop(const coord *c) {
    return atomic_load(c->o->stop) != 0 || c->error != 0;
}

/* Reads the next block into b. Returns 1 with pairs, 0 when none is left. */
static int read_block(coord *c, block *b) {
    if (c->eof || should_stop(c)) {
        c->eof = 1;
        return 0;
    }
    *b = (block){.used = 1, .seq = c->next_seq, .i = c->all.i, .j = c->all.j};
    while (b->n < GX_WIRE_PAIRS && b->bytes < GX_WIRE_BYTES) {
        gx_item *it = &b->items[b->n];
        int rc = c->all_mode ? gx_all_next(&c->all, it) : gx_pairs_next(&c->pairs, it);
        if (rc <= 0) {
            if (rc < 0 && !c->all_mode)
                c->err = c->pairs.err;
            c->eof = 1;
            break;
        }
        b->n++;
        b->bytes += it->pair.alen + it->pair.blen;
    }
    if (b->n == 0) {
        b->used = 0;
        return 0;
    }
    c->next_seq++;
    return 1;
}

/* ------------------------------------------------------ distributing -- */

static void send_block(coord *c, block *b, int rank) {
    b->owner = rank;
    c->inflight[rank]++;
    if (c->all_mode) {
        uint64_t f[4];
        gx_wire_range_encode(b->seq, b->i, b->j, b->n, f);
        APP_MPI_CHECK(MPI_Send(f, (int)sizeof f, MPI_BYTE, rank, GX_TAG_RANGE, MPI_COMM_WORLD));
        return;
    }
    size_t len;
    int rc = gx_wire_pairs_encode(b->seq, b->items, b->n, &b->wire, &len);
    if (rc != 0) { /* answered at once, as a worker would */
        c->inflight[rank]--;
        b->owner = 0;
        b->done = 1;
        b->status = rc;
        return;
    }
    APP_MPI_CHECK(
        MPI_Isend(b->wire, (int)len, MPI_BYTE, rank, GX_TAG_PAIRS, MPI_COMM_WORLD, &b->req));
}

/* Gives every worker up to INFLIGHT blocks, while blocks and input last. */
static void feed(coord *c) {
    for (int more = 1; more;) {
        more = 0;
        for (int r = 1; r < c->ranks; r++) {
            block *b = c->inflight[r] < INFLIGHT ? free_block(c) : NULL;
            if (b != NULL && read_block(c, b)) {
                send_block(c, b, r);
                more = 1;
            }
        }
    }
}

static block *find_block(coord *c, uint64_t seq) {
    for (size_t k = 0; k < c->nblocks; k++)
        if (c->blocks[k].used && !c->blocks[k].done && c->blocks[k].seq == seq)
            return &c->blocks[k];
    return NULL;
}

/* Takes in one RESULT (waiting for it when wait is set). Returns 1 if one
 * was taken in. */
static int take_result(coord *c, int wait) {
    MPI_Status st;
    int flag = 1, len;
    if (wait)
        app_mpi_probe_idle(MPI_ANY_SOURCE, GX_TAG_RESULT, &st);
    else
        APP_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, GX_TAG_RESULT, MPI_COMM_WORLD, &flag, &st));
    if (!flag)
        return 0;
    uint64_t buf[3 + GX_WIRE_PAIRS];
    APP_MPI_CHECK(MPI_Get_count(&st, MPI_BYTE, &len));
    if (len < 0 || (size_t)len > sizeof buf)
        app_mpi_fail("MPI_Recv (result too long)", MPI_ERR_TRUNCATE);
    APP_MPI_CHECK(MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, GX_TAG_RESULT, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
    uint64_t seq;
    int status;
    size_t n, dist[GX_WIRE_PAIRS];
    block *b = NULL;
    if (gx_wire_result_decode(buf, (size_t)len, &seq, &status, dist, &n) != 0 ||
        (b = find_block(c, seq)) == NULL || b->owner != st.MPI_SOURCE || (status == 0 && n != b->n))
        app_mpi_fail("MPI_Recv (corrupt result)", MPI_ERR_OTHER);
    if (!c->all_mode) {
        APP_MPI_CHECK(MPI_Wait(&b->req, MPI_STATUS_IGNORE));
        free(b->wire);
        b->wire = NULL;
    }
    memcpy(b->dist, dist, n * sizeof *dist);
    b->status = status;
    b->done = 1;
    c->inflight[st.MPI_SOURCE]--;
    return 1;
}

static size_t outstanding(const coord *c) {
    size_t n = 0;
    for (int r = 1; r < c->ranks; r++)
        n += (size_t)c->inflight[r];
    return n;
}

/* ---------------------------------------------------------- printing -- */

static void print_block(coord *c, block *b) {
    for (size_t k = 0; k < b->n; k++) {
        gx_emit_result(&c->emit, &b->items[k], b->status, b->status == 0 ? b->dist[k] : 0);
        gx_item_release(&b->items[k]);
    }
    b->used = 0;
}

/* Prints every block that may be printed: in input order, or any finished
 * one with --async. */
static void flush(coord *c) {
    for (int again = 1; again;) {
        again = 0;
        for (size_t k = 0; k < c->nblocks; k++) {
            block *b = &c->blocks[k];
            if (b->used && b->done && (c->o->async || b->seq == c->next_print)) {
                print_block(c, b);
                c->next_print++;
                again = 1;
            }
        }
    }
}

/* ------------------------------------------------------------- loop -- */

static void compute_here(coord *c, block *b) {
    b->owner = 0;
    b->status = gx_compute_block(c->pool, &c->ko, b->items, b->n, b->dist);
    b->done = 1;
}

static void run_loop(coord *c) {
    for (;;) {
        /* Results first, then refill: every worker starts a local block
         * with INFLIGHT blocks queued, enough to outlast it. */
        while (take_result(c, 0))
            ;
        feed(c);
        flush(c);
        block *b = free_block(c);
        if (b != NULL && read_block(c, b)) {
            compute_here(c, b);
            flush(c);
        } else if (outstanding(c) > 0) {
            take_result(c, 1);
            flush(c);
        } else {
            /* Nothing in flight and no block read: the input is over (all
             * held blocks were done, so flush printed them and freed one). */
            return;
        }
    }
}

/* -------------------------------------------------------- all-vs-all -- */

/* Broadcasts the set's sequences to the workers (see mpi_wire.h, SET). */
static int broadcast_set(const gx_set *set) {
    void *p;
    size_t bytes;
    int rc = gx_set_pack(set, &p, &bytes);
    if (rc != 0)
        return rc;
    uint64_t hdr = bytes;
    for (int r = 1; r < app_mpi_size(); r++)
        APP_MPI_CHECK(MPI_Send(&hdr, (int)sizeof hdr, MPI_BYTE, r, GX_TAG_SET, MPI_COMM_WORLD));
    app_mpi_bcast_bytes(p, bytes);
    free(p);
    return 0;
}

/* ------------------------------------------------------------- entry -- */

/* Opens the input and sets up the generator. Returns 0 or -1 (c->err set). */
static int open_source(coord *c, gx_reader **r, gx_set **set, const char **name) {
    *r = gx_reader_open(c->o->path, !c->o->all_vs_all, c->o->intr_fd, &c->err);
    if (*r == NULL)
        return -1;
    *name = gx_reader_name(*r);
    if (!c->o->all_vs_all) {
        gx_pairs_init(&c->pairs, *r, c->o->ignore_case, c->o->stop);
        c->pairs.skip = c->o->skip;
        gx_emit_progress(&c->emit, c->o->progress, 0, gx_reader_input(*r));
        return 0;
    }
    c->all_mode = 1;
    *set = gx_set_load(*r, c->o->ignore_case, &c->err);
    if (*set == NULL && c->err.kind == GX_INTERRUPTED) {
        c->err.kind = GX_OK; /* interrupted while loading: no pairs */
        c->eof = 1;
        return 0;
    }
    if (*set == NULL)
        return -1;
    gx_emit_progress(&c->emit, c->o->progress, gx_set_pairs(*set), NULL);
    gx_all_start(&c->all, *set, 0, 1, c->o->stop);
    gx_all_skip(&c->all, c->o->skip);
    int rc = c->ranks > 1 ? broadcast_set(*set) : 0;
    if (rc != 0)
        c->error = rc;
    return 0;
}

int gx_mpi_coordinate(const gx_opts *o) {
    coord c = {.o = o, .ranks = app_mpi_size(), .ko = {{o->max_distance}, o->mode}};
    c.err = (gx_err){GX_OK, 0, ""};
    gx_emit_init(&c.emit, stdout, o->format, o->max_distance, o->stop);
    gx_emit_align(&c.emit, o->mode, o->cigar);
    gx_emit_order(&c.emit, !o->async, o->skip, 0);
    const char *name = o->path != NULL && strcmp(o->path, "-") != 0 ? o->path : "<stdin>";
    c.nblocks = (size_t)INFLIGHT * (size_t)c.ranks + 2;
    c.blocks = calloc(c.nblocks, sizeof *c.blocks);
    c.inflight = calloc((size_t)c.ranks, sizeof *c.inflight);
    c.pool = wq_pool_create(o->workers);
    if (c.blocks == NULL || c.inflight == NULL || c.pool == NULL) {
        fprintf(stderr, "genomics: cannot start %u workers: %s\n", o->workers, strerror(errno));
        free(c.blocks);
        free(c.inflight);
        wq_pool_destroy(c.pool);
        return 1;
    }
    gx_reader *r = NULL;
    gx_set *set = NULL;
    if (open_source(&c, &r, &set, &name) == 0) {
        run_loop(&c);
        if (!c.all_mode)
            c.err = c.pairs.err;
    }
    gx_pairs_done(&c.pairs);
    gx_set_free(set);
    gx_reader_close(r);
    wq_pool_destroy(c.pool);
    free(c.blocks);
    free(c.inflight);
    return gx_emit_finish(&c.emit, name, &c.err, c.error);
}
