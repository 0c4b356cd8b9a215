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

#endif /* WORKQ_KERNELS_INTERNAL_H */
