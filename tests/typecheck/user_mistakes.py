"""Mistakes a user's checker must catch (``tests/test_typing.py``): each line ending in
``# error`` is one that ``mypy --strict`` and ``pyright`` report, and no other line is.
Were the types ``Any``, none would be caught.  Checked, never run."""

from __future__ import annotations

from sse_pplx import AsyncPerplexity, Perplexity, connect
from sse_pplx.types import ChatCompletion, ServerSentEvent, Stream

MESSAGES = [{"role": "user", "content": "hi"}]


def mistakes(client: Perplexity, other: AsyncPerplexity) -> None:
    stream = client.chat.completions.create(model="sonar", messages=MESSAGES, stream=True)
    for chunk in stream:
        print(chunk.choises)  # error
        text: str = chunk.choices[0].delta.content  # error
        print(text)
    whole: Stream = client.chat.completions.create(model="sonar", messages=MESSAGES)  # error
    completion: ChatCompletion = other.chat.completions.create(model="sonar", messages=MESSAGES)  # error
    print(whole, completion)
    client.with_options(timout=3)  # error
    same: AsyncPerplexity = client.with_options(max_retries=1)  # error
    print(same)
    for item in connect("http://127.0.0.1:9", comments=True):
        event: ServerSentEvent = item  # error
        print(event)
