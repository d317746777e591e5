#!/usr/bin/env bash
# Every report the command writes is valid against docs/report.schema.json:
# each bundled scenario (faults with their violations included), a sweep,
# and shards merged back. A report with a field taken out must fail.
set -eu
aiasim=$1
schema=$2
scn=$3
out=$4
python3 -c 'import jsonschema' 2>/dev/null || {
  echo "reports_valid: python3-jsonschema is missing (scripts/deps.sh installs it)"; exit 1; }
rm -rf "$out"
mkdir -p "$out"
for f in "$scn"/*.yaml; do
  n=$(basename "$f" .yaml)
  rc=0
  "$aiasim" run "$f" --quiet --json "$out/$n.json" || rc=$?
  [ $rc -le 1 ] || { echo "reports_valid: $n: exit $rc"; exit 1; }
done
"$aiasim" run "$scn/wfi-race-window.yaml" --quiet --jobs 2 --set sweep.offset.step=2000 --json "$out/sweep.json"
for k in 0 1; do "$aiasim" run "$scn/wfi-race-window.yaml" --quiet --shard $k/2 --json "$out/s$k.json"; done
"$aiasim" merge "$out/merged.json" "$out/s0.json" "$out/s1.json"
grep -q '"violations"' "$out"/fault-*.json || { echo "reports_valid: no report with violations"; exit 1; }
python3 "$(dirname "$0")/validate_report.py" "$schema" "$out"/*.json
# The schema bites: drop "drain" from a report.
sed 's/, "drain": [0-9]*//' "$out/idle-guests.json" > "$out/tampered.json.bad"
if python3 "$(dirname "$0")/validate_report.py" "$schema" "$out/tampered.json.bad" 2>/dev/null; then
  echo "reports_valid: a report without drain passed"; exit 1
fi
echo "reports_valid: ok"
