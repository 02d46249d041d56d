"""The house rules of ``sse_pplx/``, checked on its source (docs/architecture.md):

* no module imports another in a circle, imports made only for type checking included;
* ``errors.py`` imports nothing from the package (every layer imports it);
* network I/O lives in ``transport.py`` alone among the library modules (the command line and
  its loopback replay are the program, not the library);
* the sans-I/O cores import no I/O module at all;
* no module is much over 700 lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sse_pplx"
MODULES = sorted(path.stem for path in PACKAGE.glob("*.py"))
#: What may do I/O: the transport's two drivers, and the program (command line, demo server).
IO_MODULES = {"transport", "__main__", "_loopback", "_demo"}
IO_IMPORTS = {"socket", "ssl", "asyncio", "selectors", "http", "urllib.request", "subprocess"}
SANS_IO = [
    "_lines", "parser", "events", "encoder", "errors", "chat", "chat_objects", "_reasoning",
    "_http", "_media_type", "_flows", "_exchange",
    "responses", "response_events", "response_result", "_decoding",
]  # fmt: skip
MAX_LINES = 750


def _type_checking_only(tree):
    """The nodes under ``if TYPE_CHECKING:``: imports for annotations, never run."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                inside.update(id(child) for child in ast.walk(statement))
    return inside


def imports_of(module: str, *, run_time_only: bool = False):
    """Every module of the package that ``module`` imports, at any level (type checking included
    unless ``run_time_only``), and every other module it imports."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    skipped = _type_checking_only(tree) if run_time_only else set()
    package, others = set(), set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level == 1 and node.module:
                package.add(node.module.split(".")[0])
            elif node.level == 1:
                package.update(alias.name for alias in node.names)
            elif node.level == 0 and node.module:
                if node.module.split(".")[0] == "sse_pplx":
                    package.add(node.module.split(".")[1])
                else:
                    others.add(node.module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sse_pplx" and "." in alias.name:
                    package.add(alias.name.split(".")[1])
                else:
                    others.add(alias.name)
    return package & set(MODULES), others


def test_no_module_imports_in_a_circle():
    graph = {module: imports_of(module)[0] - {module} for module in MODULES}
    state = {}

    def visit(module, path):
        if state.get(module) == "done":
            return
        if state.get(module) == "open":
            cycle = [*path[path.index(module) :], module]
            raise AssertionError("import circle: " + " -> ".join(cycle))
        state[module] = "open"
        for imported in sorted(graph[module]):
            visit(imported, [*path, module])
        state[module] = "done"

    for module in MODULES:
        visit(module, [])


def test_errors_is_a_leaf():
    assert imports_of("errors")[0] == set()


@pytest.mark.parametrize("module", MODULES)
def test_only_the_transport_does_network_io(module):
    _, others = imports_of(module, run_time_only=True)  # an annotation is not I/O
    io = {name for name in others if name in IO_IMPORTS or name.split(".")[0] in {"socket", "ssl", "asyncio"}}
    if module not in IO_MODULES:
        assert io == set(), f"{module}.py imports {sorted(io)}"


@pytest.mark.parametrize("module", SANS_IO)
def test_the_sans_io_cores_import_no_io_module(module):
    package, others = imports_of(module)
    assert not (package & {"transport", "client", "eventsource", "chat_completions", "_retry"}), package
    assert not {name for name in others if name.split(".")[0] in {"socket", "ssl", "asyncio", "http"}}


@pytest.mark.parametrize("module", MODULES)
def test_no_module_is_much_over_700_lines(module):
    lines = len((PACKAGE / f"{module}.py").read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module}.py has {lines} lines"
