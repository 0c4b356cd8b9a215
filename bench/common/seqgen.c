/*
 * seqgen: the benchmarks' input files, from the tests' seeded generator
 * (tests/common/test_seq.h), so that tests and benchmarks draw their
 * sequences from one implementation. The same arguments and seed give the
 * same bytes on every machine.
 *
 *   seqgen pairs N LEN [PM] [-s SEED]   N lines `a,b` of lowercase DNA: a is
 *                                       random of length LEN; b is a with
 *                                       edits at PM per mille of its
 *                                       positions (a third each
 *                                       substitutions, insertions and
 *                                       deletions), or without PM random
 *                                       of length LEN (unrelated)
 *   seqgen fasta N LEN [-s SEED]        N records `>sI` of random DNA
 *   seqgen set N LEN [-s SEED] [-p PM] [-e MAX]
 *                                       N lines of uppercase DNA: random of
 *                                       length LEN, or (PM per mille,
 *                                       default 100) a copy of an earlier
 *                                       line with 1..MAX (default 2) edits
 *
 * Exit 0, 1 on a write error, 2 on bad usage.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_seq.h"

static void usage(void) {
    fputs("usage: seqgen pairs N LEN [PM] [-s SEED]\n"
          "       seqgen fasta N LEN [-s SEED]\n"
          "       seqgen set N LEN [-s SEED] [-p PM] [-e MAX]\n",
          stderr);
    exit(2);
}

/* A whole non-negative decimal number at most max, or exit 2. */
static uint64_t number(const char *s, uint64_t max, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > max) {
        fprintf(stderr, "seqgen: invalid %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fputs("seqgen: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* pairs (mutate: b from a at pm per mille) and fasta. */
static void pairs(uint64_t seed, size_t n, size_t len, int mutate, unsigned pm, int fasta) {
    uint64_t st = seed;
    unsigned char *a = xmalloc(len + 1), *b = xmalloc(2 * len + 2);
    for (size_t i = 0; i < n; i++) {
        kseq_fill(&st, a, len, 4);
        if (fasta) {
            printf(">s%zu\n%.*s\n", i, (int)len, (const char *)a);
            continue;
        }
        size_t m = len;
        if (mutate)
            m = kseq_mutate_pm(&st, a, len, b, pm, 4);
        else
            kseq_fill(&st, b, len, 4);
        printf("%.*s,%.*s\n", (int)len, (const char *)a, (int)m, (const char *)b);
    }
    free(a);
    free(b);
}

static void set(uint64_t seed, size_t n, size_t len, unsigned pm, size_t edits) {
    kseq_set_spec sp = {
        .n = n, .lmin = len, .lmax = len, .sigma = 4 | KSEQ_UPPER, .near_pm = pm, .edits = edits};
    kseq_set s = kseq_set_make(seed, &sp);
    for (size_t i = 0; i < n; i++)
        printf("%.*s\n", (int)(s.off[i + 1] - s.off[i]), (const char *)s.buf + s.off[i]);
    kseq_set_free(&s);
}

int main(int argc, char **argv) {
    uint64_t seed = 1;
    unsigned pm = 100;
    size_t edits = 2;
    int c;
    while ((c = getopt(argc, argv, "s:p:e:")) != -1) {
        if (c == 's')
            seed = number(optarg, UINT64_MAX, "seed");
        else if (c == 'p')
            pm = (unsigned)number(optarg, 1000, "per mille");
        else if (c == 'e')
            edits = number(optarg, 1000000, "edit count");
        else
            usage();
    }
    int rest = argc - optind;
    if (rest < 3)
        usage();
    const char *kind = argv[optind];
    size_t n = number(argv[optind + 1], SIZE_MAX / 4, "count");
    size_t len = number(argv[optind + 2], (size_t)INT32_MAX / 2, "length");
    if (strcmp(kind, "pairs") == 0 && rest <= 4)
        pairs(seed, n, len, rest == 4,
              rest == 4 ? (unsigned)number(argv[optind + 3], 1000, "per mille") : 0, 0);
    else if (strcmp(kind, "fasta") == 0 && rest == 3)
        pairs(seed, n, len, 0, 0, 1);
    else if (strcmp(kind, "set") == 0 && rest == 3 && edits >= 1)
        set(seed, n, len, pm, edits);
    else
        usage();
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        fprintf(stderr, "seqgen: write error: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
