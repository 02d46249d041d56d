"""Named faults for the replay server: what goes wrong on real SSE connections, on demand.

Each fault edits the *plan* of one HTTP response (status, headers, the body cut
into TCP writes with a delay before each, and how the body ends) before
:mod:`conformance.serve` sends it.  On the command line a fault is
``--fault NAME[=ARG][,KEY=VALUE...]`` (a bare word after the first comma is a
flag, ``KEY=true``); in Python it is either that string or an instance of the
class, e.g. ``ResetMidEvent(event=2)``.  ``python -m conformance serve --list-faults``
prints this list.

Positions.  Faults that act *somewhere* in the stream take one of
``event=K`` (inside event K: halfway through the value of its last ``data``
line, on a character boundary), ``after-event=K`` (right after event K's blank
line; 0 = before the first event) or ``byte=N`` (body offset N).  Events count
from 1 over blocks that hold at least one field line; ``-1`` is the last event.
When a fault says "mid-event K" and no K is given, K is 2 (1 for a one-event
stream), so at least one whole event is delivered first.

What a correct client does with each fault is the second sentence.

Transport:

* ``reset-mid-event[=K]`` - send up to the middle of event K, then reset the
  connection (TCP RST: ``SO_LINGER`` 0 and close).  The client delivers every
  complete event before the cut, then raises a connection error; it never
  dispatches the half event and never reports a clean end.
* ``reset-after=N`` - the same, after N body bytes.
* ``close-mid-event[=K]`` - close the connection (FIN) in the middle of event K
  *without* ending the chunked body (no ``0`` chunk).  A truncated transfer: a
  typed "incomplete" error after the complete events, not a clean EOF.
* ``disconnect[=reset]`` - read the request and close (or reset) without any
  response.  A connection error before the response, which a retry policy may
  retry.
* ``stall-headers[=S]`` - read the request, send nothing for S seconds
  (default forever), then respond.  A read timeout before the headers.

Framing and encoding:

* ``content-length`` - a ``Content-Length`` body instead of chunked; each write
  is still its own TCP write.  The same events.
* ``close-delimited[=1.0]`` - no length, no chunking: the end of the body is the
  close of the connection (``=1.0`` also answers ``HTTP/1.0``).  The same
  events; EOF is the end of the stream.
* ``bad-chunked[=hex|huge|missing-crlf][,after-event=K]`` - after event K
  (default 1) the chunked framing breaks: a chunk-size line that is not hex
  (``zz``), a size far past what follows (then close), or chunk data without its
  CRLF.  The events before it, then a protocol error; never a silent clean end.
* ``gzip[=sync|buffered]`` - ``Content-Encoding: gzip`` whatever the client
  asked for.  ``sync`` flushes (``Z_SYNC_FLUSH``) after every write so events
  still trickle through; ``buffered`` does not, so nothing usable arrives until
  the end (the tower-rs/tower-http#420 failure).  A client that sent
  ``Accept-Encoding: identity`` either decodes it or reports the encoding it did
  not ask for; it never hands compressed bytes to the parser.

Stream content:

* ``no-done`` - drop the ``data: [DONE]`` event; the body still ends cleanly.
  Outcome "finished" when a ``finish_reason`` arrived, else "truncated".
* ``eof-unterminated[=K]`` - end the body cleanly just before event K's blank
  line (default: the last event), e.g. after ``id:`` and ``data:`` lines.  Per
  spec the unterminated event is discarded (a complete ``id:`` line still sets
  the last event ID).
* ``eof-mid-event[=K]`` - end the body cleanly in the middle of a ``data`` line
  of event K.  As above: discarded, reported as truncated.
* ``garbage[=BYTES][,POSITION]`` - insert bytes (Python escapes, e.g.
  ``\\x00\\xff``; default an unknown-field line with a NUL, DEL and invalid
  UTF-8) as their own write, by default after event 1.  The default line is an
  unknown field, so every event still arrives unchanged.
* ``invalid-utf8[=BYTES][,POSITION]`` - insert invalid UTF-8 (default
  ``\\xff\\xfe\\xc3(``) inside a data value, by default mid-event K.  Each bad
  sequence becomes U+FFFD; no crash, no lost events (a chat client keeps a
  payload that no longer parses as malformed).
* ``endless-line[=N][,POSITION][,write=BYTES]`` - from the position (default
  after event 1), a ``data:`` line that never ends: N bytes then a clean end,
  or without N, bytes until the client goes away.  The client stops at its line
  or event limit with a typed error; memory stays bounded.
* ``split-crlf[=N][,gap=MS]`` - the first N (default all) CR LF pairs go out as
  two TCP writes, CR then LF, ``gap`` ms apart (default 5).  A stream with no CR
  at all is first converted to CRLF line endings.  One line ending, not two:
  the same events (rexxars/eventsource-parser#17).
* ``split-utf8[=N][,gap=MS]`` - the first N (default all) multibyte UTF-8
  characters go out one byte per write.  No U+FFFD: the decoder keeps its state
  across reads.
* ``trickle[=MS]`` - every body byte its own write, MS ms apart (default 10).
  The same events, each as soon as its blank line arrives; an idle timeout does
  not fire, a deadline does.
* ``stall[=S][,POSITION]`` - stop writing for S seconds (default forever) at the
  position (default mid-event K), keeping the socket open.  With an idle
  timeout shorter than S: a timeout error after the complete events.
* ``keepalive[=MS][,comment=TEXT]`` - during every pause (recorded delays,
  stalls) write a comment line (``: keep-alive``) every MS ms (default 500),
  only where a line has just ended with LF.  Comments are not events; they
  reset an idle timeout but not a deadline.

Responses:

* ``json-error[=STATUS][,message=...,type=...,code=...]`` - STATUS (default
  500) with ``{"error": {"message", "type", "code"}}`` (``code`` is the status,
  as Perplexity sends it).  A typed status error carrying the parsed body;
  ``json-error=200`` is the "200 with an error body" case.
* ``fastapi-error[=STATUS]`` - STATUS (default 422) with FastAPI's
  ``{"detail": [{"loc", "msg", "type"}]}``.  A typed error whose message comes
  from ``detail``.
* ``html-error[=STATUS][,server=nginx|openresty|cloudflare]`` - STATUS
  (default 502) with an edge proxy's HTML page.  A typed status error; the
  HTML is never parsed as JSON or as events.
* ``rate-limit[=SECONDS][,date][,ms=MS][,status=N]`` - 429 (or N) with
  ``Retry-After: SECONDS`` (an HTTP date with ``date``), ``retry-after-ms``
  (default SECONDS*1000; ``ms=none`` omits it) and a JSON error body.  A retry
  after that delay (``retry-after-ms`` first), within the client's cap, or a
  ``RateLimitError``.
* ``should-retry=true|false`` - add ``x-should-retry`` to the response.  It
  overrides the status rules of an SDK-style retry policy.
* ``wrong-content-type[=TYPE]`` - a 200 that is not an event stream: by default
  ``application/json`` with the whole completion (built from the fixture's chat
  stream); any other TYPE keeps the body and changes only the header (``none``
  drops it).  A typed error, or an explicit non-streaming path; never events.
* ``no-content`` - ``204 No Content``.  Per the EventSource spec, stop: no
  events, no reconnect.
* ``redirect[=301|302|303|307|308][,location=PATH]`` - redirect to PATH (default
  ``/redirected``, made absolute from the Host header); a request for PATH gets
  the stream.  A client follows it only where it means to (and keeps the method
  and body only for 307/308), or reports it.
* ``header=NAME:VALUE`` - add (or replace) a response header.

Faults compose: response replacements apply first, then content edits, cuts,
splits, and last framing, encoding and pacing.  Combinations that cannot be
sent (e.g. ``content-length`` with an endless body) raise :class:`FaultError`.
"""

from __future__ import annotations

import codecs
import email.utils
import json
import math
import re
import time
import zlib
from http import HTTPStatus
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Type, Union

__all__ = [
    "FAULTS",
    "INF",
    "BadChunked",
    "CloseDelimited",
    "CloseMidEvent",
    "ContentLength",
    "Disconnect",
    "EndlessLine",
    "EofMidEvent",
    "EofUnterminated",
    "EventSpan",
    "FastAPIError",
    "Fault",
    "FaultError",
    "Garbage",
    "Gzip",
    "Header",
    "HtmlError",
    "InvalidUtf8",
    "JsonError",
    "Keepalive",
    "NoContent",
    "NoDone",
    "Plan",
    "RateLimit",
    "Redirect",
    "ResetAfter",
    "ResetMidEvent",
    "Segment",
    "ShouldRetry",
    "SplitCrlf",
    "SplitUtf8",
    "Stall",
    "StallHeaders",
    "Trickle",
    "WrongContentType",
    "apply_faults",
    "describe_faults",
    "event_spans",
    "parse_fault",
]

INF = math.inf

FaultLike = Union[str, "Fault"]


class FaultError(ValueError):
    """A fault that cannot be parsed, or cannot be applied to this stream."""


# -- the plan of one response -------------------------------------------------


class Segment:
    """One TCP write of body bytes, sent ``delay`` seconds after the previous one.

    An empty segment carries only a pause.
    """

    __slots__ = ("data", "delay")

    def __init__(self, data: bytes, delay: float = 0.0) -> None:
        self.data = data
        self.delay = delay

    def __repr__(self) -> str:
        return f"Segment({self.data!r}, delay={self.delay:g})"


#: How a body may end: the chunked terminator / clean close ("end"), a TCP reset,
#: a FIN without the terminator ("close"), a pause until the client or the server
#: goes away ("hang"), bytes without end ("endless"), broken chunk framing.
ENDINGS = ("end", "reset", "close", "hang", "endless", "bad-chunk")


class Plan:
    """Everything one response will send.  Faults edit it; the server writes it.

    Attributes:
        status, reason: the status line (``reason`` None = the standard phrase).
        http_version: ``"HTTP/1.1"`` or ``"HTTP/1.0"``.
        headers: ``[(name, value)]`` in order; framing headers are added when sent.
        segments: the body as :class:`Segment` writes.
        framing: ``"chunked"``, ``"length"`` (Content-Length), ``"close"``
            (close-delimited) or ``"none"`` (no body, e.g. 204).
        encoding: None or ``"gzip"``; ``gzip_sync`` flushes after each write.
        end: one of :data:`ENDINGS`; ``end_arg`` its parameter.
        cut_rest: the body bytes a cut dropped (a reset or stall still announces them in ``Content-Length``).
        keepalive: seconds between keep-alive comments during pauses, or None.
        head_delay: seconds to wait before the status line (``inf`` = never send it).
        disconnect: None, ``"close"`` or ``"reset"``: no response at all.
        close_after: close the connection after this response even if it ended cleanly.
        applied: the names of the faults applied, in order.
    """

    def __init__(self, data: bytes = b"", segments: Optional[List[Segment]] = None, status: int = 200) -> None:
        self.status = status
        self.reason: Optional[str] = None
        self.http_version = "HTTP/1.1"
        self.headers: List[Tuple[str, str]] = []
        self.segments: List[Segment] = segments if segments is not None else ([Segment(data)] if data else [])
        self.framing = "chunked"
        self.encoding: Optional[str] = None
        self.gzip_sync = True
        self.end = "end"
        self.end_arg: Any = None
        self.cut_rest = b""
        self.keepalive: Optional[float] = None
        self.keepalive_comment = b": keep-alive\n"
        self.head_delay = 0.0
        self.disconnect: Optional[str] = None
        self.close_after = False
        self.applied: List[str] = []

    # headers

    def get_header(self, name: str) -> Optional[str]:
        lower = name.lower()
        for key, value in self.headers:
            if key.lower() == lower:
                return value
        return None

    def set_header(self, name: str, value: Optional[str]) -> None:
        """Replace every header of that name (None removes them)."""
        lower = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lower]
        if value is not None:
            self.headers.append((name, value))

    # body

    @property
    def body(self) -> bytes:
        return b"".join(seg.data for seg in self.segments)

    def replace_body(self, data: bytes, *, framing: str = "length", content_type: Optional[str] = None) -> None:
        """A whole new body, one write (error pages and other non-stream responses)."""
        self.segments = [Segment(data)] if data else []
        self.framing = framing
        self.end, self.end_arg, self.cut_rest = "end", None, b""
        if content_type is not None:
            self.set_header("Content-Type", content_type)

    def split_at(self, pos: int, delay: Optional[float] = None) -> int:
        """Make a segment start at body offset ``pos``; return its index.

        A new segment gets ``delay`` (default 0); an existing boundary gets at
        least ``delay``.  ``pos`` equal to the body length returns ``len(segments)``.
        """
        off = 0
        for i, seg in enumerate(self.segments):
            if pos == off and seg.data:
                if delay is not None:
                    seg.delay = max(seg.delay, delay)
                return i
            end = off + len(seg.data)
            if off < pos < end:
                k = pos - off
                self.segments[i : i + 1] = [Segment(seg.data[:k], seg.delay), Segment(seg.data[k:], delay or 0.0)]
                return i + 1
            off = end
        if pos == off:
            return len(self.segments)
        raise FaultError(f"offset {pos} is past the end of the body ({off} bytes)")

    def cut(self, pos: int, clean: bool = False) -> None:
        """Keep only the body before ``pos``; ``clean``: the shorter body is the whole body."""
        rest = self.body[pos:]
        del self.segments[self.split_at(pos) :]
        self.cut_rest = b"" if clean else rest + self.cut_rest

    def delete(self, start: int, stop: int) -> None:
        i = self.split_at(start)
        j = self.split_at(stop)
        del self.segments[i:j]

    def insert(self, pos: int, data: bytes, delay: float = 0.0) -> None:
        self.segments.insert(self.split_at(pos), Segment(data, delay))

    def set_end(self, end: str, arg: Any = None, fault: str = "") -> None:
        if self.end != "end":
            raise FaultError(f"{fault}: the body already ends with {self.end!r}; these faults conflict")
        self.end, self.end_arg = end, arg

    def content_length(self) -> int:
        """The ``Content-Length`` to announce (the whole body, even when a fault cuts it)."""
        if self.encoding is None:
            return len(self.body) + len(self.cut_rest)
        if self.end != "end" or self.cut_rest:
            raise FaultError("gzip with content-length needs a body that ends cleanly")
        encoder = GzipEncoder(self.gzip_sync)
        return sum(len(encoder.encode(seg.data)) for seg in self.segments) + len(encoder.finish())

    def check(self) -> None:
        """Raise :class:`FaultError` for combinations that cannot be sent."""
        if self.framing == "length":
            if self.keepalive is not None:
                raise FaultError("keepalive comments cannot be sent in a content-length body")
            if self.end == "endless":
                raise FaultError("an endless body has no content-length")
            self.content_length()
        if self.end == "bad-chunk" and self.framing != "chunked":
            raise FaultError("bad-chunked needs a chunked body")
        if self.framing == "none" and self.segments:
            raise FaultError(f"a {self.status} response has no body")


class GzipEncoder:
    """Incremental gzip: with ``sync``, every piece is flushed so it can be decoded at once."""

    def __init__(self, sync: bool = True) -> None:
        self._z = zlib.compressobj(6, zlib.DEFLATED, 31)
        self._sync = sync

    def encode(self, data: bytes) -> bytes:
        out = self._z.compress(data)
        return out + self._z.flush(zlib.Z_SYNC_FLUSH) if self._sync else out

    def finish(self) -> bytes:
        return self._z.flush(zlib.Z_FINISH)


# -- where the events are -------------------------------------------------------

_EOL = re.compile(rb"\r\n|\r|\n")
_BOM = b"\xef\xbb\xbf"


class EventSpan:
    """Where one event block lies in a body.

    ``start``: its first line; ``blank``: the start of the blank line that ends
    it (None when unterminated); ``stop``: just past that blank line;
    ``data_lines``: ``(value_start, value_end)`` of each ``data`` line.
    """

    __slots__ = ("blank", "data_lines", "start", "stop")

    def __init__(self, start: int, blank: Optional[int], stop: int, data_lines: List[Tuple[int, int]]) -> None:
        self.start = start
        self.blank = blank
        self.stop = stop
        self.data_lines = data_lines

    def data(self, body: bytes) -> str:
        return "\n".join(body[a:b].decode("utf-8", "replace") for a, b in self.data_lines)

    def middle(self, body: bytes) -> int:
        """A point strictly inside the event, before its blank line, on a character boundary."""
        if self.data_lines:
            a, b = self.data_lines[-1]
            pos = a + (b - a) // 2
            while pos > a and 0x80 <= body[pos] < 0xC0:
                pos -= 1
            return pos
        end = self.blank if self.blank is not None else self.stop
        return self.start + max(1, (end - self.start) // 2)

    def __repr__(self) -> str:
        return f"EventSpan({self.start}, {self.blank}, {self.stop}, {self.data_lines})"


def event_spans(body: bytes) -> List[EventSpan]:
    """The event blocks of a body (blocks with at least one line that is not a comment)."""
    spans: List[EventSpan] = []
    pos = len(_BOM) if body.startswith(_BOM) else 0
    n = len(body)
    start: Optional[int] = None
    data_lines: List[Tuple[int, int]] = []
    fields = False
    while pos < n:
        m = _EOL.search(body, pos)
        line_end, nxt = (m.start(), m.end()) if m else (n, n)
        if m is not None and line_end == pos:
            if start is not None and fields:
                spans.append(EventSpan(start, pos, nxt, data_lines))
            start, data_lines, fields = None, [], False
        else:
            if start is None:
                start = pos
            if body[pos : pos + 1] != b":":
                fields = True
            if body.startswith(b"data", pos) and (line_end == pos + 4 or body[pos + 4 : pos + 5] == b":"):
                value = min(pos + 5, line_end)
                if body[value : value + 1] == b" " and value < line_end:
                    value += 1
                data_lines.append((value, line_end))
        pos = nxt
    if start is not None and fields:
        spans.append(EventSpan(start, None, n, data_lines))
    return spans


def _event(spans: List[EventSpan], k: int, fault: str) -> EventSpan:
    if not spans:
        raise FaultError(f"{fault}: the stream has no events")
    index = k - 1 if k > 0 else len(spans) + k
    if k == 0 or not 0 <= index < len(spans):
        raise FaultError(f"{fault}: no event {k} (the stream has {len(spans)})")
    return spans[index]


def _default_k(spans: List[EventSpan]) -> int:
    return 2 if len(spans) >= 2 else 1


def position(
    plan: Plan,
    fault: str,
    *,
    event: Optional[int] = None,
    after_event: Optional[int] = None,
    byte: Optional[int] = None,
    default: Tuple[str, Optional[int]] = ("event", None),
) -> int:
    """Resolve one of ``event=K`` / ``after-event=K`` / ``byte=N`` to a body offset."""
    given = [(name, v) for name, v in (("event", event), ("after-event", after_event), ("byte", byte)) if v is not None]
    if len(given) > 1:
        raise FaultError(f"{fault}: give one of event=, after-event=, byte=")
    kind, value = given[0] if given else default
    body = plan.body
    if kind == "byte":
        assert value is not None
        if not 0 <= value <= len(body):
            raise FaultError(f"{fault}: byte={value} is outside the body (0..{len(body)})")
        return value
    spans = event_spans(body)
    if kind == "after-event":
        if value == 0:
            return spans[0].start if spans else 0
        return _event(spans, value if value is not None else 1, fault).stop
    span = _event(spans, value if value is not None else _default_k(spans), fault)
    return span.middle(body)


# -- faults ---------------------------------------------------------------------------


def _bytes_arg(value: Union[str, bytes]) -> bytes:
    if isinstance(value, bytes):
        return value
    decoded: bytes = codecs.escape_decode(value.encode("utf-8"))[0]
    return decoded


def _seconds(value: Union[str, float, None]) -> float:
    if value is None:
        return INF
    if isinstance(value, str) and value.lower() in ("inf", "forever", "none", ""):
        return INF
    seconds = float(value)
    if seconds < 0:
        raise ValueError("must be >= 0")
    return seconds


def _opt_int(value: Any) -> Optional[int]:
    return None if value is None or value in ("all", "") else int(value)


def _ms(value: Any) -> Optional[float]:
    return None if value in (None, "none") else float(value)


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


class Fault:
    """Base class.  ``name`` is the command-line name; ``stage`` orders composition."""

    name = ""
    stage = 1
    #: The argument after ``NAME=``, then the ``KEY=VALUE`` options: name -> converter.
    positional: Optional[str] = None
    options: Tuple[Tuple[str, Callable[[Any], Any]], ...] = ()

    def apply(self, plan: Plan, request: Any) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class _Positioned(Fault):
    options: Tuple[Tuple[str, Callable[[Any], Any]], ...] = (("event", int), ("after_event", int), ("byte", int))

    def __init__(self, event: Optional[int] = None, after_event: Optional[int] = None, byte: Optional[int] = None):
        self.event = event
        self.after_event = after_event
        self.byte = byte

    def where(self, plan: Plan, default: Tuple[str, Optional[int]] = ("event", None)) -> int:
        return position(
            plan, self.name, event=self.event, after_event=self.after_event, byte=self.byte, default=default
        )


# transport


class ResetMidEvent(Fault):
    name = "reset-mid-event"
    stage = 2
    positional = "event"
    options = (("event", int),)

    def __init__(self, event: Optional[int] = None) -> None:
        self.event = event

    def apply(self, plan: Plan, request: Any) -> None:
        plan.cut(position(plan, self.name, event=self.event))
        plan.set_end("reset", fault=self.name)


class ResetAfter(Fault):
    name = "reset-after"
    stage = 2
    positional = "bytes"
    options = (("bytes", int),)

    def __init__(self, bytes: int = 0) -> None:
        self.bytes = bytes

    def apply(self, plan: Plan, request: Any) -> None:
        plan.cut(position(plan, self.name, byte=self.bytes))
        plan.set_end("reset", fault=self.name)


class CloseMidEvent(Fault):
    name = "close-mid-event"
    stage = 2
    positional = "event"
    options = (("event", int),)

    def __init__(self, event: Optional[int] = None) -> None:
        self.event = event

    def apply(self, plan: Plan, request: Any) -> None:
        plan.cut(position(plan, self.name, event=self.event))
        plan.set_end("close", fault=self.name)


class Disconnect(Fault):
    name = "disconnect"
    stage = 0
    positional = "how"
    options = (("how", str),)

    def __init__(self, how: str = "close") -> None:
        if how not in ("close", "reset"):
            raise FaultError("disconnect: close or reset")
        self.how = how

    def apply(self, plan: Plan, request: Any) -> None:
        plan.disconnect = self.how


class StallHeaders(Fault):
    name = "stall-headers"
    stage = 4
    positional = "seconds"
    options = (("seconds", _seconds),)

    def __init__(self, seconds: float = INF) -> None:
        self.seconds = _seconds(seconds)

    def apply(self, plan: Plan, request: Any) -> None:
        plan.head_delay = self.seconds


# framing and encoding


class ContentLength(Fault):
    name = "content-length"
    stage = 4

    def apply(self, plan: Plan, request: Any) -> None:
        plan.framing = "length"


class CloseDelimited(Fault):
    name = "close-delimited"
    stage = 4
    positional = "version"
    options = (("version", str),)

    def __init__(self, version: str = "1.1") -> None:
        if version not in ("1.0", "1.1"):
            raise FaultError("close-delimited: version 1.0 or 1.1")
        self.version = version

    def apply(self, plan: Plan, request: Any) -> None:
        plan.framing = "close"
        plan.http_version = "HTTP/" + self.version


class BadChunked(_Positioned):
    name = "bad-chunked"
    stage = 2
    positional = "kind"
    options = (*_Positioned.options, ("kind", str))
    KINDS = ("hex", "huge", "missing-crlf")

    def __init__(
        self,
        kind: str = "hex",
        event: Optional[int] = None,
        after_event: Optional[int] = None,
        byte: Optional[int] = None,
    ) -> None:
        if kind not in self.KINDS:
            raise FaultError(f"bad-chunked: kind is one of {', '.join(self.KINDS)}")
        super().__init__(event, after_event, byte)
        self.kind = kind

    def apply(self, plan: Plan, request: Any) -> None:
        plan.cut(self.where(plan, default=("after-event", 1)))
        plan.set_end("bad-chunk", self.kind, fault=self.name)


class Gzip(Fault):
    name = "gzip"
    stage = 4
    positional = "mode"
    options = (("mode", str),)

    def __init__(self, mode: str = "sync") -> None:
        if mode not in ("sync", "buffered"):
            raise FaultError("gzip: sync or buffered")
        self.mode = mode

    def apply(self, plan: Plan, request: Any) -> None:
        plan.encoding = "gzip"
        plan.gzip_sync = self.mode == "sync"
        plan.set_header("Content-Encoding", "gzip")


# stream content


def _done_span(body: bytes) -> Optional[EventSpan]:
    for span in event_spans(body):
        if span.data_lines and span.data(body).strip() == "[DONE]":
            return span
    return None


class NoDone(Fault):
    name = "no-done"

    def apply(self, plan: Plan, request: Any) -> None:
        body = plan.body
        span = _done_span(body)
        if span is None:
            raise FaultError("no-done: the stream has no data: [DONE] event")
        plan.delete(span.start, span.stop)


class EofUnterminated(Fault):
    name = "eof-unterminated"
    positional = "event"
    options = (("event", int),)

    def __init__(self, event: int = -1) -> None:
        self.event = event

    def apply(self, plan: Plan, request: Any) -> None:
        span = _event(event_spans(plan.body), self.event, self.name)
        plan.cut(span.blank if span.blank is not None else span.stop, clean=True)


class EofMidEvent(Fault):
    name = "eof-mid-event"
    positional = "event"
    options = (("event", int),)

    def __init__(self, event: Optional[int] = None) -> None:
        self.event = event

    def apply(self, plan: Plan, request: Any) -> None:
        plan.cut(position(plan, self.name, event=self.event), clean=True)


class Garbage(_Positioned):
    name = "garbage"
    positional = "data"
    options = (*_Positioned.options, ("data", _bytes_arg))
    DEFAULT = b"\x00garbage\x7f\xff\xfe line\n"

    def __init__(
        self,
        data: Union[bytes, str] = DEFAULT,
        event: Optional[int] = None,
        after_event: Optional[int] = None,
        byte: Optional[int] = None,
    ) -> None:
        super().__init__(event, after_event, byte)
        self.data = _bytes_arg(data)

    def apply(self, plan: Plan, request: Any) -> None:
        pos = self.where(plan, default=("after-event", 1))
        plan.insert(pos, self.data)
        plan.split_at(pos + len(self.data))


class InvalidUtf8(Garbage):
    name = "invalid-utf8"
    DEFAULT = b"\xff\xfe\xc3("

    def __init__(
        self,
        data: Union[bytes, str] = DEFAULT,
        event: Optional[int] = None,
        after_event: Optional[int] = None,
        byte: Optional[int] = None,
    ) -> None:
        super().__init__(data, event, after_event, byte)

    def apply(self, plan: Plan, request: Any) -> None:
        pos = self.where(plan)
        plan.insert(pos, self.data)
        plan.split_at(pos + len(self.data))


class EndlessLine(_Positioned):
    name = "endless-line"
    stage = 2
    positional = "bytes"
    options = (*_Positioned.options, ("bytes", _opt_int), ("write", int))

    def __init__(
        self,
        bytes: Optional[int] = None,
        event: Optional[int] = None,
        after_event: Optional[int] = None,
        byte: Optional[int] = None,
        write: int = 16384,
    ) -> None:
        super().__init__(event, after_event, byte)
        if write < 1 or (bytes is not None and bytes < 0):
            raise FaultError("endless-line: sizes must be positive")
        self.bytes = bytes
        self.write = write

    def apply(self, plan: Plan, request: Any) -> None:
        plan.cut(self.where(plan, default=("after-event", 1)), clean=True)
        if self.bytes is None:
            plan.set_end("endless", (b"data: ", self.write), fault=self.name)
            return
        line = (b"data: " + b"x" * self.bytes)[: self.bytes]
        for i in range(0, len(line), self.write):
            plan.segments.append(Segment(line[i : i + self.write]))


class Stall(_Positioned):
    name = "stall"
    stage = 2
    positional = "seconds"
    options = (*_Positioned.options, ("seconds", _seconds))

    def __init__(
        self,
        seconds: float = INF,
        event: Optional[int] = None,
        after_event: Optional[int] = None,
        byte: Optional[int] = None,
    ) -> None:
        super().__init__(event, after_event, byte)
        self.seconds = _seconds(seconds)

    def apply(self, plan: Plan, request: Any) -> None:
        pos = self.where(plan)
        if self.seconds == INF:
            plan.cut(pos)
            plan.set_end("hang", fault=self.name)
        else:
            plan.segments.insert(plan.split_at(pos), Segment(b"", self.seconds))


class SplitCrlf(Fault):
    name = "split-crlf"
    stage = 3
    positional = "count"
    options = (("count", _opt_int), ("gap", float))

    def __init__(self, count: Optional[int] = None, gap: float = 5.0) -> None:
        self.count = count
        self.gap = gap

    def apply(self, plan: Plan, request: Any) -> None:
        if b"\r" not in plan.body:
            for seg in plan.segments:
                seg.data = seg.data.replace(b"\n", b"\r\n")
            plan.cut_rest = plan.cut_rest.replace(b"\n", b"\r\n")
        body = plan.body
        points = [m.start() + 1 for m in re.finditer(b"\r\n", body)][: self.count]
        if not points:
            raise FaultError("split-crlf: the stream has no line endings")
        for pos in points:
            plan.split_at(pos, self.gap / 1000.0)


class SplitUtf8(Fault):
    name = "split-utf8"
    stage = 3
    positional = "count"
    options = (("count", _opt_int), ("gap", float))
    _CHAR = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")

    def __init__(self, count: Optional[int] = None, gap: float = 5.0) -> None:
        self.count = count
        self.gap = gap

    def apply(self, plan: Plan, request: Any) -> None:
        chars = list(self._CHAR.finditer(plan.body))[: self.count]
        if not chars:
            raise FaultError("split-utf8: the stream has no multibyte UTF-8 character")
        for m in chars:
            for pos in range(m.start() + 1, m.end()):
                plan.split_at(pos, self.gap / 1000.0)


class Trickle(Fault):
    name = "trickle"
    stage = 3
    positional = "interval"
    options = (("interval", float),)

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval

    def apply(self, plan: Plan, request: Any) -> None:
        gap = self.interval / 1000.0
        out: List[Segment] = []
        for seg in plan.segments:
            if not seg.data:
                out.append(seg)
                continue
            out.append(Segment(seg.data[:1], seg.delay))
            out.extend(Segment(seg.data[i : i + 1], gap) for i in range(1, len(seg.data)))
        plan.segments = out


class Keepalive(Fault):
    name = "keepalive"
    stage = 4
    positional = "interval"
    options = (("interval", float), ("comment", str))

    def __init__(self, interval: float = 500.0, comment: str = " keep-alive") -> None:
        if interval <= 0:
            raise FaultError("keepalive: the interval must be > 0 ms")
        self.interval = interval
        self.comment = comment

    def apply(self, plan: Plan, request: Any) -> None:
        plan.keepalive = self.interval / 1000.0
        plan.keepalive_comment = b":" + self.comment.encode("utf-8") + b"\n"


# responses

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    409: "conflict_error",
    422: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def error_body(status: int, message: Optional[str] = None, type: Optional[str] = None, code: Any = None) -> bytes:
    """``{"error": {"message", "type", "code"}}`` as Perplexity sends it (``code`` = the status)."""
    error = {
        "message": message if message is not None else f"{_phrase(status)} (injected by conformance.faults)",
        "type": type if type is not None else _ERROR_TYPES.get(status, "api_error"),
        "code": code if code is not None else status,
    }
    return json.dumps({"error": error}).encode("utf-8")


def _code(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


class JsonError(Fault):
    name = "json-error"
    stage = 0
    positional = "status"
    options = (("status", int), ("message", str), ("type", str), ("code", _code))

    def __init__(
        self,
        status: int = 500,
        message: Optional[str] = None,
        type: Optional[str] = None,
        code: Any = None,
    ) -> None:
        self.status = status
        self.message = message
        self.type = type
        self.code = code

    def apply(self, plan: Plan, request: Any) -> None:
        plan.status = self.status
        plan.headers = []
        plan.replace_body(error_body(self.status, self.message, self.type, self.code), content_type="application/json")


class FastAPIError(Fault):
    name = "fastapi-error"
    stage = 0
    positional = "status"
    options = (("status", int),)

    def __init__(self, status: int = 422) -> None:
        self.status = status

    def apply(self, plan: Plan, request: Any) -> None:
        detail = [{"loc": ["body", "model"], "msg": "field required", "type": "value_error.missing"}]
        plan.status = self.status
        plan.headers = []
        plan.replace_body(json.dumps({"detail": detail}).encode("utf-8"), content_type="application/json")


class HtmlError(Fault):
    name = "html-error"
    stage = 0
    positional = "status"
    options = (("status", int), ("server", str))
    SERVERS = ("nginx", "openresty", "cloudflare")

    def __init__(self, status: int = 502, server: str = "nginx") -> None:
        if server not in self.SERVERS:
            raise FaultError(f"html-error: server is one of {', '.join(self.SERVERS)}")
        self.status = status
        self.server = server

    def page(self) -> bytes:
        title = f"{self.status} {_phrase(self.status)}"
        if self.server == "cloudflare":
            text = (
                '<!DOCTYPE html>\n<html lang="en-US">\n<head><title>{host} | {title}</title></head>\n'
                '<body>\n<div id="cf-error-details">\n<h1>Error {status}</h1>\n<h2>{phrase}</h2>\n'
                "<p>The web server reported a bad gateway error.</p>\n"
                "<span>Ray ID: 8f0c0ffee0000000</span> &bull; <span>Performance &amp; security by Cloudflare</span>\n"
                "</div>\n</body>\n</html>\n"
            ).format(host="api.example", title=title, status=self.status, phrase=_phrase(self.status))
        else:
            text = (
                f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
                f"<center><h1>{title}</h1></center>\r\n<hr><center>{self.server}</center>\r\n</body>\r\n</html>\r\n"
            )
        return text.encode("utf-8")

    def apply(self, plan: Plan, request: Any) -> None:
        plan.status = self.status
        plan.headers = [("Server", self.server)]
        if self.server == "cloudflare":
            plan.headers.append(("CF-RAY", "8f0c0ffee0000000-FRA"))
        plan.replace_body(self.page(), content_type="text/html; charset=utf-8")


class RateLimit(Fault):
    name = "rate-limit"
    stage = 0
    positional = "seconds"
    options = (("seconds", float), ("date", _bool), ("ms", _ms), ("status", int))

    def __init__(self, seconds: float = 1.0, date: bool = False, ms: Any = "auto", status: int = 429) -> None:
        self.seconds = float(seconds)
        self.date = date
        self.ms = self.seconds * 1000.0 if ms == "auto" else ms
        self.status = status

    def apply(self, plan: Plan, request: Any) -> None:
        plan.status = self.status
        plan.headers = []
        if self.date:
            retry_after = email.utils.formatdate(time.time() + self.seconds, usegmt=True)
        else:
            retry_after = f"{self.seconds:g}"
        plan.set_header("Retry-After", retry_after)
        if self.ms is not None:
            plan.set_header("retry-after-ms", f"{self.ms:g}")
        plan.replace_body(error_body(self.status, "Rate limit exceeded"), content_type="application/json")


class ShouldRetry(Fault):
    name = "should-retry"
    stage = 4
    positional = "value"
    options = (("value", _bool),)

    def __init__(self, value: bool = True) -> None:
        self.value = _bool(value)

    def apply(self, plan: Plan, request: Any) -> None:
        plan.set_header("x-should-retry", "true" if self.value else "false")


class Header(Fault):
    name = "header"
    stage = 4
    positional = "header"
    options = (("header", str),)

    def __init__(self, header: str = "") -> None:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise FaultError("header: NAME:VALUE")
        self.header = header
        self.key, self.value = name.strip(), value.strip()

    def apply(self, plan: Plan, request: Any) -> None:
        plan.set_header(self.key, self.value)


def completion_json(data: bytes) -> Optional[bytes]:
    """The whole non-streamed completion a chat stream adds up to, or None if it is not one."""
    try:
        from sse_pplx.chat import collect_chat

        result = collect_chat([data])
    except Exception:
        return None
    if not result.chunks:
        return None
    return json.dumps(result.to_completion().to_dict()).encode("utf-8")


class WrongContentType(Fault):
    name = "wrong-content-type"
    stage = 0
    positional = "type"
    options = (("type", str),)

    def __init__(self, type: str = "application/json") -> None:
        self.type = type

    def apply(self, plan: Plan, request: Any) -> None:
        if self.type == "application/json":
            whole = completion_json(plan.body)
            if whole is not None:
                plan.replace_body(whole, content_type=self.type)
                return
        plan.set_header("Content-Type", None if self.type == "none" else self.type)


class NoContent(Fault):
    name = "no-content"
    stage = 0

    def apply(self, plan: Plan, request: Any) -> None:
        plan.status = 204
        plan.headers = []
        plan.replace_body(b"", framing="none")


class Redirect(Fault):
    name = "redirect"
    stage = 0
    positional = "status"
    options = (("status", int), ("location", str))

    def __init__(self, status: int = 307, location: str = "/redirected") -> None:
        if status not in (301, 302, 303, 307, 308):
            raise FaultError("redirect: status is 301, 302, 303, 307 or 308")
        self.status = status
        self.location = location

    def apply(self, plan: Plan, request: Any) -> None:
        if request is not None and self.location.startswith("/") and request.path == self.location.split("?")[0]:
            return
        location = self.location
        host = request.headers.get("Host") if request is not None else None
        if location.startswith("/") and host:
            location = f"http://{host}{location}"
        plan.status = self.status
        plan.headers = [("Location", location)]
        plan.replace_body(b"", content_type=None)


FAULTS: Dict[str, Type[Fault]] = {
    cls.name: cls
    for cls in (
        ResetMidEvent,
        ResetAfter,
        CloseMidEvent,
        Disconnect,
        StallHeaders,
        ContentLength,
        CloseDelimited,
        BadChunked,
        Gzip,
        NoDone,
        EofUnterminated,
        EofMidEvent,
        Garbage,
        InvalidUtf8,
        EndlessLine,
        SplitCrlf,
        SplitUtf8,
        Trickle,
        Stall,
        Keepalive,
        JsonError,
        FastAPIError,
        HtmlError,
        RateLimit,
        ShouldRetry,
        WrongContentType,
        NoContent,
        Redirect,
        Header,
    )
}


def parse_fault(spec: FaultLike) -> Fault:
    """``"NAME[=ARG][,KEY=VALUE|,FLAG...]"`` (or a :class:`Fault`, returned as is) -> a :class:`Fault`."""
    if isinstance(spec, Fault):
        return spec
    if not isinstance(spec, str):
        raise FaultError(f"a fault is a string or a Fault, not {type(spec).__name__}")
    match = re.match(r"([a-z0-9-]+)(?:([=,])(.*))?$", spec.strip(), re.S)
    if match is None:
        raise FaultError(f"a fault is NAME[=ARG][,KEY=VALUE...], not {spec!r}")
    name, sep, rest = match.group(1), match.group(2), match.group(3) or ""
    cls = FAULTS.get(name)
    if cls is None:
        raise FaultError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    if cls is Header:
        return Header(rest)  # NAME:VALUE may hold commas and '='
    kwargs: Dict[str, Any] = {}
    for i, item in enumerate(rest.split(",") if rest else []):
        key, eq, value = item.partition("=")
        if i == 0 and not eq and sep == "=":
            if cls.positional is None:
                raise FaultError(f"{name} takes no argument")
            key, value = cls.positional, item
        elif not eq:
            key, value = item, "true"
        key = key.strip().replace("-", "_")
        convert = dict(cls.options).get(key)
        if convert is None:
            known = ", ".join(k.replace("_", "-") for k, _ in cls.options) or "none"
            raise FaultError(f"{name}: unknown option {key!r} (options: {known})")
        try:
            kwargs[key] = convert(value)
        except (TypeError, ValueError) as exc:
            raise FaultError(f"{name}: bad value for {key}: {value!r} ({exc})") from None
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise FaultError(f"{name}: {exc}") from None


def apply_faults(plan: Plan, faults: Sequence[Fault], request: Any = None) -> Plan:
    """Apply faults in composition order (stage, then the order given); check the result."""
    for fault in sorted(faults, key=lambda f: f.stage):
        fault.apply(plan, request)
        plan.applied.append(fault.name)
    plan.check()
    return plan


def describe_faults() -> str:
    """The fault list of the module docstring (for ``--list-faults``)."""
    doc = __doc__ or ""
    return doc[doc.index("Transport:") : doc.index("Faults compose")].rstrip() + "\n"
