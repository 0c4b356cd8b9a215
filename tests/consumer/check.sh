#!/bin/sh
# Installs the build tree into a temporary prefix, checks what it holds (the
# install manifest), then builds the example project against it twice: with
# find_package(workq) and with pkg-config.
# Usage: check.sh SOURCE_DIR BUILD_DIR C_COMPILER "C_FLAGS" "LINKER_FLAGS"
#                 VERSION APPS(ON|OFF) MAN_PAGES(ON|OFF)
set -eu
src=$1 build=$2 cc=$3 cflags=$4 ldflags=$5 version=$6 apps=$7 man=$8
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
project=$src/tests/consumer/project
prefix=$tmp/prefix

fail() {
    echo "FAIL: install manifest: $*" >&2
    exit 1
}
# listing DIR: the names in DIR, sorted, on one line ("" when DIR is absent)
listing() {
    [ -d "$1" ] || return 0
    (cd "$1" && LC_ALL=C ls | tr '\n' ' ')
}

cmake --install "$build" --prefix "$prefix" >/dev/null
pcdir=$(dirname "$(find "$prefix" -name workq.pc | head -n 1)")
libdir=$(dirname "$pcdir")

# The tools and their man pages (with WORKQ_BUILD_APPS; the man pages when
# help2man made them), each giving the project's version.
if [ "$apps" = ON ]; then
    [ "$(listing "$prefix/bin")" = "genomics pi " ] || fail "bin/: $(listing "$prefix/bin")"
    [ "$("$prefix/bin/pi" --version)" = "pi (workq) $version" ] || fail "pi --version"
    [ "$("$prefix/bin/genomics" --version)" = "genomics (workq) $version" ] ||
        fail "genomics --version"
else
    [ ! -e "$prefix/bin" ] || fail "bin/ without WORKQ_BUILD_APPS: $(listing "$prefix/bin")"
fi
man1=$prefix/share/man/man1
if [ "$apps" = ON ] && [ "$man" = ON ]; then
    [ "$(listing "$man1")" = "genomics.1.gz pi.1.gz " ] || fail "man1/: $(listing "$man1")"
    for tool in pi genomics; do
        gzip -dc "$man1/$tool.1.gz" | grep -q "^\\.TH .* \"workq $version\"" ||
            fail "$tool.1.gz: no .TH line with workq $version"
    done
else
    [ ! -e "$man1" ] || fail "man pages without help2man: $(listing "$man1")"
fi

# Headers, libraries, the CMake package and workq.pc, at one version.
for h in workq.h kernels.h search.h export.h kernels_export.h version.h; do
    [ -f "$prefix/include/workq/$h" ] || fail "no include/workq/$h"
done
grep -q "^#define WORKQ_VERSION_STRING \"$version\"$" "$prefix/include/workq/version.h" ||
    fail "version.h does not say $version"
for l in libworkq libworkq_kernels; do
    [ -f "$libdir/$l.a" ] || [ -f "$libdir/$l.so" ] || fail "no $l in $libdir"
done
for f in workqConfig.cmake workqConfigVersion.cmake workqTargets.cmake; do
    [ -f "$libdir/cmake/workq/$f" ] || fail "no $f in $libdir/cmake/workq"
done
[ "$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion workq)" = "$version" ] ||
    fail "workq.pc: version $(PKG_CONFIG_PATH=$pcdir pkg-config --modversion workq)"
printf 'set(PACKAGE_FIND_VERSION %s)\ninclude(%s)\nmessage("${PACKAGE_VERSION} ${PACKAGE_VERSION_EXACT}")\n' \
    "$version" "$libdir/cmake/workq/workqConfigVersion.cmake" >"$tmp/v.cmake"
[ "$(cmake -P "$tmp/v.cmake" 2>&1)" = "$version TRUE" ] ||
    fail "workqConfigVersion.cmake: $(cmake -P "$tmp/v.cmake" 2>&1)"

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
echo "consumer: the install holds what it must at version $version;" \
    "find_package and pkg-config builds both print the expected output"
