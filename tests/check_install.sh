#!/usr/bin/env bash
# cmake --install ships the man page (it renders with man -l, without
# warnings, and documents every command), the docs and the bundled
# scenarios, and the installed aiasim runs an installed scenario.
set -eu
build=$1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/aiasim-inst.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "check_install: FAIL: $*" >&2; exit 1; }
cmake --install "$build" --prefix "$tmp" >"$tmp.log" 2>&1 || { cat "$tmp.log"; rm -f "$tmp.log"; fail "cmake --install"; }
rm -f "$tmp.log"
page=$tmp/share/man/man1/aiasim.1
[ -f "$page" ] || fail "no man page at share/man/man1/aiasim.1"
command -v man >/dev/null || fail "man is not installed (scripts/deps.sh installs man-db)"
warn=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || true
[ -z "$warn" ] || fail "man page warnings: $warn"
text=$(MANWIDTH=80 man -l "$page" 2>/dev/null)
for w in "aiasim run" "aiasim check" "aiasim explore" "aiasim merge" "EXIT STATUS" "--progress"; do
  printf '%s' "$text" | grep -q -- "$w" || fail "the man page does not mention '$w'"
done
for f in share/doc/aiasim/scenarios.md share/doc/aiasim/measurements.md share/doc/aiasim/README.md \
         share/aiasim/scenarios/oversubscribed.yaml share/aiasim/explore/one-vcpu-two-harts.yaml; do
  [ -f "$tmp/$f" ] || fail "not installed: $f"
done
n=$(ls "$tmp/share/aiasim/scenarios" | wc -l)
[ "$n" -eq "$(ls "$(dirname "$0")/../examples/scenarios"/*.yaml | wc -l)" ] || fail "only $n scenarios installed"
if [ -x "$tmp/bin/aiasim" ]; then
  "$tmp/bin/aiasim" check "$tmp/share/aiasim/scenarios/oversubscribed.yaml" >/dev/null ||
    fail "the installed aiasim rejects an installed scenario"
fi
echo "check_install: man page, docs and scenarios installed"
