"""The drop-in modules sse_pplx.sseclient and sse_pplx.httpx (docs/migration.md).

* At every chunking (tests/feeding.py's): ``SSEClient(chunks).events()`` and
  ``EventSource(response).iter_sse()`` / ``aiter_sse()`` give the parser's events, as the
  peer's classes, for streams that exercise every difference from the peers.
* httpx against a real loopback server, sync and async (the ``mode`` fixture): the request
  headers httpx-sse sends, events as they arrive, the Content-Type check, a limit.
* Each documented difference from a peer, side by side: the installed peer's result (skipped
  where the peer is absent) and ours, on the same bytes.

The httpx tests skip when httpx is not installed (the ``peers`` extra installs it).
"""

from __future__ import annotations

import copy
import gzip
import json
import pickle
import subprocess
import sys
from typing import Any, AsyncIterator, Iterator, List

import pytest

import sse_pplx
from sse_pplx import LimitExceeded, ServerSentEvent, UsageError
from sse_pplx.sseclient import Event, SSEClient
from tests.feeding import describe, feed_all_ways, iter_chunkings
from tests.imports import modules_after
from tests.servers import Exchange, LoopbackServer

#: Streams that touch every difference from the peers (one name each, for the test ids).
STREAMS = {
    "whatwg-examples": b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third\n\n",
    "multi-line": b"data: YH00\ndata: +2\ndata: 10\n\n",
    "crlf-cr-mixed": b"event: a\r\ndata: 1\r\n\r\ndata: 2\rdata: 3\r\rdata: 4\n\r\ndata: 5\n\n",
    "bom": b"\xef\xbb\xbfdata: first\n\ndata: second\n\n",
    "sticky-id": b"id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
    "data-less-blocks": b"event: x\n\nid: 3\n\nretry: 500\n\n: ping\n\ndata: after\n\n",
    "retry-values": b"retry: 10\ndata: a\n\nretry: +10\ndata: b\n\nretry:  10\ndata: c\n\nretry: 1_0\ndata: d\n\n",
    "invalid-utf8": b"data: caf\xc3\xa9 \xff\xfe\n\nevent: \xe2\x82\ndata: x\n\n",
    "unterminated-last": b"data: whole\n\ndata: cut off",
    "utf8-multibyte": "data: \u65e5\u672c \U0001f600 \u2028 end\n\n".encode(),
}


def _as(cls: type, events: List[ServerSentEvent]) -> List[Any]:
    """The parser's events as the drop-in's class (the same four fields)."""
    return [tuple.__new__(cls, event) for event in events]


# -- sse_pplx.sseclient --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STREAMS))
def test_sseclient_gives_the_parser_s_events_at_every_chunking(name: str) -> None:
    data = STREAMS[name]
    expected = _as(Event, feed_all_ways(data).server_sent_events)
    for chunking, chunks in iter_chunkings(data):
        client = SSEClient(iter(chunks))
        got = list(client.events())
        assert got == expected, describe(chunking, chunks)
        assert all(type(event) is Event for event in got)


def test_sseclient_yields_each_event_before_pulling_the_next_chunk() -> None:
    pulled: List[int] = []

    def source() -> Iterator[bytes]:
        for index, chunk in enumerate([b"data: a\n", b"\n", b"data: b\r\r", b"\ndata: c\n\n"]):
            pulled.append(index)
            yield chunk

    seen = [(event.data, list(pulled)) for event in SSEClient(source()).events()]
    assert seen == [("a", [0, 1]), ("b", [0, 1, 2]), ("c", [0, 1, 2, 3])]


def test_sseclient_event_has_sseclient_py_s_attributes_and_str() -> None:
    (event,) = SSEClient([b'id: 42\nevent: update\nretry: 3000\ndata: {"a": 1}\n\n']).events()
    assert (event.id, event.event, event.data, event.retry) == ("42", "update", '{"a": 1}', 3000)
    assert str(event) == "update event #42, 8 bytes, retry in 3000ms"
    assert str(Event()) == "message event, no data"
    assert Event(data="x") == Event(None, "message", "x", None) == Event(id="", event="", data="x")
    assert event.json() == {"a": 1} and isinstance(event, ServerSentEvent)
    assert pickle.loads(pickle.dumps(event)) == event and copy.copy(event) == event
    with pytest.raises(AttributeError):
        event.data = "changed"  # type: ignore[misc]
    assert repr(Event(id="1", data="x")) == "Event(id='1', event='message', data='x', retry=None)"


def test_sseclient_close_closes_a_source_that_can_be_closed() -> None:
    closed: List[bool] = []

    def source() -> Iterator[bytes]:
        try:
            yield b"data: a\n\n"
            yield b"data: b\n\n"
        finally:
            closed.append(True)

    chunks = source()
    client = SSEClient(chunks)
    events = client.events()
    assert next(events).data == "a"
    client.close()
    assert closed == [True]
    SSEClient([b"data: a\n\n"]).close()  # a list has no close(): nothing to do
    sseclient = pytest.importorskip("sseclient", reason="sseclient-py is not installed (the 'peers' extra)")
    with pytest.raises(AttributeError):
        sseclient.SSEClient([b"data: a\n\n"]).close()  # where sseclient-py fails


def test_sseclient_state_and_a_second_events_call_reads_on() -> None:
    chunks = iter([b"id: 1\nretry: 20\ndata: a\n\ndata: b", b"\n\n", b"data: c\n\n"])
    client = SSEClient(chunks)
    events = client.events()
    assert next(events).data == "a"
    assert (client.last_event_id, client.retry) == ("1", 20)
    # A new events() continues with the source where it is, the last event ID kept.
    assert [(e.data, e.id) for e in client.events()] == [("c", "1")]


def test_sseclient_accepts_utf8_only() -> None:
    for spelling in ("utf-8", "UTF8", "utf_8"):
        SSEClient([], char_enc=spelling)
    with pytest.raises(UsageError, match="always UTF-8"):
        SSEClient([], char_enc="latin-1")
    with pytest.raises(LookupError):
        SSEClient([], char_enc="no-such-codec")


def test_sseclient_limit_raises_after_the_events_before_it() -> None:
    events = SSEClient([b"data: ok\n\ndata: " + b"x" * 64 + b"\n\n"], max_event_bytes=32).events()
    assert next(events).data == "ok"
    with pytest.raises(LimitExceeded):
        next(events)


def test_sseclient_reads_a_real_http_response() -> None:
    """http.client's response, as urllib returns it: an iterable of bytes (lines)."""
    import urllib.request

    def handler(exchange: Exchange) -> None:
        exchange.stream([b"data: one\n", b"\n", b"id: 5\ndata: two\r\n\r\n"])

    with LoopbackServer(handler) as server, urllib.request.urlopen(server.url) as response:
        client = SSEClient(response)
        assert [(e.data, e.id) for e in client.events()] == [("one", ""), ("two", "5")]
        client.close()
        assert response.closed


@pytest.mark.parametrize("source", ["requests response", "requests iter_content", "urllib3 response"])
def test_sseclient_reads_requests_and_urllib3_responses(source: str) -> None:
    """The event sources sseclient-py's README passes, on a real server (skipped where the
    HTTP library is not installed)."""
    pieces = [b"id: 1\ndata: one\n", b"\n", b"data: t", b"wo\r\n\r", b"\n: ping\n\n"]

    def handler(exchange: Exchange) -> None:
        exchange.stream(pieces, headers={"Connection": "close"})

    with LoopbackServer(handler) as server:
        if source.startswith("requests"):
            requests = pytest.importorskip("requests", reason="requests is not installed")
            response = requests.get(server.url, stream=True, headers={"Accept": "text/event-stream"})
            event_source = response if source == "requests response" else response.iter_content(chunk_size=None)
        else:
            urllib3 = pytest.importorskip("urllib3", reason="urllib3 is not installed")
            response = event_source = urllib3.PoolManager().request("GET", server.url, preload_content=False)
        client = SSEClient(event_source)
        assert [(e.data, e.id) for e in client.events()] == [("one", "1"), ("two", "1")]
        response.close()


def test_sseclient_module_imports_nothing_outside_the_standard_library() -> None:
    loaded = modules_after("import sse_pplx.sseclient")
    assert not {"httpx", "requests", "urllib3", "sseclient", "json", "http.client"} & loaded


# -- sseclient-py side by side: each documented difference -------------------------------------

#: bytes, what sseclient-py gives, what sse_pplx.sseclient gives: (data, id, retry) per event.
SSECLIENT_DIFFERENCES = {
    "unterminated final event": (b"data: a\n\ndata: b", [("a", None, None), ("b", None, None)], [("a", "", None)]),
    "per-block ids": (b"id: 1\ndata: a\n\ndata: b\n\n", [("a", "1", None), ("b", None, None)],
                      [("a", "1", None), ("b", "1", None)]),
    "leading BOM": (b"\xef\xbb\xbfdata: a\n\ndata: b\n\n", [("b", None, None)], [("a", "", None), ("b", "", None)]),
    "retry kept as a str": (b"retry: 15\ndata: a\n\nretry: soon\ndata: b\n\n", [("a", None, "15"), ("b", None, "soon")],
                            [("a", "", 15), ("b", "", None)]),
    "mixed line endings": (b"data: a\n\r\ndata: b\n\n", [("a\nb", None, None)], [("a", "", None), ("b", "", None)]),
}  # fmt: skip


@pytest.mark.parametrize("difference", sorted(SSECLIENT_DIFFERENCES))
def test_sseclient_differences_from_sseclient_py(difference: str) -> None:
    data, peer_result, ours = SSECLIENT_DIFFERENCES[difference]
    assert [(e.data, e.id, e.retry) for e in SSEClient([data]).events()] == ours
    sseclient = pytest.importorskip("sseclient", reason="sseclient-py is not installed (the 'peers' extra)")
    assert [(e.data, e.id, e.retry) for e in sseclient.SSEClient([data]).events()] == peer_result


def test_sseclient_invalid_utf8_is_replaced_where_sseclient_py_raises() -> None:
    data = b"data: caf\xff\n\ndata: next\n\n"
    assert [e.data for e in SSEClient([data]).events()] == ["caf\ufffd", "next"]
    sseclient = pytest.importorskip("sseclient", reason="sseclient-py is not installed (the 'peers' extra)")
    with pytest.raises(UnicodeDecodeError):
        list(sseclient.SSEClient([data]).events())


# -- sse_pplx.httpx: at every chunking ----------------------------------------------------------


@pytest.fixture
def httpx() -> Any:
    return pytest.importorskip("httpx", reason="httpx is not installed (the 'peers' extra installs it)")


def _response(httpx: Any, chunks: List[bytes], is_async: bool, content_type: str = "text/event-stream") -> Any:
    """A real httpx.Response whose body arrives in exactly these chunks."""

    class Body(httpx.SyncByteStream):  # type: ignore[name-defined,misc]
        def __iter__(self) -> Iterator[bytes]:
            yield from chunks

    class AsyncBody(httpx.AsyncByteStream):  # type: ignore[name-defined,misc]
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in chunks:
                yield chunk

    return httpx.Response(200, headers={"content-type": content_type}, stream=AsyncBody() if is_async else Body())


@pytest.mark.parametrize("name", sorted(STREAMS))
async def test_httpx_event_source_gives_the_parser_s_events_at_every_chunking(httpx: Any, mode: Any, name: str) -> None:
    from sse_pplx.httpx import EventSource
    from sse_pplx.httpx import ServerSentEvent as HttpxEvent

    data = STREAMS[name]
    expected = _as(HttpxEvent, feed_all_ways(data).server_sent_events)
    for chunking, chunks in iter_chunkings(data):
        source = EventSource(_response(httpx, chunks, mode.is_async))
        got = [e async for e in mode.iterate(source.aiter_sse() if mode.is_async else source.iter_sse())]
        assert got == expected, describe(chunking, chunks)
        assert all(type(event) is HttpxEvent for event in got)


# -- sse_pplx.httpx against a loopback server ---------------------------------------------------


def _client(httpx: Any, mode: Any) -> Any:
    return httpx.AsyncClient() if mode.is_async else httpx.Client()


def _connect(mode: Any) -> Any:
    from sse_pplx.httpx import aconnect_sse, connect_sse

    return aconnect_sse if mode.is_async else connect_sse


def _events(mode: Any, source: Any) -> Any:
    return mode.iterate(source.aiter_sse() if mode.is_async else source.iter_sse())


async def test_httpx_connect_sends_httpx_sse_s_headers_and_reads_events_as_they_arrive(httpx: Any, mode: Any) -> None:
    from sse_pplx.httpx import EventSource

    pieces = [b"retry: 1500\n\n", b'id: 1\ndata: {"n": 1}\n', b"\n: ping\n\n", b"event: end\ndata: bye\r\n\r\n"]

    def handler(exchange: Exchange) -> None:
        if exchange.path == "/gzip":
            # (Connection: close, so that httpx does not reuse a connection the server closes.)
            exchange.stream(
                [gzip.compress(b"".join(pieces))], headers={"Content-Encoding": "gzip", "Connection": "close"}
            )
        else:
            exchange.stream(pieces, headers={"Connection": "close"})

    with LoopbackServer(handler) as server:
        async with mode.enter(_client(httpx, mode)) as client:
            for path in ("/", "/gzip"):
                connect = _connect(mode)(client, "POST", server.url + path, headers={"X-Mine": "1"}, json={"q": 1})
                async with mode.enter(connect) as source:
                    assert isinstance(source, EventSource) and source.response.status_code == 200
                    got = [(e.event, e.data, e.id, e.retry) async for e in _events(mode, source)]
                    assert (source.last_event_id, source.retry) == ("1", 1500)
                assert got == [("message", '{"n": 1}', "1", None), ("end", "bye", "1", None)]
    for exchange in server.exchanges:
        assert exchange.headers["accept"] == "text/event-stream"
        assert exchange.headers["cache-control"] == "no-store"
        assert exchange.headers["x-mine"] == "1" and json.loads(exchange.body) == {"q": 1}


async def test_httpx_wrong_content_type_raises_httpx_sse_s_error(httpx: Any, mode: Any) -> None:
    from sse_pplx.httpx import SSEError

    def handler(exchange: Exchange) -> None:
        exchange.respond(200, b'{"error": "no stream"}', content_type="application/json; charset=utf-8")

    with LoopbackServer(handler) as server:
        async with mode.enter(_client(httpx, mode)) as client, mode.enter(
            _connect(mode)(client, "GET", server.url)
        ) as source:
            with pytest.raises(SSEError) as raised:
                async for _ in _events(mode, source):
                    pass
    message = "Expected response header Content-Type to contain 'text/event-stream', got 'application/json'"
    assert str(raised.value) == message
    assert isinstance(raised.value, httpx.TransportError) and isinstance(raised.value, sse_pplx.SSEError)


async def test_httpx_limit_raises_after_the_events_before_it(httpx: Any, mode: Any) -> None:
    from sse_pplx.httpx import EventSource

    source = EventSource(
        _response(httpx, [b"data: ok\n\ndata: " + b"x" * 64 + b"\n\n"], mode.is_async), max_line_bytes=40
    )
    got: List[str] = []
    with pytest.raises(LimitExceeded):
        async for event in _events(mode, source):
            got.append(event.data)
    assert got == ["ok"]


def test_httpx_server_sent_event_is_httpx_sse_s(httpx: Any) -> None:
    from sse_pplx.httpx import ServerSentEvent as HttpxEvent

    assert HttpxEvent() == HttpxEvent(event=None, data=None, id=None) == HttpxEvent("", "")
    assert repr(HttpxEvent("ping", "x", "1", 5)) == "ServerSentEvent(event='ping', data='x', id='1', retry=5)"
    with pytest.raises(json.JSONDecodeError) as raised:
        HttpxEvent(data="[DONE").json()
    assert isinstance(raised.value, sse_pplx.InvalidJSONError) and raised.value.raw == "[DONE"
    assert pickle.loads(pickle.dumps(raised.value)).doc == "[DONE"
    assert HttpxEvent(data="[1]").json() == [1] and isinstance(HttpxEvent(), ServerSentEvent)
    event = HttpxEvent("ping", "x", "1", 5)
    assert pickle.loads(pickle.dumps(event)) == event and copy.copy(event) == event


def test_httpx_drop_in_without_httpx_says_what_to_install() -> None:
    code = "import sys; sys.modules['httpx'] = None  # as if not installed\nimport sse_pplx.httpx"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ModuleNotFoundError: sse_pplx.httpx is httpx-sse's API over httpx" in done.stderr
    assert "pip install 'sse_pplx[httpx]'" in done.stderr


def test_import_sse_pplx_does_not_import_httpx() -> None:
    assert "httpx" not in modules_after("import sse_pplx")
    assert "httpx" not in modules_after("import sse_pplx.sseclient")


# -- httpx-sse side by side: each documented difference -----------------------------------------

#: bytes (and the Content-Type), what httpx-sse gives, what sse_pplx.httpx gives: (event, data, id, retry).
HTTPX_SSE_DIFFERENCES = {
    "data-less blocks": (b"event: x\n\nretry: 500\n\ndata: a\n\n", "text/event-stream",
                         [("x", "", "", None), ("message", "", "", 500), ("message", "a", "", None)],
                         [("message", "a", "", None)]),
    "phantom event after a comment (httpx-sse#35)": (b"id: 1\ndata: a\n\n: ping\n\n", "text/event-stream",
                         [("message", "a", "1", None), ("message", "", "1", None)],
                         [("message", "a", "1", None)]),
    "leading BOM": (b"\xef\xbb\xbfdata: a\n\ndata: b\n\n", "text/event-stream",
                    [("message", "b", "", None)], [("message", "a", "", None), ("message", "b", "", None)]),
    "retry through int()": (b"retry: +10\ndata: a\n\nretry:  20\ndata: b\n\n", "text/event-stream",
                            [("message", "a", "", 10), ("message", "b", "", 20)],
                            [("message", "a", "", None), ("message", "b", "", None)]),
    "charset other than UTF-8": ("data: caf\u00e9\n\n".encode(), "text/event-stream; charset=latin-1",
                                 [("message", "caf\u00c3\u00a9", "", None)], [("message", "caf\u00e9", "", None)]),
}  # fmt: skip


@pytest.mark.parametrize("difference", sorted(HTTPX_SSE_DIFFERENCES))
def test_httpx_differences_from_httpx_sse(httpx: Any, difference: str) -> None:
    from sse_pplx.httpx import EventSource

    data, content_type, peer_result, ours = HTTPX_SSE_DIFFERENCES[difference]
    got = [
        (e.event, e.data, e.id, e.retry) for e in EventSource(_response(httpx, [data], False, content_type)).iter_sse()
    ]
    assert got == ours
    httpx_sse = pytest.importorskip("httpx_sse", reason="httpx-sse is not installed (the 'peers' extra)")
    source = httpx_sse.EventSource(_response(httpx, [data], False, content_type))
    assert [(e.event, e.data, e.id, e.retry) for e in source.iter_sse()] == peer_result
