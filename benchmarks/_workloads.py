"""Deterministic SSE workloads and chunkings for the parser benchmark.

Every workload is generated from a fixed seed, so two runs (or two machines) feed
the parsers exactly the same bytes. Each workload also carries the list of
``(event, data)`` pairs a spec-conforming parser must produce: that is the ground
truth every adapter's output is checked against before anything is timed.

Workloads:

* ``perplexity-lf`` / ``perplexity-crlf``: 5,000 ``data: {json}`` events of
  300-400 bytes, shaped like Perplexity ``chat.completion.chunk`` objects with
  non-ASCII delta text (accents, CJK, emoji), then a final chunk carrying
  ``search_results``, ``citations`` and ``usage`` with ``finish_reason: "stop"``,
  then ``data: [DONE]`` (shapes from /work/shared/reference/perplexity-examples.md, E2).
* ``tiny``: 100,000 events of the size of ``data: x\\n\\n``.
* ``big``: one event whose single ``data:`` line carries 1 MiB of JSON-like ASCII.

Chunkings (applied before timing): the whole body as one chunk, 4096-byte and
64-byte chunks, random 1-100-byte chunks (seeded), and 1-byte chunks.
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Tuple

SEED = 20250611
MIB = 1024 * 1024

Pair = Tuple[str, str]

# Delta vocabulary: plain words, accented Latin, CJK / Hangul, emoji (incl. ZWJ and flags).
_VOCABULARY = """
    the tide rises because of gravity and inertia water boils at sea level [1] [2] — °C
    café naïve élève Zürich São Paulo façade Ærøskøbing 東京 北京大学 日本語の テキスト 한국어 数据
    🌊 🚀 👍🏽 🇫🇷 👩‍💻 € ½
    """
_WORDS = tuple(_VOCABULARY.split())
_SONAR_SOURCES = (
    ("How tides work", "https://docs.example.com/tides"),
    ("Tides explained", "https://ocean.example.net/tides-explained"),
    ("Tidal bulge", "https://en.example.org/wiki/Tidal_bulge"),
    ("Marées et courants — guide", "https://fr.example.org/marées"),
    ("潮汐の仕組み", "https://ja.example.jp/tides"),
)


@dataclass(frozen=True)
class Workload:
    """One benchmark input: the raw body and the events it must decode to."""

    name: str
    body: bytes
    expected: list[Pair]
    description: str


def _uuid(rng: random.Random) -> str:
    a, b, c, d, e = (rng.getrandbits(n) for n in (32, 16, 12, 16, 48))
    return f"{a:08x}-{b:04x}-4{c:03x}-{d:04x}-{e:012x}"


def _dumps(obj: object) -> str:
    # Compact, raw UTF-8 JSON, as in the 2026-era Perplexity captures.
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _frame(data: str, eol: bytes) -> bytes:
    return b"data: " + data.encode("utf-8") + eol + eol


def _delta_text(rng: random.Random, n_bytes: int) -> str:
    """Random delta text of exactly ``n_bytes`` UTF-8 bytes (ASCII-padded at the end)."""
    parts: list[str] = []
    size = 0
    while True:
        word = " " + rng.choice(_WORDS)
        width = len(word.encode("utf-8"))
        if size + width > n_bytes:
            break
        parts.append(word)
        size += width
    parts.append("." * (n_bytes - size))
    return "".join(parts)


def _chunk_object(stream_id: str, created: int, content: str) -> dict[str, object]:
    return {
        "id": stream_id,
        "model": "sonar",
        "created": created,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": content}, "finish_reason": None}],
    }


def _final_object(rng: random.Random, stream_id: str, created: int, n_tokens: int) -> dict[str, object]:
    results = [
        {
            "title": title,
            "url": url,
            "date": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "snippet": _delta_text(rng, rng.randint(60, 160)).strip(),
        }
        for title, url in _SONAR_SOURCES
    ]
    return {
        "id": stream_id,
        "model": "sonar",
        "created": created,
        "usage": {
            "prompt_tokens": 12,
            "completion_tokens": n_tokens,
            "total_tokens": 12 + n_tokens,
            "search_context_size": "low",
            "cost": {
                "input_tokens_cost": 1.2e-05,
                "output_tokens_cost": 0.005,
                "request_cost": 0.005,
                "total_cost": 0.010012,
            },
        },
        "citations": [url for _, url in _SONAR_SOURCES],
        "search_results": results,
        "object": "chat.completion.done",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": "stop"}],
    }


def perplexity_events(eol: bytes = b"\n", n_events: int = 5000) -> tuple[list[bytes], list[Pair]]:
    """The Perplexity ``sonar`` stream as separate events: one ``data: {json}`` block per event
    (``n_events`` chunk events, the final chunk, ``[DONE]``), and the ``(event, data)`` pairs
    they decode to. ``b"".join`` of the blocks is ``perplexity_workload(eol, n_events).body``;
    ``bench_client.py`` sends each block as its own HTTP chunk."""
    rng = random.Random(SEED)
    stream_id = _uuid(rng)
    created = 1_770_770_000
    empty = len(_frame(_dumps(_chunk_object(stream_id, created, "")), b"\n"))
    blocks: list[bytes] = []
    expected: list[Pair] = []
    for i in range(n_events):
        now = created + i // 50
        target = rng.randint(300, 400)
        data = _dumps(_chunk_object(stream_id, now, _delta_text(rng, target - empty)))
        blocks.append(_frame(data, eol))
        expected.append(("message", data))
    final = _dumps(_final_object(rng, stream_id, created + n_events // 50, n_events))
    for data in (final, "[DONE]"):
        blocks.append(_frame(data, eol))
        expected.append(("message", data))
    return blocks, expected


def perplexity_workload(eol: bytes, n_events: int = 5000) -> Workload:
    """A Perplexity ``sonar`` stream; each delta event is 300-400 bytes with LF framing."""
    blocks, expected = perplexity_events(eol, n_events)
    label = "crlf" if eol == b"\r\n" else "lf"
    return Workload(
        f"perplexity-{label}",
        b"".join(blocks),
        expected,
        f"{n_events:,} sonar chunk events (300-400 B) + final chunk + [DONE], {label.upper()} line endings",
    )


def tiny_workload(n_events: int = 100_000) -> Workload:
    """Many ``data: x``-sized events, content varied a little."""
    rng = random.Random(SEED + 1)
    tokens = ("x", "y", "z", "ok", "42", "é", "hi", "ab", "🙂", "7")
    values = [rng.choice(tokens) for _ in range(n_events)]
    body = b"".join(_frame(v, b"\n") for v in values)
    return Workload("tiny", body, [("message", v) for v in values], f"{n_events:,} tiny events (data: x)")


def big_value(size: int, seed: int = SEED + 2) -> str:
    """A JSON-like ASCII string of exactly ``size`` characters."""
    rng = random.Random(seed)
    head = '{"id":"blob-0","object":"chat.completion.chunk","content":"'
    tail = '"}'
    alphabet = string.ascii_letters + string.digits + "      .,:;-_"
    return head + "".join(rng.choices(alphabet, k=size - len(head) - len(tail))) + tail


def big_workload(size: int = MIB, name: str = "big") -> Workload:
    """A single event with one ``data:`` line of ``size`` bytes."""
    value = big_value(size)
    return Workload(name, _frame(value, b"\n"), [("message", value)], f"1 event, one data line of {size / MIB:g} MiB")


WORKLOADS: dict[str, Callable[[], Workload]] = {
    "perplexity-lf": lambda: perplexity_workload(b"\n"),
    "perplexity-crlf": lambda: perplexity_workload(b"\r\n"),
    "tiny": tiny_workload,
    "big": big_workload,
}


def _fixed(size: int) -> Callable[[bytes], list[bytes]]:
    def split(body: bytes) -> list[bytes]:
        return [body[i : i + size] for i in range(0, len(body), size)]

    return split


def _random_1_100(body: bytes) -> list[bytes]:
    rng = random.Random(SEED + 3)
    chunks: list[bytes] = []
    pos = 0
    while pos < len(body):
        step = rng.randint(1, 100)
        chunks.append(body[pos : pos + step])
        pos += step
    return chunks


CHUNKINGS: dict[str, Callable[[bytes], list[bytes]]] = {
    "whole": lambda body: [body],
    "4096": _fixed(4096),
    "64": _fixed(64),
    "rand1-100": _random_1_100,
    "1": _fixed(1),
}
