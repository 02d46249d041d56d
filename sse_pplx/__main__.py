"""``python -m sse_pplx`` (also the ``sse-pplx`` command): ask a question, watch the answer stream.

* ``python -m sse_pplx "your question"`` streams the answer to the terminal as it
  is generated, then prints the numbered sources (``search_results``, else
  ``citations``) and the usage.  With ``PERPLEXITY_API_KEY`` set it asks the
  real API (``--model``, ``--system``, ``--max-tokens``, ``--temperature``;
  ``--base-url`` for any OpenAI-compatible server).  Without a key, and always
  with ``--demo``, it replays a recorded Perplexity stream (the kit's fixture
  ``fixtures/recorded/pplx-2026-network-split.json``, or the copy bundled in
  :mod:`sse_pplx._demo` when the package is installed) from 127.0.0.1 with its
  recorded chunk boundaries and timing, through the real client and transport,
  and says so on stderr.  ``--replay FIXTURE`` replays any kit fixture.
* ``--json`` prints the final result as JSON; ``--events`` prints each raw SSE
  event as a JSON line as it arrives, and with ``--url URL`` reads any SSE
  endpoint; ``python -m sse_pplx < stream.txt`` (or ``--file PATH``) parses a
  saved stream the same way.
* ``--agent "question"`` (with ``--preset`` or ``--model``) streams an agent run of
  Perplexity's Agent API: the search activity on stderr as it happens, the answer as it is
  generated, then the sources and the usage with its cost (:mod:`sse_pplx._agent_cli`);
  without a key it replays a recorded run (:mod:`sse_pplx._agent_demo`) the same way.
* ``--show-reasoning`` shows a reasoning model's ``<think>`` text, dimmed on a
  terminal; without it the reasoning is hidden and stderr says so once.

Every failure is one line on stderr, ``error: <what happened>``, and a non-zero
exit status: 1 for an API, network or stream failure (an answer cut off keeps
what was printed), 2 for a usage error, 130 for Ctrl-C, which closes the
connection before exiting.  ``--debug`` shows the traceback and the
``sse_pplx`` logger's messages (request lines, statuses, retries; never headers).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import __version__
from .errors import APIError, SSEError
from .events import ServerSentEvent

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, BinaryIO, Dict, Iterable, Iterator, List, Optional, TextIO, Union

    from .chat import ChatResult
    from .events import Comment
    from .response_result import ResponseResult

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
_DIM, _BOLD, _RESET = "\x1b[2m", "\x1b[1m", "\x1b[0m"


class _Failure(Exception):
    """A failure the command explains in one line (not a bug)."""


# --- where the answer comes from ----------------------------------------------------------------


class _Replay:
    """A recorded stream to serve from 127.0.0.1: its bytes, read sizes and delays."""

    def __init__(self, label: str, data: bytes, chunks: List[int], delays_ms: List[float]) -> None:
        self.label = label
        self.data = data
        self.chunks = chunks
        self.delays_ms = delays_ms

    def pieces(self) -> List[bytes]:
        out, pos = [], 0
        for size in self.chunks:
            out.append(self.data[pos : pos + size])
            pos += size
        return out


def _load_fixture(path: str) -> _Replay:
    """Read a conformance-kit fixture file (``input.text`` or ``input.base64``, ``chunks``, ``delays_ms``)."""
    import base64
    import json

    try:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        source = spec["input"]
        data = base64.b64decode(source["base64"]) if "base64" in source else source["text"].encode("utf-8")
        chunks = [int(n) for n in spec.get("chunks") or [len(data)]]
        delays = [float(ms) for ms in spec.get("delays_ms") or [0.0] * len(chunks)]
    except OSError as exc:
        raise _Failure(f"cannot read fixture {path}: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise _Failure(f"{path} is not a conformance-kit fixture ({type(exc).__name__}: {exc})") from exc
    if sum(chunks) != len(data) or len(delays) != len(chunks):
        raise _Failure(f"{path}: its chunks do not add up to its input, or delays_ms does not match chunks")
    return _Replay(path, data, chunks, delays)


def _demo_replay() -> _Replay:
    """The demo stream: the fixture file in a checkout, else the copy bundled with the package."""
    from . import _demo

    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(os.path.dirname(here), "fixtures", _demo.FIXTURE + ".json")
    if os.path.exists(path):
        replay = _load_fixture(path)
        replay.label = os.path.relpath(path)
        return replay
    label = f"{_demo.FIXTURE} (bundled copy)"
    return _Replay(label, _demo.DATA, list(_demo.CHUNKS), list(_demo.DELAYS_MS))


def _api_key(args: argparse.Namespace) -> Optional[str]:
    if args.base_url:
        return os.environ.get("PERPLEXITY_API_KEY") or os.environ.get("OPENAI_API_KEY") or None
    return os.environ.get("PERPLEXITY_API_KEY") or None


def _should_replay(args: argparse.Namespace, err: TextIO) -> bool:
    if args.demo or args.replay:
        return True
    if args.base_url or _api_key(args):
        return False
    print("no PERPLEXITY_API_KEY set: replaying a recorded answer instead (--demo does this on purpose)", file=err)
    return True


def _make_client(args: argparse.Namespace, base_url: Optional[str], api_key: Optional[str]) -> Any:
    from .client import Client, Perplexity

    options: Dict[str, Any] = {"max_retries": args.max_retries}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    if base_url is not None:
        return Client(base_url=base_url, api_key=api_key, **options)
    return Perplexity(api_key=api_key, **options)


def _request(args: argparse.Namespace, question: str) -> Dict[str, Any]:
    messages = []
    if args.system:
        messages.append({"role": "system", "content": args.system})
    messages.append({"role": "user", "content": question})
    body: Dict[str, Any] = {"model": args.model or "sonar", "messages": messages}
    if args.max_tokens is not None:
        body["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        body["temperature"] = args.temperature
    return body


# --- output -------------------------------------------------------------------------------------


class _Painter:
    """ANSI styles when writing to a terminal (``--color``; ``NO_COLOR`` and ``TERM=dumb`` respected)."""

    def __init__(self, out: TextIO, mode: str) -> None:
        if mode == "auto":
            isatty = getattr(out, "isatty", None)
            on = bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
        else:
            on = mode == "always"
        self.on = on

    def dim(self, text: str) -> str:
        return f"{_DIM}{text}{_RESET}" if self.on and text else text

    def bold(self, text: str) -> str:
        return f"{_BOLD}{text}{_RESET}" if self.on and text else text


def _event_record(event: ServerSentEvent) -> str:
    import json

    record: Dict[str, object] = {"event": event.event, "data": event.data, "id": event.id}
    if event.retry is not None:
        record["retry"] = event.retry
    return json.dumps(record, ensure_ascii=False)


def _print_events(events: Iterable[Union[ServerSentEvent, Comment]], out: TextIO) -> int:
    for event in events:
        if isinstance(event, ServerSentEvent):  # comments are not asked for, so none come
            print(_event_record(event), file=out, flush=True)
    return EXIT_OK


def _sources(result: ChatResult) -> List[str]:
    """Numbered source lines: ``search_results`` (title, URL, date) when present, else ``citations``."""
    lines = []
    results = result.search_results
    if results:
        for number, item in enumerate(results, 1):
            url = item.url or ""
            title = item.title or ""
            date = item.date or ""
            text = f"{title} — {url}" if title and url else (title or url)
            lines.append(f"[{number}] {text}" + (f" ({date})" if date else ""))
    else:
        lines = [f"[{number}] {url}" for number, url in enumerate(result.citations, 1)]
    return lines


def _usage_line(result: ChatResult) -> Optional[str]:
    usage = result.usage
    if usage is None:
        return None
    line = f"usage: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion = {usage.total_tokens} tokens"
    raw = result.to_dict()["usage"]
    cost = raw.get("cost") if isinstance(raw, dict) else None
    total = cost.get("total_cost") if isinstance(cost, dict) else None
    if isinstance(total, (int, float)) and not isinstance(total, bool):
        line += f", cost ${total:.6f}".rstrip("0").rstrip(".")
    return line


def _print_footer(sources: List[str], usage: Optional[str], out: TextIO, paint: _Painter) -> None:
    """After the answer: ``Sources`` and its numbered lines, then the usage line (dimmed)."""
    if sources:
        print(file=out)
        print(paint.bold("Sources"), file=out)
        for line in sources:
            print(line, file=out)
    if usage:
        print(file=out)
        print(paint.dim(usage), file=out)


class _AnswerPrinter:
    """Writes the streamed text: the answer as it comes, the reasoning dimmed (or hidden)."""

    def __init__(self, out: TextIO, err: TextIO, paint: _Painter, show_reasoning: bool) -> None:
        from ._reasoning import ThinkSplitter

        self._out, self._err, self._paint = out, err, paint
        self._show = show_reasoning
        self._splitter = ThinkSplitter()
        self._said_hidden = False
        self._reasoning_open = False  # reasoning text was printed and the answer has not begun
        self.column = 0  # characters printed since the last newline

    def _write(self, text: str, styled: Optional[str] = None) -> None:
        if not text:
            return
        last = text.rfind("\n")
        self.column = len(text) - last - 1 if last >= 0 else self.column + len(text)
        self._out.write(styled if styled is not None else text)
        self._out.flush()

    def _piece(self, reasoning: str, answer: str) -> None:
        if reasoning:
            if self._show:
                self._write(reasoning, self._paint.dim(reasoning))
                self._reasoning_open = True
            elif not self._said_hidden:
                self._said_hidden = True
                print("(the model is reasoning; --show-reasoning shows it)", file=self._err, flush=True)
        if answer:
            if self._reasoning_open:
                self._write("\n\n")
                self._reasoning_open = False
            self._write(answer)

    def feed(self, raw: str) -> None:
        self._piece(*self._splitter.feed(raw))

    def close(self) -> None:
        self._piece(*self._splitter.close())
        if self.column:
            self._write("\n")


# --- the modes ----------------------------------------------------------------------------------


def _ask(args: argparse.Namespace, base_url: Optional[str], api_key: Optional[str], question: str) -> int:
    out, err = sys.stdout, sys.stderr
    body = _request(args, question)
    model, messages = body.pop("model"), body.pop("messages")
    paint = _Painter(out, args.color)
    printer = _AnswerPrinter(out, err, paint, args.show_reasoning)
    with _make_client(args, base_url, api_key) as client:
        stream = client.chat.completions.create(model=model, messages=messages, stream=True, **body)
        try:
            with stream:
                if args.json:
                    result = stream.get_final_completion()
                else:
                    try:
                        for raw in stream.iter_text(include_reasoning=True):
                            printer.feed(raw)
                    finally:
                        printer.close()
                    result = stream.get_final_completion()
        except APIError as exc:
            if args.json and exc.partial is not None:
                _print_json(exc.partial, out, error=str(exc))
            raise
    if args.json:
        _print_json(result, out)
    else:
        _print_footer(_sources(result), _usage_line(result), out, paint)
    if result.finish_reason == "length":
        print("note: the answer stopped at the token limit (finish_reason: length)", file=err)
    for warning in result.warnings:
        print(f"note: {warning}", file=err)
    return EXIT_OK


def _print_json(result: Union[ChatResult, ResponseResult], out: TextIO, error: Optional[str] = None) -> None:
    import json

    record = result.to_dict()
    if error is not None:
        record["error_message"] = error
    print(json.dumps(record, ensure_ascii=False, indent=2), file=out, flush=True)


def _chat_events(args: argparse.Namespace, base_url: str, api_key: Optional[str], question: str) -> int:
    """``--events`` for a question: POST the chat request and print the raw events as they arrive."""
    from .client import connect

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body = _request(args, question)
    body["stream"] = True
    url = base_url.rstrip("/") + "/chat/completions"
    timeout = args.timeout if args.timeout is not None else 600.0
    with connect(url, method="POST", headers=headers, json=body, timeout=timeout) as events:
        return _print_events(events, sys.stdout)


def _url_events(args: argparse.Namespace) -> int:
    from .client import connect

    timeout = args.timeout if args.timeout is not None else 600.0
    with connect(args.url, timeout=timeout, reconnect=args.reconnect) as events:
        return _print_events(events, sys.stdout)


def _read_chunks(stream: BinaryIO, size: int = 65536) -> Iterator[bytes]:
    read = getattr(stream, "read1", stream.read)
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


def _dump(stream: BinaryIO) -> int:
    from .parser import iter_events

    return _print_events(iter_events(_read_chunks(stream)), sys.stdout)


def _agent(args: argparse.Namespace) -> int:
    """``--agent``: an agent run, from the API or (without a key) the bundled recording."""
    from . import _agent_demo

    err = sys.stderr
    if not _should_replay(args, err):
        if args.question is None:
            raise _Failure('no question: python -m sse_pplx --agent "your question" (or --demo)')
        return _agent_run(args, _make_client(args, args.base_url, _api_key(args)), args.question)
    from ._loopback import ReplayServer
    from .client import Perplexity

    replay = _Replay("a recorded agent run", _agent_demo.DATA, list(_agent_demo.CHUNKS), list(_agent_demo.DELAYS_MS))
    speed = args.speed
    delays = [ms / 1000.0 / speed if speed > 0 else 0.0 for ms in replay.delays_ms]
    with ReplayServer(replay.pieces(), delays) as url:
        timing = f"its recorded timing x{speed:g}" if speed > 0 else "no delays"
        print(
            f"sse_pplx {__version__}: replaying {replay.label} ({len(replay.data)} bytes, {timing}) from {url} "
            "through the real client; nothing is sent to any API",
            file=err,
        )
        if args.question is not None and args.question != _agent_demo.QUESTION:
            print(f"(the recorded answer is to: {_agent_demo.QUESTION!r})", file=err)
        client = Perplexity(api_key="replay", base_url=url, max_retries=0)
        return _agent_run(args, client, args.question or _agent_demo.QUESTION)


def _agent_run(args: argparse.Namespace, client: Any, question: str) -> int:
    from . import _agent_cli

    out, err = sys.stdout, sys.stderr
    paint = _Painter(out, args.color)
    try:
        result = _agent_cli.run(args, client, question, _Painter(err, args.color))
    except APIError as exc:
        if args.json and exc.partial is not None:
            _print_json(exc.partial, out, error=str(exc))
        raise
    if result is None:  # --events
        return EXIT_OK
    if args.json:
        _print_json(result, out)
    else:
        _print_footer(_agent_cli.sources(result), _agent_cli.usage_line(result), out, paint)
    if result.status == "incomplete":
        print(f"note: the run stopped early ({result.incomplete_reason or 'incomplete'})", file=err)
    for warning in result.warnings:
        print(f"note: {warning}", file=err)
    return EXIT_OK


def _chat(args: argparse.Namespace) -> int:
    err = sys.stderr
    if args.agent:
        if args.replay:
            raise _Failure("--replay replays chat fixtures; --agent replays its own recording (--demo)")
        return _agent(args)
    if not _should_replay(args, err):
        base_url: Optional[str] = args.base_url
        if base_url is None and args.events:
            base_url = os.environ.get("PERPLEXITY_BASE_URL") or "https://api.perplexity.ai"
        question = args.question
        if question is None:
            raise _Failure('no question: python -m sse_pplx "your question" (or --demo)')
        if args.events:
            assert base_url is not None
            return _chat_events(args, base_url, _api_key(args), question)
        return _ask(args, base_url, _api_key(args), question)
    from . import _demo
    from ._loopback import ReplayServer

    replay = _load_fixture(args.replay) if args.replay else _demo_replay()
    speed = args.speed
    delays = [ms / 1000.0 / speed if speed > 0 else 0.0 for ms in replay.delays_ms]
    question = args.question or _demo.QUESTION
    with ReplayServer(replay.pieces(), delays) as url:
        timing = f"its recorded timing x{speed:g}" if speed > 0 else "no delays"
        print(
            f"sse_pplx {__version__}: replaying {replay.label} ({len(replay.data)} bytes in "
            f"{len(replay.chunks)} reads, {timing}) from {url} through the real client; nothing is sent "
            "to any API",
            file=err,
        )
        if args.question is not None and args.question != _demo.QUESTION and not args.replay:
            print(f"(the recorded answer is to: {_demo.QUESTION!r})", file=err)
        if args.events:
            return _chat_events(args, url, None, question)
        return _ask(args, url, None, question)


# --- the command --------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m sse_pplx",
        description="Ask Perplexity (or any OpenAI-compatible server) and watch the answer stream; "
        "without PERPLEXITY_API_KEY, replay a recorded answer over 127.0.0.1.",
        epilog="Exit status: 0 success, 1 API/network/stream failure, 2 usage error, 130 interrupted.",
    )
    ap.add_argument("question", nargs="?", help="the question to ask")
    ask = ap.add_argument_group("asking")
    ask.add_argument("--model", help="model name (default: sonar; with --agent, a preset is used unless given)")
    ask.add_argument("--agent", action="store_true", help="an agent run (Perplexity's Agent API, /v1/agent)")
    ask.add_argument("--preset", help="with --agent: the preset (default: fast unless --model is given)")
    ask.add_argument("--system", help="a system prompt")
    ask.add_argument("--max-tokens", type=int, metavar="N")
    ask.add_argument("--temperature", type=float, metavar="T")
    ask.add_argument(
        "--base-url",
        metavar="URL",
        help="any OpenAI-compatible server, e.g. http://localhost:11434/v1 "
        "(key from PERPLEXITY_API_KEY or OPENAI_API_KEY, if set)",
    )
    ask.add_argument("--timeout", type=float, metavar="SECONDS", help="idle read timeout (default 900 / 600)")
    ask.add_argument("--max-retries", type=int, default=2, metavar="N", help="retries before a stream starts")
    replay = ap.add_argument_group("replaying")
    replay.add_argument("--demo", action="store_true", help="replay the recorded stream even with a key set")
    replay.add_argument("--replay", metavar="FIXTURE", help="replay this conformance-kit fixture (JSON) instead")
    replay.add_argument(
        "--speed", type=float, default=1.0, help="replay timing factor: 2 is twice as fast, 0 no delays"
    )
    show = ap.add_argument_group("output")
    show.add_argument("--json", action="store_true", help="print the final result as JSON")
    show.add_argument("--events", action="store_true", help="print the raw SSE events as JSON lines as they arrive")
    show.add_argument("--url", help="with --events: read events from this SSE URL (GET)")
    show.add_argument("--reconnect", action="store_true", help="with --url: reconnect like a browser's EventSource")
    show.add_argument("--file", help="print the events of a saved SSE stream (also: read stdin)")
    show.add_argument("--show-reasoning", action="store_true", help="show <think> reasoning (dimmed on a terminal)")
    show.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    ap.add_argument("--debug", action="store_true", help="tracebacks and the sse_pplx logger on stderr")
    ap.add_argument("--version", action="version", version=f"sse_pplx {__version__}")
    return ap


def _run(ap: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.url and not (args.question is None and not args.demo):
        ap.error("--url reads an SSE endpoint; it takes no question and no --demo")
    if args.json and args.events:
        ap.error("--json and --events are two different outputs; choose one")
    if args.url:
        return _url_events(args)
    if args.file:
        try:
            with open(args.file, "rb") as f:
                return _dump(f)
        except OSError as exc:
            raise _Failure(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    if args.question is None and not (args.demo or args.replay):
        if not sys.stdin.isatty():
            return _dump(sys.stdin.buffer)
        if _api_key(args) or args.base_url:
            ap.error('no question: python -m sse_pplx "your question"')
    return _chat(args)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, _Failure) or (isinstance(exc, SSEError) and not isinstance(exc, APIError)):
        return text
    return f"{type(exc).__name__}: {text}"


def main(argv: Optional[List[str]] = None) -> int:
    ap = _parser()
    args = ap.parse_args(argv)
    if args.debug:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s: %(message)s")
        logging.getLogger("sse_pplx").setLevel(logging.DEBUG)
    try:
        return _run(ap, args)
    except KeyboardInterrupt:
        # The ``with`` blocks have closed the connection by the time we get here, and the
        # answer printer has ended its line.
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly, like other tools
        _silence_stdout()
        return EXIT_OK
    except (SSEError, _Failure, OSError) as exc:
        if args.debug:
            raise
        sys.stdout.flush()
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # a bug of ours: still one line unless --debug
        if args.debug:
            raise
        print(f"error: {_one_line(exc)} (a bug in sse_pplx? --debug shows the traceback)", file=sys.stderr)
        return EXIT_FAILED


def _silence_stdout() -> None:
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
