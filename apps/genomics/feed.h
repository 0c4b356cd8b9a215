/*
 * feed.h: the ordered generator for input that may stall (a pipe, a
 * terminal, a socket): pairs are read on the caller's thread, which may
 * block, and handed to the engine's generator, which never does.
 *
 *   reading thread:  gx_feed_run  -- reader (may wait) --> bounded ring
 *   engine:          gx_feed_next <-- ring; WQ_GEN_AGAIN when it is empty
 *
 * Why not the generator reading itself (pairs.h)? It runs on a worker with
 * the job's service role, which a blocked read() would hold: results
 * computed meanwhile would wait for the next input line. Here the reading
 * thread hands its pairs over, and resumes the consumer (f->resume: the
 * job's wq_async_resume, or MPI rank 0's wake-up), when the generator is
 * waiting and either a batch is ready, the ring is full, the input ends, or
 * the next read is about to wait (the input's on_block hook). So a stall
 * costs one resume, not one per pair, and every pair read before a stall
 * reaches the consumer before the reading thread sleeps. After a
 * WQ_GEN_AGAIN, f->stalled tells a consumer that cuts the pairs into blocks
 * (MPI rank 0) whether the reading thread is waiting for input (ship a
 * partial block now) or only behind (more pairs follow at once).
 *
 * Guarantees: every pair read (after --skip) is handed out once, in input
 * order. Memory is the ring: FEED_CAP entries, each holding one pair's
 * bytes (a buffer that grows to the longest pair). The items' copies live
 * in the generator's own block pool (items.h), used only by the generator
 * and the result callback, which the engine serializes; the ring's mutex
 * protects the ring and the flags, and is never held while calling the
 * engine. The reading thread stops when the input ends or fails, when
 * *stop is set (checked before each pair; a signal also ends a waiting
 * read through the input's interrupt pipe), or when the consumer gave up
 * (gx_feed_abandon, the generator's end): a full ring never blocks it for
 * ever.
 */
#ifndef GENOMICS_FEED_H
#define GENOMICS_FEED_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <workq/workq.h>

#include "error.h"
#include "items.h"
#include "reader.h"

/* Entries in the ring, and how many the reading thread fills before it
 * hands them over under the lock (sooner at a stall or the end). */
enum { FEED_CAP = 1024, FEED_BATCH = 128 };

/* One pair in the ring: its four strings, one after another in buf. */
typedef struct gx_feed_entry {
    char *buf;
    size_t cap;
    size_t alen, blen, nalen, nblen; /* nalen == SIZE_MAX: the name is the sequence */
} gx_feed_entry;

typedef struct gx_feed {
    int fold;
    const atomic_int *stop;
    /* Wakes the consumer after WQ_GEN_AGAIN (e.g. wq_async_resume on the
     * job); set before gx_feed_run. Called by the reading thread, no lock
     * held. */
    void (*resume)(void *ctx);
    void *resume_ctx;
    gx_blocks *pool; /* the generator's: the blocks of the items handed out */
    int end_rc;      /* the generator's return at the end: 0 or -errno */
    gx_err err;      /* the input's error (GX_OK: none); read after the job */
    /* The reading thread's own: */
    size_t tail;    /* the next entry it fills */
    size_t pending; /* filled, not handed over yet */
    size_t room;    /* entries it may fill without asking (free at last look) */
    /* The generator's own: */
    size_t next;  /* the next entry it takes */
    size_t grab;  /* handed over, not taken yet, as of its last look */
    size_t taken; /* taken since its last look, not given back yet */
    bool stalled; /* at its last WQ_GEN_AGAIN, the reading thread was
                     waiting for input (not merely behind) */
    pthread_mutex_t mu;
    pthread_cond_t space; /* signalled when entries are freed while the
                             reading thread waits, or on abandon (mu) */
    size_t count;         /* entries handed over and not given back (mu) */
    bool reader_waits;    /* the reading thread waits for room (mu) */
    bool reader_idle;     /* the reading thread waits for input: set before
                             it waits, cleared at its next hand-over (mu) */
    bool waiting;         /* the generator said WQ_GEN_AGAIN, no resume since (mu) */
    bool closed;          /* no entry will follow the ones in the ring (mu) */
    bool abandoned;       /* the consumer stopped: the reader stops too (mu) */
    gx_feed_entry *ring;  /* FEED_CAP entries */
} gx_feed;

/* Sets up f (folding to lower case when fold). Returns 0 or an errno value
 * (nothing to undo then). */
int gx_feed_init(gx_feed *f, int fold, const atomic_int *stop);

/* Frees the ring and gives the pool up (items may outlive it, see items.h).
 * Call after the job is over. */
void gx_feed_done(gx_feed *f);

/* The reading thread's loop: reads the pairs of r (passing over the first
 * skip, read and checked), hands them over, and closes the feed at the end,
 * on an error (kept in f->err), on a stop, or when abandoned. Sets r's
 * on_block hook for the time of the call. f->resume must be set. */
void gx_feed_run(gx_feed *f, gx_reader *r, size_t skip);

/* wq_gen_fn over a gx_feed: 1 with an item, WQ_GEN_AGAIN when the ring is
 * empty but the input goes on, 0 at the end (or when *stop is set),
 * -errno on an input error or when out of memory. */
int gx_feed_next(void *gen_ctx, void *item);

/* The consumer stopped (the job was cancelled): the reading thread stops at
 * its next pair instead of waiting for room. Any thread. */
void gx_feed_abandon(gx_feed *f);

#endif
