/* The kernels' per-thread working blocks (scratch.c): a block given back
 * is the one the next take of a size it covers gets, the smallest such one
 * of those kept; a larger block replaces the smallest kept one; another
 * thread never gets a block this thread keeps; blocks past the size limit
 * are not kept. scratch.c is compiled into this test (hidden in shared
 * builds). */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kernels_internal.h"

/* Takes a block of size bytes and checks what it reports. */
static void *take(size_t size, size_t *got) {
    void *p = wq__scratch_take(size, got);
    cr_assert_not_null(p);
    cr_assert_geq(*got, size);
    memset(p, 0xa5, *got); /* all of it is the caller's */
    return p;
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
    void *a = take(1000, &ga), *b = take(2000, &gb);
    wq__scratch_give(a, ga);
    wq__scratch_give(b, gb);
    /* Both slots full: a larger block replaces the smaller one (a). */
    void *c = take(3000, &gc);
    cr_assert(c != a && c != b);
    wq__scratch_give(c, gc);
    void *p = take(500, &g);
    cr_assert_eq(p, b, "the 2000-byte block is the smallest kept one that covers 500");
    void *q = take(2500, &g);
    cr_assert_eq(q, c);
    /* Nothing kept covers 4000: a new block. */
    void *r = take(4000, &g);
    cr_assert(r != a && r != b && r != c);
    wq__scratch_give(r, g);
    wq__scratch_give(q, gc);
    wq__scratch_give(p, gb);
}

Test(scratch, a_smaller_block_does_not_replace_larger_ones, .timeout = 30) {
    size_t ga, gb, gc, g;
    void *a = take(5000, &ga), *b = take(6000, &gb);
    wq__scratch_give(a, ga);
    wq__scratch_give(b, gb);
    void *c = take(7000, &gc); /* new: neither kept block covers it */
    cr_assert(c != a && c != b);
    void *small = take(10, &g); /* a, the smallest that covers */
    cr_assert_eq(small, a);
    wq__scratch_give(small, g);
    /* a and b kept again; c (7000) replaces a, then a 100-byte block is
     * freed rather than kept. */
    wq__scratch_give(c, gc);
    size_t g100;
    void *tiny = wq__scratch_take(100, &g100);
    cr_assert_eq(tiny, b, "b is the smallest kept block now");
    wq__scratch_give(tiny, g100);
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
        memset(p, 0x5a, g);
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
