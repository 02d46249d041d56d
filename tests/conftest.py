"""Shared fixtures: a throwaway CA, a clean proxy environment, and a leak check."""

from __future__ import annotations

import gc
import math
import os
import threading
import time

import pytest

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


class LeakCheck:
    """File descriptors and threads before and after: what a test opened it must have closed."""

    def __init__(self):
        gc.collect()
        self.fds = open_fds()
        self.threads = threading.active_count()

    def assert_clean(self, timeout: float = 3.0):
        deadline = time.monotonic() + timeout
        while True:
            gc.collect()
            fds, threads = open_fds(), threading.active_count()
            if fds <= self.fds and threads <= self.threads:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"leaked: fds {self.fds} -> {fds}, threads {self.threads} -> {threads}")
            time.sleep(0.02)


@pytest.fixture
def leaks():
    return LeakCheck()


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
