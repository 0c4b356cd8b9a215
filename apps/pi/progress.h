/*
 * The progress line of pi --async on a terminal.
 *
 * Guarantees: writes to stderr only when enabled (the caller checks
 * isatty); redraws at most 10 times a second; pi_progress_clear erases the
 * line if anything was drawn. Not thread-safe: the engine serializes the
 * async callbacks that call pi_progress_update, and clear runs after them.
 */
#ifndef PI_PROGRESS_H
#define PI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct pi_progress {
    bool enabled;
    bool drawn;       /* a line is on screen */
    double last_draw; /* CLOCK_MONOTONIC seconds of the last redraw */
} pi_progress;

/* CLOCK_MONOTONIC in seconds (0 if the clock fails, which Linux never does). */
double pi_monotonic_seconds(void);

/* Starts a progress display (off when !enabled) at time now (seconds). */
void pi_progress_init(pi_progress *p, bool enabled, double now);

/* A pi_progress_fn: done of total terms summed (ctx is a pi_progress). */
void pi_progress_update(void *ctx, uint64_t done, uint64_t total);

/* Erases the line if one was drawn. */
void pi_progress_clear(pi_progress *p);

#endif /* PI_PROGRESS_H */
