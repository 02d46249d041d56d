"""``python -m sse_pplx --agent "question"``: an agent run (Perplexity's Agent API) on the terminal.

The search activity as it happens on stderr (the queries, then the sources found and the
pages read, dimmed on a terminal), the answer on stdout as it is generated, then the
``Sources`` (the search results, numbered by their ``id``, which the ``[web:N]`` markers
cite) and the usage line with its cost.  ``--json`` prints the final
:class:`~sse_pplx.response_result.ResponseResult` instead; ``--events`` each typed event as
a JSON line.  Without a key it replays :mod:`sse_pplx._agent_demo` from 127.0.0.1 through
the real client, as the chat demo does.  Called by :mod:`sse_pplx.__main__`, which owns the
arguments, the footer and ``--json`` printing (shared with chat), the exit statuses and the
one-line errors.
"""

from __future__ import annotations

import json
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from typing import Any, Callable, Dict, List, Optional

    from ._spinner import Spinner
    from .response_events import SearchActivityEvent
    from .response_result import ResponseResult

#: The preset asked for when neither ``--preset`` nor ``--model`` is given (the mid-2026 names:
#: fast, low, medium, high, xhigh; agent-responses-wire.md §1.1).
DEFAULT_PRESET = "fast"


class _Activity:
    """Prints the search activity events on stderr as they come (through ``say``: the spinner's)."""

    def __init__(self, say: Callable[[str], None], dim: Any) -> None:
        self._say = say
        self._dim = dim

    def __call__(self, event: SearchActivityEvent) -> None:
        kind = event.type.rsplit(".", 1)[-1]
        if kind == "search_queries" and event.queries:
            self._say("searching: " + " · ".join(str(query) for query in event.queries))
        elif kind == "search_results" and event.results:
            for found in event.results:
                self._say(self._dim(f"  [{found.id}] {found.title or ''} — {found.url or ''}"))
        elif kind == "fetch_url_queries" and event.urls:
            for url in event.urls:
                self._say(self._dim(f"  reading {url}"))


def sources(result: ResponseResult) -> List[str]:
    """Numbered source lines, by the search results' ids (what the text's markers cite)."""
    lines = []
    for position, found in enumerate(result.search_results, 1):
        number = found.id if isinstance(found.id, int) else position
        text = " — ".join(part for part in (found.title or "", found.url or "") if part)
        lines.append(f"[{number}] {text}" + (f" ({found.date})" if found.date else ""))
    return lines


def usage_line(result: ResponseResult) -> Optional[str]:
    usage = result.usage
    if usage is None:
        return None
    line = f"usage: {usage.input_tokens} input + {usage.output_tokens} output = {usage.total_tokens} tokens"
    cost = usage.cost
    total = cost.total_cost if cost is not None else None
    if isinstance(total, (int, float)) and not isinstance(total, bool):
        line += f", cost ${total:.6f}".rstrip("0").rstrip(".")
    return line


def request_body(args: argparse.Namespace, question: str) -> Dict[str, Any]:
    body: Dict[str, Any] = {"input": question}
    if args.system:
        body["instructions"] = args.system
    if args.model:
        body["model"] = args.model
    if args.preset or not args.model:
        body["preset"] = args.preset or DEFAULT_PRESET
    if args.max_tokens is not None:
        body["max_output_tokens"] = args.max_tokens
    return body


def run(
    args: argparse.Namespace,
    client: Any,
    question: str,
    err_painter: Any,
    spinner: Spinner,
    interrupted: Callable[[ResponseResult], None],
) -> Optional[ResponseResult]:
    """One agent run: the answer (or with ``--events`` each event) printed as it streams, the
    search activity on stderr (``spinner`` going on below it until the first words); the final
    result (None after ``--events``), or the error the run ended with, raised after what arrived
    was shown (``exc.partial`` has the rest).  Ctrl-C calls ``interrupted`` with what had arrived."""
    out = sys.stdout
    body = request_body(args, question)
    with client:
        stream = client.responses.create(stream=True, **body)
        try:
            with stream:
                return _read(args, stream, err_painter, spinner)
        except KeyboardInterrupt:
            interrupted(stream.result)
            raise
        finally:
            spinner.stop()
            out.flush()


def _read(args: argparse.Namespace, stream: Any, err_painter: Any, spinner: Spinner) -> Optional[ResponseResult]:
    out = sys.stdout
    if args.events:
        for event in stream:
            spinner.stop()
            print(json.dumps(event.to_dict(), ensure_ascii=False), file=out, flush=True)
        return None
    if args.json:
        return stream.get_final_response()  # type: ignore[no-any-return]
    stream.add_search_listener(_Activity(spinner.say, err_painter.dim))
    column = 0
    try:
        for text in stream.iter_text():
            spinner.stop()
            out.write(text)
            out.flush()
            last = text.rfind("\n")
            column = len(text) - last - 1 if last >= 0 else column + len(text)
    finally:
        if column:
            out.write("\n")
    return stream.get_final_response()  # type: ignore[no-any-return]
