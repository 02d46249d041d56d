"""Instructions per event, sse_pplx Client against the bare http.client floor, under callgrind.

Wall-clock ratios on a shared 2-core machine swing by 20-30 % from run to run; callgrind
counts the instructions the client process executes, which repeat to within a fraction of a
percent whatever else the machine does.  The stream server (``bench_client.py --serve``) runs
natively in its own process; only the client is counted.  Each side streams the same 5,000-chunk
Perplexity stream; the figure is (count with 3 streams - count with 1 stream) / 2 / events, so
start-up and imports cancel out.

    python benchmarks/callgrind_client.py          # needs valgrind; about 2 minutes
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

EVENTS = 5001  # 5,000 chunks and the final one


def _ours(url: str, reps: int) -> None:
    import sse_pplx

    client = sse_pplx.Client(base_url=url, api_key="x", max_retries=0)
    for _ in range(reps):
        stream = client.chat.completions.create(model="m", messages=[], stream=True)
        parts = []
        for chunk in stream:
            content = chunk.choices[0].delta.content
            if content:
                parts.append(content)
        stream.get_final_completion()


def _floor(port: int, path: str, reps: int) -> None:
    for _ in range(reps):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("POST", path, body=b"{}", headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        buf = b""
        parts = []
        done = False
        while not done:
            data = resp.read1(65536)
            if not data:
                break
            blocks = (buf + data).split(b"\n\n")
            buf = blocks.pop()
            for block in blocks:
                if block[6:] == b"[DONE]":
                    done = True
                    break
                content = json.loads(block[6:])["choices"][0]["delta"]["content"]
                if content:
                    parts.append(content)
        conn.close()


def _child(kind: str, reps: int) -> None:
    import bench_client

    with bench_client.ServerProcess(EVENTS - 1, 0.2) as server:
        if kind == "sse_pplx":
            _ours(server.url + "/fast", reps)
        else:
            _floor(server.info["port"], "/fast/chat/completions", reps)


def _count(kind: str, reps: int) -> int:
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, kind, str(reps)],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if found is None:
        raise SystemExit(proc.stderr[-2000:])
    return int(found.group(1))


def main() -> int:
    if len(sys.argv) == 3:
        _child(sys.argv[1], int(sys.argv[2]))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    os.environ.setdefault("PYTHONHASHSEED", "0")
    per_event = {}
    for kind in ("floor", "sse_pplx"):
        one, three = _count(kind, 1), _count(kind, 3)
        per_event[kind] = (three - one) / 2 / EVENTS
        print(f"{kind:9} {per_event[kind]:10.0f} instructions per event")
    print(f"sse_pplx / floor: {per_event['sse_pplx'] / per_event['floor']:.2f}x (bar: 1.25x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
