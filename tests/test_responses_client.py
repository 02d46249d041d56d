"""``client.responses``: Perplexity's Agent API and OpenAI's Responses API against real servers
on 127.0.0.1, every behaviour once with the sync and once with the async client (tests/modes.py).

Streams are the reference's examples (conformance/response_examples.py: R1 Perplexity search
then a cited answer, R2 OpenAI function call, R3 / R4 the two failed shapes) and variants.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

import sse_pplx.responses_resource as resource_module
from conformance import response_examples as ex
from sse_pplx import (
    APIConnectionError,
    APIErrorEvent,
    APITimeoutError,
    IncompleteStreamError,
    ResponseResult,
    Timeout,
    UsageError,
)
from sse_pplx.response_events import Response, ResponseLifecycleEvent, TextDeltaEvent
from tests.servers import LoopbackServer

pytestmark = pytest.mark.usefixtures("fast_backoff")
KEY = "pplx-test-key"


@pytest.fixture(autouse=True)
def fast_resume(monkeypatch):
    """Resumption waits 10 ms instead of the EventSource default of 3 s (the delay policy itself
    is tested in test_connect.py, on the shared reconnect_delay)."""
    monkeypatch.setattr(resource_module, "RESUME_DELAY", 0.01)
    monkeypatch.setattr(resource_module, "MAX_RESUME_BACKOFF", 0.05)


def make(mode, url, *, perplexity=True, **options):
    options.setdefault("max_retries", 0)
    if perplexity:
        return mode.Perplexity(api_key=KEY, base_url=url, **options)
    return mode.Client(api_key=KEY, base_url=url, **options)


def streaming(events: List[Any], *, named: bool = True, done: bool = False, status: int = 200):
    body = ex.frame(events, named=named, done=done)

    def handler(exchange):
        exchange.head(status, {"Content-Type": "text/event-stream"})
        for start in range(0, len(body), 97):  # many small TCP writes: reads end anywhere
            exchange.chunk(body[start : start + 97])
        exchange.end()
        return True

    return handler


async def run_stream(mode, client, *, consume="events", **create) -> Dict[str, Any]:
    """Create a streamed response and read it to the end the way an application does.

    Returns: events (the typed events), texts (iter_text pieces), result (get_final_response),
    error (what was raised), stream."""
    out: Dict[str, Any] = {"events": [], "texts": [], "result": None, "error": None, "stream": None}
    create.setdefault("input", "How tall is the tallest lighthouse in Europe?")
    try:
        async with mode.enter(client):
            stream = await mode.resolve(client.responses.create(stream=True, **create))
            out["stream"] = stream
            async with mode.enter(stream):
                if consume == "text":
                    out["texts"] = [piece async for piece in mode.iterate(stream.iter_text())]
                else:
                    async for event in mode.iterate(stream):
                        out["events"].append(event)
                out["result"] = await mode.resolve(stream.get_final_response())
    except Exception as exc:
        out["error"] = exc
    return out


def text_of(events: List[Any]) -> str:
    return "".join(e.delta for e in events if e.type == "response.output_text.delta")


# -- create(stream=True): the happy paths -----------------------------------------------------------


@pytest.mark.parametrize("named", [True, False], ids=["event-lines", "data-only"])
async def test_perplexity_agent_run_streams_typed_events_and_a_complete_result(mode, named, leaks):
    with LoopbackServer(streaming(ex.R1_EVENTS, named=named)) as server:
        out = await run_stream(
            mode, make(mode, server.url), preset="pro-search", stream_options={"include_usage": True}
        )
    assert out["error"] is None
    events = out["events"]
    assert [e.type for e in events] == [e["type"] for e in ex.R1_EVENTS]
    assert [e.sequence_number for e in events] == list(range(11))
    assert isinstance(events[0], ResponseLifecycleEvent) and events[0].response.id == "resp_5d0c2a7e"
    assert isinstance(events[6], TextDeltaEvent) and events[6].delta == "It is 82.5 m tall"
    assert events[-1].response.usage.cost.total_cost == 0.00801
    assert text_of(events) == ex.R1_TEXT
    result = out["result"]
    assert isinstance(result, ResponseResult)
    assert (result.status, result.output_text, result.response_id) == ("completed", ex.R1_TEXT, "resp_5d0c2a7e")
    assert result.search_queries == ["tallest lighthouse Europe height"]
    assert [r.url for r in result.search_results] == ["https://example.org/ile-vierge"]
    assert result.citations == [
        {"marker": "[web:1]", "number": 1, "url": "https://example.org/ile-vierge", "title": "Ile Vierge lighthouse"}
    ]
    assert result.usage.total_tokens == 2322 and result.usage.cost.currency == "USD"
    request = server.exchanges[0]
    assert (request.method, request.target) == ("POST", "/v1/agent")
    body = json.loads(request.body)
    assert body == {
        "preset": "pro-search",
        "stream_options": {"include_usage": True},
        "input": "How tall is the tallest lighthouse in Europe?",
        "stream": True,
    }
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    leaks.assert_clean()


async def test_openai_responses_function_call_and_the_path(mode, leaks):
    with LoopbackServer(streaming(ex.R2_EVENTS)) as server:
        out = await run_stream(mode, make(mode, server.url + "/v1", perplexity=False), model="gpt-5.5", tools=[])
    assert out["error"] is None
    result = out["result"]
    assert [(c.call_id, c.name, c.arguments) for c in result.function_calls] == [
        ("call_Qm7x", "get_tide", '{"port":"Brest"}')
    ]
    assert result.output_text == ""
    assert server.exchanges[0].target == "/v1/responses"
    leaks.assert_clean()


async def test_text_iteration_and_a_trailing_done_marker(mode, leaks):
    with LoopbackServer(streaming(ex.R1_EVENTS, done=True)) as server:
        out = await run_stream(mode, make(mode, server.url), consume="text", model="perplexity/sonar")
    assert out["error"] is None
    assert "".join(out["texts"]) == ex.R1_TEXT == out["result"].output_text
    leaks.assert_clean()


async def test_a_long_run_with_non_ascii_text_arrives_whole(mode, leaks):
    body = ex.agent_stream(400)

    def handler(exchange):
        exchange.stream([body[i : i + 1000] for i in range(0, len(body), 1000)])
        return True

    with LoopbackServer(handler) as server:
        out = await run_stream(mode, make(mode, server.url), consume="text", preset="fast")
    assert out["error"] is None
    assert "".join(out["texts"]) == ex.expected_text(400) == out["result"].output_text
    assert [c["number"] for c in out["result"].citations] == [1, 2, 3]
    assert out["result"].fetched_urls == ["https://tides1.example.org/article-1"]
    leaks.assert_clean()


# -- how a run ends: incomplete, failed, cancelled, truncated -------------------------------------------


def _incomplete_events() -> List[Dict[str, Any]]:
    events = [dict(e) for e in ex.R1_EVENTS[:8]]
    final = dict(ex.R1_EVENTS[-1]["response"], status="incomplete", incomplete_details={"reason": "max_output_tokens"})
    final["output"] = []
    events.append({"type": "response.incomplete", "sequence_number": 8, "response": final})
    return events


async def test_an_incomplete_run_is_a_result_not_an_error(mode, leaks):
    with LoopbackServer(streaming(_incomplete_events())) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast", max_output_tokens=5)
    assert out["error"] is None
    result = out["result"]
    assert (result.status, result.incomplete_reason) == ("incomplete", "max_output_tokens")
    assert result.output_text == "It is 82.5 m tall [web:1]."  # the streamed text: the final output was empty
    assert result.usage.total_tokens == 2322  # read from the incomplete event (litellm#34351)
    leaks.assert_clean()


@pytest.mark.parametrize("name", ["R3 (OpenAI nested error, response.failed)", "R4 (Perplexity top-level error)"])
async def test_a_failed_run_raises_with_what_arrived(mode, name, leaks):
    events = ex.R3_EVENTS if name.startswith("R3") else ex.R4_EVENTS
    with LoopbackServer(streaming(events)) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast")
    error = out["error"]
    assert isinstance(error, APIErrorEvent)
    partial = error.partial
    assert partial.status == "failed"
    if name.startswith("R3"):
        assert partial.output_text == "Partial answer" == text_of(out["events"])
        assert "The server had an error." in str(error) and error.code == "server_error"
    else:
        assert "upstream model unavailable" in str(error) and error.code == "500"
    assert partial.response_id is not None
    assert out["stream"].result.status == "failed"
    leaks.assert_clean()


async def test_a_cancelled_run_raises(mode, leaks):
    cancelled = {"id": "resp_5d0c2a7e", "status": "cancelled", "output": []}
    events = [*ex.R1_EVENTS[:7], {"type": "response.cancelled", "sequence_number": 7, "response": cancelled}]
    with LoopbackServer(streaming(events)) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast")
    assert isinstance(out["error"], APIErrorEvent)
    assert out["error"].partial.status == "cancelled"
    assert out["error"].partial.output_text == "It is 82.5 m tall"
    leaks.assert_clean()


async def test_a_foreground_run_cut_short_raises_with_the_cursor_and_is_not_resumed(mode, leaks):
    with LoopbackServer(streaming(ex.R1_EVENTS[:7])) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast")
    error = out["error"]
    assert isinstance(error, IncompleteStreamError)
    partial = error.partial
    assert (partial.status, partial.output_text) == ("truncated", "It is 82.5 m tall")
    assert (partial.response_id, partial.sequence_number, partial.resumes) == ("resp_5d0c2a7e", 6, 0)
    assert "resp_5d0c2a7e" in str(error)
    assert len(server.exchanges) == 1
    leaks.assert_clean()


async def test_a_reset_connection_keeps_its_error_type_and_the_partial_result(mode, leaks):
    body = ex.frame(ex.R1_EVENTS[:7])

    def handler(exchange):
        exchange.head(200, {"Content-Type": "text/event-stream"})
        exchange.chunk(body, 0.05)
        exchange.reset()

    with LoopbackServer(handler) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast")
    error = out["error"]
    assert isinstance(error, APIConnectionError) and not isinstance(error, IncompleteStreamError)
    assert (error.partial.output_text, error.partial.sequence_number, error.attempts) == ("It is 82.5 m tall", 6, 1)
    leaks.assert_clean()


async def test_a_stalled_run_times_out_with_the_partial_result(mode):
    body = ex.frame(ex.R1_EVENTS[:7])

    def handler(exchange):
        exchange.head(200, {"Content-Type": "text/event-stream"})
        exchange.chunk(body)
        exchange.sock.recv(1)  # wait for the client to give up

    with LoopbackServer(handler) as server:
        out = await run_stream(mode, make(mode, server.url, timeout=Timeout(5, read=0.3)), preset="fast")
    assert isinstance(out["error"], APITimeoutError)
    assert out["error"].partial.output_text == "It is 82.5 m tall"


# -- background runs resume by themselves ------------------------------------------------------------


def resuming_server(cut_after: int, replay: str, refuse: Optional[int] = None, cuts: int = 1):
    """Serves R1 as a background run: the first ``cuts`` connections are cut after ``cut_after``
    events (a RST); resumption requests get the rest, from ``starting_after`` (``replay="after"``)
    or from the start (``replay="all"``), or the status ``refuse``."""
    events = ex.R1_EVENTS

    def handler(exchange):
        split = urlsplit(exchange.target)
        if exchange.method == "POST" or len(handler.seen) < cuts:
            handler.seen.append(exchange.target)
            start = 0
            if exchange.method == "GET":
                start = int(parse_qs(split.query)["starting_after"][0]) + 1
            exchange.head(200, {"Content-Type": "text/event-stream"})
            exchange.chunk(ex.frame(events[start : start + cut_after]), 0.05)
            exchange.reset()
            return False
        handler.seen.append(exchange.target)
        if refuse is not None:
            message = {"error": {"message": "the reconnect window has passed", "code": refuse}}
            exchange.respond(refuse, json.dumps(message).encode())
            return True
        after = int(parse_qs(split.query)["starting_after"][0])
        rest = events if replay == "all" else [e for e in events if e["sequence_number"] > after]
        exchange.stream([ex.frame(rest)])
        return True

    handler.seen = []
    return handler


@pytest.mark.parametrize("replay", ["after", "all"])
async def test_a_background_run_resumes_by_itself_and_delivers_every_event_once(mode, replay, leaks):
    handler = resuming_server(cut_after=7, replay=replay)
    with LoopbackServer(handler) as server:
        out = await run_stream(mode, make(mode, server.url), preset="pro-search", background=True)
    assert out["error"] is None
    events = out["events"]
    assert [e.sequence_number for e in events] == list(range(11))  # each exactly once, in order
    assert text_of(events) == ex.R1_TEXT
    result = out["result"]
    assert (result.status, result.output_text, result.resumes) == ("completed", ex.R1_TEXT, 1)
    assert result.replayed == (7 if replay == "all" else 0)
    assert result.sequence_gaps == []
    get = server.exchanges[1]
    assert get.method == "GET"
    path, query = urlsplit(get.target).path, parse_qs(urlsplit(get.target).query)
    assert path == "/v1/agent/resp_5d0c2a7e"
    assert query == {"stream": ["true"], "starting_after": ["6"]}
    assert get.headers["authorization"] == f"Bearer {KEY}"
    leaks.assert_clean()


async def test_resumption_is_bounded_and_goes_on_from_each_new_cursor(mode, leaks):
    handler = resuming_server(cut_after=2, replay="after", cuts=3)  # three cut connections, then the rest
    with LoopbackServer(handler) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast", background=True)
    assert out["error"] is None
    assert [e.sequence_number for e in out["events"]] == list(range(11))
    assert out["result"].resumes == 3
    afters = [parse_qs(urlsplit(t).query).get("starting_after") for t in handler.seen[1:]]
    assert afters == [["1"], ["3"], ["5"]]
    leaks.assert_clean()


@pytest.mark.parametrize("status", [400, 404])
async def test_a_refused_resumption_raises_with_the_cursor(mode, status, leaks):
    with LoopbackServer(resuming_server(cut_after=7, replay="after", refuse=status)) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast", background=True)
    error = out["error"]
    assert isinstance(error, APIConnectionError)
    assert (error.partial.response_id, error.partial.sequence_number) == ("resp_5d0c2a7e", 6)
    assert error.partial.output_text == "It is 82.5 m tall"
    assert "reconnect window" in str(error)
    assert len(server.exchanges) == 2  # one refusal, not retried
    leaks.assert_clean()


async def test_no_resumption_before_the_response_id_is_known(mode, leaks):
    def handler(exchange):
        exchange.head(200, {"Content-Type": "text/event-stream"})
        exchange.chunk(b": keep-alive\n\n", 0.05)
        exchange.reset()

    with LoopbackServer(handler) as server:
        out = await run_stream(mode, make(mode, server.url), preset="fast", background=True)
    assert isinstance(out["error"], APIConnectionError)
    assert out["error"].partial.response_id is None
    assert len(server.exchanges) == 1
    leaks.assert_clean()


async def test_retrieve_streams_after_a_cursor(mode, leaks):
    def handler(exchange):
        after = int(parse_qs(urlsplit(exchange.target).query)["starting_after"][0])
        exchange.stream([ex.frame([e for e in ex.R1_EVENTS if e["sequence_number"] > after])])
        return True

    with LoopbackServer(handler) as server:
        client = make(mode, server.url)
        async with mode.enter(client):
            stream = await mode.resolve(client.responses.retrieve("resp_5d0c2a7e", stream=True, starting_after=6))
            events = [event async for event in mode.iterate(stream)]
            result = await mode.resolve(stream.get_final_response())
    assert [e.sequence_number for e in events] == [7, 8, 9, 10]
    assert result.status == "completed" and result.sequence_gaps == []
    assert result.output_text == ex.R1_TEXT  # from the final response
    assert urlsplit(server.exchanges[0].target).path == "/v1/agent/resp_5d0c2a7e"
    leaks.assert_clean()


# -- stream=False, retrieve, cancel ----------------------------------------------------------------------


async def test_stream_false_returns_the_response_object(mode, leaks):
    final = ex.R1_EVENTS[-1]["response"]

    def handler(exchange):
        exchange.respond(200, json.dumps(final).encode())
        return True

    with LoopbackServer(handler) as server:
        client = make(mode, server.url)
        async with mode.enter(client):
            answer = await mode.resolve(client.responses.create(preset="fast", input="q"))
            again = await mode.resolve(client.responses.retrieve("resp_5d0c2a7e"))
    assert isinstance(answer, Response)
    assert (answer.id, answer.status, answer.output_text) == ("resp_5d0c2a7e", "completed", ex.R1_TEXT)
    assert answer.usage.cost.total_cost == 0.00801
    assert again.id == "resp_5d0c2a7e"
    assert json.loads(server.exchanges[0].body)["stream"] is False
    assert server.exchanges[0].headers["accept"] == "application/json"
    assert (server.exchanges[1].method, server.exchanges[1].target) == ("GET", "/v1/agent/resp_5d0c2a7e")
    leaks.assert_clean()


async def test_stream_false_answered_with_a_stream_is_collected_with_the_same_verdicts(mode, leaks):
    with LoopbackServer(streaming(ex.R1_EVENTS)) as server:
        client = make(mode, server.url)
        async with mode.enter(client):
            answer = await mode.resolve(client.responses.create(preset="fast", input="q"))
    assert answer.output_text == ex.R1_TEXT and answer.status == "completed"
    with LoopbackServer(streaming(ex.R3_EVENTS)) as server:
        client = make(mode, server.url)
        async with mode.enter(client):
            with pytest.raises(APIErrorEvent) as raised:
                await mode.resolve(client.responses.create(preset="fast", input="q"))
    assert raised.value.partial.output_text == "Partial answer"
    leaks.assert_clean()


async def test_cancel_posts_to_the_cancel_path(mode, leaks):
    def handler(exchange):
        exchange.respond(200, b'{"response_id": "resp_1", "status": "cancelling"}')
        return True

    with LoopbackServer(handler) as server:
        client = make(mode, server.url)
        async with mode.enter(client):
            answer = await mode.resolve(client.responses.cancel("resp_1"))
    assert answer.status == "cancelling"
    assert (server.exchanges[0].method, server.exchanges[0].target) == ("POST", "/v1/agent/resp_1/cancel")
    leaks.assert_clean()


async def test_a_bad_response_id_is_a_usage_error(mode):
    client = make(mode, "http://127.0.0.1:9")
    with pytest.raises(UsageError):
        await mode.resolve(client.responses.retrieve(""))


# -- retries, budgets ------------------------------------------------------------------------------------


async def test_errors_before_the_stream_are_retried_and_never_after(mode, leaks):
    def handler(exchange):
        if len(server.exchanges) == 1:
            exchange.respond(503, b'{"error": {"message": "busy", "code": 503}}')
            return True
        return streaming(ex.R1_EVENTS[:7])(exchange)

    with LoopbackServer(handler) as server:
        out = await run_stream(mode, make(mode, server.url, max_retries=2), preset="fast")
    assert isinstance(out["error"], IncompleteStreamError)
    assert out["error"].attempts == 2
    assert len(server.exchanges) == 2  # the cut stream was not retried
    leaks.assert_clean()


def test_agent_runs_get_a_long_deadline_with_a_separate_idle_timeout():
    from sse_pplx import Perplexity
    from sse_pplx.responses_resource import AGENT_TIMEOUT

    assert AGENT_TIMEOUT.read < AGENT_TIMEOUT.total
    default = Perplexity(api_key=KEY)
    assert default.responses._budget(default.timeout, resource_module.NOT_GIVEN) is AGENT_TIMEOUT
    chosen = Perplexity(api_key=KEY, timeout=Timeout(30))
    assert chosen.responses._budget(chosen.timeout, resource_module.NOT_GIVEN) == Timeout(30)
    assert default.responses._budget(Timeout(7), Timeout(7)) == Timeout(7)
