"""The sans-I/O responses layer (sse_pplx/responses.py, response_events.py, response_result.py):
the byte conveniences and their async twins, the typed events, callbacks, strict mode and
limits.  Every stream is fed whole, byte by byte and at every split point (tests/chat_streams.py
``all_ways``); the fixtures in fixtures/responses/ cover the accumulation rules one by one
(tests/test_conformance_responses.py).
"""

from __future__ import annotations

import asyncio
from typing import Any, List

import pytest

import sse_pplx
from conformance import response_examples as ex
from sse_pplx import (
    APIErrorEvent,
    IncompleteStreamError,
    LimitExceeded,
    ResponseDecoder,
    StreamDecodeError,
    acollect_response,
    aiter_response_events,
    aiter_response_text,
    collect_response,
    iter_response_events,
    iter_response_text,
)
from sse_pplx.response_events import (
    ContentPartEvent,
    FunctionCallArgumentsEvent,
    OutputItemEvent,
    ResponseErrorEvent,
    ResponseLifecycleEvent,
    SearchActivityEvent,
    TextDeltaEvent,
    TextDoneEvent,
    UnknownResponseEvent,
)
from tests.chat_streams import all_ways, asource, source


def _sync(chunks: List[bytes], how: str) -> Any:
    """What one convenience gives: the result (or the error's class and partial) and the texts."""
    try:
        if how == "collect":
            return ("ok", collect_response(source(chunks)).to_dict())
        if how == "events":
            events = iter_response_events(source(chunks))
            types = [event.type for event in events]
            return ("ok", events.result.to_dict(), types)
        return ("ok", list(iter_response_text(source(chunks))))
    except sse_pplx.APIError as exc:
        return (type(exc).__name__, exc.partial.to_dict())


def _async(chunks: List[bytes], how: str) -> Any:
    async def run() -> Any:
        try:
            if how == "collect":
                return ("ok", (await acollect_response(asource(chunks))).to_dict())
            if how == "events":
                types = [event.type async for event in aiter_response_events(asource(chunks))]
                result = await acollect_response(asource(chunks))
                return ("ok", result.to_dict(), types)
            return ("ok", [text async for text in aiter_response_text(asource(chunks))])
        except sse_pplx.APIError as exc:
            return (type(exc).__name__, exc.partial.to_dict())

    return asyncio.run(run())


@pytest.mark.parametrize("twin", [_sync, _async], ids=["sync", "async"])
@pytest.mark.parametrize("named", [True, False], ids=["event-lines", "data-only"])
def test_the_conveniences_read_a_whole_run_the_same_at_every_chunking(twin: Any, named: bool) -> None:
    data = ex.frame(ex.R1_EVENTS, named=named)
    status, result = all_ways(data, lambda chunks: twin(chunks, "collect"))
    assert status == "ok"
    assert (result["status"], result["output_text"], result["sequence_number"]) == ("completed", ex.R1_TEXT, 10)
    _, events_result, types = twin([data], "events")
    assert types == [event["type"] for event in ex.R1_EVENTS] and events_result == result
    assert all_ways(data, lambda chunks: twin(chunks, "text")) == ("ok", ["It is 82.5 m tall", " [web:1]."])


@pytest.mark.parametrize("twin", [_sync, _async], ids=["sync", "async"])
@pytest.mark.parametrize("how", ["collect", "events", "text"])
def test_a_failed_or_cut_run_raises_from_every_convenience_with_its_partial(twin: Any, how: str) -> None:
    failed = all_ways(ex.frame(ex.R3_EVENTS), lambda chunks: twin(chunks, how))
    assert failed[0] == "APIErrorEvent"
    assert (failed[1]["status"], failed[1]["output_text"]) == ("failed", "Partial answer")
    cut = all_ways(ex.frame(ex.R1_EVENTS[:7]), lambda chunks: twin(chunks, how))
    assert cut[0] == "IncompleteStreamError"
    assert (cut[1]["status"], cut[1]["response_id"], cut[1]["sequence_number"]) == ("truncated", "resp_5d0c2a7e", 6)


def test_an_incomplete_run_is_returned_not_raised() -> None:
    final = dict(ex.R1_EVENTS[-1]["response"], status="incomplete", incomplete_details={"reason": "content_filter"})
    events = [*ex.R1_EVENTS[:10], {"type": "response.incomplete", "sequence_number": 10, "response": final}]
    result = collect_response([ex.frame(events)])
    assert (result.status, result.incomplete_reason, result.output_text) == ("incomplete", "content_filter", ex.R1_TEXT)


def test_events_are_typed_read_only_views_with_the_sdks_attribute_paths() -> None:
    classes = {}
    for events in (ex.R1_EVENTS, ex.R2_EVENTS, ex.R3_EVENTS):
        for event in ResponseDecoder().feed(ex.frame(events)):  # the decoder never raises for a failed run
            classes.setdefault(event.type, type(event))
            if event.type == "error":
                assert isinstance(event, ResponseErrorEvent)
                assert (event.message, event.code, event.param) == ("The server had an error.", "server_error", None)
            if event.type == "response.function_call_arguments.delta":
                assert event.obfuscation in ("k3Zq", "Wp")  # an unknown field stays reachable
                assert event["delta"] == event.delta
    assert classes["response.created"] is ResponseLifecycleEvent
    assert classes["response.output_item.added"] is OutputItemEvent
    assert classes["response.content_part.added"] is ContentPartEvent
    assert classes["response.output_text.delta"] is TextDeltaEvent
    assert classes["response.output_text.done"] is TextDoneEvent
    assert classes["response.function_call_arguments.done"] is FunctionCallArgumentsEvent
    assert classes["response.reasoning.search_results"] is SearchActivityEvent
    event = next(iter(iter_response_events([ex.frame(ex.R1_EVENTS)])))
    assert event.response.output == [] and event.response.usage is None
    assert not hasattr(event, "delta")  # a lifecycle event has no delta: AttributeError, as on the SDKs' models
    with pytest.raises(AttributeError):
        event.type = "x"  # type: ignore[misc]
    unknown = ResponseDecoder().feed(b'data: {"type":"response.web_search_call.searching","sequence_number":0}\n\n')
    assert isinstance(unknown[0], UnknownResponseEvent) and unknown[0].to_dict()["type"].endswith("searching")


def test_the_flat_error_event_reads_as_the_nested_one() -> None:
    flat = ResponseDecoder().feed(b'data: {"type":"error","code":"rate_limit","message":"slow down","param":null}\n\n')
    assert (flat[0].message, flat[0].code) == ("slow down", "rate_limit")


def test_callbacks_see_the_text_the_search_activity_and_the_result() -> None:
    def run(chunks: List[bytes]) -> Any:
        texts: List[str] = []
        searches: List[str] = []
        done: List[str] = []
        decoder = ResponseDecoder(
            on_text=texts.append,
            on_search=lambda event: searches.append(event.type),
            on_complete=lambda result: done.append(result.status),
        )
        for chunk in chunks:
            decoder.feed(chunk)
        decoder.close()
        return "".join(texts), searches, done

    text, searches, done = all_ways(ex.frame(ex.R1_EVENTS), run)
    assert text == ex.R1_TEXT and done == ["completed"]
    assert searches == [
        "response.reasoning.started",
        "response.reasoning.search_queries",
        "response.reasoning.search_results",
        "response.reasoning.stopped",
    ]


def test_strict_mode_raises_a_typed_error_with_the_partial_result() -> None:
    data = ex.frame([*ex.R1_EVENTS[:7], "not json at all", *ex.R1_EVENTS[7:]])
    lax = collect_response([data])
    assert len(lax.malformed) == 1 and lax.status == "completed"

    def run(chunks: List[bytes]) -> Any:
        try:
            collect_response(chunks, strict=True)
        except StreamDecodeError as exc:
            return exc.partial.output_text
        raise AssertionError("strict mode did not raise")

    assert all_ways(data, run) == "It is 82.5 m tall"


def test_a_parser_limit_delivers_the_events_before_it_and_carries_the_partial() -> None:
    data = ex.frame(ex.R1_EVENTS[:7]) + b"data: " + b"x" * 5000 + b"\n\n"
    delivered: List[str] = []
    with pytest.raises(LimitExceeded) as raised:
        for event in iter_response_events([data], max_line_bytes=1000):
            delivered.append(event.type)
    assert delivered == [event["type"] for event in ex.R1_EVENTS[:7]]
    assert raised.value.partial.output_text == "It is 82.5 m tall"


def test_a_resumed_decoder_delivers_each_event_once_whichever_way_the_server_replays() -> None:
    def run(first: List[bytes], second: bytes) -> Any:
        decoder = ResponseDecoder()
        seen = [event.sequence_number for chunk in first for event in decoder.feed(chunk)]
        decoder.resume()
        seen += [event.sequence_number for event in decoder.feed(second)]
        result = decoder.close()
        return seen, result.output_text, result.resumes, result.replayed

    first = ex.frame(ex.R1_EVENTS[:7]) + b'data: {"type":"response.output_text.delta","seq'
    for replay, replayed in ((ex.R1_EVENTS, 7), (ex.R1_EVENTS[7:], 0)):
        seen, text, resumes, dropped = all_ways(first, lambda chunks, r=replay: run(chunks, ex.frame(r)))
        assert (seen, text, resumes, dropped) == (list(range(11)), ex.R1_TEXT, 1, replayed)


def test_a_decoder_started_after_a_cursor_drops_what_precedes_it() -> None:
    decoder = ResponseDecoder(starting_after=6)
    events = decoder.feed(ex.frame(ex.R1_EVENTS))
    assert [event.sequence_number for event in events] == [7, 8, 9, 10]
    result = decoder.close()
    assert (result.replayed, result.sequence_gaps, result.status) == (7, [], "completed")


def test_the_errors_are_the_ones_the_clients_raise() -> None:
    assert issubclass(IncompleteStreamError, sse_pplx.APIConnectionError)
    assert issubclass(APIErrorEvent, sse_pplx.APIError)
