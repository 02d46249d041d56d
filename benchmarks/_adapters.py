"""Adapters that drive each SSE parser over a pre-chunked body, in-process and without I/O.

Every adapter is a pair of functions:

* ``run(chunks) -> list`` parses the chunks and returns the parser's *native* event
  objects. This is the part that is timed.
* ``pairs(events) -> list[(event, data)]`` normalises them for the correctness check
  (not timed). A missing/empty event type is normalised to ``"message"``.

How each peer is driven (kept as close as possible to its own streaming code path):

* ``sse_pplx``: ``SSEParser(max_line_bytes=None, max_event_bytes=None)``, ``feed()`` per
  chunk, then ``close()``.
* ``sseclient-py``: ``sseclient.SSEClient(iter(chunks)).events()``.
* ``httpx-sse``: what ``EventSource.iter_sse`` does after httpx hands it text:
  ``codecs`` incremental UTF-8 decoder with ``errors="replace"`` (httpx's ``TextDecoder``;
  empty text is dropped like httpx's ``TextChunker``), ``SSELineDecoder.decode``/``flush``,
  ``line.rstrip("\\n")``, ``SSEDecoder.decode(line)``.
* ``requests-sse``: the real ``requests_sse.EventSource`` with a fake ``requests.Session``
  whose ``request()`` returns a real ``requests.Response`` (status 200,
  ``text/event-stream``) whose ``raw`` object has a urllib3-style ``stream()`` yielding our
  chunks. So ``EventSource.connect()``, ``Response.iter_content``/``iter_lines`` and
  ``EventSource.__next__`` all run unmodified. At end of body ``requests-sse`` tries to
  reconnect (``max_connect_retry=0``, ``reconnection_time=0``); the fake session then raises
  a ``requests.ConnectionError`` subclass, which is how the adapter stops.
* ``openai`` / ``perplexityai``: ``<pkg>._streaming.SSEDecoder().iter_bytes(iter(chunks))``.
* ``baseline``: not a parser and not incremental, exactly the floor the issue names:
  ``[b.decode() for b in b"".join(chunks).split(b"\\n\\n")]`` (``b"\\r\\n\\r\\n"`` for CRLF
  bodies). Its blocks become ``(event, data)`` pairs only for the (untimed) check.
"""

from __future__ import annotations

import codecs
import importlib
import importlib.metadata
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, List, Tuple

# Runtime aliases use typing generics so the benchmarks import on Python 3.8 too.
Pair = Tuple[str, str]
Runner = Callable[[List[bytes]], List[Any]]
PairsFn = Callable[[List[Any]], List[Pair]]


@dataclass
class Adapter:
    """A named way to run one parser; ``run`` is None when the parser is unavailable."""

    name: str
    dist: str | None
    run: Runner | None
    pairs: PairsFn
    skip_reason: str = ""

    @property
    def version(self) -> str:
        if self.dist is None:
            return "-"
        try:
            return importlib.metadata.version(self.dist)
        except importlib.metadata.PackageNotFoundError:
            return "(not installed)"


def _attr_pairs(events: list[Any]) -> list[Pair]:
    return [(ev.event or "message", ev.data) for ev in events]


# --- sse_pplx -----------------------------------------------------------------------------

REPO_ROOT = Path(__file__).resolve().parent.parent


def _sse_pplx_adapter() -> Adapter:
    # Benchmark the working tree this file lives in, even when another copy is installed.
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    try:
        from sse_pplx import SSEParser
    except ImportError as exc:
        return Adapter("sse_pplx", None, None, _attr_pairs, f"import sse_pplx failed: {exc}")

    def run(chunks: list[bytes]) -> list[Any]:
        parser = SSEParser(max_line_bytes=None, max_event_bytes=None)
        out: list[Any] = []
        feed = parser.feed
        extend = out.extend
        for chunk in chunks:
            extend(feed(chunk))
        extend(parser.close())
        return out

    return Adapter("sse_pplx", None, run, _attr_pairs)


# --- sseclient-py -------------------------------------------------------------------------


def _sseclient_adapter() -> Adapter:
    try:
        import sseclient
    except ImportError as exc:
        return Adapter("sseclient-py", "sseclient-py", None, _attr_pairs, str(exc))

    def run(chunks: list[bytes]) -> list[Any]:
        return list(sseclient.SSEClient(iter(chunks)).events())

    return Adapter("sseclient-py", "sseclient-py", run, _attr_pairs)


# --- httpx-sse ----------------------------------------------------------------------------


def _httpx_sse_adapter() -> Adapter:
    try:
        from httpx_sse._decoders import SSEDecoder, SSELineDecoder
    except ImportError as exc:
        return Adapter("httpx-sse", "httpx-sse", None, _attr_pairs, str(exc))

    def run(chunks: list[bytes]) -> list[Any]:
        text_decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        line_decoder = SSELineDecoder()
        sse_decoder = SSEDecoder()
        out: list[Any] = []

        def on_lines(lines: list[str]) -> None:
            for line in lines:
                sse = sse_decoder.decode(line.rstrip("\n"))
                if sse is not None:
                    out.append(sse)

        for chunk in chunks:
            text = text_decoder.decode(chunk)
            if text:  # httpx's TextChunker drops empty text
                on_lines(line_decoder.decode(text))
        tail = text_decoder.decode(b"", True)
        if tail:
            on_lines(line_decoder.decode(tail))
        on_lines(line_decoder.flush())
        return out

    return Adapter("httpx-sse", "httpx-sse", run, _attr_pairs)


# --- requests-sse -------------------------------------------------------------------------


def _requests_sse_adapter() -> Adapter:
    try:
        import requests
        from requests.structures import CaseInsensitiveDict
        from requests_sse import EventSource
    except ImportError as exc:
        return Adapter("requests-sse", "requests-sse", None, _attr_pairs, str(exc))

    class EndOfBody(requests.ConnectionError):
        """Raised by the fake session on requests-sse's reconnect attempt after EOF."""

    class FakeRaw:
        """The subset of urllib3.HTTPResponse that requests.Response.iter_content uses."""

        def __init__(self, chunks: list[bytes]) -> None:
            self._chunks = chunks

        def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Any:
            return iter(self._chunks)

        def close(self) -> None:
            pass

    class FakeSession:
        """Answers the first request with our body; any reconnect ends the benchmark stream."""

        def __init__(self, chunks: list[bytes]) -> None:
            self._chunks: list[bytes] | None = chunks

        def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
            if self._chunks is None:
                raise EndOfBody("end of benchmark body")
            response = requests.Response()
            response.status_code = 200
            response.url = url
            response.headers = CaseInsensitiveDict({"Content-Type": "text/event-stream"})
            response.raw = FakeRaw(self._chunks)
            self._chunks = None
            return response

        def close(self) -> None:
            pass

    def run(chunks: list[bytes]) -> list[Any]:
        source = EventSource(
            "http://bench.invalid/stream",
            session=FakeSession(chunks),
            max_connect_retry=0,
            reconnection_time=timedelta(0),
        )
        out: list[Any] = []
        source.connect(0)
        try:
            out.extend(source)
        except EndOfBody:
            pass  # requests-sse's reconnect attempt after the end of the body
        finally:
            source.close()
        return out

    def pairs(events: list[Any]) -> list[Pair]:
        return [(ev.type or "message", ev.data) for ev in events]

    return Adapter("requests-sse", "requests-sse", run, pairs)


# --- openai / perplexityai (Stainless-generated SSEDecoder) -------------------------------


def _stainless_adapter(name: str, dist: str, module: str) -> Adapter:
    try:
        decoder_cls = importlib.import_module(module).SSEDecoder
    except (ImportError, AttributeError) as exc:
        return Adapter(name, dist, None, _attr_pairs, str(exc))

    def run(chunks: list[bytes]) -> list[Any]:
        return list(decoder_cls().iter_bytes(iter(chunks)))

    return Adapter(name, dist, run, _attr_pairs)


# --- baseline -----------------------------------------------------------------------------


def baseline_run(chunks: list[bytes]) -> list[Any]:
    """The floor as the issue defines it: join all bytes, one split on the blank line, decode.

    ``[block.decode() for block in b"".join(chunks).split(sep)]`` and nothing else:
    no field parsing, no event objects, no incrementality (``.decode()`` with no
    arguments is CPython's fastest UTF-8 path).  It is not a parser; its output is
    turned into ``(event, data)`` pairs only for the correctness check, untimed.
    """
    body = b"".join(chunks)
    sep = b"\r\n\r\n" if b"\r\n" in body[:4096] else b"\n\n"
    return [block.decode() for block in body.split(sep)]


def _baseline_pairs(blocks: list[Any]) -> list[Pair]:
    """Untimed: the decoded blocks (the last piece is b"" or unterminated) as pairs."""
    out: list[Pair] = []
    for block in blocks[:-1]:
        event = "message"
        data: list[str] = []
        for line in block.replace("\r\n", "\n").split("\n"):
            field, _, value = line.partition(":")
            if value[:1] == " ":
                value = value[1:]
            if field == "data":
                data.append(value)
            elif field == "event":
                event = value or "message"
        if data:
            out.append((event, "\n".join(data)))
    return out


_FACTORIES: dict[str, Callable[[], Adapter]] = {
    "sse_pplx": _sse_pplx_adapter,
    "sseclient-py": _sseclient_adapter,
    "httpx-sse": _httpx_sse_adapter,
    "requests-sse": _requests_sse_adapter,
    "openai": lambda: _stainless_adapter("openai", "openai", "openai._streaming"),
    "perplexityai": lambda: _stainless_adapter("perplexityai", "perplexityai", "perplexity._streaming"),
    "baseline": lambda: Adapter("baseline", None, baseline_run, _baseline_pairs),
}
ADAPTER_NAMES = tuple(_FACTORIES)


def adapter(name: str) -> Adapter:
    """One parser's adapter, importing only that parser (a cold process of ``bench_parser.py``)."""
    return _FACTORIES[name]()


def all_adapters() -> list[Adapter]:
    """Every parser in table order: sse_pplx first, the baseline last."""
    return [factory() for factory in _FACTORIES.values()]
