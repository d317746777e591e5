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
runs=$(grep -c '"run":' j1.json)
[ "$runs" -ge 16 ] || { echo "only $runs runs"; exit 1; }
for k in 0 1 2; do "$aiasim" run "$scn" --quiet --shard $k/3 --json s$k.json; done
"$aiasim" merge merged.json s2.json s0.json s1.json
cmp j1.json merged.json
# Merging the same shard twice is refused.
if "$aiasim" merge bad.json s0.json s0.json 2>/dev/null; then echo "duplicate runs accepted"; exit 1; fi
echo "jobs and shards: $runs runs identical"
