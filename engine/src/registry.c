/*
 * The kernel registry: a process-wide table from name to descriptor.
 *
 * Guarantees: thread-safe (one mutex, reg_mu, protects the table); names are
 * unique; a registered descriptor stays findable for the life of the
 * process. Descriptors are borrowed, not copied. Lookups are linear: the
 * table holds a handful of kernels.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t reg_mu = PTHREAD_MUTEX_INITIALIZER;
static const wq_kernel **reg_table; /* reg_mu */
static size_t reg_len, reg_cap;     /* reg_mu */

static const wq_kernel *lookup(const char *name) {
    for (size_t i = 0; i < reg_len; i++)
        if (strcmp(reg_table[i]->name, name) == 0)
            return reg_table[i];
    return NULL;
}

static int table_reserve(void) {
    if (reg_len < reg_cap)
        return 0;
    size_t ncap = reg_cap ? 2 * reg_cap : 16;
    const wq_kernel **t = wq__malloc(ncap * sizeof *t);
    if (!t)
        return ENOMEM;
    if (reg_len)
        memcpy(t, reg_table, reg_len * sizeof *t);
    free(reg_table);
    reg_table = t;
    reg_cap = ncap;
    return 0;
}

int wq_kernel_register(const wq_kernel *k) {
    if (!k || !k->name || !k->name[0] || !k->fn || !k->in_size || !k->out_size)
        return EINVAL;
    wq__check(pthread_mutex_lock(&reg_mu));
    int err = lookup(k->name) ? EEXIST : table_reserve();
    if (!err)
        reg_table[reg_len++] = k;
    wq__check(pthread_mutex_unlock(&reg_mu));
    return err;
}

const wq_kernel *wq_kernel_find(const char *name) {
    if (!name)
        return NULL;
    wq__check(pthread_mutex_lock(&reg_mu));
    const wq_kernel *k = lookup(name);
    wq__check(pthread_mutex_unlock(&reg_mu));
    return k;
}
