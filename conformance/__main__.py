"""``python -m conformance``: run the fixtures against parsers; serve and record streams.

Subcommands::

    python -m conformance run [--adapter NAME ...] [--cmd "COMMAND"] [--fixtures DIR] [--category CAT ...]
                              [--report table|json|junit] [--output FILE] [--seed N] [--quick]
    python -m conformance serve ...    # conformance/serve.py (replay / fault-injection server)
    python -m conformance record ...   # conformance/record.py (save a live stream as a fixture)
    python -m conformance fuzz ...     # conformance/fuzz.py (seeded differential fuzzing against the oracle)
    python -m conformance browser ...  # conformance/browser.py (expected events vs headless Chromium)
    python -m conformance matrix ...   # conformance/matrix.py (every parser x every fixture -> RESULTS.md, README)
    python -m conformance diff OLD.json NEW.json  # conformance/diff.py (fixtures whose status changed)

``run`` prints the report (to ``--output FILE`` if given), then, as its very
last line, ``N passed, M failed``.  It exits 1 when anything failed, 2 when no
adapter could run or the arguments are wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Callable, List, Optional

from .adapters import ADAPTERS, Adapter, AdapterUnavailable, CommandAdapter, make_adapter
from .chunkings import DEFAULT_SEED
from .fixture import FIXTURES_DIR, FixtureError, iter_fixtures
from .runner import RunConfig, format_report, run_adapter, totals

#: Subcommands implemented in other modules, each exposing ``main(argv) -> int``.
SUBCOMMANDS = {
    "serve": "conformance.serve",
    "record": "conformance.record",
    "browser": "conformance.browser",
    "fuzz": "conformance.fuzz",
    "matrix": "conformance.matrix",
    "diff": "conformance.diff",
}


def _run_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m conformance run",
        description="Run the SSE conformance fixtures against one or more parsers.",
    )
    p.add_argument(
        "--adapter",
        action="append",
        default=[],
        metavar="NAME",
        help=f"a built-in adapter ({', '.join(ADAPTERS)}) or MODULE:FACTORY; repeatable (default: sse_pplx)",
    )
    p.add_argument(
        "--cmd",
        action="append",
        default=[],
        metavar="COMMAND",
        help="a parser subprocess speaking conformance/PROTOCOL.md; repeatable",
    )
    p.add_argument("--fixtures", type=Path, default=None, help=f"fixtures folder (default: {FIXTURES_DIR})")
    p.add_argument("--category", action="append", default=None, metavar="CAT", help="only this category; repeatable")
    p.add_argument("--report", choices=("table", "json", "junit"), default="table")
    p.add_argument("--output", type=Path, default=None, help="write the report to FILE instead of standard output")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"seed of the random chunkings (default {DEFAULT_SEED})"
    )
    p.add_argument("--quick", action="store_true", help="fewer chunkings: 2 random, splits up to 16 bytes, no 3-way")
    return p


def _available(label: str, make: Callable[[], Adapter]) -> Optional[Adapter]:
    try:
        return make()
    except AdapterUnavailable as exc:
        print(f"skipped {label}: {exc}", file=sys.stderr)
        return None


def run_main(argv: List[str]) -> int:
    args = _run_parser().parse_args(argv)
    try:
        fixtures = list(iter_fixtures(args.fixtures, args.category))
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    if not fixtures:
        print(f"error: no fixtures found in {args.fixtures or FIXTURES_DIR}", file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    specs = list(args.adapter)
    if not specs and not args.cmd:
        specs = ["sse_pplx"]
    adapters: List[Adapter] = []
    makers = [(f"adapter {spec}", lambda spec=spec: make_adapter(spec)) for spec in specs]
    makers += [(f"--cmd {command!r}", lambda command=command: CommandAdapter(command)) for command in args.cmd]
    for label, make in makers:
        adapter = _available(label, make)
        if adapter is not None:
            adapters.append(adapter)
    if not adapters:
        print("error: no adapter could run", file=sys.stderr)
        print("0 passed, 0 failed")
        return 2
    config = RunConfig(seed=args.seed, quick=args.quick)
    try:
        reports = [run_adapter(adapter, fixtures, config) for adapter in adapters]
    finally:
        for adapter in adapters:
            adapter.shutdown()
    text = format_report(reports, args.report, config)
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    passed, failed, skipped = totals(reports)
    if skipped:
        print(f"{skipped} skipped")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = (
        "usage: python -m conformance {run,serve,record,browser,fuzz,matrix,diff} [options]"
        "  (python -m conformance run --help)"
    )
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run_main(rest)
    if command in SUBCOMMANDS:
        try:
            module = importlib.import_module(SUBCOMMANDS[command])
        except ImportError as exc:
            print(f"error: {command} is not available ({exc})", file=sys.stderr)
            return 2
        return int(module.main(rest))
    print(f"error: unknown command {command!r}\n{usage}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
