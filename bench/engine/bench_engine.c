/*
 * bench_engine: task throughput of workq against its peers, in one run.
 *
 *   1. N empty tasks on T threads: wq_submit + wq_wait, GLib's GThreadPool
 *      (push, then free with wait), OpenMP tasks (one producer, taskwait),
 *      and, for reference, wq_submit_many (1024 tasks per call), and a
 *      bounded pool with caller-runs (wq_pool_create_ex, max_queued = 64 x
 *      threads, libgomp's threshold): when the queue is full the producer
 *      runs the task itself, as libgomp's does. Each round times pool
 *      creation, submission, completion and teardown.
 *   2. M trivial items: wq_map against submitting each item as its own task.
 *
 * After one untimed warm-up round each, rounds alternate between the
 * contenders (in reverse order every second round), so a noisy machine
 * slows all of them alike; each prints min, median and max, and per round
 * (getrusage, median) the process's CPU time, context switches and minor
 * page faults, and the futex calls per 1000 tasks of one extra,
 * untimed round run under `strace -f -c -e trace=futex` (n/a without
 * strace; tracing slows each futex call, so the count is an indication).
 * The speed-up lines compare each round with the same round of the peer:
 * their median and their worst (the worst ratio of one round, not workq's
 * worst round against the peer's best). A table shows workq's and OpenMP's
 * rounds side by side, with the share of OpenMP's tasks that its producer
 * ran itself (libgomp runs a task in the creating thread while more than
 * 64 per thread wait; wq_submit on the default pool never runs a task in
 * the caller), and the bounded pool's rounds with the share its producer
 * ran. Every contender's task body is the same thread-local increment.
 * Usage: bench_engine [TASKS [THREADS [ROUNDS [ITEMS]]]]
 *        bench_engine --one CONTENDER THREADS TASKS   (one round: prints seconds)
 */
#define _POSIX_C_SOURCE 200809L
#include <glib.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <workq/workq.h>

#include "bench_util.h"

/* Tasks run by the current thread: the one thing every contender's task
 * does (a thread-local increment), so that bench_tasks can tell how many of
 * libgomp's tasks its producer ran itself. */
static _Thread_local size_t tl_ran;

static void empty_task(void *arg) {
    (void)arg;
    tl_ran++;
}

static wq_pool *pool_or_die(unsigned threads) {
    wq_pool *p = wq_pool_create(threads);
    if (!p) {
        perror("wq_pool_create");
        exit(1);
    }
    return p;
}

/* Share of the last bounded round's tasks that the producer ran itself. */
static double bounded_producer_share;

static double run_workq_bounded(unsigned threads, size_t n) {
    double t0 = bench_now();
    wq_pool_opts o = {.max_queued = 64 * (size_t)threads, .when_full = WQ_FULL_CALLER_RUNS};
    wq_pool *p = wq_pool_create_ex(threads, &o);
    if (!p) {
        perror("wq_pool_create_ex");
        exit(1);
    }
    tl_ran = 0;
    for (size_t i = 0; i < n; i++)
        if (wq_submit(p, empty_task, NULL) != 0)
            exit(1);
    size_t by_producer = tl_ran;
    wq_wait(p);
    wq_pool_destroy(p);
    double t = bench_now() - t0;
    bounded_producer_share = (double)by_producer / (double)n;
    return t;
}

static double run_workq(unsigned threads, size_t n) {
    double t0 = bench_now();
    wq_pool *p = pool_or_die(threads);
    for (size_t i = 0; i < n; i++)
        if (wq_submit(p, empty_task, NULL) != 0)
            exit(1);
    wq_wait(p);
    wq_pool_destroy(p);
    return bench_now() - t0;
}

enum { MANY = 1024 };

static double run_workq_many(unsigned threads, size_t n) {
    static void *args[MANY];
    double t0 = bench_now();
    wq_pool *p = pool_or_die(threads);
    for (size_t i = 0; i < n; i += MANY)
        if (wq_submit_many(p, empty_task, args, n - i < MANY ? n - i : MANY) != 0)
            exit(1);
    wq_wait(p);
    wq_pool_destroy(p);
    return bench_now() - t0;
}

static void glib_task(gpointer data, gpointer user) {
    (void)data;
    (void)user;
    tl_ran++;
}

static double run_glib(unsigned threads, size_t n) {
    double t0 = bench_now();
    GThreadPool *p = g_thread_pool_new(glib_task, NULL, (gint)threads, TRUE, NULL);
    for (size_t i = 0; i < n; i++)
        g_thread_pool_push(p, GINT_TO_POINTER(1), NULL);
    g_thread_pool_free(p, FALSE, TRUE);
    return bench_now() - t0;
}

/* Share of the last OpenMP round's tasks that its producer ran itself:
 * libgomp runs a task at once, in the thread creating it, while more than
 * 64 per thread wait (GOMP_task's task_count > 64 * nthreads), and the
 * producer also runs queued ones in taskwait. */
static double omp_producer_share;

static double run_omp(unsigned threads, size_t n) {
    size_t by_producer = 0;
    double t0 = bench_now();
#pragma omp parallel num_threads(threads)
    {
        tl_ran = 0;
#pragma omp single
        {
            for (size_t i = 0; i < n; i++) {
#pragma omp task
                empty_task(NULL);
            }
#pragma omp taskwait
            by_producer = tl_ran;
        }
    }
    double t = bench_now() - t0;
    omp_producer_share = (double)by_producer / (double)n;
    return t;
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

typedef struct contender {
    const char *name; /* for --one */
    const char *label;
    double (*run)(unsigned threads, size_t n);
} contender;

static const contender contenders[] = {
    {"workq", "workq wq_submit + wq_wait", run_workq},
    {"glib", "GLib GThreadPool", run_glib},
    {"omp", "OpenMP tasks (libgomp)", run_omp},
    {"workq_bounded", "workq bounded, caller-runs (64 x threads queued) wq_submit + wq_wait",
     run_workq_bounded},
    {"workq_many", "workq wq_submit_many (1024 per call)", run_workq_many},
};
enum { NC = sizeof contenders / sizeof *contenders, WQ = 0, GLIB = 1, OMP = 2, BQ = 3 };

/* What getrusage counts for the whole process. */
typedef struct usage {
    double csw, faults, cpu; /* context switches, minor page faults, CPU seconds */
} usage;

static usage usage_now(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return (usage){0, 0, 0};
    return (usage){(double)(ru.ru_nvcsw + ru.ru_nivcsw), (double)ru.ru_minflt,
                   (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)};
}

/* Futex calls of one round of contender c under strace, or -1. */
static long futex_calls(const char *self, const contender *c, unsigned threads, size_t n) {
    char out[] = "/tmp/bench_engine_strace_XXXXXX", cmd[1024], line[256];
    int fd = mkstemp(out);
    if (fd < 0)
        return -1;
    close(fd);
    snprintf(cmd, sizeof cmd,
             "strace -f -qq -c -e trace=futex -o %s %s --one %s %u %zu >/dev/null 2>&1", out, self,
             c->name, threads, n);
    long calls = -1;
    if (system(cmd) == 0) {
        FILE *f = fopen(out, "r");
        while (f && fgets(line, sizeof line, f)) {
            /* "% time seconds usecs/call calls [errors] syscall" */
            char *tok[8];
            int nt = 0;
            for (char *p = strtok(line, " \t\n"); p && nt < 8; p = strtok(NULL, " \t\n"))
                tok[nt++] = p;
            if (nt >= 5 && strcmp(tok[nt - 1], "futex") == 0)
                calls = atol(tok[3]);
        }
        if (f)
            fclose(f);
    }
    remove(out);
    return calls;
}

/* Per-round speed-up of workq over peer: median and worst. */
static void ratios(const double *tw, const double *tp, int rounds, double *med, double *worst) {
    double *r = malloc(rounds * sizeof *r);
    if (!r)
        exit(1);
    for (int i = 0; i < rounds; i++)
        r[i] = tp[i] / tw[i];
    bench_spread s = bench_spread_of(r, (size_t)rounds);
    *worst = s.min;
    *med = s.median;
    free(r);
}

static void bench_tasks(const char *self, unsigned threads, size_t n, int rounds) {
    double *t[NC], *cs[NC], *pf[NC], *cpu[NC];
    double *share = malloc(rounds * sizeof *share);   /* OpenMP producer's */
    double *bshare = malloc(rounds * sizeof *bshare); /* bounded producer's */
    if (!share || !bshare)
        exit(1);
    for (int c = 0; c < NC; c++) {
        t[c] = malloc(rounds * sizeof *t[c]);
        cs[c] = malloc(rounds * sizeof *cs[c]);
        pf[c] = malloc(rounds * sizeof *pf[c]);
        cpu[c] = malloc(rounds * sizeof *cpu[c]);
        if (!t[c] || !cs[c] || !pf[c] || !cpu[c])
            exit(1);
    }
    /* One untimed warm-up round each (first-use costs: libraries' lazy
     * set-up, the allocator's first growth), then timed rounds alternating,
     * in the other order every second round, so that no contender always
     * runs right after the same one. */
    for (int c = 0; c < NC; c++)
        contenders[c].run(threads, n);
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < NC; k++) {
            int c = r % 2 ? NC - 1 - k : k;
            usage before = usage_now();
            t[c][r] = contenders[c].run(threads, n);
            usage after = usage_now();
            cs[c][r] = after.csw - before.csw;
            pf[c][r] = after.faults - before.faults;
            cpu[c][r] = after.cpu - before.cpu;
            if (c == OMP)
                share[r] = omp_producer_share;
            if (c == BQ)
                bshare[r] = bounded_producer_share;
        }
    printf("\n| %zu empty tasks, %u threads | min s | median s | max s | tasks/s (median) "
           "| CPU s per round | context switches per round | page faults per round "
           "| futex calls per 1000 tasks |\n",
           n, threads);
    printf("|---|---|---|---|---|---|---|---|---|\n");
    double med[NC];
    for (int c = 0; c < NC; c++) {
        bench_spread s = bench_spread_of(t[c], (size_t)rounds);
        med[c] = s.median;
        long fx = futex_calls(self, &contenders[c], threads, n);
        char fxs[32] = "n/a";
        if (fx >= 0)
            snprintf(fxs, sizeof fxs, "%.1f", 1000.0 * (double)fx / (double)n);
        printf("| %s | %.4f | %.4f | %.4f | %.3g | %.4f | %.0f | %.0f | %s |\n",
               contenders[c].label, s.min, s.median, s.max, n / s.median,
               bench_spread_of(cpu[c], (size_t)rounds).median,
               bench_spread_of(cs[c], (size_t)rounds).median,
               bench_spread_of(pf[c], (size_t)rounds).median, fxs);
    }
    double gm, gw, om, ow, bgm, bgw, bom, bow;
    ratios(t[WQ], t[GLIB], rounds, &gm, &gw);
    ratios(t[WQ], t[OMP], rounds, &om, &ow);
    ratios(t[BQ], t[GLIB], rounds, &bgm, &bgw);
    ratios(t[BQ], t[OMP], rounds, &bom, &bow);
    /* Round by round: the worst ratio is that of one round, not the worst
     * workq round against the best OpenMP one. */
    printf("\n| round | workq s | OpenMP s | tasks OpenMP's producer ran itself | speed-up "
           "| workq bounded s | tasks its producer ran itself | bounded vs OpenMP "
           "| bounded vs GLib |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    for (int r = 0; r < rounds; r++)
        printf("| %d | %.4f | %.4f | %.1f%% | %.2fx | %.4f | %.1f%% | %.2fx | %.2fx |\n", r + 1,
               t[WQ][r], t[OMP][r], 100.0 * share[r], t[OMP][r] / t[WQ][r], t[BQ][r],
               100.0 * bshare[r], t[OMP][r] / t[BQ][r], t[GLIB][r] / t[BQ][r]);
    printf("\nworkq wq_submit speed-up, per round (%d alternating rounds): "
           "vs GLib median %.2fx, worst %.2fx; vs OpenMP median %.2fx, worst %.2fx\n",
           rounds, gm, gw, om, ow);
    printf("workq bounded caller-runs speed-up, per round: "
           "vs GLib median %.2fx, worst %.2fx; vs OpenMP median %.2fx, worst %.2fx\n",
           bgm, bgw, bom, bow);
    /* Machine-readable for bench/run.sh: threads, median tasks/s of workq,
     * GLib, OpenMP, then the speed-ups (median, worst) vs GLib and OpenMP. */
    printf("#tsv engine\t%u\t%.0f\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\n", threads, n / med[WQ],
           n / med[GLIB], n / med[OMP], gm, gw, om, ow);
    /* The bounded pool: threads, median tasks/s, speed-ups vs GLib and
     * OpenMP (median, worst). */
    printf("#tsv bounded\t%u\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\n", threads, n / med[BQ], bgm, bgw, bom,
           bow);
    free(share);
    free(bshare);
    for (int c = 0; c < NC; c++) {
        free(t[c]);
        free(cs[c]);
        free(pf[c]);
        free(cpu[c]);
    }
}

/* --one NAME THREADS TASKS: one round of one contender (for strace, and
 * for A/B runs of two builds); prints its seconds. */
static int run_one(char **argv) {
    for (int c = 0; c < NC; c++)
        if (strcmp(argv[2], contenders[c].name) == 0) {
            printf("%.6f\n", contenders[c].run((unsigned)strtoul(argv[3], NULL, 10),
                                               strtoull(argv[4], NULL, 10)));
            return 0;
        }
    return 2;
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "--one") == 0)
        return run_one(argv);
    size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
    unsigned threads = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2;
    int rounds = argc > 3 ? atoi(argv[3]) : 7;
    size_t m = argc > 4 ? strtoull(argv[4], NULL, 10) : 10000000;
    if (!n || !threads || rounds < 1 || !m) {
        fprintf(stderr, "usage: bench_engine [TASKS [THREADS [ROUNDS [ITEMS]]]]\n");
        return 2;
    }
    char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
        return 1;
    self[len] = '\0';
    bench_print_cpu();
    bench_tasks(self, threads, n, rounds);
    bench_items(threads, m, rounds);
    return 0;
}
