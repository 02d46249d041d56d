"""The chat-completion layer: SSE events to chunks, ``[DONE]``, in-band errors, a verdict.

This is where Perplexity and OpenAI-compatible streams are turned into what a
user wants, and where the peers lose data (``../shared/reference``:
perplexity-wire.md §2-§8, user-pain.md).  It is sans-I/O like the parser:
:class:`ChatDecoder` takes bytes (or parsed events, WHATWG HTML §9.2.6) and
never blocks; what the chunks add up to is kept by
:class:`~sse_pplx.chat_result.ChatAccumulator` (see :mod:`sse_pplx.chat_result`
for the accumulation rules).  The ``iter_*`` / ``collect_chat`` functions and
their async twins are the two loops of :mod:`sse_pplx._feeding` around one
decoder, for any (async) iterable of bytes.

Rules, each from the wire facts or a peer bug:

* ``data: [DONE]`` (with or without the space, with trailing whitespace) ends
  the stream; anything after it is ignored.  It is optional: Perplexity often
  ends with a clean EOF after the ``finish_reason`` chunk (wire F9,
  perplexityai/api-discussion#209, tidyverse/ellmer#379).
* Any JSON object is a chunk, whatever its ``object`` says (``chat.completion``
  in 2024-25, ``chat.completion.chunk`` / ``.done`` in 2026, ``chat.reasoning*``
  in concise mode; MacPaw/OpenAI#317 broke on dispatching by it).  Chunks
  without ``choices`` are legal (deep-research progress, Portkey-AI/gateway#1526).
* Errors inside a 200 stream: ``event: error`` or a payload with a truthy
  ``error`` key raise :class:`~sse_pplx.errors.APIErrorEvent` carrying the body
  and the partial result (the perplexityai SDK yields the latter as a chunk).
* A payload that starts like JSON but does not parse is kept in
  ``result.malformed`` with its event index and the stream goes on; with
  ``strict=True`` it raises :class:`~sse_pplx.errors.StreamDecodeError`.  Never a
  bare ``JSONDecodeError`` (openai/openai-python#2721).  Comments, empty data
  and other non-JSON payloads (keep-alive pings) are not errors: they are
  counted and kept in ``result.ignored``.
* The verdict, ``result.outcome``: ``"done"`` (``[DONE]`` or a ``done`` event
  seen), ``"finished"`` (a ``finish_reason``, a clean end, no ``[DONE]``),
  ``"truncated"`` (the stream ended inside an event or before any
  ``finish_reason``) or ``"error"``.  ``strict=True`` turns ``"truncated"`` into
  :class:`~sse_pplx.errors.IncompleteStreamError` carrying the partial result.
* A last event cut off before its blank line is discarded by the parser, per
  spec, but kept as ``incomplete_event``: when its data is complete JSON it is
  salvaged here (the Stainless SDKs silently drop it; perplexity-wire.md §7.3).
* A named-event dialect is understood as well: ``event: text_chunk`` carries
  a piece of the answer (a JSON object with ``text`` / ``content`` / ``delta``,
  or plain text) and ``event: done`` carries the full answer and its metadata
  and ends the stream.  Each becomes an OpenAI-shaped chunk, so the same
  consumer code works for both dialects.
"""

from __future__ import annotations

import json
import json.scanner
import time

from ._decoding import EventDecoder
from ._feeding import ByteIteration, adrive, drive, text_iteration
from .chat_objects import ChatCompletionChunk, SearchResult, chunk_view
from .chat_result import ChatAccumulator, ChatResult, IgnoredPayload, MalformedPayload
from .errors import APIErrorEvent, IncompleteStreamError, StreamDecodeError, error_message
from .events import ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, AsyncIterable, AsyncIterator, Callable, Dict, Iterable, Iterator, List, Optional, Tuple

__all__ = [
    "ChatChunkIterator",
    "ChatDecoder",
    "ChatResult",
    "ChatStream",
    "IgnoredPayload",
    "MalformedPayload",
    "acollect_chat",
    "aiter_chat_chunks",
    "aiter_text",
    "collect_chat",
    "iter_chat_chunks",
    "iter_text",
]

_loads = json.loads
_scan_once: Callable[[str, int], Tuple[Any, int]] = getattr(json.decoder.JSONDecoder(), "scan_once")  # noqa: B009


def _parse_json(data: str) -> Any:
    """``json.loads`` for a payload that starts with its first character, without
    loads()'s Python-level wrapping (two regex matches and two calls a payload):
    the same C scanner, the same strictness, and "Extra data" is still an error."""
    try:
        value, end = _scan_once(data, 0)
    except StopIteration as exc:  # the C scanner's way of saying "no value here"
        raise ValueError(f"Expecting value: char {exc.value}") from None
    if end != len(data) and not data[end:].isspace():
        raise ValueError(f"Extra data: char {end}")
    return value


if getattr(json.scanner, "c_make_scanner", None) is None:  # pragma: no cover - PyPy (and a CPython without _json)
    # There the scanner is pure Python (PyPy's fast decoder sits behind json.loads only):
    # scan_once made collect_chat ~5x slower than json.loads on PyPy 7.3 (bench_chat.py).

    def _parse_json(data: str) -> Any:
        return _loads(data)


_PING_EVENTS = frozenset({"ping", "keepalive", "keep-alive", "heartbeat"})
#: Where the named-event dialect puts the text of a piece (``text_chunk``) or of the answer (``done``).
_TEXT_KEYS = ("text", "content", "delta", "chunk", "answer")


class ChatDecoder(EventDecoder[ChatCompletionChunk]):
    """Sans-I/O decoder and accumulator of one chat-completion stream.

    Feed it bytes (:meth:`feed`) or already-parsed events (:meth:`feed_event`),
    then call :meth:`close` at the end of the stream for the verdict.  The input side
    (``feed``, ``iter_feed``, ``feed_event``, ``flush``) is :class:`~sse_pplx._decoding.EventDecoder`'s:
    ``feed`` raises :class:`APIErrorEvent` for an error the stream reported, and in strict
    mode :class:`StreamDecodeError`, each with ``exc.partial``; ``flush`` returns the chunk
    of a salvaged last event.

    Args:
        strict: raise :class:`StreamDecodeError` for malformed JSON and
            :class:`IncompleteStreamError` from :meth:`close` when the stream was truncated.
        on_content: called with each piece of the answer (content outside ``<think>``).
        on_reasoning: called with each piece of reasoning.
        on_search_results: called with the search results when they arrive or change.
        on_complete: called by :meth:`close` with the final :class:`ChatResult`.
        max_line_bytes, max_event_bytes: the parser's limits.

    Not thread-safe.  (``ChatStream`` is the same class under its earlier name.)
    """

    parser: SSEParser[ServerSentEvent]
    done: bool

    def __init__(
        self,
        *,
        strict: bool = False,
        on_content: Optional[Callable[[str], object]] = None,
        on_reasoning: Optional[Callable[[str], object]] = None,
        on_search_results: Optional[Callable[[List[SearchResult]], object]] = None,
        on_complete: Optional[Callable[[ChatResult], object]] = None,
        max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self.parser = SSEParser(max_line_bytes=max_line_bytes, max_event_bytes=max_event_bytes)
        self.strict = strict
        self._accumulator = ChatAccumulator(on_content, on_reasoning, on_search_results)
        self._accumulate = self._accumulator.add_chunk
        self._received = self._accumulator.received  # the result being filled in
        self._on_complete = on_complete
        self._start_input()  # done: a terminal marker ([DONE] or a done event) was seen

    @property
    def last_event_id(self) -> str:
        """The parser's last event ID string: what a reconnection sends as ``Last-Event-ID``
        (set by each block that ended, with or without data; never by a block cut off).
        Events given to :meth:`feed_event` come from the caller's own parser, which has it."""
        return self.parser.last_event_id

    def add_text_listener(self, listener: Callable[[str], object], *, include_reasoning: bool = False) -> None:
        """Call ``listener(text)`` with each piece of the answer as it is decoded (the content
        outside ``<think>``, as ``on_content`` gets it), or with ``include_reasoning=True``
        with each piece of the content exactly as sent (a ``<think>`` block included).

        Listeners are called in the order they were added, after ``on_content``; there is no
        limit to their number.  :func:`iter_text` and the clients' ``iter_text`` are built on it.
        """
        self._accumulator.add_text_listener(listener, include_reasoning=include_reasoning)

    # -- input ------------------------------------------------------------

    _view = staticmethod(chunk_view)

    def _failure_partial(self) -> ChatResult:
        return self._fail("error", None)

    # -- interpretation -----------------------------------------------------

    def _interpret(self, event: ServerSentEvent) -> Optional[Dict[str, Any]]:
        """One event: its decoded chunk (accumulated already), or None.  The per-event hot path."""
        received = self._received
        index = received.events
        received.events = index + 1
        data = event.data
        kind = event.event
        if kind == "message" and data[:1] == "{":
            chunk = self._decode(data, index, kind)
            if chunk is not None:
                # (_add_chunk, inlined.  A membership test builds no bound method: about 60 fewer
                # instructions per event than chunk.get, benchmarks/callgrind_client.py.)
                if "error" in chunk and chunk["error"]:  # noqa: RUF019
                    self._raise_error(chunk)
                self._accumulate(chunk)
            return chunk
        return self._other_event(data, kind, index)

    def _decode(self, data: str, index: int, kind: str) -> Optional[Dict[str, Any]]:
        try:
            decoded = _parse_json(data)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            self._malformed(data, index, kind, f"invalid JSON: {exc}")
            return None
        if type(decoded) is not dict:
            self._malformed(data, index, kind, f"JSON {type(decoded).__name__}, not an object")
            return None
        return decoded

    def _malformed(self, data: str, index: int, kind: str, reason: str) -> None:
        if self.strict:
            error = StreamDecodeError(data, index, reason)
            error.partial = self._fail("error", None)
            raise error
        self._received.malformed.append(MalformedPayload(index, data, kind, reason))

    def _add_chunk(self, chunk: Dict[str, Any]) -> None:
        """A chunk with a truthy ``error`` is the server's error report; any other adds up."""
        if chunk.get("error"):
            self._raise_error(chunk)
        self._accumulate(chunk)

    def _other_event(self, data: str, kind: str, index: int) -> Optional[Dict[str, Any]]:
        """Everything but a plain JSON-object data event."""
        stripped = data.strip()
        if kind == "error":
            try:
                body: Any = _loads(stripped) if stripped else None
            except (ValueError, RecursionError):
                body = data
            self._raise_error(body if body is not None else data)
        if stripped == "[DONE]":
            self._terminal()
            return None
        if kind in _PING_EVENTS or not stripped:
            self._received.ignored.append(IgnoredPayload(index, data, kind, "keep-alive"))
            return None
        if kind == "text_chunk":
            return self._text_chunk_event(stripped, data, index)
        if kind == "done":
            return self._done_event(stripped, index)
        if stripped[:1] in ("{", "["):
            chunk = self._decode(stripped, index, kind)
            if chunk is not None:
                self._add_chunk(chunk)
            return chunk
        self._received.ignored.append(IgnoredPayload(index, data, kind, "not JSON"))
        return None

    def _text_chunk_event(self, stripped: str, data: str, index: int) -> Optional[Dict[str, Any]]:
        """``event: text_chunk``: a piece of the answer, as an OpenAI-shaped chunk."""
        payload: Dict[str, Any] = {}
        text: Any = data
        if stripped[:1] == "{":
            decoded = self._decode(stripped, index, "text_chunk")
            if decoded is None:
                return None
            if "choices" in decoded:  # already a chunk: any object with choices is one
                self._add_chunk(decoded)
                return decoded
            payload = decoded
            text = next((decoded[key] for key in _TEXT_KEYS if isinstance(decoded.get(key), str)), "")
        chunk = {key: value for key, value in payload.items() if key not in _TEXT_KEYS}
        chunk.setdefault("object", "chat.completion.chunk")
        chunk["choices"] = [{"index": 0, "delta": {"content": text}, "finish_reason": None}]
        self._add_chunk(chunk)
        return chunk

    def _done_event(self, stripped: str, index: int) -> Optional[Dict[str, Any]]:
        """``event: done``: the full answer and its metadata (as a final chunk); the end."""
        chunk: Optional[Dict[str, Any]] = None
        if stripped[:1] == "{":
            decoded = self._decode(stripped, index, "done")
            if decoded is not None:
                if "choices" in decoded:
                    chunk = decoded
                else:
                    full = next((decoded[key] for key in _TEXT_KEYS if isinstance(decoded.get(key), str)), None)
                    chunk = {key: value for key, value in decoded.items() if key not in _TEXT_KEYS}
                    chunk.setdefault("object", "chat.completion.done")
                    finish = decoded.get("finish_reason") or "stop"
                    chunk["choices"] = [{"index": 0, "delta": {}, "finish_reason": finish}]
                    if full is not None:
                        chunk["choices"][0]["message"] = {"role": "assistant", "content": full}
                self._add_chunk(chunk)
        self._terminal()
        return chunk

    def _terminal(self) -> None:
        self.done = True
        self._received.done = True

    def _raise_error(self, body: Any) -> None:
        partial = self._fail("error", body)
        try:
            message = error_message(body)
        except RecursionError:  # str() or json.dumps() of a body nested too deeply
            message = "the server reported an error in the stream (its body is nested too deeply to show)"
        try:
            error = APIErrorEvent(message, body=body, partial=partial)
        except RecursionError:  # APIError takes str() of the body's "code", which may be nested as deep
            error = APIErrorEvent(message, partial=partial)
            error.body = body
        raise error

    # -- output -----------------------------------------------------------

    @property
    def result(self) -> ChatResult:
        """A snapshot of everything received so far (the verdict is final after :meth:`close`)."""
        return self._accumulator.snapshot(self._received.outcome if self._closed else self._outcome(False))

    def _outcome(self, cut: bool) -> str:
        if self._received.done:
            return "done"
        return "finished" if self._accumulator.finished and not cut else "truncated"

    def _fail(self, outcome: str, body: Any) -> ChatResult:
        self._received.error = body
        self._received.outcome = outcome
        self._closed = True
        self.done = True
        return self._accumulator.snapshot(outcome)

    def close(self) -> ChatResult:
        """End of stream: flush (salvaging a cut-off last event), and give the verdict.

        Raises:
            IncompleteStreamError: ``strict=True`` and the outcome is "truncated"
                (``exc.partial`` is the result).
            APIErrorEvent / StreamDecodeError: from a salvaged last event.
        """
        if self._closed:
            return self._accumulator.snapshot(self._received.outcome)
        self.flush()
        cut = self._cut
        self._accumulator.finish()
        outcome = self._outcome(cut)
        self._received.outcome = outcome
        self._closed = True
        result = self._accumulator.snapshot(outcome)
        if outcome == "truncated" and self.strict:
            why = "the last event was cut off" if cut else "no [DONE] and no finish_reason arrived"
            raise IncompleteStreamError(
                f"the stream ended before the answer did: {why} ({len(result.content)} characters of content received)",
                partial=result,
            )
        if self._on_complete is not None:
            self._on_complete(result)
        return result

    def _salvageable(self, event: ServerSentEvent) -> bool:
        """Whether a last event whose blank line never came is evidently whole, and kept.

        It is whole when its data is ``[DONE]`` or complete JSON; an ``error``
        event is reported whatever its data.  It is then interpreted like any
        other event, under its own name (perplexity-wire.md §7.3: the Stainless
        SDKs drop it silently).
        """
        data = event.data.strip()
        if event.event == "error" or data == "[DONE]":
            return True
        if data[:1] not in ("{", "["):
            return False
        try:
            _loads(data)
        except (ValueError, RecursionError):
            return False
        return True


#: The earlier name of :class:`ChatDecoder` (the same class).
ChatStream = ChatDecoder


# -- conveniences over bytes: feeds for the loops of sse_pplx._feeding -----------


class _ChunkFeed:
    """:func:`iter_chat_chunks` and :func:`aiter_chat_chunks`: each chunk as soon as its event is complete."""

    __slots__ = ("decoder", "step")

    def __init__(self, decoder: ChatDecoder) -> None:
        self.decoder = decoder
        self.step = decoder.iter_feed

    def finish(self) -> Iterator[ChatCompletionChunk]:
        salvaged = self.decoder.flush()  # a last event kept without its blank line is a chunk too
        if salvaged is not None:
            yield salvaged
        self.decoder.close()  # the verdict (IncompleteStreamError with strict=True)


class _ResultFeed:
    """:func:`collect_chat` and :func:`acollect_chat`: nothing per chunk, the result at the end."""

    __slots__ = ("decoder", "step")

    def __init__(self, decoder: ChatDecoder) -> None:
        self.decoder = decoder
        self.step = decoder._consume

    def finish(self) -> Tuple[ChatResult]:
        return (self.decoder.close(),)


class _TextFeed:
    """:func:`iter_text` and :func:`aiter_text`: the text that each chunk of bytes completed."""

    __slots__ = ("_buffer", "decoder")

    def __init__(
        self, *, include_reasoning: bool = False, buffer_chars: int = 0, buffer_seconds: float = 0.0, **options: Any
    ) -> None:
        self.decoder = ChatDecoder(**options)
        self._buffer = _TextBuffer(buffer_chars, buffer_seconds)
        self.decoder.add_text_listener(self._buffer.add, include_reasoning=include_reasoning)

    def step(self, data: bytes) -> List[str]:
        self.decoder._consume(data)
        return self._buffer.take()

    def finish(self) -> List[str]:
        self.decoder.close()
        return self._buffer.take(final=True)


class ChatChunkIterator(ByteIteration[ChatCompletionChunk, ChatResult]):
    """What :func:`iter_chat_chunks` returns: iterate it; ``.result`` tells how it went."""

    @property
    def stream(self) -> ChatDecoder:
        """The :class:`ChatDecoder` underneath (also ``.decoder``)."""
        return self.decoder  # type: ignore[no-any-return]


def iter_chat_chunks(chunks: Iterable[bytes], *, strict: bool = False, **options: Any) -> ChatChunkIterator:
    """Decode a chat-completion stream from any iterable of bytes, chunk by chunk.

    ``for chunk in iter_chat_chunks(response_bytes): chunk.choices[0].delta.content``.
    The returned iterator's ``.result`` is the accumulated :class:`ChatResult`
    (final once iteration ends: check ``.result.outcome``).  Keyword options are
    :class:`ChatDecoder`'s.
    """
    return ChatChunkIterator(chunks, _ChunkFeed(ChatDecoder(strict=strict, **options)))


def aiter_chat_chunks(
    chunks: AsyncIterable[bytes], *, strict: bool = False, **options: Any
) -> AsyncIterator[ChatCompletionChunk]:
    """The async twin of :func:`iter_chat_chunks` (an async iterator, without ``.result``)."""
    return adrive(_ChunkFeed(ChatDecoder(strict=strict, **options)), chunks)


def collect_chat(chunks: Iterable[bytes], *, strict: bool = False, **options: Any) -> ChatResult:
    """Read a whole chat-completion stream from any iterable of bytes; return its :class:`ChatResult`."""
    # the feed's one item; list() first: PyPy's unpacking turns a TypeError raised inside the
    # generator (a listener's, say) into "cannot unpack non-iterable generator object"
    (result,) = list(drive(_ResultFeed(ChatDecoder(strict=strict, **options)), chunks))
    return result


async def acollect_chat(chunks: AsyncIterable[bytes], *, strict: bool = False, **options: Any) -> ChatResult:
    """The async twin of :func:`collect_chat`."""
    (result,) = [item async for item in adrive(_ResultFeed(ChatDecoder(strict=strict, **options)), chunks)]
    return result


@text_iteration
def iter_text(chunks: Iterable[bytes], **options: Any) -> Iterator[str]:
    """Yield the answer's text as it streams.

    Args:
        include_reasoning: yield the raw content (with any ``<think>`` block)
            instead of the answer alone.
        buffer_chars, buffer_seconds: buffered iteration: hold text back until
            at least ``buffer_chars`` characters are waiting or ``buffer_seconds``
            have passed since the last piece was yielded (checked whenever new
            bytes arrive; the rest is flushed at the end).  0 yields every piece.
        strict, and the other keyword arguments: :class:`ChatDecoder`'s.
    """
    return drive(_TextFeed(**options), chunks)


@text_iteration
def aiter_text(chunks: AsyncIterable[bytes], **options: Any) -> AsyncIterator[str]:
    """The async twin of :func:`iter_text`."""
    return adrive(_TextFeed(**options), chunks)


class _TextBuffer:
    """The text a decoder's listener collected, released all at once (``buffer_chars`` /
    ``buffer_seconds``) or piece by piece (both 0)."""

    __slots__ = ("_last_release", "_parts", "_size", "max_seconds", "min_chars")

    def __init__(self, min_chars: int, max_seconds: float) -> None:
        self.min_chars = min_chars
        self.max_seconds = max_seconds
        self._parts: List[str] = []
        self._size = 0  # characters waiting
        self._last_release = time.monotonic()

    def add(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def _due(self) -> bool:
        if self.min_chars and self._size >= self.min_chars:
            return True
        return bool(self.max_seconds) and time.monotonic() - self._last_release >= self.max_seconds

    def take(self, final: bool = False) -> List[str]:
        """The text to yield now: ``[]`` while it is held back, else the pieces (joined when buffered)."""
        if not self._parts:
            return []
        buffered = bool(self.min_chars or self.max_seconds)
        if not final and buffered and not self._due():
            return []
        released = ["".join(self._parts)] if buffered else self._parts
        self._parts = []
        self._size = 0
        self._last_release = time.monotonic()
        return released
