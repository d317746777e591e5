#!/usr/bin/env python3
"""validate_report.py SCHEMA REPORT...: each REPORT (an `aiasim run --json`
output) is valid against SCHEMA (docs/report.schema.json), and says the
schema version the schema file is. Exit 1 naming the report and the path
of the first error, 2 when a file cannot be read."""
import json
import sys

import jsonschema


def main(argv):
    if len(argv) < 3:
        print("usage: validate_report.py SCHEMA REPORT...", file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as e:
        print(f"validate_report: {argv[1]}: {e}", file=sys.stderr)
        return 2
    v = jsonschema.Draft202012Validator(schema)
    want = schema["properties"]["report_schema"]["const"]
    bad = 0
    for path in argv[2:]:
        try:
            with open(path) as f:
                rep = json.load(f)
        except (OSError, ValueError) as e:
            print(f"validate_report: {path}: {e}", file=sys.stderr)
            return 2
        errs = sorted(v.iter_errors(rep), key=lambda e: list(e.path))
        if errs:
            e = errs[0]
            where = "/".join(str(p) for p in e.path) or "(top)"
            print(f"validate_report: {path}: {where}: {e.message} ({len(errs)} errors)", file=sys.stderr)
            bad = 1
        elif rep.get("report_schema") != want:
            print(f"validate_report: {path}: report_schema is not {want}", file=sys.stderr)
            bad = 1
    if not bad:
        print(f"validate_report: {len(argv) - 2} reports valid (schema {want})")
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv))
