/* The kernels through the engine: registration (idempotent, concurrent),
 * lookup by name, and map / map-reduce over them. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <workq/kernels.h>

static void *register_thread(void *arg) {
    *(int *)arg = wq_kernels_register();
    return NULL;
}

Test(kernel_registry, register_is_idempotent_and_thread_safe, .timeout = 60) {
    enum { T = 8 };
    pthread_t th[T];
    int rc[T];
    for (int i = 0; i < T; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, register_thread, &rc[i]), 0);
    for (int i = 0; i < T; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
        cr_assert_eq(rc[i], 0);
    }
    cr_assert_eq(wq_kernels_register(), 0);
    cr_assert_eq(wq_kernel_find("leibniz"), &wq_kernel_leibniz);
    cr_assert_eq(wq_kernel_find("leibniz-lesson"), &wq_kernel_leibniz_lesson);
    cr_assert_eq(wq_kernel_find("levenshtein"), &wq_kernel_levenshtein);
}

Test(kernel_registry, descriptors, .timeout = 60) {
    cr_assert_eq(wq_kernel_leibniz.in_size, sizeof(wq_range));
    cr_assert_eq(wq_kernel_leibniz.out_size, sizeof(double));
    cr_assert_eq(wq_kernel_levenshtein.in_size, sizeof(wq_pair));
    cr_assert_eq(wq_kernel_levenshtein.out_size, sizeof(size_t));
    cr_assert_not_null(wq_kernel_levenshtein.batch);

    wq_range bad = {5, 4};
    double out = 0;
    cr_assert_eq(wq_kernel_leibniz.fn(&bad, &out, NULL), EINVAL);
    wq_range good = {0, 1};
    cr_assert_eq(wq_kernel_leibniz.fn(&good, &out, NULL), 0);
    cr_assert_eq(out, 4.0);
    cr_assert_eq(wq_kernel_leibniz_lesson.fn(&good, &out, NULL), 0);
    cr_assert_eq(out, 4.0);
}

Test(kernel_registry, leibniz_map_reduce_is_pi, .timeout = 60) {
    cr_assert_eq(wq_kernels_register(), 0);
    const wq_kernel *k = wq_kernel_find("leibniz");
    cr_assert_not_null(k);
    enum { CHUNKS = 100 };
    uint64_t n = 10000000;
    wq_range r[CHUNKS];
    for (int c = 0; c < CHUNKS; c++)
        r[c] = (wq_range){n / CHUNKS * (uint64_t)c, n / CHUNKS * (uint64_t)(c + 1)};
    wq_pool *pool = wq_pool_create(2);
    cr_assert_not_null(pool);
    double pi = 0;
    cr_assert_eq(wq_map_reduce(pool, k, NULL, r, CHUNKS, &wq_sum_f64, &pi, NULL), 0);
    /* pi - 1/n + 1/(4n^3): 1/n is exact in binary only up to rounding, so
     * compare at the double level with a 1 ulp margin. */
    double want = 3.141592653589793 - 1e-7;
    cr_assert_leq(fabs(pi - want), 2 * (nextafter(want, 4.0) - want), "%.17g", pi);

    r[7].start = r[7].end + 1; /* invalid: the kernel fails at item 7 */
    size_t fail = 0;
    cr_assert_eq(wq_map_reduce(pool, k, NULL, r, CHUNKS, &wq_sum_f64, &pi,
                               &(wq_map_opts){.fail_index = &fail}),
                 EINVAL);
    cr_assert_eq(fail, 7);
    wq_pool_destroy(pool);
}

Test(kernel_registry, levenshtein_map, .timeout = 60) {
    static const char *const lesson[][2] = {{"attctg", "accagt"}, {"ccat", "agcattacg"},
                                            {"tacagg", "cctgac"}, {"gttcatgga", "tccg"},
                                            {"catgcg", "gagtac"}, {"tcac", "tgcatgcgg"}};
    static const size_t want[] = {4, 6, 5, 6, 4, 5};
    enum { N = 600 };
    wq_pair *in = malloc(N * sizeof *in);
    size_t *out = malloc(N * sizeof *out);
    cr_assert(in && out);
    for (size_t i = 0; i < N; i++)
        in[i] = (wq_pair){lesson[i % 6][0], lesson[i % 6][1], strlen(lesson[i % 6][0]),
                          strlen(lesson[i % 6][1])};
    cr_assert_eq(wq_kernels_register(), 0);
    const wq_kernel *k = wq_kernel_find("levenshtein");
    cr_assert_not_null(k);
    wq_pool *pool = wq_pool_create(2);
    cr_assert_not_null(pool);
    cr_assert_eq(wq_map(pool, k, NULL, in, out, N, &(wq_map_opts){.chunk_size = 7}), 0);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(out[i], want[i % 6]);
    wq_lev_opts lim = {4};
    cr_assert_eq(wq_map(pool, k, &lim, in, out, N, NULL), 0);
    for (size_t i = 0; i < N; i++)
        cr_assert_eq(out[i], want[i % 6] <= 4 ? want[i % 6] : 5);
    /* the single-item entry point agrees */
    size_t one = 0;
    cr_assert_eq(k->fn(&in[1], &one, NULL), 0);
    cr_assert_eq(one, 6);
    wq_pool_destroy(pool);
    free(in);
    free(out);
}
