"""The SDK-shaped clients: ``Perplexity`` / ``Client`` and their asyncio faces.

Code written for the official SDKs moves over by changing one import::

    from sse_pplx import Perplexity            # instead of: from perplexity import Perplexity
    client = Perplexity()                      # PERPLEXITY_API_KEY, PERPLEXITY_BASE_URL
    with client.chat.completions.create(model="sonar", messages=[...], stream=True) as stream:
        for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="")
        final = stream.get_final_completion()  # content, citations, search_results, usage, outcome

How the pieces fit: a client holds its options and a transport; each API resource is a
module of its own (:mod:`~sse_pplx.chat_completions` for ``chat.completions``) whose
methods build a flow (:mod:`~sse_pplx._flows`: send with retries, read, decode) and hand
it to :meth:`_ClientBase._run`.  ``Client`` runs flows through the blocking driver and
``AsyncClient`` through the asyncio one; nothing else differs, so the async client is the
same code run by a different loop, not a copy.  A new resource is a new module and one
line in :class:`_ClientBase` (see ``chat`` below).

The API key is kept out of every ``repr``, exception message and log line.
"""

from __future__ import annotations

import json
import os
from typing import Generic, TypeVar, overload

from ._exchange import NOT_GIVEN, Timeout, as_timeout
from ._http import Request, check_header, merge_headers
from ._retry import backoff, retry_after, should_retry, status_error
from ._version import __version__
from .chat import ChatDecoder
from .chat_completions import AsyncChatCompletions, AsyncStream, ChatCompletions, Stream
from .errors import UsageError
from .eventsource import AsyncEventStream, EventStream, aconnect, connect
from .parser import DEFAULT_MAX_EVENT_BYTES, DEFAULT_MAX_LINE_BYTES
from .responses import ResponseDecoder
from .responses_resource import AsyncResponses, AsyncResponseStream, Responses, ResponseStream
from .transport import AsyncTransport, Transport

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import ssl
    from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union

    from ._flows import Flow

    TimeoutArg = Union[None, float, Timeout]

_Resource_T = TypeVar("_Resource_T")
_Client = TypeVar("_Client", bound="_ClientBase")
_USER_AGENT = f"sse_pplx/{__version__}"

__all__ = [
    "AsyncChat",
    "AsyncClient",
    "AsyncEventStream",
    "AsyncPerplexity",
    "AsyncResponseStream",
    "AsyncStream",
    "Chat",
    "Client",
    "EventStream",
    "Perplexity",
    "ResponseStream",
    "AsyncResponses",
    "Responses",
    "Stream",
    "aconnect",
    "backoff",
    "connect",
    "retry_after",
    "should_retry",
    "status_error",
]


class Chat:
    """``client.chat`` of a :class:`Client`: the chat resources."""

    completions: ChatCompletions

    def __init__(self, client: _ClientBase) -> None:
        """The chat resources of ``client``."""
        self.completions = ChatCompletions(client)


class AsyncChat:
    """``client.chat`` of an :class:`AsyncClient`: the chat resources, awaited."""

    completions: AsyncChatCompletions

    def __init__(self, client: _ClientBase) -> None:
        """The chat resources of ``client``."""
        self.completions = AsyncChatCompletions(client)


class _Resource(Generic[_Resource_T]):
    """A client attribute that is an API resource, made once per client on first use."""

    def __init__(self, make: Callable[[_ClientBase], _Resource_T]) -> None:
        self._make = make

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, client: None, owner: type) -> _Resource[_Resource_T]: ...
    @overload
    def __get__(self, client: _ClientBase, owner: type) -> _Resource_T: ...
    def __get__(self, client: Optional[_ClientBase], owner: type) -> Union[_Resource_T, _Resource[_Resource_T]]:
        """The client's resource (made now, then kept in the client's ``__dict__``)."""
        if client is None:
            return self
        resource = self._make(client)
        client.__dict__[self._name] = resource
        return resource


class _ClientBase:
    """Options, request building and the flow runner, shared by the sync and async clients."""

    _env_key = "OPENAI_API_KEY"
    _env_base_url = "OPENAI_BASE_URL"
    _default_base_url: Optional[str] = None
    _default_timeout = Timeout(600.0, connect=5.0)
    _require_key = False
    _transport_class: Callable[..., Any] = Transport
    #: The HTTP transport (its connection pool), shared by the copies ``with_options`` makes.
    _transport: Any
    base_url: str
    timeout: Timeout
    max_retries: int
    default_headers: Dict[str, str]
    default_query: Dict[str, str]

    # The API resources are one line each, in Client and AsyncClient (each face has its own types).
    #: Where ``responses.create`` posts (Perplexity: ``/v1/agent``), and ``retrieve`` reads ``/{id}``.
    _responses_path = "/responses"

    def __init__(
        self,
        *,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        max_retries: int = 2,
        default_headers: Optional[Mapping[str, str]] = None,
        default_query: Optional[Mapping[str, str]] = None,
        ssl_context: Optional[ssl.SSLContext] = None,
        ca_bundle: Optional[str] = None,
        proxy: Union[str, bool, None] = None,
        trust_env: bool = True,
        max_line_bytes: Optional[int] = DEFAULT_MAX_LINE_BYTES,
        max_event_bytes: Optional[int] = DEFAULT_MAX_EVENT_BYTES,
        _transport: Any = None,
    ) -> None:
        """A client (no connection is made before the first request).

        ``api_key`` and ``base_url`` default to the environment (see the class docstring);
        ``timeout`` to the SDKs' default; a bad ``base_url`` or ``max_retries`` raises
        :class:`~sse_pplx.errors.UsageError` here, not at the first request.
        """
        if api_key is None:
            api_key = os.environ.get(self._env_key) or None
        if api_key is None and self._require_key:
            name = type(self).__name__
            raise UsageError(
                f"no API key: pass api_key=... to {name}() or set the {self._env_key} environment variable"
            )
        if base_url is None:
            base_url = os.environ.get(self._env_base_url) or self._default_base_url
        if not base_url:
            raise UsageError(f"no base_url: pass base_url=... to {type(self).__name__}() or set {self._env_base_url}")
        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            raise UsageError(f"max_retries must be a non-negative int, not {max_retries!r}")
        # the Authorization value, made once: one string per client, not one per request held open
        self._authorization = None if api_key is None else f"Bearer {api_key}"
        if self._authorization is not None:
            check_header("Authorization", self._authorization)
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        Request("GET", self.base_url)  # a bad URL fails here, not at the first request
        self.timeout = as_timeout(self._default_timeout if timeout is NOT_GIVEN else timeout)
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        self._limits: Dict[str, Optional[int]] = {"max_line_bytes": max_line_bytes, "max_event_bytes": max_event_bytes}
        self._transport_options: Dict[str, Any] = {
            "ssl_context": ssl_context,
            "ca_bundle": ca_bundle,
            "proxy": proxy,
            "trust_env": trust_env,
        }
        self._transport = _transport if _transport is not None else self._transport_class(**self._transport_options)

    @property
    def api_key(self) -> Optional[str]:
        """The API key (never shown in a repr, a message or a log line)."""
        return self._api_key

    def with_options(
        self: _Client,
        *,
        api_key: Optional[str] = NOT_GIVEN,
        base_url: Optional[str] = NOT_GIVEN,
        timeout: TimeoutArg = NOT_GIVEN,
        max_retries: int = NOT_GIVEN,
        default_headers: Optional[Mapping[str, str]] = NOT_GIVEN,
        default_query: Optional[Mapping[str, str]] = NOT_GIVEN,
        ssl_context: Optional[ssl.SSLContext] = NOT_GIVEN,
        ca_bundle: Optional[str] = NOT_GIVEN,
        proxy: Union[str, bool, None] = NOT_GIVEN,
        trust_env: bool = NOT_GIVEN,
        max_line_bytes: Optional[int] = NOT_GIVEN,
        max_event_bytes: Optional[int] = NOT_GIVEN,
    ) -> _Client:
        """A copy of the same class with some options changed (the constructor's, all
        keyword-only), sharing this client's connections unless a transport option
        (``ssl_context``, ``ca_bundle``, ``proxy``, ``trust_env``) changes.  The SDKs' name;
        ``copy`` is the same method."""
        given = {
            "api_key": api_key, "base_url": base_url, "timeout": timeout, "max_retries": max_retries,
            "default_headers": default_headers, "default_query": default_query, "ssl_context": ssl_context,
            "ca_bundle": ca_bundle, "proxy": proxy, "trust_env": trust_env, "max_line_bytes": max_line_bytes,
            "max_event_bytes": max_event_bytes,
        }  # fmt: skip
        overrides = {name: value for name, value in given.items() if value is not NOT_GIVEN}
        options: Dict[str, Any] = {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self.default_headers,
            "default_query": self.default_query,
            **self._limits,
        }
        options.update(overrides)
        transport_options = {k: options.pop(k) for k in list(options) if k in self._transport_options}
        if not transport_options:
            options["_transport"] = self._transport
        else:
            options.update({**self._transport_options, **transport_options})
        return type(self)(**options)

    copy = with_options

    # -- what the resources use ------------------------------------------------------

    def _build_request(
        self,
        path: str,
        body: Dict[str, Any],
        extra_body: Optional[Mapping[str, Any]],
        *,
        stream: bool,
        headers: Optional[Mapping[str, Optional[str]]],
        query: Optional[Mapping[str, Any]],
        timeout: TimeoutArg,
    ) -> Tuple[Request, Timeout]:
        """A JSON POST to ``base_url + path``, and the time budget to send it with."""
        if extra_body:
            body.update(extra_body)
        try:
            payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise UsageError(f"the request body cannot be sent as JSON: {exc}") from None
        request = Request("POST", self._url(path, query), self._headers(headers, stream), payload)
        return request, (self.timeout if timeout is NOT_GIVEN else as_timeout(timeout))

    def _build_get(
        self,
        path: str,
        *,
        stream: bool,
        headers: Optional[Mapping[str, Optional[str]]],
        query: Optional[Mapping[str, Any]],
        timeout: TimeoutArg,
    ) -> Tuple[Request, Timeout]:
        """A GET of ``base_url + path``, and the time budget to send it with."""
        request = Request("GET", self._url(path, query), self._headers(headers, stream), None)
        return request, (self.timeout if timeout is NOT_GIVEN else as_timeout(timeout))

    def _headers(self, extra: Optional[Mapping[str, Optional[str]]], stream: bool) -> List[Tuple[str, str]]:
        headers = {
            "Accept": "text/event-stream" if stream else "application/json",
            "Content-Type": "application/json",
            "User-Agent": _USER_AGENT,
        }
        if stream:
            # A compressing proxy buffers events (tower-rs/tower-http#420): ask for none.
            headers["Accept-Encoding"] = "identity"
            headers["Cache-Control"] = "no-cache"
        if self._authorization is not None:
            headers["Authorization"] = self._authorization
        return merge_headers(headers, self.default_headers, extra)

    def _url(self, path: str, extra_query: Optional[Mapping[str, Any]]) -> str:
        query = {**self.default_query, **(extra_query or {})}
        url = f"{self.base_url}/{path.lstrip('/')}"
        if query:
            from urllib.parse import urlencode

            url += ("&" if "?" in url else "?") + urlencode(query, doseq=True)
        return url

    def _new_decoder(self) -> ChatDecoder:
        return ChatDecoder(
            max_line_bytes=self._limits["max_line_bytes"], max_event_bytes=self._limits["max_event_bytes"]
        )

    def _new_response_decoder(self, starting_after: Optional[int] = None) -> ResponseDecoder:
        return ResponseDecoder(
            max_line_bytes=self._limits["max_line_bytes"],
            max_event_bytes=self._limits["max_event_bytes"],
            starting_after=starting_after,
        )

    def _run(self, flow: Flow[Any]) -> Any:
        """Run a resource's flow: its answer (``Client``) or an awaitable of it (``AsyncClient``)."""
        return self._transport.driver.run(flow)

    def __repr__(self) -> str:
        # Never the key itself: only whether there is one.
        key = "set" if self._api_key else "none"
        return (
            f"<{type(self).__name__} base_url={self.base_url!r} timeout={self.timeout!r}"
            f" max_retries={self.max_retries} api_key={key}>"
        )


class Client(_ClientBase):
    """A client for any OpenAI-compatible endpoint (``base_url`` + ``/chat/completions``).

    Args:
        api_key: sent as ``Authorization: Bearer ...`` (default: ``OPENAI_API_KEY``; none for local servers).
        base_url: e.g. ``https://api.openai.com/v1`` or ``http://localhost:8000/v1`` (default: ``OPENAI_BASE_URL``).
        timeout: a :class:`~sse_pplx.transport.Timeout`, or seconds for every phase; default
            ``Timeout(600, connect=5)`` like the SDK.
        max_retries: retries on connection errors and 408/409/429/5xx (default 2).
        default_headers / default_query: sent with every request.
        ssl_context / ca_bundle: TLS trust (verification is always on unless your context turns it off).
        proxy: an ``http://`` proxy URL, or ``False`` for none; by default the ``*_PROXY`` environment.
        max_line_bytes / max_event_bytes: the SSE parser's limits.
    """

    _transport_class = Transport

    # The API resources: one line each.
    chat: _Resource[Chat] = _Resource(Chat)
    responses: _Resource[Responses] = _Resource(Responses)

    def close(self) -> None:
        """Close idle kept-alive connections."""
        self._transport.close()

    def __enter__(self: _Client) -> _Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """The asyncio face of :class:`Client` (same arguments): ``await client.chat.completions.create(...)``."""

    _transport_class = AsyncTransport

    # The API resources: one line each.
    chat: _Resource[AsyncChat] = _Resource(AsyncChat)
    responses: _Resource[AsyncResponses] = _Resource(AsyncResponses)

    async def close(self) -> None:
        """Close idle kept-alive connections."""
        self._transport.close()

    aclose = close

    async def __aenter__(self: _Client) -> _Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._transport.close()


class _PerplexityDefaults:
    """Perplexity's environment variables, base URL, default timeout and agent path."""

    _env_key = "PERPLEXITY_API_KEY"
    _env_base_url = "PERPLEXITY_BASE_URL"
    _default_base_url: Optional[str] = "https://api.perplexity.ai"
    _default_timeout = Timeout(900.0, connect=5.0)  # the perplexityai SDK's default
    _require_key = True
    _responses_path = "/v1/agent"  # the Agent API (``/v1/responses`` is its alias)

    @property
    def api_key(self) -> str:
        """The API key (required: never None here; never shown in a repr, a message or a log line)."""
        return self.__dict__["_api_key"]  # type: ignore[no-any-return]


class Perplexity(_PerplexityDefaults, Client):
    """The Perplexity API: ``https://api.perplexity.ai``, key from ``PERPLEXITY_API_KEY``
    (base URL overridable by ``PERPLEXITY_BASE_URL``).  Same arguments as :class:`Client`."""


class AsyncPerplexity(_PerplexityDefaults, AsyncClient):
    """The asyncio face of :class:`Perplexity`."""
