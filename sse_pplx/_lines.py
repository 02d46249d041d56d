"""Bytes to complete lines: line splitting (CR / LF / CRLF), the BOM, the line limit.

Implements the stream-level half of WHATWG HTML §9.2.5 "Parsing an event stream":

    "Streams must be decoded using the UTF-8 decode algorithm."
    "The stream must then be parsed by reading everything line by line, with a
    U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair, a single
    U+000A LINE FEED (LF) character not preceded by a U+000D CARRIAGE RETURN
    (CR) character, and a single U+000D CARRIAGE RETURN (CR) character not
    followed by a U+000A LINE FEED (LF) character being the ways in which a
    line can end."

Strategy: split bytes, decode values
------------------------------------
Everything the spec looks for is ASCII (CR, LF, ':', ' ', the field names,
NUL, digits) and in UTF-8 an ASCII byte only ever stands for itself: it is
never part of a multi-byte sequence, and the UTF-8 decoder ends any incomplete
sequence when it meets one.  So splitting lines and fields on the *bytes* and
then decoding each delivered value on its own (``errors="replace"``) gives
exactly the characters that "UTF-8 decode the whole stream, then split" gives,
including every U+FFFD for invalid input.  The tests check this equivalence
against the literal pipeline (one ``codecs`` ``utf-8-sig`` incremental decoder
over the whole stream, then splitting) on arbitrary bytes and chunkings.  It
is also why a multi-byte character split across chunks needs no decoder state
(btubbs/sseclient#38): the bytes of a line are decoded only once it is complete.

Working on bytes keeps the hot path on one-byte-per-character data (decoding a
4 KiB chunk with one emoji would widen all of it to 4 bytes per character),
makes the limits exact counts of bytes as received, and lets the parser find
whole blocks with one ``split(b"\\n\\n")``.

Other rules kept here:
* Only CR and LF end lines, never U+2028, U+2029 or U+0085; ``splitlines`` is
  never used (florimondmanca/httpx-sse#34, openai/openai-python#1230).
* A CR that ends a chunk ends its line at once (dispatch never waits for the
  next chunk); one LF at the start of the next chunk is then swallowed
  (rexxars/eventsource-parser#17, psf/requests#3980).
* One leading BOM (EF BB BF) is removed from the stream, also when its bytes
  arrive in separate chunks (they wait in the partial line); a second one is
  kept (it decodes to U+FEFF).  WHATWG Encoding, "UTF-8 decode": "If buffer is
  0xEF 0xBB 0xBF, then read three bytes from stream."
* The partial last line waits in a ``bytearray``: appending is amortised O(1)
  and costs one byte of memory per byte however the stream is chunked, so
  feeding one byte at a time stays linear (rexxars/eventsource-parser#28) and
  memory is bounded by ``max_line_bytes`` plus one chunk.
"""

from __future__ import annotations

from .errors import LimitExceeded

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional

__all__ = ["BOM", "LineLimitExceeded", "LineSplitter"]

BOM = b"\xef\xbb\xbf"
_CR = b"\r"
_LF = b"\n"
_CRLF = b"\r\n"
UNLIMITED = 1 << 62


class LineLimitExceeded(LimitExceeded):
    """Raised by :meth:`LineSplitter._split`; ``batch`` holds the complete lines before the long one."""

    def __init__(self, value: int, size: int, batch: bytes) -> None:
        super().__init__("max_line_bytes", value, size)
        self.batch = batch


class LineSplitter:
    """The line layer of the parser: bytes in, batches of complete lines out.

    :meth:`_split` returns a *batch*: the bytes of one or more complete lines
    with every line ending normalised to LF (so it always ends with LF) and the
    stream's BOM removed.  ``SSEParser`` inherits this class and inlines the
    commonest case (a chunk without any line ending) in its ``feed``.

    ``max_line_bytes`` counts the bytes of one line as received, without its
    line ending (and without the stream's leading BOM, which belongs to no
    line); the partial, still-growing line is checked too, so an endless line
    fails as soon as it passes the limit.
    """

    __slots__ = ("_at_stream_start", "_line_max", "_partial_line", "_skip_lf", "max_line_bytes")
    max_line_bytes: Optional[int]

    def __init__(self, max_line_bytes: Optional[int]) -> None:
        self.max_line_bytes = max_line_bytes
        self._line_max = UNLIMITED if max_line_bytes is None else max_line_bytes
        self._partial_line = bytearray()  # the partial line, as received
        self._skip_lf = False  # the last chunk ended with CR: swallow one LF
        self._at_stream_start = True  # no line completed yet: a BOM may lead the stream

    def _split(self, data: bytes) -> bytes:
        """Return the complete lines that ``data`` ends, as one LF-terminated batch (or b"")."""
        if self._skip_lf and data:
            self._skip_lf = False
            if data[0] == 10:  # the LF of a CRLF split across chunks
                data = data[1:]
        if 13 in data:  # memchr; a bytes needle takes a much slower path
            # "a single CR not followed by LF" ends a line: a CR at the very
            # end of the chunk ends its line now; its LF, if one comes, is skipped.
            self._skip_lf = data[-1] == 13
            data = data.replace(_CRLF, _LF).replace(_CR, _LF)
        cut = data.rfind(_LF) + 1
        partial_line = self._partial_line
        if not cut:  # no line ends in this chunk: the partial line grows
            partial_line += data
            if len(partial_line) > self._line_max and self._partial_size(self._at_stream_start) > self._line_max:
                raise LineLimitExceeded(self._line_max, self._partial_size(self._at_stream_start), b"")
            return b""
        if partial_line:
            batch = bytes(partial_line) + data[:cut]
            del partial_line[:]
        else:
            batch = data[:cut] if cut < len(data) else data
        if cut < len(data):
            partial_line += data[cut:]
        if len(batch) > self._line_max or len(partial_line) > self._line_max:
            self._check_lines(batch)
        if self._at_stream_start:
            self._at_stream_start = False
            if batch[:3] == BOM:
                batch = batch[3:]
        return batch

    def _check_lines(self, batch: bytes) -> None:
        """Slow path, taken only when a batch or the partial line is longer than the limit.

        The stream's leading BOM is not part of any line, so it is not counted.
        """
        limit = self._line_max
        start = 3 if self._at_stream_start and batch[:3] == BOM else 0
        first = start
        while True:
            end = batch.find(_LF, start)
            if end < 0:
                break
            if end - start > limit:
                raise LineLimitExceeded(limit, end - start, self._strip_bom(batch[:start]) if start > first else b"")
            start = end + 1
        # The batch completed a line, so the partial line is not the stream's first: a BOM
        # there is a character (U+FEFF) of the line and counts.
        if self._partial_size(False) > limit:
            raise LineLimitExceeded(limit, self._partial_size(False), self._strip_bom(batch))

    def _partial_size(self, at_start: bool) -> int:
        """The partial line's size.  At the start of the stream, the bytes of a leading BOM (or
        of what may still become one, EF or EF BB, when the rest is in the next chunk) belong
        to no line and do not count: the result must not depend on the chunking."""
        size = len(self._partial_line)
        if at_start:
            head = bytes(self._partial_line[:3])
            if BOM.startswith(head):
                size -= len(head)
        return size

    def _strip_bom(self, batch: bytes) -> bytes:
        if self._at_stream_start and batch[:3] == BOM:
            return batch[3:]
        return batch

    def _close_lines(self) -> bytes:
        """End of stream: return the unterminated partial line (b"" if none), BOM removed."""
        partial = self._strip_bom(bytes(self._partial_line))
        del self._partial_line[:]
        return partial

    def _reset_lines(self) -> None:
        """Forget everything for a new connection (a BOM will be removed again)."""
        del self._partial_line[:]
        self._skip_lf = False
        self._at_stream_start = True
