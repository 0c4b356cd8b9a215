/*
 * bench_engine: task throughput of workq against its peers, in one run.
 *
 *   1. N empty tasks on T threads: wq_submit + wq_wait, GLib's GThreadPool
 *      (push, then free with wait), OpenMP tasks (one producer, taskwait).
 *      Each round times pool creation, submission, completion and teardown.
 *   2. M trivial items: wq_map against submitting each item as its own task.
 *
 * Rounds alternate between the contenders and each figure is the median,
 * so a noisy machine slows all of them alike. Prints a Markdown table.
 * Usage: bench_engine [TASKS [THREADS [ROUNDS [ITEMS]]]]
 */
#define _POSIX_C_SOURCE 200809L
#include <glib.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <workq/workq.h>

#include "bench_util.h"

static void empty_task(void *arg) {
    (void)arg;
}

static double run_workq(unsigned threads, size_t n) {
    double t0 = bench_now();
    wq_pool *p = wq_pool_create(threads);
    if (!p) {
        perror("wq_pool_create");
        exit(1);
    }
    for (size_t i = 0; i < n; i++)
        if (wq_submit(p, empty_task, NULL) != 0)
            exit(1);
    wq_wait(p);
    wq_pool_destroy(p);
    return bench_now() - t0;
}

static void glib_task(gpointer data, gpointer user) {
    (void)data;
    (void)user;
}

static double run_glib(unsigned threads, size_t n) {
    double t0 = bench_now();
    GThreadPool *p = g_thread_pool_new(glib_task, NULL, (gint)threads, TRUE, NULL);
    for (size_t i = 0; i < n; i++)
        g_thread_pool_push(p, GINT_TO_POINTER(1), NULL);
    g_thread_pool_free(p, FALSE, TRUE);
    return bench_now() - t0;
}

static double run_omp(unsigned threads, size_t n) {
    double t0 = bench_now();
#pragma omp parallel num_threads(threads)
#pragma omp single
    {
        for (size_t i = 0; i < n; i++) {
#pragma omp task
            empty_task(NULL);
        }
#pragma omp taskwait
    }
    return bench_now() - t0;
}

/* A trivial item: out = in * 3 + 1. */
static int triple(const void *in, void *out, void *ctx) {
    (void)ctx;
    uint64_t x;
    memcpy(&x, in, sizeof x);
    x = 3 * x + 1;
    memcpy(out, &x, sizeof x);
    return 0;
}

static const wq_kernel k_triple = {"triple", triple, NULL, 8, 8, NULL};

struct item_task {
    const uint64_t *in;
    uint64_t *out;
};

static void item_task(void *arg) {
    struct item_task *t = arg;
    triple(t->in, t->out, NULL);
}

static double run_map(wq_pool *p, const uint64_t *in, uint64_t *out, size_t m) {
    double t0 = bench_now();
    if (wq_map(p, &k_triple, NULL, in, out, m, NULL) != 0)
        exit(1);
    return bench_now() - t0;
}

static double run_one_by_one(wq_pool *p, const uint64_t *in, uint64_t *out, size_t m,
                             struct item_task *tasks) {
    double t0 = bench_now();
    for (size_t i = 0; i < m; i++) {
        tasks[i] = (struct item_task){&in[i], &out[i]};
        if (wq_submit(p, item_task, &tasks[i]) != 0)
            exit(1);
    }
    wq_wait(p);
    return bench_now() - t0;
}

static void bench_items(unsigned threads, size_t m, int rounds) {
    uint64_t *in = malloc(m * sizeof *in), *out = malloc(m * sizeof *out);
    struct item_task *tasks = malloc(m * sizeof *tasks);
    double *tm = malloc(rounds * sizeof *tm), *ts = malloc(rounds * sizeof *ts);
    if (!in || !out || !tasks || !tm || !ts)
        exit(1);
    for (size_t i = 0; i < m; i++)
        in[i] = i;
    wq_pool *p = wq_pool_create(threads);
    for (int r = 0; r < rounds; r++) {
        tm[r] = run_map(p, in, out, m);
        ts[r] = run_one_by_one(p, in, out, m, tasks);
    }
    wq_pool_destroy(p);
    double a = bench_median(tm, rounds), b = bench_median(ts, rounds);
    printf("\n| %zu trivial items, %u threads | median s | items/s | vs wq_map |\n", m, threads);
    printf("|---|---|---|---|\n");
    printf("| wq_map | %.4f | %.3g | 1.00 |\n", a, m / a);
    printf("| wq_submit per item | %.4f | %.3g | %.3f |\n", b, m / b, a / b);
    printf("\nwq_map is %.1fx faster than one task per item\n", b / a);
    printf("#tsv items\t%u\t%.0f\t%.0f\n", threads, m / a, m / b);
    free(in);
    free(out);
    free(tasks);
    free(tm);
    free(ts);
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    unsigned threads = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2;
    int rounds = argc > 3 ? atoi(argv[3]) : 7;
    size_t m = argc > 4 ? strtoull(argv[4], NULL, 10) : 10000000;
    if (!n || !threads || rounds < 1 || !m) {
        fprintf(stderr, "usage: bench_engine [TASKS [THREADS [ROUNDS [ITEMS]]]]\n");
        return 2;
    }
    double *tw = malloc(rounds * sizeof *tw), *tg = malloc(rounds * sizeof *tg),
           *to = malloc(rounds * sizeof *to);
    if (!tw || !tg || !to)
        return 1;
    bench_print_cpu();
    for (int r = 0; r < rounds; r++) {
        tw[r] = run_workq(threads, n);
        tg[r] = run_glib(threads, n);
        to[r] = run_omp(threads, n);
    }
    double w = bench_median(tw, rounds), g = bench_median(tg, rounds), o = bench_median(to, rounds);
    printf("\n| %zu empty tasks, %u threads | median s | tasks/s | workq speed-up |\n", n, threads);
    printf("|---|---|---|---|\n");
    printf("| workq wq_submit + wq_wait | %.4f | %.3g | 1.00 |\n", w, n / w);
    printf("| GLib GThreadPool | %.4f | %.3g | %.2fx |\n", g, n / g, g / w);
    printf("| OpenMP tasks (libgomp) | %.4f | %.3g | %.2fx |\n", o, n / o, o / w);
    printf("\nworkq/GLib throughput ratio: %.2f (median of %d alternating rounds)\n", g / w,
           rounds);
    /* One machine-readable line for bench/run.sh's plots: tasks/s. */
    printf("#tsv engine\t%u\t%.0f\t%.0f\t%.0f\n", threads, n / w, n / g, n / o);
    bench_items(threads, m, rounds);
    free(tw);
    free(tg);
    free(to);
    return 0;
}
