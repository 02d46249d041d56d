"""Hostile input (issue 6): the fuzz campaign's properties at a moderate size, and a regression
test for each hostile input it was aimed at or found.

The invariants are checked by tests/fuzz/hostile.py (its docstring lists them): the parser and
the chat layer return, or raise only their documented errors; what they deliver has the
documented types; the parser's memory stays under ``hostile.memory_bound``.  The same targets
run at scale with ``python -m tests.fuzz.run_hypothesis`` and atheris
(docs/reliability.md, "Hostile input").
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, List

import pytest
from hypothesis import HealthCheck, given, settings

import sse_pplx
from sse_pplx import (
    APIErrorEvent,
    LimitExceeded,
    ParserTerminated,
    SSEParser,
    StreamDecodeError,
    chat_result,
    collect_chat,
    iter_chat_chunks,
)
from sse_pplx import chat as chat_module
from sse_pplx.chat_objects import ChatCompletionChunk, Choice, Delta, Function, Image, SearchResult, ToolCall, Usage
from tests.fuzz import hostile
from tests.fuzz.measure_memory import shapes
from tests.fuzz.properties import TARGETS
from tests.fuzz.strategies import nested
from tests.interpreter import needs_tracemalloc

_SETTINGS: Dict[str, Any] = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}


def sse(*payloads: str, event: str = "") -> bytes:
    head = f"event: {event}\n" if event else ""
    return b"".join((head + "data: " + p + "\n\n").encode("utf-8", "surrogatepass") for p in payloads)


def every_api(data: bytes, **kw: Any) -> List[Any]:
    """hostile.check_chat through every entry point, lax and strict; the results (or partials)."""
    results = []
    for api in hostile.CHAT_APIS:
        for strict in (False, True):
            results.append(hostile.check_chat([data], api=api, strict=strict, **kw))
            if len(data) > 1:
                hostile.check_chat([data[:1], data[1:]], api=api, strict=strict, **kw)
    return results


# --------------------------------------------------------------------------------------------
# The campaign's properties, moderate (the same targets as run_hypothesis)
# --------------------------------------------------------------------------------------------


@settings(max_examples=60, **_SETTINGS)
@given(TARGETS["parser"][0])
def test_parser_returns_events_or_raises_limit_exceeded(case: Any) -> None:
    TARGETS["parser"][1](case)


@needs_tracemalloc
@settings(max_examples=8, **_SETTINGS)
@given(TARGETS["parser-memory"][0])
def test_parser_memory_stays_under_the_bound(case: Any) -> None:
    TARGETS["parser-memory"][1](case)


@settings(max_examples=40, **_SETTINGS)
@given(TARGETS["chat-json"][0])
def test_chat_layer_on_hostile_json(case: Any) -> None:
    TARGETS["chat-json"][1](case)


@settings(max_examples=30, **_SETTINGS)
@given(TARGETS["chat-sse"][0])
def test_chat_layer_on_hostile_framing(case: Any) -> None:
    TARGETS["chat-sse"][1](case)


# --------------------------------------------------------------------------------------------
# The harness itself can fail
# --------------------------------------------------------------------------------------------


def test_the_harness_reports_a_raw_exception_from_the_chat_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: str) -> Any:
        raise TypeError("planted")

    monkeypatch.setattr(chat_module, "_parse_json", broken)
    with pytest.raises(hostile.Violation, match="raised TypeError: planted"):
        hostile.check_chat([sse('{"choices": []}')])


def test_the_harness_reports_a_bad_event_and_a_bad_error() -> None:
    with pytest.raises(hostile.Violation, match="bad id"):
        hostile.check_event(sse_pplx.ServerSentEvent("x", id="a\x00b"), None, None)
    with pytest.raises(hostile.Violation, match="max_event_bytes=3"):
        hostile.check_event(sse_pplx.ServerSentEvent("abc"), None, 3)
    with pytest.raises(hostile.Violation, match="lax mode"):
        hostile.check_chat_error(StreamDecodeError("x", 0, "bad"), strict=False)


@needs_tracemalloc
def test_the_harness_reports_memory_over_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hostile, "MEMORY_CONSTANT", 0)
    monkeypatch.setattr(hostile, "MEMORY_PER_CHUNK_BYTE", 1)
    with pytest.raises(hostile.Violation, match="tracemalloc peak"):
        hostile.check_parser_memory([b"data:ab\n\n" * 4000], {"max_line_bytes": 16, "max_event_bytes": 16})


# --------------------------------------------------------------------------------------------
# Deep nesting: json.loads raises RecursionError; just under its limit, nothing may recurse
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["[", "{"])
def test_json_nested_100000_deep_is_malformed_not_a_recursion_error(kind: str) -> None:
    for payload in ('{"choices": ' + nested(100_000, kind) + "}", nested(100_000, kind)):
        for result in every_api(sse(payload)):
            if result is not None and result.malformed:
                assert "recursion" in result.malformed[0].reason
    with pytest.raises(StreamDecodeError, match="recursion"):
        collect_chat([sse('{"a": ' + nested(100_000, kind) + "}")], strict=True)


def test_an_error_event_nested_100000_deep_is_an_api_error_event() -> None:
    with pytest.raises(APIErrorEvent) as info:
        collect_chat([sse(nested(100_000, "["), event="error")])
    assert info.value.partial is not None and info.value.partial.outcome == "error"


def _deepest_decodable() -> int:
    """How deep json.loads can nest at this test's stack depth (the chat layer decodes a few
    frames deeper, so the payloads below straddle its limit)."""
    low, high = 1, 5000
    while low < high:
        mid = (low + high + 1) // 2
        try:
            json.loads(nested(mid, "["))
            low = mid
        except RecursionError:
            high = mid - 1
    return low


@pytest.mark.parametrize(
    "slot",
    [
        '{"citations": [X]}',  # ChatObject._wrap: nested lists
        '{"search_results": [X]}\n\ndata: {"search_results": [X]}',  # compared to the previous value
        '{"choices": [{"delta": {"tool_calls": [{"index": 0, "function": X}]}}]}\n\n'
        'data: {"choices": [{"delta": {"tool_calls": [{"index": 0, "function": X}]}}]}',  # _copy, _merge
        '{"choices": [{"message": X, "delta": {"content": X}}]}',
        '{"error": {"message": X, "code": X}}',  # str(), json.dumps() of the body
        '{"error": {"detail": [{"loc": X, "msg": X}]}}',
    ],
)
def test_json_nested_just_under_the_decoders_limit(slot: str) -> None:
    deepest = _deepest_decodable()
    for depth in range(deepest - 36, deepest + 3, 3):
        for kind in "[{":
            data = sse(slot.replace("X", nested(depth, kind)))
            for api in ("collect", "iter_chunks"):
                hostile.check_chat([data], api=api)


def test_copy_merge_and_wrap_do_not_recurse() -> None:
    deep: Any = 1
    for _ in range(sys.getrecursionlimit() * 3):
        deep = {"a": [deep]}
    copy = chat_result._copy_json(deep)
    assert copy is not deep
    target: Any = {"f": {"a": [0]}}
    chat_result._merge_delta(target, {"f": deep})
    wrapped = ChatCompletionChunk({"x": [[[deep]]]}).x
    assert type(wrapped[0][0][0]).__name__ == "ChatObject"


# --------------------------------------------------------------------------------------------
# Numbers, strings and keys JSON allows (or nearly)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("digits", [4301, 5000, 100_000])
def test_integers_of_more_than_4300_digits(digits: int) -> None:
    big = "7" * digits
    for payload in ('{"created": ' + big + "}", '{"usage": {"total_tokens": ' + big + "}}", big):
        every_api(sse(payload))
    r = collect_chat([sse('{"created": ' + big + "}")])
    assert len(r.malformed) == 1 and "digits" in r.malformed[0].reason
    with pytest.raises(APIErrorEvent) as info:
        collect_chat([sse(big, event="error")])
    assert info.value.body == big  # not JSON it can read: the raw text


def test_nan_and_infinity_are_read_and_kept() -> None:
    data = sse('{"created": NaN, "usage": {"total_tokens": Infinity, "prompt_tokens": -Infinity}, "x": 1e999}')
    for result in every_api(data):
        if result is not None and result.usage is not None:
            assert result.usage.total_tokens == float("inf")


def test_lone_surrogates_in_content_are_kept_as_sent() -> None:
    data = sse('{"choices": [{"delta": {"content": "a\\ud800b\\udfff"}}]}')
    every_api(data)
    assert collect_chat([data]).content == "a\ud800b\udfff"


def test_duplicate_keys_last_wins_and_wrong_types_in_between_are_harmless() -> None:
    data = sse('{"choices": 5, "choices": [{"delta": {"content": "x"}}], "usage": "u", "usage": {"total_tokens": 2}}')
    every_api(data)
    r = collect_chat([data])
    assert r.content == "x" and r.usage is not None and r.usage.total_tokens == 2


def test_huge_strings() -> None:
    text = "é" * 300_000
    data = sse(json.dumps({"choices": [{"delta": {"content": text}}]}), json.dumps({"citations": [text]}))
    every_api(data)
    r = collect_chat([data])
    assert r.content == text and r.citations == [text]


@pytest.mark.parametrize(
    ("payload", "where"),
    [
        ("\ufeff" + '{"choices": []}', "ignored"),  # a BOM inside the data is a character, not JSON
        ("[DONE] ", "done"),
        ("[DONE]\t", "done"),
        (" [DONE]", "done"),
        ("[done]", "malformed"),  # it starts like JSON
        ("DONE", "ignored"),
        ("[DONE", "malformed"),
        ("[DONE]]", "malformed"),
        ("[DONE]{}", "malformed"),
    ],
)
def test_boms_and_done_variants(payload: str, where: str) -> None:
    every_api(sse(payload))
    r = collect_chat([sse(payload)])
    assert (r.done, bool(r.ignored), bool(r.malformed)) == (where == "done", where == "ignored", where == "malformed")


# --------------------------------------------------------------------------------------------
# Wrong types everywhere: no raw exception, and what each reads as
# --------------------------------------------------------------------------------------------

WRONG_TYPES = [
    '{"choices": "abc"}',
    '{"choices": 5}',
    '{"choices": true}',
    '{"choices": null}',
    '{"choices": {"0": {"delta": {"content": "x"}}}}',
    '{"choices": [5, "x", null, [1]]}',
    '{"choices": [{"delta": [1, 2]}]}',
    '{"choices": [{"delta": "text"}]}',
    '{"choices": [{"delta": {"content": 5}}]}',
    '{"choices": [{"delta": {"content": ["a"], "role": "assistant"}}]}',
    '{"choices": [{"delta": {"role": [1], "content": "x"}}]}',
    '{"choices": [{"index": [1], "delta": {"content": "a"}}]}',
    '{"choices": [{"index": {"a": 1}, "delta": {"content": "a"}}]}',
    '{"choices": [{"index": "a", "delta": {"content": "a"}}, {"index": 1, "delta": {"content": "b"}}]}',
    '{"choices": [{"index": 1.5, "delta": {"content": "a"}}, {"index": true}]}',
    '{"choices": [{"finish_reason": [1]}, {"finish_reason": {"a": 1}}]}',
    '{"choices": [{"message": "full"}, {"message": {"content": 5, "role": ["r"]}}]}',
    '{"choices": [{"delta": {"tool_calls": "call"}}]}',
    '{"choices": [{"delta": {"tool_calls": [5, {"index": [0]}, {"index": "a"}, {"index": null}, {"index": 0}]}}]}',
    '{"choices": [{"delta": {"tool_calls": [{"index": 0, "function": "f"}, {"index": 0, "function": [1]}]}}]}',
    '{"choices": [{"delta": {"reasoning_content": 5, "reasoning": ["r"], "content": null}}]}',
    '{"usage": "abc"}',
    '{"usage": [1, 2]}',
    '{"usage": {"total_tokens": "12", "cost": "free"}}',
    '{"citations": {"a": 1}}',
    '{"citations": 5}',
    '{"citations": "abc"}',
    '{"search_results": 5}',
    '{"search_results": [5, "x", {"title": 1}]}',
    '{"images": true}',
    '{"images": [null, {"image_url": 5}]}',
    '{"related_questions": 7}',
    '{"id": [1], "model": {"a": 1}, "created": "yesterday", "object": 5}',
]


@pytest.mark.parametrize("payload", WRONG_TYPES)
def test_wrong_types_raise_nothing_raw(payload: str) -> None:
    every_api(sse(payload, '{"choices": [{"delta": {"content": "ok"}, "finish_reason": "stop"}]}'))


def test_what_wrong_types_read_as() -> None:
    r = collect_chat([sse(*WRONG_TYPES)])
    assert r.citations == [] and r.related_questions == [] and r.images == [Image({"image_url": 5})]
    assert r.usage is not None and r.usage.total_tokens == "12"  # the last object; its fields as sent
    assert all(type(s) is SearchResult for s in r.search_results) and len(r.search_results) == 1
    assert any("index is not an integer" in w for w in r.warnings)
    assert len([w for w in r.warnings if "index is not an integer (list)" in w]) == 1  # said once
    chunks = list(iter_chat_chunks([sse(*WRONG_TYPES)]))
    by_payload = dict(zip(WRONG_TYPES, chunks))
    assert by_payload['{"choices": 5}'].choices == []
    assert [type(c) for c in by_payload['{"choices": [5, "x", null, [1]]}'].choices] == []
    assert by_payload['{"choices": [{"delta": [1, 2]}]}'].choices[0].delta.to_dict() == {}  # an empty delta, never None
    assert by_payload['{"choices": [{"delta": "text"}]}'].choices[0].delta.to_dict() == {}
    assert by_payload['{"choices": [{"delta": "text"}]}'].choices[0]["delta"] == "text"  # still there
    assert by_payload['{"choices": [{"delta": {"content": 5}}]}'].choices[0].delta.content == 5  # not checked
    assert by_payload['{"usage": "abc"}'].usage is None
    calls = by_payload['{"choices": [{"delta": {"tool_calls": "call"}}]}'].choices[0].delta.tool_calls
    assert calls is None
    mixed = (
        '{"choices": [{"delta": {"tool_calls": [5, {"index": [0]}, {"index": "a"}, {"index": null}, {"index": 0}]}}]}'
    )
    assert [type(c) for c in by_payload[mixed].choices[0].delta.tool_calls] == [ToolCall] * 4
    function = (
        '{"choices": [{"delta": {"tool_calls": [{"index": 0, "function": "f"}, {"index": 0, "function": [1]}]}}]}'
    )
    assert [c.function for c in by_payload[function].choices[0].delta.tool_calls] == [None, None]
    cost = by_payload['{"usage": {"total_tokens": "12", "cost": "free"}}'].usage
    assert type(cost) is Usage and cost.cost is None
    results = by_payload['{"search_results": [5, "x", {"title": 1}]}'].search_results
    assert [type(s) for s in results] == [SearchResult]
    images = by_payload['{"images": [null, {"image_url": 5}]}'].images
    assert [type(i) for i in images] == [Image]


def test_object_fields_read_as_their_class_or_none() -> None:
    chunk = ChatCompletionChunk(
        {"choices": [{"delta": {"tool_calls": [{"function": {"name": "f"}}]}, "message": {"content": "m"}}]}
    )
    choice = chunk.choices[0]
    assert type(choice) is Choice and type(choice.delta) is Delta and choice.message.content == "m"
    assert type(choice.delta.tool_calls[0].function) is Function
    assert hostile.walk_object(chunk) > 3


def test_tool_call_indexes_that_are_not_integers_merge_by_position() -> None:
    data = sse(
        '{"choices": [{"delta": {"tool_calls": [{"index": null, "id": "a", "function": {"arguments": "{"}}]}}]}',
        '{"choices": [{"delta": {"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]}}]}',
        '{"choices": [{"delta": {"tool_calls": [{"index": [0], "id": "b"}]}, "finish_reason": "stop"}]}',
    )
    every_api(data)
    (call,) = collect_chat([data]).tool_calls
    assert call.function.arguments == "{}" and call.id == "b"


@pytest.mark.parametrize(
    "body",
    [
        '{"error": true}',
        '{"error": [1]}',
        '{"error": 1.5}',
        '{"error": {"detail": [{"loc": 5}]}}',
        '{"error": {"detail": [{"loc": "abc", "msg": ["m"]}, 5, null]}}',
        '{"error": {"detail": {"loc": 1}}}',
        '{"error": {"message": {"a": 1}, "code": [1], "type": 5, "param": {"p": 1}}}',
        '{"error": {"message": null, "code": {"c": NaN}}}',
        '{"error": "\\ud800"}',
    ],
)
def test_error_payloads_of_odd_shapes(body: str) -> None:
    for data in (sse(body), sse(body, event="error"), sse(body[10:-1] if body.startswith('{"error": ') else body)):
        every_api(data)
    with pytest.raises(APIErrorEvent) as info:
        collect_chat([sse(body)])
    assert isinstance(info.value.message, str) and info.value.partial is not None


# --------------------------------------------------------------------------------------------
# Parser regressions found by the campaign
# --------------------------------------------------------------------------------------------


def test_close_after_a_limit_error_delivers_nothing_it_refused() -> None:
    """close() in a finally after LimitExceeded used to make the refused data (or line) the
    incomplete_event, past the limit it had just enforced."""
    for options, data in (
        ({"max_event_bytes": 10}, b"data: " + b"x" * 100 + b"\n"),
        ({"max_line_bytes": 10}, b"data: " + b"x" * 100),
    ):
        parser = SSEParser(**options)
        with pytest.raises(LimitExceeded):
            parser.feed(data)
        assert parser.close() == []
        assert parser.incomplete_event is None and parser.truncated
        with pytest.raises(ParserTerminated):
            parser.feed(b"x")
        hostile.check_parser([data], options)


def test_a_cut_off_last_line_past_the_event_limit_is_not_in_the_incomplete_event() -> None:
    parser = SSEParser(max_event_bytes=8)
    parser.feed(b"data:abc\ndata:abcdefg")
    parser.close()
    assert parser.incomplete_event == sse_pplx.ServerSentEvent("abc")
    parser = SSEParser(max_event_bytes=0)
    parser.feed(b"data")
    parser.close()
    assert parser.truncated and parser.incomplete_event is None


@needs_tracemalloc
def test_an_event_of_many_empty_data_lines_is_joined_in_bounded_memory() -> None:
    """bytes.join takes 80 bytes per piece: an event of 60,000 empty data lines (1 byte each
    against max_event_bytes) peaked at 72x the limit; joined in slices it stays near 11x."""
    limit = 60_000
    data = b"data\n" * limit + b"\n"
    chunks = [data[i : i + 4096] for i in range(0, len(data), 4096)]
    peak, _ = hostile.parser_memory(chunks, {"max_event_bytes": limit, "max_line_bytes": 64})
    assert peak < 16 * limit, peak
    (event,) = SSEParser(max_event_bytes=limit).feed(data)
    assert event.data == "\n" * (limit - 1)


@needs_tracemalloc
@pytest.mark.parametrize("name", sorted(shapes()))
def test_memory_bound_holds_for_the_measured_worst_shapes(name: str) -> None:
    chunks, options = shapes()[name](16384)
    hostile.check_parser_memory(chunks, options)


# --------------------------------------------------------------------------------------------
# Work: no input shape may make the chat layer quadratic
# --------------------------------------------------------------------------------------------


def test_deltas_alternating_with_short_messages_cost_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each chunk with a (non-cumulative) short message.content used to join all the text so far
    to compare it: 80,000 such events took 1.8 s, 2.8x the time of 40,000.  The work is now
    measured as the characters of accumulated text the comparisons read."""
    read = [0]
    text_of = chat_result._ChoiceState.text

    def counting(state: Any) -> str:
        text = text_of(state)
        read[0] += len(text)
        return text

    monkeypatch.setattr(chat_result._ChoiceState, "text", counting)
    pair = sse('{"choices":[{"delta":{"content":"yyyyyyyyyy"}}]}', '{"choices":[{"message":{"content":"x"}}]}')
    r = collect_chat([pair * 2000])
    assert len(r.content) == 20_000 and r.warnings  # the deltas differ from the "cumulative" message
    assert read[0] <= 10 * len(r.content), read[0]


def _think_cost(deltas: int) -> float:
    """Seconds to split a reasoning block of one-space deltas (best of a few runs, gc off)."""
    import gc
    import time

    from sse_pplx._reasoning import ThinkSplitter

    best = float("inf")
    for _ in range(3):
        splitter = ThinkSplitter()
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            splitter.feed("<think>a")
            for _ in range(deltas):
                splitter.feed(" ")
            splitter.feed("b</think>answer")
            splitter.close()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return best


def test_whitespace_only_reasoning_deltas_cost_linear_time() -> None:
    """Whitespace inside <think> is held back (it may be trailing); each whitespace-only delta used
    to re-copy all of it: 40k/80k/160k such deltas took 1.1/2.7/9.1 s.  8x the deltas must cost
    < 20x the time (linear gives about 8-10x, the quadratic version 40x and more): a ratio, never
    an absolute time, measured twice before failing."""
    from sse_pplx._reasoning import ThinkSplitter

    splitter = ThinkSplitter()
    pieces = [splitter.feed(d) for d in ("<think>a", " ", "\n", " ", "b", " ", "</think>", "answer")]
    pieces.append(splitter.close())
    assert "".join(r for r, _ in pieces) == "a \n b" and "".join(a for _, a in pieces) == "answer"
    ratios = []
    for _ in range(2):
        small, large = _think_cost(25_000), _think_cost(200_000)
        if large < 20 * small:
            return
        ratios.append(large / small)
    raise AssertionError(f"8x the deltas took {ratios} x the time: not linear")


def test_an_error_code_is_a_string_or_a_number_only() -> None:
    """errors.py used to call str() on any JSON value as the code: a deeply nested one raised
    RecursionError while the error was being built."""
    from sse_pplx import APIError

    deep: Any = "x"
    for _ in range(100_000):
        deep = [deep]
    assert APIError("m", body={"error": {"code": deep}}).code is None
    assert APIError("m", body={"error": {"code": True}}).code == "True"  # openai-python: str(code)
    assert APIError("m", body={"error": {"code": 401}}).code == "401"
    assert APIError("m", body={"error": {"code": "invalid_api_key"}}).code == "invalid_api_key"
