/*
 * run.c: drives the engine for each mode (see run.h).
 *
 *   --demo     wq_map over the lesson's six pairs (the lesson's Pool.map);
 *              with --async, an async job over the same array;
 *   default    wq_async_map, WQ_ORDER_INPUT, over a generator that reads
 *              the input lazily; --async: WQ_ORDER_COMPLETION. A regular
 *              file is read by the generator itself, many pairs to an
 *              engine item (batch.h; its reads never wait); input that may
 *              stall (a pipe, a terminal) is read on this thread and
 *              handed over (feed.h), so that the workers never wait on it,
 *              and each result is flushed (on_idle) before the input's
 *              next line arrives;
 *   all-vs-all the records loaded whole, pairs (i, j) generated lazily;
 *   with -k (global mode), --cluster or --query: the index (search_run.c)
 *              instead, which prints the same pairs in the same order.
 *
 * Results go through emit.c (the same printing as MPI rank 0); items are
 * released here, after emit, back to the generator that made them.
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

#include "batch.h"
#include "emit.h"
#include "feed.h"
#include "kernel.h"
#include "reader.h"
#include "search_run.h"
#include "set.h"

/* The job in flight and where its results go. The job pointer is atomic:
 * the result callback may run before wq_async_map has returned. */
typedef struct gx_ctx {
    const gx_opts *o;
    _Atomic(wq_job *) job;
    gx_emit emit;
    gx_feed *feed; /* the ring of a stalling input, or NULL */
} gx_ctx;

static void on_result(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    gx_ctx *c = cb_ctx;
    const gx_item *it = in;
    (void)index;
    int stop = gx_emit_result(&c->emit, it, status, status == 0 ? *(const size_t *)out : 0);
    gx_item_release(it);
    wq_job *job = stop ? atomic_load(&c->job) : NULL;
    if (job != NULL)
        wq_job_cancel(job);
    if (stop && c->feed != NULL)
        gx_feed_abandon(c->feed); /* the reading thread must not wait for room */
}

/* A batch's results, pair by pair, in input order (a cancelled batch:
 * each of its pairs ECANCELED). */
static void on_batch(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    gx_ctx *c = cb_ctx;
    gx_batch *b = *(gx_batch *const *)in;
    (void)index, (void)out;
    int stop = 0;
    if (status == 0)
        stop = gx_emit_results(&c->emit, b->items, b->status, b->dist, b->n);
    for (size_t k = 0; status != 0 && k < b->n; k++)
        stop |= gx_emit_result(&c->emit, &b->items[k], status, 0);
    gx_batch_release(b);
    wq_job *job = stop ? atomic_load(&c->job) : NULL;
    if (job != NULL)
        wq_job_cancel(job);
}

/* The generator waits for input and every result so far was printed. */
static void on_idle(void *cb_ctx) {
    (void)gx_emit_flush(&((gx_ctx *)cb_ctx)->emit); /* a failure stops the run */
}

static void resume_job(void *job) {
    wq_async_resume(job);
}

/* Starts the job described by spec, runs feed's reading loop on this
 * thread when feed is set, waits for the job, frees it. Returns
 * wq_job_wait's status (or wq_async_map's). */
static int run_job_fed(gx_ctx *c, wq_pool *pool, wq_async_spec *spec, gx_feed *feed, gx_reader *r) {
    if (spec->kernel == NULL)
        spec->kernel = &gx_kernel;
    if (spec->on_result == NULL)
        spec->on_result = on_result;
    spec->on_idle = on_idle;
    spec->cb_ctx = c;
    spec->order = c->o->async ? WQ_ORDER_COMPLETION : WQ_ORDER_INPUT;
    wq_job *job;
    int rc = wq_async_map(pool, spec, &job);
    if (rc != 0)
        return rc;
    atomic_store(&c->job, job);
    if (atomic_load(c->o->stop))
        wq_job_cancel(job);
    if (feed != NULL) {
        feed->resume = resume_job;
        feed->resume_ctx = job;
        gx_feed_run(feed, r, c->o->skip);
    }
    rc = wq_job_wait(job);
    atomic_store(&c->job, NULL);
    wq_job_free(job);
    return rc;
}

static int run_job(gx_ctx *c, wq_pool *pool, wq_async_spec *spec) {
    return run_job_fed(c, pool, spec, NULL, NULL);
}

/* ------------------------------------------------------------- demo -- */

static const char *const demo_input[] = {"attctg,accagt",  "ccat,agcattacg", "tacagg,cctgac",
                                         "gttcatgga,tccg", "catgcg,gagtac",  "tcac,tgcatgcgg"};
enum { DEMO_N = sizeof demo_input / sizeof demo_input[0] };

/* The lesson's program: split each pair on its first ',', Pool.map the
 * edit distance, print in input order. */
static int run_demo(gx_ctx *c, wq_pool *pool, const gx_kopts *ko) {
    gx_item items[DEMO_N];
    wq_pair pairs[DEMO_N];
    size_t dist[DEMO_N];
    for (size_t i = 0; i < DEMO_N; i++) {
        const char *s = demo_input[i], *comma = strchr(s, ',');
        pairs[i] = (wq_pair){s, comma + 1, (size_t)(comma - s), strlen(comma + 1)};
        items[i] = (gx_item){pairs[i], pairs[i].a, pairs[i].b, pairs[i].alen, pairs[i].blen, NULL};
    }
    if (c->o->async) {
        wq_async_spec spec = {.kernel_ctx = (void *)ko, .in = items, .n = DEMO_N};
        return run_job(c, pool, &spec);
    }
    int rc = wq_map(pool, &gx_kernel, (void *)ko, items, dist, DEMO_N, NULL);
    for (size_t i = 0; rc == 0 && i < DEMO_N; i++)
        on_result(c, i, 0, &items[i], &dist[i]);
    return rc;
}

/* ---------------------------------------------------------- streams -- */

/* Pairs from input that may stall: read here, computed and printed by the
 * job (see feed.h). */
static int run_fed(gx_ctx *c, wq_pool *pool, const gx_kopts *ko, gx_reader *r, gx_err *err) {
    gx_feed feed;
    int rc = gx_feed_init(&feed, c->o->ignore_case, c->o->stop);
    if (rc != 0)
        return rc;
    c->feed = &feed;
    gx_emit_progress(&c->emit, c->o->progress, 0, NULL);
    wq_async_spec spec = {.kernel_ctx = (void *)ko, .gen = gx_feed_next, .gen_ctx = &feed};
    rc = run_job_fed(c, pool, &spec, &feed, r);
    c->feed = NULL;
    *err = feed.err;
    gx_feed_done(&feed);
    return err->kind != GX_OK ? EIO : rc;
}

/* Batches (of up to GX_BATCH_PAIRS pairs) per engine task: one, so that
 * the engine's window (8 tasks a worker) holds 512 pairs a worker, as many
 * as the single-pair items did. A wider window of 500-byte pairs outgrows
 * the cache between the reader and the kernel (measured: 4 batches a task
 * cost 30% more CPU on 4000 x 500). */
enum { BATCHES_PER_TASK = 1 };

static int run_pairs(gx_ctx *c, wq_pool *pool, const gx_kopts *ko, gx_err *err, const char **name) {
    gx_reader *r = gx_reader_open(c->o->path, 1, c->o->intr_fd, err);
    if (r == NULL)
        return EIO;
    *name = gx_reader_name(r);
    if (gx_input_may_block(gx_reader_input(r))) {
        int rc = run_fed(c, pool, ko, r, err);
        gx_reader_close(r);
        return rc;
    }
    gx_batch_gen gen;
    gx_batch_init(&gen, r, c->o->ignore_case, c->o->stop);
    gen.skip = c->o->skip;
    gx_emit_progress(&c->emit, c->o->progress, 0, gx_reader_input(r));
    wq_async_spec spec = {.kernel = &gx_batch_kernel,
                          .kernel_ctx = (void *)ko,
                          .gen = gx_batch_next,
                          .gen_ctx = &gen,
                          .on_result = on_batch,
                          .chunk_size = BATCHES_PER_TASK};
    int rc = run_job(c, pool, &spec);
    *err = gen.err;
    gx_batch_done(&gen);
    gx_reader_close(r);
    return err->kind != GX_OK ? EIO : rc;
}

static int run_all(gx_ctx *c, wq_pool *pool, const gx_kopts *ko, gx_err *err, const char **name) {
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
    gx_emit_progress(&c->emit, c->o->progress, gx_set_pairs(set), NULL);
    gx_all_gen gen;
    gx_all_start(&gen, set, 0, 1, c->o->stop);
    gx_all_skip(&gen, c->o->skip);
    wq_async_spec spec = {.kernel_ctx = (void *)ko, .gen = gx_all_next, .gen_ctx = &gen};
    int rc = run_job(c, pool, &spec);
    gx_set_free(set);
    return rc;
}

int gx_run_indexed(const gx_opts *o) {
    return o->query != NULL || o->cluster ||
           (o->all_vs_all && o->max_distance != WQ_LEV_NO_LIMIT && o->mode == WQ_ALIGN_GLOBAL);
}

int gx_run(const gx_opts *o) {
    return gx_run_split(o, NULL);
}

int gx_run_split(const gx_opts *o, const gx_split *sp) {
    gx_ctx c = {.o = o};
    gx_emit_init(&c.emit, stdout, o->format, o->max_distance, o->stop);
    gx_emit_align(&c.emit, o->mode, o->cigar);
    atomic_init(&c.job, NULL);
    gx_kopts ko = {{o->max_distance}, o->mode};
    gx_err err = {GX_OK, 0, ""};
    const char *name = o->path != NULL && strcmp(o->path, "-") != 0 ? o->path : "<stdin>";
    wq_pool *pool = wq_pool_create(o->workers);
    if (pool == NULL) {
        fprintf(stderr, "genomics: cannot start %u workers: %s\n", o->workers, strerror(errno));
        return 1;
    }
    int indexed = gx_run_indexed(o);
    gx_emit_order(&c.emit, !o->async, o->skip, indexed || o->demo);
    if (o->cluster)
        c.emit.unit = "clusters";
    int rc = o->demo                    ? run_demo(&c, pool, &ko)
             : o->query != NULL         ? gx_search_query(o, pool, &c.emit, &err, &name, sp)
             : o->cluster               ? gx_search_clusters(o, pool, &c.emit, &err, &name, sp)
             : o->all_vs_all && indexed ? gx_search_all(o, pool, &c.emit, &err, &name, sp)
             : o->all_vs_all            ? run_all(&c, pool, &ko, &err, &name)
                                        : run_pairs(&c, pool, &ko, &err, &name);
    wq_pool_destroy(pool);
    return gx_emit_finish(&c.emit, name, &err, rc != ECANCELED ? rc : 0);
}
