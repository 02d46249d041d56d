"""``python -m conformance diff OLD.json NEW.json``: what changed between two JSON reports.

For a maintainer comparing two releases of a parser (or two runs of the
matrix): both files are ``python -m conformance run --report json`` reports or
``python -m conformance matrix --json`` reports (``report.schema.json``; a
report without ``schema_version``, from before it existed, reads as a ``run``
report).  Printed, sorted by parser then fixture: every fixture whose status
changed (``PARSER FIXTURE: OLD -> NEW``, ``absent`` where a fixture or a parser
is in one report only), then ``N changed, R regressions`` (a regression: passed
before, failed now).  Exit status 1 when there is a regression, 2 when a file
cannot be read, else 0.  Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

__all__ = ["changes", "main", "statuses"]

ABSENT = "absent"


def statuses(report: Dict[str, Any]) -> Dict[Tuple[str, str], str]:
    """{(parser name, fixture): status} of a run or matrix report."""
    version = report.get("schema_version", 1)
    if version != 1:
        raise ValueError(f"unknown schema_version {version!r} (this kit reads 1)")
    parsers = report.get("parsers") if report.get("report") == "matrix" else report.get("adapters")
    if not isinstance(parsers, list):
        raise ValueError("not a conformance report: no 'adapters' or 'parsers' list")
    out: Dict[Tuple[str, str], str] = {}
    for parser in parsers:
        for result in parser.get("results", []):
            out[(str(parser["name"]), str(result["fixture"]))] = str(result["status"])
    return out


def changes(old: Dict[str, Any], new: Dict[str, Any]) -> List[Tuple[str, str, str, str]]:
    """(parser, fixture, old status, new status) for every difference, sorted."""
    before, after = statuses(old), statuses(new)
    keys = sorted(set(before) | set(after))
    return [
        (parser, fixture, before.get((parser, fixture), ABSENT), after.get((parser, fixture), ABSENT))
        for parser, fixture in keys
        if before.get((parser, fixture), ABSENT) != after.get((parser, fixture), ABSENT)
    ]


def _load(path: Path) -> Dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    return doc


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m conformance diff", description=__doc__.split("\n")[0])
    p.add_argument("old", type=Path)
    p.add_argument("new", type=Path)
    args = p.parse_args(argv)
    try:
        found = changes(_load(args.old), _load(args.new))
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for parser, fixture, before, after in found:
        print(f"{parser} {fixture}: {before} -> {after}")
    regressions = sum(1 for *_, before, after in found if before == "passed" and after == "failed")
    print(f"{len(found)} changed, {regressions} regressions")
    return 1 if regressions else 0
