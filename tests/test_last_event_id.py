"""The last event ID a reconnection sends, end to end (issue 13).

WHATWG HTML §9.2.6 keeps two things apart: the *last event ID buffer*, set by every valid
``id`` line, and the event source's *last event ID string*, set from the buffer when a block
ends with a blank line ("dispatch the event" step 1, which runs before step 2 returns for a
block without data).  §9.2.3 sends the string, encoded as UTF-8, as ``Last-Event-ID``.
``SSEParser.last_event_id`` is the string; every client path reads it from the parser.

The parser rules are fed through tests/feeding.py at every chunking; the reconnection rules
run against real loopback servers, once with ``connect`` and once with ``aconnect``.
"""

from __future__ import annotations

from typing import Any, Callable, List

import pytest

from sse_pplx import (
    APIConnectionError,
    InternalServerError,
    LimitExceeded,
    ServerSentEvent,
    SSEParser,
    UsageError,
    iter_events,
)
from tests.feeding import describe, feed_all_ways, iter_chunkings
from tests.servers import LoopbackServer


def sse(data: str, id: str = "", event: str = "message") -> ServerSentEvent:
    return ServerSentEvent(data, event, id)


# -- the parser: the string, not the buffer ------------------------------------------------------


def test_a_block_without_data_still_sets_the_string() -> None:
    """Step 1 of "dispatch the event" runs before step 2's empty-data return."""
    result = feed_all_ways(b"data: a\nid: 1\n\nid: 2\n\n")
    assert result.events == [sse("a", id="1")]
    assert (result.pre_close_last_event_id, result.last_event_id) == ("2", "2")
    assert result.truncated is False


def test_an_id_in_a_block_cut_off_does_not_change_the_string() -> None:
    """The issue's example: event ``b`` never arrived, so a reconnection must ask from ``1``."""
    result = feed_all_ways(b"id: 1\ndata: a\n\nid: 2\ndata: b")
    assert result.events == [sse("a", id="1")]
    assert (result.pre_close_last_event_id, result.last_event_id) == ("1", "1")
    assert result.truncated is True
    assert result.incomplete_event == sse("b", id="2")  # the event keeps the id it would have had


@pytest.mark.parametrize("tail", [b"id: 2\n", b"id: 2\ndata: b\n", b"data: b\nid: 2\n", b"id: 2"])
def test_an_id_line_in_an_open_block_is_not_the_string(tail: bytes) -> None:
    result = feed_all_ways(b"id: 1\ndata: a\n\n" + tail)
    assert (result.pre_close_last_event_id, result.last_event_id) == ("1", "1")


def test_an_empty_id_clears_the_string_at_the_blank_line() -> None:
    result = feed_all_ways(b"id: 1\ndata: a\n\nid\n\ndata: b\n\n")
    assert result.events == [sse("a", id="1"), sse("b", id="")]
    assert result.last_event_id == ""


def test_an_id_with_nul_is_ignored_and_the_string_stays() -> None:
    result = feed_all_ways(b"id: 1\n\nid: a\x00b\n\ndata: c\n\n")
    assert result.events == [sse("c", id="1")]
    assert result.last_event_id == "1"


def test_a_non_ascii_id_at_every_split_inside_its_characters() -> None:
    result = feed_all_ways("id: é☃\U0001f600\ndata: a\n\n".encode())
    assert result.events == [sse("a", id="é☃\U0001f600")]
    assert result.last_event_id == "é☃\U0001f600"


def test_retry_applies_at_once_unlike_the_id() -> None:
    """The spec's rule for ``retry`` is unchanged: a complete valid line applies at once."""
    result = feed_all_ways(b"id: 1\n\nretry: 70\nid: 2\ndata: b")
    assert (result.pre_close_retry, result.retry) == (70, 70)
    assert result.last_event_id == "1"


def test_the_initial_string_is_kept_until_a_block_ends() -> None:
    result = feed_all_ways(b"id: 2\ndata: b", last_event_id="1")
    assert result.last_event_id == "1"
    result = feed_all_ways(b"data: a\n\nid: 2\n\n", last_event_id="1")
    assert result.events == [sse("a", id="1")]
    assert result.last_event_id == "2"


def _every_chunking(data: bytes, run: Callable[[List[bytes]], Any]) -> Any:
    """``run(chunks)`` for every chunking of ``data``; all must agree; the first result."""
    first: Any = None
    for index, (name, chunks) in enumerate(iter_chunkings(data)):
        got = run(chunks)
        if index == 0:
            first = got
        assert got == first, describe(name, chunks)
    return first


def test_the_setter_sets_the_string_and_the_buffer() -> None:
    def run(chunks: List[bytes]) -> Any:
        parser = SSEParser()
        parser.last_event_id = "9"
        events = [event for chunk in chunks for event in parser.feed(chunk)]
        return events, parser.last_event_id

    assert _every_chunking(b"data: x\n\n", run) == ([sse("x", id="9")], "9")


def test_reset_forgets_an_id_that_was_pending_in_the_old_connection() -> None:
    """What a reconnection does: the new stream starts from the string, not from the half block."""

    def run(chunks: List[bytes]) -> Any:
        parser = SSEParser()
        for chunk in chunks:
            parser.feed(chunk)
        parser.close()
        parser.reset()
        return parser.last_event_id, parser.feed(b"data: c\n\n")

    assert _every_chunking(b"id: 1\ndata: a\n\nid: 2\ndata: b", run) == ("1", [sse("c", id="1")])


def test_iter_events_takes_an_initial_string() -> None:
    assert list(iter_events([b"data: a\n\n", b"id: 2\ndata: b"], last_event_id="7")) == [sse("a", id="7")]


def test_connect_refuses_an_id_no_stream_could_send() -> None:
    """``connect`` checks the id it will send as a header before anything is sent."""
    from sse_pplx.eventsource import _check_last_event_id

    for bad in ("a\nb", "a\rb", "a\x00b", 7):
        with pytest.raises(UsageError):
            _check_last_event_id(bad)
    _check_last_event_id("é ok")


# -- connect / aconnect: what a reconnection sends -------------------------------------------------


async def _collect(mode: Any, url: str, **options: Any) -> Any:
    events: List[ServerSentEvent] = []
    error = stream = None
    try:
        async with mode.enter(mode.connect(url, **options)) as stream:
            async for event in mode.iterate(stream):
                events.append(event)
    except Exception as exc:
        error = exc
    return events, error, stream


def pairs(events: List[ServerSentEvent]) -> List[Any]:
    """Each event's data and id (the events of a stream that sent ``retry:`` carry it too)."""
    return [(event.data, event.id) for event in events]


def _sent_ids(server: LoopbackServer) -> List[Any]:
    """The ``Last-Event-ID`` of each request, decoded from its bytes on the wire as UTF-8."""
    ids = []
    for exchange in server.exchanges:
        value = exchange.headers.get("last-event-id")  # the test server reads the head as Latin-1
        ids.append(None if value is None else value.encode("latin-1").decode("utf-8"))
    return ids


async def test_a_data_less_id_block_is_what_the_reconnection_sends(mode, leaks):
    def handler(ex):
        if ex.conn_no == 0:
            ex.stream([b"retry: 1\ndata: a\nid: 1\n\n", b"id: 2\n\n"])  # a clean end: reconnect
        elif ex.conn_no == 1:
            ex.stream([b"data: c\n\n"])
        else:
            ex.respond(204, b"", "text/event-stream")

    with LoopbackServer(handler) as server:
        events, error, stream = await _collect(mode, server.url, reconnect=True)
    assert error is None
    assert pairs(events) == [("a", "1"), ("c", "2")]
    assert _sent_ids(server) == [None, "2", "2"]
    assert stream.last_event_id == "2"
    leaks.assert_clean()


async def test_a_cut_off_block_does_not_advance_what_the_reconnection_sends(mode, leaks):
    def handler(ex):
        if ex.conn_no == 0:
            ex.stream([b"retry: 1\nid: 1\ndata: a\n\n", b"id: 2\ndata: b"], pause=0.05, end=False)
            ex.reset()
        elif ex.conn_no == 1:
            ex.stream([b"id: 2\ndata: b again\n\n"])
        else:
            ex.respond(204, b"", "text/event-stream")

    with LoopbackServer(handler) as server:
        events, error, _ = await _collect(mode, server.url, reconnect=True)
    assert error is None
    assert pairs(events) == [("a", "1"), ("b again", "2")]
    assert _sent_ids(server) == [None, "1", "2"]
    leaks.assert_clean()


async def test_a_non_ascii_id_is_sent_as_utf8_over_a_real_reconnect(mode, leaks):
    identifier = "é☃\U0001f600"

    def handler(ex):
        if ex.conn_no == 0:
            ex.stream([b"retry: 1\n" + f"id: {identifier}\ndata: a\n\n".encode()])
        elif ex.conn_no == 1:
            ex.stream([b"data: b\n\n"])
        else:
            ex.respond(204, b"", "text/event-stream")

    with LoopbackServer(handler) as server:
        events, error, _ = await _collect(mode, server.url, reconnect=True, last_event_id="ü")
    assert error is None
    assert pairs(events) == [("a", identifier), ("b", identifier)]
    assert _sent_ids(server) == ["ü", identifier, identifier]
    raw = server.exchanges[1].headers["last-event-id"].encode("latin-1")
    assert raw == identifier.encode("utf-8")
    leaks.assert_clean()


@pytest.mark.parametrize("bad", ["a\nb", "a\rb", "nul\x00"])
async def test_a_last_event_id_no_stream_could_send_is_a_usage_error_and_no_request(mode, bad):
    def handler(ex):
        ex.stream([b"data: a\n\n"])

    with LoopbackServer(handler) as server, pytest.raises(UsageError):
        mode.connect(server.url, last_event_id=bad)
    assert server.exchanges == []


async def test_a_header_value_beyond_latin_1_is_a_usage_error_and_no_request(mode):
    def handler(ex):
        ex.stream([b"data: a\n\n"])

    with LoopbackServer(handler) as server:
        with pytest.raises(UsageError, match="X-Snow"):
            mode.connect(server.url, headers={"X-Snow": "☃"})
        client = mode.Client(base_url=server.url, api_key="k")
        async with mode.enter(client):
            with pytest.raises(UsageError):
                await mode.resolve(
                    client.chat.completions.create(model="m", messages=[], stream=True, extra_headers={"X-Snow": "☃"})
                )
    assert server.exchanges == []


# -- the errors carry the string, the attempts, and what arrived ---------------------------------------


async def test_a_broken_stream_reports_the_string_not_the_pending_id(mode, leaks):
    def handler(ex):
        ex.stream([b"data: a\nid: 1\n\nid: 2\n\n", b"id: 3\ndata: c"], pause=0.05, end=False)
        ex.reset()

    with LoopbackServer(handler) as server:
        events, error, _ = await _collect(mode, server.url)
    assert pairs(events) == [("a", "1")]
    assert isinstance(error, APIConnectionError)
    assert (error.last_event_id, error.attempts) == ("2", 1)
    assert error.events == [sse("c", id="3")]
    leaks.assert_clean()


async def test_a_limit_error_delivers_what_came_first_and_carries_attempts_and_id(mode, leaks):
    def handler(ex):
        if ex.conn_no == 0:
            ex.stream([b"retry: 1\nid: 1\ndata: a\n\n"])
        else:
            ex.stream([b"id: 2\ndata: b\n\ndata: " + b"x" * 5000 + b"\n\n"])

    with LoopbackServer(handler) as server:
        events, error, _ = await _collect(mode, server.url, reconnect=True, max_line_bytes=1000)
    assert pairs(events) == [("a", "1"), ("b", "2")]  # b came in the same read as the long line
    assert type(error) is LimitExceeded
    assert (error.attempts, error.last_event_id) == (2, "2")
    leaks.assert_clean()


async def test_a_status_error_on_reconnection_carries_attempts_and_id(mode, leaks):
    def handler(ex):
        if ex.conn_no == 0:
            ex.stream([b"retry: 1\nid: 5\ndata: a\n\n"])
        else:
            ex.respond(503, b'{"error": {"message": "maintenance"}}')

    with LoopbackServer(handler) as server:
        events, error, _ = await _collect(mode, server.url, reconnect=True)
    assert pairs(events) == [("a", "5")]
    assert isinstance(error, InternalServerError)
    assert (error.attempts, error.last_event_id) == (2, "5")
    assert _sent_ids(server) == [None, "5"]
    leaks.assert_clean()
