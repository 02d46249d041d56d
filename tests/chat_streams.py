"""Realistic chat-completion streams for the chat-layer tests, and the one way to feed them.

The example streams E1-E5 are those of ``shared/reference/perplexity-examples.md``
(themselves modelled on the captures cited in perplexity-wire.md), transcribed payload for
payload in :mod:`conformance.examples`, the one copy that the fixture builder uses too; E6
and the other dialects are here.  Every builder can frame them with CRLF (Perplexity's
framing, wire F2), LF, CR or a mix of all three, and with the last event cut off in the two
ways a connection can end early.  The variants the examples ask for (no ``[DONE]``,
citations only on the final chunk, a cumulative ``message``, ``finish_reason`` absent,
spaced JSON, ``.chunk`` as the final object, raw UTF-8 instead of ``\\uXXXX``, the three
keep-alive forms, ...) are derived from the same payloads.

Every chat test that feeds bytes does it through :func:`all_ways` (or its two shorthands
:func:`collect_all_ways` and :func:`raises_all_ways`), which uses
:func:`tests.feeding.iter_chunkings` (the conformance kit's chunkings) to feed the stream
whole, byte by byte, at every split point (sampled for long streams), inside every multibyte
character, between every CR and LF, and in seeded random chunkings, and asserts that
every chunking gives the same result: read boundaries fall anywhere in real streams
(perplexity-wire.md F11, perplexityai/api-discussion#175).
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable, List, Sequence, Tuple, TypeVar, Union

import sse_pplx
from conformance import examples as ex
from conformance.examples import dumps
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


DONE = "data: [DONE]"

# --------------------------------------------------------------------------------------
# E1-E5, framed (the payloads and their variants: conformance/examples.py)
# --------------------------------------------------------------------------------------


def e1(eol: str = "crlf", *, raw_utf8: bool = False, legacy: bool = False, tail: str = "blank") -> bytes:
    """E1 (sonar, 2025 full shape, no ``[DONE]``); ``raw_utf8``: raw ``°`` instead of
    ``\\u00b0``; ``legacy``: the 2024 variant."""
    return frame([data(p) for p in ex.e1_payloads(raw_utf8=raw_utf8, legacy=legacy)], eol, tail)


def e2(eol: str = "crlf", *, done: bool = True, tail: str = "blank", **variant: Any) -> bytes:
    """E2 (sonar, 2026 shape, ``[DONE]``) and the variants (b)-(f): ``ex.e2_payloads``'s options."""
    blocks = [data(p) for p in ex.e2_payloads(**variant)]
    if done:
        blocks.append(DONE)
    return frame(blocks, eol, tail)


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
    """E3 (sonar-reasoning-pro, ``</think>`` split across chunks); ``deltas``: one per chunk instead."""
    if deltas is None:
        payloads = list(ex.E3_PAYLOADS)
    else:
        payloads = [ex.dumps(d, spaced=True) for d in ex.with_deltas(ex.e3_chunks(), deltas)]
    return frame([data(p) for p in payloads], eol, tail)


def e4(eol: str = "crlf", *, finish_reason: str = "length") -> bytes:
    """E4 (finish_reason ``length``, or the ``stop`` twin of text cut mid-sentence)."""
    payloads = list(ex.E4_PAYLOADS)
    if finish_reason != "length":
        payloads[-1] = ex.dumps(ex.e4_chunks(finish_reason)[-1], spaced=True)
    return frame([data(p) for p in payloads], eol)


#: The three keep-alive forms the examples file asks for (their byte form is not recorded).
PING_FORMS = {
    "comment": ": ping",
    "event": ("event: ping", "data:"),
    "data": "data: ping",
}


def e5(eol: str = "crlf", *, ping: str = "comment", done: bool = True) -> bytes:
    """E5 (sonar-deep-research: keep-alives, a chunk without choices, ``[DONE]``)."""
    p: Block = PING_FORMS[ping]
    research, first, second, final = ex.E5_PAYLOADS
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

    def failing(chunks: List[bytes]) -> BaseException:
        try:
            run(chunks)
        except exc_type as exc:
            assert type(exc) is exc_type, f"{type(exc).__name__}, not {exc_type.__name__}"
            return exc
        raise AssertionError(f"did not raise {exc_type.__name__}")

    return all_ways(data_, failing, exc_key)


def source(chunks: Iterable[bytes]) -> Any:
    """A one-shot generator over ``chunks`` (a network body is not re-iterable)."""
    yield from chunks


async def asource(chunks: Iterable[bytes]) -> Any:
    for c in chunks:
        yield c
