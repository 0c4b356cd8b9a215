/*
 * emit.c: printing, counting, and the epilogue (see emit.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "emit.h"

#include "common/stop.h"

#include <errno.h>
#include <string.h>

void gx_emit_init(gx_emit *e, FILE *out, gx_outfmt format, size_t max_distance, atomic_int *stop) {
    *e = (gx_emit){.format = format, .max_distance = max_distance, .stop = stop, .unit = "pairs"};
    gx_out_init(&e->out, out);
    gx_progress_init(&e->progress, 0, stderr, 0, NULL);
}

void gx_emit_align(gx_emit *e, wq_align_mode mode, int cigar) {
    e->mode = mode;
    e->aligns = gx_outfmt_aligns(e->format, cigar);
    e->span = mode != WQ_ALIGN_GLOBAL;
}

void gx_emit_order(gx_emit *e, int ordered, size_t skip, int drop) {
    e->ordered = ordered;
    e->skip = skip;
    e->drop = drop ? skip : 0;
}

void gx_emit_progress(gx_emit *e, int enabled, size_t total, const gx_input *in) {
    gx_progress_init(&e->progress, enabled, stderr, total, in);
}

/* Asks every source to stop (a signal's number is kept), and wakes a read
 * waiting on a stalled input, which would otherwise see the stop only
 * after its next line. */
static void request_stop(gx_emit *e) {
    int none = 0;
    atomic_compare_exchange_strong(e->stop, &none, -1);
    app_stop_wake();
}

/* One printed pair, aligned first when the format shows alignments.
 * Returns 0, -1 (write error) or an errno value from wq_align. */
static int print(gx_emit *e, const gx_item *it, size_t d) {
    if (!e->aligns)
        return gx_output(&e->out, e->format, it->na, it->nalen, it->nb, it->nblen, d);
    const wq_pair *p = &it->pair;
    int rc = wq_align(p->a, p->alen, p->b, p->blen, e->mode, &e->al);
    if (rc != 0)
        return rc;
    gx_aligned x = {p->a, p->b, p->alen, p->blen, &e->al, e->span};
    return gx_output_aligned(&e->out, e->format, it->na, it->nalen, it->nb, it->nblen, &x);
}

int gx_emit_result(gx_emit *e, const gx_item *it, int status, size_t d) {
    if (e->gap || (status == ECANCELED && e->ordered)) {
        e->gap = 1; /* in order, the output stays a prefix of the input's */
    } else if (status == 0 && e->drop > 0) {
        e->drop--; /* --skip, for a source that cannot skip */
    } else if (status == 0) {
        e->done++;
        int rc = d <= e->max_distance && e->write_errno == 0 && e->error == 0 ? print(e, it, d) : 0;
        if (rc < 0) {
            e->write_errno = errno ? errno : EIO;
            request_stop(e);
        } else if (rc > 0) {
            e->error = rc;
            request_stop(e);
        }
    } else if (status != ECANCELED && e->error == 0) {
        e->error = status;
        request_stop(e);
    }
    if (gx_progress_shown(&e->progress))
        gx_progress_tick(&e->progress, e->done);
    return atomic_load(e->stop) != 0 ? -1 : 0;
}

int gx_emit_results(gx_emit *e, const gx_item *items, const int *status, const size_t *dist,
                    size_t n) {
    int plain = !e->gap && e->drop == 0 && !e->aligns && e->write_errno == 0 && e->error == 0;
    for (size_t k = 0; plain && k < n; k++)
        plain = status[k] == 0;
    if (!plain) {
        int stop = 0;
        for (size_t k = 0; k < n; k++)
            stop |= gx_emit_result(e, &items[k], status[k], status[k] == 0 ? dist[k] : 0);
        return stop;
    }
    e->done += n;
    if (gx_output_items(&e->out, e->format, items, dist, n, e->max_distance) != 0) {
        e->write_errno = errno ? errno : EIO;
        request_stop(e);
    }
    if (gx_progress_shown(&e->progress))
        gx_progress_tick(&e->progress, e->done);
    return atomic_load(e->stop) != 0 ? -1 : 0;
}

int gx_emit_cluster(gx_emit *e, size_t size, const char *rep, size_t replen, gx_member_fn member,
                    void *ctx) {
    e->unit = "clusters";
    if (e->drop > 0) { /* --skip: the first clusters are passed over */
        e->drop--;
        return atomic_load(e->stop) != 0 ? -1 : 0;
    }
    e->done++;
    if (e->write_errno == 0 && gx_output_cluster(&e->out, e->format, e->skip + e->done, size, rep,
                                                 replen, member, ctx) != 0) {
        e->write_errno = errno ? errno : EIO;
        request_stop(e);
    }
    gx_progress_tick(&e->progress, e->done);
    return atomic_load(e->stop) != 0 ? -1 : 0;
}

int gx_emit_flush(gx_emit *e) {
    if (gx_out_flush(&e->out) == 0)
        return 0;
    if (e->write_errno == 0) {
        e->write_errno = errno ? errno : EIO;
        request_stop(e);
    }
    return -1;
}

static void report(const char *name, const gx_err *err) {
    if (err->line > 0)
        fprintf(stderr, "genomics: %s:%zu: %s\n", name, err->line, err->msg);
    else
        fprintf(stderr, "genomics: %s: %s\n", name, err->msg);
}

int gx_emit_finish(gx_emit *e, const char *name, const gx_err *err, int error) {
    wq_alignment_free(&e->al);
    gx_progress_end(&e->progress);
    (void)gx_emit_flush(e);
    if (e->write_errno != 0) {
        fprintf(stderr, "genomics: write error: %s\n", strerror(e->write_errno));
        return 1;
    }
    if (err != NULL && err->kind != GX_OK) {
        report(name, err);
        return 1;
    }
    if (e->error != 0 || error != 0) {
        fprintf(stderr, "genomics: %s\n", strerror(e->error != 0 ? e->error : error));
        return 1;
    }
    int stop = atomic_load(e->stop);
    if (stop > 0) {
        size_t n = e->skip + e->done;
        if (e->ordered)
            fprintf(stderr, "genomics: interrupted after %zu %s (resume with --skip %zu)\n", n,
                    e->unit, n);
        else
            fprintf(stderr, "genomics: interrupted after %zu %s (output unordered)\n", n, e->unit);
        return 128 + stop;
    }
    return 0;
}
