/*
 * mpi_coord.c: genomics' rank 0 under MPI (see mpi_coord.h).
 *
 * One event loop on the main thread (the only thread that calls MPI): take
 * in the results that have arrived, hand out blocks (to every worker rank
 * up to INFLIGHT, then to the local pool up to LOCAL_INFLIGHT), print what
 * may be printed, then wait for the next event: a result, a local block
 * done, or input after a stall. The main thread never computes and never
 * blocks in MPI: MPI_Probe, MPI_Wait and even a plain MPI_Send spin in
 * Open MPI until the peer makes progress, so a rank 0 busy computing (or
 * waiting inside MPI) would leave worker ranks spinning for their sends,
 * and a rank 0 spinning would take a core from its own pool. Its waits
 * sleep on the bell (a self-pipe) and on the signal pipe (stop.h), polling
 * MPI between naps of 20 us doubling to 1 ms while a worker rank holds
 * blocks.
 *
 * No lost wake-up: the loop waits only once nothing it could do is left
 * undone. Printing frees blocks, so blocks are handed out again after
 * every print; then each block is free, filling (its input will ring), or
 * in flight (its result will arrive or ring), and the first signal ends
 * the wait even when none of them ever does.
 *
 * Local blocks go to the computing thread, which runs them one after the
 * other on the pool (gx_compute_block: the pool's workers compute, the
 * thread waits), so that the next one starts as soon as one ends.
 *
 * The bell: rung by the computing thread when a block is done, and by the
 * reading thread (feed.h) when input arrives after a WQ_GEN_AGAIN. Its
 * mutex protects the computing thread's queue, and is never held while
 * calling MPI, the engine or the feed.
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_coord.h"

#include "common/pipe.h"
#include "common/stop.h"
#include "emit.h"
#include "feed.h"
#include "kernel.h"
#include "mpi_session.h"
#include "mpi_wire.h"
#include "pairs.h"
#include "reader.h"
#include "set.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

/* Blocks queued per worker rank (one computing, one next), and for rank
 * 0's own pool (the same). */
enum { INFLIGHT = 2, LOCAL_INFLIGHT = 2 };

typedef enum { B_FREE, B_OPEN, B_RUNNING, B_DONE } bstate;

typedef struct coord coord;

typedef struct block {
    bstate state;    /* B_OPEN: being filled; B_RUNNING: owner computes it */
    int owner;       /* the rank computing it (0: the local pool) */
    atomic_int done; /* a local block: its task finished (then status, dist) */
    int status;
    uint64_t seq;
    size_t n, bytes;
    uint64_t i, j; /* all-vs-all: the first pair */
    void *wire;    /* the PAIRS message while it is being sent */
    MPI_Request req;
    gx_item items[GX_WIRE_PAIRS];
    size_t dist[GX_WIRE_PAIRS];
} block;

typedef struct bell {
    int fd[2]; /* a pipe, readable once rung since the last wait; both ends non-blocking */
    pthread_mutex_t mu;
    pthread_cond_t work;          /* signalled when a local block is queued, or stop */
    block *queue[LOCAL_INFLIGHT]; /* local blocks not yet started (mu) */
    size_t head, queued;          /* (mu) */
    bool stop;                    /* the computing thread ends (mu) */
} bell;

struct coord {
    const gx_opts *o;
    int ranks;
    block *blocks;
    size_t nblocks;
    block *open;   /* the block being filled, or NULL */
    int *inflight; /* per rank; [0]: local blocks */
    uint64_t next_seq, next_print;
    int eof;     /* no more reading: the end, an error, or a stop */
    int starved; /* the input had nothing at the last look (a stall) */
    gx_pairs_gen pairs;
    gx_all_gen all;
    gx_feed *feed; /* input that may stall: read on its own thread */
    int all_mode;
    wq_pool *pool;
    gx_kopts ko;
    gx_err err;
    gx_emit emit;
    int error; /* a block that could not be sent or set up */
    bell bell;
    pthread_t computer; /* computes the local blocks */
};

/* ------------------------------------------------------------- bell -- */

static void check(int rc, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "genomics: %s: %s\n", what, strerror(rc));
        abort();
    }
}

static void bell_ring(void *ctx) {
    bell *b = ctx;
    if (write(b->fd[1], "!", 1) < 0 && errno != EAGAIN)
        check(errno, "write (bell)"); /* EAGAIN: full, so readable already */
}

/* Waits until the bell rings, intr becomes readable (-1: not watched), a
 * signal interrupts the wait, or at most ns nanoseconds when ns > 0.
 * Returns whether it rang (and silences it). */
static bool bell_wait(bell *b, long ns, int intr) {
    fd_set in;
    FD_ZERO(&in);
    FD_SET(b->fd[0], &in);
    if (intr >= FD_SETSIZE)
        intr = -1; /* out of select's range: a signal ends the wait at the next event */
    if (intr >= 0)
        FD_SET(intr, &in);
    struct timespec t = {ns / 1000000000, ns % 1000000000};
    int n =
        pselect((intr > b->fd[0] ? intr : b->fd[0]) + 1, &in, NULL, NULL, ns > 0 ? &t : NULL, NULL);
    if (n < 0 && errno != EINTR)
        check(errno, "pselect");
    if (n <= 0 || !FD_ISSET(b->fd[0], &in))
        return false;
    char buf[64];
    while (read(b->fd[0], buf, sizeof buf) > 0)
        ; /* non-blocking: empties the pipe */
    return true;
}

/* The bell's pipe (common/pipe.h), within select's range as the signal pipe
 * is: both are made at start-up. Returns 0 or an errno value. */
static int bell_pipe(int fd[2]) {
    int rc = app_pipe_open(fd);
    if (rc == 0 && (fd[0] >= FD_SETSIZE || fd[1] >= FD_SETSIZE)) {
        close(fd[0]);
        close(fd[1]);
        rc = EMFILE;
    }
    return rc;
}

static int bell_init(bell *b) {
    int rc = bell_pipe(b->fd);
    if (rc != 0)
        return rc;
    if ((rc = pthread_cond_init(&b->work, NULL)) == 0 &&
        (rc = pthread_mutex_init(&b->mu, NULL)) != 0)
        check(pthread_cond_destroy(&b->work), "pthread_cond_destroy");
    if (rc != 0) {
        close(b->fd[0]);
        close(b->fd[1]);
    }
    b->stop = false;
    b->head = b->queued = 0;
    return rc;
}

static void bell_destroy(bell *b) {
    check(pthread_cond_destroy(&b->work), "pthread_cond_destroy");
    check(pthread_mutex_destroy(&b->mu), "pthread_mutex_destroy");
    close(b->fd[0]);
    close(b->fd[1]);
}

/* ------------------------------------------------------------ reading -- */

static block *free_block(coord *c) {
    for (size_t k = 0; k < c->nblocks; k++)
        if (c->blocks[k].state == B_FREE)
            return &c->blocks[k];
    return NULL;
}

static int should_stop(const coord *c) {
    return atomic_load(c->o->stop) != 0 || c->error != 0;
}

/* The next pair: 1, 0 at the end (or a stop), WQ_GEN_AGAIN when a
 * stalled input has nothing now, or -1 on an input error (c->err set). */
static int next_item(coord *c, gx_item *it) {
    if (c->all_mode)
        return gx_all_next(&c->all, it);
    if (c->feed == NULL) {
        int rc = gx_pairs_next(&c->pairs, it);
        if (rc < 0)
            c->err = c->pairs.err;
        return rc < 0 ? -1 : rc;
    }
    int rc = gx_feed_next(c->feed, it);
    return rc < 0 ? -1 : rc; /* the feed's error is read at the end */
}

/* Fills the open block (opening one when there is none and a block is
 * free). Returns the block once it is ready to compute: full, at the end
 * of the input, or cut short because the input stalls (so that no result
 * waits for input that may never come). Else NULL: no free block, or the
 * input has nothing now (c->starved). */
static block *next_block(coord *c) {
    if (c->open == NULL) {
        block *b = c->eof ? NULL : free_block(c);
        if (b == NULL)
            return NULL;
        b->state = B_OPEN;
        b->n = b->bytes = 0;
        b->i = c->all.i;
        b->j = c->all.j;
        c->open = b;
    }
    block *b = c->open;
    int rc = 1;
    c->starved = 0;
    while (b->n < GX_WIRE_PAIRS && b->bytes < GX_WIRE_BYTES) {
        rc = should_stop(c) ? 0 : next_item(c, &b->items[b->n]);
        if (rc != 1)
            break;
        b->bytes += b->items[b->n].pair.alen + b->items[b->n].pair.blen;
        b->n++;
    }
    if (rc == WQ_GEN_AGAIN) {
        c->starved = 1;
        if (b->n == 0 || !c->feed->stalled)
            return NULL; /* more follows at once, or a resume rings */
    } else if (rc != 1) {
        c->eof = 1;
    }
    c->open = NULL;
    if (b->n == 0) {
        b->state = B_FREE;
        return NULL;
    }
    b->seq = c->next_seq++;
    b->state = B_RUNNING;
    atomic_store(&b->done, 0);
    return b;
}

/* ------------------------------------------------------ distributing -- */

/* The computing thread: takes the local blocks in turn, computes each on
 * the pool, marks it done and rings the bell. */
static void *computer_main(void *arg) {
    coord *c = arg;
    bell *q = &c->bell;
    check(pthread_mutex_lock(&q->mu), "pthread_mutex_lock");
    for (;;) {
        while (q->queued == 0 && !q->stop)
            check(pthread_cond_wait(&q->work, &q->mu), "pthread_cond_wait");
        if (q->queued == 0)
            break;
        block *b = q->queue[q->head];
        q->head = (q->head + 1) % LOCAL_INFLIGHT;
        q->queued--;
        check(pthread_mutex_unlock(&q->mu), "pthread_mutex_unlock");
        b->status = gx_compute_block(c->pool, &c->ko, b->items, b->n, b->dist);
        atomic_store_explicit(&b->done, 1, memory_order_release);
        bell_ring(q);
        check(pthread_mutex_lock(&q->mu), "pthread_mutex_lock");
    }
    check(pthread_mutex_unlock(&q->mu), "pthread_mutex_unlock");
    return NULL;
}

/* Ends the computing thread (its queue is empty by then). */
static void computer_stop(coord *c) {
    check(pthread_mutex_lock(&c->bell.mu), "pthread_mutex_lock");
    c->bell.stop = true;
    check(pthread_cond_signal(&c->bell.work), "pthread_cond_signal");
    check(pthread_mutex_unlock(&c->bell.mu), "pthread_mutex_unlock");
    check(pthread_join(c->computer, NULL), "pthread_join");
}

/* Queues b for the computing thread (below LOCAL_INFLIGHT: room is there). */
static void run_here(coord *c, block *b) {
    b->owner = 0;
    c->inflight[0]++;
    check(pthread_mutex_lock(&c->bell.mu), "pthread_mutex_lock");
    c->bell.queue[(c->bell.head + c->bell.queued) % LOCAL_INFLIGHT] = b;
    c->bell.queued++;
    check(pthread_cond_signal(&c->bell.work), "pthread_cond_signal");
    check(pthread_mutex_unlock(&c->bell.mu), "pthread_mutex_unlock");
}

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
        b->state = B_DONE;
        b->status = rc;
        return;
    }
    APP_MPI_CHECK(
        MPI_Isend(b->wire, (int)len, MPI_BYTE, rank, GX_TAG_PAIRS, MPI_COMM_WORLD, &b->req));
}

/* Who takes the next block: the worker rank with the fewest in flight while
 * below INFLIGHT (workers first: they have nothing else to do), else the
 * local pool below LOCAL_INFLIGHT; -1: nobody. */
static int next_owner(const coord *c) {
    int best = -1;
    for (int r = 1; r < c->ranks; r++)
        if (c->inflight[r] < INFLIGHT && (best < 0 || c->inflight[r] < c->inflight[best]))
            best = r;
    if (best < 0 && c->inflight[0] < LOCAL_INFLIGHT)
        best = 0;
    return best;
}

/* Hands out blocks while somebody can take one and the input has one. */
static void hand_out(coord *c) {
    for (int r; (r = next_owner(c)) >= 0;) {
        block *b = next_block(c);
        if (b == NULL)
            return;
        if (r > 0)
            send_block(c, b, r);
        else
            run_here(c, b);
    }
}

static block *find_block(coord *c, uint64_t seq) {
    for (size_t k = 0; k < c->nblocks; k++)
        if (c->blocks[k].state == B_RUNNING && c->blocks[k].seq == seq)
            return &c->blocks[k];
    return NULL;
}

/* Takes in one RESULT if one has arrived. Returns 1 if one was taken in. */
static int take_result(coord *c) {
    MPI_Status st;
    int flag = 0, len;
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
        app_mpi_wait_idle(&b->req); /* the worker has the bytes: at most a moment */
        free(b->wire);
        b->wire = NULL;
    }
    memcpy(b->dist, dist, n * sizeof *dist);
    b->status = status;
    b->state = B_DONE;
    c->inflight[st.MPI_SOURCE]--;
    return 1;
}

/* Takes in the local blocks whose tasks have finished. */
static void take_local(coord *c) {
    for (size_t k = 0; c->inflight[0] > 0 && k < c->nblocks; k++) {
        block *b = &c->blocks[k];
        if (b->state == B_RUNNING && b->owner == 0 &&
            atomic_load_explicit(&b->done, memory_order_acquire)) {
            b->state = B_DONE;
            c->inflight[0]--;
        }
    }
}

static int outstanding(const coord *c) {
    int n = 0;
    for (int r = 1; r < c->ranks; r++)
        n += c->inflight[r];
    return n;
}

/* ---------------------------------------------------------- printing -- */

static void print_block(coord *c, block *b) {
    for (size_t k = 0; k < b->n; k++) {
        gx_emit_result(&c->emit, &b->items[k], b->status, b->status == 0 ? b->dist[k] : 0);
        gx_item_release(&b->items[k]);
    }
    b->state = B_FREE;
}

/* Prints every block that may be printed: in input order, or any finished
 * one with --async. Returns whether it printed one (and so freed it). */
static bool flush(coord *c) {
    bool printed = false;
    for (bool again = true; again;) {
        again = false;
        for (size_t k = 0; k < c->nblocks; k++) {
            block *b = &c->blocks[k];
            if (b->state == B_DONE && (c->o->async || b->seq == c->next_print)) {
                print_block(c, b);
                c->next_print++;
                again = printed = true;
            }
        }
    }
    return printed;
}

/* ------------------------------------------------------------- loop -- */

/* Waits for the next event: a result from a worker rank, a local block
 * done, input after a stall, or the first signal. While the input stalls,
 * everything printed so far goes out first. */
static void wait_event(coord *c) {
    if (c->starved)
        (void)gx_emit_flush(&c->emit); /* a failure stops the run */
    int remote = outstanding(c) > 0;
    int intr = should_stop(c) ? -1 : c->o->intr_fd; /* stays readable: watched once */
    for (long ns = 20000;; ns = ns < 1000000 ? 2 * ns : ns) {
        MPI_Status st;
        int flag = 0;
        if (remote)
            APP_MPI_CHECK(MPI_Iprobe(MPI_ANY_SOURCE, GX_TAG_RESULT, MPI_COMM_WORLD, &flag, &st));
        if (flag || bell_wait(&c->bell, remote ? ns : 0, intr) || (intr >= 0 && should_stop(c)))
            return;
    }
}

/* A stop: no more reading; the pairs of the block being filled were never
 * handed out, so they are dropped (the output stays a prefix). */
static void close_input(coord *c) {
    block *b = c->open;
    if (b != NULL) {
        for (size_t k = 0; k < b->n; k++)
            gx_item_release(&b->items[k]);
        b->state = B_FREE;
        c->open = NULL;
    }
    c->eof = 1;
}

static void run_loop(coord *c) {
    for (;;) {
        while (take_result(c))
            ;
        take_local(c);
        do
            hand_out(c);
        while (flush(c));
        if (should_stop(c))
            close_input(c);
        if (c->eof && c->open == NULL && c->inflight[0] == 0 && outstanding(c) == 0)
            return; /* every block was done, so flush printed it */
        wait_event(c);
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

/* The reading thread of a stalling input (feed.h). */
typedef struct reading {
    gx_feed feed;
    gx_reader *r;
    size_t skip;
    pthread_t thread;
    int started;
} reading;

static void *reading_main(void *arg) {
    reading *rd = arg;
    gx_feed_run(&rd->feed, rd->r, rd->skip);
    return NULL;
}

/* Reads r on a thread of its own, through a feed. Returns 0 or an errno
 * value (nothing to undo then). */
static int reading_start(coord *c, reading *rd, gx_reader *r) {
    int rc = gx_feed_init(&rd->feed, c->o->ignore_case, c->o->stop);
    if (rc != 0)
        return rc;
    rd->r = r;
    rd->skip = c->o->skip;
    rd->feed.resume = bell_ring;
    rd->feed.resume_ctx = &c->bell;
    rc = pthread_create(&rd->thread, NULL, reading_main, rd);
    if (rc != 0) {
        gx_feed_done(&rd->feed);
        return rc;
    }
    rd->started = 1;
    c->feed = &rd->feed;
    return 0;
}

/* Ends the reading thread (which may wait for input or for room) and keeps
 * its error. */
static void reading_stop(coord *c, reading *rd) {
    if (!rd->started)
        return;
    gx_feed_abandon(&rd->feed);
    if (atomic_load(c->o->stop) != 0)
        app_stop_wake(); /* stopped without a signal: end a waiting read */
    check(pthread_join(rd->thread, NULL), "pthread_join");
    if (c->err.kind == GX_OK)
        c->err = rd->feed.err;
    gx_feed_done(&rd->feed);
    c->feed = NULL;
}

/* Opens the input and sets up the generator. Returns 0 or -1 (c->err set). */
static int open_source(coord *c, gx_reader **r, gx_set **set, const char **name, reading *rd) {
    *r = gx_reader_open(c->o->path, !c->o->all_vs_all, c->o->intr_fd, &c->err);
    if (*r == NULL)
        return -1;
    *name = gx_reader_name(*r);
    if (!c->o->all_vs_all && gx_input_may_block(gx_reader_input(*r))) {
        int rc = reading_start(c, rd, *r);
        if (rc != 0)
            return gx_fail(&c->err, GX_ENOMEM, 0, "%s", strerror(rc));
        gx_emit_progress(&c->emit, c->o->progress, 0, NULL);
        return 0;
    }
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
    int rc = c.blocks == NULL || c.inflight == NULL || c.pool == NULL ? errno : bell_init(&c.bell);
    if (rc == 0 && (rc = pthread_create(&c.computer, NULL, computer_main, &c)) != 0)
        bell_destroy(&c.bell);
    if (rc != 0) {
        fprintf(stderr, "genomics: cannot start %u workers: %s\n", o->workers, strerror(rc));
        free(c.blocks);
        free(c.inflight);
        wq_pool_destroy(c.pool);
        return 1;
    }
    gx_reader *r = NULL;
    gx_set *set = NULL;
    reading rd = {.started = 0};
    if (open_source(&c, &r, &set, &name, &rd) == 0)
        run_loop(&c);
    reading_stop(&c, &rd);
    gx_pairs_done(&c.pairs);
    gx_set_free(set);
    gx_reader_close(r);
    computer_stop(&c);
    wq_pool_destroy(c.pool);
    bell_destroy(&c.bell);
    free(c.blocks);
    free(c.inflight);
    return gx_emit_finish(&c.emit, name, &c.err, c.error);
}
