"""The fault matrix of issue 6: every fault a streaming client meets on its worst day, with the
sync and the async client, against real servers on 127.0.0.1.

For each fault: the documented typed error (or the correct result), the partial answer and the
last event ID that had arrived kept in the error, and no socket or thread left behind.  Faults
come from the conformance kit's replay server (``conformance.serve.ReplayServer``), so each one
can be replayed by hand with ``python -m conformance serve STREAM --raw --fault ...``;
``tests.servers.LoopbackServer`` covers what the kit has no fault for.  The table of what
happens for each fault is ``docs/reliability.md``.  Each test that takes ``mode`` has one body
and runs with each client (tests/modes.py).
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus

import pytest

from conformance.serve import ReplayServer, Reply, Script
from sse_pplx import (
    APIConnectionError,
    APIErrorEvent,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncClient,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IncompleteStreamError,
    InternalServerError,
    LimitExceeded,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Timeout,
    UnprocessableEntityError,
)
from tests.interpreter import needs_refcount_close, needs_tracemalloc
from tests.modes import MESSAGES, complete
from tests.servers import LoopbackServer, chunk_obj, silent_listener, unused_port

pytestmark = pytest.mark.usefixtures("fast_backoff")

SECRET = "pplx-fault-matrix-SECRET"
FIVE = Timeout(5)


def event(number, content=None, finish=None, id_first=False):
    """One event; its ``id:`` line comes after ``data:`` (both orders are valid SSE) so that a cut in
    the middle of the data leaves no doubt about the last event ID that had arrived."""
    data = b"data: " + json.dumps(chunk_obj(content, finish), ensure_ascii=False).encode("utf-8") + b"\n"
    ident = b"id: %d\n" % number
    return (ident + data if id_first else data + ident) + b"\n"


DONE = b"data: [DONE]\n\n"
#: Events 1-3 carry "Hel", "lo ", "wörld"; event 4 the finish_reason; then [DONE].
STREAM = event(1, "Hel") + event(2, "lo ") + event(3, "wörld") + event(4, finish="stop") + DONE
NO_FINISH = event(1, "Hel") + event(2, "lo ") + event(3, "wörld") + DONE
TEXT = "Hello wörld"


def make(mode, url, **kw):
    kw.setdefault("api_key", SECRET)
    kw.setdefault("timeout", FIVE)
    kw.setdefault("max_retries", 0)
    return mode.Client(base_url=url, **kw)


async def run(mode, url, **client_kw):
    """Stream one completion with the mode's client and read it to the end (tests/modes.py
    ``complete``).

    Returns a dict: chunks (each chunk's content), result (get_final_completion), error (the
    exception raised, if any), elapsed (seconds)."""
    return await complete(mode, make(mode, url, **client_kw))


def serve(*args, **kw):
    """A kit replay server; with no data, the matrix stream."""
    return ReplayServer(*(args or (STREAM,)), **kw)


async def exchanges(mode, server, timeout=5.0):
    """The kit's server's first response, once over (sent, cut or abandoned).  Waited for in a
    thread in the async mode: the event loop must go on, as an asyncio socket is closed by the
    loop's next iteration after close() (before, asyncio.run's shutdown did that)."""
    return (await mode.blocking(server.wait_exchanges, 1, timeout))[0]


async def outcome(mode, server, timeout=3.0):
    """How the kit's server saw the (first) response end."""
    return (await exchanges(mode, server, timeout)).outcome


# -- before the response: connect, DNS, TLS ----------------------------------------------------


async def test_connection_refused_is_retried_then_says_so(mode, leaks):
    port = unused_port()
    out = await run(mode, f"http://127.0.0.1:{port}", max_retries=1)
    error = out["error"]
    assert type(error) is APIConnectionError
    assert f"connecting to 127.0.0.1:{port}: connection refused" in str(error)
    assert error.attempts == 2
    assert str(error).endswith("(after 2 attempts)")
    assert error.partial is None
    leaks.assert_clean()


async def test_dns_failure_says_so(mode, leaks):
    out = await run(mode, "http://no-such-host.invalid")
    error = out["error"]
    assert type(error) is APIConnectionError
    assert "could not resolve the host name" in str(error)
    assert "no-such-host.invalid" in str(error)
    assert error.attempts == 1
    leaks.assert_clean()


async def test_connect_timeout_when_tls_is_never_answered(mode, certs, leaks):
    """A listener that completes the TCP handshake (the kernel does) but never answers the TLS hello."""
    with silent_listener() as port:
        out = await run(mode, f"https://localhost:{port}", timeout=Timeout(5, connect=0.3), ca_bundle=certs.ca)
    error = out["error"]
    assert isinstance(error, APITimeoutError)
    assert error.phase == "connect"
    assert f"connecting to localhost:{port}" in str(error)
    assert "timed out after 0.3 s" in str(error)
    assert out["elapsed"] < 3
    leaks.assert_clean()


@pytest.mark.parametrize(
    "case, says",
    [("wrong-name", ["mismatch", "127.0.0.1"]), ("untrusted-ca", ["unable to get local issuer certificate"])],
)
async def test_tls_failure_says_what_failed_and_sends_nothing(mode, case, says, certs, leaks):
    context = certs.server_context(wrong_name=case == "wrong-name")
    with serve(ssl_context=context) as server:
        out = await run(mode, server.url, ca_bundle=certs.other_ca if case == "untrusted-ca" else certs.ca)
    error = out["error"]
    assert type(error) is APIConnectionError
    message = str(error)
    assert f"connecting to 127.0.0.1:{server.port}: TLS certificate verification failed" in message
    for words in says:
        assert words in message
    assert server.tls_errors >= 1
    assert server.requests == [], "nothing (no API key) goes to a server that failed verification"
    leaks.assert_clean()


# -- the stream breaks: the partial answer and the last event ID are kept ----------------------


def assert_broken(out, kind, content, last_event_id):
    error = out["error"]
    assert type(error) is kind, repr(error)
    assert error.partial is not None
    assert error.partial.content == content
    assert error.partial.outcome == "truncated"
    assert "\ufffd" not in error.partial.content
    assert error.last_event_id == last_event_id
    assert error.attempts == 1
    assert "".join(c or "" for c in out["chunks"]) == content, "every whole event reached the caller"
    return error


async def test_reset_mid_event(mode, leaks):
    with serve(faults=["reset-mid-event=3"]) as server:
        out = await run(mode, server.url, max_retries=2)
        assert await outcome(mode, server) == "reset"
    error = assert_broken(out, APIConnectionError, "Hello ", "2")
    assert "reset by the peer" in str(error)
    assert len(server.requests) == 1, "a stream that has started is never retried"
    leaks.assert_clean()


async def test_reset_mid_utf8_character(mode, leaks):
    cut = STREAM.index("ö".encode()) + 1  # after the first of its two bytes
    with serve(faults=[f"reset-after={cut}"]) as server:
        out = await run(mode, server.url)
        assert (await exchanges(mode, server)).body.endswith(b"w\xc3")
    assert_broken(out, APIConnectionError, "Hello ", "2")
    leaks.assert_clean()


CRLF_STREAM = STREAM.replace(b"\n", b"\r\n")


async def test_reset_between_cr_and_lf(mode, leaks):
    """The blank line ending event 2 has arrived up to its CR: a CR alone ends a line, so event 2
    is whole and delivered; the reset then breaks the stream."""
    end_of_event_2 = CRLF_STREAM.index(b"\r\n\r\n", CRLF_STREAM.index(b'"lo "')) + 4
    with serve(CRLF_STREAM, faults=["split-crlf", f"reset-after={end_of_event_2 - 1}"]) as server:
        out = await run(mode, server.url)
        assert (await exchanges(mode, server)).body.endswith(b"\r\n\r")
    assert_broken(out, APIConnectionError, "Hello ", "2")
    leaks.assert_clean()


async def test_close_mid_event_is_not_a_clean_end(mode, leaks):
    with serve(faults=["close-mid-event=3"]) as server:
        out = await run(mode, server.url)
        assert await outcome(mode, server) == "closed"
    error = assert_broken(out, APIConnectionError, "Hello ", "2")
    assert "closed before the response body was complete" in str(error)
    leaks.assert_clean()


async def test_clean_eof_without_done_or_finish_reason(mode, leaks):
    with serve(NO_FINISH, faults=["no-done"]) as server:
        out = await run(mode, server.url)
        assert await outcome(mode, server) == "complete"
    error = assert_broken(out, IncompleteStreamError, TEXT, "3")
    assert "no [DONE] and no finish_reason" in str(error)
    leaks.assert_clean()


async def test_eof_inside_an_unterminated_event(mode, leaks):
    """The body ends cleanly in the middle of event 3's data line: the half event is discarded."""
    with serve(faults=["eof-mid-event=3"]) as server:
        out = await run(mode, server.url)
    error = assert_broken(out, IncompleteStreamError, "Hello ", "2")
    assert "the last event was cut off" in str(error)
    leaks.assert_clean()


async def test_eof_before_the_last_blank_line_salvages_a_whole_json_event(mode, leaks):
    """The finish_reason event arrives whole but without its blank line: kept (``salvaged``),
    as the Perplexity API sometimes ends; the answer counts as finished."""
    with serve(STREAM[: -len(DONE)], faults=["eof-unterminated"]) as server:
        out = await run(mode, server.url)
        assert (await exchanges(mode, server)).body.endswith(b'"stop"}]}\nid: 4\n')
    assert out["error"] is None
    result = out["result"]
    assert (result.content, result.outcome, result.finish_reason) == (TEXT, "finished", "stop")
    assert result.salvaged
    leaks.assert_clean()


# -- time budgets ----------------------------------------------------------------------------


async def test_stall_past_the_idle_timeout(mode, leaks):
    with serve(faults=["stall,event=3"]) as server:  # stalls forever in the middle of event 3
        out = await run(mode, server.url, timeout=Timeout(5, read=0.3))
        assert await outcome(mode, server) == "client-gone"
    error = assert_broken(out, APITimeoutError, "Hello ", "2")
    assert error.phase == "idle"
    assert "no data for 0.3 s" in str(error)
    assert out["elapsed"] < 3
    leaks.assert_clean()


async def test_an_idle_timeout_in_a_stream_read_by_two_tasks_ends_the_reading_task_cleanly(leaks):
    """The asyncio driver's inlined body read (issue 17) times out the task reading at the time,
    not the one that read before, and takes its own cancel request back: the task goes on."""
    with serve(faults=["stall,event=3"]) as server:
        client = AsyncClient(base_url=server.url, api_key=SECRET, timeout=Timeout(5, read=0.3), max_retries=0)
        stream = await client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True)

        async def first_chunk():
            return await stream.__anext__()

        await asyncio.ensure_future(first_chunk())  # another task reads the first event
        with pytest.raises(APITimeoutError) as info:
            async for _ in stream:  # this task reads on, until the stall
                pass
        task = asyncio.current_task()
        assert getattr(task, "cancelling", lambda: 0)() == 0  # 3.11+: no cancel request left behind
        await asyncio.sleep(0.01)  # not cancelled
        await client.close()
    assert info.value.phase == "idle"
    assert stream.result.content == "Hello "
    leaks.assert_clean()


SHORT = b"".join(
    b'data: {"choices":[{"delta":{"content":"%s"}}]}\nid: %d\n\n' % (word, i)
    for i, word in enumerate([b"a", b"b", b"c", b"d", b"e", b"f", b"g", b"h"], 1)
)


async def test_a_trickle_that_keeps_the_idle_timer_alive_meets_the_deadline(mode, leaks):
    """One byte every 3 ms: never idle for 0.3 s, yet the 0.6 s deadline ends it (the whole stream
    would take over 1 s); the events that had arrived are in the error."""
    with serve(SHORT + DONE, faults=["trickle=3"]) as server:
        out = await run(mode, server.url, timeout=Timeout(5, read=0.3, total=0.6))
        assert await outcome(mode, server) == "client-gone"
    error = out["error"]
    assert type(error) is APITimeoutError
    assert error.phase == "deadline"
    assert "overall deadline of 0.6 s was exceeded" in str(error)
    assert 0.55 < out["elapsed"] < 3
    content = error.partial.content
    assert content and "abcdefgh".startswith(content), content
    assert error.last_event_id == str(len(content))
    assert out["chunks"] == list(content)
    leaks.assert_clean()


async def test_keepalive_comments_for_longer_than_the_idle_timeout(mode, leaks):
    """A 1.2 s pause filled with a comment every 80 ms: the 0.5 s idle timeout never fires
    (0.42 s of slack for a server thread a loaded machine schedules late)."""
    with serve(faults=["stall=1.2,after-event=2", "keepalive=80"]) as server:
        out = await run(mode, server.url, timeout=Timeout(5, read=0.5))
        body = (await exchanges(mode, server)).body
    assert out["error"] is None
    assert (out["result"].content, out["result"].outcome) == (TEXT, "done")
    assert out["elapsed"] >= 1.2
    assert body.count(b": keep-alive\n") >= 8
    leaks.assert_clean()


# -- HTTP error statuses -------------------------------------------------------------------------

KINDS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    502: InternalServerError,
    503: InternalServerError,
}


@pytest.mark.parametrize("status", sorted(KINDS))
async def test_error_status_has_the_sdk_class_and_a_readable_message(mode, status, leaks):
    """Each status with a JSON, a FastAPI and an HTML body (one request each, no retries)."""
    bodies = ["json", "fastapi", "html"]
    script = Script(*[Reply(STREAM, faults=[f"{body}-error={status}"]) for body in bodies])
    with ReplayServer(script) as server:
        outs = [await run(mode, server.url) for _ in bodies]
    assert len(server.requests) == 3
    for body, out in zip(bodies, outs):
        error = out["error"]
        assert type(error) is KINDS[status], body
        assert isinstance(error, APIStatusError)
        assert (error.status_code, error.attempts) == (status, 1)
        message = str(error)
        assert message.startswith(f"Error code: {status} - ")
        if body == "json":
            assert f"{HTTPStatus(status).phrase} (injected by conformance.faults)" in message
            assert error.body["code"] == status  # openai-python's body: the error object
            assert error.code == str(status)
        elif body == "fastapi":
            assert "body.model: field required" in message
            assert error.body["detail"][0]["msg"] == "field required"
        else:
            assert f"{status} {HTTPStatus(status).phrase} (an HTML page" in message
            assert "<" not in message
        assert SECRET not in message
    leaks.assert_clean()


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", ["seconds", "date"])
async def test_retry_after_is_waited_for_then_the_stream_succeeds(mode, status, form, leaks):
    """Only ``Retry-After`` (``ms=none``: no ``retry-after-ms``); the backoff is shrunk to at most
    0.08 s, so a longer wait is the server's.  An HTTP date has 1 s resolution: asking for 1.2 s
    from now means a wait of 0.2 to 1.2 s."""
    fault = "rate-limit=0.3,ms=none" if form == "seconds" else "rate-limit=1.2,date,ms=none"
    script = Script(Reply(STREAM, faults=[f"{fault},status={status}"]), Reply(STREAM))
    with ReplayServer(script) as server:
        out = await run(mode, server.url, max_retries=2)
    assert out["error"] is None
    assert out["result"].content == TEXT
    first, second = server.requests
    assert server.exchanges[0].status == status
    retry_after = server.exchanges[0].plan.get_header("Retry-After")
    assert ("GMT" in retry_after) == (form == "date")
    waited = second.time - first.time
    assert waited >= (0.28 if form == "seconds" else 0.15), waited
    leaks.assert_clean()


@pytest.mark.parametrize(
    "fault, retried", [("json-error=400,should-retry=true", True), ("json-error=503,should-retry=false", False)]
)
async def test_x_should_retry_overrides_the_status(mode, fault, retried, leaks):
    status_fault, should = fault.split(",", 1)
    script = Script(Reply(STREAM, faults=[status_fault, should]), Reply(STREAM))
    with ReplayServer(script) as server:
        out = await run(mode, server.url, max_retries=2)
    if retried:
        assert out["error"] is None
        assert out["result"].content == TEXT
        assert len(server.requests) == 2
    else:
        assert type(out["error"]) is InternalServerError
        assert out["error"].attempts == 1
        assert len(server.requests) == 1
    leaks.assert_clean()


@pytest.mark.parametrize("fault, kind", [("html-error=502", InternalServerError), ("disconnect", APIConnectionError)])
async def test_retries_exhausted_says_how_many_attempts(mode, fault, kind, leaks):
    with serve(faults=[fault]) as server:  # every request gets the fault
        out = await run(mode, server.url, max_retries=3)
    error = out["error"]
    assert type(error) is kind
    assert error.attempts == 4
    assert str(error).endswith("(after 4 attempts)")
    assert len(server.requests) == 4
    leaks.assert_clean()


# -- a 200 that is not the stream asked for ---------------------------------------------------------


async def test_200_html_is_a_validation_error(mode, leaks):
    with serve(faults=["wrong-content-type=text/html"]) as server:
        out = await run(mode, server.url)
        assert await outcome(mode, server) in ("client-gone", "complete")
    error = out["error"]
    assert type(error) is APIResponseValidationError
    assert error.status_code == 200
    assert "expected an event stream (text/event-stream), but the server sent 'text/html'" in str(error)
    assert out["chunks"] == []
    leaks.assert_clean()


async def test_200_with_a_whole_json_completion_is_taken_as_one_chunk(mode, leaks):
    with serve(faults=["wrong-content-type"]) as server:
        out = await run(mode, server.url)
        assert (await exchanges(mode, server)).plan.get_header("Content-Type") == "application/json"
    assert out["error"] is None
    assert out["chunks"] == [TEXT]
    assert (out["result"].content, out["result"].outcome) == (TEXT, "finished")
    leaks.assert_clean()


ERROR_PAYLOAD = b'data: {"error": {"message": "model overloaded", "type": "server_error", "code": 529}}\n\n'


@pytest.mark.parametrize("where", ["in-the-stream", "json-body"])
async def test_200_carrying_an_error_payload(mode, where, leaks):
    if where == "in-the-stream":
        server = serve(event(1, "Hel") + event(2, "lo ") + ERROR_PAYLOAD + DONE)
    else:
        server = serve(faults=["json-error=200,message=model overloaded"])
    with server:
        out = await run(mode, server.url)
    error = out["error"]
    assert type(error) is APIErrorEvent
    assert "model overloaded" in str(error)
    expected = ("Hello ", "2") if where == "in-the-stream" else ("", None)
    assert (error.partial.content, error.last_event_id) == expected
    assert error.partial.outcome == "error"
    leaks.assert_clean()


@pytest.mark.parametrize("status", [302, 307])
async def test_redirect_to_another_host_is_followed_without_the_api_key(mode, status, leaks):
    with serve() as other:
        location = f"http://localhost:{other.port}/v2/chat/completions"
        with serve(faults=[f"redirect={status},location={location}"]) as first:
            out = await run(mode, first.url + "/v1")
    assert out["error"] is None
    assert out["result"].content == TEXT
    sent, arrived = first.requests[0], other.requests[0]
    assert sent.headers["Authorization"] == f"Bearer {SECRET}"
    assert arrived.headers.get("Authorization") is None, "the API key went to another host"
    assert arrived.path == "/v2/chat/completions"
    if status == 307:  # method and body kept
        assert (arrived.method, arrived.body) == ("POST", sent.body)
    else:  # like browsers and httpx: a 302 after a POST becomes a GET
        assert (arrived.method, arrived.body) == ("GET", b"")
    leaks.assert_clean()


# -- framing, encoding and garbage: same events, or a typed error ------------------------------------


@pytest.mark.parametrize(
    "faults",
    [
        ["gzip=sync"],
        ["gzip=buffered"],
        ["content-length"],
        ["close-delimited"],
        ["close-delimited=1.0"],
        ["split-utf8=2,gap=2"],
        ["split-crlf=6,gap=2"],
        ["garbage"],
        ["garbage=\\x00\\x7f\\xff\\xfe\\n,after-event=2"],
        # a chunk size far past what follows: the bytes that do follow (up to [DONE]) are body
        ["bad-chunked=huge"],
    ],
    ids=lambda faults: ",".join(faults),
)
async def test_faults_that_change_no_event(mode, faults, leaks):
    with serve(faults=faults) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    result = out["result"]
    assert (result.content, result.outcome, result.malformed) == (TEXT, "done", [])
    assert out["chunks"] == ["Hel", "lo ", "wörld", None]
    if faults[0].startswith("gzip"):
        assert server.requests[0].headers["Accept-Encoding"] == "identity"
        assert server.exchanges[0].plan.get_header("Content-Encoding") == "gzip"
    leaks.assert_clean()


@pytest.mark.parametrize("kind", ["hex", "missing-crlf"])
async def test_malformed_chunked_encoding(mode, kind, leaks):
    with serve(faults=[f"bad-chunked={kind}"]) as server:
        out = await run(mode, server.url)
        assert await outcome(mode, server) == "bad-chunk"
    error = out["error"]
    assert type(error) is APIConnectionError
    assert "malformed chunked encoding" in str(error)
    # Everything framed before the fault is kept: event 1 before a bad size line; with a missing
    # CRLF, the data of event 2's chunk had arrived whole before its missing terminator.
    assert error.partial.content == ("Hel" if kind == "hex" else "Hello ")
    assert error.partial.outcome == "truncated"
    leaks.assert_clean()


# Found by this matrix and fixed in sse_pplx:
async def test_malformed_chunk_size_keeps_the_events_that_came_before_it(mode, leaks):
    """The good chunk and the broken size line arrive in one TCP write, hence in one read."""
    good = event(1, "Hel")

    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream"})
        ex.send(b"%x\r\n%s\r\nzz\r\n" % (len(good), good))
        ex.sock.settimeout(5)
        ex.sock.recv(1)  # until the client goes away

    with LoopbackServer(handler) as server:
        out = await run(mode, server.url)
    error = out["error"]
    assert type(error) is APIConnectionError
    assert "malformed chunked encoding" in str(error)
    assert (error.partial.content, error.last_event_id) == ("Hel", "1")
    leaks.assert_clean()


async def test_invalid_utf8_becomes_u_fffd(mode, leaks):
    inside = STREAM.index("ö".encode())  # "w|örld": a stray byte in the content string
    with serve(faults=[f"invalid-utf8=\\xff\\xc3(,byte={inside}"]) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    assert out["result"].content == "Hello w\ufffd\ufffd(örld"
    assert out["result"].outcome == "done"
    leaks.assert_clean()


async def test_a_payload_that_is_not_json_is_kept_in_malformed(mode, leaks):
    with serve(faults=["garbage=data: {not json \\xff}\\n\\n,after-event=1"]) as server:
        out = await run(mode, server.url)
    assert out["error"] is None
    result = out["result"]
    assert (result.content, result.outcome) == (TEXT, "done")
    assert len(result.malformed) == 1
    assert result.malformed[0].data == "{not json \ufffd}"
    assert result.malformed[0].index == 1
    leaks.assert_clean()


async def _traced(main):
    """Await ``main`` under tracemalloc; return (its value, the peak of traced memory in bytes)."""
    import tracemalloc  # CPython's: PyPy has no _tracemalloc (tests/interpreter.py)

    tracemalloc.start()
    try:
        value = await main
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


LIMIT = 32 * 1024


async def test_an_endless_line_is_a_limit_error(mode, leaks):
    with serve(faults=["endless-line"]) as server:  # after event 1, a data line that never ends
        out = await run(mode, server.url, max_line_bytes=LIMIT)
        assert await outcome(mode, server) == "client-gone"
    error = out["error"]
    assert type(error) is LimitExceeded
    assert (error.limit, error.value) == ("max_line_bytes", LIMIT)
    assert error.size > LIMIT
    assert (error.partial.content, error.partial.outcome) == ("Hel", "error")
    assert out["chunks"] == ["Hel"]
    leaks.assert_clean()


@needs_tracemalloc
@pytest.mark.parametrize("shape, limit", [("line", "max_line_bytes"), ("event", "max_event_bytes")])
async def test_an_endless_line_or_event_in_bounded_memory(mode, shape, limit, leaks):
    """The server writes up to 64 MiB of one line (or of one event made of 1 KB lines) as fast as
    the client reads; the client stops at its 32 KiB limit, with under 1 MiB allocated at the peak.
    Measured with tracemalloc over the whole process (this server allocates one 16 KB block per
    write and keeps nothing)."""
    sent = []
    piece = b"x" * 16000 if shape == "line" else (b"data: " + b"x" * 994 + b"\n") * 16

    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream"})
        ex.chunk(event(1, "Hel") + (b"data: " if shape == "line" else b""))
        frame = b"%x\r\n%s\r\n" % (len(piece), piece)
        total = 0
        try:
            while total < 64 << 20:
                ex.sock.sendall(frame)
                total += len(piece)
        except OSError:
            pass
        sent.append(total)

    with LoopbackServer(handler) as server:
        out, peak = await _traced(run(mode, server.url, max_event_bytes=LIMIT, max_line_bytes=LIMIT))
    error = out["error"]
    assert type(error) is LimitExceeded
    assert (error.limit, error.value) == (limit, LIMIT)
    assert error.partial.content == "Hel"
    # Bounded by the limit plus read buffers, whatever the server had written (which depends on
    # how soon the client stopped: as little as 80 KB when it stops at once).
    assert peak < 1 << 20, (sent, peak)
    leaks.assert_clean()


# Found by this matrix and fixed in sse_pplx:
async def test_a_limit_error_keeps_the_last_event_id(mode, leaks):
    with serve(faults=["endless-line=200000"]) as server:
        out = await run(mode, server.url, max_line_bytes=LIMIT)
    assert type(out["error"]) is LimitExceeded
    assert getattr(out["error"], "last_event_id", "missing") == "1"
    leaks.assert_clean()


# Found by this matrix and fixed in sse_pplx:
async def test_the_last_event_id_is_that_of_the_last_event_delivered(mode, leaks):
    ids_first = b"".join(event(n, text, id_first=True) for n, text in ((1, "Hel"), (2, "lo "), (3, "wörld")))
    with serve(ids_first + DONE, faults=["reset-mid-event=3"]) as server:
        out = await run(mode, server.url)
    assert out["error"].partial.content == "Hello "
    assert out["error"].last_event_id == "2"
    leaks.assert_clean()


# -- the consumer stops early: the connection is closed at once ----------------------------------


@pytest.mark.parametrize(
    "how",
    [
        # leaving a loop closes at once where the loop's iterator is finalised at once (CPython)
        pytest.param("break", marks=needs_refcount_close),
        pytest.param("exception", marks=needs_refcount_close),
        "get-out-of-with",
    ],
)
async def test_consumer_stops_early(mode, how, leaks):
    with serve(faults=["stall,after-event=2"]) as server:  # event 3 never comes
        client = make(mode, server.url)
        stream = await mode.resolve(client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True))
        if how == "break":
            async for _ in mode.iterate(stream):
                break
        elif how == "exception":
            with pytest.raises(KeyError):
                async for _ in mode.iterate(stream):
                    raise KeyError("a bug in the loop body")
        else:
            async with mode.enter(stream):
                await mode.next(stream)
        # `stream` is still referenced: the close cannot come from garbage collection; and the
        # event loop still runs: asyncio.run's shutdown cannot have closed it either.
        assert await outcome(mode, server) == "client-gone"
        assert stream.result.content == "Hel"
        assert stream.response.is_closed
        await mode.close(client)
    leaks.assert_clean()


async def test_async_consumer_stops_early_when_its_task_is_cancelled(leaks):
    async def wait_gone(server):
        # Polled on the loop (no executor thread): asyncio.run's shutdown would close leftovers anyway.
        for _ in range(300):
            if server.exchanges:
                return server.exchanges[0].outcome
            await asyncio.sleep(0.01)
        return None

    with serve(faults=["stall,after-event=2"]) as server:
        client = AsyncClient(base_url=server.url, api_key=SECRET, timeout=FIVE, max_retries=0)
        stream = await client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True)
        first = asyncio.Event()

        async def consume():
            async for _ in stream:
                first.set()

        task = asyncio.ensure_future(consume())
        await asyncio.wait_for(first.wait(), 3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        seen = await wait_gone(server)
        content, closed = stream.result.content, stream.response.is_closed
        await client.close()
    assert seen == "client-gone"
    assert content.startswith("Hel")
    assert closed
    leaks.assert_clean()
