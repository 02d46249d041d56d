"""Every parsing and interpretation rule of WHATWG HTML §9.2.5/§9.2.6, one test per rule.

Each test feeds its stream every way (tests/feeding.py) so that chunk boundaries are
exercised by every rule.  Docstrings quote the specification sentence under test, or name
the web-platform-tests ``eventsource/format-*`` case or peer bug the test comes from.
"""

from __future__ import annotations

import pytest

from sse_pplx import Comment, ServerSentEvent, SSEParser
from tests.feeding import assert_events_as_soon_as_complete, feed_all_ways, feed_chunks


def sse(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=event, id=id, retry=retry)


# --------------------------------------------------------------------------------------
# BOM
# --------------------------------------------------------------------------------------


def test_one_leading_bom_is_stripped() -> None:
    """ "The UTF-8 decode algorithm strips one leading UTF-8 Byte Order Mark (BOM), if any." """
    result = feed_all_ways(b"\xef\xbb\xbfdata: a\n\n")
    assert result.events == [sse("a")]


def test_bom_before_a_comment_is_stripped() -> None:
    """ "stream = [ bom ] *event": after the BOM the line starts with ':' and is a comment."""
    result = feed_all_ways(b"\xef\xbb\xbf: hi\n", comments=True)
    assert result.events == [Comment("hi")]


def test_second_bom_is_kept_and_becomes_part_of_the_field_name() -> None:
    """Only *one* leading BOM is stripped; a second U+FEFF is an ordinary name-char, so the
    field name is "\\ufeffdata" and "The field is ignored." (WPT format-bom-2.htm)."""
    result = feed_all_ways(b"\xef\xbb\xbf\xef\xbb\xbfdata:1\n\ndata:2\n\ndata:3\n\n")
    assert result.data == ["2", "3"]


def test_second_bom_at_stream_start_with_comments_is_not_a_comment() -> None:
    """After stripping one BOM the line starts with U+FEFF, not U+003A, so it is a field
    named "\\ufeff" (ignored), not a comment."""
    result = feed_all_ways(b"\xef\xbb\xbf\xef\xbb\xbf: hi\ndata: x\n\n", comments=True)
    assert result.events == [sse("x")]


def test_bom_inside_a_value_is_kept_as_u_feff() -> None:
    """Only a *leading* BOM of the stream is stripped; elsewhere U+FEFF is any-char."""
    result = feed_all_ways(b"\xef\xbb\xbfdata: \xef\xbb\xbfa\n\n")
    assert result.data == ["\ufeffa"]


def test_bom_not_at_stream_start_is_not_stripped() -> None:
    """WPT format-bom.htm: a BOM before the second block makes its field "\\ufeffdata",
    which is ignored; only data 1 and 3 arrive."""
    result = feed_all_ways(b"\xef\xbb\xbfdata:1\n\n\xef\xbb\xbfdata:2\n\ndata:3\n\n")
    assert result.data == ["1", "3"]


def test_bom_split_across_three_chunks_is_stripped() -> None:
    """The BOM is stripped however it is split: b"\\xef" | b"\\xbb" | b"\\xbf..."."""
    result = feed_chunks([b"\xef", b"\xbb", b"\xbfdata: a\n\n"])
    assert result.events == [sse("a")]
    result = feed_chunks([b"\xef", b"\xbb", b"\xbf", b"data: a\n\n"])
    assert result.events == [sse("a")]


def test_bom_after_reset_is_stripped_again() -> None:
    """Contract: reset() is a new connection with a fresh UTF-8 decoder, "a BOM is stripped
    again"; each response body is decoded with UTF-8 decode, which strips one BOM."""
    parser = SSEParser()
    assert parser.feed(b"\xef\xbb\xbfdata: 1\n\n") == [sse("1")]
    parser.reset()
    assert parser.feed(b"\xef\xbb\xbfdata: 2\n\n") == [sse("2")]
    parser.reset()
    assert parser.feed(b"\xef") == []
    assert parser.feed(b"\xbb\xbfdata: 3\n\n") == [sse("3")]


def test_bom_is_not_stripped_again_without_reset() -> None:
    """Without reset() the stream goes on; a later BOM is not at its start."""
    parser = SSEParser()
    assert parser.feed(b"\xef\xbb\xbfdata: 1\n\n") == [sse("1")]
    assert parser.feed(b"\xef\xbb\xbfdata: 2\n\n") == []


# --------------------------------------------------------------------------------------
# Line endings
# --------------------------------------------------------------------------------------


def test_lf_ends_lines() -> None:
    """ "a single U+000A LINE FEED (LF) character not preceded by a U+000D CARRIAGE RETURN
    (CR) character" ends a line."""
    assert feed_all_ways(b"data: a\ndata: b\n\n").data == ["a\nb"]


def test_cr_ends_lines() -> None:
    """ "a single U+000D CARRIAGE RETURN (CR) character not followed by a U+000A LINE FEED
    (LF) character" ends a line."""
    assert feed_all_ways(b"data: a\rdata: b\r\r").data == ["a\nb"]


def test_crlf_ends_lines() -> None:
    """ "a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair" ends a line."""
    assert feed_all_ways(b"data: a\r\ndata: b\r\n\r\n").data == ["a\nb"]


def test_mixed_line_endings() -> None:
    """All three line endings may be mixed in one stream, even within one event (WPT
    format-newlines.htm: "data:test\\r\\ndata\\ndata:test\\r\\n\\r\\n" gives "test\\n\\ntest")."""
    assert feed_all_ways(b"data:test\r\ndata\ndata:test\r\n\r\n").data == ["test\n\ntest"]
    assert feed_all_ways(b"data: a\rdata: b\ndata: c\r\n\ndata: d\n\r\n\r").data == ["a\nb\nc", "d"]


def test_lf_then_crlf_blank_line_dispatches() -> None:
    """ "\\n\\r\\n" is LF (end of the data line) then CRLF (a blank line): one event, no merge
    with the next (the sseclient-py suffix test misses this)."""
    assert feed_all_ways(b"data: a\n\r\ndata: b\n\r\n").data == ["a", "b"]


def test_cr_at_chunk_end_and_lf_at_next_chunk_start_count_once() -> None:
    """A CRLF split across chunks is one line end, not two (rexxars/eventsource-parser#17:
    it produced two events).  "data: a\\r" | "\\ndata: b\\r\\n\\r\\n" is ONE event "a\\nb"."""
    result = feed_chunks([b"data: a\r", b"\ndata: b\r\n\r\n"])
    assert result.events == [sse("a\nb")]
    assert feed_all_ways(b"data: a\r\ndata: b\r\n\r\n").events == [sse("a\nb")]


def test_cr_then_empty_feed_then_lf_counts_once() -> None:
    """feed(b"") is a no-op (contract), so it must not forget a pending CR."""
    parser = SSEParser()
    events = parser.feed(b"data: a\r")
    events += parser.feed(b"")
    events += parser.feed(b"\ndata: b\r")
    events += parser.feed(b"")
    events += parser.feed(b"\n\r\n")
    assert events == [sse("a\nb")]


def test_cr_cr_is_two_line_ends() -> None:
    """A CR "not followed by" LF ends a line, so CR CR is two line ends: the second one is a
    blank line that dispatches."""
    assert feed_all_ways(b"data: a\r\rdata: b\r\r").data == ["a", "b"]


def test_crlf_crlf_is_two_line_ends_not_three() -> None:
    """CR LF CR LF is two line ends (a line end then a blank line), never three or four."""
    result = feed_all_ways(b"data: a\r\n\r\ndata: b\r\n\r\n")
    assert result.data == ["a", "b"]


def test_lf_cr_is_two_line_ends() -> None:
    """LF then CR: the LF ends the data line, the CR ends a blank line."""
    assert feed_all_ways(b"data: a\n\rdata: b\n\r").data == ["a", "b"]


@pytest.mark.parametrize(
    "separator",
    [
        pytest.param("\u2028", id="U+2028 LINE SEPARATOR"),
        pytest.param("\u2029", id="U+2029 PARAGRAPH SEPARATOR"),
        pytest.param("\u0085", id="U+0085 NEXT LINE"),
        pytest.param("\x0b", id="VT"),
        pytest.param("\x0c", id="FF"),
        pytest.param("\x1c\x1d\x1e", id="FS GS RS"),
    ],
)
def test_other_unicode_line_breaks_do_not_end_lines(separator: str) -> None:
    """Only CR, LF and CRLF end lines; any-char is every scalar value but LF and CR.
    (florimondmanca/httpx-sse#34: str.splitlines() split JSON on U+2028 and broke streams.)"""
    payload = f'data: {{"t": "a{separator}b"}}\ndata: x{separator}\n\n'.encode()
    result = feed_all_ways(payload)
    assert result.data == [f'{{"t": "a{separator}b"}}\nx{separator}']
    # and in a field name it stays part of the name, so the field is ignored
    result = feed_all_ways(f"data{separator}: no\ndata: yes\n\n".encode())
    assert result.data == ["yes"]


def test_events_come_out_as_soon_as_the_blank_line_ends() -> None:
    """An event is dispatched when its blank line ends; for CRLF the CR already ends the
    line ("block buffering or line buffering with different expected line endings can cause
    delays in event dispatch")."""
    assert_events_as_soon_as_complete(b"data: a\n\ndata: b\r\rdata: c\r\n\r\nid: 1\ndata: d\n\r\n")
    assert_events_as_soon_as_complete(b": c1\r\ndata: a\r\n: c2\r\r", comments=True)


# --------------------------------------------------------------------------------------
# Comments
# --------------------------------------------------------------------------------------


def test_comment_lines_are_ignored_by_default() -> None:
    """ "If the line starts with a U+003A COLON character (:) — Ignore the line."  A comment
    between data lines does not break the event."""
    result = feed_all_ways(b": hello\ndata: a\n: x\ndata: b\n\n")
    assert result.events == [sse("a\nb")]


def test_comments_returned_with_comments_true() -> None:
    """Contract: SSEParser(comments=True) returns Comment(text) items, in stream order,
    the comment before the event it sits inside."""
    result = feed_all_ways(b": hello\ndata: a\n: x\ndata: b\n\n", comments=True)
    assert result.events == [Comment("hello"), Comment("x"), sse("a\nb")]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        (b": x", "x"),
        (b":  x", " x"),
        (b":", ""),
        (b":x", "x"),
        (b": ", ""),
        (b":: x", ": x"),
        (b": a: b", "a: b"),
        (b": \x00", "\x00"),
        (b": x ", "x "),
    ],
)
def test_comment_text_has_exactly_one_leading_space_removed(line: bytes, text: str) -> None:
    """Contract: Comment.text is "the line after the ':' with exactly one leading space
    removed"."""
    for ending in (b"\n", b"\r", b"\r\n"):
        assert feed_all_ways(line + ending, comments=True).events == [Comment(text)]


def test_comment_only_block_dispatches_nothing() -> None:
    """A comment-only block: "The first block has just a comment, and will fire nothing."""
    assert feed_all_ways(b": ping\n\n: ping\n\n").events == []
    assert feed_all_ways(b": ping\n\n: ping\n\n", comments=True).events == [Comment("ping")] * 2


def test_long_comment_lines_between_data_lines() -> None:
    """WPT format-comments.htm ("comment fest")."""
    long = b"x" * 2048
    stream = b"data:1\r:\x00\n:\r\ndata:2\n:" + long + b"\rdata:3\n:data:fail\r:" + long + b"\ndata:4\n\n"
    assert feed_all_ways(stream).data == ["1\n2\n3\n4"]


# --------------------------------------------------------------------------------------
# Field / value splitting
# --------------------------------------------------------------------------------------


def test_field_and_value_split_on_the_first_colon_only() -> None:
    """ "Collect the characters on the line before the first U+003A COLON character (:), and
    let field be that string. Collect the characters on the line after the first U+003A
    COLON character (:), and let value be that string."""
    assert feed_all_ways(b"data: a: b\n\n").data == ["a: b"]
    assert feed_all_ways(b"data::\n\n").data == [":"]
    assert feed_all_ways(b"event:a:b\ndata:x\n\n").events == [sse("x", event="a:b")]


def test_exactly_one_leading_space_is_removed_from_the_value() -> None:
    """ "If value starts with a U+0020 SPACE character, remove it from value."  Only one."""
    assert feed_all_ways(b"data:  x\n\n").data == [" x"]
    assert feed_all_ways(b"data:   x \n\n").data == ["  x "]
    assert feed_all_ways(b"data:x\n\n").data == ["x"]


def test_only_space_is_removed_not_tab() -> None:
    """WPT format-leading-space.htm: "data:\\ttest\\rdata: \\ndata:test" gives "\\ttest\\n\\ntest"."""
    assert feed_all_ways(b"data:\ttest\rdata: \ndata:test\n\n").data == ["\ttest\n\ntest"]


def test_spec_example_space_after_colon_is_optional() -> None:
    """Spec example: "The following stream fires two identical events: data:test /
    data: test — This is because the space after the colon is ignored if present."""
    result = feed_all_ways(b"data:test\n\ndata: test\n\n")
    assert result.events == [sse("test"), sse("test")]


def test_line_without_colon_is_a_field_with_empty_value() -> None:
    """ "Otherwise, the string is not empty but does not contain a U+003A COLON character (:)
    — Process the field using the steps described below, using the whole line as the field
    name, and the empty string as the field value."  "data" appends an empty line."""
    assert feed_all_ways(b"data\ndata\n\n").data == ["\n"]
    assert feed_all_ways(b"data\n\n").data == [""]


def test_field_name_is_the_whole_line_including_spaces() -> None:
    """WPT format-field-unknown.htm: " data" (leading space) and "justsometext" are fields
    with unknown names; "foobar:xxx" too.  Result "test\\n\\ntest"."""
    stream = b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n"
    assert feed_all_ways(stream).data == ["test\n\ntest"]
    assert feed_all_ways(b"data :x\ndata: y\n\n").data == ["y"]


def test_field_parsing_fest() -> None:
    """WPT format-field-parsing.htm: NUL, "Data", "data\\0", "da-ta", "data_5", " data"
    are all distinct from "data"; result "\\0\\n 2\\n1\\n3\\n\\n4"."""
    stream = (
        b"data:\x00\ndata:  2\rData:1\ndata\x00:2\ndata:1\r\x00data:4\nda-ta:3\rdata_5\ndata:3\r"
        b"data:\r\n data:32\ndata:4\n\n"
    )
    assert feed_all_ways(stream).data == ["\x00\n 2\n1\n3\n\n4"]


def test_field_names_are_case_sensitive() -> None:
    """ "Field names must be compared literally, with no case folding performed."""
    stream = b"Data: x\nDATA: y\nEvent: e\nID: 1\nRetry: 5\ndata: z\n\n"
    result = feed_all_ways(stream)
    assert result.events == [sse("z")]
    assert result.last_event_id == ""
    assert result.retry is None


def test_unknown_fields_are_ignored() -> None:
    """ "Otherwise — The field is ignored."  A block of unknown fields dispatches nothing."""
    assert feed_all_ways(b"foo: bar\ndata: x\nbaz\n\n").events == [sse("x")]
    assert feed_all_ways(b"foo: bar\nbaz\n\n").events == []


# --------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------


def test_data_lines_are_joined_with_lf_and_one_trailing_lf_removed() -> None:
    """ "Append the field value to the data buffer, then append a single U+000A LINE FEED
    (LF) character to the data buffer." and "If the data buffer's last character is a
    U+000A LINE FEED (LF) character, then remove the last character from the data buffer."
    — exactly one LF is removed, so a final empty data line leaves a trailing LF."""
    assert feed_all_ways(b"data: a\ndata: b\n\n").data == ["a\nb"]
    assert feed_all_ways(b"data: a\ndata\n\n").data == ["a\n"]
    assert feed_all_ways(b"data: a\ndata:\ndata:\n\n").data == ["a\n\n"]


def test_empty_data_buffer_dispatches_nothing() -> None:
    """ "If the data buffer is an empty string, set the data buffer and the event type buffer
    to the empty string and return."  Blank lines alone dispatch nothing."""
    assert feed_all_ways(b"\n\n\r\n\r\r").events == []
    assert feed_all_ways(b"event: x\n\n").events == []


def test_empty_data_value_dispatches_an_event_with_empty_data() -> None:
    """ "data:" appends "" + LF, so the buffer is not empty: an event with data "" fires (WPT
    format-field-data.htm: "data:\\n\\ndata\\ndata\\n\\ndata:test" gives "", "\\n", "test")."""
    assert feed_all_ways(b"data:\n\n").events == [sse("")]
    assert feed_all_ways(b"data:\n\ndata\ndata\n\ndata:test\n\n").data == ["", "\n", "test"]


def test_nul_in_data_is_kept() -> None:
    """WPT format-null-character.html: "data:\\0\\n\\n" gives data "\\0"; U+0000 is any-char."""
    assert feed_all_ways(b"data:\x00\n\n").data == ["\x00"]
    assert feed_all_ways(b"data: a\x00b\x00\n\n").data == ["a\x00b\x00"]


def test_spec_example_stock_ticker_multiline_data() -> None:
    """Spec example: "data: YHOO / data: +2 / data: 10 ... The event's data attribute would
    contain the string "YHOO\\n+2\\n10"."""
    result = feed_all_ways(b"data: YHOO\ndata: +2\ndata: 10\n\n")
    assert result.events == [sse("YHOO\n+2\n10")]


def test_spec_example_data_blocks_last_one_discarded() -> None:
    """Spec example: "data / (blank) / data / data / (blank) / data:" — "The first block
    fires events with the data set to the empty string, as would the last block if it was
    followed by a blank line. The middle block fires an event with the data set to a single
    newline character. The last block is discarded because it is not followed by a blank
    line."""
    result = feed_all_ways(b"data\n\ndata\ndata\n\ndata:")
    assert result.events == [sse(""), sse("\n")]
    assert result.truncated is True
    assert result.incomplete_event == sse("")


# --------------------------------------------------------------------------------------
# event
# --------------------------------------------------------------------------------------


def test_event_type_defaults_to_message() -> None:
    """ "Initialize event's type attribute to "message"."""
    assert feed_all_ways(b"data: x\n\n").events[0].event == "message"


def test_event_field_sets_the_type() -> None:
    """ "If the field name is "event" — Set the event type buffer to field value." (WPT
    format-field-event.htm)"""
    result = feed_all_ways(b"event:test\ndata:x\n\ndata:x\n\n")
    assert result.events == [sse("x", event="test"), sse("x")]


def test_event_type_keeps_spaces_after_the_first() -> None:
    """Only one leading space is removed from the value, also for event."""
    assert feed_all_ways(b"event:  add \ndata: 1\n\n").events == [sse("1", event=" add ")]


def test_empty_event_field_gives_message() -> None:
    """ "If the event type buffer has a value other than the empty string, change the type"
    — an empty one leaves "message" (WPT format-field-event-empty.htm: "event: ")."""
    assert feed_all_ways(b"event: \ndata:data\n\n").events == [sse("data")]
    assert feed_all_ways(b"event\ndata:data\n\n").events == [sse("data")]
    assert feed_all_ways(b"event: x\nevent:\ndata:data\n\n").events == [sse("data")]


def test_last_event_field_in_a_block_wins() -> None:
    """Each event line sets the buffer; the last one in the block counts."""
    assert feed_all_ways(b"event: a\nevent: b\ndata: x\n\n").events == [sse("x", event="b")]


def test_event_type_resets_after_each_dispatch() -> None:
    """ "Set the data buffer and the event type buffer to the empty string." after dispatch."""
    result = feed_all_ways(b"event: add\ndata: 1\n\ndata: 2\n\n")
    assert result.events == [sse("1", event="add"), sse("2")]


def test_event_type_resets_after_a_block_that_did_not_dispatch() -> None:
    """ "If the data buffer is an empty string, set the data buffer and the event type buffer
    to the empty string and return." — so an event line in a data-less block is forgotten."""
    result = feed_all_ways(b"event: add\n\ndata: 2\n\n")
    assert result.events == [sse("2")]
    result = feed_all_ways(b"event: add\n: comment\n\ndata: 2\n\n")
    assert result.events == [sse("2")]


def test_spec_example_event_types_add_and_remove() -> None:
    """Spec §9.2.1 example: "event: add / data: 73857293 / event: remove / data: 2153 /
    event: add / data: 113411"."""
    stream = b"event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n"
    result = feed_all_ways(stream)
    assert result.events == [
        sse("73857293", event="add"),
        sse("2153", event="remove"),
        sse("113411", event="add"),
    ]


# --------------------------------------------------------------------------------------
# id
# --------------------------------------------------------------------------------------


def test_id_sets_the_last_event_id_of_the_event() -> None:
    """ "If the field value does not contain U+0000 NULL, then set the last event ID buffer
    to the field value."  The id may come after the data line in the block."""
    result = feed_all_ways(b"data: a\nid: 1\n\n")
    assert result.events == [sse("a", id="1")]
    assert result.last_event_id == "1"


def test_id_is_sticky_across_events() -> None:
    """ "If an event doesn't have an "id" field, but an earlier event did set the event
    source's last event ID string, then the event's lastEventId field will be set to the
    value of whatever the last seen "id" field was."""
    result = feed_all_ways(b"id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\ndata: d\n\n")
    assert [e.id for e in result.events] == ["1", "1", "2", "2"]
    assert result.last_event_id == "2"


def test_non_ascii_id_is_kept() -> None:
    """WPT format-field-id.htm: "id: …" gives lastEventId "…"."""
    result = feed_all_ways("id: …\nretry: 200\ndata: hello\n\n".encode())
    assert result.events == [sse("hello", id="…", retry=200)]


def test_empty_id_clears_the_last_event_id() -> None:
    """Spec: an "id" field "this time with no value, which resets the last event ID to the
    empty string"."""
    for clear in (b"id\n", b"id:\n", b"id: \n"):
        result = feed_all_ways(b"id: 1\ndata: a\n\n" + clear + b"data: b\n\n")
        assert [e.id for e in result.events] == ["1", ""], clear
        assert result.last_event_id == ""


@pytest.mark.parametrize(
    "value",
    [b"\x00\x00", b"x\x00", b"\x00x", b"x\x00x", b" \x00"],
)
def test_id_containing_nul_is_ignored(value: bytes) -> None:
    """ "If the field value does not contain U+0000 NULL, then set the last event ID buffer to
    the field value. Otherwise, ignore the field." — the previous id stays (WPT
    format-field-id-null.htm values)."""
    result = feed_all_ways(b"id: 1\ndata: a\n\nid: " + value + b"\ndata: b\n\n")
    assert [e.id for e in result.events] == ["1", "1"]
    assert result.last_event_id == "1"


def test_id_in_a_block_without_data_changes_last_event_id_but_dispatches_nothing() -> None:
    """The id line sets the last event ID buffer; the blank line then finds an empty data
    buffer and returns without dispatching."""
    result = feed_all_ways(b"id: 7\n\n")
    assert result.events == []
    assert result.last_event_id == "7"
    assert feed_all_ways(b"id: 7\n\ndata: x\n\n").events == [sse("x", id="7")]


def test_no_phantom_events_after_comment_blocks_with_a_sticky_id() -> None:
    """florimondmanca/httpx-sse#35: once an id was seen, every ": ping" heartbeat block
    produced an empty event.  A block with only comments has an empty data buffer and must
    dispatch nothing, whatever the last event ID is."""
    stream = b"id: 1\ndata: a\n\n: ping\n\n: ping\n\n\n\nid: 2\n\n: ping\n\ndata: b\n\n"
    result = feed_all_ways(stream)
    assert result.events == [sse("a", id="1"), sse("b", id="2")]
    result = feed_all_ways(stream, comments=True)
    assert result.events == [sse("a", id="1"), Comment("ping"), Comment("ping"), Comment("ping"), sse("b", id="2")]


def test_spec_example_test_stream_with_ids() -> None:
    """Spec example ": test stream / data: first event / id: 1 / data:second event / id /
    data:  third event": "The first block has just a comment, and will fire nothing. ...
    an event will be fired for this block, with the data "first event", and will then set
    the last event ID to "1" ... The third block fires an event with data "second event",
    and also has an "id" field, this time with no value, which resets the last event ID to
    the empty string ... the last block just fires an event with the data " third event"
    (with a single leading space character)."""
    stream = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"
    result = feed_all_ways(stream)
    assert result.events == [sse("first event", id="1"), sse("second event", id=""), sse(" third event", id="")]
    assert result.truncated is False


def test_spec_example_test_stream_last_block_needs_its_blank_line() -> None:
    """ "Note that the last still has to end with a blank line, the end of the stream is not
    enough to trigger the dispatch of the last event."""
    stream = b": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n"
    result = feed_all_ways(stream)
    assert result.events == [sse("first event", id="1"), sse("second event", id="")]
    assert result.truncated is True
    assert result.incomplete_event == sse(" third event", id="")


def test_last_event_id_constructor_argument_is_the_initial_id() -> None:
    """Contract: SSEParser(last_event_id=...) starts the last event ID buffer (a resumed
    connection).  Events without an id line carry it; an empty id line clears it."""
    result = feed_all_ways(b"data: a\n\nid\ndata: b\n\n", last_event_id="41")
    assert [e.id for e in result.events] == ["41", ""]
    assert feed_all_ways(b": nothing\n", last_event_id="41").last_event_id == "41"


# --------------------------------------------------------------------------------------
# retry
# --------------------------------------------------------------------------------------


def test_retry_with_ascii_digits_sets_the_reconnection_time() -> None:
    """ "If the field value consists of only ASCII digits, then interpret the field value as
    an integer in base ten, and set the event stream's reconnection time to that integer."
    """
    result = feed_all_ways(b"retry: 1000\ndata: x\n\n")
    assert result.retry == 1000
    assert result.events == [sse("x", retry=1000)]


def test_retry_is_base_ten_even_with_leading_zeros() -> None:
    """WPT format-field-retry.htm: "retry:02000" is 2000 ("1024 in octal, but should be
    2000")."""
    assert feed_all_ways(b"retry:02000\ndata:x\n\n").retry == 2000
    assert feed_all_ways(b"retry: 0\n").retry == 0


def test_retry_large_integer() -> None:
    """ "interpret the field value as an integer in base ten" — no width limit in the spec."""
    assert feed_all_ways(b"retry: 99999999999999999999\n").retry == 99999999999999999999


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(b"+5", id="plus sign"),
        pytest.param(b"-5", id="minus sign"),
        pytest.param(b" 5", id="second leading space"),
        pytest.param(b"5 ", id="trailing space"),
        pytest.param(b"5.0", id="decimal point"),
        pytest.param(b"1_000", id="underscore"),
        pytest.param(b"1e3", id="exponent"),
        pytest.param(b"0x10", id="hex"),
        pytest.param(b"abc", id="letters"),
        pytest.param(b"1000x", id="trailing letter (WPT format-field-retry-bogus)"),
        pytest.param(b"", id="empty"),
        pytest.param("١٢٣".encode(), id="Arabic-Indic digits"),
        pytest.param("\uff11\uff12\uff13".encode(), id="fullwidth digits (int() accepts them)"),
        pytest.param("²".encode(), id="superscript two (isdigit() but not int())"),
        pytest.param(b"5\x00", id="NUL"),
        pytest.param(b"\t5", id="tab"),
    ],
)
def test_retry_that_is_not_only_ascii_digits_is_ignored(value: bytes) -> None:
    """ "If the field value consists of only ASCII digits ... Otherwise, ignore the field."
    Note "retry:  5" has value " 5" after the one-space removal, so it is ignored too."""
    result = feed_all_ways(b"retry: 2000\ndata: a\n\nretry: " + value + b"\ndata: b\n\n")
    assert result.retry == 2000
    assert result.events == [sse("a", retry=2000), sse("b")]


def test_retry_without_colon_is_ignored() -> None:
    """WPT format-field-retry-empty.htm: a bare "retry" line has the empty value: ignored."""
    result = feed_all_ways(b"retry\ndata:test\n\n")
    assert result.events == [sse("test")]
    assert result.retry is None


def test_event_retry_only_when_given_in_that_block() -> None:
    """Contract: ServerSentEvent.retry "is the retry value given in this event's own block,
    else None", while parser.retry keeps the reconnection time."""
    result = feed_all_ways(b"retry: 10\ndata: a\n\ndata: b\n\nretry: 20\n\ndata: c\n\ndata: d\nretry: 30\n\n")
    assert result.events == [sse("a", retry=10), sse("b"), sse("c"), sse("d", retry=30)]
    assert result.retry == 30


def test_retry_alone_changes_reconnection_time_without_an_event() -> None:
    """A retry-only block: the field is processed, the blank line dispatches nothing."""
    result = feed_all_ways(b"retry: 1500\n\n")
    assert result.events == []
    assert result.retry == 1500


def test_invalid_retry_after_valid_one_in_a_block_keeps_the_valid_one() -> None:
    """An ignored field changes nothing, so the block's valid value stands."""
    result = feed_all_ways(b"retry: 2000\nretry: 1000x\ndata:x\n\n")
    assert result.events == [sse("x", retry=2000)]
    assert result.retry == 2000


def test_retry_state_is_updated_as_soon_as_the_line_is_parsed() -> None:
    """Contract: retry is "updated as soon as a valid ... line is parsed", not at dispatch;
    last_event_id (the spec's last event ID *string*) only when the block ends."""
    parser = SSEParser()
    parser.feed(b"retry: 300\nid: abc\n")
    assert parser.retry == 300
    assert parser.last_event_id == ""
    parser.feed(b"\n")
    assert parser.last_event_id == "abc"


def test_wpt_data_before_final_empty_line() -> None:
    """WPT format-data-before-final-empty-line: "retry:1000\\ndata:test1\\n\\nid:test\\n
    data:test2" then EOF: only test1 fires; the last block lacks its blank line."""
    result = feed_all_ways(b"retry:1000\ndata:test1\n\nid:test\ndata:test2\n")
    assert result.events == [sse("test1", retry=1000)]
    assert result.truncated is True
    assert result.incomplete_event == sse("test2", id="test")


# --------------------------------------------------------------------------------------
# End of stream
# --------------------------------------------------------------------------------------


def test_unterminated_event_at_eof_is_discarded() -> None:
    """ "Once the end of the file is reached, any pending data must be discarded. (If the
    file ends in the middle of an event, before the final empty line, the incomplete event
    is not dispatched.)"  Contract: close() returns [] and reports truncated /
    incomplete_event."""
    result = feed_all_ways(b"data: a\n\nevent: e\nid: 9\ndata: b\ndata: c\n")
    assert result.events == [sse("a")]
    assert result.close_events == []
    assert result.truncated is True
    assert result.incomplete_event == sse("b\nc", event="e", id="9")


def test_stream_ending_right_after_a_blank_line_is_not_truncated() -> None:
    """A stream ending exactly after "\\n\\n" ended between events."""
    for stream in (b"data: a\n\n", b"data: a\r\r", b"data: a\r\n\r\n", b"", b"\n", b": c\n\n"):
        result = feed_all_ways(stream)
        assert result.truncated is False, stream
        assert result.incomplete_event is None, stream


def test_stream_ending_with_a_partial_line_only() -> None:
    """A partial last line is pending data: discarded.  Contract: truncated is True (the
    stream ended inside a line) and incomplete_event processes the partial line "as if
    terminated"."""
    result = feed_all_ways(b"data: x")
    assert result.events == []
    assert result.truncated is True
    assert result.incomplete_event == sse("x")


def test_partial_data_line_completes_the_incomplete_event() -> None:
    """ "partial last line processed as if terminated"."""
    result = feed_all_ways(b"data: a\n\nevent: e\ndata: b\ndata: c")
    assert result.events == [sse("a")]
    assert result.truncated is True
    assert result.incomplete_event == sse("b\nc", event="e")


def test_partial_comment_line_at_eof_is_not_returned() -> None:
    """A partial comment line is pending data too; close() returns nothing for it."""
    result = feed_all_ways(b"data: a\n\n: partial", comments=True)
    assert result.events == [sse("a")]
    assert result.close_events == []
    assert result.truncated is True
    assert result.incomplete_event is None


def test_stream_ending_with_cr_completes_the_line() -> None:
    """A CR is a complete line end ("a single U+000D CARRIAGE RETURN (CR) character not
    followed by a U+000A LINE FEED (LF)"): at EOF nothing can follow it."""
    result = feed_all_ways(b"data: a\r\r")
    assert result.events == [sse("a")]
    assert result.truncated is False
    result = feed_all_ways(b"data: a\r")
    assert result.events == []
    assert result.truncated is True
    assert result.incomplete_event == sse("a")


def test_close_returns_an_empty_list() -> None:
    """Contract: close() "returns [] of events (a list for symmetry)"."""
    parser = SSEParser()
    parser.feed(b"data: a\n\ndata: b\n")
    assert parser.close() == []


def test_named_blocks_of_other_shapes_are_not_read_as_event_data_pairs() -> None:
    """SSEParser._named_blocks reads ``event:`` + ``data:`` pairs in bulk; a batch whose lines
    alternate the same way but whose blocks do not (a one-line block, then a three-line one)
    must go block by block: the first block dispatches nothing, the second is one event."""
    result = feed_all_ways(b"data: z\n\nevent: A\n\ndata: X\nevent: Q\ndata: Y\n\nevent: C\ndata: V\n\n")
    assert result.events == [
        ServerSentEvent("z"),
        ServerSentEvent("X\nY", "Q"),
        ServerSentEvent("V", "C"),
    ]
    named = feed_all_ways(b"event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: \ndata: 3\n\n")
    assert named.events == [ServerSentEvent("1", "a"), ServerSentEvent("2", "b"), ServerSentEvent("3")]


def test_an_id_pending_before_named_blocks_becomes_the_string() -> None:
    """An ``id`` line that ended one read, then ``event:`` + ``data:`` blocks: the id is the
    events' and, once their blank line comes, the last event ID string."""
    result = feed_all_ways(b"id: 5\nevent: a\ndata: 1\n\nevent: b\ndata: 2\n\n")
    assert result.events == [ServerSentEvent("1", "a", "5"), ServerSentEvent("2", "b", "5")]
    assert result.last_event_id == "5"


def test_a_block_of_five_lines_is_not_read_as_two_named_events() -> None:
    """Event, data, another field, event, data in one block: one event of the last type with
    both data lines (the bulk path checks that every third line is a blank one)."""
    result = feed_all_ways(b"event: A\ndata: X\nid: 9\nevent: B\ndata: Y\n\nevent: C\ndata: Z\n\n")
    assert result.events == [ServerSentEvent("X\nY", "B", "9"), ServerSentEvent("Z", "C", "9")]
