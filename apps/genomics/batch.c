/*
 * batch.c: many pairs to an engine item (see batch.h).
 *
 * A batch is filled from the front of the input: runs of usual pair lines
 * straight into its data (one copy for the run, then the items point into
 * it), and any other pair through the reader's general path, copied after
 * them (or into a block of its own when it does not fit). With
 * --ignore-case a run's bytes are copied twice: as read, for the names,
 * and folded, for the comparison.
 */
#define _POSIX_C_SOURCE 200809L

#include "batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

void gx_batch_init(gx_batch_gen *g, gx_reader *r, int fold, const atomic_int *stop) {
    *g = (gx_batch_gen){.reader = r, .fold = fold, .stop = stop, .end = 1, .err = {GX_OK, 0, ""}};
}

void gx_batch_done(gx_batch_gen *g) {
    for (gx_batch *b = g->spare, *next; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    g->spare = NULL;
}

void gx_batch_release(gx_batch *b) {
    if (b->owned > 0)
        for (size_t k = 0; k < b->n; k++)
            gx_item_release(&b->items[k]);
    gx_batch_gen *g = b->gen;
    b->next = g->spare;
    g->spare = b;
}

/* An empty batch: a spare, or a new one (NULL when out of memory). */
static gx_batch *batch_get(gx_batch_gen *g) {
    gx_batch *b = g->spare;
    if (b != NULL)
        g->spare = b->next;
    else if ((b = malloc(sizeof *b)) == NULL)
        return NULL;
    b->gen = g;
    b->n = b->used = b->owned = 0;
    return b;
}

/* Adds the run of usual pair lines at the input's front. Returns how many
 * pairs it added (0: the next pair is not one, or no room). */
static size_t add_lines(gx_batch_gen *g, gx_batch *b) {
    gx_cut cut[GX_BATCH_PAIRS];
    size_t room = GX_BATCH_BYTES - b->used;
    char *raw = b->data + b->used;
    size_t k =
        gx_reader_pair_lines(g->reader, raw, g->fold ? room / 2 : room, GX_BATCH_PAIRS - b->n, cut);
    if (k == 0)
        return 0;
    size_t bytes = (size_t)cut[k - 1].end + 1;
    const char *cmp = raw; /* what is compared: the bytes as read, or folded */
    if (g->fold)
        cmp = gx_put(raw + bytes, raw, bytes, 1) - bytes;
    gx_item *it = b->items + b->n;
    size_t start = 0;
    for (size_t j = 0; j < k; j++) {
        size_t comma = cut[j].comma, end = cut[j].end;
        size_t alen = comma - start, blen = end - comma - 1;
        it[j] = (gx_item){{cmp + start, cmp + comma + 1, alen, blen},
                          raw + start,
                          raw + comma + 1,
                          alen,
                          blen,
                          NULL};
        start = end + 1;
    }
    b->n += k;
    b->used += g->fold ? 2 * bytes : bytes;
    return k;
}

/* Adds a and b (a pair the general way): after the batch's bytes, or in a
 * block of their own. Returns 0 or ENOMEM. */
static int add_pair(gx_batch_gen *g, gx_batch *b, const gx_record *x, const gx_record *y) {
    size_t size = gx_item_size(x, y, g->fold);
    gx_item *it = &b->items[b->n];
    if (size <= GX_BATCH_BYTES - b->used) {
        gx_item_put(it, b->data + b->used, x, y, g->fold);
        b->used += size;
    } else if (gx_item_copy(it, x, y, g->fold, NULL) == 0) {
        b->owned++;
    } else {
        return ENOMEM;
    }
    b->n++;
    return 0;
}

/* The reader's return turned into the generator's: 1 (a pair), 0 at the
 * end (an interruption is one: emit reports it), -errno. */
static int reader_rc(gx_batch_gen *g, int rc) {
    if (rc < 0 && g->err.kind == GX_INTERRUPTED) {
        g->err.kind = GX_OK;
        return 0;
    }
    return rc < 0 ? -gx_err_errno(g->err.kind) : rc;
}

/* Passes over the pairs --skip names. Returns 1, or the end's return. */
static int skip_pairs(gx_batch_gen *g) {
    gx_record a, b;
    while (g->skip > 0) {
        int rc = reader_rc(g, gx_reader_pair(g->reader, &a, &b, &g->err));
        if (rc != 1)
            return rc;
        g->skip--; /* read and checked, so errors keep their lines */
    }
    return 1;
}

/* Fills b until it is full or the input ends (g->end set then). */
static void fill(gx_batch_gen *g, gx_batch *b) {
    gx_record x, y;
    while (b->n < GX_BATCH_PAIRS) {
        if (add_lines(g, b) > 0)
            continue;
        if (b->n > 0 && GX_BATCH_BYTES - b->used < GX_BATCH_BYTES / 4)
            return; /* little room left: the next pair starts a batch */
        int rc = reader_rc(g, gx_reader_pair(g->reader, &x, &y, &g->err));
        if (rc == 1 && add_pair(g, b, &x, &y) != 0) {
            gx_fail(&g->err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
            rc = -ENOMEM;
        }
        if (rc != 1) {
            g->end = rc;
            return;
        }
        if (b->owned > 0)
            return; /* a long pair: it makes the batch's work */
    }
}

int gx_batch_next(void *gen_ctx, void *out) {
    gx_batch_gen *g = gen_ctx;
    if (g->end != 1 || atomic_load(g->stop))
        return g->end != 1 ? g->end : 0;
    if (g->skip > 0 && (g->end = skip_pairs(g)) != 1)
        return g->end;
    gx_batch *b = batch_get(g);
    if (b == NULL) {
        gx_fail(&g->err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        return g->end = -ENOMEM;
    }
    fill(g, b);
    if (b->n == 0) {
        gx_batch_release(b);
        return g->end;
    }
    *(gx_batch **)out = b;
    return 1;
}

/* ------------------------------------------------------------ kernel -- */

/* A batch's distances by gx_kernel's batch entry; after a failure, the
 * pairs from the failed one on are computed one by one, so each gets its
 * own status. */
static int batch_fn(const void *in, void *out, void *ctx) {
    gx_batch *b = *(gx_batch *const *)in;
    size_t k = 0, fail = 0;
    if (gx_kernel.batch(b->items, b->dist, b->n, ctx, &fail) == 0)
        fail = b->n;
    for (; k < fail; k++)
        b->status[k] = 0;
    for (; k < b->n; k++)
        b->status[k] = gx_kernel.fn(&b->items[k], &b->dist[k], ctx);
    *(int *)out = 0;
    return 0;
}

const wq_kernel gx_batch_kernel = {
    .name = "genomics-levenshtein-batches",
    .fn = batch_fn,
    .in_size = sizeof(gx_batch *),
    .out_size = sizeof(int),
    .doc = "levenshtein over batches of genomics items",
};
