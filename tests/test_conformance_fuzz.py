"""The fuzzing tools of the conformance kit: conformance/strategies.py and conformance/fuzz.py.

* the Hypothesis strategies generate streams on which the oracle and sse_pplx agree,
  under every chunking the ``chunkings`` strategy draws;
* a seeded fuzz run finds no disagreement, from Python and from the command line;
* a planted bug (an adapter that drops every event whose data holds an "x") is found,
  minimised to a few bytes and written as a fixture that validates, holds the oracle's
  expectation, and that the runner fails for the broken adapter and passes for sse_pplx;
* the rest of the kit imports without Hypothesis.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conformance.__main__ as cli
from conformance.adapters import SsePplxAdapter
from conformance.fixture import load_fixture, validate
from conformance.fuzz import Difference, check_stream, cuts_of, fixture_for, minimise, run_fuzz
from conformance.oracle import parse
from conformance.runner import RunConfig, run_fixture
from conformance.strategies import chunkings, hostile_streams, limits, stream_cases, valid_streams

REPO = Path(__file__).resolve().parent.parent
SSE_PPLX = SsePplxAdapter()


class BrokenAdapter(SsePplxAdapter):
    """sse_pplx with a planted bug: events whose data contains "x" are dropped."""

    name = "broken-x"

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        return [e for e in super().feed(data) if "x" not in e["data"]]


# -- the strategies ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_strategies_streams_agree_between_oracle_and_sse_pplx(data: Any) -> None:
    stream, options = data.draw(stream_cases(), label="case")
    chunks = data.draw(chunkings(stream), label="chunks")
    assert b"".join(chunks) == stream
    assert all(chunks)
    assert check_stream(stream, options, cuts_of(chunks), [SSE_PPLX]) == []


@settings(max_examples=40, deadline=None)
@given(valid_streams())
def test_valid_streams_are_well_formed(stream: bytes) -> None:
    """Valid streams are UTF-8 and end with a blank line: nothing is left to discard."""
    stream.decode("utf-8")
    result = parse(stream)
    assert result.error is None and result.end is not None
    assert result.end["discarded"] is False


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_hostile_long_lines_against_small_limits(data: Any) -> None:
    stream = data.draw(hostile_streams(line_limit=8))
    options = data.draw(limits(line_limit=8))
    assert check_stream(stream, options, [], [SSE_PPLX]) == []


# -- the fuzzer -------------------------------------------------------------------------------


def test_fuzzer_with_a_fixed_seed_finds_no_disagreement(tmp_path: Path) -> None:
    report = run_fuzz(n=400, seed=20240229, out=tmp_path, progress_every=0)
    assert report.streams == 400
    assert report.disagreements == 0, report.kinds
    assert set(report.stream_kinds) == {"valid", "near-valid", "hostile"}
    assert not list(tmp_path.rglob("*.json"))


def test_fuzz_command_prints_the_summary_line(tmp_path: Path, capsys: Any) -> None:
    status = cli.main(["fuzz", "--n", "60", "--seed", "3", "--out", str(tmp_path)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert status == 0
    assert lines[0].startswith("fuzz: seed 3, 60 streams")
    assert re.fullmatch(r"60 streams, 0 disagreements, \d+\.\d s", lines[-1]), lines[-1]


def test_minimise_removes_bytes_and_cuts() -> None:
    def fails(data: bytes, options: Dict[str, Any], cuts: List[int]) -> bool:
        return b"x" in data and options.get("max_line_bytes", 0) >= 3

    small, options, cuts = minimise(b"abc\nxyz\n\n", {"max_line_bytes": 9, "max_event_bytes": 4}, [2, 5, 7], fails)
    assert (small, options, cuts) == (b"x", {"max_line_bytes": 3}, [])


def test_a_planted_disagreement_is_minimised_into_a_fixture(tmp_path: Path) -> None:
    report = run_fuzz(n=2000, seed=2, adapters=[BrokenAdapter()], out=tmp_path, stop_after=1, progress_every=0)
    assert report.disagreements == 1
    (found,) = report.counterexamples
    assert found.difference.parser == "broken-x"
    assert b"x" in found.data and len(found.data) <= 16, found.data
    assert found.path is not None and found.path.parent == tmp_path / "fuzz"
    fx = load_fixture(found.path)
    assert validate(fx.raw) == []
    assert fx.description.startswith("minimised fuzz counterexample: ")
    assert fx.source == "python -m conformance fuzz --seed 2"
    assert fx.expect == parse(fx.data, fx.options).expect()  # the oracle's, never the parser's
    assert any("x" in e["data"] for e in fx.expect["events"])
    assert run_fixture(BrokenAdapter(), fx, RunConfig(quick=True)).status == "failed"
    assert run_fixture(SSE_PPLX, fx, RunConfig()).status == "passed"


def test_fuzz_command_with_a_module_factory_adapter(tmp_path: Path, capsys: Any) -> None:
    status = cli.main(
        ["fuzz", "--n", "40", "--seed", "2", "--adapter", f"{__name__}:BrokenAdapter", "--out", str(tmp_path)]
    )
    out = capsys.readouterr().out
    assert status == 1
    written = sorted((tmp_path / "fuzz").glob("broken-x-*.json"))
    assert written, out
    for path in written:
        assert load_fixture(path).name == f"fuzz/{path.stem}"
    assert re.search(r"^40 streams, [1-9]\d* disagreements, ", out, re.M), out


def test_fixture_for_uses_base64_for_bytes_that_are_not_utf8() -> None:
    difference = Difference("p", "chunks", "events", "data", "event #0: data differs")
    obj = fixture_for(b"data:\xff\n\n", {}, [3], difference, seed=1)
    assert validate(obj) == []
    assert "base64" in obj["input"] and obj["chunks"] == [3, 5]
    assert obj["expect"]["events"][0]["data"] == "\ufffd"


def test_the_kit_imports_without_hypothesis() -> None:
    """Hypothesis is a test-time dependency: only conformance.strategies needs it."""
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "import conformance.__main__, conformance.fuzz, conformance.runner, conformance.adapters\n"
        "try:\n"
        "    import conformance.strategies\n"
        "except ImportError as exc:\n"
        "    assert 'pip install hypothesis' in str(exc), exc\n"
        "else:\n"
        "    raise SystemExit('conformance.strategies imported without hypothesis')\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)
