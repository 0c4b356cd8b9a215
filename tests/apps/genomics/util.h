/*
 * util.h: helpers for the genomics tests: temporary files (plain and gzip)
 * and running the genomics executable with a given stdin, capturing its
 * stdout, stderr and exit status (through the shared spawner,
 * tests/common/test_spawn.h). Everything returned is malloc'd; the temporary
 * files are the caller's to unlink (gxt_unlink frees the name).
 */
#ifndef GENOMICS_TEST_UTIL_H
#define GENOMICS_TEST_UTIL_H

#include <stddef.h>

#include "test_spawn.h"

/* Writes data[0..len) to a new file under /tmp; gzip-compressed, in
 * `members` concatenated members, when members > 0. Returns its path. */
char *gxt_file(const char *data, size_t len, int members);
void gxt_unlink(char *path);

/* Appends printf output to a string that gxt_cat made (start with NULL). */
void gxt_cat(char **s, size_t *len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* status: the exit code, or 128 + signal */
typedef wqt_result gxt_result;

/* Runs exe with argv (argv[0] included, NULL-terminated), stdin a file
 * holding in[0..inlen) (or /dev/null when in is NULL), stdout to out_path
 * (a temp file when NULL). */
gxt_result gxt_run(const char *exe, const char *const *argv, const char *in, size_t inlen,
                   const char *out_path);
static inline void gxt_result_free(gxt_result *r) {
    wqt_result_free(r);
}

/* gxt_run with argv "genomics" and the arguments after `in`, up to a NULL
 * (at most 30), stdout to a temp file; in is NUL-terminated or NULL. */
gxt_result gxt_run_args(const char *exe, const char *in, ...);

/* Expects r's exit status, stdout (unless out is NULL) and stderr exactly;
 * frees r. */
void gxt_expect_run(gxt_result r, int status, const char *out, const char *err);

#endif
