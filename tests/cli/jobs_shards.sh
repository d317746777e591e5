#!/usr/bin/env bash
# A sweep of many points: --jobs 2 and --jobs 1 give byte-identical JSON
# (and CSV); three shards merged give the unsharded report byte for byte.
set -eu
aiasim=$1
scn=$2
out=$3
mkdir -p "$out"
cd "$out"
rm -f *.json *.csv
"$aiasim" run "$scn" --quiet --jobs 1 --json j1.json --csv j1.csv
"$aiasim" run "$scn" --quiet --jobs 2 --json j2.json --csv j2.csv
cmp j1.json j2.json
cmp j1.csv j2.csv
# The text report too, and three threads (the runs go through a window of
# 32 points per thread, so this sweep's 241 points wrap it several times).
"$aiasim" run "$scn" --jobs 1 > t1.txt
"$aiasim" run "$scn" --jobs 3 --json j3.json > t3.txt
cmp t1.txt t3.txt
cmp j1.json j3.json
# One point on more threads than runs, many times: the threads start before
# the point is published, the race a lost wake-up once hung (seen under
# ThreadSanitizer, whose timing makes it likely).
for i in $(seq 40); do
  timeout 60 "$aiasim" run "$scn" --quiet --jobs $((2 + i % 3)) --set sweep.offset.from=0 \
    --set sweep.offset.to=0 --json one.json ||
    { echo "a one-point sweep on $((2 + i % 3)) threads failed or hung (status $?)"; exit 1; }
done
# A run that fails (a budget too small) stops the sweep with status 2 on
# any number of threads, and no report is left behind.
for j in 1 2; do
  rc=0
  "$aiasim" run "$scn" --quiet --jobs $j --max-events 50 --json fail.json 2> fail.txt || rc=$?
  [ "$rc" = 2 ] || { echo "--jobs $j with a budget too small: status $rc"; cat fail.txt; exit 1; }
  grep -q "budget" fail.txt || { echo "no budget message"; cat fail.txt; exit 1; }
  [ ! -e fail.json ] || { echo "a failed sweep left its report"; exit 1; }
done
runs=$(grep -c '"run":' j1.json)
[ "$runs" -ge 16 ] || { echo "only $runs runs"; exit 1; }
for k in 0 1 2; do "$aiasim" run "$scn" --quiet --shard $k/3 --json s$k.json; done
"$aiasim" merge merged.json s2.json s0.json s1.json
cmp j1.json merged.json
# Refused, each with its reason: a shard twice, a shard missing, a shard of
# another sweep (an override), of another shard count, an unsharded report.
refuse() {
  local why=$1
  shift
  if "$aiasim" merge bad.json "$@" 2> err.txt; then echo "merge accepted: $why"; exit 1; fi
  grep -q -- "$why" err.txt || { echo "merge: no '$why' in: $(cat err.txt)"; exit 1; }
  [ ! -e bad.json ] || { echo "merge wrote a report it refused"; exit 1; }
}
refuse "given twice" s0.json s0.json s1.json s2.json
refuse "shard 1/3 is missing" s0.json s2.json
"$aiasim" run "$scn" --quiet --shard 1/3 --set timing.vm_exit=3001 --json s1x.json
refuse "another sweep" s0.json s1x.json s2.json
"$aiasim" run "$scn" --quiet --shard 1/2 --json s1y.json
refuse "is of 3 shards" s0.json s1y.json s2.json
refuse "not a shard" s0.json j1.json
echo "jobs and shards: $runs runs identical"
