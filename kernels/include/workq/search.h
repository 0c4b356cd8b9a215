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
 * own workers (they wait on the pool). Errors are errno values. A stop
 * (the callback's non-zero return) ends any phase within a bounded slice
 * of work per thread: see wq_hits_fn.
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

/* Receives the next hits[0..n), in order (by i, then j); hits is valid only
 * during the call.
 *
 * It is also the search's stop hook: it is called with n == 0 (hits NULL)
 * by whichever thread is working, the caller's or a worker of the pool,
 * after every bounded slice of that thread's work (2^18 units: a byte
 * hashed, a table entry, a DP word of a verified pair; well under a
 * millisecond here), in every phase: the duplicate table, the index build,
 * the neighbour lists of duplicates, probing and verifying (classes
 * compared pair by pair included) and the cluster labels. A poll due while
 * another call is under way is skipped (that call answers for it). The one
 * thing a check cannot interrupt is a single pair's verification (its
 * cost is that pair's DP: length x length / 64 words at most).
 *
 * Calls never overlap (a mutex serializes them, so the callback needs no
 * lock of its own) and come from several threads in turn. Returns 0 to go
 * on, or a non-zero value to stop: no further call is made, every thread
 * unwinds at its next check, and the search returns that value once all
 * have. The hits delivered before the stop are a prefix of the full
 * result. To stop from another thread (a signal handler's flag, a UI), set
 * a flag the callback reads and returns non-zero for. */
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
 * is the caller's array of n entries. on_poll (may be NULL: never stops)
 * is the stop hook of wq_hits_fn, only ever called with n == 0. Returns 0,
 * EINVAL, EOVERFLOW, ENOMEM or on_poll's stop value (label then
 * undefined). */
WQ_KERNELS_EXPORT int wq_search_clusters(wq_pool *pool, const wq_seq *seqs, size_t n,
                                         size_t max_distance, size_t *label, wq_hits_fn on_poll,
                                         void *ctx);

/* ------------------------------------------------- splitting a search -- */

/* A share of one search, to split it across processes (each with its own
 * pool): the probes (the i of the hits) are cut into consecutive chunks of
 * `chunk` indices, chunk c = [c * chunk, (c + 1) * chunk), and a share
 * searches only the chunks c with c % nshares == share. The shares
 * 0 .. nshares - 1 of one search together find each hit exactly once; a
 * share's hits arrive in order (i, then j), so merging the shares' hits
 * chunk by chunk gives the whole search's order. nshares 1 is the whole
 * search (chunk is then ignored). Each share builds the whole index. */
typedef struct wq_search_share {
    size_t chunk;   /* > 0 when nshares > 1 */
    size_t nshares; /* > 0 */
    size_t share;   /* < nshares */
} wq_search_share;

/* wq_search_pairs and wq_search_query for one share (EINVAL for a share
 * that is not one). */
WQ_KERNELS_EXPORT int wq_search_pairs_share(wq_pool *pool, const wq_seq *seqs, size_t n,
                                            size_t max_distance, const wq_search_share *share,
                                            wq_hits_fn on_hits, void *ctx);
WQ_KERNELS_EXPORT int wq_search_query_share(wq_pool *pool, const wq_seq *queries, size_t nq,
                                            const wq_seq *targets, size_t nt, size_t max_distance,
                                            const wq_search_share *share, wq_hits_fn on_hits,
                                            void *ctx);

/* The links of wq_search_clusters' graph for one share, for a caller that
 * unites them itself (clusters split across processes): for each input i
 * in the share, (first, i, 0) when i repeats the sequence whose first
 * occurrence is first, else (i, j, d) for each first occurrence j > i of a
 * distinct sequence within max_distance. The union of the links of all
 * shares connects exactly wq_search_clusters' components, with far fewer
 * edges than all pairs when sequences repeat. Hits come in a fixed order
 * (by i's block) but not sorted. Returns as wq_search_pairs. */
WQ_KERNELS_EXPORT int wq_search_links(wq_pool *pool, const wq_seq *seqs, size_t n,
                                      size_t max_distance, const wq_search_share *share,
                                      wq_hits_fn on_hits, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* WORKQ_SEARCH_H */
