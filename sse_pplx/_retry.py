"""Retries, written once: the policy, the status errors, and the send-with-retries flow.

The policy follows the official (Stainless) SDKs: ``max_retries=2`` by default; on
connection errors and timeouts before a response, and on 408, 409, 429 and 5xx;
``x-should-retry: true|false`` overrides; ``retry-after-ms`` / ``Retry-After`` (seconds or
an HTTP date) honoured up to 60 s (a longer wait is not retried: the error carries
``retry_after``); otherwise exponential backoff from 0.5 s, capped at 8 s, minus up to 25 %
jitter.  A 2xx is never retried: once a stream has started, what breaks it is the stream's
business (it keeps the partial answer).

:func:`send` is a flow (:mod:`~sse_pplx._flows`): the sync and the async client run the
same code through their driver.  :func:`read_body` and :func:`json_object` read a 2xx
answer that is not a stream; :func:`reconnect_delay` is the wait before a broken stream is
re-established (``connect(reconnect=True)``, a response stream's resumption).
"""

from __future__ import annotations

import logging
import random
import time

from ._flows import Sleep
from .errors import (
    STATUS_ERRORS,
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    InternalServerError,
    parse_error_body,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Optional, Tuple, TypeVar, Union

    from ._exchange import ResponseCore, Timeout, TransportCore
    from ._flows import Flow
    from ._http import Request

    _Response = TypeVar("_Response", bound=ResponseCore)

__all__ = [
    "backoff",
    "json_instead_of_stream",
    "json_object",
    "read_body",
    "reconnect_delay",
    "retry_after",
    "send",
    "should_retry",
    "status_error",
]

log = logging.getLogger("sse_pplx")

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: The longest server-requested wait (Retry-After) that is honoured; longer is not retried.
MAX_RETRY_AFTER = 60.0
#: How much of an error body is read to explain the error.
MAX_ERROR_BODY_BYTES = 1 << 20


def retry_after(headers: Any) -> Optional[float]:
    """The server's requested wait in seconds: ``retry-after-ms``, then ``Retry-After`` as seconds or an HTTP date."""
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / scale
        except ValueError:
            continue
        return seconds if seconds == seconds else None  # NaN is no answer
    value = headers.get("retry-after")
    if not value:
        return None
    from email.utils import mktime_tz, parsedate_tz

    parsed = parsedate_tz(value)
    if parsed is None:
        return None
    try:
        return float(mktime_tz(parsed) - time.time())
    except (OverflowError, ValueError):
        return None


def should_retry(status: int, headers: Any) -> bool:
    """The Stainless rule: ``x-should-retry`` decides if present, else 408, 409, 429 and 5xx are retried."""
    wanted = (headers.get("x-should-retry") or "").strip().lower()
    if wanted == "true":
        return True
    if wanted == "false":
        return False
    return status in (408, 409, 429) or status >= 500


def backoff(retries_done: int, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff from 0.5 s, capped at 8 s, minus up to 25 % jitter."""
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** min(retries_done, 30), MAX_RETRY_DELAY)
    return delay * (1.0 - 0.25 * rng())


def reconnect_delay(failures: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """The wait before reconnection number ``failures`` (1, 2, ...) of a stream that broke:
    the first after ``base`` seconds exactly, as a browser's EventSource waits its ``retry``
    time (WHATWG HTML §9.2.3); then exponential backoff from it, capped at ``cap``, with
    jitter (against reconnect storms, sanity-io/client#1236).  ``connect(reconnect=True)``
    and the response streams' resumption share it."""
    if failures <= 1:
        return base
    delay = min(cap, max(base, 0.1) * 2.0 ** min(failures - 1, 30))
    return delay * (0.5 + 0.5 * rng())


def _retry_delay(retries_done: int, headers: Any) -> Optional[float]:
    """How long to wait before the next attempt; None when the server asks for longer than we wait."""
    asked = retry_after(headers)
    if asked is not None and asked > MAX_RETRY_AFTER:
        return None
    if asked is not None and asked > 0:
        return asked
    return backoff(retries_done)


def status_error(response: Any, raw: Union[bytes, BaseException, None], attempts: int) -> APIStatusError:
    """The SDK-named exception for an error status, with the body parsed and summarised."""
    status = response.status_code
    body, message = parse_error_body(status, response.reason, response.content_type, raw)
    kind = STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    error = kind(message, response=response, body=body, attempts=attempts)
    error.retry_after = retry_after(response.headers)
    return error


def read_error_body(response: ResponseCore, secret: Optional[str] = None) -> Flow[Union[bytes, BaseException]]:
    """The start of an error response's body (or the connection error that cut it), with
    ``secret`` (the API key) blanked out where the server echoes it."""
    try:
        raw = yield from response.read_flow(MAX_ERROR_BODY_BYTES)
    except APIConnectionError as exc:
        return exc
    if secret:
        raw = raw.replace(secret.encode("utf-8"), b"[REDACTED]")
        response.content = raw  # what exc.response.text / .json() give: redacted too
    return raw


def read_body(response: ResponseCore, attempts: int) -> Flow[bytes]:
    """A 2xx response's whole body; a connection error while reading it says how many attempts were made."""
    try:
        return (yield from response.read_flow())
    except APIConnectionError as exc:
        exc.attempts = attempts
        raise


def json_object(response: ResponseCore, raw: bytes, attempts: int) -> Dict[str, Any]:
    """A 2xx body that must be a JSON object; anything else is an ``APIResponseValidationError``."""
    import json

    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        excerpt = raw[:200].decode("utf-8", "replace")
        raise APIResponseValidationError(
            f"the response is not JSON ({exc}): {excerpt!r}", response=response, body=excerpt, attempts=attempts
        ) from None
    if not isinstance(body, dict):
        raise APIResponseValidationError(
            "the response is not a JSON object", response=response, body=body, attempts=attempts
        )
    return body


def json_instead_of_stream(response: ResponseCore, attempts: int) -> Flow[Optional[bytes]]:
    """The answer to a stream request: None for an event stream (or an untyped body); the whole
    body when the server sent JSON instead (the caller takes it as one event); any other type
    is an ``APIResponseValidationError`` (an HTML error page from a proxy, say)."""
    kind = response.content_type
    if kind == "application/json" or kind.endswith("+json"):
        return (yield from read_body(response, attempts))
    if kind not in ("text/event-stream", ""):
        response.close()
        raise APIResponseValidationError(
            f"expected an event stream (text/event-stream), but the server sent {kind!r}",
            response=response,
            attempts=attempts,
        )
    return None


def send(
    transport: TransportCore[_Response],
    request: Request,
    timeout: Timeout,
    max_retries: int,
    secret: Optional[str] = None,
) -> Flow[Tuple[_Response, int]]:
    """Open ``request`` with retries; return the 2xx response and the number of attempts made."""
    attempt = 0
    while True:
        attempt += 1
        try:
            response = yield from transport.open(request, timeout)
        except APIConnectionError as error:
            error.attempts = attempt
            if attempt > max_retries:
                raise
            wait = backoff(attempt - 1)
            log.info("%s %s failed (%s); retrying in %.2f s", request.method, request.url, error.message, wait)
            yield Sleep(wait)
            continue
        log.debug("%s %s -> %d", request.method, request.url, response.status_code)
        if 200 <= response.status_code < 300:
            return response, attempt
        raw = yield from read_error_body(response, secret)
        refused = status_error(response, raw, attempt)
        if attempt > max_retries or not should_retry(response.status_code, response.headers):
            raise refused
        delay = _retry_delay(attempt - 1, response.headers)
        if delay is None:
            raise refused
        log.info("%s %s -> %d; retrying in %.2f s", request.method, request.url, response.status_code, delay)
        yield Sleep(delay)
