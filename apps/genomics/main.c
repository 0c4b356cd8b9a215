/*
 * main.c: genomics' command line, signals and stdout.
 *
 * Guarantees: options parsed with getopt_long; usage errors print one line
 * and a hint and exit 2, worded as pi words them (common/cli.h); --help and
 * --version go to stdout and exit 0. SIGINT and SIGTERM are caught by
 * common/stop.h: the run stops taking input, prints every finished result,
 * says how many pairs were done and exits 128 + the signal (130, 143).
 * SIGPIPE keeps its default action, as for cat and grep: `genomics big.txt
 * | head` ends quietly when head exits; any other write error (a full
 * disk, EIO) is reported and exits 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <workq/kernels.h>
#include <workq/version.h>

#include "common/cli.h"
#include "common/stop.h"
#include "run.h"
#ifdef WORKQ_WITH_MPI
#include "mpi_run.h"
#include "mpi_session.h"
#endif

static void usage(FILE *f) {
    fputs("Usage: genomics [OPTION]... [FILE]\n"
          "Edit distance of sequence pairs, computed by a pool of workers.\n"
          "\n"
          "FILE holds `seqA,seqB` lines, or FASTA/FASTQ records taken two at a time;\n"
          "gzip is recognised by content. With no FILE, or when FILE is -, read stdin.\n"
          "From a pipe or a terminal, each result is printed as soon as it is computed,\n"
          "without waiting for the next input line.\n"
          "\n"
          "  -A, --all-vs-all       compare every pair i < j of the input's sequences\n"
          "                         (FASTA/FASTQ records or one sequence per line)\n"
          "  -k, --max-distance K   report only pairs at distance <= K (with -A or\n"
          "                         --query: found through an exact index, much faster)\n"
          "      --cluster          with -k K: print the groups of sequences linked\n"
          "                         by distances <= K, one line per group, largest first\n"
          "                         (tsv: SIZE<TAB>REPRESENTATIVE<TAB>MEMBERS); --skip N\n"
          "                         passes over the first N groups\n"
          "      --query QFILE      compare each sequence of QFILE with each of FILE\n"
          "                         (the targets); with -k only pairs within K (in\n"
          "                         prefix and infix modes pair by pair, no index)\n"
          "      --async            print results as they complete (any order)\n"
          "      --demo             run the lesson's six pairs\n"
          "      --skip N           pass over the first N pairs (resume a run that\n"
          "                         was interrupted after N pairs)\n"
          "  -f, --format FMT       lesson (default): Edit_Distance(A, B) = D\n"
          "                         tsv: A<TAB>B<TAB>D   jsonl: one JSON object per line\n"
          "                         paf: PAF with NM:i: and cg:Z: (the extended CIGAR)\n"
          "                         pretty: A, a match line and B, 80 columns wide\n"
          "  -m, --mode MODE        global (default): A and B whole; prefix: A against\n"
          "                         a prefix of B; infix: A against any part of B\n"
          "      --cigar            tsv and jsonl: add the extended CIGAR (and outside\n"
          "                         global mode the span of B, 0-based, end excluded)\n"
          "  -i, --ignore-case      compare letters case-insensitively (use it for\n"
          "                         soft-masked, lower-case repeats)\n"
          "  -w, -t, --workers N    worker threads (default: one per online CPU)\n"
          "  -q, --quiet            no progress line (drawn on stderr when it is a\n"
          "                         terminal and stdout is not; under mpirun, when\n"
          "                         mpirun's own stderr and stdout are so)\n"
          "      --progress         draw the progress line on stderr even when it is\n"
          "                         not a terminal (e.g. a launcher's pipe)\n"
          "  -h, --help             show this help and exit\n"
          "  -V, --version          show the version and exit\n"
          "\n"
          "A and B are the sequences for pair lines and the record ids for FASTA/FASTQ.\n"
          "Exit status: 0 success, 1 data or I/O error, 2 usage error, 130 (SIGINT) or\n"
          "143 (SIGTERM) interrupted. An interrupted run prints exactly the results of\n"
          "the first N pairs (any N finished ones with --async) and says N.\n",
          f);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return app_usage_error("genomics", msg);
}

#define OPTSTRING ":Ak:f:m:iw:t:qhV"

enum { OPT_ASYNC = 256, OPT_DEMO, OPT_CIGAR, OPT_CLUSTER, OPT_QUERY, OPT_SKIP, OPT_PROGRESS };

static const struct option long_opts[] = {{"all-vs-all", no_argument, NULL, 'A'},
                                          {"max-distance", required_argument, NULL, 'k'},
                                          {"async", no_argument, NULL, OPT_ASYNC},
                                          {"cluster", no_argument, NULL, OPT_CLUSTER},
                                          {"query", required_argument, NULL, OPT_QUERY},
                                          {"demo", no_argument, NULL, OPT_DEMO},
                                          {"format", required_argument, NULL, 'f'},
                                          {"mode", required_argument, NULL, 'm'},
                                          {"cigar", no_argument, NULL, OPT_CIGAR},
                                          {"skip", required_argument, NULL, OPT_SKIP},
                                          {"ignore-case", no_argument, NULL, 'i'},
                                          {"workers", required_argument, NULL, 'w'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"progress", no_argument, NULL, OPT_PROGRESS},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {NULL, 0, NULL, 0}};

/* One option into o. Returns 0, 2 (usage error) or -1 (--help/--version
 * done: exit 0). */
static int apply_option(int c, gx_opts *o, int *quiet) {
    char msg[512];
    uint64_t v;
    app_num_status st;
    switch (c) {
    case 'A':
        o->all_vs_all = 1;
        return 0;
    case OPT_ASYNC:
        o->async = 1;
        return 0;
    case OPT_CLUSTER:
        o->cluster = 1;
        o->all_vs_all = 1;
        return 0;
    case OPT_QUERY:
        o->query = optarg;
        return 0;
    case OPT_DEMO:
        o->demo = 1;
        return 0;
    case 'i':
        o->ignore_case = 1;
        return 0;
    case OPT_CIGAR:
        o->cigar = 1;
        return 0;
    case 'm':
        if (strcmp(optarg, "global") == 0)
            o->mode = WQ_ALIGN_GLOBAL;
        else if (strcmp(optarg, "prefix") == 0)
            o->mode = WQ_ALIGN_PREFIX;
        else if (strcmp(optarg, "infix") == 0)
            o->mode = WQ_ALIGN_INFIX;
        else
            return usage_error("invalid mode '%s' (global, prefix or infix)", optarg);
        return 0;
    case 'q':
        *quiet = 1; /* the last of -q and --progress wins */
        return 0;
    case OPT_PROGRESS:
        *quiet = -1;
        return 0;
    case 'k':
        st = app_parse_count(optarg, 0, (uint64_t)(WQ_LEV_NO_LIMIT - 2), &v);
        if (st != APP_NUM_OK) {
            app_count_message(msg, sizeof msg, "max distance", optarg, st, 0,
                              (uint64_t)(WQ_LEV_NO_LIMIT - 2));
            return app_usage_error("genomics", msg);
        }
        o->max_distance = (size_t)v;
        return 0;
    case OPT_SKIP:
        st = app_parse_count(optarg, 0, SIZE_MAX, &v);
        if (st != APP_NUM_OK) {
            app_count_message(msg, sizeof msg, "--skip", optarg, st, 0, SIZE_MAX);
            return app_usage_error("genomics", msg);
        }
        o->skip = (size_t)v;
        return 0;
    case 'f':
        if (gx_outfmt_parse(optarg, &o->format) != 0)
            return usage_error("invalid format '%s' (lesson, tsv, jsonl, paf or pretty)", optarg);
        return 0;
    case 'w':
    case 't':
        if (app_parse_workers(optarg, &o->workers, msg, sizeof msg) != 0)
            return app_usage_error("genomics", msg);
        return 0;
    case 'h':
        usage(stdout);
        return -1;
    case 'V':
        printf("genomics (workq) %s\n", WORKQ_VERSION_STRING);
        return -1;
    default:
        return APP_EXIT_USAGE; /* not reached: parse_args handles '?' and ':' */
    }
}

/* Parses argv into o. Returns 0, 2 or -1 as apply_option. */
static int parse_args(int argc, char **argv, gx_opts *o, int *quiet) {
    int c;
    opterr = 0; /* every message is ours (common/cli.h) */
    while ((c = getopt_long(argc, argv, OPTSTRING, long_opts, NULL)) != -1) {
        if (c == '?' || c == ':') {
            char msg[512];
            app_option_message(msg, sizeof msg, c, argv, OPTSTRING, long_opts);
            return app_usage_error("genomics", msg);
        }
        int rc = apply_option(c, o, quiet);
        if (rc != 0)
            return rc;
    }
    if (argc - optind > 1)
        return usage_error("too many input files (%s...)", argv[optind + 1]);
    o->path = optind < argc ? argv[optind] : NULL;
    if (o->demo && o->path != NULL)
        return usage_error("--demo takes no input file (got '%s')", o->path);
    if (o->cigar && o->format == GX_OUT_LESSON)
        return usage_error("%s", "--cigar needs --format tsv or jsonl (paf and pretty show it)");
    if (o->demo && o->all_vs_all)
        return usage_error("%s", "--demo and --all-vs-all cannot be combined");
    if (o->cluster && o->max_distance == WQ_LEV_NO_LIMIT)
        return usage_error("%s", "--cluster needs a max distance (-k K)");
    if (o->query != NULL && (o->all_vs_all || o->demo))
        return usage_error("%s",
                           "--query cannot be combined with --all-vs-all, --cluster or --demo");
    if (o->cluster && (o->cigar || o->format == GX_OUT_PAF || o->format == GX_OUT_PRETTY))
        return usage_error("%s", "--cluster prints lesson, tsv or jsonl, without --cigar");
    if (o->cluster && o->mode != WQ_ALIGN_GLOBAL)
        return usage_error("%s", "--cluster compares whole sequences (--mode global)");
    return 0;
}

/* Whether the user sees fd as a terminal. Under mpirun, rank 0's stdout is
 * a pseudo-terminal that Open MPI made and its stderr a pipe, whatever the
 * user redirected: what counts is mpirun's own descriptor. */
static int user_isatty(int fd) {
#ifdef WORKQ_WITH_MPI
    if (app_mpi_active())
        return app_mpi_launcher_isatty(fd);
#endif
    return isatty(fd);
}

static int gx_main(int argc, char **argv) {
    gx_opts o = {.max_distance = WQ_LEV_NO_LIMIT, .intr_fd = -1, .stop = app_stop_flag()};
    int quiet = 0;
    int rc = parse_args(argc, argv, &o, &quiet);
    if (rc != 0)
        return rc < 0 ? app_close_stdout("genomics", APP_EXIT_OK) : rc;
    rc = app_stop_install(); /* before any worker thread: they inherit the mask */
    if (rc != 0) {
        fprintf(stderr, "genomics: cannot catch signals: %s\n", strerror(rc));
        return APP_EXIT_FAILURE;
    }
    o.intr_fd = app_stop_fd();
    int out_tty = user_isatty(STDOUT_FILENO);
    o.progress = quiet < 0 || (quiet == 0 && !out_tty && user_isatty(STDERR_FILENO));
    if (!out_tty && setvbuf(stdout, NULL, _IOFBF, 1 << 16) != 0) {
        fprintf(stderr, "genomics: cannot buffer stdout\n");
        return APP_EXIT_FAILURE;
    }
#ifdef WORKQ_WITH_MPI
    if (app_mpi_active()) /* rank 0 reads and prints, the others compute */
        return app_close_stdout("genomics", gx_mpi_run(&o));
#endif
    return app_close_stdout("genomics", gx_run(&o));
}

int main(int argc, char **argv) {
#ifdef WORKQ_WITH_MPI
    return app_mpi_main("genomics", argc, argv, gx_main); /* `mpirun genomics ...` */
#else
    return gx_main(argc, argv);
#endif
}
