#!/bin/sh
# release_check.sh BUILD_DIR: checks the MPI Release build that users run on
# a cluster (the mpi-release preset), from `make test-mpi`. The build must be
# Release with MPI and without the test suite (so it needs no Criterion);
# then pi and genomics from it run two cases of mpi_compare.sh: under mpirun
# their output matches the single-process run byte for byte.
set -eu
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
cache=$build/CMakeCache.txt

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
cached() { # cached VAR: the value of VAR in the build's CMake cache
    sed -n "s/^$1:[A-Z]*=//p" "$cache"
}

[ -f "$cache" ] || fail "$build is not a configured build directory"
[ "$(cached CMAKE_BUILD_TYPE)" = Release ] || fail "$build: not a Release build"
[ "$(cached WORKQ_WITH_MPI)" = ON ] || fail "$build: built without MPI"
[ "$(cached WORKQ_BUILD_TESTS)" = OFF ] || fail "$build: the test suite is built"
[ -z "$(cached CRITERION_FOUND)" ] || fail "$build: Criterion was looked up"

PI=$build/apps/pi/pi
GENOMICS=$build/apps/genomics/genomics
MPIEXEC=$(cached MPIEXEC_EXECUTABLE)
MPIEXEC_NUMPROC_FLAG=$(cached MPIEXEC_NUMPROC_FLAG)
MPIEXEC_PREFLAGS=$(cached MPIEXEC_PREFLAGS)
export PI GENOMICS MPIEXEC MPIEXEC_NUMPROC_FLAG MPIEXEC_PREFLAGS
for case_name in pi_small genomics_pairs; do
    sh "$here/mpi_compare.sh" "$case_name" >/dev/null || fail "$case_name"
done
echo "mpi-release: Release build with MPI, no test suite; pi and genomics under mpirun match one process"
