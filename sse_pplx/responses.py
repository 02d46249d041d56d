"""The Responses layer: SSE events of an Agent API or Responses API stream to typed events and a result.

Perplexity's Agent API (``POST /v1/agent``) and OpenAI's Responses API (``POST
/v1/responses``) stream one JSON object per SSE event, told apart by its ``type``
(agent-responses-wire.md in ``../shared/reference``).  :class:`ResponseDecoder` is
sans-I/O like the parser (WHATWG HTML §9.2.6): bytes in, typed events out
(:mod:`sse_pplx.response_events`), what they add up to kept by
:class:`~sse_pplx.response_result.ResponseAccumulator`; it never blocks and never
raises for how a run ended: ``result.status`` says it.  The ``iter_*`` /
``collect_response`` functions and their async twins are the two loops of
:mod:`sse_pplx._feeding` around one decoder; they, like the clients' streams, raise a
typed error carrying ``.partial`` when the run failed, was cancelled or was cut short.

Rules, each from the wire facts or a peer bug:

* Dispatch is on the JSON ``type``, never on the SSE ``event:`` name, which Perplexity may
  or may not send (§2 "conflicting"; perplexity-py#53 filtered named events and yielded
  zero).  An SSE event named ``error`` whose JSON has no ``type`` is an error event.
* ``data: [DONE]`` is a harmless end marker (some compatible servers add one), never
  required (§10.2).  Empty ``data`` (a keep-alive) is ignored.
* A payload that is not JSON, or JSON without a string ``type``, is kept in
  ``result.malformed`` (``strict=True``: :class:`~sse_pplx.errors.StreamDecodeError`);
  both official SDKs raise a bare JSON error there (§10.11).
* A resumed stream (:meth:`ResponseDecoder.resume`) drops the events whose
  ``sequence_number`` is not after the last one seen, so that each event is delivered
  once whether the server replays from the start or from ``starting_after`` (§7).
* A last event whose blank line never came is kept when its JSON is whole, as the chat
  layer does (perplexity-wire.md §7.3), and delivered as an event.
"""

from __future__ import annotations

import json

from ._decoding import EventDecoder, chain
from ._feeding import ByteIteration, adrive, drive
from .chat import _parse_json
from .chat_result import IgnoredPayload, MalformedPayload
from .errors import APIErrorEvent, IncompleteStreamError, StreamDecodeError
from .events import ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser
from .response_events import SearchActivityEvent, event_view
from .response_result import TERMINAL, ResponseAccumulator, ResponseResult

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, AsyncIterable, AsyncIterator, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

    from .errors import APIError
    from .response_events import ResponseEvent

__all__ = [
    "ResponseDecoder",
    "acollect_response",
    "aiter_response_events",
    "aiter_response_text",
    "collect_response",
    "iter_response_events",
    "iter_response_text",
    "verdict_error",
]


class ResponseDecoder(EventDecoder["ResponseEvent"]):
    """Sans-I/O decoder and accumulator of one Agent API / Responses API stream.

    Feed it bytes (:meth:`feed`) or parsed events (:meth:`feed_event`); call :meth:`close`
    at the end for the result, whose ``status`` is the verdict.  After a dropped
    connection, :meth:`resume` starts reading a resumed stream into the same result.

    Args:
        strict: raise :class:`StreamDecodeError` for a payload that is not an event.
        on_text: called with each piece of the answer (``response.output_text.delta``).
        on_search: called with each search-activity event (Perplexity's ``response.reasoning.*``).
        on_complete: called by :meth:`close` with the final :class:`ResponseResult`.
        max_line_bytes, max_event_bytes: the parser's limits.
        starting_after: the stream read is a replay after this sequence number
            (``retrieve(..., starting_after=N)``): earlier events are dropped.

    Not thread-safe.
    """

    parser: SSEParser[ServerSentEvent]
    done: bool

    def __init__(
        self,
        *,
        strict: bool = False,
        on_text: Optional[Callable[[str], object]] = None,
        on_search: Optional[Callable[[SearchActivityEvent], object]] = None,
        on_complete: Optional[Callable[[ResponseResult], object]] = None,
        max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
        starting_after: Optional[int] = None,
    ) -> None:
        self.parser = SSEParser(max_line_bytes=max_line_bytes, max_event_bytes=max_event_bytes)
        self.strict = strict
        self._accumulator = ResponseAccumulator(on_text)
        self._add = self._accumulator.add_event
        self._received = self._accumulator.received
        self._on_search = on_search
        self._on_complete = on_complete
        # A resumed stream: the events up to this sequence number were seen (or are not wanted).
        self._skip_through: Optional[int] = starting_after
        if starting_after is not None:
            self._received.sequence_number = starting_after
        self._start_input()  # done: a terminal event (or [DONE]) was seen

    def add_text_listener(self, listener: Callable[[str], object]) -> None:
        """Call ``listener(text)`` with each piece of the answer as it is decoded, after ``on_text``."""
        self._accumulator.add_text_listener(listener)

    def add_search_listener(self, listener: Callable[[SearchActivityEvent], object]) -> None:
        """Call ``listener(event)`` with each search-activity event (Perplexity's
        ``response.reasoning.*``) as it is decoded, after ``on_search``."""
        self._on_search = chain(self._on_search, listener)

    @property
    def cursor(self) -> Tuple[Optional[str], Optional[int]]:
        """``(response_id, sequence_number)``: where a resumed stream starts after (§7)."""
        return self._received.response_id, self._received.sequence_number

    # -- input ------------------------------------------------------------

    # -- the input side is EventDecoder's (feed, iter_feed, feed_event, flush); these are its hooks

    _view = staticmethod(event_view)

    def _failure_partial(self) -> ResponseResult:
        return self._accumulator.snapshot("failed")

    def _salvageable(self, event: ServerSentEvent) -> bool:
        """A last event without its blank line is kept when its data is a whole JSON object."""
        data = event.data.strip()
        if data[:1] != "{":
            return False
        try:
            json.loads(data)
        except (ValueError, RecursionError):
            return False
        return True

    # -- interpretation ---------------------------------------------------

    def _interpret(self, event: ServerSentEvent) -> Optional[Dict[str, Any]]:
        """One SSE event: its JSON object (accumulated already), or None.  The per-event hot path."""
        data = event.data
        if data[:1] == "{":
            # _json_event and _decoded_event's checks inlined for the usual event (an object
            # with a string type, no resumption under way): one call less an event.
            try:
                decoded = _parse_json(data)
            except (ValueError, RecursionError):
                return self._json_event(data, event)  # (which records why)
            if type(decoded) is dict and self._skip_through is None:
                kind = decoded.get("type")
                if type(kind) is str:
                    return self._accept(decoded, kind)
            return self._decoded_event(decoded, event)
        return self._other(event)

    def _json_event(self, data: str, event: ServerSentEvent) -> Optional[Dict[str, Any]]:
        """A payload that starts with ``{`` (whitespace before it removed)."""
        try:
            decoded = _parse_json(data)
        except (ValueError, RecursionError) as exc:
            return self._malformed(event, f"invalid JSON: {exc}")
        return self._decoded_event(decoded, event)

    def _decoded_event(self, value: Any, event: ServerSentEvent) -> Optional[Dict[str, Any]]:
        """A payload's JSON value: the event it is, or a malformed payload."""
        if type(value) is not dict:
            return self._malformed(event, f"JSON {type(value).__name__}, not an object")
        decoded: Dict[str, Any] = value
        kind = decoded.get("type")
        if type(kind) is not str:
            if event.event != "error":
                return self._malformed(event, "a JSON object without a string type")
            decoded = {"type": "error", **decoded}  # an SSE error event: its data is the error
            kind = "error"
        if self._skip_through is not None:
            sequence = decoded.get("sequence_number")
            if type(sequence) is int and sequence <= self._skip_through:
                self._received.replayed += 1
                return None
        return self._accept(decoded, kind)

    def _accept(self, decoded: Dict[str, Any], kind: str) -> Dict[str, Any]:
        """An event with a string type: accumulated, the run marked done at a terminal event,
        the search listener told of reasoning activity."""
        self._add(decoded)
        if kind in TERMINAL:
            self.done = self._received.done = True
        elif self._on_search is not None and kind.startswith("response.reasoning."):
            self._on_search(event_view(decoded))  # type: ignore[arg-type]
        return decoded

    def _other(self, event: ServerSentEvent) -> Optional[Dict[str, Any]]:
        """A payload that does not start with ``{``: JSON after whitespace (RFC 8259 allows it
        around a value), ``[DONE]``, a keep-alive, an SSE error event's text, or not an event."""
        stripped = event.data.strip()
        if stripped[:1] == "{":
            return self._json_event(stripped, event)
        if stripped == "[DONE]":
            self.done = self._received.done = True
            return None
        if not stripped:
            self._received.ignored.append(IgnoredPayload(self._received.events, event.data, event.event, "keep-alive"))
            return None
        if event.event == "error":  # an SSE error event with a text payload
            decoded: Dict[str, Any] = {"type": "error", "message": stripped}
            self._add(decoded)
            return decoded
        return self._malformed(event, "not JSON")

    def _malformed(self, event: ServerSentEvent, reason: str) -> Optional[Dict[str, Any]]:
        """Keep a payload that is not an event (strict: raise); None: nothing to deliver."""
        record = MalformedPayload(self._received.events, event.data, event.event, reason)
        if self.strict:
            error = StreamDecodeError(event.data, record.index, reason)
            error.partial = self._accumulator.snapshot("failed")
            raise error
        self._received.malformed.append(record)
        return None

    # -- the end ----------------------------------------------------------

    def close(self) -> ResponseResult:
        """End of stream: flush, and give the verdict (``"truncated"`` when no terminal event
        came).  Never raises for how the run ended."""
        if not self._closed:
            self.flush()
            self._closed = True
            if self._received.status == "in_progress":
                self._received.status = "truncated"
            result = self._accumulator.snapshot()
            if self._on_complete is not None:
                self._on_complete(result)
            return result
        return self._accumulator.snapshot()

    def resume(self) -> None:
        """A new connection continues the stream (``retrieve(..., stream=True, starting_after=N)``,
        or a replay from the start): the parser starts afresh, the result goes on, and events
        whose ``sequence_number`` is not after the last one seen are dropped (counted in
        ``result.replayed``)."""
        self.parser.close()
        self.parser.reset()
        self._flushed = self._cut = self._closed = False
        received = self._received
        if received.status == "truncated":
            received.status = "in_progress"
        received.resumes += 1
        self._skip_through = received.sequence_number

    @property
    def result(self) -> ResponseResult:
        """A snapshot of everything so far (its ``status`` is final after :meth:`close`)."""
        return self._accumulator.snapshot()


def verdict_error(result: ResponseResult) -> Optional[APIError]:
    """The error a client stream or :func:`collect_response` raises for a run that did not end
    well (``failed``, ``cancelled``, ``truncated``), carrying ``result`` as ``.partial``; None
    for ``completed`` and ``incomplete`` (a legitimate end: ``incomplete_reason`` says why)."""
    status = result.status
    if status == "failed":
        error = result.error or {}
        message = error.get("message") if isinstance(error.get("message"), str) else "the run failed"
        code = error.get("code")
        text = f"the run failed: {message}" + (f" (code {code})" if code is not None else "")
        return APIErrorEvent(text, body={"error": result.error}, partial=result)
    if status == "cancelled":
        return APIErrorEvent("the run was cancelled", body={"error": result.error}, partial=result)
    if status == "truncated":
        where = (
            f"; resume with response_id={result.response_id!r} after sequence_number {result.sequence_number}"
            if result.response_id is not None
            else ""
        )
        return IncompleteStreamError(
            f"the stream ended before the run did: no terminal event ({len(result.output_text)} characters "
            f"received{where})",
            partial=result,
        )
    return None


# -- conveniences over bytes: feeds for the loops of sse_pplx._feeding -----------------


class _EventFeed:
    """:func:`iter_response_events` and its twin: each event as soon as it is complete, then the verdict."""

    __slots__ = ("decoder", "step")

    def __init__(self, decoder: ResponseDecoder) -> None:
        self.decoder = decoder
        self.step = decoder.iter_feed

    def finish(self) -> Iterator[ResponseEvent]:
        last = self.decoder.flush()
        if last is not None:
            yield last
        error = verdict_error(self.decoder.close())
        if error is not None:
            raise error


class _ResultFeed:
    """:func:`collect_response` and its twin: the result at the end (or its error)."""

    __slots__ = ("decoder", "step")

    def __init__(self, decoder: ResponseDecoder) -> None:
        self.decoder = decoder
        self.step = decoder._consume

    def finish(self) -> Tuple[ResponseResult]:
        result = self.decoder.close()
        error = verdict_error(result)
        if error is not None:
            raise error
        return (result,)


class _TextFeed:
    """:func:`iter_response_text` and its twin: the answer's text that each chunk of bytes completed."""

    __slots__ = ("decoder", "pieces")

    def __init__(self, decoder: ResponseDecoder) -> None:
        self.decoder = decoder
        self.pieces: List[str] = []
        decoder.add_text_listener(self.pieces.append)

    def step(self, data: bytes) -> List[str]:
        self.decoder._consume(data)
        pieces, self.pieces[:] = list(self.pieces), []
        return pieces

    def finish(self) -> Iterator[str]:
        self.decoder.flush()  # a salvaged last event's text is delivered too
        yield from list(self.pieces)
        error = verdict_error(self.decoder.close())
        if error is not None:
            raise error


class ResponseEventIterator(ByteIteration["ResponseEvent", ResponseResult]):
    """What :func:`iter_response_events` returns: iterate it; ``.result`` tells how it went,
    ``.decoder`` is the :class:`ResponseDecoder` underneath."""


def iter_response_events(chunks: Iterable[bytes], **options: Any) -> ResponseEventIterator:
    """Decode an Agent API / Responses API stream from any iterable of bytes, event by event.

    ``for event in iter_response_events(body): if event.type == "response.output_text.delta": ...``.
    After the last event it raises :class:`~sse_pplx.errors.APIErrorEvent` (failed or cancelled)
    or :class:`~sse_pplx.errors.IncompleteStreamError` (no terminal event), with ``.partial``;
    ``.result`` is the accumulated :class:`ResponseResult`.  Keyword options are
    :class:`ResponseDecoder`'s.
    """
    return ResponseEventIterator(chunks, _EventFeed(ResponseDecoder(**options)))


def aiter_response_events(chunks: AsyncIterable[bytes], **options: Any) -> AsyncIterator[ResponseEvent]:
    """The async twin of :func:`iter_response_events` (an async iterator, without ``.result``)."""
    return adrive(_EventFeed(ResponseDecoder(**options)), chunks)


def collect_response(chunks: Iterable[bytes], **options: Any) -> ResponseResult:
    """Read a whole Agent API / Responses API stream from any iterable of bytes; its result.

    Raises :class:`~sse_pplx.errors.APIErrorEvent` (failed, cancelled) or
    :class:`~sse_pplx.errors.IncompleteStreamError` (no terminal event), carrying the result
    as ``.partial``; an ``incomplete`` run is returned (``result.incomplete_reason``).
    """
    # list() first: PyPy's unpacking turns a TypeError raised inside the generator into
    # "cannot unpack non-iterable generator object" (sse_pplx.chat.collect_chat)
    (result,) = list(drive(_ResultFeed(ResponseDecoder(**options)), chunks))
    return result


async def acollect_response(chunks: AsyncIterable[bytes], **options: Any) -> ResponseResult:
    """The async twin of :func:`collect_response`."""
    (result,) = [item async for item in adrive(_ResultFeed(ResponseDecoder(**options)), chunks)]
    return result


def iter_response_text(chunks: Iterable[bytes], **options: Any) -> Iterator[str]:
    """Yield the answer's text as it streams (then raise as :func:`collect_response` does)."""
    return drive(_TextFeed(ResponseDecoder(**options)), chunks)


def aiter_response_text(chunks: AsyncIterable[bytes], **options: Any) -> AsyncIterator[str]:
    """The async twin of :func:`iter_response_text`."""
    return adrive(_TextFeed(ResponseDecoder(**options)), chunks)
