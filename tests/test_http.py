"""The sans-I/O HTTP/1.1 core (``sse_pplx._http``): response heads, Content-Type as Fetch reads
it, body framing, content decoding, requests, redirects and proxies from the environment.

Every parser here is fed whole, byte by byte and at every split point through the kit's one
chunking helper (``conformance.chunkings``): a head or a body split anywhere reads the same.
"""

from __future__ import annotations

import gzip
import zlib

import pytest

from conformance.chunkings import strategies
from sse_pplx import APIConnectionError, UsageError
from sse_pplx._http import (
    MAX_HEAD_FIELDS,
    MAX_HEAD_LINE_BYTES,
    BodyFraming,
    Headers,
    Origin,
    Proxy,
    Request,
    ResponseHead,
    ResponseHeadParser,
    connect_request,
    content_decoder,
    proxy_for,
)
from sse_pplx._media_type import extract_media_type, parse_media_type


def every_chunking(data: bytes):
    """The kit's chunkings of ``data``: whole, bytewise, every split point (short inputs), random."""
    for chunking in strategies(data, name="http", exhaustive_limit=400, three_way_limit=0):
        yield chunking.name, chunking.chunks(data)


def read_head(data: bytes):
    """Feed ``data`` every way; the head and the rest must be the same every way."""
    seen = None
    for name, chunks in every_chunking(data):
        parser = ResponseHeadParser()
        head = None
        for piece in chunks:
            if head is None:
                head = parser.feed(piece)
            else:
                parser.rest += piece
        assert head is not None, name
        got = (head.http_version, head.status_code, head.reason, head.headers.items(), parser.rest, parser.interim)
        assert seen is None or got == seen, name
        seen = got
    return seen


# -- response heads ------------------------------------------------------------------


def test_a_head_with_crlf_or_bare_lf_line_ends_reads_the_same():
    crlf = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nX-Id: 7\r\n\r\ndata: 1\n\n"
    bare = crlf.replace(b"\r\n", b"\n")
    mixed = b"HTTP/1.1 200 OK\nContent-Type: text/event-stream\r\nX-Id: 7\n\r\ndata: 1\n\n"
    expected = ("HTTP/1.1", 200, "OK", [("Content-Type", "text/event-stream"), ("X-Id", "7")], b"data: 1\n\n", 0)
    assert read_head(crlf) == expected
    assert read_head(bare) == expected
    assert read_head(mixed) == expected


def test_headers_read_as_fields_and_two_heads_share_their_names():
    # Scale (issue 17): a head is held while its stream is open, so Headers keeps one flat tuple
    # with interned names; what it answers is unchanged (order, any case, repeated fields).
    data = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nVia: a\r\nvia: b\r\n\r\n"
    first, second = ResponseHeadParser().feed(data), ResponseHeadParser().feed(data)
    assert first is not None and second is not None
    headers = first.headers
    assert headers.items() == [("Content-Type", "text/event-stream"), ("Via", "a"), ("via", "b")]
    assert headers.keys() == list(headers) == ["Content-Type", "Via", "via"]
    assert (headers.get("VIA"), headers.get_all("via"), headers["content-type"]) == (
        "a, b",
        ["a", "b"],
        "text/event-stream",
    )
    assert len(headers) == 3 and "CONTENT-TYPE" in headers and "Accept" not in headers
    assert headers == second.headers and headers == Headers(headers.items()) and headers != Headers()
    assert repr(headers).startswith("Headers([('Content-Type', 'text/event-stream')")
    assert all(a is b for a, b in zip(headers.keys(), second.headers.keys()))  # interned, not copied
    assert first.http_version is second.http_version and first.reason is second.reason
    with pytest.raises(KeyError):
        headers["accept"]


def test_every_1xx_is_skipped():
    data = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 102 Processing\n\n"
        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    )
    _version, status, reason, fields, rest, interim = read_head(data)
    assert (status, reason, fields, rest, interim) == (404, "Not Found", [("Content-Length", "0")], b"", 3)


def test_obs_fold_is_replaced_with_a_space_and_fields_keep_their_order():
    data = b"HTTP/1.0 500 Oops\r\nX-A: one\r\n  two\r\n\tthree\r\nx-a: four\r\nEmpty:\r\n\r\n"
    version, _status, reason, fields, _rest, _interim = read_head(data)
    assert version == "HTTP/1.0" and reason == "Oops"
    assert fields == [("X-A", "one two three"), ("x-a", "four"), ("Empty", "")]
    headers = Headers(fields)
    assert headers.get("x-a") == "one two three, four" and headers.get_all("X-A") == ["one two three", "four"]
    assert headers["EMPTY"] == "" and "empty" in headers and "missing" not in headers
    with pytest.raises(KeyError):
        headers["missing"]
    assert headers.get("missing", "d") == "d" and len(headers) == 3 and list(headers) == ["X-A", "x-a", "Empty"]


def test_a_status_line_without_a_reason_is_read():
    assert read_head(b"HTTP/1.1 204\r\n\r\n")[1:3] == (204, "")


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 OK\r\n\r\n",
        b"HTTP/2 200 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n: no name\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n",
    ],
)
def test_a_malformed_head_is_refused(head):
    with pytest.raises(APIConnectionError, match="malformed response head"):
        ResponseHeadParser().feed(head)


def test_whitespace_before_the_colon_is_removed():
    assert read_head(b"HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n")[3] == [("X-A", "1")]


def test_the_head_limits_hold_however_the_bytes_come():
    endless_line = b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * (MAX_HEAD_LINE_BYTES + 10)
    parser = ResponseHeadParser()
    with pytest.raises(APIConnectionError, match="a line longer than"):
        for start in range(0, len(endless_line), 1000):
            parser.feed(endless_line[start : start + 1000])
    many = b"HTTP/1.1 200 OK\r\n" + b"X-F: 1\r\n" * (MAX_HEAD_FIELDS + 1)
    with pytest.raises(APIConnectionError, match="more than 100 header fields"):
        ResponseHeadParser().feed(many)
    with pytest.raises(APIConnectionError, match="more than 100 header fields"):
        ResponseHeadParser().feed(many + b"\r\n")
    fine = b"HTTP/1.1 200 OK\r\n" + b"X-F: 1\r\n" * MAX_HEAD_FIELDS + b"\r\n"
    assert ResponseHeadParser().feed(fine) is not None


def test_a_head_trickled_a_byte_at_a_time_costs_linear_time():
    """A hostile server trickling a near-limit head must not make the parser quadratic."""
    import time

    def cost(size):
        data = b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * size + b"\r\n\r\n"
        parser = ResponseHeadParser()
        started = time.perf_counter()
        for index in range(len(data)):
            parser.feed(data[index : index + 1])
        return time.perf_counter() - started

    small, large = min(cost(8000) for _ in range(3)), min(cost(32000) for _ in range(3))
    assert large < small * 4 * 3  # linear is 4x; a quadratic parser is 16x


def test_what_the_peer_said_before_closing_decides_the_message():
    parser = ResponseHeadParser()
    assert "without sending a response" in parser.eof_error().message
    parser.feed(b"HTTP/1.1 2")
    assert "in the middle of the response head" in parser.eof_error().message


# -- Content-Type, as the Fetch standard extracts it ----------------------------------


@pytest.mark.parametrize(
    "values, essence, charset",
    [
        (["text/event-stream"], "text/event-stream", None),
        (["Text/Event-Stream; Charset=UTF-8"], "text/event-stream", "UTF-8"),
        (["application/json, text/event-stream; charset=utf-8"], "text/event-stream", "utf-8"),
        (["application/json", "text/event-stream"], "text/event-stream", None),
        (["text/event-stream; charset=utf-8, text/event-stream"], "text/event-stream", "utf-8"),
        (["text/event-stream; charset=utf-8, text/plain"], "text/plain", None),
        (["text/event-stream, */*"], "text/event-stream", None),
        (["text/event-stream, nonsense"], "text/event-stream", None),
        (['text/html; charset="a,b", text/html'], "text/html", "a,b"),
        (['text/html;charset="shift_jis"iso-2022-jp'], "text/html", "shift_jis"),
        (["text/html;charset=gbk;charset=windows-1255"], "text/html", "gbk"),
        (["text/html; charset = utf-8"], "text/html", None),
        (["text/event-stream;"], "text/event-stream", None),
        ([""], None, None),
        (["/json"], None, None),
        (["text/"], None, None),
        (["te xt/plain"], None, None),
        ([], None, None),
    ],
)
def test_content_type_is_extracted_as_fetch_does(values, essence, charset):
    media_type = extract_media_type(Headers([("Content-Type", value) for value in values]))
    if essence is None:
        assert media_type is None
    else:
        assert (media_type.essence, media_type.charset) == (essence, charset)


def test_parse_media_type_keeps_quoted_values_and_escapes():
    media_type = parse_media_type('multipart/x; boundary="a\\"b"; q=1')
    assert media_type.essence == "multipart/x" and media_type.parameters == {"boundary": 'a"b', "q": "1"}


# -- body framing ----------------------------------------------------------------------


def framing(fields, status=200, method="GET", version="HTTP/1.1"):
    return BodyFraming(status, method, ResponseHead(version, status, "", Headers(list(fields.items()))))


CHUNKED = b"5\r\nhello\r\n1;ext=1\r\n,\r\nB\r\n 0123456789\r\n6\r\nworld!\r\n0\r\nX-Trailer: 1\r\n\r\n"


def test_chunked_framing_gives_the_same_body_however_it_is_split():
    for name, chunks in every_chunking(CHUNKED):
        body_framing = framing({"Transfer-Encoding": "chunked"})
        body = b"".join(body_framing.feed(piece) for piece in chunks)
        assert body == b"hello, 0123456789world!", name
        assert body_framing.done and body_framing.keep_alive, name


@pytest.mark.parametrize(
    "raw",
    [b"zz\r\nxx\r\n", b"-5\r\nhello\r\n", b"0x5\r\nhello\r\n", b"5\r\nhelloXX0\r\n\r\n", b"1" * 70000],
)
def test_malformed_chunked_framing_is_refused(raw):
    body_framing = framing({"Transfer-Encoding": "chunked"})
    delivered = []
    with pytest.raises(APIConnectionError, match="malformed chunked encoding"):
        delivered.append(body_framing.feed(raw))
        body_framing.feed(b"")  # a fault found after good bytes is raised by the next call
    assert delivered in ([], [b"hello"])


def test_good_chunks_before_a_malformed_one_are_delivered_first():
    body_framing = framing({"Transfer-Encoding": "chunked"})
    assert body_framing.feed(b"3\r\none\r\n3\r\ntwo\r\nzz\r\n") == b"onetwo"
    with pytest.raises(APIConnectionError, match="bad chunk size"):
        body_framing.feed(b"more")


def test_length_and_close_framing():
    body_framing = framing({"Content-Length": "5"})
    assert body_framing.feed(b"hel") + body_framing.feed(b"loEXTRA") == b"hello"
    assert body_framing.done
    body_framing = framing({"Content-Length": "5"})
    body_framing.feed(b"hel")
    with pytest.raises(APIConnectionError, match="closed before the response body was complete"):
        body_framing.eof()
    body_framing = framing({"Connection": "close"})
    assert body_framing.feed(b"anything") == b"anything"
    assert not body_framing.keep_alive
    body_framing.eof()
    assert body_framing.done


@pytest.mark.parametrize(
    "fields, status, method, version, keep_alive, done",
    [
        ({"Content-Length": "0"}, 200, "GET", "HTTP/1.1", True, True),
        ({"Content-Length": "3"}, 204, "GET", "HTTP/1.1", True, True),
        ({"Content-Length": "3"}, 200, "HEAD", "HTTP/1.1", True, True),
        ({"Content-Length": "3", "Connection": "keep-alive, Close"}, 200, "GET", "HTTP/1.1", False, False),
        ({"Content-Length": "3"}, 200, "GET", "HTTP/1.0", False, False),
    ],
)
def test_when_a_body_is_empty_and_when_the_connection_is_kept(fields, status, method, version, keep_alive, done):
    body_framing = framing(fields, status, method, version)
    assert (body_framing.keep_alive, body_framing.done) == (keep_alive, done)


@pytest.mark.parametrize("fields", [{"Content-Length": "abc"}, {"Content-Length": "-1"}, {"Transfer-Encoding": "gzip"}])
def test_bad_framing_headers_are_refused(fields):
    with pytest.raises(APIConnectionError):
        framing(fields)


# -- content decoding --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gzip", "x-gzip", "deflate", "raw-deflate"])
def test_compressed_bodies_decode_however_they_are_split(encoding):
    body = b"data: " + "é".encode() * 300 + b"\n\n"
    if encoding == "raw-deflate":
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed = packer.compress(body) + packer.flush()
    elif encoding == "deflate":
        packed = zlib.compress(body)
    else:
        packed = gzip.compress(body)
    name = "deflate" if encoding == "raw-deflate" else encoding
    for label, chunks in every_chunking(packed):
        decoder = content_decoder(Headers([("Content-Encoding", name)]))
        out = b"".join(decoder.decode(piece) for piece in chunks) + decoder.flush()
        assert out == body, label


def test_a_compression_bomb_comes_out_in_bounded_pieces():
    decoder = content_decoder(Headers([("Content-Encoding", "gzip")]))
    first = decoder.decode(gzip.compress(b"\0" * (50 * 1024 * 1024)))
    assert len(first) <= decoder.LIMIT and decoder.pending


def test_unsupported_or_corrupt_encodings_are_connection_errors():
    assert content_decoder(Headers([("Content-Encoding", "identity")])) is None
    with pytest.raises(APIConnectionError, match="Content-Encoding 'br'"):
        content_decoder(Headers([("Content-Encoding", "br")]))
    decoder = content_decoder(Headers([("Content-Encoding", "gzip")]))
    with pytest.raises(APIConnectionError, match="corrupt"):
        decoder.decode(b"\x1f\x8b not gzip at all")


# -- requests, redirects, proxies ---------------------------------------------------------


@pytest.mark.parametrize(
    "headers, url",
    [
        ([("X-Model", "sonar\r\nX-Injected: 1")], "http://127.0.0.1/"),
        ([("X-Model", "sonar\nX-Injected: 1")], "http://127.0.0.1/"),
        ([("Bad Name", "v")], "http://127.0.0.1/"),
        ([("X-Null", "a\0b")], "http://127.0.0.1/"),
        ([], "http://127.0.0.1/path\r\nX-Injected: 1"),
        ([], "http://127.0.0.1/a b"),
        ([], "ftp://127.0.0.1/"),
        ([], "http:///nohost"),
    ],
)
def test_header_and_url_injection_is_refused(headers, url):
    with pytest.raises(UsageError):
        Request("GET", url, headers)


def test_the_request_head_as_sent():
    request = Request("post", "https://api.example:8443/v1/chat?x=1", [("Authorization", "Bearer k")], b"{}")
    sent = request.encode(None)
    assert sent.startswith(b"POST /v1/chat?x=1 HTTP/1.1\r\nHost: api.example:8443\r\nUser-Agent: sse_pplx/")
    assert b"\r\nContent-Length: 2\r\nAuthorization: Bearer k\r\n\r\n{}" in sent
    proxied = Request("GET", "http://plain.example/a").encode(Proxy("http://u:p@proxy:3128"))
    assert proxied.startswith(b"GET http://plain.example/a HTTP/1.1\r\n")
    assert b"Proxy-Authorization: Basic dTpw\r\n" in proxied


def test_connect_request_names_the_authority_and_the_credentials():
    sent = connect_request(Origin("https://[::1]:8443/x"), Proxy("http://u:p@proxy:3128"))
    assert sent.startswith(b"CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n")
    assert sent.endswith(b"Proxy-Authorization: Basic dTpw\r\n\r\n")


def test_redirects_are_built_as_httpx_builds_them():
    request = Request("POST", "https://a.example/x", [("Authorization", "k"), ("Content-Type", "j")], b"{}")
    assert request.redirect(200, "/y") is None and request.redirect(302, None) is None
    same = request.redirect(307, "/y")
    assert (same.method, same.url, same.body, same.headers) == ("POST", "https://a.example/y", b"{}", request.headers)
    moved = request.redirect(302, "https://b.example/z")
    assert (moved.method, moved.body, moved.headers) == ("GET", None, [])
    with pytest.raises(UsageError):
        request.redirect(301, "ftp://c.example/")


@pytest.mark.parametrize(
    "environ, url, expected",
    [
        ({"HTTPS_PROXY": "http://p:1"}, "https://a.example/", "http://p:1"),
        ({"https_proxy": "http://low:1", "HTTPS_PROXY": "http://up:1"}, "https://a.example/", "http://low:1"),
        ({"ALL_PROXY": "p:2"}, "http://a.example/", "http://p:2"),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "example"}, "https://a.example/", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": ".a.example"}, "https://a.example/", None),
        ({"HTTPS_PROXY": "http://p:1", "no_proxy": "other, a.example:8443"}, "https://a.example:8443/", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}, "https://a.example/", None),
        ({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "ample"}, "https://a.example/", "http://p:1"),
        ({"HTTP_PROXY": "http://p:1", "REQUEST_METHOD": "GET"}, "http://a.example/", None),
        ({"HTTP_PROXY": "http://p:1"}, "https://a.example/", None),
    ],
)
def test_proxies_from_the_environment_as_urllib_reads_them(environ, url, expected):
    found = proxy_for(Origin(url), None, True, environ)
    assert (found.url if found else None) == expected
    assert proxy_for(Origin(url), None, False, environ) is None
    assert proxy_for(Origin(url), False, True, environ) is None
