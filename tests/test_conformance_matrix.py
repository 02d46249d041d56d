"""The published matrix (conformance/matrix.py), the adapter registry (conformance/external.py),
the JSON report's schema (conformance/report.schema.json) and ``python -m conformance diff``.

The generator runs on a small fixtures folder (five copied fixtures) with the oracle and a
deliberately sloppy parser (it holds every event until the end of the stream and never reports
``retry``), so the matrix cells, the groups, the minimal reproductions and the skip lines are
known in advance.  The README's tables are checked against the committed RESULTS.md.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conformance import diff, matrix
from conformance.adapters import OracleAdapter
from conformance.external import ExternalAdapter, RegistryError, load_external_adapters
from conformance.fixture import iter_fixtures
from conformance.runner import RunConfig, run_adapter, to_json
from conformance.schema import check

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SMALL = ("spec/retry-valid", "spec/retry-zero", "spec/data-single-line", "spec/comment-line-ignored")
LIMITS = sorted(FIXTURES.glob("limits/*.json"))[0]
REPORT_SCHEMA = json.loads((ROOT / "conformance" / "report.schema.json").read_text(encoding="utf-8"))


class Sloppy(OracleAdapter):
    """The oracle, but every event comes out of close() and retry is never reported."""

    name = "sloppy"
    supports_limits = False

    def start(self, options: Dict[str, Any]) -> None:
        super().start(options)
        self._held: List[Dict[str, Any]] = []

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        self._held.extend(dict(e, retry=None) for e in super().feed(data))
        return []

    def close(self) -> List[Dict[str, Any]]:
        held, self._held = self._held + super().close(), []
        return held


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kit")
    for name in SMALL:
        (root / "fixtures" / "spec").mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / f"{name}.json", root / "fixtures" / f"{name}.json")
    (root / "fixtures" / "limits").mkdir()
    shutil.copy(LIMITS, root / "fixtures" / "limits" / LIMITS.name)
    # a registry with one node entry whose package is not installed: skipped, with its reason
    (root / "conformance" / "node").mkdir(parents=True)
    entry = {
        "name": "eventsource-parser", "language": "node", "package": "eventsource-parser", "version": "3.0.6",
        "cmd": ["node", "conformance/node/adapter.mjs"], "build": None,
        "tracker": "https://github.com/rexxars/eventsource-parser/issues", "notes": "",
    }  # fmt: skip
    (root / "conformance" / "node" / "adapters.json").write_text(json.dumps([entry]), encoding="utf-8")
    (root / "conformance" / "node" / "adapter.mjs").write_text("", encoding="utf-8")
    return root


PARSERS = (
    ("oracle", "oracle", "", ""),
    ("tests.test_conformance_matrix:Sloppy", "sloppy", "", "https://example.invalid/issues"),
)


@pytest.fixture(scope="module")
def generated(small: Path) -> Any:
    fixtures = list(iter_fixtures(small / "fixtures"))
    config = RunConfig(quick=True)
    results = matrix.run_matrix(fixtures, config, small, PARSERS, chromium=str(small / "no-such-chromium"))
    return fixtures, config, results


def test_matrix_cells_groups_and_skips(generated: Any) -> None:
    fixtures, _, results = generated
    by_key = {r.key: r for r in results}
    assert [r.key for r in results] == [
        "oracle",
        "tests.test_conformance_matrix:Sloppy",
        "eventsource-parser",
        "browser",
    ]
    text = matrix.render_results(results, fixtures, ["(provenance)"])
    row = next(line for line in text.splitlines() if line.startswith("| `tests.test_conformance_matrix:Sloppy`"))
    # spec: comment-line-ignored passes; the two retry fixtures fail on events, data-single-line on timing only
    assert row.rstrip(" |").split(" | ")[4:7] == ["1 / 3 (1) / 0", "0 / 0 (0) / 1", "1 / 3 (1) / 1"]
    assert "| `oracle` | oracle | Python |  | 4 / 0 (0) / 0 | 1 / 0 (0) / 0 | 5 / 0 (0) / 0 |" in text
    assert "- `eventsource-parser` (node 3.0.6): npm package eventsource-parser is not installed" in text
    assert "- `browser` (browser ): Chromium not found" in text
    groups = by_key["tests.test_conformance_matrix:Sloppy"].groups
    assert [(g.symptom, g.fixtures) for g in groups] == [
        ("wrong retry", ["spec/retry-valid", "spec/retry-zero"]),
        ("late events", ["spec/data-single-line"]),
    ]
    assert groups[0].repro.fixture == "spec/retry-zero"  # the smaller of the two
    assert groups[1].rule == matrix.TIMING_RULE
    block = text[text.index("**1. wrong retry**: §9.2.6: retry: 'If the field value consists of only ASCII") :]
    assert "**2. late events**: timing (1 fixture)" in block
    assert 'in:       "retry: 0\\ndata: a\\n\\n"' in block
    assert 'expected: {"type": "message", "data": "a", "id": "", "retry": 0}' in block
    assert 'got:      {"type": "message", "data": "a", "id": "", "retry": null}' in block
    assert '"returned by": "close() (complete in feed #0)"' in text


def test_matrix_is_reproducible_apart_from_provenance(small: Path, generated: Any) -> None:
    fixtures, config, results = generated
    again = matrix.run_matrix(fixtures, config, small, PARSERS, chromium=str(small / "no-such-chromium"))
    assert matrix.render_results(results, fixtures, ["a"]) == matrix.render_results(again, fixtures, ["a"])


def test_readme_block_from_results(generated: Any) -> None:
    fixtures, _, results = generated
    text = matrix.render_results(results, fixtures, [])
    assert matrix.parse_matrix(text) == matrix.summary_of(results, fixtures)


def test_readme_tables_equal_results_md() -> None:
    """The README's conformance tables are what RESULTS.md's matrix gives (the generator writes both)."""
    categories, summary = matrix.parse_matrix((ROOT / "conformance" / "RESULTS.md").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(matrix.BEGIN) : readme.index(matrix.END) + len(matrix.END)]
    assert block == matrix.readme_block(categories, summary)
    assert sum(categories.values()) == len(list(FIXTURES.glob("*/*.json")))


def test_json_reports_match_the_schema(generated: Any) -> None:
    fixtures, config, results = generated
    run = to_json([run_adapter(OracleAdapter(), fixtures, config)], config)
    assert run["schema_version"] == 1 and check(run, REPORT_SCHEMA) == []
    assert check(matrix.to_json(results, fixtures, config), REPORT_SCHEMA) == []
    broken = dict(run, adapters=[dict(run["adapters"][0], results=[{"fixture": "x"}])])
    assert check(broken, REPORT_SCHEMA)


def test_diff_prints_changes_and_fails_on_a_regression(
    generated: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures, config, _ = generated
    old = to_json([run_adapter(OracleAdapter(), fixtures, config)], config)
    new = json.loads(json.dumps(old))
    new["adapters"][0]["results"][0]["status"] = "failed"
    (tmp_path / "old.json").write_text(json.dumps(old), encoding="utf-8")
    (tmp_path / "new.json").write_text(json.dumps(new), encoding="utf-8")
    assert diff.main([str(tmp_path / "old.json"), str(tmp_path / "old.json")]) == 0
    assert diff.main([str(tmp_path / "old.json"), str(tmp_path / "new.json")]) == 1
    out = capsys.readouterr().out.splitlines()
    first = old["adapters"][0]["results"][0]["fixture"]
    assert out[-2:] == [f"oracle {first}: passed -> failed", "1 changed, 1 regressions"]


# -- the registry ----------------------------------------------------------------------------


def _registry(root: Path, language: str, entries: List[Dict[str, Any]]) -> None:
    (root / "conformance" / language).mkdir(parents=True, exist_ok=True)
    (root / "conformance" / language / "adapters.json").write_text(json.dumps(entries), encoding="utf-8")


def _entry(**kw: Any) -> Dict[str, Any]:
    base = {"name": "p", "language": "go", "package": "p", "version": "1", "cmd": ["conformance/go/bin/p"],
            "build": ["go", "build", "-o", "conformance/go/bin/p", "./conformance/go"],
            "tracker": "", "notes": ""}  # fmt: skip
    return {**base, **kw}


def test_registry_absent_and_malformed(tmp_path: Path) -> None:
    assert load_external_adapters(tmp_path) == []
    _registry(tmp_path, "go", [_entry(), _entry()])
    with pytest.raises(RegistryError, match="listed twice"):
        load_external_adapters(tmp_path)
    _registry(tmp_path, "go", [_entry(cmd="p")])
    with pytest.raises(RegistryError, match="cmd"):
        load_external_adapters(tmp_path)


def test_registry_go_binary_must_be_built(tmp_path: Path) -> None:
    _registry(tmp_path, "go", [_entry()])
    (adapter,) = load_external_adapters(tmp_path)
    assert isinstance(adapter, ExternalAdapter) and adapter.build and adapter.label == "p@1"
    ok, reason = adapter.available()
    assert not ok and "is not built" in reason and "go build" in reason
    binary = tmp_path / "conformance" / "go" / "bin" / "p"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n", encoding="utf-8")
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    assert adapter.available() == (True, "")
    assert adapter.argv() == [str(binary)]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_registry_node_package_pinned(tmp_path: Path) -> None:
    _registry(tmp_path, "node", [_entry(language="node", package="@scope/pkg", version="2.0.0",
                                        cmd=["node", "conformance/node/adapter.mjs"], build=None)])  # fmt: skip
    (adapter,) = load_external_adapters(tmp_path)
    ok, reason = adapter.available()
    assert not ok and reason == "conformance/node/adapter.mjs is missing"
    (tmp_path / "conformance" / "node" / "adapter.mjs").write_text("", encoding="utf-8")
    assert "npm package @scope/pkg is not installed" in adapter.available()[1]
    package = tmp_path / "conformance" / "node" / "node_modules" / "@scope" / "pkg" / "package.json"
    package.parent.mkdir(parents=True)
    package.write_text(json.dumps({"version": "1.9.9"}), encoding="utf-8")
    assert adapter.available() == (False, "npm package @scope/pkg is 1.9.9, pinned 2.0.0 (npm ci)")
    package.write_text(json.dumps({"version": "2.0.0"}), encoding="utf-8")
    assert adapter.available() == (True, "")
    assert adapter.command() == f"node {tmp_path / 'conformance' / 'node' / 'adapter.mjs'}"


def test_registry_runtime_missing(tmp_path: Path) -> None:
    _registry(tmp_path, "x", [_entry(language="x", cmd=["no-such-runtime-sse-pplx", "a"], build=None)])
    (adapter,) = load_external_adapters(tmp_path)
    assert adapter.available() == (False, "no-such-runtime-sse-pplx is not on PATH")


def test_matrix_command_line(small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{matrix.BEGIN}\nold\n{matrix.END}\nafter\n", encoding="utf-8")
    out = tmp_path / "RESULTS.md"
    args = ["--quick", "--fixtures", str(small / "fixtures"), "--root", str(small), "--adapter", "oracle",
            "--no-browser", "--output", str(out), "--readme", str(readme),
            "--json", str(tmp_path / "m.json")]  # fmt: skip
    assert matrix.main(args) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count(matrix.PROVENANCE_BEGIN) == 1 and "`python -m conformance matrix --quick --fixtures" in text
    new = readme.read_text(encoding="utf-8")
    assert new.startswith("before\n") and new.endswith("after\n") and "old" not in new
    assert json.loads((tmp_path / "m.json").read_text(encoding="utf-8"))["report"] == "matrix"
    assert "oracle: 5 passed" in capsys.readouterr().out
    assert os.path.getsize(out) > 0 and sys.version_info >= (3, 8)
