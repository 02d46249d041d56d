"""``Content-Type``, read as browsers read it: the Fetch standard's "extract a MIME type"
(Fetch §3.5, with "get, decode, and split" a header value) over MIME Sniffing §4.4 "parse a
MIME type".  Sans-I/O, standard library only.

So ``application/json, text/event-stream; charset=utf-8`` is an event stream (the last valid
type of the list wins), as browsers and httpx-sse read it; a ``charset`` carries over while
the essence stays the same; ``*/*`` and unparsable types are skipped.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Dict, List, Optional, Protocol, Tuple

    class _Fields(Protocol):
        def get_all(self, name: str) -> List[str]: ...


__all__ = ["MediaType", "extract_media_type", "parse_media_type"]


_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_HTTP_WHITESPACE = " \t\r\n"


class MediaType:
    """A parsed MIME type: ``essence`` (``type/subtype``, lower case) and its parameters."""

    __slots__ = ("essence", "parameters")

    def __init__(self, essence: str, parameters: Dict[str, str]) -> None:
        self.essence = essence
        self.parameters = parameters

    @property
    def charset(self) -> Optional[str]:
        return self.parameters.get("charset")

    def __repr__(self) -> str:
        return f"MediaType({self.essence!r}, {self.parameters!r})"


def _split_header_values(value: str) -> List[str]:
    """Fetch "get, decode, and split": commas split values except inside a quoted string."""
    values: List[str] = []
    current: List[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            values.append("".join(current).strip(" \t"))
            current = []
            continue
        current.append(char)
    values.append("".join(current).strip(" \t"))
    return values


def _find(text: str, char: str, position: int) -> int:
    found = text.find(char, position)
    return len(text) if found < 0 else found


def parse_media_type(text: str) -> Optional[MediaType]:
    """MIME Sniffing §4.4 "parse a MIME type", step by step; None for failure."""
    text = text.strip(_HTTP_WHITESPACE)
    slash = text.find("/")
    kind = text[:slash]
    if slash < 0 or not kind or not set(kind) <= _TOKEN:
        return None
    end = _find(text, ";", slash + 1)
    subtype = text[slash + 1 : end].rstrip(_HTTP_WHITESPACE)
    if not subtype or not set(subtype) <= _TOKEN:
        return None
    parameters: Dict[str, str] = {}
    position, length = end, len(text)
    while position < length:
        position += 1  # past ";"
        while position < length and text[position] in _HTTP_WHITESPACE:
            position += 1
        start = position
        while position < length and text[position] not in ";=":
            position += 1
        name = text[start:position].lower()
        if position < length:
            if text[position] == ";":
                continue
            position += 1  # past "="
        if position >= length:
            break
        if text[position] == '"':
            value, position = _quoted_string(text, position)
            position = _find(text, ";", position)
        else:
            end = _find(text, ";", position)
            value = text[position:end].rstrip(_HTTP_WHITESPACE)
            position = end
            if not value:
                continue
        # "If ... parameterName is not the empty string, solely contains HTTP token code points,
        # parameterValue solely contains HTTP quoted-string token code points, and mimeType's
        # parameters[parameterName] does not exist, then set ..."
        if name and set(name) <= _TOKEN and _quoted_token(value) and name not in parameters:
            parameters[name] = value
    return MediaType(f"{kind}/{subtype}".lower(), parameters)


def _quoted_string(text: str, position: int) -> Tuple[str, int]:
    """Fetch "collect an HTTP quoted string" with the extract-value flag: the value, and the
    position after the closing quote."""
    out: List[str] = []
    position += 1
    while position < len(text):
        char = text[position]
        position += 1
        if char == "\\":
            if position < len(text):
                out.append(text[position])
                position += 1
            else:
                out.append("\\")
        elif char == '"':
            break
        else:
            out.append(char)
    return "".join(out), position


def _quoted_token(value: str) -> bool:
    return all(c == "\t" or " " <= c <= "~" or "\x80" <= c <= "\xff" for c in value)


def extract_media_type(headers: _Fields) -> Optional[MediaType]:
    """Fetch §3.5 "extract a MIME type" from the ``Content-Type`` fields: the last valid type
    of a comma-separated list wins (``application/json, text/event-stream`` is an event
    stream, as browsers and httpx-sse read it), a ``charset`` carried over while the essence
    stays the same; None when there is no valid type."""
    values = headers.get_all("content-type")
    if not values:
        return None
    charset: Optional[str] = None
    essence: Optional[str] = None
    media_type: Optional[MediaType] = None
    for value in _split_header_values(", ".join(values)):
        candidate = parse_media_type(value)
        if candidate is None or candidate.essence == "*/*":
            continue
        media_type = candidate
        if candidate.essence != essence:
            charset = candidate.parameters.get("charset")
            essence = candidate.essence
        elif "charset" not in candidate.parameters and charset is not None:
            candidate.parameters["charset"] = charset
    return media_type
