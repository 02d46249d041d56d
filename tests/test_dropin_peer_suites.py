"""The drop-in modules against their peers' own test suites, not only ours (issue 16).

httpx-sse's source distribution ships its tests (``tests/test_api.py``, ``test_asgi.py``,
``test_decoders.py``, ``test_event_source.py``, ``test_exceptions.py``, ``test_models.py``).
At test time the pinned sdist is downloaded from the package index with pip (never copied into
this repository), its test requirements are installed into a temporary folder, and its suite
runs in a subprocess in which ``import httpx_sse`` finds a shim package re-exporting
:mod:`sse_pplx.httpx`.  The outcome must be exactly :data:`EXPECTED_FAILURES`, the tests whose
expectation contradicts the spec, each with the clause: a fix or a regression both show.

The suite also imports two private helpers of httpx-sse: its text line splitter
(``httpx_sse._decoders.SSELineDecoder``, ``_splitlines_sse``: 36 tests) and the line
iterators of ``httpx_sse._api`` (3 tests).  sse_pplx.httpx has no such helpers: it splits
lines on bytes, in :class:`sse_pplx._lines.LineSplitter`, inside the parser.  The shim
provides them as thin wrappers over that very line layer (text encoded to UTF-8, lines decoded
back), so those 39 tests check the line splitting the drop-in runs on, against httpx-sse's
expectations (CR / LF / CRLF split across chunks, U+2028 kept, the unterminated last line).

sseclient-py's sdists (1.7.2, 1.8.0; 1.9.0 is a wheel only) ship no tests: its drop-in is
carried by tests/test_dropins.py alone.

It runs once per tox run (py313, where the peers are installed) and skips, with the reason,
when httpx is missing or the package index cannot be reached.  It costs about 10 s the first
time (the download), 5 s after.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import pytest

import sse_pplx
from tests.interpreter import once_per_tox_run

HTTPX_SSE_VERSION = "0.4.3"
#: How many tests its suite has (58 pass against sse_pplx.httpx, and EXPECTED_FAILURES fail).
HTTPX_SSE_TEST_COUNT = 59
#: What httpx-sse's tests import besides httpx and pytest: pytest-asyncio for its async tests,
#: sse-starlette and starlette for test_asgi.py (pinned, installed with --no-deps; anyio, which
#: they need, comes with httpx).
TEST_REQUIREMENTS = ("pytest-asyncio==1.5.0", "sse-starlette==3.7.0", "starlette==1.10.0")

#: The tests of httpx-sse 0.4.3 expected to fail against sse_pplx.httpx, each with the spec text
#: its expectation contradicts (WHATWG HTML §9.2.6 "Interpreting an event stream").
EXPECTED_FAILURES = {
    "tests/test_event_source.py::test_iter_sse_id_retry": (
        "expects a block that is only 'retry: 10000' to dispatch an empty event carrying the retry; "
        "'dispatch the event' step 2: 'If the data buffer is an empty string, set the data buffer and "
        "the event type buffer to the empty string and return.' (sse_pplx.httpx applies the retry to "
        "EventSource.retry and dispatches nothing; florimondmanca/httpx-sse#35 is the same rule)"
    ),
}

#: Where a run keeps the download and the installed requirements (reused by later runs).
CACHE = Path(tempfile.gettempdir()) / f"sse_pplx-peer-suites-{os.getuid() if hasattr(os, 'getuid') else 0}"

SHIM = {
    "__init__.py": '''"""httpx_sse, as sse_pplx.httpx: the shim that runs httpx-sse's tests against the drop-in."""
from sse_pplx.httpx import *  # noqa: F403
from sse_pplx.httpx import __all__  # noqa: F401
__version__ = "0.4.3"
''',
    "_api.py": """from sse_pplx.httpx import EventSource, SSEError, ServerSentEvent  # noqa: F401
from sse_pplx.httpx import aconnect_sse, connect_sse  # noqa: F401
from ._decoders import _aiter_sse_lines, _iter_sse_lines  # noqa: F401
""",
    "_exceptions.py": "from sse_pplx.httpx import SSEError  # noqa: F401\n",
    "_models.py": "from sse_pplx.httpx import ServerSentEvent  # noqa: F401\n",
    "_decoders.py": '''"""httpx-sse's private line helpers, as thin wrappers over sse_pplx's byte line layer (the
one SSEParser inherits): text in, encoded to UTF-8; complete lines out, decoded."""
from sse_pplx._lines import LineSplitter
from sse_pplx.httpx import ServerSentEvent  # noqa: F401


class SSELineDecoder:
    def __init__(self):
        self._splitter = LineSplitter(None)

    def decode(self, text):
        batch = self._splitter._split(text.encode("utf-8"))
        return batch.decode("utf-8").split("\\n")[:-1] if batch else []

    def flush(self):
        partial = self._splitter._close_lines()
        return [partial.decode("utf-8")] if partial else []


def _splitlines_sse(text):
    decoder = SSELineDecoder()
    return decoder.decode(text) + decoder.flush()


def _iter_sse_lines(response):
    decoder = SSELineDecoder()
    for chunk in response.iter_bytes():
        yield from decoder.decode(chunk.decode("utf-8"))
    yield from decoder.flush()


async def _aiter_sse_lines(response):
    decoder = SSELineDecoder()
    async for chunk in response.aiter_bytes():
        for line in decoder.decode(chunk.decode("utf-8")):
            yield line
    for line in decoder.flush():
        yield line
''',
}

#: Records every test's outcome in OUTCOMES_FILE, and checks that the shim is what the tests import.
CONFTEST = """import json, os

import httpx_sse

assert httpx_sse.__file__.startswith(os.environ["SHIM_DIR"]), httpx_sse.__file__
_outcomes = {}


def pytest_collectreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "collection error"


def pytest_runtest_logreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "failed"
    elif report.skipped:
        _outcomes.setdefault(report.nodeid, "skipped")
    elif report.when == "call":
        _outcomes.setdefault(report.nodeid, "passed")


def pytest_sessionfinish(session):
    with open(os.environ["OUTCOMES_FILE"], "w") as out:
        json.dump(_outcomes, out)
"""


def _pip(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _skip_unless_ok(result: subprocess.CompletedProcess[str], what: str) -> None:
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["(no output)"])[-1]
        pytest.skip(f"{what} failed (is the package index reachable?): {last}")


def _httpx_sse_suite() -> Path:
    """The tests of httpx-sse's sdist, unpacked (downloaded once into CACHE)."""
    root = CACHE / f"httpx_sse-{HTTPX_SSE_VERSION}"
    complete = root / "unpacked"  # written last: a run cut short unpacks again
    if complete.exists():
        return root
    downloads = CACHE / "downloads"
    requirement = f"httpx-sse=={HTTPX_SSE_VERSION}"
    result = _pip("download", "--no-deps", "--no-binary", ":all:", "-d", str(downloads), requirement, timeout=120)
    _skip_unless_ok(result, f"pip download {requirement}")
    (sdist,) = downloads.glob(f"httpx_sse-{HTTPX_SSE_VERSION}.tar.gz")
    with tarfile.open(sdist) as archive:
        members = [m for m in archive.getmembers() if m.isfile() and m.name.startswith(f"{root.name}/tests/")]
        for member in members:  # only the tests: the shim stands for the package itself
            target = CACHE / member.name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = archive.extractfile(member)
            assert source is not None
            target.write_bytes(source.read())
    complete.write_text("the tests of the sdist, unpacked\n", encoding="utf-8")
    return root


def _test_requirements() -> Path:
    target = CACHE / ("requirements-" + "-".join(r.replace("==", "") for r in TEST_REQUIREMENTS))
    if not (target / "sse_starlette").is_dir():
        result = _pip("install", "--quiet", "--no-deps", "--target", str(target), *TEST_REQUIREMENTS, timeout=180)
        _skip_unless_ok(result, "pip install " + " ".join(TEST_REQUIREMENTS))
    return target


@once_per_tox_run
def test_httpx_sse_s_own_suite_passes_against_sse_pplx_httpx_but_for_the_spec_contradictions(tmp_path: Path) -> None:
    pytest.importorskip("httpx", reason="httpx is not installed (the 'peers' extra installs it)")
    suite = _httpx_sse_suite()
    requirements = _test_requirements()
    shim = tmp_path / "shim"
    (shim / "httpx_sse").mkdir(parents=True)
    for name, text in SHIM.items():
        (shim / "httpx_sse" / name).write_text(text, encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    (run / "tests").symlink_to(suite / "tests", target_is_directory=True)
    (run / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (run / "pytest.ini").write_text(
        "[pytest]\nasyncio_mode = strict\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8"
    )
    outcomes_file = tmp_path / "outcomes.json"
    package_root = str(Path(sse_pplx.__file__).resolve().parent.parent)
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join([str(shim), str(requirements), package_root]),
        SHIM_DIR=str(shim),
        OUTCOMES_FILE=str(outcomes_file),
        PYTHONDONTWRITEBYTECODE="1",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(run / "pytest.ini"), "tests"],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout[-6000:] + result.stderr[-3000:]
    assert outcomes_file.exists(), f"httpx-sse's suite did not run:\n{output}"
    outcomes = json.loads(outcomes_file.read_text(encoding="utf-8"))
    failed = sorted(nodeid for nodeid, outcome in outcomes.items() if outcome in ("failed", "collection error"))
    passed = [nodeid for nodeid, outcome in outcomes.items() if outcome == "passed"]
    assert failed == sorted(EXPECTED_FAILURES), (
        f"unexpected failures: {sorted(set(failed) - set(EXPECTED_FAILURES))}\n"
        f"expected failures that passed: {sorted(set(EXPECTED_FAILURES) - set(failed))}\n{output}"
    )
    # Every test of the suite ran (a harness that collected nothing would "fail" nothing).
    assert len(passed) + len(failed) == len(outcomes) == HTTPX_SSE_TEST_COUNT, (
        f"{len(passed)} passed of {len(outcomes)}:\n{output}"
    )
