/*
 * cross.h: --query outside global mode, pair by pair. The index of
 * workq/search.h needs two lengths within K of each other, which prefix
 * and infix modes do not promise (a primer against a read), so each query
 * is compared with every target.
 */
#ifndef GENOMICS_CROSS_H
#define GENOMICS_CROSS_H

#include <stddef.h>

#include <workq/kernels.h>
#include <workq/search.h>
#include <workq/workq.h>

/* wq_search_query_share's contract in another mode: every (i, j) with
 * wq_align_distance(q[i], t[j], mode) <= k (every pair for
 * WQ_LEV_NO_LIMIT), in order (i, then j), for the chunks of share sh;
 * fn is called from the calling thread only, with n == 0 between blocks
 * of targets that found nothing, so a stop ends the run within one block.
 * Distances are computed on pool (wq_for), a block of targets at a time.
 * Returns 0, fn's non-zero value, ENOMEM or EINVAL (a bad share). */
int gx_cross_share(wq_pool *pool, const wq_seq *q, size_t nq, const wq_seq *t, size_t nt, size_t k,
                   wq_align_mode mode, const wq_search_share *sh, wq_hits_fn fn, void *ctx);

#endif /* GENOMICS_CROSS_H */
