"""Adapters: one interface through which the runner drives any SSE parser.

An adapter parses one stream at a time::

    adapter.start(options)        # a fresh stream; options = the fixture's parser limits ({} = defaults)
    adapter.feed(data) -> events  # the events these bytes completed, as dicts
    adapter.close() -> events     # end of stream (the spec dispatches nothing here)
    adapter.state() -> dict       # parser state, the keys named in state_keys

Events are dicts with the keys named in ``event_keys`` among ``type`` (the event
name, ``"message"`` by default), ``data``, ``id`` (the last event ID the event
carries) and ``retry`` (the valid retry value given in the event's own block,
else None).  ``state()`` returns the keys named in ``state_keys`` among
``last_event_id``, ``reconnection_time`` and, after ``close()``, ``discarded``.
An adapter that enforces size limits raises :class:`LimitError` from ``feed``
(with the events completed before the error).  Capabilities, as attributes:

=====================  ===================================================================
``incremental``        feed() returns events as soon as their bytes arrive (timing is checked)
``event_keys``         the event fields it reports
``state_keys``         the state it reports
``supports_limits``    it honours ``max_line_bytes`` / ``max_event_bytes`` (else fixtures
                       with ``options`` are skipped)
``supports_chat``      ``chat(chunks) -> dict`` gives the chat-completion result
``supports_responses`` ``responses(chunks, resumed_chunks=None) -> dict`` gives the Agent
                       API / Responses API result (``responses/`` fixtures)
=====================  ===================================================================

Built in: ``sse_pplx``, ``oracle``, and the Python peers ``sseclient``
(sseclient-py), ``httpx_sse``, ``requests_sse``, ``openai`` and ``perplexity``
(the perplexityai SDK), each driving the installed package's own code.  Also
``MODULE:FACTORY`` (:func:`python_adapter`) and ``--cmd`` (:class:`CommandAdapter`,
conformance/PROTOCOL.md).

Peers that pull bytes from an iterator (every Python peer) run in a helper
thread fed through a queue (:class:`PullAdapter`), so that they, too, are fed
chunk by chunk and their timing can be checked.
"""

from __future__ import annotations

import base64
import importlib
import json
import os
import select
import shlex
import subprocess
import sys
import threading
import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

__all__ = [
    "ADAPTERS",
    "Adapter",
    "AdapterError",
    "AdapterUnavailable",
    "CommandAdapter",
    "LimitError",
    "PullAdapter",
    "make_adapter",
    "python_adapter",
]

EVENT_KEYS = ("type", "data", "id", "retry")
# select() works on pipes everywhere but Windows; there, reads block without a timeout.
_selectable = sys.platform != "win32"
STATE_KEYS = ("last_event_id", "reconnection_time", "discarded")


class AdapterUnavailable(Exception):
    """The parser behind an adapter cannot be used here (not installed...)."""


class AdapterError(Exception):
    """The parser failed in a way that is not a limit error (an exception, a hang, a protocol error)."""


class LimitError(Exception):
    """A size limit was exceeded; ``events`` were completed by the failing feed() before it."""

    def __init__(self, limit: str, events: Optional[List[Dict[str, Any]]] = None) -> None:
        super().__init__(f"limit exceeded: {limit}")
        self.limit = limit
        self.events = events or []


class Adapter:
    """Base class with the default capabilities (a parser that reports only events)."""

    name = "adapter"
    description = ""
    incremental = True
    event_keys: Tuple[str, ...] = EVENT_KEYS
    state_keys: Tuple[str, ...] = ()
    supports_limits = False
    supports_chat = False
    supports_responses = False

    def start(self, options: Dict[str, Any]) -> None:
        raise NotImplementedError

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        raise NotImplementedError

    def close(self) -> List[Dict[str, Any]]:
        return []

    def state(self) -> Dict[str, Any]:
        return {}

    def chat(self, chunks: Sequence[bytes]) -> Dict[str, Any]:
        raise NotImplementedError

    def responses(self, chunks: Sequence[bytes], resumed_chunks: Optional[Sequence[bytes]] = None) -> Dict[str, Any]:
        """The result of an Agent API / Responses API stream fed as ``chunks`` (a dict with the
        keys of a fixture's ``responses``).  With ``resumed_chunks``, the connection dropped after
        ``chunks`` and a second one resumed the stream: feed ``chunks``, resume, feed
        ``resumed_chunks``, then end the stream."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Release resources (a subprocess); called once when the run ends."""


# -- sse_pplx -------------------------------------------------------------------------


def _event_dict(event: Any) -> Dict[str, Any]:
    return {"type": event.event, "data": event.data, "id": event.id, "retry": event.retry}


class SsePplxAdapter(Adapter):
    name = "sse_pplx"
    description = "sse_pplx.SSEParser, sse_pplx.collect_chat and sse_pplx.responses.ResponseDecoder"
    state_keys = STATE_KEYS
    supports_limits = True
    supports_chat = True
    supports_responses = True

    def __init__(self) -> None:
        import sse_pplx

        self._mod = sse_pplx
        self._parser: Any = None
        self._closed = False

    def start(self, options: Dict[str, Any]) -> None:
        kwargs = {k: options[k] for k in ("max_line_bytes", "max_event_bytes") if k in options}
        self._parser = self._mod.SSEParser(**kwargs)
        self._closed = False

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        try:
            return [_event_dict(e) for e in self._parser.feed(data)]
        except self._mod.LimitExceeded as exc:
            raise LimitError(exc.limit, [_event_dict(e) for e in exc.events]) from None

    def close(self) -> List[Dict[str, Any]]:
        out = [_event_dict(e) for e in self._parser.close()]
        self._closed = True
        return out

    def state(self) -> Dict[str, Any]:
        state = {"last_event_id": self._parser.last_event_id, "reconnection_time": self._parser.retry}
        if self._closed:
            state["discarded"] = self._parser.truncated
        return state

    def chat(self, chunks: Sequence[bytes]) -> Dict[str, Any]:
        try:
            result = self._mod.collect_chat(list(chunks))
            error = False
        except self._mod.APIError as exc:
            if exc.partial is None:
                raise
            result, error = exc.partial, True
        d = result.to_dict()
        return {
            "content": d["content"],
            "answer": d["answer"],
            "reasoning": d["reasoning"],
            "finish_reason": d["finish_reason"],
            "citations": d["citations"],
            "search_results": d["search_results"],
            "usage": d["usage"],
            "outcome": d["outcome"],
            "malformed": len(d["malformed"]),
            "error": error,
        }

    def responses(self, chunks: Sequence[bytes], resumed_chunks: Optional[Sequence[bytes]] = None) -> Dict[str, Any]:
        from sse_pplx.responses import ResponseDecoder

        decoder = ResponseDecoder()
        for chunk in chunks:
            decoder.feed(chunk)
        if resumed_chunks is not None:
            decoder.resume()
            for chunk in resumed_chunks:
                decoder.feed(chunk)
        result: Dict[str, Any] = decoder.close().to_dict()
        return result


# -- the oracle -----------------------------------------------------------------------


class OracleAdapter(Adapter):
    name = "oracle"
    description = "conformance.oracle, the spec-literal reference parser"
    state_keys = STATE_KEYS
    supports_limits = True

    def start(self, options: Dict[str, Any]) -> None:
        from .oracle import Oracle

        self._oracle = Oracle(
            max_line_bytes=options.get("max_line_bytes"), max_event_bytes=options.get("max_event_bytes")
        )

    @staticmethod
    def _strip(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        return [{k: e[k] for k in EVENT_KEYS} for e in events]

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        from .oracle import LimitReached

        try:
            return self._strip(self._oracle.feed(data))
        except LimitReached as exc:
            raise LimitError(exc.limit, self._strip(exc.events)) from None

    def close(self) -> List[Dict[str, Any]]:
        return self._strip(self._oracle.close())

    def state(self) -> Dict[str, Any]:
        state = self._oracle.state()
        if not self._oracle.closed:
            del state["discarded"]
        return state


# -- pull-based peers, run in a thread --------------------------------------------------

_EOF = object()


class _EndOfStream(Exception):
    """Raised inside a peer to stop it from reconnecting at the end of the input."""


class _PullSession:
    """One stream through a pull-based peer: the peer runs in a daemon thread."""

    def __init__(
        self,
        name: str,
        make_events: Callable[[Iterator[bytes]], Iterator[Any]],
        convert: Callable[[Any], Dict[str, Any]],
        timeout: float,
    ) -> None:
        self._make_events = make_events
        self._convert = convert
        self.timeout = timeout
        self._cond = threading.Condition()
        self._pending: List[Any] = []
        self._waiting = False
        self.finished = False
        self._error: Optional[BaseException] = None
        self._out: List[Dict[str, Any]] = []
        self._fed = self._taken = 0
        self._thread = threading.Thread(target=self._run, name=f"conformance-{name}", daemon=True)
        self._thread.start()

    def _source(self) -> Iterator[bytes]:
        while True:
            with self._cond:
                self._waiting = True
                self._cond.notify_all()
                while not self._pending:
                    self._cond.wait()
                item = self._pending.pop(0)
                self._taken += 1
                self._waiting = False
            if item is _EOF:
                return
            yield item

    def _run(self) -> None:
        try:
            for event in self._make_events(self._source()):
                converted = self._convert(event)
                with self._cond:
                    self._out.append(converted)
        except _EndOfStream:
            pass
        except BaseException as exc:
            self._error = exc
        with self._cond:
            self.finished = True
            self._cond.notify_all()

    def push(self, item: Any) -> List[Dict[str, Any]]:
        with self._cond:
            if self.finished:
                if self._error is not None:
                    raise AdapterError(f"{type(self._error).__name__}: {self._error}")
                if item is _EOF:
                    out, self._out = self._out, []
                    return out
                raise AdapterError("the parser stopped reading before the end of the input")
            self._pending.append(item)
            self._fed += 1
            self._cond.notify_all()
            done = self._cond.wait_for(
                lambda: self.finished or (self._waiting and self._taken == self._fed), timeout=self.timeout
            )
            if not done:
                raise AdapterError(f"no answer within {self.timeout} s (the parser hung)")
            if self._error is not None:
                raise AdapterError(f"{type(self._error).__name__}: {self._error}")
            out, self._out = self._out, []
            return out

    def abandon(self) -> None:
        """End a stream the runner stopped early, so that its thread exits."""
        with self._cond:
            if not self.finished:
                self._pending.append(_EOF)
                self._cond.notify_all()


class PullAdapter(Adapter):
    """Drives a parser that pulls bytes from an iterator, one chunk at a time.

    ``make_events(source)`` must return an iterator of the peer's events, pulling
    from ``source`` (an iterator of bytes); ``convert(event)`` turns one into a
    dict.  The peer runs in a daemon thread; :meth:`feed` hands it one chunk and
    waits until it asks for the next one (or ends), so the events returned are
    exactly those the peer produced from the bytes so far.
    """

    timeout = 10.0

    def __init__(
        self,
        name: str,
        make_events: Callable[[Iterator[bytes]], Iterator[Any]],
        convert: Callable[[Any], Dict[str, Any]],
        event_keys: Tuple[str, ...] = EVENT_KEYS,
        description: str = "",
    ) -> None:
        self.name = name
        self.description = description
        self.event_keys = event_keys
        self._make_events = make_events
        self._convert = convert
        self._session: Optional[_PullSession] = None

    def start(self, options: Dict[str, Any]) -> None:
        if self._session is not None:
            self._session.abandon()
        self._session = _PullSession(self.name, self._make_events, self._convert, self.timeout)

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        assert self._session is not None
        return self._session.push(bytes(data))

    def close(self) -> List[Dict[str, Any]]:
        assert self._session is not None
        return self._session.push(_EOF)

    def shutdown(self) -> None:
        if self._session is not None:
            self._session.abandon()


def _opt_str(value: Any) -> Any:
    return "" if value is None else value


def _sseclient() -> Adapter:
    try:
        import sseclient
    except ImportError:
        raise AdapterUnavailable("sseclient-py is not installed (pip install sseclient-py)") from None

    class _Source:
        def __init__(self, it: Iterator[bytes]) -> None:
            self._it = it

        def __iter__(self) -> Iterator[bytes]:
            return self._it

        def close(self) -> None:
            pass

    def make(source: Iterator[bytes]) -> Iterator[Any]:
        return sseclient.SSEClient(_Source(source)).events()

    def convert(e: Any) -> Dict[str, Any]:
        # Reported as the library gives them: id None when the block had none,
        # retry as the string it keeps.
        return {"type": e.event, "data": e.data, "id": _opt_str(e.id), "retry": e.retry}

    return PullAdapter("sseclient", make, convert, description="sseclient-py SSEClient(...).events()")


def _httpx_sse() -> Adapter:
    try:
        import httpx
        import httpx_sse
    except ImportError:
        raise AdapterUnavailable("httpx-sse (and httpx) are not installed (pip install httpx-sse)") from None

    def make(source: Iterator[bytes]) -> Iterator[Any]:
        response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=source)
        return httpx_sse.EventSource(response).iter_sse()

    def convert(e: Any) -> Dict[str, Any]:
        return {"type": e.event, "data": e.data, "id": e.id, "retry": e.retry}

    return PullAdapter(
        "httpx_sse", make, convert, description="httpx_sse.EventSource(httpx.Response).iter_sse() (httpx decodes text)"
    )


def _requests_sse() -> Adapter:
    try:
        import requests
        import requests_sse
    except ImportError:
        raise AdapterUnavailable("requests-sse is not installed (pip install requests-sse)") from None

    class _Raw:
        """The urllib3 response stand-in: requests' iter_content calls raw.stream()."""

        def __init__(self, source: Iterator[bytes]) -> None:
            self._source = source

        def stream(self, chunk_size: int, decode_content: bool = True) -> Iterator[bytes]:
            yield from self._source

    def stop() -> None:
        raise _EndOfStream

    def make(source: Iterator[bytes]) -> Iterator[Any]:
        es = requests_sse.EventSource("http://127.0.0.1/", on_error=stop)
        response = requests.Response()
        response.status_code = 200
        response.raw = _Raw(source)
        # What EventSource.connect() sets after a successful request.
        es._response = response
        es._data_generator = response.iter_lines()
        es._origin = "http://127.0.0.1"
        return iter(es)

    def convert(e: Any) -> Dict[str, Any]:
        return {"type": e.type, "data": e.data, "id": e.last_event_id}

    return PullAdapter(
        "requests_sse",
        make,
        convert,
        event_keys=("type", "data", "id"),
        description="requests_sse.EventSource over requests.Response.iter_lines() (no retry per event)",
    )


def _stainless(package: str, pip_name: str) -> Adapter:
    try:
        module = importlib.import_module(f"{package}._streaming")
    except ImportError:
        raise AdapterUnavailable(f"{pip_name} is not installed (pip install {pip_name})") from None

    def make(source: Iterator[bytes]) -> Iterator[Any]:
        return module.SSEDecoder().iter_bytes(source)

    def convert(e: Any) -> Dict[str, Any]:
        return {"type": e.event or "message", "data": e.data, "id": _opt_str(e.id), "retry": e.retry}

    return PullAdapter(package, make, convert, description=f"{package}._streaming.SSEDecoder().iter_bytes()")


# -- MODULE:FACTORY ---------------------------------------------------------------------


class _PythonWrapper(Adapter):
    """Fills in the defaults for an object from a MODULE:FACTORY callable."""

    def __init__(self, spec: str, factory: Callable[[], Any]) -> None:
        self.name = spec
        self._factory = factory
        self._obj = factory()
        for attr in ("incremental", "supports_limits", "supports_chat", "supports_responses", "description"):
            if hasattr(self._obj, attr):
                setattr(self, attr, getattr(self._obj, attr))
        for attr in ("event_keys", "state_keys"):
            if hasattr(self._obj, attr):
                setattr(self, attr, tuple(getattr(self._obj, attr)))
        self.name = str(getattr(self._obj, "name", spec))

    def start(self, options: Dict[str, Any]) -> None:
        if hasattr(self._obj, "start"):
            self._obj.start(options)
        else:
            self._obj = self._factory()

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        try:
            return list(self._obj.feed(data))
        except LimitError:
            raise
        except Exception as exc:
            limit = getattr(exc, "limit", None)
            if isinstance(limit, str):
                raise LimitError(limit, list(getattr(exc, "events", None) or [])) from None
            raise

    def close(self) -> List[Dict[str, Any]]:
        return list(self._obj.close()) if hasattr(self._obj, "close") else []

    def state(self) -> Dict[str, Any]:
        return dict(self._obj.state()) if hasattr(self._obj, "state") else {}

    def chat(self, chunks: Sequence[bytes]) -> Dict[str, Any]:
        return dict(self._obj.chat(list(chunks)))

    def responses(self, chunks: Sequence[bytes], resumed_chunks: Optional[Sequence[bytes]] = None) -> Dict[str, Any]:
        resumed = None if resumed_chunks is None else list(resumed_chunks)
        return dict(self._obj.responses(list(chunks), resumed))

    def shutdown(self) -> None:
        if hasattr(self._obj, "shutdown"):
            self._obj.shutdown()


def python_adapter(spec: str) -> Adapter:
    """``MODULE:FACTORY``: import MODULE, call FACTORY() for an object with the adapter interface.

    The object needs ``feed(bytes) -> list of event dicts``; ``start(options)``,
    ``close()``, ``state()``, ``chat(chunks)`` and the capability attributes are
    optional (without ``start`` the factory is called again for every stream).
    A limit error is any exception with a string attribute ``limit`` (and
    optionally ``events``).
    """
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise AdapterUnavailable(f"{spec!r} is not MODULE:FACTORY")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise AdapterUnavailable(f"cannot import {module_name}: {exc}") from None
    factory: Any = module
    for part in attr.split("."):
        factory = getattr(factory, part, None)
        if factory is None:
            raise AdapterUnavailable(f"{module_name} has no attribute {attr}")
    if not callable(factory):
        raise AdapterUnavailable(f"{spec} is not callable")
    return _PythonWrapper(spec, factory)


# -- --cmd: a subprocess speaking PROTOCOL.md -----------------------------------------


class CommandAdapter(Adapter):
    """A parser in any language, run as a subprocess speaking JSON lines (conformance/PROTOCOL.md)."""

    timeout = 30.0

    def __init__(self, command: str) -> None:
        self.command = command
        self.name = f"cmd:{command}"
        try:
            self._proc = subprocess.Popen(
                shlex.split(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None,
                bufsize=0,
            )
        except OSError as exc:
            raise AdapterUnavailable(f"cannot run {command!r}: {exc}") from None
        self._buffer = b""
        hello = self._call({"op": "hello", "protocol": 1})
        if "error" in hello:
            raise AdapterUnavailable(f"{command!r}: {hello['error'].get('message', hello['error'])}")
        self.name = str(hello.get("name", self.name))
        self.description = str(hello.get("description", command))
        self.incremental = bool(hello.get("incremental", True))
        self.event_keys = tuple(hello.get("event_keys", EVENT_KEYS))
        self.state_keys = tuple(hello.get("state_keys", ()))
        self.supports_limits = bool(hello.get("supports_limits", False))
        self.supports_chat = False
        self._state: Dict[str, Any] = {}

    def _call(self, request: Dict[str, Any]) -> Dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        try:
            self._proc.stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            self._proc.stdin.flush()
        except OSError as exc:
            raise AdapterError(f"the adapter process is gone ({exc})") from None
        line = self._readline(request["op"])
        if not line:
            raise AdapterError(f"the adapter process exited (status {self._proc.poll()})")
        try:
            answer = json.loads(line)
        except ValueError:
            raise AdapterError(f"not a JSON line: {line[:200]!r}") from None
        if not isinstance(answer, dict):
            raise AdapterError(f"not a JSON object: {line[:200]!r}")
        return answer

    def _readline(self, op: str) -> bytes:
        """One line from the process, waiting at most ``timeout`` seconds for it."""
        assert self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self._buffer:
            if _selectable:
                remaining = deadline - time.monotonic()
                ready, _, _ = select.select([fd], [], [], max(0.0, remaining))
                if not ready:
                    self._proc.kill()
                    raise AdapterError(f"no answer to {op!r} within {self.timeout} s")
            data = os.read(fd, 65536)
            if not data:
                line, self._buffer = self._buffer, b""
                return line
            self._buffer += data
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line + b"\n"

    def _events(self, answer: Dict[str, Any]) -> List[Dict[str, Any]]:
        if "state" in answer and isinstance(answer["state"], dict):
            self._state = answer["state"]
        events = answer.get("events", [])
        error = answer.get("error")
        if error:
            if error.get("kind") == "limit":
                raise LimitError(str(error.get("limit")), list(events))
            raise AdapterError(str(error.get("message", error)))
        return list(events)

    def start(self, options: Dict[str, Any]) -> None:
        self._state = {}
        self._events(self._call({"op": "start", "options": options}))

    def feed(self, data: bytes) -> List[Dict[str, Any]]:
        return self._events(self._call({"op": "feed", "base64": base64.b64encode(data).decode("ascii")}))

    def close(self) -> List[Dict[str, Any]]:
        return self._events(self._call({"op": "close"}))

    def state(self) -> Dict[str, Any]:
        return dict(self._state)

    def shutdown(self) -> None:
        if self._proc.poll() is None:
            try:
                assert self._proc.stdin is not None
                self._proc.stdin.close()
                self._proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()


# -- registry -------------------------------------------------------------------------

ADAPTERS: Dict[str, Callable[[], Adapter]] = {
    "sse_pplx": SsePplxAdapter,
    "oracle": OracleAdapter,
    "sseclient": _sseclient,
    "httpx_sse": _httpx_sse,
    "requests_sse": _requests_sse,
    "openai": lambda: _stainless("openai", "openai"),
    "perplexity": lambda: _stainless("perplexity", "perplexityai"),
}

#: The Python peers (every built-in adapter except sse_pplx and the oracle).
PEERS = ("sseclient", "httpx_sse", "requests_sse", "openai", "perplexity")


def make_adapter(spec: str) -> Adapter:
    """A built-in adapter by name, or ``MODULE:FACTORY``."""
    if spec in ADAPTERS:
        return ADAPTERS[spec]()
    if ":" in spec:
        return python_adapter(spec)
    raise AdapterUnavailable(f"unknown adapter {spec!r} (built in: {', '.join(ADAPTERS)}; or MODULE:FACTORY)")
