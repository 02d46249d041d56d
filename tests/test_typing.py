"""What a user's tools see: their type checker, ``help()``, ``repr()``.

* ``tests/typecheck/user_program.py`` is a user's program whose ``assert_type`` calls state
  the types of the common calls; ``mypy --strict`` and ``pyright`` must accept it, and must
  reject each line of ``tests/typecheck/user_mistakes.py`` marked ``# error``, so the types
  are seen (an ``Any`` would let both files pass);
* ``pyright --verifytypes`` scores the package's public types complete;
* ``sse_pplx.types`` re-exports the annotated types, cheaply;
* ``help()`` shows real signatures and ``__init__`` docstrings, and the reprs of the clients
  and streams say what a person debugging needs (never the API key).

The checkers are the ``test`` extra's; a missing one skips its test, naming it.
"""

from __future__ import annotations

import json
import os
import pydoc
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest

import sse_pplx
import sse_pplx.types
from tests.imports import modules_after
from tests.interpreter import once_per_tox_run
from tests.servers import LoopbackServer, chunk_obj, sse

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "tests" / "typecheck" / "user_program.py"
MISTAKES = ROOT / "tests" / "typecheck" / "user_mistakes.py"


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def _run(args: List[str]) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    env = dict(os.environ)
    # pyright finds the package through the interpreter on PATH: this one (its venv).
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    if sys.prefix != sys.base_prefix:
        env["VIRTUAL_ENV"] = sys.prefix
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def _mypy(path: Path, *options: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    if not _has_module("mypy"):
        pytest.skip("mypy is not installed (it is in the test extra)")
    command = [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--show-error-codes", *options, str(path)]
    return _run(command)


def _pyright(*args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    if not _has_module("pyright"):
        pytest.skip("pyright is not installed (it is in the test extra)")
    done = _run([sys.executable, "-m", "pyright", *args])
    if done.returncode not in (0, 1):  # 0: clean, 1: errors; anything else: pyright could not run (no node)
        pytest.skip(f"pyright could not run: {done.stderr.strip()[-300:] or done.stdout.strip()[-300:]}")
    return done


def _expected_error_lines(path: Path) -> List[int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [number for number, line in enumerate(lines, 1) if line.rstrip().endswith("# error")]


# -- the checkers --------------------------------------------------------------------------


@once_per_tox_run
def test_mypy_strict_accepts_the_user_program() -> None:
    done = _mypy(PROGRAM)
    assert done.returncode == 0, done.stdout + done.stderr


@once_per_tox_run
def test_pyright_accepts_the_user_program() -> None:
    done = _pyright("--outputjson", str(PROGRAM))
    report = json.loads(done.stdout)
    errors = [d for d in report["generalDiagnostics"] if d["severity"] == "error"]
    assert errors == [], json.dumps(errors, indent=1)


@once_per_tox_run
def test_mypy_rejects_each_mistake() -> None:
    done = _mypy(MISTAKES)
    flagged = {int(m.group(1)) for m in re.finditer(r"user_mistakes\.py:(\d+): error", done.stdout)}
    expected = _expected_error_lines(MISTAKES)
    assert expected and flagged == set(expected), done.stdout


@once_per_tox_run
def test_pyright_rejects_each_mistake() -> None:
    done = _pyright("--outputjson", str(MISTAKES))
    report = json.loads(done.stdout)
    flagged = {d["range"]["start"]["line"] + 1 for d in report["generalDiagnostics"] if d["severity"] == "error"}
    expected = _expected_error_lines(MISTAKES)
    assert expected and flagged == set(expected), json.dumps(report["generalDiagnostics"], indent=1)


def _readme_client_blocks() -> str:
    """The README's first python blocks, one program: the quick start a user copies (the
    Perplexity client's chat and responses streams, then ``collect_chat`` over httpx)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    return "".join(blocks[:3])


@once_per_tox_run
def test_the_readme_quick_start_type_checks(tmp_path: Path) -> None:
    program = tmp_path / "readme_quick_start.py"
    code = _readme_client_blocks()
    assert "client.chat.completions.create" in code and "client.responses.create" in code
    program.write_text(code, encoding="utf-8")
    done = _mypy(program, "--ignore-missing-imports")  # httpx is a peer, maybe not installed
    assert done.returncode == 0, done.stdout + done.stderr


@once_per_tox_run
def test_pyright_verifytypes_scores_the_public_types_complete() -> None:
    done = _pyright("--verifytypes", "sse_pplx", "--ignoreexternal", "--outputjson")
    report = json.loads(done.stdout)["typeCompleteness"]
    # the package checked is this run's: the checkout's, the one these tests import, or the one
    # installed in this interpreter's environment (tox's wheel) -- not another install's
    import sysconfig

    checked = Path(report["packageRootDirectory"]).resolve()
    ours = {
        ROOT / "sse_pplx",
        Path(sse_pplx.__file__).resolve().parent,
        Path(sysconfig.get_paths()["purelib"]).resolve() / "sse_pplx",
    }
    assert checked in ours, (checked, ours)
    incomplete = sorted(
        symbol["name"]
        for symbol in report["symbols"]
        if symbol["isExported"] and not symbol["isTypeKnown"] and not symbol["isTypeAmbiguous"]
    )
    ambiguous = sorted(
        symbol["name"] for symbol in report["symbols"] if symbol["isExported"] and symbol["isTypeAmbiguous"]
    )
    assert report["completenessScore"] == 1.0, {"unknown": incomplete, "ambiguous": ambiguous}


# -- sse_pplx.types ------------------------------------------------------------------------


def test_the_types_module_names_each_class_where_it_is_defined() -> None:
    from sse_pplx import chat_completions, chat_objects, response_events

    assert sse_pplx.types.ChatCompletionChunk is chat_objects.ChatCompletionChunk is sse_pplx.ChatCompletionChunk
    assert sse_pplx.types.Stream is chat_completions.Stream is sse_pplx.Stream
    assert sse_pplx.types.OutputItem is response_events.OutputItem
    assert type(sse_pplx.iter_chat_chunks([])) is sse_pplx.types.ChatChunkIterator
    assert type(sse_pplx.iter_response_events([])) is sse_pplx.types.ResponseEventIterator
    for name in sse_pplx.types.__all__:
        value = getattr(sse_pplx.types, name)
        assert isinstance(value, type) and value.__name__ == name, name
    with pytest.raises(AttributeError):
        sse_pplx.types.NoSuchType  # noqa: B018


def test_importing_the_types_module_loads_no_json_http_or_ssl() -> None:
    loaded = modules_after("import sse_pplx.types")
    assert not loaded & {"json", "http.client", "ssl", "sse_pplx.client", "sse_pplx.transport"}, loaded


# -- help() and repr() -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Client", "AsyncClient", "Perplexity", "AsyncPerplexity", "Stream", "AsyncStream", "EventStream", "connect"],
)
def test_help_shows_real_signatures_and_an_init_docstring(name: str) -> None:
    cls = getattr(sse_pplx, name)
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    assert "object at 0x" not in text
    assert cls.__init__.__doc__ and "Initialize self" not in cls.__init__.__doc__
    if name.endswith(("Client", "Perplexity")):
        assert "timeout: 'TimeoutArg' = NOT_GIVEN" in text


def test_resources_have_help_too() -> None:
    client = sse_pplx.Client(base_url="http://127.0.0.1:9")
    for method in (client.chat.completions.create, client.responses.create, client.responses.retrieve):
        text = pydoc.render_doc(method, renderer=pydoc.plaintext)
        assert "stream" in text and method.__doc__ and "object at 0x" not in text
    assert "ResponseStream" in (client.responses.create.__doc__ or "")
    async_client = sse_pplx.AsyncClient(base_url="http://127.0.0.1:9")
    assert "coroutine" in (async_client.chat.completions.create.__doc__ or "")


def test_client_reprs_show_base_url_and_timeout_never_the_key() -> None:
    secret = "sk-never-shown-123"
    client = sse_pplx.Perplexity(api_key=secret, base_url="http://127.0.0.1:9/v1/")
    for shown in (repr(client), repr(client.with_options(timeout=7.0)), str(client)):
        assert secret not in shown
        assert "base_url='http://127.0.0.1:9/v1'" in shown and "timeout=Timeout(" in shown and "api_key=set" in shown
    assert "read=7.0" in repr(client.with_options(timeout=7.0))
    assert "api_key=none" in repr(sse_pplx.Client(base_url="http://127.0.0.1:9"))


def _chat_stream(exchange) -> bool:  # type: ignore[no-untyped-def]
    exchange.head(200, {"Content-Type": "text/event-stream"})
    for event in (sse(chunk_obj("Hel")), sse(chunk_obj("lo", finish="stop")), b"data: [DONE]\n\n"):
        exchange.send(b"%x\r\n%s\r\n" % (len(event), event))
    exchange.send(b"0\r\n\r\n")
    return True


def test_stream_reprs_say_how_far_it_got() -> None:
    with LoopbackServer(_chat_stream) as server:
        client = sse_pplx.Client(base_url=server.url, api_key="sk-x")
        stream = client.chat.completions.create(model="m", messages=[], stream=True)
        shown = repr(stream)
        assert "state='not started'" in shown and "truncated" not in shown and "/chat/completions" in shown
        chunks = iter(stream)
        next(chunks)
        assert "state='reading'" in repr(stream)
        chunks.close()
        assert "state='closed'" in repr(stream)
        stream = client.chat.completions.create(model="m", messages=[], stream=True)
        stream.get_final_completion()
        assert "state='ended'" in repr(stream) and "outcome='done'" in repr(stream)
        client.close()


def test_a_field_typo_is_an_attribute_error_with_the_name() -> None:
    chunk = sse_pplx.types.ChatCompletionChunk({"choices": []})
    with pytest.raises(AttributeError, match="'choises'"):
        chunk.choises  # type: ignore[attr-defined]  # noqa: B018
    fields: Dict[str, object] = {name: getattr(chunk, name) for name in type(chunk)._fields}
    assert fields["created"] is None and fields["usage"] is None and chunk.choices == []
