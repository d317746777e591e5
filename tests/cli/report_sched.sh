#!/usr/bin/env bash
# The scheduler statistics of the JSON report hold together (report_sched.c)
# on each scenario given; a report with one per-vCPU figure changed fails.
set -eu
aiasim=$1
check=$2
out=$3
shift 3
mkdir -p "$out"
first=$1
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
# The CSV carries the same statistics: as many fields in every row as in
# the header, per run halt_wakeup == nr_wakeups == wakeups and exits ==
# vm_exits, and each halt histogram is 32 buckets that sum to its count.
"$aiasim" run "$first" --quiet --csv "$out/runs.csv"
awk -F, 'NR == 1 { n = NF; for (i = 1; i <= NF; i++) col[$i] = i; next }
         NF != n { print "report_sched.sh: CSV row " NR " has " NF " fields, header " n; bad = 1 }
         $(col["halt_wakeup"]) != $(col["wakeups"]) || $(col["nr_wakeups"]) != $(col["wakeups"]) {
           print "report_sched.sh: CSV row " NR ": wake-up counts differ"; bad = 1 }
         $(col["exits"]) != $(col["vm_exits"]) {
           print "report_sched.sh: CSV row " NR ": exits differ from vm_exits"; bad = 1 }
         { if (split($(col["halt_wait_hist"]), h, ";") != 32) {
             print "report_sched.sh: CSV row " NR ": halt_wait_hist has not 32 buckets"; bad = 1 }
           s = 0; for (b in h) s += h[b]
           if (s != $(col["halt_wakeup"])) {
             print "report_sched.sh: CSV row " NR ": halt_wait_hist sums to " s; bad = 1 } }
         END { if (NR < 3 || !("run_delay" in col) || !("swfile_msis" in col)) bad = 1; exit bad }' \
  "$out/runs.csv" || { echo "report_sched.sh: CSV check failed"; exit 1; }
echo "report_sched.sh: ok"
