"""The ``chat.completions`` resource: ``create()``, and the chat streams it returns.

One body for both clients: ``create`` builds a flow (:mod:`~sse_pplx._flows`) that sends
the request with retries and reads a whole completion, or hands back a stream; the
client's driver runs it, so ``Client`` returns the answer and ``AsyncClient`` an awaitable
of it.  The reading of a stream is a flow too (:meth:`ChatStreamState.read`): bytes from
the response to the sans-I/O :class:`~sse_pplx.chat.ChatDecoder`, chunks out as they are
decoded, ``[DONE]`` then the connection kept for reuse, and the verdict at the end.
:class:`Stream` and :class:`AsyncStream` are the two faces of that flow: iterate them.

A stream that breaks keeps what it had: the error raised is an
``APIConnectionError`` (``APITimeoutError`` for a stall, ``IncompleteStreamError`` for a
body that ended before the answer did) carrying ``partial`` (the result so far),
``last_event_id`` and ``attempts``, so ``except APIConnectionError`` retry loops written
for the SDKs keep working and nothing received is lost.
"""

from __future__ import annotations

import json
from typing import overload

from ._exchange import NOT_GIVEN
from ._faces import AsyncFace, StreamState, SyncFace
from ._flows import Emit
from ._retry import json_instead_of_stream, json_object, read_body, send
from .chat import ChatDecoder, ChatResult
from .chat_objects import ChatCompletion, ChatCompletionChunk
from .errors import (
    APIConnectionError,
    APIError,
    IncompleteStreamError,
    ProtocolError,
    error_message,
)
from .events import ServerSentEvent
from .transport import ASYNCIO, AsyncResponse, Response

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, AsyncIterator, Coroutine, Dict, Iterable, Iterator, List, Literal, Mapping, Optional, Union

    from ._exchange import ResponseCore, Timeout

    TimeoutArg = Union[None, float, Timeout]
    from ._flows import Flow
    from ._http import Request

__all__ = ["AsyncChatCompletions", "AsyncStream", "ChatCompletions", "Stream"]


class _ChatCompletionsBase:
    """What both faces of ``client.chat.completions`` share: the request, and the flow that sends it."""

    def __init__(self, client: Any) -> None:
        """The resource of ``client`` (made by the client, on first use of ``client.chat``)."""
        self._client = client

    def _start(
        self,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: bool,
        extra_headers: Optional[Mapping[str, str]],
        extra_query: Optional[Mapping[str, Any]],
        extra_body: Optional[Mapping[str, Any]],
        timeout: TimeoutArg,
        params: Dict[str, Any],
    ) -> Any:
        """The answer (``Client``), or an awaitable of it (``AsyncClient``)."""
        client = self._client
        body = {"model": model, "messages": list(messages), **params}
        if stream:
            body["stream"] = True
        elif "stream" not in params:
            body["stream"] = False
        request, budget = client._build_request(
            "/chat/completions", body, extra_body, stream=stream, headers=extra_headers, query=extra_query,
            timeout=timeout,
        )  # fmt: skip
        return client._run(self._create(request, budget, stream))

    def _create(self, request: Request, budget: Timeout, stream: bool) -> Flow[Any]:
        client = self._client
        transport = client._transport
        response, attempts = yield from send(transport.core, request, budget, client.max_retries, client.api_key)
        if not stream:
            if response.content_type == "text/event-stream":
                return (yield from _collect_flow(response, client._new_decoder(), attempts))
            raw = yield from read_body(response, attempts)
            return _completion(response, raw, attempts)
        whole = yield from json_instead_of_stream(response, attempts)  # a whole completion: one chunk
        face = AsyncStream if transport.driver is ASYNCIO else Stream
        return face(response, client._new_decoder(), attempts, whole)


class ChatCompletions(_ChatCompletionsBase):
    """``client.chat.completions`` of a :class:`~sse_pplx.client.Client`."""

    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: Literal[False] = False,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> ChatCompletion: ...
    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: Literal[True],
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Stream: ...
    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: bool,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Union[ChatCompletion, Stream]: ...
    def create(
        self, *, model: str, messages: Iterable[Mapping[str, Any]], stream: bool = False,
        extra_headers: Optional[Mapping[str, str]] = None, extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None, timeout: TimeoutArg = NOT_GIVEN, **params: Any,
    ) -> Union[ChatCompletion, Stream]:  # fmt: skip
        """Create a chat completion: a :class:`Stream` with ``stream=True``, else a
        :class:`~sse_pplx.chat_objects.ChatCompletion`.

        Any other keyword (``max_tokens``, ``temperature``, ``search_domain_filter``, ...) goes
        into the body; ``extra_body`` is merged into it last; ``timeout`` overrides the client's.
        """
        return self._start(model, messages, stream, extra_headers, extra_query, extra_body, timeout, params)  # type: ignore[no-any-return]


class AsyncChatCompletions(_ChatCompletionsBase):
    """``client.chat.completions`` of an :class:`~sse_pplx.client.AsyncClient`: ``await create(...)``."""

    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: Literal[False] = False,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Coroutine[Any, Any, ChatCompletion]: ...
    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: Literal[True],
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncStream]: ...
    @overload
    def create(
        self,
        *,
        model: str,
        messages: Iterable[Mapping[str, Any]],
        stream: bool,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Coroutine[Any, Any, Union[ChatCompletion, AsyncStream]]: ...
    def create(
        self, *, model: str, messages: Iterable[Mapping[str, Any]], stream: bool = False,
        extra_headers: Optional[Mapping[str, str]] = None, extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None, timeout: TimeoutArg = NOT_GIVEN, **params: Any,
    ) -> Coroutine[Any, Any, Union[ChatCompletion, AsyncStream]]:  # fmt: skip
        """Create a chat completion: a coroutine whose value is an :class:`AsyncStream` with
        ``stream=True``, else a :class:`~sse_pplx.chat_objects.ChatCompletion`.

        Any other keyword (``max_tokens``, ``temperature``, ``search_domain_filter``, ...) goes
        into the body; ``extra_body`` is merged into it last; ``timeout`` overrides the client's.
        """
        # Not ``async def``: the request is built (and a bad argument raises) at the call, as before.
        return self._start(model, messages, stream, extra_headers, extra_query, extra_body, timeout, params)  # type: ignore[no-any-return]


def _completion(response: ResponseCore, raw: bytes, attempts: int) -> ChatCompletion:
    """A non-streamed answer: the JSON completion."""
    body = json_object(response, raw, attempts)
    if body.get("error"):
        raise APIError(error_message(body), body=body, attempts=attempts)
    return ChatCompletion(body)


def _collect_flow(response: ResponseCore, decoder: ChatDecoder, attempts: int) -> Flow[ChatCompletion]:
    """``stream=False`` answered with an event stream: decoded as it arrives and collected into
    one completion, with the verdict ``stream=True`` gives (issue 13).  An error event, a limit,
    a broken connection or a stream cut short raise the same typed errors, carrying ``.partial``
    and ``last_event_id``; never a quietly partial answer."""
    try:
        try:
            while not decoder.done:
                data = yield from response.read1_flow()
                if not data:
                    break
                decoder._consume(data)  # the result only: no chunk objects are built
            if decoder.done:  # [DONE]: read the rest briefly, to keep the connection
                yield from response.drain_flow()
        except APIConnectionError as exc:
            result = decoder.close()
            if result.outcome == "truncated":
                exc.partial = result
                raise
            result.warnings.append(f"the connection broke after the answer had finished: {exc.message}")
            return result.to_completion()
        result = decoder.close()
        if result.outcome == "truncated":
            raise _incomplete(decoder, result, attempts)
    except (APIError, ProtocolError) as exc:
        exc.attempts = attempts
        exc.last_event_id = decoder.last_event_id or None
        raise
    finally:
        response.close()
    return result.to_completion()


def _incomplete(decoder: ChatDecoder, result: ChatResult, attempts: int) -> IncompleteStreamError:
    """The error for an answer that stopped short (``result.outcome == "truncated"``)."""
    cut = decoder.parser.truncated and not result.salvaged
    why = "the last event was cut off" if cut else "the body ended with no [DONE] and no finish_reason"
    return IncompleteStreamError(
        f"the stream ended before the answer did: {why} ({len(result.content)} characters received)",
        partial=result,
        last_event_id=decoder.last_event_id or None,
        attempts=attempts,
    )


# -- chat streams ----------------------------------------------------------------------


class _ChatStreamState(StreamState[ChatResult]):
    """What a chat stream knows, whichever face reads it (:class:`Stream`, :class:`AsyncStream`):
    :class:`~sse_pplx._faces.StreamState`'s, and :meth:`_flow`, the flow that reads it."""

    _decoder: ChatDecoder

    def __init__(self, response: ResponseCore, decoder: ChatDecoder, attempts: int, whole: Optional[bytes]) -> None:
        super().__init__(response, decoder, attempts)
        self._whole = whole  # a JSON completion sent where a stream was asked for

    def _flow(self) -> Flow[None]:
        """Emits chunks as they are decoded, until ``[DONE]`` or the end of the body."""
        decoder = self._decoder
        response = self.response
        try:
            if self._whole is not None:
                yield Emit(self._whole_chunk())
            while not decoder.done:
                try:
                    data = yield from response.read1_flow()
                except APIConnectionError as exc:
                    yield Emit(self._salvaged())  # a whole last event that lacked only its blank line
                    error = self._broken(exc)
                    if error is None:
                        return
                    raise error from exc.__cause__
                if not data:
                    break
                yield Emit(decoder.iter_feed(data))
                data = b""  # not held while the next read waits: an open stream keeps no old bytes
            if decoder.done:  # [DONE]: the end of the body is usually right behind it; keep the connection
                yield from response.drain_flow()
            yield Emit(self._salvaged())
            self._end()
        except GeneratorExit:
            raise
        except BaseException as exc:
            if self._error is None:
                self._failed(exc)
            raise
        finally:
            response.close()

    def _salvaged(self) -> List[ChatCompletionChunk]:
        """The end of the bytes: the chunk of a last event kept without its blank line, if any,
        yielded like the others so that the chunks add up to ``result`` (issue 13)."""
        chunk = self._decoder.flush()
        return [] if chunk is None else [chunk]

    def _whole_chunk(self) -> List[ChatCompletionChunk]:
        """A 200 with a whole JSON completion instead of a stream is taken as that completion, as one chunk."""
        data, self._whole = self._whole or b"", None
        text = data.decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("choices"), list):
            # Give each choice a delta too, so that chunk.choices[0].delta.content works as for a stream.
            for choice in body["choices"]:
                if isinstance(choice, dict) and "delta" not in choice and isinstance(choice.get("message"), dict):
                    choice["delta"] = choice["message"]
            text = json.dumps(body)
        chunk = self._decoder.feed_event(ServerSentEvent(text))
        return [] if chunk is None else [chunk]

    def _broken(self, exc: APIConnectionError) -> Optional[APIConnectionError]:
        """The connection broke mid-stream: the error to raise, with the partial result, or None when
        the answer had in fact finished (a ``finish_reason`` had come; only ``[DONE]`` was missing)."""
        result = self._decoder.close()
        exc.attempts = self._attempts
        exc.last_event_id = self._decoder.last_event_id or None
        if result.outcome != "truncated":
            result.warnings.append(f"the connection broke after the answer had finished: {exc.message}")
            self._final = result
            return None
        exc.partial = result
        self._error = exc
        return exc

    def _end(self) -> None:
        """The body ended (or ``[DONE]`` came): give the verdict; a truncated answer is an error."""
        result = self._decoder.close()
        self._final = result
        if result.outcome == "truncated":
            error = _incomplete(self._decoder, result, self._attempts)
            self._error = error
            raise error

    def _failed(self, exc: BaseException) -> None:
        """A chat-layer error (an error event, a limit): remember it for get_final_completion()."""
        if isinstance(exc, (APIError, ProtocolError)):
            exc.attempts = self._attempts
            exc.last_event_id = self._decoder.last_event_id or None
        if self._final is None:
            partial = getattr(exc, "partial", None)
            self._final = partial if isinstance(partial, ChatResult) else self._decoder.result
        self._error = exc

    def _collect_text(self, include_reasoning: bool = False) -> List[str]:
        """A list the decoder appends the answer's text to (with ``include_reasoning``, the raw content)."""
        pieces: List[str] = []
        self._decoder.add_text_listener(pieces.append, include_reasoning=include_reasoning)
        return pieces


class Stream(_ChatStreamState, SyncFace[ChatCompletionChunk, ChatResult]):
    """A streamed chat completion: iterate it for ``ChatCompletionChunk`` objects.

    Use it as a context manager (or call :meth:`close`) to release the connection; leaving
    the loop early (``break``) closes it as well.  :meth:`get_final_completion` reads
    whatever is left and returns the :class:`~sse_pplx.chat.ChatResult` (content,
    reasoning, citations, search_results, usage, outcome).  :meth:`iter_text` yields just
    the answer's text.

    Raises (while iterating): :class:`~sse_pplx.errors.APIConnectionError` /
    :class:`~sse_pplx.errors.APITimeoutError` if the connection breaks or stalls,
    :class:`~sse_pplx.errors.IncompleteStreamError` if the body ends before the answer
    did, :class:`~sse_pplx.errors.APIErrorEvent` for an error inside the stream -- each
    with ``.partial``, the result so far.
    """

    response: Response

    def __init__(self, response: Response, decoder: ChatDecoder, attempts: int, whole: Optional[bytes] = None) -> None:
        """Made by ``client.chat.completions.create(stream=True)``, not by hand: the open
        ``response``, its ``decoder``, the ``attempts`` it took, and ``whole``, a JSON
        completion sent where a stream was asked for (read as one chunk)."""
        super().__init__(response, decoder, attempts, whole)
        self._start()

    def iter_text(self, *, include_reasoning: bool = False) -> Iterator[str]:
        """The answer's text as it streams (with ``include_reasoning``, the raw content, ``<think>`` included)."""
        return self._texts(self._collect_text(include_reasoning))

    @property
    def text_stream(self) -> Iterator[str]:
        """``for text in stream.text_stream``: the answer's text as it streams."""
        return self.iter_text()

    def get_final_completion(self) -> ChatResult:
        """Read the rest of the stream and return the result (re-raises the error the stream ended with)."""
        return self._read_to_end()


class AsyncStream(_ChatStreamState, AsyncFace[ChatCompletionChunk, ChatResult]):
    """The asyncio face of :class:`Stream`: ``async for``, ``async with``, ``await get_final_completion()``."""

    response: AsyncResponse

    def __init__(
        self, response: AsyncResponse, decoder: ChatDecoder, attempts: int, whole: Optional[bytes] = None
    ) -> None:
        """Made by ``await client.chat.completions.create(stream=True)`` (see :class:`Stream`)."""
        super().__init__(response, decoder, attempts, whole)
        self._start()

    def iter_text(self, *, include_reasoning: bool = False) -> AsyncIterator[str]:
        """The answer's text as it streams."""
        return self._texts(self._collect_text(include_reasoning))

    @property
    def text_stream(self) -> AsyncIterator[str]:
        return self.iter_text()

    async def get_final_completion(self) -> ChatResult:
        """Read the rest of the stream and return the result (re-raises the error the stream ended with)."""
        return await self._read_to_end()
