"""One test body for the sync and the async API: the ``mode`` fixture's object (tests/conftest.py).

A test that takes ``mode`` runs twice, ``[sync]`` and ``[async]``.  Its body is written once, as
``async def``, and reaches the API through ``mode``::

    async def test_stream(mode, leaks):
        with LoopbackServer(handler) as server:
            async with mode.enter(mode.Client(base_url=server.url)) as client:
                stream = await mode.resolve(client.chat.completions.create(model="m", messages=M, stream=True))
                async with mode.enter(stream):
                    texts = [t async for t in mode.iterate(stream.iter_text())]
                result = await mode.resolve(stream.get_final_completion())
        assert "".join(texts) == result.content
        leaks.assert_clean()

In the sync mode ``mode.Client`` is :class:`sse_pplx.Client`, ``mode.enter`` uses ``with``,
``mode.iterate`` uses ``for`` (``Stream.__iter__``) and ``mode.resolve`` refuses an awaitable: the
sync API, and nothing else, is called.  The test coroutine is then driven by hand, without an
event loop: every await in it completes at once, and one that would suspend fails the test (a
sync-mode test that needed an event loop would not be testing the sync API).  In the async mode
the same names are the async API (``AsyncClient``, ``async with``, ``async for``, awaits) and the
coroutine runs under ``asyncio.run``.

Behaviour that exists in one mode only (a response closed by garbage collection, a cancelled
task) is tested in tests of its own, without ``mode``.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, AsyncIterator, Awaitable, Callable, Coroutine, Iterable, TypeVar

import sse_pplx
from sse_pplx.transport import AsyncTransport, Transport

T = TypeVar("T")

#: The parameters of the ``mode`` fixture; also its test ids.
MODES = ("sync", "async")


class _SyncIterator:
    """``async for`` over a sync iterable: one ``next()`` per step, nothing that suspends.

    A class, not an async generator: when the loop is left early, the sync iterator is released
    exactly as a plain ``for`` loop releases it (a generator's ``finally`` runs at once)."""

    __slots__ = ("_iterator",)

    def __init__(self, iterable: Iterable[Any]) -> None:
        self._iterator = iter(iterable)

    def __aiter__(self) -> _SyncIterator:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._iterator)
        except StopIteration:
            raise StopAsyncIteration from None


class _SyncContext:
    """``async with`` over a sync context manager (``__enter__`` / ``__exit__``)."""

    __slots__ = ("_manager",)

    def __init__(self, manager: Any) -> None:
        self._manager = manager

    async def __aenter__(self) -> Any:
        return self._manager.__enter__()

    async def __aexit__(self, *exc_info: Any) -> Any:
        return self._manager.__exit__(*exc_info)


class Mode:
    """The sync or the async API, for a test body written once (see the module docstring).

    Attributes: ``name`` (``"sync"`` / ``"async"``), ``is_async``, and the variant's
    ``Client``, ``Perplexity``, ``Transport`` and ``connect``.
    """

    def __init__(self, name: str) -> None:
        if name not in MODES:
            raise ValueError(f"mode is 'sync' or 'async', not {name!r}")
        self.name = name
        self.is_async = name == "async"
        self.Client = sse_pplx.AsyncClient if self.is_async else sse_pplx.Client
        self.Perplexity = sse_pplx.AsyncPerplexity if self.is_async else sse_pplx.Perplexity
        self.Transport = AsyncTransport if self.is_async else Transport
        self.connect = sse_pplx.aconnect if self.is_async else sse_pplx.connect

    def __repr__(self) -> str:
        return f"Mode({self.name!r})"

    # -- the API's forms ------------------------------------------------------------------

    async def resolve(self, value: Any) -> Any:
        """The value of an API call: awaited in the async mode; in the sync mode, an awaitable
        is a mistake (the sync API returned a coroutine, or the test called the async API)."""
        if inspect.isawaitable(value):
            if not self.is_async:
                close = getattr(value, "close", None)
                if close is not None:
                    close()  # no "never awaited" warning on top of the failure
                raise TypeError(f"the sync API returned an awaitable: {value!r}")
            return await value
        return value

    def iterate(self, iterable: Any) -> AsyncIterator[Any]:
        """``async for`` over a sync iterable (``for``) or an async one (``async for``)."""
        if self.is_async:
            return iterable  # type: ignore[no-any-return]
        return _SyncIterator(iterable)

    async def next(self, iterator: Any) -> Any:
        """One item: ``next(iterator)`` or ``await iterator.__anext__()``."""
        if self.is_async:
            return await iterator.__anext__()
        return next(iterator)

    def enter(self, manager: Any) -> Any:
        """``async with mode.enter(x)``: ``with x`` in the sync mode, ``async with x`` in the async one."""
        if self.is_async:
            return manager
        return _SyncContext(manager)

    async def close(self, obj: Any) -> None:
        """``obj.close()``; in the async mode ``await obj.aclose()`` (or ``await obj.close()``)."""
        if self.is_async:
            closer = getattr(obj, "aclose", None) or obj.close
            await closer()
        else:
            await self.resolve(obj.close())

    # -- waiting ---------------------------------------------------------------------------

    async def sleep(self, seconds: float) -> None:
        """``time.sleep`` (sync) or ``asyncio.sleep`` (async)."""
        if self.is_async:
            await asyncio.sleep(seconds)
        else:
            time.sleep(seconds)

    async def blocking(self, function: Callable[..., T], *args: Any) -> T:
        """A blocking call (``threading.Event.wait``...): in a thread in the async mode, so that
        the event loop goes on serving the client meanwhile; a plain call in the sync mode."""
        if self.is_async:
            return await asyncio.get_running_loop().run_in_executor(None, function, *args)
        return function(*args)

    # -- running ---------------------------------------------------------------------------

    def run(self, main: Coroutine[Any, Any, T] | Awaitable[T]) -> T:
        """Run a test coroutine to its end: ``asyncio.run`` in the async mode; by hand, without
        an event loop, in the sync mode (an await that suspends there is an error)."""
        if self.is_async:
            return asyncio.run(main)  # type: ignore[arg-type]
        return run_without_loop(main)


def run_without_loop(main: Any) -> Any:
    """Drive a coroutine whose awaits all complete at once; fail if one would suspend."""
    try:
        suspended = main.send(None)
    except StopIteration as stop:
        return stop.value
    main.close()
    raise RuntimeError(
        f"a sync-mode test awaited something that suspends ({suspended!r}): "
        "the sync mode runs without an event loop and calls the sync API only"
    )


# -- a chat completion, consumed the way applications consume it (test_client, test_faults) -----

#: The messages every client test sends.
MESSAGES = [{"role": "user", "content": "hi"}]


async def complete(mode: Mode, client: Any, *, stream: bool = True, consume: str = "chunks", **create_kw: Any) -> dict:
    """Create a completion with ``client`` (closed at the end) and consume it: ``for`` each chunk
    (``consume="chunks"``) or ``iter_text()`` (``"text"``), then ``get_final_completion()``.

    Returns a dict: chunks (the content of each chunk, or the texts), result (the final
    completion), completion (``stream=False``), stream, error (the exception raised, if any) and
    elapsed (seconds from the request to the end)."""
    out: dict = {"chunks": [], "result": None, "error": None, "completion": None, "stream": None}
    started = time.monotonic()
    try:
        async with mode.enter(client):
            made = await mode.resolve(
                client.chat.completions.create(model="sonar", messages=MESSAGES, stream=stream, **create_kw)
            )
            if not stream:
                out["completion"] = made
                return out
            out["stream"] = made
            async with mode.enter(made):
                if consume == "text":
                    out["chunks"] = [piece async for piece in mode.iterate(made.iter_text())]
                else:
                    async for chunk in mode.iterate(made):
                        out["chunks"].append(chunk.choices[0].delta.content if chunk.choices else None)
                out["result"] = await mode.resolve(made.get_final_completion())
    except Exception as exc:
        out["error"] = exc
    finally:
        out["elapsed"] = time.monotonic() - started
    return out
