"""``python -m sse_pplx``: parse a Server-Sent Events stream and show what it holds.

* ``python -m sse_pplx --demo`` feeds a recorded-shape Perplexity stream through
  the parser in small random chunks (as a network delivers it) and prints the
  answer as it streams, then its sources and usage.
* ``python -m sse_pplx < stream.txt`` (or ``--file PATH``) parses any SSE
  stream and prints one JSON object per event, as soon as it is complete.

The HTTP client and the full command line come with the client (issue 7); this
is the parser-only first step.  Exit status: 0 on success, 1 when the stream
broke a limit, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import random
import sys

from . import __version__
from .errors import ProtocolError
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
    from ._demo import SONAR_2025_FULL
    from .chat import ChatStream

    raw = SONAR_2025_FULL
    rng = random.Random(seed)
    chunks: List[bytes] = []
    pos = 0
    while pos < len(raw):
        step = rng.randint(1, 97)
        chunks.append(raw[pos : pos + step])
        pos += step
    print(
        f"sse_pplx {__version__}: a recorded-shape Perplexity stream ({len(raw)} bytes) "
        f"in {len(chunks)} chunks of 1-97 bytes",
        file=sys.stderr,
    )
    stream = ChatStream(on_content=lambda text: print(text, end="", flush=True))
    for chunk in chunks:
        stream.feed(chunk)
    result = stream.close()
    print()
    for number, url in enumerate(result.citations, 1):
        print(f"[{number}] {url}")
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
    ap.add_argument("--demo", action="store_true", help="parse a built-in Perplexity stream")
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
    except ProtocolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # pragma: no cover - e.g. piped into `head`
        return 0
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
