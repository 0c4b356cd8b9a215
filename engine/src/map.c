/*
 * wq_for, wq_map and wq_map_reduce: a parallel for over chunks of items.
 *
 * Guarantees:
 *   - Each item runs through the kernel at most once, and exactly once when
 *     no kernel fails; outputs land at their input index.
 *   - The calling thread claims chunks too, so a map never waits on a queued
 *     task: it cannot deadlock, even when called from inside a task of the
 *     same pool. The runner tasks it submits are helpers; if they cannot be
 *     queued, the caller simply does more of the work. With caller_waits the
 *     caller only waits, unless no runner could be queued or it is one of
 *     the pool's own workers: then it works as usual.
 *   - One allocation per call (the job), none per chunk or item.
 *   - Failures are deterministic: chunks are claimed in increasing order and
 *     a chunk is skipped only when a lower chunk has failed, so the error
 *     returned is always that of the first failing item in input order.
 *   - map-reduce folds each chunk into its own accumulator and merges them in
 *     chunk order on the caller: bit-identical for any thread count.
 *
 * Synchronization: chunk claims and failure marks are atomics; completions
 * are counted under job->mu, which with job->cv carries the "last chunk
 * finished" wake-up. The job
 * is reference-counted: runner tasks still queued after the caller returned
 * find no chunk left and free the job if they are the last holder.
 */
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Target number of chunks for the automatic chunk size. */
#define AUTO_CHUNKS 1024
/* Bytes of kernel output a map-reduce runner buffers before folding. */
#define FOLD_BYTES 4096

typedef struct map_job {
    const wq_kernel *k;                 /* map and map-reduce */
    int (*for_fn)(void *ctx, size_t i); /* wq_for (k is NULL) */
    void *ctx;
    const unsigned char *in;
    unsigned char *out;  /* map: the caller's outputs; reduce: NULL */
    const wq_reducer *r; /* reduce only */
    unsigned char *accs; /* reduce: one accumulator per chunk */
    unsigned char *tmp;  /* reduce: one fold buffer per participant */
    size_t n, chunk, nchunks, acc_stride, fold_items, slot_bytes;

    atomic_size_t next_chunk; /* next chunk to claim */
    atomic_size_t finished;   /* chunks run or skipped */
    atomic_size_t fail_chunk; /* lowest failed chunk, or SIZE_MAX; read
                                 lock-free to skip chunks */
    atomic_size_t next_slot;  /* fold buffer slots handed out */
    atomic_uint refs;         /* caller + runner tasks not yet returned */

    pthread_mutex_t mu; /* protects fail_err, fail_index, and writes of
                           fail_chunk; carries the wake-up below */
    pthread_cond_t cv;  /* signalled when finished reaches nchunks */
    int fail_err;       /* the lowest failed chunk's error (mu) */
    size_t fail_index;  /* and its failing item (mu) */
} map_job;

/* The automatic chunk size for n items: a function of n alone. */
static size_t auto_chunk(size_t n) {
    size_t c = n / AUTO_CHUNKS + (n % AUTO_CHUNKS != 0);
    return c ? c : 1;
}

/* Runs items [lo, hi) of the kernel into out (out[0] is item lo). Returns 0,
 * or the error with *fail set to the absolute index of the failing item. */
static int run_items(const map_job *j, size_t lo, size_t hi, unsigned char *out, size_t *fail) {
    const wq_kernel *k = j->k;
    const unsigned char *in = j->in + lo * k->in_size;
    if (k->batch) {
        size_t rel = 0;
        int err = k->batch(in, out, hi - lo, j->ctx, &rel);
        *fail = lo + rel;
        return err;
    }
    for (size_t i = lo; i < hi; i++, in += k->in_size, out += k->out_size) {
        int err = k->fn(in, out, j->ctx);
        if (err) {
            *fail = i;
            return err;
        }
    }
    return 0;
}

/* Folds items [lo, hi) into acc, fold_items at a time through buf. */
static int fold_items(const map_job *j, size_t lo, size_t hi, void *acc, unsigned char *buf,
                      size_t *fail) {
    for (size_t s = lo; s < hi; s += j->fold_items) {
        size_t e = hi - s < j->fold_items ? hi : s + j->fold_items;
        int err = run_items(j, s, e, buf, fail);
        if (err)
            return err;
        for (size_t i = 0; i < e - s; i++)
            j->r->add(acc, buf + i * j->k->out_size);
    }
    return 0;
}

/* Records a failure of chunk c if it is the lowest so far. */
static void mark_failed(map_job *j, size_t c, int err, size_t index) {
    wq__check(pthread_mutex_lock(&j->mu));
    if (c < atomic_load(&j->fail_chunk)) {
        j->fail_err = err;
        j->fail_index = index;
        atomic_store(&j->fail_chunk, c);
    }
    wq__check(pthread_mutex_unlock(&j->mu));
}

/* Calls the wq_for function on [lo, hi), stopping at the first failure. */
static int run_for(const map_job *j, size_t lo, size_t hi, size_t *fail) {
    for (size_t i = lo; i < hi; i++) {
        int err = j->for_fn(j->ctx, i);
        if (err) {
            *fail = i;
            return err;
        }
    }
    return 0;
}

static void run_chunk(map_job *j, size_t c, unsigned char *buf) {
    size_t lo = c * j->chunk, hi = lo + j->chunk < j->n ? lo + j->chunk : j->n;
    size_t fail = 0;
    int err;
    if (j->for_fn) {
        err = run_for(j, lo, hi, &fail);
    } else if (j->r) {
        void *acc = j->accs + c * j->acc_stride;
        j->r->init(acc);
        err = fold_items(j, lo, hi, acc, buf, &fail);
    } else {
        err = run_items(j, lo, hi, j->out + lo * j->k->out_size, &fail);
    }
    if (err)
        mark_failed(j, c, err, fail);
}

/* Counts a chunk as finished under mu, so that the waiting caller's view of
 * the outputs is ordered by the mutex after every chunk's writes (which
 * valgrind's race detectors can follow, unlike C11 atomics); at most
 * AUTO_CHUNKS locks per call by default. */
static void finish_chunk(map_job *j) {
    wq__check(pthread_mutex_lock(&j->mu));
    if (atomic_fetch_add(&j->finished, 1) + 1 == j->nchunks)
        wq__check(pthread_cond_broadcast(&j->cv));
    wq__check(pthread_mutex_unlock(&j->mu));
}

/* Claims and runs chunks until none is left. */
static void participate(map_job *j) {
    unsigned char *buf = NULL;
    if (j->r) {
        size_t slot = atomic_fetch_add(&j->next_slot, 1);
        buf = j->tmp + slot * j->slot_bytes;
    }
    for (;;) {
        size_t c = atomic_fetch_add(&j->next_chunk, 1);
        if (c >= j->nchunks)
            return;
        if (c < atomic_load(&j->fail_chunk))
            run_chunk(j, c, buf);
        finish_chunk(j);
    }
}

static void job_release(map_job *j) {
    if (atomic_fetch_sub(&j->refs, 1) == 1) {
        wq__sync_destroy(&j->mu, &j->cv, 1);
        free(j);
    }
}

static void runner_task(void *arg) {
    map_job *j = arg;
    participate(j);
    job_release(j);
}

/* Allocates and initializes the job in one block: the struct, then (for
 * map-reduce) nchunks + 1 accumulators (the last holds the total) and one
 * fold buffer per participant. NULL on overflow or allocation failure. */
static map_job *job_alloc(const wq_kernel *k, const wq_reducer *r, size_t n, size_t chunk,
                          unsigned nslots) {
    size_t nchunks = n ? n / chunk + (n % chunk != 0) : 0;
    size_t acc_stride = r ? wq__align_up(r->acc_size) : 0;
    size_t out_size = k ? k->out_size : 1;
    size_t fold = chunk < FOLD_BYTES / out_size ? chunk : FOLD_BYTES / out_size;
    fold = fold ? fold : 1;
    size_t slot_bytes = r ? wq__align_up(fold * out_size) : 0;
    size_t head = wq__align_up(sizeof(map_job));
    size_t limit = SIZE_MAX / 4;
    if (acc_stride && nchunks >= limit / acc_stride)
        return NULL;
    size_t acc_bytes = r ? (nchunks + 1) * acc_stride : 0;
    if (slot_bytes > limit / nslots || head + acc_bytes > limit)
        return NULL;
    map_job *j = wq__calloc(1, head + acc_bytes + nslots * slot_bytes);
    if (!j)
        return NULL;
    j->accs = (unsigned char *)j + head;
    j->tmp = j->accs + acc_bytes;
    j->k = k;
    j->r = r;
    j->n = n;
    j->chunk = chunk;
    j->nchunks = nchunks;
    j->acc_stride = acc_stride;
    j->fold_items = fold;
    j->slot_bytes = slot_bytes;
    atomic_init(&j->fail_chunk, SIZE_MAX);
    atomic_init(&j->refs, 1);
    if (wq__sync_init(&j->mu, &j->cv, 1) != 0) {
        free(j);
        return NULL;
    }
    return j;
}

/* Submits up to want runner tasks under one lock; if the pool cannot take
 * them all, one at a time as far as it can. Returns how many were queued.
 * A bounded pool's policy never applies: a runner that does not fit is not
 * queued (the caller does its share), so a map never waits for room and
 * never runs a runner inside this call. */
static unsigned spawn_runners(wq_pool *pool, map_job *j, unsigned want) {
    void *args[64];
    unsigned got = 0;
    if (want <= sizeof args / sizeof *args) {
        for (unsigned i = 0; i < want; i++)
            args[i] = j;
        /* The caller's reference keeps refs above 0 while the ones of
         * runners that were not queued are given back. */
        atomic_fetch_add(&j->refs, want);
        got = (unsigned)wq__submit_some(pool, runner_task, args, want);
        atomic_fetch_sub(&j->refs, want - got);
        if (got > 0)
            return got; /* all, or all a bounded pool's ring had room for */
    }
    for (unsigned i = 0; i < want; i++) {
        atomic_fetch_add(&j->refs, 1);
        if (wq__submit_try(pool, runner_task, j) != 0) {
            atomic_fetch_sub(&j->refs, 1);
            return i;
        }
    }
    return want;
}

static void wait_all_chunks(map_job *j) {
    wq__check(pthread_mutex_lock(&j->mu));
    while (atomic_load(&j->finished) < j->nchunks)
        wq__check(pthread_cond_wait(&j->cv, &j->mu));
    wq__check(pthread_mutex_unlock(&j->mu));
}

/* Merges the chunk accumulators in chunk order into the spare last one. */
static void merge_result(const map_job *j, void *result) {
    const wq_reducer *r = j->r;
    void *total = j->accs + j->nchunks * j->acc_stride;
    r->init(total);
    for (size_t c = 0; c < j->nchunks; c++)
        r->merge(total, j->accs + c * j->acc_stride);
    if (r->finish)
        r->finish(total, result);
    else
        memcpy(result, total, r->acc_size);
}

/* What a map, a map-reduce or a for computes; the rest is shared. */
typedef struct map_work {
    const wq_kernel *k;
    int (*for_fn)(void *ctx, size_t i);
    void *ctx;
    const void *in;
    void *out;
    size_t n;
    const wq_reducer *r;
    void *result;
} map_work;

/* Runners to queue: one per worker, but never more than the chunks; one
 * fewer when the caller helps, as it takes chunks too. */
static unsigned runners_wanted(const wq_pool *pool, size_t nchunks, int helps) {
    size_t want = wq_pool_threads(pool);
    size_t spare = helps ? (nchunks > 0 ? nchunks - 1 : 0) : nchunks;
    return (unsigned)(want < spare ? want : spare);
}

/* The common body of for, map and map-reduce, once the arguments are
 * checked. */
static int run_job(wq_pool *pool, const map_work *w, const wq_map_opts *opts) {
    size_t *fail_index = opts ? opts->fail_index : NULL;
    size_t chunk = opts && opts->chunk_size ? opts->chunk_size : auto_chunk(w->n);
    size_t nchunks = w->n / chunk + (w->n % chunk != 0);
    int helps = !(opts && opts->caller_waits) || wq__on_worker_of(pool);
    unsigned want = runners_wanted(pool, nchunks, helps);

    map_job *j = job_alloc(w->k, w->r, w->n, chunk, want + 1);
    if (!j)
        return ENOMEM;
    j->for_fn = w->for_fn;
    j->ctx = w->ctx;
    j->in = w->in;
    j->out = w->out;

    if (spawn_runners(pool, j, want) == 0 || helps)
        participate(j);
    wait_all_chunks(j);

    int err = 0;
    if (atomic_load(&j->fail_chunk) != SIZE_MAX) {
        err = j->fail_err;
        if (fail_index)
            *fail_index = j->fail_index;
    } else if (w->r) {
        merge_result(j, w->result);
    }
    job_release(j);
    return err;
}

/* Checks a map's or map-reduce's arguments, then runs it. */
static int run_map(wq_pool *pool, const map_work *w, const wq_map_opts *opts) {
    const wq_kernel *k = w->k;
    const wq_reducer *r = w->r;
    if (opts && opts->fail_index)
        *opts->fail_index = SIZE_MAX;
    if (!pool || !k || !k->fn || !k->in_size || !k->out_size || (w->n && !w->in) ||
        (!r && w->n && !w->out))
        return EINVAL;
    if (r && (!r->init || !r->add || !r->merge || !r->acc_size || !w->result))
        return EINVAL;
    if (w->n == 0 && !r)
        return 0;
    return run_job(pool, w, opts);
}

int wq_for_ex(wq_pool *pool, size_t n, int (*fn)(void *ctx, size_t i), void *ctx,
              const wq_map_opts *opts) {
    if (opts && opts->fail_index)
        *opts->fail_index = SIZE_MAX;
    if (!pool || !fn)
        return EINVAL;
    if (n == 0)
        return 0;
    map_work w = {.for_fn = fn, .ctx = ctx, .n = n};
    return run_job(pool, &w, opts);
}

int wq_for(wq_pool *pool, size_t n, int (*fn)(void *ctx, size_t i), void *ctx) {
    return wq_for_ex(pool, n, fn, ctx, NULL);
}

int wq_map(wq_pool *pool, const wq_kernel *k, void *ctx, const void *in, void *out, size_t n,
           const wq_map_opts *opts) {
    map_work w = {.k = k, .ctx = ctx, .in = in, .out = out, .n = n};
    return run_map(pool, &w, opts);
}

int wq_map_reduce(wq_pool *pool, const wq_kernel *k, void *ctx, const void *in, size_t n,
                  const wq_reducer *r, void *result, const wq_map_opts *opts) {
    if (!r)
        return EINVAL;
    map_work w = {.k = k, .ctx = ctx, .in = in, .n = n, .r = r, .result = result};
    return run_map(pool, &w, opts);
}
