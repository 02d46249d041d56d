"""Vendoring: the ``sse_pplx/`` folder copied into another package (``yourpkg/_vendor/sse_pplx``)
works there with nothing installed, under its new name, on every supported Python (docs/vendoring.md).

Each check runs in a child interpreter started with ``-S -s`` (no site-packages, where the test
environment has sse_pplx installed; no user site), with ``PYTHONPATH`` set to the temporary
folder alone and that folder as the working directory, so that the only copy it can import is
the vendored one; it first checks that ``import sse_pplx`` fails.  The server is real, on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import Exchange, LoopbackServer, chunk_obj, sse

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120  # a guard against hangs, not an assertion
VENDORED = "yourpkg._vendor.sse_pplx"

STREAM = [
    sse(chunk_obj("Vendored ", citations=["https://example.org/vendoring"])),
    sse(chunk_obj("h\u00e9llo, ", citations=["https://example.org/vendoring"])),
    sse(chunk_obj("w\u00f6rld.", citations=["https://example.org/vendoring"])),
    sse(chunk_obj(finish="stop", citations=["https://example.org/vendoring"])),
    b"data: [DONE]\n\n",
]
ANSWER = "Vendored h\u00e9llo, w\u00f6rld."

#: Run by the child interpreter: argv[1] is the server's URL, argv[2] a file holding STREAM's bytes.
CHECK = r"""
import sys

report = {}
try:
    import sse_pplx
except ImportError as exc:
    report["top_level_import"] = type(exc).__name__
else:
    report["top_level_import"] = "imported from " + sse_pplx.__file__

import yourpkg._vendor.sse_pplx as sp
from yourpkg._vendor import sse_pplx as same

report["python"] = list(sys.version_info[:2])
report["same_module"] = sp is same
report["name"] = sp.__name__
report["file"] = sp.__file__
report["version"] = sp.__version__
report["heavy_after_import"] = sorted(m for m in ("http.client", "ssl", "json") if m in sys.modules)

# The sans-I/O parser, its iterator and the encoder.
parser = sp.SSEParser()
events = parser.feed(b"event: greeting\r\ndata: hel") + parser.feed(b"lo\r\nid: 7\r\n\r\n: note\n\ndata: cut")
parser.close()
report["events"] = [[e.event, e.data, e.id] for e in events]
report["truncated"] = parser.truncated
report["iter_events"] = [e.data for e in sp.iter_events([b"data: a\n", b"\ndata: b\r", b"\n\r\n"])]
report["roundtrip"] = [e.data for e in sp.SSEParser().feed(sp.encode_event("x\ny", event="e"))]

# Every public name, the lazy ones included, resolves inside the vendored package.
report["unresolved"] = [name for name in sp.__all__ if not hasattr(sp, name)]
report["lazy_modules"] = sorted({getattr(sp, name).__module__ for name in ("Client", "collect_chat", "Timeout")})

# The chat layer, from bytes in 7-byte chunks.
with open(sys.argv[2], "rb") as f:
    raw = f.read()
result = sp.collect_chat(raw[i : i + 7] for i in range(0, len(raw), 7))
report["collect_chat"] = [result.content, list(result.citations), result.outcome]

# The real client and transport, sync then asyncio.
url = sys.argv[1]
question = [{"role": "user", "content": "hi"}]
with sp.Client(base_url=url, api_key="sk-vendored", max_retries=0) as client:
    with client.chat.completions.create(model="sonar", messages=question, stream=True) as stream:
        text = "".join(stream.iter_text())
        final = stream.get_final_completion()
    report["sync"] = [text, final.content, list(final.citations), final.outcome]
    try:
        client.chat.completions.create(model="unauthorized", messages=question, stream=True)
    except sp.APIError as exc:
        report["status_error"] = [type(exc).__module__, type(exc).__name__, isinstance(exc, sp.AuthenticationError)]

import asyncio  # only now: it imports ssl


async def main():
    async with sp.AsyncClient(base_url=url, api_key="sk-vendored", max_retries=0) as client:
        stream = await client.chat.completions.create(model="sonar", messages=question, stream=True)
        async with stream:
            pieces = [piece async for piece in stream.iter_text()]
            final = await stream.get_final_completion()
    return ["".join(pieces), final.content, list(final.citations), final.outcome]


report["async"] = asyncio.run(main())

report["top_level_modules"] = sorted(m for m in sys.modules if m == "sse_pplx" or m.startswith("sse_pplx."))
report["vendored_modules"] = sorted(m for m in sys.modules if m.startswith("yourpkg._vendor.sse_pplx."))

import json

print(json.dumps(report))
"""


def _find_python38() -> str | None:
    """A Python 3.8: the tox py38 environment's, pyenv's, or python3.8 on the PATH."""
    candidates = [
        str(ROOT / ".tox" / "py38" / "bin" / "python"),
        str(ROOT / ".tox" / "py38" / "Scripts" / "python.exe"),
    ]
    pyenv = shutil.which("pyenv")
    if pyenv:
        found = subprocess.run([pyenv, "which", "python3.8"], capture_output=True, text=True, timeout=60)
        if found.returncode == 0:
            candidates.append(found.stdout.strip())
    candidates.append(shutil.which("python3.8") or "")
    for candidate in candidates:
        if not candidate or not os.path.isfile(candidate):
            continue
        try:
            probe = subprocess.run(
                [candidate, "-S", "-c", "import sys; print(sys.version_info[:2] == (3, 8))"],
                capture_output=True,
                text=True,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.stdout.strip() == "True":
            return candidate
    return None


@pytest.fixture(params=["running", "3.8"], scope="module")
def python(request: pytest.FixtureRequest) -> str:
    if request.param == "running":
        return sys.executable
    if sys.version_info[:2] == (3, 8):
        pytest.skip("the running interpreter is 3.8: the 'running' case covers it")
    found = _find_python38()
    if found is None:
        pytest.skip("no Python 3.8 found (tox py38 environment, pyenv, python3.8 on the PATH)")
    return found


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``yourpkg/_vendor/sse_pplx``: the folder copied as the guide says, and nothing else."""
    base = tmp_path_factory.mktemp("vendoring")
    vendor = base / "yourpkg" / "_vendor"
    shutil.copytree(ROOT / "sse_pplx", vendor / "sse_pplx", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (base / "yourpkg" / "__init__.py").write_text('"""A package that vendors sse_pplx."""\n', encoding="utf-8")
    (vendor / "__init__.py").write_text("", encoding="utf-8")
    (base / "stream.sse").write_bytes(b"".join(STREAM))
    return base


def _child(python: str, project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PYTHON") and not name.lower().endswith("_proxy")
    }
    env["PYTHONPATH"] = str(project)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    proc = subprocess.run(
        [python, "-S", "-s", "-B", *args], cwd=str(project), env=env, capture_output=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, (
        f"--- stdout\n{proc.stdout.decode(errors='replace')}\n--- stderr\n" + proc.stderr.decode(errors="replace")
    )
    return proc


def _answer(exchange: Exchange) -> None:
    if json.loads(exchange.body).get("model") == "unauthorized":
        body = json.dumps({"error": {"message": "Invalid API key", "type": "invalid_api_key"}}).encode()
        exchange.respond(401, body)
    else:
        exchange.stream(STREAM)


def test_the_copy_is_the_package_folder(project: Path) -> None:
    copied = sorted(p.name for p in (project / "yourpkg" / "_vendor" / "sse_pplx").iterdir())
    assert "py.typed" in copied
    assert "__init__.py" in copied
    assert "__pycache__" not in copied
    assert copied == sorted(p.name for p in (ROOT / "sse_pplx").iterdir() if p.name != "__pycache__")


def test_vendored_copy_works_under_its_new_name(python: str, project: Path) -> None:
    with LoopbackServer(_answer) as server:
        proc = _child(python, project, "-c", CHECK, server.url, str(project / "stream.sse"))
    report = json.loads(proc.stdout)
    if python != sys.executable:
        assert report["python"] == [3, 8]
    assert report["top_level_import"] == "ModuleNotFoundError"
    assert report["same_module"] is True
    assert report["name"] == VENDORED
    assert os.path.realpath(report["file"]) == os.path.realpath(
        project / "yourpkg" / "_vendor" / "sse_pplx" / "__init__.py"
    )
    assert report["heavy_after_import"] == []
    assert report["events"] == [["greeting", "hello", "7"]]
    assert report["truncated"] is True
    assert report["iter_events"] == ["a", "b"]
    assert report["roundtrip"] == ["x\ny"]
    assert report["unresolved"] == []
    assert report["lazy_modules"] == [f"{VENDORED}._exchange", f"{VENDORED}.chat", f"{VENDORED}.client"]
    result = [ANSWER, ["https://example.org/vendoring"], "done"]
    assert report["collect_chat"] == result
    assert report["sync"] == [ANSWER, *result]
    assert report["async"] == [ANSWER, *result]
    assert report["status_error"] == [f"{VENDORED}.errors", "AuthenticationError", True]
    assert report["top_level_modules"] == []
    assert {f"{VENDORED}.chat", f"{VENDORED}.client", f"{VENDORED}.transport"} <= set(report["vendored_modules"])
    # What the server saw: three requests to the chat endpoint, with the key.
    assert [(ex.method, ex.path) for ex in server.exchanges] == [("POST", "/chat/completions")] * 3
    assert {ex.headers["authorization"] for ex in server.exchanges} == {"Bearer sk-vendored"}


def test_vendored_command_line_runs_as_a_submodule(python: str, project: Path) -> None:
    """``python -m yourpkg._vendor.sse_pplx --demo`` replays the bundled stream over 127.0.0.1."""
    vendored = _child(python, project, "-m", VENDORED, "--demo")
    checkout = subprocess.run(
        [sys.executable, "-m", "sse_pplx", "--demo"], cwd=str(ROOT), capture_output=True, timeout=TIMEOUT
    )
    assert checkout.returncode == 0, checkout.stderr
    answer = checkout.stdout.decode("utf-8").splitlines()[0]
    assert len(answer) > 20
    assert vendored.stdout.decode("utf-8") == checkout.stdout.decode("utf-8")
    assert "http://127.0.0.1:" in vendored.stderr.decode("utf-8")
