# ruff: noqa: E501 - spec quotations and stream literals are kept on one line
"""Generate the fixtures in ``fixtures/`` (``python -m conformance.build_fixtures``).

Every fixture's expected parse comes from two independent sources that must
agree, or the build stops:

* the expectation written here by hand, from the spec text (the events' type,
  data, id and retry, and where it matters the end state), and
* :mod:`conformance.oracle`, the spec-literal reference parser, which also
  supplies the parser state after each event and at the end.

``sse_pplx`` is never imported here (checked at the end): the fixtures exist to
test it.  Chat expectations (``chat``) are written by hand from the wire facts
in ``shared/reference/perplexity-wire.md`` and the rules documented in
``sse_pplx/chat.py``'s module docstring.

Options:
    --check   do not write; exit 1 if any file on disk differs from what would be written
    --out DIR write into DIR instead of the repository's fixtures/

A generated file carries ``"provenance": {"generated_by": ...}``; stale files
with that mark are removed, files without it (recorded by ``python -m
conformance record``, or fuzz counterexamples) are never touched.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from . import oracle
from .examples import (
    E1_CITATIONS,
    E1_TEXT,
    E2_CITATIONS,
    E2_FINAL_USAGE,
    E2_SEARCH_RESULTS,
    E2_TEXT,
    E3_ANSWER,
    E3_CITATIONS,
    E3_FINAL_USAGE,
    E3_PARTS,
    E3_REASONING,
    E3_SEARCH_RESULTS,
    E4_CITATIONS,
    E4_FINAL_USAGE,
    E4_SEARCH_RESULTS,
    E5_CITATIONS,
    E5_FINAL_USAGE,
    E5_PAYLOADS,
    E5_SEARCH_RESULTS,
    e1_chunks,
    e2_chunks,
    e3_chunks,
    e4_chunks,
)
from .fixture import FIXTURES_DIR, validate

GENERATOR = "conformance/build_fixtures.py"
WHATWG = "WHATWG HTML §9.2.6 (Interpreting an event stream)"
WHATWG_PARSE = "WHATWG HTML §9.2.5 (Parsing an event stream)"
ENCODING = "WHATWG Encoding §UTF-8 decoder"
LIMITS = "sse_pplx docs/parser-contract.md, Limits"
WIRE = "shared/reference/perplexity-wire.md"
EXAMPLES = "shared/reference/perplexity-examples.md"


def E(data: str, type: str = "message", id: str = "", retry: Optional[int] = None) -> Dict[str, Any]:
    """A hand-written expected event (the keys the oracle must agree on)."""
    return {"type": type, "data": data, "id": id, "retry": retry}


class Builder:
    def __init__(self) -> None:
        self.fixtures: Dict[str, Dict[str, Any]] = {}

    def add(
        self,
        name: str,
        description: str,
        source: str,
        data: bytes | str,
        events: Optional[List[Dict[str, Any]]] = None,
        *,
        end: Optional[Dict[str, Any]] = None,
        error: Optional[Dict[str, Any]] = None,
        options: Optional[Dict[str, Any]] = None,
        chunks: Optional[List[int]] = None,
        delays_ms: Optional[List[float]] = None,
        headers: Optional[Dict[str, str]] = None,
        chat: Optional[Dict[str, Any]] = None,
        provenance: Optional[Dict[str, Any]] = None,
        base64_input: bool = False,
    ) -> None:
        """Add one fixture; ``events`` / ``end`` / ``error`` are the hand expectations checked against the oracle."""
        if name in self.fixtures:
            raise ValueError(f"duplicate fixture {name}")
        raw = data.encode("utf-8") if isinstance(data, str) else data
        result = oracle.parse(raw, options)
        where = f"{name}: the oracle disagrees with the hand-written expectation"
        if events is not None:
            got = [{k: e[k] for k in ("type", "data", "id", "retry")} for e in result.events]
            if got != events:
                raise AssertionError(f"{where}\n  hand:   {events!r}\n  oracle: {got!r}")
        if end is not None and (result.end is None or {k: result.end[k] for k in end} != end):
            raise AssertionError(f"{where} (end)\n  hand:   {end!r}\n  oracle: {result.end!r}")
        if (error is not None or result.error is not None) and (
            error is None or result.error is None or {k: result.error[k] for k in error} != error
        ):
            raise AssertionError(f"{where} (error)\n  hand:   {error!r}\n  oracle: {result.error!r}")
        try:
            text: Optional[str] = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        obj: Dict[str, Any] = {"name": name, "description": description, "source": source}
        if text is None or base64_input:
            obj["input"] = {"base64": base64.b64encode(raw).decode("ascii")}
        else:
            obj["input"] = {"text": text}
        if chunks is not None:
            obj["chunks"] = chunks
        if delays_ms is not None:
            obj["delays_ms"] = delays_ms
        if headers is not None:
            obj["headers"] = headers
        if options is not None:
            obj["options"] = options
        obj["expect"] = result.expect()
        if chat is not None:
            obj["chat"] = chat
        obj["provenance"] = dict(provenance or {}, generated_by=GENERATOR)
        problems = validate(obj)
        if problems:
            raise AssertionError(f"{name}: invalid fixture: {problems}")
        self.fixtures[name] = obj


# --------------------------------------------------------------------------------------
# spec/
# --------------------------------------------------------------------------------------


def build_spec(b: Builder) -> None:
    s = "spec/"
    field = (
        WHATWG
        + ": 'If the line contains a U+003A COLON character (:) ... If value starts with a U+0020 SPACE character, remove it from value.'"
    )
    data_rule = (
        WHATWG
        + ": data: 'Append the field value to the data buffer, then append a single U+000A LINE FEED (LF) character'"
    )
    dispatch = WHATWG + ", dispatch the event"
    b.add(
        s + "data-single-line",
        "one data line and a blank line dispatch one message event",
        data_rule,
        "data: hello\n\n",
        [E("hello")],
    )
    b.add(
        s + "data-no-space-after-colon", "the space after the colon is optional", field, "data:hello\n\n", [E("hello")]
    )
    b.add(
        s + "data-only-first-space-removed",
        "only one leading space is removed from the value",
        field,
        "data:  hello\n\n",
        [E(" hello")],
    )
    b.add(
        s + "data-tab-not-removed",
        "a leading tab is not removed (only U+0020)",
        field,
        "data:\thello\n\n",
        [E("\thello")],
    )
    b.add(
        s + "data-trailing-space-kept",
        "trailing spaces of a value are kept",
        field,
        "data: hello  \n\n",
        [E("hello  ")],
    )
    b.add(
        s + "data-empty-value",
        "'data:' with an empty value dispatches an event with empty data",
        dispatch + ": the data buffer is a single LF, not empty",
        "data:\n\n",
        [E("")],
    )
    b.add(
        s + "data-field-without-colon",
        "'data' alone is the field data with an empty value",
        WHATWG + ": 'using the whole line as the field name, and the empty string as the field value'",
        "data\n\n",
        [E("")],
    )
    b.add(s + "data-two-empty-lines", "two empty data lines give one LF", data_rule, "data\ndata\n\n", [E("\n")])
    b.add(
        s + "data-multiline-joined",
        "data lines are joined with LF",
        data_rule,
        "data: a\ndata: b\ndata: c\n\n",
        [E("a\nb\nc")],
    )
    b.add(
        s + "data-trailing-empty-line-kept",
        "only the last LF is removed: an empty last data line leaves one LF",
        dispatch + " step 3: 'remove the last character' (one LF only)",
        "data: a\ndata:\n\n",
        [E("a\n")],
    )
    b.add(
        s + "data-leading-empty-line",
        "an empty first data line gives a leading LF",
        data_rule,
        "data:\ndata: a\n\n",
        [E("\na")],
    )
    b.add(
        s + "data-value-containing-colons",
        "only the first colon separates name and value",
        field + " ('before the first U+003A COLON')",
        "data: a:b: c\n\n",
        [E("a:b: c")],
    )
    b.add(s + "data-value-starting-with-colon", "a value may start with a colon", field, "data:: x\n\n", [E(": x")])
    b.add(s + "data-value-with-nul", "NUL inside data is kept", data_rule, "data: a\x00b\n\n", [E("a\x00b")])
    b.add(
        s + "data-json",
        "a typical JSON payload is passed through as text",
        data_rule,
        'data: {"a": 1, "b": [true, null]}\n\n',
        [E('{"a": 1, "b": [true, null]}')],
    )
    b.add(
        s + "data-json-multiline",
        "the spec's multi-line JSON example",
        WHATWG_PARSE + " authoring notes: JSON over several data lines",
        'data: {\ndata: "msg": "hello world",\ndata: "id": 12345\ndata: }\n\n',
        [E('{\n"msg": "hello world",\n"id": 12345\n}')],
    )
    b.add(
        s + "data-long-line",
        "a 10 000-byte data line is one value",
        data_rule,
        "data: " + "x" * 10000 + "\n\n",
        [E("x" * 10000)],
    )
    b.add(
        s + "data-many-lines",
        "500 data lines make one event",
        data_rule,
        "data: l\n" * 500 + "\n",
        [E("\n".join(["l"] * 500))],
    )
    b.add(
        s + "events-many",
        "200 events in a row",
        dispatch,
        "".join(f"data: {i}\n\n" for i in range(200)),
        [E(str(i)) for i in range(200)],
    )
    # end of stream
    eof = (
        WHATWG
        + ": 'Once the end of the file is reached, any pending data must be discarded. (If the file ends in the middle of an event, before the final empty line, the incomplete event is not dispatched.)'"
    )
    b.add(
        s + "eof-data-line-without-blank-line",
        "an event whose blank line never comes is discarded",
        eof,
        "data: a\n",
        [],
        end={"discarded": True},
    )
    b.add(
        s + "eof-unterminated-line",
        "an unterminated last line is discarded",
        eof,
        "data: a",
        [],
        end={"discarded": True},
    )
    b.add(
        s + "eof-after-complete-event",
        "an unterminated second event is discarded, the first is kept",
        eof,
        "data: a\n\ndata: b",
        [E("a")],
        end={"discarded": True},
    )
    b.add(
        s + "eof-after-blank-line",
        "nothing is discarded after a final blank line",
        eof,
        "data: a\n\n",
        [E("a")],
        end={"discarded": False},
    )
    b.add(
        s + "eof-partial-comment",
        "an unterminated comment line is pending input too",
        eof,
        "data: a\n\n: keep",
        [E("a")],
        end={"discarded": True},
    )
    b.add(
        s + "eof-field-lines-without-data",
        "complete non-data lines at EOF leave nothing pending",
        eof,
        "data: a\n\nevent: x\n",
        [E("a")],
        end={"discarded": False},
    )
    b.add(
        s + "empty-stream",
        "an empty stream has no events",
        eof,
        "",
        [],
        end={"last_event_id": "", "reconnection_time": None, "discarded": False},
    )
    b.add(
        s + "blank-lines-only",
        "blank lines alone dispatch nothing",
        dispatch + " step 2: empty data buffer",
        "\n\n\n\n",
        [],
    )
    b.add(
        s + "blank-lines-around-event",
        "extra blank lines before and after an event dispatch nothing",
        dispatch + " step 2",
        "\n\n\ndata: a\n\n\n\n",
        [E("a")],
    )
    # comments
    comment = WHATWG + ": 'If the line starts with a U+003A COLON character (:) Ignore the line.'"
    b.add(s + "comment-line-ignored", "a comment line produces nothing", comment, ": hello\n\n", [])
    b.add(s + "comment-colon-only", "a lone colon is a comment", comment, ":\n\n", [])
    b.add(
        s + "comment-between-data-lines",
        "a comment inside an event does not break it",
        comment,
        "data: a\n: note\ndata: b\n\n",
        [E("a\nb")],
    )
    b.add(
        s + "comment-before-event",
        "comments before an event are ignored",
        comment,
        ": one\n: two\ndata: a\n\n",
        [E("a")],
    )
    b.add(s + "comment-looks-like-field", "':data: x' is a comment, not a data field", comment, ":data: x\n\n", [])
    b.add(
        s + "comment-heartbeat-after-id",
        "heartbeat comment blocks after an event with an id dispatch nothing",
        comment + "; florimondmanca/httpx-sse#35 (phantom empty events)",
        "id: 1\ndata: a\n\n: ping\n\n: ping\n\ndata: b\n\n",
        [E("a", id="1"), E("b", id="1")],
    )
    b.add(
        s + "comment-heartbeat-after-retry",
        "a comment block after a retry field dispatches nothing",
        comment + "; dispatch step 2",
        "retry: 1000\n\n: ping\n\n",
        [],
        end={"reconnection_time": 1000},
    )
    b.add(s + "comment-long", "a 3000-byte comment is ignored", comment, ":" + "c" * 3000 + "\ndata: a\n\n", [E("a")])
    # unknown fields and names
    unknown = WHATWG + ": 'Otherwise: The field is ignored.'"
    literal = WHATWG + ": 'Field names must be compared literally, with no case folding performed.'"
    b.add(s + "unknown-field-ignored", "an unknown field is ignored", unknown, "foo: bar\ndata: a\n\n", [E("a")])
    b.add(
        s + "unknown-field-without-colon",
        "an unknown name without colon is ignored",
        unknown,
        "justsometext\ndata: a\n\n",
        [E("a")],
    )
    b.add(
        s + "unknown-field-alone-no-event",
        "a block of unknown fields dispatches nothing",
        unknown,
        "foo: 1\nbar: 2\n\n",
        [],
    )
    b.add(s + "field-name-uppercase-data", "'Data' is not 'data'", literal, "Data: a\n\n", [])
    b.add(s + "field-name-uppercase-event", "'Event' is not 'event'", literal, "Event: x\ndata: a\n\n", [E("a")])
    b.add(s + "field-name-uppercase-id", "'ID' is not 'id'", literal, "ID: 5\ndata: a\n\n", [E("a")])
    b.add(
        s + "field-name-uppercase-retry",
        "'RETRY' is not 'retry'",
        literal,
        "RETRY: 5\ndata: a\n\n",
        [E("a")],
        end={"reconnection_time": None},
    )
    b.add(
        s + "field-name-trailing-space",
        "'data ' (space before the colon) is an unknown field",
        field + " (the name is everything before the colon)",
        "data : a\n\n",
        [],
    )
    b.add(s + "field-name-leading-space", "' data' is an unknown field", field, " data: a\n\n", [])
    b.add(
        s + "field-name-dotted-i",
        "a Turkish dotted capital I does not fold to 'id'",
        literal,
        "\u0130d: 5\ndata: a\n\n",
        [E("a")],
    )
    b.add(
        s + "line-of-spaces",
        "a line of spaces is a field named by them, ignored",
        unknown,
        "   \ndata: a\n\n",
        [E("a")],
    )
    # event type
    event = WHATWG + ": event: 'Set the event type buffer to field value.'"
    b.add(s + "event-type-set", "the event field sets the type", event, "event: add\ndata: 1\n\n", [E("1", type="add")])
    b.add(
        s + "event-type-explicit-message",
        "'event: message' is the default type spelled out",
        event,
        "event: message\ndata: a\n\n",
        [E("a")],
    )
    b.add(
        s + "event-type-empty-is-message",
        "an empty event type gives 'message'",
        dispatch + " step 6: 'If the event type buffer has a value other than the empty string'",
        "event:\ndata: a\n\n",
        [E("a")],
    )
    b.add(
        s + "event-type-space-only-is-message",
        "'event: ' (one space) is an empty type",
        event + "; dispatch step 6",
        "event: \ndata: a\n\n",
        [E("a")],
    )
    b.add(s + "event-type-no-colon", "'event' alone sets an empty type", event, "event\ndata: a\n\n", [E("a")])
    b.add(
        s + "event-type-reset-after-dispatch",
        "the type applies to one event only",
        dispatch + " step 7: 'Set the data buffer and the event type buffer to the empty string.'",
        "event: a\ndata: 1\n\ndata: 2\n\n",
        [E("1", type="a"), E("2")],
    )
    b.add(
        s + "event-type-reset-without-data",
        "a block with a type but no data resets the type",
        dispatch + " step 2: 'set the data buffer and the event type buffer to the empty string and return'",
        "event: a\n\ndata: 2\n\n",
        [E("2")],
    )
    b.add(
        s + "event-type-last-wins",
        "the last event field of a block wins",
        event,
        "event: a\nevent: b\ndata: x\n\n",
        [E("x", type="b")],
    )
    b.add(
        s + "event-type-after-data",
        "the type may follow the data lines",
        event,
        "data: x\nevent: late\n\n",
        [E("x", type="late")],
    )
    b.add(
        s + "event-type-spaces-kept",
        "spaces around a type are kept except the first",
        event,
        "event:  spaced \ndata: x\n\n",
        [E("x", type=" spaced ")],
    )
    b.add(s + "event-type-unicode", "a non-ASCII type", event, "event: ünïcødé\ndata: x\n\n", [E("x", type="ünïcødé")])
    b.add(
        s + "event-type-with-nul",
        "a NUL in the type is kept",
        event,
        "event: a\x00b\ndata: x\n\n",
        [E("x", type="a\x00b")],
    )
    b.add(
        s + "event-type-without-data-no-event",
        "a type without data dispatches nothing",
        dispatch + " step 2",
        "event: a\n\n",
        [],
    )
    b.add(
        s + "event-type-error-is-just-a-type",
        "'event: error' is an ordinary type at the SSE level",
        event,
        "event: error\ndata: oops\n\n",
        [E("oops", type="error")],
    )
    # id
    id_rule = (
        WHATWG
        + ": id: 'If the field value does not contain U+0000 NULL, then set the last event ID buffer to the field value. Otherwise, ignore the field.'"
    )
    sticky = dispatch + " step 1: 'The buffer does not get reset'"
    b.add(
        s + "id-set",
        "an id field sets the event's last event ID",
        id_rule,
        "id: 1\ndata: a\n\n",
        [E("a", id="1")],
        end={"last_event_id": "1"},
    )
    b.add(
        s + "id-sticky",
        "the last event ID carries over to later events",
        sticky,
        "id: 1\ndata: a\n\ndata: b\n\n",
        [E("a", id="1"), E("b", id="1")],
    )
    b.add(
        s + "id-empty-clears",
        "'id' with no value clears the last event ID",
        id_rule,
        "id: 1\ndata: a\n\nid\ndata: b\n\n",
        [E("a", id="1"), E("b")],
        end={"last_event_id": ""},
    )
    b.add(
        s + "id-empty-with-colon-clears",
        "'id:' clears the last event ID",
        id_rule,
        "id: 1\ndata: a\n\nid:\ndata: b\n\n",
        [E("a", id="1"), E("b")],
    )
    b.add(
        s + "id-with-nul-ignored",
        "an id containing NUL is ignored",
        id_rule,
        "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
        [E("a", id="1"), E("b", id="1")],
        end={"last_event_id": "1"},
    )
    b.add(
        s + "id-nul-only-ignored",
        "an id that is only NUL is ignored",
        id_rule,
        "id: 7\ndata: a\n\nid: \x00\ndata: b\n\n",
        [E("a", id="7"), E("b", id="7")],
    )
    b.add(
        s + "id-nul-at-end-ignored",
        "an id ending in NUL is ignored",
        id_rule,
        "id: 7\ndata: a\n\nid: 8\x00\ndata: b\n\n",
        [E("a", id="7"), E("b", id="7")],
    )
    b.add(
        s + "id-without-data-still-set",
        "an id in a block without data still sets the buffer",
        id_rule + "; " + sticky,
        "id: 7\n\ndata: a\n\n",
        [E("a", id="7")],
    )
    string_rule = (
        dispatch
        + " step 1: 'Set the last event ID string of the event source to the value of the last event ID buffer.'"
        + " (before step 2 returns for an empty data buffer; a reconnection sends the string: §9.2.4)"
    )
    b.add(
        s + "id-at-end-without-dispatch",
        "an id line in a block that never ends sets the buffer, not the last event ID string",
        id_rule + "; " + string_rule,
        "data: a\n\nid: 9\n",
        [E("a")],
        end={"last_event_id": "", "discarded": False},
    )
    b.add(
        s + "id-dataless-block-sets-string",
        "a block with an id and no data sets the last event ID string (a reconnection sends 2)",
        string_rule,
        "data: a\nid: 1\n\nid: 2\n\n",
        [E("a", id="1")],
        end={"last_event_id": "2"},
    )
    b.add(
        s + "id-dataless-block-then-event",
        "the id of a data-less block carries over to the next event",
        string_rule + "; " + sticky,
        "id: 1\ndata: a\n\nid: 2\n\ndata: b\n\n",
        [E("a", id="1"), E("b", id="2")],
        end={"last_event_id": "2"},
    )
    b.add(
        s + "id-in-unterminated-tail-not-sent",
        "an id in a cut-off last block leaves the last event ID string at the previous event's",
        string_rule + "; " + eof,
        "id: 1\ndata: a\n\nid: 2\ndata: b",
        [E("a", id="1")],
        end={"last_event_id": "1", "discarded": True},
    )
    b.add(
        s + "id-unicode-dataless-then-cut",
        "a non-ASCII id in a data-less block is the string; one in a cut-off block is not",
        string_rule + "; " + eof,
        "data: a\n\nid: \u00e9\u2603\n\nid: \U0001f600\ndata: b",
        [E("a")],
        end={"last_event_id": "\u00e9\u2603", "discarded": True},
    )
    b.add(
        s + "id-in-open-block-lines-not-sent",
        "complete id and data lines whose blank line never came leave the string alone",
        string_rule + "; " + eof,
        "id: 1\ndata: a\n\nid: 2\ndata: b\n",
        [E("a", id="1")],
        end={"last_event_id": "1", "discarded": True},
    )
    b.add(
        s + "id-unterminated-not-applied",
        "an unterminated id line is never processed",
        eof,
        "data: a\n\nid: 9",
        [E("a")],
        end={"last_event_id": "", "discarded": True},
    )
    b.add(s + "id-last-wins", "the last id of a block wins", id_rule, "id: 1\nid: 2\ndata: x\n\n", [E("x", id="2")])
    b.add(
        s + "id-after-data-applies",
        "an id after the data lines applies to that event",
        id_rule,
        "data: x\nid: 5\n\n",
        [E("x", id="5")],
    )
    b.add(
        s + "id-spaces-kept",
        "spaces inside an id are kept except the first",
        id_rule,
        "id:  a b \ndata: x\n\n",
        [E("x", id=" a b ")],
    )
    b.add(s + "id-unicode", "a non-ASCII id", id_rule, "id: é€😀\ndata: x\n\n", [E("x", id="é€😀")])
    b.add(
        s + "id-changes",
        "each id applies from its block on",
        id_rule,
        "id: 1\ndata: a\n\nid: 2\ndata: b\n\ndata: c\n\n",
        [E("a", id="1"), E("b", id="2"), E("c", id="2")],
    )
    # retry
    retry = (
        WHATWG
        + ": retry: 'If the field value consists of only ASCII digits, then interpret the field value as an integer in base ten, and set the event stream's reconnection time to that integer. Otherwise, ignore the field.'"
    )
    b.add(
        s + "retry-valid",
        "a digits-only retry sets the reconnection time",
        retry,
        "retry: 1000\ndata: a\n\n",
        [E("a", retry=1000)],
        end={"reconnection_time": 1000},
    )
    b.add(
        s + "retry-without-data",
        "retry in a block without data sets the time, no event",
        retry,
        "retry: 1000\n\n",
        [],
        end={"reconnection_time": 1000},
    )
    b.add(s + "retry-no-space", "'retry:500'", retry, "retry:500\ndata: a\n\n", [E("a", retry=500)])
    b.add(
        s + "retry-leading-zeros",
        "leading zeros are decimal, not octal",
        retry,
        "retry: 0010\ndata: a\n\n",
        [E("a", retry=10)],
    )
    b.add(s + "retry-zero", "0 is valid", retry, "retry: 0\ndata: a\n\n", [E("a", retry=0)])
    b.add(
        s + "retry-large", "a value beyond 32 bits", retry, "retry: 4294967296\ndata: a\n\n", [E("a", retry=4294967296)]
    )
    for stem, value, why in [
        ("negative", "-1", "a minus sign is not a digit"),
        ("plus-sign", "+5", "a plus sign is not a digit"),
        ("decimal", "1.5", "a decimal point is not a digit"),
        ("trailing-garbage", "123x", "trailing letters"),
        ("trailing-space", "5 ", "a trailing space is not a digit"),
        ("two-leading-spaces", " 5", "only one leading space is removed"),
        ("hex", "0x10", "hex is not decimal digits"),
        ("exponent", "1e3", "an exponent is not digits"),
        ("underscore", "1_000", "an underscore is not a digit (Python's int() accepts it)"),
        ("arabic-indic-digits", "\u0661\u0662", "only ASCII digits count"),
        ("fullwidth-digits", "\uff15", "fullwidth digits are not ASCII digits"),
        ("superscript-digit", "\u00b2", "a superscript digit is not an ASCII digit"),
        ("empty", "", "an empty value has no digits"),
    ]:
        b.add(
            s + f"retry-{stem}-ignored",
            f"retry '{value}' is ignored: {why}",
            retry,
            f"retry: {value}\ndata: a\n\n",
            [E("a")],
            end={"reconnection_time": None},
        )
    b.add(
        s + "retry-no-colon-ignored",
        "'retry' alone has an empty value: ignored",
        retry,
        "retry\ndata: a\n\n",
        [E("a")],
        end={"reconnection_time": None},
    )
    b.add(
        s + "retry-invalid-keeps-previous",
        "an invalid retry leaves the earlier time in force",
        retry,
        "retry: 100\ndata: a\n\nretry: x\ndata: b\n\n",
        [E("a", retry=100), E("b")],
        end={"reconnection_time": 100},
    )
    b.add(
        s + "retry-block-value-per-event",
        "an event carries only its own block's retry; the time stays",
        retry,
        "retry: 100\ndata: a\n\ndata: b\n\n",
        [E("a", retry=100), E("b")],
        end={"reconnection_time": 100},
    )
    b.add(
        s + "retry-last-valid-wins",
        "the last valid retry of a block wins",
        retry,
        "retry: 1\nretry: 2\nretry: z\ndata: x\n\n",
        [E("x", retry=2)],
    )
    b.add(
        s + "retry-unterminated-not-applied",
        "an unterminated retry line is never processed",
        eof,
        "data: a\n\nretry: 5",
        [E("a")],
        end={"reconnection_time": None, "discarded": True},
    )
    b.add(
        s + "retry-after-data",
        "a retry after the data lines belongs to that block",
        retry,
        "data: x\nretry: 7\n\n",
        [E("x", retry=7)],
    )
    # BOM
    bom = "WHATWG Encoding §UTF-8 decode: 'If buffer is 0xEF 0xBB 0xBF, then read three bytes from ioQueue.' (one leading BOM only)"
    b.add(s + "bom-stripped", "one leading BOM is removed", bom, "\ufeffdata: a\n\n", [E("a")])
    b.add(
        s + "bom-second-kept",
        "a second BOM is part of the first line's field name",
        bom + "; WPT eventsource/format-bom-2.htm",
        "\ufeff\ufeffdata: 1\n\ndata: 2\n\n",
        [E("2")],
    )
    b.add(
        s + "bom-only-at-stream-start",
        "a BOM at the start of a later line is not stripped",
        bom + "; WPT eventsource/format-bom.htm",
        "\ufeffdata: 1\n\n\ufeffdata: 2\n\ndata: 3\n\n",
        [E("1"), E("3")],
    )
    b.add(s + "bom-in-value-kept", "U+FEFF inside a value is kept", bom, "data: \ufeffa\n\n", [E("\ufeffa")])
    b.add(s + "bom-alone", "a stream that is only a BOM", bom, "\ufeff", [], end={"discarded": False})
    b.add(s + "bom-then-blank-line", "a BOM then a blank line", bom, "\ufeff\ndata: a\n\n", [E("a")])
    # line endings
    line_end = (
        WHATWG
        + ": 'a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character pair, a single U+000A LINE FEED (LF) character not preceded by a U+000D CARRIAGE RETURN (CR) character, and a single U+000D CARRIAGE RETURN (CR) character not followed by a U+000A LINE FEED (LF) character being the ways in which a line can end'"
    )
    for stem, nl in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")]:
        b.add(
            s + f"line-end-{stem}",
            f"lines ending with {stem.upper()}",
            line_end,
            f"event: e{nl}data: a{nl}data: b{nl}{nl}data: c{nl}{nl}",
            [E("a\nb", type="e"), E("c")],
        )
    b.add(
        s + "line-end-mixed",
        "CR, LF and CRLF mixed in one event",
        line_end,
        "data: a\rdata: b\ndata: c\r\n\r\n",
        [E("a\nb\nc")],
    )
    b.add(
        s + "unicode-line-separators-not-line-ends",
        "U+2028, U+2029 and U+0085 do not end lines",
        line_end + "; florimondmanca/httpx-sse#34, openai/openai-python#1230",
        "data: a\u2028b\u2029c\u0085d\n\n",
        [E("a\u2028b\u2029c\u0085d")],
    )
    b.add(
        s + "control-chars-not-line-ends",
        "VT, FF, FS, GS and RS do not end lines (str.splitlines would split)",
        line_end,
        "data: a\x0bb\x0cc\x1cd\x1de\x1ef\n\n",
        [E("a\x0bb\x0cc\x1cd\x1de\x1ef")],
    )
    # The spec's own examples (§9.2.1, §9.2.6).
    ex = "WHATWG HTML §9.2.6 example: "
    b.add(
        s + "example-intro-three-messages",
        "the introduction's three messages",
        "WHATWG HTML §9.2.1 introduction example",
        "data: This is the first message.\n\ndata: This is the second message, it\ndata: has two lines.\n\ndata: This is the third message.\n\n",
        [
            E("This is the first message."),
            E("This is the second message, it\nhas two lines."),
            E("This is the third message."),
        ],
    )
    b.add(
        s + "example-intro-event-types",
        "the introduction's add/remove event types",
        "WHATWG HTML §9.2.1 introduction example",
        "event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\nevent: add\ndata: 113411\n\n",
        [E("73857293", type="add"), E("2153", type="remove"), E("113411", type="add")],
    )
    b.add(
        s + "example-stock-ticker",
        "the YHOO example: three data lines make one event",
        ex + "'data: YHOO / data: +2 / data: 10' gives 'YHOO\\n+2\\n10'",
        "data: YHOO\ndata: +2\ndata: 10\n\n",
        [E("YHOO\n+2\n10")],
    )
    b.add(
        s + "example-four-blocks",
        "comment, id set, id cleared, leading space kept; the last block needs its blank line",
        ex + "the four-block stream ('first event', 'second event', ' third event')",
        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n",
        [E("first event", id="1"), E("second event"), E(" third event")],
        end={"last_event_id": ""},
    )
    b.add(
        s + "example-four-blocks-unterminated",
        "the four-block stream without its final blank line: the last event is not dispatched",
        ex + "'the end of the stream is not enough to trigger the dispatch of the last event'",
        ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n",
        [E("first event", id="1"), E("second event")],
        end={"discarded": True},
    )
    b.add(
        s + "example-empty-data",
        "'data' blocks: empty data, then one LF; the unterminated last block is discarded",
        ex + "'data / data data / data:' fires two events",
        "data\n\ndata\ndata\n\ndata:",
        [E(""), E("\n")],
        end={"discarded": True},
    )
    b.add(
        s + "example-space-optional",
        "'data:test' and 'data: test' are identical events",
        ex + "'the space after the colon is ignored if present'",
        "data:test\n\ndata: test\n\n",
        [E("test"), E("test")],
    )
    # Streams modelled on web-platform-tests eventsource/format-*.htm
    wpt = "web-platform-tests eventsource/"
    b.add(
        s + "wpt-format-comments",
        "comments with NUL, CR and 2048-byte bodies between data lines",
        wpt + "format-comments.htm",
        "data:1\r:\x00\n:\r\ndata:2\n:" + "x" * 2048 + "\rdata:3\n:data:fail\r:" + "x" * 2048 + "\ndata:4\n\n",
        [E("1\n2\n3\n4")],
    )
    b.add(
        s + "wpt-format-data-before-final-empty-line",
        "the last event without its blank line is not dispatched",
        wpt + "format-data-before-final-empty-line.htm",
        "retry:1000\ndata:test1\n\nid:test\ndata:test",
        [E("test1", retry=1000)],
        end={"last_event_id": "", "discarded": True},  # the id line came; its block never ended
    )
    b.add(
        s + "wpt-format-field-data",
        "empty data and a lone LF, unterminated tail discarded",
        wpt + "format-field-data.htm",
        "data:\n\ndata\ndata\n\ndata:test",
        [E(""), E("\n")],
    )
    b.add(
        s + "wpt-format-field-event-empty",
        "'event: ' gives a message event",
        wpt + "format-field-event-empty.htm",
        "event: \ndata:data\n\n",
        [E("data")],
    )
    b.add(
        s + "wpt-format-field-event",
        "a named event, then a message",
        wpt + "format-field-event.htm",
        "event:test\ndata:x\n\ndata:x\n\n",
        [E("x", type="test"), E("x")],
    )
    b.add(
        s + "wpt-format-field-id",
        "ids set and read back on the next event",
        wpt + "format-field-id.htm",
        "id: 1\ndata: 1\n\nid: 2\ndata: 2\n\n",
        [E("1", id="1"), E("2", id="2")],
    )
    b.add(
        s + "wpt-format-field-id-2",
        "an id is sticky until changed or cleared",
        wpt + "format-field-id-2.htm",
        "id:1\ndata:1\n\ndata:2\n\nid\ndata:3\n\n",
        [E("1", id="1"), E("2", id="1"), E("3")],
    )
    b.add(
        s + "wpt-format-field-id-null",
        "an id with NUL is ignored",
        wpt + "format-field-id-null.htm",
        "id:1\x00\ndata:1\n\n",
        [E("1")],
    )
    b.add(
        s + "wpt-format-field-parsing",
        "NUL, case, misspelt names, CR and leading-space names",
        wpt + "format-field-parsing.htm",
        "data:\x00\ndata:  2\rData:1\ndata\x00:2\ndata:1\r\x00data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n",
        [E("\x00\n 2\n1\n3\n\n4")],
    )
    b.add(
        s + "wpt-format-field-retry-bogus",
        "a bogus retry keeps the earlier value",
        wpt + "format-field-retry-bogus.htm",
        "retry:3000\nretry:1000x\ndata:x\n\n",
        [E("x", retry=3000)],
        end={"reconnection_time": 3000},
    )
    b.add(
        s + "wpt-format-field-retry-empty",
        "an empty retry is ignored",
        wpt + "format-field-retry-empty.htm",
        "retry\ndata:test\n\n",
        [E("test")],
        end={"reconnection_time": None},
    )
    b.add(
        s + "wpt-format-field-retry",
        "leading zero retry",
        wpt + "format-field-retry.htm",
        "retry:03000\ndata:x\n\n",
        [E("x", retry=3000)],
    )
    b.add(
        s + "wpt-format-field-unknown",
        "unknown fields, leading-space names and comments",
        wpt + "format-field-unknown.htm",
        "data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
        [E("test\n\ntest")],
    )
    b.add(
        s + "wpt-format-leading-space",
        "a tab is kept, one space removed",
        wpt + "format-leading-space.htm",
        "data:\ttest\rdata: \ndata:test\n\n",
        [E("\ttest\n\ntest")],
    )
    b.add(
        s + "wpt-format-newlines",
        "CRLF, LF and a final CR",
        wpt + "format-newlines.htm",
        "data:test\r\ndata\ndata:test\r\n\r",
        [E("test\n\ntest")],
    )
    b.add(
        s + "wpt-format-null-character",
        "a NUL as the whole data",
        wpt + "format-null-character.htm",
        "data:\x00\n\n\n\n",
        [E("\x00")],
    )
    b.add(s + "wpt-format-utf-8", "non-ASCII data", wpt + "format-utf-8.htm", "data:ok\u2026\n\n", [E("ok\u2026")])
    b.add(
        s + "wpt-format-bom",
        "a BOM on a later line makes the field unknown",
        wpt + "format-bom.htm",
        "\ufeffdata:1\n\n\ufeffdata:2\n\ndata:3\n\n",
        [E("1"), E("3")],
    )
    b.add(
        s + "wpt-format-bom-2",
        "two BOMs: only one is stripped",
        wpt + "format-bom-2.htm",
        "\ufeff\ufeffdata:1\n\ndata:2\n\ndata:3\n\n",
        [E("2"), E("3")],
    )


# --------------------------------------------------------------------------------------
# utf8/
# --------------------------------------------------------------------------------------


def build_utf8(b: Builder) -> None:
    u = "utf8/"
    dec = ENCODING + " (replacement mode: every error is one U+FFFD)"
    ok = [
        ("ascii", "A", "1-byte character"),
        ("two-byte", "é", "2-byte character U+00E9"),
        ("three-byte", "€", "3-byte character U+20AC"),
        ("four-byte", "😀", "4-byte character U+1F600"),
        ("all-widths", "aé€😀", "1-, 2-, 3- and 4-byte characters together"),
        ("min-two-byte", "\u0080", "U+0080, the smallest 2-byte character"),
        ("max-two-byte", "\u07ff", "U+07FF, the largest 2-byte character"),
        ("min-three-byte", "\u0800", "U+0800, the smallest 3-byte character"),
        ("before-surrogates", "\ud7ff", "U+D7FF, just below the surrogates"),
        ("after-surrogates", "\ue000", "U+E000, just above the surrogates"),
        ("max-bmp", "\uffff", "U+FFFF, a noncharacter, decoded as is"),
        ("noncharacter-fffe", "\ufffe", "U+FFFE, a noncharacter, decoded as is"),
        ("replacement-char-literal", "\ufffd", "a literal U+FFFD in the input"),
        ("min-four-byte", "\U00010000", "U+10000, the smallest 4-byte character"),
        ("max-code-point", "\U0010ffff", "U+10FFFF, the largest code point"),
        ("cjk", "漢字かな", "CJK text"),
        ("emoji-sequence", "👩\u200d💻🇫🇷", "an emoji ZWJ sequence and a flag"),
        ("combining", "e\u0301", "a combining accent, not normalised"),
        ("rtl", "שלום مرحبا", "right-to-left scripts"),
        ("many-emoji", "😀" * 40, "40 four-byte characters"),
    ]
    for stem, text, what in ok:
        b.add(u + f"valid-{stem}", f"{what} in data", dec, f"data: {text}\n\n".encode(), [E(text)], base64_input=True)
    b.add(
        u + "valid-in-event-type",
        "multibyte characters in the event type",
        dec,
        "event: é€😀\ndata: x\n\n".encode(),
        [E("x", type="é€😀")],
        base64_input=True,
    )
    b.add(
        u + "valid-in-id",
        "multibyte characters in the id",
        dec,
        "id: é€😀\ndata: x\n\n".encode(),
        [E("x", id="é€😀")],
        base64_input=True,
    )
    b.add(
        u + "valid-in-field-name",
        "a non-ASCII field name is an unknown field",
        dec,
        "dåta: x\ndata: y\n\n".encode(),
        [E("y")],
        base64_input=True,
    )
    b.add(
        u + "valid-in-comment",
        "multibyte characters in a comment",
        dec,
        ": é€😀\ndata: y\n\n".encode(),
        [E("y")],
        base64_input=True,
    )
    R = "\ufffd"
    bad = [
        ("lone-continuation", b"\x80", 1, "a continuation byte without a lead byte"),
        ("lone-continuation-bf", b"\xbf", 1, "0xBF alone"),
        ("continuations-run", b"\x80\x81\x82", 3, "three stray continuation bytes: one U+FFFD each"),
        ("byte-fe", b"\xfe", 1, "0xFE never appears in UTF-8"),
        ("byte-ff", b"\xff", 1, "0xFF never appears in UTF-8"),
        ("overlong-nul", b"\xc0\x80", 2, "overlong 2-byte NUL (C0 80): C0 is never valid"),
        ("overlong-c1", b"\xc1\xbf", 2, "overlong 2-byte (C1 BF)"),
        ("overlong-three-byte", b"\xe0\x80\x80", 3, "overlong 3-byte (E0 80 80): 80 is below E0's lower boundary A0"),
        ("overlong-three-byte-max", b"\xe0\x9f\xbf", 3, "overlong 3-byte (E0 9F BF)"),
        ("overlong-four-byte", b"\xf0\x80\x80\x80", 4, "overlong 4-byte (F0 80 80 80)"),
        ("overlong-four-byte-max", b"\xf0\x8f\xbf\xbf", 4, "overlong 4-byte (F0 8F BF BF)"),
        ("surrogate-high", b"\xed\xa0\x80", 3, "an encoded high surrogate U+D800 (ED A0 80)"),
        ("surrogate-low", b"\xed\xbf\xbf", 3, "an encoded low surrogate U+DFFF (ED BF BF)"),
        ("surrogate-pair-cesu", b"\xed\xa0\xbd\xed\xb8\x80", 6, "a CESU-8 surrogate pair: six U+FFFD"),
        ("above-max-code-point", b"\xf4\x90\x80\x80", 4, "F4 90 80 80 would be above U+10FFFF"),
        ("lead-f5", b"\xf5\x80\x80\x80", 4, "F5 is never a lead byte"),
        ("five-byte-form", b"\xf8\x88\x80\x80\x80", 5, "an old 5-byte form"),
        ("six-byte-form", b"\xfc\x84\x80\x80\x80\x80", 6, "an old 6-byte form"),
        ("truncated-two-byte", b"\xc3", 1, "a 2-byte lead byte followed by ASCII"),
        ("truncated-three-byte-1", b"\xe2", 1, "a 3-byte sequence cut after 1 byte"),
        ("truncated-three-byte-2", b"\xe2\x82", 1, "a 3-byte sequence cut after 2 bytes: one U+FFFD"),
        ("truncated-four-byte-3", b"\xf0\x9f\x98", 1, "a 4-byte sequence cut after 3 bytes: one U+FFFD"),
        ("truncated-then-valid", b"\xe2\x82\xc3\xa9", 1, "a cut 3-byte sequence then a valid é"),
        ("lead-then-lead", b"\xc3\xc3\xa9", 1, "a lead byte followed by another lead byte"),
    ]
    for stem, raw, count, what in bad:
        valid_tail = "é" if stem == "truncated-then-valid" or stem == "lead-then-lead" else ""
        text = "x" + R * count + valid_tail + "y"
        b.add(
            u + f"invalid-{stem}",
            f"{what}: {count} U+FFFD",
            dec,
            b"data: x" + raw + b"y\n\n",
            [E(text)],
            base64_input=True,
        )
    b.add(
        u + "invalid-before-lf",
        "a truncated sequence right before LF: U+FFFD, and the LF still ends the line",
        dec,
        b"data: \xe2\x82\n\n",
        [E(R)],
        base64_input=True,
    )
    b.add(
        u + "invalid-before-cr",
        "a truncated sequence right before CR: U+FFFD, and the CR still ends the line",
        dec,
        b"data: \xf0\x9f\x98\r\r",
        [E(R)],
        base64_input=True,
    )
    b.add(
        u + "invalid-before-crlf",
        "a truncated sequence right before CRLF",
        dec,
        b"data: a\xc3\r\n\r\n",
        [E("a" + R)],
        base64_input=True,
    )
    b.add(
        u + "invalid-before-colon",
        "a truncated sequence right before the colon makes an unknown field",
        dec,
        b"data\xe2:x\n\ndata: ok\n\n",
        [E("ok")],
        base64_input=True,
    )
    b.add(
        u + "invalid-in-event-type",
        "invalid bytes in the event type become U+FFFD",
        dec,
        b"event: a\xffb\ndata: x\n\n",
        [E("x", type="a" + R + "b")],
        base64_input=True,
    )
    b.add(
        u + "invalid-in-id",
        "invalid bytes in an id become U+FFFD (no NUL: the id is set)",
        dec,
        b"id: \xff\ndata: x\n\n",
        [E("x", id=R)],
        base64_input=True,
    )
    b.add(
        u + "invalid-in-retry",
        "an invalid byte makes retry non-digits: ignored",
        dec + "; " + WHATWG + " retry",
        b"retry: 1\xff\ndata: x\n\n",
        [E("x")],
        end={"reconnection_time": None},
        base64_input=True,
    )
    b.add(
        u + "invalid-in-field-name",
        "an invalid byte in 'data' makes an unknown field",
        dec,
        b"da\xffta: x\n\n",
        [],
        base64_input=True,
    )
    b.add(
        u + "invalid-in-comment",
        "invalid bytes in a comment are ignored with it",
        dec,
        b": \xff\xfe\ndata: x\n\n",
        [E("x")],
        base64_input=True,
    )
    b.add(
        u + "invalid-only-data",
        "a data value that is one invalid byte",
        dec,
        b"data:\xff\n\n",
        [E(R)],
        base64_input=True,
    )
    b.add(
        u + "truncated-at-eof-partial-line",
        "a sequence cut by the end of the stream, in an unterminated line",
        dec + "; " + WHATWG + " end of file",
        b"data: ok\n\ndata: \xe2\x82",
        [E("ok")],
        end={"discarded": True},
        base64_input=True,
    )
    b.add(
        u + "truncated-at-eof-alone",
        "a stream that ends inside a sequence, after a complete event",
        dec + ": 'If byte is end-of-queue and UTF-8 bytes needed is not 0 ... return error'",
        b"data: ok\n\n\xf0\x9f",
        [E("ok")],
        end={"discarded": True},
        base64_input=True,
    )
    b.add(
        u + "bom-truncated",
        "EF BB without BF is not a BOM: one U+FFFD joins the first field name",
        dec + "; the BOM is 3 bytes",
        b"\xef\xbbdata: a\n\ndata: b\n\n",
        [E("b")],
        base64_input=True,
    )
    b.add(
        u + "bom-after-invalid-byte",
        "a BOM after an invalid first byte is not stripped",
        dec,
        b"\xff\xef\xbb\xbfdata: a\n\ndata: b\n\n",
        [E("b")],
        base64_input=True,
    )
    b.add(
        u + "bom-then-invalid",
        "a stripped BOM followed by an invalid byte",
        dec,
        b"\xef\xbb\xbf\xffdata: a\n\ndata: b\n\n",
        [E("b")],
        base64_input=True,
    )
    b.add(
        u + "valid-across-lines",
        "multibyte characters on every line of a multi-line event",
        dec,
        "data: é\ndata: €\ndata: 😀\n\n".encode(),
        [E("é\n€\n😀")],
        base64_input=True,
    )
    b.add(
        u + "mixed-valid-invalid",
        "valid and invalid sequences alternating",
        dec,
        b"data: \xc3\xa9\xff\xe2\x82\xac\x80\xf0\x9f\x98\x80\xc0\n\n",
        [E("é" + R + "€" + R + "😀" + R)],
        base64_input=True,
    )


# --------------------------------------------------------------------------------------
# framing/
# --------------------------------------------------------------------------------------


def build_framing(b: Builder) -> None:
    f = "framing/"
    le = WHATWG + ": lines end with CRLF, a lone LF or a lone CR"
    suffix = "; sseclient-py and Stainless SDKs end an event only on a \\n\\n, \\r\\r or \\r\\n\\r\\n suffix (shared/reference/anchors-features.md [1])"
    cases = [
        ("lf-two-events", "data: a\n\ndata: b\n\n", [E("a"), E("b")], "LF framing"),
        ("crlf-two-events", "data: a\r\n\r\ndata: b\r\n\r\n", [E("a"), E("b")], "CRLF framing (Perplexity's, wire F2)"),
        ("cr-two-events", "data: a\r\rdata: b\r\r", [E("a"), E("b")], "CR framing"),
        ("lf-then-crlf-blank", "data: a\n\r\n", [E("a")], "a data line ended by LF, the blank line by CRLF" + suffix),
        ("crlf-then-lf-blank", "data: a\r\n\n", [E("a")], "a data line ended by CRLF, the blank line by LF"),
        ("cr-then-lf-blank", "data: a\r\n\n", [E("a")], "CR LF is one line end, then LF is the blank line"),
        ("lf-then-cr-blank", "data: a\n\r", [E("a")], "LF then CR: two line ends, the CR one is the blank line"),
        ("cr-then-crlf-blank", "data: a\r\r\n", [E("a")], "CR ends the line, CRLF is the blank line"),
        ("crlf-then-cr-blank", "data: a\r\n\r", [E("a")], "CRLF ends the line, a CR is the blank line"),
        ("lf-cr-lf", "data: a\n\r\ndata: b\n\n", [E("a"), E("b")], "LF then CRLF between events" + suffix),
        (
            "mixed-every-line",
            "event: x\rdata: 1\ndata: 2\r\nid: 9\n\r\ndata: 3\r\r",
            [E("1\n2", type="x", id="9"), E("3", id="9")],
            "a different line ending on every line",
        ),
        (
            "cr-inside-value-ends-line",
            "data: a\rb\n\n",
            [E("a")],
            "a lone CR inside a value ends the line; 'b' is then an unknown field",
        ),
        ("cr-inside-value-data-continues", "data: a\rdata: b\n\n", [E("a\nb")], "a lone CR starts a new data line"),
        ("crlf-inside-event", "data: a\r\ndata: b\r\n\r\n", [E("a\nb")], "CRLF between the lines of one event"),
        ("cr-at-eof-after-data", "data: a\r", [], "a CR at the very end ends the line but no blank line follows"),
        ("cr-cr-at-eof", "data: a\r\r", [E("a")], "CR CR at the end: line end and blank line"),
        ("crlf-cr-at-eof", "data: a\r\n\r", [E("a")], "CRLF then CR at the end dispatches"),
        ("lf-at-eof-no-blank", "data: a\n", [], "one LF at the end is not a blank line"),
        ("crlf-at-eof-no-blank", "data: a\r\n", [], "one CRLF at the end is not a blank line"),
        (
            "many-blank-lines-lf",
            "data: a\n" + "\n" * 50 + "data: b\n\n",
            [E("a"), E("b")],
            "50 blank lines between events",
        ),
        (
            "many-blank-lines-crlf",
            "\r\n" * 20 + "data: a\r\n" + "\r\n" * 20,
            [E("a")],
            "blank CRLF lines around an event",
        ),
        ("many-blank-lines-cr", "\r" * 20 + "data: a\r" + "\r" * 20, [E("a")], "blank CR lines around an event"),
        ("blank-lines-mixed", "\n\r\n\r\r\ndata: a\n\r\n\r\n", [E("a")], "blank lines with every ending"),
        ("leading-blank-line", "\ndata: a\n\n", [E("a")], "a stream that starts with a blank line"),
        ("leading-crlf", "\r\ndata: a\r\n\r\n", [E("a")], "a stream that starts with CRLF"),
        ("lone-crs", "\r\r\r\r", [], "only CRs: four blank lines"),
        ("lf-cr-pairs", "\n\r\n\r", [], "LF CR pairs: four blank lines, nothing to dispatch"),
        (
            "crlf-crlf-data-crlf-crlf",
            "data: x\r\n\r\ndata: y\r\n\r\ndata: z\r\n\r\n",
            [E("x"), E("y"), E("z")],
            "three CRLF events",
        ),
        ("comment-crlf", ": ping\r\n\r\ndata: a\r\n\r\n", [E("a")], "a CRLF comment block before an event"),
        ("comment-cr", ": ping\r\rdata: a\r\r", [E("a")], "a CR comment block before an event"),
        (
            "trailing-bytes-after-event",
            "data: a\n\ngarbage",
            [E("a")],
            "bytes after the last blank line without a line end",
        ),
        ("event-per-line-no-blank", "data: a\ndata: b\ndata: c\n", [], "many data lines, the blank line never comes"),
        (
            "double-crlf-in-data-block",
            "data: a\r\n\r\n\r\n\r\ndata: b\r\n\r\n",
            [E("a"), E("b")],
            "extra blank lines between CRLF events",
        ),
        (
            "cr-before-every-lf",
            "data: a\r\n\r\nid: 1\r\ndata: b\r\n\r\n",
            [E("a"), E("b", id="1")],
            "CRLF everywhere with an id",
        ),
        (
            "lf-before-cr-everywhere",
            "data: a\n\rdata: b\n\r",
            [E("a"), E("b")],
            "LF CR after every line: each CR is a blank line",
        ),
        (
            "long-event-crlf",
            "".join(f"data: line {i}\r\n" for i in range(100)) + "\r\n",
            [E("\n".join(f"line {i}" for i in range(100)))],
            "a 100-line event with CRLF",
        ),
    ]
    for stem, text, events, what in cases:
        b.add(f + stem, what, le, text, events)


# --------------------------------------------------------------------------------------
# limits/  (sse_pplx extension: options + expect.error)
# --------------------------------------------------------------------------------------


def build_limits(b: Builder) -> None:
    m = "limits/"
    line = LIMITS + ": max_line_bytes bounds any line, also a partial one; bytes as received, without the line ending"
    event = LIMITS + ": max_event_bytes bounds the data buffer: each data value's bytes as received plus one LF"

    def err(limit: str, before: int) -> Dict[str, Any]:
        return {"kind": "limit", "limit": limit, "events_before": before}

    L = {"max_line_bytes": 16}
    b.add(
        m + "line-at-limit-accepted",
        "a line of exactly max_line_bytes is accepted",
        line,
        "data: " + "x" * 10 + "\n\n",
        [E("x" * 10)],
        options=L,
    )
    b.add(
        m + "line-one-over-limit",
        "one byte over max_line_bytes fails",
        line,
        "data: " + "x" * 11 + "\n\n",
        [],
        error=err("max_line_bytes", 0),
        options=L,
    )
    for stem, nl in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")]:
        b.add(
            m + f"line-ending-not-counted-{stem}",
            f"the {stem.upper()} line ending is not part of the line's size",
            line,
            "data: " + "x" * 10 + nl + nl,
            [E("x" * 10)],
            options=L,
        )
    b.add(
        m + "line-endless-partial",
        "an endless line without a line end fails as soon as it is too long",
        line,
        "data: " + "x" * 100,
        [],
        error=err("max_line_bytes", 0),
        options=L,
    )
    b.add(
        m + "line-comment-counted",
        "comment lines are bounded too",
        line,
        ": " + "c" * 20 + "\ndata: a\n\n",
        [],
        error=err("max_line_bytes", 0),
        options=L,
    )
    b.add(
        m + "line-unknown-field-counted",
        "unknown fields are bounded too",
        line,
        "x-field: " + "v" * 20 + "\n",
        [],
        error=err("max_line_bytes", 0),
        options=L,
    )
    b.add(
        m + "line-events-before-error",
        "events completed before the long line are delivered",
        line,
        "data: a\n\nid: 3\ndata: b\n\ndata: " + "q" * 40 + "\n\n",
        [E("a"), E("b", id="3")],
        error=err("max_line_bytes", 2),
        options=L,
    )
    b.add(
        m + "line-limit-per-line",
        "many lines each under the limit are fine whatever their total",
        line,
        "data: 0123456789\n" * 20 + "\n",
        [E("\n".join(["0123456789"] * 20))],
        options=L,
    )
    b.add(
        m + "line-multibyte-counted-in-bytes",
        "multibyte characters count their UTF-8 bytes: 'data:' + 5 x é + x = 16",
        line,
        "data:" + "é" * 5 + "x\n\n",
        [E("é" * 5 + "x")],
        options=L,
    )
    b.add(
        m + "line-multibyte-over",
        "'data:' + 6 x é = 17 bytes fails",
        line,
        "data:" + "é" * 6 + "\n\n",
        [],
        error=err("max_line_bytes", 0),
        options=L,
    )
    b.add(
        m + "line-four-byte-chars",
        "four 4-byte characters are 16 bytes: accepted",
        line,
        "😀" * 4 + "\n\ndata: a\n\n",
        [E("a")],
        options=L,
    )
    b.add(
        m + "line-invalid-byte-counts-one",
        "an invalid byte counts 1 (not the 3 bytes of its U+FFFD)",
        line,
        b"data:" + b"\xff" * 11 + b"\n\n",
        [E("\ufffd" * 11)],
        options=L,
    )
    b.add(
        m + "line-invalid-bytes-over",
        "12 invalid bytes after 'data:' is 17 bytes: fails",
        line,
        b"data:" + b"\xff" * 12 + b"\n\n",
        [],
        error=err("max_line_bytes", 0),
        options=L,
    )
    b.add(
        m + "line-bom-not-counted",
        "the stream's BOM belongs to no line",
        line,
        "\ufeffdata: " + "x" * 10 + "\n\n",
        [E("x" * 10)],
        options=L,
    )
    b.add(
        m + "line-second-bom-counted",
        "a second U+FEFF is part of the first line and counts 3 bytes",
        line,
        "\ufeff\ufeff" + "x" * 14 + "\n",
        [],
        error=err("max_line_bytes", 0),
        options=L,
    )
    b.add(
        m + "line-feff-on-later-line-counted",
        "U+FEFF starting a later, unterminated line counts 3 bytes",
        line,
        b"data: a\n\n\xef\xbb\xbf" + b"y" * 14,
        [E("a")],
        error=err("max_line_bytes", 1),
        options=L,
    )
    b.add(
        m + "line-limit-zero-blank-lines",
        "max_line_bytes 0 allows blank lines only",
        line,
        "\n\n\n",
        [],
        options={"max_line_bytes": 0},
    )
    b.add(
        m + "line-limit-zero-field",
        "max_line_bytes 0 refuses any field",
        line,
        "\ndata\n\n",
        [],
        error=err("max_line_bytes", 0),
        options={"max_line_bytes": 0},
    )
    b.add(
        m + "line-limit-zero-bom",
        "max_line_bytes 0: the stream's BOM is not a line",
        line,
        "\ufeff\n\n",
        [],
        options={"max_line_bytes": 0},
    )
    b.add(
        m + "line-limit-one-bom-comment",
        "max_line_bytes 1: BOM then ':' is a 1-byte line",
        line,
        "\ufeff:\n:\n",
        [],
        options={"max_line_bytes": 1},
    )
    b.add(
        m + "line-limit-null-unlimited",
        "max_line_bytes null disables the line limit",
        line,
        "data: " + "x" * 5000 + "\n\n",
        [E("x" * 5000)],
        options={"max_line_bytes": None, "max_event_bytes": None},
    )
    V = {"max_event_bytes": 16}
    b.add(
        m + "event-at-limit-accepted",
        "data values + LFs of exactly max_event_bytes are accepted (15 + 1)",
        event,
        "data: " + "e" * 15 + "\n\n",
        [E("e" * 15)],
        options=V,
    )
    b.add(
        m + "event-one-over-limit",
        "16 + 1 bytes fails",
        event,
        "data: " + "e" * 16 + "\n\n",
        [],
        error=err("max_event_bytes", 0),
        options=V,
    )
    b.add(
        m + "event-many-lines-over",
        "several data lines add up: 4 x (3 + 1) + (0 + 1) = 17",
        event,
        "data: abc\n" * 4 + "data\n\n",
        [],
        error=err("max_event_bytes", 0),
        options=V,
    )
    b.add(
        m + "event-many-lines-at-limit",
        "4 x (3 + 1) = 16 is accepted",
        event,
        "data: abc\n" * 4 + "\n",
        [E("abc\nabc\nabc\nabc")],
        options=V,
    )
    b.add(
        m + "event-limit-per-event",
        "the data buffer empties at each dispatch",
        event,
        "data: 0123456789\n\n" * 5,
        [E("0123456789")] * 5,
        options=V,
    )
    b.add(
        m + "event-limit-ignores-other-fields",
        "event, id and comment lines do not count",
        event,
        "event: " + "n" * 30 + "\nid: " + "i" * 30 + "\n: " + "c" * 30 + "\ndata: x\n\n",
        [E("x", type="n" * 30, id="i" * 30)],
        options=V,
    )
    b.add(
        m + "event-invalid-byte-counts-one",
        "invalid bytes count 1 each: 15 + 1",
        event,
        b"data:" + b"\xff" * 15 + b"\n\n",
        [E("\ufffd" * 15)],
        options=V,
    )
    b.add(
        m + "event-multibyte-counted-in-bytes",
        "'é' counts 2: 8 x é = 16, + LF = 17 fails",
        event,
        "data:" + "é" * 8 + "\n\n",
        [],
        error=err("max_event_bytes", 0),
        options=V,
    )
    b.add(
        m + "event-events-before-error",
        "events before the oversized one are delivered",
        event,
        "data: ok\n\ndata: 0123456789\ndata: 0123456789\n\n",
        [E("ok")],
        error=err("max_event_bytes", 1),
        options=V,
    )
    b.add(
        m + "event-limit-zero",
        "max_event_bytes 0 refuses any data line",
        event,
        "event: x\n\ndata\n\n",
        [],
        error=err("max_event_bytes", 0),
        options={"max_event_bytes": 0},
    )
    b.add(
        m + "event-partial-line-at-eof-no-error",
        "an unterminated data line past the limit is discarded at EOF, not an error",
        event + "; " + WHATWG + " end of file",
        "data: ok\n\ndata: " + "z" * 40,
        [E("ok")],
        end={"discarded": True},
        options=V,
    )
    b.add(
        m + "both-limits-line-first",
        "a long data line hits the line limit before the event limit",
        line,
        "data: " + "x" * 40 + "\n\n",
        [],
        error=err("max_line_bytes", 0),
        options={"max_line_bytes": 16, "max_event_bytes": 16},
    )


# --------------------------------------------------------------------------------------
# chat/ and recorded/
# --------------------------------------------------------------------------------------

SPACED = {"separators": (", ", ": "), "ensure_ascii": True}
COMPACT = {"separators": (",", ":"), "ensure_ascii": False}


def sse(objs: Sequence[Any], nl: str = "\r\n", style: Optional[Dict[str, Any]] = None, done: bool = False) -> str:
    """``data: <json>`` events (or raw strings as data) with the given line ending."""
    style = style or SPACED
    out = []
    for obj in objs:
        payload = obj if isinstance(obj, str) else json.dumps(obj, **style)
        out.append(f"data: {payload}{nl}{nl}")
    if done:
        out.append(f"data: [DONE]{nl}{nl}")
    return "".join(out)


def usage(p: int, c: int, extra: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    u: Dict[str, Any] = {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
    if extra:
        u.update(extra)
    return u


# The examples E1-E5 (perplexity-examples.md): one copy, conformance/examples.py, shared with the tests.


def e5_events(ping: str = ": ping\r\n\r\n", done: bool = True) -> List[str]:
    """E5 as a list of raw event blocks (pings included), CRLF framing."""
    research, first, second, final = (f"data: {payload}\r\n\r\n" for payload in E5_PAYLOADS)
    blocks = [ping, research, ping, first, second, final]
    if done:
        blocks.append("data: [DONE]\r\n\r\n")
    return blocks


def chat_expect(
    content: str,
    finish_reason: Optional[str],
    outcome: str,
    citations: Optional[List[str]] = None,
    search_results: Optional[List[Any]] = None,
    usage_: Any = None,
    reasoning: str = "",
    answer: Optional[str] = None,
    malformed: int = 0,
    error: bool = False,
) -> Dict[str, Any]:
    out: Dict[str, Any] = {
        "content": content,
        "reasoning": reasoning,
        "finish_reason": finish_reason,
        "citations": citations or [],
        "search_results": search_results or [],
        "usage": usage_,
        "outcome": outcome,
        "malformed": malformed,
        "error": error,
    }
    if answer is not None:
        out["answer"] = answer
    return out


def build_chat(b: Builder) -> None:
    c = "chat/"
    e1_exp = chat_expect(E1_TEXT, "stop", "finished", E1_CITATIONS, None, usage(11, 12))
    e1_src = (
        EXAMPLES
        + " E1 (sonar, 2025 full shape: object chat.completion, cumulative message, no [DONE]); "
        + WIRE
        + " F9"
    )
    for stem, nl in [("crlf", "\r\n"), ("lf", "\n"), ("cr", "\r")]:
        b.add(
            c + f"pplx-2025-full-{stem}",
            f"Perplexity 2025 full-mode stream, {stem.upper()} framing, clean EOF without [DONE]",
            e1_src,
            sse(e1_chunks(), nl),
            chat=e1_exp,
        )
    mixed = sse(e1_chunks()[:2], "\r\n") + sse(e1_chunks()[2:4], "\n") + sse(e1_chunks()[4:], "\r")
    b.add(
        c + "pplx-2025-full-mixed-endings",
        "Perplexity 2025 stream whose line endings change mid-stream",
        e1_src,
        mixed,
        chat=e1_exp,
    )
    raw = sse(e1_chunks(), "\r\n", {"separators": (", ", ": "), "ensure_ascii": False})
    b.add(
        c + "pplx-2025-full-raw-utf8",
        "Perplexity 2025 stream with raw UTF-8 '°' instead of \\u00b0 escapes",
        e1_src + " (twin with raw UTF-8)",
        raw,
        chat=e1_exp,
    )
    e1_2024 = e1_chunks(legacy=True)
    b.add(
        c + "pplx-2024-legacy",
        "Perplexity 2024 legacy model stream: no citations key",
        EXAMPLES + " E1 note: the 2024 variant has no citations and llama-3.1-sonar-* model ids",
        sse(e1_2024),
        chat=chat_expect(E1_TEXT, "stop", "finished", None, None, usage(11, 12)),
    )
    e2_src = (
        EXAMPLES
        + " E2 (sonar, 2026 shape: chat.completion.chunk then chat.completion.done, cost, search_results on the final chunk, [DONE])"
    )
    e2_exp = chat_expect(E2_TEXT, "stop", "done", E2_CITATIONS, E2_SEARCH_RESULTS, E2_FINAL_USAGE)
    b.add(
        c + "pplx-2026-done",
        "Perplexity 2026 stream with [DONE]",
        e2_src,
        sse(e2_chunks(), style=COMPACT, done=True),
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-done-lf",
        "Perplexity 2026 stream with [DONE], LF framing",
        e2_src,
        sse(e2_chunks(), "\n", COMPACT, True),
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-no-done",
        "E2 variant (a): no [DONE], still complete",
        e2_src + " variant (a)",
        sse(e2_chunks(), style=COMPACT),
        chat=dict(e2_exp, outcome="finished"),
    )
    b.add(
        c + "pplx-2026-citations-final-only",
        "E2 variant (b): citations only on the final chunk",
        e2_src + " variant (b)",
        sse(e2_chunks(citations_every_chunk=False), style=COMPACT, done=True),
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-with-message",
        "E2 variant (c): a cumulative message in every choice",
        e2_src + " variant (c)",
        sse(e2_chunks(message=True), style=COMPACT, done=True),
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-finish-key-absent",
        "E2 variant (d): finish_reason absent from non-final chunks",
        e2_src + " variant (d)",
        sse(e2_chunks(finish_reason_absent=True), style=COMPACT, done=True),
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-spaced-json",
        "E2 variant (e): spaced JSON",
        e2_src + " variant (e)",
        sse(e2_chunks(), style=SPACED, done=True),
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-final-object-chunk",
        "E2 variant (f): the final object is chat.completion.chunk",
        e2_src + " variant (f)",
        sse(e2_chunks(final_object="chat.completion.chunk"), style=COMPACT, done=True),
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-done-no-space",
        "'data:[DONE]' without the space ends the stream",
        e2_src + "; anchors-features.md [7] (huggingface/huggingface_hub#4536)",
        sse(e2_chunks(), style=COMPACT) + "data:[DONE]\r\n\r\n",
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-done-trailing-space",
        "'data: [DONE]  ' with trailing whitespace ends the stream",
        e2_src + "; anchors-features.md [7] (mistralai/mistral-vibe#793)",
        sse(e2_chunks(), style=COMPACT) + "data: [DONE]  \r\n\r\n",
        chat=e2_exp,
    )
    b.add(
        c + "pplx-2026-bytes-after-done",
        "anything after [DONE] is ignored",
        e2_src + "; " + WIRE + " §7.6 (perplexity-node drains to EOF)",
        sse(e2_chunks(), style=COMPACT, done=True) + 'data: {"unexpected": true}\r\n\r\n',
        chat=e2_exp,
    )
    e3_src = EXAMPLES + " E3 (sonar-reasoning-pro: inline <think> block, closing tag split across chunks)"
    b.add(
        c + "pplx-reasoning-think",
        "reasoning model: <think> block split off, </think> split across chunks",
        e3_src + "; " + WIRE + " §5",
        sse(e3_chunks()),
        chat=chat_expect(
            "".join(E3_PARTS),
            "stop",
            "finished",
            E3_CITATIONS,
            E3_SEARCH_RESULTS,
            E3_FINAL_USAGE,
            reasoning=E3_REASONING,
            answer=E3_ANSWER,
        ),
    )
    unclosed = ["<think>\n", "Thinking about 2027", " without closing the tag."]
    b.add(
        c + "pplx-reasoning-unclosed",
        "reasoning model whose </think> never comes: everything stays reasoning",
        e3_src + " variant without </think>; community.perplexity.ai report",
        sse(e3_chunks(unclosed, final=False)),
        chat=chat_expect(
            "".join(unclosed),
            None,
            "truncated",
            E3_CITATIONS,
            None,
            usage(
                8,
                34,
                {
                    "search_context_size": "low",
                    "cost": {"input_tokens_cost": 0.0, "output_tokens_cost": 0.0, "total_cost": 0.0},
                },
            ),
            reasoning="Thinking about 2027 without closing the tag.",
            answer="",
        ),
    )
    js = ["<think>\nNeed JSON.\n</think>\n\n", '{"prime": true', ', "n": 2027}']
    b.add(
        c + "pplx-reasoning-json-schema",
        "structured output after a think block",
        e3_src + " variant with response_format json_schema; " + WIRE + " §5",
        sse(e3_chunks(js)),
        chat=chat_expect(
            "".join(js),
            "stop",
            "finished",
            E3_CITATIONS,
            E3_SEARCH_RESULTS,
            E3_FINAL_USAGE,
            reasoning="Need JSON.",
            answer='{"prime": true, "n": 2027}',
        ),
    )
    e4_src = EXAMPLES + " E4 (finish_reason length, inferred shape)"
    e4_text = "The printing press, invented around 1440 by"
    b.add(
        c + "pplx-finish-length",
        "finish_reason 'length' on the final chunk",
        e4_src,
        sse(e4_chunks()),
        chat=chat_expect(e4_text, "length", "finished", E4_CITATIONS, E4_SEARCH_RESULTS, E4_FINAL_USAGE),
    )
    b.add(
        c + "pplx-finish-stop-mid-sentence",
        "text cut mid-sentence while finish_reason is 'stop'",
        e4_src + "; perplexityai/api-discussion#249, #250",
        sse(e4_chunks("stop")),
        chat=chat_expect(e4_text, "stop", "finished", E4_CITATIONS, E4_SEARCH_RESULTS, E4_FINAL_USAGE),
    )
    e5_src = (
        EXAMPLES
        + " E5 (sonar-deep-research: keep-alives, a chunk without choices, rich usage, [DONE]); "
        + WIRE
        + " F10"
    )
    e5_exp = chat_expect("# Grid storage in 2025\n\n", "stop", "done", E5_CITATIONS, E5_SEARCH_RESULTS, E5_FINAL_USAGE)
    b.add(
        c + "pplx-deep-research-comment-pings",
        "deep research with ': ping' comments",
        e5_src,
        "".join(e5_events()),
        chat=e5_exp,
    )
    b.add(
        c + "pplx-deep-research-event-pings",
        "deep research with 'event: ping' and empty data",
        e5_src + " (ping as event: ping + empty data)",
        "".join(e5_events("event: ping\r\ndata:\r\n\r\n")),
        chat=e5_exp,
    )
    b.add(
        c + "pplx-deep-research-data-pings",
        "deep research with non-JSON 'data: ping' keep-alives (ignored, not malformed)",
        e5_src + " (ping as data: ping)",
        "".join(e5_events("data: ping\r\n\r\n")),
        chat=e5_exp,
    )
    b.add(
        c + "pplx-deep-research-no-done",
        "deep research ending without [DONE]",
        e5_src,
        "".join(e5_events(done=False)),
        chat=dict(e5_exp, outcome="finished"),
    )
    # truncation (E6d)
    e6_src = EXAMPLES + " E6d (200, then the stream ends early); tidyverse/ellmer#439"
    first = e2_chunks()[0]
    cut_json = json.dumps(e2_chunks()[1], **COMPACT)[:40]
    b.add(
        c + "truncated-mid-event",
        "the connection closes in the middle of an event: truncated",
        e6_src,
        sse([first], style=COMPACT) + "data: " + cut_json,
        chat=chat_expect("Earth", None, "truncated", E2_CITATIONS, None, first["usage"]),
    )
    b.add(
        c + "truncated-clean-eof-no-finish",
        "a clean EOF after complete chunks but no finish_reason: truncated",
        e6_src + " (the softer variant)",
        sse(e2_chunks()[:2], style=COMPACT),
        chat=chat_expect("Earth rotates through", None, "truncated", E2_CITATIONS, None, e2_chunks()[1]["usage"]),
    )
    last = e2_chunks()[-1]
    b.add(
        c + "final-event-without-blank-line",
        "the final chunk arrives without its blank line: the parser discards it, the chat layer salvages complete JSON",
        WIRE + " §7.3 (the SDK silently drops it); sse_pplx chat.py docstring (salvage)",
        sse(e2_chunks()[:-1], style=COMPACT) + "data: " + json.dumps(last, **COMPACT) + "\r\n",
        chat=dict(e2_exp, outcome="finished"),
    )
    b.add(
        c + "empty-stream",
        "an empty 200 body: truncated, nothing received",
        WIRE + " §8.2",
        "",
        chat=chat_expect("", None, "truncated"),
    )
    # errors in a 200 stream (E6e)
    e6e = EXAMPLES + " E6e (synthetic mid-stream error; both official SDKs handle it)"
    hel = {
        "id": "0b6e0000-0000-4000-8000-000000000000",
        "model": "sonar",
        "created": 1770000000,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": None}],
    }
    err_body = {"error": {"message": "upstream model failure", "type": "server_error", "code": 500}}
    b.add(
        c + "error-event",
        "'event: error' after a content chunk: an error with the partial text",
        e6e,
        sse([hel], style=COMPACT) + "event: error\r\ndata: " + json.dumps(err_body, **COMPACT) + "\r\n\r\n",
        chat=chat_expect("Hel", None, "error", error=True),
    )
    b.add(
        c + "error-in-band",
        'an in-band {"error": ...} payload without an event name is an error',
        e6e + " (in-band variant; openai-python raises APIError)",
        sse([hel, err_body], style=COMPACT),
        chat=chat_expect("Hel", None, "error", error=True),
    )
    b.add(
        c + "error-event-first",
        "'event: error' as the first event",
        e6e,
        "event: error\ndata: " + json.dumps(err_body, **COMPACT) + "\n\n",
        chat=chat_expect("", None, "error", error=True),
    )
    # malformed JSON
    mal = "sse_pplx chat.py docstring: a payload that starts like JSON but does not parse is kept in result.malformed and the stream goes on; openai/openai-python#2721"
    e2c = e2_chunks()
    b.add(
        c + "malformed-json-mid-stream",
        "a broken JSON payload mid-stream is counted and the stream goes on",
        mal,
        sse(e2c[:2], style=COMPACT)
        + 'data: {"id": "broken", "choices": [\r\n\r\n'
        + sse(e2c[2:], style=COMPACT, done=True),
        chat=dict(e2_exp, malformed=1),
    )
    b.add(
        c + "malformed-json-two",
        "two malformed payloads are both counted",
        mal,
        "data: {oops}\n\ndata: [1, 2\n\n" + sse(e2c, "\n", COMPACT, True),
        chat=dict(e2_exp, malformed=2),
    )
    b.add(
        c + "non-json-keepalive-not-malformed",
        "a non-JSON keep-alive payload is ignored, not malformed",
        "sse_pplx chat.py docstring: non-JSON payloads (keep-alive pings) are counted in result.ignored",
        "data: keep-alive\n\n" + sse(e2c, "\n", COMPACT, True),
        chat=e2_exp,
    )
    b.add(
        c + "comments-and-empty-data",
        "comments and empty data events between chunks are ignored",
        "sse_pplx chat.py docstring; " + WIRE + " F10",
        ": hi\n\ndata:\n\n" + sse(e2c[:3], "\n", COMPACT) + ": ping\n\n" + sse(e2c[3:], "\n", COMPACT, True),
        chat=e2_exp,
    )
    # OpenAI-compatible streams
    oai_src = "OpenAI chat.completion.chunk stream shape (openai-python Stream; stream_options.include_usage adds a final usage chunk with empty choices)"

    def oai(delta: Dict[str, Any], finish: Any = None, usage_: Any = None, choices: bool = True) -> Dict[str, Any]:
        obj: Dict[str, Any] = {
            "id": "chatcmpl-AbC123",
            "object": "chat.completion.chunk",
            "created": 1735689600,
            "model": "gpt-4o-mini",
            "system_fingerprint": "fp_0123456789",
        }
        obj["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}] if choices else []
        if usage_ is not None:
            obj["usage"] = usage_
        return obj

    oai_usage = {"prompt_tokens": 12, "completion_tokens": 4, "total_tokens": 16}
    oai_stream = [
        oai({"role": "assistant", "content": ""}),
        oai({"content": "Hello"}),
        oai({"content": ", world"}),
        oai({"content": "!"}),
        oai({}, "stop"),
    ]
    b.add(
        c + "openai-basic",
        "an OpenAI stream: role chunk, content, finish, [DONE]",
        oai_src,
        sse(oai_stream, "\n", COMPACT, True),
        chat=chat_expect("Hello, world!", "stop", "done"),
    )
    b.add(
        c + "openai-usage-final-chunk",
        "include_usage: a last chunk with empty choices carries the usage",
        oai_src,
        sse([*oai_stream, oai({}, choices=False, usage_=oai_usage)], "\n", COMPACT, True),
        chat=chat_expect("Hello, world!", "stop", "done", usage_=oai_usage),
    )
    b.add(
        c + "openai-no-done",
        "an OpenAI-compatible server that ends after finish_reason without [DONE]",
        oai_src + "; " + WIRE + " F9",
        sse(oai_stream, "\n", COMPACT),
        chat=chat_expect("Hello, world!", "stop", "finished"),
    )
    b.add(
        c + "openai-unicode-escapes",
        "content with \\u escapes and raw emoji",
        oai_src,
        sse(
            [oai({"role": "assistant", "content": "caf\u00e9 "}), oai({"content": "\U0001f600"}), oai({}, "stop")],
            "\n",
            {"separators": (",", ":"), "ensure_ascii": True},
            True,
        ),
        chat=chat_expect("café 😀", "stop", "done"),
    )
    rc = [
        oai({"role": "assistant", "content": None, "reasoning_content": "Let me think."}),
        oai({"reasoning_content": " Done."}),
        oai({"content": "42"}),
        oai({}, "stop"),
    ]
    b.add(
        c + "openai-compatible-reasoning-content",
        "DeepSeek / vLLM reasoning_content deltas go to reasoning",
        "sse_pplx chat.py docstring (reasoning_content / reasoning delta fields); DeepSeek and vLLM OpenAI-compatible streams",
        sse(rc, "\n", COMPACT, True),
        chat=chat_expect("42", "stop", "done", reasoning="Let me think. Done.", answer="42"),
    )
    tool = [
        oai(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ],
            }
        ),
        oai({"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]}),
        oai({"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]}),
        oai({}, "tool_calls"),
    ]
    b.add(
        c + "openai-tool-call",
        "tool-call deltas: no content, finish_reason tool_calls",
        oai_src + "; openai-python accumulate_delta",
        sse(tool, "\n", COMPACT, True),
        chat=chat_expect("", "tool_calls", "done"),
    )
    b.add(
        c + "openai-error-in-band",
        "an OpenAI in-band error object ends the stream with an error",
        "openai-python _streaming.py: a data object with an 'error' key raises APIError",
        sse(
            [
                oai({"role": "assistant", "content": "Hi"}),
                {"error": {"message": "The server had an error", "type": "server_error", "param": None, "code": None}},
            ],
            "\n",
            COMPACT,
        ),
        chat=chat_expect("Hi", None, "error", error=True),
    )


# recorded/: streams derived from the reference examples, with chunk boundaries and delays
HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "transfer-encoding": "chunked",
}


def _sizes_from_cuts(total: int, cuts: Sequence[int]) -> List[int]:
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:]) if b > a]


def _event_cuts(raw: bytes, sep: bytes) -> List[int]:
    cuts, pos = [], 0
    while True:
        i = raw.find(sep, pos)
        if i < 0 or i + len(sep) >= len(raw):
            return cuts
        pos = i + len(sep)
        cuts.append(pos)


def build_recorded(b: Builder) -> None:
    r = "recorded/"
    prov = {
        "derived_from": EXAMPLES,
        "network": "none: chunk boundaries and delays are synthetic, modelled on wire facts F11/F12",
        "recorded_with": "none",
    }

    def add(
        stem: str,
        desc: str,
        src: str,
        raw: bytes,
        sizes: List[int],
        delays: List[float],
        chat: Dict[str, Any],
        **more: Any,
    ) -> None:
        assert sum(sizes) == len(raw) and len(sizes) == len(delays), stem
        b.add(
            r + stem,
            desc,
            src,
            raw,
            chunks=sizes,
            delays_ms=delays,
            headers=dict(HEADERS),
            chat=chat,
            provenance=dict(prov, **more),
        )

    # E1, one read per event, typical token pacing
    e1 = sse(e1_chunks()).encode()
    cuts = _event_cuts(e1, b"\r\n\r\n")
    sizes = _sizes_from_cuts(len(e1), cuts)
    add(
        "pplx-2025-per-event-reads",
        "E1 delivered one event per read, ~40 ms apart",
        EXAMPLES + " E1",
        e1,
        sizes,
        [620.0, *[41.5, 38.2, 44.9, 12.3][: len(sizes) - 1]],
        chat_expect(E1_TEXT, "stop", "finished", E1_CITATIONS, None, usage(11, 12)),
        example="E1",
    )
    # E2 network split: inside the JSON, inside the CRLF pair, inside the em dash
    e2 = sse(e2_chunks(), style=COMPACT, done=True).encode()
    first_end = e2.find(b"\r\n\r\n")
    dash = e2.find("\u2014".encode())
    cuts = sorted({70, first_end + 1, first_end + 3, dash + 1, dash + 2, e2.find(b"data: [DONE]")})
    sizes = _sizes_from_cuts(len(e2), cuts)
    add(
        "pplx-2026-network-split",
        "E2 with reads cut inside the JSON, inside a CRLF pair and inside the 3-byte em dash",
        EXAMPLES + " E2 'Network split'",
        e2,
        sizes,
        [480.0, *[0.4, 0.3, 35.0, 0.2, 0.2, 52.0][: len(sizes) - 1]],
        chat_expect(E2_TEXT, "stop", "done", E2_CITATIONS, E2_SEARCH_RESULTS, E2_FINAL_USAGE),
        example="E2",
    )
    # E2 several events per read (a proxy that buffers)
    cuts = _event_cuts(e2, b"\r\n\r\n")
    sizes = _sizes_from_cuts(len(e2), [cuts[1], cuts[4]])
    add(
        "pplx-2026-coalesced-reads",
        "E2 with several events per read (a buffering proxy)",
        EXAMPLES + " E2",
        e2,
        sizes,
        [900.0, 120.0, 80.0][: len(sizes)],
        chat_expect(E2_TEXT, "stop", "done", E2_CITATIONS, E2_SEARCH_RESULTS, E2_FINAL_USAGE),
        example="E2",
    )
    # E2 1-byte trickle at the start, then per event
    sizes = [1] * 40 + _sizes_from_cuts(len(e2) - 40, [c - 40 for c in _event_cuts(e2, b"\r\n\r\n") if c > 40])
    add(
        "pplx-2026-trickle-start",
        "E2 whose first 40 bytes trickle in one byte at a time",
        EXAMPLES + " E2; btubbs/sseclient#8 (buffering delays)",
        e2,
        sizes,
        [300.0] + [1.0] * 39 + [30.0] * (len(sizes) - 40),
        chat_expect(E2_TEXT, "stop", "done", E2_CITATIONS, E2_SEARCH_RESULTS, E2_FINAL_USAGE),
        example="E2",
    )
    # E2 fixed 64-byte reads
    sizes = [64] * (len(e2) // 64) + ([len(e2) % 64] if len(e2) % 64 else [])
    add(
        "pplx-2026-fixed-64-byte-reads",
        "E2 in fixed 64-byte reads, boundaries anywhere",
        EXAMPLES + " E2; " + WIRE + " F11",
        e2,
        sizes,
        [500.0] + [5.0] * (len(sizes) - 1),
        chat_expect(E2_TEXT, "stop", "done", E2_CITATIONS, E2_SEARCH_RESULTS, E2_FINAL_USAGE),
        example="E2",
    )
    # E3 reasoning, one event per read, the split tag arrives in separate reads
    e3 = sse(e3_chunks()).encode()
    sizes = _sizes_from_cuts(len(e3), _event_cuts(e3, b"\r\n\r\n"))
    add(
        "pplx-reasoning-per-event-reads",
        "E3 reasoning stream, one event per read",
        EXAMPLES + " E3",
        e3,
        sizes,
        [1500.0] + [60.0] * (len(sizes) - 1),
        chat_expect(
            "".join(E3_PARTS),
            "stop",
            "finished",
            E3_CITATIONS,
            E3_SEARCH_RESULTS,
            E3_FINAL_USAGE,
            reasoning=E3_REASONING,
            answer=E3_ANSWER,
        ),
        example="E3",
    )
    # E4 two reads
    e4 = sse(e4_chunks()).encode()
    sizes = _sizes_from_cuts(len(e4), [len(e4) // 2])
    add(
        "pplx-finish-length-two-reads",
        "E4 in two reads cut mid-event",
        EXAMPLES + " E4",
        e4,
        sizes,
        [700.0, 45.0],
        chat_expect(
            "The printing press, invented around 1440 by",
            "length",
            "finished",
            E4_CITATIONS,
            E4_SEARCH_RESULTS,
            E4_FINAL_USAGE,
        ),
        example="E4",
    )
    # E5 deep research: pings arrive alone, long gaps (scaled down 1:100)
    blocks = e5_events()
    e5 = "".join(blocks).encode()
    sizes = [len(x.encode()) for x in blocks]
    add(
        "pplx-deep-research-pings",
        "E5 deep research: keep-alive pings in their own reads, long gaps scaled 1:100",
        EXAMPLES + " E5",
        e5,
        sizes,
        [150.0, 300.0, 150.0, 1800.0, 40.0, 150.0, 5.0],
        chat_expect("# Grid storage in 2025\n\n", "stop", "done", E5_CITATIONS, E5_SEARCH_RESULTS, E5_FINAL_USAGE),
        example="E5",
        delay_scale="1:100 (real gaps are ~15 s between pings and minutes of research)",
    )
    # E6d truncated: connection drops mid-event
    first = e2_chunks()[0]
    trunc = (sse([first], style=COMPACT) + "data: " + json.dumps(e2_chunks()[1], **COMPACT)[:60]).encode()
    sizes = _sizes_from_cuts(len(trunc), [len(sse([first], style=COMPACT).encode())])
    add(
        "pplx-truncated-connection-drop",
        "E6d: the connection drops in the middle of the second event",
        EXAMPLES + " E6d; tidyverse/ellmer#439",
        trunc,
        sizes,
        [400.0, 30.0],
        chat_expect("Earth", None, "truncated", E2_CITATIONS, None, first["usage"]),
        example="E6d",
    )
    # E6e error event mid-stream
    hel = {
        "id": "0b6e0000-0000-4000-8000-000000000000",
        "model": "sonar",
        "created": 1770000000,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}, "finish_reason": None}],
    }
    err = (
        "event: error\r\ndata: "
        + json.dumps({"error": {"message": "upstream model failure", "type": "server_error", "code": 500}}, **COMPACT)
        + "\r\n\r\n"
    )
    e6 = (sse([hel], style=COMPACT) + err).encode()
    sizes = _sizes_from_cuts(len(e6), [len(sse([hel], style=COMPACT).encode())])
    add(
        "pplx-error-event",
        "E6e: an error event in a 200 stream, in its own read",
        EXAMPLES + " E6e",
        e6,
        sizes,
        [350.0, 2200.0],
        chat_expect("Hel", None, "error", error=True),
        example="E6e",
    )
    # LF variant of E1 in small random-looking reads (fixed pattern, not random at build time)
    e1lf = sse(e1_chunks(), "\n").encode()
    pattern = [17, 5, 90, 1, 1, 33, 250, 7]
    sizes, total, k = [], 0, 0
    while total < len(e1lf):
        size = min(pattern[k % len(pattern)], len(e1lf) - total)
        sizes.append(size)
        total += size
        k += 1
    add(
        "pplx-2025-lf-irregular-reads",
        "E1 with LF framing in irregular small reads",
        EXAMPLES + " E1 (LF variant)",
        e1lf,
        sizes,
        [520.0] + [3.0 + (i % 5) for i in range(len(sizes) - 1)],
        chat_expect(E1_TEXT, "stop", "finished", E1_CITATIONS, None, usage(11, 12)),
        example="E1",
    )
    # CR LF split exactly between CR and LF of every blank line
    crlf_cuts = [i + 1 for i in range(len(e1) - 1) if e1[i : i + 2] == b"\r\n"]
    sizes = _sizes_from_cuts(len(e1), crlf_cuts)
    add(
        "pplx-2025-every-crlf-split",
        "E1 with every CRLF pair split across two reads",
        EXAMPLES + " E1; rexxars/eventsource-parser#17",
        e1,
        sizes,
        [600.0] + [2.0] * (len(sizes) - 1),
        chat_expect(E1_TEXT, "stop", "finished", E1_CITATIONS, None, usage(11, 12)),
        example="E1",
    )


FUZZ_README = """# fuzz/: minimised counterexamples, kept forever

Each fixture here is a stream on which differential fuzzing found sse_pplx and
the oracle (`conformance/oracle.py`) disagreeing.  The fuzzer is `python -m
conformance fuzz` (`conformance/fuzz.py`, see `conformance/README.md`,
"Fuzzing").  Each case is minimised to the fewest bytes, chunk cuts and limits
that still show the disagreement.  Once added, a counterexample is never
removed: it guards against the bug coming back, in sse_pplx or in the oracle.
The expected values come from the oracle (after any fix to it), never from
the parser under test.

A counterexample file holds:

* `description`: `minimised fuzz counterexample: <parser>, <chunking>: <check>: <what differed>`;
* `source`: the command that found it, `python -m conformance fuzz --seed S`;
* `chunks`: the chunking that showed it, when the cuts mattered;
* `options`: the limits, when they mattered;
* `provenance`: the seed, the stream's index in that run (`stream`), the
  parser, the check, and the chunking (`chunks` is the run's random chunking;
  `whole`; `event-ends` cuts after every event).

The fuzzer names its files `<parser>-<check>-<detail>-<hash>.json`.  The first
two, `oracle-close-limit-bom-prefix` and
`line-limit-bom-prefix-detected-late`, were bugs in the oracle (a BOM prefix
under `max_line_bytes`).  They were fixed in the oracle and named by hand.

The fuzzer writes here by default.  Counterexamples for other parsers go
elsewhere (`--out DIR`; replay them with `python -m conformance run --fixtures
DIR`).  `conformance/build_fixtures.py` writes this README and never touches
the fixtures here.
"""


# --------------------------------------------------------------------------------------
# browser notes: what Chromium's EventSource does differently (python -m conformance browser,
# conformance/BROWSER.md).  Only real divergences from the expectation; agreeing fixtures stay clean.
# --------------------------------------------------------------------------------------

_CHROMIUM_EMPTY_RETRY = (
    "Events agree. Not observable by a page, measured by the reconnection delay instead: Chromium does not ignore an empty retry value, it resets the reconnection time to its default of 3000 ms "
    "(Chromium 150: after 'retry: 200', a later 'retry:' or 'retry' line made it reconnect after 3 s instead of 200 ms; blink EventSourceParser::ParseLine calls OnReconnectionTimeSet(kDefaultReconnectDelay) for an empty value). "
    "In this stream no earlier retry was set, so the reconnection time is the default either way."
)

BROWSER_NOTES: Dict[str, str] = {
    "spec/bom-then-blank-line": (
        "Chromium 150 dispatches nothing: it does not take a CR or LF right after the leading BOM as a line end "
        "(blink EventSourceParser::AddBytes skips the byte that follows a recognised BOM with 'continue' before the line-end check), "
        "so the LF stays at the start of the next line and 'data: a' is read as the unknown field '\\ndata'. "
        "Per the spec the BOM is removed by UTF-8 decode and the LF then ends an empty line. A CR LF after the BOM, or a BOM followed by a field, is not affected."
    ),
    "spec/retry-empty-ignored": _CHROMIUM_EMPTY_RETRY,
    "spec/retry-no-colon-ignored": _CHROMIUM_EMPTY_RETRY,
    "spec/wpt-format-field-retry-empty": _CHROMIUM_EMPTY_RETRY,
}


def add_browser_notes(fixtures: Dict[str, Dict[str, Any]]) -> None:
    """Set each :data:`BROWSER_NOTES` fixture's ``browser`` field."""
    for name, note in BROWSER_NOTES.items():
        obj = fixtures[name]  # a KeyError: a note for a fixture that no longer exists
        obj["browser"] = {"divergence": note}
        problems = validate(obj)
        if problems:
            raise AssertionError(f"{name}: invalid fixture: {problems}")


def build_all() -> Dict[str, Dict[str, Any]]:
    preloaded = "sse_pplx" in sys.modules
    b = Builder()
    build_spec(b)
    build_utf8(b)
    build_framing(b)
    build_limits(b)
    build_chat(b)
    build_recorded(b)
    from .build_responses import build_responses

    build_responses(b)
    add_browser_notes(b.fixtures)
    assert preloaded or "sse_pplx" not in sys.modules, "build_fixtures must not import sse_pplx"
    return b.fixtures


def render(obj: Dict[str, Any]) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=True) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.build_fixtures", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if fixtures/ is not up to date")
    parser.add_argument(
        "--out", type=Path, default=FIXTURES_DIR, help="output folder (default: the repository's fixtures/)"
    )
    args = parser.parse_args(argv)
    from .schema import SCHEMA

    fixtures = build_all()
    files: Dict[Path, str] = {args.out / (name + ".json"): render(obj) for name, obj in fixtures.items()}
    files[args.out / "schema.json"] = json.dumps(SCHEMA, indent=2, ensure_ascii=True) + "\n"
    files[args.out / "fuzz" / "README.md"] = FUZZ_README
    stale = []
    for path in sorted(args.out.glob("*/*.json")) if args.out.is_dir() else []:
        if path in files:
            continue
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(old, dict) and (old.get("provenance") or {}).get("generated_by") == GENERATOR:
            stale.append(path)
    changed = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in changed:
            print(f"out of date: {p}")
        for p in stale:
            print(f"stale: {p}")
        print(f"{len(fixtures)} fixtures, {len(changed)} out of date, {len(stale)} stale")
        return 1 if changed or stale else 0
    for p in changed:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(files[p], encoding="utf-8")
    for p in stale:
        p.unlink()
    counts: Dict[str, int] = {}
    for name in fixtures:
        counts[name.split("/")[0]] = counts.get(name.split("/")[0], 0) + 1
    print(
        ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))
        + f"; {len(fixtures)} fixtures, {len(changed)} written, {len(stale)} removed"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
