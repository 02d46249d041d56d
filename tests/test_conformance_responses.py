"""The responses/ fixtures (Agent API and Responses API streams) and their checks in the runner.

Every fixture of ``fixtures/responses/`` is fed to sse_pplx's adapter
(:class:`sse_pplx.responses.ResponseDecoder`) under every chunking of
:func:`tests.feeding.iter_chunkings`, and the keys its ``responses`` lists are compared.
A resumed run (``resumed_input``) is fed with its first connection cut every way and
the second whole, the other way round, and both cut the same way.  The expectations are
written by hand in ``conformance/build_responses.py``, never computed by sse_pplx.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import pytest

from conformance import build_fixtures, build_responses
from conformance.adapters import Adapter, OracleAdapter, SsePplxAdapter
from conformance.fixture import FIXTURES_DIR, Fixture, iter_fixtures, validate
from conformance.runner import CHAT_CHUNKINGS, AdapterReport, RunConfig, format_table, run_adapter, run_fixture
from tests.feeding import describe, iter_chunkings

FIXTURES = {fx.name: fx for fx in iter_fixtures(categories=["responses"])}


def _params() -> List[Any]:
    return [pytest.param(name, id=name) for name in sorted(FIXTURES)]


def _mismatch(got: Dict[str, Any], want: Dict[str, Any]) -> Dict[str, Tuple[Any, Any]]:
    return {
        key: (got.get(key, "<missing>"), value) for key, value in want.items() if got.get(key, "<missing>") != value
    }


def _ways(fx: Fixture) -> Iterator[Tuple[str, List[bytes], Optional[List[bytes]]]]:
    """(description, chunks, resumed chunks) for every chunking of the input, and for a resumed
    run every chunking of the second connection too."""
    if fx.resumed_data is None:
        for name, chunks in iter_chunkings(fx.data):
            yield describe(name, chunks), chunks, None
        return
    resumed = fx.resumed_data
    for name, chunks in iter_chunkings(fx.data):
        yield f"first connection {describe(name, chunks)}", chunks, [resumed]
    second = dict(iter_chunkings(resumed))
    for name, chunks in second.items():
        yield f"second connection {describe(name, chunks)}", [fx.data], chunks
    for name, chunks in iter_chunkings(fx.data):
        if name in second:
            yield f"both connections {name}", chunks, second[name]


def test_the_category_has_the_cases_it_promises() -> None:
    promised = [
        "pplx-r1-named",
        "pplx-r1-unnamed",
        "pplx-r1-crlf",
        "pplx-r1-done-marker",
        "openai-r2-function-call",
        "openai-message-annotation",
        "pplx-implicit-item-and-part",
        "unknown-event-types",
        "malformed-and-keep-alive",
        "pplx-incomplete-max-output-tokens",
        "openai-r3-error-then-failed",
        "pplx-r4-failed-top-level-error",
        "error-event-flat",
        "error-event-nested",
        "pplx-cancelled",
        "pplx-r1-truncated",
        "pplx-r1-cut-mid-event",
        "sequence-gaps",
        "resume-replay-from-start",
        "resume-starting-after",
        "openai-completed-empty-output",
        "pplx-citations",
    ]
    assert set(FIXTURES) >= {"responses/" + stem for stem in promised}
    for fx in FIXTURES.values():
        assert fx.responses, fx.name
        assert fx.chat is None and not fx.options, fx.name
        assert validate(fx.raw) == [], fx.name
        if fx.resumed_data is not None:
            assert fx.responses["resumes"] == 1, fx.name
    assert sum(fx.resumed_data is not None for fx in FIXTURES.values()) >= 2
    # Both framings of Perplexity's stream (§2 is conflicting) and CRLF.
    assert b"\nevent: response." in FIXTURES["responses/pplx-r1-named"].data
    assert b"event:" not in FIXTURES["responses/pplx-r1-unnamed"].data
    assert b"\r\n\r\n" in FIXTURES["responses/pplx-r1-crlf"].data


@pytest.mark.parametrize("name", _params())
def test_sse_pplx_gives_the_expected_result_at_every_chunking(name: str) -> None:
    fx = FIXTURES[name]
    assert fx.responses is not None
    adapter = SsePplxAdapter()
    runs = 0
    for where, chunks, resumed in _ways(fx):
        assert b"".join(chunks) == fx.data
        assert resumed is None or b"".join(resumed) == fx.resumed_data
        got = adapter.responses(chunks, resumed)
        bad = _mismatch(got, fx.responses)
        assert not bad, f"{name}, {where}:\n" + "\n".join(
            f"  {k}: got {g!r}\n  {' ' * len(k)}  want {w!r}" for k, (g, w) in bad.items()
        )
        runs += 1
    assert runs >= 100


def test_every_responses_fixture_passes_the_runner_for_the_oracle() -> None:
    """The SSE level of every responses fixture is the oracle's; an adapter without a Responses layer skips the rest."""
    adapter = OracleAdapter()
    assert not adapter.supports_responses
    report = run_adapter(adapter, FIXTURES.values(), RunConfig(only=("whole", "bytewise")))
    assert [r.name for r in report.results if r.status != "passed"] == []
    assert "supports_responses" not in report.capabilities


def test_the_build_writes_and_checks_the_responses_fixtures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_fixtures.main(["--check"]) == 0, capsys.readouterr().out
    built = build_fixtures.build_all()
    names = {name for name in built if name.startswith("responses/")}
    assert names == set(FIXTURES)
    for name in names:
        on_disk = (FIXTURES_DIR / (name + ".json")).read_text(encoding="utf-8")
        assert on_disk == build_fixtures.render(built[name]), name
    # --check notices a responses fixture edited by hand.
    assert build_fixtures.main(["--out", str(tmp_path)]) == 0
    target = tmp_path / "responses" / "pplx-r1-named.json"
    obj = json.loads(target.read_text(encoding="utf-8"))
    obj["responses"]["output_text"] = "edited"
    target.write_text(json.dumps(obj), encoding="utf-8")
    capsys.readouterr()
    assert build_fixtures.main(["--check", "--out", str(tmp_path)]) == 1
    assert "out of date: " + str(target) in capsys.readouterr().out


def test_the_builder_writes_expectations_by_hand() -> None:
    """The builder never imports sse_pplx (tests/test_conformance_oracle.py runs build_all in a subprocess)."""
    source = Path(build_responses.__file__).read_text(encoding="utf-8")
    assert "import sse_pplx" not in source and "from sse_pplx" not in source


# -- the runner's responses check can fail ------------------------------------------------------------


def _edited(name: str, **responses: Any) -> Fixture:
    obj = copy.deepcopy(FIXTURES[name].raw)
    obj["responses"].update(responses)
    return Fixture(obj)


def test_a_wrong_expectation_is_reported_by_the_runner() -> None:
    fx = _edited("responses/pplx-r1-named", output_text="It is 82 m tall.", replayed=3)
    result = run_fixture(SsePplxAdapter(), fx, RunConfig(only=("whole", "bytewise", "random#0")))
    assert result.status == "failed"
    assert result.checks_failed == ["responses"]
    assert result.failed_chunkings == result.chunkings == 3
    message = result.failures[0].message
    assert "output_text 'It is 82.5 m tall [web:1].' != 'It is 82 m tall.'" in message
    assert "replayed 0 != 3" in message
    table = format_table([_report(SsePplxAdapter(), result)])
    assert "FAIL responses/pplx-r1-named [responses] (3/3 chunkings)" in table
    assert "whole: responses: output_text" in table


def test_the_unedited_fixture_passes_the_runner() -> None:
    result = run_fixture(SsePplxAdapter(), FIXTURES["responses/pplx-r1-named"], RunConfig())
    assert result.status == "passed", [f.message for f in result.failures]


def _report(adapter: Adapter, *results: Any) -> AdapterReport:
    report = AdapterReport(adapter)
    report.results.extend(results)
    return report


class ForgetsToResume(SsePplxAdapter):
    """Feeds the second connection as if it continued the first: replayed events counted twice."""

    def responses(self, chunks: Sequence[bytes], resumed_chunks: Optional[Sequence[bytes]] = None) -> Dict[str, Any]:
        return super().responses([*chunks, *(resumed_chunks or [])])


class RecordsChunks(SsePplxAdapter):
    """Remembers how the runner cut both connections."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: List[Tuple[List[bytes], Optional[List[bytes]]]] = []

    def responses(self, chunks: Sequence[bytes], resumed_chunks: Optional[Sequence[bytes]] = None) -> Dict[str, Any]:
        self.calls.append((list(chunks), None if resumed_chunks is None else list(resumed_chunks)))
        return super().responses(chunks, resumed_chunks)


def test_an_adapter_that_does_not_resume_fails_the_resumed_fixtures() -> None:
    for name in ("responses/resume-replay-from-start", "responses/resume-replay-then-cut"):
        result = run_fixture(ForgetsToResume(), FIXTURES[name], RunConfig(only=("whole",)))
        assert result.status == "failed" and result.checks_failed == ["responses"], name
        assert "resumes 0 != 1" in result.failures[0].message
        assert "replayed 0 != 7" in result.failures[0].message


def test_the_runner_cuts_the_second_connection_the_same_way() -> None:
    fx = FIXTURES["responses/resume-replay-from-start"]
    adapter = RecordsChunks()
    result = run_fixture(adapter, fx, RunConfig())
    assert result.status == "passed", [f.message for f in result.failures]
    assert len(adapter.calls) == len([n for n in CHAT_CHUNKINGS if n != "recorded"])
    whole, bytewise, *randoms = adapter.calls
    assert whole == ([fx.data], [fx.resumed_data])
    assert bytewise[0] == [fx.data[i : i + 1] for i in range(len(fx.data))]
    assert bytewise[1] == [fx.resumed_data[i : i + 1] for i in range(len(fx.resumed_data))]  # type: ignore[index]
    for chunks, resumed in randoms:
        assert b"".join(chunks) == fx.data and b"".join(resumed or []) == fx.resumed_data
        assert resumed is not None and len(resumed) > 1
    assert RecordsChunks().responses([fx.data]) != RecordsChunks().responses([fx.data], [fx.resumed_data])


def test_reports_of_adapters_without_responses_are_unchanged() -> None:
    fx = FIXTURES["responses/pplx-r1-named"]
    oracle = OracleAdapter()
    line = format_table([_report(oracle, run_fixture(oracle, fx, RunConfig(only=("whole",))))]).split("\n")[0]
    assert "chat=False; " in line and "responses" not in line
    sse_pplx = SsePplxAdapter()
    line = format_table([_report(sse_pplx, run_fixture(sse_pplx, fx, RunConfig(only=("whole",))))]).split("\n")[0]
    assert "chat=True, responses=True; " in line
    assert AdapterReport(sse_pplx).capabilities["supports_responses"] is True
    with pytest.raises(NotImplementedError):
        Adapter().responses([b""])


# -- the format -----------------------------------------------------------------------------------


def _minimal() -> Dict[str, Any]:
    return copy.deepcopy(FIXTURES["responses/resume-starting-after"].raw)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda o: o.pop("responses"), "resumed_input: given without responses"),
        (lambda o: o.update(resumed_input={"text": "\ud800"}), "resumed_input.text: holds a lone surrogate"),
        (lambda o: o.update(resumed_input={"base64": "YQ="}), "resumed_input.base64: does not decode"),
        (lambda o: o.update(resumed_input={"text": "a", "base64": "YQ=="}), "matches none"),
        (lambda o: o["responses"].update(status="finished"), "not one of"),
        (lambda o: o["responses"].update(sequence_gaps=[[1, 2, 3]]), "not an [expected, got] pair"),
        (lambda o: o["responses"].update(sequence_gaps=[["1", 2]]), "expected integer"),
        (lambda o: o["responses"].update(warnings=[]), "unknown property 'warnings'"),
        (lambda o: o["responses"].update(replayed=-1), "less than 0"),
        (lambda o: o["responses"].update(citations=[{"marker": "[1]", "number": 1}]), "missing required 'url'"),
        (lambda o: o["responses"].update(function_calls=[{"name": "f"}]), "missing required 'call_id'"),
    ],
)
def test_validate_rejects(change: Any, needle: str) -> None:
    obj = _minimal()
    assert validate(obj) == []
    change(obj)
    problems = validate(obj)
    assert any(needle in p for p in problems), problems


def test_resumed_input_is_loaded_as_bytes() -> None:
    fx = FIXTURES["responses/resume-replay-from-start"]
    assert fx.resumed_data is not None and fx.resumed_data.startswith(b"event: response.created\n")
    obj = _minimal()
    obj["resumed_input"] = {"base64": "ZGF0YTogW0RPTkVdCgo="}  # data: [DONE]
    assert Fixture(obj).resumed_data == b"data: [DONE]\n\n"
    assert FIXTURES["responses/pplx-r1-named"].resumed_data is None
