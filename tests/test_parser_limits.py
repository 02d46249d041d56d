"""Size limits (docs/parser-contract.md "Limits").

``max_line_bytes`` bounds any single line, also a partial, still-growing one;
``max_event_bytes`` bounds the data buffer of one event (sum of data values + one LF each).
Sizes are bytes as received on the wire (an invalid byte counts 1; a line's size excludes its
line ending; the stream's leading BOM belongs to no line); ``None`` disables a limit.  Exceeding one raises
``LimitExceeded`` (``.limit``, ``.value``, ``.events``) and terminates the parser until
``reset()``.  No peer has safe defaults (rtfol/aiohttp-sse-client#11 has a hidden fixed one;
rexxars/eventsource-parser#32 added an opt-in one to bound memory against malicious
streams).
"""

from __future__ import annotations

import gc

import pytest

from sse_pplx import (
    DEFAULT_MAX_EVENT_BYTES,
    DEFAULT_MAX_LINE_BYTES,
    Comment,
    LimitExceeded,
    ParserTerminated,
    ProtocolError,
    ServerSentEvent,
    SSEParser,
)
from tests.feeding import expect_raises_all_ways, feed_all_ways
from tests.interpreter import needs_tracemalloc

LIMIT = 1000


def sse(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=event, id=id, retry=retry)


def _feed_until_error(parser: SSEParser, chunk: bytes, max_total: int) -> tuple[int, BaseException | None]:
    """Feed ``chunk`` repeatedly until feed() raises or ``max_total`` bytes went in."""
    fed = 0
    while fed < max_total:
        try:
            parser.feed(chunk)
        except Exception as exc:
            return fed + len(chunk), exc
        fed += len(chunk)
    return fed, None


# --------------------------------------------------------------------------------------
# Defaults
# --------------------------------------------------------------------------------------


def test_default_limits_are_finite_and_documented() -> None:
    """Contract: max_line_bytes defaults to DEFAULT_MAX_LINE_BYTES (8 MiB) and
    max_event_bytes to DEFAULT_MAX_EVENT_BYTES (16 MiB)."""
    assert DEFAULT_MAX_LINE_BYTES == 8 * 1024 * 1024
    assert DEFAULT_MAX_EVENT_BYTES == 16 * 1024 * 1024


def test_default_parser_enforces_the_default_line_limit() -> None:
    """A default SSEParser() refuses an endless line once it passes 8 MiB."""
    parser = SSEParser()
    chunk = b"x" * (1024 * 1024)
    fed, exc = _feed_until_error(parser, chunk, 12 * len(chunk))
    assert isinstance(exc, LimitExceeded), exc
    assert exc.limit == "max_line_bytes"
    assert exc.value == DEFAULT_MAX_LINE_BYTES
    assert fed == 9 * len(chunk), "must raise on the chunk that takes the line past 8 MiB"


def test_default_parser_accepts_a_line_of_exactly_the_default_limit() -> None:
    """A line of exactly DEFAULT_MAX_LINE_BYTES is accepted (only exceeding raises)."""
    parser = SSEParser()
    value = b"y" * (DEFAULT_MAX_LINE_BYTES - len(b"data:"))
    events = parser.feed(b"data:" + value + b"\n\n")
    assert len(events) == 1 and len(events[0].data) == len(value)


# --------------------------------------------------------------------------------------
# max_line_bytes
# --------------------------------------------------------------------------------------


def test_endless_line_raises_once_past_the_limit() -> None:
    """An endless line fed in pieces raises on the feed() that takes it past the limit, not
    before (exactly LIMIT bytes is still a possible line) and not later."""
    parser = SSEParser(max_line_bytes=LIMIT)
    fed, exc = _feed_until_error(parser, b"d" * 100, 100 * LIMIT)
    assert isinstance(exc, LimitExceeded), exc
    assert exc.limit == "max_line_bytes"
    assert exc.value == LIMIT
    assert exc.events == []
    assert fed == LIMIT + 100


@needs_tracemalloc
def test_endless_line_in_1kib_chunks_keeps_memory_bounded() -> None:
    """Feeding up to 100x the limit of one endless line in 1 KiB chunks: the parser must
    raise early, and tracemalloc's peak must stay within a few times the limit (the whole
    100x must never be buffered)."""
    limit = 64 * 1024
    chunk = b"a" * 1024
    parser = SSEParser(max_line_bytes=limit)
    import tracemalloc  # CPython's: PyPy has no _tracemalloc (tests/interpreter.py)

    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        fed, exc = _feed_until_error(parser, chunk, 100 * limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(exc, LimitExceeded), exc
    assert fed <= limit + len(chunk)
    assert peak - base < 4 * limit, f"peak {peak - base} bytes for a {limit}-byte limit"


@pytest.mark.parametrize("comments", [False, True])
def test_endless_comment_line_is_bounded_too(comments: bool) -> None:
    """Contract: max_line_bytes "bounds any single line" — comments and unknown fields too."""
    for prefix in (b":", b"unknownfield:", b"id:", b"event:", b"retry:"):
        parser = SSEParser(max_line_bytes=LIMIT, comments=comments)
        _, exc = _feed_until_error(parser, prefix + b"z" * 99, 100 * LIMIT)
        assert isinstance(exc, LimitExceeded), (prefix, exc)
        assert exc.limit == "max_line_bytes"


def test_line_exactly_at_the_limit_is_accepted() -> None:
    """Only *exceeding* the limit raises: a line of exactly max_line_bytes bytes (the line
    itself, without its line ending) is accepted, with every line ending."""
    value = "v" * (LIMIT - len("data:"))
    for ending in (b"\n", b"\r", b"\r\n"):
        stream = b"data:" + value.encode() + ending + ending
        result = feed_all_ways(stream, max_line_bytes=LIMIT)
        assert result.data == [value], ending


def test_line_one_byte_over_the_limit_raises() -> None:
    """max_line_bytes + 1 bytes raises LimitExceeded("max_line_bytes"), for every chunking."""
    value = b"v" * (LIMIT - len("data:") + 1)
    raised = expect_raises_all_ways(b"data:" + value + b"\n\n", LimitExceeded, max_line_bytes=LIMIT)
    assert raised.limit == "max_line_bytes"
    assert raised.value == LIMIT
    assert raised.events == []


def test_line_limit_counts_utf8_bytes_not_characters() -> None:
    """Contract: "Sizes are counted in bytes as received on the wire."  "data:" + 497 x "é" is 999
    bytes (502 characters): accepted; 498 x "é" is 1001 bytes (503 characters): raises."""
    ok = "é" * 497
    assert len(("data:" + ok).encode()) == 999
    assert feed_all_ways(("data:" + ok + "\n\n").encode(), max_line_bytes=LIMIT).data == [ok]
    too_long = ("data:" + "é" * 498 + "\n\n").encode()
    raised = expect_raises_all_ways(too_long, LimitExceeded, max_line_bytes=LIMIT)
    assert raised.limit == "max_line_bytes"


def test_line_limit_counts_four_byte_characters() -> None:
    """250 x U+1F600 is 1000 UTF-8 bytes but 250 characters (500 UTF-16 units)."""
    line = "😀" * 250
    assert feed_all_ways((line + "\n").encode(), max_line_bytes=LIMIT).events == []
    expect_raises_all_ways((line + "x\n").encode(), LimitExceeded, max_line_bytes=LIMIT)


def test_line_limit_counts_invalid_bytes_as_received() -> None:
    """Contract: sizes are bytes as received.  An invalid byte b"\\xff" counts 1 (not the
    3 UTF-8 bytes of the U+FFFD it decodes to): a line of exactly LIMIT such bytes is
    accepted, one more is refused."""
    line = b"data:" + b"\xff" * (LIMIT - len(b"data:"))
    assert feed_all_ways(line + b"\n\n", max_line_bytes=LIMIT).data == ["\ufffd" * (LIMIT - len(b"data:"))]
    expect_raises_all_ways(line + b"\xff\n\n", LimitExceeded, max_line_bytes=LIMIT)


def test_stripped_bom_does_not_count_toward_the_first_line() -> None:
    """Contract: "the stream's leading BOM belongs to no line and is not counted": a first
    line of exactly max_line_bytes after the BOM is accepted, also after reset() (a new
    stream, whose BOM is stripped again)."""
    value = "v" * (LIMIT - len("data:"))
    stream = b"\xef\xbb\xbfdata:" + value.encode() + b"\n\n"
    assert feed_all_ways(stream, max_line_bytes=LIMIT).data == [value]
    parser = SSEParser(max_line_bytes=LIMIT)
    assert parser.feed(stream) == [sse(value)]
    parser.reset()
    assert parser.feed(stream) == [sse(value)]


def test_second_bom_counts_toward_the_first_line() -> None:
    """Only the one stripped BOM belongs to no line; a second U+FEFF is part of the first
    line (a field name) and counts its 3 bytes: 3 + 997 = 1000 is accepted, 3 + 998 is not."""
    bom = b"\xef\xbb\xbf"
    assert feed_all_ways(bom + bom + b"x" * 997 + b"\n", max_line_bytes=LIMIT).events == []
    raised = expect_raises_all_ways(bom + bom + b"x" * 998 + b"\n", LimitExceeded, max_line_bytes=LIMIT)
    assert raised.limit == "max_line_bytes"


def test_line_limit_counts_a_truncated_sequence_by_its_bytes() -> None:
    """A truncated sequence b"\\xe2\\x82" before the line end is 2 bytes on the wire (one
    U+FFFD once decoded): "data:" + 993 x "v" + those 2 bytes is exactly 1000."""
    assert feed_all_ways(b"data:" + b"v" * 993 + b"\xe2\x82\n\n", max_line_bytes=LIMIT).data == ["v" * 993 + "\ufffd"]
    expect_raises_all_ways(b"data:" + b"v" * 994 + b"\xe2\x82\n\n", LimitExceeded, max_line_bytes=LIMIT)


def test_line_limit_resets_for_every_line() -> None:
    """Many lines each below the limit are fine, whatever their total."""
    stream = b"".join(b"data: " + b"w" * 900 + b"\n\n" for _ in range(20))
    assert len(feed_all_ways(stream, max_line_bytes=LIMIT).events) == 20


def test_events_completed_before_the_error_are_on_the_exception() -> None:
    """Contract: "Events completed in the same call before the error are on the exception
    as exc.events (nothing lost)"."""
    stream = b": c\ndata: a\n\nid: 3\ndata: b\n\n" + b"data: " + b"q" * 2000 + b"\n\n"
    parser = SSEParser(max_line_bytes=LIMIT)
    with pytest.raises(LimitExceeded) as info:
        parser.feed(stream)
    assert info.value.events == [sse("a"), sse("b", id="3")]
    raised = expect_raises_all_ways(stream, LimitExceeded, max_line_bytes=LIMIT, comments=True)
    assert raised.events == [Comment("c"), sse("a"), sse("b", id="3")]


# --------------------------------------------------------------------------------------
# max_event_bytes
# --------------------------------------------------------------------------------------


def test_event_with_many_data_lines_over_the_limit_raises() -> None:
    """Contract: max_event_bytes bounds "the data buffer of one event (sum of data values +
    one LF each)".  Ten lines of 100-byte values are 1010 bytes > 1000."""
    stream = b"".join(b"data: " + b"e" * 100 + b"\n" for _ in range(10)) + b"\n"
    raised = expect_raises_all_ways(stream, LimitExceeded, max_event_bytes=LIMIT)
    assert raised.limit == "max_event_bytes"
    assert raised.value == LIMIT


@needs_tracemalloc
def test_endless_event_raises_and_memory_stays_bounded() -> None:
    """An event that never ends (data lines forever) raises once its buffer passes the
    limit, with bounded memory."""
    limit = 64 * 1024
    parser = SSEParser(max_event_bytes=limit)
    import tracemalloc  # CPython's: PyPy has no _tracemalloc (tests/interpreter.py)

    gc.collect()
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        fed, exc = _feed_until_error(parser, b"data: " + b"m" * 1017 + b"\n", 100 * limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(exc, LimitExceeded), exc
    assert exc.limit == "max_event_bytes"
    assert fed <= limit + 2048
    assert peak - base < 4 * limit, f"peak {peak - base} bytes for a {limit}-byte limit"


def test_event_exactly_at_the_limit_is_accepted() -> None:
    """Ten values of 99 bytes + ten LFs are exactly 1000 bytes: accepted.  One more empty
    data line (one more LF) is 1001: raises."""
    lines = b"".join(b"data: " + b"e" * 99 + b"\n" for _ in range(10))
    result = feed_all_ways(lines + b"\n", max_event_bytes=LIMIT)
    assert result.data == ["\n".join(["e" * 99] * 10)]
    raised = expect_raises_all_ways(lines + b"data\n\n", LimitExceeded, max_event_bytes=LIMIT)
    assert raised.limit == "max_event_bytes"


def test_event_limit_counts_utf8_bytes() -> None:
    """Data values counted in bytes: 500 x "é" (1000 bytes) + LF = 1001 > 1000."""
    expect_raises_all_ways(("data:" + "é" * 500 + "\n\n").encode(), LimitExceeded, max_event_bytes=LIMIT)
    ok = "é" * 499
    assert feed_all_ways(("data:" + ok + "\n\n").encode(), max_event_bytes=LIMIT).data == [ok]


def test_event_limit_counts_an_invalid_byte_as_one() -> None:
    """The data buffer is counted in bytes as received too: 999 x b"\\xff" + LF is 1000
    (2998 bytes once decoded): accepted; 1000 x b"\\xff" + LF raises."""
    assert feed_all_ways(b"data:" + b"\xff" * 999 + b"\n\n", max_event_bytes=LIMIT).data == ["\ufffd" * 999]
    raised = expect_raises_all_ways(b"data:" + b"\xff" * 1000 + b"\n\n", LimitExceeded, max_event_bytes=LIMIT)
    assert raised.limit == "max_event_bytes"


def test_event_limit_is_per_event() -> None:
    """The data buffer empties at each dispatch, so many events under the limit are fine."""
    stream = b"".join(b"data: " + b"f" * 400 + b"\ndata: " + b"f" * 400 + b"\n\n" for _ in range(10))
    assert len(feed_all_ways(stream, max_event_bytes=LIMIT).events) == 10


def test_event_limit_ignores_other_fields() -> None:
    """Only the data buffer counts: long event/id/comment lines (each within the line
    limit) do not add to it."""
    stream = b"event: " + b"n" * 900 + b"\nid: " + b"i" * 900 + b"\n: " + b"c" * 900 + b"\ndata: x\n\n"
    result = feed_all_ways(stream, max_event_bytes=LIMIT)
    assert result.data == ["x"]


def test_events_before_an_event_limit_error_are_on_the_exception() -> None:
    """exc.events holds the events completed in the failing feed() before the error."""
    stream = b"data: ok\n\n" + b"data: " + b"z" * 600 + b"\n" + b"data: " + b"z" * 600 + b"\n\n"
    parser = SSEParser(max_event_bytes=LIMIT)
    with pytest.raises(LimitExceeded) as info:
        parser.feed(stream)
    assert info.value.limit == "max_event_bytes"
    assert info.value.events == [sse("ok")]


# --------------------------------------------------------------------------------------
# None disables; termination; reset
# --------------------------------------------------------------------------------------


def test_none_disables_the_line_limit() -> None:
    """Contract: "None = unlimited": a 9 MiB line passes the 8 MiB default."""
    parser = SSEParser(max_line_bytes=None)
    chunk = b"x" * (1024 * 1024)
    assert parser.feed(b"data:") == []
    for _ in range(9):
        assert parser.feed(chunk) == []
    events = parser.feed(b"\n\n")
    assert len(events) == 1 and len(events[0].data) == 9 * len(chunk)


def test_none_disables_the_event_limit() -> None:
    """A 17 MiB event (many data lines) passes the 16 MiB default with max_event_bytes=None."""
    parser = SSEParser(max_event_bytes=None)
    line = b"data:" + b"x" * (1024 * 1024 - 1) + b"\n"  # 1 MiB of data buffer per line
    for _ in range(17):
        assert parser.feed(line) == []
    events = parser.feed(b"\n")
    assert len(events) == 1 and len(events[0].data) == 17 * 1024 * 1024 - 1


def test_default_event_limit_applies() -> None:
    """The same 17 MiB event raises with the default max_event_bytes."""
    parser = SSEParser()
    line = b"data:" + b"x" * (1024 * 1024 - 1) + b"\n"
    with pytest.raises(LimitExceeded) as info:
        for _ in range(17):
            parser.feed(line)
    assert info.value.limit == "max_event_bytes"
    assert info.value.value == DEFAULT_MAX_EVENT_BYTES


def test_after_limit_exceeded_feed_raises_parser_terminated_until_reset() -> None:
    """Contract: after LimitExceeded "the parser is then terminated: feed() raises
    ParserTerminated until reset()"; reset() keeps last_event_id and retry."""
    parser = SSEParser(max_line_bytes=LIMIT)
    assert parser.feed(b"id: 5\nretry: 70\ndata: a\n\n") == [sse("a", id="5", retry=70)]
    with pytest.raises(LimitExceeded):
        parser.feed(b"data: " + b"x" * 2000)
    for attempt in (b"data: b\n\n", b"\n"):
        with pytest.raises(ParserTerminated):
            parser.feed(attempt)
    parser.reset()
    assert parser.last_event_id == "5"
    assert parser.retry == 70
    assert parser.feed(b"data: b\n\n") == [sse("b", id="5")]


def test_limit_exceeded_is_a_protocol_error_and_parser_terminated_is_not() -> None:
    """Errors: SSEError <- ProtocolError <- LimitExceeded; UsageError <- ParserTerminated."""
    parser = SSEParser(max_line_bytes=10)
    with pytest.raises(ProtocolError):
        parser.feed(b"x" * 11)
    with pytest.raises(ParserTerminated) as info:
        parser.feed(b"x")
    assert not isinstance(info.value, ProtocolError)
    assert isinstance(info.value, ValueError)
