"""Hypothesis strategies for ``text/event-stream`` input, for testing any SSE parser.

**Needs Hypothesis** (``pip install hypothesis``), a test-time dependency: this
module imports it, and nothing else in the conformance kit imports this module,
so the kit itself keeps to the standard library.  The seeded fuzzer
(``python -m conformance fuzz``, :mod:`conformance.fuzz`) generates the same
kinds of streams from the same tables without Hypothesis.

::

    from hypothesis import given, strategies as st
    from conformance.strategies import chunkings, stream_cases

    @given(st.data())
    def test_my_parser(data):
        stream, options = data.draw(stream_cases())
        chunks = data.draw(chunkings(stream))
        ...  # feed chunks to the parser (with options as its limits), compare with conformance.oracle.parse

Strategies (each draws ``bytes`` unless said otherwise):

``valid_streams()``       well-formed blocks of ``data`` / ``event`` / ``id`` / ``retry``
                          fields and comments, every line-ending style (LF, CR, CRLF, mixed),
                          sometimes a BOM, multibyte UTF-8 and the characters other parsers
                          wrongly split lines on (U+2028, U+0085, VT, FF...)
``near_valid_streams()``  a valid stream with one to four mutations: missing blank lines,
                          stray CRs, bad retry values, NUL in an id, spaces around colons,
                          unknown or near-miss field names, truncation at any byte, split or
                          damaged multibyte characters, BOMs in the wrong place
``hostile_streams()``     random bytes, invalid UTF-8, lines far longer than ``line_limit``
                          (to pair with :func:`limits`), endless runs of CRs and LFs, BOM pieces
``limits()``              parser options: ``{}`` or small ``max_line_bytes`` / ``max_event_bytes``
``stream_cases()``        ``(bytes, options)`` pairs drawn from all of the above
``chunkings(data)``       ``List[bytes]``: ``data`` cut into non-empty chunks (whole, bytewise,
                          random cuts, cuts next to CR / LF and inside multibyte characters)
"""

from __future__ import annotations

from typing import Any, Dict, List

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "conformance.strategies needs Hypothesis (pip install hypothesis); the rest of the conformance kit does not"
    ) from exc

from .chunkings import cut
from .fuzz import BAD_RETRY, BOM, EOLS, HOSTILE_BYTES, INVALID_UTF8, NEAR_FIELD_NAMES, VALUE_CHARS, multibyte_sequences

__all__ = [
    "chunkings",
    "hostile_streams",
    "limits",
    "near_valid_streams",
    "stream_cases",
    "valid_streams",
    "values",
]

Lines = List[List[bytes]]


def values(max_size: int = 8, nul: bool = True) -> st.SearchStrategy[str]:
    """A field value: pieces of :data:`conformance.fuzz.VALUE_CHARS` (no CR or LF)."""
    pieces = [c for c in VALUE_CHARS if nul or c != "\x00"]
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


@st.composite
def _field(draw: Any, name: str, value: st.SearchStrategy[str]) -> bytes:
    text = draw(value)
    if text == "" and draw(st.booleans()):
        return name.encode()  # no colon: an empty value
    return (name + draw(st.sampled_from((":", ": "))) + text).encode()


def _retry_values() -> st.SearchStrategy[str]:
    number = st.one_of(st.integers(0, 10_000), st.integers(0, 10**30))
    return st.tuples(st.sampled_from(("", "0", "000")), number).map(lambda t: t[0] + str(t[1]))


def _valid_line() -> st.SearchStrategy[bytes]:
    return st.one_of(
        _field("data", values()),
        _field("event", values(6)),
        _field("id", values(6, nul=False)),
        _field("retry", _retry_values()),
        values().map(lambda v: (":" + v).encode()),
    )


@st.composite
def _valid_lines(draw: Any, max_blocks: int = 6) -> Lines:
    style = draw(st.sampled_from((*EOLS, "mixed")))
    blocks = draw(st.lists(st.lists(_valid_line(), max_size=5), max_size=max_blocks))
    lines: Lines = []
    previous = ""
    for block in blocks:
        for line in [*block, b""]:
            eol = draw(st.sampled_from(EOLS)) if style == "mixed" else style
            if previous == "\r" and not line and eol == "\n":
                eol = "\r"  # CR then an empty line ended by LF would read as one CRLF: no blank line
            lines.append([line, eol.encode()])
            previous = eol
    return lines


def _join(lines: Lines) -> bytes:
    return b"".join(line + eol for line, eol in lines)


@st.composite
def valid_streams(draw: Any, max_blocks: int = 6) -> bytes:
    """Well-formed streams: every block ends with a blank line; the bytes are valid UTF-8."""
    data = _join(draw(_valid_lines(max_blocks)))
    return (BOM + data) if draw(st.booleans()) else data


_LINE_MUTATIONS = (
    "drop-blank-line",
    "bad-retry",
    "nul-in-id",
    "spaces-around-colon",
    "unknown-field",
    "no-colon",
    "line-ending",
    "bom-in-line",
    "invalid-utf8",
)
_BYTE_MUTATIONS = ("stray-cr", "truncate", "split-multibyte", "lose-byte", "bom-anywhere")


def _mutate_lines(draw: Any, lines: Lines, kind: str) -> None:
    where = draw(st.integers(0, len(lines)))
    eol = draw(st.sampled_from(EOLS)).encode()
    if kind == "drop-blank-line":
        blanks = [i for i, (line, _) in enumerate(lines) if not line]
        if blanks:
            del lines[draw(st.sampled_from(blanks))]
    elif kind == "bad-retry":
        lines.insert(where, [draw(_field("retry", st.sampled_from(BAD_RETRY))), eol])
    elif kind == "nul-in-id":
        value = st.tuples(values(3, nul=False), values(3)).map(lambda t: t[0] + "\x00" + t[1])
        lines.insert(where, [draw(_field("id", value)), eol])
    elif kind == "spaces-around-colon":
        name = draw(st.sampled_from(("data", "event", "id", "retry")))
        sep = draw(st.sampled_from((" :", " : ", ":  ", "\t:", ":\t")))
        lead = draw(st.sampled_from(("", " ")))
        lines.insert(where, [(lead + name + sep + draw(values(4))).encode(), eol])
    elif kind == "unknown-field":
        lines.insert(where, [draw(_field(draw(st.sampled_from(NEAR_FIELD_NAMES)), values(4))), eol])
    elif kind == "no-colon":
        lines.insert(where, [draw(st.sampled_from((b"data", b"event", b"id", b"retry", b"data "))), eol])
    elif kind == "line-ending":
        if lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines[i][1] = draw(st.sampled_from((b"\n", b"\r", b"\r\n", b"", b"\n\r", b"\r\r")))
    elif kind == "bom-in-line":
        lines.insert(where, [BOM + draw(_field(draw(st.sampled_from(("data", "id", "x"))), values(3))), eol])
    else:  # invalid-utf8
        line = draw(_field(draw(st.sampled_from(("data", "event", "id"))), values(3)))
        at = draw(st.integers(0, len(line)))
        lines.insert(where, [line[:at] + draw(st.sampled_from(INVALID_UTF8)) + line[at:], eol])


def _mutate_bytes(draw: Any, data: bytes, kind: str) -> bytes:
    pos = draw(st.integers(0, len(data)))
    if kind == "stray-cr":
        return data[:pos] + b"\r" + data[pos:]
    if kind == "truncate":
        return data[:pos]
    if kind == "split-multibyte":
        seqs = multibyte_sequences(data)
        if not seqs:
            return data[:pos] + b"\xe2\x82" + data[pos:]
        start, size = draw(st.sampled_from(seqs))
        inner = start + draw(st.integers(1, size - 1))
        return data[:inner] if draw(st.booleans()) else data[:inner] + data[inner + 1 :]
    if kind == "lose-byte":
        return data[:pos] + data[pos + 1 :]
    return data[:pos] + draw(st.sampled_from((BOM, b"\xef\xbb", b"\xef"))) + data[pos:]


@st.composite
def near_valid_streams(draw: Any, max_blocks: int = 6) -> bytes:
    """Almost valid streams: one to three line mutations, then up to two byte mutations."""
    lines = draw(_valid_lines(max_blocks)) or [[b"data: x", b"\n"], [b"", b"\n"]]
    for kind in draw(st.lists(st.sampled_from(_LINE_MUTATIONS), min_size=1, max_size=3)):
        _mutate_lines(draw, lines, kind)
    data = _join(lines)
    if draw(st.booleans()):
        data = BOM + data
    for kind in draw(st.lists(st.sampled_from(_BYTE_MUTATIONS), max_size=2)):
        data = _mutate_bytes(draw, data, kind)
    return data


@st.composite
def _long_lines(draw: Any, line_limit: int) -> bytes:
    prefixes = (b"data:", b"data: ", b":", b"id:", b"event:", b"retry:", b"", b"x:")
    fillers = (b"x", b"\xc3\xa9", b"\xff", b"\xe2\x82\xac")
    ends = (b"\n", b"\r", b"\r\n", b"\n\n", b"\r\n\r\n", b"")
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        prefix = draw(st.sampled_from(prefixes))
        size = draw(st.integers(max(0, line_limit - 6), 3 * line_limit + 4))
        filler = draw(st.sampled_from(fillers))
        parts.append(prefix + (filler * (size // len(filler) + 1))[:size] + draw(st.sampled_from(ends)))
    return b"".join(parts)


@st.composite
def _line_ending_runs(draw: Any) -> bytes:
    units = (b"\r", b"\n", b"\r\n", b"\n\r", b"\r\r\n")
    fields = (b"", b"data: x", b"data", b"id: 1", b"retry: 5", b":", b"data:\xc3")
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        parts.append(draw(st.sampled_from(units)) * draw(st.integers(1, 200)))
        parts.append(draw(st.sampled_from(fields)))
    return b"".join(parts)


def hostile_streams(line_limit: int = 32) -> st.SearchStrategy[bytes]:
    """Random bytes, invalid UTF-8 in valid structure, lines around and far past ``line_limit``
    bytes (draw the limits from :func:`limits` with the same ``line_limit``), endless CRs / LFs,
    BOM pieces."""

    def splice(lines: Lines, inserts: List[Any]) -> bytes:
        lines = lines or [[b"data: x", b"\n"], [b"", b"\n"]]
        for index, at, bad in inserts:
            line = lines[index % len(lines)]
            line[0] = line[0][: at % (len(line[0]) + 1)] + bad + line[0][at % (len(line[0]) + 1) :]
        return _join(lines)

    insert = st.tuples(st.integers(0, 100), st.integers(0, 100), st.sampled_from(INVALID_UTF8))
    bom_pieces = (BOM, b"\xef", b"\xef\xbb", b"\xbb\xbf", b"data: x", b"\n", b"\r", b":", b"\xbf")
    return st.one_of(
        st.binary(max_size=256),
        st.lists(st.sampled_from(sorted(set(HOSTILE_BYTES))), max_size=300).map(bytes),
        st.builds(splice, _valid_lines(), st.lists(insert, min_size=1, max_size=4)),
        _long_lines(line_limit),
        _line_ending_runs(),
        st.lists(st.sampled_from(bom_pieces), min_size=1, max_size=8).map(b"".join),
    )


def limits(line_limit: int = 32) -> st.SearchStrategy[Dict[str, Any]]:
    """Parser options: ``{}`` (the defaults), or small limits (sometimes ``None``: unlimited)."""
    line = st.one_of(st.integers(0, line_limit), st.none())
    event = st.one_of(st.integers(0, 4 * line_limit), st.none())
    return st.one_of(
        st.just({}),
        st.fixed_dictionaries({"max_line_bytes": line}),
        st.fixed_dictionaries({"max_event_bytes": event}),
        st.fixed_dictionaries({"max_line_bytes": line, "max_event_bytes": event}),
    )


def stream_cases(line_limit: int = 32) -> st.SearchStrategy[Any]:
    """``(bytes, options)``: a valid, near-valid or hostile stream and the limits to parse it with."""
    streams = st.one_of(valid_streams(), near_valid_streams(), hostile_streams(line_limit))
    return st.tuples(streams, limits(line_limit))


def chunkings(data: bytes) -> st.SearchStrategy[List[bytes]]:
    """``data`` cut into non-empty chunks (``[]`` for no bytes); shrinks towards one chunk."""
    n = len(data)
    if n < 2:
        return st.just([data] if data else [])
    spots = sorted(
        {k for k in range(1, n) if data[k - 1] in (10, 13) or data[k] in (10, 13)}
        | {s + k for s, size in multibyte_sequences(data) for k in range(1, size)}
    )
    options = [
        st.just([]),
        st.just(list(range(1, n))),
        st.lists(st.integers(1, n - 1), unique=True, max_size=min(n - 1, 32)).map(sorted),
    ]
    if spots:
        options.append(st.lists(st.sampled_from(spots), unique=True, min_size=1).map(sorted))
    return st.one_of(options).map(lambda cuts: cut(data, cuts))
