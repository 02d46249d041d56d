"""The public API around the parser core (docs/parser-contract.md)."""

from __future__ import annotations

import asyncio
import copy
import pickle
import sys
from typing import AsyncIterator, Iterator

import pytest

import sse_pplx
from sse_pplx import (
    Comment,
    LimitExceeded,
    ParserTerminated,
    ProtocolError,
    ServerSentEvent,
    SSEError,
    SSEParser,
    UsageError,
    aiter_events,
    iter_events,
)
from tests.feeding import feed_all_ways
from tests.imports import modules_after


def sse(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=event, id=id, retry=retry)


# --------------------------------------------------------------------------------------
# Public names and errors
# --------------------------------------------------------------------------------------


def test_all_public_names_are_importable_from_the_package() -> None:
    """Contract: every name listed in the contract imports from sse_pplx."""
    names = [
        "SSEParser", "ServerSentEvent", "Comment", "iter_events", "aiter_events", "encode_event",
        "SSEError", "ProtocolError", "LimitExceeded", "UsageError", "ParserTerminated",
        "DEFAULT_MAX_LINE_BYTES", "DEFAULT_MAX_EVENT_BYTES",
    ]  # fmt: skip
    missing = [name for name in names if not hasattr(sse_pplx, name)]
    assert missing == []


def test_error_hierarchy() -> None:
    """Contract: SSEError(Exception) <- ProtocolError <- LimitExceeded;
    SSEError <- UsageError(SSEError, ValueError) <- ParserTerminated; in sse_pplx.errors."""
    from sse_pplx import errors

    assert errors.SSEError is SSEError and errors.LimitExceeded is LimitExceeded
    assert errors.ProtocolError is ProtocolError and errors.UsageError is UsageError
    assert errors.ParserTerminated is ParserTerminated
    assert issubclass(SSEError, Exception)
    assert issubclass(ProtocolError, SSEError)
    assert issubclass(LimitExceeded, ProtocolError)
    assert issubclass(UsageError, SSEError) and issubclass(UsageError, ValueError)
    assert issubclass(ParserTerminated, UsageError)
    assert not issubclass(ParserTerminated, ProtocolError)
    assert not issubclass(UsageError, ProtocolError)
    assert not issubclass(LimitExceeded, ValueError)


# --------------------------------------------------------------------------------------
# ServerSentEvent / Comment
# --------------------------------------------------------------------------------------


def test_server_sent_event_defaults() -> None:
    """Contract: ServerSentEvent(data="", event="message", id="", retry=None)."""
    event = ServerSentEvent()
    assert (event.data, event.event, event.id, event.retry) == ("", "message", "", None)
    event = ServerSentEvent(data="d", event="e", id="i", retry=5)
    assert (event.data, event.event, event.id, event.retry) == ("d", "e", "i", 5)


@pytest.mark.parametrize("attr", ["data", "event", "id", "retry"])
def test_server_sent_event_is_immutable(attr: str) -> None:
    """Contract: events are immutable — setting an attribute raises."""
    event = ServerSentEvent(data="x")
    with pytest.raises(AttributeError):
        setattr(event, attr, "changed")
    assert event == ServerSentEvent(data="x")


def test_server_sent_event_rejects_new_attributes() -> None:
    """Immutable also means no new attributes can be attached."""
    event = ServerSentEvent(data="x")
    with pytest.raises(AttributeError):
        event.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        del event.data


def test_comment_is_immutable() -> None:
    """Contract: Comment is immutable too."""
    comment = Comment("hi")
    assert comment.text == "hi"
    with pytest.raises(AttributeError):
        comment.text = "changed"  # type: ignore[misc]
    assert comment.text == "hi"


def test_equality_is_by_value_and_type() -> None:
    """Contract: "equality by value and type"."""
    assert ServerSentEvent(data="x") == ServerSentEvent(data="x", event="message", id="", retry=None)
    assert ServerSentEvent(data="x") != ServerSentEvent(data="y")
    assert ServerSentEvent(data="x") != ServerSentEvent(data="x", event="other")
    assert ServerSentEvent(data="x") != ServerSentEvent(data="x", id="1")
    assert ServerSentEvent(data="x") != ServerSentEvent(data="x", retry=1)
    assert Comment("x") == Comment("x")
    assert Comment("x") != Comment("y")
    assert Comment("x") != ServerSentEvent(data="x")
    assert ServerSentEvent(data="x") != Comment("x")
    assert ServerSentEvent(data="x") != ("x", "message", "", None)
    assert Comment("x") != "x"


def test_events_are_hashable_consistently_with_equality() -> None:
    """Contract: hashable; equal objects hash equal, so sets and dict keys work."""
    a = ServerSentEvent(data="x", id="1")
    b = ServerSentEvent(data="x", id="1")
    assert hash(a) == hash(b)
    assert hash(Comment("c")) == hash(Comment("c"))
    assert len({a, b, ServerSentEvent(data="y"), Comment("c"), Comment("c")}) == 3


def test_repr_shows_class_and_values() -> None:
    """A repr names the class and shows the field values (useful in failing asserts)."""
    text = repr(ServerSentEvent(data="hello\n", event="upd", id="7", retry=300))
    assert "ServerSentEvent" in text
    for part in (repr("hello\n"), repr("upd"), repr("7"), "300"):
        assert part in text, (part, text)
    text = repr(Comment("ping"))
    assert "Comment" in text and repr("ping") in text


def test_events_show_no_tuple_api_beyond_their_fields() -> None:
    """Issue 15: the tuple they are built as is not the API.  tuple's count/index are hidden, and
    where tuple-ness shows (unpacking, pickling), the order is the constructor's."""
    event = ServerSentEvent(data="d", event="e", id="i", retry=5)
    for item in (event, Comment("c")):
        for name in ("count", "index"):
            assert not hasattr(item, name) and name not in dir(item)
            with pytest.raises(AttributeError, match=name):
                getattr(item, name)
    assert "data" in dir(event) and "json" in dir(event) and "text" in dir(Comment("c"))
    assert tuple(event) == ("d", "e", "i", 5)  # the constructor's order
    (parsed,) = feed_all_ways(b"event: e\nid: i\nretry: 5\ndata: d\n\n").events
    assert parsed == event and tuple(parsed) == tuple(event)
    # Every construction path of the parser (one-line data blocks, named blocks, the general one).
    body = b"data: a\n\ndata: b\n\nevent: n\ndata: c\n\nevent: n\ndata: d\n\nid: 2\ndata: e\ndata: f\n\n"
    expected = [("a", "message", "", None), ("b", "message", "", None), ("c", "n", "", None)]
    expected += [("d", "n", "", None), ("e\nf", "message", "2", None)]
    assert [tuple(item) for item in feed_all_ways(body).events] == expected
    for made in (event, parsed, Comment("c")):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            assert pickle.loads(pickle.dumps(made, protocol)) == made
        assert copy.copy(made) == made == copy.deepcopy(made)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="match statements: Python 3.10+")
def test_events_support_positional_match_patterns() -> None:
    namespace: dict = {}
    exec(
        "def kind(item):\n"
        "    match item:\n"
        "        case ServerSentEvent(data, 'done'):\n"
        "            return 'done:' + data\n"
        "        case ServerSentEvent(data):\n"
        "            return 'event:' + data\n"
        "        case Comment(text):\n"
        "            return 'comment:' + text\n",
        {"ServerSentEvent": ServerSentEvent, "Comment": Comment},
        namespace,
    )
    kind = namespace["kind"]
    assert kind(ServerSentEvent(data="x", event="done")) == "done:x"
    assert kind(ServerSentEvent(data="x")) == "event:x"
    assert kind(Comment("ping")) == "comment:ping"


def test_parser_repr_shows_its_state() -> None:
    """Issue 15: the state a reconnection or a debugger needs, in the repr."""
    parser = SSEParser()
    assert repr(parser) == "<SSEParser open last_event_id='' retry=None buffered=0 pending_event=False>"
    assert parser.feed(b"id: 7\nretry: 3000\n\ndata: abc\ndata: de") == []
    # "abc" and its LF (4 bytes) are in the event being received, "data: de" (8) in the partial line.
    assert repr(parser) == "<SSEParser open last_event_id='7' retry=3000 buffered=12 pending_event=True>"
    parser.close()
    assert repr(parser) == (
        "<SSEParser closed last_event_id='7' retry=3000 buffered=0 pending_event=False truncated=True>"
    )
    parser.reset()
    parser.feed(b"id: 8\n")  # an id line opens a block too
    assert repr(parser) == "<SSEParser open last_event_id='7' retry=3000 buffered=0 pending_event=True>"
    assert repr(SSEParser(comments=True)).endswith("pending_event=False comments=True>")


# --------------------------------------------------------------------------------------
# SSEParser
# --------------------------------------------------------------------------------------


def test_initial_state() -> None:
    """A fresh parser: last_event_id "", retry None; nothing truncated."""
    parser = SSEParser()
    assert parser.last_event_id == ""
    assert parser.retry is None
    assert parser.close() == []
    assert parser.truncated is False
    assert parser.incomplete_event is None


def test_feed_empty_bytes_is_a_no_op() -> None:
    """Contract: feed(b"") is a no-op (EOF is only close())."""
    parser = SSEParser()
    assert parser.feed(b"") == []
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"") == []
    assert parser.feed(b"") == []
    assert parser.feed(b"\n") == [sse("a")]
    assert parser.feed(b"data: b") == []
    assert parser.feed(b"") == []
    assert parser.feed(b"\n\n") == [sse("b")]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_feed_accepts_bytes_like(kind: type) -> None:
    """Contract: feed(data: bytes | bytearray | memoryview)."""
    parser = SSEParser()
    events = parser.feed(kind(b"data: \xc3"))
    events += parser.feed(kind(b"\xa9\n\n"))
    assert events == [sse("é")]


def test_feed_accepts_a_memoryview_slice() -> None:
    """A memoryview of part of a larger buffer (as from readinto()) is parsed by its bytes."""
    buffer = bytearray(b"XXdata: a\n\nYY")
    parser = SSEParser()
    assert parser.feed(memoryview(buffer)[2:11]) == [sse("a")]


def test_parser_does_not_keep_a_reference_to_a_reused_buffer() -> None:
    """A caller that reuses one bytearray for every read (readinto) must not corrupt a
    partial line the parser still holds: the parser must copy what it keeps."""
    buffer = bytearray(b"data: ab")
    parser = SSEParser()
    assert parser.feed(buffer) == []
    buffer[:] = b"ZZZZZZZZ"
    view = memoryview(bytearray(b"cd"))
    assert parser.feed(view) == []
    view[:] = b"!!"
    assert parser.feed(bytearray(b"\n\n")) == [sse("abcd")]


def test_close_then_feed_raises_parser_terminated() -> None:
    """Contract: "feed() after close() raises ParserTerminated until reset()"."""
    parser = SSEParser()
    parser.feed(b"data: a\n\n")
    assert parser.close() == []
    with pytest.raises(ParserTerminated):
        parser.feed(b"data: b\n\n")
    parser.reset()
    assert parser.feed(b"data: b\n\n") == [sse("b")]


def test_reset_keeps_last_event_id_and_retry_but_clears_a_half_received_event() -> None:
    """Contract: reset() — "new connection: fresh UTF-8 decoder (a BOM is stripped again),
    empty buffers, keeps last_event_id and retry"."""
    parser = SSEParser()
    assert parser.feed(b"id: 9\nretry: 1234\ndata: a\n\nevent: half\ndata: lost\ndata: partial") == [
        sse("a", id="9", retry=1234)
    ]
    parser.reset()
    assert parser.last_event_id == "9"
    assert parser.retry == 1234
    # the half event and the partial line are gone; the event type was reset too
    assert parser.feed(b"\n") == []
    assert parser.feed(b"data: b\n\n") == [sse("b", id="9")]


def test_reset_clears_a_partial_multibyte_sequence() -> None:
    """The fresh decoder forgets an incomplete UTF-8 sequence of the old connection."""
    parser = SSEParser()
    parser.feed(b"data: \xe2\x82")
    parser.reset()
    assert parser.feed(b"data: ok\n\n") == [sse("ok")]


def test_reset_clears_a_pending_cr() -> None:
    """After reset() a leading LF is a blank line of the new connection; it must neither
    resurrect the old line nor break the next event."""
    parser = SSEParser()
    assert parser.feed(b"data: a\r") == []
    parser.reset()
    assert parser.feed(b"\ndata: b\n\n") == [sse("b")]


def test_reset_clears_truncation_state_after_close() -> None:
    """After close() + reset() the parser starts a new stream."""
    parser = SSEParser()
    parser.feed(b"data: a")
    parser.close()
    assert parser.truncated is True
    parser.reset()
    parser.feed(b"data: b\n\n")
    assert parser.close() == []
    assert parser.truncated is False
    assert parser.incomplete_event is None


def test_last_event_id_constructor_argument() -> None:
    """Contract: SSEParser(last_event_id=...) — the resumed id is the initial buffer."""
    parser = SSEParser(last_event_id="42")
    assert parser.last_event_id == "42"
    assert parser.feed(b"data: x\n\n") == [sse("x", id="42")]
    assert parser.feed(b"id\ndata: y\n\n") == [sse("y", id="")]
    assert parser.last_event_id == ""


def test_comments_flag_default_is_false() -> None:
    """Contract: Comment items are returned only with SSEParser(comments=True)."""
    assert feed_all_ways(b": a\n: b\n").events == []
    assert feed_all_ways(b": a\n: b\n", comments=True).events == [Comment("a"), Comment("b")]


# --------------------------------------------------------------------------------------
# iter_events / aiter_events
# --------------------------------------------------------------------------------------


class CountingChunks:
    """An iterable of chunks that records how many chunks were pulled."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.pulled = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.pulled += 1
            yield chunk


def test_iter_events_yields_events_in_order() -> None:
    """iter_events(chunks) yields what feed() would return, then calls close()."""
    chunks = [b"data: a\n", b"\nid: 1\ndata: b\n\n: c\n", b"data: partial"]
    assert list(iter_events(iter(chunks))) == [sse("a"), sse("b", id="1")]
    assert list(iter_events(iter(chunks), comments=True)) == [sse("a"), sse("b", id="1"), Comment("c")]


def test_iter_events_never_reads_ahead() -> None:
    """Contract: "yields each event as soon as the chunk completing it has been fed (never
    reads ahead)" — a live stream must not wait for the next network read."""
    source = CountingChunks([b"data: a\n", b"\n", b"data: b\n\ndata: c\n\n", b"data: d", b"\n\n", b"tail"])
    iterator = iter_events(source)
    assert next(iterator) == sse("a")
    assert source.pulled == 2
    assert next(iterator) == sse("b")
    assert source.pulled == 3
    assert next(iterator) == sse("c")
    assert source.pulled == 3
    assert next(iterator) == sse("d")
    assert source.pulled == 5
    with pytest.raises(StopIteration):
        next(iterator)
    assert source.pulled == 6


def test_iter_events_passes_parser_kwargs() -> None:
    """iter_events(chunks, **parser_kwargs): limits apply and LimitExceeded propagates."""
    with pytest.raises(LimitExceeded):
        list(iter_events([b"data: " + b"x" * 100 + b"\n\n"], max_line_bytes=50))
    assert list(iter_events([b"data: a\n\n"], last_event_id="7")) == [sse("a", id="7")]


def test_aiter_events_yields_events_without_reading_ahead() -> None:
    """aiter_events(async chunks) behaves the same, asynchronously."""
    pulled = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal pulled
        for chunk in (b"data: a\n", b"\n: c\n", b"data: b\n\n", b"data: x"):
            pulled += 1
            await asyncio.sleep(0)
            yield chunk

    async def main() -> list[tuple[int, object]]:
        seen: list[tuple[int, object]] = []
        async for item in aiter_events(chunks(), comments=True):
            seen.append((pulled, item))
        return seen

    assert asyncio.run(main()) == [(2, sse("a")), (2, Comment("c")), (3, sse("b"))]


def test_aiter_events_passes_parser_kwargs() -> None:
    """aiter_events(chunks, **parser_kwargs) passes the kwargs to the parser."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b"data: a\n\n"

    async def main() -> list[object]:
        return [item async for item in aiter_events(chunks(), last_event_id="3")]

    assert asyncio.run(main()) == [sse("a", id="3")]


# --------------------------------------------------------------------------------------
# Import cost
# --------------------------------------------------------------------------------------


def test_import_does_not_pull_in_http_ssl_or_json() -> None:
    """anchors-features.md §3.15: "import sse_pplx must not import http.client, ssl or
    json" (they cost 24 ms, 13 ms and 7 ms of import time)."""
    heavy = {"http.client", "ssl", "json"}
    baseline = modules_after("pass")
    assert not heavy & baseline, "the interpreter itself preloads one; the test cannot decide"
    loaded = modules_after("import sse_pplx")
    assert "sse_pplx" in loaded
    assert sorted(heavy & loaded) == []
