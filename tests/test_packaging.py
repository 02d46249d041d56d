"""The release artifacts, as a user gets them: the sdist and the wheel built from it, installed
into a fresh virtual environment with ``pip install --no-index`` (so pip's own resolution proves
that nothing else is needed) and used from a folder outside the checkout.

The build runs on a copy of the source tree in a temporary folder, so nothing lands in the
checkout.  ``build`` and the backend (``flit_core``) come with the ``test`` extra, and the build
then runs with ``--no-isolation``, offline; without ``flit_core`` it runs isolated, which needs an
index to fetch it from.  Deselect with ``-m "not packaging"``.
"""

from __future__ import annotations

import email.parser
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 300  # a guard against hangs, not an assertion

#: What pyproject.toml's [tool.flit.sdist] include list puts in the sdist, besides the package.
SDIST_DIRS = ("sse_pplx", "tests", "benchmarks", "docs", "conformance", "fixtures")
SDIST_FILES = ("pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE", "tox.ini")

#: Never copied from the checkout: tool state, build output, installed Node packages, bytecode,
#: the Pyodide run's downloaded wheel (tests/pyodide/wheels, git-ignored), the built Go adapters
#: (conformance/go/bin, git-ignored).
_NOT_SOURCE = ("__pycache__", "*.pyc", "node_modules", "dist", "build", "*.egg-info", "wheels", "bin")

#: Planted in the copy; the sdist must leave them out (flit_core's defaults and our exclude list).
JUNK = (
    "sse_pplx/__pycache__/parser.cpython-99.pyc",
    "tests/__pycache__/conftest.cpython-99.pyc",
    "conformance/node/node_modules/eventsource-parser/index.js",
    "tests/somewhere/node_modules/left-pad/index.js",
    "benchmarks/results/run.json",
    "tests/pyodide/wheels/hypothesis-0-py3-none-any.whl",
    "conformance/go/bin/go-gin-contrib-sse",
)


def _env() -> dict:
    """The environment minus anything that would let the checkout, or a proxy, leak in."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PYTHON") and name.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _run(args: list, cwd: Path, **kwargs: object) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(arg) for arg in args], cwd=str(cwd), env=_env(), capture_output=True, timeout=TIMEOUT, **kwargs
    )
    assert proc.returncode == 0, f"{args}\n--- stdout\n{proc.stdout!r}\n--- stderr\n{proc.stderr!r}"
    return proc


def _venv_python(venv: Path) -> Path:
    return venv / "Scripts" / "python.exe" if os.name == "nt" else venv / "bin" / "python"


def _version() -> str:
    text = (ROOT / "sse_pplx" / "_version.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"$', text, re.M)
    assert match, "no __version__ literal in sse_pplx/_version.py"
    return match.group(1)


def _build(source: Path, outdir: Path, kind: str) -> Path:
    """``python -m build --sdist|--wheel``: offline with the backend at hand, else isolated."""
    args = [sys.executable, "-m", "build", f"--{kind}", "--outdir", outdir]
    if importlib.util.find_spec("flit_core") is not None:
        args.append("--no-isolation")
    _run([*args, source], cwd=source)
    pattern = "*.tar.gz" if kind == "sdist" else "*.whl"
    (artifact,) = outdir.glob(pattern)
    return artifact


class Built:
    def __init__(self, source: Path, expected_sdist: set, sdist: Path, wheel: Path, unpacked: Path) -> None:
        self.source = source
        self.expected_sdist = expected_sdist
        self.sdist = sdist
        self.wheel = wheel
        #: the unpacked sdist's top folder (sse_pplx-VERSION/)
        self.unpacked = unpacked


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    pytest.importorskip("build", reason="python -m build is not installed (it comes with the 'test' extra)")
    base = tmp_path_factory.mktemp("packaging")
    source = base / "src"
    source.mkdir()
    for entry in sorted(ROOT.iterdir()):
        if entry.name.startswith(".") or entry.name in ("dist", "build") or entry.name.endswith(".egg-info"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, source / entry.name, ignore=shutil.ignore_patterns(*_NOT_SOURCE))
        else:
            shutil.copy2(entry, source / entry.name)
    expected = {name for name in SDIST_FILES if (source / name).is_file()}
    for folder in SDIST_DIRS:
        expected.update(path.relative_to(source).as_posix() for path in (source / folder).rglob("*") if path.is_file())
    for junk in JUNK:
        (source / junk).parent.mkdir(parents=True, exist_ok=True)
        (source / junk).write_bytes(b"junk")

    dist = base / "dist"
    sdist = _build(source, dist, "sdist")
    # The wheel is built from the unpacked sdist, as pip does when it installs an sdist.
    unpacked = base / "unpacked"
    with tarfile.open(sdist) as tar:
        # our own archive; the "data" filter where this Python has it (3.12+, and 3.8.17+ backports)
        tar.extractall(unpacked, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    (sdist_root,) = unpacked.iterdir()
    wheel = _build(sdist_root, dist, "wheel")
    return Built(source, expected, sdist, wheel, sdist_root)


def test_wheel_metadata_has_no_runtime_dependencies(built: Built) -> None:
    version = _version()
    assert built.wheel.name == f"sse_pplx-{version}-py3-none-any.whl"
    with zipfile.ZipFile(built.wheel) as whl:
        metadata = email.parser.Parser().parsestr(whl.read(f"sse_pplx-{version}.dist-info/METADATA").decode())
    assert metadata["Name"] == "sse_pplx"
    assert metadata["Version"] == version
    assert metadata["Requires-Python"] == ">=3.8"
    assert metadata["License-Expression"] == "MIT"  # PEP 639: no License classifier beside it
    assert "LICENSE" in (metadata.get_all("License-File") or [])
    assert not [c for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL") or [])
    assert sorted(urls) == ["Changelog", "Documentation", "Homepage", "Issues", "Source"]
    requirements = metadata.get_all("Requires-Dist") or []
    assert requirements, "the extras (test, lint, ...) should be declared"
    outside_extras = [req for req in requirements if not re.search(r";.*\bextra\s*==", req)]
    assert outside_extras == []


def test_wheel_holds_the_package_and_nothing_else(built: Built) -> None:
    version = _version()
    with zipfile.ZipFile(built.wheel) as whl:
        names = set(whl.namelist())
    sources = {f"sse_pplx/{path.name}" for path in (built.source / "sse_pplx").glob("*.py")}
    assert "sse_pplx/__init__.py" in sources
    assert "sse_pplx/client.py" in sources
    assert sources | {"sse_pplx/py.typed"} <= names
    package_files = {name for name in names if name.startswith("sse_pplx/")}
    assert package_files == sources | {"sse_pplx/py.typed"}  # no bytecode, no tests, no data files
    assert {name.split("/")[0] for name in names} == {"sse_pplx", f"sse_pplx-{version}.dist-info"}


def test_sdist_holds_sources_tests_and_the_conformance_kit(built: Built) -> None:
    with tarfile.open(built.sdist) as tar:
        members = [member.name for member in tar.getmembers() if member.isfile()]
    top = {name.split("/")[0] for name in members}
    assert top == {f"sse_pplx-{_version()}"}
    names = {name.split("/", 1)[1] for name in members}
    assert "PKG-INFO" in names
    for must in ("sse_pplx/py.typed", "sse_pplx/__init__.py", "tests/conftest.py", "tests/servers.py"):
        assert must in names
    assert any(name.startswith("conformance/") and name.endswith(".py") for name in names)
    assert any(name.startswith("fixtures/") and name.endswith(".json") for name in names)
    missing = sorted(built.expected_sdist - names)
    assert missing == []
    assert sorted(names & set(JUNK)) == []
    leaked = sorted(name for name in names if re.search(r"(^|/)(__pycache__|node_modules)/|\.pyc$", name))
    assert leaked == []


def test_conformance_kit_runs_from_the_unpacked_sdist(built: Built) -> None:
    """The kit is in the sdist, not the wheel: one command runs it from the unpacked tree."""
    root = built.unpacked
    where = _run(
        [sys.executable, "-c", "import conformance, sse_pplx; print(conformance.__file__, sse_pplx.__file__)"], root
    )
    assert all(root.resolve() in Path(f).resolve().parents for f in where.stdout.decode().split())
    example = f"{sys.executable} conformance/protocol_example.py"
    proc = _run(
        [sys.executable, "-m", "conformance", "run", "--adapter", "sse_pplx", "--cmd", example,
         "--category", "framing", "--quick"],
        root,
    )  # fmt: skip
    framing = len(list((root / "fixtures" / "framing").glob("*.json")))
    assert framing > 0
    assert proc.stdout.decode().splitlines()[-1] == f"{2 * framing} passed, 0 failed"


@pytest.fixture(scope="module")
def venv(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("venv")
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv], cwd=base)
    python = _venv_python(venv)
    # No --no-deps: with --no-index, resolving the wheel's requirements succeeds only if it has none.
    _run([python, "-m", "pip", "install", "--no-index", "--disable-pip-version-check", built.wheel], cwd=base)
    return venv


@pytest.fixture(scope="module")
def neutral(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working folder with nothing importable in it."""
    return tmp_path_factory.mktemp("neutral")


SMOKE = r"""
import sys
import sse_pplx
heavy = sorted(name for name in ("http.client", "ssl", "json") if name in sys.modules)
from sse_pplx import SSEParser, collect_chat
parser = SSEParser()
events = parser.feed(b"data: hel\r\ndata: lo\r\n\r\nevent: x\ndata: y\n") + parser.feed(b"\n")
chat = [b'data: {"choices": [{"delta": {"content": "H\xc3\xa9"}}]}\n', b'\ndata: [DONE]\n\n']
result = collect_chat(chat)
import json
print(json.dumps({
    "file": sse_pplx.__file__, "prefix": sys.prefix, "version": sse_pplx.__version__, "heavy": heavy,
    "events": [[event.event, event.data] for event in events],
    "content": result.content, "outcome": result.outcome,
}))
"""


def test_installed_wheel_imports_cheaply_and_parses(venv: Path, neutral: Path) -> None:
    proc = _run([_venv_python(venv), "-c", SMOKE], cwd=neutral)
    report = json.loads(proc.stdout)
    assert os.path.commonpath([os.path.realpath(report["file"]), os.path.realpath(venv)]) == os.path.realpath(venv)
    assert os.path.realpath(report["prefix"]) == os.path.realpath(venv)
    assert report["version"] == _version()
    assert report["heavy"] == []
    assert report["events"] == [["message", "hel\nlo"], ["x", "y"]]
    assert report["content"] == "Hé"
    assert report["outcome"] == "done"


def test_installed_demo_replays_over_loopback(venv: Path, neutral: Path) -> None:
    installed = _run([_venv_python(venv), "-m", "sse_pplx", "--demo"], cwd=neutral)
    # The same command from the checkout (which reads fixtures/ itself) prints the same answer.
    checkout = _run([sys.executable, "-m", "sse_pplx", "--demo"], cwd=ROOT)
    answer = checkout.stdout.decode("utf-8").splitlines()[0]
    assert len(answer) > 20
    out = installed.stdout.decode("utf-8")
    assert out.startswith(answer + "\n")
    assert out == checkout.stdout.decode("utf-8")
    assert "http://127.0.0.1:" in installed.stderr.decode("utf-8")


def test_installed_console_scripts_run(built: Built, venv: Path, neutral: Path) -> None:
    with zipfile.ZipFile(built.wheel) as whl:
        entry_points = [name for name in whl.namelist() if name.endswith(".dist-info/entry_points.txt")]
        text = whl.read(entry_points[0]).decode() if entry_points else ""
    scripts = re.findall(r"^(\S+)\s*=\s*\S+$", text.partition("[console_scripts]")[2].partition("\n[")[0], re.M)
    if not scripts:
        pytest.skip("the wheel declares no console scripts")
    for script in scripts:
        path = venv / ("Scripts" if os.name == "nt" else "bin") / (script + (".exe" if os.name == "nt" else ""))
        assert path.is_file(), f"{script} was not installed"
        proc = _run([path, "--version"], cwd=neutral)
        assert _version() in proc.stdout.decode() + proc.stderr.decode()
