/*
 * workq kernels: the computations the engine runs, each with a plain
 * reference version that the tests compare against.
 *
 *   leibniz      partial sums of the Leibniz series for pi
 *   levenshtein  unit-cost edit distance of byte strings
 *
 * wq_kernels_register() adds them to the engine's registry by name.
 */
#ifndef WORKQ_KERNELS_H
#define WORKQ_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <workq/kernels_export.h>
#include <workq/workq.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ leibniz -- */

/* Largest term index bound the kernels keep exact: 0 <= start <= end <=
 * WQ_LEIBNIZ_MAX. */
#define WQ_LEIBNIZ_MAX (UINT64_C(1) << 51)

/* A half-open range of term indices [start, end). The item type of the
 * leibniz kernels. */
typedef struct wq_range {
    uint64_t start;
    uint64_t end;
} wq_range;

/* sum over i in [start, end) of (4 - 8*(i%2)) / (2i+1), within about 1 ulp of
 * the exact value, fast (paired terms, SIMD lanes, compensated blocks).
 * Returns NaN when the range is invalid (start > end or end > WQ_LEIBNIZ_MAX). */
WQ_KERNELS_EXPORT double wq_leibniz(uint64_t start, uint64_t end);

/* The lesson's literal loop: one division per term, plain summation. */
WQ_KERNELS_EXPORT double wq_leibniz_lesson(uint64_t start, uint64_t end);

/* ------------------------------------------------------- levenshtein -- */

/* "No limit" for the max_distance arguments below. */
#define WQ_LEV_NO_LIMIT ((size_t)-1)

/* The unit-cost edit distance of a[0..n) and b[0..m), in O(n + m) memory.
 * When the distance exceeds max_distance, returns some value greater than
 * max_distance (stopping early); WQ_LEV_NO_LIMIT disables the limit.
 * Returns WQ_LEV_NO_LIMIT only if memory runs out (errno ENOMEM). */
WQ_KERNELS_EXPORT size_t wq_levenshtein(const void *a, size_t n, const void *b, size_t m,
                                        size_t max_distance);

/* The textbook O(nm)-time, O(m)-memory dynamic programme: the reference. */
WQ_KERNELS_EXPORT size_t wq_levenshtein_ref(const void *a, size_t n, const void *b, size_t m);

/* A pair of byte strings: the item type of the levenshtein kernel. */
typedef struct wq_pair {
    const char *a;
    const char *b;
    size_t alen;
    size_t blen;
} wq_pair;

/* Options for the levenshtein kernel, passed as its ctx (NULL = no limit). */
typedef struct wq_lev_opts {
    size_t max_distance; /* WQ_LEV_NO_LIMIT, or report > max as max + 1 */
} wq_lev_opts;

/* Distances of pairs[0..n) into dist[0..n): the batch entry point, with tiny
 * per-pair overhead for short pairs. Distances above opts->max_distance are
 * stored as max_distance + 1. Returns 0 or ENOMEM. */
WQ_KERNELS_EXPORT int wq_levenshtein_batch(const wq_pair *pairs, size_t *dist, size_t n,
                                           const wq_lev_opts *opts);

/* ------------------------------------------------------------ registry -- */

/* The registered kernels:
 *   "leibniz"         in wq_range, out double, ctx unused (wq_leibniz)
 *   "leibniz-lesson"  in wq_range, out double (wq_leibniz_lesson)
 *   "levenshtein"     in wq_pair,  out size_t, ctx const wq_lev_opts * or NULL
 */
WQ_KERNELS_EXPORT extern const wq_kernel wq_kernel_leibniz;
WQ_KERNELS_EXPORT extern const wq_kernel wq_kernel_leibniz_lesson;
WQ_KERNELS_EXPORT extern const wq_kernel wq_kernel_levenshtein;

/* Registers the kernels above. Idempotent and thread-safe. Returns 0 or an
 * errno value from wq_kernel_register. */
WQ_KERNELS_EXPORT int wq_kernels_register(void);

#ifdef __cplusplus
}
#endif

#endif /* WORKQ_KERNELS_H */
