"""The hostile-input fuzz campaign (issue 6): the harness, its Hypothesis strategies, the runners.

``hostile.py`` drives the public API and checks the invariants; it needs only the standard
library, so the atheris harness (``atheris_fuzz.py``) uses it too.  ``strategies.py`` (Hypothesis)
generates hostile streams and JSON; ``run_hypothesis.py`` runs the properties at scale outside
pytest; ``tests/test_hostile.py`` is the moderate version in the default suite.
docs/reliability.md ("Hostile input") has the commands and the figures.
"""
