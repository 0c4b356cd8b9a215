/* Shared helpers of the benchmarks: a clock, the median and the
 * min/median/max spread, the CPU model, and a deterministic generator. */
#ifndef WQ_BENCH_UTIL_H
#define WQ_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic seconds. */
double bench_now(void);
/* The median of v[0..n) (sorts v). */
double bench_median(double *v, size_t n);
/* The smallest, median and largest of n >= 1 values. */
typedef struct bench_spread {
    double min, median, max;
} bench_spread;
/* The spread of v[0..n), n >= 1; v is left as it was. */
bench_spread bench_spread_of(const double *v, size_t n);
/* Prints "cpu: <model name>" from /proc/cpuinfo, or "cpu: unknown". */
void bench_print_cpu(void);

#endif
