"""The ``responses`` resource: ``create()``, ``retrieve()``, ``cancel()``, and the response streams.

Perplexity's Agent API (``POST {base}/v1/agent``, ``client.responses.create(preset=...,
input=..., stream=True)`` in the perplexityai SDK) on :class:`~sse_pplx.client.Perplexity`,
OpenAI's Responses API (``POST {base_url}/responses``) on :class:`~sse_pplx.client.Client`
(agent-responses-wire.md §1 in ``../shared/reference``).  One body for both clients, as
for chat: each method builds a flow (:mod:`~sse_pplx._flows`) that the client's driver runs;
a stream's reading is a flow too, and :class:`ResponseStream` / :class:`AsyncResponseStream`
are its two faces (:mod:`~sse_pplx._faces`).

A stream that breaks, or ends without a terminal event, is **resumed by itself** when the run
is a background one (``background=True``, or a stream opened by ``retrieve``): after the
reconnection backoff (:func:`~sse_pplx._retry.reconnect_delay`) it asks for
``GET .../{id}?stream=true&starting_after=N`` (§7), the decoder drops what it had seen
already, and the consumer sees every event once; ``result.resumes`` counts the resumptions.
When it cannot resume (no response id yet, the server refuses, the attempts ran out), the
error raised carries ``.partial`` with the ``response_id`` and ``sequence_number`` to resume
from later.  Failed, cancelled and cut-short runs raise typed errors carrying ``.partial``
(:func:`~sse_pplx.responses.verdict_error`); ``incomplete`` is a result, not an error.
"""

from __future__ import annotations

import json
from typing import overload

from ._exchange import NOT_GIVEN, Timeout
from ._faces import AsyncFace, StreamState, SyncFace
from ._flows import Emit, Sleep, without_emits
from ._retry import json_instead_of_stream, json_object, log, read_body, reconnect_delay, send
from .errors import APIConnectionError, APIError, APIStatusError, ProtocolError
from .events import ServerSentEvent
from .response_events import Response
from .response_result import ResponseResult
from .responses import ResponseDecoder, verdict_error
from .transport import ASYNCIO, AsyncResponse
from .transport import Response as HTTPResponse

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, AsyncIterator, Callable, Coroutine, Dict, Iterator, List, Literal, Mapping, Optional, Union

    from ._exchange import ResponseCore
    from ._flows import Flow
    from ._http import Request
    from .response_events import ResponseEvent, SearchActivityEvent

    TimeoutArg = Union[None, float, Timeout]

__all__ = ["AGENT_TIMEOUT", "AsyncResponseStream", "AsyncResponses", "ResponseStream", "Responses"]

#: The budget of a response stream when the client's timeout was left at its default: agent
#: runs take minutes (§10.13), so an idle timeout of 5 minutes within an hour's deadline.
AGENT_TIMEOUT = Timeout(300.0, connect=5.0, total=3600.0)
#: The first resumption waits this long (the EventSource default reconnection time), the
#: following ones back off exponentially up to :data:`MAX_RESUME_BACKOFF`.
RESUME_DELAY = 3.0
MAX_RESUME_BACKOFF = 30.0
#: How many times a background stream is resumed before the error is raised.
MAX_RESUMES = 5


class _ResponsesBase:
    """What both faces of ``client.responses`` share: the requests, and the flows that send them."""

    def __init__(self, client: Any) -> None:
        """The resource of ``client`` (made by the client on first use of ``client.responses``)."""
        self._client = client

    def _create(
        self,
        stream: bool,
        extra_headers: Optional[Mapping[str, str]],
        extra_query: Optional[Mapping[str, Any]],
        extra_body: Optional[Mapping[str, Any]],
        timeout: TimeoutArg,
        params: Dict[str, Any],
    ) -> Any:
        client = self._client
        body = dict(params)
        body["stream"] = bool(stream)
        request, budget = client._build_request(
            client._responses_path, body, extra_body, stream=stream, headers=extra_headers, query=extra_query,
            timeout=timeout,
        )  # fmt: skip
        background = bool(body.get("background"))
        return client._run(self._open(request, self._budget(budget, timeout), stream, background))

    def _retrieve(
        self,
        response_id: str,
        stream: bool,
        starting_after: Optional[int],
        extra_headers: Optional[Mapping[str, str]],
        extra_query: Optional[Mapping[str, Any]],
        timeout: TimeoutArg,
    ) -> Any:
        client = self._client
        request, budget = self._retrieve_request(
            response_id, stream, starting_after, extra_headers, extra_query, timeout
        )
        return client._run(
            self._open(request, self._budget(budget, timeout), stream, True, response_id, starting_after)
        )

    def _cancel(self, response_id: str, extra_headers: Optional[Mapping[str, str]], timeout: TimeoutArg) -> Any:
        client = self._client
        request, budget = client._build_request(
            f"{client._responses_path}/{_quoted(response_id)}/cancel", {}, None, stream=False,
            headers=extra_headers, query=None, timeout=timeout,
        )  # fmt: skip
        return client._run(self._open(request, budget, False, False))

    # -- the flows ------------------------------------------------------------------

    def _budget(self, budget: Timeout, timeout: TimeoutArg) -> Timeout:
        """An agent run's budget unless the caller or the client chose one."""
        client = self._client
        if timeout is NOT_GIVEN and client.timeout == type(client)._default_timeout:
            return AGENT_TIMEOUT
        return budget

    def _retrieve_request(
        self,
        response_id: str,
        stream: bool,
        starting_after: Optional[int],
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        timeout: Any = NOT_GIVEN,
    ) -> Any:
        query: Dict[str, Any] = {}
        if stream:
            query["stream"] = "true"
            if starting_after is not None:
                query["starting_after"] = str(int(starting_after))
        query.update(extra_query or {})
        return self._client._build_get(
            f"{self._client._responses_path}/{_quoted(response_id)}",
            stream=stream,
            headers=extra_headers,
            query=query,
            timeout=timeout,
        )

    def _open(
        self,
        request: Request,
        budget: Timeout,
        stream: bool,
        resumable: bool,
        response_id: Optional[str] = None,
        starting_after: Optional[int] = None,
    ) -> Flow[Any]:
        client = self._client
        transport = client._transport
        response, attempts = yield from send(transport.core, request, budget, client.max_retries, client.api_key)
        decoder = client._new_response_decoder(starting_after)
        if response_id is not None:
            decoder._received.response_id = response_id
        kind = response.content_type
        if not stream:
            if kind == "text/event-stream":
                state = _ResponseStreamState(self, response, decoder, attempts, budget, resumable)
                result = yield from state._collect_flow()
                return _response_of(result)
            raw = yield from read_body(response, attempts)
            return _response_body(response, raw, attempts)
        whole = yield from json_instead_of_stream(response, attempts)  # a whole response: its terminal event
        face = AsyncResponseStream if transport.driver is ASYNCIO else ResponseStream
        return face(self, response, decoder, attempts, budget, resumable, whole)


def _quoted(response_id: str) -> str:
    from urllib.parse import quote

    if not isinstance(response_id, str) or not response_id:
        from .errors import UsageError

        raise UsageError(f"response_id must be a non-empty str, not {response_id!r}")
    return quote(response_id, safe="")


class Responses(_ResponsesBase):
    """``client.responses`` of a :class:`~sse_pplx.client.Client`."""

    @overload
    def create(
        self,
        *,
        stream: Literal[False] = False,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Response: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> ResponseStream: ...
    @overload
    def create(
        self,
        *,
        stream: bool,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Union[Response, ResponseStream]: ...
    def create(
        self, *, stream: bool = False, extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None, extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN, **params: Any,
    ) -> Union[Response, ResponseStream]:  # fmt: skip
        """Create a response (Perplexity: an agent run): a :class:`ResponseStream` with ``stream=True``, else the final
        :class:`~sse_pplx.response_events.Response`.

        Every other keyword goes into the JSON body as given: Perplexity's ``preset``,
        ``model``, ``models``, ``input`` (a string or a list of message items),
        ``instructions``, ``tools``, ``max_output_tokens``, ``response_format``,
        ``stream_options``, ``background``, ...; OpenAI's ``model``, ``input``, ``text``,
        ``reasoning``, ...  ``extra_body`` is merged in last.
        """
        return self._create(stream, extra_headers, extra_query, extra_body, timeout, params)  # type: ignore[no-any-return]

    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[False] = False,
        starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> Response: ...
    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[True],
        starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> ResponseStream: ...
    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: bool,
        starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> Union[Response, ResponseStream]: ...
    def retrieve(
        self, response_id: str, *, stream: bool = False, starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None, extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> Union[Response, ResponseStream]:  # fmt: skip
        """The response ``response_id`` (``GET .../{id}``); with ``stream=True`` its event stream
        again, after ``starting_after`` (a sequence number), as a :class:`ResponseStream` that resumes
        by itself if it breaks."""
        return self._retrieve(response_id, stream, starting_after, extra_headers, extra_query, timeout)  # type: ignore[no-any-return]

    def cancel(
        self, response_id: str, *, extra_headers: Optional[Mapping[str, str]] = None, timeout: TimeoutArg = NOT_GIVEN
    ) -> Response:
        """Cancel a background run (``POST .../{id}/cancel``): the JSON answer as a ``Response``."""
        return self._cancel(response_id, extra_headers, timeout)  # type: ignore[no-any-return]


class AsyncResponses(_ResponsesBase):
    """``client.responses`` of an :class:`~sse_pplx.client.AsyncClient`: ``await create(...)``."""

    @overload
    def create(
        self,
        *,
        stream: Literal[False] = False,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Coroutine[Any, Any, Response]: ...
    @overload
    def create(
        self,
        *,
        stream: Literal[True],
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Coroutine[Any, Any, AsyncResponseStream]: ...
    @overload
    def create(
        self,
        *,
        stream: bool,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
        **params: Any,
    ) -> Coroutine[Any, Any, Union[Response, AsyncResponseStream]]: ...
    def create(
        self, *, stream: bool = False, extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None, extra_body: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN, **params: Any,
    ) -> Coroutine[Any, Any, Union[Response, AsyncResponseStream]]:  # fmt: skip
        """Create a response (Perplexity: an agent run): a coroutine whose value is an :class:`AsyncResponseStream` with
        ``stream=True``, else the final :class:`~sse_pplx.response_events.Response`.

        Every other keyword goes into the JSON body as given: Perplexity's ``preset``,
        ``model``, ``models``, ``input`` (a string or a list of message items),
        ``instructions``, ``tools``, ``max_output_tokens``, ``response_format``,
        ``stream_options``, ``background``, ...; OpenAI's ``model``, ``input``, ``text``,
        ``reasoning``, ...  ``extra_body`` is merged in last.
        """
        return self._create(stream, extra_headers, extra_query, extra_body, timeout, params)  # type: ignore[no-any-return]

    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[False] = False,
        starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> Coroutine[Any, Any, Response]: ...
    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: Literal[True],
        starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> Coroutine[Any, Any, AsyncResponseStream]: ...
    @overload
    def retrieve(
        self,
        response_id: str,
        *,
        stream: bool,
        starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> Coroutine[Any, Any, Union[Response, AsyncResponseStream]]: ...
    def retrieve(
        self, response_id: str, *, stream: bool = False, starting_after: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None, extra_query: Optional[Mapping[str, Any]] = None,
        timeout: TimeoutArg = NOT_GIVEN,
    ) -> Coroutine[Any, Any, Union[Response, AsyncResponseStream]]:  # fmt: skip
        """The response ``response_id`` (``GET .../{id}``), as a coroutine to await; with
        ``stream=True`` its event stream again, after ``starting_after`` (a sequence number),
        as a :class:`AsyncResponseStream` that resumes by itself if it breaks."""
        return self._retrieve(response_id, stream, starting_after, extra_headers, extra_query, timeout)  # type: ignore[no-any-return]

    def cancel(
        self, response_id: str, *, extra_headers: Optional[Mapping[str, str]] = None, timeout: TimeoutArg = NOT_GIVEN
    ) -> Coroutine[Any, Any, Response]:
        """Cancel a background run (``POST .../{id}/cancel``): the JSON answer as a ``Response``,
        as a coroutine to await."""
        return self._cancel(response_id, extra_headers, timeout)  # type: ignore[no-any-return]


def _response_body(response: ResponseCore, raw: bytes, attempts: int) -> Response:
    """A non-streamed answer: the JSON response object; a failed or cancelled one raises."""
    body = json_object(response, raw, attempts)
    status = body.get("status")
    if status in ("failed", "cancelled") or (body.get("error") and "output" not in body):
        error: Dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
        message = error.get("message") if isinstance(error.get("message"), str) else f"the run is {status}"
        raise APIError(f"the run {status or 'failed'}: {message}", body=body, partial=Response(body), attempts=attempts)
    return Response(body)


def _response_of(result: ResponseResult) -> Response:
    """The final response object of a stream read whole: the one the terminal event carried,
    else one built from what arrived."""
    if result.response is not None and result.response.output:
        return result.response
    return Response(
        {
            "id": result.response_id,
            "object": "response",
            "model": result.model,
            "status": result.status,
            "error": result.error,
            "output": [item.to_dict() for item in result.output],
            "usage": None if result.usage is None else result.usage.to_dict(),
        }
    )


class _ResponseStreamState(StreamState[ResponseResult]):
    """What a response stream knows, whichever face reads it: :class:`~sse_pplx._faces.StreamState`'s,
    and :meth:`_flow`, the flow that reads it and resumes it."""

    _decoder: ResponseDecoder

    def __init__(
        self,
        resource: _ResponsesBase,
        response: ResponseCore,
        decoder: ResponseDecoder,
        attempts: int,
        budget: Timeout,
        resumable: bool,
        whole: Optional[bytes] = None,
    ) -> None:
        super().__init__(response, decoder, attempts)
        self._resource = resource
        self._budget = budget
        self._resumable = resumable
        self._whole = whole
        self._refusal: Optional[APIError] = None  # why the last resumption was refused

    @property
    def response_id(self) -> Optional[str]:
        """The response's id, once the first event has told it."""
        return self._decoder.cursor[0]

    def _flow(self) -> Flow[None]:
        """Emits events as they are decoded, resuming a background run that breaks."""
        decoder = self._decoder
        try:
            if self._whole is not None:
                yield Emit(self._whole_events())
            while True:
                broken = yield from self._read_connection()
                if decoder.done or not (yield from self._resume()):
                    break
            self._end(broken)
        except GeneratorExit:
            raise
        except BaseException as exc:
            if self._error is None:
                self._failed(exc)
            raise
        finally:
            self.response.close()

    def _read_connection(self) -> Flow[Optional[APIConnectionError]]:
        """One connection's events; the connection error that ended it, or None."""
        decoder = self._decoder
        broken: Optional[APIConnectionError] = None
        try:
            while not decoder.done:
                data = yield from self.response.read1_flow()
                if not data:
                    break
                yield Emit(decoder.iter_feed(data))
                data = b""  # not held while the next read waits: an open stream keeps no old bytes
        except APIConnectionError as exc:
            broken = exc
        if decoder.done:  # a terminal event: the end of the body is right behind it; keep the connection
            yield from self.response.drain_flow()
        else:
            last = decoder.flush()  # a whole last event that lacked only its blank line
            if last is not None:
                yield Emit([last])
        return broken

    def _resume(self) -> Flow[bool]:
        """Open the stream again after the last sequence number seen (§7); False when it cannot
        be (not a background run, no response id yet, refused, attempts used up)."""
        decoder = self._decoder
        response_id, cursor = decoder.cursor
        if not self._resumable or response_id is None:
            return False
        failures = 0
        while decoder._received.resumes + failures < MAX_RESUMES:
            failures += 1
            self.response.close()
            yield Sleep(reconnect_delay(failures, RESUME_DELAY, MAX_RESUME_BACKOFF))
            request, _ = self._resource._retrieve_request(response_id, True, cursor)
            client = self._resource._client
            try:
                response, attempts = yield from send(client._transport.core, request, self._budget, 0, client.api_key)
            except APIStatusError as exc:  # e.g. 400: past the reconnect window; 404: not a background run
                self._attempts += 1
                self._refusal = exc
                return False
            except APIConnectionError as exc:
                self._attempts += 1
                self._refusal = exc
                continue
            self._attempts += attempts
            if response.content_type != "text/event-stream":
                response.close()
                self._refusal = APIError(f"resuming gave {response.content_type or 'no Content-Type'}, not a stream")
                return False
            log.info("resumed response %s after sequence number %s", response_id, cursor)
            self.response = response
            decoder.resume()
            return True
        return False

    def _end(self, broken: Optional[APIConnectionError]) -> None:
        """The stream is over: the verdict; a run that failed, was cancelled or was cut short raises."""
        result = self._decoder.close()
        self._final = result
        error = verdict_error(result)
        if error is None:
            if broken is not None:
                result.warnings.append(f"the connection broke after the run had ended: {broken.message}")
            return
        if result.status == "truncated" and broken is not None:
            error = broken  # the connection error as it was (APITimeoutError, ...), with the result
            error.partial = result
        if self._refusal is not None:
            error.message += f" (resuming was not possible: {self._refusal.message})"
        error.attempts = self._attempts
        self._error = error
        raise error

    def _failed(self, exc: BaseException) -> None:
        """A decoding error (a limit, strict mode): remember it for get_final_response()."""
        if isinstance(exc, (APIError, ProtocolError)):
            exc.attempts = self._attempts
            if exc.partial is None:
                exc.partial = self._decoder.result
        if self._final is None:
            partial = getattr(exc, "partial", None)
            self._final = partial if partial is not None else self._decoder.result
        self._error = exc

    def _collect_flow(self) -> Flow[ResponseResult]:
        """``stream=False`` answered with an event stream: read it all (resuming if need be)."""
        yield from without_emits(self._flow())
        return self._final_result()

    def _whole_events(self) -> List[ResponseEvent]:
        """A whole JSON response where a stream was asked for: taken as its terminal event."""
        data, self._whole = self._whole or b"", None
        try:
            body = json.loads(data.decode("utf-8", "replace"))
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return []
        status = body.get("status") if isinstance(body.get("status"), str) else "completed"
        event = {"type": f"response.{status}", "response": body}
        decoded = self._decoder.feed_event(ServerSentEvent(json.dumps(event)))
        return [] if decoded is None else [decoded]

    def add_search_listener(self, listener: Callable[[SearchActivityEvent], object]) -> None:
        """Call ``listener(event)`` with each search-activity event as it is decoded."""
        self._decoder.add_search_listener(listener)

    def _collect_text(self) -> List[str]:
        pieces: List[str] = []
        self._decoder.add_text_listener(pieces.append)
        return pieces


class ResponseStream(_ResponseStreamState, SyncFace["ResponseEvent", ResponseResult]):
    """A streamed response (an agent run): iterate it for typed events
    (:mod:`sse_pplx.response_events`: ``event.type``, ``event.delta``, ``event.response``...).

    Use it as a context manager (or call :meth:`close`) to release the connection; leaving
    the loop early closes it as well.  :meth:`get_final_response` reads what is left and
    returns the :class:`~sse_pplx.response_result.ResponseResult`; :meth:`iter_text` yields
    just the answer's text; ``result`` is what arrived so far, whatever happened.

    Raises (while iterating, or from :meth:`get_final_response`):
    :class:`~sse_pplx.errors.APIErrorEvent` when the run failed or was cancelled,
    :class:`~sse_pplx.errors.APIConnectionError` / ``APITimeoutError`` /
    ``IncompleteStreamError`` when it was cut short and could not be resumed -- each with
    ``.partial``, the result so far (its ``response_id`` and ``sequence_number`` are the
    cursor to resume from with ``client.responses.retrieve``).
    """

    response: HTTPResponse

    def __init__(self, *args: Any) -> None:
        """Made by ``client.responses.create(stream=True)`` or ``retrieve(..., stream=True)``, not by hand."""
        super().__init__(*args)
        self._start()

    def iter_text(self) -> Iterator[str]:
        """The answer's text as it streams."""
        return self._texts(self._collect_text())

    @property
    def text_stream(self) -> Iterator[str]:
        """``for text in stream.text_stream``: the answer's text as it streams."""
        return self.iter_text()

    def get_final_response(self) -> ResponseResult:
        """Read the rest of the stream; the result (``completed`` or ``incomplete``), or the
        error the run ended with, raised with the whole result as ``.partial``."""
        return self._read_to_end()


class AsyncResponseStream(_ResponseStreamState, AsyncFace["ResponseEvent", ResponseResult]):
    """The asyncio face of :class:`ResponseStream`: ``async for``, ``async with``,
    ``await get_final_response()``."""

    response: AsyncResponse

    def __init__(self, *args: Any) -> None:
        """Made by ``await client.responses.create(stream=True)`` (or ``retrieve``), not by hand."""
        super().__init__(*args)
        self._start()

    def iter_text(self) -> AsyncIterator[str]:
        """The answer's text as it streams."""
        return self._texts(self._collect_text())

    @property
    def text_stream(self) -> AsyncIterator[str]:
        return self.iter_text()

    async def get_final_response(self) -> ResponseResult:
        """Read the rest of the stream; the result, or the error the run ended with."""
        return await self._read_to_end()
