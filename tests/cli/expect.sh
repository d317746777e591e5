# tests/cli/expect.sh: sourced by the CLI test scripts. Needs $out (a
# directory for the command's output). `bad MSG` records a failure;
# `expect STATUS PATTERN CMD...` runs CMD (at most 120 s), checks its exit
# status and that its stderr holds PATTERN (a fixed string; empty: no
# check); `finish` prints ok or fails.
fails=0
me=$(basename "$0")
bad() { echo "$me: $*"; fails=$((fails + 1)); }
expect() {
  local want=$1 pat=$2
  shift 2
  timeout 120 "$@" > "$out/stdout" 2> "$out/stderr"
  local rc=$?
  [ "$rc" -ne 124 ] || bad "$*: still running after 120 s"
  [ "$rc" -eq "$want" ] || bad "$*: status $rc, expected $want ($(head -c 300 "$out/stderr"))"
  [ -z "$pat" ] || grep -qF -- "$pat" "$out/stderr" || bad "$*: no '$pat' in: $(head -c 300 "$out/stderr")"
}
finish() {
  [ $fails -eq 0 ] && echo "$me: ok"
  exit $((fails > 0))
}
