/*
 * output.h: one result line in each output format.
 *
 *   lesson  Edit_Distance(A, B) = D      (the lesson's Python, byte for byte)
 *   tsv     A<TAB>B<TAB>D
 *   jsonl   {"a":"A","b":"B","distance":D}   (strings JSON-escaped)
 *
 * and, from an alignment (gx_output_aligned):
 *
 *   tsv, jsonl with --cigar: the CIGAR after the distance, then outside
 *           global mode the span on B: A<TAB>B<TAB>D<TAB>CIGAR[<TAB>S<TAB>E]
 *           {..."distance":D,"cigar":"CIGAR"[,"start":S,"end":E]}
 *   paf     minimap2's PAF: A, its length, 0, its length, +, B, its length,
 *           the span on B, matches, alignment columns, 255, NM:i:D, cg:Z:
 *   pretty  `A vs B: distance D`, then blocks of three lines (A, a match
 *           line: '|' match, '.' mismatch, ' ' gap; B with '-' in gaps),
 *           each line at most 80 columns with the 1-based first and last
 *           positions shown, each block followed by an empty line
 *
 * Guarantees: lines are assembled in a gx_out, a fixed buffer (128 KiB)
 * in front of a stdio stream: bytes reach the stream in order, in one
 * write(2) per full buffer (one fwrite for a stream without a descriptor),
 * so a million short lines cost a few hundred system calls, and only
 * gx_out_flush pushes out what is held. A write error is sticky: every
 * later call returns -1 and writes nothing more.
 */
#ifndef GENOMICS_OUTPUT_H
#define GENOMICS_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <workq/kernels.h>

#include "items.h"

typedef enum gx_outfmt {
    GX_OUT_LESSON = 0,
    GX_OUT_TSV,
    GX_OUT_JSONL,
    GX_OUT_PAF,
    GX_OUT_PRETTY
} gx_outfmt;

/* The output buffer: callers embed it and see only the calls below. */
enum { GX_OUT_BUF = 1 << 17 };
typedef struct gx_out {
    FILE *f;
    int fd;     /* f's descriptor, or -1 (a memory stream) */
    size_t n;   /* bytes held in buf */
    int failed; /* a write failed: every later call fails */
    int lines;  /* a terminal: each line goes to stdio at once, as before */
    char buf[GX_OUT_BUF];
} gx_out;

/* An empty buffer in front of f. When f is a terminal, each record is
 * handed to stdio as it ends (a person sees each result at once). */
void gx_out_init(gx_out *o, FILE *f);

/* Hands the bytes held to the stream and flushes it. Returns 0, or -1 when
 * a write failed now or before (errno from the failing call). */
int gx_out_flush(gx_out *o);

/* Parses "lesson", "tsv", "jsonl", "paf" or "pretty"; -1 for anything else. */
int gx_outfmt_parse(const char *s, gx_outfmt *fmt);

/* Whether fmt (with --cigar when cigar) prints from an alignment. */
int gx_outfmt_aligns(gx_outfmt fmt, int cigar);

/* What an aligned line shows besides the names and the distance. */
typedef struct gx_aligned {
    const char *a, *b; /* the compared bytes */
    size_t alen, blen;
    const wq_alignment *al; /* of a against b */
    int span;               /* tsv and jsonl: print the span (not global mode) */
} gx_aligned;

/* Writes one result from its alignment, in fmt (tsv, jsonl, paf or
 * pretty). Returns 0, or -1 when the stream is in error. */
int gx_output_aligned(gx_out *o, gx_outfmt fmt, const char *na, size_t nalen, const char *nb,
                      size_t nblen, const gx_aligned *x);

/* Writes one result. Returns 0, or -1 when the stream is in error. */
int gx_output(gx_out *o, gx_outfmt fmt, const char *a, size_t alen, const char *b, size_t blen,
              size_t distance);

/* gx_output for each of items[0..n) whose distance dist[k] is at most
 * max_distance, the names as the items say (lesson, tsv or jsonl). Returns
 * 0, or -1 when the stream is in error (nothing more is written). */
int gx_output_items(gx_out *o, gx_outfmt fmt, const gx_item *items, const size_t *dist, size_t n,
                    size_t max_distance);

/* One cluster (--cluster; tsv for any format but lesson and jsonl), members fetched one by one
 * through member(ctx, m, &s, &len) for m in [0, size): lesson  Cluster N: SIZE records,
 * representative REP: M1, M2, ... tsv     SIZE<TAB>REP<TAB>M1,M2,... jsonl
 * {"cluster":N,"size":SIZE,"representative":"REP","members":[...]} N counts clusters from 1.
 * Returns 0, or -1 when the stream is in error. */
typedef void (*gx_member_fn)(void *ctx, size_t m, const char **s, size_t *len);
int gx_output_cluster(gx_out *o, gx_outfmt fmt, size_t ordinal, size_t size, const char *rep,
                      size_t replen, gx_member_fn member, void *ctx);

#endif
