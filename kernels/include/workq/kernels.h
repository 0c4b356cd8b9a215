/*
 * workq kernels: the computations the engine runs, each with a plain
 * reference version that the tests compare against.
 *
 *   leibniz      partial sums of the Leibniz series for pi
 *   levenshtein  unit-cost edit distance of byte strings
 *   align        the alignment behind that distance: an extended CIGAR and
 *                the aligned span, in global, prefix and infix modes
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

/* ------------------------------------------------------------- align -- */

/* Where the alignment may start and end. A (the query) is always aligned
 * whole; B (the reference) is aligned
 *   WQ_ALIGN_GLOBAL  whole (Needleman-Wunsch, edlib's NW);
 *   WQ_ALIGN_PREFIX  over a prefix B[0..end): gaps after it are free (SHW);
 *   WQ_ALIGN_INFIX   over any substring B[start..end): gaps before and
 *                    after it are free (HW). */
typedef enum wq_align_mode {
    WQ_ALIGN_GLOBAL = 0,
    WQ_ALIGN_PREFIX = 1,
    WQ_ALIGN_INFIX = 2
} wq_align_mode;

struct wq__align_work; /* reusable buffers, internal */

/* An alignment of A against B[start..end), filled by wq_align and owned by
 * the caller. Initialise with WQ_ALIGNMENT_INIT (or all zeros), reuse it
 * for any number of calls (its buffers grow and are kept), and release it
 * with wq_alignment_free. One struct per thread at a time.
 *
 * cigar is the extended CIGAR in SAM's meaning with A as the query and B as
 * the reference, e.g. "5=1X2I3=1D": '=' A[i] == B[j], 'X' A[i] != B[j],
 * 'I' a base of A that is not in B, 'D' a base of B that is not in A. Its
 * '=' and 'X' and 'I' ops consume A whole; its '=' and 'X' and 'D' ops
 * consume B[start..end); the 'X', 'I' and 'D' ops number exactly distance.
 * It is "" when both consumed ranges are empty. */
typedef struct wq_alignment {
    size_t distance;   /* the edit distance in the mode asked for */
    size_t start, end; /* the aligned span on B: [start, end) */
    char *cigar;       /* NUL-terminated; valid until the next call or free */
    size_t cigar_len;  /* strlen(cigar) */
    struct wq__align_work *work;
} wq_alignment;

#define WQ_ALIGNMENT_INIT                                                                          \
    { 0, 0, 0, NULL, 0, NULL }

/*
 * Aligns a[0..n) (A, the query) with b[0..m) (B, the reference) in the
 * given mode, at the least number of edits, into *al. The path is optimal
 * (its edits number the distance, which for WQ_ALIGN_GLOBAL equals
 * wq_levenshtein's) and deterministic: the same inputs give the same
 * CIGAR and span. Among spans of equal distance the shortest end wins, then
 * (infix) the latest start.
 *
 * Memory stays linear in n + m (two 1 Mb sequences at 1% divergence take
 * well under 256 MB): a wavefront for related pairs, split in halves by a
 * bidirectional wavefront when it would outgrow its buffer, and Myers'
 * bit-vectors for unrelated ones.
 *
 * Returns 0, EINVAL (al NULL, a or b NULL with a nonzero length, or an
 * unknown mode; *al untouched) or ENOMEM (*al keeps its buffers but no
 * alignment). Pure apart from *al: safe from any number of threads, each
 * with its own wq_alignment.
 */
WQ_KERNELS_EXPORT int wq_align(const void *a, size_t n, const void *b, size_t m, wq_align_mode mode,
                               wq_alignment *al);

/* Releases al's buffers and resets it to WQ_ALIGNMENT_INIT. NULL is a no-op. */
WQ_KERNELS_EXPORT void wq_alignment_free(wq_alignment *al);

/* The distance alone in the given mode, in O(n + m) memory: wq_levenshtein
 * for WQ_ALIGN_GLOBAL, bit-vectors over B for the others. Returns
 * WQ_LEV_NO_LIMIT with errno ENOMEM if memory runs out, or errno EINVAL
 * for an unknown mode. */
WQ_KERNELS_EXPORT size_t wq_align_distance(const void *a, size_t n, const void *b, size_t m,
                                           wq_align_mode mode);

/* The reference for wq_align_distance: the textbook O(nm)-time dynamic
 * programme, one row at a time, with the mode's first row (D[0][j] = j, or
 * 0 in infix mode) and last row (D[n][m], or its minimum over j). */
WQ_KERNELS_EXPORT size_t wq_align_distance_ref(const void *a, size_t n, const void *b, size_t m,
                                               wq_align_mode mode);

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
