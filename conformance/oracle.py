"""A slow, spec-literal reference parser for ``text/event-stream`` (the oracle).

Written from the WHATWG texts alone, independently of ``sse_pplx``'s fast parser,
and kept deliberately naive: every byte goes through each stage below one at a
time, in the order the standards describe them, with the quoted step beside the
code that does it.

1. WHATWG Encoding, "UTF-8 decode": strip one leading BOM, then the
   "UTF-8 decoder" state machine, errors replaced by U+FFFD.
2. WHATWG HTML §9.2.6, "Interpreting an event stream": split the decoded
   characters into lines on CRLF / LF / CR.
3. The same section: process each line (blank line, comment, field), the field
   rules (``event``, ``data``, ``id``, ``retry``) and "dispatch the event".

Everything is processed as soon as its byte arrives, so :meth:`Oracle.feed`
returns the events that the bytes it was given completed, and every event is
tagged with the index (in the whole stream) of the byte that completed it:
the line ending of the blank line that dispatched it (for a CR LF pair, the CR,
which already ends the line).  :func:`parse` runs a whole stream and returns the
result in the fixture shape (``fixtures/README.md``).

Beyond the spec, two things the kit needs:

* the parser state after each event (``last_event_id``: the event source's
  "last event ID string", which every blank line sets from the "last event ID
  buffer", whether or not its block had data, and which a reconnection sends;
  ``reconnection_time``: the event stream's reconnection time, None
  until a valid ``retry`` field) and per event the ``retry`` value given in its
  own block (between two blank lines) -- sse_pplx's ``ServerSentEvent.retry``;
* optional size limits, an sse_pplx extension (``docs/parser-contract.md``):
  ``max_line_bytes`` bounds every line, counted in bytes as received without
  its line ending (the stream's leading BOM belongs to no line), checked as
  each byte arrives so an endless line fails as soon as it is one byte too
  long (leading bytes that may still be the BOM, EF or EF BB, count from the
  byte that shows they are not; at the end of the stream nothing is checked:
  :meth:`Oracle.close` never fails); ``max_event_bytes`` bounds the data buffer of one event, counted as
  each data value's bytes as received plus one for its LF, checked when a
  ``data`` line is processed.  Exceeding one stops the parser
  (:class:`LimitReached`);
* optionally (``comments=True``, for the test suite's reference of sse_pplx's
  ``comments`` option) the comment lines too, as ``{"comment": text, "at": i}``
  with the characters after the colon, where the spec ignores the line; and
  ``block_lines``, how many lines (fields, comments) have been processed since
  the last blank line.

Standard library only; no import of ``sse_pplx``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

__all__ = ["LimitReached", "Oracle", "OracleResult", "Utf8Decoder", "parse"]

_BOM = b"\xef\xbb\xbf"
_REPLACEMENT = "\ufffd"


class Utf8Decoder:
    """WHATWG Encoding §"UTF-8 decoder", one byte at a time, in replacement mode.

    :meth:`push` returns the code points the byte produced, each as
    ``(character, byte_count)``: how many input bytes the character stands for
    (a U+FFFD covers the bytes of the sequence it replaces).
    """

    __slots__ = ("bytes_needed", "bytes_seen", "code_point", "lower", "upper")

    def __init__(self) -> None:
        # "UTF-8 decoder has an associated UTF-8 code point, UTF-8 bytes seen,
        # and UTF-8 bytes needed (all initially 0), a UTF-8 lower boundary
        # (initially 0x80), and a UTF-8 upper boundary (initially 0xBF)."
        self.code_point = 0
        self.bytes_seen = 0
        self.bytes_needed = 0
        self.lower = 0x80
        self.upper = 0xBF

    def push(self, byte: int) -> List[Tuple[str, int]]:
        out: List[Tuple[str, int]] = []
        self._handle(byte, out)
        return out

    def end(self) -> List[Tuple[str, int]]:
        """End of the byte stream."""
        # "1. If byte is end-of-queue and UTF-8 bytes needed is not 0, set UTF-8
        # bytes needed to 0 and return error."
        if self.bytes_needed != 0:
            count = 1 + self.bytes_seen
            self.bytes_needed = self.bytes_seen = self.code_point = 0
            return [(_REPLACEMENT, count)]
        # "2. If byte is end-of-queue, return finished."
        return []

    def _handle(self, byte: int, out: List[Tuple[str, int]]) -> None:
        # "3. If UTF-8 bytes needed is 0, based on byte: ..."
        if self.bytes_needed == 0:
            if byte <= 0x7F:
                # "0x00 to 0x7F: Return a code point whose value is byte."
                out.append((chr(byte), 1))
            elif 0xC2 <= byte <= 0xDF:
                # "0xC2 to 0xDF: Set UTF-8 bytes needed to 1. Set UTF-8 code
                # point to byte & 0x1F."
                self.bytes_needed = 1
                self.code_point = byte & 0x1F
            elif 0xE0 <= byte <= 0xEF:
                # "0xE0 to 0xEF: 1. If byte is 0xE0, set UTF-8 lower boundary to
                # 0xA0. 2. If byte is 0xED, set UTF-8 upper boundary to 0x9F.
                # 3. Set UTF-8 bytes needed to 2. 4. Set UTF-8 code point to
                # byte & 0xF."
                if byte == 0xE0:
                    self.lower = 0xA0
                if byte == 0xED:
                    self.upper = 0x9F
                self.bytes_needed = 2
                self.code_point = byte & 0xF
            elif 0xF0 <= byte <= 0xF4:
                # "0xF0 to 0xF4: 1. If byte is 0xF0, set UTF-8 lower boundary to
                # 0x90. 2. If byte is 0xF4, set UTF-8 upper boundary to 0x8F.
                # 3. Set UTF-8 bytes needed to 3. 4. Set UTF-8 code point to
                # byte & 0x7."
                if byte == 0xF0:
                    self.lower = 0x90
                if byte == 0xF4:
                    self.upper = 0x8F
                self.bytes_needed = 3
                self.code_point = byte & 0x7
            else:
                # "Otherwise: Return error."  (Replacement mode: U+FFFD.)
                out.append((_REPLACEMENT, 1))
            # "Return continue."
            return
        # "4. If byte is not in the range UTF-8 lower boundary to UTF-8 upper
        # boundary, inclusive, then: 1. Set UTF-8 code point, UTF-8 bytes
        # needed, and UTF-8 bytes seen to 0, set UTF-8 lower boundary to 0x80,
        # and set UTF-8 upper boundary to 0xBF. 2. Restore byte to ioQueue.
        # 3. Return error."
        if not self.lower <= byte <= self.upper:
            count = 1 + self.bytes_seen
            self.code_point = self.bytes_needed = self.bytes_seen = 0
            self.lower, self.upper = 0x80, 0xBF
            out.append((_REPLACEMENT, count))
            self._handle(byte, out)  # the restored byte is read again
            return
        # "5. Set UTF-8 lower boundary to 0x80 and UTF-8 upper boundary to 0xBF."
        self.lower, self.upper = 0x80, 0xBF
        # "6. Set UTF-8 code point to (UTF-8 code point << 6) | (byte & 0x3F)"
        self.code_point = (self.code_point << 6) | (byte & 0x3F)
        # "7. Increase UTF-8 bytes seen by one."
        self.bytes_seen += 1
        # "8. If UTF-8 bytes seen is not equal to UTF-8 bytes needed, return continue."
        if self.bytes_seen != self.bytes_needed:
            return
        # "9. Let code point be UTF-8 code point.  10. Set UTF-8 code point,
        # UTF-8 bytes needed, and UTF-8 bytes seen to 0.  11. Return a code
        # point whose value is code point."
        code_point, count = self.code_point, 1 + self.bytes_needed
        self.code_point = self.bytes_needed = self.bytes_seen = 0
        out.append((chr(code_point), count))


class LimitReached(Exception):
    """A size limit (sse_pplx extension) was exceeded; the oracle stops.

    Attributes:
        limit: ``"max_line_bytes"`` or ``"max_event_bytes"``.
        position: index of the byte at which it was detected.
        events: the events completed by the failing :meth:`Oracle.feed` call before it.
    """

    def __init__(self, limit: str, position: int) -> None:
        super().__init__(f"{limit} exceeded at byte {position}")
        self.limit = limit
        self.position = position
        self.events: List[Dict[str, Any]] = []


class Oracle:
    """The reference parser.  ``feed(bytes) -> events``, ``close() -> []``.

    Events are dicts in the fixture shape (``type``, ``data``, ``id``,
    ``retry``, ``last_event_id``, ``reconnection_time``) plus ``"at"``, the
    index of the byte that completed the event.  With ``comments=True`` the
    comment lines come out too, in order, as ``{"comment": ..., "at": ...}``.
    """

    def __init__(
        self,
        *,
        max_line_bytes: Optional[int] = None,
        max_event_bytes: Optional[int] = None,
        last_event_id: str = "",
        comments: bool = False,
    ) -> None:
        self.max_line_bytes = max_line_bytes
        self.max_event_bytes = max_event_bytes
        self.comments = comments
        self._decoder = Utf8Decoder()
        self._position = 0  # index in the whole stream of the next byte
        self._head = b""  # the first bytes, held until we know whether they are a BOM
        self._bom_decided = False
        # Line splitting state.
        self._line: List[Tuple[str, int]] = []  # the current line: (character, bytes it stands for)
        self._line_start = 0  # index of the current line's first byte
        self._after_cr = False
        # "When a stream is parsed, a data buffer, an event type buffer, and a
        # last event ID buffer must be associated with it. They must be
        # initialized to the empty string."
        self.data_buffer = ""
        self.event_type_buffer = ""
        self.last_event_id_buffer = last_event_id
        #: The event source's "last event ID string" (what a reconnection sends): set from
        #: the buffer by "dispatch the event" step 1, so only when a block ends.
        self.last_event_id_string = last_event_id
        #: The event stream's reconnection time, None until a valid retry field.
        self.reconnection_time: Optional[int] = None
        self._block_retry: Optional[int] = None
        #: Lines (fields, comments) processed since the last blank line.
        self.block_lines = 0
        self._data_bytes = 0  # the data buffer's size in bytes as received
        self._out: List[Dict[str, Any]] = []
        self.closed = False
        self.failed: Optional[LimitReached] = None
        #: After close(): pending input was discarded at the end of the stream.
        self.discarded = False

    # -- input ------------------------------------------------------------

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        """Process ``data``; return the events it completed."""
        if self.closed or self.failed is not None:
            raise RuntimeError("the oracle is closed or failed")
        self._out = []
        try:
            for byte in bytes(data):
                self._byte(byte)
                self._position += 1
        except LimitReached as exc:
            exc.events = self._out
            self.failed = exc
            raise
        return self._out

    def close(self) -> List[Dict[str, Any]]:
        """End of the stream.  Never returns an event (see below)."""
        if self.closed:
            return []
        self.closed = True
        self._out = []
        if self.failed is not None:
            return []
        # A stream shorter than a BOM: its bytes are ordinary bytes.  They can only
        # form the unterminated last line, which is discarded (below); no byte
        # arrives any more, so no limit is checked: limits are enforced as bytes
        # arrive, by feed(), and close() never fails (docs/parser-contract.md).
        if not self._bom_decided:
            self._bom_decided = True
            for byte in self._head:
                self._decode(byte, check_limit=False)
        self._chars(self._decoder.end())
        # "Once the end of the file is reached, any pending data must be
        # discarded. (If the file ends in the middle of an event, before the
        # final empty line, the incomplete event is not dispatched.)"
        # An unterminated last line is no line: it is never processed.
        self.discarded = bool(self._line) or self.data_buffer != ""
        self._line = []
        return []

    def state(self) -> Dict[str, Any]:
        return {
            "last_event_id": self.last_event_id_string,
            "reconnection_time": self.reconnection_time,
            "discarded": self.discarded,
        }

    # -- stage 1: bytes to characters ---------------------------------------

    def _byte(self, byte: int) -> None:
        if not self._bom_decided:
            # WHATWG Encoding, "UTF-8 decode": "1. Let buffer be the result of
            # peeking three bytes from ioQueue, converted to a byte sequence.
            # 2. If buffer is 0xEF 0xBB 0xBF, then read three bytes from
            # ioQueue. (Do nothing with those bytes.)"
            self._head += bytes((byte,))
            if _BOM.startswith(self._head) and len(self._head) < 3:
                return  # not decided yet
            self._bom_decided = True
            if self._head == _BOM:
                self._line_start = self._position + 1  # the BOM belongs to no line
                return
            head, self._head = self._head, b""
            # The held bytes (all but this one) are processed now, as they were.
            # A limit they exceed is detected only now, at this byte: before it
            # they could still have been the BOM, which belongs to no line.
            detected_at = self._position
            self._position -= len(head) - 1
            try:
                for held in head:
                    self._decode(held)
                    self._position += 1
            except LimitReached as exc:
                self._position = detected_at
                raise LimitReached(exc.limit, detected_at) from None
            self._position -= 1
            return
        self._decode(byte)

    def _decode(self, byte: int, check_limit: bool = True) -> None:
        self._chars(self._decoder.push(byte))
        # Limit (sse_pplx extension): the line, as received so far, without its ending.
        limit = self.max_line_bytes if check_limit else None
        if limit is not None and byte not in (0x0A, 0x0D) and self._position - self._line_start + 1 > limit:
            raise LimitReached("max_line_bytes", self._position)

    # -- stage 2: characters to lines -------------------------------------

    def _chars(self, chars: List[Tuple[str, int]]) -> None:
        for char, count in chars:
            # "The stream must then be parsed by reading everything line by
            # line, with a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF)
            # character pair, a single U+000A LINE FEED (LF) character not
            # preceded by a U+000D CARRIAGE RETURN (CR) character, and a single
            # U+000D CARRIAGE RETURN (CR) character not followed by a U+000A
            # LINE FEED (LF) character being the ways in which a line can end."
            if self._after_cr:
                self._after_cr = False
                if char == "\n":
                    # The LF of a CRLF pair: the line already ended at its CR.
                    self._line_start = self._position + 1
                    continue
            if char == "\r":
                self._after_cr = True
                self._end_line()
            elif char == "\n":
                self._end_line()
            else:
                self._line.append((char, count))

    def _end_line(self) -> None:
        line, self._line = self._line, []
        self._line_start = self._position + 1
        self._process_line(line)

    # -- stage 3: lines ----------------------------------------------------

    def _process_line(self, line: List[Tuple[str, int]]) -> None:
        # "Lines must be processed, in the order they are received, as follows:"
        text = "".join(char for char, _ in line)
        if text == "":
            # "If the line is empty (a blank line): Dispatch the event, as defined below."
            self.block_lines = 0
            self._dispatch()
            return
        self.block_lines += 1
        if text.startswith(":"):
            # "If the line starts with a U+003A COLON character (:): Ignore the line."
            # (Reported, not interpreted, when comments were asked for.)
            if self.comments:
                self._out.append({"comment": text[1:], "at": self._position})
            return
        if ":" in text:
            # "If the line contains a U+003A COLON character (:): Collect the
            # characters on the line before the first U+003A COLON character
            # (:), and let field be that string."
            colon = text.index(":")
            field = text[:colon]
            # "Collect the characters on the line after the first U+003A COLON
            # character (:), and let value be that string."
            value_chars = line[colon + 1 :]
            # "If value starts with a U+0020 SPACE character, remove it from value."
            if value_chars and value_chars[0][0] == " ":
                value_chars = value_chars[1:]
            # "Process the field using the steps described below, using field
            # as the field name and value as the field value."
            self._process_field(field, value_chars)
        else:
            # "Otherwise, the string is not empty but does not contain a U+003A
            # COLON character (:): Process the field using the steps described
            # below, using the whole line as the field name, and the empty
            # string as the field value."
            self._process_field(text, [])

    def _process_field(self, name: str, value_chars: List[Tuple[str, int]]) -> None:
        value = "".join(char for char, _ in value_chars)
        # "Field names must be compared literally, with no case folding performed."
        if name == "event":
            # "If the field name is "event": Set the event type buffer to field value."
            self.event_type_buffer = value
        elif name == "data":
            # "If the field name is "data": Append the field value to the data
            # buffer, then append a single U+000A LINE FEED (LF) character to
            # the data buffer."
            self.data_buffer += value + "\n"
            self._data_bytes += sum(count for _, count in value_chars) + 1
            if self.max_event_bytes is not None and self._data_bytes > self.max_event_bytes:
                raise LimitReached("max_event_bytes", self._position)
        elif name == "id":
            # "If the field name is "id": If the field value does not contain
            # U+0000 NULL, then set the last event ID buffer to the field value.
            # Otherwise, ignore the field."
            if "\x00" not in value:
                self.last_event_id_buffer = value
        elif name == "retry" and value != "" and all(c in "0123456789" for c in value):
            # "If the field name is "retry": If the field value consists of only
            # ASCII digits, then interpret the field value as an integer in base
            # ten, and set the event stream's reconnection time to that integer.
            # Otherwise, ignore the field."  (An empty value has no digits to
            # interpret: ignored, as browsers do.)
            self.reconnection_time = int(value)
            self._block_retry = int(value)
        # "Otherwise: The field is ignored."

    def _dispatch(self) -> None:
        # "When the user agent is required to dispatch the event, the user
        # agent must process the data buffer, the event type buffer, and the
        # last event ID buffer using steps appropriate for the user agent."
        # For web browsers:
        # "1. Set the last event ID string of the event source to the value of
        # the last event ID buffer."  (The event carries it as lastEventId.)  This step
        # comes before step 2's return: a block without data sets the string too.
        self.last_event_id_string = last_event_id = self.last_event_id_buffer
        block_retry, self._block_retry = self._block_retry, None
        self._data_bytes = 0
        # "2. If the data buffer is an empty string, set the data buffer and the
        # event type buffer to the empty string and return."
        if self.data_buffer == "":
            self.event_type_buffer = ""
            return
        # "3. If the data buffer's last character is a U+000A LINE FEED (LF)
        # character, then remove the last character from the data buffer."
        data = self.data_buffer
        if data.endswith("\n"):
            data = data[:-1]
        # "5. Initialize event's type attribute to "message", its data
        # attribute to data, ... and its lastEventId attribute to the last event
        # ID string of the event source.  6. If the event type buffer has a
        # value other than the empty string, change the type of the newly
        # created event to equal the value of the event type buffer."
        event_type = self.event_type_buffer if self.event_type_buffer != "" else "message"
        # "7. Set the data buffer and the event type buffer to the empty string."
        self.data_buffer = ""
        self.event_type_buffer = ""
        self._out.append(
            {
                "type": event_type,
                "data": data,
                "id": last_event_id,
                "retry": block_retry,
                "last_event_id": self.last_event_id_string,
                "reconnection_time": self.reconnection_time,
                "at": self._position,
            }
        )


class OracleResult:
    """What :func:`parse` found: the fixture's ``expect`` plus where each event completed.

    Attributes:
        events: event dicts in the fixture shape (without positions).
        positions: for each event, the index of the byte that completed it.
        end: the end-of-stream state, or None when a limit was exceeded.
        error: ``{"kind": "limit", "limit": ..., "events_before": n}`` or None.
        error_position: the index of the byte at which the limit was exceeded, or None.
    """

    __slots__ = ("end", "error", "error_position", "events", "positions")

    def __init__(self) -> None:
        self.events: List[Dict[str, Any]] = []
        self.positions: List[int] = []
        self.end: Optional[Dict[str, Any]] = None
        self.error: Optional[Dict[str, Any]] = None
        self.error_position: Optional[int] = None

    def expect(self) -> Dict[str, Any]:
        """The ``expect`` object of a fixture."""
        return {"events": [dict(e) for e in self.events], "end": self.end, "error": self.error}


def parse(data: bytes, options: Optional[Dict[str, Any]] = None) -> OracleResult:
    """Parse a whole stream; ``options`` holds the optional limits."""
    options = options or {}
    oracle = Oracle(
        max_line_bytes=options.get("max_line_bytes"),
        max_event_bytes=options.get("max_event_bytes"),
    )
    result = OracleResult()

    def take(events: List[Dict[str, Any]]) -> None:
        for event in events:
            event = dict(event)
            result.positions.append(event.pop("at"))
            result.events.append(event)

    try:
        take(oracle.feed(data))
    except LimitReached as exc:
        take(exc.events)
        result.error = {"kind": "limit", "limit": exc.limit, "events_before": len(result.events)}
        result.error_position = exc.position
        return result
    oracle.close()
    result.end = oracle.state()
    return result
