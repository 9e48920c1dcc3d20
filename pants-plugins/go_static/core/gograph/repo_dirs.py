"""Directories in a repo: those above a path (where a go.mod may be), and those holding a Go main
package (read from file contents alone). Pants-free."""

from __future__ import annotations

import posixpath
import re

_PACKAGE_MAIN = re.compile(rb"^package main\s*(//.*)?$", re.M)
# `//go:build ignore` (or `// +build ignore`): a generator run with `go run`, not a binary.
_IGNORED = re.compile(rb"^//\s*(?:go:build|\+build)\s+ignore\s*$", re.M)


def main_package_dirs(files: dict[str, bytes]) -> dict[str, list[str]]:
    """Directories holding a non-test `package main` file, outside testdata/ and vendor/."""
    found: dict[str, list[str]] = {}
    for path, content in files.items():
        directory = posixpath.dirname(path)
        parts = directory.split("/")
        if path.endswith("_test.go") or "testdata" in parts or "vendor" in parts[:-1]:
            continue
        if _PACKAGE_MAIN.search(content) and not _IGNORED.search(content):
            found.setdefault(directory, []).append(posixpath.basename(path))
    return found


def ancestors(path: str) -> list[str]:
    """`path` and every directory above it, up to the build root ('')."""
    dirs = []
    while True:
        dirs.append(path)
        if not path:
            return dirs
        path = posixpath.dirname(path)
