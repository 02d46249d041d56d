"""What one open stream holds, by part: a tracemalloc snapshot of N streams open at once.

bench_scale.py measures RSS per open stream; this says where it goes.  It starts the scale
server (``_scale_server.py``, its own process), reads N streams at once with one client of
``_scale_clients.py`` (one chunk a second, six chunks, so that nobody is behind and no buffer
fills), takes a ``tracemalloc`` snapshot between two chunks while all N are open, and groups the
memory allocated since before the wave by the module that allocated it:

    python benchmarks/scale_memory.py                       # sse_pplx-async and the floor, N = 300
    python benchmarks/scale_memory.py --client floor --streams 1000 --lines 30

Bytes per open stream, as Python allocated them (tracemalloc sees no allocator overhead, so
RSS per stream is higher).  ``--lines N`` also prints the N largest allocation lines.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import gc
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Dict, List, Tuple

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _scale_clients import Recorder, run_wave  # noqa: E402

#: part -> the file names whose allocations it counts (the rest is "other")
PARTS: Dict[str, Tuple[str, ...]] = {
    "asyncio (task, streams, transport, selector)": (
        "streams.py",
        "base_events.py",
        "selector_events.py",
        "events.py",
        "tasks.py",
        "_weakrefset.py",
        "weakref.py",
        "transports.py",
        "selectors.py",
    ),
    "the JSON of the current chunk": ("decoder.py",),
    "HTTP: the request, the response head, the connection (_http, _exchange, transport)": (
        "_http.py",
        "_exchange.py",
        "transport.py",
    ),
    "SSE parsing and the chat result (parser, _lines, chat, chat_result, chat_objects, _reasoning)": (
        "parser.py",
        "_lines.py",
        "chat.py",
        "chat_result.py",
        "chat_objects.py",
        "_reasoning.py",
    ),
    "the stream and client objects (_faces, client, chat_completions)": (
        "_faces.py",
        "client.py",
        "chat_completions.py",
    ),
    "the benchmark's own (the reading coroutine, the recorder)": ("_scale_clients.py",),
}
#: sse_pplx decodes a chunk's JSON with the json module's scanner called from this line
JSON_LINE = ("chat.py", "_parse_json")


def _part(filename: str, lineno: int, json_lines: List[int]) -> str:
    name = Path(filename).name
    if name == JSON_LINE[0] and lineno in json_lines:
        return "the JSON of the current chunk"
    for part, names in PARTS.items():
        if name in names:
            return part
    return "other"


def _json_lines() -> List[int]:
    """The lines of sse_pplx/chat.py's ``_parse_json`` (its scanner call allocates the chunk's JSON)."""
    import inspect

    from sse_pplx import chat

    lines, start = inspect.getsourcelines(chat._parse_json)
    return list(range(start, start + len(lines)))


def measure(client: str, streams: int, top_lines: int) -> None:
    server = subprocess.Popen(
        [sys.executable, str(HERE / "_scale_server.py"), "--workers", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = server.stdout.readline().split()[1]
        server.stdout.readline()
        url = f"http://127.0.0.1:{port}"
        run_wave(client, url, Recorder(2, 3), 0.0, 30, lambda: None)  # warm-up: imports, caches
        recorder = Recorder(streams, 6)
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        taken: Dict[str, object] = {}

        def snapshot() -> None:
            gc.collect()
            taken["snapshot"] = tracemalloc.take_snapshot()
            taken["open"] = recorder.open

        def on_started() -> None:
            asyncio.get_event_loop().call_later(2.7, snapshot)  # between the 3rd and 4th chunk

        run_wave(client, url, recorder, 1.0, 60, on_started)
        tracemalloc.stop()
    finally:
        assert server.stdin is not None and server.stdout is not None
        server.stdin.close()  # the server and its workers stop when their stdin closes
        server.stdout.read()
        server.wait(30)
    opened = int(taken["open"])  # type: ignore[call-overload]
    after = taken["snapshot"].filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])  # type: ignore[attr-defined]
    stats = after.compare_to(before, "lineno")
    json_lines = _json_lines()
    parts: Dict[str, int] = collections.Counter()
    for stat in stats:
        frame = stat.traceback[0]
        parts[_part(frame.filename, frame.lineno, json_lines)] += stat.size_diff
    total = sum(parts.values())
    print(f"## {client}: {recorder.correct()} of {streams} streams correct; {opened} open at the snapshot")
    print()
    print("| part | bytes per open stream |")
    print("|---|--:|")
    for part, size in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"| {part} | {size / opened:,.0f} |")
    print(f"| **total** | **{total / opened:,.0f}** |")
    print()
    for stat in stats[:top_lines]:
        frame = stat.traceback[0]
        per_stream = f"{stat.size_diff / opened:8,.0f} B {stat.count_diff / opened:5.1f} objects"
        print(f"    {per_stream}  {frame.filename}:{frame.lineno}")
    if top_lines:
        print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--client", action="append", help="a client of _scale_clients.py (default: sse_pplx-async, floor)"
    )
    parser.add_argument("--streams", type=int, default=300, help="streams open at once (default 300)")
    parser.add_argument("--lines", type=int, default=0, help="also print the N largest allocation lines")
    args = parser.parse_args()
    for client in args.client or ["sse_pplx-async", "floor"]:
        measure(client, args.streams, args.lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
