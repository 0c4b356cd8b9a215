# A thin wrapper over CMake presets. The two commands of the README:
#   make run    install what is missing, build Release, run the main job
#   make test   install what is missing, build, run the whole suite
# More: make test-asan, make test-tsan, make bench, make soak, make clean,
#       make python (build `import workq` and run its pytest suite),
#       make install-python (so that /usr/bin/python3 -c 'import workq' works).

JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# cmake --build runs make again below this one: without this flag each of
# those makes says "Entering/Leaving directory", two lines per target.
MAKEFLAGS += --no-print-directory
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export WORKQ_WERROR

# Debian packages each goal needs; `deps-%` installs the missing ones.
PKGS_BUILD := gcc make cmake pkg-config zlib1g-dev
PKGS_PEERS := libglib2.0-dev libedlib-dev libwfa2-dev python3 python3-numpy
PKGS_PYTHON := python3-dev python3-pytest python3-levenshtein python3-edlib python3-setuptools \
	       python3-venv python3-wheel
PKGS_TEST  := $(PKGS_BUILD) libcriterion-dev clang libclang-rt-14-dev valgrind help2man $(PKGS_PEERS) \
	      $(PKGS_PYTHON)
PKGS_BENCH := $(PKGS_BUILD) $(PKGS_PEERS) $(PKGS_PYTHON) gnuplot-nox time strace

# The Python extension is built for Debian's interpreter (not whichever
# python3 comes first on PATH).
PYTHON    := /usr/bin/python3
PY_CMAKE  := -DWORKQ_BUILD_PYTHON=ON -DPython3_EXECUTABLE=$(PYTHON)

.PHONY: python install-python deps-python run test test-asan test-tsan check-all bench soak fuzz clean deps-build deps-test deps-bench

define install_missing
@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
	    grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

deps-build:
	$(call install_missing,$(PKGS_BUILD))
deps-test:
	$(call install_missing,$(PKGS_TEST))
deps-bench:
	$(call install_missing,$(PKGS_BENCH))
deps-python:
	$(call install_missing,$(PKGS_BUILD) $(PKGS_PYTHON))

run: deps-build
	cmake --preset release -DWORKQ_BUILD_TESTS=OFF >/dev/null
	cmake --build --preset release -j $(JOBS)
	./build/release/apps/pi/pi 100000000
	./build/release/apps/genomics/genomics --demo

test: deps-test
	cmake --preset debug $(PY_CMAKE) >/dev/null
	cmake --build --preset debug -j $(JOBS)
	ctest --preset debug -j $(JOBS)

# The sanitizer runs include the Python module's pytest suite (its slow
# loops left out), with the sanitizer's runtime preloaded into Debian's
# uninstrumented interpreter; python/CMakeLists.txt says how.
test-asan: deps-test
	cmake --preset asan $(PY_CMAKE) >/dev/null
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

test-tsan: deps-test
	cmake --preset tsan $(PY_CMAKE) >/dev/null
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

check-all: test test-asan test-tsan

# `import workq`: the extension (debug build) and its pytest suite.
python: deps-python
	cmake --preset debug $(PY_CMAKE) >/dev/null
	cmake --build --preset debug -j $(JOBS)
	ctest --preset debug -L python --output-on-failure

# Installs the package into the interpreter's platlib (Debian:
# /usr/local/lib/python3.11/dist-packages), built Release.
install-python: deps-python
	cmake --preset release -DWORKQ_BUILD_TESTS=OFF $(PY_CMAKE) >/dev/null
	cmake --build --preset release -j $(JOBS) --target workq_python
	$(SUDO) cmake --install build/release --component python
	cd / && $(PYTHON) -c 'import workq; print("workq", workq.__version__, "in", workq.__path__[0])'

soak: deps-test
	cmake --preset debug >/dev/null
	cmake --build --preset debug -j $(JOBS)
	WORKQ_STRESS=$${WORKQ_STRESS:-100} ctest --preset debug -L stress -j 1

bench: deps-bench
	cmake --preset release -DWORKQ_BUILD_TESTS=OFF -DWORKQ_BUILD_BENCH=ON $(PY_CMAKE) >/dev/null
	cmake --build --preset release -j $(JOBS)
	./bench/run.sh build/release

# Each libFuzzer target runs FUZZ_SECONDS from the seed corpus in
# tests/fuzz/corpus/; new inputs go to a scratch directory, not the repo.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := pi_args genomics_pairs genomics_records levenshtein
fuzz: deps-test
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	@set -e; for t in $(FUZZ_TARGETS); do \
	    scratch=$$(mktemp -d); \
	    echo "fuzz_$$t: $(FUZZ_SECONDS) s"; \
	    ./build/fuzz/tests/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -rss_limit_mb=2048 -print_final_stats=1 $$scratch tests/fuzz/corpus/$$t \
	        2>build/fuzz/fuzz_$$t.log || { tail -50 build/fuzz/fuzz_$$t.log; exit 1; }; \
	    grep -E "^(Done|stat::number_of_executed_units)" build/fuzz/fuzz_$$t.log; \
	    rm -rf $$scratch; \
	done

clean:
	rm -rf build

# The MPI build (issue 8): the whole suite with WORKQ_WITH_MPI=ON, which adds
# tests/apps/mpi (pi and genomics under mpirun -np 2..4, compared byte for
# byte with the single-process runs). Then the Release MPI build users run on
# a cluster (preset mpi-release: no test suite), checked by release_check.sh.
PKGS_MPI := libopenmpi-dev openmpi-bin
.PHONY: test-mpi deps-mpi
deps-mpi: deps-test
	$(call install_missing,$(PKGS_MPI))
test-mpi: deps-mpi
	cmake --preset mpi >/dev/null
	cmake --build --preset mpi -j $(JOBS)
	ctest --preset mpi -j $(JOBS)
	cmake --preset mpi-release >/dev/null
	cmake --build --preset mpi-release -j $(JOBS)
	sh tests/apps/mpi/release_check.sh build/mpi-release

# Rank 0's share under mpirun (issue 17): genomics with -np 2 -w 2 against
# one process, on the Release MPI build, in alternating rounds; the inputs
# come from the Release bench build's seqgen (cached in build/mpi-release/
# bench-mpi). Table in bench/results/mpi_rank0.md.
.PHONY: bench-mpi
bench-mpi: deps-bench deps-mpi
	cmake --preset release -DWORKQ_BUILD_TESTS=OFF -DWORKQ_BUILD_BENCH=ON >/dev/null
	cmake --build --preset release -j $(JOBS) --target seqgen
	cmake --preset mpi-release >/dev/null
	cmake --build --preset mpi-release -j $(JOBS)
	WORKQ_SEQGEN=build/release/bench/common/seqgen ./bench/genomics/mpi_rank0.sh build/mpi-release \
		>bench/results/mpi_rank0.md
	cat bench/results/mpi_rank0.md

# The Debian package (CPack, preset package: Release under /usr, with the man
# pages): build/package/workq_VERSION_ARCH.deb. check_deb.sh then checks its
# control fields and file list, installs it into a scratch root (never /),
# uses it and removes it. help2man makes the man pages; dpkg-dev and file
# compute Depends; fakeroot lets a non-root user install into the scratch root.
PKGS_PACKAGE := $(PKGS_BUILD) help2man dpkg-dev file fakeroot
.PHONY: package deps-package
deps-package:
	$(call install_missing,$(PKGS_PACKAGE))
package: deps-package
	cmake --preset package >/dev/null
	cmake --build --preset package -j $(JOBS)
	cd build/package && cpack -G DEB
	@v=$$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' build/package/CMakeCache.txt); \
	    sh tests/package/check_deb.sh build/package/workq_$${v}_$$(dpkg --print-architecture).deb $$v .
