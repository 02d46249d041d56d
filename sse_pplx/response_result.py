"""What a Responses-family stream delivered: ResponseAccumulator and ResponseResult.

:class:`ResponseAccumulator` takes the decoded JSON object of each event of a Perplexity
Agent API or OpenAI Responses stream and keeps what they add up to; :class:`ResponseResult`
is a snapshot of it.  It knows no SSE, no JSON text and no ``[DONE]``:
:class:`~sse_pplx.responses.ResponseDecoder` decides what is an event and feeds it here.
The event catalogue and the rules are agent-responses-wire.md §3-§10 (``../shared/reference``);
no WHATWG section applies here.

Rules, each from the wire facts or a peer bug:

* Events are told apart by their JSON ``type`` only (§10.1, perplexity-py#53).  An unknown
  type is counted and kept by the decoder, never an error (§10.10).
* Output items are keyed by ``output_index`` (or, from servers that omit it, ``item_id``),
  and content parts by ``content_index``; an item or part that a delta names before any
  ``added`` event is created then (Perplexity sends no ``content_part.added``; resumed
  streams and compatible servers skip events): nothing is ever indexed blindly
  (openai-python#2852, §10.7).  A ``.done`` event's whole text or item replaces what the
  deltas built, except that an empty ``content`` never erases received text.
* A terminal event (``response.completed`` / ``.incomplete`` / ``.failed`` /
  ``.cancelled``) gives the verdict and, when it carries one, the final ``response``,
  whose ``output`` is authoritative unless it is empty (BerriAI/litellm PR #32724).
  Usage is read from whichever terminal came (litellm#34351).
* Errors: an ``error`` event, flat or nested (openai-python#2487), and ``response.failed``
  with the error at the top level (Perplexity) or in ``response.error`` (OpenAI), both make
  the verdict ``failed`` and keep the error; the text and items received stay.
* ``sequence_number`` is never validated, but each gap or regression is recorded (§10.12).
* Perplexity's search activity (``response.reasoning.*`` events, and the final output's
  ``search_results`` / ``fetch_url_results`` items) is collected; ``citations`` maps the
  ``[N]`` / ``[web:N]`` markers of the text to the search result whose ``id`` is N (§4).
"""

from __future__ import annotations

import re

from ._decoding import chain
from .chat_objects import ChatObject
from .response_events import OutputItem, Response, ResponseSearchResult, ResponseUsage, output_text_of

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, List, Optional, Tuple

    from .chat_result import IgnoredPayload, MalformedPayload

    TextListener = Callable[[str], object]

__all__ = ["ResponseAccumulator", "ResponseResult"]

#: The terminal event types and the verdict each gives.
TERMINAL = {
    "response.completed": "completed",
    "response.incomplete": "incomplete",
    "response.failed": "failed",
    "response.cancelled": "cancelled",
}
#: A citation marker in the text: ``[3]`` or ``[web:3]`` (Perplexity's ``[type:index]``).
_MARKER = re.compile(r"\[(?:([A-Za-z_]+):)?(\d+)\]")


class ResponseResult:
    """Everything a Responses-family stream delivered, and how it ended.

    Attributes:
        status: the verdict: ``"completed"``, ``"incomplete"`` (see ``incomplete_reason``),
            ``"failed"`` (see ``error``), ``"cancelled"``, ``"truncated"`` (the stream ended
            without a terminal event), or ``"in_progress"`` while it is still being read.
        incomplete_reason: e.g. ``"max_output_tokens"``, ``"content_filter"``, or None.
        error: the error object as sent (``{"message", "code", ...}``), or None.
        output_text: the answer: every ``output_text`` part of every message, joined.
        output: the output items (the final response's when it has any, else the ones built
            from the events), as :class:`~sse_pplx.response_events.OutputItem` views.
        function_calls: the ``function_call`` items of ``output``.
        search_queries, search_results, fetched, thoughts: Perplexity's search activity,
            from the events and the final output (``fetched``: the fetched pages'
            ``{url, title, snippet}``; ``thoughts``: the reasoning events' ``thought``).
        citations: one entry per distinct marker in ``output_text``, in order:
            ``{"marker", "number", "url", "title"}`` (url and title None when no search
            result has that id).
        usage: from the terminal event's response (or the last snapshot that had one).
        response: the final response object when a terminal event carried one, else None.
        response_id, model: from the first snapshot on; with ``sequence_number`` (the last
            one seen) the cursor to resume from.
        sequence_gaps: ``(expected, got)`` for each sequence number that did not follow the
            previous one (never raised).
        events: how many events were interpreted; ``unknown_events``: the types not known.
        malformed, ignored: payloads that were not events (see the chat layer's records).
        resumes: how many times the stream was resumed; ``replayed``: events dropped on a
            resumed stream because they had been seen before.
        done: a terminal event (or ``[DONE]``) was seen.  warnings: what else was noticed.
        salvaged: the last event arrived without its blank line and was kept.
    """

    __slots__ = (
        "citations",
        "done",
        "error",
        "events",
        "fetched",
        "function_calls",
        "ignored",
        "incomplete_reason",
        "malformed",
        "model",
        "output",
        "output_text",
        "replayed",
        "response",
        "response_id",
        "resumes",
        "salvaged",
        "search_queries",
        "search_results",
        "sequence_gaps",
        "sequence_number",
        "status",
        "thoughts",
        "unknown_events",
        "usage",
        "warnings",
    )
    done: bool
    events: int
    output_text: str
    replayed: int
    resumes: int
    salvaged: bool
    status: str

    def __init__(self) -> None:
        self.status = "in_progress"
        self.incomplete_reason: Optional[str] = None
        self.error: Optional[Dict[str, Any]] = None
        self.output_text = ""
        self.output: List[OutputItem] = []
        self.function_calls: List[OutputItem] = []
        self.search_queries: List[str] = []
        self.search_results: List[ResponseSearchResult] = []
        self.fetched: List[ChatObject] = []
        self.thoughts: List[str] = []
        self.citations: List[Dict[str, Any]] = []
        self.usage: Optional[ResponseUsage] = None
        self.response: Optional[Response] = None
        self.response_id: Optional[str] = None
        self.model: Optional[str] = None
        self.sequence_number: Optional[int] = None
        self.sequence_gaps: List[Tuple[int, int]] = []
        self.events = 0
        self.unknown_events: List[str] = []
        self.malformed: List[MalformedPayload] = []
        self.ignored: List[IgnoredPayload] = []
        self.resumes = 0
        self.replayed = 0
        self.done = False
        self.salvaged = False
        self.warnings: List[str] = []

    @property
    def fetched_urls(self) -> List[str]:
        """The URLs of the fetched pages."""
        return [page["url"] for page in self.fetched if isinstance(page.get("url"), str)]

    def to_dict(self) -> Dict[str, Any]:
        """Everything as plain JSON data (what the conformance fixtures compare)."""
        return {
            "status": self.status,
            "incomplete_reason": self.incomplete_reason,
            "error": self.error,
            "output_text": self.output_text,
            "output": [item.to_dict() for item in self.output],
            "function_calls": [
                {"call_id": call.call_id, "name": call.name, "arguments": call.arguments}
                for call in self.function_calls
            ],
            "search_queries": list(self.search_queries),
            "search_results": [result.to_dict() for result in self.search_results],
            "fetched_urls": self.fetched_urls,
            "thoughts": list(self.thoughts),
            "citations": [dict(citation) for citation in self.citations],
            "usage": None if self.usage is None else self.usage.to_dict(),
            "response_id": self.response_id,
            "model": self.model,
            "sequence_number": self.sequence_number,
            "sequence_gaps": [list(gap) for gap in self.sequence_gaps],
            "events": self.events,
            "unknown_events": list(self.unknown_events),
            "malformed": len(self.malformed),
            "ignored": len(self.ignored),
            "resumes": self.resumes,
            "replayed": self.replayed,
            "done": self.done,
            "salvaged": self.salvaged,
            "warnings": list(self.warnings),
        }

    def __repr__(self) -> str:
        text = self.output_text if len(self.output_text) <= 60 else self.output_text[:57] + "..."
        return (
            f"ResponseResult(status={self.status!r}, output_text={text!r}, response_id={self.response_id!r}, "
            f"sequence_number={self.sequence_number}, events={self.events})"
        )


class _Part:
    """One content part being built: its JSON (without ``text``) and the text's pieces."""

    __slots__ = ("data", "pieces")

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data
        self.pieces: List[str] = []


class _Item:
    """One output item being built: its JSON, its parts by ``content_index`` and, for a
    function call, the argument pieces."""

    __slots__ = ("arguments", "data", "parts")

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data
        self.parts: Dict[int, _Part] = {}
        self.arguments: List[str] = []

    def part(self, index: Any, kind: str) -> _Part:
        """The part at ``index`` (0 when absent or not an int), created when none came."""
        if type(index) is not int:
            index = 0
        part = self.parts.get(index)
        if part is None:
            part = self.parts[index] = _Part(
                {"type": kind, "annotations": []} if kind == "output_text" else {"type": kind}
            )
        return part

    def replace(self, data: Dict[str, Any]) -> None:
        """An ``output_item.done`` (or ``added``) item: its fields win; its content parts too,
        unless it has none and text was received."""
        content = data.get("content")
        if type(content) is list and content:
            self.parts = {}
            for index, part in enumerate(content):
                if type(part) is dict:
                    built = _Part({key: value for key, value in part.items() if key != "text"})
                    if type(part.get("text")) is str:
                        built.pieces = [part["text"]]
                    self.parts[index] = built
        arguments = data.get("arguments")
        if type(arguments) is str and (arguments or not self.arguments):
            self.arguments = [arguments]
        self.data = {key: value for key, value in data.items() if key not in ("content", "arguments")}

    def built(self) -> Dict[str, Any]:
        """The item as JSON."""
        item = dict(self.data)
        if item.get("type") == "message" or self.parts:
            content = []
            for index in sorted(self.parts):
                part = self.parts[index]
                whole = dict(part.data)
                if whole.get("type") in ("output_text", "reasoning_text", "summary_text"):
                    whole["text"] = "".join(part.pieces)
                elif whole.get("type") == "refusal":
                    whole["refusal"] = "".join(part.pieces)
                content.append(whole)
            item["content"] = content
        if item.get("type") == "function_call" or self.arguments:
            item["arguments"] = "".join(self.arguments)
        return item


class ResponseAccumulator:
    """Adds up the decoded events of one Responses-family stream (rules: the module docstring).

    Args:
        on_text: called with each piece of the answer (``response.output_text.delta``).
    """

    received: ResponseResult

    def __init__(self, on_text: Optional[TextListener] = None) -> None:
        #: The result being filled in (the decoder adds ``malformed``, ``ignored``, ...).
        self.received = ResponseResult()
        self._items: Dict[int, _Item] = {}
        self._item_ids: Dict[str, int] = {}
        self._search: Dict[Any, Dict[str, Any]] = {}
        self._final: Optional[Dict[str, Any]] = None
        self._snapshot: Optional[Dict[str, Any]] = None
        self._on_text = on_text
        self._handlers: Dict[str, Callable[[Dict[str, Any]], None]] = {
            "response.output_text.delta": self._text_delta,
            "response.output_text.done": self._text_done,
            "response.output_item.added": self._item_event,
            "response.output_item.done": self._item_event,
            "response.content_part.added": self._part_event,
            "response.content_part.done": self._part_event,
            "response.output_text.annotation.added": self._annotation,
            "response.refusal.delta": self._refusal_delta,
            "response.refusal.done": self._refusal_done,
            "response.function_call_arguments.delta": self._arguments_delta,
            "response.function_call_arguments.done": self._arguments_done,
            "response.created": self._snapshot_event,
            "response.queued": self._snapshot_event,
            "response.in_progress": self._snapshot_event,
            "response.completed": self._terminal,
            "response.incomplete": self._terminal,
            "response.failed": self._terminal,
            "response.cancelled": self._terminal,
            "error": self._error_event,
            "response.reasoning.started": self._thought,
            "response.reasoning.stopped": self._thought,
            "response.reasoning.search_queries": self._search_queries,
            "response.reasoning.search_results": self._search_results,
            "response.reasoning.fetch_url_queries": self._thought,
            "response.reasoning.fetch_url_results": self._fetch_results,
            "response.sandbox.results": self._thought,
            "response.reasoning_text.delta": self._reasoning_delta,
            "response.reasoning_text.done": self._reasoning_done,
            "response.reasoning_summary_text.delta": self._reasoning_delta,
            "response.reasoning_summary_text.done": self._reasoning_done,
            "response.reasoning_summary_part.added": self._known,
            "response.reasoning_summary_part.done": self._known,
        }

    def add_text_listener(self, listener: TextListener) -> None:
        """Call ``listener(text)`` with each piece of the answer as it arrives."""
        self._on_text = chain(self._on_text, listener)

    # -- events in (the per-event hot path) ---------------------------------

    def add_event(self, event: Dict[str, Any]) -> bool:
        """Accumulate one event's JSON object (its ``type`` a str).  Returns whether the type is known."""
        received = self.received
        received.events += 1
        sequence = event.get("sequence_number")
        if type(sequence) is int:
            last = received.sequence_number
            if last is not None and sequence != last + 1:
                received.sequence_gaps.append((last + 1, sequence))
            received.sequence_number = sequence
        kind = event["type"]
        if kind == "response.output_text.delta":
            # The answer's pieces, nearly every event of a run: _text_delta inlined for the
            # item and part already known (benchmarks/bench_responses.py: about 0.1 µs an event).
            delta = event.get("delta")
            index = event.get("output_index")
            item = self._items.get(index) if type(index) is int else None
            part = None if item is None else item.parts.get(event.get("content_index"))  # type: ignore[arg-type]
            if part is None or type(delta) is not str:
                self._text_delta(event)
                return True
            part.pieces.append(delta)
            if self._on_text is not None and delta:
                self._on_text(delta)
            return True
        handler = self._handlers.get(kind)
        if handler is None:
            received.unknown_events.append(kind)
            return False
        handler(event)
        return True

    def _index_of(self, index: Any, item_id: Any) -> int:
        """Where an item sits: its ``output_index``, else the index its ``item_id`` was seen
        at, else the next free one (servers that omit ``output_index``: tontinton/maki#514)."""
        if type(index) is int:
            return index
        known = self._item_ids.get(item_id) if isinstance(item_id, str) else None
        return max(self._items, default=-1) + 1 if known is None else known

    def _item(self, event: Dict[str, Any], kind: str) -> _Item:
        """The item an event names, by ``output_index`` or else ``item_id``; created when unknown."""
        item_id = event.get("item_id")
        index = self._index_of(event.get("output_index"), item_id)
        item = self._items.get(index)
        if item is None:
            data: Dict[str, Any] = {"type": kind}
            if isinstance(item_id, str):
                data["id"] = item_id
            if kind == "message":
                data["role"] = "assistant"
            item = self._items[index] = _Item(data)
            if isinstance(item_id, str):
                self._item_ids[item_id] = index
        return item

    def _text_delta(self, event: Dict[str, Any]) -> None:
        delta = event.get("delta")
        if type(delta) is str:
            self._item(event, "message").part(event.get("content_index"), "output_text").pieces.append(delta)
            if self._on_text is not None and delta:
                self._on_text(delta)

    def _text_done(self, event: Dict[str, Any]) -> None:
        text = event.get("text")
        if type(text) is str:
            part = self._item(event, "message").part(event.get("content_index"), "output_text")
            if text != "".join(part.pieces):
                if part.pieces:
                    self.received.warnings.append(
                        "an output_text.done text differed from its deltas; the done text is kept"
                    )
                part.pieces = [text]

    def _refusal_delta(self, event: Dict[str, Any]) -> None:
        delta = event.get("delta")
        if type(delta) is str:
            self._item(event, "message").part(event.get("content_index"), "refusal").pieces.append(delta)

    def _refusal_done(self, event: Dict[str, Any]) -> None:
        refusal = event.get("refusal")
        if type(refusal) is str:
            self._item(event, "message").part(event.get("content_index"), "refusal").pieces = [refusal]

    def _reasoning_delta(self, event: Dict[str, Any]) -> None:
        """OpenAI's reasoning text (``content_index``) or its summary (``summary_index``), kept
        as parts of the reasoning item (summaries after the content, by their index)."""
        delta = event.get("delta")
        if type(delta) is str:
            self._reasoning_part(event).pieces.append(delta)

    def _reasoning_done(self, event: Dict[str, Any]) -> None:
        text = event.get("text")
        if type(text) is str:
            self._reasoning_part(event).pieces = [text]

    def _reasoning_part(self, event: Dict[str, Any]) -> _Part:
        item = self._item(event, "reasoning")
        summary = event.get("summary_index")
        if type(summary) is int:
            return item.part(1000 + summary, "summary_text")
        return item.part(event.get("content_index"), "reasoning_text")

    def _known(self, event: Dict[str, Any]) -> None:
        """A known event that adds nothing the result keeps (its JSON is delivered as it is)."""

    def _item_event(self, event: Dict[str, Any]) -> None:
        data = event.get("item")
        if type(data) is not dict:
            return
        item_id = data.get("id")
        index = self._index_of(event.get("output_index"), item_id)
        item = self._items.get(index)
        if item is None:
            item = self._items[index] = _Item({})
        item.replace(data)
        if isinstance(item_id, str):
            self._item_ids[item_id] = index
        if data.get("type") == "search_results":
            self._add_search(data.get("queries"), data.get("results"))
        elif data.get("type") == "fetch_url_results":
            self._add_fetched(data.get("contents"))

    def _part_event(self, event: Dict[str, Any]) -> None:
        data = event.get("part")
        if type(data) is not dict:
            return
        kind: str = data["type"] if isinstance(data.get("type"), str) else "output_text"
        part = self._item(event, "message").part(event.get("content_index"), kind)
        part.data = {key: value for key, value in data.items() if key not in ("text", "refusal")}
        text = data.get("text", data.get("refusal"))
        if type(text) is str and (text or not part.pieces):
            part.pieces = [text] if text else []

    def _annotation(self, event: Dict[str, Any]) -> None:
        annotation = event.get("annotation")
        if annotation is not None:
            part = self._item(event, "message").part(event.get("content_index"), "output_text")
            annotations = part.data.get("annotations")
            part.data["annotations"] = [*annotations, annotation] if type(annotations) is list else [annotation]

    def _arguments_delta(self, event: Dict[str, Any]) -> None:
        delta = event.get("delta")
        if type(delta) is str:
            self._item(event, "function_call").arguments.append(delta)

    def _arguments_done(self, event: Dict[str, Any]) -> None:
        item = self._item(event, "function_call")
        arguments = event.get("arguments")
        if type(arguments) is str:
            item.arguments = [arguments]
        if isinstance(event.get("name"), str):
            item.data["name"] = event["name"]

    def _snapshot_event(self, event: Dict[str, Any]) -> None:
        response = event.get("response")
        if type(response) is dict:
            self._snapshot = response
            self._identify(response)

    def _identify(self, response: Dict[str, Any]) -> None:
        received = self.received
        if isinstance(response.get("id"), str):
            received.response_id = response["id"]
        if isinstance(response.get("model"), str):
            received.model = response["model"]
        if type(response.get("usage")) is dict:
            received.usage = ResponseUsage(response["usage"])

    def _terminal(self, event: Dict[str, Any]) -> None:
        received = self.received
        received.status = TERMINAL[event["type"]]
        received.done = True
        response = event.get("response")
        if type(response) is dict:
            self._final = response
            self._identify(response)
            details = response.get("incomplete_details")
            if type(details) is dict and isinstance(details.get("reason"), str):
                received.incomplete_reason = details["reason"]
            if type(response.get("error")) is dict:
                received.error = response["error"]
        if type(event.get("error")) is dict:  # Perplexity: at the top level
            received.error = event["error"]

    def _error_event(self, event: Dict[str, Any]) -> None:
        nested = event.get("error")
        if type(nested) is dict:
            error = nested
        else:
            error = {key: event[key] for key in ("code", "message", "param") if key in event}
            if not error and nested is not None:
                error = {"message": str(nested)}
        received = self.received
        received.error = error
        received.status = "failed"

    def _thought(self, event: Dict[str, Any]) -> None:
        thought = event.get("thought")
        if isinstance(thought, str) and thought:
            self.received.thoughts.append(thought)

    def _search_queries(self, event: Dict[str, Any]) -> None:
        self._thought(event)
        self._add_search(event.get("queries"), None)

    def _search_results(self, event: Dict[str, Any]) -> None:
        self._thought(event)
        self._add_search(None, event.get("results"))

    def _fetch_results(self, event: Dict[str, Any]) -> None:
        self._thought(event)
        self._add_fetched(event.get("contents"))

    def _add_search(self, queries: Any, results: Any) -> None:
        received = self.received
        if type(queries) is list:
            for query in queries:
                if isinstance(query, str) and query not in received.search_queries:
                    received.search_queries.append(query)
        if type(results) is list:
            for result in results:
                if type(result) is dict:
                    key = result.get("id") if type(result.get("id")) is int else result.get("url")
                    if key not in self._search:
                        self._search[key] = result
                        received.search_results.append(ResponseSearchResult(result))

    def _add_fetched(self, contents: Any) -> None:
        if type(contents) is list:
            fetched = self.received.fetched
            known = {page.get("url") for page in fetched}
            for page in contents:
                if type(page) is dict and page.get("url") not in known:
                    fetched.append(ChatObject(page))
                    known.add(page.get("url"))

    # -- the result ---------------------------------------------------------

    def snapshot(self, status: Optional[str] = None) -> ResponseResult:
        """A copy of everything received so far; ``status`` overrides the verdict (``"truncated"``)."""
        received = self.received
        result = ResponseResult()
        for name in ResponseResult.__slots__:
            value = getattr(received, name)
            setattr(result, name, list(value) if type(value) is list else value)
        if status is not None:
            result.status = status
        built = [self._items[index].built() for index in sorted(self._items)]
        final = self._final
        final_output = final.get("output") if final is not None else None
        if type(final_output) is list and final_output:
            output = [item for item in final_output if type(item) is dict]
            final_text = output_text_of(output)
            built_text = output_text_of(built)
            if built_text and final_text != built_text:
                result.warnings.append(
                    "the final response's text differs from the streamed text; the final one is kept"
                )
        else:
            output = built
        if final is not None:
            result.response = Response(final)
            for item in output:  # search activity the events did not bring
                if item.get("type") == "search_results":
                    self._add_search_to(result, item)
                elif item.get("type") == "fetch_url_results" and type(item.get("contents")) is list:
                    known = {page.get("url") for page in result.fetched}
                    result.fetched.extend(
                        ChatObject(page)
                        for page in item["contents"]
                        if type(page) is dict and page.get("url") not in known
                    )
        result.output = [OutputItem(item) for item in output]
        result.function_calls = [item for item in result.output if item.type == "function_call"]
        result.output_text = output_text_of(output)
        result.citations = _citations(result.output_text, result.search_results)
        return result

    def _add_search_to(self, result: ResponseResult, item: Dict[str, Any]) -> None:
        queries = item.get("queries")
        if type(queries) is list:
            for query in queries:
                if isinstance(query, str) and query not in result.search_queries:
                    result.search_queries.append(query)
        results = item.get("results")
        if type(results) is list:
            known = {(r.get("id") if type(r.get("id")) is int else r.get("url")) for r in result.search_results}
            for found in results:
                if type(found) is dict:
                    key = found.get("id") if type(found.get("id")) is int else found.get("url")
                    if key not in known:
                        known.add(key)
                        result.search_results.append(ResponseSearchResult(found))


def _citations(text: str, results: List[ResponseSearchResult]) -> List[Dict[str, Any]]:
    """Each distinct ``[N]`` / ``[web:N]`` marker of ``text``, in order, with the search result
    whose ``id`` is N (by position, 1-based, when no result has an id)."""
    if "[" not in text:
        return []
    by_id: Dict[int, ResponseSearchResult] = {}
    for position, found in enumerate(results, 1):
        number = found.get("id")
        by_id.setdefault(number if type(number) is int else position, found)
    citations = []
    seen = set()
    for match in _MARKER.finditer(text):
        marker = match.group(0)
        if marker in seen:
            continue
        seen.add(marker)
        number = int(match.group(2))
        cited = by_id.get(number)
        citations.append(
            {
                "marker": marker,
                "number": number,
                "url": None if cited is None else cited.get("url"),
                "title": None if cited is None else cited.get("title"),
            }
        )
    return citations
