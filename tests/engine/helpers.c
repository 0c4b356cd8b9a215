/* Shared helpers for the engine tests: kernels, a fault loop and a gate. */
#include "helpers.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

void wq__fault_arm(unsigned long k);
unsigned long wq__fault_count(void);

unsigned long pool_create_each_fault(unsigned nthreads) {
    unsigned long k;
    for (k = 1;; k++) {
        wq__fault_arm(k);
        wq_pool *p = wq_pool_create(nthreads);
        unsigned long reached = wq__fault_count();
        wq__fault_arm(0);
        if (reached < k) {
            cr_assert_not_null(p);
            cr_assert_eq(wq_wait(p), 0);
            wq_pool_destroy(p);
            return k;
        }
        cr_assert_null(p, "k=%lu", k);
        cr_assert(errno == ENOMEM || errno == EAGAIN, "k=%lu errno=%d", k, errno);
    }
}

static int affine(const void *in, void *out, void *ctx) {
    uint64_t x;
    memcpy(&x, in, sizeof x);
    uint64_t every = ctx ? *(const uint64_t *)ctx : 0;
    if (every && x % every == every - 1)
        return EDOM;
    x = 2 * x + 1;
    memcpy(out, &x, sizeof x);
    return 0;
}

static int affine_batch(const void *in, void *out, size_t n, void *ctx, size_t *fail) {
    const unsigned char *i = in;
    unsigned char *o = out;
    for (size_t k = 0; k < n; k++) {
        int err = affine(i + 8 * k, o + 8 * k, ctx);
        if (err) {
            *fail = k;
            return err;
        }
    }
    return 0;
}

static int to_f64(const void *in, void *out, void *ctx) {
    (void)ctx;
    uint64_t x;
    memcpy(&x, in, sizeof x);
    double d = (double)x;
    memcpy(out, &d, sizeof d);
    return 0;
}

const wq_kernel k_affine = {"test-affine", affine, NULL, 8, 8, "2x+1"};
const wq_kernel k_affine_batch = {"test-affine-batch", affine, affine_batch, 8, 8, "2x+1"};
const wq_kernel k_to_f64 = {"test-to-f64", to_f64, NULL, 8, 8, "(double)x"};

struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open; /* mu */
};

gate *gate_new(void) {
    gate *g = calloc(1, sizeof *g);
    cr_assert_not_null(g);
    cr_assert_eq(pthread_mutex_init(&g->mu, NULL), 0);
    cr_assert_eq(pthread_cond_init(&g->cv, NULL), 0);
    return g;
}

void gate_open(gate *g) {
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

void gate_wait(gate *g) {
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

void gate_free(gate *g) {
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}
