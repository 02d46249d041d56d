"""Shared fixtures: a throwaway CA, a clean proxy environment, a leak check, fast retries, and
``mode``: one test body for the sync and the async API (tests/modes.py)."""

from __future__ import annotations

import asyncio
import gc
import inspect
import math
import os
import threading
import time

import pytest

from tests.modes import MODES, Mode
from tests.servers import make_ca, open_fds

_PROXY_VARS = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


@pytest.fixture(autouse=True)
def _no_proxy_environment(monkeypatch):
    """Tests see no proxy unless they set one (a developer's own *_PROXY must not leak in)."""
    for name in _PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in ("PERPLEXITY_API_KEY", "PERPLEXITY_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    return make_ca(str(tmp_path_factory.mktemp("ca")))


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class LeakCheck:
    """File descriptors and threads before and after: what a test opened it must have closed.

    Called inside a running event loop (an async test body), the check waits until the loop has
    closed (its own file descriptors and executor threads are not the test's): it runs right
    after the test coroutine, and at the latest when the fixture is torn down."""

    def __init__(self):
        gc.collect()
        self.fds = open_fds()
        self.threads = threading.active_count()
        self.deferred = None

    def assert_clean(self, timeout: float = 3.0, collect: bool = True):
        """Wait up to ``timeout`` for the counts to be back; ``collect=False``: without running the
        garbage collector (a socket that only a collection would close counts as left open)."""
        if _loop_running():
            self.deferred = (timeout, collect)
            return
        self.deferred = None
        deadline = time.monotonic() + timeout
        while True:
            if collect:
                gc.collect()
            fds, threads = open_fds(), threading.active_count()
            if fds <= self.fds and threads <= self.threads:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"leaked: fds {self.fds} -> {fds}, threads {self.threads} -> {threads}")
            time.sleep(0.02)

    def check_deferred(self):
        """The check an async test body asked for, now that its event loop has closed."""
        if self.deferred is not None:
            self.assert_clean(*self.deferred)


@pytest.fixture
def leaks():
    check = LeakCheck()
    yield check
    check.check_deferred()


@pytest.fixture
def no_leaks(leaks):
    """For ``autouse`` in a module: every server, socket and thread a test opened is gone when it
    ends (within 2 s)."""
    yield
    leaks.assert_clean(timeout=2.0)


@pytest.fixture(params=MODES)
def mode(request):
    """The sync or the async API (test ids ``[sync]`` / ``[async]``): see tests/modes.py."""
    return Mode(request.param)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """``async def`` tests: run by ``mode.run`` when they take ``mode`` (by hand, without an event
    loop, in the sync mode), else by ``asyncio.run``; then the leak check they asked for."""
    function = pyfuncitem.obj
    if not inspect.iscoroutinefunction(function):
        return None
    funcargs = pyfuncitem.funcargs
    main = function(**{name: funcargs[name] for name in pyfuncitem._fixtureinfo.argnames})
    chosen = funcargs.get("mode")
    if isinstance(chosen, Mode):
        chosen.run(main)
    else:
        asyncio.run(main)
    leaks = funcargs.get("leaks")
    if isinstance(leaks, LeakCheck):
        leaks.check_deferred()
    return True


@pytest.fixture
def fast_backoff(monkeypatch):
    """Retry backoff shrinks 100x (at most 0.08 s) so that retry tests stay fast; the policy itself
    is tested on its own, and server-requested waits (Retry-After) are still honoured in full."""
    import sse_pplx._retry as retry_module

    monkeypatch.setattr(retry_module, "INITIAL_RETRY_DELAY", 0.005)
    monkeypatch.setattr(retry_module, "MAX_RETRY_DELAY", 0.08)


def pytest_collection_finish(session):
    """Start the Pyodide run (tests/test_pyodide.py) now, beside the rest of the suite, if it is selected."""
    for item in session.items:
        module = getattr(item, "module", None)
        if module is not None and module.__name__.rpartition(".")[2] == "test_pyodide":
            module.start_in_background()
            session.config.add_cleanup(module.stop_background)
            return


# ``SSE_PPLX_EXAMPLES_SCALE`` (tox's 3.8 floor env sets 0.25, the Pyodide run too) scales the
# ``max_examples`` each Hypothesis test asks for, at least 10 a test: the properties run in full
# once per tox run (on the newest Python), and the other runs check the same code more briefly.
_EXAMPLES_SCALE = float(os.environ.get("SSE_PPLX_EXAMPLES_SCALE", "1"))
_MIN_EXAMPLES = 10


def pytest_collection_modifyitems(config, items):
    if _EXAMPLES_SCALE == 1:
        return
    from hypothesis import settings

    seen = set()
    for item in items:
        test = getattr(item, "obj", None)
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)
        if chosen is None or id(test) in seen:
            continue
        seen.add(id(test))  # parametrized items share one function: scale it once
        examples = max(_MIN_EXAMPLES, math.ceil(chosen.max_examples * _EXAMPLES_SCALE))
        test._hypothesis_internal_use_settings = settings(chosen, max_examples=min(examples, chosen.max_examples))


def pytest_report_header(config):
    if _EXAMPLES_SCALE != 1:
        return f"hypothesis: x{_EXAMPLES_SCALE:g} the examples each test asks for (SSE_PPLX_EXAMPLES_SCALE)"
    return None
