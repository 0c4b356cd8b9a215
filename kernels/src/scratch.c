/*
 * scratch.c: a thread's working blocks for long pairs, kept between pairs.
 *
 * Guarantees:
 * - wq__scratch_take returns a block of at least the size asked for, owned
 *   by the caller until it gives it back with wq__scratch_give, or NULL
 *   (errno ENOMEM); a block is never handed to two callers at once. Only
 *   the bytes asked for are the caller's: under AddressSanitizer the rest
 *   of a kept block is poisoned while the caller holds it, so that a step
 *   past them is reported as it would be in a block of its own.
 * - A thread keeps at most SCRATCH_SLOTS blocks of at most SCRATCH_MAX
 *   bytes each, freed when the thread exits (the key's destructor). A
 *   thread that never exits keeps them until the process ends.
 * - Without thread-specific storage (pthread_key_create failed), take is
 *   malloc and give is free.
 *
 * Why: a long pair's bounds and letter codes take 100-150 KB at 100 kb.
 * Freed at the top of the heap, such blocks made glibc trim the heap (or
 * unmap them, below its mmap threshold's first rise), and the next pair
 * faulted the same pages in again: in a process with no other heap use,
 * 4.5 to 5.5 times the CPU of the kernel itself on 20 pairs of 100 kb.
 *
 * No locks: the slots are the calling thread's own.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "kernels_internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define SCRATCH_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SCRATCH_ASAN 1
#endif
#endif
#ifdef SCRATCH_ASAN
#include <sanitizer/asan_interface.h>
#define SCRATCH_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define SCRATCH_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define SCRATCH_POISON(p, n) ((void)(p), (void)(n))
#define SCRATCH_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SCRATCH_SLOTS 2
#define SCRATCH_MAX ((size_t)8 << 20)

typedef struct slot {
    void *p;
    size_t size;
} slot;

static pthread_key_t key;
static int have_key; /* written once under pthread_once */

static void slots_free(void *arg) {
    slot *s = arg;
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        free(s[i].p);
    free(s);
}

static void key_make(void) {
    have_key = pthread_key_create(&key, slots_free) == 0;
}

/* This thread's slots, made on first use; NULL without them. */
static slot *slots(int make) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    if (pthread_once(&once, key_make) != 0 || !have_key)
        return NULL;
    slot *s = pthread_getspecific(key);
    if (s || !make)
        return s;
    s = calloc(SCRATCH_SLOTS, sizeof *s);
    if (s && pthread_setspecific(key, s) != 0) {
        free(s);
        s = NULL;
    }
    return s;
}

void *wq__scratch_take(size_t size, size_t *got) {
    slot *s = slots(0);
    /* The smallest kept block that is large enough. */
    int best = -1;
    for (int i = 0; s && i < SCRATCH_SLOTS; i++)
        if (s[i].p && s[i].size >= size && (best < 0 || s[i].size < s[best].size))
            best = i;
    if (best >= 0) {
        char *p = s[best].p;
        *got = s[best].size;
        s[best].p = NULL;
        SCRATCH_POISON(p + size, *got - size);
        return p;
    }
    void *p = malloc(size ? size : 1);
    if (!p) {
        errno = ENOMEM;
        return NULL;
    }
    *got = size;
    return p;
}

void wq__scratch_give(void *p, size_t size) {
    if (!p)
        return;
    SCRATCH_UNPOISON(p, size);
    slot *s = size <= SCRATCH_MAX ? slots(1) : NULL;
    /* An empty slot, else the smallest kept block if this one is larger. */
    int put = -1;
    for (int i = 0; s && i < SCRATCH_SLOTS; i++) {
        if (!s[i].p) {
            put = i;
            break;
        }
        if (put < 0 || s[i].size < s[put].size)
            put = i;
    }
    if (put < 0 || (s[put].p && s[put].size >= size)) {
        free(p);
        return;
    }
    free(s[put].p);
    s[put].p = p;
    s[put].size = size;
}
