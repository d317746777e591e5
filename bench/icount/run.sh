#!/usr/bin/env bash
# The model's cost counted, not timed: instructions and simulated cache
# misses per engine step, under callgrind, for the workloads whose timings
# bench_throughput's targets are about. On a shared machine the wall-clock
# figures move by tens of per cent from one minute to the next; these do
# not: the same binary gives the same instruction counts run after run, and
# the same misses to a fraction of a per cent (where memory lands moves
# them a little), so a change to the model shows here as what it is.
#
#   bench/icount/run.sh [OUTDIR]      environment: BENCH (bench_throughput)
#
# Each (workload, records) pair is one run of bench_throughput --icount at
# the --quick length; callgrind counts only its timed part (the function
# timed_part: the warm-up and the building of the system are left out). The
# caches simulated are fixed, so the counts do not depend on the machine:
# 32 KiB 8-way L1 for instructions and for data, and a 1 MiB 16-way last
# level (the size of one core's L2 on the development machine, the cache a
# run has to itself on a shared host), 64-byte lines. Prints one line per
# run, then:
#   recording_share_ir   1 - Ir(no records) / Ir(stream and meter) on
#                        `running`: the instruction side of the
#                        recording_share target (<= 0.10 in time);
#   stream_share_ir, meter_share_ir   the same split in two;
#   ir_per_step_1024_over_64, ll_miss_per_step_1024_over_64   the two sides
#                        of cost_per_step_1024_over_64 (<= 1.25 in time).
# Needs valgrind (apt-get install valgrind). No targets: these are the
# figures behind the timed ones.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build-bench/icount}
bench=${BENCH:-$top/build-bench/bench/bench_throughput}
[ -x "$bench" ] || { echo "icount: $bench not found (make bench builds it)" >&2; exit 2; }
command -v valgrind > /dev/null || { echo "icount: valgrind not found (apt-get install valgrind)" >&2; exit 2; }
mkdir -p "$out"

# One counted run: prints "steps ir d1 ll" (d1: L1 data misses, ll:
# last-level misses, instruction and data).
count() { # workload records
  local f="$out/cg.$1.$2" line
  rm -f "$f"
  line=$(valgrind --tool=callgrind --toggle-collect=timed_part --cache-sim=yes \
           --I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64 \
           --callgrind-out-file="$f" "$bench" --icount "$1" "$2" 2> "$f.log") ||
    { echo "icount: $1 $2 failed (see $f.log)" >&2; exit 1; }
  local steps=${line##*steps=}
  steps=${steps%% *}
  # events: Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw (in the order the file names them)
  awk -v steps="$steps" '
    /^events:/ { for (i = 2; i <= NF; i++) col[$i] = i - 1 }
    /^summary:/ {
      printf "%s %s %s %s\n", steps, $(col["Ir"] + 1), $(col["D1mr"] + 1) + $(col["D1mw"] + 1),
             $(col["ILmr"] + 1) + $(col["DLmr"] + 1) + $(col["DLmw"] + 1)
    }' "$f"
}

declare -A ST IR LL
for w in running scale64 scale1024; do
  for r in full stream none; do
    read -r steps ir d1 ll < <(count "$w" "$r")
    ST[$w.$r]=$steps
    IR[$w.$r]=$ir
    LL[$w.$r]=$ll
    awk -v w="$w" -v r="$r" -v s="$steps" -v ir="$ir" -v d1="$d1" -v ll="$ll" 'BEGIN {
      printf "bench=icount workload=%s records=%s steps=%d ir=%d ir_per_step=%.1f " \
             "d1_miss_per_step=%.3f ll_miss_per_step=%.3f\n", w, r, s, ir, ir / s, d1 / s, ll / s }'
  done
done
awk -v full="${IR[running.full]}" -v stream="${IR[running.stream]}" -v none="${IR[running.none]}" 'BEGIN {
  printf "bench=icount workload=running recording_share_ir=%.3f stream_share_ir=%.3f meter_share_ir=%.3f\n",
         1 - none / full, (stream - none) / full, (full - stream) / full }'
awk -v a="${IR[scale1024.full]}" -v sa="${ST[scale1024.full]}" -v la="${LL[scale1024.full]}" \
    -v b="${IR[scale64.full]}" -v sb="${ST[scale64.full]}" -v lb="${LL[scale64.full]}" 'BEGIN {
  printf "bench=icount ir_per_step_1024_over_64=%.3f ll_miss_per_step_1024_over_64=%.2f " \
         "(ll misses per step %.3f at 64 harts, %.3f at 1,024)\n",
         (a / sa) / (b / sb), (lb > 0 ? (la / sa) / (lb / sb) : 0), lb / sb, la / sa }'
