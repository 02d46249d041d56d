"""Check the fixtures' expected events against a real browser's ``EventSource`` (headless Chromium).

Command line (``python -m conformance browser --help``)::

    python -m conformance browser [--fixtures DIR] [--category spec ...] [--name PATTERN ...]
                                  [--chromium PATH] [--timeout SECONDS] [--writes event|whole|byte]
                                  [--report table|json] [--output FILE]

One :class:`~conformance.serve.ReplayServer` on 127.0.0.1 serves a page and,
at ``/fx/N``, fixture N's exact bytes as ``text/event-stream`` (one TCP write
per event block; ``--writes whole``: all at once, ``byte``: byte by byte).
One headless Chromium loads the page, which opens an ``EventSource`` per
fixture in turn, records every event's ``type``, ``data``
and ``lastEventId`` (it listens for ``message`` and for every type the fixture
expects or its input names in an ``event`` line), closes the ``EventSource``
on the first error (the end of the stream: the browser would reconnect; a
reconnection would get ``204 No Content``, which stops it), and POSTs what it
saw to ``/result/N``.  Each fixture's ``expect.events`` (type, data, and ``id``
= ``lastEventId``) are then compared with what Chromium dispatched.

Not observable in a browser, so not compared: ``retry`` and the reconnection
time (a page sees neither; the time shows only in how long the browser waits
before it reconnects, which is how the notes on empty ``retry`` values in
``build_fixtures.py`` were measured, by hand: ``BROWSER.md``), the parser state
(the last event ID string, ``expect.end``).  Fixtures with ``options`` (sse_pplx's size limits) or an
expected ``error`` are skipped: a browser has no such limits.

The last line printed is ``N agreed, M diverged`` (a line ``K skipped`` comes
before it when fixtures were skipped).  The exit status is 1 when a fixture
diverged and its ``browser.divergence`` field does not say so, 2 when Chromium
could not run.  Standard library only.
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from .fixture import FIXTURES_DIR, Fixture, FixtureError, iter_fixtures
from .serve import ReplayServer, Reply, Request

__all__ = [
    "CHROMIUM_FLAGS",
    "BrowserError",
    "BrowserRun",
    "Report",
    "Outcome",
    "candidate_types",
    "chromium_version",
    "compare",
    "find_chromium",
    "format_report",
    "main",
    "render_page",
    "run_browser",
    "skip_reason",
]

#: Where to look for Chromium when ``--chromium`` is not given (after ``$CHROMIUM``).
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium")

#: Headless, and nothing that talks to the network on its own (a closed network refuses it).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-proxy-server",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--disable-breakpad",
    "--disable-crash-reporter",
)

#: The event keys a page can observe: ``id`` is the event's ``lastEventId``.
EVENT_KEYS = ("type", "data", "id")

#: How long the page waits for one stream to end before giving up on it (seconds).
DEFAULT_TIMEOUT = 5.0

#: How a stream is written: one TCP write per event block, all at once, or byte by byte.
WRITES = ("event", "whole", "byte")


class BrowserError(RuntimeError):
    """Chromium is missing, did not start, or the page did not report back in time."""


# -- fixtures ------------------------------------------------------------------------


def skip_reason(fx: Fixture) -> Optional[str]:
    """Why a fixture cannot be checked in a browser, or None."""
    if fx.options:
        return "parser limits (options): a browser has none"
    if fx.expect["error"] is not None:
        return "expects a limit error: a browser has no limits"
    return None


def expected_events(fx: Fixture) -> List[Dict[str, str]]:
    """The fixture's expected events, reduced to what a page observes."""
    return [{k: e[k] for k in EVENT_KEYS} for e in fx.expect["events"]]


_SPLITTERS = (re.compile(r"\r\n|\r|\n"), re.compile(r"\n"), re.compile(r"\r\n"), re.compile(r"\r"))


def candidate_types(fx: Fixture) -> List[str]:
    """The event types to listen for: ``message``, every expected type, every ``event`` value in the input.

    A page only hears the types it listens for, so the input is scanned for
    ``event`` lines under every way of cutting lines (CR LF, LF, CR alone):
    an event a browser dispatched under a type nobody expected is heard too.
    """
    text = fx.data.decode("utf-8", "replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    found = {"message"}
    found.update(e["type"] for e in fx.expect["events"])
    for splitter in _SPLITTERS:
        for line in splitter.split(text):
            if line.startswith("event:"):
                value = line[6:]
                found.add(value[1:] if value.startswith(" ") else value)
    found.discard("")
    return sorted(found)


# -- the page ------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>sse_pplx conformance: EventSource</title></head>
<body><pre id="log"></pre>
<script>
"use strict";
const FIXTURES = __FIXTURES__;
const TIMEOUT_MS = __TIMEOUT_MS__;
const log = document.getElementById("log");

function runOne(fx) {
  return new Promise((resolve) => {
    const events = [];
    let opened = false;
    let finished = false;
    const started = performance.now();
    const es = new EventSource(fx.url);
    const timer = setTimeout(() => finish("timeout"), TIMEOUT_MS);
    function finish(how) {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const state = es.readyState;
      es.close();
      resolve({events: events, end: how, opened: opened, ready_state: state,
               ms: Math.round(performance.now() - started)});
    }
    function onEvent(e) {
      // an SSE event named "error" or "open" shares its name with EventSource's own events
      if (!(e instanceof MessageEvent) || finished) return;
      events.push({type: e.type, data: e.data, id: e.lastEventId});
    }
    for (const type of fx.types) es.addEventListener(type, onEvent);
    es.addEventListener("open", (e) => { if (!(e instanceof MessageEvent)) opened = true; });
    es.addEventListener("error", (e) => { if (!(e instanceof MessageEvent)) finish("error"); });
  });
}

async function post(path, value) {
  await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                     body: JSON.stringify(value)});
}

(async () => {
  try {
    for (const fx of FIXTURES) {
      const result = await runOne(fx);
      log.textContent += fx.name + " " + result.end + " " + result.events.length + "\\n";
      await post("/result/" + fx.index, result);
    }
    await post("/done", {userAgent: navigator.userAgent});
  } catch (e) {
    await post("/failed", {error: String((e && e.stack) || e)});
  }
})();
</script>
</body></html>
"""


def _js_literal(value: Any) -> str:
    """JSON for a ``<script>`` element: ASCII, and no ``<`` (so no ``</script>``)."""
    return json.dumps(value, ensure_ascii=True).replace("<", "\\u003c")


def render_page(fixtures: Sequence[Fixture], timeout: float = DEFAULT_TIMEOUT) -> str:
    """The HTML page that opens an ``EventSource`` on ``/fx/<i>`` for each fixture, in order."""
    entries = [
        {"index": i, "name": fx.name, "url": f"/fx/{i}", "types": candidate_types(fx)} for i, fx in enumerate(fixtures)
    ]
    return _PAGE.replace("__FIXTURES__", _js_literal(entries)).replace("__TIMEOUT_MS__", str(int(timeout * 1000)))


# -- the server ----------------------------------------------------------------------


class BrowserRun:
    """The page, the streams and the results for one browser run, served by one :class:`ReplayServer`.

    Routes: ``GET /`` the page; ``/fx/<i>`` fixture ``i``'s bytes as
    ``text/event-stream`` the first time, ``204 No Content`` afterwards (a
    reconnection); ``POST /result/<i>`` what the page saw; ``POST /done`` and
    ``POST /failed`` the end of the run.  Use as a context manager.

    Attributes:
        fixtures: the fixtures, in page order.
        results: ``{index: the page's JSON for that fixture}``.
        served: ``{index: how many times /fx/<index> was requested}``.
        done: set when the page POSTed ``/done`` or ``/failed``.
        failure: the page's error (``/failed``), or None.
        user_agent: ``navigator.userAgent``, once done.
        server: the :class:`ReplayServer`; ``url`` its address.
    """

    def __init__(self, fixtures: Sequence[Fixture], timeout: float = DEFAULT_TIMEOUT, writes: str = "event") -> None:
        if writes not in WRITES:
            raise ValueError(f"writes must be one of {', '.join(WRITES)}")
        self.fixtures = list(fixtures)
        self.timeout = timeout
        self.writes = writes
        self.page = render_page(self.fixtures, timeout)
        self.results: Dict[int, Dict[str, Any]] = {}
        self.served: Dict[int, int] = {}
        self.done = threading.Event()
        self.failure: Optional[str] = None
        self.user_agent: Optional[str] = None
        self._progress = threading.Condition()
        self.server = ReplayServer(self.handle)

    @property
    def url(self) -> str:
        return self.server.url + "/"

    def __enter__(self) -> BrowserRun:
        self.server.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.server.close(raise_errors=exc_type is None)

    def _index(self, path: str, prefix: str) -> Optional[int]:
        rest = path[len(prefix) :]
        if not rest.isdigit() or int(rest) >= len(self.fixtures):
            return None
        return int(rest)

    def handle(self, request: Request) -> Reply:
        path = request.path
        if path in ("/", "/index.html"):
            return Reply(self.page.encode("utf-8"), content_type="text/html; charset=utf-8", headers=_NO_STORE)
        if path.startswith("/fx/"):
            index = self._index(path, "/fx/")
            if index is None:
                return _not_found()
            with self._progress:
                count = self.served.get(index, 0)
                self.served[index] = count + 1
            if count:  # a reconnection: 204 makes EventSource give up
                return Reply(b"", status=204, headers=_NO_STORE)
            data = self.fixtures[index].data
            chunks = None  # "event": one write per event block
            if self.writes == "whole" and data:
                chunks = [len(data)]
            elif self.writes == "byte" and data:
                chunks = [1] * len(data)
            return Reply(data, chunks=chunks, content_type="text/event-stream", headers=_NO_STORE)
        if request.method == "POST" and path.startswith("/result/"):
            index = self._index(path, "/result/")
            if index is None:
                return _not_found()
            with self._progress:
                self.results[index] = request.json()
                self._progress.notify_all()
            return _ok()
        if request.method == "POST" and path in ("/done", "/failed"):
            body = request.json()
            with self._progress:
                if path == "/failed":
                    self.failure = str(body.get("error"))
                else:
                    self.user_agent = body.get("userAgent")
                self.done.set()
                self._progress.notify_all()
            return _ok()
        return _not_found()

    def wait(self, is_alive: Any, start_timeout: float = 60.0) -> None:
        """Wait for the page's ``/done``; raise :class:`BrowserError` when it stalls or the browser dies.

        Stalled means no result for ``start_timeout`` seconds before the first
        one (the browser starting), or for the page's per-stream timeout plus
        10 seconds after that.
        """
        with self._progress:
            last_count, last_change = -1, time.monotonic()
            while not self.done.is_set():
                count = len(self.results)
                now = time.monotonic()
                if count != last_count:
                    last_count, last_change = count, now
                limit = start_timeout if count == 0 else self.timeout + 10.0
                if now - last_change > limit:
                    raise BrowserError(
                        f"the page stalled: {count} of {len(self.fixtures)} results, none new for {limit:.0f} s"
                    )
                if not is_alive():
                    raise BrowserError(f"Chromium exited after {count} of {len(self.fixtures)} results")
                self._progress.wait(0.2)
        if self.failure is not None:
            raise BrowserError(f"the page failed: {self.failure}")


_NO_STORE = {"Cache-Control": "no-store"}


def _ok() -> Reply:
    return Reply(b"ok\n", content_type="text/plain; charset=utf-8", headers=_NO_STORE)


def _not_found() -> Reply:
    return Reply(b"not found\n", status=404, content_type="text/plain; charset=utf-8")


# -- Chromium ------------------------------------------------------------------------


def find_chromium(path: Optional[str] = None) -> Optional[str]:
    """``path`` if given, else ``$CHROMIUM``, else the first Chromium on ``PATH`` (or /usr/bin/chromium)."""
    if path:
        return path if (os.path.isfile(path) and os.access(path, os.X_OK)) or shutil.which(path) else None
    env = os.environ.get("CHROMIUM")
    if env:
        return find_chromium(env)
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_version(chromium: str) -> str:
    """What ``chromium --version`` prints (e.g. ``Chromium 150.0.7871.100 built on Debian ...``)."""
    try:
        out = subprocess.run(
            [chromium, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise BrowserError(f"cannot run {chromium}: {exc}") from exc
    return out.decode("utf-8", "replace").strip()


def chromium_command(chromium: str, profile: str, url: str) -> List[str]:
    """The command line: headless, quiet on the network, a fresh profile, the page."""
    return [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """End the Chromium this run started, with the helpers in the process group it was started in.

    The group is signalled only while its leader has not been reaped, so its id
    cannot belong to anything else; then the leader is reaped, and whatever of
    the group is left is killed.
    """
    if proc.poll() is not None:
        return
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(5.0)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5.0)
        return
    with contextlib.suppress(OSError):  # helpers that outlived the browser process
        os.killpg(proc.pid, signal.SIGKILL)


# -- comparing -----------------------------------------------------------------------


class Outcome:
    """One fixture's result.

    Attributes:
        name: the fixture's name; ``category`` its category.
        status: ``"agreed"``, ``"diverged"`` or ``"skipped"``.
        expected: the expected events (type, data, id); ``got``: Chromium's, or None.
        detail: what differs (or why skipped), or ``""``.
        note: the fixture's ``browser.divergence``, or None.
        end: how the page's stream ended (``"error"``: the end of the stream; ``"timeout"``).
    """

    __slots__ = ("category", "detail", "end", "expected", "got", "name", "note", "status")

    def __init__(
        self,
        fx: Fixture,
        status: str,
        got: Optional[List[Dict[str, str]]] = None,
        detail: str = "",
        end: Optional[str] = None,
    ) -> None:
        self.name = fx.name
        self.category = fx.category
        self.status = status
        self.expected = expected_events(fx)
        self.got = got
        self.detail = detail
        self.note = (fx.browser or {}).get("divergence")
        self.end = end

    @property
    def unexplained(self) -> bool:
        """Diverged, and the fixture's ``browser.divergence`` does not say so."""
        return self.status == "diverged" and not self.note

    def as_dict(self) -> Dict[str, Any]:
        return {k: getattr(self, k) for k in ("name", "category", "status", "detail", "note", "end", "expected", "got")}


def _first_difference(expected: List[Dict[str, str]], got: List[Dict[str, str]]) -> str:
    for i, (e, g) in enumerate(zip(expected, got)):
        if e != g:
            keys = [k for k in EVENT_KEYS if e.get(k) != g.get(k)]
            return f"event {i}: " + ", ".join(f"{k} expected {e.get(k)!r}, got {g.get(k)!r}" for k in keys)
    if len(got) > len(expected):
        return f"{len(got) - len(expected)} extra event(s), the first {got[len(expected)]!r}"
    return f"{len(expected) - len(got)} missing event(s), the first {expected[len(got)]!r}"


def compare(fx: Fixture, result: Optional[Dict[str, Any]]) -> Outcome:
    """Compare what the page reported for ``fx`` with ``expect.events``."""
    if result is None:
        return Outcome(fx, "diverged", None, "no result from the page")
    got = [{k: str(e.get(k, "")) for k in EVENT_KEYS} for e in result.get("events", [])]
    end = result.get("end")
    expected = expected_events(fx)
    if end != "error":
        detail = f"the stream did not end (page: {end}); " + (
            _first_difference(expected, got) if got != expected else "events so far agree"
        )
        return Outcome(fx, "diverged", got, detail, end)
    if got != expected:
        return Outcome(fx, "diverged", got, _first_difference(expected, got), end)
    return Outcome(fx, "agreed", got, "", end)


# -- running ---------------------------------------------------------------------------


class Report:
    """The outcomes of one run, with the browser that produced them."""

    def __init__(self, outcomes: List[Outcome], version: str, command: List[str], seconds: float) -> None:
        self.outcomes = outcomes
        self.version = version
        self.command = command
        self.seconds = seconds

    def count(self, status: str, category: Optional[str] = None) -> int:
        return sum(1 for o in self.outcomes if o.status == status and category in (None, o.category))

    @property
    def unexplained(self) -> List[Outcome]:
        return [o for o in self.outcomes if o.unexplained]


def run_browser(
    fixtures: Sequence[Fixture],
    chromium: Optional[str] = None,
    timeout: float = DEFAULT_TIMEOUT,
    start_timeout: float = 60.0,
    writes: str = "event",
) -> Report:
    """Serve ``fixtures`` to one headless Chromium and compare; raises :class:`BrowserError` if it cannot run."""
    exe = find_chromium(chromium)
    if exe is None:
        raise BrowserError(f"Chromium not found ({chromium or 'chromium on PATH'}); Debian: apt-get install chromium")
    version = chromium_version(exe)
    started = time.monotonic()
    runnable = [fx for fx in fixtures if skip_reason(fx) is None]
    results: Dict[int, Dict[str, Any]] = {}
    command: List[str] = []
    if runnable:
        with BrowserRun(runnable, timeout, writes) as run, tempfile.TemporaryDirectory(prefix="sse-browser-") as tmp:
            profile, home = os.path.join(tmp, "profile"), os.path.join(tmp, "home")
            os.mkdir(home)
            # a throwaway HOME too: Debian's launcher and the crash handler write under it
            env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home)
            command = chromium_command(exe, profile, run.url)
            with tempfile.TemporaryFile() as log:
                try:
                    proc = subprocess.Popen(
                        command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True
                    )
                except OSError as exc:
                    raise BrowserError(f"cannot start {exe}: {exc}") from exc
                try:
                    run.wait(lambda: proc.poll() is None, start_timeout)
                except BrowserError as exc:
                    _stop(proc)
                    log.seek(0)
                    tail = log.read().decode("utf-8", "replace").strip().splitlines()[-15:]
                    raise BrowserError(f"{exc}\nChromium's output (last lines):\n" + "\n".join(tail)) from None
                finally:
                    _stop(proc)
            results = dict(run.results)
            version = version or str(run.user_agent)
    outcomes: List[Outcome] = []
    index = 0
    for fx in fixtures:
        reason = skip_reason(fx)
        if reason is not None:
            outcomes.append(Outcome(fx, "skipped", None, reason))
            continue
        outcomes.append(compare(fx, results.get(index)))
        index += 1
    generic = [c if not c.startswith("--user-data-dir=") else "--user-data-dir=<fresh>" for c in command[:-1]]
    return Report(outcomes, version, [*generic, "<page>"] if command else [], time.monotonic() - started)


# -- reports ---------------------------------------------------------------------------


def format_report(report: Report, kind: str = "table") -> str:
    """``table`` (divergences, skips and counts per category) or ``json`` (every fixture)."""
    categories = sorted({o.category for o in report.outcomes})
    if kind == "json":
        return json.dumps(
            {
                "chromium": report.version,
                "command": report.command,
                "seconds": round(report.seconds, 2),
                "not_compared": ["retry", "reconnection_time", "last_event_id string", "end"],
                "summary": {c: {s: report.count(s, c) for s in ("agreed", "diverged", "skipped")} for c in categories},
                "fixtures": [o.as_dict() for o in report.outcomes],
            },
            indent=2,
            ensure_ascii=True,
        )
    lines = [f"browser: {report.version}"]
    for o in report.outcomes:
        if o.status == "diverged":
            mark = "DIVERGED (noted)" if o.note else "DIVERGED"
            lines.append(f"{mark:18} {o.name}: {o.detail}")
            if o.note:
                lines.append(f"{'':18} note: {o.note}")
    lines.extend(
        f"{'agreed (noted)':18} {o.name}: the fixture notes a divergence a page cannot see, or one since fixed"
        for o in report.outcomes
        if o.status == "agreed" and o.note
    )
    lines.extend(f"{'skipped':18} {o.name}: {o.detail}" for o in report.outcomes if o.status == "skipped")
    lines.append("not compared (a page cannot observe them): retry, the reconnection time, the parser state")
    for c in categories:
        noted = sum(1 for o in report.outcomes if o.category == c and o.status == "diverged" and o.note)
        lines.append(
            f"{c}: {report.count('agreed', c)} agreed, {report.count('diverged', c)} diverged"
            + (f" ({noted} noted in the fixture)" if noted else "")
            + (f", {report.count('skipped', c)} skipped" if report.count("skipped", c) else "")
        )
    lines.append(f"({report.seconds:.1f} s)")
    return "\n".join(lines)


# -- command line ------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m conformance browser",
        description="Check the fixtures' expected events against headless Chromium's EventSource.",
    )
    p.add_argument("--fixtures", type=Path, default=None, help=f"fixtures folder (default: {FIXTURES_DIR})")
    p.add_argument(
        "--category",
        action="append",
        default=None,
        metavar="CAT",
        help="only this category; repeatable (default: spec)",
    )
    p.add_argument("--name", action="append", default=None, metavar="PATTERN", help="only fixtures matching (fnmatch)")
    p.add_argument(
        "--chromium", default=None, metavar="PATH", help="the browser (default: $CHROMIUM, chromium on PATH)"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"seconds a stream may take (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--writes",
        choices=WRITES,
        default="event",
        help="how each stream is written: one TCP write per event block (default), all at once, byte by byte",
    )
    p.add_argument("--report", choices=("table", "json"), default="table")
    p.add_argument("--output", type=Path, default=None, help="write the report to FILE instead of standard output")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = _parser().parse_args(argv)
    try:
        fixtures = list(iter_fixtures(args.fixtures, args.category or ["spec"]))
    except FixtureError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("0 agreed, 0 diverged")
        return 2
    if args.name:
        fixtures = [fx for fx in fixtures if any(fnmatch.fnmatchcase(fx.name, p) for p in args.name)]
    if not fixtures:
        print(f"error: no fixtures found in {args.fixtures or FIXTURES_DIR}", file=sys.stderr)
        print("0 agreed, 0 diverged")
        return 2
    try:
        report = run_browser(fixtures, args.chromium, args.timeout, writes=args.writes)
    except BrowserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("0 agreed, 0 diverged")
        return 2
    text = format_report(report, args.report)
    if args.output is not None:
        args.output.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    skipped = report.count("skipped")
    if skipped:
        print(f"{skipped} skipped")
    print(f"{report.count('agreed')} agreed, {report.count('diverged')} diverged")
    return 1 if report.unexplained else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
