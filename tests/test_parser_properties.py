"""Hypothesis properties of the parser core.

(a) For any bytes and any chunking, feed() raises nothing but ProtocolError subclasses.
(b) Every chunking of the same bytes yields the same items and final state — on random
    bytes and, more usefully, on generated "SSE-ish" streams (random lines of real and
    near-miss field names, values, all three line endings, BOMs, invalid UTF-8).
(c) The parser agrees with the spec-literal oracle (``conformance.oracle``, through
    ``tests.feeding.reference_parse``), limits included.
(d) Linear time, as a generous ratio of two input sizes, never a timed threshold
    (rexxars/eventsource-parser#28: O(N^2) when one event spans many chunks).
"""

from __future__ import annotations

import gc
import time
from typing import Any, Callable

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conformance.strategies import chunkings
from sse_pplx import LimitExceeded, ProtocolError, SSEParser
from tests.feeding import (
    FeedResult,
    assert_events_as_soon_as_complete,
    feed_chunks,
    reference_parse,
)

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------

FIELD_NAMES = [
    "data", "data", "data", "event", "id", "retry",  # the real ones, data most often
    "Data", "DATA", "data ", " data", "dat", "datas", "\ufeffdata", "ïd", "foo", "", "\x00",
]  # fmt: skip
SEPARATORS = ["", ":", ":", ": ", ": ", ":  ", "::", ": :"]
VALUES = [
    "", " ", "x", "hello world", "1000", "02", "0", " 5", "-1", "+1", "1.5", "١٢", "\uff11\uff12",
    "\x00", "a\x00b", "é", "€", "😀", "\u2028", "\u2029", "\x85", "\x0b\x0c", "\ufeff",
    ":", ": x", "data: nested", '{"json": [1, 2]}', "\t",
]  # fmt: skip
ENDINGS = ["\n", "\n", "\r", "\r\n"]
INVALID = [b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xc0\xaf"]


def _value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(VALUES),
        st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=8),
        st.integers(min_value=30, max_value=90).map(lambda n: "L" * n),  # long values, for limits
    )


@st.composite
def sse_ish_streams(draw: st.DrawFn) -> bytes:
    """Random streams that look like SSE: they reach every branch of the spec."""
    parts: list[str] = []
    boms = draw(st.sampled_from([0, 0, 0, 1, 2]))
    parts.append("\ufeff" * boms)
    for _ in range(draw(st.integers(min_value=0, max_value=14))):
        kind = draw(st.sampled_from(["field", "field", "field", "comment", "blank", "blank"]))
        if kind == "blank":
            line = ""
        elif kind == "comment":
            line = ":" + draw(_value())
        else:
            line = draw(st.sampled_from(FIELD_NAMES)) + draw(st.sampled_from(SEPARATORS)) + draw(_value())
        parts.append(line + draw(st.sampled_from(ENDINGS)))
    raw = "".join(parts).encode("utf-8")
    # sometimes a partial last line
    if draw(st.booleans()):
        raw += (draw(st.sampled_from(FIELD_NAMES)) + draw(st.sampled_from(SEPARATORS)) + draw(_value())).encode()
    # sometimes invalid UTF-8 somewhere
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2]))):
        at = draw(st.integers(min_value=0, max_value=len(raw)))
        raw = raw[:at] + draw(st.sampled_from(INVALID)) + raw[at:]
    return raw


#: Blocks near the Responses APIs' shape (``event: NAME`` then one ``data:`` line), and the
#: near misses that the parser's block-level fast path must hand back to the general path.
NAMED_BLOCKS = [
    "event: {n}\ndata: {v}", "event: {n}\ndata: {v}", "event: {n}\ndata: {v}",
    "event: {n}", "data: {v}", "event: {n}\ndata: {v}\ndata: {v}", "event: \ndata: {v}",
    "event:{n}\ndata: {v}", "event: {n}\ndata:{v}", "data: {v}\nevent: {n}", "id: {v}\nevent: {n}\ndata: {v}",
    "event: {n}\nid: 7\ndata: {v}", "event: {n}\nretry: 5\ndata: {v}", ": ping", "event: {n}\n: c\ndata: {v}",
    "event: {n}\ndata: {v}\nevent: {n}\ndata: {v}", "data: {v}\nevent: {n}\ndata: {v}",
    "event: {n}\ndata: {v}\nid: 9\nevent: {n}\ndata: {v}", "event: {n}\ndata: {v}\n\n",
]  # fmt: skip


@st.composite
def named_block_streams(draw: st.DrawFn) -> bytes:
    """Streams of whole blocks, most of them ``event:`` + ``data:`` pairs."""
    blocks = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        shape = draw(st.sampled_from(NAMED_BLOCKS))
        name = draw(st.sampled_from(["response.output_text.delta", "error", "x", "é", "a:b", " "]))
        blocks.append(shape.replace("{n}", name).replace("{v}", draw(_value())))
    ending = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    raw = (ending * 2).join(blocks).replace("\n", ending) + ending * draw(st.sampled_from([0, 1, 2, 2]))
    return raw.encode("utf-8")


@st.composite
def stream_and_chunking(draw: st.DrawFn, streams: st.SearchStrategy[bytes]) -> tuple[bytes, list[bytes]]:
    data = draw(streams)
    return data, draw(chunkings(data))


any_bytes = st.binary(max_size=200)
random_bytes_with_line_ends = st.lists(
    st.one_of(st.binary(max_size=6), st.sampled_from([b"\r", b"\n", b"\r\n", b":", b"data", b"data:", b" "])),
    max_size=40,
).map(b"".join)


# --------------------------------------------------------------------------------------
# (a) Only ProtocolError, ever
# --------------------------------------------------------------------------------------


def _feed_allowing_protocol_errors(chunks: list[bytes], **kw: Any) -> None:
    parser = SSEParser(**kw)
    for chunk in chunks:
        try:
            parser.feed(chunk)
        except ProtocolError as exc:
            assert isinstance(exc.events, list)
            return
    parser.close()


@_SETTINGS
@given(stream_and_chunking(st.one_of(any_bytes, random_bytes_with_line_ends, sse_ish_streams())))
def test_feed_raises_nothing_but_protocol_errors(case: tuple[bytes, list[bytes]]) -> None:
    """Contract: feed "Raises only ProtocolError subclasses for any input bytes"."""
    _, chunks = case
    _feed_allowing_protocol_errors(chunks)
    _feed_allowing_protocol_errors(chunks, comments=True)


@_SETTINGS
@given(stream_and_chunking(st.one_of(any_bytes, random_bytes_with_line_ends, sse_ish_streams())))
def test_feed_raises_nothing_but_protocol_errors_with_small_limits(case: tuple[bytes, list[bytes]]) -> None:
    """The same with tiny limits, where LimitExceeded fires often."""
    _, chunks = case
    _feed_allowing_protocol_errors(chunks, max_line_bytes=64, max_event_bytes=128)
    _feed_allowing_protocol_errors(chunks, max_line_bytes=1, max_event_bytes=1, comments=True)


# --------------------------------------------------------------------------------------
# (b) Chunking never matters
# --------------------------------------------------------------------------------------


def _assert_same(name: str, got: FeedResult, expected: FeedResult, data: bytes) -> None:
    assert got == expected, f"{name} differs from whole feed for {data!r}:\n  {got!r}\n  {expected!r}"


@_SETTINGS
@given(stream_and_chunking(st.one_of(any_bytes, random_bytes_with_line_ends)))
def test_any_chunking_of_random_bytes_gives_the_same_result(case: tuple[bytes, list[bytes]]) -> None:
    """Contract: "Any chunking of the same bytes gives the same events and final state"."""
    data, chunks = case
    whole = feed_chunks([data])
    _assert_same(f"chunking {chunks!r}", feed_chunks(chunks), whole, data)


@_SETTINGS
@given(stream_and_chunking(sse_ish_streams()))
def test_any_chunking_of_sse_ish_streams_gives_the_same_result(case: tuple[bytes, list[bytes]]) -> None:
    """The same on generated SSE-ish streams, with and without comments, and byte by byte."""
    data, chunks = case
    for comments in (False, True):
        whole = feed_chunks([data], comments=comments)
        _assert_same(f"chunking {chunks!r}", feed_chunks(chunks, comments=comments), whole, data)
        bytewise = [data[i : i + 1] for i in range(len(data))]
        _assert_same("byte by byte", feed_chunks(bytewise, comments=comments), whole, data)


def _feed_with_limits(chunks: list[bytes], **kw: Any) -> tuple[list[Any], str | None, Any]:
    parser = SSEParser(**kw)
    items: list[Any] = []
    for chunk in chunks:
        try:
            items.extend(parser.feed(chunk))
        except LimitExceeded as exc:
            return items + list(exc.events), exc.limit, None
    parser.close()
    state = (parser.last_event_id, parser.retry, parser.truncated, parser.incomplete_event)
    return items, None, state


@_SETTINGS
@given(stream_and_chunking(sse_ish_streams()))
def test_any_chunking_gives_the_same_limit_errors(case: tuple[bytes, list[bytes]]) -> None:
    """With small limits every chunking raises the same LimitExceeded after the same items
    (nothing lost, nothing duplicated), or none raises and the results agree."""
    data, chunks = case
    kw = {"max_line_bytes": 64, "max_event_bytes": 128, "comments": True}
    whole = _feed_with_limits([data], **kw)
    assert _feed_with_limits(chunks, **kw) == whole, chunks
    assert _feed_with_limits([data[i : i + 1] for i in range(len(data))], **kw) == whole


# --------------------------------------------------------------------------------------
# (c) Agreement with the spec-literal oracle
# --------------------------------------------------------------------------------------


def _assert_matches_reference(data: bytes, comments: bool, last_event_id: str = "") -> None:
    ref = reference_parse(data, comments=comments, last_event_id=last_event_id)
    got = feed_chunks([data], comments=comments, last_event_id=last_event_id)
    assert got.events == ref.items, f"items differ for {data!r}"
    assert got.pre_close_last_event_id == ref.last_event_id, f"last_event_id differs for {data!r}"
    assert got.pre_close_retry == ref.retry, f"retry differs for {data!r}"
    if ref.truncated is not None:
        assert got.truncated == ref.truncated, f"truncated differs for {data!r}"
    assert got.incomplete_event == ref.incomplete_event, f"incomplete_event differs for {data!r}"


@_SETTINGS
@given(data=st.one_of(sse_ish_streams(), random_bytes_with_line_ends), last_event_id=st.sampled_from(["", "7"]))
def test_parser_agrees_with_the_spec_literal_reference(data: bytes, last_event_id: str) -> None:
    """Items, last_event_id, retry, truncated and incomplete_event equal what a literal
    transcription of WHATWG §9.2.6 computes on the whole stream."""
    _assert_matches_reference(data, comments=False, last_event_id=last_event_id)
    _assert_matches_reference(data, comments=True, last_event_id=last_event_id)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=sse_ish_streams())
def test_items_come_out_of_the_feed_that_completes_them(data: bytes) -> None:
    """Byte by byte, each item comes out of the feed() of the last byte of its line end
    (the CR of a CRLF)."""
    assert_events_as_soon_as_complete(data, comments=True)


def _limits_broken_by_the_offending_line(data: bytes, max_line: int, max_event: int) -> set[str]:
    """The limits the first offending line breaks (one, or both), from the oracle.

    Contract: sizes are bytes as received.  A line's size excludes its line ending and
    the stream's leading BOM (which belongs to no line); a data buffer grows by each
    data value's raw bytes plus one for its LF.  The oracle finds a line too long at its
    first byte too many, and a data buffer too large at the end of the data line: both
    are the same line when no line ending lies between the two positions.
    """
    found = {
        "max_line_bytes": reference_parse(data, max_line_bytes=max_line).limit_position,
        "max_event_bytes": reference_parse(data, max_event_bytes=max_event).limit_position,
    }
    first = min(position for position in found.values() if position is not None)
    return {
        limit
        for limit, position in found.items()
        if position is not None and not any(byte in b"\r\n" for byte in data[first:position])
    }


@_SETTINGS
@given(data=sse_ish_streams())
@example(data=b"\xef\xbb\xbfdata" + b"L" * 60 + b"\n")  # found by hypothesis: BOM counted
@example(data=b"\xed\xa0\x80data" + b"L" * 53 + b"\n:\ndata\n")  # invalid bytes count as received
def test_limits_fire_exactly_where_the_reference_says(data: bytes) -> None:
    """LimitExceeded fires iff some line's size as received exceeds max_line_bytes or a
    data buffer exceeds max_event_bytes; the items before it are the reference's items of
    the lines before the offending one."""
    max_line, max_event = 64, 128
    ref = reference_parse(data, comments=True, max_line_bytes=max_line, max_event_bytes=max_event)
    items, limit, _ = _feed_with_limits([data], max_line_bytes=max_line, max_event_bytes=max_event, comments=True)
    if ref.limit is None:
        assert limit is None, f"raised {limit} for {data!r}"
        assert items == reference_parse(data, comments=True).items
        return
    broken = _limits_broken_by_the_offending_line(data, max_line, max_event)
    assert limit is not None, f"no LimitExceeded for {data!r} (the oracle: {ref.limit} at byte {ref.limit_position})"
    assert limit in broken, data
    assert ref.limit in broken, data
    assert items == ref.items, data


# --------------------------------------------------------------------------------------
# (d) Linear time
# --------------------------------------------------------------------------------------


def _bytewise_cost(data: bytes, runs: int = 5) -> float:
    """Best of up to ``runs``: seconds to feed ``data`` byte by byte (chunks prepared
    outside).  Repetitions stop once 2 s were spent (only how often it measures, never
    whether it passes, depends on the clock)."""
    chunks = [data[i : i + 1] for i in range(len(data))]
    best = float("inf")
    spent = 0.0
    for _ in range(runs):
        parser = SSEParser(max_line_bytes=None, max_event_bytes=None)
        feed = parser.feed
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for chunk in chunks:
                feed(chunk)
            elapsed = time.perf_counter() - start
        finally:
            gc.enable()
        best = min(best, elapsed)
        spent += elapsed
        if spent > 2.0:
            break
    return best


def _assert_linear(make: Callable[[int], bytes], size: int = 250_000) -> None:
    """Feeding 2x the input must cost < 3x the time (linear gives ~2x; a quadratic parser
    gives ~4x, and at these sizes far more).  A ratio, never an absolute time; measured
    twice before failing so one scheduling hiccup cannot fail the test."""
    small, large = make(size), make(2 * size)
    ratios: list[float] = []
    for _ in range(2):
        t_small = _bytewise_cost(small)
        t_large = float("inf")
        for _ in range(5):
            t_large = min(t_large, _bytewise_cost(large, runs=1))
            if t_large < 3.0 * t_small:
                return
            if t_large > 10.0 * t_small:
                break  # clearly not linear; repeating would only waste time
        ratios.append(t_large / t_small)
    raise AssertionError(f"2x input took {ratios} x the time: not linear")


def test_linear_time_one_long_line_fed_byte_by_byte() -> None:
    """A single 250 KB / 500 KB data line arriving one byte at a time (a growing partial
    line must not be re-copied or re-scanned on every feed)."""
    _assert_linear(lambda n: b"data: " + b"x" * n + b"\n\n")


def test_linear_time_one_event_of_many_data_lines_fed_byte_by_byte() -> None:
    """rexxars/eventsource-parser#28: O(N^2) when one event spans many chunks.  One event
    with many short data lines, one byte per feed()."""
    _assert_linear(lambda n: b"data: 0123456789\n" * (n // 17) + b"\n")


def test_linear_time_long_comment_and_unknown_field_lines() -> None:
    """Lines the parser ignores must not be quadratic either."""
    _assert_linear(lambda n: b": " + b"c" * (n // 2) + b"\nfoo: " + b"u" * (n // 2) + b"\n\n")


def test_linear_time_many_small_events_with_crlf() -> None:
    """Many small CRLF events (the CR/LF bookkeeping must be O(1) per byte)."""
    _assert_linear(lambda n: b"id: 1\r\ndata: ab\r\n\r\n" * (n // 19))


@_SETTINGS
@given(case=stream_and_chunking(named_block_streams()), last_event_id=st.sampled_from(["", "7"]))
def test_named_blocks_agree_with_the_reference_at_any_chunking(
    case: tuple[bytes, list[bytes]], last_event_id: str
) -> None:
    """The block-level fast path for ``event:`` + ``data:`` pairs (SSEParser._named_blocks)
    gives what the spec-literal oracle gives, whole and in a random chunking."""
    data, chunks = case
    _assert_matches_reference(data, comments=False, last_event_id=last_event_id)
    ref = reference_parse(data, comments=False, last_event_id=last_event_id)
    got = feed_chunks(chunks, last_event_id=last_event_id)
    assert got.events == ref.items, f"items differ for {data!r} fed as {chunks!r}"
    assert got.pre_close_last_event_id == ref.last_event_id
