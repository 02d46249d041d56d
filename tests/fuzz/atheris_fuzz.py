"""Coverage-guided fuzzing of the parser and the chat layer with atheris (libFuzzer).

    python -m venv .venv-fuzz && .venv-fuzz/bin/pip install atheris
    .venv-fuzz/bin/python -m tests.fuzz.atheris_fuzz --target parser -max_total_time=600
    .venv-fuzz/bin/python -m tests.fuzz.atheris_fuzz --target chat -atheris_runs=1000000

Run it from the repository root (so that ``sse_pplx`` is the working tree).  Every other
argument goes to libFuzzer (``-max_total_time=S``, ``-runs=N``, ``-atheris_runs=N``,
``-jobs``, corpus directories...).  Without a corpus directory, a temporary one is seeded
with the input bytes of every fixture in ``fixtures/`` (each behind a header of default
options, and again cut into 1- and 7-byte chunks); without ``-dict=``, a dictionary of SSE
and chat tokens is used; crashes go to a temporary ``-artifact_prefix`` unless one is given;
``-timeout=10`` (a hang is a finding) and ``-max_len=16384`` unless given.

Each input is ``4 header bytes + the stream``.  The header picks the options, so libFuzzer
mutates them too:

* ``parser``: byte 0 bit 0 comments, bits 1-2 bytes / bytearray / memoryview chunks, bit 3
  ``max_line_bytes = byte 2``, bit 4 ``max_event_bytes = 4 * byte 3``, bits 5 / 6 make them
  unlimited; byte 1 the chunk size (0: whole).  Checked by ``hostile.check_parser`` and
  ``hostile.check_iter_events``.
* ``chat``: byte 0 bit 0 strict, bits 1-3 the entry point (``hostile.CHAT_APIS``), bit 4
  ``include_reasoning``, bit 5 small limits (``max_line_bytes = 16 * byte 2``,
  ``max_event_bytes = 64 * byte 3``); byte 1 the chunk size.  Checked by
  ``hostile.check_chat``.

The number of executions is printed as it goes and by libFuzzer at the end ("Done N runs").
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from typing import Any, Dict, List, Tuple

import atheris

with atheris.instrument_imports(include=["sse_pplx"]):
    import sse_pplx
    import sse_pplx.chat
    import sse_pplx.chat_objects
    import sse_pplx.parser

from conformance.fixture import iter_fixtures
from tests.fuzz import hostile

_DICT_TOKENS = (
    b"data:", b"data: ", b"event:", b"event: error", b"event: done", b"event: text_chunk", b"event: ping", b"id:",
    b"retry:", b":", b"\r\n", b"\r", b"\n\n", b"\xef\xbb\xbf", b"[DONE]", b"data: [DONE]", b'"choices"', b'"delta"',
    b'"message"', b'"content"', b'"role"', b'"index"', b'"finish_reason"', b'"error"', b'"usage"', b'"total_tokens"',
    b'"tool_calls"', b'"function"', b'"arguments"', b'"citations"', b'"search_results"', b'"images"',
    b'"related_questions"', b'"reasoning_content"', b'"detail"', b'"loc"', b'"code"', b"NaN", b"Infinity", b"-Infinity",
    b"1e999", b"\\ud800", b"\\u0000", b"<think>", b"</think>", b"null", b"true", b"[[[[[[[[", b"]]]]]]]]",
    b'{"a":{"a":',
    b"11111111111111111111111111111111", b"\xff", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\xed\xa0\x80",
)  # fmt: skip

_executions = 0
_started = time.monotonic()
_next_report = 1 << 14


def _chunks(data: bytes, size: int) -> List[bytes]:
    if not size or not data:
        return [data] if data else []
    return [data[i : i + size] for i in range(0, len(data), size)]


def parser_case(data: bytes) -> Tuple[List[Any], Dict[str, Any], bool]:
    head, body = data[:4].ljust(4, b"\x00"), data[4:]
    flags = head[0]
    options: Dict[str, Any] = {}
    if flags & 8:
        options["max_line_bytes"] = head[2]
    if flags & 16:
        options["max_event_bytes"] = 4 * head[3]
    if flags & 32:
        options["max_line_bytes"] = None
    if flags & 64:
        options["max_event_bytes"] = None
    chunks: List[Any] = _chunks(body, head[1])
    kind = (flags >> 1) & 3
    if kind == 1:
        chunks = [bytearray(c) for c in chunks]
    elif kind == 2:
        chunks = [memoryview(c) for c in chunks]
    return chunks, options, bool(flags & 1)


def chat_case(data: bytes) -> Tuple[List[bytes], Dict[str, Any], bool, str, bool]:
    head, body = data[:4].ljust(4, b"\x00"), data[4:]
    flags = head[0]
    options: Dict[str, Any] = {}
    if flags & 32:
        options = {"max_line_bytes": 16 * head[2], "max_event_bytes": 64 * head[3]}
    api = hostile.CHAT_APIS[((flags >> 1) & 7) % len(hostile.CHAT_APIS)]
    return _chunks(body, head[1]), options, bool(flags & 1), api, bool(flags & 16)


def _count() -> None:
    global _executions, _next_report
    _executions += 1
    if _executions >= _next_report:
        _next_report *= 2
        elapsed = time.monotonic() - _started
        print(f"#{_executions} executions in {elapsed:.0f} s ({_executions / max(elapsed, 1e-9):.0f}/s)", flush=True)


def test_parser(data: bytes) -> None:
    _count()
    chunks, options, comments = parser_case(data)
    run = hostile.check_parser(chunks, options, comments)
    hostile.check_iter_events(chunks, options, comments, run)


def test_chat(data: bytes) -> None:
    _count()
    chunks, options, strict, api, include_reasoning = chat_case(data)
    hostile.check_chat(chunks, api=api, strict=strict, options=options, include_reasoning=include_reasoning)


TARGETS = {"parser": test_parser, "chat": test_chat}


def _seed_corpus(folder: str) -> int:
    count = 0
    for fixture in iter_fixtures():
        for head in (b"\x00\x00\x00\x00", b"\x00\x01\x00\x00", b"\x00\x07\x00\x00"):
            with open(os.path.join(folder, f"{fixture.name.replace('/', '-')}-{head[1]}"), "wb") as out:
                out.write(head + fixture.data)
            count += 1
    return count


def _dictionary(path: str) -> None:
    with open(path, "w", encoding="ascii") as out:
        for token in _DICT_TOKENS:
            escaped = "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\x{b:02x}" for b in token)
            out.write(f'"{escaped}"\n')


def main(argv: List[str]) -> None:
    args = list(argv[1:])
    target = "parser"
    if "--target" in args:
        i = args.index("--target")
        target = args[i + 1]
        del args[i : i + 2]
    if target not in TARGETS:
        raise SystemExit(f"--target must be one of {', '.join(TARGETS)}")
    work = tempfile.mkdtemp(prefix=f"sse-pplx-atheris-{target}-")
    flags = [a for a in args if a.startswith("-")]
    corpora = [a for a in args if not a.startswith("-")]
    if not corpora:
        corpus = os.path.join(work, "corpus")
        os.mkdir(corpus)
        print(f"seed corpus: {_seed_corpus(corpus)} inputs from fixtures/ in {corpus}", flush=True)
        corpora = [corpus]
    if not any(f.startswith("-dict=") for f in flags):
        _dictionary(os.path.join(work, "sse.dict"))
        flags.append(f"-dict={os.path.join(work, 'sse.dict')}")
    if not any(f.startswith("-artifact_prefix=") for f in flags):
        flags.append(f"-artifact_prefix={work}/")
    if not any(f.startswith("-timeout=") for f in flags):
        flags.append("-timeout=10")
    if not any(f.startswith("-max_len=") for f in flags):
        flags.append("-max_len=16384")
    print(f"target {target}; sse_pplx from {sse_pplx.__file__}; libFuzzer flags {' '.join(flags)}", flush=True)
    atheris.Setup([argv[0], *flags, *corpora], TARGETS[target])
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
