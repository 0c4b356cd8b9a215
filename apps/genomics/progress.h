/*
 * progress.h: the progress line on stderr for long runs.
 *
 * Shown only when the caller enables it (genomics: stderr is a terminal,
 * stdout is not, no --quiet); drawn by the shared progress line
 * (apps/common/progress.h: after its first second, at most five times a
 * second, erased at the end). Pairs done of the total when
 * known (all-vs-all), else the share of the input file read; the rate; the
 * ETA. Single-threaded: the engine serializes the result callbacks that
 * tick it.
 */
#ifndef GENOMICS_PROGRESS_H
#define GENOMICS_PROGRESS_H

#include <stddef.h>
#include <stdio.h>

#include "common/progress.h"
#include "input.h"

typedef struct gx_progress {
    app_progress line;
    size_t total;       /* pairs, 0 = unknown */
    const gx_input *in; /* for the share read when the size is known */
} gx_progress;

void gx_progress_init(gx_progress *p, int enabled, FILE *f, size_t total, const gx_input *in);

/* Notes that done pairs are finished; redraws when it is time. */
void gx_progress_tick(gx_progress *p, size_t done);

/* Whether the line is shown: a run without it (the usual one: a file or a
 * pipe on stderr) skips gx_progress_tick per result. */
static inline int gx_progress_shown(const gx_progress *p) {
    return p->line.enabled;
}

/* Erases the line, if one was drawn. */
void gx_progress_end(gx_progress *p);

/* The text of a progress line: done, total (0 = unknown), frac (share of the
 * input read, < 0 = unknown), elapsed seconds. Returns buf. */
char *gx_progress_format(char *buf, size_t cap, size_t done, size_t total, double frac,
                         double elapsed);

#endif
