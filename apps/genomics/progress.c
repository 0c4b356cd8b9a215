/*
 * progress.c: the progress line (see progress.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"

void gx_progress_init(gx_progress *p, int enabled, FILE *f, size_t total, const gx_input *in) {
    app_progress_init(&p->line, enabled, f);
    p->total = total;
    p->in = in;
}

/* "12.3k", "4.5M": rates and counts at a glance. */
static void human(char *buf, size_t cap, double v) {
    if (v >= 1e6)
        snprintf(buf, cap, "%.1fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, cap, "%.1fk", v / 1e3);
    else
        snprintf(buf, cap, "%.0f", v);
}

static void clock_text(char *buf, size_t cap, double s) {
    unsigned long t = s > 359999 ? 359999 : (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, cap, "%lu:%02lu", t / 60, t % 60);
}

char *gx_progress_format(char *buf, size_t cap, size_t done, size_t total, double frac,
                         double elapsed) {
    char rate[32], eta[32] = "?";
    double r = elapsed > 0 ? (double)done / elapsed : 0;
    human(rate, sizeof rate, r);
    if (total > 0 && r > 0)
        clock_text(eta, sizeof eta, (double)(total - (done < total ? done : total)) / r);
    else if (frac > 0)
        clock_text(eta, sizeof eta, elapsed * (1 - frac) / frac);
    if (total > 0)
        snprintf(buf, cap, "%zu / %zu pairs (%.1f%%)  %s pairs/s  ETA %s", done, total,
                 100.0 * (double)done / (double)total, rate, eta);
    else if (frac >= 0)
        snprintf(buf, cap, "%zu pairs (%.1f%% of input)  %s pairs/s  ETA %s", done, 100.0 * frac,
                 rate, eta);
    else
        snprintf(buf, cap, "%zu pairs  %s pairs/s", done, rate);
    return buf;
}

void gx_progress_tick(gx_progress *p, size_t done) {
    double t;
    if (!app_progress_due(&p->line, &t))
        return;
    double frac = -1;
    if (p->total == 0 && p->in != NULL && gx_input_size(p->in) > 0)
        frac = (double)gx_input_bytes_read(p->in) / (double)gx_input_size(p->in);
    char line[160];
    gx_progress_format(line, sizeof line, done, p->total, frac > 1 ? 1 : frac, t);
    app_progress_draw(&p->line, line);
}

void gx_progress_end(gx_progress *p) {
    app_progress_end(&p->line);
}
