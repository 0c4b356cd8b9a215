/*
 * test_set.c: the sequence set and the item pool, directly: get gives
 * back every record, pack/unpack carries the sequences exactly (and a
 * corrupt buffer is rejected), the all-pairs walk started at any (i, j) is
 * the tail of the walk from (0, 1), and pooled item copies outlive the
 * pool's owner.
 */
#define _POSIX_C_SOURCE 200809L

#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "items.h"
#include "set.h"
#include "util.h"

static const char fasta[] = ">a x\nACGT\n>b\n\n>c\nGG\nTT\n>d\nAcGt\n";

static gx_set *load(const char *text, int fold) {
    char *path = gxt_file(text, strlen(text), 0);
    gx_err err = {GX_OK, 0, ""};
    gx_reader *r = gx_reader_open(path, 0, -1, &err);
    cr_assert_not_null(r, "%s", err.msg);
    gx_set *set = gx_set_load(r, fold, &err);
    cr_assert_not_null(set, "%s", err.msg);
    gx_reader_close(r);
    gxt_unlink(path);
    return set;
}

static void expect_seq(const gx_set *set, size_t k, const char *name, const char *seq) {
    gx_record rec;
    gx_set_get(set, k, &rec);
    cr_expect_eq(rec.namelen, strlen(name));
    cr_expect_eq(memcmp(rec.name, name, rec.namelen), 0, "name %zu", k);
    cr_expect_eq(rec.seqlen, strlen(seq));
    cr_expect_eq(memcmp(rec.seq, seq, rec.seqlen), 0, "sequence %zu", k);
}

Test(set, get_every_record, .timeout = 30) {
    gx_set *set = load(fasta, 1);
    cr_assert_eq(gx_set_size(set), 4);
    cr_expect_eq(gx_set_pairs(set), 6);
    expect_seq(set, 0, "a", "acgt");
    expect_seq(set, 1, "b", "");
    expect_seq(set, 2, "c", "ggtt");
    expect_seq(set, 3, "d", "acgt");
    gx_set_free(set);
}

Test(set, pack_unpack_round_trip, .timeout = 30) {
    gx_set *set = load(fasta, 0);
    void *buf;
    size_t len;
    cr_assert_eq(gx_set_pack(set, &buf, &len), 0);
    cr_expect_eq(len, 5 * sizeof(uint64_t) + 12);
    gx_set *copy;
    cr_assert_eq(gx_set_unpack(buf, len, &copy), 0);
    cr_assert_eq(gx_set_size(copy), 4);
    expect_seq(copy, 0, "ACGT", "ACGT"); /* names are not packed */
    expect_seq(copy, 1, "", "");
    expect_seq(copy, 2, "GGTT", "GGTT");
    expect_seq(copy, 3, "AcGt", "AcGt");
    gx_set_free(copy);
    gx_set_free(set);
}

Test(set, unpack_rejects_corrupt_buffers, .timeout = 30) {
    gx_set *set = load(fasta, 0), *copy = NULL;
    void *buf;
    size_t len;
    cr_assert_eq(gx_set_pack(set, &buf, &len), 0);
    cr_expect_eq(gx_set_unpack(buf, len - 1, &copy), EPROTO); /* a byte short */
    cr_expect_eq(gx_set_unpack(buf, 4, &copy), EPROTO);       /* no count */
    uint64_t n = 1000;
    memcpy(buf, &n, sizeof n);
    cr_expect_eq(gx_set_unpack(buf, len, &copy), EPROTO); /* count beyond the buffer */
    n = 3;
    memcpy(buf, &n, sizeof n);
    cr_expect_eq(gx_set_unpack(buf, len, &copy), EPROTO); /* bytes left over */
    cr_expect_null(copy);
    free(buf);
    gx_set_free(set);
}

Test(set, walk_from_any_pair_is_a_tail, .timeout = 30) {
    gx_set *set = load(">0\nA\n>1\nC\n>2\nG\n>3\nT\n>4\nAC\n", 0);
    atomic_int stop = 0;
    gx_all_gen g;
    gx_item all[10], it;
    cr_assert_eq(gx_all_start(&g, set, 0, 1, &stop), 0);
    size_t n = 0;
    while (gx_all_next(&g, &all[n]) == 1)
        cr_assert_lt(++n, 11);
    cr_assert_eq(n, 10);
    size_t k = 0;
    for (size_t i = 0; i < 5; i++) {
        for (size_t j = i + 1; j < 5; j++, k++) {
            cr_assert_eq(gx_all_start(&g, set, i, j, &stop), 0);
            for (size_t m = k; m < n; m++) {
                cr_assert_eq(gx_all_next(&g, &it), 1);
                cr_assert_eq(it.pair.a, all[m].pair.a, "from (%zu, %zu), pair %zu", i, j, m);
                cr_assert_eq(it.pair.b, all[m].pair.b);
                cr_assert_null(it.owned);
            }
            cr_assert_eq(gx_all_next(&g, &it), 0);
        }
    }
    cr_expect_eq(gx_all_start(&g, set, 2, 2, &stop), EINVAL);
    cr_expect_eq(gx_all_start(&g, set, 3, 5, &stop), EINVAL);
    atomic_store(&stop, 1);
    cr_assert_eq(gx_all_start(&g, set, 0, 1, &stop), 0);
    cr_expect_eq(gx_all_next(&g, &it), 0);
    gx_set_free(set);
}

/* Items copied into a pool keep their bytes after the pool is given up;
 * the last release frees it (ASan/valgrind would see a leak or a use after
 * free). Long pairs get blocks of their own. */
Test(items, copies_outlive_the_pool, .timeout = 30) {
    enum { N = 100 };
    static char longseq[1000];
    memset(longseq, 'g', sizeof longseq);
    gx_blocks *pool = gx_blocks_new();
    cr_assert_not_null(pool);
    gx_item items[N];
    for (size_t k = 0; k < N; k++) {
        gx_record a = {"A1", 2, "ACGT", 4, 1};
        gx_record b = {longseq, k % 7 == 0 ? sizeof longseq : 3, longseq,
                       k % 7 == 0 ? sizeof longseq : 3, 2};
        cr_assert_eq(gx_item_copy(&items[k], &a, &b, 1, pool), 0);
        if (k % 2 == 1)
            gx_item_release(&items[k - 1]);
    }
    gx_blocks_free(pool);
    for (size_t k = 1; k < N; k += 2) {
        cr_assert_eq(items[k].pair.alen, 4);
        cr_assert_eq(memcmp(items[k].pair.a, "acgt", 4), 0);
        cr_assert_eq(memcmp(items[k].na, "A1", 2), 0);
        cr_assert_eq(items[k].pair.b[0], 'g');
        gx_item_release(&items[k]);
    }
}
