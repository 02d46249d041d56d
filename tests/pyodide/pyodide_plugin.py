"""What holds for the Pyodide run only: ``node tests/pyodide/run.mjs`` loads this with ``-p``.

* Pyodide cannot start processes: a test that calls :mod:`subprocess` is skipped, with that
  reason, where it would start one (what it checked before that still counts).
* ``asyncio.run`` needs WebAssembly stack switching (JSPI); where the runtime has none, a test
  that calls it is skipped, with that reason.
* Hypothesis keeps no example database (and run.mjs points its storage at Pyodide's memory file
  system: nothing of this run is written to the host's ``.hypothesis``), has no deadline
  (WebAssembly is slower than the host's CPython), and runs ``SSE_PPLX_EXAMPLES_SCALE`` times
  the examples each test asks for (run.mjs sets 0.25 unless told otherwise; tests/conftest.py
  applies it), which takes about a third off the run.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from hypothesis import settings

settings.register_profile("pyodide", database=None, deadline=None)
settings.load_profile("pyodide")

_SCALE = float(os.environ.get("SSE_PPLX_EXAMPLES_SCALE", "1"))  # applied by tests/conftest.py


def _can_run_sync() -> bool:
    try:
        from pyodide.ffi import can_run_sync
    except ImportError:  # an older Pyodide: assume it can, and let a test fail if not
        return True
    return bool(can_run_sync())


class _NoProcesses(subprocess.Popen):  # type: ignore[type-arg]
    def __init__(self, *args, **kwargs):
        pytest.skip("Pyodide cannot start processes (subprocess)")


def _no_asyncio_run(main, **kwargs):
    main.close()  # not awaited, on purpose
    pytest.skip("asyncio.run needs WebAssembly stack switching (JSPI), which this runtime lacks")


@pytest.fixture(autouse=True)
def _pyodide_limits(monkeypatch):
    monkeypatch.setattr(subprocess, "Popen", _NoProcesses)
    if not _can_run_sync():
        monkeypatch.setattr(asyncio, "run", _no_asyncio_run)


def pytest_report_header(config):
    return (
        f"pyodide: {sys.platform}, Python {sys.version.split()[0]}; hypothesis examples x{_SCALE:g}; "
        f"asyncio.run: {'yes' if _can_run_sync() else 'no (skipped)'}; "
        "subprocess: no (skipped)"
    )
