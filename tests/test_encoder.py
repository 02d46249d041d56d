"""encode_event (docs/parser-contract.md "Encoder") and the parse(encode(x)) round trip.

Contract: ``encode_event(data=None, *, event=None, id=None, retry=None, comment=None) ->
bytes``, LF line endings, ends with a blank line when ``data`` is given; multi-line data
(split on CRLF, CR or LF) becomes one ``data:`` line each; values are written after ``": "``
so leading spaces survive; ``event``/``id`` with CR or LF, ``id`` with NUL, negative
``retry``, or a comment with CR/LF raise ``UsageError``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sse_pplx import Comment, ServerSentEvent, SSEParser, UsageError, encode_event
from tests.feeding import feed_all_ways


def sse(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=event, id=id, retry=retry)


def _lines(encoded: bytes) -> list[bytes]:
    assert b"\r" not in encoded, "the encoder writes LF line endings only"
    assert encoded.endswith(b"\n")
    return encoded[:-1].split(b"\n")


# --------------------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------------------


def test_encode_simple_data() -> None:
    """Contract: values written after ": ", LF endings, a blank line after data."""
    assert encode_event("hello") == b"data: hello\n\n"


def test_encode_multiline_data_one_data_line_each() -> None:
    """ "Multi-line data (split on CRLF, CR or LF) becomes one data: line each"."""
    assert encode_event("a\nb") == b"data: a\ndata: b\n\n"
    assert encode_event("a\r\nb\rc\nd") == b"data: a\ndata: b\ndata: c\ndata: d\n\n"


def test_encode_returns_bytes_utf8() -> None:
    """The wire format is UTF-8 ("Event streams in this format must always be encoded as
    UTF-8")."""
    encoded = encode_event("é€😀")
    assert isinstance(encoded, bytes)
    assert "é€😀".encode() in encoded


def test_encode_all_fields() -> None:
    """All fields present; each is on its own line; the event parses back exactly."""
    encoded = encode_event("x", event="update", id="7", retry=1500)
    lines = _lines(encoded)
    assert lines[-1] == b""
    assert sorted(lines[:-1]) == sorted([b"event: update", b"id: 7", b"retry: 1500", b"data: x"])
    assert SSEParser().feed(encoded) == [sse("x", event="update", id="7", retry=1500)]


def test_encode_leading_spaces_survive() -> None:
    """ "values are written after ': ' so leading spaces survive"."""
    encoded = encode_event("  two", event=" ev", id=" i")
    assert b"data:   two\n" in encoded
    assert SSEParser().feed(encoded) == [sse("  two", event=" ev", id=" i")]


def test_encode_empty_data_is_an_event_with_empty_data() -> None:
    """data="" still produces an event (a "data:" line), with data ""."""
    encoded = encode_event("")
    assert encoded.endswith(b"\n\n")
    assert SSEParser().feed(encoded) == [sse("")]


def test_encode_trailing_newline_in_data_survives() -> None:
    """ "a\\n" is two data lines, "a" and "" — the parser gives back "a\\n"."""
    assert SSEParser().feed(encode_event("a\n")) == [sse("a\n")]
    assert SSEParser().feed(encode_event("\r\n")) == [sse("\n")]


def test_encode_comment() -> None:
    """A comment is a ':' line; with comments=True the parser returns it unchanged."""
    encoded = encode_event(comment="keep-alive")
    assert encoded.startswith(b":")
    assert b"keep-alive" in encoded
    assert b"\r" not in encoded
    parser = SSEParser(comments=True)
    assert parser.feed(encoded) == [Comment("keep-alive")]
    assert parser.close() == []
    assert parser.truncated is False


def test_encode_comment_with_leading_space_survives() -> None:
    """Comment text " x" must come back as " x" (one space is removed by the parser)."""
    assert SSEParser(comments=True).feed(encode_event(comment=" x")) == [Comment(" x")]


def test_encode_comment_and_data() -> None:
    """A comment together with data: the comment and the event both come back."""
    items = SSEParser(comments=True).feed(encode_event("d", comment="c"))
    assert sse("d") in items and Comment("c") in items and len(items) == 2


def test_encode_without_data_dispatches_nothing() -> None:
    """Without data there is no event, but id/retry still reach the parser's state."""
    parser = SSEParser()
    encoded = encode_event(id="5", retry=10)
    assert parser.feed(encoded) == []
    assert parser.last_event_id == "5"
    assert parser.retry == 10


def test_encode_retry_zero() -> None:
    """retry=0 is a valid reconnection time."""
    encoded = encode_event("x", retry=0)
    assert re.search(rb"^retry: ?0$", encoded, re.M)
    assert SSEParser().feed(encoded) == [sse("x", retry=0)]


def test_encode_empty_id_clears_the_last_event_id() -> None:
    """id="" is written as an empty id, which clears the last event ID."""
    parser = SSEParser(last_event_id="old")
    assert parser.feed(encode_event("x", id="")) == [sse("x", id="")]
    assert parser.last_event_id == ""


# --------------------------------------------------------------------------------------
# Invalid arguments
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"data": "x", "event": "a\nb"}, id="event with LF"),
        pytest.param({"data": "x", "event": "a\rb"}, id="event with CR"),
        pytest.param({"data": "x", "event": "a\r\n"}, id="event with CRLF"),
        pytest.param({"data": "x", "id": "1\n"}, id="id with LF"),
        pytest.param({"data": "x", "id": "\r1"}, id="id with CR"),
        pytest.param({"data": "x", "id": "1\x002"}, id="id with NUL"),
        pytest.param({"data": "x", "retry": -1}, id="negative retry"),
        pytest.param({"comment": "a\nb"}, id="comment with LF"),
        pytest.param({"comment": "a\rb"}, id="comment with CR"),
        pytest.param({"data": "x", "comment": "a\r\nb"}, id="comment with CRLF"),
    ],
)
def test_invalid_arguments_raise_usage_error(kwargs: dict[str, object]) -> None:
    """Contract: "event/id with CR or LF, id with NUL, negative retry, or a comment with
    CR/LF raise UsageError (a ValueError)"."""
    with pytest.raises(UsageError):
        encode_event(**kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode_event(**kwargs)  # type: ignore[arg-type]


def test_event_name_with_nul_is_allowed() -> None:
    """Only id forbids NUL (the parser would ignore such an id); an event name may hold it."""
    assert SSEParser().feed(encode_event("x", event="a\x00b")) == [sse("x", event="a\x00b")]


# --------------------------------------------------------------------------------------
# Round trip property
# --------------------------------------------------------------------------------------

_interesting = st.sampled_from(
    ["\r", "\n", "\r\n", " ", "  ", ":", ": ", "\x00", "é", "€", "😀", "\u2028", "\u0085", "\ufeff", "data: x", "\t"]
)
_any_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=20)
_data = st.lists(st.one_of(_interesting, _any_text), max_size=6).map("".join)
_no_newline = st.lists(st.one_of(_interesting, _any_text), max_size=4).map(
    lambda parts: "".join(parts).replace("\r", "").replace("\n", "")
)
_event = st.one_of(st.none(), _no_newline)
_id = st.one_of(st.none(), _no_newline.map(lambda s: s.replace("\x00", "")))
_retry = st.one_of(st.none(), st.integers(min_value=0, max_value=10**12))


def _normalise(data: str) -> str:
    return data.replace("\r\n", "\n").replace("\r", "\n")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=_data, event=_event, id=_id, retry=_retry)
def test_round_trip_parse_of_encode(data: str, event: str | None, id: str | None, retry: int | None) -> None:
    """Contract round trip: SSEParser().feed(encode_event(d, event=e, id=i, retry=r)) ==
    [ServerSentEvent(data=d with CRLF/CR normalised to LF, event=e or "message", id=i or
    previous id, retry=r)]."""
    encoded = encode_event(data, event=event, id=id, retry=retry)
    assert b"\r" not in encoded
    assert encoded.endswith(b"\n\n")
    expected = sse(_normalise(data), event=event or "message", id=id if id is not None else "", retry=retry)
    parser = SSEParser()
    assert parser.feed(encoded) == [expected]
    assert parser.close() == []
    assert parser.truncated is False
    # with a previous id, id=None keeps it
    parser = SSEParser(last_event_id="prev")
    assert parser.feed(encoded) == [
        sse(_normalise(data), event=event or "message", id=id if id is not None else "prev", retry=retry)
    ]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(st.tuples(_data, _event, _id), min_size=1, max_size=4))
def test_round_trip_of_concatenated_events_across_chunkings(
    events: list[tuple[str, str | None, str | None]],
) -> None:
    """Several encoded events back to back parse to the same events, however chunked."""
    stream = b"".join(encode_event(d, event=e, id=i) for d, e, i in events)
    expected = []
    last_id = ""
    for d, e, i in events:
        if i is not None:
            last_id = i
        expected.append(sse(_normalise(d), event=e or "message", id=last_id))
    assert feed_all_ways(stream).events == expected


@settings(max_examples=150, deadline=None)
@given(text=_no_newline)
def test_round_trip_comment(text: str) -> None:
    """Comments without CR/LF come back unchanged with comments=True."""
    parser = SSEParser(comments=True)
    assert parser.feed(encode_event(comment=text)) == [Comment(text)]
