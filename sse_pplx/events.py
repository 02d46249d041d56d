"""The immutable objects the parser produces: ServerSentEvent and Comment.

A :class:`ServerSentEvent` is what WHATWG HTML §9.2.6 "dispatch the event"
delivers (type, data, last event ID, plus this block's ``retry``); a
:class:`Comment` is a line starting with a colon, which §9.2.6 ignores and the
parser returns only when asked to.

The documented API is their attributes: immutable, hashable, compared by type
and fields (an event never equals a plain tuple or an object of the other
class), pickled and copied by their fields.

How they are built (an implementation detail, not API): tuple subclasses with
empty ``__slots__``, which the parser creates with ``tuple.__new__``, one C call,
even in loops that run in C (``map``).  Issue 15 measured the alternative, a
plain slotted class whose ``__setattr__`` raises (built through a layout-sharing
twin class with a plain ``__init__``, the fastest honest way found): under
callgrind, 8 % more instructions per event on the realistic Perplexity stream in
4 KiB reads and 26 % more on 100,000 tiny events (benchmarks/README.md).  Over
the 5 % the issue allowed, so the tuple stays, with its tuple-ness kept out of
sight: the fields are in the constructor's order (``data, event, id, retry``),
and tuple's public methods ``count`` and ``index`` are hidden.
"""

from __future__ import annotations

from operator import itemgetter

from .errors import InvalidJSONError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, ClassVar, List, NoReturn, Optional, Tuple

__all__ = ["Comment", "ServerSentEvent"]

_new_tuple = tuple.__new__
#: tuple's public methods, which are not the events' API.
_TUPLE_METHODS = frozenset(("count", "index"))


def _hidden(self: tuple, name: str) -> NoReturn:  # type: ignore[type-arg]
    raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class _Record(tuple):  # type: ignore[type-arg]
    """What both share: a tuple that equals only a record of its own class with the same
    fields, and does not show tuple's methods."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__: ClassVar[Callable[[Tuple[Any, ...]], int]] = tuple.__hash__

    if not TYPE_CHECKING:
        count = property(lambda self: _hidden(self, "count"))
        index = property(lambda self: _hidden(self, "index"))

    def __dir__(self) -> List[str]:
        return sorted(set(object.__dir__(self)) - _TUPLE_METHODS)

    def __getnewargs__(self) -> Tuple[Any, ...]:
        # pickle and copy call __new__ with these positional arguments: the fields,
        # which are in the constructor's order.
        return tuple(self)


class ServerSentEvent(_Record):
    """One dispatched event (WHATWG HTML §9.2.6, "dispatch the event").

    Attributes:
        event: the event type; ``"message"`` when the block had no (or an empty) ``event`` field.
        data: the data buffer with its one trailing LF removed.
        id: the last event ID at dispatch time (sticky across events, like
            ``MessageEvent.lastEventId``); ``""`` when none was ever set or it was cleared.
        retry: the reconnection time in ms given by a valid ``retry`` field in this
            event's own block, else ``None`` (the parser's ``retry`` keeps the sticky value).

    Immutable and hashable; equal to another ``ServerSentEvent`` with the same four fields.
    """

    __slots__ = ()
    __match_args__ = ("data", "event", "id", "retry")

    def __new__(
        cls,
        data: str = "",
        event: str = "message",
        id: str = "",
        retry: Optional[int] = None,
    ) -> ServerSentEvent:
        return _new_tuple(cls, (data, event, id, retry))

    if TYPE_CHECKING:  # pragma: no cover
        # Read-only for type checkers too.
        @property
        def data(self) -> str: ...
        @property
        def event(self) -> str: ...
        @property
        def id(self) -> str: ...
        @property
        def retry(self) -> Optional[int]: ...
    else:
        data = property(itemgetter(0), doc="The event's data (its data lines joined with LF).")
        event = property(itemgetter(1), doc="The event type (default 'message').")
        id = property(itemgetter(2), doc="The last event ID at dispatch.")
        retry = property(itemgetter(3), doc="The retry field of this event's block, or None.")

    def json(self) -> Any:
        """``data`` decoded as JSON, as httpx-sse's ``ServerSentEvent.json()`` does.

        Raises:
            InvalidJSONError: ``data`` is not valid JSON.  It is a ``ValueError``, as
                the ``json.JSONDecodeError`` httpx-sse lets through is; that decoder
                error is its ``__cause__``.
        """
        import json

        try:
            return json.loads(self[0])
        except (ValueError, RecursionError) as exc:
            raise InvalidJSONError(self[0], str(exc)) from exc

    def __repr__(self) -> str:
        data, event, id_, retry = self
        parts = [f"data={data!r}"]
        if event != "message":
            parts.append(f"event={event!r}")
        if id_:
            parts.append(f"id={id_!r}")
        if retry is not None:
            parts.append(f"retry={retry!r}")
        return f"ServerSentEvent({', '.join(parts)})"


class Comment(_Record):
    """A comment line (``:`` first), returned only by ``SSEParser(comments=True)``.

    Attributes:
        text: what follows the colon, with exactly one leading space removed.
    """

    __slots__ = ()
    __match_args__ = ("text",)

    def __new__(cls, text: str = "") -> Comment:
        return _new_tuple(cls, (text,))

    if TYPE_CHECKING:  # pragma: no cover

        @property
        def text(self) -> str: ...
    else:
        text = property(itemgetter(0), doc="The comment's text.")

    def __repr__(self) -> str:
        return f"Comment({self[0]!r})"
