"""A complete ``--cmd`` adapter in one file: a small SSE parser speaking PROTOCOL.md.

Run it with::

    python -m conformance run --cmd "python conformance/protocol_example.py"

It is a template for adapters in other languages (read one JSON request per
line on stdin, write one JSON answer per line on stdout) and a second,
independent, deliberately plain parser.  Standard library only, self-contained.
"""

from __future__ import annotations

import base64
import codecs
import json
import sys
from typing import Any, Dict, List, Optional


class TinyParser:
    """Incremental: bytes -> UTF-8 text (BOM dropped, errors replaced) -> lines -> events."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.line = ""
        self.after_cr = False
        self.data: List[str] = []
        self.has_data = False
        self.type = ""
        self.id_buffer = ""  # set by each id line
        self.last_id = ""  # the last event ID string: set from the buffer by each blank line
        self.retry: Optional[int] = None
        self.block_retry: Optional[int] = None
        self.events: List[Dict[str, Any]] = []

    def feed_text(self, text: str) -> None:
        for ch in text:
            if self.after_cr and ch == "\n":
                self.after_cr = False
                continue
            self.after_cr = ch == "\r"
            if ch in "\r\n":
                line, self.line = self.line, ""
                self.process(line)
            else:
                self.line += ch

    def process(self, line: str) -> None:
        if not line:
            self.last_id = self.id_buffer  # even when the block had no data
            if self.has_data:
                self.events.append(
                    {
                        "type": self.type or "message",
                        "data": "\n".join(self.data),
                        "id": self.last_id,
                        "retry": self.block_retry,
                    }
                )
            self.data, self.has_data, self.type, self.block_retry = [], False, "", None
            return
        if line.startswith(":"):
            return
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self.data.append(value)
            self.has_data = True
        elif name == "event":
            self.type = value
        elif name == "id" and "\0" not in value:
            self.id_buffer = value
        elif name == "retry" and value and all("0" <= c <= "9" for c in value):
            self.retry = self.block_retry = int(value)

    def take(self) -> Dict[str, Any]:
        events, self.events = self.events, []
        return {"events": events, "state": {"last_event_id": self.last_id, "reconnection_time": self.retry}}


def main() -> int:
    parser = TinyParser()
    for raw in sys.stdin:
        request = json.loads(raw)
        op = request.get("op")
        if op == "hello":
            answer: Dict[str, Any] = {
                "name": "protocol_example",
                "description": "conformance/protocol_example.py, a tiny Python parser over the --cmd protocol",
                "incremental": True,
                "event_keys": ["type", "data", "id", "retry"],
                "state_keys": ["last_event_id", "reconnection_time"],
                "supports_limits": False,
            }
        elif op == "start":
            parser = TinyParser()
            answer = {"events": []}
        elif op == "feed":
            parser.feed_text(parser.decoder.decode(base64.b64decode(request["base64"])))
            answer = parser.take()
        elif op == "close":
            parser.feed_text(parser.decoder.decode(b"", final=True))
            answer = parser.take()
        else:
            answer = {"events": [], "error": {"kind": "exception", "message": f"unknown op {op!r}"}}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
