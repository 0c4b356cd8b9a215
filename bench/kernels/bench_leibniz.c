/* bench_leibniz: ns per term of the fast Leibniz kernel and of the lesson's
 * loop, one thread, [0, n) for n = 1e8 and 1e9 (median of runs), with the
 * error of each against pi - 1/n. Usage: bench_leibniz [runs] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <workq/kernels.h>

#include "bench_util.h"

static volatile double sink;

static double time_run(double (*f)(uint64_t, uint64_t), uint64_t n, int runs, double *value) {
    double t[16];
    for (int r = 0; r < runs; r++) {
        double t0 = bench_now();
        *value = f(0, n);
        t[r] = bench_now() - t0;
        sink = *value;
    }
    return bench_median(t, (size_t)runs);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 3;
    if (runs < 1 || runs > 16)
        runs = 3;
    bench_print_cpu();
    printf("%-8s %-7s %12s %10s %22s %10s\n", "variant", "n", "seconds", "ns/term", "value",
           "ulp(err)");
    static const uint64_t ns[] = {100000000, 1000000000};
    for (size_t i = 0; i < 2; i++) {
        uint64_t n = ns[i];
        /* pi - 1/n (+ 1/(4n^3), negligible), in long double */
        long double exact = 3.14159265358979323846264338L - 1.0L / (long double)n;
        double want = (double)exact, ulp = nextafter(want, 4.0) - want;
        double v;
        double tf = time_run(wq_leibniz, n, runs, &v);
        printf("%-8s %-7.0e %12.4f %10.4f %22.17f %10.1f\n", "fast", (double)n, tf,
               1e9 * tf / (double)n, v, (double)(((long double)v - exact) / ulp));
        double tl = time_run(wq_leibniz_lesson, n, n > 100000000 ? 1 : runs, &v);
        printf("%-8s %-7.0e %12.4f %10.4f %22.17f %10.1f\n", "lesson", (double)n, tl,
               1e9 * tl / (double)n, v, (double)(((long double)v - exact) / ulp));
    }
    return 0;
}
