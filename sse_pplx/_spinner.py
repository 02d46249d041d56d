"""The command line's sign of life while it waits for the first words: a spinner on stderr.

Between sending a question and the first token, Perplexity searches, which can take seconds
with nothing on the screen.  :class:`Spinner` draws ``⠋ searching…`` on stderr, a frame every
0.1 s from a daemon thread, when stderr is a terminal (not ``TERM=dumb``); when stderr is a
pipe or a file it does nothing at all, so logs and captured output stay clean (the rule of
npm's, cargo's and pip's progress displays).  It only ever writes a whole line on its own:
each frame starts with ``\\r``, and :meth:`stop` (the first text is about to be printed, an
error, Ctrl-C) and :meth:`say` (a line of its own on stderr) first erase it with ``\\r`` and
ANSI erase-in-line (``ESC [ K``), under one lock with the drawing thread, so a frame never
lands in the middle of the answer.
"""

from __future__ import annotations

import os
import threading

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Optional, TextIO

#: Braille frames where the terminal's encoding has them, else ASCII.
FRAMES, ASCII_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏", "|/-\\"
INTERVAL = 0.1
ERASE = "\r\x1b[K"


def is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Spinner:
    """``with Spinner(sys.stderr, "searching…"):`` spins until :meth:`stop` (or the block's end)."""

    def __init__(self, err: TextIO, label: str) -> None:
        self._err = err
        self.enabled = is_terminal(err)
        encoding = getattr(err, "encoding", None) or "ascii"
        try:
            (FRAMES + label).encode(encoding)
            self._frames, self._label = FRAMES, label
        except (UnicodeEncodeError, LookupError):
            self._frames, self._label = ASCII_FRAMES, label.replace("…", "...")
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._drawn = False  # a frame is on the screen
        self._thread: Optional[threading.Thread] = None

    def start(self) -> Spinner:
        if self.enabled and self._thread is None and not self._stopped.is_set():
            self._thread = threading.Thread(target=self._spin, name="sse_pplx-spinner", daemon=True)
            self._thread.start()
        return self

    def _spin(self) -> None:
        frame = 0
        while not self._stopped.wait(INTERVAL):  # the first frame after INTERVAL: a fast answer shows none
            with self._lock:
                if self._stopped.is_set():
                    return
                self._write(f"\r{self._frames[frame % len(self._frames)]} {self._label}")
                self._drawn = True
            frame += 1

    def _write(self, text: str) -> None:
        try:
            self._err.write(text)
            self._err.flush()
        except (OSError, ValueError):  # stderr closed under us: nothing to show it on
            pass

    def _erase(self) -> None:
        if self._drawn:
            self._write(ERASE)
            self._drawn = False

    def say(self, line: str) -> None:
        """Print ``line`` on stderr, on a line of its own; the spinner goes on below it."""
        with self._lock:
            self._erase()
            self._write(line + "\n")

    def stop(self) -> None:
        """Stop for good and erase the frame (idempotent): the answer's text comes next."""
        with self._lock:
            self._stopped.set()
            self._erase()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def __enter__(self) -> Spinner:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
