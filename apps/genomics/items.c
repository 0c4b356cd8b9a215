/*
 * items.c: item copies in pooled blocks (see items.h).
 *
 * gx_blocks: a free list of fixed-size blocks for the items of one
 * generator, so that a million pairs cost a window's worth of mallocs, not
 * a million malloc/free pairs (glibc's per-thread cache holds only a few
 * blocks of a size, and the engine releases a chunk of items at once).
 *
 *   - Each block starts with a header naming its pool, so gx_item_release,
 *     which sees only the item, can hand it back. Pairs too long for a
 *     block get a malloc'd block of their own (pool NULL), freed at once.
 *   - Bounded: the engine bounds the items in flight, and the list keeps at
 *     most BLOCKS_KEEP spares whatever the caller; the rest are freed.
 *   - The generator owns the pool and gives it up with gx_blocks_free; a
 *     pool given up while blocks are out frees itself when the last one
 *     comes back, so the order of teardown never matters.
 *   - No lock: the generator and the result callback never run
 *     concurrently (the engine serializes them, with its mutex between).
 */
#define _POSIX_C_SOURCE 200809L

#include "items.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_DATA = 240, BLOCKS_KEEP = 4096 };

typedef struct gx_block {
    gx_blocks *pool;       /* NULL: a block of its own size, just freed */
    struct gx_block *next; /* in the pool's free list */
    char data[];
} gx_block;

struct gx_blocks {
    gx_block *free; /* spare blocks */
    size_t nfree;   /* blocks in the free list */
    size_t out;     /* blocks held by items */
    int orphan;     /* given up: free the pool when out drops to 0 */
};

gx_blocks *gx_blocks_new(void) {
    return calloc(1, sizeof(gx_blocks));
}

static void free_spares(gx_blocks *pool) {
    for (gx_block *b = pool->free, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    pool->free = NULL;
    pool->nfree = 0;
}

void gx_blocks_free(gx_blocks *pool) {
    if (pool == NULL)
        return;
    free_spares(pool);
    if (pool->out == 0)
        free(pool);
    else
        pool->orphan = 1;
}

/* A block for size bytes: from pool when it fits, else of its own. */
static gx_block *block_get(gx_blocks *pool, size_t size) {
    if (pool == NULL || size > BLOCK_DATA) {
        gx_block *b = malloc(sizeof(gx_block) + size);
        if (b != NULL)
            b->pool = NULL;
        return b;
    }
    gx_block *b = pool->free;
    if (b != NULL) {
        pool->free = b->next;
        pool->nfree--;
    } else if ((b = malloc(sizeof(gx_block) + BLOCK_DATA)) == NULL) {
        return NULL;
    }
    b->pool = pool;
    pool->out++;
    return b;
}

void gx_item_release(const gx_item *item) {
    gx_block *b = item->owned;
    if (b == NULL)
        return;
    gx_blocks *p = b->pool;
    if (p == NULL || p->orphan || p->nfree >= BLOCKS_KEEP) {
        free(b);
    } else {
        b->next = p->free;
        p->free = b;
        p->nfree++;
    }
    if (p != NULL && --p->out == 0 && p->orphan)
        free(p);
}

char *gx_put(char *dst, const char *src, size_t n, int fold) {
    if (!fold) {
        if (n > 0)
            memcpy(dst, src, n);
        return dst + n;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    return dst + n;
}

int gx_item_copy(gx_item *item, const gx_record *a, const gx_record *b, int fold, gx_blocks *pool) {
    int share = !fold && a->name == a->seq && b->name == b->seq;
    size_t size = a->seqlen + b->seqlen + (share ? 0 : a->namelen + b->namelen);
    gx_block *blk = block_get(pool, size + 1);
    if (blk == NULL)
        return ENOMEM;
    item->owned = blk;
    char *p = blk->data;
    item->pair.a = p;
    item->pair.alen = a->seqlen;
    p = gx_put(p, a->seq, a->seqlen, fold);
    item->pair.b = p;
    item->pair.blen = b->seqlen;
    p = gx_put(p, b->seq, b->seqlen, fold);
    item->nalen = a->namelen;
    item->nblen = b->namelen;
    if (share) {
        item->na = item->pair.a;
        item->nb = item->pair.b;
        return 0;
    }
    item->na = p;
    p = gx_put(p, a->name, a->namelen, 0);
    item->nb = p;
    gx_put(p, b->name, b->namelen, 0);
    return 0;
}
