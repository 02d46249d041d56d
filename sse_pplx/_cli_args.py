"""The arguments of ``python -m sse_pplx``: the parser, and the combinations that make no sense.

:func:`parser` builds the :mod:`argparse` parser (every option with its help text);
:func:`check` refuses what a run would otherwise ignore or misread, as a usage error
(``argparse``'s ``error()``: the usage and one line on stderr, exit status 2), the way
``curl`` or ``git`` refuse contradictory flags instead of picking one silently:

* out-of-range values: ``--timeout`` and ``--speed`` must be finite numbers (a timeout above
  zero, a speed of zero or more), ``--temperature`` finite, ``--max-tokens`` at least 1,
  ``--max-retries`` at least 0;
* the two modes that read a stream instead of asking a question, ``--url`` (an SSE endpoint)
  and ``--file`` (a saved stream), take no question and none of the options of asking
  (``--model``, ``--demo``, ``--json``, ...), and not each other;
* ``--reconnect`` needs ``--url``; ``--preset`` needs ``--agent``; ``--agent`` sends no
  ``--temperature`` and replays no ``--replay`` fixture; ``--show-reasoning`` changes the
  streamed text only (not ``--json``, ``--events`` or ``--agent``); ``--json`` and
  ``--events`` are two outputs; a replay (``--demo``, ``--replay``) asks no ``--base-url``;
  ``--speed`` times a replay, so it needs one.

Used by :mod:`sse_pplx.__main__`, which runs what is left.
"""

from __future__ import annotations

import argparse
import math
import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Optional, Tuple

#: The default of ``--max-retries`` (the client's) and of ``--speed`` (the recorded timing).
MAX_RETRIES, SPEED = 2, 1.0


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


def finite(text: str) -> float:
    """A finite float (``nan`` and ``inf`` would reach the request as invalid JSON)."""
    return _number(text)


def seconds(text: str) -> float:
    """A finite number of seconds above zero (``--timeout 0`` would fail every read at once)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, not {text}")
    return value


def speed(text: str) -> float:
    """A finite timing factor of zero (no delays) or more."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no delays) or more, not {text}")
    return value


def _integer(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {least} or more, not {text}")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    return _integer(text, 0)


def positive(text: str) -> int:
    """A whole number, 1 or more."""
    return _integer(text, 1)


def parser(version: str) -> argparse.ArgumentParser:
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
    ask.add_argument("--system", help="a system prompt (with --agent: the instructions)")
    ask.add_argument("--max-tokens", type=positive, metavar="N", help="the longest answer, in tokens")
    ask.add_argument("--temperature", type=finite, metavar="T", help="sampling temperature (not with --agent)")
    ask.add_argument(
        "--base-url",
        metavar="URL",
        help="any OpenAI-compatible server, e.g. http://localhost:11434/v1 "
        "(key from PERPLEXITY_API_KEY or OPENAI_API_KEY, if set)",
    )
    ask.add_argument(
        "--timeout", type=seconds, metavar="SECONDS", help="idle read timeout, above 0 (default 900 / 600)"
    )
    ask.add_argument(
        "--max-retries", type=count, metavar="N", help=f"retries before a stream starts (default {MAX_RETRIES})"
    )
    replay = ap.add_argument_group("replaying")
    replay.add_argument("--demo", action="store_true", help="replay the recorded stream even with a key set")
    replay.add_argument("--replay", metavar="FIXTURE", help="replay this conformance-kit fixture (JSON) instead")
    replay.add_argument(
        "--speed", type=speed, metavar="X", help="replay timing factor: 2 is twice as fast, 0 no delays (default 1)"
    )
    show = ap.add_argument_group("output")
    show.add_argument("--json", action="store_true", help="print the final result as JSON")
    show.add_argument("--events", action="store_true", help="print the raw SSE events as JSON lines as they arrive")
    show.add_argument("--url", help="print the events of this SSE endpoint (GET) as JSON lines")
    show.add_argument("--reconnect", action="store_true", help="with --url: reconnect like a browser's EventSource")
    show.add_argument(
        "--file", metavar="PATH", help="print the events of a saved SSE stream as JSON lines ('-': stdin)"
    )
    show.add_argument("--show-reasoning", action="store_true", help="show <think> reasoning (dimmed on a terminal)")
    show.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="styles: auto (on a terminal), always, never",
    )
    ap.add_argument("--debug", action="store_true", help="tracebacks and the sse_pplx logger on stderr")
    ap.add_argument("--version", action="version", version=f"sse_pplx {version}", help="print the version and exit")
    return ap


def _given(args: argparse.Namespace, *names: str) -> List[str]:
    """The options among ``names`` that were given, spelled as typed (``max_tokens`` -> ``--max-tokens``)."""
    given = [name for name in names if getattr(args, name) is not None and getattr(args, name) is not False]
    return ["--" + name.replace("_", "-") for name in given]


#: What only a question uses: none of it applies when ``--url`` or ``--file`` reads a stream.
ASKING = (
    "agent", "model", "preset", "system", "max_tokens", "temperature", "base_url", "max_retries",
    "demo", "replay", "speed", "json", "show_reasoning",
)  # fmt: skip


def _conflict(args: argparse.Namespace) -> Optional[str]:
    """The first meaningless combination in ``args``, as the message of a usage error; None if none."""
    for mode, what in (("url", "reads an SSE endpoint"), ("file", "reads a saved stream")):
        if getattr(args, mode) is None:
            continue
        if args.question is not None:
            return f"--{mode} {what}; it takes no question"
        others = _given(args, *ASKING, *(("url", "timeout") if mode == "file" else ()))
        if others:
            return f"--{mode} {what}; {others[0]} does not apply to it"
    pairs: List[Tuple[bool, str]] = [
        (args.reconnect and args.url is None, "--reconnect needs --url (it reconnects to an SSE endpoint)"),
        (args.json and args.events, "--json and --events are two different outputs; choose one"),
        (args.preset is not None and not args.agent, "--preset needs --agent (a chat request takes --model)"),
        (args.agent and args.temperature is not None, "--temperature is not sent with --agent"),
        (args.agent and args.replay is not None, "--replay replays chat fixtures; --agent replays its own (--demo)"),
        (args.show_reasoning and args.json, "--show-reasoning shows the streamed text; --json has it as reasoning"),
        (args.show_reasoning and args.events, "--show-reasoning shows the streamed text; --events prints events"),
        (args.show_reasoning and args.agent, "--show-reasoning is for a chat model's <think> text, not --agent"),
        (
            (args.demo or args.replay is not None) and args.base_url is not None,
            "--base-url asks a server; a replay (--demo, --replay) asks none",
        ),
    ]
    for meaningless, message in pairs:
        if meaningless:
            return message
    if args.speed is not None and not (args.demo or args.replay is not None):
        if args.base_url is not None:
            return "--speed times a replay; --base-url asks a server"
        if os.environ.get("PERPLEXITY_API_KEY"):
            return "--speed times a replay, and PERPLEXITY_API_KEY is set: add --demo to replay"
    return None


def check(ap: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse a meaningless combination (exit 2), then fill in the defaults left as None to tell.

    Sets ``args.asks``: whether an option of asking was given (then a piped stdin is not read
    as a saved stream: ``--model x`` without a question is a missing question, not a parse).
    """
    message = _conflict(args)
    if message is not None:
        ap.error(message)
    args.asks = bool(_given(args, *ASKING, "timeout"))
    if args.max_retries is None:
        args.max_retries = MAX_RETRIES
    if args.speed is None:
        args.speed = SPEED
