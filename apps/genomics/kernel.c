/*
 * kernel.c: the gx_item kernel and block computation (see kernel.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "kernel.h"

#include <errno.h>

/* One pair's distance in prefix or infix mode, capped as in global mode. */
static int mode_distance(const wq_pair *p, size_t *out, const gx_kopts *ko) {
    size_t d = wq_align_distance(p->a, p->alen, p->b, p->blen, ko->mode);
    if (d == WQ_LEV_NO_LIMIT)
        return errno ? errno : ENOMEM;
    *out = d <= ko->lev.max_distance ? d : ko->lev.max_distance + 1;
    return 0;
}

static int item_fn(const void *in, void *out, void *ctx) {
    const gx_kopts *ko = ctx;
    if (ko->mode != WQ_ALIGN_GLOBAL)
        return mode_distance(&((const gx_item *)in)->pair, out, ko);
    return wq_kernel_levenshtein.fn(&((const gx_item *)in)->pair, out, (void *)&ko->lev);
}

/* Copies the pairs out of the strided items in blocks, so the kernel's
 * batch entry point (tiny per-pair overhead) does the work. */
static int item_batch(const void *in, void *out, size_t n, void *ctx, size_t *fail) {
    enum { BLOCK = 64 };
    const gx_item *items = in;
    const gx_kopts *ko = ctx;
    size_t *dist = out;
    if (ko->mode != WQ_ALIGN_GLOBAL) {
        for (size_t k = 0; k < n; k++) {
            int rc = mode_distance(&items[k].pair, dist + k, ko);
            if (rc != 0) {
                *fail = k;
                return rc;
            }
        }
        return 0;
    }
    wq_pair pairs[BLOCK];
    for (size_t k = 0; k < n; k += BLOCK) {
        size_t m = n - k < BLOCK ? n - k : BLOCK;
        for (size_t i = 0; i < m; i++)
            pairs[i] = items[k + i].pair;
        int rc = wq_levenshtein_batch(pairs, dist + k, m, &ko->lev);
        if (rc != 0) {
            *fail = k;
            return rc;
        }
    }
    return 0;
}

const wq_kernel gx_kernel = {
    .name = "genomics-levenshtein",
    .fn = item_fn,
    .batch = item_batch,
    .in_size = sizeof(gx_item),
    .out_size = sizeof(size_t),
    .doc = "levenshtein over genomics items (pair + names)",
};

/* ------------------------------------------------------------ blocks -- */

int gx_compute_block(wq_pool *pool, const gx_kopts *ko, const gx_item *items, size_t n,
                     size_t *dist) {
    /* caller_waits: the calling thread (the MPI thread) only waits, and the
     * pool's own threads do all the computing. */
    wq_map_opts opts = {.caller_waits = 1};
    return wq_map(pool, &gx_kernel, (void *)ko, items, dist, n, &opts);
}
