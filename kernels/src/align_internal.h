/*
 * align_internal.h: the knobs of align.c that the tests turn (not
 * installed). Internal names carry the wq__ prefix.
 */
#ifndef WORKQ_ALIGN_INTERNAL_H
#define WORKQ_ALIGN_INTERNAL_H

#include <stddef.h>

#include <workq/kernels.h>

/* The memory each method may hold at once. wq_align uses
 * WQ__ALIGN_LIMITS_DEFAULT; small limits force the splitting and the
 * bit-vector paths on small inputs. */
typedef struct wq__align_limits {
    size_t wf_cells; /* stored wavefront cells (int32) before splitting */
    size_t bv_words; /* stored bit-vector words before splitting */
} wq__align_limits;

#define WQ__ALIGN_LIMITS_DEFAULT                                                                   \
    { (size_t)8 << 20, (size_t)4 << 20 }

/* wq_align under the given limits. */
int wq__align_limited(const void *a, size_t n, const void *b, size_t m, wq_align_mode mode,
                      wq_alignment *al, const wq__align_limits *lim);

#endif /* WORKQ_ALIGN_INTERNAL_H */
