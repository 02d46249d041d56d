"""Hypothesis strategies for the hostile-input campaign: hostile SSE bytes and hostile chat JSON.

The SSE-level strategies of :mod:`conformance.strategies` (valid, near-valid and hostile
streams, small limits, chunkings) are reused as they are; this module adds

``json_values()``     JSON *text* of every shape a server could get wrong: nesting from 1 to
                      100,000 levels (``json.loads`` raises RecursionError near 1,000),
                      integers of more than 4,300 digits (ValueError on 3.11), ``NaN`` /
                      ``Infinity`` / ``1e999``, lone surrogates (``"\\ud800"``), NUL, a BOM,
                      huge strings, duplicate keys
``chunk_payloads()``  chat-completion chunks whose every field may hold the wrong type:
                      ``choices`` a string / number / null, ``delta`` a list, ``content`` a
                      number, ``index`` a list, ``usage`` fields as strings, ``citations`` a
                      dict, tool calls with odd indexes, error bodies of odd shapes
``chat_streams()``    SSE bytes of such payloads, ``[DONE]`` variants, named events
                      (``error``, ``done``, ``text_chunk``, pings), broken JSON, all line
                      endings, sometimes cut off or damaged at the byte level

and the cases each campaign target draws (:mod:`tests.fuzz.properties`).
"""

from __future__ import annotations

import json
import random
from functools import lru_cache
from typing import Any, Dict, List, Sequence, Tuple

from hypothesis import strategies as st

from conformance.chunkings import cut
from conformance.fuzz import INVALID_UTF8, multibyte_sequences
from conformance.strategies import limits, stream_cases

__all__ = [
    "chat_cases",
    "chat_streams",
    "chunk_payloads",
    "json_values",
    "memory_cases",
    "parser_cases",
    "small_chunkings",
]

# -- JSON text ----------------------------------------------------------------------------------

DONE_VARIANTS = (
    "[DONE]", "[DONE]", " [DONE]", "[DONE] ", "[DONE]\t", "[DONE]\n", "[done]", "[DONE", "DONE", "[DONE]]",
    "[ DONE ]", "[DONE]{}", "\ufeff[DONE]", "[DONE]\x00", '"[DONE]"', "[DONE][DONE]",
)  # fmt: skip
EVENT_NAMES = (
    None, None, None, None, "message", "error", "error", "done", "done", "text_chunk", "text_chunk", "ping",
    "keep-alive", "heartbeat", "ERROR", "Done", "", "\x00", "error ", "message\u2028",
)  # fmt: skip
#: The keys the chat layer reads, at every level, and a few it does not.
TOP_KEYS = (
    "id", "model", "created", "object", "choices", "choices", "choices", "usage", "citations", "search_results",
    "images", "related_questions", "error", "finish_reason", "text", "content", "delta", "answer", "chunk",
    "message", "detail", "code", "type", "status", "x",
)  # fmt: skip
CHOICE_KEYS = ("index", "delta", "delta", "message", "finish_reason", "logprobs", "x")
DELTA_KEYS = ("role", "content", "content", "reasoning_content", "reasoning", "tool_calls", "refusal", "x")
CALL_KEYS = ("index", "index", "id", "type", "function", "function", "x")
FUNCTION_KEYS = ("name", "arguments", "arguments", "x")
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens", "cost", "search_context_size", "x")
ERROR_KEYS = ("message", "code", "type", "param", "detail", "error", "x")
DETAIL_KEYS = ("loc", "msg", "type", "message", "x")
RESULT_KEYS = ("title", "url", "date", "snippet", "image_url", "x")

_SCALARS = (
    "null", "true", "false", "0", "1", "-1", "2", "0.0", "-0", "1.5", "1e999", "-1e999", "NaN", "Infinity",
    "-Infinity", '""', '"a"', '"stop"', '"assistant"', '"\\ud800"', '"\\udfff\\ud800"', '"a\\u0000b"',
    '"<think>"', '"</think>"', '"\\ufeff"', '"\ufeff"', '"\\u2028"', "{}", "[]", "[[]]", '{"":{}}',
)  # fmt: skip
#: Long values, built from short specifications (so that Hypothesis' reports stay readable):
#: integers around the 4,300-digit limit of int(str), a 5,000-digit fraction and exponent,
#: a 70,000-character string.
_LONG = (
    ("1", 4300, ""), ("1", 4301, ""), ("9", 5000, "-"), ("1", 40000, ""), ("0", 5000, "1."), ("9", 400, "1e"),
    ("x", 70000, '"'),
)  # fmt: skip


def _long(spec: Tuple[str, int, str]) -> str:
    unit, count, head = spec
    return head + unit * count + ('"' if head == '"' else "")


_SNIPPETS = ("", " ", "a", "é", "€", "😀", "\\n", '\\"', "\\\\", "\\ud83d", "\\ude00", "\\ud83d\\ude00", "<think>")


def nested(depth: int, kind: str, leaf: str = "1") -> str:
    """``depth`` levels of arrays (``kind == "["``) or objects around ``leaf``."""
    if kind == "[":
        return "[" * depth + leaf + "]" * depth
    return '{"a":' * depth + leaf + "}" * depth


@lru_cache(maxsize=None)
def _depths() -> st.SearchStrategy[int]:
    # json.loads fails near the recursion limit (about 1,000 levels, less the stack in use);
    # just under it the value decodes and whatever walks it must not recurse.
    return st.one_of(st.integers(1, 40), st.integers(900, 1010), st.sampled_from((2000, 5000, 100_000, 100_001)))


@lru_cache(maxsize=None)
def _deep_values() -> st.SearchStrategy[str]:
    return st.builds(nested, _depths(), st.sampled_from("[{"), st.sampled_from(("1", "[]", "{}", '"x"', "null")))


@lru_cache(maxsize=None)
def _strings() -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(st.sampled_from(_SNIPPETS), max_size=6).map(lambda parts: '"' + "".join(parts) + '"'),
        st.text(max_size=12).map(json.dumps),
        st.text(max_size=8).map(lambda t: json.dumps(t, ensure_ascii=False)),
    )


@lru_cache(maxsize=None)
def _scalars() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(_SCALARS),
        st.sampled_from(_LONG).map(_long),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(lambda f: json.dumps(f)),
        _strings(),
    )


def _containers(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]"),
        st.lists(st.tuples(st.sampled_from(TOP_KEYS), inner), max_size=4).map(
            lambda pairs: "{" + ",".join(json.dumps(k) + ":" + v for k, v in pairs) + "}"
        ),
    )


@lru_cache(maxsize=None)
def json_values(levels: int = 2) -> st.SearchStrategy[str]:
    """Any JSON text (valid or not quite): scalars, hostile numbers and strings, deep nesting,
    in arrays and objects up to ``levels`` deep (the deep values nest much further)."""
    leaves = st.one_of(_scalars(), _deep_values())
    value = leaves
    for _ in range(levels):
        value = st.one_of(leaves, leaves, _containers(value))
    return value


def _maybe(good: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly the right shape, often anything at all."""
    return st.one_of(good, good, json_values(1))


def _list_of(item: st.SearchStrategy[str], max_size: int = 3) -> st.SearchStrategy[str]:
    return st.lists(item, max_size=max_size).map(lambda items: "[" + ",".join(items) + "]")


def _objects(keys: Sequence[str], fields: Dict[str, st.SearchStrategy[str]]) -> st.SearchStrategy[str]:
    """A JSON object's text: keys from ``keys`` (sometimes repeated: duplicate keys), each value
    mostly of its right shape (``fields``), often anything at all."""
    values = {name: _maybe(fields[name]) if name in fields else json_values(1) for name in set(keys)}
    names = st.lists(st.sampled_from(keys), max_size=5)

    @st.composite
    def build(draw: Any) -> str:
        return "{" + ",".join(json.dumps(name) + ":" + draw(values[name]) for name in draw(names)) + "}"

    return build()


@lru_cache(maxsize=None)
def _function() -> st.SearchStrategy[str]:
    return _objects(FUNCTION_KEYS, {"name": _strings(), "arguments": _strings()})


@lru_cache(maxsize=None)
def _tool_call() -> st.SearchStrategy[str]:
    index = st.one_of(st.integers(-1, 3).map(str), st.sampled_from(("null", '"0"', "[0]", "{}", "1.0", "true")))
    return _objects(CALL_KEYS, {"index": index, "id": _strings(), "type": _strings(), "function": _function()})


@lru_cache(maxsize=None)
def _delta() -> st.SearchStrategy[str]:
    return _objects(
        DELTA_KEYS,
        {
            "role": _strings(),
            "content": _strings(),
            "reasoning_content": _strings(),
            "reasoning": _strings(),
            "tool_calls": _list_of(_tool_call()),
        },
    )


@lru_cache(maxsize=None)
def _choice() -> st.SearchStrategy[str]:
    index = st.one_of(st.integers(0, 2).map(str), st.sampled_from(("null", '"1"', "[1]", '{"a":1}', "0.5", "true")))
    finish = st.sampled_from(('"stop"', '"length"', "null", '""', "1", "[1]", '{"a":1}'))
    return _objects(CHOICE_KEYS, {"index": index, "delta": _delta(), "message": _delta(), "finish_reason": finish})


@lru_cache(maxsize=None)
def _usage() -> st.SearchStrategy[str]:
    number = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(('"12"', "-1", "1.5", "null", "[]")))
    return _objects(
        USAGE_KEYS,
        {
            "prompt_tokens": number,
            "completion_tokens": number,
            "total_tokens": number,
            "cost": _objects(("total_cost", "x"), {"total_cost": number}),
        },
    )


@lru_cache(maxsize=None)
def _error_body() -> st.SearchStrategy[str]:
    detail = _objects(DETAIL_KEYS, {"loc": _list_of(_scalars()), "msg": _strings(), "type": _strings()})
    return _objects(
        ERROR_KEYS,
        {
            "message": _strings(),
            "code": _scalars(),
            "type": _strings(),
            "param": _strings(),
            "detail": _list_of(detail),
        },
    )


@lru_cache(maxsize=None)
def chunk_payloads() -> st.SearchStrategy[str]:
    """A chat-completion chunk's JSON text, any field of which may hold the wrong type."""
    result = _objects(RESULT_KEYS, {})
    return _objects(
        TOP_KEYS,
        {
            "id": _strings(),
            "model": _strings(),
            "choices": _list_of(_choice()),
            "usage": _usage(),
            "citations": _list_of(_strings()),
            "search_results": _list_of(result),
            "images": _list_of(result),
            "related_questions": _list_of(_strings()),
            "error": st.one_of(_error_body(), st.sampled_from(("true", "false", "null", '""', '"x"', "1", "[1]"))),
            "text": _strings(),
            "content": _strings(),
            "finish_reason": st.sampled_from(('"stop"', "null", "[1]")),
            "detail": _list_of(_objects(DETAIL_KEYS, {"loc": _list_of(_scalars())})),
        },
    )


# -- SSE framing of payloads --------------------------------------------------------------------


@lru_cache(maxsize=None)
def _payload() -> st.SearchStrategy[str]:
    broken = st.tuples(chunk_payloads(), st.integers(0, 200)).map(lambda t: t[0][: t[1]])  # cut JSON
    return st.one_of(
        chunk_payloads(),
        chunk_payloads(),
        chunk_payloads(),
        json_values(),
        st.sampled_from(DONE_VARIANTS),
        broken,
        st.tuples(st.sampled_from(("\ufeff", " ", "\t", "x", "{}", "]")), chunk_payloads()).map("".join),
        st.tuples(chunk_payloads(), st.sampled_from((" ", "x", "{}", "\u2028", "\x00"))).map("".join),
        st.sampled_from(("", " ", "ping", "{", "[", "null", "true", "{}", "[]", '{"choices":[]}')),
        st.tuples(chunk_payloads(), chunk_payloads()).map("\n".join),  # two data lines
    )


_EXTRA_LINES = st.sampled_from((": ping", ":", "id: 7", "id: a\x00b", "retry: 100", "retry: x"))


@st.composite
def _event(draw: Any) -> Tuple[List[str], str]:
    lines: List[str] = []
    if draw(st.integers(0, 9)) == 0:
        lines.append(draw(_EXTRA_LINES))
    name = draw(st.sampled_from(EVENT_NAMES))
    if name is not None:
        lines.append("event: " + name.replace("\r", "").replace("\n", ""))
    payload = draw(_payload())
    for part in payload.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        lines.append("data: " + part if draw(st.integers(0, 7)) else "data:" + part)
    return lines, draw(st.sampled_from(("\n", "\n", "\r\n", "\r")))


_EVENTS = st.lists(_event(), min_size=1, max_size=6)


def _damage(data: bytes, how: int, where: int, bad: bytes) -> bytes:
    if how == 0 or not data:
        return data
    at = where % (len(data) + 1)
    if how == 1:
        return data[:at]  # the connection dropped here
    if how == 2:
        return data[:at] + bad + data[at:]
    return data[:at] + data[at + 1 :]


@st.composite
def chat_streams(draw: Any) -> bytes:
    """SSE bytes of hostile chat payloads (see the module docstring)."""
    out: List[str] = []
    for lines, eol in draw(_EVENTS):
        out.append("".join(line + eol for line in lines) + eol)
    if draw(st.booleans()):
        out.append("data: [DONE]\n\n")
    text = "".join(out)
    if draw(st.integers(0, 5)) == 0:
        text = text.rstrip("\r\n") + draw(st.sampled_from(("", "\n", "\r\n")))  # no blank line at the end
    data = text.encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from((0, 0, 0, 0, 1, 2, 3)))
    return _damage(data, how, draw(st.integers(0, 1 << 20)), draw(st.sampled_from(INVALID_UTF8)))


def _cuts(data: bytes, mode: int, seed: int) -> List[int]:
    n = len(data)
    if n < 2 or mode == 0:
        return []  # whole
    rng = random.Random(seed)
    if mode == 1 and n <= 4096:
        return list(range(1, n))  # byte by byte
    if mode == 2:  # next to every CR and LF, and inside every multibyte character
        spots = {k for k in range(1, n) if data[k - 1] in (10, 13) or data[k] in (10, 13)}
        spots.update(s + k for s, size in multibyte_sequences(data) for k in range(1, size))
        return sorted(rng.sample(sorted(spots), min(len(spots), 64))) if spots else [n // 2]
    return sorted(rng.sample(range(1, n), min(n - 1, 1 + seed % 32)))  # a few random cuts


def small_chunkings(data: bytes) -> st.SearchStrategy[List[bytes]]:
    """``data`` cut into chunks: whole, byte by byte (up to 4 KiB), next to line endings and
    inside multibyte characters, or at random; the cuts come from two drawn integers, which
    keeps generation cheap (:func:`conformance.strategies.chunkings` draws every cut)."""
    return st.builds(lambda mode, seed: cut(data, _cuts(data, mode, seed)), st.integers(0, 3), st.integers(0, 1 << 16))


# -- the cases of each campaign target ----------------------------------------------------------


@lru_cache(maxsize=None)
def _chat_limits() -> st.SearchStrategy[Dict[str, Any]]:
    return st.one_of(st.just({}), st.just({}), st.just({}), limits(256))


@st.composite
def parser_cases(draw: Any) -> Tuple[List[Any], Dict[str, Any], bool]:
    """``(chunks, options, comments)``: any stream from conformance.strategies or a chat stream,
    chunked, with limits; chunks sometimes bytearray or memoryview (feed() takes all three)."""
    data, options = draw(
        st.one_of(stream_cases(), stream_cases(), stream_cases(), st.tuples(chat_streams(), _chat_limits()))
    )
    chunks: List[Any] = draw(small_chunkings(data))
    kind = draw(st.sampled_from(("bytes", "bytes", "bytes", "bytearray", "memoryview")))
    if kind == "bytearray":
        chunks = [bytearray(c) for c in chunks]
    elif kind == "memoryview":
        chunks = [memoryview(c) for c in chunks]
    return chunks, options, draw(st.booleans())


_UNITS = (
    b"ab\n", b"\n", b"\r", b"\r\n", b"data:ab\n\n", b"data:a\n\n", b"data\n\n", b"data:\xff\n\n", b"data:\xff\r\r",
    b"data:ab\n", b"data\n", b"data:\n", b"data: \xe2\x82\xac\n", b":ab\n", b"id:\xff\ndata\n\n", b"event:ab\n",
    b"retry:1\n", b"x", b"data: x", b"\xef\xbb\xbf",
)  # fmt: skip


@st.composite
def memory_cases(draw: Any) -> Tuple[List[bytes], Dict[str, Any]]:
    """``(chunks, options)``: one of the worst shapes (or random bytes) repeated to up to 64 KiB,
    in chunks of 1 byte to all of it, with limits from 0 to past the stream's length."""
    unit = draw(st.one_of(st.sampled_from(_UNITS), st.binary(min_size=1, max_size=12)))
    mix = draw(st.sampled_from((b"", b"", b"\n", b"data: x\n\n", b"data:ab\n")))
    size = draw(st.sampled_from((256, 4096, 16384, 65536)))
    data = ((unit * (size // len(unit) + 1))[:size] + mix) * (2 if mix else 1)
    chunk = draw(st.sampled_from((1, 7, 64, 4096, len(data)) if size <= 4096 else (64, 1000, 4096, len(data))))
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    limit = st.one_of(st.none(), st.integers(0, 2 * size), st.sampled_from((8 << 20, 16 << 20)))
    return chunks, {"max_line_bytes": draw(limit), "max_event_bytes": draw(limit)}


@st.composite
def chat_cases(draw: Any, sse_level: bool = False) -> Tuple[List[bytes], Dict[str, Any], bool, bool]:
    """``(chunks, options, strict, include_reasoning)``: hostile chat streams (or, with
    ``sse_level``, hostile SSE framing from conformance.strategies), chunked."""
    if sse_level:
        data, options = draw(st.one_of(stream_cases(), st.tuples(chat_streams(), limits(64))))
    else:
        data, options = draw(chat_streams()), draw(_chat_limits())
    return draw(small_chunkings(data)), options, draw(st.booleans()), draw(st.booleans())
