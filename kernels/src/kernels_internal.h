/*
 * kernels_internal.h: declarations shared by the kernel sources only (not
 * installed). Internal names carry the wq__ prefix.
 */
#ifndef WORKQ_KERNELS_INTERNAL_H
#define WORKQ_KERNELS_INTERNAL_H

#include <stddef.h>

#include <workq/kernels.h>

/* wq_levenshtein_batch with the limit as a number, reporting the index of
 * the pair that ran out of memory in *fail. Returns 0 or ENOMEM. */
int wq__levenshtein_batch(const wq_pair *pairs, size_t *dist, size_t n, size_t max_distance,
                          size_t *fail);

/* wq__lev_wavefront's answer when it stops to leave the pair to the
 * bit-parallel pass. */
#define WQ__WF_GAVE_UP ((size_t)-2)

/* The unit-cost edit distance of x[0..n) and y[0..m), n <= m, by
 * diagonal transition (wavefront.c): D when D <= cap, cap + 1 when D > cap,
 * or WQ__WF_GAVE_UP when its estimated total work exceeds budget (in
 * wavefront cells), with D > *lower proven. WQ_LEV_NO_LIMIT and errno
 * ENOMEM if memory runs out. */
size_t wq__lev_wavefront(const unsigned char *x, size_t n, const unsigned char *y, size_t m,
                         size_t cap, double budget, size_t *lower);

#endif /* WORKQ_KERNELS_INTERNAL_H */
