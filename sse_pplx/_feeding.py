"""The two loops that feed chunks of bytes to a sans-I/O decoder: one synchronous, one asynchronous.

Every convenience over an iterable of bytes (``iter_events``, ``iter_chat_chunks``,
``collect_chat``, ``iter_text``) is :func:`drive` around a *feed*, and its async
twin is :func:`adrive` around the same feed: what a chunk of bytes produces is
written once, in the feed, and the two loops only differ in ``for`` / ``async for``.
They import no event loop, so the async twins work over any async iterable of
bytes (httpx, aiohttp, trio and anyio streams).

A feed has:

* ``step(data)``: parse one chunk of bytes; returns what it completed (an
  iterable, possibly a generator that yields each item before reading the next
  event).  A :class:`~sse_pplx.errors.ProtocolError` it raises carries in
  ``events`` what was completed before it: the loops deliver those first.
* ``decoder``: the object whose ``done`` turns true when reading must stop
  (``[DONE]`` in a chat stream); the loops then stop pulling bytes.
* ``finish()``: the end of the bytes; returns what comes out last.

Performance: ``step`` and ``decoder`` are read once per stream, so that a chunk
costs the loop one call and one attribute read (this is the per-chunk path of
a 1-byte trickle).

It implements no spec section of its own (the parser and the chat layer do);
it keeps the delivery rule they promise: every item a chunk completes is
yielded before the next chunk is pulled.

The public twins are typed here too, once for both: :class:`EventIteration`
for ``iter_events`` / ``aiter_events`` and :class:`TextIteration` for
``iter_text`` / ``aiter_text``.  Their keyword arguments are passed on to the
decoder they build, so each signature is stated once for type checkers (these
protocols) and once at run time (the decoder's ``__init__``).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from .errors import ProtocolError

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import (
        Any,
        AsyncIterable,
        AsyncIterator,
        Callable,
        Generator,
        Iterable,
        Iterator,
        Literal,
        Optional,
        Protocol,
        TypeVar,
        Union,
        overload,
    )

    from .events import Comment, ServerSentEvent

    Item = Union[ServerSentEvent, Comment]
    _Produced = TypeVar("_Produced", covariant=True)
    _Chunks = TypeVar("_Chunks", contravariant=True)
    _Events = TypeVar("_Events", covariant=True)
    _EventsAndComments = TypeVar("_EventsAndComments", covariant=True)
    _Texts = TypeVar("_Texts", covariant=True)

    class Stoppable(Protocol):
        """A decoder that can say it has reached the end of its stream."""

        @property
        def done(self) -> bool: ...

    class Feed(Protocol[_Produced]):
        """See the module docstring."""

        @property
        def step(self) -> Callable[[bytes], Iterable[_Produced]]: ...
        @property
        def decoder(self) -> Stoppable: ...
        def finish(self) -> Iterable[_Produced]:
            """What the end of the bytes produces (a flushed last item, the result)."""
            ...

    class EventIteration(Protocol[_Chunks, _Events, _EventsAndComments]):
        """The type of ``iter_events`` and ``aiter_events``: ``SSEParser``'s keyword arguments;
        events only, unless ``comments=True`` (required in the second form, so listed first)."""

        @overload
        def __call__(
            self,
            chunks: _Chunks,
            *,
            max_line_bytes: Optional[int] = ...,
            max_event_bytes: Optional[int] = ...,
            comments: Literal[False] = ...,
            last_event_id: str = ...,
        ) -> _Events: ...
        @overload
        def __call__(
            self,
            chunks: _Chunks,
            *,
            comments: bool,
            max_line_bytes: Optional[int] = ...,
            max_event_bytes: Optional[int] = ...,
            last_event_id: str = ...,
        ) -> _EventsAndComments: ...

    class TextIteration(Protocol[_Chunks, _Texts]):
        """The type of ``iter_text`` and ``aiter_text`` (the other keyword arguments are ``ChatDecoder``'s)."""

        def __call__(
            self,
            chunks: _Chunks,
            *,
            include_reasoning: bool = False,
            buffer_chars: int = 0,
            buffer_seconds: float = 0.0,
            strict: bool = False,
            **options: Any,
        ) -> _Texts: ...

    @overload
    def event_iteration(
        function: Callable[[Iterable[bytes]], Iterator[Item]],
    ) -> EventIteration[Iterable[bytes], Iterator[ServerSentEvent], Iterator[Item]]: ...
    @overload
    def event_iteration(
        function: Callable[[AsyncIterable[bytes]], AsyncIterator[Item]],
    ) -> EventIteration[AsyncIterable[bytes], AsyncIterator[ServerSentEvent], AsyncIterator[Item]]: ...
    def event_iteration(function: Any) -> Any:
        return function

    def text_iteration(function: Callable[[_Chunks], _Texts]) -> TextIteration[_Chunks, _Texts]: ...

else:

    def _as_declared(function: object) -> object:
        """At run time the twins are the functions as written; the types above are for type checkers."""
        return function

    event_iteration = text_iteration = _as_declared


__all__ = ["ByteIteration", "adrive", "drive", "event_iteration", "text_iteration"]


def drive(feed: Feed[_Produced], chunks: Iterable[bytes]) -> Generator[_Produced, None, None]:
    """Feed every chunk; yield what each completes as soon as it is complete, then what ``finish()`` gives."""
    step, decoder = feed.step, feed.decoder
    for data in chunks:
        try:
            items = step(data)
        except ProtocolError as exc:  # deliver what was completed before the error, then raise it
            completed, exc.events = exc.events, []
            yield from completed
            raise
        if items:  # (most chunks of a trickle complete nothing: skip the delegation)
            yield from items
        if decoder.done:
            break
    yield from feed.finish()


async def adrive(feed: Feed[_Produced], chunks: AsyncIterable[bytes]) -> AsyncIterator[_Produced]:
    """:func:`drive` for an async iterable of bytes."""
    step, decoder = feed.step, feed.decoder
    async for data in chunks:
        try:
            items = step(data)
        except ProtocolError as exc:
            completed, exc.events = exc.events, []
            for item in completed:
                yield item
            raise
        if items:
            for item in items:
                yield item
        if decoder.done:
            break
    for item in feed.finish():
        yield item


class ByteIteration(Generic[_Item, _Result]):
    """What ``iter_chat_chunks`` and ``iter_response_events`` return: :func:`drive` around a
    feed, iterable, with ``.result`` (the decoder's result so far; final once iteration has
    ended), ``.decoder`` and ``close()``."""

    def __init__(self, chunks: Iterable[bytes], feed: Feed[_Item]) -> None:
        self._chunks = chunks
        #: The sans-I/O decoder underneath.
        self.decoder: Any = feed.decoder
        self._iterator = drive(feed, chunks)

    def __iter__(self) -> Iterator[_Item]:
        return self._iterator

    def __next__(self) -> _Item:
        return next(self._iterator)

    @property
    def result(self) -> _Result:
        """The result so far; final once iteration has ended."""
        return self.decoder.result  # type: ignore[no-any-return]

    def close(self) -> None:
        """Stop early (the underlying iterable is closed too if it has a ``close``)."""
        self._iterator.close()
        closer = getattr(self._chunks, "close", None)
        if closer is not None:
            closer()
