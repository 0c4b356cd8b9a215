/*
 * pairs.c: the ordered generator (see pairs.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "pairs.h"

#include <errno.h>
#include <string.h>

void gx_pairs_init(gx_pairs_gen *g, gx_reader *r, int fold, const atomic_int *stop) {
    *g = (gx_pairs_gen){.reader = r, .fold = fold, .stop = stop, .err = {GX_OK, 0, ""}};
}

void gx_pairs_done(gx_pairs_gen *g) {
    gx_blocks_free(g->pool);
    g->pool = NULL;
}

int gx_pairs_next(void *gen_ctx, void *out) {
    gx_pairs_gen *g = gen_ctx;
    if (atomic_load(g->stop))
        return 0;
    gx_record a, b;
    int rc;
    while ((rc = gx_reader_pair(g->reader, &a, &b, &g->err)) == 1 && g->skip > 0)
        g->skip--; /* --skip: read and checked, so errors keep their lines */
    if (rc == 0)
        return 0;
    if (rc < 0 && g->err.kind == GX_INTERRUPTED) {
        g->err.kind = GX_OK;
        return 0;
    }
    if (rc < 0)
        return -gx_err_errno(g->err.kind);
    if (g->pool == NULL)
        g->pool = gx_blocks_new(); /* NULL: each item gets a block of its own */
    if (gx_item_copy(out, &a, &b, g->fold, g->pool) != 0) {
        gx_fail(&g->err, GX_ENOMEM, 0, "%s", strerror(ENOMEM));
        return -ENOMEM;
    }
    return 1;
}
