#!/usr/bin/env bash
# Installs aiasim from BUILD_DIR into a temporary prefix, then builds and
# runs every embedding example against that installed copy, four ways:
#   cmake-static  find_package(aiasim) + aiasim::aiasim         (CMAKE_PREFIX_PATH)
#   cmake-shared  find_package(aiasim) + aiasim::aiasim_shared  (CMAKE_PREFIX_PATH)
#   pc-shared     the example's Makefile: pkg-config --cflags --libs aiasim
#   pc-static     the same with STATIC=1: libaiasim.a + pkg-config --libs --static
# Each build must compile with -Wall -Wextra -Wpedantic -Werror, each program
# must exit 0, the four builds of one example must print the same output,
# shared builds must load libaiasim.so from the prefix and static builds must
# not load it at all; embed_threads must print the same output with two
# different thread-timing seeds. Any failure stops the script (exit 1).
#
# Usage: tests/install_examples.sh BUILD_DIR
# BUILD_DIR is configured and built first if needed (CI passes `build`,
# which `make test` has already built).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
build=$1
examples="embed-lockstep embed-threads custom-hook"

fail() { echo "install_examples: FAIL: $*" >&2; exit 1; }
say() { echo "install_examples: $*"; }

if [ ! -f "$build/CMakeCache.txt" ]; then
  say "configuring $build"
  cmake -S "$src" -B "$build" -DAIASIM_WERROR=ON >/dev/null
fi
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
if ! grep -q '^AIASIM_BUILD_SHARED:BOOL=ON' "$build/CMakeCache.txt"; then
  fail "$build has AIASIM_BUILD_SHARED off; the shared library must be checked too"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aiasim-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
  cat "$tmp/install.log"; fail "cmake --install"; }

# What an installed copy must hold.
pc=$(find "$prefix" -name aiasim.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "no aiasim.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libaiasim.a" "$libdir/libaiasim.so" "$libdir/cmake/aiasim/aiasimConfig.cmake" \
         "$libdir/cmake/aiasim/aiasimConfigVersion.cmake" "$libdir/cmake/aiasim/aiasimTargets.cmake" \
         "$prefix/include/aiasim/aiasim.h" "$prefix/include/aiasim/mailbox.h" \
         "$prefix/include/aiasim/version.h"; do
  [ -e "$f" ] || fail "missing after install: ${f#$prefix/}"
done
soname=$(objdump -p "$libdir/libaiasim.so" 2>/dev/null | awk '/SONAME/ { print $2 }')
[ -n "$soname" ] && [ -e "$libdir/$soname" ] || fail "libaiasim.so has no installed SONAME link ($soname)"
# No header may need a path outside the prefix.
if grep -rn '#include *"' "$prefix/include/aiasim" | grep -v '"aiasim/' >/dev/null; then
  fail "an installed header includes a non-aiasim header with quotes"
fi

# pkg-config must point into the prefix (the .pc is relocatable).
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pc_libdir=$(cd "$(pkg-config --variable=libdir aiasim)" && pwd)
[ "$pc_libdir" = "$(cd "$libdir" && pwd)" ] || fail "pkg-config libdir $pc_libdir is not $libdir"
pkg-config --exists --print-errors "aiasim >= 0.1" || fail "pkg-config aiasim"
say "installed to $prefix; pkg-config: $(pkg-config --cflags --libs aiasim)"

strict="-Wall -Wextra -Wpedantic -Werror"

# run NAME EXE OUTFILE: runs a built example; embed_threads twice.
run() {
  local name=$1 exe=$2 out=$3
  "$exe" 1 >"$out" 2>"$out.err" || { cat "$out" "$out.err"; fail "$name exited non-zero"; }
  if [ "$(basename "$exe")" = embed_threads ]; then
    "$exe" 2 >"$out.again" 2>/dev/null || fail "$name (second run) exited non-zero"
    cmp -s "$out" "$out.again" || { diff "$out" "$out.again" || true
      fail "$name: output depends on thread timing"; }
  fi
}

# linked_to EXE: the libaiasim.so the program loads ("" if none).
linked_to() {
  ldd "$1" | awk '/libaiasim\.so/ { print $3 }'
}

for ex in $examples; do
  exe=${ex//-/_}
  [ -f "$src/examples/$ex/CMakeLists.txt" ] || fail "examples/$ex missing"
  ref=""
  for how in cmake-static cmake-shared pc-shared pc-static; do
    dir=$tmp/$ex-$how
    case $how in
      cmake-*)
        shared=OFF
        [ $how = cmake-shared ] && shared=ON
        cmake -S "$src/examples/$ex" -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" \
              -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DAIASIM_EXAMPLE_SHARED=$shared \
              -DCMAKE_C_FLAGS="$strict" >"$dir.log" 2>&1 || { cat "$dir.log"; fail "$ex $how: configure"; }
        found=$(sed -n 's/^aiasim_DIR:PATH=//p' "$dir/CMakeCache.txt")
        case $found in "$prefix"/*) ;; *) fail "$ex $how: found aiasim in '$found', not in $prefix" ;; esac
        cmake --build "$dir" >>"$dir.log" 2>&1 || { cat "$dir.log"; fail "$ex $how: build"; }
        bin=$dir/$exe
        ;;
      pc-*)
        cp -r "$src/examples/$ex" "$dir"
        static=0
        [ $how = pc-static ] && static=1
        # As docs/embedding.md says: the path on make's command line only
        # (the Makefile must export it to its $(shell pkg-config ...)).
        env -u PKG_CONFIG_PATH make -C "$dir" PKG_CONFIG_PATH="$libdir/pkgconfig" STATIC=$static \
            CFLAGS="-O2 $strict" >"$dir.log" 2>&1 || { cat "$dir.log"; fail "$ex $how: make"; }
        bin=$dir/$exe
        ;;
    esac
    so=$(linked_to "$bin")
    case $how in
      *-shared) [ -n "$so" ] && [ "$(cd "$(dirname "$so")" && pwd)" = "$(cd "$libdir" && pwd)" ] ||
                  fail "$ex $how: loads '$so', not the installed libaiasim.so" ;;
      *-static) [ -z "$so" ] || fail "$ex $how: linked statically but loads $so" ;;
    esac
    run "$ex $how" "$bin" "$dir.out"
    if [ -z "$ref" ]; then
      ref=$dir.out
    else
      cmp -s "$ref" "$dir.out" || { diff "$ref" "$dir.out" || true; fail "$ex: $how prints something else"; }
    fi
    say "$ex: $how ok"
  done
  say "$ex: $(grep -m 1 hash "$ref")"
done
# Without the path, make stops with a message instead of building with
# empty flags (checked when the default path does not hold an aiasim).
if ! env -u PKG_CONFIG_PATH pkg-config --exists aiasim 2>/dev/null; then
  dir=$tmp/nopath
  cp -r "$src/examples/custom-hook" "$dir"
  if env -u PKG_CONFIG_PATH make -C "$dir" >"$dir.log" 2>&1; then
    cat "$dir.log"; fail "make without PKG_CONFIG_PATH succeeded"
  fi
  grep -q "pkg-config does not find aiasim" "$dir.log" || { cat "$dir.log"
    fail "make without PKG_CONFIG_PATH: no clear message"; }
  say "make without PKG_CONFIG_PATH stops with a message: ok"
fi

# A consumer of the shared library needs no libyaml pkg-config file, and
# finding aiasim sets no YAML_* variable in the consumer (cache included).
dir=$tmp/noyaml
mkdir -p "$tmp/emptypc"
cmake -E env PKG_CONFIG_LIBDIR="$tmp/emptypc" PKG_CONFIG_PATH= \
  cmake -S "$src/examples/custom-hook" -B "$dir" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON -DAIASIM_EXAMPLE_SHARED=ON \
        -DCMAKE_C_FLAGS="$strict" >"$dir.log" 2>&1 || { cat "$dir.log"
  fail "shared consumer without yaml-0.1.pc: configure"; }
cmake --build "$dir" >>"$dir.log" 2>&1 || { cat "$dir.log"; fail "shared consumer without yaml-0.1.pc: build"; }
run "custom-hook shared, no yaml-0.1.pc" "$dir/custom_hook" "$dir.out"
if grep -q '^YAML_' "$dir/CMakeCache.txt"; then
  grep '^YAML_' "$dir/CMakeCache.txt"; fail "finding aiasim left YAML_* entries in the consumer's cache"
fi
say "shared consumer without libyaml's pkg-config file: ok"

say "all examples built and ran against the installed library"
