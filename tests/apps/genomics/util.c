/*
 * util.c: see util.h. Uses files, not pipes, for the child's stdio, so
 * a test never deadlocks on a full pipe and needs no threads.
 */
#define _POSIX_C_SOURCE 200809L

#include "util.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

extern char **environ;

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

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            cr_assert_not_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

gxt_result gxt_run(const char *exe, const char *const *argv, const char *in, size_t inlen,
                   const char *out_path) {
    char *inp = in != NULL ? gxt_file(in, inlen, 0) : NULL;
    char *outp = out_path == NULL ? temp_path() : NULL;
    char *errp = temp_path();
    posix_spawn_file_actions_t fa;
    cr_assert_eq(posix_spawn_file_actions_init(&fa), 0);
    posix_spawn_file_actions_addopen(&fa, 0, inp ? inp : "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, outp ? outp : out_path, O_WRONLY | O_TRUNC, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errp, O_WRONLY | O_TRUNC, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, environ);
    cr_assert_eq(rc, 0, "posix_spawn %s: %s", exe, strerror(rc));
    posix_spawn_file_actions_destroy(&fa);
    int st;
    cr_assert_eq(waitpid(pid, &st, 0), pid);
    gxt_result r = {0};
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (outp != NULL)
        r.out = slurp(outp, &r.outlen);
    r.err = slurp(errp, &r.errlen);
    if (inp != NULL)
        gxt_unlink(inp);
    if (outp != NULL)
        gxt_unlink(outp);
    gxt_unlink(errp);
    return r;
}

void gxt_result_free(gxt_result *r) {
    free(r->out);
    free(r->err);
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
