#!/usr/bin/env bash
# The scenario reference is complete: every key the loader accepts (the
# F("key", ...) fields of lib/scenario/schema.c) is named in
# docs/scenarios.md, as `key` or as key: in an example.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
keys=$(grep -oE '^\s*F\("[a-z_0-9]+"' "$root/lib/scenario/schema.c" | sed -E 's/.*"([a-z_0-9]+)"/\1/' | sort -u)
[ -n "$keys" ] || { echo "check_scenario_doc: no keys found in schema.c"; exit 2; }
bad=0
n=0
for k in $keys; do
  n=$((n + 1))
  grep -qE "\`$k\`|(^|[^a-z_])$k:" "$root/docs/scenarios.md" || { echo "docs/scenarios.md: key '$k' is not documented"; bad=1; }
done
[ $bad -eq 0 ] && echo "check_scenario_doc: all $n keys documented"
exit $bad
