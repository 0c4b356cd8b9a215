/*
 * workq._workq: the CPython extension behind `import workq`, on the plain
 * documented C API (PEP 489 multi-phase init, module state, no globals).
 *
 * Guarantees:
 *   - Inputs (str (ASCII) or bytes items) are copied, their bytes back to
 *     back, before the GIL is released: no other Python thread can free or
 *     change what the engine reads, and the caller's objects are only read,
 *     their reference counts included (see seqs). Two long lists are copied
 *     at once, in chunks, by the engine's threads and the GIL's holder,
 *     which waits for them (see COPY_AT_ONCE_MIN); distances() computes in
 *     the same job once every item is copied (see fuse_job).
 *   - Every engine computation runs with the GIL released. The calling thread
 *     waits on a condition with a timeout of POLL_MS and, between waits,
 *     takes the GIL to run PyErr_CheckSignals(): an exception from a signal
 *     handler (KeyboardInterrupt) cancels the job, the running blocks finish
 *     (each is cut to a few milliseconds, BLOCK_BUDGET), and the exception is
 *     raised. A result object is never returned half-written.
 *   - Results are array.array columns (buffer protocol, so numpy.asarray views
 *     them without a copy); matrices are 2-D memoryviews on one array.
 *   - Pool.map_async: the engine reports each block of a job; the last
 *     report queues the job for the module's delivery thread (a Python
 *     thread started on first use), which runs the callbacks one at a time,
 *     with the GIL held, in the order the jobs finish. Engine threads never
 *     call into Python.
 *
 * Locking: module_state.mu protects the delivery queue, every job's
 * reported/err/done fields and every pool's pending count (marked (mu)).
 * Lock order: the GIL, then mu. Whoever holds mu holds it for a few
 * instructions or a condition wait, and never waits for the GIL meanwhile,
 * so engine threads (which never take the GIL) cannot deadlock with Python
 * threads. A synchronous run's own waiter.mu protects its counters.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <workq/kernels.h>
#include <workq/search.h>
#include <workq/version.h>
#include <workq/workq.h>

/* How often a waiting thread checks for signals. */
#define POLL_MS 20
/* A block (one engine task) holds at most this much estimated work (about a
 * nanosecond a unit, see pair_cost) and at most BLOCK_PAIRS pairs. */
#define BLOCK_BUDGET ((size_t)1 << 21)
#define BLOCK_PAIRS ((size_t)8192)
/* An element-wise run is cut into BLOCKS_MIN blocks or more (blocks of no
 * less than BLOCK_MIN_BUDGET), so that the workers finish close together:
 * 4000 pairs of 500 bytes made 8 blocks of about 5 ms, and while the last
 * one ran the other worker had nothing left to take. A run of less than
 * INLINE_BUDGET is one block, on the calling thread. */
#define BLOCKS_MIN 32
#define BLOCK_MIN_BUDGET ((size_t)1 << 16)
#define INLINE_BUDGET ((size_t)1 << 18)
/* Pairs handed to the batch kernel at once (a stack buffer per block). */
#define SLICE 512
/* pi's geometry, as apps/pi (args.h, compute.h) defines it. */
#define PI_PIECE_TERMS (UINT64_C(1) << 22)
#define PI_CHUNK_TERMS UINT64_C(65536)
#define PI_CHUNKS_DEFAULT UINT64_C(256)
#define PI_CHUNKS_MAX (UINT64_C(1) << 20)

/* The array.array typecode whose items are size_t. */
#if SIZE_MAX == ULONG_MAX
#define SIZE_TYPECODE "L"
#elif SIZE_MAX == ULLONG_MAX
#define SIZE_TYPECODE "Q"
#else
#error "no array.array typecode for size_t"
#endif

/* ------------------------------------------------------------- state -- */

typedef struct job_obj job_obj;
typedef struct imap_obj imap_obj;

/* Mappings kept between calls for the input copies (see big_alloc), at
 * most SCRATCH_SLOTS of them, SCRATCH_KEEP bytes in all and none larger
 * than SCRATCH_BLOCK_MAX. A call on two sequences uses four blocks (two
 * per side: the views and the bytes); 1M pairs of 14 bytes take 16 MiB
 * each, so the kept 64 MiB serve the next such call whole. (It was 32 MiB
 * in all: every such call mapped two blocks afresh and unmapped two, 15
 * huge-page faults a call, and this VM's fresh pages cost 0.1 to 2 ms a
 * MiB, depending on whether the host still backs the guest's free pages:
 * see big_alloc.) (GIL) */
#define SCRATCH_SLOTS 8
#define SCRATCH_KEEP ((size_t)128 << 20)
#define SCRATCH_BLOCK_MAX ((size_t)32 << 20)
typedef struct scratch {
    void *map[SCRATCH_SLOTS]; /* NULL: a free slot */
    size_t len[SCRATCH_SLOTS];
} scratch;

typedef struct module_state {
    PyTypeObject *pool_type;
    PyTypeObject *alignment_type; /* a struct sequence */
    PyTypeObject *job_type;
    PyTypeObject *imap_type; /* Pool.imap_distances' iterator */
    PyObject *array_type;    /* array.array */
    PyObject *thread_type;   /* threading.Thread */
    wq_pool *default_pool;   /* workers=None; created on first use (GIL) */
    wq_pool *kept_pool;      /* the last pool of workers=N, for the next call with N;
                                NULL while a call uses it (GIL) */
    unsigned kept_workers;   /* its N (GIL) */
    pid_t pools_pid;         /* the process whose threads the two pools have (GIL) */
    pthread_mutex_t mu;      /* see the file comment */
    pthread_cond_t cv;       /* a job was queued or finished (mu) */
    job_obj *queue_head;     /* finished jobs to deliver, FIFO (mu) */
    job_obj *queue_tail;     /* (mu) */
    int deliverer_started;   /* the delivery thread runs (GIL) */
    unsigned long deliverer; /* its thread id (GIL) */
    int sync_ok;             /* mu and cv were initialised */
    scratch scratch;         /* (GIL) */
    size_t trip_item;        /* the test hook's item, SIZE_MAX: none (see copy_trip) (GIL) */
} module_state;

static module_state *state_of(PyObject *module) {
    return (module_state *)PyModule_GetState(module);
}

/* --------------------------------------------------------- sequences -- */

/* A copy of an iterable of str/bytes: every item's bytes in data, back to
 * back (a copy at once puts them there chunk by chunk), and what does not
 * fit in spill blocks, with ptr/len views of them in views (all
 * big_alloc). The engine
 * reads only the copy, so nothing a Python thread does while the GIL is
 * released can change or free it, and the caller's objects are only read:
 * not even their reference counts are written (after a fork, as
 * multiprocessing's pools do, every such write faults a copy-on-write page,
 * about one per item, and a call on 10^6 pairs took 4x as long). */
#define SPILL_MAX 40
typedef struct seqs {
    scratch *cache; /* where views and data come from and go back to */
    void *views;    /* ptr[n], then len[n] */
    char *data;
    size_t views_size, data_size; /* what the blocks hold */
    const char **ptr;
    size_t *len;
    size_t n;
    /* What data cannot hold goes to spill blocks, each twice the last
     * (big_alloc), never moved (see spill_room). */
    char *spill[SPILL_MAX];
    size_t spill_size[SPILL_MAX], spill_used; /* spill_used: in the last one */
    unsigned nspill;
} seqs;

/* The bytes of one str (ASCII) or bytes object; what/index name it in
 * errors (index < 0: no index). Returns 0, or -1 with TypeError/ValueError. */
static int seq_view(PyObject *o, const char *what, Py_ssize_t index, const char **p, size_t *n) {
    /* The common case first, in the fewest tests: an exact ASCII str. */
    if (PyUnicode_CheckExact(o) && PyUnicode_IS_ASCII(o)) {
        *p = (const char *)PyUnicode_DATA(o);
        *n = (size_t)PyUnicode_GET_LENGTH(o);
        return 0;
    }
    if (PyBytes_Check(o)) {
        *p = PyBytes_AS_STRING(o);
        *n = (size_t)PyBytes_GET_SIZE(o);
        return 0;
    }
    if (PyUnicode_Check(o)) {
        if (!PyUnicode_IS_ASCII(o)) {
            if (index < 0)
                PyErr_Format(PyExc_ValueError, "%s: str is not ASCII (encode it, or pass bytes)",
                             what);
            else
                PyErr_Format(PyExc_ValueError,
                             "%s[%zd]: str is not ASCII (encode it, or pass bytes)", what, index);
            return -1;
        }
        *p = (const char *)PyUnicode_DATA(o);
        *n = (size_t)PyUnicode_GET_LENGTH(o);
        return 0;
    }
    if (index < 0)
        PyErr_Format(PyExc_TypeError, "%s: expected str or bytes, not %.100s", what,
                     Py_TYPE(o)->tp_name);
    else
        PyErr_Format(PyExc_TypeError, "%s[%zd]: expected str or bytes, not %.100s", what, index,
                     Py_TYPE(o)->tp_name);
    return -1;
}

/* Buffers from SCRATCH_MIN up are mappings of the module's own, kept for
 * the next call when they are freed (up to SCRATCH_KEEP bytes), and marked
 * MADV_WIPEONFORK. This VM pays about 30 us for each first write to a page
 * (a minor fault, and the host's own fault behind it): 4 MB of fresh pages,
 * the copies of 4000 pairs of 500 bytes, cost 28 to 40 ms, against about
 * 20 ms for their distances on 2 threads; and the cost varies from call to
 * call, as the guest hands the host back free memory (free page reporting,
 * in 8 MiB blocks): writing 64 MiB of fresh huge pages once took 5.6 ms in
 * one process and 127 to 148 ms in another. Heap memory gives no help: glibc's
 * malloc maps and unmaps blocks this size, or trims them, and after a fork
 * (multiprocessing's pools fork the interpreter) every heap page the child
 * shared faults again on its first write. A kept mapping is written
 * without faults, and wipe-on-fork keeps a child from sharing it (a child
 * sees it zeroed, which is harmless: it holds only a finished call's
 * copies, or an unfinished call's whose threads the child does not have).
 * From HUGE_PAGE up a mapping is aligned to and asked to be backed by
 * transparent huge pages. */
#define SCRATCH_MIN ((size_t)16 << 10)
#define HUGE_PAGE ((size_t)2 << 20)

static size_t map_round(size_t size) {
    size_t unit = size < HUGE_PAGE ? (size_t)4096 : HUGE_PAGE;
    return (size + unit - 1) & ~(unit - 1);
}

/* A new mapping of len bytes (map_round'ed), or NULL. */
static void *map_new(size_t len) {
    size_t align = len < HUGE_PAGE ? 0 : HUGE_PAGE;
    if (len > SIZE_MAX - align)
        return NULL;
    /* align bytes more than needed, then the unaligned ends unmapped */
    char *map = mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    char *p = map;
    if (align) {
        p = (char *)(((uintptr_t)map + align - 1) & ~(uintptr_t)(align - 1));
        if (p > map)
            munmap(map, (size_t)(p - map));
        if (p + len < map + len + align)
            munmap(p + len, (size_t)(map + len + align - (p + len)));
#ifdef MADV_HUGEPAGE
        (void)madvise(p, len, MADV_HUGEPAGE); /* a hint: 4 KiB pages if refused */
#endif
    }
#ifdef MADV_WIPEONFORK
    (void)madvise(p, len, MADV_WIPEONFORK); /* without it, a fork costs faults */
#endif
    return p;
}

/* At least *size bytes (>= 1; *size becomes what the block holds), from
 * the module's kept mappings or a new one from SCRATCH_MIN up, then traced
 * by tracemalloc as PyMem's memory is (so its leak checks see it); NULL
 * when memory runs out. Free with big_free(sc, p, *size). The GIL held. */
static void *big_alloc(scratch *sc, size_t *size) {
    if (*size < SCRATCH_MIN) {
        if (*size == 0)
            *size = 1;
        return PyMem_RawMalloc(*size);
    }
    size_t len = map_round(*size);
    if (len < *size)
        return NULL;
    int best = -1; /* the smallest kept mapping that holds len */
    for (int k = 0; k < SCRATCH_SLOTS; k++)
        if (sc->map[k] != NULL && sc->len[k] >= len && (best < 0 || sc->len[k] < sc->len[best]))
            best = k;
    void *p;
    if (best >= 0) {
        p = sc->map[best];
        len = sc->len[best];
        sc->map[best] = NULL;
    } else if ((p = map_new(len)) == NULL) {
        return NULL;
    }
    *size = len;
    PyTraceMalloc_Track(0, (uintptr_t)p, len);
    return p;
}

/* Frees what big_alloc(sc, &size) returned: a mapping of up to
 * SCRATCH_BLOCK_MAX is kept for the next call while SCRATCH_KEEP allows
 * (in place of smaller kept ones if need be), else unmapped. The GIL
 * held. */
static void big_free(scratch *sc, void *p, size_t size) {
    if (p == NULL)
        return;
    if (size < SCRATCH_MIN) {
        PyMem_RawFree(p);
        return;
    }
    PyTraceMalloc_Untrack(0, (uintptr_t)p);
    for (;;) {
        size_t kept = 0;
        int free_slot = -1, smallest = -1;
        for (int k = 0; k < SCRATCH_SLOTS; k++) {
            if (sc->map[k] == NULL) {
                free_slot = k;
                continue;
            }
            kept += sc->len[k];
            if (smallest < 0 || sc->len[k] < sc->len[smallest])
                smallest = k;
        }
        if (free_slot >= 0 && size <= SCRATCH_BLOCK_MAX && size <= SCRATCH_KEEP - kept) {
            sc->map[free_slot] = p;
            sc->len[free_slot] = size;
            return;
        }
        if (size > SCRATCH_BLOCK_MAX || smallest < 0 || sc->len[smallest] >= size)
            break;
        munmap(sc->map[smallest], sc->len[smallest]); /* make room for the larger one */
        sc->map[smallest] = NULL;
    }
    munmap(p, size);
}

PyDoc_STRVAR(kept_doc, "_kept() -> list of (address, size)\n\n"
                       "The mappings the module keeps for the next call's input copies,\n"
                       "sorted (for tests: a call that reuses them leaves the list as it was).");

static PyObject *workq_kept(PyObject *module, PyObject *unused) {
    scratch *sc = &state_of(module)->scratch;
    (void)unused;
    PyObject *list = PyList_New(0);
    for (int k = 0; list != NULL && k < SCRATCH_SLOTS; k++) {
        if (sc->map[k] == NULL)
            continue;
        PyObject *item =
            Py_BuildValue("(nn)", (Py_ssize_t)(uintptr_t)sc->map[k], (Py_ssize_t)sc->len[k]);
        if (item == NULL || PyList_Append(list, item) < 0)
            Py_CLEAR(list);
        Py_XDECREF(item);
    }
    if (list != NULL && PyList_Sort(list) < 0)
        Py_CLEAR(list);
    return list;
}

/* Unmaps every kept mapping. */
static void scratch_drop(scratch *sc) {
    for (int k = 0; k < SCRATCH_SLOTS; k++) {
        if (sc->map[k] != NULL)
            munmap(sc->map[k], sc->len[k]);
        sc->map[k] = NULL;
    }
}

static void seqs_clear(seqs *s) {
    if (s->cache != NULL) {
        big_free(s->cache, s->views, s->views_size);
        big_free(s->cache, s->data, s->data_size);
        for (unsigned k = 0; k < s->nspill; k++)
            big_free(s->cache, s->spill[k], s->spill_size[k]);
    }
    memset(s, 0, sizeof *s);
}

/* seqs_clear, keeping the cache: s is ready for another copy. */
static void seqs_reset(seqs *s) {
    scratch *cache = s->cache;
    seqs_clear(s);
    s->cache = cache;
}

/* Copies l bytes; the short items of the common case without a call. */
static inline void copy_item(char *dst, const char *p, size_t l) {
    if (l >= 8 && l <= 16) { /* two overlapping words */
        uint64_t head, tail;
        memcpy(&head, p, 8);
        memcpy(&tail, p + l - 8, 8);
        memcpy(dst, &head, 8);
        memcpy(dst + l - 8, &tail, 8);
    } else {
        memcpy(dst, p, l);
    }
}

/* Maps s's first data block, sized for n items like the first one of need
 * bytes (at most DATA_FIRST_MAX: a long first item must not ask for more
 * than the rest may need). The block never grows: what it cannot hold
 * goes to spill blocks (spill_room). 0, or -1 when memory runs out. */
#define DATA_FIRST_MAX ((size_t)1 << 26)
static int data_first(seqs *s, size_t need, size_t n) {
    size_t size = need < DATA_FIRST_MAX / n ? need * n + n : DATA_FIRST_MAX;
    if (size < need)
        size = need;
    if ((s->data = big_alloc(s->cache, &size)) == NULL)
        return -1;
    s->data_size = size;
    return 0;
}

/* Items ahead of the copy whose headers are prefetched: the loop is bound
 * by a cache miss per object, and the list's item array tells where the
 * next ones are long before the loop gets there. */
#define PREFETCH_AHEAD 16

/* Asks for the header of item i + PREFETCH_AHEAD of n, and a compact str's
 * bytes past its first line. */
static inline void prefetch_ahead(PyObject *const *items, size_t i, size_t n) {
    if (i + PREFETCH_AHEAD < n) {
        const char *ahead = (const char *)items[i + PREFETCH_AHEAD];
        __builtin_prefetch(ahead);
        __builtin_prefetch(ahead + 48);
    }
}

/* Ctrl-C during a copy. A copy runs with the GIL held, so run_job's
 * PyErr_CheckSignals cannot see a signal until the copy ends (2 x 200k
 * items of 5000 bytes took 0.45 to 20 s). So the calling thread checks for
 * SIGINT as it copies (copy_poll: every COPY_POLL_ITEMS items or
 * COPY_POLL_BYTES bytes; an at-once copy's chunks, see copy_stopping, at
 * each room they claim), with PyOS_InterruptOccurred, which takes SIGINT's
 * flag and runs no Python code: a handler must not run while the copy
 * reads the items (it could change or free them), nor while engine threads
 * do. On SIGINT the copy stops (an at-once copy's threads stop before
 * the next room they claim and take no more chunks), frees what it made, then re-arms the
 * signal (PyErr_SetInterruptEx) and runs the handlers (PyErr_CheckSignals,
 * copy_signalled): the default handler raises KeyboardInterrupt, once; a
 * handler of the program's own that raises nothing lets the copy start
 * over, since it may have changed the inputs. Other signals wait for the
 * copy's end, as before; so does SIGINT for a call on another thread than
 * the main one (Python runs handlers on the main thread alone, and
 * PyOS_InterruptOccurred answers 0 elsewhere). */
#define COPY_POLL_ITEMS ((size_t)2048)
#define COPY_POLL_BYTES ((size_t)1 << 18)
/* A copy that stopped for SIGINT and ran the handlers, which raised
 * nothing: the copy starts over. */
#define COPY_AGAIN 1

/* Where a copy on the calling thread alone checks for SIGINT next. */
typedef struct copy_poll {
    size_t item;  /* at this item */
    size_t bytes; /* or once this many bytes are copied */
    size_t trip;  /* the test hook's item, SIZE_MAX: none (see copy_trip) */
} copy_poll;

/* The test hook's item for the copy that starts now (SIZE_MAX: none): the
 * next copy only. The GIL held. */
static size_t copy_trip(module_state *st) {
    size_t trip = st->trip_item;
    st->trip_item = SIZE_MAX;
    return trip;
}

PyDoc_STRVAR(trip_doc,
             "_trip_sigint_in_copy(item) -> None\n\n"
             "Test hook, not an API: the next call that copies its arguments' items acts\n"
             "as if SIGINT arrived as it reaches item `item` of its items, counted over\n"
             "its first argument's items then its second's\n"
             "(PyErr_SetInterruptEx(SIGINT), what Python's C signal handler does; on\n"
             "an engine thread when the items are copied at once, there before the\n"
             "chunk of 2048 items that holds it). For the tests of Ctrl-C in a copy,\n"
             "which no Python thread can time: the copy holds the GIL.");

static PyObject *workq_trip(PyObject *module, PyObject *item) {
    Py_ssize_t k = PyLong_AsSsize_t(item);
    if (k == -1 && PyErr_Occurred())
        return NULL;
    if (k < 0) {
        PyErr_SetString(PyExc_ValueError, "_trip_sigint_in_copy: item must be >= 0");
        return NULL;
    }
    state_of(module)->trip_item = (size_t)k;
    Py_RETURN_NONE;
}

/* Whether a copy on the calling thread, at item i with used bytes copied,
 * is due to check for SIGINT (copy_poll_now). */
static inline int copy_poll_due(const copy_poll *cp, size_t i, size_t used) {
    return i >= cp->item || used >= cp->bytes;
}

/* Checks for SIGINT at item i (used bytes copied; the test hook's trip
 * first), and sets the next check. Returns 1 on SIGINT (its flag taken:
 * see copy_signalled), else 0. The GIL held. */
static int copy_poll_now(copy_poll *cp, size_t i, size_t used) {
    if (i == cp->trip)
        (void)PyErr_SetInterruptEx(SIGINT);
    cp->item = i + COPY_POLL_ITEMS;
    if (cp->trip > i && cp->trip < cp->item)
        cp->item = cp->trip;
    cp->bytes = used + COPY_POLL_BYTES;
    return PyOS_InterruptOccurred();
}

/* After a copy stopped for SIGINT and freed what it made: re-arms the
 * signal and runs the handlers. Returns -1 with their exception (the
 * default handler's KeyboardInterrupt), or COPY_AGAIN. The GIL held. */
static int copy_signalled(void) {
    (void)PyErr_SetInterruptEx(SIGINT);
    return PyErr_CheckSignals() < 0 ? -1 : COPY_AGAIN;
}

/* The copy goes in steps: seqs_begin maps the views and a first data block,
 * seqs_copy_fast copies while the items are exact ASCII str or exact bytes
 * and fit, seqs_point writes their pointers, and seqs_copy_rest copies the
 * rest with every check. (A copy at once, seqs_pair_at_once, has steps of
 * its own after seqs_begin.) */

/* The bytes of o when it is an exact ASCII str or exact bytes: 1, else 0.
 * Reads o and nothing else: no reference count, no exception. */
static inline int fast_view(PyObject *o, const char **p, size_t *l) {
    if (PyUnicode_CheckExact(o) && PyUnicode_IS_ASCII(o)) { /* seq_view's first case */
        *p = (const char *)PyUnicode_DATA(o);
        *l = (size_t)PyUnicode_GET_LENGTH(o);
        return 1;
    }
    if (PyBytes_CheckExact(o)) {
        *p = PyBytes_AS_STRING(o);
        *l = (size_t)PyBytes_GET_SIZE(o);
        return 1;
    }
    return 0;
}

/* Maps s's views for n items, and its first data block, sized for n items
 * like items[0] (see data_first) when that one is a fast_view. 0, or -1 with
 * an exception. The GIL held. */
static int seqs_begin(seqs *s, PyObject *const *items, size_t n) {
    if (n > SIZE_MAX / (sizeof(char *) + sizeof(size_t))) {
        PyErr_NoMemory();
        return -1;
    }
    s->views_size = n * (sizeof(char *) + sizeof(size_t));
    s->views = big_alloc(s->cache, &s->views_size);
    if (s->views == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    s->n = n;
    s->ptr = s->views;
    s->len = (size_t *)(s->ptr + n);
    const char *p;
    size_t l;
    if (n > 0 && fast_view(items[0], &p, &l) && data_first(s, l, n) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Copies items[from..s->n) into s after the *used bytes already there, up
 * to the first item that is not a fast_view or does not fit in s->data,
 * or where SIGINT is seen (cp; *sig set). Returns that item's index (s->n
 * if none), *used updated. The GIL held. */
static size_t seqs_copy_fast(seqs *s, PyObject *const *items, size_t from, size_t *used,
                             copy_poll *cp, int *sig) {
    size_t n = s->n, u = *used, i;
    for (i = from; i < n; i++) {
        prefetch_ahead(items, i, n);
        const char *p;
        size_t l;
        if (copy_poll_due(cp, i, u) && (*sig = copy_poll_now(cp, i, u)) != 0)
            break;
        if (!fast_view(items[i], &p, &l) || s->data == NULL || l > s->data_size - u)
            break;
        copy_item(s->data + u, p, l);
        s->len[i] = l;
        u += l;
    }
    *used = u;
    return i;
}

/* Room for l bytes of s after the used bytes of its data block, or else
 * in its spill blocks (each twice the last, none ever moved, so the
 * pointers already written stay valid). NULL when memory runs out. The
 * GIL held. */
static char *spill_room(seqs *s, size_t *used, size_t l) {
    if (s->data != NULL && l <= s->data_size - *used) {
        *used += l;
        return s->data + *used - l;
    }
    unsigned k = s->nspill;
    if (k == 0 || l > s->spill_size[k - 1] - s->spill_used) {
        if (k == SPILL_MAX)
            return NULL;
        size_t size = k ? s->spill_size[k - 1] : SCRATCH_MIN;
        size = size > SIZE_MAX / 2 ? SIZE_MAX : 2 * size;
        if (size < l)
            size = l;
        if ((s->spill[k] = big_alloc(s->cache, &size)) == NULL)
            return NULL;
        s->spill_size[k] = size;
        s->spill_used = 0;
        s->nspill = ++k;
    }
    s->spill_used += l;
    return s->spill[k - 1] + s->spill_used - l;
}

/* Copies items[from..s->n) after the used bytes already in s, with every
 * check (what names the argument in errors), and points ptr at them; what
 * s->data cannot hold goes to spill blocks (spill_room), so that nothing
 * is moved: moving a grown block copied up to half a gigabyte between two
 * checks for SIGINT (2 x 200k items of 5000 bytes: Ctrl-C took up to
 * 2.4 s). 0, 1 on SIGINT (cp), or -1 with an exception. The GIL held. */
static int seqs_copy_rest(seqs *s, PyObject *const *items, size_t from, size_t used,
                          const char *what, copy_poll *cp) {
    size_t n = s->n, copied = used; /* used counts s->data's bytes alone */
    for (size_t i = from; i < n; i++) {
        prefetch_ahead(items, i, n);
        const char *p;
        size_t l;
        if (copy_poll_due(cp, i, copied) && copy_poll_now(cp, i, copied))
            return 1;
        if (!fast_view(items[i], &p, &l) && seq_view(items[i], what, (Py_ssize_t)i, &p, &l) < 0)
            return -1;
        char *dst = spill_room(s, &used, l);
        if (dst == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        copy_item(dst, p, l);
        s->ptr[i] = dst;
        s->len[i] = l;
        copied += l;
    }
    if (s->data == NULL && data_first(s, 0, 1) < 0) { /* n == 0: ptr may not be NULL + 0 */
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Points s->ptr at the bytes of items [0, n), which are back to back at
 * the start of s->data. */
static void seqs_point(seqs *s, size_t n) {
    const char *p = s->data;
    for (size_t i = 0; i < n; i++) {
        s->ptr[i] = p;
        p += s->len[i];
    }
}

/* Copies the items of fast (a list or tuple, which cannot change
 * meanwhile: no Python code runs) into s, checking for SIGINT (trip: the
 * test hook's item). 0, COPY_AGAIN (SIGINT, and its handlers raised
 * nothing; s cleared), or -1 with an exception. */
static int seqs_copy(seqs *s, PyObject *fast, const char *what, size_t trip) {
    PyObject *const *items = PySequence_Fast_ITEMS(fast);
    size_t n = (size_t)PySequence_Fast_GET_SIZE(fast);
    if (seqs_begin(s, items, n) < 0)
        return -1;
    size_t used = 0;
    copy_poll cp = {.item = 0, .bytes = 0, .trip = trip};
    int sig = 0;
    size_t from = seqs_copy_fast(s, items, 0, &used, &cp, &sig);
    seqs_point(s, from);
    int rc = sig ? 1 : seqs_copy_rest(s, items, from, used, what, &cp);
    if (rc == 0 && PyOS_InterruptOccurred()) /* a SIGINT after the last check */
        rc = 1;
    if (rc < 0)
        return -1;
    if (rc > 0) {
        seqs_reset(s);
        return copy_signalled();
    }
    return 0;
}

/* obj (any iterable of str/bytes, but not a single str/bytes) as a list or
 * tuple: itself (a new reference, no copy), or a new list of its items.
 * NULL with an exception set. */
static PyObject *seqs_fast(PyObject *obj, const char *what) {
    if (PyUnicode_Check(obj) || PyBytes_Check(obj) || PyByteArray_Check(obj)) {
        PyErr_Format(PyExc_TypeError,
                     "%s: expected an iterable of str or bytes, not a single %.100s", what,
                     Py_TYPE(obj)->tp_name);
        return NULL;
    }
    PyObject *fast = PySequence_Fast(obj, "");
    if (fast == NULL && PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "%s: expected an iterable of str or bytes, not %.100s", what,
                     Py_TYPE(obj)->tp_name);
    }
    return fast;
}

/* Copies obj (see seqs_fast) into s. Returns 0, or -1 with an exception
 * set and s cleared. */
static int seqs_from(module_state *st, PyObject *obj, const char *what, seqs *s) {
    memset(s, 0, sizeof *s);
    s->cache = &st->scratch;
    PyObject *fast = seqs_fast(obj, what);
    if (fast == NULL)
        return -1;
    size_t trip = copy_trip(st);
    int rc;
    while ((rc = seqs_copy(s, fast, what, trip)) == COPY_AGAIN)
        trip = SIZE_MAX;
    Py_DECREF(fast);
    if (rc < 0)
        seqs_clear(s);
    return rc;
}

/* Copies a_obj into sa, then b_obj into sb (see seqs_fast), on the calling
 * thread. A SIGINT whose handlers raise nothing starts both copies over:
 * the handlers may have changed a as well as b. trip: the test hook's
 * item, counted over a's items then b's. Returns 0, or -1 with an
 * exception set and neither snapshot held. */
static int seqs_pair_serial(module_state *st, PyObject *a_obj, const char *a_what, seqs *sa,
                            PyObject *b_obj, const char *b_what, seqs *sb, size_t trip) {
    memset(sa, 0, sizeof *sa);
    memset(sb, 0, sizeof *sb);
    sa->cache = sb->cache = &st->scratch;
    PyObject *fa = seqs_fast(a_obj, a_what), *fb = NULL;
    if (fa == NULL)
        return -1;
    size_t na = (size_t)PySequence_Fast_GET_SIZE(fa);
    size_t trip_b = trip != SIZE_MAX && trip >= na ? trip - na : SIZE_MAX;
    int rc;
    do {
        rc = seqs_copy(sa, fa, a_what, trip);
        if (rc == 0 && fb == NULL && (fb = seqs_fast(b_obj, b_what)) == NULL)
            rc = -1;
        if (rc == 0 && (rc = seqs_copy(sb, fb, b_what, trip_b)) == COPY_AGAIN)
            seqs_reset(sa);
        trip = trip_b = SIZE_MAX;
    } while (rc == COPY_AGAIN);
    Py_DECREF(fa);
    Py_XDECREF(fb);
    if (rc < 0) {
        seqs_clear(sa);
        seqs_clear(sb);
    }
    return rc;
}

/* distances() on two lists or tuples of one length, of at least
 * COPY_AT_ONCE_MIN items each, with a pool of two or more, copies them at
 * once (see fuse_distances): cut into chunks of COPY_CHUNK items, which the
 * calling thread (it keeps the GIL, so no Python code runs and the items
 * cannot change or go) and every worker claim one at a time, a's chunk c
 * with b's chunk c. A chunk copies what fast copies can (see copy_chunk);
 * the rest is copied after, on the calling thread, a's before b's, so that
 * errors are raised as a serial copy raises them. Other arguments (and
 * lists of unequal lengths, which raise ValueError after the copy) are
 * copied one after the other.
 *
 * Why chunks: the copy of 1M pairs of 14 bytes is most of such a call
 * (it reads 128 MB of objects), and it was cut in two, a on the calling
 * thread and b on a worker. With a busy loop beside it (3 threads on 2
 * cores) or a worker slow to wake, one half finished milliseconds after
 * the other, and the call waited; now a thread that is descheduled holds
 * one chunk, and the calling thread starts before any worker is awake.
 * Pairs are often made together (a pairs file read line by line makes
 * a[0], b[0], a[1], ...), so that their objects interleave in memory: the
 * cache lines a's chunk reads hold b's chunk too, and one thread copies
 * both (copied by two threads side by side, each side read all of them
 * from memory: 1M pairs read 256 MB instead of 128). */
#define COPY_AT_ONCE_MIN ((size_t)1 << 15)
/* A chunk pair's objects, 2048 of a and 2048 of b (about 256 KiB when
 * they are str objects of a few dozen bytes), stay in the core's cache
 * while b's chunk reads the lines a's read. (4096 copied alike in one A/B
 * run and was slower in another.) */
#define COPY_CHUNK ((size_t)2048)

/* A copy at once of two arguments. */
typedef struct copy_job {
    seqs *s[2];
    PyObject *const *items[2];
    size_t chunks[2];      /* the chunks of each side: a's are 0.., b's after */
    atomic_size_t used[2]; /* bytes of s[k]->data claimed by chunks */
    size_t *stop;          /* per chunk: the first item its fast copy left */
    atomic_int stopping;   /* SIGINT came: every chunk stops at its next room */
    size_t trip_pair;      /* the test hook's chunk pair, SIZE_MAX: none */
    size_t *longest;       /* per chunk: its longest item copied (fuse_claim) */
} copy_job;

/* Whether a chunk should stop: SIGINT came (checked on the calling thread
 * alone, see copy_poll). Lock-free. */
static int copy_stopping(copy_job *j, int caller) {
    if (caller && !atomic_load_explicit(&j->stopping, memory_order_relaxed) &&
        PyOS_InterruptOccurred())
        atomic_store_explicit(&j->stopping, 1, memory_order_relaxed);
    return atomic_load_explicit(&j->stopping, memory_order_relaxed);
}

/* The side (0: a, 1: b) and item range [*lo, *hi) of chunk t. */
static int chunk_range(const copy_job *j, size_t t, size_t *lo, size_t *hi) {
    int k = t >= j->chunks[0];
    size_t n = j->s[k]->n;
    *lo = (k ? t - j->chunks[0] : t) * COPY_CHUNK;
    *hi = n - *lo < COPY_CHUNK ? n : *lo + COPY_CHUNK;
    return k;
}

/* bytes of room in side k's data block, claimed for one chunk; NULL when
 * there is not that much left. Lock-free: chunks claim concurrently. */
static char *claim_room(copy_job *j, int k, size_t bytes) {
    seqs *s = j->s[k];
    if (s->data == NULL)
        return NULL;
    size_t at = atomic_load_explicit(&j->used[k], memory_order_relaxed);
    do {
        if (bytes > s->data_size - at)
            return NULL;
    } while (!atomic_compare_exchange_weak_explicit(&j->used[k], &at, at + bytes,
                                                    memory_order_relaxed, memory_order_relaxed));
    return s->data + at;
}

/* The room a thread claims at once in a side's data block (one claim_room
 * per COPY_ROOM bytes of items, or per item longer than that). */
#define COPY_ROOM ((size_t)32 << 10)

/* Room claimed by one thread and not filled yet: [at, end). */
typedef struct copy_room {
    char *at, *end;
} copy_room;

/* Copies chunk t in one pass over its objects, up to the first that is not
 * a fast_view: each item's bytes go straight to room the thread claimed
 * (*rm, side k's, kept from chunk to chunk), with its pointer and length.
 * Before it claims room it stops if SIGINT came (copy_stopping; caller: on
 * the calling thread). Records in stop[t] where it stopped (when room ran
 * out, at the item that found none: every item before it is in place), and
 * in longest[t] the length of the longest item it copied. It calls no
 * Python API but PyOS_InterruptOccurred on the calling thread, allocates
 * nothing and raises nothing: engine threads run it while the calling
 * thread holds the GIL.
 *
 * Why one pass: each object is then read once. Reading the lengths first
 * and the bytes in a second pass read every object twice (half a megabyte
 * of objects a chunk pair), and when other processes share the cache the
 * second pass missed again. Why straight to the room: the items went to a
 * 32 KiB stage, then were moved to room claimed for the stage and pointed
 * at in a second pass over the chunk; the move and the pass were 6% and
 * 2% of a 1M x 14 call's CPU, all of it while the GIL is held. */
static void copy_chunk(copy_job *j, size_t t, copy_room *rm, int caller) {
    size_t lo, hi, i, longest = 0;
    int k = chunk_range(j, t, &lo, &hi);
    seqs *s = j->s[k];
    PyObject *const *items = j->items[k];
    copy_room r = *rm;
    for (i = lo; i < hi; i++) {
        prefetch_ahead(items, i, hi);
        const char *p;
        size_t l;
        if (!fast_view(items[i], &p, &l))
            break;
        if (r.at == NULL || l > (size_t)(r.end - r.at)) { /* what is left is given up */
            if (copy_stopping(j, caller))
                break;
            size_t want = l > COPY_ROOM ? l : COPY_ROOM;
            char *dst = claim_room(j, k, want);
            if (dst == NULL && (dst = claim_room(j, k, want = l)) == NULL)
                break;
            r.at = dst;
            r.end = dst + want;
        }
        longest = l > longest ? l : longest;
        copy_item(r.at, p, l);
        s->ptr[i] = r.at;
        s->len[i] = l;
        r.at += l;
    }
    *rm = r;
    j->stop[t] = i;
    j->longest[t] = longest;
}

/* Copies, with every check, the items of side k that its chunks left, in
 * order (what names the side in errors), checking for SIGINT. 0, 1 on
 * SIGINT, or -1 with an exception. The GIL held; no chunk runs. */
static int copy_finish(copy_job *j, int k, const char *what) {
    seqs *s = j->s[k];
    copy_poll cp = {.item = 0, .bytes = 0, .trip = SIZE_MAX};
    size_t used = atomic_load_explicit(&j->used[k], memory_order_relaxed);
    /* used counts s->data's bytes alone: bytes counts every copied one */
    size_t first = k ? j->chunks[0] : 0, items = 0, bytes = 0;
    for (size_t t = first; t < first + j->chunks[k]; t++) {
        size_t lo, hi;
        chunk_range(j, t, &lo, &hi);
        for (size_t i = j->stop[t]; i < hi; i++, items++) {
            const char *p;
            size_t l;
            if (copy_poll_due(&cp, items, bytes) && copy_poll_now(&cp, items, bytes))
                return 1;
            PyObject *o = j->items[k][i];
            if (!fast_view(o, &p, &l) && seq_view(o, what, (Py_ssize_t)i, &p, &l) < 0)
                return -1;
            char *dst = spill_room(s, &used, l);
            if (dst == NULL) {
                PyErr_NoMemory();
                return -1;
            }
            copy_item(dst, p, l);
            s->ptr[i] = dst;
            s->len[i] = l;
            bytes += l;
        }
    }
    return 0;
}

/* Whether a and b are lists or tuples long enough to be copied at once. */
static int copy_at_once(PyObject *a_obj, PyObject *b_obj) {
    return (PyList_CheckExact(a_obj) || PyTuple_CheckExact(a_obj)) &&
           (PyList_CheckExact(b_obj) || PyTuple_CheckExact(b_obj)) &&
           (size_t)PySequence_Fast_GET_SIZE(a_obj) >= COPY_AT_ONCE_MIN &&
           (size_t)PySequence_Fast_GET_SIZE(b_obj) >= COPY_AT_ONCE_MIN;
}

/* The pair of chunks (a's chunk c with b's chunk c) that holds the test
 * hook's item trip, counted over a's na items then b's; SIZE_MAX: none. */
static size_t trip_chunk(size_t trip, size_t na) {
    if (trip == SIZE_MAX)
        return SIZE_MAX;
    return (trip < na ? trip : trip - na) / COPY_CHUNK;
}

/* seqs_from for two arguments, one after the other (see
 * seqs_pair_serial). Returns 0, or -1 with an exception set and neither
 * snapshot held. */
static int seqs_pair_from(module_state *st, PyObject *a_obj, const char *a_what, seqs *sa,
                          PyObject *b_obj, const char *b_what, seqs *sb) {
    return seqs_pair_serial(st, a_obj, a_what, sa, b_obj, b_what, sb, copy_trip(st));
}

/* ------------------------------------------------------------ options -- */

/* max_distance: None -> WQ_LEV_NO_LIMIT, else an int >= 0. */
static int parse_max(PyObject *o, size_t *out) {
    if (o == NULL || o == Py_None) {
        *out = WQ_LEV_NO_LIMIT;
        return 0;
    }
    if (!PyLong_Check(o) || PyBool_Check(o)) {
        PyErr_Format(PyExc_TypeError, "max_distance: expected an int or None, not %.100s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *zero = PyLong_FromLong(0);
    int negative = zero ? PyObject_RichCompareBool(o, zero, Py_LT) : -1;
    Py_XDECREF(zero);
    if (negative < 0)
        return -1;
    if (negative) {
        PyErr_SetString(PyExc_ValueError, "max_distance: must be >= 0");
        return -1;
    }
    size_t v = PyLong_AsSize_t(o);
    if (v == (size_t)-1 && PyErr_Occurred())
        return -1;
    if (v >= WQ_LEV_NO_LIMIT - 1) /* max + 1 must be representable */
        v = WQ_LEV_NO_LIMIT;
    *out = v;
    return 0;
}

/* workers: None -> 0 (the module's pool), else an int in 1..1024. */
static int parse_workers(PyObject *o, unsigned *out) {
    *out = 0;
    if (o == NULL || o == Py_None)
        return 0;
    if (!PyLong_Check(o) || PyBool_Check(o)) {
        PyErr_Format(PyExc_TypeError, "workers: expected an int or None, not %.100s",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (v < 1 || v > 1024) {
        PyErr_SetString(PyExc_ValueError, "workers: must be between 1 and 1024");
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* mode: "global" (the whole of a against the whole of b), "prefix" (a
 * against a prefix of b) or "infix" (a against any substring of b). */
static int parse_mode(const char *mode, wq_align_mode *out) {
    static const char *const names[] = {"global", "prefix", "infix"};
    static const wq_align_mode modes[] = {WQ_ALIGN_GLOBAL, WQ_ALIGN_PREFIX, WQ_ALIGN_INFIX};
    for (size_t k = 0; k < 3; k++) {
        if (strcmp(mode, names[k]) == 0) {
            *out = modes[k];
            return 0;
        }
    }
    PyErr_Format(PyExc_ValueError, "mode: expected 'global', 'prefix' or 'infix', not '%.50s'",
                 mode);
    return -1;
}

/* ------------------------------------------------------------ results -- */

/* A new array.array of n zeroed size_t items. */
static PyObject *new_size_array(module_state *st, size_t n) {
    PyObject *one = PyObject_CallFunction(st->array_type, "s(i)", SIZE_TYPECODE, 0);
    if (one == NULL)
        return NULL;
    if (n > (size_t)PY_SSIZE_T_MAX / sizeof(size_t)) {
        Py_DECREF(one);
        return PyErr_NoMemory();
    }
    PyObject *arr = PySequence_Repeat(one, (Py_ssize_t)n);
    Py_DECREF(one);
    return arr;
}

/* A 2-D (rows, cols) memoryview on a 1-D size_t array. */
static PyObject *matrix_view(PyObject *arr, size_t rows, size_t cols) {
    PyObject *mv = PyMemoryView_FromObject(arr);
    if (mv == NULL)
        return NULL;
    PyObject *bytes = PyObject_CallMethod(mv, "cast", "s", "B");
    Py_DECREF(mv);
    if (bytes == NULL)
        return NULL;
    /* memoryview cannot take a zero in a shape: an empty result is 1-D. */
    PyObject *m = rows == 0 || cols == 0
                      ? PyObject_CallMethod(bytes, "cast", "s", SIZE_TYPECODE)
                      : PyObject_CallMethod(bytes, "cast", "s(nn)", SIZE_TYPECODE, (Py_ssize_t)rows,
                                            (Py_ssize_t)cols);
    Py_DECREF(bytes);
    return m;
}

/* --------------------------------------------------------------- work -- */

/* The pairs of one Levenshtein run: element-wise (a[k], b[k]) or, for
 * cross, every (a[i], b[j]) in row-major order, into out[k]. */
typedef struct lev_work {
    const char *const *a;
    const size_t *alen;
    const char *const *b;
    const size_t *blen;
    size_t nb;     /* cross: the row length */
    int cross;     /* 0: element-wise */
    size_t npairs; /* pairs in all */
    size_t max_distance;
    wq_align_mode mode; /* global: the batch kernel; else wq_align_distance */
    size_t *out;        /* npairs results */
    atomic_int cancel;  /* map_async's cancel(): blocks not begun fail ECANCELED */
} lev_work;

/* A run of consecutive pairs: one engine item, one task. */
typedef struct block {
    size_t start, count;
} block;

/* The (i, j) indices of pair k. */
static void pair_index(const lev_work *w, size_t k, size_t *i, size_t *j) {
    if (w->cross) {
        *i = k / w->nb;
        *j = k % w->nb;
    } else {
        *i = *j = k;
    }
}

/* Moves (i, j) to the next pair. */
static void pair_next(const lev_work *w, size_t *i, size_t *j) {
    if (!w->cross) {
        ++*i;
        ++*j;
    } else if (++*j == w->nb) {
        *j = 0;
        ++*i;
    }
}

/* Estimated work of one pair: a fixed overhead plus the bit-parallel
 * kernel's words (the shorter string in 64-bit words) times the longer. */
static size_t pair_cost(size_t n, size_t m) {
    size_t s = n < m ? n : m, l = n < m ? m : n;
    return 16 + (s / 64 + 1) * (l + 1);
}

/* Cuts the pairs into blocks of about budget work and at most max_pairs
 * pairs each. Returns the block array (PyMem_RawMalloc, as it is built
 * without the GIL) with its length in *n, or NULL when memory runs out. */
static block *cut_blocks(const lev_work *w, size_t max_pairs, size_t budget, size_t *n) {
    size_t cap = 16, nb = 0;
    block *bs = PyMem_RawMalloc(cap * sizeof *bs);
    size_t i = 0, j = 0, k = 0;
    while (bs != NULL && k < w->npairs) {
        block b = {k, 0};
        size_t cost = 0;
        if (!w->cross) { /* element-wise: i == j == k, no row to wrap */
            size_t end = w->npairs - k < max_pairs ? w->npairs : k + max_pairs;
            while (k < end && cost < budget) {
                cost += pair_cost(w->alen[k], w->blen[k]);
                k++;
            }
            b.count = k - b.start;
        } else {
            do {
                cost += pair_cost(w->alen[i], w->blen[j]);
                b.count++;
                k++;
                pair_next(w, &i, &j);
            } while (k < w->npairs && b.count < max_pairs && cost < budget);
        }
        if (nb == cap) {
            block *grown = PyMem_RawRealloc(bs, 2 * cap * sizeof *bs);
            if (grown == NULL) {
                PyMem_RawFree(bs);
                return NULL;
            }
            bs = grown;
            cap *= 2;
        }
        bs[nb++] = b;
    }
    *n = nb;
    return bs;
}

/* A distance in a mode, as the batch kernel stores it (above max_distance:
 * max_distance + 1); WQ_LEV_NO_LIMIT when memory runs out. */
static size_t mode_distance(const char *a, size_t n, const char *b, size_t m, wq_align_mode mode,
                            size_t max) {
    size_t d = wq_align_distance(a, n, b, m, mode);
    if (d != WQ_LEV_NO_LIMIT && max != WQ_LEV_NO_LIMIT && d > max)
        d = max + 1;
    return d;
}

/* A block in prefix or infix mode: pair by pair. */
static int mode_block(const lev_work *w, block b) {
    size_t i, j;
    pair_index(w, b.start, &i, &j);
    for (size_t k = 0; k < b.count; k++) {
        size_t d =
            mode_distance(w->a[i], w->alen[i], w->b[j], w->blen[j], w->mode, w->max_distance);
        if (d == WQ_LEV_NO_LIMIT)
            return ENOMEM;
        w->out[b.start + k] = d;
        pair_next(w, &i, &j);
    }
    return 0;
}

/* The engine item function: the distances of one block's pairs, through
 * the batch kernel SLICE pairs at a time. Returns 0 or ENOMEM. */
static int lev_block_fn(const void *in, void *out, void *ctx) {
    lev_work *w = ctx;
    block b;
    memcpy(&b, in, sizeof b);
    wq_lev_opts opts = {w->max_distance};
    wq_pair buf[SLICE];
    size_t i, j;
    pair_index(w, b.start, &i, &j);
    if (atomic_load_explicit(&w->cancel, memory_order_relaxed))
        return ECANCELED;
    if (w->mode != WQ_ALIGN_GLOBAL)
        return mode_block(w, b);
    for (size_t done = 0; done < b.count;) {
        size_t n = b.count - done < SLICE ? b.count - done : SLICE;
        for (size_t t = 0; t < n; t++) {
            buf[t] = (wq_pair){w->a[i], w->b[j], w->alen[i], w->blen[j]};
            pair_next(w, &i, &j);
        }
        int rc = wq_levenshtein_batch(buf, w->out + b.start + done, n, &opts);
        if (rc != 0)
            return rc;
        done += n;
    }
    *(unsigned char *)out = 0;
    return 0;
}

static const wq_kernel lev_block_kernel = {"python-levenshtein-block",
                                           lev_block_fn,
                                           NULL,
                                           sizeof(block),
                                           1,
                                           "distances of a block of pairs (workq Python module)"};

/* ------------------------------------------------------------ waiting -- */

/* Counts a synchronous job's reports; the caller waits for all of them. */
typedef struct waiter {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* broadcast when reported == total (mu) */
    size_t reported;   /* (mu) */
    size_t total;
    int err; /* the first failure reported (mu) */
    /* Optional: work the calling thread does between its waits (see
     * lev_help): returns whether any is left, its failure in *err. */
    int (*help)(void *ctx, int *err);
    void *help_ctx;
} waiter;

/* A deadline ms milliseconds from now, on CLOCK_MONOTONIC. */
static struct timespec deadline_in(long ms) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += (ms % 1000) * 1000000L;
    t.tv_sec += ms / 1000 + t.tv_nsec / 1000000000L;
    t.tv_nsec %= 1000000000L;
    return t;
}

/* A condition variable whose timed waits use CLOCK_MONOTONIC. */
static int cond_init_monotonic(pthread_cond_t *cv) {
    pthread_condattr_t attr;
    int rc = pthread_condattr_init(&attr);
    if (rc != 0)
        return rc;
    rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(cv, &attr);
    pthread_condattr_destroy(&attr);
    return rc;
}

/* Initialises mu and cv (monotonic), or neither. Returns 0 or an errno
 * value. */
static int sync_init(pthread_mutex_t *mu, pthread_cond_t *cv) {
    int rc = pthread_mutex_init(mu, NULL);
    if (rc == 0) {
        rc = cond_init_monotonic(cv);
        if (rc != 0)
            pthread_mutex_destroy(mu);
    }
    return rc;
}

static void on_block(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    waiter *wt = cb_ctx;
    (void)index, (void)in, (void)out;
    pthread_mutex_lock(&wt->mu);
    if (status != 0 && wt->err == 0)
        wt->err = status;
    if (++wt->reported == wt->total)
        pthread_cond_broadcast(&wt->cv);
    pthread_mutex_unlock(&wt->mu);
}

/* Waits up to POLL_MS for every report; returns whether all came. No GIL. */
static int waiter_wait(waiter *wt) {
    struct timespec until = deadline_in(POLL_MS);
    pthread_mutex_lock(&wt->mu);
    int rc = 0;
    while (wt->reported < wt->total && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&wt->cv, &wt->mu, &until);
    int all = wt->reported == wt->total;
    pthread_mutex_unlock(&wt->mu);
    return all;
}

/* Raises the exception for an engine error code. */
static void set_engine_error(int err) {
    if (err == ENOMEM)
        PyErr_NoMemory();
    else
        PyErr_Format(PyExc_RuntimeError, "workq engine: %s", strerror(err));
}

/* Runs the job spec on pool, interruptibly (see the file comment), until
 * wt->total reports have come; spec->on_result must count them through
 * on_block(wt, ...). wt is zeroed but for total and help: with help, the
 * calling thread works (for about POLL_MS at a time) until none is left,
 * and only then waits. Called with the GIL held; returns 0, or -1 with an
 * exception set. */
static int run_job(wq_pool *pool, wq_async_spec *spec, waiter *wt) {
    if (wt->total == 0)
        return 0;
    int rc = sync_init(&wt->mu, &wt->cv);
    if (rc != 0) {
        set_engine_error(rc);
        return -1;
    }
    wq_job *job = NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = wq_async_map(pool, spec, &job);
    Py_END_ALLOW_THREADS
    int interrupted = 0, helped = 0;
    while (rc == 0) {
        int all;
        Py_BEGIN_ALLOW_THREADS
        all = !(wt->help != NULL && wt->help(wt->help_ctx, &helped)) && waiter_wait(wt);
        Py_END_ALLOW_THREADS
        if (all)
            break;
        if (PyErr_CheckSignals() < 0) {
            wq_job_cancel(job);
            interrupted = 1;
            break;
        }
    }
    if (job != NULL) {
        Py_BEGIN_ALLOW_THREADS
        wq_job_free(job);
        Py_END_ALLOW_THREADS
    }
    pthread_cond_destroy(&wt->cv);
    pthread_mutex_destroy(&wt->mu);
    if (interrupted)
        return -1;
    if (rc == 0)
        rc = wt->err != 0 ? wt->err : helped;
    if (rc != 0) {
        set_engine_error(rc);
        return -1;
    }
    return 0;
}

/* In a child forked since the module's pools were made (multiprocessing
 * forks the interpreter), forgets them: their threads stayed in the parent.
 * Their memory is left as it is; destroying them would wait for threads
 * the child does not have. */
static void forget_forked_pools(module_state *st) {
    pid_t me = getpid();
    if (st->pools_pid != me) {
        st->default_pool = NULL;
        st->kept_pool = NULL;
        st->pools_pid = me;
    }
}

/* The pool for workers: 0, the module's (created on first use); N, the
 * kept pool of N threads, or a new one, in *owned, which the caller hands
 * to drop_pool. Creating threads costs each call about 0.1 ms, and after
 * a fork every stack and malloc arena page they write faults again; kept
 * threads only do the latter. NULL with an exception on error. */
static wq_pool *get_pool(module_state *st, unsigned workers, wq_pool **owned) {
    *owned = NULL;
    forget_forked_pools(st);
    if (workers == 0 && st->default_pool != NULL)
        return st->default_pool;
    if (workers != 0 && st->kept_pool != NULL && st->kept_workers == workers) {
        *owned = st->kept_pool; /* taken: a call at once on another thread makes its own */
        st->kept_pool = NULL;
        return *owned;
    }
    wq_pool *p;
    if (workers == 0) {
        /* The GIL stays held, so two threads cannot both create it. */
        p = wq_pool_create(0);
    } else {
        Py_BEGIN_ALLOW_THREADS
        p = wq_pool_create(workers);
        Py_END_ALLOW_THREADS
    }
    if (p == NULL) {
        set_engine_error(errno ? errno : ENOMEM);
        return NULL;
    }
    if (workers == 0)
        st->default_pool = p;
    else
        *owned = p;
    return p;
}

/* Ends a call's use of get_pool's *owned pool of workers threads: kept for
 * the next call in place of the one kept before, which is destroyed. */
static void drop_pool(module_state *st, wq_pool *owned, unsigned workers) {
    if (owned == NULL)
        return;
    wq_pool *old = st->kept_pool;
    st->kept_pool = owned;
    st->kept_workers = workers;
    if (old != NULL) {
        Py_BEGIN_ALLOW_THREADS
        wq_pool_destroy(old);
        Py_END_ALLOW_THREADS
    }
}

/* The blocks of a synchronous run (distances, cdist's matrix), which the
 * pool's workers and the calling thread claim one at a time: each of the
 * job's nblocks tasks runs the next block not yet claimed (or none), and
 * the calling thread, rather than sleep until the last report, runs blocks
 * too (lev_help). With a busy loop beside it, the call's threads then
 * have three of the four runnable threads (not two of three), and the
 * calling thread is awake when the last block ends, instead of being woken
 * (a futex wake-up, expensive on this VM). */
typedef struct lev_run {
    lev_work *w;
    const block *blocks;
    size_t nblocks;
    atomic_size_t next; /* the next block to claim */
} lev_run;

/* The engine item function of a lev_run: the next unclaimed block. */
static int lev_claim_fn(const void *in, void *out, void *ctx) {
    lev_run *r = ctx;
    (void)in;
    *(unsigned char *)out = 0;
    size_t k = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
    return k < r->nblocks ? lev_block_fn(&r->blocks[k], out, r->w) : 0;
}

static const wq_kernel lev_claim_kernel = {"python-levenshtein-claim",
                                           lev_claim_fn,
                                           NULL,
                                           sizeof(block),
                                           1,
                                           "distances of the next block (workq Python module)"};

/* The calling thread's share of a lev_run (a waiter's help): claims and
 * runs blocks until none is left or POLL_MS has passed (a block is a few
 * milliseconds at most, BLOCK_BUDGET). Returns whether any may be left;
 * the first failure goes to *err. No GIL. */
static int lev_help(void *ctx, int *err) {
    lev_run *r = ctx;
    struct timespec until = deadline_in(POLL_MS), now;
    for (;;) {
        size_t k = atomic_fetch_add_explicit(&r->next, 1, memory_order_relaxed);
        if (k >= r->nblocks)
            return 0;
        unsigned char unused;
        int rc = lev_block_fn(&r->blocks[k], &unused, r->w);
        if (rc != 0 && *err == 0)
            *err = rc;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > until.tv_sec ||
            (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
            return 1;
    }
}

/* Runs the nblocks blocks of w on pool, with the calling thread's help.
 * Returns 0, or -1 with an exception set. */
static int run_lev_blocks(wq_pool *pool, lev_work *w, const block *blocks, size_t nblocks) {
    lev_run r = {.w = w, .blocks = blocks, .nblocks = nblocks};
    atomic_init(&r.next, 0);
    waiter wt = {.total = nblocks, .help = lev_help, .help_ctx = &r};
    wq_async_spec spec = {.kernel = &lev_claim_kernel,
                          .kernel_ctx = &r,
                          .in = blocks,
                          .n = nblocks,
                          .on_result = on_block,
                          .cb_ctx = &wt,
                          .order = WQ_ORDER_COMPLETION,
                          .chunk_size = 1};
    return run_job(pool, &spec, &wt);
}

/* Runs w into its out buffer: one block inline on the calling thread (the
 * GIL released), more as a job on pool (or on a pool for workers when pool
 * is NULL). Returns 0, or -1 with an exception set. */
/* The block budget of w (see BLOCKS_MIN). */
static size_t lev_budget(const lev_work *w) {
    /* From BLOCKS_MIN * BLOCK_PAIRS pairs up, BLOCK_PAIRS alone makes
     * BLOCKS_MIN blocks or more, so the budget need not be smaller than
     * BLOCK_BUDGET, and the pass over every pair is saved (1M pairs: about
     * 1 ms, on the calling thread alone). */
    if (w->cross || w->npairs >= (size_t)BLOCKS_MIN * BLOCK_PAIRS)
        return BLOCK_BUDGET;
    size_t total = 0;
    for (size_t k = 0; k < w->npairs; k++)
        total += pair_cost(w->alen[k], w->blen[k]);
    size_t budget = total / BLOCKS_MIN;
    return total < INLINE_BUDGET || budget > BLOCK_BUDGET ? BLOCK_BUDGET
           : budget < BLOCK_MIN_BUDGET                    ? BLOCK_MIN_BUDGET
                                                          : budget;
}

static int run_lev(module_state *st, wq_pool *pool, unsigned workers, lev_work *w) {
    size_t nblocks = 0;
    block *blocks = NULL;
    Py_BEGIN_ALLOW_THREADS
    blocks = cut_blocks(w, BLOCK_PAIRS, lev_budget(w), &nblocks);
    Py_END_ALLOW_THREADS
    if (blocks == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    int rc = 0;
    if (nblocks == 1) {
        unsigned char unused;
        Py_BEGIN_ALLOW_THREADS
        rc = lev_block_fn(&blocks[0], &unused, w);
        Py_END_ALLOW_THREADS
        if (rc != 0) {
            set_engine_error(rc);
            rc = -1;
        }
    } else if (nblocks > 1) {
        wq_pool *owned = NULL;
        wq_pool *p = pool != NULL ? pool : get_pool(st, workers, &owned);
        rc = p == NULL ? -1 : run_lev_blocks(p, w, blocks, nblocks);
        drop_pool(st, owned, workers);
    }
    PyMem_RawFree(blocks);
    return rc;
}

/* A zeroed size_t array of n items with its buffer, for the engine to fill.
 * Returns the array (the caller releases *view), or NULL. */
static PyObject *result_array(module_state *st, size_t n, Py_buffer *view) {
    PyObject *arr = new_size_array(st, n);
    if (arr == NULL)
        return NULL;
    if (PyObject_GetBuffer(arr, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* Runs w (all but out set) on pool into a new result array of w->npairs
 * distances. Returns the array, or NULL with an exception set. */
static PyObject *lev_array(module_state *st, wq_pool *pool, unsigned workers, lev_work *w) {
    Py_buffer view;
    PyObject *arr = result_array(st, w->npairs, &view);
    if (arr == NULL)
        return NULL;
    w->out = view.buf;
    int rc = run_lev(st, pool, workers, w);
    PyBuffer_Release(&view);
    if (rc < 0)
        Py_CLEAR(arr);
    return arr;
}

/* --------------------------------------------------------- functions -- */

/* Py_BEGIN_ALLOW_THREADS for single pairs only when they are long enough
 * for the release to pay (cells). */
#define SINGLE_RELEASE_CELLS 4096

static PyObject *do_distance(PyObject *a_obj, PyObject *b_obj, PyObject *max_obj,
                             const char *mode) {
    const char *a, *b;
    size_t n, m, max;
    wq_align_mode md;
    if (seq_view(a_obj, "a", -1, &a, &n) < 0 || seq_view(b_obj, "b", -1, &b, &m) < 0 ||
        parse_max(max_obj, &max) < 0 || parse_mode(mode, &md) < 0)
        return NULL;
    size_t d;
    if (n < SINGLE_RELEASE_CELLS / (m ? m : 1)) {
        d = md == WQ_ALIGN_GLOBAL ? wq_levenshtein(a, n, b, m, max)
                                  : mode_distance(a, n, b, m, md, max);
    } else {
        Py_BEGIN_ALLOW_THREADS
        d = md == WQ_ALIGN_GLOBAL ? wq_levenshtein(a, n, b, m, max)
                                  : mode_distance(a, n, b, m, md, max);
        Py_END_ALLOW_THREADS
    }
    if (d == WQ_LEV_NO_LIMIT)
        return PyErr_NoMemory();
    if (max != WQ_LEV_NO_LIMIT && d > max)
        d = max + 1;
    return PyLong_FromSize_t(d);
}

PyDoc_STRVAR(distance_doc,
             "distance(a, b, *, max_distance=None, mode='global') -> int\n\n"
             "The unit-cost edit (Levenshtein) distance between a and b, each a str\n"
             "(ASCII) or bytes. With max_distance, a distance above it is returned as\n"
             "max_distance + 1, and the computation stops early. mode='global' aligns\n"
             "the whole of a with the whole of b; 'prefix' aligns a with a prefix of b,\n"
             "'infix' with any substring of b (gaps in b around a are free).");

static PyObject *workq_distance(PyObject *module, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a", "b", "max_distance", "mode", NULL};
    PyObject *a, *b, *max = Py_None;
    const char *mode = "global";
    (void)module;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$Os:distance", kwlist, &a, &b, &max, &mode))
        return NULL;
    return do_distance(a, b, max, mode);
}

/* ------------------------------------------------- copy and compute -- */

/* distances() on two lists or tuples of one length copied at once (see
 * COPY_AT_ONCE_MIN): the copy and the distances as one job on the pool,
 * over chunk pairs (a's chunk c with b's chunk c, the pairs
 * [c * COPY_CHUNK, ...)).
 *
 *   - The calling thread holds the GIL from before the job starts until
 *     every chunk pair is copied (the items cannot change or go). Until
 *     then every thread only copies: nothing is computed while the GIL is
 *     held for the copy. The calling thread then copies what the chunks
 *     left (copy_finish: errors raised as before), marks the copy
 *     complete, releases the GIL and computes beside the runners, checking
 *     for signals every POLL_MS.
 *   - The pool's workers run fuse_runner: they copy chunk pairs, wait for
 *     the copy to be complete and compute.
 *   - The distances are claimed in parts of at most FUSE_BUDGET work
 *     (fuse_claim), a chunk pair of short pairs in one part, so that long
 *     pairs are shared out to the end and a cancel (w->cancel) stops every
 *     thread within a part.
 *   - The calling thread returns once every part is done and no runner is
 *     inside the job (fuse_close); a runner that starts later finds the
 *     job closed and touches nothing but the shared fuse_sync.
 *
 * Why (issue 15, 1M pairs x 14 on 2 workers): the copy (a wq_for), then
 * a serial pass cutting the pairs into blocks (2 to 3.5 ms on the calling
 * thread alone, 8% of a call) and a second job whose workers had gone to
 * sleep ran one after the other; now the result array is made while the
 * runners copy, the parts are cut as they are claimed, and the workers
 * stay in the job.
 * Not done: computing a chunk pair as soon as a worker has copied it
 * (from the copy still in cache), or straight from the items instead of
 * copying them, took up to 10% less CPU a call, but the threads then spent
 * 38 to 39 ms of CPU while the GIL was held, against 26 ms for the copy
 * alone (1M pairs x 14, load 8): the computation would hold the GIL. */
#define FUSE_BUDGET ((size_t)1 << 18)
/* Items from this length up take fuse_claim's pass over the pairs. */
#define FUSE_LONG ((size_t)1 << 16)

/* What outlives the call: the lock, and who is inside. malloc'd, freed by
 * the last of the calling thread and the runners to let go (refs). */
typedef struct fuse_sync {
    pthread_mutex_t mu;
    pthread_cond_t cv;    /* broadcast on the last copy, the copy complete, the
                             last part and the last runner out (mu) */
    atomic_uint refs;     /* the calling thread and every runner queued */
    atomic_uint active;   /* runners inside the job */
    atomic_int closed;    /* the job is over: no runner may enter */
    struct fuse_job *job; /* valid while !closed or active (see fuse_runner) */
} fuse_sync;

typedef struct fuse_job {
    copy_job copy;            /* the chunks and their copy */
    lev_work *w;              /* the pairs, and out */
    size_t pairs;             /* chunk pairs (copy.chunks[0] == copy.chunks[1]) */
    atomic_size_t next_copy;  /* the next chunk pair to copy */
    atomic_size_t copies;     /* chunk pairs copied (or skipped on SIGINT) */
    atomic_int copy_complete; /* every item is copied, or the job stops */
    atomic_size_t *cur;       /* per chunk pair: its next pair to compute */
    atomic_size_t scan_from;  /* chunk pairs below it are all claimed */
    atomic_size_t done;       /* pairs computed (or failed) */
    atomic_int err;           /* the first failure of a part */
    fuse_sync *sync;
} fuse_job;

/* Broadcasts sy->cv, mu taken: a thread that checked its condition under
 * mu and waits cannot miss it. */
static void fuse_wake(fuse_sync *sy) {
    pthread_mutex_lock(&sy->mu);
    pthread_cond_broadcast(&sy->cv);
    pthread_mutex_unlock(&sy->mu);
}

static void fuse_sync_release(fuse_sync *sy) {
    if (atomic_fetch_sub(&sy->refs, 1) == 1) {
        pthread_cond_destroy(&sy->cv);
        pthread_mutex_destroy(&sy->mu);
        free(sy);
    }
}

/* Claims the next part of chunk pair c's distances into *b: its pairs up
 * to FUSE_BUDGET work. Returns 0 when none is left. The copy complete;
 * lock-free. */
static int fuse_claim(fuse_job *j, size_t c, block *b) {
    const lev_work *w = j->w;
    size_t hi = w->npairs - c * COPY_CHUNK < COPY_CHUNK ? w->npairs : (c + 1) * COPY_CHUNK;
    /* No pair of chunk pair c costs more than its longest items would:
     * short pairs are claimed without a pass over them. */
    size_t la = j->copy.longest[c], lb = j->copy.longest[j->pairs + c];
    size_t most = la < FUSE_LONG && lb < FUSE_LONG ? pair_cost(la, lb) : SIZE_MAX;
    size_t s = atomic_load_explicit(&j->cur[c], memory_order_relaxed), e;
    do {
        if (s >= hi)
            return 0;
        if (most <= FUSE_BUDGET / (hi - s)) {
            e = hi;
            continue;
        }
        size_t cost = 0;
        for (e = s; e < hi && cost < FUSE_BUDGET; e++)
            cost += pair_cost(w->alen[e], w->blen[e]);
    } while (!atomic_compare_exchange_weak_explicit(&j->cur[c], &s, e, memory_order_relaxed,
                                                    memory_order_relaxed));
    b->start = s;
    b->count = e - s;
    return 1;
}

/* Computes part b (ECANCELED once the job is cancelled) and counts it. */
static void fuse_run(fuse_job *j, block b) {
    unsigned char unused;
    int rc = lev_block_fn(&b, &unused, j->w);
    int none = 0;
    if (rc != 0)
        atomic_compare_exchange_strong(&j->err, &none, rc);
    if (atomic_fetch_add(&j->done, b.count) + b.count == j->w->npairs)
        fuse_wake(j->sync);
}

/* Computes one part of the lowest chunk pair with parts left. Returns 0
 * when there was none, or the job is cancelled. The copy complete. */
static int fuse_compute_any(fuse_job *j) {
    if (atomic_load_explicit(&j->w->cancel, memory_order_relaxed))
        return 0;
    size_t c = atomic_load_explicit(&j->scan_from, memory_order_relaxed);
    for (; c < j->pairs; c++) {
        block b;
        if (fuse_claim(j, c, &b)) {
            fuse_run(j, b);
            return 1;
        }
        size_t at = c; /* c is claimed whole: move scan_from past it if it is there */
        atomic_compare_exchange_strong_explicit(&j->scan_from, &at, c + 1, memory_order_relaxed,
                                                memory_order_relaxed);
    }
    return 0;
}

/* Claims and copies chunk pairs (both sides of each, see copy_chunk) until
 * none is left, unless the copy stops (SIGINT; the pairs claimed are still
 * counted). */
static void fuse_copy_all(fuse_job *j, int caller) {
    copy_job *cj = &j->copy;
    copy_room rooms[2] = {{NULL, NULL}, {NULL, NULL}}; /* a's, b's */
    for (;;) {
        size_t c = atomic_fetch_add_explicit(&j->next_copy, 1, memory_order_relaxed);
        if (c >= j->pairs)
            break;
        if (c == cj->trip_pair)
            (void)PyErr_SetInterruptEx(SIGINT); /* the test hook; safe on any thread */
        if (!copy_stopping(cj, caller)) {
            copy_chunk(cj, c, &rooms[0], caller);
            copy_chunk(cj, j->pairs + c, &rooms[1], caller);
        }
        if (atomic_fetch_add(&j->copies, 1) + 1 == j->pairs)
            fuse_wake(j->sync);
    }
}

/* A runner's share: copies, waits until the copy is complete (the calling
 * thread then no longer holds the GIL for it), and computes. */
static void fuse_work(fuse_job *j) {
    fuse_copy_all(j, 0);
    fuse_sync *sy = j->sync;
    pthread_mutex_lock(&sy->mu);
    while (!atomic_load(&j->copy_complete))
        pthread_cond_wait(&sy->cv, &sy->mu);
    pthread_mutex_unlock(&sy->mu);
    while (fuse_compute_any(j))
        ;
}

/* The pool's task: enters the job unless it is over (see fuse_close). */
static void fuse_runner(void *arg) {
    fuse_sync *sy = arg;
    atomic_fetch_add(&sy->active, 1);
    if (!atomic_load(&sy->closed))
        fuse_work(sy->job);
    if (atomic_fetch_sub(&sy->active, 1) == 1 && atomic_load(&sy->closed))
        fuse_wake(sy);
    fuse_sync_release(sy);
}

/* Ends the job: no runner enters from now on, and the ones inside leave
 * (cancel: at their next part). Returns once none is inside. Every copy
 * is over; no GIL. */
static void fuse_close(fuse_job *j, int cancel) {
    fuse_sync *sy = j->sync;
    if (cancel)
        atomic_store(&j->w->cancel, 1);
    atomic_store(&j->copy_complete, 1);
    /* seq_cst with fuse_runner's: a runner sees closed, or this sees it
     * inside */
    atomic_store(&sy->closed, 1);
    pthread_mutex_lock(&sy->mu);
    pthread_cond_broadcast(&sy->cv); /* runners waiting for copy_complete */
    while (atomic_load(&sy->active) != 0)
        pthread_cond_wait(&sy->cv, &sy->mu);
    pthread_mutex_unlock(&sy->mu);
}

/* The calling thread's copy: copies chunk pairs beside the runners, waits
 * for theirs, then copies what the chunks left, and marks the copy
 * complete. 0, 1 on SIGINT, or -1 with an exception. The GIL held. */
static int fuse_copy_caller(fuse_job *j, const char *a_what, const char *b_what) {
    fuse_copy_all(j, 1);
    fuse_sync *sy = j->sync;
    pthread_mutex_lock(&sy->mu); /* a chunk pair is a few dozen microseconds */
    while (atomic_load(&j->copies) < j->pairs)
        pthread_cond_wait(&sy->cv, &sy->mu);
    pthread_mutex_unlock(&sy->mu);
    if (atomic_load(&j->copy.stopping) || PyOS_InterruptOccurred())
        return 1;
    int rc = copy_finish(&j->copy, 0, a_what);
    if (rc == 0)
        rc = copy_finish(&j->copy, 1, b_what);
    if (rc == 0 && PyOS_InterruptOccurred()) /* a SIGINT after the last check */
        rc = 1;
    if (rc != 0)
        return rc;
    for (size_t t = 0; t < 2 * j->pairs; t++) {
        size_t lo, hi;
        chunk_range(&j->copy, t, &lo, &hi);
        if (j->copy.stop[t] < hi) /* copy_finish copied some: lengths unknown */
            j->copy.longest[t] = SIZE_MAX;
    }
    atomic_store(&j->copy_complete, 1);
    fuse_wake(sy);
    return 0;
}

/* The calling thread, once the copy is complete: computes beside the
 * runners until every pair is done, checking for signals every POLL_MS.
 * Returns 0, or -1 with a signal handler's exception. The GIL held on
 * entry and return, released between. */
static int fuse_compute_caller(fuse_job *j) {
    fuse_sync *sy = j->sync;
    for (;;) {
        int all;
        Py_BEGIN_ALLOW_THREADS
        struct timespec until = deadline_in(POLL_MS), now;
        int more;
        while ((more = fuse_compute_any(j)) != 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec > until.tv_sec ||
                (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
                break;
        }
        if (!more) { /* nothing left to claim: wait for the parts running */
            int rc = 0;
            pthread_mutex_lock(&sy->mu);
            while (atomic_load(&j->done) < j->w->npairs && rc != ETIMEDOUT)
                rc = pthread_cond_timedwait(&sy->cv, &sy->mu, &until);
            pthread_mutex_unlock(&sy->mu);
        }
        all = atomic_load(&j->done) == j->w->npairs;
        Py_END_ALLOW_THREADS
        if (all)
            return 0;
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
}

/* Queues a runner for each of pool's threads (none when the queue cannot
 * grow: the calling thread does all the work). */
static void fuse_start(wq_pool *pool, fuse_sync *sy) {
    void *args[64];
    unsigned n = wq_pool_threads(pool);
    if (n > sizeof args / sizeof *args)
        n = sizeof args / sizeof *args;
    for (unsigned k = 0; k < n; k++)
        args[k] = sy;
    atomic_fetch_add(&sy->refs, n);
    if (wq_submit_many(pool, fuse_runner, args, n) != 0)
        atomic_fetch_sub(&sy->refs, n);
}

/* Makes j's shared state: its lock (j->sync) and per-chunk arrays.
 * Returns 0, or -1 with an exception (j->sync NULL). The GIL held. */
static int fuse_alloc(fuse_job *j) {
    size_t total = 2 * j->pairs;
    j->copy.stop = PyMem_Malloc(total * sizeof *j->copy.stop);
    j->copy.longest = PyMem_Malloc(total * sizeof *j->copy.longest);
    j->cur = PyMem_Malloc(j->pairs * sizeof *j->cur);
    fuse_sync *sy = malloc(sizeof *sy);
    if (j->copy.stop == NULL || j->copy.longest == NULL || j->cur == NULL || sy == NULL) {
        free(sy);
        PyErr_NoMemory();
        return -1;
    }
    int err = sync_init(&sy->mu, &sy->cv);
    if (err != 0) {
        free(sy);
        set_engine_error(err);
        return -1;
    }
    atomic_init(&sy->refs, 1);
    atomic_init(&sy->active, 0);
    atomic_init(&sy->closed, 0);
    sy->job = j;
    j->sync = sy;
    for (size_t t = 0; t < total; t++) { /* nothing copied yet */
        size_t hi;
        chunk_range(&j->copy, t, &j->copy.stop[t], &hi);
    }
    for (size_t c = 0; c < j->pairs; c++)
        atomic_init(&j->cur[c], c * COPY_CHUNK);
    return 0;
}

/* do_distances' copy at once with its distances (see fuse_job), of a_obj
 * and b_obj, lists or tuples of one length (trip: the test hook's item).
 * Returns 0 with the distances in *result, COPY_AGAIN (SIGINT, and its
 * handlers raised nothing), or -1 with an exception. */
static int fuse_distances(module_state *st, wq_pool *pool, PyObject *a_obj, PyObject *b_obj,
                          size_t max, wq_align_mode mode, size_t trip, PyObject **result) {
    seqs sa, sb;
    memset(&sa, 0, sizeof sa);
    memset(&sb, 0, sizeof sb);
    sa.cache = sb.cache = &st->scratch;
    size_t n = (size_t)PySequence_Fast_GET_SIZE(a_obj);
    lev_work w = {.nb = n, .npairs = n, .max_distance = max, .mode = mode};
    atomic_init(&w.cancel, 0);
    fuse_job j = {
        .copy = {.s = {&sa, &sb},
                 .items = {PySequence_Fast_ITEMS(a_obj), PySequence_Fast_ITEMS(b_obj)},
                 .chunks = {(n + COPY_CHUNK - 1) / COPY_CHUNK, (n + COPY_CHUNK - 1) / COPY_CHUNK},
                 .trip_pair = trip_chunk(trip, n)},
        .w = &w,
        .pairs = (n + COPY_CHUNK - 1) / COPY_CHUNK};
    atomic_init(&j.copy.stopping, 0);
    atomic_init(&j.copy.used[0], 0);
    atomic_init(&j.copy.used[1], 0);
    atomic_init(&j.next_copy, 0);
    atomic_init(&j.copies, 0);
    atomic_init(&j.copy_complete, 0);
    atomic_init(&j.scan_from, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.err, 0);
    PyObject *arr = NULL;
    Py_buffer view;
    int rc = -1;
    if (seqs_begin(&sa, j.copy.items[0], n) < 0 || seqs_begin(&sb, j.copy.items[1], n) < 0 ||
        fuse_alloc(&j) < 0)
        goto out;
    w.a = sa.ptr, w.alen = sa.len, w.b = sb.ptr, w.blen = sb.len;
    fuse_start(pool, j.sync); /* the runners copy while the array is made */
    if ((arr = result_array(st, n, &view)) == NULL)
        atomic_store(&j.copy.stopping, 1); /* the runners copy no more; rc stays -1 */
    else
        w.out = view.buf; /* read by the runners after copy_complete */
    int copied = fuse_copy_caller(&j, "seqs_a", "seqs_b");
    if (arr != NULL) {
        int err;
        rc = copied != 0 ? copied : fuse_compute_caller(&j);
        if (rc == 0 && (err = atomic_load(&j.err)) != 0) {
            set_engine_error(err);
            rc = -1;
        }
    }
    /* every copy is over: nothing reads the items any more */
    Py_BEGIN_ALLOW_THREADS
    fuse_close(&j, rc != 0);
    Py_END_ALLOW_THREADS
    if (arr != NULL)
        PyBuffer_Release(&view);
out:
    if (j.sync != NULL)
        fuse_sync_release(j.sync);
    PyMem_Free(j.copy.stop);
    PyMem_Free(j.copy.longest);
    PyMem_Free(j.cur);
    seqs_clear(&sa);
    seqs_clear(&sb);
    if (rc == 0) {
        *result = arr;
        return 0;
    }
    Py_XDECREF(arr);
    return rc > 0 ? copy_signalled() : -1;
}

/* Whether do_distances copies and computes at once (fuse_distances). */
static int fuse_fits(wq_pool *helper, PyObject *a_obj, PyObject *b_obj) {
    return helper != NULL && wq_pool_threads(helper) >= 2 && copy_at_once(a_obj, b_obj) &&
           PySequence_Fast_GET_SIZE(a_obj) == PySequence_Fast_GET_SIZE(b_obj);
}

/* distances() on pool (NULL: workers' pool, taken before the copy when
 * the copy can use it, see COPY_AT_ONCE_MIN). */
static PyObject *do_distances(module_state *st, wq_pool *pool, unsigned workers, PyObject *a_obj,
                              PyObject *b_obj, size_t max, wq_align_mode mode) {
    seqs sa, sb;
    wq_pool *owned = NULL;
    if (pool == NULL && workers != 1 && copy_at_once(a_obj, b_obj) &&
        (pool = get_pool(st, workers, &owned)) == NULL)
        return NULL;
    wq_pool *helper = workers == 1 ? NULL : pool;
    if (fuse_fits(helper, a_obj, b_obj)) {
        /* A SIGINT handler that raised nothing may have changed a and b,
         * so whether they fit is asked again. */
        size_t trip = copy_trip(st);
        int rc;
        PyObject *arr = NULL;
        do {
            rc = fuse_distances(st, helper, a_obj, b_obj, max, mode, trip, &arr);
            trip = SIZE_MAX;
        } while (rc == COPY_AGAIN && fuse_fits(helper, a_obj, b_obj));
        if (rc != COPY_AGAIN) {
            drop_pool(st, owned, workers);
            return arr;
        }
    }
    if (seqs_pair_from(st, a_obj, "seqs_a", &sa, b_obj, "seqs_b", &sb) < 0) {
        drop_pool(st, owned, workers);
        return NULL;
    }
    PyObject *arr = NULL;
    if (sa.n != sb.n) {
        PyErr_Format(PyExc_ValueError, "seqs_a and seqs_b differ in length (%zu and %zu)", sa.n,
                     sb.n);
        goto done;
    }
    lev_work w = {.a = sa.ptr,
                  .alen = sa.len,
                  .b = sb.ptr,
                  .blen = sb.len,
                  .nb = sb.n,
                  .npairs = sa.n,
                  .max_distance = max,
                  .mode = mode};
    arr = lev_array(st, pool, workers, &w);
done:
    seqs_clear(&sa);
    seqs_clear(&sb);
    drop_pool(st, owned, workers);
    return arr;
}

PyDoc_STRVAR(distances_doc,
             "distances(seqs_a, seqs_b, *, workers=None, max_distance=None, mode='global')\n"
             "    -> array.array\n\n"
             "The edit distances of the pairs (seqs_a[k], seqs_b[k]), element-wise, in an\n"
             "array.array of unsigned ints. seqs_a and seqs_b are iterables of str (ASCII)\n"
             "or bytes of the same length. workers=None uses the module's pool (one thread\n"
             "per CPU); an int N runs on a pool of N threads, which the module keeps for\n"
             "the next call with N (in place of the one it kept before). The GIL\n"
             "is released while the engine computes; Ctrl-C cancels the job.");

static PyObject *workq_distances(PyObject *module, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"seqs_a", "seqs_b", "workers", "max_distance", "mode", NULL};
    PyObject *a, *b, *workers_obj = Py_None, *max_obj = Py_None;
    const char *mode = "global";
    unsigned workers;
    size_t max;
    wq_align_mode md;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$OOs:distances", kwlist, &a, &b, &workers_obj,
                                     &max_obj, &mode) ||
        parse_workers(workers_obj, &workers) < 0 || parse_max(max_obj, &max) < 0 ||
        parse_mode(mode, &md) < 0)
        return NULL;
    return do_distances(state_of(module), NULL, workers, a, b, max, md);
}

typedef enum search_kind search_kind;
enum search_kind { SEARCH_PAIRS, SEARCH_QUERY, SEARCH_CLUSTERS };
static PyObject *do_search(module_state *st, wq_pool *pool, unsigned workers, search_kind kind,
                           PyObject *a_obj, PyObject *b_obj, size_t max);

/* cdist() on pool (NULL: workers' pool). */
static PyObject *do_cdist(module_state *st, wq_pool *pool, unsigned workers, PyObject *q_obj,
                          PyObject *t_obj, PyObject *max_obj, const char *mode) {
    size_t max;
    wq_align_mode md;
    if (parse_max(max_obj, &max) < 0 || parse_mode(mode, &md) < 0)
        return NULL;
    if (max_obj != Py_None && md != WQ_ALIGN_GLOBAL) {
        PyErr_SetString(PyExc_ValueError,
                        "mode: cdist with max_distance searches in 'global' mode only");
        return NULL;
    }
    if (max_obj != Py_None)
        return do_search(st, pool, workers, SEARCH_QUERY, q_obj, t_obj, max);
    seqs sq, stg;
    if (seqs_pair_from(st, q_obj, "queries", &sq, t_obj, "targets", &stg) < 0)
        return NULL;
    PyObject *result = NULL;
    if (stg.n != 0 && sq.n > SIZE_MAX / stg.n) {
        PyErr_NoMemory();
        goto done;
    }
    lev_work w = {.a = sq.ptr,
                  .alen = sq.len,
                  .b = stg.ptr,
                  .blen = stg.len,
                  .nb = stg.n,
                  .cross = 1,
                  .npairs = sq.n * stg.n,
                  .max_distance = max,
                  .mode = md};
    PyObject *arr = lev_array(st, pool, workers, &w);
    if (arr != NULL) {
        result = matrix_view(arr, sq.n, stg.n);
        Py_DECREF(arr);
    }
done:
    seqs_clear(&sq);
    seqs_clear(&stg);
    return result;
}

PyDoc_STRVAR(cdist_doc, "cdist(queries, targets, *, max_distance=None, workers=None,\n"
                        "      mode='global') -> memoryview | (i, j, d)\n\n"
                        "Without max_distance: the edit distance of every query against every\n"
                        "target, a 2-D memoryview of shape (len(queries), len(targets)) on an\n"
                        "array.array, so m[i, j] is the distance of queries[i] and targets[j],\n"
                        "m.tolist() gives lists, and numpy.asarray(m) views it without a copy\n"
                        "(without queries or targets the view is empty and 1-D: memoryview has no\n"
                        "zero-sized dimensions). With max_distance: only the pairs within it,\n"
                        "found through workq's query search (an index over the targets), as three\n"
                        "array.array columns (i, j, d) sorted by i then j. mode is that of\n"
                        "distance() (queries as a, targets as b); the search takes 'global' only.");

static PyObject *workq_cdist(PyObject *module, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"queries", "targets", "max_distance", "workers", "mode", NULL};
    PyObject *q, *t, *max_obj = Py_None, *workers_obj = Py_None;
    const char *mode = "global";
    unsigned workers;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$OOs:cdist", kwlist, &q, &t, &max_obj,
                                     &workers_obj, &mode) ||
        parse_workers(workers_obj, &workers) < 0)
        return NULL;
    return do_cdist(state_of(module), NULL, workers, q, t, max_obj, mode);
}

/* pi's computation, laid out as apps/pi/compute.c lays it out (its header
 * states the determinism this relies on): chunk k is the k-th balanced part
 * of [0, intervals); every chunk is cut into `pieces` balanced pieces of at
 * most PI_PIECE_TERMS terms; a chunk's value is the Neumaier sum of its
 * pieces in order; chunk values are folded in order with wq_sum_f64. The
 * pieces come from a generator and are folded in input order as they are
 * reported, so memory is constant. */
typedef struct pi_run {
    waiter wt;
    uint64_t chunks, base, rem, pieces;
    uint64_t gen_chunk, gen_piece; /* the generator's next piece */
    wq_f64_acc chunk_acc;          /* the current chunk's pieces so far */
    uint64_t cb_piece;             /* how many */
    wq_f64_acc total;              /* wq_sum_f64 over the chunks */
} pi_run;

/* The k-th of `count` balanced parts of [start, start + len). */
static wq_range split_range(uint64_t start, uint64_t len, uint64_t count, uint64_t k) {
    uint64_t base = len / count, rem = len % count;
    uint64_t s = start + k * base + (k < rem ? k : rem);
    return (wq_range){s, s + base + (k < rem)};
}

static int pi_gen(void *gen_ctx, void *item) {
    pi_run *r = gen_ctx;
    if (r->gen_chunk == r->chunks)
        return 0;
    wq_range chunk = split_range(0, r->base * r->chunks + r->rem, r->chunks, r->gen_chunk);
    wq_range piece = split_range(chunk.start, chunk.end - chunk.start, r->pieces, r->gen_piece);
    memcpy(item, &piece, sizeof piece);
    if (++r->gen_piece == r->pieces) {
        r->gen_piece = 0;
        r->gen_chunk++;
    }
    return 1;
}

static int pi_piece_fn(const void *in, void *out, void *ctx) {
    wq_range piece;
    (void)ctx;
    memcpy(&piece, in, sizeof piece);
    double v = wq_leibniz(piece.start, piece.end);
    memcpy(out, &v, sizeof v);
    return 0;
}

static const wq_kernel pi_piece_kernel = {
    "python-pi-piece", pi_piece_fn,    NULL,
    sizeof(wq_range),  sizeof(double), "a piece of pi's Leibniz sum"};

/* Folds one piece (reports come serialized, in input order). */
static void on_pi_piece(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    pi_run *r = cb_ctx;
    if (status == 0) {
        double v;
        memcpy(&v, out, sizeof v);
        wq_f64_acc_add(&r->chunk_acc, v);
        if (++r->cb_piece == r->pieces) {
            double chunk = r->chunk_acc.sum + r->chunk_acc.comp;
            wq_f64_acc one;
            wq_sum_f64.init(&one);
            wq_sum_f64.add(&one, &chunk);
            wq_sum_f64.merge(&r->total, &one);
            r->chunk_acc = (wq_f64_acc){0.0, 0.0};
            r->cb_piece = 0;
        }
    }
    on_block(&r->wt, index, status, in, out);
}

/* pi(): the Leibniz partial sum as the pi program computes it. */
static PyObject *do_pi(module_state *st, wq_pool *pool, unsigned workers, PyObject *n_obj,
                       PyObject *chunks_obj) {
    unsigned long long intervals = PyLong_AsUnsignedLongLong(n_obj);
    if (intervals == (unsigned long long)-1 && PyErr_Occurred()) {
        if (PyErr_ExceptionMatches(PyExc_OverflowError))
            PyErr_SetString(PyExc_ValueError, "intervals: must be between 1 and 2**51");
        return NULL;
    }
    if (intervals < 1 || intervals > WQ_LEIBNIZ_MAX) {
        PyErr_SetString(PyExc_ValueError, "intervals: must be between 1 and 2**51");
        return NULL;
    }
    uint64_t chunks = intervals / PI_CHUNK_TERMS;
    chunks = chunks < 1 ? 1 : chunks > PI_CHUNKS_DEFAULT ? PI_CHUNKS_DEFAULT : chunks;
    if (chunks_obj != Py_None) {
        unsigned long long c = PyLong_Check(chunks_obj) && !PyBool_Check(chunks_obj)
                                   ? PyLong_AsUnsignedLongLong(chunks_obj)
                                   : 0;
        if (c == (unsigned long long)-1 && PyErr_Occurred())
            PyErr_Clear();
        if (c < 1 || c > PI_CHUNKS_MAX || c > intervals) {
            PyErr_Format(PyExc_ValueError,
                         "chunks: expected an int between 1 and min(intervals, %llu)",
                         (unsigned long long)PI_CHUNKS_MAX);
            return NULL;
        }
        chunks = c;
    }
    pi_run run = {.chunks = chunks, .base = intervals / chunks, .rem = intervals % chunks};
    uint64_t longest = run.base + (run.rem > 0);
    run.pieces = longest / PI_PIECE_TERMS + (longest % PI_PIECE_TERMS != 0);
    run.wt.total = (size_t)(chunks * run.pieces);
    wq_sum_f64.init(&run.total);
    wq_async_spec spec = {.kernel = &pi_piece_kernel,
                          .gen = pi_gen,
                          .gen_ctx = &run,
                          .on_result = on_pi_piece,
                          .cb_ctx = &run,
                          .order = WQ_ORDER_INPUT,
                          .chunk_size = 1};
    wq_pool *owned = NULL;
    wq_pool *p = pool != NULL ? pool : get_pool(st, workers, &owned);
    int rc = p == NULL ? -1 : run_job(p, &spec, &run.wt);
    drop_pool(st, owned, workers);
    if (rc < 0)
        return NULL;
    double pi;
    wq_sum_f64.finish(&run.total, &pi);
    return PyFloat_FromDouble(pi);
}

PyDoc_STRVAR(pi_doc, "pi(intervals, *, workers=None, chunks=None) -> float\n\n"
                     "The Leibniz partial sum of the lesson, sum over i < intervals of\n"
                     "(4 - 8*(i%2)) / (2i+1), bit-identical to the value the `pi` program\n"
                     "prints for the same intervals and --chunks (default: one chunk per\n"
                     "65536 terms, at most 256), whatever the number of workers.");

static PyObject *workq_pi(PyObject *module, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"intervals", "workers", "chunks", NULL};
    PyObject *n, *workers_obj = Py_None, *chunks = Py_None;
    unsigned workers;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!|$OO:pi", kwlist, &PyLong_Type, &n, &workers_obj,
                                     &chunks) ||
        parse_workers(workers_obj, &workers) < 0)
        return NULL;
    return do_pi(state_of(module), NULL, workers, n, chunks);
}

/* ------------------------------------------------------------ search -- */

/* all_pairs, cdist with max_distance, and clusters run wq_search_pairs,
 * wq_search_query or wq_search_clusters, which block until done, on a
 * thread of their own (the calls must not run on the pool's workers); the
 * caller waits for it, checking for signals every POLL_MS, and on one sets
 * `stop`, which the callback turns into ECANCELED at the search's next
 * poll (every phase polls after each slice of well under a millisecond of
 * a thread's work), so Ctrl-C ends the call within POLL_MS and a slice. */
typedef struct search_run {
    search_kind kind;
    wq_pool *pool;
    wq_seq *a, *b;
    size_t na, nb, max;
    size_t *col[3];    /* pairs, query: the hits' i, j, distance */
    size_t nhits, cap; /* (the search thread; the caller after join) */
    size_t *label;     /* clusters: the smallest index of i's cluster */
    atomic_int stop;   /* set by the caller on a signal */
    int rc;            /* the search's return value */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when done is set (mu) */
    int done;          /* (mu) */
} search_run;

/* Keeps the hits; with n == 0 (the search's stop poll, after every slice
 * of well under a millisecond of a thread's work, in every phase), only
 * answers whether to stop. One thread at a time calls it. */
static int on_search_hits(void *ctx, const wq_hit *hits, size_t n) {
    search_run *r = ctx;
    if (atomic_load_explicit(&r->stop, memory_order_relaxed))
        return ECANCELED;
    if (r->nhits + n > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->nhits + n)
            cap *= 2;
        for (int c = 0; c < 3; c++) {
            size_t *grown = PyMem_RawRealloc(r->col[c], cap * sizeof(size_t));
            if (grown == NULL)
                return ENOMEM;
            r->col[c] = grown;
        }
        r->cap = cap;
    }
    for (size_t k = 0; k < n; k++) {
        r->col[0][r->nhits + k] = hits[k].i;
        r->col[1][r->nhits + k] = hits[k].j;
        r->col[2][r->nhits + k] = hits[k].distance;
    }
    r->nhits += n;
    return 0;
}

static void *search_thread(void *arg) {
    search_run *r = arg;
    if (r->kind == SEARCH_QUERY)
        r->rc = wq_search_query(r->pool, r->a, r->na, r->b, r->nb, r->max, on_search_hits, r);
    else if (r->kind == SEARCH_CLUSTERS)
        r->rc = wq_search_clusters(r->pool, r->a, r->na, r->max, r->label, on_search_hits, r);
    else
        r->rc = wq_search_pairs(r->pool, r->a, r->na, r->max, on_search_hits, r);
    pthread_mutex_lock(&r->mu);
    r->done = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* Runs r on its own thread, interruptibly. GIL held; 0 or -1 with an
 * exception. */
static int run_search(search_run *r) {
    int rc = sync_init(&r->mu, &r->cv);
    if (rc != 0) {
        set_engine_error(rc);
        return -1;
    }
    pthread_t thread;
    Py_BEGIN_ALLOW_THREADS
    rc = pthread_create(&thread, NULL, search_thread, r);
    Py_END_ALLOW_THREADS
    int interrupted = 0;
    while (rc == 0) {
        int done;
        Py_BEGIN_ALLOW_THREADS
        struct timespec until = deadline_in(POLL_MS);
        pthread_mutex_lock(&r->mu);
        if (!r->done)
            pthread_cond_timedwait(&r->cv, &r->mu, &until);
        done = r->done;
        pthread_mutex_unlock(&r->mu);
        Py_END_ALLOW_THREADS
        if (done)
            break;
        if (PyErr_CheckSignals() < 0) {
            atomic_store_explicit(&r->stop, 1, memory_order_relaxed);
            interrupted = 1;
            break;
        }
    }
    if (rc == 0) {
        Py_BEGIN_ALLOW_THREADS
        pthread_join(thread, NULL);
        Py_END_ALLOW_THREADS
        rc = r->rc;
    }
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    if (interrupted)
        return -1;
    if (rc == EOVERFLOW) {
        PyErr_SetString(PyExc_OverflowError, "too many sequences for the search index");
        return -1;
    }
    if (rc != 0) {
        set_engine_error(rc);
        return -1;
    }
    return 0;
}

/* wq_seq views of a snapshot (PyMem; the caller frees). */
static wq_seq *seq_array(const seqs *s) {
    wq_seq *v = PyMem_New(wq_seq, s->n ? s->n : 1);
    if (v == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (size_t k = 0; k < s->n; k++)
        v[k] = (wq_seq){s->ptr[k], s->len[k]};
    return v;
}

/* A size_t array.array holding col[0..n). */
static PyObject *column(module_state *st, const size_t *col, size_t n) {
    Py_buffer view;
    PyObject *arr = result_array(st, n, &view);
    if (arr == NULL)
        return NULL;
    if (n > 0)
        memcpy(view.buf, col, n * sizeof(size_t));
    PyBuffer_Release(&view);
    return arr;
}

/* The (i, j, d) columns of a finished pairs or query search. */
static PyObject *hit_columns(module_state *st, const search_run *r) {
    PyObject *i = column(st, r->col[0], r->nhits);
    PyObject *j = i ? column(st, r->col[1], r->nhits) : NULL;
    PyObject *d = j ? column(st, r->col[2], r->nhits) : NULL;
    PyObject *t = d ? PyTuple_Pack(3, i, j, d) : NULL;
    Py_XDECREF(i);
    Py_XDECREF(j);
    Py_XDECREF(d);
    return t;
}

/* The clusters as lists of indices, each ascending, ordered by their
 * smallest index. */
static PyObject *cluster_lists(search_run *r) {
    size_t n = r->na;
    size_t *slot = PyMem_New(size_t, n ? n : 1);
    PyObject *out = PyList_New(0);
    if (slot == NULL || out == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        size_t root = r->label[i];
        PyObject *idx = PyLong_FromSize_t(i);
        if (idx == NULL)
            goto fail;
        if (root == i) {
            PyObject *list = PyList_New(1);
            if (list == NULL || PyList_Append(out, list) < 0) {
                Py_XDECREF(list);
                Py_DECREF(idx);
                goto fail;
            }
            PyList_SET_ITEM(list, 0, idx);
            Py_DECREF(list);
            slot[i] = (size_t)PyList_GET_SIZE(out) - 1;
        } else {
            int rc = PyList_Append(PyList_GET_ITEM(out, (Py_ssize_t)slot[root]), idx);
            Py_DECREF(idx);
            if (rc < 0)
                goto fail;
        }
    }
    PyMem_Free(slot);
    return out;
fail:
    PyMem_Free(slot);
    Py_XDECREF(out);
    if (!PyErr_Occurred())
        PyErr_NoMemory();
    return NULL;
}

/* max_distance for the searches: a required int >= 0. */
static int parse_search_max(PyObject *o, size_t *out) {
    if (o == Py_None) {
        PyErr_SetString(PyExc_TypeError, "max_distance: expected an int, not None");
        return -1;
    }
    return parse_max(o, out);
}

/* all_pairs, clusters (kind) or the query search (q_obj set) on pool
 * (NULL: workers' pool). */
static PyObject *do_search(module_state *st, wq_pool *pool, unsigned workers, search_kind kind,
                           PyObject *a_obj, PyObject *b_obj, size_t max) {
    seqs sa = {0}, sb = {0};
    search_run r = {.kind = kind, .max = max};
    PyObject *result = NULL;
    wq_pool *owned = NULL;
    if (kind == SEARCH_QUERY
            ? seqs_pair_serial(st, a_obj, "queries", &sa, b_obj, "targets", &sb, copy_trip(st)) < 0
            : seqs_from(st, a_obj, "seqs", &sa) < 0)
        return NULL;
    r.a = seq_array(&sa);
    r.na = sa.n;
    if (r.a == NULL)
        goto done;
    if (kind == SEARCH_QUERY) {
        r.b = seq_array(&sb);
        r.nb = sb.n;
        if (r.b == NULL)
            goto done;
    }
    if (kind == SEARCH_CLUSTERS) {
        r.label = PyMem_RawMalloc((sa.n ? sa.n : 1) * sizeof(size_t));
        if (r.label == NULL) {
            PyErr_NoMemory();
            goto done;
        }
    }
    r.pool = pool != NULL ? pool : get_pool(st, workers, &owned);
    if (r.pool == NULL || run_search(&r) < 0)
        goto done;
    result = kind == SEARCH_CLUSTERS ? cluster_lists(&r) : hit_columns(st, &r);
done:
    drop_pool(st, owned, workers);
    for (int c = 0; c < 3; c++)
        PyMem_RawFree(r.col[c]);
    PyMem_RawFree(r.label);
    PyMem_Free(r.a);
    PyMem_Free(r.b);
    seqs_clear(&sa);
    seqs_clear(&sb);
    return result;
}

PyDoc_STRVAR(all_pairs_doc,
             "all_pairs(seqs, max_distance, *, workers=None) -> (i, j, d)\n\n"
             "Every pair i < j of seqs within edit distance max_distance, found through\n"
             "workq's exact segment index: three array.array columns, sorted by i then\n"
             "j, with d[k] the distance of seqs[i[k]] and seqs[j[k]].");

/* all_pairs() or clusters() (kind), format its PyArg format: "OO|$O:name". */
static PyObject *search_call(PyObject *module, PyObject *args, PyObject *kw, search_kind kind,
                             const char *format) {
    static char *kwlist[] = {"seqs", "max_distance", "workers", NULL};
    PyObject *seqs_obj, *max_obj, *workers_obj = Py_None;
    unsigned workers;
    size_t max;
    if (!PyArg_ParseTupleAndKeywords(args, kw, format, kwlist, &seqs_obj, &max_obj, &workers_obj) ||
        parse_search_max(max_obj, &max) < 0 || parse_workers(workers_obj, &workers) < 0)
        return NULL;
    return do_search(state_of(module), NULL, workers, kind, seqs_obj, NULL, max);
}

static PyObject *workq_all_pairs(PyObject *module, PyObject *args, PyObject *kw) {
    return search_call(module, args, kw, SEARCH_PAIRS, "OO|$O:all_pairs");
}

PyDoc_STRVAR(clusters_doc,
             "clusters(seqs, max_distance, *, workers=None) -> list[list[int]]\n\n"
             "The connected components of the graph joining sequences within edit\n"
             "distance max_distance (single linkage): lists of indices into seqs, each\n"
             "ascending, ordered by their first index; every index is in one list.");

static PyObject *workq_clusters(PyObject *module, PyObject *args, PyObject *kw) {
    return search_call(module, args, kw, SEARCH_CLUSTERS, "OO|$O:clusters");
}

/* ------------------------------------------------------------- align -- */

PyDoc_STRVAR(align_doc, "align(a, b, *, mode='global') -> Alignment\n\n"
                        "An optimal alignment of a (the query, aligned whole) against b: an\n"
                        "Alignment with distance, cigar (SAM's extended CIGAR, a as the query:\n"
                        "'=' match, 'X' mismatch, 'I' in a only, 'D' in b only) and the aligned\n"
                        "span [start, end) on b. mode is 'global' (all of b), 'prefix' (a prefix\n"
                        "of b) or 'infix' (any substring of b).");

static PyObject *workq_align(PyObject *module, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"a", "b", "mode", NULL};
    PyObject *a_obj, *b_obj;
    const char *mode = "global";
    const char *a, *b;
    size_t n, m;
    wq_align_mode md;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$s:align", kwlist, &a_obj, &b_obj, &mode) ||
        seq_view(a_obj, "a", -1, &a, &n) < 0 || seq_view(b_obj, "b", -1, &b, &m) < 0 ||
        parse_mode(mode, &md) < 0)
        return NULL;
    wq_alignment al = WQ_ALIGNMENT_INIT;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = wq_align(a, n, b, m, md, &al);
    Py_END_ALLOW_THREADS
    PyObject *res = NULL;
    if (rc != 0) {
        set_engine_error(rc);
    } else {
        res = PyStructSequence_New(state_of(module)->alignment_type);
        PyObject *f[4] = {
            PyLong_FromSize_t(al.distance),
            PyUnicode_FromStringAndSize(al.cigar ? al.cigar : "", (Py_ssize_t)al.cigar_len),
            PyLong_FromSize_t(al.start), PyLong_FromSize_t(al.end)};
        for (int k = 0; k < 4; k++) {
            if (res != NULL && f[k] != NULL)
                PyStructSequence_SET_ITEM(res, k, f[k]);
            else
                Py_XDECREF(f[k]);
        }
        if (res != NULL && (f[0] == NULL || f[1] == NULL || f[2] == NULL || f[3] == NULL))
            Py_CLEAR(res);
    }
    wq_alignment_free(&al);
    return res;
}

static PyStructSequence_Field alignment_fields[] = {
    {"distance", "the edit distance in the mode asked for"},
    {"cigar", "the extended CIGAR, a as the query and b as the reference"},
    {"start", "where the aligned span on b starts"},
    {"end", "where it ends (exclusive)"},
    {NULL, NULL}};

static PyStructSequence_Desc alignment_desc = {
    "workq.Alignment", "The result of workq.align: (distance, cigar, start, end).",
    alignment_fields, 4};

/* ---------------------------------------------------------------- Pool -- */

typedef struct pool_obj {
    PyObject_HEAD module_state *st;
    wq_pool *pool;   /* NULL once closed (GIL) */
    unsigned active; /* calls running on the pool now (GIL) */
    size_t pending;  /* map_async jobs not yet delivered (st->mu) */
    imap_obj *live;  /* unfinished imap_distances iterators (GIL) */
    pid_t pid;       /* the process that has pool's threads */
} pool_obj;

static void imap_pool_closing(pool_obj *pool);

/* A map_async job: its inputs, output, engine job and outcome. */
struct job_obj {
    PyObject_HEAD module_state *st;
    pool_obj *pool; /* strong: the pool outlives the job */
    seqs sa, sb;
    lev_work work;
    block *blocks;
    size_t nblocks;
    PyObject *array; /* the output */
    Py_buffer view;  /* held on array while the engine writes */
    int has_view;
    wq_job *job;
    PyObject *callback, *error_callback;
    PyObject *value; /* the result, once delivered */
    PyObject *error; /* or the exception */
    size_t reported; /* (st->mu) */
    int err;         /* (st->mu) */
    int done;        /* delivered, callbacks run (st->mu) */
    job_obj *next;   /* the delivery queue (st->mu) */
};

static int pool_usable(pool_obj *self) {
    if (self->pool == NULL) {
        PyErr_SetString(PyExc_ValueError, "Pool is closed");
        return -1;
    }
    if (self->pid != getpid()) {
        PyErr_SetString(PyExc_RuntimeError,
                        "Pool was made in another process (before a fork): its threads are there");
        return -1;
    }
    return 0;
}

static PyObject *pool_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"workers", NULL};
    PyObject *workers_obj = Py_None;
    unsigned workers;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:Pool", kwlist, &workers_obj) ||
        parse_workers(workers_obj, &workers) < 0)
        return NULL;
    pool_obj *self = (pool_obj *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->st = PyType_GetModuleState(type);
    wq_pool *p;
    Py_BEGIN_ALLOW_THREADS
    p = wq_pool_create(workers);
    Py_END_ALLOW_THREADS
    if (p == NULL) {
        set_engine_error(errno ? errno : ENOMEM);
        Py_DECREF(self);
        return NULL;
    }
    self->pool = p;
    self->pid = getpid();
    return (PyObject *)self;
}

static void pool_release(pool_obj *self) {
    wq_pool *p = self->pool;
    self->pool = NULL;
    if (p != NULL && self->pid == getpid()) { /* forked: see forget_forked_pools */
        Py_BEGIN_ALLOW_THREADS
        wq_pool_destroy(p);
        Py_END_ALLOW_THREADS
    }
}

static void pool_dealloc(pool_obj *self) {
    PyTypeObject *tp = Py_TYPE(self);
    pool_release(self); /* no job is pending: each holds a reference */
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Marks a call on the pool (so close() waits for no one); -1 if closed. */
static int pool_enter(pool_obj *self) {
    if (pool_usable(self) < 0)
        return -1;
    self->active++;
    return 0;
}

static PyObject *pool_leave(pool_obj *self, PyObject *result) {
    self->active--;
    return result;
}

static PyObject *pool_distance(pool_obj *self, PyObject *args, PyObject *kw) {
    (void)self;
    return workq_distance(NULL, args, kw);
}

static PyObject *pool_distances(pool_obj *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"seqs_a", "seqs_b", "max_distance", "mode", NULL};
    PyObject *a, *b, *max_obj = Py_None;
    const char *mode = "global";
    size_t max;
    wq_align_mode md;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$Os:distances", kwlist, &a, &b, &max_obj,
                                     &mode) ||
        parse_max(max_obj, &max) < 0 || parse_mode(mode, &md) < 0 || pool_enter(self) < 0)
        return NULL;
    return pool_leave(self, do_distances(self->st, self->pool, 0, a, b, max, md));
}

static PyObject *pool_cdist(pool_obj *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"queries", "targets", "max_distance", "mode", NULL};
    PyObject *q, *t, *max_obj = Py_None;
    const char *mode = "global";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|$Os:cdist", kwlist, &q, &t, &max_obj, &mode) ||
        pool_enter(self) < 0)
        return NULL;
    return pool_leave(self, do_cdist(self->st, self->pool, 0, q, t, max_obj, mode));
}

/* Pool.all_pairs() or Pool.clusters() (kind), format its PyArg format:
 * "OO:name". */
static PyObject *pool_search_call(pool_obj *self, PyObject *args, PyObject *kw, search_kind kind,
                                  const char *format) {
    static char *kwlist[] = {"seqs", "max_distance", NULL};
    PyObject *seqs_obj, *max_obj;
    size_t max;
    if (!PyArg_ParseTupleAndKeywords(args, kw, format, kwlist, &seqs_obj, &max_obj) ||
        parse_search_max(max_obj, &max) < 0 || pool_enter(self) < 0)
        return NULL;
    return pool_leave(self, do_search(self->st, self->pool, 0, kind, seqs_obj, NULL, max));
}

static PyObject *pool_all_pairs(pool_obj *self, PyObject *args, PyObject *kw) {
    return pool_search_call(self, args, kw, SEARCH_PAIRS, "OO:all_pairs");
}

static PyObject *pool_clusters(pool_obj *self, PyObject *args, PyObject *kw) {
    return pool_search_call(self, args, kw, SEARCH_CLUSTERS, "OO:clusters");
}

static PyObject *pool_align(pool_obj *self, PyObject *args, PyObject *kw) {
    return workq_align(PyType_GetModule(Py_TYPE(self)), args, kw);
}

static PyObject *pool_pi(pool_obj *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"intervals", "chunks", NULL};
    PyObject *n, *chunks = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O!|$O:pi", kwlist, &PyLong_Type, &n, &chunks) ||
        pool_enter(self) < 0)
        return NULL;
    return pool_leave(self, do_pi(self->st, self->pool, 0, n, chunks));
}

/* Waits, the GIL released, until pred(arg) holds under st->mu, checking for
 * signals every POLL_MS. Returns 0, or -1 with the signal's exception. */
static int wait_until(module_state *st, int (*pred)(void *), void *arg) {
    for (;;) {
        int ok;
        Py_BEGIN_ALLOW_THREADS
        struct timespec until = deadline_in(POLL_MS);
        pthread_mutex_lock(&st->mu);
        if (!pred(arg))
            pthread_cond_timedwait(&st->cv, &st->mu, &until);
        ok = pred(arg);
        pthread_mutex_unlock(&st->mu);
        Py_END_ALLOW_THREADS
        if (ok)
            return 0;
        if (PyErr_CheckSignals() < 0)
            return -1;
    }
}

static int pool_idle(void *arg) {
    return ((pool_obj *)arg)->pending == 0;
}

static int from_deliverer(module_state *st, const char *what) {
    if (st->deliverer_started && PyThread_get_thread_ident() == st->deliverer) {
        PyErr_Format(PyExc_RuntimeError, "%s: cannot wait from a map_async callback", what);
        return -1;
    }
    return 0;
}

PyDoc_STRVAR(pool_join_doc, "join() -> None\n\n"
                            "Waits until every map_async job of this pool has run its callbacks.");

static PyObject *pool_join(pool_obj *self, PyObject *unused) {
    (void)unused;
    if (from_deliverer(self->st, "join") < 0 || wait_until(self->st, pool_idle, self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

PyDoc_STRVAR(pool_close_doc,
             "close() -> None\n\n"
             "Waits for the pool's map_async jobs (as join() does), then stops its\n"
             "threads. Further calls on the pool raise ValueError. Idempotent.");

static PyObject *pool_close(pool_obj *self, PyObject *unused) {
    (void)unused;
    if (self->pool != NULL && self->pid != getpid())
        self->pool = NULL; /* forked: see forget_forked_pools */
    if (self->pool == NULL)
        Py_RETURN_NONE;
    if (self->active > 0) {
        PyErr_SetString(PyExc_RuntimeError, "close: the pool is in use by another thread");
        return NULL;
    }
    if (pool_join(self, NULL) == NULL)
        return NULL;
    Py_DECREF(Py_None);
    imap_pool_closing(self);
    pool_release(self);
    Py_RETURN_NONE;
}

static PyObject *pool_enter_ctx(pool_obj *self, PyObject *unused) {
    (void)unused;
    if (pool_usable(self) < 0)
        return NULL;
    return Py_NewRef(self);
}

static PyObject *pool_exit_ctx(pool_obj *self, PyObject *args) {
    (void)args;
    return pool_close(self, NULL);
}

static PyObject *pool_get_workers(pool_obj *self, void *closure) {
    (void)closure;
    if (pool_usable(self) < 0)
        return NULL;
    return PyLong_FromUnsignedLong(wq_pool_threads(self->pool));
}

/* ------------------------------------------------------------ map_async -- */

/* The two sides of pairs[i], a tuple or list of two str (ASCII) or bytes,
 * borrowed from pair. Returns 0, or -1 with TypeError or ValueError naming
 * pairs[i]. */
static int split_pair(PyObject *pair, size_t i, PyObject **a, PyObject **b) {
    if (!PyTuple_Check(pair) && !PyList_Check(pair)) {
        PyErr_Format(PyExc_TypeError, "pairs[%zu]: expected a pair (a, b), not %.100s", i,
                     Py_TYPE(pair)->tp_name);
        return -1;
    }
    if (PySequence_Fast_GET_SIZE(pair) != 2) {
        PyErr_Format(PyExc_ValueError, "pairs[%zu]: expected 2 items, not %zd", i,
                     PySequence_Fast_GET_SIZE(pair));
        return -1;
    }
    for (int side = 0; side < 2; side++) {
        PyObject *o = PySequence_Fast_GET_ITEM(pair, side);
        if (!PyBytes_Check(o) && !(PyUnicode_Check(o) && PyUnicode_IS_ASCII(o))) {
            PyErr_Format(PyUnicode_Check(o) ? PyExc_ValueError : PyExc_TypeError,
                         PyUnicode_Check(o)
                             ? "pairs[%zu][%d]: str is not ASCII (encode it, or pass bytes)"
                             : "pairs[%zu][%d]: expected str or bytes, not %.100s",
                         i, side, Py_TYPE(o)->tp_name);
            return -1;
        }
    }
    *a = PySequence_Fast_GET_ITEM(pair, 0);
    *b = PySequence_Fast_GET_ITEM(pair, 1);
    return 0;
}

/* Appends the finished job j to the delivery queue and wakes the delivery
 * thread. Called with st->mu held, with or without the GIL. */
static void queue_job(module_state *st, job_obj *j) {
    j->next = NULL;
    if (st->queue_tail != NULL)
        st->queue_tail->next = j;
    else
        st->queue_head = j;
    st->queue_tail = j;
    pthread_cond_broadcast(&st->cv);
}

/* The engine's report for one block of a map_async job (an engine thread,
 * no GIL): counts it, and queues the finished job for delivery. */
static void on_job_block(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    job_obj *j = cb_ctx;
    module_state *st = j->st;
    (void)index, (void)in, (void)out;
    pthread_mutex_lock(&st->mu);
    if (status != 0 && j->err == 0)
        j->err = status;
    if (++j->reported == j->nblocks)
        queue_job(st, j);
    pthread_mutex_unlock(&st->mu);
}

static void job_release_inputs(job_obj *j) {
    if (j->has_view) {
        PyBuffer_Release(&j->view);
        j->has_view = 0;
    }
    seqs_clear(&j->sa);
    seqs_clear(&j->sb);
    PyMem_RawFree(j->blocks);
    j->blocks = NULL;
}

static int job_traverse(job_obj *j, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(j));
    Py_VISIT(j->callback);
    Py_VISIT(j->error_callback);
    Py_VISIT(j->value);
    Py_VISIT(j->error);
    return 0;
}

static void job_dealloc(job_obj *j) {
    PyTypeObject *tp = Py_TYPE(j);
    PyObject_GC_UnTrack(j);
    if (j->job != NULL) { /* only reached if delivery never ran */
        Py_BEGIN_ALLOW_THREADS
        wq_job_free(j->job);
        Py_END_ALLOW_THREADS
    }
    job_release_inputs(j);
    Py_CLEAR(j->array);
    Py_CLEAR(j->callback);
    Py_CLEAR(j->error_callback);
    Py_CLEAR(j->value);
    Py_CLEAR(j->error);
    Py_CLEAR(j->pool);
    tp->tp_free(j);
    Py_DECREF(tp);
}

/* Starts the delivery thread (a daemon threading.Thread) if not yet. */
static int start_deliverer(module_state *st, PyObject *module) {
    if (st->deliverer_started)
        return 0;
    PyObject *target = PyObject_GetAttrString(module, "_deliver");
    if (target == NULL)
        return -1;
    PyObject *kw =
        Py_BuildValue("{sOsssO}", "target", target, "name", "workq-deliver", "daemon", Py_True);
    Py_DECREF(target);
    if (kw == NULL)
        return -1;
    PyObject *empty = PyTuple_New(0);
    PyObject *thread = empty ? PyObject_Call(st->thread_type, empty, kw) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(kw);
    if (thread == NULL)
        return -1;
    st->deliverer_started = 1; /* before start: _deliver may run at once */
    PyObject *r = PyObject_CallMethod(thread, "start", NULL);
    if (r == NULL) {
        st->deliverer_started = 0;
        Py_DECREF(thread);
        return -1;
    }
    Py_DECREF(r);
    PyObject *ident = PyObject_GetAttrString(thread, "ident");
    Py_DECREF(thread);
    if (ident == NULL)
        return -1;
    st->deliverer = PyLong_AsUnsignedLong(ident);
    Py_DECREF(ident);
    return PyErr_Occurred() ? -1 : 0;
}

PyDoc_STRVAR(pool_map_async_doc,
             "map_async(pairs, *, max_distance=None, mode='global', callback=None,\n"
             "          error_callback=None) -> AsyncResult\n\n"
             "Starts computing the edit distances of pairs (an iterable of (a, b), each a\n"
             "str or bytes, like the lesson's seqPairs) and returns at once. When the job\n"
             "is done, callback(distances) runs with the whole array.array in input\n"
             "order, as multiprocessing's map_async does; on failure error_callback(exc)\n"
             "runs instead. max_distance and mode are those of distance(). Callbacks\n"
             "run one at a time, with the GIL held, on the module's delivery thread;\n"
             "they must not wait for the pool.");

static PyObject *pool_map_async(pool_obj *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"pairs", "max_distance", "mode", "callback", "error_callback", NULL};
    PyObject *pairs, *max_obj = Py_None, *cb = Py_None, *ecb = Py_None;
    const char *mode = "global";
    size_t max;
    wq_align_mode md;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|$OsOO:map_async", kwlist, &pairs, &max_obj, &mode,
                                     &cb, &ecb) ||
        parse_max(max_obj, &max) < 0 || parse_mode(mode, &md) < 0 || pool_usable(self) < 0)
        return NULL;
    if ((cb != Py_None && !PyCallable_Check(cb)) || (ecb != Py_None && !PyCallable_Check(ecb))) {
        PyErr_SetString(PyExc_TypeError, "map_async: callback and error_callback must be callable");
        return NULL;
    }
    module_state *st = self->st;
    PyObject *module = PyType_GetModule(Py_TYPE(self));
    if (module == NULL || start_deliverer(st, module) < 0)
        return NULL;
    /* The pairs, split into two snapshots. */
    PyObject *tuple = PySequence_Tuple(pairs);
    if (tuple == NULL)
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    PyObject *as = PyTuple_New(n), *bs = PyTuple_New(n);
    job_obj *j = NULL;
    if (as == NULL || bs == NULL)
        goto fail;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *a, *b;
        if (split_pair(PyTuple_GET_ITEM(tuple, i), (size_t)i, &a, &b) < 0)
            goto fail;
        PyTuple_SET_ITEM(as, i, Py_NewRef(a));
        PyTuple_SET_ITEM(bs, i, Py_NewRef(b));
    }
    j = PyObject_GC_New(job_obj, st->job_type);
    if (j == NULL)
        goto fail;
    memset((char *)j + sizeof(PyObject), 0, sizeof *j - sizeof(PyObject));
    j->st = st;
    j->pool = (pool_obj *)Py_NewRef(self);
    j->callback = cb == Py_None ? NULL : Py_NewRef(cb);
    j->error_callback = ecb == Py_None ? NULL : Py_NewRef(ecb);
    PyObject_GC_Track(j);
    /* (A SIGINT handler may run during the copies, see copy_poll: hence
     * the pool's second check.) */
    if (seqs_from(st, as, "pairs[:][0]", &j->sa) < 0 ||
        seqs_from(st, bs, "pairs[:][1]", &j->sb) < 0 || pool_usable(self) < 0)
        goto fail;
    j->array = result_array(st, j->sa.n, &j->view);
    if (j->array == NULL)
        goto fail;
    j->has_view = 1;
    j->work = (lev_work){.a = j->sa.ptr,
                         .alen = j->sa.len,
                         .b = j->sb.ptr,
                         .blen = j->sb.len,
                         .nb = j->sb.n,
                         .npairs = j->sa.n,
                         .max_distance = max,
                         .mode = md,
                         .out = j->view.buf};
    Py_BEGIN_ALLOW_THREADS
    j->blocks = cut_blocks(&j->work, BLOCK_PAIRS, BLOCK_BUDGET, &j->nblocks);
    Py_END_ALLOW_THREADS
    if (j->blocks == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    Py_CLEAR(tuple);
    Py_CLEAR(as);
    Py_CLEAR(bs);
    /* The delivery queue's reference, dropped by the delivery thread. */
    Py_INCREF(j);
    pthread_mutex_lock(&st->mu);
    self->pending++;
    pthread_mutex_unlock(&st->mu);
    int rc = 0;
    if (j->nblocks == 0) { /* nothing to compute: deliver at once */
        pthread_mutex_lock(&st->mu);
        j->reported = 0;
        queue_job(st, j);
        pthread_mutex_unlock(&st->mu);
    } else {
        wq_async_spec spec = {.kernel = &lev_block_kernel,
                              .kernel_ctx = &j->work,
                              .in = j->blocks,
                              .n = j->nblocks,
                              .on_result = on_job_block,
                              .cb_ctx = j,
                              .order = WQ_ORDER_COMPLETION,
                              .chunk_size = 1};
        wq_pool *p = self->pool;
        Py_BEGIN_ALLOW_THREADS
        rc = wq_async_map(p, &spec, &j->job);
        Py_END_ALLOW_THREADS
    }
    if (rc != 0) {
        pthread_mutex_lock(&st->mu);
        self->pending--;
        pthread_mutex_unlock(&st->mu);
        Py_DECREF(j);
        Py_DECREF(j);
        set_engine_error(rc);
        return NULL;
    }
    return (PyObject *)j;
fail:
    Py_XDECREF(tuple);
    Py_XDECREF(as);
    Py_XDECREF(bs);
    Py_XDECREF(j);
    return NULL;
}

/* The pending exception, normalized, as an object (the error cleared). */
static PyObject *fetch_exception(void) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL)
        PyException_SetTraceback(value, tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return value;
}

/* Runs on the delivery thread, with the GIL: frees the engine job, sets the
 * outcome, runs the callback, then marks the job done for its waiters (so
 * get() returns after the callback, as in multiprocessing). */
static void deliver_job(job_obj *j) {
    module_state *st = j->st;
    wq_job *job = j->job;
    j->job = NULL;
    if (job != NULL) {
        Py_BEGIN_ALLOW_THREADS
        wq_job_free(job);
        Py_END_ALLOW_THREADS
    }
    job_release_inputs(j);
    PyObject *cb;
    if (j->err != 0) {
        if (j->err == ECANCELED)
            PyErr_SetString(PyExc_RuntimeError, "map_async: the job was cancelled");
        else
            set_engine_error(j->err);
        j->error = fetch_exception();
        Py_CLEAR(j->array);
        cb = j->error_callback;
    } else {
        j->value = j->array;
        j->array = NULL;
        cb = j->callback;
    }
    if (cb != NULL) {
        PyObject *r = PyObject_CallOneArg(cb, j->error ? j->error : j->value);
        if (r == NULL)
            PyErr_WriteUnraisable(cb);
        Py_XDECREF(r);
    }
    pthread_mutex_lock(&st->mu);
    j->done = 1;
    j->pool->pending--;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

PyDoc_STRVAR(deliver_doc, "_deliver() -> never returns\n\n"
                          "The body of the module's delivery thread (started by the first\n"
                          "Pool.map_async): runs finished jobs' callbacks, one at a time.");

static PyObject *workq_deliver(PyObject *module, PyObject *unused) {
    module_state *st = state_of(module);
    (void)unused;
    for (;;) {
        job_obj *j;
        Py_BEGIN_ALLOW_THREADS
        pthread_mutex_lock(&st->mu);
        while (st->queue_head == NULL)
            pthread_cond_wait(&st->cv, &st->mu);
        j = st->queue_head;
        st->queue_head = j->next;
        if (st->queue_head == NULL)
            st->queue_tail = NULL;
        pthread_mutex_unlock(&st->mu);
        Py_END_ALLOW_THREADS
        deliver_job(j);
        Py_DECREF(j); /* the queue's reference */
    }
    Py_UNREACHABLE();
}

/* ------------------------------------------------------- AsyncResult -- */

typedef struct job_wait {
    job_obj *j;
} job_wait;

static int job_done(void *arg) {
    return ((job_obj *)arg)->done;
}

/* Waits up to timeout seconds (None: forever). Returns 1 done, 0 timed
 * out, -1 with an exception. */
static int job_wait_for(job_obj *j, PyObject *timeout) {
    if (from_deliverer(j->st, "AsyncResult") < 0)
        return -1;
    if (timeout == NULL || timeout == Py_None)
        return wait_until(j->st, job_done, j) < 0 ? -1 : 1;
    double secs = PyFloat_AsDouble(timeout);
    if (secs == -1.0 && PyErr_Occurred())
        return -1;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int ok;
        Py_BEGIN_ALLOW_THREADS
        struct timespec until = deadline_in(POLL_MS);
        pthread_mutex_lock(&j->st->mu);
        if (!j->done && secs > 0)
            pthread_cond_timedwait(&j->st->cv, &j->st->mu, &until);
        ok = j->done;
        pthread_mutex_unlock(&j->st->mu);
        Py_END_ALLOW_THREADS
        if (ok)
            return 1;
        if (PyErr_CheckSignals() < 0)
            return -1;
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9 >= secs)
            return 0;
    }
}

PyDoc_STRVAR(job_wait_doc, "wait(timeout=None) -> bool\n\n"
                           "Waits until the job is done and its callback has run, or timeout\n"
                           "seconds pass. Returns whether it is done.");

static PyObject *job_wait_m(job_obj *j, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"timeout", NULL};
    PyObject *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:wait", kwlist, &timeout))
        return NULL;
    int rc = job_wait_for(j, timeout);
    return rc < 0 ? NULL : PyBool_FromLong(rc);
}

PyDoc_STRVAR(job_get_doc, "get(timeout=None) -> array.array\n\n"
                          "The distances, in input order, once the job is done (its callback\n"
                          "has run); raises the job's error, or TimeoutError after timeout\n"
                          "seconds.");

static PyObject *job_get(job_obj *j, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"timeout", NULL};
    PyObject *timeout = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:get", kwlist, &timeout))
        return NULL;
    int rc = job_wait_for(j, timeout);
    if (rc < 0)
        return NULL;
    if (rc == 0) {
        PyErr_SetString(PyExc_TimeoutError, "get: the job is not done");
        return NULL;
    }
    if (j->error != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(j->error), j->error);
        return NULL;
    }
    return Py_NewRef(j->value);
}

static int job_is_done(job_obj *j) {
    int d;
    Py_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&j->st->mu);
    d = j->done;
    pthread_mutex_unlock(&j->st->mu);
    Py_END_ALLOW_THREADS
    return d;
}

PyDoc_STRVAR(job_ready_doc, "ready() -> bool\n\nWhether the job is done and its callback has run.");

static PyObject *job_ready(job_obj *j, PyObject *unused) {
    (void)unused;
    return PyBool_FromLong(job_is_done(j));
}

PyDoc_STRVAR(job_successful_doc, "successful() -> bool\n\n"
                                 "Whether the job succeeded; ValueError if it is not ready.");

static PyObject *job_successful(job_obj *j, PyObject *unused) {
    (void)unused;
    if (!job_is_done(j)) {
        PyErr_SetString(PyExc_ValueError, "successful: the job is not ready");
        return NULL;
    }
    return PyBool_FromLong(j->error == NULL);
}

PyDoc_STRVAR(job_cancel_doc,
             "cancel() -> None\n\n"
             "Asks the job to stop: blocks not yet started are skipped, and the job\n"
             "ends with an error (error_callback runs; get() raises RuntimeError).\n"
             "Does nothing once the job is done.");

/* Not wq_job_cancel: that stops taking blocks from the input, and blocks
 * never taken are never reported, while delivery waits for every block's
 * report. Instead the blocks not yet begun fail at once with ECANCELED. */
static PyObject *job_cancel(job_obj *j, PyObject *unused) {
    (void)unused;
    atomic_store_explicit(&j->work.cancel, 1, memory_order_relaxed);
    Py_RETURN_NONE;
}

static int job_clear(job_obj *j) {
    Py_CLEAR(j->callback);
    Py_CLEAR(j->error_callback);
    Py_CLEAR(j->value);
    Py_CLEAR(j->error);
    return 0;
}

static PyMethodDef job_methods[] = {
    {"get", (PyCFunction)(void (*)(void))job_get, METH_VARARGS | METH_KEYWORDS, job_get_doc},
    {"wait", (PyCFunction)(void (*)(void))job_wait_m, METH_VARARGS | METH_KEYWORDS, job_wait_doc},
    {"ready", (PyCFunction)job_ready, METH_NOARGS, job_ready_doc},
    {"successful", (PyCFunction)job_successful, METH_NOARGS, job_successful_doc},
    {"cancel", (PyCFunction)job_cancel, METH_NOARGS, job_cancel_doc},
    {NULL, NULL, 0, NULL}};

PyDoc_STRVAR(job_doc, "The handle of a Pool.map_async job (see Pool.map_async).");

static PyType_Slot job_slots[] = {{Py_tp_doc, (void *)job_doc},   {Py_tp_dealloc, job_dealloc},
                                  {Py_tp_traverse, job_traverse}, {Py_tp_clear, job_clear},
                                  {Py_tp_methods, job_methods},   {0, NULL}};

static PyType_Spec job_spec = {
    "workq.AsyncResult", sizeof(job_obj), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION, job_slots};

/* ----------------------------------------------------- imap_distances -- */

/* Pool.imap_distances: a Python iterator over (index, distance).
 *
 * The pairs come from a Python iterable, which only a thread holding the GIL
 * may advance, while the engine's generator runs on its workers without the
 * GIL. So the iterator reads the pairs itself, in batches (at most
 * IMAP_BATCH_PAIRS pairs or IMAP_BATCH_BUDGET estimated work), and runs each
 * batch as one wq_async_map job over its blocks; at most IMAP_BATCHES
 * batches exist at once, so memory is bounded whatever the input length,
 * and the next batch computes while the caller consumes the previous one.
 * The engine reports each block (under it->mu) into its batch's report
 * list; __next__ takes the reports in order, with the GIL released while it
 * waits (checking for signals every POLL_MS), and yields the block's pairs.
 * ordered=True runs each job in input order and consumes batches in turn;
 * otherwise a block is yielded as soon as any batch reports it.
 *
 * An exception from the input (the iterable's own, or a malformed pair)
 * ends the reading; it is raised once every pair before it has been
 * yielded. KeyboardInterrupt (and any other signal's exception), close(),
 * garbage collection and Pool.close() cancel the jobs and free everything.
 */
#define IMAP_BATCH_PAIRS ((size_t)16384)
#define IMAP_BATCH_BUDGET (16 * BLOCK_BUDGET)
#define IMAP_BLOCK_PAIRS ((size_t)1024)
#define IMAP_BATCHES 2

typedef struct imap_batch imap_batch;

struct imap_batch {
    imap_obj *it;
    imap_batch *next; /* the iterator's batches, oldest first (GIL) */
    size_t base;      /* input index of its first pair */
    PyObject *keep;   /* a list holding every a and b it reads */
    const char **ptr; /* a's at [0, cap), b's at [cap, 2 cap) */
    size_t *len;
    lev_work work;
    block *blocks; /* PyMem_RawMalloc (cut_blocks) */
    size_t nblocks;
    size_t *order;   /* block indices in report order (it->mu) */
    int *status;     /* their statuses (it->mu) */
    size_t reported; /* (it->mu) */
    size_t taken;    /* reports consumed (GIL) */
    wq_job *job;
};

struct imap_obj {
    PyObject_HEAD module_state *st;
    pool_obj *pool;           /* strong */
    PyObject *source;         /* the pairs' iterator; NULL once read to its end (GIL) */
    PyObject *error;          /* what ended the input, raised after the pairs before it */
    size_t max;               /* max_distance */
    wq_align_mode mode;       /* mode */
    int ordered;              /* yield in input order */
    size_t read;              /* pairs read from source (GIL) */
    imap_batch *head;         /* running or unconsumed batches (GIL) */
    size_t nbatches;          /* (GIL) */
    imap_batch *cur;          /* the block being yielded: pairs [cur_next, */
    size_t cur_next, cur_end; /* cur_end) of cur (GIL) */
    int running;              /* inside __next__ (GIL) */
    int finished;             /* exhausted, failed or closed (GIL) */
    int pool_closed;          /* finished by Pool.close() (GIL) */
    imap_obj *live_prev;      /* the pool's unfinished iterators (GIL) */
    imap_obj *live_next;      /* (GIL) */
    pthread_mutex_t mu;       /* protects the batches' report lists */
    pthread_cond_t cv;        /* broadcast on each report (mu) */
};

/* The engine's report of one block (an engine thread, no GIL). */
static void on_imap_block(void *cb_ctx, size_t index, int status, const void *in, const void *out) {
    imap_batch *b = cb_ctx;
    (void)in, (void)out;
    pthread_mutex_lock(&b->it->mu);
    b->order[b->reported] = index;
    b->status[b->reported] = status;
    b->reported++;
    pthread_cond_broadcast(&b->it->cv);
    pthread_mutex_unlock(&b->it->mu);
}

/* Frees a batch whose job is over (or never started). GIL held. */
static void imap_batch_free(imap_batch *b) {
    if (b->job != NULL) {
        wq_job *job = b->job;
        b->job = NULL;
        Py_BEGIN_ALLOW_THREADS
        wq_job_free(job);
        Py_END_ALLOW_THREADS
    }
    Py_XDECREF(b->keep);
    PyMem_Free(b->ptr);
    PyMem_Free(b->len);
    PyMem_Free(b->work.out);
    PyMem_RawFree(b->blocks);
    PyMem_Free(b->order);
    PyMem_Free(b->status);
    PyMem_Free(b);
}

/* Ends the input with the exception being raised (kept for later). */
static void imap_input_failed(imap_obj *it) {
    Py_CLEAR(it->source);
    it->error = fetch_exception();
}

/* Reads one pair into b at slot n. Returns 1, 0 at the end of the input or
 * on an input error (kept in it->error), or -1 with an exception to raise
 * now. */
static int imap_read_pair(imap_obj *it, imap_batch *b, size_t n, size_t *cost) {
    PyObject *pair = PyIter_Next(it->source);
    if (pair == NULL) {
        if (!PyErr_Occurred()) {
            Py_CLEAR(it->source);
            return 0;
        }
        /* Ctrl-C, SystemExit and the like are not input errors. */
        if (!PyErr_ExceptionMatches(PyExc_Exception))
            return -1;
        imap_input_failed(it);
        return 0;
    }
    PyObject *a, *bo;
    if (split_pair(pair, it->read, &a, &bo) < 0) {
        Py_DECREF(pair);
        imap_input_failed(it);
        return 0;
    }
    size_t cap = IMAP_BATCH_PAIRS;
    int rc = PyList_Append(b->keep, a) < 0 || PyList_Append(b->keep, bo) < 0 ? -1 : 1;
    if (rc == 1) { /* seq_view cannot fail: split_pair checked both */
        seq_view(a, "a", -1, &b->ptr[n], &b->len[n]);
        seq_view(bo, "b", -1, &b->ptr[cap + n], &b->len[cap + n]);
        *cost += pair_cost(b->len[n], b->len[cap + n]);
        it->read++;
    }
    Py_DECREF(pair);
    return rc;
}

/* Reads the next batch and starts its job. Returns 0 (a batch started, or
 * the input ended), or -1 with an exception to raise now. */
static int imap_fill(imap_obj *it) {
    size_t cap = IMAP_BATCH_PAIRS, n = 0, cost = 0;
    imap_batch *b = PyMem_Calloc(1, sizeof *b);
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    b->it = it;
    b->base = it->read;
    b->keep = PyList_New(0);
    b->ptr = PyMem_New(const char *, 2 * cap);
    b->len = PyMem_New(size_t, 2 * cap);
    int rc = b->keep != NULL && b->ptr != NULL && b->len != NULL ? 1 : -1;
    while (rc == 1 && n < cap && cost < IMAP_BATCH_BUDGET && it->source != NULL) {
        rc = imap_read_pair(it, b, n, &cost);
        n += rc == 1;
    }
    if (rc >= 0 && n > 0) {
        b->work = (lev_work){.a = b->ptr,
                             .alen = b->len,
                             .b = b->ptr + cap,
                             .blen = b->len + cap,
                             .nb = n,
                             .npairs = n,
                             .max_distance = it->max,
                             .mode = it->mode,
                             .out = PyMem_New(size_t, n)};
        b->blocks = cut_blocks(&b->work, IMAP_BLOCK_PAIRS, BLOCK_BUDGET, &b->nblocks);
        b->order = b->blocks ? PyMem_New(size_t, b->nblocks) : NULL;
        b->status = b->blocks ? PyMem_New(int, b->nblocks) : NULL;
        if (b->work.out == NULL || b->order == NULL || b->status == NULL)
            rc = -1;
    }
    if (rc < 0 || n == 0) {
        if (rc < 0 && !PyErr_Occurred())
            PyErr_NoMemory();
        imap_batch_free(b);
        return rc < 0 ? -1 : 0;
    }
    wq_async_spec spec = {.kernel = &lev_block_kernel,
                          .kernel_ctx = &b->work,
                          .in = b->blocks,
                          .n = b->nblocks,
                          .on_result = on_imap_block,
                          .cb_ctx = b,
                          .order = it->ordered ? WQ_ORDER_INPUT : WQ_ORDER_COMPLETION,
                          .chunk_size = 1};
    wq_pool *p = it->pool->pool;
    int err;
    Py_BEGIN_ALLOW_THREADS
    err = wq_async_map(p, &spec, &b->job);
    Py_END_ALLOW_THREADS
    if (err != 0) {
        imap_batch_free(b);
        set_engine_error(err);
        return -1;
    }
    imap_batch **end = &it->head;
    while (*end != NULL)
        end = &(*end)->next;
    *end = b;
    it->nbatches++;
    return 0;
}

/* The batch to consume from next: the oldest (ordered), or the first with a
 * report not yet taken, else the oldest. Called with it->mu held. */
static imap_batch *imap_pick(imap_obj *it) {
    if (!it->ordered) {
        for (imap_batch *b = it->head; b != NULL; b = b->next)
            if (b->reported > b->taken)
                return b;
    }
    return it->head;
}

static int imap_ready(imap_obj *it) {
    imap_batch *b = imap_pick(it);
    return b->reported > b->taken;
}

/* Waits, the GIL released, until a report can be taken, checking for
 * signals every POLL_MS and after each wait. Returns that batch, or NULL
 * with the signal's exception.
 *
 * The check after a wait that found a report matters: a consumer in C
 * (list(), sum()) runs no bytecode between items, so when the workers keep
 * ahead no wait ever times out, and a Ctrl-C would wait for the end of the
 * input (200k pairs of 5000 bytes: 176 ms median, 548 ms at worst before;
 * the check costs one atomic load when no signal came). */
static imap_batch *imap_wait(imap_obj *it) {
    for (;;) {
        imap_batch *b;
        int ok;
        Py_BEGIN_ALLOW_THREADS
        struct timespec until = deadline_in(POLL_MS);
        pthread_mutex_lock(&it->mu);
        if (!imap_ready(it))
            pthread_cond_timedwait(&it->cv, &it->mu, &until);
        ok = imap_ready(it);
        b = imap_pick(it);
        pthread_mutex_unlock(&it->mu);
        Py_END_ALLOW_THREADS
        if (PyErr_CheckSignals() < 0)
            return NULL;
        if (ok)
            return b;
    }
}

/* Unlinks and frees the batches all of whose reports were taken. */
static void imap_drop_consumed(imap_obj *it) {
    for (imap_batch **p = &it->head; *p != NULL;) {
        imap_batch *b = *p;
        if (b->taken == b->nblocks && b != it->cur) {
            *p = b->next;
            it->nbatches--;
            imap_batch_free(b);
        } else {
            p = &b->next;
        }
    }
}

/* The next (index, distance); NULL at the end (no exception) or with one. */
static PyObject *imap_step(imap_obj *it) {
    for (;;) {
        if (it->cur_next < it->cur_end) {
            size_t k = it->cur_next++;
            PyObject *i = PyLong_FromSize_t(it->cur->base + k);
            PyObject *d = i ? PyLong_FromSize_t(it->cur->work.out[k]) : NULL;
            PyObject *t = d ? PyTuple_Pack(2, i, d) : NULL;
            Py_XDECREF(i);
            Py_XDECREF(d);
            return t;
        }
        it->cur = NULL;
        imap_drop_consumed(it);
        while (it->source != NULL && it->nbatches < IMAP_BATCHES)
            if (imap_fill(it) < 0)
                return NULL;
        if (it->head == NULL) {
            if (it->error != NULL) {
                PyObject *e = it->error;
                it->error = NULL;
                PyErr_SetObject((PyObject *)Py_TYPE(e), e);
                Py_DECREF(e);
            }
            return NULL;
        }
        imap_batch *b = imap_wait(it);
        if (b == NULL)
            return NULL;
        size_t idx = b->order[b->taken];
        int status = b->status[b->taken];
        b->taken++;
        if (status != 0) {
            set_engine_error(status);
            return NULL;
        }
        it->cur = b;
        it->cur_next = b->blocks[idx].start;
        it->cur_end = b->blocks[idx].start + b->blocks[idx].count;
    }
}

/* Finishes the iterator: cancels its jobs, waits for them, frees every
 * batch and leaves the pool's list. Idempotent. GIL held. */
static void imap_shutdown(imap_obj *it) {
    if (it->finished)
        return;
    it->finished = 1;
    imap_batch *list = it->head;
    it->head = NULL;
    it->nbatches = 0;
    it->cur = NULL;
    it->cur_next = it->cur_end = 0;
    for (imap_batch *b = list; b != NULL; b = b->next) {
        atomic_store_explicit(&b->work.cancel, 1, memory_order_relaxed);
        wq_job_cancel(b->job);
    }
    while (list != NULL) {
        imap_batch *next = list->next;
        imap_batch_free(list);
        list = next;
    }
    Py_CLEAR(it->source);
    if (it->live_prev != NULL)
        it->live_prev->live_next = it->live_next;
    else if (it->pool->live == it)
        it->pool->live = it->live_next;
    if (it->live_next != NULL)
        it->live_next->live_prev = it->live_prev;
    it->live_prev = it->live_next = NULL;
}

/* Pool.close(): finishes the pool's unfinished iterators. */
static void imap_pool_closing(pool_obj *pool) {
    while (pool->live != NULL) {
        imap_obj *it = pool->live;
        it->pool_closed = 1;
        Py_CLEAR(it->error);
        imap_shutdown(it);
    }
}

static PyObject *imap_next(imap_obj *it) {
    if (it->running) {
        PyErr_SetString(PyExc_ValueError, "imap_distances: generator already executing");
        return NULL;
    }
    if (it->finished) {
        if (it->pool_closed)
            PyErr_SetString(PyExc_ValueError, "imap_distances: the Pool was closed");
        return NULL;
    }
    it->running = 1;
    it->pool->active++;
    PyObject *r = imap_step(it);
    it->pool->active--;
    it->running = 0;
    if (r == NULL)
        imap_shutdown(it);
    return r;
}

PyDoc_STRVAR(imap_close_doc, "close() -> None\n\n"
                             "Stops the iterator: cancels its jobs, waits for the running blocks\n"
                             "(a few milliseconds) and frees every buffer. Idempotent.");

static PyObject *imap_close(imap_obj *it, PyObject *unused) {
    (void)unused;
    if (it->running) {
        PyErr_SetString(PyExc_ValueError, "imap_distances: generator already executing");
        return NULL;
    }
    Py_CLEAR(it->error);
    imap_shutdown(it);
    Py_RETURN_NONE;
}

static int imap_traverse(imap_obj *it, visitproc visit, void *arg) {
    Py_VISIT(Py_TYPE(it));
    Py_VISIT(it->source);
    Py_VISIT(it->error);
    return 0;
}

static int imap_clear(imap_obj *it) {
    imap_shutdown(it);
    Py_CLEAR(it->error);
    return 0;
}

static void imap_dealloc(imap_obj *it) {
    PyTypeObject *tp = Py_TYPE(it);
    PyObject_GC_UnTrack(it);
    if (it->pool != NULL) { /* NULL only if creation failed early */
        imap_shutdown(it);
        pthread_cond_destroy(&it->cv);
        pthread_mutex_destroy(&it->mu);
    }
    Py_CLEAR(it->error);
    Py_CLEAR(it->pool);
    tp->tp_free(it);
    Py_DECREF(tp);
}

PyDoc_STRVAR(pool_imap_doc,
             "imap_distances(pairs, ordered=True, *, max_distance=None, mode='global')\n"
             "    -> Iterator[tuple[int, int]]\n\n"
             "Yields (index, distance) for each pair of pairs, an iterable of (a, b)\n"
             "(each a str or bytes), index counting the pairs from 0. ordered=True\n"
             "yields in input order; ordered=False as the results complete. pairs is\n"
             "read lazily, a batch at a time (at most two batches of 16384 pairs are\n"
             "held), while the pool computes the batch before with the GIL released.\n"
             "An exception from pairs (or a malformed pair) is raised after the results\n"
             "of every pair before it. Ctrl-C, close(), or dropping the iterator\n"
             "cancels the work and frees its buffers. max_distance and mode are those\n"
             "of distance().");

static PyObject *pool_imap_distances(pool_obj *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"pairs", "ordered", "max_distance", "mode", NULL};
    PyObject *pairs, *max_obj = Py_None;
    int ordered = 1;
    const char *mode = "global";
    size_t max;
    wq_align_mode md;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p$Os:imap_distances", kwlist, &pairs, &ordered,
                                     &max_obj, &mode) ||
        parse_max(max_obj, &max) < 0 || parse_mode(mode, &md) < 0 || pool_usable(self) < 0)
        return NULL;
    if (PyUnicode_Check(pairs) || PyBytes_Check(pairs) || PyByteArray_Check(pairs)) {
        PyErr_Format(PyExc_TypeError, "pairs: expected an iterable of (a, b) pairs, not a %.100s",
                     Py_TYPE(pairs)->tp_name);
        return NULL;
    }
    PyObject *source = PyObject_GetIter(pairs);
    if (source == NULL) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "pairs: expected an iterable of (a, b) pairs, not %.100s",
                         Py_TYPE(pairs)->tp_name);
        }
        return NULL;
    }
    imap_obj *it = PyObject_GC_New(imap_obj, self->st->imap_type);
    if (it == NULL) {
        Py_DECREF(source);
        return NULL;
    }
    memset((char *)it + sizeof(PyObject), 0, sizeof *it - sizeof(PyObject));
    int rc = sync_init(&it->mu, &it->cv);
    if (rc != 0) {
        Py_DECREF(source);
        Py_DECREF(it);
        set_engine_error(rc);
        return NULL;
    }
    it->st = self->st;
    it->pool = (pool_obj *)Py_NewRef(self);
    it->source = source;
    it->max = max;
    it->mode = md;
    it->ordered = ordered;
    it->live_next = self->live;
    if (self->live != NULL)
        self->live->live_prev = it;
    self->live = it;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PyMethodDef imap_methods[] = {
    {"close", (PyCFunction)imap_close, METH_NOARGS, imap_close_doc}, {NULL, NULL, 0, NULL}};

PyDoc_STRVAR(imap_doc, "The iterator of Pool.imap_distances: (index, distance) pairs.");

static PyType_Slot imap_slots[] = {{Py_tp_doc, (void *)imap_doc},   {Py_tp_dealloc, imap_dealloc},
                                   {Py_tp_traverse, imap_traverse}, {Py_tp_clear, imap_clear},
                                   {Py_tp_iter, PyObject_SelfIter}, {Py_tp_iternext, imap_next},
                                   {Py_tp_methods, imap_methods},   {0, NULL}};

static PyType_Spec imap_spec = {
    "workq.DistanceIterator", sizeof(imap_obj), 0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_DISALLOW_INSTANTIATION, imap_slots};

/* -------------------------------------------------------- Pool type -- */

PyDoc_STRVAR(pool_distances_doc,
             "distances(seqs_a, seqs_b, *, max_distance=None, mode='global') -> array.array\n\n"
             "workq.distances on this pool's threads.");
PyDoc_STRVAR(pool_cdist_doc, "cdist(queries, targets, *, max_distance=None, mode='global')\n"
                             "    -> memoryview | (i, j, d)\n\n"
                             "workq.cdist on this pool's threads.");
PyDoc_STRVAR(pool_all_pairs_doc, "all_pairs(seqs, max_distance) -> (i, j, d)\n\n"
                                 "workq.all_pairs on this pool's threads.");
PyDoc_STRVAR(pool_clusters_doc, "clusters(seqs, max_distance) -> list[list[int]]\n\n"
                                "workq.clusters on this pool's threads.");
PyDoc_STRVAR(pool_pi_doc, "pi(intervals, *, chunks=None) -> float\n\n"
                          "workq.pi on this pool's threads.");
PyDoc_STRVAR(pool_enter_doc, "__enter__() -> Pool");
PyDoc_STRVAR(pool_exit_doc, "__exit__(*exc) -> None: close() the pool.");

static PyMethodDef pool_methods[] = {
    {"distance", (PyCFunction)(void (*)(void))pool_distance, METH_VARARGS | METH_KEYWORDS,
     distance_doc},
    {"distances", (PyCFunction)(void (*)(void))pool_distances, METH_VARARGS | METH_KEYWORDS,
     pool_distances_doc},
    {"cdist", (PyCFunction)(void (*)(void))pool_cdist, METH_VARARGS | METH_KEYWORDS,
     pool_cdist_doc},
    {"pi", (PyCFunction)(void (*)(void))pool_pi, METH_VARARGS | METH_KEYWORDS, pool_pi_doc},
    {"all_pairs", (PyCFunction)(void (*)(void))pool_all_pairs, METH_VARARGS | METH_KEYWORDS,
     pool_all_pairs_doc},
    {"clusters", (PyCFunction)(void (*)(void))pool_clusters, METH_VARARGS | METH_KEYWORDS,
     pool_clusters_doc},
    {"align", (PyCFunction)(void (*)(void))pool_align, METH_VARARGS | METH_KEYWORDS, align_doc},
    {"map_async", (PyCFunction)(void (*)(void))pool_map_async, METH_VARARGS | METH_KEYWORDS,
     pool_map_async_doc},
    {"imap_distances", (PyCFunction)(void (*)(void))pool_imap_distances,
     METH_VARARGS | METH_KEYWORDS, pool_imap_doc},
    {"join", (PyCFunction)pool_join, METH_NOARGS, pool_join_doc},
    {"close", (PyCFunction)pool_close, METH_NOARGS, pool_close_doc},
    {"__enter__", (PyCFunction)pool_enter_ctx, METH_NOARGS, pool_enter_doc},
    {"__exit__", (PyCFunction)pool_exit_ctx, METH_VARARGS, pool_exit_doc},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef pool_getset[] = {
    {"workers", (getter)pool_get_workers, NULL, "The number of worker threads.", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

PyDoc_STRVAR(pool_doc, "Pool(workers=None)\n\n"
                       "One workq engine pool of `workers` threads (None: one per CPU), kept for\n"
                       "many calls: `with workq.Pool(2) as pool: pool.distances(a, b)`. Its\n"
                       "methods are the module's functions without `workers`, plus map_async()\n"
                       "and imap_distances().\n"
                       "Leaving the with block (or close()) waits for its map_async jobs,\n"
                       "stops its unfinished imap_distances iterators (their next() then raises\n"
                       "ValueError) and stops the threads.");

static PyType_Slot pool_slots[] = {{Py_tp_doc, (void *)pool_doc}, {Py_tp_new, pool_new},
                                   {Py_tp_dealloc, pool_dealloc}, {Py_tp_methods, pool_methods},
                                   {Py_tp_getset, pool_getset},   {0, NULL}};

static PyType_Spec pool_spec = {"workq.Pool", sizeof(pool_obj), 0, Py_TPFLAGS_DEFAULT, pool_slots};

/* ------------------------------------------------------------ module -- */

static PyMethodDef module_methods[] = {
    {"distance", (PyCFunction)(void (*)(void))workq_distance, METH_VARARGS | METH_KEYWORDS,
     distance_doc},
    {"distances", (PyCFunction)(void (*)(void))workq_distances, METH_VARARGS | METH_KEYWORDS,
     distances_doc},
    {"cdist", (PyCFunction)(void (*)(void))workq_cdist, METH_VARARGS | METH_KEYWORDS, cdist_doc},
    {"pi", (PyCFunction)(void (*)(void))workq_pi, METH_VARARGS | METH_KEYWORDS, pi_doc},
    {"all_pairs", (PyCFunction)(void (*)(void))workq_all_pairs, METH_VARARGS | METH_KEYWORDS,
     all_pairs_doc},
    {"clusters", (PyCFunction)(void (*)(void))workq_clusters, METH_VARARGS | METH_KEYWORDS,
     clusters_doc},
    {"align", (PyCFunction)(void (*)(void))workq_align, METH_VARARGS | METH_KEYWORDS, align_doc},
    {"_deliver", (PyCFunction)workq_deliver, METH_NOARGS, deliver_doc},
    {"_kept", (PyCFunction)workq_kept, METH_NOARGS, kept_doc},
    {"_trip_sigint_in_copy", (PyCFunction)workq_trip, METH_O, trip_doc},
    {NULL, NULL, 0, NULL}};

static PyObject *import_attr(const char *module, const char *name) {
    PyObject *m = PyImport_ImportModule(module);
    if (m == NULL)
        return NULL;
    PyObject *a = PyObject_GetAttrString(m, name);
    Py_DECREF(m);
    return a;
}

static int module_exec(PyObject *module) {
    module_state *st = state_of(module);
    st->array_type = import_attr("array", "array");
    st->thread_type = import_attr("threading", "Thread");
    if (st->array_type == NULL || st->thread_type == NULL)
        return -1;
    st->trip_item = SIZE_MAX;
    int rc = sync_init(&st->mu, &st->cv);
    if (rc != 0) {
        set_engine_error(rc);
        return -1;
    }
    st->sync_ok = 1;
    st->pool_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &pool_spec, NULL);
    if (st->pool_type == NULL || PyModule_AddType(module, st->pool_type) < 0)
        return -1;
    st->job_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &job_spec, NULL);
    if (st->job_type == NULL || PyModule_AddType(module, st->job_type) < 0)
        return -1;
    st->imap_type = (PyTypeObject *)PyType_FromModuleAndSpec(module, &imap_spec, NULL);
    if (st->imap_type == NULL || PyModule_AddType(module, st->imap_type) < 0)
        return -1;
    st->alignment_type = PyStructSequence_NewType(&alignment_desc);
    if (st->alignment_type == NULL || PyModule_AddType(module, st->alignment_type) < 0)
        return -1;
    return PyModule_AddStringConstant(module, "__version__", WORKQ_VERSION_STRING);
}

static int module_traverse(PyObject *module, visitproc visit, void *arg) {
    module_state *st = state_of(module);
    Py_VISIT(st->pool_type);
    Py_VISIT(st->job_type);
    Py_VISIT(st->imap_type);
    Py_VISIT(st->alignment_type);
    Py_VISIT(st->array_type);
    Py_VISIT(st->thread_type);
    return 0;
}

static int module_clear(PyObject *module) {
    module_state *st = state_of(module);
    Py_CLEAR(st->pool_type);
    Py_CLEAR(st->job_type);
    Py_CLEAR(st->imap_type);
    Py_CLEAR(st->alignment_type);
    Py_CLEAR(st->array_type);
    Py_CLEAR(st->thread_type);
    return 0;
}

/* The delivery thread holds the module (its target is a bound method), so
 * the module is never freed while that thread waits on st->mu. */
static void module_free(void *module) {
    module_state *st = state_of(module);
    module_clear(module);
    if (st->pools_pid == getpid()) { /* else forked: see forget_forked_pools */
        wq_pool_destroy(st->default_pool);
        wq_pool_destroy(st->kept_pool);
    }
    st->default_pool = NULL;
    st->kept_pool = NULL;
    scratch_drop(&st->scratch);
    if (st->sync_ok) {
        pthread_cond_destroy(&st->cv);
        pthread_mutex_destroy(&st->mu);
        st->sync_ok = 0;
    }
}

static PyModuleDef_Slot module_slots[] = {{Py_mod_exec, module_exec}, {0, NULL}};

PyDoc_STRVAR(module_doc,
             "workq: edit distances and the lesson's pi on the workq engine.\n\n"
             "distance, distances, cdist and pi compute with the GIL released, on a pool\n"
             "of engine threads; Ctrl-C cancels them. Pool keeps one engine pool for many\n"
             "calls and offers map_async with callbacks, as multiprocessing.Pool does.\n"
             "Sequences are str (ASCII) or bytes; results are array.array columns.");

static struct PyModuleDef workq_module = {PyModuleDef_HEAD_INIT, "workq._workq", module_doc,
                                          sizeof(module_state),  module_methods, module_slots,
                                          module_traverse,       module_clear,   module_free};

PyMODINIT_FUNC PyInit__workq(void) {
    return PyModuleDef_Init(&workq_module);
}
