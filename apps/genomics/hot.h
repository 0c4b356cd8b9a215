/*
 * hot.h: two helpers for the per-pair paths (reader, items, output), which
 * a million-pair run takes a million times each.
 *
 *   gx_copy  memcpy for short runs (names, sequences and pair lines of a
 *            few dozen bytes), inlined: two overlapping loads and stores
 *            cover any length from 4 to 32 without a call or a loop, and
 *            every byte read lies inside src[0..n). Longer runs go to
 *            memcpy.
 *   GX_COLD  marks the general path beside a fast one, so that it is not
 *            inlined into the fast one's caller (whose entry and exit then
 *            save and restore only what the fast path needs).
 */
#ifndef GENOMICS_HOT_H
#define GENOMICS_HOT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define GX_COLD __attribute__((noinline, cold))
#else
#define GX_COLD
#endif

/* Copies n bytes from src to dst (which do not overlap); returns dst + n. */
static inline char *gx_copy(char *dst, const char *src, size_t n) {
    if (n >= 16 && n <= 32) {
        char x[16], y[16];
        memcpy(x, src, 16);
        memcpy(y, src + n - 16, 16);
        memcpy(dst, x, 16);
        memcpy(dst + n - 16, y, 16);
    } else if (n >= 8 && n < 16) {
        uint64_t x, y;
        memcpy(&x, src, 8);
        memcpy(&y, src + n - 8, 8);
        memcpy(dst, &x, 8);
        memcpy(dst + n - 8, &y, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t x, y;
        memcpy(&x, src, 4);
        memcpy(&y, src + n - 4, 4);
        memcpy(dst, &x, 4);
        memcpy(dst + n - 4, &y, 4);
    } else if (n > 0) {
        memcpy(dst, src, n);
    }
    return dst + n;
}

#endif
