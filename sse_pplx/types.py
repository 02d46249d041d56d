"""The types a program annotates with, from one module (as ``openai.types`` gathers the SDK's).

    from sse_pplx.types import ChatCompletionChunk, ChatResult, Stream

    def show(stream: Stream) -> ChatResult:
        for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="")
        return stream.get_final_completion()

Nothing here is new: each name is the class its own module defines (``ChatCompletionChunk``
is :class:`sse_pplx.chat_objects.ChatCompletionChunk`), re-exported.  Importing this module
costs what importing ``sse_pplx`` costs: each name loads its module on first use (PEP 562),
so annotating with ``Stream`` does not load the HTTP client.  No spec section applies here.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List

    from ._exchange import Timeout
    from .chat import ChatChunkIterator, ChatDecoder
    from .chat_completions import AsyncChatCompletions, AsyncStream, ChatCompletions, Stream
    from .chat_objects import (
        ChatCompletion,
        ChatCompletionChunk,
        ChatObject,
        Choice,
        Cost,
        Delta,
        Function,
        Image,
        Message,
        SearchResult,
        ToolCall,
        Usage,
    )
    from .chat_result import ChatResult, IgnoredPayload, MalformedPayload
    from .client import AsyncChat, Chat
    from .events import Comment, ServerSentEvent
    from .eventsource import AsyncEventStream, EventStream
    from .response_events import (
        ContentPartEvent,
        FunctionCallArgumentsEvent,
        OutputItem,
        OutputItemEvent,
        Response,
        ResponseCost,
        ResponseErrorEvent,
        ResponseEvent,
        ResponseLifecycleEvent,
        ResponseSearchResult,
        ResponseUsage,
        SearchActivityEvent,
        TextDeltaEvent,
        TextDoneEvent,
        UnknownResponseEvent,
    )
    from .response_result import ResponseResult
    from .responses import ResponseDecoder, ResponseEventIterator
    from .responses_resource import AsyncResponses, AsyncResponseStream, Responses, ResponseStream

__all__ = [
    # chat objects (chunk.choices[0].delta.content)
    "ChatObject",
    "ChatCompletionChunk",
    "ChatCompletion",
    "Choice",
    "Delta",
    "Message",
    "ToolCall",
    "Function",
    "Usage",
    "Cost",
    "SearchResult",
    "Image",
    # what a chat stream adds up to, and how it is read
    "ChatResult",
    "MalformedPayload",
    "IgnoredPayload",
    "ChatDecoder",
    "ChatChunkIterator",
    "Stream",
    "AsyncStream",
    "Chat",
    "AsyncChat",
    "ChatCompletions",
    "AsyncChatCompletions",
    # the Responses family (Perplexity's Agent API, OpenAI's Responses API)
    "Response",
    "OutputItem",
    "ResponseUsage",
    "ResponseCost",
    "ResponseSearchResult",
    "ResponseEvent",
    "ResponseLifecycleEvent",
    "OutputItemEvent",
    "ContentPartEvent",
    "TextDeltaEvent",
    "TextDoneEvent",
    "FunctionCallArgumentsEvent",
    "SearchActivityEvent",
    "ResponseErrorEvent",
    "UnknownResponseEvent",
    "ResponseResult",
    "ResponseDecoder",
    "ResponseEventIterator",
    "ResponseStream",
    "AsyncResponseStream",
    "Responses",
    "AsyncResponses",
    # any SSE endpoint
    "ServerSentEvent",
    "Comment",
    "EventStream",
    "AsyncEventStream",
    "Timeout",
]

#: The module that defines each name.
_HOME = {
    "Timeout": "_exchange",
    "ChatChunkIterator": "chat",
    "ChatDecoder": "chat",
    "AsyncChatCompletions": "chat_completions",
    "AsyncStream": "chat_completions",
    "ChatCompletions": "chat_completions",
    "Stream": "chat_completions",
    "ChatResult": "chat_result",
    "IgnoredPayload": "chat_result",
    "MalformedPayload": "chat_result",
    "AsyncChat": "client",
    "Chat": "client",
    "Comment": "events",
    "ServerSentEvent": "events",
    "AsyncEventStream": "eventsource",
    "EventStream": "eventsource",
    "ResponseResult": "response_result",
    "ResponseDecoder": "responses",
    "ResponseEventIterator": "responses",
    "AsyncResponseStream": "responses_resource",
    "AsyncResponses": "responses_resource",
    "ResponseStream": "responses_resource",
    "Responses": "responses_resource",
}
_HOME.update(
    dict.fromkeys(
        [
            "ChatObject", "ChatCompletionChunk", "ChatCompletion", "Choice", "Delta", "Message", "ToolCall",
            "Function", "Usage", "Cost", "SearchResult", "Image",
        ],
        "chat_objects",
    )
)  # fmt: skip
_HOME.update(
    dict.fromkeys(
        [
            "Response", "OutputItem", "ResponseUsage", "ResponseCost", "ResponseSearchResult", "ResponseEvent",
            "ResponseLifecycleEvent", "OutputItemEvent", "ContentPartEvent", "TextDeltaEvent", "TextDoneEvent",
            "FunctionCallArgumentsEvent", "SearchActivityEvent", "ResponseErrorEvent", "UnknownResponseEvent",
        ],
        "response_events",
    )
)  # fmt: skip


def __getattr__(name: str) -> object:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'sse_pplx.types' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"sse_pplx.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
