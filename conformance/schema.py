"""The fixture JSON Schema (draft-07), and a small validator for the subset it uses.

The schema is kept here as data so that the kit can validate fixtures with the
standard library alone (no ``jsonschema`` dependency); ``build_fixtures.py``
writes it to ``fixtures/schema.json`` for tools in other languages, and a test
checks that the two are identical.

Supported keywords (everything the schema uses, nothing more): ``type``,
``properties``, ``required``, ``additionalProperties``, ``items``, ``enum``,
``minimum``, ``minLength``, ``maxLength``, ``pattern``, ``oneOf``, ``$ref``
(local ``#/definitions/...`` only), ``description``/``title``/``$schema``
(ignored).  An unsupported keyword is an error, so the validator never silently
accepts something a full implementation would reject.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

__all__ = ["SCHEMA", "check"]

_STATE_ID = {"type": "string", "description": "the last event ID buffer"}
_STATE_RETRY = {
    "type": ["integer", "null"],
    "minimum": 0,
    "description": "the reconnection time in ms, null when no valid retry field was seen",
}

_INPUT_FORMS: List[Dict[str, Any]] = [
    {
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {"text": {"type": "string", "description": "the bytes are its UTF-8 encoding"}},
    },
    {
        "type": "object",
        "required": ["base64"],
        "additionalProperties": False,
        "properties": {
            "base64": {
                "type": "string",
                "pattern": "^[A-Za-z0-9+/]*={0,2}$",
                "description": "standard base64 (RFC 4648 section 4), for bytes that are not valid UTF-8",
            }
        },
    },
]
_STRINGS = {"type": "array", "items": {"type": "string"}}
_COUNT = {"type": "integer", "minimum": 0}

SCHEMA: Dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "sse_pplx conformance fixture",
    "description": "One Server-Sent Events test case: exact input bytes, expected parse (fixtures/README.md).",
    "type": "object",
    "required": ["name", "description", "source", "input", "expect"],
    "additionalProperties": False,
    "properties": {
        "name": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]*/[a-z0-9][a-z0-9._-]*$",
            "description": "category/stem, equal to the file's path under fixtures/ without .json",
        },
        "description": {"type": "string", "minLength": 1, "description": "one line: the rule this checks"},
        "source": {
            "type": "string",
            "minLength": 1,
            "description": "the spec clause, peer issue or provenance the expectation rests on",
        },
        "input": {"description": "the exact bytes of the stream", "oneOf": _INPUT_FORMS},
        "resumed_input": {
            "description": "responses fixtures: the bytes of a second connection that resumes the stream "
            "(fed after input and a resume; expect covers input only)",
            "oneOf": _INPUT_FORMS,
        },
        "chunks": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1},
            "description": "recorded chunk sizes in bytes; their sum is the input's length",
        },
        "delays_ms": {
            "type": "array",
            "items": {"type": "number", "minimum": 0},
            "description": "delay before each recorded chunk, in ms; as many as chunks",
        },
        "headers": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "response headers, lower-case names",
        },
        "options": {
            "type": "object",
            "additionalProperties": False,
            "description": "parser limits (sse_pplx-specific); absent = the parser's defaults",
            "properties": {
                "max_line_bytes": {"type": ["integer", "null"], "minimum": 0},
                "max_event_bytes": {"type": ["integer", "null"], "minimum": 0},
            },
        },
        "expect": {
            "type": "object",
            "required": ["events", "end", "error"],
            "additionalProperties": False,
            "properties": {
                "events": {"type": "array", "items": {"$ref": "#/definitions/event"}},
                "end": {
                    "description": "parser state at the end of the stream; null when the stream fails (error)",
                    "oneOf": [{"type": "null"}, {"$ref": "#/definitions/end"}],
                },
                "error": {
                    "oneOf": [{"type": "null"}, {"$ref": "#/definitions/error"}],
                },
            },
        },
        "chat": {"$ref": "#/definitions/chat"},
        "responses": {"$ref": "#/definitions/responses"},
        "provenance": {"type": "object", "description": "where a recorded or derived stream came from"},
        "browser": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "divergence": {
                    "type": "string",
                    "description": "what Chromium's EventSource does differently, if anything",
                }
            },
        },
    },
    "definitions": {
        "event": {
            "type": "object",
            "required": ["type", "data", "id", "retry", "last_event_id", "reconnection_time"],
            "additionalProperties": False,
            "properties": {
                "type": {"type": "string", "description": "the event type; 'message' when none was given"},
                "data": {"type": "string"},
                "id": {"type": "string", "description": "the last event ID the event carries (lastEventId)"},
                "retry": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "description": "the valid retry value given in this event's own block, else null",
                },
                "last_event_id": _STATE_ID,
                "reconnection_time": _STATE_RETRY,
            },
        },
        "end": {
            "type": "object",
            "required": ["last_event_id", "reconnection_time", "discarded"],
            "additionalProperties": False,
            "properties": {
                "last_event_id": _STATE_ID,
                "reconnection_time": _STATE_RETRY,
                "discarded": {
                    "type": "boolean",
                    "description": "an unterminated event with data was thrown away at end of stream",
                },
            },
        },
        "error": {
            "type": "object",
            "required": ["kind", "limit", "events_before"],
            "additionalProperties": False,
            "properties": {
                "kind": {"enum": ["limit"]},
                "limit": {"enum": ["max_line_bytes", "max_event_bytes"]},
                "events_before": {"type": "integer", "minimum": 0},
            },
        },
        "chat": {
            "type": "object",
            "additionalProperties": False,
            "description": "the expected chat-completion result (chat/ and recorded/ fixtures)",
            "properties": {
                "content": {"type": "string"},
                "reasoning": {
                    "type": "string",
                    "description": "the reasoning text (inline <think> block or reasoning deltas)",
                },
                "answer": {"type": "string", "description": "content without the leading <think> block"},
                "finish_reason": {"type": ["string", "null"]},
                "citations": {"type": "array", "items": {"type": "string"}},
                "search_results": {"type": "array"},
                "usage": {"type": ["object", "null"]},
                "outcome": {"enum": ["done", "finished", "truncated", "error"]},
                "malformed": {"type": "integer", "minimum": 0},
                "error": {"type": "boolean"},
            },
        },
        "responses": {
            "type": "object",
            "additionalProperties": False,
            "description": "the expected Agent API / Responses API result (responses/ fixtures); "
            "only the keys given are compared",
            "properties": {
                "status": {"enum": ["completed", "incomplete", "failed", "cancelled", "truncated", "in_progress"]},
                "incomplete_reason": {"type": ["string", "null"]},
                "error": {"type": ["object", "null"], "description": "the error object as sent"},
                "output_text": {"type": "string", "description": "every output_text part of every message, joined"},
                "output": {"type": "array", "items": {"type": "object"}, "description": "the output items"},
                "function_calls": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["call_id", "name", "arguments"],
                        "additionalProperties": False,
                        "properties": {
                            "call_id": {"type": ["string", "null"]},
                            "name": {"type": ["string", "null"]},
                            "arguments": {"type": ["string", "null"]},
                        },
                    },
                },
                "search_queries": _STRINGS,
                "search_results": {"type": "array", "items": {"type": "object"}},
                "fetched_urls": _STRINGS,
                "thoughts": _STRINGS,
                "citations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["marker", "number", "url", "title"],
                        "additionalProperties": False,
                        "properties": {
                            "marker": {"type": "string", "description": "as in the text: [N] or [type:N]"},
                            "number": {"type": "integer", "minimum": 0},
                            "url": {"type": ["string", "null"]},
                            "title": {"type": ["string", "null"]},
                        },
                    },
                },
                "usage": {"type": ["object", "null"]},
                "response_id": {"type": ["string", "null"]},
                "model": {"type": ["string", "null"]},
                "sequence_number": {"type": ["integer", "null"], "description": "the last one seen"},
                "sequence_gaps": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "integer"}},
                    "description": "[expected, got] for each sequence number that did not follow the previous one",
                },
                "events": {**_COUNT, "description": "events interpreted (not malformed, ignored or replayed payloads)"},
                "unknown_events": _STRINGS,
                "malformed": {**_COUNT, "description": "payloads that are not JSON or have no string type"},
                "ignored": {**_COUNT, "description": "keep-alives (empty data)"},
                "resumes": _COUNT,
                "replayed": {**_COUNT, "description": "events of a resumed stream dropped as already seen"},
                "done": {"type": "boolean", "description": "a terminal event (or [DONE]) was seen"},
                "salvaged": {"type": "boolean", "description": "the last event had no blank line and was kept"},
            },
        },
    },
}

_IGNORED = frozenset(("description", "title", "$schema", "definitions"))


def _type_ok(value: Any, name: str) -> bool:
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise ValueError(f"unsupported JSON Schema type {name!r}")


def check(value: Any, schema: Dict[str, Any] = SCHEMA, path: str = "$", root: Any = None) -> List[str]:
    """Validate ``value`` against ``schema``; return the problems found (empty = valid)."""
    root = schema if root is None else root
    problems: List[str] = []
    if "$ref" in schema:
        ref = schema["$ref"]
        if not ref.startswith("#/definitions/"):
            raise ValueError(f"unsupported $ref {ref!r}")
        return check(value, root["definitions"][ref[len("#/definitions/") :]], path, root)
    for key in schema:
        if key not in _IGNORED and key not in _KEYWORDS:
            raise ValueError(f"unsupported JSON Schema keyword {key!r}")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, name) for name in names):
            return [f"{path}: expected {' or '.join(names)}, got {type(value).__name__} {_short(value)}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {_short(value)} is not one of {schema['enum']}")
    if "oneOf" in schema:
        results = [check(value, sub, path, root) for sub in schema["oneOf"]]
        matches = sum(1 for r in results if not r)
        if matches != 1:
            if matches == 0:
                # Explain with the form that got furthest: not one rejected for its type alone.
                wrong_type = f"{path}: expected "
                best = min(results, key=lambda r: (len(r) == 1 and r[0].startswith(wrong_type), len(r)))
                problems.append(f"{path}: matches none of the allowed forms ({'; '.join(best)})")
            else:
                problems.append(f"{path}: matches more than one of the allowed forms")
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and "minimum" in schema and value < schema["minimum"]:
        problems.append(f"{path}: {value} is less than {schema['minimum']}")
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            problems.append(f"{path}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{path}: longer than {schema['maxLength']}")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            problems.append(f"{path}: {_short(value)} does not match {schema['pattern']!r}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems.extend(check(item, schema["items"], f"{path}[{index}]", root))
    if isinstance(value, dict):
        props = schema.get("properties", {})
        problems.extend(f"{path}: missing required {key!r}" for key in schema.get("required", ()) if key not in value)
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            where = f"{path}.{key}"
            if key in props:
                problems.extend(check(item, props[key], where, root))
            elif extra is False:
                problems.append(f"{path}: unknown property {key!r}")
            elif isinstance(extra, dict):
                problems.extend(check(item, extra, where, root))
    return problems


_KEYWORDS = frozenset(
    (
        "$ref",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "minimum",
        "minLength",
        "maxLength",
        "pattern",
        "oneOf",
    )
)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
