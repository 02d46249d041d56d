"""The SDK-shaped clients: ``Perplexity`` / ``Client`` and their asyncio twins, and ``connect``.

Code written for the official SDKs moves over by changing one import::

    from sse_pplx import Perplexity            # instead of: from perplexity import Perplexity
    client = Perplexity()                      # PERPLEXITY_API_KEY, PERPLEXITY_BASE_URL
    with client.chat.completions.create(model="sonar", messages=[...], stream=True) as stream:
        for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="")
        final = stream.get_final_completion()  # content, citations, search_results, usage, outcome

How the pieces fit: :mod:`~sse_pplx.transport` moves bytes; :class:`~sse_pplx.chat.ChatDecoder`
(sans-I/O) turns them into chunks and a verdict; this module decides what to
send, when to retry and what to raise.  The decisions are written once, as
generators that *yield* what they need done (``open`` a request, ``read`` a
body, ``sleep``) and are driven by a sync or an async driver, so the async
client is the same code run by a different loop, not a copy.

Retries follow the official (Stainless) SDKs: ``max_retries=2`` by default; on
connection errors and timeouts before a response, and on 408, 409, 429 and
5xx; ``x-should-retry: true|false`` overrides; ``retry-after-ms`` /
``Retry-After`` (seconds or an HTTP date) honoured up to 60 s (a longer wait
is not retried: the error carries ``retry_after``); otherwise exponential
backoff from 0.5 s, capped at 8 s, minus up to 25 % jitter.  A 200 stream is
never retried once it has started: if it breaks, the error raised is an
``APIConnectionError`` (``APITimeoutError`` for a stall) carrying the partial
result, so ``except APIConnectionError`` retry loops written for the SDKs keep
working and nothing received is lost.

The API key is kept out of every ``repr``, exception message and log line.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time

from ._version import __version__
from .chat import ChatDecoder, ChatResult
from .chat_objects import ChatCompletion, ChatCompletionChunk
from .errors import (
    STATUS_ERRORS,
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    IncompleteStreamError,
    InternalServerError,
    ProtocolError,
    UsageError,
    error_message,
    parse_error_body,
)
from .events import ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser
from .transport import (
    DEFAULT_TIMEOUT,
    MAX_BODY_BYTES,
    AsyncResponse,
    AsyncTransport,
    Request,
    Response,
    Timeout,
    Transport,
    as_timeout,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import ssl
    from typing import (
        Any,
        AsyncIterator,
        Callable,
        Dict,
        Generator,
        Iterable,
        Iterator,
        List,
        Mapping,
        Optional,
        Tuple,
        Union,
    )

    from .events import Comment

    Op = Tuple[Any, ...]
    Flow = Generator[Op, Any, Any]
    TimeoutArg = Union[None, float, Timeout]

__all__ = [
    "AsyncClient",
    "AsyncEventStream",
    "AsyncPerplexity",
    "AsyncStream",
    "Client",
    "EventStream",
    "Perplexity",
    "Stream",
    "aconnect",
    "connect",
]

log = logging.getLogger("sse_pplx")

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: The longest server-requested wait (Retry-After) that is honoured; longer is not retried.
MAX_RETRY_AFTER = 60.0
#: The EventSource default reconnection time, before the server sends ``retry:``.
DEFAULT_RECONNECT_MS = 3000
#: A connection that stayed up this long resets the reconnection backoff (LaunchDarkly's rule,
#: against the reconnect storms of sanity-io/client#1236).
HEALTHY_AFTER = 60.0
_UNSET: Any = object()


# -- retry policy (sans-I/O) ------------------------------------------------------


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


def _retry_delay(retries_done: int, headers: Any) -> Optional[float]:
    """How long to wait before the next attempt; None when the server asks for longer than we wait."""
    asked = retry_after(headers)
    if asked is not None and asked > MAX_RETRY_AFTER:
        return None
    if asked is not None and asked > 0:
        return asked
    return backoff(retries_done)


def status_error(response: Any, raw: Any, attempts: int) -> APIStatusError:
    """The SDK-named exception for an error status, with the body parsed and summarised."""
    status = response.status_code
    body, summary = parse_error_body(status, response.reason, response.content_type, raw)
    kind = STATUS_ERRORS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    error = kind(f"Error code: {status} - {summary}", response=response, body=body, attempts=attempts)
    error.retry_after = retry_after(response.headers)
    return error


def _send_flow(request: Request, timeout: Timeout, max_retries: int, secret: Optional[str] = None) -> Flow:
    """Open ``request`` with retries; return the 2xx response and the number of attempts.
    One body for both drivers.  ``secret`` (the API key) is blanked out of error bodies that echo it."""
    attempt = 0
    while True:
        attempt += 1
        result = yield ("open", request, timeout)
        if isinstance(result, APIConnectionError):
            result.attempts = attempt
            if attempt > max_retries:
                raise result
            wait = backoff(attempt - 1)
            log.info("%s %s failed (%s); retrying in %.2f s", request.method, request.url, result.message, wait)
            yield ("sleep", wait)
            continue
        response = result
        log.debug("%s %s -> %d", request.method, request.url, response.status_code)
        if 200 <= response.status_code < 300:
            return response, attempt
        raw = yield ("read", response, 1 << 20)
        if secret and isinstance(raw, bytes):
            raw = raw.replace(secret.encode("utf-8"), b"[REDACTED]")
        error = status_error(response, raw, attempt)
        if attempt > max_retries or not should_retry(response.status_code, response.headers):
            raise error
        delay = _retry_delay(attempt - 1, response.headers)
        if delay is None:
            raise error
        log.info("%s %s -> %d; retrying in %.2f s", request.method, request.url, response.status_code, delay)
        yield ("sleep", delay)


def _merge_headers(*layers: Optional[Mapping[str, Optional[str]]]) -> List[Tuple[str, str]]:
    """Header layers merged with names compared case-insensitively, as HTTP does (RFC 9110 §5.1).

    A later layer replaces an earlier value whatever the spelling (``authorization``
    overrides ``Authorization``, as in httpx and the openai SDK, instead of sending
    both), and a value of None removes the header, as in the SDKs' ``extra_headers``.
    """
    merged: Dict[str, Tuple[str, Optional[str]]] = {}
    for layer in layers:
        for name, value in (layer or {}).items():
            merged[name.lower()] = (name, value)
    return [(name, value) for name, value in merged.values() if value is not None]


# -- drivers ----------------------------------------------------------------------


def _perform(transport: Transport, op: Op) -> Any:
    """Do one operation a flow asked for; transport failures are returned, not raised."""
    kind = op[0]
    try:
        if kind == "open":
            return transport.open(op[1], op[2])
        if kind == "read1":
            return op[1].read1()
        if kind == "read":
            return op[1].read(op[2])
    except APIConnectionError as exc:
        return exc
    time.sleep(op[1])
    return None


async def _aperform(transport: AsyncTransport, op: Op) -> Any:
    """The asyncio twin of :func:`_perform`."""
    import asyncio

    kind = op[0]
    try:
        if kind == "open":
            return await transport.open(op[1], op[2])
        if kind == "read1":
            return await op[1].read1()
        if kind == "read":
            return await op[1].read(op[2])
    except APIConnectionError as exc:
        return exc
    await asyncio.sleep(op[1])
    return None


def _drive(transport: Transport, flow: Flow) -> Any:
    value = None
    try:
        while True:
            try:
                op = flow.send(value)
            except StopIteration as stop:
                return stop.value
            value = _perform(transport, op)
    finally:
        flow.close()


async def _adrive(transport: AsyncTransport, flow: Flow) -> Any:
    value = None
    try:
        while True:
            try:
                op = flow.send(value)
            except StopIteration as stop:
                return stop.value
            value = await _aperform(transport, op)
    finally:
        flow.close()


# -- chat streams ------------------------------------------------------------------


class _StreamBase:
    """What the sync and async chat streams share: state, verdict and error handling."""

    response: Any

    def __init__(self, response: Any, chat: ChatDecoder, attempts: int, whole: Optional[bytes] = None) -> None:
        self.response = response
        self._chat = chat
        self._attempts = attempts
        self._whole = whole  # a JSON completion sent where a stream was asked for
        self._error: Optional[BaseException] = None
        self._final: Optional[ChatResult] = None
        self._text: Optional[List[str]] = None

    @property
    def result(self) -> ChatResult:
        """Everything received so far (final once the stream has ended)."""
        return self._final if self._final is not None else self._chat.result

    def _feed_whole(self) -> List[ChatCompletionChunk]:
        """A 200 with a whole JSON completion instead of a stream is taken as that completion, as one chunk."""
        data, self._whole = self._whole or b"", None
        text = data.decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("choices"), list):
            # Give each choice a delta too, so that chunk.choices[0].delta.content works as for a stream.
            for choice in body["choices"]:
                if isinstance(choice, dict) and "delta" not in choice and isinstance(choice.get("message"), dict):
                    choice["delta"] = choice["message"]
            text = json.dumps(body)
        chunk = self._chat.feed_event(ServerSentEvent(text))
        return [] if chunk is None else [chunk]

    def _broken(self, exc: APIConnectionError) -> Optional[APIConnectionError]:
        """The connection broke mid-stream: the error to raise, with the partial result, or None when
        the answer had in fact finished (a ``finish_reason`` had come; only ``[DONE]`` was missing)."""
        result = self._chat.close()
        exc.attempts = self._attempts
        exc.last_event_id = self._chat.last_event_id or None
        if result.outcome != "truncated":
            result.warnings.append(f"the connection broke after the answer had finished: {exc.message}")
            self._final = result
            return None
        exc.partial = result
        self._error = exc
        return exc

    def _end(self) -> None:
        """The body ended (or ``[DONE]`` came): give the verdict; a truncated answer is an error."""
        result = self._chat.close()
        self._final = result
        if result.outcome == "truncated":
            cut = self._chat.parser.truncated and not result.salvaged
            why = "the last event was cut off" if cut else "the body ended with no [DONE] and no finish_reason"
            error = IncompleteStreamError(
                f"the stream ended before the answer did: {why} ({len(result.content)} characters received)",
                partial=result,
                last_event_id=self._chat.last_event_id or None,
                attempts=self._attempts,
            )
            self._error = error
            raise error

    def _failed(self, exc: BaseException) -> None:
        """A chat-layer error (an error event, a limit): remember it for get_final_completion()."""
        if isinstance(exc, (APIError, ProtocolError)):
            exc.attempts = self._attempts
            exc.last_event_id = self._chat.last_event_id or None
        if self._final is None:
            partial = getattr(exc, "partial", None)
            self._final = partial if isinstance(partial, ChatResult) else self._chat.result
        self._error = exc

    def _collect_text(self, include_reasoning: bool) -> List[str]:
        pieces: List[str] = []
        self._chat.add_text_listener(pieces.append, include_reasoning=include_reasoning)
        return pieces

    @staticmethod
    def _take(pieces: List[str]) -> List[str]:
        out = pieces[:]
        del pieces[:]
        return out

    def __repr__(self) -> str:
        state = "closed" if self.response.is_closed else "open"
        return f"<{type(self).__name__} {state} {self.response.url} {self.result!r}>"


class Stream(_StreamBase):
    """A streamed chat completion: iterate it for ``ChatCompletionChunk`` objects.

    Use it as a context manager (or call :meth:`close`) to release the
    connection; leaving the loop early (``break``) closes it as well.
    :meth:`get_final_completion` reads whatever is left and returns the
    :class:`~sse_pplx.chat.ChatResult` (content, reasoning, citations,
    search_results, usage, outcome).  :meth:`iter_text` yields just the answer's text.

    Raises (while iterating): :class:`~sse_pplx.errors.APIConnectionError` /
    :class:`~sse_pplx.errors.APITimeoutError` if the connection breaks or stalls,
    :class:`~sse_pplx.errors.IncompleteStreamError` if the body ends before the
    answer did, :class:`~sse_pplx.errors.APIErrorEvent` for an error inside the
    stream -- each with ``.partial``, the result so far.
    """

    response: Response

    def __init__(self, response: Response, chat: ChatDecoder, attempts: int, whole: Optional[bytes] = None) -> None:
        super().__init__(response, chat, attempts, whole)
        self._iterator = self._iterate()

    def _iterate(self) -> Generator[ChatCompletionChunk, None, None]:
        chat = self._chat
        read1 = self.response.read1
        try:
            if self._whole is not None:
                yield from self._feed_whole()
            while not chat.done:
                try:
                    data = read1()
                except APIConnectionError as exc:
                    error = self._broken(exc)
                    if error is None:
                        return
                    raise error from exc.__cause__
                if not data:
                    break
                yield from chat.iter_feed(data)
            if chat.done:  # [DONE]: the end of the body is usually right behind it; keep the connection
                self.response.drain()
            self._end()
        except GeneratorExit:
            raise
        except BaseException as exc:
            if self._error is None:
                self._failed(exc)
            raise
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        # A generator of its own, so that leaving the loop (break, an exception) closes the
        # connection at once instead of when the stream object is collected (openai/openai-python#969).
        try:
            yield from self._iterator
        finally:
            self.close()

    def __next__(self) -> ChatCompletionChunk:
        return next(self._iterator)

    def iter_text(self, *, include_reasoning: bool = False) -> Iterator[str]:
        """The answer's text as it streams (with ``include_reasoning``, the raw content, ``<think>`` included)."""
        pieces = self._collect_text(include_reasoning)
        try:
            for _ in self._iterator:
                if pieces:
                    yield from self._take(pieces)
            yield from self._take(pieces)
        finally:
            self.close()

    @property
    def text_stream(self) -> Iterator[str]:
        """``for text in stream.text_stream``: the answer's text as it streams."""
        return self.iter_text()

    def get_final_completion(self) -> ChatResult:
        """Read the rest of the stream and return the result (re-raises the error the stream ended with)."""
        for _ in self._iterator:
            pass
        if self._error is not None:
            raise self._error
        return self.result

    def until_done(self) -> Stream:
        """Read the rest of the stream (the SDKs' name); returns the stream."""
        self.get_final_completion()
        return self

    def close(self) -> None:
        """Stop now: the connection is closed, what has arrived stays in ``result``."""
        self._iterator.close()
        self.response.close()
        if self._final is None:
            self._final = self._chat.result

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        response = getattr(self, "response", None)
        if response is not None:
            response.close()


class AsyncStream(_StreamBase):
    """The asyncio twin of :class:`Stream`: ``async for``, ``async with``, ``await get_final_completion()``."""

    response: AsyncResponse

    def __init__(
        self, response: AsyncResponse, chat: ChatDecoder, attempts: int, whole: Optional[bytes] = None
    ) -> None:
        super().__init__(response, chat, attempts, whole)
        self._iterator = self._iterate()

    async def _iterate(self) -> AsyncIterator[ChatCompletionChunk]:
        chat = self._chat
        read1 = self.response.read1
        try:
            if self._whole is not None:
                for chunk in self._feed_whole():
                    yield chunk
            while not chat.done:
                try:
                    data = await read1()
                except APIConnectionError as exc:
                    error = self._broken(exc)
                    if error is None:
                        return
                    raise error from exc.__cause__
                if not data:
                    break
                for chunk in chat.iter_feed(data):
                    yield chunk
            if chat.done:
                await self.response.drain()
            self._end()
        except GeneratorExit:
            raise
        except BaseException as exc:
            if self._error is None:
                self._failed(exc)
            raise
        finally:
            self.response.close()

    async def __aiter__(self) -> AsyncIterator[ChatCompletionChunk]:
        # Its own generator, so that leaving the loop closes the connection (see Stream.__iter__).
        try:
            async for chunk in self._iterator:
                yield chunk
        finally:
            await self.close()

    async def __anext__(self) -> ChatCompletionChunk:
        return await self._iterator.__anext__()

    async def iter_text(self, *, include_reasoning: bool = False) -> AsyncIterator[str]:
        """The answer's text as it streams."""
        pieces = self._collect_text(include_reasoning)
        try:
            async for _ in self._iterator:
                for piece in self._take(pieces):
                    yield piece
            for piece in self._take(pieces):
                yield piece
        finally:
            await self.close()

    @property
    def text_stream(self) -> AsyncIterator[str]:
        return self.iter_text()

    async def get_final_completion(self) -> ChatResult:
        """Read the rest of the stream and return the result (re-raises the error the stream ended with)."""
        async for _ in self._iterator:
            pass
        if self._error is not None:
            raise self._error
        return self.result

    async def until_done(self) -> AsyncStream:
        await self.get_final_completion()
        return self

    async def close(self) -> None:
        """Stop now: the connection is closed, what has arrived stays in ``result``."""
        await self._iterator.aclose()  # type: ignore[attr-defined]
        self.response.close()
        if self._final is None:
            self._final = self._chat.result

    aclose = close

    async def __aenter__(self) -> AsyncStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __del__(self) -> None:
        response = getattr(self, "response", None)
        if response is not None:
            response.close()


# -- clients -----------------------------------------------------------------------


class _ClientBase:
    """Configuration and request building, shared by the sync and async clients."""

    _env_key = "OPENAI_API_KEY"
    _env_base_url = "OPENAI_BASE_URL"
    _default_base_url: Optional[str] = None
    _default_timeout = DEFAULT_TIMEOUT
    _require_key = False

    def __init__(
        self,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: TimeoutArg = _UNSET,
        max_retries: int = 2,
        default_headers: Optional[Mapping[str, str]] = None,
        default_query: Optional[Mapping[str, str]] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        ca_bundle: Optional[str] = None,
        proxy: Union[str, bool, None] = None,
        trust_env: bool = True,
        max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
        _transport: Any = None,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get(self._env_key) or None
        if api_key is None and self._require_key:
            name = type(self).__name__
            raise UsageError(
                f"no API key: pass api_key=... to {name}() or set the {self._env_key} environment variable"
            )
        if base_url is None:
            base_url = os.environ.get(self._env_base_url) or self._default_base_url
        if not base_url:
            raise UsageError(f"no base_url: pass base_url=... to {type(self).__name__}() or set {self._env_base_url}")
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            raise UsageError(f"max_retries must be a non-negative int, not {max_retries!r}")
        if api_key is not None:
            from .transport import check_header

            check_header("Authorization", f"Bearer {api_key}")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        Request("GET", self.base_url)  # a bad URL fails here, not at the first request
        self.timeout = as_timeout(self._default_timeout if timeout is _UNSET else timeout)
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        self._limits = {"max_line_bytes": max_line_bytes, "max_event_bytes": max_event_bytes}
        self._max_line_bytes = max_line_bytes
        self._max_event_bytes = max_event_bytes
        self._options = {
            "ssl_context": ssl_context,
            "ca_bundle": ca_bundle,
            "proxy": proxy,
            "trust_env": trust_env,
        }
        self._transport = _transport if _transport is not None else self._make_transport(**self._options)

    def _make_transport(self, **options: Any) -> Any:
        raise NotImplementedError

    @property
    def api_key(self) -> Optional[str]:
        """The API key (never shown in a repr, a message or a log line)."""
        return self._api_key

    def with_options(self, **overrides: Any) -> Any:
        """A copy with some options changed (``timeout``, ``max_retries``, ``default_headers``, ...),
        sharing this client's connections."""
        options: Dict[str, Any] = {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self.default_headers,
            "default_query": self.default_query,
            **self._limits,
        }
        options.update(overrides)
        transport_options = {k: options.pop(k) for k in list(options) if k in self._options}
        if not transport_options:
            options["_transport"] = self._transport
        else:
            options.update({**self._options, **transport_options})
        return type(self)(**options)

    copy = with_options

    def _headers(self, extra: Optional[Mapping[str, str]], accept: str, stream: bool) -> List[Tuple[str, str]]:
        headers = {
            "Accept": accept,
            "Content-Type": "application/json",
            "User-Agent": f"sse_pplx/{__version__}",
        }
        if stream:
            # A compressing proxy buffers events (tower-rs/tower-http#420): ask for none.
            headers["Accept-Encoding"] = "identity"
            headers["Cache-Control"] = "no-cache"
        if self._api_key is not None:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return _merge_headers(headers, self.default_headers, extra)

    def _url(self, path: str, extra_query: Optional[Mapping[str, Any]]) -> str:
        query = {**self.default_query, **(extra_query or {})}
        url = f"{self.base_url}/{path.lstrip('/')}"
        if query:
            from urllib.parse import urlencode

            url += ("&" if "?" in url else "?") + urlencode(query, doseq=True)
        return url

    def _chat_request(
        self,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: bool,
        extra_headers: Optional[Mapping[str, str]],
        extra_query: Optional[Mapping[str, Any]],
        extra_body: Optional[Mapping[str, Any]],
        timeout: Any,
        params: Dict[str, Any],
    ) -> Tuple[Request, Timeout]:
        body: Dict[str, Any] = {"model": model, "messages": list(messages), **params}
        if stream:
            body["stream"] = True
        elif "stream" not in params:
            body["stream"] = False
        if extra_body:
            body.update(extra_body)
        try:
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise UsageError(f"the request body cannot be sent as JSON: {exc}") from None
        accept = "text/event-stream" if stream else "application/json"
        request = Request(
            "POST",
            self._url("/chat/completions", extra_query),
            self._headers(extra_headers, accept, stream),
            payload,
        )
        return request, (self.timeout if timeout is _UNSET else as_timeout(timeout))

    def _new_chat(self) -> ChatDecoder:
        return ChatDecoder(max_line_bytes=self._max_line_bytes, max_event_bytes=self._max_event_bytes)

    def _check_stream(self, response: Any, attempts: int) -> bool:
        """True if the 2xx response is an event stream; False if it is a whole JSON completion."""
        kind = response.content_type
        if kind in ("text/event-stream", ""):
            return True
        if kind == "application/json" or kind.endswith("+json"):
            return False
        raise APIResponseValidationError(
            f"expected an event stream (text/event-stream), but the server sent {kind!r}",
            response=response,
            attempts=attempts,
        )

    @staticmethod
    def _completion(response: Any, raw: Any, attempts: int) -> ChatCompletion:
        """A non-streamed answer: the JSON completion (or an event stream collected into one)."""
        if isinstance(raw, APIConnectionError):
            raw.attempts = attempts
            raise raw
        if response.content_type == "text/event-stream":
            chat = ChatDecoder()
            chat.feed(raw)
            return chat.close().to_completion()
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
        if body.get("error"):
            raise APIError(error_message(body), body=body, attempts=attempts)
        return ChatCompletion(body)

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"<{type(self).__name__} base_url={self.base_url!r} api_key={key} max_retries={self.max_retries}>"


class Client(_ClientBase):
    """A client for any OpenAI-compatible chat-completions endpoint (``base_url`` + ``/chat/completions``).

    Args:
        api_key: sent as ``Authorization: Bearer ...`` (default: ``OPENAI_API_KEY``; none for local servers).
        base_url: e.g. ``https://api.openai.com/v1`` or ``http://localhost:8000/v1`` (default: ``OPENAI_BASE_URL``).
        timeout: a :class:`~sse_pplx.transport.Timeout`, or seconds for every phase; default
            ``Timeout(600, connect=5)`` like the SDK.
        max_retries: retries on connection errors and 408/409/429/5xx (default 2).
        default_headers / default_query: sent with every request.
        ssl_context / ca_bundle: TLS trust (verification is always on unless your context turns it off).
        proxy: an ``http://`` proxy URL, or ``False`` for none; by default the ``*_PROXY`` environment.
        max_line_bytes / max_event_bytes: the SSE parser's limits.
    """

    def _make_transport(self, **options: Any) -> Transport:
        return Transport(**options)

    @property
    def chat(self) -> _Chat:
        return _Chat(self)

    def close(self) -> None:
        """Close idle kept-alive connections."""
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _Chat:
    def __init__(self, client: Client) -> None:
        self.completions = _Completions(client)


class _Completions:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: bool = False,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = _UNSET,
        **params: Any,
    ) -> Any:
        """Create a chat completion.  ``stream=True`` returns a :class:`Stream`, else a ``ChatCompletion``.

        Any other keyword (``max_tokens``, ``temperature``, ``search_domain_filter``, ...) goes into the body.
        """
        client = self._client
        request, budget = client._chat_request(
            model, messages, stream, extra_headers, extra_query, extra_body, timeout, params
        )
        response, attempts = _drive(client._transport, _send_flow(request, budget, client.max_retries, client._api_key))
        if not stream:
            return client._completion(
                response, _perform(client._transport, ("read", response, MAX_BODY_BYTES)), attempts
            )
        try:
            is_stream = client._check_stream(response, attempts)
        except APIError:
            response.close()
            raise
        whole = None if is_stream else response.read()
        return Stream(response, client._new_chat(), attempts, whole)


class AsyncClient(_ClientBase):
    """The asyncio twin of :class:`Client` (same arguments): ``await client.chat.completions.create(...)``."""

    def _make_transport(self, **options: Any) -> AsyncTransport:
        return AsyncTransport(**options)

    @property
    def chat(self) -> _AsyncChat:
        return _AsyncChat(self)

    async def close(self) -> None:
        self._transport.close()

    aclose = close

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


class _AsyncChat:
    def __init__(self, client: AsyncClient) -> None:
        self.completions = _AsyncCompletions(client)


class _AsyncCompletions:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: bool = False,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = _UNSET,
        **params: Any,
    ) -> Any:
        """The asyncio twin of ``Client.chat.completions.create``: returns an :class:`AsyncStream` or a completion."""
        client = self._client
        request, budget = client._chat_request(
            model, messages, stream, extra_headers, extra_query, extra_body, timeout, params
        )
        flow = _send_flow(request, budget, client.max_retries, client._api_key)
        response, attempts = await _adrive(client._transport, flow)
        if not stream:
            raw = await _aperform(client._transport, ("read", response, MAX_BODY_BYTES))
            return client._completion(response, raw, attempts)
        try:
            is_stream = client._check_stream(response, attempts)
        except APIError:
            response.close()
            raise
        whole = None if is_stream else await response.read()
        return AsyncStream(response, client._new_chat(), attempts, whole)


class _PerplexityDefaults:
    _env_key = "PERPLEXITY_API_KEY"
    _env_base_url = "PERPLEXITY_BASE_URL"
    _default_base_url: Optional[str] = "https://api.perplexity.ai"
    _default_timeout = Timeout(900.0, connect=5.0)  # the perplexityai SDK's default
    _require_key = True


class Perplexity(_PerplexityDefaults, Client):
    """The Perplexity API: ``https://api.perplexity.ai``, key from ``PERPLEXITY_API_KEY``
    (base URL overridable by ``PERPLEXITY_BASE_URL``).  Same arguments as :class:`Client`."""


class AsyncPerplexity(_PerplexityDefaults, AsyncClient):
    """The asyncio twin of :class:`Perplexity`."""


# -- generic SSE: connect() ------------------------------------------------------------


class _EventSourceBase:
    """An SSE consumer with optional EventSource-style reconnection (WHATWG HTML §9.2.3-§9.2.4):
    the flow below decides, a sync or async driver performs."""

    def __init__(
        self,
        url: str,
        method: str,
        headers: Optional[Mapping[str, str]],
        body: Optional[bytes],
        timeout: TimeoutArg,
        reconnect: bool,
        max_reconnects: Optional[int],
        last_event_id: str,
        retry_ms: int,
        max_backoff: float,
        comments: bool,
        limits: Dict[str, Optional[int]],
    ) -> None:
        base: Dict[str, str] = {
            "Accept": "text/event-stream",
            "Cache-Control": "no-cache",
            "Accept-Encoding": "identity",
        }
        self._headers = _merge_headers(base, headers)
        self._request = Request(method, url, self._headers, body)  # validates now
        self.url = url
        self.timeout = as_timeout(timeout)
        self.reconnect = reconnect
        self.max_reconnects = max_reconnects
        self.parser: SSEParser[Any] = SSEParser(
            comments=comments, max_line_bytes=limits["max_line_bytes"], max_event_bytes=limits["max_event_bytes"]
        )
        if last_event_id:
            self.parser.last_event_id = last_event_id
        self._last_id = last_event_id
        if self.parser.retry is None:
            self.parser.retry = retry_ms
        self.max_backoff = max_backoff
        self.response: Any = None
        #: How many times the stream reconnected.
        self.reconnects = 0
        self._closed = False
        self._transport: Any = None

    @property
    def last_event_id(self) -> str:
        """The id of the last event delivered: what a reconnection sends as ``Last-Event-ID``
        (the spec's "last event ID string", set when an event is dispatched)."""
        return self._last_id

    @property
    def retry(self) -> Optional[int]:
        """The reconnection time in ms (the server's ``retry:`` once sent)."""
        return self.parser.retry

    def _next_request(self) -> Request:
        headers = [(n, v) for n, v in self._headers if n.lower() != "last-event-id"]
        if self._last_id:
            headers.append(("Last-Event-ID", self._last_id))
        return Request(self._request.method, self._request.url, headers, self._request.body)

    def _delay(self, failures: int) -> float:
        """First reconnection after the server's ``retry`` exactly, as a browser does; then
        exponential backoff from it, capped at ``max_backoff``, with jitter."""
        base = (self.parser.retry or 0) / 1000.0
        if failures <= 1:
            return base
        delay = min(self.max_backoff, max(base, 0.1) * 2.0 ** min(failures - 1, 30))
        return delay * (0.5 + 0.5 * random.random())

    def _flow(self) -> Flow:
        parser = self.parser
        failures = 0
        attempts = 0
        while True:
            attempts += 1
            result = yield ("open", self._next_request(), self.timeout)
            if isinstance(result, APIConnectionError):
                error: Optional[APIConnectionError] = result
            else:
                response = self.response = result
                status = response.status_code
                if status == 204:  # "HTTP 204 No Content ... must prevent the user agent from reconnecting"
                    response.close()
                    return
                if status != 200:
                    raw = yield ("read", response, 1 << 20)
                    raise status_error(response, raw, attempts)
                if response.content_type != "text/event-stream":
                    response.close()
                    raise APIResponseValidationError(
                        f"expected text/event-stream, got {response.content_type or 'no Content-Type'!r}",
                        response=response,
                        attempts=attempts,
                    )
                parser.reset()
                parser.last_event_id = self._last_id  # "set the last event ID buffer to the last event ID string"
                opened = time.monotonic()
                error = None
                while True:
                    data = yield ("read1", response)
                    if type(data) is not bytes:
                        error = data
                        break
                    if not data:
                        break
                    events = parser.feed(data)
                    if events:
                        for event in reversed(events):
                            if type(event) is ServerSentEvent:
                                self._last_id = event.id
                                break
                        yield ("emit", events)
                parser.close()
                response.close()
                if time.monotonic() - opened >= HEALTHY_AFTER:
                    failures = 0
            if not self.reconnect or (self.max_reconnects is not None and self.reconnects >= self.max_reconnects):
                if error is None:
                    return
                error.attempts = attempts
                error.last_event_id = self._last_id or None
                if parser.truncated:
                    error.events = [] if parser.incomplete_event is None else [parser.incomplete_event]
                raise error
            failures += 1
            self.reconnects += 1
            delay = self._delay(failures)
            log.info("%s: reconnecting in %.2f s (%s)", self.url, delay, error.message if error else "end of stream")
            yield ("sleep", delay)

    def _shut(self) -> None:
        self._closed = True
        if self.response is not None:
            self.response.close()
        self._transport.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} last_event_id={self.last_event_id!r} reconnects={self.reconnects}>"


class EventStream(_EventSourceBase):
    """What :func:`connect` returns: iterate it for events; close it (or use ``with``) to stop."""

    def __init__(self, transport: Transport, *args: Any) -> None:
        super().__init__(*args)
        self._transport = transport
        self._iterator = self._iterate()

    def _iterate(self) -> Generator[Union[ServerSentEvent, Comment], None, None]:
        flow = self._flow()
        value = None
        try:
            while True:
                try:
                    op = flow.send(value)
                except StopIteration:
                    return
                if op[0] == "emit":
                    value = None
                    yield from op[1]
                else:
                    value = _perform(self._transport, op)
        finally:
            flow.close()
            self._shut()

    def __iter__(self) -> Iterator[Union[ServerSentEvent, Comment]]:
        return self._iterator

    def __next__(self) -> Union[ServerSentEvent, Comment]:
        return next(self._iterator)

    def close(self) -> None:
        """Stop: the connection is closed at once."""
        if not self._closed:
            self._shut()
            self._iterator.close()

    def __enter__(self) -> EventStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self._shut()


class AsyncEventStream(_EventSourceBase):
    """What :func:`aconnect` returns: ``async for event in stream``."""

    def __init__(self, transport: AsyncTransport, *args: Any) -> None:
        super().__init__(*args)
        self._transport = transport
        self._iterator = self._iterate()

    async def _iterate(self) -> AsyncIterator[Union[ServerSentEvent, Comment]]:  # the same loop, awaited
        flow = self._flow()
        value = None
        try:
            while True:
                try:
                    op = flow.send(value)
                except StopIteration:
                    return
                if op[0] == "emit":
                    value = None
                    for event in op[1]:
                        yield event
                else:
                    value = await _aperform(self._transport, op)
        finally:
            flow.close()
            self._shut()

    def __aiter__(self) -> AsyncIterator[Union[ServerSentEvent, Comment]]:
        return self._iterator

    async def __anext__(self) -> Union[ServerSentEvent, Comment]:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        """Stop: the connection is closed at once."""
        if not self._closed:
            self._shut()
            await self._iterator.aclose()  # type: ignore[attr-defined]

    aclose = close

    async def __aenter__(self) -> AsyncEventStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self._shut()


def _connect_args(
    url: str,
    method: str,
    headers: Optional[Mapping[str, str]],
    json_body: Any,
    data: Optional[bytes],
    timeout: TimeoutArg,
    reconnect: bool,
    max_reconnects: Optional[int],
    last_event_id: str,
    retry_ms: int,
    max_backoff: float,
    comments: bool,
    limits: Dict[str, Optional[int]],
) -> Tuple[Any, ...]:
    body = data
    if json_body is not None:
        if data is not None:
            raise UsageError("give json= or data=, not both")
        body = json.dumps(json_body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = dict(_merge_headers({"Content-Type": "application/json"}, headers))
    if retry_ms < 0 or max_backoff < 0:
        raise UsageError("retry_ms and max_backoff must not be negative")
    return (
        url,
        method,
        headers,
        body,
        timeout,
        reconnect,
        max_reconnects,
        last_event_id,
        retry_ms,
        max_backoff,
        comments,
        limits,
    )


def connect(
    url: str,
    *,
    method: str = "GET",
    headers: Optional[Mapping[str, str]] = None,
    json: Any = None,
    data: Optional[bytes] = None,
    timeout: TimeoutArg = DEFAULT_TIMEOUT,
    reconnect: bool = False,
    max_reconnects: Optional[int] = None,
    last_event_id: str = "",
    retry_ms: int = DEFAULT_RECONNECT_MS,
    max_backoff: float = 30.0,
    comments: bool = False,
    ssl_context: Optional[ssl.SSLContext] = None,
    ca_bundle: Optional[str] = None,
    proxy: Union[str, bool, None] = None,
    trust_env: bool = True,
    max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
    max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
) -> EventStream:
    """Consume any Server-Sent Events endpoint: ``for event in connect(url): ...``.

    Nothing is sent until iteration starts.  With ``reconnect=True`` the stream
    behaves like a browser's ``EventSource``: when the connection drops (or the
    body ends) it reconnects after the server's ``retry`` (``retry_ms`` until the
    server sends one), sending ``Last-Event-ID``; repeated failures back off
    exponentially up to ``max_backoff`` seconds with jitter, and the backoff
    resets once a connection has stayed up for a minute.  HTTP 204 ends the
    stream; another status, or a Content-Type other than ``text/event-stream``,
    fails at once with a typed error (as the browser fails the connection).
    Without ``reconnect`` (the default: a POST is not silently re-sent), a
    broken connection raises :class:`~sse_pplx.errors.APIConnectionError`
    carrying ``last_event_id`` and any cut-off event in ``events``.
    """
    transport = Transport(ssl_context=ssl_context, ca_bundle=ca_bundle, proxy=proxy, trust_env=trust_env)
    limits = {"max_line_bytes": max_line_bytes, "max_event_bytes": max_event_bytes}
    args = _connect_args(
        url, method, headers, json, data, timeout, reconnect, max_reconnects, last_event_id, retry_ms, max_backoff,
        comments, limits,
    )  # fmt: skip
    return EventStream(transport, *args)


def aconnect(
    url: str,
    *,
    method: str = "GET",
    headers: Optional[Mapping[str, str]] = None,
    json: Any = None,
    data: Optional[bytes] = None,
    timeout: TimeoutArg = DEFAULT_TIMEOUT,
    reconnect: bool = False,
    max_reconnects: Optional[int] = None,
    last_event_id: str = "",
    retry_ms: int = DEFAULT_RECONNECT_MS,
    max_backoff: float = 30.0,
    comments: bool = False,
    ssl_context: Optional[ssl.SSLContext] = None,
    ca_bundle: Optional[str] = None,
    proxy: Union[str, bool, None] = None,
    trust_env: bool = True,
    max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
    max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
) -> AsyncEventStream:
    """The asyncio twin of :func:`connect`: ``async for event in aconnect(url): ...``."""
    transport = AsyncTransport(ssl_context=ssl_context, ca_bundle=ca_bundle, proxy=proxy, trust_env=trust_env)
    limits = {"max_line_bytes": max_line_bytes, "max_event_bytes": max_event_bytes}
    args = _connect_args(
        url, method, headers, json, data, timeout, reconnect, max_reconnects, last_event_id, retry_ms, max_backoff,
        comments, limits,
    )  # fmt: skip
    return AsyncEventStream(transport, *args)
