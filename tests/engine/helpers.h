/* Shared helpers for the engine tests. */
#ifndef WQ_TEST_HELPERS_H
#define WQ_TEST_HELPERS_H

#include <stddef.h>
#include <stdint.h>

#include <workq/workq.h>

#include "test_rand.h" /* kstress(), krand() */

/* A kernel: out = in * 2 + 1 (uint64_t), failing with EDOM where in is a
 * multiple of fail_every when ctx points to a non-zero fail_every. */
extern const wq_kernel k_affine;
/* The same computation through a batch entry point. */
extern const wq_kernel k_affine_batch;
/* A kernel copying its uint64_t input to a double output. */
extern const wq_kernel k_to_f64;

/* Creates a pool of nthreads with the k-th fault site failing, for k = 1,
 * 2, ... until creation reaches fewer than k sites: each failed creation
 * must return NULL with errno ENOMEM or EAGAIN, and the last pool must run
 * (wq_wait 0) and be destroyed. Returns that last k (the sites + 1). */
unsigned long pool_create_each_fault(unsigned nthreads);

/* A one-shot gate: threads wait until it opens. */
typedef struct gate gate;
gate *gate_new(void);
void gate_open(gate *g);
void gate_wait(gate *g);
void gate_free(gate *g);

#endif
