/*
 * The progress line of pi --async (see progress.h): "\rpi: 42% of N terms",
 * redrawn at most every 100 ms, erased with "\r" + ANSI erase-line.
 */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#define PI_PROGRESS_PERIOD 0.1 /* seconds between redraws */

double pi_monotonic_seconds(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void pi_progress_init(pi_progress *p, bool enabled, double now) {
    *p = (pi_progress){.enabled = enabled, .drawn = false, .last_draw = now};
}

void pi_progress_update(void *ctx, uint64_t done, uint64_t total) {
    pi_progress *p = ctx;
    if (!p->enabled || done >= total)
        return;
    double now = pi_monotonic_seconds();
    if (now - p->last_draw < PI_PROGRESS_PERIOD)
        return;
    p->last_draw = now;
    p->drawn = true;
    /* A failed write to the terminal is not worth stopping the run for. */
    (void)fprintf(stderr, "\rpi: %3u%% of %" PRIu64 " terms", (unsigned)(done * 100.0 / total),
                  total);
    (void)fflush(stderr);
}

void pi_progress_clear(pi_progress *p) {
    if (p->drawn)
        (void)fputs("\r\033[K", stderr);
    p->drawn = false;
}
