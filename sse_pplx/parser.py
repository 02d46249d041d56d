"""SSEParser: the sans-I/O Server-Sent Events parser.

Implements WHATWG HTML §9.2.6 "Interpreting an event stream" on top of the
line batches produced by :mod:`sse_pplx._lines` (§9.2.5).  Fields are parsed on
bytes and only delivered values are decoded (see ``_lines`` for why that is
exactly the spec's decode-then-parse).  It never does I/O, never
blocks, and costs O(n) in the bytes fed however they are chunked.  Push style
(like h2 and eventsource-parser): ``feed(bytes) -> list`` of what completed.

Contract: ``feed()`` raises only :class:`~sse_pplx.errors.ProtocolError`
subclasses, whatever the bytes; anything else escaping it is a bug.  After a
``ProtocolError`` the parser is terminated until ``reset()``.

Fast path: a batch of complete lines is split into blocks at blank lines with
one ``split(b"\n\n")``; a block that is a single ``data: ...`` line (nearly
every event of an LLM stream) becomes its event with one slice and one decode.
Every other block goes line by line through :meth:`SSEParser._lines_of` and
:meth:`SSEParser._field`, which follow the spec text step by step.

:func:`iter_events` and :func:`aiter_events` are the two loops of
:mod:`sse_pplx._feeding` around one parser (one body for both); that module
loads with the first stream, so ``import sse_pplx`` does not pay for it.
"""

from __future__ import annotations

from itertools import repeat as _repeat
from operator import itemgetter as _itemgetter

from ._lines import UNLIMITED, LineLimitExceeded, LineSplitter
from .errors import LimitExceeded, ParserTerminated, UsageError
from .events import Comment, ServerSentEvent

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import (
        Any,
        AsyncIterable,
        AsyncIterator,
        Generic,
        Iterable,
        Iterator,
        List,
        Literal,
        Optional,
        TypeVar,
        Union,
        overload,
    )

    from ._feeding import event_iteration

    Item = Union[ServerSentEvent, Comment]
    _Yielded = TypeVar("_Yielded", ServerSentEvent, Item)

    class _Yields(Generic[_Yielded]):
        """For type checkers only: SSEParser[ServerSentEvent] unless comments=True."""

else:
    # At run time the parser is not generic (importing typing would cost
    # milliseconds at import); subscripting it still works for annotations.
    class _Yields:
        __slots__ = ()

        def __class_getitem__(cls, item: object) -> type:
            return cls

    def event_iteration(function: object) -> object:
        """For type checkers, ``iter_events`` and ``aiter_events`` are :class:`sse_pplx._feeding.EventIteration`."""
        return function


__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_LINE_BYTES",
    "SSEParser",
    "aiter_events",
    "iter_events",
]

# Limits.  Precedents: h11 16 KiB of headers; aiohttp's fixed ~128 KiB line
# (rtfol/aiohttp-sse-client#11, a hidden limit users could not raise);
# pydantic/httpx2 1 MiB max_event_size; openai deliberately unlimited and tested
# with events over 64 MiB (openai/openai-python#3687).  LLM chunks are small,
# but Perplexity repeats search_results in every chunk of "full" mode, so the
# defaults are generous; None disables a limit.
DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_EVENT_BYTES = 16 * 1024 * 1024

# The events are built with tuple.__new__, their fields in the constructor's order
# (data, event type, last event ID, retry): see sse_pplx.events.
_new_tuple = tuple.__new__
_EVENT = ServerSentEvent
_COMMENT = Comment
_LF = b"\n"
_BLANK = b"\n\n"
_DATA_SP = b"data: "
_EVENT_SP = b"event: "
_NEXT_DATA = b"\n\ndata: "
_EMPTY = b""
#: A line's value after ``event: `` / ``data: `` (one C call per line).
_after_event = _itemgetter(slice(7, None))
_after_data = _itemgetter(slice(6, None))
# Events of more data lines than this are joined in slices (see SSEParser._event).
_JOIN_SLICE = 1024


def _decode_utf8(raw: bytes) -> str:
    """WHATWG "UTF-8 decode": invalid sequences become U+FFFD, never an error.

    Strict decoding first is the same on valid input and twice as fast as
    passing ``errors="replace"`` (CPython's codec lookup for the explicit
    arguments); only invalid input pays for the second, replacing decode.
    """
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


class SSEParser(LineSplitter, _Yields["_Yielded"]):
    """Incremental parser of one ``text/event-stream``.

    Args:
        max_line_bytes: the longest line accepted, in bytes as received
            (without its line ending); None = unlimited.
        max_event_bytes: the largest data of one event, in bytes as received
            (each data line's value plus one for its LF); None = unlimited.
        comments: also return :class:`Comment` objects for ``:`` lines.
        last_event_id: the initial last event ID (e.g. restored after a reconnect).

    Not thread-safe.  ``docs/parser-contract.md`` states the full contract.
    """

    __slots__ = (
        "_block_retry",
        "_comments",
        "_data",
        "_data_size",
        "_event_max",
        "_event_type",
        "_id_buffer",
        "_id_string",
        "_terminated",
        "incomplete_event",
        "max_event_bytes",
        "retry",
        "truncated",
    )
    max_event_bytes: Optional[int]
    #: Whether the stream ended inside an event (its lines are in :attr:`incomplete_event`).
    truncated: bool

    if TYPE_CHECKING:  # pragma: no cover

        @overload
        def __init__(
            self: SSEParser[ServerSentEvent],
            *,
            max_line_bytes: Optional[int] = ...,
            max_event_bytes: Optional[int] = ...,
            comments: Literal[False] = False,
            last_event_id: str = "",
        ) -> None: ...

        @overload
        def __init__(
            self: SSEParser[Item],
            *,
            max_line_bytes: Optional[int] = ...,
            max_event_bytes: Optional[int] = ...,
            comments: bool,
            last_event_id: str = "",
        ) -> None: ...

    def __init__(
        self,
        *,
        max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
        comments: bool = False,
        last_event_id: str = "",
    ) -> None:
        for name, value in (("max_line_bytes", max_line_bytes), ("max_event_bytes", max_event_bytes)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise UsageError(f"{name} must be an int >= 0 or None, not {value!r}")
        LineSplitter.__init__(self, max_line_bytes)
        self.max_event_bytes = max_event_bytes
        self._event_max = UNLIMITED if max_event_bytes is None else max_event_bytes
        self._comments = comments
        # The spec's "last event ID string" (:attr:`last_event_id`) and "last event ID buffer":
        # each valid id line sets the buffer, each blank line copies it into the string.  (The
        # fast paths check ``_id_buffer is _id_string``: an id line waiting in an open block
        # sends a batch down the general path.)
        self._id_string = self._id_buffer = last_event_id
        #: The reconnection time in ms from the last valid retry field, or None.
        self.retry: Optional[int] = None
        #: After close(): True when the stream ended inside an event.
        self.truncated = False
        #: After close(): the event the stream was cut off in, as it would have been dispatched.
        self.incomplete_event: Optional[ServerSentEvent] = None
        # The block being received: data values (bytes), their size, the event
        # type buffer and the block's own retry value.
        self._data: List[bytes] = []
        self._data_size = 0
        self._event_type = ""
        self._block_retry: Optional[int] = None
        self._terminated = False

    # -- public API -------------------------------------------------------

    @property
    def last_event_id(self) -> str:
        """The spec's "last event ID string" (§9.2.6 "dispatch the event", step 1): what a
        reconnection sends as ``Last-Event-ID``.

        Every blank line that ends a block sets it to the id the block had (its own
        ``id`` line, else the one before), whether or not the block had data; an ``id``
        line in a block that never ended (the stream stopped, or was cut, before its
        blank line) does not change it.  Assigning it (restoring a saved id before a
        new stream is fed) sets the id buffer too.
        """
        return self._id_string

    @last_event_id.setter
    def last_event_id(self, value: str) -> None:
        self._id_string = self._id_buffer = value

    def feed(self, data: Union[bytes, bytearray, memoryview]) -> List[_Yielded]:
        """Parse a chunk; return the events (and comments) it completed, in order.

        Any chunking of the same bytes gives the same results.  ``feed(b"")``
        does nothing; the end of the stream is :meth:`close`.

        Raises:
            LimitExceeded: a line or an event passed its limit.  ``exc.events``
                holds what this call had completed before; the parser is then
                terminated until :meth:`reset`.
            ParserTerminated: after :meth:`close` or a fatal error.
        """
        # The commonest call when bytes trickle in: no line ends in this chunk.
        # Two memchr scans decide it (``10 in data`` is memchr; ``b"\n" in data``
        # is several times slower); everything else waits for the slow path.
        # (A terminated parser also sets ``_skip_lf``, so that one flag sends
        # every call that cannot take this path to the slow path, which checks.)
        if 10 in data or 13 in data or self._skip_lf:
            return self._feed_lines(data)
        partial_line = self._partial_line
        partial_line += data
        if len(partial_line) > self._line_max and self._partial_size(self._at_stream_start) > self._line_max:
            raise self._line_limit(LineLimitExceeded(self._line_max, self._partial_size(self._at_stream_start), b""))
        return []

    def _feed_lines(self, data: Union[bytes, bytearray, memoryview]) -> List[_Yielded]:
        if self._terminated:
            raise ParserTerminated("the parser is closed or failed; call reset() to start a new stream")
        if data == _LF and not self._skip_lf and not self._at_stream_start:
            # One LF alone (bytes trickling in) ends the partial line: no batch to build.
            partial_line = self._partial_line
            if not partial_line:
                return self._batch(_LF)
            line = bytes(partial_line)
            del partial_line[:]
            if line[:6] == _DATA_SP and len(line) - 5 + self._data_size <= self._event_max:
                self._data.append(line[6:])
                self._data_size += len(line) - 5
                return []
            return self._batch(line + _LF)
        try:
            batch = self._split(data if type(data) is bytes else bytes(data))
        except LineLimitExceeded as exc:
            raise self._line_limit(exc) from None
        return self._batch(batch) if batch else []

    def _line_limit(self, exc: LineLimitExceeded) -> LimitExceeded:
        """Terminate, and turn the line layer's error into the public one with the salvaged events."""
        self._terminated = self._skip_lf = True
        error = LimitExceeded(exc.limit, exc.value, exc.size)
        salvaged: List[Any] = self._batch(exc.batch) if exc.batch else []
        error.events = salvaged
        return error

    def close(self) -> List[_Yielded]:
        """End of stream.  Returns ``[]``: per spec an unterminated event is discarded.

        "Once the end of the file is reached, any pending data must be
        discarded. (If the file ends in the middle of an event, before the
        final empty line, the incomplete event is not dispatched.)"

        What was discarded stays knowable: :attr:`truncated` tells whether the
        stream ended inside an event, and :attr:`incomplete_event` is the event
        that would have been dispatched had its blank line arrived (its
        unterminated last line included), or None.  After ``close()``,
        ``feed()`` raises :class:`ParserTerminated` until :meth:`reset`.
        Closing twice does nothing more.
        """
        if self._terminated:
            # Closed already, or after a LimitExceeded: what the limit refused could never
            # have been dispatched, so it is dropped, never made the incomplete_event.
            self.truncated = self.truncated or bool(self._partial_line) or bool(self._data)
            del self._partial_line[:]
            self._clear_block()
            return []
        self._terminated = self._skip_lf = True
        partial = self._close_lines()
        self.truncated = bool(partial) or bool(self._data)
        if self.truncated:
            # Discarded input must not change the visible state.
            saved = (self._id_buffer, self.retry)
            if partial:
                try:
                    self._field(partial, [])
                except LimitExceeded:
                    self._data.pop()  # the cut-off line passes the event limit: keep what was complete
            if self._data:
                self.incomplete_event = self._event()
            self._id_buffer, self.retry = saved
        self._clear_block()
        return []

    def reset(self) -> None:
        """Prepare for a new connection.

        Clears any partial line and half-received event and the terminated
        state; a leading BOM will be removed again.  Keeps
        :attr:`last_event_id` and :attr:`retry`, which the spec keeps across
        reconnections.  An ``id`` line of a block that never ended is forgotten:
        the new stream's id buffer starts from :attr:`last_event_id` (as the
        parser a browser creates for each connection does), so a reconnection
        that sets :attr:`last_event_id` before feeding also sets the buffer.
        """
        self._id_buffer = self._id_string
        self._reset_lines()
        self._clear_block()
        self._terminated = False
        self.truncated = False
        self.incomplete_event = None

    def __repr__(self) -> str:
        """The state a reconnection or a debugger needs, e.g. ``<SSEParser open last_event_id='7'
        retry=3000 buffered=12 pending_event=True>``: ``buffered`` counts the bytes of the
        partial line and of the data lines of the event not yet dispatched; ``pending_event``
        says whether a block has begun (data, event, id or retry line) without its blank line;
        after :meth:`close` (or a fatal error until :meth:`reset`) it says ``closed`` /
        ``truncated=True`` when the stream ended inside an event."""
        pending = bool(self._data or self._event_type or self._block_retry is not None)
        pending = pending or self._id_buffer is not self._id_string
        parts = [
            "closed" if self._terminated else "open",
            f"last_event_id={self._id_string!r}",
            f"retry={self.retry!r}",
            f"buffered={len(self._partial_line) + self._data_size}",
            f"pending_event={pending}",
        ]
        if self.truncated:
            parts.append("truncated=True")
        if self._comments:
            parts.append("comments=True")
        return f"<SSEParser {' '.join(parts)}>"

    # -- the state machine ------------------------------------------------

    def _clear_block(self) -> None:
        self._data = []
        self._data_size = 0
        self._event_type = ""
        self._block_retry = None

    def _event(self) -> ServerSentEvent:
        """Steps 3-5 of "dispatch the event" for the buffered block."""
        data = self._data
        # "If the data buffer's last character is a U+000A LINE FEED (LF)
        # character, then remove the last character from the data buffer."
        # (Joining the values never adds that last LF in the first place.)
        if len(data) == 1:
            raw = data[0]
        elif len(data) <= _JOIN_SLICE:
            raw = _LF.join(data)
        else:
            # bytes.join allocates an 80-byte Py_buffer per piece: an event of a million
            # empty data lines (max_event_bytes 1 MiB, 5 MiB sent) would take 80 MiB at once.
            raw = _LF.join([_LF.join(data[i : i + _JOIN_SLICE]) for i in range(0, len(data), _JOIN_SLICE)])
        text = _decode_utf8(raw)
        return _new_tuple(_EVENT, (text, self._event_type or "message", self._id_buffer, self._block_retry))

    def _batch(self, batch: bytes) -> List[_Yielded]:
        """Interpret one LF-terminated batch of complete lines."""
        out: List[Any]
        if batch == _LF:
            # A lone blank line (bytes trickling in): "dispatch the event",
            # inline for the usual block of one data line.
            data = self._data
            if len(data) == 1 and self._block_retry is None:
                self._data = []
                self._data_size = 0
                self._id_string = last_id = self._id_buffer  # "dispatch the event", step 1
                kind = self._event_type or "message"
                self._event_type = ""
                return [_new_tuple(_EVENT, (_decode_utf8(data[0]), kind, last_id, None))]
            out = []
            self._dispatch(out)
            return out
        # Everything after the last blank line belongs to a block still open.
        end = batch.rfind(_BLANK)
        if end < 0:
            if batch[:6] == _DATA_SP and batch.find(10) == len(batch) - 1:
                # One "data: ..." line of a block still open (small chunks).
                value = batch[6:-1]
                size = self._data_size + len(value) + 1
                if size > self._event_max:
                    self._field(batch[:-1], [])  # the general path counts it and raises
                self._data.append(value)
                self._data_size = size
                return []
            if batch[:7] == _EVENT_SP and batch.find(10) == len(batch) - 1:
                # One "event: NAME" line of a block still open (small reads of the Responses
                # APIs' framing): "Set the event type buffer to field value."
                self._event_type = _decode_utf8(batch[7:-1])
                return []
            lines = batch.split(_LF)
            lines.pop()
            out = []
            self._lines_of(lines, out)
            return out
        if (
            batch[:6] == _DATA_SP
            and end <= self._event_max
            and not (self._data or self._event_type or self._block_retry is not None)
            and self._id_buffer is self._id_string
        ):
            # The LLM-stream shape: blocks that are one "data: ..." line each.
            if batch.find(10) == end:
                # Exactly one such block (memchr finds no LF before the blank
                # line): small chunks deliver one event per batch, and a huge
                # event is never scanned twice.
                value = batch[6:end]
                try:
                    text = value.decode()
                except UnicodeDecodeError:
                    text = value.decode("utf-8", "replace")
                out = [_new_tuple(_EVENT, (text, "message", self._id_string, None))]
            else:
                # Split at b"\n\ndata: "; when no piece holds an LF, every block
                # was one "data: ..." line and the pieces are their values.  (The
                # check is a memcpy and a memchr, six times cheaper on 4 KiB than
                # bytes.count, a plain byte loop.)  The events are then built by
                # a loop that runs in C.
                values = batch[6:end].split(_NEXT_DATA)
                if 10 in _EMPTY.join(values):
                    return self._blocks(batch)
                try:
                    texts: Iterable[str] = list(map(bytes.decode, values))
                except UnicodeDecodeError:
                    texts = map(_decode_utf8, values)
                fields = zip(texts, _repeat("message"), _repeat(self._id_string), _repeat(None))
                out = list(map(_new_tuple, _repeat(_EVENT), fields))
            # (No block of this batch had an id line, and none was pending: the last event ID
            # string is already the buffer, and "dispatch the event" step 1 changes nothing.)
            if end + 2 < len(batch):
                lines = batch[end + 2 :].split(_LF)
                lines.pop()
                self._lines_of(lines, out)
            return out
        if len(batch) <= self._event_max + 5:
            named = self._named_batch(batch, end)
            if named is not None:
                return named
        return self._blocks(batch)

    def _blocks(self, batch: bytes) -> List[_Yielded]:
        """The general path: block by block, with a fast case for one-line data blocks."""
        out: List[Any] = []
        blocks = batch.split(_BLANK)
        # After the last blank line: complete lines of a block that is still
        # open (each ends with LF), or b"" when the batch ended with a blank line.
        tail = blocks.pop()
        block_of = self._block
        if self._data or self._event_type or self._block_retry is not None or self._id_buffer is not self._id_string:
            # The first block continues one whose first lines came earlier.
            block_of(blocks[0], out)
            del blocks[0]
        if len(batch) > self._event_max + 5:
            # Some block may pass max_event_bytes: count every data line.
            for block in blocks:
                block_of(block, out)
        else:
            append = out.append
            last_id = self._id_buffer  # (each block_of() leaves the string equal to the buffer)
            for block in blocks:
                if block[:6] == _DATA_SP and 10 not in block:
                    # A whole block that is one "data: ..." line: its event at
                    # once (the type is "message", the block had no retry or id).
                    append(_new_tuple(_EVENT, (_decode_utf8(block[6:]), "message", last_id, None)))
                else:
                    block_of(block, out)
                    last_id = self._id_buffer
        if tail:
            lines = tail.split(_LF)
            lines.pop()
            self._lines_of(lines, out)
        return out

    def _named_batch(self, batch: bytes, end: int) -> Optional[List[_Yielded]]:
        """The Responses APIs' framing, in C loops: after a first block that may continue one
        begun in the previous chunk, every block up to the last blank line (at ``end``) is
        ``event: NAME`` then one ``data: ...`` line.  Per block, "set the event type buffer to
        field value", append the data line's value, and the blank line dispatches (no id, no
        retry: the last event ID string stays the buffer).  None, with nothing done, when any
        block has another shape or an empty NAME: the caller goes block by block.
        (benchmarks/bench_responses.py, a named agent stream: the parser alone takes about
        1.5 ms instead of 6.4 ms whole, 2.6 ms instead of 6.4 ms in 4 KiB reads.)"""
        continuing = bool(self._data or self._event_type or self._block_retry is not None)
        start = batch.find(_BLANK) + 2 if continuing else 0
        names: List[bytes] = []
        lines: List[bytes] = []
        if start <= end:
            # The shape: the lines are event, data, blank, event, data, blank, ..., data.  Every
            # third line blank and none other (a line of the other two kinds is not empty): the
            # blanks are exactly the block separators, so every block has these two lines.
            if not batch.startswith(_EVENT_SP, start):
                return None
            lines = batch[start:end].split(_LF)
            if (
                len(lines) % 3 != 2
                or any(lines[2::3])
                or not all(map(bytes.startswith, lines[0::3], _repeat(_EVENT_SP)))
                or not all(map(bytes.startswith, lines[1::3], _repeat(_DATA_SP)))
            ):
                return None
            names = list(map(_after_event, lines[0::3]))
            if not all(names):
                return None
        # (else: a batch of small reads, "data: ...\n\nevent: ...\n": the blank line that
        # ends the block begun earlier is its only one.)
        out: List[Any] = []
        if continuing:
            first = batch[: start - 2]
            if (
                first[:6] == _DATA_SP
                and 10 not in first
                and not self._data
                and self._block_retry is None
                and len(first) - 5 <= self._event_max
            ):
                # Its "event: NAME" line came in the previous chunk: the data line, then the
                # blank line dispatches ("dispatch the event", step 1 included).
                self._id_string = self._id_buffer
                out.append(_new_tuple(_EVENT, (_decode_utf8(first[6:]), self._event_type, self._id_string, None)))
                self._event_type = ""
            else:
                self._block(first, out)
        if not names:
            if end + 2 < len(batch):
                tail = batch[end + 2 :].split(_LF)
                tail.pop()
                self._lines_of(tail, out)
            return out
        values = list(map(_after_data, lines[1::3]))
        try:
            types: Iterable[str] = list(map(bytes.decode, names))
            texts: Iterable[str] = list(map(bytes.decode, values))
        except UnicodeDecodeError:
            types = map(_decode_utf8, names)
            texts = map(_decode_utf8, values)
        out.extend(map(_new_tuple, _repeat(_EVENT), zip(texts, types, _repeat(self._id_buffer), _repeat(None))))
        self._id_string = self._id_buffer  # "dispatch the event", step 1 (an id line may have been pending)
        if end + 2 < len(batch):
            tail = batch[end + 2 :].split(_LF)
            tail.pop()
            self._lines_of(tail, out)
        return out

    def _block(self, block: bytes, out: List[Any]) -> None:
        """The lines of one block, then the blank line that ended it."""
        self._lines_of(block.split(_LF), out)
        self._dispatch(out)

    def _dispatch(self, out: List[Any]) -> None:
        """A blank line: "dispatch the event" (§9.2.6)."""
        # Step 1: "Set the last event ID string of the event source to the value of the last
        # event ID buffer."  (Before step 2's return: a block without data sets it too.)
        self._id_string = self._id_buffer
        if self._data:
            out.append(self._event())
            self._data = []
            self._data_size = 0
        # Step 2: "If the data buffer is an empty string, set the data buffer
        # and the event type buffer to the empty string and return."
        self._event_type = ""
        self._block_retry = None

    def _lines_of(self, lines: List[bytes], out: List[Any]) -> None:
        """Process the lines of one block (a blank line among them dispatches)."""
        for line in lines:
            if not line:
                # "If the line is empty (a blank line): Dispatch the event"
                self._dispatch(out)
            else:
                self._field(line, out)

    def _field(self, line: bytes, out: List[Any]) -> None:
        """Process one non-blank line, quoting the steps of §9.2.6."""
        colon = line.find(b":")
        if colon == 0:
            # "If the line starts with a U+003A COLON character (:) Ignore the line."
            if self._comments:
                out.append(_new_tuple(_COMMENT, (_decode_utf8(line[2:] if line[1:2] == b" " else line[1:]),)))
            return
        if colon > 0:
            # "Collect the characters on the line before the first U+003A COLON
            # character (:), and let field be that string.  Collect the
            # characters on the line after the first U+003A COLON character (:),
            # and let value be that string.  If value starts with a U+0020 SPACE
            # character, remove it from value."
            field = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        else:
            # "Otherwise, the string is not empty but does not contain a U+003A
            # COLON character (:): process the field using the whole line as the
            # field name, and the empty string as the field value."
            field = line
            value = b""
        if field == b"data":
            # "Append the field value to the data buffer, then append a single
            # U+000A LINE FEED (LF) character to the data buffer."
            self._data.append(value)
            self._data_size += len(value) + 1
            if self._data_size > self._event_max:
                self._terminated = self._skip_lf = True
                error = LimitExceeded("max_event_bytes", self._event_max, self._data_size)
                error.events = out
                raise error
        elif field == b"event":
            # "Set the event type buffer to field value."
            self._event_type = _decode_utf8(value)
        elif field == b"id":
            # "If the field value does not contain U+0000 NULL, then set the last
            # event ID buffer to the field value. Otherwise, ignore the field."
            if b"\x00" not in value:
                self._id_buffer = _decode_utf8(value)
        elif field == b"retry" and value.isdigit():
            # "If the field value consists of only ASCII digits, then interpret
            # the field value as an integer in base ten, and set the event
            # stream's reconnection time to that integer. Otherwise, ignore the
            # field."  (bytes.isdigit is ASCII-only: no other scripts' digits.)
            self.retry = self._block_retry = int(value)
        # "Otherwise: The field is ignored."


class _EventFeed:
    """The feed of :func:`iter_events` and :func:`aiter_events` (see :mod:`sse_pplx._feeding`)."""

    __slots__ = ("_parser", "done", "step")

    def __init__(self, parser: SSEParser[Item]) -> None:
        self._parser = parser
        self.step = parser.feed  # a LimitExceeded carries the events completed before it
        #: An event stream has no end marker of its own: it is read to the end of its bytes.
        self.done = False

    @property
    def decoder(self) -> _EventFeed:
        return self

    def finish(self) -> List[Item]:
        return self._parser.close()


@event_iteration
def iter_events(chunks: Iterable[bytes], **options: Any) -> Iterator[Item]:
    """Parse any iterable of byte chunks, yielding each event as soon as it is complete.

    It never reads ahead: every event a chunk completes is yielded before the
    next chunk is pulled.  The keyword arguments are :class:`SSEParser`'s
    (``max_line_bytes``, ``max_event_bytes``, ``comments``, ``last_event_id``).
    At the end of ``chunks`` the parser is closed (an unterminated event is
    discarded, per spec).

    Raises:
        LimitExceeded: as :meth:`SSEParser.feed`; the events completed before
            it have been yielded first, so nothing is lost.
        UsageError: a limit is not an int >= 0 or None (when called).
    """
    from ._feeding import drive

    return drive(_EventFeed(SSEParser(**options)), chunks)


@event_iteration
def aiter_events(chunks: AsyncIterable[bytes], **options: Any) -> AsyncIterator[Item]:
    """The async twin of :func:`iter_events`, for any async byte iterator
    (httpx, aiohttp, trio and anyio streams); it imports no event loop."""
    from ._feeding import adrive

    return adrive(_EventFeed(SSEParser(**options)), chunks)
