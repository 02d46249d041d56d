"""The HTTP transport against real servers on 127.0.0.1: framing, short reads, time budgets,
TLS with a throwaway CA, proxies, compression, redirects, keep-alive and deterministic close.

Every behaviour is checked with the sync (http.client) and the async (asyncio) transport: each
test that takes ``mode`` has one body and runs once with each (tests/modes.py).
"""

from __future__ import annotations

import asyncio
import gc
import ssl
import threading
import time

import pytest

from sse_pplx import APIConnectionError, APITimeoutError, UsageError
from sse_pplx.transport import AsyncTransport, Request, Timeout, Transport
from tests.servers import (
    ConnectProxy,
    LoopbackServer,
    gated_server,
    gzip_stream,
    silent_listener,
    stalling_server,
    unused_port,
    watching_server,
)

BODY = [b"data: one\n\n", b"data: two\n\n", b"data: \xc3\xa9t\xc3\xa9\n\n"]


FIVE_SECONDS = Timeout(5)


async def fetch(
    mode, url, *, timeout=FIVE_SECONDS, headers=(), method="GET", body=None, on_piece=None, read=True, **kw
):
    """Open ``url`` with the mode's transport and read the body piece by piece.
    Returns (status, headers, pieces); ``on_piece(piece)`` is called as each piece arrives."""
    request = Request(method, url, list(headers), body)
    async with mode.enter(mode.Transport(**kw)) as transport:
        response = await mode.resolve(transport.open(request, timeout))
        pieces = []
        async with mode.enter(response):
            while read:
                piece = await mode.resolve(response.read1())
                if not piece:
                    break
                pieces.append(piece)
                if on_piece:
                    on_piece(piece)
        return response.status_code, response.headers, pieces


# -- bodies -------------------------------------------------------------------------


@pytest.mark.parametrize("framing", ["chunked", "length", "close"])
async def test_every_body_framing_is_read_whole(mode, framing, leaks):
    def handler(ex):
        whole = b"".join(BODY)
        if framing == "chunked":
            ex.stream(BODY)
        elif framing == "length":
            ex.respond(200, whole, "text/event-stream")
        else:  # HTTP/1.0 style: no length, the end of the body is the end of the connection
            ex.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n")
            for piece in BODY:
                ex.send(piece, 0.01)
        return framing != "close"

    with LoopbackServer(handler) as server:
        status, headers, pieces = await fetch(mode, server.url + "/stream")
    assert status == 200
    assert headers.get("content-type") == "text/event-stream"
    assert b"".join(pieces) == b"".join(BODY)
    leaks.assert_clean()


@pytest.mark.parametrize("compressed", [False, True])
async def test_a_piece_is_delivered_before_the_server_sends_more(mode, compressed):
    """Short reads: the server sends one event and waits until the client has it. A client that
    waited for a buffer to fill (btubbs/sseclient#8) would leave the server waiting in vain."""
    headers = {"Content-Type": "text/event-stream"}
    if compressed:
        headers["Content-Encoding"] = "gzip"
    server, gate = gated_server(gzip_stream(BODY) if compressed else BODY, headers)
    with server:
        _, _, pieces = await fetch(mode, server.url, on_piece=gate.open)
    assert gate.waited == [True], "the first event was not delivered until more bytes came"
    assert b"".join(pieces) == b"".join(BODY)


async def test_gzip_body_is_decoded(mode):
    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"})
        for piece in gzip_stream(BODY * 50):
            ex.chunk(piece)
        ex.end()

    with LoopbackServer(handler) as server:
        _, _, pieces = await fetch(mode, server.url)
    assert b"".join(pieces) == b"".join(BODY * 50)


async def test_streams_ask_for_no_compression_when_the_caller_says_so(mode):
    def handler(ex):
        ex.respond(200, b"ok", "text/plain")

    with LoopbackServer(handler) as server:
        await fetch(mode, server.url, headers=[("Accept-Encoding", "identity")])
        await fetch(mode, server.url)
    assert server.exchanges[0].headers["accept-encoding"] == "identity"
    assert "gzip" in server.exchanges[1].headers["accept-encoding"]


# -- failures while reading ------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    ["reset", "short-length", "bad-chunk-size", "eof-inside-chunk", "corrupt-gzip"],
)
async def test_a_broken_body_raises_a_connection_error_after_the_good_bytes(mode, fault, leaks):
    def handler(ex):
        if fault == "short-length":
            ex.head(200, {"Content-Type": "text/event-stream", "Content-Length": "100"}, chunked=False)
            ex.send(BODY[0], 0.05)
            ex.sock.close()
            return
        if fault == "corrupt-gzip":
            ex.head(200, {"Content-Type": "text/event-stream", "Content-Encoding": "gzip"})
            ex.chunk(b"\x1f\x8b\x08\x00garbage-garbage-garbage")
            ex.end()
            return
        ex.head(200, {"Content-Type": "text/event-stream"})
        ex.chunk(BODY[0], 0.05)
        if fault == "reset":
            ex.reset()
        elif fault == "bad-chunk-size":
            ex.send(b"zz\r\nxx\r\n")
            time.sleep(0.2)
        else:
            ex.send(b"40\r\nonly a few bytes", 0.05)
            ex.sock.close()

    received = []
    with LoopbackServer(handler) as server, pytest.raises(APIConnectionError) as info:
        await fetch(mode, server.url, on_piece=received.append)
    assert not isinstance(info.value, APITimeoutError)
    if fault != "corrupt-gzip":
        assert received[:1] == [BODY[0]]
    assert "reading the response" in str(info.value)
    assert not isinstance(info.value.__cause__, APIConnectionError)
    leaks.assert_clean()


# -- time budgets ----------------------------------------------------------------------


def test_timeout_semantics():
    assert Timeout() == Timeout(600, connect=5)
    assert (Timeout(20).connect, Timeout(20).read, Timeout(20).total) == (20, 20, None)
    assert Timeout(read=30, total=60) == Timeout(600, connect=5, read=30, total=60)
    assert Timeout(None).connect is None
    with pytest.raises(UsageError):
        Timeout(-1)
    with pytest.raises(AttributeError):
        Timeout().read = 1  # type: ignore[misc]


async def test_connect_timeout_covers_the_tls_handshake(mode, certs, leaks):
    """A server that accepts TCP but never answers the TLS hello: the connect budget runs out."""
    started = time.monotonic()
    with silent_listener() as port, pytest.raises(APITimeoutError) as info:
        await fetch(mode, f"https://localhost:{port}/", timeout=Timeout(30, connect=0.3), ca_bundle=certs.ca)
    assert info.value.phase == "connect"
    assert "connecting to localhost" in str(info.value)
    assert time.monotonic() - started < 10
    leaks.assert_clean()


async def test_idle_timeout_fires_when_no_byte_comes(mode):
    received = []
    with stalling_server(BODY[0]) as server, pytest.raises(APITimeoutError) as info:
        await fetch(mode, server.url, timeout=Timeout(5, read=0.3), on_piece=received.append)
    assert info.value.phase == "idle"
    assert received == [BODY[0]]
    assert "no data for 0.3 s" in str(info.value)


async def test_keepalive_comments_keep_the_idle_timer_alive(mode):
    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream"})
        for _ in range(8):
            ex.chunk(b": ping\n\n", 0.1)
        ex.chunk(BODY[0])
        ex.end()

    with LoopbackServer(handler) as server:
        _, _, pieces = await fetch(mode, server.url, timeout=Timeout(5, read=0.35))
    assert b"".join(pieces).endswith(BODY[0])


def test_the_asyncio_idle_timer_is_one_timer_per_connection_not_one_per_read():
    # Scale (issue 17): a timer per read is a TimerHandle, a heap push and a cancelled handle
    # per event; the connection's one lazy timer is moved by each read instead.  The idle
    # timeout itself is checked by the tests above (it fires; ping comments re-arm it).
    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream"})
        for number in range(200):
            ex.chunk(b"data: %d\n\n" % number, 0.001)
        ex.end()

    timers = []

    async def main():
        loop = asyncio.get_running_loop()
        call_at = loop.call_at

        def counting_call_at(when, callback, *args, **kwargs):
            timers.append(callback)
            return call_at(when, callback, *args, **kwargs)

        loop.call_at = counting_call_at  # call_later goes through call_at too
        async with AsyncTransport() as transport:
            response = await transport.open(Request("GET", server.url, [], None), Timeout(5, read=30))
            async with response:
                pieces = []
                while True:
                    piece = await response.read1()
                    if not piece:
                        break
                    pieces.append(piece)
        return pieces

    with LoopbackServer(handler) as server:
        pieces = asyncio.run(main())
    assert b"".join(pieces).count(b"data: ") == 200
    assert len(pieces) > 20  # many reads (the server wrote each event after a pause)
    assert len(timers) <= 5, f"{len(timers)} timers for {len(pieces)} reads"


async def test_a_trickle_that_beats_the_idle_timer_still_meets_the_deadline(mode):
    stop = threading.Event()

    def handler(ex):
        ex.head(200, {"Content-Type": "text/event-stream"})
        for _ in range(200):
            if stop.is_set():
                return
            ex.chunk(b"x", 0.03)
        ex.end()

    with LoopbackServer(handler) as server:
        started = time.monotonic()
        with pytest.raises(APITimeoutError) as info:
            await fetch(mode, server.url, timeout=Timeout(5, read=0.5, total=0.6))
        elapsed = time.monotonic() - started
        stop.set()
    assert info.value.phase == "deadline"
    assert "deadline of 0.6 s" in str(info.value)
    assert elapsed < 3


async def test_the_wait_for_the_response_head_is_bounded_by_the_read_timeout(mode):
    with stalling_server(head=False) as server, pytest.raises(APITimeoutError) as info:
        await fetch(mode, server.url, timeout=Timeout(5, read=0.3))
    assert info.value.phase == "idle"
    assert "waiting for the response" in str(info.value)


# -- connection failures ---------------------------------------------------------------------


async def test_connection_refused_says_so(mode, leaks):
    port = unused_port()
    with pytest.raises(APIConnectionError) as info:
        await fetch(mode, f"http://127.0.0.1:{port}/")
    assert f"connecting to 127.0.0.1:{port}: connection refused" in str(info.value)
    leaks.assert_clean()


async def test_unresolvable_host_says_so(mode):
    with pytest.raises(APIConnectionError) as info:
        await fetch(mode, "http://no-such-host.invalid/", timeout=Timeout(5))
    assert "could not resolve the host name" in str(info.value)


# -- TLS --------------------------------------------------------------------------------


def _tls_handler(ex):
    ex.stream(BODY)
    return True


async def test_tls_with_a_ca_bundle_or_a_context(mode, certs, leaks):
    with LoopbackServer(_tls_handler, tls=certs.server_context()) as server:
        _, _, pieces = await fetch(mode, server.url, ca_bundle=certs.ca)
        assert b"".join(pieces) == b"".join(BODY)
        context = ssl.create_default_context(cafile=certs.ca)
        _, _, pieces = await fetch(mode, server.url, ssl_context=context)
        assert b"".join(pieces) == b"".join(BODY)
    leaks.assert_clean()


async def test_tls_is_verified_by_default(mode, certs):
    """The system trust store does not know the test CA: refused, with a message that says why."""
    with LoopbackServer(_tls_handler, tls=certs.server_context()) as server, pytest.raises(APIConnectionError) as info:
        await fetch(mode, server.url)
    assert "TLS certificate verification failed" in str(info.value)
    assert "localhost" in str(info.value)


async def test_tls_refuses_a_certificate_for_another_name(mode, certs):
    with LoopbackServer(_tls_handler, tls=certs.server_context(wrong_name=True)) as server, pytest.raises(
        APIConnectionError
    ) as info:
        await fetch(mode, server.url, ca_bundle=certs.ca)
    message = str(info.value)
    assert "TLS certificate verification failed" in message
    assert "hostname" in message.lower() or "match" in message.lower()


async def test_tls_refuses_an_untrusted_ca(mode, certs):
    with LoopbackServer(_tls_handler, tls=certs.server_context()) as server, pytest.raises(APIConnectionError) as info:
        await fetch(mode, server.url, ca_bundle=certs.other_ca)
    assert "TLS certificate verification failed" in str(info.value)


# -- proxies ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["argument", "environment"])
async def test_https_goes_through_a_connect_proxy(mode, how, certs, monkeypatch, leaks):
    with LoopbackServer(_tls_handler, tls=certs.server_context()) as server, ConnectProxy() as proxy:
        kw = {"ca_bundle": certs.ca}
        proxy_url = proxy.url.replace("http://", "http://user:p%40ss@")
        if how == "argument":
            kw["proxy"] = proxy_url
        else:
            monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        _, _, pieces = await fetch(mode, server.url + "/v1", **kw)
    assert b"".join(pieces) == b"".join(BODY)
    assert proxy.seen == [f"CONNECT localhost:{server.port}"]
    assert proxy.seen_headers[0]["proxy-authorization"] == "Basic dXNlcjpwQHNz"  # user:p@ss
    # The tunnel is end-to-end TLS: the origin saw an ordinary request, without the proxy's credentials.
    assert server.exchanges[0].target == "/v1"
    assert "proxy-authorization" not in server.exchanges[0].headers
    leaks.assert_clean()


async def test_no_proxy_bypasses_the_environment_proxy(mode, monkeypatch):
    with LoopbackServer(_tls_handler) as server, ConnectProxy() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,example.org")
        await fetch(mode, server.url)
        assert proxy.seen == []
        monkeypatch.setenv("NO_PROXY", "example.org")
        await fetch(mode, server.url + "/through")
        assert proxy.seen == [f"GET http://127.0.0.1:{server.port}/through"]
        await fetch(mode, server.url + "/direct", proxy=False)
        assert len(proxy.seen) == 1
        await fetch(mode, server.url + "/ignored-env", trust_env=False)
        assert len(proxy.seen) == 1


async def test_the_proxy_variables_are_read_when_the_transport_is_made(mode, monkeypatch):
    # As httpx does (a client reads them when it is made): not on every request, which cost
    # ~0.3 ms a request (os.environ decoded whole; benchmarks/bench_scale.py).
    with LoopbackServer(_tls_handler) as server, ConnectProxy() as proxy:
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with mode.enter(mode.Transport()) as before:
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            response = await mode.resolve(before.open(Request("GET", server.url + "/direct", [], None), FIVE_SECONDS))
            async with mode.enter(response):
                pass
        assert proxy.seen == []
        async with mode.enter(mode.Transport()) as after:
            response = await mode.resolve(after.open(Request("GET", server.url + "/through", [], None), FIVE_SECONDS))
            async with mode.enter(response):
                pass
        assert proxy.seen == [f"GET http://127.0.0.1:{server.port}/through"]


async def test_a_refused_tunnel_is_a_clear_error(mode, certs):
    with ConnectProxy(refuse=True) as proxy, pytest.raises(APIConnectionError) as info:
        await fetch(mode, "https://localhost:9/", proxy=proxy.url, ca_bundle=certs.ca)
    assert "proxy refused the tunnel" in str(info.value)
    assert "403" in str(info.value)


def test_only_http_proxies_are_accepted():
    with pytest.raises(UsageError, match="only http:// proxies"):
        Transport(proxy="socks5://127.0.0.1:1080")


# -- redirects -----------------------------------------------------------------------------


async def test_redirects_keep_credentials_on_the_same_origin_only(mode):
    with LoopbackServer(_tls_handler) as target:

        def handler(ex):
            if ex.target == "/same":
                ex.respond(307, b"", headers={"Location": "/moved"})
            elif ex.target == "/other":
                # localhost is another origin than 127.0.0.1, even on the same port
                ex.respond(302, b"", headers={"Location": f"http://localhost:{target.port}/elsewhere"})
            else:
                ex.stream(BODY)
            return True

        with LoopbackServer(handler) as server:
            auth = [("Authorization", "Bearer pplx-secret"), ("Content-Type", "application/json")]
            await fetch(mode, server.url + "/same", headers=auth, method="POST", body=b"{}")
            await fetch(mode, server.url + "/other", headers=auth, method="POST", body=b"{}")
    moved = server.exchanges[1]
    assert (moved.method, moved.target, moved.body) == ("POST", "/moved", b"{}")
    assert moved.headers["authorization"] == "Bearer pplx-secret"
    elsewhere = target.exchanges[0]
    assert (elsewhere.method, elsewhere.target) == ("GET", "/elsewhere")  # 302 after POST becomes GET, as httpx does
    assert "authorization" not in elsewhere.headers


async def test_a_redirect_loop_ends(mode):
    def handler(ex):
        ex.respond(302, b"", headers={"Location": "/again"})
        return True

    with LoopbackServer(handler) as server, pytest.raises(APIConnectionError, match="more than 3 redirects"):
        await fetch(mode, server.url, max_redirects=3)


# -- keep-alive and close ----------------------------------------------------------------------


async def test_sequential_requests_reuse_one_connection(mode):
    def handler(ex):
        ex.respond(200, b'{"ok": true}')
        return True

    with LoopbackServer(handler) as server:
        async with mode.enter(mode.Transport()) as transport:
            for _ in range(3):
                response = await mode.resolve(transport.open(Request("GET", server.url)))
                assert await mode.resolve(response.read()) == b'{"ok": true}'
    assert server.connections == 1
    assert len(server.exchanges) == 3


async def test_a_kept_alive_connection_the_server_dropped_is_replaced(mode):
    def handler(ex):
        ex.respond(200, b"ok", "text/plain")
        return False  # closes the connection without saying "Connection: close"

    with LoopbackServer(handler) as server:
        async with mode.enter(mode.Transport()) as transport:
            for _ in range(2):
                response = await mode.resolve(transport.open(Request("GET", server.url)))
                assert await mode.resolve(response.read()) == b"ok"
                await mode.sleep(0.05)
    assert server.connections == 2
    assert len(server.exchanges) == 2


@pytest.mark.parametrize("how", ["close", "with"])
async def test_response_closes_its_socket(mode, how, leaks):
    server, closed = watching_server(BODY[0])
    with server:
        async with mode.enter(mode.Transport()) as transport:
            response = await mode.resolve(transport.open(Request("GET", server.url)))
            assert await mode.resolve(response.read1()) == BODY[0]
            if how == "close":
                await mode.close(response)
            else:
                async with mode.enter(response):
                    pass
            await mode.sleep(0)
            assert response.is_closed
            assert await mode.blocking(closed.wait, 3)
    leaks.assert_clean()


def test_sync_response_closes_its_socket_when_garbage_collected(leaks):
    server, closed = watching_server(BODY[0])
    with server, Transport() as transport:
        response = transport.open(Request("GET", server.url))
        assert response.read1() == BODY[0]
        del response
        gc.collect()
        assert closed.wait(3)
    leaks.assert_clean()


async def test_async_response_closes_its_socket_when_a_read_is_cancelled(leaks):
    server, closed = watching_server(BODY[0])
    with server:
        async with AsyncTransport() as transport:
            response = await transport.open(Request("GET", server.url))
            assert await response.read1() == BODY[0]
            task = asyncio.ensure_future(response.read1())
            await asyncio.sleep(0.05)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            await asyncio.sleep(0)
            assert response.is_closed
        assert await asyncio.get_running_loop().run_in_executor(None, closed.wait, 3)
    leaks.assert_clean()


# -- the async timeout helper ----------------------------------------------------------------


async def test_a_cancellation_that_meets_a_completing_read_is_not_swallowed():
    """bpo-42130: asyncio.wait_for (3.8-3.11) could swallow a cancellation that arrived just as the
    inner await completed, and a cancelled consumer then read on until the idle timeout."""
    from sse_pplx.transport import _within

    loop = asyncio.get_running_loop()
    inner = loop.create_future()
    task = asyncio.ensure_future(_within(inner, 5))
    await asyncio.sleep(0)
    inner.set_result(b"data")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_async_timeout_helper_times_out_and_passes_results():
    from sse_pplx.transport import _within

    loop = asyncio.get_running_loop()
    with pytest.raises(asyncio.TimeoutError):
        await _within(loop.create_future(), 0.05)
    done = loop.create_future()
    done.set_result(7)
    assert await _within(done, 1) == 7
    assert await _within(asyncio.sleep(0, "x"), None) == "x"
    assert not asyncio.current_task().cancelled()
