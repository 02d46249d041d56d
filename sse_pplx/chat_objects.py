"""Attribute access over decoded JSON, shaped like the official SDKs' models, without pydantic.

``chunk.choices[0].delta.content`` reads the parsed JSON of a chunk the way the
openai and perplexityai SDKs' pydantic models do, at the cost of one small
object per access instead of a model validation per chunk:

* every JSON object is wrapped on access in a :class:`ChatObject` (or a named
  subclass such as :class:`Choice`, so type checkers know the fields);
* an absent field reads as ``None`` (``choices`` as ``[]``); unknown fields stay
  reachable as attributes, by ``obj["key"]`` and in :meth:`ChatObject.to_dict`;
* objects are immutable views: they never copy or validate the JSON, and
  ``to_dict()`` gives back exactly what the server sent.

Reading an attribute never raises, whatever the server sent.  The fields typed as
an object (``choices[i]``, ``delta``, ``message``, ``usage``, ``function``,
``cost``) read as that class or ``None``, and those typed as a list of objects
(``choices``, ``tool_calls``, ``search_results``, ``images``) as a list of that
class (or ``None``; ``choices`` as ``[]``): a value of another JSON type there (a
broken or hostile stream) reads as absent and items that are not objects are left
out, so ``chunk.choices[0].delta.content`` cannot fail on a chunk that has a
choice.  The raw value stays in ``obj["name"]`` and ``to_dict()``.  Other fields
are not checked: ``delta.content`` is whatever JSON value was sent.

The shapes are OpenAI's chat-completion chunk and Perplexity's additions to it
(perplexity-wire.md §3 in ``../shared/reference``); no WHATWG section applies.
The accumulator in :mod:`sse_pplx.chat_result` reads the dicts directly; these
wrappers cost nothing unless a caller asks for them.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, ClassVar, Dict, Iterator, List, Mapping, Optional, Type

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatObject",
    "Choice",
    "Delta",
    "Function",
    "Image",
    "Message",
    "SearchResult",
    "ToolCall",
    "Usage",
]


def _wrap(value: Any, kind: Type[ChatObject]) -> Any:
    """``value`` with its objects wrapped: itself, or the lists in it, at any depth.  Without
    recursion: lists nested about as deep as the recursion limit decode fine."""
    if type(value) is dict:
        return kind(value)
    if type(value) is not list:
        return value
    top: List[Any] = []
    pending = [(value, top)]
    while pending:
        source, out = pending.pop()
        for item in source:
            if type(item) is dict:
                item = kind(item)
            elif type(item) is list:
                inner: List[Any] = []
                pending.append((item, inner))
                item = inner
            out.append(item)
    return top


def _field(name: str, kind: Optional[Type[ChatObject]] = None, many: bool = False) -> Any:
    """A real descriptor for a hot field (``delta``, ``content``, ...): the same answer as
    ``__getattr__`` gives, without the failed normal lookup that precedes it, and building
    the wrapper without a Python-level ``__init__`` (the per-chunk path of every consumer).

    With ``kind``, the field is typed: one object of that class (a list of them with
    ``many``), or None when it holds anything else (see the module docstring)."""

    if kind is None:

        def get(self: ChatObject) -> Any:
            value = self._data.get(name)
            if type(value) is dict or type(value) is list:
                return _wrap(value, self._kinds.get(name, ChatObject))
            return value

    elif many:
        cls = kind

        def get(self: ChatObject) -> Any:
            value = self._data.get(name)
            if type(value) is list:
                return [_view(cls, item) for item in value if type(item) is dict]
            return None

    else:
        cls = kind

        def get(self: ChatObject) -> Any:
            value = self._data.get(name)
            if type(value) is dict:
                view = _new_object(cls)
                _set_data(view, value)
                return view
            return None

    return property(get, doc=f"The ``{name}`` field (None when absent).")


class ChatObject:
    """A read-only attribute view of one JSON object.

    ``obj.name`` is the field (wrapped when it is an object or a list of
    objects), ``None`` when absent; ``obj["name"]`` raises ``KeyError`` when
    absent, like a dict; ``"name" in obj``, ``obj.get("name", default)``,
    iteration over the keys and :meth:`to_dict` work as on the dict.
    """

    __slots__ = ("_data",)
    #: Which class wraps the objects found under each field (the default: ChatObject).
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {}

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and friends probe dunder names
            raise AttributeError(name)
        try:
            value = self._data[name]
        except KeyError:
            return None
        return _wrap(value, self._kinds.get(name, ChatObject))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __getitem__(self, key: str) -> Any:
        return _wrap(self._data[key], self._kinds.get(key, ChatObject))

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        """The field like ``obj.key``, or ``default`` when it is absent."""
        if key in self._data:
            return self[key]
        return default

    def to_dict(self) -> Dict[str, Any]:
        """The JSON object as decoded (a new top-level dict; nested values are shared)."""
        return dict(self._data)

    def to_json(self, *, indent: Optional[int] = 2) -> str:
        """The JSON object as text (the SDKs' ``to_json()``; ``indent=None`` for one line)."""
        import json

        return json.dumps(self._data, ensure_ascii=False, indent=indent)

    # The pydantic names that code written for the official SDKs calls, with their plain meaning
    # (no options: an unknown keyword is a TypeError, not silently ignored).
    def model_dump(self) -> Dict[str, Any]:
        """``to_dict()``, under the name pydantic models (the SDKs' objects) use."""
        return self.to_dict()

    def model_dump_json(self, *, indent: Optional[int] = None) -> str:
        """``to_json(indent=None)``, under the name pydantic models use."""
        return self.to_json(indent=indent)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ChatObject):
            return type(other) is type(self) and other._data == self._data
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a view of mutable JSON

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __reduce__(self) -> Any:
        return (type(self), (self._data,))

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | set(self._data))


_new_object = object.__new__
_set_data = ChatObject.__dict__["_data"].__set__  # the slot's own setter: no __setattr__ detour


def _view(cls: Type[ChatObject], data: Dict[str, Any]) -> Any:
    view = _new_object(cls)
    _set_data(view, data)
    return view


class Function(ChatObject):
    """``tool_calls[i].function``: ``name`` and ``arguments`` (a JSON string)."""

    __slots__ = ()
    name: Optional[str]
    arguments: Optional[str]


class ToolCall(ChatObject):
    """One tool call (or, in a delta, a fragment of one, merged by ``index``)."""

    __slots__ = ()
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {"function": Function}
    index: Optional[int]
    id: Optional[str]
    type: Optional[str]
    function: Optional[Function] = _field("function", Function)


class Delta(ChatObject):
    """``choices[i].delta``: what this chunk adds."""

    __slots__ = ()
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {"tool_calls": ToolCall}
    role: Optional[str] = _field("role")
    content: Optional[str] = _field("content")
    reasoning_content: Optional[str] = _field("reasoning_content")
    refusal: Optional[str]
    tool_calls: Optional[List[ToolCall]] = _field("tool_calls", ToolCall, many=True)


class Message(Delta):
    """``choices[i].message``: a whole message (cumulative in Perplexity's full mode)."""

    __slots__ = ()


class Choice(ChatObject):
    """One element of ``choices``."""

    __slots__ = ()
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {"delta": Delta, "message": Message}
    index: Optional[int] = _field("index")
    delta: Optional[Delta] = _field("delta", Delta)
    message: Optional[Message] = _field("message", Message)
    finish_reason: Optional[str] = _field("finish_reason")
    logprobs: Any


class Usage(ChatObject):
    """Token counts (cumulative on every Perplexity chunk: the last one is the total)."""

    __slots__ = ()
    prompt_tokens: Optional[int]
    completion_tokens: Optional[int]
    total_tokens: Optional[int]
    search_context_size: Optional[str]
    citation_tokens: Optional[int]
    num_search_queries: Optional[int]
    reasoning_tokens: Optional[int]
    cost: Optional[ChatObject] = _field("cost", ChatObject)


class SearchResult(ChatObject):
    """One of Perplexity's ``search_results`` (perplexity-wire.md §3.5): ``title`` and ``url``
    always; ``date`` and ``last_updated`` may be null; ``snippet`` was absent in 2025 captures."""

    __slots__ = ()
    title: Optional[str]
    url: Optional[str]
    date: Optional[str]
    last_updated: Optional[str]
    snippet: Optional[str]
    source: Optional[str]


class Image(ChatObject):
    """One of Perplexity's ``images`` (with ``return_images``)."""

    __slots__ = ()
    image_url: Optional[str]
    origin_url: Optional[str]
    height: Optional[int]
    width: Optional[int]
    title: Optional[str]


class _Completion(ChatObject):
    __slots__ = ("_choices",)
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {
        "choices": Choice,
        "usage": Usage,
        "search_results": SearchResult,
        "images": Image,
    }
    id: Optional[str] = _field("id")
    model: Optional[str] = _field("model")
    object: Optional[str] = _field("object")
    created: Optional[int]
    usage: Optional[Usage] = _field("usage", Usage)
    citations: Optional[List[str]]
    search_results: Optional[List[SearchResult]] = _field("search_results", SearchResult, many=True)
    images: Optional[List[Image]] = _field("images", Image, many=True)
    related_questions: Optional[List[str]]

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_choices", None)

    @property
    def choices(self) -> List[Choice]:
        """The choices; ``[]`` when the chunk has none (e.g. deep-research progress chunks).
        Wrapped once, on first access (the same list every time, as a pydantic model would give)."""
        choices: Optional[List[Choice]] = self._choices
        if choices is None:
            value = self._data.get("choices")
            choices = []
            if type(value) is list:
                for item in value:
                    if type(item) is dict:  # anything else is left out (see the module docstring)
                        view = _new_object(Choice)
                        _set_data(view, item)
                        choices.append(view)
            _set_choices(self, choices)
        return choices


_set_choices = _Completion.__dict__["_choices"].__set__


class ChatCompletionChunk(_Completion):
    """One streamed chunk (any era: ``chat.completion``, ``.chunk``, ``.done``, ``chat.reasoning*``)."""

    __slots__ = ()


class ChatCompletion(_Completion):
    """A whole (non-streamed, or accumulated) completion."""

    __slots__ = ()


def chunk_view(data: Dict[str, Any]) -> ChatCompletionChunk:
    """``ChatCompletionChunk(data)`` without the Python-level ``__init__`` (the chat layer's hot path)."""
    view: ChatCompletionChunk = _new_object(ChatCompletionChunk)
    _set_data(view, data)
    _set_choices(view, None)
    return view
