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

int gx_search_all(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name);
int gx_search_query(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name);
int gx_search_clusters(const gx_opts *o, wq_pool *pool, gx_emit *e, gx_err *err, const char **name);

#endif
