"""The parser and chat-layer tests run again under Pyodide (CPython for WebAssembly) in Node.

``tests/pyodide/run.mjs`` does the work (see tests/pyodide/README.md); this test runs it on the
same test files as this interpreter would, and checks that every test collected here ran there:
passed, or skipped for one of the reasons Pyodide gives (no processes; no ``asyncio.run`` without
WebAssembly stack switching), and none failed.  It is skipped where ``node`` is missing or
``npm ci --prefix tests/pyodide`` has not been run.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tests.interpreter import SKIP_EXTERNAL_RUNTIMES, once_per_tox_run

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tests" / "pyodide" / "run.mjs"
NODE = shutil.which("node")
PYODIDE_INSTALLED = (ROOT / "tests" / "pyodide" / "node_modules" / "pyodide" / "package.json").is_file()

# the files run.mjs runs by default: the sans-I/O parser and the chat layer
FILES = sorted(
    f"tests/{p.name}"
    for pattern in ("test_parser_*.py", "test_chat_*.py", "test_encoder.py")
    for p in (ROOT / "tests").glob(pattern)
)
PASSED_FLOOR = 400  # well under the ~590 that pass today: a run that lost whole files must fail
SKIP_REASONS = (
    "Pyodide cannot start processes (subprocess)",
    "asyncio.run needs WebAssembly stack switching (JSPI), which this runtime lacks",
)
TIMEOUT = 1200.0  # about a minute on an idle machine; CI machines can be much busier

pytestmark = [
    # Pyodide's Python (3.14) is the same whichever Python runs this: once per tox run is enough,
    # and it takes minutes.
    once_per_tox_run,
    pytest.mark.skipif(NODE is None, reason="node is not on PATH: the Pyodide run needs Node"),
    pytest.mark.skipif(
        not PYODIDE_INSTALLED,
        reason="Pyodide is not installed: run `npm ci --prefix tests/pyodide` (needs the npm registry)",
    ),
]


def _start(command: List[str]) -> subprocess.Popen:
    kwargs: Dict[str, object] = {"start_new_session": True} if os.name == "posix" else {}
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", **kwargs
    )


def _kill(proc: subprocess.Popen) -> None:
    """The whole process group: run.mjs may restart node."""
    if proc.poll() is None:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()


def _wait(proc: subprocess.Popen, timeout: float = TIMEOUT) -> Tuple[int, str]:
    """Its exit code and output, or a failure (after killing it) at the timeout."""
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        out, _ = proc.communicate()
        pytest.fail(f"{' '.join(proc.args)} did not end in {timeout:.0f} s:\n{out[-6000:]}")
    return proc.returncode, out


def _run(command: List[str]) -> Tuple[int, str]:
    return _wait(_start(command))


# The Pyodide run takes a minute or two, mostly on one core: tests/conftest.py starts it when this
# test is selected, as soon as collection ends, so that it runs beside the rest of the suite, and the
# test below only waits for it.
ENABLED = not SKIP_EXTERNAL_RUNTIMES and NODE is not None and PYODIDE_INSTALLED
_background: List[subprocess.Popen] = []


def _command() -> List[str]:
    return [NODE or "node", str(RUNNER), "--python", sys.executable, "--", "-q", "-rs", *FILES]


def start_in_background() -> None:
    if ENABLED and not _background:
        _background.append(_start(_command()))


def stop_background() -> None:
    """At the end of the session: a run the test did not wait for (it failed early) is killed."""
    for proc in _background:
        if proc.poll() is None:
            _kill(proc)
            proc.communicate()


def _counts(summary: str) -> Dict[str, int]:
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|errors?|xfailed|xpassed)", summary)}
    counts["error"] = counts.pop("errors", 0) + counts.pop("error", 0)
    return counts


def _collected_here() -> int:
    code, out = _run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *FILES])
    assert code == 0, out[-6000:]
    found = re.search(r"^(\d+) tests? collected", out, re.MULTILINE)
    assert found, out[-2000:]
    return int(found.group(1))


def test_parser_and_chat_tests_pass_under_pyodide():
    assert FILES, "no test files to run"
    code, out = _wait(_background[0]) if _background else _run(_command())
    tail = out[-8000:]
    summaries = re.findall(r"^=*\s*(\d+ (?:passed|failed|skipped|errors?)\b.*? in [\d.]+s.*?)\s*=*$", out, re.MULTILINE)
    assert summaries, f"no pytest summary in the output of run.mjs (exit {code}):\n{tail}"
    summary = summaries[-1]
    print(f"Pyodide: {summary}")
    counts = _counts(summary)
    assert code == 0, f"run.mjs exited {code} ({summary}):\n{tail}"
    assert counts.get("failed", 0) == 0 and counts["error"] == 0, tail
    assert counts.get("passed", 0) >= PASSED_FLOOR, f"only {counts.get('passed', 0)} passed:\n{tail}"

    skips = re.findall(r"^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$", out, re.MULTILINE)
    unexpected = [reason for _, reason in skips if reason.strip() not in SKIP_REASONS]
    assert not unexpected, f"skipped under Pyodide for other reasons: {unexpected}"
    skipped = sum(int(n) for n, _ in skips)
    assert skipped == counts.get("skipped", 0), tail

    collected = _collected_here()
    ran = counts.get("passed", 0) + skipped + counts.get("xfailed", 0)
    assert ran == collected, f"{collected} tests collected by {sys.executable}, {ran} ran under Pyodide:\n{tail}"
