# ruff: noqa: E501 - the example payloads are kept one event per line
"""Example Agent API and Responses API streams: the one copy that the fixture builder
(``fixtures/responses/``), the test suite, the benchmarks and the ``--agent`` demo use.

The payloads of §9 of ``shared/reference/agent-responses-wire.md`` (invented values, written
for that document) are transcribed event for event as Python objects: R1 (Perplexity, a
search then a cited answer), R2 (OpenAI, a function call), R3 (OpenAI, a nested ``error``
then ``response.failed``) and R4 (Perplexity, ``response.failed`` with the error at the top
level).  :func:`agent_stream` builds a longer Perplexity run of the same shape (search
activity, many text deltas with non-ASCII text and citation markers, a final
``response.completed`` with the full output), for the benchmarks and the demo.
:func:`frame` writes events as SSE, with or without ``event:`` lines (Perplexity's framing
is not established: §2).

Standard library only; no import of ``sse_pplx``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

Event = Dict[str, Any]

__all__ = [
    "R1_EVENTS", "R1_RESULTS", "R1_TEXT", "R1_USAGE", "R2_EVENTS", "R3_EVENTS", "R4_EVENTS",
    "agent_stream", "dumps", "frame",
]  # fmt: skip


def dumps(obj: Any) -> str:
    """Compact JSON with raw UTF-8, one line (how both vendors write an event)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def frame(events: Sequence[Any], *, named: bool = True, eol: str = "\n", done: bool = False) -> bytes:
    """SSE bytes: one ``data:`` line per event (a dict is dumped, a str sent as it is), with an
    ``event:`` line naming its ``type`` when ``named``; ``done`` appends ``data: [DONE]``."""
    out: List[str] = []
    for event in events:
        data = event if isinstance(event, str) else dumps(event)
        if named and isinstance(event, dict) and isinstance(event.get("type"), str):
            out.append(f"event: {event['type']}{eol}")
        out.append(f"data: {data}{eol}{eol}")
    if done:
        out.append(f"data: [DONE]{eol}{eol}")
    return "".join(out).encode("utf-8")


# -- R1: Perplexity, search then cited answer (§9.1) --------------------------------------------

R1_RESULTS = [
    {
        "id": 1,
        "url": "https://example.org/ile-vierge",
        "title": "Ile Vierge lighthouse",
        "snippet": "82.5 m, the tallest stone lighthouse in Europe.",
        "date": "2025-11-02",
        "last_updated": "2026-04-19",
        "source": "web",
    }
]
R1_TEXT = "It is 82.5 m tall [web:1]."
R1_USAGE = {
    "input_tokens": 2310,
    "output_tokens": 12,
    "total_tokens": 2322,
    "input_tokens_details": {"cache_read_input_tokens": 1024},
    "tool_calls_details": {"search_web": {"invocation": 1}},
    "cost": {
        "currency": "USD",
        "input_cost": 0.00289,
        "output_cost": 0.00012,
        "tool_calls_cost": 0.005,
        "total_cost": 0.00801,
    },
}
_R1_ID = "resp_5d0c2a7e"
_R1_SNAPSHOT = {
    "id": _R1_ID,
    "object": "response",
    "created_at": 1783000000,
    "model": "openai/gpt-5.5",
    "status": "in_progress",
    "output": [],
}
_R1_MESSAGE_DONE = {
    "type": "message",
    "id": "msg_7a1f",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": R1_TEXT, "annotations": []}],
}
R1_EVENTS: List[Event] = [
    {"type": "response.created", "sequence_number": 0, "response": _R1_SNAPSHOT},
    {"type": "response.reasoning.started", "sequence_number": 1, "thought": "Looking up current figures."},
    {"type": "response.reasoning.search_queries", "sequence_number": 2, "queries": ["tallest lighthouse Europe height"]},
    {"type": "response.reasoning.search_results", "sequence_number": 3, "results": R1_RESULTS},
    {"type": "response.reasoning.stopped", "sequence_number": 4},
    {"type": "response.output_item.added", "sequence_number": 5, "output_index": 1, "item": {"type": "message", "id": "msg_7a1f", "role": "assistant", "status": "in_progress", "content": []}},
    {"type": "response.output_text.delta", "sequence_number": 6, "item_id": "msg_7a1f", "output_index": 1, "content_index": 0, "delta": "It is 82.5 m tall"},
    {"type": "response.output_text.delta", "sequence_number": 7, "item_id": "msg_7a1f", "output_index": 1, "content_index": 0, "delta": " [web:1]."},
    {"type": "response.output_text.done", "sequence_number": 8, "item_id": "msg_7a1f", "output_index": 1, "content_index": 0, "text": R1_TEXT},
    {"type": "response.output_item.done", "sequence_number": 9, "output_index": 1, "item": _R1_MESSAGE_DONE},
    {
        "type": "response.completed",
        "sequence_number": 10,
        "response": {
            "id": _R1_ID, "object": "response", "created_at": 1783000000, "model": "openai/gpt-5.5", "status": "completed", "error": None,
            "output": [
                {"type": "search_results", "queries": ["tallest lighthouse Europe height"], "results": R1_RESULTS},
                {"type": "message", "id": "msg_7a1f", "role": "assistant", "status": "completed", "content": [{"type": "output_text", "text": R1_TEXT, "annotations": [], "logprobs": []}]},
            ],
            "usage": R1_USAGE,
        },
    },
]  # fmt: skip

# -- R2: OpenAI, a function call (§9.2) -----------------------------------------------------------

_R2_CALL = {
    "type": "function_call",
    "id": "fc_41d2",
    "call_id": "call_Qm7x",
    "name": "get_tide",
    "arguments": '{"port":"Brest"}',
    "status": "completed",
}
R2_EVENTS: List[Event] = [
    {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_0a9f3c", "object": "response", "created_at": 1783001000, "status": "in_progress", "model": "gpt-5.5", "output": [], "usage": None}},
    {"type": "response.output_item.added", "sequence_number": 1, "output_index": 0, "item": {"type": "function_call", "id": "fc_41d2", "call_id": "call_Qm7x", "name": "get_tide", "arguments": "", "status": "in_progress"}},
    {"type": "response.function_call_arguments.delta", "sequence_number": 2, "item_id": "fc_41d2", "output_index": 0, "delta": '{"port":"Br', "obfuscation": "k3Zq"},
    {"type": "response.function_call_arguments.delta", "sequence_number": 3, "item_id": "fc_41d2", "output_index": 0, "delta": 'est"}', "obfuscation": "Wp"},
    {"type": "response.function_call_arguments.done", "sequence_number": 4, "item_id": "fc_41d2", "output_index": 0, "name": "get_tide", "arguments": '{"port":"Brest"}'},
    {"type": "response.output_item.done", "sequence_number": 5, "output_index": 0, "item": _R2_CALL},
    {
        "type": "response.completed",
        "sequence_number": 6,
        "response": {
            "id": "resp_0a9f3c", "object": "response", "created_at": 1783001000, "completed_at": 1783001002, "status": "completed", "model": "gpt-5.5",
            "error": None, "incomplete_details": None, "output": [_R2_CALL],
            "usage": {"input_tokens": 88, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 19, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 107},
        },
    },
]  # fmt: skip

# -- R3: OpenAI, a nested error event then response.failed (§9.3) ----------------------------------

R3_EVENTS: List[Event] = [
    {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_77be01", "object": "response", "status": "in_progress", "model": "gpt-5.5", "output": []}},
    {"type": "response.output_item.added", "sequence_number": 1, "output_index": 0, "item": {"type": "message", "id": "msg_c3", "role": "assistant", "status": "in_progress", "content": []}},
    {"type": "response.content_part.added", "sequence_number": 2, "item_id": "msg_c3", "output_index": 0, "content_index": 0, "part": {"type": "output_text", "text": "", "annotations": []}},
    {"type": "response.output_text.delta", "sequence_number": 3, "item_id": "msg_c3", "output_index": 0, "content_index": 0, "delta": "Partial answer"},
    {"type": "error", "sequence_number": 4, "error": {"type": "server_error", "code": "server_error", "message": "The server had an error.", "param": None}},
    {"type": "response.failed", "sequence_number": 5, "response": {"id": "resp_77be01", "object": "response", "status": "failed", "model": "gpt-5.5", "error": {"code": "server_error", "message": "The server had an error."}, "output": [], "usage": None}},
]  # fmt: skip

# -- R4: Perplexity, response.failed with the error at the top level (§9.3) -------------------------

R4_EVENTS: List[Event] = [
    {"type": "response.created", "sequence_number": 0, "response": {"id": "resp_e2c4", "object": "response", "created_at": 1783003000, "model": "anthropic/claude-sonnet-4-6", "status": "in_progress", "output": []}},
    {"type": "response.failed", "sequence_number": 1, "error": {"message": "upstream model unavailable", "type": "internal_error", "code": "500"}},
]  # fmt: skip


# -- a long Perplexity run, for the benchmarks and the demo ------------------------------------------

_WORDS = (
    "Tides", " rise", " and", " fall", " twice", " a", " day", " because", " Earth", " rotates",
    " through", " two", " bulges", " —", " one", " facing", " the", " Moon", ",", " one",
    " opposite", " [web:1]", ".", " Les", " marées", " de", " vive-eau", " suivent", " la",
    " pleine", " lune", " [web:2]", ";", " 潮汐", " 是", " 月球", " 引力", " 造成", " 的", " [3]", ".",
)  # fmt: skip


def agent_stream(deltas: int = 3000, *, named: bool = True, seed_queries: int = 3) -> bytes:
    """A realistic Perplexity agent run: ``created``, ``in_progress``, search activity
    (queries, results, fetched pages), ``deltas`` text deltas (non-ASCII text and citation
    markers) and a final ``response.completed`` carrying the whole output and usage with cost."""
    events: List[Event] = []

    def add(event: Event) -> None:
        event["sequence_number"] = len(events)
        events.append(event)

    response_id = "resp_3f9a77c2"
    snapshot = {
        "id": response_id,
        "object": "response",
        "created_at": 1783100000,
        "model": "perplexity/sonar",
        "status": "in_progress",
        "output": [],
    }
    add({"type": "response.created", "response": snapshot})
    add({"type": "response.in_progress", "response": snapshot})
    results = [
        {
            "id": n,
            "url": f"https://tides{n}.example.org/article-{n}",
            "title": f"Tides, part {n}",
            "snippet": "Der Mond zieht das Wasser an — und die Erde dreht sich.",
            "date": "2026-03-0" + str(n % 9 + 1),
            "last_updated": None,
            "source": "web",
        }
        for n in range(1, 6)
    ]
    queries = [f"why two tides a day {n}" for n in range(seed_queries)]
    add({"type": "response.reasoning.started", "thought": "Searching for how tides work."})
    add({"type": "response.reasoning.search_queries", "queries": queries})
    add({"type": "response.reasoning.search_results", "results": results})
    add({"type": "response.reasoning.fetch_url_queries", "urls": [results[0]["url"]]})
    add(
        {
            "type": "response.reasoning.fetch_url_results",
            "contents": [{"url": results[0]["url"], "title": results[0]["title"], "snippet": "Tidal forces…"}],
        }
    )
    add({"type": "response.reasoning.stopped"})
    item_id = "msg_0c1d"
    add(
        {
            "type": "response.output_item.added",
            "output_index": 1,
            "item": {"type": "message", "id": item_id, "role": "assistant", "status": "in_progress", "content": []},
        }
    )
    pieces = [_WORDS[n % len(_WORDS)] for n in range(deltas)]
    for piece in pieces:
        add(
            {
                "type": "response.output_text.delta",
                "item_id": item_id,
                "output_index": 1,
                "content_index": 0,
                "delta": piece,
            }
        )
    text = "".join(pieces)
    add({"type": "response.output_text.done", "item_id": item_id, "output_index": 1, "content_index": 0, "text": text})
    message = {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    add({"type": "response.output_item.done", "output_index": 1, "item": message})
    usage = {
        "input_tokens": 4120,
        "output_tokens": deltas,
        "total_tokens": 4120 + deltas,
        "tool_calls_details": {"search_web": {"invocation": 1}, "fetch_url": {"invocation": 1}},
        "cost": {
            "currency": "USD",
            "input_cost": 0.00412,
            "output_cost": round(deltas * 1e-6, 6),
            "tool_calls_cost": 0.006,
            "total_cost": round(0.01012 + deltas * 1e-6, 6),
        },
    }
    final = dict(
        snapshot,
        status="completed",
        completed_at=1783100042,
        error=None,
        output=[{"type": "search_results", "queries": queries, "results": results}, message],
        usage=usage,
    )
    add({"type": "response.completed", "response": final})
    return frame(events, named=named)


def expected_text(deltas: int = 3000) -> str:
    """The answer :func:`agent_stream` carries."""
    return "".join(_WORDS[n % len(_WORDS)] for n in range(deltas))


def events_of(data: bytes) -> List[Optional[Event]]:
    """The JSON object of each ``data:`` line of a framed stream (None where it is not JSON)."""
    out: List[Optional[Event]] = []
    for line in data.decode("utf-8").split("\n"):
        if line.startswith("data: "):
            try:
                out.append(json.loads(line[6:]))
            except ValueError:
                out.append(None)
    return out
