"""Run the hostile-input properties at scale, outside pytest.

    python -m tests.fuzz.run_hypothesis --examples 250000 --seed 1 [--targets parser,chat-json]
                                        [--max-seconds 1200]

Each target (:data:`tests.fuzz.properties.TARGETS`) runs ``--examples`` inputs (or fewer when
``--max-seconds`` runs out first: checked between batches), in batches of ``--batch``
Hypothesis examples, batch ``i`` seeded with ``seed + i`` (no example database), so a run is
reproducible from its command line (the batches a time limit allowed).  A failure is shrunk by Hypothesis, printed,
and ends that target.  Prints the inputs run per target and in total, the wall time and the
slowest input (a hang shows there); exits 1 if any target failed.  An example is one
generated case; each drives several API inputs (a chunking of the stream through one entry
point: see tests/fuzz/properties.py), also counted.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import traceback
from typing import Any, Callable, Dict, List, Optional

import hypothesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import sse_pplx
from tests.fuzz.hostile import RUNS
from tests.fuzz.properties import TARGETS


class Tally:
    def __init__(self) -> None:
        self.inputs = 0
        self.slowest = 0.0
        self.failure: Optional[str] = None
        self.runs: Dict[str, int] = {}


def run_batch(
    strategy: st.SearchStrategy[Any], check: Callable[[Any], None], examples: int, seed: int, tally: Tally
) -> None:
    def body(case: Any) -> None:
        tally.inputs += 1
        start = time.perf_counter()
        try:
            check(case)
        finally:
            tally.slowest = max(tally.slowest, time.perf_counter() - start)

    test = settings(
        max_examples=examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        print_blob=True,
    )(given(strategy)(body))
    hypothesis.seed(seed)(test)()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=10_000, help="inputs per target")
    parser.add_argument("--seed", type=int, default=0, help="the first batch's seed")
    parser.add_argument("--batch", type=int, default=10_000, help="Hypothesis examples per seeded run")
    parser.add_argument("--max-seconds", type=float, default=None, help="per target, checked between batches")
    parser.add_argument("--targets", default=",".join(TARGETS), help=f"comma-separated, of: {', '.join(TARGETS)}")
    args = parser.parse_args(argv)
    names = [name for name in args.targets.split(",") if name]
    unknown = [name for name in names if name not in TARGETS]
    if unknown:
        parser.error(f"unknown targets: {', '.join(unknown)}")

    print(f"command: python -m tests.fuzz.run_hypothesis {' '.join(sys.argv[1:] if argv is None else argv)}")
    print(
        f"python {platform.python_version()}, hypothesis {hypothesis.__version__}, "
        f"sse_pplx {sse_pplx.__version__} from {sse_pplx.__file__}"
    )
    tallies: Dict[str, Tally] = {}
    started = time.monotonic()
    for name in names:
        strategy, check, what = TARGETS[name]
        tally = tallies[name] = Tally()
        print(f"\n== {name}: {what}", flush=True)
        target_start = time.monotonic()
        RUNS.clear()
        batch = 0
        while tally.inputs < args.examples and tally.failure is None:
            size = min(args.batch, args.examples - tally.inputs)
            before = tally.inputs
            try:
                run_batch(strategy, check, size, args.seed + batch, tally)
            except Exception as exc:
                tally.failure = f"{type(exc).__name__}: {str(exc)[:2000]}"
                traceback.print_exc()
            batch += 1
            elapsed = time.monotonic() - target_start
            print(
                f"   {tally.inputs:>9,} inputs  {elapsed:8.1f} s  (batch seed {args.seed + batch - 1}, "
                f"{tally.inputs - before} run; slowest input so far {tally.slowest:.3f} s)",
                flush=True,
            )
            if tally.inputs == before:
                break  # Hypothesis found nothing more to try
            if args.max_seconds is not None and elapsed >= args.max_seconds:
                break
        tally.runs = dict(RUNS)
        status = "FAILED: " + tally.failure if tally.failure else "ok"
        print(f"   API inputs run: {sum(RUNS.values()):,} ({', '.join(f'{k} {v:,}' for k, v in sorted(RUNS.items()))})")
        print(f"   {name}: {tally.inputs:,} inputs in {time.monotonic() - target_start:.1f} s; {status}", flush=True)

    total = sum(t.inputs for t in tallies.values())
    runs = sum(sum(t.runs.values()) for t in tallies.values())
    print(f"\n{'target':16} {'examples':>12} {'API inputs':>12} {'slowest (s)':>12}  result")
    for name, tally in tallies.items():
        failed = "FAILED" if tally.failure else "ok"
        print(f"{name:16} {tally.inputs:>12,} {sum(tally.runs.values()):>12,} {tally.slowest:>12.3f}  {failed}")
    print(f"{'total':16} {total:>12,} {runs:>12,}   wall time {time.monotonic() - started:.1f} s")
    return 1 if any(t.failure for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
