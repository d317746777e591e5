#!/usr/bin/env bash
# Runs the unit and model test programs under valgrind memcheck: any error
# or any definitely/indirectly lost block fails. Usage: scripts/valgrind.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
AIASIM_DEPS_EXTRA=valgrind bash "$(dirname "$0")/deps.sh"
fail=0
n=0
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  case "$(basename "$t")" in
    test_hw_random|test_kvm_eras|test_oracle) args=() ;;  # slow under valgrind but run anyway
    *) args=() ;;
  esac
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
