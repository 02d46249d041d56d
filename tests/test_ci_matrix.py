"""What the package claims to run on is what CI tests it on, and what the README says CI runs.

pyproject.toml's classifiers name the Python versions and implementations; tox.ini's env_list
must hold one test environment for each (py38 ... py313, pypy3) and no other; .ci/run must make
each CPython version visible to tox; the README's table of tox environments must name them all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Set

ROOT = Path(__file__).resolve().parent.parent


def classifiers() -> List[str]:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^classifiers = \[\n(.*?)^\]", text, flags=re.M | re.S)
    assert block, "pyproject.toml has no classifiers list"
    return re.findall(r'^\s*"([^"]+)",?$', block.group(1), flags=re.M)


def claimed_versions() -> List[str]:
    version = re.compile(r"Programming Language :: Python :: (3\.\d+)")
    return [match.group(1) for match in map(version.fullmatch, classifiers()) if match]


def claimed_implementations() -> Set[str]:
    prefix = "Programming Language :: Python :: Implementation :: "
    return {c[len(prefix) :] for c in classifiers() if c.startswith(prefix)}


def tox_envs() -> List[str]:
    text = (ROOT / "tox.ini").read_text(encoding="utf-8")
    match = re.search(r"^env_list = (.*)$", text, flags=re.M)
    assert match, "tox.ini has no env_list"
    return [name.strip() for name in match.group(1).split(",")]


def test_every_claimed_python_is_a_tox_environment_and_no_other() -> None:
    versions = claimed_versions()
    assert versions == ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]
    expected = {"py" + v.replace(".", "") for v in versions}
    assert claimed_implementations() == {"CPython", "PyPy"}
    expected.add("pypy3")
    test_envs = {env for env in tox_envs() if re.fullmatch(r"py\d*|pypy\d*", env)}
    assert test_envs == expected


def test_ci_makes_every_claimed_cpython_visible_and_installs_pypy() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    loop = re.search(r"^\s*for minor in ([\d. ]+); do$", script, flags=re.M)
    assert loop, ".ci/run has no loop over the minor versions"
    assert loop.group(1).split() == claimed_versions()
    assert "apt-get install -y -q pypy3" in script
    # a missing interpreter fails CI: tox reads the option from the environment
    assert re.search(r"^export TOX_SKIP_MISSING_INTERPRETERS=false$", script, flags=re.M)


def test_ci_runs_the_readme_test_command_word_for_word() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("Run the tests:", 1)[1]
    command = re.search(r"```sh\n(.+?)\n```", section)
    assert command, "README.md has no test command after 'Run the tests:'"
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command.group(1) in script.splitlines()


def test_the_readme_names_every_tox_environment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"^\| env \| runs \|\n\|---\|---\|\n((?:\|.*\n)+)", readme, flags=re.M)
    assert table, "README.md has no table of tox environments (| env | runs |)"
    rows = re.findall(r"^\| ([^|]+) \|", table.group(1), flags=re.M)
    named = {env for row in rows for env in re.findall(r"`([\w-]+)`", row)}
    assert named == set(tox_envs())
