"""The chat layer's public API: chunk objects, iterators, async twins, callbacks, buffered
text iteration, the sans-I/O ChatDecoder (and its earlier name ChatStream), and the import cost.

Issue 3: chunk objects with attribute access shaped like the official SDKs, absent fields
reading as None, unknown fields kept and reachable, ``to_dict()`` giving back the JSON, no
pydantic; ``iter_chat_chunks`` / its async twin over a sans-I/O decoder; ``collect_chat``
and the same accumulation incrementally; callbacks (``on_content``,
``on_search_results``, ``on_complete``), buffered iteration (by size or interval) and a
text-only iterator.  Every stream is fed every way (tests/chat_streams.py).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Dict, Iterator, List

import pytest

import sse_pplx
from conformance import examples as ex
from sse_pplx import APIErrorEvent, IncompleteStreamError, ServerSentEvent, StreamDecodeError
from sse_pplx.types import ChatCompletionChunk, Delta, Message
from tests import chat_streams as cs
from tests.chat_streams import (
    EOLS,
    all_ways,
    asource,
    chunk,
    collect_all_ways,
    raises_all_ways,
    snapshot,
    source,
    stream,
)
from tests.feeding import reference_parse
from tests.imports import modules_after

FINISH = chunk("", finish_reason="stop")

CHAT_NAMES = [
    "ChatCompletion", "ChatCompletionChunk", "ChatDecoder", "ChatResult", "ChatStream", "collect_chat",
    "iter_chat_chunks", "iter_text", "acollect_chat", "aiter_chat_chunks", "aiter_text", "APIError", "APIErrorEvent",
    "APIConnectionError", "IncompleteStreamError", "StreamDecodeError",
]  # fmt: skip


def dicts(chunks: Any) -> List[dict]:
    return [c.to_dict() for c in chunks]


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


async def alist(ait: Any) -> List[Any]:
    return [x async for x in ait]


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------


def test_chat_names_are_public() -> None:
    missing = [n for n in CHAT_NAMES if not hasattr(sse_pplx, n)]
    assert missing == []
    assert all(n in sse_pplx.__all__ for n in CHAT_NAMES)
    from sse_pplx import chat, chat_objects

    assert sse_pplx.ChatCompletionChunk is chat_objects.ChatCompletionChunk
    assert sse_pplx.collect_chat is chat.collect_chat


# --------------------------------------------------------------------------------------
# Chunk objects
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", EOLS)
def test_iter_chat_chunks_gives_back_the_json_of_every_chunk(eol: str) -> None:
    chunks = all_ways(cs.e2(eol), lambda c: list(sse_pplx.iter_chat_chunks(c)), dicts)
    assert dicts(chunks) == [json.loads(p) for p in ex.E2_PAYLOADS]  # no [DONE] chunk
    assert all(isinstance(c, sse_pplx.ChatCompletionChunk) for c in chunks)


def test_chunk_attribute_access_like_the_sdks() -> None:
    chunks = all_ways(cs.e2(), lambda c: list(sse_pplx.iter_chat_chunks(c)), dicts)
    first, final = chunks[0], chunks[-1]
    assert first.id == ex.E2_ID and first.model == "sonar" and first.created == 1770770000
    assert first.object == "chat.completion.chunk" and final.object == "chat.completion.done"
    choice = first.choices[0]
    assert choice.index == 0
    assert choice.delta.content == "Earth" and choice.delta.role == "assistant"
    assert choice.finish_reason is None
    assert final.choices[0].finish_reason == "stop" and final.choices[0].delta.content == ""
    assert first.usage.total_tokens == 10 and first.usage.cost.total_cost == 0
    assert final.usage.cost.request_cost == 0.005
    assert first.citations == ex.E2_CITATIONS
    assert final.search_results[1].date is None and final.search_results[0].title == "How tides work"
    # absent declared fields read as None; a choice's absent message as an empty one (never None)
    assert first.search_results is None and first.images is None and first.related_questions is None
    assert first.system_fingerprint is None and first.service_tier is None  # declared by openai's model
    assert choice.delta.tool_calls is None and choice.logprobs is None
    assert type(choice.message) is Message and choice.message.to_dict() == {} and choice.message.content is None
    # a name that is neither a field nor a key sent is not an attribute (a typo fails at once)
    with pytest.raises(AttributeError, match="choises"):
        first.choises  # noqa: B018
    assert not hasattr(first, "anything") and not hasattr(choice.delta, "contnet")


def test_cumulative_message_and_chunk_without_choices() -> None:
    e1 = all_ways(cs.e1(), lambda c: list(sse_pplx.iter_chat_chunks(c)), dicts)
    assert e1[1].choices[0].message.content == "Water boils at"
    assert e1[1].choices[0].message.role == "assistant"
    assert e1[0].object == "chat.completion"
    e5 = all_ways(cs.e5(), lambda c: list(sse_pplx.iter_chat_chunks(c)), dicts)
    research = e5[0]
    assert research.choices == []  # deep-research progress chunk: no choices
    assert research.usage is None
    assert research.model == "sonar-deep-research"
    assert len(e5) == 4


def test_unknown_fields_are_kept_and_reachable() -> None:
    payload = {
        "id": "r",
        "status": "PENDING",
        "type": "message",
        "videos": [{"url": "https://v.example/1"}],
        "extra": {"bar": 1, "nested": {"x": "y"}},
        "choices": [
            {"index": 0, "delta": {"content": "a", "reasoning_steps": [{"thought": "t", "type": "web_search"}]}}
        ],
    }
    (c,) = all_ways(stream(json.dumps(payload)), lambda ch: list(sse_pplx.iter_chat_chunks(ch)), dicts)
    assert c.to_dict() == payload
    assert c.status == "PENDING" and c.type == "message"
    assert c.extra.bar == 1 and c.extra.nested.x == "y"
    assert c["extra"]["nested"]["x"] == "y"
    assert c.videos[0].url == "https://v.example/1"
    assert c.choices[0].delta.reasoning_steps[0].thought == "t"
    assert "extra" in c and "nothing" not in c
    assert c.get("nothing", 5) == 5 and c.get("status") == "PENDING"
    with pytest.raises(KeyError):
        c["nothing"]
    assert set(c) == set(payload)


def test_chunks_are_read_only_and_to_dict_is_a_copy() -> None:
    (c,) = all_ways(
        stream(chunk("a", usage={"total_tokens": 1})), lambda ch: list(sse_pplx.iter_chat_chunks(ch)), dicts
    )
    for obj, name in (
        (c, "id"),
        (c, "new"),
        (c.choices[0], "finish_reason"),
        (c.choices[0].delta, "content"),
        (c.usage, "total_tokens"),
    ):
        with pytest.raises((AttributeError, TypeError)):
            setattr(obj, name, "x")
        with pytest.raises((AttributeError, TypeError)):
            delattr(obj, name)
    d = c.to_dict()
    d["id"] = "changed"
    d["added"] = 1
    assert c.id == "req-1" and "added" not in c and not hasattr(c, "added")
    with pytest.raises(TypeError):
        c["id"] = "x"  # type: ignore[index]


def test_the_sdks_dump_methods_give_the_json() -> None:
    """Code written for the SDKs' pydantic objects calls model_dump() / to_json(): plain meanings here."""
    payload = {"id": "r", "choices": [{"index": 0, "delta": {"content": "é"}}], "usage": {"total_tokens": 3}}
    (c,) = all_ways(stream(json.dumps(payload)), lambda ch: list(sse_pplx.iter_chat_chunks(ch)), dicts)
    assert c.model_dump() == c.to_dict() == payload
    assert c.usage.model_dump() == {"total_tokens": 3}
    assert json.loads(c.model_dump_json()) == payload
    assert "\n" not in c.model_dump_json() and "é" in c.model_dump_json()
    assert c.to_json() == json.dumps(payload, ensure_ascii=False, indent=2)
    with pytest.raises(TypeError):
        c.model_dump(exclude_unset=True)  # type: ignore[call-arg]  # an option we do not have is not ignored


def test_pydantic_methods_we_lack_are_attribute_errors_not_none() -> None:
    """``chunk.model_copy()`` used to fail with "'NoneType' object is not callable"; ``hasattr``
    must answer False for what the object cannot do, as for a typo."""
    c = ChatCompletionChunk({"id": "r", "choices": [{"index": 0, "delta": {"content": "x"}}]})
    for name in ("model_copy", "dict", "json", "copy", "model_fields", "choises", "parse_obj"):
        assert not hasattr(c, name), name
        with pytest.raises(AttributeError, match=name):
            getattr(c, name)()
    # a key the server sent that no model declares is still an attribute
    assert ChatCompletionChunk({"obfuscation": "abc"}).obfuscation == "abc"


def test_dict_of_a_chunk_is_its_fields() -> None:
    c = ChatCompletionChunk({"id": "r", "choices": [{"index": 0, "delta": {"content": "x"}}], "created": 1})
    d = dict(c)
    assert set(d) == {"id", "choices", "created"} and d["id"] == "r" and d["created"] == 1
    assert d["choices"][0].delta.content == "x"  # values wrapped as by obj[key]


def test_to_dict_exclude_none_drops_nulls_at_any_depth() -> None:
    payload = {
        "id": "r",
        "model": None,
        "choices": [{"index": 0, "delta": {"content": "x", "role": None}, "finish_reason": None}],
        "usage": {"total_tokens": 3, "cost": None},
        "citations": [None, "u"],
    }
    c = ChatCompletionChunk(payload)
    assert c.to_dict() == payload  # by default, exactly what was sent
    expected = {"id": "r", "choices": [{"index": 0, "delta": {"content": "x"}}], "usage": {"total_tokens": 3}}
    expected["citations"] = [None, "u"]  # list items are kept, as pydantic's exclude_none does
    assert c.to_dict(exclude_none=True) == expected == c.model_dump(exclude_none=True)
    assert json.loads(c.to_json(exclude_none=True)) == expected
    assert json.loads(c.model_dump_json(exclude_none=True)) == expected
    assert payload["model"] is None and payload["choices"][0]["delta"]["role"] is None  # the JSON is not touched


@pytest.mark.parametrize("choice", [{"index": 0}, {"delta": None}, {"delta": "text"}, {"delta": [1]}])
def test_an_absent_or_broken_delta_reads_as_an_empty_one(choice: Dict[str, Any]) -> None:
    """openai types ``choices[i].delta`` as always present: so is it here, so that
    ``chunk.choices[0].delta.content or ""`` type-checks and never fails."""
    c = ChatCompletionChunk({"choices": [choice]})
    delta, message = c.choices[0].delta, c.choices[0].message
    assert type(delta) is Delta and type(message) is Message
    assert delta.content is None and message.content is None and delta.to_dict() == {}
    assert (delta.content or "") == ""
    assert c.to_dict() == {"choices": [choice]}  # the raw value stays reachable


def test_no_pydantic() -> None:
    out = modules_after("import sse_pplx\nsse_pplx.collect_chat([b'data: {}\\n\\n'])")
    assert "pydantic" not in out


# --------------------------------------------------------------------------------------
# iter_chat_chunks: incremental, .result, .close()
# --------------------------------------------------------------------------------------


def _expected_positions(data: bytes) -> List[int]:
    """Byte index at which each JSON event is complete (the spec-literal oracle)."""
    return [pos for pos, ev in reference_parse(data).positioned_items if ev.data.strip() != "[DONE]"]


@pytest.mark.parametrize("eol", ["crlf", "lf", "cr"])
def test_each_chunk_comes_out_as_soon_as_its_event_is_complete(eol: str) -> None:
    """No read-ahead: a chunk is yielded before the next read is asked for (a live stream
    would block there: the answer would lag by one read)."""
    data = cs.e2(eol)
    positions = _expected_positions(data)
    assert len(positions) == 5

    def run(chunks: List[bytes]) -> List[int]:
        pulled = 0

        def counting() -> Iterator[bytes]:
            nonlocal pulled
            for c in chunks:
                pulled += 1
                yield c

        seen = []
        for _ in sse_pplx.iter_chat_chunks(counting()):
            seen.append(pulled)
        ends = []
        total = 0
        for i, c in enumerate(chunks):
            total += len(c)
            ends.append((total, i + 1))
        expected = [next(n for end, n in ends if end > pos) for pos in positions]
        assert seen == expected, (seen, expected)
        return seen

    all_ways(data, run, key=lambda _: None)


def test_result_is_final_after_iteration_and_a_snapshot_before() -> None:
    def run(chunks: List[bytes]) -> Any:
        it = sse_pplx.iter_chat_chunks(source(chunks))
        first = next(it)
        assert first.choices[0].delta.content == "Earth"
        # a snapshot of everything fed so far: at least the first chunk, at most all
        assert it.result.content.startswith("Earth") and ex.E2_TEXT.startswith(it.result.content)
        rest = list(it)
        assert len(rest) == 4
        return snapshot(it.result)

    final = all_ways(cs.e2(), run)
    assert final == snapshot(collect_all_ways(cs.e2()))
    assert final["outcome"] == "done"


def test_result_after_iteration_reports_truncation_without_raising() -> None:
    def run(chunks: List[bytes]) -> Any:
        it = sse_pplx.iter_chat_chunks(source(chunks))
        assert [c.choices[0].delta.content for c in it] == ["Partial"]
        return snapshot(it.result)

    r = all_ways(cs.e6d(), run)
    assert r["outcome"] == "truncated" and r["content"] == "Partial"


def test_close_stops_iteration_and_keeps_what_arrived() -> None:
    def run(chunks: List[bytes]) -> Any:
        it = sse_pplx.iter_chat_chunks(source(chunks))
        got = [next(it), next(it)]
        it.close()
        assert list(it) == []
        assert it.result.content.startswith("Earth rotates through")
        return dicts(got)

    all_ways(cs.e2(), run)


@pytest.mark.parametrize(
    ("data", "exc_type", "kw"),
    [
        (cs.e6e(), APIErrorEvent, {}),
        (stream(cs.E6E_CHUNK, "{broken", FINISH), StreamDecodeError, {"strict": True}),
        (stream(cs.E6E_CHUNK, chunk("x" * 600), FINISH), sse_pplx.LimitExceeded, {"max_line_bytes": 300}),
    ],
    ids=["in-band-error", "strict-malformed", "limit"],
)
def test_iter_chat_chunks_yields_every_chunk_before_raising(data: bytes, exc_type: Any, kw: dict) -> None:
    """The chunks decoded before the failure are yielded, then the error is raised, in
    every chunking: a consumer printing deltas sees "Hel" whether or not the error came
    in the same read (the parser's own errors carry ``.events`` for this reason)."""

    def run(chunks: List[bytes]) -> Any:
        it = sse_pplx.iter_chat_chunks(source(chunks), **kw)
        got = []
        with pytest.raises(exc_type) as info:
            for c in it:
                got.append(c.to_dict())
        assert info.value.partial.content == "Hel"
        if exc_type is APIErrorEvent:
            assert it.result.outcome == "error"
        return got

    got = all_ways(data, run)
    assert got == [json.loads(cs.E6E_CHUNK)]


def test_iter_chat_chunks_strict() -> None:
    bad = stream(chunk("a"), "{bad", FINISH)
    exc = raises_all_ways(bad, StreamDecodeError, run=lambda c: list(sse_pplx.iter_chat_chunks(c, strict=True)))
    assert exc.raw == "{bad" and exc.partial.content == "a"
    exc = raises_all_ways(
        cs.e6d(), IncompleteStreamError, run=lambda c: list(sse_pplx.iter_chat_chunks(c, strict=True))
    )
    assert exc.partial.content == "Partial"
    # lax: no exception, the bad payload is in the result
    r = all_ways(bad, lambda c: list(sse_pplx.iter_chat_chunks(c)), dicts)
    assert len(r) == 2


def test_named_events_become_openai_shaped_chunks() -> None:
    chunks = all_ways(cs.named_stream(), lambda c: list(sse_pplx.iter_chat_chunks(c)), dicts)
    pieces = [c.choices[0].delta.content for c in chunks[:4]]
    assert pieces == ["Hello", ", wonder", "ful ", "world!"]


# --------------------------------------------------------------------------------------
# iter_text, buffered
# --------------------------------------------------------------------------------------


def _text(chunks: List[bytes], **kw: Any) -> List[str]:
    pieces = list(sse_pplx.iter_text(source(chunks), **kw))
    assert all(isinstance(p, str) and p for p in pieces), pieces
    return pieces


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_iter_text_yields_the_answer_delta_by_delta(eol: str) -> None:
    pieces = all_ways(cs.e2(eol), _text)
    assert pieces == [json.loads(p)["choices"][0]["delta"]["content"] for p in ex.E2_PAYLOADS[:-1]]
    assert "".join(pieces) == ex.E2_TEXT


def test_iter_text_leaves_out_the_reasoning_unless_asked() -> None:
    answer = all_ways(cs.e3(), lambda c: "".join(_text(c)))
    assert answer == ex.E3_ANSWER
    raw = all_ways(cs.e3(), lambda c: "".join(_text(c, include_reasoning=True)))
    assert raw == ex.E3_CONTENT


@pytest.mark.parametrize(
    "make", [cs.named_stream, cs.e5, cs.concise_stream, cs.openai_stream], ids=lambda f: f.__name__
)
def test_iter_text_on_other_shapes(make: Any) -> None:
    expected = collect_all_ways(make()).answer
    assert expected
    assert all_ways(make(), lambda c: "".join(_text(c))) == expected


def test_iter_text_raises_in_band_errors_and_strict_truncation() -> None:
    raises_all_ways(cs.e6e(), APIErrorEvent, run=lambda c: _text(c))
    raises_all_ways(cs.e6d(), IncompleteStreamError, run=lambda c: _text(c, strict=True))
    assert all_ways(cs.e6d(), lambda c: _text(c)) == ["Partial"]


@pytest.mark.parametrize("size", [1, 7, 20, 200])
def test_iter_text_buffered_by_size(size: int) -> None:
    data = cs.e2()
    deltas = [json.loads(p)["choices"][0]["delta"]["content"] for p in ex.E2_PAYLOADS]
    longest = max(len(d) for d in deltas)
    per_way = {}

    def run(chunks: List[bytes]) -> str:
        pieces = _text(chunks, buffer_chars=size)
        assert all(len(p) >= size for p in pieces[:-1]), pieces
        per_way[len(chunks)] = pieces
        return "".join(pieces)

    assert all_ways(data, run) == ex.E2_TEXT
    # fed byte by byte, text is released once `size` characters wait, not held longer
    byte_by_byte = per_way[len(data)]
    assert all(len(p) < size + longest for p in byte_by_byte), byte_by_byte
    if size < len(ex.E2_TEXT) // 2:
        assert len(byte_by_byte) >= 2


def test_iter_text_buffered_by_a_long_interval_yields_once() -> None:
    pieces = all_ways(cs.e2(), lambda c: _text(c, buffer_seconds=3600.0))
    assert pieces == [ex.E2_TEXT]


def test_iter_text_buffered_by_interval_flushes_while_streaming() -> None:
    """Timing test: one event per read, 60 ms apart (the interval is about time, so the
    chunking is the one a slow server gives; every other chunking is covered above)."""
    events = [cs.frame([cs.data(p)], "crlf") for p in ex.E2_PAYLOADS] + [cs.frame([cs.DONE], "crlf")]
    pulled = 0

    def slow() -> Iterator[bytes]:
        nonlocal pulled
        for e in events:
            time.sleep(0.06)
            pulled += 1
            yield e

    got = []
    for piece in sse_pplx.iter_text(slow(), buffer_seconds=0.03, buffer_chars=10_000):
        got.append((piece, pulled))
    assert "".join(p for p, _ in got) == ex.E2_TEXT
    assert len(got) >= 2
    assert got[0][1] < len(events), "the first piece waited for the end of the stream"


def test_iter_text_buffered_by_interval_holds_text_within_the_interval() -> None:
    events = [cs.frame([cs.data(p)], "crlf") for p in ex.E2_PAYLOADS]

    def fast() -> Iterator[bytes]:
        yield from events

    assert list(sse_pplx.iter_text(fast(), buffer_seconds=5.0)) == [ex.E2_TEXT]


# --------------------------------------------------------------------------------------
# Async twins
# --------------------------------------------------------------------------------------


def test_aiter_chat_chunks_matches_the_sync_iterator() -> None:
    sync = dicts(all_ways(cs.e2(), lambda c: list(sse_pplx.iter_chat_chunks(c)), dicts))
    got = all_ways(cs.e2(), lambda c: run_async(alist(sse_pplx.aiter_chat_chunks(asource(c)))), dicts)
    assert dicts(got) == sync
    assert got[0].choices[0].delta.content == "Earth"


@pytest.mark.parametrize("make", [cs.e1, cs.e3, cs.e5, cs.named_stream, cs.e6d], ids=lambda f: f.__name__)
def test_acollect_chat_matches_collect_chat(make: Any) -> None:
    expected = snapshot(collect_all_ways(make()))
    got = all_ways(make(), lambda c: run_async(sse_pplx.acollect_chat(asource(c))), snapshot)
    assert snapshot(got) == expected


def test_aiter_text_matches_iter_text() -> None:
    for kw in ({}, {"include_reasoning": True}, {"buffer_chars": 15}):
        expected = all_ways(cs.e3(), lambda c: "".join(_text(c, **kw)))  # noqa: B023
        got = all_ways(cs.e3(), lambda c: "".join(run_async(alist(sse_pplx.aiter_text(asource(c), **kw)))))  # noqa: B023
        assert got == expected


def test_async_errors() -> None:
    async def chunks_then_error(c: List[bytes]) -> Any:
        got = []
        async for ch in sse_pplx.aiter_chat_chunks(asource(c)):
            got.append(ch.to_dict())
        return got

    exc = raises_all_ways(cs.e6e(), APIErrorEvent, run=lambda c: run_async(chunks_then_error(c)))
    assert exc.partial.content == "Hel"
    exc = raises_all_ways(
        cs.e6d(), IncompleteStreamError, run=lambda c: run_async(sse_pplx.acollect_chat(asource(c), strict=True))
    )
    assert exc.partial.content == "Partial"
    exc = raises_all_ways(
        stream(chunk("a"), "[1,", FINISH),
        StreamDecodeError,
        run=lambda c: run_async(sse_pplx.acollect_chat(asource(c), strict=True)),
    )
    assert exc.raw == "[1," and exc.event_index == 1


def test_async_callbacks() -> None:
    def run(c: List[bytes]) -> Any:
        content: List[str] = []
        done: List[Any] = []
        r = run_async(sse_pplx.acollect_chat(asource(c), on_content=content.append, on_complete=done.append))
        assert len(done) == 1 and snapshot(done[0]) == snapshot(r)
        return "".join(content)

    assert all_ways(cs.e3(), run) == ex.E3_ANSWER


# --------------------------------------------------------------------------------------
# Callbacks
# --------------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.calls: List[tuple] = []

    def kwargs(self) -> dict:
        return {
            "on_content": lambda s: self.calls.append(("content", s)),
            "on_reasoning": lambda s: self.calls.append(("reasoning", s)),
            "on_search_results": lambda s: self.calls.append(("search_results", s)),
            "on_complete": lambda r: self.calls.append(("complete", r)),
        }

    def of(self, kind: str) -> List[Any]:
        return [v for k, v in self.calls if k == kind]


def _callbacks(data: bytes, **kw: Any) -> Any:
    def run(chunks: List[bytes]) -> Any:
        rec = Recorder()
        r = sse_pplx.collect_chat(source(chunks), **rec.kwargs(), **kw)
        complete = rec.of("complete")
        assert len(complete) == 1, "on_complete must be called exactly once"
        assert snapshot(complete[0]) == snapshot(r)
        assert rec.calls[-1][0] == "complete", "on_complete comes last"
        return {
            "content": "".join(rec.of("content")),
            "reasoning": "".join(rec.of("reasoning")),
            "search_results": [cs.plain(s) for s in rec.of("search_results")],
            "result": snapshot(r),
        }

    return all_ways(data, run)


def test_on_content_and_on_reasoning() -> None:
    got = _callbacks(cs.e3())
    assert got["content"] == ex.E3_ANSWER == got["result"]["answer"]
    assert got["reasoning"] == got["result"]["reasoning"]
    assert got["reasoning"].strip() == ex.E3_REASONING
    assert "<think>" not in got["content"] and "<think>" not in got["reasoning"]


def test_on_content_for_a_plain_stream_gets_every_delta() -> None:
    got = _callbacks(cs.e1())
    assert got["content"] == ex.E1_TEXT and got["reasoning"] == ""


def _planted(*_: Any) -> None:
    raise TypeError("planted")


@pytest.mark.parametrize("collect", [sse_pplx.collect_chat, sse_pplx.collect_response])
def test_a_type_error_from_the_source_reaches_the_caller_as_raised(collect: Any) -> None:
    """Found on PyPy: its unpacking of a generator (``(result,) = drive(...)``) replaced a
    TypeError raised inside with "cannot unpack non-iterable generator object"."""

    def chunks() -> Iterator[bytes]:
        yield b"data: {}\n\n"
        _planted()

    with pytest.raises(TypeError, match=r"^planted$"):
        collect(chunks())


def test_a_type_error_from_a_callback_reaches_the_caller_as_raised() -> None:
    with pytest.raises(TypeError, match=r"^planted$"):
        sse_pplx.collect_chat([cs.e1()], on_content=_planted)


def test_on_search_results_when_they_arrive() -> None:
    got = _callbacks(cs.e2())
    assert got["search_results"] == [json.loads(ex.E2_PAYLOADS[-1])["search_results"]]


def test_on_search_results_once_when_repeated_and_again_when_changed() -> None:
    a = [{"title": "A", "url": "https://a.example"}]
    b = [{"title": "B", "url": "https://b.example"}]
    same = stream(*[chunk("x", search_results=a) for _ in range(4)], FINISH)
    assert _callbacks(same)["search_results"] == [a]
    changed = stream(chunk("x", search_results=a), chunk("y", search_results=a), chunk("z", search_results=b), FINISH)
    assert _callbacks(changed)["search_results"] == [a, b]
    none = stream(chunk("x"), FINISH)
    assert _callbacks(none)["search_results"] == []


def test_on_search_results_receives_objects_with_attribute_access() -> None:
    def run(chunks: List[bytes]) -> Any:
        seen: List[Any] = []
        sse_pplx.collect_chat(chunks, on_search_results=seen.append)
        assert len(seen) == 1
        return [(s.title, s.url, s.date) for s in seen[0]]

    assert all_ways(cs.e3(), run) == [("2027 (number)", "https://math.example.com/primes/2027", None)]


def test_on_search_results_for_the_named_done_event() -> None:
    got = _callbacks(cs.named_stream())
    assert got["search_results"] == [cs.NAMED_DONE["search_results"]]
    assert got["content"] == cs.NAMED_TEXT


def test_on_complete_for_a_truncated_stream() -> None:
    got = _callbacks(cs.e6d())
    assert got["result"]["outcome"] == "truncated" and got["content"] == "Partial"


def test_callbacks_through_iter_chat_chunks() -> None:
    def run(chunks: List[bytes]) -> Any:
        rec = Recorder()
        it = sse_pplx.iter_chat_chunks(source(chunks), **rec.kwargs())
        n = 0
        for _ in it:
            n += 1
        assert len(rec.of("complete")) == 1
        return n, "".join(rec.of("content")), len(rec.of("search_results"))

    assert all_ways(cs.e3(), run) == (6, ex.E3_ANSWER, 1)


def test_callbacks_fire_as_the_stream_goes() -> None:
    """on_content is incremental: by the time the chunk with a piece is yielded, the
    piece has been delivered (not all at the end)."""

    def run(chunks: List[bytes]) -> Any:
        seen: List[str] = []
        it = sse_pplx.iter_chat_chunks(source(chunks), on_content=seen.append)
        first = next(it)
        assert first.choices[0].delta.content == "Earth"
        assert "".join(seen).startswith("Earth")
        if len(chunks) > 1 and len(chunks[0]) == 1:  # byte by byte: nothing beyond it yet
            assert "".join(seen) == "Earth"
        list(it)
        return "".join(seen)

    assert all_ways(cs.e2(), run) == ex.E2_TEXT


# --------------------------------------------------------------------------------------
# ChatDecoder (sans-I/O)
# --------------------------------------------------------------------------------------


def test_chat_stream_is_the_earlier_name_of_the_chat_decoder() -> None:
    from sse_pplx import chat, chat_result

    assert sse_pplx.ChatStream is sse_pplx.ChatDecoder is chat.ChatStream is chat.ChatDecoder
    assert {"ChatDecoder", "ChatStream"} <= set(chat.__all__)
    # The records and the result moved to chat_result; their old import path is the same class.
    assert chat.ChatResult is chat_result.ChatResult is sse_pplx.ChatResult
    assert chat.MalformedPayload is chat_result.MalformedPayload
    assert chat.IgnoredPayload is chat_result.IgnoredPayload


def test_text_listeners_get_the_answer_or_the_raw_content() -> None:
    think = stream(chunk("<think>\nhm\n</think>\n\n"), chunk("4"), FINISH)
    answer: List[str] = []
    raw: List[str] = []
    order: List[str] = []
    decoder = sse_pplx.ChatDecoder(on_content=lambda text: order.append("on_content"))
    decoder.add_text_listener(answer.append)
    decoder.add_text_listener(raw.append, include_reasoning=True)
    decoder.add_text_listener(lambda text: order.append("second"))
    decoder.feed(think)
    result = decoder.close()
    assert "".join(answer) == result.answer == "4"
    assert "".join(raw) == result.content == "<think>\nhm\n</think>\n\n4"
    assert order == ["on_content", "second"]  # every listener, in the order added


def test_iter_text_keeps_an_on_content_callback() -> None:
    """iter_text listens through add_text_listener: a caller's on_content is called too
    (it used to be replaced by iter_text's own buffer)."""
    seen: List[str] = []
    texts = list(sse_pplx.iter_text([stream(chunk("Hel"), chunk("lo"), FINISH)], on_content=seen.append))
    assert texts == seen == ["Hel", "lo"]


def test_chat_decoder_feed_and_close() -> None:
    def run(chunks: List[bytes]) -> Any:
        s = sse_pplx.ChatDecoder()
        out = []
        for c in chunks:
            got = s.feed(c)
            assert isinstance(got, list)
            out.extend(got)
        assert s.done is True
        assert s.feed(cs.frame([cs.data(chunk("after"))], "crlf")) == []
        result = s.close()
        assert s.result.outcome == "done"
        return dicts(out), snapshot(result)

    chunks, result = all_ways(cs.e2(), run)
    assert chunks == [json.loads(p) for p in ex.E2_PAYLOADS]
    assert result == snapshot(collect_all_ways(cs.e2()))


def test_chat_decoder_done_flag_and_snapshot() -> None:
    s = sse_pplx.ChatDecoder()
    assert s.done is False
    s.feed(cs.frame([cs.data(chunk("Hi")), cs.data(FINISH)], "lf"))
    assert s.done is False
    assert s.result.content == "Hi" and s.result.finish_reason == "stop"
    s.feed(b"data: [DONE]\n\n")
    assert s.done is True
    assert s.close().outcome == "done"


def test_chat_decoder_network_split_from_the_examples() -> None:
    """E2's "network split": a read ends inside the JSON, one ends between CR and LF."""
    data = cs.e2()
    first_end = data.index(b"\r\n\r\n")
    cut1 = data.index(b'"model":"so') + len(b'"model":"so')
    cut2 = first_end + 1  # read 2 ends with the CR after the JSON
    s = sse_pplx.ChatDecoder()
    assert s.feed(data[:cut1]) == []
    assert s.feed(data[cut1:cut2]) == []
    got = s.feed(data[cut2:])
    assert [c.choices[0].delta.content for c in got][:2] == ["Earth", " rotates through"]
    assert s.close().content == ex.E2_TEXT


def test_chat_decoder_feed_event() -> None:
    s = sse_pplx.ChatDecoder()
    c = s.feed_event(ServerSentEvent(data=chunk("Hi", role="assistant")))
    assert c is not None and c.choices[0].delta.content == "Hi"
    assert s.feed_event(ServerSentEvent(data="ping")) is None
    assert s.feed_event(ServerSentEvent(data="", event="ping")) is None
    assert s.feed_event(ServerSentEvent(data="{broken")) is None
    t = s.feed_event(ServerSentEvent(data='{"text": " there"}', event="text_chunk"))
    assert t is not None and t.choices[0].delta.content == " there"
    assert s.feed_event(ServerSentEvent(data=FINISH)) is not None
    assert s.feed_event(ServerSentEvent(data="[DONE]")) is None
    assert s.done is True
    r = s.close()
    assert r.content == "Hi there" and r.outcome == "done"
    assert [m.data for m in r.malformed] == ["{broken"]
    assert [(m.index, m.data) for m in r.malformed] == [(3, "{broken")]


def test_chat_decoder_feed_event_error() -> None:
    s = sse_pplx.ChatDecoder()
    s.feed_event(ServerSentEvent(data=chunk("Hel")))
    with pytest.raises(APIErrorEvent) as info:
        s.feed_event(ServerSentEvent(data=cs.E6E_ERROR, event="error"))
    assert info.value.partial.content == "Hel"
    assert info.value.body == json.loads(cs.E6E_ERROR)


def test_chat_decoder_strict_close() -> None:
    s = sse_pplx.ChatDecoder(strict=True)
    s.feed(cs.e6d())
    with pytest.raises(IncompleteStreamError) as info:
        s.close()
    assert info.value.partial.content == "Partial"


def test_chat_decoder_limits() -> None:
    def run(chunks: List[bytes]) -> Any:
        s = sse_pplx.ChatDecoder(max_line_bytes=200)
        for c in chunks:
            s.feed(c)
        return s.close()

    exc = raises_all_ways(stream(chunk("ok"), chunk("x" * 300)), sse_pplx.LimitExceeded, run=run)
    assert exc.partial.content == "ok"


# --------------------------------------------------------------------------------------
# ChatResult: to_completion, to_dict
# --------------------------------------------------------------------------------------


def test_to_completion_is_a_non_streamed_completion() -> None:
    r = collect_all_ways(cs.e2())
    c = r.to_completion()
    assert isinstance(c, sse_pplx.ChatCompletion)
    assert c.object == "chat.completion"
    assert (c.id, c.model) == (ex.E2_ID, "sonar")
    assert c.choices[0].message.content == ex.E2_TEXT
    assert c.choices[0].message.role == "assistant"
    assert c.choices[0].finish_reason == "stop"
    assert c.choices[0].index == 0
    assert c.usage.total_tokens == 25
    assert c.citations == ex.E2_CITATIONS
    assert [s.url for s in c.search_results] == [s.url for s in r.search_results]
    json.dumps(c.to_dict())


def test_to_completion_with_tool_calls() -> None:
    tc = {"index": 0, "id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    r = collect_all_ways(
        stream(chunk(None, delta={"tool_calls": [tc]}, role="assistant"), chunk(None, finish_reason="tool_calls"))
    )
    m = r.to_completion().choices[0].message
    assert m.tool_calls[0].function.name == "f"
    assert m.tool_calls[0].id == "c"


@pytest.mark.parametrize(
    "make", [cs.e1, cs.e2, cs.e3, cs.e4, cs.e5, cs.e6d, cs.named_stream, cs.concise_stream], ids=lambda f: f.__name__
)
def test_to_dict_is_json(make: Any) -> None:
    r = collect_all_ways(make())
    d = r.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["content"] == r.content and d["outcome"] == r.outcome


def test_error_partial_to_dict_is_json() -> None:
    exc = raises_all_ways(cs.e6e(), APIErrorEvent)
    d = exc.partial.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["outcome"] == "error" and d["error"] == json.loads(cs.E6E_ERROR)


# --------------------------------------------------------------------------------------
# Import cost
# --------------------------------------------------------------------------------------


def test_import_does_not_load_json_until_a_chat_name_is_used() -> None:
    assert "json" not in modules_after("pass"), "the interpreter preloads json; the test cannot decide"
    loaded = modules_after("import sse_pplx\nsse_pplx.SSEParser().feed(b'data: x\\n\\n')")
    assert "sse_pplx" in loaded and "json" not in loaded
    assert "sse_pplx.chat" not in loaded
    used = modules_after(
        "import sse_pplx\n"
        'r = sse_pplx.collect_chat([b\'data: {"choices":[{"index":0,"delta":{"content":"ok"},'
        '"finish_reason":"stop"}]}\\n\\n\'])\n'
        "assert r.content == 'ok' and r.outcome == 'finished', r.to_dict()"
    )
    assert "sse_pplx.chat" in used
