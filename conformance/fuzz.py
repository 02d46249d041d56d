"""Seeded differential fuzzing: ``python -m conformance fuzz``.

Generates streams from ``random.Random`` (valid, near-valid and hostile, with
random chunkings and, for some, small size limits), feeds the same bytes to the
oracle (:mod:`conformance.oracle`), to sse_pplx and to any adapter given, and
compares what they did:

* the events (``type``, ``data``, ``id``, ``retry``: the keys each adapter
  reports) and which ``feed()`` returned each one (incremental adapters);
* the parser state (``last_event_id``, ``reconnection_time``) after every
  ``feed()`` whose end the oracle knows the state at (the random chunk ends and
  the end of every event), and at the end of the stream with ``discarded``;
* the size-limit error (which limit, in which ``feed()``, the events before it).

Every parser is fed under the random chunking and whole; parsers that report
their state also with a cut right after every event.  A disagreement is
minimised (delta debugging on the bytes, then on the chunking and the limits)
and written as a fixture (``fixtures/fuzz/`` by default) whose expected values
come from the oracle, never from the parser under test.

Standard library only: the Hypothesis strategies of :mod:`conformance.strategies`
are built from the same tables, but this module never imports Hypothesis.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from .adapters import ADAPTERS, Adapter, AdapterUnavailable, LimitError, make_adapter
from .chunkings import cut
from .fixture import FIXTURES_DIR, load_fixture, validate
from .oracle import LimitReached, Oracle, parse

__all__ = [
    "BAD_RETRY",
    "BOM",
    "EOLS",
    "HOSTILE_BYTES",
    "INVALID_UTF8",
    "NEAR_FIELD_NAMES",
    "VALUE_CHARS",
    "Difference",
    "FuzzReport",
    "Reference",
    "check_stream",
    "cuts_of",
    "fixture_for",
    "generate_stream",
    "main",
    "minimise",
    "multibyte_sequences",
    "random_cuts",
    "run_fuzz",
]

# -- the tables (shared with conformance/strategies.py) -------------------------------------

BOM = b"\xef\xbb\xbf"
EOLS = ("\n", "\r", "\r\n")
#: Pieces of field values: ASCII, the characters str.splitlines() wrongly splits on
#: (U+2028, U+2029, U+0085, VT, FF, FS, GS, RS), every UTF-8 width, U+FEFF, NUL, a colon.
VALUE_CHARS = (
    "a", "b", "x", "y", "0", "7", " ", " ", ":", ": ", "\t", "{", "}", '"', "[DONE]",
    "\u00e9", "\u00df", "\u20ac", "\u4e2d", "\U0001f600", "\U0010ffff", "\ufeff",
    "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x00",
)  # fmt: skip
#: Field names that are not (quite) the four: case, spaces, BOM, near misses.
NEAR_FIELD_NAMES = (
    "Data", "DATA", "data ", " data", "dat", "datas", "\ufeffdata", "\u00efd", "Event", "ID", "Retry",
    "foo", "\x00", "data\t", "retry ", "id ", "event ", "d\u00e4ta", "x",
)  # fmt: skip
#: retry values that are not only ASCII digits (each must be ignored).
BAD_RETRY = (
    "", " 1", "1 ", "-1", "+1", "1.5", "1e3", "0x10", "\uff11\uff12", "\u0663", "\u00b2", "12a", "a12",
    "1_000", " ", "\x001", "\u0661\u0662", "\U0001d7d9",
)  # fmt: skip
#: Invalid or truncated UTF-8: lone continuation bytes, overlongs, surrogates, past U+10FFFF,
#: truncated sequences, bytes that never occur, BOM prefixes.
INVALID_UTF8 = (
    b"\x80", b"\xbf", b"\xc0\xaf", b"\xc1\xbf", b"\xe0\x80\xaf", b"\xed\xa0\x80", b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80", b"\xf5\x80\x80\x80", b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff", b"\xe2\x82",
    b"\xf0\x9f\x98", b"\xc3", b"\xef\xbb", b"\xef", b"\xf0\x80\x80\x80", b"\xe0\xa0",
)  # fmt: skip
#: The bytes hostile streams are mostly made of: structure, field letters, BOM and UTF-8 pieces.
HOSTILE_BYTES = b"\r\n\r\n\r\n::  datevnirycx\x00\t\xef\xbb\xbf\xff\xfe\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xed\xa0\xc0"
_LINE_SPLIT = re.compile(rb"\r\n|\r|\n")

Options = Dict[str, Any]


# -- generation -------------------------------------------------------------------------


def _value(rng: random.Random, size: int = 8, nul: bool = True) -> str:
    chars = [rng.choice(VALUE_CHARS) for _ in range(rng.randint(0, size))]
    if not nul:
        chars = [c for c in chars if c != "\x00"]
    return "".join(chars)


def _field(rng: random.Random, name: str, value: str) -> str:
    r = rng.random()
    if value == "" and r < 0.15:
        return name  # no colon: the whole line is the field name, the value is empty
    return name + (":" if r < 0.5 else ": ") + value


def _retry_value(rng: random.Random) -> str:
    value = str(rng.choice((0, 1, 5, 1000, 3000, rng.randint(0, 10**6), rng.randint(0, 10**30))))
    return "0" * rng.choice((0, 0, 0, 1, 3)) + value


def _valid_line(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.55:
        return _field(rng, "data", _value(rng))
    if r < 0.67:
        return _field(rng, "event", _value(rng, 6))
    if r < 0.79:
        return _field(rng, "id", _value(rng, 6, nul=False))
    if r < 0.89:
        return _field(rng, "retry", _retry_value(rng))
    return ":" + _value(rng)


Lines = List[List[bytes]]  # [line, line ending] pairs (lists: mutations edit them in place)


def _valid_lines(rng: random.Random) -> Lines:
    mixed = rng.random() < 0.3
    fixed = rng.choice(EOLS)
    lines: Lines = []
    for _ in range(rng.choice((0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 6, 10))):
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3, 5))):
            lines.append([_valid_line(rng).encode(), (rng.choice(EOLS) if mixed else fixed).encode()])
        lines.append([b"", (rng.choice(EOLS) if mixed else fixed).encode()])
    return lines


def _join(lines: Lines) -> bytes:
    return b"".join(line + eol for line, eol in lines)


def _llm_lines(rng: random.Random) -> Lines:
    """The LLM-stream shape: runs of one-line ``data: ...`` blocks, now and then another block."""
    eol = rng.choice((b"\n", b"\n", b"\r\n", b"\r"))
    lines: Lines = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.15:
            lines.append([_valid_line(rng).encode(), eol])
        else:
            lines.append([b"data: " + _value(rng, 12).encode(), eol])
        lines.append([b"", eol])
    return lines


def valid_stream(rng: random.Random) -> bytes:
    """Well-formed blocks (data, event, id, retry, comments), every line-ending style, sometimes a BOM."""
    data = _join(_llm_lines(rng) if rng.random() < 0.3 else _valid_lines(rng))
    return (BOM + data) if rng.random() < 0.1 else data


def multibyte_sequences(data: bytes) -> List[Tuple[int, int]]:
    """(start, length) of each well-formed multibyte UTF-8 sequence."""
    out = []
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        size = 2 if 0xC2 <= b <= 0xDF else 3 if 0xE0 <= b <= 0xEF else 4 if 0xF0 <= b <= 0xF4 else 1
        if size > 1 and i + size <= n and all(0x80 <= c <= 0xBF for c in data[i + 1 : i + size]):
            out.append((i, size))
            i += size
        else:
            i += 1
    return out


def _mutate_lines(rng: random.Random, lines: Lines) -> None:
    """One line-level mutation, in place."""
    where = rng.randint(0, len(lines))
    eol = rng.choice(EOLS).encode()
    kind = rng.randrange(9)
    if kind == 0:  # a missing blank line: two events merge, or the last one never ends
        blanks = [i for i, (line, _) in enumerate(lines) if not line]
        if blanks:
            del lines[rng.choice(blanks)]
    elif kind == 1:  # a retry value that is not only ASCII digits
        lines.insert(where, [_field(rng, "retry", rng.choice(BAD_RETRY)).encode(), eol])
    elif kind == 2:  # NUL in an id
        value = _value(rng, 3, nul=False) + "\x00" + _value(rng, 3)
        lines.insert(where, [_field(rng, "id", value).encode(), eol])
    elif kind == 3:  # spaces around the colon
        name = rng.choice(("data", "event", "id", "retry"))
        sep = rng.choice((" :", " : ", ":  ", "\t:", ":\t", ":   "))
        line = rng.choice(("", " ")) + name + sep + _value(rng, 4)
        lines.insert(where, [line.encode(), eol])
    elif kind == 4:  # an unknown or near-miss field name
        lines.insert(where, [_field(rng, rng.choice(NEAR_FIELD_NAMES), _value(rng, 4)).encode(), eol])
    elif kind == 5:  # a field without a colon (empty value)
        lines.insert(where, [rng.choice((b"data", b"event", b"id", b"retry", b"data ", b":")), eol])
    elif kind == 6 and lines:  # another line ending, or none (two lines join)
        lines[rng.randrange(len(lines))][1] = rng.choice((b"\n", b"\r", b"\r\n", b"", b"\n\r", b"\r\r"))
    elif kind == 7:  # a BOM where it is a character, not the stream's BOM
        lines.insert(where, [BOM + _field(rng, rng.choice(("data", "id", "x")), _value(rng, 3)).encode(), eol])
    else:  # invalid UTF-8 in a value
        line = _field(rng, rng.choice(("data", "event", "id", "retry")), _value(rng, 3)).encode()
        cut_at = rng.randint(0, len(line))
        lines.insert(where, [line[:cut_at] + rng.choice(INVALID_UTF8) + line[cut_at:], eol])


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """One byte-level mutation."""
    n = len(data)
    pos = rng.randint(0, n)
    kind = rng.randrange(6)
    if kind == 0:  # a stray CR (or LF)
        return data[:pos] + rng.choice((b"\r", b"\r", b"\n")) + data[pos:]
    if kind == 1:  # truncation at any byte
        return data[:pos]
    if kind == 2:  # a split multibyte character: truncated there, or one of its bytes lost
        seqs = multibyte_sequences(data)
        if not seqs:
            return data[:pos] + b"\xe2\x82" + data[pos:]
        start, size = rng.choice(seqs)
        inner = start + rng.randint(1, size - 1)
        if rng.random() < 0.5:
            return data[:inner]
        return data[:inner] + data[inner + 1 :]
    if kind == 3:  # a lost byte
        return data[:pos] + data[pos + 1 :]
    if kind == 4:  # a BOM, or a BOM prefix, somewhere (or again at the start)
        return data[:pos] + rng.choice((BOM, b"\xef\xbb", b"\xef")) + data[pos:]
    return data[:pos] + rng.choice(INVALID_UTF8) + data[pos:]


def near_valid_stream(rng: random.Random) -> bytes:
    """A valid stream with one to four mutations (missing blank lines, stray CRs, bad retry,
    NUL in id, spaces around colons, unknown fields, truncation, split multibyte characters)."""
    lines = (_llm_lines(rng) if rng.random() < 0.3 else _valid_lines(rng)) or [[b"data: x", b"\n"], [b"", b"\n"]]
    for _ in range(rng.choice((1, 1, 2, 3))):
        _mutate_lines(rng, lines)
    data = _join(lines)
    if rng.random() < 0.1:
        data = BOM + data
    for _ in range(rng.choice((0, 1, 1, 2))):
        data = _mutate_bytes(rng, data)
    return data


def _random_bytes(rng: random.Random, size: int, alphabet: Optional[bytes] = None) -> bytes:
    if alphabet is None:
        return bytes(rng.getrandbits(8) for _ in range(size))
    return bytes(rng.choice(alphabet) for _ in range(size))


def _long_lines(rng: random.Random, limit: int) -> bytes:
    """Lines around and far past ``limit`` bytes: data, comments, other fields, partial lines."""
    parts = []
    for _ in range(rng.randint(1, 5)):
        prefix = rng.choice((b"data:", b"data: ", b":", b"id:", b"event:", b"retry:", b"", b"x:"))
        size = max(0, rng.randint(limit - 6, 3 * limit + 4) - len(prefix))
        filler = rng.choice((b"x", b"\xc3\xa9", b"\xff", b"\xe2\x82\xac", b"a "))
        body = (filler * (size // len(filler) + 1))[:size]
        parts.append(prefix + body + rng.choice((b"\n", b"\r", b"\r\n", b"\n\n", b"\r\n\r\n", b"")))
    if rng.random() < 0.2:
        parts.insert(0, BOM)
    return b"".join(parts)


def _line_endings(rng: random.Random) -> bytes:
    """Runs of CRs and LFs, sometimes with short fields between them."""
    parts = []
    for _ in range(rng.randint(1, 4)):
        unit = rng.choice((b"\r", b"\n", b"\r\n", b"\n\r", b"\r\r\n", b"\r\n\n"))
        parts.append(unit * rng.randint(1, 200))
        if rng.random() < 0.6:
            parts.append(rng.choice((b"data: x", b"data", b"id: 1", b"retry: 5", b":", b"event: e", b"data:\xc3")))
    return b"".join(parts)


def hostile_stream(rng: random.Random, limit: int = 32) -> Tuple[bytes, Optional[Options]]:
    """Random bytes, invalid UTF-8, huge lines relative to a small limit, endless CRs / LFs.

    Returns the bytes and, for the huge lines, the limits they are meant for.
    """
    kind = rng.randrange(6)
    if kind == 0:
        return _random_bytes(rng, rng.choice((1, 4, 16, 64, 256))), None
    if kind == 1:
        return _random_bytes(rng, rng.randint(0, 300), HOSTILE_BYTES), None
    if kind == 2:  # valid structure, invalid values
        lines = _valid_lines(rng) or [[b"data: x", b"\n"], [b"", b"\n"]]
        for _ in range(rng.randint(1, 4)):
            line = lines[rng.randrange(len(lines))]
            pos = rng.randint(0, len(line[0]))
            line[0] = line[0][:pos] + rng.choice(INVALID_UTF8) + line[0][pos:]
        return _join(lines), None
    if kind == 3:
        size = rng.randint(0, limit)
        options: Options = {"max_line_bytes": size}
        if rng.random() < 0.4:
            options["max_event_bytes"] = rng.randint(0, 3 * size + 2)
        return _long_lines(rng, size), options
    if kind == 4:
        return _line_endings(rng), None
    # BOM games: BOM pieces, repeated BOMs, BOM then the fields
    pieces = (BOM, b"\xef", b"\xef\xbb", b"\xbb\xbf", b"data: x", b"\n", b"\r", b":", b"\xbf")
    return b"".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))), None


def _limits_for(rng: random.Random, data: bytes) -> Options:
    """Small limits chosen around the stream's own line and data sizes (to hit the boundaries)."""
    lengths = [len(line) for line in _LINE_SPLIT.split(data)] or [0]
    line_limit = max(0, rng.choice(lengths) + rng.choice((-1, 0, 0, 1)))
    data_sizes = (
        [  # each data value + its LF, as the limit counts it
            len(line) - (6 if line[5:6] == b" " else 5) + 1 for line in _LINE_SPLIT.split(data) if line[:5] == b"data:"
        ]
        or [0]
    )
    event_limit = max(0, sum(rng.sample(data_sizes, min(len(data_sizes), rng.randint(1, 3)))) + rng.randint(-2, 2))
    r = rng.random()
    options: Options = {}
    if r < 0.45 or r >= 0.8:
        options["max_line_bytes"] = line_limit
    if r >= 0.45:
        options["max_event_bytes"] = event_limit
    if rng.random() < 0.1:
        options[rng.choice(("max_line_bytes", "max_event_bytes"))] = None
    return options


def generate_stream(rng: random.Random) -> Tuple[bytes, Options, str]:
    """One stream: ``(bytes, options, kind)``; kind is ``valid``, ``near-valid`` or ``hostile``.

    About a quarter of the streams get small size limits (``options``).
    """
    r = rng.random()
    options: Optional[Options]
    if r < 0.35:
        kind, data, options = "valid", valid_stream(rng), None
    elif r < 0.75:
        kind, data, options = "near-valid", near_valid_stream(rng), None
    else:
        kind = "hostile"
        data, options = hostile_stream(rng)
    if options is None:
        options = _limits_for(rng, data) if rng.random() < 0.25 else {}
    return data, options, kind


def random_cuts(rng: random.Random, data: bytes) -> List[int]:
    """A random chunking of ``data``, as the increasing cut positions (0 < cut < len(data))."""
    n = len(data)
    if n < 2:
        return []
    r = rng.random()
    if r < 0.08:
        return []
    if r < 0.18 and n <= 600:
        return list(range(1, n))
    if r < 0.45:
        return sorted(rng.sample(range(1, n), rng.randint(1, min(n - 1, 8))))
    if r < 0.6:  # small pieces
        cuts, pos = [], 0
        while True:
            pos += rng.randint(1, 4)
            if pos >= n:
                return cuts
            cuts.append(pos)
    if r < 0.75:  # next to CRs and LFs
        spots = [k for k in range(1, n) if data[k - 1] in (10, 13) or data[k] in (10, 13)]
    elif r < 0.85:  # inside multibyte characters, and inside BOM-like prefixes
        spots = [s + k for s, size in multibyte_sequences(data) for k in range(1, size)]
    else:
        spots = list(range(1, n))
    if not spots:
        return sorted(rng.sample(range(1, n), 1))
    return sorted(rng.sample(spots, rng.randint(1, min(len(spots), max(1, n // 2)))))


def cuts_of(chunks: Sequence[bytes]) -> List[int]:
    """The cut positions of a list of chunks (empty chunks make no cut)."""
    total = sum(len(chunk) for chunk in chunks)
    cuts: List[int] = []
    pos = 0
    for chunk in chunks:
        pos += len(chunk)
        if 0 < pos < total and (not cuts or cuts[-1] != pos):
            cuts.append(pos)
    return cuts


# -- the reference and the comparison ---------------------------------------------------------


class Reference:
    """What the oracle does with one stream fed in the given chunks.

    ``events`` (fixture shape), ``positions`` (the byte completing each), ``error`` /
    ``error_position`` (a limit), ``end`` (the state after close(), None on error),
    ``states`` (byte offset -> state after that many bytes, where known: the chunk
    ends and the end of every event) and ``crash`` (an exception in the oracle itself).
    """

    __slots__ = ("crash", "end", "error", "error_position", "events", "positions", "states")

    def __init__(self, data: bytes, options: Options, cuts: Sequence[int]) -> None:
        self.events: List[Dict[str, Any]] = []
        self.positions: List[int] = []
        self.states: Dict[int, Dict[str, Any]] = {}
        self.error: Optional[str] = None
        self.error_position: Optional[int] = None
        self.end: Optional[Dict[str, Any]] = None
        self.crash: Optional[str] = None
        oracle = Oracle(max_line_bytes=options.get("max_line_bytes"), max_event_bytes=options.get("max_event_bytes"))
        pos = 0
        try:
            for chunk in cut(data, cuts) if data else []:
                try:
                    events = oracle.feed(chunk)
                except LimitReached as exc:
                    self._take(exc.events)
                    self.error, self.error_position = exc.limit, exc.position
                    return
                self._take(events)
                pos += len(chunk)
                self.states[pos] = {
                    "last_event_id": oracle.last_event_id_string,
                    "reconnection_time": oracle.reconnection_time,
                }
            oracle.close()
            self.end = oracle.state()
        except Exception as exc:  # a bug in the oracle: reported, never hidden
            self.crash = f"{type(exc).__name__}: {exc}"

    def _take(self, events: List[Dict[str, Any]]) -> None:
        for event in events:
            event = dict(event)
            position = event.pop("at")
            self.positions.append(position)
            self.events.append(event)
            self.states[position + 1] = {
                "last_event_id": event["last_event_id"],
                "reconnection_time": event["reconnection_time"],
            }

    def event_ends(self, size: int) -> List[int]:
        """Cuts right after every event."""
        return [p + 1 for p in self.positions if 0 < p + 1 < size]


class Difference:
    """One disagreement of a parser with the oracle.

    ``check`` is ``events``, ``timing``, ``state``, ``end``, ``error`` or ``crash``;
    ``detail`` narrows it (the first field that differs, ``count``...); ``chunking``
    is ``chunks`` (the random chunking), ``whole`` or ``event-ends``.
    """

    __slots__ = ("check", "chunking", "detail", "message", "parser")

    def __init__(self, parser: str, chunking: str, check: str, detail: str, message: str) -> None:
        self.parser = parser
        self.chunking = chunking
        self.check = check
        self.detail = detail
        self.message = message

    @property
    def signature(self) -> Tuple[str, str, str]:
        """What the minimiser keeps constant, and what counterexamples are deduplicated by."""
        return (self.parser, self.check, self.detail)

    @property
    def kind(self) -> str:
        return f"{self.parser} {self.check}/{self.detail}"

    def __str__(self) -> str:
        return f"{self.parser}, {self.chunking}: {self.check}: {self.message}"

    def __repr__(self) -> str:
        return f"<Difference {self}>"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_LIVE_STATE = ("last_event_id", "reconnection_time")


def _compare(
    adapter: Adapter, data: bytes, options: Options, cuts: Sequence[int], ref: Reference, label: str
) -> Optional[Difference]:
    chunks = cut(data, cuts) if data else []
    bounds: List[int] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        bounds.append(total)
    keys = tuple(adapter.event_keys)
    live = [k for k in adapter.state_keys if k in _LIVE_STATE]

    def differ(check: str, detail: str, message: str) -> Difference:
        return Difference(adapter.name, label, check, detail, message)

    got: List[Dict[str, Any]] = []
    by: List[int] = []  # the feed() that returned each event; len(chunks) = close()
    snaps: List[Dict[str, Any]] = []
    error: Optional[Tuple[str, int]] = None
    end: Dict[str, Any] = {}
    try:
        adapter.start(dict(options))
    except Exception as exc:
        return differ("crash", "start", f"start() raised {type(exc).__name__}: {exc}")
    for k, chunk in enumerate(chunks):
        try:
            events = adapter.feed(chunk)
        except LimitError as exc:
            error = (exc.limit, k)
            got.extend(exc.events)
            by.extend([k] * len(exc.events))
            break
        except Exception as exc:
            return differ("crash", "feed", f"feed #{k} raised {type(exc).__name__}: {exc}")
        got.extend(events)
        by.extend([k] * len(events))
        if live:
            try:
                snaps.append(adapter.state())
            except Exception as exc:
                return differ("crash", "state", f"state() raised {type(exc).__name__}: {exc}")
    if error is None:
        try:
            closing = adapter.close()
            if adapter.state_keys:
                end = adapter.state()
        except Exception as exc:
            return differ("crash", "close", f"close() raised {type(exc).__name__}: {exc}")
        got.extend(closing)
        by.extend([len(chunks)] * len(closing))

    # error
    raised = error[0] if error else None
    if raised != ref.error:
        if ref.error is None:
            message = f"raised {raised} in feed #{error[1] if error else -1}; the oracle raises nothing"
        elif raised is None:
            message = f"raised nothing; the oracle exceeds {ref.error} at byte {ref.error_position}"
        else:
            message = f"raised {raised}; the oracle exceeds {ref.error} at byte {ref.error_position}"
        return differ("error", "limit", message)
    # events
    want = [{k: e[k] for k in keys} for e in ref.events]
    have = [{k: e.get(k, "<missing>") for k in keys} for e in got]
    if have != want:
        for i, (g, w) in enumerate(zip(have, want)):
            if g != w:
                fields = [k for k in keys if g[k] != w[k]]
                text = "; ".join(f"{k} {_short(g[k])} != oracle {_short(w[k])}" for k in fields)
                return differ("events", fields[0], f"event #{i}: {text}")
        if len(have) > len(want):
            return differ("events", "count", f"{len(have) - len(want)} extra event(s), first {_short(have[len(want)])}")
        return differ("events", "count", f"{len(want) - len(have)} missing event(s), first {_short(want[len(have)])}")
    # timing
    if adapter.incremental:
        for i, position in enumerate(ref.positions):
            k = bisect.bisect_right(bounds, position)
            if by[i] != k:
                where = "close()" if by[i] == len(chunks) else f"feed #{by[i]}"
                return differ(
                    "timing", "event", f"event #{i} is complete at byte {position} (feed #{k}); returned by {where}"
                )
        if error is not None and ref.error_position is not None:
            k = bisect.bisect_right(bounds, ref.error_position)
            if error[1] != k:
                return differ(
                    "timing",
                    "error",
                    f"{ref.error} is exceeded at byte {ref.error_position} (feed #{k}); raised by feed #{error[1]}",
                )
    # state after each feed, where the oracle's is known
    for k, snap in enumerate(snaps):
        want_state = ref.states.get(bounds[k])
        if want_state is None:
            continue
        bad = [key for key in live if snap.get(key, "<missing>") != want_state[key]]
        if bad:
            text = "; ".join(
                f"{key} {_short(snap.get(key, '<missing>'))} != oracle {_short(want_state[key])}" for key in bad
            )
            return differ("state", bad[0], f"after feed #{k} (the first {bounds[k]} bytes): {text}")
    # end of stream
    if error is None and ref.end is not None and adapter.state_keys:
        bad = [key for key in adapter.state_keys if end.get(key, "<missing>") != ref.end[key]]
        if bad:
            text = "; ".join(
                f"{key} {_short(end.get(key, '<missing>'))} != oracle {_short(ref.end[key])}" for key in bad
            )
            return differ("end", bad[0], f"after close(): {text}")
    return None


def check_stream(data: bytes, options: Options, cuts: Sequence[int], parsers: Sequence[Adapter]) -> List[Difference]:
    """Feed one stream to the oracle and to each parser; the first difference of each parser.

    Each parser is fed under ``cuts`` and whole, and when it reports its state also
    with a cut right after every event.  A parser without limit support is not given
    streams with ``options``.  An exception in the oracle is itself a difference
    (parser ``oracle``, check ``crash``).
    """
    ref = Reference(data, options, cuts)
    if ref.crash is not None:
        return [Difference("oracle", "chunks", "crash", "oracle", f"the oracle raised {ref.crash}")]
    out = []
    for adapter in parsers:
        if options and not adapter.supports_limits:
            continue
        runs: List[Tuple[str, Sequence[int]]] = [("chunks", cuts)]
        if cuts:
            runs.append(("whole", ()))
        if adapter.state_keys:
            ends = ref.event_ends(len(data))
            if ends and list(ends) != list(cuts):
                runs.append(("event-ends", ends))
        for label, run_cuts in runs:
            difference = _compare(adapter, data, options, run_cuts, ref, label)
            if difference is not None:
                out.append(difference)
                break
    return out


# -- minimising --------------------------------------------------------------------------------


def _remove(data: bytes, cuts: Sequence[int], a: int, b: int) -> Tuple[bytes, List[int]]:
    """``data`` without bytes a..b-1, the cuts moved along (merged where they meet)."""
    new = data[:a] + data[b:]
    out: List[int] = []
    for c in cuts:
        moved = c if c <= a else a if c < b else c - (b - a)
        if 0 < moved < len(new) and (not out or out[-1] != moved):
            out.append(moved)
    return new, out


Predicate = Callable[[bytes, Options, List[int]], bool]


def _ddmin(data: bytes, options: Options, cuts: List[int], fails: Predicate) -> Tuple[bytes, List[int]]:
    """Delta debugging: remove pieces (halves, quarters, ... single bytes) while it still fails."""
    pieces = 2
    while data:
        size = len(data)
        step = max(1, -(-size // pieces))
        for a in range(0, size, step):
            new, new_cuts = _remove(data, cuts, a, min(size, a + step))
            if fails(new, options, new_cuts):
                data, cuts = new, new_cuts
                pieces = max(pieces - 1, 2)
                break
        else:
            if step == 1:
                break
            pieces = min(size, pieces * 2)
    return data, cuts


def minimise(data: bytes, options: Options, cuts: Sequence[int], fails: Predicate) -> Tuple[bytes, Options, List[int]]:
    """Shrink a failing case: the bytes (delta debugging), then the chunking (fewer cuts), then
    the limits (dropped where they do not matter); repeated until nothing more goes.

    ``fails(data, options, cuts)`` must be true for the case given.
    """
    cuts = list(cuts)
    for _ in range(4):
        before = (data, dict(options), list(cuts))
        data, cuts = _ddmin(data, options, cuts, fails)
        if cuts and fails(data, options, []):
            cuts = []
        i = len(cuts) - 1
        while i >= 0:
            trial = cuts[:i] + cuts[i + 1 :]
            if fails(data, options, trial):
                cuts = trial
            i -= 1
        for key in sorted(options):
            trial_options = {k: v for k, v in options.items() if k != key}
            if fails(data, trial_options, cuts):
                options = trial_options
        for key in sorted(options):  # smaller limits read more easily
            value = options[key]
            if isinstance(value, int):
                for smaller in range(min(value, 256)):
                    trial_options = dict(options, **{key: smaller})
                    if fails(data, trial_options, cuts):
                        options = trial_options
                        break
        if (data, options, cuts) == before:
            break
    return data, options, cuts


# -- counterexample fixtures ---------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._") or "parser"


def fixture_for(
    data: bytes,
    options: Options,
    cuts: Sequence[int],
    difference: Difference,
    seed: int,
    stream: Optional[int] = None,
    source: Optional[str] = None,
) -> Dict[str, Any]:
    """The fixture (a JSON-ready dict, category ``fuzz``) for a minimised counterexample.

    The expected values come from the oracle (:func:`conformance.oracle.parse`).
    The chunking that showed the difference is kept as ``chunks``.
    """
    expect = parse(data, options).expect()
    key = json.dumps([base64.b64encode(data).decode(), options, list(cuts), difference.parser], sort_keys=True)
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    stem = f"{_slug(difference.parser)}-{difference.check}-{_slug(difference.detail)}-{digest}"
    try:
        text = data.decode("utf-8")
        input_: Dict[str, str] = {"text": text}
    except UnicodeDecodeError:
        input_ = {"base64": base64.b64encode(data).decode("ascii")}
    obj: Dict[str, Any] = {
        "name": f"fuzz/{stem}",
        "description": f"minimised fuzz counterexample: {difference}",
        "source": source or f"python -m conformance fuzz --seed {seed}",
        "input": input_,
    }
    if cuts and data:
        bounds = [0, *cuts, len(data)]
        obj["chunks"] = [b - a for a, b in zip(bounds, bounds[1:])]
    if options:
        obj["options"] = dict(options)
    obj["expect"] = expect
    provenance: Dict[str, Any] = {
        "generated_by": "python -m conformance fuzz",
        "seed": seed,
        "parser": difference.parser,
        "check": difference.check,
        "chunking": difference.chunking,
    }
    if stream is not None:
        provenance["stream"] = stream
    obj["provenance"] = provenance
    return obj


def _folder(out: Path) -> Path:
    """Counterexamples go into ``out`` when it is a ``fuzz`` folder, else into ``out/fuzz``
    (so that ``python -m conformance run --fixtures OUT`` loads them)."""
    return out if out.name == "fuzz" else out / "fuzz"


def write_fixture(obj: Dict[str, Any], out: Path) -> Path:
    """Validate, write (``<folder>/<stem>.json``), and load back (the runner's loader)."""
    problems = validate(obj)
    if problems:  # pragma: no cover - a bug in fixture_for
        raise ValueError("the counterexample fixture does not validate: " + "; ".join(problems))
    folder = _folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (obj["name"].split("/", 1)[1] + ".json")
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    load_fixture(path)
    return path


# -- the fuzzing loop ---------------------------------------------------------------------------


class Counterexample:
    __slots__ = ("cuts", "data", "difference", "options", "path", "stream")

    def __init__(
        self,
        stream: int,
        difference: Difference,
        data: bytes,
        options: Options,
        cuts: List[int],
        path: Optional[Path],
    ) -> None:
        self.stream = stream
        self.difference = difference
        self.data = data
        self.options = options
        self.cuts = cuts
        self.path = path


class FuzzReport:
    """What a run found.  ``disagreements`` counts the streams with at least one difference;
    ``kinds`` counts them by :attr:`Difference.kind`."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.streams = 0
        self.disagreements = 0
        self.seconds = 0.0
        self.kinds: Dict[str, int] = {}
        self.stream_kinds: Dict[str, int] = {}
        self.counterexamples: List[Counterexample] = []

    def summary(self) -> str:
        return f"{self.streams} streams, {self.disagreements} disagreements, {self.seconds:.1f} s"


def stream_rng(seed: int, index: int) -> random.Random:
    """The generator of stream ``index`` of a run: any stream can be regenerated alone."""
    return random.Random(seed * 1_000_000_007 + index)


def run_fuzz(
    n: int = 100_000,
    seed: int = 0,
    adapters: Sequence[Adapter] = (),
    out: Optional[Path] = None,
    max_seconds: Optional[float] = None,
    log: Optional[Callable[[str], None]] = None,
    include_sse_pplx: bool = True,
    stop_after: Optional[int] = None,
    max_counterexamples: int = 20,
    progress_every: int = 10_000,
    source: Optional[str] = None,
) -> FuzzReport:
    """Generate ``n`` streams from ``seed`` and compare every parser with the oracle.

    ``adapters`` are compared besides sse_pplx (``include_sse_pplx``).  Each new kind
    of difference (parser, check, detail) is minimised and, when ``out`` is given,
    written there as a fixture, up to ``max_counterexamples``; later streams with a
    known kind are only counted.  Stops early after ``max_seconds`` or after
    ``stop_after`` disagreeing streams.
    """
    emit = log or (lambda line: None)
    parsers: List[Adapter] = []
    if include_sse_pplx:
        parsers.append(make_adapter("sse_pplx"))
    parsers.extend(a for a in adapters if not (include_sse_pplx and a.name == "sse_pplx"))
    report = FuzzReport(seed)
    seen: Set[Tuple[str, str, str]] = set()
    started = time.perf_counter()
    for index in range(n):
        if max_seconds is not None and time.perf_counter() - started > max_seconds:
            emit(f"fuzz: stopped after {max_seconds:g} s")
            break
        rng = stream_rng(seed, index)
        data, options, kind = generate_stream(rng)
        cuts = random_cuts(rng, data)
        report.stream_kinds[kind] = report.stream_kinds.get(kind, 0) + 1
        differences = check_stream(data, options, cuts, parsers)
        report.streams += 1
        if differences:
            report.disagreements += 1
        for difference in differences:
            report.kinds[difference.kind] = report.kinds.get(difference.kind, 0) + 1
            if difference.signature in seen or len(seen) >= max_counterexamples:
                continue
            seen.add(difference.signature)
            report.counterexamples.append(
                _counterexample(index, difference, data, options, cuts, parsers, seed, out, emit, source)
            )
        if progress_every and report.streams % progress_every == 0:
            elapsed = time.perf_counter() - started
            emit(f"fuzz: {report.streams}/{n} streams, {report.disagreements} disagreements, {elapsed:.1f} s")
        if stop_after is not None and report.disagreements >= stop_after:
            break
    report.seconds = time.perf_counter() - started
    return report


def _counterexample(
    index: int,
    difference: Difference,
    data: bytes,
    options: Options,
    cuts: List[int],
    parsers: Sequence[Adapter],
    seed: int,
    out: Optional[Path],
    emit: Callable[[str], None],
    source: Optional[str],
) -> Counterexample:
    target = [p for p in parsers if p.name == difference.parser]

    def fails(d: bytes, o: Options, c: List[int]) -> bool:
        return any(x.signature == difference.signature for x in check_stream(d, o, c, target))

    emit(f"disagreement in stream {index} ({len(data)} bytes): {difference}")
    small, small_options, small_cuts = minimise(data, options, cuts, fails)
    found = check_stream(small, small_options, small_cuts, target)
    final = next((x for x in found if x.signature == difference.signature), difference)
    emit(f"  minimised to {len(small)} bytes {small!r}, options {small_options}, cuts {small_cuts}: {final}")
    path = None
    if out is not None:
        if difference.parser == "oracle":
            emit("  not written: the oracle itself fails on it (it gives no expectation); fix the oracle")
        else:
            obj = fixture_for(small, small_options, small_cuts, final, seed, index, source)
            path = write_fixture(obj, out)
            emit(f"  wrote {path}")
    return Counterexample(index, final, small, small_options, small_cuts, path)


# -- the command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m conformance fuzz",
        description="Seeded differential fuzzing of SSE parsers against the spec-literal oracle.",
    )
    p.add_argument("--n", type=int, default=100_000, help="how many streams (default 100000)")
    p.add_argument("--seed", type=int, default=None, help="the run's seed (default: a new one, printed)")
    p.add_argument(
        "--adapter",
        action="append",
        default=[],
        metavar="NAME",
        help=f"also compare this parser ({', '.join(ADAPTERS)} or MODULE:FACTORY); repeatable",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=FIXTURES_DIR / "fuzz",
        help="where minimised counterexamples are written (default fixtures/fuzz; a folder not named "
        "fuzz gets a fuzz/ subfolder, so that `run --fixtures OUT` loads them)",
    )
    p.add_argument("--max-seconds", type=float, default=None, metavar="T", help="stop after T seconds")
    p.add_argument(
        "--max-counterexamples",
        type=int,
        default=20,
        metavar="K",
        help="minimise and write at most K counterexamples, one per kind of difference (default 20)",
    )
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    try:
        adapters = [make_adapter(spec) for spec in args.adapter]
    except AdapterUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    names = ["sse_pplx", *(a.name for a in adapters if a.name != "sse_pplx")]
    source = f"python -m conformance fuzz --seed {seed}" + "".join(f" --adapter {spec}" for spec in args.adapter)
    print(f"fuzz: seed {seed}, {args.n} streams, parsers {', '.join(names)} against the oracle", flush=True)

    def log(line: str) -> None:
        print(line, flush=True)

    try:
        report = run_fuzz(
            n=args.n,
            seed=seed,
            adapters=adapters,
            out=args.out,
            max_seconds=args.max_seconds,
            log=log,
            max_counterexamples=args.max_counterexamples,
            progress_every=max(1, min(10_000, args.n // 10 or 1)),
            source=source,
        )
    finally:
        for adapter in adapters:
            adapter.shutdown()
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(report.stream_kinds.items()))
    print(f"streams by kind: {kinds}")
    for kind, count in sorted(report.kinds.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {kind}: {count} streams")
    for ce in report.counterexamples:
        where = ce.path if ce.path is not None else "(not written)"
        print(f"  counterexample {ce.difference.kind}: {len(ce.data)} bytes -> {where}")
    print(report.summary())
    return 1 if report.disagreements else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
