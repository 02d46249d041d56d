"""The fixture files, their schema and the loader (conformance/fixture.py, conformance/schema.py)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict

import pytest

from conformance import build_fixtures
from conformance.fixture import (
    FIXTURES_DIR,
    Fixture,
    FixtureError,
    fixture_paths,
    iter_fixtures,
    load_fixture,
    validate,
)
from conformance.schema import SCHEMA, check

CATEGORIES = {"spec", "utf8", "framing", "limits", "chat", "recorded"}


def _minimal() -> Dict[str, Any]:
    return {
        "name": "spec/example",
        "description": "one line",
        "source": "somewhere",
        "input": {"text": "data: a\n\n"},
        "expect": {
            "events": [
                {
                    "type": "message",
                    "data": "a",
                    "id": "",
                    "retry": None,
                    "last_event_id": "",
                    "reconnection_time": None,
                }
            ],
            "end": {"last_event_id": "", "reconnection_time": None, "discarded": False},
            "error": None,
        },
    }


def test_every_fixture_file_loads_and_validates() -> None:
    fixtures = list(iter_fixtures())
    assert len(fixtures) >= 250
    names = [fx.name for fx in fixtures]
    assert len(names) == len(set(names))
    assert {fx.category for fx in fixtures} >= CATEGORIES
    for fx in fixtures:
        assert fx.path is not None and fx.name == f"{fx.path.parent.name}/{fx.path.stem}"
        assert fx.description and "\n" not in fx.description, fx.name
        assert fx.source and "\n" not in fx.source, fx.name
        assert validate(fx.raw) == [], fx.name


def test_category_requirements() -> None:
    for fx in iter_fixtures():
        if fx.category == "limits":
            assert fx.options, fx.name
        elif fx.category != "fuzz":  # a minimised counterexample keeps the limits it needed
            assert not fx.options, fx.name
        if fx.category in ("chat", "recorded"):
            assert fx.chat is not None, fx.name
        if fx.category == "recorded":
            assert fx.chunks and fx.delays_ms and fx.headers and fx.provenance, fx.name
            assert sum(fx.chunks) == len(fx.data)
            assert fx.chunk_bytes is not None and b"".join(fx.chunk_bytes) == fx.data
        if fx.category == "utf8":
            assert "base64" in fx.raw["input"], fx.name
    assert any(fx.expect["error"] for fx in iter_fixtures(categories=["limits"]))


def test_fuzz_folder_is_documented() -> None:
    assert (FIXTURES_DIR / "fuzz" / "README.md").is_file()
    assert (FIXTURES_DIR / "README.md").is_file()


def test_schema_file_is_the_module_schema() -> None:
    on_disk = json.loads((FIXTURES_DIR / "schema.json").read_text(encoding="utf-8"))
    assert on_disk == SCHEMA


def test_fixtures_are_up_to_date_with_the_generator(capsys: pytest.CaptureFixture[str]) -> None:
    """fixtures/ is exactly what conformance/build_fixtures.py generates (expectations from the oracle)."""
    assert build_fixtures.main(["--check"]) == 0, capsys.readouterr().out


def test_validate_accepts_the_minimal_fixture() -> None:
    assert validate(_minimal()) == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda o: o.pop("name"), "missing required 'name'"),
        (lambda o: o.update(name="no-slash"), "does not match"),
        (lambda o: o.update(extra=1), "unknown property 'extra'"),
        (lambda o: o.update(input={"text": "a", "base64": "YQ=="}), "matches none"),
        (lambda o: o.update(input={"base64": "not base64!"}), "does not match"),
        (lambda o: o.update(input={"base64": "YQ="}), "does not decode"),
        (lambda o: o.update(input={"text": "\ud800"}), "lone surrogate"),
        (lambda o: o.update(chunks=[1, 2]), "sum 3 != input length 9"),
        (lambda o: o.update(chunks=[9], delays_ms=[1.0, 2.0]), "2 delays for 1 chunks"),
        (lambda o: o.update(delays_ms=[1.0]), "given without chunks"),
        (lambda o: o.update(chunks=[0, 9]), "less than 1"),
        (lambda o: o["expect"]["events"][0].update(retry=True), "expected integer or null"),
        (lambda o: o["expect"]["events"][0].pop("id"), "missing required 'id'"),
        (lambda o: o["expect"].update(error={"kind": "limit", "limit": "max_line_bytes", "events_before": 1}), "end"),
        (lambda o: o["expect"].update(end=None), "must be an object"),
        (lambda o: o["expect"].update(error={"kind": "limit", "limit": "nope", "events_before": 1}), "not one of"),
        (lambda o: o.update(options={"max_line_bytes": -1}), "less than 0"),
        (lambda o: o.update(options={"max_lines": 1}), "unknown property 'max_lines'"),
        (lambda o: o.update(chat={"outcome": "great"}), "not one of"),
        (lambda o: o.update(headers={"content-type": 1}), "expected string"),
    ],
)
def test_validate_rejects(change: Any, needle: str) -> None:
    obj = copy.deepcopy(_minimal())
    change(obj)
    problems = validate(obj)
    assert problems, "accepted an invalid fixture"
    assert any(needle in p for p in problems), problems


def test_validate_error_needs_matching_events_before() -> None:
    obj = _minimal()
    obj["expect"]["end"] = None
    obj["expect"]["error"] = {"kind": "limit", "limit": "max_line_bytes", "events_before": 0}
    assert any("events_before" in p for p in validate(obj))
    obj["expect"]["error"]["events_before"] = 1
    assert validate(obj) == []


def test_schema_checker_refuses_unsupported_keywords() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        check(1, {"type": "integer", "multipleOf": 2})
    with pytest.raises(ValueError, match="unsupported"):
        check(1, {"$ref": "http://example.invalid/x"})
    assert check(2.5, {"type": "number"}) == []
    assert check(True, {"type": "number"}) != []


def test_load_fixture_checks_name_against_path(tmp_path: Path) -> None:
    folder = tmp_path / "spec"
    folder.mkdir()
    good = folder / "example.json"
    good.write_text(json.dumps(_minimal()), encoding="utf-8")
    fx = load_fixture(good)
    assert isinstance(fx, Fixture)
    assert fx.data == b"data: a\n\n" and fx.category == "spec" and fx.chunks is None and fx.headers == {}
    bad = folder / "other.json"
    bad.write_text(json.dumps(_minimal()), encoding="utf-8")
    with pytest.raises(FixtureError, match="does not match its path"):
        load_fixture(bad)
    (folder / "broken.json").write_text("{", encoding="utf-8")
    with pytest.raises(FixtureError, match="cannot read"):
        load_fixture(folder / "broken.json")


def test_iter_fixtures_root_and_categories(tmp_path: Path) -> None:
    for category in ("spec", "chat"):
        (tmp_path / category).mkdir()
        obj = _minimal()
        obj["name"] = f"{category}/example"
        (tmp_path / category / "example.json").write_text(json.dumps(obj), encoding="utf-8")
    (tmp_path / "schema.json").write_text("{}", encoding="utf-8")
    assert [fx.name for fx in iter_fixtures(tmp_path)] == ["chat/example", "spec/example"]
    assert [fx.name for fx in iter_fixtures(tmp_path, ["spec"])] == ["spec/example"]
    assert fixture_paths(tmp_path / "missing") == []


def test_base64_input_and_recorded_fields(tmp_path: Path) -> None:
    obj = _minimal()
    obj["input"] = {"base64": "ZGF0YTogYQoK"}  # b"data: a\n\n"
    obj["chunks"] = [4, 5]
    obj["delays_ms"] = [0, 12.5]
    obj["headers"] = {"content-type": "text/event-stream"}
    fx = Fixture(obj)
    assert fx.data == b"data: a\n\n"
    assert fx.chunk_bytes == [b"data", b": a\n\n"]
    assert fx.delays_ms == [0.0, 12.5]
    with pytest.raises(AttributeError):
        fx.name = "x"  # type: ignore[misc]
