#!/bin/sh
# check_deb.sh DEB VERSION SOURCE_DIR: checks the Debian package that
# `make package` builds, then installs it into a scratch root and uses it.
# - dpkg-deb --info: name, version, architecture, Depends (libc6, zlib1g);
# - dpkg-deb --contents: the tools, man pages, headers, libraries, CMake
#   and pkg-config files, documents, and nothing outside /usr;
# - dpkg --root=SCRATCH -i, with a copy of this machine's dpkg status so
#   that Depends are checked against what is installed here: the installed
#   tools print the version, the example program builds against the
#   installed package with pkg-config and with find_package(workq VERSION
#   EXACT), the man pages read; then dpkg --root -r removes every file.
# Nothing is written outside the scratch directory. As a non-root user dpkg
# runs under fakeroot.
set -eu
deb=$1 version=$2 src=$(cd "$3" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
    echo "FAIL: $deb: $*" >&2
    exit 1
}
field() { # field NAME: the control field NAME of the package
    dpkg-deb --field "$deb" "$1"
}

[ -f "$deb" ] || fail "no such package"
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
[ "$(field Package)" = workq ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), expected $version"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture)"
depends=$(field Depends)
for dep in libc6 zlib1g; do
    echo "$depends" | grep -Eq "(^|, )$dep( |,|$)" || fail "Depends lacks $dep: $depends"
done
dpkg-deb --info "$deb" >/dev/null || fail "dpkg-deb --info failed"

# The file list: every path the package must hold, and nothing outside /usr.
dpkg-deb --contents "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$tmp/contents"
lib=/usr/lib/$multiarch
for f in /usr/bin/pi /usr/bin/genomics \
    /usr/share/man/man1/pi.1.gz /usr/share/man/man1/genomics.1.gz \
    /usr/include/workq/workq.h /usr/include/workq/kernels.h /usr/include/workq/search.h \
    /usr/include/workq/export.h /usr/include/workq/kernels_export.h \
    /usr/include/workq/version.h \
    "$lib/libworkq.a" "$lib/libworkq_kernels.a" "$lib/pkgconfig/workq.pc" \
    "$lib/cmake/workq/workqConfig.cmake" "$lib/cmake/workq/workqConfigVersion.cmake" \
    "$lib/cmake/workq/workqTargets.cmake" \
    /usr/share/doc/workq/copyright /usr/share/doc/workq/NEWS.md; do
    grep -qx "$f" "$tmp/contents" || fail "does not hold $f"
done
outside=$(grep -v '^/usr/' "$tmp/contents" | grep -vx '/' || true)
[ -z "$outside" ] || fail "holds files outside /usr: $outside"

# Install into a scratch root whose dpkg database is a copy of this one.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
cp /var/lib/dpkg/status "$root/var/lib/dpkg/status"
: >"$root/var/lib/dpkg/available"
as_root=
[ "$(id -u)" = 0 ] || as_root="fakeroot"
dpkg_root() {
    $as_root dpkg --root="$root" --force-not-root --force-script-chrootless "$@" \
        >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg $*"; }
}
dpkg_root --install "$deb"
dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status} ${Version}\n' workq \
    >"$tmp/status"
[ "$(cat "$tmp/status")" = "install ok installed $version" ] ||
    fail "after install: $(cat "$tmp/status")"

# The installed tools and man pages.
[ "$("$root/usr/bin/pi" --version)" = "pi (workq) $version" ] || fail "pi --version"
[ "$("$root/usr/bin/genomics" --version)" = "genomics (workq) $version" ] ||
    fail "genomics --version"
"$root/usr/bin/genomics" --demo | head -n 1 | grep -qx 'Edit_Distance(attctg, accagt) = 4' ||
    fail "genomics --demo"
"$root/usr/bin/pi" 1000 | head -n 1 | grep -q '^PI is approximately 3\.14' || fail "pi 1000"
for tool in pi genomics; do
    gzip -dc "$root/usr/share/man/man1/$tool.1.gz" >"$tmp/$tool.1"
    grep -q "^\\.TH $(echo "$tool" | tr a-z A-Z) \"1\" .* \"workq $version\"" "$tmp/$tool.1" ||
        fail "$tool.1: no .TH line with workq $version"
    grep -q '^\.SH SYNOPSIS' "$tmp/$tool.1" || fail "$tool.1: no SYNOPSIS"
done

# The library, headers and both package files, from the installed package.
project=$src/tests/consumer/project
pcdir=$root$lib/pkgconfig
[ "$(PKG_CONFIG_PATH=$pcdir pkg-config --modversion workq)" = "$version" ] ||
    fail "pkg-config --modversion"
# shellcheck disable=SC2046
cc -o "$tmp/example" "$project/example.c" $(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs workq)
"$tmp/example" >"$tmp/out"
diff -u "$project/expected.txt" "$tmp/out" || fail "pkg-config build of example.c"
mkdir "$tmp/cm"
cat >"$tmp/cm/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(workq_package_check LANGUAGES C)
find_package(workq $version EXACT REQUIRED)
add_executable(example "$project/example.c")
target_link_libraries(example PRIVATE workq::workq workq::kernels)
CMAKE
cmake -S "$tmp/cm" -B "$tmp/cm/b" -DCMAKE_PREFIX_PATH="$root/usr" >"$tmp/cmake.log" 2>&1 ||
    { cat "$tmp/cmake.log" >&2; fail "find_package(workq $version EXACT)"; }
cmake --build "$tmp/cm/b" >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; fail "cmake build"; }
"$tmp/cm/b/example" >"$tmp/out"
diff -u "$project/expected.txt" "$tmp/out" || fail "find_package build of example.c"

# Removal leaves none of the package's files.
dpkg_root --remove workq
left=$(cd "$root" && { [ ! -d usr ] || find usr ! -type d; } | head -n 5)
[ -z "$left" ] || fail "files left after dpkg --remove: $left"

echo "package: $(basename "$deb"): $(wc -l <"$tmp/contents") entries, Depends: $depends;" \
    "installed into a scratch root, used and removed"
