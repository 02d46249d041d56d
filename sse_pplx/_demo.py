"""The stream the demo replays: Perplexity's 2025 "full" shape.

Taken from the project's reference example E1 (invented ids and URLs; the shape
follows real captures): CRLF line endings, a cumulative ``message``,
``citations`` on every chunk, cumulative ``usage``, no ``[DONE]``.
"""

from __future__ import annotations

SONAR_2025_FULL = (
    b'data: {"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 1, "total_tokens": 12}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water"}, "delta": {"role": "assistant", "content": "Water"}}]}\r\n'
    b"\r\n"
    b'data: {"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water boils at"}, "delta": {"role": "assistant", "content": " boils at"}}]}\r\n'
    b"\r\n"
    b'data: {"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water boils at 100 \\u00b0C"}, "delta": {"role": "assistant", "content": " 100 \\u00b0C"}}]}\r\n'
    b"\r\n"
    b'data: {"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 12, "total_tokens": 23}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": null, "message": {"role": "assistant", "content": "Water boils at 100 \\u00b0C (212 \\u00b0F) at sea level[1][2]."}, "delta": {"role": "assistant", "content": " (212 \\u00b0F) at sea level[1][2]."}}]}\r\n'
    b"\r\n"
    b'data: {"id": "3f9c2a1e-7b44-4d0e-9a61-5c2e8d0b4f17", "model": "sonar", "created": 1741700000, "usage": {"prompt_tokens": 11, "completion_tokens": 12, "total_tokens": 23}, "citations": ["https://www.example.org/water-boiling-point", "https://science.example.edu/phase-changes"], "object": "chat.completion", "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Water boils at 100 \\u00b0C (212 \\u00b0F) at sea level[1][2]."}, "delta": {"role": "assistant", "content": ""}}]}\r\n'
    b"\r\n"
)
