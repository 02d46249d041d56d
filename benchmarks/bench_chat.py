"""Chat-stream benchmark: sse_pplx's chat layer against the openai and perplexityai SDKs' own streaming objects.

What it measures (issue 3's speed bar)
    Decoding *and accumulating* the realistic 5,000-chunk Perplexity stream of
    ``_workloads.perplexity_workload`` (LF and CRLF framing; whole, 4096-byte and
    64-byte chunks), in one process, on the same pre-chunked bytes, with no I/O:

    * ``sse_pplx collect_chat``: ``sse_pplx.collect_chat(chunks)`` -> ``ChatResult``
      (content, citations, search_results, usage, verdict). The reference row.
    * ``sse_pplx iter_chat_chunks``: ``for chunk in sse_pplx.iter_chat_chunks(chunks):
      chunk.choices[0].delta.content`` (the per-chunk attribute-access path), the text
      joined, citations etc. read from ``.result`` at the end.
    * ``floor``: ``sse_pplx.SSEParser()`` (``feed`` per chunk, then ``close``) plus
      ``json.loads(event.data)`` of every payload except ``[DONE]``; nothing else.
    * ``openai.Stream``: the openai SDK's own ``Stream`` object, built as its client builds
      it (``Stream(cast_to=ChatCompletionChunk, response=..., client=OpenAI(...))``) over an
      ``httpx2.Response(200, text/event-stream)`` whose body iterator yields our chunks;
      iterated, ``chunk.choices[0].delta.content`` joined, the last citations /
      search_results (pydantic extras) and usage kept, as a user would.
    * ``openai.Stream + ChatCompletionStreamState``: the same stream, every chunk fed to
      openai's own accumulator (``openai.lib.streaming.chat.ChatCompletionStreamState``),
      then ``get_final_completion()``.
    * ``perplexity.Stream``: the perplexityai SDK's own ``Stream`` (``cast_to=StreamChunk``,
      a ``Perplexity(...)`` client) over an ``httpx.Response``; accumulated like openai's.

    No request is ever sent: the SDK clients point at ``http://127.0.0.1:9`` and the
    streams are constructed directly from in-memory responses. Building the response and
    the stream object is inside the timed region (it is microseconds).

How
    * Before anything is timed, every contender runs once on a short stream (warm-up of
      imports and pydantic's caches).
    * Per cell (stream framing x chunking), each contender's first run is the correctness
      check: its final content text, citations / search_results counts,
      ``usage.total_tokens`` and chunk count are compared with the ground truth computed
      from the workload's JSON payloads (which ``sse_pplx`` must match as well). A
      contender that disagrees is still timed and marked "differs" with a footnote
      explaining the difference.
    * Then up to ``--rounds`` (7) timed rounds. Every round runs every contender, so that
      machine noise is shared: the fast rows (both sse_pplx rows and the floor) back to
      back, the SDK rows as another group; each group's order rotates every round and the
      group that goes first alternates. ``gc.collect()`` before every run, gc enabled
      during it, ``time.perf_counter()`` around the run only. The reported figure is the
      median (the fastest round is shown too).
    * The SDK rows take 1.5-6 s per run, so a row whose first (check) run took at least
      ``--slow-threshold`` (0.5 s) counts that run as a sample, and stops repeating once
      another round would take it past ``--row-budget`` (8 s) in that cell; the table shows
      ``n`` for every row. This keeps the default run near 3 minutes on 2 cores;
      ``--row-budget 0`` gives every row all ``--rounds`` (about 6-7 minutes).
    * Reported per row: ms, chat chunks/s (the 5,001 JSON chunks), MB/s (10^6 input bytes/s)
      and the time relative to ``sse_pplx collect_chat`` in the same cell. Then the two
      bars per cell, as ratios of medians: SDK ``Stream`` time / ``collect_chat`` time
      (target >= 8x) for each SDK, and ``collect_chat`` / floor (target <= 1.5x), the latter
      also as the median of per-round paired ratios and as the ratio of the fastest rounds,
      which are less sensitive to other load on the machine.

Usage
    python benchmarks/bench_chat.py [--quick] [--rounds N] [--json out.json] [--markdown out.md]

The Markdown report goes to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, List, Optional

import _report
from _report import TIMES, Timings, fmt_ratio, progress, rate, ratio_of
from _workloads import CHUNKINGS, Workload, perplexity_workload

FAKE_BASE_URL = "http://127.0.0.1:9"  # never contacted: the streams are built from in-memory responses
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}

REFERENCE = "collect_chat"
FLOOR = "floor"
SDK_BARS = ("openai", "perplexityai")  # the rows the >= 8x bar is about
SDK_TARGET = 8.0
FLOOR_TARGET = 1.5

STREAMS = {"lf": b"\n", "crlf": b"\r\n"}
DEFAULT_CHUNKINGS = ("4096", "whole", "64")
HEADLINE = ("lf", "4096")

# Runtime aliases use typing generics so the benchmarks import on Python 3.8 too.
Runner = Callable[[List[bytes]], Any]


# --- what each contender produced -----------------------------------------------------------


@dataclass
class Outcome:
    """The accumulated result of one stream, normalised for the (untimed) check."""

    content: str
    citations: int
    search_results: int
    total_tokens: Optional[int]
    chunks: int

    def differences(self, truth: Outcome) -> list[str]:
        diffs: list[str] = []
        if self.content != truth.content:
            at = next(
                (i for i, (a, b) in enumerate(zip(self.content, truth.content)) if a != b),
                min(len(self.content), len(truth.content)),
            )
            diffs.append(
                f"content differs ({len(self.content):,} vs {len(truth.content):,} characters, first at {at:,})"
            )
        for name in ("citations", "search_results", "total_tokens", "chunks"):
            mine, want = getattr(self, name), getattr(truth, name)
            if mine != want:
                label = "usage.total_tokens" if name == "total_tokens" else name
                diffs.append(f"{label} {mine} vs {want}")
        return diffs


def accumulate_payloads(objects: list[Any]) -> Outcome:
    """Ground truth (and the floor's check): fold decoded JSON payloads into an Outcome."""
    parts: list[str] = []
    citations: list[Any] = []
    search_results: list[Any] = []
    usage: Any = None
    for obj in objects:
        choices = obj.get("choices") or []
        if choices:
            content = (choices[0].get("delta") or {}).get("content")
            if content:
                parts.append(content)
        citations = obj.get("citations") or citations
        search_results = obj.get("search_results") or search_results
        usage = obj.get("usage") or usage
    return Outcome("".join(parts), len(citations), len(search_results), (usage or {}).get("total_tokens"), len(objects))


def truth_of(workload: Workload) -> Outcome:
    return accumulate_payloads([json.loads(data) for _, data in workload.expected if data != "[DONE]"])


def _count(value: Any) -> int:
    return len(value) if value else 0


def summarize_native(native: Any) -> Outcome:
    """``(content, citations, search_results, usage, n_chunks)`` as every accumulating row returns it."""
    content, citations, search_results, usage, n_chunks = native
    total = None if usage is None else getattr(usage, "total_tokens", None)
    return Outcome(content or "", _count(citations), _count(search_results), total, n_chunks)


# --- contenders -----------------------------------------------------------------------------


@dataclass
class Contender:
    key: str
    label: str
    how: str
    run: Optional[Runner]
    summarize: Callable[[Any], Outcome] = summarize_native
    dists: tuple[str, ...] = ()
    explain: str = ""  # why its output is known to differ, if it does
    skip_reason: str = ""


def sse_pplx_contenders() -> list[Contender]:
    _report.repo_on_path()
    import sse_pplx
    from sse_pplx import SSEParser

    collect_chat = sse_pplx.collect_chat
    iter_chat_chunks = sse_pplx.iter_chat_chunks
    loads = json.loads

    def run_collect(chunks: list[bytes]) -> Any:
        result = collect_chat(chunks)
        return result.content, result.citations, result.search_results, result.usage, result.chunks

    def run_iter(chunks: list[bytes]) -> Any:
        parts: list[str] = []
        append = parts.append
        stream = iter_chat_chunks(chunks)
        for chunk in stream:
            content = chunk.choices[0].delta.content
            if content:
                append(content)
        result = stream.result
        return "".join(parts), result.citations, result.search_results, result.usage, result.chunks

    def run_floor(chunks: list[bytes]) -> Any:
        parser = SSEParser()
        feed = parser.feed
        out: list[Any] = []
        append = out.append
        for chunk in chunks:
            for event in feed(chunk):
                data = event.data
                if data != "[DONE]":
                    append(loads(data))
        for event in parser.close():
            if event.data != "[DONE]":
                append(loads(event.data))
        return out

    return [
        Contender(
            REFERENCE,
            "sse_pplx collect_chat",
            "`sse_pplx.collect_chat(chunks)` -> `ChatResult`; `.content`, `.citations`, `.search_results`, "
            "`.usage` read",
            run_collect,
        ),
        Contender(
            "iter_chat_chunks",
            "sse_pplx iter_chat_chunks",
            "`for chunk in sse_pplx.iter_chat_chunks(chunks)`: `chunk.choices[0].delta.content` appended, "
            "joined; citations, search_results, usage from `.result` at the end",
            run_iter,
        ),
        Contender(
            FLOOR,
            "floor: SSEParser + json.loads",
            "`sse_pplx.SSEParser()`, `feed(chunk)` per chunk then `close()`; `json.loads(event.data)` of every "
            "event except `[DONE]`, appended to a list. Nothing else (no accumulation)",
            run_floor,
            summarize=accumulate_payloads,
        ),
    ]


def _accumulate_sdk_stream(stream: Any) -> Any:
    """What a user of an SDK stream writes: join the text, keep the last metadata."""
    parts: list[str] = []
    append = parts.append
    citations = search_results = usage = None
    n = 0
    for chunk in stream:
        n += 1
        choices = chunk.choices
        if choices:
            content = choices[0].delta.content
            if content:
                append(content)
        value = getattr(chunk, "citations", None)  # openai: a pydantic extra; perplexityai: a field
        if value:
            citations = value
        value = getattr(chunk, "search_results", None)
        if value:
            search_results = value
        if chunk.usage is not None:
            usage = chunk.usage
    return "".join(parts), citations, search_results, usage, n


def openai_contenders(clients: list[Any]) -> list[Contender]:
    dists = ("openai", "httpx2", "pydantic")
    try:
        import openai

        try:
            import httpx2
        except ImportError:  # openai before 3.x (the releases that install on PyPy) is built on httpx
            import httpx as httpx2

            dists = ("openai", "httpx", "pydantic")
        from openai.types.chat import ChatCompletionChunk
    except ImportError as exc:
        return [
            Contender("openai", "openai.Stream", "", None, dists=dists, skip_reason=str(exc)),
            Contender("openai-state", "openai.Stream + StreamState", "", None, dists=dists, skip_reason=str(exc)),
        ]

    try:  # openai's own accumulator came in openai 1.40; older releases (PyPy's) still get the plain stream row
        from openai.lib.streaming.chat import ChatCompletionStreamState
    except ImportError as exc:
        state_missing = f"openai {openai.__version__}: {exc}"
    else:
        state_missing = ""

    try:
        client = openai.OpenAI(api_key="sk-test", base_url=FAKE_BASE_URL, max_retries=0)
    except Exception as exc:  # e.g. openai < 1.55.3 with httpx >= 0.28 (its removed `proxies` argument)
        why = f"openai {openai.__version__}: OpenAI() raised {type(exc).__name__}: {exc}"
        return [
            Contender("openai", "openai.Stream", "", None, dists=dists, skip_reason=why),
            Contender("openai-state", "openai.Stream + StreamState", "", None, dists=dists, skip_reason=why),
        ]
    clients.append(client)
    url = FAKE_BASE_URL + "/chat/completions"

    def stream_of(chunks: list[bytes]) -> Any:
        response = httpx2.Response(200, headers=SSE_HEADERS, content=iter(chunks), request=httpx2.Request("POST", url))
        return openai.Stream(cast_to=ChatCompletionChunk, response=response, client=client)

    def run_stream(chunks: list[bytes]) -> Any:
        return _accumulate_sdk_stream(stream_of(chunks))

    def run_state(chunks: list[bytes]) -> Any:
        state: Any = ChatCompletionStreamState()
        handle = state.handle_chunk
        n = 0
        for chunk in stream_of(chunks):
            n += 1
            handle(chunk)
        final = state.get_final_completion()
        message = final.choices[0].message
        citations = getattr(final, "citations", None)
        search_results = getattr(final, "search_results", None)
        return message.content, citations, search_results, final.usage, n

    driven = (
        "`openai.Stream(cast_to=openai.types.chat.ChatCompletionChunk, response=httpx2.Response(200, "
        "text/event-stream, content=iter(chunks)), client=openai.OpenAI(api_key='sk-test', "
        f"base_url='{FAKE_BASE_URL}'))` (openai 3.x's HTTP layer is `httpx2`)"
    )
    return [
        Contender(
            "openai",
            "openai.Stream",
            driven + "; iterated: `chunk.choices[0].delta.content` appended and joined, the last non-empty "
            "`citations` / `search_results` (pydantic extras, via `getattr`) and the last `usage` kept",
            run_stream,
            dists=dists,
        ),
        Contender(
            "openai-state",
            "openai.Stream + ChatCompletionStreamState",
            "the same `openai.Stream`, every chunk passed to `ChatCompletionStreamState().handle_chunk()`, then "
            "`get_final_completion()`: `.choices[0].message.content`, `.usage`, `citations` / `search_results` "
            "via `getattr`",
            None if state_missing else run_state,
            dists=dists,
            skip_reason=state_missing,
            explain=(
                "openai's `ChatCompletionStreamState` builds its snapshot from the *first* chunk "
                "(`_convert_initial_chunk_into_snapshot`) and afterwards merges only `choices`, `usage`, "
                "`system_fingerprint` and `moderation`: the top-level `citations` and `search_results` that "
                "Perplexity sends in its final chunk are not in `get_final_completion()`. (The content and "
                "usage are right. openai's `client.chat.completions.stream()` helper would in addition skip "
                "that final chunk altogether, since its `object` is `chat.completion.done`, not "
                "`chat.completion.chunk`; here every chunk is fed to `handle_chunk` directly.)"
            ),
        ),
    ]


def perplexity_contenders(clients: list[Any]) -> list[Contender]:
    dists = ("perplexityai", "httpx", "pydantic")
    try:
        import httpx
        import perplexity
        from perplexity.types import StreamChunk
    except ImportError as exc:
        return [Contender("perplexityai", "perplexity.Stream", "", None, dists=dists, skip_reason=str(exc))]

    client = perplexity.Perplexity(api_key="pplx-test", base_url=FAKE_BASE_URL, max_retries=0)
    clients.append(client)
    url = FAKE_BASE_URL + "/chat/completions"

    def run_stream(chunks: list[bytes]) -> Any:
        response = httpx.Response(200, headers=SSE_HEADERS, content=iter(chunks), request=httpx.Request("POST", url))
        return _accumulate_sdk_stream(perplexity.Stream(cast_to=StreamChunk, response=response, client=client))

    return [
        Contender(
            "perplexityai",
            "perplexity.Stream",
            "`perplexity.Stream(cast_to=perplexity.types.StreamChunk, response=httpx.Response(200, "
            "text/event-stream, content=iter(chunks)), client=perplexity.Perplexity(api_key='pplx-test', "
            f"base_url='{FAKE_BASE_URL}'))`; accumulated like `openai.Stream`",
            run_stream,
            dists=dists,
        )
    ]


def all_contenders(clients: list[Any]) -> list[Contender]:
    return [*sse_pplx_contenders(), *openai_contenders(clients), *perplexity_contenders(clients)]


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Policy:
    rounds: int
    slow_threshold: float
    row_budget: float
    warmup: int = 0  # untimed runs of every row after its check run (PyPy's JIT); then the check run never counts


@dataclass
class Row(Timings):
    """One contender on one (stream, chunking) cell."""

    stream: str
    chunking: str
    contender: str
    n_bytes: int
    n_pieces: int
    n_events: int  # the JSON payloads (chat chunks; agent-stream events in bench_responses)
    status: str = "ok"  # ok | error | skipped
    error: str = ""
    times: list[float] = field(default_factory=list)
    first_run: Optional[float] = None
    first_counted: bool = False
    slow: bool = False  # the check run took >= --slow-threshold: the row obeys --row-budget
    spent: float = 0.0
    outcome: Optional[dict[str, Any]] = None
    differences: list[str] = field(default_factory=list)


def timed_run(run: Runner, chunks: list[bytes]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    out = run(chunks)
    return time.perf_counter() - start, out


def wants_more(row: Row, policy: Policy) -> bool:
    if row.status != "ok" or len(row.times) >= policy.rounds:
        return False
    if policy.row_budget <= 0 or not row.slow:
        return True
    typical = statistics.median(row.times) if row.times else (row.first_run or 0.0)
    return row.spent + typical <= policy.row_budget


def warm_up(contenders: list[Contender]) -> None:
    """One untimed run of everyone on a short stream: imports, pydantic caches, first-call costs."""
    small = perplexity_workload(b"\n", n_events=200).body
    chunks = CHUNKINGS["4096"](small)
    for c in contenders:
        if c.run is not None:
            try:
                c.run(chunks)
            except Exception as exc:  # reported per cell
                progress(f"warm-up: {c.label} raised {type(exc).__name__}: {exc}\n")


def measure_cell(
    stream: str, chunking: str, workload: Workload, truth: Outcome, contenders: list[Contender], policy: Policy
) -> list[Row]:
    chunks = CHUNKINGS[chunking](workload.body)
    rows = {c.key: Row(stream, chunking, c.key, len(workload.body), len(chunks), truth.chunks) for c in contenders}
    progress(f"{stream}/{chunking} ({len(chunks):,} pieces): check run\n", prefix=False)
    for c in contenders:
        row = rows[c.key]
        if c.run is None:
            row.status, row.error = "skipped", c.skip_reason
            continue
        try:
            seconds, native = timed_run(c.run, chunks)
        except Exception as exc:
            row.status, row.error = "error", f"{type(exc).__name__}: {exc}"
            progress(f"{c.label}: {row.error}\n")
            continue
        outcome = c.summarize(native)
        del native
        row.outcome = asdict(outcome)
        row.differences = outcome.differences(truth)
        row.first_run = row.spent = seconds
        row.slow = seconds >= policy.slow_threshold
        if row.slow and not policy.warmup:
            row.first_counted = True
            row.times.append(seconds)
        for _ in range(policy.warmup):
            c.run(chunks)
    fast = [c for c in contenders if not rows[c.key].slow]
    run_rounds(rows, contenders, fast, chunks, policy)
    return report_rows(rows, contenders, width=42, digits=1)


def run_rounds(
    rows: dict[str, Row], contenders: list[Any], fast: list[Any], chunks: list[bytes], policy: Policy
) -> None:
    """The timed rounds of one cell (bench_chat and bench_responses), after every row's check run.

    Every round runs every contender. The ``fast`` rows (the sse_pplx rows and the floor) run back
    to back, so that the reference and the floor see the same machine state; each group's order
    rotates every round, and which group goes first alternates.
    """
    runnable = [c for c in contenders if rows[c.key].status == "ok"]
    first = [c for c in runnable if c in fast]
    second = [c for c in runnable if c not in fast]
    for index in range(policy.rounds):
        groups = [_rotated(first, index), _rotated(second, index)]
        if index % 2:
            groups.reverse()
        for c in groups[0] + groups[1]:
            row = rows[c.key]
            if not wants_more(row, policy):
                continue
            assert c.run is not None
            seconds, _ = timed_run(c.run, chunks)
            row.times.append(seconds)
            row.spent += seconds


def report_rows(rows: dict[str, Row], contenders: list[Any], width: int, digits: int) -> list[Row]:
    """Each row's median to stderr; the rows in the contenders' order."""
    for c in contenders:
        row = rows[c.key]
        if row.median is not None:
            mark = "  DIFFERS" if row.differences else ""
            progress(f"{c.label:<{width}} {row.median * 1e3:9.{digits}f} ms  (n={len(row.times)}){mark}\n")
    return [rows[c.key] for c in contenders]


def _rotated(items: list[Any], by: int) -> list[Any]:
    if not items:
        return items
    by %= len(items)
    return items[by:] + items[:by]


# --- reporting ------------------------------------------------------------------------------


def _cell_name(stream: str, chunking: str) -> str:
    return f"{stream.upper()} / {chunking}"


def compute_bars(rows: list[Row], cells: list[tuple[str, str]]) -> list[dict[str, Any]]:
    by_key = {(r.stream, r.chunking, r.contender): r for r in rows}
    bars: list[dict[str, Any]] = []
    for stream, chunking in cells:

        def median(key: str, s: str = stream, c: str = chunking) -> Optional[float]:
            row = by_key.get((s, c, key))
            return None if row is None else row.median

        ours = median(REFERENCE)
        entry: dict[str, Any] = {"stream": stream, "chunking": chunking}
        for sdk in SDK_BARS:
            ratio = ratio_of(median(sdk), ours)
            entry[f"{sdk}_over_sse_pplx"] = ratio
            entry[f"{sdk}_meets"] = None if ratio is None else ratio >= SDK_TARGET
        ratio = ratio_of(median("openai-state"), ours)
        entry["openai-state_over_sse_pplx"] = ratio
        ratio = ratio_of(ours, median(FLOOR))
        entry["sse_pplx_over_floor"] = ratio
        entry["floor_meets"] = None if ratio is None else ratio <= FLOOR_TARGET
        ref, floor = by_key.get((stream, chunking, REFERENCE)), by_key.get((stream, chunking, FLOOR))
        entry["sse_pplx_over_floor_paired"] = _paired_ratio(ref, floor)
        entry["sse_pplx_over_floor_best"] = ratio_of(ref and ref.best, floor and floor.best)
        bars.append(entry)
    return bars


def _paired_ratio(a: Optional[Row], b: Optional[Row]) -> Optional[float]:
    """Median over rounds of a's time / b's time in the same round (both fast rows: one sample per round)."""
    if a is None or b is None or a.first_counted or b.first_counted or len(a.times) != len(b.times) or not a.times:
        return None
    return statistics.median(x / y for x, y in zip(a.times, b.times))


class Notes:
    """Numbered footnotes; the same finding for the same row in several cells is one note."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], list[str]] = {}

    def add(self, label: str, cell: str, text: str) -> int:
        cells = self.items.setdefault((label, text), [])
        cells.append(cell)
        return list(self.items).index((label, text)) + 1

    def render(self) -> list[str]:
        return [
            f"{i}. {label} on {', '.join(cells)}: {text}"
            for i, ((label, text), cells) in enumerate(self.items.items(), 1)
        ]


def rounds_line(meta: dict[str, Any]) -> str:
    """How the rounds were run (``Policy``), as bench_chat and bench_responses report it."""
    warmup = f"{meta['warmup']} untimed run(s) per row after its check run, then " if meta.get("warmup") else ""
    counted = "" if meta.get("warmup") else "count it and "
    return (
        f"- rounds: {warmup}median of up to {meta['rounds']} timed rounds per row, round-robin; rows whose check run "
        f"took ≥ {meta['slow_threshold_s']:g} s {counted}stop before exceeding "
        f"{meta['row_budget_s']:g} s per cell (`n` = rounds behind the median)"
    )


def contender_lines(contenders: list[Any]) -> list[str]:
    """The skipped contenders and the "how it is driven" table (bench_chat and bench_responses)."""
    lines = [f"- skipped: {c.label} ({c.skip_reason})" for c in contenders if c.run is None]
    lines += ["", "## Contenders", "", "| row | how it is driven |", "|---|---|"]
    return lines + [f"| {c.label} | {c.how or '-'} |" for c in contenders]


def results_lines(
    rows: list[Row],
    contenders: list[Any],
    cells: list[tuple[str, str]],
    cell_name: Callable[[str, str], str],
    notes: Notes,
    per_second: str,
    digits: int,
    counts_events: Callable[[str], bool] = lambda key: True,
) -> list[str]:
    """The results table: a line per cell and contender, relative to the first contender (the reference).

    Differences and errors become numbered notes, with the contender's ``explain`` appended;
    ``counts_events(key)`` false leaves that row's rate empty (rows that decode nothing).
    """
    reference = contenders[0]
    by_key = {(r.stream, r.chunking, r.contender): r for r in rows}
    lines = [
        "",
        "## Results",
        "",
        f"| stream / chunks | row | ms | best ms | {per_second} | MB/s | vs {reference.key} | n | check |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for stream, chunking in cells:
        ref = by_key.get((stream, chunking, reference.key))
        ref_median = ref.median if ref else None
        for c in contenders:
            row = by_key[(stream, chunking, c.key)]
            name = f"{cell_name(stream, chunking)} ({row.n_pieces:,} pieces)"
            explain = f". {c.explain}" if c.explain else ""
            if row.status == "skipped":
                lines.append(f"| {name} | {c.label} | n/a | | | | | | skipped |")
                continue
            if row.status == "error":
                number = notes.add(c.label, cell_name(stream, chunking), f"raised {row.error}{explain}")
                lines.append(f"| {name} | {c.label} | error [{number}] | | | | | | |")
                continue
            seconds = row.median or float("nan")
            relative = "ref" if c is reference else fmt_ratio(ratio_of(seconds, ref_median))
            check = "ok"
            if row.differences:
                number = notes.add(c.label, cell_name(stream, chunking), "; ".join(row.differences) + explain)
                check = f"**differs** [{number}]"
            events = rate(row.n_events / seconds) if counts_events(c.key) else ""
            lines.append(
                f"| {name} | {c.label} | {seconds * 1e3:.{digits}f} | {(row.best or seconds) * 1e3:.{digits}f} | "
                f"{events} | {row.n_bytes / seconds / 1e6:.1f} | {relative} | {len(row.times)} | {check} |"
            )
    return lines


def floor_cell(bar: dict[str, Any]) -> str:
    """The floor bar's cell: the ratio of medians with its verdict, then the paired and best ratios."""
    return (
        f"{_report.verdict(bar['sse_pplx_over_floor'], bar['floor_meets'])}"
        f" (paired {fmt_ratio(bar['sse_pplx_over_floor_paired'])}, best {fmt_ratio(bar['sse_pplx_over_floor_best'])})"
    )


def markdown_report(
    rows: list[Row],
    contenders: list[Contender],
    cells: list[tuple[str, str]],
    workloads: dict[str, Workload],
    truths: dict[str, Outcome],
    bars: list[dict[str, Any]],
    meta: dict[str, Any],
    cold: Optional[list[ColdRow]] = None,
) -> str:
    labels = {c.key: c.label for c in contenders}
    lines = [
        _report.title("Chat-stream benchmark: sse_pplx vs the openai / perplexityai SDK streaming objects", meta),
        "",
        *_report.header_lines(meta),
        rounds_line(meta),
    ]
    for stream, workload in workloads.items():
        truth = truths[stream]
        lines.append(
            f"- `{workload.name}`: {len(workload.body):,} bytes, {truth.chunks:,} chat chunks + `[DONE]` — "
            f"{workload.description}; accumulated: {len(truth.content):,} characters of content, "
            f"{truth.citations} citations, {truth.search_results} search results, "
            f"usage.total_tokens {truth.total_tokens}"
        )
    notes = Notes()
    lines += contender_lines(contenders)
    lines += results_lines(rows, contenders, cells, _cell_name, notes, per_second="chat chunks/s", digits=1)
    lines += [
        "",
        "ms = median time for the whole stream, best ms = the fastest round; "
        "chat chunks/s = the stream's JSON chunks (`[DONE]` not counted) "
        "per second; MB/s = 10^6 input bytes per second; vs collect_chat = time / `sse_pplx collect_chat`'s in "
        "the same cell (> 1 = slower). check = the final content text, citations and search-results counts, "
        "`usage.total_tokens` and number of chunks against the ground truth from the workload's JSON "
        "(`sse_pplx collect_chat` is held to the same truth).",
        "",
        "## The bars",
        "",
        f"| stream / chunks | openai.Stream / collect_chat (≥ {SDK_TARGET:g}{TIMES}) | "
        f"perplexity.Stream / collect_chat (≥ {SDK_TARGET:g}{TIMES}) | "
        f"collect_chat / floor (≤ {FLOOR_TARGET:g}{TIMES}) | openai StreamState / collect_chat (info) |",
        "|---|--:|--:|--:|--:|",
    ]

    for bar in bars:
        lines.append(
            f"| {_cell_name(bar['stream'], bar['chunking'])} | "
            f"{_report.verdict(bar['openai_over_sse_pplx'], bar['openai_meets'])} | "
            f"{_report.verdict(bar['perplexityai_over_sse_pplx'], bar['perplexityai_meets'])} | "
            f"{floor_cell(bar)} | "
            f"{fmt_ratio(bar['openai-state_over_sse_pplx'])} |"
        )
    lines += [
        "",
        "Bars are ratios of the medians; ✓ = meets the target. For the floor bar, *paired* is the median over "
        "rounds of collect_chat / floor timed back to back in the same round, *best* the ratio of the fastest "
        "rounds: both are less sensitive to other load on the machine than the ratio of medians.",
        "",
    ]
    lines += summary_lines(bars, labels, REFERENCE, SDK_BARS, HEADLINE, _cell_name)
    if meta.get("busy"):
        lines.append(f"- **caution**: {meta['busy']}")
    if notes.items:
        lines += ["", "Notes:"]
        lines += notes.render()
    if cold:
        lines += cold_lines(cold, contenders, rows, meta["cold"])
    lines += ["", f"- total benchmark wall time: {meta['wall_time_s']:.0f} s"]
    return "\n".join(lines) + "\n"


def _tally(met: int, total: int) -> str:
    return f"**met** in {met}/{total} cells" if met == total else f"**missed**: met in {met}/{total} cells"


def summary_lines(
    bars: list[dict[str, Any]],
    labels: dict[str, str],
    reference: str,
    sdks: tuple[str, ...],
    headline: tuple[str, str],
    cell_name: Callable[[str, str], str],
) -> list[str]:
    """The bars summed up (bench_chat and bench_responses): the headline cell, then each bar over all cells.

    Where the bars carry ``<sdk>_over_floor`` and the floor itself is less than the SDK target
    faster than that SDK, the line says so: there even a decoder at the floor would miss the bar.
    """
    lines: list[str] = []
    top = next((b for b in bars if (b["stream"], b["chunking"]) == headline), None)
    if top is not None:
        parts = []
        for sdk in sdks:
            ratio = top[f"{sdk}_over_sse_pplx"]
            if ratio is not None:
                parts.append(f"{labels.get(sdk, sdk)} / {reference} **{ratio:.1f}{TIMES}**")
        ratio = top["sse_pplx_over_floor"]
        if ratio is not None:
            parts.append(f"{reference} / floor **{ratio:.2f}{TIMES}**")
        lines.append(f"- {cell_name(*headline)} (the headline cell): " + "; ".join(parts))
    for sdk in sdks:
        ratios = [b[f"{sdk}_over_sse_pplx"] for b in bars if b[f"{sdk}_over_sse_pplx"] is not None]
        if ratios:
            met = sum(r >= SDK_TARGET for r in ratios)
            floors = [b[f"{sdk}_over_floor"] for b in bars if b.get(f"{sdk}_over_floor") is not None]
            reach = ""
            if floors and min(floors) < SDK_TARGET:
                reach = (
                    f"; the floor itself is {min(floors):.1f}{TIMES}-{max(floors):.1f}{TIMES} faster than {sdk}: "
                    f"less than {SDK_TARGET:g}{TIMES} in {sum(f < SDK_TARGET for f in floors)}/{len(floors)} cells, "
                    "where even a decoder as fast as the floor would miss this bar"
                )
            lines.append(
                f"- ≥ {SDK_TARGET:g}{TIMES} faster than {labels.get(sdk, sdk)}: {_tally(met, len(ratios))} "
                f"(lowest {min(ratios):.1f}{TIMES}, highest {max(ratios):.1f}{TIMES}){reach}"
            )
    for key, how in (("", "ratio of medians"), ("_paired", "paired per round"), ("_best", "best rounds")):
        ratios = [b["sse_pplx_over_floor" + key] for b in bars if b["sse_pplx_over_floor" + key] is not None]
        if ratios:
            met = sum(r <= FLOOR_TARGET for r in ratios)
            lines.append(
                f"- {reference} within {FLOOR_TARGET:g}{TIMES} of the floor ({how}): "
                f"{_tally(met, len(ratios))} "
                f"(highest {max(ratios):.2f}{TIMES}, lowest {min(ratios):.2f}{TIMES})"
            )
    return lines


# --- cold: the first run in a fresh process -------------------------------------------------


@dataclass
class ColdRow(Timings):
    """One contender's first run on one cell, in ``--cold`` fresh processes."""

    stream: str
    chunking: str
    contender: str
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)


def measure_cold(cells: list[tuple[str, str]], contenders: list[Contender], repeats: int) -> list[ColdRow]:
    """Every runnable contender on every cell, ``repeats`` fresh processes each timing one run."""
    out: list[ColdRow] = []
    for stream, chunking in cells:
        progress(f"{stream}/{chunking}: cold, {repeats} fresh process(es) per row\n", prefix=False)
        for c in contenders:
            if c.run is None:
                continue
            row = ColdRow(stream, chunking, c.key)
            arguments = ["--cold-child", c.key, "--streams", stream, "--chunkings", chunking]
            for result in _report.cold_runs(Path(__file__), arguments, repeats, timeout=600.0):
                if "error" in result:
                    row.errors.append(result["error"])
                    continue
                row.times.append(result["seconds"])
                row.differences = result["differences"]
            if row.median is not None:
                progress(f"{c.label:<42} {row.median * 1e3:9.1f} ms cold (n={len(row.times)})\n")
            out.append(row)
    return out


def cold_child(key: str, stream: str, chunking: str) -> int:
    """``--cold-child KEY``: one timed run of one contender in this fresh process, as one JSON line.

    Imports and the SDK client are set up first (untimed); the run is the process's first on
    any stream: no warm-up, so on PyPy nothing of the contender's code is compiled yet.
    """
    clients: list[Any] = []
    if key in (REFERENCE, "iter_chat_chunks", FLOOR):
        family = sse_pplx_contenders()
    elif key.startswith("openai"):
        family = openai_contenders(clients)
    else:
        family = perplexity_contenders(clients)
    contender = next(c for c in family if c.key == key)
    if contender.run is None:
        raise SystemExit(f"{contender.label} skipped: {contender.skip_reason}")
    workload = perplexity_workload(STREAMS[stream])
    chunks = CHUNKINGS[chunking](workload.body)
    seconds, native = timed_run(contender.run, chunks)
    differences = contender.summarize(native).differences(truth_of(workload))
    for client in clients:
        client.close()
    _report.emit_child_result({"seconds": seconds, "differences": differences})
    return 0


def cold_lines(cold: list[ColdRow], contenders: list[Contender], rows: list[Row], repeats: int) -> list[str]:
    """The cold table: each row's first run in a fresh process, against collect_chat's and its own warm time."""
    labels = {c.key: c.label for c in contenders}
    warm = {(r.stream, r.chunking, r.contender): r.median for r in rows}
    refs = {(r.stream, r.chunking): r.median for r in cold if r.contender == REFERENCE}
    lines = [
        "",
        f"## Cold: the first run in a fresh process (median of {repeats} processes)",
        "",
        "| stream / chunks | row | cold ms | fastest / slowest ms | vs collect_chat (cold) | warm ms | cold / warm "
        "| check |",
        "|---|---|--:|--:|--:|--:|--:|---|",
    ]
    for r in cold:
        name, label = _cell_name(r.stream, r.chunking), labels[r.contender]
        if r.median is None:
            lines.append(f"| {name} | {label} | error | | | | | {'; '.join(sorted(set(r.errors)))} |")
            continue
        warm_median = warm.get((r.stream, r.chunking, r.contender))
        ref = refs.get((r.stream, r.chunking))
        relative = "ref" if r.contender == REFERENCE else fmt_ratio(ratio_of(r.median, ref))
        check = "**differs**: " + "; ".join(r.differences) if r.differences else "ok"
        if r.errors:
            check += f" ({len(r.errors)} process(es) failed: {r.errors[0]})"
        lines.append(
            f"| {name} | {label} | {r.median * 1e3:.1f} | {min(r.times) * 1e3:.1f} / {max(r.times) * 1e3:.1f} | "
            f"{relative} | {'n/a' if warm_median is None else f'{warm_median * 1e3:.1f}'} | "
            f"{fmt_ratio(ratio_of(r.median, warm_median))} |"
            f" {check} |"
        )
    lines += [
        "",
        "cold = a fresh process (imports and the SDK client set up first, untimed) timing its first run on the "
        "cell's bytes, with no warm-up: what a short-lived process sees, and on PyPy the time before the JIT has "
        "compiled the contender's code. warm = the median of the timed rounds above. cold / warm > 1 is the "
        "warm-up cost.",
    ]
    return lines


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 timed round per row (smoke test, ~1 min)")
    add_round_options(parser)
    parser.add_argument("--streams", default="lf,crlf", help="comma list from lf,crlf (default lf,crlf)")
    parser.add_argument(
        "--chunkings",
        default=",".join(DEFAULT_CHUNKINGS),
        help=f"comma list from {','.join(CHUNKINGS)} (default {','.join(DEFAULT_CHUNKINGS)})",
    )
    parser.add_argument(
        "--contenders",
        help="comma list of row keys to run (collect_chat is always run): "
        "iter_chat_chunks,floor,openai,openai-state,perplexityai",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=0,
        help="untimed runs of every row per cell after its check run (for PyPy's JIT; default 0)",
    )
    parser.add_argument(
        "--cold",
        type=int,
        default=0,
        metavar="R",
        help="also time every row's first run in R fresh processes per cell (default 0: no cold table)",
    )
    _report.add_output_options(parser)
    parser.add_argument("--cold-child", metavar="KEY", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warmup < 0 or args.cold < 0:
        parser.error("--warmup and --cold must be at least 0")
    return check_cells(parser, args, STREAMS)


def add_round_options(parser: argparse.ArgumentParser) -> None:
    """--rounds, --slow-threshold, --row-budget: the ``Policy`` (bench_chat and bench_responses)."""
    parser.add_argument("--rounds", type=int, default=None, help="timed rounds per row (default 7; 1 with --quick)")
    parser.add_argument(
        "--slow-threshold",
        type=float,
        default=0.5,
        help="check-run seconds from which a row counts its check run and obeys --row-budget (default 0.5)",
    )
    parser.add_argument(
        "--row-budget",
        type=float,
        default=8.0,
        help="seconds a slow row may spend per cell before it stops repeating; 0 = no limit (default 8)",
    )


def check_cells(parser: argparse.ArgumentParser, args: argparse.Namespace, streams: Any) -> argparse.Namespace:
    """Default --rounds (1 with --quick, else 7); --streams and --chunkings as checked lists."""
    if args.rounds is None:
        args.rounds = 1 if args.quick else 7
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.streams = args.streams.split(",")
    args.chunkings = args.chunkings.split(",")
    for name in args.streams:
        if name not in streams:
            parser.error(f"unknown stream: {name}")
    for name in args.chunkings:
        if name not in CHUNKINGS:
            parser.error(f"unknown chunking: {name}")
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    if args.cold_child:
        return cold_child(args.cold_child, args.streams[0], args.chunkings[0])
    policy = Policy(args.rounds, args.slow_threshold, args.row_budget, args.warmup)
    clients: list[Any] = []
    contenders = _report.select(all_contenders(clients), args.contenders, REFERENCE, key=lambda c: c.key)
    meta = _report.run_metadata(
        (d for c in contenders for d in c.dists),
        rounds=policy.rounds,
        slow_threshold_s=policy.slow_threshold,
        row_budget_s=policy.row_budget,
        warmup=policy.warmup,
        cold=args.cold,
        quick=args.quick,
    )
    started = time.perf_counter()
    progress("warm-up\n", prefix=False)
    warm_up(contenders)
    workloads = {s: perplexity_workload(STREAMS[s]) for s in args.streams}
    truths = {s: truth_of(w) for s, w in workloads.items()}
    cells = [(s, c) for s in args.streams for c in args.chunkings]
    rows: list[Row] = []
    for stream, chunking in cells:
        rows += measure_cell(stream, chunking, workloads[stream], truths[stream], contenders, policy)
    for client in clients:
        client.close()
    cold = measure_cold(cells, contenders, args.cold) if args.cold else []
    _report.finish_metadata(meta, started)
    bars = compute_bars(rows, cells)
    report = markdown_report(rows, contenders, cells, workloads, truths, bars, meta, cold)
    payload = {
        "meta": meta,
        "contenders": [
            {"key": c.key, "label": c.label, "how": c.how, "skipped": c.skip_reason or None} for c in contenders
        ],
        "truth": {s: asdict(t) for s, t in truths.items()},
        "rows": [{**asdict(r), "median": r.median} for r in rows],
        "bars": bars,
        "cold": [{**asdict(r), "median": r.median} for r in cold],
    }
    _report.write_outputs(report, args.markdown, args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
