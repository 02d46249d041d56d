"""Flows: decisions written once, as generators that yield the operations they need done.

A flow (opening an HTTP exchange, reading a body, retrying a request, reading a chat
stream, reconnecting an EventSource) never does I/O itself.  It yields one of the
named operations below and is resumed with the result; a failed operation is thrown
into it as :class:`IOFailure`, so the flow decides what the failure means (and closes
what it opened) in one place.  Two drivers in :mod:`~sse_pplx.transport` run flows:
a blocking one on sockets and an asyncio one; that is the only difference between the
sync and the async client (the sans-I/O pattern of h11, applied to control flow).

Flows compose with ``yield from``: a retry flow runs the exchange flow, which runs
the connection flow; the driver sees only the operations at the bottom.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Generator, Iterable, Optional, TypeVar

    _T = TypeVar("_T")
    #: A flow yields operations, is sent their results and returns its answer.
    Flow = Generator["Operation", Any, _T]

__all__ = [
    "Dial",
    "Emit",
    "FlowStep",
    "Handshake",
    "IOFailure",
    "Operation",
    "Receive",
    "Send",
    "Sleep",
    "without_emits",
]


class Operation:
    """Something a flow needs done by its driver."""

    __slots__ = ()

    def __repr__(self) -> str:
        names: Iterable[str] = getattr(type(self), "__slots__", ())
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{type(self).__name__}({fields})"


class Dial(Operation):
    """Open a TCP connection to ``host:port`` within ``timeout`` seconds; the result is the
    driver's connection object (it has a ``close()`` that never raises)."""

    __slots__ = ("host", "port", "timeout")

    def __init__(self, host: str, port: int, timeout: Optional[float]) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout


class Handshake(Operation):
    """Finish setting ``connection`` up for HTTP: with ``tls`` (an ``ssl.SSLContext``), the TLS
    handshake for ``server_name``; the result is the connection to use from then on."""

    __slots__ = ("connection", "server_name", "timeout", "tls")

    def __init__(self, connection: Any, tls: Any, server_name: str, timeout: Optional[float]) -> None:
        self.connection = connection
        self.tls = tls
        self.server_name = server_name
        self.timeout = timeout


class Send(Operation):
    """Write all of ``data`` to ``connection``."""

    __slots__ = ("connection", "data", "timeout")

    def __init__(self, connection: Any, data: bytes, timeout: Optional[float]) -> None:
        self.connection = connection
        self.data = data
        self.timeout = timeout


class Receive(Operation):
    """The next bytes that arrive on ``connection`` (``b""``: the peer closed it), waiting at
    most ``timeout`` seconds for the first of them."""

    __slots__ = ("connection", "timeout")

    def __init__(self, connection: Any, timeout: Optional[float]) -> None:
        self.connection = connection
        self.timeout = timeout


class Sleep(Operation):
    """Wait ``seconds`` (a retry's backoff, an EventSource's reconnection time)."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds


class Emit(Operation):
    """Hand ``items`` to the consumer of an iterating driver (events, chunks), lazily: an
    error raised while they are produced is thrown back into the flow at this point."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


class IOFailure(Exception):
    """An operation failed: what the driver saw, in words (``reason``), and how.

    Attributes:
        cause: the exception the socket, TLS or event-loop layer raised.
        reason: a readable account ("connection refused", "TLS certificate verification failed: ...").
        timed_out: the operation's timeout ran out.
        peer_closed: the peer reset or closed the connection (a kept-alive connection the
            server dropped meanwhile fails this way, and is worth one fresh try).
    """

    def __init__(self, cause: BaseException, reason: str, *, timed_out: bool = False, peer_closed: bool = False):
        super().__init__(reason)
        self.cause = cause
        self.reason = reason
        self.timed_out = timed_out
        self.peer_closed = peer_closed


class FlowStep:
    """Steps a flow for a driver: ``send`` a result (or ``throw`` an error) in, get the next
    operation out, or None once the flow has returned (its answer is then ``result``).
    The flow is closed when it ends; ``close()`` stops it early (its ``finally`` runs)."""

    __slots__ = ("_flow", "result")

    def __init__(self, flow: Flow[Any]) -> None:
        self._flow = flow
        self.result: Any = None

    def send(self, value: Any) -> Optional[Operation]:
        try:
            return self._flow.send(value)
        except StopIteration as stop:
            self.result = stop.value
            return None

    def throw(self, error: BaseException) -> Optional[Operation]:
        try:
            return self._flow.throw(error)
        except StopIteration as stop:
            self.result = stop.value
            return None

    def resume(self, error: Optional[BaseException]) -> Optional[Operation]:
        """Go on after an :class:`Emit`: with ``error`` thrown in when producing its items failed."""
        return self.send(None) if error is None else self.throw(error)

    def close(self) -> None:
        self._flow.close()


def without_emits(flow: Flow[_T]) -> Flow[_T]:
    """``flow`` for a caller that wants only its answer: the items of its :class:`Emit`
    operations are produced (and their errors thrown back) here, every other operation is
    passed on to the driver.  (``stream=False`` answered with a stream reads it this way.)"""
    step = FlowStep(flow)
    operation = step.send(None)
    while operation is not None:
        error: Optional[BaseException] = None
        if isinstance(operation, Emit):
            try:
                for _ in operation.items:
                    pass
            except BaseException as exc:
                error = exc
            operation = step.resume(error)
            continue
        try:
            value = yield operation
        except BaseException as exc:
            operation = step.throw(exc)
        else:
            operation = step.send(value)
    return step.result  # type: ignore[no-any-return]
