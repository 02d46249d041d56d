"""Throughput benchmark: sse_pplx against other Python SSE parsers, on the same bytes.

What it measures
    The time each parser takes to turn a pre-chunked SSE body into events, in one
    process, with no I/O: ``sse_pplx``, sseclient-py, httpx-sse, requests-sse, the
    openai and perplexityai SDK decoders, and a non-incremental split-on-blank-line
    baseline (the floor, not a parser). See ``_adapters.py`` for how each one is driven
    and ``_workloads.py`` for the (seeded, generated) inputs and chunkings.

How
    * Chunking is done before timing; only the parse is timed (``time.perf_counter``,
      gc enabled as normal, ``gc.collect()`` between rounds).
    * Per cell, a first round doubles as the correctness check: every adapter's
      ``(event, data)`` pairs are compared with the workload's ground truth (the events
      a spec-conforming parser must produce, which is what sse_pplx must produce too).
      A parser that disagrees is still timed, and its cell is marked ``*`` with a footnote.
    * The first round runs under a time budget (``--budget``, SIGALRM-based where
      available); a parser that exceeds it is reported as timed out and not repeated.
    * Otherwise the first round is a warm-up and ``--rounds`` more are timed, going
      round-robin over the parsers of a row so that machine noise is shared; the
      reported figure is their median. Cells whose first round took longer than
      ``--slow-threshold`` seconds count that round as a sample instead. Repeats stop
      early once the cell has spent ``--cell-budget`` seconds (first round included),
      so slow cells get fewer rounds; the table shows ``n=`` wherever fewer than
      ``--rounds`` rounds were timed. This keeps the default run under ~10 minutes on
      2 cores.
    * Each cell shows MB/s (10^6 bytes of input per second), events/s, and the time
      relative to sse_pplx in the same row (4.1 times = 4.1 times slower).

Usage
    python benchmarks/bench_parser.py [--quick] [--rounds N] [--json out.json] [--markdown out.md]

The Markdown report goes to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import signal
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import _report
from _adapters import Adapter, Pair, Runner, adapter, all_adapters
from _report import TIMES, progress, rate
from _workloads import CHUNKINGS, MIB, WORKLOADS, Workload, big_workload

REFERENCE = "sse_pplx"
BASELINE = "baseline"

FULL_MATRIX: dict[str, list[str]] = {name: list(CHUNKINGS) for name in WORKLOADS}
QUICK_MATRIX: dict[str, list[str]] = {
    "perplexity-lf": ["whole", "4096", "rand1-100"],
    "perplexity-crlf": ["4096", "rand1-100"],
    "tiny": ["4096"],
    "big": ["whole", "64"],
}


class CellTimeout(BaseException):
    """Raised by SIGALRM inside a timed round; BaseException so parsers cannot swallow it."""


@dataclass
class Cell:
    """The measurement of one parser on one (workload, chunking)."""

    workload: str
    chunking: str
    parser: str
    n_bytes: int
    n_events: int
    status: str = "ok"  # ok | timeout | error | skipped
    times: list[float] = field(default_factory=list)
    first_round: float | None = None
    first_round_counted: bool = False
    correct: bool = True
    spent: float = 0.0  # seconds this cell has run so far, first round included
    diff: str = ""
    error: str = ""

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None


# --- timing -------------------------------------------------------------------------------


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise CellTimeout in the block after ``seconds`` (no-op without SIGALRM)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise CellTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def timed_round(run: Runner, chunks: list[bytes], budget: float) -> tuple[float, list[Any]]:
    """One timed parse of ``chunks``; raises CellTimeout past ``budget`` seconds."""
    gc.collect()
    with deadline(budget):
        start = time.perf_counter()
        events = run(chunks)
        elapsed = time.perf_counter() - start
    if elapsed > budget:  # platforms without SIGALRM
        raise CellTimeout
    return elapsed, events


def describe_diff(got: list[Pair], expected: list[Pair]) -> str:
    """A one-line account of how ``got`` differs from ``expected`` ('' when equal)."""
    if got == expected:
        return ""
    count = f"{len(got):,} events vs {len(expected):,} expected"
    for index, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            return f"{count}; first difference at event #{index}: got {_short(g)}, expected {_short(e)}"
    index = min(len(got), len(expected))
    extra = got[index] if len(got) > index else expected[index]
    which = "extra" if len(got) > index else "missing"
    return f"{count}; {which} event #{index}: {_short(extra)}"


def _short(pair: Pair, width: int = 60) -> str:
    event, data = pair
    text = data if len(data) <= width else f"{data[:width]}… ({len(data):,} chars)"
    return repr((event, text))


@dataclass
class RoundPolicy:
    rounds: int
    budget: float
    slow_threshold: float
    cell_budget: float
    warmup: int = 0  # untimed rounds after the checked first round (PyPy's JIT)


def first_round(adapter: Adapter, workload: Workload, chunking: str, chunks: list[bytes], policy: RoundPolicy) -> Cell:
    """Run one parser once on ``chunks`` under the budget and check its output."""
    cell = Cell(workload.name, chunking, adapter.name, len(workload.body), len(workload.expected))
    if adapter.run is None:
        cell.status, cell.error = "skipped", adapter.skip_reason
        return cell
    try:
        first, events = timed_round(adapter.run, chunks, policy.budget)
        cell.diff = describe_diff(adapter.pairs(events), workload.expected)
    except CellTimeout:
        cell.status = "timeout"
        return cell
    except Exception as exc:  # a crashing peer is a finding, not a benchmark failure
        cell.status, cell.error = "error", f"{type(exc).__name__}: {exc}"
        return cell
    del events
    cell.first_round, cell.correct, cell.spent = first, not cell.diff, first
    if first >= policy.slow_threshold:  # too slow to throw away as a warm-up
        cell.first_round_counted = True
        cell.times.append(first)
        return cell
    try:
        for _ in range(policy.warmup):
            cell.spent += timed_round(adapter.run, chunks, policy.budget)[0]
    except CellTimeout:
        cell.status = "timeout"
    return cell


def _wants_round(cell: Cell, policy: RoundPolicy) -> bool:
    last = cell.times[-1] if cell.times else (cell.first_round or 0.0)
    return cell.status == "ok" and len(cell.times) < policy.rounds and cell.spent + last <= policy.cell_budget


def measure_row(
    adapters: list[Adapter], workload: Workload, chunking: str, chunks: list[bytes], policy: RoundPolicy
) -> list[Cell]:
    """All parsers on one (workload, chunking): a checked first round each, then timed rounds.

    The timed rounds go round-robin over the parsers, so a burst of noise on the machine
    is spread over the whole row instead of landing on one parser's cell.
    """
    cells = [first_round(adapter, workload, chunking, chunks, policy) for adapter in adapters]
    while True:
        todo = [(a.run, c) for a, c in zip(adapters, cells) if a.run is not None and _wants_round(c, policy)]
        if not todo:
            break
        for run, cell in todo:
            try:
                elapsed = timed_round(run, chunks, policy.budget)[0]
            except CellTimeout:
                cell.spent = float("inf")  # stop repeating; keep the rounds already timed
                continue
            cell.times.append(elapsed)
            cell.spent += elapsed
    for cell in cells:
        if cell.status == "ok" and not cell.times:  # every repeat ran past the budget
            cell.times.append(cell.first_round or 0.0)
            cell.first_round_counted = True
    return cells


def run_matrix(
    matrix: dict[str, list[str]], adapters: list[Adapter], policy: RoundPolicy
) -> tuple[list[Cell], dict[str, Workload]]:
    cells: list[Cell] = []
    workloads: dict[str, Workload] = {}
    for name, chunkings in matrix.items():
        workload = WORKLOADS[name]()
        workloads[name] = workload
        for chunking in chunkings:
            chunks = CHUNKINGS[chunking](workload.body)
            progress(f"{name} / {chunking} ({len(chunks):,} chunks)\n", prefix=False)
            row = measure_row(adapters, workload, chunking, chunks, policy)
            for cell in row:
                progress(f"{cell.parser:<13} {_cell_status(cell)}\n")
            cells.extend(row)
            del chunks
    return cells, workloads


def linearity_check(adapter: Adapter, sizes: tuple[int, int], policy: RoundPolicy) -> dict[str, Any]:
    """Time one event of each size fed 1 byte at a time; report the medians and their ratio.

    The two sizes alternate round by round (``--rounds`` each, at least 3), so machine noise
    hits both alike; the first, untimed pass of each checks the output.
    """
    result: dict[str, Any] = {"parser": adapter.name, "sizes": list(sizes), "times": [], "correct": []}
    if adapter.run is None:
        result["skipped"] = adapter.skip_reason
        return result
    inputs = []
    for size in sizes:
        workload = big_workload(size, name=f"big-{size // 1024}KiB")
        inputs.append((workload, CHUNKINGS["1"](workload.body)))
    samples: list[list[float]] = [[] for _ in sizes]
    try:
        for workload, chunks in inputs:
            events = timed_round(adapter.run, chunks, policy.budget)[1]
            result["correct"].append(adapter.pairs(events) == workload.expected)
            del events
        for _ in range(max(3, policy.rounds)):
            for times, (_, chunks) in zip(samples, inputs):
                times.append(timed_round(adapter.run, chunks, policy.budget)[0])
    except CellTimeout:
        result["skipped"] = f"a round exceeded the {policy.budget:g} s budget"
        return result
    result["samples"] = samples
    result["times"] = [statistics.median(times) for times in samples]
    small, large = result["times"]
    result["ratio"] = large / small
    result["ratio_of_minima"] = min(samples[1]) / min(samples[0])
    progress(f"linearity: {small:.3f} s, {large:.3f} s, ratio {large / small:.2f}\n", prefix=False)
    return result


# --- cold: the first round in a fresh process ----------------------------------------------


def measure_cold(warm: list[Cell], policy: RoundPolicy, repeats: int) -> list[Cell]:
    """Each warm cell that ran, again in ``repeats`` fresh processes timing their first round."""
    out: list[Cell] = []
    for warm_cell in warm:
        cell = Cell(warm_cell.workload, warm_cell.chunking, warm_cell.parser, warm_cell.n_bytes, warm_cell.n_events)
        if warm_cell.status != "ok":
            cell.status, cell.error = warm_cell.status, warm_cell.error
            out.append(cell)
            continue
        where = f"{cell.workload},{cell.chunking},{cell.parser}"
        arguments = ["--cold-child", where, "--budget", str(policy.budget)]
        for result in _report.cold_runs(Path(__file__), arguments, repeats, timeout=policy.budget + 300):
            if "error" in result:
                cell.error = result["error"]
            elif result["status"] == "timeout":
                cell.status = "timeout"
            else:
                cell.times.append(result["seconds"])
                if result["diff"]:
                    cell.correct, cell.diff = False, result["diff"]
        if cell.status == "ok" and not cell.times:
            cell.status = "error"
        progress(f"cold {where}: {_cell_status(cell)}\n")
        out.append(cell)
    return out


def cold_child(where: str, budget: float) -> int:
    """``--cold-child WORKLOAD,CHUNKING,PARSER``: one timed first round in this fresh process, one JSON line."""
    workload_name, chunking, name = where.split(",")
    workload = WORKLOADS[workload_name]()
    chunks = CHUNKINGS[chunking](workload.body)
    parser = adapter(name)
    if parser.run is None:
        raise SystemExit(f"{name} skipped: {parser.skip_reason}")
    try:
        seconds, events = timed_round(parser.run, chunks, budget)
    except CellTimeout:
        _report.emit_child_result({"status": "timeout", "seconds": None, "diff": ""})
        return 0
    _report.emit_child_result(
        {"status": "ok", "seconds": seconds, "diff": describe_diff(parser.pairs(events), workload.expected)}
    )
    return 0


# --- reporting ----------------------------------------------------------------------------


def _cell_status(cell: Cell) -> str:
    if cell.status != "ok":
        return f"{cell.status} {cell.error}".strip()
    mark = "" if cell.correct else "  DIFFERS"
    return f"{cell.median:.4f} s (n={len(cell.times)}){mark}"


def _mb(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.2f}"


def format_cell(cell: Cell, ref: Cell | None, budget: float, rounds: int, notes: list[str]) -> str:
    """Render one table cell; diffs and errors are appended to ``notes`` as footnotes."""
    if cell.status == "skipped":
        return "n/a"
    if cell.status == "timeout":
        return f">{budget:g} s (timed out)"
    if cell.status == "error":
        notes.append(f"{cell.parser} on {cell.workload} / {cell.chunking} raised {cell.error}")
        return f"error [{len(notes)}]"
    seconds = cell.median or float("nan")
    text = f"{cell.n_bytes / seconds / 1e6:.1f} MB/s · {rate(cell.n_events / seconds)} ev/s"
    if ref is not None and ref is not cell and ref.status == "ok" and ref.median:
        text += f" · {seconds / ref.median:.2f}{TIMES}"
    elif ref is cell:
        text += " · ref"
    if len(cell.times) < rounds:
        text += f" · n={len(cell.times)}"
    if not cell.correct:
        notes.append(f"{cell.parser} on {cell.workload} / {cell.chunking}: {cell.diff}")
        text += f" *[{len(notes)}]"
    return text


def matrix_lines(cells: list[Cell], names: list[str], meta: dict[str, Any], notes: list[str]) -> list[str]:
    """One table: a row per (workload, chunking), a column per parser; footnotes go to ``notes``."""
    ref_name = meta["relative_to"]
    by_key = {(c.workload, c.chunking, c.parser): c for c in cells}
    rows = sorted(
        {(c.workload, c.chunking) for c in cells},
        key=lambda r: (list(WORKLOADS).index(r[0]), list(CHUNKINGS).index(r[1])),
    )
    lines = ["| workload | chunks | MB | " + " | ".join(names) + " |", "|---|---|--:|" + "--:|" * len(names)]
    for workload, chunking in rows:
        ref = by_key.get((workload, chunking, ref_name))
        any_cell = next(c for c in cells if (c.workload, c.chunking) == (workload, chunking))
        rendered = [
            format_cell(by_key[(workload, chunking, n)], ref, meta["budget_s"], meta["rounds"], notes)
            if (workload, chunking, n) in by_key
            else ""
            for n in names
        ]
        lines.append(f"| {workload} | {chunking} | {_mb(any_cell.n_bytes)} | " + " | ".join(rendered) + " |")
    return lines


def peer_lines(cells: list[Cell], which: str) -> list[str]:
    """Whether sse_pplx beat every peer (the baseline is not one) in every cell of a table."""
    by_row: dict[tuple[str, str], dict[str, Cell]] = {}
    for cell in cells:
        by_row.setdefault((cell.workload, cell.chunking), {})[cell.parser] = cell
    wins, misses = 0, []
    for (workload, chunking), row in by_row.items():
        ours = row.get(REFERENCE)
        if ours is None or ours.median is None:
            continue
        beaten = [
            f"{name} {ours.median / cell.median:.2f}{TIMES}"
            for name, cell in row.items()
            if name not in (REFERENCE, BASELINE) and cell.median and cell.median <= ours.median
        ]
        if beaten:
            misses.append(f"{workload} / {chunking} ({', '.join(beaten)})")
        else:
            wins += 1
    if not wins and not misses:
        return []
    text = f"- {which}: sse_pplx faster than every peer in **{wins}/{wins + len(misses)}** cells"
    if misses:
        text += "; not in: " + "; ".join(misses) + " (sse_pplx's time / the faster peer's)"
    return [text]


def markdown_report(
    cells: list[Cell],
    workloads: dict[str, Workload],
    adapters: list[Adapter],
    meta: dict[str, Any],
    extra: list[str],
    cold: list[Cell] | None = None,
) -> str:
    names = [a.name for a in adapters]
    notes: list[str] = []
    lines = _header_lines(meta, workloads, adapters)
    lines += matrix_lines(cells, names, meta, notes)
    lines.append("")
    lines.append(
        f"Cells: MB/s · events/s · time relative to {meta['relative_to']} in the same row (>1 = slower). "
        "`*` = output differs from the expected events (see notes); "
        f"`>{meta['budget_s']:g} s (timed out)` = the first round exceeded the budget and was not repeated."
    )
    lines.append(
        f"Rounds: median of {meta['rounds']} timed round(s) after a warm-up round. Cells whose first "
        f"round took ≥ {meta['slow_threshold_s']:g} s count it as a sample, and repeats stop once a cell "
        f"has spent {meta['cell_budget_s']:g} s; `n=` marks cells timed with fewer rounds."
    )
    lines.append("")
    if cold:
        lines += [f"## Cold: the first round in a fresh process (median of {meta['cold']} processes)", ""]
        lines += matrix_lines(cold, names, {**meta, "rounds": meta["cold"]}, notes)
        lines += [
            "",
            "Each cell: a fresh process per parser and cell that builds the workload, imports only that parser "
            "(untimed) and times its first parse, with no warm-up: what a short-lived process sees, and on PyPy "
            "the time before the JIT has compiled the parser. Relative to sse_pplx's cold time in the same row; "
            "`n=` marks cells where fewer processes gave a time. Cells that timed out warm are not run cold.",
            "",
        ]
    if notes:
        lines.append("Notes:")
        lines.extend(f"{i}. {note}" for i, note in enumerate(notes, 1))
        lines.append("")
    lines += peer_lines(cells, "warm")
    lines += peer_lines(cold or [], "cold")
    lines.extend(extra)
    return "\n".join(lines) + "\n"


def _header_lines(meta: dict[str, Any], workloads: dict[str, Workload], adapters: list[Adapter]) -> list[str]:
    warmup = f", {meta['warmup']} untimed warm-up round(s) after the first" if meta["warmup"] else ""
    lines = [
        _report.title("SSE parser benchmark", meta),
        "",
        *_report.header_lines(meta),
        (
            f"- rounds: {meta['rounds']} (median){warmup}, budget {meta['budget_s']:g} s per round, "
            f"{'quick matrix' if meta['quick'] else 'full matrix'}"
        ),
    ]
    lines += [
        f"- `{w.name}`: {len(w.body):,} bytes, {len(w.expected):,} events — {w.description}" for w in workloads.values()
    ]
    lines += [f"- skipped: {a.name} ({a.skip_reason})" for a in adapters if a.run is None]
    return [*lines, ""]


def summary_lines(cells: list[Cell], linearity: dict[str, Any] | None) -> tuple[list[str], dict[str, Any]]:
    """The sse_pplx/baseline target ratio and the linearity check, as text and as data."""
    lines: list[str] = []
    data: dict[str, Any] = {}
    by_key = {(c.workload, c.chunking, c.parser): c for c in cells}
    ours = by_key.get(("perplexity-lf", "4096", REFERENCE))
    floor = by_key.get(("perplexity-lf", "4096", BASELINE))
    if ours and floor and ours.median and floor.median:
        ratio = ours.median / floor.median
        data["pplx_over_baseline_perplexity_lf_4096"] = ratio
        verdict = "meets" if ratio <= 1.5 else "misses"
        lines.append(
            f"- sse_pplx / baseline on perplexity-lf, 4096-byte chunks: **{ratio:.2f}{TIMES}** "
            f"({ours.median * 1e3:.1f} ms vs {floor.median * 1e3:.1f} ms; {verdict} the ≤ 1.5{TIMES} target)"
        )
    if linearity and "ratio" in linearity:
        (s1, s2), (t1, t2) = linearity["sizes"], linearity["times"]
        ok = all(linearity["correct"])
        lines.append(
            f"- linearity, one event fed 1 byte at a time through sse_pplx: "
            f"{s1 / MIB:g} MiB {t1:.3f} s, {s2 / MIB:g} MiB {t2:.3f} s (medians); ratio **{linearity['ratio']:.2f}**, "
            f"{linearity['ratio_of_minima']:.2f} between the fastest rounds (2.00 = linear, 4.00 = quadratic)"
            f"{'' if ok else '; OUTPUT DIFFERS'}"
        )
        data["linearity"] = linearity
    elif linearity:
        lines.append(f"- linearity check skipped: {linearity.get('skipped', '')}")
    return lines, data


# --- main ---------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round, reduced matrix (smoke test)")
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per cell (default 5; 1 with --quick)")
    parser.add_argument("--budget", type=float, default=20.0, help="seconds allowed for one round (default 20)")
    parser.add_argument(
        "--slow-threshold", type=float, default=2.0, help="first-round seconds above which a cell is 'slow' (default 2)"
    )
    parser.add_argument(
        "--cell-budget", type=float, default=10.0, help="seconds after which a cell stops repeating rounds (default 10)"
    )
    parser.add_argument("--workloads", help=f"comma list, from {','.join(WORKLOADS)}")
    parser.add_argument("--chunkings", help=f"comma list, from {','.join(CHUNKINGS)}")
    parser.add_argument("--parsers", help="comma list of parser names to run (default: all)")
    parser.add_argument("--no-linearity", action="store_true", help="skip the 1 MiB / 2 MiB linearity check")
    parser.add_argument(
        "--warmup", type=int, default=0, help="untimed rounds after each cell's first round (PyPy's JIT; default 0)"
    )
    parser.add_argument(
        "--cold",
        type=int,
        default=0,
        metavar="R",
        help="also time each cell's first round in R fresh processes per parser (default 0: no cold table)",
    )
    parser.add_argument("--cold-child", help=argparse.SUPPRESS)
    _report.add_output_options(parser)
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 1 if args.quick else 5
    if args.rounds < 1 or args.warmup < 0 or args.cold < 0:
        parser.error("--rounds must be at least 1, --warmup and --cold at least 0")
    return args


def build_matrix(args: argparse.Namespace) -> dict[str, list[str]]:
    matrix = QUICK_MATRIX if args.quick else FULL_MATRIX
    keep_w = args.workloads.split(",") if args.workloads else list(WORKLOADS)
    keep_c = args.chunkings.split(",") if args.chunkings else list(CHUNKINGS)
    for name in keep_w + keep_c:
        if name not in WORKLOADS and name not in CHUNKINGS:
            raise SystemExit(f"unknown workload or chunking: {name}")
    return {w: [c for c in cs if c in keep_c] for w, cs in matrix.items() if w in keep_w}


def select_adapters(args: argparse.Namespace) -> list[Adapter]:
    return _report.select(all_adapters(), args.parsers, REFERENCE, lambda a: a.name)


def environment(args: argparse.Namespace, adapters: list[Adapter]) -> dict[str, Any]:
    ours = next(a for a in adapters if a.name == REFERENCE)
    return _report.run_metadata(
        (a.dist for a in adapters if a.dist),
        rounds=args.rounds,
        warmup=args.warmup,
        budget_s=args.budget,
        slow_threshold_s=args.slow_threshold,
        cell_budget_s=args.cell_budget,
        cold=args.cold,
        quick=args.quick,
        relative_to=REFERENCE if ours.run is not None else BASELINE,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.cold_child:
        return cold_child(args.cold_child, args.budget)
    adapters = select_adapters(args)
    meta = environment(args, adapters)
    policy = RoundPolicy(args.rounds, args.budget, args.slow_threshold, args.cell_budget, args.warmup)
    if adapters[0].run is None:
        progress(f"sse_pplx skipped: {adapters[0].skip_reason}; comparing against the baseline\n", prefix=False)
    started = time.perf_counter()
    cells, workloads = run_matrix(build_matrix(args), adapters, policy)
    cold = measure_cold(cells, policy, args.cold) if args.cold else []
    linearity = None
    if not args.no_linearity:
        sizes = (MIB // 4, MIB // 2) if args.quick else (MIB, 2 * MIB)
        linearity = linearity_check(adapters[0], sizes, policy)
    extra, summary = summary_lines(cells, linearity)
    _report.finish_metadata(meta, started)
    extra.append(f"- total benchmark wall time: {meta['wall_time_s']:.0f} s")
    report = markdown_report(cells, workloads, adapters, meta, extra, cold)
    payload = {
        "meta": meta,
        "summary": summary,
        "cells": [{**asdict(c), "median": c.median} for c in cells],
        "cold": [{**asdict(c), "median": c.median} for c in cold],
    }
    _report.write_outputs(report, args.markdown, args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
