"""The immutable objects the parser produces: ServerSentEvent and Comment.

A :class:`ServerSentEvent` is what WHATWG HTML §9.2.6 "dispatch the event"
delivers (type, data, last event ID, plus this block's ``retry``); a
:class:`Comment` is a line starting with a colon, which §9.2.6 ignores and the
parser returns only when asked to.

Both are tuple subclasses with empty ``__slots__``: immutable, hashable, cheap
to build (the parser creates them with ``tuple.__new__``, a single C call, which
is the largest per-event cost saved in the hot loop) and with C-speed attribute
access.  Equality compares the type too, so an event never equals a plain tuple
or an object of the other class.
"""

from __future__ import annotations

from operator import itemgetter

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, ClassVar, Optional, Tuple

__all__ = ["Comment", "ServerSentEvent"]

_new_tuple = tuple.__new__


class _Record(tuple):  # type: ignore[type-arg]
    """What both share: a tuple that equals only a record of its own class with the same fields."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__: ClassVar[Callable[[Tuple[Any, ...]], int]] = tuple.__hash__


class ServerSentEvent(_Record):
    """One dispatched event (WHATWG HTML §9.2.6, "dispatch the event").

    Attributes:
        event: the event type; ``"message"`` when the block had no (or an empty) ``event`` field.
        data: the data buffer with its one trailing LF removed.
        id: the last event ID at dispatch time (sticky across events, like
            ``MessageEvent.lastEventId``); ``""`` when none was ever set or it was cleared.
        retry: the reconnection time in ms given by a valid ``retry`` field in this
            event's own block, else ``None`` (the parser's ``retry`` keeps the sticky value).
    """

    __slots__ = ()

    def __new__(
        cls,
        data: str = "",
        event: str = "message",
        id: str = "",
        retry: Optional[int] = None,
    ) -> ServerSentEvent:
        return _new_tuple(cls, (event, data, id, retry))

    if TYPE_CHECKING:  # pragma: no cover
        event: str
        data: str
        id: str
        retry: Optional[int]
    else:
        event = property(itemgetter(0), doc="The event type (default 'message').")
        data = property(itemgetter(1), doc="The event's data.")
        id = property(itemgetter(2), doc="The last event ID at dispatch.")
        retry = property(itemgetter(3), doc="The retry field of this event's block, or None.")

    def __repr__(self) -> str:
        event, data, id_, retry = self
        parts = [f"data={data!r}"]
        if event != "message":
            parts.append(f"event={event!r}")
        if id_:
            parts.append(f"id={id_!r}")
        if retry is not None:
            parts.append(f"retry={retry!r}")
        return f"ServerSentEvent({', '.join(parts)})"

    def __getnewargs__(self) -> Tuple[Any, ...]:
        # pickle/copy call __new__ with these positional arguments
        return (self[1], self[0], self[2], self[3])


class Comment(_Record):
    """A comment line (``:`` first), returned only by ``SSEParser(comments=True)``.

    Attributes:
        text: what follows the colon, with exactly one leading space removed.
    """

    __slots__ = ()

    def __new__(cls, text: str = "") -> Comment:
        return _new_tuple(cls, (text,))

    if TYPE_CHECKING:  # pragma: no cover
        text: str
    else:
        text = property(itemgetter(0), doc="The comment's text.")

    def __repr__(self) -> str:
        return f"Comment({self[0]!r})"

    def __getnewargs__(self) -> Tuple[Any, ...]:
        return (self[0],)
