"""Loading and validating conformance fixtures.

A fixture is one JSON file, ``fixtures/<category>/<stem>.json``, holding the
exact bytes of a stream and the expected parse (``fixtures/README.md`` describes
every field, ``fixtures/schema.json`` is the JSON Schema).  This module is the
one way the kit reads them::

    from conformance.fixture import iter_fixtures, load_fixture
    for fx in iter_fixtures(categories=["spec"]):
        fx.name, fx.data, fx.expect["events"]

Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Union

from .schema import check

__all__ = ["FIXTURES_DIR", "Fixture", "FixtureError", "iter_fixtures", "load_fixture", "validate"]

#: The repository's fixtures folder (``<repo>/fixtures``).
FIXTURES_DIR = Path(__file__).resolve().parent.parent / "fixtures"

PathLike = Union[str, "os.PathLike[str]"]


class FixtureError(ValueError):
    """A fixture file that cannot be read or does not validate; ``problems`` lists why."""

    def __init__(self, path: str, problems: List[str]) -> None:
        super().__init__(f"{path}: invalid fixture: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def _decode_input(spec: Dict[str, Any]) -> bytes:
    if "text" in spec:
        return spec["text"].encode("utf-8")
    return base64.b64decode(spec["base64"], validate=True)


def validate(obj: Any) -> List[str]:
    """Return the problems of a parsed fixture (a dict from JSON); empty means valid.

    Checks the JSON Schema (``conformance.schema.SCHEMA``) and the rules a schema
    cannot say: ``input.text`` has no lone surrogates, ``input.base64`` decodes,
    the recorded ``chunks`` add up to the input's length, ``delays_ms`` has one
    delay per chunk (and needs ``chunks``), ``error.events_before`` equals the
    number of expected events, ``end`` is null exactly when ``error`` is set,
    ``resumed_input`` (decoded like ``input``) comes with ``responses``, and each
    of ``responses.sequence_gaps`` is a pair.
    """
    problems = check(obj)
    if problems or not isinstance(obj, dict):
        return problems
    for key in ("input", "resumed_input"):
        if key not in obj:
            continue
        try:
            decoded = _decode_input(obj[key])
        except UnicodeEncodeError:
            return [f"$.{key}.text: holds a lone surrogate; use base64 for bytes that are not UTF-8"]
        except (binascii.Error, ValueError) as exc:
            return [f"$.{key}.base64: does not decode: {exc}"]
        if key == "input":
            data = decoded
    if "resumed_input" in obj and "responses" not in obj:
        problems.append("$.resumed_input: given without responses")
    for index, gap in enumerate(obj.get("responses", {}).get("sequence_gaps", [])):
        if len(gap) != 2:
            problems.append(f"$.responses.sequence_gaps[{index}]: not an [expected, got] pair")
    chunks = obj.get("chunks")
    if chunks is not None and sum(chunks) != len(data):
        problems.append(f"$.chunks: sum {sum(chunks)} != input length {len(data)}")
    delays = obj.get("delays_ms")
    if delays is not None:
        if chunks is None:
            problems.append("$.delays_ms: given without chunks")
        elif len(delays) != len(chunks):
            problems.append(f"$.delays_ms: {len(delays)} delays for {len(chunks)} chunks")
    expect = obj["expect"]
    error = expect["error"]
    if error is not None:
        if error["events_before"] != len(expect["events"]):
            problems.append(
                f"$.expect.error.events_before: {error['events_before']} != {len(expect['events'])} expected events"
            )
        if expect["end"] is not None:
            problems.append("$.expect.end: must be null when expect.error is set")
    elif expect["end"] is None:
        problems.append("$.expect.end: must be an object when expect.error is null")
    return problems


class Fixture:
    """One loaded fixture.  Attributes are read-only once loaded.

    Attributes:
        name: ``"category/stem"``, unique.
        category: the part of ``name`` before the slash.
        description: one line, the rule this checks.
        source: the spec clause, peer issue or provenance.
        data: the exact input bytes.
        chunks: recorded chunk sizes (sum == len(data)), or None.
        delays_ms: delay before each recorded chunk in ms, or None.
        headers: recorded response headers (possibly empty).
        options: parser limits, e.g. ``{"max_line_bytes": 64}`` (empty = defaults).
        expect: ``{"events": [...], "end": {...} | None, "error": {...} | None}``.
        chat: the expected chat result, or None.
        responses: the expected Agent API / Responses API result (the keys of
            ``ResponseResult.to_dict()`` to compare), or None.
        resumed_data: the bytes of a second connection resuming the stream
            (``resumed_input``), or None.
        provenance: where a recorded or derived stream came from, or None.
        browser: ``{"divergence": "..."}`` or None.
        path: the file it was loaded from, or None.
        raw: the whole JSON object as loaded.
    """

    __slots__ = (
        "browser",
        "category",
        "chat",
        "chunks",
        "data",
        "delays_ms",
        "description",
        "expect",
        "headers",
        "name",
        "options",
        "path",
        "provenance",
        "raw",
        "responses",
        "resumed_data",
        "source",
    )

    name: str
    category: str
    description: str
    source: str
    data: bytes
    chunks: Optional[List[int]]
    delays_ms: Optional[List[float]]
    headers: Dict[str, str]
    options: Dict[str, Any]
    expect: Dict[str, Any]
    chat: Optional[Dict[str, Any]]
    responses: Optional[Dict[str, Any]]
    resumed_data: Optional[bytes]
    provenance: Optional[Dict[str, Any]]
    browser: Optional[Dict[str, Any]]
    path: Optional[Path]
    raw: Dict[str, Any]

    def __init__(self, obj: Dict[str, Any], path: Optional[PathLike] = None) -> None:
        """Build from a parsed JSON object; raises :class:`FixtureError` if it does not validate."""
        where = str(path) if path is not None else str(obj.get("name", "<fixture>")) if isinstance(obj, dict) else "?"
        problems = validate(obj)
        if problems:
            raise FixtureError(where, problems)
        values = {
            "name": obj["name"],
            "category": obj["name"].split("/", 1)[0],
            "description": obj["description"],
            "source": obj["source"],
            "data": _decode_input(obj["input"]),
            "chunks": list(obj["chunks"]) if "chunks" in obj else None,
            "delays_ms": [float(d) for d in obj["delays_ms"]] if "delays_ms" in obj else None,
            "headers": dict(obj.get("headers", {})),
            "options": dict(obj.get("options", {})),
            "expect": obj["expect"],
            "chat": obj.get("chat"),
            "responses": obj.get("responses"),
            "resumed_data": _decode_input(obj["resumed_input"]) if "resumed_input" in obj else None,
            "provenance": obj.get("provenance"),
            "browser": obj.get("browser"),
            "path": Path(path) if path is not None else None,
            "raw": obj,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError(f"Fixture.{key} is read-only")

    def __repr__(self) -> str:
        return f"<Fixture {self.name} ({len(self.data)} bytes)>"

    @property
    def chunk_bytes(self) -> Optional[List[bytes]]:
        """The input cut at the recorded chunk boundaries, or None."""
        if self.chunks is None:
            return None
        out, pos = [], 0
        for size in self.chunks:
            out.append(self.data[pos : pos + size])
            pos += size
        return out


def load_fixture(path: PathLike) -> Fixture:
    """Read and validate one fixture file.

    Raises :class:`FixtureError` when the file is not JSON, does not validate,
    or its ``name`` is not ``<parent folder>/<file stem>``.
    """
    p = Path(path)
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FixtureError(str(p), [f"cannot read: {exc}"]) from exc
    fixture = Fixture(obj, p)
    expected = f"{p.parent.name}/{p.stem}"
    if fixture.name != expected:
        raise FixtureError(str(p), [f"name {fixture.name!r} does not match its path (expected {expected!r})"])
    return fixture


def fixture_paths(root: Optional[PathLike] = None, categories: Optional[Iterable[str]] = None) -> List[Path]:
    """The fixture files under ``root`` (``<root>/<category>/*.json``), sorted by name."""
    base = Path(root) if root is not None else FIXTURES_DIR
    wanted = None if categories is None else set(categories)
    paths = []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        if folder.name.startswith((".", "_")) or (wanted is not None and folder.name not in wanted):
            continue
        paths.extend(sorted(folder.glob("*.json")))
    return paths


def iter_fixtures(root: Optional[PathLike] = None, categories: Optional[Iterable[str]] = None) -> Iterator[Fixture]:
    """Load every fixture under ``root`` (default :data:`FIXTURES_DIR`), optionally only some categories.

    Fixtures come sorted by category, then file name.  An invalid file raises
    :class:`FixtureError` (fixtures are test data: never skipped silently).
    """
    for path in fixture_paths(root, categories):
        yield load_fixture(path)
