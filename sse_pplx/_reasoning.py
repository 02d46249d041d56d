"""Separating a reasoning model's inline ``<think>…</think>`` from its answer, as it streams.

Perplexity's reasoning models (``sonar-reasoning-pro``, earlier ``sonar-reasoning``
and ``r1-1776``) put their chain of thought inside ``content`` as a leading
``<think>\\n…\\n</think>`` block followed by the answer; there is no separate
field (perplexity-wire.md §5; a provider convention, no WHATWG section).  Token
boundaries can split either tag, and ``</think>`` sometimes never comes
(community.perplexity.ai, "Reasoning not always correctly enclosed").

Rules:
* Only a ``<think>`` at the start of the content (after optional whitespace)
  opens a reasoning block; the tag anywhere else is answer text.
* Everything up to the first ``</think>`` is reasoning, without the whitespace
  that surrounds it inside the tags; everything after it is the answer, with
  its leading whitespace dropped.  (Trailing whitespace of the reasoning is
  held back until more reasoning text shows it was not trailing after all.)
* Text that might be the start of a tag split across chunks is held back (at
  most 7 characters) until the next delta or :meth:`ThinkSplitter.close`
  decides; nothing is ever lost: ``reasoning + answer`` always accounts for
  the whole content except the tags and the whitespace around them.
* When ``</think>`` never comes, all of it stays reasoning and
  :attr:`ThinkSplitter.closed_tag` is False, so callers can tell.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Tuple

__all__ = ["ThinkSplitter"]

_OPEN = "<think>"
_CLOSE = "</think>"
_START, _THINKING, _ANSWER = 0, 1, 2


def _held_prefix(text: str, tag: str) -> int:
    """How many trailing characters of ``text`` could begin ``tag`` (shorter than the tag)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkSplitter:
    """Feed content deltas; get back ``(reasoning_delta, answer_delta)`` pairs."""

    __slots__ = (
        "_answer_started",
        "_held",
        "_held_whitespace",
        "_reasoning_started",
        "_state",
        "closed_tag",
        "opened_tag",
    )

    def __init__(self) -> None:
        self._state = _START
        self._held = ""  # text not yet attributed (a possible partial tag, or leading whitespace)
        # Reasoning whitespace held back (trailing, unless more reasoning follows), in pieces:
        # a run of whitespace-only deltas must not be re-copied at every delta (quadratic).
        self._held_whitespace: List[str] = []
        self._reasoning_started = False
        self._answer_started = False
        #: A leading <think> was seen.
        self.opened_tag = False
        #: The reasoning block was closed by </think>.
        self.closed_tag = False

    @property
    def passthrough(self) -> bool:
        """True once the answer has begun: from then on every delta is answer as it is."""
        return self._state == _ANSWER and self._answer_started and not self._held

    def feed(self, delta: str) -> Tuple[str, str]:
        """Attribute one content delta; returns the reasoning and answer text it releases."""
        if self._state == _ANSWER:
            return "", self._answer(delta)
        text = self._held + delta
        self._held = ""
        if self._state == _START:
            stripped = text.lstrip()
            if not stripped or (len(stripped) < len(_OPEN) and _OPEN.startswith(stripped)):
                self._held = text  # whitespace, or maybe the start of "<think>": wait
                return "", ""
            if not stripped.startswith(_OPEN):
                self._state = _ANSWER
                self._answer_started = True  # no reasoning block: the content is the answer, as sent
                return "", text
            self._state = _THINKING
            self.opened_tag = True
            text = stripped[len(_OPEN) :]
        # _THINKING
        end = text.find(_CLOSE)
        if end >= 0:
            self._state = _ANSWER
            self.closed_tag = True
            return self._reasoning(text[:end], True), self._answer(text[end + len(_CLOSE) :])
        held = _held_prefix(text, _CLOSE)
        if held:
            self._held = text[-held:]
            text = text[:-held]
        return self._reasoning(text, False), ""

    def _reasoning(self, text: str, final: bool) -> str:
        if not self._reasoning_started:
            text = text.lstrip()
            if not text:
                return ""
            self._reasoning_started = True
        body = text.rstrip()
        if not body:
            if final:
                self._held_whitespace = []
            else:
                self._held_whitespace.append(text)
            return ""
        held = "".join(self._held_whitespace)
        trailing = text[len(body) :]
        self._held_whitespace = [trailing] if trailing and not final else []
        return held + body

    def _answer(self, text: str) -> str:
        if not self._answer_started:
            text = text.lstrip()
            if not text:
                return ""
            self._answer_started = True
        return text

    def close(self) -> Tuple[str, str]:
        """End of the content: release what was held back."""
        held, self._held = self._held, ""
        if self._state == _THINKING:
            return self._reasoning(held, True), ""  # an unterminated reasoning block stays reasoning
        if self._state == _START:
            self._state = _ANSWER
            return "", held  # whitespace or a partial "<think>": it was answer text after all
        return "", held
