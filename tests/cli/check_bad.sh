#!/usr/bin/env bash
# Every malformed scenario under tests/bad: `aiasim check` exits 2, prints
# nothing on stdout, and its first stderr line is the expected one.
set -u
aiasim=$1
dir=$2
cd "$dir" || exit 2
fail=0
n=0
while IFS=$'\t' read -r file want; do
  [ -n "$file" ] || continue
  n=$((n + 1))
  out=$("$aiasim" check "$file" 2>/tmp/aiasim-bad-$$.err)
  rc=$?
  got=$(head -n 1 /tmp/aiasim-bad-$$.err)
  if [ $rc -ne 2 ] || [ -n "$out" ] || [ "$got" != "$want" ]; then
    echo "FAIL $file: exit $rc (want 2), stdout '${out:0:60}'"
    echo "  want: $want"
    echo "  got:  $got"
    fail=$((fail + 1))
  fi
done < expected.txt
# The 10 MB input is made here, not committed.
big=/tmp/aiasim-big-$$.yaml
{ echo "aiasim: 1"; echo "name: big"; echo "duration: 1ms"; echo "vms:";
  for i in $(seq 1 200000); do echo "  - { name: v$i, vcpus: 1 }"; done; } > "$big"
head -c 10000000 "$big" > "$big.cut"
"$aiasim" check "$big.cut" > /tmp/aiasim-big-$$.out 2>/dev/null
rc=$?
if [ $rc -ne 2 ] || [ -s /tmp/aiasim-big-$$.out ]; then
  echo "FAIL 10 MB input: exit $rc (want 2: truncated YAML or too many VMs)"
  fail=$((fail + 1))
fi
n=$((n + 1))
rm -f "$big" "$big.cut" /tmp/aiasim-big-$$.out /tmp/aiasim-bad-$$.err
echo "$((n - fail)) passed, $fail failed"
[ $fail -eq 0 ]
