"""The scale benchmark's server: many open event streams, each writing a Perplexity-shaped chunk
at a set interval, every chunk carrying the moment it was written.

Run by ``bench_scale.py`` as its own process (``python benchmarks/_scale_server.py [--workers W]``);
it prints ``PORT <port>`` and ``PIDS <pid> ...`` (the processes that serve, whose CPU time the
runner reads from ``/proc``) and serves until its standard input closes.  Linux only (``fork``,
``/proc``); standard library only.

Every ``POST /chat/completions`` whose JSON body has ``"scale": {"n": N, "chunks": C,
"interval": I}`` is answered ``200 text/event-stream``, ``Transfer-Encoding: chunked``,
``Connection: close`` (keep-alive off: one stream, one connection), then:

* ``C`` chunk events, the first at once and chunk ``i`` at ``start + i * I`` (a fixed schedule,
  so a server late for one chunk does not shift the next), each in its own HTTP chunk:
  ``data: {"id": "scale-N", ..., "choices": [{"delta": {"content": "<N:i> "}}], ...,
  "sent_at": T}`` with ``T`` = ``time.monotonic()`` when it was written (CLOCK_MONOTONIC is one
  clock for every process of the machine, so a client's receipt time minus ``T`` is the event's
  lateness).  About 300 bytes an event, like Perplexity's (citations and a search result ride
  in every chunk);
* a final chunk (``finish_reason: "stop"``, ``usage``) and ``data: [DONE]``, then the last
  HTTP chunk, and the connection is closed.

The server measures its own lateness (write time minus scheduled time): when it is behind, the
clients' lateness figures are the server's, and the runner says so.  Stopped (``SIGTERM``, sent
when the parent's standard input closes), each worker prints ``STATS {...}``: its counters and
CPU time.  ``GET /stats`` answers one worker's counters.

Each worker is one asyncio loop over ``asyncio.Protocol`` (no streams, one ``call_at`` timer per
open stream), all workers sharing one listening socket (made before ``fork``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import socket
import sys
import threading
import time
from typing import Any, Dict, List, Optional

CITATIONS = b'["https://example.com/scale/a","https://example.com/scale/b"]'
SEARCH_RESULT = b'[{"title":"Scale","url":"https://example.com/scale/a","date":"2025-11-02"}]'
HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
)


def piece(n: int, i: int) -> str:
    """The text of stream ``n``'s chunk ``i`` (every stream's text differs: mixed streams show)."""
    return f"<{n}:{i}> "


def raise_fd_limit() -> int:
    """Raise the soft limit on open files to the hard limit; return it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def _frame(payload: bytes) -> bytes:
    event = b"data: " + payload + b"\n\n"
    return b"%x\r\n" % len(event) + event + b"\r\n"


class Counters:
    """What one worker did: streams served, events written, and how late it wrote them."""

    def __init__(self) -> None:
        self.streams = 0
        self.events = 0
        self.late_total = 0.0
        self.late_max = 0.0
        self.late_over_5ms = 0

    def as_dict(self) -> Dict[str, Any]:
        return {
            "streams": self.streams,
            "events": self.events,
            "late_mean_ms": 1000 * self.late_total / self.events if self.events else 0.0,
            "late_max_ms": 1000 * self.late_max,
            "late_over_5ms": self.late_over_5ms,
        }


class StreamProtocol(asyncio.Protocol):
    """One connection: read the request, then write the stream on its schedule."""

    def __init__(self, counters: Counters) -> None:
        self.counters = counters
        self.buffer = b""
        self.transport: Optional[asyncio.Transport] = None
        self.timer: Optional[asyncio.TimerHandle] = None
        self.index = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        if self.timer is not None or self.index:
            return  # the request was read; a client sends nothing more
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = self.buffer[end + 4 :]
        if len(body) < length:
            return
        request_line = head.split("\r\n", 1)[0]
        if request_line.startswith("GET /stats"):
            payload = json.dumps(self.counters.as_dict()).encode()
            self._reply(b"200 OK", b"application/json", payload)
            return
        try:
            spec = json.loads(body[:length])["scale"]
            self.n, self.chunks, self.interval = int(spec["n"]), int(spec["chunks"]), float(spec["interval"])
        except (ValueError, KeyError, TypeError) as exc:
            self._reply(b"400 Bad Request", b"text/plain", str(exc).encode())
            return
        self.counters.streams += 1
        self.prefix = (
            b'{"id":"scale-%d","model":"sonar","created":1770770000,"object":"chat.completion.chunk",'
            b'"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13},'
            b'"citations":'
            % self.n
            + CITATIONS
            + b',"search_results":'
            + SEARCH_RESULT
            + b',"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant","content":"'
        )
        assert self.transport is not None
        self.transport.write(HEAD)
        loop = asyncio.get_running_loop()
        self.start = loop.time()
        self.send_next()

    def _reply(self, status: bytes, content_type: bytes, payload: bytes) -> None:
        assert self.transport is not None
        self.transport.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type
            + b"\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(payload) + payload
        )  # fmt: skip
        self.transport.close()

    def send_next(self) -> None:
        """Write chunk ``index`` (or the end), then set the timer for the next one."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        loop = asyncio.get_running_loop()
        index = self.index
        now = time.monotonic()  # the loop's clock too (asyncio's loop.time() is time.monotonic())
        due = self.start + index * self.interval
        late = now - due
        counters = self.counters
        counters.events += 1
        if late > 0:
            counters.late_total += late
            if late > counters.late_max:
                counters.late_max = late
            if late > 0.005:
                counters.late_over_5ms += 1
        if index < self.chunks:
            text = piece(self.n, index).encode()
            transport.write(_frame(self.prefix + text + b'"}}],"sent_at":' + repr(now).encode() + b"}"))
            self.index = index + 1
            self.timer = loop.call_at(self.start + self.index * self.interval, self.send_next)
            return
        final = (
            b'{"id":"scale-%d","model":"sonar","created":1770770000,"object":"chat.completion.chunk",'
            b'"usage":{"prompt_tokens":12,"completion_tokens":%d,"total_tokens":%d},'
            b'"citations":'
            % (self.n, self.chunks, self.chunks + 12)
            + CITATIONS
            + b',"choices":[{"index":0,"finish_reason":"stop","delta":{"role":"assistant","content":""}}],'
            + b'"sent_at":'
            + repr(now).encode()
            + b"}"
        )
        transport.write(_frame(final) + _frame(b"[DONE]") + b"0\r\n\r\n")
        transport.close()

    def connection_lost(self, exc: Optional[BaseException]) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.transport = None


def _serve(sock: socket.socket) -> None:
    counters = Counters()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stopped = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stopped.set)
        server = await loop.create_server(lambda: StreamProtocol(counters), sock=sock, backlog=65535)
        async with server:
            await stopped.wait()
        stats = dict(counters.as_dict(), cpu_s=time.process_time())
        sys.stdout.write("STATS " + json.dumps(stats) + "\n")
        sys.stdout.flush()

    asyncio.run(main())


def main(argv: Optional[List[str]] = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="server processes sharing the socket (default 1)")
    args = parser.parse_args(argv)
    raise_fd_limit()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(65535)
    sock.setblocking(False)
    children: List[int] = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            # the worker: serve until killed (the parent kills it when its stdin closes)
            _serve(sock)
            os._exit(0)
        children.append(pid)
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    print("PIDS " + " ".join(str(pid) for pid in children), flush=True)

    def watch_stdin() -> None:
        sys.stdin.read()
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    for _ in children:
        os.wait()


if __name__ == "__main__":
    main()
