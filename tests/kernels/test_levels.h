/*
 * test_levels.h: the dispatch levels a kernel test runs at, each forced.
 */
#ifndef WQ_TEST_LEVELS_H
#define WQ_TEST_LEVELS_H

#include <criterion/parameterized.h>

#include "kernels_internal.h"

/* The parameters of ParameterizedTest(int *level, suite, name): scalar,
 * AVX2 and AVX-512, in that order. A test runs a level its CPU lacks at
 * the CPU's best (level < best ? level : best). */
#define WQT_AT_EACH_LEVEL(suite, name)                                                             \
    ParameterizedTestParameters(suite, name) {                                                     \
        static int levels[] = {WQ__LANES_SCALAR, WQ__LANES_AVX2, WQ__LANES_AVX512};                \
        return cr_make_param_array(int, levels, sizeof levels / sizeof *levels);                   \
    }

#endif
