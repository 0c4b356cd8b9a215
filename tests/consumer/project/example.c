/* example.c: embedding workq. Fills 1..1000 with wq_for, sums their squares
 * with map-reduce, then streams the first five squares through an async
 * map, in input order.
 * Build: cc example.c $(pkg-config --cflags --libs workq) */
#include <stdio.h>
#include <string.h>

#include <workq/workq.h>

/* wq_for calls this once for each i, in parallel. 0 means success. */
static int fill_one(void *ctx, size_t i) {
    double *xs = ctx;
    xs[i] = (double)(i + 1);
    return 0;
}

/* A kernel: one double in, its square out. 0 means success. */
static int square(const void *in, void *out, void *ctx) {
    (void)ctx;
    double x;
    memcpy(&x, in, sizeof x);
    x *= x;
    memcpy(out, &x, sizeof x);
    return 0;
}

static const wq_kernel k_square = {"square", square, NULL, sizeof(double), sizeof(double), "x * x"};

/* Called once per item, never concurrently: printing needs no lock. */
static void print_square(void *ctx, size_t index, int status, const void *in, const void *out) {
    (void)ctx;
    double x, y;
    memcpy(&x, in, sizeof x);
    memcpy(&y, out, sizeof y);
    if (status == 0)
        printf("item %zu: %g^2 = %g\n", index, x, y);
}

int main(void) {
    double xs[1000], sum;
    wq_pool *pool = wq_pool_create(0); /* one worker per CPU */
    if (!pool) {
        perror("wq_pool_create");
        return 1;
    }
    int err = wq_for(pool, 1000, fill_one, xs);
    if (err == 0)
        err = wq_map_reduce(pool, &k_square, NULL, xs, 1000, &wq_sum_f64, &sum, NULL);
    if (err == 0)
        printf("sum of squares 1..1000 = %.0f\n", sum);

    wq_job *job = NULL;
    wq_async_spec spec = {
        .kernel = &k_square, .in = xs, .n = 5, .on_result = print_square, .order = WQ_ORDER_INPUT};
    if (err == 0 && (err = wq_async_map(pool, &spec, &job)) == 0)
        err = wq_job_wait(job);
    wq_job_free(job);
    wq_pool_destroy(pool);
    if (err) {
        fprintf(stderr, "example: %s\n", strerror(err));
        return 1;
    }
    return 0;
}
