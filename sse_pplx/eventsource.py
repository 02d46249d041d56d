"""``connect`` / ``aconnect``: any Server-Sent Events endpoint, with EventSource-style reconnection.

WHATWG HTML §9.2 (server-sent events): the stream is opened (§9.2.3), interpreted by
:class:`~sse_pplx.parser.SSEParser` (§9.2.6), and with ``reconnect=True`` re-established
as a browser's ``EventSource`` does (§9.2.3 "reestablish the connection"): after the
server's ``retry`` time, sending ``Last-Event-ID``; HTTP 204 stops it for good; another
status, or a Content-Type that is not ``text/event-stream``, fails the connection.

The decisions are one flow (:meth:`EventSource.events`) that both faces run:
:class:`EventStream` through the blocking driver, :class:`AsyncEventStream` through the
asyncio one.  Options are keyword-only and validated once, in :class:`EventSource`.
"""

from __future__ import annotations

import json as _json
import time
from typing import Generic, TypeVar

from ._exchange import DEFAULT_TIMEOUT, as_timeout
from ._flows import Emit, Sleep
from ._http import Request, merge_headers
from ._retry import log, read_error_body, reconnect_delay, status_error
from .errors import APIConnectionError, APIError, APIResponseValidationError, ProtocolError, UsageError
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser
from .transport import ASYNCIO, BLOCKING, AsyncTransport, Transport

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import ssl
    from typing import Any, AsyncIterator, Callable, Iterator, Literal, Mapping, Optional, TypedDict, Union, overload

    # isort: split
    # typing's own Unpack (3.11+; never imported at run time), so that no third-party module is
    # named even for type checkers; a checker for an older Python reads the options as untyped.
    from typing import Unpack  # novm

    from ._exchange import Timeout
    from ._flows import Flow
    from .events import Comment, ServerSentEvent

    Item = Union[ServerSentEvent, Comment]

    class _Options(TypedDict, total=False):
        """The options of :class:`EventSource` other than ``url`` and ``comments`` (for the faces' overloads)."""

        method: str
        headers: Optional[Mapping[str, Optional[str]]]
        json: Any
        data: Optional[bytes]
        timeout: Union[float, Timeout, None]
        reconnect: bool
        max_reconnects: Optional[int]
        last_event_id: str
        retry_ms: int
        max_backoff: float
        ssl_context: Optional[ssl.SSLContext]
        ca_bundle: Optional[str]
        proxy: Union[str, bool, None]
        trust_env: bool
        max_line_bytes: Optional[int]
        max_event_bytes: Optional[int]


#: What a stream yields: ``ServerSentEvent``, or with ``comments=True`` also ``Comment``.
_Item = TypeVar("_Item")


__all__ = ["AsyncEventStream", "EventSource", "EventStream", "aconnect", "connect"]

#: The EventSource default reconnection time, before the server sends ``retry:``.
DEFAULT_RECONNECT_MS = 3000
#: A connection that stayed up this long resets the reconnection backoff (LaunchDarkly's rule,
#: against the reconnect storms of sanity-io/client#1236).
HEALTHY_AFTER = 60.0


def _check_last_event_id(value: object) -> None:
    """A ``last_event_id`` given by the caller: a str without CR, LF or NUL (no stream can
    produce one: lines end at CR and LF, an id with NUL is ignored), else ``UsageError`` now
    rather than a request with a broken header."""
    if not isinstance(value, str):
        raise UsageError(f"last_event_id must be a str, not {type(value).__name__}")
    if any(c in value for c in "\r\n\x00"):
        raise UsageError(f"last_event_id {value!r} contains CR, LF or NUL: no event stream can send such an id")


def _header_value_utf8(value: str) -> str:
    """``value`` as the header value whose bytes on the wire are its UTF-8 encoding (the head is
    written as Latin-1, one byte per character): §9.2.4 sends the last event ID string "encoded
    as UTF-8"."""
    return value.encode("utf-8").decode("latin-1")


class EventSource(Generic[_Item]):
    """One SSE consumer's options and state, and :meth:`events`, the flow that reads it (sans-I/O);
    :class:`EventStream` and :class:`AsyncEventStream` are its two faces, generic in what
    they yield (``EventStream[ServerSentEvent]``, or with ``comments=True``
    ``EventStream[Union[ServerSentEvent, Comment]]``)."""

    #: The transport this face's driver runs on (set by each face).
    _transport_class: Callable[..., Any] = Transport
    url: str
    timeout: Timeout
    reconnect: bool
    max_reconnects: Optional[int]
    max_backoff: float
    #: The parser (its ``last_event_id`` and ``retry`` are the stream's).
    parser: SSEParser[Any]
    #: The HTTP response of the current connection (None before the first).
    response: Any
    #: How many times the stream reconnected.
    reconnects: int
    #: How many requests were made (the first one and every reconnection).
    attempts: int

    def __init__(
        self,
        url: str,
        *,
        method: str = "GET",
        headers: Optional[Mapping[str, Optional[str]]] = None,
        json: Any = None,
        data: Optional[bytes] = None,
        timeout: Union[float, Timeout, None] = DEFAULT_TIMEOUT,
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
    ) -> None:
        """A stream of ``url``'s events (nothing is sent before iteration starts).

        ``method``, ``headers`` and a body (``json=`` or ``data=``) make the request;
        ``timeout`` is a :class:`~sse_pplx.transport.Timeout` or seconds; ``reconnect=True``
        reconnects as a browser's ``EventSource`` does (``retry_ms`` until the server sends
        ``retry:``, at most ``max_reconnects`` times, backing off up to ``max_backoff`` s),
        sending ``Last-Event-ID`` (``last_event_id`` for the first request);
        ``comments=True`` also yields :class:`~sse_pplx.events.Comment` lines; the TLS and
        proxy options are :class:`~sse_pplx.client.Client`'s; ``max_line_bytes`` /
        ``max_event_bytes`` are the parser's limits.
        """
        if retry_ms < 0 or max_backoff < 0:
            raise UsageError("retry_ms and max_backoff must not be negative")
        _check_last_event_id(last_event_id)
        body = data
        base = {"Accept": "text/event-stream", "Cache-Control": "no-cache", "Accept-Encoding": "identity"}
        if json is not None:
            if data is not None:
                raise UsageError("give json= or data=, not both")
            body = _json.dumps(json, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            base["Content-Type"] = "application/json"
        self._headers = merge_headers(base, headers)
        self._request = Request(method, url, self._headers, body)  # validates now
        self._closed = True  # until the transport exists (a failed __init__ has nothing to close)
        self._transport = self._transport_class(
            ssl_context=ssl_context, ca_bundle=ca_bundle, proxy=proxy, trust_env=trust_env
        ).core
        self.url = url
        self.timeout = as_timeout(timeout)
        self.reconnect = reconnect
        self.max_reconnects = max_reconnects
        self.max_backoff = max_backoff
        self.parser = SSEParser(comments=comments, max_line_bytes=max_line_bytes, max_event_bytes=max_event_bytes)
        self.parser.last_event_id = last_event_id
        if self.parser.retry is None:
            self.parser.retry = retry_ms
        self.response = None
        self.reconnects = 0
        self.attempts = 0
        self._closed = False
        #: What the face iterates: the events flow run by its driver (nothing is sent before the first step).
        self._iterator = self._iterate()

    @property
    def last_event_id(self) -> str:
        """What a reconnection sends as ``Last-Event-ID``: the parser's last event ID string
        (WHATWG HTML §9.2.6 "dispatch the event" step 1), set by every block that ended, with
        or without data, never by one that was cut off."""
        return self.parser.last_event_id

    def _iterate(self) -> Any:
        raise NotImplementedError  # each face runs events() through its driver

    def _next_request(self) -> Request:
        headers = [(name, value) for name, value in self._headers if name.lower() != "last-event-id"]
        if self.last_event_id:
            # §9.2.3: "If the EventSource object's last event ID string is not the empty string,
            # set (`Last-Event-ID`, last event ID string, encoded as UTF-8) in request's header list."
            headers.append(("Last-Event-ID", _header_value_utf8(self.last_event_id)))
        return Request(self._request.method, self._request.url, headers, self._request.body)

    def _delay(self, failures: int) -> float:
        """The wait before reconnection number ``failures`` (:func:`~sse_pplx._retry.reconnect_delay`)."""
        return reconnect_delay(failures, (self.parser.retry or 0) / 1000.0, self.max_backoff)

    def events(self) -> Flow[None]:
        """Emits events as they arrive, reconnecting when asked to.  Every error it raises
        carries ``attempts`` and ``last_event_id`` (the string a reconnection would send)."""
        try:
            yield from self._connections()
        except (APIError, ProtocolError) as exc:
            exc.attempts = self.attempts
            exc.last_event_id = self.last_event_id or None
            raise

    def _connections(self) -> Flow[None]:
        parser = self.parser
        failures = 0
        while True:
            self.attempts += 1
            attempts = self.attempts
            error: Optional[APIConnectionError] = None
            try:
                response = self.response = yield from self._transport.open(self._next_request(), self.timeout)
            except APIConnectionError as exc:
                error = exc
            else:
                status = response.status_code
                if status == 204:  # "HTTP 204 No Content ... must prevent the user agent from reconnecting"
                    response.close()
                    return
                if status != 200:
                    raw = yield from read_error_body(response)
                    raise status_error(response, raw, attempts)
                if response.content_type != "text/event-stream":
                    response.close()
                    raise APIResponseValidationError(
                        f"expected text/event-stream, got {response.content_type or 'no Content-Type'!r}",
                        response=response,
                        attempts=attempts,
                    )
                parser.reset()  # keeps the last event ID string, and starts the new stream's buffer from it
                opened = time.monotonic()
                error = yield from self._read(response)
                if time.monotonic() - opened >= HEALTHY_AFTER:
                    failures = 0
            if not self.reconnect or (self.max_reconnects is not None and self.reconnects >= self.max_reconnects):
                if error is None:
                    return
                if parser.truncated:
                    error.events = [] if parser.incomplete_event is None else [parser.incomplete_event]
                raise error
            failures += 1
            self.reconnects += 1
            delay = self._delay(failures)
            log.info("%s: reconnecting in %.2f s (%s)", self.url, delay, error.message if error else "end of stream")
            yield Sleep(delay)

    def _read(self, response: Any) -> Flow[Optional[APIConnectionError]]:
        """One connection's events; the error that ended it, or None for the end of the body."""
        parser = self.parser
        try:
            while True:
                try:
                    data = yield from response.read1_flow()
                except APIConnectionError as exc:
                    return exc
                if not data:
                    return None
                try:
                    events = parser.feed(data)
                except ProtocolError as exc:  # the events completed before the error are delivered first
                    completed, exc.events = exc.events, []
                    yield Emit(completed)
                    raise
                if events:
                    yield Emit(events)
        finally:
            parser.close()
            response.close()

    @property
    def retry(self) -> Optional[int]:
        """The reconnection time in ms (the server's ``retry:`` once sent)."""
        return self.parser.retry

    def _shut(self) -> None:
        """Stop: the connection and the transport's idle connections are closed."""
        self._closed = True
        if self.response is not None:
            self.response.close()
        self._transport.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} last_event_id={self.last_event_id!r} reconnects={self.reconnects}>"

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self._shut()


class EventStream(EventSource[_Item]):
    """``connect(url, ...)``: consume any Server-Sent Events endpoint, ``for event in connect(url): ...``.

    Nothing is sent until iteration starts.  With ``reconnect=True`` the stream behaves like
    a browser's ``EventSource``: when the connection drops (or the body ends) it reconnects
    after the server's ``retry`` (``retry_ms`` until the server sends one), sending
    ``Last-Event-ID``; repeated failures back off exponentially up to ``max_backoff``
    seconds with jitter, and the backoff resets once a connection has stayed up for a
    minute.  HTTP 204 ends the stream; another status, or a Content-Type other than
    ``text/event-stream``, fails at once with a typed error (as the browser fails the
    connection).  Without ``reconnect`` (the default: a POST is not silently re-sent), a
    broken connection raises :class:`~sse_pplx.errors.APIConnectionError` carrying
    ``last_event_id`` and any cut-off event in ``events``.  Close it (or use ``with``) to stop.
    """

    _transport_class = Transport
    _iterator: Iterator[_Item]

    if TYPE_CHECKING:  # the options are EventSource's; what is yielded follows ``comments``

        @overload
        def __init__(
            self: EventStream[ServerSentEvent],
            url: str,
            *,
            comments: Literal[False] = False,
            **options: Unpack[_Options],
        ) -> None: ...
        @overload
        def __init__(self: EventStream[Item], url: str, *, comments: bool, **options: Unpack[_Options]) -> None: ...
        def __init__(self, url: str, *, comments: bool = False, **options: Unpack[_Options]) -> None: ...  # fmt: skip

    def _iterate(self) -> Iterator[_Item]:
        try:
            yield from BLOCKING.iterate(self.events())
        finally:
            self._shut()

    def __iter__(self) -> Iterator[_Item]:
        return self._iterator

    def __next__(self) -> _Item:
        return next(self._iterator)

    def close(self) -> None:
        """Stop: the connection is closed at once."""
        if not self._closed:
            self._shut()
            self._iterator.close()  # type: ignore[attr-defined]

    def __enter__(self) -> EventStream[_Item]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncEventStream(EventSource[_Item]):
    """``aconnect(url, ...)``: the asyncio face of :class:`EventStream`, ``async for event in aconnect(url)``."""

    _transport_class = AsyncTransport
    _iterator: AsyncIterator[_Item]

    if TYPE_CHECKING:  # the options are EventSource's; what is yielded follows ``comments``

        @overload
        def __init__(
            self: AsyncEventStream[ServerSentEvent],
            url: str,
            *,
            comments: Literal[False] = False,
            **options: Unpack[_Options],
        ) -> None: ...
        @overload
        def __init__(
            self: AsyncEventStream[Item], url: str, *, comments: bool, **options: Unpack[_Options]
        ) -> None: ...
        def __init__(self, url: str, *, comments: bool = False, **options: Unpack[_Options]) -> None: ...  # fmt: skip

    async def _iterate(self) -> AsyncIterator[_Item]:
        try:
            async for event in ASYNCIO.iterate(self.events()):
                yield event
        finally:
            self._shut()

    def __aiter__(self) -> AsyncIterator[_Item]:
        return self._iterator

    async def __anext__(self) -> _Item:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        """Stop: the connection is closed at once."""
        if not self._closed:
            self._shut()
            await self._iterator.aclose()  # type: ignore[attr-defined]

    aclose = close

    async def __aenter__(self) -> AsyncEventStream[_Item]:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()


#: ``connect(url, *, method="GET", headers=None, json=None, data=None, timeout=..., reconnect=False, ...)``:
#: the options are :class:`EventSource`'s, and the stream it returns is an :class:`EventStream`.
connect = EventStream
#: ``aconnect(url, ...)``: the same options; an :class:`AsyncEventStream`.
aconnect = AsyncEventStream
