/*
 * mpi_wire.c: genomics' MPI messages (see mpi_wire.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "mpi_wire.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static void put64(unsigned char *p, uint64_t v) {
    memcpy(p, &v, sizeof v);
}

static uint64_t get64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

int gx_wire_pairs_encode(uint64_t seq, const gx_item *items, size_t n, void **buf, size_t *len) {
    size_t head = (2 + 2 * n) * sizeof(uint64_t), size = head;
    for (size_t k = 0; k < n; k++) {
        size += items[k].pair.alen + items[k].pair.blen;
        if (size > INT_MAX)
            return EMSGSIZE;
    }
    unsigned char *p = malloc(size);
    if (p == NULL)
        return ENOMEM;
    put64(p, seq);
    put64(p + 8, n);
    unsigned char *bytes = p + head;
    for (size_t k = 0; k < n; k++) {
        const wq_pair *q = &items[k].pair;
        put64(p + 16 + 16 * k, q->alen);
        put64(p + 24 + 16 * k, q->blen);
        if (q->alen > 0)
            memcpy(bytes, q->a, q->alen);
        bytes += q->alen;
        if (q->blen > 0)
            memcpy(bytes, q->b, q->blen);
        bytes += q->blen;
    }
    *buf = p;
    *len = size;
    return 0;
}

int gx_wire_pairs_decode(const void *buf, size_t len, uint64_t *seq, gx_item *items, size_t *n) {
    const unsigned char *p = buf;
    if (len < 16)
        return EPROTO;
    uint64_t count = get64(p + 8);
    if (count > GX_WIRE_PAIRS || len < (2 + 2 * count) * sizeof(uint64_t))
        return EPROTO;
    size_t off = (size_t)(2 + 2 * count) * sizeof(uint64_t);
    for (size_t k = 0; k < count; k++) {
        uint64_t alen = get64(p + 16 + 16 * k), blen = get64(p + 24 + 16 * k);
        if (alen > len - off || blen > len - off - alen)
            return EPROTO;
        const char *a = (const char *)p + off, *b = a + alen;
        items[k] =
            (gx_item){{a, b, (size_t)alen, (size_t)blen}, a, b, (size_t)alen, (size_t)blen, NULL};
        off += alen + blen;
    }
    if (off != len)
        return EPROTO;
    *seq = get64(p);
    *n = (size_t)count;
    return 0;
}

void gx_wire_range_encode(uint64_t seq, uint64_t i, uint64_t j, uint64_t n, uint64_t out[4]) {
    out[0] = seq;
    out[1] = i;
    out[2] = j;
    out[3] = n;
}

void gx_wire_result_encode(uint64_t seq, int status, const size_t *dist, size_t n, void *buf) {
    unsigned char *p = buf;
    put64(p, seq);
    put64(p + 8, (uint64_t)(unsigned)status);
    put64(p + 16, n);
    for (size_t k = 0; k < n; k++)
        put64(p + 24 + 8 * k, dist[k]);
}

int gx_wire_result_decode(const void *buf, size_t len, uint64_t *seq, int *status, size_t *dist,
                          size_t *n) {
    const unsigned char *p = buf;
    if (len < GX_WIRE_RESULT_SIZE(0))
        return EPROTO;
    uint64_t count = get64(p + 16), st = get64(p + 8);
    if (count > GX_WIRE_PAIRS || len != GX_WIRE_RESULT_SIZE(count) || st > INT_MAX)
        return EPROTO;
    for (size_t k = 0; k < count; k++)
        dist[k] = (size_t)get64(p + 24 + 8 * k);
    *seq = get64(p);
    *status = (int)st;
    *n = (size_t)count;
    return 0;
}
