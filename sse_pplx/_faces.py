"""The two faces of a client stream, written once for every resource.

A resource's stream state (the chat streams of :mod:`sse_pplx.chat_completions`, the
response streams of :mod:`sse_pplx.responses_resource`) holds the response, the decoder and
the flow that reads it; :class:`SyncFace` runs that flow through the blocking driver and
:class:`AsyncFace` through the asyncio one.  Both give the same surface: iteration (leaving
the loop closes the connection at once, openai/openai-python#969), ``with`` / ``async with``,
``close()``, ``iter_text()`` / ``text_stream``, ``until_done()``, and :meth:`_read_to_end`,
which each resource names as the SDKs do (``get_final_completion``, ``get_final_response``).

:class:`StreamState` holds what every stream knows (the response, the decoder, the verdict,
the error it ended with) and what follows from it (``result``, closing, the final result);
a resource's state adds ``_flow()``, the reading flow that emits the items.  Text iteration
takes the list the state's decoder appends text to.
No spec section applies here.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Generic, Iterator, List, Optional, TypeVar

from .transport import ASYNCIO, BLOCKING

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ._flows import Flow

__all__ = ["AsyncFace", "StreamState", "SyncFace"]

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")
_Sync = TypeVar("_Sync", bound="SyncFace[Any, Any]")
_Async = TypeVar("_Async", bound="AsyncFace[Any, Any]")


def _take(pieces: List[str]) -> List[str]:
    taken = pieces[:]
    del pieces[:]
    return taken


class StreamState(Generic[_Result]):
    """What every client stream knows, whichever face reads it: the HTTP ``response``, the
    sans-I/O decoder, the attempts made, the verdict (``_final``) and the error the stream
    ended with; a resource's state adds ``_flow()``, the flow that reads it."""

    response: Any

    def __init__(self, response: Any, decoder: Any, attempts: int) -> None:
        self.response = response
        self._decoder = decoder
        self._attempts = attempts
        self._error: Optional[BaseException] = None
        self._final: Optional[_Result] = None

    @property
    def result(self) -> _Result:
        """Everything received so far (final once the stream has ended)."""
        return self._final if self._final is not None else self._decoder.result

    def _flow(self) -> Flow[None]:
        raise NotImplementedError

    def _settle(self) -> None:
        """The reader stopped: the connection is closed, what has arrived stays in ``result``."""
        self.response.close()
        if self._final is None:
            self._final = self._decoder.result

    def _final_result(self) -> _Result:
        """The result once the stream was read to its end (the error it ended with, re-raised)."""
        if self._error is not None:
            raise self._error
        return self.result

    def __repr__(self) -> str:
        # What a person debugging wants: where it reads from, how far it got, and (once there
        # is one) what arrived; never a verdict for a stream not yet read (its result would
        # say "truncated").
        result = self.result
        verdict = getattr(result, "outcome", None) or getattr(result, "status", None)  # chat / responses
        if self._error is not None:
            state = "failed"
        elif self._final is not None and verdict != "truncated":
            state = "ended"
        elif self._final is not None or self.response.is_closed:
            state = "closed"  # by the reader, before the end
        elif not getattr(result, "events", 0):
            return f"<{type(self).__name__} state='not started' url={self.response.url!r}>"
        else:
            state = "reading"
        return f"<{type(self).__name__} state={state!r} url={self.response.url!r} result={result!r}>"

    def __del__(self) -> None:
        response = getattr(self, "response", None)
        if response is not None:
            response.close()


class _State(StreamState[_Result], Generic[_Item, _Result]):
    """The faces' view of a stream state (its items are ``_Item``)."""


class SyncFace(_State[_Item, _Result]):
    """The blocking face: ``for item in stream``, ``with stream:``, ``stream.close()``."""

    _iterator: Iterator[_Item]

    def _start(self) -> None:
        self._iterator = BLOCKING.iterate(self._flow())

    def __iter__(self) -> Iterator[_Item]:
        # A generator of its own, so that leaving the loop (break, an exception) closes the
        # connection at once instead of when the stream object is collected.
        try:
            yield from self._iterator
        finally:
            self.close()

    def __next__(self) -> _Item:
        return next(self._iterator)

    def _texts(self, pieces: List[str]) -> Iterator[str]:
        """Iterate, yielding the text the decoder appended to ``pieces`` meanwhile."""
        try:
            for _ in self._iterator:
                yield from _take(pieces)
            yield from _take(pieces)
        finally:
            self.close()

    def _read_to_end(self) -> _Result:
        """Read the rest of the stream; the result (or the error the stream ended with, raised)."""
        for _ in self._iterator:
            pass
        return self._final_result()

    def until_done(self: _Sync) -> _Sync:
        """Read the rest of the stream (the SDKs' name); returns the stream."""
        self._read_to_end()
        return self

    def close(self) -> None:
        """Stop now: the connection is closed, what has arrived stays in ``result``."""
        self._iterator.close()  # type: ignore[attr-defined]
        self._settle()

    def __enter__(self: _Sync) -> _Sync:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncFace(_State[_Item, _Result]):
    """The asyncio face: ``async for``, ``async with``, ``await stream.close()``."""

    _iterator: AsyncIterator[_Item]

    def _start(self) -> None:
        self._iterator = ASYNCIO.iterate(self._flow())

    async def __aiter__(self) -> AsyncIterator[_Item]:
        # Its own generator, so that leaving the loop closes the connection (see SyncFace.__iter__).
        try:
            async for item in self._iterator:
                yield item
        finally:
            await self.close()

    async def __anext__(self) -> _Item:
        return await self._iterator.__anext__()

    async def _texts(self, pieces: List[str]) -> AsyncIterator[str]:
        try:
            async for _ in self._iterator:
                for piece in _take(pieces):
                    yield piece
            for piece in _take(pieces):
                yield piece
        finally:
            await self.close()

    async def _read_to_end(self) -> _Result:
        async for _ in self._iterator:
            pass
        return self._final_result()

    async def until_done(self: _Async) -> _Async:
        """Read the rest of the stream; returns the stream."""
        await self._read_to_end()
        return self

    async def close(self) -> None:
        """Stop now: the connection is closed, what has arrived stays in ``result``."""
        await self._iterator.aclose()  # type: ignore[attr-defined]
        self._settle()

    aclose = close

    async def __aenter__(self: _Async) -> _Async:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
