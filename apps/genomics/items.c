/*
 * items.c: item copies in pooled blocks (see items.h).
 *
 * gx_blocks: an arena of fixed-size blocks for the items of one generator.
 * Items are copied one after the other into the current block, each
 * taking a count on it, so a million short pairs cost a bump of a pointer
 * and one memcpy each, and a window's worth of blocks, not a million
 * malloc/free pairs.
 *
 *   - Each block starts with a header naming its pool and counting the
 *     items that hold bytes in it, so gx_item_release, which sees only the
 *     item, can hand it back: a block returns to the pool when its count
 *     drops to 0 and the generator has moved on to another. Pairs too long
 *     for a block get a malloc'd block of their own (pool NULL), freed at
 *     once.
 *   - Bounded: the engine bounds the items in flight, each pins at most
 *     one block, and the list keeps at most BLOCKS_KEEP spares whatever
 *     the caller; the rest are freed.
 *   - The generator owns the pool and gives it up with gx_blocks_free; a
 *     pool given up while blocks are out frees itself when the last one
 *     comes back, so the order of teardown never matters.
 *   - No lock: the generator and the result callback never run
 *     concurrently (the engine serializes them, with its mutex between).
 */
#define _POSIX_C_SOURCE 200809L

#include "items.h"

#include "hot.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK_SIZE = 4096, BLOCKS_KEEP = 64 };

typedef struct gx_block {
    gx_blocks *pool;       /* NULL: a block of its own size, just freed */
    struct gx_block *next; /* in the pool's free list */
    size_t live;           /* items holding bytes here */
    char data[];
} gx_block;

enum { BLOCK_DATA = BLOCK_SIZE - sizeof(gx_block) };

struct gx_blocks {
    gx_block *cur;  /* the block being filled, or NULL */
    size_t used;    /* bytes of cur taken */
    gx_block *free; /* spare blocks */
    size_t nfree;   /* blocks in the free list */
    size_t out;     /* blocks not in the free list (cur included) */
    int orphan;     /* given up: free the pool when out drops to 0 */
};

gx_blocks *gx_blocks_new(void) {
    return calloc(1, sizeof(gx_blocks));
}

/* A block whose last item is gone, and which is not being filled: kept as
 * a spare, or freed. */
static void block_spare(gx_blocks *p, gx_block *b) {
    if (p->orphan || p->nfree >= BLOCKS_KEEP) {
        free(b);
    } else {
        b->next = p->free;
        p->free = b;
        p->nfree++;
    }
    p->out--;
}

/* As block_spare; and the pool goes with its last block when given up. */
static void block_done(gx_blocks *p, gx_block *b) {
    block_spare(p, b);
    if (p->out == 0 && p->orphan)
        free(p);
}

void gx_blocks_free(gx_blocks *pool) {
    if (pool == NULL)
        return;
    pool->orphan = 1;
    for (gx_block *b = pool->free, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    pool->free = NULL;
    pool->nfree = 0;
    gx_block *cur = pool->cur;
    pool->cur = NULL;
    if (cur != NULL && cur->live == 0)
        block_done(pool, cur); /* frees the pool too when nothing is out */
    else if (pool->out == 0)
        free(pool);
}

/* A block of its own for size bytes (a long pair, or no pool). */
static gx_block *block_own(size_t size) {
    gx_block *b = malloc(sizeof(gx_block) + size);
    if (b != NULL) {
        b->pool = NULL;
        b->live = 1;
    }
    return b;
}

/* Moves the pool on to a fresh block (a spare, or a new one). Returns 0,
 * or -1 when out of memory. */
GX_COLD static int block_next(gx_blocks *p) {
    gx_block *b = p->free;
    if (b != NULL) {
        p->free = b->next;
        p->nfree--;
    } else if ((b = malloc(BLOCK_SIZE)) == NULL) {
        return -1;
    } else {
        b->pool = p;
    }
    b->live = 0;
    p->out++;
    gx_block *old = p->cur;
    p->cur = b;
    p->used = 0;
    if (old != NULL && old->live == 0)
        block_spare(p, old); /* p is not given up: it is being filled */
    return 0;
}

/* Room for size bytes in the pool's current block, moving on to a fresh
 * one when it is full. Returns the block (its count taken) and *at, the
 * offset of the room, or NULL when out of memory. */
static gx_block *block_room(gx_blocks *p, size_t size, size_t *at) {
    if ((p->cur == NULL || size > BLOCK_DATA - p->used) && block_next(p) != 0)
        return NULL;
    *at = p->used;
    p->used += size;
    p->cur->live++;
    return p->cur;
}

void gx_item_release(const gx_item *item) {
    gx_block *b = item->owned;
    if (b == NULL)
        return;
    gx_blocks *p = b->pool;
    if (p == NULL)
        free(b);
    else if (--b->live == 0 && b != p->cur)
        block_done(p, b);
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

/* The bytes of an item other than a pair line, in turn: A and B (folded
 * when fold), then the names unless they are the sequences (share). */
GX_COLD static void copy_parts(gx_item *item, char *p, const gx_record *a, const gx_record *b,
                               int fold, int share) {
    item->pair.a = p;
    p = gx_put(p, a->seq, a->seqlen, fold);
    item->pair.b = p;
    p = gx_put(p, b->seq, b->seqlen, fold);
    item->nalen = a->namelen;
    item->nblen = b->namelen;
    if (share) {
        item->na = item->pair.a;
        item->nb = item->pair.b;
        return;
    }
    item->na = p;
    p = gx_put(p, a->name, a->namelen, 0);
    item->nb = p;
    gx_put(p, b->name, b->namelen, 0);
}

/* How an item of a and b is laid out: whether the names are the sequences
 * (share), and whether A, its ',' and B are one run of the reader's line
 * (line: the usual pair line, copied whole in one gx_copy). Returns the
 * bytes it takes. */
static size_t layout(const gx_record *a, const gx_record *b, int fold, int *share, int *line) {
    *share = !fold && a->name == a->seq && b->name == b->seq;
    size_t size = a->seqlen + b->seqlen + (*share ? 0 : a->namelen + b->namelen);
    *line = *share && (uintptr_t)b->seq - (uintptr_t)a->seq == a->seqlen + 1;
    return size + (size_t)*line;
}

size_t gx_item_size(const gx_record *a, const gx_record *b, int fold) {
    int share, line;
    return layout(a, b, fold, &share, &line);
}

/* Fills item with copies at p (laid out as layout() said). */
static void place(gx_item *item, char *p, const gx_record *a, const gx_record *b, int fold,
                  int share, int line, size_t size) {
    item->pair.alen = item->nalen = a->seqlen;
    item->pair.blen = item->nblen = b->seqlen;
    if (!line) {
        copy_parts(item, p, a, b, fold, share);
        return;
    }
    gx_copy(p, a->seq, size);
    item->pair.a = item->na = p;
    item->pair.b = item->nb = p + a->seqlen + 1;
}

void gx_item_put(gx_item *item, char *dst, const gx_record *a, const gx_record *b, int fold) {
    int share, line;
    size_t size = layout(a, b, fold, &share, &line);
    item->owned = NULL;
    place(item, dst, a, b, fold, share, line, size);
}

int gx_item_copy(gx_item *item, const gx_record *a, const gx_record *b, int fold, gx_blocks *pool) {
    int share, line;
    size_t size = layout(a, b, fold, &share, &line);
    size_t at = 0;
    gx_block *blk =
        pool != NULL && size <= BLOCK_DATA ? block_room(pool, size, &at) : block_own(size);
    if (blk == NULL)
        return ENOMEM;
    item->owned = blk;
    place(item, blk->data + at, a, b, fold, share, line, size);
    return 0;
}
