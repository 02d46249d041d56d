"""Realistic chat-completion streams for the chat-layer tests, and the one way to feed them.

The example streams E1-E6 are transcribed payload for payload from
``shared/reference/perplexity-examples.md`` (themselves modelled on the captures cited in
perplexity-wire.md); every builder can frame them with CRLF (Perplexity's framing, wire
F2), LF, CR or a mix of all three, and with the last event cut off in the two ways a
connection can end early.  The variants the examples ask for (no ``[DONE]``, citations
only on the final chunk, a cumulative ``message``, ``finish_reason`` absent, spaced JSON,
``.chunk`` as the final object, raw UTF-8 instead of ``\\uXXXX``, the three keep-alive
forms, ...) are derived from the same payloads.

Every chat test that feeds bytes does it through :func:`all_ways` (or its two shorthands
:func:`collect_all_ways` and :func:`raises_all_ways`), which uses
:func:`tests.feeding.iter_chunkings` (the conformance kit's chunkings) to feed the stream
whole, byte by byte, at every split point (sampled for long streams), inside every multibyte
character, between every CR and LF, and in seeded random chunkings, and asserts that
every chunking gives the same result: read boundaries fall anywhere in real streams
(perplexity-wire.md F11, perplexityai/api-discussion#175).
"""

# ruff: noqa: E501  (the example payloads are kept byte for byte, one event per line)

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, List, Sequence, Tuple, TypeVar, Union

import sse_pplx
from tests.feeding import describe, iter_chunkings

T = TypeVar("T")

# --------------------------------------------------------------------------------------
# Framing
# --------------------------------------------------------------------------------------

#: The line-ending styles every fixture is built in.
EOLS = ("crlf", "lf", "cr", "mixed")

_PLAIN = {"crlf": "\r\n", "lf": "\n", "cr": "\r"}
#: (line end, blank-line end) per event for the "mixed" style.  A CR is never followed by
#: an LF that is meant as a separate line end, which would make them one CRLF.
_MIXED = [("\r\n", "\n"), ("\n", "\r\n"), ("\r", "\r"), ("\n", "\r"), ("\r\n", "\r\n"), ("\n", "\n")]

Block = Union[str, Sequence[str]]


def _ends(eol: str, k: int) -> Tuple[str, str]:
    if eol == "mixed":
        return _MIXED[k % len(_MIXED)]
    return _PLAIN[eol], _PLAIN[eol]


def frame(blocks: Sequence[Block], eol: str = "crlf", tail: str = "blank") -> bytes:
    """SSE bytes for ``blocks`` (each one line, or a sequence of lines, making one event).

    ``tail`` says how the last block ends: ``"blank"`` (its blank line, the normal case),
    ``"eol"`` (its last line ends, but the blank line never comes) or ``"none"`` (the
    connection dropped right after its last byte of data).
    """
    out: List[str] = []
    for k, block in enumerate(blocks):
        lines = [block] if isinstance(block, str) else list(block)
        line_end, blank_end = _ends(eol, k)
        last = k == len(blocks) - 1
        for j, line in enumerate(lines):
            if last and tail == "none" and j == len(lines) - 1:
                out.append(line)
            else:
                out.append(line + line_end)
        if not last or tail == "blank":
            out.append(blank_end)
    return "".join(out).encode("utf-8")


def data(payload: str) -> str:
    return "data: " + payload


def dumps(obj: Any, spaced: bool = False, ascii: bool = False) -> str:
    """JSON the way the server writes it: compact (2026) or ``json.dumps`` spaced (2024-25)."""
    return json.dumps(obj, separators=(", ", ": ") if spaced else (",", ":"), ensure_ascii=ascii)


def load(payload: str) -> Any:
    return json.loads(payload)


DONE = "data: [DONE]"

# --------------------------------------------------------------------------------------
# E1: sonar, 2025 "full" shape (object chat.completion everywhere, cumulative message,
# citations on every chunk, spaced JSON, \u00b0 escapes, no [DONE])
# --------------------------------------------------------------------------------------

E1_PAYLOADS = [
    r"""{"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 1, "total_tokens": 12}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water"}, "delta": {"role": "assistant", "content": "Water"}}]}""",
    r"""{"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water boils at"}, "delta": {"role": "assistant", "content": " boils at"}}]}""",
    r"""{"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water boils at 100 \u00b0C"}, "delta": {"role": "assistant", "content": " 100 \u00b0C"}}]}""",
    r"""{"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 12, "total_tokens": 23}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water boils at 100 \u00b0C (212 \u00b0F) at sea level[1][2]."}, "delta": {"role": "assistant", "content": " (212 \u00b0F) at sea level[1][2]."}}]}""",
    r"""{"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 12, "total_tokens": 23}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Water boils at 100 \u00b0C (212 \u00b0F) at sea level[1][2]."}, "delta": {"role": "assistant", "content": ""}}]}""",
]

E1_ID = "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17"
E1_TEXT = "Water boils at 100 \u00b0C (212 \u00b0F) at sea level[1][2]."
E1_CITATIONS = ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"]
E1_USAGE = {"prompt_tokens": 11, "completion_tokens": 12, "total_tokens": 23}


def e1_payloads(*, raw_utf8: bool = False, legacy: bool = False) -> List[str]:
    """E1's payloads; ``raw_utf8``: the twin with raw ``°`` (C2 B0) instead of ``\\u00b0``;
    ``legacy``: the 2024 variant (no ``citations``, a llama-3.1-sonar model id)."""
    if not raw_utf8 and not legacy:
        return list(E1_PAYLOADS)
    out = []
    for p in E1_PAYLOADS:
        d = load(p)
        if legacy:
            del d["citations"]
            d["model"] = "llama-3.1-sonar-small-128k-online"
        out.append(dumps(d, spaced=True, ascii=not raw_utf8))
    return out


def e1(eol: str = "crlf", *, raw_utf8: bool = False, legacy: bool = False, tail: str = "blank") -> bytes:
    return frame([data(p) for p in e1_payloads(raw_utf8=raw_utf8, legacy=legacy)], eol, tail)


# --------------------------------------------------------------------------------------
# E2: sonar, 2026 shape (chat.completion.chunk then chat.completion.done, cost in usage,
# search_results on the final chunk, compact JSON, raw UTF-8, [DONE])
# --------------------------------------------------------------------------------------

E2_PAYLOADS = [
    r"""{"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770000,"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Earth"},"finish_reason":null}]}""",
    r"""{"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770000,"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":" rotates through"},"finish_reason":null}]}""",
    r"""{"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770001,"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":" two tidal bulges — one facing the Moon"},"finish_reason":null}]}""",
    r"""{"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770002,"usage":{"prompt_tokens":9,"completion_tokens":16,"total_tokens":25,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":", one on the far side[1][3]."},"finish_reason":null}]}""",
    r"""{"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770002,"usage":{"prompt_tokens":9,"completion_tokens":16,"total_tokens":25,"search_context_size":"low","cost":{"input_tokens_cost":0.000009,"output_tokens_cost":0.000016,"request_cost":0.005,"total_cost":0.005025}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"search_results":[{"title":"How tides work","url":"https://docs.example.com/tides","date":"2025-11-02","last_updated":"2026-01-15","snippet":"Tides are the regular rise and fall of the sea surface caused by the Moon and Sun.","source":"web"},{"title":"Tides explained","url":"https://ocean.example.net/tides-explained","date":null,"last_updated":null,"snippet":"","source":"web"},{"title":"Tidal bulge","url":"https://en.example.org/wiki/Tidal_bulge","date":"2019-04-30","last_updated":"2025-12-01","snippet":"The ocean bulges toward and away from the Moon.","source":"web"}],"object":"chat.completion.done","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}""",
]

E2_ID = "9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005"
E2_TEXT = "Earth rotates through two tidal bulges \u2014 one facing the Moon, one on the far side[1][3]."
E2_CITATIONS = [
    "https://docs.example.com/tides",
    "https://ocean.example.net/tides-explained",
    "https://en.example.org/wiki/Tidal_bulge",
]


def e2_payloads(
    *,
    citations_every_chunk: bool = True,
    message: bool = False,
    finish_reason_absent: bool = False,
    spaced: bool = False,
    final_object: str = "chat.completion.done",
) -> List[str]:
    """E2's payloads and the variants (b)-(f) of the examples file."""
    if (citations_every_chunk, message, finish_reason_absent, spaced, final_object) == (
        True, False, False, False, "chat.completion.done",
    ):  # fmt: skip
        return list(E2_PAYLOADS)
    out = []
    so_far = ""
    for k, p in enumerate(E2_PAYLOADS):
        d = load(p)
        final = k == len(E2_PAYLOADS) - 1
        choice = d["choices"][0]
        so_far += choice["delta"]["content"]
        if not citations_every_chunk and not final:
            del d["citations"]
        if message:
            choice["message"] = {"role": "assistant", "content": so_far}
        if finish_reason_absent and choice["finish_reason"] is None:
            del choice["finish_reason"]
        if final:
            d["object"] = final_object
        out.append(dumps(d, spaced=spaced))
    return out


def e2(eol: str = "crlf", *, done: bool = True, tail: str = "blank", **variant: Any) -> bytes:
    blocks = [data(p) for p in e2_payloads(**variant)]
    if done:
        blocks.append(DONE)
    return frame(blocks, eol, tail)


# --------------------------------------------------------------------------------------
# E3: sonar-reasoning-pro, inline <think> with </think> split as "</th" + "ink>"
# --------------------------------------------------------------------------------------

E3_PAYLOADS = [
    r"""{"id": "c07e4b1d-5a92-4e3b-8f10-2d6a9b7c4e21", "model": "sonar-reasoning-pro", "created": 1760000000, "usage": {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://math.example.com/primes/2027"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "<think>\n"}, "delta": {"role": "assistant", "content": "<think>\n"}}]}""",
    r"""{"id": "c07e4b1d-5a92-4e3b-8f10-2d6a9b7c4e21", "model": "sonar-reasoning-pro", "created": 1760000000, "usage": {"prompt_tokens": 8, "completion_tokens": 21, "total_tokens": 29, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://math.example.com/primes/2027"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "<think>\nThe square root of 2027 is about 45, so I only need to test primes up to 43."}, "delta": {"role": "assistant", "content": "The square root of 2027 is about 45, so I only need to test primes up to 43."}}]}""",
    r"""{"id": "c07e4b1d-5a92-4e3b-8f10-2d6a9b7c4e21", "model": "sonar-reasoning-pro", "created": 1760000001, "usage": {"prompt_tokens": 8, "completion_tokens": 34, "total_tokens": 42, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://math.example.com/primes/2027"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "<think>\nThe square root of 2027 is about 45, so I only need to test primes up to 43. None divide it.\n</th"}, "delta": {"role": "assistant", "content": " None divide it.\n</th"}}]}""",
    r"""{"id": "c07e4b1d-5a92-4e3b-8f10-2d6a9b7c4e21", "model": "sonar-reasoning-pro", "created": 1760000001, "usage": {"prompt_tokens": 8, "completion_tokens": 37, "total_tokens": 45, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://math.example.com/primes/2027"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "<think>\nThe square root of 2027 is about 45, so I only need to test primes up to 43. None divide it.\n</think>\n\n"}, "delta": {"role": "assistant", "content": "ink>\n\n"}}]}""",
    r"""{"id": "c07e4b1d-5a92-4e3b-8f10-2d6a9b7c4e21", "model": "sonar-reasoning-pro", "created": 1760000002, "usage": {"prompt_tokens": 8, "completion_tokens": 49, "total_tokens": 57, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://math.example.com/primes/2027"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "<think>\nThe square root of 2027 is about 45, so I only need to test primes up to 43. None divide it.\n</think>\n\nYes \u2014 **2027 is prime**[1]."}, "delta": {"role": "assistant", "content": "Yes \u2014 **2027 is prime**[1]."}}]}""",
    r"""{"id": "c07e4b1d-5a92-4e3b-8f10-2d6a9b7c4e21", "model": "sonar-reasoning-pro", "created": 1760000002, "usage": {"prompt_tokens": 8, "completion_tokens": 49, "total_tokens": 57, "search_context_size": "low", "cost": {"input_tokens_cost": 1.6e-05, "output_tokens_cost": 0.000392, "request_cost": 0.006, "total_cost": 0.006408}}, "citations": ["https://math.example.com/primes/2027"], "search_results": [{"title": "2027 (number)", "url": "https://math.example.com/primes/2027", "date": null, "last_updated": "2025-09-30", "snippet": "2027 is a prime number.", "source": "web"}], "object": "chat.completion.done", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "<think>\nThe square root of 2027 is about 45, so I only need to test primes up to 43. None divide it.\n</think>\n\nYes \u2014 **2027 is prime**[1]."}, "delta": {"role": "assistant", "content": ""}}]}""",
]

E3_REASONING = "The square root of 2027 is about 45, so I only need to test primes up to 43. None divide it."
E3_ANSWER = "Yes \u2014 **2027 is prime**[1]."
E3_CONTENT = "<think>\n" + E3_REASONING + "\n</think>\n\n" + E3_ANSWER


def with_deltas(payloads: Sequence[str], deltas: Sequence[str], spaced: bool = True) -> List[str]:
    """The same chunks with other ``delta.content`` values (and a matching cumulative
    ``message`` where the chunk has one)."""
    assert len(payloads) == len(deltas)
    out = []
    so_far = ""
    for p, piece in zip(payloads, deltas):
        d = load(p)
        choice = d["choices"][0]
        so_far += piece
        choice["delta"]["content"] = piece
        if "message" in choice:
            choice["message"]["content"] = so_far
        out.append(dumps(d, spaced=spaced))
    return out


#: E3 with no ``</think>`` at all (community.perplexity.ai: "Reasoning not always
#: correctly enclosed"): everything after ``<think>`` is reasoning.
E3_UNCLOSED_DELTAS = [
    "<think>\n",
    "The square root of 2027 is about 45, so I only need to test primes up to 43.",
    " None divide it.\n\n",
    "Yes \u2014 **2027 is prime**[1].",
    "",
    "",
]
#: E3 with ``response_format: json_schema``: a JSON answer follows ``</think>``.
E3_JSON_ANSWER = '{"number": 2027, "prime": true}'
E3_JSON_DELTAS = [
    "<think>\n",
    "The square root of 2027 is about 45, so I only need to test primes up to 43.",
    " None divide it.\n</th",
    "ink>\n\n",
    E3_JSON_ANSWER,
    "",
]


def e3(eol: str = "crlf", *, deltas: Sequence[str] | None = None, tail: str = "blank") -> bytes:
    payloads = E3_PAYLOADS if deltas is None else with_deltas(E3_PAYLOADS, deltas)
    return frame([data(p) for p in payloads], eol, tail)


# --------------------------------------------------------------------------------------
# E4: sonar-pro with max_tokens 8, finish_reason "length" (and the "stop" twin that
# api-discussion #249/#250 saw on text cut mid-sentence)
# --------------------------------------------------------------------------------------

E4_PAYLOADS = [
    r"""{"id": "5e2d8a40-1f6b-47c9-93d2-a8b0e6c15f3e", "model": "sonar-pro", "created": 1765000000, "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://history.example.com/gutenberg"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "delta": {"role": "assistant", "content": "The printing press"}}]}""",
    r"""{"id": "5e2d8a40-1f6b-47c9-93d2-a8b0e6c15f3e", "model": "sonar-pro", "created": 1765000000, "usage": {"prompt_tokens": 9, "completion_tokens": 8, "total_tokens": 17, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://history.example.com/gutenberg"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "delta": {"role": "assistant", "content": ", invented around 1440 by"}}]}""",
    r"""{"id": "5e2d8a40-1f6b-47c9-93d2-a8b0e6c15f3e", "model": "sonar-pro", "created": 1765000000, "usage": {"prompt_tokens": 9, "completion_tokens": 8, "total_tokens": 17, "search_context_size": "low", "cost": {"input_tokens_cost": 2.7e-05, "output_tokens_cost": 0.00012, "request_cost": 0.006, "total_cost": 0.006147}}, "citations": ["https://history.example.com/gutenberg"], "search_results": [{"title": "Gutenberg and the press", "url": "https://history.example.com/gutenberg", "date": "2024-03-12", "last_updated": "2025-10-04", "snippet": "Johannes Gutenberg's movable-type press...", "source": "web"}], "object": "chat.completion.done", "choices": [{"index": 0, "finish_reason": "length", "delta": {"role": "assistant", "content": ""}}]}""",
]

E4_TEXT = "The printing press, invented around 1440 by"


def e4(eol: str = "crlf", *, finish_reason: str = "length") -> bytes:
    payloads = list(E4_PAYLOADS)
    if finish_reason != "length":
        d = load(payloads[-1])
        d["choices"][0]["finish_reason"] = finish_reason
        payloads[-1] = dumps(d, spaced=True)
    return frame([data(p) for p in payloads], eol)


# --------------------------------------------------------------------------------------
# E5: sonar-deep-research: keep-alives, a research chunk without choices/usage, rich
# usage, [DONE]
# --------------------------------------------------------------------------------------

E5_PAYLOADS = [
    r"""{"id": "d41f0c77-8e25-4b9a-a3c6-0f9e2b5d7a18", "model": "sonar-deep-research", "created": 1771000000, "object": "chat.completion.chunk"}""",
    r"""{"id": "d41f0c77-8e25-4b9a-a3c6-0f9e2b5d7a18", "model": "sonar-deep-research", "created": 1771000180, "usage": {"prompt_tokens": 14, "completion_tokens": 2, "total_tokens": 16}, "citations": ["https://energy.example.gov/report-2025", "https://journal.example.org/grid-storage"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "delta": {"role": "assistant", "content": "# Grid"}}]}""",
    r"""{"id": "d41f0c77-8e25-4b9a-a3c6-0f9e2b5d7a18", "model": "sonar-deep-research", "created": 1771000180, "usage": {"prompt_tokens": 14, "completion_tokens": 5, "total_tokens": 19}, "citations": ["https://energy.example.gov/report-2025", "https://journal.example.org/grid-storage"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "delta": {"role": "assistant", "content": " storage in 2025\n\n"}}]}""",
    r"""{"id": "d41f0c77-8e25-4b9a-a3c6-0f9e2b5d7a18", "model": "sonar-deep-research", "created": 1771000195, "usage": {"prompt_tokens": 14, "completion_tokens": 1840, "total_tokens": 1854, "citation_tokens": 9120, "num_search_queries": 12, "reasoning_tokens": 15230, "cost": {"input_tokens_cost": 2.8e-05, "output_tokens_cost": 0.01472, "citation_tokens_cost": 0.01824, "reasoning_tokens_cost": 0.04569, "search_queries_cost": 0.06, "total_cost": 0.138678}}, "citations": ["https://energy.example.gov/report-2025", "https://journal.example.org/grid-storage"], "search_results": [{"title": "Energy storage report 2025", "url": "https://energy.example.gov/report-2025", "date": "2025-06-01", "last_updated": "2025-06-20", "snippet": "Installed battery capacity grew...", "source": "web"}, {"title": "Long-duration grid storage", "url": "https://journal.example.org/grid-storage", "date": "2025-02-14", "last_updated": null, "snippet": "", "source": "web"}], "object": "chat.completion.done", "choices": [{"index": 0, "finish_reason": "stop", "delta": {"role": "assistant", "content": ""}}]}""",
]

E5_TEXT = "# Grid storage in 2025\n\n"

#: The three keep-alive forms the examples file asks for (their byte form is not recorded).
PING_FORMS = {
    "comment": ": ping",
    "event": ("event: ping", "data:"),
    "data": "data: ping",
}


def e5(eol: str = "crlf", *, ping: str = "comment", done: bool = True) -> bytes:
    p: Block = PING_FORMS[ping]
    research, first, second, final = E5_PAYLOADS
    blocks: List[Block] = [p, p, data(research), p, data(first), data(second), data(final)]
    if done:
        blocks.append(DONE)
    return frame(blocks, eol)


# --------------------------------------------------------------------------------------
# E6: failures inside a 200 stream
# --------------------------------------------------------------------------------------

E6D_PARTIAL = (
    '{"id":"77aa0c1e-5d21-4c0b-9e6f-2a8b4c6d8e01","object":"chat.completion.chunk",'
    '"choices":[{"index":0,"delta":{"role":"assistant","content":"Partial"},"finish_reason":null}]}'
)
E6D_CUT = '{"id":"77aa0c1e-5d21-4c0b-9e6f-2a8b4c6d8e01","object":"chat.comp'


def e6d(eol: str = "crlf", *, soft: bool = False) -> bytes:
    """200, one chunk, then the connection drops mid-event (``soft``: a clean end right
    after the chunk, still with no ``finish_reason`` and no ``[DONE]``)."""
    if soft:
        return frame([data(E6D_PARTIAL)], eol)
    return frame([data(E6D_PARTIAL), data(E6D_CUT)], eol, tail="none")


E6E_CHUNK = (
    '{"id":"0b6e8c1f-2a3d-4e5f-8a9b-0c1d2e3f4a5b","model":"sonar","created":1770000000,'
    '"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},'
    '"finish_reason":null}]}'
)
E6E_ERROR = '{"error":{"message":"upstream model failure","type":"server_error","code":500}}'


def e6e(eol: str = "crlf", *, named: bool = True) -> bytes:
    """A chunk, then an error: ``event: error`` (what both official SDKs handle), or the
    in-band ``{"error": ...}`` payload with no event name (what openai-python raises for)."""
    err: Block = ("event: error", data(E6E_ERROR)) if named else data(E6E_ERROR)
    return frame([data(E6E_CHUNK), err], eol)


# --------------------------------------------------------------------------------------
# Other dialects
# --------------------------------------------------------------------------------------

#: OpenAI's own shape: role only in the first delta, an empty delta with finish_reason,
#: then (stream_options.include_usage) a usage chunk with empty choices, then [DONE].
OPENAI_PAYLOADS = [
    '{"id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1727000000,"model":"gpt-4o-mini",'
    '"system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"role":"assistant","content":"",'
    '"refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}',
    '{"id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1727000000,"model":"gpt-4o-mini",'
    '"system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,'
    '"finish_reason":null}],"usage":null}',
    '{"id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1727000000,"model":"gpt-4o-mini",'
    '"system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{"content":"! How can I help?"},'
    '"logprobs":null,"finish_reason":null}],"usage":null}',
    '{"id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1727000000,"model":"gpt-4o-mini",'
    '"system_fingerprint":"fp_0ba0d124f1","choices":[{"index":0,"delta":{},"logprobs":null,'
    '"finish_reason":"stop"}],"usage":null}',
    '{"id":"chatcmpl-AbC123","object":"chat.completion.chunk","created":1727000000,"model":"gpt-4o-mini",'
    '"system_fingerprint":"fp_0ba0d124f1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":6,'
    '"total_tokens":15}}',
]
OPENAI_TEXT = "Hello! How can I help?"


def openai_stream(eol: str = "lf") -> bytes:
    return frame([data(p) for p in OPENAI_PAYLOADS] + ["data: [DONE]"], eol)


#: Perplexity's concise stream mode (docs "Stream Mode: Concise vs Full"): reasoning
#: stages as chat.reasoning / chat.reasoning.done, then content chunks with no cumulative
#: message, metadata only on the *.done chunks.
CONCISE_PAYLOADS = [
    '{"id":"5c1f0e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f","model":"sonar-pro","created":1771100000,'
    '"object":"chat.reasoning","choices":[{"index":0,"delta":{"role":"assistant","content":"",'
    '"reasoning_steps":[{"thought":"Looking up tide mechanics.","type":"web_search",'
    '"web_search":{"search_keywords":["two high tides a day"],"search_results":[]}}]},"finish_reason":null}]}',
    '{"id":"5c1f0e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f","model":"sonar-pro","created":1771100001,'
    '"object":"chat.reasoning.done","citations":["https://docs.example.com/tides"],'
    '"search_results":[{"title":"How tides work","url":"https://docs.example.com/tides","date":null,'
    '"last_updated":null,"snippet":"","source":"web"}],'
    '"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
    '{"id":"5c1f0e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f","model":"sonar-pro","created":1771100002,'
    '"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Two bulges"},'
    '"finish_reason":null}]}',
    '{"id":"5c1f0e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f","model":"sonar-pro","created":1771100002,'
    '"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant",'
    '"content":" cause two tides[1]."},"finish_reason":null}]}',
    '{"id":"5c1f0e2d-3b4a-4c5d-8e9f-0a1b2c3d4e5f","model":"sonar-pro","created":1771100003,'
    '"object":"chat.completion.done","usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16},'
    '"citations":["https://docs.example.com/tides"],'
    '"search_results":[{"title":"How tides work","url":"https://docs.example.com/tides","date":"2025-11-02",'
    '"last_updated":"2026-01-15","snippet":"Tides are the regular rise and fall of the sea.","source":"web"}],'
    '"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}',
]
CONCISE_TEXT = "Two bulges cause two tides[1]."


def concise_stream(eol: str = "crlf") -> bytes:
    return frame([data(p) for p in CONCISE_PAYLOADS], eol)


#: The named-event dialect: ``event: text_chunk`` pieces (a JSON object with text /
#: content / delta, or plain text), then ``event: done`` with the full answer and metadata.
NAMED_TEXT = "Hello, wonderful world!"
NAMED_CITATIONS = ["https://a.example.com/1", "https://b.example.com/2"]
NAMED_USAGE = {"prompt_tokens": 5, "completion_tokens": 6, "total_tokens": 11}
NAMED_DONE = {
    "text": NAMED_TEXT,
    "citations": NAMED_CITATIONS,
    "search_results": [{"title": "A", "url": "https://a.example.com/1", "date": None}],
    "usage": NAMED_USAGE,
}


def named_blocks(done_key: str = "text") -> List[Block]:
    done = dict(NAMED_DONE)
    done[done_key] = done.pop("text")
    return [
        ("event: text_chunk", data('{"text": "Hello"}')),
        ("event: text_chunk", data('{"content": ", wonder"}')),
        ("event: text_chunk", data('{"delta": "ful "}')),
        ("event: text_chunk", data("world!")),
        ("event: done", data(dumps(done))),
    ]


def named_stream(eol: str = "crlf", done_key: str = "text") -> bytes:
    return frame(named_blocks(done_key), eol)


# --------------------------------------------------------------------------------------
# Small builders for hand-made streams
# --------------------------------------------------------------------------------------


def chunk(
    content: str | None = None,
    *,
    finish_reason: str | None = None,
    role: str | None = None,
    index: int = 0,
    message: str | None = None,
    delta: dict | None = None,
    **top: Any,
) -> str:
    """One chunk's JSON (compact): ``content`` goes into ``delta.content``; ``top`` adds
    top-level fields (``usage=...``, ``citations=...``, ``id=...``)."""
    d: dict = {} if delta is None else dict(delta)
    if role is not None:
        d["role"] = role
    if content is not None:
        d["content"] = content
    choice: dict = {"index": index, "delta": d, "finish_reason": finish_reason}
    if message is not None:
        choice["message"] = {"role": "assistant", "content": message}
    obj = {"id": top.pop("id", "req-1"), "object": top.pop("object", "chat.completion.chunk"), **top}
    obj["choices"] = [choice]
    return dumps(obj)


def stream(*payloads: str, eol: str = "lf", done: bool = False, tail: str = "blank") -> bytes:
    """Unnamed ``data:`` events, one per payload (optionally ``[DONE]`` after them)."""
    blocks: List[Block] = [data(p) for p in payloads]
    if done:
        blocks.append(DONE)
    return frame(blocks, eol, tail)


# --------------------------------------------------------------------------------------
# Feeding every way
# --------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """Chat objects and records to plain JSON data, for comparisons."""
    return json.loads(json.dumps(value, default=lambda o: o.to_dict() if hasattr(o, "to_dict") else repr(o)))


def snapshot(result: Any) -> dict:
    """Everything a ChatResult says, as data (``to_dict()`` plus the per-choice view)."""
    return {**result.to_dict(), "choices": plain(result.choices)}


def exc_key(exc: BaseException) -> dict:
    """What must not depend on the chunking when a stream fails."""
    key: dict = {"type": type(exc).__name__}
    partial = getattr(exc, "partial", None)
    key["partial"] = None if partial is None else snapshot(partial)
    for attr in ("body", "raw", "event_index", "limit", "value"):
        if hasattr(exc, attr):
            key[attr] = getattr(exc, attr)
    return key


def all_ways(data_: bytes, run: Callable[[List[bytes]], T], key: Callable[[T], Any] = lambda x: x) -> T:
    """``run(chunks)`` for every chunking of ``data_``; all must agree (by ``key``).

    Returns the first run's value.  An exception from any run fails the test, naming the
    chunking.
    """
    assert isinstance(data_, bytes)
    ref: Any = None
    ref_name = ""
    first: Any = None
    for name, chunks in iter_chunkings(data_):
        assert b"".join(chunks) == data_
        try:
            out = run(chunks)
        except Exception as exc:
            raise AssertionError(f"{describe(name, chunks)}: raised {type(exc).__name__}: {exc}") from exc
        k = key(out)
        if ref_name == "":
            ref, ref_name, first = k, name, out
        elif k != ref:
            raise AssertionError(
                f"chunking changed the result\n{describe(name, chunks)}:\n  {k!r}\n'{ref_name}':\n  {ref!r}"
            )
    return first


def collect_all_ways(data_: bytes, **kw: Any) -> Any:
    """``sse_pplx.collect_chat`` for every chunking; all results identical; returns one."""
    return all_ways(data_, lambda chunks: sse_pplx.collect_chat(chunks, **kw), snapshot)


def raises_all_ways(
    data_: bytes,
    exc_type: type,
    run: Callable[[List[bytes]], Any] | None = None,
    **kw: Any,
) -> Any:
    """Every chunking must raise exactly ``exc_type`` with the same partial result (and
    body / raw / event_index / limit); returns the first exception."""
    if run is None:

        def run(chunks: List[bytes]) -> Any:
            return sse_pplx.collect_chat(chunks, **kw)

    ref: Any = None
    ref_name = ""
    first: Any = None
    for name, chunks in iter_chunkings(data_):
        try:
            run(chunks)
        except exc_type as exc:
            assert type(exc) is exc_type, f"{describe(name, chunks)}: {type(exc).__name__}, not {exc_type.__name__}"
            k = exc_key(exc)
            if ref_name == "":
                ref, ref_name, first = k, name, exc
            elif k != ref:
                raise AssertionError(
                    f"chunking changed the failure\n{describe(name, chunks)}:\n  {k!r}\n'{ref_name}':\n  {ref!r}"
                ) from exc
            continue
        except Exception as exc:
            raise AssertionError(
                f"{describe(name, chunks)}: raised {type(exc).__name__}: {exc}, expected {exc_type.__name__}"
            ) from exc
        raise AssertionError(f"{describe(name, chunks)}: did not raise {exc_type.__name__}")
    return first


def source(chunks: Iterable[bytes]) -> Any:
    """A one-shot generator over ``chunks`` (a network body is not re-iterable)."""
    yield from chunks


async def asource(chunks: Iterable[bytes]) -> Any:
    for c in chunks:
        yield c
