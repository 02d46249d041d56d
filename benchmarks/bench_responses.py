"""Agent-stream benchmark: sse_pplx's Responses layer against the perplexityai and openai SDKs' own streaming objects.

What it measures (the Responses issue's speed bar)
    Decoding *and accumulating* a realistic Perplexity Agent API stream,
    ``conformance.response_examples.agent_stream(deltas)`` (``response.created``,
    ``response.in_progress``, search activity, ``deltas`` text deltas with non-ASCII text and
    citation markers, ``output_text.done``, ``output_item.done``, a final ``response.completed``
    with the whole output and usage), with and without ``event:`` lines, cut into whole,
    4096-byte and 64-byte chunks, in one process, on the same pre-chunked bytes:

    * ``sse_pplx collect_response``: ``sse_pplx.responses.collect_response(chunks)`` ->
      ``ResponseResult``; every run asserts ``output_text`` and ``status == "completed"``.
      The reference row.
    * ``sse_pplx iter_response_events``: ``for event in iter_response_events(chunks)``, the
      consumer loop below (``event.delta`` of each text delta joined, ``event.response`` of
      ``response.completed`` kept); every run asserts the text and the status too.
    * ``floor``: ``sse_pplx.SSEParser()`` (``feed`` per chunk, then ``close``) plus
      ``json.loads(event.data)`` of every event; nothing else.
    * ``SSEParser only`` (information): the floor without ``json.loads``.
    * ``perplexityai``: ``perplexity.Perplexity(http_client=httpx.Client(transport=
      httpx.MockTransport(...)))``, ``client.responses.create(..., stream=True)``: the SDK's
      request path, its ``Stream`` and its pydantic event models; iterated with the same
      consumer loop.
    * ``openai``: ``openai.OpenAI(base_url=.../v1, http_client=httpx2.Client(transport=
      httpx2.MockTransport(...)))`` (openai 3.x's HTTP layer is ``httpx2``),
      ``client.responses.create(..., stream=True)``, the same loop.
    * ``openai responses.stream()`` (information): ``with client.responses.stream(...) as s``,
      the same loop, then ``s.get_final_response()`` (openai's own accumulator).
    * ``<sdk> request + transport only``: ``client.responses.with_streaming_response.create(
      ..., stream=True)`` and ``response.iter_bytes()`` over the same MockTransport response:
      everything the SDK row does except decoding SSE and building event models. Subtracting
      it from the SDK row gives the SDK figure without the (mocked) HTTP layer.

    The MockTransport handler answers every request with ``200 text/event-stream`` whose body
    iterator yields the cell's chunks (httpx passes them on unchanged). No socket is opened.

    The consumer loop (what the SDKs' docs show, and what a streaming UI does)::

        for event in stream:
            if event.type == "response.output_text.delta": parts.append(event.delta)
            elif event.type == "response.completed": final = event.response
            elif event.type == "response.reasoning.search_results": results = event.results

How
    * Every contender first runs once, untimed, on each stream in 4096-byte chunks (warm-up of
      imports and pydantic's caches).
    * Per cell (stream framing x chunking), each contender's first run is the correctness
      check: the streamed text, the final response's ``output_text``, its ``status``,
      ``usage.total_tokens``, the number of events and of search results are compared with the
      ground truth computed from the workload's JSON payloads (whose text must equal
      ``expected_text(deltas)``). An sse_pplx row that disagrees stops the benchmark (exit
      status 1); a peer that disagrees is still timed and marked "differs" with a footnote; a
      peer that raises is reported as an error with the exception.
    * Then up to ``--rounds`` (7) timed rounds, as ``bench_chat.py`` does: every round runs every
      contender, the sse_pplx rows and the floor back to back, the SDK rows as another group,
      each group's order rotating and the first group alternating; ``gc.collect()`` before
      every run, gc enabled, ``time.perf_counter()`` around the run only. A row whose check run
      took at least ``--slow-threshold`` (0.5 s) counts it and stops before ``--row-budget``
      (8 s) per cell. The median is reported, and the fastest round.
    * Reported per row: ms per stream, events/s (the stream's JSON events), MB/s and the time
      relative to ``collect_response``. Then per cell the bars, as ratios of medians:
      SDK / ``collect_response`` (target >= 8x), also without the SDK's request + transport
      time, and ``collect_response`` / floor (target <= 1.5x), also paired per round and as
      the ratio of the fastest rounds; and for information ``iter_response_events`` / floor
      and SDK / floor (the most an implementation at the floor could show against that SDK).
    * Where sse_pplx's time goes, per event and per cell, from the nested rows: SSEParser only;
      + ``json.loads`` (floor); + decoding and accumulating (``collect_response``); + typed events
      and the loop (``iter_response_events``).
    * ``--profile N`` appends a cProfile (top N by own time) of one ``collect_response`` and one
      ``iter_response_events`` run on the first cell.

Usage
    python benchmarks/bench_responses.py [--quick] [--rounds N] [--json out.json] [--markdown out.md]

The Markdown report goes to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any, Callable, ClassVar, List, Optional

import _report
from _report import TIMES, fmt_ratio, progress, ratio_of
from _workloads import CHUNKINGS
from bench_chat import (
    Notes,
    Policy,
    Row,
    _paired_ratio,
    add_round_options,
    check_cells,
    contender_lines,
    floor_cell,
    report_rows,
    results_lines,
    rounds_line,
    run_rounds,
    summary_lines,
    timed_run,
)

FAKE_BASE_URL = "http://127.0.0.1:9"  # never contacted: every request is answered by an httpx MockTransport
SSE_HEADERS = {"content-type": "text/event-stream; charset=utf-8"}
REQUEST = {"input": "Why are there two tides a day?", "model": "perplexity/sonar"}

REFERENCE = "collect_response"
FLOOR = "floor"
OURS = ("collect_response", "iter_response_events")  # rows that must decode right, or the run stops
SDK_BARS = ("perplexityai", "openai")  # the rows the >= 8x bar is about
SDK_TARGET = 8.0
FLOOR_TARGET = 1.5

STREAMS = {"named": True, "unnamed": False}  # with / without `event:` lines
STREAM_NAMES = {"named": "with event:", "unnamed": "data only"}
DEFAULT_CHUNKINGS = ("4096", "whole", "64")
HEADLINE = ("named", "4096")
DEFAULT_DELTAS = 3000

# Runtime aliases use typing generics so the benchmarks import on Python 3.8 too.
Runner = Callable[[List[bytes]], Any]


# --- the workload and what it must decode to -----------------------------------------------------


@dataclass(frozen=True)
class AgentWorkload:
    name: str
    body: bytes
    payloads: list[str]  # each event's data, in order (for the ground truth)
    description: str


def agent_workload(stream: str, deltas: int) -> AgentWorkload:
    _report.repo_on_path()
    from conformance.response_examples import agent_stream

    body = agent_stream(deltas, named=STREAMS[stream])
    payloads = [line[6:] for line in body.decode("utf-8").split("\n") if line.startswith("data: ")]
    framing = "an `event:` line naming its type, then" if STREAMS[stream] else "no `event:` line, only"
    return AgentWorkload(
        f"agent-{stream}",
        body,
        payloads,
        f"`agent_stream({deltas}, named={STREAMS[stream]})`: each event {framing} one `data:` line of compact JSON",
    )


@dataclass
class Outcome:
    """What one run of a stream came to, normalised for the (untimed) check."""

    text: str  # the answer as the row has it: the joined deltas (collect_response: output_text)
    final_text: str  # the output_text of the final response
    status: Optional[str]
    events: int
    total_tokens: Optional[int]
    search_results: int

    def differences(self, truth: Outcome) -> list[str]:
        diffs: list[str] = []
        for name in ("text", "final_text"):
            mine, want = getattr(self, name), getattr(truth, name)
            if mine != want:
                at = next((i for i, (a, b) in enumerate(zip(mine, want)) if a != b), min(len(mine), len(want)))
                diffs.append(f"{name} differs ({len(mine):,} vs {len(want):,} characters, first at {at:,})")
        for name in ("status", "events", "total_tokens", "search_results"):
            mine, want = getattr(self, name), getattr(truth, name)
            if mine != want:
                label = "usage.total_tokens" if name == "total_tokens" else name
                diffs.append(f"{label} {mine!r} vs {want!r}")
        return diffs


def _output_text(output: Any) -> str:
    """The joined output_text parts of the message items of a response's JSON ``output``."""
    return "".join(
        part.get("text", "")
        for item in output or []
        if item.get("type") == "message"
        for part in item.get("content") or []
        if part.get("type") == "output_text"
    )


def fold_payloads(objects: list[Any]) -> Outcome:
    """Ground truth (and the floor's check): the decoded JSON events folded into an Outcome."""
    parts: list[str] = []
    final: dict[str, Any] = {}
    results: list[Any] = []
    for obj in objects:
        kind = obj.get("type")
        if kind == "response.output_text.delta":
            parts.append(obj["delta"])
        elif kind == "response.completed":
            final = obj.get("response") or {}
        elif kind == "response.reasoning.search_results":
            results = obj.get("results") or []
    return Outcome(
        "".join(parts),
        _output_text(final.get("output")),
        final.get("status"),
        len(objects),
        (final.get("usage") or {}).get("total_tokens"),
        len(results),
    )


def truth_of(workload: AgentWorkload, deltas: int) -> Outcome:
    from conformance.response_examples import expected_text

    truth = fold_payloads([json.loads(data) for data in workload.payloads])
    want = expected_text(deltas)
    if truth.text != want or truth.final_text != want or truth.status != "completed":
        raise SystemExit(f"{workload.name}: the workload does not carry expected_text({deltas}) (a generator bug)")
    return truth


def summarize_loop(native: Any) -> Outcome:
    """``(text, final_response, n_events, results)`` as the consumer loop returns it."""
    text, final, n_events, results = native
    usage = getattr(final, "usage", None)
    return Outcome(
        text,
        getattr(final, "output_text", None) or "",
        getattr(final, "status", None),
        n_events,
        getattr(usage, "total_tokens", None),
        len(results or ()),
    )


def consume(stream: Any) -> Any:
    """The consumer loop, the same for sse_pplx's events and the SDKs' models (see the module docstring)."""
    parts: list[str] = []
    append = parts.append
    final = results = None
    n = 0
    for event in stream:
        n += 1
        kind = event.type
        if kind == "response.output_text.delta":
            append(event.delta)
        elif kind == "response.completed":
            final = event.response
        elif kind == "response.reasoning.search_results":
            results = getattr(event, "results", None)  # openai: a pydantic extra of a mis-typed event
    return "".join(parts), final, n, results


# --- contenders -----------------------------------------------------------------------------------


@dataclass
class Contender:
    key: str
    label: str
    how: str
    run: Optional[Runner]
    check: Callable[[Any, Outcome, int], list[str]] = lambda native, truth, n_bytes: []
    group: str = "fast"  # fast (sse_pplx rows and the floor, back to back) | peers
    dists: tuple[str, ...] = ()
    explain: str = ""  # why its output differs or it raises, when that is known
    skip_reason: str = ""
    outcome: Callable[[Any], Optional[Outcome]] = lambda native: None


def _check_outcome(summarize: Callable[[Any], Outcome]) -> Callable[[Any, Outcome, int], list[str]]:
    def check(native: Any, truth: Outcome, n_bytes: int) -> list[str]:
        return summarize(native).differences(truth)

    return check


def _check_bytes(native: Any, truth: Outcome, n_bytes: int) -> list[str]:
    return [] if native == n_bytes else [f"{native:,} bytes read vs {n_bytes:,}"]


def _check_count(native: Any, truth: Outcome, n_bytes: int) -> list[str]:
    return [] if native == truth.events else [f"{native:,} events vs {truth.events:,}"]


class WrongDecode(AssertionError):
    """An sse_pplx row decoded the stream wrongly: the benchmark must not report a figure for it."""


def sse_pplx_contenders(expected: str) -> list[Contender]:
    _report.repo_on_path()
    from sse_pplx import SSEParser
    from sse_pplx.responses import collect_response, iter_response_events

    loads = json.loads

    def run_collect(chunks: list[bytes]) -> Any:
        result = collect_response(chunks)
        if result.output_text != expected or result.status != "completed":
            raise WrongDecode(f"collect_response: status {result.status!r}, {len(result.output_text):,} characters")
        return result

    def summarize_collect(result: Any) -> Outcome:
        response = result.response
        return Outcome(
            result.output_text,
            "" if response is None else response.output_text,
            result.status,
            result.events,
            None if result.usage is None else result.usage.total_tokens,
            len(result.search_results),
        )

    def run_iter(chunks: list[bytes]) -> Any:
        native = consume(iter_response_events(chunks))
        text, final = native[0], native[1]
        if text != expected or final is None or final.status != "completed":
            raise WrongDecode(f"iter_response_events: {len(text):,} characters, final response {final!r}")
        return native

    def run_floor(chunks: list[bytes]) -> Any:
        parser = SSEParser()
        feed = parser.feed
        out: list[Any] = []
        append = out.append
        for chunk in chunks:
            for event in feed(chunk):
                append(loads(event.data))
        for event in parser.close():
            append(loads(event.data))
        return out

    def run_parser(chunks: list[bytes]) -> Any:
        parser = SSEParser()
        feed = parser.feed
        n = 0
        for chunk in chunks:
            n += len(feed(chunk))
        return n + len(parser.close())

    return [
        Contender(
            REFERENCE,
            "sse_pplx collect_response",
            "`sse_pplx.responses.collect_response(chunks)` -> `ResponseResult`; every run asserts "
            "`output_text == expected_text(deltas)` and `status == 'completed'`",
            run_collect,
            check=_check_outcome(summarize_collect),
            outcome=summarize_collect,
        ),
        Contender(
            "iter_response_events",
            "sse_pplx iter_response_events",
            "`for event in sse_pplx.responses.iter_response_events(chunks)`: the consumer loop (`event.delta` of "
            "each `response.output_text.delta` joined, `event.response` of `response.completed` kept); every run "
            "asserts the text and `status == 'completed'`",
            run_iter,
            check=_check_outcome(summarize_loop),
            outcome=summarize_loop,
        ),
        Contender(
            FLOOR,
            "floor: SSEParser + json.loads",
            "`sse_pplx.SSEParser()` (default limits, as `collect_response` uses), `feed(chunk)` per chunk then "
            "`close()`; `json.loads(event.data)` of every event, appended to a list. Nothing else",
            run_floor,
            check=_check_outcome(fold_payloads),
            outcome=fold_payloads,
        ),
        Contender(
            "parser",
            "SSEParser only (info)",
            "the floor without `json.loads`: `feed(chunk)` per chunk, `close()`, the events counted",
            run_parser,
            check=_check_count,
        ),
    ]


class _Body:
    """What the MockTransport handlers answer with: the current cell's chunks."""

    chunks: ClassVar[List[bytes]] = []


def perplexity_contenders(clients: list[Any]) -> list[Contender]:
    dists = ("perplexityai", "httpx", "pydantic")
    try:
        import httpx
        import perplexity
    except ImportError as exc:
        return [
            Contender(
                "perplexityai",
                "perplexityai responses.create(stream=True)",
                "",
                None,
                group="peers",
                dists=dists,
                skip_reason=str(exc),
            ),
            Contender(
                "perplexityai-transport",
                "perplexityai request + transport only",
                "",
                None,
                group="peers",
                dists=dists,
                skip_reason=str(exc),
            ),
        ]

    def handler(request: Any) -> Any:
        return httpx.Response(200, headers=SSE_HEADERS, content=iter(_Body.chunks))

    http_client = httpx.Client(transport=httpx.MockTransport(handler))
    client = perplexity.Perplexity(api_key="pplx-test", base_url=FAKE_BASE_URL, http_client=http_client, max_retries=0)
    clients.append(client)

    def run_stream(chunks: list[bytes]) -> Any:
        _Body.chunks = chunks
        return consume(client.responses.create(**REQUEST, stream=True))

    def run_transport(chunks: list[bytes]) -> Any:
        _Body.chunks = chunks
        with client.responses.with_streaming_response.create(**REQUEST, stream=True) as response:
            return sum(len(piece) for piece in response.iter_bytes())

    return [
        Contender(
            "perplexityai",
            "perplexityai responses.create(stream=True)",
            "`perplexity.Perplexity(api_key=..., base_url='http://127.0.0.1:9', http_client=httpx.Client("
            "transport=httpx.MockTransport(handler)), max_retries=0)`; `client.responses.create(input=..., "
            "model=..., stream=True)` (`POST /v1/responses`, its `Stream` of `ResponseStreamEventOutput` models); "
            "the consumer loop",
            run_stream,
            check=_check_outcome(summarize_loop),
            group="peers",
            dists=dists,
            outcome=summarize_loop,
        ),
        Contender(
            "perplexityai-transport",
            "perplexityai request + transport only",
            "the same client: `client.responses.with_streaming_response.create(..., stream=True)`, "
            "`response.iter_bytes()` to the end: the request path and the MockTransport response, no SSE, no models",
            run_transport,
            check=_check_bytes,
            group="peers",
            dists=dists,
        ),
    ]


def openai_contenders(clients: list[Any]) -> list[Contender]:
    dists = ("openai", "httpx2", "pydantic")
    try:
        import httpx2
        import openai
    except ImportError as exc:
        return [
            Contender(key, label, "", None, group="peers", dists=dists, skip_reason=str(exc))
            for key, label in (
                ("openai", "openai responses.create(stream=True)"),
                ("openai-stream", "openai responses.stream() + get_final_response() (info)"),
                ("openai-transport", "openai request + transport only"),
            )
        ]

    def handler(request: Any) -> Any:
        return httpx2.Response(200, headers=SSE_HEADERS, content=iter(_Body.chunks))

    http_client = httpx2.Client(transport=httpx2.MockTransport(handler))
    client = openai.OpenAI(api_key="sk-test", base_url=FAKE_BASE_URL + "/v1", http_client=http_client, max_retries=0)
    clients.append(client)

    def run_stream(chunks: list[bytes]) -> Any:
        _Body.chunks = chunks
        return consume(client.responses.create(**REQUEST, stream=True))

    def run_helper(chunks: list[bytes]) -> Any:
        _Body.chunks = chunks
        with client.responses.stream(**REQUEST) as stream:
            text, _, n, results = consume(stream)
            final = stream.get_final_response()
        return text, final, n, results

    def run_transport(chunks: list[bytes]) -> Any:
        _Body.chunks = chunks
        with client.responses.with_streaming_response.create(**REQUEST, stream=True) as response:
            return sum(len(piece) for piece in response.iter_bytes())

    base = (
        "`openai.OpenAI(api_key=..., base_url='http://127.0.0.1:9/v1', http_client=httpx2.Client(transport="
        "httpx2.MockTransport(handler)), max_retries=0)` (openai 3.x's HTTP layer is `httpx2`)"
    )
    return [
        Contender(
            "openai",
            "openai responses.create(stream=True)",
            base + "; `client.responses.create(input=..., model=..., stream=True)` (its `Stream` of "
            "`ResponseStreamEvent` models); the consumer loop",
            run_stream,
            check=_check_outcome(summarize_loop),
            group="peers",
            dists=dists,
            outcome=summarize_loop,
            explain=(
                "openai types Perplexity's six `response.reasoning.*` events as `ResponseAudioDeltaEvent` (the first "
                "union member that constructs); their fields survive as pydantic extras"
            ),
        ),
        Contender(
            "openai-stream",
            "openai responses.stream() + get_final_response() (info)",
            "the same client: `with client.responses.stream(input=..., model=...) as stream`, the consumer loop, then "
            "`stream.get_final_response()` (openai's `ResponseStreamState` accumulates every event)",
            run_helper,
            check=_check_outcome(summarize_loop),
            group="peers",
            dists=dists,
            outcome=summarize_loop,
            explain=(
                "openai's `ResponseStreamState.accumulate_event` indexes `output.content[event.content_index]` on the "
                "first `response.output_text.delta`; Perplexity sends no `response.content_part.added`, so the "
                "message has no content part yet (openai-python#2852). The stream cannot be read with this helper"
            ),
        ),
        Contender(
            "openai-transport",
            "openai request + transport only",
            "the same client: `client.responses.with_streaming_response.create(..., stream=True)`, "
            "`response.iter_bytes()` to the end: the request path and the MockTransport response, no SSE, no models",
            run_transport,
            check=_check_bytes,
            group="peers",
            dists=dists,
        ),
    ]


def all_contenders(expected: str, clients: list[Any]) -> list[Contender]:
    return [*sse_pplx_contenders(expected), *perplexity_contenders(clients), *openai_contenders(clients)]


# --- measuring ------------------------------------------------------------------------------------


def warm_up(contenders: list[Contender], chunks: list[bytes]) -> None:
    """One untimed run of everyone: imports, pydantic caches, first-call costs."""
    for c in contenders:
        if c.run is None:
            continue
        try:
            c.run(chunks)
        except WrongDecode:
            raise
        except Exception as exc:  # reported per cell
            progress(f"warm-up: {c.label} raised {type(exc).__name__}: {exc}\n")


def measure_cell(
    stream: str, chunking: str, workload: AgentWorkload, truth: Outcome, contenders: list[Contender], policy: Policy
) -> list[Row]:
    chunks = CHUNKINGS[chunking](workload.body)
    n_bytes = len(workload.body)
    rows = {c.key: Row(stream, chunking, c.key, n_bytes, len(chunks), truth.events) for c in contenders}
    progress(f"{stream}/{chunking} ({len(chunks):,} pieces): check run\n", prefix=False)
    for c in contenders:
        row = rows[c.key]
        if c.run is None:
            row.status, row.error = "skipped", c.skip_reason
            continue
        try:
            seconds, native = timed_run(c.run, chunks)
        except WrongDecode:
            raise
        except Exception as exc:
            if c.key in OURS:
                raise
            row.status, row.error = "error", f"{type(exc).__name__}: {exc}"
            progress(f"{c.label}: {row.error}\n")
            continue
        row.differences = c.check(native, truth, n_bytes)
        outcome = c.outcome(native)
        if outcome is not None:
            row.outcome = asdict(outcome)
            row.outcome["text"] = f"{len(outcome.text):,} characters"
            row.outcome["final_text"] = f"{len(outcome.final_text):,} characters"
        del native
        if row.differences and c.key in OURS:
            raise WrongDecode(f"{c.label} on {_cell_name(stream, chunking)}: " + "; ".join(row.differences))
        row.first_run = row.spent = seconds
        if seconds >= policy.slow_threshold:
            row.slow = row.first_counted = True
            row.times.append(seconds)
    run_rounds(rows, contenders, [c for c in contenders if c.group == "fast"], chunks, policy)
    return report_rows(rows, contenders, width=56, digits=2)


def profile_ours(contenders: list[Contender], chunks: list[bytes], top: int) -> str:
    """cProfile of one collect_response and one iter_response_events run (after the measured ones)."""
    import cProfile
    import io
    import pstats

    out = io.StringIO()
    for c in contenders:
        if c.key not in OURS or c.run is None:
            continue
        gc.collect()
        profiler = cProfile.Profile()
        profiler.enable()
        c.run(chunks)
        profiler.disable()
        out.write(f"### {c.label}\n")
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- reporting ------------------------------------------------------------------------------------


def _cell_name(stream: str, chunking: str) -> str:
    return f"{STREAM_NAMES[stream]} / {chunking}"


def compute_bars(rows: list[Row], cells: list[tuple[str, str]]) -> list[dict[str, Any]]:
    by_key = {(r.stream, r.chunking, r.contender): r for r in rows}
    bars: list[dict[str, Any]] = []
    for stream, chunking in cells:

        def row_of(key: str, s: str = stream, c: str = chunking) -> Optional[Row]:
            return by_key.get((s, c, key))

        def median(key: str) -> Optional[float]:
            row = row_of(key)
            return None if row is None else row.median

        ours, floor = median(REFERENCE), median(FLOOR)
        entry: dict[str, Any] = {"stream": stream, "chunking": chunking}
        for sdk in SDK_BARS:
            peer, transport = median(sdk), median(sdk + "-transport")
            ratio = ratio_of(peer, ours)
            entry[f"{sdk}_over_sse_pplx"] = ratio
            entry[f"{sdk}_meets"] = None if ratio is None else ratio >= SDK_TARGET
            net = None if peer is None or transport is None else peer - transport
            entry[f"{sdk}_net_over_sse_pplx"] = ratio_of(net, ours)
            entry[f"{sdk}_over_sse_pplx_paired"] = _paired_ratio(row_of(sdk), row_of(REFERENCE))
            entry[f"{sdk}_over_floor"] = ratio_of(peer, floor)
            entry[f"{sdk}_transport_ms"] = None if transport is None else transport * 1e3
        entry["openai-stream_over_sse_pplx"] = ratio_of(median("openai-stream"), ours)
        ratio = ratio_of(ours, floor)
        entry["sse_pplx_over_floor"] = ratio
        entry["floor_meets"] = None if ratio is None else ratio <= FLOOR_TARGET
        ref, floor_row = row_of(REFERENCE), row_of(FLOOR)
        entry["sse_pplx_over_floor_paired"] = _paired_ratio(ref, floor_row)
        entry["sse_pplx_over_floor_best"] = ratio_of(ref and ref.best, floor_row and floor_row.best)
        entry["iter_over_floor"] = ratio_of(median("iter_response_events"), floor)
        bars.append(entry)
    return bars


def markdown_report(
    rows: list[Row],
    contenders: list[Contender],
    cells: list[tuple[str, str]],
    workloads: dict[str, AgentWorkload],
    truths: dict[str, Outcome],
    bars: list[dict[str, Any]],
    meta: dict[str, Any],
    profile: str,
) -> str:
    lines = [
        _report.title("Agent-stream benchmark: sse_pplx vs the perplexityai / openai SDK streaming objects", meta),
        "",
        *_report.header_lines(meta),
        rounds_line(meta),
    ]
    for stream, workload in workloads.items():
        truth = truths[stream]
        lines.append(
            f"- `{workload.name}`: {len(workload.body):,} bytes, {truth.events:,} events — {workload.description}; "
            f"accumulated: {len(truth.text):,} characters of text, status `{truth.status}`, "
            f"{truth.search_results} search results, usage.total_tokens {truth.total_tokens}"
        )
    notes = Notes()
    lines += contender_lines(contenders)
    lines += results_lines(
        rows, contenders, cells, _cell_name, notes, "events/s", 2, lambda key: not key.endswith("-transport")
    )
    lines += [
        "",
        "ms = median time for the whole stream, best ms = the fastest round; events/s = the stream's JSON events "
        "per second; MB/s = 10^6 input bytes per second; vs collect_response = time / `sse_pplx collect_response`'s "
        "in the same cell (> 1 = slower). check = the streamed text, the final response's `output_text`, `status`, "
        "`usage.total_tokens`, the number of events and of search results against the ground truth from the "
        "workload's JSON (the transport rows: the bytes read; `SSEParser only`: the number of events).",
        "",
        "## The bars",
        "",
        f"| stream / chunks | perplexityai / collect_response (≥ {SDK_TARGET:g}{TIMES}) | "
        f"openai / collect_response (≥ {SDK_TARGET:g}{TIMES}) | "
        f"collect_response / floor (≤ {FLOOR_TARGET:g}{TIMES}) | iter_response_events / floor (info) | "
        "perplexityai / floor (info) | openai / floor (info) |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]

    def sdk_cell(bar: dict[str, Any], sdk: str) -> str:
        text = _report.verdict(bar[f"{sdk}_over_sse_pplx"], bar[f"{sdk}_meets"])
        if bar[f"{sdk}_over_sse_pplx"] is None:
            return text
        return (
            f"{text} (paired {fmt_ratio(bar[f'{sdk}_over_sse_pplx_paired'])}, "
            f"without transport {fmt_ratio(bar[f'{sdk}_net_over_sse_pplx'])})"
        )

    for bar in bars:
        lines.append(
            f"| {_cell_name(bar['stream'], bar['chunking'])} | {sdk_cell(bar, 'perplexityai')} | "
            f"{sdk_cell(bar, 'openai')} | "
            f"{floor_cell(bar)} | "
            f"{fmt_ratio(bar['iter_over_floor'])} | {fmt_ratio(bar['perplexityai_over_floor'])} | "
            f"{fmt_ratio(bar['openai_over_floor'])} |"
        )
    lines += [
        "",
        "Bars are ratios of the medians; ✓ = meets the target. *paired* = the median over rounds of the two rows' "
        "times in the same round; *best* = the ratio of the fastest rounds; *without transport* = (SDK row - the "
        "SDK's `request + transport only` row) / collect_response, i.e. the SDK's SSE decoding and event models "
        "alone. SDK / floor is the most that an implementation running at the floor could show against that SDK.",
        "",
    ]
    lines += summary_lines(bars, {}, REFERENCE, SDK_BARS, HEADLINE, _cell_name)
    if meta.get("busy"):
        lines.append(f"- **caution**: {meta['busy']}")
    if notes.items:
        lines += ["", "Notes:"]
        lines += notes.render()
    lines += breakdown_lines(rows, cells)
    if profile:
        lines += ["", "## Profile of sse_pplx on the first cell (cProfile, by own time)", "", "```", profile.strip()]
        lines += ["```"]
    lines += ["", f"- total benchmark wall time: {meta['wall_time_s']:.0f} s"]
    return "\n".join(lines) + "\n"


def breakdown_lines(rows: list[Row], cells: list[tuple[str, str]]) -> list[str]:
    """Where sse_pplx's time goes, per event, from the medians of the nested rows of each cell."""
    by_key = {(r.stream, r.chunking, r.contender): r for r in rows}
    steps = (
        ("SSEParser", None, "parser"),
        ("json.loads", "parser", FLOOR),
        ("decoding + accumulating", FLOOR, REFERENCE),
        ("typed events + loop", REFERENCE, "iter_response_events"),
    )
    table: list[str] = []
    for stream, chunking in cells:
        medians = {key: getattr(by_key.get((stream, chunking, key)), "median", None) for _, _, key in steps}
        if any(value is None for value in medians.values()):
            continue
        n = by_key[(stream, chunking, REFERENCE)].n_events
        cells_us = []
        for _, before, key in steps:
            spent = medians[key] - (medians[before] if before else 0.0)
            cells_us.append(f"{spent / n * 1e6:.2f}")
        total = medians["iter_response_events"] / n * 1e6
        table.append(f"| {_cell_name(stream, chunking)} | {' | '.join(cells_us)} | {total:.2f} |")
    if not table:
        return []
    header = " | ".join(label for label, _, _ in steps)
    return [
        "",
        "## Where sse_pplx's time goes (µs per event, differences of medians)",
        "",
        f"| stream / chunks | {header} | iter_response_events total |",
        "|---|--:|--:|--:|--:|--:|",
        *table,
        "",
        "SSEParser = `SSEParser only`; json.loads = floor - SSEParser; decoding + accumulating = collect_response - "
        "floor (the `ResponseDecoder` and `ResponseAccumulator`, and json's scanner called directly instead of "
        "`json.loads`); typed events + loop = iter_response_events - collect_response (an event view per event, the "
        "generator, the consumer loop). Differences of medians: noisy, and negative when two rows are within noise.",
    ]


# --- main -----------------------------------------------------------------------------------------


def parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 timed round per row (smoke test, ~20 s)")
    add_round_options(parser)
    parser.add_argument("--deltas", type=int, default=DEFAULT_DELTAS, help="text deltas in the stream (default 3000)")
    parser.add_argument("--streams", default="named,unnamed", help="comma list from named,unnamed (default both)")
    parser.add_argument(
        "--chunkings",
        default=",".join(DEFAULT_CHUNKINGS),
        help=f"comma list from {','.join(CHUNKINGS)} (default {','.join(DEFAULT_CHUNKINGS)})",
    )
    parser.add_argument(
        "--contenders",
        help="comma list of row keys to run (collect_response is always run): iter_response_events,floor,parser,"
        "perplexityai,perplexityai-transport,openai,openai-stream,openai-transport",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="add a cProfile (top N) of sse_pplx")
    _report.add_output_options(parser)
    args = parser.parse_args(argv)
    if args.deltas < 1:
        parser.error("--deltas must be at least 1")
    return check_cells(parser, args, STREAMS)


def main(argv: Optional[list[str]] = None) -> int:
    args = parse_args(argv)
    policy = Policy(args.rounds, args.slow_threshold, args.row_budget)
    _report.repo_on_path()
    from conformance.response_examples import expected_text

    clients: list[Any] = []
    contenders = _report.select(
        all_contenders(expected_text(args.deltas), clients), args.contenders, REFERENCE, lambda c: c.key
    )
    meta = _report.run_metadata(
        (d for c in contenders for d in c.dists),
        rounds=policy.rounds,
        slow_threshold_s=policy.slow_threshold,
        row_budget_s=policy.row_budget,
        deltas=args.deltas,
        quick=args.quick,
    )
    started = time.perf_counter()
    workloads = {s: agent_workload(s, args.deltas) for s in args.streams}
    truths = {s: truth_of(w, args.deltas) for s, w in workloads.items()}
    cells = [(s, c) for s in args.streams for c in args.chunkings]
    rows: list[Row] = []
    profile = ""
    try:
        progress("warm-up\n", prefix=False)
        for workload in workloads.values():
            warm_up(contenders, CHUNKINGS["4096"](workload.body))
        for stream, chunking in cells:
            rows += measure_cell(stream, chunking, workloads[stream], truths[stream], contenders, policy)
        if args.profile:
            stream, chunking = cells[0]
            profile = f"{_cell_name(stream, chunking)}\n\n" + profile_ours(
                contenders, CHUNKINGS[chunking](workloads[stream].body), args.profile
            )
    except WrongDecode as exc:
        sys.stderr.write(f"\nFAILED: sse_pplx decoded the stream wrongly: {exc}\n")
        return 1
    finally:
        for client in clients:
            client.close()
    _report.finish_metadata(meta, started)
    bars = compute_bars(rows, cells)
    report = markdown_report(rows, contenders, cells, workloads, truths, bars, meta, profile)
    payload = {
        "meta": meta,
        "contenders": [
            {"key": c.key, "label": c.label, "how": c.how, "skipped": c.skip_reason or None} for c in contenders
        ],
        "truth": {
            s: {
                **asdict(t),
                "text": f"{len(t.text):,} characters",
                "final_text": f"{len(t.final_text):,} characters",
            }
            for s, t in truths.items()
        },
        "rows": [{**asdict(r), "median": r.median} for r in rows],
        "bars": bars,
    }
    _report.write_outputs(report, args.markdown, args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
