#!/usr/bin/env bash
# Every file the repository's docs, headers, sources and tests name exists:
# paths under docs/ include/ lib/ cli/ tests/ bench/ examples/ scripts/ cmake/
# (from the top of the tree; patterns, CAPITAL placeholders and the
# kernel's include/linux are skipped), and bare NAME.md (next to the referring file,
# or in docs/). DESIGN.md and SCENARIO.md are not part of the repository and
# may not be named at all. Exit 1 with file:line for each broken reference.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
bad=0
files=$(git ls-files 2>/dev/null || find . -type f -not -path './build*' | sed 's|^\./||')
for f in $files; do
  case $f in
    *.png|*.svg|*.gz|*.bin|tests/fuzz/corpus/*|tests/check_doc_refs.sh) continue ;;
  esac
  [ -f "$f" ] || continue
  grep -Iq . "$f" 2>/dev/null || continue # binary
  if grep -nE 'DESIGN\.md|SCENARIO\.md|DESIGN §' "$f" >/tmp/docrefs.$$ 2>/dev/null; then
    sed "s|^|$f:|; s|$| (a file outside the repository)|" /tmp/docrefs.$$
    bad=1
  fi
  # path-like references
  grep -noE '(^|[^A-Za-z0-9_./-])(docs|include|lib|cli|tests|bench|examples|scripts|cmake)/[A-Za-z0-9_./*{},-]*[A-Za-z0-9_*}]' "$f" 2>/dev/null |
  while IFS= read -r hit; do
    line=${hit%%:*}
    ref=${hit#*:}
    ref=$(printf '%s' "$ref" | sed -E 's|^[^A-Za-z0-9_./-]||')
    # patterns (x_*.c, {a,b}), placeholders (SCENARIO.yaml), the kernel's tree
    case $ref in *'*'*|*'{'*|include/linux/*|include/uapi/*) continue ;; esac
    printf '%s' "$ref" | grep -qE '(^|/)[A-Z][A-Z_]+\.[a-z]+$' && continue
    # a reference to a directory or a file, as written or relative to the referrer
    if [ ! -e "$ref" ] && [ ! -e "$(dirname "$f")/$ref" ]; then
      echo "$f:$line: $ref does not exist"
      echo x >>/tmp/docrefs.bad.$$
    fi
  done
  grep -noE '(^|[^A-Za-z0-9_./-])[A-Za-z0-9_-]+\.md\b' "$f" 2>/dev/null |
  while IFS= read -r hit; do
    line=${hit%%:*}
    ref=$(printf '%s' "${hit#*:}" | sed -E 's|^[^A-Za-z0-9_-]||')
    case $ref in DESIGN.md|SCENARIO.md) continue ;; esac
    if [ ! -e "$(dirname "$f")/$ref" ] && [ ! -e "docs/$ref" ] && [ ! -e "$ref" ]; then
      echo "$f:$line: $ref does not exist"
      echo x >>/tmp/docrefs.bad.$$
    fi
  done
done
[ -s /tmp/docrefs.bad.$$ ] && bad=1
rm -f /tmp/docrefs.$$ /tmp/docrefs.bad.$$
[ $bad -eq 0 ] && echo "check_doc_refs: every referenced file exists"
exit $bad
