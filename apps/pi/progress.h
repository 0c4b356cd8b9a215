/*
 * The progress line of pi --async on a terminal: "pi:  42% of N terms",
 * drawn by the shared progress line (apps/common/progress.h: its delay,
 * its throttle, its erasing).
 *
 * Guarantees: writes to stderr only when enabled (the caller checks
 * isatty). Not thread-safe: the engine serializes the async callbacks that
 * call pi_progress_update, and pi_progress_clear runs after them.
 */
#ifndef PI_PROGRESS_H
#define PI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/progress.h"

typedef app_progress pi_progress;

/* Starts a progress display on stderr (off when !enabled). */
void pi_progress_init(pi_progress *p, bool enabled);

/* A pi_progress_fn: done of total terms summed (ctx is a pi_progress). */
void pi_progress_update(void *ctx, uint64_t done, uint64_t total);

/* Erases the line if one was drawn. */
void pi_progress_clear(pi_progress *p);

#endif /* PI_PROGRESS_H */
