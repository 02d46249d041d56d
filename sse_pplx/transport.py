"""HTTP/1.1 transport: the only module that imports ``http.client``, ``ssl`` and ``socket``.

It moves bytes and nothing else; what the bytes mean is the sans-I/O core's
business (``parser``, ``chat``).  Two drivers share every decision:

* :class:`Transport` (sync) runs on ``http.client`` and reads with
  ``HTTPResponse.read1()``: one system call at most, so an event reaches the
  caller as soon as its bytes arrive, never when a buffer fills
  (btubbs/sseclient#8 held events until 1024 bytes had come).
* :class:`AsyncTransport` runs on asyncio streams and never blocks the event
  loop.  ``http.client`` cannot run on a non-blocking socket, so the response
  framing (status line, headers, chunked / Content-Length / close-delimited
  bodies, RFC 9112 §6-§7) is done by the small sans-I/O :class:`_Framing` below;
  the headers are parsed by ``http.client.parse_headers``, the request head is
  the same bytes as the sync path sends.

Time budgets (:class:`Timeout`), after the official SDKs' defaults
(``httpx.Timeout(600, connect=5)``) and what streaming users asked for
(rtfol/aiohttp-sse-client#2, earendil-works/pi#7954):

* ``connect``: TCP connect, proxy CONNECT and TLS handshake;
* ``read``: the idle timeout, reset by every byte received (a keep-alive
  comment keeps a healthy stream alive); it also bounds the wait for the
  response head;
* ``total``: an optional deadline for the whole request, whatever trickles in.

Also here: TLS verified by default (system trust store, or an
``ssl.SSLContext``, or a CA bundle path); proxies from an argument or from
``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` / ``NO_PROXY`` (HTTPS through
CONNECT); ``Accept-Encoding: identity`` on streams, yet a gzip or deflate body
is decoded incrementally if a server compresses anyway (tower-rs/tower-http#420);
redirects followed like httpx does, without ``Authorization`` to another
origin; a keep-alive pool for sequential requests; and deterministic close:
a response that is closed, left in a ``with`` block or garbage collected
closes its socket.

Every failure leaves as an :class:`~sse_pplx.errors.APIConnectionError` (or
:class:`~sse_pplx.errors.APITimeoutError`) whose message says what failed,
never as a raw ``http.client``, ``ssl`` or ``socket`` exception.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import re
import socket
import ssl
import threading
import time
import zlib
from urllib.parse import quote, unquote, urljoin, urlsplit

from ._version import __version__
from .errors import APIConnectionError, APITimeoutError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import asyncio
    from email.message import Message
    from typing import Any, AsyncIterator, Awaitable, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

    Headers = Sequence[Tuple[str, str]]
    _T = TypeVar("_T")

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncResponse",
    "AsyncTransport",
    "Response",
    "Timeout",
    "Transport",
]

#: How much one read asks for; a read returns whatever has arrived, up to this.
READ_SIZE = 65536
#: Error bodies (and whole non-streamed responses) are read up to this size.
MAX_BODY_BYTES = 32 * 1024 * 1024
#: After ``[DONE]``, how long to wait for the rest of the body so the connection can be reused.
DRAIN_GRACE = 0.05
#: Redirects followed before giving up (httpx's default is 20; an API needs few).
MAX_REDIRECTS = 10
USER_AGENT = f"sse_pplx/{__version__}"
_HEAD_LIMIT = 65536  # bytes of status line + headers (http.client's _MAXLINE per line)
_UNSET: Any = object()
_HEX_LINE = re.compile(rb"[0-9A-Fa-f]{1,15}\r?\Z").match


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


class _Budget:
    """One request's clock: the idle timeout for each wait, capped by what is left of the deadline."""

    __slots__ = ("deadline", "timeout")

    def __init__(self, timeout: Timeout) -> None:
        self.timeout = timeout
        self.deadline = None if timeout.total is None else time.monotonic() + timeout.total

    def left(self) -> Optional[float]:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def wait(self, phase: str) -> Optional[float]:
        """The timeout for the next wait of ``phase`` ("connect" or "read"); raises once the deadline has passed."""
        budget = self.timeout.connect if phase == "connect" else self.timeout.read
        left = self.left()
        if left is None:
            return budget
        if left <= 0:
            raise self.expired()
        return left if budget is None or left < budget else budget

    def expired(self) -> APITimeoutError:
        return APITimeoutError(
            f"the request's overall deadline of {self.timeout.total:g} s was exceeded", phase="deadline"
        )

    def timed_out(self, phase: str, what: str) -> APITimeoutError:
        """The error for a wait that ran out: the deadline's if it was the cause, else the phase's."""
        left = self.left()
        if left is not None and left <= 0.001:
            return self.expired()
        if phase == "connect":
            return APITimeoutError(f"{what}: timed out after {self.timeout.connect:g} s", phase="connect")
        return APITimeoutError(
            f"{what}: no data for {self.timeout.read:g} s (the idle timeout; raise Timeout(read=...) for slow servers)",
            phase="idle",
        )


# -- URLs, headers, proxies ---------------------------------------------------

_FORBIDDEN = ("\r", "\n", "\0")


class _Origin:
    """A parsed http(s) URL: where to connect and what to ask for."""

    __slots__ = ("host", "netloc", "port", "scheme", "target", "url")

    def __init__(self, url: str) -> None:
        if not isinstance(url, str):
            raise UsageError(f"URL must be a str, not {type(url).__name__}")
        if any(c in url for c in _FORBIDDEN) or any(ord(c) < 0x20 or c == " " for c in url):
            raise UsageError(f"URL {url!r} contains whitespace or control characters (refused: request injection)")
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise UsageError(f"URL {url!r}: only http:// and https:// are supported")
        try:
            host = parts.hostname
            port = parts.port
        except ValueError as exc:
            raise UsageError(f"URL {url!r}: {exc}") from None
        if not host:
            raise UsageError(f"URL {url!r} has no host")
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port or (443 if scheme == "https" else 80)
        shown = f"[{host}]" if ":" in host else host
        self.netloc = shown if port is None or port == (443 if scheme == "https" else 80) else f"{shown}:{self.port}"
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def key(self) -> Tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def check_header(name: str, value: str) -> None:
    """Refuse a header that would inject lines into the request (CR, LF or NUL)."""
    if not isinstance(name, str) or not isinstance(value, str):
        raise UsageError(f"header {name!r}: names and values must be str, not {type(value).__name__}")
    if not name or any(c in name for c in (*_FORBIDDEN, ":", " ", "\t")):
        raise UsageError(f"header name {name!r} is not a valid HTTP token (refused: header injection)")
    if any(c in value for c in _FORBIDDEN):
        raise UsageError(f"header {name!r}: the value contains CR, LF or NUL (refused: header injection)")


def _basic_auth(userinfo: str) -> str:
    import base64

    return "Basic " + base64.b64encode(unquote(userinfo).encode("utf-8")).decode("ascii")


class _Proxy:
    __slots__ = ("auth", "host", "port", "url")

    def __init__(self, url: str) -> None:
        if "://" not in url:
            url = "http://" + url
        parts = urlsplit(url)
        if parts.scheme.lower() != "http":
            raise UsageError(
                f"proxy {parts.scheme}://{parts.hostname}: only http:// proxies are supported "
                "(HTTPS goes through them with CONNECT, still end-to-end TLS)"
            )
        if not parts.hostname:
            raise UsageError("the proxy URL has no host")
        self.host = parts.hostname
        self.port = parts.port or 80
        userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
        self.auth = _basic_auth(userinfo) if userinfo else None
        self.url = f"http://{self.host}:{self.port}"  # for messages: never the credentials

    def key(self) -> Tuple[str, int]:
        return (self.host, self.port)


def _env_proxy(origin: _Origin) -> Optional[str]:
    """The proxy the environment asks for, as curl and requests read it (``NO_PROXY`` honoured)."""
    from urllib.request import getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]

    proxies = getproxies_environment()
    url = proxies.get(origin.scheme) or proxies.get("all")
    if not url:
        return None
    host = origin.host if origin.port in (80, 443) else f"{origin.host}:{origin.port}"
    if proxy_bypass_environment(host, proxies):
        return None
    return url


def default_ssl_context(ca_bundle: Optional[str] = None) -> ssl.SSLContext:
    """Verification on, the system trust store (or ``ca_bundle``), TLS 1.2 at least."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


# -- errors -------------------------------------------------------------------


def _where(origin: _Origin, proxy: Optional[_Proxy]) -> str:
    via = f" via proxy {proxy.url}" if proxy is not None else ""
    return f"{origin.host}:{origin.port}{via}"


def connection_error(exc: BaseException, doing: str) -> APIConnectionError:
    """A readable, typed error for what ``socket``, ``ssl``, ``http.client`` or asyncio raised."""
    if isinstance(exc, APIConnectionError):
        return exc
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = exc.verify_message or exc.reason or str(exc)
        message = f"{doing}: TLS certificate verification failed: {reason}"
    elif isinstance(exc, ssl.SSLError):
        message = f"{doing}: TLS error: {exc.reason or exc}"
    elif isinstance(exc, socket.gaierror):
        message = f"{doing}: could not resolve the host name ({exc.strerror or exc})"
    elif isinstance(exc, ConnectionRefusedError):
        message = f"{doing}: connection refused"
    elif isinstance(exc, ConnectionResetError):
        message = f"{doing}: the connection was reset by the peer"
    elif isinstance(exc, http.client.IncompleteRead):
        message = f"{doing}: the connection closed before the response body was complete"
    elif isinstance(exc, http.client.RemoteDisconnected):
        message = f"{doing}: the server closed the connection without sending a response"
    elif isinstance(exc, http.client.HTTPException):
        message = f"{doing}: malformed HTTP response ({type(exc).__name__}: {exc})"
    elif isinstance(exc, OSError):
        message = f"{doing}: {exc.strerror or exc}"
    else:
        message = f"{doing}: {type(exc).__name__}: {exc}"
    error = APIConnectionError(message)
    error.__cause__ = exc
    return error


# -- request head -------------------------------------------------------------


class Request:
    """What to send: method, URL, headers (in order) and an optional body."""

    __slots__ = ("body", "headers", "method", "origin", "url")

    def __init__(self, method: str, url: str, headers: Headers = (), body: Optional[bytes] = None) -> None:
        method = method.upper()
        if not method.isalpha():
            raise UsageError(f"invalid HTTP method {method!r}")
        for name, value in headers:
            check_header(name, value)
        self.method = method
        self.url = url
        self.origin = _Origin(url)
        self.headers = list(headers)
        self.body = body

    def head(self, proxy: Optional[_Proxy]) -> List[Tuple[str, str]]:
        """The header lines to send, Host first; defaults filled in where the caller set none."""
        names = {name.lower() for name, _ in self.headers}
        lines = [("Host", self.origin.netloc)]
        if "user-agent" not in names:
            lines.append(("User-Agent", USER_AGENT))
        if "accept-encoding" not in names:
            lines.append(("Accept-Encoding", "gzip, deflate"))
        if self.body is not None and "content-length" not in names:
            lines.append(("Content-Length", str(len(self.body))))
        if proxy is not None and proxy.auth and self.origin.scheme == "http":
            lines.append(("Proxy-Authorization", proxy.auth))
        lines.extend(self.headers)
        return lines

    def target(self, proxy: Optional[_Proxy]) -> str:
        # A plain-HTTP request through a proxy names the whole URL (RFC 9112 §3.2.2, absolute-form).
        if proxy is not None and self.origin.scheme == "http":
            return f"http://{self.origin.netloc}{self.origin.target}"
        return self.origin.target

    def encode_head(self, proxy: Optional[_Proxy]) -> bytes:
        lines = [f"{self.method} {self.target(proxy)} HTTP/1.1"]
        lines.extend(f"{name}: {value}" for name, value in self.head(proxy))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def redirect(self, status: int, location: str) -> Request:
        """The request to send next after a redirect, as httpx builds it (RFC 9110 §15.4)."""
        url = urljoin(self.url, quote(location, safe=":/?#[]@!$&'()*+,;=%~"))
        method, body = self.method, self.body
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
        new = _Origin(url)
        same_origin = new.key() == self.origin.key()
        drop = {"host", "content-length"}
        if body is None:
            drop |= {"content-type", "transfer-encoding"}
        if not same_origin:
            drop |= {"authorization", "cookie", "proxy-authorization", "x-api-key", "api-key"}
        headers = [(n, v) for n, v in self.headers if n.lower() not in drop]
        return Request(method, url, headers, body)


def _proxy_for(origin: _Origin, proxy: Union[str, bool, None], trust_env: bool) -> Optional[_Proxy]:
    if proxy is False or proxy == "":
        return None
    if isinstance(proxy, str):
        return _Proxy(proxy)
    if trust_env:
        url = _env_proxy(origin)
        if url:
            return _Proxy(url)
    return None


# -- the response body: framing and content decoding ------------------------


class _Decoder:
    """Incremental gzip / deflate decoding, in bounded pieces (a compressed bomb
    cannot make one read return more than ``READ_SIZE * 16`` bytes)."""

    __slots__ = ("_d", "_raw_deflate", "_started")

    LIMIT = READ_SIZE * 16

    def __init__(self, encoding: str) -> None:
        self._raw_deflate = encoding == "deflate"
        self._d = zlib.decompressobj(zlib.MAX_WBITS | 16 if encoding != "deflate" else zlib.MAX_WBITS)
        self._started = False

    def decode(self, data: bytes) -> bytes:
        try:
            out = self._d.decompress(self._d.unconsumed_tail + data, self.LIMIT)
        except zlib.error:
            # "deflate" is sometimes sent without its zlib header (raw deflate).
            if self._raw_deflate and not self._started:
                self._raw_deflate = False
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.decode(data)
            raise
        self._started = True
        return out

    @property
    def pending(self) -> bool:
        return bool(self._d.unconsumed_tail)

    def flush(self) -> bytes:
        return self._d.flush()


def _content_decoder(headers: Message) -> Optional[_Decoder]:
    encoding = (headers.get("content-encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return _Decoder("gzip" if encoding != "deflate" else "deflate")
    raise APIConnectionError(
        f"the server sent the body with Content-Encoding {encoding!r}, which cannot be decoded "
        "(sse_pplx asks for identity, gzip or deflate)"
    )


class _Framing:
    """Sans-I/O HTTP/1.1 message body framing (RFC 9112 §6.3, §7.1): chunked,
    Content-Length or close-delimited.  ``feed`` takes bytes as they arrive and
    returns the body bytes in them; ``done`` says the body is complete."""

    __slots__ = ("_buf", "_kind", "_left", "_state", "done", "error", "keep_alive")

    def __init__(self, status: int, method: str, headers: Message, version: str) -> None:
        self._buf = bytearray()
        self._left = 0
        self._state = "size"
        self.done = False
        #: A framing error found after good body bytes: raised by the next feed (or read).
        self.error: Optional[APIConnectionError] = None
        connection = (headers.get("connection") or "").lower()
        self.keep_alive = version == "HTTP/1.1" and "close" not in connection
        transfer = (headers.get("transfer-encoding") or "").lower()
        length = headers.get("content-length")
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            self._kind = "empty"
            self.done = True
        elif transfer:
            if transfer.replace(" ", "").split(",")[-1] != "chunked":
                raise APIConnectionError(f"unsupported Transfer-Encoding {transfer!r}")
            self._kind = "chunked"
        elif length is not None:
            try:
                self._left = int(length.split(",")[0].strip())
                if self._left < 0:
                    raise ValueError(length)
            except ValueError:
                raise APIConnectionError(f"invalid Content-Length {length!r}") from None
            self._kind = "length"
            self.done = self._left == 0
        else:
            self._kind = "close"
            self.keep_alive = False

    def feed(self, data: bytes) -> bytes:
        if self.error is not None:
            raise self.error
        if self.done:
            return b""
        kind = self._kind
        if kind == "close":
            return data
        if kind == "length":
            if len(data) >= self._left:
                data = data[: self._left]
                self.done = True
            self._left -= len(data)
            return data
        self._buf += data
        out: List[bytes] = []
        try:
            self._chunked(out)
        except APIConnectionError as exc:
            if not out:
                raise
            self.error = exc  # the good chunks before the bad one are delivered first
        return b"".join(out)

    def _chunked(self, out: List[bytes]) -> None:
        buf = self._buf
        pos = 0
        size_of = self._chunk_size
        while not self.done:
            state = self._state
            if state == "data":
                take = min(self._left, len(buf) - pos)
                if take == 0:
                    break
                out.append(bytes(buf[pos : pos + take]))
                pos += take
                self._left -= take
                if self._left == 0:
                    self._state = "crlf"
                continue
            end = buf.find(b"\n", pos)
            if end < 0:
                if len(buf) - pos > _HEAD_LIMIT:
                    raise APIConnectionError("malformed chunked encoding: a chunk-size line is too long")
                break
            line = buf[pos:end]
            pos = end + 1
            if state == "size":
                size = size_of(line)
                if size == 0:
                    self._state = "trailer"
                    continue
                stop = pos + size
                if buf[stop : stop + 2] == b"\r\n":  # the whole chunk is here: take it in one step
                    out.append(bytes(buf[pos:stop]))
                    pos = stop + 2
                    continue
                self._left = size
                self._state = "data"
            elif state == "crlf":
                if line.rstrip(b"\r"):
                    raise APIConnectionError("malformed chunked encoding: chunk data not followed by CRLF")
                self._state = "size"
            elif not line.rstrip(b"\r"):  # the trailer section ends with an empty line
                self.done = True
        del buf[:pos]

    @staticmethod
    def _chunk_size(line: bytearray) -> int:
        """``chunk-size [ chunk-ext ] CRLF`` (RFC 9112 §7.1): hex digits, extensions ignored."""
        if _HEX_LINE(line) is None:
            digits = bytes(line).split(b";", 1)[0].strip()
            if _HEX_LINE(digits) is None:
                raise APIConnectionError(f"malformed chunked encoding: bad chunk size line {bytes(line[:40])!r}")
            line = bytearray(digits)
        return int(line, 16)

    def eof(self) -> None:
        """The connection closed: fine for a close-delimited body, an error if the body was not complete."""
        if not self.done and self._kind != "close":
            raise http.client.IncompleteRead(b"")
        self.done = True


# -- responses ----------------------------------------------------------------


class _ResponseBase:
    """What both responses share: status, headers, content decoding, reading a whole (bounded) body."""

    status_code: int
    reason: str
    headers: Message
    url: str
    http_version: str
    _framing: _Framing
    _where: str

    def _setup(self, status: int, reason: str, headers: Message, version: str, request: Request) -> None:
        self.status_code = status
        self.reason = reason
        self.headers = headers
        self.http_version = version
        self.url = request.url
        self.request = request
        self.content = b""  # filled by read()
        self._decoder: Optional[_Decoder] = None
        self._eof = False
        self._closed = False
        self._released = False

    @property
    def content_type(self) -> str:
        """The media type, lower case, without parameters (``"text/event-stream"``)."""
        return (self.headers.get("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def text(self) -> str:
        """The body read by ``read()``, decoded with the declared charset (UTF-8 by default)."""
        charset = "utf-8"
        for param in (self.headers.get("content-type") or "").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                charset = value.strip().strip('"')
        try:
            return self.content.decode(charset, "replace")
        except LookupError:
            return self.content.decode("utf-8", "replace")

    def _decode(self, data: bytes, end: bool) -> bytes:
        """Content-decode raw body bytes (``end``: the raw body is over, flush the decoder)."""
        decoder = self._decoder
        if decoder is None:
            return data
        try:
            return decoder.flush() if end else decoder.decode(data)
        except zlib.error as exc:
            raise APIConnectionError(
                f"reading the response from {self.url}: the compressed body is corrupt ({exc})"
            ) from exc

    def _deframe(self, data: bytes) -> bytes:
        """Bytes from the socket (``b""``: the peer closed) to body bytes, through the shared
        framing; the connection is released the moment the body's last byte is framed."""
        framing = self._framing
        try:
            if data or framing.error is not None:
                body = framing.feed(data)
            else:
                framing.eof()
                body = b""
        except APIConnectionError as exc:
            self._abort()
            raise APIConnectionError(f"reading the response from {self._where}: {exc.message}") from None
        except http.client.IncompleteRead as exc:
            self._abort()
            raise connection_error(exc, f"reading the response from {self._where}") from None
        if framing.done:
            self._finish()
        return body

    def _abort(self) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} [{self.status_code} {self.reason}] {self.url}>"


class Response(_ResponseBase):
    """A sync response whose body is read as it arrives.

    ``read1()`` returns the next bytes that have arrived (``b""`` at the end of
    the body); ``iter_bytes()`` loops over it; ``read()`` reads everything
    (bounded).  ``close()`` (or leaving a ``with`` block, or garbage collection)
    closes the socket unless the body was read to its end and the connection can
    be reused.
    """

    def __init__(
        self,
        conn: http.client.HTTPConnection,
        raw: http.client.HTTPResponse,
        request: Request,
        budget: _Budget,
        pool: Optional[_Pool],
        where: str,
    ) -> None:
        version = "HTTP/1.1" if raw.version == 11 else "HTTP/1.0"
        self._setup(raw.status, raw.reason, raw.headers, version, request)
        self._conn: Optional[http.client.HTTPConnection] = conn
        self._raw = raw
        self._budget = budget
        self._pool = pool
        self._where = where
        self._sock_timeout = _UNSET
        self._decoder = _content_decoder(raw.headers)
        self._framing = _Framing(raw.status, request.method, raw.headers, version)
        self._fp = raw.fp
        if raw.will_close:
            self._framing.keep_alive = False
        if self._framing.done:
            self._finish()

    def read1(self) -> bytes:
        """The next bytes of the body, as soon as any have arrived; ``b""`` at its end.

        Raises:
            APITimeoutError: no byte for the idle timeout, or the deadline passed.
            APIConnectionError: the connection broke (the body was not complete).
        """
        while True:
            if self._eof:
                return b""
            if self._closed:
                raise APIConnectionError(f"reading the response from {self._where}: the response was closed")
            decoder = self._decoder
            if decoder is None:
                return self._read_raw()
            if decoder.pending:
                data = self._decode(b"", False)
            else:
                raw = self._read_raw()
                data = self._decode(raw, not raw)
            if data:
                return data

    def _read_raw(self) -> bytes:
        """The next body bytes.  ``http.client`` parsed the head; the body is read from its buffered
        socket file with ``read1`` (what is buffered, or one ``recv``) and deframed by the same
        :class:`_Framing` as the async path, so one call returns every event that has arrived,
        not one HTTP chunk (``HTTPResponse.read1`` stops at each chunk boundary)."""
        budget = self._budget
        while not self._eof:
            if self._framing.error is not None:
                self._deframe(b"")  # raises it
            if budget.deadline is not None:  # else the socket keeps the idle timeout set at the request
                try:
                    wait = budget.wait("read")
                except APITimeoutError:
                    self._abort()
                    raise
                if wait != self._sock_timeout:
                    conn = self._conn
                    if conn is not None and conn.sock is not None:
                        conn.sock.settimeout(wait)
                    self._sock_timeout = wait
            try:
                data = self._fp.read1(READ_SIZE)
            except socket.timeout:
                self._abort()
                raise budget.timed_out("read", f"reading the response from {self._where}") from None
            except (OSError, ValueError) as exc:
                self._abort()
                raise connection_error(exc, f"reading the response from {self._where}") from exc
            body = self._deframe(data)
            if body:
                return body
        return b""

    def _finish(self) -> None:
        self._eof = True
        self._release()

    def _abort(self) -> None:
        self._closed = True
        self._released = True
        conn, self._conn = self._conn, None
        try:
            self._raw.close()
        finally:
            if conn is not None:
                conn.close()

    def drain(self, grace: float = DRAIN_GRACE, limit: int = READ_SIZE) -> bool:
        """The caller has what it wanted (``[DONE]`` came): read the rest of the body for at most
        ``grace`` seconds and ``limit`` bytes, so that the connection can be reused; otherwise
        close it.  Never raises; True when the connection went back to the pool."""
        seen = 0
        deadline = time.monotonic() + grace
        try:
            while not self._eof and not self._closed and seen <= limit:
                left = deadline - time.monotonic()
                conn = self._conn
                if left <= 0 or conn is None or conn.sock is None:
                    break
                conn.sock.settimeout(left)
                self._sock_timeout = left
                data = self._fp.read1(READ_SIZE)
                seen += len(data)
                self._deframe(data)
        except (OSError, ValueError, APIConnectionError):
            pass
        reused = self._eof and not self._closed
        self.close()
        return reused

    def iter_bytes(self) -> Iterator[bytes]:
        """Every piece of the body as it arrives; the response is closed when the loop ends or is left."""
        read1 = self.read1
        try:
            while True:
                data = read1()
                if not data:
                    return
                yield data
        finally:
            self.close()

    def read(self, limit: int = MAX_BODY_BYTES) -> bytes:
        """The whole body (at most ``limit`` bytes; more is an error), kept in ``.content``."""
        parts = []
        size = 0
        try:
            while True:
                data = self.read1()
                if not data:
                    break
                size += len(data)
                if size > limit:
                    raise APIConnectionError(f"the response body from {self._where} is larger than {limit} bytes")
                parts.append(data)
        finally:
            self.close()
        self.content = b"".join(parts)
        return self.content

    def _release(self) -> None:
        """The body was read to its end: keep the connection for the next request if it can be."""
        if self._released:
            return
        self._released = True
        conn, self._conn = self._conn, None
        if conn is None:
            return
        self._raw.close()  # marks the exchange finished, so the connection takes a next request
        if self._pool is not None and self._framing.keep_alive and conn.sock is not None:
            self._pool.put(self.request.origin, conn)
        else:
            conn.close()

    def close(self) -> None:
        """Close the socket now (or return the connection to the pool if the body was read to its end)."""
        if self._closed:
            return
        self._closed = True
        if not self._eof:
            self._abort()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            self.close()


class _Pool:
    """Idle keep-alive connections, by origin (and proxy): sequential requests reuse one."""

    def __init__(self, max_idle: int = 10) -> None:
        self._idle: Dict[Tuple[Any, ...], List[Any]] = {}
        self._lock = threading.Lock()
        self.max_idle = max_idle

    def get(self, origin: _Origin) -> Any:
        with self._lock:
            conns = self._idle.get(origin.key())
            return conns.pop() if conns else None

    def put(self, origin: _Origin, conn: Any) -> None:
        with self._lock:
            conns = self._idle.setdefault(origin.key(), [])
            if len(conns) < self.max_idle:
                conns.append(conn)
                return
        _close_quietly(conn)

    def drain(self) -> List[Any]:
        with self._lock:
            conns = [conn for conns in self._idle.values() for conn in conns]
            self._idle.clear()
        return conns


def _close_quietly(conn: Any) -> None:
    try:
        if hasattr(conn, "close"):
            conn.close()
        else:  # an asyncio (reader, writer) pair
            conn[1].transport.abort()
    except Exception:  # pragma: no cover - closing must never raise
        pass


class _Settings:
    """What both transports are configured with."""

    def __init__(
        self,
        *,
        ssl_context: Optional[ssl.SSLContext] = None,
        ca_bundle: Optional[str] = None,
        proxy: Union[str, bool, None] = None,
        trust_env: bool = True,
        max_redirects: int = MAX_REDIRECTS,
        keep_alive: bool = True,
    ) -> None:
        if ssl_context is not None and ca_bundle is not None:
            raise UsageError("give ssl_context or ca_bundle, not both")
        if proxy is not None and proxy is not False and not isinstance(proxy, str):
            raise UsageError(f"proxy must be a URL string, False or None, not {type(proxy).__name__}")
        if isinstance(proxy, str) and proxy:
            _Proxy(proxy)  # fail now, not at the first request
        self._ssl_context = ssl_context
        self._ca_bundle = ca_bundle
        self.proxy = proxy
        self.trust_env = trust_env
        self.max_redirects = max_redirects
        self.pool: Optional[_Pool] = _Pool() if keep_alive else None

    @property
    def ssl_context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = default_ssl_context(self._ca_bundle)
        return self._ssl_context

    def proxy_for(self, origin: _Origin) -> Optional[_Proxy]:
        return _proxy_for(origin, self.proxy, self.trust_env)

    @staticmethod
    def redirect_target(request: Request, status: int, headers: Message) -> Optional[Request]:
        if status not in (301, 302, 303, 307, 308):
            return None
        location = headers.get("location")
        if not location:
            return None
        return request.redirect(status, location)


class Transport(_Settings):
    """Sync HTTP/1.1 over ``http.client``: opens requests and returns streaming :class:`Response` objects.

    Args:
        ssl_context: the TLS context to use (verification is on by default).
        ca_bundle: or a path to a PEM file of CA certificates to trust instead of the system's.
        proxy: an ``http://[user:pass@]host:port`` proxy URL; ``False`` for none;
            ``None`` (default) reads ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``ALL_PROXY`` /
            ``NO_PROXY`` when ``trust_env`` is true.
        max_redirects: redirects followed (``Authorization`` is never sent to another origin); 0 follows none.
        keep_alive: reuse idle connections for sequential requests.
    """

    def open(self, request: Request, timeout: Timeout = DEFAULT_TIMEOUT) -> Response:
        """Send ``request`` and return the response once its head has arrived (any status).

        Raises:
            APITimeoutError: connecting took longer than ``timeout.connect``, or the
                head did not come within ``timeout.read``, or the deadline passed.
            APIConnectionError: anything else that went wrong before a response.
        """
        budget = _Budget(timeout)
        for _ in range(self.max_redirects + 1):
            response = self._open_once(request, budget)
            follow = self.redirect_target(request, response.status_code, response.headers)
            if follow is None:
                return response
            response.close()
            request = follow
        raise APIConnectionError(f"more than {self.max_redirects} redirects, the last to {request.url}")

    def _open_once(self, request: Request, budget: _Budget) -> Response:
        origin = request.origin
        proxy = self.proxy_for(origin)
        where = _where(origin, proxy)
        pool = self.pool if proxy is None else None
        conn = pool.get(origin) if pool is not None else None
        if conn is not None:
            try:
                return self._exchange(conn, request, proxy, budget, pool, where)
            except APITimeoutError:
                raise
            except APIConnectionError as exc:
                # A kept-alive connection the server had closed meanwhile: one fresh try, as browsers do.
                if not isinstance(exc.__cause__, (ConnectionError, http.client.RemoteDisconnected)):
                    raise
        conn = self._connect(origin, proxy, budget, where)
        return self._exchange(conn, request, proxy, budget, pool, where)

    def _connect(
        self, origin: _Origin, proxy: Optional[_Proxy], budget: _Budget, where: str
    ) -> http.client.HTTPConnection:
        wait = budget.wait("connect")
        conn: http.client.HTTPConnection
        if origin.scheme == "https":
            host, port = (proxy.host, proxy.port) if proxy is not None else (origin.host, origin.port)
            conn = http.client.HTTPSConnection(host, port, timeout=wait, context=self.ssl_context)
            if proxy is not None:
                tunnel_headers = {"Proxy-Authorization": proxy.auth} if proxy.auth else None
                conn.set_tunnel(origin.host, origin.port, headers=tunnel_headers)
        elif proxy is not None:
            conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=wait)
        else:
            conn = http.client.HTTPConnection(origin.host, origin.port, timeout=wait)
        try:
            conn.connect()
        except socket.timeout:
            conn.close()
            raise budget.timed_out("connect", f"connecting to {where}") from None
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            if "Tunnel connection failed" in str(exc):
                raise APIConnectionError(f"connecting to {where}: the proxy refused the tunnel ({exc})") from None
            raise connection_error(exc, f"connecting to {where}") from exc
        return conn

    def _exchange(
        self,
        conn: http.client.HTTPConnection,
        request: Request,
        proxy: Optional[_Proxy],
        budget: _Budget,
        pool: Optional[_Pool],
        where: str,
    ) -> Response:
        try:
            if conn.sock is not None:
                conn.sock.settimeout(budget.wait("read"))
            conn.putrequest(request.method, request.target(proxy), skip_host=True, skip_accept_encoding=True)
            for name, value in request.head(proxy):
                conn.putheader(name, value)
            conn.endheaders(request.body)
            raw = conn.getresponse()
        except socket.timeout:
            conn.close()
            raise budget.timed_out("read", f"waiting for the response from {where}") from None
        except APITimeoutError:
            conn.close()
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            conn.close()
            raise connection_error(exc, f"sending the request to {where}") from exc
        return Response(conn, raw, request, budget, pool, where)

    def close(self) -> None:
        """Close the idle keep-alive connections."""
        if self.pool is not None:
            for conn in self.pool.drain():
                _close_quietly(conn)

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# -- asyncio --------------------------------------------------------------------


async def _within(awaitable: Awaitable[_T], timeout: Optional[float]) -> _T:
    """``await awaitable``, raising ``asyncio.TimeoutError`` after ``timeout`` seconds.

    Not ``asyncio.wait_for``: up to Python 3.11 it can swallow a cancellation of the caller
    that comes as the inner await completes (bpo-42130, seen here on 3.8: a cancelled
    consumer went on reading until the idle timeout).  Here a timer cancels the current task
    itself, as ``asyncio.timeout`` does on 3.11, and no extra task is created per read.
    """
    import asyncio

    if timeout is None:
        return await awaitable
    task = asyncio.current_task()
    assert task is not None
    fired = []

    def expire() -> None:
        fired.append(True)
        task.cancel()

    handle = asyncio.get_running_loop().call_later(max(timeout, 0.0), expire)
    try:
        return await awaitable
    except asyncio.CancelledError:
        if fired:
            uncancel = getattr(task, "uncancel", None)  # 3.11+: undo our own cancel request's count
            if uncancel is not None:
                uncancel()
            raise asyncio.TimeoutError from None
        raise
    finally:
        handle.cancel()


def _parse_head(head: bytes) -> Tuple[str, int, str, Message]:
    """Status line and header fields of a response head (``http.client`` parses the fields)."""
    status_line, _, fields = head.partition(b"\n")
    parts = status_line.decode("latin-1").strip().split(" ", 2)
    try:
        version = parts[0]
        status = int(parts[1])
        if not version.startswith("HTTP/") or not 100 <= status <= 999:
            raise ValueError
    except (IndexError, ValueError):
        raise http.client.BadStatusLine(status_line[:80].decode("latin-1")) from None
    reason = parts[2] if len(parts) > 2 else ""
    headers = http.client.parse_headers(io.BytesIO(fields))
    return version, status, reason, headers


class AsyncResponse(_ResponseBase):
    """The asyncio twin of :class:`Response`: ``await read1()``, ``async for`` over
    ``aiter_bytes()``, ``await read()``, ``await aclose()``."""

    def __init__(
        self,
        conn: Tuple[asyncio.StreamReader, asyncio.StreamWriter],
        status: int,
        reason: str,
        headers: Message,
        version: str,
        request: Request,
        budget: _Budget,
        pool: Optional[_Pool],
        where: str,
        initial: bytes,
    ) -> None:
        self._setup(status, reason, headers, version, request)
        self._conn: Optional[Tuple[asyncio.StreamReader, asyncio.StreamWriter]] = conn
        self._framing = _Framing(status, request.method, headers, version)
        self._budget = budget
        self._pool = pool
        self._where = where
        self._initial = initial
        self._decoder = _content_decoder(headers)
        if self._framing.done:
            self._finish()

    async def read1(self) -> bytes:
        """The next bytes of the body as soon as any have arrived; ``b""`` at its end."""
        while True:
            if self._eof:
                return b""
            if self._closed:
                raise APIConnectionError(f"reading the response from {self._where}: the response was closed")
            decoder = self._decoder
            if decoder is not None and decoder.pending:
                data = self._decode(b"", False)
            else:
                raw = await self._read_raw()
                data = self._decode(raw, not raw)
            if data:
                return data

    async def _read_raw(self) -> bytes:
        import asyncio

        while not self._eof:
            if self._framing.error is not None:
                self._deframe(b"")  # raises it
            data, self._initial = self._initial, b""
            if not data:
                conn = self._conn
                assert conn is not None
                budget = self._budget
                try:
                    wait = budget.wait("read")
                    data = await _within(conn[0].read(READ_SIZE), wait)
                except APITimeoutError:
                    self._abort()
                    raise
                except asyncio.TimeoutError:
                    self._abort()
                    raise budget.timed_out("read", f"reading the response from {self._where}") from None
                except OSError as exc:
                    self._abort()
                    raise connection_error(exc, f"reading the response from {self._where}") from exc
                except BaseException:  # cancelled: the socket goes with the task
                    self._abort()
                    raise
            body = self._deframe(data)
            if body:
                return body
        return b""

    def _finish(self) -> None:
        self._eof = True
        if self._released:
            return
        self._released = True
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._pool is not None and self._framing.keep_alive and not conn[0].at_eof():
            self._pool.put(self.request.origin, conn)
        else:
            conn[1].transport.abort()

    def _abort(self) -> None:
        self._closed = True
        self._released = True
        conn, self._conn = self._conn, None
        if conn is not None:
            conn[1].transport.abort()

    async def drain(self, grace: float = DRAIN_GRACE, limit: int = READ_SIZE) -> bool:
        """The asyncio twin of :meth:`Response.drain`."""
        import asyncio

        seen = 0
        deadline = time.monotonic() + grace
        try:
            while not self._eof and not self._closed and seen <= limit:
                left = deadline - time.monotonic()
                conn = self._conn
                if left <= 0 or conn is None:
                    break
                data, self._initial = self._initial, b""
                if not data:
                    data = await _within(conn[0].read(READ_SIZE), left)
                seen += len(data)
                self._deframe(data)
        except (OSError, asyncio.TimeoutError, APIConnectionError):
            pass
        reused = self._eof and not self._closed
        self.close()
        return reused

    async def aiter_bytes(self) -> AsyncIterator[bytes]:
        """Every piece of the body as it arrives; the response is closed when the loop ends or is left."""
        try:
            while True:
                data = await self.read1()
                if not data:
                    return
                yield data
        finally:
            await self.aclose()

    async def read(self, limit: int = MAX_BODY_BYTES) -> bytes:
        """The whole body (at most ``limit`` bytes), kept in ``.content``."""
        parts = []
        size = 0
        try:
            while True:
                data = await self.read1()
                if not data:
                    break
                size += len(data)
                if size > limit:
                    raise APIConnectionError(f"the response body from {self._where} is larger than {limit} bytes")
                parts.append(data)
        finally:
            await self.aclose()
        self.content = b"".join(parts)
        return self.content

    async def aclose(self) -> None:
        """Close the socket now (unless the body was read to its end and the connection can be reused)."""
        self.close()

    def close(self) -> None:
        """Synchronous close (aborts the transport: nothing is awaited)."""
        if self._closed:
            return
        self._closed = True
        if not self._eof:
            self._abort()

    async def __aenter__(self) -> AsyncResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            with contextlib.suppress(Exception):  # the event loop may be gone already
                self.close()


class AsyncTransport(_Settings):
    """The asyncio twin of :class:`Transport` (same arguments, same decisions)."""

    async def open(self, request: Request, timeout: Timeout = DEFAULT_TIMEOUT) -> AsyncResponse:
        """Send ``request``; return the response once its head has arrived (any status)."""
        budget = _Budget(timeout)
        for _ in range(self.max_redirects + 1):
            response = await self._open_once(request, budget)
            follow = self.redirect_target(request, response.status_code, response.headers)
            if follow is None:
                return response
            await response.aclose()
            request = follow
        raise APIConnectionError(f"more than {self.max_redirects} redirects, the last to {request.url}")

    async def _open_once(self, request: Request, budget: _Budget) -> AsyncResponse:
        origin = request.origin
        proxy = self.proxy_for(origin)
        where = _where(origin, proxy)
        pool = self.pool if proxy is None else None
        conn = pool.get(origin) if pool is not None else None
        if conn is not None:
            if not conn[0].at_eof():
                try:
                    return await self._exchange(conn, request, proxy, budget, pool, where)
                except APITimeoutError:
                    raise
                except APIConnectionError as exc:
                    if not isinstance(exc.__cause__, (ConnectionError, http.client.RemoteDisconnected)):
                        raise
            else:
                _close_quietly(conn)
        conn = await self._connect(origin, proxy, budget, where)
        return await self._exchange(conn, request, proxy, budget, pool, where)

    async def _connect(
        self, origin: _Origin, proxy: Optional[_Proxy], budget: _Budget, where: str
    ) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        import asyncio

        tls = self.ssl_context if origin.scheme == "https" else None
        wait = budget.wait("connect")
        try:
            return await _within(self._dial(origin, proxy, tls, where), wait)
        except asyncio.TimeoutError:
            raise budget.timed_out("connect", f"connecting to {where}") from None
        except (OSError, http.client.HTTPException) as exc:
            raise connection_error(exc, f"connecting to {where}") from exc

    @staticmethod
    async def _dial(
        origin: _Origin, proxy: Optional[_Proxy], tls: Optional[ssl.SSLContext], where: str
    ) -> Tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        import asyncio

        name = origin.host if tls is not None else None
        if proxy is None:
            return await asyncio.open_connection(origin.host, origin.port, ssl=tls, server_hostname=name)
        if tls is None:  # plain HTTP through a proxy: absolute-form requests on the proxy connection
            return await asyncio.open_connection(proxy.host, proxy.port)
        # HTTPS through a proxy: CONNECT on a bare socket, then TLS over it (works on 3.8, unlike start_tls).
        loop = asyncio.get_running_loop()
        sock = None
        try:
            for family, kind, proto, _, address in await loop.getaddrinfo(
                proxy.host, proxy.port, type=socket.SOCK_STREAM
            ):
                candidate = socket.socket(family, kind, proto)
                candidate.setblocking(False)
                try:
                    await loop.sock_connect(candidate, address)
                except OSError:
                    candidate.close()
                    continue
                sock = candidate
                break
            if sock is None:
                raise ConnectionRefusedError(f"could not connect to the proxy {proxy.url}")
            lines = [f"CONNECT {origin.host}:{origin.port} HTTP/1.1", f"Host: {origin.host}:{origin.port}"]
            if proxy.auth:
                lines.append(f"Proxy-Authorization: {proxy.auth}")
            await loop.sock_sendall(sock, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            head = b""
            while b"\r\n\r\n" not in head:
                data = await loop.sock_recv(sock, 4096)
                if not data or len(head) > _HEAD_LIMIT:
                    raise http.client.RemoteDisconnected("the proxy closed the connection during CONNECT")
                head += data
            _, status, reason, _ = _parse_head(head.split(b"\r\n\r\n", 1)[0])
            if status != 200:
                raise APIConnectionError(f"connecting to {where}: the proxy refused the tunnel ({status} {reason})")
            return await asyncio.open_connection(sock=sock, ssl=tls, server_hostname=name)
        except BaseException:
            if sock is not None:
                sock.close()
            raise

    async def _exchange(
        self,
        conn: Tuple[asyncio.StreamReader, asyncio.StreamWriter],
        request: Request,
        proxy: Optional[_Proxy],
        budget: _Budget,
        pool: Optional[_Pool],
        where: str,
    ) -> AsyncResponse:
        import asyncio

        reader, writer = conn
        try:
            writer.write(request.encode_head(proxy) + (request.body or b""))
            wait = budget.wait("read")
            head, rest = await _within(self._read_head(reader), wait)
            version, status, reason, headers = _parse_head(head)
            while 100 <= status < 200:  # interim responses (100 Continue, 103 Early Hints) are skipped
                wait = budget.wait("read")
                head, rest = await _within(self._read_head(reader, rest), wait)
                version, status, reason, headers = _parse_head(head)
        except asyncio.TimeoutError:
            writer.transport.abort()
            raise budget.timed_out("read", f"waiting for the response from {where}") from None
        except APITimeoutError:
            writer.transport.abort()
            raise
        except (OSError, http.client.HTTPException, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
            writer.transport.abort()
            if isinstance(exc, asyncio.IncompleteReadError):
                exc = http.client.RemoteDisconnected("the server closed the connection without sending a response")
            raise connection_error(exc, f"sending the request to {where}") from exc
        except BaseException:
            writer.transport.abort()
            raise
        return AsyncResponse(conn, status, reason, headers, version, request, budget, pool, where, rest)

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader, buffered: bytes = b"") -> Tuple[bytes, bytes]:
        """Read up to the blank line after the headers; return the head and any body bytes read with it."""
        data = buffered
        while True:
            end = data.find(b"\r\n\r\n")
            if end >= 0:
                return data[:end], data[end + 4 :]
            if len(data) > _HEAD_LIMIT:
                raise http.client.LineTooLong("response head")
            more = await reader.read(READ_SIZE)
            if not more:
                raise http.client.RemoteDisconnected("the server closed the connection without sending a response")
            data += more

    async def aclose(self) -> None:
        """Close the idle keep-alive connections."""
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            for conn in self.pool.drain():
                _close_quietly(conn)

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
