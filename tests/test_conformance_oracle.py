"""The spec-literal reference parser (conformance/oracle.py) and the chunking strategies."""

from __future__ import annotations

import subprocess
import sys
from typing import List

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.chunkings import cut, strategies
from conformance.fixture import iter_fixtures
from conformance.oracle import LimitReached, Oracle, Utf8Decoder, parse

_SETTINGS = settings(max_examples=150, deadline=None)


def _decode(data: bytes) -> str:
    decoder = Utf8Decoder()
    chars = []
    for byte in data:
        chars.extend(decoder.push(byte))
    chars.extend(decoder.end())
    assert sum(count for _, count in chars) == len(data), "byte counts must cover the input"
    return "".join(char for char, _ in chars)


@_SETTINGS
@given(st.binary(max_size=64))
def test_whatwg_utf8_decoder_matches_the_unicode_replacement_practice(data: bytes) -> None:
    """The WHATWG decoder and CPython's codec both follow the "maximal subpart" U+FFFD practice."""
    assert _decode(data) == data.decode("utf-8", "replace")


def test_utf8_decoder_known_cases() -> None:
    assert _decode(b"\xe2\x82") == "\ufffd"
    assert _decode(b"\xe0\x80\x80") == "\ufffd" * 3
    assert _decode(b"\xed\xa0\x80") == "\ufffd" * 3
    assert _decode(b"\xf0\x9f\x98\x80") == "\U0001f600"
    assert _decode(b"\xc3x") == "\ufffdx"


def _events(data: bytes) -> List[tuple]:
    return [(e["type"], e["data"], e["id"], e["retry"]) for e in parse(data).events]


def test_oracle_spec_examples() -> None:
    stream = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"
    assert _events(stream) == [
        ("message", "first event", "1", None),
        ("message", "second event", "", None),
        ("message", " third event", "", None),
    ]
    assert _events(b"data\n\ndata\ndata\n\ndata:") == [("message", "", "", None), ("message", "\n", "", None)]
    result = parse(b"retry: 10\nid: x\ndata: a\n\nid: 7")
    assert result.end == {"last_event_id": "x", "reconnection_time": 10, "discarded": True}


def test_oracle_positions_are_the_completing_byte() -> None:
    assert parse(b"data: a\n\n").positions == [8]
    assert parse(b"data: a\r\n\r\n").positions == [9]  # the CR of the blank line's CRLF
    assert parse(b"\xef\xbb\xbfdata: a\r\r").positions == [11]


def test_oracle_reports_comments_and_block_lines_when_asked() -> None:
    """``comments=True`` (the test suite's reference for sse_pplx's comments): each comment line,
    in order with the events, its text after the colon as received; the spec itself ignores it."""
    stream = b": one\ndata: a\n:two\n\n:\n"
    assert [e["data"] for e in Oracle().feed(stream)] == ["a"]
    oracle = Oracle(comments=True)
    found = oracle.feed(stream)
    assert [(f.get("comment"), f["at"]) for f in found] == [(" one", 5), ("two", 18), (None, 19), ("", 21)]
    assert (found[2]["type"], found[2]["data"]) == ("message", "a")
    assert oracle.block_lines == 1  # the last comment, after the blank line
    assert [e["data"] for e in parse(stream).events] == ["a"]  # parse() (the fixtures) has no comments


def test_oracle_bom_split_across_feeds() -> None:
    oracle = Oracle()
    out = []
    for byte in b"\xef\xbb\xbfdata: a\n\n":
        out.extend(oracle.feed(bytes([byte])))
    assert [e["data"] for e in out] == ["a"]
    oracle = Oracle()
    assert oracle.feed(b"\xef\xbb") == []
    oracle.close()
    assert oracle.state()["discarded"] is True  # EF BB alone is one U+FFFD, an unterminated line


def test_oracle_limits() -> None:
    oracle = Oracle(max_line_bytes=5)
    try:
        oracle.feed(b"ab\n\ndata:\n\nabcdef")
    except LimitReached as exc:
        assert exc.limit == "max_line_bytes" and exc.position == 16
        assert [e["data"] for e in exc.events] == [""]
    else:
        raise AssertionError("no limit error")
    assert parse(b"data: abc\n\n", {"max_event_bytes": 3}).error == {
        "kind": "limit",
        "limit": "max_event_bytes",
        "events_before": 0,
    }
    assert parse(b"data: abc\n\n", {"max_event_bytes": 4}).error is None


@_SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                b"data",
                b":",
                b" ",
                b"\n",
                b"\r",
                b"\r\n",
                b"id",
                b"retry",
                b"event",
                b"1",
                b"x",
                b"\xc3\xa9",
                b"\xe2\x82",
                b"\xff",
                b"\xef\xbb\xbf",
                b"\x00",
            ]
        ),
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_oracle_is_chunking_independent(parts: List[bytes], rnd: object) -> None:
    data = b"".join(parts)
    whole = parse(data)
    oracle = Oracle()
    got = []
    positions = sorted({rnd.randint(1, max(1, len(data) - 1)) for _ in range(5)}) if len(data) > 1 else []  # type: ignore[attr-defined]
    for chunk in cut(data, positions):
        got.extend(oracle.feed(chunk))
    oracle.close()
    assert [{k: v for k, v in e.items() if k != "at"} for e in got] == whole.events
    assert [e["at"] for e in got] == whole.positions
    assert oracle.state() == whole.end


def test_oracle_and_generator_never_import_sse_pplx() -> None:
    code = (
        "import sys; import conformance.oracle, conformance.build_fixtures; "
        "conformance.build_fixtures.build_all(); assert 'sse_pplx' not in sys.modules, 'imported sse_pplx'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_oracle_reproduces_every_fixture() -> None:
    """The stored expectations are the oracle's (build_fixtures checks this at build time; here on the files)."""
    for fx in iter_fixtures():
        assert parse(fx.data, fx.options).expect() == fx.expect, fx.name


# -- chunkings ----------------------------------------------------------------------------


def test_chunking_strategies_cover_the_named_cases() -> None:
    data = "data: é\r\n\r\n".encode()
    chunkings = strategies(data, name="x", recorded=[3, len(data) - 3])
    names = [c.name for c in chunkings]
    assert names[:3] == ["whole", "bytewise", "recorded"]
    assert "utf8@7" in names  # between C3 and A9
    assert {"crlf@9", "crlf@11"} <= set(names)
    assert any(n.startswith("split3@") for n in names)
    assert any(n.startswith("random#") for n in names)
    cuts = [c.cuts for c in chunkings]
    assert len(cuts) == len(set(cuts)), "duplicate chunkings are run once"
    for chunking in chunkings:
        chunks = chunking.chunks(data)
        assert b"".join(chunks) == data and all(chunks), chunking.name


def test_chunkings_are_seeded_and_bounded() -> None:
    data = bytes(range(32, 127)) * 2
    a = [c.cuts for c in strategies(data, name="n", seed=1)]
    b = [c.cuts for c in strategies(data, name="n", seed=1)]
    c = [c.cuts for c in strategies(data, name="n", seed=2)]
    assert a == b and a != c
    names = [c.name for c in strategies(data, name="n", exhaustive_limit=16, three_way_limit=0, random_count=2)]
    assert not any(n.startswith(("split@", "split3@")) for n in names)
    assert sum(n.startswith("random#") for n in names) == 2
    emoji = "😀".encode() * 20
    assert sum(n.startswith("utf8@") for n in (c.name for c in strategies(emoji, max_targeted=3))) == 3
    assert [c.name for c in strategies(b"")] == ["whole"]
