"""``python -m sse_pplx``, run as a user runs it: a subprocess, real sockets on 127.0.0.1.

The replays go through the command's own loopback server; the "real API" cases
point ``PERPLEXITY_BASE_URL`` / ``--base-url`` at a test server that checks what
the command sent.  (``tests/test_cli_terminal.py`` drives it in a real terminal.)
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from sse_pplx import _demo
from tests.servers import LoopbackServer, chunk_obj, sse

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "fixtures" / (_demo.FIXTURE + ".json")
REASONING = ROOT / "fixtures" / "recorded" / "pplx-reasoning-per-event-reads.json"
TRUNCATED = ROOT / "fixtures" / "recorded" / "pplx-truncated-connection-drop.json"
ANSWER = "Earth rotates through two tidal bulges — one facing the Moon, one on the far side[1][3]."


def _env(**extra: str) -> Dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERPLEXITY_", "OPENAI_"))}
    env.pop("NO_COLOR", None)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


def _run(*args: str, stdin: bytes = b"", env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "sse_pplx", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env=env or _env(),
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def _expected_chat() -> Dict[str, object]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["chat"]


# -- the replay: what a new user sees first ----------------------------------------------------------


def test_without_a_key_it_replays_the_recorded_stream_and_says_so() -> None:
    proc = _run("Why are there two high tides a day?", "--speed", "0")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == ANSWER
    assert lines[1:6] == [
        "",
        "Sources",
        "[1] How tides work — https://docs.example.com/tides (2025-11-02)",
        "[2] Tides explained — https://ocean.example.net/tides-explained",
        "[3] Tidal bulge — https://en.example.org/wiki/Tidal_bulge (2019-04-30)",
    ]
    assert lines[-1] == "usage: 9 prompt + 16 completion = 25 tokens, cost $0.005025"
    # One short line: a replay, from loopback, why, and that nothing went anywhere else.
    assert re.fullmatch(
        r"replaying a recorded answer from http://127\.0\.0\.1:\d+ "
        r"\(no PERPLEXITY_API_KEY set; nothing is sent to any API\)\n",
        proc.stderr,
    ), proc.stderr
    assert "\x1b[" not in proc.stdout  # not a terminal: no colours
    # The details are --debug's: from fixtures/, its bytes and reads, through the real client.
    debug = _run("--speed", "0", "--debug")
    assert "replays a recorded answer (fixtures/recorded/pplx-2026-network-split.json: 3273 bytes in 7 reads" in (
        debug.stderr
    )


def test_demo_replays_even_with_a_key_and_says_which_question_it_answers() -> None:
    proc = _run("What is the capital of France?", "--demo", "--speed", "0", env=_env(PERPLEXITY_API_KEY="pplx-x"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(ANSWER + "\n")
    assert "no PERPLEXITY_API_KEY" not in proc.stderr
    assert re.fullmatch(
        r"replaying a recorded answer to 'Why are there two high tides a day\?' from http://127\.0\.0\.1:\d+ "
        r"\(--demo; nothing is sent to any API\)\n",
        proc.stderr,
    ), proc.stderr


def test_the_bundled_demo_stream_is_the_fixture_byte_for_byte() -> None:
    """An installed package has no fixtures/ folder: its bundled copy must be the same recording."""
    spec = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert spec["input"]["text"].encode("utf-8") == _demo.DATA
    assert list(_demo.CHUNKS) == spec["chunks"]
    assert list(_demo.DELAYS_MS) == spec["delays_ms"]


def test_json_prints_the_final_result() -> None:
    proc = _run("--demo", "--json", "--speed", "0")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    expected = _expected_chat()
    for key in ("content", "finish_reason", "citations", "search_results", "usage", "outcome"):
        assert result[key] == expected[key], key


def test_events_prints_each_raw_event_as_a_json_line() -> None:
    proc = _run("--demo", "--events", "--speed", "0")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))["expect"]["events"]
    assert [r["data"] for r in records] == [e["data"] for e in expected]
    assert records[-1] == {"event": "message", "data": "[DONE]", "id": ""}


def test_reasoning_is_hidden_unless_asked_for() -> None:
    hidden = _run("--replay", str(REASONING), "--speed", "0")
    assert hidden.returncode == 0, hidden.stderr
    assert hidden.stdout.startswith("Yes — **2027 is prime**[1].\n")
    assert "square root" not in hidden.stdout
    assert "(the model is reasoning; --show-reasoning shows it)" in hidden.stderr

    plain = _run("--replay", str(REASONING), "--speed", "0", "--show-reasoning")
    assert plain.stdout.startswith(
        "The square root of 2027 is about 45, so I only need to test primes up to 43. None divide it."
        "\n\nYes — **2027 is prime**[1].\n"
    )

    dimmed = _run("--replay", str(REASONING), "--speed", "0", "--show-reasoning", "--color", "always")
    first = dimmed.stdout.split("\n\n")[0]
    assert first.startswith("\x1b[2mThe square root") and first.endswith("None divide it.\x1b[0m")
    assert "\n\nYes — **2027 is prime**[1].\n" in dimmed.stdout  # the answer itself is not dimmed
    assert "\x1b[1mSources\x1b[0m" in dimmed.stdout


def test_the_answer_streams_and_ctrl_c_stops_cleanly(tmp_path: Path) -> None:
    """The first words are on stdout while the server still holds the rest; Ctrl-C then exits 130."""
    spec = json.loads(FIXTURE.read_text(encoding="utf-8"))
    # Hold back every read after the one that completes the first event ("Earth") for a minute.
    first_event_end = spec["input"]["text"].encode("utf-8").index(b"\r\n\r\n") + 4
    ends = [sum(spec["chunks"][: i + 1]) for i in range(len(spec["chunks"]))]
    held = next(i for i, end in enumerate(ends) if end >= first_event_end) + 1
    spec["delays_ms"] = [0.0] * len(ends)
    spec["delays_ms"][held] = 60_000.0
    slow = tmp_path / "slow.json"
    slow.write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sse_pplx", "--replay", str(slow)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        # As at a terminal: a test run started in the background (``cmd &``, nohup, some CI
        # runners) has SIGINT ignored, and a child would inherit that and never see Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        seen = b""
        assert proc.stdout is not None
        while b"Earth" not in seen:
            piece = os.read(proc.stdout.fileno(), 4096)
            assert piece, "stdout closed before the first words arrived"
            seen += piece
        assert proc.poll() is None  # still streaming: the rest of the answer has not been sent
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when the assertion above failed
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    printed = (seen + out).decode()
    assert printed.endswith("\n") and ANSWER.startswith(printed[:-1])  # what had arrived, and no more
    assert len(printed) < len(ANSWER)
    assert err.decode().endswith("interrupted\n")
    assert "Traceback" not in err.decode()


# -- the real API path (a test server stands in for it) --------------------------------------------


def _answering(seen: List[Dict[str, object]]):
    def handler(ex) -> bool:
        seen.append({"path": ex.path, "auth": ex.headers.get("authorization"), "body": json.loads(ex.body)})
        usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
        events = [
            sse(chunk_obj("Hello", citations=["https://a.example"])),
            sse(chunk_obj(" world", finish="stop", usage=usage)),
            b"data: [DONE]\n\n",
        ]
        ex.stream(events)
        return True

    return handler


def test_with_a_key_it_asks_the_api_with_the_options_given() -> None:
    seen: List[Dict[str, object]] = []
    with LoopbackServer(_answering(seen)) as server:
        env = _env(PERPLEXITY_API_KEY="pplx-secret", PERPLEXITY_BASE_URL=server.url)
        proc = _run(
            "Say hello",
            "--model", "sonar-pro", "--system", "Be brief.", "--max-tokens", "50", "--temperature", "0.2",
            env=env,
        )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "Hello world\n\nSources\n[1] https://a.example\n\nusage: 3 prompt + 2 completion = 5 tokens\n"
    assert proc.stderr == ""  # no replay notice: this was the real path
    assert seen == [
        {
            "path": "/chat/completions",
            "auth": "Bearer pplx-secret",
            "body": {
                "model": "sonar-pro",
                "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello"}],
                "stream": True,
                "max_tokens": 50,
                "temperature": 0.2,
            },
        }
    ]


def test_base_url_asks_any_openai_compatible_server_with_or_without_a_key() -> None:
    seen: List[Dict[str, object]] = []
    with LoopbackServer(_answering(seen)) as server:
        keyless = _run("hi", "--base-url", server.url + "/v1")
        keyed = _run("hi", "--base-url", server.url + "/v1", env=_env(OPENAI_API_KEY="sk-local"))
        events = _run("hi", "--base-url", server.url + "/v1", "--events")
    assert keyless.returncode == keyed.returncode == events.returncode == 0, keyless.stderr + keyed.stderr
    assert keyless.stdout.startswith("Hello world\n")
    assert [s["path"] for s in seen] == ["/v1/chat/completions"] * 3
    assert [s["auth"] for s in seen] == [None, "Bearer sk-local", None]
    assert [json.loads(line)["event"] for line in events.stdout.splitlines()] == ["message"] * 3


def test_url_prints_the_events_of_any_sse_endpoint() -> None:
    def handler(ex) -> bool:
        ex.stream([b"id: 7\nevent: tick\ndata: one\n\n", b": keep-alive\n\n", b"retry: 50\ndata: two\n\n"])
        return True

    with LoopbackServer(handler) as server:
        proc = _run("--events", "--url", server.url + "/feed")
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(line) for line in proc.stdout.splitlines()] == [
        {"event": "tick", "data": "one", "id": "7"},
        {"event": "message", "data": "two", "id": "7", "retry": 50},
    ]


# -- every failure: one line, non-zero -------------------------------------------------------------


def test_an_api_error_is_one_line_and_exit_1() -> None:
    def handler(ex) -> bool:
        ex.respond(401, b'{"error": {"message": "Invalid API key", "type": "invalid_request_error", "code": 401}}')
        return True

    with LoopbackServer(handler) as server:
        proc = _run("hi", env=_env(PERPLEXITY_API_KEY="pplx-wrong", PERPLEXITY_BASE_URL=server.url))
        debug = _run("hi", "--debug", env=_env(PERPLEXITY_API_KEY="pplx-wrong", PERPLEXITY_BASE_URL=server.url))
    assert proc.returncode == 1
    assert proc.stdout == ""
    # The request is named (method and URL, after the message), never the key.
    assert proc.stderr.splitlines() == [
        f"error: AuthenticationError: Error code: 401 - Invalid API key [POST {server.url}/chat/completions]"
    ]
    assert "pplx-wrong" not in proc.stderr + debug.stderr
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "AuthenticationError" in debug.stderr
    assert "sse_pplx DEBUG: POST" in debug.stderr


def test_a_refused_connection_is_one_line_and_exit_1() -> None:
    with LoopbackServer(lambda ex: None) as server:
        url = server.url
    proc = _run("hi", "--base-url", url, "--max-retries", "0")
    assert proc.returncode == 1
    assert len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("error: APIConnectionError: ")
    assert "refused" in proc.stderr


def test_a_stream_cut_off_keeps_what_was_printed_and_exits_1() -> None:
    proc = _run("--replay", str(TRUNCATED), "--speed", "0")
    assert proc.returncode == 1
    assert proc.stdout == "Earth\n"
    assert proc.stderr.splitlines()[-1].startswith("error: IncompleteStreamError: the stream ended before the answer")
    assert "Traceback" not in proc.stderr

    as_json = _run("--replay", str(TRUNCATED), "--speed", "0", "--json")
    assert as_json.returncode == 1
    partial = json.loads(as_json.stdout)
    assert partial["content"] == "Earth"
    assert partial["outcome"] == "truncated"
    assert partial["error_message"].startswith("the stream ended before the answer")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--json", "--events", "--demo"), "choose one"),
        (("--url", "http://127.0.0.1:1/", "a question"), "takes no question"),
        (("--max-tokens", "many"), "argument --max-tokens: not a whole number: 'many'"),
    ],
)
def test_usage_errors_exit_2(args, message) -> None:
    proc = _run(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_bad_fixture_is_one_line(tmp_path: Path) -> None:
    missing = _run("--replay", str(tmp_path / "nope.json"))
    assert (missing.returncode, missing.stderr.count("\n")) == (1, 1)
    assert missing.stderr.startswith("error: cannot read fixture")
    (tmp_path / "bad.json").write_text('{"input": {"text": "data: x\\n\\n"}, "chunks": [3]}')
    bad = _run("--replay", str(tmp_path / "bad.json"))
    assert bad.returncode == 1
    assert "do not add up" in bad.stderr


def test_a_closed_pipe_is_not_an_error() -> None:
    """``... | head -1``: the reader goes away; the command stops quietly."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sse_pplx", "--demo", "--events", "--speed", "0"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=30) == 0
    assert "Traceback" not in err and "Exception ignored" not in err


# -- saved streams ---------------------------------------------------------------------------------


def test_stdin_stream_is_printed_as_json_lines() -> None:
    proc = _run(stdin=b"id: 1\r\ndata: h\xc3\xa9llo\r\n\r\nevent: x\ndata: a\ndata: b\nretry: 5\n\ndata: cut")
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert records == [
        {"event": "message", "data": "héllo", "id": "1"},
        {"event": "x", "data": "a\nb", "id": "1", "retry": 5},
    ]


def test_a_limit_breach_is_a_one_line_error_and_exit_1(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"data: " + b"x" * (9 * 1024 * 1024))
    proc = _run("--file", str(big))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: max_line_bytes exceeded")
    assert "Traceback" not in proc.stderr
