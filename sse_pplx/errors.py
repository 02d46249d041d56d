"""The exception tree of sse_pplx: every error the library raises is defined here.

Contract (h11 style): ``SSEParser.feed`` raises only :class:`ProtocolError`
subclasses whatever bytes it is given; anything else escaping it is a bug.
Misuse of the API (feeding a closed parser, bad encoder arguments) raises
:class:`UsageError`, which is also a :class:`ValueError`.

Input the spec says to ignore (unknown fields, a non-numeric ``retry``, an
``id`` containing NUL) is never an exception.

Nothing received is lost: every error raised while a stream is being read
carries what had arrived, as ``events`` (parser level) and ``partial`` (the chat
layer's :class:`~sse_pplx.chat.ChatResult` so far: text, citations, usage, ...).

Tree (the ``API*`` names are the official openai / perplexityai SDKs' own, so
``except APIConnectionError`` retry loops written for them keep working)::

    SSEError
    ├── ProtocolError                the peer sent something we refuse
    │   ├── LimitExceeded            a line or an event outgrew its configured limit
    │   └── StreamDecodeError        strict mode: a data payload that is not JSON
    ├── UsageError (ValueError)      the caller misused the API
    │   └── ParserTerminated         feed() after close() or after a fatal error
    └── APIError                     the API (or the stream carrying it) failed
        ├── APIErrorEvent            an error reported inside a 200 stream
        └── APIConnectionError       the connection failed or broke
            └── IncompleteStreamError    the stream ended before its answer did
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, List, Optional, Union

    from .chat import ChatResult
    from .events import Comment, ServerSentEvent

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIErrorEvent",
    "IncompleteStreamError",
    "LimitExceeded",
    "ParserTerminated",
    "ProtocolError",
    "SSEError",
    "StreamDecodeError",
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
        #: In the chat layer: the ChatResult accumulated before the error.
        self.partial: Optional[ChatResult] = None


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


class StreamDecodeError(ProtocolError):
    """Strict mode only: a ``data`` payload that should be JSON is not.

    By default such payloads are kept in ``ChatResult.malformed`` and the
    stream goes on; ``strict=True`` raises this instead.

    Attributes:
        raw: the payload exactly as received.
        event_index: the position of its event in the stream (0-based).
        reason: what the JSON decoder said.
    """

    def __init__(self, raw: str, event_index: int, reason: str) -> None:
        excerpt = raw if len(raw) <= 200 else raw[:200] + "..."
        super().__init__(f"event #{event_index}: data is not valid JSON ({reason}): {excerpt!r}")
        self.raw = raw
        self.event_index = event_index
        self.reason = reason


class APIError(SSEError):
    """The API, or the stream carrying its answer, failed.

    Attributes:
        message: a readable one-line description.
        body: the error as the server sent it (parsed JSON when it was JSON, else the text), or None.
        partial: the ``ChatResult`` accumulated before the failure, when a stream was being read.
    """

    def __init__(self, message: str, *, body: Any = None, partial: Optional[ChatResult] = None) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.partial = partial


class APIErrorEvent(APIError):
    """The server reported an error inside a 200 stream.

    Either an ``event: error`` event, or a ``data`` payload that is a JSON
    object with a truthy ``error`` key (openai-python raises ``APIError`` for the
    latter; the perplexityai SDK turns the former into a status error with
    status 200).  ``body`` is the payload, ``partial`` everything received before.
    """


class APIConnectionError(APIError):
    """The connection could not be made, or broke while a response was being read."""


class IncompleteStreamError(APIConnectionError):
    """The stream ended before its answer did: no ``[DONE]`` and no ``finish_reason``,
    or the last event was cut off.  Raised only when strictness is asked for;
    ``partial`` holds everything that arrived (``partial.outcome == "truncated"``)."""
