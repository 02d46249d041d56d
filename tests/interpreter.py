"""What the running interpreter can measure, for the tests that depend on it (CPython or PyPy).

The suite runs on CPython 3.8-3.13 and on PyPy 3 (tox.ini).  Two things differ there and a few
tests depend on them; they are skipped elsewhere, with the reason in the marker:

* ``tracemalloc``: PyPy's ``tracemalloc`` module imports ``_tracemalloc``, which PyPy does not
  have, so the memory-bound tests (the parser's limits, the hostile-input bound, the load test's
  memory per stream) need CPython.  The bounds themselves are the same code on PyPy.
* reference counting: on CPython an object is finalised the moment its last reference goes, so
  a ``for`` loop left early over a stream closes its connection at once (the generator is closed,
  then the stream).  PyPy's garbage collector finalises it only at some later collection: code
  that wants the connection closed at a known moment uses ``with`` (docs/api.md).  A test that
  checks the refcount close itself is CPython-only; other tests close explicitly.

And one thing tox decides: the checks that run Node, Go, Pyodide or Chromium, the type checkers
run over fixed files (tests/test_typing.py) and the peers' own test suites run against the
drop-in modules (tests/test_dropin_peer_suites.py) give the same result
whatever Python runs pytest, so tox runs them in one environment (py313) and sets
``SSE_PPLX_SKIP_EXTERNAL_RUNTIMES=1`` in the others (tox.ini).  A plain ``pytest`` runs them.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

CPYTHON = sys.implementation.name == "cpython"
PYPY = sys.implementation.name == "pypy"

#: PyPy ships ``tracemalloc.py`` but not the ``_tracemalloc`` module it needs.
HAS_TRACEMALLOC = importlib.util.find_spec("_tracemalloc") is not None

needs_tracemalloc = pytest.mark.skipif(
    not HAS_TRACEMALLOC,
    reason="measures memory with tracemalloc, which this interpreter lacks (PyPy has no _tracemalloc)",
)

needs_refcount_close = pytest.mark.skipif(
    not CPYTHON,
    reason="checks that an abandoned stream closes the moment its last reference goes: CPython's "
    "reference counting; PyPy's GC finalises later, and the docs say to use `with` there",
)

#: tox.ini sets it in every environment but py313.
SKIP_EXTERNAL_RUNTIMES = os.environ.get("SSE_PPLX_SKIP_EXTERNAL_RUNTIMES") == "1"

once_per_tox_run = pytest.mark.skipif(
    SKIP_EXTERNAL_RUNTIMES,
    reason="runs Node, Go, Pyodide, Chromium, a type checker over fixed files or a peer's own test "
    "suite, whose result does not depend on the host Python: "
    "tox runs it once, in py313 (SSE_PPLX_SKIP_EXTERNAL_RUNTIMES=1 in this environment)",
)
