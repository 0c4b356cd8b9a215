/*
 * pairs.c: items, the gx_item kernel, and the two generators (see pairs.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "pairs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ kernel -- */

static int item_fn(const void *in, void *out, void *ctx) {
    return wq_kernel_levenshtein.fn(&((const gx_item *)in)->pair, out, ctx);
}

/* Copies the pairs out of the strided items in blocks, so the kernel's
 * batch entry point (tiny per-pair overhead) does the work. */
static int item_batch(const void *in, void *out, size_t n, void *ctx, size_t *fail) {
    enum { BLOCK = 64 };
    const gx_item *items = in;
    size_t *dist = out;
    wq_pair pairs[BLOCK];
    for (size_t k = 0; k < n; k += BLOCK) {
        size_t m = n - k < BLOCK ? n - k : BLOCK;
        for (size_t i = 0; i < m; i++)
            pairs[i] = items[k + i].pair;
        int rc = wq_levenshtein_batch(pairs, dist + k, m, ctx);
        if (rc != 0) {
            *fail = k;
            return rc;
        }
    }
    return 0;
}

const wq_kernel gx_kernel = {
    .name = "genomics-levenshtein",
    .fn = item_fn,
    .batch = item_batch,
    .in_size = sizeof(gx_item),
    .out_size = sizeof(size_t),
    .doc = "levenshtein over genomics items (pair + names)",
};

/* ------------------------------------------------------------- items -- */

/*
 * gx_blocks: a free list of fixed-size blocks for the items of one
 * reader's pairs, so that a million pairs cost a window's worth of mallocs,
 * not a million malloc/free pairs (glibc's per-thread cache holds only a
 * few blocks of a size, and the engine releases a chunk of items at once).
 *
 *   - Each block starts with a header naming its pool, so gx_item_release,
 *     which sees only the item, can hand it back. Pairs too long for a
 *     block get a malloc'd block of their own (pool NULL), freed as before.
 *   - Bounded: the engine bounds the items in flight, and the list keeps at
 *     most BLOCKS_KEEP spares whatever the caller; the rest are freed.
 *   - No destructor: the pool counts its blocks out, and when the last one
 *     comes back it frees the spares and itself and clears the pointer to
 *     it (in the reader: the next item starts a new pool). A cancelled job
 *     still releases every item it took, so nothing outlives the job.
 *   - No lock: the generator and the result callback never run
 *     concurrently (the engine serializes them, with its mutex between).
 */
enum { BLOCK_DATA = 240, BLOCKS_KEEP = 4096 };

typedef struct gx_block {
    gx_blocks *pool;       /* NULL: a block of its own size, just freed */
    struct gx_block *next; /* in the pool's free list */
    char data[];
} gx_block;

struct gx_blocks {
    gx_blocks **owner; /* the pointer to the pool, cleared when it goes */
    gx_block *free;    /* spare blocks */
    size_t nfree;      /* blocks in the free list */
    size_t out;        /* blocks held by items */
};

static void pool_free(gx_blocks *pool) {
    for (gx_block *b = pool->free, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    if (pool->owner != NULL)
        *pool->owner = NULL;
    free(pool);
}

/* A block for size bytes: from *pool when it fits, else of its own. */
static gx_block *block_get(gx_blocks **pool, size_t size) {
    if (pool == NULL || size > BLOCK_DATA) {
        gx_block *b = malloc(sizeof(gx_block) + size);
        if (b != NULL)
            b->pool = NULL;
        return b;
    }
    gx_blocks *p = *pool;
    if (p == NULL) {
        if ((p = calloc(1, sizeof *p)) == NULL)
            return NULL;
        p->owner = pool;
        *pool = p;
    }
    gx_block *b = p->free;
    if (b != NULL) {
        p->free = b->next;
        p->nfree--;
    } else if ((b = malloc(sizeof(gx_block) + BLOCK_DATA)) == NULL) {
        if (p->out == 0)
            pool_free(p);
        return NULL;
    }
    b->pool = p;
    p->out++;
    return b;
}

void gx_item_release(const gx_item *item) {
    gx_block *b = item->owned;
    if (b == NULL)
        return;
    gx_blocks *p = b->pool;
    if (p == NULL) {
        free(b);
        return;
    }
    if (p->nfree < BLOCKS_KEEP) {
        b->next = p->free;
        p->free = b;
        p->nfree++;
    } else {
        free(b);
    }
    if (--p->out == 0)
        pool_free(p);
}

static char *put(char *dst, const char *src, size_t n, int fold) {
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

int gx_item_copy(gx_item *item, const gx_record *a, const gx_record *b, int fold,
                 gx_blocks **pool) {
    int share = !fold && a->name == a->seq && b->name == b->seq;
    size_t size = a->seqlen + b->seqlen + (share ? 0 : a->namelen + b->namelen);
    gx_block *blk = block_get(pool, size + 1);
    if (blk == NULL)
        return ENOMEM;
    item->owned = blk;
    char *p = blk->data;
    item->pair.a = p;
    item->pair.alen = a->seqlen;
    p = put(p, a->seq, a->seqlen, fold);
    item->pair.b = p;
    item->pair.blen = b->seqlen;
    p = put(p, b->seq, b->seqlen, fold);
    item->nalen = a->namelen;
    item->nblen = b->namelen;
    if (share) {
        item->na = item->pair.a;
        item->nb = item->pair.b;
        return 0;
    }
    item->na = p;
    p = put(p, a->name, a->namelen, 0);
    item->nb = p;
    put(p, b->name, b->namelen, 0);
    return 0;
}

/* ----------------------------------------------------- ordered pairs -- */

static int errno_of(gx_errkind kind) {
    return kind == GX_ENOMEM ? ENOMEM : kind == GX_EIO ? EIO : EINVAL;
}

int gx_pairs_next(void *gen_ctx, void *out) {
    gx_pairs_gen *g = gen_ctx;
    if (atomic_load(g->stop))
        return 0;
    gx_record a, b;
    int rc = gx_reader_pair(g->reader, &a, &b, &g->err);
    if (rc == 0)
        return 0;
    if (rc < 0 && g->err.kind == GX_INTERRUPTED) {
        g->err.kind = GX_OK;
        return 0;
    }
    if (rc < 0)
        return -errno_of(g->err.kind);
    if (gx_item_copy(out, &a, &b, g->fold, gx_reader_blocks(g->reader)) != 0) {
        gx_fail(&g->err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        return -ENOMEM;
    }
    return 1;
}

/* ------------------------------------------------------- all-vs-all -- */

typedef struct gx_entry {
    size_t name, namelen, seq, seqlen; /* offsets into the arena */
} gx_entry;

struct gx_set {
    char *arena;
    size_t len, cap;
    gx_entry *e;
    size_t n, ecap;
};

void gx_set_free(gx_set *set) {
    if (set == NULL)
        return;
    free(set->arena);
    free(set->e);
    free(set);
}

size_t gx_set_size(const gx_set *set) {
    return set->n;
}

/* Room for n more arena bytes and one more entry. */
static int set_reserve(gx_set *set, size_t n) {
    if (n > set->cap - set->len) {
        size_t cap = set->cap ? set->cap : 4096;
        while (cap - set->len < n) {
            if (cap > (size_t)-1 / 2)
                return ENOMEM;
            cap *= 2;
        }
        char *p = realloc(set->arena, cap);
        if (p == NULL)
            return ENOMEM;
        set->arena = p;
        set->cap = cap;
    }
    if (set->n == set->ecap) {
        size_t cap = set->ecap ? set->ecap * 2 : 256;
        gx_entry *e = cap < (size_t)-1 / sizeof *e ? realloc(set->e, cap * sizeof *e) : NULL;
        if (e == NULL)
            return ENOMEM;
        set->e = e;
        set->ecap = cap;
    }
    return 0;
}

static int set_add(gx_set *set, const gx_record *rec, int fold) {
    int share = !fold && rec->name == rec->seq;
    if (set_reserve(set, rec->seqlen + (share ? 0 : rec->namelen) + 1) != 0)
        return ENOMEM;
    gx_entry *e = &set->e[set->n++];
    e->seq = set->len;
    e->seqlen = rec->seqlen;
    set->len = (size_t)(put(set->arena + set->len, rec->seq, rec->seqlen, fold) - set->arena);
    e->namelen = rec->namelen;
    if (share) {
        e->name = e->seq;
        return 0;
    }
    e->name = set->len;
    set->len = (size_t)(put(set->arena + set->len, rec->name, rec->namelen, 0) - set->arena);
    return 0;
}

gx_set *gx_set_load(gx_reader *r, int fold, gx_err *err) {
    gx_set *set = calloc(1, sizeof *set);
    if (set == NULL) {
        gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        return NULL;
    }
    gx_record rec;
    int rc;
    while ((rc = gx_reader_record(r, &rec, err)) == 1) {
        if (set_add(set, &rec, fold) != 0) {
            gx_fail(err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
            rc = -1;
            break;
        }
    }
    if (rc < 0) {
        gx_set_free(set);
        return NULL;
    }
    return set;
}

int gx_all_next(void *gen_ctx, void *out) {
    gx_all_gen *g = gen_ctx;
    const gx_set *set = g->set;
    if (atomic_load(g->stop) || g->j >= set->n)
        return 0;
    const gx_entry *a = &set->e[g->i], *b = &set->e[g->j];
    gx_item *item = out;
    item->pair = (wq_pair){set->arena + a->seq, set->arena + b->seq, a->seqlen, b->seqlen};
    item->na = set->arena + a->name;
    item->nalen = a->namelen;
    item->nb = set->arena + b->name;
    item->nblen = b->namelen;
    item->owned = NULL;
    if (++g->j == set->n) {
        g->i++;
        g->j = g->i + 1;
    }
    return 1;
}
