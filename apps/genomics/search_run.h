/*
 * search_run.h: genomics' indexed modes, on workq/search.h.
 *
 *   all       -A -k K: every pair i < j within K, as the brute force prints
 *             them (same order, same bytes);
 *   query     --query Q: every (query, target) pair within K (every pair
 *             without -k), queries in input order, then targets;
 *   clusters  --cluster: the connected components of "distance <= K", one
 *             line per cluster, largest first (ties: the first member's
 *             input position); identical sequences are one node.
 *
 * Each returns 0, ECANCELED (stopped: a signal or a failed write, which
 * emit reports), EIO with err set (the input), or an engine errno value.
 * *name is set to the input's name for messages.
 */
#ifndef GENOMICS_SEARCH_RUN_H
#define GENOMICS_SEARCH_RUN_H

#include <workq/workq.h>

#include "emit.h"
#include "error.h"
#include "run.h"

#include <workq/search.h>

#include "set.h"

/* A search split across processes (MPI, mpi_search.h): this process runs
 * share 0 and prints; the others' hits come through the split. NULL: the
 * whole search here. Called from the search's serialized callback (on a
 * pool worker) or from the calling thread, never at once. */
typedef struct gx_split {
    void *ctx;
    size_t nshares;
    /* Sends the loaded sets (b: the queries, or NULL) and starts the other
     * shares of a search of n probes cut into chunks of chunk. */
    int (*start)(void *ctx, const gx_set *a, const gx_set *b, size_t n, size_t chunk);
    /* Gives fn the other shares' hits of the chunks below upto, in chunk
     * order (each chunk's hits in order); block 0: only what has arrived
     * (clusters). Returns 0, fn's stop value or a share's error. */
    int (*drain)(void *ctx, size_t upto, int block, wq_hits_fn fn, void *fn_ctx);
    /* Ends the other shares (stopping them first when stopped) and waits
     * for them; returns the first share's error, or 0. */
    int (*finish)(void *ctx, int stopped);
} gx_split;

int gx_search_all(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name,
                  const gx_split *sp);
int gx_search_query(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name,
                    const gx_split *sp);
int gx_search_clusters(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name,
                       const gx_split *sp);

/* The library's view of a set: its sequences, borrowed (free() the array);
 * NULL when out of memory. */
wq_seq *gx_set_seqs(const gx_set *set);

/* The chunk of a split search of n probes over nshares shares. */
size_t gx_split_chunk(size_t n, size_t nshares);

#endif
