"""``python -m sse_pplx`` refusing what makes no sense, and saying what happened: run as a user runs it.

Subprocesses against servers on 127.0.0.1, as in ``tests/test_cli.py``: meaningless option
combinations and out-of-range values are usage errors (exit 2) and every option has help text;
an empty or non-SSE stream on stdin is an error said on stderr; ``--url --reconnect`` says when
it reconnects; an HTTP error names the request (method and URL, never the key); ``--json``
after Ctrl-C prints what had arrived, marked ``"interrupted": true``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from conformance import response_examples as ex
from sse_pplx import _cli_args
from tests.servers import LoopbackServer, chunk_obj, sse
from tests.test_cli import ROOT, _env, _run

# -- usage errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--file", "saved.txt", "a question"), "--file reads a saved stream; it takes no question"),
        (("--demo", "--file", "saved.txt"), "--file reads a saved stream; --demo does not apply to it"),
        (("--file", "saved.txt", "--json"), "--json does not apply to it"),
        (("--file", "saved.txt", "--timeout", "5"), "--timeout does not apply to it"),
        (("--file", "saved.txt", "--url", "http://127.0.0.1:1/"), "--url does not apply to it"),
        (("--url", "http://127.0.0.1:1/", "a question"), "--url reads an SSE endpoint; it takes no question"),
        (("--url", "http://127.0.0.1:1/", "--demo"), "--demo does not apply to it"),
        (("--url", "http://127.0.0.1:1/", "--model", "sonar"), "--model does not apply to it"),
        (("--reconnect", "--demo"), "--reconnect needs --url"),
        (("--reconnect", "--file", "saved.txt"), "--reconnect needs --url"),
        (("--json", "--events", "--demo"), "choose one"),
        (("--preset", "fast", "q"), "--preset needs --agent"),
        (("--agent", "--temperature", "0.5", "q"), "--temperature is not sent with --agent"),
        (("--agent", "--replay", "x.json"), "--agent replays its own"),
        (("--show-reasoning", "--json", "--demo"), "--show-reasoning shows the streamed text"),
        (("--show-reasoning", "--events", "--demo"), "--show-reasoning shows the streamed text"),
        (("--show-reasoning", "--agent", "--demo"), "not --agent"),
        (("--demo", "--base-url", "http://127.0.0.1:1/v1"), "a replay (--demo, --replay) asks none"),
        (("--base-url", "http://127.0.0.1:1/v1", "--speed", "2", "q"), "--speed times a replay"),
        (("--speed", "-1", "--demo"), "argument --speed: must be 0 (no delays) or more, not -1"),
        (("--speed", "nan", "--demo"), "argument --speed: not a finite number: 'nan'"),
        (("--speed", "inf", "--demo"), "argument --speed: not a finite number: 'inf'"),
        (("--timeout", "0", "q"), "argument --timeout: must be more than 0 seconds, not 0"),
        (("--timeout", "-2", "q"), "argument --timeout: must be more than 0 seconds, not -2"),
        (("--timeout", "nan", "q"), "argument --timeout: not a finite number"),
        (("--max-tokens", "0", "q"), "argument --max-tokens: must be 1 or more, not 0"),
        (("--max-retries", "-1", "q"), "argument --max-retries: must be 0 or more, not -1"),
        (("--temperature", "inf", "q"), "argument --temperature: not a finite number"),
    ],
)
def test_meaningless_options_are_usage_errors(args, message) -> None:
    proc = _run(*args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    last = proc.stderr.splitlines()[-1]
    assert last.startswith("python -m sse_pplx: error: ") and message in last, proc.stderr
    assert proc.stderr.startswith("usage: python -m sse_pplx")
    assert "Traceback" not in proc.stderr


def test_speed_with_a_key_set_needs_demo() -> None:
    """With a key, nothing is replayed unless --demo: --speed would be ignored, so it is refused."""
    proc = _run("q", "--speed", "2", env=_env(PERPLEXITY_API_KEY="pplx-x"))
    assert proc.returncode == 2
    assert "--speed times a replay, and PERPLEXITY_API_KEY is set: add --demo to replay" in proc.stderr
    replayed = _run("q", "--speed", "0", "--demo", env=_env(PERPLEXITY_API_KEY="pplx-x"))
    assert replayed.returncode == 0, replayed.stderr


def test_an_option_of_asking_without_a_question_is_not_read_as_a_piped_stream() -> None:
    """``--model x`` with a piped stdin and a key: a missing question (exit 2), not a parse of stdin."""
    proc = _run("--model", "sonar-pro", stdin=b"data: x\n\n", env=_env(PERPLEXITY_API_KEY="pplx-x"))
    assert proc.returncode == 2
    assert "no question" in proc.stderr
    assert proc.stdout == ""


def test_every_option_has_help_text() -> None:
    ap = _cli_args.parser("0")
    missing = [action.dest for action in ap._actions if not action.help or action.help == argparse.SUPPRESS]
    assert missing == []
    shown = _run("--help")
    assert shown.returncode == 0
    for action in ap._actions:
        for flag in action.option_strings:
            assert flag in shown.stdout


# -- what was read ---------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["piped", "--file -"])
def test_empty_stdin_says_so_and_exits_1(how: str) -> None:
    proc = _run(*(["--file", "-"] if how == "--file -" else []), stdin=b"")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == ["error: stdin is empty: no SSE stream to read (ask a question, or --demo)"]


@pytest.mark.parametrize(
    "data",
    [
        b'{"choices": [{"delta": {"content": "hi"}}]}\n',  # JSON, not an event stream
        b"<html><body>502 Bad Gateway</body></html>\n",
        b"data: never ended by a blank line\n",  # `echo 'data: x'`: one newline is not an event's end
        b": only a comment\n\n",
    ],
)
def test_input_with_no_sse_event_says_so_and_exits_1(data: bytes, tmp_path: Path) -> None:
    piped = _run(stdin=data)
    assert piped.returncode == 1
    assert piped.stdout == ""
    assert piped.stderr.splitlines() == [
        f"error: no SSE event in stdin ({len(data)} bytes): is it a text/event-stream? "
        "(an event is 'data: ...' lines ended by a blank line)"
    ]
    saved = tmp_path / "saved.txt"
    saved.write_bytes(data)
    from_file = _run("--file", str(saved))
    assert from_file.returncode == 1
    assert f"error: no SSE event in {saved} ({len(data)} bytes)" in from_file.stderr


def test_file_dash_reads_stdin() -> None:
    proc = _run("--file", "-", stdin=b"data: one\n\n")
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["data"] for line in proc.stdout.splitlines()] == ["one"]


def test_reconnect_says_on_stderr_when_it_reconnects() -> None:
    """A stream that ends normally is reconnected to (EventSource); each time is said on stderr."""

    requests: List[str] = []

    def handler(exchange) -> bool:
        requests.append(exchange.headers.get("last-event-id", ""))
        if len(requests) == 1:
            exchange.stream([b"retry: 10\nid: 1\ndata: one\n\n"])
        else:  # HTTP 204: "must prevent the user agent from reconnecting": the command ends
            exchange.respond(204, b"")
        return True

    with LoopbackServer(handler) as server:
        url = server.url + "/feed"
        proc = _run("--url", url, "--reconnect")
        plain = _run("--url", url)  # a 204 again: no events, no reconnection to say
    assert requests == ["", "1", ""]
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line)["data"] for line in proc.stdout.splitlines()] == ["one"]
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert re.fullmatch(rf"\d\d:\d\d:\d\d the stream ended; reconnecting to {re.escape(url)} in 0\.01 s", lines[0])
    assert plain.returncode == 0 and "reconnecting" not in plain.stderr


# -- an HTTP error names the request ---------------------------------------------------------------


def test_an_http_error_names_the_method_and_url_never_the_key() -> None:
    def handler(exchange) -> bool:
        exchange.respond(404, b'{"error": {"message": "no such path"}}')
        return True

    with LoopbackServer(handler) as server:
        env = _env(PERPLEXITY_API_KEY="pplx-secret-key")
        asked = _run("hi", "--base-url", server.url + "/v1", env=env)
        agent = _run("--agent", "hi", env=_env(PERPLEXITY_API_KEY="pplx-secret-key", PERPLEXITY_BASE_URL=server.url))
        events = _run("--url", server.url.replace("http://", "http://user:password@") + "/feed")
    assert asked.returncode == agent.returncode == events.returncode == 1
    assert asked.stderr.splitlines() == [
        f"error: NotFoundError: Error code: 404 - no such path [POST {server.url}/v1/chat/completions]"
    ]
    assert agent.stderr.splitlines()[-1].endswith(f"[POST {server.url}/v1/agent]")
    assert events.stderr.splitlines()[-1].endswith(f"[GET {server.url}/feed]")  # the password is not shown
    for proc in (asked, agent, events):
        assert "pplx-secret-key" not in proc.stderr and "password" not in proc.stderr


def test_a_refused_connection_names_the_url() -> None:
    with LoopbackServer(lambda exchange: None) as server:
        url = server.url
    proc = _run("hi", "--base-url", url, "--max-retries", "0")
    assert proc.returncode == 1
    line = proc.stderr.splitlines()[-1]
    assert line.startswith("error: APIConnectionError: ") and line.endswith(f"[POST {url}/chat/completions]")


def test_a_stream_cut_off_does_not_name_the_url() -> None:
    """The request succeeded; what failed was the body: the URL explains nothing there."""
    proc = _run("--replay", str(ROOT / "fixtures" / "recorded" / "pplx-truncated-connection-drop.json"), "--speed", "0")
    assert proc.returncode == 1
    assert "[POST" not in proc.stderr


# -- --json after Ctrl-C ---------------------------------------------------------------------------


def _drained(pid: int, port: int, server_port: int) -> bool:
    """Whether the process has read everything sent to its socket on ``port`` (its receive queue in
    /proc/net/tcp is empty) and is asleep (blocked on the next read, so done with what it read).
    Only the established connection to ``server_port`` counts: a socket of an earlier connection
    that had the same local port may linger in TIME_WAIT on a busy machine."""
    with open("/proc/net/tcp", encoding="ascii") as f:
        rows = [line.split() for line in f.readlines()[1:]]
    queues = [
        int(row[4].split(":")[1], 16)
        for row in rows
        if int(row[1].split(":")[1], 16) == port and int(row[2].split(":")[1], 16) == server_port and row[3] == "01"
    ]
    tasks = Path(f"/proc/{pid}/task")
    states = [(task / "stat").read_text().rpartition(")")[2].split()[0] for task in tasks.iterdir()]
    return queues == [0] and all(state == "S" for state in states)


def _interrupted_json(args: List[str], env: Dict[str, str], first: bytes, server_holds: threading.Event) -> Any:
    """Run the command against a server that sends ``first`` then holds; once the command has read
    and handled it, Ctrl-C (SIGINT); its stdout parsed as JSON, and its exit status."""
    sent: List[int] = []
    got_first = threading.Event()

    def handler(exchange) -> bool:
        exchange.stream([first], end=False)
        sent.append(exchange.sock.getpeername()[1])
        got_first.set()
        server_holds.wait(30)
        return True

    with LoopbackServer(handler) as server:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sse_pplx", *args],
            cwd=ROOT,
            env={**env, "PERPLEXITY_BASE_URL": server.url},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
        )
        try:
            assert got_first.wait(30), "the server never got the request"
            deadline = time.monotonic() + 30  # bounds a failure only
            while not _drained(proc.pid, sent[0], server.port):
                assert time.monotonic() < deadline, "the command never read what was sent"
                time.sleep(0.01)
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        finally:
            server_holds.set()
            if proc.poll() is None:  # pragma: no cover - only when an assertion above failed
                proc.kill()
                proc.communicate()
    return proc.returncode, json.loads(out), err.decode()


pytestmark_linux = pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads /proc/net/tcp (Linux)")


@pytestmark_linux
def test_json_after_ctrl_c_prints_what_had_arrived() -> None:
    first = sse(chunk_obj("Hello", citations=["https://a.example"]))
    status, record, err = _interrupted_json(
        ["hi", "--json"], _env(PERPLEXITY_API_KEY="pplx-x"), first, threading.Event()
    )
    assert status == 130
    assert record["interrupted"] is True
    assert record["content"] == "Hello"
    assert record["citations"] == ["https://a.example"]
    assert record["outcome"] == "truncated"
    assert err.endswith("interrupted\n") and "Traceback" not in err


@pytestmark_linux
def test_agent_json_after_ctrl_c_prints_what_had_arrived() -> None:
    # The recorded run up to its first text delta (no response.completed).
    upto = next(i for i, event in enumerate(ex.R1_EVENTS) if event.get("type") == "response.output_text.delta")
    first = ex.frame(ex.R1_EVENTS[: upto + 1], named=False)
    status, record, err = _interrupted_json(
        ["--agent", "hi", "--json"], _env(PERPLEXITY_API_KEY="pplx-x"), first, threading.Event()
    )
    assert status == 130
    assert record["interrupted"] is True
    assert record["output_text"] == ex.R1_EVENTS[upto]["delta"]
    assert record["status"] != "completed"
    assert err.endswith("interrupted\n") and "Traceback" not in err
