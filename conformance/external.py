"""The registry of parsers in other languages: ``conformance/<language>/adapters.json``.

Each adapter that runs as a ``--cmd`` subprocess (``PROTOCOL.md``) is listed in
a JSON file next to its code, ``conformance/node/adapters.json``,
``conformance/go/adapters.json``, ...: a list of objects ::

    {"name": "eventsource-parser", "language": "node", "package": "eventsource-parser",
     "version": "3.0.6", "cmd": ["node", "conformance/node/adapter.mjs", "--parser", "eventsource-parser"],
     "build": null, "tracker": "https://github.com/rexxars/eventsource-parser/issues", "notes": "..."}

``cmd`` is an argv relative to the repository root; ``build`` is null or the
argv that must have run first (``.ci/run`` runs it, e.g. a ``go build -o
BINARY ...``); ``tracker`` is the parser's issue tracker.  :func:`load_external_adapters`
reads every such file; :meth:`ExternalAdapter.available` says whether an entry
can run here, and if not why (the runtime is not on ``PATH``, the npm package is
not installed or not the pinned version, the build has not run), so that the
matrix (``matrix.py``) skips it with that reason.  Standard library only.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, List, Optional, Tuple, Union

__all__ = ["ExternalAdapter", "RegistryError", "load_external_adapters"]

#: The keys every entry has, in the order of the contract.
FIELDS = ("name", "language", "package", "version", "cmd", "build", "tracker", "notes")


class RegistryError(ValueError):
    """An ``adapters.json`` that is not a list of entries in the registry's format."""


@dataclass(frozen=True)
class ExternalAdapter:
    """One entry of a ``conformance/<language>/adapters.json``; ``root`` is the repository it was read from."""

    name: str
    language: str
    package: str
    version: str
    cmd: Tuple[str, ...]
    build: Optional[Tuple[str, ...]]
    tracker: str
    notes: str
    root: Path = field(default=Path("."), compare=False, repr=False)

    @property
    def label(self) -> str:
        """``name@version``: how the matrix names the parser."""
        return f"{self.name}@{self.version}"

    def _path(self, arg: str) -> Optional[Path]:
        """``arg`` as a file under the repository root, if it names one there (a script, a binary)."""
        if not arg or arg.startswith("-") or os.path.isabs(arg) or "/" not in arg:
            return None
        return self.root / arg

    def argv(self) -> List[str]:
        """``cmd`` with the repository's files made absolute, to run from any directory."""
        return [str(p) if p is not None and p.exists() else arg for arg, p in ((a, self._path(a)) for a in self.cmd)]

    def command(self) -> str:
        """:meth:`argv` as one shell-quoted string, for ``--cmd`` / :class:`~conformance.adapters.CommandAdapter`."""
        return " ".join(shlex.quote(a) for a in self.argv())

    def built_file(self) -> Optional[Path]:
        """What ``build`` writes: its ``-o`` argument (``go build -o FILE``), else None."""
        if not self.build:
            return None
        build = list(self.build)
        if "-o" in build[:-1]:
            out = build[build.index("-o") + 1]
            return Path(out) if os.path.isabs(out) else self.root / out
        return None

    def available(self) -> Tuple[bool, str]:
        """(True, "") when the entry can run here, else (False, why not)."""
        program = self.cmd[0]
        path = self._path(program)
        if path is not None:
            if not (path.is_file() and os.access(path, os.X_OK)):
                hint = f" (build it: {' '.join(self.build)})" if self.build else ""
                return False, f"{program} is not built{hint}"
        elif shutil.which(program) is None:
            return False, f"{program} is not on PATH"
        built = self.built_file()
        if built is not None and not built.is_file():
            return False, f"{built} is not built (run: {' '.join(self.build or ())})"
        for arg in self.cmd[1:]:
            file = self._path(arg)
            if file is not None and not file.exists():
                return False, f"{arg} is missing"
        if self.language == "node":
            package_json = self.root / "conformance" / "node" / "node_modules" / self.package / "package.json"
            if not package_json.is_file():
                return False, f"npm package {self.package} is not installed (npm ci --prefix conformance/node)"
            try:
                installed = json.loads(package_json.read_text(encoding="utf-8")).get("version")
            except (OSError, ValueError) as exc:
                return False, f"cannot read {package_json}: {exc}"
            if installed != self.version:
                return False, f"npm package {self.package} is {installed}, pinned {self.version} (npm ci)"
        return True, ""


def _entry(obj: Any, where: Path, root: Path) -> ExternalAdapter:
    if not isinstance(obj, dict):
        raise RegistryError(f"{where}: an entry is not an object: {obj!r}")
    missing = [k for k in FIELDS if k not in obj]
    if missing:
        raise RegistryError(f"{where}: entry {obj.get('name')!r} lacks {', '.join(missing)}")
    cmd = obj["cmd"]
    build = obj["build"]
    if not (isinstance(cmd, list) and cmd and all(isinstance(a, str) for a in cmd)):
        raise RegistryError(f"{where}: entry {obj['name']!r}: cmd must be a non-empty list of strings")
    if build is not None and not (isinstance(build, list) and build and all(isinstance(a, str) for a in build)):
        raise RegistryError(f"{where}: entry {obj['name']!r}: build must be null or a list of strings")
    text = {k: obj[k] for k in ("name", "language", "package", "version", "tracker", "notes")}
    for key, value in text.items():
        if not isinstance(value, str) and not (key in ("tracker", "notes") and value is None):
            raise RegistryError(f"{where}: entry {obj['name']!r}: {key} must be a string")
    return ExternalAdapter(
        name=text["name"],
        language=text["language"],
        package=text["package"],
        version=text["version"],
        cmd=tuple(cmd),
        build=None if build is None else tuple(build),
        tracker=text["tracker"] or "",
        notes=text["notes"] or "",
        root=root,
    )


def load_external_adapters(root: Union[str, Path]) -> List[ExternalAdapter]:
    """Every entry of every ``<root>/conformance/*/adapters.json``, sorted by language then name.

    No registry file at all gives ``[]``; a malformed one raises :class:`RegistryError`.
    """
    root = Path(root)
    adapters: List[ExternalAdapter] = []
    for path in sorted((root / "conformance").glob("*/adapters.json")):
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RegistryError(f"{path}: {exc}") from None
        if not isinstance(entries, list):
            raise RegistryError(f"{path}: not a JSON list")
        adapters.extend(_entry(obj, path, root) for obj in entries)
    names = [a.name for a in adapters]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RegistryError(f"adapter names listed twice: {', '.join(duplicates)}")
    return sorted(adapters, key=lambda a: (a.language, a.name))
