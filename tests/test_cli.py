"""``python -m sse_pplx``: the parser demo and the stdin dumper, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "sse_pplx", *args], input=stdin, capture_output=True, cwd=ROOT, timeout=60
    )


def test_demo_streams_the_answer_then_sources_and_usage() -> None:
    proc = _run("--demo")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert out.startswith("Water boils at 100 °C (212 °F) at sea level[1][2].\n")
    assert "[1] https://www.example.org/water-boiling-point" in out
    assert "[2] https://science.example.edu/phase-changes" in out
    assert "usage: 11 prompt + 12 completion tokens" in out
    assert "outcome: finished" in proc.stderr.decode()
    # It went through the real client and transport, over loopback:
    assert "replaying a recorded Perplexity stream" in proc.stderr.decode()
    assert "from http://127.0.0.1:" in proc.stderr.decode()


def test_demo_result_does_not_depend_on_the_chunking_seed() -> None:
    outputs = {_run("--demo", "--seed", str(seed)).stdout for seed in (1, 2, 3)}
    assert len(outputs) == 1


def test_stdin_stream_is_printed_as_json_lines() -> None:
    proc = _run(stdin=b"id: 1\r\ndata: h\xc3\xa9llo\r\n\r\nevent: x\ndata: a\ndata: b\nretry: 5\n\ndata: cut")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert records == [
        {"event": "message", "data": "héllo", "id": "1"},
        {"event": "x", "data": "a\nb", "id": "1", "retry": 5},
    ]


def test_a_limit_breach_is_a_one_line_error_and_exit_1(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"data: " + b"x" * (9 * 1024 * 1024))
    proc = _run("--file", str(big))
    assert proc.returncode == 1
    assert proc.stderr.decode().startswith("error: max_line_bytes exceeded")
    assert b"Traceback" not in proc.stderr
