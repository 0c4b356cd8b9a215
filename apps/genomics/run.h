/*
 * run.h: one genomics run, from parsed options to an exit status.
 *
 * Guarantees: results go to stdout through the engine's serialized result
 * callback; a data error found mid-stream stops the input there, every pair
 * before it is still printed (ordered mode: all of them, in order), then
 * the error goes to stderr. Exit status: 0 success, 1 data/I/O/write error,
 * 128 + N after signal N (*stop set to N by the SIGINT/SIGTERM handler: 130,
 * 143).
 */
#ifndef GENOMICS_RUN_H
#define GENOMICS_RUN_H

#include <stdatomic.h>
#include <stddef.h>

#include <workq/kernels.h>

#include "output.h"

typedef struct gx_opts {
    const char *path; /* NULL or "-" = stdin */
    int all_vs_all;
    int cluster;       /* --cluster: components of "distance <= K" (implies all_vs_all) */
    const char *query; /* --query FILE: queries against the input's targets, or NULL */
    int async;         /* completion order */
    int demo;          /* the lesson's six pairs */
    int ignore_case;
    int progress;        /* draw the progress line on stderr */
    size_t max_distance; /* WQ_LEV_NO_LIMIT = report every pair */
    gx_outfmt format;
    wq_align_mode mode; /* --mode, for distances and alignments */
    int cigar;          /* --cigar: tsv and jsonl show the alignment */
    size_t skip;        /* --skip: input pairs passed over first */
    unsigned workers;   /* 0 = one per online CPU */
    int intr_fd;        /* readable once SIGINT arrived, or -1 */
    atomic_int *stop;   /* 0; a signal number (set by the handler); -1 when
                           the run stops itself early (write error) */
} gx_opts;

/* Whether o runs through the index (search_run.h): --query, --cluster, or
 * -A with -k in global mode. */
int gx_run_indexed(const gx_opts *o);

/* Runs and returns the exit status. Writes to stdout without closing it. */
int gx_run(const gx_opts *o);

/* gx_run with the indexed modes split across processes (search_run.h;
 * NULL: gx_run). */
struct gx_split;
int gx_run_split(const gx_opts *o, const struct gx_split *sp);

#endif
