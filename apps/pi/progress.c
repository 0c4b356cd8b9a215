/*
 * The progress line of pi --async (see progress.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"

#include <inttypes.h>
#include <stdio.h>

void pi_progress_init(pi_progress *p, bool enabled) {
    app_progress_init(p, enabled, stderr);
}

void pi_progress_update(void *ctx, uint64_t done, uint64_t total) {
    pi_progress *p = ctx;
    double elapsed;
    if (done >= total || !app_progress_due(p, &elapsed))
        return;
    char text[64];
    (void)snprintf(text, sizeof text, "pi: %3u%% of %" PRIu64 " terms",
                   (unsigned)((double)done * 100.0 / (double)total), total);
    app_progress_draw(p, text);
}

void pi_progress_clear(pi_progress *p) {
    app_progress_end(p);
}
