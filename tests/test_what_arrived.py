"""What a user reads is what arrived (issue 13).

* A last event whose JSON is whole but whose blank line never came is kept in the result
  (``salvaged``) *and* yielded as a chunk, in order, before the stream ends, by
  ``iter_chat_chunks`` / ``aiter_chat_chunks`` (every chunking) and by the clients' streams
  (real loopback servers, both modes): the chunks a consumer joins add up to ``result.content``.
* ``create(stream=False)`` answered with an event stream gives the verdict ``stream=True``
  gives: a stream cut short raises ``IncompleteStreamError`` carrying ``.partial``.
* Every error a client call raises carries ``attempts``, ``partial`` and ``last_event_id``.
"""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

import sse_pplx
from sse_pplx import (
    APIConnectionError,
    APIErrorEvent,
    APIStatusError,
    ChatCompletion,
    ChatDecoder,
    IncompleteStreamError,
    LimitExceeded,
)
from tests import chat_streams as cs
from tests.chat_streams import all_ways, chunk, frame
from tests.modes import complete
from tests.servers import LoopbackServer, unused_port

pytestmark = pytest.mark.usefixtures("fast_backoff")


def _texts(chunks: List[Any]) -> List[Any]:
    return [c.choices[0].delta.content if c.choices else None for c in chunks]


def _sync_chunks(chunks: List[bytes], **options: Any) -> Any:
    """Every chunk ``iter_chat_chunks`` yields, the result, and the error it ended with."""
    out: List[Any] = []
    iterator = sse_pplx.iter_chat_chunks(cs.source(chunks), **options)
    error = None
    try:
        for item in iterator:
            out.append(item)
    except sse_pplx.SSEError as exc:
        error = type(exc).__name__
    return (
        _texts(out),
        iterator.result.content,
        iterator.result.salvaged,
        iterator.result.outcome,
        error,
        iterator.result.chunks,
    )


def _async_chunks(chunks: List[bytes], **options: Any) -> Any:
    """The same through ``aiter_chat_chunks`` (which has no ``.result``: the result is
    ``acollect_chat``'s, over the same bytes)."""

    async def run() -> Any:
        out: List[Any] = []
        iterator = sse_pplx.aiter_chat_chunks(cs.asource(chunks), **options)
        error = None
        try:
            async for item in iterator:
                out.append(item)
        except sse_pplx.SSEError as exc:
            error = type(exc).__name__
        result = await sse_pplx.acollect_chat(cs.asource(chunks))
        return _texts(out), result.content, result.salvaged, result.outcome, error, result.chunks

    return asyncio.run(run())


ITERATE = {"iter_chat_chunks": _sync_chunks, "aiter_chat_chunks": _async_chunks}


# -- the bytes conveniences, at every chunking ---------------------------------------------------


@pytest.mark.parametrize("way", sorted(ITERATE))
@pytest.mark.parametrize("tail", ["eol", "none"])
@pytest.mark.parametrize("strict", [False, True])
def test_a_salvaged_last_event_is_yielded_as_a_chunk(way: str, tail: str, strict: bool) -> None:
    data = frame([cs.data(chunk("Hel")), cs.data(chunk("lo", finish_reason="stop"))], "crlf", tail)
    texts, content, salvaged, outcome, error, count = all_ways(data, lambda chunks: ITERATE[way](chunks, strict=strict))
    assert texts == ["Hel", "lo"] and count == 2
    assert "".join(texts) == content == "Hello"
    assert (salvaged, outcome, error) == (True, "finished", None)


@pytest.mark.parametrize("way", sorted(ITERATE))
def test_a_salvaged_chunk_comes_before_the_strict_verdict(way: str) -> None:
    """No ``finish_reason``: the chunk is yielded, then ``IncompleteStreamError`` is raised."""
    data = frame([cs.data(chunk("Hel")), cs.data(chunk("lo"))], "lf", "none")
    texts, content, salvaged, outcome, error, count = all_ways(data, lambda chunks: ITERATE[way](chunks, strict=True))
    assert texts == ["Hel", "lo"] and content == "Hello" and count == 2
    assert (salvaged, outcome, error) == (True, "truncated", "IncompleteStreamError")


@pytest.mark.parametrize("way", sorted(ITERATE))
def test_a_salvaged_named_done_event_is_yielded_too(way: str) -> None:
    texts, content, salvaged, outcome, _, count = all_ways(
        frame(cs.named_blocks(), "crlf", tail="none"), lambda chunks: ITERATE[way](chunks)
    )
    assert salvaged is True and outcome == "done"
    assert "".join(t for t in texts if t) == content == cs.NAMED_TEXT
    assert len(texts) == count  # the done event's chunk (its text already sent) is the last one yielded
    whole = all_ways(frame(cs.named_blocks(), "crlf"), lambda chunks: ITERATE[way](chunks))
    assert whole[0] == texts and whole[5] == count


@pytest.mark.parametrize("way", sorted(ITERATE))
def test_a_last_event_that_is_not_whole_is_neither_kept_nor_yielded(way: str) -> None:
    data = frame([cs.data(chunk("Hel"))], "lf") + b'data: {"choices": [{"delta": {"content": "lo"'
    texts, content, salvaged, outcome, _, count = all_ways(data, lambda chunks: ITERATE[way](chunks))
    assert (texts, content, salvaged, outcome, count) == (["Hel"], "Hel", False, "truncated", 1)


def test_flush_returns_the_salvaged_chunk_once() -> None:
    def run(chunks: List[bytes]) -> Any:
        decoder = ChatDecoder()
        fed = [c for piece in chunks for c in decoder.feed(piece)]
        salvaged = decoder.flush()
        again = decoder.flush()
        result = decoder.close()
        return _texts(fed), _texts([salvaged]), again, result.content, result.salvaged, result.chunks

    data = frame([cs.data(chunk("Hel")), cs.data(chunk("lo", finish_reason="stop"))], "lf", "eol")
    assert all_ways(data, run) == (["Hel"], ["lo"], None, "Hello", True, 2)


def test_flush_after_done_or_a_whole_stream_has_nothing() -> None:
    decoder = ChatDecoder()
    decoder.feed(frame([cs.data(chunk("Hi", finish_reason="stop")), cs.DONE], "lf"))
    assert decoder.flush() is None
    assert decoder.close().outcome == "done"
    decoder = ChatDecoder()
    decoder.feed(frame([cs.data(chunk("Hi", finish_reason="stop"))], "lf"))
    assert decoder.flush() is None
    assert decoder.close().salvaged is False


def test_the_decoders_last_event_id_is_the_parsers_string() -> None:
    def run(chunks: List[bytes]) -> Any:
        decoder = ChatDecoder()
        for piece in chunks:
            decoder.feed(piece)
        before = decoder.last_event_id
        decoder.close()
        return before, decoder.last_event_id

    data = b"id: 1\ndata: " + chunk("Hel").encode() + b"\n\nid: 2\n\nid: 3\ndata: " + chunk("lo").encode()
    assert all_ways(data, run) == ("2", "2")


# -- the clients' streams over real sockets -------------------------------------------------------


def _serving(*pieces: bytes, reset: bool = False):
    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream"})
        for piece in pieces:
            ex.chunk(piece, 0.02)
        if reset:
            ex.reset()
        else:
            ex.end()

    return handler


HEL = b"id: 1\ndata: " + chunk("Hel").encode() + b"\n\n"
LO_STOP_NO_BLANK = b"id: 2\ndata: " + chunk("lo", finish_reason="stop").encode() + b"\n"
LO_NO_BLANK = b"id: 2\ndata: " + chunk("lo").encode()


def _client(mode, url):
    return mode.Client(base_url=url, api_key="k", max_retries=0)


@pytest.mark.parametrize("consume", ["chunks", "text"])
@pytest.mark.parametrize("ending", ["clean end", "reset"])
async def test_a_client_stream_yields_the_salvaged_chunk(mode, consume, ending, leaks):
    with LoopbackServer(_serving(HEL, LO_STOP_NO_BLANK, reset=ending == "reset")) as server:
        out = await complete(mode, _client(mode, server.url), consume=consume)
    assert out["error"] is None
    assert out["chunks"] == ["Hel", "lo"]
    result = out["result"]
    assert (result.content, result.salvaged, result.outcome) == ("Hello", True, "finished")
    leaks.assert_clean()


@pytest.mark.parametrize("ending", ["clean end", "reset"])
async def test_a_client_stream_cut_short_yields_it_then_raises_with_all_of_it(mode, ending, leaks):
    with LoopbackServer(_serving(HEL, LO_NO_BLANK, reset=ending == "reset")) as server:
        out = await complete(mode, _client(mode, server.url))
    error = out["error"]
    assert isinstance(error, IncompleteStreamError if ending == "clean end" else APIConnectionError)
    assert out["chunks"] == ["Hel", "lo"]
    assert (error.partial.content, error.partial.salvaged) == ("Hello", True)
    assert (error.attempts, error.last_event_id) == (1, "1")  # "2" never ended with a blank line
    leaks.assert_clean()


# -- stream=False answered with an event stream ------------------------------------------------------


async def test_stream_false_with_an_event_stream_that_finishes_is_a_completion(mode, leaks):
    with LoopbackServer(_serving(HEL, LO_STOP_NO_BLANK)) as server:
        out = await complete(mode, _client(mode, server.url), stream=False)
    assert out["error"] is None
    answer = out["completion"]
    assert isinstance(answer, ChatCompletion)
    assert (answer.choices[0].message.content, answer.choices[0].finish_reason) == ("Hello", "stop")
    leaks.assert_clean()


@pytest.mark.parametrize("ending", ["clean end", "reset"])
async def test_stream_false_with_an_event_stream_cut_short_raises_like_a_stream(mode, ending, leaks):
    with LoopbackServer(_serving(HEL, b'data: {"choices": [{"delta"', reset=ending == "reset")) as server:
        out = await complete(mode, _client(mode, server.url), stream=False)
    error = out["error"]
    assert out["completion"] is None
    assert isinstance(error, IncompleteStreamError if ending == "clean end" else APIConnectionError)
    assert (error.partial.content, error.partial.outcome) == ("Hel", "truncated")
    assert (error.attempts, error.last_event_id) == (1, "1")
    leaks.assert_clean()


async def test_stream_false_with_an_error_event_raises_it(mode, leaks):
    error_event = b'event: error\ndata: {"error": {"message": "overloaded"}}\n\n'
    with LoopbackServer(_serving(HEL, error_event)) as server:
        out = await complete(mode, _client(mode, server.url), stream=False)
    error = out["error"]
    assert isinstance(error, APIErrorEvent)
    assert (error.partial.content, error.attempts, error.last_event_id) == ("Hel", 1, "1")
    leaks.assert_clean()


# -- every client-call error carries attempts, partial and last_event_id ----------------------------


def _long_line(ex):
    ex.stream([HEL, b"data: " + b"x" * 5000 + b"\n\n"])


def _status(ex):
    ex.respond(400, b'{"error": {"message": "bad"}}')


SCENARIOS = {
    "limit": (_long_line, True, LimitExceeded, "Hel", "1"),
    "limit, stream=False": (_long_line, False, LimitExceeded, "Hel", "1"),
    "status": (_status, True, APIStatusError, None, None),
    "incomplete": (_serving(HEL), True, IncompleteStreamError, "Hel", "1"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_every_client_error_carries_attempts_partial_and_last_event_id(mode, name, leaks):
    handler, stream, kind, content, last_id = SCENARIOS[name]
    with LoopbackServer(handler) as server:
        client = mode.Client(base_url=server.url, api_key="k", max_retries=0, max_line_bytes=1000)
        out = await complete(mode, client, stream=stream)
    error = out["error"]
    assert type(error) is kind or isinstance(error, kind)
    assert error.attempts == 1
    assert (None if error.partial is None else error.partial.content) == content
    assert error.last_event_id == last_id
    leaks.assert_clean()


async def test_a_connection_refused_carries_the_attempts(mode):
    client = mode.Client(base_url=f"http://127.0.0.1:{unused_port()}", api_key="k", max_retries=1)
    out = await complete(mode, client)
    error = out["error"]
    assert isinstance(error, APIConnectionError)
    assert (error.attempts, error.partial, error.last_event_id) == (2, None, None)
