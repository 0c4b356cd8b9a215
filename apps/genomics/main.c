/*
 * main.c: genomics' command line, signals and stdout.
 *
 * Guarantees: options parsed with getopt_long; usage errors print one line
 * and a hint and exit 2; --help and --version go to stdout and exit 0.
 * SIGINT and SIGTERM (what batch schedulers send at a time limit) are caught
 * with sigaction: the handler only stores the signal number in an atomic
 * int and writes a byte to a self-pipe (both async-signal-safe); the run
 * stops taking input, prints every finished result, says how many pairs
 * were done and exits 128 + the signal (130, 143). SIGPIPE keeps its default action, as for cat and
 * grep: `genomics big.txt | head` ends quietly when head exits; any other write error (a full disk,
 * EIO) is reported and exits 1.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <workq/kernels.h>
#include <workq/version.h>

#include "run.h"
#ifdef WORKQ_WITH_MPI
#include "mpi_run.h"
#include "mpi_session.h"
#endif

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal flag must be lock-free");

enum { MAX_WORKERS = 1024 };

static atomic_int g_stop;
static int g_intr[2] = {-1, -1}; /* self-pipe: read end polled by the input */

/* A second signal while the first is being handled (a running pair may be
 * long) ends the process at once, with the signal's default action. */
static void on_signal(int sig) {
    int saved = errno;
    if (atomic_exchange(&g_stop, sig) > 0) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    if (write(g_intr[1], "!", 1) < 0) {
        /* the pipe is non-blocking: full means already signalled */
    }
    errno = saved;
}

/* The self-pipe and the handler. SA_RESTART keeps stdio writes from failing
 * with EINTR; poll() in the input is never restarted, so it sees the pipe. */
static int install_handlers(void) {
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    for (int i = 0; i < 2; i++) { /* above 2: a closed stdin stays closed */
        g_intr[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        close(fds[i]);
        if (g_intr[i] < 0)
            return -1;
    }
    if (fcntl(g_intr[1], F_SETFL, O_NONBLOCK) != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    if (sigemptyset(&sa.sa_mask) != 0 || sigaddset(&sa.sa_mask, SIGINT) != 0 ||
        sigaddset(&sa.sa_mask, SIGTERM) != 0 || sigaction(SIGINT, &sa, NULL) != 0 ||
        sigaction(SIGTERM, &sa, NULL) != 0)
        return -1;
    return 0;
}

static void usage(FILE *f) {
    fputs("Usage: genomics [OPTION]... [FILE]\n"
          "Edit distance of sequence pairs, computed by a pool of workers.\n"
          "\n"
          "FILE holds `seqA,seqB` lines, or FASTA/FASTQ records taken two at a time;\n"
          "gzip is recognised by content. With no FILE, or when FILE is -, read stdin.\n"
          "\n"
          "  -A, --all-vs-all       compare every pair i < j of the input's sequences\n"
          "                         (FASTA/FASTQ records or one sequence per line)\n"
          "  -k, --max-distance K   report only pairs at distance <= K (faster)\n"
          "      --async            print results as they complete (any order)\n"
          "      --demo             run the lesson's six pairs\n"
          "  -f, --format FMT       lesson (default): Edit_Distance(A, B) = D\n"
          "                         tsv: A<TAB>B<TAB>D   jsonl: one JSON object per line\n"
          "                         paf: PAF with NM:i: and cg:Z: (the extended CIGAR)\n"
          "                         pretty: A, a match line and B, 80 columns wide\n"
          "  -m, --mode MODE        global (default): A and B whole; prefix: A against\n"
          "                         a prefix of B; infix: A against any part of B\n"
          "      --cigar            tsv and jsonl: add the extended CIGAR (and outside\n"
          "                         global mode the span of B, 0-based, end excluded)\n"
          "  -i, --ignore-case      compare letters case-insensitively\n"
          "  -w, -t, --workers N    worker threads (default: one per online CPU)\n"
          "  -q, --quiet            no progress line on stderr\n"
          "  -h, --help             show this help and exit\n"
          "  -V, --version          show the version and exit\n"
          "\n"
          "A and B are the sequences for pair lines and the record ids for FASTA/FASTQ.\n"
          "Exit status: 0 success, 1 data or I/O error, 2 usage error, 130 (SIGINT) or\n"
          "143 (SIGTERM) interrupted: finished results are printed first.\n",
          f);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("genomics: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'genomics --help'.\n", stderr);
    return 2;
}

/* A non-negative decimal integer <= max: digits only, no sign, no spaces. */
static int parse_uint(const char *s, unsigned long long max, unsigned long long *v) {
    unsigned long long x = 0;
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (x > (max - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

enum { OPT_ASYNC = 256, OPT_DEMO, OPT_CIGAR };

static const struct option long_opts[] = {{"all-vs-all", no_argument, NULL, 'A'},
                                          {"max-distance", required_argument, NULL, 'k'},
                                          {"async", no_argument, NULL, OPT_ASYNC},
                                          {"demo", no_argument, NULL, OPT_DEMO},
                                          {"format", required_argument, NULL, 'f'},
                                          {"mode", required_argument, NULL, 'm'},
                                          {"cigar", no_argument, NULL, OPT_CIGAR},
                                          {"ignore-case", no_argument, NULL, 'i'},
                                          {"workers", required_argument, NULL, 'w'},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, 'V'},
                                          {NULL, 0, NULL, 0}};

/* One option into o. Returns 0, 2 (usage error) or -1 (--help/--version
 * done: exit 0). */
static int apply_option(int c, gx_opts *o, int *quiet) {
    unsigned long long v;
    switch (c) {
    case 'A':
        o->all_vs_all = 1;
        return 0;
    case OPT_ASYNC:
        o->async = 1;
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
        *quiet = 1;
        return 0;
    case 'k':
        if (parse_uint(optarg, (unsigned long long)(WQ_LEV_NO_LIMIT - 2), &v) != 0)
            return usage_error("invalid max distance '%s' (a whole number >= 0)", optarg);
        o->max_distance = (size_t)v;
        return 0;
    case 'f':
        if (gx_outfmt_parse(optarg, &o->format) != 0)
            return usage_error("invalid format '%s' (lesson, tsv, jsonl, paf or pretty)", optarg);
        return 0;
    case 'w':
    case 't':
        if (parse_uint(optarg, MAX_WORKERS, &v) != 0 || v == 0)
            return usage_error("invalid worker count '%s' (1 to 1024)", optarg);
        o->workers = (unsigned)v;
        return 0;
    case 'h':
        usage(stdout);
        return -1;
    case 'V':
        printf("genomics (workq) %s\n", WORKQ_VERSION_STRING);
        return -1;
    default:
        fputs("Try 'genomics --help'.\n", stderr);
        return 2;
    }
}

/* Parses argv into o. Returns 0, 2 or -1 as apply_option. */
static int parse_args(int argc, char **argv, gx_opts *o, int *quiet) {
    static char prog[] = "genomics"; /* getopt's own messages use argv[0] */
    argv[0] = prog;
    int c;
    while ((c = getopt_long(argc, argv, "Ak:f:m:iw:t:qhV", long_opts, NULL)) != -1) {
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
    return 0;
}

/* Closes stdout, so a late write error (NFS, a full disk) is not lost. */
static int close_stdout(int status) {
    if (fclose(stdout) != 0 && status == 0) {
        fprintf(stderr, "genomics: write error: %s\n", strerror(errno));
        return 1;
    }
    return status;
}

static int gx_main(int argc, char **argv) {
    gx_opts o = {.max_distance = WQ_LEV_NO_LIMIT, .intr_fd = -1, .stop = &g_stop};
    int quiet = 0;
    int rc = parse_args(argc, argv, &o, &quiet);
    if (rc != 0)
        return rc < 0 ? close_stdout(0) : rc;
    if (install_handlers() != 0) {
        fprintf(stderr, "genomics: cannot catch signals: %s\n", strerror(errno));
        return 1;
    }
    o.intr_fd = g_intr[0];
    o.progress = !quiet && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
    if (!isatty(STDOUT_FILENO) && setvbuf(stdout, NULL, _IOFBF, 1 << 16) != 0) {
        fprintf(stderr, "genomics: cannot buffer stdout\n");
        return 1;
    }
#ifdef WORKQ_WITH_MPI
    if (app_mpi_active()) /* rank 0 reads and prints, the others compute */
        return close_stdout(gx_mpi_run(&o));
#endif
    return close_stdout(gx_run(&o));
}

int main(int argc, char **argv) {
#ifdef WORKQ_WITH_MPI
    return app_mpi_main("genomics", argc, argv, gx_main); /* `mpirun genomics ...` */
#else
    return gx_main(argc, argv);
#endif
}
