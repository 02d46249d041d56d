"""Every ```python block in README.md and docs/*.md runs, so the examples cannot rot.

How the blocks of one file run:

* in document order, in one namespace per file, so a later block can use what an
  earlier one defined; one test per block, named by file and line of its opening
  fence (``test_block[docs/api.md:57]``), and a traceback points at that line of the
  Markdown file;
* top-level ``await`` / ``async for`` / ``async with`` run on one event loop per file
  (the block is compiled with ``ast.PyCF_ALLOW_TOP_LEVEL_AWAIT``);
* ``<!-- doctest: skip -->`` on the line right before the fence skips a block, and
  ``test_few_blocks_are_skipped`` allows at most ``MAX_SKIPS`` of them per file;
* a block that imports a package not installed in this interpreter (a peer such as
  ``openai``, ``perplexity`` or ``httpx``) is skipped for that reason, as
  ``pytest.importorskip`` would;
* a block selected alone (``-k``) first runs the blocks before it, quietly.

The prelude, what the examples may assume:

* ``byte_chunks``: a list of bytes, a recorded Perplexity stream as it was read from
  the network (``fixtures/recorded/pplx-2026-network-split.json``);
* ``response``: a stand-in for an HTTP library's streamed response over those bytes,
  with ``iter_bytes()``, ``iter_content(chunk_size=None)`` and ``aiter_bytes()``;
* ``url``: an SSE endpoint on 127.0.0.1 serving that stream (any method, any path but
  the Responses paths ``/v1/agent``, ``/responses`` and below them, which serve the
  ``--agent`` demo's recorded run, ``sse_pplx._agent_demo``);
* the environment: ``PERPLEXITY_BASE_URL`` and ``OPENAI_BASE_URL`` point at that
  server, ``PERPLEXITY_API_KEY`` / ``OPENAI_API_KEY`` hold dummy keys, no proxy is
  set, and the working directory is the repository root;
* the literal base URLs in ``BASE_URLS`` are replaced by the server's URL before a
  block runs, so examples can show the real endpoints and still run offline;
* no network: a host name lookup other than loopback fails at once.

Also here: every name in ``sse_pplx.__all__`` has a heading in docs/api.md, and
every relative link in README.md and docs/*.md points at a file that exists
(and a ``#fragment`` into a Markdown file at one of its headings); README.md, which is also the
package index's page, links only absolutely, and every link of it under the repository's URL
(pyproject.toml's ``[project.urls]``) names a file of this checkout, its fragment a heading;
CHANGELOG.md's newest version is ``sse_pplx.__version__``.
"""

from __future__ import annotations

import ast
import asyncio
import base64
import importlib.util
import inspect
import json
import re
import socket
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

import sse_pplx
from sse_pplx import _agent_demo

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "fixtures" / "recorded" / "pplx-2026-network-split.json"
#: How many ``<!-- doctest: skip -->`` blocks one file may have.
MAX_SKIPS = 2
SKIP_MARKER = "<!-- doctest: skip -->"
#: Real endpoints that examples may name; replaced by the loopback server's URL.
BASE_URLS = ("https://api.perplexity.ai", "https://api.openai.com/v1")
PYTHON_INFO = ("python", "py", "python3")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def doc_files() -> List[Path]:
    """README.md and docs/*.md, found when the tests are collected (new docs are picked up)."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


class Block:
    """One fenced ```python block: its file, the line of its opening fence and its code."""

    def __init__(self, path: Path, line: int, code: str, skip: bool, index: int) -> None:
        self.path = path
        self.line = line  # 1-based line of the opening fence; the code starts on the next line
        self.code = code
        self.skip = skip
        self.index = index

    @property
    def id(self) -> str:
        return f"{rel(self.path)}:{self.line}"


_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


def extract_blocks(path: Path) -> List[Block]:
    """The python blocks of a Markdown file, with the line numbers of their fences."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: List[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = len(match["indent"]), match["fence"]
        words = match["info"].split()
        language = words[0].lower() if words else ""
        start = i
        body: List[str] = []
        i += 1
        while i < len(lines):
            closing = _FENCE.match(lines[i])
            if (
                closing
                and closing["fence"][0] == fence[0]
                and len(closing["fence"]) >= len(fence)
                and not closing["info"].strip()
            ):
                break
            body.append(lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i])
            i += 1
        i += 1
        if language in PYTHON_INFO:
            skip = start > 0 and lines[start - 1].strip() == SKIP_MARKER
            blocks.append(Block(path, start + 1, "\n".join(body) + "\n", skip, len(blocks)))
    return blocks


def _all_blocks() -> List[Block]:
    return [block for path in doc_files() for block in extract_blocks(path)]


def _needs(code: str) -> List[str]:
    """The top-level packages a block imports that this interpreter does not have."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # compiling it will report the error
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return sorted(name for name in names if importlib.util.find_spec(name) is None)


# -- the prelude ---------------------------------------------------------------------------


def recorded_chunks() -> List[bytes]:
    fixture = json.loads(RECORDED.read_text(encoding="utf-8"))
    spec = fixture["input"]
    data = spec["text"].encode("utf-8") if "text" in spec else base64.b64decode(spec["base64"])
    chunks, pos = [], 0
    for size in fixture["chunks"]:
        chunks.append(data[pos : pos + size])
        pos += size
    return chunks


class RecordedResponse:
    """Stands in for an httpx / requests response read as a stream: the recorded chunks."""

    def __init__(self, chunks: List[bytes]) -> None:
        self._chunks = list(chunks)

    def iter_bytes(self) -> Any:
        return iter(list(self._chunks))

    def iter_content(self, chunk_size: Optional[int] = None) -> Any:
        return iter(list(self._chunks))

    async def aiter_bytes(self) -> Any:
        for chunk in self._chunks:
            yield chunk


def compile_block(block: Block, code: str) -> Any:
    """Compile with top-level await allowed, line numbers those of the Markdown file, and
    pytest's assertion rewriting (so a failing ``assert`` shows its values) where available."""
    source = "\n" * block.line + code  # line N of the source is line N of the file
    tree = ast.parse(source, str(block.path))
    try:
        from _pytest.assertion.rewrite import rewrite_asserts

        rewrite_asserts(tree, source.encode("utf-8"), str(block.path))
    except Exception:  # pragma: no cover - a pytest without it: plain asserts
        tree = ast.parse(source, str(block.path))
    return compile(tree, str(block.path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)


def describe_failure(block: Block, exc: BaseException) -> str:
    """The traceback from the block's own frame on (the harness's frames left out)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != str(block.path):
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    return f"{block.id} failed:\n" + "".join(lines).replace(str(ROOT) + "/", "")


class FileRun:
    """The namespace, event loop and progress of one Markdown file's blocks."""

    def __init__(self, path: Path, url: str) -> None:
        self.path = path
        self.url = url
        self.blocks = extract_blocks(path)
        chunks = recorded_chunks()
        self.namespace: Dict[str, Any] = {
            "__name__": "__main__",
            "byte_chunks": chunks,
            "response": RecordedResponse(chunks),
            "url": url,
        }
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.done = 0  # blocks[:done] have run
        self.failed: List[str] = []

    def find(self, line: int) -> int:
        for block in self.blocks:
            if block.line == line:
                return block.index
        raise LookupError(f"{rel(self.path)} has no python block at line {line} any more (edited during the run?)")

    def catch_up(self, index: int) -> None:
        """Run the blocks before ``index`` that have not run (when a block is selected alone)."""
        while self.done < index:
            block = self.blocks[self.done]
            try:
                self.run(block)
            except Exception as exc:  # reported by that block's own test when it is selected
                self.failed.append(f"{block.id} ({type(exc).__name__}: {exc})")

    def run(self, block: Block) -> Optional[str]:
        """Run one block; return why it was skipped, or None.  Failures raise."""
        self.done = max(self.done, block.index + 1)
        if block.skip:
            return f"marked {SKIP_MARKER}"
        missing = _needs(block.code)
        if missing:
            return f"needs {', '.join(missing)}, not installed in this interpreter"
        code = block.code
        for base_url in BASE_URLS:
            code = code.replace(base_url, self.url)
        compiled = compile_block(block, code)
        if compiled.co_flags & inspect.CO_COROUTINE:
            if self.loop is None:
                self.loop = asyncio.new_event_loop()
            self.loop.run_until_complete(eval(compiled, self.namespace))
        else:
            exec(compiled, self.namespace)
        return None

    def close(self) -> None:
        if self.loop is not None:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()


class _DocHandler(BaseHTTPRequestHandler):
    """The recorded chat stream for any path, but the recorded agent run
    (``sse_pplx._agent_demo``) for the Responses paths (``/v1/agent``, ``/responses``)."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = self.path.split("?")[0]
        responses = path.endswith(("/agent", "/responses")) or "/agent/" in path or "/responses/" in path
        chunks = [_agent_demo.DATA] if responses else recorded_chunks()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for piece in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


@pytest.fixture(scope="session")
def doc_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _DocHandler)
    server.daemon_threads = True
    server.handle_error = lambda request, address: None  # type: ignore[method-assign]  # a client that left early
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def doc_runs(doc_server):
    runs: Dict[Path, FileRun] = {}
    yield runs
    for run in runs.values():
        run.close()


@pytest.fixture
def doc_env(monkeypatch, doc_server):
    """The environment a block runs in (see the module docstring)."""
    monkeypatch.setenv("PERPLEXITY_API_KEY", "pplx-docs-test-key")
    monkeypatch.setenv("PERPLEXITY_BASE_URL", doc_server)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-docs-test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", doc_server)
    monkeypatch.chdir(ROOT)
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and name not in LOOPBACK_HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, f"no network in the doc tests (looked up {name!r})")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    return doc_server


# -- the tests -----------------------------------------------------------------------------

BLOCKS = _all_blocks()


@pytest.mark.parametrize("block", BLOCKS, ids=[block.id for block in BLOCKS])
def test_block(block: Block, doc_runs: Dict[Path, FileRun], doc_env: str) -> None:
    run = doc_runs.get(block.path)
    if run is None:
        run = doc_runs[block.path] = FileRun(block.path, doc_env)
    index = run.find(block.line)
    run.catch_up(index)
    earlier = list(run.failed)
    failure = None
    try:
        skipped = run.run(run.blocks[index])
    except Exception as exc:
        run.failed.append(block.id)
        failure = describe_failure(block, exc)
        if earlier:
            failure += "\n(earlier blocks of this file failed too, which may be the cause: " + ", ".join(earlier) + ")"
    if failure is not None:
        pytest.fail(failure, pytrace=False)
    if skipped:
        pytest.skip(f"{block.id}: {skipped}")


@pytest.mark.parametrize("path", doc_files(), ids=rel)
def test_few_blocks_are_skipped(path: Path) -> None:
    marked = [block.id for block in extract_blocks(path) if block.skip]
    assert len(marked) <= MAX_SKIPS, f"{rel(path)} skips {len(marked)} blocks (at most {MAX_SKIPS}): {marked}"


def test_every_public_name_has_a_heading_in_the_api_reference() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    named = set()
    for heading in re.findall(r"^#{1,6} (.*)$", text, flags=re.M):
        for span in re.findall(r"`([^`]+)`", heading):
            match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", span)
            if match:
                named.add(match.group())
    missing = [name for name in sse_pplx.__all__ if name not in named]
    assert not missing, f"docs/api.md has no heading for: {missing}"


_CODE_BLOCK = re.compile(r"^[ \t]*(`{3,}|~{3,}).*?^[ \t]*\1[ \t]*$", flags=re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", flags=re.S)
_INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_REF_LINK = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", flags=re.M)


def link_targets(path: Path) -> List[str]:
    """The targets of the file's links, outside code blocks and code spans."""
    text = path.read_text(encoding="utf-8")
    text = _CODE_SPAN.sub("", _CODE_BLOCK.sub("", text))
    return _INLINE_LINK.findall(text) + _REF_LINK.findall(text)


def relative_links(path: Path) -> List[str]:
    """The targets of the file's links that are not URLs (``other.md``, ``../x/#frag``, ``#frag``)."""
    return [t for t in link_targets(path) if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", t)]


def heading_anchors(path: Path) -> List[str]:
    """GitHub's anchors for a Markdown file's headings: lower case, punctuation dropped,
    spaces to hyphens, ``-1``, ``-2``... for repeats."""
    text = _CODE_BLOCK.sub("", path.read_text(encoding="utf-8"))
    anchors: List[str] = []
    seen: Dict[str, int] = {}
    for heading in re.findall(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.append(f"{slug}-{seen[slug]}" if slug in seen else slug)
        seen[slug] = seen.get(slug, 0) + 1
    return anchors


def broken_link(target: str, linked: Path, fragment: str) -> Optional[str]:
    """Why a link to ``linked`` (and its ``#fragment``) is broken, or None."""
    if not linked.exists():
        return target
    if fragment and linked.suffix == ".md" and fragment not in heading_anchors(linked):
        return f"{target} (no such heading)"
    return None


@pytest.mark.parametrize("path", doc_files(), ids=rel)
def test_relative_links_point_at_files_that_exist(path: Path) -> None:
    broken = []
    for target in relative_links(path):
        local, _, fragment = target.partition("#")
        local = local.split("?", 1)[0]
        why = broken_link(target, (path.parent / local) if local else path, fragment)
        if why:
            broken.append(why)
    assert not broken, f"{rel(path)} has broken links: {broken}"


# README.md is also the package index's project page, where a relative link leads nowhere: its
# links into the repository are absolute, under the Source URL of pyproject.toml's [project.urls],
# and each must name a file (blob/main/...) or folder (tree/main/...) of this checkout.


def project_urls() -> Dict[str, str]:
    """pyproject.toml's [project.urls] (read by hand: tomllib is 3.11+ and the suite runs on 3.8)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    table = re.search(r"^\[project\.urls\]\n(.*?)(?=^\[|\Z)", text, flags=re.M | re.S)
    assert table, "pyproject.toml has no [project.urls] table"
    return dict(re.findall(r'^(\w+) = "([^"]+)"$', table.group(1), flags=re.M))


REPOSITORY = project_urls()["Source"]


def test_project_urls_are_the_repository_s() -> None:
    urls = project_urls()
    assert sorted(urls) == ["Changelog", "Documentation", "Homepage", "Issues", "Source"]
    assert REPOSITORY.startswith("https://") and not REPOSITORY.endswith("/")
    assert all(url == REPOSITORY or url.startswith(REPOSITORY + "/") for url in urls.values()), urls
    for name in ("Documentation", "Changelog"):  # the pages inside the repository exist here
        path = checkout_path(urls[name])
        assert path is not None and path.exists(), f"{name} = {urls[name]} names nothing in the checkout"


def checkout_path(url: str) -> Optional[Path]:
    """The checkout's file or folder that a ``{REPOSITORY}/blob/main/...`` (file) or ``.../tree/main/...``
    (folder) URL shows, or None for any other URL (the repository's home, its issues)."""
    match = re.match(re.escape(REPOSITORY) + r"/(blob|tree)/main/([^#?]+)", url)
    if not match:
        return None
    path = ROOT / match.group(2)
    right_kind = path.is_file() if match.group(1) == "blob" else path.is_dir()
    return path if right_kind else ROOT / ".missing" / match.group(2)  # a folder under blob/ is broken too


def test_readme_links_are_absolute() -> None:
    relative = relative_links(ROOT / "README.md")
    assert relative == [], f"README.md links relatively (broken on the package index): {relative}"


def test_readme_links_into_the_repository_name_files_of_the_checkout() -> None:
    into = [t for t in link_targets(ROOT / "README.md") if t.startswith(REPOSITORY)]
    assert len(into) >= 10, into  # the docs, the kit, the benchmarks, the changelog
    broken = []
    for target in into:
        url, _, fragment = target.partition("#")
        path = checkout_path(url)
        if path is None:
            if url not in (REPOSITORY, REPOSITORY + "/issues"):
                broken.append(f"{target} (not a blob/main or tree/main URL)")
            continue
        why = broken_link(target, path, fragment)
        if why:
            broken.append(why)
    assert not broken, f"README.md has broken links: {broken}"


def test_the_changelog_s_newest_version_is_the_package_s() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    versions = re.findall(r"^## \[([^\]]+)\]", text, flags=re.M)
    assert versions and versions[0] == sse_pplx.__version__, versions
    assert re.search(rf"^\[{re.escape(versions[0])}\]: {re.escape(REPOSITORY)}/", text, flags=re.M)
