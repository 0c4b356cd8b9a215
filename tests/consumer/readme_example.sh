#!/bin/sh
# readme_example.sh SOURCE_DIR: README's copy of the embedding example (the
# first ```c block after "A complete program") is byte for byte
# tests/consumer/project/example.c, which the consumer check compiles and
# runs; so the text cannot drift from the file that is tested.
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/A complete program/ { seen = 1 }
     seen && !inside && /^```c$/ { inside = 1; next }
     inside && /^```$/ { exit }
     inside { print }' "$src/README.md" >"$tmp/readme.c"
[ -s "$tmp/readme.c" ] || { echo "FAIL: README.md: no C block after 'A complete program'" >&2; exit 1; }
diff -u "$src/tests/consumer/project/example.c" "$tmp/readme.c" ||
    { echo "FAIL: README.md's example differs from tests/consumer/project/example.c" >&2; exit 1; }
echo "readme_example: README's example is tests/consumer/project/example.c"
