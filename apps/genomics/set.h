/*
 * set.h: a set of sequences loaded whole, and the all-pairs walk over it.
 *
 *   set   the records of an input (names and bytes, folded with
 *         --ignore-case) in one arena; get gives any one back; pack and
 *         unpack carry the sequences to another process (MPI workers);
 *   all   every pair i < j, (i, j) ascending, from any starting pair; the
 *         items borrow the set's bytes, so memory is the set, whatever the
 *         number of pairs.
 *
 * Guarantees: a set is immutable once loaded or unpacked, so any number of
 * threads may read it. The pack format is native uint64_t fields: the
 * count, then count lengths, then the sequences back to back; names are not packed (an unpacked
 * set's names are its sequences: workers do not print).
 */
#ifndef GENOMICS_SET_H
#define GENOMICS_SET_H

#include <stdatomic.h>
#include <stddef.h>

#include "error.h"
#include "items.h"
#include "reader.h"

typedef struct gx_set gx_set;

/* Reads every record of r (folding when fold). Returns NULL with err set. */
gx_set *gx_set_load(gx_reader *r, int fold, gx_err *err);
void gx_set_free(gx_set *set);

/* The number of sequences, and of pairs i < j among them. */
size_t gx_set_size(const gx_set *set);
size_t gx_set_pairs(const gx_set *set);

/* Sequence k < size: its name and bytes (valid while the set lives; line
 * is 0, the set keeps no line numbers). */
void gx_set_get(const gx_set *set, size_t k, gx_record *rec);

/* The sequences in the pack format, in a new buffer (*buf, *len; the
 * caller frees *buf). Returns 0 or ENOMEM. */
int gx_set_pack(const gx_set *set, void **buf, size_t *len);

/* A set from a packed buffer (malloc'd), which the set takes over on
 * success. Returns 0, EPROTO (lengths beyond the buffer) or ENOMEM. */
int gx_set_unpack(void *buf, size_t len, gx_set **set);

/* ------------------------------------------------------- all-vs-all -- */

typedef struct gx_all_gen {
    const gx_set *set;
    size_t i, j; /* the next pair */
    const atomic_int *stop;
} gx_all_gen;

/* Starts the walk at pair (i, j): i < j < size, or (0, 1) on any set
 * (which yields nothing when size < 2). Returns 0 or EINVAL. */
int gx_all_start(gx_all_gen *g, const gx_set *set, size_t i, size_t j, const atomic_int *stop);

/* Moves the walk k pairs on (to its end when fewer are left), in O(size)
 * steps: --skip. */
void gx_all_skip(gx_all_gen *g, size_t k);

/* wq_gen_fn over a gx_all_gen: the pairs (i, j), i < j, ascending; 0 at
 * the end or once *stop is set. Items borrow the set (owned is NULL). */
int gx_all_next(void *gen_ctx, void *item);

#endif
