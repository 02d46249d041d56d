"""httpx-sse's public API on sse_pplx's parser: change ``from httpx_sse import ...`` to
``from sse_pplx.httpx import ...``.

The names and their behaviour are httpx-sse 0.4.3's (``connect_sse``, ``aconnect_sse``,
``EventSource``, ``ServerSentEvent``, ``SSEError``); the events come from
:class:`sse_pplx.SSEParser`, which follows WHATWG HTML §9.2.5-§9.2.6 where httpx-sse's
decoder does not (docs/migration.md lists each difference with its spec clause):

* a block without data dispatches nothing ("If the data buffer is an empty string, set the
  data buffer and the event type buffer to the empty string and return."): httpx-sse
  dispatches an empty event for a block that set ``event``, ``id`` or ``retry``, and, once
  an ``id`` was seen, for every comment-only block (``: ping``), florimondmanca/httpx-sse#35;
* one leading BOM is removed (WHATWG Encoding "UTF-8 decode"); httpx-sse keeps it, so the
  first field name is ``\\ufeffdata`` and the first event is lost;
* ``retry`` counts only when it "consists of only ASCII digits"; httpx-sse takes
  whatever ``int()`` takes (`` 10``, ``+10``, ``1_0``, other scripts' digits);
* "Streams must be decoded using the UTF-8 decode algorithm": always UTF-8 (invalid bytes
  become U+FFFD, as httpx's decoder also makes them), whatever ``charset`` the
  ``Content-Type`` names; httpx-sse decodes with httpx's ``response.encoding``.

This module imports httpx, so the core never imports it: ``import sse_pplx`` does not load
httpx, and nothing in the package imports this module (tests/test_vendoring.py checks that
the package folder imports without any third-party package).

The parser is sans-I/O and runs over ``response.iter_bytes()`` (``aiter_bytes()``: the body
with its ``Content-Encoding`` undone, as httpx-sse's ``iter_text()`` reads it) through the
loops of :mod:`sse_pplx._feeding`, one body for both; the sync and async methods differ
only in how they pull chunks.  A line or an event over the parser's limits raises
:class:`sse_pplx.LimitExceeded` after the events completed before it.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager, contextmanager

try:
    import httpx
except ModuleNotFoundError as _missing:
    if _missing.name != "httpx":
        raise
    _message = "sse_pplx.httpx is httpx-sse's API over httpx, which is not installed: pip install 'sse_pplx[httpx]'"
    raise ModuleNotFoundError(_message, name="httpx") from None

from . import errors as _errors
from . import events as _events
from ._feeding import adrive, drive
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser, _EventFeed

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, AsyncGenerator, AsyncIterator, Iterator, Optional, Tuple

__all__ = ["EventSource", "SSEError", "ServerSentEvent", "aconnect_sse", "connect_sse"]

_new_tuple = tuple.__new__


class SSEError(httpx.TransportError, _errors.SSEError):
    """The response is not an event stream (its ``Content-Type`` lacks ``text/event-stream``).

    An ``httpx.TransportError`` as httpx-sse's ``SSEError`` is (``except httpx.HTTPError``
    code keeps working), and also a :class:`sse_pplx.SSEError`.
    """


class _InvalidJSON(_errors.InvalidJSONError, json.JSONDecodeError):
    """What :meth:`ServerSentEvent.json` raises: the ``json.JSONDecodeError`` httpx-sse lets
    through (same message, ``msg``, ``doc``, ``pos``, ``lineno``, ``colno``), and also an
    :class:`sse_pplx.InvalidJSONError` (``raw``, ``reason``)."""

    def __init__(self, msg: str, doc: str, pos: int) -> None:  # json.JSONDecodeError's, so it pickles
        json.JSONDecodeError.__init__(self, msg, doc, pos)
        self.raw = doc
        self.reason = str(self)


class ServerSentEvent(_events.ServerSentEvent):
    """httpx-sse's ``ServerSentEvent``: its constructor (``event`` first; ``None`` or ``""``
    mean the defaults), ``repr`` and ``json()``.  A :class:`sse_pplx.ServerSentEvent`
    underneath, so it is immutable, hashable and compared by its fields (httpx-sse's compares
    by identity)."""

    __slots__ = ()

    def __new__(
        cls,
        event: Optional[str] = None,
        data: Optional[str] = None,
        id: Optional[str] = None,
        retry: Optional[int] = None,
    ) -> ServerSentEvent:
        # httpx-sse: "if not event: event = 'message'"; a None data or id is "".
        return _new_tuple(cls, (data or "", event or "message", id or "", retry))

    def __getnewargs__(self) -> Tuple[Any, ...]:
        # pickle and copy call __new__ with these: the fields in this constructor's order.
        data, event, id_, retry = self
        return (event, data, id_, retry)

    def json(self) -> Any:
        """``json.loads(self.data)``, as httpx-sse's.

        Raises:
            json.JSONDecodeError: ``data`` is not JSON (also an :class:`sse_pplx.InvalidJSONError`).
        """
        try:
            return json.loads(self[0])
        except json.JSONDecodeError as exc:
            raise _InvalidJSON(exc.msg, exc.doc, exc.pos) from None

    def __repr__(self) -> str:
        # httpx-sse's: the event type always, the other fields when not their default.
        data, event, id_, retry = self
        pieces = [f"event={event!r}"]
        if data != "":
            pieces.append(f"data={data!r}")
        if id_ != "":
            pieces.append(f"id={id_!r}")
        if retry is not None:
            pieces.append(f"retry={retry!r}")
        return f"ServerSentEvent({', '.join(pieces)})"


class EventSource:
    """The events of one httpx response, as httpx-sse's ``EventSource(response)``.

    Args:
        response: an ``httpx.Response`` opened with ``client.stream(...)``.
        max_line_bytes, max_event_bytes: the parser's limits (:class:`sse_pplx.SSEParser`);
            httpx-sse has none.  A line or an event over one raises :class:`sse_pplx.LimitExceeded`.

    Besides httpx-sse's API: ``last_event_id`` and ``retry``, the stream's state so far (what
    a reconnection would send as ``Last-Event-ID``, and the reconnection time from the last
    valid ``retry`` field, which a block without data sets without dispatching an event).
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._response = response
        # (Any: _EventFeed takes a parser of events and comments; this one gives events only.)
        self._parser: SSEParser[Any] = SSEParser(max_line_bytes=max_line_bytes, max_event_bytes=max_event_bytes)

    @property
    def response(self) -> httpx.Response:
        return self._response

    @property
    def last_event_id(self) -> str:
        """The spec's last event ID string after the events read so far (``""`` if none)."""
        return self._parser.last_event_id

    @property
    def retry(self) -> Optional[int]:
        """The reconnection time in ms from the last valid ``retry`` field read, or None."""
        return self._parser.retry

    def _check_content_type(self) -> None:
        # httpx-sse's condition and message, word for word: the part before the first ";"
        # must contain "text/event-stream" (so "application/json, text/event-stream" passes).
        content_type = self._response.headers.get("content-type", "").partition(";")[0]
        if "text/event-stream" not in content_type:
            raise SSEError(
                f"Expected response header Content-Type to contain 'text/event-stream', got {content_type!r}"
            )

    def _feed(self) -> _EventFeed:
        """The parser, fresh for this body (its last event ID and retry carry over)."""
        parser = self._parser
        parser.reset()
        return _EventFeed(parser)

    def iter_sse(self) -> Iterator[ServerSentEvent]:
        """Each event as soon as it is complete.

        Raises:
            SSEError: the response is not an event stream (on the first ``next()``).
            sse_pplx.LimitExceeded: a line or an event outgrew its limit (after the events
                completed before it).
        """
        self._check_content_type()
        for event in drive(self._feed(), self._response.iter_bytes()):
            yield _new_tuple(ServerSentEvent, event)

    async def aiter_sse(self) -> AsyncGenerator[ServerSentEvent, None]:
        """The async twin of :meth:`iter_sse`; closing it closes the body's iterator too."""
        self._check_content_type()
        chunks = self._response.aiter_bytes()
        events = adrive(self._feed(), chunks)
        try:
            async for event in events:
                yield _new_tuple(ServerSentEvent, event)
        finally:
            # As httpx-sse 0.4.1+ does (PR #30): close the generators underneath at once.
            for generator in (events, chunks):
                aclose = getattr(generator, "aclose", None)
                if aclose is not None:
                    await aclose()


def _sse_headers(kwargs: Any) -> httpx.Headers:
    # httpx-sse: headers["Accept"] = "text/event-stream"; headers["Cache-Control"] = "no-store"
    # (over the caller's own, which are copied here rather than changed in place).
    headers = httpx.Headers(kwargs.pop("headers", None))
    headers["Accept"] = "text/event-stream"
    headers["Cache-Control"] = "no-store"
    return headers


@contextmanager
def connect_sse(client: httpx.Client, method: str, url: str, **kwargs: Any) -> Iterator[EventSource]:
    """``client.stream(method, url, **kwargs)`` with the event-stream request headers,
    as an :class:`EventSource`; the response is closed when the ``with`` block ends."""
    headers = _sse_headers(kwargs)
    with client.stream(method, url, headers=headers, **kwargs) as response:
        yield EventSource(response)


@asynccontextmanager
async def aconnect_sse(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> AsyncIterator[EventSource]:
    """The async twin of :func:`connect_sse`, for an ``httpx.AsyncClient``."""
    headers = _sse_headers(kwargs)
    async with client.stream(method, url, headers=headers, **kwargs) as response:
        yield EventSource(response)
