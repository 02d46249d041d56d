"""The conformance runner: every fixture, every chunking, every check, for each adapter.

For one adapter and one fixture, the fixture's bytes are fed under every
chunking strategy (:mod:`conformance.chunkings`).  Each run is checked for:

``events``      the events equal ``expect.events`` (the fields the adapter reports)
``timing``      incremental adapters only: every event is returned by the very
                ``feed()`` call that delivered the byte completing it (the line
                end of its blank line; for CR LF, the CR), never later, never
                earlier; ``close()`` returns nothing
``state``       adapters that report state: after every ``feed()`` the state
                (last event ID, reconnection time) equals the reference
                parser's after the same bytes, and right after an event it
                equals that event's ``last_event_id`` / ``reconnection_time``
``end``         after ``close()``: ``expect.end`` (last event ID, reconnection
                time, whether pending input was discarded)
``error``       limits fixtures: the named limit error, with the events before it
``chat``        chat fixtures, adapters with a chat layer: ``chat`` (on fewer chunkings)
``responses``   responses fixtures, adapters with a Responses layer: the listed keys of
                ``responses`` (on the chat chunkings; a ``resumed_input`` is cut the same way)

A fixture passes for an adapter when every chunking passes every check.  The
reference positions and states come from :mod:`conformance.oracle`; when the
oracle disagrees with a fixture (a third-party fixture set), the timing and
state checks are reported as not applicable for it.
"""

from __future__ import annotations

import bisect
import json
import time
import xml.etree.ElementTree as ET
from typing import Any, ClassVar, Dict, Iterable, List, Optional, Sequence, Tuple

from .adapters import Adapter, AdapterError, LimitError
from .chunkings import DEFAULT_SEED, Chunking, strategies
from .fixture import Fixture
from .oracle import LimitReached, Oracle, parse

__all__ = ["AdapterReport", "FixtureResult", "Reference", "RunConfig", "format_report", "run_adapter"]

CHAT_CHUNKINGS = ("whole", "bytewise", "recorded", "random#0", "random#1")


class RunConfig:
    """How thoroughly to run.

    ``quick`` trims the chunkings: 2 random, every split only up to 16 bytes,
    no 3-way splits, at most 3 ``utf8@`` and 3 ``crlf@`` cuts.
    """

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        quick: bool = False,
        max_failures_shown: int = 3,
        only: Optional[Sequence[str]] = None,
    ) -> None:
        self.seed = seed
        self.quick = quick
        self.max_failures_shown = max_failures_shown
        #: Run only the chunkings with these names (e.g. ("whole", "bytewise")); None = all.
        self.only = None if only is None else tuple(only)

    def chunkings(self, fx: Fixture) -> List[Chunking]:
        chunkings = self._chunkings(fx)
        if self.only is not None:
            chunkings = [c for c in chunkings if c.name in self.only]
        return chunkings

    def _chunkings(self, fx: Fixture) -> List[Chunking]:
        if self.quick:
            return strategies(
                fx.data,
                name=fx.name,
                recorded=fx.chunks,
                seed=self.seed,
                random_count=2,
                exhaustive_limit=16,
                three_way_limit=0,
                max_targeted=3,
            )
        return strategies(fx.data, name=fx.name, recorded=fx.chunks, seed=self.seed)


class Reference:
    """What the oracle says of one fixture: event positions and the state after every byte."""

    _cache: ClassVar[Dict[Tuple[str, bytes, str], Reference]] = {}

    def __init__(self, fx: Fixture) -> None:
        result = parse(fx.data, fx.options)
        self.positions: List[int] = result.positions
        self.error_position: Optional[int] = result.error_position
        self.agrees = result.expect() == fx.expect
        self._fx = fx
        self._states: Optional[List[Tuple[str, Optional[int]]]] = None

    @classmethod
    def of(cls, fx: Fixture) -> Reference:
        key = (fx.name, fx.data, json.dumps(fx.options, sort_keys=True))
        ref = cls._cache.get(key)
        if ref is None:
            if len(cls._cache) > 2000:
                cls._cache.clear()
            ref = cls._cache[key] = cls(fx)
        return ref

    def states(self) -> List[Tuple[str, Optional[int]]]:
        """(last event ID, reconnection time) after each byte of the input."""
        if self._states is None:
            oracle = Oracle(
                max_line_bytes=self._fx.options.get("max_line_bytes"),
                max_event_bytes=self._fx.options.get("max_event_bytes"),
            )
            out = []
            try:
                for i in range(len(self._fx.data)):
                    oracle.feed(self._fx.data[i : i + 1])
                    out.append((oracle.last_event_id_string, oracle.reconnection_time))
            except LimitReached:
                pass
            self._states = out
        return self._states


class Failure:
    __slots__ = ("check", "chunking", "message")

    def __init__(self, chunking: str, check: str, message: str) -> None:
        self.chunking = chunking
        self.check = check
        self.message = message

    def to_dict(self) -> Dict[str, str]:
        return {"chunking": self.chunking, "check": self.check, "message": self.message}


class FixtureResult:
    """The outcome of one fixture for one adapter: "passed", "failed" or "skipped"."""

    __slots__ = (
        "category",
        "chunkings",
        "failed_chunkings",
        "failures",
        "name",
        "not_applicable",
        "skip_reason",
        "status",
    )

    def __init__(self, fx: Fixture) -> None:
        self.name = fx.name
        self.category = fx.category
        self.status = "passed"
        self.failures: List[Failure] = []
        self.failed_chunkings = 0
        self.chunkings = 0
        self.skip_reason = ""
        self.not_applicable: List[str] = []

    @property
    def checks_failed(self) -> List[str]:
        return sorted({f.check for f in self.failures})

    def to_dict(self) -> Dict[str, Any]:
        return {
            "fixture": self.name,
            "category": self.category,
            "status": self.status,
            "chunkings": self.chunkings,
            "failed_chunkings": self.failed_chunkings,
            "failed_checks": self.checks_failed,
            "failures": [f.to_dict() for f in self.failures],
            "skip_reason": self.skip_reason,
            "not_applicable": self.not_applicable,
        }


class AdapterReport:
    def __init__(self, adapter: Adapter) -> None:
        self.adapter = adapter.name
        self.description = adapter.description
        self.capabilities = {
            "incremental": adapter.incremental,
            "event_keys": list(adapter.event_keys),
            "state_keys": list(adapter.state_keys),
            "supports_limits": adapter.supports_limits,
            "supports_chat": adapter.supports_chat,
        }
        if adapter.supports_responses:  # only then: the reports of other adapters are unchanged
            self.capabilities["supports_responses"] = True
        self.results: List[FixtureResult] = []
        self.seconds = 0.0

    def count(self, status: str, category: Optional[str] = None) -> int:
        return sum(1 for r in self.results if r.status == status and (category is None or r.category == category))

    @property
    def categories(self) -> List[str]:
        return sorted({r.category for r in self.results})


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _project(events: Sequence[Dict[str, Any]], keys: Sequence[str]) -> List[Dict[str, Any]]:
    return [{k: e.get(k, "<missing>") for k in keys} for e in events]


def _diff_events(got: List[Dict[str, Any]], want: List[Dict[str, Any]]) -> str:
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            fields = [k for k in w if g.get(k) != w[k]]
            return f"event #{i}: " + "; ".join(f"{k} {_short(g.get(k))} != expected {_short(w[k])}" for k in fields)
    if len(got) > len(want):
        return f"{len(got) - len(want)} extra event(s), first: {_short(got[len(want)])}"
    return f"{len(want) - len(got)} missing event(s), first: {_short(want[len(got)])}"


def _chunk_index(position: int, bounds: List[int]) -> int:
    """The index of the chunk holding byte ``position`` (bounds = end offsets of the chunks)."""
    return bisect.bisect_right(bounds, position)


def _run_once(adapter: Adapter, fx: Fixture, chunks: List[bytes], ref: Reference, name: str) -> List[Failure]:
    failures: List[Failure] = []
    expect = fx.expect
    want_error = expect["error"]
    keys = list(adapter.event_keys)
    state_keys = [k for k in adapter.state_keys if k in ("last_event_id", "reconnection_time")]
    bounds: List[int] = []
    total = 0
    for chunk in chunks:
        total += len(chunk)
        bounds.append(total)
    got: List[Dict[str, Any]] = []
    returned_by: List[int] = []  # index of the feed() call, len(chunks) for close()
    snapshots: List[Dict[str, Any]] = []  # state after each feed()
    raised: Optional[LimitError] = None
    raised_at = -1
    try:
        adapter.start(dict(fx.options))
    except Exception as exc:
        return [Failure(name, "events", f"start() raised {type(exc).__name__}: {exc}")]
    for k, chunk in enumerate(chunks):
        try:
            events = adapter.feed(chunk)
        except LimitError as exc:
            raised, raised_at = exc, k
            got.extend(exc.events)
            returned_by.extend([k] * len(exc.events))
            break
        except AdapterError as exc:
            return [Failure(name, "events", f"feed() #{k} failed: {exc}")]
        except Exception as exc:
            return [Failure(name, "events", f"feed() #{k} raised {type(exc).__name__}: {exc}")]
        got.extend(events)
        returned_by.extend([k] * len(events))
        if state_keys:
            try:
                snapshots.append(adapter.state())
            except Exception as exc:
                return [Failure(name, "state", f"state() raised {type(exc).__name__}: {exc}")]
    if raised is None:
        try:
            closing = adapter.close()
        except AdapterError as exc:
            return [Failure(name, "events", f"close() failed: {exc}")]
        except Exception as exc:
            return [Failure(name, "events", f"close() raised {type(exc).__name__}: {exc}")]
        got.extend(closing)
        returned_by.extend([len(chunks)] * len(closing))

    # error
    if want_error is not None:
        if raised is None:
            failures.append(Failure(name, "error", f"expected a {want_error['limit']} error, none was raised"))
        elif raised.limit != want_error["limit"]:
            failures.append(Failure(name, "error", f"raised {raised.limit}, expected {want_error['limit']}"))
        elif adapter.incremental and ref.agrees and ref.error_position is not None:
            expected_chunk = _chunk_index(ref.error_position, bounds)
            if raised_at != expected_chunk:
                failures.append(
                    Failure(
                        name,
                        "timing",
                        f"the limit is exceeded at byte {ref.error_position} (feed #{expected_chunk}) "
                        f"but feed #{raised_at} raised",
                    )
                )
    elif raised is not None:
        failures.append(Failure(name, "error", f"unexpected {raised.limit} error in feed #{raised_at}"))

    # events
    want = _project(expect["events"], keys)
    have = _project(got, keys)
    if have != want:
        failures.append(Failure(name, "events", _diff_events(have, want)))
        return failures

    if not ref.agrees:
        return failures
    # timing
    if adapter.incremental:
        for i, position in enumerate(ref.positions):
            expected_chunk = _chunk_index(position, bounds)
            if returned_by[i] != expected_chunk:
                by = "close()" if returned_by[i] == len(chunks) else f"feed #{returned_by[i]}"
                failures.append(
                    Failure(
                        name,
                        "timing",
                        f"event #{i} is complete at byte {position} (feed #{expected_chunk}) but was returned by {by}",
                    )
                )
                break
    # state
    if state_keys and snapshots:
        states = ref.states()
        for k, snap in enumerate(snapshots):
            last = bounds[k] - 1
            if last < 0 or last >= len(states):
                continue
            want_state = dict(zip(("last_event_id", "reconnection_time"), states[last]))
            bad = [key for key in state_keys if snap.get(key) != want_state[key]]
            if bad:
                detail = "; ".join(
                    f"{key} {_short(snap.get(key))} != expected {_short(want_state[key])}" for key in bad
                )
                failures.append(Failure(name, "state", f"after feed #{k} (byte {last}): {detail}"))
                break
        for i, event in enumerate(expect["events"]):
            k = returned_by[i]
            if k >= len(snapshots) or ref.positions[i] != bounds[k] - 1:
                continue  # later bytes of the same chunk may change the state: covered above
            bad = [key for key in state_keys if snapshots[k].get(key) != event[key]]
            if bad:
                detail = "; ".join(f"{key} {_short(snapshots[k].get(key))} != {_short(event[key])}" for key in bad)
                failures.append(Failure(name, "state", f"right after event #{i}: {detail}"))
                break
    # end state
    if raised is None and expect["end"] is not None and adapter.state_keys:
        try:
            end = adapter.state()
        except Exception as exc:
            failures.append(Failure(name, "end", f"state() raised {type(exc).__name__}: {exc}"))
            return failures
        bad = [key for key in adapter.state_keys if end.get(key, "<missing>") != expect["end"][key]]
        if bad:
            detail = "; ".join(
                f"{key} {_short(end.get(key, '<missing>'))} != {_short(expect['end'][key])}" for key in bad
            )
            failures.append(Failure(name, "end", detail))
    return failures


def _run_chat(adapter: Adapter, fx: Fixture, chunks: List[bytes], name: str) -> Optional[Failure]:
    assert fx.chat is not None
    try:
        result = adapter.chat(chunks)
    except Exception as exc:
        return Failure(name, "chat", f"chat() raised {type(exc).__name__}: {exc}")
    bad = [key for key in fx.chat if result.get(key, "<missing>") != fx.chat[key]]
    if bad:
        return Failure(
            name,
            "chat",
            "; ".join(f"{key} {_short(result.get(key, '<missing>'))} != {_short(fx.chat[key])}" for key in bad),
        )
    return None


def _run_responses(
    adapter: Adapter, fx: Fixture, chunks: List[bytes], resumed: Optional[List[bytes]], name: str
) -> Optional[Failure]:
    assert fx.responses is not None
    try:
        result = adapter.responses(chunks) if resumed is None else adapter.responses(chunks, resumed)
    except Exception as exc:
        return Failure(name, "responses", f"responses() raised {type(exc).__name__}: {exc}")
    want = fx.responses
    bad = [key for key in want if result.get(key, "<missing>") != want[key]]
    if bad:
        return Failure(
            name,
            "responses",
            "; ".join(f"{key} {_short(result.get(key, '<missing>'))} != {_short(want[key])}" for key in bad),
        )
    return None


def _resumed_chunks(fx: Fixture, chunking: str, config: RunConfig) -> Optional[List[bytes]]:
    """``resumed_input`` cut the way named ``chunking`` (its own cuts: whole, bytewise, or
    its own seeded random chunking); whole for a name it has none for (``recorded``)."""
    data = fx.resumed_data
    if data is None:
        return None
    if chunking == "bytewise":
        return [data[i : i + 1] for i in range(len(data))] or [data]
    if chunking.startswith("random#"):
        count = int(chunking[len("random#") :]) + 1
        for c in strategies(
            data,
            name=fx.name + "#resumed",
            seed=config.seed,
            random_count=count,
            exhaustive_limit=0,
            three_way_limit=0,
            max_targeted=0,
        ):
            if c.name == chunking:
                return c.chunks(data)
    return [data]


def run_fixture(adapter: Adapter, fx: Fixture, config: RunConfig) -> FixtureResult:
    result = FixtureResult(fx)
    if fx.options and not adapter.supports_limits:
        result.status = "skipped"
        result.skip_reason = "limits fixture (sse_pplx-specific options); the adapter does not support limits"
        return result
    ref = Reference.of(fx)
    if not ref.agrees:
        result.not_applicable.append("timing and state: the oracle disagrees with this fixture")
    if not adapter.incremental:
        result.not_applicable.append("timing: the adapter is not incremental")
    chunkings = config.chunkings(fx)
    result.chunkings = len(chunkings)
    shown = config.max_failures_shown
    for chunking in chunkings:
        chunks = chunking.chunks(fx.data)
        failures = _run_once(adapter, fx, chunks, ref, chunking.name)
        if fx.chat is not None and adapter.supports_chat and chunking.name in CHAT_CHUNKINGS:
            failure = _run_chat(adapter, fx, chunks, chunking.name)
            if failure is not None:
                failures.append(failure)
        if fx.responses is not None and adapter.supports_responses and chunking.name in CHAT_CHUNKINGS:
            resumed = _resumed_chunks(fx, chunking.name, config)
            failure = _run_responses(adapter, fx, chunks, resumed, chunking.name)
            if failure is not None:
                failures.append(failure)
        if failures:
            result.failed_chunkings += 1
            if len(result.failures) < shown:
                result.failures.extend(failures[: shown - len(result.failures)])
    if result.failed_chunkings:
        result.status = "failed"
    return result


def run_adapter(adapter: Adapter, fixtures: Iterable[Fixture], config: Optional[RunConfig] = None) -> AdapterReport:
    config = config or RunConfig()
    report = AdapterReport(adapter)
    started = time.perf_counter()
    for fx in fixtures:
        report.results.append(run_fixture(adapter, fx, config))
    report.seconds = time.perf_counter() - started
    return report


# -- reports ------------------------------------------------------------------------------


def totals(reports: Sequence[AdapterReport]) -> Tuple[int, int, int]:
    passed = sum(r.count("passed") for r in reports)
    failed = sum(r.count("failed") for r in reports)
    skipped = sum(r.count("skipped") for r in reports)
    return passed, failed, skipped


def format_table(reports: Sequence[AdapterReport], verbose: bool = True) -> str:
    lines: List[str] = []
    for report in reports:
        caps = report.capabilities
        lines.append(
            f"== {report.adapter}: {report.description} "
            f"(incremental={caps['incremental']}, events={','.join(caps['event_keys'])}, "
            f"state={','.join(caps['state_keys']) or '-'}, limits={caps['supports_limits']}, "
            f"chat={caps['supports_chat']}{', responses=True' if caps.get('supports_responses') else ''}; "
            f"{report.seconds:.1f} s)"
        )
        lines.append(f"   {'category':<12} {'passed':>7} {'failed':>7} {'skipped':>8}")
        lines.extend(
            f"   {category:<12} {report.count('passed', category):>7} {report.count('failed', category):>7} "
            f"{report.count('skipped', category):>8}"
            for category in report.categories
        )
        lines.append(
            f"   {'total':<12} {report.count('passed'):>7} {report.count('failed'):>7} {report.count('skipped'):>8}"
        )
        failed = [r for r in report.results if r.status == "failed"]
        if failed and verbose:
            lines.append("   failures:")
            for r in failed:
                lines.append(
                    f"   FAIL {r.name} [{', '.join(r.checks_failed)}] ({r.failed_chunkings}/{r.chunkings} chunkings)"
                )
                lines.extend(f"        {f.chunking}: {f.check}: {f.message}" for f in r.failures)
        lines.append("")
    return "\n".join(lines)


#: The version of the JSON report's layout (``conformance/report.schema.json``): raised when a
#: field is removed or changes meaning; new fields may appear without a new version.
SCHEMA_VERSION = 1


def to_json(reports: Sequence[AdapterReport], config: RunConfig) -> Dict[str, Any]:
    """The ``--report json`` document, described by ``conformance/report.schema.json``."""
    passed, failed, skipped = totals(reports)
    return {
        "schema_version": SCHEMA_VERSION,
        "report": "run",
        "seed": config.seed,
        "quick": config.quick,
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
        "adapters": [
            {
                "name": r.adapter,
                "description": r.description,
                "capabilities": r.capabilities,
                "seconds": round(r.seconds, 3),
                "categories": {c: {s: r.count(s, c) for s in ("passed", "failed", "skipped")} for c in r.categories},
                "results": [x.to_dict() for x in r.results],
            }
            for r in reports
        ],
    }


def to_junit(reports: Sequence[AdapterReport]) -> str:
    passed, failed, skipped = totals(reports)
    root = ET.Element(
        "testsuites",
        name="sse conformance",
        tests=str(passed + failed + skipped),
        failures=str(failed),
        errors="0",
        skipped=str(skipped),
    )
    for report in reports:
        for category in report.categories:
            results = [r for r in report.results if r.category == category]
            suite = ET.SubElement(
                root,
                "testsuite",
                name=f"{report.adapter}.{category}",
                tests=str(len(results)),
                failures=str(sum(1 for r in results if r.status == "failed")),
                errors="0",
                skipped=str(sum(1 for r in results if r.status == "skipped")),
            )
            for r in results:
                case = ET.SubElement(suite, "testcase", classname=f"{report.adapter}.{category}", name=r.name)
                if r.status == "failed":
                    first = r.failures[0] if r.failures else None
                    message = f"{first.chunking}: {first.check}: {first.message}" if first else "failed"
                    failure = ET.SubElement(case, "failure", message=message[:500], type=",".join(r.checks_failed))
                    failure.text = "\n".join(f"{f.chunking}: {f.check}: {f.message}" for f in r.failures)
                elif r.status == "skipped":
                    ET.SubElement(case, "skipped", message=r.skip_reason)
    return ET.tostring(root, encoding="unicode")


def format_report(reports: Sequence[AdapterReport], kind: str, config: RunConfig) -> str:
    if kind == "json":
        return json.dumps(to_json(reports, config), indent=2)
    if kind == "junit":
        return '<?xml version="1.0" encoding="utf-8"?>\n' + to_junit(reports)
    return format_table(reports)
