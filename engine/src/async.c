/*
 * wq_async_map: a job that streams each result to a callback.
 *
 * Guarantees:
 *   - Bounded memory: the job owns nslots chunk slots, allocated once. A
 *     slot is filled from the input, queued as one task, and freed when its
 *     results have been delivered; nothing more is taken from the input
 *     while every slot is busy (backpressure). Memory is therefore constant
 *     whatever the input length.
 *   - Every item taken from the input is delivered exactly once, as done,
 *     failed or cancelled; a slot is freed only after delivery.
 *   - The generator and the result callback never run concurrently: both
 *     are called only by the thread holding the job's service role
 *     (job->servicing), which one thread at a time holds.
 *   - Input order (WQ_ORDER_INPUT): slots are delivered strictly by chunk
 *     sequence number; the window of nslots chunks is the reorder buffer.
 *   - Stalled input never holds results back: a generator that has nothing
 *     now returns WQ_GEN_AGAIN instead of blocking. The items it gave so far
 *     are queued (a partial chunk), the job stops calling it (gen_wait) and
 *     goes on delivering; each service pass that delivered something while
 *     the generator waits ends with on_idle (the application flushes there).
 *     wq_async_resume clears gen_wait and brings the service role back (a
 *     queued service task, or a kick to the thread that holds it). A resume
 *     that arrives while the generator is still running (after it decided
 *     to say "again", before the engine saw it) is not lost: `resumed` is
 *     cleared before each generator call and checked after.
 *
 * The service role: whoever completes a chunk (or starts the job) calls
 * service(). If another thread already serves, it just sets job->kick and
 * leaves; the server loops until a pass finds nothing new, so no completion
 * is ever left undelivered.
 *
 * A bounded pool's policy applies only to the job's first task
 * (wq_async_map's wq_submit): the other submits go through wq__submit_try,
 * and a chunk that finds the queue full runs on the serving thread, as one
 * the pool cannot take for lack of memory does.
 *
 * Locking: job->mu protects every field marked (mu). Lock order: job->mu
 * may be held while calling wq__submit_try (which takes the pool's mutex); the
 * pool never calls into a job while holding its own mutex. User callbacks
 * and the kernel run with no lock held.
 */
#include "internal.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CHUNK 64
#define DEFAULT_CHUNKS_PER_THREAD 8

enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_DONE, SLOT_DELIVERING };

typedef struct slot {
    wq_job *job;
    enum slot_state state; /* (mu) */
    size_t seq;            /* chunk sequence number */
    size_t first;          /* input index of its first item */
    size_t count;          /* items in the chunk */
    const unsigned char *in;
    unsigned char *in_buf; /* generator input copies (NULL for arrays) */
    unsigned char *out;
    int *status;
} slot;

struct wq_job {
    wq_pool *pool;
    wq_async_spec spec;
    size_t chunk, nslots;
    slot *slots;
    atomic_bool cancel; /* read lock-free by running chunks */

    pthread_mutex_t mu;
    pthread_cond_t cv;    /* broadcast when the job is over (mu) */
    size_t next_seq;      /* next chunk to take from the input (mu) */
    size_t next_deliver;  /* WQ_ORDER_INPUT: next chunk to deliver (mu) */
    size_t inflight;      /* slots not free (mu) */
    unsigned tasks;       /* queued or running tasks of this job (mu) */
    bool servicing, kick; /* the service role, see above (mu) */
    bool input_end;       /* the input is exhausted or failed (mu) */
    bool gen_wait;        /* the generator said WQ_GEN_AGAIN; no resume since (mu) */
    bool resumed;         /* wq_async_resume was called since the last
                             generator call began (mu) */
    bool unflushed;       /* delivered since the last on_idle (mu) */
    int error;            /* the generator's error, if any (mu) */
    wq_job_stats stats;   /* (mu) */
};

/* ------------------------------------------------------------- layout -- */

/* Bytes of one slot's buffers; 0 on overflow. */
static size_t slot_bytes(const wq_async_spec *s, size_t chunk) {
    const wq_kernel *k = s->kernel;
    size_t per_item = k->out_size + sizeof(int) + (s->gen ? k->in_size : 0);
    if (chunk > (SIZE_MAX / 8) / per_item)
        return 0;
    return 3 * _Alignof(max_align_t) + chunk * per_item;
}

/* Points each slot's buffers into the memory after the slot array. */
static void slots_layout(wq_job *j, unsigned char *mem) {
    const wq_kernel *k = j->spec.kernel;
    for (size_t i = 0; i < j->nslots; i++) {
        slot *s = &j->slots[i];
        s->job = j;
        s->out = mem;
        mem += wq__align_up(j->chunk * k->out_size);
        s->status = (int *)(void *)mem;
        mem += wq__align_up(j->chunk * sizeof(int));
        if (j->spec.gen) {
            s->in_buf = mem;
            mem += wq__align_up(j->chunk * k->in_size);
        }
    }
}

static int spec_valid(const wq_async_spec *s) {
    const wq_kernel *k = s ? s->kernel : NULL;
    return k && k->fn && k->in_size && k->out_size && s->on_result &&
           (s->gen || s->in || s->n == 0) &&
           (s->order == WQ_ORDER_COMPLETION || s->order == WQ_ORDER_INPUT);
}

/* Allocates the job, its slots and their buffers in one block. */
static wq_job *job_alloc(wq_pool *pool, const wq_async_spec *spec) {
    size_t chunk = spec->chunk_size ? spec->chunk_size : DEFAULT_CHUNK;
    size_t window =
        spec->window ? spec->window : chunk * DEFAULT_CHUNKS_PER_THREAD * wq_pool_threads(pool);
    if (window < chunk)
        chunk = window;
    size_t nslots = window / chunk; /* >= 1; in flight <= nslots * chunk <= window */
    size_t per_slot = slot_bytes(spec, chunk);
    size_t head = wq__align_up(sizeof(wq_job)) + wq__align_up(nslots * sizeof(slot));
    if (!per_slot || nslots > (SIZE_MAX / 4 - head) / per_slot)
        return NULL;
    wq_job *j = wq__calloc(1, head + nslots * per_slot);
    if (!j)
        return NULL;
    j->pool = pool;
    j->spec = *spec;
    j->chunk = chunk;
    j->nslots = nslots;
    j->slots = (slot *)(void *)((unsigned char *)j + wq__align_up(sizeof(wq_job)));
    slots_layout(j, (unsigned char *)j + head);
    atomic_init(&j->cancel, false);
    return j;
}

/* ------------------------------------------------------------ running -- */

/* Runs one item, or marks it cancelled. */
static void run_item(const wq_job *j, slot *s, size_t i) {
    const wq_kernel *k = j->spec.kernel;
    if (atomic_load_explicit(&j->cancel, memory_order_relaxed))
        s->status[i] = ECANCELED;
    else
        s->status[i] = k->fn(s->in + i * k->in_size, s->out + i * k->out_size, j->spec.kernel_ctx);
}

/* Runs the chunk's items: through the batch kernel when there is one (items
 * after a batch failure are retried one by one), else item by item. */
static void run_slot(const wq_job *j, slot *s) {
    const wq_kernel *k = j->spec.kernel;
    size_t i = 0;
    if (k->batch && !atomic_load(&j->cancel)) {
        size_t fail = 0;
        int err = k->batch(s->in, s->out, s->count, j->spec.kernel_ctx, &fail);
        size_t ok = err ? fail : s->count;
        for (; i < ok; i++)
            s->status[i] = 0;
        if (err)
            s->status[i++] = err;
    }
    for (; i < s->count; i++)
        run_item(j, s, i);
}

static void service(wq_job *j);

/* Ends one task of the job; wakes waiters when the job is over. */
static void task_exit(wq_job *j) {
    wq__check(pthread_mutex_lock(&j->mu));
    if (--j->tasks == 0 && j->input_end && j->inflight == 0)
        wq__check(pthread_cond_broadcast(&j->cv));
    wq__check(pthread_mutex_unlock(&j->mu));
}

static void chunk_task(void *arg) {
    slot *s = arg;
    wq_job *j = s->job;
    run_slot(j, s);
    wq__check(pthread_mutex_lock(&j->mu));
    s->state = SLOT_DONE;
    wq__check(pthread_mutex_unlock(&j->mu));
    service(j);
    task_exit(j);
}

static void service_task(void *arg) {
    wq_job *j = arg;
    service(j);
    task_exit(j);
}

/* ----------------------------------------------------------- delivery -- */

/* The next slot to deliver, or NULL. Called with mu held. */
static slot *next_deliverable(wq_job *j) {
    for (size_t i = 0; i < j->nslots; i++) {
        slot *s = &j->slots[i];
        if (s->state != SLOT_DONE)
            continue;
        if (j->spec.order == WQ_ORDER_COMPLETION || s->seq == j->next_deliver)
            return s;
    }
    return NULL;
}

/* Calls the callback for each item of s (no lock held); tallies into st. */
static void deliver(wq_job *j, slot *s, wq_job_stats *st) {
    const wq_kernel *k = j->spec.kernel;
    for (size_t i = 0; i < s->count; i++) {
        int status = s->status[i];
        j->spec.on_result(j->spec.cb_ctx, s->first + i, status, s->in + i * k->in_size,
                          s->out + i * k->out_size);
        if (status == 0)
            st->done++;
        else if (status == ECANCELED)
            st->cancelled++;
        else
            st->failed++;
    }
}

/* Delivers every deliverable slot. Called and returns with mu held. */
static void deliver_ready(wq_job *j) {
    slot *s;
    while ((s = next_deliverable(j)) != NULL) {
        wq_job_stats st = {0};
        s->state = SLOT_DELIVERING;
        wq__check(pthread_mutex_unlock(&j->mu));
        deliver(j, s, &st);
        wq__check(pthread_mutex_lock(&j->mu));
        j->stats.done += st.done;
        j->stats.failed += st.failed;
        j->stats.cancelled += st.cancelled;
        s->state = SLOT_FREE;
        j->inflight--;
        if (j->spec.order == WQ_ORDER_INPUT)
            j->next_deliver++;
        j->unflushed = true;
    }
}

/* --------------------------------------------------------------- input -- */

/* Fills s from the input; returns the generator's last return value
 * (1 = more may follow, 0 = end, WQ_GEN_AGAIN = nothing now, < 0 = error).
 * No lock held. */
static int fill_slot(wq_job *j, slot *s, size_t first) {
    const wq_async_spec *sp = &j->spec;
    s->count = 0;
    if (!sp->gen) {
        size_t left = sp->n - first;
        s->count = left < j->chunk ? left : j->chunk;
        s->in = (const unsigned char *)sp->in + first * sp->kernel->in_size;
        return s->count == left ? 0 : 1;
    }
    s->in = s->in_buf;
    int rc = 1;
    while (s->count < j->chunk &&
           (rc = sp->gen(sp->gen_ctx, s->in_buf + s->count * sp->kernel->in_size)) == 1)
        s->count++;
    return rc;
}

static slot *free_slot(wq_job *j) {
    for (size_t i = 0; i < j->nslots; i++)
        if (j->slots[i].state == SLOT_FREE)
            return &j->slots[i];
    return NULL;
}

/* Queues a filled slot; runs it here if the pool cannot take it.
 * Called and returns with mu held. */
static void launch(wq_job *j, slot *s) {
    s->state = SLOT_QUEUED;
    j->inflight++;
    j->tasks++;
    if (wq__submit_try(j->pool, chunk_task, s) == 0)
        return; /* never the pool's policy: mu is held */
    j->tasks--;
    wq__check(pthread_mutex_unlock(&j->mu));
    run_slot(j, s);
    wq__check(pthread_mutex_lock(&j->mu));
    s->state = SLOT_DONE;
}

/* Takes input into free slots and queues them, until the input ends, the
 * generator has nothing now, or every slot is busy. Called and returns with
 * mu held; the lock is dropped around the generator. */
static void take_input(wq_job *j) {
    slot *s;
    while (!j->input_end && !j->gen_wait && !atomic_load(&j->cancel) &&
           (s = free_slot(j)) != NULL) {
        s->seq = j->next_seq;
        s->first = j->stats.taken;
        s->state = SLOT_QUEUED; /* reserved while the lock is dropped */
        j->resumed = false;
        wq__check(pthread_mutex_unlock(&j->mu));
        int rc = fill_slot(j, s, s->first);
        wq__check(pthread_mutex_lock(&j->mu));
        s->state = SLOT_FREE;
        if (rc == WQ_GEN_AGAIN) {
            j->gen_wait = !j->resumed; /* a resume during the call: ask again */
        } else if (rc <= 0) {
            j->input_end = true;
            j->error = rc < 0 ? -rc : 0;
        }
        if (s->count == 0)
            continue;
        j->next_seq++;
        j->stats.taken += s->count;
        launch(j, s);
    }
}

/* While the generator waits, tells the application (on_idle) that what it
 * was given is all there is for now. Called and returns with mu held, by
 * the holder of the service role. */
static void idle(wq_job *j) {
    if (!j->gen_wait || !j->unflushed || !j->spec.on_idle)
        return;
    j->unflushed = false;
    wq__check(pthread_mutex_unlock(&j->mu));
    j->spec.on_idle(j->spec.cb_ctx);
    wq__check(pthread_mutex_lock(&j->mu));
}

/* Delivers what is ready and takes more input, as long as anything changes;
 * see the service role above. */
static void service(wq_job *j) {
    wq__check(pthread_mutex_lock(&j->mu));
    if (j->servicing) {
        j->kick = true;
        wq__check(pthread_mutex_unlock(&j->mu));
        return;
    }
    j->servicing = true;
    do {
        j->kick = false;
        deliver_ready(j);
        take_input(j);
        idle(j);
    } while (j->kick || next_deliverable(j));
    j->servicing = false;
    if (atomic_load(&j->cancel))
        j->input_end = true;
    wq__check(pthread_mutex_unlock(&j->mu));
}

/* ---------------------------------------------------------------- API -- */

int wq_async_map(wq_pool *pool, const wq_async_spec *spec, wq_job **job) {
    if (!pool || !job || !spec_valid(spec))
        return EINVAL;
    wq_job *j = job_alloc(pool, spec);
    if (!j)
        return ENOMEM;
    int err = wq__sync_init(&j->mu, &j->cv, 1);
    if (err) {
        free(j);
        return err;
    }
    j->tasks = 1;
    /* *job is set before the first task can run, so callbacks may use it. */
    wq_job *saved = *job;
    *job = j;
    if ((err = wq_submit(pool, service_task, j)) != 0) {
        *job = saved;
        wq__sync_destroy(&j->mu, &j->cv, 1);
        free(j);
    }
    return err;
}

static bool job_over(const wq_job *j) {
    return j->tasks == 0 && j->input_end && j->inflight == 0;
}

static int wait_over(wq_job *j) {
    wq__check(pthread_mutex_lock(&j->mu));
    while (!job_over(j))
        wq__check(pthread_cond_wait(&j->cv, &j->mu));
    int err = atomic_load(&j->cancel) ? ECANCELED : j->error;
    wq__check(pthread_mutex_unlock(&j->mu));
    return err;
}

int wq_job_wait(wq_job *job) {
    if (!job)
        return EINVAL;
    if (wq__on_worker_of(job->pool))
        return EDEADLK;
    return wait_over(job);
}

void wq_job_cancel(wq_job *job) {
    if (!job)
        return;
    wq__check(pthread_mutex_lock(&job->mu));
    atomic_store(&job->cancel, true);
    /* With nothing in flight and nobody serving, no task will come back to
     * end the job: end it here. Otherwise the last task or the server will. */
    if (!job->servicing && job->inflight == 0) {
        job->input_end = true;
        if (job_over(job))
            wq__check(pthread_cond_broadcast(&job->cv));
    }
    wq__check(pthread_mutex_unlock(&job->mu));
}

void wq_async_resume(wq_job *job) {
    if (!job)
        return;
    bool serve = false;
    wq__check(pthread_mutex_lock(&job->mu));
    job->resumed = true;
    if (job->gen_wait && !job->input_end) {
        job->gen_wait = false;
        if (job->servicing) {
            job->kick = true; /* the server loops once more and asks again */
        } else {
            job->tasks++; /* keeps the job alive until the service has run */
            serve = true;
        }
    }
    wq__check(pthread_mutex_unlock(&job->mu));
    /* When the pool cannot take the task, serve here, as launch() does. */
    if (serve && wq__submit_try(job->pool, service_task, job) != 0)
        service_task(job);
}

void wq_job_stats_get(wq_job *job, wq_job_stats *stats) {
    wq__check(pthread_mutex_lock(&job->mu));
    *stats = job->stats;
    wq__check(pthread_mutex_unlock(&job->mu));
}

void wq_job_free(wq_job *job) {
    if (!job)
        return;
    wq_job_cancel(job);
    wait_over(job);
    wq__sync_destroy(&job->mu, &job->cv, 1);
    free(job);
}
