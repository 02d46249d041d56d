"""Instructions per event on the asyncio read path: sse_pplx AsyncClient against the bare floor.

The scale benchmark's CPU figures swing with the machine's load; callgrind counts instructions,
which repeat to within a fraction of a percent.  One process holds an asyncio server and one
client in lockstep: the server writes one event (one HTTP chunk: bench_scale.py's
Perplexity-shaped chunk) and waits until the client has handled it, so every read carries
exactly one event, as it does with many slow streams (bench_scale.py at 20 ms).  The figure is
(count with 3,000 events - count with 1,000) / 2,000: start-up, imports and fixed costs cancel;
the server's per-event work is the same for both clients.  The floor is bench_scale.py's.

    python benchmarks/callgrind_async.py                      # needs valgrind; about 1 minute
    python benchmarks/callgrind_async.py --run sse_pplx 3000  # one client, no valgrind

2026-12-05, CPython 3.11.7: sse_pplx 229.9k instructions per event, the floor 157.8k; after the
inlined asyncio body read and the handed-over raw body flow (issue 17), 223.8k against 157.2k
(medians of 3 runs; a count varies by about +-1k from run to run).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from typing import List

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _scale_server import CITATIONS, SEARCH_RESULT, piece

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
PREFIX = (
    b'{"id":"scale-1","model":"sonar","created":1770770000,"object":"chat.completion.chunk",'
    b'"usage":{"prompt_tokens":12,"completion_tokens":1,"total_tokens":13},"citations":'
    + CITATIONS
    + b',"search_results":'
    + SEARCH_RESULT
    + b',"choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant","content":"'
)
FINAL_CHUNK = (
    b'{"id":"scale-1","object":"chat.completion.chunk",'
    b'"choices":[{"index":0,"finish_reason":"stop","delta":{"content":""}}],"sent_at":1.5}'
)
REQUEST_BODY = b'{"model":"sonar","messages":[{"role":"user","content":"x"}],"stream":true}'


def _frame(payload: bytes) -> bytes:
    event = b"data: " + payload + b"\n\n"
    return b"%x\r\n" % len(event) + event + b"\r\n"


async def run(client: str, events: int) -> None:
    frames = [_frame(PREFIX + piece(1, i).encode() + b'"}}],"sent_at":1.5}') for i in range(events)]
    handled = asyncio.Event()
    seen: List[object] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(HEAD)
        for frame in frames:
            handled.clear()
            writer.write(frame)
            await handled.wait()
        writer.write(_frame(FINAL_CHUNK) + _frame(b"[DONE]") + b"0\r\n\r\n")
        await writer.drain()
        writer.close()

    def handle(content: object, sent_at: object) -> None:
        seen.append(content if sent_at else None)
        handled.set()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    if client == "sse_pplx":
        import sse_pplx

        api = sse_pplx.AsyncClient(base_url=f"http://127.0.0.1:{port}", api_key="x", max_retries=0, timeout=30)
        messages = [{"role": "user", "content": "x"}]
        stream = await api.chat.completions.create(model="sonar", messages=messages, stream=True)
        async with stream:
            async for chunk in stream:
                handle(chunk.choices[0].delta.content, chunk.sent_at)
        await api.close()
    else:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(REQUEST_BODY) + REQUEST_BODY
        )
        await reader.readuntil(b"\r\n\r\n")
        buffer = b""
        while True:
            size = int(await reader.readuntil(b"\r\n"), 16)
            if not size:
                break
            buffer += (await reader.readexactly(size + 2))[:-2]
            *blocks, buffer = buffer.split(b"\n\n")
            for block in blocks:
                if block.startswith(b"data: ") and block != b"data: [DONE]":
                    chunk = json.loads(block[6:])
                    handle(chunk["choices"][0]["delta"].get("content"), chunk["sent_at"])
        writer.close()
    server.close()
    assert len(seen) == events + 1, len(seen)


def _count(client: str, events: int) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, os.path.abspath(__file__), "--run", client, str(events),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    assert found, done.stderr[-500:]
    return int(found.group(1))


def main() -> None:
    if sys.argv[1:2] == ["--run"]:
        asyncio.run(run(sys.argv[2], int(sys.argv[3])))
        return
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    for client in ("sse_pplx", "floor"):
        per_event = (_count(client, 3000) - _count(client, 1000)) / 2000
        print(f"{client}: {per_event:,.0f} instructions per event")


if __name__ == "__main__":
    main()
