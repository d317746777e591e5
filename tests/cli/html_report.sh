#!/usr/bin/env bash
# aiasim run --html: the page of each scenario given is checked against
# the JSON and text reports of the same run (check_html.py); a page with a
# series removed or a figure's number changed is refused; an output that
# cannot be written stops the command with status 2 and leaves nothing.
# usage: html_report.sh AIASIM CHECK_HTML.py OUTDIR SCENARIO...
set -u
aiasim=$1 check=$2 out=$3
shift 3
rm -rf "$out" && mkdir -p "$out" || exit 1
n=0
for scn in "$@"; do
  n=$((n + 1))
  "$aiasim" run "$scn" --html "$out/$n.html" --json "$out/$n.json" > "$out/$n.txt" || {
    echo "html_report.sh: $scn: aiasim run failed"; exit 1; }
  python3 "$check" "$out/$n.html" "$out/$n.json" "$out/$n.txt" || exit 1
  ls "$out"/*.tmp* > /dev/null 2>&1 && { echo "html_report.sh: a temporary file was left"; exit 1; }
done
# The checker bites: one series fewer, one count changed, a script added.
python3 - "$out/1.html" "$out" <<'PY' || exit 1
import re, sys
s = open(sys.argv[1]).read()
lat = s.index('id="latency"')
g = s.index('<g class="series"', lat)
end = s.index('</g>', g) + 4
open(sys.argv[2] + "/t1.html", "w").write(s[:g] + s[end:])
open(sys.argv[2] + "/t2.html", "w").write(re.sub(r'data-count="(\d+)"',
    lambda m: 'data-count="%d"' % (int(m.group(1)) + 1), s, count=1))
open(sys.argv[2] + "/t3.html", "w").write(s.replace("</body>", "<script>1</script></body>"))
PY
for t in t1 t2 t3; do
  if python3 "$check" "$out/$t.html" "$out/1.json" "$out/1.txt" 2> /dev/null; then
    echo "html_report.sh: the tampered page $t passed"; exit 1
  fi
done
# Outputs that cannot be written (a path refused before any run, a full
# device after): status 2, the path named, no temporary file left.
for bad in "$out/no/such/dir/p.html" "$out" /dev/full; do
  "$aiasim" run "$1" --quiet --html "$bad" 2> "$out/err.txt"
  rc=$?
  if [ $rc -ne 2 ] || ! grep -q "cannot write $bad" "$out/err.txt"; then
    echo "html_report.sh: --html $bad: status $rc, $(cat "$out/err.txt")"; exit 1
  fi
done
ls "$out"/*.tmp* > /dev/null 2>&1 && { echo "html_report.sh: a temporary file was left"; exit 1; }
echo "html_report.sh: ok ($n pages)"
