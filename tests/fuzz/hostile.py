"""The hostile-input harness: bytes in through the public API, every documented invariant checked.

Standard library only: the Hypothesis properties (``tests/test_hostile.py``,
``run_hypothesis.py``) and the atheris harness (``atheris_fuzz.py``) all call these
functions, which raise :class:`Violation` (an ``AssertionError``) when an invariant breaks.
Any other exception escaping them is a library bug too (the harness catches and names it).

Parser -- :func:`check_parser`, :func:`check_iter_events` (docs/parser-contract.md):

* ``feed()`` returns a list of ``ServerSentEvent`` (and ``Comment`` with ``comments=True``);
  it raises only ``LimitExceeded`` (the one ``ProtocolError`` it has): ``.limit`` names a
  limit that is set, ``.value`` is that limit, ``.size`` is past it, ``.events`` are valid;
  after it, and after ``close()``, ``feed()`` raises ``ParserTerminated``.  ``close()``
  returns ``[]`` and raises nothing; ``incomplete_event`` is None unless ``truncated``.
* every event: ``event`` a non-empty str without CR or LF; ``data`` a str without CR; ``id``
  a str without CR, LF or NUL; ``retry`` None or an int >= 0; a comment's text has no CR or
  LF; no string holds a surrogate (invalid UTF-8 becomes U+FFFD).
* what is delivered respects the limits, in characters (a character is at least one
  received byte): ``len(data) + 1 <= max_event_bytes``; each data line
  ``<= max_line_bytes - 5``, an event type ``<= max_line_bytes - 6``, an id
  ``<= max_line_bytes - 3``, a comment ``<= max_line_bytes - 1``.
* ``iter_events`` yields exactly what ``feed()`` returned, then raises the same error.
* memory (:func:`parser_memory`, :func:`memory_bound`): the tracemalloc peak of one stream
  stays under ``memory_bound(chunk, max_line_bytes, max_event_bytes)``, however long the
  stream; the constants were measured (docs/reliability.md, "Hostile input").

Chat layer -- :func:`check_chat` (``collect_chat``, ``iter_chat_chunks``, ``iter_text``,
``ChatDecoder.feed`` / ``feed_event``, lax and strict):

* it returns (or yields), or raises only what ``sse_pplx.chat`` documents:
  ``LimitExceeded``, ``APIErrorEvent``, and in strict mode ``StreamDecodeError`` and
  ``IncompleteStreamError``.  Each carries ``.partial``, a ``ChatResult`` whose outcome is
  "error" ("truncated" for ``IncompleteStreamError``).  Never a raw ``JSONDecodeError``,
  ``ValueError``, ``RecursionError``, ``TypeError``, ``AttributeError``, ``KeyError``.
* the ``ChatResult`` (returned, or ``exc.partial``) has the documented types: ``content``,
  ``answer``, ``reasoning`` str; ``citations`` and ``related_questions`` lists;
  ``search_results`` a list of ``SearchResult``, ``images`` of ``Image``, ``tool_calls`` of
  ``ToolCall``; ``usage`` a ``Usage`` or None; ``to_dict()`` and ``to_completion()`` work.
* every chunk object (and everything reachable from it and from the result): reading any
  declared field or any key sent, ``obj[key]``, ``get``, ``in``, ``to_dict()`` never raises,
  and a name that is neither is not an attribute; a field typed as an object (``delta``,
  ``message``, ``usage``, ``function``, ``cost``) reads as its class or None (``delta`` and
  ``message`` as an empty one), a field typed as a list of objects (``choices``,
  ``tool_calls``, ``search_results``, ``images``) as a list of its class (or None; ``choices`` ``[]``), so
  ``chunk.choices[0].delta.content`` never raises on a chunk that has a choice
  (chat_objects' module docstring).
* callbacks get what they are documented to get (str; a list of ``SearchResult``).
"""

from __future__ import annotations

import gc
from collections import Counter
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from sse_pplx import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_LINE_BYTES,
    APIErrorEvent,
    Comment,
    IncompleteStreamError,
    LimitExceeded,
    ParserTerminated,
    ProtocolError,
    ServerSentEvent,
    SSEParser,
    StreamDecodeError,
    iter_events,
)
from sse_pplx.chat import (
    ChatDecoder,
    ChatResult,
    IgnoredPayload,
    MalformedPayload,
    collect_chat,
    iter_chat_chunks,
    iter_text,
)
from sse_pplx.chat_objects import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatObject,
    Choice,
    Cost,
    Delta,
    Function,
    Image,
    Message,
    SearchResult,
    ToolCall,
    Usage,
)

__all__ = [
    "CHAT_APIS",
    "Violation",
    "check_chat",
    "check_iter_events",
    "check_parser",
    "memory_bound",
    "parser_memory",
    "walk_object",
]

Item = Union[ServerSentEvent, Comment]

#: The chat entry points :func:`check_chat` can drive.
CHAT_APIS = ("collect", "iter_chunks", "iter_text", "stream", "events")
OUTCOMES = ("done", "finished", "truncated", "error")
_LIMITS = ("max_line_bytes", "max_event_bytes")
_DEFAULTS = {"max_line_bytes": DEFAULT_MAX_LINE_BYTES, "max_event_bytes": DEFAULT_MAX_EVENT_BYTES}


#: How many times each entry point was driven (``"parser"``, ``"iter_events"``, ``"memory"``,
#: ``"chat:<api>"``): the runners report it.
RUNS: Counter[str] = Counter()


class Violation(AssertionError):
    """An invariant of the public API broke on some input."""


def _escaped(where: str, exc: BaseException) -> Violation:
    text = str(exc)
    return Violation(f"{where} raised {type(exc).__name__}: {text[:300]}")


# -- parser ---------------------------------------------------------------------------------


def limits_of(options: Mapping[str, Any]) -> Tuple[Optional[int], Optional[int]]:
    """``(max_line_bytes, max_event_bytes)`` in effect for parser ``options`` (defaults filled in)."""
    line = options.get("max_line_bytes", DEFAULT_MAX_LINE_BYTES)
    event = options.get("max_event_bytes", DEFAULT_MAX_EVENT_BYTES)
    return line, event


def _check_text(value: Any, what: str) -> str:
    if type(value) is not str:
        raise Violation(f"{what} is {type(value).__name__}, not str: {value!r:.100}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise Violation(f"{what} holds a lone surrogate: {value!r:.100}") from exc
    return value


def check_event(event: Any, line_limit: Optional[int], event_limit: Optional[int]) -> None:
    """The guarantees of one ``ServerSentEvent`` (see the module docstring)."""
    if type(event) is not ServerSentEvent:
        raise Violation(f"not a ServerSentEvent: {event!r:.200}")
    kind, data, id_, retry = event.event, event.data, event.id, event.retry
    _check_text(kind, "event.event")
    _check_text(data, "event.data")
    _check_text(id_, "event.id")
    if event != ServerSentEvent(data=data, event=kind, id=id_, retry=retry):
        raise Violation(f"not equal to the event built from its fields: {event!r:.200}")
    if not kind or "\r" in kind or "\n" in kind:
        raise Violation(f"bad event type {kind!r:.100}")
    if "\r" in data:
        raise Violation(f"CR in data {data!r:.100}")
    if "\r" in id_ or "\n" in id_ or "\x00" in id_:
        raise Violation(f"bad id {id_!r:.100}")
    if retry is not None and (type(retry) is not int or retry < 0):
        raise Violation(f"bad retry {retry!r:.100}")
    if event_limit is not None and len(data) + 1 > event_limit:
        raise Violation(f"data of {len(data)} characters delivered under max_event_bytes={event_limit}")
    if line_limit is not None:
        room = max(0, line_limit - 5)
        if any(len(part) > room for part in data.split("\n")):
            raise Violation(f"a data line longer than max_line_bytes={line_limit} allows: {data!r:.100}")
        if kind != "message" and len(kind) > max(0, line_limit - 6):
            raise Violation(f"an event type longer than max_line_bytes={line_limit} allows")
        if len(id_) > max(0, line_limit - 3):
            raise Violation(f"an id longer than max_line_bytes={line_limit} allows")


def check_item(item: Any, comments: bool, line_limit: Optional[int], event_limit: Optional[int]) -> None:
    if type(item) is Comment and comments:
        if item != Comment(item.text):
            raise Violation(f"bad Comment {item!r:.200}")
        text = _check_text(item.text, "comment.text")
        if "\r" in text or "\n" in text:
            raise Violation(f"line ending in comment {text!r:.100}")
        if line_limit is not None and len(text) > max(0, line_limit - 1):
            raise Violation(f"a comment longer than max_line_bytes={line_limit} allows")
        return
    check_event(item, line_limit, event_limit)


def _check_limit_error(exc: ProtocolError, options: Mapping[str, Any]) -> None:
    if type(exc) is not LimitExceeded:
        raise Violation(f"feed() raised {type(exc).__name__}, a ProtocolError other than LimitExceeded: {exc}")
    if exc.limit not in _LIMITS:
        raise Violation(f"LimitExceeded.limit is {exc.limit!r}")
    configured = options.get(exc.limit, _DEFAULTS[exc.limit])
    if configured is None or exc.value != configured:
        raise Violation(f"LimitExceeded for {exc.limit}={exc.value}, but the limit is {configured!r}")
    if type(exc.size) is not int or exc.size <= exc.value:
        raise Violation(f"LimitExceeded.size {exc.size!r} is not past the limit {exc.value}")
    if type(exc.events) is not list:
        raise Violation(f"LimitExceeded.events is {type(exc.events).__name__}")
    str(exc)


def _expect_terminated(parser: SSEParser[Any], after: str) -> None:
    try:
        parser.feed(b"x")  # no line ending: the fast path must check too
    except ParserTerminated:
        return
    except Exception as exc:
        raise _escaped(f"feed() after {after}", exc) from exc
    raise Violation(f"feed() after {after} did not raise ParserTerminated")


class ParserRun:
    """What :func:`check_parser` saw: the items delivered and the error, if any."""

    __slots__ = ("error", "items", "truncated")

    def __init__(self, items: List[Item], error: Optional[ProtocolError], truncated: bool) -> None:
        self.items = items
        self.error = error
        self.truncated = truncated


def check_parser(chunks: Sequence[Any], options: Mapping[str, Any], comments: bool = False) -> ParserRun:
    """Feed ``chunks`` (bytes, bytearray or memoryview) to one ``SSEParser(**options)``, then close it."""
    RUNS["parser"] += 1
    line_limit, event_limit = limits_of(options)
    try:
        parser: SSEParser[Any] = SSEParser(comments=comments, **options)
    except Exception as exc:
        raise _escaped("SSEParser()", exc) from exc
    delivered: List[Item] = []
    error: Optional[ProtocolError] = None
    for chunk in chunks:
        try:
            items = parser.feed(chunk)
        except ProtocolError as exc:
            _check_limit_error(exc, options)
            error, items = exc, exc.events
        except Exception as exc:
            raise _escaped("feed()", exc) from exc
        if type(items) is not list:
            raise Violation(f"feed() returned {type(items).__name__}")
        for item in items:
            check_item(item, comments, line_limit, event_limit)
        delivered.extend(items)
        if error is not None:
            _expect_terminated(parser, "LimitExceeded")
            try:
                closed = parser.close()  # e.g. in a finally: it must only drop what was refused
            except Exception as exc:
                raise _escaped("close() after LimitExceeded", exc) from exc
            if closed != [] or parser.incomplete_event is not None:
                raise Violation(f"close() after LimitExceeded: {closed!r:.100}, {parser.incomplete_event!r:.100}")
            _expect_terminated(parser, "LimitExceeded and close()")
            break
    truncated = False
    if error is None:
        try:
            closed = parser.close()
        except Exception as exc:
            raise _escaped("close()", exc) from exc
        if closed != []:
            raise Violation(f"close() returned {closed!r:.200}")
        truncated = parser.truncated
        if type(truncated) is not bool:
            raise Violation(f"truncated is {truncated!r}")
        incomplete = parser.incomplete_event
        if incomplete is not None:
            if not truncated:
                raise Violation("incomplete_event set on a stream that was not truncated")
            check_event(incomplete, line_limit, event_limit)
        _expect_terminated(parser, "close()")
    last_id = _check_text(parser.last_event_id, "parser.last_event_id")
    if "\x00" in last_id or "\r" in last_id or "\n" in last_id:
        raise Violation(f"bad last_event_id {last_id!r:.100}")
    retry = parser.retry
    if retry is not None and (type(retry) is not int or retry < 0):
        raise Violation(f"bad parser.retry {retry!r:.100}")
    return ParserRun(delivered, error, truncated)


def check_iter_events(chunks: Sequence[Any], options: Mapping[str, Any], comments: bool, run: ParserRun) -> None:
    """``iter_events`` over the same chunks yields what ``feed()`` returned, then the same error."""
    RUNS["iter_events"] += 1
    got: List[Item] = []
    error: Optional[BaseException] = None
    try:
        for item in iter_events(iter(chunks), comments=comments, **options):
            got.append(item)
    except ProtocolError as exc:
        error = exc
    except Exception as exc:
        raise _escaped("iter_events()", exc) from exc
    if got != run.items:
        raise Violation(f"iter_events yielded {len(got)} items, feed() returned {len(run.items)}")
    if type(error) is not type(run.error) or (
        isinstance(error, LimitExceeded) and isinstance(run.error, LimitExceeded) and error.limit != run.error.limit
    ):
        raise Violation(f"iter_events raised {error!r:.200}, feed() raised {run.error!r:.200}")


# -- parser memory --------------------------------------------------------------------------

#: memory_bound's constants, measured (tests/fuzz/measure_memory.py; docs/reliability.md).
#: The worst shapes: a chunk of lines like b"ab\n" (one 2-byte bytes object, 48 bytes with its
#: header, plus an 8-byte list slot, for 3 bytes of input: ~19x, while a batch is split) and an
#: event of data lines like b"data:ab\n" (the same 56 bytes kept per 3 bytes counted).
MEMORY_PER_CHUNK_BYTE = 32
MEMORY_PER_LIMIT_BYTE = 24
MEMORY_CONSTANT = 64 * 1024


def memory_bound(chunk: int, line_limit: int, event_limit: int) -> int:
    """The most traced memory one parser may use at any moment of a stream: a function of the
    largest chunk fed and of the two limits (pass the stream's length for an unlimited one)."""
    return MEMORY_PER_CHUNK_BYTE * chunk + MEMORY_PER_LIMIT_BYTE * (line_limit + event_limit) + MEMORY_CONSTANT


def parser_memory(chunks: Sequence[bytes], options: Mapping[str, Any]) -> Tuple[int, int]:
    """``(peak, retained)``: tracemalloc's peak while one parser reads ``chunks`` and closes,
    and what the parser still held after the last ``feed()``, both above what was allocated
    before (the chunks themselves are allocated by the caller, before)."""
    parser: SSEParser[Any] = SSEParser(**options)
    feed = parser.feed
    import tracemalloc  # CPython's: PyPy has no _tracemalloc (tests/interpreter.py)

    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for chunk in chunks:
            try:
                feed(chunk)
            except ProtocolError:
                break
        retained = tracemalloc.get_traced_memory()[0] - base
        parser.close()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return peak, retained


def check_parser_memory(chunks: Sequence[bytes], options: Mapping[str, Any]) -> Tuple[int, int]:
    """Run :func:`parser_memory` and check the peak against :func:`memory_bound`."""
    RUNS["memory"] += 1
    total = sum(len(c) for c in chunks)
    line_limit, event_limit = limits_of(options)
    bound = memory_bound(
        max((len(c) for c in chunks), default=0),
        total if line_limit is None else min(line_limit, total),
        total if event_limit is None else min(event_limit, total),
    )
    peak, retained = parser_memory(chunks, options)
    if peak > bound:
        raise Violation(f"tracemalloc peak {peak} bytes > bound {bound} (input {total} bytes, options {options})")
    return peak, retained


# -- chat objects ---------------------------------------------------------------------------

#: Fields typed as one object: they read as that class or None.
OBJECT_FIELDS: Dict[type, Dict[str, type]] = {
    Choice: {"delta": Delta, "message": Message},
    Delta: {},
    Message: {},
    ChatCompletionChunk: {"usage": Usage},
    ChatCompletion: {"usage": Usage},
    ToolCall: {"function": Function},
    Usage: {"cost": Cost},
}
#: Fields typed as a list of objects: a list of that class, or None (choices: always a list).
LIST_FIELDS: Dict[type, Dict[str, type]] = {
    Delta: {"tool_calls": ToolCall},
    Message: {"tool_calls": ToolCall},
    ChatCompletionChunk: {"choices": Choice, "search_results": SearchResult, "images": Image},
    ChatCompletion: {"choices": Choice, "search_results": SearchResult, "images": Image},
}
#: Scalar fields the named classes declare: reading them must not raise (they are not validated).
SCALAR_FIELDS: Dict[type, Tuple[str, ...]] = {
    Choice: ("index", "finish_reason", "logprobs"),
    Delta: ("role", "content", "reasoning_content", "refusal"),
    Message: ("role", "content", "reasoning_content", "refusal"),
    ToolCall: ("index", "id", "type"),
    Function: ("name", "arguments"),
    Usage: ("prompt_tokens", "completion_tokens", "total_tokens", "search_context_size", "citation_tokens"),
    ChatCompletionChunk: ("id", "model", "object", "created", "citations", "related_questions"),
    ChatCompletion: ("id", "model", "object", "created", "citations", "related_questions"),
    SearchResult: ("title", "url", "date", "last_updated", "snippet", "source"),
    Image: ("image_url", "origin_url", "height", "width", "title"),
}


def walk_object(root: Any, budget: int = 400) -> int:
    """Read everything of a chat object the way a consumer would (up to ``budget`` objects);
    returns how many were visited.  Raises :class:`Violation` when a read raises or a typed
    field holds the wrong type."""
    stack = [root]
    seen = 0
    while stack and seen < budget:
        obj = stack.pop()
        seen += 1
        if not isinstance(obj, ChatObject):
            raise Violation(f"not a ChatObject: {type(obj).__name__}")
        cls = type(obj)
        try:
            for name, kind in OBJECT_FIELDS.get(cls, {}).items():
                value = getattr(obj, name)
                if value is not None and type(value) is not kind:
                    raise Violation(f"{cls.__name__}.{name} is {type(value).__name__}, not {kind.__name__} or None")
                if value is not None:
                    stack.append(value)
            for name, kind in LIST_FIELDS.get(cls, {}).items():
                value = getattr(obj, name)
                if value is None and name != "choices":
                    continue
                if type(value) is not list or any(type(item) is not kind for item in value):
                    raise Violation(f"{cls.__name__}.{name} is not a list of {kind.__name__}: {value!r:.200}")
                if name == "choices" and value is not getattr(obj, name):
                    raise Violation("choices is not the same list on every access")
                stack.extend(value)
            for name in SCALAR_FIELDS.get(cls, ()):
                getattr(obj, name)
            for name in cls._fields:  # every declared field reads, whatever was sent
                getattr(obj, name)
            if "no_such_field_x" not in obj and hasattr(obj, "no_such_field_x"):
                raise Violation("a name that is neither a field nor a key reads as an attribute")
            for key in list(obj):
                if type(key) is not str:
                    raise Violation(f"a key that is not a str: {key!r:.100}")
                value = obj[key]
                if not key.startswith("__"):  # dunder names are Python's (copy, pickle probe them)
                    getattr(obj, key)
                obj.get(key)
                if key not in obj:
                    raise Violation(f"{key!r} in obj is False for one of its keys")
                if isinstance(value, ChatObject):
                    stack.append(value)
                elif type(value) is list:
                    stack.extend(v for v in value[:20] if isinstance(v, ChatObject))
            data = obj.to_dict()
            if type(data) is not dict:
                raise Violation(f"to_dict() returned {type(data).__name__}")
            if not obj == obj:
                raise Violation("an object is not equal to itself")
            dir(obj)
        except Violation:
            raise
        except Exception as exc:
            raise _escaped(f"reading a {cls.__name__}", exc) from exc
    return seen


# -- chat layer -----------------------------------------------------------------------------


def _check_payloads(records: Any, kind: type, what: str) -> None:
    if type(records) is not list:
        raise Violation(f"result.{what} is {type(records).__name__}")
    for record in records:
        if type(record) is not kind:
            raise Violation(f"result.{what} holds a {type(record).__name__}")
        if (type(record.index), type(record.data), type(record.event), type(record.reason)) != (int, str, str, str):
            raise Violation(f"result.{what}: a record with wrong types: {record!r:.200}")


def check_result(r: Any) -> None:
    """The documented types of a ``ChatResult``, and everything reachable from it."""
    if type(r) is not ChatResult:
        raise Violation(f"not a ChatResult: {type(r).__name__}")
    try:
        for name in ("content", "answer", "reasoning"):
            if type(getattr(r, name)) is not str:
                raise Violation(f"result.{name} is {type(getattr(r, name)).__name__}")
        if r.outcome not in OUTCOMES:
            raise Violation(f"result.outcome is {r.outcome!r}")
        for name in ("done", "reasoning_closed", "salvaged"):
            if type(getattr(r, name)) is not bool:
                raise Violation(f"result.{name} is {getattr(r, name)!r:.50}")
        if type(r.chunks) is not int or type(r.events) is not int or r.chunks < 0:
            raise Violation(f"result.chunks / events: {r.chunks!r} / {r.events!r}")
        _check_payloads(r.malformed, MalformedPayload, "malformed")
        _check_payloads(r.ignored, IgnoredPayload, "ignored")
        if r.chunks + len(r.malformed) + len(r.ignored) > r.events:
            raise Violation(f"more chunks + malformed + ignored than events: {r!r}")
        if type(r.warnings) is not list or any(type(w) is not str for w in r.warnings):
            raise Violation("result.warnings is not a list of str")
        for name in ("citations", "related_questions"):
            if type(getattr(r, name)) is not list:
                raise Violation(f"result.{name} is {type(getattr(r, name)).__name__}, not a list")
        objects: List[Any] = []
        for name, kind in (("search_results", SearchResult), ("images", Image), ("tool_calls", ToolCall)):
            value = getattr(r, name)
            if type(value) is not list or any(type(item) is not kind for item in value):
                raise Violation(f"result.{name} is not a list of {kind.__name__}: {value!r:.200}")
            objects.extend(value[:20])
        usage = r.usage
        if usage is not None:
            if type(usage) is not Usage:
                raise Violation(f"result.usage is {type(usage).__name__}")
            usage.total_tokens  # noqa: B018 - the read is the check
            objects.append(usage)
        choices = r.choices
        if type(choices) is not list:
            raise Violation("result.choices is not a list")
        for choice in choices:
            if type(choice) is not dict or set(choice) != {"index", "content", "finish_reason", "tool_calls"}:
                raise Violation(f"result.choices holds {choice!r:.200}")
            if type(choice["content"]) is not str or type(choice["tool_calls"]) is not list:
                raise Violation(f"result.choices holds {choice!r:.200}")
        data = r.to_dict()
        if type(data) is not dict or data["content"] != r.content or data["outcome"] != r.outcome:
            raise Violation("to_dict() disagrees with the result")
        completion = r.to_completion()
        if type(completion) is not ChatCompletion:
            raise Violation(f"to_completion() returned {type(completion).__name__}")
        objects.append(completion)
        repr(r)
    except Violation:
        raise
    except Exception as exc:
        raise _escaped("reading the ChatResult", exc) from exc
    for obj in objects:
        walk_object(obj, budget=100)


def check_chat_error(exc: BaseException, strict: bool) -> ChatResult:
    """An error the chat layer raised: allowed in this mode, with a valid ``partial``."""
    kind = type(exc)
    allowed: Tuple[type, ...] = (LimitExceeded, APIErrorEvent)
    if strict:
        allowed += (StreamDecodeError, IncompleteStreamError)
    if kind not in allowed:
        mode = "strict" if strict else "lax"
        raise _escaped(f"the chat layer ({mode} mode)", exc) from exc
    partial = getattr(exc, "partial", None)
    if type(partial) is not ChatResult:
        raise Violation(f"{kind.__name__}.partial is {type(partial).__name__}, not a ChatResult")
    expected = "truncated" if kind is IncompleteStreamError else "error"
    if partial.outcome != expected:
        raise Violation(f"{kind.__name__}.partial.outcome is {partial.outcome!r}, not {expected!r}")
    try:
        str(exc)
        repr(exc)
        if isinstance(exc, APIErrorEvent):
            if type(exc.message) is not str:
                raise Violation(f"APIErrorEvent.message is {type(exc.message).__name__}")
            for name in ("code", "type", "param"):
                if getattr(exc, name) is not None and type(getattr(exc, name)) is not str:
                    raise Violation(f"APIErrorEvent.{name} is {type(getattr(exc, name)).__name__}")
        if isinstance(exc, StreamDecodeError) and (type(exc.raw), type(exc.event_index), type(exc.reason)) != (
            str,
            int,
            str,
        ):
            raise Violation("StreamDecodeError attributes of the wrong types")
    except Violation:
        raise
    except Exception as exc2:
        raise _escaped(f"reading the {kind.__name__}", exc2) from exc2
    check_result(partial)
    return partial


class _Callbacks:
    """Callbacks that check what they are given."""

    def __init__(self) -> None:
        self.calls = 0

    def text(self, piece: Any) -> None:
        self.calls += 1
        if type(piece) is not str or not piece:
            raise Violation(f"a text callback got {piece!r:.100}")

    def search_results(self, results: Any) -> None:
        self.calls += 1
        if type(results) is not list or any(type(r) is not SearchResult for r in results):
            raise Violation(f"on_search_results got {results!r:.200}")
        for result in results[:5]:
            walk_object(result, budget=20)

    def complete(self, result: Any) -> None:
        self.calls += 1
        if type(result) is not ChatResult:
            raise Violation(f"on_complete got {type(result).__name__}")

    def options(self) -> Dict[str, Any]:
        return {
            "on_content": self.text,
            "on_reasoning": self.text,
            "on_search_results": self.search_results,
            "on_complete": self.complete,
        }


def _check_chunk(chunk: Any) -> None:
    if type(chunk) is not ChatCompletionChunk:
        raise Violation(f"a chunk that is a {type(chunk).__name__}")
    walk_object(chunk, budget=60)
    try:
        # The consumer's loop, spelled out.
        for choice in chunk.choices:
            delta = choice.delta
            if delta is not None:
                delta.content  # noqa: B018
                for call in delta.tool_calls or ():
                    function = call.function
                    if function is not None:
                        function.arguments  # noqa: B018
    except Exception as exc:
        raise _escaped("chunk.choices[i].delta...", exc) from exc


def check_chat(
    chunks: Sequence[bytes],
    api: str = "collect",
    strict: bool = False,
    options: Optional[Mapping[str, Any]] = None,
    include_reasoning: bool = False,
    callbacks: bool = True,
) -> Optional[ChatResult]:
    """Drive one chat entry point (:data:`CHAT_APIS`) over ``chunks``; check everything.

    ``options`` are the parser limits.  Returns the result (``exc.partial`` when an allowed
    error was raised; None for ``iter_text``, which has no result)."""
    RUNS["chat:" + api] += 1
    limits = dict(options or {})
    recorder = _Callbacks()
    kw: Dict[str, Any] = dict(limits)
    if callbacks and api != "iter_text":
        kw.update(recorder.options())
    result: Optional[ChatResult] = None
    try:
        if api == "collect":
            result = collect_chat(chunks, strict=strict, **kw)
        elif api == "iter_chunks":
            iterator = iter_chat_chunks(chunks, strict=strict, **kw)
            for chunk in iterator:
                _check_chunk(chunk)
            result = iterator.result
        elif api == "iter_text":
            for piece in iter_text(chunks, strict=strict, include_reasoning=include_reasoning, **kw):
                if type(piece) is not str:
                    raise Violation(f"iter_text yielded {type(piece).__name__}")
        elif api == "stream":
            stream = ChatDecoder(strict=strict, **kw)
            for data in chunks:
                out = stream.feed(data)
                if type(out) is not list:
                    raise Violation(f"ChatDecoder.feed returned {type(out).__name__}")
                for chunk in out:
                    _check_chunk(chunk)
            check_result(stream.result)  # the snapshot before close
            result = stream.close()
        elif api == "events":
            stream = ChatDecoder(strict=strict, **{k: v for k, v in kw.items() if k not in _LIMITS})
            try:
                for event in iter_events(iter(chunks), **limits):
                    chunk = stream.feed_event(event)
                    if chunk is not None:
                        _check_chunk(chunk)
            except LimitExceeded as exc:
                _check_limit_error(exc, limits)
            result = stream.close()
        else:
            raise ValueError(f"unknown chat api {api!r}")
    except Violation:
        raise
    except Exception as exc:
        return check_chat_error(exc, strict)
    if result is not None:
        check_result(result)
        if strict and result.outcome == "truncated":
            raise Violation("strict mode returned a truncated result instead of raising IncompleteStreamError")
    return result


def run_all(
    chunks: Sequence[bytes], options: Mapping[str, Any], comments: bool, chat: Iterable[Tuple[str, bool]] = ()
) -> ParserRun:
    """The parser checks, ``iter_events``, and the chat entry points named in ``chat``
    (``(api, strict)`` pairs) over one input: what the atheris harness runs per input."""
    run = check_parser(chunks, options, comments)
    check_iter_events(chunks, options, comments, run)
    for api, strict in chat:
        check_chat(chunks, api=api, strict=strict, options=options)
    return run
