"""sse_pplx: Server-Sent Events for LLM streaming APIs, on the standard library alone.

The core (imported here) is a sans-I/O parser: bytes in, immutable events out.
It imports nothing heavier than ``codecs``; the JSON, chat and HTTP layers load
only when first used, so ``import sse_pplx`` stays cheap (no ``http.client``,
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
    IncompleteStreamError,
    LimitExceeded,
    ParserTerminated,
    ProtocolError,
    SSEError,
    StreamDecodeError,
    UsageError,
)
from .events import Comment, ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser, aiter_events, iter_events

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from .chat import (
        ChatResult,
        ChatStream,
        acollect_chat,
        aiter_chat_chunks,
        aiter_text,
        collect_chat,
        iter_chat_chunks,
        iter_text,
    )
    from .chat_objects import ChatCompletion, ChatCompletionChunk

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_LINE_BYTES",
    "APIConnectionError",
    "APIError",
    "APIErrorEvent",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatResult",
    "ChatStream",
    "Comment",
    "IncompleteStreamError",
    "LimitExceeded",
    "ParserTerminated",
    "ProtocolError",
    "SSEError",
    "SSEParser",
    "ServerSentEvent",
    "StreamDecodeError",
    "UsageError",
    "__version__",
    "acollect_chat",
    "aiter_chat_chunks",
    "aiter_events",
    "aiter_text",
    "collect_chat",
    "encode_event",
    "iter_chat_chunks",
    "iter_events",
    "iter_text",
]

# The chat layer (and with it json) loads on first use (PEP 562), so that
# `import sse_pplx` costs only the parser.
_LAZY = {
    "ChatResult": "chat",
    "ChatStream": "chat",
    "acollect_chat": "chat",
    "aiter_chat_chunks": "chat",
    "aiter_text": "chat",
    "collect_chat": "chat",
    "iter_chat_chunks": "chat",
    "iter_text": "chat",
    "ChatCompletion": "chat_objects",
    "ChatCompletionChunk": "chat_objects",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sse_pplx' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list:  # type: ignore[type-arg]
    return sorted(set(globals()) | set(__all__))
