#!/bin/sh
# Installs the build tree into a temporary prefix, then builds the example
# project against it twice: with find_package(workq) and with pkg-config.
# Usage: check.sh SOURCE_DIR BUILD_DIR C_COMPILER "C_FLAGS" "LINKER_FLAGS"
set -eu
src=$1 build=$2 cc=$3 cflags=$4 ldflags=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
project=$src/tests/consumer/project

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pcdir=$(dirname "$(find "$tmp/prefix" -name workq.pc | head -n 1)")
libdir=$(dirname "$pcdir")

cmake -S "$project" -B "$tmp/b" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" \
    -DCMAKE_EXE_LINKER_FLAGS="$ldflags" >/dev/null
cmake --build "$tmp/b" >/dev/null
LD_LIBRARY_PATH=$libdir "$tmp/b/example" >"$tmp/out1"
diff -u "$project/expected.txt" "$tmp/out1"

# shellcheck disable=SC2046,SC2086
"$cc" $cflags -o "$tmp/example2" "$project/example.c" \
    $(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs workq) $ldflags
LD_LIBRARY_PATH=$libdir "$tmp/example2" >"$tmp/out2"
diff -u "$project/expected.txt" "$tmp/out2"
echo "consumer: find_package and pkg-config builds both print the expected output"
