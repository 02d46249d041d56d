"""``sse_pplx.connect`` / ``aconnect``: the generic SSE consumer, with EventSource-style
reconnection (WHATWG HTML §9.2.3-§9.2.4), against real servers on 127.0.0.1.

Each test that takes ``mode`` has one body and runs with ``connect`` and with ``aconnect``
(tests/modes.py)."""

from __future__ import annotations

import random

from sse_pplx import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    Comment,
    InternalServerError,
    LimitExceeded,
    ServerSentEvent,
    Timeout,
)
from sse_pplx.eventsource import EventSource
from tests.servers import LoopbackServer, stalling_server, unused_port


async def collect(mode, url, limit=None, **kw):
    """All events (or the first ``limit``), the exception that ended the stream, if any, and the stream."""
    events = []
    error = stream = None
    try:
        async with mode.enter(mode.connect(url, **kw)) as stream:
            async for event in mode.iterate(stream):
                events.append(event)
                if limit and len(events) >= limit:
                    break
    except Exception as exc:
        error = exc
    return events, error, stream


async def test_any_method_headers_and_json_body(mode, leaks):
    def handler(ex):
        ex.stream([b"event: greeting\ndata: hi\nid: 1\n\n", b": ping\n\n", b"data: bye\n\n"])

    with LoopbackServer(handler) as server:
        events, error, _ = await collect(
            mode, server.url + "/events", method="POST", json={"q": 1}, headers={"X-Key": "v"}, comments=True
        )
    assert error is None
    assert events == [
        ServerSentEvent("hi", "greeting", "1"),
        Comment("ping"),
        ServerSentEvent("bye", "message", "1"),
    ]
    request = server.exchanges[0]
    assert (request.method, request.body) == ("POST", b'{"q":1}')
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["x-key"] == "v"
    assert "last-event-id" not in request.headers
    leaks.assert_clean()


async def test_reconnects_with_last_event_id_after_the_servers_retry(mode, leaks):
    def handler(ex):
        if ex.conn_no == 0:
            events = [b"retry: 50\nid: a1\ndata: first\n\n", b"id: a2\ndata: second\n\n", b"data: cut"]
            ex.stream(events, pause=0.05, end=False)  # a RST may discard bytes not yet read: let them be read
            ex.reset()
        elif ex.conn_no == 1:
            ex.stream([b"id: a3\ndata: third\n\n"])  # clean end: a browser reconnects then too
        else:
            ex.respond(204, b"", "text/event-stream")

    with LoopbackServer(handler) as server:
        events, error, stream = await collect(mode, server.url, reconnect=True)
    assert error is None
    assert [e.data for e in events] == ["first", "second", "third"]
    assert [ex.headers.get("last-event-id") for ex in server.exchanges] == [None, "a2", "a3"]
    assert stream.reconnects == 2
    assert stream.retry == 50
    assert stream.last_event_id == "a3"
    leaks.assert_clean()


async def test_without_reconnect_a_broken_stream_raises_with_what_arrived(mode):
    def handler(ex):
        ex.stream([b"id: 7\ndata: whole\n\n", b"data: cut off"], pause=0.05, end=False)  # read before the RST
        ex.reset()

    with LoopbackServer(handler) as server:
        events, error, _ = await collect(mode, server.url)
    assert [e.data for e in events] == ["whole"]
    assert isinstance(error, APIConnectionError)
    assert error.last_event_id == "7"
    assert [e.data for e in error.events] == ["cut off"]
    assert len(server.exchanges) == 1


async def test_non_200_fails_without_reconnecting(mode):
    def handler(ex):
        ex.respond(503, b'{"error": {"message": "maintenance"}}')
        return True

    with LoopbackServer(handler) as server:
        _, error, _ = await collect(mode, server.url, reconnect=True)
    assert isinstance(error, InternalServerError)
    assert "maintenance" in str(error)
    assert len(server.exchanges) == 1


async def test_wrong_content_type_fails_clearly(mode):
    def handler(ex):
        ex.respond(200, b"{}", "application/json")

    with LoopbackServer(handler) as server:
        _, error, _ = await collect(mode, server.url, reconnect=True)
    assert isinstance(error, APIResponseValidationError)
    assert "application/json" in str(error)


async def test_a_content_type_header_is_not_sent_twice(mode):
    def handler(ex):
        ex.stream([b"data: ok\n\n"])

    with LoopbackServer(handler) as server:
        events, error, _ = await collect(
            mode, server.url, method="POST", json={"q": 1}, headers={"content-type": "application/x-ndjson"}
        )
    assert error is None
    assert [e.data for e in events] == ["ok"]
    assert server.exchanges[0].headers["content-type"] == "application/x-ndjson"


async def test_204_stops_at_once(mode):
    def handler(ex):
        ex.respond(204, b"", "text/event-stream")

    with LoopbackServer(handler) as server:
        events, error, _ = await collect(mode, server.url, reconnect=True)
    assert (events, error) == ([], None)


async def test_max_reconnects_bounds_the_attempts(mode):
    def handler(ex):
        ex.stream([b"data: x\n\n"], pause=0.05, end=False)
        ex.reset()

    with LoopbackServer(handler) as server:
        events, error, _ = await collect(mode, server.url, reconnect=True, retry_ms=1, max_reconnects=2)
    assert isinstance(error, APIConnectionError)
    assert error.attempts == 3
    assert len(events) == 3


async def test_connection_refused_is_retried_when_reconnecting(mode):
    port = unused_port()
    _, error, _ = await collect(mode, f"http://127.0.0.1:{port}/", reconnect=True, retry_ms=1, max_reconnects=2)
    assert isinstance(error, APIConnectionError)
    assert "connection refused" in str(error)
    assert error.attempts == 3


async def test_idle_timeout_applies(mode):
    with stalling_server(b"data: one\n\n") as server:
        events, error, _ = await collect(mode, server.url, timeout=Timeout(5, read=0.3))
    assert [e.data for e in events] == ["one"]
    assert isinstance(error, APITimeoutError)


async def test_limits_apply_to_the_stream(mode):
    def handler(ex):
        ex.stream([b"data: " + b"x" * 5000 + b"\n\n"])

    with LoopbackServer(handler) as server:
        _, error, _ = await collect(mode, server.url, max_line_bytes=1000)
    assert isinstance(error, LimitExceeded)


def test_backoff_after_the_first_reconnection():
    stream = EventSource.__new__(EventSource)
    stream.parser = type("P", (), {"retry": 1000})()
    stream.max_backoff = 5.0
    random.seed(1)
    assert stream._delay(1) == 1.0  # the server's retry, exactly, as a browser waits
    delays = [stream._delay(n) for n in range(2, 10)]
    assert all(0.5 * min(5.0, 2 ** (n - 1)) <= d <= min(5.0, 2 ** (n - 1)) for n, d in zip(range(2, 10), delays))
    assert max(delays) <= 5.0
    assert len(set(delays)) > 1  # jittered
