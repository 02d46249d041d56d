"""The stream that ``python -m sse_pplx`` replays when it has no API key (or with ``--demo``).

A bundled copy of the kit's fixture ``fixtures/recorded/pplx-2026-network-split.json`` (the project's
reference example E2: Perplexity's 2026 shape, ``sonar``, citations,
``search_results`` on the final chunk, ``usage`` with ``cost``, ``[DONE]``;
invented ids and URLs), so that an installed or vendored copy of the package,
which has no ``fixtures/`` folder, can replay it too.  From a checkout the
command reads the fixture file itself; ``tests/test_cli.py`` checks that the
two are the same bytes, chunk sizes and delays.
"""

from __future__ import annotations

FIXTURE = "recorded/pplx-2026-network-split"
QUESTION = "Why are there two high tides a day?"
MODEL = "sonar"

DATA = (
    b'data: {"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770000,"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Earth"},"finish_reason":null}]}\r\n\r\n'
    b'data: {"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770000,"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":" rotates through"},"finish_reason":null}]}\r\n\r\n'
    b'data: {"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770001,"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":" two tidal bulges \xe2\x80\x94 one facing the Moon"},"finish_reason":null}]}\r\n\r\n'
    b'data: {"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770002,"usage":{"prompt_tokens":9,"completion_tokens":16,"total_tokens":25,"search_context_size":"low","cost":{"input_tokens_cost":0,"output_tokens_cost":0,"total_cost":0}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":", one on the far side[1][3]."},"finish_reason":null}]}\r\n\r\n'
    b'data: {"id":"9b1d7e52-0c3a-4f8e-b2d6-71a4c9e3f005","model":"sonar","created":1770770002,"usage":{"prompt_tokens":9,"completion_tokens":16,"total_tokens":25,"search_context_size":"low","cost":{"input_tokens_cost":9e-06,"output_tokens_cost":1.6e-05,"request_cost":0.005,"total_cost":0.005025}},"citations":["https://docs.example.com/tides","https://ocean.example.net/tides-explained","https://en.example.org/wiki/Tidal_bulge"],"search_results":[{"title":"How tides work","url":"https://docs.example.com/tides","date":"2025-11-02","last_updated":"2026-01-15","snippet":"Tides are the regular rise and fall of the sea surface caused by the Moon and Sun.","source":"web"},{"title":"Tides explained","url":"https://ocean.example.net/tides-explained","date":null,"last_updated":null,"snippet":"","source":"web"},{"title":"Tidal bulge","url":"https://en.example.org/wiki/Tidal_bulge","date":"2019-04-30","last_updated":"2025-12-01","snippet":"The ocean bulges toward and away from the Moon.","source":"web"}],"object":"chat.completion.done","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":"stop"}]}\r\n\r\n'
    b"data: [DONE]\r\n\r\n"
)

# The recorded read sizes (bytes) and the delay before each read (milliseconds).
CHUNKS = (70, 442, 2, 1026, 1, 1716, 16)
DELAYS_MS = (480.0, 0.4, 0.3, 35.0, 0.2, 0.2, 52.0)
