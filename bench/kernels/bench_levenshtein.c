/* bench_levenshtein: workq's Levenshtein beside edlib (NW, distance only)
 * and, when built with it, WFA2-lib twice (edit metric, score only, end to
 * end): exact (heuristic.strategy = wf_heuristic_none) and as a user gets it
 * by default (the adaptive heuristic, which may overestimate), on the same
 * deterministic random DNA pairs, one thread. Each set is timed in
 * alternating runs (workq, edlib, WFA2, WFA2 default, workq, ...); the table
 * shows pairs/s, GCUPS (n*m cells per second) and seconds at the median,
 * the fastest and slowest round, and workq's speed-up over each peer at the
 * median. workq's and WFA2 exact's distances are checked against edlib's
 * on every pair (exit 1 if any differ); for WFA2 default the count of
 * pairs it overestimates is shown. The sets: unrelated pairs (issue 3) and
 * related pairs at 1-5% edits (issue 9). Usage: bench_levenshtein [runs [set]]
 * (set: only the sets whose name contains it) */
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

#include "bench_util.h"
#include "test_seq.h"

typedef struct set {
    const char *name;
    size_t len;       /* length of the first side */
    size_t npairs;    /* pairs in the set */
    unsigned edit_pm; /* 0: unrelated pairs; else the second side is the
                         first with edits at this rate per mille */
} set;

/* DNA pairs from a fixed seed (tests/common/test_seq.h, the tests'
 * generator): random, or a random side and a copy of it with random
 * substitutions, insertions and deletions at edit_pm per mille. */
static char *make_pairs(const set *s, wq_pair *pairs, uint64_t seed) {
    char *buf = malloc(3 * s->len * s->npairs);
    if (!buf)
        return NULL;
    for (size_t p = 0; p < s->npairs; p++) {
        unsigned char *a = (unsigned char *)buf + 3 * p * s->len, *b = a + s->len;
        kseq_fill(&seed, a, s->len, 4);
        size_t m = s->len;
        if (s->edit_pm)
            m = kseq_mutate_pm(&seed, a, s->len, b, s->edit_pm, 4);
        else
            kseq_fill(&seed, b, m, 4);
        pairs[p] = (wq_pair){(const char *)a, (const char *)b, s->len, m};
    }
    return buf;
}

static void run_workq(const wq_pair *pairs, size_t n, size_t *d) {
    if (wq_levenshtein_batch(pairs, d, n, NULL) != 0) {
        fprintf(stderr, "bench_levenshtein: out of memory\n");
        exit(1);
    }
}

static void run_edlib(const wq_pair *pairs, size_t n, size_t *d) {
    EdlibAlignConfig cfg = edlibNewAlignConfig(-1, EDLIB_MODE_NW, EDLIB_TASK_DISTANCE, NULL, 0);
    for (size_t p = 0; p < n; p++) {
        EdlibAlignResult r =
            edlibAlign(pairs[p].a, (int)pairs[p].alen, pairs[p].b, (int)pairs[p].blen, cfg);
        d[p] = (size_t)r.editDistance;
        edlibFreeAlignResult(r);
    }
}

#ifdef WQ_BENCH_WFA2
/* One aligner for the whole set, as a caller would keep it: edit distance,
 * score only, high memory mode (the fastest for score-only runs here). */
static wavefront_aligner_t *wfa_new(int exact) {
    wavefront_aligner_attr_t attr = wavefront_aligner_attr_default;
    attr.distance_metric = edit;
    attr.alignment_scope = compute_score;
    attr.alignment_form.span = alignment_end2end;
    if (exact)
        attr.heuristic.strategy = wf_heuristic_none;
    attr.memory_mode = wavefront_memory_high;
    return wavefront_aligner_new(&attr);
}

static void run_wfa(wavefront_aligner_t *wf, const wq_pair *pairs, size_t n, size_t *d) {
    for (size_t p = 0; p < n; p++) {
        int st =
            wavefront_align(wf, pairs[p].a, (int)pairs[p].alen, pairs[p].b, (int)pairs[p].blen);
        d[p] = st == WF_STATUS_SUCCESSFUL ? (size_t)abs(wf->cigar->score) : (size_t)-1;
    }
}
#define N_WHO 4
#else
#define N_WHO 2
#endif

static const char *const who_name[] = {"workq", "edlib", "WFA2", "WFA2-d"};

/* Times the peers on one set of pairs, alternating; dist[w] gets peer w's
 * distances and t[w][r] its time in round r. */
static void time_peers(const set *s, const wq_pair *pairs, size_t *dist[], double t[][16],
                       int runs) {
#ifdef WQ_BENCH_WFA2
    wavefront_aligner_t *wf = wfa_new(1), *wfd = wfa_new(0);
    if (!wf || !wfd) {
        fprintf(stderr, "bench_levenshtein: out of memory\n");
        exit(1);
    }
#endif
    for (int r = 0; r < runs; r++) {
        double t0 = bench_now();
        run_workq(pairs, s->npairs, dist[0]);
        double t1 = bench_now();
        run_edlib(pairs, s->npairs, dist[1]);
        double t2 = bench_now();
        t[0][r] = t1 - t0;
        t[1][r] = t2 - t1;
#ifdef WQ_BENCH_WFA2
        run_wfa(wf, pairs, s->npairs, dist[2]);
        double t3 = bench_now();
        run_wfa(wfd, pairs, s->npairs, dist[3]);
        t[2][r] = t3 - t2;
        t[3][r] = bench_now() - t3;
#endif
    }
#ifdef WQ_BENCH_WFA2
    wavefront_aligner_delete(wf);
    wavefront_aligner_delete(wfd);
#endif
}

static int bench_set(const set *s, int runs) {
    wq_pair *pairs = malloc(s->npairs * sizeof *pairs);
    size_t *dist[N_WHO];
    int nomem = !pairs;
    for (int w = 0; w < N_WHO; w++)
        nomem |= !(dist[w] = malloc(s->npairs * sizeof *dist[w]));
    char *buf = nomem ? NULL : make_pairs(s, pairs, 2024 + s->len);
    if (!buf) {
        fprintf(stderr, "bench_levenshtein: out of memory\n");
        return 1;
    }
    double t[N_WHO][16], med[N_WHO];
    time_peers(s, pairs, dist, t, runs);
    double cells = 0;
    size_t bad = 0, over[N_WHO] = {0};
    for (size_t p = 0; p < s->npairs; p++) {
        cells += (double)pairs[p].alen * (double)pairs[p].blen;
        for (int w = 0; w < N_WHO; w++) {
            if (w < 3)
                bad += dist[w][p] != dist[1][p];
            else
                over[w] += dist[w][p] != dist[1][p];
        }
    }
    for (int w = 0; w < N_WHO; w++) {
        bench_spread sp = bench_spread_of(t[w], (size_t)runs);
        med[w] = sp.median;
        printf("%-18s %-6s %12.0f %8.2f %9.4f %9.4f %9.4f", w ? "" : s->name, who_name[w],
               (double)s->npairs / med[w], cells / med[w] * 1e-9, med[w], sp.min, sp.max);
        if (w)
            printf("  workq %.2fx", med[w] / med[0]);
        if (w == 3 && over[w])
            printf("  (%zu of %zu distances too high)", over[w], s->npairs);
        printf("%s\n", w == N_WHO - 1 && bad ? "   DISTANCES DIFFER" : "");
    }
    free(buf);
    free(pairs);
    for (int w = 0; w < N_WHO; w++)
        free(dist[w]);
    return bad != 0;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1 || runs > 16)
        runs = 5;
    static const set sets[] = {
        /* issue 3: unrelated pairs */
        {"1M pairs x 14", 14, 1000000, 0},
        /* issue 18: patterns of 33..64 bytes (the 64-bit lanes) */
        {"100k pairs x 50", 50, 100000, 0},
        {"4000 pairs x 500", 500, 4000, 0},
        {"20 pairs x 10000", 10000, 20, 0},
        /* issue 9: related pairs at several divergences */
        {"20 x 100k at 1%", 100000, 20, 10},
        {"200 x 10k at 5%", 10000, 200, 50},
        {"4000 x 500 at 2%", 500, 4000, 20},
    };
    bench_print_cpu();
    printf("one thread, DNA (random, or a random side and a mutated copy), median of %d "
           "alternating runs\n",
           runs);
    printf("%-18s %-6s %12s %8s %9s %9s %9s\n", "set", "who", "pairs/s", "GCUPS", "median s",
           "min s", "max s");
    int bad = 0;
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        if (argc < 3 || strstr(sets[i].name, argv[2]))
            bad |= bench_set(&sets[i], runs);
    return bad;
}
