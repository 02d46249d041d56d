"""``python -m sse_pplx``: parse a Server-Sent Events stream and show what it holds.

* ``python -m sse_pplx --demo`` serves a recorded-shape Perplexity stream from
  127.0.0.1 in small random TCP writes (as a network delivers it), reads it with
  the real client and transport, and prints the answer as it streams, then its
  sources and usage.  No API key, no network.
* ``python -m sse_pplx < stream.txt`` (or ``--file PATH``) parses any SSE
  stream and prints one JSON object per event, as soon as it is complete.

The full command line (questions to the real API) comes with issue 7.  Exit status: 0 on success, 1 when the stream
broke a limit, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import random
import sys

from . import __version__
from .errors import APIError, ProtocolError
from .parser import iter_events

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import BinaryIO, Dict, Iterator, List, Optional


def _read_chunks(stream: BinaryIO, size: int = 65536) -> Iterator[bytes]:
    read = getattr(stream, "read1", stream.read)
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


def _demo(seed: int) -> int:
    """Replay a recorded stream from 127.0.0.1 and read it through the real client and transport."""
    from ._demo import SONAR_2025_FULL
    from ._loopback import ReplayServer
    from .client import Client

    raw = SONAR_2025_FULL
    rng = random.Random(seed)
    chunks: List[bytes] = []
    pos = 0
    while pos < len(raw):
        step = rng.randint(1, 97)
        chunks.append(raw[pos : pos + step])
        pos += step
    delays = [0.0] + [rng.uniform(0.002, 0.02) for _ in chunks[1:]]
    with ReplayServer(chunks, delays) as url:
        print(
            f"sse_pplx {__version__}: no API key needed: replaying a recorded Perplexity stream "
            f"({len(raw)} bytes in {len(chunks)} TCP writes) from {url} through the real client",
            file=sys.stderr,
        )
        with Client(base_url=url, api_key=None) as client:
            question = [{"role": "user", "content": "At what temperature does water boil?"}]
            with client.chat.completions.create(model="sonar", messages=question, stream=True) as stream:
                for text in stream.iter_text():
                    print(text, end="", flush=True)
                result = stream.get_final_completion()
    print()
    for number, source in enumerate(result.citations, 1):
        print(f"[{number}] {source}")
    usage = result.usage
    if usage is not None:
        print(f"usage: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens")
    print(f"outcome: {result.outcome} (finish_reason {result.finish_reason!r})", file=sys.stderr)
    return 0


def _dump(stream: BinaryIO) -> int:
    import json

    for event in iter_events(_read_chunks(stream)):
        record: Dict[str, object] = {"event": event.event, "data": event.data, "id": event.id}
        if event.retry is not None:
            record["retry"] = event.retry
        print(json.dumps(record, ensure_ascii=False), flush=True)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sse_pplx", description=__doc__.split("\n\n")[0])
    ap.add_argument("--demo", action="store_true", help="replay a recorded Perplexity stream over 127.0.0.1")
    ap.add_argument("--seed", type=int, default=7, help="chunking seed for --demo")
    ap.add_argument("--file", help="read the stream from this file instead of stdin")
    ap.add_argument("--version", action="version", version=f"sse_pplx {__version__}")
    args = ap.parse_args(argv)
    try:
        if args.demo:
            return _demo(args.seed)
        if args.file:
            with open(args.file, "rb") as f:
                return _dump(f)
        if sys.stdin.isatty():
            ap.print_help(sys.stderr)
            return 2
        return _dump(sys.stdin.buffer)
    except (ProtocolError, APIError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piped into `head`
        return 0
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
