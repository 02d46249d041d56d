"""The Go adapters of the conformance kit (conformance/go/): the registry's entries are well formed,
build offline from Debian's packages, and speak the ``--cmd`` protocol to the end of the ``spec``
category through ``python -m conformance run``.

Also here: the worked adapter in docs/conformance-kit.md ("A worked adapter in Go") builds with
Go's standard library alone and passes every ``spec`` and ``framing`` fixture.

The parsers' failures against the fixtures are findings (conformance/RESULTS.md), not failures
here; what must hold is that every fixture gets a result and none of them is a protocol error.
A few plain fixtures both parsers get right pin the adapters' wiring (event keys, the answer to
``feed`` and ``close``); for the incremental adapter that includes the kit's timing check.

Go and the packages come from apt (.ci/run); without them the runtime tests skip with the reason.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conformance.adapters import CommandAdapter
from conformance.fixture import iter_fixtures
from conformance.runner import RunConfig, run_adapter
from tests.interpreter import once_per_tox_run

REPO = Path(__file__).resolve().parent.parent
GO_DIR = REPO / "conformance" / "go"
REGISTRY = GO_DIR / "adapters.json"
KIT_DOC = REPO / "docs" / "conformance-kit.md"
GOCODE = Path("/usr/share/gocode/src")
GO = shutil.which("go")
TIMEOUT = 300  # a guard against hangs, not an assertion

#: The contract between the registries and the matrix generator (conformance/*/adapters.json).
REGISTRY_KEYS = {"name", "language", "package", "version", "cmd", "build", "tracker", "notes"}

#: What the runner says when the adapter, not the parser, went wrong (conformance/runner.py).
PROTOCOL_ERROR = re.compile(r"^(start|feed|close|state)\(\)( #\d+)? (failed|raised)")

#: Fixtures whose bytes both Go parsers handle as the spec says, at every chunking.
PLAIN = ["spec/data-single-line", "spec/data-multiline-joined", "spec/comment-line-ignored", "spec/event-type-set"]


def _entries() -> List[Dict[str, Any]]:
    entries = json.loads(REGISTRY.read_text(encoding="utf-8"))
    assert isinstance(entries, list)
    return entries


ENTRIES = _entries()
IDS = [entry["name"] for entry in ENTRIES]
#: Debian package -> Go import path, as the registry's ``package`` field spells them.
PACKAGE = re.compile(r"^(?P<debian>golang-[a-z0-9.-]+-dev) \((?P<import_path>[a-z0-9./-]+)\)$")


def test_registry_entries_have_the_contract_s_fields() -> None:
    assert IDS == ["go-donovanhide-eventsource", "go-gin-contrib-sse"]
    for entry in ENTRIES:
        assert set(entry) == REGISTRY_KEYS, entry["name"]
        assert entry["language"] == "go"
        assert PACKAGE.match(entry["package"]), entry["package"]
        assert entry["build"] == ["bash", "conformance/go/build.sh"]
        assert entry["cmd"] == [f"conformance/go/bin/{entry['name']}"]
        assert entry["tracker"].startswith("https://github.com/") and entry["tracker"].endswith("/issues")
        assert entry["version"] and entry["notes"]


def test_build_script_builds_every_registered_adapter_from_its_own_file() -> None:
    script = (GO_DIR / "build.sh").read_text(encoding="utf-8")
    assert "GO111MODULE=off" in script and "GOPROXY=off" in script  # offline, Debian's GOPATH only
    for entry in ENTRIES:
        match = PACKAGE.match(entry["package"])
        assert match is not None
        line = next(line for line in script.splitlines() if line.startswith(f"build {entry['name']} "))
        _, _, parser_file, debian, import_path = line.split()
        assert (GO_DIR / parser_file).is_file()
        assert (debian, import_path) == (match["debian"], match["import_path"])
        assert f'"{import_path}"' in (GO_DIR / parser_file).read_text(encoding="utf-8")


def _missing_packages() -> List[str]:
    return [
        match["debian"]
        for match in (PACKAGE.match(entry["package"]) for entry in ENTRIES)
        if match is not None and not (GOCODE / match["import_path"]).is_dir()
    ]


def _run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance", *argv],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def built() -> None:
    """Builds the adapters (quick once Go's build cache is warm: .ci/run built them already)."""
    if GO is None:
        pytest.skip("go is not installed (apt-get install golang-go; .ci/run does)")
    missing = _missing_packages()
    if missing:
        pytest.skip(f"the Debian packages {', '.join(missing)} are not installed (.ci/run installs them)")
    proc = subprocess.run(
        ENTRIES[0]["build"], cwd=str(REPO), capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    assert proc.returncode == 0, f"conformance/go/build.sh failed:\n{proc.stderr}"


def _command(entry: Dict[str, Any]) -> str:
    binary = REPO / entry["cmd"][0]
    if not binary.is_file():
        pytest.skip(f"{entry['cmd'][0]} is not built")
    return f'"{binary}"'


@once_per_tox_run
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_adapter_names_its_debian_package_and_passes_plain_fixtures(built: None, entry: Dict[str, Any]) -> None:
    adapter = CommandAdapter(_command(entry))
    try:
        match = PACKAGE.match(entry["package"])
        assert match is not None
        # the binary names the installed Debian version: a different one means the pin is stale
        assert adapter.name == f"{match['import_path']}@{entry['version']}", "update adapters.json's version"
        assert adapter.event_keys == ("type", "data", "id", "retry")
        assert adapter.state_keys == ()
        fixtures = [fx for fx in iter_fixtures(categories=["spec"]) if fx.name in PLAIN]
        assert sorted(fx.name for fx in fixtures) == sorted(PLAIN)
        report = run_adapter(adapter, fixtures, RunConfig(quick=True))
        assert [r.status for r in report.results] == ["passed"] * len(PLAIN), [r.to_dict() for r in report.results]
    finally:
        adapter.shutdown()


@once_per_tox_run
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_adapter_runs_every_spec_fixture_through_the_cli(built: None, entry: Dict[str, Any], tmp_path: Path) -> None:
    command = _command(entry)
    output = tmp_path / "report.json"
    argv = ["run", "--cmd", command, "--category", "spec", "--quick", "--report", "json", "--output", str(output)]
    proc = _run_cli(*argv)
    assert proc.returncode in (0, 1), proc.stderr  # 1: some fixtures failed, a finding
    (report,) = json.loads(output.read_text(encoding="utf-8"))["adapters"]
    spec = sorted(fx.name for fx in iter_fixtures(categories=["spec"]))
    assert sorted(result["fixture"] for result in report["results"]) == spec
    assert all(result["status"] in ("passed", "failed") for result in report["results"])
    protocol_errors = [
        (result["fixture"], failure["message"])
        for result in report["results"]
        for failure in result["failures"]
        if PROTOCOL_ERROR.match(failure["message"])
    ]
    assert protocol_errors == []


def _worked_go_adapter() -> str:
    """The ```go block of docs/conformance-kit.md's section "A worked adapter in Go"."""
    section = KIT_DOC.read_text(encoding="utf-8").split("\n## A worked adapter in Go\n", 1)[1]
    return section.split("\n```go\n", 1)[1].split("\n```\n", 1)[0] + "\n"


@once_per_tox_run
@pytest.mark.skipif(GO is None, reason="go is not installed (apt-get install golang-go; .ci/run does)")
def test_the_worked_go_adapter_in_the_docs_passes_spec_and_framing(tmp_path: Path) -> None:
    (tmp_path / "adapter.go").write_text(_worked_go_adapter(), encoding="utf-8")
    # build.sh's settings, so that Go's build cache, warm from .ci/run's build, is reused
    env = {**os.environ, "GO111MODULE": "off", "GOPROXY": "off", "GOFLAGS": "", "CGO_ENABLED": "0"}
    if not (env.get("GOCACHE") or env.get("XDG_CACHE_HOME") or env.get("HOME")):
        env["GOCACHE"] = str(tmp_path / "go-build-cache")
    build = [str(GO), "build", "-trimpath", "-o", "tiny-go", "adapter.go"]
    proc = subprocess.run(build, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    run = _run_cli(
        "run", "--cmd", f'"{tmp_path / "tiny-go"}"', "--category", "spec", "--category", "framing", "--quick"
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr
    assert run.stdout.rstrip().endswith(" passed, 0 failed")
