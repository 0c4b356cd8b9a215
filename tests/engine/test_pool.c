/* wq_pool: creation, submission, waiting, FIFO order, nesting, shutdown. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"

Test(pool, create_default_uses_online_cpus, .timeout = 60) {
    wq_pool *p = wq_pool_create(0);
    cr_assert_not_null(p);
    cr_assert_eq(wq_pool_threads(p), (unsigned)sysconf(_SC_NPROCESSORS_ONLN));
    wq_pool_destroy(p);
}

Test(pool, create_exact_counts, .timeout = 60) {
    for (unsigned n = 1; n <= 9; n++) {
        wq_pool *p = wq_pool_create(n);
        cr_assert_not_null(p);
        cr_assert_eq(wq_pool_threads(p), n);
        wq_pool_destroy(p);
    }
}

Test(pool, null_arguments, .timeout = 60) {
    wq_pool_destroy(NULL);
    cr_assert_eq(wq_pool_threads(NULL), 0);
    cr_assert_eq(wq_submit(NULL, free, NULL), EINVAL);
    cr_assert_eq(wq_wait(NULL), EINVAL);
    wq_pool *p = wq_pool_create(1);
    cr_assert_eq(wq_submit(p, NULL, NULL), EINVAL);
    wq_pool_destroy(p);
}

Test(pool, wait_on_idle_pool_returns_at_once, .timeout = 60) {
    wq_pool *p = wq_pool_create(2);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(wq_wait(p), 0);
    wq_pool_destroy(p);
}

static void bump(void *arg) {
    atomic_fetch_add((atomic_uint *)arg, 1);
}

Test(pool, every_task_runs_exactly_once, .timeout = 60) {
    enum { N = 100000 };
    atomic_uint *hits = calloc(N, sizeof *hits);
    cr_assert_not_null(hits);
    for (unsigned threads = 1; threads <= 4; threads++) {
        wq_pool *p = wq_pool_create(threads);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(wq_submit(p, bump, &hits[i]), 0);
        cr_assert_eq(wq_wait(p), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(atomic_load(&hits[i]), threads, "task %zu ran %u times", i,
                         atomic_load(&hits[i]));
        wq_pool_destroy(p);
    }
    free(hits);
}

struct order_log {
    size_t next; /* only one worker: no lock needed */
    size_t seen[1000];
};

struct order_task {
    struct order_log *log;
    size_t id;
};

static void record(void *arg) {
    struct order_task *t = arg;
    t->log->seen[t->log->next++] = t->id;
}

Test(pool, one_worker_runs_in_fifo_order, .timeout = 60) {
    static struct order_log log;
    static struct order_task tasks[1000];
    wq_pool *p = wq_pool_create(1);
    for (size_t i = 0; i < 1000; i++) {
        tasks[i] = (struct order_task){&log, i};
        cr_assert_eq(wq_submit(p, record, &tasks[i]), 0);
    }
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(log.next, 1000);
    for (size_t i = 0; i < 1000; i++)
        cr_assert_eq(log.seen[i], i);
    wq_pool_destroy(p);
}

/* One worker, one position in a sequence: records its id when it runs. */
struct seq_task {
    size_t *next; /* only one worker: no lock needed */
    size_t *seen;
    size_t id;
};

static void seq_record(void *arg) {
    struct seq_task *t = arg;
    t->seen[(*t->next)++] = t->id;
}

/* Queues n tasks behind a closed gate (so the ring must hold them all),
 * opens it and checks that they ran in submission order. */
static void backlog_in_order(wq_pool *p, struct seq_task *tasks, size_t *seen, size_t n) {
    size_t next = 0;
    gate *g = gate_new();
    cr_assert_eq(wq_submit(p, (void (*)(void *))gate_wait, g), 0);
    for (size_t i = 0; i < n; i++) {
        tasks[i] = (struct seq_task){&next, seen, i};
        cr_assert_eq(wq_submit(p, seq_record, &tasks[i]), 0);
    }
    gate_open(g);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(next, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(seen[i], i, "position %zu ran task %zu", i, seen[i]);
    gate_free(g);
}

/* A thread that runs backlog_in_order on a pool whose owner ring belongs to
 * another thread: its submits take the locked ring. */
struct backlog_job {
    wq_pool *p;
    struct seq_task *tasks;
    size_t *seen, n;
};

static void *backlog_thread(void *arg) {
    struct backlog_job *j = arg;
    backlog_in_order(j->p, j->tasks, j->seen, j->n);
    return NULL;
}

/* Backlogs of growing sizes on a pool of 1: the first, on the calling
 * thread, moves the head off 0 (so the heap ring wraps as it grows) and
 * makes the calling thread the owner of the lock-free ring. The next ones
 * run on the calling thread (its own ring) or, with by_other, on another
 * thread each (the locked ring). */
static void backlogs_in_order(bool by_other) {
    enum { SMALL = 100, FIRST = 200000, SECOND = 300000 };
    static const size_t sizes[] = {SMALL, FIRST, SECOND};
    struct seq_task *tasks = malloc(SECOND * sizeof *tasks);
    size_t *seen = malloc(SECOND * sizeof *seen);
    cr_assert(tasks && seen);
    wq_pool *p = wq_pool_create(1);
    backlog_in_order(p, tasks, seen, SMALL);
    for (int i = by_other ? 0 : 1; i < 3; i++) {
        struct backlog_job j = {p, tasks, seen, sizes[i]};
        pthread_t th;
        if (!by_other) {
            backlog_thread(&j);
            continue;
        }
        cr_assert_eq(pthread_create(&th, NULL, backlog_thread, &j), 0);
        cr_assert_eq(pthread_join(th, NULL), 0);
    }
    wq_pool_destroy(p);
    free(tasks);
    free(seen);
}

/* The ring leaves the heap past 64 KiB (4096 tasks) for a mapping of 2 MiB
 * pages (131072 tasks), which doubles in turn: FIFO order holds across each
 * move, also when the queued tasks wrap around the ring's end
 * (heap -> 128Ki -> 256Ki slots, then a wrap and 256Ki -> 512Ki). */
Test(pool, fifo_order_across_ring_moves, .timeout = 60) {
    backlogs_in_order(false);
}

/* The same moves of the locked ring: the main thread submits first (so
 * that it owns the pool's lock-free ring), then another thread fills the
 * locked ring through the same sizes. */
Test(pool, fifo_order_across_locked_ring_moves, .timeout = 60) {
    backlogs_in_order(true);
}

/* Pools created one after another on one thread, each with a backlog
 * behind a gate: a ring that needs a mapping reuses the one a destroyed
 * pool's ring left (util.c keeps it), holding that pool's stale tasks, and
 * of a different size than asked for (300000 tasks need 512Ki slots,
 * 150000 need 256Ki). Two such threads run at once, so that they also
 * race for the kept mappings. */
static void *pools_in_turn(void *arg) {
    enum { BIG = 300000, SMALLER = 150000 };
    static const size_t sizes[] = {BIG, SMALLER, BIG, SMALLER, SMALLER, BIG};
    (void)arg;
    struct seq_task *tasks = malloc(BIG * sizeof *tasks);
    size_t *seen = malloc(BIG * sizeof *seen);
    cr_assert(tasks && seen);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        wq_pool *p = wq_pool_create(1);
        cr_assert_not_null(p);
        backlog_in_order(p, tasks, seen, sizes[i]);
        wq_pool_destroy(p);
    }
    free(tasks);
    free(seen);
    return NULL;
}

Test(pool, fifo_order_in_reused_ring_mappings, .timeout = 60) {
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, pools_in_turn, NULL), 0);
    pools_in_turn(NULL);
    cr_assert_eq(pthread_join(th, NULL), 0);
}

/* The owner exits with its tasks still queued: a thread makes itself the
 * owner (its first submit, a gate holding the only worker), queues OWNED
 * tasks in its lock-free ring and exits. Then the main thread queues LATER
 * more (the locked ring, after moving the owner's tasks there) and either
 * waits or destroys the pool at once: every task runs once, in order. */
enum { OWNED = 5000, LATER = 100 };

struct exiting_owner {
    wq_pool *p;
    gate *g;
    struct seq_task *tasks;
};

static void *owner_then_exit(void *arg) {
    struct exiting_owner *o = arg;
    cr_assert_eq(wq_submit(o->p, (void (*)(void *))gate_wait, o->g), 0);
    for (size_t i = 0; i < OWNED; i++)
        cr_assert_eq(wq_submit(o->p, seq_record, &o->tasks[i]), 0);
    return NULL;
}

static void owner_exits_with_queued_tasks(bool destroy_at_once) {
    struct seq_task *tasks = malloc((OWNED + LATER) * sizeof *tasks);
    size_t *seen = malloc((OWNED + LATER) * sizeof *seen), next = 0;
    cr_assert(tasks && seen);
    for (size_t i = 0; i < OWNED + LATER; i++)
        tasks[i] = (struct seq_task){&next, seen, i};
    wq_pool *p = wq_pool_create(1);
    cr_assert_not_null(p);
    struct exiting_owner o = {p, gate_new(), tasks};
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, owner_then_exit, &o), 0);
    cr_assert_eq(pthread_join(th, NULL), 0);
    for (size_t i = OWNED; i < OWNED + LATER; i++)
        cr_assert_eq(wq_submit(p, seq_record, &tasks[i]), 0);
    gate_open(o.g);
    if (!destroy_at_once)
        cr_assert_eq(wq_wait(p), 0);
    wq_pool_destroy(p);
    cr_assert_eq(next, OWNED + LATER);
    for (size_t i = 0; i < OWNED + LATER; i++)
        cr_assert_eq(seen[i], i, "position %zu ran task %zu", i, seen[i]);
    gate_free(o.g);
    free(tasks);
    free(seen);
}

Test(pool, owner_exits_with_queued_tasks_then_wait, .timeout = 60) {
    owner_exits_with_queued_tasks(false);
}

Test(pool, owner_exits_with_queued_tasks_then_destroy, .timeout = 60) {
    owner_exits_with_queued_tasks(true);
}

/* Runs of submits by a second thread, each started after the main thread's
 * previous run returned and joined before its next one. */
struct run_job {
    wq_pool *p;
    struct seq_task *tasks;
    size_t from, to;
};

static void *submit_run(void *arg) {
    struct run_job *j = arg;
    for (size_t i = j->from; i < j->to; i++)
        cr_assert_eq(wq_submit(j->p, seq_record, &j->tasks[i]), 0);
    return NULL;
}

/* FIFO order holds across threads: the main thread's submits go through
 * its own lock-free ring, a second thread's through the locked one, and a
 * task submitted after another returned (a happens-before edge: the thread
 * join, or program order) starts after it. One worker, held by a gate until
 * all are queued, so the order of start is the order of dequeue. Run
 * lengths are random, up to 300, so that both rings grow and wrap. */
Test(pool, fifo_order_across_threads, .timeout = 60) {
    enum { N = 20000 };
    struct seq_task *tasks = malloc(N * sizeof *tasks);
    size_t *seen = malloc(N * sizeof *seen), next = 0;
    cr_assert(tasks && seen);
    for (size_t i = 0; i < N; i++)
        tasks[i] = (struct seq_task){&next, seen, i};
    wq_pool *p = wq_pool_create(1);
    uint64_t rng = 16;
    for (int round = 0; round < 3; round++) {
        gate *g = gate_new();
        next = 0;
        cr_assert_eq(wq_submit(p, (void (*)(void *))gate_wait, g), 0);
        bool mine = true;
        for (size_t i = 0; i < N; mine = !mine) {
            size_t to = i + 1 + kbelow(&rng, 300);
            to = to < N ? to : N;
            struct run_job j = {p, tasks, i, to};
            if (mine) {
                submit_run(&j);
            } else {
                pthread_t th;
                cr_assert_eq(pthread_create(&th, NULL, submit_run, &j), 0);
                cr_assert_eq(pthread_join(th, NULL), 0);
            }
            i = to;
        }
        gate_open(g);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(next, N);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(seen[i], i, "round %d, position %zu ran task %zu", round, i, seen[i]);
        gate_free(g);
    }
    wq_pool_destroy(p);
    free(tasks);
    free(seen);
}

/* A task that counts its runs, then spins for a while, so that workers
 * finish batches at different times and steal each other's unstarted
 * entries. */
struct counted {
    atomic_uint runs;
    unsigned spin;
};

static void counted_run(void *arg) {
    struct counted *c = arg;
    atomic_fetch_add(&c->runs, 1);
    for (volatile unsigned k = 0; k < c->spin; k++)
        ;
}

/* Rounds of 3000 tasks on 4 workers (more than the cores here, so owners
 * are preempted in the middle of a batch): each task runs exactly once. A
 * task spins short (below short_max loops) except one in rare, which spins
 * up to long_max. */
static void run_once_under_steals(unsigned short_max, unsigned rare, unsigned long_max) {
    enum { N = 3000 };
    struct counted *c = calloc(N, sizeof *c);
    cr_assert_not_null(c);
    wq_pool *p = wq_pool_create(4);
    uint64_t rng = 32;
    for (unsigned long round = 0; round < 20 * kstress(); round++) {
        for (size_t i = 0; i < N; i++) {
            atomic_store(&c[i].runs, 0);
            c[i].spin = kbelow(&rng, rare) ? (unsigned)kbelow(&rng, short_max)
                                           : (unsigned)kbelow(&rng, long_max);
            cr_assert_eq(wq_submit(p, counted_run, &c[i]), 0);
        }
        cr_assert_eq(wq_wait(p), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(atomic_load(&c[i].runs), 1, "round %lu, task %zu", round, i);
    }
    wq_pool_destroy(p);
    free(c);
}

/* Short tasks: their batches are claimed by a store and a load per entry,
 * and thieves take the last half after a membarrier. */
Test(pool, short_batch_entries_run_once_under_steals, .timeout = 60) {
    run_once_under_steals(20, 64, 5000);
}

/* Long tasks (a microsecond or more): batches claimed by fetch_add, and
 * thieves take the first half. */
Test(pool, long_batch_entries_run_once_under_steals, .timeout = 60) {
    run_once_under_steals(3000, 4, 6000);
}

/* A task that submits two children until depth runs out: a binary tree. */
struct tree {
    wq_pool *pool;
    atomic_uint count;
};

struct node {
    struct tree *t;
    unsigned depth;
};

static void grow(void *arg) {
    struct node *n = arg;
    atomic_fetch_add(&n->t->count, 1);
    if (n->depth > 0) {
        for (int c = 0; c < 2; c++) {
            struct node *child = malloc(sizeof *child);
            cr_assert_not_null(child);
            *child = (struct node){n->t, n->depth - 1};
            cr_assert_eq(wq_submit(n->t->pool, grow, child), 0);
        }
    }
    free(n);
}

Test(pool, wait_covers_tasks_submitted_by_tasks, .timeout = 60) {
    for (unsigned threads = 1; threads <= 3; threads++) {
        struct tree t = {wq_pool_create(threads), 0};
        struct node *root = malloc(sizeof *root);
        *root = (struct node){&t, 14};
        cr_assert_eq(wq_submit(t.pool, grow, root), 0);
        cr_assert_eq(wq_wait(t.pool), 0);
        cr_assert_eq(atomic_load(&t.count), (1u << 15) - 1);
        wq_pool_destroy(t.pool);
    }
}

struct self_wait {
    wq_pool *pool;
    int rc;
};

static void wait_inside(void *arg) {
    struct self_wait *s = arg;
    s->rc = wq_wait(s->pool);
}

Test(pool, wait_from_own_worker_is_edeadlk, .timeout = 60) {
    struct self_wait s = {wq_pool_create(2), -1};
    cr_assert_eq(wq_submit(s.pool, wait_inside, &s), 0);
    cr_assert_eq(wq_wait(s.pool), 0);
    cr_assert_eq(s.rc, EDEADLK);
    wq_pool_destroy(s.pool);
}

Test(pool, wait_from_another_pools_worker_works, .timeout = 60) {
    struct self_wait s = {wq_pool_create(2), -1};
    wq_pool *outer = wq_pool_create(1);
    atomic_uint hits = 0;
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(wq_submit(s.pool, bump, &hits), 0);
    cr_assert_eq(wq_submit(outer, wait_inside, &s), 0);
    cr_assert_eq(wq_wait(outer), 0);
    cr_assert_eq(s.rc, 0);
    cr_assert_eq(atomic_load(&hits), 1000);
    wq_pool_destroy(outer);
    wq_pool_destroy(s.pool);
}

static void block_on_gate(void *arg) {
    gate_wait(arg);
}

/* A pool whose first worker is held by g, with n bump tasks queued behind
 * it (on a one-thread pool, all of them are certainly still queued). */
static wq_pool *gated_pool(unsigned threads, gate *g, int n, atomic_uint *hits) {
    wq_pool *p = wq_pool_create(threads);
    cr_assert_not_null(p);
    cr_assert_eq(wq_submit(p, block_on_gate, g), 0);
    for (int i = 0; i < n; i++)
        cr_assert_eq(wq_submit(p, bump, hits), 0);
    return p;
}

Test(pool, destroy_runs_queued_work, .timeout = 60) {
    enum { N = 50000 };
    atomic_uint hits = 0;
    gate *g = gate_new();
    wq_pool *p = gated_pool(1, g, N, &hits);
    gate_open(g);
    wq_pool_destroy(p);
    cr_assert_eq(atomic_load(&hits), N);
    gate_free(g);
}

struct waiter_arg {
    wq_pool *pool;
    atomic_uint *hits;
    unsigned expect;
    int rc;
    unsigned seen;
};

static void *waiter(void *arg) {
    struct waiter_arg *w = arg;
    w->rc = wq_wait(w->pool);
    w->seen = atomic_load(w->hits);
    return NULL;
}

Test(pool, several_threads_wait_at_once, .timeout = 60) {
    enum { N = 20000, W = 4 };
    atomic_uint hits = 0;
    gate *g = gate_new();
    wq_pool *p = gated_pool(2, g, N, &hits);
    pthread_t th[W];
    struct waiter_arg wa[W];
    for (int i = 0; i < W; i++) {
        wa[i] = (struct waiter_arg){p, &hits, N, -1, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, waiter, &wa[i]), 0);
    }
    gate_open(g);
    for (int i = 0; i < W; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(wa[i].rc, 0);
        cr_assert_eq(wa[i].seen, N);
    }
    wq_pool_destroy(p);
    gate_free(g);
}

struct producer {
    wq_pool *pool;
    atomic_uint *hits;
    unsigned n;
};

static void *produce(void *arg) {
    struct producer *pr = arg;
    for (unsigned i = 0; i < pr->n; i++)
        cr_assert_eq(wq_submit(pr->pool, bump, pr->hits), 0);
    return NULL;
}

Test(pool, concurrent_producers, .timeout = 60) {
    enum { P = 4, N = 50000 };
    atomic_uint hits = 0;
    wq_pool *p = wq_pool_create(3);
    pthread_t th[P];
    struct producer pr = {p, &hits, N};
    for (int i = 0; i < P; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, produce, &pr), 0);
    for (int i = 0; i < P; i++)
        cr_assert_eq(pthread_join(th[i], NULL), 0);
    cr_assert_eq(wq_wait(p), 0);
    cr_assert_eq(atomic_load(&hits), P * N);
    wq_pool_destroy(p);
}

Test(pool, two_pools_are_independent, .timeout = 60) {
    atomic_uint a = 0, b = 0;
    gate *g = gate_new();
    wq_pool *p1 = wq_pool_create(1), *p2 = wq_pool_create(1);
    cr_assert_eq(wq_submit(p1, block_on_gate, g), 0);
    cr_assert_eq(wq_submit(p1, bump, &a), 0);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(wq_submit(p2, bump, &b), 0);
    /* p2 finishes and is destroyed while p1 is still blocked. */
    wq_pool_destroy(p2);
    cr_assert_eq(atomic_load(&b), 100);
    cr_assert_eq(atomic_load(&a), 0);
    gate_open(g);
    wq_pool_destroy(p1);
    cr_assert_eq(atomic_load(&a), 1);
    gate_free(g);
}

#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

/* The child of a fork made right after wq_pool_create: a pool of its own
 * runs 100 tasks. Exits 0 when all ran. */
static _Noreturn void child_uses_a_new_pool(void) {
    /* A hang kills the child, and the parent's check fails; the guard
     * scales like the test's own .timeout (tests/common/test_guard.c). */
    alarm(30 * WQT_GUARD_SCALE);
#ifdef UNDER_TSAN
    _exit(0); /* TSan does not support threads in the child of a threaded process */
#else
    atomic_uint n = 0;
    wq_pool *q = wq_pool_create(2);
    for (int i = 0; q && i < 100; i++)
        if (wq_submit(q, bump, &n) != 0)
            _exit(2);
    if (q == NULL || wq_wait(q) != 0)
        _exit(3);
    wq_pool_destroy(q);
    _exit(atomic_load(&n) == 100 ? 0 : 1);
#endif
}

/* wq_pool_create returns once every worker runs its own code, so a fork
 * right after it leaves no lock held by a thread still starting (GCC 12's
 * ASan allocates under its allocator's lock while a thread starts: the
 * child's first allocation then waited for ever). */
Test(pool, fork_right_after_create, .timeout = 60) {
    for (int round = 0; round < 20; round++) {
        wq_pool *p = wq_pool_create(4);
        cr_assert_not_null(p);
        pid_t pid = fork();
        cr_assert_neq(pid, -1);
        if (pid == 0)
            child_uses_a_new_pool();
        int status;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "round %d: child status %#x",
                  round, (unsigned)status);
        wq_pool_destroy(p);
    }
}
