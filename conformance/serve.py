"""Replay fixtures over HTTP on 127.0.0.1, with faults on demand (standard library only).

Command line (``python -m conformance serve --help``)::

    python -m conformance serve FIXTURE [--port 0] [--host 127.0.0.1] [--speed 1.0 | --fast]
                                        [--fault NAME[=ARG] ...] [--status N] [-H 'Name: value'] [--once]
                                        [--tls-cert PEM [--tls-key PEM]] [--raw] [--quiet] [--list-faults]

The first line on stdout is the server's URL.  Any method and any path get the
stream, so ``POST /chat/completions`` works for chat clients.  The body is
``text/event-stream`` in chunked transfer encoding; each recorded chunk is one
TCP write (``TCP_NODELAY``), sent after its recorded delay divided by
``--speed`` (``--fast``: no delays).  Without recorded chunks, each event block
is one write.  Faults: :mod:`conformance.faults` and ``README-serve.md``.

In tests::

    from conformance.serve import ReplayServer, Reply, Script

    with ReplayServer(b"data: hi\\n\\n", faults=["reset-mid-event=1"]) as server:
        ...  # connect to server.url
    server.requests[0].headers["Authorization"]

    script = Script(Reply(faults=["rate-limit=0.1"]), Reply(fixture))   # a 429, then the stream
    with ReplayServer(script) as server:
        ...

Every connection has its own thread; :meth:`ReplayServer.close` (or leaving
the ``with`` block) wakes every pause, closes every socket and joins every
thread, so nothing outlives the server.  An exception raised while building a
response is re-raised by ``close()``.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import math
import os
import select
import socket
import ssl
import struct
import sys
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .faults import (
    INF,
    Fault,
    FaultLike,
    GzipEncoder,
    Plan,
    Segment,
    apply_faults,
    describe_faults,
    event_spans,
    parse_fault,
)

__all__ = ["Exchange", "ReplayServer", "Reply", "Request", "Script", "load", "main"]

#: Response headers of a recording that describe its transfer, not its content: never replayed.
_TRANSFER_HEADERS = frozenset(
    ("transfer-encoding", "content-length", "connection", "keep-alive", "content-encoding", "date", "trailer")
)
_MAX_HEAD = 65536
#: An exchange keeps at most this many bytes of its writes (an endless body would fill memory).
LOG_LIMIT = 1 << 20


class Request:
    """One request as the server received it.

    Attributes:
        method, target (path and query as sent), path (without the query), version.
        headers: an :class:`http.client.HTTPMessage` (case-insensitive ``get``).
        body: the request body (chunked bodies decoded).
        connection: the index of the TCP connection it came on (0-based).
        time: ``time.monotonic()`` when its head was complete.
    """

    __slots__ = ("body", "connection", "headers", "method", "path", "target", "time", "version")

    def __init__(
        self, method: str, target: str, version: str, headers: http.client.HTTPMessage, body: bytes, connection: int
    ) -> None:
        self.method = method
        self.target = target
        self.path = target.split("?", 1)[0]
        self.version = version
        self.headers = headers
        self.body = body
        self.connection = connection
        self.time = time.monotonic()

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def keep_alive(self) -> bool:
        tokens = [t.strip().lower() for t in (self.headers.get("Connection") or "").split(",")]
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.target} ({len(self.body)} body bytes, connection {self.connection})>"


class Exchange:
    """What the server sent for one request.

    Attributes:
        request: the :class:`Request`.
        plan: the :class:`~conformance.faults.Plan` it followed (status, headers, faults applied).
        writes: ``[(time.monotonic(), bytes)]``: every ``send``, framing and head included
            (the first :data:`LOG_LIMIT` bytes' worth).
        body_writes: the body bytes of each write, before encoding and framing (same limit).
        body_bytes: how many body bytes were written in all.
        outcome: ``"complete"``, ``"reset"``, ``"closed"`` (FIN before the end of
            the body), ``"bad-chunk"``, ``"disconnected"`` (no response), ``"client-gone"``
            or ``"shutdown"`` (the server closed first); None while it runs.
    """

    __slots__ = ("_logged", "body_bytes", "body_writes", "outcome", "plan", "request", "writes")

    def __init__(self, request: Request, plan: Plan) -> None:
        self.request = request
        self.plan = plan
        self.writes: List[Tuple[float, bytes]] = []
        self.body_writes: List[bytes] = []
        self.body_bytes = 0
        self.outcome: Optional[str] = None
        self._logged = 0

    @property
    def status(self) -> int:
        return self.plan.status

    @property
    def body(self) -> bytes:
        return b"".join(self.body_writes)

    @property
    def raw(self) -> bytes:
        return b"".join(data for _, data in self.writes)

    def __repr__(self) -> str:
        return f"<Exchange {self.request.method} {self.request.target} -> {self.status} {self.outcome}>"


# -- what to send ------------------------------------------------------------------


def load(path: Any) -> Any:
    """Load a fixture file with :func:`conformance.fixture.load_fixture`."""
    from .fixture import load_fixture

    return load_fixture(path)


def _event_chunks(data: bytes) -> List[int]:
    """One write per event block (the default when nothing was recorded)."""
    bounds = [span.stop for span in event_spans(data) if span.blank is not None]
    sizes, prev = [], 0
    for stop in [*bounds, len(data)]:
        if stop > prev:
            sizes.append(stop - prev)
            prev = stop
    return sizes


class Reply:
    """One response: stream bytes (or a fixture), recorded chunking and delays, status, headers, faults.

    Args:
        data: the stream as ``bytes``; a fixture object (anything with ``data``,
            ``chunks``, ``delays_ms``, ``headers``); or the path of a fixture
            file (``str`` or ``os.PathLike``).  A fixture brings its recorded chunks, delays,
            headers and (``provenance.status``) status, which the arguments override.
        chunks: write sizes (sum = ``len(data)``); default: one write per event.
        delays_ms: the delay before each write, in ms (as many as ``chunks``).
        status: the status code (default 200); ``reason`` the phrase.
        headers: extra response headers (a dict or pairs); they replace any of the same name.
        faults: fault specs (``"reset-mid-event=2"``) or :class:`~conformance.faults.Fault` objects.
        speed: divides the recorded delays (``math.inf`` = none); None = the server's.
        content_type: default ``text/event-stream`` (or the fixture's).

    The faults are applied once here, so a fault that does not fit the stream
    (``no-done`` on a stream without ``[DONE]``) raises
    :class:`~conformance.faults.FaultError` at once.
    """

    def __init__(
        self,
        data: Any = b"",
        *,
        chunks: Optional[Sequence[int]] = None,
        delays_ms: Optional[Sequence[float]] = None,
        status: Optional[int] = None,
        reason: Optional[str] = None,
        headers: Union[Dict[str, str], Iterable[Tuple[str, str]], None] = None,
        faults: Iterable[FaultLike] = (),
        speed: Optional[float] = None,
        content_type: Optional[str] = None,
    ) -> None:
        recorded: Dict[str, str] = {}
        if isinstance(data, (str, os.PathLike)):
            data = load(data)
        if not isinstance(data, (bytes, bytearray)):
            fixture = data
            data = bytes(fixture.data)
            chunks = chunks if chunks is not None else getattr(fixture, "chunks", None)
            if delays_ms is None and chunks is getattr(fixture, "chunks", None):
                delays_ms = getattr(fixture, "delays_ms", None)
            recorded = dict(getattr(fixture, "headers", None) or {})
            provenance = getattr(fixture, "provenance", None) or {}
            if status is None and isinstance(provenance.get("status"), int):
                status = provenance["status"]
        self.data = bytes(data)
        if chunks is not None and sum(chunks) != len(self.data):
            raise ValueError(f"chunks add up to {sum(chunks)}, the data has {len(self.data)} bytes")
        if delays_ms is not None and (chunks is None or len(delays_ms) != len(chunks)):
            raise ValueError("delays_ms needs chunks, one delay per chunk")
        self.chunks = list(chunks) if chunks is not None else _event_chunks(self.data)
        self.delays_ms = list(delays_ms) if delays_ms is not None else None
        self.status = 200 if status is None else status
        self.reason = reason
        pairs = headers.items() if isinstance(headers, dict) else (headers or ())
        self.headers: List[Tuple[str, str]] = [(str(k), str(v)) for k, v in pairs]
        self.recorded_headers = [(k, v) for k, v in recorded.items() if k.lower() not in _TRANSFER_HEADERS]
        self.faults: List[Fault] = [parse_fault(f) for f in faults]
        if speed is not None and not speed > 0:
            raise ValueError("speed must be > 0 (math.inf: no delays)")
        self.speed = speed
        self.content_type = content_type
        self.plan(None)  # fail now, not in a server thread

    def plan(self, request: Optional[Request], speed: float = 1.0) -> Plan:
        """The :class:`~conformance.faults.Plan` for one request."""
        speed = self.speed if self.speed is not None else speed
        segments, pos = [], 0
        for i, size in enumerate(self.chunks):
            delay = self.delays_ms[i] / 1000.0 / speed if self.delays_ms and speed != INF else 0.0
            segments.append(Segment(self.data[pos : pos + size], delay))
            pos += size
        plan = Plan(segments=segments, status=self.status)
        plan.reason = self.reason
        recorded_type = next((v for k, v in self.recorded_headers if k.lower() == "content-type"), None)
        plan.headers = [("Content-Type", self.content_type or recorded_type or "text/event-stream")]
        plan.headers += [(k, v) for k, v in self.recorded_headers if k.lower() != "content-type"]
        if plan.status in (204, 304) or 100 <= plan.status < 200:
            plan.framing = "none"
        apply_faults(plan, self.faults, request)
        for name, value in self.headers:
            plan.set_header(name, value)
        return plan

    def __repr__(self) -> str:
        faults = ", ".join(f.name for f in self.faults)
        return f"<Reply {self.status} {len(self.data)} bytes in {len(self.chunks)} writes [{faults}]>"


def as_reply(value: Any) -> Reply:
    return value if isinstance(value, Reply) else Reply(value)


class Script:
    """Successive requests get successive replies (e.g. a 503, then the stream).

    After the last, the last one is repeated (``cycle=True``: start again).
    Any item :class:`Reply` accepts as ``data`` may stand for ``Reply(item)``.
    ``Script`` is a handler: a callable from :class:`Request` to :class:`Reply`;
    any such callable can be given to :class:`ReplayServer` (e.g. to resume
    after the request's ``Last-Event-ID``).
    """

    def __init__(self, *replies: Any, cycle: bool = False) -> None:
        if not replies:
            raise ValueError("a script needs at least one reply")
        self.replies = [as_reply(r) for r in replies]
        self.cycle = cycle
        self._next = 0
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Reply:
        with self._lock:
            index = self._next
            self._next += 1
        if self.cycle:
            return self.replies[index % len(self.replies)]
        return self.replies[min(index, len(self.replies) - 1)]


# -- the server ----------------------------------------------------------------------


class _Stop(Exception):
    """The server is closing."""


class _Reader:
    """Reads requests from one connection, waking up when the server closes."""

    def __init__(self, sock: socket.socket, wake: socket.socket) -> None:
        self.sock = sock
        self.wake = wake
        self.buf = bytearray()

    def _fill(self) -> bool:
        pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()
        ready, _, _ = select.select([self.sock, self.wake], [], [], 0 if pending else None)
        if self.wake in ready:
            raise _Stop
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            if len(self.buf) > _MAX_HEAD or not self._fill():
                raise ConnectionError("incomplete request")
        i = self.buf.index(b"\r\n")
        line = bytes(self.buf[:i])
        del self.buf[: i + 2]
        return line

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("incomplete request body")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def request(self, connection: int) -> Optional[Request]:
        while True:
            while self.buf[:2] == b"\r\n":
                del self.buf[:2]
            if b"\r\n\r\n" in self.buf:
                break
            if len(self.buf) > _MAX_HEAD:
                raise ConnectionError("request head too large")
            if not self._fill():
                if self.buf.strip():
                    raise ConnectionError("incomplete request head")
                return None
        end = self.buf.index(b"\r\n\r\n")
        head = bytes(self.buf[: end + 4])
        del self.buf[: end + 4]
        first, _, rest = head.partition(b"\r\n")
        parts = first.decode("latin-1").split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            raise ConnectionError(f"bad request line {first!r}")
        headers = http.client.parse_headers(io.BytesIO(rest))
        if (headers.get("Expect") or "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
        if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
            body = bytearray()
            while True:
                size = int(self._line().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exactly(size)
                self._exactly(2)
            data = bytes(body)
        else:
            data = self._exactly(int(headers.get("Content-Length") or 0))
        return Request(parts[0], parts[1], parts[2], headers, data, connection)


class _Responder:
    """Writes one :class:`Plan` to a socket."""

    def __init__(self, server: ReplayServer, sock: socket.socket, exchange: Exchange) -> None:
        self.server = server
        self.sock = sock
        self.exchange = exchange
        self.plan = exchange.plan
        self.encoder = GzipEncoder(self.plan.gzip_sync) if self.plan.encoding == "gzip" else None
        self.last_byte: Optional[int] = None
        self.last_write = time.monotonic()
        self.watch_client = not isinstance(sock, ssl.SSLSocket)  # MSG_PEEK is not for TLS sockets

    # low level

    def _send(self, data: bytes) -> None:
        self.sock.sendall(data)
        self.last_write = now = time.monotonic()
        exchange = self.exchange
        if exchange._logged < LOG_LIMIT:
            exchange.writes.append((now, data))
            exchange._logged += len(data)

    def _frame(self, data: bytes) -> bytes:
        return b"%x\r\n%s\r\n" % (len(data), data) if self.plan.framing == "chunked" else data

    def _body(self, data: bytes) -> None:
        if not data:
            return
        encoded = self.encoder.encode(data) if self.encoder is not None else data
        if encoded:
            self._send(self._frame(encoded))
        exchange = self.exchange
        if exchange.body_bytes < LOG_LIMIT:
            exchange.body_writes.append(data)
        exchange.body_bytes += len(data)
        self.last_byte = data[-1]

    def _wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s; True when the server is closing or the client left."""
        watched = [self.server._wake_r, self.sock] if self.watch_client else [self.server._wake_r]
        ready, _, _ = select.select(watched, [], [], None if timeout == INF else max(timeout, 0.0))
        if self.server._wake_r in ready:
            raise _Stop
        if self.sock in ready:
            try:
                if not self.sock.recv(1, socket.MSG_PEEK):
                    return True
            except OSError:
                return True
            self.watch_client = False  # the client sent something (a pipelined request): stop watching
        return False

    def _pause(self, seconds: float) -> bool:
        """Pause, with keep-alive comments if asked; True when the client went away."""
        deadline = time.monotonic() + seconds
        keepalive = self.plan.keepalive
        while True:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                return False
            wait = remaining
            if keepalive is not None and self.last_byte in (None, 10):
                due = self.last_write + keepalive - now
                if due <= 0:
                    self._body(self.plan.keepalive_comment)
                    continue
                wait = min(wait, due)
            if self._wait(wait):
                return True

    def _reset(self) -> None:
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    # one response

    def head(self) -> bytes:
        plan = self.plan
        reason = plan.reason
        if reason is None:
            try:
                reason = HTTPStatus(plan.status).phrase
            except ValueError:
                reason = "Unknown"
        headers: List[Tuple[str, str]] = [("Date", formatdate(usegmt=True)), ("Server", "conformance-serve")]
        if (plan.get_header("Content-Type") or "").startswith("text/event-stream"):
            headers.append(("Cache-Control", "no-cache"))
        if plan.framing == "chunked":
            headers.append(("Transfer-Encoding", "chunked"))
        elif plan.framing == "length":
            headers.append(("Content-Length", str(plan.content_length())))
        close = plan.framing == "close" or plan.close_after or not self.exchange.request.keep_alive
        if close:
            headers.append(("Connection", "close"))
        elif plan.http_version == "HTTP/1.0":
            headers.append(("Connection", "keep-alive"))
        lines = [f"{plan.http_version} {plan.status} {reason}"]
        names = {k.lower() for k, _ in plan.headers}
        lines += [f"{k}: {v}" for k, v in headers if k.lower() not in names]
        lines += [f"{k}: {v}" for k, v in plan.headers if v is not None]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def run(self) -> bool:
        """Send the response; True when the connection can carry another request."""
        plan = self.plan
        exchange = self.exchange
        if plan.head_delay and self._pause(plan.head_delay):
            exchange.outcome = "client-gone"
            return False
        if plan.disconnect is not None:
            if plan.disconnect == "reset":
                self._reset()
            exchange.outcome = "disconnected"
            return False
        head = self.head()
        if exchange.request.method == "HEAD" or plan.framing == "none":
            self._send(head)
            exchange.outcome = "complete"
            return plan.framing != "close"
        self._send(head)
        for seg in plan.segments:
            if seg.delay > 0 and self._pause(seg.delay):
                exchange.outcome = "client-gone"
                return False
            self._body(seg.data)
        return self._finish()

    def _finish(self) -> bool:
        plan = self.plan
        end = plan.end
        if end == "end":
            if self.encoder is not None:
                tail = self.encoder.finish()
                if tail:
                    self._send(self._frame(tail))
            if plan.framing == "chunked":
                self._send(b"0\r\n\r\n")
            self.exchange.outcome = "complete"
            return plan.framing != "close" and not plan.close_after
        if end == "reset":
            self._reset()
            self.exchange.outcome = "reset"
        elif end == "close":
            self.exchange.outcome = "closed"
        elif end == "hang":
            self._pause(INF)
            self.exchange.outcome = "client-gone"
        elif end == "endless":
            prefix, size = plan.end_arg
            self._body(prefix)
            filler = b"x" * size
            while True:
                ready, _, _ = select.select([self.server._wake_r], [], [], 0)
                if ready:
                    raise _Stop
                self._body(filler)
        elif end == "bad-chunk":
            rest = plan.cut_rest or b"data: more\n\n"
            if plan.end_arg == "hex":
                self._send(b"zz\r\n" + rest + b"\r\n")
            elif plan.end_arg == "huge":
                self._send(b"ffffffffff\r\n" + rest)
            else:  # missing-crlf: chunk data without its CRLF, then the next chunk
                half = max(1, len(rest) // 2)
                self._send(b"%x\r\n%s" % (half, rest[:half]))
                self._send(b"%x\r\n%s\r\n" % (len(rest) - half, rest[half:]))
            self.exchange.outcome = "bad-chunk"
        return False


def _close_quietly(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


class ReplayServer:
    """An HTTP/1.1 server on 127.0.0.1 that replays a stream, with faults, in background threads.

    Args:
        source: what every request gets.  Stream data (anything :class:`Reply`
            accepts as ``data``), a :class:`Reply`, a :class:`Script`, a list
            (made a :class:`Script`), or any callable ``handler(request) -> Reply``.
        chunks, delays_ms, status, headers, faults: as for :class:`Reply`, when
            ``source`` is stream data.
        speed: divides recorded delays (``math.inf``, or ``fast=True``: no delays).
        host, port: where to listen (port 0: any free port).
        once: stop serving after the first response (see :meth:`serve_forever`).
        log: a text stream for one line per response (e.g. ``sys.stderr``), or None.
        ssl_context: serve HTTPS with this server-side context (e.g. a throwaway
            CA's leaf certificate); ``tls_errors`` counts failed handshakes.

    Use as a context manager (or :meth:`start` / :meth:`close`).

    Attributes:
        url: ``http://127.0.0.1:PORT`` (``https://`` with ``ssl_context``; no trailing slash).
        requests: every :class:`Request` received, in order.
        exchanges: every :class:`Exchange`, once its response is over.
        connections: how many TCP connections were accepted.
    """

    def __init__(
        self,
        source: Any = b"",
        *,
        chunks: Optional[Sequence[int]] = None,
        delays_ms: Optional[Sequence[float]] = None,
        status: Optional[int] = None,
        headers: Union[Dict[str, str], Iterable[Tuple[str, str]], None] = None,
        faults: Iterable[FaultLike] = (),
        speed: float = 1.0,
        fast: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
        once: bool = False,
        log: Optional[Any] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        faults = list(faults)
        extra = chunks is not None or delays_ms is not None or status is not None or headers is not None or faults
        if isinstance(source, (Reply, Script, list, tuple)) or (callable(source) and not isinstance(source, type)):
            if extra:
                raise TypeError("chunks, delays_ms, status, headers and faults go in each Reply")
            if isinstance(source, (list, tuple)):
                source = Script(*source)
            self._handler: Callable[[Request], Reply] = Script(source) if isinstance(source, Reply) else source
        else:
            reply = Reply(source, chunks=chunks, delays_ms=delays_ms, status=status, headers=headers, faults=faults)
            self._handler = Script(reply)
        if not speed > 0:
            raise ValueError("speed must be > 0 (fast=True: no delays)")
        self.speed = INF if fast else speed
        self.host = host
        self.port = port
        self.once = once
        self.log = log
        self.ssl_context = ssl_context
        self.tls_errors = 0
        self.requests: List[Request] = []
        self.exchanges: List[Exchange] = []
        self.errors: List[BaseException] = []
        self.connections = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._listener: Optional[socket.socket] = None
        self._wake_r: Any = None
        self._wake_w: Any = None
        self._threads: List[threading.Thread] = []
        self._active: Dict[int, socket.socket] = {}
        self._done = threading.Event()
        self._closed = False

    # lifecycle

    def start(self) -> ReplayServer:
        if self._listener is not None:
            return self
        listener = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.port))
            listener.listen(64)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._wake_r, self._wake_w = socket.socketpair()
        thread = threading.Thread(target=self._accept_loop, name=f"replay-accept-{self.port}", daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close(raise_errors=exc_type is None)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.ssl_context is not None else 'http'}://{host}:{self.port}"

    def close(self, raise_errors: bool = True) -> None:
        """Stop: wake every pause, close every socket, join every thread.

        Raises the first error a handler or fault raised while serving (unless
        ``raise_errors`` is false).
        """
        if self._listener is not None and not self._closed:
            self._closed = True
            self._wake_w.send(b"x")
            with self._lock:
                active = list(self._active.values())
            for sock in active:  # break sends blocked on a client that does not read
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            for thread in list(self._threads):
                thread.join(10.0)
            alive = [t.name for t in self._threads if t.is_alive()]
            _close_quietly(self._listener)
            _close_quietly(self._wake_r)
            _close_quietly(self._wake_w)
            self._done.set()
            if alive:
                raise RuntimeError(f"replay server threads did not stop: {alive}")
        if raise_errors and self.errors:
            error, self.errors = self.errors[0], []
            raise RuntimeError(f"the replay server failed: {error!r}") from error

    def serve_forever(self) -> None:
        """Block until :meth:`close`, Ctrl-C, or (``once``) the first response is over."""
        self.start()
        try:
            while not self._done.wait(0.25):
                pass
        finally:
            self.close(raise_errors=False)

    # waiting, for tests

    def wait_requests(self, n: int, timeout: float = 5.0) -> List[Request]:
        """Wait until ``n`` requests have arrived; return them."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= n, timeout):
                raise TimeoutError(f"{len(self.requests)} of {n} requests arrived in {timeout} s")
            return list(self.requests)

    def wait_exchanges(self, n: int, timeout: float = 5.0) -> List[Exchange]:
        """Wait until ``n`` responses are over (sent, cut or abandoned); return them."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.exchanges) >= n, timeout):
                raise TimeoutError(f"{len(self.exchanges)} of {n} responses ended in {timeout} s")
            return list(self.exchanges)

    # threads

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while True:
            ready, _, _ = select.select([self._listener, self._wake_r], [], [])
            if self._wake_r in ready:
                return
            try:
                sock, _ = self._listener.accept()
            except OSError:
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                index = self.connections
                self.connections += 1
                self._active[index] = sock
                thread = threading.Thread(
                    target=self._serve_connection, args=(sock, index), name=f"replay-{self.port}-{index}", daemon=True
                )
                self._threads.append(thread)
            thread.start()

    def _serve_connection(self, sock: socket.socket, index: int) -> None:
        try:
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
                with self._lock:
                    self._active[index] = sock  # so that close() can break the handshake
                if self._closed:
                    return
                try:
                    sock.do_handshake()
                except OSError:
                    self.tls_errors += 1
                    raise
            reader = _Reader(sock, self._wake_r)
            while True:
                request = reader.request(index)
                if request is None:
                    return
                with self._changed:
                    self.requests.append(request)
                    self._changed.notify_all()
                try:
                    plan = self._handler(request).plan(request, self.speed)
                except Exception as exc:  # a handler or fault bug: report it to the test, answer 500
                    self.errors.append(exc)
                    plan = Plan(f"replay server error: {exc!r}\n".encode(), status=500)
                    plan.headers = [("Content-Type", "text/plain; charset=utf-8")]
                    plan.framing = "length"
                exchange = Exchange(request, plan)
                keep = False
                try:
                    keep = _Responder(self, sock, exchange).run()
                except _Stop:
                    exchange.outcome = exchange.outcome or "shutdown"
                except OSError:  # a write failed: the client left, or close() shut the socket down
                    exchange.outcome = "shutdown" if self._closed else "client-gone"
                finally:
                    self._finished(exchange)
                if not keep or not request.keep_alive or self.once:
                    return
        except (_Stop, OSError):
            return
        finally:
            with self._lock:
                self._active.pop(index, None)
            _close_quietly(sock)

    def _finished(self, exchange: Exchange) -> None:
        with self._changed:
            self.exchanges.append(exchange)
            self._changed.notify_all()
        if self.log is not None:
            request = exchange.request
            faults = ",".join(exchange.plan.applied) or "-"
            print(
                f"{request.method} {request.target} -> {exchange.status} {exchange.outcome} "
                f"({exchange.body_bytes} body bytes, {len(exchange.writes)} writes, faults: {faults})",
                file=self.log,
                flush=True,
            )
        if self.once:
            self._done.set()


# -- command line ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance serve",
        description="Replay a fixture over HTTP on 127.0.0.1 (any method, any path), with faults on demand. "
        "The first line on stdout is the URL.",
        epilog="Faults: --list-faults, or conformance/README-serve.md.",
    )
    parser.add_argument("fixture", nargs="?", help="a fixture JSON file (or, with --raw, a file of stream bytes)")
    parser.add_argument("--raw", action="store_true", help="FIXTURE holds the stream bytes themselves")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=float, default=1.0, help="divide the recorded delays by this (default 1.0)")
    pace.add_argument("--fast", action="store_true", help="no recorded delays")
    parser.add_argument(
        "--fault", action="append", default=[], metavar="NAME[=ARG]", help="inject a fault (repeatable)"
    )
    parser.add_argument("--status", type=int, help="the status code of the stream response")
    parser.add_argument(
        "-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="add a response header"
    )
    parser.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate chain")
    parser.add_argument("--tls-key", metavar="PEM", help="the private key of --tls-cert (if not in the same file)")
    parser.add_argument("--once", action="store_true", help="exit after one response")
    parser.add_argument("--quiet", action="store_true", help="no log line per response on stderr")
    parser.add_argument("--list-faults", action="store_true", help="describe every fault and exit")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list_faults:
        sys.stdout.write(describe_faults())
        return 0
    if args.fixture is None:
        parser.error("a FIXTURE is required")
    if not args.speed > 0 or math.isnan(args.speed):
        parser.error("--speed must be > 0 (or use --fast)")
    headers = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            parser.error(f"--header wants 'Name: value', got {item!r}")
        headers.append((name.strip(), value.strip()))
    try:
        context = None
        if args.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(args.tls_cert, args.tls_key)
        if args.raw:
            with open(args.fixture, "rb") as f:
                source: Any = f.read()
        else:
            source = load(args.fixture)
        server = ReplayServer(
            source,
            status=args.status,
            headers=headers or None,
            faults=args.fault,
            speed=args.speed,
            fast=args.fast,
            host=args.host,
            port=args.port,
            once=args.once,
            log=None if args.quiet else sys.stderr,
            ssl_context=context,
        )
        server.start()
    except (OSError, ValueError) as exc:  # FaultError and FixtureError are ValueErrors
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        print(server.url, flush=True)
        server.serve_forever()
    except KeyboardInterrupt:
        server.close(raise_errors=False)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
