/*
 * test_guard.c: linked into every Criterion test binary (workq_add_test).
 *
 * A test's .timeout guards against a hang only; it is never a timing
 * threshold. Criterion counts it in wall-clock time from the spawn of the
 * test's worker process, so on a 2-core machine shared with other jobs, or
 * under a sanitizer (2 to 20 times slower), a guard sized for an idle
 * machine trips on a test that is only waiting for a core: a flaky failure
 * (seen: a 10 s guard on a test of six argument checks, in a Debug build;
 * 60 s guards on the kernel tests under ASan; test_pool under TSan).
 *
 * Guarantee: before the first test starts, every test's and every suite's
 * guard is multiplied by WQT_GUARD_SCALE (set per build by
 * tests/CMakeLists.txt), once; a test without a guard (0) keeps none. The
 * same factor scales the harness's own guards (test_spawn.c's deadlines).
 * A real hang still fails, WQT_GUARD_SCALE times later.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/internal/ordered-set.h>

#ifndef WQT_GUARD_SCALE
#error "WQT_GUARD_SCALE must be defined (tests/CMakeLists.txt)"
#endif

static void scale(struct criterion_test_extra_data *d) {
    if (d != NULL && d->timeout > 0)
        d->timeout *= WQT_GUARD_SCALE;
}

/* Runs once, in the runner, before any worker is spawned: the runner reads
 * each test's timeout when it spawns that test's worker. */
ReportHook(PRE_ALL)(struct criterion_test_set *set) {
    FOREACH_SET(struct criterion_suite_set * s, set->suites) {
        scale(s->suite.data);
        FOREACH_SET(struct criterion_test * t, s->tests) {
            scale(t->data);
        }
    }
}
