"""``python -m conformance matrix``: every parser against every fixture, written to ``RESULTS.md``.

Command line (``python -m conformance matrix --help``)::

    python -m conformance matrix [--quick] [--output conformance/RESULTS.md] [--json FILE]
                                 [--readme README.md | --no-readme] [--fixtures DIR] [--seed N]
                                 [--no-browser] [--chromium PATH]

It runs, in this order: sse_pplx, the oracle, the installed Python peers
(sseclient-py, httpx-sse, requests-sse, openai, perplexityai), every external
adapter listed in ``conformance/*/adapters.json`` (:mod:`conformance.external`),
and headless Chromium's ``EventSource`` (:mod:`conformance.browser`, on every
fixture it can take: all but those with parser limits).  A parser that cannot
run here is skipped, and the reason is written down.

``RESULTS.md`` holds: the provenance (date, interpreters, browser, package
versions, fixture count, seed, the command: the only lines that change between
two runs on the same inputs), the matrix (each parser x each fixture category:
passed / failed (of which timing only) / skipped), and for each parser its
distinct failures.  A distinct failure is a group of failing fixtures that
break the same rule in the same way: the rule is the fixture's ``source`` (the
spec clause it quotes) for the ``spec``, ``utf8``, ``framing`` and ``limits``
categories, the category for the LLM-stream ones (``chat``, ``recorded``,
``responses``, ``fuzz``: their sources name the stream, not a rule), and the
timing rule for an event that came out of the wrong ``feed()``; the way is the
symptom on the first failing chunking (wrong fields, extra or missing events,
an exception, late events).  Each group shows its smallest fixture as a
minimal reproduction (bytes in, expected events, the events the parser gave),
the spec clause, and a tracker link where one is known (:data:`KNOWN_ISSUES`,
or an ``owner/repo#N`` in the fixture's source that names the parser's own
repository).  The README's conformance tables, between ``<!-- conformance:begin
-->`` and ``<!-- conformance:end -->``, are rewritten from the same figures.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .adapters import Adapter, AdapterError, AdapterUnavailable, CommandAdapter, LimitError, make_adapter
from .chunkings import DEFAULT_SEED
from .external import RegistryError, load_external_adapters
from .fixture import FIXTURES_DIR, Fixture, FixtureError, iter_fixtures
from .runner import Reference, RunConfig, run_adapter

__all__ = ["KNOWN_ISSUES", "Group", "ParserResult", "main", "parse_matrix", "readme_block", "render_results"]

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_VERSION = 1
BEGIN, END = "<!-- conformance:begin -->", "<!-- conformance:end -->"
PROVENANCE_BEGIN, PROVENANCE_END = "<!-- provenance:begin -->", "<!-- provenance:end -->"

#: The built-in Python parsers: (adapter name, label, distribution, tracker).
PYTHON_PARSERS = (
    ("sse_pplx", "sse_pplx", "sse_pplx", ""),
    ("oracle", "oracle (conformance/oracle.py)", "", ""),
    ("sseclient", "sseclient-py", "sseclient-py", "https://github.com/mpetazzoni/sseclient/issues"),
    ("httpx_sse", "httpx-sse", "httpx-sse", "https://github.com/florimondmanca/httpx-sse/issues"),
    ("requests_sse", "requests-sse", "requests-sse", "https://github.com/overcat/requests-sse/issues"),
    ("openai", "openai SDK", "openai", "https://github.com/openai/openai-python/issues"),
    ("perplexity", "perplexityai SDK", "perplexityai", "https://github.com/perplexityai/perplexity-py/issues"),
)

#: Tracker threads for a parser's failure, by the fixture that shows it.  Each one was read (not
#: guessed): a group links every thread listed here for one of its fixtures.
KNOWN_ISSUES: Dict[str, Dict[str, str]] = {
    "httpx_sse": {
        name: "https://github.com/florimondmanca/httpx-sse/issues/35"
        for name in ("spec/comment-heartbeat-after-id", "spec/id-without-data-still-set")
    },
    "openai": {
        "spec/bom-stripped": "https://github.com/openai/openai-python/pull/3819",
        "spec/retry-negative-ignored": "https://github.com/openai/openai-python/pull/3844",
    },
    "requests_sse": {
        name: "https://github.com/psf/requests/issues/3980"
        for name in ("framing/crlf-inside-event", "framing/long-event-crlf", "spec/line-end-crlf")
    },
}

#: Categories whose fixtures' ``source`` quotes the rule they check.
RULE_CATEGORIES = ("spec", "utf8", "framing", "limits")
TIMING_RULE = (
    "WHATWG HTML §9.2.6: 'If the line is empty (a blank line) Dispatch the event': an event is complete at the "
    "line end of its blank line (for CR LF, at the CR, which ends the line whatever follows), so it comes out "
    "of the feed() that delivered that byte"
)
CATEGORY_TITLES = (
    ("spec", "WHATWG parsing rules"),
    ("utf8", "UTF-8 edge cases"),
    ("framing", "line endings and framing"),
    ("chat+recorded", "Perplexity / OpenAI chat and recorded streams"),
    ("responses", "Agent API / Responses API streams"),
)
#: The README's first table: the Python parsers, as its columns.
README_COLUMNS = (
    ("sse_pplx", "sse_pplx"),
    ("openai", "openai SDK"),
    ("perplexity", "perplexityai SDK"),
    ("httpx_sse", "httpx-sse"),
    ("sseclient", "sseclient-py"),
    ("requests_sse", "requests-sse"),
)


@dataclass
class Repro:
    """A minimal reproduction: one fixture, one chunking, what was expected and what came out."""

    fixture: str
    description: str
    source: str
    data: bytes
    chunking: str
    chunks: List[bytes]
    expected: List[Dict[str, Any]]
    got: Optional[List[Dict[str, Any]]]
    detail: str = ""


@dataclass
class Group:
    """Failing fixtures that break one rule the same way."""

    rule: str
    symptom: str
    fixtures: List[str]
    repro: Repro
    links: List[str]


@dataclass
class ParserResult:
    """One parser's column: its status per fixture and its distinct failures (or why it was skipped)."""

    key: str
    label: str
    language: str
    version: str
    tracker: str
    how: str = ""
    skipped: str = ""
    notes: str = ""
    seconds: float = 0.0
    #: fixture name -> (category, status, timing only)
    statuses: Dict[str, Tuple[str, str, bool]] = field(default_factory=dict)
    groups: List[Group] = field(default_factory=list)

    def counts(self, categories: Sequence[str]) -> Tuple[int, int, int, int]:
        """(passed, failed, failed on timing only, skipped) over ``categories``."""
        cells = [v for v in self.statuses.values() if v[0] in categories]
        return (
            sum(1 for c in cells if c[1] == "passed"),
            sum(1 for c in cells if c[1] == "failed"),
            sum(1 for c in cells if c[1] == "failed" and c[2]),
            sum(1 for c in cells if c[1] == "skipped"),
        )


# -- running and grouping ------------------------------------------------------------------


def _replay(adapter: Adapter, fx: Fixture, chunks: List[bytes]) -> Tuple[List[Dict[str, Any]], List[int], str]:
    """Feed ``chunks``: the events, the feed() index that returned each (len(chunks) = close()), an error."""
    events: List[Dict[str, Any]] = []
    returned_by: List[int] = []
    try:
        adapter.start(dict(fx.options))
        for k, chunk in enumerate(chunks):
            try:
                got = adapter.feed(chunk)
            except LimitError as exc:
                events.extend(exc.events)
                return events, returned_by + [k] * len(exc.events), f"raises a {exc.limit} limit error"
            events.extend(got)
            returned_by.extend([k] * len(got))
        closing = adapter.close()
    except AdapterError as exc:
        # a Python peer's own exception comes through as "TypeName: message"
        match = re.match(r"^(\w+(?:Error|Exception)): ", str(exc))
        return events, returned_by, f"raises {match.group(1)}" if match else "the adapter fails"
    except Exception as exc:
        return events, returned_by, f"raises {type(exc).__name__}"
    events.extend(closing)
    returned_by.extend([len(chunks)] * len(closing))
    return events, returned_by, ""


def _project(events: Sequence[Dict[str, Any]], keys: Sequence[str]) -> List[Dict[str, Any]]:
    return [{k: e.get(k, "<missing>") for k in keys} for e in events]


def _symptom(expected: List[Dict[str, Any]], got: Optional[List[Dict[str, Any]]], error: str) -> str:
    """How the events differ: an exception, extra or missing events, or the fields that differ."""
    if error:
        return error
    if got is None:
        return "no result"
    if len(got) > len(expected):
        extra = [g for g in got if g not in expected]
        if extra and all(g.get("data") == "" for g in extra) and all(e.get("data") != "" for e in expected):
            return "dispatches a block without data as an event"
        return "extra events"
    if len(got) < len(expected):
        return "missing events"
    keys = sorted({k for g, w in zip(got, expected) for k in w if g.get(k) != w[k]})
    return "wrong " + ", ".join(keys) if keys else ""


#: Symptoms that are one failure wherever they show, whatever rule the fixture checks.
GLOBAL_SYMPTOMS = ("late events", "early events", "dispatches a block without data as an event")


def _rule(fx: Fixture, symptom: str) -> str:
    """The group a failure belongs to (with its symptom): the rule broken, as precise as the fixture says."""
    if symptom in ("late events", "early events"):
        return TIMING_RULE
    if symptom in GLOBAL_SYMPTOMS or symptom.startswith("raises "):
        return ""
    if fx.source.startswith("web-platform-tests eventsource/"):
        return "web-platform-tests eventsource/format-*.htm"
    if fx.source.startswith("WHATWG HTML §9.2.6 example"):
        return "WHATWG HTML §9.2.6, the examples"
    if fx.category in RULE_CATEGORIES:
        return fx.source.split("; ")[0]
    return f"{fx.category}/ streams"


def _links(key: str, tracker: str, fixtures: Sequence[Fixture]) -> List[str]:
    links = {KNOWN_ISSUES.get(key, {}).get(fx.name) for fx in fixtures} - {None}
    match = re.match(r"https://github\.com/([^/]+/[^/]+)/issues", tracker)
    if match:  # an owner/repo#N the fixture itself cites, in the parser's own repository
        for fx in fixtures:
            for number in re.findall(re.escape(match.group(1)) + r"#(\d+)", fx.source):
                links.add(f"https://github.com/{match.group(1)}/issues/{number}")
    return sorted(str(link) for link in links)


def _group(result: ParserResult, failing: List[Tuple[Fixture, str, Repro]]) -> List[Group]:
    by_key: Dict[Tuple[str, str], List[Tuple[Fixture, Repro]]] = {}
    for fx, symptom, repro in failing:
        by_key.setdefault((_rule(fx, symptom), symptom), []).append((fx, repro))
    groups = []
    for (rule, symptom), members in by_key.items():
        members.sort(key=lambda m: (len(m[0].data), m[0].name))
        fixtures = [fx for fx, _ in members]
        groups.append(
            Group(rule, symptom, sorted(fx.name for fx in fixtures), members[0][1], _links(result.key, result.tracker, fixtures))
        )
    groups.sort(key=lambda g: (-len(g.fixtures), g.rule, g.symptom))
    return groups


def run_runner_parser(result: ParserResult, adapter: Adapter, fixtures: Sequence[Fixture], config: RunConfig) -> None:
    """Run ``adapter`` on every fixture (the runner's checks, every chunking), then replay each failure."""
    report = run_adapter(adapter, fixtures, config)
    by_name = {fx.name: fx for fx in fixtures}
    failing: List[Tuple[Fixture, str, Repro]] = []
    keys = list(adapter.event_keys)
    for r in report.results:
        result.statuses[r.name] = (r.category, r.status, r.status == "failed" and r.checks_failed == ["timing"])
        if r.status != "failed":
            continue
        fx = by_name[r.name]
        name = r.failures[0].chunking if r.failures else "whole"
        chunkings = [c for c in config.chunkings(fx) if c.name == name]
        chunks = chunkings[0].chunks(fx.data) if chunkings else [fx.data]
        events, returned_by, error = _replay(adapter, fx, chunks)
        expected = _project(fx.expect["events"], keys)
        got = _project(events, keys)
        symptom = _symptom(expected, got, error)
        if not symptom and r.checks_failed == ["timing"]:
            bounds = [sum(len(c) for c in chunks[: i + 1]) for i in range(len(chunks))]
            positions = Reference.of(fx).positions
            late = False
            for i, position in enumerate(positions[: len(returned_by)]):
                want = next(k for k, b in enumerate(bounds) if position < b)
                by = "close()" if returned_by[i] == len(chunks) else f"feed #{returned_by[i]}"
                got[i]["returned by"] = f"{by} (complete in feed #{want})"
                late = late or returned_by[i] > want
            symptom = "late events" if late else "early events"
        elif not symptom:
            symptom = "wrong " + ", ".join(r.checks_failed)
        detail = "; ".join(f"{f.check}: {f.message}" for f in r.failures[:1] if f.chunking == name)
        repro = Repro(fx.name, fx.description, fx.source, fx.data, name, chunks, expected, got, detail)
        failing.append((fx, symptom, repro))
    result.groups = _group(result, failing)


def run_browser_parser(result: ParserResult, fixtures: Sequence[Fixture], chromium: Optional[str]) -> None:
    """Headless Chromium's EventSource on every fixture (those with limits are skipped)."""
    from .browser import BrowserError, run_browser

    try:
        report = run_browser(fixtures, chromium)
    except BrowserError as exc:
        result.skipped = str(exc).splitlines()[0]
        return
    result.version = report.version
    by_name = {fx.name: fx for fx in fixtures}
    failing: List[Tuple[Fixture, str, Repro]] = []
    for o in report.outcomes:
        status = {"agreed": "passed", "diverged": "failed", "skipped": "skipped"}[o.status]
        result.statuses[o.name] = (o.category, status, False)
        if o.status != "diverged":
            continue
        fx = by_name[o.name]
        symptom = _symptom(o.expected, o.got, "" if o.end in ("error", None) else "the stream does not end")
        detail = o.detail + (f" (noted in the fixture: {o.note})" if o.note else "")
        repro = Repro(fx.name, fx.description, fx.source, fx.data, "one write per event block", [], o.expected, o.got, detail)
        failing.append((fx, symptom or "differs", repro))
    result.groups = _group(result, failing)


def _version(distribution: str) -> str:
    if distribution == "sse_pplx":
        import sse_pplx

        return str(sse_pplx.__version__)
    if not distribution:
        return ""
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return ""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return ""


def _tool_version(argv: List[str]) -> str:
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.decode("utf-8", "replace").strip().splitlines()[0] if out.stdout.strip() else ""


def run_matrix(
    fixtures: Sequence[Fixture],
    config: RunConfig,
    root: Path = ROOT,
    python_parsers: Sequence[Tuple[str, str, str, str]] = PYTHON_PARSERS,
    browser: bool = True,
    chromium: Optional[str] = None,
    commands: Sequence[str] = (),
    log: Callable[[str], None] = lambda line: None,
) -> List[ParserResult]:
    """Every parser on ``fixtures``: Python ones, the registry's external ones, the browser."""
    results: List[ParserResult] = []
    jobs: List[Tuple[ParserResult, Callable[[], Adapter]]] = []
    for key, label, distribution, tracker in python_parsers:
        result = ParserResult(key, label, "Python", _version(distribution), tracker)
        jobs.append((result, lambda key=key: make_adapter(key)))
    try:
        external = load_external_adapters(root)
    except RegistryError as exc:
        log(f"registry: {exc}")
        external = []
    for ext in external:
        result = ParserResult(ext.name, ext.name, ext.language, ext.version, ext.tracker, notes=ext.notes)
        ok, reason = ext.available()
        if not ok:
            result.skipped = reason
            results.append(result)
            continue
        jobs.append((result, lambda ext=ext: CommandAdapter(ext.command())))
    for command in commands:
        result = ParserResult(f"cmd:{command}", command, "--cmd", "", "")
        jobs.append((result, lambda command=command: CommandAdapter(command)))
    for result, make in jobs:
        log(f"running {result.key} ...")
        try:
            adapter = make()
        except AdapterUnavailable as exc:
            result.skipped = str(exc)
            results.append(result)
            continue
        result.how = adapter.description
        if result.language == "--cmd":  # named by its hello
            name, _, version = adapter.name.rpartition("@") if "@" in adapter.name[1:] else (adapter.name, "", "")
            result.key = result.label = name
            result.version = version
            result.language = "node" if "node" in result.how else "--cmd"
        started = time.monotonic()
        try:
            run_runner_parser(result, adapter, fixtures, config)
        finally:
            adapter.shutdown()
        result.seconds = time.monotonic() - started
        results.append(result)
    if browser:
        log("running the browser ...")
        result = ParserResult("browser", "Chromium EventSource", "browser", "", "https://issues.chromium.org/")
        result.how = "headless Chromium's EventSource, the stream served from 127.0.0.1 (conformance/browser.py)"
        started = time.monotonic()
        run_browser_parser(result, fixtures, chromium)
        result.seconds = time.monotonic() - started
        results.append(result)
    order = {key: i for i, (key, *_rest) in enumerate(python_parsers)}
    results.sort(key=lambda r: (0 if r.language == "Python" else 2 if r.key == "browser" else 1, order.get(r.key, 0), r.language, r.key))
    return results


# -- RESULTS.md ------------------------------------------------------------------------------

CATEGORY_ORDER = ("spec", "utf8", "framing", "limits", "chat", "recorded", "responses", "fuzz")
NOT_RUN = "not run"


def categories_of(fixtures: Sequence[Fixture]) -> Dict[str, int]:
    """{category: fixture count}, in the kit's order (known categories first, then the rest sorted)."""
    counts: Dict[str, int] = {}
    for fx in fixtures:
        counts[fx.category] = counts.get(fx.category, 0) + 1
    ordered = [c for c in CATEGORY_ORDER if c in counts] + sorted(c for c in counts if c not in CATEGORY_ORDER)
    return {c: counts[c] for c in ordered}


def escape_bytes(data: bytes, limit: int = 600) -> str:
    """``data`` as a double-quoted string: printable ASCII as is, ``\\r \\n \\t``, every other byte ``\\xNN``."""
    out = []
    for byte in data[:limit]:
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\r":
            out.append("\\r")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    more = f" ... ({len(data)} bytes in all)" if len(data) > limit else ""
    return '"' + "".join(out) + '"' + more


def _events_text(events: Optional[List[Dict[str, Any]]], indent: str, limit: int = 8) -> str:
    if events is None:
        return "(nothing: the page reported no result)"
    if not events:
        return "[]"
    lines = [json.dumps(e, ensure_ascii=True, sort_keys=False) for e in events[:limit]]
    if len(events) > limit:
        lines.append(f"... {len(events) - limit} more")
    return ("\n" + indent).join(lines)


def _chunks_text(repro: Repro) -> str:
    if not repro.chunks or len(repro.chunks) == 1:
        return ""
    if all(len(c) == 1 for c in repro.chunks):
        return "one byte per feed()"
    shown = " | ".join(escape_bytes(c, 80) for c in repro.chunks[:12])
    return shown + (f" | ... ({len(repro.chunks)} chunks)" if len(repro.chunks) > 12 else "")


def _repro_block(repro: Repro) -> List[str]:
    lines = ["```", f"fixture:  {repro.fixture} ({repro.description})", f"chunking: {repro.chunking}"]
    lines.append(f"in:       {escape_bytes(repro.data)}")
    chunks = _chunks_text(repro)
    if chunks:
        lines.append(f"chunks:   {chunks}")
    lines.append(f"expected: {_events_text(repro.expected, ' ' * 10)}")
    lines.append(f"got:      {_events_text(repro.got, ' ' * 10)}")
    if repro.detail:
        lines.append(f"runner:   {repro.detail}")
    lines.append("```")
    return lines


def _cell(counts: Tuple[int, int, int, int]) -> str:
    passed, failed, timing, skipped = counts
    return f"{passed} / {failed} ({timing}) / {skipped}"


def _name(r: ParserResult) -> str:
    return f"{r.label} {r.version}".strip()


def provenance_lines(
    results: Sequence[ParserResult], fixtures: Sequence[Fixture], config: RunConfig, command: str, seconds: Dict[str, float]
) -> List[str]:
    """The lines that describe this run (date, tools, versions, the command): all that may change between runs."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    tools = [f"{platform.python_implementation()} {platform.python_version()}"]
    node = _tool_version(["node", "--version"])
    go = _tool_version(["go", "version"])
    tools.append(f"Node {node}" if node else "Node: not found")
    tools.append(go if go else "Go: not found")
    browser = [r for r in results if r.key == "browser"]
    if browser:
        tools.append(browser[0].version or f"Chromium: not run ({browser[0].skipped})")
    packages = ", ".join(f"{r.label} {r.version}" for r in results if r.version and r.key != "browser")
    counts = ", ".join(f"{c} {n}" for c, n in categories_of(fixtures).items())
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items())
    chunkings = "quick (whole, byte by byte, every split up to 16 bytes, 3 UTF-8 and 3 CR/LF cuts, recorded, 2 random)"
    return [
        PROVENANCE_BEGIN,
        f"- Generated {now} by `{command}`",
        f"- Tools: {'; '.join(tools)}",
        f"- Packages: {packages}",
        f"- Fixtures: {len(fixtures)} ({counts}); seed {config.seed}; chunkings: {chunkings if config.quick else 'all'}",
        f"- Wall time: {timing}",
        PROVENANCE_END,
    ]


def render_results(
    results: Sequence[ParserResult], fixtures: Sequence[Fixture], provenance: Sequence[str]
) -> str:
    """The whole RESULTS.md.  Apart from ``provenance``, equal inputs give equal bytes."""
    categories = categories_of(fixtures)
    lines = [
        "# Conformance results: every parser, every fixture",
        "",
        "Generated by `python -m conformance matrix` (`conformance/matrix.py`); do not edit by hand.  The lines",
        "between the provenance markers are the only ones that change between two runs on the same inputs.",
        "",
        *provenance,
        "",
        "## The matrix",
        "",
        "Each cell: fixtures passed / failed (of which failed **only** the timing check) / skipped.  A fixture",
        "passes when every chunking passes every check the parser can be held to (`conformance/README.md`).",
        "Fixtures with parser limits (`limits/`) are sse_pplx-specific: every parser without limits skips them.",
        "The browser is fed each stream as the kit's server writes it (one write per event block): its cells",
        "say nothing of chunking and timing, and a page sees neither `retry` nor the parser state.",
        "",
        "| parser | name | language | version | " + " | ".join(f"{c} ({n})" for c, n in categories.items()) + " | total |",
        "|---|---|---|---|" + "---|" * (len(categories) + 1),
    ]
    for r in results:
        cells = [NOT_RUN] * (len(categories) + 1) if r.skipped else [
            _cell(r.counts([c])) for c in categories
        ] + [_cell(r.counts(list(categories)))]
        version = r.version.replace("|", "/")
        lines.append(f"| `{r.key}` | {r.label} | {r.language} | {version} | " + " | ".join(cells) + " |")
    skipped = [r for r in results if r.skipped]
    if skipped:
        lines += ["", "Not run here (each is skipped, with its reason, until its runtime and packages are installed):", ""]
        lines += [f"- `{r.key}` ({r.language} {r.version}): {r.skipped}" for r in skipped]
    lines += ["", "## How each parser is driven", ""]
    for r in results:
        how = r.how or r.skipped
        extra = f" {r.notes}" if r.notes else ""
        tracker = f" Tracker: {r.tracker}" if r.tracker else ""
        lines.append(f"- `{r.key}`: {how}.{extra}{tracker}".replace("..", "."))
    lines += [
        "",
        "## Distinct failures, by parser",
        "",
        "Failing fixtures are grouped by the rule they break (the spec clause the fixture quotes; the timing rule",
        "for events that come out of the wrong `feed()`; the category for LLM-shaped streams) and by how they",
        "break it.  Each group shows its smallest fixture: the bytes in, the chunking, the events expected and",
        "the events the parser gave (for timing failures, which `feed()` returned each one).",
    ]
    for r in results:
        if r.skipped or not r.statuses:
            continue
        failed = r.counts(list(categories))[1]
        lines += ["", f"### {_name(r)} (`{r.key}`)", ""]
        if not r.groups:
            lines.append(f"No failure: passes every fixture it runs ({r.counts(list(categories))[0]}).")
            continue
        lines.append(f"{failed} failing fixtures in {len(r.groups)} distinct failures.")
        for i, g in enumerate(r.groups, 1):
            lines += ["", f"**{i}. {g.symptom}** ({len(g.fixtures)} fixture{'s' if len(g.fixtures) != 1 else ''})", ""]
            clause = g.rule if g.rule == TIMING_RULE else g.repro.source
            lines.append(f"Spec clause: {clause}")
            if g.links:
                lines += ["", f"Known issue: {', '.join(g.links)}"]
            names = ", ".join(f"`{n}`" for n in g.fixtures[:40])
            more = f" and {len(g.fixtures) - 40} more" if len(g.fixtures) > 40 else ""
            lines += ["", f"Fixtures: {names}{more}", ""]
            lines += "\n".join(_repro_block(g.repro)).split("\n")
    return "\n".join(lines) + "\n"


# -- the README's tables, from RESULTS.md ------------------------------------------------------

Summary = Dict[str, Dict[str, Any]]


def summary_of(results: Sequence[ParserResult], fixtures: Sequence[Fixture]) -> Tuple[Dict[str, int], Summary]:
    categories = categories_of(fixtures)
    summary: Summary = {}
    for r in results:
        summary[r.key] = {
            "label": r.label,
            "language": r.language,
            "version": r.version,
            "skipped": bool(r.skipped),
            "counts": {} if r.skipped else {c: r.counts([c]) for c in categories},
        }
    return categories, summary


_CELL = re.compile(r"^(\d+) / (\d+) \((\d+)\) / (\d+)$")


def parse_matrix(text: str) -> Tuple[Dict[str, int], Summary]:
    """The matrix table of a RESULTS.md: ({category: fixture count}, {parser key: its row})."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| parser | name |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    categories: Dict[str, int] = {}
    for cell in header[4:-1]:
        match = re.match(r"^(\S+) \((\d+)\)$", cell)
        if not match:
            raise ValueError(f"not a category header: {cell!r}")
        categories[match.group(1)] = int(match.group(2))
    summary: Summary = {}
    for line in lines[start + 2 :]:
        if not line.startswith("| `"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        key = cells[0].strip("`")
        skipped = cells[4] == NOT_RUN
        counts: Dict[str, Tuple[int, int, int, int]] = {}
        for category, cell in zip(categories, cells[4:-1]):
            match = _CELL.match(cell)
            if match:
                p, f, t, s = (int(x) for x in match.groups())
                counts[category] = (p, f, t, s)
        summary[key] = {"label": cells[1], "language": cells[2], "version": cells[3], "skipped": skipped, "counts": counts}
    return categories, summary


def _passed(row: Dict[str, Any], cats: Sequence[str]) -> int:
    return sum(row["counts"].get(c, (0, 0, 0, 0))[0] for c in cats)


def readme_block(categories: Dict[str, int], summary: Summary) -> str:
    """The README's conformance tables (between the markers), from the matrix's figures."""
    groups = [
        (title, [c for c in key.split("+") if c in categories]) for key, title in CATEGORY_TITLES
    ]
    groups = [(title, cats) for title, cats in groups if cats]
    sizes = {title: sum(categories[c] for c in cats) for title, cats in groups}
    columns = [(key, label) for key, label in README_COLUMNS if key in summary and not summary[key]["skipped"]]
    lines = [
        BEGIN,
        "Conformance: fixtures passed under every chunking (`--quick`), from",
        "[`conformance/RESULTS.md`](https://github.com/sse-pplx/sse_pplx/blob/main/conformance/RESULTS.md)",
        "(`python -m conformance matrix --quick` rewrites both).",
        "",
        "| fixtures passed | " + " | ".join(label for _, label in columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for title, cats in groups:
        row = [str(_passed(summary[key], cats)) for key, _ in columns]
        lines.append(f"| {title} ({sizes[title]}) | " + " | ".join(row) + " |")
    others = [(k, v) for k, v in summary.items() if v["language"] != "Python"]
    ran = [(k, v) for k, v in others if not v["skipped"]]
    if ran:
        lines += [
            "",
            "Parsers in other languages and the browser's `EventSource` (fixtures passed; the browser is fed one",
            "write per event block and shows neither `retry` nor timing):",
            "",
            "| parser | " + " | ".join(f"{title} ({sizes[title]})" for title, _ in groups) + " |",
            "|---|" + "---|" * len(groups),
        ]
        for _key, row in ran:
            name = f"{row['label']} {row['version']}".strip() + ("" if row["language"] == "browser" else f" ({row['language']})")
            lines.append(f"| {name} | " + " | ".join(str(_passed(row, cats)) for _, cats in groups) + " |")
    not_run = [k for k, v in summary.items() if v["skipped"]]
    if not_run:
        lines += ["", "Not run when RESULTS.md was generated: " + ", ".join(f"`{k}`" for k in not_run) + "."]
    lines.append(END)
    return "\n".join(lines)


def replace_readme_block(readme: str, block: str) -> str:
    """``readme`` with the text between the markers (markers included) replaced by ``block``."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the README has no {BEGIN} ... {END} block")
    return readme[:start] + block + readme[end + len(END) :]


# -- JSON ------------------------------------------------------------------------------------


def to_json(results: Sequence[ParserResult], fixtures: Sequence[Fixture], config: RunConfig) -> Dict[str, Any]:
    """The matrix as JSON (``"report": "matrix"``; docs/conformance-kit.md, "The JSON report")."""
    categories = categories_of(fixtures)
    return {
        "schema_version": SCHEMA_VERSION,
        "report": "matrix",
        "seed": config.seed,
        "quick": config.quick,
        "categories": categories,
        "parsers": [
            {
                "name": r.key,
                "label": r.label,
                "language": r.language,
                "version": r.version,
                "skipped": r.skipped,
                "categories": {
                    c: dict(zip(("passed", "failed", "timing_only", "skipped"), r.counts([c]))) for c in categories
                },
                "results": [
                    {"fixture": name, "category": v[0], "status": v[1]} for name, v in sorted(r.statuses.items())
                ],
                "failures": [
                    {"rule": g.rule, "symptom": g.symptom, "fixtures": g.fixtures, "minimal": g.repro.fixture, "links": g.links}
                    for g in r.groups
                ],
            }
            for r in results
        ],
    }


# -- command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance matrix", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer chunkings (as run --quick)")
    p.add_argument("--output", type=Path, default=ROOT / "conformance" / "RESULTS.md", help="the Markdown file to write")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the matrix as JSON")
    p.add_argument("--readme", type=Path, default=ROOT / "README.md", help="the README whose tables to rewrite")
    p.add_argument("--no-readme", action="store_true", help="leave the README alone")
    p.add_argument("--fixtures", type=Path, default=None, help=f"fixtures folder (default: {FIXTURES_DIR})")
    p.add_argument("--root", type=Path, default=ROOT, help="where conformance/*/adapters.json are (default: this checkout)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--adapter", action="append", default=None, metavar="NAME", help="only these built-in parsers")
    p.add_argument(
        "--cmd", action="append", default=[], metavar="COMMAND", help="also this --cmd adapter (not in a registry)"
    )
    p.add_argument("--no-browser", action="store_true", help="skip the browser")
    p.add_argument("--chromium", default=None, metavar="PATH")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    try:
        fixtures = list(iter_fixtures(args.fixtures))
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not fixtures:
        print("error: no fixtures", file=sys.stderr)
        return 2
    config = RunConfig(seed=args.seed, quick=args.quick)
    parsers = [p for p in PYTHON_PARSERS if args.adapter is None or p[0] in args.adapter]
    started = time.monotonic()
    results = run_matrix(
        fixtures,
        config,
        args.root,
        parsers,
        browser=not args.no_browser,
        chromium=args.chromium,
        commands=args.cmd,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    seconds = {r.key: r.seconds for r in results if not r.skipped}
    seconds["all"] = time.monotonic() - started
    command = "python -m conformance matrix" + "".join(" " + shlex.quote(a) for a in argv)
    text = render_results(results, fixtures, provenance_lines(results, fixtures, config, command, seconds))
    args.output.write_text(text, encoding="utf-8")
    if args.json is not None:
        args.json.write_text(json.dumps(to_json(results, fixtures, config), indent=2) + "\n", encoding="utf-8")
    if not args.no_readme:
        readme = args.readme.read_text(encoding="utf-8")
        categories, summary = summary_of(results, fixtures)
        args.readme.write_text(replace_readme_block(readme, readme_block(categories, summary)), encoding="utf-8")
    for r in results:
        if r.skipped:
            print(f"skipped {r.key}: {r.skipped}")
        else:
            p, f, t, s = r.counts(list(categories_of(fixtures)))
            print(f"{r.key}: {p} passed, {f} failed ({t} timing only), {s} skipped; {len(r.groups)} distinct failures")
    print(f"wrote {args.output} in {seconds['all']:.0f} s")
    return 0
