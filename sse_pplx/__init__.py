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
from .errors import LimitExceeded, ParserTerminated, ProtocolError, SSEError, UsageError
from .events import Comment, ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser, aiter_events, iter_events

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "DEFAULT_MAX_LINE_BYTES",
    "Comment",
    "LimitExceeded",
    "ParserTerminated",
    "ProtocolError",
    "SSEError",
    "SSEParser",
    "ServerSentEvent",
    "UsageError",
    "__version__",
    "aiter_events",
    "encode_event",
    "iter_events",
]
