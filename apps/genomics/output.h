/*
 * output.h: one result line in each output format.
 *
 *   lesson  Edit_Distance(A, B) = D      (the lesson's Python, byte for byte)
 *   tsv     A<TAB>B<TAB>D
 *   jsonl   {"a":"A","b":"B","distance":D}   (strings JSON-escaped)
 *
 * Guarantees: one line per call, written with stdio to the given stream;
 * the return value says whether the stream has failed (it is sticky, so a
 * caller may check it on every line for free).
 */
#ifndef GENOMICS_OUTPUT_H
#define GENOMICS_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

typedef enum gx_outfmt { GX_OUT_LESSON = 0, GX_OUT_TSV, GX_OUT_JSONL } gx_outfmt;

/* Parses "lesson", "tsv" or "jsonl"; -1 for anything else. */
int gx_outfmt_parse(const char *s, gx_outfmt *fmt);

/* Writes one result. Returns 0, or -1 when the stream is in error. */
int gx_output(FILE *f, gx_outfmt fmt, const char *a, size_t alen, const char *b, size_t blen,
              size_t distance);

#endif
