"""The SDK-shaped clients against real servers on 127.0.0.1: streams, completions, retries,
status errors, broken streams keeping their partial answer, secrets kept out of sight.

Each behaviour runs with the sync and the async client: each test that takes ``mode`` has one
body and runs once with each (tests/modes.py); ``run`` below consumes a completion with either.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from http import HTTPStatus

import pytest

import sse_pplx._retry as retry_module
from sse_pplx import (
    APIConnectionError,
    APIError,
    APIErrorEvent,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AsyncPerplexity,
    AuthenticationError,
    BadRequestError,
    ChatCompletion,
    Client,
    ConflictError,
    IncompleteStreamError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    Perplexity,
    RateLimitError,
    Timeout,
    UnprocessableEntityError,
    UsageError,
)
from tests.interpreter import needs_refcount_close
from tests.modes import MESSAGES, complete
from tests.servers import LoopbackServer, chunk_obj, gated_server, gzip_stream, sse, stalling_server, watching_server

pytestmark = pytest.mark.usefixtures("fast_backoff")

SECRET = "pplx-0123456789abcdefSECRET"
GOOD = [
    sse(chunk_obj("Hel")),
    sse(chunk_obj("lo", citations=["https://a.example"])),
    sse(chunk_obj(finish="stop", usage={"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5})),
    b"data: [DONE]\n\n",
]


def make(mode, url, **kw):
    kw.setdefault("api_key", SECRET)
    return mode.Client(base_url=url, **kw)


async def run(mode, url, *, stream=True, consume="chunks", client_kw=None, **create_kw):
    """Create a completion with the mode's client and consume it (tests/modes.py ``complete``).

    Returns a dict: chunks (the content of each chunk), result (get_final_completion),
    completion (stream=False), error (the exception raised, if any), stream."""
    client = make(mode, url, **(client_kw or {}))
    return await complete(mode, client, stream=stream, consume=consume, **create_kw)


def streaming(events, pause=0.0, status=200, headers=None):
    def handler(ex):
        ex.stream(events, pause, headers=headers)
        return True

    return handler


# -- the happy path ---------------------------------------------------------------------


async def test_stream_chunks_and_final_result(mode, leaks):
    with LoopbackServer(streaming(GOOD)) as server:
        out = await run(mode, server.url, temperature=0.2, extra_headers={"X-Trace": "t1"}, extra_body={"top_k": 3})
    assert out["error"] is None
    assert out["chunks"] == ["Hel", "lo", None]
    result = out["result"]
    assert (result.content, result.outcome, result.finish_reason) == ("Hello", "done", "stop")
    assert result.citations == ["https://a.example"]
    assert result.usage.total_tokens == 5
    request = server.exchanges[0]
    assert (request.method, request.target) == ("POST", "/chat/completions")
    body = json.loads(request.body)
    assert body == {"model": "sonar", "messages": MESSAGES, "temperature": 0.2, "stream": True, "top_k": 3}
    headers = request.headers
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert headers["accept"] == "text/event-stream"
    assert headers["accept-encoding"] == "identity"
    assert headers["x-trace"] == "t1"
    leaks.assert_clean()


async def test_a_header_override_replaces_whatever_its_spelling(mode):
    """``extra_headers={"authorization": ...}`` replaces ``Authorization`` instead of sending both."""
    with LoopbackServer(streaming(GOOD)) as server:
        out = await run(
            mode,
            server.url,
            client_kw={"default_headers": {"user-agent": "mine/1"}},
            extra_headers={"authorization": "Bearer other", "CACHE-CONTROL": None},
        )
    assert out["error"] is None
    headers = server.exchanges[0].headers
    assert headers["authorization"] == "Bearer other"
    assert headers["user-agent"] == "mine/1"
    assert "cache-control" not in headers  # None removes it, whatever the spelling


async def test_sequential_streams_reuse_the_connection(mode):
    """[DONE] and the body's last chunk come in separate TCP writes: the connection is kept anyway."""

    def handler(ex):
        ex.stream(GOOD, pause=0.01)
        return True

    with LoopbackServer(handler) as server:
        async with mode.enter(make(mode, server.url)) as client:
            for _ in range(3):
                stream = await mode.resolve(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
                assert (await mode.resolve(stream.get_final_completion())).outcome == "done"
    assert len(server.exchanges) == 3
    assert server.connections == 1


async def test_text_iterator(mode):
    with LoopbackServer(streaming(GOOD)) as server:
        out = await run(mode, server.url, consume="text")
    assert out["error"] is None
    assert "".join(out["chunks"]) == "Hello"
    assert out["result"].content == "Hello"


async def test_each_chunk_reaches_the_caller_before_the_server_sends_the_next(mode):
    """Time to first token: the server waits until the caller has the first chunk."""
    server, gate = gated_server(GOOD)
    with server:
        async with mode.enter(make(mode, server.url)) as client:
            stream = await mode.resolve(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
            async for _chunk in mode.iterate(stream):
                gate.open()
    assert gate.waited == [True]


async def test_non_streamed_completion(mode):
    completion = {
        "id": "x",
        "object": "chat.completion",
        "model": "sonar",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}],
        "citations": ["https://c.example"],
    }

    def handler(ex):
        ex.respond(200, json.dumps(completion).encode())
        return True

    with LoopbackServer(handler) as server:
        out = await run(mode, server.url, stream=False, extra_query={"v": "2"})
    assert out["error"] is None
    answer = out["completion"]
    assert isinstance(answer, ChatCompletion)
    assert answer.choices[0].message.content == "Hi!"
    assert answer.citations == ["https://c.example"]
    assert server.exchanges[0].target == "/chat/completions?v=2"
    assert json.loads(server.exchanges[0].body)["stream"] is False
    assert server.exchanges[0].headers["accept"] == "application/json"


async def test_a_whole_json_completion_where_a_stream_was_asked_for_is_taken_as_one_chunk(mode):
    completion = {
        "id": "x",
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Whole"}, "finish_reason": "stop"}],
    }

    def handler(ex):
        ex.respond(200, json.dumps(completion).encode())

    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    assert len(out["chunks"]) == 1
    assert (out["result"].content, out["result"].outcome) == ("Whole", "finished")


async def test_wrong_content_type_is_a_validation_error(mode):
    def handler(ex):
        ex.respond(200, b"<html><title>Sign in</title></html>", "text/html")

    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    error = out["error"]
    assert isinstance(error, APIResponseValidationError)
    assert error.status_code == 200
    assert error.attempts == 1
    assert "text/html" in str(error)


async def test_gzip_stream_from_a_server_that_compresses_anyway(mode):
    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"})
        for piece in gzip_stream(GOOD):
            ex.chunk(piece)
        ex.end()

    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    assert out["result"].content == "Hello"


# -- streams that break: typed errors carrying the partial answer -------------------------------


async def test_reset_mid_stream_keeps_the_partial_answer(mode, leaks):
    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream"})
        ex.chunk(GOOD[0])
        ex.chunk(GOOD[1][:20], 0.05)  # half an event
        ex.reset()

    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    error = out["error"]
    assert isinstance(error, APIConnectionError)
    assert not isinstance(error, APITimeoutError)
    assert out["chunks"] == ["Hel"]
    assert error.partial.content == "Hel"
    assert error.partial.outcome == "truncated"
    assert error.attempts == 1
    assert len(server.exchanges) == 1, "a stream that started is never retried"
    leaks.assert_clean()


async def test_a_stalled_stream_times_out_with_the_partial_answer(mode):
    with stalling_server(GOOD[0]) as server:
        out = await run(mode, server.url, timeout=Timeout(5, read=0.3))
    error = out["error"]
    assert isinstance(error, APITimeoutError)
    assert error.phase == "idle"
    assert error.partial.content == "Hel"


async def test_clean_eof_without_done_or_finish_reason_is_incomplete(mode):
    with LoopbackServer(streaming(GOOD[:2])) as server:
        out = await run(mode, server.url)
    error = out["error"]
    assert isinstance(error, IncompleteStreamError)
    assert isinstance(error, APIConnectionError)  # retry loops written for the SDK catch it
    assert error.partial.content == "Hello"
    assert error.partial.citations == ["https://a.example"]
    assert "no [DONE] and no finish_reason" in str(error)


async def test_eof_after_finish_reason_without_done_is_a_finished_answer(mode):
    with LoopbackServer(streaming(GOOD[:3])) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    assert (out["result"].content, out["result"].outcome) == ("Hello", "finished")


async def test_an_error_inside_a_200_stream(mode):
    error_event = b'event: error\ndata: {"error": {"message": "overloaded", "code": 529}}\n\n'
    with LoopbackServer(streaming([GOOD[0], error_event])) as server:
        out = await run(mode, server.url)
    error = out["error"]
    assert isinstance(error, APIErrorEvent)
    assert "overloaded" in str(error)
    assert error.partial.content == "Hel"


async def test_get_final_completion_reraises_how_the_stream_ended(mode):
    with LoopbackServer(streaming(GOOD[:1])) as server:
        out = await run(mode, server.url)
    assert isinstance(out["error"], IncompleteStreamError)
    assert out["stream"].result.content == "Hel"


# -- retries ------------------------------------------------------------------------------


def flaky(*failures, then=GOOD):
    """Answer the first requests with the given (status, body, headers) and then stream ``then``."""
    calls = []

    def handler(ex):
        calls.append(time.monotonic())
        if len(calls) <= len(failures):
            status, body, headers = failures[len(calls) - 1]
            if status == "reset":
                ex.reset()
                return False
            ex.respond(status, body, headers=headers)
            return True
        ex.stream(then)
        return True

    return handler, calls


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503])
async def test_retryable_statuses_are_retried(mode, status):
    handler, calls = flaky((status, b'{"error": {"message": "busy"}}', {}), (status, b"", {}))
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    assert out["result"].content == "Hello"
    assert len(calls) == 3


async def test_connection_errors_before_a_response_are_retried(mode):
    handler, calls = flaky(("reset", b"", {}))
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    assert len(calls) == 2


async def test_retries_exhausted_says_how_many_attempts(mode):
    handler, calls = flaky(*[(503, b'{"error": {"message": "down"}}', {})] * 5)
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url, client_kw={"max_retries": 2})
    error = out["error"]
    assert isinstance(error, InternalServerError)
    assert error.attempts == 3
    assert "(after 3 attempts)" in str(error)
    assert len(calls) == 3


async def test_x_should_retry_overrides_the_status(mode):
    handler, calls = flaky((400, b"{}", {"x-should-retry": "true"}), (503, b"{}", {"x-should-retry": "false"}))
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    assert isinstance(out["error"], InternalServerError)
    assert len(calls) == 2


@pytest.mark.parametrize("form", ["ms", "seconds", "date"])
async def test_retry_after_is_honoured(mode, form):
    if form == "ms":
        headers = {"retry-after-ms": "300"}
    elif form == "seconds":
        headers = {"Retry-After": "0.3"}
    else:  # an HTTP date has 1 s resolution: ask for 2 s from now, expect at least ~1 s of waiting
        headers = {"Retry-After": email.utils.formatdate(time.time() + 2, usegmt=True)}
    handler, calls = flaky((429, b'{"error": {"message": "slow down"}}', headers))
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    waited = calls[1] - calls[0]
    assert waited >= (0.25 if form != "date" else 0.9)


async def test_a_retry_after_longer_than_a_minute_is_not_waited_for(mode):
    handler, calls = flaky((429, b'{"error": {"message": "come back tomorrow"}}', {"Retry-After": "3600"}))
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    error = out["error"]
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 3600
    assert len(calls) == 1


def test_backoff_policy():
    assert retry_module.backoff(0, rng=lambda: 0.0) == retry_module.INITIAL_RETRY_DELAY
    assert retry_module.backoff(1, rng=lambda: 0.0) == 2 * retry_module.INITIAL_RETRY_DELAY
    assert retry_module.backoff(50, rng=lambda: 0.0) == retry_module.MAX_RETRY_DELAY
    assert retry_module.backoff(50, rng=lambda: 1.0) == 0.75 * retry_module.MAX_RETRY_DELAY
    assert retry_module.should_retry(418, {}) is False
    assert retry_module.should_retry(504, {}) is True
    assert retry_module.retry_after({"retry-after": "soon"}) is None


# -- status errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, kind",
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (418, APIStatusError),
    ],
)
async def test_status_errors_have_the_sdk_names(mode, status, kind):
    body = {"error": {"message": "nope", "type": "invalid_request_error", "code": status}}
    handler, _ = flaky(*[(status, json.dumps(body).encode(), {"x-request-id": "req-1"})] * 3)
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url, client_kw={"max_retries": 0})
    error = out["error"]
    assert type(error) is kind
    assert error.status_code == status
    assert error.body == body["error"]  # openai-python's body: the error object
    assert error.request_id == "req-1"
    assert (error.type, error.code) == ("invalid_request_error", str(status))
    assert str(error) == f"Error code: {status} - nope"
    assert error.response.headers["x-request-id"] == "req-1"


@pytest.mark.parametrize(
    "body, content_type, expected",
    [
        (
            b'{"detail": [{"loc": ["body", "model"], "msg": "field required", "type": "missing"}]}',
            "application/json",
            "body.model: field required",
        ),
        (b'{"detail": "Not authenticated"}', "application/json", "Not authenticated"),
        (
            b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1>cloudflare</body></html>",
            "text/html",
            "502 Bad Gateway (an HTML page",
        ),
        (b"upstream connect error\nmore", "text/plain", "upstream connect error"),
        (b"", "text/plain", HTTPStatus(422).phrase),  # the status line's phrase (3.13 renamed it)
    ],
)
async def test_error_bodies_give_a_readable_message(mode, body, content_type, expected):
    def handler(ex):
        ex.respond(422, body, content_type)
        return True

    with LoopbackServer(handler) as server:
        out = await run(mode, server.url, client_kw={"max_retries": 0})
    assert isinstance(out["error"], UnprocessableEntityError)
    assert expected in str(out["error"])


# -- configuration, secrets --------------------------------------------------------------------


def test_perplexity_reads_its_environment(monkeypatch):
    monkeypatch.setenv("PERPLEXITY_API_KEY", SECRET)
    client = Perplexity()
    assert client.base_url == "https://api.perplexity.ai"
    assert client.api_key == SECRET
    assert client.timeout == Timeout(900, connect=5)
    monkeypatch.setenv("PERPLEXITY_BASE_URL", "http://127.0.0.1:9/")
    assert Perplexity().base_url == "http://127.0.0.1:9"
    assert AsyncPerplexity().base_url == "http://127.0.0.1:9"
    monkeypatch.delenv("PERPLEXITY_API_KEY")
    with pytest.raises(UsageError, match="PERPLEXITY_API_KEY"):
        Perplexity()


def test_generic_client_reads_the_openai_environment(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    client = Client()
    assert (client.base_url, client.api_key) == ("http://127.0.0.1:8000/v1", None)
    assert client.timeout == Timeout(600, connect=5)
    with pytest.raises(UsageError, match="base_url"):
        Client(base_url="")


def test_bad_options_fail_at_construction():
    with pytest.raises(UsageError):
        Client(base_url="http://127.0.0.1", max_retries=-1)
    with pytest.raises(UsageError):
        Client(base_url="http://127.0.0.1", api_key="key\r\nX-Injected: 1")
    with pytest.raises(UsageError):
        Client(base_url="not a url")


def test_with_options_shares_the_connections():
    client = Client(base_url="http://127.0.0.1:9", api_key=SECRET)
    other = client.with_options(max_retries=5, timeout=3)
    assert (other.max_retries, other.timeout, other.api_key) == (5, Timeout(3), SECRET)
    assert other._transport is client._transport
    assert client.with_options(proxy=False)._transport is not client._transport


async def test_the_api_key_is_never_shown(mode, caplog):
    caplog.set_level(logging.DEBUG, logger="sse_pplx")
    handler, _ = flaky((503, b'{"error": {"message": "down"}}', {}), (401, f"bad key {SECRET}".encode(), {}))
    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
        client = make(mode, server.url)
    error = out["error"]
    assert isinstance(error, AuthenticationError)
    shown = [repr(client), str(error), repr(error), repr(error.response), caplog.text]
    assert "Bearer" not in "".join(shown)
    assert not any(SECRET in text for text in [*shown[:4], caplog.text])
    assert "retrying" in caplog.text  # the log does say what happened


async def test_per_call_timeout_overrides_the_client(mode):
    with stalling_server(head=False) as server:
        out = await run(mode, server.url, timeout=0.3, client_kw={"max_retries": 0, "timeout": 30})
    assert isinstance(out["error"], APITimeoutError)


# -- stopping early ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "how",
    [
        # leaving a loop closes at once where the loop's iterator is finalised at once (CPython)
        pytest.param("break", marks=needs_refcount_close),
        pytest.param("text-break", marks=needs_refcount_close),
        pytest.param("exception", marks=needs_refcount_close),
        "close",
        "with",
    ],
)
async def test_stream_stopped_early_closes_the_connection(mode, how, leaks):
    server, closed = watching_server(GOOD[0], GOOD[1])
    with server:
        async with mode.enter(make(mode, server.url)) as client:
            stream = await mode.resolve(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
            if how == "break":  # no `with`: leaving the loop alone must close the connection
                async for _chunk in mode.iterate(stream):
                    break
            elif how == "text-break":
                async for _text in mode.iterate(stream.iter_text()):
                    break
            elif how == "exception":
                with pytest.raises(KeyError):
                    async for _chunk in mode.iterate(stream):
                        raise KeyError("consumer bug")
            elif how == "close":
                await mode.next(stream)
                await mode.close(stream)
            else:
                async with mode.enter(stream):
                    await mode.next(stream)
            # While the client (and the event loop) still run: nothing else closes it meanwhile.
            assert await mode.blocking(closed.wait, 3)
            assert stream.result.content == "Hel"
    leaks.assert_clean()


async def test_async_stream_stopped_early_by_cancelling_its_task_closes_the_connection(leaks):
    server, closed = watching_server(GOOD[0], GOOD[1])
    with server:
        async with AsyncClient(base_url=server.url, api_key=SECRET) as client:
            stream = await client.chat.completions.create(model="m", messages=MESSAGES, stream=True)

            async def consume():
                async for _chunk in stream:
                    pass

            task = asyncio.ensure_future(consume())
            await asyncio.sleep(0.1)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # While the loop still runs (asyncio.run's shutdown would close leftovers anyway):
            assert await asyncio.get_running_loop().run_in_executor(None, closed.wait, 3)
        assert stream.result.content.startswith("Hel")
    leaks.assert_clean()


def test_apierror_tree_matches_the_sdks():
    assert issubclass(APITimeoutError, APIConnectionError)
    assert issubclass(IncompleteStreamError, APIConnectionError)
    assert issubclass(RateLimitError, APIStatusError)
    assert issubclass(APIStatusError, APIError)
    assert issubclass(APIErrorEvent, APIError)
