#!/usr/bin/env bash
# Every bundled scenario (examples/scenarios, tests/regress) run with its own
# seeds gives the trace_hash and the record count written in
# tests/regress/trace-hashes.txt, run by run, with the number of engine
# events it took. The engine may get faster, never
# different: a change to the event queue, the loop or the recording that
# reorders or drops one record changes a hash here.
# Usage: golden_hashes.sh AIASIM SOURCE_DIR OUT_DIR [--update]
# --update rewrites the file (for a deliberate change of the model; say why
# in the commit).
set -eu
aiasim=$1
src=$2
out=$3
update=${4:-}
golden=$src/tests/regress/trace-hashes.txt
mkdir -p "$out"
now=$out/trace-hashes.txt
: > "$now"
for f in "$src"/examples/scenarios/*.yaml "$src"/tests/regress/*.yaml; do
  n=${f#"$src"/}
  "$aiasim" run "$f" --quiet --jobs 2 --json "$out/one.json" || [ $? = 1 ]
  python3 - "$n" "$out/one.json" >> "$now" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    rep = json.load(f)
for r in rep["runs"]:
    point = "-" if r["point"] is None else json.dumps(r["point"], separators=(",", ":"), sort_keys=True)
    print(name, r["run"], r["policy"], point, r["events"], r["steps"], r["trace_hash"])
PY
done
if [ "$update" = --update ]; then
  { echo "# scenario run policy point records steps trace_hash (tests/cli/golden_hashes.sh)"; cat "$now"; } > "$golden"
  echo "golden_hashes: wrote $(wc -l < "$now") runs to $golden"
  exit 0
fi
if ! diff <(grep -v '^#' "$golden") "$now" > "$out/diff"; then
  echo "golden_hashes: the event stream changed (< expected, > now):"
  head -40 "$out/diff"
  exit 1
fi
echo "golden_hashes: $(wc -l < "$now") runs, every trace_hash as recorded"
