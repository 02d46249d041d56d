# ruff: noqa: E501 - event payloads are kept one event per line
"""The ``fixtures/responses/`` cases: Agent API and Responses API streams with their expected result.

Called by :func:`conformance.build_fixtures.build_all`, so ``python -m
conformance.build_fixtures`` writes these files and ``--check`` covers them.

Each fixture's ``input`` is an SSE stream of Perplexity's Agent API (``POST
/v1/agent``) or OpenAI's Responses API (``POST /v1/responses``); its ``expect``
(the SSE level) is checked against :mod:`conformance.oracle` like every other
fixture's.  Its ``responses`` key is the expected result (the keys of
``ResponseResult.to_dict()`` that the fixture lists), written here by hand from
the wire facts of ``shared/reference/agent-responses-wire.md`` (§2 framing, §3
event catalogue, §5 terminal semantics, §7 resumption, §9 example streams, §10
design facts) and the rules listed in the module docstrings of
``sse_pplx/response_result.py`` and ``sse_pplx/responses.py``.  A resumed run
has a second connection's bytes in ``resumed_input``: the consumer feeds
``input``, resumes, feeds ``resumed_input``, and only then ends the stream.

``sse_pplx`` is never imported here: the fixtures exist to test it.  The example
streams R1-R4 come from :mod:`conformance.response_examples` (standard library only).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .fixture import validate
from .response_examples import R1_EVENTS, R1_RESULTS, R1_TEXT, R1_USAGE, R2_EVENTS, R3_EVENTS, R4_EVENTS, dumps

__all__ = ["build_responses"]

Event = Dict[str, Any]
C = "responses/"
REF = "shared/reference/agent-responses-wire.md"
RULES = "the rules of sse_pplx/response_result.py and sse_pplx/responses.py (module docstrings)"


# -- framing, with the SSE events each block dispatches written alongside -------------------------


class Raw:
    """Bytes written verbatim (a comment, an SSE ``event: error`` block...) and the events they dispatch."""

    def __init__(self, text: str, events: Sequence[Event] = ()) -> None:
        self.text = text
        self.events = list(events)


def E(data: str, type: str = "message") -> Event:
    """A hand-written expected SSE event (no id, no retry in these streams)."""
    return {"type": type, "data": data, "id": "", "retry": None}


def block(item: Any, named: bool, eol: str) -> Tuple[str, List[Event]]:
    """One item as SSE text and the event it dispatches: a dict is an event's JSON (with an
    ``event:`` line naming its type when ``named``), a str a data payload sent as it is."""
    if isinstance(item, Raw):
        return item.text, item.events
    if isinstance(item, str):
        return f"data: {item}{eol}{eol}", [E(item)]
    data = dumps(item)
    if named:
        return f"event: {item['type']}{eol}data: {data}{eol}{eol}", [E(data, item["type"])]
    return f"data: {data}{eol}{eol}", [E(data)]


def stream(items: Sequence[Any], named: bool = True, eol: str = "\n", done: bool = False) -> Tuple[str, List[Event]]:
    """The SSE text of ``items`` and the events it dispatches; ``done`` appends ``data: [DONE]``."""
    texts: List[str] = []
    events: List[Event] = []
    for item in [*items, "[DONE]"] if done else items:
        text, dispatched = block(item, named, eol)
        texts.append(text)
        events.extend(dispatched)
    return "".join(texts), events


def cut_inside(items: Sequence[Any], last: Any, needle: str, named: bool = True) -> Tuple[str, List[Event]]:
    """``items`` whole, then ``last`` cut just before ``needle`` (inside its data line):
    the connection dropped mid-event, so ``last`` dispatches nothing."""
    text, events = stream(items, named)
    partial, _ = block(last, named, "\n")
    return text + partial[: partial.index(needle)], events


# -- the expected result ------------------------------------------------------------------


def result(
    status: str,
    output_text: str,
    *,
    response_id: Optional[str],
    model: Optional[str],
    sequence_number: Optional[int],
    events: int,
    done: bool,
    usage: Optional[Dict[str, Any]] = None,
    **other: Any,
) -> Dict[str, Any]:
    """An expected ``responses`` value: the given keys, and for the rest what a clean run has
    (no error, no search activity, no gaps, nothing malformed, ignored, resumed or salvaged)."""
    out: Dict[str, Any] = {
        "status": status,
        "incomplete_reason": None,
        "error": None,
        "output_text": output_text,
        "function_calls": [],
        "search_queries": [],
        "search_results": [],
        "fetched_urls": [],
        "thoughts": [],
        "citations": [],
        "usage": usage,
        "response_id": response_id,
        "model": model,
        "sequence_number": sequence_number,
        "sequence_gaps": [],
        "events": events,
        "unknown_events": [],
        "malformed": 0,
        "ignored": 0,
        "resumes": 0,
        "replayed": 0,
        "done": done,
        "salvaged": False,
    }
    for key, value in other.items():
        if key not in out and key != "output":
            raise KeyError(f"not a responses key: {key}")
        out[key] = value
    if "output" in other:  # listed after output_text, as in ResponseResult.to_dict()
        keys = list(out)
        keys.remove("output")
        keys.insert(keys.index("output_text") + 1, "output")
        out = {key: out[key] for key in keys}
    return out


def message(item_id: str, text: str, status: Optional[str] = None, **part: Any) -> Dict[str, Any]:
    """A ``message`` output item with one ``output_text`` part (``part``: its other fields;
    ``annotations`` is ``[]`` unless given)."""
    item: Dict[str, Any] = {"type": "message", "id": item_id, "role": "assistant"}
    if status is not None:
        item["status"] = status
    item["content"] = [dict({"type": "output_text", "annotations": []}, **part, text=text)]
    return item


def add(
    b: Any,
    stem: str,
    description: str,
    source: str,
    framed: Tuple[str, List[Event]],
    responses: Dict[str, Any],
    *,
    resumed: Optional[str] = None,
    example: Optional[str] = None,
) -> None:
    """Add one fixture through the main builder (which checks ``framed``'s events against the
    oracle and writes ``expect``), then put ``resumed_input`` and ``responses`` in."""
    name = C + stem
    text, events = framed
    b.add(name, description, source, text, events, provenance={"example": example} if example else None)
    obj = b.fixtures[name]
    ordered: Dict[str, Any] = {key: obj[key] for key in ("name", "description", "source", "input")}
    if resumed is not None:
        ordered["resumed_input"] = {"text": resumed}
    ordered.update((key, value) for key, value in obj.items() if key not in ordered and key != "provenance")
    ordered["responses"] = responses
    ordered["provenance"] = obj["provenance"]
    problems = validate(ordered)
    if problems:
        raise AssertionError(f"{name}: invalid fixture: {problems}")
    b.fixtures[name] = ordered


# -- the streams ------------------------------------------------------------------------------

R1_ID, R1_MODEL = "resp_5d0c2a7e", "openai/gpt-5.5"
R1_QUERY = "tallest lighthouse Europe height"
R1_THOUGHT = "Looking up current figures."
R1_CITATIONS = [
    {"marker": "[web:1]", "number": 1, "url": "https://example.org/ile-vierge", "title": "Ile Vierge lighthouse"}
]
# The final output of R1, as response.completed sends it (§9.1): authoritative, since it is not empty.
R1_OUTPUT = [
    {"type": "search_results", "queries": [R1_QUERY], "results": R1_RESULTS},
    message("msg_7a1f", R1_TEXT, "completed", logprobs=[]),
]
R1_EXPECT = result(
    "completed", R1_TEXT, response_id=R1_ID, model=R1_MODEL, sequence_number=10, events=11, done=True, usage=R1_USAGE,
    output=R1_OUTPUT, search_queries=[R1_QUERY], search_results=R1_RESULTS, thoughts=[R1_THOUGHT], citations=R1_CITATIONS,
)  # fmt: skip
# R1 cut after event 6 (the first text delta): built from the events, message at output_index 1 only.
R1_AFTER_6 = result(
    "truncated", "It is 82.5 m tall", response_id=R1_ID, model=R1_MODEL, sequence_number=6, events=7, done=False,
    output=[message("msg_7a1f", "It is 82.5 m tall", "in_progress")],
    search_queries=[R1_QUERY], search_results=R1_RESULTS, thoughts=[R1_THOUGHT],
)  # fmt: skip
R1_SOURCE = REF + " §9.1 (R1, Perplexity: search then a cited answer)"

R2_ID, R2_MODEL = "resp_0a9f3c", "gpt-5.5"
R2_USAGE = {
    "input_tokens": 88,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 19,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 107,
}
R2_ARGUMENTS = '{"port":"Brest"}'
R2_CALLS = [{"call_id": "call_Qm7x", "name": "get_tide", "arguments": R2_ARGUMENTS}]

# An OpenAI message with content parts and a url_citation annotation (§3.2 fields and order).
OA_ID = "resp_6c1d40"
OA_TEXT = "The Ile Vierge lighthouse is 82.5 m tall (example.org)."
OA_ANNOTATION = {
    "type": "url_citation",
    "url": "https://example.org/ile-vierge",
    "title": "Ile Vierge lighthouse",
    "start_index": 42,
    "end_index": 53,
}
OA_SNAPSHOT = {
    "id": OA_ID,
    "object": "response",
    "created_at": 1783002000,
    "status": "in_progress",
    "model": "gpt-5.5",
    "output": [],
    "usage": None,
}
OA_ITEM_DONE = {
    "id": "msg_5e",
    "type": "message",
    "status": "completed",
    "content": [{"type": "output_text", "annotations": [OA_ANNOTATION], "logprobs": [], "text": OA_TEXT}],
    "role": "assistant",
}
OA_USAGE = {
    "input_tokens": 52,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 14,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 66,
}
OA_EVENTS: List[Event] = [
    {"type": "response.created", "sequence_number": 0, "response": OA_SNAPSHOT},
    {"type": "response.in_progress", "sequence_number": 1, "response": OA_SNAPSHOT},
    {"type": "response.output_item.added", "sequence_number": 2, "output_index": 0, "item": {"id": "msg_5e", "type": "message", "status": "in_progress", "content": [], "role": "assistant"}},
    {"type": "response.content_part.added", "sequence_number": 3, "item_id": "msg_5e", "output_index": 0, "content_index": 0, "part": {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}},
    {"type": "response.output_text.delta", "sequence_number": 4, "item_id": "msg_5e", "output_index": 0, "content_index": 0, "delta": "The Ile Vierge lighthouse is 82.5 m tall ", "logprobs": [], "obfuscation": "Xq4"},
    {"type": "response.output_text.delta", "sequence_number": 5, "item_id": "msg_5e", "output_index": 0, "content_index": 0, "delta": "(example.org).", "logprobs": [], "obfuscation": "p"},
    {"type": "response.output_text.annotation.added", "sequence_number": 6, "item_id": "msg_5e", "output_index": 0, "content_index": 0, "annotation_index": 0, "annotation": OA_ANNOTATION},
    {"type": "response.output_text.done", "sequence_number": 7, "item_id": "msg_5e", "output_index": 0, "content_index": 0, "text": OA_TEXT, "logprobs": []},
    {"type": "response.content_part.done", "sequence_number": 8, "item_id": "msg_5e", "output_index": 0, "content_index": 0, "part": {"type": "output_text", "annotations": [OA_ANNOTATION], "logprobs": [], "text": OA_TEXT}},
    {"type": "response.output_item.done", "sequence_number": 9, "output_index": 0, "item": OA_ITEM_DONE},
    {"type": "response.completed", "sequence_number": 10, "response": dict(OA_SNAPSHOT, status="completed", completed_at=1783002003, error=None, incomplete_details=None, output=[OA_ITEM_DONE], usage=OA_USAGE)},
]  # fmt: skip


def pplx_snapshot(response_id: str, model: str = "perplexity/sonar", **extra: Any) -> Dict[str, Any]:
    """A Perplexity response snapshot (``response.created``), as in §9.1."""
    return dict(
        {
            "id": response_id,
            "object": "response",
            "created_at": 1783004000,
            "model": model,
            "status": "in_progress",
            "output": [],
        },
        **extra,
    )


def final(snapshot: Dict[str, Any], status: str, output: List[Any], usage: Any, **extra: Any) -> Dict[str, Any]:
    """The response a terminal event carries."""
    return dict(snapshot, status=status, error=None, output=output, usage=usage, **extra)


def delta(seq: int, item_id: str, index: int, text: str) -> Event:
    return {
        "type": "response.output_text.delta",
        "sequence_number": seq,
        "item_id": item_id,
        "output_index": index,
        "content_index": 0,
        "delta": text,
    }


def text_done(seq: int, item_id: str, index: int, text: str) -> Event:
    return {
        "type": "response.output_text.done",
        "sequence_number": seq,
        "item_id": item_id,
        "output_index": index,
        "content_index": 0,
        "text": text,
    }


def item_added(seq: int, index: int, item: Dict[str, Any]) -> Event:
    return {"type": "response.output_item.added", "sequence_number": seq, "output_index": index, "item": item}


def item_done(seq: int, index: int, item: Dict[str, Any]) -> Event:
    return {"type": "response.output_item.done", "sequence_number": seq, "output_index": index, "item": item}


def empty_message(item_id: str) -> Dict[str, Any]:
    return {"type": "message", "id": item_id, "role": "assistant", "status": "in_progress", "content": []}


# -- the fixtures ------------------------------------------------------------------------------


def build_r1(b: Any) -> None:
    add(
        b,
        "pplx-r1-named",
        "Perplexity R1 with an event: line naming every event: dispatch is on the JSON type",
        R1_SOURCE + "; §2 (event: lines as in perplexity-py#53)",
        stream(R1_EVENTS, named=True),
        R1_EXPECT,
        example="R1",
    )
    add(
        b,
        "pplx-r1-unnamed",
        "Perplexity R1 without event: lines (data lines only, as Perplexity's guide says)",
        R1_SOURCE + "; §2 (PSKILL: no event: lines)",
        stream(R1_EVENTS, named=False),
        R1_EXPECT,
        example="R1",
    )
    add(
        b,
        "pplx-r1-crlf",
        "Perplexity R1 with event: lines and CRLF line endings",
        R1_SOURCE + "; WHATWG HTML §9.2.5 (CRLF ends a line)",
        stream(R1_EVENTS, named=True, eol="\r\n"),
        R1_EXPECT,
        example="R1",
    )
    add(
        b,
        "pplx-r1-done-marker",
        "Perplexity R1 followed by data: [DONE]: a harmless end marker, never required",
        R1_SOURCE + "; §2, §10.2 (some compatible servers append [DONE])",
        stream(R1_EVENTS, named=False, done=True),
        R1_EXPECT,
        example="R1",
    )
    text, events = stream(R1_EVENTS, named=False)
    add(
        b,
        "pplx-r1-no-final-blank-line",
        "Perplexity R1 whose last event's blank line never came: its JSON is whole, so it is kept (salvaged)",
        R1_SOURCE + "; " + RULES + " (a last event without its blank line is kept when its JSON is whole)",
        (text[:-1], events[:-1]),
        dict(R1_EXPECT, salvaged=True),
        example="R1",
    )
    add(
        b,
        "pplx-r1-truncated",
        "Perplexity R1 cut after the first text delta, no terminal event: truncated, with the text, id and sequence number",
        R1_SOURCE + "; §5 (EOF without a terminal), §10.3, §10.4",
        stream(R1_EVENTS[:7], named=True),
        R1_AFTER_6,
        example="R1",
    )
    add(
        b,
        "pplx-r1-cut-mid-event",
        "Perplexity R1 cut inside the second text delta's data line: the half event is not used",
        R1_SOURCE + "; §5 (EOF without a terminal); WHATWG HTML §9.2.6 (an unterminated event is discarded)",
        cut_inside(R1_EVENTS[:7], R1_EVENTS[7], "[web:1]"),
        R1_AFTER_6,
        example="R1",
    )


def build_openai(b: Any) -> None:
    r2_source = REF + " §9.2 (R2, OpenAI: a function call)"
    r2_call = {
        "type": "function_call",
        "id": "fc_41d2",
        "call_id": "call_Qm7x",
        "name": "get_tide",
        "arguments": R2_ARGUMENTS,
        "status": "completed",
    }
    add(
        b, "openai-r2-function-call", "OpenAI R2: a function call whose arguments stream as deltas, then the final response", r2_source,
        stream(R2_EVENTS), result("completed", "", response_id=R2_ID, model=R2_MODEL, sequence_number=6, events=7, done=True, usage=R2_USAGE, output=[r2_call], function_calls=R2_CALLS),
        example="R2",
    )  # fmt: skip
    no_done = [
        *R2_EVENTS[:4],
        {"type": "response.completed", "sequence_number": 4, "response": dict(R2_EVENTS[-1]["response"], output=[])},
    ]
    add(
        b, "openai-function-call-from-deltas", "R2 without the .done events and with an empty final output: the arguments are assembled from the deltas",
        r2_source + " variant; §10.8 and BerriAI/litellm PR #32724 (an empty final output: rebuild from the item events)",
        stream(no_done),
        result(
            "completed", "", response_id=R2_ID, model=R2_MODEL, sequence_number=4, events=5, done=True, usage=R2_USAGE,
            output=[dict(r2_call, status="in_progress")], function_calls=R2_CALLS,
        ),
        example="R2",
    )  # fmt: skip
    oa_source = REF + " §3.2 (content_part and annotation events: fields and order; ogx-ai/ogx#5309)"
    add(
        b, "openai-message-annotation", "OpenAI message with content_part events and a url_citation annotation event", oa_source,
        stream(OA_EVENTS), result("completed", OA_TEXT, response_id=OA_ID, model="gpt-5.5", sequence_number=10, events=11, done=True, usage=OA_USAGE, output=[OA_ITEM_DONE]),
    )  # fmt: skip
    add(
        b, "openai-message-annotation-cut", "the annotated OpenAI message cut after output_text.done: the part keeps the annotation event's annotation",
        oa_source + "; 0xPlaygrounds/rig#2539 (annotation events lost when streaming)",
        stream(OA_EVENTS[:8]),
        result(
            "truncated", OA_TEXT, response_id=OA_ID, model="gpt-5.5", sequence_number=7, events=8, done=False,
            output=[message("msg_5e", OA_TEXT, "in_progress", annotations=[OA_ANNOTATION], logprobs=[])],
        ),
    )  # fmt: skip
    # OpenAI (ChatGPT/Codex backend): everything streamed, then response.completed with output [].
    snapshot = {
        "id": "resp_2d8f11",
        "object": "response",
        "created_at": 1783007000,
        "status": "in_progress",
        "model": "gpt-5.5",
        "output": [],
        "usage": None,
    }
    text = "Slack water lasts about twenty minutes."
    done_item = {
        "id": "msg_f0",
        "type": "message",
        "status": "completed",
        "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}],
        "role": "assistant",
    }
    part = {"type": "output_text", "annotations": [], "logprobs": []}
    usage = {
        "input_tokens": 40,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 8,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 48,
    }
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        {"type": "response.in_progress", "sequence_number": 1, "response": snapshot},
        item_added(2, 0, {"id": "msg_f0", "type": "message", "status": "in_progress", "content": [], "role": "assistant"}),
        {"type": "response.content_part.added", "sequence_number": 3, "item_id": "msg_f0", "output_index": 0, "content_index": 0, "part": dict(part, text="")},
        delta(4, "msg_f0", 0, "Slack water"),
        delta(5, "msg_f0", 0, " lasts about twenty minutes."),
        text_done(6, "msg_f0", 0, text),
        {"type": "response.content_part.done", "sequence_number": 7, "item_id": "msg_f0", "output_index": 0, "content_index": 0, "part": dict(part, text=text)},
        item_done(8, 0, done_item),
        {"type": "response.completed", "sequence_number": 9, "response": dict(snapshot, status="completed", error=None, incomplete_details=None, output=[], usage=usage)},
    ]  # fmt: skip
    add(
        b, "openai-completed-empty-output", "response.completed with an empty output after streamed text: the items built from the events are kept",
        REF + " §10.8; BerriAI/litellm PR #32724 (ChatGPT/Codex backend sends output: [])",
        stream(events),
        result("completed", text, response_id="resp_2d8f11", model="gpt-5.5", sequence_number=9, events=10, done=True, usage=usage, output=[done_item]),
    )  # fmt: skip


def build_pplx(b: Any) -> None:
    # Text deltas with no output_item.added and no content part before them (§3.1: Perplexity has no content_part.*).
    snapshot = pplx_snapshot("resp_9b31e0")
    text = "Brest a deux marées hautes par jour."
    usage = {
        "input_tokens": 310,
        "output_tokens": 9,
        "total_tokens": 319,
        "cost": {"currency": "USD", "input_cost": 0.00031, "output_cost": 0.000009, "total_cost": 0.000319},
    }
    done_item = message("msg_2f", text, "completed")
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        {"type": "response.in_progress", "sequence_number": 1, "response": snapshot},
        delta(2, "msg_2f", 0, "Brest a deux"),
        delta(3, "msg_2f", 0, " marées hautes par jour."),
        text_done(4, "msg_2f", 0, text),
        item_done(5, 0, done_item),
        {
            "type": "response.completed",
            "sequence_number": 6,
            "response": final(snapshot, "completed", [done_item], usage),
        },
    ]
    implicit = (
        REF + " §3.1 (no content_part events; [INF] deltas with no part before them), §10.7; openai/openai-python#2852"
    )
    add(
        b, "pplx-implicit-item-and-part", "Perplexity text deltas with no output_item.added and no content part before them",
        implicit, stream(events, named=False),
        result("completed", text, response_id="resp_9b31e0", model="perplexity/sonar", sequence_number=6, events=7, done=True, usage=usage, output=[done_item]),
    )  # fmt: skip
    add(
        b, "pplx-implicit-item-and-part-cut", "the same deltas cut before any done event: the item and its part are created by the first delta",
        implicit, stream(events[:4], named=False),
        result("truncated", text, response_id="resp_9b31e0", model="perplexity/sonar", sequence_number=3, events=4, done=False, output=[message("msg_2f", text)]),
    )  # fmt: skip

    # response.incomplete (max_output_tokens): usage read from it.
    snapshot = pplx_snapshot("resp_71c0aa", "anthropic/claude-sonnet-4-6")
    text = "The printing press, invented around 1440 by"
    usage = {
        "input_tokens": 1200,
        "output_tokens": 16,
        "total_tokens": 1216,
        "cost": {"currency": "USD", "input_cost": 0.0036, "output_cost": 0.00024, "total_cost": 0.00384},
    }
    done_item = message("msg_0b", text, "incomplete")
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        item_added(1, 0, empty_message("msg_0b")),
        delta(2, "msg_0b", 0, text),
        text_done(3, "msg_0b", 0, text),
        item_done(4, 0, done_item),
        {"type": "response.incomplete", "sequence_number": 5, "response": final(snapshot, "incomplete", [done_item], usage, incomplete_details={"reason": "max_output_tokens"})},
    ]  # fmt: skip
    add(
        b, "pplx-incomplete-max-output-tokens", "response.incomplete with incomplete_details.reason max_output_tokens: status incomplete, usage read from it",
        REF + " §5 (incomplete replaces finish_reason length), §10.4, §10.5; BerriAI/litellm#34351",
        stream(events, named=False),
        result(
            "incomplete", text, response_id="resp_71c0aa", model="anthropic/claude-sonnet-4-6", sequence_number=5, events=6, done=True,
            usage=usage, output=[done_item], incomplete_reason="max_output_tokens",
        ),
    )  # fmt: skip

    # response.cancelled after some text; the final output is empty, so the text received is kept.
    snapshot = pplx_snapshot("resp_c4e1", background=True)
    usage = {"input_tokens": 900, "output_tokens": 4, "total_tokens": 904}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        item_added(1, 0, empty_message("msg_d1")),
        delta(2, "msg_d1", 0, "Gathering sources on"),
        {"type": "response.cancelled", "sequence_number": 3, "response": final(snapshot, "cancelled", [], usage)},
    ]
    add(
        b, "pplx-cancelled", "response.cancelled: status cancelled, the text received and the usage kept",
        REF + " §5 (exactly one terminal: completed, failed, incomplete, cancelled), §7 (background runs); " + RULES,
        stream(events, named=False),
        result(
            "cancelled", "Gathering sources on", response_id="resp_c4e1", model="perplexity/sonar", sequence_number=3, events=4, done=True,
            usage=usage, output=[message("msg_d1", "Gathering sources on", "in_progress")],
        ),
    )  # fmt: skip

    # Citations [1] and [web:2] mapped to search results by id; results from the events and the final output.
    s1 = {
        "id": 1,
        "url": "https://tides.example.org/brest",
        "title": "Brest tide table",
        "snippet": "Two high tides a day.",
        "date": "2026-03-02",
        "source": "web",
    }
    s2 = {
        "id": 2,
        "url": "https://shom.example.fr/marnage",
        "title": "Marnage à Brest",
        "snippet": "Up to 8 m at spring tides.",
        "source": "web",
    }
    s3 = {
        "id": 3,
        "url": "https://example.net/slack",
        "title": "Slack water",
        "snippet": "A short pause.",
        "source": "web",
    }
    fetched = {"url": s1["url"], "title": s1["title"], "snippet": "High water 06:12, 18:37."}
    snapshot = pplx_snapshot("resp_8c2b90")
    pieces = [
        "Brest has two high tides a day [1]; ",
        "the spring range reaches 8 m [web:2] [1]. ",
        "Slack water is short [7].",
    ]
    text = "".join(pieces)
    done_item = message("msg_c1", text, "completed")
    usage = {
        "input_tokens": 2400,
        "output_tokens": 31,
        "total_tokens": 2431,
        "tool_calls_details": {"search_web": {"invocation": 2}, "fetch_url": {"invocation": 1}},
        "cost": {
            "currency": "USD",
            "input_cost": 0.003,
            "output_cost": 0.0003,
            "tool_calls_cost": 0.011,
            "total_cost": 0.0143,
        },
    }
    output = [
        {"type": "search_results", "queries": ["Brest tides", "Brest tidal range"], "results": [s1, s2, s3]},
        {"type": "fetch_url_results", "contents": [fetched]},
        done_item,
    ]
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        {"type": "response.reasoning.started", "sequence_number": 1, "thought": "Searching tide tables."},
        {"type": "response.reasoning.search_queries", "sequence_number": 2, "queries": ["Brest tides"], "thought": "Querying tide tables."},
        {"type": "response.reasoning.search_results", "sequence_number": 3, "results": [s1, s2]},
        {"type": "response.reasoning.fetch_url_queries", "sequence_number": 4, "urls": [s1["url"]]},
        {"type": "response.reasoning.fetch_url_results", "sequence_number": 5, "contents": [fetched]},
        {"type": "response.reasoning.stopped", "sequence_number": 6},
        item_added(7, 2, empty_message("msg_c1")),
        delta(8, "msg_c1", 2, pieces[0]),
        delta(9, "msg_c1", 2, pieces[1]),
        delta(10, "msg_c1", 2, pieces[2]),
        text_done(11, "msg_c1", 2, text),
        item_done(12, 2, done_item),
        {"type": "response.completed", "sequence_number": 13, "response": final(snapshot, "completed", output, usage)},
    ]  # fmt: skip
    add(
        b, "pplx-citations", "Perplexity citation markers [1] and [web:2] mapped to the search results by id; [7] has none",
        REF + " §4 (markers [N] / [web:N] are a search result's id; results during the stream and in the final output), §10.9",
        stream(events, named=False),
        result(
            "completed", text, response_id="resp_8c2b90", model="perplexity/sonar", sequence_number=13, events=14, done=True, usage=usage,
            output=output, search_queries=["Brest tides", "Brest tidal range"], search_results=[s1, s2, s3], fetched_urls=[s1["url"]],
            thoughts=["Searching tide tables.", "Querying tide tables."],
            citations=[
                {"marker": "[1]", "number": 1, "url": s1["url"], "title": s1["title"]},
                {"marker": "[web:2]", "number": 2, "url": s2["url"], "title": s2["title"]},
                {"marker": "[7]", "number": 7, "url": None, "title": None},
            ],
        ),
    )  # fmt: skip


def build_errors(b: Any) -> None:
    r3_output = [message("msg_c3", "Partial answer", "in_progress")]
    add(
        b, "openai-r3-error-then-failed", "OpenAI R3: a nested error event then response.failed: failed, the error of response.failed, the partial text kept",
        REF + " §9.3 (R3), §5, §10.6; openai/openai-python#2487",
        stream(R3_EVENTS),
        result(
            "failed", "Partial answer", response_id="resp_77be01", model="gpt-5.5", sequence_number=5, events=6, done=True,
            output=r3_output, error={"code": "server_error", "message": "The server had an error."},
        ),
        example="R3",
    )  # fmt: skip
    add(
        b, "pplx-r4-failed-top-level-error", "Perplexity R4: response.failed with the error at the top level and no response",
        REF + " §9.3 (R4), §3.1 (response.failed: error at top level), §10.6",
        stream(R4_EVENTS, named=False),
        result(
            "failed", "", response_id="resp_e2c4", model="anthropic/claude-sonnet-4-6", sequence_number=1, events=2, done=True,
            output=[], error={"message": "upstream model unavailable", "type": "internal_error", "code": "500"},
        ),
        example="R4",
    )  # fmt: skip
    snapshot = {"id": "resp_ab12", "object": "response", "status": "in_progress", "model": "gpt-5.5", "output": []}
    start = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        item_added(1, 0, empty_message("msg_77")),
        delta(2, "msg_77", 0, "Tides are"),
    ]
    partial = [message("msg_77", "Tides are", "in_progress")]
    # An error event is not one of the four terminal events: the run is failed, but done stays false.
    flat = {
        "type": "error",
        "sequence_number": 3,
        "code": "rate_limit_exceeded",
        "message": "Rate limit reached.",
        "param": None,
    }
    add(
        b, "error-event-flat", "a flat error event (code, message, param at the top level), then the connection closes: failed",
        REF + " §3.2 (error: documented flat), §10.6; openai/openai-python#2487",
        stream([*start, flat]),
        result(
            "failed", "Tides are", response_id="resp_ab12", model="gpt-5.5", sequence_number=3, events=4, done=False,
            output=partial, error={"code": "rate_limit_exceeded", "message": "Rate limit reached.", "param": None},
        ),
    )  # fmt: skip
    nested_error = {
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
        "message": "Your input exceeds the context window.",
        "param": "input",
    }
    add(
        b, "error-event-nested", "a nested error event (error: {type, code, message, param}), then the connection closes: failed",
        REF + " §5 (live OpenAI/Azure nest it), §10.6; openai/openai-dotnet#881",
        stream([*start, {"type": "error", "sequence_number": 3, "error": nested_error}]),
        result("failed", "Tides are", response_id="resp_ab12", model="gpt-5.5", sequence_number=3, events=4, done=False, output=partial, error=nested_error),
    )  # fmt: skip
    payload = '{"message":"Service overloaded","code":529}'
    add(
        b, "sse-named-error-without-type", "an SSE event named error whose JSON has no type is an error event",
        "sse_pplx/responses.py rules; " + REF + " §6 (the Perplexity SDKs raise on an SSE event named error)",
        stream([start[0], Raw(f"event: error\ndata: {payload}\n\n", [E(payload, "error")])], named=False),
        result(
            "failed", "", response_id="resp_ab12", model="gpt-5.5", sequence_number=0, events=2, done=False,
            output=[], error={"message": "Service overloaded", "code": 529},
        ),
    )  # fmt: skip


def build_robustness(b: Any) -> None:
    # Unknown event types are counted and kept, never an error; an unknown event's delta adds nothing.
    snapshot = {
        "id": "resp_1e7a",
        "object": "response",
        "created_at": 1783008000,
        "status": "in_progress",
        "model": "gpt-5.5",
        "output": [],
        "usage": None,
    }
    text = "Low tide at Brest is at 14:05."
    search = {
        "type": "web_search_call",
        "id": "ws_8",
        "status": "completed",
        "action": {"type": "search", "query": "Brest low tide"},
    }
    done_item = message("msg_3a", text, "completed")
    usage = {
        "input_tokens": 70,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 11,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 81,
    }
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        {"type": "response.unknown", "sequence_number": 1},
        item_added(2, 0, {"type": "web_search_call", "id": "ws_8", "status": "in_progress"}),
        {"type": "response.web_search_call.searching", "sequence_number": 3, "item_id": "ws_8", "output_index": 0},
        item_done(4, 0, search),
        item_added(5, 1, empty_message("msg_3a")),
        delta(6, "msg_3a", 1, text),
        {"type": "response.some_future_event", "sequence_number": 7, "item_id": "msg_3a", "output_index": 1, "content_index": 0, "delta": " (unknown)"},
        text_done(8, "msg_3a", 1, text),
        item_done(9, 1, done_item),
        {"type": "response.completed", "sequence_number": 10, "response": dict(snapshot, status="completed", error=None, output=[search, done_item], usage=usage)},
    ]  # fmt: skip
    add(
        b, "unknown-event-types", "unknown event types (response.unknown, response.web_search_call.searching, a future type) are kept, not errors",
        REF + " §3.1 (response.unknown named), §3.2 (tool progress events), §10.10",
        stream(events),
        result(
            "completed", text, response_id="resp_1e7a", model="gpt-5.5", sequence_number=10, events=11, done=True, usage=usage,
            output=[search, done_item], unknown_events=["response.unknown", "response.web_search_call.searching", "response.some_future_event"],
        ),
    )  # fmt: skip

    # Payloads that are not events: kept as malformed; empty data (a keep-alive) ignored; a comment is nothing.
    snapshot = pplx_snapshot("resp_40aa")
    text = "Still here."
    done_item = message("msg_6d", text, "completed")
    usage = {"input_tokens": 20, "output_tokens": 3, "total_tokens": 23}
    items = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        Raw(": keep-alive\n\n"),
        "",  # data: with nothing after the space: a keep-alive
        "not json",
        '{"delta":"lost"}',  # JSON without a type
        '{"type":7,"delta":"lost"}',  # a type that is not a string
        '{"type":"response.output_text.delta","delta":"cut',  # JSON cut short
        '["response.output_text.delta"]',  # JSON, not an object
        delta(1, "msg_6d", 0, text),
        Raw("data:\n\n", [E("")]),  # an empty data line: a keep-alive
        text_done(2, "msg_6d", 0, text),
        {
            "type": "response.completed",
            "sequence_number": 3,
            "response": final(snapshot, "completed", [done_item], usage),
        },
    ]
    add(
        b, "malformed-and-keep-alive", "non-JSON payloads and JSON objects without a string type are malformed; empty data is a keep-alive",
        REF + " §10.11 (malformed kept, not a crash), §2 (keep-alives not established); " + RULES,
        stream(items, named=False),
        result("completed", text, response_id="resp_40aa", model="perplexity/sonar", sequence_number=3, events=4, done=True, usage=usage, output=[done_item], malformed=5, ignored=2),
    )  # fmt: skip

    # JSON with whitespace around it is still JSON (RFC 8259 §2: insignificant whitespace).
    snapshot = pplx_snapshot("resp_ws01")
    text = "One, two, three."
    done_item = message("msg_w1", text, "completed")
    usage = {"input_tokens": 12, "output_tokens": 5, "total_tokens": 17}
    items = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        dumps(delta(1, "msg_w1", 0, "One,")),
        " " + dumps(delta(2, "msg_w1", 0, " two,")),  # data:  {...}: a second space stays in the data
        dumps(delta(3, "msg_w1", 0, " three.")) + "  ",
        "\t"
        + dumps(
            {
                "type": "response.completed",
                "sequence_number": 4,
                "response": final(snapshot, "completed", [done_item], usage),
            }
        ),
    ]
    add(
        b, "json-with-surrounding-whitespace", "a payload with whitespace before or after its JSON object is still an event, not malformed",
        "RFC 8259 §2 (insignificant whitespace around values); " + RULES + " (a payload that is not JSON is malformed); WHATWG HTML §9.2.6 (only one space after the colon is removed)",
        stream(items, named=False),
        result("completed", text, response_id="resp_ws01", model="perplexity/sonar", sequence_number=4, events=5, done=True, usage=usage, output=[done_item]),
    )  # fmt: skip

    # sequence_number gaps and a regression: recorded, never raised; every delta kept.
    snapshot = pplx_snapshot("resp_5e9d")
    text = "Tides rise twice daily."
    done_item = message("msg_e4", text, "completed")
    usage = {"input_tokens": 30, "output_tokens": 5, "total_tokens": 35}
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        item_added(1, 0, empty_message("msg_e4")),
        delta(2, "msg_e4", 0, "Tides"),
        delta(4, "msg_e4", 0, " rise"),
        delta(5, "msg_e4", 0, " twice"),
        delta(3, "msg_e4", 0, " daily."),
        {
            "type": "response.completed",
            "sequence_number": 4,
            "response": final(snapshot, "completed", [done_item], usage),
        },
    ]
    add(
        b, "sequence-gaps", "sequence_number jumps from 2 to 4 and falls back from 5 to 3: both recorded as [expected, got]",
        REF + " §10.12 (no SDK validates; record gaps and regressions); " + RULES,
        stream(events, named=False),
        result(
            "completed", text, response_id="resp_5e9d", model="perplexity/sonar", sequence_number=4, events=7, done=True, usage=usage,
            output=[done_item], sequence_gaps=[[3, 4], [6, 3]],
        ),
    )  # fmt: skip

    # [DONE] without a terminal event: done, but the verdict is truncated; nothing after it is read.
    snapshot = pplx_snapshot("resp_d0e1")
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        item_added(1, 0, empty_message("msg_a0")),
        delta(2, "msg_a0", 0, "Half an"),
    ]
    add(
        b, "done-marker-without-terminal", "data: [DONE] with no terminal event before it: done, status truncated; an event after it is not read",
        REF + " §10.2 ([DONE] a harmless end marker, never required), §10.4 (truncated: no terminal event); " + RULES,
        stream([*events, "[DONE]", delta(3, "msg_a0", 0, " answer")], named=False),
        result("truncated", "Half an", response_id="resp_d0e1", model="perplexity/sonar", sequence_number=2, events=3, done=True, output=[message("msg_a0", "Half an", "in_progress")]),
    )  # fmt: skip


def build_accumulation(b: Any) -> None:
    # A compatible server that omits output_index and sends a null content_index: items keyed by item_id.
    snapshot = {
        "id": "resp_llama01",
        "object": "response",
        "created_at": 1783009000,
        "status": "in_progress",
        "model": "local/qwen3",
        "output": [],
    }
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        {"type": "response.output_item.added", "sequence_number": 1, "item": {"type": "message", "id": "msg_x", "role": "assistant", "status": "in_progress", "content": []}},
        {"type": "response.output_text.delta", "sequence_number": 2, "item_id": "msg_x", "content_index": None, "delta": "First"},
        {"type": "response.output_item.added", "sequence_number": 3, "item": {"type": "message", "id": "msg_y", "role": "assistant", "status": "in_progress", "content": []}},
        {"type": "response.output_text.delta", "sequence_number": 4, "item_id": "msg_y", "content_index": None, "delta": " second"},
        {"type": "response.output_text.delta", "sequence_number": 5, "item_id": "msg_x", "content_index": None, "delta": " answer,"},
        {"type": "response.output_text.delta", "sequence_number": 6, "item_id": "msg_y", "content_index": None, "delta": " answer."},
        {"type": "response.completed", "sequence_number": 7, "response": dict(snapshot, status="completed", output=[], usage=None)},
    ]  # fmt: skip
    add(
        b, "items-keyed-by-item-id", "a compatible server omits output_index and sends a null content_index: text goes to the item its item_id names",
        REF + " §8 (tontinton/maki PR #514; teabranch/open-responses-server#44), §10.7 (never index blindly); " + RULES,
        stream(events),
        result(
            "completed", "First answer, second answer.", response_id="resp_llama01", model="local/qwen3", sequence_number=7, events=8, done=True,
            output=[message("msg_x", "First answer,", "in_progress"), message("msg_y", " second answer.", "in_progress")],
        ),
    )  # fmt: skip

    # A .done text replaces the deltas; an item whose content is empty does not erase the text.
    snapshot = pplx_snapshot("resp_dn42")
    events = [
        {"type": "response.created", "sequence_number": 0, "response": snapshot},
        item_added(1, 0, empty_message("msg_h1")),
        delta(2, "msg_h1", 0, "Hel"),
        delta(3, "msg_h1", 0, "lo"),
        text_done(4, "msg_h1", 0, "Hello!"),
        item_done(5, 0, {"type": "message", "id": "msg_h1", "role": "assistant", "status": "completed", "content": []}),
        {"type": "response.completed", "sequence_number": 6, "response": final(snapshot, "completed", [], None)},
    ]
    add(
        b, "done-text-wins-empty-content-kept", "output_text.done's text replaces the deltas'; an output_item.done with empty content keeps the text",
        RULES + " (a .done event's whole text or item replaces what the deltas built, except that an empty content never erases received text)",
        stream(events, named=False),
        result("completed", "Hello!", response_id="resp_dn42", model="perplexity/sonar", sequence_number=6, events=7, done=True, output=[message("msg_h1", "Hello!", "completed")]),
    )  # fmt: skip


def build_resume(b: Any) -> None:
    source = REF + " §7 (resume with starting_after, or a replay from the start filtered locally), §10.12"
    add(
        b, "resume-replay-from-start", "R1 cut mid-event after sequence 6; the second connection replays from 0: the 7 events seen are dropped",
        source + "; openai/openai-node#1983 (the SDKs replay from the start)",
        cut_inside(R1_EVENTS[:7], R1_EVENTS[7], "[web:1]"),
        dict(R1_EXPECT, resumes=1, replayed=7),
        resumed=stream(R1_EVENTS)[0], example="R1",
    )  # fmt: skip
    add(
        b, "resume-replay-then-cut", "R1 resumed from 0 after sequence 6 and cut again after 7: the text, thoughts and queries once",
        source,
        stream(R1_EVENTS[:7]),
        result(
            "truncated", R1_TEXT, response_id=R1_ID, model=R1_MODEL, sequence_number=7, events=8, done=False,
            output=[message("msg_7a1f", R1_TEXT, "in_progress")], search_queries=[R1_QUERY], search_results=R1_RESULTS,
            thoughts=[R1_THOUGHT], citations=R1_CITATIONS, resumes=1, replayed=7,
        ),
        resumed=stream(R1_EVENTS[:8])[0], example="R1",
    )  # fmt: skip
    add(
        b, "resume-starting-after", "R1 cut after sequence 6; the second connection starts at 7 (starting_after=6): nothing replayed",
        source + " (a starting_after replay omits everything up to N, response.created included)",
        stream(R1_EVENTS[:7]),
        dict(R1_EXPECT, resumes=1),
        resumed=stream(R1_EVENTS[7:])[0], example="R1",
    )  # fmt: skip


def build_responses(b: Any) -> None:
    """Add every ``responses/`` fixture to ``b`` (a :class:`conformance.build_fixtures.Builder`)."""
    build_r1(b)
    build_openai(b)
    build_pplx(b)
    build_errors(b)
    build_robustness(b)
    build_accumulation(b)
    build_resume(b)
