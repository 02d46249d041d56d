"""Status errors as openai-python makes them, compared on the same server reply (issue 15).

docs/migration.md promises a drop-in for ``except ... as exc: exc.message / exc.body / exc.code``:
each reply below is sent by a real loopback server to sse_pplx's client (sync and async, through
the ``mode`` fixture) and to the openai SDK's own client, and the attributes are compared.  Also
the response face (``exc.response.text`` / ``.json()``), the ``OpenAIError`` root alias, and
``ServerSentEvent.json()`` against httpx-sse's.
"""

from __future__ import annotations

import json

import pytest

import sse_pplx
from sse_pplx import (
    APIStatusError,
    AuthenticationError,
    InvalidJSONError,
    OpenAIError,
    PerplexityError,
    ServerSentEvent,
    SSEError,
)
from tests.modes import MESSAGES, complete
from tests.servers import LoopbackServer

SECRET = "sk-0123456789abcdefSECRET"

JSON = "application/json"
#: (status, body, content type): the replies compared with openai-python.
REPLIES = [
    (401, b'{"error": {"message": "Invalid API key", "type": "invalid_request_error", "code": 401}}', JSON),
    (
        429,
        b'{"error": {"message": "slow down", "type": "rate_limit_error", "param": "model", "code": "rate_limited"}}',
        JSON,
    ),
    (500, b'{"error": {"message": "", "type": "server_error"}}', JSON),
    (400, b'{"error": "bad request"}', JSON),
    (422, b'{"detail": [{"loc": ["body", "model"], "msg": "field required", "type": "missing"}]}', JSON),
    (400, b"[1, 2]", JSON),
    (500, b"upstream connect error\nreset reason: overflow\n", "text/plain"),
    (502, b"<html><head><title>502 Bad Gateway</title></head><body>cloudflare</body></html>", "text/html"),
    (401, b"", "text/plain"),
    (503, b'  {"message": "at the top level", "code": 7}  ', JSON),
]
IDS = ["401-json", "429-json-param", "500-empty-message", "400-error-string", "422-fastapi", "400-list"]
IDS += ["500-text", "502-html", "401-empty", "503-flat-json"]


def answering(status, body, content_type):
    def handler(ex):
        ex.respond(status, body, content_type, headers={"x-request-id": "req-7"})
        return True

    return handler


async def ours(mode, server):
    client = mode.Client(base_url=server.url, api_key=SECRET, max_retries=0)
    error = (await complete(mode, client))["error"]
    assert isinstance(error, APIStatusError), error
    return error


def theirs(server):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=server.url, api_key=SECRET, max_retries=0)
    try:
        with pytest.raises(openai.APIStatusError) as info:
            client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True)
    finally:
        client.close()
    return info.value


@pytest.mark.parametrize("status, body, content_type", REPLIES, ids=IDS)
async def test_status_error_attributes_are_openai_pythons(mode, status, body, content_type):
    with LoopbackServer(answering(status, body, content_type)) as server:
        error = await ours(mode, server)
        reference = theirs(server)
    assert type(error).__name__ == type(reference).__name__
    assert error.status_code == reference.status_code == status
    assert error.body == reference.body
    assert (error.code, error.type, error.param) == (reference.code, reference.type, reference.param)
    assert error.request_id == reference.request_id == "req-7"
    if " - " in reference.message:  # the body had an error message: word for word
        assert error.message == reference.message == str(error)
    else:  # openai says only "Error code: N"; ours adds a summary of the body
        assert error.message.startswith(reference.message + " - ")
        assert len(error.message) > len(reference.message) + 3
    # The response face: the body it had, as text and as JSON.
    assert error.response.text == reference.response.text == body.decode()
    if content_type == JSON:
        assert error.response.json() == reference.response.json()
    else:
        with pytest.raises(ValueError):
            reference.response.json()
        with pytest.raises(InvalidJSONError) as info:
            error.response.json()
        assert isinstance(info.value, ValueError)
        assert isinstance(info.value.__cause__, json.JSONDecodeError)


def test_the_expected_values_for_one_reply():
    """The comparison above, spelled out for the commonest reply (and independent of openai)."""
    with LoopbackServer(answering(*REPLIES[1])) as server:
        client = sse_pplx.Client(base_url=server.url, api_key=SECRET, max_retries=0)
        with client, pytest.raises(sse_pplx.RateLimitError) as info:
            client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True)
    error = info.value
    assert error.body == {"message": "slow down", "type": "rate_limit_error", "param": "model", "code": "rate_limited"}
    assert (error.message, str(error)) == ("Error code: 429 - slow down", "Error code: 429 - slow down")
    assert (error.code, error.type, error.param) == ("rate_limited", "rate_limit_error", "model")
    assert error.response.json() == {"error": error.body}


async def test_an_echoed_api_key_is_redacted_in_the_response_text_too(mode):
    body = json.dumps({"error": {"message": f"key {SECRET} is not valid"}}).encode()
    with LoopbackServer(answering(401, body, JSON)) as server:
        error = await ours(mode, server)
    assert SECRET not in error.message and SECRET not in error.response.text
    assert error.response.json() == {"error": {"message": "key [REDACTED] is not valid"}}


async def test_openai_error_is_the_root_of_every_error(mode):
    assert OpenAIError is SSEError and PerplexityError is SSEError
    with LoopbackServer(answering(*REPLIES[0])) as server:
        try:
            raise await ours(mode, server)
        except OpenAIError as caught:  # what `except openai.OpenAIError` code becomes
            assert isinstance(caught, AuthenticationError)
    with pytest.raises(OpenAIError):
        sse_pplx.SSEParser(max_line_bytes=-1)


# -- ServerSentEvent.json() ------------------------------------------------------------------------


@pytest.mark.parametrize("data", ['{"a": [1, 2.5, null, "\\u00e9"]}', "[]", "42", '"text"', "true"])
def test_event_json_is_httpx_sses(data):
    httpx_sse = pytest.importorskip("httpx_sse")
    assert ServerSentEvent(data=data).json() == httpx_sse.ServerSentEvent(data=data).json() == json.loads(data)


@pytest.mark.parametrize("data", ["", "[DONE]", '{"a": ', "{'a': 1}"])
def test_event_json_on_data_that_is_not_json_raises_a_value_error(data):
    with pytest.raises(InvalidJSONError) as info:
        ServerSentEvent(data=data, event="delta").json()
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error.__cause__, json.JSONDecodeError)
    assert error.raw == data and error.reason == str(error.__cause__)
    assert str(error).startswith("data is not valid JSON") and isinstance(error, sse_pplx.SSEError)
    httpx_sse = pytest.importorskip("httpx_sse")
    with pytest.raises(ValueError):  # httpx-sse: a json.JSONDecodeError, also a ValueError
        httpx_sse.ServerSentEvent(data=data).json()
