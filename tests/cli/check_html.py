#!/usr/bin/env python3
"""Checks a page written by `aiasim run --html` against the JSON report and
the text report of the same command line:

- the page is well-formed (it is written as XML-compatible HTML), runs no
  script and loads nothing: no <script>, no src/href attribute, no url()
  or @import in its style;
- the verdict is the text report's verdict line;
- panel "latency" and panel "wake_latency" hold one figure each, with one
  series per policy, in the report's order, whose sample count, p50, p99
  and max are the report's;
- for each policy a panel "occupancy-<policy>" holds one figure with the
  series guest, host and idle, each with one path per drawn hart; each
  hart's three times add up to the same span, within duration..duration +
  drain, and some hart spent time in a guest;
- panel "kick_cost" holds one figure, one series per policy, whose bars
  carry the report's kick IPIs, kick exits, guest time lost to kicks (us),
  IPIs and VM exits;
- a sweep (more than one point) has a panel "sweep" with one series per
  policy of as many points as the report has; a single point has none.

usage: check_html.py PAGE.html REPORT.json TEXT_REPORT
Exit status 0 when every check holds, 1 (and what failed) otherwise.
"""
import json
import re
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
failures = []


def fail(msg):
    failures.append(msg)


def panels(root):
    out = {}
    for sec in root.iter("section"):
        if "panel" in sec.get("class", "").split():
            out[sec.get("id")] = sec
    return out


def figures(sec):
    return [e for e in sec.iter(SVG + "svg") if e.get("class") == "figure"]


def series(fig):
    return [e for e in fig.iter(SVG + "g") if e.get("class") == "series"]


def one_figure(pans, pid):
    sec = pans.get(pid)
    if sec is None:
        fail(f"no panel {pid}")
        return None
    figs = figures(sec)
    if len(figs) != 1:
        fail(f"panel {pid}: {len(figs)} figures, expected 1")
        return None
    return figs[0]


def close(a, b):
    return abs(a - b) <= max(1e-9, 0.006 * max(abs(a), abs(b)))


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    text = open(argv[1], encoding="utf-8").read()
    report = json.load(open(argv[2], encoding="utf-8"))
    textrep = open(argv[3], encoding="utf-8").read()
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        print(f"check_html: {argv[1]}: not well-formed: {e}", file=sys.stderr)
        return 1

    # Self-contained.
    for e in root.iter():
        tag = e.tag.split("}")[-1]
        if tag == "script":
            fail("a <script> element")
        for a in e.attrib:
            if a.split("}")[-1] in ("src", "href"):
                fail(f"<{tag}> has a {a} attribute")
        if tag == "style" and e.text and re.search(r"url\(|@import", e.text):
            fail("the style loads something")

    runs = report["runs"]
    hz = report["clock_hz"]
    first = runs[0]["point"] if runs else None
    rows = [r for r in runs if r["point"] == first]
    pols = [r["policy"] for r in rows]
    npoints = len({json.dumps(r["point"], sort_keys=True) for r in runs})

    # Verdict.
    m = re.search(r"^verdict: (.*)$", textrep, re.M)
    v = root.find(".//*[@id='verdict']")
    if m is None or v is None or (v.text or "").strip() != m.group(1).strip():
        fail(f"verdict differs: page {v.text if v is not None else None!r},"
             f" text {m.group(1) if m else None!r}")

    pans = panels(root)
    for pid, key in (("latency", "latency_cycles"), ("wake_latency", "wake_latency_cycles")):
        fig = one_figure(pans, pid)
        if fig is None:
            continue
        ser = series(fig)
        if [s.get("data-name") for s in ser] != pols:
            fail(f"{pid}: series {[s.get('data-name') for s in ser]}, policies {pols}")
            continue
        for s, r in zip(ser, rows):
            h = r[key]
            for attr, field in (("data-count", "count"), ("data-p50", "p50"),
                                ("data-p99", "p99"), ("data-max", "max")):
                if int(s.get(attr, "-1")) != h[field]:
                    fail(f"{pid} {s.get('data-name')}: {attr} {s.get(attr)}, report {h[field]}")
            lines = list(s.iter(SVG + "polyline"))
            if (h["count"] > 0) != (len(lines) == 1):
                fail(f"{pid} {s.get('data-name')}: {len(lines)} curves for {h['count']} samples")

    lo, hi = report["duration"], report["duration"] + report["drain"]
    for r in rows:
        pid = "occupancy-" + r["policy"]
        fig = one_figure(pans, pid)
        if fig is None:
            continue
        ser = series(fig)
        if [s.get("data-name") for s in ser] != ["guest", "host", "idle"]:
            fail(f"{pid}: series {[s.get('data-name') for s in ser]}")
            continue
        per = [{int(p.get("data-hart")): int(p.get("data-cycles"))
                for p in s.iter(SVG + "path")} for s in ser]
        if not per[0] or any(set(x) != set(per[0]) for x in per):
            fail(f"{pid}: the series do not cover the same harts")
            continue
        spans = {h: per[0][h] + per[1][h] + per[2][h] for h in per[0]}
        if len(set(spans.values())) != 1:
            fail(f"{pid}: harts cover different spans {sorted(set(spans.values()))}")
        span = next(iter(spans.values()))
        if not lo <= span <= hi:
            fail(f"{pid}: span {span} outside duration {lo} .. duration + drain {hi}")
        if sum(per[0].values()) == 0:
            fail(f"{pid}: no hart spent any time in a guest")

    fig = one_figure(pans, "kick_cost")
    if fig is not None:
        ser = series(fig)
        if [s.get("data-name") for s in ser] != pols:
            fail(f"kick_cost: series {[s.get('data-name') for s in ser]}, policies {pols}")
        else:
            for s, r in zip(ser, rows):
                want = [r["kick_ipis"], r["kick_exits"],
                        r["guest_cycles_lost_to_kicks"] * 1e6 / hz, r["ipis"], r["vm_exits"]]
                bars = [float(b.get("data-value")) for b in s.iter(SVG + "rect")]
                if len(bars) != 5 or not all(close(a, b) for a, b in zip(bars, want)):
                    fail(f"kick_cost {s.get('data-name')}: bars {bars}, report {want}")

    if npoints > 1:
        fig = one_figure(pans, "sweep")
        if fig is not None:
            ser = series(fig)
            if [s.get("data-name") for s in ser] != pols:
                fail(f"sweep: series {[s.get('data-name') for s in ser]}, policies {pols}")
            for s in ser:
                n = sum(1 for r in runs if r["policy"] == s.get("data-name"))
                pts = " ".join(p.get("points", "") for p in s.iter(SVG + "polyline")).split()
                if int(s.get("data-points", "-1")) != n or len(pts) != n:
                    fail(f"sweep {s.get('data-name')}: {len(pts)} points, report {n}")
    elif "sweep" in pans:
        fail("a sweep panel for a single point")

    for f in failures:
        print(f"check_html: {argv[1]}: {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
