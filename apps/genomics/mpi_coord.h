/*
 * mpi_coord.h: genomics' rank 0 under MPI (compiled only with
 * WORKQ_WITH_MPI).
 *
 * Rank 0 is the only reader (so stdin works): it cuts the input into blocks
 * of at most GX_WIRE_PAIRS pairs or GX_WIRE_BYTES bytes, keeps at most two
 * blocks in flight per worker rank, and up to two on its own pool whenever
 * every worker already has its two (so -np 1 works, and on a small machine
 * rank 0's cores are not idle; on a large job rank 0 mostly feeds and
 * prints, since workers are served first). Input that may stall (a pipe, a
 * terminal, mpirun's forwarded stdin) is read on a thread of its own
 * (feed.h): when it stalls, the pairs read so far go out as a partial
 * block at once, and what was printed is flushed, so no result waits for
 * the next input line.
 *
 *   pairs       each block carries its sequences (only rank 0 reads);
 *   all-vs-all  rank 0 loads the set (as the single process does) and
 *               broadcasts the sequences once; a block is then an index
 *               range (i, j, n) that workers expand lazily, so only indices
 *               and distances travel, and stdin still works.
 *
 * Guarantees:
 *   - Output: ordered mode prints blocks in input order, so stdout is byte
 *     for byte the single process's; --async prints each block as its
 *     results arrive (the same lines, as a multiset).
 *   - Memory: at most 2 * ranks + 2 blocks are held (read and not yet
 *     printed), whatever the input size: reading waits for a free block.
 *   - Errors: a data or I/O error stops the reading there; every block
 *     before it is still computed and printed, then one message (the single
 *     process's text) goes to stderr and the exit status is the single
 *     process's. Write errors, worker errors and signals drain the blocks
 *     in flight the same way (the pairs of a block still being filled are
 *     dropped: the output stays a prefix).
 */
#ifndef GENOMICS_MPI_COORD_H
#define GENOMICS_MPI_COORD_H

#include "run.h"

/* Runs the job as rank 0 and returns the exit status (workers are still
 * waiting for STOP when it returns). */
int gx_mpi_coordinate(const gx_opts *o);

#endif
