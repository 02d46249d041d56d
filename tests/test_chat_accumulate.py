"""The accumulator: what ``collect_chat`` makes of a stream's chunks.

Issue 3: content concatenated from deltas (cross-checked with Perplexity's cumulative
``message``); citations / search_results / images / related_questions = the last non-empty
value, never appended (pydantic/pydantic-ai#996); usage = the last one, it is cumulative
(langchain-ai/langchain#39924, "lowlow"); finish_reason, id, model; tool-call deltas merged
by index as OpenAI does; ``<think>…</think>`` reasoning split from the answer, also when a
tag is split across chunks and when ``</think>`` never comes, the raw content kept too.
Every stream is fed every way (tests/chat_streams.py).
"""

from __future__ import annotations

import json
from typing import Any, List, Tuple

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sse_pplx
from conformance import examples as ex
from tests import chat_streams as cs
from tests.chat_streams import all_ways, chunk, collect_all_ways, dumps, plain, snapshot, stream

FINISH = chunk("", finish_reason="stop")

# --------------------------------------------------------------------------------------
# Metadata: the last non-empty value, never appended
# --------------------------------------------------------------------------------------

A_VALUES = {
    "citations": (["https://a.example/1", "https://a.example/2"], ["https://b.example/3"]),
    "search_results": (
        [{"title": "A", "url": "https://a.example/1", "date": None}],
        [{"title": "B", "url": "https://b.example/3", "date": "2026-01-01", "snippet": "s", "source": "web"}],
    ),
    "images": (
        [{"image_url": "https://img.example/a.png", "origin_url": "https://a.example/1", "height": 10, "width": 20}],
        [{"image_url": "https://img.example/b.png", "origin_url": "https://b.example/3", "height": 1, "width": 2}],
    ),
    "related_questions": (["Why is the sky blue?"], ["What is Rayleigh scattering?", "Why are sunsets red?"]),
}

ABSENT = object()


def _with(field: str, value: Any, content: str, **kw: Any) -> str:
    if value is ABSENT:
        return chunk(content, **kw)
    return chunk(content, **{field: value}, **kw)


@pytest.mark.parametrize("field", sorted(A_VALUES))
def test_metadata_is_the_last_non_empty_value(field: str) -> None:
    a, b = A_VALUES[field]
    sequence = [a, [], ABSENT, None, a, b, [], ABSENT, None]
    payloads = [_with(field, v, str(k)) for k, v in enumerate(sequence)]
    r = collect_all_ways(stream(*payloads, FINISH))
    assert plain(getattr(r, field)) == b
    assert r.content == "012345678"


@pytest.mark.parametrize("field", sorted(A_VALUES))
def test_metadata_repeated_on_every_chunk_is_never_appended(field: str) -> None:
    a, _ = A_VALUES[field]
    r = collect_all_ways(stream(*[_with(field, a, "x") for _ in range(6)], FINISH))
    assert plain(getattr(r, field)) == a


@pytest.mark.parametrize("field", sorted(A_VALUES))
def test_metadata_only_on_the_final_chunk_is_reachable(field: str) -> None:
    """symfony/ai#388: search_results and citations come in the last chunk, after the text."""
    _, b = A_VALUES[field]
    r = collect_all_ways(stream(chunk("a"), chunk("b"), _with(field, b, "", finish_reason="stop")))
    assert plain(getattr(r, field)) == b


@pytest.mark.parametrize("field", sorted(A_VALUES))
def test_metadata_defaults_to_an_empty_list(field: str) -> None:
    r = collect_all_ways(stream(chunk("a"), FINISH))
    assert plain(getattr(r, field)) == []


def test_search_results_and_images_have_attribute_access() -> None:
    r = collect_all_ways(
        stream(
            chunk("", finish_reason="stop", search_results=A_VALUES["search_results"][1], images=A_VALUES["images"][0])
        )
    )
    s = r.search_results[0]
    assert (s.title, s.url, s.date, s.snippet, s.source) == ("B", "https://b.example/3", "2026-01-01", "s", "web")
    assert s.last_updated is None  # absent reads as None
    i = r.images[0]
    assert (i.image_url, i.origin_url, i.height, i.width, i.title) == (
        "https://img.example/a.png", "https://a.example/1", 10, 20, None,
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# usage: the last one
# --------------------------------------------------------------------------------------


def _usage(completion: int, cost: Any = None) -> dict:
    u: dict = {"prompt_tokens": 9, "completion_tokens": completion, "total_tokens": 9 + completion}
    u["search_context_size"] = "low"
    if cost is not None:
        u["cost"] = cost
    return u


def test_usage_is_the_last_one_not_a_sum_or_a_merge() -> None:
    """langchain#39924: merging cumulative usage gave "lowlow" and doubled counts."""
    payloads = [
        chunk("a", usage=_usage(1, {"input_tokens_cost": 0, "output_tokens_cost": 0, "total_cost": 0})),
        chunk("b", usage=_usage(2, {"input_tokens_cost": 0, "output_tokens_cost": 0, "total_cost": 0})),
        chunk("c"),  # no usage: does not reset it
        chunk("", finish_reason="stop", usage=_usage(3, {"request_cost": 0.005, "total_cost": 0.005025})),
        chunk("", usage=None),  # null reads as absent: does not reset it
    ]
    r = collect_all_ways(stream(*payloads))
    assert plain(r.usage) == _usage(3, {"request_cost": 0.005, "total_cost": 0.005025})
    assert r.usage.search_context_size == "low"
    assert r.usage.total_tokens == 12
    assert r.usage.cost.request_cost == 0.005
    assert r.usage.cost.input_tokens_cost is None  # the last usage had none: not merged in


def test_usage_is_none_when_no_chunk_has_it() -> None:
    r = collect_all_ways(stream(chunk("a"), FINISH))
    assert r.usage is None


def test_usage_changing_shape_keeps_the_last() -> None:
    """E2: earlier chunks' cost has zeros; the final adds request_cost; E5's deep-research
    usage has extra counters.  Whatever its keys, the last usage is the usage."""
    last = {"prompt_tokens": 14, "completion_tokens": 1840, "total_tokens": 1854, "reasoning_tokens": 15230}
    r = collect_all_ways(
        stream(chunk("a", usage={"total_tokens": 1, "weird": "x"}), chunk("", finish_reason="stop", usage=last))
    )
    assert plain(r.usage) == last
    assert "weird" not in r.usage and not hasattr(r.usage, "weird")  # not merged in from the earlier one


# --------------------------------------------------------------------------------------
# id, model, created, object, role, finish_reason
# --------------------------------------------------------------------------------------


def test_identity_fields_are_the_last_non_null() -> None:
    payloads = [
        chunk("a", role="assistant", id="req-9", model="sonar", created=100),
        chunk("b", id="req-9", model="sonar", created=101),
        cs.dumps({"choices": [{"index": 0, "delta": {"content": "c"}}]}),  # none of them
        chunk("", finish_reason="stop", id="req-9", model="sonar", created=104),
        cs.dumps({"id": "req-9", "choices": [], "usage": {"total_tokens": 3}}),
    ]
    r = collect_all_ways(stream(*payloads, done=True))
    assert (r.id, r.model, r.created, r.role) == ("req-9", "sonar", 104, "assistant")
    assert r.finish_reason == "stop"  # not reset by the usage chunk without choices
    assert r.content == "abc"
    assert r.outcome == "done"


def test_role_only_in_the_first_delta_is_kept() -> None:
    r = collect_all_ways(stream(chunk("", role="assistant"), chunk("Hi"), FINISH))
    assert r.role == "assistant"


def test_finish_reason_null_after_it_does_not_reset_it() -> None:
    r = collect_all_ways(stream(chunk("a"), chunk("", finish_reason="length"), chunk("")))
    assert r.finish_reason == "length"
    assert r.outcome == "finished"


# --------------------------------------------------------------------------------------
# Content: deltas, and the cumulative message
# --------------------------------------------------------------------------------------


def test_delta_and_cumulative_message_are_not_doubled() -> None:
    payloads = [
        chunk("Hel", message="Hel"),
        chunk("lo", message="Hello"),
        chunk(" world", message="Hello world"),
        chunk("", message="Hello world", finish_reason="stop"),
    ]
    r = collect_all_ways(stream(*payloads))
    assert r.content == "Hello world"
    assert r.warnings == []


def test_message_only_chunks_give_content_by_difference() -> None:
    """When a chunk has no delta content but a cumulative message, the difference is used
    (perplexity-wire.md §8.4)."""

    def message_only(text: str, finish: Any = None, delta: Any = None) -> str:
        choice: dict = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}
        if delta is not None:
            choice["delta"] = delta
        return dumps({"id": "r", "object": "chat.completion", "choices": [choice]})

    payloads = [
        message_only("Wa"),
        message_only("Water"),
        message_only("Water boils", delta={"role": "assistant"}),  # a delta without content
        message_only("Water boils", delta={"role": "assistant", "content": None}),
        message_only("Water boils.", finish="stop"),
    ]
    r = collect_all_ways(stream(*payloads))
    assert r.content == "Water boils."
    assert r.finish_reason == "stop"


def test_mixed_delta_and_message_only_chunks() -> None:
    payloads = [
        chunk("Hel", message="Hel"),
        dumps({"id": "r", "choices": [{"index": 0, "message": {"content": "Hello"}}]}),
        chunk(" you", message="Hello you"),
        chunk("", message="Hello you", finish_reason="stop"),
    ]
    r = collect_all_ways(stream(*payloads))
    assert r.content == "Hello you"


def test_message_disagreeing_with_deltas_keeps_the_deltas_and_warns() -> None:
    """Content is what the deltas sent; a cumulative message that disagrees is noticed."""
    payloads = [
        chunk("Hello", message="Hello"),
        chunk(" world", message="Hello world"),
        chunk("", message="Hello WORLD!", finish_reason="stop"),
    ]
    r = collect_all_ways(stream(*payloads))
    assert r.content == "Hello world"
    assert r.warnings, "a disagreement between deltas and message should be reported"


def test_non_ascii_content_across_splits() -> None:
    text = ["Ça ", "coûte 5 €", " — 😀", " 中文", "\u2028ok"]
    payloads = [chunk(t) for t in text]
    raw = stream(*[p.replace("\\u2028", "\u2028") for p in payloads], FINISH)
    r = collect_all_ways(raw)
    assert r.content == "".join(text)


def test_newlines_inside_content_travel_as_escapes() -> None:
    r = collect_all_ways(stream(chunk("line 1\n"), chunk("line 2\r\n\n"), FINISH))
    assert r.content == "line 1\nline 2\r\n\n"


def test_several_choices() -> None:
    payloads = [
        chunk("A", index=0, role="assistant"),
        chunk("x", index=1, role="assistant"),
        chunk("B", index=0),
        chunk("y", index=1),
        chunk("", index=1, finish_reason="length"),
        chunk("", index=0, finish_reason="stop"),
    ]
    r = collect_all_ways(stream(*payloads, done=True))
    by_index = {c["index"]: c for c in plain(r.choices)}
    assert by_index[0]["content"] == "AB" and by_index[0]["finish_reason"] == "stop"
    assert by_index[1]["content"] == "xy" and by_index[1]["finish_reason"] == "length"
    assert r.content == "AB"  # the top level is choice 0
    assert r.finish_reason == "stop"


def test_choice_index_one_alone_does_not_become_choice_zero() -> None:
    r = collect_all_ways(stream(chunk("A", index=0), chunk("zzz", index=1), chunk("", finish_reason="stop")))
    assert r.content == "A"


# --------------------------------------------------------------------------------------
# Tool calls, merged by index
# --------------------------------------------------------------------------------------


def _tc(index: int, **fields: Any) -> dict:
    return {"index": index, **fields}


def test_tool_call_deltas_merge_by_index() -> None:
    deltas = [
        [_tc(0, id="call_1", type="function", function={"name": "get_", "arguments": ""})],
        [_tc(0, function={"name": "weather", "arguments": '{"ci'})],
        [_tc(0, function={"arguments": 'ty": "Paris"}'})],
        [_tc(1, id="call_2", type="function", function={"name": "get_time", "arguments": ""})],
        [_tc(1, function={"arguments": '{"tz": "CET"}'}), _tc(0, id="call_1", type="function")],
    ]
    payloads = [
        chunk(None, delta={"tool_calls": d}, role="assistant" if k == 0 else None) for k, d in enumerate(deltas)
    ]
    payloads.append(chunk(None, finish_reason="tool_calls", delta={}))
    r = collect_all_ways(stream(*payloads, done=True))
    calls = {c["index"]: c for c in plain(r.tool_calls)}
    assert sorted(calls) == [0, 1]
    assert calls[0]["id"] == "call_1"  # replaced, not "call_1call_1"
    assert calls[0]["type"] == "function"  # replaced, not "functionfunction"
    assert calls[0]["function"]["name"] == "get_weather"  # strings concatenate
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    assert calls[1]["id"] == "call_2" and calls[1]["function"]["name"] == "get_time"
    assert json.loads(calls[1]["function"]["arguments"]) == {"tz": "CET"}
    assert r.finish_reason == "tool_calls"
    assert r.content == ""
    by_choice = {c["index"]: c for c in plain(r.choices)}
    assert plain(by_choice[0]["tool_calls"]) == plain(r.tool_calls)


def test_tool_calls_have_attribute_access() -> None:
    payloads = [
        chunk(None, delta={"tool_calls": [_tc(0, id="c", type="function", function={"name": "f", "arguments": "{}"})]}),
        chunk(None, finish_reason="tool_calls"),
    ]
    r = collect_all_ways(stream(*payloads))
    call = r.tool_calls[0]
    assert call["function"]["name"] == "f"
    assert call["id"] == "c"


def test_tool_calls_of_another_choice_stay_there() -> None:
    payloads = [
        chunk(
            None,
            index=1,
            delta={"tool_calls": [_tc(0, id="c1", type="function", function={"name": "g", "arguments": "1"})]},
        ),
        chunk("text", index=0),
        chunk("", finish_reason="stop"),
    ]
    r = collect_all_ways(stream(*payloads))
    assert plain(r.tool_calls) == []
    by_choice = {c["index"]: c for c in plain(r.choices)}
    assert [t["id"] for t in by_choice[1]["tool_calls"]] == ["c1"]


# --------------------------------------------------------------------------------------
# Reasoning
# --------------------------------------------------------------------------------------


def split_think(content: str) -> Tuple[str, str, bool]:
    """The oracle: (reasoning, answer, closed) from the requirement's rules: only a
    leading ``<think>`` (after optional whitespace) opens a block; up to the first
    ``</think>`` is reasoning; the answer follows it, leading whitespace dropped; no
    ``</think>``: all reasoning, not closed.  Reasoning is compared whitespace-stripped
    here (its exact form is pinned by the E3 example test)."""
    s = content.lstrip(" \t\r\n")
    if not s.startswith("<think>"):
        return "", content, True
    inner, sep, after = s[len("<think>") :].partition("</think>")
    if sep:
        return inner, after.lstrip(" \t\r\n"), True
    return inner, "", False


REASONING_CASES = [
    # (deltas, reasoning (stripped), answer, closed)
    (["<think>\nplan\n</think>\n\nanswer"], "plan", "answer", True),
    (["<th", "ink>plan</th", "ink>answer"], "plan", "answer", True),
    (["<", "t", "h", "i", "n", "k", ">", "p", "<", "/", "think", ">", "a"], "p", "a", True),
    (["<think>plan", "</", "think>", "\n", "\n", "ans", "wer"], "plan", "answer", True),
    (["<think>plan", "</think", ">answer"], "plan", "answer", True),
    (["<think>", "plan with < and </ and <thin", "k and </thinking> in it", "</think>ok"], None, "ok", True),
    (["\n  <think>", "r</think>", "a"], "r", "a", True),
    (["<think>never closed", " ..."], "never closed ...", "", False),
    (["<think>"], "", "", False),
    (["<think></think>", "a"], "", "a", True),
    (["Answer first <think>not reasoning</think>"], "", "Answer first <think>not reasoning</think>", True),
    (["<thinking>not a tag</thinking>"], "", "<thinking>not a tag</thinking>", True),
    (["<thi"], "", "<thi", True),
    (["<"], "", "<", True),
    (["  "], "", "  ", True),
    (["<think>a</think>b<think>c</think>d"], "a", "b<think>c</think>d", True),
    (["<think>a</think>", "</think>b"], "a", "</think>b", True),
]


@pytest.mark.parametrize(
    ("deltas", "reasoning", "answer", "closed"), REASONING_CASES, ids=[repr(c[0]) for c in REASONING_CASES]
)
def test_think_block_split(deltas: List[str], reasoning: Any, answer: str, closed: bool) -> None:
    r = collect_all_ways(stream(*[chunk(d) for d in deltas], FINISH))
    content = "".join(deltas)
    assert r.content == content  # raw, always
    assert r.answer == answer
    if reasoning is None:
        reasoning = split_think(content)[0].strip()
    assert r.reasoning.strip() == reasoning
    assert r.reasoning_closed is closed
    assert split_think(content)[1:] == (answer, closed)  # the oracle agrees with the table


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_reasoning_delta_fields(field: str) -> None:
    """DeepSeek / vLLM / OpenRouter style: reasoning in its own delta field."""
    payloads = [
        chunk(None, delta={field: "First, "}, role="assistant"),
        chunk(None, delta={field: "think."}),
        chunk("The answer", delta={field: None}),
        chunk(" is 4.", delta={}),
        FINISH,
    ]
    r = collect_all_ways(stream(*payloads))
    assert r.reasoning == "First, think."
    assert r.answer == "The answer is 4."
    assert r.content == "The answer is 4."
    assert r.reasoning_closed is not False


CONTENT_ALPHABET = st.sampled_from(
    [
        "<think>",
        "</think>",
        "<",
        ">",
        "/",
        "<th",
        "ink>",
        "</",
        "think",
        "\n",
        " ",
        "\t",
        "a",
        "b",
        "é",
        "😀",
        "<thinking>",
    ]
)
CONTENTS = st.one_of(
    st.lists(CONTENT_ALPHABET, max_size=14).map("".join),
    st.builds(
        lambda ws, r, a: ws + "<think>" + r + "</think>" + a,
        st.sampled_from(["", " ", "\n", "\n \t"]),
        st.lists(CONTENT_ALPHABET, max_size=6).map("".join),
        st.lists(CONTENT_ALPHABET, max_size=6).map("".join),
    ),
    st.text(alphabet="ab <>/thinké\n", max_size=20),
)


def _run_with_callbacks(chunks: List[bytes]) -> Any:
    content: List[str] = []
    reasoning: List[str] = []
    r = sse_pplx.collect_chat(chunks, on_content=content.append, on_reasoning=reasoning.append)
    return snapshot(r), "".join(content), "".join(reasoning)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=CONTENTS, data=st.data())
@example(content=ex.E3_CONTENT, data=None)
@example(content="<think>\nabc\n</think>\n\nxyz", data=None)
def test_any_split_into_deltas_gives_the_split_of_the_whole_string(content: str, data: Any) -> None:
    """For any content and any split into deltas: the same reasoning / answer / closed as
    when the whole string arrives as one delta, and as the oracle; the callbacks see
    exactly the answer and the reasoning."""
    if data is None:  # the explicit examples: one character per delta
        cuts = list(range(1, len(content)))
    else:
        cuts = sorted(set(data.draw(st.lists(st.integers(1, max(1, len(content) - 1)), max_size=8))))
    cuts = [c for c in cuts if 0 < c < len(content)]
    bounds = [0, *cuts, len(content)]
    deltas = [content[a:b] for a, b in zip(bounds, bounds[1:])] or [""]

    split = all_ways(stream(*[chunk(d) for d in deltas], FINISH), _run_with_callbacks)
    whole = all_ways(stream(chunk(content), FINISH), _run_with_callbacks)
    (r, on_content, on_reasoning), (w, _, _) = split, whole
    for key in ("content", "answer", "reasoning", "reasoning_closed"):
        assert r[key] == w[key], key
    assert r["content"] == content
    reasoning, answer, closed = split_think(content)
    assert r["answer"] == answer
    assert r["reasoning"].strip() == reasoning.strip()
    if content.lstrip(" \t\r\n").startswith("<think>"):
        assert r["reasoning_closed"] is closed
    else:
        assert r["reasoning"] == "" and r["reasoning_closed"] is not False
    assert on_content == r["answer"]
    assert on_reasoning == r["reasoning"]


@pytest.mark.parametrize("pieces", [1, 31, 32, 33, 64, 65, 100])
def test_many_short_deltas_add_up_exactly_at_every_point(pieces: int) -> None:
    # The accumulator joins every 32 pieces into one string to keep an open stream small
    # (issue 17); the text must be the same at every point, also when read in the middle.
    thoughts = [f"t{i}," for i in range(pieces)]
    words = [f"w{i} " for i in range(pieces)]
    contents = ["<think>", *thoughts, "</think>", *words]
    raw = stream(*[chunk(c) for c in contents], FINISH)
    r = collect_all_ways(raw)
    assert r.content == "".join(contents)
    assert (r.reasoning, r.answer) == ("".join(thoughts), "".join(words))
    decoder = sse_pplx.ChatDecoder()
    sent = ""
    for content in contents:
        list(decoder.feed(stream(chunk(content))))
        sent += content
        assert decoder.result.content == sent  # read mid-stream, then appended to again
    list(decoder.feed(stream(FINISH)))
    assert decoder.close().answer == "".join(words)


def test_a_result_with_nothing_received_answers_with_fresh_empty_lists() -> None:
    # Scale (issue 17): "nothing yet" is one shared empty tuple inside; what a user gets is a
    # new list each time, as before, so changing it changes nothing else.
    from sse_pplx.chat_result import ChatResult

    result = ChatResult()
    for name in ("citations", "search_results", "images", "related_questions", "tool_calls", "choices"):
        value = getattr(result, name)
        assert type(value) is list and value == [], name
        value.append("x")
        assert getattr(result, name) == [], name
    as_dict = result.to_dict()
    assert all(
        as_dict[key] == [] for key in ("citations", "search_results", "images", "related_questions", "tool_calls")
    )
