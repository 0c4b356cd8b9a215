/*
 * progress.h: the one progress line of pi and genomics, on stderr.
 *
 * One drawer and one throttle: nothing during the first APP_PROGRESS_DELAY
 * seconds (short runs stay silent), then at most one redraw every
 * APP_PROGRESS_PERIOD seconds, each "\r" + text + erase-to-end-of-line
 * (the environment variable WORKQ_PROGRESS_DELAY, in seconds, replaces the
 * first delay: the tests use 0);
 * app_progress_end erases the line, if one was drawn, before the run's last
 * message. The tools decide when it is enabled (a terminal on stderr; see
 * their --help); the text is theirs.
 *
 * Guarantees: writes nothing when disabled; a failed write to the terminal
 * is ignored (not worth stopping a run for). Not thread-safe: one thread
 * (or the engine's serialized callbacks) drives a progress line.
 */
#ifndef WORKQ_APPS_PROGRESS_H
#define WORKQ_APPS_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#define APP_PROGRESS_DELAY 1.0  /* seconds before the first line */
#define APP_PROGRESS_PERIOD 0.2 /* seconds between redraws */

typedef struct app_progress {
    bool enabled;
    bool drawn; /* a line is on screen */
    FILE *f;
    double t0;   /* app_seconds() at the start */
    double next; /* seconds since t0 of the next redraw */
} app_progress;

/* CLOCK_MONOTONIC in seconds. */
double app_seconds(void);

/* Starts a progress line on f (off when !enabled), timed from now. */
void app_progress_init(app_progress *p, bool enabled, FILE *f);

/* Whether it is time to redraw; if so, *elapsed is the seconds since the
 * start and the next redraw is one period away. */
bool app_progress_due(app_progress *p, double *elapsed);

/* Draws text (one line, no newline) over the previous one. */
void app_progress_draw(app_progress *p, const char *text);

/* Erases the line if one was drawn. */
void app_progress_end(app_progress *p);

#endif /* WORKQ_APPS_PROGRESS_H */
