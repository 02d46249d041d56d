"""RESULTS.md, the README's conformance tables and the matrix JSON, from :mod:`conformance.matrix`'s results.

The data: a :class:`ParserResult` per parser, with its groups of failing
fixtures (:class:`Group`), each with a minimal reproduction (:class:`Repro`).
How it is written: :func:`render_results` (the whole RESULTS.md; everything is
sorted, so equal inputs give equal bytes apart from :func:`provenance_lines`),
:func:`parse_matrix` (the figures back from a RESULTS.md), :func:`readme_block`
(the README's tables from those figures) and :func:`to_json` (``"report":
"matrix"``, ``report.schema.json``).  Standard library only.
"""

from __future__ import annotations

import datetime
import json
import platform
import re
import subprocess
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .fixture import Fixture
from .runner import RunConfig

__all__ = [
    "BEGIN",
    "END",
    "Group",
    "ParserResult",
    "Repro",
    "parse_matrix",
    "readme_block",
    "render_results",
    "replace_readme_block",
    "summary_of",
    "to_json",
]

SCHEMA_VERSION = 1
BEGIN, END = "<!-- conformance:begin -->", "<!-- conformance:end -->"
PROVENANCE_BEGIN, PROVENANCE_END = "<!-- provenance:begin -->", "<!-- provenance:end -->"

#: The built-in Python parsers: (adapter name, label, distribution, tracker).
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


def _tool_version(argv: List[str]) -> str:
    try:
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.decode("utf-8", "replace").strip().splitlines()[0] if out.stdout.strip() else ""


# -- RESULTS.md ------------------------------------------------------------------------------

#: How the README names a registry's language.
LANGUAGES = {"node": "Node", "go": "Go"}
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


def _event_text(event: Dict[str, Any], limit: int = 240) -> str:
    text = json.dumps(event, ensure_ascii=True)
    return text if len(text) <= limit else text[: limit - 5] + " ...}"


def _events_text(events: Optional[List[Dict[str, Any]]], start: int, indent: str, count: int = 4) -> str:
    """Events ``start`` to ``start + count``, one a line, each cut at 240 characters."""
    if events is None:
        return "(nothing: the page reported no result)"
    if not events:
        return "[]"
    lines = [_event_text(e) for e in events[start : start + count]] or ["(none from here)"]
    if start:
        lines.insert(0, f"... {start} event(s) as expected, not shown")
    if len(events) > start + count:
        lines.append(f"... {len(events) - start - count} more")
    return ("\n" + indent).join(lines)


def _first_difference(expected: List[Dict[str, Any]], got: Optional[List[Dict[str, Any]]]) -> int:
    """Where to start showing the events: one before the first that differs."""
    if not got:
        return 0
    for i, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            return max(0, i - 1)
    return max(0, min(len(expected), len(got)) - 1)


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
    start = _first_difference(repro.expected, repro.got)
    lines.append(f"expected: {_events_text(repro.expected, start, ' ' * 10)}")
    lines.append(f"got:      {_events_text(repro.got, start, ' ' * 10)}")
    if repro.detail:
        lines.append(f"runner:   {repro.detail if len(repro.detail) <= 400 else repro.detail[:397] + '...'}")
    lines.append("```")
    return lines


def _rule_title(rule: str, limit: int = 100) -> str:
    """The rule, short, for a group's title: empty for a failure that is one wherever it shows."""
    if not rule:
        return ""
    if rule == TIMING_RULE:
        return ": timing"
    rule = rule.replace("WHATWG HTML §9.2.6 (Interpreting an event stream)", "§9.2.6")
    return ": " + (rule if len(rule) <= limit else rule[: rule.rfind(" ", 0, limit)] + " ...")


def _cell(counts: Tuple[int, int, int, int]) -> str:
    passed, failed, timing, skipped = counts
    return f"{passed} / {failed} ({timing}) / {skipped}"


def _name(r: ParserResult) -> str:
    return f"{r.label} {r.version}".strip()


def provenance_lines(
    results: Sequence[ParserResult],
    fixtures: Sequence[Fixture],
    config: RunConfig,
    command: str,
    seconds: Dict[str, float],
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
        tools.append(
            f"Chromium {browser[0].version}" if browser[0].version else f"Chromium: not run ({browser[0].skipped})"
        )
    packages = ", ".join(f"{r.label} {r.version}" for r in results if r.version and r.key != "browser")
    counts = ", ".join(f"{c} {n}" for c, n in categories_of(fixtures).items())
    timing = ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items())
    chunkings = "quick (whole, byte by byte, every split up to 16 bytes, 3 UTF-8 and 3 CR/LF cuts, recorded, 2 random)"
    return [
        PROVENANCE_BEGIN,
        f"- Generated {now} by `{command}`",
        f"- Tools: {'; '.join(tools)}",
        f"- Packages: {packages}",
        f"- Fixtures: {len(fixtures)} ({counts}); seed {config.seed}; "
        f"chunkings: {chunkings if config.quick else 'all'}",
        f"- Wall time: {timing}",
        PROVENANCE_END,
    ]


def render_results(results: Sequence[ParserResult], fixtures: Sequence[Fixture], provenance: Sequence[str]) -> str:
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
        "| parser | name | language | version | "
        + " | ".join(f"{c} ({n})" for c, n in categories.items())
        + " | total |",
        "|---|---|---|---|" + "---|" * (len(categories) + 1),
    ]
    for r in results:
        cells = (
            [NOT_RUN] * (len(categories) + 1)
            if r.skipped
            else [_cell(r.counts([c])) for c in categories] + [_cell(r.counts(list(categories)))]
        )
        version = r.version.replace("|", "/")
        lines.append(f"| `{r.key}` | {r.label} | {r.language} | {version} | " + " | ".join(cells) + " |")
    skipped = [r for r in results if r.skipped]
    if skipped:
        lines += [
            "",
            "Not run here (each is skipped, with its reason, until its runtime and packages are installed):",
            "",
        ]
        lines += [f"- `{r.key}` ({r.language} {r.version}): {r.skipped}" for r in skipped]
    lines += ["", "## How each parser is driven", ""]
    for r in results:
        how = r.how or r.skipped
        extra = f" {r.notes}" if r.notes else ""
        tracker = f" Tracker: {r.tracker}" if r.tracker else ""
        lines.append(f"- `{r.key}`: {how}{'' if how.endswith('.') else '.'}{extra}{tracker}")
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
            plural = "s" if len(g.fixtures) != 1 else ""
            lines += ["", f"**{i}. {g.symptom}**{_rule_title(g.rule)} ({len(g.fixtures)} fixture{plural})", ""]
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
        summary[key] = {
            "label": cells[1],
            "language": cells[2],
            "version": cells[3],
            "skipped": skipped,
            "counts": counts,
        }
    return categories, summary


def _passed(row: Dict[str, Any], cats: Sequence[str]) -> int:
    return sum(row["counts"].get(c, (0, 0, 0, 0))[0] for c in cats)


def readme_block(categories: Dict[str, int], summary: Summary) -> str:
    """The README's conformance tables (between the markers), from the matrix's figures."""
    groups = [(title, [c for c in key.split("+") if c in categories]) for key, title in CATEGORY_TITLES]
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
        cells = [str(_passed(summary[key], cats)) for key, _ in columns]
        lines.append(f"| {title} ({sizes[title]}) | " + " | ".join(cells) + " |")
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
            name = f"{row['label']} {row['version']}".strip() + (
                "" if row["language"] == "browser" else f" ({LANGUAGES.get(row['language'], row['language'])})"
            )
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
                    {
                        "rule": g.rule,
                        "symptom": g.symptom,
                        "fixtures": g.fixtures,
                        "minimal": g.repro.fixture,
                        "links": g.links,
                    }
                    for g in r.groups
                ],
            }
            for r in results
        ],
    }
