"""encode_event: the inverse of the parser, for servers, tests and fixtures.

Writes the canonical form of the WHATWG HTML §9.2.5 grammar: one field per
line as ``name: value`` (the single space after the colon is the one the parser
removes, so values that start with spaces survive), LF line endings, and a
blank line that ends the block.  Whatever this function writes, ``SSEParser``
reads back to the same event (a hypothesis round-trip property in the tests).
"""

from __future__ import annotations

from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional

__all__ = ["encode_event"]


def _single_line(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a str, not {type(value).__name__}")
    if "\r" in value or "\n" in value:
        raise UsageError(f"{name} must not contain CR or LF: {value!r}")
    return value


def encode_event(
    data: Optional[str] = None,
    *,
    event: Optional[str] = None,
    id: Optional[str] = None,
    retry: Optional[int] = None,
    comment: Optional[str] = None,
) -> bytes:
    """Encode one block of an event stream as UTF-8 bytes.

    Args:
        data: the event's data; each of its lines (split at CRLF, CR or LF)
            becomes one ``data:`` line, so the parser delivers it with LF line
            endings.  None writes no data field (the block then dispatches no
            event, but its ``id``/``retry`` still take effect).
        event: the event type; None or "" leaves the default ("message").
        id: the event ID; "" clears the receiver's last event ID.
        retry: the reconnection time in milliseconds (an int >= 0).
        comment: a comment line written first (e.g. a keep-alive ``:``).

    Returns:
        The bytes of the block.  A block with any field ends with a blank line;
        a comment alone does not (so it can be sent as a keep-alive).

    Raises:
        UsageError: ``event``, ``id`` or ``comment`` contains CR or LF, ``id``
            contains NUL (the receiver would ignore it), ``retry`` is not a
            non-negative int, a value is not a str, or the text cannot be
            encoded as UTF-8 (lone surrogates).
    """
    lines: List[str] = []
    if comment is not None:
        lines.append(": " + _single_line("comment", comment) if comment else ":")
    fields = False
    if event:
        lines.append("event: " + _single_line("event", event))
        fields = True
    if id is not None:
        if "\x00" in _single_line("id", id):
            raise UsageError(f"id must not contain U+0000 NULL (the receiver would ignore it): {id!r}")
        lines.append("id: " + id if id else "id")
        fields = True
    if retry is not None:
        if isinstance(retry, bool) or not isinstance(retry, int) or retry < 0:
            raise UsageError(f"retry must be an int >= 0 (milliseconds), not {retry!r}")
        lines.append(f"retry: {retry}")
        fields = True
    if data is not None:
        if not isinstance(data, str):
            raise UsageError(f"data must be a str, not {type(data).__name__}")
        values = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        lines.extend("data: " + value if value else "data" for value in values)
        fields = True
    if fields:
        lines.append("")
    if not lines:
        raise UsageError("encode_event needs at least one of data, event, id, retry or comment")
    try:
        return ("\n".join(lines) + "\n").encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UsageError(f"text cannot be encoded as UTF-8: {exc}") from None
