#!/usr/bin/env bash
# Options and messages: an override's error names the override as typed
# (--seed, --set), a list item of a list that is not in the file, the
# scenario on standard input (check -, run -), "--" before a file whose name
# starts with "-", -V, a trace window past the end, list MSIs past the end.
# usage: options.sh AIASIM SCENARIO_DIR OUTDIR
set -u
aiasim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1") scn=$2/idle-guests.yaml out=$3
rm -rf "$out" && mkdir -p "$out" || exit 1
. "$(dirname "$0")/expect.sh"
expect 2 '--seed -1: error: seed: "-1" must not be negative' "$aiasim" run "$scn" --seed -1 --quiet
expect 2 "--set timing.vm_exit=abc: error: vm_exit:" "$aiasim" check "$scn" --set timing.vm_exit=abc
expect 2 "--set host.noise.0.busy=1ms: error: 'host.noise' is not in the file, so it has no item 0" \
  "$aiasim" check "$scn" --set host.noise.0.busy=1ms
expect 0 "" sh -c "'$aiasim' check - < '$scn'"
expect 0 "" sh -c "'$aiasim' run - --quiet --policy kick --json '$out/stdin.json' < '$scn'"
"$aiasim" run "$scn" --quiet --policy kick --json "$out/file.json" || bad "run of the file failed"
sed 's/"scenario": "[^"]*"//' "$out/stdin.json" > "$out/a" && sed 's/"scenario": "[^"]*"//' "$out/file.json" > "$out/b"
cmp -s "$out/a" "$out/b" || bad "the run from stdin differs from the run of the file"
printf 'aiasim: 1\nname: x\nduration: 1zz\n' > "$out/bad.yaml"
expect 2 '<stdin>:3:11: error: duration: "1zz" is not a duration' sh -c "'$aiasim' check - < '$out/bad.yaml'"
expect 2 "-: the input is larger than 64 MiB" sh -c "head -c 70000000 /dev/zero | '$aiasim' check -"
cp "$scn" "$out/-odd.yaml"
expect 0 "" sh -c "cd '$out' && '$aiasim' check -- -odd.yaml"
expect 2 "unknown option '-odd.yaml'" sh -c "cd '$out' && '$aiasim' check -odd.yaml"
"$aiasim" -V | grep -q '^aiasim [0-9]' || bad "-V prints no version"
expect 2 "FROM is at or after the end of the run" "$aiasim" run "$scn" --quiet --trace "$out/t.json" \
  --trace-window 1s:2s
printf 'aiasim: 1\nname: x\nduration: 1ms\nvms: [ { name: vm0 } ]\ndevices: [ { name: late, vm: vm0, pattern: list, at: [ { at: 1000s }, { at: 10us } ] } ]\n' > "$out/late.yaml"
expect 0 "warning: device late: 1 of its 2 list MSIs are at or after the end of the run" \
  "$aiasim" check "$out/late.yaml"
finish
