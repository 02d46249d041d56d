"""The spinner of ``python -m sse_pplx``, seen on a real pseudo-terminal and through a pipe.

The command runs with its stdout and stderr on the slave side of a pty (as in a terminal
window); the test reads the master side, the bytes a terminal would draw.  The server holds
the answer until the spinner is on the screen, so what is checked is what a person sees: the
spinner while nothing has come, erased (``\\r`` + ``ESC [ K``) before the first words, never
drawn again after them; erased before an error line or ``interrupted``; and nothing at all
when stderr is a pipe.  Skipped where there are no ptys (Windows).
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import pytest

from sse_pplx._spinner import ERASE, FRAMES
from tests.servers import LoopbackServer, chunk_obj, gated_server, sse
from tests.test_cli import ROOT, _env

pty = pytest.importorskip("pty")

FRAME_START = tuple(f"\r{frame} ".encode() for frame in FRAMES)


class OnTerminal:
    """The command with stdout and stderr on a pty; ``read_until`` collects what it draws."""

    def __init__(self, args: List[str], env: Dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sse_pplx", *args],
            cwd=ROOT,
            env=env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
        )
        os.close(slave)
        self.seen = b""

    def read_until(self, done: Callable[[bytes], bool], timeout: float = 30.0) -> bytes:
        """Read until ``done(everything so far)`` or the end of output (the timeout bounds a failure only)."""
        deadline = time.monotonic() + timeout
        while not done(self.seen):
            assert time.monotonic() < deadline, f"never came; what was drawn: {self.seen!r}"
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if not ready:
                continue
            try:
                piece = os.read(self.master, 4096)
            except OSError:  # EIO: the slave side is closed, the command has ended
                piece = b""
            if not piece:
                break
            self.seen += piece
        return self.seen

    def finish(self) -> Tuple[int, bytes]:
        self.read_until(lambda _: False)
        status = self.proc.wait(timeout=30)
        os.close(self.master)
        return status, self.seen

    def kill(self) -> None:
        if self.proc.poll() is None:  # pragma: no cover - only when an assertion failed
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def on_terminal() -> Iterator[Callable[..., OnTerminal]]:
    started: List[OnTerminal] = []

    def start(*args: str, env: Optional[Dict[str, str]] = None) -> OnTerminal:
        term = OnTerminal(list(args), env or _env(TERM="xterm-256color", NO_COLOR="1"))
        started.append(term)
        return term

    yield start
    for term in started:
        term.kill()


ANSWER = [
    sse(chunk_obj("Hello", citations=["https://a.example"])),
    sse(chunk_obj(" world", finish="stop")),
    b"data: [DONE]\n\n",
]


def _spinning(seen: bytes) -> bool:
    return any(start in seen for start in FRAME_START)


def test_a_spinner_until_the_first_words_then_erased(on_terminal) -> None:
    server, gate = gated_server([b": the search is running\n\n", *ANSWER])
    with server:
        term = on_terminal("hi", "--base-url", server.url)
        try:
            before = term.read_until(_spinning)
            gate.open()
            status, seen = term.finish()
        finally:
            gate.open()
    assert status == 0
    assert b"waiting for the answer\xe2\x80\xa6" in before  # "…": --base-url is not a search
    first_words = seen.index(b"Hello")
    assert seen[:first_words].endswith(ERASE.encode())  # erased, then the answer on a clean line
    assert not _spinning(seen[first_words:])  # never drawn again
    assert seen[first_words:].replace(b"\r\n", b"\n") == b"Hello world\n\nSources\n[1] https://a.example\n"


def test_the_replay_searches_and_the_notice_is_one_line(on_terminal, tmp_path) -> None:
    """Without a key: the one-line notice, then ``searching…`` while the recorded first read waits."""
    import json

    fixture = ROOT / "fixtures" / "recorded" / "pplx-2026-network-split.json"
    spec = json.loads(fixture.read_text(encoding="utf-8"))
    spec["delays_ms"] = [120_000.0] + [0.0] * (len(spec["chunks"]) - 1)  # two minutes before anything
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps(spec), encoding="utf-8")
    term = on_terminal("--replay", str(slow))
    seen = term.read_until(_spinning)
    notice, _, spinner = seen.partition(b"\r\n")
    assert notice.startswith(b"replaying ") and notice.endswith(b"(--replay; nothing is sent to any API)")
    assert b"searching\xe2\x80\xa6" in spinner
    term.proc.send_signal(signal.SIGINT)  # Ctrl-C while it spins: erased, then "interrupted" at column 0
    status, seen = term.finish()
    assert status == 130
    assert seen.endswith(ERASE.encode() + b"interrupted\r\n")


def test_an_error_line_starts_on_an_erased_line(on_terminal) -> None:
    gate_open = []

    def handler(exchange) -> bool:
        while not gate_open:
            time.sleep(0.01)
        exchange.respond(401, b'{"error": {"message": "Invalid API key"}}')
        return True

    with LoopbackServer(handler) as server:
        term = on_terminal("hi", "--base-url", server.url, "--max-retries", "0")
        term.read_until(_spinning)
        gate_open.append(True)
        status, seen = term.finish()
    assert status == 1
    error = seen.index(b"error: AuthenticationError")
    assert seen[:error].endswith(ERASE.encode())
    assert not _spinning(seen[error:])


def test_the_agents_search_activity_prints_above_the_spinner(on_terminal) -> None:
    from conformance import response_examples as ex

    upto = next(i for i, event in enumerate(ex.R1_EVENTS) if event.get("type") == "response.output_text.delta")
    activity = ex.frame(ex.R1_EVENTS[:upto], named=False)
    server, gate = gated_server([activity, ex.frame(ex.R1_EVENTS[upto:], named=False)])
    with server:
        env = _env(TERM="xterm-256color", NO_COLOR="1", PERPLEXITY_API_KEY="pplx-x", PERPLEXITY_BASE_URL=server.url)
        term = on_terminal("--agent", "hi", env=env)
        try:
            # The queries are said, and the spinner goes on below them while the answer is awaited.
            before = term.read_until(lambda seen: b"searching: " in seen and _spinning(seen.split(b"searching: ")[1]))
            gate.open()
            status, seen = term.finish()
        finally:
            gate.open()
    assert status == 0, seen
    line = before.index(b"searching: ")
    assert line == 0 or before[:line].endswith((b"\n", ERASE.encode()))  # the line starts at column 0
    first_words = seen.index(ex.R1_TEXT[:10].encode())
    assert seen[:first_words].endswith(ERASE.encode())
    assert not _spinning(seen[first_words:])


def test_nothing_when_stderr_is_a_pipe() -> None:
    server, gate = gated_server([b": the search is running\n\n", *ANSWER])
    with server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sse_pplx", "hi", "--base-url", server.url],
            cwd=ROOT,
            env=_env(TERM="xterm-256color"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            # Hold the answer for many spinner intervals: a spinner would have drawn by then.
            time.sleep(10 * 0.1)
            gate.open()
            out, err = proc.communicate(timeout=30)
        finally:
            gate.open()
            if proc.poll() is None:  # pragma: no cover
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0
    assert out.startswith(b"Hello world\n")
    assert err == b""
