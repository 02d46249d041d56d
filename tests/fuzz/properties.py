"""The campaign's targets: a Hypothesis strategy of cases and the check each case gets.

Shared by ``tests/test_hostile.py`` (moderate example counts, in the default suite) and
``python -m tests.fuzz.run_hypothesis`` (the campaign at scale).
"""

from __future__ import annotations

import random
from typing import Any, Callable, Dict, List, Tuple

from hypothesis import strategies as st

from tests.fuzz import hostile
from tests.fuzz.strategies import chat_cases, memory_cases, parser_cases

__all__ = ["TARGETS", "check_chat_case", "check_memory_case", "check_parser_case"]


def _recut(chunks: List[Any], seed: int) -> List[bytes]:
    """The same bytes cut at a few seeded random places."""
    data = b"".join(bytes(c) for c in chunks)
    if len(data) < 2:
        return [data] if data else []
    cuts = sorted(random.Random(seed).sample(range(1, len(data)), min(len(data) - 1, 1 + seed % 24)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)])]


def check_parser_case(case: Tuple[List[Any], Dict[str, Any], bool]) -> None:
    """feed() / close() invariants over the drawn chunking, then iter_events over it; then the
    same bytes whole with comments the other way, and cut at random (4 parser inputs)."""
    chunks, options, comments = case
    run = hostile.check_parser(chunks, options, comments)
    hostile.check_iter_events(chunks, options, comments, run)
    data = b"".join(bytes(c) for c in chunks)
    hostile.check_parser([data] if data else [], options, not comments)
    for seed in (len(data), len(data) * 7 + 3):
        hostile.check_parser(_recut(chunks, seed), options, comments)


def check_memory_case(case: Tuple[List[bytes], Dict[str, Any]]) -> None:
    """tracemalloc's peak for one stream stays under hostile.memory_bound."""
    chunks, options = case
    hostile.check_parser_memory(chunks, options)


def check_chat_case(case: Tuple[List[bytes], Dict[str, Any], bool, bool]) -> None:
    """Every chat entry point, in the case's mode, over the drawn chunks; then collect_chat and
    iter_chat_chunks in the other mode, whole and cut at random (9 chat inputs)."""
    chunks, options, strict, include_reasoning = case
    for api in hostile.CHAT_APIS:
        hostile.check_chat(chunks, api=api, strict=strict, options=options, include_reasoning=include_reasoning)
    data = b"".join(chunks)
    for recut in ([data] if data else [], _recut(chunks, len(data))):
        for api in ("collect", "iter_chunks"):
            hostile.check_chat(recut, api=api, strict=not strict, options=options)


#: name -> (the strategy of cases, the check, what it covers)
TARGETS: Dict[str, Tuple[st.SearchStrategy[Any], Callable[[Any], None], str]] = {
    "parser": (
        parser_cases(),
        check_parser_case,
        "SSEParser.feed/close and iter_events: hostile, near-valid and valid streams and chat streams, "
        "any chunking (bytes, bytearray, memoryview), small limits, comments on and off",
    ),
    "parser-memory": (
        memory_cases(),
        check_memory_case,
        "tracemalloc peak of one stream vs memory_bound: the worst line / event shapes, 1 byte to 64 KiB "
        "chunks, limits 0 to unlimited",
    ),
    "chat-json": (
        chat_cases(),
        check_chat_case,
        "collect_chat, iter_chat_chunks, iter_text, ChatDecoder.feed, ChatDecoder.feed_event: hostile JSON "
        "payloads (wrong types, deep nesting, huge numbers, NaN, surrogates, [DONE] variants, error bodies)",
    ),
    "chat-sse": (
        chat_cases(sse_level=True),
        check_chat_case,
        "the same chat entry points over hostile SSE framing (random bytes, invalid UTF-8, endless lines, "
        "small limits)",
    ),
}
