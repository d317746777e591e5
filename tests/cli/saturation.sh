#!/usr/bin/env bash
# A saturated injector is reported as what it is: the JSON's injector
# object says saturated with the MSIs still waiting, the text report warns,
# and those MSIs are not lost interrupts (lost_interrupts stays far below
# them). With a small backlog the excess is refused and counted, and the
# backlog never exceeds it.
# usage: saturation.sh AIASIM SATURATED.yaml OUTDIR
set -u
aiasim=$1 scn=$2 out=$3
rm -rf "$out" && mkdir -p "$out" || exit 1
"$aiasim" run "$scn" --json "$out/r.json" > "$out/r.txt"
[ $? -le 1 ] || { echo "saturation.sh: run failed"; exit 1; }
grep -q "warning: kick: the injector hart is saturated" "$out/r.txt" ||
  { echo "saturation.sh: no warning in the text report"; exit 1; }
python3 - "$out/r.json" <<'PY' || exit 1
import json, sys
runs = json.load(open(sys.argv[1]))["runs"]
for r in runs:
    q = r["injector"]
    assert q["saturated"] and q["waiting"] > 1000, q
    assert q["queued"] == q["injected"] + q["waiting"], q
    assert q["queued"] == r["msis"], (q, r["msis"])
    # Every MSI is claimed, coalesced, still waiting for the injector, or lost.
    assert r["lost_interrupts"] <= r["msis"] - r["claimed"] - r["coalesced"] - q["waiting"] + 0, r
    assert r["lost_interrupts"] < q["waiting"] / 10, (r["lost_interrupts"], q["waiting"])
    assert q["utilization"] > 1.0, q
PY
"$aiasim" run "$scn" --quiet --set host.injector_backlog=100 --json "$out/b.json"
[ $? -le 1 ] || { echo "saturation.sh: run with a backlog of 100 failed"; exit 1; }
python3 - "$out/b.json" <<'PY' || exit 1
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    q = r["injector"]
    assert q["refused"] > 1000 and q["backlog_max"] == 100 and q["waiting"] <= 100, q
    assert q["saturated"], q
PY
echo "saturation.sh: ok"
