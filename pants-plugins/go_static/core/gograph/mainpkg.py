"""Where a go_static_binary's main package is: a directory of the repo, or the import path of a
main package in its module's build list (a command from a required module). Pants-free.

The `main` field holds either. An import path is told apart by its first element, which names a
host and so has a dot (`github.com/...`); a directory is relative to the BUILD file. A directory
whose name has a dot in its first element is written with `./` in front.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from go_static.core.gograph.modfile import import_path_problem


@dataclass(frozen=True)
class MainSpec:
    """A repo directory (`dir`) or an import path (`import_path`): exactly one is set."""

    dir: str | None = None  # relative to the build root, "" for the root
    import_path: str | None = None

    def search_dir(self, build_file_dir: str) -> str:
        """Where the search for go.mod starts: the package's dir, or the BUILD file's."""
        return build_file_dir if self.dir is None else self.dir

    def build_arg(self, module_root: str) -> str:
        """The package argument of `go build`, run in the module root."""
        if self.import_path is not None:
            return self.import_path
        relative = posixpath.relpath(self.dir or ".", module_root or ".")
        return "." if relative == "." else "./" + relative

    def __str__(self) -> str:
        return self.import_path if self.import_path is not None else (self.dir or ".")


def command_name(import_path: str) -> str:
    """The binary name `go build` gives a main package: its last element, or the one before a
    major-version suffix (`.../migrate/v4` -> migrate)."""
    elements = import_path.split("/")
    last = elements[-1]
    if len(elements) > 1 and re.fullmatch(r"v[2-9][0-9]*", last):
        return elements[-2]
    return last


def looks_like_import_path(value: str) -> bool:
    """True for `host.tld/...` (the `main` field's import-path form), False for a directory."""
    first = value.split("/", 1)[0]
    return "." in first and first not in (".", "..") and not value.startswith("/")


def main_spec(value: str, build_file_dir: str) -> tuple[MainSpec | None, str | None]:
    """The MainSpec a `main` field value means, or None and why it can't be used."""
    if looks_like_import_path(value):
        problem = import_path_problem(value)
        if problem:
            return None, f"{value!r} looks like an import path, but {problem}"
        return MainSpec(import_path=value), None
    if value.startswith("/"):
        return None, f"{value!r} is an absolute path"
    resolved = posixpath.normpath(posixpath.join(build_file_dir, value))
    if resolved == ".." or resolved.startswith("../"):
        return None, f"{value!r} points outside the build root, where Pants can't read sources"
    return MainSpec(dir="" if resolved == "." else resolved), None
