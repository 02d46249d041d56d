"""Import-cost benchmark: what ``import sse_pplx`` costs a fresh interpreter.

What it measures
    * The cumulative import time of ``sse_pplx`` as reported by
      ``python -X importtime -c "import sse_pplx"`` (the ``cumulative`` column of the
      line whose package is ``sse_pplx``), median over ``--runs`` fresh subprocesses.
    * Which of the heavy stdlib modules ``http.client``, ``ssl`` and ``json`` the import
      pulls in (none is expected: the parser core needs none of them). This is read
      from ``sys.modules`` in a separate fresh interpreter, minus what the interpreter
      had already loaded before the import.
    * With ``--peers``, the same cumulative figure for the peer parsers' modules
      (top-level packages sseclient, httpx_sse, requests_sse, openai, perplexity), for context.
    * With ``--tree``, the ``-X importtime`` lines of sse_pplx's own import subtree.

The subprocesses run with the repository root as working directory, so the
``sse_pplx`` of this checkout is the one imported.

Usage
    python benchmarks/bench_import.py [--runs 10] [--peers] [--tree] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("http.client", "ssl", "json")
PEERS = ("sseclient", "httpx_sse", "requests_sse", "openai", "perplexity")

_PROBE = """
import sys
before = set(sys.modules)
import {module}
after = set(sys.modules)
for name in {heavy!r}:
    print(name, name in after, name in before)
"""


# An installed package has its bytecode compiled at install time.  Give the
# subprocesses a private bytecode cache (PYTHONPYCACHEPREFIX keeps the checkout
# clean, and overrides a PYTHONDONTWRITEBYTECODE in the environment), warmed by
# one untimed import, so that compiling the sources is never what is measured.
_PYCACHE = tempfile.mkdtemp(prefix="sse_pplx-bench-pycache-")
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_ENV["PYTHONPYCACHEPREFIX"] = _PYCACHE
_warmed: set[str] = set()


def _importtime_lines(module: str) -> list[str]:
    if module not in _warmed:
        subprocess.run([sys.executable, "-c", f"import {module}"], cwd=REPO_ROOT, env=_ENV, check=True)
        _warmed.add(module)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=REPO_ROOT,
        env=_ENV,
        capture_output=True,
        text=True,
        check=True,
    )
    # Each line: "import time:       self [us] |  cumulative | imported package"
    return [line for line in proc.stderr.splitlines() if line.count("|") == 2]


def _index_of(lines: list[str], module: str) -> int:
    for index, line in enumerate(lines):
        if line.split("|")[2].strip() == module:
            return index
    raise RuntimeError(f"no importtime line for {module!r}")


def importtime_us(module: str) -> int:
    """Cumulative µs of ``module``'s own line in one ``-X importtime`` run."""
    lines = _importtime_lines(module)
    return int(lines[_index_of(lines, module)].split("|")[1])


def import_tree(module: str) -> list[str]:
    """The ``-X importtime`` lines of everything imported under ``module`` (post-order)."""
    lines = _importtime_lines(module)
    end = _index_of(lines, module)

    def depth(line: str) -> int:
        name = line.split("|")[2]
        return len(name) - len(name.lstrip())

    start = end
    while start > 0 and depth(lines[start - 1]) > depth(lines[end]):
        start -= 1
    return lines[start : end + 1]


def median_importtime(module: str, runs: int) -> tuple[float, list[int]]:
    samples = [importtime_us(module) for _ in range(runs)]
    return statistics.median(samples), samples


def heavy_modules(module: str) -> dict[str, dict[str, bool]]:
    """For each of HEAVY: loaded after the import, and already loaded before it."""
    code = _PROBE.format(module=module, heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    result: dict[str, dict[str, bool]] = {}
    for line in proc.stdout.splitlines():
        name, after, before = line.split()
        result[name] = {"after": after == "True", "before": before == "True"}
    return result


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="fresh interpreters per module (default 10)")
    parser.add_argument("--peers", action="store_true", help="also time the peer parsers' imports")
    parser.add_argument("--tree", action="store_true", help="print the sse_pplx import subtree of one run")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    results: dict[str, object] = {"python": sys.version.split()[0], "runs": args.runs}
    try:
        median, samples = median_importtime("sse_pplx", args.runs)
    except (subprocess.CalledProcessError, RuntimeError) as exc:
        print(f"cannot import sse_pplx: {exc}", file=sys.stderr)
        return 1
    heavy = heavy_modules("sse_pplx")
    pulled = [name for name, seen in heavy.items() if seen["after"] and not seen["before"]]
    print(
        f"import sse_pplx: median {median:,.0f} µs cumulative over {args.runs} fresh interpreters "
        f"(min {min(samples):,} µs, max {max(samples):,} µs)"
    )
    print(f"heavy modules pulled in by the import ({', '.join(HEAVY)}): {', '.join(pulled) or 'none'}")
    results["sse_pplx"] = {"median_us": median, "samples_us": samples, "heavy_imported": pulled}
    if args.tree:
        print("\n".join(import_tree("sse_pplx")))
    if args.peers:
        peers: dict[str, object] = {}
        for module in PEERS:
            try:
                peer_median, peer_samples = median_importtime(module, args.runs)
            except (subprocess.CalledProcessError, RuntimeError):
                print(f"import {module}: not available")
                continue
            print(f"import {module}: median {peer_median:,.0f} µs cumulative")
            peers[module] = {"median_us": peer_median, "samples_us": peer_samples}
        results["peers"] = peers
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
