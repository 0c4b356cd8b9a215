/*
 * items.h: the unit of work genomics feeds the engine, and the blocks that
 * hold copies of its bytes.
 *
 * An item is one pair to compare plus the two names to print. It either
 * borrows its bytes (all-vs-all: they live in the set) or owns a copy of
 * them in a block (ordered pairs: the reader's buffers move on).
 *
 * Guarantees: a pool of blocks (gx_blocks) belongs to the generator that
 * copies items into it; gx_item_release hands a block back to its pool
 * without seeing the generator. A pool is never locked: the caller
 * serializes every copy and release on one pool (the engine serializes the
 * generator and the result callback). Memory is bounded by the items in
 * flight, plus at most a fixed number of spare blocks per pool.
 */
#ifndef GENOMICS_ITEMS_H
#define GENOMICS_ITEMS_H

#include <stddef.h>

#include <workq/kernels.h>

#include "reader.h"

/* One unit of work: the kernel's pair (compared bytes, case-folded with
 * --ignore-case) and the names to print. */
typedef struct gx_item {
    wq_pair pair;
    const char *na, *nb;
    size_t nalen, nblen;
    void *owned; /* the block holding the bytes; NULL when the item borrows */
} gx_item;

/* A free list of fixed-size blocks for item copies. */
typedef struct gx_blocks gx_blocks;

/* A new, empty pool. Returns NULL when out of memory. */
gx_blocks *gx_blocks_new(void);

/* Gives the pool up: its spare blocks are freed now, and the pool itself
 * when its last block comes back (at once when none is out), so items may
 * outlive the call. NULL is a no-op. */
void gx_blocks_free(gx_blocks *pool);

/* Fills item with copies of a and b (folded to lower case when fold), in a
 * block of pool when one is given and the pair fits, else in a malloc'd
 * block of its own. Returns 0 or ENOMEM. */
int gx_item_copy(gx_item *item, const gx_record *a, const gx_record *b, int fold, gx_blocks *pool);

/* The bytes gx_item_put needs for a and b (folded when fold). */
size_t gx_item_size(const gx_record *a, const gx_record *b, int fold);

/* Fills item with copies of a and b (folded to lower case when fold) at
 * dst, which holds gx_item_size(a, b, fold) bytes and stays the caller's:
 * the item borrows them (owned NULL). */
void gx_item_put(gx_item *item, char *dst, const gx_record *a, const gx_record *b, int fold);

/* Gives the item's block back (to its pool, or to free). Borrowing items:
 * a no-op. */
void gx_item_release(const gx_item *item);

/* Copies n bytes of src to dst, folded to lower case when fold. Returns
 * dst + n. Shared with the set, which folds the same way. */
char *gx_put(char *dst, const char *src, size_t n, int fold);

#endif
