"""Typed events of the Responses family (Perplexity's Agent API, OpenAI's Responses API).

Each SSE event of ``POST /v1/agent`` or ``POST /v1/responses`` carries one JSON object
whose ``type`` names the event (agent-responses-wire.md §3 in ``../shared/reference``).
:func:`event_view` wraps that object in the class its ``type`` belongs to, read-only and
without validation, as the official SDKs' models read (``event.type``, ``event.delta``,
``event.sequence_number``, ``event.item``, ``event.response.usage``): an absent field
that the class declares reads as None, a key the server sent that no class declares
stays reachable (``event.obfuscation``, ``event["x"]``, ``to_dict()``), and any other
name raises ``AttributeError`` (:class:`~sse_pplx.chat_objects.ChatObject`'s rule).
An unknown ``type`` is an :class:`UnknownResponseEvent`: kept with its raw JSON, never
an error (§10.10: Perplexity names ``response.unknown``, both SDKs keep unknown types).

The classes group the event types by shape; each class lists the fields its events
carry.  Nothing here decides anything: :mod:`sse_pplx.response_result` accumulates, and
:mod:`sse_pplx.responses` decodes bytes.
"""

from __future__ import annotations

from .chat_objects import ChatObject, _field, _new_object, _set_data

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, ClassVar, Dict, List, Optional, Type

__all__ = [
    "ContentPartEvent",
    "FunctionCallArgumentsEvent",
    "OutputItem",
    "OutputItemEvent",
    "Response",
    "ResponseCost",
    "ResponseErrorEvent",
    "ResponseEvent",
    "ResponseLifecycleEvent",
    "ResponseSearchResult",
    "ResponseUsage",
    "SearchActivityEvent",
    "TextDeltaEvent",
    "TextDoneEvent",
    "UnknownResponseEvent",
    "event_view",
]


class ResponseSearchResult(ChatObject):
    """One of Perplexity's search results (PSPEC ``SearchResult``): ``id`` is the citation
    number the text's ``[N]`` / ``[web:N]`` markers refer to."""

    __slots__ = ()
    id: Optional[int]
    url: Optional[str]
    title: Optional[str]
    snippet: Optional[str]
    date: Optional[str]
    last_updated: Optional[str]
    source: Optional[str]


class ResponseCost(ChatObject):
    """``usage.cost`` of a Perplexity agent run, in ``currency`` (USD)."""

    __slots__ = ()
    currency: Optional[str]
    input_cost: Optional[float]
    output_cost: Optional[float]
    total_cost: Optional[float]
    cache_creation_cost: Optional[float]
    cache_read_cost: Optional[float]
    tool_calls_cost: Optional[float]


class ResponseUsage(ChatObject):
    """Token counts; on Perplexity also ``cost`` (USD) and ``tool_calls_details``."""

    __slots__ = ()
    input_tokens: Optional[int]
    output_tokens: Optional[int]
    total_tokens: Optional[int]
    input_tokens_details: Optional[ChatObject]
    output_tokens_details: Optional[ChatObject]
    tool_calls_details: Optional[ChatObject]
    cost: Optional[ResponseCost] = _field("cost", ResponseCost)


class OutputItem(ChatObject):
    """One item of a response's ``output``: a ``message`` (``content`` parts), a
    ``function_call`` (``call_id``, ``name``, ``arguments``), ``search_results``
    (``queries``, ``results``), ``fetch_url_results`` (``contents``), a ``reasoning``
    item, or another tool's item."""

    __slots__ = ()
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {"results": ResponseSearchResult}
    type: Optional[str] = _field("type")
    id: Optional[str] = _field("id")
    role: Optional[str]
    status: Optional[str]
    content: Optional[List[ChatObject]]
    call_id: Optional[str]
    name: Optional[str]
    arguments: Optional[str]
    queries: Optional[List[str]]
    results: Optional[List[ResponseSearchResult]] = _field("results", ResponseSearchResult, many=True)
    contents: Optional[List[ChatObject]]
    summary: Optional[List[ChatObject]]
    encrypted_content: Optional[str]
    output: Any
    error: Any
    server_label: Optional[str]
    tools: Optional[List[ChatObject]]


class Response(ChatObject):
    """The response object (``event.response``, ``stream=False``'s answer, a retrieve)."""

    __slots__ = ()
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {"output": OutputItem, "usage": ResponseUsage}
    id: Optional[str] = _field("id")
    object: Optional[str]
    created_at: Optional[int]
    completed_at: Optional[int]
    status: Optional[str] = _field("status")
    model: Optional[str] = _field("model")
    error: Optional[ChatObject]
    incomplete_details: Optional[ChatObject]
    background: Optional[bool]
    output: Optional[List[OutputItem]] = _field("output", OutputItem, many=True)
    usage: Optional[ResponseUsage] = _field("usage", ResponseUsage)
    instructions: Any
    metadata: Optional[ChatObject]
    previous_response_id: Optional[str]
    max_output_tokens: Optional[int]
    parallel_tool_calls: Optional[bool]
    reasoning: Optional[ChatObject]
    service_tier: Optional[str]
    store: Optional[bool]
    temperature: Optional[float]
    text: Optional[ChatObject]
    tool_choice: Any
    tools: Optional[List[ChatObject]]
    top_p: Optional[float]
    truncation: Optional[str]
    user: Optional[str]

    @property
    def output_text(self) -> str:
        """The text of every ``output_text`` part of every message, joined (the SDKs' ``output_text``)."""
        return output_text_of(self._data.get("output"))


def output_text_of(output: Any) -> str:
    """The joined ``output_text`` parts of the messages in an ``output`` list (malformed parts skipped)."""
    pieces: List[str] = []
    if type(output) is list:
        for item in output:
            if type(item) is dict and item.get("type") == "message" and type(item.get("content")) is list:
                pieces.extend(
                    part["text"]
                    for part in item["content"]
                    if type(part) is dict and part.get("type") == "output_text" and type(part.get("text")) is str
                )
    return "".join(pieces)


class ResponseEvent(ChatObject):
    """One event of a Responses-family stream.  Every event has ``type`` and (on both
    vendors) ``sequence_number``; the subclasses say which other fields their types carry.
    All fields read as None when absent; ``to_dict()`` is the JSON as sent."""

    __slots__ = ()
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {
        "response": Response,
        "item": OutputItem,
        "results": ResponseSearchResult,
        "usage": ResponseUsage,
    }
    type: str = _field("type")
    sequence_number: Optional[int] = _field("sequence_number")


class ResponseLifecycleEvent(ResponseEvent):
    """``response.created`` / ``.queued`` / ``.in_progress`` (a snapshot) and the terminal
    ``response.completed`` / ``.incomplete`` / ``.failed`` / ``.cancelled`` (the full response).
    Perplexity's ``response.failed`` has ``error`` at the top level and may have no ``response``."""

    __slots__ = ()
    response: Optional[Response] = _field("response", Response)
    error: Optional[ChatObject]


class OutputItemEvent(ResponseEvent):
    """``response.output_item.added`` / ``.done``: ``item`` at ``output_index``."""

    __slots__ = ()
    item: Optional[OutputItem] = _field("item", OutputItem)
    output_index: Optional[int] = _field("output_index")


class ContentPartEvent(ResponseEvent):
    """``response.content_part.added`` / ``.done`` (OpenAI; Perplexity sends none)."""

    __slots__ = ()
    item_id: Optional[str] = _field("item_id")
    output_index: Optional[int] = _field("output_index")
    content_index: Optional[int] = _field("content_index")
    part: Optional[ChatObject]


class TextDeltaEvent(ResponseEvent):
    """A piece of text: ``response.output_text.delta`` (the answer), ``response.refusal.delta``,
    ``response.reasoning_text.delta``, ``response.reasoning_summary_text.delta``."""

    __slots__ = ()
    delta: Optional[str] = _field("delta")
    item_id: Optional[str] = _field("item_id")
    output_index: Optional[int] = _field("output_index")
    content_index: Optional[int] = _field("content_index")
    summary_index: Optional[int]
    logprobs: Any


class TextDoneEvent(ResponseEvent):
    """The whole of a text: ``response.output_text.done`` (``text``), ``response.refusal.done``
    (``refusal``), the reasoning texts' ``.done``; and ``response.output_text.annotation.added``
    (``annotation``, ``annotation_index``)."""

    __slots__ = ()
    text: Optional[str] = _field("text")
    refusal: Optional[str]
    item_id: Optional[str] = _field("item_id")
    output_index: Optional[int] = _field("output_index")
    content_index: Optional[int] = _field("content_index")
    annotation: Optional[ChatObject]
    annotation_index: Optional[int]


class FunctionCallArgumentsEvent(ResponseEvent):
    """``response.function_call_arguments.delta`` / ``.done`` (OpenAI; on Perplexity the
    ``function_call`` item of ``output_item.added`` holds the arguments whole)."""

    __slots__ = ()
    delta: Optional[str] = _field("delta")
    arguments: Optional[str] = _field("arguments")
    name: Optional[str]
    item_id: Optional[str] = _field("item_id")
    output_index: Optional[int] = _field("output_index")


class SearchActivityEvent(ResponseEvent):
    """Perplexity's ``response.reasoning.*`` events: ``started`` / ``stopped`` (``thought``),
    ``search_queries`` (``queries``), ``search_results`` (``results``), ``fetch_url_queries``
    (``urls``), ``fetch_url_results`` (``contents``); and ``response.sandbox.results``."""

    __slots__ = ()
    thought: Optional[str]
    queries: Optional[List[str]]
    results: Optional[List[ResponseSearchResult]] = _field("results", ResponseSearchResult, many=True)
    urls: Optional[List[str]]
    contents: Optional[List[ChatObject]]
    usage: Optional[ResponseUsage] = _field("usage", ResponseUsage)


class ResponseErrorEvent(ResponseEvent):
    """``type: "error"``.  Documented flat (``code``, ``message``, ``param``); OpenAI's live
    API nests them in ``error`` (openai-python#2487, openai-dotnet#881): :attr:`message`,
    :attr:`code` and :attr:`param` read whichever was sent."""

    __slots__ = ()
    error: Optional[ChatObject]

    def _part(self, name: str) -> Any:
        nested = self._data.get("error")
        if type(nested) is dict and name in nested:
            return nested[name]
        return self._data.get(name)

    @property
    def message(self) -> Optional[str]:
        """The error's message (nested or flat)."""
        value = self._part("message")
        return value if isinstance(value, str) else None

    @property
    def code(self) -> Any:
        """The error's code (nested or flat), as sent."""
        return self._part("code")

    @property
    def param(self) -> Any:
        """The error's ``param`` (nested or flat)."""
        return self._part("param")


class UnknownResponseEvent(ResponseEvent):
    """An event whose ``type`` this version does not know: its JSON is kept as sent."""

    __slots__ = ()


#: The class of each known ``type``.
EVENT_CLASSES: Dict[str, Type[ResponseEvent]] = {}
for _name in ("created", "queued", "in_progress", "completed", "incomplete", "failed", "cancelled"):
    EVENT_CLASSES["response." + _name] = ResponseLifecycleEvent
for _name in ("output_item.added", "output_item.done"):
    EVENT_CLASSES["response." + _name] = OutputItemEvent
for _name in ("content_part.added", "content_part.done"):
    EVENT_CLASSES["response." + _name] = ContentPartEvent
for _name in ("output_text", "refusal", "reasoning_text", "reasoning_summary_text"):
    EVENT_CLASSES[f"response.{_name}.delta"] = TextDeltaEvent
    EVENT_CLASSES[f"response.{_name}.done"] = TextDoneEvent
EVENT_CLASSES["response.output_text.annotation.added"] = TextDoneEvent
for _name in ("delta", "done"):
    EVENT_CLASSES["response.function_call_arguments." + _name] = FunctionCallArgumentsEvent
for _name in (
    "started",
    "stopped",
    "search_queries",
    "search_results",
    "fetch_url_queries",
    "fetch_url_results",
):
    EVENT_CLASSES["response.reasoning." + _name] = SearchActivityEvent
EVENT_CLASSES["response.sandbox.results"] = SearchActivityEvent
EVENT_CLASSES["error"] = ResponseErrorEvent
del _name


def event_view(data: Dict[str, Any]) -> ResponseEvent:
    """The typed view of one event's JSON object (its ``type`` picks the class)."""
    view: ResponseEvent = _new_object(EVENT_CLASSES.get(data.get("type"), UnknownResponseEvent))  # type: ignore[arg-type]
    _set_data(view, data)
    return view
