/*
 * The built-in reducers.
 *
 * Each is a pure fold: init gives the identity, add folds one item, merge
 * combines two accumulators. None keeps hidden state, so the result depends
 * only on the order in which the engine calls them, which map-reduce fixes
 * (chunk by chunk, in input order).
 *
 * wq_sum_f64 uses Neumaier's variant of Kahan summation: the rounding error
 * of every addition is recovered exactly with TwoSum-style arithmetic and
 * kept in comp, so the sum of n doubles is accurate to about one rounding of
 * the final result plus n * eps^2 * sum|x|, instead of n * eps * sum|x|.
 */
#include "internal.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

void wq_f64_acc_add(wq_f64_acc *acc, double x) {
    double t = acc->sum + x;
    /* The low-order part lost by the addition, whichever operand is larger. */
    if (fabs(acc->sum) >= fabs(x))
        acc->comp += (acc->sum - t) + x;
    else
        acc->comp += (x - t) + acc->sum;
    acc->sum = t;
}

void wq_f64_acc_merge(wq_f64_acc *acc, const wq_f64_acc *other) {
    wq_f64_acc_add(acc, other->sum);
    acc->comp += other->comp;
}

static void f64_sum_init(void *acc) {
    *(wq_f64_acc *)acc = (wq_f64_acc){0.0, 0.0};
}

static void f64_sum_add(void *acc, const void *item) {
    double x;
    memcpy(&x, item, sizeof x);
    wq_f64_acc_add(acc, x);
}

static void f64_sum_merge(void *acc, const void *other) {
    wq_f64_acc_merge(acc, other);
}

static void f64_sum_finish(const void *acc, void *result) {
    const wq_f64_acc *a = acc;
    double v = a->sum + a->comp;
    memcpy(result, &v, sizeof v);
}

const wq_reducer wq_sum_f64 = {sizeof(wq_f64_acc), f64_sum_init,   f64_sum_add,
                               f64_sum_merge,      f64_sum_finish, sizeof(double)};

/* int64 sum wraps modulo 2^64 (computed in uint64_t: no signed overflow). */
static void i64_zero(void *acc) {
    *(int64_t *)acc = 0;
}

static void i64_sum_add(void *acc, const void *item) {
    uint64_t a, x;
    memcpy(&a, acc, sizeof a);
    memcpy(&x, item, sizeof x);
    a += x;
    memcpy(acc, &a, sizeof a);
}

const wq_reducer wq_sum_i64 = {sizeof(int64_t), i64_zero, i64_sum_add,
                               i64_sum_add,     NULL,     sizeof(int64_t)};

/* Min and max: items and accumulators have the same type, so add and merge
 * are the same function. NaN items are ignored by min and max. */
#define WQ_EXTREMUM(name, type, identity, better)                                                  \
    static void name##_init(void *acc) {                                                           \
        *(type *)acc = identity;                                                                   \
    }                                                                                              \
    static void name##_add(void *acc, const void *item) {                                          \
        type a, x;                                                                                 \
        memcpy(&a, acc, sizeof a);                                                                 \
        memcpy(&x, item, sizeof x);                                                                \
        if (better(x, a))                                                                          \
            memcpy(acc, &x, sizeof x);                                                             \
    }                                                                                              \
    const wq_reducer name = {sizeof(type), name##_init, name##_add, name##_add, NULL, sizeof(type)};

#define WQ_LESS(x, a) ((x) < (a))
#define WQ_MORE(x, a) ((x) > (a))

WQ_EXTREMUM(wq_min_f64, double, INFINITY, WQ_LESS)
WQ_EXTREMUM(wq_max_f64, double, -INFINITY, WQ_MORE)
WQ_EXTREMUM(wq_min_i64, int64_t, INT64_MAX, WQ_LESS)
WQ_EXTREMUM(wq_max_i64, int64_t, INT64_MIN, WQ_MORE)

/* count: every item adds one, whatever its value. */
static void count_add(void *acc, const void *item) {
    (void)item;
    ++*(uint64_t *)acc;
}

static void count_merge(void *acc, const void *other) {
    *(uint64_t *)acc += *(const uint64_t *)other;
}

const wq_reducer wq_count = {sizeof(uint64_t), i64_zero, count_add,
                             count_merge,      NULL,     sizeof(uint64_t)};
