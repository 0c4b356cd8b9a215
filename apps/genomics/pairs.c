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

void gx_item_release(const gx_item *item) {
    free(item->owned);
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

int gx_item_copy(gx_item *item, const gx_record *a, const gx_record *b, int fold) {
    int share = !fold && a->name == a->seq && b->name == b->seq;
    size_t size = a->seqlen + b->seqlen + (share ? 0 : a->namelen + b->namelen);
    char *p = malloc(size + 1);
    if (p == NULL)
        return ENOMEM;
    item->owned = p;
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
    if (gx_item_copy(out, &a, &b, g->fold) != 0) {
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
