#!/usr/bin/env bash
# A bundled scenario run twice with --jobs 1 and once with --jobs 2 gives the
# same report byte for byte (every run's trace_hash included).
set -eu
aiasim=$1
scn=$2
out=$3
mkdir -p "$out"
n=$(basename "$scn" .yaml)
"$aiasim" run "$scn" --quiet --jobs 1 --json "$out/$n.1.json" || [ $? = 1 ]
"$aiasim" run "$scn" --quiet --jobs 1 --json "$out/$n.2.json" || [ $? = 1 ]
"$aiasim" run "$scn" --quiet --jobs 2 --json "$out/$n.3.json" || [ $? = 1 ]
cmp "$out/$n.1.json" "$out/$n.2.json"
cmp "$out/$n.1.json" "$out/$n.3.json"
grep -q '"trace_hash": "[0-9a-f]\{16\}"' "$out/$n.1.json"
echo "$n: $(grep -c '"run":' "$out/$n.1.json") runs, identical reports and trace hashes"
