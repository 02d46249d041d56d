"""One HTTP exchange, written once for both drivers: budgets, connections, the response body.

Everything here is a decision; the I/O is yielded as operations (:mod:`~sse_pplx._flows`)
to the blocking or the asyncio driver in :mod:`~sse_pplx.transport`:

* :class:`Timeout` and :class:`Budget`: one set of budget rules for both drivers, after
  the official SDKs' defaults (``httpx.Timeout(600, connect=5)``) and what streaming users
  asked for (rtfol/aiohttp-sse-client#2, earendil-works/pi#7954):

  - ``connect``: the whole connection set-up (TCP connect, proxy ``CONNECT``, TLS handshake);
  - ``read``: the idle timeout, reset by every byte received, the response head's included
    (a keep-alive comment keeps a healthy stream alive; a head trickled one byte a second
    still arrives);
  - ``total``: an optional deadline over connect, head and body, whatever trickles in.

* :class:`TransportCore`: settings (TLS, proxies, redirects), the keep-alive pool and the
  exchange flow: a pooled or new connection (through a ``CONNECT`` tunnel for HTTPS via a
  proxy), the request, the response head (1xx skipped), redirects, and one fresh try when
  a kept-alive connection turns out to have been dropped by the server (as browsers do).
* :class:`ResponseCore`: a response's body as flows (``read1``, ``read_all``, ``drain``):
  framing, content decoding, the connection back to the pool when the body is complete,
  closed at once otherwise.

Every error path closes the connection before it raises, and every failure leaves as an
:class:`~sse_pplx.errors.APIConnectionError` (:class:`~sse_pplx.errors.APITimeoutError`
for a budget) saying what was being done and what went wrong.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Generic, TypeVar

from ._flows import Dial, Emit, Handshake, IOFailure, Receive, Send
from ._http import (
    MAX_BODY_BYTES,
    MAX_REDIRECTS,
    BodyFraming,
    ContentDecoder,
    Headers,
    Origin,
    Proxy,
    Request,
    ResponseHead,
    ResponseHeadParser,
    connect_request,
    content_decoder,
    proxy_for,
)
from ._media_type import extract_media_type
from .errors import APIConnectionError, APITimeoutError, InvalidJSONError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

    from ._flows import Flow

_Response = TypeVar("_Response", bound="ResponseCore")

__all__ = ["DEFAULT_TIMEOUT", "NOT_GIVEN", "Budget", "ResponseCore", "Timeout", "TransportCore", "as_timeout"]


def _is_proxy_variable(name: str) -> bool:
    """The environment variables proxy_for reads: ``*_proxy`` in any case, and ``REQUEST_METHOD``
    (CGI, where ``HTTP_PROXY`` is a request header: httpoxy)."""
    return name[-6:].lower() == "_proxy" or name == "REQUEST_METHOD"


#: After ``[DONE]``, how long to wait for the rest of the body so the connection can be reused.
DRAIN_GRACE = 0.05
#: And how many bytes to read for it at most.
DRAIN_LIMIT = 65536


class _NotGiven:
    """The default of an option whose value comes from elsewhere (the client's own setting)."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()
_UNSET: Any = NOT_GIVEN


# -- time budgets -------------------------------------------------------------


class Timeout:
    """Connect, idle (read) and overall time budgets, in seconds (None = no limit).

    ``Timeout(20)`` gives 20 s to every phase, like ``httpx.Timeout(20)``;
    ``Timeout(600, connect=5)`` is the SDKs' default; ``total`` is an optional
    deadline for the whole request, response body included.
    """

    __slots__ = ("connect", "read", "total")

    connect: Optional[float]
    read: Optional[float]
    total: Optional[float]

    def __init__(
        self,
        timeout: Optional[float] = _UNSET,
        *,
        connect: Optional[float] = _UNSET,
        read: Optional[float] = _UNSET,
        total: Optional[float] = None,
    ) -> None:
        base = 600.0 if timeout is _UNSET else timeout
        values = {
            "connect": (5.0 if timeout is _UNSET else base) if connect is _UNSET else connect,
            "read": base if read is _UNSET else read,
            "total": total,
        }
        for name, value in values.items():
            if value is not None and (not isinstance(value, (int, float)) or value < 0):
                raise UsageError(f"Timeout {name} must be a non-negative number of seconds or None, not {value!r}")
            object.__setattr__(self, name, None if value is None else float(value))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Timeout is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Timeout):
            return NotImplemented
        return (self.connect, self.read, self.total) == (other.connect, other.read, other.total)

    def __hash__(self) -> int:
        return hash((self.connect, self.read, self.total))

    def __repr__(self) -> str:
        return f"Timeout(connect={self.connect}, read={self.read}, total={self.total})"


DEFAULT_TIMEOUT = Timeout(600.0, connect=5.0)


def as_timeout(value: Union[float, Timeout, None]) -> Timeout:
    """A float means every phase (httpx's rule); None means no limit at all."""
    if isinstance(value, Timeout):
        return value
    if value is None:
        return Timeout(None)
    return Timeout(value)


class Budget:
    """One request's clock: how long the next wait may take, and the error when it ran out.

    A wait is bounded by its phase's budget and by what is left of the deadline; the
    connect budget covers the whole set-up of one connection (``start_connect``).  Without
    a deadline no clock is read per body read (a benchmark figure: the per-read
    ``time.monotonic()`` and ``settimeout`` were 3 % of the client's instructions).
    """

    __slots__ = ("_connect_deadline", "deadline", "read", "timeout")
    deadline: Optional[float]
    read: Optional[float]
    timeout: Timeout

    def __init__(self, timeout: Timeout) -> None:
        self.timeout = timeout
        self.read = timeout.read
        self.deadline = None if timeout.total is None else time.monotonic() + timeout.total
        self._connect_deadline: Optional[float] = None

    def start_connect(self) -> None:
        """A connection is being set up: the connect budget starts now."""
        connect = self.timeout.connect
        self._connect_deadline = None if connect is None else time.monotonic() + connect

    def connect_wait(self, doing: str) -> Optional[float]:
        """The timeout for the next wait while connecting; raises once a budget has run out."""
        return self._bounded(self._connect_deadline, "connect", doing)

    def read_wait(self, doing: str) -> Optional[float]:
        """The timeout for the next wait for bytes (the idle timeout, capped by the deadline)."""
        if self.deadline is None:
            return self.read
        return self._bounded(None if self.read is None else time.monotonic() + self.read, "idle", doing)

    def _bounded(self, phase_deadline: Optional[float], phase: str, doing: str) -> Optional[float]:
        ends = [end for end in (phase_deadline, self.deadline) if end is not None]
        if not ends:
            return None
        left = min(ends) - time.monotonic()
        if left <= 0:
            raise self.expired(phase, doing)
        return left

    def expired(self, phase: str, doing: str = "") -> APITimeoutError:
        """The error for a budget that ran out: the deadline's if it was the cause, else the phase's."""
        prefix = f"{doing}: " if doing else ""
        if self.deadline is not None and self.deadline - time.monotonic() <= 0.001:
            return APITimeoutError(
                f"{prefix}the request's overall deadline of {self.timeout.total:g} s was exceeded", phase="deadline"
            )
        if phase == "connect":
            return APITimeoutError(f"{prefix}timed out after {self.timeout.connect:g} s", phase="connect")
        return APITimeoutError(
            f"{prefix}no data for {self.timeout.read:g} s (the idle timeout; raise Timeout(read=...) for slow servers)",
            phase="idle",
        )

    def failed(self, failure: IOFailure, phase: str, doing: str) -> APIConnectionError:
        """The typed error for an operation that failed while ``doing`` something."""
        if failure.timed_out:
            error: APIConnectionError = self.expired(phase, doing)
        else:
            error = APIConnectionError(f"{doing}: {failure.reason}")
        error.__cause__ = failure.cause
        return error


# -- connections ----------------------------------------------------------------


class Pool:
    """Idle keep-alive connections by origin: sequential requests reuse one."""

    def __init__(self, max_idle: int = 10) -> None:
        self._idle: Dict[Tuple[str, str, int], List[Any]] = {}
        self._lock = threading.Lock()
        self.max_idle = max_idle

    def take(self, origin: Origin) -> Any:
        """An idle kept-alive connection to ``origin``, or None."""
        with self._lock:
            connections = self._idle.get(origin.key())
            return connections.pop() if connections else None

    def put(self, origin: Origin, connection: Any) -> None:
        """Keep ``connection`` for the next request to ``origin``."""
        with self._lock:
            connections = self._idle.setdefault(origin.key(), [])
            if len(connections) < self.max_idle:
                connections.append(connection)
                return
        connection.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            connections = [connection for group in self._idle.values() for connection in group]
            self._idle.clear()
        for connection in connections:
            connection.close()


def _where(origin: Origin, proxy: Optional[Proxy]) -> str:
    via = f" via proxy {proxy.url}" if proxy is not None else ""
    return f"{origin.host}:{origin.port}{via}"


class TransportCore(Generic[_Response]):
    """What both transports are configured with, and the exchange flow they both run.

    Args:
        ssl_context: the TLS context to use (verification is on by default).
        ca_bundle: or a path to a PEM file of CA certificates to trust instead of the system's.
        proxy: an ``http://[user:pass@]host:port`` proxy URL; ``False`` for none; ``None``
            (default) reads ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY``
            when ``trust_env`` is true.
        max_redirects: redirects followed (``Authorization`` is never sent to another origin); 0 follows none.
        keep_alive: reuse idle connections for sequential requests.
        response_class: what the exchange makes of a response head (the transport's face
            of :class:`ResponseCore`).
        default_tls: makes the TLS context used when none is given, from ``ca_bundle`` (the
            transport's: it reads the trust store, made on first use).
    """

    def __init__(
        self,
        *,
        ssl_context: Any = None,
        ca_bundle: Optional[str] = None,
        proxy: Union[str, bool, None] = None,
        trust_env: bool = True,
        max_redirects: int = MAX_REDIRECTS,
        keep_alive: bool = True,
        response_class: Callable[..., _Response],
        default_tls: Callable[[Optional[str]], Any],
    ) -> None:
        if ssl_context is not None and ca_bundle is not None:
            raise UsageError("give ssl_context or ca_bundle, not both")
        if proxy is not None and proxy is not False and not isinstance(proxy, str):
            raise UsageError(f"proxy must be a URL string, False or None, not {type(proxy).__name__}")
        if isinstance(proxy, str) and proxy:
            Proxy(proxy)  # fail now, not at the first request
        self._ssl_context = ssl_context
        self._ca_bundle = ca_bundle
        self.proxy = proxy
        self.trust_env = trust_env
        # The proxy variables, read once, here, as httpx reads them when a client is made: a
        # read of os.environ per request cost ~0.3 ms (every variable decoded; bench_scale.py).
        self._proxy_environment: Mapping[str, str] = (
            {name: value for name, value in os.environ.items() if _is_proxy_variable(name)} if trust_env else {}
        )
        self.max_redirects = max_redirects
        self.pool: Optional[Pool] = Pool() if keep_alive else None
        self.response_class = response_class
        self._default_tls = default_tls

    @property
    def ssl_context(self) -> Any:
        """The given context, or the transport's default one (made on first use)."""
        if self._ssl_context is None:
            self._ssl_context = self._default_tls(self._ca_bundle)
        return self._ssl_context

    def proxy_for(self, origin: Origin) -> Optional[Proxy]:
        """The proxy to reach ``origin`` through (the option, else the environment), or None."""
        return proxy_for(origin, self.proxy, self.trust_env, self._proxy_environment)

    def close(self) -> None:
        """Close the idle keep-alive connections."""
        if self.pool is not None:
            self.pool.close()

    def open(self, request: Request, timeout: Timeout) -> Flow[_Response]:
        """Send ``request``, follow redirects; the response once its final head has arrived."""
        budget = Budget(timeout)
        for _ in range(self.max_redirects + 1):
            response = yield from self._exchange(request, budget)
            try:
                follow = request.redirect(response.status_code, response.headers.get("location"))
            except UsageError as exc:
                response.close()
                raise APIConnectionError(f"the redirect from {request.url} cannot be followed: {exc}") from None
            if follow is None:
                return response
            response.close()
            request = follow
        raise APIConnectionError(f"more than {self.max_redirects} redirects, the last to {request.url}")

    def _exchange(self, request: Request, budget: Budget) -> Flow[_Response]:
        origin = request.origin
        proxy = self.proxy_for(origin)
        where = _where(origin, proxy)
        pool = self.pool if proxy is None else None
        pooled = pool.take(origin) if pool is not None else None
        if pooled is not None:
            try:
                return (yield from self._request(pooled, True, request, proxy, budget, pool, where))
            except _StaleConnection:
                pass  # the server closed it meanwhile: one fresh try, as browsers do
        connection = yield from self._connect(origin, proxy, budget, where)
        return (yield from self._request(connection, False, request, proxy, budget, pool, where))

    def _connect(self, origin: Origin, proxy: Optional[Proxy], budget: Budget, where: str) -> Flow[Any]:
        """A new connection, ready for the request: TCP, the proxy's tunnel, TLS."""
        doing = f"connecting to {where}"
        budget.start_connect()
        host, port = (proxy.host, proxy.port) if proxy is not None else (origin.host, origin.port)
        try:
            connection = yield Dial(host, port, budget.connect_wait(doing))
        except IOFailure as failure:
            raise budget.failed(failure, "connect", doing) from None
        try:
            tls = self.ssl_context if origin.scheme == "https" else None
            if tls is not None and proxy is not None:
                yield from self._tunnel(connection, origin, proxy, budget, doing)
            return (yield Handshake(connection, tls, origin.host, budget.connect_wait(doing)))
        except IOFailure as failure:
            connection.close()
            raise budget.failed(failure, "connect", doing) from None
        except BaseException:
            connection.close()
            raise

    @staticmethod
    def _tunnel(connection: Any, origin: Origin, proxy: Proxy, budget: Budget, doing: str) -> Flow[None]:
        """``CONNECT`` through the proxy (RFC 9110 §9.3.6): "Any 2xx (Successful) response
        indicates that the sender (and all inbound proxies) will switch to tunnel mode"."""
        yield Send(connection, connect_request(origin, proxy), budget.connect_wait(doing))
        reply = ResponseHeadParser()
        head = None
        while head is None:
            data = yield Receive(connection, budget.connect_wait(doing))
            if not data:
                raise APIConnectionError(f"{doing}: the proxy closed the connection during CONNECT")
            try:
                head = reply.feed(data)
            except APIConnectionError as exc:
                raise APIConnectionError(f"{doing}: the proxy's reply to CONNECT: {exc.message}") from None
        if not 200 <= head.status_code < 300:
            refusal = f"{head.status_code} {head.reason}".rstrip()
            raise APIConnectionError(f"{doing}: the proxy refused the tunnel ({refusal})")

    def _request(
        self,
        connection: Any,
        reused: bool,
        request: Request,
        proxy: Optional[Proxy],
        budget: Budget,
        pool: Optional[Pool],
        where: str,
    ) -> Flow[_Response]:
        """Send the request on ``connection`` and read the final response head.  On a
        ``reused`` connection, a close or reset before any byte of the answer is
        :class:`_StaleConnection` (the caller tries once more on a new connection)."""
        parser = ResponseHeadParser()
        doing = f"sending the request to {where}"
        try:
            yield Send(connection, request.encode(proxy), budget.read_wait(doing))
            doing = f"waiting for the response from {where}"
            head = None
            while head is None:
                data = yield Receive(connection, budget.read_wait(doing))
                if not data:
                    if reused and parser.received == 0:
                        raise _StaleConnection
                    raise parser.eof_error()
                head = parser.feed(data)
            return self.response_class(connection, head, request, budget, pool, where, parser.rest)
        except IOFailure as failure:
            connection.close()
            if reused and failure.peer_closed and parser.received == 0:
                raise _StaleConnection from None
            raise budget.failed(failure, "idle", doing) from None
        except APITimeoutError:
            connection.close()
            raise
        except APIConnectionError as exc:  # the head or its framing cannot be read
            connection.close()
            raise APIConnectionError(f"{doing}: {exc.message}") from None
        except BaseException:
            connection.close()
            raise


class _StaleConnection(Exception):
    """A kept-alive connection was closed or reset by the peer before a byte of the answer came."""


# -- response bodies ------------------------------------------------------------


class ResponseCore:
    """A response whose head has arrived: status, headers, and its body as flows
    (``read1_flow``, ``read_flow``, ``drain_flow``, ``pieces_flow``); the transport's
    ``Response`` and ``AsyncResponse`` run them.

    The connection goes back to the pool the moment the body's last byte is framed (when
    the server allows keep-alive); ``close()`` before that closes it.  Attributes:
    ``status_code``, ``reason``, ``headers`` (:class:`~sse_pplx._http.Headers`),
    ``http_version``, ``url``, ``request``, ``content`` (the body ``read_all`` read).
    """

    content: bytes
    http_version: str
    reason: str
    status_code: int
    url: str

    def __init__(
        self,
        connection: Any,
        head: ResponseHead,
        request: Request,
        budget: Budget,
        pool: Optional[Pool],
        where: str,
        initial: bytes,
    ) -> None:
        self.status_code = head.status_code
        self.reason = head.reason
        self.headers: Headers = head.headers
        self.http_version = head.http_version
        self.url = request.url
        self.request = request
        self.content = b""
        self._connection = connection
        self._budget = budget
        self._pool = pool
        self.where = where
        self._doing = f"reading the response from {where}"
        self._initial = initial
        self._eof = False
        self._flushed = False
        self._closed = False
        self._released = False
        self._framing = BodyFraming(head.status_code, request.method, head)
        self._decoder: Optional[ContentDecoder] = content_decoder(head.headers)
        if self._framing.done:
            self._finish()

    # -- what the head says -----------------------------------------------------

    @property
    def content_type(self) -> str:
        """The media type's essence, lower case, without parameters (``"text/event-stream"``),
        as the Fetch standard extracts it; ``""`` when there is no valid one."""
        media_type = extract_media_type(self.headers)
        return "" if media_type is None else media_type.essence

    @property
    def charset(self) -> Optional[str]:
        media_type = extract_media_type(self.headers)
        return None if media_type is None else media_type.charset

    @property
    def text(self) -> str:
        """The body read by ``read()``, decoded with the declared charset (UTF-8 by default)."""
        try:
            return self.content.decode(self.charset or "utf-8", "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        """The body read by ``read()`` (for an error response: the start of its body the error
        read, up to 1 MiB) decoded as JSON, like httpx's ``Response.json()``.

        Raises:
            InvalidJSONError: the body is not JSON (a ``ValueError``, like httpx's
                ``json.JSONDecodeError``).
        """
        import json

        try:
            return json.loads(self.content)
        except (ValueError, RecursionError) as exc:
            raise InvalidJSONError(self.text, str(exc), "the response body") from exc

    @property
    def is_closed(self) -> bool:
        return self._closed

    # -- the body, as flows -------------------------------------------------------

    def read1_flow(self) -> Flow[bytes]:
        """The next bytes of the body, as soon as any have arrived; ``b""`` at its end."""
        if self._decoder is None:
            # Not a generator of its own: the raw flow is handed over, so that a stream waiting
            # for its next event holds one generator frame fewer (264 bytes under tracemalloc) and
            # each read passes through one ``yield from`` fewer (bench_scale.py, issue 17).
            return self._read_raw()
        return self._read_decoded()

    def _read_decoded(self) -> Flow[bytes]:
        decoder = self._decoder
        assert decoder is not None
        while True:
            if decoder.pending:  # a compressed bomb is decoded a bounded piece at a time
                data = self._decoded(b"", final=False)
            elif not self._eof:
                raw = yield from self._read_raw()
                data = self._decoded(raw, final=False) if raw else b""
            elif not self._flushed:
                self._flushed = True
                data = self._decoded(b"", final=True)
            else:
                return b""
            if data:
                return data

    def _read_raw(self) -> Flow[bytes]:
        """The next body bytes, deframed (``b""``: the body is over)."""
        framing = self._framing
        while not self._eof:
            if self._closed:
                raise APIConnectionError(f"{self._doing}: the response was closed")
            data, self._initial = self._initial, b""
            if not data and framing.error is None:  # (a framing error after good bytes is raised first)
                try:
                    data = yield Receive(self._connection, self._budget.read_wait(self._doing))
                except IOFailure as failure:
                    self._abort()
                    raise self._budget.failed(failure, "idle", self._doing) from None
                except BaseException:  # a deadline, a cancellation: the socket goes with it
                    self._abort()
                    raise
            try:
                if data or framing.error is not None:
                    body = framing.feed(data)
                else:
                    framing.eof()
                    body = b""
            except APIConnectionError as exc:
                self._abort()
                raise APIConnectionError(f"{self._doing}: {exc.message}") from None
            if framing.done:
                self._finish()
            if body:
                return body
        return b""

    def _decoded(self, data: bytes, final: bool) -> bytes:
        """Content-decode raw body bytes (``final``: the raw body is over, flush the decoder)."""
        decoder = self._decoder
        assert decoder is not None
        try:
            return decoder.flush() if final else decoder.decode(data)
        except APIConnectionError as exc:
            self._abort()
            raise APIConnectionError(f"{self._doing}: {exc.message}") from None

    def read_flow(self, limit: int = MAX_BODY_BYTES) -> Flow[bytes]:
        """The whole body (at most ``limit`` bytes; more is an error), kept in ``content``."""
        parts = []
        size = 0
        try:
            while True:
                data = yield from self.read1_flow()
                if not data:
                    break
                size += len(data)
                if size > limit:
                    raise APIConnectionError(f"{self._doing}: the body is larger than {limit} bytes")
                parts.append(data)
        finally:
            self.close()
        self.content = b"".join(parts)
        return self.content

    def drain_flow(self, grace: float = DRAIN_GRACE, limit: int = DRAIN_LIMIT) -> Flow[bool]:
        """The caller has what it wanted (``[DONE]`` came): read the rest of the body for at most
        ``grace`` seconds and ``limit`` bytes, so that the connection can be reused; otherwise
        close it.  Never raises; True when the connection went back to the pool."""
        seen = 0
        ends = time.monotonic() + grace
        try:
            while not self._eof and not self._closed and seen <= limit:
                left = ends - time.monotonic()
                if left <= 0:
                    break
                data, self._initial = self._initial, b""
                if not data:
                    data = yield Receive(self._connection, left)
                seen += len(data)
                if data or self._framing.error is not None:
                    self._framing.feed(data)
                else:
                    self._framing.eof()
                if self._framing.done:
                    self._finish()
        except (IOFailure, APIConnectionError):
            pass
        reused = self._eof and not self._closed
        self.close()
        return reused

    def pieces_flow(self) -> Flow[None]:
        """Emits every piece of the body as it arrives; the response is closed at the end or when left."""
        try:
            while True:
                data = yield from self.read1_flow()
                if not data:
                    return
                yield Emit((data,))
        finally:
            self.close()

    # -- the connection -------------------------------------------------------------

    def _finish(self) -> None:
        """The body is complete: the connection goes back to the pool if it can."""
        self._eof = True
        if self._released:
            return
        self._released = True
        connection, self._connection = self._connection, None
        if self._pool is not None and self._framing.keep_alive and connection.reusable():
            self._pool.put(self.request.origin, connection)
        else:
            connection.close()

    def _abort(self) -> None:
        self._closed = True
        self._released = True
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def close(self) -> None:
        """Close the connection now (unless the body was read to its end and it went back to the pool)."""
        if self._closed:
            return
        self._closed = True
        if not self._eof:
            self._abort()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code} {self.reason}] {self.url}>"
