"""HTTP/1.1 messages, sans-I/O: what is sent and how what comes back is read.

Nothing here touches a socket, a clock or an event loop (no ``socket``, ``ssl``,
``http.client`` or ``asyncio`` import); the flows in :mod:`~sse_pplx._exchange`
decide when to send and read, and the drivers in :mod:`~sse_pplx.transport`
move the bytes.  One copy of each rule, for the blocking and the asyncio driver:

* requests: URL checks, header validation, the request head (RFC 9112 §3),
  absolute-form through a proxy (§3.2.2), redirects as httpx builds them
  (RFC 9110 §15.4), proxies from the environment as curl and urllib read them;
* one response-head parser (RFC 9112 §2-§5): CRLF or bare LF line ends (§2.2),
  every 1xx interim response skipped (RFC 9110 §15.2), limits on line length
  and field count;
* ``Content-Type`` read as the Fetch standard's "extract a MIME type" does
  (:mod:`~sse_pplx._media_type`);
* body framing (RFC 9112 §6.3, §7.1): chunked, Content-Length or
  close-delimited; content decoding (gzip, deflate);
* the ``CONNECT`` request and the reading of its reply (RFC 9110 §9.3.6).

Every refusal is an :class:`~sse_pplx.errors.UsageError` (the caller asked for
something we do not send) or an :class:`~sse_pplx.errors.APIConnectionError`
(the peer sent something we cannot read); the flows add where it happened.
"""

from __future__ import annotations

import re
import sys
import zlib
from urllib.parse import quote, unquote, urljoin, urlsplit

from ._version import __version__
from .errors import APIConnectionError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, ClassVar, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

    HeaderPairs = Sequence[Tuple[str, str]]

__all__ = [
    "Headers",
    "Origin",
    "Proxy",
    "Request",
    "ResponseHead",
    "ResponseHeadParser",
    "BodyFraming",
    "ContentDecoder",
    "check_header",
    "connect_request",
    "content_decoder",
    "merge_headers",
    "proxy_for",
]

#: How much one read asks for; a read returns whatever has arrived, up to this.
READ_SIZE = 65536
#: Error bodies (and whole non-streamed responses) are read up to this size.
MAX_BODY_BYTES = 32 * 1024 * 1024
#: Redirects followed before giving up (httpx's default is 20; an API needs few).
MAX_REDIRECTS = 10
#: The longest line of a response head, and the most field lines (``http.client``'s limits).
MAX_HEAD_LINE_BYTES = 65536
MAX_HEAD_FIELDS = 100
USER_AGENT = f"sse_pplx/{__version__}"

_FORBIDDEN = ("\r", "\n", "\0")
_HEX_LINE = re.compile(rb"[0-9A-Fa-f]{1,15}\r?\Z").match


# -- URLs and request headers -------------------------------------------------------


class Origin:
    """A parsed http(s) URL: where to connect and what to ask for."""

    __slots__ = ("host", "netloc", "port", "scheme", "target", "url")
    host: str
    netloc: str
    port: int
    target: str
    url: str

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
        default_port = 443 if scheme == "https" else 80
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port or default_port
        shown = f"[{host}]" if ":" in host else host
        self.netloc = shown if port is None or port == default_port else f"{shown}:{self.port}"
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def key(self) -> Tuple[str, str, int]:
        """What the connection pool files a connection under: scheme, host, port."""
        return (self.scheme, self.host, self.port)


def check_header(name: str, value: str) -> None:
    """Refuse a header that would inject lines into the request (CR, LF or NUL)."""
    if not isinstance(name, str) or not isinstance(value, str):
        raise UsageError(f"header {name!r}: names and values must be str, not {type(value).__name__}")
    if not name or any(c in name for c in (*_FORBIDDEN, ":", " ", "\t")):
        raise UsageError(f"header name {name!r} is not a valid HTTP token (refused: header injection)")
    if any(c in value for c in _FORBIDDEN):
        raise UsageError(f"header {name!r}: the value contains CR, LF or NUL (refused: header injection)")
    if not value.isascii() and max(value) > "\xff":
        # The head is written one byte per character (Latin-1, as http.client does); httpx refuses
        # any non-ASCII str.  Refused here, at the call, rather than failing at send time.
        raise UsageError(
            f"header {name!r}: the value has characters beyond Latin-1; encode it first "
            "(e.g. percent-encoding, or value.encode('utf-8').decode('latin-1') to send UTF-8 bytes)"
        )


class Proxy:
    """An ``http://[user:pass@]host:port`` forward proxy."""

    __slots__ = ("auth", "host", "port", "url")
    host: str
    port: int
    url: str

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
        self.auth: Optional[str] = None
        if userinfo:
            import base64

            self.auth = "Basic " + base64.b64encode(unquote(userinfo).encode("utf-8")).decode("ascii")
        self.url = f"http://{self.host}:{self.port}"  # for messages: never the credentials


def _environment_proxies(environ: Mapping[str, str]) -> Dict[str, str]:
    """``*_proxy`` variables by scheme, as ``urllib.request.getproxies_environment`` reads them:
    any case, the lower-case spelling winning; ``HTTP_PROXY`` ignored under CGI (httpoxy)."""
    found: Dict[str, str] = {}
    for name, value in environ.items():
        if value and name[-6:].lower() == "_proxy":
            found.setdefault(name[:-6].lower(), value)
    for name, value in environ.items():
        if value and name[-6:] == "_proxy":
            found[name[:-6]] = value
    if "REQUEST_METHOD" in environ and environ.get("HTTP_PROXY") and not environ.get("http_proxy"):
        found.pop("http", None)
    return found


def _bypassed(host: str, port: int, no_proxy: str) -> bool:
    """``NO_PROXY``: ``*``, or a comma-separated list of host names, each matching itself and
    its subdomains (a leading dot is optional), with or without the port (urllib's rule)."""
    if no_proxy.strip() == "*":
        return True
    host = host.lower()
    with_port = f"{host}:{port}"
    for entry in no_proxy.split(","):
        name = entry.strip().lstrip(".").lower()
        if not name:
            continue
        if name in (host, with_port) or host.endswith("." + name) or with_port.endswith("." + name):
            return True
    return False


def proxy_for(
    origin: Origin, proxy: Union[str, bool, None], trust_env: bool, environ: Mapping[str, str]
) -> Optional[Proxy]:
    """The proxy to use for ``origin``: the given URL, none (``False``), or the environment's."""
    if proxy is False or proxy == "":
        return None
    if isinstance(proxy, str):
        return Proxy(proxy)
    if not trust_env:
        return None
    proxies = _environment_proxies(environ)
    url = proxies.get(origin.scheme) or proxies.get("all")
    if not url or _bypassed(origin.host, origin.port, proxies.get("no", "")):
        return None
    return Proxy(url)


class Request:
    """What to send: method, URL, headers (in order) and an optional body."""

    __slots__ = ("body", "headers", "method", "origin", "url")
    body: Optional[bytes]
    headers: List[Tuple[str, str]]
    method: str
    origin: Origin
    url: str

    def __init__(self, method: str, url: str, headers: HeaderPairs = (), body: Optional[bytes] = None) -> None:
        method = method.upper()
        if not method.isalpha():
            raise UsageError(f"invalid HTTP method {method!r}")
        for name, value in headers:
            check_header(name, value)
        self.method = method
        self.url = url
        self.origin = Origin(url)
        self.headers = list(headers)
        self.body = body

    def head(self, proxy: Optional[Proxy]) -> List[Tuple[str, str]]:
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

    def target(self, proxy: Optional[Proxy]) -> str:
        """The request target: origin-form, or absolute-form through a plain-HTTP proxy."""
        # A plain-HTTP request through a proxy names the whole URL (RFC 9112 §3.2.2, absolute-form).
        if proxy is not None and self.origin.scheme == "http":
            return f"http://{self.origin.netloc}{self.origin.target}"
        return self.origin.target

    def encode(self, proxy: Optional[Proxy]) -> bytes:
        """The request as sent: head and body."""
        lines = [f"{self.method} {self.target(proxy)} HTTP/1.1"]
        lines.extend(f"{name}: {value}" for name, value in self.head(proxy))
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (self.body or b"")

    def redirect(self, status: int, location: Optional[str]) -> Optional[Request]:
        """The request to send next after a response with ``status`` and ``Location``, or None
        when it is not a redirect; built as httpx builds it (RFC 9110 §15.4): 303 (and 301/302
        after a POST) become a GET without body; credentials never go to another origin."""
        if status not in (301, 302, 303, 307, 308) or not location:
            return None
        url = urljoin(self.url, quote(location, safe=":/?#[]@!$&'()*+,;=%~"))
        method, body = self.method, self.body
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
        same_origin = Origin(url).key() == self.origin.key()
        drop = {"host", "content-length"}
        if body is None:
            drop |= {"content-type", "transfer-encoding"}
        if not same_origin:
            drop |= {"authorization", "cookie", "proxy-authorization", "x-api-key", "api-key"}
        return Request(method, url, [(n, v) for n, v in self.headers if n.lower() not in drop], body)


def merge_headers(*layers: Optional[Mapping[str, Optional[str]]]) -> List[Tuple[str, str]]:
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


def connect_request(origin: Origin, proxy: Proxy) -> bytes:
    """``CONNECT host:port`` (RFC 9110 §9.3.6, authority-form target), with the proxy's credentials."""
    authority = f"[{origin.host}]:{origin.port}" if ":" in origin.host else f"{origin.host}:{origin.port}"
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}", f"User-Agent: {USER_AGENT}"]
    if proxy.auth:
        lines.append(f"Proxy-Authorization: {proxy.auth}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# -- response heads ---------------------------------------------------------------


class Headers:
    """Response header fields: names compared case-insensitively (RFC 9110 §5.1), order kept.

    ``get(name)`` joins repeated fields with ``", "`` (RFC 9110 §5.3, as httpx does);
    ``get_all(name)`` gives each; ``headers[name]`` raises ``KeyError`` when absent.
    """

    __slots__ = ("_flat",)

    def __init__(self, fields: Sequence[Tuple[str, str]] = ()) -> None:
        # One flat tuple (name, value, name, value, ...) with the names interned: a response's
        # head is held for as long as its stream is open.  With the interned status line and
        # ChatResult's shared empties: 20.9 -> 19.9 KiB per open stream (bench_scale.py,
        # N = 1,000 at 20 ms; benchmarks/README.md).
        flat: List[str] = []
        for name, value in fields:
            flat += (sys.intern(str(name)), value)
        self._flat: Tuple[str, ...] = tuple(flat)

    def _pairs(self) -> Iterator[Tuple[str, str]]:
        flat = self._flat
        return zip(flat[::2], flat[1::2])

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The first value of the field ``name`` (any case), or ``default``."""
        values = self.get_all(name)
        return ", ".join(values) if values else default

    def get_all(self, name: str) -> List[str]:
        """Every value of the field ``name`` (any case), in order."""
        wanted = name.lower()
        return [value for key, value in self._pairs() if key.lower() == wanted]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> List[Tuple[str, str]]:
        """The (name, value) pairs as received, in order."""
        return list(self._pairs())

    def keys(self) -> List[str]:
        """The field names as received, in order (repeated names repeated)."""
        return list(self._flat[::2])

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._flat) // 2

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Headers) and self._flat == other._flat

    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers({self.items()!r})"


class ResponseHead:
    """A final response's status line and header fields."""

    __slots__ = ("headers", "http_version", "reason", "status_code")
    headers: Headers
    http_version: str
    reason: str
    status_code: int

    def __init__(self, http_version: str, status_code: int, reason: str, headers: Headers) -> None:
        self.http_version = http_version
        self.status_code = status_code
        self.reason = reason
        self.headers = headers


class ResponseHeadParser:
    """Bytes as they arrive in, the final response head out (RFC 9112 §2-§5).

    ``feed(data)`` returns None until a final (non-1xx) head is complete, then the
    :class:`ResponseHead`; the bytes after it (the start of the body) are in ``rest``.
    Lines end with CRLF or a bare LF, a CR before the LF ignored ("a recipient MAY
    recognize a single LF as a line terminator and ignore any preceding CR", §2.2).
    "A client MUST be able to parse one or more 1xx responses received prior to a final
    response" (RFC 9110 §15.2): each is parsed and skipped (100 Continue, 103 Early Hints).
    Linear in the bytes fed, however they are split: a head trickled a byte at a time
    costs what it costs whole.
    """

    __slots__ = ("_buffer", "_line_start", "_lines", "_scanned", "interim", "received", "rest")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._scanned = 0  # no head ends before this offset (less the two bytes a split may cut)
        self._lines = 0  # line ends in the buffer
        self._line_start = 0  # where the buffer's last, unfinished line starts
        #: Bytes received so far (0: the peer has said nothing yet).
        self.received = 0
        #: How many 1xx responses were skipped.
        self.interim = 0
        #: The bytes after the final head: the start of the body.
        self.rest = b""

    def feed(self, data: bytes) -> Optional[ResponseHead]:
        self.received += len(data)
        buffer = self._buffer
        newline = data.rfind(b"\n")
        if newline >= 0:
            self._line_start = len(buffer) + newline + 1
            self._lines += data.count(b"\n")
        buffer += data
        while True:
            end = self._head_end()
            if end < 0:
                return None
            block = bytes(buffer[:end])
            del buffer[:end]
            self._scanned = 0
            self._lines = buffer.count(b"\n")
            self._line_start = buffer.rfind(b"\n") + 1
            head = _parse_head(block)
            if not 100 <= head.status_code < 200:
                self.rest = bytes(buffer)
                buffer.clear()
                return head
            self.interim += 1

    def _head_end(self) -> int:
        """The offset just past the empty line that ends the head, or -1 (the limits checked)."""
        buffer = self._buffer
        start = max(self._scanned - 2, 0)
        bare = buffer.find(b"\n\n", start)
        crlf = buffer.find(b"\n\r\n", start)
        if bare >= 0 and (crlf < 0 or bare < crlf):
            return bare + 2
        if crlf >= 0:
            return crlf + 3
        self._scanned = len(buffer)
        if self._lines > MAX_HEAD_FIELDS + 1:
            raise APIConnectionError(f"malformed response head: more than {MAX_HEAD_FIELDS} header fields")
        if len(buffer) - self._line_start > MAX_HEAD_LINE_BYTES:
            raise APIConnectionError(f"malformed response head: a line longer than {MAX_HEAD_LINE_BYTES} bytes")
        return -1

    def eof_error(self) -> APIConnectionError:
        """The error for a connection that closed before the final head was complete."""
        if self.received == 0:
            return APIConnectionError("the server closed the connection without sending a response")
        return APIConnectionError("the connection closed in the middle of the response head")


def _parse_head(block: bytes) -> ResponseHead:
    """``status-line *( field-line CRLF ) CRLF`` (RFC 9112 §2.1, §4, §5)."""
    lines = block.split(b"\n")
    status_line = lines[0].rstrip(b"\r").decode("latin-1")
    parts = status_line.split(" ", 2)
    try:
        version = parts[0]
        if not version.startswith("HTTP/1.") or len(parts[1]) != 3:
            raise ValueError(version)
        status = int(parts[1])
        if status < 100:
            raise ValueError(status)
    except (IndexError, ValueError):
        raise APIConnectionError(f"malformed response head: bad status line {status_line[:80]!r}") from None
    if len(lines) - 1 > MAX_HEAD_FIELDS + 2:
        raise APIConnectionError(f"malformed response head: more than {MAX_HEAD_FIELDS} header fields")
    fields: List[Tuple[str, str]] = []
    for raw in lines[1:]:
        line = raw.rstrip(b"\r").decode("latin-1")
        if not line:
            continue
        if line[0] in " \t" and fields:
            # obs-fold: "replace each received obs-fold with one or more SP octets" (RFC 9112 §5.2)
            name, value = fields[-1]
            fields[-1] = (name, (value + " " + line.strip(" \t")).strip(" \t"))
            continue
        name, colon, value = line.partition(":")
        name = name.rstrip(" \t")
        if not colon or not name or any(c in name for c in " \t"):
            raise APIConnectionError(f"malformed response head: bad header line {line[:80]!r}")
        fields.append((name, value.strip(" \t")))
    reason = parts[2] if len(parts) > 2 else ""
    # interned: the same few strings ("HTTP/1.1", "OK") for every open stream's head
    return ResponseHead(sys.intern(version), status, sys.intern(reason), Headers(fields))


# -- bodies -------------------------------------------------------------------


class ContentDecoder:
    """Incremental gzip / deflate decoding, in bounded pieces (a compressed bomb cannot make
    one call return more than :attr:`LIMIT` bytes; :attr:`pending` says more is waiting).

    ``deflate`` is meant to be zlib-wrapped (RFC 9110 §8.4.1.2) but is sometimes sent raw:
    the first two bytes tell which, however the body is split (a zlib header is
    ``CMF FLG`` with compression method 8 and ``(CMF * 256 + FLG) % 31 == 0``, RFC 1950 §2.2).
    """

    __slots__ = ("_decompressor", "_start")

    LIMIT = READ_SIZE * 16

    def __init__(self, encoding: str) -> None:
        self._decompressor: Optional[Any] = None
        self._start = b""  # deflate: the first bytes, until they say zlib or raw
        if encoding != "deflate":
            self._decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)

    def decode(self, data: bytes) -> bytes:
        decompressor = self._decompressor
        if decompressor is None:
            data = self._start + data
            if len(data) < 2:
                self._start = data
                return b""
            wrapped = data[0] & 0x0F == 8 and (data[0] * 256 + data[1]) % 31 == 0
            decompressor = self._decompressor = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        try:
            return decompressor.decompress(decompressor.unconsumed_tail + data, self.LIMIT)
        except zlib.error as exc:
            raise APIConnectionError(f"the compressed body is corrupt ({exc})") from None

    @property
    def pending(self) -> bool:
        return self._decompressor is not None and bool(self._decompressor.unconsumed_tail)

    def flush(self) -> bytes:
        if self._decompressor is None:
            return b""
        try:
            return self._decompressor.flush()  # type: ignore[no-any-return]
        except zlib.error as exc:  # pragma: no cover - flush() reports no error in practice
            raise APIConnectionError(f"the compressed body is corrupt ({exc})") from None


def content_decoder(headers: Headers) -> Optional[ContentDecoder]:
    """The decoder the ``Content-Encoding`` asks for; an encoding we cannot decode is refused."""
    encoding = (headers.get("content-encoding") or "").strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return ContentDecoder("deflate" if encoding == "deflate" else "gzip")
    raise APIConnectionError(
        f"the server sent the body with Content-Encoding {encoding!r}, which cannot be decoded "
        "(sse_pplx asks for identity, gzip or deflate)"
    )


class BodyFraming:
    """Where the body ends (RFC 9112 §6.3, §7.1): chunked, Content-Length or close-delimited.
    ``feed`` takes bytes as they arrive and returns the body bytes in them; ``done`` says the
    body is complete; ``eof()`` is the connection closing."""

    __slots__ = ("_buffer", "_kind", "_left", "_state", "done", "error", "keep_alive")

    def __init__(self, status: int, method: str, head: ResponseHead) -> None:
        headers = head.headers
        self._buffer = bytearray()
        self._left = 0
        self._state = "size"
        self.done = False
        #: A framing error found after good body bytes: raised by the next feed.
        self.error: Optional[APIConnectionError] = None
        connection = [token.strip().lower() for token in (headers.get("connection") or "").split(",")]
        self.keep_alive = head.http_version == "HTTP/1.1" and "close" not in connection
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
        self._buffer += data
        out: List[bytes] = []
        try:
            self._chunked(out)
        except APIConnectionError as exc:
            if not out:
                raise
            self.error = exc  # the good chunks before the bad one are delivered first
        return b"".join(out)

    def _chunked(self, out: List[bytes]) -> None:
        buffer = self._buffer
        position = 0
        size_of = self._chunk_size
        while not self.done:
            state = self._state
            if state == "data":
                take = min(self._left, len(buffer) - position)
                if take == 0:
                    break
                out.append(bytes(buffer[position : position + take]))
                position += take
                self._left -= take
                if self._left == 0:
                    self._state = "crlf"
                continue
            end = buffer.find(b"\n", position)
            if end < 0:
                if len(buffer) - position > MAX_HEAD_LINE_BYTES:
                    raise APIConnectionError("malformed chunked encoding: a chunk-size line is too long")
                break
            line = buffer[position:end]
            position = end + 1
            if state == "size":
                size = size_of(line)
                if size == 0:
                    self._state = "trailer"
                    continue
                stop = position + size
                if buffer[stop : stop + 2] == b"\r\n":  # the whole chunk is here: take it in one step
                    out.append(bytes(buffer[position:stop]))
                    position = stop + 2
                    continue
                self._left = size
                self._state = "data"
            elif state == "crlf":
                if line.rstrip(b"\r"):
                    raise APIConnectionError("malformed chunked encoding: chunk data not followed by CRLF")
                self._state = "size"
            elif not line.rstrip(b"\r"):  # the trailer section ends with an empty line
                self.done = True
        # What is left (part of a size line or of a CRLF: a few bytes) in a buffer of its own
        # size: a bytearray shortened by ``del`` keeps its allocation, the largest read's size,
        # held by every open stream between its events (benchmarks/bench_scale.py).
        self._buffer = buffer[position:]

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
            raise APIConnectionError("the connection closed before the response body was complete")
        self.done = True
