# ruff: noqa: E501 - the example payloads are kept byte for byte, one event per line
"""The example chat streams E1-E5 of ``shared/reference/perplexity-examples.md``, payload for
payload: the one copy that the fixture builder (``conformance/build_fixtures.py``, the
``chat/`` and ``recorded/`` fixtures) and the test suite (``tests/chat_streams.py``) both use.

Each example is its list of payloads (the JSON after ``data: ``, as transcribed: spaced JSON
with ``\\uXXXX`` escapes for the 2025 shapes, compact raw UTF-8 for the 2026 one), the variants
the examples file asks for, derived from them (``e1_chunks(legacy=True)``,
``e2_chunks(message=True)``, ``e3_chunks(parts)``, ...), and the facts a reader of the stream must
find in it (text, citations, search results, usage), written out by hand.  How the payloads
are framed (line endings, pings, a cut-off end) is each user's business.

Standard library only; no import of ``sse_pplx``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence

__all__ = [
    "E1_PAYLOADS", "E2_PAYLOADS", "E3_PAYLOADS", "E4_PAYLOADS", "E5_PAYLOADS",
    "dumps", "e1_chunks", "e1_payloads", "e2_chunks", "e2_payloads", "e3_chunks", "e4_chunks", "with_deltas",
]  # fmt: skip

Chunk = Dict[str, Any]


def dumps(obj: Any, spaced: bool = False, ascii: bool = False) -> str:
    """JSON the way the server writes it: compact (2026) or ``json.dumps`` spaced (2024-25)."""
    return json.dumps(obj, separators=(", ", ": ") if spaced else (",", ":"), ensure_ascii=ascii)


def _chunks(payloads: Sequence[str]) -> List[Chunk]:
    return [json.loads(p) for p in payloads]


def with_deltas(chunks: Sequence[Chunk], deltas: Sequence[str]) -> List[Chunk]:
    """The same chunks with other ``delta.content`` values (and a matching cumulative
    ``message`` where the chunk has one)."""
    assert len(chunks) == len(deltas)
    out = []
    so_far = ""
    for chunk, piece in zip(chunks, deltas):
        d = json.loads(json.dumps(chunk))
        choice = d["choices"][0]
        so_far += piece
        choice["delta"]["content"] = piece
        if "message" in choice:
            choice["message"]["content"] = so_far
        out.append(d)
    return out


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
E1_PARTS = ["Water", " boils at", " 100 \u00b0C", " (212 \u00b0F) at sea level[1][2]."]
E1_TEXT = "Water boils at 100 \u00b0C (212 \u00b0F) at sea level[1][2]."
E1_CITATIONS = ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"]
E1_USAGE = {"prompt_tokens": 11, "completion_tokens": 12, "total_tokens": 23}
#: The 2024 variant (E1 note): no ``citations``, a llama-3.1-sonar model id.
E1_LEGACY_MODEL = "llama-3.1-sonar-small-128k-online"
E1_LEGACY_CREATED = 1723902901


def e1_chunks(*, legacy: bool = False) -> List[Chunk]:
    """E1's chunks; ``legacy``: the 2024 variant (no ``citations``, a llama-3.1-sonar model id)."""
    out = _chunks(E1_PAYLOADS)
    if legacy:
        for d in out:
            del d["citations"]
            d["model"] = E1_LEGACY_MODEL
            d["created"] = E1_LEGACY_CREATED
    return out


def e1_payloads(*, raw_utf8: bool = False, legacy: bool = False) -> List[str]:
    """E1's payloads; ``raw_utf8``: the twin with raw ``\u00b0`` (C2 B0) instead of ``\\u00b0``;
    ``legacy``: the 2024 variant."""
    if not raw_utf8 and not legacy:
        return list(E1_PAYLOADS)
    return [dumps(d, spaced=True, ascii=not raw_utf8) for d in e1_chunks(legacy=legacy)]


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
E2_PARTS = ["Earth", " rotates through", " two tidal bulges \u2014 one facing the Moon", ", one on the far side[1][3]."]
E2_TEXT = "Earth rotates through two tidal bulges \u2014 one facing the Moon, one on the far side[1][3]."
E2_CITATIONS = [
    "https://docs.example.com/tides",
    "https://ocean.example.net/tides-explained",
    "https://en.example.org/wiki/Tidal_bulge",
]
E2_SEARCH_RESULTS = [
    {
        "title": "How tides work",
        "url": "https://docs.example.com/tides",
        "date": "2025-11-02",
        "last_updated": "2026-01-15",
        "snippet": "Tides are the regular rise and fall of the sea surface caused by the Moon and Sun.",
        "source": "web",
    },
    {
        "title": "Tides explained",
        "url": "https://ocean.example.net/tides-explained",
        "date": None,
        "last_updated": None,
        "snippet": "",
        "source": "web",
    },
    {
        "title": "Tidal bulge",
        "url": "https://en.example.org/wiki/Tidal_bulge",
        "date": "2019-04-30",
        "last_updated": "2025-12-01",
        "snippet": "The ocean bulges toward and away from the Moon.",
        "source": "web",
    },
]
E2_FINAL_USAGE = {
    "prompt_tokens": 9,
    "completion_tokens": 16,
    "total_tokens": 25,
    "search_context_size": "low",
    "cost": {
        "input_tokens_cost": 0.000009,
        "output_tokens_cost": 0.000016,
        "request_cost": 0.005,
        "total_cost": 0.005025,
    },
}


def e2_chunks(
    *,
    citations_every_chunk: bool = True,
    message: bool = False,
    finish_reason_absent: bool = False,
    final_object: str = "chat.completion.done",
) -> List[Chunk]:
    """E2's chunks and the variants (b)-(f) of the examples file: citations on the final chunk
    only, a cumulative ``message`` in every choice (after ``delta``), ``finish_reason`` absent
    from the non-final chunks, another final ``object``."""
    out = _chunks(E2_PAYLOADS)
    so_far = ""
    for k, d in enumerate(out):
        final = k == len(out) - 1
        choice = d["choices"][0]
        so_far += choice["delta"]["content"]
        if not citations_every_chunk and not final:
            del d["citations"]
        if message:
            finish = choice.pop("finish_reason")
            choice["message"] = {"role": "assistant", "content": so_far}
            choice["finish_reason"] = finish
        if finish_reason_absent and not final:
            del choice["finish_reason"]
        if final:
            d["object"] = final_object
    return out


def e2_payloads(*, spaced: bool = False, **variant: Any) -> List[str]:
    """E2's payloads (as transcribed), or a variant (:func:`e2_chunks`), compact or ``spaced``."""
    if not variant and not spaced:
        return list(E2_PAYLOADS)
    return [dumps(d, spaced=spaced) for d in e2_chunks(**variant)]


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

E3_ID = "c07e4b1d-5a92-4e3b-8f10-2d6a9b7c4e21"
E3_CITATIONS = ["https://math.example.com/primes/2027"]
E3_REASONING = "The square root of 2027 is about 45, so I only need to test primes up to 43. None divide it."
E3_ANSWER = "Yes \u2014 **2027 is prime**[1]."
E3_PARTS = [
    "<think>\n",
    "The square root of 2027 is about 45, so I only need to test primes up to 43.",
    " None divide it.\n</th",
    "ink>\n\n",
    E3_ANSWER,
]
E3_CONTENT = "<think>\n" + E3_REASONING + "\n</think>\n\n" + E3_ANSWER
E3_SEARCH_RESULTS = [
    {
        "title": "2027 (number)",
        "url": "https://math.example.com/primes/2027",
        "date": None,
        "last_updated": "2025-09-30",
        "snippet": "2027 is a prime number.",
        "source": "web",
    }
]
E3_FINAL_USAGE = {
    "prompt_tokens": 8,
    "completion_tokens": 49,
    "total_tokens": 57,
    "search_context_size": "low",
    "cost": {
        "input_tokens_cost": 1.6e-05,
        "output_tokens_cost": 0.000392,
        "request_cost": 0.006,
        "total_cost": 0.006408,
    },
}


def e3_chunks(parts: Optional[Sequence[str]] = None, *, final: bool = True) -> List[Chunk]:
    """E3's chunks; with ``parts``, the first ``len(parts)`` content chunks carry those deltas
    instead (their cumulative ``message`` to match), then (``final``) the final chunk."""
    chunks = _chunks(E3_PAYLOADS)
    if parts is None:
        return chunks if final else chunks[:-1]
    if final:
        return with_deltas([*chunks[: len(parts)], chunks[-1]], [*parts, ""])
    return with_deltas(chunks[: len(parts)], parts)


# --------------------------------------------------------------------------------------
# E4: sonar-pro with max_tokens 8, finish_reason "length" (and the "stop" twin that
# api-discussion #249/#250 saw on text cut mid-sentence)
# --------------------------------------------------------------------------------------

E4_PAYLOADS = [
    r"""{"id": "5e2d8a40-1f6b-47c9-93d2-a8b0e6c15f3e", "model": "sonar-pro", "created": 1765000000, "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://history.example.com/gutenberg"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "delta": {"role": "assistant", "content": "The printing press"}}]}""",
    r"""{"id": "5e2d8a40-1f6b-47c9-93d2-a8b0e6c15f3e", "model": "sonar-pro", "created": 1765000000, "usage": {"prompt_tokens": 9, "completion_tokens": 8, "total_tokens": 17, "search_context_size": "low", "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0}}, "citations": ["https://history.example.com/gutenberg"], "object": "chat.completion.chunk", "choices": [{"index": 0, "finish_reason": null, "delta": {"role": "assistant", "content": ", invented around 1440 by"}}]}""",
    r"""{"id": "5e2d8a40-1f6b-47c9-93d2-a8b0e6c15f3e", "model": "sonar-pro", "created": 1765000000, "usage": {"prompt_tokens": 9, "completion_tokens": 8, "total_tokens": 17, "search_context_size": "low", "cost": {"input_tokens_cost": 2.7e-05, "output_tokens_cost": 0.00012, "request_cost": 0.006, "total_cost": 0.006147}}, "citations": ["https://history.example.com/gutenberg"], "search_results": [{"title": "Gutenberg and the press", "url": "https://history.example.com/gutenberg", "date": "2024-03-12", "last_updated": "2025-10-04", "snippet": "Johannes Gutenberg's movable-type press...", "source": "web"}], "object": "chat.completion.done", "choices": [{"index": 0, "finish_reason": "length", "delta": {"role": "assistant", "content": ""}}]}""",
]

E4_ID = "5e2d8a40-1f6b-47c9-93d2-a8b0e6c15f3e"
E4_TEXT = "The printing press, invented around 1440 by"
E4_CITATIONS = ["https://history.example.com/gutenberg"]
E4_SEARCH_RESULTS = [
    {
        "title": "Gutenberg and the press",
        "url": "https://history.example.com/gutenberg",
        "date": "2024-03-12",
        "last_updated": "2025-10-04",
        "snippet": "Johannes Gutenberg's movable-type press...",
        "source": "web",
    }
]
E4_FINAL_USAGE = {
    "prompt_tokens": 9,
    "completion_tokens": 8,
    "total_tokens": 17,
    "search_context_size": "low",
    "cost": {
        "input_tokens_cost": 2.7e-05,
        "output_tokens_cost": 0.00012,
        "request_cost": 0.006,
        "total_cost": 0.006147,
    },
}


def e4_chunks(finish_reason: str = "length") -> List[Chunk]:
    """E4's chunks, the final one with ``finish_reason``."""
    out = _chunks(E4_PAYLOADS)
    out[-1]["choices"][0]["finish_reason"] = finish_reason
    return out


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

E5_ID = "d41f0c77-8e25-4b9a-a3c6-0f9e2b5d7a18"
E5_TEXT = "# Grid storage in 2025\n\n"
E5_CITATIONS = ["https://energy.example.gov/report-2025", "https://journal.example.org/grid-storage"]
E5_SEARCH_RESULTS = [
    {
        "title": "Energy storage report 2025",
        "url": "https://energy.example.gov/report-2025",
        "date": "2025-06-01",
        "last_updated": "2025-06-20",
        "snippet": "Installed battery capacity grew...",
        "source": "web",
    },
    {
        "title": "Long-duration grid storage",
        "url": "https://journal.example.org/grid-storage",
        "date": "2025-02-14",
        "last_updated": None,
        "snippet": "",
        "source": "web",
    },
]
E5_FINAL_USAGE = {
    "prompt_tokens": 14,
    "completion_tokens": 1840,
    "total_tokens": 1854,
    "citation_tokens": 9120,
    "num_search_queries": 12,
    "reasoning_tokens": 15230,
    "cost": {
        "input_tokens_cost": 2.8e-05,
        "output_tokens_cost": 0.01472,
        "citation_tokens_cost": 0.01824,
        "reasoning_tokens_cost": 0.04569,
        "search_queries_cost": 0.06,
        "total_cost": 0.138678,
    },
}
