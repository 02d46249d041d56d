"""The browser check (conformance/browser.py): fixtures served to an EventSource page.

Without Chromium: the server serves each fixture's exact bytes (then 204 to a
reconnection), the page is generated for the right fixtures and listens for the
right types, the comparison and the command line work, end to end with a fake
"browser" (a Python script that fetches the page and the streams and parses them
with the reference parser).  With Debian's Chromium (/usr/bin/chromium): every
spec fixture in the real browser (none skipped; a divergence only where the
fixture notes it).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conformance.browser import (
    BrowserError,
    BrowserRun,
    Outcome,
    candidate_types,
    compare,
    format_report,
    render_page,
    run_browser,
    skip_reason,
)
from conformance.fixture import Fixture, iter_fixtures, load_fixture
from conformance.oracle import parse
from tests.interpreter import once_per_tox_run

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CHROMIUM = "/usr/bin/chromium"


def fx(name: str) -> Fixture:
    return load_fixture(FIXTURES / f"{name}.json")


def make_fixture(name: str, data: bytes, **extra: Any) -> Fixture:
    """A fixture built in memory, its expectation from the reference parser."""
    obj = {
        "name": name,
        "description": "test",
        "source": "test",
        "input": {"text": data.decode("utf-8")},
        "expect": parse(data).expect(),
        **extra,
    }
    return Fixture(obj)


def page_fixtures(html: str) -> List[Dict[str, Any]]:
    match = re.search(r"const FIXTURES = (.*);\n", html)
    assert match, "the page has no fixture list"
    return json.loads(match.group(1))


def get(url: str, path: str, method: str = "GET", body: bytes = b"") -> http.client.HTTPResponse:
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request(method, path, body=body or None, headers={"Content-Type": "application/json"} if body else {})
    resp = conn.getresponse()
    resp.body = resp.read()  # type: ignore[attr-defined]
    conn.close()
    return resp


# -- without a browser -----------------------------------------------------------------


def test_server_serves_exact_bytes_then_204_and_records_results() -> None:
    chosen = [
        fx("spec/line-end-crlf"),
        fx("spec/bom-stripped"),
        fx("utf8/invalid-lone-continuation"),
        fx("framing/lone-crs"),
    ]
    assert any(c.raw["input"].get("base64") for c in chosen)  # bytes that are not UTF-8 too
    with BrowserRun(chosen) as run:
        for i, f in enumerate(chosen):
            first = get(run.url, f"/fx/{i}")
            assert first.status == 200
            assert first.getheader("Content-Type") == "text/event-stream"
            assert first.body == f.data  # type: ignore[attr-defined]
            again = get(run.url, f"/fx/{i}")  # the browser reconnecting after the end of the stream
            assert again.status == 204
            assert again.body == b""  # type: ignore[attr-defined]
        assert run.served == dict.fromkeys(range(len(chosen)), 2)
        page = get(run.url, "/")
        assert page.status == 200
        assert page.getheader("Content-Type").startswith("text/html")
        assert [e["name"] for e in page_fixtures(page.body.decode())] == [c.name for c in chosen]  # type: ignore[attr-defined]
        result = {"events": [{"type": "message", "data": "a", "id": ""}], "end": "error"}
        assert get(run.url, "/result/1", "POST", json.dumps(result).encode()).status == 200
        assert run.results == {1: result}
        assert get(run.url, "/fx/99").status == 404
        assert get(run.url, "/nothing").status == 404
        assert not run.done.is_set()
        assert get(run.url, "/done", "POST", b'{"userAgent": "x"}').status == 200
        assert run.done.is_set() and run.user_agent == "x"


@pytest.mark.parametrize("writes", ["whole", "byte"])
def test_other_ways_of_writing_serve_the_same_bytes(writes: str) -> None:
    chosen = [fx("spec/line-end-crlf"), fx("utf8/invalid-lone-continuation"), fx("spec/empty-stream")]
    with BrowserRun(chosen, writes=writes) as run:
        for i, f in enumerate(chosen):
            assert get(run.url, f"/fx/{i}").body == f.data  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        BrowserRun(chosen, writes="lines")


def test_page_lists_the_fixtures_and_their_event_types() -> None:
    names = [
        "spec/event-type-set",
        "spec/event-type-error-is-just-a-type",
        "spec/data-single-line",
        "utf8/valid-in-event-type",
    ]
    chosen = [fx(n) for n in names if (FIXTURES / f"{n}.json").exists()]
    html = render_page(chosen, timeout=2.5)
    entries = page_fixtures(html)
    assert [(e["index"], e["name"], e["url"]) for e in entries] == [
        (i, c.name, f"/fx/{i}") for i, c in enumerate(chosen)
    ]
    for entry, c in zip(entries, chosen):
        assert "message" in entry["types"]
        assert {e["type"] for e in c.expect["events"]} <= set(entry["types"])
    assert "error" in entries[1]["types"]  # an SSE event named "error" is listened for (and told from a failure)
    assert "const TIMEOUT_MS = 2500;" in html


def test_candidate_types_cover_every_way_of_cutting_lines() -> None:
    f = make_fixture("t/types", b"event: a\r\ndata: 1\n\nevent:b\rdata: 2\n\nevent\ndata: 3\n\nevent: </script>\n\n")
    types = candidate_types(f)
    assert {"message", "a", "b", "</script>"} <= set(types)
    assert "a\r" in types  # what a browser cutting lines at LF only would report
    assert "" not in types
    html = render_page([f])
    assert "</script>" not in html.split("<script>", 1)[1].rsplit("</script>", 1)[0]
    assert "</script>" in page_fixtures(html)[0]["types"]


def test_limits_fixtures_are_skipped() -> None:
    limits = list(iter_fixtures(categories=["limits"]))
    assert limits and all(skip_reason(f) for f in limits)
    assert all(skip_reason(f) is None for f in iter_fixtures(categories=["spec"]))


def test_compare() -> None:
    f = fx("spec/data-multiline-joined")
    events = [{"type": "message", "data": "a\nb\nc", "id": ""}]
    assert compare(f, {"events": events, "end": "error"}).status == "agreed"
    wrong = compare(f, {"events": [{"type": "message", "data": "abc", "id": ""}], "end": "error"})
    assert wrong.status == "diverged" and wrong.unexplained
    assert "data expected 'a\\nb\\nc', got 'abc'" in wrong.detail
    assert "missing" in compare(f, {"events": [], "end": "error"}).detail
    assert "extra" in compare(f, {"events": events * 2, "end": "error"}).detail
    timeout = compare(f, {"events": events, "end": "timeout"})
    assert timeout.status == "diverged" and "did not end" in timeout.detail
    assert compare(f, None).status == "diverged"
    noted = compare(fx("spec/bom-then-blank-line"), {"events": [], "end": "error"})
    assert noted.status == "diverged" and noted.note and not noted.unexplained


FAKE_BROWSER = textwrap.dedent(
    """\
    # A stand-in for Chromium: fetch the page, each stream (and its reconnection), parse with the oracle, POST.
    import http.client, json, os, re, sys
    sys.path.insert(0, {root!r})
    from conformance.oracle import parse

    if "--version" in sys.argv:
        print("FakeChromium 1.0")
        sys.exit(0)
    url = sys.argv[-1]
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")

    def request(method, path, body=None):
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request(method, path, body=body)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, data

    _, page = request("GET", "/")
    fixtures = json.loads(re.search(r"const FIXTURES = (.*);\\n", page.decode()).group(1))
    for fx in fixtures:
        status, data = request("GET", fx["url"])
        again, _ = request("GET", fx["url"])
        assert (status, again) == (200, 204), (status, again)
        events = [{{"type": e["type"], "data": e["data"], "id": e["id"]}} for e in parse(data).events]
        events = [e for e in events if e["type"] in fx["types"]]
        if fx["name"] == os.environ.get("FAKE_MANGLE"):
            events = events[1:]
        request("POST", "/result/%d" % fx["index"], json.dumps({{"events": events, "end": "error"}}))
    request("POST", "/done", json.dumps({{"userAgent": "fake"}}))
    """
)


@pytest.fixture
def fake_browser(tmp_path: Path) -> str:
    script = tmp_path / "fake-chromium"
    script.write_text(f"#!{sys.executable}\n" + FAKE_BROWSER.format(root=str(ROOT)), encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def test_end_to_end_with_a_fake_browser(fake_browser: str) -> None:
    chosen = [
        fx("spec/data-multiline-joined"),
        fx("spec/id-sticky"),
        fx("limits/line-one-over-limit"),
        fx("utf8/invalid-lone-continuation"),
    ]
    report = run_browser(chosen, fake_browser, timeout=5, start_timeout=20)
    assert report.version == "FakeChromium 1.0"
    assert [o.status for o in report.outcomes] == ["agreed", "agreed", "skipped", "agreed"]
    assert report.command[0] == fake_browser and "--headless" in report.command
    assert not report.unexplained
    data = json.loads(format_report(report, "json"))
    assert data["summary"]["spec"] == {"agreed": 2, "diverged": 0, "skipped": 0}
    assert "spec: 2 agreed, 0 diverged" in format_report(report, "table")


def _cli(*args: str, env: Dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "conformance", "browser", *args],
        cwd=str(ROOT),
        capture_output=True,
        text=True,
        env=dict(os.environ, **(env or {})),
        timeout=60,
        check=False,
    )


def test_command_line(fake_browser: str) -> None:
    ok = _cli("--chromium", fake_browser, "--name", "spec/id-*", "--name", "spec/bom-then-blank-line")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines()[-1].endswith(" agreed, 0 diverged")
    mangled = _cli("--chromium", fake_browser, "--name", "spec/id-set", env={"FAKE_MANGLE": "spec/id-set"})
    assert mangled.returncode == 1
    assert "DIVERGED" in mangled.stdout and mangled.stdout.splitlines()[-1] == "0 agreed, 1 diverged"
    missing = _cli("--chromium", "/nonexistent/chromium", "--name", "spec/id-set")
    assert missing.returncode == 2 and "Chromium not found" in missing.stderr
    assert missing.stdout.splitlines()[-1] == "0 agreed, 0 diverged"


def test_a_browser_that_dies_is_reported(tmp_path: Path) -> None:
    script = tmp_path / "dead-chromium"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nprint('Dead 1.0') if '--version' in sys.argv else sys.exit(3)\n"
    )
    script.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(BrowserError, match="Chromium exited"):
        run_browser([fx("spec/id-set")], str(script), timeout=2, start_timeout=20)
    assert time.monotonic() - started < 10


# -- with Chromium -------------------------------------------------------------------------

#: A handful of spec fixtures: types (one named "error"), ids (sticky, NUL), line ends, the end of the stream.
CHROMIUM_FIXTURES = [
    "spec/data-multiline-joined",
    "spec/event-type-error-is-just-a-type",
    "spec/event-type-with-nul",
    "spec/id-sticky",
    "spec/id-with-nul-ignored",
    "spec/line-end-mixed",
    "spec/eof-data-line-without-blank-line",
    "spec/empty-stream",
    "spec/bom-then-blank-line",
    "spec/wpt-format-field-parsing",
]


@once_per_tox_run
@pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK),
    reason=f"{CHROMIUM} not installed (Debian: apt-get install chromium); CI machines have no browser unless installed",
)
def test_every_spec_fixture_in_chromium() -> None:
    """Every spec fixture in the real browser (one launch, a few seconds): none is skipped, every
    stream ends, and every divergence is one the fixture notes; a handful must agree outright."""
    spec = list(iter_fixtures(FIXTURES, ["spec"]))
    report = run_browser(spec, CHROMIUM, timeout=5, start_timeout=30)
    assert report.version.startswith("Chromium")
    by_name: Dict[str, Outcome] = {o.name: o for o in report.outcomes}
    assert sorted(by_name) == sorted(f.name for f in spec) and report.count("skipped") == 0
    assert not report.unexplained, format_report(report)
    assert all(o.end == "error" for o in report.outcomes)  # every stream ended; none timed out
    for name in CHROMIUM_FIXTURES:
        if not by_name[name].note:
            assert by_name[name].status == "agreed", (name, by_name[name].detail)
