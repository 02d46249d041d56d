"""The scale benchmark's clients, and what each one records while it reads N streams at once.

Every client reads every stream the way an application does (each chunk's
``choices[0].delta.content`` checked in order against what the server sent, and the chunk's
``sent_at``), and hands each chunk to the same :class:`Recorder`, so that the per-event work
outside the library is the same for all of them.  The recorder's memory is allocated before the
baseline is taken: histograms of fixed size, one slot per stream.

Clients (``CLIENTS``):

* ``sse_pplx-async``: asyncio tasks on ONE ``sse_pplx.AsyncClient``;
  ``await client.chat.completions.create(..., stream=True)``, ``async with`` / ``async for``.
* ``sse_pplx-threads``: a thread per stream on ONE ``sse_pplx.Client`` (N <= 1,000).
* ``floor``: the bare asyncio client: ``asyncio.open_connection``, a hand-written request,
  the chunked body's framing read with ``readuntil`` / ``readexactly``, split on blank lines,
  ``json.loads`` of each ``data:`` line.  No error handling, no spec: the cost under any client.
* ``openai-async`` / ``openai-threads``: ``openai.AsyncOpenAI`` / ``openai.OpenAI`` with the
  SDK's own ``DefaultAsyncHttpxClient`` / ``DefaultHttpxClient`` whose pool limits are lifted
  (``max_connections=None``), ``max_retries=0``.
* ``httpx-sse-async``: ``httpx.AsyncClient`` (limits lifted) and ``httpx_sse.aconnect_sse``,
  ``json.loads`` of each event's data.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any, Awaitable, Callable, Dict, Optional

from _scale_server import piece

MESSAGES = [{"role": "user", "content": "Hold many streams open."}]
MODEL = "sonar"

# Histogram bins: 0.1 ms wide up to 2 s, then 10 ms wide up to 200 s (and one last bin beyond).
_FINE_BINS = 20_000
_COARSE_BINS = 19_800


class Histogram:
    """Durations in fixed bins (constant memory whatever the number of events)."""

    def __init__(self) -> None:
        self.bins = [0] * (_FINE_BINS + _COARSE_BINS + 1)
        self.count = 0

    def add(self, seconds: float) -> None:
        if seconds < 2.0:
            index = int(seconds * 10_000) if seconds > 0 else 0
        else:
            index = min(_FINE_BINS + int((seconds - 2.0) * 100), _FINE_BINS + _COARSE_BINS)
        self.bins[index] += 1
        self.count += 1

    def percentile(self, fraction: float) -> Optional[float]:
        """The upper edge of the bin holding the ``fraction`` quantile, in milliseconds."""
        if not self.count:
            return None
        rank = fraction * self.count
        seen = 0
        for index, number in enumerate(self.bins):
            seen += number
            if seen >= rank and number:
                if index < _FINE_BINS:
                    return (index + 1) / 10.0
                return 2000.0 + (index - _FINE_BINS + 1) * 10.0
        return None


class Recorder:
    """What one wave of ``streams`` streams of ``chunks`` chunks received, per stream."""

    def __init__(self, streams: int, chunks: int) -> None:
        self.streams = streams
        self.chunks = chunks
        self.lateness = Histogram()
        self.first_event = Histogram()
        self.started = [0.0] * streams
        self.received = [0] * streams
        self.wrong = [0] * streams
        self.finished = [False] * streams
        self.errors: Dict[int, str] = {}
        self.open = 0
        self.max_open = 0
        self.lock = threading.Lock()

    def begin(self, n: int) -> None:
        self.started[n] = time.monotonic()

    def chunk(self, n: int, text: Optional[str], sent_at: float, finish_reason: Optional[str]) -> None:
        """Stream ``n``'s next chunk: its text checked, its lateness counted."""
        now = time.monotonic()
        with self.lock:
            self.lateness.add(now - sent_at)
            index = self.received[n]
            if index == 0:
                self.first_event.add(now - self.started[n])
                self.open += 1
                if self.open > self.max_open:
                    self.max_open = self.open
            if finish_reason is not None:
                self.finished[n] = finish_reason == "stop" and index == self.chunks
                self.open -= 1
            elif text != piece(n, index):
                self.wrong[n] += 1
            self.received[n] = index + 1

    def error(self, n: int, exc: BaseException) -> None:
        with self.lock:
            self.errors[n] = f"{type(exc).__name__}: {exc}"[:300]
            if self.received[n] and not self.finished[n]:
                self.open -= 1

    def correct(self) -> int:
        return sum(
            1
            for n in range(self.streams)
            if self.finished[n] and not self.wrong[n] and n not in self.errors and self.received[n] == self.chunks + 1
        )

    def events(self) -> int:
        return sum(self.received)


def _scale(n: int, chunks: int, interval: float) -> Dict[str, Any]:
    return {"scale": {"n": n, "chunks": chunks, "interval": interval}}


# -- the clients: each returns (one stream's coroutine or function, a closer) ---------------

Wave = Callable[[int], Awaitable[None]]


def sse_pplx_async(url: str, rec: Recorder, interval: float, timeout: float) -> Any:
    import sse_pplx

    client = sse_pplx.AsyncClient(base_url=url, api_key="scale", max_retries=0, timeout=timeout)

    async def one(n: int) -> None:
        rec.begin(n)
        stream = await client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, extra_body=_scale(n, rec.chunks, interval)
        )
        async with stream:
            async for chunk in stream:
                choice = chunk.choices[0]
                rec.chunk(n, choice.delta.content, chunk.sent_at, choice.finish_reason)

    return one, client.close


def sse_pplx_threads(url: str, rec: Recorder, interval: float, timeout: float) -> Any:
    import sse_pplx

    client = sse_pplx.Client(base_url=url, api_key="scale", max_retries=0, timeout=timeout)

    def one(n: int) -> None:
        rec.begin(n)
        with client.chat.completions.create(
            model=MODEL, messages=MESSAGES, stream=True, extra_body=_scale(n, rec.chunks, interval)
        ) as stream:
            for chunk in stream:
                choice = chunk.choices[0]
                rec.chunk(n, choice.delta.content, chunk.sent_at, choice.finish_reason)

    return one, client.close


def floor(url: str, rec: Recorder, interval: float, timeout: float) -> Any:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    loads = json.loads

    async def one(n: int) -> None:
        rec.begin(n)
        body = json.dumps({"model": MODEL, "messages": MESSAGES, "stream": True, **_scale(n, rec.chunks, interval)})
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(
            f"POST /chat/completions HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n{body}".encode()
        )
        await reader.readuntil(b"\r\n\r\n")
        buffer = b""
        try:
            while True:
                size = int(await reader.readuntil(b"\r\n"), 16)
                if not size:
                    return
                buffer += (await reader.readexactly(size + 2))[:-2]
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    if not block.startswith(b"data: ") or block == b"data: [DONE]":
                        continue
                    chunk = loads(block[6:])
                    choice = chunk["choices"][0]
                    rec.chunk(n, choice["delta"].get("content"), chunk["sent_at"], choice["finish_reason"])
        finally:
            writer.close()

    async def close() -> None:
        return None

    return one, close


def _openai_limits(module: Any) -> Any:
    return module.Limits(max_connections=None, max_keepalive_connections=None)


def _openai_http() -> Any:
    """openai's HTTP library: ``httpx2`` from openai 3.x, ``httpx`` before (openai 1.39 is the
    newest that installs on PyPy 3.9: benchmarks/README.md, "PyPy")."""
    try:
        import httpx2
    except ImportError:
        import httpx

        return httpx
    return httpx2


def openai_async(url: str, rec: Recorder, interval: float, timeout: float) -> Any:
    import openai

    http = openai.DefaultAsyncHttpxClient(limits=_openai_limits(_openai_http()), timeout=timeout)
    client = openai.AsyncOpenAI(base_url=url, api_key="scale", max_retries=0, http_client=http)

    async def one(n: int) -> None:
        rec.begin(n)
        stream = await client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            stream=True,
            extra_body=_scale(n, rec.chunks, interval),  # type: ignore[arg-type]
        )
        async with stream:
            async for chunk in stream:
                choice = chunk.choices[0]
                rec.chunk(n, choice.delta.content, chunk.sent_at, choice.finish_reason)

    return one, client.close


def openai_threads(url: str, rec: Recorder, interval: float, timeout: float) -> Any:
    import openai

    http = openai.DefaultHttpxClient(limits=_openai_limits(_openai_http()), timeout=timeout)
    client = openai.OpenAI(base_url=url, api_key="scale", max_retries=0, http_client=http)

    def one(n: int) -> None:
        rec.begin(n)
        stream = client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,
            stream=True,
            extra_body=_scale(n, rec.chunks, interval),  # type: ignore[arg-type]
        )
        with stream:
            for chunk in stream:
                choice = chunk.choices[0]
                rec.chunk(n, choice.delta.content, chunk.sent_at, choice.finish_reason)

    return one, client.close


def httpx_sse_async(url: str, rec: Recorder, interval: float, timeout: float) -> Any:
    import httpx
    from httpx_sse import aconnect_sse

    client = httpx.AsyncClient(limits=_openai_limits(httpx), timeout=timeout)
    loads = json.loads

    async def one(n: int) -> None:
        rec.begin(n)
        body = {"model": MODEL, "messages": MESSAGES, "stream": True, **_scale(n, rec.chunks, interval)}
        async with aconnect_sse(client, "POST", url + "/chat/completions", json=body) as source:
            async for event in source.aiter_sse():
                if event.data == "[DONE]":
                    break
                chunk = loads(event.data)
                choice = chunk["choices"][0]
                rec.chunk(n, choice["delta"].get("content"), chunk["sent_at"], choice["finish_reason"])

    return one, client.aclose


#: name -> (factory, "asyncio" or "threads", the distributions it runs on)
CLIENTS: Dict[str, Any] = {
    "sse_pplx-async": (sse_pplx_async, "asyncio", ()),
    "floor": (floor, "asyncio", ()),
    "openai-async": (openai_async, "asyncio", ("openai", "pydantic")),
    "httpx-sse-async": (httpx_sse_async, "asyncio", ("httpx-sse", "httpx")),
    "sse_pplx-threads": (sse_pplx_threads, "threads", ()),
    "openai-threads": (openai_threads, "threads", ("openai", "pydantic")),
}


def run_wave(
    name: str, url: str, rec: Recorder, interval: float, timeout: float, on_started: Callable[[], None]
) -> None:
    """Read ``rec.streams`` streams at once with client ``name``; every failure is recorded per stream."""
    factory, kind, _ = CLIENTS[name]
    one, close = factory(url, rec, interval, timeout)
    if kind == "asyncio":

        async def guarded(n: int) -> None:
            try:
                await one(n)
            except Exception as exc:  # a finding, per stream
                rec.error(n, exc)

        async def main() -> None:
            tasks = [asyncio.ensure_future(guarded(n)) for n in range(rec.streams)]
            on_started()
            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            for n, task in enumerate(tasks):
                if task in pending:
                    rec.error(n, TimeoutError(f"not done after {timeout:g} s"))
            await close()

        asyncio.run(main())
        return

    def guarded_thread(n: int) -> None:
        try:
            one(n)
        except Exception as exc:
            rec.error(n, exc)

    threads = [threading.Thread(target=guarded_thread, args=(n,), daemon=True) for n in range(rec.streams)]
    for thread in threads:
        thread.start()
    on_started()
    deadline = time.monotonic() + timeout
    for n, thread in enumerate(threads):
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            rec.error(n, TimeoutError(f"not done after {timeout:g} s"))
    close()
