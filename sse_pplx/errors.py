"""The exception tree of sse_pplx: every error the library raises is defined here.

Contract (h11 style): ``SSEParser.feed`` raises only :class:`ProtocolError`
subclasses whatever bytes it is given; anything else escaping it is a bug.
Misuse of the API (feeding a closed parser, bad encoder arguments) raises
:class:`UsageError`, which is also a :class:`ValueError`.

Input the spec says to ignore (unknown fields, a non-numeric ``retry``, an
``id`` containing NUL) is never an exception.

Tree::

    SSEError
    ├── ProtocolError            the peer sent something we refuse
    │   └── LimitExceeded        a line or an event outgrew its configured limit
    └── UsageError (ValueError)  the caller misused the API
        └── ParserTerminated     feed() after close() or after a fatal error
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Union

    from .events import Comment, ServerSentEvent

__all__ = [
    "LimitExceeded",
    "ParserTerminated",
    "ProtocolError",
    "SSEError",
    "UsageError",
]


class SSEError(Exception):
    """Base class of every exception raised by sse_pplx."""


class ProtocolError(SSEError):
    """The stream broke a rule we enforce; the parser cannot go on.

    ``events`` holds the events that the failing ``feed()`` call had already
    completed before the error, so that nothing which arrived is lost.
    Retrying the same stream will fail the same way.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.events: List[Union[ServerSentEvent, Comment]] = []


class LimitExceeded(ProtocolError):
    """A line or the data of one event grew past its limit (a DoS guard).

    Attributes:
        limit: the name of the limit, ``"max_line_bytes"`` or ``"max_event_bytes"``.
        value: the configured limit, in UTF-8 bytes.
        size: how many bytes had been seen when the limit was found exceeded
            (at least ``value + 1``; the parser stops reading right there).
    """

    def __init__(self, limit: str, value: int, size: int) -> None:
        super().__init__(
            f"{limit} exceeded: more than {value} bytes (saw at least {size}); "
            f"raise the limit with SSEParser({limit}=...) or pass None to disable it"
        )
        self.limit = limit
        self.value = value
        self.size = size


class UsageError(SSEError, ValueError):
    """The API was called in a way it does not support (a bug in the caller)."""


class ParserTerminated(UsageError):
    """``feed()`` was called after ``close()`` or after a fatal ``ProtocolError``.

    Call ``reset()`` to start a new connection with the same parser.
    """
