/*
 * pairs.h: the items genomics feeds the engine, and the lazy generators that
 * make them.
 *
 *   ordered  the pairs of a reader in input order; each item owns a copy of
 *            its bytes (given back by gx_item_release in the result
 *            callback), so memory is bounded by the engine's window, not
 *            the input. The copies live in fixed-size blocks that released
 *            items hand back to the generator's free list (see gx_blocks in
 *            pairs.c), so the steady state allocates nothing;
 *   all      every pair i < j of a loaded set of records, (i, j) ascending,
 *            pointing into the set: memory is the set, whatever the number
 *            of pairs.
 *
 * A generator stops (returns 0) as soon as *stop is set: SIGINT or a failed
 * write. Generators are called by one thread at a time (the engine
 * serializes them), never concurrently.
 */
#ifndef GENOMICS_PAIRS_H
#define GENOMICS_PAIRS_H

#include <stdatomic.h>
#include <stddef.h>

#include <workq/kernels.h>

#include "reader.h"

/* One unit of work: the kernel's pair (compared bytes, case-folded with
 * --ignore-case) and the names to print. */
typedef struct gx_item {
    wq_pair pair;
    const char *na, *nb;
    size_t nalen, nblen;
    void *owned; /* freed by gx_item_release; NULL when the item borrows */
} gx_item;

void gx_item_release(const gx_item *item);

/* The levenshtein kernel over gx_item: in gx_item, out size_t, ctx
 * const wq_lev_opts *. It delegates to wq_levenshtein_batch chunk by chunk. */
extern const wq_kernel gx_kernel;

/* Fills item with copies of a and b (folded to lower case when fold), in a
 * block of *pool when one is given and the pair fits (the pool is created
 * on first use, and frees itself, clearing *pool, when its last block comes
 * back), else in a malloc'd block of its own. pool may be NULL. Returns 0
 * or ENOMEM. */
int gx_item_copy(gx_item *item, const gx_record *a, const gx_record *b, int fold, gx_blocks **pool);

/* ----------------------------------------------------- ordered pairs -- */

typedef struct gx_pairs_gen {
    gx_reader *reader;
    int fold;
    const atomic_int *stop;
    gx_err err; /* kind != GX_OK when the generator failed */
} gx_pairs_gen;

/* wq_gen_fn over a gx_pairs_gen: 1 with an item, 0 at the end (or when
 * stopped or interrupted), -EINVAL/-EIO/-ENOMEM with ->err set. Its items
 * must be released (gx_item_release) by the thread that calls it or under
 * the same serialization (the engine's: generator and callback never run
 * concurrently), and before the reader is closed: their blocks' free list
 * hangs off the reader (gx_reader_blocks). */
int gx_pairs_next(void *gen_ctx, void *item);

/* ------------------------------------------------------- all-vs-all -- */

/* A set of records, loaded whole. */
typedef struct gx_set gx_set;

/* Reads every record of r (folding when fold). Returns NULL with err set. */
gx_set *gx_set_load(gx_reader *r, int fold, gx_err *err);
void gx_set_free(gx_set *set);
size_t gx_set_size(const gx_set *set);

typedef struct gx_all_gen {
    const gx_set *set;
    size_t i, j; /* the next pair; start at 0, 1 */
    const atomic_int *stop;
} gx_all_gen;

/* wq_gen_fn over a gx_all_gen: the pairs (i, j), i < j, ascending. */
int gx_all_next(void *gen_ctx, void *item);

#endif
