"""The npm adapters of the conformance kit (conformance/node/adapters.json) through ``--cmd``.

Each entry of adapters.json runs ``python -m conformance run --cmd ... --category spec --quick``,
as a maintainer would: the run must finish with a result for every spec fixture and no protocol
or adapter error.  Fixtures the package fails are findings about the package (conformance/RESULTS.md),
not failures here, with two exceptions that check the adapters themselves: eventsource-parser's
failures are exactly its known ones, and the ``eventsource`` client, which parses with the same
eventsource-parser but is fed through a fetch() Response body, fails exactly the same fixtures
(so feeding a client through a body keeps the chunk boundaries and the timing).

The worked adapter of docs/conformance-kit.md ("A worked adapter in Node") runs too.

The runs need Node and ``npm ci --prefix conformance/node`` (.ci/run does it); they are skipped,
with the reason, when either is missing, and run once per tox run (tests/interpreter.py).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

import pytest

from conformance.adapters import AdapterUnavailable, CommandAdapter
from conformance.fixture import iter_fixtures, load_fixture
from conformance.runner import RunConfig, run_adapter
from tests.interpreter import once_per_tox_run

REPO = Path(__file__).resolve().parent.parent
NODE_DIR = REPO / "conformance" / "node"
ENTRIES: List[Dict[str, Any]] = json.loads((NODE_DIR / "adapters.json").read_text(encoding="utf-8"))
BY_NAME = {entry["name"]: entry for entry in ENTRIES}
NODE = shutil.which("node")
SPEC_FIXTURES = sorted(fx.name for fx in iter_fixtures(categories=["spec"]))
KIT_DOC = REPO / "docs" / "conformance-kit.md"

# eventsource-parser 3.0.6 on spec/ (quick chunkings), each failure a behaviour of the package:
KNOWN_EVENTSOURCE_PARSER_SPEC_FAILURES = {
    # onEvent's `id` is the id field of the event's own block, not the sticky last event ID,
    # and a block without data (but with an id) dispatches nothing that carries it.
    "spec/comment-heartbeat-after-id",
    "spec/id-changes",
    "spec/id-dataless-block-then-event",
    "spec/id-nul-at-end-ignored",
    "spec/id-nul-only-ignored",
    "spec/id-sticky",
    "spec/id-with-nul-ignored",
    "spec/id-without-data-still-set",
    "spec/wpt-format-field-id-2",
    # A CR that ends the stream is held back waiting for a possible LF and never completes its
    # blank line, so the last event is lost.
    "spec/line-end-cr",
    "spec/wpt-format-newlines",
    # A CR at the end of a chunk is held until the next byte: the event comes one feed late.
    "spec/line-end-crlf",
    "spec/line-end-mixed",
}

# What the runner writes for a parser that failed to answer (conformance/runner.py), as opposed
# to a parser that answered wrongly.
ADAPTER_ERROR_MARKERS = ("feed() #", "close() failed", "close() raised", "state() raised")


def missing(entry: Dict[str, Any]) -> Optional[str]:
    """Why this adapter cannot run here, or None."""
    if NODE is None:
        return "node is not on PATH"
    if not (NODE_DIR / "node_modules" / entry["package"] / "package.json").is_file():
        return f"conformance/node/node_modules/{entry['package']} is missing (npm ci --prefix conformance/node)"
    return None


def run_spec(entries: List[Dict[str, Any]]) -> Dict[str, Dict[str, Any]]:
    """``python -m conformance run --cmd ... --category spec --quick`` for each entry, all at once."""
    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        for entry in entries:
            output = Path(tmp) / f"{entry['name']}.json"
            command = [
                sys.executable,
                "-m",
                "conformance",
                "run",
                "--cmd",
                shlex.join(entry["cmd"]),
                "--category",
                "spec",
                "--quick",
                "--report",
                "json",
                "--output",
                str(output),
            ]
            process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            runs[entry["name"]] = (process, output)
        out = {}
        for name, (process, output) in runs.items():
            stdout, stderr = process.communicate(timeout=300)
            report = json.loads(output.read_text(encoding="utf-8")) if output.is_file() else None
            out[name] = {"status": process.returncode, "stdout": stdout, "stderr": stderr, "report": report}
    return out


@pytest.fixture(scope="module")
def spec_runs() -> Dict[str, Dict[str, Any]]:
    return run_spec([entry for entry in ENTRIES if missing(entry) is None])


def failed_fixtures(run: Dict[str, Any]) -> Set[str]:
    (adapter,) = run["report"]["adapters"]
    return {result["fixture"] for result in adapter["results"] if result["status"] == "failed"}


def test_adapters_json_lists_every_parser_module_pinned() -> None:
    package = json.loads((NODE_DIR / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((NODE_DIR / "package-lock.json").read_text(encoding="utf-8"))
    modules = sorted(p.stem for p in (NODE_DIR / "parsers").glob("*.mjs") if not p.stem.startswith("_"))
    assert sorted(BY_NAME) == modules
    assert len(BY_NAME) == len(ENTRIES)
    for entry in ENTRIES:
        assert set(entry) == {"name", "language", "package", "version", "cmd", "build", "tracker", "notes"}
        assert entry["language"] == "node"
        assert entry["cmd"] == ["node", "conformance/node/adapter.mjs", "--parser", entry["name"]]
        assert entry["build"] is None
        assert entry["tracker"].startswith("https://github.com/") and entry["tracker"].endswith("/issues")
        assert entry["notes"]
        # pinned exactly, in package.json and in the lock npm ci installs from
        assert package["dependencies"][entry["package"]] == entry["version"]
        assert lock["packages"][f"node_modules/{entry['package']}"]["version"] == entry["version"]


@once_per_tox_run
@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_node_adapter_runs_every_spec_fixture(name: str, spec_runs: Dict[str, Dict[str, Any]]) -> None:
    entry = BY_NAME[name]
    reason = missing(entry)
    if reason is not None:
        pytest.skip(reason)
    run = spec_runs[name]
    assert run["status"] in (0, 1), run["stderr"][-2000:]  # 2: nothing could run
    assert run["report"] is not None, run["stderr"][-2000:]
    (adapter,) = run["report"]["adapters"]
    # the installed package is the pinned one
    assert adapter["name"] == f"{entry['package']}@{entry['version']}"
    results = adapter["results"]
    assert sorted(result["fixture"] for result in results) == SPEC_FIXTURES
    assert {result["status"] for result in results} <= {"passed", "failed"}
    errors = [
        (result["fixture"], failure["message"])
        for result in results
        for failure in result["failures"]
        if failure["message"].startswith(ADAPTER_ERROR_MARKERS)
    ]
    assert errors == []
    assert "Traceback" not in run["stderr"]


@once_per_tox_run
def test_eventsource_parser_fails_only_its_known_spec_fixtures(spec_runs: Dict[str, Dict[str, Any]]) -> None:
    reason = missing(BY_NAME["eventsource-parser"])
    if reason is not None:
        pytest.skip(reason)
    assert failed_fixtures(spec_runs["eventsource-parser"]) == KNOWN_EVENTSOURCE_PARSER_SPEC_FAILURES


@once_per_tox_run
def test_a_client_fed_through_a_response_body_matches_its_parser(spec_runs: Dict[str, Dict[str, Any]]) -> None:
    # The eventsource client parses with eventsource-parser (the same installed copy): fed
    # through a fetch() Response body, chunk by chunk, it must fail exactly the same fixtures,
    # timing included.
    for name in ("eventsource-parser", "eventsource"):
        reason = missing(BY_NAME[name])
        if reason is not None:
            pytest.skip(reason)
    installed = json.loads((NODE_DIR / "node_modules" / "eventsource" / "package.json").read_text(encoding="utf-8"))
    assert "eventsource-parser" in installed["dependencies"]
    assert not (NODE_DIR / "node_modules" / "eventsource" / "node_modules" / "eventsource-parser").exists()
    assert failed_fixtures(spec_runs["eventsource"]) == failed_fixtures(spec_runs["eventsource-parser"])


@once_per_tox_run
@pytest.mark.skipif(NODE is None, reason="node is not on PATH")
def test_an_unknown_parser_name_is_reported_in_hello() -> None:
    with pytest.raises(AdapterUnavailable, match="cannot load parser no-such-parser"):
        CommandAdapter(f'"{NODE}" "{NODE_DIR / "adapter.mjs"}" --parser no-such-parser')


def worked_adapter_source() -> str:
    """The ```js block of docs/conformance-kit.md's "A worked adapter in Node"."""
    section = KIT_DOC.read_text(encoding="utf-8").split("\n## A worked adapter in Node\n", 1)[1]
    return section.split("```js\n", 1)[1].split("```", 1)[0]


def test_the_docs_list_every_node_adapter() -> None:
    section = KIT_DOC.read_text(encoding="utf-8").split("\n## A worked adapter in Node\n", 1)[1]
    for entry in ENTRIES:
        assert f"| `{entry['name']}`" in section
        assert f"`{entry['package']}`" in section


@once_per_tox_run
def test_the_worked_node_adapter_in_the_docs_runs(tmp_path: Path) -> None:
    reason = missing(BY_NAME["eventsource-parser"])  # the parser it stands in with
    if reason is not None:
        pytest.skip(reason)
    script = tmp_path / "my-adapter.mjs"
    script.write_text(worked_adapter_source(), encoding="utf-8")
    (tmp_path / "node_modules").symlink_to(NODE_DIR / "node_modules", target_is_directory=True)
    adapter = CommandAdapter(f'"{NODE}" "{script}"')
    try:
        assert adapter.name == "my-parser"
        names = ["spec/data-single-line", "spec/event-type-set", "spec/comment-line-ignored", "utf8/valid-all-widths"]
        fixtures = [load_fixture(REPO / "fixtures" / f"{name}.json") for name in names]
        report = run_adapter(adapter, fixtures, RunConfig(only=("whole", "bytewise")))
        assert [r.status for r in report.results] == ["passed"] * len(names), [r.to_dict() for r in report.results]
    finally:
        adapter.shutdown()
