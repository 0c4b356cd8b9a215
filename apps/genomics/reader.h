/*
 * reader.h: genomics' input formats, on top of input.h.
 *
 *   pairs  `seqA,seqB` per line (the lesson's format); either side may be
 *          empty; blank lines are skipped; CRLF is accepted.
 *   lines  one sequence per line (all-vs-all on plain text).
 *   FASTA  the first non-blank character is '>'; multi-line records; the id
 *          is the header up to the first space or tab.
 *   FASTQ  the first non-blank character is '@'; the sequence runs to the
 *          '+' line and the quality has the sequence's length.
 *
 * Sequence and id characters are printable ASCII other than space (and
 * ',' in sequences); the description after the id may hold any byte, as
 * it is thrown away. Every
 * error names a 1-based physical line. Guarantees: memory is the input's
 * buffers plus two records, whatever the input size; what a call returns
 * stays valid until the next call on the same reader.
 */
#ifndef GENOMICS_READER_H
#define GENOMICS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"

typedef enum gx_format {
    GX_FMT_UNKNOWN = 0, /* nothing read yet, or an empty input */
    GX_FMT_PAIRS,
    GX_FMT_LINES,
    GX_FMT_FASTA,
    GX_FMT_FASTQ
} gx_format;

/* One sequence: its name (the FASTA/FASTQ id, or the sequence itself for
 * plain lines) and its bytes. */
typedef struct gx_record {
    const char *name;
    size_t namelen;
    const char *seq;
    size_t seqlen;
    size_t line; /* where the record starts */
} gx_record;

typedef struct gx_reader gx_reader;

/* Opens path ("-" or NULL = stdin) for reading records (plain text is then
 * one sequence per line) or, with pairs set, pairs (plain text is then
 * `seqA,seqB` lines, FASTA/FASTQ records are taken two at a time). Returns
 * NULL with err set on failure. */
gx_reader *gx_reader_open(const char *path, int pairs, int intr_fd, gx_err *err);
void gx_reader_close(gx_reader *r);

/* The input's name for messages ("<stdin>" for stdin). */
const char *gx_reader_name(const gx_reader *r);
/* The format, known after the first successful call. */
gx_format gx_reader_format(const gx_reader *r);
/* The input underneath, for progress figures. */
const gx_input *gx_reader_input(const gx_reader *r);
/* gx_input_on_block on the input underneath. */
void gx_reader_on_block(gx_reader *r, void (*fn)(void *ctx), void *ctx);

/* Reads the next record (records mode). Returns 1, 0 at the end, -1 with
 * err set. */
int gx_reader_record(gx_reader *r, gx_record *rec, gx_err *err);

/* Reads the next pair (pairs mode) into a and b. Returns 1, 0 at the end,
 * -1 with err set (an odd record count is an error at the end). */
int gx_reader_pair(gx_reader *r, gx_record *a, gx_record *b, gx_err *err);

/* Where a pair line lies in gx_reader_pair_lines' copy: the offsets of
 * its ',' and of its '\n'. It starts right after the previous line's '\n'
 * (the first at 0). */
typedef struct gx_cut {
    uint32_t comma, end;
} gx_cut;

/* Many pairs at once, in pairs mode: the run of usual pair lines at the
 * front of the input's buffer (exactly one ',', every other byte printable
 * ASCII other than space, ended by '\n' inside the buffer's whole 64-byte
 * words; no lookahead line pending), at most max lines and cap bytes with
 * their '\n's. Copies them to dst, stores where each lies in cut[], hands
 * them out (the line numbers advance) and returns how many. 0 (nothing
 * taken) when the next line is not such a line, or the format is not
 * pairs: gx_reader_pair then takes the next pair, with the same records
 * and every message. cap must stay below 2^32. */
size_t gx_reader_pair_lines(gx_reader *r, char *dst, size_t cap, size_t max, gx_cut *cut);

/* For the tests: the vector level gx_reader_pair_lines uses (0 SSE2, 1
 * AVX2, 2 AVX-512BW; the caller checks that the CPU has it), or -1 (the
 * default): the best the CPU has. The same lines at every level. */
extern int gx__lines_level;

#endif
