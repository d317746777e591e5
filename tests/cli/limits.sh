#!/usr/bin/env bash
# Budgets (docs/limits.md): hostile but valid-looking inputs are refused
# up front by check and run alike, with the budget named and status 2; a
# run that outgrows its event budget stops with status 2 and writes no
# report; a long sweep runs in flat memory (under ulimit -v); each command
# under a time limit of 120 s.
# usage: limits.sh AIASIM SCENARIO_DIR OUTDIR [SANITIZERS]
# With SANITIZERS (a sanitizer build, whose shadow memory needs terabytes
# of address space) the sweep runs without ulimit -v.
set -u
aiasim=$1 scn=$2 out=$3 san=${4:-}
rm -rf "$out" && mkdir -p "$out" || exit 1
. "$(dirname "$0")/expect.sh"
cat > "$out/flood.yaml" <<'Y'
aiasim: 1
name: flood
duration: 1000s
vms: [ { name: vm0, vcpus: 2 } ]
devices: [ { name: d, vm: vm0, pattern: poisson, rate: 1G/s } ]
Y
for cmd in check run; do
  expect 2 "the event budget of a run is 4000000000 (max_events); raise it with --max-events" \
    "$aiasim" $cmd "$out/flood.yaml" --quiet
done
expect 0 "" "$aiasim" check "$out/flood.yaml" --max-events 0
cat > "$out/points.yaml" <<'Y'
aiasim: 1
name: points
duration: 1ms
policy: [kick, nokick, wake_first]
vms: [ { name: vm0, vcpus: 1, guest: { behaviour: idle } } ]
sweep: { offset: { vm: vm0, vcpu: 0, from: 0, to: 9999999, step: 1 } }
Y
for cmd in check run; do
  expect 2 "the sweep has 10000000 points; the budget is 1000000 (max_points)" \
    "$aiasim" $cmd "$out/points.yaml" --quiet
done
expect 0 "" "$aiasim" check "$out/points.yaml" --max-points 0
{ echo "aiasim: 1"; echo "name: big"; echo "duration: 1ms"; echo "platform: { harts: 4096 }"; echo "vms:"
  for i in $(seq 1 300); do echo "  - { name: v$i, vcpus: 1024 }"; done; } > "$out/big.yaml"
for cmd in check run; do
  expect 2 "(max_memory); raise it with --max-memory" "$aiasim" $cmd "$out/big.yaml" --quiet --max-memory 1G
done
expect 0 "" "$aiasim" check "$out/big.yaml"
for v in abc -1 1X 1e30; do
  expect 2 "--max-memory $v: expected a number" "$aiasim" check "$scn/idle-guests.yaml" --max-memory "$v"
done
# A run that outgrows its event budget: status 2, the budget named, no report.
expect 2 "the event budget of 2000 events is spent" \
  "$aiasim" run "$scn/idle-guests.yaml" --quiet --max-events 2000 --json "$out/r.json"
grep -q -- "--max-events 2000" "$out/stderr" || bad "the hint names no --max-events"
[ -e "$out/r.json" ] && bad "a report was written by a run stopped by its budget"
# 100000 sweep points x 3 policies in 400 MB of address space: results are
# streamed, not held (holding them took 2.1 GB).
# Under a sanitizer (no ulimit: the memory bound is not what it checks)
# 10000 points are enough to run the streaming path.
points=100000
[ -n "$san" ] && points=10000
sed "s/to: 9999999/to: $((points - 1))/" "$out/points.yaml" > "$out/sweep.yaml"
limit="ulimit -v 400000"
[ -n "$san" ] && limit=:
($limit; exec "$aiasim" run "$out/sweep.yaml" --quiet --jobs 2 --csv "$out/sweep.csv") \
  2> "$out/stderr" || bad "the $points-point sweep failed under ulimit -v 400000: $(head -c 300 "$out/stderr")"
[ "$(wc -l < "$out/sweep.csv")" -eq $((3 * points + 1)) ] || bad "the sweep's CSV has $(wc -l < "$out/sweep.csv") lines"
finish
