/*
 * workq search: every pair of sequences within edit distance K, found
 * through an exact segment index and verified by the levenshtein kernel on a
 * pool's workers.
 *
 *   wq_search_pairs     all pairs i < j of one set within K (all-vs-all)
 *   wq_search_query     all (query, target) pairs within K
 *   wq_search_clusters  connected components of the graph "distance <= K"
 *
 * Guarantees:
 *   - Exact: the hits are precisely the pairs a brute force over every pair
 *     would report, with the same distances (the filter only discards pairs
 *     it proves are farther than K; see search.c for the argument).
 *   - Ordered: hits arrive sorted by i, then j, whatever the thread count.
 *   - Exact duplicates are compared once and expanded on output.
 *   - Where the filter cannot help (K large against the lengths), the search
 *     compares the affected length classes pair by pair by itself.
 *   - Memory: the sequences stay the caller's; the calls hold the index
 *     (about 40 bytes per sequence and segment, K + 1 segments) plus, for
 *     wq_search_pairs on input with duplicates, the neighbour lists of the
 *     duplicated sequences (each entry stands for at least one hit).
 *   - Sequences are byte strings compared byte by byte (fold case first
 *     for a case-insensitive search). At most 2^32 - 2 sequences per set.
 *
 * The calls block until done; call them from any thread except the pool's
 * own workers (they wait on the pool). Errors are errno values.
 */
#ifndef WORKQ_SEARCH_H
#define WORKQ_SEARCH_H

#include <stddef.h>

#include <workq/kernels.h>
#include <workq/kernels_export.h>
#include <workq/workq.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A byte string: len bytes at ptr (ptr may be NULL when len is 0). */
typedef struct wq_seq {
    const char *ptr;
    size_t len;
} wq_seq;

/* One result: sequences i and j are at edit distance `distance` (<= K). */
typedef struct wq_hit {
    size_t i;
    size_t j;
    size_t distance;
} wq_hit;

/* Receives the next hits[0..n), in order (by i, then j). Called from one
 * thread at a time (a worker of the pool), never concurrently; hits is valid
 * only during the call. It is also called with n == 0 now and then (once per
 * block of probes), so a caller can stop a search that finds nothing.
 * Returns 0 to go on, or a non-zero value to stop: no further call is made,
 * and the search returns that value. */
typedef int (*wq_hits_fn)(void *ctx, const wq_hit *hits, size_t n);

/* Every pair i < j of seqs[0..n) at distance <= max_distance, delivered to
 * on_hits in order. max_distance WQ_LEV_NO_LIMIT reports every pair.
 * Returns 0, EINVAL (NULL pool, NULL seqs with n > 0, NULL on_hits),
 * EOVERFLOW (too many sequences), ENOMEM, or on_hits' stop value. */
WQ_KERNELS_EXPORT int wq_search_pairs(wq_pool *pool, const wq_seq *seqs, size_t n,
                                      size_t max_distance, wq_hits_fn on_hits, void *ctx);

/* Every (query i, target j) pair at distance <= max_distance (i indexes
 * queries, j targets), in order of i, then j, through an index built over
 * the targets. WQ_LEV_NO_LIMIT reports every pair. Returns as
 * wq_search_pairs. */
WQ_KERNELS_EXPORT int wq_search_query(wq_pool *pool, const wq_seq *queries, size_t nq,
                                      const wq_seq *targets, size_t nt, size_t max_distance,
                                      wq_hits_fn on_hits, void *ctx);

/* The connected components of the graph whose edges join sequences at
 * distance <= max_distance (identical sequences are one node): writes
 * label[i] = the smallest index in i's component, for i in [0, n). label
 * is the caller's array of n entries. Returns 0, EINVAL, EOVERFLOW or
 * ENOMEM (label then undefined). */
WQ_KERNELS_EXPORT int wq_search_clusters(wq_pool *pool, const wq_seq *seqs, size_t n,
                                         size_t max_distance, size_t *label);

#ifdef __cplusplus
}
#endif

#endif /* WORKQ_SEARCH_H */
