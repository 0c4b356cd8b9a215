/*
 * align_pairs: one process, one thread, one aligner over a file of
 * `seqA,seqB` lines (bench/genomics/make_inputs.py), printing
 * `distance<TAB>extended CIGAR` per pair, so that bench/run.sh can time the
 * whole process of each peer on the same file (timeit.py: alternating
 * rounds, peak RSS) and check that the distances agree.
 *
 *   align_pairs workq FILE   wq_align, global mode
 *   align_pairs edlib FILE   edlibAlign with EDLIB_TASK_PATH, then
 *                            edlibAlignmentToCigar(EDLIB_CIGAR_EXTENDED)
 *   align_pairs wfa2 FILE    WFA2-lib, edit metric, end to end, full
 *                            alignment, no heuristic, ultralow memory mode
 *                            (BiWFA) for pairs over 20 kb, high below
 *
 * The CIGARs may differ where paths tie; the distances may not.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <edlib.h>
#include <workq/kernels.h>

#ifdef WQ_BENCH_WFA2
/* WFA2-lib's headers use uint64_t, bool and struct timespec without
 * including their headers: the includes above come first for that. */
#include <wavefront/wavefront_align.h>
#endif

/* Run-length encodes ops (one char per column) into out (room for 21 per
 * run + 1). */
static size_t rle(const char *ops, size_t n, char *out) {
    size_t len = 0;
    for (size_t k = 0; k < n;) {
        size_t e = k;
        while (e < n && ops[e] == ops[k])
            e++;
        len += (size_t)sprintf(out + len, "%zu%c", e - k, ops[k]);
        k = e;
    }
    out[len] = '\0';
    return len;
}

typedef struct peer {
    wq_alignment al;
#ifdef WQ_BENCH_WFA2
    wavefront_aligner_t *wf_high, *wf_low;
#endif
    char *buf;
    size_t cap;
} peer;

static char *room(peer *p, size_t need) {
    if (need > p->cap) {
        free(p->buf);
        p->cap = need;
        p->buf = malloc(need);
        if (!p->buf) {
            fprintf(stderr, "align_pairs: out of memory\n");
            exit(1);
        }
    }
    return p->buf;
}

static int one(peer *p, const char *tool, const char *a, size_t n, const char *b, size_t m) {
    if (!strcmp(tool, "workq")) {
        if (wq_align(a, n, b, m, WQ_ALIGN_GLOBAL, &p->al))
            return -1;
        printf("%zu\t%s\n", p->al.distance, p->al.cigar);
        return 0;
    }
    if (!strcmp(tool, "edlib")) {
        EdlibAlignResult r = edlibAlign(
            a, (int)n, b, (int)m, edlibNewAlignConfig(-1, EDLIB_MODE_NW, EDLIB_TASK_PATH, NULL, 0));
        char *cg = edlibAlignmentToCigar(r.alignment, r.alignmentLength, EDLIB_CIGAR_EXTENDED);
        printf("%d\t%s\n", r.editDistance, cg ? cg : "");
        free(cg);
        edlibFreeAlignResult(r);
        return 0;
    }
#ifdef WQ_BENCH_WFA2
    if (!strcmp(tool, "wfa2")) {
        wavefront_aligner_t *wf = n + m > 40000 ? p->wf_low : p->wf_high;
        if (wavefront_align(wf, a, (int)n, b, (int)m) != WF_STATUS_SUCCESSFUL)
            return -1;
        cigar_t *c = wf->cigar;
        size_t len = (size_t)(c->end_offset - c->begin_offset);
        char *ops = room(p, 23 * len + 1), *out = ops + len;
        for (size_t k = 0; k < len; k++) { /* WFA2's I and D read from the text */
            char o = c->operations[c->begin_offset + (int)k];
            ops[k] = o == 'M' ? '=' : o == 'I' ? 'D' : o == 'D' ? 'I' : o;
        }
        rle(ops, len, out);
        printf("%d\t%s\n", abs(c->score), out);
        return 0;
    }
#endif
    return -2;
}

#ifdef WQ_BENCH_WFA2
static wavefront_aligner_t *wfa_new(wavefront_memory_t mode) {
    wavefront_aligner_attr_t attr = wavefront_aligner_attr_default;
    attr.distance_metric = edit;
    attr.alignment_scope = compute_alignment;
    attr.alignment_form.span = alignment_end2end;
    attr.heuristic.strategy = wf_heuristic_none;
    attr.memory_mode = mode;
    return wavefront_aligner_new(&attr);
}
#endif

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: align_pairs workq|edlib|wfa2 FILE\n");
        return 2;
    }
    FILE *in = fopen(argv[2], "r");
    if (!in) {
        perror(argv[2]);
        return 1;
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    peer p;
    memset(&p, 0, sizeof p);
#ifdef WQ_BENCH_WFA2
    p.wf_high = wfa_new(wavefront_memory_high);
    p.wf_low = wfa_new(wavefront_memory_ultralow);
#endif
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, in)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *comma = strchr(line, ',');
        if (!comma)
            continue;
        size_t n = (size_t)(comma - line), m = (size_t)len - n - 1;
        rc = one(&p, argv[1], line, n, comma + 1, m);
    }
    if (rc)
        fprintf(stderr, "align_pairs: %s\n", rc == -2 ? "unknown tool" : "alignment failed");
    free(line);
    free(p.buf);
    wq_alignment_free(&p.al);
#ifdef WQ_BENCH_WFA2
    wavefront_aligner_delete(p.wf_high);
    wavefront_aligner_delete(p.wf_low);
#endif
    fclose(in);
    return rc ? 1 : fflush(stdout) ? 1 : 0;
}
