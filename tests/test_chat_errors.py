"""What can go wrong inside a 200 stream, and what the chat layer does about it.

Issue 3: in-band errors raise a typed ``APIError`` carrying the body and everything
received; malformed JSON is kept (``result.malformed``) or, in strict mode, raises a typed
error with the raw payload and its position, never a bare ``JSONDecodeError`` and never
silently dropped; keep-alives are never errors; ``[DONE]`` is optional and final; the
verdict says ``"truncated"`` (strict: ``IncompleteStreamError``) and nothing that arrived
is lost.  Every stream is fed every way (tests/chat_streams.py).
"""

from __future__ import annotations

import json
from typing import Any, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sse_pplx
from conformance import examples as ex
from sse_pplx import (
    APIConnectionError,
    APIError,
    APIErrorEvent,
    IncompleteStreamError,
    LimitExceeded,
    ProtocolError,
    SSEError,
    StreamDecodeError,
)
from tests import chat_streams as cs
from tests.chat_streams import all_ways, chunk, collect_all_ways, frame, raises_all_ways, snapshot, stream

FINISH = chunk("", finish_reason="stop")


# --------------------------------------------------------------------------------------
# Errors inside a 200 stream
# --------------------------------------------------------------------------------------


def test_error_classes() -> None:
    assert issubclass(APIErrorEvent, APIError) and issubclass(APIError, SSEError)
    assert not issubclass(APIErrorEvent, APIConnectionError)
    assert issubclass(IncompleteStreamError, APIConnectionError) and issubclass(APIConnectionError, APIError)
    assert issubclass(StreamDecodeError, ProtocolError)
    assert not issubclass(StreamDecodeError, ValueError)  # so never mistaken for JSONDecodeError


@pytest.mark.parametrize(
    "payload",
    [
        '{"error":{"message":"upstream model failure","type":"server_error","code":500}}',
        '{"error":"rate limited"}',
        '{"error":{"message":"overloaded"},"id":"req-1","choices":[]}',
        '{"error":{"message":"x"},"choices":[{"index":0,"delta":{"content":"LOST?"}}]}',
        '{"error":1}',
    ],
)
def test_in_band_error_payload_raises_with_body_and_partial(payload: str) -> None:
    """A ``data`` payload with a truthy ``error`` key (openai-python raises; the
    perplexityai SDK yields it as a chunk, user-pain.md)."""
    data = stream(chunk("Hel", role="assistant", model="sonar"), chunk("lo"), payload, FINISH)
    for strict in (False, True):
        exc = raises_all_ways(data, APIErrorEvent, strict=strict)
        assert exc.body == json.loads(payload)
        assert exc.partial.outcome == "error"
        assert exc.partial.error == exc.body
        assert exc.partial.content.startswith("Hello")  # what came before is kept
        assert exc.partial.model == "sonar"
        assert exc.partial.finish_reason is None  # the FINISH after the error was not read
        assert isinstance(exc.message, str) and exc.message


@pytest.mark.parametrize("falsy", ["null", "false", '""', "{}", "[]", "0"])
def test_falsy_error_key_is_not_an_error(falsy: str) -> None:
    payload = '{"id":"r","error":' + falsy + ',"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}'
    r = collect_all_ways(stream(payload))
    assert r.content == "ok"
    assert r.outcome == "finished"
    assert r.error is None


@pytest.mark.parametrize(
    ("error_data", "body"),
    [
        ('{"error":{"message":"boom","code":500}}', {"error": {"message": "boom", "code": 500}}),
        ('{"message":"boom"}', {"message": "boom"}),
        ("upstream failure", "upstream failure"),
    ],
)
@pytest.mark.parametrize("eol", ["crlf", "lf", "cr"])
def test_event_error_raises_whatever_its_data(eol: str, error_data: str, body: Any) -> None:
    """``event: error``: the body is the parsed JSON when it is JSON, else the text."""
    data = frame([cs.data(chunk("Hi")), ("event: error", cs.data(error_data)), cs.data(FINISH)], eol)
    for strict in (False, True):
        exc = raises_all_ways(data, APIErrorEvent, strict=strict)
        assert exc.body == body
        assert exc.partial.content == "Hi"
        assert exc.partial.outcome == "error"


def test_error_as_the_first_event() -> None:
    exc = raises_all_ways(stream(cs.E6E_ERROR), APIErrorEvent)
    assert exc.partial.content == "" and exc.partial.chunks == 0
    assert exc.partial.outcome == "error"


def test_error_keeps_metadata_received_before_it() -> None:
    data = stream(
        chunk("a", citations=["https://c.example/1"], usage={"total_tokens": 4}),
        chunk("b", search_results=[{"title": "t", "url": "https://c.example/1"}]),
        cs.E6E_ERROR,
    )
    p = raises_all_ways(data, APIErrorEvent).partial
    assert p.content == "ab"
    assert p.citations == ["https://c.example/1"]
    assert p.usage.total_tokens == 4
    assert [s.title for s in p.search_results] == ["t"]


@pytest.mark.parametrize("tail", ["eol", "none"])
@pytest.mark.parametrize(
    "err",
    [("event: error", cs.data(cs.E6E_ERROR)), cs.data(cs.E6E_ERROR), ("event: error", cs.data('{"message":"boom"}'))],
    ids=["event-error", "in-band", "event-error-without-error-key"],
)
def test_error_in_a_last_event_cut_before_its_blank_line_still_raises(err: cs.Block, tail: str) -> None:
    """A salvaged last event is interpreted like any other, event name included."""
    data = frame([cs.data(chunk("Hel")), err], "crlf", tail=tail)
    exc = raises_all_ways(data, APIErrorEvent)
    data_line = err if isinstance(err, str) else err[-1]
    assert exc.body == json.loads(data_line[len("data: ") :])
    assert exc.partial.content == "Hel"
    assert exc.partial.outcome == "error"


# --------------------------------------------------------------------------------------
# Malformed JSON
# --------------------------------------------------------------------------------------

BAD_OBJECT = '{"id": "x", "choices": [{"index": 0, "delta": {"content": "lost"'
BAD_ARRAY = "[1, 2"


@pytest.mark.parametrize("bad", [BAD_OBJECT, BAD_ARRAY, "{", "{}}", "{'single': 'quotes'}", '{"a":1} trailing'])
@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_malformed_payload_is_kept_and_the_stream_goes_on(eol: str, bad: str) -> None:
    data = frame([cs.data(chunk("Hello")), cs.data(bad), cs.data(chunk(" world")), cs.data(FINISH)], eol)
    r = collect_all_ways(data)
    assert r.content == "Hello world"
    assert r.outcome == "finished"
    assert r.error is None
    assert len(r.malformed) == 1
    m = r.malformed[0]
    assert (m.index, m.data, m.event) == (1, bad, "message")
    assert isinstance(m.reason, str) and m.reason
    assert r.chunks == 3
    assert r.ignored == []


def test_malformed_indexes_count_every_event_and_keep_the_event_name() -> None:
    data = frame(
        [
            cs.PING_FORMS["data"],  # 0
            cs.data(chunk("a")),  # 1
            cs.data("{bad one"),  # 2
            ("event: ping", "data:"),  # 3
            cs.data(chunk("b")),  # 4
            ("event: update", cs.data('{"bad": two')),  # 5
            cs.data(FINISH),  # 6
        ],
        "crlf",
    )
    r = collect_all_ways(data)
    assert [(m.index, m.data, m.event) for m in r.malformed] == [
        (2, "{bad one", "message"),
        (5, '{"bad": two', "update"),
    ]
    assert [(p.index, p.data) for p in r.ignored] == [(0, "ping"), (3, "")]
    assert r.content == "ab"
    assert r.events == 7


@pytest.mark.parametrize("bad", [BAD_OBJECT, BAD_ARRAY])
def test_strict_mode_raises_stream_decode_error_with_raw_and_position(bad: str) -> None:
    data = stream(chunk("Hello"), chunk(" there"), bad, chunk(" world"), FINISH)
    exc = raises_all_ways(data, StreamDecodeError, strict=True)
    assert exc.raw == bad
    assert exc.event_index == 2
    assert not isinstance(exc, json.JSONDecodeError)
    assert exc.partial.content == "Hello there"  # everything received before


def test_strict_decode_error_position_counts_pings() -> None:
    data = stream("ping", "", chunk("a"), "{oops", FINISH)
    exc = raises_all_ways(data, StreamDecodeError, strict=True)
    assert (exc.raw, exc.event_index) == ("{oops", 3)
    assert exc.partial.content == "a"


@pytest.mark.parametrize("tail", ["eol", "none"])
def test_strict_mode_and_a_cut_off_last_event_that_is_not_json(tail: str) -> None:
    """The connection dropped mid-JSON: that is truncation, and strictness says so."""
    data = frame([cs.data(chunk("Hello")), cs.data('{"id":"req-1","choi')], "lf", tail=tail)
    r = collect_all_ways(data)
    assert r.outcome == "truncated" and r.content == "Hello" and r.salvaged is False
    exc = raises_all_ways(data, IncompleteStreamError, strict=True)
    assert exc.partial.content == "Hello"
    assert exc.partial.outcome == "truncated"


KEEPALIVES: List[cs.Block] = [
    ": ping",
    ":",
    ": keep-alive",
    "data: ping",
    "data: keep-alive",
    "data:",
    "data: ",
    ("event: ping", "data:"),
    ("event: ping", "data: {}"),
    ("event: ping", "data: 1700000000"),
    "data: PING",
]


@pytest.mark.parametrize("ping", KEEPALIVES, ids=repr)
def test_keepalives_are_never_errors_even_in_strict_mode(ping: cs.Block) -> None:
    data = frame([ping, cs.data(chunk("Hi")), ping, cs.data(FINISH), ping], "crlf")
    lax = collect_all_ways(data)
    strict = collect_all_ways(data, strict=True)
    for r in (lax, strict):
        assert r.content == "Hi"
        assert r.outcome == "finished"
        assert r.malformed == [] and r.error is None
        assert r.chunks == 2


@pytest.mark.parametrize("payload", ["42", '"a string"', "null", "true", "[1, 2]", "[]", "-1.5e3"])
def test_json_that_is_not_an_object_is_not_lost_and_not_fatal(payload: str) -> None:
    """Valid JSON that is not a chunk: the stream goes on, and the payload is recorded
    somewhere (malformed or ignored), never silently dropped."""
    data = stream(chunk("a"), payload, chunk("b"), FINISH)
    r = collect_all_ways(data)
    assert r.content == "ab" and r.outcome == "finished" and r.error is None
    recorded = [(m.index, m.data) for m in r.malformed] + [(p.index, p.data) for p in r.ignored]
    assert recorded == [(1, payload)]


def test_every_event_is_accounted_for() -> None:
    """Nothing silently dropped: each event is a chunk, malformed, ignored or [DONE]."""
    data = frame(
        [
            cs.data(chunk("a")),
            "data: ping",
            cs.data("{x"),
            ("event: ping", "data:"),
            cs.data("7"),
            cs.data("[1"),
            cs.data(chunk("b")),
            cs.data(FINISH),
            cs.DONE,
        ],
        "lf",
    )
    r = collect_all_ways(data)
    assert r.events == 9
    assert r.chunks + len(r.malformed) + len(r.ignored) + (1 if r.done else 0) == r.events


JSONISH = st.lists(
    st.sampled_from(
        [
            "{",
            "}",
            "[",
            "]",
            '"',
            ":",
            ",",
            " ",
            "error",
            '"error"',
            "choices",
            '"choices"',
            "null",
            "1",
            "true",
            '"delta"',
            '"content"',
            "[DONE]",
            "data",
            "\\",
            "é",
            '{"choices":[{"index":0,"delta":{"content":"x"}}]}',
        ]
    ),
    max_size=12,
).map("".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads=st.lists(JSONISH, min_size=1, max_size=4))
def test_any_payloads_never_raise_json_errors(payloads: List[str]) -> None:
    """Lax mode: any payloads at all raise nothing but an in-band error; strict mode adds
    only StreamDecodeError / IncompleteStreamError.  Never a bare JSONDecodeError."""
    data = stream(chunk("a"), *payloads, FINISH)

    def run(chunks: List[bytes], strict: bool) -> Any:
        try:
            return snapshot(sse_pplx.collect_chat(chunks, strict=strict))
        except (APIErrorEvent, StreamDecodeError, IncompleteStreamError) as exc:
            assert strict or isinstance(exc, APIErrorEvent), repr(exc)
            assert not isinstance(exc, json.JSONDecodeError)
            return cs.exc_key(exc)

    for strict in (False, True):
        all_ways(data, lambda chunks, strict=strict: run(chunks, strict))


# --------------------------------------------------------------------------------------
# [DONE]
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentinel", ["data: [DONE]", "data:[DONE]", "data: [DONE] ", "data: [DONE]\t", "data: [DONE]  \t "], ids=repr
)
@pytest.mark.parametrize("eol", ["crlf", "lf", "cr"])
def test_done_forms_end_the_stream(eol: str, sentinel: str) -> None:
    data = frame(
        [
            cs.data(chunk("Hi")),
            cs.data(FINISH),
            sentinel,
            cs.data(chunk(" more")),
            cs.data("{bad"),
            cs.data(cs.E6E_ERROR),
        ],
        eol,
    )
    for strict in (False, True):
        r = collect_all_ways(data, strict=strict)
        assert r.outcome == "done" and r.done is True
        assert r.content == "Hi"
        assert r.malformed == [] and r.error is None


def test_done_before_any_finish_reason_is_done() -> None:
    r = collect_all_ways(stream(chunk("Hi"), done=True))
    assert r.outcome == "done"
    assert r.finish_reason is None
    collect_all_ways(stream(chunk("Hi"), done=True), strict=True)


def test_done_alone() -> None:
    r = collect_all_ways(stream(done=True))
    assert r.outcome == "done" and r.content == "" and r.chunks == 0


def test_bytes_after_done_that_never_end_do_not_make_it_truncated() -> None:
    data = stream(chunk("Hi"), FINISH, done=True) + b'data: {"id":"req-1","choi'
    for strict in (False, True):
        r = collect_all_ways(data, strict=strict)
        assert r.outcome == "done" and r.content == "Hi" and r.salvaged is False


# --------------------------------------------------------------------------------------
# Truncation and salvage
# --------------------------------------------------------------------------------------


TRUNCATED = {
    "empty body": b"",
    "only a comment": b": hi\n\n",
    "no finish_reason": stream(chunk("Hello"), chunk(" world")),
    "cut mid-json": stream(chunk("Hello"), chunk(" world")) + b'data: {"id":"req-1","choices":[{"ind',
    "cut mid-line after finish": stream(chunk("Hello"), chunk(" world", finish_reason="stop")) + b'data: {"usa',
    "cut after data line": stream(chunk("Hello"), chunk(" world")) + b'data: {"id":"req-1","cho\n',
    "cut inside a field name": stream(chunk("Hello"), chunk(" world")) + b"da",
    "cut inside [DONE]": stream(chunk("Hello"), chunk(" world")) + b"data: [DO",
}


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_truncated_streams(name: str) -> None:
    data = TRUNCATED[name]
    r = collect_all_ways(data)
    assert r.outcome == "truncated"
    assert r.done is False and r.error is None
    expected = "" if name in ("empty body", "only a comment") else "Hello world"
    assert r.content == expected  # nothing that arrived is lost
    exc = raises_all_ways(data, IncompleteStreamError, strict=True)
    assert exc.partial.outcome == "truncated"
    # the strict error carries exactly what the lax mode returns
    assert snapshot(exc.partial) == snapshot(r)


def test_finish_reason_is_reported_even_when_the_stream_is_then_cut() -> None:
    r = collect_all_ways(TRUNCATED["cut mid-line after finish"])
    assert r.finish_reason == "stop"
    assert r.outcome == "truncated"


@pytest.mark.parametrize("tail", ["eol", "none"])
@pytest.mark.parametrize("eol", ["crlf", "lf", "cr"])
def test_salvaged_last_event_with_finish_reason(eol: str, tail: str) -> None:
    data = frame(
        [cs.data(chunk("Hello")), cs.data(chunk(" world", finish_reason="stop", usage={"total_tokens": 7}))], eol, tail
    )
    for strict in (False, True):
        r = collect_all_ways(data, strict=strict)
        assert r.salvaged is True
        assert r.content == "Hello world"
        assert r.finish_reason == "stop"
        assert r.usage.total_tokens == 7
        assert r.outcome == "finished"
        assert r.chunks == 2


@pytest.mark.parametrize("tail", ["eol", "none"])
def test_salvaged_last_event_without_finish_reason_is_still_truncated(tail: str) -> None:
    data = frame([cs.data(chunk("Hello")), cs.data(chunk(" world"))], "crlf", tail)
    r = collect_all_ways(data)
    assert r.salvaged is True
    assert r.content == "Hello world"
    assert r.outcome == "truncated"
    exc = raises_all_ways(data, IncompleteStreamError, strict=True)
    assert exc.partial.salvaged is True and exc.partial.content == "Hello world"


@pytest.mark.parametrize("tail", ["eol", "none"])
def test_salvaged_named_done_event(tail: str) -> None:
    """``event: done`` cut before its blank line: complete JSON, so salvaged, and it is
    still the ``done`` event: outcome "done"."""
    r = collect_all_ways(frame(cs.named_blocks(), "crlf", tail=tail))
    assert r.salvaged is True
    assert r.content == cs.NAMED_TEXT
    assert r.outcome == "done" and r.done is True


@pytest.mark.parametrize("tail", ["eol", "none"])
def test_salvaged_named_done_event_alone_keeps_the_answer(tail: str) -> None:
    r = collect_all_ways(frame([("event: done", cs.data(cs.dumps(cs.NAMED_DONE)))], "crlf", tail=tail))
    assert r.salvaged is True
    assert r.content == cs.NAMED_TEXT  # nothing that arrived is lost
    assert r.citations == cs.NAMED_CITATIONS
    assert r.outcome == "done"


@pytest.mark.parametrize("tail", ["eol", "none"])
def test_salvaged_named_text_chunk_keeps_its_text(tail: str) -> None:
    blocks = [*cs.named_blocks()[:1], ("event: text_chunk", cs.data('{"text": " tail"}'))]
    r = collect_all_ways(frame(blocks, "crlf", tail=tail))
    assert r.salvaged is True
    assert r.content == "Hello tail"
    assert r.outcome == "truncated"  # no done event


def test_a_complete_stream_is_not_salvaged() -> None:
    r = collect_all_ways(stream(chunk("Hello"), FINISH))
    assert r.salvaged is False and r.outcome == "finished"


def test_missing_finish_reason_on_the_last_chunk_is_incomplete_not_a_crash() -> None:
    """api-discussion #235: sonar-pro sent no finish_reason at all for a while.  The text
    and citations must survive; the verdict says the stream is incomplete."""
    payloads = [json.loads(p) for p in ex.E2_PAYLOADS]
    for p in payloads:
        p["choices"][0].pop("finish_reason")
    data = stream(*[cs.dumps(p) for p in payloads])
    r = collect_all_ways(data)
    assert r.content == ex.E2_TEXT
    assert r.citations == ex.E2_CITATIONS and len(r.search_results) == 3
    assert r.outcome == "truncated"
    assert raises_all_ways(data, IncompleteStreamError, strict=True).partial.citations == ex.E2_CITATIONS


# --------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [False, True])
def test_line_limit_raises_limit_exceeded_with_partial(strict: bool) -> None:
    big = chunk("x" * 600)
    data = stream(chunk("Hello", citations=["https://c.example/1"]), chunk(" world"), big, FINISH)
    exc = raises_all_ways(data, LimitExceeded, strict=strict, max_line_bytes=300)
    assert (exc.limit, exc.value) == ("max_line_bytes", 300)
    assert exc.partial.content == "Hello world"
    assert exc.partial.citations == ["https://c.example/1"]
    assert exc.partial.outcome != "done" and exc.partial.outcome != "finished"


def test_event_limit_raises_limit_exceeded_with_partial() -> None:
    lines = tuple("data: " + "y" * 100 for _ in range(10))
    data = frame([cs.data(chunk("Hi")), lines, cs.data(FINISH)], "lf")
    exc = raises_all_ways(data, LimitExceeded, max_event_bytes=500)
    assert (exc.limit, exc.value) == ("max_event_bytes", 500)
    assert exc.partial.content == "Hi"


def test_a_large_event_is_fine_under_the_default_limits() -> None:
    """A deep-research answer can be long; one 60 kB chunk is normal data."""
    text = "lorem ipsum " * 5000
    r = collect_all_ways(stream(chunk(text, finish_reason="stop")))
    assert r.content == text and r.outcome == "finished"


# --------------------------------------------------------------------------------------
# Any mix of the above: the chunking never changes the outcome
# --------------------------------------------------------------------------------------

BLOCKS: List[cs.Block] = [
    cs.data(chunk("a", role="assistant", model="sonar")),
    cs.data(chunk("<think>r")),
    cs.data(chunk("</th")),
    cs.data(chunk("ink>\n\nb\u00e9")),
    cs.data(chunk("\U0001f600", usage={"total_tokens": 5}, citations=["https://c.example/1"])),
    cs.data(chunk("", finish_reason="stop")),
    cs.data(chunk(None, delta={"tool_calls": [{"index": 0, "id": "c", "function": {"arguments": "{"}}]})),
    cs.data('{"choices":[{"index":0,"message":{"content":"abc"}}]}'),
    cs.data('{"id":"r","object":"chat.completion.chunk"}'),
    cs.data("{bad"),
    cs.data("[1,"),
    "data: ping",
    "data:",
    ": ping",
    ("event: ping", "data:"),
    ("id: 7", "retry: 10", cs.data(chunk("c"))),
    ("event: text_chunk", cs.data('{"text": "t"}')),
    ("event: text_chunk", "data: plain"),
    ("event: done", cs.data('{"text": "full", "citations": ["https://d.example/2"]}')),
    cs.DONE,
    "data: [DONE] ",
    cs.data(cs.E6E_ERROR),
    ("event: error", "data: oops"),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    blocks=st.lists(st.sampled_from(BLOCKS), max_size=8),
    eol=st.sampled_from(cs.EOLS),
    tail=st.sampled_from(["blank", "blank", "eol", "none"]),
)
def test_any_mix_of_events_gives_one_outcome_for_every_chunking(blocks: List[cs.Block], eol: str, tail: str) -> None:
    """For any stream built from the pieces above (chunks, pings, malformed JSON, errors,
    [DONE], named events, a cut-off tail), every chunking gives the same result, or the
    same exception with the same partial result, in lax and in strict mode."""
    data = frame(blocks, eol, tail) if blocks else b""

    def run(chunks: List[bytes], strict: bool) -> Any:
        try:
            r = sse_pplx.collect_chat(chunks, strict=strict)
        except (APIErrorEvent, StreamDecodeError, IncompleteStreamError) as exc:
            assert strict or isinstance(exc, APIErrorEvent), repr(exc)
            assert exc.partial is not None
            if isinstance(exc, APIErrorEvent):
                assert exc.partial.outcome == "error"
            if isinstance(exc, IncompleteStreamError):
                assert exc.partial.outcome == "truncated"
            return cs.exc_key(exc)
        assert r.outcome in ("done", "finished", "truncated")
        assert not (strict and r.outcome == "truncated")
        return snapshot(r)

    for strict in (False, True):
        all_ways(data, lambda chunks, strict=strict: run(chunks, strict))
