"""The exception tree of sse_pplx, and the helpers that turn error bodies into messages.

Every error the library raises is defined here.  This module is a leaf: it
imports nothing from the package, not even for type checking, so that every
layer can import it.  What an error carries from other layers is typed by what
is read from it (:class:`ResponseLike`), or ``Any`` (``partial`` is the result
object of whichever layer failed).

Spec: WHATWG HTML §9.2.6 says which input is ignored, never an error (below);
the limits behind :class:`LimitExceeded` are this library's own DoS guard.  The
error bodies summarised by :func:`error_message` and :func:`parse_error_body`
are those of perplexity-wire.md §6 (``../shared/reference``), OpenAI's and
FastAPI's ``detail`` lists.

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
``except APIConnectionError`` retry loops written for them keep working; their roots
``OpenAIError`` and ``PerplexityError`` are other names of ``SSEError``)::

    SSEError (= OpenAIError = PerplexityError)
    ├── ProtocolError                the peer sent something we refuse
    │   ├── LimitExceeded            a line or an event outgrew its configured limit
    │   └── StreamDecodeError        strict mode: a data payload that is not JSON
    ├── UsageError (ValueError)      the caller misused the API
    │   └── ParserTerminated         feed() after close() or after a fatal error
    ├── InvalidJSONError (ValueError)  event.json() / response.json() on data that is not JSON
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
    from typing import Any, Dict, List, Optional, Protocol, Tuple, Type, Union

    class HeadersLike(Protocol):
        """The headers of a response, as an error reads them (``email.message.Message`` fits)."""

        def get(self, name: str, /) -> Optional[str]:
            """The header's value (any case of its name), or None when it is absent."""
            ...

    class ResponseLike(Protocol):
        """The HTTP response an error carries (``sse_pplx.transport.Response`` fits)."""

        @property
        def status_code(self) -> int: ...
        @property
        def reason(self) -> str: ...
        @property
        def headers(self) -> HeadersLike: ...
        @property
        def url(self) -> str: ...


__all__ = [  # in the order of the tree above
    "SSEError",
    "OpenAIError",
    "PerplexityError",
    "ProtocolError",
    "LimitExceeded",
    "StreamDecodeError",
    "UsageError",
    "ParserTerminated",
    "InvalidJSONError",
    "APIError",
    "APIErrorEvent",
    "APIResponseValidationError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "APIConnectionError",
    "APITimeoutError",
    "IncompleteStreamError",
]


class SSEError(Exception):
    """Base class of every exception raised by sse_pplx."""


#: The openai SDK's root exception, by its name: ``except OpenAIError`` code ports with one
#: import change (it catches every sse_pplx error, as openai's catches every openai one).
OpenAIError = SSEError
#: The perplexityai SDK's root exception, by its name (the same class).
PerplexityError = SSEError


class _StreamFailure(SSEError):
    """What :class:`ProtocolError` and :class:`APIError` share: what had arrived when
    the stream failed, so that nothing received is lost.

    Attributes:
        partial: the result accumulated before the failure, when a layer above the
            parser was reading (the chat layer's ``ChatResult``), else None.
        events: the events completed before the failure that were not delivered
            otherwise (the parser's, or for ``connect`` the event cut off), else ``[]``.
        last_event_id: the ID of the last event delivered before the failure, when a
            client was reading a stream, else None.
        attempts: how many HTTP requests were made, retries included (0 when none was
            made, or when the error came from bytes fed by the caller).
    """

    def __init__(
        self,
        message: str,
        *,
        partial: Any = None,
        last_event_id: Optional[str] = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message)
        self.partial = partial
        self.events: List[Any] = []
        self.last_event_id = last_event_id
        self.attempts = attempts


class ProtocolError(_StreamFailure):
    """The stream broke a rule we enforce; the parser cannot go on.

    ``events`` holds the events that the failing ``feed()`` call had already
    completed before the error; in the chat layer ``partial`` holds the result so
    far.  Retrying the same stream will fail the same way.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)


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


class InvalidJSONError(SSEError, ValueError):
    """``ServerSentEvent.json()`` or a response's ``json()`` was called on data that is not JSON.

    A ``ValueError``, as the ``json.JSONDecodeError`` that httpx-sse's and httpx's ``json()``
    let through is (so ``except ValueError`` code ports unchanged); that decoder error is its
    ``__cause__``.

    Attributes:
        raw: the text that was decoded.
        reason: what the JSON decoder said.
    """

    def __init__(self, raw: str, reason: str, what: str = "data") -> None:
        excerpt = raw if len(raw) <= 200 else raw[:200] + "..."
        super().__init__(f"{what} is not valid JSON ({reason}): {excerpt!r}")
        self.raw = raw
        self.reason = reason


class APIError(_StreamFailure):
    """The API, or the stream carrying its answer, failed.

    Attributes:
        message: a readable one-line description.
        body: the error as the server sent it (parsed JSON when it was JSON, else the text),
            or None; for a status error, as openai-python has it (see :class:`APIStatusError`).
        code, type, param: from the error object of the body (``body`` itself, or the
            ``error`` object of an ``{"error": {...}}`` payload), like the openai SDK.
        partial, events, last_event_id, attempts: what had arrived (see ``ProtocolError``).
    """

    def __init__(
        self,
        message: str,
        *,
        body: Any = None,
        partial: Any = None,
        last_event_id: Optional[str] = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message, partial=partial, last_event_id=last_event_id, attempts=attempts)
        self.message = message
        self.body = body
        # openai-python (APIError.__init__): "if is_dict(body): code = body.get("code") ...", on
        # the body it was given (a status error's is already the error object).
        error = body.get("error") if isinstance(body, dict) else None
        fields = error if isinstance(error, dict) else body if isinstance(body, dict) else {}
        code = fields.get("code")
        # A string or a number (Perplexity sends 401, OpenAI "invalid_api_key"), as str() like
        # openai's; any other JSON value (a hostile, deeply nested one included) is not a code.
        is_code = isinstance(code, (str, int, float))
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

    def __init__(self, message: str, *, response: ResponseLike, body: Any = None, attempts: int = 0) -> None:
        super().__init__(message, body=body, attempts=attempts)
        self.response = response
        self.status_code: int = response.status_code


class APIStatusError(APIError):
    """The server answered with an error status (4xx or 5xx).

    ``message``, ``body``, ``code``, ``type`` and ``param`` are openai-python's (its
    ``_make_status_error_from_response``): ``body`` is the body decoded as JSON, else its
    text stripped (``""`` when empty; None when it could not be read), and of a JSON object
    with an ``error`` key, that key's value; ``message`` is ``"Error code: 401 - <the error's
    message>"``, where openai says only ``"Error code: 401"`` (no string ``message`` in the
    body) with a summary of the body instead (FastAPI ``detail``, an HTML page's title, the
    first line of a text).

    Attributes:
        status_code: the HTTP status.
        response: the response (``.status_code``, ``.headers``, ``.reason``, ``.url``;
            ``.content`` / ``.text`` / ``.json()`` give the body it had, up to 1 MiB).
        request_id: the ``x-request-id`` header, if any.
        retry_after: the server's ``retry-after-ms`` / ``Retry-After``, in seconds, if any.
    """

    def __init__(self, message: str, *, response: ResponseLike, body: Any = None, attempts: int = 0) -> None:
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
STATUS_ERRORS: Dict[int, Type[APIStatusError]] = {
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


# -- error bodies -------------------------------------------------------------------


def error_message(body: Any) -> str:
    """A readable one-liner for an error body: ``{"error": {...}}`` (OpenAI / Perplexity),
    ``{"detail": [...]}`` (FastAPI validation), ``{"message": ...}`` or plain text."""
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        detail = error.get("detail")
        if isinstance(detail, list) and detail:  # FastAPI: [{"loc": [...], "msg": ..., "type": ...}]
            return "; ".join(_detail_item(item) for item in detail[:5])[:500]
        message = error.get("message") or detail or error.get("type")
        if message:
            code = error.get("code")
            return f"{message} (code {code})" if code is not None else str(message)
        import json

        return json.dumps(error)[:500]
    if isinstance(error, str) and error.strip():
        return error.strip()[:500]
    return "the server reported an error in the stream"


def _detail_item(item: Any) -> str:
    """One entry of a FastAPI ``detail`` list: ``location: message``."""
    if not isinstance(item, dict):
        return str(item)
    loc = item.get("loc")
    location = ".".join(str(part) for part in loc) if type(loc) is list else ""
    message = str(item.get("msg") or item.get("message") or item.get("type") or item)
    return f"{location}: {message}" if location else message


def _html_summary(text: str) -> str:
    """The title (or first heading) of an HTML error page, said to be one."""
    import re

    found = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S) or re.search(
        r"<h1[^>]*>(.*?)</h1>", text, re.I | re.S
    )
    words = re.sub(r"<[^>]+>", " ", found.group(1) if found else text)
    words = " ".join(words.split())[:200]
    return f"{words or 'an HTML error page'} (an HTML page, likely from a proxy or CDN in front of the API)"


def parse_error_body(
    status_code: int, reason: str, content_type: str, raw: Union[bytes, BaseException, None]
) -> Tuple[Any, str]:
    """An error response's ``body`` and ``message``, as openai-python makes them (see
    :class:`APIStatusError`), with a summary where openai's message has none.

    openai-python 3.x, ``_make_status_error_from_response`` and ``_make_status_error``::

        err_msg = f"Error code: {response.status_code}"
        err_text = response.text.strip(); body = err_text
        try: body = json.loads(err_text)
        except Exception: pass
        else:
            error = body.get("error", body) if is_mapping(body) else None
            message = error.get("message") if is_mapping(error) else None
            if isinstance(message, str) and message: err_msg += f" - {message}"
        data = body.get("error", body) if is_mapping(body) else body   # the exception's body

    Args:
        status_code, reason: the response's status line.
        content_type: its media type (``"text/html"``; parameters may follow).
        raw: the body as read, or the exception reading it raised, or None.
    """
    prefix = f"Error code: {status_code}"
    fallback = reason or f"HTTP {status_code}"
    if isinstance(raw, BaseException) or raw is None:
        return None, f"{prefix} - {fallback}"
    stripped = raw.decode("utf-8", "replace").strip()
    if not stripped:
        return "", f"{prefix} - {fallback}"
    import json

    try:
        parsed = json.loads(stripped)
    except (ValueError, RecursionError):  # (a hostile, deeply nested body stays text)
        pass
    else:
        body = parsed.get("error", parsed) if isinstance(parsed, dict) else parsed
        error = body if isinstance(parsed, dict) else None
        message = error.get("message") if isinstance(error, dict) else None
        if isinstance(message, str) and message:
            return body, f"{prefix} - {message}"
        # openai says only "Error code: N" here; a FastAPI detail, an error type or string is said too.
        summary = error_message(parsed) if isinstance(error, (dict, str)) and error else fallback
        return body, f"{prefix} - {summary}"
    if "html" in content_type or stripped[:1] == "<":
        return stripped, f"{prefix} - {_html_summary(stripped)}"
    return stripped, f"{prefix} - {stripped.splitlines()[0][:300]}"
