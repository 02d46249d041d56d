"""Scale benchmark: N event streams open at once in one client process, against a bare asyncio floor and the peers.

What it measures
    For each stream interval (``--intervals``, default 20 ms and 500 ms), each number of
    concurrent streams N (``--streams``, default 100, 1,000, 3,000, 5,000, 10,000) and each
    client (``--clients``; ``_scale_clients.py``: ``sse_pplx-async``, ``floor``,
    ``openai-async``, ``httpx-sse-async``, and up to ``--max-threads`` (1,000) streams
    ``sse_pplx-threads`` and ``openai-threads``), one run:

    * a fresh server (``_scale_server.py``, its own process(es), ``--server-workers``), every
      stream ``--chunks`` Perplexity-shaped chunks of ~300 bytes (default 100 at 20 ms, 20 at
      500 ms) on a fixed schedule, then a final chunk and ``[DONE]``; keep-alive off;
    * the client in a fresh process: a two-stream warm-up (imports, first-use caches), then the
      baseline (RSS, CPU time), then all N streams started at once, each read the way an
      application reads it (every chunk's text checked, ``_scale_clients.Recorder``).

    Per run: streams correct (every chunk, in order, the right text, ``finish_reason`` stop),
    errors, RSS per open stream (the highest RSS sampled every 20 ms while the wave ran, minus
    the baseline, divided by the most streams open at once), CPU per 1,000 events (the client
    process's CPU time over the wave / events received), time to first event p50/p99 (from the
    stream's start to its first chunk), event lateness p50/p99 (receipt minus the ``sent_at``
    the server wrote into the chunk, both ``time.monotonic()``, one clock on Linux), the
    client's wall time, and the server's CPU time and how late the server itself wrote (when
    the server is behind, lateness is the server's and the table says so).  Medians over
    ``--repeat`` runs.

Usage
    python benchmarks/bench_scale.py [--streams 100,1000] [--intervals 0.02,0.5] [--clients ...]
                                     [--chunks N] [--repeat 1] [--json PATH] [--markdown PATH]
    python benchmarks/bench_scale.py --quick     # N = 100 and 1,000 at 20 ms only

Linux only (``fork``, ``/proc``).  The file-descriptor limit is raised to the hard limit in
the server and the client.  Report to stdout, progress to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT)]

from _report import header_lines, loadavg, run_metadata, title  # noqa: E402
from _scale_clients import CLIENTS, Recorder, run_wave  # noqa: E402
from _scale_server import raise_fd_limit  # noqa: E402

DEFAULT_STREAMS = [100, 1000, 3000, 5000, 10000]
DEFAULT_INTERVALS = [0.02, 0.5]
DEFAULT_CHUNKS = {0.02: 100, 0.5: 20}


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


# -- one client run, in its own process ----------------------------------------------------


def client_main(args: argparse.Namespace) -> None:
    """``--client NAME``: one wave against ``--url``; prints one JSON line."""
    raise_fd_limit()
    timeout = args.timeout
    warm = Recorder(2, 3)
    run_wave(args.client, args.url, warm, 0.0, timeout, lambda: None)
    if warm.correct() != 2:
        print(json.dumps({"client": args.client, "fatal": f"warm-up failed: {warm.errors}"}), flush=True)
        return
    rec = Recorder(args.n, args.chunks)
    gc.collect()
    baseline = _rss_kib()
    peak = {"rss": baseline, "open": 0, "rss_at_most_open": baseline}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            rss = _rss_kib()
            if rss > peak["rss"]:
                peak["rss"] = rss
            if rec.open >= peak["open"]:
                peak["open"] = rec.open
                peak["rss_at_most_open"] = rss

    sampler = threading.Thread(target=sample, daemon=True)
    cpu_start = time.process_time()
    wall_start = time.monotonic()
    sampler.start()
    run_wave(args.client, args.url, rec, args.interval, timeout, lambda: None)
    cpu = time.process_time() - cpu_start
    wall = time.monotonic() - wall_start
    stop.set()
    sampler.join()
    events = rec.events()
    most_open = max(rec.max_open, 1)
    print(
        json.dumps(
            {
                "client": args.client,
                "streams": args.n,
                "chunks": args.chunks,
                "interval": args.interval,
                "correct": rec.correct(),
                "errors": len(rec.errors),
                "error_sample": sorted(set(rec.errors.values()))[:3],
                "events": events,
                "max_open": rec.max_open,
                "rss_baseline_kib": baseline,
                "rss_peak_kib": peak["rss"],
                "kib_per_open_stream": (peak["rss"] - baseline) / most_open,
                "cpu_s": cpu,
                "cpu_ms_per_1000_events": 1e6 * cpu / events if events else None,
                "first_event_p50_ms": rec.first_event.percentile(0.5),
                "first_event_p99_ms": rec.first_event.percentile(0.99),
                "lateness_p50_ms": rec.lateness.percentile(0.5),
                "lateness_p99_ms": rec.lateness.percentile(0.99),
                "wall_s": wall,
            }
        ),
        flush=True,
    )


# -- the runner ------------------------------------------------------------------------------


class Server:
    """``_scale_server.py`` in its own process(es); its workers' statistics when stopped."""

    def __init__(self, workers: int, python: str) -> None:
        self.proc = subprocess.Popen(
            [python, str(HERE / "_scale_server.py"), "--workers", str(workers)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        port = self.proc.stdout.readline().split()[1]
        self.pids = [int(pid) for pid in self.proc.stdout.readline().split()[1:]]
        self.url = f"http://127.0.0.1:{port}"

    def cpu_s(self) -> float:
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / ticks
            except (OSError, IndexError, ValueError):
                pass
        return total

    def stop(self) -> List[Dict[str, Any]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        out = self.proc.stdout.read()
        self.proc.wait(30)
        return [json.loads(line[6:]) for line in out.splitlines() if line.startswith("STATS ")]


def run_one(client: str, n: int, chunks: int, interval: float, args: argparse.Namespace) -> Dict[str, Any]:
    server = Server(args.server_workers, args.server_python)
    try:
        command = [
            sys.executable, __file__, "--client", client, "--url", server.url, "--n", str(n),
            "--chunks", str(chunks), "--interval", str(interval), "--timeout", str(args.timeout),
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout + 120)
        except subprocess.TimeoutExpired:
            return {"client": client, "streams": n, "interval": interval, "fatal": "the client process hung"}
        server_cpu = server.cpu_s()
    finally:
        stats = server.stop()
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"client": client, "streams": n, "interval": interval, "fatal": " / ".join(tail) or "no output"}
    result: Dict[str, Any] = json.loads(lines[-1])
    result["server_cpu_s"] = server_cpu
    result["server_late_max_ms"] = max((s["late_max_ms"] for s in stats), default=None)
    result["server_late_over_5ms"] = sum(s["late_over_5ms"] for s in stats)
    result["server_events"] = sum(s["events"] for s in stats)
    return result


NUMERIC = (
    "correct", "errors", "events", "max_open", "kib_per_open_stream", "cpu_ms_per_1000_events",
    "first_event_p50_ms", "first_event_p99_ms", "lateness_p50_ms", "lateness_p99_ms", "wall_s",
    "server_cpu_s", "server_late_max_ms", "server_late_over_5ms",
)  # fmt: skip


def median_of(runs: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The median of each figure over repeated runs (the first run's other fields)."""
    good = [r for r in runs if "fatal" not in r]
    if not good:
        return runs[0]
    merged = dict(good[0])
    for key in NUMERIC:
        values = [r[key] for r in good if r.get(key) is not None]
        merged[key] = statistics.median(values) if values else None
    merged["runs"] = len(good)
    return merged


def _available(client: str) -> Optional[str]:
    """None, or why the client cannot run here (a distribution missing)."""
    from importlib import metadata

    for dist in CLIENTS[client][2]:
        try:
            metadata.version(dist)
        except metadata.PackageNotFoundError:
            return f"{dist} is not installed"
    return None


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def report(results: List[Dict[str, Any]], meta: Dict[str, Any]) -> str:
    lines = [
        title("Scale benchmark: N concurrent streams in one client process", meta),
        "",
        *header_lines(meta),
        f"- server: {meta['server_workers']} worker process(es) under `{meta['server_python']}`;"
        " keep-alive off; chunks ~300 bytes",
        f"- command: `{meta['command']}`",
        f"- figures: medians of {meta['repeat']} run(s) per cell; each client in a fresh process",
    ]
    for interval in sorted({r["interval"] for r in results}):
        rows = [r for r in results if r["interval"] == interval]
        chunks = next((r.get("chunks") for r in rows if r.get("chunks")), "?")
        lines += [
            "",
            f"## One chunk every {interval * 1000:g} ms ({chunks} chunks + final per stream)",
            "",
            "| N | client | correct | errors | KiB / open stream | × floor | CPU ms / 1,000 events | × floor "  # noqa: RUF001
            "| openai-async ÷ this | first event p50 / p99 ms | lateness p50 / p99 ms | server CPU s "
            "| server late > 5 ms |",
            "|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
        ]
        for n in sorted({r["streams"] for r in rows}):
            cell = {r["client"]: r for r in rows if r["streams"] == n}
            floor = cell.get("floor", {})
            openai_cpu = cell.get("openai-async", {}).get("cpu_ms_per_1000_events")
            for client in CLIENTS:
                r = cell.get(client)
                if r is None:
                    continue
                if "fatal" in r or "skipped" in r:
                    why = r.get("fatal") or r.get("skipped")
                    lines.append(f"| {n:,} | {client} | {why} | | | | | | | | | | |")
                    continue
                mem, cpu = r["kib_per_open_stream"], r["cpu_ms_per_1000_events"]
                mem_ratio = mem / floor["kib_per_open_stream"] if floor.get("kib_per_open_stream") else None
                floor_cpu = floor.get("cpu_ms_per_1000_events")
                cpu_ratio = cpu / floor_cpu if cpu and floor_cpu else None
                vs_openai = openai_cpu / cpu if openai_cpu and cpu else None
                lines.append(
                    f"| {n:,} | {client} | {_fmt(r['correct'])} / {n:,} | {_fmt(r['errors'])} | {_fmt(mem)} "
                    f"| {_fmt(mem_ratio, 2)} | {_fmt(cpu)} | {_fmt(cpu_ratio, 2)} | {_fmt(vs_openai, 1)} "
                    f"| {_fmt(r['first_event_p50_ms'])} / {_fmt(r['first_event_p99_ms'])} "
                    f"| {_fmt(r['lateness_p50_ms'])} / {_fmt(r['lateness_p99_ms'])} | {_fmt(r['server_cpu_s'], 2)} "
                    f"| {_fmt(r['server_late_over_5ms'])} |"
                )
    errors = sorted({(r["client"], e) for r in results for e in r.get("error_sample", [])})
    if errors:
        lines += ["", "## Errors seen (a sample per client)", ""]
        lines += [f"- {client}: {error}" for client, error in errors]
    return "\n".join(lines) + "\n"


def _list(text: str, kind: Any) -> List[Any]:
    return [kind(part) for part in text.split(",") if part.strip()]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", default=",".join(map(str, DEFAULT_STREAMS)), help="comma list of N")
    parser.add_argument("--intervals", default=",".join(map(str, DEFAULT_INTERVALS)), help="seconds, comma list")
    parser.add_argument("--clients", default=",".join(CLIENTS), help="comma list (default: all)")
    parser.add_argument(
        "--chunks", type=int, default=None, help="chunks per stream (default 100 at 20 ms, 20 at 500 ms)"
    )
    parser.add_argument("--max-threads", type=int, default=1000, help="threads clients run up to this N (default 1000)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the report gives medians (default 1)")
    parser.add_argument("--server-workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument(
        "--server-python",
        default=sys.executable,
        help="the interpreter the server runs under (default: this one); e.g. a CPython server for PyPy clients",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a wave may take (default 600)")
    parser.add_argument("--quick", action="store_true", help="N = 100 and 1,000 at 20 ms only")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--markdown", metavar="PATH", help="also write the report to a file")
    # one client run (internal: the runner starts these)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--interval", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        client_main(args)
        return 0
    if args.quick:
        args.streams, args.intervals = "100,1000", "0.02"
    streams, intervals, clients = _list(args.streams, int), _list(args.intervals, float), _list(args.clients, str)
    unknown = [c for c in clients if c not in CLIENTS]
    if unknown:
        parser.error(f"unknown clients {unknown}; known: {list(CLIENTS)}")
    meta = run_metadata(
        ["openai", "httpx2", "httpx", "httpx-sse", "pydantic"],
        server_workers=args.server_workers,
        server_python=args.server_python,
        command="python benchmarks/bench_scale.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        repeat=args.repeat,
    )
    results: List[Dict[str, Any]] = []
    for interval in intervals:
        chunks = args.chunks or DEFAULT_CHUNKS.get(interval, 100)
        for n in streams:
            for client in clients:
                if CLIENTS[client][1] == "threads" and n > args.max_threads:
                    continue
                why = _available(client)
                if why:
                    results.append({"client": client, "streams": n, "interval": interval, "skipped": why})
                    continue
                runs = []
                for attempt in range(args.repeat):
                    started = time.monotonic()
                    run = run_one(client, n, chunks, interval, args)
                    runs.append(run)
                    print(
                        f"[{interval * 1000:g} ms, N={n}] {client} run {attempt + 1}: "
                        f"{run.get('fatal') or str(run.get('correct')) + ' correct'} "
                        f"({time.monotonic() - started:.1f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
                results.append(median_of(runs))
    meta["loadavg_end"] = loadavg()
    text = report(results, meta)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=1), encoding="utf-8")
    return 1 if any(r.get("correct") != r.get("streams") for r in results if "skipped" not in r) else 0


if __name__ == "__main__":
    sys.exit(main())
