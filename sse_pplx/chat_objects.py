"""Attribute access over decoded JSON, shaped like the official SDKs' models, without pydantic.

``chunk.choices[0].delta.content`` reads the parsed JSON of a chunk the way the
openai and perplexityai SDKs' pydantic models do, at the cost of one small
object per access instead of a model validation per chunk:

* every JSON object is wrapped on access in a :class:`ChatObject` (or a named
  subclass such as :class:`Choice`, so type checkers know the fields);
* a field the SDKs' models declare for that class reads as its value, ``None`` when
  absent (``choices`` as ``[]``; a choice's ``delta`` and ``message`` as an empty
  one, as in the openai SDK, where they are never ``None``); a field the server
  sent that no model declares is reachable too, as an attribute, by ``obj["key"]``
  and in :meth:`ChatObject.to_dict`; any other name raises ``AttributeError``, so
  a typo (``chunk.choises``) or a pydantic method this view lacks
  (``chunk.model_copy()``) fails at once instead of reading as ``None``;
* objects are immutable views: they never copy or validate the JSON, and
  ``to_dict()`` gives back exactly what the server sent.

Reading a declared attribute never raises, whatever the server sent.  The fields
typed as an object (``choices[i]``, ``usage``, ``function``, ``cost``) read as that
class or ``None`` (``delta`` and ``message`` as that class, empty when absent), and those typed as a list of objects
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
    from typing import Any, ClassVar, Dict, FrozenSet, Iterator, KeysView, List, Mapping, Optional, Type

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatObject",
    "Choice",
    "Cost",
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


#: What an absent ``delta`` / ``message`` reads as: a view of no fields (never written to).
_NO_FIELDS: Dict[str, Any] = {}


def _without_none(value: Any) -> Any:
    """``value`` with every ``None``-valued key of its objects left out, at any depth
    (``to_dict(exclude_none=True)``)."""
    if type(value) is dict:
        return {key: _without_none(item) for key, item in value.items() if item is not None}
    if type(value) is list:
        return [_without_none(item) for item in value]
    return value


def _field(name: str, kind: Optional[Type[ChatObject]] = None, many: bool = False, empty: bool = False) -> Any:
    """A real descriptor for a hot field (``delta``, ``content``, ...): the same answer as
    ``__getattr__`` gives, without the failed normal lookup that precedes it, and building
    the wrapper without a Python-level ``__init__`` (the per-chunk path of every consumer).

    With ``kind``, the field is typed: one object of that class (a list of them with
    ``many``), or None when it holds anything else (see the module docstring); with
    ``empty``, an empty object of that class instead of None."""

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
        absent = _NO_FIELDS if empty else None

        def get(self: ChatObject) -> Any:
            value = self._data.get(name)
            if type(value) is dict:
                view = _new_object(cls)
                _set_data(view, value)
                return view
            if absent is None:
                return None
            view = _new_object(cls)
            _set_data(view, absent)
            return view

    return property(get, doc=f"The ``{name}`` field (None when absent).")


class ChatObject:
    """A read-only attribute view of one JSON object.

    ``obj.name`` is the field (wrapped when it is an object or a list of
    objects): a field the class declares reads as ``None`` when absent, a key
    the server sent reads as its value, any other name raises
    ``AttributeError``.  ``obj["name"]`` raises ``KeyError`` when absent, like a
    dict; ``"name" in obj``, ``obj.get("name", default)``, ``keys()``, iteration
    over the keys, ``dict(obj)`` and :meth:`to_dict` work as on the dict.
    """

    __slots__ = ("_data",)
    _data: Mapping[str, Any]
    #: Which class wraps the objects found under each field (the default: ChatObject).
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {}
    #: The fields the class declares (its annotations and its bases'): absent, they read as None.
    _fields: ClassVar[FrozenSet[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        declared = set(cls._fields)
        declared.update(name for name in getattr(cls, "__annotations__", {}) if not name.startswith("_"))
        cls._fields = frozenset(declared)

    def __init__(self, data: Mapping[str, Any]) -> None:
        """A view of ``data``, a decoded JSON object (kept, not copied)."""
        object.__setattr__(self, "_data", data)

    if not TYPE_CHECKING:  # checkers see the declared fields only, so they catch typos (``chunk.choises``)

        def __getattr__(self, name: str) -> Any:
            # Reached only when the normal lookup failed: not a method, nor a hot field's descriptor.
            if name.startswith("__"):  # copy, pickle and friends probe dunder names
                raise AttributeError(name)
            try:
                value = self._data[name]
            except KeyError:
                if name in self._fields:
                    return None
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}"
                    " (not a field of this object, nor a key the server sent)"
                ) from None
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

    def keys(self) -> KeysView[str]:
        """The keys the server sent (so that ``dict(obj)`` is the object's fields, wrapped)."""
        return self._data.keys()

    def to_dict(self, *, exclude_none: bool = False) -> Dict[str, Any]:
        """The JSON object as decoded (a new top-level dict; nested values are shared); with
        ``exclude_none``, without the keys whose value is ``null``, at any depth (new dicts
        throughout).  The openai SDK's ``to_dict`` has the same keyword."""
        if exclude_none:
            return _without_none(self._data)  # type: ignore[no-any-return]
        return dict(self._data)

    def to_json(self, *, indent: Optional[int] = 2, exclude_none: bool = False) -> str:
        """The JSON object as text (the SDKs' ``to_json()``; ``indent=None`` for one line)."""
        import json

        data = _without_none(self._data) if exclude_none else self._data
        return json.dumps(data, ensure_ascii=False, indent=indent)

    # The pydantic names that code written for the official SDKs calls, with their plain meaning
    # (few options: an unknown keyword is a TypeError, not silently ignored).
    def model_dump(self, *, exclude_none: bool = False) -> Dict[str, Any]:
        """``to_dict()``, under the name pydantic models (the SDKs' objects) use."""
        return self.to_dict(exclude_none=exclude_none)

    def model_dump_json(self, *, indent: Optional[int] = None, exclude_none: bool = False) -> str:
        """``to_json(indent=None)``, under the name pydantic models use."""
        return self.to_json(indent=indent, exclude_none=exclude_none)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ChatObject):
            return type(other) is type(self) and other._data == self._data
        return NotImplemented

    __hash__: ClassVar[None] = None  # type: ignore[assignment]  # a view of mutable JSON

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._data!r})"

    def __reduce__(self) -> Any:
        return (type(self), (self._data,))

    def __dir__(self) -> List[str]:
        return sorted(set(super().__dir__()) | self._fields | set(self._data))


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
    function_call: Optional[ChatObject]
    reasoning_steps: Optional[List[ChatObject]]
    tool_call_id: Optional[str]


class Message(Delta):
    """``choices[i].message``: a whole message (cumulative in Perplexity's full mode)."""

    __slots__ = ()
    annotations: Optional[List[ChatObject]]
    audio: Optional[ChatObject]


class Choice(ChatObject):
    """One element of ``choices``."""

    __slots__ = ()
    _kinds: ClassVar[Dict[str, Type[ChatObject]]] = {"delta": Delta, "message": Message}
    index: Optional[int] = _field("index")
    #: What this chunk adds; an empty :class:`Delta` when the choice has none (never None,
    #: as in the openai SDK, so ``choice.delta.content or ""`` always works).
    delta: Delta = _field("delta", Delta, empty=True)
    #: The whole message (non-streamed answers, Perplexity's full chunks); an empty
    #: :class:`Message` when the choice has none.
    message: Message = _field("message", Message, empty=True)
    finish_reason: Optional[str] = _field("finish_reason")
    logprobs: Any


class Cost(ChatObject):
    """``usage.cost``: Perplexity's prices of the request, in USD (the perplexityai SDK's ``Cost``)."""

    __slots__ = ()
    input_tokens_cost: Optional[float]
    output_tokens_cost: Optional[float]
    total_cost: Optional[float]
    citation_tokens_cost: Optional[float]
    reasoning_tokens_cost: Optional[float]
    request_cost: Optional[float]
    search_queries_cost: Optional[float]


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
    completion_tokens_details: Optional[ChatObject]
    prompt_tokens_details: Optional[ChatObject]
    cost: Optional[Cost] = _field("cost", Cost)


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
    """What a chunk and a completion share: ``id``, ``model``, ``choices``, ``usage``, Perplexity's
    ``citations`` and ``search_results``..."""

    __slots__ = ("_choices",)
    _choices: Optional[List[Choice]]
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
    service_tier: Optional[str]
    system_fingerprint: Optional[str]
    status: Optional[str]
    type: Optional[str]

    def __init__(self, data: Mapping[str, Any]) -> None:
        """A view of ``data``, a decoded chunk or completion (kept, not copied)."""
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
