"""What every benchmark script shares: its run's metadata, its report's header, its outputs, cold runs.

The scripts (``bench_parser.py``, ``bench_chat.py``, ``bench_responses.py``, ``bench_client.py``,
``bench_scale.py``) each measure something else, but describe a run the same way:

* ``select``: the contenders a ``--contenders`` (or ``--parsers``) comma list keeps, the
  reference always included; an unknown name stops the run.
* ``run_metadata`` / ``finish_metadata``: the run's environment, recorded at the start and
  completed at the end: Python version, **implementation and its own version**
  (``platform.python_implementation()``; PyPy's is ``sys.pypy_version_info``, which is not the
  Python language version it implements), platform, CPUs, date, load average at start and end
  (and a warning when the machine was already busy), sse_pplx's version and the folder it was
  imported from, the peers' distribution versions, the wall time.
* ``title`` / ``header_lines``: the report's first lines, which name the implementation, so a
  table pasted from a PyPy run says it is PyPy.
* ``add_output_options`` / ``write_outputs``: the Markdown report to stdout (or stderr when the JSON goes to stdout,
  ``--json -``) and to ``--markdown PATH``, the JSON payload to ``--json PATH``.
* ``cold_runs``: R fresh processes of a script, each timing its first run (the figure a
  short-lived process sees: on PyPy, before the JIT has compiled anything).
* ``Timings``: the median and best of a row's rounds.
* formatting: ``ratio_of``, ``fmt_ratio``, ``rate``; ``progress`` to stderr.

Standard library only; imports on Python 3.8 and PyPy 3.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, TypeVar

TIMES = "\u00d7"  # MULTIPLICATION SIGN, as in "4.1 times slower"
REPO_ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def repo_on_path() -> None:
    """Benchmark the working tree this file lives in, even when another copy is installed."""
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))


def progress(text: str, prefix: bool = True) -> None:
    """Progress goes to stderr (the report to stdout), indented unless ``prefix`` is false."""
    sys.stderr.write(("  " if prefix else "") + text)
    sys.stderr.flush()


# --- choosing contenders ----------------------------------------------------------------------


def select(items: Sequence[T], spec: Optional[str], always: str, key: Callable[[T], str]) -> List[T]:
    """The items a comma list ``spec`` names (all when it is empty), ``always`` included, in their order."""
    if not spec:
        return list(items)
    wanted = set(spec.split(",")) | {always}
    unknown = wanted - {key(item) for item in items}
    if unknown:
        raise SystemExit(f"unknown contender(s): {', '.join(sorted(unknown))}")
    return [item for item in items if key(item) in wanted]


# --- timings ---------------------------------------------------------------------------------


class Timings:
    """A mixin for a dataclass with a ``times: list[float]`` field (seconds, one per round)."""

    times: List[float]

    @property
    def median(self) -> Optional[float]:
        return statistics.median(self.times) if self.times else None

    @property
    def best(self) -> Optional[float]:
        return min(self.times) if self.times else None


# --- the run's metadata -----------------------------------------------------------------------


def interpreter() -> Dict[str, str]:
    """The implementation and its own version: CPython's is the Python version, PyPy's is not."""
    implementation = platform.python_implementation()
    version = platform.python_version()
    own = version
    pypy = getattr(sys, "pypy_version_info", None)
    if pypy is not None:
        own = ".".join(str(part) for part in pypy[:3])
        if pypy.releaselevel != "final":
            own += f"-{pypy.releaselevel}{pypy.serial}"
    label = f"{implementation} {own}" + ("" if own == version else f" (Python {version})")
    return {"python": version, "implementation": implementation, "implementation_version": own, "interpreter": label}


def loadavg() -> str:
    """The 1-, 5- and 15-minute load averages, or ``n/a``."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def busy(loadavg_text: str, cpus: Optional[int]) -> str:
    """A warning when other processes were already using the CPUs before the run started."""
    try:
        load = float(loadavg_text.split()[0])
    except (ValueError, IndexError):
        return ""
    if cpus and load >= 0.5 * cpus:
        return (
            f"the machine was already busy when the run started (1-min load {load:.2f} on {cpus} CPUs): single "
            "rounds can vary by 2x; compare within a cell, and for close ratios look at the paired and best "
            "ratios too"
        )
    return ""


def versions(dists: Iterable[str]) -> str:
    """``name version`` of each distribution, ``(not installed)`` where it is missing."""
    out = []
    for dist in dists:
        try:
            out.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{dist} (not installed)")
    return ", ".join(out)


def _sse_pplx_origin() -> str:
    repo_on_path()
    try:
        import sse_pplx
    except ImportError as exc:
        return f"not available ({exc})"
    return f"{sse_pplx.__version__} from {os.path.dirname(sse_pplx.__file__ or '')}"


def run_metadata(dists: Iterable[str], **extra: Any) -> Dict[str, Any]:
    """The environment at the start of a run; ``extra`` (the script's settings) is appended."""
    cpus = os.cpu_count()
    meta: Dict[str, Any] = {
        **interpreter(),
        "platform": platform.platform(terse=True),
        "cpus": cpus,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "loadavg_start": loadavg(),
        "sse_pplx": _sse_pplx_origin(),
        "peers": versions(sorted(set(dists), key=str.lower)),
    }
    meta.update(extra)
    return meta


def finish_metadata(meta: Dict[str, Any], started: float) -> None:
    """Add the wall time since ``started`` (``time.perf_counter()``), the end load and the busy warning."""
    meta["wall_time_s"] = round(time.perf_counter() - started, 1)
    meta["loadavg_end"] = loadavg()
    meta["busy"] = busy(meta["loadavg_start"], meta["cpus"])


# --- the report -------------------------------------------------------------------------------


def title(text: str, meta: Dict[str, Any]) -> str:
    """The report's first line; it names the implementation (``on PyPy 7.3.11``)."""
    return f"# {text} on {meta['implementation']} {meta['implementation_version']}"


def header_lines(meta: Dict[str, Any]) -> List[str]:
    """Interpreter, machine, date and load; sse_pplx's origin; the peers' versions."""
    return [
        f"- {meta['interpreter']} on {meta['platform']}, {meta['cpus']} CPUs, {meta['date']}; "
        f"load average {meta['loadavg_start']} at start, {meta.get('loadavg_end', 'n/a')} at end",
        f"- sse_pplx: {meta['sse_pplx']}",
        f"- peers: {meta['peers'] or 'none'}",
    ]


def ratio_of(a: Optional[float], b: Optional[float]) -> Optional[float]:
    """``a / b``, or None when either is missing or zero."""
    return a / b if a and b else None


def fmt_ratio(value: Optional[float]) -> str:
    return "n/a" if value is None else f"{value:.2f}{TIMES}"


def verdict(ratio: Optional[float], meets: Optional[bool]) -> str:
    """The ratio with a check mark when the target is met, a cross when not; ``n/a`` without a ratio."""
    if ratio is None:
        return "n/a"
    return f"{ratio:.2f}{TIMES} {'✓' if meets else '✗'}"


def rate(value: float) -> str:
    """``1.23M``, ``456k``: three significant digits."""
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}"


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--json PATH and --markdown PATH, as ``write_outputs`` honours them."""
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON ('-' = stdout)")
    parser.add_argument("--markdown", metavar="PATH", help="also write the Markdown report to a file")


def write_outputs(report: str, markdown: Optional[str], json_path: Optional[str], payload: Any) -> None:
    """The report to stdout and ``markdown``; ``payload`` as JSON to ``json_path`` (``-``: stdout, report to stderr)."""
    (sys.stderr if json_path == "-" else sys.stdout).write(report)
    if markdown:
        Path(markdown).write_text(report, encoding="utf-8")
    if json_path:
        text = json.dumps(payload, indent=2) + "\n"
        if json_path == "-":
            sys.stdout.write(text)
        else:
            Path(json_path).write_text(text, encoding="utf-8")


# --- cold runs ----------------------------------------------------------------------------------


def cold_runs(script: Path, arguments: List[str], repeats: int, timeout: float) -> List[Dict[str, Any]]:
    """``repeats`` fresh processes of ``script`` (this interpreter) with ``arguments``, each its JSON line.

    The child times its first run and prints one JSON object as its last line of stdout; a
    child that fails or prints none gives ``{"error": ...}`` (the tail of its stderr).
    """
    results: List[Dict[str, Any]] = []
    for _ in range(repeats):
        try:
            done = subprocess.run(
                [sys.executable, str(script), *arguments], capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            results.append({"error": f"no result in {timeout:g} s"})
            continue
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            tail = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
            results.append({"error": tail[0]})
            continue
        results.append(json.loads(lines[-1]))
    return results


def emit_child_result(result: Dict[str, Any]) -> None:
    """A cold child's one JSON line (what ``cold_runs`` reads)."""
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()
