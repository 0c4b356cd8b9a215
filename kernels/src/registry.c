/*
 * registry.c: the kernels as wq_kernel descriptors, and their registration.
 *
 * Guarantees: the descriptors are static constants (they outlive every
 * lookup, as wq_kernel_register requires). wq_kernels_register is idempotent
 * and thread-safe: a mutex serialises callers, a name already registered
 * (EEXIST, by an earlier call or another thread) counts as success, and a
 * failed call (ENOMEM) leaves the next call free to try again.
 */
#include <errno.h>
#include <pthread.h>

#include <workq/kernels.h>

#include "kernels_internal.h"

/* leibniz: in wq_range, out double. EINVAL for an invalid range. */
static int leibniz_fn(const void *in, void *out, void *ctx) {
    const wq_range *r = in;
    (void)ctx;
    if (r->start > r->end || r->end > WQ_LEIBNIZ_MAX)
        return EINVAL;
    *(double *)out = wq_leibniz(r->start, r->end);
    return 0;
}

static int leibniz_lesson_fn(const void *in, void *out, void *ctx) {
    const wq_range *r = in;
    (void)ctx;
    if (r->start > r->end || r->end > WQ_LEIBNIZ_MAX)
        return EINVAL;
    *(double *)out = wq_leibniz_lesson(r->start, r->end);
    return 0;
}

static size_t lev_limit(const void *ctx) {
    return ctx ? ((const wq_lev_opts *)ctx)->max_distance : WQ_LEV_NO_LIMIT;
}

/* levenshtein: in wq_pair, out size_t, ctx const wq_lev_opts * or NULL. */
static int levenshtein_fn(const void *in, void *out, void *ctx) {
    return wq__levenshtein_batch(in, out, 1, lev_limit(ctx), NULL);
}

static int levenshtein_batch_fn(const void *in, void *out, size_t n, void *ctx, size_t *fail) {
    return wq__levenshtein_batch(in, out, n, lev_limit(ctx), fail);
}

const wq_kernel wq_kernel_leibniz = {
    .name = "leibniz",
    .fn = leibniz_fn,
    .in_size = sizeof(wq_range),
    .out_size = sizeof(double),
    .doc = "Leibniz partial sum over [start, end), within 1 ulp when composed",
};

const wq_kernel wq_kernel_leibniz_lesson = {
    .name = "leibniz-lesson",
    .fn = leibniz_lesson_fn,
    .in_size = sizeof(wq_range),
    .out_size = sizeof(double),
    .doc = "Leibniz partial sum, the lesson's plain loop",
};

const wq_kernel wq_kernel_levenshtein = {
    .name = "levenshtein",
    .fn = levenshtein_fn,
    .batch = levenshtein_batch_fn,
    .in_size = sizeof(wq_pair),
    .out_size = sizeof(size_t),
    .doc = "unit-cost edit distance of two byte strings (bit-parallel)",
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static int registered; /* guarded by registry_lock */

int wq_kernels_register(void) {
    static const wq_kernel *const all[] = {&wq_kernel_leibniz, &wq_kernel_leibniz_lesson,
                                           &wq_kernel_levenshtein};
    int err = pthread_mutex_lock(&registry_lock);
    if (err)
        return err;
    for (size_t i = 0; !registered && i < sizeof all / sizeof *all; i++) {
        int r = wq_kernel_register(all[i]);
        if (r && r != EEXIST) {
            err = r;
            break;
        }
    }
    if (!err)
        registered = 1;
    pthread_mutex_unlock(&registry_lock);
    return err;
}
