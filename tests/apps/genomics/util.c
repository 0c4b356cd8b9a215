/*
 * util.c: see util.h. The child's stdin and stdout are files (not pipes),
 * as the tests were written against.
 */
#define _POSIX_C_SOURCE 200809L

#include "util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

static char *temp_path(void) {
    /* tmpfs when there is one: the reader tests make thousands of files */
    char *path = strdup(access("/dev/shm", W_OK) == 0 ? "/dev/shm/genomics-test-XXXXXX"
                                                      : "/tmp/genomics-test-XXXXXX");
    cr_assert_not_null(path);
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0, "mkstemp failed");
    close(fd);
    return path;
}

char *gxt_file(const char *data, size_t len, int members) {
    char *path = temp_path();
    if (members == 0) {
        FILE *f = fopen(path, "wb");
        cr_assert_not_null(f);
        cr_assert_eq(fwrite(data, 1, len, f), len);
        cr_assert_eq(fclose(f), 0);
        return path;
    }
    for (int m = 0; m < members; m++) { /* "ab": each open starts a member */
        size_t from = len * (size_t)m / (size_t)members;
        size_t to = len * (size_t)(m + 1) / (size_t)members;
        gzFile g = gzopen(path, "ab");
        cr_assert_not_null(g);
        if (to > from)
            cr_assert_eq(gzwrite(g, data + from, (unsigned)(to - from)), (int)(to - from));
        cr_assert_eq(gzclose(g), Z_OK);
    }
    return path;
}

void gxt_unlink(char *path) {
    unlink(path);
    free(path);
}

/* The capacity of a string of len bytes: the next power of two above len,
 * so appends are amortized O(1) without storing the capacity. */
static size_t cap_for(size_t len) {
    size_t cap = 64;
    while (cap <= len)
        cap *= 2;
    return cap;
}

void gxt_cat(char **s, size_t *len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    size_t need = *len + (size_t)n;
    if (*s == NULL || cap_for(need) != cap_for(*len)) {
        char *p = realloc(*s, cap_for(need));
        cr_assert_not_null(p);
        *s = p;
    }
    va_start(ap, fmt);
    vsnprintf(*s + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *len = need;
}

gxt_result gxt_run(const char *exe, const char *const *argv, const char *in, size_t inlen,
                   const char *out_path) {
    wqt_opts o = {.in = in,
                  .in_len = inlen,
                  .in_mode = in != NULL ? WQT_IN_FILE : WQT_IN_NULL,
                  .out_mode = out_path != NULL ? WQT_OUT_PATH : WQT_OUT_FILE,
                  .out_path = out_path};
    return wqt_run(exe, argv, &o);
}

gxt_result gxt_run_args(const char *exe, const char *in, ...) {
    const char *argv[32] = {"genomics"};
    int argc = 1;
    va_list ap;
    va_start(ap, in);
    while ((argv[argc] = va_arg(ap, const char *)) != NULL)
        cr_assert_lt(++argc, 31);
    va_end(ap);
    return gxt_run(exe, argv, in, in != NULL ? strlen(in) : 0, NULL);
}

void gxt_expect_run(gxt_result r, int status, const char *out, const char *err) {
    cr_expect_eq(r.status, status, "status %d, stderr: %s", r.status, r.err);
    if (out != NULL)
        cr_expect_str_eq(r.out, out);
    cr_expect_str_eq(r.err, err);
    gxt_result_free(&r);
}
