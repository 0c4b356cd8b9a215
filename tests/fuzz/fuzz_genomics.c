/*
 * libFuzzer targets: genomics' input readers on arbitrary bytes (plain or
 * gzip, any format). Built twice: FUZZ_PAIRS reads pairs (pair lines, or
 * FASTA/FASTQ records two at a time), otherwise single records (the
 * all-vs-all input). The readers must return records, the end, or an error
 * with a message and, for data errors, a line number: never crash, hang or
 * read out of bounds. The bytes reach the reader through a memfd, the way a
 * file would.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_record(const gx_record *r) {
    /* Touch every byte so ASan sees any bad pointer or length. */
    volatile unsigned char sink = 0;
    for (size_t i = 0; i < r->namelen; i++)
        sink ^= (unsigned char)r->name[i];
    for (size_t i = 0; i < r->seqlen; i++)
        sink ^= (unsigned char)r->seq[i];
    (void)sink;
}

static void read_all(gx_reader *r, gx_err *err) {
    gx_record a, b;
    int rc;
#ifdef FUZZ_PAIRS
    while ((rc = gx_reader_pair(r, &a, &b, err)) == 1) {
        check_record(&a);
        check_record(&b);
    }
#else
    (void)b;
    while ((rc = gx_reader_record(r, &a, err)) == 1)
        check_record(&a);
#endif
    if (rc < 0 &&
        (err->kind == GX_OK || err->msg[0] == '\0' || (err->kind == GX_EDATA && err->line == 0)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size)) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    lseek(fd, 0, SEEK_SET);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    gx_err err = {0};
#ifdef FUZZ_PAIRS
    gx_reader *r = gx_reader_open(path, 1, -1, &err);
#else
    gx_reader *r = gx_reader_open(path, 0, -1, &err);
#endif
    if (r) {
        read_all(r, &err);
        gx_reader_close(r);
    }
    close(fd);
    return 0;
}
