/*
 * libFuzzer target: the Levenshtein batch against the O(nm) reference.
 * The input is a limit byte (255: no limit) and then pairs, each as two
 * length bytes (taken mod 97, so lengths cross the lane widths 8, 16, 64
 * and the text limit of the vector lanes) and the bytes of both sides
 * (missing bytes read as zero). Every distance of the public batch, and of
 * the short-pair lanes forced to each level (AVX-512, AVX2, scalar; a
 * level the CPU lacks runs the best one below it), must equal the
 * reference's, capped at the limit. lev_lanes.c is compiled in for its
 * internal entry points.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <workq/kernels.h>

#include "kernels_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PAIRS 96
#define MAX_LEN 97

static unsigned char g_buf[MAX_PAIRS][2][MAX_LEN];

static size_t cap(size_t d, size_t k) {
    return d <= k ? d : k + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static wq_pair pairs[MAX_PAIRS];
    static size_t dist[MAX_PAIRS], ref[MAX_PAIRS];
    if (size == 0)
        return 0;
    size_t k = data[0] == 255 ? WQ_LEV_NO_LIMIT : data[0], at = 1, n = 0;
    while (at < size && n < MAX_PAIRS) {
        size_t len[2];
        for (int s = 0; s < 2; s++)
            len[s] = at < size ? data[at++] % MAX_LEN : 0;
        for (int s = 0; s < 2; s++)
            for (size_t i = 0; i < len[s]; i++)
                g_buf[n][s][i] = at < size ? data[at++] : 0;
        pairs[n] = (wq_pair){(const char *)g_buf[n][0], (const char *)g_buf[n][1], len[0], len[1]};
        ref[n] = cap(wq_levenshtein_ref(g_buf[n][0], len[0], g_buf[n][1], len[1]), k);
        n++;
    }
    if (wq_levenshtein_batch(pairs, dist, n, &(wq_lev_opts){k}) != 0)
        abort();
    for (size_t p = 0; p < n; p++)
        if (dist[p] != ref[p] ||
            wq_levenshtein(pairs[p].a, pairs[p].alen, pairs[p].b, pairs[p].blen, k) != ref[p])
            abort();
    static wq__lanes ls;
    for (int level = WQ__LANES_SCALAR; level <= WQ__LANES_AVX512; level++) {
        for (size_t p = 0; p < n; p++)
            dist[p] = ref[p] + 1;
        wq__lanes_init(&ls, level, dist, k);
        for (size_t p = wq__lanes_take(&ls, pairs, 0, n); p < n;
             p = wq__lanes_take(&ls, pairs, p + 1, n))
            dist[p] = ref[p]; /* a long pair: not the lanes' */
        wq__lanes_flush(&ls);
        for (size_t p = 0; p < n; p++)
            if (dist[p] != ref[p])
                abort();
    }
    return 0;
}
