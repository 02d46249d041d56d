"""Client benchmark over loopback: sse_pplx's HTTP clients against a bare http.client floor and the SDKs.

What it measures
    Requesting and consuming the realistic 5,000-chunk Perplexity chat stream of
    ``_workloads.perplexity_events`` (LF framing, about 1.75 MB of SSE) from ONE local
    HTTP/1.1 server on 127.0.0.1, over real sockets, by:

    * ``sse_pplx Client``: ``sse_pplx.Client(base_url=..., api_key="x", max_retries=0)``,
      ``client.chat.completions.create(model=..., messages=..., stream=True)``, the stream
      iterated (``chunk.choices[0].delta.content`` appended, joined), then
      ``stream.get_final_completion()`` (citations, search results, usage). The reference row.
    * ``bare http.client``: the floor. ``http.client.HTTPConnection`` POST, then a
      ``resp.read1(65536)`` loop; the bytes appended to a buffer that is split on ``b"\\n\\n"``
      (the last piece kept for the next read); each block's first 6 bytes (``data: ``) cut off;
      ``json.loads`` of the rest; stop at ``[DONE]``. No SSE parsing (no field names, comments,
      CRLF, multi-line data, limits), no error handling, no objects: not a client, a floor.
    * ``openai``: ``openai.OpenAI(base_url=..., api_key="x", max_retries=0)``,
      ``client.chat.completions.create(..., stream=True)``, iterated the same way.
    * ``perplexityai``: ``perplexity.Perplexity(base_url=..., api_key="x", max_retries=0)``, the same.
    * ``sse_pplx AsyncClient``: ``sse_pplx.AsyncClient`` under ``asyncio.run`` (one per round;
      the client is created and closed inside it), ``async for`` over the stream.
    * ``server only``: a raw-socket client that sends the request and drains the bytes
      (``recv(262144)``) until the last chunk ``0\\r\\n\\r\\n``. No HTTP, no SSE, no JSON: what the
      server and the loopback can deliver, to show the server is not the bottleneck.

The server
    A stdlib server (``--serve``, started by the benchmark as a child process, so that it does
    not share the benchmark's GIL): a thread per connection, keep-alive, TCP_NODELAY, a
    ``200 text/event-stream`` answer with ``Transfer-Encoding: chunked`` where every SSE event is
    its own chunk and its own ``sendall`` (one TCP write), then ``0\\r\\n\\r\\n``. All chunk frames
    are encoded once, before the first request. ``/fast/...`` writes the first event right after
    the head; ``/slow/...`` writes one event, sleeps ``--pause`` (200 ms), then the rest.

How
    * Each contender runs once untimed (warm-up; imports, connection pools, pydantic caches);
      that run is also the correctness check: joined content, chunk count, citations,
      search results and ``usage.total_tokens`` against the ground truth from the JSON payloads.
    * Then ``--rounds`` (7) rounds; every round runs every contender once, the order rotating
      each round so that machine noise is shared. ``gc.collect()`` before each run, gc enabled
      during it, ``time.perf_counter()`` from just before the request is made (client objects
      are built beforehand, as an application holds them) to the end of the stream.
      Reported: median and best wall time, MB/s (10^6 SSE bytes per second; the chunked
      framing and headers not counted), time relative to ``sse_pplx Client``, and the median
      time to the first event (from the start of the request to the first chunk in the
      consumer's hands).
    * Slow-server check (``--slow-rounds``, 5): each contender requests ``/slow``, takes the
      first chunk (time noted), then the second (which the server sends after the pause), then
      closes the stream. A client that waits for a buffer to fill would show the first chunk
      only after the pause.
    * Bars: ``sse_pplx Client`` within 1.25x of the bare floor, and at least 8x faster than
      each SDK (ratios of medians; for the floor bar also the median of per-round ratios and the
      ratio of the fastest rounds, which other load on the machine disturbs less).

Usage
    python benchmarks/bench_client.py [--rounds N] [--slow-rounds N] [--json PATH] [--markdown PATH]
    python benchmarks/bench_client.py --profile 25      # + a cProfile of one sse_pplx Client stream

The Markdown report goes to stdout (to stderr when ``--json -`` puts the JSON on stdout);
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import _report
from _report import TIMES, Timings, fmt_ratio, progress, ratio_of
from _workloads import perplexity_events
from bench_chat import Outcome, accumulate_payloads

HOST = "127.0.0.1"
MODEL = "sonar"
MESSAGES = [{"role": "user", "content": "How do tides work?"}]
API_KEY = "x"

REFERENCE = "sse_pplx"
FLOOR = "floor"
SERVER_ONLY = "server"
SDK_BARS = ("openai", "perplexityai")
SDK_TARGET = 8.0
FLOOR_TARGET = 1.25

HEAD = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/event-stream; charset=utf-8\r\n"
    b"Cache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\n"
    b"\r\n"
)
LAST_CHUNK = b"0\r\n\r\n"
NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found"


# --- the server (runs in a child process: python bench_client.py --serve) -------------------------


def chunk_frames(events: List[bytes]) -> List[bytes]:
    """Each SSE event as one complete HTTP/1.1 chunk (size line, data, CRLF)."""
    return [b"%x\r\n" % len(event) + event + b"\r\n" for event in events]


def _read_request(sock: socket.socket, buffered: bytes) -> Tuple[Optional[Tuple[str, bool]], bytes]:
    """(target, close-after) of the next request on ``sock`` and the bytes after it; None at EOF."""
    data = buffered
    while b"\r\n\r\n" not in data:
        more = sock.recv(65536)
        if not more:
            return None, b""
        data += more
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    target = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip().lower()
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        more = sock.recv(65536)
        if not more:
            return None, b""
        rest += more
    return (target, headers.get("connection") == "close"), rest[length:]


class StreamServer:
    """Answers every ``POST /fast/.../chat/completions`` (or ``/slow/...``) with the pre-encoded stream."""

    def __init__(self, frames: List[bytes], pause: float) -> None:
        self.frames = frames
        self.pause = pause
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]

    def serve_forever(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        send = sock.sendall
        buffered = b""
        try:
            while True:
                request, buffered = _read_request(sock, buffered)
                if request is None:
                    return
                target, close = request
                if not target.endswith("/chat/completions") or not target.startswith(("/fast/", "/slow/")):
                    send(NOT_FOUND)
                    continue
                frames = iter(self.frames)
                send(HEAD)
                send(next(frames))  # the first event goes out at once
                if target.startswith("/slow/"):
                    time.sleep(self.pause)
                for frame in frames:  # one chunk, one TCP write (TCP_NODELAY)
                    send(frame)
                send(LAST_CHUNK)
                if close:
                    return
        except (OSError, ValueError, IndexError):
            return  # the client went away (early close) or sent garbage
        finally:
            sock.close()

    def close(self) -> None:
        self.listener.close()


def serve_main(n_events: int, pause: float) -> int:
    events, _ = perplexity_events(b"\n", n_events)
    server = StreamServer(chunk_frames(events), pause)
    info = {
        "port": server.port,
        "sha256": hashlib.sha256(b"".join(events)).hexdigest(),
        "events": len(events),
        "sse_bytes": sum(map(len, events)),
        "wire_bytes": len(HEAD) + sum(map(len, server.frames)) + len(LAST_CHUNK),
    }
    sys.stdout.write(json.dumps(info) + "\n")
    sys.stdout.flush()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # serve until the benchmark closes our stdin (or exits)
    server.close()
    return 0


class ServerProcess:
    """The stream server in a child process (its own GIL, its own core when one is free)."""

    def __init__(self, n_events: int, pause: float) -> None:
        self.args = [sys.executable, str(Path(__file__).resolve()), "--serve", "--events", str(n_events)]
        self.args += ["--pause", repr(pause)]
        self.proc: Optional[subprocess.Popen[str]] = None
        self.info: Dict[str, Any] = {}

    def __enter__(self) -> ServerProcess:
        self.proc = subprocess.Popen(self.args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(5)
            raise SystemExit("the stream server did not start")
        self.info = json.loads(line)
        self.url = f"http://{HOST}:{self.info['port']}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        proc = self.proc
        if proc is None:
            return
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


# --- contenders ------------------------------------------------------------------------------------


@dataclass
class Sample:
    """One request: seconds from its start to the first and second chunk and to the end."""

    first: Optional[float]
    second: Optional[float]
    total: float
    outcome: Optional[Outcome] = None
    wire_bytes: int = 0  # the server-only row
    cpu: float = 0.0  # CPU seconds of the benchmark's thread during the run (set by _timed)


# run(limit): consume the stream (stop and close after ``limit`` chunks when given).
Runner = Callable[[Optional[int]], Sample]


@dataclass
class Contender:
    key: str
    label: str
    how: str
    make: Optional[Callable[[str], Runner]]  # base URL -> runner
    dists: Tuple[str, ...] = ()
    skip_reason: str = ""
    closers: List[Callable[[], Any]] = field(default_factory=list)


def _outcome(parts: List[str], n: int, citations: Any, search_results: Any, usage: Any) -> Outcome:
    total = usage.get("total_tokens") if isinstance(usage, dict) else getattr(usage, "total_tokens", None)
    return Outcome("".join(parts), len(citations or ()), len(search_results or ()), total, n)


def _request_body() -> bytes:
    return json.dumps({"model": MODEL, "messages": MESSAGES, "stream": True}).encode("utf-8")


def _split_url(url: str) -> Tuple[str, int, str]:
    rest = url.split("://", 1)[1]
    hostport, _, path = rest.partition("/")
    host, _, port = hostport.partition(":")
    return host, int(port), "/" + path


def sse_pplx_contenders() -> List[Contender]:
    _report.repo_on_path()
    import sse_pplx

    sync = Contender(
        REFERENCE,
        "sse_pplx Client",
        "`sse_pplx.Client(base_url=..., api_key='x', max_retries=0)`; `client.chat.completions.create(model=, "
        "messages=, stream=True)`; `for chunk in stream`: `chunk.choices[0].delta.content` appended; then "
        "`stream.get_final_completion()` (citations, search_results, usage)",
        None,
    )
    asyn = Contender(
        "sse_pplx-async",
        "sse_pplx AsyncClient",
        "`asyncio.run()` per round; inside it `sse_pplx.AsyncClient(...)` is created, then timed: `await "
        "client.chat.completions.create(..., stream=True)`, `async for chunk in stream` (same body), `await "
        "stream.get_final_completion()`; the client is closed after the timed region",
        None,
    )

    def make_sync(base_url: str) -> Runner:
        client = sse_pplx.Client(base_url=base_url, api_key=API_KEY, max_retries=0)
        sync.closers.append(client.close)
        create = client.chat.completions.create

        def run(limit: Optional[int]) -> Sample:
            parts: List[str] = []
            append = parts.append
            n = 0
            first = second = None
            start = time.perf_counter()
            stream = create(model=MODEL, messages=MESSAGES, stream=True)
            for n, chunk in enumerate(stream, 1):
                if n == 1:
                    first = time.perf_counter()
                content = chunk.choices[0].delta.content
                if content:
                    append(content)
                if n == limit:
                    second = time.perf_counter()
                    stream.close()
                    break
            else:
                final = stream.get_final_completion()
                total = time.perf_counter() - start
                outcome = _outcome(parts, n, final.citations, final.search_results, final.usage)
                return Sample(first - start if first else None, None, total, outcome)
            return Sample(first - start if first else None, second - start, time.perf_counter() - start)

        return run

    def make_async(base_url: str) -> Runner:
        async def go(limit: Optional[int]) -> Sample:
            client = sse_pplx.AsyncClient(base_url=base_url, api_key=API_KEY, max_retries=0)
            try:
                parts: List[str] = []
                append = parts.append
                n = 0
                first = second = None
                start = time.perf_counter()
                stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
                async for chunk in stream:
                    n += 1
                    if n == 1:
                        first = time.perf_counter()
                    content = chunk.choices[0].delta.content
                    if content:
                        append(content)
                    if n == limit:
                        second = time.perf_counter()
                        await stream.close()
                        return Sample(first - start, second - start, time.perf_counter() - start)
                final = await stream.get_final_completion()
                total = time.perf_counter() - start
                outcome = _outcome(parts, n, final.citations, final.search_results, final.usage)
                return Sample(first - start if first else None, None, total, outcome)
            finally:
                await client.close()

        def run(limit: Optional[int]) -> Sample:
            return asyncio.run(go(limit))

        return run

    sync.make, asyn.make = make_sync, make_async
    return [sync, asyn]


def floor_contender() -> Contender:
    loads = json.loads

    def make(base_url: str) -> Runner:
        host, port, prefix = _split_url(base_url)
        path = prefix.rstrip("/") + "/chat/completions"
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
            "Authorization": f"Bearer {API_KEY}",
        }

        def run(limit: Optional[int]) -> Sample:
            parts: List[str] = []
            append = parts.append
            n = 0
            first = second = None
            last: Any = None
            buf = b""
            start = time.perf_counter()
            conn = http.client.HTTPConnection(host, port)
            conn.request("POST", path, body=_request_body(), headers=headers)
            resp = conn.getresponse()
            read1 = resp.read1
            done = False
            while not done:
                data = read1(65536)
                if not data:
                    break
                blocks = (buf + data).split(b"\n\n")
                buf = blocks.pop()
                for block in blocks:
                    payload = block[6:]  # naive: every block is exactly one "data: " line
                    if payload == b"[DONE]":
                        done = True
                        break
                    obj = loads(payload)
                    if first is None:
                        first = time.perf_counter()
                    content = obj["choices"][0]["delta"]["content"]
                    if content:
                        append(content)
                    last = obj
                    n += 1
                    if n == limit:
                        second = time.perf_counter()
                        done = True
                        break
            conn.close()
            if limit is not None:
                return Sample(first - start if first else None, second - start if second else None, 0.0)
            total = time.perf_counter() - start
            meta = last or {}
            outcome = _outcome(parts, n, meta.get("citations"), meta.get("search_results"), meta.get("usage"))
            return Sample(first - start if first else None, None, total, outcome)

        return run

    return Contender(
        FLOOR,
        "bare http.client + naive split",
        "`http.client.HTTPConnection(host, port)`, `request('POST', ...)`, `getresponse()`, then a "
        "`resp.read1(65536)` loop: `(buf + data).split(b'\\n\\n')`, the last piece kept as `buf`; of each "
        "block `block[6:]` (the `data: ` prefix cut off, unchecked) is `json.loads`ed (bytes in), "
        "`obj['choices'][0]['delta']['content']` appended; stop at `[DONE]`, `conn.close()`. The floor, not a "
        "client: no SSE field parsing, no CRLF / multi-line / comment handling, no limits, no errors",
        make,
    )


def _sdk_runner(create: Callable[..., Any]) -> Runner:
    """The consumer loop for the SDKs' streams (the same body as sse_pplx's)."""

    def run(limit: Optional[int]) -> Sample:
        parts: List[str] = []
        append = parts.append
        n = 0
        first = second = None
        last: Any = None
        start = time.perf_counter()
        stream = create(model=MODEL, messages=MESSAGES, stream=True)
        for n, chunk in enumerate(stream, 1):
            if n == 1:
                first = time.perf_counter()
            content = chunk.choices[0].delta.content
            if content:
                append(content)
            last = chunk
            if n == limit:
                second = time.perf_counter()
                stream.close()
                return Sample(first - start, second - start, time.perf_counter() - start)
        total = time.perf_counter() - start
        citations = getattr(last, "citations", None)  # openai: pydantic extras; perplexityai: fields
        search_results = getattr(last, "search_results", None)
        outcome = _outcome(parts, n, citations, search_results, getattr(last, "usage", None))
        return Sample(first - start if first else None, None, total, outcome)

    return run


def sdk_contenders() -> List[Contender]:
    out: List[Contender] = []
    openai_c = Contender(
        "openai",
        "openai",
        "`openai.OpenAI(base_url=..., api_key='x', max_retries=0)`; `client.chat.completions.create(model=, "
        "messages=, stream=True)`; iterated with the same body (`chunk.choices[0].delta.content` appended); "
        "citations / search_results (pydantic extras) and usage read from the last chunk",
        None,
        dists=("openai", "httpx2", "pydantic"),
    )
    try:
        import openai
    except ImportError as exc:
        openai_c.skip_reason = str(exc)
    else:

        def make_openai(base_url: str) -> Runner:
            client = openai.OpenAI(base_url=base_url, api_key=API_KEY, max_retries=0)
            openai_c.closers.append(client.close)
            return _sdk_runner(client.chat.completions.create)

        openai_c.make = make_openai
    out.append(openai_c)

    pplx_c = Contender(
        "perplexityai",
        "perplexityai",
        "`perplexity.Perplexity(base_url=..., api_key='x', max_retries=0)`; the same call and loop; "
        "citations, search_results, usage read from the last chunk",
        None,
        dists=("perplexityai", "httpx", "pydantic"),
    )
    try:
        import perplexity
    except ImportError as exc:
        pplx_c.skip_reason = str(exc)
    else:

        def make_pplx(base_url: str) -> Runner:
            client = perplexity.Perplexity(base_url=base_url, api_key=API_KEY, max_retries=0)
            pplx_c.closers.append(client.close)
            return _sdk_runner(client.chat.completions.create)

        pplx_c.make = make_pplx
    out.append(pplx_c)
    return out


def server_only_contender() -> Contender:
    def make(base_url: str) -> Runner:
        host, port, prefix = _split_url(base_url)
        body = _request_body()
        request = (
            f"POST {prefix.rstrip('/')}/chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Content-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode("latin-1") + body

        def run(limit: Optional[int]) -> Sample:
            first = second = None
            size = 0
            tail = b""
            start = time.perf_counter()
            sock = socket.create_connection((host, port))
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.sendall(request)
                recv = sock.recv
                while True:
                    data = recv(262144)
                    if not data:
                        break
                    size += len(data)
                    if second is None and b"data: " in data:
                        if first is None:
                            first = time.perf_counter()
                            if limit == 1:
                                break
                        else:
                            second = time.perf_counter()
                            if limit is not None:
                                break
                    tail = (tail + data)[-len(LAST_CHUNK) :]
                    if tail == LAST_CHUNK:
                        break
            finally:
                sock.close()
            total = time.perf_counter() - start
            return Sample(first - start if first else None, second - start if second else None, total, wire_bytes=size)

        return run

    return Contender(
        SERVER_ONLY,
        "server only (raw socket drain)",
        "`socket.create_connection`, the request in one `sendall`, then `recv(262144)` until the last chunk "
        "`0\\r\\n\\r\\n`: no HTTP parsing, no SSE, no JSON. What the server and the loopback deliver",
        make,
    )


def all_contenders() -> List[Contender]:
    sse = sse_pplx_contenders()
    return [sse[0], floor_contender(), *sdk_contenders(), sse[1], server_only_contender()]


# --- measuring -------------------------------------------------------------------------------------


@dataclass
class Row(Timings):
    key: str
    label: str
    status: str = "ok"  # ok | skipped | error
    error: str = ""
    times: List[float] = field(default_factory=list)
    cpus: List[float] = field(default_factory=list)
    firsts: List[float] = field(default_factory=list)
    slow_firsts: List[float] = field(default_factory=list)
    slow_seconds: List[float] = field(default_factory=list)
    warmup_s: Optional[float] = None
    differences: List[str] = field(default_factory=list)
    outcome: Optional[Dict[str, Any]] = None


def _timed(run: Runner, limit: Optional[int]) -> Sample:
    gc.collect()
    cpu = time.thread_time()
    sample = run(limit)
    sample.cpu = time.thread_time() - cpu
    return sample


def measure(
    contenders: List[Contender], server: ServerProcess, truth: Outcome, rounds: int, slow_rounds: int
) -> List[Row]:
    rows = {c.key: Row(c.key, c.label) for c in contenders}
    fast: Dict[str, Runner] = {}
    slow: Dict[str, Runner] = {}
    for c in contenders:
        row = rows[c.key]
        if c.make is None:
            row.status, row.error = "skipped", c.skip_reason
            continue
        try:
            fast[c.key] = c.make(server.url + "/fast")
            slow[c.key] = c.make(server.url + "/slow")
            sample = _timed(fast[c.key], None)  # warm-up and check
            _timed(slow[c.key], 2)  # the slow-server client too
        except Exception as exc:  # a failing peer is a finding, not a benchmark failure
            row.status, row.error = "error", f"{type(exc).__name__}: {exc}"
            progress(f"{c.label}: {row.error}\n")
            fast.pop(c.key, None)
            continue
        row.warmup_s = sample.total
        if c.key == SERVER_ONLY:
            if sample.wire_bytes != server.info["wire_bytes"]:
                row.differences.append(f"{sample.wire_bytes:,} bytes received, {server.info['wire_bytes']:,} sent")
        elif sample.outcome is not None:
            row.outcome = asdict(sample.outcome)
            row.differences = sample.outcome.differences(truth)
        progress(f"warm-up {c.label:<32} {sample.total * 1e3:8.1f} ms{'  DIFFERS' if row.differences else ''}\n")
    keys = [c.key for c in contenders if c.key in fast]
    for index in range(rounds):
        order = keys[index % len(keys) :] + keys[: index % len(keys)]
        for key in order:
            sample = _timed(fast[key], None)
            rows[key].times.append(sample.total)
            rows[key].cpus.append(sample.cpu)
            if sample.first is not None:
                rows[key].firsts.append(sample.first)
        progress(f"round {index + 1}/{rounds}: " + ", ".join(f"{k} {rows[k].times[-1] * 1e3:.0f}" for k in order))
        progress(" ms\n", prefix=False)
    for index in range(slow_rounds):
        order = keys[index % len(keys) :] + keys[: index % len(keys)]
        for key in order:
            sample = _timed(slow[key], 2)
            if sample.first is not None:
                rows[key].slow_firsts.append(sample.first)
            if sample.second is not None:
                rows[key].slow_seconds.append(sample.second)
    if slow_rounds:
        progress(f"slow-server check: {slow_rounds} round(s) done\n")
    for c in contenders:
        for close in c.closers:
            close()
    return [rows[c.key] for c in contenders]


def profile_reference(contender: Contender, server: ServerProcess, top: int) -> str:
    """A cProfile of one sse_pplx Client stream (after a warm-up), top functions by own time."""
    import cProfile
    import io
    import pstats

    assert contender.make is not None
    run = contender.make(server.url + "/fast")
    run(None)
    gc.collect()
    profiler = cProfile.Profile()
    profiler.enable()
    run(None)
    profiler.disable()
    for close in contender.closers:
        close()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- reporting -------------------------------------------------------------------------------------


def _ms(value: Optional[float], digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 1e3:.{digits}f}"


def _median(values: List[float]) -> Optional[float]:
    return statistics.median(values) if values else None


def compute_bars(rows: List[Row]) -> Dict[str, Any]:
    by_key = {r.key: r for r in rows}
    ours, floor = by_key.get(REFERENCE), by_key.get(FLOOR)
    bars: Dict[str, Any] = {}
    ref = ours.median if ours else None
    for sdk in SDK_BARS:
        row = by_key.get(sdk)
        ratio = ratio_of(row.median if row else None, ref)
        bars[f"{sdk}_over_sse_pplx"] = ratio
        bars[f"{sdk}_meets"] = None if ratio is None else ratio >= SDK_TARGET
    ratio = ratio_of(ref, floor.median if floor else None)
    bars["sse_pplx_over_floor"] = ratio
    bars["floor_meets"] = None if ratio is None else ratio <= FLOOR_TARGET
    paired = None
    if ours and floor and ours.times and len(ours.times) == len(floor.times):
        paired = statistics.median(a / b for a, b in zip(ours.times, floor.times))
    bars["sse_pplx_over_floor_paired"] = paired
    bars["sse_pplx_over_floor_best"] = ratio_of(ours.best if ours else None, floor.best if floor else None)
    # The same ratios on the client thread's CPU time (less disturbed by other load and by the server).
    ref_cpu = _median(ours.cpus) if ours else None
    bars["sse_pplx_over_floor_cpu"] = ratio_of(ref_cpu, _median(floor.cpus) if floor else None)
    for sdk in SDK_BARS:
        row = by_key.get(sdk)
        bars[f"{sdk}_over_sse_pplx_cpu"] = ratio_of(_median(row.cpus) if row else None, ref_cpu)
    return bars


def markdown_report(
    rows: List[Row], contenders: List[Contender], bars: Dict[str, Any], meta: Dict[str, Any], profile: str
) -> str:
    info = meta["server"]
    lines = [
        _report.title("Client benchmark over loopback: sse_pplx vs bare http.client and the SDKs", meta),
        "",
        *_report.header_lines(meta),
        f"- stream: {info['events']:,} SSE events ({info['events'] - 2:,} chat chunks + final chunk + `[DONE]`), "
        f"{info['sse_bytes']:,} SSE bytes ({info['wire_bytes']:,} on the wire with the chunked framing), "
        f"sha256 {info['sha256'][:12]}…; one event per HTTP chunk and TCP write, TCP_NODELAY, server in a child "
        "process",
        f"- rounds: median of {meta['rounds']} (after a warm-up run each), contenders rotated per round; "
        f"slow-server check: {meta['slow_rounds']} round(s), pause {meta['pause_s'] * 1e3:.0f} ms after the "
        "first event",
    ]
    lines += [f"- skipped: {c.label} ({c.skip_reason})" for c in contenders if c.make is None]
    lines += ["", "| row | ms (median) | best ms | MB/s | vs sse_pplx Client | CPU ms | first event ms | check |"]
    lines += ["|---|--:|--:|--:|--:|--:|--:|---|"]
    ref = next((r.median for r in rows if r.key == REFERENCE), None)
    notes: List[str] = []
    for row in rows:
        if row.status != "ok":
            lines.append(f"| {row.label} | {row.status} | | | | | | {row.error} |")
            continue
        median = row.median
        relative = "ref" if row.key == REFERENCE else fmt_ratio(ratio_of(median, ref))
        check = "ok"
        if row.differences:
            notes.append(f"{row.label}: " + "; ".join(row.differences))
            check = f"**differs** [{len(notes)}]"
        mbs = info["sse_bytes"] / median / 1e6 if median else float("nan")
        lines.append(
            f"| {row.label} | {_ms(median)} | {_ms(row.best)} | {mbs:.1f} | {relative} | "
            f"{_ms(_median(row.cpus))} | {_ms(_median(row.firsts), 2)} | {check} |"
        )
    lines += [
        "",
        "ms = wall time from just before the request to the end of the stream (median of the rounds); MB/s = "
        "10^6 SSE bytes per second; CPU ms = CPU time of the benchmark's (client's) thread in the run (median; "
        "`time.thread_time()`, so neither the server process nor other load on the machine counts); first event = "
        "time from the start of the request to the first chunk in the consumer's hands (median), the server "
        "writing it right after the response head.",
        "",
        "## Slow server: first event, then a pause",
        "",
        "| row | first chunk ms (median / max) | second chunk ms (median) | first before the pause |",
        "|---|--:|--:|---|",
    ]
    pause = meta["pause_s"]
    for row in rows:
        if row.status != "ok" or not row.slow_firsts:
            continue
        worst = max(row.slow_firsts)
        ok = "✓" if worst < pause / 2 and len(row.slow_firsts) == meta["slow_rounds"] else "✗"
        lines.append(
            f"| {row.label} | {_ms(_median(row.slow_firsts), 2)} / {_ms(worst, 2)} | "
            f"{_ms(_median(row.slow_seconds))} | {ok} |"
        )
    lines += [
        "",
        f"The server writes the head and one event, sleeps {pause * 1e3:.0f} ms, then writes the rest; each "
        "client takes two chunks and closes. ✓ = every round delivered the first chunk in less than half the "
        "pause (nobody waits for a buffer to fill).",
        "",
        "## The bars",
        "",
    ]

    def verdict(ratio: Optional[float], meets: Optional[bool]) -> str:
        return "n/a" if ratio is None else f"**{ratio:.2f}{TIMES}** {'✓' if meets else '✗'}"

    lines.append(
        f"- sse_pplx Client / bare http.client floor (≤ {FLOOR_TARGET:g}{TIMES}): "
        f"{verdict(bars['sse_pplx_over_floor'], bars['floor_meets'])} (ratio of medians; paired per round "
        f"{fmt_ratio(bars['sse_pplx_over_floor_paired'])}, fastest rounds "
        f"{fmt_ratio(bars['sse_pplx_over_floor_best'])}; CPU time {fmt_ratio(bars['sse_pplx_over_floor_cpu'])})"
    )
    for sdk in SDK_BARS:
        lines.append(
            f"- {sdk} / sse_pplx Client (≥ {SDK_TARGET:g}{TIMES}): "
            f"{verdict(bars[f'{sdk}_over_sse_pplx'], bars[f'{sdk}_meets'])} "
            f"(CPU time {fmt_ratio(bars[f'{sdk}_over_sse_pplx_cpu'])})"
        )
    by_key = {r.key: r for r in rows}
    server_row, ours = by_key.get(SERVER_ONLY), by_key.get(REFERENCE)
    if server_row and ours and server_row.median and ours.median:
        lines.append(
            f"- server only: {_ms(server_row.median)} ms, {server_row.median / ours.median:.0%} of sse_pplx Client's "
            "time: the server is not the bottleneck"
            if server_row.median < 0.5 * ours.median
            else f"- server only: {_ms(server_row.median)} ms: **the server may be limiting** the fast rows"
        )
    if meta.get("busy"):
        lines.append(f"- **caution**: {meta['busy']}")
    if notes:
        lines += ["", "Notes:"] + [f"{i}. {note}" for i, note in enumerate(notes, 1)]
    if profile:
        lines += ["", "## Profile of one sse_pplx Client stream (cProfile, by own time)", "", "```", profile.strip()]
        lines += ["```"]
    lines += ["", f"- total benchmark wall time: {meta['wall_time_s']:.0f} s"]
    return "\n".join(lines) + "\n"


# --- main ------------------------------------------------------------------------------------------


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds per contender (default 7)")
    parser.add_argument("--slow-rounds", type=int, default=5, help="rounds of the slow-server check (default 5)")
    parser.add_argument("--pause", type=float, default=0.2, help="the slow server's pause, seconds (default 0.2)")
    parser.add_argument("--events", type=int, default=5000, help="chat chunk events in the stream (default 5000)")
    parser.add_argument(
        "--contenders",
        help="comma list of rows to run (sse_pplx always runs): floor,openai,perplexityai,sse_pplx-async,server",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="add a cProfile (top N) of sse_pplx")
    _report.add_output_options(parser)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.slow_rounds < 0 or args.events < 1:
        parser.error("--rounds and --events must be at least 1, --slow-rounds at least 0")
    return args


def _no_proxy_for_loopback() -> None:
    """The SDKs and sse_pplx read *_PROXY from the environment: keep 127.0.0.1 direct."""
    for name in ("NO_PROXY", "no_proxy"):
        current = os.environ.get(name, "")
        if HOST not in current.split(","):
            os.environ[name] = f"{current},{HOST}" if current else HOST


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.serve:
        return serve_main(args.events, args.pause)
    _no_proxy_for_loopback()
    contenders = _report.select(all_contenders(), args.contenders, REFERENCE, lambda c: c.key)
    events, expected = perplexity_events(b"\n", args.events)
    truth = accumulate_payloads([json.loads(data) for _, data in expected if data != "[DONE]"])
    digest = hashlib.sha256(b"".join(events)).hexdigest()
    meta = _report.run_metadata(
        (d for c in contenders for d in c.dists), rounds=args.rounds, slow_rounds=args.slow_rounds, pause_s=args.pause
    )
    started = time.perf_counter()
    profile = ""
    with ServerProcess(args.events, args.pause) as server:
        if server.info["sha256"] != digest:
            raise SystemExit("the server's stream differs from the benchmark's ground truth")
        meta["server"] = server.info
        progress(
            f"server on {server.url}: {server.info['events']:,} events, {server.info['sse_bytes']:,} bytes\n",
            prefix=False,
        )
        rows = measure(contenders, server, truth, args.rounds, args.slow_rounds)
        if args.profile:
            profile = profile_reference(sse_pplx_contenders()[0], server, args.profile)
    _report.finish_metadata(meta, started)
    bars = compute_bars(rows)
    report = markdown_report(rows, contenders, bars, meta, profile)
    payload = {
        "meta": meta,
        "truth": asdict(truth),
        "contenders": [
            {"key": c.key, "label": c.label, "how": c.how, "skipped": c.skip_reason or None} for c in contenders
        ],
        "rows": [
            {
                **asdict(r),
                "median_s": r.median,
                "best_s": r.best,
                "first_event_median_s": _median(r.firsts),
                "slow_first_median_s": _median(r.slow_firsts),
                "slow_second_median_s": _median(r.slow_seconds),
                "mb_per_s": meta["server"]["sse_bytes"] / r.median / 1e6 if r.median else None,
            }
            for r in rows
        ],
        "bars": bars,
    }
    _report.write_outputs(report, args.markdown, args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
