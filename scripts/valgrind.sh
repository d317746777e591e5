#!/usr/bin/env bash
# Runs the unit and model test programs (tests/unit, tests/model) under
# valgrind memcheck: any error or any definitely/indirectly lost block fails.
# Usage: scripts/valgrind.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
AIASIM_DEPS_EXTRA=valgrind bash "$(dirname "$0")/deps.sh"
fail=0
n=0
src=$(cd "$(dirname "$0")/.." && pwd)
for c in "$src"/tests/unit/test_*.c "$src"/tests/model/test_*.c; do
  t="$build/tests/$(basename "$c" .c)"
  [ -x "$t" ] || continue
  args=()
  n=$((n + 1))
  if ! valgrind -q --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite,indirect \
       "$t" "${args[@]}" > "$build/valgrind-$(basename "$t").log" 2>&1; then
    echo "valgrind: $(basename "$t") FAILED (see $build/valgrind-$(basename "$t").log)"
    tail -n 20 "$build/valgrind-$(basename "$t").log"
    fail=1
  else
    echo "valgrind: $(basename "$t") clean"
  fi
done
echo "valgrind: $n programs, $([ $fail = 0 ] && echo '0 errors, 0 leaks' || echo FAILURES)"
exit $fail
