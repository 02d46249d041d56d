"""What a chat stream delivered, and how its chunks add up: ChatResult and ChatAccumulator.

:class:`ChatAccumulator` takes decoded chunks (JSON objects of the OpenAI /
Perplexity chunk shape) and keeps what they add up to; :class:`ChatResult` is a
snapshot of it.  Neither knows SSE, JSON text, ``[DONE]`` or in-band errors:
:class:`~sse_pplx.chat.ChatDecoder` decides what is a chunk, feeds it here and
fills in how the stream ended.  The chunk shape and which fields arrive in
which chunks are perplexity-wire.md §3-§5 (``../shared/reference``); no WHATWG
section applies here.

Rules, each from the wire facts or a peer bug:

* Content is the concatenation of ``delta.content``; a cumulative
  ``message.content`` fills in when a chunk has no delta, and is cross-checked
  at the end (:meth:`ChatAccumulator.finish`).
* ``citations``, ``search_results``, ``images`` and ``related_questions`` are
  the last non-empty value seen, never appended (pydantic/pydantic-ai#996,
  langchain-ai/langchain#39924); ``usage`` is the last one (it is cumulative).
* Tool-call deltas merge by ``index`` as openai-python's ``accumulate_delta``
  does (strings concatenate; ``index``, ``id`` and ``type`` are replaced).
* Reasoning: a leading ``<think>…</think>`` in the content (Perplexity's
  reasoning models) and ``reasoning_content`` / ``reasoning`` delta fields
  (DeepSeek, vLLM and other OpenAI-compatible servers) go to
  ``result.reasoning``; ``result.answer`` is the content without the think
  block; ``result.content`` stays exactly what was sent.
* Decoded JSON may nest about as deep as the recursion limit: nothing here
  recurses over it (:func:`_copy_json`, :func:`_merge_delta`).
"""

from __future__ import annotations

from ._decoding import chain
from ._reasoning import ThinkSplitter
from .chat_objects import ChatCompletion, Image, SearchResult, ToolCall, Usage

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

    TextListener = Callable[[str], object]

__all__ = ["ChatAccumulator", "ChatResult", "IgnoredPayload", "MalformedPayload"]

#: Tool-call fields that a delta replaces instead of extending (openai-python's accumulate_delta).
_REPLACED_KEYS = frozenset({"index", "id", "type"})


class MalformedPayload:
    """A ``data`` payload that looked like JSON but did not parse: kept, never dropped.

    Attributes:
        index: the event's position in the stream (0-based).
        data: the payload exactly as received.
        event: the event type it came with.
        reason: why it was not accepted.
    """

    __slots__ = ("data", "event", "index", "reason")
    data: str
    event: str
    index: int
    reason: str

    def __init__(self, index: int, data: str, event: str, reason: str) -> None:
        self.index = index
        self.data = data
        self.event = event
        self.reason = reason

    def _key(self) -> Tuple[int, str, str, str]:
        return (self.index, self.data, self.event, self.reason)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._key())

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(index={self.index}, data={self.data!r}, event={self.event!r}, "
            f"reason={self.reason!r})"
        )


class IgnoredPayload(MalformedPayload):
    """A non-JSON payload that is not an error (a keep-alive ping, an empty ``data:``)."""

    __slots__ = ()


class ChatResult:
    """Everything a chat stream delivered, and how it ended.

    Attributes:
        content: the text as sent (all ``delta.content`` of choice 0, in order).
        answer: ``content`` without a leading ``<think>…</think>`` block.
        reasoning: the think block's text plus any ``reasoning_content`` / ``reasoning`` deltas.
        reasoning_closed: False when a ``<think>`` block never got its ``</think>``.
        role, finish_reason, id, model, created, object: from the chunks (the last non-null).
        citations, search_results, images, related_questions: the last non-empty value seen.
        usage: the last usage seen (Perplexity's is cumulative), or None.
        tool_calls: tool calls of choice 0, merged from their deltas by index.
        choices: per choice index: ``{"index", "content", "finish_reason", "tool_calls"}``.
        outcome: "done", "finished", "truncated" or "error" (see the module doc).
        done: a ``[DONE]`` (or ``done`` event) was seen.
        error: the error body when outcome is "error", else None.
        malformed: :class:`MalformedPayload` records, in order.
        ignored: :class:`IgnoredPayload` records (pings and other non-JSON payloads).
        salvaged: the last event arrived without its blank line and was kept.
        chunks: how many chunks were decoded.
        events: how many SSE events were read.
        warnings: anything odd that was noticed but did not stop the stream.
    """

    __slots__ = (
        "_choices",
        "_citations",
        "_images",
        "_related_questions",
        "_search_results",
        "_tool_calls",
        "_usage",
        "answer",
        "chunks",
        "content",
        "created",
        "done",
        "error",
        "events",
        "finish_reason",
        "id",
        "ignored",
        "malformed",
        "model",
        "object",
        "outcome",
        "reasoning",
        "reasoning_closed",
        "role",
        "salvaged",
        "warnings",
    )
    answer: str
    chunks: int
    content: str
    done: bool
    events: int
    outcome: str
    reasoning: str
    reasoning_closed: bool
    salvaged: bool

    def __init__(self) -> None:
        self.content = ""
        self.answer = ""
        self.reasoning = ""
        self.reasoning_closed = True
        self.role: Optional[str] = None
        self.finish_reason: Optional[str] = None
        self.id: Optional[str] = None
        self.model: Optional[str] = None
        self.created: Optional[int] = None
        self.object: Optional[str] = None
        # None yet: one shared empty tuple, replaced (never appended to) when a value arrives;
        # an empty list each would cost 56 bytes per open stream (bench_scale.py, issue 17).
        self._citations: Sequence[Any] = ()
        self._search_results: Sequence[Any] = ()
        self._images: Sequence[Any] = ()
        self._related_questions: Sequence[Any] = ()
        self._usage: Optional[Dict[str, Any]] = None
        self._tool_calls: Sequence[Dict[str, Any]] = ()
        self._choices: Sequence[Dict[str, Any]] = ()
        self.outcome = "truncated"
        self.done = False
        self.error: Any = None
        self.malformed: List[MalformedPayload] = []
        self.ignored: List[IgnoredPayload] = []
        self.salvaged = False
        self.chunks = 0
        self.events = 0
        self.warnings: List[str] = []

    @property
    def citations(self) -> List[str]:
        return list(self._citations)

    @property
    def search_results(self) -> List[SearchResult]:
        return [SearchResult(item) for item in self._search_results if type(item) is dict]

    @property
    def images(self) -> List[Image]:
        return [Image(item) for item in self._images if type(item) is dict]

    @property
    def related_questions(self) -> List[str]:
        return list(self._related_questions)

    @property
    def usage(self) -> Optional[Usage]:
        return None if self._usage is None else Usage(self._usage)

    @property
    def tool_calls(self) -> List[ToolCall]:
        return [ToolCall(call) for call in self._tool_calls]

    @property
    def choices(self) -> List[Dict[str, Any]]:
        return [dict(choice) for choice in self._choices]

    def to_completion(self) -> ChatCompletion:
        """The result as a non-streamed completion object (OpenAI shape, Perplexity metadata kept)."""
        message: Dict[str, Any] = {"role": self.role or "assistant", "content": self.content}
        if self._tool_calls:
            message["tool_calls"] = [dict(call) for call in self._tool_calls]
        if self.reasoning:
            message["reasoning_content"] = self.reasoning
        completion: Dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish_reason}],
            "usage": self._usage,
        }
        for key in ("citations", "search_results", "images", "related_questions"):
            value = getattr(self, "_" + key)
            if value:
                completion[key] = list(value)
        return ChatCompletion(completion)

    def to_dict(self) -> Dict[str, Any]:
        """Everything as plain JSON-compatible data."""
        return {
            "outcome": self.outcome,
            "done": self.done,
            "content": self.content,
            "answer": self.answer,
            "reasoning": self.reasoning,
            "reasoning_closed": self.reasoning_closed,
            "role": self.role,
            "finish_reason": self.finish_reason,
            "id": self.id,
            "model": self.model,
            "created": self.created,
            "object": self.object,
            "citations": list(self._citations),
            "search_results": list(self._search_results),
            "images": list(self._images),
            "related_questions": list(self._related_questions),
            "usage": self._usage,
            "tool_calls": [dict(call) for call in self._tool_calls],
            "error": self.error,
            "malformed": [list(record) for record in self.malformed],
            "ignored": [list(record) for record in self.ignored],
            "salvaged": self.salvaged,
            "chunks": self.chunks,
            "events": self.events,
            "warnings": list(self.warnings),
        }

    def __repr__(self) -> str:
        text = self.content if len(self.content) <= 60 else self.content[:57] + "..."
        return (
            f"ChatResult(outcome={self.outcome!r}, content={text!r}, finish_reason={self.finish_reason!r}, "
            f"citations={len(self._citations)}, search_results={len(self._search_results)}, "
            f"chunks={self.chunks}, malformed={len(self.malformed)})"
        )


class ChatAccumulator:
    """Adds up decoded chat chunks into a :class:`ChatResult` (see the module docstring for the rules).

    Args:
        on_content: called with each piece of the answer (content outside ``<think>``).
        on_reasoning: called with each piece of reasoning.
        on_search_results: called with the search results when they arrive or change.
    """

    __slots__ = (
        "_answer_is_plain",
        "_answer_parts",
        "_choices",
        "_on_answer",
        "_on_raw_content",
        "_on_reasoning",
        "_on_search_results",
        "_reasoning_parts",
        "_think",
        "received",
    )
    received: ChatResult

    def __init__(
        self,
        on_content: Optional[TextListener] = None,
        on_reasoning: Optional[TextListener] = None,
        on_search_results: Optional[Callable[[List[SearchResult]], object]] = None,
    ) -> None:
        #: The result being filled in: the chunks' fields here; how the stream went
        #: (``events``, ``malformed``, ``ignored``, ``done``, ``error``, ...) by the decoder.
        self.received = ChatResult()
        self._choices: Dict[int, _ChoiceState] = {}
        self._think = ThinkSplitter()
        self._answer_parts = _Pieces()
        self._reasoning_parts = _Pieces()
        # The think splitter has nothing left to decide: every content piece is answer as it is.
        self._answer_is_plain = False
        self._on_answer = on_content
        self._on_raw_content: Optional[TextListener] = None
        self._on_reasoning = on_reasoning
        self._on_search_results = on_search_results

    def add_text_listener(self, listener: TextListener, *, include_reasoning: bool = False) -> None:
        """Call ``listener(text)`` with each piece of the answer (content outside ``<think>``) or,
        with ``include_reasoning``, with each piece of content as sent (a ``<think>`` block included)."""
        if include_reasoning:
            self._on_raw_content = chain(self._on_raw_content, listener)
        else:
            self._on_answer = chain(self._on_answer, listener)

    # -- chunks in (the per-chunk hot path) ---------------------------------

    def add_chunk(self, chunk: Dict[str, Any]) -> None:
        """Accumulate one decoded chunk."""
        get = chunk.get
        received = self.received
        received.chunks += 1
        choices = get("choices")
        if type(choices) is list:
            for choice in choices:
                if type(choice) is dict:
                    self._add_choice(choice)
        # Identity: the last non-null value.
        if (value := get("id")) is not None:
            received.id = value
        if (value := get("model")) is not None:
            received.model = value
        if (value := get("created")) is not None:
            received.created = value
        if (value := get("object")) is not None:
            received.object = value
        # Usage is cumulative: the last one.  Metadata: the last non-empty value, never appended.
        value = get("usage")
        if type(value) is dict:
            received._usage = value
        value = get("citations")
        if value and type(value) is list:
            received._citations = value
        value = get("search_results")
        if value and value is not received._search_results and type(value) is list:
            changed = value != received._search_results
            received._search_results = value
            if changed and self._on_search_results is not None:
                self._on_search_results(received.search_results)
        value = get("images")
        if value and type(value) is list:
            received._images = value
        value = get("related_questions")
        if value and type(value) is list:
            received._related_questions = value

    def _add_choice(self, choice: Dict[str, Any]) -> None:
        index = choice.get("index") or 0
        try:
            state = self._choices[index]
        except (KeyError, TypeError):  # a new index, or one that is not even hashable
            if type(index) is not int:
                self._warn(f"a choice whose index is not an integer ({type(index).__name__}) was ignored")
                return
            state = self._choices[index] = _ChoiceState()
        content = None
        delta = choice.get("delta")
        if type(delta) is dict:
            content = delta.get("content")
            fields = len(delta)
            if fields != 1 or content is None:
                if fields == 2 and content is not None and "role" in delta:
                    if index == 0 and self.received.role is None:  # Perplexity repeats role in every delta
                        self.received.role = delta["role"]
                else:
                    self._delta_extras(delta, state, index)
        message = choice.get("message")
        if type(message) is dict:
            full = message.get("content")
            if type(full) is str:
                # (Lengths first: joining the text so far for every short message would make a
                # stream alternating deltas and short messages quadratic.)
                if content is None and len(full) >= state.length and full.startswith(state.text()):
                    content = full[state.length :]  # derive the delta from the cumulative message
                state.message = full
            if index == 0 and self.received.role is None and message.get("role"):
                self.received.role = message["role"]
        if type(content) is str and content:
            state.parts.append(content)
            state.length += len(content)
            if index == 0:
                if self._on_raw_content is not None:
                    self._on_raw_content(content)
                if self._answer_is_plain:
                    self._answer_parts.append(content)
                    if self._on_answer is not None:
                        self._on_answer(content)
                else:
                    self._content_piece(content)
        finish = choice.get("finish_reason")
        if finish:
            state.finish_reason = finish

    def _delta_extras(self, delta: Dict[str, Any], state: _ChoiceState, index: int) -> None:
        """Role, reasoning fields and tool calls of a delta (when it has more than content)."""
        if index == 0:
            role = delta.get("role")
            if role and self.received.role is None:
                self.received.role = role
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if type(reasoning) is str and reasoning:
                self._reasoning_piece(reasoning)
        calls = delta.get("tool_calls")
        if calls:
            self._merge_tool_calls(state, calls)

    @staticmethod
    def _merge_tool_calls(state: _ChoiceState, calls: Any) -> None:
        if type(calls) is not list:
            return
        for position, call in enumerate(calls):
            if type(call) is not dict:
                continue
            index = call.get("index", position)
            if type(index) is not int:
                index = position  # as if it had none (openai-python would raise)
            target = state.tool_calls.get(index)
            if target is None:
                state.tool_calls[index] = _copy_json(call)
            else:
                _merge_delta(target, call)

    def _content_piece(self, content: str) -> None:
        """A piece of choice 0's content, through the think splitter."""
        reasoning, answer = self._think.feed(content)
        if reasoning:
            self._reasoning_piece(reasoning)
        if answer:
            self._answer_piece(answer)
        # Once the answer has begun, every further piece is answer as it is.
        self._answer_is_plain = self._think.passthrough

    def _answer_piece(self, text: str) -> None:
        self._answer_parts.append(text)
        if self._on_answer is not None:
            self._on_answer(text)

    def _reasoning_piece(self, text: str) -> None:
        self._reasoning_parts.append(text)
        if self._on_reasoning is not None:
            self._on_reasoning(text)

    def _warn(self, message: str) -> None:
        """Note something odd, once (a broken stream may repeat it in every chunk)."""
        if message not in self.received.warnings:
            self.received.warnings.append(message)

    # -- the end ------------------------------------------------------------

    @property
    def finished(self) -> bool:
        """Some choice has a ``finish_reason``."""
        return any(state.finish_reason for state in self._choices.values())

    def finish(self) -> None:
        """The end of the content: release what the think splitter held back (a partial
        ``<think>`` or ``</think>``), then compare the deltas with Perplexity's cumulative
        message, when it came."""
        reasoning, answer = self._think.close()
        if reasoning:
            self._reasoning_piece(reasoning)
        if answer:
            self._answer_piece(answer)
        for index, state in self._choices.items():
            if state.message is None:
                continue
            text = state.text()
            if state.message == text:
                continue
            if state.message.startswith(text):
                missing = state.message[len(text) :]
                state.parts.reset(state.message)
                state.length = len(state.message)
                if index == 0:
                    self._content_piece(missing)
                self.received.warnings.append(
                    f"choice {index}: the cumulative message had {len(missing)} more characters than the deltas; "
                    "they were added"
                )
            else:
                self.received.warnings.append(
                    f"choice {index}: the deltas ({len(text)} characters) differ from the cumulative message "
                    f"({len(state.message)} characters); the deltas were kept"
                )

    def snapshot(self, outcome: str) -> ChatResult:
        """A copy of everything received so far, with ``outcome`` as its verdict."""
        received = self.received
        snapshot = ChatResult()
        for name in ChatResult.__slots__:
            setattr(snapshot, name, getattr(received, name))
        snapshot.malformed = list(received.malformed)
        snapshot.ignored = list(received.ignored)
        snapshot.warnings = list(received.warnings)
        snapshot.outcome = outcome
        first = self._choices.get(0)
        if first is not None:
            snapshot.content = first.text()
            snapshot.finish_reason = first.finish_reason
            snapshot._tool_calls = first.tool_calls_in_order()
        snapshot.answer = self._answer_parts.text()
        snapshot.reasoning = self._reasoning_parts.text()
        snapshot.reasoning_closed = self._think.closed_tag or not self._think.opened_tag
        snapshot._choices = [
            {
                "index": index,
                "content": state.text(),
                "finish_reason": state.finish_reason,
                "tool_calls": state.tool_calls_in_order(),
            }
            for index, state in sorted(self._choices.items())
        ]
        return snapshot


class _Pieces:
    """Text that arrives in pieces (deltas of a few characters), kept in few strings.

    A piece kept as its own ``str`` costs ~57 bytes whatever its length; every
    :data:`JOIN_EVERY` pieces are joined into one string, so a stream's text costs about a byte
    a character, and each character is copied once more, not once per join (the text is never
    joined whole until asked for).  Per open stream, this is most of what the chat layer
    holds (benchmarks/bench_scale.py, issue 17).
    """

    __slots__ = ("loose", "parts")

    JOIN_EVERY = 32

    def __init__(self) -> None:
        self.parts: List[str] = []
        self.loose = 0  # the pieces at the end not joined yet

    def append(self, piece: str) -> None:
        parts = self.parts
        parts.append(piece)
        loose = self.loose + 1
        if loose == 32:  # JOIN_EVERY
            parts[-32:] = ["".join(parts[-32:])]
            loose = 0
        self.loose = loose

    def text(self) -> str:
        """Everything so far (joined once, and kept joined)."""
        parts = self.parts
        if len(parts) > 1:
            parts[:] = ["".join(parts)]
            self.loose = 0
        return parts[0] if parts else ""

    def reset(self, text: str) -> None:
        """The text is ``text`` now."""
        self.parts[:] = [text]
        self.loose = 0


class _ChoiceState:
    """What one choice has accumulated."""

    __slots__ = ("finish_reason", "length", "message", "parts", "tool_calls")

    def __init__(self) -> None:
        self.parts = _Pieces()  # the content
        self.length = 0  # the content's length in characters
        self.finish_reason: Optional[str] = None
        self.message: Optional[str] = None  # the last cumulative message.content seen
        self.tool_calls: Dict[int, Dict[str, Any]] = {}

    def text(self) -> str:
        """The content so far."""
        return self.parts.text()

    def tool_calls_in_order(self) -> List[Dict[str, Any]]:
        """Copies of the merged tool calls, by index."""
        return [_copy_json(self.tool_calls[index]) for index in sorted(self.tool_calls)]


def _merge_delta(target: Dict[str, Any], delta: Dict[str, Any]) -> None:
    """openai-python's accumulate_delta rule: strings concatenate, index/id/type replace, dicts merge.

    Without recursion, like :func:`_copy_json`."""
    pending = [(target, delta)]
    while pending:
        target, delta = pending.pop()
        for key, value in delta.items():
            old = target.get(key)
            if old is None or key in _REPLACED_KEYS:
                target[key] = _copy_json(value)
            elif type(old) is str and type(value) is str:
                target[key] = old + value
            elif type(old) is dict and type(value) is dict:
                pending.append((old, value))
            elif value is not None:
                target[key] = _copy_json(value)


def _copy_json(value: Any) -> Any:
    """A copy of the dicts and lists in decoded JSON.  Without recursion: the decoder accepts
    nesting about as deep as the recursion limit, so a recursive copy of what it returned
    could fail with RecursionError, depending on the caller's stack depth."""
    if type(value) is not dict and type(value) is not list:
        return value
    top: Any = {} if type(value) is dict else []
    pending = [(value, top)]
    while pending:
        source, copy = pending.pop()
        items = source.items() if type(source) is dict else enumerate(source)
        is_list = type(copy) is list
        for key, item in items:
            if type(item) is dict or type(item) is list:
                inner: Any = {} if type(item) is dict else []
                pending.append((item, inner))
                item = inner
            if is_list:
                copy.append(item)
            else:
                copy[key] = item
    return top
