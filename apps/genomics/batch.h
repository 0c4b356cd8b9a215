/*
 * batch.h: the ordered generator for input that never stalls (a regular
 * file), many pairs to one engine item.
 *
 * A million short pairs one item each cost the engine a million generator
 * calls, item copies and result callbacks, more than the distances
 * themselves. Here an engine item is a pointer to a gx_batch: up to
 * GX_BATCH_PAIRS consecutive pairs of the input, their bytes copied into
 * the batch, computed by one kernel call (gx_batch_kernel) and printed by
 * one result callback, pair by pair, in input order.
 *
 * Guarantees: every pair read (after --skip) is in exactly one batch, in
 * input order, with the same records and messages as gx_pairs_next: the
 * usual pair lines are cut many at a time (gx_reader_pair_lines), every
 * other pair comes from gx_reader_pair. A data error ends the batch being
 * filled, which is handed out with the pairs before the error; the error
 * follows on the next call. Memory: the batches in flight (the engine's
 * window) plus the spares kept by the generator, each one struct and its
 * bytes (a pair too long for them gets a block of its own, freed with the
 * batch). The generator and the result callback, which releases batches,
 * are serialized by the engine: no lock.
 */
#ifndef GENOMICS_BATCH_H
#define GENOMICS_BATCH_H

#include <stdatomic.h>
#include <stddef.h>

#include <workq/workq.h>

#include "error.h"
#include "items.h"
#include "reader.h"

/* Pairs and bytes a batch holds. The kernel fills its vector lanes with
 * many pairs at a time (eight 500-byte pairs to an AVX-512 step), so a
 * batch holds 64 pairs up to 500 bytes each; only the bytes used are
 * touched. */
enum { GX_BATCH_PAIRS = 64, GX_BATCH_BYTES = 1 << 16 };

typedef struct gx_batch_gen gx_batch_gen;

/* Up to GX_BATCH_PAIRS pairs: items[0..n), and, once computed, each one's
 * status (0 or the kernel's errno value) and distance. */
typedef struct gx_batch {
    gx_batch_gen *gen;     /* where it goes back to */
    struct gx_batch *next; /* in the generator's spares */
    size_t n;
    size_t used;  /* bytes of data taken */
    size_t owned; /* items with a block of their own */
    gx_item items[GX_BATCH_PAIRS];
    size_t dist[GX_BATCH_PAIRS];
    int status[GX_BATCH_PAIRS];
    char data[GX_BATCH_BYTES];
} gx_batch;

struct gx_batch_gen {
    gx_reader *reader; /* borrowed */
    int fold;
    const atomic_int *stop;
    size_t skip; /* pairs still to pass over (read, checked, not handed out) */
    int end;     /* after the batch with the last pairs: the return to give
                    (0, or -errno); 1 while the input goes on */
    gx_err err;  /* kind != GX_OK when the input failed */
    gx_batch *spare;
};

/* Sets up a generator over r (pairs mode), folding to lower case when
 * fold. Allocates nothing. */
void gx_batch_init(gx_batch_gen *g, gx_reader *r, int fold, const atomic_int *stop);

/* Frees the spares. Call once every batch handed out was released (the
 * job is over). */
void gx_batch_done(gx_batch_gen *g);

/* wq_gen_fn over a gx_batch_gen; the item is a gx_batch *. 1 with a batch
 * of at least one pair, 0 at the end (or when stopped or interrupted),
 * -EINVAL/-EIO/-ENOMEM with ->err set. */
int gx_batch_next(void *gen_ctx, void *item);

/* Gives a batch back to its generator (in the result callback). */
void gx_batch_release(gx_batch *b);

/* The kernel over batches: in gx_batch *, out int (unused, 0), ctx const
 * gx_kopts *. Fills each batch's distances and statuses (gx_kernel's,
 * pair by pair, whatever the grouping). */
extern const wq_kernel gx_batch_kernel;

#endif
