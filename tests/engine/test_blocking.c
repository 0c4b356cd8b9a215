/* Tasks that block on tasks queued after them: a worker claims several
 * tasks per lock, but the ones it has not started stay available to idle
 * workers, so task A waiting for task B (queued right after A, or after
 * fillers) completes on a pool of 2. A deadlock shows up as the timeout. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "helpers.h"

/* A waits until B has run; B signals. */
struct meet {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool b_ran;
    atomic_uint fillers;
};

static void meet_init(struct meet *m) {
    cr_assert_eq(pthread_mutex_init(&m->mu, NULL), 0);
    cr_assert_eq(pthread_cond_init(&m->cv, NULL), 0);
    m->b_ran = false;
    atomic_init(&m->fillers, 0);
}

static void meet_destroy(struct meet *m) {
    pthread_cond_destroy(&m->cv);
    pthread_mutex_destroy(&m->mu);
}

static void task_a(void *arg) {
    struct meet *m = arg;
    pthread_mutex_lock(&m->mu);
    while (!m->b_ran)
        pthread_cond_wait(&m->cv, &m->mu);
    pthread_mutex_unlock(&m->mu);
}

static void task_b(void *arg) {
    struct meet *m = arg;
    pthread_mutex_lock(&m->mu);
    m->b_ran = true;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

static void filler(void *arg) {
    struct meet *m = arg;
    atomic_fetch_add(&m->fillers, 1);
}

/* How A, the fillers and B are queued. */
enum how { ONE_BY_ONE, ALL_AT_ONCE, BEHIND_A_BUSY_WORKER };

struct case_ {
    unsigned fillers; /* between A and B */
    enum how how;
};

ParameterizedTestParameters(blocking, a_waits_for_b) {
    static struct case_ cases[] = {
        {0, ONE_BY_ONE},           {16, ONE_BY_ONE},           {1000, ONE_BY_ONE},
        {0, ALL_AT_ONCE},          {16, ALL_AT_ONCE},          {1000, ALL_AT_ONCE},
        {0, BEHIND_A_BUSY_WORKER}, {16, BEHIND_A_BUSY_WORKER}, {1000, BEHIND_A_BUSY_WORKER},
    };
    return cr_make_param_array(struct case_, cases, sizeof cases / sizeof *cases);
}

/* Queues A, c->fillers fillers, B, and 32 more fillers (so that a worker's
 * fair share reaches a whole batch). */
static void queue_case(wq_pool *p, struct meet *m, const struct case_ *c) {
    size_t n = c->fillers + 34;
    void (**fns)(void *) = malloc(n * sizeof *fns);
    void **args = malloc(n * sizeof *args);
    cr_assert(fns && args);
    for (size_t i = 0; i < n; i++) {
        fns[i] = i == 0 ? task_a : i == c->fillers + 1 ? task_b : filler;
        args[i] = m;
    }
    if (c->how == ONE_BY_ONE) {
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(wq_submit(p, fns[i], m), 0);
    } else {
        /* Runs of equal functions go in one wq_submit_many each. */
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && fns[j] == fns[i])
                j++;
            cr_assert_eq(wq_submit_many(p, fns[i], &args[i], j - i), 0);
            i = j;
        }
    }
    free(fns);
    free(args);
}

ParameterizedTest(struct case_ *c, blocking, a_waits_for_b, .timeout = 60) {
    for (int round = 0; round < 50; round++) {
        wq_pool *p = wq_pool_create(2);
        cr_assert_not_null(p);
        struct meet m;
        meet_init(&m);
        gate *g = NULL;
        if (c->how == BEHIND_A_BUSY_WORKER) {
            /* One worker is held, so the other claims a batch holding A. */
            g = gate_new();
            cr_assert_eq(wq_submit(p, (void (*)(void *))gate_wait, g), 0);
        }
        queue_case(p, &m, c);
        if (g)
            gate_open(g);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert(m.b_ran);
        cr_assert_eq(atomic_load(&m.fillers), c->fillers + 32);
        wq_pool_destroy(p);
        if (g)
            gate_free(g);
        meet_destroy(&m);
    }
}

/* The same while the pool is being destroyed: destroy runs everything. */
Test(blocking, destroy_runs_a_task_waiting_for_a_later_one, .timeout = 60) {
    for (int round = 0; round < 50; round++) {
        wq_pool *p = wq_pool_create(2);
        struct meet m;
        meet_init(&m);
        struct case_ c = {16, ALL_AT_ONCE};
        queue_case(p, &m, &c);
        wq_pool_destroy(p);
        cr_assert(m.b_ran);
        cr_assert_eq(atomic_load(&m.fillers), 48);
        meet_destroy(&m);
    }
}

/* A chain: each of 8 tasks waits for the next one, queued after it; the
 * last waits for B. On a pool of 9, eight workers end up blocked at once
 * and the ninth must still find B. */
struct chain {
    struct meet links[9];
};

static void link_task(void *arg) {
    struct meet *m = arg;
    task_a(m);     /* wait for my successor */
    task_b(m - 1); /* then release my predecessor */
}

Test(blocking, chain_of_waiters_uses_every_worker, .timeout = 60) {
    for (int round = 0; round < 20; round++) {
        wq_pool *p = wq_pool_create(9);
        struct chain ch;
        for (int i = 0; i < 9; i++)
            meet_init(&ch.links[i]);
        void *args[8];
        for (int i = 0; i < 8; i++)
            args[i] = &ch.links[i + 1];
        /* links[i+1] waits on its own meet; the last one is released by B. */
        cr_assert_eq(wq_submit_many(p, link_task, args, 8), 0);
        cr_assert_eq(wq_submit(p, task_b, &ch.links[8]), 0);
        cr_assert_eq(wq_wait(p), 0);
        for (int i = 0; i < 9; i++) {
            cr_assert(ch.links[i].b_ran, "link %d", i);
            meet_destroy(&ch.links[i]);
        }
        wq_pool_destroy(p);
    }
}

/* The same on bounded pools that block a full queue's submitter: the main
 * thread waits for room while A holds one worker, and the other worker
 * drains the fillers until B fits. (A worker held elsewhere, as in
 * BEHIND_A_BUSY_WORKER, would leave no worker to make room: the deadlock
 * workq.h documents for WQ_FULL_BLOCK.) */
struct bounded_case {
    unsigned fillers;
    enum how how;
    size_t max_queued;
};

ParameterizedTestParameters(blocking, a_waits_for_b_on_a_bounded_block_pool) {
    static struct bounded_case cases[] = {
        {0, ONE_BY_ONE, 1},     {16, ONE_BY_ONE, 1},     {1000, ONE_BY_ONE, 1},
        {0, ALL_AT_ONCE, 1},    {16, ALL_AT_ONCE, 1},    {1000, ALL_AT_ONCE, 1},
        {16, ONE_BY_ONE, 8},    {1000, ONE_BY_ONE, 8},   {1000, ALL_AT_ONCE, 8},
        {1000, ONE_BY_ONE, 64}, {1000, ALL_AT_ONCE, 64},
    };
    return cr_make_param_array(struct bounded_case, cases, sizeof cases / sizeof *cases);
}

ParameterizedTest(struct bounded_case *bc, blocking, a_waits_for_b_on_a_bounded_block_pool,
                  .timeout = 60) {
    for (int round = 0; round < 50; round++) {
        wq_pool_opts o = {.max_queued = bc->max_queued, .when_full = WQ_FULL_BLOCK};
        wq_pool *p = wq_pool_create_ex(2, &o);
        cr_assert_not_null(p);
        struct meet m;
        meet_init(&m);
        struct case_ c = {bc->fillers, bc->how};
        queue_case(p, &m, &c);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert(m.b_ran);
        cr_assert_eq(atomic_load(&m.fillers), c.fillers + 32);
        wq_pool_destroy(p);
        meet_destroy(&m);
    }
}

/* A blocking pair split between the pool's owner (the main thread, whose
 * submits go to its lock-free ring) and another thread (the locked ring):
 * A, then the fillers, from one thread; B afterwards from the other, after
 * the first returned (a join orders them). With busy, one worker is held by
 * a gate until all are queued, so that the other claims a batch holding A.
 * A lost wake-up or a task left in the other ring shows as the timeout. */
struct split_case {
    bool a_by_owner; /* A and the fillers from the owner, B from another */
    unsigned fillers;
    bool busy;
};

ParameterizedTestParameters(blocking, a_waits_for_b_across_owner_and_other_thread) {
    static struct split_case cases[] = {
        {true, 0, false},  {true, 16, false},  {true, 1000, false},  {true, 1000, true},
        {false, 0, false}, {false, 16, false}, {false, 1000, false}, {false, 1000, true},
    };
    return cr_make_param_array(struct split_case, cases, sizeof cases / sizeof *cases);
}

struct split_job {
    wq_pool *p;
    struct meet *m;
    const struct split_case *c;
    bool a_part; /* queue A and the fillers (else B) */
};

/* Queues A and the fillers, or B. */
static void *split_submit(void *arg) {
    struct split_job *j = arg;
    if (!j->a_part) {
        cr_assert_eq(wq_submit(j->p, task_b, j->m), 0);
        return NULL;
    }
    cr_assert_eq(wq_submit(j->p, task_a, j->m), 0);
    for (unsigned i = 0; i < j->c->fillers; i++)
        cr_assert_eq(wq_submit(j->p, filler, j->m), 0);
    return NULL;
}

/* Runs job on the main thread (the owner) or on a new thread. */
static void split_run(struct split_job *j, bool on_owner) {
    pthread_t th;
    if (on_owner) {
        split_submit(j);
        return;
    }
    cr_assert_eq(pthread_create(&th, NULL, split_submit, j), 0);
    cr_assert_eq(pthread_join(th, NULL), 0);
}

ParameterizedTest(struct split_case *c, blocking, a_waits_for_b_across_owner_and_other_thread,
                  .timeout = 60) {
    for (int round = 0; round < 50; round++) {
        wq_pool *p = wq_pool_create(2);
        cr_assert_not_null(p);
        struct meet m;
        meet_init(&m);
        gate *g = gate_new();
        /* The main thread's first submit makes it the owner. */
        cr_assert_eq(wq_submit(p, c->busy ? (void (*)(void *))gate_wait : filler,
                               c->busy ? (void *)g : (void *)&m),
                     0);
        struct split_job a = {p, &m, c, true}, b = {p, &m, c, false};
        split_run(&a, c->a_by_owner);
        split_run(&b, !c->a_by_owner);
        gate_open(g);
        cr_assert_eq(wq_wait(p), 0);
        cr_assert(m.b_ran);
        cr_assert_eq(atomic_load(&m.fillers), c->fillers + !c->busy);
        wq_pool_destroy(p);
        gate_free(g);
        meet_destroy(&m);
    }
}
