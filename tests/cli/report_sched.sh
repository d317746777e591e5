#!/usr/bin/env bash
# The scheduler statistics of the JSON report hold together (report_sched.c)
# on each scenario given; a report with one per-vCPU figure changed fails.
set -eu
aiasim=$1
check=$2
out=$3
shift 3
mkdir -p "$out"
for scn in "$@"; do
  n=$(basename "$scn" .yaml)
  "$aiasim" run "$scn" --quiet --json "$out/$n.json"
  "$check" "$out/$n.json"
done
# The checker bites: a digit appended to the first vCPU's nr_switches breaks the sum.
sed -E '0,/"sched_vcpus": \[\{ "vm": 0, "vcpu": 0, "sched": \{ "run_time": [0-9]+, "run_delay": [0-9]+, "nr_switches": [0-9]+/s//&1/' \
  "$out/$n.json" > "$out/tampered.json"
if cmp -s "$out/$n.json" "$out/tampered.json"; then
  echo "report_sched.sh: the tampering did not apply"; exit 1
fi
if "$check" "$out/tampered.json" 2>/dev/null; then
  echo "report_sched.sh: a tampered report passed"; exit 1
fi
echo "report_sched.sh: ok"
