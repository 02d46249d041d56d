"""What every sans-I/O stream decoder does with bytes, written once.

:class:`~sse_pplx.chat.ChatDecoder` (chat completions) and
:class:`~sse_pplx.responses.ResponseDecoder` (the Agent and Responses APIs) both put bytes
through one :class:`~sse_pplx.parser.SSEParser` (WHATWG HTML §9.2.6) and interpret each
event it completes; they differ only in that interpretation.  :class:`EventDecoder` holds
the rest: ``feed`` / ``iter_feed`` / ``feed_event`` and the quiet ``_consume``, the rule that
the events completed before a parser error are interpreted (or delivered) first, and
``flush``, which closes the parser and keeps a last event whose blank line never came when
it is evidently whole (the Stainless SDKs drop it silently: perplexity-wire.md §7.3).

A subclass provides ``_interpret(event)`` (the event's decoded object, accumulated, or
None), ``_view`` (the object as the caller sees it), ``_salvageable(event)`` and
``_failure_partial()`` (the result to attach to an error).
"""

from __future__ import annotations

from typing import Generic, TypeVar

from .errors import ProtocolError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

    from .events import ServerSentEvent
    from .parser import SSEParser

__all__ = ["EventDecoder", "chain"]

_View = TypeVar("_View")
_Arg = TypeVar("_Arg")


def chain(first: Optional[Callable[[_Arg], object]], second: Callable[[_Arg], object]) -> Callable[[_Arg], object]:
    """One listener that calls ``first`` (if any), then ``second``: how every decoder's
    ``add_*_listener`` adds to the callbacks it was given."""
    if first is None:
        return second
    earlier = first

    def both(value: _Arg) -> None:
        earlier(value)
        second(value)

    return both


class EventDecoder(Generic[_View]):
    """The byte-facing half of a stream decoder (see the module docstring)."""

    parser: SSEParser[ServerSentEvent]
    #: A terminal marker was seen: stop reading.
    done: bool
    _view: Callable[[Dict[str, Any]], _View]
    _received: Any  # the result being filled in (``salvaged``, ``warnings``)

    def _start_input(self) -> None:
        self._closed = False
        self._flushed = False  # flush() has closed the parser
        self._cut = False  # the stream ended inside an event that was not kept
        self._pending_error: Optional[ProtocolError] = None
        self.done = False

    # -- the subclass's part ------------------------------------------------

    def _interpret(self, event: ServerSentEvent) -> Optional[Dict[str, Any]]:
        raise NotImplementedError

    def _salvageable(self, event: ServerSentEvent) -> bool:
        raise NotImplementedError

    def _failure_partial(self) -> Any:
        raise NotImplementedError

    # -- input --------------------------------------------------------------

    def feed(self, data: bytes) -> List[_View]:
        """Parse bytes; return what their events decode to (``[]`` once :attr:`done`).
        A parser error carries the result so far in ``exc.partial``."""
        views: List[_View] = []
        if self.done:
            return views
        view = self._view
        for event in self._events(data):
            decoded = self._interpret(event)
            if decoded is not None:
                views.append(view(decoded))
            if self.done:
                break
        return views

    def iter_feed(self, data: bytes) -> Iterator[_View]:
        """Like :meth:`feed`, but yields each item before the next event is read, so that
        the items before an error are delivered before it is raised."""
        if self.done:
            return
        view = self._view
        for event in self._events(data, deliver_first=True):
            decoded = self._interpret(event)
            if decoded is not None:
                yield view(decoded)
            if self.done:
                return
        error = self._pending_error
        if error is not None:
            self._pending_error = None
            error.partial = self._failure_partial()
            raise error

    def feed_event(self, event: ServerSentEvent) -> Optional[_View]:
        """Interpret one SSE event you parsed yourself; what it decodes to, or None."""
        if self.done:
            return None
        decoded = self._interpret(event)
        return None if decoded is None else self._view(decoded)

    def _consume(self, data: bytes) -> Tuple[()]:
        """:meth:`feed` for callers that want the result only: no view is built.  Returns ``()``."""
        if not self.done:
            for event in self._events(data):
                self._interpret(event)
                if self.done:
                    break
        return ()

    def _events(self, data: bytes, deliver_first: bool = False) -> List[ServerSentEvent]:
        """The parser's events.  On a parser error, the events it completed first are
        interpreted too and the error raised with the partial result; with ``deliver_first``
        they are returned for the caller to deliver, and the error left in ``_pending_error``."""
        try:
            return self.parser.feed(data)
        except ProtocolError as exc:
            completed: List[ServerSentEvent] = exc.events  # the parser has no comments=True
            exc.events = []
            if deliver_first:
                self._pending_error = exc
                return completed
            for event in completed:
                self._interpret(event)
            exc.partial = self._failure_partial()
            raise

    # -- the end ------------------------------------------------------------

    def flush(self) -> Optional[_View]:
        """End of the bytes: close the parser and return what a last event that arrived whole
        but without its blank line decodes to (it is kept: ``result.salvaged``), else None.
        ``close()`` calls it; a caller that delivers items calls it first and delivers what
        it returns, so that the items add up to the result.  Idempotent."""
        if self._flushed or self.done:
            self._flushed = True
            return None
        self._flushed = True
        self.parser.close()
        if not self.parser.truncated:
            return None
        self._cut = True
        last = self.parser.incomplete_event
        if last is None or not self._salvageable(last):
            return None
        self._cut = False
        self._received.salvaged = True
        self._received.warnings.append("the last event had no terminating blank line; it was complete and was kept")
        return self.feed_event(last)
