/*
 * run.c: drives the engine for each mode (see run.h).
 *
 *   --demo     wq_map over the lesson's six pairs (the lesson's Pool.map);
 *              with --async, an async job over the same array;
 *   default    wq_async_map, WQ_ORDER_INPUT, over a generator that reads
 *              the input lazily; --async: WQ_ORDER_COMPLETION;
 *   all-vs-all the records loaded whole, pairs (i, j) generated lazily.
 *
 * Stopping: the generators return 0 once *stop is set, and the result
 * callback cancels the job (items not started are reported ECANCELED), so a
 * run whose input is already fully taken still stops at its next result.
 * The job pointer is published atomically because the callback may run
 * before wq_async_map has returned.
 */
#define _POSIX_C_SOURCE 200809L

#include "run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>
#include <workq/workq.h>

#include "pairs.h"
#include "progress.h"
#include "reader.h"

typedef struct gx_ctx {
    const gx_opts *o;
    _Atomic(wq_job *) job;
    size_t done;     /* pairs computed (printed or filtered out) */
    int write_errno; /* stdout failed: the errno */
    int kernel_err;  /* first kernel failure */
    gx_progress progress;
} gx_ctx;

static void stop_now(gx_ctx *c) {
    int none = 0;
    atomic_compare_exchange_strong(c->o->stop, &none, -1);
    wq_job *job = atomic_load(&c->job);
    if (job != NULL)
        wq_job_cancel(job);
}

static void on_result(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    gx_ctx *c = cb_ctx;
    const gx_item *it = in;
    (void)index;
    if (status == 0) {
        size_t d = *(const size_t *)out;
        c->done++;
        if (d <= c->o->max_distance && c->write_errno == 0 &&
            gx_output(stdout, c->o->format, it->na, it->nalen, it->nb, it->nblen, d) != 0) {
            c->write_errno = errno ? errno : EIO;
            stop_now(c);
        }
    } else if (status != ECANCELED && c->kernel_err == 0) {
        c->kernel_err = status;
        stop_now(c);
    }
    gx_item_release(it);
    if (atomic_load(c->o->stop))
        stop_now(c);
    gx_progress_tick(&c->progress, c->done);
}

/* Starts the job described by spec, waits for it, frees it. Returns
 * wq_job_wait's status (or wq_async_map's). */
static int run_job(gx_ctx *c, wq_pool *pool, wq_async_spec *spec) {
    spec->kernel = &gx_kernel;
    spec->on_result = on_result;
    spec->cb_ctx = c;
    spec->order = c->o->async ? WQ_ORDER_COMPLETION : WQ_ORDER_INPUT;
    wq_job *job;
    int rc = wq_async_map(pool, spec, &job);
    if (rc != 0)
        return rc;
    atomic_store(&c->job, job);
    if (atomic_load(c->o->stop))
        wq_job_cancel(job);
    rc = wq_job_wait(job);
    atomic_store(&c->job, NULL);
    wq_job_free(job);
    return rc;
}

static void report(const char *name, const gx_err *e) {
    if (e->line > 0)
        fprintf(stderr, "genomics: %s:%zu: %s\n", name, e->line, e->msg);
    else
        fprintf(stderr, "genomics: %s: %s\n", name, e->msg);
}

/* ------------------------------------------------------------- demo -- */

static const char *const demo_input[] = {"attctg,accagt",  "ccat,agcattacg", "tacagg,cctgac",
                                         "gttcatgga,tccg", "catgcg,gagtac",  "tcac,tgcatgcgg"};
enum { DEMO_N = sizeof demo_input / sizeof demo_input[0] };

/* The lesson's program: split each pair on its first ',', Pool.map the
 * edit distance, print in input order. */
static int run_demo(gx_ctx *c, wq_pool *pool, const wq_lev_opts *lev) {
    gx_item items[DEMO_N];
    wq_pair pairs[DEMO_N];
    size_t dist[DEMO_N];
    for (size_t i = 0; i < DEMO_N; i++) {
        const char *s = demo_input[i], *comma = strchr(s, ',');
        pairs[i] = (wq_pair){s, comma + 1, (size_t)(comma - s), strlen(comma + 1)};
        items[i] = (gx_item){pairs[i], pairs[i].a, pairs[i].b, pairs[i].alen, pairs[i].blen, NULL};
    }
    if (c->o->async) {
        wq_async_spec spec = {.kernel_ctx = (void *)lev, .in = items, .n = DEMO_N};
        return run_job(c, pool, &spec);
    }
    int rc = wq_map(pool, &wq_kernel_levenshtein, (void *)lev, pairs, dist, DEMO_N, NULL);
    for (size_t i = 0; rc == 0 && i < DEMO_N; i++)
        on_result(c, i, 0, &items[i], &dist[i]);
    return rc;
}

/* ---------------------------------------------------------- streams -- */

static int run_pairs(gx_ctx *c, wq_pool *pool, const wq_lev_opts *lev, gx_err *err,
                     const char **name) {
    gx_reader *r = gx_reader_open(c->o->path, 1, c->o->intr_fd, err);
    if (r == NULL)
        return EIO;
    *name = gx_reader_name(r);
    gx_pairs_gen gen = {r, c->o->ignore_case, c->o->stop, {GX_OK, 0, ""}};
    gx_progress_init(&c->progress, c->o->progress, stderr, 0, gx_reader_input(r));
    wq_async_spec spec = {.kernel_ctx = (void *)lev, .gen = gx_pairs_next, .gen_ctx = &gen};
    int rc = run_job(c, pool, &spec);
    *err = gen.err;
    gx_reader_close(r);
    return err->kind != GX_OK ? EIO : rc;
}

static int run_all(gx_ctx *c, wq_pool *pool, const wq_lev_opts *lev, gx_err *err,
                   const char **name) {
    gx_reader *r = gx_reader_open(c->o->path, 0, c->o->intr_fd, err);
    if (r == NULL)
        return EIO;
    *name = gx_reader_name(r);
    gx_set *set = gx_set_load(r, c->o->ignore_case, err);
    gx_reader_close(r);
    if (set == NULL && err->kind == GX_INTERRUPTED) {
        err->kind = GX_OK;
        return ECANCELED;
    }
    if (set == NULL)
        return EIO;
    size_t n = gx_set_size(set);
    size_t total = n < 2 ? 0 : n % 2 == 0 ? n / 2 * (n - 1) : (n - 1) / 2 * n;
    gx_progress_init(&c->progress, c->o->progress, stderr, total, NULL);
    gx_all_gen gen = {set, 0, 1, c->o->stop};
    wq_async_spec spec = {.kernel_ctx = (void *)lev, .gen = gx_all_next, .gen_ctx = &gen};
    int rc = run_job(c, pool, &spec);
    gx_set_free(set);
    return rc;
}

/* ----------------------------------------------------------- finish -- */

int gx_run_status(const char *name, gx_outcome o) {
    if (fflush(stdout) != 0 && o.write_errno == 0)
        o.write_errno = errno ? errno : EIO;
    if (o.write_errno != 0) {
        fprintf(stderr, "genomics: write error: %s\n", strerror(o.write_errno));
        return 1;
    }
    if (o.err->kind != GX_OK) {
        report(name, o.err);
        return 1;
    }
    if (o.error != 0) {
        fprintf(stderr, "genomics: %s\n", strerror(o.error));
        return 1;
    }
    if (o.stop > 0) {
        fprintf(stderr, "genomics: interrupted after %zu pairs\n", o.done);
        return 128 + o.stop;
    }
    return 0;
}

/* Flushes the results, then says what went wrong, in that order. */
static int finish(gx_ctx *c, int rc, const gx_err *err, const char *name) {
    gx_progress_end(&c->progress);
    int error = c->kernel_err ? c->kernel_err : rc != ECANCELED ? rc : 0;
    return gx_run_status(
        name, (gx_outcome){c->write_errno, err, error, c->done, atomic_load(c->o->stop)});
}

int gx_run(const gx_opts *o) {
    gx_ctx c = {.o = o};
    gx_progress_init(&c.progress, 0, stderr, 0, NULL);
    atomic_init(&c.job, NULL);
    wq_lev_opts lev = {o->max_distance};
    gx_err err = {GX_OK, 0, ""};
    const char *name = o->path != NULL && strcmp(o->path, "-") != 0 ? o->path : "<stdin>";
    wq_pool *pool = wq_pool_create(o->workers);
    if (pool == NULL) {
        fprintf(stderr, "genomics: cannot start %u workers: %s\n", o->workers, strerror(errno));
        return 1;
    }
    int rc = o->demo         ? run_demo(&c, pool, &lev)
             : o->all_vs_all ? run_all(&c, pool, &lev, &err, &name)
                             : run_pairs(&c, pool, &lev, &err, &name);
    wq_pool_destroy(pool);
    return finish(&c, rc, &err, name);
}
