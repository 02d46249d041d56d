"""The example streams of every era (perplexity-examples.md E1-E6), fed every way.

Each example is framed with CRLF (Perplexity's framing), LF, CR and a mix of the three, and
fed through :func:`tests.chat_streams.collect_all_ways` (whole, byte by byte, at every or
at sampled split points, in seeded random chunkings); the expected values are the
"Expected client result" lists of the examples file.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import sse_pplx
from conformance import examples as ex
from sse_pplx import APIErrorEvent, IncompleteStreamError
from tests import chat_streams as cs
from tests.chat_streams import EOLS, collect_all_ways, raises_all_ways, snapshot


def core(result: Any) -> dict:
    """The fields a consumer reads, as data (no bookkeeping such as event counts)."""
    return {
        "content": result.content,
        "answer": result.answer,
        "reasoning": result.reasoning,
        "role": result.role,
        "finish_reason": result.finish_reason,
        "id": result.id,
        "model": result.model,
        "citations": list(result.citations),
        "search_results": cs.plain(result.search_results),
        "images": cs.plain(result.images),
        "related_questions": cs.plain(result.related_questions),
        "usage": cs.plain(result.usage),
        "tool_calls": cs.plain(result.tool_calls),
        "error": result.error,
        "malformed": cs.plain(result.malformed),
    }


# --------------------------------------------------------------------------------------
# E1: 2025 full shape, no [DONE]
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", EOLS)
def test_e1_2025_full_shape(eol: str) -> None:
    """E1: object chat.completion on every chunk, cumulative message next to delta,
    citations on every chunk, cumulative usage, clean EOF with no [DONE] = success."""
    r = collect_all_ways(cs.e1(eol))
    assert r.content == ex.E1_TEXT
    assert r.answer == ex.E1_TEXT
    assert r.reasoning == ""
    assert r.finish_reason == "stop"
    assert r.role == "assistant"
    # usage: the last chunk's value, not a sum across chunks
    assert r.usage.to_dict() == ex.E1_USAGE
    assert (r.usage.prompt_tokens, r.usage.completion_tokens, r.usage.total_tokens) == (11, 12, 23)
    # citations: 2 URLs, each once (not repeated per chunk)
    assert r.citations == ex.E1_CITATIONS
    assert r.outcome == "finished"
    assert r.done is False
    assert r.error is None
    assert (r.id, r.model, r.created, r.object) == (ex.E1_ID, "sonar", 1741700000, "chat.completion")
    assert r.malformed == [] and r.ignored == []
    assert r.salvaged is False
    assert (r.chunks, r.events) == (5, 5)
    assert r.search_results == [] and r.images == [] and r.related_questions == [] and r.tool_calls == []
    # the cumulative message agrees with the deltas: nothing odd to report
    assert r.warnings == []


def test_e1_every_line_ending_gives_the_same_result() -> None:
    results = {eol: snapshot(collect_all_ways(cs.e1(eol))) for eol in EOLS}
    assert all(v == results["crlf"] for v in results.values()), results


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e1_raw_utf8_twin_is_the_same_as_escaped(eol: str) -> None:
    """The examples file: add a twin with raw ``°`` (C2 B0) instead of ``\\u00b0``; every
    chunking also splits that 2-byte character."""
    raw = cs.e1(eol, raw_utf8=True)
    assert "°".encode() in raw and b"\\u00b0" not in raw
    assert snapshot(collect_all_ways(raw)) == snapshot(collect_all_ways(cs.e1(eol)))


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e1_2024_legacy_shape_without_citations(eol: str) -> None:
    r = collect_all_ways(cs.e1(eol, legacy=True))
    assert r.content == ex.E1_TEXT
    assert r.model == "llama-3.1-sonar-small-128k-online"
    assert r.citations == []
    assert r.usage.total_tokens == 23
    assert r.outcome == "finished"


@pytest.mark.parametrize("tail", ["eol", "none"])
@pytest.mark.parametrize("eol", ["crlf", "lf", "cr"])
def test_e1_final_chunk_without_its_blank_line_is_salvaged(eol: str, tail: str) -> None:
    """The Stainless SDKs silently drop a last event whose blank line never came (wire
    §7.3): that is the finish_reason chunk.  Its data is complete JSON: keep it."""
    r = collect_all_ways(cs.e1(eol, tail=tail))
    assert r.salvaged is True
    assert r.finish_reason == "stop"
    assert r.content == ex.E1_TEXT
    assert r.outcome == "finished"
    assert r.chunks == 5
    assert core(r) == core(collect_all_ways(cs.e1(eol)))


# --------------------------------------------------------------------------------------
# E2: 2026 shape, .chunk then .done, [DONE]
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", EOLS)
def test_e2_2026_shape(eol: str) -> None:
    r = collect_all_ways(cs.e2(eol))
    assert r.content == ex.E2_TEXT
    assert "\u2014".encode() in cs.e2(eol)  # raw UTF-8, split by byte-wise chunkings
    assert r.finish_reason == "stop"
    assert r.outcome == "done"
    assert r.done is True
    assert r.citations == ex.E2_CITATIONS
    # search_results: 3 entries from the final chunk, with attribute access
    assert len(r.search_results) == 3
    first, second, third = r.search_results
    assert first.title == "How tides work" and first.url == "https://docs.example.com/tides"
    assert first.date == "2025-11-02" and first.last_updated == "2026-01-15" and first.source == "web"
    assert second.date is None and second.last_updated is None and second.snippet == ""
    assert third.url == "https://en.example.org/wiki/Tidal_bulge"
    # usage: the final chunk's (total 25), request_cost appears only there
    assert r.usage.total_tokens == 25
    assert r.usage.search_context_size == "low"
    assert r.usage.cost.request_cost == 0.005
    assert r.usage.cost.total_cost == 0.005025
    assert r.usage.to_dict() == json.loads(ex.E2_PAYLOADS[-1])["usage"]
    # created changes during the stream (wire §3.1): the last value
    assert r.created == 1770770002
    assert r.object == "chat.completion.done"
    assert r.id == ex.E2_ID and r.model == "sonar"
    assert r.chunks == 5 and r.events == 6
    assert r.malformed == [] and r.ignored == [] and r.error is None and r.salvaged is False


@pytest.mark.parametrize(
    "variant",
    [
        {"citations_every_chunk": False},  # (b) citations only on the final chunk
        {"message": True},  # (c) cumulative message in every choice
        {"finish_reason_absent": True},  # (d) finish_reason key absent from non-final chunks
        {"spaced": True},  # (e) spaced JSON
        {"message": True, "finish_reason_absent": True, "spaced": True, "citations_every_chunk": False},
    ],
    ids=["b-citations-final-only", "c-message", "d-finish-reason-absent", "e-spaced", "all"],
)
@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e2_variants_give_the_same_result(eol: str, variant: dict) -> None:
    base = collect_all_ways(cs.e2(eol))
    r = collect_all_ways(cs.e2(eol, **variant))
    assert core(r) == core(base)
    assert (r.outcome, r.done, r.object, r.chunks) == ("done", True, "chat.completion.done", 5)


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e2a_without_done_still_complete(eol: str) -> None:
    """(a) no ``data: [DONE]``: a clean EOF after the finish_reason chunk is success."""
    r = collect_all_ways(cs.e2(eol, done=False))
    assert core(r) == core(collect_all_ways(cs.e2(eol)))
    assert r.outcome == "finished"
    assert r.done is False
    collect_all_ways(cs.e2(eol, done=False), strict=True)  # and strictness has nothing to object to


def test_e2f_final_object_chunk_instead_of_done() -> None:
    """(f) the final chunk says ``chat.completion.chunk``: the verdict comes from
    finish_reason and [DONE], never from ``object``."""
    r = collect_all_ways(cs.e2("crlf", final_object="chat.completion.chunk"))
    assert core(r) == core(collect_all_ways(cs.e2("crlf")))
    assert r.object == "chat.completion.chunk"
    assert r.outcome == "done"
    r = collect_all_ways(cs.e2("crlf", final_object="chat.completion.chunk", done=False))
    assert r.outcome == "finished"


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e2_anything_after_done_is_ignored(eol: str) -> None:
    """[DONE] ends the stream: trailing events (perplexity-node drains them) change
    nothing: not more content, not an error, not malformed JSON, not a cut-off event."""
    trailing = cs.frame(
        [
            cs.data(cs.chunk(" MORE", finish_reason="length", usage={"total_tokens": 999}, citations=["x"])),
            ("event: error", cs.data(cs.E6E_ERROR)),
            cs.data(cs.E6E_ERROR),
            cs.data('{"broken'),
            cs.data(cs.chunk("cut")),
        ],
        eol,
        tail="none",
    )
    base = collect_all_ways(cs.e2(eol))
    for strict in (False, True):
        r = collect_all_ways(cs.e2(eol) + trailing, strict=strict)
        assert core(r) == core(base)
        assert r.outcome == "done"
        assert r.salvaged is False
        assert r.chunks == 5


# --------------------------------------------------------------------------------------
# E3: reasoning with inline <think>
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", EOLS)
def test_e3_reasoning_split_from_answer(eol: str) -> None:
    """``</think>`` arrives as ``</th`` + ``ink>`` in two chunks."""
    r = collect_all_ways(cs.e3(eol))
    assert r.content == ex.E3_CONTENT  # raw, as sent
    assert r.reasoning.strip() == ex.E3_REASONING  # exact form: the test below
    assert r.answer == ex.E3_ANSWER
    assert r.reasoning_closed is True
    assert r.finish_reason == "stop" and r.outcome == "finished"
    assert r.model == "sonar-reasoning-pro"
    assert r.citations == ["https://math.example.com/primes/2027"]
    assert [s.title for s in r.search_results] == ["2027 (number)"]
    # Python writes 1.6e-05 in exponent notation
    assert r.usage.cost.input_tokens_cost == 1.6e-05
    assert r.usage.cost.request_cost == 0.006
    assert r.usage.total_tokens == 57


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e3_reasoning_is_the_text_between_the_tags_without_surrounding_whitespace(eol: str) -> None:
    """perplexity-examples.md E3, "Expected client result": reasoning is
    ``The square root … None divide it.``: the ``\\n`` after ``<think>`` and before
    ``</think>`` are the tags' layout, not reasoning (the answer already drops the
    whitespace after ``</think>``)."""
    r = collect_all_ways(cs.e3(eol))
    assert r.reasoning == ex.E3_REASONING
    assert r.answer == ex.E3_ANSWER


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e3_unclosed_think_is_all_reasoning(eol: str) -> None:
    r = collect_all_ways(cs.e3(eol, deltas=cs.E3_UNCLOSED_DELTAS))
    content = "".join(cs.E3_UNCLOSED_DELTAS)
    assert r.content == content
    assert r.reasoning_closed is False
    assert r.answer == ""
    assert r.reasoning.strip() == content[len("<think>") :].strip()
    assert r.outcome == "finished"


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_e3_json_schema_answer_after_think(eol: str) -> None:
    """response_format does not remove the think block (wire §5): the answer alone parses."""
    r = collect_all_ways(cs.e3(eol, deltas=cs.E3_JSON_DELTAS))
    assert r.reasoning.strip() == ex.E3_REASONING
    assert r.answer == cs.E3_JSON_ANSWER
    assert json.loads(r.answer) == {"number": 2027, "prime": True}
    assert r.content == "".join(cs.E3_JSON_DELTAS)


# --------------------------------------------------------------------------------------
# E4: finish_reason "length"
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", EOLS)
def test_e4_finish_reason_length(eol: str) -> None:
    r = collect_all_ways(cs.e4(eol))
    assert r.content == ex.E4_TEXT
    assert r.finish_reason == "length"
    assert r.usage.completion_tokens == 8
    assert r.outcome == "finished"
    assert r.model == "sonar-pro"
    assert r.search_results[0].snippet == "Johannes Gutenberg's movable-type press..."


def test_e4_text_cut_mid_sentence_with_stop_is_reported_as_sent() -> None:
    """api-discussion #249/#250: the server says "stop" on a cut sentence; the library
    reports what the server said and loses nothing."""
    r = collect_all_ways(cs.e4("crlf", finish_reason="stop"))
    assert r.content == ex.E4_TEXT
    assert r.finish_reason == "stop"
    assert r.outcome == "finished"


# --------------------------------------------------------------------------------------
# E5: deep research: keep-alives, a chunk without choices, rich usage, [DONE]
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("ping", sorted(cs.PING_FORMS))
@pytest.mark.parametrize("eol", EOLS)
def test_e5_deep_research(eol: str, ping: str) -> None:
    r = collect_all_ways(cs.e5(eol, ping=ping))
    assert r.content == ex.E5_TEXT
    assert r.finish_reason == "stop"
    assert r.outcome == "done" and r.done is True
    assert r.chunks == 4  # the research-phase chunk without choices is a chunk
    assert r.model == "sonar-deep-research"
    assert r.created == 1771000195
    u = r.usage
    assert (u.citation_tokens, u.num_search_queries, u.reasoning_tokens) == (9120, 12, 15230)
    assert u.total_tokens == 1854 and u.cost.total_cost == 0.138678
    assert len(r.search_results) == 2 and r.search_results[1].last_updated is None
    assert r.malformed == [] and r.error is None
    if ping != "comment":  # pings that reach the chat layer are kept as ignored, not errors
        assert [p.data for p in r.ignored] == ([""] * 3 if ping == "event" else ["ping"] * 3)
        if ping == "event":
            assert {p.event for p in r.ignored} == {"ping"}


def test_e5_ping_forms_do_not_change_the_result_and_never_raise_in_strict_mode() -> None:
    results = []
    for ping in sorted(cs.PING_FORMS):
        lax = collect_all_ways(cs.e5("crlf", ping=ping))
        strict = collect_all_ways(cs.e5("crlf", ping=ping), strict=True)
        assert snapshot(strict) == snapshot(lax)
        results.append(core(lax))
    assert all(c == results[0] for c in results)


def test_e5_pings_only_then_eof_is_truncated() -> None:
    """Minutes of keep-alives and then the connection closes: nothing was answered."""
    for ping in sorted(cs.PING_FORMS):
        data = cs.frame([cs.PING_FORMS[ping]] * 3, "crlf")
        r = collect_all_ways(data)
        assert r.outcome == "truncated"
        assert r.content == "" and r.chunks == 0


# --------------------------------------------------------------------------------------
# E6d / E6e: failures inside a 200 stream
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("soft", [False, True], ids=["cut-mid-event", "clean-eof-no-finish"])
@pytest.mark.parametrize("eol", EOLS)
def test_e6d_connection_drop_is_truncated_and_keeps_what_arrived(eol: str, soft: bool) -> None:
    r = collect_all_ways(cs.e6d(eol, soft=soft))
    assert r.outcome == "truncated"
    assert r.content == "Partial"  # a missing terminator must not discard content
    assert r.finish_reason is None
    assert r.salvaged is False
    exc = raises_all_ways(cs.e6d(eol, soft=soft), IncompleteStreamError, strict=True)
    assert exc.partial.outcome == "truncated"
    assert exc.partial.content == "Partial"
    assert exc.partial.id == "77aa0c1e-5d21-4c0b-9e6f-2a8b4c6d8e01"
    assert isinstance(exc, sse_pplx.APIConnectionError)


@pytest.mark.parametrize("named", [True, False], ids=["event-error", "in-band"])
@pytest.mark.parametrize("eol", EOLS)
def test_e6e_error_inside_a_200_stream(eol: str, named: bool) -> None:
    for strict in (False, True):
        exc = raises_all_ways(cs.e6e(eol, named=named), APIErrorEvent, strict=strict)
        assert exc.body == json.loads(cs.E6E_ERROR)
        assert "upstream model failure" in str(exc)
        p = exc.partial
        assert p.outcome == "error"
        assert p.error == exc.body
        assert p.content == "Hel"  # everything received so far
        assert (p.id, p.model) == ("0b6e8c1f-2a3d-4e5f-8a9b-0c1d2e3f4a5b", "sonar")
        assert p.chunks == 1


# --------------------------------------------------------------------------------------
# Other dialects: OpenAI, concise mode, named events
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", EOLS)
def test_openai_shape(eol: str) -> None:
    """Role only in the first delta, an empty final delta, a usage-only chunk with empty
    choices after the finish_reason chunk (stream_options.include_usage), [DONE]."""
    r = collect_all_ways(cs.openai_stream(eol))
    assert r.content == cs.OPENAI_TEXT
    assert r.role == "assistant"
    assert r.finish_reason == "stop"  # not reset by the usage chunk that has no choices
    assert r.usage.to_dict() == {"prompt_tokens": 9, "completion_tokens": 6, "total_tokens": 15}
    assert r.outcome == "done"
    assert (r.id, r.model, r.chunks) == ("chatcmpl-AbC123", "gpt-4o-mini", 5)


@pytest.mark.parametrize("eol", ["crlf", "lf"])
def test_concise_mode_reasoning_objects(eol: str) -> None:
    """stream_mode concise: chat.reasoning / chat.reasoning.done chunks, then content,
    then chat.completion.done; metadata only on the *.done chunks (last non-empty)."""
    r = collect_all_ways(cs.concise_stream(eol))
    assert r.content == cs.CONCISE_TEXT
    assert r.finish_reason == "stop"
    assert r.outcome == "finished"
    assert r.citations == ["https://docs.example.com/tides"]
    assert [s.date for s in r.search_results] == ["2025-11-02"]
    assert r.usage.total_tokens == 16
    assert r.object == "chat.completion.done"
    assert r.chunks == 5


@pytest.mark.parametrize("done_key", ["text", "answer", "content"])
@pytest.mark.parametrize("eol", EOLS)
def test_named_event_dialect(eol: str, done_key: str) -> None:
    r = collect_all_ways(cs.named_stream(eol, done_key))
    assert r.content == cs.NAMED_TEXT
    assert r.answer == cs.NAMED_TEXT
    assert r.outcome == "done" and r.done is True
    assert r.citations == cs.NAMED_CITATIONS
    assert r.usage.to_dict() == cs.NAMED_USAGE
    assert [s.url for s in r.search_results] == ["https://a.example.com/1"]
    assert r.malformed == [] and r.error is None


def test_named_done_alone_carries_the_whole_answer() -> None:
    """No text_chunk arrived: the full answer in ``event: done`` is not lost."""
    data = cs.frame([("event: done", cs.data(cs.dumps(cs.NAMED_DONE)))], "crlf")
    r = collect_all_ways(data)
    assert r.content == cs.NAMED_TEXT
    assert r.outcome == "done"
    assert r.citations == cs.NAMED_CITATIONS


def test_named_events_after_done_are_ignored() -> None:
    trailing = cs.frame(
        [("event: text_chunk", cs.data('{"text": " EXTRA"}')), ("event: error", cs.data(cs.E6E_ERROR))], "crlf"
    )
    r = collect_all_ways(cs.named_stream("crlf") + trailing)
    assert r.content == cs.NAMED_TEXT
    assert r.outcome == "done"
    assert r.error is None


def test_named_text_chunk_carrying_an_openai_chunk_keeps_its_delta() -> None:
    """Any JSON object with ``choices`` is a chunk (wire §3.3): a ``text_chunk`` event
    whose payload is already OpenAI-shaped must not lose its delta."""
    blocks = [
        ("event: text_chunk", cs.data(cs.chunk("A", role="assistant"))),
        ("event: text_chunk", cs.data('{"text": "B"}')),
        ("event: done", cs.data('{"citations": ["https://a.example.com/1"]}')),
    ]
    data = cs.frame(blocks, "lf")
    r = collect_all_ways(data)
    assert r.content == "AB"
    assert r.outcome == "done"
    chunks = cs.all_ways(data, lambda c: list(sse_pplx.iter_chat_chunks(c)), lambda cl: [c.to_dict() for c in cl])
    assert chunks[0].choices[0].delta.content == "A"


def test_named_text_chunks_without_done_is_truncated() -> None:
    data = cs.frame(cs.named_blocks()[:-1], "crlf")
    r = collect_all_ways(data)
    assert r.content == cs.NAMED_TEXT
    assert r.outcome == "truncated"


# --------------------------------------------------------------------------------------
# Never dispatch on `object`
# --------------------------------------------------------------------------------------


def test_object_value_never_decides_anything() -> None:
    """MacPaw/OpenAI#317: a decoder that dispatched on ``object`` produced no content.
    A middle chunk labelled ``chat.completion.done``, unknown labels and no label at all
    are all chunks; the stream ends by finish_reason / [DONE] only."""
    data = cs.stream(
        cs.chunk("A", object="chat.completion"),
        cs.chunk("B", object="chat.completion.done"),
        cs.chunk("C", object="something.new"),
        json.dumps({"choices": [{"index": 0, "delta": {"content": "D"}}]}),
        cs.chunk("E", object="chat.reasoning"),
        cs.chunk("", finish_reason="stop", object="chat.completion.chunk"),
    )
    r = collect_all_ways(data)
    assert r.content == "ABCDE"
    assert r.chunks == 6
    assert r.outcome == "finished"
    assert r.object == "chat.completion.chunk"
    # and a .done object with no finish_reason does not make a truncated stream complete
    r = collect_all_ways(cs.stream(cs.chunk("A"), cs.chunk("B", object="chat.completion.done")))
    assert r.outcome == "truncated"
    assert r.content == "AB"


# --------------------------------------------------------------------------------------
# SSE framing details under the chat layer (perplexity-wire.md §8.1)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("eol", EOLS)
def test_sse_framing_variants_carry_the_same_chunks(eol: str) -> None:
    """``data:`` without the space, a payload split over several ``data:`` lines (joined
    with a newline, still valid JSON), ``id:`` / ``retry:`` / unknown fields, an explicit
    ``event: message``, comments between fields, a UTF-8 BOM: the same chunks."""
    payloads = ex.e2_payloads(spaced=True)
    first = json.loads(payloads[0])
    multi = (
        "data: {",
        *[f'data: "{k}": {cs.dumps(v)},' for k, v in list(first.items())[:-1]],
        'data: "choices": ' + cs.dumps(first["choices"]) + "}",
    )
    blocks = [
        multi,
        ("id: 1", "retry: 3000", "data:" + payloads[1]),
        ("event: message", ": a comment", "data: " + payloads[2]),
        ("foo: bar", "data: " + payloads[3]),
        "data:" + payloads[4],
        "data:[DONE]",
    ]
    data = b"\xef\xbb\xbf" + cs.frame(blocks, eol)
    r = collect_all_ways(data)
    assert core(r) == core(collect_all_ways(cs.e2(eol)))
    assert r.outcome == "done" and r.chunks == 5


def test_wire_example_e5_with_a_single_leading_ping() -> None:
    """E5 exactly as printed in the examples file (one leading ``: ping``)."""
    data = cs.e5("crlf")
    one_ping = data[len(b": ping\r\n\r\n") :]
    assert one_ping.startswith(b": ping\r\n\r\ndata: ")
    r = collect_all_ways(one_ping)
    assert core(r) == core(collect_all_ways(data))
    assert r.outcome == "done"
