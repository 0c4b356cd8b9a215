/*
 * pairs.h: the ordered generator: the pairs of a reader, in input order.
 *
 * Each item owns a copy of its bytes (gx_item_release gives it back, in
 * the result callback), so memory is bounded by the engine's window, not
 * the input. The copies live in the generator's own pool of blocks
 * (items.h), so the steady state allocates nothing.
 *
 * Guarantees: called by one thread at a time (the engine serializes the
 * generator and the result callback, which releases the items), never
 * concurrently. It stops (returns 0) as soon as *stop is set: a signal, a
 * failed write. Items may outlive the generator: gx_pairs_done gives the
 * pool up, and the pool goes with its last block.
 */
#ifndef GENOMICS_PAIRS_H
#define GENOMICS_PAIRS_H

#include <stdatomic.h>
#include <stddef.h>

#include "error.h"
#include "items.h"
#include "reader.h"

typedef struct gx_pairs_gen {
    gx_reader *reader; /* borrowed */
    int fold;
    const atomic_int *stop;
    gx_blocks *pool; /* owned: the blocks of the items handed out */
    size_t skip;     /* pairs still to pass over (read, checked, not handed out) */
    gx_err err;      /* kind != GX_OK when the generator failed */
} gx_pairs_gen;

/* Sets up a generator over r (pairs mode), folding to lower case when
 * fold. Allocates nothing (the pool comes with the first item). */
void gx_pairs_init(gx_pairs_gen *g, gx_reader *r, int fold, const atomic_int *stop);

/* Gives up the generator's pool (see above). The reader is the caller's. */
void gx_pairs_done(gx_pairs_gen *g);

/* wq_gen_fn over a gx_pairs_gen: 1 with an item, 0 at the end (or when
 * stopped or interrupted), -EINVAL/-EIO/-ENOMEM with ->err set. */
int gx_pairs_next(void *gen_ctx, void *item);

#endif
