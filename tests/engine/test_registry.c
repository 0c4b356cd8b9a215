/* The kernel registry. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"

Test(registry, register_and_find, .timeout = 60) {
    cr_assert_null(wq_kernel_find("test-affine"));
    cr_assert_eq(wq_kernel_register(&k_affine), 0);
    cr_assert_eq(wq_kernel_find("test-affine"), &k_affine);
    cr_assert_eq(wq_kernel_register(&k_affine), EEXIST);
    cr_assert_null(wq_kernel_find("nope"));
    cr_assert_null(wq_kernel_find(NULL));
}

Test(registry, rejects_incomplete_descriptors, .timeout = 60) {
    wq_kernel k = k_affine;
    cr_assert_eq(wq_kernel_register(NULL), EINVAL);
    k.name = NULL;
    cr_assert_eq(wq_kernel_register(&k), EINVAL);
    k.name = "";
    cr_assert_eq(wq_kernel_register(&k), EINVAL);
    k = k_affine;
    k.fn = NULL;
    cr_assert_eq(wq_kernel_register(&k), EINVAL);
    k = k_affine;
    k.in_size = 0;
    cr_assert_eq(wq_kernel_register(&k), EINVAL);
}

/* Many threads register distinct names at once: all are found afterwards. */
enum { THREADS = 8, PER = 50 };
static char names[THREADS][PER][16];
static wq_kernel kernels[THREADS][PER];

static void *register_many(void *arg) {
    int t = (int)(intptr_t)arg;
    for (int i = 0; i < PER; i++) {
        snprintf(names[t][i], sizeof names[t][i], "k-%d-%d", t, i);
        kernels[t][i] = k_affine;
        kernels[t][i].name = names[t][i];
        cr_assert_eq(wq_kernel_register(&kernels[t][i]), 0);
    }
    return NULL;
}

Test(registry, concurrent_registration, .timeout = 60) {
    pthread_t th[THREADS];
    for (intptr_t t = 0; t < THREADS; t++)
        cr_assert_eq(pthread_create(&th[t], NULL, register_many, (void *)t), 0);
    for (int t = 0; t < THREADS; t++)
        cr_assert_eq(pthread_join(th[t], NULL), 0);
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER; i++)
            cr_assert_eq(wq_kernel_find(names[t][i]), &kernels[t][i]);
}
