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
        ├── APIResponseValidationError   a 200 that is not what was asked for
        ├── APIStatusError           an HTTP error status (4xx / 5xx)
        │   ├── BadRequestError              400
        │   ├── AuthenticationError          401
        │   ├── PermissionDeniedError        403
        │   ├── NotFoundError                404
        │   ├── ConflictError                409
        │   ├── UnprocessableEntityError     422
        │   ├── RateLimitError               429
        │   └── InternalServerError          5xx
        └── APIConnectionError       the connection failed or broke
            ├── APITimeoutError          connect, idle or deadline budget ran out
            └── IncompleteStreamError    the stream ended before its answer did

Every ``APIError`` raised by the client carries ``attempts`` (how many requests
were made, retries included) and, for a stream, ``partial`` (what had arrived)
and ``last_event_id``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, List, Optional, Union

    from .chat import ChatResult
    from .events import Comment, ServerSentEvent
    from .transport import Response

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIErrorEvent",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "IncompleteStreamError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
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
        #: From the client: the id of the last event delivered before the error.
        self.last_event_id: Optional[str] = None


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
        events: for the generic SSE consumer, the events received before the failure.
        last_event_id: the last event ID received before the failure, when a stream was being read.
        attempts: how many HTTP requests were made, retries included (0 when none was made).
        code, type, param: from an ``{"error": {...}}`` body, like the official SDKs.
    """

    def __init__(
        self,
        message: str,
        *,
        body: Any = None,
        partial: Optional[ChatResult] = None,
        last_event_id: Optional[str] = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.body = body
        self.partial = partial
        self.events: List[ServerSentEvent] = []
        self.last_event_id = last_event_id
        self.attempts = attempts
        error = body.get("error", body) if isinstance(body, dict) else None
        fields = error if isinstance(error, dict) else {}
        code = fields.get("code")
        # A string or a number (Perplexity sends 401, OpenAI "invalid_api_key"); any other JSON
        # value (a hostile, deeply nested one included) is not a code.
        is_code = isinstance(code, (str, int, float)) and not isinstance(code, bool)
        self.code: Optional[str] = str(code) if is_code else None
        self.type: Optional[str] = fields.get("type") if isinstance(fields.get("type"), str) else None
        self.param: Optional[str] = fields.get("param") if isinstance(fields.get("param"), str) else None

    def __str__(self) -> str:
        if self.attempts > 1:
            return f"{self.message} (after {self.attempts} attempts)"
        return self.message


class APIErrorEvent(APIError):
    """The server reported an error inside a 200 stream.

    Either an ``event: error`` event, or a ``data`` payload that is a JSON
    object with a truthy ``error`` key (openai-python raises ``APIError`` for the
    latter; the perplexityai SDK turns the former into a status error with
    status 200).  ``body`` is the payload, ``partial`` everything received before.
    """


class APIResponseValidationError(APIError):
    """A successful status, but not the response that was asked for: e.g. a
    ``text/html`` page where an event stream or a JSON completion was expected.
    ``response`` and ``status_code`` are set; ``body`` is the start of the body."""

    def __init__(self, message: str, *, response: Response, body: Any = None, attempts: int = 0) -> None:
        super().__init__(message, body=body, attempts=attempts)
        self.response = response
        self.status_code = response.status_code


class APIStatusError(APIError):
    """The server answered with an error status (4xx or 5xx).

    Attributes:
        status_code: the HTTP status.
        response: the response (``.status_code``, ``.headers``, ``.reason``; its body was read into ``body``).
        request_id: the ``x-request-id`` header, if any.
        retry_after: the server's ``retry-after-ms`` / ``Retry-After``, in seconds, if any.
    """

    def __init__(self, message: str, *, response: Response, body: Any = None, attempts: int = 0) -> None:
        super().__init__(message, body=body, attempts=attempts)
        self.response = response
        self.status_code: int = response.status_code
        self.request_id: Optional[str] = response.headers.get("x-request-id")
        self.retry_after: Optional[float] = None


class BadRequestError(APIStatusError):
    """HTTP 400."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key is missing or wrong."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403."""


class NotFoundError(APIStatusError):
    """HTTP 404: often a wrong ``base_url`` or model name."""


class ConflictError(APIStatusError):
    """HTTP 409 (retried by default)."""


class UnprocessableEntityError(APIStatusError):
    """HTTP 422: the request body was refused (FastAPI-style ``detail`` bodies are summarised)."""


class RateLimitError(APIStatusError):
    """HTTP 429 (retried by default, honouring ``Retry-After``)."""


class InternalServerError(APIStatusError):
    """HTTP 5xx (retried by default)."""


#: The status codes with a class of their own; other 5xx are InternalServerError,
#: other statuses plain APIStatusError.
STATUS_ERRORS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


class APIConnectionError(APIError):
    """The connection could not be made, or broke while a response was being read."""


class APITimeoutError(APIConnectionError):
    """A time budget ran out: ``phase`` is ``"connect"`` (connect and TLS handshake),
    ``"idle"`` (no byte for the read timeout) or ``"deadline"`` (the overall budget)."""

    def __init__(self, message: str = "Request timed out.", *, phase: str = "idle", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.phase = phase


class IncompleteStreamError(APIConnectionError):
    """The stream ended before its answer did: no ``[DONE]`` and no ``finish_reason``,
    or the last event was cut off.  ``partial`` holds everything that arrived
    (``partial.outcome == "truncated"``).  The client raises it at the end of a
    truncated stream; the chat layer only when ``strict=True``."""
