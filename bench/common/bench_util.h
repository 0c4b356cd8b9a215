/* Shared helpers of the kernel benchmarks: a clock, the median, the CPU
 * model, and a deterministic generator. */
#ifndef WQ_BENCH_UTIL_H
#define WQ_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic seconds. */
double bench_now(void);
/* The median of v[0..n) (sorts v). */
double bench_median(double *v, size_t n);
/* Prints "cpu: <model name>" from /proc/cpuinfo, or "cpu: unknown". */
void bench_print_cpu(void);
/* splitmix64. */
uint64_t bench_rand(uint64_t *state);

#endif
