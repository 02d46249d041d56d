"""Shared fixtures: a throwaway CA, a clean proxy environment, and a leak check."""

from __future__ import annotations

import gc
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
