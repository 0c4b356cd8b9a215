/*
 * edlib_pairs: the benchmark peer of `genomics -w 1`: reads `seqA,seqB`
 * lines from a file (or stdin) and prints `Edit_Distance(A, B) = D` for each,
 * computed by edlib (global alignment, distance only), on one thread.
 * With --all-vs-all it reads one sequence per FASTA record and compares
 * every pair i < j. Usage: edlib_pairs [--all-vs-all] [FILE]
 */
#define _POSIX_C_SOURCE 200809L
#include <edlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int distance(const char *a, size_t n, const char *b, size_t m) {
    EdlibAlignResult r = edlibAlign(a, (int)n, b, (int)m, edlibDefaultAlignConfig());
    int d = r.editDistance;
    edlibFreeAlignResult(r);
    return d;
}

static int pairs(FILE *in) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, in)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        char *comma = strchr(line, ',');
        if (!comma)
            continue;
        *comma = '\0';
        printf(
            "Edit_Distance(%s, %s) = %d\n", line, comma + 1,
            distance(line, (size_t)(comma - line), comma + 1, (size_t)(len - (comma + 1 - line))));
    }
    free(line);
    return 0;
}

static int all_vs_all(FILE *in) {
    char **seq = NULL, **id = NULL, *line = NULL;
    size_t n = 0, cap = 0, lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, in)) > 0) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '>') {
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                seq = realloc(seq, cap * sizeof *seq);
                id = realloc(id, cap * sizeof *id);
                if (!seq || !id)
                    return 1;
            }
            id[n] = strdup(line + 1);
            seq[n++] = strdup("");
        } else if (n) {
            size_t old = strlen(seq[n - 1]);
            seq[n - 1] = realloc(seq[n - 1], old + strlen(line) + 1);
            strcpy(seq[n - 1] + old, line);
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            printf("Edit_Distance(%s, %s) = %d\n", id[i], id[j],
                   distance(seq[i], strlen(seq[i]), seq[j], strlen(seq[j])));
    free(line);
    return 0;
}

int main(int argc, char **argv) {
    int ava = argc > 1 && strcmp(argv[1], "--all-vs-all") == 0;
    const char *path = argc > 1 + ava ? argv[1 + ava] : "-";
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        perror(path);
        return 1;
    }
    int rc = ava ? all_vs_all(in) : pairs(in);
    return rc || fflush(stdout) != 0;
}
