/*
 * progress.c: the progress line's throttle and drawer (see progress.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"

#include <stdlib.h>
#include <time.h>

double app_seconds(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0.0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* APP_PROGRESS_DELAY, or WORKQ_PROGRESS_DELAY's seconds (tests set 0, so
 * that whether a line shows depends on the terminal check alone). */
static double first_delay(void) {
    const char *s = getenv("WORKQ_PROGRESS_DELAY");
    char *end;
    double d = s != NULL && *s != '\0' ? strtod(s, &end) : -1;
    return d >= 0 && d <= 3600 && *end == '\0' ? d : APP_PROGRESS_DELAY;
}

void app_progress_init(app_progress *p, bool enabled, FILE *f) {
    *p = (app_progress){.enabled = enabled, .f = f, .t0 = app_seconds(), .next = first_delay()};
}

bool app_progress_due(app_progress *p, double *elapsed) {
    if (!p->enabled)
        return false;
    double t = app_seconds() - p->t0;
    if (t < p->next)
        return false;
    p->next = t + APP_PROGRESS_PERIOD;
    *elapsed = t;
    return true;
}

void app_progress_draw(app_progress *p, const char *text) {
    (void)fprintf(p->f, "\r%s\033[K", text);
    (void)fflush(p->f);
    p->drawn = true;
}

void app_progress_end(app_progress *p) {
    if (p->drawn) {
        (void)fputs("\r\033[K", p->f);
        (void)fflush(p->f);
        p->drawn = false;
    }
}
