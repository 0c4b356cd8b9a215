/*
 * The thread pool: a fixed set of workers pulling tasks from one FIFO.
 *
 * Guarantees:
 *   - Every task accepted by wq_submit or wq_submit_many runs exactly once,
 *     in FIFO order of dequeue, across threads too: the pool's first
 *     submitting thread (its owner) publishes into its own single-producer
 *     ring with no lock; other threads queue in the locked ring, after
 *     moving the owner's published tasks there (locked_room), and claims
 *     take the locked ring first.
 *   - No task is stranded: a worker claims a few consecutive tasks per lock
 *     (its batch), but the tasks of a batch that have not started stay
 *     available to other workers, who steal them before going idle. So a
 *     task may block waiting for a task queued after it, as long as some
 *     worker is free to run that one.
 *   - No allocation per task: each queue is a ring of (fn, arg) pairs owned by
 *     the pool that doubles when full and never shrinks (on the heap up to
 *     64 KiB, then in 2 MiB pages: see RING_HEAP_MAX). A freed ring's
 *     mapping is kept for the next ring, process-wide, up to 64 MiB in all
 *     (wq__map_huge, util.c).
 *   - Futex calls only where needed: a worker with nothing to do spins for a
 *     bounded time (SPIN_POLLS reads of lock-free hints, no lock taken,
 *     yielding its core now and then; at most one spinner per online CPU,
 *     so a pool of 1000 workers does not burn the machine) before it sleeps on a condition
 *     variable. A sleeper is woken only when
 *     queued or stealable tasks outnumber the workers already awake and
 *     looking for work (see wake_if_needed), once per submit call or batch
 *     claim, never once per task of a batch.
 *   - A bounded pool (max_queued > 0) allocates its ring once, at creation,
 *     and never holds more than max_queued queued tasks. When the ring is
 *     full a submit applies the pool's policy: it waits on cv[ROOM] (woken
 *     by the claim that takes tasks off the ring) or runs the task on the
 *     calling thread, with no lock held. A caller-runs submit first reads
 *     queued_hint without the lock, so a saturated pool costs its producer
 *     no lock per task. A worker of the pool never waits for room: it runs
 *     the task itself (it could be the only one able to make room).
 *   - All state lives in struct wq_pool; two pools share nothing.
 *   - wq_pool_destroy lets everything queued run (including work submitted
 *     by that work), then joins every thread.
 *
 * Locking: one mutex per pool, pool->mu (a wq__lock, lock.h), protects
 * every field tagged (mu).
 * A worker's batch array is written only by its owner and only under mu; the
 * owner reads it without the lock, thieves read it under mu, so a batch is
 * never refilled while a thief copies from it. Which batch entry runs where
 * is decided by two atomics per worker: the owner's claims (next, a plain
 * store per task) and the owner's limit (lowered by thieves under mu, after
 * a membarrier): see claim_entry for why each entry runs once.
 * The owner ring's slots are written by its owner alone and published by a
 * release store of its tail; consumers take them under mu. The owner reads
 * sleepy_hint after each publish with no fence, and a worker about to
 * sleep fences every thread (owner_may_publish_unseen), so no wake-up is
 * lost. The (hint) atomics are relaxed copies read by spinning workers to decide
 * when to take the lock; they never decide anything on their own. Tasks run
 * with no lock held.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "internal.h"
#include "lock.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct task {
    void (*fn)(void *);
    void *arg;
} task;

enum { WORK, DONE, ROOM };

/* Most tasks one worker claims per lock acquisition. When the queue is
 * long (the submitter outruns the workers), every claim moves the lock's
 * cache line to the worker and back, and the submitter waits for it: 256
 * rather than 64 per claim made 1M empty tasks on 2 threads about 20%
 * faster in two A/B runs (11 alternating rounds each). */
#define BATCH_MAX 256
/* A worker back from a quick batch (under QUICK_NS) claims from the ring at
 * once only when CLAIM_MIN tasks wait; with fewer it spins first and lets
 * the submitter queue more. Claiming a few tasks at a time pulls the lock's
 * and the queue's cache lines away from the submitter at every claim, and
 * with short tasks the submitter is the pool's bottleneck. After a longer
 * batch the worker claims at once, so that a backlog of long tasks does not
 * wait on a worker's patience. */
#define CLAIM_MIN 64
#define QUICK_NS 20000
/* Tasks shorter than this on average (the last batch's time per task) have
 * their batch entries claimed by a store and a load instead of a fetch_add
 * (claim_entry): the fetch_add's 6 to 9 ns matter only for such tasks, and
 * a steal from such a batch costs the thief a membarrier (an interrupt to
 * every running thread of the process). With longer tasks (genomics'
 * chunks) steals are frequent and the fetch_add is negligible. */
#define CHEAP_CLAIM_NS 200
/* Polls of the hints an idle worker makes before it sleeps: a millisecond
 * or two, long enough to bridge the gaps of a submitter that is descheduled
 * now and then, short enough that an idle pool soon sleeps. */
#define SPIN_POLLS 1000
/* Pauses between two polls: a poll costs the submitter a cache-line
 * transfer, so a spinner polls only every microsecond or so. */
#define SPIN_PAUSES 64
/* Every SPIN_YIELD polls a spinner yields its core: when threads outnumber
 * cores (a busy machine), the submitter it waits for may need that core. */
#define SPIN_YIELD 2
/* A spinner that sees fewer than BATCH_MAX queued tasks lets a few more
 * polls go by (about 10 us here) while the queue still grows, so that it
 * claims a batch, not a task per lock. It claims at once when the queue
 * stopped growing between two polls: then waiting gains nothing (3000
 * rounds of 4 short tasks and wq_wait on 2 threads: 49 ms, against 63 ms
 * with patience alone and 56 ms before either). */
#define SPIN_PATIENCE 8
/* The submitter refreshes queued_hint every HINT_STEP tasks. */
#define HINT_STEP 16
/* wq_submit prefetches the ring slot PREFETCH_AHEAD places past the one it
 * writes (three cache lines on), for writing. */
#define PREFETCH_AHEAD 12

/* Each worker starts on a cache line of its own (the pool allocates them
 * with wq__calloc_lines), and its size is a whole number of lines. */
typedef struct worker {
    _Alignas(64) wq_pool *pool;
    pthread_t thread;
    task batch[BATCH_MAX]; /* claimed tasks: written by the owner under mu */
    atomic_size_t limit;   /* entries [0, limit) are the owner's to run:
                              set by the owner's claim, lowered by thieves
                              (mu; read by the owner without it) */
    atomic_size_t next;    /* entries the owner has claimed (see
                              claim_entry) */
    bool asym;             /* the batch's entries are claimed by a store
                              and a load, not by fetch_add (mu) */
    bool multi;            /* batch had more than one task (mu) */
    char pad[64];          /* keeps next off the neighbour's cache line */
} worker;

/* The owner's ring: a single-producer FIFO for the first thread that submits
 * to an unbounded pool in futex mode (not one of its workers). That
 * thread's wq_submit publishes a task with a slot store and a release store
 * of tail: no lock and no locked instruction (a locked submit costs about
 * 13 ns here, the lock's compare-and-swap 6 ns of it; bench_submit). The
 * consumers take from it under mu, in order, after the locked ring (see
 * locked_room for why that keeps FIFO order across threads). */
typedef struct owner_ring {
    /* The owner's line: written by the owner only. */
    _Alignas(64) atomic_uintptr_t id; /* the owner (thread_id()), 0 = none
                                         yet: set once, under mu */
    atomic_size_t tail;               /* tasks ever published (release) */
    size_t head_seen;                 /* the owner's last read of head */
    task *slots;                      /* cap slots, a power of 2, task i in
                                         slots[i & (cap - 1)]: changed by the
                                         owner under mu, read by consumers
                                         under mu */
    size_t cap;
    /* The consumers' line. */
    _Alignas(64) atomic_size_t head; /* tasks ever taken (mu; release) */
    char pad[64];
} owner_ring;

struct wq_pool {
    unsigned nthreads;
    unsigned max_spinners; /* online CPUs: more spinners than cores would only
                              take the cores from the submitter (immutable) */
    worker *workers;
    size_t max_queued;        /* bound on count; 0 = unbounded (immutable) */
    size_t full_at;           /* max_queued, or SIZE_MAX when unbounded (immutable) */
    wq_full_policy when_full; /* (immutable) */

    wq__lock mu;    /* lock.h: one atomic instruction per uncontended lock +
                       unlock, against glibc's two */
    wq__cond cv[3]; /* cv[WORK]: a worker is needed, or stopping;
                       cv[DONE]: broadcast when pending reached 0, and
                       when the last worker started;
                       cv[ROOM]: broadcast when a claim makes room in a
                       full bounded ring and submitters wait */
    task *ring;     /* FIFO ring of cap slots, a power of 2 (mu) */
    size_t cap, head, count;
    size_t pending;        /* queued, claimed and running tasks (mu) */
    unsigned spinners;     /* idle workers polling the hints (mu) */
    unsigned started;      /* workers that entered worker_main (mu) */
    unsigned sleepers;     /* workers waiting on cv[WORK] (mu) */
    unsigned room_waiters; /* submitters waiting on cv[ROOM] (mu) */
    unsigned wakeups;      /* cv[WORK] signals not yet absorbed (mu) */
    unsigned batched;      /* workers whose batch may have stealable tasks:
                              their multi is set (mu) */
    bool stopping;         /* set once by wq_pool_destroy (mu) */
    /* The hints sit on their own cache line: spinners poll them, and must
     * not pull the line of mu and the ring away from the submitter. */
    _Alignas(64) atomic_size_t queued_hint; /* count, refreshed when it
                                               leaves 0, every HINT_STEP
                                               submits, when it reaches
                                               full_at, and at every claim
                                               (hint) */
    atomic_size_t stop_hint;                /* stopping (hint) */
    atomic_size_t batched_hint;             /* batched (hint) */
    atomic_uint sleepy_hint;                /* sleepers > wakeups (hint) */
    owner_ring owner;
};

/* The pool whose worker is the current thread, or NULL. */
static _Thread_local const wq_pool *tl_worker_of;

int wq__on_worker_of(const wq_pool *pool) {
    return tl_worker_of == pool;
}

/* Asks for the cache line at p in a writable state, ahead of a store. */
static inline void prefetch_for_write(const void *p) {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    /* __builtin_prefetch(p, 1) emits a read prefetch unless the target has
     * PRFCHW; prefetchw itself is a no-op on the x86 CPUs without it. */
    __asm__ __volatile__("prefetchw %0" ::"m"(*(const char *)p));
#elif defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 1);
#else
    (void)p;
#endif
}

/* The lock-free accesses, all relaxed, each in its own function: valgrind's
 * race detectors do not model C11 atomics, and tests/engine/helgrind.supp
 * silences them by these names (hence noinline). */
#if defined(__GNUC__) || defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

static NOINLINE void hint_set(atomic_size_t *a, size_t v) {
    atomic_store_explicit(a, v, memory_order_relaxed);
}

static NOINLINE size_t hint_get(const atomic_size_t *a) {
    return atomic_load_explicit((atomic_size_t *)a, memory_order_relaxed);
}

/* Claims k entries from a batch cursor; returns the first one's index. */
static NOINLINE size_t hint_claim(atomic_size_t *a, size_t k) {
    return atomic_fetch_add_explicit(a, k, memory_order_relaxed);
}

/* ---------------------------------------------------------------- ring -- */

/* The largest ring kept on the heap, in bytes. A larger ring is a mapping
 * of whole 2 MiB pages (wq__map_huge): a backlog that outgrows the heap ring
 * fills it in a few huge-page faults instead of one fault per 4 KiB. On this
 * project's VMs a 4 KiB fault costs tens of microseconds, and a worker
 * descheduled for a millisecond let 1M empty tasks on 2 threads take about
 * 560 faults and 50 ms instead of 20. A ring that needs a mapping takes the
 * largest one a freed ring left (it may have more slots than asked for):
 * memory already faulted in, which the host cannot have taken back (a fresh
 * 16 MiB ring cost up to 70 ms more in one round of six; util.c). */
#define RING_HEAP_MAX ((size_t)64 << 10)

/* Frees a ring of cap slots, wherever it lives. */
static void slots_free(task *r, size_t cap) {
    if (cap * sizeof(task) > RING_HEAP_MAX)
        wq__unmap_huge(r, cap * sizeof(task));
    else
        free(r);
}

/* Frees the ring. */
static void ring_free(wq_pool *p) {
    slots_free(p->ring, p->cap);
}

/* Slots for a ring of *ncap tasks: on the heap up to RING_HEAP_MAX, else
 * mapped in 2 MiB pages (*ncap then rounded up to at least one page).
 * NULL if there is no memory. */
static task *slots_alloc(size_t *ncap) {
    if (*ncap * sizeof(task) <= RING_HEAP_MAX)
        return wq__malloc(*ncap * sizeof(task));
    size_t bytes = *ncap * sizeof(task) < WQ__HUGE_PAGE ? WQ__HUGE_PAGE : *ncap * sizeof(task);
    task *r = wq__map_huge(&bytes);
    if (r)
        *ncap = bytes / sizeof(task);
    return r;
}

/* The capacity a ring of cap slots holding live tasks needs for more:
 * cap doubled (from 64 when 0) until they fit, in *ncap; ENOMEM past what
 * a size_t can count. */
static int grown_cap(size_t cap, size_t live, size_t more, size_t *ncap) {
    if (more > SIZE_MAX / 4 - live)
        return ENOMEM;
    size_t c = cap ? cap : 64;
    while (c - live < more)
        c *= 2;
    if (c > SIZE_MAX / sizeof(task) / 2)
        return ENOMEM;
    *ncap = c;
    return 0;
}

/* Moves the FIFO to a new mapped ring of ncap slots (more than
 * RING_HEAP_MAX's worth), at its start. Called with mu held. */
static int ring_move(wq_pool *p, size_t ncap) {
    task *r = slots_alloc(&ncap);
    if (!r)
        return ENOMEM; /* the old ring is intact */
    if (p->count) {
        size_t first = p->cap - p->head < p->count ? p->cap - p->head : p->count;
        memcpy(r, p->ring + p->head, first * sizeof *r);
        memcpy(r + first, p->ring, (p->count - first) * sizeof *r);
    }
    ring_free(p);
    p->ring = r;
    p->cap = ncap;
    p->head = 0;
    return 0;
}

/* Doubles the ring until it has room for more tasks, keeping FIFO order.
 * Called with mu held. */
static int ring_reserve(wq_pool *p, size_t more) {
    size_t ncap;
    int err = grown_cap(p->cap, p->count, more, &ncap);
    if (err || ncap == p->cap)
        return err;
    if (ncap * sizeof(task) > RING_HEAP_MAX)
        return ring_move(p, ncap);
    /* On the heap: realloc, then only the wrapped part,
     * [0, head + count - cap), moves: to just after the old end, where the
     * FIFO continues. */
    task *r = wq__realloc(p->ring, ncap * sizeof *r);
    if (!r)
        return ENOMEM; /* the old ring is intact */
    size_t end = p->head + p->count;
    if (p->cap && end > p->cap)
        memcpy(r + p->cap, r, (end - p->cap) * sizeof *r);
    p->ring = r;
    p->cap = ncap;
    return 0;
}

/* ---------------------------------------------------------- owner ring -- */

/* The calling thread's identity for owner_ring.id: the address of one of
 * its thread-local variables (never 0). */
static inline uintptr_t thread_id(void) {
    return (uintptr_t)&tl_worker_of;
}

/* Tasks in the owner's ring. Exact with mu held (head changes only under
 * mu; tail only grows): a consumer's view, acquiring the published slots. */
static size_t owner_len(const wq_pool *p) {
    owner_ring *o = (owner_ring *)&p->owner;
    size_t h = atomic_load_explicit(&o->head, memory_order_relaxed);
    return atomic_load_explicit(&o->tail, memory_order_acquire) - h;
}

/* Tasks in the owner's ring, without mu (a hint): head is read first, so the
 * difference never underflows. */
static size_t owner_len_hint(const wq_pool *p) {
    owner_ring *o = (owner_ring *)&p->owner;
    size_t h = atomic_load_explicit(&o->head, memory_order_relaxed);
    return atomic_load_explicit(&o->tail, memory_order_relaxed) - h;
}

/* Copies up to max of the owner's tasks, oldest first, to out[0..) (with
 * wrap: out[i & mask]), frees their slots for the owner, and returns how
 * many. Called with mu held. */
static size_t owner_take(wq_pool *p, task *out, size_t at, size_t mask, size_t max) {
    owner_ring *o = &p->owner;
    size_t len = owner_len(p);
    size_t n = len < max ? len : max;
    size_t h = atomic_load_explicit(&o->head, memory_order_relaxed);
    for (size_t i = 0; i < n; i++)
        out[(at + i) & mask] = o->slots[(h + i) & (o->cap - 1)];
    atomic_store_explicit(&o->head, h + n, memory_order_release);
    return n;
}

/* Queued tasks: the locked ring's and the owner's. Called with mu held. */
static size_t queued(const wq_pool *p) {
    return p->count + owner_len(p);
}

/* Takes up to max tasks into out: first off the locked ring, then off the
 * owner's ring. Called with mu held. */
static size_t ring_take(wq_pool *p, task *out, size_t max) {
    size_t n = p->count < max ? p->count : max;
    for (size_t i = 0; i < n; i++) {
        out[i] = p->ring[p->head];
        p->head = (p->head + 1) & (p->cap - 1);
    }
    p->count -= n;
    hint_set(&p->queued_hint, p->count);
    if (n && p->room_waiters)
        wq__cond_broadcast(&p->cv[ROOM], &p->mu);
    if (n < max) {
        size_t k = owner_take(p, out + n, 0, SIZE_MAX, max - n);
        p->pending += k; /* counted from here on, as a locked submit does */
        n += k;
    }
    return n;
}

/* ------------------------------------------------------------- batches -- */

/* How many queued tasks one claim takes: all of them, up to BATCH_MAX.
 * Not a fair share (count / nthreads): idle workers steal half of a batch's
 * unstarted tasks anyway, and smaller claims only take the lock more often
 * (1M empty tasks on 2 threads: 45,000 claims of 22 tasks on average
 * against 15,000 of 65). */
static size_t batch_size(size_t queued) {
    return queued < BATCH_MAX ? queued : BATCH_MAX;
}

/* Publishes w's new batch of n entries, claimed as asym says. Called with
 * mu held. */
static void batch_set(worker *w, size_t n, bool asym) {
    hint_set(&w->limit, n);
    hint_set(&w->next, 0);
    w->asym = asym;
}

/* Entries of w's batch not yet claimed (a hint without mu). */
static size_t batch_left(const worker *w) {
    size_t n = hint_get(&w->limit), next = hint_get(&w->next);
    return next < n ? n - next : 0;
}

/* Who runs which entry of a batch. Two protocols, chosen per batch by its
 * owner (asym, under mu) and followed by thieves:
 *
 * fetch_add (long tasks, and always in pthread mode): the owner and the
 * thieves claim entries with fetch_add on next, from the front; limit does
 * not change.
 *
 * asym (short tasks, futex mode): no locked instruction per task on the
 * owner's side (Dekker's pattern with an asymmetric fence, as in lock.h).
 * The owner claims entry i by storing next = i + 1, then reads limit: it
 * runs i if i < limit; else it takes mu and reads limit again, now final.
 * A thief, under mu, lowers limit to mid (taking the last half), makes
 * every running thread execute a full fence (membarrier), reads next, and
 * sets the final limit to start = max(mid, next), clamped to the old
 * limit; it takes the entries [start, old limit).
 *   - An owner's claim of i whose read of limit came before the fence had
 *     its store of next before it too: the thief sees next > i, so
 *     start > i, and i is the owner's, as the owner saw.
 *   - A read after the fence sees mid or the final value: if that says
 *     i >= limit, the owner asks again under mu, where the final limit
 *     decides (i < start: the thief saw the claim and left i to the owner).
 */
static inline void claim_entry(worker *self, size_t next) {
    atomic_store_explicit(&self->next, next, memory_order_relaxed);
    /* Keeps the compiler from reading limit before the store. */
    atomic_signal_fence(memory_order_seq_cst);
}

/* Takes the entries [start, old limit) of v's asym batch into out, by the
 * protocol above; returns how many (0 when the owner started them). Called
 * with mu held.
 * The fence (membarrier) stays under mu: the owner that finds i >= limit
 * takes mu and trusts the limit it reads there as final. Were mu released
 * between lowering limit to mid and setting start, the owner could read mid,
 * give up entries [mid, next) that the thief then leaves to it (start =
 * next), and those tasks would never run; a second thief could also lower
 * the limit again from the same unsettled state. */
static size_t steal_asym(wq_pool *p, worker *v, task *out) {
    size_t lim = hint_get(&v->limit), next = hint_get(&v->next);
    if (next >= lim)
        return 0;
    size_t mid = lim - (lim - next + 1) / 2;
    hint_set(&v->limit, mid);
    wq__lock_fence_all(&p->mu);
    next = hint_get(&v->next);
    size_t start = next > mid ? (next < lim ? next : lim) : mid;
    hint_set(&v->limit, start);
    memcpy(out, &v->batch[start], (lim - start) * sizeof(task));
    return lim - start;
}

/* Claims the first half of the unstarted entries of v's fetch_add batch
 * into out; returns how many. Called with mu held. */
static size_t steal_front(worker *v, task *out) {
    size_t left = batch_left(v);
    if (!left)
        return 0;
    size_t want = (left + 1) / 2;
    size_t n = hint_get(&v->limit);
    size_t i = hint_claim(&v->next, want);
    if (i >= n)
        return 0; /* the owner started them meanwhile */
    size_t got = n - i < want ? n - i : want;
    memcpy(out, &v->batch[i], got * sizeof(task));
    return got;
}

/* Claims about half of the unstarted tasks of another worker's batch into
 * self's batch, claimed as asym says. Returns how many. Called with mu
 * held. */
static size_t steal(wq_pool *p, worker *self, bool asym) {
    unsigned me = (unsigned)(self - p->workers);
    if (p->batched == 0)
        return 0;
    for (unsigned k = 1; k < p->nthreads; k++) {
        worker *v = &p->workers[(me + k) % p->nthreads];
        size_t got = v->asym ? steal_asym(p, v, self->batch) : steal_front(v, self->batch);
        if (got) {
            batch_set(self, got, asym);
            return got;
        }
    }
    return 0;
}

/* Stealable tasks of all workers but self (self may be NULL). Called with
 * mu held. */
static size_t stealable(const wq_pool *p, const worker *self) {
    size_t s = 0;
    if (p->batched == 0)
        return 0;
    for (unsigned i = 0; i < p->nthreads; i++)
        if (&p->workers[i] != self)
            s += batch_left(&p->workers[i]);
    return s;
}

/* Refreshes the hints the owner reads after each publish to decide whether
 * to wake a worker (owner_submit). Called with mu held after every
 * change of sleepers or wakeups. */
static void idle_hints(wq_pool *p) {
    atomic_store_explicit(&p->sleepy_hint, p->sleepers > p->wakeups, memory_order_relaxed);
}

/* Wakes one sleeping worker when the waiting tasks (queued: base, plus the
 * stealable ones of every worker but self) outnumber the workers already
 * awake and idle (spinning, or signalled but not yet running). Busy workers
 * do not count: their task may block on the ones waiting. Called with mu
 * held. */
static void wake_if_needed(wq_pool *p, const worker *self, size_t base) {
    if (p->sleepers <= p->wakeups)
        return; /* nobody to wake: no need to count */
    unsigned awake = p->spinners + p->wakeups;
    if (base + stealable(p, self) <= awake)
        return;
    p->wakeups++;
    idle_hints(p);
    wq__cond_signal(&p->cv[WORK], &p->mu);
}

/* Fills self's batch: first from a peer's claimed but unstarted tasks (they
 * are older than anything queued), then from the ring, unless fewer than
 * CLAIM_MIN are queued and the claim need not be eager. The new batch's
 * entries are claimed as asym says. Returns the number of tasks claimed.
 * Called with mu held; self's previous batch is over. */
static size_t claim(wq_pool *p, worker *self, bool eager, bool asym) {
    size_t got = steal(p, self, asym);
    size_t q = got ? 0 : queued(p);
    if (q > 0 && (eager || q >= CLAIM_MIN)) {
        got = ring_take(p, self->batch, batch_size(q));
        batch_set(self, got, asym);
    }
    if (got > 1) {
        self->multi = true;
        hint_set(&p->batched_hint, ++p->batched);
    }
    if (got)
        wake_if_needed(p, self, queued(p) + (got - 1));
    return got;
}

/* Runs the entries of an asym batch that no thief took (claim_entry): a
 * store and a load per task, no locked instruction. With a fetch_add per
 * task, the claims were the largest cost of the workers' loop with empty
 * tasks: 1M queued ones drained by 2 workers took longer than by 1.
 * Returns with mu held. */
static size_t run_asym(wq_pool *p, worker *self) {
    size_t ran = 0;
    for (size_t i = 0;; i++) {
        claim_entry(self, i + 1);
        if (i >= atomic_load_explicit(&self->limit, memory_order_relaxed)) {
            wq__lock_lock(&p->mu);
            if (i >= hint_get(&self->limit))
                return ran; /* the rest is a thief's, or the batch is over */
            wq__lock_unlock(&p->mu);
        }
        self->batch[i].fn(self->batch[i].arg);
        ran++;
    }
}

/* Runs the entries of self's batch that no thief took. A lone worker has
 * no thieves and does not claim. Called with no lock held; returns with mu
 * held. */
static size_t run_batch(wq_pool *p, worker *self) {
    size_t n = hint_get(&self->limit), ran = 0;
    if (p->nthreads == 1) {
        for (; ran < n; ran++)
            self->batch[ran].fn(self->batch[ran].arg);
        hint_set(&self->next, n);
    } else if (self->asym) {
        return run_asym(p, self);
    } else {
        for (size_t i; (i = hint_claim(&self->next, 1)) < n; ran++)
            self->batch[i].fn(self->batch[i].arg);
    }
    wq__lock_lock(&p->mu);
    return ran;
}

/* ------------------------------------------------------------- workers -- */

/* Polls the hints for queued or stealable tasks, a bounded number of times.
 * Returns true when there may be work (or the pool stops). No lock held. */
static bool spin_for_work(const wq_pool *p, const worker *self) {
    unsigned seen = 0;
    size_t last = 0;
    for (unsigned i = 0; i < SPIN_POLLS; i++) {
        size_t q = hint_get(&p->queued_hint) + owner_len_hint(p);
        if (q >= BATCH_MAX || hint_get(&p->stop_hint))
            return true;
        /* Tasks wait: claim them once the submitter has stopped adding
         * (waiting longer would not grow the batch), or after patience. */
        if (q > 0 && (q == last || ++seen >= SPIN_PATIENCE))
            return true;
        last = q;
        if (i % 16 == 15 && hint_get(&p->batched_hint) > 0)
            for (unsigned k = 0; k < p->nthreads; k++)
                if (&p->workers[k] != self && batch_left(&p->workers[k]) > 0)
                    return true;
        for (unsigned k = 0; k < SPIN_PAUSES; k++)
            wq__cpu_relax();
        if (i % SPIN_YIELD == SPIN_YIELD - 1)
            sched_yield();
    }
    return false;
}

/* Records that self's batch is over, ran tasks of it by self. Called with
 * mu held. */
static void batch_done(wq_pool *p, worker *self, size_t ran) {
    if (self->multi) {
        self->multi = false;
        hint_set(&p->batched_hint, --p->batched);
    }
    if (!ran)
        return;
    p->pending -= ran;
    if (p->pending == 0 && owner_len(p) == 0) {
        wq__cond_broadcast(&p->cv[DONE], &p->mu);
        if (p->stopping) /* let sleepers see the end */
            wq__cond_broadcast(&p->cv[WORK], &p->mu);
    }
}

/* Whether the owner may have published a task this worker would not see
 * before sleeping: the owner publishes with a plain store and then reads
 * sleepy_hint with no fence between (x86 may reorder the two). So a worker
 * about to sleep, after it set sleepy_hint, makes every running thread
 * execute a full fence (membarrier, wq__lock_fence_all), then looks at the
 * owner's ring: either the owner's store of tail is visible now, or the
 * owner's read of the hints comes after the fence and sees this worker
 * counted as a sleeper (the lock's own argument, lock.h). Called with mu
 * held. */
static bool owner_may_publish_unseen(wq_pool *p) {
    if (atomic_load_explicit(&p->owner.id, memory_order_relaxed) == 0)
        return false; /* set under mu: no owner can publish before it is */
    wq__lock_fence_all(&p->mu);
    return owner_len(p) > 0;
}

/* Idles without work: spins first (unless it just did, or as many workers
 * as there are cores spin already), then sleeps. Called and returns with mu
 * held. */
static void idle(wq_pool *p, worker *self, bool *spun) {
    if (!*spun && p->spinners < p->max_spinners) {
        *spun = true;
        p->spinners++;
        wq__lock_unlock(&p->mu);
        spin_for_work(p, self);
        wq__lock_lock(&p->mu);
        p->spinners--;
        return;
    }
    *spun = false;
    p->sleepers++;
    idle_hints(p);
    if (!owner_may_publish_unseen(p))
        wq__cond_wait(&p->cv[WORK], &p->mu);
    p->sleepers--;
    if (p->wakeups > 0)
        p->wakeups--;
    idle_hints(p);
}

/* Monotonic nanoseconds, or 0 if the clock fails (then batches count as
 * long, and claims are eager). */
static uint64_t now_ns(void) {
    struct timespec t;
    if (clock_gettime(CLOCK_MONOTONIC, &t) != 0)
        return 0;
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void *worker_main(void *arg) {
    worker *self = arg;
    wq_pool *p = self->pool;
    bool spun = false, quick = false; /* last batch took under QUICK_NS */
    bool cheap = false;               /* its tasks took under CHEAP_CLAIM_NS on average */

    tl_worker_of = p;
    wq__lock_lock(&p->mu);
    if (++p->started == p->nthreads)
        wq__cond_broadcast(&p->cv[DONE], &p->mu); /* wq_pool_create returns */
    /* Stopping ends a worker only once nothing is pending: a running task
     * may still submit work, or wait for a task another worker holds. */
    while (!(p->stopping && p->pending == 0 && owner_len(p) == 0)) {
        /* Patient only if it can spin: a worker never sleeps while tasks
         * it declined wait in the queue. */
        bool eager = spun || !quick || p->spinners >= p->max_spinners;
        if (claim(p, self, eager, cheap && p->mu.futex) == 0) {
            idle(p, self, &spun);
            quick = quick && spun; /* woken from sleep: eager */
            continue;
        }
        spun = false;
        wq__lock_unlock(&p->mu);
        uint64_t t0 = now_ns();
        size_t ran = run_batch(p, self); /* returns with mu held */
        uint64_t t1 = now_ns();
        quick = t0 && t1 && t1 - t0 < QUICK_NS;
        cheap = t0 && t1 && ran && t1 - t0 < ran * (uint64_t)CHEAP_CLAIM_NS;
        batch_done(p, self, ran);
    }
    wq__lock_unlock(&p->mu);
    return NULL;
}

/* ---------------------------------------------------------------- pool -- */

static unsigned online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* Stops and joins the first n workers, then frees the pool. */
static void shutdown_and_free(wq_pool *p, unsigned n) {
    wq__lock_lock(&p->mu);
    p->stopping = true;
    hint_set(&p->stop_hint, 1);
    wq__cond_broadcast(&p->cv[WORK], &p->mu);
    wq__lock_unlock(&p->mu);
    for (unsigned i = 0; i < n; i++)
        wq__check(pthread_join(p->workers[i].thread, NULL));
    wq__lock_destroy(&p->mu, p->cv, 3);
    ring_free(p);
    slots_free(p->owner.slots, p->owner.cap);
    free(p->workers);
    free(p);
}

/* Waits until every worker runs its own code: a thread still starting may
 * hold locks of the C library or of a sanitizer's runtime, which a fork
 * right after wq_pool_create would leave held in the child for ever. */
static void wait_started(wq_pool *p) {
    wq__lock_lock(&p->mu);
    while (p->started < p->nthreads)
        wq__cond_wait(&p->cv[DONE], &p->mu);
    wq__lock_unlock(&p->mu);
}

/* Allocates a bounded pool's whole ring (no lock needed: no worker yet). */
static int ring_bound(wq_pool *p, const wq_pool_opts *opts) {
    p->max_queued = opts ? opts->max_queued : 0;
    p->full_at = p->max_queued ? p->max_queued : SIZE_MAX;
    p->when_full = opts ? opts->when_full : WQ_FULL_BLOCK;
    return p->max_queued ? ring_reserve(p, p->max_queued) : 0;
}

wq_pool *wq_pool_create_ex(unsigned nthreads, const wq_pool_opts *opts) {
    int err = EINVAL;
    if (opts && opts->when_full != WQ_FULL_BLOCK && opts->when_full != WQ_FULL_CALLER_RUNS)
        goto fail;
    err = ENOMEM;
    wq_pool *p = wq__calloc_lines(1, sizeof *p);
    if (!p)
        goto fail;
    p->max_spinners = online_cpus();
    p->nthreads = nthreads ? nthreads : p->max_spinners;
    p->workers = wq__calloc_lines(p->nthreads, sizeof *p->workers);
    if (!p->workers || (err = ring_bound(p, opts)) != 0 ||
        (err = wq__lock_init(&p->mu, p->cv, 3)) != 0) {
        ring_free(p);
        free(p->workers);
        free(p);
        goto fail;
    }
    for (unsigned i = 0; i < p->nthreads; i++) {
        worker *w = &p->workers[i];
        w->pool = p;
        err = wq__fault("pthread_create");
        if (!err)
            err = pthread_create(&w->thread, NULL, worker_main, w);
        if (err) {
            shutdown_and_free(p, i);
            goto fail;
        }
    }
    wait_started(p);
    return p;
fail:
    errno = err;
    return NULL;
}

wq_pool *wq_pool_create(unsigned nthreads) {
    return wq_pool_create_ex(nthreads, NULL);
}

void wq_pool_destroy(wq_pool *pool) {
    if (pool)
        shutdown_and_free(pool, pool->nthreads);
}

unsigned wq_pool_threads(const wq_pool *pool) {
    return pool ? pool->nthreads : 0;
}

/* ------------------------------------------------------------- submits -- */

/* Gives the owner's ring more slots: at least n free after tail t, keeping
 * the queued tasks at their indices. Called by the owner with mu held (the
 * consumers read slots and cap only under mu). */
static int owner_grow(wq_pool *p, size_t t, size_t n) {
    owner_ring *o = &p->owner;
    size_t h = atomic_load_explicit(&o->head, memory_order_relaxed), live = t - h;
    o->head_seen = h;
    size_t ncap;
    if (o->cap - live >= n)
        return 0;
    int err = grown_cap(o->cap, live, n, &ncap);
    if (err)
        return err;
    task *r = slots_alloc(&ncap);
    if (!r)
        return ENOMEM; /* the old ring is intact */
    for (size_t i = h; i != t; i++)
        r[i & (ncap - 1)] = o->slots[i & (o->cap - 1)];
    slots_free(o->slots, o->cap);
    o->slots = r;
    o->cap = ncap;
    return 0;
}

/* Makes room for n more tasks after tail t in the owner's ring: first by
 * reading how far the consumers got, then by growing it. Owner only. */
static NOINLINE int owner_room(wq_pool *p, size_t t, size_t n) {
    owner_ring *o = &p->owner;
    o->head_seen = atomic_load_explicit(&o->head, memory_order_acquire);
    if (o->cap - (t - o->head_seen) >= n)
        return 0;
    wq__lock_lock(&p->mu);
    int err = owner_grow(p, t, n);
    wq__lock_unlock(&p->mu);
    return err;
}

/* After a publish that found a sleeper counted: wakes one when the owner's
 * tasks and the locked ring's outnumber the workers awake and idle
 * (wake_if_needed's exact count under mu). Owner only.
 * No unlocked shortcut through a count of awake workers: a spinner uncounts
 * itself and then reads tail with no fence between, as this thread
 * publishes and then reads the count (store buffering, which x86 allows),
 * so each may miss the other's store. The spinner would then claim another
 * task and this one be left to a worker that never takes it; if that task
 * waits for this one while a free worker sleeps, both are stranded. Under
 * mu the count is exact: a claim made before has uncounted its spinner,
 * and one made after reads tail after this publish. */
static NOINLINE void owner_wake(wq_pool *p) {
    wq__lock_lock(&p->mu);
    if (p->sleepers > p->wakeups)
        wake_if_needed(p, NULL, queued(p));
    wq__lock_unlock(&p->mu);
}

/* The owner's submit: writes n slots, publishes them with one release
 * store of tail (no lock, no locked instruction), then reads sleepy_hint
 * (owner_may_publish_unseen gives the argument that no wake-up is lost).
 * The slots ahead were last read by a consumer: prefetching the line three
 * lines ahead for writing overlaps that transfer with the next submits. */
static inline int owner_submit(wq_pool *p, void (*fn)(void *arg), void *const *args, size_t n) {
    owner_ring *o = &p->owner;
    size_t t = atomic_load_explicit(&o->tail, memory_order_relaxed);
    if (o->cap - (t - o->head_seen) < n) {
        int err = owner_room(p, t, n);
        if (err)
            return err;
    }
    size_t mask = o->cap - 1;
    for (size_t i = 0; i < n; i++)
        o->slots[(t + i) & mask] = (task){fn, args[i]};
    prefetch_for_write(&o->slots[(t + n + PREFETCH_AHEAD) & mask]);
    atomic_store_explicit(&o->tail, t + n, memory_order_release);
    /* Keeps the compiler from reading the hint before the store. */
    atomic_signal_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&p->sleepy_hint, memory_order_relaxed))
        owner_wake(p);
    return 0;
}

/* Whether the calling thread owns p's owner ring. */
static inline bool is_owner(const wq_pool *p) {
    return atomic_load_explicit(&p->owner.id, memory_order_relaxed) == thread_id();
}

/* Makes the calling thread the owner of p's ring if it has none yet: an
 * unbounded pool in futex mode (the sleeper's fence is membarrier), and not
 * one of its own workers (their submits are rare and from tasks). Called
 * with mu held, after a locked submit. Ownership is for the pool's life: if
 * the owner exits, a later thread given the same thread-local address
 * becomes the owner, which is safe (one producer at a time). */
static void owner_claim(wq_pool *p) {
    if (atomic_load_explicit(&p->owner.id, memory_order_relaxed) == 0 && p->mu.futex &&
        !p->max_queued && !wq__on_worker_of(p))
        atomic_store_explicit(&p->owner.id, thread_id(), memory_order_relaxed);
}

/* Counts n tasks just written after the queued ones, and lets the idle
 * workers know. Called with mu held. */
static inline void published(wq_pool *p, size_t n) {
    size_t before = p->count;
    p->count += n;
    p->pending += n;
    if (before == 0 || before / HINT_STEP != p->count / HINT_STEP || p->count >= p->full_at)
        hint_set(&p->queued_hint, p->count);
    if (p->sleepers > p->wakeups)
        wake_if_needed(p, NULL, queued(p));
}

/* Makes room for n tasks at the end of the locked ring, after moving the
 * owner's queued tasks there. Called with mu held by a thread that is not
 * the owner.
 *
 * Why FIFO order holds across threads: the consumers take the locked ring
 * before the owner's, and every locked submit first moves all the owner's
 * published tasks ahead of its own. A task the owner published before this
 * submit (visible here: tail is read with acquire under mu) runs before
 * this one; a task it publishes after runs after it; only truly concurrent
 * submits fall either way, as with one lock. */
static int locked_room(wq_pool *p, size_t n) {
    size_t own = owner_len(p);
    int err = p->cap - p->count < own + n ? ring_reserve(p, own + n) : 0;
    if (err || !own)
        return err;
    published(p, owner_take(p, p->ring, p->head + p->count, p->cap - 1, own));
    return 0;
}

/* With short tasks the submitter is the pool's bottleneck: the owner's
 * submit takes no lock; the others do the least under mu: one slot
 * written, two counters, a hint now and then, and a wake-up check that
 * reads two fields.
 *
 * The slots ahead were last read by a worker, so each store to a new cache
 * line of the ring waits for that line to come back, and the lock's atomic
 * instruction waits for the store: one such wait every four submits was
 * about half of wq_submit's time with workers that keep up. Prefetching the
 * line three lines ahead for writing overlaps that wait with the next
 * submits (1M empty tasks, 2 threads: 66 -> 33 ms, medians of 18 rounds). */
static int submit_many_bounded(wq_pool *p, void (*fn)(void *arg), void *const *args, size_t n);
static bool full_by_hint(const wq_pool *p);

int wq_submit(wq_pool *pool, void (*fn)(void *arg), void *arg) {
    if (!pool || !fn)
        return EINVAL;
    if (is_owner(pool))
        return owner_submit(pool, fn, &arg, 1);
    if (pool->max_queued) {
        if (full_by_hint(pool)) {
            fn(arg); /* caller runs, at the cost of a call (see full_by_hint) */
            return 0;
        }
        return submit_many_bounded(pool, fn, &arg, 1);
    }
    wq__lock_lock(&pool->mu);
    int err = locked_room(pool, 1);
    if (!err) {
        size_t tail = pool->head + pool->count;
        pool->ring[tail & (pool->cap - 1)] = (task){fn, arg};
        prefetch_for_write(&pool->ring[(tail + PREFETCH_AHEAD) & (pool->cap - 1)]);
        published(pool, 1);
        owner_claim(pool);
    }
    wq__lock_unlock(&pool->mu);
    return err;
}

/* Writes n tasks after the queued ones and counts them. Called with mu
 * held, with room for n in the ring. */
static void put_many(wq_pool *p, void (*fn)(void *arg), void *const *args, size_t n) {
    size_t tail = p->head + p->count;
    for (size_t i = 0; i < n; i++)
        p->ring[(tail + i) & (p->cap - 1)] = (task){fn, args[i]};
    prefetch_for_write(&p->ring[(tail + n + PREFETCH_AHEAD) & (p->cap - 1)]);
    published(p, n);
}

/* Queues all n tasks on an unbounded pool, or none (ENOMEM). */
static int submit_all(wq_pool *p, void (*fn)(void *arg), void *const *args, size_t n) {
    if (is_owner(p))
        return owner_submit(p, fn, args, n);
    wq__lock_lock(&p->mu);
    int err = locked_room(p, n);
    if (!err) {
        put_many(p, fn, args, n);
        owner_claim(p);
    }
    wq__lock_unlock(&p->mu);
    return err;
}

/* Queues as many of the n tasks as a bounded ring has room for, in order,
 * and returns how many. When the ring is full and wait is set, first waits
 * for room (on cv[ROOM]); then at least one is queued. */
static size_t put_fitting(wq_pool *p, void (*fn)(void *arg), void *const *args, size_t n,
                          bool wait) {
    wq__lock_lock(&p->mu);
    while (wait && p->count >= p->max_queued) {
        p->room_waiters++;
        wq__cond_wait(&p->cv[ROOM], &p->mu);
        p->room_waiters--;
    }
    size_t room = p->count < p->max_queued ? p->max_queued - p->count : 0;
    size_t k = n < room ? n : room;
    if (k)
        put_many(p, fn, args, k);
    wq__lock_unlock(&p->mu);
    return k;
}

/* Whether a submit to a full bounded pool runs the task on the calling
 * thread rather than waiting for room: always with caller-runs, and for
 * the pool's own workers, which might be the only ones able to make room. */
static bool runs_when_full(const wq_pool *p) {
    return p->when_full == WQ_FULL_CALLER_RUNS || wq__on_worker_of(p);
}

/* A caller-runs pool's producer that outruns the workers finds the ring
 * full at almost every submit: the relaxed read of queued_hint tells it so
 * without the lock, so it runs the task at the cost of a call. The hint may
 * lag behind a claim by a moment; the lock's check below is the exact one. */
static bool full_by_hint(const wq_pool *p) {
    return p->when_full == WQ_FULL_CALLER_RUNS && hint_get(&p->queued_hint) >= p->max_queued;
}

/* wq_submit and wq_submit_many on a bounded pool: runs of tasks that fit
 * are queued under one lock each; a task that finds the ring full gets the
 * policy. */
static int submit_many_bounded(wq_pool *p, void (*fn)(void *arg), void *const *args, size_t n) {
    bool inline_when_full = runs_when_full(p);
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        if (!(inline_when_full && full_by_hint(p)))
            k = put_fitting(p, fn, args + i, n - i, !inline_when_full);
        if (k == 0)
            fn(args[i++]); /* full: caller runs */
        i += k;
    }
    return 0;
}

int wq_submit_many(wq_pool *pool, void (*fn)(void *arg), void *const *args, size_t n) {
    if (!pool || !fn || (n && !args))
        return EINVAL;
    if (n == 0)
        return 0;
    if (pool->max_queued)
        return submit_many_bounded(pool, fn, args, n);
    return submit_all(pool, fn, args, n);
}

int wq__submit_try(wq_pool *pool, void (*fn)(void *arg), void *arg) {
    if (!pool || !fn)
        return EINVAL;
    if (!pool->max_queued)
        return wq_submit(pool, fn, arg);
    return put_fitting(pool, fn, &arg, 1, false) ? 0 : EAGAIN;
}

size_t wq__submit_some(wq_pool *pool, void (*fn)(void *arg), void *const *args, size_t n) {
    if (!pool || !fn || !args || n == 0)
        return 0;
    if (!pool->max_queued)
        return submit_all(pool, fn, args, n) == 0 ? n : 0;
    return put_fitting(pool, fn, args, n, false);
}

int wq_wait(wq_pool *pool) {
    if (!pool)
        return EINVAL;
    if (wq__on_worker_of(pool))
        return EDEADLK;
    wq__lock_lock(&pool->mu);
    while (pool->pending > 0 || owner_len(pool) > 0)
        wq__cond_wait(&pool->cv[DONE], &pool->mu);
    wq__lock_unlock(&pool->mu);
    return 0;
}
