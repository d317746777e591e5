#!/usr/bin/env bash
# Every output of the command is checked: a report, trace, page or merge
# that cannot be written (a missing directory, a full device, a file-size
# limit) ends with status 2 and a message naming the path; a path that
# cannot be written is refused before any run; a failed write leaves the
# previous file intact and no temporary file behind; help and version
# output is checked too.
# usage: outputs.sh AIASIM SCENARIO_DIR OUTDIR
set -u
aiasim=$1 scn=$2/idle-guests.yaml sweep=$2/wfi-race-window.yaml out=$3
rm -rf "$out" && mkdir -p "$out" || exit 1
. "$(dirname "$0")/expect.sh"
for opt in --json --csv --html; do
  expect 2 "cannot write /dev/full: No space left" "$aiasim" run "$scn" --quiet $opt /dev/full
  expect 2 "cannot write $out/none/x: No such file" "$aiasim" run "$scn" --quiet $opt "$out/none/x"
  expect 2 "cannot write $out: it is a directory" "$aiasim" run "$scn" --quiet $opt "$out"
done
expect 2 "cannot write /dev/full" "$aiasim" run "$scn" --quiet --policy kick --trace /dev/full
expect 2 "cannot write /dev/full" "$aiasim" run "$scn" --quiet --policy kick --vcd /dev/full
expect 2 "2 runs write one trace each" "$aiasim" run "$scn" --quiet --trace /dev/full
expect 2 "cannot write $out/none/t-kick-0.json" "$aiasim" run "$scn" --quiet --trace "$out/none/t.json"
expect 2 "the text report: cannot write to standard output" sh -c "'$aiasim' run '$scn' > /dev/full"
expect 2 "cannot write to standard output" sh -c "'$aiasim' run '$scn' --quiet --json - > /dev/full"
expect 2 "cannot write to standard output" sh -c "'$aiasim' --help > /dev/full"
expect 2 "cannot write to standard output" sh -c "'$aiasim' --version > /dev/full"
expect 2 "cannot write to standard output" sh -c "'$aiasim' explore --help > /dev/full"
# Refused before any run: the trace a run would write first does not appear.
expect 2 "cannot write $out/none/r.json" "$aiasim" run "$scn" --quiet --trace "$out/t.json" \
  --json "$out/none/r.json"
ls "$out"/t-* > /dev/null 2>&1 && bad "a trace was written although an output was refused"
# A write that fails (file-size limit) keeps the previous report.
echo previous > "$out/keep.json"
expect 2 "cannot write $out/keep.json" bash -c "trap '' XFSZ; ulimit -f 4; exec '$aiasim' run '$scn' --quiet --json '$out/keep.json'"
[ "$(cat "$out/keep.json")" = previous ] || bad "the previous report was overwritten by a failed write"
# merge: its output, and its failure.
"$aiasim" run "$sweep" --quiet --shard 0/2 --json "$out/s0.json" &&
  "$aiasim" run "$sweep" --quiet --shard 1/2 --json "$out/s1.json" || bad "shard runs failed"
expect 2 "cannot write to standard output" sh -c "'$aiasim' merge - '$out/s0.json' '$out/s1.json' > /dev/full"
expect 2 "cannot write $out/none/m.json" "$aiasim" merge "$out/none/m.json" "$out/s0.json" "$out/s1.json"
# explore
expect 2 "cannot write /dev/full" "$aiasim" explore "$2/fault-no-wakeon-hgei.yaml" --depth 1 --quiet --json /dev/full
ls "$out"/*.tmp* > /dev/null 2>&1 && bad "temporary files left: $(ls "$out"/*.tmp*)"
finish
