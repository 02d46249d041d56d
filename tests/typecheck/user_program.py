"""A user's program, as a type checker sees it: ``tests/test_typing.py`` runs ``mypy --strict``
and ``pyright`` on this file and fails on any error, so every ``assert_type`` below is the
type a user's checker infers for that call (never ``Any``).  It is checked, never run."""

from __future__ import annotations

from typing import Any, AsyncIterator, Coroutine, Dict, Iterator, List, Optional, Union

from typing_extensions import assert_type

import sse_pplx
from sse_pplx import AsyncClient, AsyncPerplexity, Client, Perplexity, aconnect, connect, iter_chat_chunks
from sse_pplx.types import (
    AsyncChatCompletions,
    AsyncEventStream,
    AsyncResponseStream,
    AsyncStream,
    ChatChunkIterator,
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletions,
    ChatResult,
    Choice,
    Comment,
    Cost,
    Delta,
    EventStream,
    Message,
    Response,
    ResponseEvent,
    ResponseEventIterator,
    ResponseResult,
    ResponseStream,
    SearchResult,
    ServerSentEvent,
    ToolCall,
    Usage,
)

MESSAGES = [{"role": "user", "content": "How do tides work?"}]


def chat_sync(client: Perplexity) -> str:
    assert_type(client.chat.completions, ChatCompletions)
    stream = client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True)
    assert_type(stream, sse_pplx.Stream)
    with stream:
        for chunk in stream:
            assert_type(chunk, ChatCompletionChunk)
            choice = chunk.choices[0]
            assert_type(choice, Choice)
            assert_type(choice.delta, Delta)
            assert_type(choice.delta.content, Optional[str])
            text: str = chunk.choices[0].delta.content or ""
            print(text, end="")
            assert_type(chunk.usage, Optional[Usage])
            if chunk.usage is not None and chunk.usage.cost is not None:
                assert_type(chunk.usage.cost, Cost)
                assert_type(chunk.usage.cost.total_cost, Optional[float])
            for call in choice.delta.tool_calls or []:
                assert_type(call, ToolCall)
        final = stream.get_final_completion()
    assert_type(final, ChatResult)
    assert_type(final.content, str)
    assert_type(final.outcome, str)
    assert_type(final.usage, Optional[Usage])
    for result in final.search_results:
        assert_type(result, SearchResult)
    assert_type(stream.iter_text(), Iterator[str])

    completion = client.chat.completions.create(model="sonar", messages=MESSAGES)
    assert_type(completion, ChatCompletion)
    assert_type(completion.choices[0].message, Message)
    answer: str = completion.choices[0].message.content or ""
    assert_type(completion.to_dict(exclude_none=True), Dict[str, Any])

    flag = len(answer) > 3
    either = client.chat.completions.create(model="sonar", messages=MESSAGES, stream=flag)
    assert_type(either, Union[ChatCompletion, sse_pplx.Stream])
    return answer


async def chat_async(client: AsyncPerplexity) -> ChatResult:
    assert_type(client.chat.completions, AsyncChatCompletions)
    pending = client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True)
    stream = await assert_type(pending, Coroutine[Any, Any, AsyncStream])
    async with stream:
        async for chunk in stream:
            assert_type(chunk, ChatCompletionChunk)
            print(chunk.choices[0].delta.content or "", end="")
        final = await stream.get_final_completion()
    assert_type(final, ChatResult)
    assert_type(stream.iter_text(), AsyncIterator[str])
    completion = await client.chat.completions.create(model="sonar", messages=MESSAGES, stream=False)
    assert_type(completion, ChatCompletion)
    return final


def responses_sync(client: Client) -> str:
    stream = client.responses.create(model="gpt-5", input="hi", stream=True)
    assert_type(stream, ResponseStream)
    with stream:
        for event in stream:
            assert_type(event, ResponseEvent)
            assert_type(event.type, str)
        result = stream.get_final_response()
    assert_type(result, ResponseResult)
    response = client.responses.create(model="gpt-5", input="hi")
    assert_type(response, Response)
    assert_type(response.output_text, str)
    again = client.responses.retrieve("resp_1", stream=True, starting_after=3)
    assert_type(again, ResponseStream)
    assert_type(client.responses.cancel("resp_1"), Response)
    return result.output_text


async def responses_async(client: AsyncClient) -> None:
    stream = await client.responses.create(model="gpt-5", input="hi", stream=True)
    assert_type(stream, AsyncResponseStream)
    async for event in stream:
        assert_type(event, ResponseEvent)
    assert_type(await client.responses.create(model="gpt-5", input="hi"), Response)


def options(client: Perplexity, other: AsyncPerplexity) -> None:
    assert_type(client.with_options(timeout=30.0, max_retries=0), Perplexity)
    assert_type(client.copy(default_headers={"X-Trace": "1"}), Perplexity)
    assert_type(other.with_options(timeout=None), AsyncPerplexity)
    assert_type(Client(base_url="http://localhost:8000/v1").with_options(api_key="k"), Client)
    with Perplexity() as scoped:
        assert_type(scoped, Perplexity)


def any_endpoint(url: str) -> None:
    events = connect(url, reconnect=True)
    assert_type(events, EventStream[ServerSentEvent])
    with events:
        for event in events:
            assert_type(event, ServerSentEvent)
            assert_type(event.data, str)
    with_comments = connect(url, comments=True)
    for item in with_comments:
        assert_type(item, Union[ServerSentEvent, Comment])


async def any_endpoint_async(url: str) -> None:
    events = aconnect(url, method="POST", json={"q": 1})
    assert_type(events, AsyncEventStream[ServerSentEvent])
    async for event in events:
        assert_type(event, ServerSentEvent)


def bytes_in_hand(chunks: List[bytes]) -> None:
    iterator = iter_chat_chunks(chunks)
    assert_type(iterator, ChatChunkIterator)
    for chunk in iterator:
        assert_type(chunk, ChatCompletionChunk)
    assert_type(iterator.result, ChatResult)
    assert_type(sse_pplx.collect_chat(chunks), ChatResult)
    events = sse_pplx.iter_response_events(chunks)
    assert_type(events, ResponseEventIterator)
    for event in events:
        assert_type(event, ResponseEvent)
