/*
 * mpi_wire.h: genomics' MPI messages (compiled only with WORKQ_WITH_MPI).
 *
 * Rank 0 (the coordinator) talks to each worker rank with point-to-point
 * messages of MPI_BYTE on MPI_COMM_WORLD; every field is a native uint64_t
 * (all ranks run the same binary, so they share a byte order).
 *
 *   PAIRS   0 -> w  seq, n, alen_0, blen_0, ... alen_n-1, blen_n-1, then
 *                   the bytes a_0 b_0 a_1 b_1 ...: n <= GX_WIRE_PAIRS pairs
 *   RANGE   0 -> w  seq, i, j, n: the n all-vs-all pairs from (i, j) on,
 *                   in the order (i, j) ascending, over the broadcast set
 *   SET     0 -> w  bytes; then a collective MPI_Bcast from rank 0 of
 *                   that many bytes: the set packed (set.h, gx_set_pack)
 *   RESULT  w -> 0  seq, status (0 or an errno value), n, distance_0, ...
 *   STOP    0 -> w  the exit status every rank ends with
 *
 * Guarantees: decoders check every length against the message size, so a
 * truncated or corrupt message is rejected (EPROTO), never read past.
 */
#ifndef GENOMICS_MPI_WIRE_H
#define GENOMICS_MPI_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "items.h"

enum {
    GX_TAG_PAIRS = 1,
    GX_TAG_RANGE,
    GX_TAG_SET,
    GX_TAG_RESULT,
    GX_TAG_STOP,
    GX_TAG_QSET,   /* 0 -> w  as SET: the queries of a split --query */
    GX_TAG_SEARCH, /* 0 -> w  a share of a split search (mpi_search.h) */
    GX_TAG_HITS,   /* w -> 0  its hits (mpi_search.h) */
    GX_TAG_CANCEL  /* 0 -> w  stop the share under way */
};

/* Most pairs in one block, and the byte budget that also ends a block. */
enum { GX_WIRE_PAIRS = 256, GX_WIRE_BYTES = 1 << 20 };

/* Size of a RESULT message for n pairs, and of a RANGE message. */
#define GX_WIRE_RESULT_SIZE(n) ((3 + (size_t)(n)) * sizeof(uint64_t))
#define GX_WIRE_RANGE_SIZE (4 * sizeof(uint64_t))

/* Encodes items[0..n) as a PAIRS message into a new buffer (*buf, *len;
 * the caller frees *buf). Returns 0, ENOMEM or EMSGSIZE (over INT_MAX). */
int gx_wire_pairs_encode(uint64_t seq, const gx_item *items, size_t n, void **buf, size_t *len);

/* Decodes a PAIRS message: items[0..*n) borrow buf's bytes (names are the
 * sequences: workers do not print). items has room for GX_WIRE_PAIRS.
 * Returns 0 or EPROTO. */
int gx_wire_pairs_decode(const void *buf, size_t len, uint64_t *seq, gx_item *items, size_t *n);

/* RANGE: 4 fields in out[0..4) / from in. */
void gx_wire_range_encode(uint64_t seq, uint64_t i, uint64_t j, uint64_t n, uint64_t out[4]);

/* RESULT: encodes into buf (GX_WIRE_RESULT_SIZE(n) bytes); decodes, with
 * dist having room for GX_WIRE_PAIRS. Decode returns 0 or EPROTO. */
void gx_wire_result_encode(uint64_t seq, int status, const size_t *dist, size_t n, void *buf);
int gx_wire_result_decode(const void *buf, size_t len, uint64_t *seq, int *status, size_t *dist,
                          size_t *n);

#endif
