"""``python -m sse_pplx --agent``, run as a user runs it: a subprocess, real sockets on 127.0.0.1.

Without a key it replays the bundled agent recording (sse_pplx/_agent_demo.py) through its own
loopback server and the real client; with one, a test server stands in for the Agent API.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

from conformance import response_examples as ex
from sse_pplx import _agent_demo, collect_response
from tests.servers import LoopbackServer
from tests.test_cli import _env, _run

RECORDED = collect_response([_agent_demo.DATA])


def test_without_a_key_it_replays_the_recorded_run_with_its_search_activity_and_sources() -> None:
    proc = _run("--agent", _agent_demo.QUESTION, "--speed", "0")
    assert proc.returncode == 0, proc.stderr
    answer, _, footer = proc.stdout.partition("\n\nSources\n")
    assert answer == RECORDED.output_text
    sources, _, usage = footer.partition("\n\n")
    assert sources.splitlines() == [f"[{r.id}] {r.title} — {r.url} ({r.date})" for r in RECORDED.search_results]
    assert usage == "usage: 3184 input + 96 output = 3280 tokens, cost $0.01094\n"
    err = proc.stderr
    assert "replaying a recorded agent run" in err and "nothing is sent to any API" in err
    assert "searching: why two high tides a day · tidal bulge far side of Earth" in err
    assert "  [1] Why are there two high tides a day? — https://oceanservice.example.gov/tides/two-bulges" in err
    assert "  reading https://oceanservice.example.gov/tides/two-bulges" in err
    # the activity comes before the sources are listed at the end; nothing dimmed off a terminal
    assert "\x1b[" not in proc.stdout + err


def test_json_prints_the_final_result_and_events_the_typed_events() -> None:
    as_json = _run("--agent", "--demo", "--json", "--speed", "0")
    assert as_json.returncode == 0, as_json.stderr
    record = json.loads(as_json.stdout)
    assert record["status"] == "completed"
    assert record["output_text"] == RECORDED.output_text
    assert [c["number"] for c in record["citations"]] == [1, 2, 3]
    events = _run("--agent", "--demo", "--events", "--speed", "0")
    assert events.returncode == 0, events.stderr
    lines = [json.loads(line) for line in events.stdout.splitlines()]
    assert len(lines) == 103
    assert [line["sequence_number"] for line in lines] == list(range(103))
    assert lines[-1]["type"] == "response.completed"


def _agent_server(seen: List[Dict[str, Any]], events: List[Dict[str, Any]]):
    def handler(exchange) -> bool:
        seen.append(
            {"path": exchange.target, "auth": exchange.headers.get("authorization"), "body": json.loads(exchange.body)}
        )
        exchange.stream([ex.frame(events, named=False)])
        return True

    return handler


def test_with_a_key_it_runs_the_agent_with_the_preset_or_model_given() -> None:
    seen: List[Dict[str, Any]] = []
    with LoopbackServer(_agent_server(seen, ex.R1_EVENTS)) as server:
        env = _env(PERPLEXITY_API_KEY="pplx-secret", PERPLEXITY_BASE_URL=server.url)
        preset = _run("--agent", "How tall?", "--preset", "pro-search", "--max-tokens", "300", env=env)
        model = _run("--agent", "How tall?", "--model", "openai/gpt-5.5", "--system", "Be brief.", env=env)
        default = _run("--agent", "How tall?", env=env)
    for proc in (preset, model, default):
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith(
            ex.R1_TEXT + "\n\nSources\n[1] Ile Vierge lighthouse — https://example.org/ile-vierge"
        )
        assert "cost $0.00801" in proc.stdout
        assert "replaying" not in proc.stderr
    assert [s["path"] for s in seen] == ["/v1/agent"] * 3
    assert seen[0]["auth"] == "Bearer pplx-secret"
    assert seen[0]["body"] == {"input": "How tall?", "preset": "pro-search", "max_output_tokens": 300, "stream": True}
    assert seen[1]["body"] == {
        "input": "How tall?",
        "instructions": "Be brief.",
        "model": "openai/gpt-5.5",
        "stream": True,
    }
    assert seen[2]["body"] == {"input": "How tall?", "preset": "fast", "stream": True}


def test_a_failed_run_is_one_line_and_exit_1_after_what_arrived() -> None:
    seen: List[Dict[str, Any]] = []
    with LoopbackServer(_agent_server(seen, ex.R3_EVENTS)) as server:
        env = _env(PERPLEXITY_API_KEY="pplx-secret", PERPLEXITY_BASE_URL=server.url)
        proc = _run("--agent", "q", env=env)
        as_json = _run("--agent", "q", "--json", env=env)
    assert proc.returncode == 1
    assert proc.stdout.startswith("Partial answer")
    assert (
        proc.stderr.strip()
        .splitlines()[-1]
        .startswith("error: APIErrorEvent: the run failed: The server had an error.")
    )
    assert as_json.returncode == 1
    record = json.loads(as_json.stdout)
    assert (record["status"], record["output_text"]) == ("failed", "Partial answer")
    assert "The server had an error." in record["error_message"]
