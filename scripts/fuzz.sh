#!/usr/bin/env bash
# Fuzzes every target of tests/fuzz (fuzz_<name>.c) for SECONDS each.
#
# Usage: scripts/fuzz.sh [SECONDS]        (default 60; CI gives it 45, less on a slow machine)
#
# Configures a clang build with AIASIM_FUZZ=ON in build-fuzz/ (AIASIM_FUZZ_BUILD
# overrides it), builds the libFuzzer targets, and runs each one on a fresh copy
# of its committed corpus (tests/fuzz/corpus/<name>/) with
#   -max_total_time=SECONDS -seed=$FUZZ_SEED (default 1) -rss_limit_mb=2048
# and tests/fuzz/<name>.dict when there is one. Each run's log, grown corpus
# and any crashing input (crash-*, leak-*, timeout-*, oom-*) are left in
# BUILD/fuzz-runs/<name>/. Exits 1 if any target found something (after
# running all of them), 0 otherwise; prints one summary line per target.
# A crash is reproduced with:  BUILD/tests/fuzz/fuzz_<name> CRASH_FILE
set -euo pipefail
secs=${1:-60}
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
build=${AIASIM_FUZZ_BUILD:-$root/build-fuzz}
runs=$build/fuzz-runs

bash "$root/scripts/deps.sh" # clang and libclang-rt-14-dev are in its list

targets=()
for src in "$root"/tests/fuzz/fuzz_*.c; do
  n=$(basename "$src" .c)
  targets+=("${n#fuzz_}")
done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no target in tests/fuzz" >&2; exit 1; }

echo "fuzz: configuring $build (clang, AIASIM_FUZZ=ON)"
mkdir -p "$build"
CC=clang cmake -S "$root" -B "$build" -DAIASIM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAIASIM_BUILD_BENCH=OFF -DAIASIM_BUILD_EXAMPLES=OFF > "$build/fuzz-configure.log" 2>&1 ||
  { cat "$build/fuzz-configure.log" >&2; exit 1; }
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" \
  --target "${targets[@]/#/fuzz_}" > "$build/fuzz-build.log" 2>&1 ||
  { tail -n 40 "$build/fuzz-build.log" >&2; exit 1; }

# Stacks for UBSan reports too; every finding stops the run (and is kept).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

fail=0
for t in "${targets[@]}"; do
  dir=$runs/$t
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  if [ -d "$root/tests/fuzz/corpus/$t" ]; then
    cp -R "$root/tests/fuzz/corpus/$t/." "$dir/corpus/"
  fi
  args=(-max_total_time="$secs" -seed="${FUZZ_SEED:-1}" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1
        -artifact_prefix="$dir/")
  [ -f "$root/tests/fuzz/$t.dict" ] && args+=(-dict="$root/tests/fuzz/$t.dict")
  echo "fuzz: $t for ${secs} s"
  rc=0
  "$build/tests/fuzz/fuzz_$t" "${args[@]}" "$dir/corpus" > "$dir/log" 2>&1 || rc=$?
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$dir/log" | tail -n 1 || true)
  found=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' \
          -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
  if [ $rc -ne 0 ] || [ -n "$found" ]; then
    fail=1
    echo "fuzz: $t FOUND A PROBLEM (exit $rc); log: $dir/log"
    grep -E 'ERROR|SUMMARY|runtime error|check failed|Test unit written' "$dir/log" | head -n 20 || true
    for f in $found; do
      echo "fuzz: $t input: $f"
      echo "fuzz: reproduce: $build/tests/fuzz/fuzz_$t $f"
    done
  else
    execs=$(sed -n 's/.*stat::number_of_executed_units:[[:space:]]*//p' "$dir/log" | tail -n 1)
    echo "fuzz: $t clean: ${execs:-?} inputs in ${secs} s; ${done_line:-no DONE line}"
  fi
done
if [ $fail -ne 0 ]; then
  echo "fuzz: FAILED: see $runs/*/log; move each input above to tests/fuzz/crashes/<target>/"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${secs} s each: no finding"
