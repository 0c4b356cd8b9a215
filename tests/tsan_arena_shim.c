/*
 * Linked into the test binaries of ThreadSanitizer builds only.
 *
 * Criterion's process arena (BoxFort) is mapped at an address drawn with
 * rand_r() from [0x2000_0000_0000, 0x6000_0000_0000), almost all of which
 * ThreadSanitizer reserves for its shadow and metadata, so Criterion fails
 * with "Could not initialize inheritable arena" (Criterion issue #274).
 * This rand_r() keeps the draws inside the one application range TSan
 * leaves there, [0x5500_0000_0000, 0x5680_0000_0000); BoxFort still checks
 * that the spot is free and retries. Nothing else in the tests calls it.
 */
#include <stdlib.h>

/* Exported: the test targets default to hidden visibility. */
__attribute__((visibility("default"))) int rand_r(unsigned *seed) {
    *seed = *seed * 1103515245u + 12345u;
    /* BoxFort maps at 0x2000_0000_0000 + r * 2^24: r = 0x350000 is 0x5500_... */
    return (int)(0x350000u + (*seed >> 8) % 0x18000u);
}
