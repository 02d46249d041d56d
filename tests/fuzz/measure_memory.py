"""Measure the parser's memory on the worst input shapes: where memory_bound's constants come from.

    python -m tests.fuzz.measure_memory [--size 262144]

For each shape, one stream far longer than the limits is fed (in one chunk of ``size`` bytes,
or in small chunks against limits of ``size`` bytes) and tracemalloc's peak is printed
against the chunk and limit sizes; ``hostile.memory_bound`` must hold for every row, with its
constants at least the largest ratio seen.  docs/reliability.md quotes the output.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, Dict, List, Tuple

from tests.fuzz.hostile import (
    MEMORY_CONSTANT,
    MEMORY_PER_CHUNK_BYTE,
    MEMORY_PER_LIMIT_BYTE,
    memory_bound,
    parser_memory,
)


def _repeat(unit: bytes, size: int) -> bytes:
    return unit * (size // len(unit))


#: builds (chunks, options) for a size: the chunk size, or the limit it stresses
Shape = Callable[[int], Tuple[List[bytes], Dict[str, int]]]


def shapes() -> Dict[str, Shape]:
    big = {"max_line_bytes": 1 << 40, "max_event_bytes": 1 << 40}

    def one_chunk(unit: bytes) -> Shape:
        return lambda n: ([_repeat(unit, n)], {"max_line_bytes": 64, "max_event_bytes": 64})

    def event_limit(unit: bytes, chunk: int = 4096, dispatch: bool = False) -> Shape:
        # Each unit is one data line of an event that counts len(value) + 1 bytes: repeat it
        # past the limit (or, with ``dispatch``, up to it, then end the event with a blank line).
        counted = len(unit) - len(b"data") - (unit[4:5] == b":") - (unit[5:6] == b" " and unit[4:5] == b":")

        def build(n: int) -> Tuple[List[bytes], Dict[str, int]]:
            data = unit * (n // counted) + b"\n" if dispatch else unit * (n // counted + 16)
            return [data[i : i + chunk] for i in range(0, len(data), chunk)], {
                "max_line_bytes": 64,
                "max_event_bytes": n,
            }

        return build

    def line_limit(prefix: bytes, chunk: int = 4096) -> Shape:
        def build(n: int) -> Tuple[List[bytes], Dict[str, int]]:
            data = prefix + b"x" * (4 * n)
            return [data[i : i + chunk] for i in range(0, len(data), chunk)], {
                "max_line_bytes": n,
                "max_event_bytes": 64,
            }

        return build

    return {
        # one chunk of many tiny lines or events: the batch, its split and the events built
        "chunk of b'ab\\n' lines": one_chunk(b"ab\n"),
        "chunk of b'\\n' (blank lines)": one_chunk(b"\n"),
        "chunk of b'data:ab\\n\\n' events": one_chunk(b"data:ab\n\n"),
        "chunk of b'data:a\\n\\n' events": one_chunk(b"data:a\n\n"),
        "chunk of b'data:ab\\nid:1\\n\\n' events": one_chunk(b"data:ab\nid:1\n\n"),
        "chunk of b'event:ab\\ndata:ab\\n\\n' events": one_chunk(b"event:ab\ndata:ab\n\n"),
        "chunk of b':ab\\n' comments": one_chunk(b":ab\n"),
        "chunk of b'data:\\xff\\n\\n' events (U+FFFD)": one_chunk(b"data:\xff\n\n"),
        "chunk of b'data:\\xe2\\x82\\xac\\n\\n' events": one_chunk(b"data:\xe2\x82\xac\n\n"),
        "chunk of b'data: \\xc3\\xa9\\xc3\\xa9\\n\\n' events": one_chunk(b"data: \xc3\xa9\xc3\xa9\n\n"),
        "chunk of b'data:\\xff\\r\\r' events": one_chunk(b"data:\xff\r\r"),
        "chunk of b'data:\\xff\\r\\n\\r\\n' events": one_chunk(b"data:\xff\r\n\r\n"),
        "chunk of b'data\\n\\n' events": one_chunk(b"data\n\n"),
        "chunk of b'id:\\xff\\ndata\\n\\n' events": one_chunk(b"id:\xff\ndata\n\n"),
        "chunk of b'retry:1\\ndata\\n\\n' events": one_chunk(b"retry:1\ndata\n\n"),
        "chunk of b'\\r' line ends": one_chunk(b"\r"),
        "chunk of b'data:ab\\r\\n\\r\\n' events": one_chunk(b"data:ab\r\n\r\n"),
        "chunk, unlimited, b'data:ab\\n' then no blank": lambda n: ([_repeat(b"data:ab\n", n)], big),
        # an event that never ends, against max_event_bytes: what the parser keeps
        "event of b'data:ab\\n' lines": event_limit(b"data:ab\n"),
        "event of b'data:ab\\n' lines, dispatched": event_limit(b"data:ab\n", dispatch=True),
        "event of b'data\\n' lines, dispatched": event_limit(b"data\n", dispatch=True),
        "event of b'data\\n' lines": event_limit(b"data\n"),
        "event of b'data:\\n' lines": event_limit(b"data:\n"),
        "event of b'data:abc\\n' lines, 1-byte chunks": event_limit(b"data:abc\n", 1),
        "event of b'data: ab\\n' lines, 7-byte chunks": event_limit(b"data: ab\n", 7),
        # a line that never ends, against max_line_bytes
        "endless data line": line_limit(b"data: "),
        "endless comment line": line_limit(b":"),
        "endless line, 1-byte chunks": line_limit(b"data:", 1),
    }


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256 * 1024, help="chunk size or limit, in bytes")
    args = parser.parse_args(argv)
    n = args.size
    print(
        f"memory_bound = {MEMORY_PER_CHUNK_BYTE} * chunk + {MEMORY_PER_LIMIT_BYTE} * (max_line_bytes + "
        f"max_event_bytes) + {MEMORY_CONSTANT}   (size {n})"
    )
    print(f"{'shape':50} {'chunk':>8} {'line':>8} {'event':>8} {'peak':>10} {'kept':>10} {'ratio':>6} {'bound':>10}")
    worst = 0.0
    failed = 0
    for name, build in shapes().items():
        chunks, options = build(n)
        chunk = max(len(c) for c in chunks)
        total = sum(len(c) for c in chunks)
        line = min(options.get("max_line_bytes", 8 << 20), total)
        event = min(options.get("max_event_bytes", 16 << 20), total)
        peak, kept = parser_memory(chunks, options)
        ratio = peak / n  # n: the chunk, or the stressed limit (the other limit is 64 bytes)
        worst = max(worst, ratio)
        bound = memory_bound(chunk, line, event)
        ok = peak <= bound
        failed += not ok
        print(
            f"{name:50} {chunk:>8} {line:>8} {event:>8} {peak:>10} {kept:>10} {ratio:>6.1f} {bound:>10}"
            + ("" if ok else "  OVER")
        )
    print(f"largest peak / stressed size: {worst:.1f}; rows over the bound: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
