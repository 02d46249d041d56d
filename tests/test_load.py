"""Load: 200 concurrent streams of 1,000 chunks against one loopback server, nothing lost, nothing leaked.

* 200 threads sharing ONE sync ``Client`` (as applications use the SDKs), and 200 asyncio tasks on
  ONE ``AsyncClient``.
* The server (``tests/loadkit.py``, a child process) holds every stream after its first event until
  all 200 requests have arrived, and the consumers wait for each other after their first chunk: all
  200 streams are open at once, and the memory is measured at that moment.
* Every stream's text differs (``<stream:chunk> ...``): each is compared whole with what the server
  sent, so chunks lost, duplicated, reordered or mixed between streams fail the test; the final
  result (outcome, finish_reason, id, citations, usage) is checked too.
* File descriptors and threads are back to the baseline afterwards; no asyncio task is left.
* Figures (events/s, streams/s, memory per open stream by tracemalloc and RSS) are printed
  (``pytest -s``) and recorded as properties (``--junitxml``); no time is asserted, memory only
  with a generous bound.  ``benchmarks/bench_load.py`` runs the same load as a benchmark.

``SSE_PPLX_LOAD_STREAMS`` / ``SSE_PPLX_LOAD_CHUNKS`` shrink it for a slow machine (default 200 / 1000).
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.interpreter import HAS_TRACEMALLOC
from tests.loadkit import KIB, MIB, LoadResult, run_streams, running_server

STREAMS = int(os.environ.get("SSE_PPLX_LOAD_STREAMS", "200"))
CHUNKS = int(os.environ.get("SSE_PPLX_LOAD_CHUNKS", "1000"))
#: A generous bound: the measured figure is ~20-120 KiB per open stream.
MAX_BYTES_PER_OPEN_STREAM = 1 * MIB
#: Memory per stream by tracemalloc where the interpreter has it (CPython); on PyPy the same load
#: runs untraced and everything but the memory figures is checked.
TRACE = "open" if HAS_TRACEMALLOC else "off"

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd"), reason="counts open file descriptors in /proc/self/fd"
)


@pytest.fixture(scope="module")
def server_url():
    with running_server() as url:
        yield url


def _report(result: LoadResult, record_property) -> None:
    print(f"\n{result.summary()}", file=sys.stderr)
    record_property(f"{result.mode}_events_per_s", round(result.events_per_s))
    record_property(f"{result.mode}_streams_per_s", round(result.streams_per_s, 1))
    if result.trace != "off":
        record_property(f"{result.mode}_tracemalloc_kib_per_open_stream", round(result.open_per_stream / KIB, 1))
        record_property(f"{result.mode}_tracemalloc_peak_kib_per_stream", round(result.peak_per_stream / KIB, 1))
    record_property(f"{result.mode}_rss_kib_per_open_stream", round(result.rss_open_per_stream / KIB, 1))


def _assert_held(result: LoadResult) -> None:
    assert not result.errors, f"{len(result.errors)} streams failed:\n{result.summary()}"
    assert not result.wrong, f"{len(result.wrong)} streams received the wrong content:\n{result.summary()}"
    assert result.events == STREAMS * (CHUNKS + 1)
    # All at once: every stream had its first chunk while the others were open, one socket each.
    assert result.all_open
    assert result.fds_open - result.fds_base >= STREAMS
    if result.trace != "off":
        assert 0 < result.open_per_stream < MAX_BYTES_PER_OPEN_STREAM
        assert 0 < result.peak_per_stream < MAX_BYTES_PER_OPEN_STREAM


def test_threads_share_one_client(server_url, leaks, record_property):
    result = run_streams("threads", server_url, STREAMS, CHUNKS, wave="test-threads", trace=TRACE)
    _report(result, record_property)
    _assert_held(result)
    assert result.threads_open - result.threads_base == STREAMS
    leaks.assert_clean()  # every socket closed (the client's idle pool too), every thread gone


def test_asyncio_tasks_share_one_client(server_url, leaks, record_property):
    result = run_streams("asyncio", server_url, STREAMS, CHUNKS, wave="test-asyncio", trace=TRACE)
    _report(result, record_property)
    _assert_held(result)
    assert result.leftover_tasks == []  # asyncio.all_tasks() is the current task alone
    assert result.threads_open == result.threads_base  # no thread behind the async client's back
    leaks.assert_clean()
