"""sseclient-py's shape on sse_pplx's parser: change ``import sseclient`` to
``from sse_pplx import sseclient`` (or ``from sseclient import SSEClient`` to
``from sse_pplx.sseclient import SSEClient``).

``SSEClient(event_source)``, ``.events()`` and ``.close()``, with ``Event`` objects that have
sseclient-py's attribute names (``id``, ``event``, ``data``, ``retry``), over any iterable
of bytes: a ``requests`` response (iterating it gives ``iter_content(128)``) or its
``iter_content(chunk_size=None)``, an urllib3 response, ``http.client``'s, a generator.
Standard library only: this module imports nothing outside the package.

The events come from :class:`sse_pplx.SSEParser`, which follows WHATWG HTML §9.2.5-§9.2.6
where sseclient-py does not (docs/migration.md lists each difference with its spec clause):

* an event the stream ends in the middle of is not dispatched: "If the file ends in the
  middle of an event, before the final empty line, the incomplete event is not
  dispatched."  sseclient-py yields it (its ``_read`` ends with ``if data: yield data``);
* ``id`` is the last event ID, sticky across events as ``MessageEvent.lastEventId`` is
  ("dispatch the event" step 1 and "Initialize event's ... lastEventId attribute to the
  last event ID string"); sseclient-py's is the block's own ``id`` line, else None;
* bytes that are not UTF-8 become U+FFFD ("Streams must be decoded using the UTF-8 decode
  algorithm", which replaces errors); sseclient-py's strict ``line.decode(char_enc)``
  raises ``UnicodeDecodeError`` and ends the stream;
* one leading BOM is removed (WHATWG Encoding "UTF-8 decode"); sseclient-py keeps it and
  loses the first event (its first field is named ``\\ufeffdata``);
* ``retry`` is an ``int``, set only when the value "consists of only ASCII digits";
  sseclient-py keeps any value as a ``str``;
* a line ends at CR, LF or CRLF however the chunks fall; sseclient-py ends an event only
  when its buffer ends with ``\\r\\r``, ``\\n\\n`` or ``\\r\\n\\r\\n``, so a mixed
  ``\\n\\r\\n`` merges two events.
"""

from __future__ import annotations

import codecs

from ._feeding import drive
from .errors import UsageError
from .events import ServerSentEvent
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES, SSEParser, _EventFeed

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Iterable, Iterator, Optional, Tuple

__all__ = ["Event", "SSEClient"]

_new_tuple = tuple.__new__


class Event(ServerSentEvent):
    """One event, with sseclient-py's constructor (``id`` first) and ``str()``.

    Attributes: ``id`` (the last event ID, ``""`` until one is set), ``event`` (``"message"``
    by default), ``data``, ``retry`` (this block's valid ``retry`` as an ``int``, else None).
    A :class:`sse_pplx.ServerSentEvent` underneath: immutable, hashable, compared by its
    fields, with ``json()``.
    """

    __slots__ = ()

    def __new__(
        cls,
        id: Optional[str] = None,
        event: str = "message",
        data: str = "",
        retry: Optional[int] = None,
    ) -> Event:
        return _new_tuple(cls, (data, event or "message", id or "", retry))

    def __getnewargs__(self) -> Tuple[Any, ...]:
        # pickle and copy call __new__ with these: the fields in this constructor's order.
        data, event, id_, retry = self
        return (id_, event, data, retry)

    def __str__(self) -> str:
        # sseclient-py's, character for character ("1 bytes" included: it counts characters
        # and always says "bytes").
        data, event, id_, retry = self
        text = f"{event} event"
        if id_:
            text += f" #{id_}"
        text += f", {len(data)} bytes" if data else ", no data"
        if retry:
            text += f", retry in {retry}ms"
        return text

    def __repr__(self) -> str:
        data, event, id_, retry = self
        return f"Event(id={id_!r}, event={event!r}, data={data!r}, retry={retry!r})"


class SSEClient:
    """The events of an event source, as sseclient-py's ``SSEClient(event_source)``.

    Args:
        event_source: any iterable of ``bytes`` (an HTTP response, its ``iter_content()``,
            a generator).
        char_enc: sseclient-py's decoding.  An event stream is always UTF-8 (WHATWG HTML
            §9.2.5), so only UTF-8 (in any spelling) is accepted; another encoding raises
            :class:`sse_pplx.UsageError` rather than decode differently from sseclient-py.
        max_line_bytes, max_event_bytes: the parser's limits (:class:`sse_pplx.SSEParser`);
            sseclient-py has none.  A line or an event over one raises
            :class:`sse_pplx.LimitExceeded` after the events completed before it.
    """

    def __init__(
        self,
        event_source: Iterable[bytes],
        char_enc: str = "utf-8",
        *,
        max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        if codecs.lookup(char_enc).name != "utf-8":
            raise UsageError(
                f"char_enc={char_enc!r}: an event stream is always UTF-8 (WHATWG HTML §9.2.5 "
                "'Streams must be decoded using the UTF-8 decode algorithm')"
            )
        self._event_source = event_source
        self._char_enc = char_enc
        # (Any: _EventFeed takes a parser of events and comments; this one gives events only.)
        self._parser: SSEParser[Any] = SSEParser(max_line_bytes=max_line_bytes, max_event_bytes=max_event_bytes)

    @property
    def last_event_id(self) -> str:
        """The last event ID after the events read so far (``""`` if none): what a reconnection
        sends as ``Last-Event-ID``."""
        return self._parser.last_event_id

    @property
    def retry(self) -> Optional[int]:
        """The reconnection time in ms from the last valid ``retry`` field read, or None."""
        return self._parser.retry

    def events(self) -> Iterator[Event]:
        """Each event as soon as the blank line that ends it has arrived.

        The stream ends when ``event_source`` does; an event it ends in the middle of is not
        dispatched.  Each call reads on from where ``event_source`` is, with a fresh parser
        (the last event ID and retry carry over), as sseclient-py's does.
        """
        parser = self._parser
        parser.reset()
        for event in drive(_EventFeed(parser), self._event_source):
            yield _new_tuple(Event, event)

    def close(self) -> None:
        """Close the event source (when it has a ``close()``; sseclient-py requires one)."""
        close = getattr(self._event_source, "close", None)
        if close is not None:
            close()
