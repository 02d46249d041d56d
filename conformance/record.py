"""Record a live stream as a fixture, with its chunking and timing, and no secrets.

Command line (``python -m conformance record --help``)::

    python -m conformance record URL [--method POST] [--data JSON | --data-file F] [-H 'Name: value' ...]
                                     [--api-key-env PERPLEXITY_API_KEY] -o fixtures/recorded/NAME.json
                                     [--description TEXT] [--source TEXT] [--timeout S] [--cafile PEM] [--force]

The request goes out with ``http.client`` (HTTPS through
``ssl.create_default_context()``), with ``Accept: text/event-stream`` and
``Accept-Encoding: identity``.  The body is read with ``read1()``, so each
recorded chunk is what one read returned and ``delays_ms`` is the time before
it (the first: since the response headers).  A body that arrives compressed
anyway is decoded and the encoding noted in the provenance.  A connection that
breaks mid-stream still gives a fixture: what arrived, with the error noted.

Redaction: the values of ``Authorization``, ``Proxy-Authorization``,
``Cookie``, ``Set-Cookie``, ``x-api-key``, ``api-key`` (and other headers named
like a key or token) become ``[REDACTED]``; anything that looks like a key
(``pplx-...``, ``sk-...``, ``Bearer <token>``) and the value of the
``--api-key-env`` variable (and of ``PERPLEXITY_API_KEY``, ``PPLX_API_KEY``,
``OPENAI_API_KEY`` when set) is replaced by ``[REDACTED]`` everywhere: the
response headers, the provenance (URL, request headers and body) and the
stream bytes themselves (recorded chunk boundaries are moved to match).  The
file is checked for every known secret before it is written.

The fixture's ``expect`` (and ``chat``) are what sse_pplx's parser makes of
the bytes: a convenience, marked as such in ``provenance.expect``, to be
reviewed before the fixture is committed.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import http.client
import json
import os
import re
import ssl
import sys
import time
import urllib.parse
import zlib
from pathlib import Path
from typing import Any, Dict, Iterable, List, Match, Optional, Pattern, Sequence, Tuple

__all__ = ["REDACTED", "Recording", "Redactor", "build_fixture", "expect_from_sse_pplx", "main", "record"]

REDACTED = "[REDACTED]"

#: Headers whose whole value is a secret.
SECRET_HEADERS = frozenset(
    ("authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "x-auth-token")
)
_SECRET_NAME = re.compile(r"(?i)(api[-_]?key|token|secret|password|passwd|auth|session|cookie|signature|sig)$")
#: Environment variables whose values are redacted whenever they are set.
KNOWN_KEY_VARS = ("PERPLEXITY_API_KEY", "PPLX_API_KEY", "OPENAI_API_KEY")
#: Key-shaped strings, redacted wherever they appear.
KEY_PATTERNS = (
    r"(?<![A-Za-z0-9])pplx-[A-Za-z0-9]{16,}",
    r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}",
    r"(?i:bearer)[ \t]+[A-Za-z0-9._~+/=-]{8,}",
)
_BEARER = re.compile(r"(?i)^bearer[ \t]+")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9._-]*$")


def _secret_name(name: str) -> bool:
    name = name.lower()
    return name in SECRET_HEADERS or bool(_SECRET_NAME.search(name))


class Redactor:
    """Replaces secrets (given literally, or key-shaped) by ``[REDACTED]`` in text, bytes and JSON."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        literals = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)
        self.secrets = literals
        parts = [re.escape(s) for s in literals] + list(KEY_PATTERNS)
        self._text: Pattern[str] = re.compile("|".join(parts))
        self._bytes: Pattern[bytes] = re.compile("|".join(parts).encode("utf-8"))
        self.count = 0

    def _text_sub(self, m: Match[str]) -> str:
        self.count += 1
        bearer = _BEARER.match(m.group())
        return (bearer.group() if bearer else "") + REDACTED

    def text(self, value: str) -> str:
        return self._text.sub(self._text_sub, value)

    def spans(self, data: bytes) -> List[Tuple[int, int, bytes]]:
        """The ``(start, end, replacement)`` of every secret in ``data``."""
        out = []
        for m in self._bytes.finditer(data):
            bearer = _BEARER.match(m.group().decode("latin-1"))
            keep = len(bearer.group()) if bearer else 0
            out.append((m.start() + keep, m.end(), REDACTED.encode()))
        self.count += len(out)
        return out

    def json(self, value: Any) -> Any:
        """A copy of a JSON value: secret-named keys' values and secret-looking strings redacted."""
        if isinstance(value, dict):
            return {k: REDACTED if _secret_name(str(k)) else self.json(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def headers(self, headers: Iterable[Tuple[str, str]]) -> Dict[str, str]:
        """Lower-case names; secret headers' values redacted; repeated headers joined with ", "."""
        out: Dict[str, str] = {}
        for name, value in headers:
            key = name.lower()
            value = REDACTED if _secret_name(key) else self.text(value)
            out[key] = value if key not in out else out[key] + ", " + value
        return out

    def url(self, url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        clean = [(k, REDACTED if _secret_name(k) or k.lower() in ("key", "code") else v) for k, v in query]
        rebuilt = urllib.parse.urlunsplit(
            (parts.scheme, netloc, parts.path, urllib.parse.urlencode(clean, safe="[]"), "")
        )
        return self.text(rebuilt)


def rewrite(
    data: bytes, chunks: List[int], delays: List[float], spans: List[Tuple[int, int, bytes]]
) -> Tuple[bytes, List[int], List[float]]:
    """Apply replacements to ``data``, moving chunk boundaries with them.

    A boundary inside a replaced span moves to the span's end; chunks left
    empty disappear and their delay is added to the next chunk's.
    """
    if not spans:
        return data, chunks, delays
    out, last = [], 0
    for start, end, replacement in spans:
        out.append(data[last:start])
        out.append(replacement)
        last = end
    out.append(data[last:])
    bounds, pos = [], 0
    for size in chunks:
        pos += size
        shift = 0
        for start, end, replacement in spans:
            if end <= pos:
                shift += len(replacement) - (end - start)
            elif start < pos:  # inside the span: move to its end
                shift += len(replacement) - (pos - start)
        bounds.append(pos + shift)
    new_chunks: List[int] = []
    new_delays: List[float] = []
    prev, carry = 0, 0.0
    for bound, delay in zip(bounds, delays):
        if bound > prev:
            new_chunks.append(bound - prev)
            new_delays.append(round(carry + delay, 3))
            prev, carry = bound, 0.0
        else:
            carry += delay
    return b"".join(out), new_chunks, new_delays


# -- expectations from sse_pplx (a convenience, reviewed by hand) --------------------

_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def expect_from_sse_pplx(data: bytes, options: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The ``expect`` block of a fixture as sse_pplx parses ``data`` (fed line by line)."""
    from sse_pplx import LimitExceeded, SSEParser

    parser = SSEParser(**(options or {}))
    events: List[Dict[str, Any]] = []

    def add(batch: Iterable[Any]) -> None:
        events.extend(
            {
                "type": ev.event,
                "data": ev.data,
                "id": ev.id,
                "retry": ev.retry,
                "last_event_id": parser.last_event_id,
                "reconnection_time": parser.retry,
            }
            for ev in batch
        )

    try:
        for m in _LINE.finditer(data):
            add(parser.feed(m.group()))
        parser.close()
    except LimitExceeded as exc:
        add(getattr(exc, "events", []))
        return {
            "events": events,
            "end": None,
            "error": {"kind": "limit", "limit": exc.limit, "events_before": len(events)},
        }
    end = {
        "last_event_id": parser.last_event_id,
        "reconnection_time": parser.retry,
        "discarded": parser.incomplete_event is not None,
    }
    return {"events": events, "end": end, "error": None}


def chat_from_sse_pplx(data: bytes) -> Optional[Dict[str, Any]]:
    """The ``chat`` block as sse_pplx's chat layer reads ``data``, or None for a stream that is not chat."""
    from sse_pplx import APIErrorEvent
    from sse_pplx.chat import collect_chat

    error = False
    result: Any = None
    try:
        result = collect_chat([data])
    except APIErrorEvent as exc:
        result, error = exc.partial, True
    except Exception:
        return None
    if result is None or (not result.chunks and not error):
        return None
    full = result.to_dict()
    return {
        "content": full["content"],
        "reasoning": full["reasoning"],
        "answer": full["answer"],
        "finish_reason": full["finish_reason"],
        "citations": [c for c in full["citations"] if isinstance(c, str)],
        "search_results": full["search_results"],
        "usage": full["usage"],
        "outcome": "error" if error else full["outcome"],
        "malformed": len(full["malformed"]),
        "error": error,
    }


# -- recording ------------------------------------------------------------------------


class Recording:
    """What came back: status, headers, the body as received (chunks and delays), and timings."""

    def __init__(self) -> None:
        self.status = 0
        self.reason = ""
        self.http_version = ""
        self.headers: List[Tuple[str, str]] = []
        self.data = b""
        self.chunks: List[int] = []
        self.delays_ms: List[float] = []
        self.time_to_headers_ms = 0.0
        self.total_ms = 0.0
        self.error: Optional[str] = None
        self.decoded: Optional[str] = None


def _decoder(encoding: str) -> Any:
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


def fetch(
    url: str,
    *,
    method: str = "GET",
    body: Optional[bytes] = None,
    headers: Sequence[Tuple[str, str]] = (),
    timeout: float = 120.0,
    context: Optional[ssl.SSLContext] = None,
) -> Recording:
    """Make the request and read the response as it arrives (``read1``)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {url!r}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=timeout, context=context or ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    rec = Recording()
    pieces: List[bytes] = []
    try:
        start = time.monotonic()
        conn.request(method, target, body=body, headers=dict(headers))
        resp = conn.getresponse()
        last = time.monotonic()
        rec.time_to_headers_ms = round((last - start) * 1000.0, 3)
        rec.status, rec.reason = resp.status, resp.reason
        rec.http_version = "HTTP/1.1" if resp.version == 11 else "HTTP/1.0"
        rec.headers = list(resp.getheaders())
        encoding = (resp.getheader("Content-Encoding") or "").strip().lower()
        decoder = _decoder(encoding)
        if decoder is not None:
            rec.decoded = encoding
        carry = 0.0
        try:
            while True:
                chunk = resp.read1(65536)
                now = time.monotonic()
                if not chunk:
                    break
                delay = (now - last) * 1000.0 + carry
                last = now
                if decoder is not None:
                    chunk = decoder.decompress(chunk)
                    if not chunk:
                        carry = delay
                        continue
                carry = 0.0
                pieces.append(chunk)
                rec.chunks.append(len(chunk))
                rec.delays_ms.append(round(delay, 3))
            if decoder is not None:
                tail = decoder.flush()
                if tail:
                    pieces.append(tail)
                    rec.chunks.append(len(tail))
                    rec.delays_ms.append(0.0)
        except (OSError, http.client.HTTPException, zlib.error) as exc:
            rec.error = f"{type(exc).__name__}: {exc}"
        except KeyboardInterrupt:
            rec.error = "interrupted (Ctrl-C)"
        rec.total_ms = round((time.monotonic() - start) * 1000.0, 3)
    finally:
        conn.close()
    rec.data = b"".join(pieces)
    return rec


def _sse_pplx_version() -> str:
    try:
        from sse_pplx import __version__

        return str(__version__)
    except Exception:  # pragma: no cover - the kit lives next to the library
        return "unknown"


def build_fixture(
    rec: Recording,
    *,
    name: str,
    url: str,
    method: str,
    request_headers: Sequence[Tuple[str, str]],
    request_body: Optional[bytes],
    redactor: Redactor,
    description: Optional[str] = None,
    source: Optional[str] = None,
    expect: bool = True,
) -> Dict[str, Any]:
    """The fixture object (JSON-ready) for a recording, redacted."""
    data, chunks, delays = rewrite(rec.data, rec.chunks, rec.delays_ms, redactor.spans(rec.data))
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    date = now.isoformat().replace("+00:00", "Z")
    clean_url = redactor.url(url)
    body_record: Any = None
    model = None
    if request_body:
        try:
            parsed = json.loads(request_body.decode("utf-8"))
        except ValueError:
            body_record = redactor.text(request_body.decode("utf-8", "replace"))
        else:
            body_record = redactor.json(parsed)
            if isinstance(parsed, dict) and isinstance(parsed.get("model"), str):
                model = redactor.text(parsed["model"])
    version = _sse_pplx_version()
    provenance: Dict[str, Any] = {
        "recorded_at": date,
        "url": clean_url,
        "method": method,
        "model": model,
        "request_headers": redactor.headers(request_headers),
        "request_body": body_record,
        "status": rec.status,
        "reason": rec.reason,
        "http_version": rec.http_version,
        "time_to_headers_ms": rec.time_to_headers_ms,
        "total_ms": rec.total_ms,
        "recorder": f"python -m conformance record (sse_pplx {version})",
    }
    if rec.decoded:
        provenance["content_encoding"] = f"{rec.decoded} (decoded by the recorder; the bytes are the decoded body)"
    if rec.error:
        provenance["transport_error"] = redactor.text(rec.error)
    try:
        text: Optional[str] = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    obj: Dict[str, Any] = {
        "name": name,
        "description": description or f"{method} {clean_url} recorded {date[:10]} (status {rec.status})",
        "source": source or f"recorded from {urllib.parse.urlsplit(clean_url).hostname} on {date}",
        "input": {"text": text} if text is not None else {"base64": base64.b64encode(data).decode("ascii")},
    }
    if chunks:
        obj["chunks"] = chunks
        obj["delays_ms"] = delays
    obj["headers"] = redactor.headers(rec.headers)
    obj["provenance"] = provenance
    if expect:
        provenance["expect"] = f"expect generated by sse_pplx {version}, review before committing"
        obj["expect"] = expect_from_sse_pplx(data)
        chat = chat_from_sse_pplx(data)
        if chat is not None:
            obj["chat"] = chat
    else:
        provenance["expect"] = "expect left empty by the recorder: fill it in before committing"
        obj["expect"] = {
            "events": [],
            "end": {"last_event_id": "", "reconnection_time": None, "discarded": False},
            "error": None,
        }
    provenance["redactions"] = redactor.count
    return obj


def _leaks(text: str, secrets: Sequence[str]) -> List[str]:
    """Known secrets still present in the file text or in its decoded base64 input."""
    hay = [text]
    try:
        obj = json.loads(text)
        if "base64" in obj.get("input", {}):
            hay.append(base64.b64decode(obj["input"]["base64"]).decode("latin-1"))
    except ValueError:
        pass
    found = [s for s in secrets if any(s in h for h in hay)]
    found += [p for p in KEY_PATTERNS if any(re.search(p, h.replace(REDACTED, "")) for h in hay)]
    return found


def fixture_name(path: Path) -> str:
    name = f"{path.parent.name}/{path.stem}"
    if path.suffix != ".json" or not _NAME.match(name):
        raise ValueError(
            f"{path}: a fixture file is <category>/<stem>.json in lower case, letters, digits, '-', '_' (got {name!r})"
        )
    return name


def record(
    url: str,
    output: Any,
    *,
    method: Optional[str] = None,
    data: Optional[bytes] = None,
    headers: Sequence[Tuple[str, str]] = (),
    api_key_env: Optional[str] = None,
    description: Optional[str] = None,
    source: Optional[str] = None,
    timeout: float = 120.0,
    context: Optional[ssl.SSLContext] = None,
    expect: bool = True,
    force: bool = False,
) -> Dict[str, Any]:
    """Request ``url``, record the response, write the redacted fixture to ``output``; return it."""
    path = Path(output)
    name = fixture_name(path)
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists (use --force to replace it)")
    method = (method or ("POST" if data is not None else "GET")).upper()
    names = {k.lower() for k, _ in headers}
    sent = list(headers)
    secrets: List[str] = [os.environ[v] for v in KNOWN_KEY_VARS if os.environ.get(v)]
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            raise ValueError(f"${api_key_env} is not set")
        secrets.append(key)
        if "authorization" not in names:
            sent.append(("Authorization", f"Bearer {key}"))
    for k, v in headers:
        if _secret_name(k):
            secrets.append(v)
            secrets.append(_BEARER.sub("", v))
    defaults = [
        ("Accept", "text/event-stream"),
        ("Accept-Encoding", "identity"),
        ("User-Agent", f"sse_pplx-conformance-recorder/{_sse_pplx_version()}"),
    ]
    if data is not None:
        defaults.append(("Content-Type", "application/json"))
    sent = [(k, v) for k, v in defaults if k.lower() not in names] + sent
    rec = fetch(url, method=method, body=data, headers=sent, timeout=timeout, context=context)
    redactor = Redactor(secrets)
    obj = build_fixture(
        rec,
        name=name,
        url=url,
        method=method,
        request_headers=sent,
        request_body=data,
        redactor=redactor,
        description=description,
        source=source,
        expect=expect,
    )
    from .fixture import validate

    problems = validate(obj)
    if problems:
        raise ValueError(f"the recorded fixture does not validate: {'; '.join(problems)}")
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    leaks = _leaks(text, redactor.secrets)
    if leaks:  # pragma: no cover - a redaction bug; never write the file
        raise RuntimeError(f"refusing to write {path}: {len(leaks)} secret(s) survived redaction")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return obj


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m conformance record",
        description="Record a live stream as a fixture (chunk boundaries and delays as received; secrets redacted).",
    )
    parser.add_argument("url", help="http:// or https:// URL")
    parser.add_argument("--method", help="default: POST with --data, else GET")
    body = parser.add_mutually_exclusive_group()
    body.add_argument("--data", help="the request body (JSON)")
    body.add_argument("--data-file", help="read the request body from this file")
    parser.add_argument(
        "-H", "--header", action="append", default=[], metavar="'NAME: VALUE'", help="a request header (repeatable)"
    )
    parser.add_argument(
        "--api-key-env", metavar="VAR", help="send 'Authorization: Bearer $VAR' (e.g. PERPLEXITY_API_KEY)"
    )
    parser.add_argument("-o", "--output", required=True, help="fixtures/recorded/NAME.json")
    parser.add_argument("--description", help="one line: what this recording shows")
    parser.add_argument("--source", help="where it came from (default: host and date)")
    parser.add_argument("--timeout", type=float, default=120.0, help="socket timeout in seconds (default 120)")
    parser.add_argument("--cafile", help="trust this CA bundle (PEM) for HTTPS")
    parser.add_argument("--no-expect", action="store_true", help="leave expect empty instead of sse_pplx's parse")
    parser.add_argument("--force", action="store_true", help="replace an existing file")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    headers = []
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            parser.error(f"--header wants 'Name: value', got {item!r}")
        headers.append((name.strip(), value.strip()))
    data: Optional[bytes] = None
    if args.data is not None:
        data = args.data.encode("utf-8")
    elif args.data_file is not None:
        data = Path(args.data_file).read_bytes()
    context = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
    try:
        obj = record(
            args.url,
            args.output,
            method=args.method,
            data=data,
            headers=headers,
            api_key_env=args.api_key_env,
            description=args.description,
            source=args.source,
            timeout=args.timeout,
            context=context,
            expect=not args.no_expect,
            force=args.force,
        )
    except (OSError, ValueError, http.client.HTTPException, ssl.SSLError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    prov = obj["provenance"]
    print(
        f"{args.output}: status {prov['status']}, {sum(obj.get('chunks', []))} bytes in {len(obj.get('chunks', []))} "
        f"chunks, {len(obj['expect']['events'])} events, {prov['redactions']} redaction(s)"
        + (f"; transport error: {prov['transport_error']}" if "transport_error" in prov else ""),
        file=sys.stderr,
    )
    print(f"note: {prov['expect']}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
