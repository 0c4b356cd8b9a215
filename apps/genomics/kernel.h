/*
 * kernel.h: the levenshtein kernel adapted to genomics' items, and the one
 * call that computes a block of items on a pool (MPI ranks use it).
 *
 * Guarantees: distances are the kernel's (wq_levenshtein_batch in global
 * mode, wq_align_distance in prefix and infix modes), item by item,
 * whatever the grouping; the adapter copies only the 32-byte pairs out of
 * the items, never their bytes.
 */
#ifndef GENOMICS_KERNEL_H
#define GENOMICS_KERNEL_H

#include <stddef.h>

#include <workq/kernels.h>
#include <workq/workq.h>

#include "items.h"

/* The kernel's options: the distance limit and the alignment mode. */
typedef struct gx_kopts {
    wq_lev_opts lev;    /* distances above lev.max_distance: max_distance + 1 */
    wq_align_mode mode; /* --mode: global, prefix or infix */
} gx_kopts;

/* The levenshtein kernel over gx_item: in gx_item, out size_t, ctx
 * const gx_kopts *. It delegates to wq_levenshtein_batch chunk by chunk in
 * global mode, to wq_align_distance pair by pair in the others. */
extern const wq_kernel gx_kernel;

/* Distances of items[0..n) into dist, computed on the pool's threads only
 * (the calling thread waits). Used by rank 0 and the worker ranks under
 * MPI. Returns 0 or an errno value. */
int gx_compute_block(wq_pool *pool, const gx_kopts *ko, const gx_item *items, size_t n,
                     size_t *dist);

#endif
