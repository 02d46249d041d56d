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
import functools
import json
import re
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .adapters import Adapter, AdapterError, AdapterUnavailable, CommandAdapter, LimitError, make_adapter
from .chunkings import DEFAULT_SEED
from .external import RegistryError, load_external_adapters
from .fixture import FIXTURES_DIR, Fixture, FixtureError, iter_fixtures
from .matrix_report import (
    BEGIN,
    END,
    PROVENANCE_BEGIN,
    PROVENANCE_END,
    TIMING_RULE,
    Group,
    ParserResult,
    Repro,
    categories_of,
    parse_matrix,
    provenance_lines,
    readme_block,
    render_results,
    replace_readme_block,
    summary_of,
    to_json,
)
from .runner import Reference, RunConfig, run_adapter

#: Re-exported from matrix_report, so that ``conformance.matrix`` is the one module to import.
__all__ = [
    "BEGIN",
    "END",
    "KNOWN_ISSUES",
    "PROVENANCE_BEGIN",
    "PROVENANCE_END",
    "TIMING_RULE",
    "Group",
    "ParserResult",
    "Repro",
    "main",
    "parse_matrix",
    "readme_block",
    "render_results",
    "run_matrix",
    "summary_of",
    "to_json",
]

ROOT = Path(__file__).resolve().parent.parent

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
    "httpx_sse": dict.fromkeys(
        ("spec/comment-heartbeat-after-id", "spec/id-without-data-still-set"),
        "https://github.com/florimondmanca/httpx-sse/issues/35",
    ),
    "openai": {
        "spec/bom-stripped": "https://github.com/openai/openai-python/pull/3819",
        "spec/retry-negative-ignored": "https://github.com/openai/openai-python/pull/3844",
    },
    "requests_sse": dict.fromkeys(
        ("framing/crlf-inside-event", "framing/long-event-crlf", "spec/line-end-crlf"),
        "https://github.com/psf/requests/issues/3980",
    ),
}

#: Categories whose fixtures' ``source`` quotes the rule they check.
RULE_CATEGORIES = ("spec", "utf8", "framing", "limits")

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
            Group(
                rule,
                symptom,
                sorted(fx.name for fx in fixtures),
                members[0][1],
                _links(result.key, result.tracker, fixtures),
            )
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
    found = re.search(r"\d+(?:\.\d+)+", report.version)
    result.version = found.group(0) if found else report.version
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
        repro = Repro(
            fx.name, fx.description, fx.source, fx.data, "one write per event block", [], o.expected, o.got, detail
        )
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
        jobs.append((result, functools.partial(make_adapter, key)))
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
        jobs.append((result, functools.partial(CommandAdapter, ext.command())))
    for command in commands:
        result = ParserResult(f"cmd:{command}", command, "--cmd", "", "")
        jobs.append((result, functools.partial(CommandAdapter, command)))
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
        result.label = "Chromium EventSource"
        result.how = "headless Chromium's EventSource, the stream served from 127.0.0.1 (conformance/browser.py)"
        started = time.monotonic()
        run_browser_parser(result, fixtures, chromium)
        result.seconds = time.monotonic() - started
        results.append(result)
    order = {key: i for i, (key, *_rest) in enumerate(python_parsers)}
    results.sort(
        key=lambda r: (
            0 if r.language == "Python" else 2 if r.key == "browser" else 1,
            order.get(r.key, 0),
            r.language,
            r.key,
        )
    )
    return results


# -- command line ----------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance matrix", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer chunkings (as run --quick)")
    p.add_argument(
        "--output", type=Path, default=ROOT / "conformance" / "RESULTS.md", help="the Markdown file to write"
    )
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the matrix as JSON")
    p.add_argument("--readme", type=Path, default=ROOT / "README.md", help="the README whose tables to rewrite")
    p.add_argument("--no-readme", action="store_true", help="leave the README alone")
    p.add_argument("--fixtures", type=Path, default=None, help=f"fixtures folder (default: {FIXTURES_DIR})")
    p.add_argument(
        "--root", type=Path, default=ROOT, help="where conformance/*/adapters.json are (default: this checkout)"
    )
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
