#!/bin/sh
# mpi_compare.sh CASE: runs pi or genomics under mpirun and compares exit
# status, stdout and stderr with the single-process run, byte for byte
# (pi's time, which differs by nature, is dropped; --async output is
# compared sorted). Inputs are generated here, deterministically (awk's
# srand with a fixed seed), in a scratch directory.
#
# Environment (set by CMake): PI, GENOMICS (executables), MPIEXEC,
# MPIEXEC_NUMPROC_FLAG, MPIEXEC_PREFLAGS, WQT_GUARD_SCALE (the factor of
# every hang guard, tests/common/test_guard.c). --allow-run-as-root is
# added only when running as root; --oversubscribe lets -np exceed the
# cores.
set -eu

case_name=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"

root_flag=
[ "$(id -u)" = 0 ] && root_flag=--allow-run-as-root
# mpirun's own "process returned a non-zero exit code" banner would make
# stderr differ from the single process's: the tests check the apps' text.
export OMPI_MCA_orte_execute_quiet=1

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# (sh has no local variables: each function names its own.)
mpi() { # mpi NP EXE ARGS...
    m_np=$1
    shift
    # shellcheck disable=SC2086
    "$MPIEXEC" $root_flag --oversubscribe $MPIEXEC_NUMPROC_FLAG "$m_np" ${MPIEXEC_PREFLAGS:-} "$@"
}

# run NAME NP|0 EXE ARGS...: NAME.out, NAME.err, NAME.rc (NP 0: no mpirun)
run() {
    r_name=$1 r_np=$2
    shift 2
    r_rc=0
    if [ "$r_np" = 0 ]; then
        "$@" >"$r_name.out" 2>"$r_name.err" <"${STDIN:-/dev/null}" || r_rc=$?
    else
        mpi "$r_np" "$@" >"$r_name.out" 2>"$r_name.err" <"${STDIN:-/dev/null}" || r_rc=$?
    fi
    echo "$r_rc" >"$r_name.rc"
}

# filter NAME: drops what legitimately differs (FILTER: pi's time and
# rank count, checked by the pi cases themselves; or sort)
filter() {
    case ${FILTER:-none} in
    pi) grep -v '^Time = ' "$1" | sed 's/,"seconds":[0-9.e+-]*}/}/; s/,"ranks":[0-9]*,/,/' ;;
    sort) LC_ALL=C sort "$1" ;;
    none) cat "$1" ;;
    esac
}

# same NP EXE ARGS...: the MPI run matches the single-process one
same() {
    np=$1
    shift
    run ref 0 "$@"
    run got "$np" "$@"
    cmp -s ref.rc got.rc || fail "-np $np $*: exit $(cat got.rc), expected $(cat ref.rc); stderr: $(cat got.err)"
    filter ref.out >ref.f
    filter got.out >got.f
    cmp -s ref.f got.f || { diff ref.f got.f | head -20 >&2; fail "-np $np $*: stdout differs"; }
    cmp -s ref.err got.err || { diff ref.err got.err >&2; fail "-np $np $*: stderr differs"; }
    echo "ok: -np $np $* (exit $(cat ref.rc), $(wc -l <ref.out) lines)"
}

expect_rc() { # expect_rc RC: the last comparison's exit status
    [ "$(cat got.rc)" = "$1" ] || fail "exit $(cat got.rc), expected $1"
}

one_line_err() { # stderr holds exactly one message line (plus a hint)
    n=$(grep -c '^genomics: \|^pi: ' got.err || true)
    [ "$n" = 1 ] || fail "expected one message on stderr, got $n: $(cat got.err)"
}

gen_pairs() { # gen_pairs N SEED MAXLEN > file: `a,b` lines over acgt
    awk -v n="$1" -v seed="$2" -v m="$3" 'BEGIN { srand(seed); s = "acgtACGT"
        for (p = 0; p < n; p++) { for (h = 0; h < 2; h++) { k = int(rand() * m); x = ""
            for (i = 0; i < k; i++) x = x substr(s, int(rand() * 8) + 1, 1)
            printf "%s%s", x, (h == 0 ? "," : "\n") } } }'
}

gen_fasta() { # gen_fasta N SEED MAXLEN > file: multi-line FASTA records
    awk -v n="$1" -v seed="$2" -v m="$3" 'BEGIN { srand(seed); s = "acgtACGT"
        for (p = 0; p < n; p++) { printf ">r%d sample\n", p; k = int(rand() * m)
            for (i = 0; i < k; i++) { printf "%s", substr(s, int(rand() * 8) + 1, 1)
                if (i % 60 == 59) printf "\n" }
            printf "\n" } }'
}

case $case_name in
pi_small)
    FILTER=pi
    for n in 1 2 3 10 1000 65537; do same 2 "$PI" -w 1 "$n"; done
    same 3 "$PI" -w 1 10
    same 4 "$PI" -w 1 3 ;;
pi_chunks)
    FILTER=pi
    same 2 "$PI" -w 1 --chunks 7 1000003
    same 3 "$PI" -w 1 --chunks 5 5
    same 4 "$PI" -w 1 --chunks 1 1e6
    same 3 "$PI" -w 1 --chunks 255 1e7
    same 2 "$PI" -w 1 1e8
    same 2 "$PI" -w 1 --async --kernel lesson 1e6 ;;
pi_json)
    FILTER=pi
    same 2 "$PI" -w 1 --json 12345
    grep -q '"workers":1,"ranks":1,' ref.out || fail "one process: $(cat ref.out)"
    grep -q '"workers":1,"ranks":2,' got.out || fail "-np 2: $(cat got.out)"
    same 3 "$PI" -w 2 --json --chunks 3 1e7
    grep -q '"workers":2,"ranks":3,' got.out || fail "-np 3: $(cat got.out)"
    grep -q '"seconds":' got.out || fail "no seconds field" ;;
pi_time)
    # Time as one process prints it (the difference of two clock readings
    # in seconds, all 16 digits), not MPI_Wtime's, which ended in seven
    # zeros. Three runs, so that a time which happens to end in zeros
    # cannot fail the case.
    FILTER=pi
    t_ok=0
    for t_run in 1 2 3; do
        same 2 "$PI" -w 1 1e6
        t_line=$(grep '^Time = ' got.out) || fail "no Time line: $(cat got.out)"
        echo "$t_line" | grep -Eq '^Time = [0-9]+\.[0-9]{16} sec$' || fail "Time format: $t_line"
        echo "$t_line" | grep -Eq '000000 sec$' || t_ok=1
    done
    [ "$t_ok" = 1 ] || fail "Time ends in zeros: $t_line" ;;
pi_interrupt)
    # Ctrl-C at a terminal reaches mpirun only (Open MPI puts each rank in
    # a process group of its own), and mpirun sends SIGTERM to every rank:
    # rank 0 says so once, stdout stays empty, mpirun exits non-zero.
    setsid "$MPIEXEC" $root_flag --oversubscribe $MPIEXEC_NUMPROC_FLAG 2 ${MPIEXEC_PREFLAGS:-} \
        "$PI" -w 1 1e13 >got.out 2>got.err </dev/null &
    i_pid=$!
    # Wait until both ranks catch SIGINT and SIGTERM (SigCgt bits 1 and 14);
    # the limit guards against a hang only (30 s or more, times the scale).
    i_tries=0
    while :; do
        i_caught=0
        for i_status in $(grep -l "^PPid:[[:space:]]*$i_pid\$" /proc/[0-9]*/status 2>/dev/null || true); do
            i_mask=$(sed -n 's/^SigCgt:[[:space:]]*//p' "$i_status" 2>/dev/null || true)
            [ -n "$i_mask" ] && [ $((0x$i_mask & 0x4002)) = $((0x4002)) ] && i_caught=$((i_caught + 1))
        done
        [ "$i_caught" = 2 ] && break
        i_tries=$((i_tries + 1))
        [ "$i_tries" -lt $((3000 * ${WQT_GUARD_SCALE:-1})) ] || fail "the ranks never caught SIGINT: $(cat got.err)"
        sleep 0.01
    done
    kill -INT "$i_pid"
    i_rc=0
    wait "$i_pid" || i_rc=$?
    [ "$i_rc" != 0 ] || fail "mpirun exited 0 after SIGINT"
    [ ! -s got.out ] || fail "stdout not empty: $(cat got.out)"
    [ "$(cat got.err)" = "pi: interrupted" ] || fail "stderr: $(cat got.err)"
    echo "ok: SIGINT to mpirun -np 2 pi: 'pi: interrupted', exit $i_rc" ;;
pi_errors)
    same 2 "$PI" -w 0 10
    expect_rc 2
    one_line_err
    same 2 "$PI" 0
    expect_rc 2
    same 2 "$PI" --version ;;
genomics_pairs)
    gen_pairs 2000 7 90 >pairs.txt
    same 2 "$GENOMICS" -w 1 --demo
    same 2 "$GENOMICS" -w 1 pairs.txt
    same 3 "$GENOMICS" -w 1 -f tsv pairs.txt
    same 2 "$GENOMICS" -w 1 -i -k 25 -f jsonl pairs.txt
    STDIN=pairs.txt same 2 "$GENOMICS" -w 1 -
    : >empty.txt
    same 2 "$GENOMICS" empty.txt ;;
genomics_fasta)
    gen_fasta 600 11 150 >seqs.fa
    same 2 "$GENOMICS" -w 1 seqs.fa
    gzip -c seqs.fa >seqs.fa.gz
    same 3 "$GENOMICS" -w 1 -f tsv seqs.fa.gz ;;
genomics_all)
    gen_fasta 150 13 120 >seqs.fa
    gen_pairs 40 17 30 | tr ',' '\n' >lines.txt
    same 2 "$GENOMICS" -w 1 -A seqs.fa
    same 3 "$GENOMICS" -w 1 -A -i -k 50 -f jsonl seqs.fa
    STDIN=lines.txt same 2 "$GENOMICS" -w 1 -A -f tsv
    head -2 seqs.fa >one.fa
    same 2 "$GENOMICS" -A one.fa ;;
genomics_index)
    gen_pairs 300 29 40 | tr ',' '\n' >lines.txt
    gen_fasta 200 31 60 >seqs.fa
    head -40 lines.txt >q.txt
    same 2 "$GENOMICS" -w 1 -A -k 3 lines.txt
    same 3 "$GENOMICS" -w 2 -A -i -k 5 -f tsv seqs.fa
    same 2 "$GENOMICS" -w 1 --cluster -k 2 -f jsonl lines.txt
    same 2 "$GENOMICS" -w 1 --query q.txt -k 4 -f tsv lines.txt ;;
genomics_async)
    FILTER=sort
    gen_pairs 3000 19 60 >pairs.txt
    gen_fasta 120 23 80 >seqs.fa
    same 2 "$GENOMICS" -w 1 --async pairs.txt
    same 3 "$GENOMICS" -w 1 --async -k 30 pairs.txt
    same 2 "$GENOMICS" -w 1 --async -A seqs.fa ;;
genomics_align)
    gen_pairs 600 37 70 >pairs.txt
    gen_fasta 40 41 60 >seqs.fa
    same 2 "$GENOMICS" -w 1 -f paf pairs.txt
    same 3 "$GENOMICS" -w 1 -f pretty -m infix pairs.txt
    same 2 "$GENOMICS" -w 1 -f tsv --cigar -m prefix -k 20 pairs.txt
    same 2 "$GENOMICS" -w 1 -m infix pairs.txt
    same 3 "$GENOMICS" -w 1 -A -f jsonl --cigar -m infix seqs.fa
    FILTER=sort same 2 "$GENOMICS" -w 1 --async -f paf -m prefix pairs.txt ;;
genomics_errors)
    gen_pairs 1500 29 40 >good.txt
    { cat good.txt; echo "acgt"; gen_pairs 20 31 40; } >bad.txt
    same 2 "$GENOMICS" -w 1 bad.txt
    expect_rc 1
    one_line_err
    grep -q '^genomics: bad.txt:1501: ' got.err || fail "no line number: $(cat got.err)"
    [ "$(wc -l <got.out)" = 1500 ] || fail "pairs before the error not all printed"
    same 3 "$GENOMICS" -w 1 /nonexistent/pairs.txt
    expect_rc 1
    one_line_err
    same 2 "$GENOMICS" -A /nonexistent/seqs.fa
    expect_rc 1
    printf '>a\nacgt\n>b\nac gt\n' >bad.fa
    same 2 "$GENOMICS" -A bad.fa
    expect_rc 1
    one_line_err
    same 2 "$GENOMICS" -k x good.txt
    expect_rc 2 ;;
genomics_start_fail)
    # A worker rank that cannot start (WORKQ_MPI_FAIL_START=R: its pool
    # "fails" with ENOMEM) ends every rank before any input is read: one
    # message naming it, exit 1, nothing on stdout, no rank left waiting
    # (timeout: a hang fails here, not at the CTest backstop).
    gen_pairs 200 53 30 >pairs.txt
    for f_case in "2 1" "3 2" "3 1"; do
        set -- $f_case
        f_rc=0
        WORKQ_MPI_FAIL_START=$2 timeout 10 "$MPIEXEC" $root_flag --oversubscribe -x WORKQ_MPI_FAIL_START \
            $MPIEXEC_NUMPROC_FLAG "$1" ${MPIEXEC_PREFLAGS:-} "$GENOMICS" -w 2 pairs.txt \
            >got.out 2>got.err </dev/null || f_rc=$?
        [ "$f_rc" = 1 ] || fail "-np $1, rank $2 failing: exit $f_rc, expected 1; stderr: $(cat got.err)"
        [ ! -s got.out ] || fail "-np $1, rank $2 failing: stdout not empty"
        f_want="genomics: rank $2: cannot start 2 workers: Cannot allocate memory"
        [ "$(cat got.err)" = "$f_want" ] || fail "-np $1, rank $2 failing: stderr: $(cat got.err)"
        echo "ok: -np $1, rank $2 fails at start-up: '$f_want', exit 1"
    done ;;
genomics_interrupt)
    # SIGINT to mpirun (Ctrl-C at a terminal) while rank 0 prints: mpirun
    # sends SIGTERM to every rank; stdout is exactly the results of the
    # first N pairs, stderr the one message with that N, exit non-zero.
    # The input never ends (a generator writing to a FIFO that rank 0 opens
    # by name: mpirun, which forwards its stdin to rank 0, closes that at
    # SIGINT, even mid-line), so the run stops by the signal; it is sent
    # once the first line of output has been read.
    mkfifo in.fifo out.fifo
    awk 'BEGIN { for (i = 0; ; i++) print i ",0" }' >in.fifo 2>/dev/null &
    i_gen=$!
    setsid "$MPIEXEC" $root_flag --oversubscribe $MPIEXEC_NUMPROC_FLAG 2 ${MPIEXEC_PREFLAGS:-} \
        "$GENOMICS" -w 1 -f tsv in.fifo >out.fifo 2>got.err </dev/null &
    i_pid=$! # mpirun's (setsid execs it: a background job leads no group)
    { IFS= read -r i_first && printf '%s\n' "$i_first" && kill -INT "$i_pid" && cat; } <out.fifo >got.out
    i_rc=0
    wait "$i_pid" || i_rc=$?
    kill "$i_gen" 2>/dev/null || true
    [ "$i_rc" != 0 ] || fail "mpirun exited 0 after SIGINT"
    i_n=$(wc -l <got.out)
    [ "$i_n" -gt 0 ] || fail "no output"
    awk '{ i = NR - 1; d = length(i) - (index(i, "0") > 0)
           if ($0 != i "\t0\t" d) { print "line " NR ": " $0; exit 1 } }' got.out >bad.txt ||
        fail "not the first $i_n results: $(cat bad.txt)"
    [ "$(tail -c 1 got.out | od -An -c | tr -d ' ')" = '\n' ] || fail "last line cut"
    i_want="genomics: interrupted after $i_n pairs (resume with --skip $i_n)"
    [ "$(cat got.err)" = "$i_want" ] || fail "stderr: $(cat got.err), expected: $i_want"
    echo "ok: SIGINT to mpirun -np 2 genomics: $i_n pairs, then '$i_want'" ;;
genomics_progress)
    # Rank 0's progress line follows what the user sees: mpirun's own
    # stderr a terminal (script(1) gives it one) and its stdout not. The
    # first delay is 0 (WORKQ_PROGRESS_DELAY), so a line is drawn at the
    # first result whenever the check allows it.
    gen_pairs 300 59 40 >pairs.txt
    run ref 0 "$GENOMICS" -w 1 pairs.txt
    export WORKQ_PROGRESS_DELAY=0
    p_mpi="$MPIEXEC $root_flag --oversubscribe -x WORKQ_PROGRESS_DELAY $MPIEXEC_NUMPROC_FLAG 2 ${MPIEXEC_PREFLAGS:-}"
    script -qec "$p_mpi $GENOMICS -w 1 pairs.txt >got.out" tty.txt >/dev/null </dev/null ||
        fail "mpirun under script: exit $?"
    cmp -s ref.out got.out || fail "stdout differs with stderr on a terminal"
    grep -q ' pairs/s' tty.txt || fail "no progress line on mpirun's terminal: $(cat tty.txt)"
    script -qec "$p_mpi $GENOMICS -w 1 -q pairs.txt >got.out" tty.txt >/dev/null </dev/null
    ! grep -q 'pairs/s' tty.txt || fail "-q: a progress line"
    script -qec "$p_mpi $GENOMICS -w 1 pairs.txt" tty.txt >/dev/null </dev/null
    ! grep -q 'pairs/s' tty.txt || fail "stdout on the terminal too: a progress line"
    # --progress draws it through mpirun's pipe; without it, nothing
    run got 2 "$GENOMICS" -w 1 --progress pairs.txt
    cmp -s ref.out got.out || fail "--progress: stdout differs"
    grep -q ' pairs/s' got.err || fail "--progress: no progress line: $(cat got.err)"
    run got 2 "$GENOMICS" -w 1 pairs.txt
    [ ! -s got.err ] || fail "stderr not a terminal: $(cat got.err)"
    echo "ok: rank 0's progress line on mpirun's terminal, with --progress, not with -q" ;;
genomics_split)
    # The indexed modes split over the ranks (mpi_search.h): the same bytes
    # as one process, and every rank found a real share of the hits.
    gen_pairs 1200 53 36 | tr ',' '\n' | awk 'length($0) > 0' >lines.txt
    awk 'NR % 3 == 1 { print substr($0, 2) } NR % 3 == 2 { print $0 "a" }' lines.txt >near.txt
    cat lines.txt near.txt >set.txt
    head -200 near.txt >q.txt
    same 2 "$GENOMICS" -w 1 -A -k 2 set.txt
    same 3 "$GENOMICS" -w 1 -A -i -k 1 -f tsv --skip 50 set.txt
    same 3 "$GENOMICS" -w 1 --cluster -k 1 -f jsonl set.txt
    same 2 "$GENOMICS" -w 1 --query q.txt -k 2 -f tsv set.txt
    # prefix and infix: pair by pair (cross.c), split the same way
    head -40 q.txt | cut -c1-12 >short.txt
    head -300 set.txt >few.txt
    same 2 "$GENOMICS" -w 1 --query short.txt -k 2 -m infix -f tsv --cigar few.txt
    same 3 "$GENOMICS" -w 1 --query short.txt -m prefix -f paf few.txt
    for s_np in 2 3; do
        GENOMICS_MPI_STATS=1 run got "$s_np" "$GENOMICS" -w 1 -A -k 2 -f tsv set.txt
        s_total=$(wc -l <got.out)
        s_sum=0
        for s_r in $(seq 1 $((s_np - 1))); do
            s_h=$(sed -n "s/^genomics: rank $s_r: \([0-9]*\) hits\$/\1/p" got.err)
            [ -n "$s_h" ] && [ "$s_h" -gt 0 ] || fail "-np $s_np: rank $s_r did no share: $(cat got.err)"
            s_sum=$((s_sum + s_h))
        done
        [ "$s_sum" -lt "$s_total" ] || fail "-np $s_np: rank 0 did no share ($s_sum of $s_total)"
        echo "ok: -np $s_np: $s_total pairs, $s_sum from ranks 1..$((s_np - 1))"
    done ;;
genomics_stall)
    # Results do not wait for stalled input under MPI either: stdin (which
    # mpirun forwards to rank 0) is fed one line at a time, and each result
    # must be read back before the next line is written (tests/apps/mpi/
    # lockstep.c); rank 0 hands out each partial block at once. The lines
    # expected are the single process's, from the same input as a file.
    gen_pairs 12 61 40 >pairs.txt
    for s_case in "2 0 -w 1" "2 0 -w 2 --async" "3 3 -w 1 -f tsv --skip 3" "3 0 -w 1 -i -f jsonl"; do
        set -- $s_case
        s_np=$1 s_skip=$2
        shift 2
        run ref 0 "$GENOMICS" "$@" pairs.txt
        [ "$(cat ref.rc)" = 0 ] || fail "one process: $* exit $(cat ref.rc)"
        "$LOCKSTEP" pairs.txt ref.out "$s_skip" -- "$MPIEXEC" $root_flag --oversubscribe \
            $MPIEXEC_NUMPROC_FLAG "$s_np" ${MPIEXEC_PREFLAGS:-} "$GENOMICS" "$@" 2>got.err ||
            fail "-np $s_np $*: lock step failed; stderr: $(cat got.err)"
        [ ! -s got.err ] || fail "-np $s_np $*: stderr: $(cat got.err)"
        echo "ok: -np $s_np $*: every result before the next input line"
    done ;;
genomics_skip)
    gen_pairs 2000 43 50 >pairs.txt
    gen_fasta 80 47 40 >seqs.fa
    same 2 "$GENOMICS" -w 1 --skip 777 pairs.txt
    same 3 "$GENOMICS" -w 1 --skip 1e3 -f tsv -A seqs.fa
    same 2 "$GENOMICS" -w 1 --skip 5000 pairs.txt ;;
*)
    fail "unknown case $case_name" ;;
esac
