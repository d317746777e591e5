#!/usr/bin/env bash
# The verification table of docs/verification.md: `aiasim explore` over the
# scenarios of examples/explore/, every era and policy, at depth 2 (and
# depth 3 for the smallest), plus each fault switch on era C. Prints one
# Markdown row per exploration; the commands are in the table's first column.
#
#   bench/explore/verify.sh [AIASIM] [JOBS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
aiasim=${1:-$top/build/aiasim}
jobs=${2:-$(nproc)}
cd "$top"
row() { # scenario era faults policy depth
  local f=$1 era=$2 faults=$3 pol=$4 depth=$5 json extra=()
  [ "$faults" = "[]" ] || extra=(--set "faults=$faults")
  json=$("$aiasim" explore "examples/explore/$f.yaml" --depth "$depth" --jobs "$jobs" \
    --set "kernel=$era" "${extra[@]}" --policy "$pol" --quiet --json - || true)
  python3 - "$f" "$era" "$faults" "$pol" "$depth" "$json" <<'PY'
import json, sys
f, era, faults, pol, depth, text = sys.argv[1:]
r = json.loads(text)["runs"][0]
def found(k):
    return ("yes, depth %d" % r[k + "_depth"]) if r[k + "_found"] else "none"
print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.1f |" % (
    f, era, faults if faults != "[]" else "-", pol, depth,
    "yes" if r["complete"] else "no (budget)", format(r["schedules"], ","),
    format(r["states"], ","), r["choice_points"], found("lost_wakeup"),
    found("lost_interrupt"), r["seconds"]))
PY
}
echo "| scenario | era | faults | policy | depth | bound covered | schedules | states | choice points | lost wake-up | lost interrupt | s |"
echo "| --- | --- | --- | --- | ---: | --- | ---: | ---: | ---: | --- | --- | ---: |"
for f in one-vcpu-two-harts two-vcpus-two-harts two-vms-three-harts duty-two-vcpus swfile-fallback; do
  for era in A B C; do
    for pol in kick nokick wake_first; do
      row "$f" "$era" "[]" "$pol" 2
    done
  done
done
for pol in kick nokick wake_first; do
  row one-vcpu-two-harts C "[]" "$pol" 3
done
for fault in no_wakeon_hgei arm_after_sleep hgei_handler_no_kick migrate_drops_pending swfile_no_lock; do
  row two-vcpus-two-harts C "$fault" nokick 2
done
