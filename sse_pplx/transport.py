"""HTTP/1.1 transport: the only library module that does network I/O.

It moves bytes and nothing else.  What to send and what the bytes mean is decided once,
sans-I/O, in :mod:`~sse_pplx._http` (messages) and :mod:`~sse_pplx._exchange` (the
exchange and body flows, the time budgets); the two drivers here perform the
operations those flows yield (:mod:`~sse_pplx._flows`):

* :class:`BlockingDriver`: blocking sockets (``socket``, ``ssl``).  A read is one
  ``recv``: an event reaches the caller as soon as its bytes arrive, never when a
  buffer fills (btubbs/sseclient#8 held events until 1024 bytes had come).
* :class:`AsyncioDriver`: asyncio, never blocking the event loop; a bare non-blocking
  socket until the connection is set up (so ``CONNECT`` works on 3.8), streams after.

The public faces: :class:`Transport` / :class:`AsyncTransport` open requests and return
:class:`Response` / :class:`AsyncResponse`, whose body is read as it arrives.  A response
that is closed, left in a ``with`` block or garbage collected closes its socket.

Every failure leaves as an :class:`~sse_pplx.errors.APIConnectionError` (or
:class:`~sse_pplx.errors.APITimeoutError`) whose message says what failed, never as a
raw ``socket``, ``ssl`` or asyncio exception: the drivers put what they saw into words
(:func:`io_failure`), the flows say what was being done.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import time

from ._exchange import DEFAULT_TIMEOUT, DRAIN_GRACE, DRAIN_LIMIT, ResponseCore, Timeout, TransportCore, as_timeout
from ._flows import Dial, Emit, FlowStep, Handshake, IOFailure, Receive, Send, Sleep
from ._http import MAX_BODY_BYTES, READ_SIZE, Headers, Request, check_header

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import asyncio
    from typing import Any, AsyncIterator, Awaitable, Callable, Dict, Iterator, Optional, TypeVar

    from ._flows import Flow, Operation

    _T = TypeVar("_T")

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncResponse",
    "AsyncTransport",
    "AsyncioDriver",
    "BlockingDriver",
    "Headers",
    "Request",
    "Response",
    "Timeout",
    "Transport",
    "as_timeout",
    "check_header",
]


def io_failure(exc: BaseException) -> BaseException:
    """What a ``socket``, ``ssl`` or asyncio error means, in words (for both drivers): an
    :class:`IOFailure` for the flow to explain; anything else (a cancellation, Ctrl-C) as it is."""
    asyncio = sys.modules.get("asyncio")
    if isinstance(exc, socket.timeout) or (asyncio is not None and isinstance(exc, asyncio.TimeoutError)):
        return IOFailure(exc, "timed out", timed_out=True)
    if not isinstance(exc, (OSError, ValueError)):
        return exc
    if isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionError)) and not isinstance(
        exc, ConnectionRefusedError
    ):
        return IOFailure(exc, "the connection was reset by the peer", peer_closed=True)
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = f"TLS certificate verification failed: {exc.verify_message or exc.reason or exc}"
    elif isinstance(exc, ssl.SSLError):
        reason = f"TLS error: {exc.reason or exc}"
    elif isinstance(exc, socket.gaierror):
        reason = f"could not resolve the host name ({exc.strerror or exc})"
    elif isinstance(exc, ConnectionRefusedError):
        reason = "connection refused"
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
    else:
        reason = f"{type(exc).__name__}: {exc}"
    return IOFailure(exc, reason)


def default_ssl_context(ca_bundle: Optional[str] = None) -> ssl.SSLContext:
    """Verification on, the system trust store (or ``ca_bundle``), TLS 1.2 at least."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _nodelay(sock: socket.socket) -> None:
    # Each event is written as it comes: no Nagle delay (http.client and asyncio set it too).
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


# -- the blocking driver ------------------------------------------------------------


class _SocketConnection:
    """A blocking socket and the timeout last set on it (``settimeout`` costs a system call)."""

    __slots__ = ("sock", "timeout")

    def __init__(self, sock: socket.socket, timeout: Optional[float]) -> None:
        self.sock = sock
        self.timeout = timeout

    def wait(self, timeout: Optional[float]) -> socket.socket:
        if timeout != self.timeout:
            self.sock.settimeout(timeout)
            self.timeout = timeout
        return self.sock

    def reusable(self) -> bool:
        return self.sock.fileno() >= 0

    def close(self) -> None:
        with contextlib.suppress(OSError):  # closing must never raise
            self.sock.close()


class BlockingDriver:
    """Runs flows on blocking sockets: ``run(flow)`` returns what the flow returns,
    ``iterate(flow)`` yields what it emits."""

    def __init__(self) -> None:
        self._perform: Dict[type, Callable[[Any], Any]] = {
            Dial: self._dial,
            Handshake: self._handshake,
            Send: self._send,
            Receive: self._receive,
            Sleep: self._sleep,
        }

    def run(self, flow: Flow[_T]) -> _T:
        """Run ``flow`` to its end, blocking; its return value."""
        step = FlowStep(flow)
        operation = step.send(None)
        while operation is not None:
            operation = self._step(step, operation)
        return step.result  # type: ignore[no-any-return]

    def iterate(self, flow: Flow[Any]) -> Iterator[Any]:
        """Run ``flow``, yielding the items of each ``Emit`` as they come."""
        step = FlowStep(flow)
        try:
            operation = step.send(None)
            while operation is not None:
                if type(operation) is not Emit:
                    operation = self._step(step, operation)
                    continue
                error = None
                try:
                    yield from operation.items
                except Exception as exc:  # the flow decides what it means
                    error = exc
                operation = step.resume(error)
        finally:
            step.close()

    def _step(self, step: FlowStep, operation: Operation) -> Optional[Operation]:
        try:
            result = self._perform[type(operation)](operation)
        except BaseException as exc:
            return step.throw(io_failure(exc))
        return step.send(result)

    @staticmethod
    def _dial(operation: Dial) -> _SocketConnection:
        sock = socket.create_connection((operation.host, operation.port), operation.timeout)
        _nodelay(sock)
        return _SocketConnection(sock, operation.timeout)

    @staticmethod
    def _handshake(operation: Handshake) -> _SocketConnection:
        connection: _SocketConnection = operation.connection
        if operation.tls is not None:
            sock = connection.wait(operation.timeout)
            connection.sock = operation.tls.wrap_socket(sock, server_hostname=operation.server_name)
        return connection

    @staticmethod
    def _send(operation: Send) -> None:
        operation.connection.wait(operation.timeout).sendall(operation.data)

    @staticmethod
    def _receive(operation: Receive) -> bytes:
        return operation.connection.wait(operation.timeout).recv(READ_SIZE)  # type: ignore[no-any-return]

    @staticmethod
    def _sleep(operation: Sleep) -> None:
        time.sleep(operation.seconds)


# -- the asyncio driver -------------------------------------------------------------


async def _within(awaitable: Awaitable[_T], timeout: Optional[float], watchdog: Optional[_Watchdog] = None) -> _T:
    """``await awaitable``, raising ``asyncio.TimeoutError`` after ``timeout`` seconds.

    Not ``asyncio.wait_for``: up to Python 3.11 it can swallow a cancellation of the caller
    that comes as the inner await completes (bpo-42130, seen here on 3.8: a cancelled
    consumer went on reading until the idle timeout).  Here a timer cancels the current task
    itself, as ``asyncio.timeout`` does on 3.11, and no extra task is created per read.  The
    timer is ``watchdog``'s when given (a connection's, reused by its reads), else one for
    this wait.
    """
    import asyncio

    if timeout is None:
        return await awaitable
    task = asyncio.current_task()
    assert task is not None
    own = watchdog is None
    if watchdog is None:
        watchdog = _Watchdog(asyncio.get_running_loop())
    watchdog.arm(task, timeout)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if watchdog.fired:
            raise watchdog.timed_out(task) from None
        raise
    finally:
        if own:
            watchdog.close()
        else:
            watchdog.task = None


class _Watchdog:
    """The timer of :func:`_within`; for a connection's reads, one timer per connection, moved lazily.

    A body is read in many small reads; a fresh timer per read costs a ``TimerHandle``,
    a heap push and a cancelled handle left in the loop's heap, per read.  Here a read only
    records its deadline; the one timer, when it fires, cancels the waiting task if that
    deadline has passed and otherwise re-arms itself for it, so a stream whose chunks come
    within the timeout sets one timer in all.  (bench_scale.py, N = 1,000 streams at 20 ms:
    see benchmarks/README.md, "Scale", for the CPU per event before and after.)
    """

    __slots__ = ("deadline", "fired", "handle", "loop", "task")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.handle: Optional[asyncio.TimerHandle] = None
        self.deadline = 0.0
        self.task: Optional[asyncio.Task[Any]] = None
        self.fired = False

    def arm(self, task: asyncio.Task[Any], timeout: float) -> None:
        """A read by ``task`` begins: it may wait ``timeout`` seconds."""
        self.task = task
        self.fired = False
        deadline = self.deadline = self.loop.time() + max(timeout, 0.0)
        handle = self.handle
        if handle is None or handle.when() > deadline:  # none yet, or this deadline is sooner
            if handle is not None:
                handle.cancel()
            self.handle = self.loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        self.handle = None
        task = self.task
        if task is None:
            return  # no read is waiting: the next one sets the timer again
        if self.loop.time() >= self.deadline:
            self.fired = True
            task.cancel()
        else:
            self.handle = self.loop.call_at(self.deadline, self._expire)

    def timed_out(self, task: asyncio.Task[Any]) -> BaseException:
        """This timer cancelled ``task``'s wait (``fired``): take its cancel request back
        (``uncancel``, 3.11+) and say it as the timeout it was."""
        import asyncio

        uncancel = getattr(task, "uncancel", None)  # 3.11+: undo our own cancel request's count
        if uncancel is not None:
            uncancel()
        return asyncio.TimeoutError()

    def close(self) -> None:
        self.task = None
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None


class _StreamConnection:
    """An asyncio connection: a bare non-blocking socket while it is set up (TCP, ``CONNECT``),
    then asyncio streams (with TLS when asked for)."""

    __slots__ = ("reader", "sock", "watchdog", "writer")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader: Optional[asyncio.StreamReader] = None
        self.writer: Optional[asyncio.StreamWriter] = None
        self.watchdog: Optional[_Watchdog] = None

    def reusable(self) -> bool:
        return self.reader is not None and not self.reader.at_eof()

    def timer(self) -> _Watchdog:
        """The connection's one lazy idle timer, made at its first read (on the running loop)."""
        if self.watchdog is None:
            import asyncio

            self.watchdog = _Watchdog(asyncio.get_running_loop())
        return self.watchdog

    def close(self) -> None:
        if self.watchdog is not None:
            self.watchdog.close()
        try:
            if self.writer is not None:
                self.writer.transport.abort()
            else:
                self.sock.close()
        except Exception:  # pragma: no cover - the event loop may be gone already
            pass


class AsyncioDriver:
    """Runs flows on asyncio: ``await run(flow)``, ``async for item in iterate(flow)``."""

    def __init__(self) -> None:
        self._perform: Dict[type, Callable[[Any], Awaitable[Any]]] = {
            Dial: self._dial,
            Handshake: self._handshake,
            Send: self._send,
            Receive: self._receive,
            Sleep: self._sleep,
        }

    async def run(self, flow: Flow[_T]) -> _T:
        """Run ``flow`` to its end on the running event loop; its return value."""
        step = FlowStep(flow)
        operation = step.send(None)
        while operation is not None:
            operation = await self._step(step, operation)
        return step.result  # type: ignore[no-any-return]

    async def iterate(self, flow: Flow[Any]) -> AsyncIterator[Any]:
        """Run ``flow``, yielding the items of each ``Emit`` as they come."""
        import asyncio

        step = FlowStep(flow)
        try:
            operation = step.send(None)
            while operation is not None:
                if type(operation) is Receive and operation.timeout is not None:
                    connection: _StreamConnection = operation.connection
                    reader = connection.reader
                    if reader is not None:
                        # A body's read, the one operation per event: what _receive and _within
                        # do, inlined, so that a read makes three coroutines fewer
                        # (callgrind_async.py: 229.9k -> 224.5k instructions per event) and a
                        # waiting stream holds fewer frames (tracemalloc: ~0.2 KB per open stream).
                        watchdog = connection.watchdog or connection.timer()  # no call once made
                        task = asyncio.current_task()  # per read: a stream may be read by several tasks
                        assert task is not None
                        watchdog.arm(task, operation.timeout)
                        try:
                            data = await reader.read(READ_SIZE)
                        except BaseException as exc:
                            watchdog.task = None
                            if watchdog.fired and isinstance(exc, asyncio.CancelledError):
                                exc = watchdog.timed_out(task)
                            operation = step.throw(io_failure(exc))
                            continue
                        watchdog.task = None
                        operation = step.send(data)
                        del data  # not held while the events are handed out and the next read waits
                        continue
                if type(operation) is not Emit:
                    operation = await self._step(step, operation)
                    continue
                error = None
                try:
                    for item in operation.items:
                        yield item
                except Exception as exc:  # the flow decides what it means
                    error = exc
                operation = step.resume(error)
        finally:
            step.close()

    async def _step(self, step: FlowStep, operation: Operation) -> Optional[Operation]:
        try:
            result = await self._perform[type(operation)](operation)
        except BaseException as exc:
            return step.throw(io_failure(exc))
        return step.send(result)

    @staticmethod
    async def _dial(operation: Dial) -> _StreamConnection:
        return await _within(_open_socket(operation.host, operation.port), operation.timeout)

    @staticmethod
    async def _handshake(operation: Handshake) -> _StreamConnection:
        import asyncio

        connection: _StreamConnection = operation.connection
        server_name = operation.server_name if operation.tls is not None else None
        opening = asyncio.open_connection(sock=connection.sock, ssl=operation.tls, server_hostname=server_name)
        connection.reader, connection.writer = await _within(opening, operation.timeout)
        return connection

    @staticmethod
    async def _send(operation: Send) -> None:
        import asyncio

        connection: _StreamConnection = operation.connection
        if connection.writer is None:
            sending = asyncio.get_running_loop().sock_sendall(connection.sock, operation.data)
            await _within(sending, operation.timeout)
        else:
            connection.writer.write(operation.data)
            await _within(connection.writer.drain(), operation.timeout)

    @staticmethod
    async def _receive(operation: Receive) -> bytes:
        import asyncio

        connection: _StreamConnection = operation.connection
        reader = connection.reader
        if reader is None:
            receiving = asyncio.get_running_loop().sock_recv(connection.sock, READ_SIZE)
            return await _within(receiving, operation.timeout)
        return await _within(reader.read(READ_SIZE), operation.timeout, connection.timer())

    @staticmethod
    async def _sleep(operation: Sleep) -> None:
        import asyncio

        await asyncio.sleep(operation.seconds)


async def _open_socket(host: str, port: int) -> _StreamConnection:
    """A connected non-blocking socket: each address in turn, as ``socket.create_connection`` does."""
    import asyncio

    loop = asyncio.get_running_loop()
    error: Optional[BaseException] = None
    addresses = _numeric_address(host, port) or await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
        except OSError as exc:
            sock.close()
            error = exc
            continue
        except BaseException:
            sock.close()
            raise
        _nodelay(sock)
        return _StreamConnection(sock)
    raise error if error is not None else OSError(f"no address found for {host}")


def _numeric_address(host: str, port: int) -> Any:
    """An IP literal needs no resolver: ``loop.getaddrinfo`` would run one in a worker thread
    (asyncio's own ``create_connection`` skips it the same way)."""
    for family, address in ((socket.AF_INET, (host, port)), (socket.AF_INET6, (host, port, 0, 0))):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", address)]
    return None


BLOCKING = BlockingDriver()
ASYNCIO = AsyncioDriver()


# -- the public faces -------------------------------------------------------------


class Response(ResponseCore):
    """A sync response whose body is read as it arrives.

    ``read1()`` returns the next bytes that have arrived (``b""`` at the end of the body);
    ``iter_bytes()`` loops over it; ``read()`` reads everything (bounded).  ``close()`` (or
    leaving a ``with`` block, or garbage collection) closes the socket unless the body was
    read to its end and the connection can be reused.  Status and headers: see
    :class:`~sse_pplx._exchange.ResponseCore`.
    """

    def read1(self) -> bytes:
        """The next bytes of the body, as soon as any have arrived; ``b""`` at its end.

        Raises:
            APITimeoutError: no byte for the idle timeout, or the deadline passed.
            APIConnectionError: the connection broke (the body was not complete).
        """
        return BLOCKING.run(self.read1_flow())

    def read(self, limit: int = MAX_BODY_BYTES) -> bytes:
        """The whole body (at most ``limit`` bytes; more is an error), kept in ``.content``."""
        return BLOCKING.run(self.read_flow(limit))

    def drain(self, grace: float = DRAIN_GRACE, limit: int = DRAIN_LIMIT) -> bool:
        """Read the rest of the body for at most ``grace`` seconds and ``limit`` bytes, so that the
        connection can be reused; otherwise close it.  Never raises; True when it was reused."""
        return BLOCKING.run(self.drain_flow(grace, limit))

    def iter_bytes(self) -> Iterator[bytes]:
        """Every piece of the body as it arrives; the response is closed when the loop ends or is left."""
        return BLOCKING.iterate(self.pieces_flow())

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncResponse(ResponseCore):
    """The asyncio face of a response: ``await read1()``, ``async for`` over ``aiter_bytes()``,
    ``await read()``, ``await aclose()``."""

    async def read1(self) -> bytes:
        """The next bytes of the body as soon as any have arrived; ``b""`` at its end."""
        return await ASYNCIO.run(self.read1_flow())

    async def read(self, limit: int = MAX_BODY_BYTES) -> bytes:
        """The whole body (at most ``limit`` bytes), kept in ``.content``."""
        return await ASYNCIO.run(self.read_flow(limit))

    async def drain(self, grace: float = DRAIN_GRACE, limit: int = DRAIN_LIMIT) -> bool:
        """As :meth:`Response.drain`."""
        return await ASYNCIO.run(self.drain_flow(grace, limit))

    def aiter_bytes(self) -> AsyncIterator[bytes]:
        """Every piece of the body as it arrives; the response is closed when the loop ends or is left."""
        return ASYNCIO.iterate(self.pieces_flow())

    async def aclose(self) -> None:
        """Close the socket now (unless the body was read to its end and the connection can be reused)."""
        self.close()

    async def __aenter__(self) -> AsyncResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()


class Transport:
    """Sync HTTP/1.1 on blocking sockets: opens requests and returns streaming :class:`Response` objects.

    Takes :class:`~sse_pplx._exchange.TransportCore`'s keyword options: ``ssl_context``,
    ``ca_bundle``, ``proxy``, ``trust_env``, ``max_redirects``, ``keep_alive``.
    """

    core: TransportCore[Response]

    driver = BLOCKING

    def __init__(self, **options: Any) -> None:
        self.core = TransportCore(response_class=Response, default_tls=default_ssl_context, **options)

    def open(self, request: Request, timeout: Timeout = DEFAULT_TIMEOUT) -> Response:
        """Send ``request`` and return the response once its head has arrived (any status).

        Raises:
            APITimeoutError: connecting took longer than ``timeout.connect``, or the
                head did not come within ``timeout.read``, or the deadline passed.
            APIConnectionError: anything else that went wrong before a response.
        """
        return BLOCKING.run(self.core.open(request, as_timeout(timeout)))

    def close(self) -> None:
        """Close the idle keep-alive connections."""
        self.core.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.core.close()


class AsyncTransport:
    """The asyncio face of :class:`Transport` (same options, same decisions)."""

    core: TransportCore[AsyncResponse]

    driver = ASYNCIO

    def __init__(self, **options: Any) -> None:
        self.core = TransportCore(response_class=AsyncResponse, default_tls=default_ssl_context, **options)

    async def open(self, request: Request, timeout: Timeout = DEFAULT_TIMEOUT) -> AsyncResponse:
        """Send ``request``; return the response once its head has arrived (any status)."""
        return await ASYNCIO.run(self.core.open(request, as_timeout(timeout)))

    async def aclose(self) -> None:
        """Close the idle keep-alive connections."""
        self.core.close()

    def close(self) -> None:
        """Close idle kept-alive connections."""
        self.core.close()

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.core.close()
