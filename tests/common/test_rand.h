/* Shared by every test binary: a deterministic generator and the
 * WORKQ_STRESS size factor. Header-only (static functions). */
#ifndef WQ_TEST_RAND_H
#define WQ_TEST_RAND_H

#include <stdint.h>
#include <stdlib.h>

/* WORKQ_STRESS (default 1): multiplies the size of the randomized loops. */
static inline unsigned long kstress(void) {
    const char *s = getenv("WORKQ_STRESS");
    unsigned long f = s ? strtoul(s, NULL, 10) : 1;
    return f ? f : 1;
}

/* splitmix64: deterministic, seeded by the caller. */
static inline uint64_t krand(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t kbelow(uint64_t *state, uint64_t n) {
    return krand(state) % n;
}

#endif
