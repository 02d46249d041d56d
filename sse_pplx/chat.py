"""The chat-completion layer: SSE events to chunks, ``[DONE]``, in-band errors, accumulation, a verdict.

This is where Perplexity and OpenAI-compatible streams are turned into what a
user wants, and where the peers lose data (``../shared/reference``:
perplexity-wire.md §2-§8, user-pain.md).  It is sans-I/O like the parser:
:class:`ChatStream` takes bytes (or parsed events) and never blocks; the
``iter_*`` / ``collect_chat`` functions and their async twins are thin loops
over it, for any (async) iterable of bytes.

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
* Accumulation: content is the concatenation of ``delta.content`` (a
  cumulative ``message.content`` fills in when a chunk has no delta, and is
  cross-checked at the end); ``citations``, ``search_results``, ``images`` and
  ``related_questions`` are the last non-empty value seen, never appended
  (pydantic/pydantic-ai#996, langchain-ai/langchain#39924); ``usage`` is the
  last one (it is cumulative); tool-call deltas merge by ``index`` as
  openai-python's ``accumulate_delta`` does (strings concatenate; ``index``,
  ``id`` and ``type`` are replaced).
* Reasoning: a leading ``<think>…</think>`` in the content (Perplexity's
  reasoning models) and ``reasoning_content`` / ``reasoning`` delta fields
  (DeepSeek, vLLM and other OpenAI-compatible servers) go to
  ``result.reasoning``; ``result.answer`` is the content without the think
  block; ``result.content`` stays exactly what was sent.
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
import time

from ._reasoning import ThinkSplitter
from .chat_objects import ChatCompletion, ChatCompletionChunk, Image, SearchResult, ToolCall, Usage, chunk_view
from .errors import APIErrorEvent, IncompleteStreamError, ProtocolError, StreamDecodeError, error_message
from .events import ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import (
        Any,
        AsyncIterable,
        AsyncIterator,
        Callable,
        Dict,
        Generator,
        Iterable,
        Iterator,
        List,
        Optional,
        Tuple,
    )

__all__ = [
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
_scan: Callable[[str, int], Tuple[Any, int]] = getattr(json.decoder.JSONDecoder(), "scan_once")  # noqa: B009


def _parse_json(data: str) -> Any:
    """``json.loads`` for a payload that starts with its first character, without
    loads()'s Python-level wrapping (two regex matches and two calls a payload):
    the same C scanner, the same strictness, and "Extra data" is still an error."""
    try:
        obj, end = _scan(data, 0)
    except StopIteration as exc:  # the C scanner's way of saying "no value here"
        raise ValueError(f"Expecting value: char {exc.value}") from None
    if end != len(data) and not data[end:].isspace():
        raise ValueError(f"Extra data: char {end}")
    return obj


_new = tuple.__new__
_PING_EVENTS = frozenset({"ping", "keepalive", "keep-alive", "heartbeat"})
_TEXT_KEYS = ("text", "content", "delta", "chunk", "answer")
_REPLACED_KEYS = frozenset({"index", "id", "type"})


class MalformedPayload:
    """A ``data`` payload that looked like JSON but did not parse: kept, never dropped.

    Attributes:
        index: the event's position in the stream (0-based).
        data: the payload exactly as received.
        event: the event type it came with.
        reason: why it was not accepted.
    """

    __slots__ = ("data", "event", "index", "reason")

    def __init__(self, index: int, data: str, event: str, reason: str) -> None:
        self.index = index
        self.data = data
        self.event = event
        self.reason = reason

    def _key(self) -> Tuple[int, str, str, str]:
        return (self.index, self.data, self.event, self.reason)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._key())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(index={self.index}, data={self.data!r}, event={self.event!r}, "
            f"reason={self.reason!r})"
        )


class IgnoredPayload(MalformedPayload):
    """A non-JSON payload that is not an error (a keep-alive ping, an empty ``data:``)."""

    __slots__ = ()


class ChatResult:
    """Everything a chat stream delivered, and how it ended.

    Attributes:
        content: the text as sent (all ``delta.content`` of choice 0, in order).
        answer: ``content`` without a leading ``<think>…</think>`` block.
        reasoning: the think block's text plus any ``reasoning_content`` / ``reasoning`` deltas.
        reasoning_closed: False when a ``<think>`` block never got its ``</think>``.
        role, finish_reason, id, model, created, object: from the chunks (the last non-null).
        citations, search_results, images, related_questions: the last non-empty value seen.
        usage: the last usage seen (Perplexity's is cumulative), or None.
        tool_calls: tool calls of choice 0, merged from their deltas by index.
        choices: per choice index: ``{"index", "content", "finish_reason", "tool_calls"}``.
        outcome: "done", "finished", "truncated" or "error" (see the module doc).
        done: a ``[DONE]`` (or ``done`` event) was seen.
        error: the error body when outcome is "error", else None.
        malformed: :class:`MalformedPayload` records, in order.
        ignored: :class:`IgnoredPayload` records (pings and other non-JSON payloads).
        salvaged: the last event arrived without its blank line and was kept.
        chunks: how many chunks were decoded.
        events: how many SSE events were read.
        warnings: anything odd that was noticed but did not stop the stream.
    """

    __slots__ = (
        "_choices",
        "_citations",
        "_images",
        "_related_questions",
        "_search_results",
        "_tool_calls",
        "_usage",
        "answer",
        "chunks",
        "content",
        "created",
        "done",
        "error",
        "events",
        "finish_reason",
        "id",
        "ignored",
        "malformed",
        "model",
        "object",
        "outcome",
        "reasoning",
        "reasoning_closed",
        "role",
        "salvaged",
        "warnings",
    )

    def __init__(self) -> None:
        self.content = ""
        self.answer = ""
        self.reasoning = ""
        self.reasoning_closed = True
        self.role: Optional[str] = None
        self.finish_reason: Optional[str] = None
        self.id: Optional[str] = None
        self.model: Optional[str] = None
        self.created: Optional[int] = None
        self.object: Optional[str] = None
        self._citations: List[Any] = []
        self._search_results: List[Any] = []
        self._images: List[Any] = []
        self._related_questions: List[Any] = []
        self._usage: Optional[Dict[str, Any]] = None
        self._tool_calls: List[Dict[str, Any]] = []
        self._choices: List[Dict[str, Any]] = []
        self.outcome = "truncated"
        self.done = False
        self.error: Any = None
        self.malformed: List[MalformedPayload] = []
        self.ignored: List[IgnoredPayload] = []
        self.salvaged = False
        self.chunks = 0
        self.events = 0
        self.warnings: List[str] = []

    @property
    def citations(self) -> List[str]:
        return list(self._citations)

    @property
    def search_results(self) -> List[SearchResult]:
        return [SearchResult(r) for r in self._search_results if type(r) is dict]

    @property
    def images(self) -> List[Image]:
        return [Image(r) for r in self._images if type(r) is dict]

    @property
    def related_questions(self) -> List[str]:
        return list(self._related_questions)

    @property
    def usage(self) -> Optional[Usage]:
        return None if self._usage is None else Usage(self._usage)

    @property
    def tool_calls(self) -> List[ToolCall]:
        return [ToolCall(call) for call in self._tool_calls]

    @property
    def choices(self) -> List[Dict[str, Any]]:
        return [dict(choice) for choice in self._choices]

    def to_completion(self) -> ChatCompletion:
        """The result as a non-streamed completion object (OpenAI shape, Perplexity metadata kept)."""
        message: Dict[str, Any] = {"role": self.role or "assistant", "content": self.content}
        if self._tool_calls:
            message["tool_calls"] = [dict(call) for call in self._tool_calls]
        if self.reasoning:
            message["reasoning_content"] = self.reasoning
        completion: Dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "usage": self._usage,
        }
        for key in ("citations", "search_results", "images", "related_questions"):
            value = getattr(self, "_" + key)
            if value:
                completion[key] = list(value)
        return ChatCompletion(completion)

    def to_dict(self) -> Dict[str, Any]:
        """Everything as plain JSON-compatible data."""
        return {
            "outcome": self.outcome,
            "done": self.done,
            "content": self.content,
            "answer": self.answer,
            "reasoning": self.reasoning,
            "reasoning_closed": self.reasoning_closed,
            "role": self.role,
            "finish_reason": self.finish_reason,
            "id": self.id,
            "model": self.model,
            "created": self.created,
            "object": self.object,
            "citations": list(self._citations),
            "search_results": list(self._search_results),
            "images": list(self._images),
            "related_questions": list(self._related_questions),
            "usage": self._usage,
            "tool_calls": [dict(call) for call in self._tool_calls],
            "error": self.error,
            "malformed": [list(m) for m in self.malformed],
            "ignored": [list(m) for m in self.ignored],
            "salvaged": self.salvaged,
            "chunks": self.chunks,
            "events": self.events,
            "warnings": list(self.warnings),
        }

    def __repr__(self) -> str:
        text = self.content if len(self.content) <= 60 else self.content[:57] + "..."
        return (
            f"ChatResult(outcome={self.outcome!r}, content={text!r}, finish_reason={self.finish_reason!r}, "
            f"citations={len(self._citations)}, search_results={len(self._search_results)}, "
            f"chunks={self.chunks}, malformed={len(self.malformed)})"
        )


class _Choice:
    """Per-choice accumulation state."""

    __slots__ = ("finish_reason", "message", "parts", "size", "tool_calls")

    def __init__(self) -> None:
        self.parts: List[str] = []
        self.size = 0
        self.finish_reason: Optional[str] = None
        self.message: Optional[str] = None  # the last cumulative message.content seen
        self.tool_calls: Dict[int, Dict[str, Any]] = {}


def _merge(target: Dict[str, Any], delta: Dict[str, Any]) -> None:
    """openai-python's accumulate_delta rule: strings concatenate, index/id/type replace, dicts merge.

    Without recursion, like :func:`_copy`."""
    pending = [(target, delta)]
    while pending:
        target, delta = pending.pop()
        for key, value in delta.items():
            old = target.get(key)
            if old is None or key in _REPLACED_KEYS:
                target[key] = _copy(value)
            elif type(old) is str and type(value) is str:
                target[key] = old + value
            elif type(old) is dict and type(value) is dict:
                pending.append((old, value))
            elif value is not None:
                target[key] = _copy(value)


def _copy(value: Any) -> Any:
    """A copy of the dicts and lists in decoded JSON.  Without recursion: the decoder accepts
    nesting about as deep as the recursion limit, so a recursive copy of what it returned
    could fail with RecursionError, depending on the caller's stack depth."""
    if type(value) is not dict and type(value) is not list:
        return value
    top: Any = {} if type(value) is dict else []
    pending = [(value, top)]
    while pending:
        source, copy = pending.pop()
        items = source.items() if type(source) is dict else enumerate(source)
        is_list = type(copy) is list
        for key, item in items:
            if type(item) is dict or type(item) is list:
                inner: Any = {} if type(item) is dict else []
                pending.append((item, inner))
                item = inner
            if is_list:
                copy.append(item)
            else:
                copy[key] = item
    return top


class ChatStream:
    """Sans-I/O decoder and accumulator of one chat-completion stream.

    Feed it bytes (:meth:`feed`) or already-parsed events (:meth:`feed_event`),
    then call :meth:`close` at the end of the stream for the verdict.

    Args:
        strict: raise :class:`StreamDecodeError` for malformed JSON and
            :class:`IncompleteStreamError` from :meth:`close` when the stream was truncated.
        on_content: called with each piece of the answer (content outside ``<think>``).
        on_reasoning: called with each piece of reasoning.
        on_search_results: called with the search results when they arrive or change.
        on_complete: called by :meth:`close` with the final :class:`ChatResult`.
        max_line_bytes, max_event_bytes: the parser's limits.
    """

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
        self._on_content = on_content
        self._on_reasoning = on_reasoning
        self._on_search_results = on_search_results
        self._on_complete = on_complete
        self._r = ChatResult()
        self._choices: Dict[int, _Choice] = {}
        self._think = ThinkSplitter()
        self._answer: List[str] = []
        self._reasoning: List[str] = []
        self._closed = False
        self._plain = False  # the think splitter has nothing left to decide
        self._on_raw: Optional[Callable[[str], object]] = None  # raw content pieces (iter_text)
        self._pending_error: Optional[ProtocolError] = None
        #: A terminal marker ([DONE] or a done event) was seen: stop reading.
        self.done = False
        #: The ``id`` of the last event interpreted (the spec's "last event ID string"; the parser's
        #: ``last_event_id`` is the buffer, which an event cut off mid-way may already have changed).
        self.last_event_id = ""

    # -- input ------------------------------------------------------------

    def feed(self, data: bytes) -> List[ChatCompletionChunk]:
        """Parse bytes; return the chunks they completed.  After ``[DONE]`` returns ``[]``.

        Raises:
            APIErrorEvent: the stream reported an error (``exc.partial`` has the rest).
            StreamDecodeError: strict mode, a malformed payload.
            LimitExceeded: a parser limit (``exc.partial`` has what was received).
        """
        return [chunk_view(obj) for obj in self._objects(data)]

    def _objects(self, data: bytes) -> List[Dict[str, Any]]:
        """The hot loop: parse, interpret, accumulate; the decoded chunk dicts, unwrapped."""
        if self.done:
            return []
        out: List[Dict[str, Any]] = []
        for event in self._events(data):
            obj = self._obj(event)
            if obj is not None:
                out.append(obj)
            if self.done:
                break
        return out

    def iter_feed(self, data: bytes) -> Iterator[ChatCompletionChunk]:
        """Like :meth:`feed`, but yields each chunk before the next event is read,
        so that the chunks before an error are delivered before it is raised."""
        if self.done:
            return
        for event in self._events(data, salvage_into=True):
            obj = self._obj(event)
            if obj is not None:
                yield chunk_view(obj)
            if self.done:
                return
        error = self._pending_error
        if error is not None:
            self._pending_error = None
            error.partial = self._fail("error", None)
            raise error

    def _events(self, data: bytes, salvage_into: bool = False) -> List[ServerSentEvent]:
        """The parser's events.  On a parser error, the events it completed first
        are interpreted too; then the error is raised with the partial result
        (or, with ``salvage_into``, returned for the caller to yield first and
        left in ``_pending_error``)."""
        try:
            return self.parser.feed(data)
        except ProtocolError as exc:
            salvaged: List[ServerSentEvent] = exc.events  # the parser has no comments=True
            exc.events = []
            if salvage_into:
                self._pending_error = exc
                return salvaged
            for event in salvaged:
                self._obj(event)
            exc.partial = self._fail("error", None)
            raise

    def feed_event(self, event: ServerSentEvent) -> Optional[ChatCompletionChunk]:
        """Interpret one SSE event; return its chunk, or None (``[DONE]``, a ping, a malformed payload)."""
        if self.done:
            return None
        obj = self._obj(event)
        return None if obj is None else chunk_view(obj)

    def _obj(self, event: ServerSentEvent) -> Optional[Dict[str, Any]]:
        result = self._r
        index = result.events
        result.events = index + 1
        self.last_event_id = event.id
        data = event.data
        kind = event.event
        if kind == "message" and data[:1] == "{":
            obj = self._decode(data, index, kind)
            if obj is not None:
                self._chunk(obj)
            return obj
        return self._other(data, kind, index)

    def _decode(self, data: str, index: int, kind: str) -> Optional[Dict[str, Any]]:
        try:
            obj = _parse_json(data)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested too deeply
            self._malformed(data, index, kind, f"invalid JSON: {exc}")
            return None
        if type(obj) is not dict:
            self._malformed(data, index, kind, f"JSON {type(obj).__name__}, not an object")
            return None
        return obj

    def _malformed(self, data: str, index: int, kind: str, reason: str) -> None:
        if self.strict:
            error = StreamDecodeError(data, index, reason)
            error.partial = self._fail("error", None)
            raise error
        self._r.malformed.append(MalformedPayload(index, data, kind, reason))

    def _other(self, data: str, kind: str, index: int) -> Optional[Dict[str, Any]]:
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
            self._r.ignored.append(IgnoredPayload(index, data, kind, "keep-alive"))
            return None
        if kind == "text_chunk":
            return self._text_chunk(stripped, data, index)
        if kind == "done":
            return self._done_event(stripped, index)
        if stripped[:1] in ("{", "["):
            obj = self._decode(stripped, index, kind)
            if obj is not None:
                self._chunk(obj)
            return obj
        self._r.ignored.append(IgnoredPayload(index, data, kind, "not JSON"))
        return None

    def _text_chunk(self, stripped: str, data: str, index: int) -> Optional[Dict[str, Any]]:
        payload: Dict[str, Any] = {}
        text: Any = data
        if stripped[:1] == "{":
            obj = self._decode(stripped, index, "text_chunk")
            if obj is None:
                return None
            if "choices" in obj:  # already a chunk: any object with choices is one
                self._chunk(obj)
                return obj
            payload = obj
            text = next((obj[k] for k in _TEXT_KEYS if isinstance(obj.get(k), str)), "")
        chunk = {k: v for k, v in payload.items() if k not in _TEXT_KEYS}
        chunk.setdefault("object", "chat.completion.chunk")
        chunk["choices"] = [{"index": 0, "delta": {"content": text}, "finish_reason": None}]
        self._chunk(chunk)
        return chunk

    def _done_event(self, stripped: str, index: int) -> Optional[Dict[str, Any]]:
        chunk: Optional[Dict[str, Any]] = None
        if stripped[:1] == "{":
            obj = self._decode(stripped, index, "done")
            if obj is not None:
                if "choices" in obj:
                    self._chunk(obj)
                    chunk = obj
                else:
                    full = next((obj[k] for k in _TEXT_KEYS if isinstance(obj.get(k), str)), None)
                    meta = {k: v for k, v in obj.items() if k not in _TEXT_KEYS}
                    meta.setdefault("object", "chat.completion.done")
                    finish = obj.get("finish_reason") or "stop"
                    meta["choices"] = [{"index": 0, "delta": {}, "finish_reason": finish}]
                    if full is not None:
                        meta["choices"][0]["message"] = {"role": "assistant", "content": full}
                    self._chunk(meta)
                    chunk = meta
        self._terminal()
        return chunk

    def _terminal(self) -> None:
        self.done = True
        self._r.done = True

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

    def _warn(self, message: str) -> None:
        """Note something odd, once (a broken stream may repeat it in every chunk)."""
        if message not in self._r.warnings:
            self._r.warnings.append(message)

    # -- accumulation -----------------------------------------------------

    def _chunk(self, obj: Dict[str, Any]) -> None:
        """Accumulate one decoded chunk (the per-chunk hot path)."""
        get = obj.get
        if get("error"):
            self._raise_error(obj)
        r = self._r
        r.chunks += 1
        choices = get("choices")
        if type(choices) is list:
            for choice in choices:
                if type(choice) is dict:
                    self._choice(choice)
        # Identity: the last non-null value.
        value = get("id")
        if value is not None:
            r.id = value
        value = get("model")
        if value is not None:
            r.model = value
        value = get("created")
        if value is not None:
            r.created = value
        value = get("object")
        if value is not None:
            r.object = value
        # Usage is cumulative: the last one.  Metadata: the last non-empty value, never appended.
        value = get("usage")
        if type(value) is dict:
            r._usage = value
        value = get("citations")
        if value and type(value) is list:
            r._citations = value
        value = get("search_results")
        if value and value is not r._search_results and type(value) is list:
            changed = value != r._search_results
            r._search_results = value
            if changed and self._on_search_results is not None:
                self._on_search_results(r.search_results)
        value = get("images")
        if value and type(value) is list:
            r._images = value
        value = get("related_questions")
        if value and type(value) is list:
            r._related_questions = value

    def _choice(self, choice: Dict[str, Any]) -> None:
        index = choice.get("index") or 0
        try:
            state = self._choices[index]
        except (KeyError, TypeError):  # a new index, or one that is not even hashable
            if type(index) is not int:
                self._warn(f"a choice whose index is not an integer ({type(index).__name__}) was ignored")
                return
            state = self._choices[index] = _Choice()
        content = None
        delta = choice.get("delta")
        if type(delta) is dict:
            content = delta.get("content")
            size = len(delta)
            if size != 1 or content is None:
                if size == 2 and content is not None and "role" in delta:
                    if index == 0 and self._r.role is None:  # Perplexity repeats role in every delta
                        self._r.role = delta["role"]
                else:
                    self._delta_extras(delta, state, index)
        message = choice.get("message")
        if type(message) is dict:
            full = message.get("content")
            if type(full) is str:
                # (Lengths first: joining the text so far for every short message would make a
                # stream alternating deltas and short messages quadratic.)
                if content is None and len(full) >= state.size and full.startswith(self._text(state)):
                    content = full[state.size :]  # derive the delta from the cumulative message
                state.message = full
            if index == 0 and self._r.role is None and message.get("role"):
                self._r.role = message["role"]
        if type(content) is str and content:
            state.parts.append(content)
            state.size += len(content)
            if index == 0:
                if self._on_raw is not None:
                    self._on_raw(content)
                if self._plain:
                    self._answer.append(content)
                    if self._on_content is not None:
                        self._on_content(content)
                else:
                    self._content_piece(content)
        finish = choice.get("finish_reason")
        if finish:
            state.finish_reason = finish

    def _delta_extras(self, delta: Dict[str, Any], state: _Choice, index: int) -> None:
        """Role, reasoning fields and tool calls of a delta (when it has more than content)."""
        if index == 0:
            role = delta.get("role")
            if role and self._r.role is None:
                self._r.role = role
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if type(reasoning) is str and reasoning:
                self._reasoning_piece(reasoning)
        calls = delta.get("tool_calls")
        if calls:
            self._tool_calls(state, calls)

    @staticmethod
    def _text(state: _Choice) -> str:
        if len(state.parts) > 1:
            state.parts[:] = ["".join(state.parts)]
        return state.parts[0] if state.parts else ""

    def _tool_calls(self, state: _Choice, calls: Any) -> None:
        if type(calls) is not list:
            return
        for position, call in enumerate(calls):
            if type(call) is not dict:
                continue
            index = call.get("index", position)
            if type(index) is not int:
                index = position  # as if it had none (openai-python would raise)
            target = state.tool_calls.get(index)
            if target is None:
                state.tool_calls[index] = _copy(call)
            else:
                _merge(target, call)

    def _content_piece(self, content: str) -> None:
        reasoning, answer = self._think.feed(content)
        if reasoning:
            self._reasoning_piece(reasoning)
        if answer:
            self._answer.append(answer)
            if self._on_content is not None:
                self._on_content(answer)
        # Once the answer has begun, every further piece is answer as it is.
        self._plain = self._think.passthrough

    def _reasoning_piece(self, text: str) -> None:
        self._reasoning.append(text)
        if self._on_reasoning is not None:
            self._on_reasoning(text)

    # -- output -----------------------------------------------------------

    @property
    def result(self) -> ChatResult:
        """A snapshot of everything received so far (the verdict is final after :meth:`close`)."""
        return self._snapshot(self._r.outcome if self._closed else self._outcome(False))

    def _outcome(self, cut: bool) -> str:
        if self._r.done:
            return "done"
        finished = any(state.finish_reason for state in self._choices.values())
        return "finished" if finished and not cut else "truncated"

    def _snapshot(self, outcome: str) -> ChatResult:
        r = self._r
        snap = ChatResult()
        for name in ChatResult.__slots__:
            setattr(snap, name, getattr(r, name))
        snap.malformed = list(r.malformed)
        snap.ignored = list(r.ignored)
        snap.warnings = list(r.warnings)
        snap.outcome = outcome
        first = self._choices.get(0)
        if first is not None:
            snap.content = self._text(first)
            snap.finish_reason = first.finish_reason
            snap._tool_calls = [_copy(first.tool_calls[i]) for i in sorted(first.tool_calls)]
        snap.answer = "".join(self._answer)
        snap.reasoning = "".join(self._reasoning)
        snap.reasoning_closed = self._think.closed_tag or not self._think.opened_tag
        snap._choices = [
            {
                "index": i,
                "content": self._text(state),
                "finish_reason": state.finish_reason,
                "tool_calls": [_copy(state.tool_calls[k]) for k in sorted(state.tool_calls)],
            }
            for i, state in sorted(self._choices.items())
        ]
        return snap

    def _fail(self, outcome: str, body: Any) -> ChatResult:
        self._r.error = body
        self._r.outcome = outcome
        self._closed = True
        self.done = True
        return self._snapshot(outcome)

    def close(self) -> ChatResult:
        """End of stream: flush, salvage a cut-off last event, and give the verdict.

        Raises:
            IncompleteStreamError: ``strict=True`` and the outcome is "truncated"
                (``exc.partial`` is the result).
            APIErrorEvent / StreamDecodeError: from a salvaged last event.
        """
        if self._closed:
            return self._snapshot(self._r.outcome)
        cut = False
        if not self.done:
            self.parser.close()
            if self.parser.truncated:
                cut = True
                last = self.parser.incomplete_event
                if last is not None and self._salvage(last):
                    cut = False
        # Release a partial "<think>" or "</think>" that was held back.
        reasoning, answer = self._think.close()
        if reasoning:
            self._reasoning_piece(reasoning)
        if answer:
            self._answer.append(answer)
            if self._on_content is not None:
                self._on_content(answer)
        self._cross_check()
        outcome = self._outcome(cut)
        self._r.outcome = outcome
        self._closed = True
        result = self._snapshot(outcome)
        if outcome == "truncated" and self.strict:
            why = "the last event was cut off" if cut else "no [DONE] and no finish_reason arrived"
            raise IncompleteStreamError(
                f"the stream ended before the answer did: {why} ({len(result.content)} characters of content received)",
                partial=result,
            )
        if self._on_complete is not None:
            self._on_complete(result)
        return result

    def _salvage(self, event: ServerSentEvent) -> bool:
        """Keep a last event whose blank line never came, when it is evidently whole.

        It is whole when its data is ``[DONE]`` or complete JSON; an ``error``
        event is reported whatever its data.  It is then interpreted like any
        other event, under its own name.
        """
        data = event.data.strip()
        if event.event != "error" and data != "[DONE]":
            if data[:1] not in ("{", "["):
                return False
            try:
                _loads(data)
            except (ValueError, RecursionError):
                return False
        self._r.salvaged = True
        self._r.warnings.append("the last event had no terminating blank line; it was complete and was kept")
        self.feed_event(event)
        return True

    def _cross_check(self) -> None:
        """Compare the concatenated deltas with Perplexity's cumulative message, when it came."""
        for index, state in self._choices.items():
            if state.message is None:
                continue
            text = self._text(state)
            if state.message == text:
                continue
            if state.message.startswith(text):
                missing = state.message[len(text) :]
                state.parts[:] = [state.message]
                state.size = len(state.message)
                if index == 0:
                    self._content_piece(missing)
                self._r.warnings.append(
                    f"choice {index}: the cumulative message had {len(missing)} more characters than the deltas; "
                    "they were added"
                )
            else:
                self._r.warnings.append(
                    f"choice {index}: the deltas ({len(text)} characters) differ from the cumulative message "
                    f"({len(state.message)} characters); the deltas were kept"
                )


# -- conveniences over bytes ------------------------------------------------


class _ChunkIterator:
    """What :func:`iter_chat_chunks` returns: iterate it; ``.result`` tells how it went."""

    def __init__(self, chunks: Iterable[bytes], stream: ChatStream) -> None:
        self._chunks = chunks
        self.stream = stream
        self._gen = self._run()

    def _run(self) -> Generator[ChatCompletionChunk, None, None]:
        stream = self.stream
        for data in self._chunks:
            yield from stream.iter_feed(data)
            if stream.done:
                break
        stream.close()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        return self._gen

    def __next__(self) -> ChatCompletionChunk:
        return next(self._gen)

    @property
    def result(self) -> ChatResult:
        """The result so far; final once iteration has ended."""
        return self.stream.result

    def close(self) -> None:
        """Stop early (the underlying iterator is closed if it has a ``close``)."""
        self._gen.close()
        closer = getattr(self._chunks, "close", None)
        if closer is not None:
            closer()


def iter_chat_chunks(chunks: Iterable[bytes], *, strict: bool = False, **options: Any) -> _ChunkIterator:
    """Decode a chat-completion stream from any iterable of bytes, chunk by chunk.

    ``for chunk in iter_chat_chunks(response_bytes): chunk.choices[0].delta.content``.
    The returned iterator's ``.result`` is the accumulated :class:`ChatResult`
    (final once iteration ends: check ``.result.outcome``).  Keyword options are
    :class:`ChatStream`'s.
    """
    return _ChunkIterator(chunks, ChatStream(strict=strict, **options))


def collect_chat(chunks: Iterable[bytes], *, strict: bool = False, **options: Any) -> ChatResult:
    """Read a whole chat-completion stream from any iterable of bytes; return its :class:`ChatResult`."""
    stream = ChatStream(strict=strict, **options)
    consume = stream._objects
    for data in chunks:
        consume(data)
        if stream.done:
            break
    return stream.close()


def iter_text(
    chunks: Iterable[bytes],
    *,
    include_reasoning: bool = False,
    buffer_chars: int = 0,
    buffer_seconds: float = 0.0,
    strict: bool = False,
    **options: Any,
) -> Iterator[str]:
    """Yield the answer's text as it streams.

    Args:
        include_reasoning: yield the raw content (with any ``<think>`` block)
            instead of the answer alone.
        buffer_chars, buffer_seconds: buffered iteration: hold text back until
            at least ``buffer_chars`` characters are waiting or ``buffer_seconds``
            have passed since the last piece was yielded (checked whenever new
            bytes arrive; the rest is flushed at the end).  0 yields every piece.
    """
    text = _TextFeed(include_reasoning, buffer_chars, buffer_seconds, ChatStream(strict=strict, **options))
    for data in chunks:
        yield from text.feed(data)
        if text.stream.done:
            break
    yield from text.close()


class _TextFeed:
    """The body of :func:`iter_text` and :func:`aiter_text` (one copy for both)."""

    __slots__ = ("_buffer", "stream")

    def __init__(self, include_reasoning: bool, chars: int, seconds: float, stream: ChatStream) -> None:
        self._buffer = _TextBuffer(chars, seconds)
        self.stream = stream
        if include_reasoning:
            stream._on_raw = self._buffer.add
        else:
            stream._on_content = self._buffer.add

    def feed(self, data: bytes) -> List[str]:
        self.stream._objects(data)
        return self._buffer.take()

    def close(self) -> List[str]:
        self.stream.close()
        return self._buffer.take(final=True)


class _TextBuffer:
    __slots__ = ("_last", "_parts", "_size", "chars", "seconds")

    def __init__(self, chars: int, seconds: float) -> None:
        self.chars = chars
        self.seconds = seconds
        self._parts: List[str] = []
        self._size = 0
        self._last = time.monotonic()

    def add(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    def _due(self) -> bool:
        if self.chars and self._size >= self.chars:
            return True
        return bool(self.seconds) and time.monotonic() - self._last >= self.seconds

    def take(self, final: bool = False) -> List[str]:
        if not self._parts:
            return []
        buffered = bool(self.chars or self.seconds)
        if not final and buffered and not self._due():
            return []
        out = ["".join(self._parts)] if buffered else self._parts
        self._parts = []
        self._size = 0
        self._last = time.monotonic()
        return out


async def aiter_chat_chunks(
    chunks: AsyncIterable[bytes], *, strict: bool = False, **options: Any
) -> AsyncIterator[ChatCompletionChunk]:
    """The async twin of :func:`iter_chat_chunks` (same :class:`ChatStream` underneath)."""
    stream = ChatStream(strict=strict, **options)
    async for data in chunks:
        for chunk in stream.iter_feed(data):
            yield chunk
        if stream.done:
            break
    stream.close()


async def acollect_chat(chunks: AsyncIterable[bytes], *, strict: bool = False, **options: Any) -> ChatResult:
    """The async twin of :func:`collect_chat`."""
    stream = ChatStream(strict=strict, **options)
    consume = stream._objects
    async for data in chunks:
        consume(data)
        if stream.done:
            break
    return stream.close()


async def aiter_text(
    chunks: AsyncIterable[bytes],
    *,
    include_reasoning: bool = False,
    buffer_chars: int = 0,
    buffer_seconds: float = 0.0,
    strict: bool = False,
    **options: Any,
) -> AsyncIterator[str]:
    """The async twin of :func:`iter_text`."""
    text = _TextFeed(include_reasoning, buffer_chars, buffer_seconds, ChatStream(strict=strict, **options))
    async for data in chunks:
        for piece in text.feed(data):
            yield piece
        if text.stream.done:
            break
    for piece in text.close():
        yield piece
