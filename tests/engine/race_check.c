/*
 * race_check: a small stress of the engine for valgrind's race detectors
 * (helgrind, drd), which follow pthread mutexes and condition variables.
 * Plain C, no Criterion (valgrind then needs no --trace-children). The
 * counters are mutex-protected so the program itself adds no atomics.
 * Exits 0 when every task ran exactly once and every item was delivered.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <workq/workq.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long runs, children, delivered;

static void count(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    runs++;
    pthread_mutex_unlock(&mu);
}

static void child(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    children++;
    pthread_mutex_unlock(&mu);
}

static void parent(void *arg) {
    count(NULL);
    if (wq_submit(arg, child, NULL) != 0)
        fprintf(stderr, "race_check: nested submit failed\n");
}

static void *producer(void *arg) {
    for (int i = 0; i < 500; i++)
        if (wq_submit(arg, parent, arg) != 0)
            fprintf(stderr, "race_check: submit failed\n");
    wq_wait(arg);
    return NULL;
}

static void on_result(void *ctx, size_t index, int status, const void *in, const void *out) {
    (void)ctx;
    (void)index;
    (void)in;
    (void)out;
    if (status == 0)
        delivered++; /* callbacks are serialized by the engine */
}

static int twice(const void *in, void *out, void *ctx) {
    (void)ctx;
    uint32_t x;
    memcpy(&x, in, sizeof x);
    x *= 2;
    memcpy(out, &x, sizeof x);
    return 0;
}

static const wq_kernel k_twice = {"twice", twice, NULL, 4, 4, NULL};

int main(void) {
    enum { PRODUCERS = 3, ITEMS = 2000 };
    wq_pool *p = wq_pool_create(4);
    if (!p)
        return 1;
    pthread_t th[PRODUCERS];
    for (int i = 0; i < PRODUCERS; i++)
        if (pthread_create(&th[i], NULL, producer, p) != 0)
            return 1;
    for (int i = 0; i < PRODUCERS; i++)
        pthread_join(th[i], NULL);
    wq_wait(p);

    static uint32_t in[ITEMS], out[ITEMS];
    for (uint32_t i = 0; i < ITEMS; i++)
        in[i] = i;
    int err = wq_map(p, &k_twice, NULL, in, out, ITEMS, &(wq_map_opts){.chunk_size = 16});
    for (uint32_t i = 0; i < ITEMS && !err; i++)
        err = out[i] != 2 * i;

    wq_job *job = NULL;
    wq_async_spec s = {.kernel = &k_twice,
                       .in = in,
                       .n = ITEMS,
                       .on_result = on_result,
                       .chunk_size = 16,
                       .window = 64};
    if (!err && (err = wq_async_map(p, &s, &job)) == 0)
        err = wq_job_wait(job);
    wq_job_free(job);

    for (int i = 0; i < 1000; i++)
        wq_submit(p, count, NULL);
    wq_pool_destroy(p); /* with work queued */

    unsigned long want = PRODUCERS * 500;
    if (err || runs != want + 1000 || children != want || delivered != ITEMS) {
        fprintf(stderr, "race_check: err=%d runs=%lu children=%lu delivered=%lu\n", err, runs,
                children, delivered);
        return 1;
    }
    printf("race_check: %lu tasks, %lu nested, %d mapped, %lu delivered\n", runs, children, ITEMS,
           delivered);
    return 0;
}
