/*
 * test_pool_suite.h: a Criterion suite whose tests share `pool`, a pool of
 * n workers made before each test and destroyed after it.
 *
 *   WQT_POOL_SUITE(search, 2);   then Test(search, ...) uses pool.
 */
#ifndef WORKQ_TEST_POOL_SUITE_H
#define WORKQ_TEST_POOL_SUITE_H

#include <criterion/criterion.h>
#include <workq/workq.h>

#define WQT_POOL_SUITE(suite, n)                                                                   \
    static wq_pool *pool;                                                                          \
    static void suite##_pool_setup(void) {                                                         \
        pool = wq_pool_create(n);                                                                  \
        cr_assert_not_null(pool);                                                                  \
    }                                                                                              \
    static void suite##_pool_teardown(void) {                                                      \
        wq_pool_destroy(pool);                                                                     \
    }                                                                                              \
    TestSuite(suite, .init = suite##_pool_setup, .fini = suite##_pool_teardown)

#endif
