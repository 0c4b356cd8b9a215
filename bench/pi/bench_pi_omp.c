/*
 * bench_pi_omp: the lesson's loop as an OpenMP reduction, the peer of
 * `pi N` in bench/pi/run.sh. One division per term, summed in whatever
 * order OpenMP's static schedule and reduction give; threads from
 * OMP_NUM_THREADS. Prints the lesson's two lines, like pi.
 *
 * Usage: bench_pi_omp INTERVALS   (a decimal integer, or 1e9-style)
 */
#define _XOPEN_SOURCE 700 /* M_PI */

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

/* The lesson's partial sum over [0, n), as an OpenMP reduction. */
static double lesson_sum(long long n) {
    double sum = 0.0;
#pragma omp parallel for reduction(+ : sum)
    for (long long i = 0; i < n; i++)
        sum += (4 - 8 * (i % 2)) / (double)(2 * i + 1);
    return sum;
}

int main(int argc, char **argv) {
    char *end;
    errno = 0;
    double v = argc == 2 ? strtod(argv[1], &end) : -1.0;
    if (argc != 2 || errno != 0 || *end != '\0' || !(v >= 1.0 && v <= 9e15) || v != floor(v)) {
        fprintf(stderr, "usage: bench_pi_omp INTERVALS\n");
        return 2;
    }
    double t1 = omp_get_wtime();
    double pi = lesson_sum((long long)v);
    double t2 = omp_get_wtime();
    printf("PI is approximately %.16f, Error is %.16f\n", pi, fabs(pi - M_PI));
    printf("Time = %.16f sec\n", t2 - t1);
    return fflush(stdout) == 0 ? 0 : 1;
}
