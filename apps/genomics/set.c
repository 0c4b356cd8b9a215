/*
 * set.c: the loaded set and the all-pairs walk (see set.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "set.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

size_t gx_set_pairs(const gx_set *set) {
    size_t n = set->n;
    return n < 2 ? 0 : n % 2 == 0 ? n / 2 * (n - 1) : (n - 1) / 2 * n;
}

void gx_set_get(const gx_set *set, size_t k, gx_record *rec) {
    const gx_entry *e = &set->e[k];
    *rec = (gx_record){set->arena + e->name, e->namelen, set->arena + e->seq, e->seqlen, 0};
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
    set->len = (size_t)(gx_put(set->arena + set->len, rec->seq, rec->seqlen, fold) - set->arena);
    e->namelen = rec->namelen;
    if (share) {
        e->name = e->seq;
        return 0;
    }
    e->name = set->len;
    set->len = (size_t)(gx_put(set->arena + set->len, rec->name, rec->namelen, 0) - set->arena);
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

/* ---------------------------------------------------- pack / unpack -- */

int gx_set_pack(const gx_set *set, void **buf, size_t *len) {
    size_t head = (1 + set->n) * sizeof(uint64_t), bytes = head;
    for (size_t k = 0; k < set->n; k++)
        bytes += set->e[k].seqlen;
    unsigned char *p = malloc(bytes);
    if (p == NULL)
        return ENOMEM;
    uint64_t n = set->n;
    memcpy(p, &n, sizeof n);
    size_t off = head;
    for (size_t k = 0; k < set->n; k++) {
        const gx_entry *e = &set->e[k];
        uint64_t l = e->seqlen;
        memcpy(p + (1 + k) * sizeof l, &l, sizeof l);
        if (l > 0)
            memcpy(p + off, set->arena + e->seq, e->seqlen);
        off += e->seqlen;
    }
    *buf = p;
    *len = bytes;
    return 0;
}

int gx_set_unpack(void *buf, size_t len, gx_set **out) {
    const unsigned char *p = buf;
    uint64_t n;
    if (len < sizeof n)
        return EPROTO;
    memcpy(&n, p, sizeof n);
    if (n > len / sizeof n - 1)
        return EPROTO;
    gx_set *set = calloc(1, sizeof *set);
    gx_entry *e = set != NULL ? malloc((n ? n : 1) * sizeof *e) : NULL;
    if (e == NULL) {
        free(set);
        return ENOMEM;
    }
    size_t off = (1 + (size_t)n) * sizeof n;
    for (size_t k = 0; k < n; k++) {
        uint64_t l;
        memcpy(&l, p + (1 + k) * sizeof l, sizeof l);
        if (l > len - off) {
            free(e);
            free(set);
            return EPROTO;
        }
        e[k] = (gx_entry){off, (size_t)l, off, (size_t)l};
        off += (size_t)l;
    }
    if (off != len) {
        free(e);
        free(set);
        return EPROTO;
    }
    *set = (gx_set){.arena = buf, .len = len, .cap = len, .e = e, .n = (size_t)n, .ecap = n};
    *out = set;
    return 0;
}

/* ------------------------------------------------------- all-vs-all -- */

int gx_all_start(gx_all_gen *g, const gx_set *set, size_t i, size_t j, const atomic_int *stop) {
    if (!(i == 0 && j == 1) && !(i < j && j < set->n))
        return EINVAL;
    *g = (gx_all_gen){set, i, j, stop};
    return 0;
}

void gx_all_skip(gx_all_gen *g, size_t k) {
    size_t n = g->set->n;
    while (k > 0 && g->j < n) {
        size_t row = n - g->j; /* pairs left in row i */
        if (k < row) {
            g->j += k;
            return;
        }
        k -= row;
        g->i++;
        g->j = g->i + 1;
    }
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
