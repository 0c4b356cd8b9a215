/*
 * mpi_search.h: genomics' indexed modes (-A -k K, --cluster, --query) split
 * across MPI ranks (compiled only with WORKQ_WITH_MPI).
 *
 * Rank 0 loads the input, broadcasts the set(s), and each rank r searches
 * share r of wq_search_*_share (the probes' chunks c with c % ranks == r)
 * on its own pool, building its own index. Workers send their hits to rank
 * 0 in HITS messages, which rank 0 merges:
 *   - pairs and queries: chunk by chunk in chunk order (a worker ends each
 *     of its chunks with an END message), so rank 0 prints exactly the
 *     single process's order, through the same emit (--skip, formats,
 *     "interrupted after N pairs" all unchanged);
 *   - clusters: the links of wq_search_links, united at rank 0 in any
 *     order (union-find with the smallest index as root, so the labels are
 *     those of one process), then printed by rank 0.
 *
 * HITS (w -> 0): uint64_t kind, chunk, count, then count (i, j, distance)
 * triples. kind 0: hits of chunk; 1: chunk ended; 2: the share is done,
 * chunk then holds its status (0 or an errno value) and count its hits.
 *
 * Memory: a worker sends with MPI_Issend (complete only once rank 0 has
 * matched it), from its search callback, so it runs ahead of rank 0 by one
 * message and its engine's window; rank 0 holds one message at a time.
 * Stops: rank 0, stopped (a signal, a write error), sends CANCEL, which
 * each worker's callback sees at its next poll, then reads and drops every
 * message until each worker's DONE. MPI is called from the search
 * callbacks, one thread at a time (MPI_THREAD_SERIALIZED).
 *
 * GENOMICS_MPI_STATS set in the environment: rank 0 prints each worker
 * rank's hit count on stderr at the end ("genomics: rank R: N hits").
 */
#ifndef GENOMICS_MPI_SEARCH_H
#define GENOMICS_MPI_SEARCH_H

#include <workq/workq.h>

#include "run.h"
#include "set.h"

/* Rank 0: the run of o with the indexed mode split over every rank. */
int gx_mpi_search_run(const gx_opts *o);

/* A worker: serves the SEARCH message msg[0..len) over set (and qset, the
 * queries) on pool (NULL: pool_errno), answering with HITS until DONE. */
void gx_mpi_search_serve(const gx_opts *o, wq_pool *pool, int pool_errno, const gx_set *set,
                         const gx_set *qset, int set_errno, const void *msg, size_t len);

#endif
