"""sse_pplx: Server-Sent Events for LLM streaming APIs, on the standard library alone.

The core (imported here) is a sans-I/O parser of WHATWG HTML §9.2 "Server-sent
events" (§9.2.5 the stream format, §9.2.6 interpreting it): bytes in, immutable
events out.  This module only names the public API (``__all__``, the names
documented in docs/api.md) and loads each layer when it is first used.
It imports nothing heavier than ``codecs``; the JSON, chat, client and HTTP
layers load only when first used, so ``import sse_pplx`` stays cheap (no ``http.client``,
``ssl`` or ``json``).

    >>> from sse_pplx import SSEParser
    >>> SSEParser().feed(b"data: hi\\n\\n")
    [ServerSentEvent(data='hi')]
"""

from __future__ import annotations

from ._version import __version__
from .encoder import encode_event
from .errors import (
    APIConnectionError,
    APIError,
    APIErrorEvent,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    IncompleteStreamError,
    InternalServerError,
    InvalidJSONError,
    LimitExceeded,
    NotFoundError,
    OpenAIError,
    ParserTerminated,
    PermissionDeniedError,
    PerplexityError,
    ProtocolError,
    RateLimitError,
    SSEError,
    StreamDecodeError,
    UnprocessableEntityError,
    UsageError,
)
from .events import Comment, ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser, aiter_events, iter_events

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List

    from ._exchange import Timeout
    from .chat import (
        ChatDecoder,
        ChatStream,
        acollect_chat,
        aiter_chat_chunks,
        aiter_text,
        collect_chat,
        iter_chat_chunks,
        iter_text,
    )
    from .chat_objects import ChatCompletion, ChatCompletionChunk
    from .chat_result import ChatResult
    from .client import (
        AsyncClient,
        AsyncEventStream,
        AsyncPerplexity,
        AsyncStream,
        Client,
        EventStream,
        Perplexity,
        Stream,
        aconnect,
        connect,
    )
    from .response_events import ResponseEvent
    from .response_result import ResponseResult
    from .responses import (
        ResponseDecoder,
        acollect_response,
        aiter_response_events,
        aiter_response_text,
        collect_response,
        iter_response_events,
        iter_response_text,
    )
    from .responses_resource import AsyncResponseStream, ResponseStream

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "DEFAULT_MAX_EVENT_BYTES",
    "APIConnectionError",
    "APIError",
    "APIErrorEvent",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncEventStream",
    "AsyncPerplexity",
    "AsyncStream",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatDecoder",
    "ChatResult",
    "ChatStream",
    "Client",
    "Comment",
    "ConflictError",
    "EventStream",
    "IncompleteStreamError",
    "InternalServerError",
    "InvalidJSONError",
    "LimitExceeded",
    "NotFoundError",
    "OpenAIError",
    "ParserTerminated",
    "PermissionDeniedError",
    "Perplexity",
    "PerplexityError",
    "ProtocolError",
    "RateLimitError",
    "SSEError",
    "SSEParser",
    "ServerSentEvent",
    "Stream",
    "StreamDecodeError",
    "Timeout",
    "UnprocessableEntityError",
    "UsageError",
    "__version__",
    "acollect_chat",
    "aconnect",
    "aiter_chat_chunks",
    "aiter_events",
    "aiter_text",
    "collect_chat",
    "connect",
    "encode_event",
    "iter_chat_chunks",
    "iter_events",
    "iter_text",
    "AsyncResponseStream",
    "ResponseDecoder",
    "ResponseEvent",
    "ResponseResult",
    "ResponseStream",
    "acollect_response",
    "aiter_response_events",
    "aiter_response_text",
    "collect_response",
    "iter_response_events",
    "iter_response_text",
]

# The chat layer (and with it json) loads on first use (PEP 562), so that
# `import sse_pplx` costs only the parser.
_LAZY = {
    "ChatDecoder": "chat",
    "ChatStream": "chat",
    "acollect_chat": "chat",
    "aiter_chat_chunks": "chat",
    "aiter_text": "chat",
    "collect_chat": "chat",
    "iter_chat_chunks": "chat",
    "iter_text": "chat",
    "ChatCompletion": "chat_objects",
    "ChatCompletionChunk": "chat_objects",
    "ChatResult": "chat_result",
    "AsyncClient": "client",
    "AsyncEventStream": "client",
    "AsyncPerplexity": "client",
    "AsyncStream": "client",
    "Client": "client",
    "EventStream": "client",
    "Perplexity": "client",
    "Stream": "client",
    "aconnect": "client",
    "connect": "client",
    "Timeout": "_exchange",
    "ResponseDecoder": "responses",
    "acollect_response": "responses",
    "aiter_response_events": "responses",
    "aiter_response_text": "responses",
    "collect_response": "responses",
    "iter_response_events": "responses",
    "iter_response_text": "responses",
    "ResponseEvent": "response_events",
    "ResponseResult": "response_result",
    "AsyncResponseStream": "responses_resource",
    "ResponseStream": "responses_resource",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sse_pplx' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))
