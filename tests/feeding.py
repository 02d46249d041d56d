"""The one shared way every parser test feeds bytes to :class:`sse_pplx.SSEParser`.

Chunk boundaries must never change what the parser produces (docs/parser-contract.md:
"Any chunking of the same bytes gives the same events and final state").  Bugs of exactly
this class recur in peer libraries (rexxars/eventsource-parser#17, a CRLF split across
chunks; btubbs/sseclient#38, UTF-8 split across reads; psf/requests#3980), so no parser
test feeds a stream only one way: :func:`feed_all_ways` feeds it, in the chunkings of the
conformance kit (:func:`conformance.chunkings.strategies`, the one chunking helper of the
repository),

* whole,
* byte by byte,
* split at every single split point into two chunks (inputs up to ``EXHAUSTIVE_LIMIT``
  bytes; longer inputs get a seeded sample of split points and fixed chunk sizes),
* split at every pair of split points into three chunks (inputs up to
  ``THREE_WAY_LIMIT`` bytes),
* split inside every multibyte UTF-8 character and between every CR and LF (at most
  ``SAMPLED_SPLITS`` of each, evenly spread, on long inputs),
* in seeded random chunkings,

and asserts that every way yields the same items and the same final state.

This module also holds :func:`reference_parse`: what the conformance kit's spec-literal
oracle (:mod:`conformance.oracle`, written from the WHATWG texts only, never from the
implementation) makes of a whole byte string, as the parser's items and state.  It is the
reference of the property tests and tells :func:`assert_events_as_soon_as_complete` at
which byte each item must come out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence, Union

from conformance.chunkings import strategies
from conformance.oracle import LimitReached, Oracle
from sse_pplx import Comment, ServerSentEvent, SSEParser

Item = Union[ServerSentEvent, Comment]

#: Inputs up to this many bytes are split at *every* split point.
EXHAUSTIVE_LIMIT = 300
#: Inputs up to this many bytes are also split at every pair of split points.
THREE_WAY_LIMIT = 40
#: For longer inputs: how many sampled split points (and at most how many cuts inside
#: multibyte characters, and between CR and LF); the random chunkings and the fixed sizes.
SAMPLED_SPLITS = 96
RANDOM_CHUNKINGS = 24
FIXED_SIZES = (2, 3, 7, 64, 1000, 4096)


@dataclass(frozen=True)
class FeedResult:
    """What one parse produced; identical for every chunking (asserted)."""

    events: list[Any]
    """Every item returned by ``feed()`` calls, in order (events, and comments when
    ``comments=True``), followed by whatever ``close()`` returned."""
    last_event_id: str
    """``parser.last_event_id`` after ``close()``."""
    retry: int | None
    """``parser.retry`` after ``close()``."""
    truncated: bool
    incomplete_event: ServerSentEvent | None
    close_events: list[Any] = field(default_factory=list)
    """What ``close()`` itself returned (the contract says always ``[]``)."""
    pre_close_last_event_id: str = ""
    """``parser.last_event_id`` after the last ``feed()``, before ``close()``."""
    pre_close_retry: int | None = None

    @property
    def data(self) -> list[str]:
        """The ``.data`` of every ServerSentEvent, for terse assertions."""
        return [e.data for e in self.events if isinstance(e, ServerSentEvent)]

    @property
    def server_sent_events(self) -> list[ServerSentEvent]:
        return [e for e in self.events if isinstance(e, ServerSentEvent)]

    @property
    def comments(self) -> list[Comment]:
        return [e for e in self.events if isinstance(e, Comment)]


# --------------------------------------------------------------------------------------
# Chunkings
# --------------------------------------------------------------------------------------


def iter_chunkings(data: bytes) -> Iterator[tuple[str, list[bytes]]]:
    """Yield ``(name, chunks)`` for every way :func:`feed_all_ways` feeds ``data``.

    ``b"".join(chunks) == data`` always holds.  Names (``whole``, ``bytewise``, ``split@K``,
    ``utf8@K``, ``crlf@K``, ``fixed@S``, ``random#N``...) say which chunking it is, so a
    failure message can name it.
    """
    for chunking in strategies(
        data,
        exhaustive_limit=EXHAUSTIVE_LIMIT,
        three_way_limit=THREE_WAY_LIMIT,
        sampled_splits=SAMPLED_SPLITS,
        max_targeted=SAMPLED_SPLITS,
        fixed_sizes=FIXED_SIZES if len(data) > EXHAUSTIVE_LIMIT else (),
        random_count=RANDOM_CHUNKINGS,
    ):
        yield chunking.name, chunking.chunks(data)


def describe(name: str, chunks: Sequence[bytes]) -> str:
    """A chunking, shortly, for failure messages."""
    shown = list(chunks) if len(chunks) <= 6 else [*chunks[:3], b"...", *chunks[-2:]]
    return f"{name}: {len(chunks)} chunks {shown!r}"


# --------------------------------------------------------------------------------------
# Feeding
# --------------------------------------------------------------------------------------


def _check_items(items: Any, where: str, comments: bool) -> list[Any]:
    assert isinstance(items, list), f"{where} returned {type(items).__name__}, not a list"
    for item in items:
        assert isinstance(item, (ServerSentEvent, Comment)), f"{where} returned {item!r}"
        if not comments:
            assert not isinstance(item, Comment), f"{where} returned a Comment with comments=False"
    return items


def feed_chunks(chunks: Sequence[bytes], **parser_kwargs: Any) -> FeedResult:
    """Feed ``chunks`` to a fresh parser, then ``close()`` it; return what came out."""
    comments = bool(parser_kwargs.get("comments", False))
    parser = SSEParser(**parser_kwargs)
    events: list[Any] = []
    for index, chunk in enumerate(chunks):
        events.extend(_check_items(parser.feed(chunk), f"feed() #{index}", comments))
    pre_id, pre_retry = parser.last_event_id, parser.retry
    closed = _check_items(parser.close(), "close()", comments)
    events.extend(closed)
    truncated = parser.truncated
    assert isinstance(truncated, bool), f"truncated is {truncated!r}, not a bool"
    incomplete = parser.incomplete_event
    assert incomplete is None or isinstance(incomplete, ServerSentEvent), repr(incomplete)
    return FeedResult(
        events=events,
        last_event_id=parser.last_event_id,
        retry=parser.retry,
        truncated=truncated,
        incomplete_event=incomplete,
        close_events=list(closed),
        pre_close_last_event_id=pre_id,
        pre_close_retry=pre_retry,
    )


def feed_all_ways(data: bytes, **parser_kwargs: Any) -> FeedResult:
    """Feed ``data`` every way (see module doc); assert all agree; return the result.

    Also asserts that ``close()`` returned ``[]`` (the contract: an unterminated event is
    discarded, so ``close()`` never returns an item).
    """
    assert isinstance(data, bytes)
    reference: FeedResult | None = None
    reference_name = ""
    for name, chunks in iter_chunkings(data):
        assert b"".join(chunks) == data
        try:
            result = feed_chunks(chunks, **parser_kwargs)
        except AssertionError as exc:
            raise AssertionError(f"{describe(name, chunks)}: {exc}") from exc
        except Exception as exc:
            raise AssertionError(f"{describe(name, chunks)}: raised {type(exc).__name__}: {exc}") from exc
        if reference is None:
            reference, reference_name = result, name
            assert result.close_events == [], (
                f"close() returned {result.close_events!r}; the contract says an "
                "unterminated event is discarded and close() returns []"
            )
            continue
        if result != reference:
            diffs = [
                f"  {attr}: {getattr(result, attr)!r}\n    {reference_name}: {getattr(reference, attr)!r}"
                for attr in (
                    "events",
                    "pre_close_last_event_id",
                    "pre_close_retry",
                    "last_event_id",
                    "retry",
                    "truncated",
                    "incomplete_event",
                    "close_events",
                )
                if getattr(result, attr) != getattr(reference, attr)
            ]
            raise AssertionError(
                f"chunking changed the result for {data!r}\n"
                f"{describe(name, chunks)} differs from '{reference_name}':\n" + "\n".join(diffs)
            )
    assert reference is not None
    return reference


@dataclass(frozen=True)
class RaisedResult:
    """What a parse that must fail produced; identical for every chunking (asserted)."""

    events: list[Any]
    """Items returned by ``feed()`` calls before the failing one, plus ``exc.events``."""
    exc_type: type
    limit: str | None
    value: int | None


def expect_raises_all_ways(data: bytes, exc_type: type[BaseException], **parser_kwargs: Any) -> RaisedResult:
    """Feed ``data`` every way; every way must raise ``exc_type`` from some ``feed()``.

    Asserts the exception type (exactly, not a subclass), ``.limit``/``.value`` where the
    exception has them, and that the items returned before the error plus ``exc.events``
    are the same list for every chunking (nothing lost, nothing duplicated).
    """
    comments = bool(parser_kwargs.get("comments", False))
    reference: RaisedResult | None = None
    reference_name = ""
    for name, chunks in iter_chunkings(data):
        parser = SSEParser(**parser_kwargs)
        got: list[Any] = []
        raised: BaseException | None = None
        for index, chunk in enumerate(chunks):
            try:
                got.extend(_check_items(parser.feed(chunk), f"feed() #{index}", comments))
            except exc_type as exc:
                raised = exc
                exc_events = getattr(exc, "events", None)
                assert isinstance(exc_events, list), (
                    f"{describe(name, chunks)}: {type(exc).__name__}.events is {exc_events!r}"
                )
                got.extend(_check_items(exc_events, f"exc.events of feed() #{index}", comments))
                break
            except Exception as exc:
                raise AssertionError(
                    f"{describe(name, chunks)}: feed() #{index} raised {type(exc).__name__}: {exc}, "
                    f"expected {exc_type.__name__}"
                ) from exc
        assert raised is not None, f"{describe(name, chunks)}: no feed() raised {exc_type.__name__}"
        assert type(raised) is exc_type, (
            f"{describe(name, chunks)}: raised {type(raised).__name__}, expected exactly {exc_type.__name__}"
        )
        result = RaisedResult(
            events=got,
            exc_type=type(raised),
            limit=getattr(raised, "limit", None),
            value=getattr(raised, "value", None),
        )
        if reference is None:
            reference, reference_name = result, name
        elif result != reference:
            raise AssertionError(
                f"chunking changed the failure for {data[:200]!r}...\n"
                f"{describe(name, chunks)}: {result!r}\n'{reference_name}': {reference!r}"
            )
    assert reference is not None
    return reference


def assert_events_as_soon_as_complete(data: bytes, **parser_kwargs: Any) -> None:
    """Feed ``data`` byte by byte; each item must come out of the very ``feed()`` call that
    delivered the last byte of its terminating line ending.

    For a CR LF line ending the CR suffices: "a single U+000D CARRIAGE RETURN (CR)
    character not followed by a U+000A LINE FEED (LF) character" ends a line, and a CR is
    a complete line end whatever follows, so an event must not wait for the next byte
    (btubbs/sseclient#8 is what waiting costs users).  Expected positions come from
    :func:`reference_parse`.  Also checks the items themselves against the reference.
    """
    comments = bool(parser_kwargs.get("comments", False))
    ref = reference_parse(data, comments=comments, last_event_id=parser_kwargs.get("last_event_id", ""))
    expected = [(pos, item) for pos, item in ref.positioned_items]
    parser = SSEParser(**parser_kwargs)
    actual: list[tuple[int, Any]] = []
    for i in range(len(data)):
        for item in parser.feed(data[i : i + 1]):
            actual.append((i, item))
    assert [item for _, item in actual] == [item for _, item in expected], (
        f"items differ from the reference for {data!r}:\n  got      {actual!r}\n  expected {expected!r}"
    )
    assert actual == expected, (
        "an item came out of a later feed() than the one delivering the end of its line "
        f"(pairs are (byte index, item)) for {data!r}:\n  got      {actual!r}\n  expected {expected!r}"
    )


# --------------------------------------------------------------------------------------
# The spec-literal reference (conformance.oracle)
# --------------------------------------------------------------------------------------


@dataclass
class ReferenceResult:
    positioned_items: list[tuple[int, Any]]
    """(index of the byte that ended the dispatching/comment line, item)."""
    last_event_id: str
    """The last event ID string after every *complete* line (before EOF handling): set by blank lines only."""
    retry: int | None
    """Reconnection time after every complete line."""
    truncated: bool | None
    """True/False where the contract is unambiguous, None where it is not (the stream ended
    after complete field/comment lines of a block that has no data)."""
    incomplete_event: ServerSentEvent | None
    """The event a blank line would have dispatched, the partial last line processed as if
    terminated (contract wording)."""
    limit: str | None = None
    """The size limit exceeded (``max_line_bytes`` / ``max_event_bytes``), if any: the items
    are then those completed before it."""
    limit_position: int | None = None
    """The index of the byte at which the limit was exceeded."""

    @property
    def items(self) -> list[Any]:
        return [item for _, item in self.positioned_items]


def _item(found: dict[str, Any]) -> tuple[int, Any]:
    """An oracle event or comment as the parser's item, with its position."""
    if "comment" in found:
        text = found["comment"]
        return found["at"], Comment(text[1:] if text.startswith(" ") else text)
    return found["at"], ServerSentEvent(data=found["data"], event=found["type"], id=found["id"], retry=found["retry"])


def reference_parse(
    data: bytes,
    *,
    comments: bool = False,
    last_event_id: str = "",
    max_line_bytes: int | None = None,
    max_event_bytes: int | None = None,
) -> ReferenceResult:
    """What the spec-literal oracle (:class:`conformance.oracle.Oracle`, the one reference of
    the repository) makes of a whole stream, as the parser's items and state."""
    oracle = Oracle(
        comments=comments,
        last_event_id=last_event_id,
        max_line_bytes=max_line_bytes,
        max_event_bytes=max_event_bytes,
    )
    try:
        found = oracle.feed(data)
    except LimitReached as exc:
        return ReferenceResult(
            positioned_items=[_item(f) for f in exc.events],
            last_event_id=oracle.last_event_id_string,
            retry=oracle.reconnection_time,
            truncated=None,
            incomplete_event=None,
            limit=exc.limit,
            limit_position=exc.position,
        )
    last_id, retry, block_lines = oracle.last_event_id_string, oracle.reconnection_time, oracle.block_lines
    oracle.close()
    if oracle.discarded:
        truncated: bool | None = True
    elif block_lines:
        truncated = None  # "ended inside an event"? the contract does not pin this case down
    else:
        truncated = False
    # The incomplete event: the partial last line processed as if terminated, then a blank
    # line (an LF after a CR that ended a line only completes that CR LF, hence two).
    pending = Oracle(comments=False, last_event_id=last_event_id)
    after = pending.feed(data + b"\n\n")[sum(1 for f in found if "comment" not in f) :]
    incomplete = _item(after[0])[1] if after else None
    return ReferenceResult(
        positioned_items=[_item(f) for f in found],
        last_event_id=last_id,
        retry=retry,
        truncated=truncated,
        incomplete_event=incomplete,
    )
