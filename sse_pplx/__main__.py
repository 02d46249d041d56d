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
  and says so in one line on stderr.  ``--replay FIXTURE`` replays any kit fixture.
  Until the first words arrive, a spinner on stderr (a terminal only, :mod:`sse_pplx._spinner`).
* ``--json`` prints the final result as JSON (after Ctrl-C, what had arrived, with
  ``"interrupted": true``); ``--events`` prints each raw SSE event as a JSON line as it
  arrives, and with ``--url URL`` reads any SSE endpoint (``--reconnect``: like
  ``EventSource``, each reconnection said on stderr); ``python -m sse_pplx < stream.txt``
  (or ``--file PATH``, ``--file -``) parses a saved stream the same way, and input with no
  event in it is an error.
* ``--agent "question"`` (with ``--preset`` or ``--model``) streams an agent run of
  Perplexity's Agent API: the search activity on stderr as it happens, the answer as it is
  generated, then the sources and the usage with its cost (:mod:`sse_pplx._agent_cli`);
  without a key it replays a recorded run (:mod:`sse_pplx._agent_demo`) the same way.
* ``--show-reasoning`` shows a reasoning model's ``<think>`` text, dimmed on a
  terminal; without it the reasoning is hidden and stderr says so once.

The arguments and the combinations refused as usage errors are :mod:`sse_pplx._cli_args`'s.
Every failure is one line on stderr, ``error: <what happened>`` (an HTTP or connection
error ends with the request, ``[POST https://.../chat/completions]``), and a non-zero
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
    from typing import Any, BinaryIO, Callable, Dict, Iterable, Iterator, List, Optional, TextIO, Union

    from ._spinner import Spinner
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


def _should_replay(args: argparse.Namespace) -> bool:
    return bool(args.demo or args.replay or not (args.base_url or _api_key(args)))


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


def _print_events(
    events: Iterable[Union[ServerSentEvent, Comment]], out: TextIO, before: Optional[Callable[[], None]] = None
) -> int:
    """Each event as a JSON line as it arrives (``before`` is called before each: the spinner's stop)."""
    for event in events:
        if isinstance(event, ServerSentEvent):  # comments are not asked for, so none come
            if before is not None:
                before()
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

    def __init__(self, out: TextIO, spinner: Spinner, paint: _Painter, show_reasoning: bool) -> None:
        from ._reasoning import ThinkSplitter

        self._out, self._spinner, self._paint = out, spinner, paint
        self._show = show_reasoning
        self._splitter = ThinkSplitter()
        self._said_hidden = False
        self._reasoning_open = False  # reasoning text was printed and the answer has not begun
        self.column = 0  # characters printed since the last newline

    def _write(self, text: str, styled: Optional[str] = None) -> None:
        if not text:
            return
        self._spinner.stop()  # the first words: the spinner's line is erased before them
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
                self._spinner.say("(the model is reasoning; --show-reasoning shows it)")
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


def _aim(args: argparse.Namespace, method: str, url: str) -> None:
    """Remember the request about to be made: an HTTP error names it (never the key: it is a header)."""
    args.target = f"{method} {_without_userinfo(url)}"


def _spinner(args: argparse.Namespace) -> Spinner:
    """The sign of life until the first words (a terminal only): Perplexity (or its replay) searches
    first; any other server (``--base-url``) is just waited for."""
    from ._spinner import Spinner

    spinner = Spinner(sys.stderr, "searching…" if args.base_url is None else "waiting for the answer…")
    spinner.enabled = spinner.enabled and not args.debug  # the log's lines would cross its frames
    return spinner


def _ask(args: argparse.Namespace, base_url: Optional[str], api_key: Optional[str], question: str) -> int:
    out, err = sys.stdout, sys.stderr
    body = _request(args, question)
    model, messages = body.pop("model"), body.pop("messages")
    paint = _Painter(out, args.color)
    spinner = _spinner(args)
    printer = _AnswerPrinter(out, spinner, paint, args.show_reasoning)
    stream = None
    with _make_client(args, base_url, api_key) as client:
        _aim(args, "POST", client.base_url + "/chat/completions")
        try:
            with spinner:
                stream = client.chat.completions.create(model=model, messages=messages, stream=True, **body)
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
        except KeyboardInterrupt:
            if args.json and stream is not None:  # what had arrived, marked as cut short by Ctrl-C
                _print_json(stream.result, out, interrupted=True)
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


def _print_json(
    result: Union[ChatResult, ResponseResult], out: TextIO, error: Optional[str] = None, interrupted: bool = False
) -> None:
    import json

    record = result.to_dict()
    if error is not None:
        record["error_message"] = error
    if interrupted:
        record["interrupted"] = True
    print(json.dumps(record, ensure_ascii=False, indent=2), file=out, flush=True)


def _chat_events(args: argparse.Namespace, base_url: str, api_key: Optional[str], question: str) -> int:
    """``--events`` for a question: POST the chat request and print the raw events as they arrive."""
    from .client import connect

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    body = _request(args, question)
    body["stream"] = True
    url = base_url.rstrip("/") + "/chat/completions"
    timeout = args.timeout if args.timeout is not None else 600.0
    _aim(args, "POST", url)
    with _spinner(args) as spinner, connect(url, method="POST", headers=headers, json=body, timeout=timeout) as events:
        return _print_events(events, sys.stdout, spinner.stop)


def _url_events(args: argparse.Namespace) -> int:
    from .client import connect

    timeout = args.timeout if args.timeout is not None else 600.0
    _aim(args, "GET", args.url)
    if args.reconnect and not args.debug:  # --debug logs it already
        _say_reconnections()
    with connect(args.url, timeout=timeout, reconnect=args.reconnect) as events:
        return _print_events(events, sys.stdout)


def _say_reconnections() -> None:
    """``--reconnect``: each reconnection on stderr, when it happens and how long it waits, from
    the ``sse_pplx`` logger's record of it (``eventsource.py``: "URL: reconnecting in N s (why)")."""
    import logging
    import time

    class Notice(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "reconnecting in" not in str(record.msg):
                return
            text = record.getMessage()
            if isinstance(record.args, tuple) and len(record.args) == 3:
                url, delay, why = record.args
                why = "the stream ended" if why == "end of stream" else f"the connection failed: {why}"
                text = f"{why}; reconnecting to {url} in {float(delay):.3g} s"  # type: ignore[arg-type]
            stamp = time.strftime("%H:%M:%S", time.localtime(record.created))
            print(f"{stamp} {text}", file=sys.stderr, flush=True)

    log = logging.getLogger("sse_pplx")
    log.addHandler(Notice(logging.INFO))
    if log.getEffectiveLevel() > logging.INFO:
        log.setLevel(logging.INFO)


def _read_chunks(stream: BinaryIO, size: int = 65536) -> Iterator[bytes]:
    read = getattr(stream, "read1", stream.read)
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


def _dump(stream: BinaryIO, name: str) -> int:
    """A saved stream's events as JSON lines; input with no event in it is an error, said so."""
    from .parser import iter_events

    received = [0]

    def counted() -> Iterator[bytes]:
        for chunk in _read_chunks(stream):
            received[0] += len(chunk)
            yield chunk

    printed = [0]

    def counting(events: Iterable[Union[ServerSentEvent, Comment]]) -> Iterator[Union[ServerSentEvent, Comment]]:
        for event in events:
            printed[0] += 1
            yield event

    _print_events(counting(iter_events(counted())), sys.stdout)
    if received[0] == 0:
        hint = " (ask a question, or --demo)" if name == "stdin" else ""
        raise _Failure(f"{name} is empty: no SSE stream to read{hint}")
    if printed[0] == 0:
        raise _Failure(
            f"no SSE event in {name} ({received[0]} bytes): is it a text/event-stream? "
            "(an event is 'data: ...' lines ended by a blank line)"
        )
    return EXIT_OK


def _agent(args: argparse.Namespace) -> int:
    """``--agent``: an agent run, from the API or (without a key) the bundled recording."""
    from . import _agent_demo

    if not _should_replay(args):
        if args.question is None:
            raise _Failure('no question: python -m sse_pplx --agent "your question" (or --demo)')
        return _agent_run(args, _make_client(args, args.base_url, _api_key(args)), args.question)
    from ._loopback import ReplayServer
    from .client import Perplexity

    replay = _Replay("a recorded agent run", _agent_demo.DATA, list(_agent_demo.CHUNKS), list(_agent_demo.DELAYS_MS))
    with ReplayServer(replay.pieces(), _delays(args, replay)) as url:
        details = f"{len(replay.data)} bytes in {len(replay.chunks)} reads"
        _replay_notice(args, url, "a recorded agent run", _agent_demo.QUESTION, details)
        client = Perplexity(api_key="replay", base_url=url, max_retries=0)
        return _agent_run(args, client, args.question or _agent_demo.QUESTION)


def _agent_run(args: argparse.Namespace, client: Any, question: str) -> int:
    from . import _agent_cli

    out, err = sys.stdout, sys.stderr
    paint = _Painter(out, args.color)
    _aim(args, "POST", client.base_url + client._responses_path)

    def interrupted(partial: ResponseResult) -> None:
        if args.json:
            _print_json(partial, out, interrupted=True)

    try:
        with _spinner(args) as spinner:
            result = _agent_cli.run(args, client, question, _Painter(err, args.color), spinner, interrupted)
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


def _delays(args: argparse.Namespace, replay: _Replay) -> List[float]:
    """The replay's delays in seconds, at ``--speed`` (0: none)."""
    speed = args.speed
    return [ms / 1000.0 / speed if speed > 0 else 0.0 for ms in replay.delays_ms]


def _replay_notice(args: argparse.Namespace, url: str, what: str, question: Optional[str], details: str) -> None:
    """One short line on stderr: a replay, from where, why, and (when asked something else) to what;
    the details (version, bytes, reads, timing) go to the ``--debug`` log."""
    import logging

    why = "--demo" if args.demo else "--replay" if args.replay else "no PERPLEXITY_API_KEY set"
    to = f" to {question!r}" if question and args.question not in (None, question) else ""
    print(f"replaying {what}{to} from {url} ({why}; nothing is sent to any API)", file=sys.stderr, flush=True)
    timing = f"its recorded timing x{args.speed:g}" if args.speed > 0 else "no delays"
    logging.getLogger("sse_pplx").debug("sse_pplx %s replays %s (%s, %s)", __version__, what, details, timing)


def _chat(args: argparse.Namespace) -> int:
    if args.agent:
        return _agent(args)
    if not _should_replay(args):
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
    question = args.question or _demo.QUESTION
    with ReplayServer(replay.pieces(), _delays(args, replay)) as url:
        what = replay.label if args.replay else "a recorded answer"
        details = f"{replay.label}: {len(replay.data)} bytes in {len(replay.chunks)} reads"
        _replay_notice(args, url, what, None if args.replay else _demo.QUESTION, details)
        if args.events:
            return _chat_events(args, url, None, question)
        return _ask(args, url, None, question)


# --- the command --------------------------------------------------------------------------------


def _run(ap: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.url:
        return _url_events(args)
    if args.file == "-":
        return _dump(sys.stdin.buffer, "stdin")
    if args.file:
        try:
            with open(args.file, "rb") as f:
                return _dump(f, args.file)
        except OSError as exc:
            raise _Failure(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    if args.question is None and not (args.demo or args.replay):
        if not args.asks and not sys.stdin.isatty():
            return _dump(sys.stdin.buffer, "stdin")
        if _api_key(args) or args.base_url:
            ap.error('no question: python -m sse_pplx "your question"')
    return _chat(args)


def _one_line(exc: BaseException, target: Optional[str] = None) -> str:
    """``Type: message`` on one line; an HTTP or connection error names the request it made."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, _Failure) or (isinstance(exc, SSEError) and not isinstance(exc, APIError)):
        return text
    where = _request_line(exc, target)
    return f"{type(exc).__name__}: {text}" + (f" [{where}]" if where else "")


def _request_line(exc: BaseException, target: Optional[str]) -> Optional[str]:
    """``METHOD URL`` of the request an error answers (the response's own, after redirects),
    for a status error or a connection failure; never for a failure inside a stream's body
    (an error event, a cut-off answer), which the URL does not explain."""
    from .errors import APIConnectionError, APIStatusError, IncompleteStreamError

    request = getattr(getattr(exc, "response", None), "request", None)
    if isinstance(exc, APIStatusError) and request is not None:
        return f"{request.method} {_without_userinfo(str(request.url))}"
    if isinstance(exc, (APIStatusError, APIConnectionError)) and not isinstance(exc, IncompleteStreamError):
        return target
    return None


def _without_userinfo(url: str) -> str:
    """``https://user:secret@host/p`` -> ``https://host/p``: a URL printed never shows a password."""
    scheme, sep, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    return scheme + sep + authority.rpartition("@")[2] + slash + path if sep else url


def main(argv: Optional[List[str]] = None) -> int:
    """Run the command line on ``argv`` (``sys.argv[1:]`` when None); return the exit status."""
    from . import _cli_args

    ap = _cli_args.parser(__version__)
    args = ap.parse_args(argv)
    _cli_args.check(ap, args)
    args.target = None  # "METHOD URL" of the request being made, for the error line
    if args.debug:
        import logging

        logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s: %(message)s")
        logging.getLogger("sse_pplx").setLevel(logging.DEBUG)
    try:
        return _run(ap, args)
    except KeyboardInterrupt:
        # The ``with`` blocks have closed the connection by the time we get here, the spinner
        # has erased itself, and the answer printer has ended its line.
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into `head`: stop quietly, like other tools
        _silence_stdout()
        return EXIT_OK
    except (SSEError, _Failure, OSError) as exc:
        if args.debug:
            raise
        sys.stdout.flush()
        print(f"error: {_one_line(exc, args.target)}", file=sys.stderr)
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
