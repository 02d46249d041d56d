"""A replay server on 127.0.0.1 for the demo: serves recorded stream bytes as a
``text/event-stream`` with chunked transfer encoding, one TCP write per recorded
chunk, after its delay.

This is the server side of the ``--demo`` (the client side is the real
transport and client); it uses ``http.server`` from the standard library.  The
conformance kit has the full replay and fault-injection server
(``python -m conformance serve``); this one only has to run wherever the
installed package runs, with nothing else present.
"""

from __future__ import annotations

import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import List, Sequence


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        for piece, delay in zip(self.server.chunks, self.server.delays):
            if delay:
                time.sleep(delay)
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, chunks: Sequence[bytes], delays: Sequence[float]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.chunks: List[bytes] = list(chunks)
        self.delays: List[float] = list(delays)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that leaves early (Ctrl-C, ``break``) is not an error worth a traceback."""


class ReplayServer:
    """``with ReplayServer(chunks, delays) as url:`` serves the chunks on 127.0.0.1 until the block ends."""

    def __init__(self, chunks: Sequence[bytes], delays: Sequence[float]) -> None:
        self._server = _Server(chunks, delays)
        self._thread = threading.Thread(target=self._serve)
        self._thread.daemon = True

    def _serve(self) -> None:
        # Ctrl-C must reach the main thread, which may be blocked reading the socket: a
        # signal delivered to this thread (or to the handler threads, which inherit its
        # mask) would only set Python's flag and leave that read blocked until data came.
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        self._server.serve_forever(poll_interval=0.05)

    def __enter__(self) -> str:
        self._thread.start()
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
