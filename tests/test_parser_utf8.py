"""UTF-8 decoding: "Streams must be decoded using the UTF-8 decode algorithm." (WHATWG §9.2.6)

The WHATWG UTF-8 decode replaces every maximal invalid subpart with U+FFFD and never
fails; Python's ``bytes.decode("utf-8", "replace")`` follows the same practice, so it is the
expected value here.  Multibyte characters split across reads must survive
(btubbs/sseclient#38: spurious U+FFFD because decoder state was lost between reads) —
feed_all_ways splits every input at every byte.
"""

from __future__ import annotations

import codecs
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sse_pplx import ServerSentEvent, SSEParser
from tests.feeding import feed_all_ways, feed_chunks


def sse(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(data=data, event=event, id=id, retry=retry)


@pytest.mark.parametrize(
    "char",
    [
        pytest.param("é", id="2-byte"),
        pytest.param("€", id="3-byte"),
        pytest.param("\u2028", id="3-byte U+2028"),
        pytest.param("😀", id="4-byte"),
        pytest.param("\U0010ffff", id="4-byte max"),
        pytest.param("\u0080", id="2-byte min"),
        pytest.param("\uffff", id="3-byte max"),
    ],
)
def test_multibyte_characters_split_at_every_byte(char: str) -> None:
    """A character split across chunks at any byte is decoded once, unchanged (every split
    point, byte by byte, and three-way splits are fed by feed_all_ways)."""
    stream = f"event: {char}\nid: {char}{char}\ndata: {char}\ndata:{char}x{char}\n\n".encode()
    result = feed_all_ways(stream)
    assert result.events == [sse(f"{char}\n{char}x{char}", event=char, id=char * 2)]


def test_multibyte_split_across_reads_regression_sseclient_38() -> None:
    """btubbs/sseclient#38: each read decoded on its own gave U+FFFD.  Feed a 3-byte
    character as three separate reads."""
    result = feed_chunks([b"data: \xe2", b"\x82", b"\xac!\n\n"])
    assert result.events == [sse("€!")]


def test_wpt_format_utf_8() -> None:
    """WPT format-utf-8: "data:ok\\xe2\\x80\\xa6" is "ok…" (always UTF-8)."""
    assert feed_all_ways(b"data:ok\xe2\x80\xa6\n\n").data == ["ok…"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b"\xff", "\ufffd", id="0xFF never valid"),
        pytest.param(b"\xfe", "\ufffd", id="0xFE never valid"),
        pytest.param(b"\x80", "\ufffd", id="lone continuation byte"),
        pytest.param(b"a\xbfb", "a\ufffdb", id="lone continuation between ASCII"),
        pytest.param(b"\xe2\x82", "\ufffd", id="truncated 3-byte before LF is one U+FFFD"),
        pytest.param(b"\xf0\x9f\x98", "\ufffd", id="truncated 4-byte before LF is one U+FFFD"),
        pytest.param(b"\xe2\x82x", "\ufffdx", id="truncated 3-byte before ASCII"),
        pytest.param(b"\xc0\xaf", "\ufffd\ufffd", id="overlong slash"),
        pytest.param(b"\xe0\x80\xaf", "\ufffd\ufffd\ufffd", id="overlong 3-byte"),
        pytest.param(b"\xed\xa0\x80", "\ufffd\ufffd\ufffd", id="UTF-16 surrogate D800"),
        pytest.param(b"\xed\xbf\xbf", "\ufffd\ufffd\ufffd", id="UTF-16 surrogate DFFF"),
        pytest.param(b"\xf4\x90\x80\x80", "\ufffd" * 4, id="above U+10FFFF"),
        pytest.param(b"\xf5\x80", "\ufffd\ufffd", id="0xF5 lead byte"),
        pytest.param(b"\xc3", "\ufffd", id="truncated 2-byte"),
        pytest.param(b"\xc3\xa9\xc3", "é\ufffd", id="valid then truncated"),
        pytest.param(b"\x85", "\ufffd", id="raw 0x85 (Latin-1 NEL) is invalid, not a line end"),
    ],
)
def test_invalid_utf8_in_data_is_replaced_like_whatwg(raw: bytes, expected: str) -> None:
    """The UTF-8 decode algorithm emits U+FFFD for each maximal invalid subpart and goes on;
    the result must equal bytes.decode("utf-8", "replace") and never raise."""
    assert raw.decode("utf-8", "replace") == expected  # the oracle agrees with the table
    for ending in (b"\n\n", b"\r\r", b"\r\n\r\n"):
        result = feed_all_ways(b"data: " + raw + ending)
        assert result.data == [expected], ending


def test_truncated_sequence_followed_by_cr_lf_does_not_swallow_the_line_end() -> None:
    """A truncated sequence before CR LF: the CR/LF are ASCII and still end the line."""
    result = feed_all_ways(b"data: \xe2\x82\r\ndata: \xf0\x9f\r\r")
    assert result.data == ["\ufffd\n\ufffd"]


def test_invalid_bytes_in_field_name_make_an_unknown_field() -> None:
    """ "da\\ufffdta" is not "data": "The field is ignored."""
    result = feed_all_ways(b"da\xffta: x\ndata: y\n\n")
    assert result.data == ["y"]


def test_invalid_bytes_in_id_and_event_are_replaced() -> None:
    """id and event values are decoded the same way."""
    result = feed_all_ways(b"event: \xff\nid: \xc0\ndata: y\n\n")
    assert result.events == [sse("y", event="\ufffd", id="\ufffd")]


def test_partial_bom_is_not_a_bom() -> None:
    """b"\\xef\\xbb" followed by ASCII is a truncated sequence (one U+FFFD), not a BOM, so
    the first field is "\\ufffddata" and ignored."""
    result = feed_all_ways(b"\xef\xbbdata: a\n\ndata: b\n\n")
    assert result.data == ["b"]


def test_incomplete_sequence_at_eof_is_truncated_not_an_error() -> None:
    """An incomplete sequence at EOF is flushed by close() (as U+FFFD): a partial line."""
    result = feed_all_ways(b"data: a\n\n\xe2\x82")
    assert result.data == ["a"]
    assert result.truncated is True


def test_incomplete_sequence_at_eof_in_data_line() -> None:
    """The partial line "data: \\xe2" is processed as if terminated for incomplete_event."""
    result = feed_all_ways(b"data: \xe2")
    assert result.events == []
    assert result.truncated is True
    assert result.incomplete_event == sse("\ufffd")


def test_invalid_utf8_never_raises_on_every_single_byte_value() -> None:
    """Every byte value, alone and in every position of a line, decodes without error."""
    everything = bytes(range(256))
    parser = SSEParser()
    for value in range(256):
        parser.feed(b"data: " + bytes([value]) + b"x\n")
    parser.feed(b"data: " + everything + b"\n\n")
    parser.feed(everything * 3)
    parser.close()


# Values that contain no CR or LF: they stay on one line.
_line_bytes = st.binary(max_size=24).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_line_bytes)
def test_any_data_value_decodes_like_python_replace(value: bytes) -> None:
    """For any bytes without CR/LF, "data: <value>" gives value.decode("utf-8", "replace")
    across every chunking."""
    result = feed_all_ways(b"data: " + value + b"\n\n")
    assert result.data == [value.decode("utf-8", "replace")]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=12))
def test_any_text_round_trips_through_utf8(text: str) -> None:
    """Valid UTF-8 text (any scalar value but CR/LF) comes back unchanged."""
    result = feed_all_ways(b"data:" + b" " + text.encode("utf-8") + b"\n\n")
    assert result.data == [text]


_PIECES = st.one_of(
    st.binary(max_size=6),
    st.sampled_from(
        [b"\r", b"\n", b"\r\n", b"\xef\xbb\xbf", b"\xe2\x82", b"\xac", b"\xf0\x9f", b"\x98\x80", b"\xff", b"\xc3"]
    ),
)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=40), cuts=st.lists(st.integers(1, 7), max_size=40))
def test_splitting_bytes_then_decoding_equals_the_spec_pipeline(pieces: list[bytes], cuts: list[int]) -> None:
    """The parser splits lines on the bytes and decodes each value on its own (sse_pplx/_lines.py).
    That is only right if it equals the spec's own order: "Streams must be decoded using the
    UTF-8 decode algorithm" (one decoder over the whole stream, fed in arbitrary network
    chunks, one leading BOM stripped, errors replaced), and then split into lines at CRLF, LF
    and CR.  Both pipelines must give exactly the same lines."""
    data = b"".join(pieces)
    decoder = codecs.getincrementaldecoder("utf-8-sig")("replace")
    text, pos = [], 0
    for size in cuts:
        text.append(decoder.decode(data[pos : pos + size]))
        pos += size
    text.append(decoder.decode(data[pos:], True))
    spec_lines = re.split("\r\n|\r|\n", "".join(text))
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    byte_lines = [raw.decode("utf-8", "replace") for raw in re.split(b"\r\n|\r|\n", body)]
    assert byte_lines == spec_lines
