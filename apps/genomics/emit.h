/*
 * emit.h: the one place where genomics' results are printed, for the
 * single process (run.c) and MPI rank 0 (mpi_coord.c) alike.
 *
 * The caller hands each result over in the order it wants printed (the
 * engine's result callback, or rank 0's block order); emit filters by
 * --max-distance, writes in the chosen format, counts, ticks the progress
 * line, and ends the run with one epilogue (flush, one message, the exit
 * status).
 *
 * Guarantees: single-threaded (the engine serializes its result callbacks;
 * rank 0 prints from its main thread). A failed write is remembered (the
 * first errno), nothing more is written, and *stop is set to -1 so that
 * the sources stop; a failed kernel is handled the same way. Formats that
 * show an alignment (paf, pretty, --cigar) align each printed pair here,
 * with wq_align in the run's mode, so every mode of the tool prints the
 * same bytes; its buffers live in the emitter and gx_emit_finish frees
 * them. emit knows
 * nothing of the engine or of MPI: stopping a job is the caller's business
 * (gx_emit_result's return value says when).
 */
#ifndef GENOMICS_EMIT_H
#define GENOMICS_EMIT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "items.h"
#include "output.h"
#include "progress.h"

typedef struct gx_emit {
    gx_out out; /* lines wait here; gx_emit_flush pushes them out */
    gx_outfmt format;
    size_t max_distance; /* print pairs at distance <= this */
    atomic_int *stop;    /* the run's stop flag (see run.h) */
    gx_progress progress;
    size_t done;     /* results computed (printed or filtered out) */
    int write_errno; /* the first write error, or 0 */
    int error;       /* the first kernel error, or 0 */
    int aligns;      /* the format prints alignments */
    int span;        /* ... with the span on B (--cigar, not global mode) */
    wq_align_mode mode;
    wq_alignment al;  /* reused for every printed pair */
    int ordered;      /* results come in input order (not --async) */
    int gap;          /* ordered: a result was cancelled, print no more */
    size_t skip;      /* --skip: results before the first one here */
    size_t drop;      /* of those, still to drop here (the source could not skip) */
    const char *unit; /* what a result is, in messages: "pairs" or "clusters" */
} gx_emit;

/* Sets up e to print to out (progress off; see gx_emit_progress). Lines
 * are held in e's buffer until it fills, gx_emit_flush or gx_emit_finish. */
void gx_emit_init(gx_emit *e, FILE *out, gx_outfmt format, size_t max_distance, atomic_int *stop);

/* Sets the alignment mode, and whether --cigar was given (call after
 * gx_emit_init, before the first result). */
void gx_emit_align(gx_emit *e, wq_align_mode mode, int cigar);

/* Says whether results arrive in input order, and how many results
 * --skip passes over: the source skipped them itself (drop 0: the
 * generators), or emit drops the first skip results it is given (drop 1:
 * the index's hits). Call before the first result. In order, output is
 * always a prefix without holes: after the first cancelled result no
 * other is printed or counted, so an interrupted run has printed exactly
 * the first skip + done results of the input, and says so. */
void gx_emit_order(gx_emit *e, int ordered, size_t skip, int drop);

/* Turns the progress line on stderr on (when enabled): total pairs when
 * known (0 = unknown), else the share read of in (may be NULL). */
void gx_emit_progress(gx_emit *e, int enabled, size_t total, const gx_input *in);

/* One result: status 0 with its distance, or the kernel's errno value
 * (ECANCELED for an item a stopped job never ran: not counted, not an
 * error). Returns 0, or -1 when the run must stop (a write or the kernel
 * failed, or *stop is set). */
int gx_emit_result(gx_emit *e, const gx_item *item, int status, size_t distance);

/* gx_emit_result for items[0..n) in turn, with status[k] and dist[k]; the
 * usual case (every status 0, nothing to drop or align, no error so far)
 * is written in one go. Returns as gx_emit_result, for the whole run. */
int gx_emit_results(gx_emit *e, const gx_item *items, const int *status, const size_t *dist,
                    size_t n);

/* One cluster (--cluster; see gx_output_cluster), counted in done.
 * Returns as gx_emit_result. */
int gx_emit_cluster(gx_emit *e, size_t size, const char *rep, size_t replen, gx_member_fn member,
                    void *ctx);

/* Pushes every line printed so far out to the stream and flushes it (a run
 * that waits for input calls it so that the results so far are seen).
 * Returns 0, or -1 after a write error (remembered as in gx_emit_result,
 * and the sources asked to stop). */
int gx_emit_flush(gx_emit *e);

/* The epilogue every run shares: frees the alignment buffers, erases the
 * progress line, flushes the
 * output, then prints at most one message, in this order of precedence:
 * write error, input error (`genomics: NAME:LINE: msg`), kernel error, the
 * other error (an engine errno, 0: none), interruption: "interrupted after
 * N pairs", N counting from the input's first pair, with "(resume with
 * --skip N)" in order and "(output unordered)" with --async. Returns the
 * exit status (0, 1, or 128 + signal). */
int gx_emit_finish(gx_emit *e, const char *name, const gx_err *err, int error);

#endif
