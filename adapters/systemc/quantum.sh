#!/usr/bin/env bash
# What the synchronisation quantum costs in accuracy: the example platform
# (adapters/systemc/examples/kick_vs_nokick.cpp, 390 MSIs over TLM in 20 ms)
# at quanta of 1 (exact) to 100,000 cycles, with its traffic generator
# loosely timed (a quantum keeper, writes annotated with its local time)
# and synced (each write issued at its time, no annotation).
#
#   adapters/systemc/quantum.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
bin=$build/adapters/systemc/aiasim_sc_platform
[ -x "$bin" ] || { echo "quantum.sh: $bin not found (configure with libsystemc-dev installed)" >&2; exit 2; }
printf '%-8s %-7s %6s %10s %10s %9s %9s %9s %9s %8s\n' quantum traffic late mean_late max_late \
  p50_kick p99_kick p50_nokick p99_nokick wall_s
for q in 1 10 100 1000 10000 100000; do
  for mode in annotated synced; do
    flag=""; [ $mode = synced ] && flag=--synced
    t0=$(date +%s.%N)
    out=$("$bin" --quantum $q $flag 2>/dev/null)
    t1=$(date +%s.%N)
    late=$(printf '%s\n' "$out" | awk '/^TLM writes late/ { print $(NF) }')
    by=$(printf '%s\n' "$out" | awk '/by \(cycles, in all/ { print $(NF) }')
    p50=$(printf '%s\n' "$out" | awk '/^latency p50/ { print $(NF-1), $(NF) }')
    p99=$(printf '%s\n' "$out" | awk '/^latency p99/ { print $(NF-1), $(NF) }')
    max=$(printf '%s\n' "$out" | awk '/by \(cycles, at most/ { print $(NF) }')
    mean=$(awk -v l="$late" -v b="$by" 'BEGIN { printf "%.0f", l ? b / l : 0 }')
    printf '%-8s %-7s %6s %10s %10s %9s %9s %9s %9s %8.3f\n' "$q" "$mode" "$late" "$mean" "$max" \
      ${p50%% *} ${p99%% *} ${p50##* } ${p99##* } "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
  done
done
