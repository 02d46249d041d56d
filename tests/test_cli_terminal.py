"""The command line in a real terminal: tmux runs it in a pseudo-terminal, keys are typed, the screen is read.

What a pipe cannot show: that colours are used on a terminal (the reasoning
dimmed, "Sources" in bold), that the screen holds the answer, sources and usage
in order, and that Ctrl-C typed at the keyboard stops a stream and gives the
shell back.  Skipped where tmux is not installed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Iterator, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
REASONING = ROOT / "fixtures" / "recorded" / "pplx-reasoning-per-event-reads.json"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """A detached tmux session on a private server socket, running a plain shell."""

    def __init__(self, socket_name: str) -> None:
        self.socket = socket_name

    def tmux(self, *args: str) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, timeout=30, check=True)
        return proc.stdout.decode("utf-8", "replace")

    def type(self, line: str) -> None:
        self.tmux("send-keys", "-t", "cli", "-l", line)
        self.tmux("send-keys", "-t", "cli", "Enter")

    def screen(self, escapes: bool = False) -> str:
        return self.tmux("capture-pane", "-p", "-J", *(["-e"] if escapes else []), "-t", "cli")

    def wait_for(self, pattern: str, timeout: float = 30.0) -> str:
        """The screen once a line matches ``pattern`` (polling; the timeout only bounds a failure)."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern, re.MULTILINE)
        while True:
            screen = self.screen()
            if regex.search(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never appeared; the screen:\n{screen}")
            time.sleep(0.05)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    term = Terminal(f"sse-pplx-test-{uuid.uuid4().hex[:8]}")
    env = ["env", "-u", "PERPLEXITY_API_KEY", "-u", "OPENAI_API_KEY", "-u", "NO_COLOR", "TERM=xterm-256color", "PS1=$ "]
    term.tmux("new-session", "-d", "-s", "cli", "-x", "120", "-y", "40", "-c", str(ROOT), *env, "sh")
    try:
        yield term
    finally:
        subprocess.run(["tmux", "-L", term.socket, "kill-server"], capture_output=True, timeout=30)


def _command(*args: str) -> str:
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "sse_pplx", *args))


def _lines(screen: str) -> List[str]:
    return [line.rstrip() for line in screen.splitlines() if line.strip()]


def test_the_answer_sources_and_usage_on_screen_with_colours(terminal: Terminal) -> None:
    command = _command("Is 2027 prime?", "--replay", str(REASONING), "--speed", "5", "--show-reasoning")
    terminal.type(command + '; echo "exit=$?"')
    screen = terminal.wait_for(r"^exit=\d+")
    lines = _lines(screen)
    at = next(i for i, line in enumerate(lines) if line.startswith("The square root of 2027"))
    assert lines[at : at + 6] == [
        "The square root of 2027 is about 45, so I only need to test primes up to 43. None divide it.",
        "Yes — **2027 is prime**[1].",
        "Sources",
        "[1] 2027 (number) — https://math.example.com/primes/2027",
        "usage: 8 prompt + 49 completion = 57 tokens, cost $0.006408",
        "exit=0",
    ]
    # The styles reach the terminal: the reasoning dimmed, the heading bold, the answer plain.
    styled = terminal.screen(escapes=True)
    assert "\x1b[2mThe square root of 2027" in styled
    assert "\x1b[1mSources" in styled
    assert "\x1b[2mYes" not in styled and "\x1b[1mYes" not in styled


def test_ctrl_c_stops_the_stream_and_gives_the_shell_back(terminal: Terminal, tmp_path: Path) -> None:
    spec = json.loads(REASONING.read_text(encoding="utf-8"))
    spec["delays_ms"] = [0.0, 0.0, 120_000.0] + [0.0] * (len(spec["chunks"]) - 3)  # then two minutes of silence
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps(spec), encoding="utf-8")
    terminal.type(_command("--replay", str(slow), "--show-reasoning"))
    terminal.wait_for(r"primes up to 43\.")
    terminal.tmux("send-keys", "-t", "cli", "C-c")
    terminal.wait_for(r"^interrupted\n\$")  # and the shell's prompt is back
    terminal.type("echo exit=$?")
    lines = _lines(terminal.wait_for(r"^exit=\d+"))
    assert "exit=130" in lines
    assert not any("Traceback" in line for line in lines)
    assert "Yes — **2027 is prime**[1]." not in lines  # it stopped: the rest never came
