"""Chunking strategies: the ways one fixture's bytes are cut into ``feed()`` calls.

A parser must give the same events and state however its input is chunked
(rexxars/eventsource-parser#17: a CRLF split across reads; btubbs/sseclient#38:
UTF-8 split across reads; psf/requests#3980).  Every strategy has a name, so a
failure report says which chunking broke:

==================  ==============================================================
``whole``           one chunk
``bytewise``        one byte per chunk
``split@K``         two chunks, cut before byte K, for every K (inputs up to
                    ``exhaustive_limit`` bytes, default 64)
``split3@I,J``      three chunks, for every pair of cuts (inputs up to
                    ``three_way_limit`` bytes, default 24)
``split@K``         (longer inputs, when ``sampled_splits`` is given) two chunks,
                    cut before K, for that many seeded sample positions
``fixed@S``         chunks of S bytes each, for each size in ``fixed_sizes``
                    shorter than the input (none by default)
``utf8@K``          a cut inside a multibyte UTF-8 character, for every such
                    position (whatever the input's length)
``crlf@K``          a cut between a CR and the LF that follows it
``recorded``        the fixture's recorded chunk sizes, when it has them
``random#N``        seeded random chunkings (``random_count``, default 8); the
                    seed is derived from the run's seed and the fixture's name,
                    so a failure can be replayed with ``--seed``
==================  ==============================================================

Two strategies that produce the same cuts are run once, under the first name.

The conformance runner uses the defaults; the test suite's parser and chat tests
(``tests/feeding.py``) ask for more: every split point up to 300 bytes, a sample
of split points and fixed sizes beyond.
"""

from __future__ import annotations

import random
import zlib
from typing import Iterator, List, Optional, Sequence, Tuple

__all__ = ["Chunking", "cut", "strategies"]

DEFAULT_SEED = 20240229


class Chunking:
    """A named way to cut ``data``: the cut positions (0 < cut < len(data), increasing)."""

    __slots__ = ("cuts", "name")

    def __init__(self, name: str, cuts: Sequence[int]) -> None:
        self.name = name
        self.cuts: Tuple[int, ...] = tuple(cuts)

    def chunks(self, data: bytes) -> List[bytes]:
        return cut(data, self.cuts)

    def __repr__(self) -> str:
        return f"Chunking({self.name!r}, {len(self.cuts) + 1} chunks)"


def cut(data: bytes, cuts: Sequence[int]) -> List[bytes]:
    """Cut ``data`` before each position in ``cuts``."""
    bounds = [0, *cuts, len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


def _multibyte_inner_positions(data: bytes) -> List[int]:
    """Positions strictly inside a well-formed multibyte UTF-8 sequence."""
    out = []
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        size = 2 if 0xC2 <= byte <= 0xDF else 3 if 0xE0 <= byte <= 0xEF else 4 if 0xF0 <= byte <= 0xF4 else 1
        if size > 1 and i + size <= n and all(0x80 <= b <= 0xBF for b in data[i + 1 : i + size]):
            out.extend(range(i + 1, i + size))
            i += size
        else:
            i += 1
    return out


def _spread(positions: List[int], limit: Optional[int]) -> List[int]:
    """At most ``limit`` of ``positions``, evenly spread (all when limit is None)."""
    if limit is None or len(positions) <= limit:
        return positions
    if limit <= 0:
        return []
    step = len(positions) / limit
    return [positions[int(i * step)] for i in range(limit)]


def strategies(
    data: bytes,
    *,
    name: str = "",
    recorded: Optional[Sequence[int]] = None,
    seed: int = DEFAULT_SEED,
    random_count: int = 8,
    exhaustive_limit: int = 64,
    three_way_limit: int = 24,
    max_targeted: Optional[int] = None,
    sampled_splits: int = 0,
    fixed_sizes: Sequence[int] = (),
) -> List[Chunking]:
    """Every chunking to run for one fixture (deduplicated, in a stable order).

    ``recorded`` is a list of chunk sizes; ``name`` (the fixture's) seeds the
    random chunkings together with ``seed``.  ``max_targeted`` caps the number
    of ``utf8@`` and of ``crlf@`` chunkings (evenly spread; None = all).
    ``sampled_splits``: for inputs longer than ``exhaustive_limit``, that many
    seeded split points instead of all; ``fixed_sizes``: chunk sizes to cut at.
    """
    out: List[Chunking] = []
    seen = set()

    def add(label: str, cuts: Sequence[int]) -> None:
        key = tuple(cuts)
        if key not in seen:
            seen.add(key)
            out.append(Chunking(label, key))

    n = len(data)
    add("whole", ())
    if n > 1:
        add("bytewise", range(1, n))
    if recorded:
        positions, total = [], 0
        for size in recorded[:-1]:
            total += size
            positions.append(total)
        add("recorded", positions)
    for k in _spread(_multibyte_inner_positions(data), max_targeted):
        add(f"utf8@{k}", (k,))
    for k in _spread([k for k in range(1, n) if data[k - 1] == 0x0D and data[k] == 0x0A], max_targeted):
        add(f"crlf@{k}", (k,))
    if n <= exhaustive_limit:
        for k in range(1, n):
            add(f"split@{k}", (k,))
    elif sampled_splits > 0:
        sampler = random.Random(seed ^ zlib.crc32(name.encode("utf-8")) ^ n)
        for k in sorted(sampler.sample(range(1, n), min(sampled_splits, n - 1))):
            add(f"split@{k}", (k,))
    if n <= three_way_limit:
        for i in range(1, n):
            for j in range(i + 1, n):
                add(f"split3@{i},{j}", (i, j))
    for size in fixed_sizes:
        if 1 < size < n:
            add(f"fixed@{size}", range(size, n, size))
    rng = random.Random(seed ^ zlib.crc32(name.encode("utf-8")))
    for k in range(random_count):
        if n < 2:
            break
        count = rng.randint(1, min(n - 1, max(1, n // 2)))
        add(f"random#{k}", sorted(rng.sample(range(1, n), count)))
    return out


def iter_chunks(data: bytes, chunkings: Sequence[Chunking]) -> Iterator[Tuple[str, List[bytes]]]:
    for chunking in chunkings:
        yield chunking.name, chunking.chunks(data)
