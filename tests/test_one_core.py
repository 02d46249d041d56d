"""Where the sync and the async client used to disagree, tried as a user would: each case runs in
both modes through one test body (tests/modes.py), against real servers on 127.0.0.1.

Before one HTTP core served both (``sse_pplx/_http.py``, ``sse_pplx/_exchange.py``), the sync
client ignored the deadline while it read a response head, reported ``103 Early Hints`` as an
error, reset its idle timer per byte where the async one bounded the whole head, refused or
accepted bare-LF heads depending on the mode, called a clean close "a reset", left the socket of
an unsupported ``Content-Encoding`` to the garbage collector, and refused a comma-separated
``Content-Type`` that browsers read as an event stream.
"""

from __future__ import annotations

import threading
import time

import pytest

from sse_pplx import APIConnectionError, APITimeoutError, Timeout
from sse_pplx.transport import Request
from tests.modes import MESSAGES
from tests.servers import LoopbackServer, chunk_obj, sse

EVENTS = [sse(chunk_obj("Hel")), sse(chunk_obj("lo", finish="stop")), b"data: [DONE]\n\n"]
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 11\r\n\r\n"


async def open_and_read(mode, url, timeout):
    """Open ``url`` with the mode's transport; the body, or the error raised, and the seconds it took."""
    started = time.monotonic()
    try:
        async with mode.enter(mode.Transport()) as transport:
            response = await mode.resolve(transport.open(Request("GET", url), timeout))
            body = await mode.resolve(response.read())
        return body, time.monotonic() - started
    except APIConnectionError as exc:
        return exc, time.monotonic() - started


async def stream_chat(mode, url, **client_options):
    """Stream a completion with the mode's client: the contents and the final text."""
    async with mode.enter(mode.Client(base_url=url, api_key="k", max_retries=0, **client_options)) as client:
        stream = await mode.resolve(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
        async with mode.enter(stream):
            contents = [chunk.choices[0].delta.content async for chunk in mode.iterate(stream)]
            final = await mode.resolve(stream.get_final_completion())
    return contents, final.content


def trickle(data, pause, stop=None):
    """A handler that sends ``data`` one byte at a time, ``pause`` seconds apart."""

    def handler(ex):
        for index in range(len(data)):
            if stop is not None and stop.is_set():
                return
            ex.send(data[index : index + 1], pause)

    return handler


# -- the response head and the budgets ------------------------------------------------------


async def test_the_deadline_bounds_a_head_trickled_a_byte_at_a_time(mode, leaks):
    """Each byte beats the idle timeout; the deadline still ends the wait (the sync client
    used to wait for as long as the server trickled)."""
    slow_head = b"HTTP/1.1 200 OK\r\nX-Padding: " + b"p" * 200 + b"\r\n\r\n"
    stop = threading.Event()
    with LoopbackServer(trickle(slow_head, 0.02, stop)) as server:
        error, elapsed = await open_and_read(mode, server.url, Timeout(5, total=0.6))
        stop.set()
    assert isinstance(error, APITimeoutError) and error.phase == "deadline", error
    assert "waiting for the response" in error.message
    assert 0.5 < elapsed < 2.5
    leaks.assert_clean()


async def test_the_deadline_bounds_an_endless_series_of_100_continue(mode, leaks):
    stop = threading.Event()

    def handler(ex):
        while not stop.is_set():
            ex.send(b"HTTP/1.1 100 Continue\r\n\r\n", 0.02)

    with LoopbackServer(handler) as server:
        error, elapsed = await open_and_read(mode, server.url, Timeout(5, total=0.5))
        stop.set()
    assert isinstance(error, APITimeoutError) and error.phase == "deadline", error
    assert elapsed < 2.5
    leaks.assert_clean()


async def test_the_idle_timeout_is_reset_by_every_byte_of_the_head(mode):
    """A head that takes longer than the idle timeout in all, each byte well within it, arrives
    (the async client used to bound the whole head by the idle timeout)."""
    with LoopbackServer(trickle(HEAD + b"data: one\n\n", 0.015)) as server:
        body, elapsed = await open_and_read(mode, server.url, Timeout(0.4))
    assert body == b"data: one\n\n"
    assert elapsed > 0.8  # the head alone took twice the idle timeout


@pytest.mark.parametrize(
    "interim",
    [
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n",
    ],
    ids=["103", "100+102"],
)
async def test_interim_responses_are_skipped(mode, interim):
    """RFC 9110 §15.2: a client parses 1xx responses before the final one (the sync client used
    to report 103 Early Hints as an APIStatusError)."""

    def handler(ex):
        ex.send(interim)
        ex.stream(EVENTS)

    with LoopbackServer(handler) as server:
        contents, text = await stream_chat(mode, server.url)
    assert contents == ["Hel", "lo", None][: len(contents)] and text == "Hello"


async def test_a_head_with_bare_lf_line_ends_is_read(mode):
    """RFC 9112 §2.2: a recipient MAY recognize a single LF as a line terminator (the async client
    used to refuse it)."""
    body = b"".join(EVENTS)
    head = b"HTTP/1.1 200 OK\nContent-Type: text/event-stream\nContent-Length: %d\n\n" % len(body)

    def handler(ex):
        ex.send(head + body)

    with LoopbackServer(handler) as server:
        _contents, text = await stream_chat(mode, server.url)
    assert text == "Hello"


# -- how a connection ends --------------------------------------------------------------------


async def test_a_server_that_closes_without_answering_is_not_called_a_reset(mode, leaks):
    def handler(ex):
        return None  # read the request, close cleanly, say nothing

    with LoopbackServer(handler) as server:
        error, _ = await open_and_read(mode, server.url, Timeout(5))
    assert isinstance(error, APIConnectionError) and not isinstance(error, APITimeoutError)
    assert "closed the connection without sending a response" in error.message
    assert "reset" not in error.message
    leaks.assert_clean()


async def test_a_server_that_resets_without_answering_is_a_reset(mode):
    with LoopbackServer(lambda ex: ex.reset()) as server:
        error, _ = await open_and_read(mode, server.url, Timeout(5))
    assert isinstance(error, APIConnectionError)
    assert "reset by the peer" in error.message


async def test_an_unsupported_content_encoding_closes_the_socket_before_the_error_is_raised(mode, leaks):
    """The error used to leave the socket open until garbage collection: the server sees the
    close while the error (and its traceback) is still alive."""
    closed = threading.Event()

    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream", "Content-Encoding": "br"})
        ex.chunk(b"\x8b\x02\x80data: x\n\n\x03")
        ex.sock.settimeout(5)
        try:
            if ex.sock.recv(1) == b"":
                closed.set()
        except OSError:
            closed.set()

    with LoopbackServer(handler) as server:
        error, _ = await open_and_read(mode, server.url, Timeout(5))
        assert isinstance(error, APIConnectionError) and "Content-Encoding 'br'" in error.message
        assert await mode.blocking(closed.wait, 2), "the socket was left open"
        del error
    leaks.assert_clean()


# -- Content-Type, as browsers read it ---------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["application/json, text/event-stream; charset=utf-8", "text/event-stream;charset=UTF-8", "Text/Event-Stream"],
)
async def test_the_content_type_is_read_as_fetch_extracts_it(mode, content_type):
    """Fetch's "extract a MIME type" keeps the last valid type of a comma-separated list; browsers
    and httpx-sse accept the first case as an event stream, and so do the client and connect()."""

    def handler(ex):
        ex.stream(EVENTS, headers={"Content-Type": content_type})
        return True

    with LoopbackServer(handler) as server:
        _contents, text = await stream_chat(mode, server.url)
        async with mode.enter(mode.connect(server.url)) as events:
            datas = [event.data async for event in mode.iterate(events)]
    assert text == "Hello"
    assert datas[-1] == "[DONE]" and len(datas) == 3
