#!/usr/bin/env bash
# The command line: help, version, bad options (exit 2, nothing on stdout),
# --set overrides, and exit 1 when an expect fails.
set -u
aiasim=$1
scn=$2
fail=0
t() { # want-status description command...
  local want=$1 what=$2; shift 2
  "$@" >/tmp/aiasim-u-$$.out 2>/tmp/aiasim-u-$$.err
  local rc=$?
  if [ $rc -ne "$want" ]; then echo "FAIL $what: exit $rc, want $want"; cat /tmp/aiasim-u-$$.err; fail=1; fi
  if [ "$want" -eq 2 ] && [ -s /tmp/aiasim-u-$$.out ]; then echo "FAIL $what: wrote to stdout"; fail=1; fi
}
t 0 help "$aiasim" --help
grep -q "usage: aiasim run" /tmp/aiasim-u-$$.out || { echo "FAIL help text"; fail=1; }
t 0 version "$aiasim" --version
grep -q "^aiasim [0-9]" /tmp/aiasim-u-$$.out || { echo "FAIL version text"; fail=1; }
t 2 "no arguments" "$aiasim"
t 2 "unknown command" "$aiasim" frobnicate x.yaml
t 2 "unknown option" "$aiasim" run "$scn/idle-guests.yaml" --frob
t 2 "bad policy" "$aiasim" run "$scn/idle-guests.yaml" --policy fast
t 2 "bad jobs" "$aiasim" run "$scn/idle-guests.yaml" --jobs 0
t 2 "bad shard" "$aiasim" run "$scn/idle-guests.yaml" --shard 3/3
t 2 "missing file" "$aiasim" check /nonexistent/x.yaml
t 2 "bad --set path" "$aiasim" check "$scn/idle-guests.yaml" --set timing.vm_exitt=5
t 2 "bad --set value" "$aiasim" check "$scn/idle-guests.yaml" --set seed=abc
t 0 "--set override" "$aiasim" run "$scn/idle-guests.yaml" --quiet --set duration=2ms --seed 3
# An expect that cannot hold: exit 1.
t 1 "expect fails" "$aiasim" run "$scn/era-c-migration-race.yaml" --quiet --set kernel=B
# The same seed twice: the same report.
"$aiasim" run "$scn/idle-guests.yaml" --quiet --json /tmp/aiasim-u-$$.a.json
"$aiasim" run "$scn/idle-guests.yaml" --quiet --json /tmp/aiasim-u-$$.b.json
cmp -s /tmp/aiasim-u-$$.a.json /tmp/aiasim-u-$$.b.json || { echo "FAIL same seed, different report"; fail=1; }
"$aiasim" run "$scn/idle-guests.yaml" --quiet --seed 2 --json /tmp/aiasim-u-$$.c.json
cmp -s /tmp/aiasim-u-$$.a.json /tmp/aiasim-u-$$.c.json && { echo "FAIL seed 2 gave seed 1's report"; fail=1; }
# explore: bad input, a clean era C, eras A/B with counterexamples that
# reproduce with run.
ex=$scn/../explore/one-vcpu-two-harts.yaml
t 2 "explore: no file" "$aiasim" explore
t 2 "explore: depth 0" "$aiasim" explore "$ex" --depth 0
t 2 "explore: depth 9" "$aiasim" explore "$ex" --depth 9
t 2 "explore: budget 0" "$aiasim" explore "$ex" --budget 0
t 2 "explore: bad budget" "$aiasim" explore "$ex" --budget 5x
t 2 "explore: bad window" "$aiasim" explore "$ex" --window 2ms:1ms
t 2 "explore: no vCPU" "$aiasim" explore "$scn/../../tests/scenario/scenario_md.yaml" --set vms=
t 2 "explore: empty window" "$aiasim" explore "$ex" --window 5ms:6ms --policy nokick
t 0 "explore: era C clean" "$aiasim" explore "$ex" --depth 2 --quiet --policy nokick
mkdir -p /tmp/aiasim-u-$$.out.d
t 1 "explore: era A loses" "$aiasim" explore "$ex" --depth 1 --set kernel=A --policy nokick \
  --quiet --out /tmp/aiasim-u-$$.out.d
f=/tmp/aiasim-u-$$.out.d/one-vcpu-two-harts-nokick-lost-wakeup.yaml
[ -s "$f" ] && [ -s "${f%.yaml}.json" ] || { echo "FAIL explore: no counterexample written"; fail=1; }
t 1 "explore: the counterexample reproduces" "$aiasim" run "$f" --policy nokick --quiet
grep -q "lost wake-ups" /tmp/aiasim-u-$$.err || { echo "FAIL explore: the replay did not lose"; fail=1; }
# explore's progress: none off a terminal by default; --progress ends each
# policy with a line on stderr, and stdout is the same report.
t 0 "explore: no progress off a terminal" "$aiasim" explore "$ex" --depth 2 --policy nokick
[ -s /tmp/aiasim-u-$$.err ] && { echo "FAIL explore: progress printed without --progress"; fail=1; }
cp /tmp/aiasim-u-$$.out /tmp/aiasim-u-$$.xref
t 0 "explore --progress" "$aiasim" explore "$ex" --depth 2 --policy nokick --progress
grep -q "^aiasim: explore nokick: done, [0-9]* schedules" /tmp/aiasim-u-$$.err ||
  { echo "FAIL explore --progress: no final line"; cat /tmp/aiasim-u-$$.err; fail=1; }
sed 's/, [0-9.]* s ([0-9]* schedules\/s)//' /tmp/aiasim-u-$$.out > /tmp/aiasim-u-$$.x1
sed 's/, [0-9.]* s ([0-9]* schedules\/s)//' /tmp/aiasim-u-$$.xref > /tmp/aiasim-u-$$.x2
cmp -s /tmp/aiasim-u-$$.x1 /tmp/aiasim-u-$$.x2 || { echo "FAIL explore --progress changed the report"; fail=1; }
# Progress: stderr is no terminal here, so none by default; --progress
# prints (at least) the final line, and the report on stdout is the same.
t 0 "no progress off a terminal" "$aiasim" run "$scn/idle-guests.yaml" --set duration=2ms --json -
[ -s /tmp/aiasim-u-$$.err ] && { echo "FAIL progress printed without --progress"; fail=1; }
cp /tmp/aiasim-u-$$.out /tmp/aiasim-u-$$.ref
t 0 "--progress" "$aiasim" run "$scn/idle-guests.yaml" --set duration=2ms --json - --progress
grep -q "^aiasim: 100% simulated (.* ms), 2/2 runs, [0-9.]* s$" /tmp/aiasim-u-$$.err ||
  { echo "FAIL --progress: no final line"; cat /tmp/aiasim-u-$$.err; fail=1; }
cmp -s /tmp/aiasim-u-$$.out /tmp/aiasim-u-$$.ref || { echo "FAIL --progress changed stdout"; fail=1; }
t 0 "--progress --quiet" "$aiasim" run "$scn/idle-guests.yaml" --set duration=2ms --quiet --progress
grep -q "2/2 runs" /tmp/aiasim-u-$$.err || { echo "FAIL --progress with --quiet: silent"; fail=1; }
rm -rf /tmp/aiasim-u-$$.*
[ $fail -eq 0 ] && echo "command line: ok"
exit $fail
