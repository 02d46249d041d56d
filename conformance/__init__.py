"""The sse_pplx conformance kit.

Language-neutral SSE fixtures (``fixtures/``), a spec-literal reference parser
(:mod:`conformance.oracle`), chunking strategies, adapters for parsers in any
language, and a runner: ``python -m conformance run``.  Only the standard
library is used at run time.  See ``conformance/README.md``.
"""
