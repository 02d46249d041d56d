"""The load kit: a loopback server with many concurrent Perplexity-shaped streams, and the load
runner (:func:`run_streams`: threads on one shared ``Client``, or asyncio tasks on one
``AsyncClient``, each stream read by one body for both) that ``tests/test_load.py`` and
``benchmarks/bench_load.py`` share.

The server runs as a child process (``python tests/load_server.py``; it prints ``PORT <n>`` and exits when its
stdin closes), so that it does not share the clients' GIL, and so that its sockets, threads and
allocations are not counted in the client's file descriptors, threads or ``tracemalloc`` figures.
The server part is the standard library only (the runners import ``sse_pplx`` when called), Python 3.8+.

One asyncio loop in one thread serves every connection (HTTP/1.1, keep-alive, ``TCP_NODELAY``,
a listen backlog of 1024, so that hundreds of simultaneous connects are not dropped).  Every
``POST .../chat/completions?n=N&chunks=C&wave=W&hold=H`` is answered ``200 text/event-stream``,
``Transfer-Encoding: chunked``, each SSE event in its own HTTP chunk:

* ``C`` chunk events ``data: {"id":"load-N", ..., "object":"chat.completion.chunk",
  "choices":[{"index":0,"delta":{"role":"assistant","content":"<N:i> "},"finish_reason":null}]}``
  (``i`` = 0 .. C-1: every stream's text differs, so content mixed between streams is caught);
* a final chunk with ``finish_reason: "stop"``, ``usage``, ``citations`` and ``search_results``;
* ``data: [DONE]``, then the last chunk ``0\\r\\n\\r\\n``.

With ``hold=H`` the server sends the head and the first event, then holds the stream until ``H``
requests of wave ``W`` have arrived (at most ``HOLD_TIMEOUT`` seconds), so that all ``H`` streams
are open at once.  :func:`expected_content` is the text a client must have joined for stream ``N``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Dict, Iterator, List, Tuple
from urllib.parse import parse_qs, urlsplit

HOLD_TIMEOUT = 60.0
BATCH = 64  # events per write() before waiting for the socket buffer to drain

CITATIONS = ["https://example.com/load/a", "https://example.com/load/b"]


def piece(n: int, i: int) -> str:
    return f"<{n}:{i}> "


def expected_content(n: int, chunks: int) -> str:
    """The answer text of stream ``n`` with ``chunks`` chunk events."""
    return "".join(piece(n, i) for i in range(chunks))


def _frame(data: bytes) -> bytes:
    event = b"data: " + data + b"\n\n"
    return b"%x\r\n" % len(event) + event + b"\r\n"


def _events(n: int, chunks: int) -> Iterator[bytes]:
    """Stream ``n``'s HTTP chunks, made as they are sent (a template, no json.dumps per event)."""
    head = b'{"id":"load-%d","model":"sonar","created":1770770000,"object":"chat.completion.chunk",' % n
    before = head + b'"choices":[{"index":0,"delta":{"role":"assistant","content":"'
    after = b'"},"finish_reason":null}]}'
    for i in range(chunks):
        yield _frame(before + piece(n, i).encode() + after)
    final = (
        head + b'"usage":{"prompt_tokens":12,"completion_tokens":%d,"total_tokens":%d},' % (chunks, chunks + 12)
        + b'"citations":["' + '","'.join(CITATIONS).encode() + b'"],'
        + b'"search_results":[{"title":"Load %d","url":"https://example.com/load/a"}],' % n
        + b'"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}'
    )  # fmt: skip
    yield _frame(final)
    yield _frame(b"[DONE]")


class _Waves:
    """Requests arrived per wave, and the event that releases a wave once all have arrived."""

    def __init__(self) -> None:
        self._waves: Dict[str, Tuple[List[int], asyncio.Event]] = {}

    async def arrive(self, wave: str, hold: int) -> None:
        entry = self._waves.get(wave)
        if entry is None:
            entry = self._waves[wave] = ([0], asyncio.Event())
        count, event = entry
        count[0] += 1
        if count[0] >= hold:
            event.set()
            self._waves.pop(wave, None)
            return
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(event.wait(), HOLD_TIMEOUT)


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, waves: _Waves) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                return
            lines = head.decode("latin-1").split("\r\n")
            _method, target, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            query = {k: v[0] for k, v in parse_qs(urlsplit(target).query).items()}
            n = int(query.get("n", "0"))
            chunks = int(query.get("chunks", "1000"))
            hold = int(query.get("hold", "0"))
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                b"Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            events = _events(n, chunks)
            writer.write(next(events))
            await writer.drain()
            if hold:
                await waves.arrive(query.get("wave", "0"), hold)
            batch: List[bytes] = []
            for frame in events:
                batch.append(frame)
                if len(batch) >= BATCH:
                    writer.write(b"".join(batch))
                    batch = []
                    await writer.drain()
            batch.append(b"0\r\n\r\n")
            writer.write(b"".join(batch))
            await writer.drain()
    except (ConnectionError, OSError, ValueError):
        return
    finally:
        writer.close()


async def _main(port: int) -> None:
    waves = _Waves()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve(reader, writer, waves)

    server = await asyncio.start_server(serve, "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def _exit_when_stdin_closes() -> None:
    sys.stdin.read()
    os._exit(0)


@contextlib.contextmanager
def running_server() -> Iterator[str]:
    """Start this server as a child process; yield its base URL (``http://127.0.0.1:<port>/v1``)."""
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        universal_newlines=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"the load server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()


# -- the load runners (in the client's process) ---------------------------------------------


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_bytes() -> int:
    """The process's resident set size now (Linux ``/proc/self/statm``; else the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class LoadResult:
    """What one wave of ``streams`` concurrent streams did."""

    def __init__(self, mode: str, streams: int, chunks: int, trace: str) -> None:
        if trace not in TRACE_MODES:
            raise ValueError(f"trace must be one of {TRACE_MODES}, not {trace!r}")
        self.mode = mode
        self.streams = streams
        self.chunks = chunks
        self.trace = trace  # "off", "open" (tracemalloc until all streams are open) or "full" (the whole wave)
        self.errors: Dict[int, str] = {}  # stream number -> the exception it raised (or "hung")
        self.wrong: Dict[int, str] = {}  # stream number -> what was wrong with what it received
        self.received = [0] * streams  # chunk objects received, per stream
        self.wall = 0.0  # seconds, from starting the streams to the last one done
        self.streaming = 0.0  # seconds, from all streams open to the last one done
        self.all_open = False
        self.fds_base = self.fds_open = self.fds_after = 0
        self.threads_base = self.threads_open = self.threads_after = 0
        self.rss_base = self.rss_open = self.rss_after = 0
        self.traced_base = self.traced_open = self.traced_peak = 0
        self.leftover_tasks: List[str] = []
        self._opened_at = 0.0

    # -- checks ------------------------------------------------------------------------
    def check(self, n: int, count: int, text: str, final: object) -> None:
        """Stream ``n`` is done: record what (if anything) differs from what the server sent."""
        self.received[n] = count
        problems = []
        if count != self.chunks + 1:
            problems.append(f"{count} chunks, expected {self.chunks + 1}")
        expected = expected_content(n, self.chunks)
        if text != expected:
            at = next((i for i, (a, b) in enumerate(zip(text, expected)) if a != b), min(len(text), len(expected)))
            problems.append(f"content differs at {at}: {text[at : at + 24]!r} != {expected[at : at + 24]!r}")
        if getattr(final, "content", None) != expected:
            problems.append("get_final_completion().content differs from the text streamed")
        for name, want in (("outcome", "done"), ("finish_reason", "stop"), ("id", f"load-{n}")):
            got = getattr(final, name, None)
            if got != want:
                problems.append(f"{name} {got!r}, expected {want!r}")
        if getattr(final, "citations", None) != CITATIONS:
            problems.append(f"citations {getattr(final, 'citations', None)!r}")
        usage = getattr(final, "usage", None) or {}
        total = usage.get("total_tokens") if isinstance(usage, dict) else getattr(usage, "total_tokens", None)
        if total != self.chunks + 12:
            problems.append(f"usage.total_tokens {total!r}")
        if problems:
            self.wrong[n] = "; ".join(problems)

    def snapshot_open(self) -> None:
        """Called once, when every stream has its first chunk: all are open at once."""
        self._opened_at = time.perf_counter()
        self.all_open = True
        if self.trace != "off" and _tracemalloc().is_tracing():
            tracemalloc = _tracemalloc()
            self.traced_open, peak = tracemalloc.get_traced_memory()
            if self.trace == "open":  # stop here: the rest of the wave runs at full speed
                self.traced_peak = peak
                tracemalloc.stop()
        self.rss_open = rss_bytes()
        self.fds_open = open_fds()
        self.threads_open = threading.active_count()

    # -- figures -----------------------------------------------------------------------
    @property
    def events(self) -> int:
        """Chunk objects delivered to the consumers (the [DONE] events not counted)."""
        return sum(self.received)

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall if self.wall else 0.0

    @property
    def streams_per_s(self) -> float:
        return self.streams / self.wall if self.wall else 0.0

    @property
    def open_per_stream(self) -> float:
        """tracemalloc bytes per stream while all were open, each with its first chunk."""
        return (self.traced_open - self.traced_base) / self.streams

    @property
    def peak_per_stream(self) -> float:
        """tracemalloc peak per stream: up to the moment all were open ("open"), or over the whole wave ("full")."""
        return (self.traced_peak - self.traced_base) / self.streams

    @property
    def rss_open_per_stream(self) -> float:
        return (self.rss_open - self.rss_base) / self.streams

    def summary(self) -> str:
        lines = [
            f"{self.mode}: {self.streams} streams x {self.chunks} chunks, {self.events:,} chunks received in "
            f"{self.wall:.2f} s ({self.streaming:.2f} s after all were open): {self.events_per_s:,.0f} events/s, "
            f"{self.streams_per_s:,.1f} streams/s",
            f"  all {self.streams} open at once: {self.all_open} (fds {self.fds_base} -> {self.fds_open} -> "
            f"{self.fds_after}, threads {self.threads_base} -> {self.threads_open} -> {self.threads_after})",
            f"  RSS {self.rss_base / MIB:.1f} -> {self.rss_open / MIB:.1f} (open) -> {self.rss_after / MIB:.1f} MiB: "
            f"{self.rss_open_per_stream / KIB:.1f} KiB per open stream",
        ]
        if self.trace != "off":
            until = "until all were open" if self.trace == "open" else "over the whole wave"
            lines.append(
                f"  tracemalloc: {self.open_per_stream / KIB:.1f} KiB per open stream (all open, first chunk in), "
                f"peak {until} {self.peak_per_stream / KIB:.1f} KiB per stream"
            )
        if self.errors or self.wrong or self.leftover_tasks:
            lines.append(f"  errors {len(self.errors)}, wrong {len(self.wrong)}, tasks left {len(self.leftover_tasks)}")
            for n, what in sorted({**self.wrong, **self.errors}.items())[:5]:
                lines.append(f"    stream {n}: {what}")
        return "\n".join(lines)


TRACE_MODES = ("off", "open", "full")
KIB = 1024.0
MIB = 1024.0 * 1024.0


def _request(n: int, chunks: int, wave: str, streams: int) -> Dict[str, Any]:
    return {
        "model": "sonar",
        "messages": [{"role": "user", "content": f"stream {n}"}],
        "stream": True,
        "extra_query": {"n": n, "chunks": chunks, "wave": wave, "hold": streams},
    }


def _tracemalloc() -> Any:
    """The module, imported when a wave traces: CPython has it, PyPy does not (tests/interpreter.py)."""
    import tracemalloc

    return tracemalloc


def _begin(result: LoadResult) -> None:
    gc.collect()
    if result.trace != "off":
        tracemalloc = _tracemalloc()
        tracemalloc.start()
        result.traced_base = tracemalloc.get_traced_memory()[0]
    result.fds_base = open_fds()
    result.threads_base = threading.active_count()
    result.rss_base = rss_bytes()


def _finish(result: LoadResult, started: float) -> None:
    done = time.perf_counter()
    result.wall = done - started
    result.streaming = done - result._opened_at if result.all_open else 0.0
    if result.trace != "off" and _tracemalloc().is_tracing():  # "off" leaves a caller's own tracing alone
        tracemalloc = _tracemalloc()
        if result.trace == "full":
            result.traced_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def _after(result: LoadResult) -> None:
    gc.collect()
    result.fds_after = open_fds()
    result.threads_after = threading.active_count()
    result.rss_after = rss_bytes()


def run_streams(
    mode: str,
    base_url: str,
    streams: int = 200,
    chunks: int = 1000,
    wave: str = "",
    trace: str = "off",
    client: Any = None,
    timeout: float = 120.0,
) -> LoadResult:
    """``streams`` streams at once on ONE client: ``mode="threads"``, a thread each on one
    ``sse_pplx.Client`` (made here and closed at the end unless ``client`` is given);
    ``mode="asyncio"``, an asyncio task each on one ``sse_pplx.AsyncClient``, under one
    ``asyncio.run`` (the tasks still pending after the client is closed are recorded).  Every
    stream is read by :func:`_read_stream`.  ``wave`` names the wave for the server (default:
    the mode)."""
    if mode not in ("threads", "asyncio"):
        raise ValueError(f"mode is 'threads' or 'asyncio', not {mode!r}")
    result = LoadResult(mode, streams, chunks, trace)
    _begin(result)
    if mode == "threads":
        _run_threads(result, base_url, wave or mode, timeout, client)
    else:
        asyncio.run(_run_tasks(result, base_url, wave or mode, timeout))
    _after(result)
    return result


async def _read_stream(mode: Any, client: Any, result: LoadResult, n: int, wave: str, first: Any) -> None:
    """Stream ``n``, read the way applications read it (``tests/modes.py``: the sync or the async
    API from one body): each chunk's ``delta.content`` joined, ``await first()`` at the first chunk
    (hold it until every stream has its own), then ``get_final_completion()``; checked."""
    pieces: List[str] = []
    count = 0
    stream = await mode.resolve(client.chat.completions.create(**_request(n, result.chunks, wave, result.streams)))
    async with mode.enter(stream):
        async for chunk in mode.iterate(stream):
            if not count:
                await first()
            count += 1
            text = chunk.choices[0].delta.content
            if text:
                pieces.append(text)
        final = await mode.resolve(stream.get_final_completion())
    result.check(n, count, "".join(pieces), final)


def _run_threads(result: LoadResult, base_url: str, wave: str, timeout: float, client: Any) -> None:
    from sse_pplx import Client
    from tests.modes import Mode, run_without_loop

    sync = Mode("sync")
    streams = result.streams
    own = client is None
    if own:
        client = Client(base_url=base_url, api_key="load-test", max_retries=0, timeout=timeout)
    barrier = threading.Barrier(streams, action=result.snapshot_open, timeout=timeout)

    async def first() -> None:
        barrier.wait()

    def worker(n: int) -> None:
        try:
            run_without_loop(_read_stream(sync, client, result, n, wave, first))
        except BaseException as exc:  # every failure is a finding, per stream
            barrier.abort()
            result.errors[n] = repr(exc)

    threads = [threading.Thread(target=worker, args=(n,), name=f"load-{wave}-{n}") for n in range(streams)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    deadline = started + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.perf_counter()))
    _finish(result, started)
    for n, thread in enumerate(threads):
        if thread.is_alive():
            result.errors.setdefault(n, f"hung: still running after {timeout:.0f} s")
    if own:
        client.close()


async def _run_tasks(result: LoadResult, base_url: str, wave: str, timeout: float) -> None:
    from sse_pplx import AsyncClient
    from tests.modes import Mode

    streams = result.streams
    client = AsyncClient(base_url=base_url, api_key="load-test", max_retries=0, timeout=timeout)
    arrived = [0]
    released = asyncio.Event()
    broken: List[bool] = []

    async def first() -> None:
        arrived[0] += 1
        if arrived[0] == streams:
            result.snapshot_open()
            released.set()
        else:
            await asyncio.wait_for(released.wait(), timeout)
        if broken:
            raise RuntimeError("another stream failed before all were open")

    asynchronous = Mode("async")

    async def worker(n: int) -> None:
        try:
            await _read_stream(asynchronous, client, result, n, wave, first)
        except Exception as exc:  # every failure is a finding, per stream
            broken.append(True)
            released.set()
            result.errors[n] = repr(exc)

    started = time.perf_counter()
    tasks = [asyncio.ensure_future(worker(n)) for n in range(streams)]
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    _finish(result, started)
    for n, task in enumerate(tasks):
        if task in pending:
            result.errors.setdefault(n, f"hung: still running after {timeout:.0f} s")
            task.cancel()
    if pending:
        await asyncio.wait(pending, timeout=5)
    await client.close()
    await asyncio.sleep(0)  # let the transports closed just now run their connection_lost
    current = asyncio.current_task()
    result.leftover_tasks = [repr(task) for task in asyncio.all_tasks() if task is not current]


if __name__ == "__main__":
    threading.Thread(target=_exit_when_stdin_closes, daemon=True).start()
    asyncio.run(_main(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
