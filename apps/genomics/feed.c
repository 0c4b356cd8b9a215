/*
 * feed.c: pairs read on one thread, handed to the engine's generator
 * through a bounded ring (see feed.h).
 *
 * Lock: f->mu protects count, the flags, and the
 * ring entries between head and head + count (the reading thread fills the
 * entry after them unlocked: it is not handed over yet). It is never held
 * while calling the engine (wq_async_resume takes the job's lock; the
 * engine calls the generator with no lock held), so the two locks never
 * nest. A pthread call on an initialized mutex or condition variable fails
 * only on a programming error: check() aborts then.
 */
#define _POSIX_C_SOURCE 200809L

#include "feed.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(int rc, const char *what) {
    if (rc != 0) {
        fprintf(stderr, "genomics: %s: %s\n", what, strerror(rc));
        abort();
    }
}

static void lock(gx_feed *f) {
    check(pthread_mutex_lock(&f->mu), "pthread_mutex_lock");
}
static void unlock(gx_feed *f) {
    check(pthread_mutex_unlock(&f->mu), "pthread_mutex_unlock");
}

int gx_feed_init(gx_feed *f, int fold, const atomic_int *stop) {
    *f = (gx_feed){.fold = fold, .stop = stop, .err = {GX_OK, 0, ""}};
    f->ring = calloc(FEED_CAP, sizeof *f->ring);
    if (f->ring == NULL)
        return ENOMEM;
    int rc = pthread_mutex_init(&f->mu, NULL);
    if (rc == 0 && (rc = pthread_cond_init(&f->space, NULL)) != 0)
        check(pthread_mutex_destroy(&f->mu), "pthread_mutex_destroy");
    if (rc != 0)
        free(f->ring);
    return rc;
}

void gx_feed_done(gx_feed *f) {
    check(pthread_cond_destroy(&f->space), "pthread_cond_destroy");
    check(pthread_mutex_destroy(&f->mu), "pthread_mutex_destroy");
    for (size_t i = 0; i < FEED_CAP; i++)
        free(f->ring[i].buf);
    free(f->ring);
    gx_blocks_free(f->pool);
    f->pool = NULL;
}

/* ------------------------------------------------- the reading side -- */

/* Hands the pending entries over (and, at the end, closes the feed with
 * end_rc); idle: the reading thread is about to wait for input. Resumes
 * the generator if it waits and there is news: entries, the end, or a
 * stall (a consumer holding a partial block ships it then). Returns false
 * when the consumer gave up. */
static bool publish(gx_feed *f, bool end, int end_rc, bool idle) {
    lock(f);
    f->count += f->pending;
    f->pending = 0;
    f->room = FEED_CAP - f->count;
    if (end) {
        f->end_rc = end_rc;
        f->closed = true;
    }
    f->reader_idle = idle;
    bool resume = f->waiting && (f->count > 0 || f->closed || idle);
    if (resume)
        f->waiting = false;
    bool gone = f->abandoned;
    unlock(f);
    if (resume)
        f->resume(f->resume_ctx);
    return !gone;
}

/* The input is about to wait: what was read so far goes now. */
static void on_block(void *ctx) {
    publish(ctx, false, 0, true);
}

/* Hands the pending entries over and waits until an entry is free.
 * Returns false when the consumer gave up. */
static bool make_room(gx_feed *f) {
    if (!publish(f, false, 0, false))
        return false;
    lock(f);
    while (f->count == FEED_CAP && !f->abandoned) {
        f->reader_waits = true;
        check(pthread_cond_wait(&f->space, &f->mu), "pthread_cond_wait");
    }
    f->reader_waits = false;
    f->room = FEED_CAP - f->count;
    bool gone = f->abandoned;
    unlock(f);
    return !gone;
}

/* Copies a record's bytes into dst; returns the name's stored length. */
static size_t put_record(char *dst, const gx_record *r) {
    if (r->seqlen > 0)
        memcpy(dst, r->seq, r->seqlen);
    if (r->name == r->seq)
        return SIZE_MAX;
    if (r->namelen > 0)
        memcpy(dst + r->seqlen, r->name, r->namelen);
    return r->namelen;
}

/* Fills e with a and b. Returns 0 or ENOMEM. */
static int entry_fill(gx_feed_entry *e, const gx_record *a, const gx_record *b) {
    size_t need = a->seqlen + a->namelen + b->seqlen + b->namelen + 1;
    if (need > e->cap) {
        char *p = realloc(e->buf, need);
        if (p == NULL)
            return ENOMEM;
        e->buf = p;
        e->cap = need;
    }
    e->alen = a->seqlen;
    e->nalen = put_record(e->buf, a);
    size_t at = a->seqlen + (e->nalen == SIZE_MAX ? 0 : e->nalen);
    e->blen = b->seqlen;
    e->nblen = put_record(e->buf + at, b);
    return 0;
}

/* Adds one pair: filled here, handed over by the batch. Returns 0,
 * ECANCELED when the consumer gave up, or ENOMEM. */
static int push(gx_feed *f, const gx_record *a, const gx_record *b) {
    if (f->room == 0 && !make_room(f))
        return ECANCELED;
    if (entry_fill(&f->ring[f->tail], a, b) != 0)
        return ENOMEM;
    f->tail = (f->tail + 1) % FEED_CAP;
    f->pending++;
    f->room--;
    if (f->pending >= FEED_BATCH && !publish(f, false, 0, false))
        return ECANCELED;
    return 0;
}

void gx_feed_run(gx_feed *f, gx_reader *r, size_t skip) {
    gx_reader_on_block(r, on_block, f);
    f->room = FEED_CAP;
    gx_record a, b;
    int rc = 0;
    while (!atomic_load(f->stop) && (rc = gx_reader_pair(r, &a, &b, &f->err)) == 1) {
        if (skip > 0) {
            skip--; /* --skip: read and checked, so errors keep their lines */
            continue;
        }
        int err = push(f, &a, &b);
        if (err == ECANCELED)
            break;
        if (err != 0) {
            gx_fail(&f->err, GX_ENOMEM, 0, "%s", strerror(err));
            rc = -1;
            break;
        }
    }
    if (rc < 0 && f->err.kind == GX_INTERRUPTED) {
        f->err.kind = GX_OK; /* a signal: a clean end, reported by emit */
        rc = 0;
    }
    gx_reader_on_block(r, NULL, NULL);
    publish(f, true, rc < 0 ? -gx_err_errno(f->err.kind) : 0, false);
}

/* ------------------------------------------------------- the engine -- */

void gx_feed_abandon(gx_feed *f) {
    lock(f);
    f->abandoned = true;
    check(pthread_cond_signal(&f->space), "pthread_cond_signal");
    unlock(f);
}

/* Gives the entries taken back and looks at what was handed over. Returns
 * 1 when there is something to take, else what the generator returns. */
static int look(gx_feed *f) {
    lock(f);
    f->count -= f->taken;
    f->taken = 0;
    if (f->reader_waits)
        check(pthread_cond_signal(&f->space), "pthread_cond_signal");
    f->grab = f->count;
    int rc = 1;
    if (f->grab == 0) {
        rc = f->closed ? f->end_rc : WQ_GEN_AGAIN;
        f->waiting = !f->closed;
        f->stalled = f->reader_idle;
    }
    unlock(f);
    return rc;
}

/* The record stored at p (its sequence, then its name unless shared). */
static gx_record get_record(const char *p, size_t seqlen, size_t namelen) {
    if (namelen == SIZE_MAX)
        return (gx_record){p, seqlen, p, seqlen, 0};
    return (gx_record){p + seqlen, namelen, p, seqlen, 0};
}

int gx_feed_next(void *gen_ctx, void *out) {
    gx_feed *f = gen_ctx;
    if (atomic_load(f->stop)) {
        gx_feed_abandon(f);
        return 0;
    }
    int rc = f->grab > 0 ? 1 : look(f);
    if (rc != 1)
        return rc;
    /* The entry stays ours until look() gives it back. */
    const gx_feed_entry *e = &f->ring[f->next];
    f->next = (f->next + 1) % FEED_CAP;
    f->grab--;
    f->taken++;
    size_t at = e->alen + (e->nalen == SIZE_MAX ? 0 : e->nalen);
    gx_record a = get_record(e->buf, e->alen, e->nalen);
    gx_record b = get_record(e->buf + at, e->blen, e->nblen);
    if (f->pool == NULL)
        f->pool = gx_blocks_new(); /* NULL: each item gets a block of its own */
    if (gx_item_copy(out, &a, &b, f->fold, f->pool) != 0) {
        gx_feed_abandon(f); /* the job ends with the error: stop reading */
        return -ENOMEM;
    }
    return 1;
}
