/* The kernels' per-thread working blocks (scratch.c): a block given back
 * is the one the next take of a size it covers gets, the smallest such one
 * of those kept; a larger block replaces the smallest kept one; another
 * thread never gets a block this thread keeps; blocks past the size limit
 * are not kept. scratch.c is compiled into this test (hidden in shared
 * builds). */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kernels_internal.h"

/* Takes a block of size bytes and checks what it reports. */
static void *take(size_t size, size_t *got) {
    void *p = wq__scratch_take(size, got);
    cr_assert_not_null(p);
    cr_assert_geq(*got, size);
    memset(p, 0xa5, size); /* the bytes asked for are the caller's */
    return p;
}

/* Takes blocks of na and nb bytes and gives both back: the thread keeps
 * both (it has two slots). */
static void keep_two(size_t na, size_t nb, void **a, size_t *ga, void **b, size_t *gb) {
    *a = take(na, ga);
    *b = take(nb, gb);
    wq__scratch_give(*a, *ga);
    wq__scratch_give(*b, *gb);
}

/* Takes a block of size bytes that none of those kept (a, b) covers: a
 * new one. */
static void *take_new(size_t size, size_t *got, const void *a, const void *b) {
    void *c = take(size, got);
    cr_assert(c != a && c != b);
    return c;
}

Test(scratch, a_given_block_is_taken_again, .timeout = 30) {
    size_t g1, g2;
    void *p = take(100000, &g1);
    wq__scratch_give(p, g1);
    void *q = take(1000, &g2);
    cr_assert_eq(q, p);
    cr_assert_eq(g2, g1, "the kept block's whole size is reported");
    wq__scratch_give(q, g2);
}

Test(scratch, the_smallest_block_that_covers_is_taken, .timeout = 30) {
    size_t ga, gb, gc, g;
    void *a, *b;
    keep_two(1000, 2000, &a, &ga, &b, &gb);
    /* Both slots full: a larger block replaces the smaller one (a). */
    void *c = take_new(3000, &gc, a, b);
    wq__scratch_give(c, gc);
    void *p = take(500, &g);
    cr_assert_eq(p, b, "the 2000-byte block is the smallest kept one that covers 500");
    void *q = take(2500, &g);
    cr_assert_eq(q, c);
    /* Nothing kept covers 4000: a new block. */
    void *r = take_new(4000, &g, b, c);
    wq__scratch_give(r, g);
    wq__scratch_give(q, gc);
    wq__scratch_give(p, gb);
}

Test(scratch, a_smaller_block_does_not_replace_larger_ones, .timeout = 30) {
    size_t ga, gb, g1, g2;
    void *a, *b;
    keep_two(5000, 6000, &a, &ga, &b, &gb);
    void *small = malloc(100); /* any malloc'd block may be given */
    cr_assert_not_null(small);
    wq__scratch_give(small, 100); /* both slots hold larger blocks: freed */
    void *p = take(10, &g1), *q = take(10, &g2);
    cr_assert(p == a && q == b, "the kept blocks are still a and b, the smaller first");
    wq__scratch_give(p, g1);
    wq__scratch_give(q, g2);
}

Test(scratch, blocks_past_the_limit_are_not_kept, .timeout = 30) {
    size_t g, gs;
    void *s = take(64, &gs);
    wq__scratch_give(s, gs);
    void *big = take((size_t)16 << 20, &g);
    wq__scratch_give(big, g); /* freed: the 64-byte block stays kept */
    void *p = take(32, &g);
    cr_assert_eq(p, s);
    wq__scratch_give(p, g);
}

static void *other_thread(void *arg) {
    size_t g;
    void *p = wq__scratch_take(1000, &g);
    if (p) {
        memset(p, 0x5a, 1000);
        wq__scratch_give(p, g); /* kept until this thread exits */
    }
    return p == arg ? (void *)1 : NULL;
}

Test(scratch, another_thread_never_gets_this_threads_block, .timeout = 30) {
    size_t g;
    void *p = take(100000, &g);
    wq__scratch_give(p, g); /* kept by this thread */
    pthread_t t;
    void *same = NULL;
    cr_assert_eq(pthread_create(&t, NULL, other_thread, p), 0);
    cr_assert_eq(pthread_join(t, &same), 0);
    cr_assert_null(same);
    void *q = take(100000, &g);
    cr_assert_eq(q, p, "still this thread's");
    wq__scratch_give(q, g);
}
