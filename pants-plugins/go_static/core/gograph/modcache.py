"""Where a module version's files sit in Go's module cache ($GOMODCACHE). Pants-free.

A build that runs with GOPROXY=off reads, for each module that provides a package, its extracted
tree (`<path>@<version>/`) and the `.ziphash` that go.sum is checked against, and, for every
module of the module graph, its `.mod` file. Nothing else of the cache: not the zips, not the
version lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

DOWNLOAD_DIR = "cache/download"
GO_MOD_FILES = f"{DOWNLOAD_DIR}/**/*.mod"


def escape_module_path(path: str) -> str:
    """Go's module-cache escaping (golang.org/x/mod/module.EscapePath): "A" becomes "!a"."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group().lower(), path)


@dataclass(frozen=True, order=True)
class ModuleVersion:
    """One version of one module, as the module cache stores it."""

    path: str
    version: str

    @classmethod
    def parse(cls, spec: str) -> ModuleVersion:
        path, _, version = spec.rpartition("@")
        return cls(path, version)

    def __str__(self) -> str:
        return f"{self.path}@{self.version}"

    @property
    def source_dir(self) -> str:
        """The extracted tree, e.g. "github.com/!data!dog/zstd@v1.5.7"."""
        return f"{escape_module_path(self.path)}@{escape_module_path(self.version)}"

    @property
    def ziphash(self) -> str:
        """The zip's hash, which go checks against go.sum before it trusts the tree."""
        return (
            f"{DOWNLOAD_DIR}/{escape_module_path(self.path)}/@v/"
            f"{escape_module_path(self.version)}.ziphash"
        )


def cached_module(module: Mapping | None) -> str | None:
    """From `go list`'s Module object: the "path@version" whose files the package is read from,
    the replacement's when replaced by a version; None for std, the main module and directory
    replacements, whose files are in the repo."""
    if not module or module.get("Main"):
        return None
    replace = module.get("Replace")
    if replace:
        version = replace.get("Version")
        return f"{replace['Path']}@{version}" if version else None
    version = module.get("Version")
    return f"{module['Path']}@{version}" if version else None
