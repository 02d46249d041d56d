"""Load benchmark and soak: many concurrent streams from one loopback server, and memory over time.

What it measures
    ``--streams`` (200) concurrent Perplexity-shaped streams of ``--chunks`` (1,000) chunk events
    each, plus the final ``finish_reason`` chunk and ``[DONE]``, from ONE local HTTP/1.1 server
    (``tests/loadkit.py``: a child process, one asyncio loop, every event its own HTTP chunk).
    The server holds each stream after its first event until all of the wave's requests have
    arrived, and every consumer waits for the others after its first chunk, so all streams are
    open at once.  Two modes, the same load:

    * ``threads``: one thread per stream, all sharing ONE ``sse_pplx.Client``;
    * ``asyncio``: one task per stream, all on ONE ``sse_pplx.AsyncClient`` under one ``asyncio.run``.

    Every stream's text differs (``<stream:chunk> ``) and is compared whole with what the server
    sent, with the final result (outcome, finish_reason, id, citations, usage).

Load (the default)
    Per mode, in a fresh interpreter (``--mode both`` runs this script once per mode, so that RSS
    figures are not the previous mode's freed memory): a small untimed warm-up wave; a timed wave
    without tracemalloc (events/s = chunk objects delivered / wall time from starting the streams
    to the last one done; streams/s; RSS per open stream = RSS growth from before the wave to the
    moment all streams were open, / streams); then a memory wave under ``tracemalloc``
    (``--trace full``: traced bytes per stream when all were open with their first chunk, and the
    peak over the whole wave, / streams; ``--trace open`` stops tracing once all are open; ``off``
    skips it).  Open file descriptors and
    threads before, while all are open, and after.

Soak (``--soak MINUTES``)
    Waves of the same load, back to back, for MINUTES (with ``--mode both``, alternating threads
    and asyncio waves; the threads waves share ONE ``Client`` for the whole soak, as a service
    holds one; each asyncio wave has its own ``AsyncClient`` in its own ``asyncio.run``).  After a
    wave, once at least ``--interval`` (10) seconds have passed since the last sample, RSS, open
    file descriptors and threads are sampled (between waves, so every sample is taken at the
    same point of the cycle).  Verdict ``flat`` when the last third of the samples has a maximum
    RSS within 5 % of the first third's, and maximum fds and threads no higher than the first
    third's, and no stream failed or received the wrong content.

Usage
    python benchmarks/bench_load.py [--streams 200] [--chunks 1000] [--mode threads|asyncio|both]
                                    [--trace full|open|off] [--json PATH]
    python benchmarks/bench_load.py --soak 10 [--interval 10] [--json PATH]

Report to stdout, progress to stderr.  Exit status 1 if any stream failed or was wrong, or the
soak was not flat.
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.loadkit import (  # noqa: E402 - after the path is set
    KIB,
    MIB,
    LoadResult,
    open_fds,
    rss_bytes,
    run_streams,
    running_server,
)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _wave(mode: str, url: str, streams: int, chunks: int, wave: str, trace: str, client: Any = None) -> LoadResult:
    return run_streams(mode, url, streams, chunks, wave=wave, trace=trace, client=client)


def _ok(result: LoadResult) -> bool:
    return not result.errors and not result.wrong and not result.leftover_tasks and result.all_open


def _as_dict(result: LoadResult) -> Dict[str, Any]:
    return {
        "mode": result.mode,
        "streams": result.streams,
        "chunks": result.chunks,
        "trace": result.trace,
        "ok": _ok(result),
        "errors": len(result.errors),
        "wrong": len(result.wrong),
        "leftover_tasks": len(result.leftover_tasks),
        "events": result.events,
        "wall_s": round(result.wall, 3),
        "after_all_open_s": round(result.streaming, 3),
        "events_per_s": round(result.events_per_s),
        "streams_per_s": round(result.streams_per_s, 2),
        "fds": [result.fds_base, result.fds_open, result.fds_after],
        "threads": [result.threads_base, result.threads_open, result.threads_after],
        "rss_mib": [round(x / MIB, 1) for x in (result.rss_base, result.rss_open, result.rss_after)],
        "rss_kib_per_open_stream": round(result.rss_open_per_stream / KIB, 1),
        "tracemalloc_kib_per_open_stream": round(result.open_per_stream / KIB, 1) if result.trace != "off" else None,
        "tracemalloc_peak_kib_per_stream": round(result.peak_per_stream / KIB, 1) if result.trace != "off" else None,
    }


# -- load ----------------------------------------------------------------------------


def run_load_isolated(args: argparse.Namespace) -> Dict[str, Any]:
    """``--mode both``: each mode in a fresh interpreter of this script, so that one mode's RSS is not
    the other's memory already taken from the OS (and tracemalloc's own tables are gone)."""
    import subprocess
    import tempfile

    out: Dict[str, Any] = {}
    for mode in ("threads", "asyncio"):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "load.json")
            command = [sys.executable, os.path.abspath(__file__), "--mode", mode, "--json", path]
            command += ["--streams", str(args.streams), "--chunks", str(args.chunks), "--trace", args.trace]
            subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
            with open(path) as f:
                out.update(json.load(f)["load"])
    return out


def run_load(args: argparse.Namespace, url: str) -> Dict[str, Any]:
    modes = ["threads", "asyncio"] if args.mode == "both" else [args.mode]
    out: Dict[str, Any] = {}
    for mode in modes:
        progress(f"{mode}: warm-up")
        warm = _wave(mode, url, min(args.streams, 20), min(args.chunks, 100), f"{mode}-warm", "off")
        timed = _wave(mode, url, args.streams, args.chunks, f"{mode}-timed", "off")
        progress(timed.summary())
        entry = {"warm_up_ok": _ok(warm), "timed": _as_dict(timed)}
        if args.trace != "off":
            memory = _wave(mode, url, args.streams, args.chunks, f"{mode}-memory", args.trace)
            progress(memory.summary())
            entry["memory"] = _as_dict(memory)
        out[mode] = entry
    return out


def load_report(args: argparse.Namespace, results: Dict[str, Any]) -> str:
    lines = [
        f"### {args.streams} concurrent streams x {args.chunks:,} chunks ({_environment()})",
        "",
        "| mode | all correct | events/s | streams/s | wall s | RSS KiB / open stream | tracemalloc KiB / open "
        "stream | tracemalloc peak KiB / stream | fds before / open / after | threads before / open / after |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for mode, entry in results.items():
        timed = entry["timed"]
        memory = entry.get("memory") or {}
        correct = timed["ok"] and memory.get("ok", True)
        lines.append(
            f"| {mode} | {'yes' if correct else '**NO**'} | {timed['events_per_s']:,} | {timed['streams_per_s']} | "
            f"{timed['wall_s']} | {timed['rss_kib_per_open_stream']} | "
            f"{memory.get('tracemalloc_kib_per_open_stream', 'n/a')} | "
            f"{memory.get('tracemalloc_peak_kib_per_stream', 'n/a')} ({args.trace}) | "
            f"{' / '.join(map(str, timed['fds']))} | {' / '.join(map(str, timed['threads']))} |"
        )
    return "\n".join(lines)


# -- soak ----------------------------------------------------------------------------


def _sample(started: float, waves: int) -> Dict[str, Any]:
    gc.collect()
    return {
        "t_s": round(time.monotonic() - started, 1),
        "waves": waves,
        "rss_mib": round(rss_bytes() / MIB, 2),
        "fds": open_fds(),
        "threads": threading.active_count(),
    }


def soak_verdict(samples: List[Dict[str, Any]]) -> Dict[str, Any]:
    third = max(1, len(samples) // 3)
    first, last = samples[:third], samples[-third:]
    verdict: Dict[str, Any] = {"samples": len(samples), "per_third": third}
    flat = len(samples) >= 3
    for key, tolerance in (("rss_mib", 0.05), ("fds", 0.0), ("threads", 0.0)):
        a = max(s[key] for s in first)
        b = max(s[key] for s in last)
        ok = b <= a * (1.0 + tolerance)
        verdict[key] = {"first_third_max": a, "last_third_max": b, "flat": ok}
        flat = flat and ok
    verdict["flat"] = flat
    return verdict


def run_soak(args: argparse.Namespace, url: str) -> Dict[str, Any]:
    from sse_pplx import Client

    modes = ["threads", "asyncio"] if args.mode == "both" else [args.mode]
    deadline = time.monotonic() + args.soak * 60.0
    started = time.monotonic()
    samples = [_sample(started, 0)]
    progress(f"soak: {args.soak:g} min of {'/'.join(modes)} waves of {args.streams} x {args.chunks}")
    progress(f"{'t s':>7} {'waves':>6} {'RSS MiB':>8} {'fds':>5} {'threads':>7}")
    waves = events = failed = wrong = 0
    last_sample = time.monotonic()
    client = Client(base_url=url, api_key="load-soak", max_retries=0, timeout=120.0)
    try:
        while time.monotonic() < deadline:
            mode = modes[waves % len(modes)]
            result = _wave(mode, url, args.streams, args.chunks, f"soak-{waves}", "off", client=client)
            waves += 1
            events += result.events
            failed += len(result.errors) + len(result.leftover_tasks) + (0 if result.all_open else 1)
            wrong += len(result.wrong)
            if not _ok(result):
                progress(result.summary())
            if time.monotonic() - last_sample >= args.interval or time.monotonic() >= deadline:
                last_sample = time.monotonic()
                sample = _sample(started, waves)
                samples.append(sample)
                progress(
                    f"{sample['t_s']:7.1f} {waves:6d} {sample['rss_mib']:8.2f} "
                    f"{sample['fds']:5d} {sample['threads']:7d}"
                )
    finally:
        client.close()
    elapsed = time.monotonic() - started
    verdict = soak_verdict(samples[1:])  # the sample before the first wave is shown, not judged
    verdict["flat"] = verdict["flat"] and failed == 0 and wrong == 0
    return {
        "minutes": round(elapsed / 60.0, 2),
        "waves": waves,
        "streams": waves * args.streams,
        "events": events,
        "events_per_s": round(events / elapsed) if elapsed else 0,
        "failed": failed,
        "wrong": wrong,
        "after_close": _sample(started, waves),
        "samples": samples,
        "verdict": verdict,
    }


def soak_report(args: argparse.Namespace, soak: Dict[str, Any]) -> str:
    verdict = soak["verdict"]
    lines = [
        f"### Soak: {soak['minutes']} min, {soak['waves']} waves of {args.streams} x {args.chunks:,} "
        f"({args.mode}), {soak['streams']:,} streams, {soak['events']:,} chunks "
        f"({soak['events_per_s']:,}/s), {soak['failed']} failed, {soak['wrong']} wrong ({_environment()})",
        "",
        "| t s | waves | RSS MiB | fds | threads |",
        "|--:|--:|--:|--:|--:|",
    ]
    for s in soak["samples"]:
        lines.append(f"| {s['t_s']} | {s['waves']} | {s['rss_mib']} | {s['fds']} | {s['threads']} |")
    after = soak["after_close"]
    lines += [
        "",
        f"After the shared client was closed: RSS {after['rss_mib']} MiB, "
        f"{after['fds']} fds, {after['threads']} threads.",
        "",
        "| | first third max | last third max | flat |",
        "|---|--:|--:|---|",
    ]
    for key, label in (("rss_mib", "RSS MiB (within 5 %)"), ("fds", "open fds"), ("threads", "threads")):
        v = verdict[key]
        lines.append(f"| {label} | {v['first_third_max']} | {v['last_third_max']} | {'yes' if v['flat'] else 'NO'} |")
    lines += ["", f"Verdict: **{'flat' if verdict['flat'] else 'NOT flat'}** ({verdict['samples']} samples)"]
    return "\n".join(lines)


def _environment() -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {now}"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--streams", type=int, default=200, help="concurrent streams per wave (default 200)")
    parser.add_argument("--chunks", type=int, default=1000, help="chunk events per stream (default 1000)")
    parser.add_argument("--mode", choices=("threads", "asyncio", "both"), default="both")
    parser.add_argument(
        "--trace", choices=("full", "open", "off"), default="full", help="the tracemalloc memory wave (default full)"
    )
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="repeat waves for MINUTES and sample memory")
    parser.add_argument("--interval", type=float, default=10.0, help="soak: seconds between samples (default 10)")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON ('-' = stdout)")
    args = parser.parse_args(argv)
    if not args.soak and args.mode == "both":
        results: Dict[str, Any] = {"load": run_load_isolated(args)}
        report = load_report(args, results["load"])
        ok = all(
            entry["warm_up_ok"] and entry["timed"]["ok"] and entry.get("memory", {"ok": True})["ok"]
            for entry in results["load"].values()
        )
        return _finish(args, results, report, ok)
    with running_server() as url:
        if args.soak:
            results = {"soak": run_soak(args, url)}
            report = soak_report(args, results["soak"])
            ok = results["soak"]["verdict"]["flat"]
        else:
            results = {"load": run_load(args, url)}
            report = load_report(args, results["load"])
            ok = all(
                entry["warm_up_ok"] and entry["timed"]["ok"] and entry.get("memory", {"ok": True})["ok"]
                for entry in results["load"].values()
            )
    return _finish(args, results, report, ok)


def _finish(args: argparse.Namespace, results: Dict[str, Any], report: str, ok: bool) -> int:
    results["args"] = vars(args)
    results["environment"] = _environment()
    if args.json:
        text = json.dumps(results, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    print(report, file=sys.stderr if args.json == "-" else sys.stdout)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
