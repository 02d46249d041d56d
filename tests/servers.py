"""Real servers on 127.0.0.1 for the transport and client tests: no mocks of http.client.

* :class:`LoopbackServer`: a raw-socket HTTP/1.1 server whose every response
  is written by a test function, byte by byte if need be (chunked framing,
  pauses between TCP writes, resets with SO_LINGER 0, malformed framing,
  keep-alive across requests).  Optional TLS with a throwaway CA.
* :class:`ConnectProxy`: a forwarding proxy: ``CONNECT host:port`` tunnels,
  and absolute-form plain-HTTP requests are relayed to the origin.
* :func:`make_ca`: a CA and a ``localhost`` / ``127.0.0.1`` certificate made
  by the ``openssl`` command in a temporary folder.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import socket
import ssl
import struct
import subprocess
import threading
import time
from http import HTTPStatus
from typing import Callable, Dict, Iterator, List, Optional, Tuple

CRLF = b"\r\n"


class Exchange:
    """One request received, and the means to answer it."""

    def __init__(
        self, sock: socket.socket, method: str, target: str, headers: Dict[str, str], body: bytes, conn_no: int
    ):
        self.sock = sock
        self.method = method
        self.target = target
        self.path = target
        self.headers = headers  # lower-case names
        self.body = body
        self.conn_no = conn_no  # which TCP connection (0, 1, ...) carried this request
        self.writes: List[bytes] = []

    # -- writing -----------------------------------------------------------
    def send(self, data: bytes, pause: float = 0.0) -> None:
        """One TCP write (TCP_NODELAY is on), then an optional pause."""
        self.sock.sendall(data)
        self.writes.append(data)
        if pause:
            time.sleep(pause)

    def head(self, status: int = 200, headers: Optional[Dict[str, str]] = None, reason: str = "", chunked: bool = True):
        lines = [f"HTTP/1.1 {status} {reason or _phrase(status)}"]
        headers = dict(headers or {})
        if chunked:
            headers.setdefault("Transfer-Encoding", "chunked")
        for name, value in headers.items():
            lines.append(f"{name}: {value}")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def chunk(self, data: bytes, pause: float = 0.0) -> None:
        """One chunk of a chunked body, in one TCP write."""
        if data:
            self.send(b"%x\r\n" % len(data) + data + CRLF, pause)

    def end(self) -> None:
        self.send(b"0\r\n\r\n")

    def respond(self, status: int, body: bytes, content_type: str = "application/json", headers=None) -> None:
        """A whole response with Content-Length."""
        all_headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        all_headers.update(headers or {})
        self.head(status, all_headers, chunked=False)
        if body:
            self.send(body)

    def stream(self, events: List[bytes], pause: float = 0.0, headers=None, end: bool = True) -> None:
        """A 200 text/event-stream, each item in its own chunk and TCP write."""
        all_headers = {"Content-Type": "text/event-stream"}
        all_headers.update(headers or {})
        self.head(200, all_headers)
        for item in events:
            self.chunk(item, pause)
        if end:
            self.end()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def _phrase(status: int) -> str:
    """The standard reason phrase (the stdlib's table, as conformance/serve.py uses), or "Status"."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


Handler = Callable[[Exchange], Optional[bool]]


def _read_request(
    sock: socket.socket, buffered: bytes
) -> Tuple[Optional[Tuple[str, str, Dict[str, str], bytes]], bytes]:
    data = buffered
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            return None, b""
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: Dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        # A repeated field is combined with ", " (RFC 9110 §5.3), so a test sees it was sent twice.
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        more = sock.recv(65536)
        if not more:
            return None, b""
        rest += more
    return (method, target, headers, rest[:length]), rest[length:]


class LoopbackServer:
    """``with LoopbackServer(handler) as server: server.url``.

    ``handler(exchange)`` answers each request; return True to keep the
    connection open for another request (keep-alive).  An exception in the
    handler (e.g. the client went away) just ends that connection.
    """

    def __init__(self, handler: Handler, tls: Optional[ssl.SSLContext] = None, host: str = "127.0.0.1"):
        self.handler = handler
        self.tls = tls
        self.exchanges: List[Exchange] = []
        self.connections = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self.port = self._listener.getsockname()[1]
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://{'localhost' if tls else host}:{self.port}"
        self._threads: List[threading.Thread] = []
        self._socks: List[socket.socket] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> LoopbackServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._acceptor.join(5)
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in list(self._threads):
            thread.join(5)
        for sock in socks:
            sock.close()

    @property
    def requests(self) -> List[Exchange]:
        return self.exchanges

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            with self._lock:
                conn_no = self.connections
                self.connections += 1
                self._socks.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, conn_no), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, conn_no: int) -> None:
        try:
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True)
                with self._lock:
                    self._socks.append(sock)
            buffered = b""
            while not self._stop.is_set():
                request, buffered = _read_request(sock, buffered)
                if request is None:
                    return
                exchange = Exchange(sock, *request, conn_no=conn_no)
                self.exchanges.append(exchange)
                if not self.handler(exchange):
                    return
        except (OSError, ValueError):
            return
        finally:
            with contextlib.suppress(OSError):
                sock.close()


class ConnectProxy:
    """A forwarding proxy on 127.0.0.1: CONNECT tunnels, absolute-form HTTP relayed. Records what it saw."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.seen: List[str] = []  # request lines
        self.seen_headers: List[Dict[str, str]] = []
        self._server = LoopbackServer(self._handle)
        self.url = f"http://127.0.0.1:{self._server.port}"

    def __enter__(self) -> ConnectProxy:
        self._server.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.close()

    def _handle(self, ex: Exchange) -> bool:
        self.seen.append(f"{ex.method} {ex.target}")
        self.seen_headers.append(ex.headers)
        if self.refuse:
            ex.respond(403, b"no tunnels here", "text/plain")
            return False
        if ex.method == "CONNECT":
            host, _, port = ex.target.rpartition(":")
            upstream = socket.create_connection((host, int(port)), timeout=5)
            ex.send(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _pipe(ex.sock, upstream)
            return False
        # absolute-form: http://host:port/path -> relay as origin-form
        rest = ex.target.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        upstream = socket.create_connection((host, int(port or 80)), timeout=5)
        lines = [f"{ex.method} /{path} HTTP/1.1"]
        lines += [f"{k}: {v}" for k, v in ex.headers.items() if k not in ("proxy-authorization", "connection")]
        lines.append("Connection: close")
        upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + ex.body)
        _pipe(ex.sock, upstream)
        return False


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes."""

    def copy(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    other = threading.Thread(target=copy, args=(b, a), daemon=True)
    other.start()
    copy(a, b)
    other.join(5)
    b.close()


class Certs:
    def __init__(self, folder: str):
        self.folder = folder
        self.ca = os.path.join(folder, "ca.pem")
        self.cert = os.path.join(folder, "leaf.pem")
        self.key = os.path.join(folder, "leaf.key")
        self.other_ca = os.path.join(folder, "other-ca.pem")

    def server_context(self, wrong_name: bool = False) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if wrong_name:
            context.load_cert_chain(os.path.join(self.folder, "wrong.pem"), os.path.join(self.folder, "wrong.key"))
        else:
            context.load_cert_chain(self.cert, self.key)
        return context


def make_ca(folder: str) -> Certs:
    """A throwaway CA (and a second, unrelated one) and a leaf for localhost / 127.0.0.1, by the openssl command."""

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for name in ("ca", "other-ca"):
        run("req", "-x509", *ec, "-keyout", f"{name}.key", "-out", f"{name}.pem", "-days", "2",
            "-subj", f"/CN=sse_pplx test {name}",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    with open(os.path.join(folder, "leaf.ext"), "w") as f:
        f.write(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nsubjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n"
        )
    run("req", *ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost")
    run("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext")  # fmt: skip
    # A leaf from the same CA for another name only: a host-name mismatch on localhost.
    with open(os.path.join(folder, "wrong.ext"), "w") as f:
        f.write("basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:other.example\n")
    run("req", *ec, "-keyout", "wrong.key", "-out", "wrong.csr", "-subj", "/CN=other.example")
    run("x509", "-req", "-in", "wrong.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "wrong.pem", "-days", "2", "-extfile", "wrong.ext")  # fmt: skip
    return Certs(folder)


def gzip_stream(pieces: List[bytes]) -> List[bytes]:
    """Compress pieces so that each can be decoded as soon as it arrives (a sync flush after each)."""
    import zlib

    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    out = [compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH) for piece in pieces]
    out.append(compressor.flush())
    return out


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed again)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return port


@contextlib.contextmanager
def silent_listener() -> Iterator[int]:
    """A TCP listener on 127.0.0.1 that never answers (the kernel completes the handshake, nothing
    reads): yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


@contextlib.contextmanager
def stalling_server(*events: bytes, head: bool = True) -> Iterator[LoopbackServer]:
    """A server that answers with a 200 event stream head and ``events`` (a chunk each), or with
    nothing at all (``head=False``), then sends nothing more until the block ends."""
    release = threading.Event()

    def handler(ex: Exchange) -> None:
        if head:
            ex.stream(list(events), end=False)
        release.wait(5)

    with LoopbackServer(handler) as server:
        try:
            yield server
        finally:
            release.set()


class Gate:
    """What :func:`gated_server` waits for."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.waited: List[bool] = []

    def open(self, *_: object) -> None:
        self.opened.set()


def gated_server(pieces: List[bytes], headers: Optional[Dict[str, str]] = None) -> Tuple[LoopbackServer, Gate]:
    """A server that sends the first of ``pieces`` (a chunk each, after a 200 head with
    ``headers``, an event stream by default), then waits up to 10 s until the test opens the
    gate it returns (``gate.open()``: the client has that piece), then sends the rest.
    ``gate.waited`` says, once the response is over, whether the gate was opened in time."""
    gate = Gate()

    def handler(ex: Exchange) -> None:
        ex.head(200, headers or {"Content-Type": "text/event-stream"})
        ex.chunk(pieces[0])
        gate.waited.append(gate.opened.wait(10))
        for piece in pieces[1:]:
            ex.chunk(piece)
        ex.end()

    return LoopbackServer(handler), gate


def watching_server(*events: bytes) -> Tuple[LoopbackServer, threading.Event]:
    """A server that streams ``events`` (one chunk each, no end), then sets the event it returns
    as soon as the client has closed the connection."""
    closed = threading.Event()

    def handler(ex: Exchange) -> None:
        ex.head(200, {"Content-Type": "text/event-stream"})
        for event in events:
            ex.chunk(event)
        ex.sock.settimeout(5)
        try:
            if ex.sock.recv(1) == b"":
                closed.set()
        except OSError:
            closed.set()

    return LoopbackServer(handler), closed


def open_fds() -> int:
    """The process's open file descriptors (Linux ``/proc/self/fd``; 0 where there is none)."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:  # pragma: no cover - not Linux
        return 0


def sse(obj: object) -> bytes:
    import json

    return b"data: " + json.dumps(obj).encode() + b"\n\n"


def chunk_obj(content: Optional[str] = None, finish: Optional[str] = None, **extra: object) -> Dict[str, object]:
    delta = {} if content is None else {"content": content}
    obj: Dict[str, object] = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "sonar",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    obj.update(extra)
    return obj


__all__ = [
    "Certs",
    "ConnectProxy",
    "Exchange",
    "Gate",
    "LoopbackServer",
    "chunk_obj",
    "gated_server",
    "gzip",
    "gzip_stream",
    "make_ca",
    "open_fds",
    "silent_listener",
    "sse",
    "stalling_server",
    "unused_port",
    "watching_server",
]
