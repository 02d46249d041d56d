"""The replay / fault-injection server (conformance/serve.py, conformance/faults.py), over real sockets.

Every fault is served by a real ReplayServer on 127.0.0.1 and read by a real
client (http.client, or a raw socket where framing matters), and checked to do
what its documentation says.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

from conformance import faults as F
from conformance.faults import FAULTS, FaultError, Plan, Segment, event_spans, parse_fault
from conformance.serve import ReplayServer, Reply, Request, Script
from sse_pplx import LimitExceeded, SSEParser
from tests.servers import open_fds

ROOT = Path(__file__).resolve().parent.parent

EVENT1 = b'data: {"choices":[{"index":0,"delta":{"content":"Caf\xc3\xa9"}}]}\n\n'
EVENT2 = b'data: {"choices":[{"index":0,"delta":{"content":" au lait"},"finish_reason":"stop"}]}\n\n'
DONE = b"data: [DONE]\n\n"
CHAT = EVENT1 + EVENT2 + DONE


pytestmark = pytest.mark.usefixtures("no_leaks")  # every server, socket and thread a test opened is gone


class Result:
    def __init__(self, status: int, version: int, headers: http.client.HTTPMessage) -> None:
        self.status = status
        self.version = version
        self.headers = headers
        self.reads: List[bytes] = []
        self.times: List[float] = []
        self.error: Optional[BaseException] = None

    @property
    def body(self) -> bytes:
        return b"".join(self.reads)


def fetch(
    server: ReplayServer,
    method: str = "GET",
    path: str = "/",
    body: Optional[bytes] = None,
    headers: Optional[Dict[str, str]] = None,
    timeout: float = 3.0,
    conn: Optional[http.client.HTTPConnection] = None,
) -> Result:
    """One request with http.client; the body read with read1() as it arrives (errors kept, not raised)."""
    own = conn is None
    if conn is None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        result = Result(resp.status, resp.version, resp.headers)
        try:
            while True:
                data = resp.read1(65536)
                if not data:
                    break
                result.reads.append(data)
                result.times.append(time.monotonic())
        except Exception as exc:
            result.error = exc
        resp.close()
        return result
    finally:
        if own:
            conn.close()


def raw(
    server: ReplayServer,
    request: bytes = b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    timeout: float = 3.0,
):
    """Send raw bytes; return the recv() results and the error that ended them (None: clean EOF)."""
    reads: List[Tuple[float, bytes]] = []
    error: Optional[BaseException] = None
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(request)
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                reads.append((time.monotonic(), data))
        except OSError as exc:
            error = exc
    return reads, error


def events(data: bytes, **options: Any) -> List[Tuple[str, str]]:
    parser = SSEParser(**options)
    out = parser.feed(data)
    out += parser.close()
    return [(e.event, e.data) for e in out]


def json_chat_fixture(tmp_path: Path, data: bytes, chunks=None, delays=None, status=None) -> Path:
    from conformance.record import expect_from_sse_pplx

    obj: Dict[str, Any] = {
        "name": "recorded/sample",
        "description": "a sample",
        "source": "tests",
        "input": {"text": data.decode("utf-8")},
        "expect": expect_from_sse_pplx(data),
    }
    if chunks is not None:
        obj["chunks"] = chunks
        obj["delays_ms"] = delays if delays is not None else [0.0] * len(chunks)
    obj["headers"] = {"content-type": "text/event-stream; charset=utf-8", "x-request-id": "abc", "content-length": "9"}
    if status is not None:
        obj["provenance"] = {"status": status}
    path = tmp_path / "recorded" / "sample.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


# -- plain replay ---------------------------------------------------------------------


def test_replays_bytes_one_write_per_recorded_chunk() -> None:
    chunks = [10, 30, len(CHAT) - 40]
    with ReplayServer(CHAT, chunks=chunks) as server:
        result = fetch(server)
        (exchange,) = server.wait_exchanges(1)
    assert result.status == 200 and result.error is None
    assert result.headers["Content-Type"] == "text/event-stream"
    assert result.headers["Transfer-Encoding"] == "chunked"
    assert result.body == CHAT
    assert [len(r) for r in result.reads] == chunks  # each chunk is its own HTTP chunk
    assert exchange.body_writes == [CHAT[:10], CHAT[10:40], CHAT[40:]]
    # head, three chunks, the terminator: five TCP writes
    assert [w for _, w in exchange.writes][1:] == [
        b"a\r\n" + CHAT[:10] + b"\r\n",
        b"1e\r\n" + CHAT[10:40] + b"\r\n",
        b"%x\r\n" % (len(CHAT) - 40) + CHAT[40:] + b"\r\n",
        b"0\r\n\r\n",
    ]
    assert exchange.outcome == "complete"


def test_without_recorded_chunks_each_event_is_one_write() -> None:
    with ReplayServer(CHAT) as server:
        result = fetch(server)
    assert result.reads == [EVENT1, EVENT2, DONE]


def test_any_method_and_path_and_the_request_is_recorded() -> None:
    body = b'{"model": "sonar", "stream": true}'
    headers = {"Authorization": "Bearer pplx-test", "Last-Event-ID": "42", "Accept-Encoding": "identity"}
    with ReplayServer(CHAT) as server:
        result = fetch(server, "POST", "/chat/completions?x=1", body=body, headers=headers)
        (request,) = server.requests
    assert result.body == CHAT
    assert (request.method, request.target, request.path) == ("POST", "/chat/completions?x=1", "/chat/completions")
    assert request.headers["authorization"] == "Bearer pplx-test"
    assert request.headers["Last-Event-ID"] == "42"
    assert request.headers["accept-encoding"] == "identity"
    assert request.body == body and request.json()["model"] == "sonar"


def test_chunked_request_body_is_decoded() -> None:
    with ReplayServer(CHAT) as server:
        raw(
            server,
            b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        (request,) = server.requests
    assert request.body == b"abcde"


def test_recorded_delays_scaled_by_speed(tmp_path: Path) -> None:
    sizes = [len(EVENT1), len(EVENT2), len(DONE)]
    path = json_chat_fixture(tmp_path, CHAT, chunks=sizes, delays=[0.0, 120.0, 120.0])
    from conformance.fixture import load_fixture

    fixture = load_fixture(path)
    timings = {}
    for label, kwargs in (("real", {}), ("x4", {"speed": 4.0}), ("fast", {"fast": True})):
        with ReplayServer(fixture, **kwargs) as server:
            start = time.monotonic()
            result = fetch(server)
            timings[label] = time.monotonic() - start
        assert result.body == CHAT and len(result.reads) == 3
        if label == "real":
            assert result.times[1] - result.times[0] >= 0.1
    assert timings["real"] >= 0.24
    assert 0.06 <= timings["x4"] < 0.2
    assert timings["fast"] < 0.06


def test_fixture_headers_and_status_are_replayed(tmp_path: Path) -> None:
    path = json_chat_fixture(tmp_path, CHAT, status=201)
    with ReplayServer(path) as server:  # a Path is loaded as a fixture file
        result = fetch(server)
    assert result.status == 201
    assert result.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert result.headers["x-request-id"] == "abc"
    assert result.headers["Content-Length"] is None  # transfer headers of the recording are not replayed
    assert result.body == CHAT


def test_keep_alive_serves_several_requests_on_one_connection() -> None:
    with ReplayServer(CHAT) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)
        try:
            first = fetch(server, conn=conn)
            second = fetch(server, "POST", "/again", body=b"{}", conn=conn)
        finally:
            conn.close()
        requests = server.wait_requests(2)
    assert first.body == second.body == CHAT
    assert [r.connection for r in requests] == [0, 0] and server.connections == 1


def test_status_and_extra_headers() -> None:
    with ReplayServer(CHAT, status=500, headers={"X-Test": "1", "Content-Type": "text/plain"}) as server:
        result = fetch(server)
    assert result.status == 500
    assert result.headers["X-Test"] == "1" and result.headers["Content-Type"] == "text/plain"


# -- scripts and handlers -------------------------------------------------------------------


def test_script_serves_successive_replies_then_repeats_the_last() -> None:
    script = Script(Reply(faults=["json-error=503"], headers={"Retry-After": "0"}), Reply(CHAT))
    with ReplayServer(script) as server:
        results = [fetch(server) for _ in range(3)]
    assert [r.status for r in results] == [503, 200, 200]
    assert results[0].headers["Retry-After"] == "0"
    assert json.loads(results[0].body)["error"]["code"] == 503
    assert results[1].body == results[2].body == CHAT


def test_script_cycle_and_list_source() -> None:
    with ReplayServer([Reply(b"data: a\n\n"), b"data: b\n\n"]) as server:
        bodies = [fetch(server).body for _ in range(3)]
    assert bodies == [b"data: a\n\n", b"data: b\n\n", b"data: b\n\n"]
    with ReplayServer(Script(b"data: a\n\n", b"data: b\n\n", cycle=True)) as server:
        bodies = [fetch(server).body for _ in range(3)]
    assert bodies == [b"data: a\n\n", b"data: b\n\n", b"data: a\n\n"]


def test_handler_can_resume_after_last_event_id() -> None:
    stream = b"".join(b"id: %d\ndata: e%d\n\n" % (i, i) for i in range(1, 5))
    spans = event_spans(stream)

    def handler(request: Request) -> Reply:
        last = request.headers.get("Last-Event-ID")
        start = spans[int(last)].start if last else 0
        return Reply(stream[start:])

    with ReplayServer(handler) as server:
        full = fetch(server)
        resumed = fetch(server, headers={"Last-Event-ID": "2"})
    assert full.body == stream
    assert events(resumed.body) == [("message", "e3"), ("message", "e4")]


def test_handler_errors_answer_500_and_are_raised_by_close() -> None:
    def handler(request: Request) -> Reply:
        raise KeyError("boom")

    server = ReplayServer(handler).start()
    try:
        assert fetch(server).status == 500
    finally:
        with pytest.raises(RuntimeError, match="boom"):
            server.close()


def test_argument_checks() -> None:
    with pytest.raises(ValueError, match="add up"):
        Reply(CHAT, chunks=[1, 2])
    with pytest.raises(ValueError, match="delays_ms"):
        Reply(CHAT, delays_ms=[1.0])
    with pytest.raises(TypeError):
        ReplayServer(Reply(CHAT), faults=["no-done"])
    with pytest.raises(ValueError):
        ReplayServer(CHAT, speed=0)
    with pytest.raises(FaultError, match="DONE"):
        Reply(b"data: x\n\n", faults=["no-done"])  # checked at once, not in a server thread
    with pytest.raises(FaultError, match="content-length"):
        Reply(CHAT, faults=["keepalive", "content-length"])
    with pytest.raises(FaultError, match="conflict"):
        Reply(CHAT, faults=["reset-mid-event", "stall"])


# -- transport faults --------------------------------------------------------------------------


def test_reset_mid_event_delivers_whole_events_then_a_reset() -> None:
    with ReplayServer(CHAT, faults=["reset-mid-event"]) as server:
        result = fetch(server)
        (exchange,) = server.wait_exchanges(1)
    assert isinstance(result.error, ConnectionResetError)
    assert result.body.startswith(EVENT1) and EVENT1 < result.body < EVENT1 + EVENT2
    assert events(result.body) == [("message", EVENT1[6:-2].decode())]
    assert exchange.outcome == "reset"


def test_reset_after_n_bytes_raw_socket() -> None:
    with ReplayServer(CHAT, faults=["reset-after=25"], fast=True) as server:
        reads, error = raw(server)
    assert isinstance(error, ConnectionResetError)
    payload = b"".join(d for _, d in reads)
    assert b"\r\n19\r\n" + CHAT[:25] + b"\r\n" in payload and not payload.endswith(b"0\r\n\r\n")


def test_close_mid_event_is_an_incomplete_transfer() -> None:
    with ReplayServer(CHAT, faults=["close-mid-event=1"]) as server:
        result = fetch(server)
        (exchange,) = server.wait_exchanges(1)
    assert isinstance(result.error, http.client.IncompleteRead)
    assert 0 < len(result.body) < len(EVENT1) and EVENT1.startswith(result.body)
    assert exchange.outcome == "closed"


@pytest.mark.parametrize("how, error", [("close", http.client.RemoteDisconnected), ("reset", ConnectionResetError)])
def test_disconnect_before_any_response(how: str, error: type) -> None:
    with ReplayServer(CHAT, faults=[f"disconnect={how}"]) as server:
        with pytest.raises(error):
            fetch(server)
        (exchange,) = server.wait_exchanges(1)
    assert exchange.outcome == "disconnected" and exchange.writes == []
    if how == "reset":
        with ReplayServer(CHAT, faults=["disconnect=reset"]) as server:
            reads, err = raw(server)
        assert reads == [] and isinstance(err, ConnectionResetError)


def test_stall_headers_times_out_a_client_then_responds_late() -> None:
    with ReplayServer(CHAT, faults=["stall-headers"]) as server, pytest.raises(socket.timeout):
        fetch(server, timeout=0.2)
    with ReplayServer(CHAT, faults=["stall-headers=0.15"]) as server:
        start = time.monotonic()
        result = fetch(server)
    assert result.body == CHAT and time.monotonic() - start >= 0.15


def test_stall_forever_keeps_the_socket_open_until_the_client_times_out() -> None:
    with ReplayServer(CHAT, faults=["stall=inf,after-event=1"]) as server:
        start = time.monotonic()
        result = fetch(server, timeout=0.25)
        elapsed = time.monotonic() - start
        (exchange,) = server.wait_exchanges(1)  # the server notices the client left
    assert isinstance(result.error, socket.timeout)
    assert result.body == EVENT1 and elapsed >= 0.25
    assert exchange.outcome == "client-gone"


def test_stall_mid_event_for_a_while_then_the_rest() -> None:
    with ReplayServer(CHAT, faults=["stall=0.2"]) as server:  # default: mid-event 2
        result = fetch(server)
        (exchange,) = server.wait_exchanges(1)
    assert result.body == CHAT
    before, after = exchange.body_writes[1], exchange.body_writes[2]
    assert 0 < len(before) < len(EVENT2) and before + after == EVENT2
    assert result.reads[1] == before and result.times[2] - result.times[1] >= 0.18


def test_close_wakes_a_hung_response_and_an_endless_writer() -> None:
    for fault in ("stall", "endless-line"):
        server = ReplayServer(CHAT, faults=[fault]).start()
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=3)
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            sock.recv(100)  # the client stops reading: the server blocks (stall) or fills the buffers
            time.sleep(0.05)
            start = time.monotonic()
            server.close()
            assert time.monotonic() - start < 2.0
            assert server.exchanges[0].outcome in ("shutdown", "client-gone")
        finally:
            sock.close()


def test_close_releases_every_socket_and_thread() -> None:
    fds, threads = open_fds(), threading.active_count()
    server = ReplayServer([Reply(CHAT), Reply(CHAT, faults=["stall"])]).start()
    idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)
    hung = socket.create_connection(("127.0.0.1", server.port), timeout=3)
    try:
        assert fetch(server, conn=idle).body == CHAT  # its connection stays open (keep-alive)
        hung.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        received = b""
        while EVENT1 not in received:  # the second response is now stalled in the middle of event 2
            received += hung.recv(65536)
        assert server.connections == 2 and threading.active_count() == threads + 3
        server.close()
        assert threading.active_count() == threads
        while True:
            data = hung.recv(65536)
            if not data:
                break
            received += data
        assert received.startswith(b"HTTP/1.1 200 OK") and DONE not in received
        assert [e.outcome for e in server.exchanges] == ["complete", "shutdown"]
    finally:
        idle.close()
        hung.close()
    assert open_fds() == fds


def test_tls_with_a_throwaway_ca(certs) -> None:
    import ssl

    trusted = ssl.create_default_context(cafile=certs.ca)
    with ReplayServer(CHAT, ssl_context=certs.server_context(), faults=["reset-mid-event"]) as server:
        assert server.url.startswith("https://127.0.0.1:")
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=3, context=trusted)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            reads, error = [], None
            try:
                while True:
                    data = resp.read1(65536)
                    if not data:
                        break
                    reads.append(data)
            except (OSError, http.client.HTTPException) as exc:
                error = exc
            resp.close()
        finally:
            conn.close()
        (exchange,) = server.wait_exchanges(1)
        assert reads[0] == EVENT1 and exchange.outcome == "reset"
        assert isinstance(error, (ConnectionResetError, http.client.IncompleteRead))  # TLS may report the RST as EOF
        untrusted = ssl.create_default_context(cafile=certs.other_ca)
        conn = http.client.HTTPSConnection("127.0.0.1", server.port, timeout=3, context=untrusted)
        try:
            with pytest.raises(ssl.SSLCertVerificationError):
                conn.request("GET", "/")
        finally:
            conn.close()
        deadline = time.monotonic() + 2
        while server.tls_errors < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.tls_errors == 1 and len(server.requests) == 1
    with ReplayServer(CHAT, ssl_context=certs.server_context(), faults=["stall"]) as server:
        sock = trusted.wrap_socket(
            socket.create_connection(("127.0.0.1", server.port), timeout=3), server_hostname="localhost"
        )
        try:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while EVENT1 not in received:
                received += sock.recv(65536)
            start = time.monotonic()
            server.close()
            assert time.monotonic() - start < 2.0
        finally:
            sock.close()


# -- framing and encoding ---------------------------------------------------------------------


def test_content_length_body_still_one_write_per_chunk() -> None:
    with ReplayServer(CHAT, faults=["content-length"]) as server:
        result = fetch(server)
        (exchange,) = server.wait_exchanges(1)
    assert result.headers["Content-Length"] == str(len(CHAT)) and result.headers["Transfer-Encoding"] is None
    assert result.body == CHAT and result.error is None
    assert [w for _, w in exchange.writes][1:] == [EVENT1, EVENT2, DONE]


def test_content_length_announces_the_whole_body_even_when_reset() -> None:
    with ReplayServer(CHAT, faults=["content-length", "reset-mid-event=1"]) as server:
        result = fetch(server)
    assert result.headers["Content-Length"] == str(len(CHAT))
    assert isinstance(result.error, (ConnectionResetError, http.client.IncompleteRead))


@pytest.mark.parametrize("version", ["1.1", "1.0"])
def test_close_delimited_body(version: str) -> None:
    with ReplayServer(CHAT, faults=[f"close-delimited={version}"]) as server:
        result = fetch(server)
        reads, _ = raw(server)
    assert result.body == CHAT and result.error is None
    assert result.headers["Content-Length"] is None and result.headers["Transfer-Encoding"] is None
    assert result.version == (10 if version == "1.0" else 11)
    head, _, body = b"".join(d for _, d in reads).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/%s 200 OK" % version.encode()) and b"Connection: close" in head
    assert body == CHAT


@pytest.mark.parametrize("kind", ["hex", "huge", "missing-crlf"])
def test_bad_chunked_encoding_breaks_after_the_first_event(kind: str) -> None:
    with ReplayServer(CHAT, faults=[f"bad-chunked={kind}"]) as server:
        result = fetch(server)
        reads, _ = raw(server)
    assert result.error is not None and isinstance(result.error, (http.client.HTTPException, OSError, ValueError))
    assert result.body.startswith(EVENT1)
    wire = b"".join(d for _, d in reads)
    assert not wire.endswith(b"0\r\n\r\n")
    if kind == "hex":
        assert b"\r\nzz\r\n" in wire and result.body == EVENT1


def test_gzip_sync_flush_lets_each_event_through_at_once() -> None:
    with ReplayServer(CHAT, faults=["gzip"], headers={"X-A": "b"}) as server:
        result = fetch(server, headers={"Accept-Encoding": "identity"})
    assert result.headers["Content-Encoding"] == "gzip"
    decoder = zlib.decompressobj(31)
    pieces = [decoder.decompress(r) for r in result.reads]
    assert pieces[:3] == [EVENT1, EVENT2, DONE]  # each read decodes to its event, no waiting
    assert b"".join(pieces) + decoder.flush() == CHAT and decoder.eof


def test_gzip_buffered_holds_everything_back_until_the_end() -> None:
    with ReplayServer(CHAT, faults=["gzip=buffered"]) as server:
        result = fetch(server)
    decoder = zlib.decompressobj(31)
    pieces = [decoder.decompress(r) for r in result.reads]
    assert pieces[:-1] == [b""] * (len(pieces) - 1) and pieces[-1] == CHAT


def test_gzip_with_content_length() -> None:
    with ReplayServer(CHAT, faults=["gzip", "content-length"]) as server:
        result = fetch(server)
    assert int(result.headers["Content-Length"]) == len(result.body)
    assert zlib.decompress(result.body, 31) == CHAT


# -- stream content ------------------------------------------------------------------------------


def test_no_done_drops_only_the_sentinel_and_ends_cleanly() -> None:
    with ReplayServer(CHAT, faults=["no-done"]) as server:
        result = fetch(server)
    assert result.body == EVENT1 + EVENT2 and result.error is None


def test_eof_unterminated_ends_cleanly_before_the_blank_line() -> None:
    stream = EVENT1 + b"id: 7\ndata: last\n\n"
    with ReplayServer(stream, faults=["eof-unterminated"]) as server:
        result = fetch(server)
    assert result.error is None and result.body == EVENT1 + b"id: 7\ndata: last\n"
    parser = SSEParser()
    got = parser.feed(result.body) + parser.close()
    assert len(got) == 1 and parser.incomplete_event is not None
    assert parser.incomplete_event.data == "last" and parser.incomplete_event.id == "7"
    # The id line was complete, but its block never ended: a reconnection must not skip "last".
    assert parser.last_event_id == ""


def test_eof_mid_event_ends_cleanly_inside_a_data_line() -> None:
    with ReplayServer(CHAT, faults=["eof-mid-event=2"]) as server:
        result = fetch(server)
    assert result.error is None
    assert result.body.startswith(EVENT1) and EVENT2.startswith(result.body[len(EVENT1) :])
    assert len(EVENT1) + 8 < len(result.body) < len(EVENT1 + EVENT2) - 3


def test_garbage_line_is_its_own_write_and_changes_no_event() -> None:
    with ReplayServer(CHAT, faults=["garbage"]) as server:
        result = fetch(server)
    assert result.reads[1] == F.Garbage.DEFAULT
    assert result.body == EVENT1 + F.Garbage.DEFAULT + EVENT2 + DONE
    assert events(result.body) == events(CHAT)


def test_garbage_custom_bytes_at_an_offset() -> None:
    with ReplayServer(CHAT, faults=[r"garbage=\x00\x01,byte=3"]) as server:
        result = fetch(server)
    assert result.body == CHAT[:3] + b"\x00\x01" + CHAT[3:]


def test_invalid_utf8_inside_a_data_value() -> None:
    with ReplayServer(CHAT, faults=["invalid-utf8=\\xff\\xfe,event=1"]) as server:
        result = fetch(server)
    assert b"\xff\xfe" in result.body and len(result.body) == len(CHAT) + 2
    first = events(result.body)[0][1]
    assert "\ufffd\ufffd" in first and first.replace("\ufffd", "") == EVENT1[6:-2].decode()


def test_endless_line_of_n_bytes_then_a_clean_end() -> None:
    with ReplayServer(CHAT, faults=["endless-line=100000"]) as server:
        result = fetch(server)
    assert result.error is None
    line = result.body[len(EVENT1) :]
    assert result.body.startswith(EVENT1) and len(line) == 100000 and line.startswith(b"data: xxx")
    assert b"\n" not in line and b"\r" not in line
    with pytest.raises(LimitExceeded):
        SSEParser(max_line_bytes=65536).feed(result.body)


def test_endless_line_forever_until_the_client_leaves() -> None:
    with ReplayServer(CHAT, faults=["endless-line"]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)
        try:
            conn.request("GET", "/")
            resp = conn.getresponse()
            got = b""
            while len(got) < 1024 * 1024:
                got += resp.read1(65536)
            resp.close()
        finally:
            conn.close()
        (exchange,) = server.wait_exchanges(1)
    assert got.startswith(EVENT1 + b"data: xxxx") and b"\n" not in got[len(EVENT1) :]
    assert exchange.outcome == "client-gone" and exchange.body_bytes >= 1024 * 1024


def test_split_crlf_sends_cr_and_lf_in_two_writes_a_gap_apart() -> None:
    with ReplayServer(CHAT, faults=["split-crlf=1,gap=60"]) as server:
        result = fetch(server)
        (exchange,) = server.wait_exchanges(1)
        reads, _ = raw(server)
    crlf = CHAT.replace(b"\n", b"\r\n")  # an LF-only stream is converted first
    assert result.body == crlf
    assert result.reads[0].endswith(b"}\r") and result.reads[1].startswith(b"\n")
    assert result.times[1] - result.times[0] >= 0.05
    assert exchange.body_writes[0].endswith(b"\r") and exchange.body_writes[1].startswith(b"\n")
    # raw socket: the two bytes arrive in two recv() calls, the gap apart
    assert any(
        a.endswith(b"}\r\r\n") and b.startswith(b"3\r\n\n\r\n\r\n") and tb - ta >= 0.05
        for (ta, a), (tb, b) in zip(reads, reads[1:])
    )
    assert events(result.body) == events(CHAT)


def test_split_crlf_every_pair_of_a_crlf_stream() -> None:
    stream = b"data: a\r\n\r\ndata: b\r\n\r\n"
    with ReplayServer(stream, faults=["split-crlf=all,gap=0"]) as server:
        result = fetch(server)
    assert result.body == stream
    assert all(r in (b"\n", b"\n\r", b"data: a\r", b"data: b\r", b"\ndata: b\r") for r in result.reads)
    assert sum(r.endswith(b"\r") for r in result.reads) == 4


def test_split_utf8_sends_each_byte_of_a_character_separately() -> None:
    with ReplayServer(CHAT, faults=["split-utf8,gap=20"]) as server:
        result = fetch(server)
    assert result.body == CHAT
    e_acute = [r for r in result.reads if r.endswith(b"\xc3") or r.startswith(b"\xa9")]
    assert len(e_acute) == 2
    with pytest.raises(UnicodeDecodeError):
        e_acute[0].decode("utf-8")
    assert events(result.body) == events(CHAT)
    with pytest.raises(FaultError, match="multibyte"):
        Reply(b"data: ascii\n\n", faults=["split-utf8"])


def test_trickle_writes_every_byte_alone() -> None:
    stream = b"data: hi\n\ndata: [DONE]\n\n"
    with ReplayServer(stream, faults=["trickle=2"]) as server:
        start = time.monotonic()
        result = fetch(server)
        elapsed = time.monotonic() - start
        (exchange,) = server.wait_exchanges(1)
    assert result.body == stream
    assert [len(r) for r in result.reads] == [1] * len(stream)
    assert len(exchange.body_writes) == len(stream) and elapsed >= 0.002 * (len(stream) - 2)


def test_keepalive_comments_keep_an_idle_timeout_from_firing() -> None:
    with ReplayServer(CHAT, faults=["stall=0.3,after-event=1"]) as server:
        quiet = fetch(server, timeout=0.12)
    assert isinstance(quiet.error, socket.timeout) and quiet.body == EVENT1
    with ReplayServer(CHAT, faults=["stall=0.3,after-event=1", "keepalive=40"]) as server:
        kept = fetch(server, timeout=0.12)
    assert kept.error is None
    comments = kept.body.count(b": keep-alive\n")
    assert comments >= 5
    assert kept.body.replace(b": keep-alive\n", b"") == CHAT
    assert events(kept.body) == events(CHAT)


def test_keepalive_is_silent_inside_a_line() -> None:
    with ReplayServer(CHAT, faults=["stall=0.2,event=2", "keepalive=30"]) as server:
        result = fetch(server)
    assert result.body == CHAT


# -- responses -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 400, 401, 500, 503])
def test_json_error_body(status: int) -> None:
    with ReplayServer(CHAT, faults=[f"json-error={status}"]) as server:
        result = fetch(server)
    assert result.status == status
    assert result.headers["Content-Type"] == "application/json"
    assert int(result.headers["Content-Length"]) == len(result.body)
    error = json.loads(result.body)["error"]
    assert error["code"] == status and isinstance(error["message"], str) and error["type"]


def test_json_error_fields_can_be_set() -> None:
    with ReplayServer(CHAT, faults=["json-error=400,message=Invalid model,type=invalid_model"]) as server:
        result = fetch(server)
    assert json.loads(result.body) == {"error": {"message": "Invalid model", "type": "invalid_model", "code": 400}}


def test_fastapi_error_body() -> None:
    with ReplayServer(CHAT, faults=["fastapi-error"]) as server:
        result = fetch(server)
    assert result.status == 422
    (detail,) = json.loads(result.body)["detail"]
    assert set(detail) == {"loc", "msg", "type"} and isinstance(detail["loc"], list)


@pytest.mark.parametrize("server_name", ["nginx", "openresty", "cloudflare"])
def test_html_error_page(server_name: str) -> None:
    status = 401 if server_name == "openresty" else 502
    with ReplayServer(CHAT, faults=[f"html-error={status},server={server_name}"]) as server:
        result = fetch(server)
    assert result.status == status
    assert result.headers["Content-Type"].startswith("text/html")
    assert result.body.lstrip().lower().startswith((b"<html", b"<!doctype html"))
    assert str(status).encode() in result.body
    assert (result.headers["CF-RAY"] is not None) == (server_name == "cloudflare")


def test_rate_limit_seconds_and_ms() -> None:
    with ReplayServer(CHAT, faults=["rate-limit=2"]) as server:
        result = fetch(server)
    assert result.status == 429
    assert result.headers["Retry-After"] == "2" and result.headers["retry-after-ms"] == "2000"
    assert json.loads(result.body)["error"]["code"] == 429


def test_rate_limit_http_date_and_other_status() -> None:
    with ReplayServer(CHAT, faults=["rate-limit=30,date,ms=none,status=503"]) as server:
        result = fetch(server)
    assert result.status == 503 and result.headers["retry-after-ms"] is None
    when = email.utils.parsedate_to_datetime(result.headers["Retry-After"]).timestamp()
    assert 25 <= when - time.time() <= 35


@pytest.mark.parametrize("value", ["true", "false"])
def test_should_retry_header(value: str) -> None:
    with ReplayServer(CHAT, faults=["json-error=500", f"should-retry={value}"]) as server:
        result = fetch(server)
    assert result.status == 500 and result.headers["x-should-retry"] == value


def test_header_fault() -> None:
    with ReplayServer(CHAT, faults=["header=X-Thing: a, b=c"]) as server:
        result = fetch(server)
    assert result.headers["X-Thing"] == "a, b=c"


def test_wrong_content_type_json_completion() -> None:
    with ReplayServer(CHAT, faults=["wrong-content-type"]) as server:
        result = fetch(server)
    assert result.status == 200 and result.headers["Content-Type"] == "application/json"
    completion = json.loads(result.body)
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"] == "Café au lait"
    assert completion["choices"][0]["finish_reason"] == "stop"


def test_wrong_content_type_other_types_keep_the_body() -> None:
    with ReplayServer(CHAT, faults=["wrong-content-type=text/plain"]) as server:
        plain = fetch(server)
    with ReplayServer(CHAT, faults=["wrong-content-type=none"]) as server:
        none = fetch(server)
    assert plain.headers["Content-Type"] == "text/plain" and plain.body == CHAT
    assert none.headers["Content-Type"] is None and none.body == CHAT


def test_no_content_then_the_connection_is_reusable() -> None:
    with ReplayServer([Reply(CHAT, faults=["no-content"]), Reply(CHAT)]) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3)
        try:
            first = fetch(server, conn=conn)
            second = fetch(server, conn=conn)
        finally:
            conn.close()
    assert first.status == 204 and first.body == b""
    assert first.headers["Content-Length"] is None and first.headers["Transfer-Encoding"] is None
    assert second.status == 200 and second.body == CHAT and server.connections == 1


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_then_the_stream_at_the_location(status: int) -> None:
    with ReplayServer(CHAT, faults=[f"redirect={status}"]) as server:
        first = fetch(server, "POST", "/chat/completions", body=b"{}")
        location = first.headers["Location"]
        assert location == f"{server.url}/redirected"
        second = fetch(server, "POST", location[len(server.url) :], body=b"{}")
    assert first.status == status and first.body == b""
    assert second.status == 200 and second.body == CHAT


# -- parsing, composition, documentation -------------------------------------------------------


def test_parse_fault_arguments() -> None:
    stall = parse_fault("stall=0.5,after-event=1")
    assert isinstance(stall, F.Stall) and stall.seconds == 0.5 and stall.after_event == 1
    assert parse_fault("stall").seconds == F.INF and parse_fault("stall=forever").seconds == F.INF
    assert parse_fault("garbage=\\x00ab").data == b"\x00ab"
    assert parse_fault("rate-limit=3,date").date is True
    assert parse_fault("split-crlf=all").count is None and parse_fault("split-crlf=2").count == 2
    fault = F.ResetMidEvent(event=1)
    assert parse_fault(fault) is fault
    for bad, match in (
        ("nope", "unknown fault"),
        ("stall=abc", "bad value"),
        ("stall=1,when=2", "unknown option"),
        ("no-done=1", "takes no argument"),
        ("gzip=brotli", "sync or buffered"),
        ("redirect=200", "redirect"),
        ("header=novalue", "NAME:VALUE"),
    ):
        with pytest.raises(FaultError, match=match):
            parse_fault(bad)


def test_positions_and_event_spans() -> None:
    stream = b": hi\n\nid: 1\r\ndata: ab\r\n\r\nevent: x\rdata\r\rdata: tail"
    spans = event_spans(stream)
    assert len(spans) == 3  # the comment block is not an event
    assert stream[spans[0].start : spans[0].blank] == b"id: 1\r\ndata: ab\r\n"
    assert [stream[a:b] for a, b in spans[0].data_lines] == [b"ab"]
    assert spans[1].data_lines == [(spans[1].blank - 1, spans[1].blank - 1)]  # 'data' alone: empty value
    assert spans[2].blank is None and spans[2].stop == len(stream)
    plan = Plan(segments=[Segment(stream)])
    assert F.position(plan, "t", after_event=1) == spans[0].stop
    assert F.position(plan, "t", event=-1) == spans[2].middle(stream)
    with pytest.raises(FaultError, match="no event 4"):
        F.position(plan, "t", event=4)
    with pytest.raises(FaultError, match="one of"):
        F.position(plan, "t", event=1, byte=2)


def test_middle_never_splits_a_character() -> None:
    stream = "data: ééééé\n\n".encode()
    (span,) = event_spans(stream)
    mid = span.middle(stream)
    stream[:mid].decode("utf-8")  # a character boundary


def test_plan_split_cut_insert() -> None:
    plan = Plan(segments=[Segment(b"abc"), Segment(b"def", 0.5)])
    assert plan.split_at(3) == 1 and plan.split_at(4, 0.1) == 2
    assert [(s.data, s.delay) for s in plan.segments] == [(b"abc", 0), (b"d", 0.5), (b"ef", 0.1)]
    plan.insert(1, b"X")
    plan.delete(4, 5)
    assert plan.body == b"aXbcef"
    plan.cut(2)
    assert plan.body == b"aX" and plan.cut_rest == b"bcef" and plan.content_length() == 6


def test_every_fault_is_documented_and_exercised_here() -> None:
    doc = F.describe_faults()
    readme = (ROOT / "conformance" / "README-serve.md").read_text(encoding="utf-8")
    source = Path(__file__).read_text(encoding="utf-8")
    for name in FAULTS:
        assert f"``{name}" in doc, name
        assert f"`{name}" in readme, name
        assert f'"{name}' in source or f"'{name}" in source or f"{name}=" in source, name


# -- command line -------------------------------------------------------------------------------------


def _sigint_default() -> None:
    # A CI job started in the background inherits SIGINT ignored, and Python keeps an ignored
    # SIGINT ignored: give the child the default disposition so Ctrl-C reaches it as in a terminal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _serve(*args: str, module: str = "conformance.serve") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", *module.split(), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_sigint_default,
    )


def test_cli_prints_the_url_first_and_serves_once(tmp_path: Path) -> None:
    path = json_chat_fixture(tmp_path, CHAT, chunks=[len(EVENT1), len(EVENT2 + DONE)], delays=[0.0, 5000.0])
    # through the kit's command line: python -m conformance serve
    proc = _serve(str(path), "--once", "--fast", "--fault", "no-done", "-H", "X-Extra: yes", module="conformance serve")
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:")
        host, port = url[len("http://") :].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            conn.request("POST", "/chat/completions", body=b"{}")
            resp = conn.getresponse()
            body = resp.read()
            assert resp.headers["X-Extra"] == "yes"
        finally:
            conn.close()
        _out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:  # pragma: no cover - only when an assertion failed above
            proc.kill()
            proc.communicate()
    assert body == EVENT1 + EVENT2  # --fast skipped the 5 s delay; no-done dropped [DONE]
    assert proc.returncode == 0
    assert b"POST /chat/completions -> 200 complete" in err


def test_cli_ctrl_c_stops_the_server() -> None:
    proc = _serve("--raw", os.devnull, "--quiet")
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().startswith(b"http://127.0.0.1:")
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0


def test_cli_errors_and_fault_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = json_chat_fixture(tmp_path, b"data: x\n\n")
    bad = subprocess.run(
        [sys.executable, "-m", "conformance.serve", str(path), "--fault", "no-done"],
        cwd=ROOT,
        capture_output=True,
        timeout=30,
    )
    assert bad.returncode == 2 and b"[DONE]" in bad.stderr and bad.stdout == b""
    from conformance.serve import main

    assert main(["--list-faults"]) == 0
    listing = capsys.readouterr().out
    assert all(f"``{name}" in listing for name in FAULTS)
