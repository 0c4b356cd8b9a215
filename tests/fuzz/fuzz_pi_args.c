/*
 * libFuzzer target: pi's argument parser. The input is split on NUL bytes
 * into argv[1..]; whatever it is, the parser must return 0 or the usage
 * status, never crash, and on success hand back values inside their
 * documented ranges. app_parse_count is fuzzed on the raw bytes as well.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_args(const uint8_t *data, size_t size) {
    char *buf = malloc(size + 1), *argv[64];
    int argc = 0;
    if (!buf)
        return;
    memcpy(buf, data, size);
    buf[size] = '\0';
    argv[argc++] = (char *)"pi";
    for (size_t i = 0; i <= size && argc < 63;) {
        argv[argc++] = buf + i;
        i += strlen(buf + i) + 1;
    }
    argv[argc] = NULL;
    pi_args a;
    char err[256];
    int rc = pi_args_parse(argc, argv, &a, err, sizeof err);
    if (rc != 0 && rc != APP_EXIT_USAGE)
        abort();
    if (rc == 0 && a.action == PI_ACTION_RUN &&
        (a.intervals < 1 || a.intervals > PI_INTERVALS_MAX || a.chunks < 1 ||
         a.chunks > a.intervals || a.chunks > PI_CHUNKS_MAX || a.workers > APP_WORKERS_MAX))
        abort();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char s[64];
    if (size < sizeof s) {
        memcpy(s, data, size);
        s[size] = '\0';
        uint64_t v = 0;
        if (app_parse_count(s, 1, PI_INTERVALS_MAX, &v) == APP_NUM_OK &&
            (v < 1 || v > PI_INTERVALS_MAX))
            abort();
    }
    check_args(data, size);
    return 0;
}
