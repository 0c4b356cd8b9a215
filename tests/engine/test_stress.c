/* Stress: many threads, many tasks, concurrent producers, nesting, random
 * cancellation, destruction with work queued. Counts and checksums prove
 * that every task ran exactly once and every async item was reported
 * exactly once. WORKQ_STRESS=N multiplies the sizes (`make soak`). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

static const unsigned thread_counts[] = {1, 2, 3, 4, 8, 16, 64};
#define NCOUNTS (sizeof thread_counts / sizeof *thread_counts)

struct tally {
    atomic_ulong runs;
    atomic_ulong sum; /* sum of task ids: a checksum of which tasks ran */
};

struct task_id {
    struct tally *t;
    unsigned long id;
};

static void tally_task(void *arg) {
    struct task_id *ti = arg;
    atomic_fetch_add(&ti->t->runs, 1);
    atomic_fetch_add(&ti->t->sum, ti->id);
}

Test(stress, many_tasks_many_threads, .timeout = 600) {
    unsigned long n = 200000 * kstress();
    struct task_id *ids = malloc(n * sizeof *ids);
    cr_assert_not_null(ids);
    for (size_t c = 0; c < NCOUNTS; c++) {
        struct tally t = {0, 0};
        wq_pool *p = wq_pool_create(thread_counts[c]);
        cr_assert_not_null(p);
        for (unsigned long i = 0; i < n; i++) {
            ids[i] = (struct task_id){&t, i};
            cr_assert_eq(wq_submit(p, tally_task, &ids[i]), 0);
        }
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(atomic_load(&t.runs), n);
        cr_assert_eq(atomic_load(&t.sum), n * (n - 1) / 2);
        wq_pool_destroy(p);
    }
    free(ids);
}

/* Producers submit tasks that themselves submit a child: nested work from
 * several threads at once, while other threads wait. */
struct nest_ctx {
    wq_pool *pool;
    atomic_ulong parents, children;
    unsigned long per_producer;
};

static void child(void *arg) {
    atomic_fetch_add(&((struct nest_ctx *)arg)->children, 1);
}

static void parent(void *arg) {
    struct nest_ctx *c = arg;
    atomic_fetch_add(&c->parents, 1);
    cr_assert_eq(wq_submit(c->pool, child, c), 0);
}

static void *producer(void *arg) {
    struct nest_ctx *c = arg;
    for (unsigned long i = 0; i < c->per_producer; i++)
        cr_assert_eq(wq_submit(c->pool, parent, c), 0);
    cr_assert_eq(wq_wait(c->pool), 0);
    return NULL;
}

Test(stress, concurrent_producers_with_nesting, .timeout = 600) {
    enum { P = 6 };
    for (size_t c = 0; c < NCOUNTS; c++) {
        struct nest_ctx ctx = {.pool = wq_pool_create(thread_counts[c]),
                               .per_producer = 20000 * kstress()};
        pthread_t th[P];
        for (int i = 0; i < P; i++)
            cr_assert_eq(pthread_create(&th[i], NULL, producer, &ctx), 0);
        for (int i = 0; i < P; i++)
            cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(wq_wait(ctx.pool), 0);
        cr_assert_eq(atomic_load(&ctx.parents), P * ctx.per_producer);
        cr_assert_eq(atomic_load(&ctx.children), P * ctx.per_producer);
        wq_pool_destroy(ctx.pool);
    }
}

Test(stress, destroy_with_work_queued, .timeout = 600) {
    unsigned long rounds = 50 * kstress();
    uint64_t rng = 1;
    for (unsigned long r = 0; r < rounds; r++) {
        struct tally t = {0, 0};
        unsigned threads = thread_counts[krand(&rng) % NCOUNTS];
        unsigned long n = 1 + krand(&rng) % 5000;
        struct task_id *ids = malloc(n * sizeof *ids);
        wq_pool *p = wq_pool_create(threads);
        for (unsigned long i = 0; i < n; i++) {
            ids[i] = (struct task_id){&t, i};
            cr_assert_eq(wq_submit(p, tally_task, &ids[i]), 0);
        }
        wq_pool_destroy(p);
        cr_assert_eq(atomic_load(&t.runs), n);
        cr_assert_eq(atomic_load(&t.sum), n * (n - 1) / 2);
        free(ids);
    }
}

/* Async jobs over a generator, cancelled at a random point from the
 * callback: every taken item is reported once, indices checked by sum. */
struct arun {
    unsigned long n, produced, reported, cancel_at, index_sum, value_sum;
    int inside;
    wq_job *job;
    unsigned char *seen;
};

static int agen(void *ctx, void *item) {
    struct arun *a = ctx;
    if (a->inside++ != 0)
        cr_assert_fail("generator ran concurrently with a callback");
    int rc = 0;
    if (a->produced < a->n) {
        uint64_t v = a->produced++;
        memcpy(item, &v, sizeof v);
        rc = 1;
    }
    a->inside--;
    return rc;
}

static void acb(void *ctx, size_t index, int status, const void *in, const void *out) {
    struct arun *a = ctx;
    if (a->inside++ != 0)
        cr_assert_fail("callbacks ran concurrently");
    uint64_t x;
    memcpy(&x, in, sizeof x);
    cr_assert_eq(x, index);
    cr_assert_lt(index, a->n);
    cr_assert_eq(a->seen[index]++, 0, "item %zu reported twice", index);
    if (status == 0) {
        uint64_t y;
        memcpy(&y, out, sizeof y);
        cr_assert_eq(y, 2 * x + 1);
    } else {
        cr_assert_eq(status, ECANCELED);
    }
    a->index_sum += index;
    if (++a->reported == a->cancel_at)
        wq_job_cancel(a->job);
    a->inside--;
}

Test(stress, async_cancelled_at_random_points, .timeout = 600) {
    unsigned long rounds = 40 * kstress();
    uint64_t rng = 7;
    for (unsigned long r = 0; r < rounds; r++) {
        wq_pool *p = wq_pool_create(thread_counts[krand(&rng) % NCOUNTS]);
        struct arun a = {.n = 1 + krand(&rng) % 50000};
        a.cancel_at = krand(&rng) % (a.n + 1); /* 0: never */
        a.seen = calloc(a.n, 1);
        wq_async_spec s = {.kernel = &k_affine,
                           .gen = agen,
                           .gen_ctx = &a,
                           .on_result = acb,
                           .cb_ctx = &a,
                           .order = (wq_order)(krand(&rng) % 2),
                           .chunk_size = 1 + krand(&rng) % 100};
        s.window = s.chunk_size * (1 + krand(&rng) % 16);
        cr_assert_eq(wq_async_map(p, &s, &a.job), 0);
        int rc = wq_job_wait(a.job);
        wq_job_stats st;
        wq_job_stats_get(a.job, &st);
        cr_assert_eq(st.taken, a.produced);
        cr_assert_eq(a.reported, st.taken);
        cr_assert_eq(st.done + st.cancelled, st.taken);
        cr_assert_eq(a.index_sum, st.taken * (st.taken - 1) / 2); /* 0..taken-1, once each */
        if (a.cancel_at == 0 || a.cancel_at > a.n) {
            cr_assert_eq(rc, 0);
            cr_assert_eq(st.done, a.n);
        } else {
            cr_assert(rc == ECANCELED || (rc == 0 && a.cancel_at == a.n), "rc=%d", rc);
        }
        wq_job_free(a.job);
        free(a.seen);
        wq_pool_destroy(p);
    }
}

/* Several threads run maps and map-reduces on one pool at once. */
static void *mapper(void *arg) {
    wq_pool *p = arg;
    enum { N = 30000 };
    uint64_t *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    for (size_t i = 0; i < N; i++)
        in[i] = i;
    for (unsigned long r = 0; r < 10 * kstress(); r++) {
        int64_t sum = 0;
        cr_assert_eq(wq_map(p, &k_affine_batch, NULL, in, out, N, NULL), 0);
        for (size_t i = 0; i < N; i++)
            cr_assert_eq(out[i], 2 * i + 1);
        cr_assert_eq(wq_map_reduce(p, &k_affine, NULL, in, N, &wq_sum_i64, &sum,
                                   &(wq_map_opts){.chunk_size = 1 + r}),
                     0);
        cr_assert_eq(sum, (int64_t)N * N);
    }
    free(in);
    free(out);
    return NULL;
}

Test(stress, concurrent_maps_on_one_pool, .timeout = 600) {
    enum { T = 4 };
    for (unsigned c = 1; c <= 8; c *= 2) {
        wq_pool *p = wq_pool_create(c);
        pthread_t th[T];
        for (int i = 0; i < T; i++)
            cr_assert_eq(pthread_create(&th[i], NULL, mapper, p), 0);
        for (int i = 0; i < T; i++)
            cr_assert_eq(pthread_join(th[i], NULL), 0);
        wq_pool_destroy(p);
    }
}

/* wq_submit_many in batches of random sizes, mixed with single submits. */
Test(stress, submit_many_mixed_with_submit, .timeout = 600) {
    unsigned long n = 200000 * kstress();
    struct task_id *ids = malloc(n * sizeof *ids);
    void **args = malloc(n * sizeof *args);
    cr_assert(ids && args);
    uint64_t seed = 16;
    for (size_t c = 0; c < NCOUNTS; c++) {
        struct tally t = {0, 0};
        wq_pool *p = wq_pool_create(thread_counts[c]);
        cr_assert_not_null(p);
        for (unsigned long i = 0; i < n; i++) {
            ids[i] = (struct task_id){&t, i};
            args[i] = &ids[i];
        }
        for (unsigned long i = 0; i < n;) {
            unsigned long k = krand(&seed) % 100;
            if (k > n - i)
                k = n - i;
            if (k < 2) {
                cr_assert_eq(wq_submit(p, tally_task, args[i]), 0);
                i++;
            } else {
                cr_assert_eq(wq_submit_many(p, tally_task, args + i, k), 0);
                i += k;
            }
        }
        cr_assert_eq(wq_wait(p), 0);
        cr_assert_eq(atomic_load(&t.runs), n);
        cr_assert_eq(atomic_load(&t.sum), n * (n - 1) / 2);
        wq_pool_destroy(p);
    }
    free(args);
    free(ids);
}

/* Several threads run wq_for at once, some with caller_waits, some from
 * inside tasks; each call checks its own sum. */
struct for_ctx {
    wq_pool *pool;
    atomic_ulong sum;
    atomic_ulong bad;
};

static int add_index(void *ctx, size_t i) {
    atomic_fetch_add(&((struct for_ctx *)ctx)->sum, i);
    return 0;
}

static void one_for(struct for_ctx *fc, size_t n, int waits) {
    struct for_ctx mine = {fc->pool, 0, 0};
    wq_map_opts o = {.chunk_size = n % 7, .caller_waits = waits};
    if (wq_for_ex(fc->pool, n, add_index, &mine, &o) != 0 ||
        atomic_load(&mine.sum) != n * (n - 1) / 2)
        atomic_fetch_add(&fc->bad, 1);
}

static void for_task(void *arg) {
    one_for(arg, 3000, 1);
}

static void *forer(void *arg) {
    struct for_ctx *fc = arg;
    for (unsigned long r = 0; r < 20 * kstress(); r++) {
        one_for(fc, 1000 + r * 37, (int)(r & 1));
        if (wq_submit(fc->pool, for_task, fc) != 0)
            atomic_fetch_add(&fc->bad, 1);
    }
    return NULL;
}

Test(stress, concurrent_fors_inside_and_outside_tasks, .timeout = 600) {
    enum { T = 4 };
    for (unsigned c = 1; c <= 8; c *= 2) {
        struct for_ctx fc = {wq_pool_create(c), 0, 0};
        pthread_t th[T];
        for (int i = 0; i < T; i++)
            cr_assert_eq(pthread_create(&th[i], NULL, forer, &fc), 0);
        for (int i = 0; i < T; i++)
            cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(wq_wait(fc.pool), 0);
        cr_assert_eq(atomic_load(&fc.bad), 0);
        wq_pool_destroy(fc.pool);
    }
}

/* Pairs of tasks where the first waits for the second, queued later with
 * random fillers between, from two producers at once, each with at most two
 * pairs in flight: at most four tasks block at once, so on five or more
 * workers one is always free, and no second may strand. */
struct pair {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int second_ran;
};

static void pair_first(void *arg) {
    struct pair *pr = arg;
    pthread_mutex_lock(&pr->mu);
    while (!pr->second_ran)
        pthread_cond_wait(&pr->cv, &pr->mu);
    pthread_mutex_unlock(&pr->mu);
}

static void pair_second(void *arg) {
    struct pair *pr = arg;
    pthread_mutex_lock(&pr->mu);
    pr->second_ran = 1;
    pthread_cond_broadcast(&pr->cv);
    pthread_mutex_unlock(&pr->mu);
}

static void nothing(void *arg) {
    (void)arg;
}

struct pair_producer {
    wq_pool *pool;
    struct pair *pairs;
    unsigned long n;
    uint64_t seed;
};

static void *pair_producer(void *arg) {
    struct pair_producer *pp = arg;
    void *none[64] = {0};
    for (unsigned long i = 0; i < pp->n; i++) {
        struct pair *pr = &pp->pairs[i];
        if (i >= 2) /* at most two pairs in flight per producer */
            pair_first(&pp->pairs[i - 2]);
        cr_assert_eq(wq_submit(pp->pool, pair_first, pr), 0);
        cr_assert_eq(wq_submit_many(pp->pool, nothing, none, krand(&pp->seed) % 64), 0);
        cr_assert_eq(wq_submit(pp->pool, pair_second, pr), 0);
    }
    return NULL;
}

Test(stress, waiting_pairs_never_strand, .timeout = 600) {
    unsigned long n = 500 * kstress();
    for (unsigned c = 5; c <= 8; c += 3) {
        wq_pool *p = wq_pool_create(c);
        struct pair_producer pp[2];
        pthread_t th[2];
        for (int k = 0; k < 2; k++) {
            pp[k] = (struct pair_producer){p, calloc(n, sizeof(struct pair)), n, 7 + k};
            for (unsigned long i = 0; i < n; i++) {
                cr_assert_eq(pthread_mutex_init(&pp[k].pairs[i].mu, NULL), 0);
                cr_assert_eq(pthread_cond_init(&pp[k].pairs[i].cv, NULL), 0);
            }
            cr_assert_eq(pthread_create(&th[k], NULL, pair_producer, &pp[k]), 0);
        }
        for (int k = 0; k < 2; k++)
            cr_assert_eq(pthread_join(th[k], NULL), 0);
        cr_assert_eq(wq_wait(p), 0);
        for (int k = 0; k < 2; k++) {
            for (unsigned long i = 0; i < n; i++) {
                cr_assert(pp[k].pairs[i].second_ran);
                pthread_cond_destroy(&pp[k].pairs[i].cv);
                pthread_mutex_destroy(&pp[k].pairs[i].mu);
            }
            free(pp[k].pairs);
        }
        wq_pool_destroy(p);
    }
}

/* Many submitters on bounded pools of 1, 2 and 4 threads, with room for 1,
 * 8 or 64 tasks, under both policies: half of the tasks submit a child
 * (which on a full queue runs inside its parent, or on the submitter), and
 * half of the submitters use wq_submit_many. Every task and child runs
 * exactly once (count and checksum of ids). */
struct bstress {
    wq_pool *pool;
    atomic_ulong runs, sum, children;
    unsigned long per_producer;
};

struct bs_task {
    struct bstress *s;
    unsigned long id;
};

static void bs_child(void *arg) {
    atomic_fetch_add(&((struct bstress *)arg)->children, 1);
}

static void bs_run(void *arg) {
    struct bs_task *t = arg;
    atomic_fetch_add(&t->s->runs, 1);
    atomic_fetch_add(&t->s->sum, t->id);
    if (t->id % 2)
        cr_assert_eq(wq_submit(t->s->pool, bs_child, t->s), 0);
}

struct bs_producer {
    struct bstress *s;
    struct bs_task *tasks; /* per_producer of them */
    bool many;
};

static void *bs_produce(void *arg) {
    struct bs_producer *pr = arg;
    unsigned long n = pr->s->per_producer;
    if (!pr->many) {
        for (unsigned long i = 0; i < n; i++)
            cr_assert_eq(wq_submit(pr->s->pool, bs_run, &pr->tasks[i]), 0);
        return NULL;
    }
    void *args[37]; /* runs not a multiple of any bound */
    for (unsigned long i = 0; i < n;) {
        unsigned long k = n - i < 37 ? n - i : 37;
        for (unsigned long j = 0; j < k; j++)
            args[j] = &pr->tasks[i + j];
        cr_assert_eq(wq_submit_many(pr->s->pool, bs_run, args, k), 0);
        i += k;
    }
    return NULL;
}

Test(stress, many_submitters_on_bounded_pools, .timeout = 600) {
    enum { P = 4 };
    static const unsigned threads[] = {1, 2, 4};
    static const size_t maxes[] = {1, 8, 64};
    unsigned long per = 3000 * kstress();
    struct bs_task *tasks = malloc(P * per * sizeof *tasks);
    cr_assert_not_null(tasks);
    for (int policy = 0; policy <= 1; policy++)
        for (size_t t = 0; t < 3; t++)
            for (size_t m = 0; m < 3; m++) {
                wq_pool_opts o = {.max_queued = maxes[m],
                                  .when_full = policy ? WQ_FULL_CALLER_RUNS : WQ_FULL_BLOCK};
                struct bstress s = {.pool = wq_pool_create_ex(threads[t], &o), .per_producer = per};
                cr_assert_not_null(s.pool);
                struct bs_producer pr[P];
                pthread_t th[P];
                for (unsigned long i = 0; i < P * per; i++)
                    tasks[i] = (struct bs_task){&s, i};
                for (int i = 0; i < P; i++) {
                    pr[i] = (struct bs_producer){&s, tasks + i * per, i % 2 == 1};
                    cr_assert_eq(pthread_create(&th[i], NULL, bs_produce, &pr[i]), 0);
                }
                for (int i = 0; i < P; i++)
                    cr_assert_eq(pthread_join(th[i], NULL), 0);
                cr_assert_eq(wq_wait(s.pool), 0);
                unsigned long n = P * per;
                cr_assert_eq(atomic_load(&s.runs), n);
                cr_assert_eq(atomic_load(&s.sum), n * (n - 1) / 2);
                cr_assert_eq(atomic_load(&s.children), n / 2);
                wq_pool_destroy(s.pool);
            }
    free(tasks);
}
