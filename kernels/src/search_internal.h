/*
 * search_internal.h: the pieces under workq/search.h (not installed).
 *
 *   wq__uniq  exact duplicates collapsed: uniques in first-occurrence order,
 *             each with its members (input indices, ascending);
 *   wq__sidx  the segment index over a set of uniques, and its probe.
 *
 * Both are built once and then only read, so any number of workers may
 * probe at once. Every loop that can run long ticks the search's stop
 * (wq__stop), so a stop ends any phase after a bounded amount of work.
 */
#ifndef WORKQ_SEARCH_INTERNAL_H
#define WORKQ_SEARCH_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <workq/search.h>

/* ------------------------------------------------------------ the stop -- */

/* The phases of a search, in the order they run (wq__poll_phase). */
typedef enum wq__phase {
    WQ__PH_UNIQ = 1, /* the duplicate table (pool) */
    WQ__PH_BUILD,    /* the index: length classes, then the tables (pool) */
    WQ__PH_DUPS,     /* the neighbour lists of duplicated sequences (pool) */
    WQ__PH_PROBE,    /* probing and verifying, brute-force classes included */
    WQ__PH_LABELS    /* clusters: each input's label (calling thread) */
} wq__phase;

/* A search's stop: the caller's callback, called with n == 0 by whichever
 * thread is working (the caller's or a worker) after every WQ__TICK units
 * of its work (about a byte hashed, a table entry or a DP word each: well
 * under a millisecond), and with the hits by the search's result callback.
 * Once fn returns non-zero, rc holds that value, fn is never called again,
 * and every thread that ticks returns rc, unwinding its phase. */
typedef struct wq__stop {
    wq_hits_fn fn; /* NULL: nothing to poll, never stops */
    void *ctx;
    pthread_mutex_t mu; /* serializes the calls of fn (and the write of rc) */
    atomic_int rc;      /* 0, or fn's stop value */
    atomic_int phase;   /* the running phase, set by the calling thread */
} wq__stop;

enum { WQ__TICK = 1 << 18 };

/* The phase whose poll is calling fn: valid on fn's thread during an
 * n == 0 call (for tests). */
extern _Thread_local int wq__poll_phase;
/* Work this thread did since its last poll. */
extern _Thread_local size_t wq__tick_work;

/* 0 or a pthread_mutex_init error. */
int wq__stop_init(wq__stop *st, wq_hits_fn fn, void *ctx);
void wq__stop_destroy(wq__stop *st);

/* Calls fn with n == 0 unless a call is under way (that one reports any
 * stop). Returns 0 or the stop value. */
int wq__stop_poll(wq__stop *st);

/* Calls fn with hits[0..n) (waits for a poll under way). Returns 0 or the
 * stop value (fn is not called once stopped). */
int wq__stop_deliver(wq__stop *st, const wq_hit *hits, size_t n);

static inline int wq__stopped(wq__stop *st) {
    return atomic_load_explicit(&st->rc, memory_order_relaxed);
}

/* Counts work units of this thread's; polls once they reach WQ__TICK.
 * Returns 0 or the stop value. */
static inline int wq__tick(wq__stop *st, size_t work) {
    int rc = wq__stopped(st);
    if (rc != 0 || st->fn == NULL)
        return rc;
    wq__tick_work += work;
    if (wq__tick_work < WQ__TICK)
        return 0;
    wq__tick_work = 0;
    return wq__stop_poll(st);
}

/* A growing array of uint32_t. */
typedef struct wq__u32v {
    uint32_t *v;
    size_t n, cap;
} wq__u32v;

/* A zeroed array of n items of size bytes for a table read at random (on
 * huge pages where possible); NULL when out of memory. Freed with free(). */
void *wq__table_alloc(size_t n, size_t size);

/* Appends x; 0 or ENOMEM. */
int wq__u32v_push(wq__u32v *a, uint32_t x);

typedef struct wq__uniq {
    const wq_seq *seqs; /* the input, n entries */
    size_t n;
    uint32_t nu;      /* distinct sequences */
    uint32_t *of;     /* of[i]: the unique of input i */
    uint32_t *first;  /* first[u]: its first input index (ascending in u) */
    uint32_t *last;   /* last[u]: its last input index */
    uint32_t *mstart; /* members of u: members[mstart[u] .. mstart[u + 1]) */
    uint32_t *members;
    uint64_t *multi; /* bit u (multi[u / 64] >> u % 64): u has more than one member */
    size_t maxlen;   /* longest sequence */
} wq__uniq;

/* Collapses seqs[0..n) on pool's workers, ticking st. Returns 0, EOVERFLOW
 * (n > 2^32 - 2), ENOMEM or the stop value. */
int wq__uniq_build(wq_pool *pool, wq__uniq *q, const wq_seq *seqs, size_t n, wq__stop *st);
void wq__uniq_free(wq__uniq *q);

static inline const wq_seq *wq__uniq_seq(const wq__uniq *q, uint32_t u) {
    return &q->seqs[q->first[u]];
}

/* A table slot: one entry of the index, the segment key's tag, the unique's
 * id and its fingerprint, side by side, so that a probe finds a bucket's
 * entries and drops most wrong candidates in one cache line, without
 * reading their bytes. A key's entries are the slots with its tag in the
 * run of full slots from its home. Tags are the key's high half: two keys
 * with the same tag only add candidates, which verification drops. */
typedef struct wq__slot {
    uint32_t tag; /* 0: empty (tags are odd) */
    uint32_t id;
    uint64_t fp;
} wq__slot;

/* The uniques of one length: bylen[cstart .. cend), ascending, and when
 * indexed, their segments' table (open addressing, mask + 1 slots per
 * sub-table, one slot per entry). */
typedef struct wq__class {
    size_t len;
    uint32_t cstart, cend;
    size_t mask;     /* each of the NPART sub-tables has mask + 1 slots */
    wq__slot *slots; /* the sub-tables, one after the other */
    int indexed;
} wq__class;

/* Sizes of the probe by table region (search_index.c), read once per
 * search: the defaults, which tests may lower (before a search starts, on
 * the thread that starts it) to cross every boundary with small inputs. */
typedef struct wq__tune {
    size_t window;    /* probes per window; 0: the default (an eighth of the probes, >= 65,536) */
    size_t part_min;  /* a search probes by region once a class's table has this many slots */
    size_t region;    /* slots per region, a power of two */
    size_t part_also; /* ... and then every class's table of this many slots or more */
} wq__tune;

extern wq__tune wq__search_tune;

typedef struct wq__sidx {
    const wq__uniq *q;
    size_t k;        /* the distance bound, already capped at the longest length */
    wq_seq *rep;     /* rep[u]: the bytes of unique u */
    uint32_t *bylen; /* the uniques by length, then id */
    size_t nclass;   /* length classes, ascending */
    wq__class *cls;
    wq__stop *st;    /* ticked while building */
    size_t part_min; /* wq__search_tune's, at build */
    size_t region;
    size_t part_also;
} wq__sidx;

/* Builds the index over q's uniques for distance k (<= q->maxlen), the
 * tables on pool's workers, ticking st. Returns 0, EOVERFLOW, ENOMEM or
 * the stop value. */
int wq__sidx_build(wq_pool *pool, wq__sidx *x, const wq__uniq *q, size_t k, wq__stop *st);
void wq__sidx_free(wq__sidx *x);

/* Which candidates a probe keeps: v != self, and v >= from or (key set
 * and key[v] > thr). The id test comes first: it costs no memory access.
 * only, when set, is a bitmap (as wq__uniq's multi) holding every v < from
 * with key[v] > thr: key[v] is read only for those (a bitmap of N bits
 * stays in cache where key[] does not). */
typedef struct wq__keep {
    uint32_t self; /* UINT32_MAX: none */
    uint32_t from;
    const uint32_t *key; /* NULL: the id test alone */
    uint32_t thr;
    const uint64_t *only; /* NULL: key[v] is read for every v < from */
} wq__keep;

/* Appends to c every unique v of x's set that passes keep and that the
 * filter cannot rule out for distance <= x->k from r[0..m): a superset of
 * the true neighbours, each v once, ascending within each length class.
 * Returns 0 or ENOMEM. Thread-safe (reads x only). */
int wq__sidx_probe(const wq__sidx *x, const unsigned char *r, size_t m, const wq__keep *keep,
                   wq__u32v *c);

/*
 * The probe by table region, for many probes at once. One key per probe and
 * segment shift lands at random in a class's table: when the table is far
 * larger than the cache, that is one cache miss per key. A window of probes
 * therefore computes all its keys into the large tables first, sorts them
 * by table region (the key's bits that choose its slot), and looks up one
 * region at a time, so the slots read stay in cache; the candidates found
 * are then handed to each probe. wq__win_probe returns exactly what
 * wq__sidx_probe returns for the same probe (same ids, same order).
 */

/* Probe pi of a window: sets its bytes r[0..m) and keep; returns 0 when
 * the probe is skipped (never asked for by wq__win_probe). */
typedef int (*wq__probe_fn)(const void *ctx, size_t pi, const unsigned char **r, size_t *m,
                            wq__keep *kp);

struct wq__wrec;

/* One window's lookups. Its arrays are kept from window to window (grown
 * when a window needs more), so a search's windows reuse their memory. */
typedef struct wq__win {
    size_t n;         /* probes */
    size_t span;      /* slots per probe: the large classes it reaches, at most */
    int direct;       /* no lookups here: wq__win_probe probes directly */
    uint64_t *reads;  /* per slot (probe * span + rank): tag-matching entries read,
                         UINT64_MAX: the whole class */
    uint32_t *cstart; /* per slot: its candidates are cand[cstart[s] .. cstart[s + 1]) */
    uint32_t *cand;
    struct wq__wrec *rec; /* the keys, while building */
    size_t slots_cap, cstart_cap, cand_cap, rec_cap;
} wq__win;

/* Whether x has a table large enough to be probed by region. */
int wq__sidx_regional(const wq__sidx *x);

/* Looks up the keys of probes [0, n) (described by fn) in x's large tables,
 * region by region on pool's workers, into w (zeroed before its first
 * window, then reused). Returns 0, ENOMEM or the stop value (x->st's); w
 * is freed by wq__win_free, on failure too. */
int wq__win_build(wq_pool *pool, const wq__sidx *x, wq__win *w, size_t n, wq__probe_fn fn,
                  const void *ctx);
void wq__win_free(wq__win *w);

/* wq__sidx_probe for probe pi of w (same r, m and keep as fn gave).
 * Thread-safe (reads x and w only). */
int wq__win_probe(const wq__sidx *x, const wq__win *w, size_t pi, const unsigned char *r, size_t m,
                  const wq__keep *kp, wq__u32v *c);

#endif /* WORKQ_SEARCH_INTERNAL_H */
