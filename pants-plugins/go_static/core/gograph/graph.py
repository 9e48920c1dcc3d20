"""A main package's dependency closure, and the facts the mode needs from it. Pants-free.

`golist` parses `go list -deps`; this module takes one main package's closure from it: the exact
repo files its build reads, its cgo packages, which of them call dlopen (scanned here, or known
from the table in `go_static.core.gograph.knowledge`), and which knowledge-table entries apply.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Iterable, Mapping

from go_static.core.gograph.knowledge import ModuleFacts, version_matches
from go_static.core.gograph.workspace import ModuleLayout

# Header and library files cgo may reach outside its package dir (`#include "../x.h"`,
# `-I${SRCDIR}/../include`, `-L${SRCDIR}/lib`), so cgo builds get all of them.
CGO_SIDE_FILE_GLOBS = ("**/*.h", "**/*.hh", "**/*.hpp", "**/*.hxx", "**/*.inc", "**/*.a")
RESOLVER_PACKAGES = ("net", "os/user")

_DLOPEN_CALL = re.compile(rb"\bdlopen\s*\(")
_GO_DLOPEN_CALL = re.compile(rb"\bC\.dlopen\s*\(")
_C_COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.S)
# One alternation per comment (not a nested `(?://…)+`), so a long comment block that isn't a
# preamble can't make the match backtrack exponentially.
_CGO_PREAMBLE = re.compile(rb"((?:/\*.*?\*/\s*|//[^\n]*\n\s*)+)import\s+\"C\"", re.S)


@dataclass(frozen=True)
class GoPackage:
    """One package from `go list`, with paths relative to the build root (None outside it)."""

    import_path: str
    name: str
    dir: str | None
    standard: bool
    main_module: bool
    deps: tuple[str, ...]
    files: tuple[str, ...]  # every source file go build reads, relative to the build root
    cgo_files: tuple[str, ...]
    c_files: tuple[str, ...]
    errors: tuple[str, ...]
    go_file_names: tuple[str, ...] = ()  # compiled Go and cgo files, wherever the package lives
    module_path: str | None = None  # None for std
    module_version: str | None = None  # None for std and the main module (and local replaces)
    # "path@version" of the module-cache copy its files are read from (modcache.cached_module).
    cached_module: str | None = None


def cached_modules(packages: Iterable[GoPackage]) -> tuple[str, ...]:
    """The module versions (GoPackage.cached_module) the packages are read from, sorted."""
    return tuple(sorted({p.cached_module for p in packages if p.cached_module}))


@dataclass(frozen=True)
class GraphFacts:
    """What `go list -deps` says about the main package's dependency closure."""

    main_package: str
    cgo_packages: tuple[str, ...] = ()
    dlopen_packages: tuple[str, ...] = ()
    # Which of std's resolver packages (`net`, `os/user`) the closure imports.
    resolver_packages: tuple[str, ...] = ()
    # (package, build tag that compiles its dlopen out, why) for known third-party packages.
    dlopen_hints: tuple[tuple[str, str, str], ...] = ()
    # The knowledge-table entries that apply to this graph.
    known: tuple[KnownModule, ...] = ()
    # The PGO profiles that exist among those the target may use: default.pgo beside its main
    # package, and the file its `pgo` field names (repo paths).
    profiles: tuple[str, ...] = ()

    def known_dlopen(self) -> tuple[KnownModule, ...]:
        return tuple(k for k in self.known if k.dlopen_active)


@dataclass(frozen=True)
class KnownModule:
    """A knowledge-table entry, and where the graph uses it."""

    facts: ModuleFacts
    version: str | None
    packages: tuple[str, ...]  # the graph's packages it is about
    # False when its dlopen is compiled out under these tags (dlopen_when_file not compiled).
    dlopen_active: bool

    @property
    def label(self) -> str:
        return self.facts.module + (f"@{self.version}" if self.version else "")


@dataclass(frozen=True)
class Closure:
    """The main package and every package it imports, directly or not."""

    main: GoPackage
    packages: tuple[GoPackage, ...]

    @property
    def cgo_packages(self) -> tuple[GoPackage, ...]:
        return tuple(p for p in self.packages if p.cgo_files and not p.standard)

    def errors(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for p in self.packages for e in p.errors))

    def cached_modules(self) -> tuple[str, ...]:
        """The module versions whose module-cache trees its build reads."""
        return cached_modules(self.packages)

    def input_globs(self, layout: ModuleLayout) -> tuple[str, ...]:
        """Exactly the repo files `go build` of this main package reads."""
        return input_globs(self.packages, layout)

    def facts(
        self, sources: Mapping[str, bytes], table: tuple[ModuleFacts, ...] = ()
    ) -> GraphFacts:
        """Graph facts; `sources` maps the cgo packages' files to their contents, `table` is
        the knowledge table (`go_static.core.gograph.knowledge`)."""
        cgo = self.cgo_packages
        known = self.known_modules(table)
        hints = tuple(
            (pkg, tag, f"it compiles out what calls dlopen: {k.facts.dlopen}")
            for k in known
            if k.dlopen_active
            for pkg in k.packages
            for tag in k.facts.dlopen_fix_tags
        )
        scanned = tuple(
            p.import_path
            for p in cgo
            if any(calls_dlopen(f, sources.get(f, b"")) for f in (*p.cgo_files, *p.c_files))
        )
        loaders = tuple(pkg for k in known if k.dlopen_active for pkg in k.packages)
        return GraphFacts(
            main_package=self.main.import_path,
            cgo_packages=tuple(p.import_path for p in cgo),
            dlopen_packages=tuple(dict.fromkeys((*scanned, *loaders))),
            dlopen_hints=hints,
            resolver_packages=tuple(
                name
                for name in RESOLVER_PACKAGES
                if any(p.import_path == name for p in self.packages)
            ),
            known=known,
        )

    def known_modules(self, table: tuple[ModuleFacts, ...]) -> tuple[KnownModule, ...]:
        """The table entries this closure uses: by module path (std: by import path prefix)."""
        found = []
        for entry in table:
            matched = [
                p
                for p in self.packages
                if _owned_by(p, entry.module)
                and entry.applies_to(p.import_path)
                and version_matches(p.module_version, entry.versions)
            ]
            if not matched:
                continue
            active = bool(entry.dlopen) and (
                not entry.dlopen_when_file
                or any(entry.dlopen_when_file in p.go_file_names for p in matched)
            )
            found.append(
                KnownModule(
                    facts=entry,
                    version=matched[0].module_version,
                    packages=tuple(p.import_path for p in matched),
                    dlopen_active=active,
                )
            )
        return tuple(found)


def _owned_by(package: GoPackage, module: str) -> bool:
    if package.standard:
        return package.import_path == module or package.import_path.startswith(module + "/")
    return package.module_path == module


def calls_dlopen(path: str, content: bytes) -> bool:
    """Does this cgo file (its preamble, or `C.dlopen(` in its Go) or C file call dlopen?"""
    if path.endswith(".go"):
        if _GO_DLOPEN_CALL.search(_C_COMMENT.sub(b"", content)):
            return True
        content = b"\n".join(_CGO_PREAMBLE.findall(content))
        # The preamble is itself a comment: unwrap it before stripping C comments inside it.
        content = re.sub(rb"^\s*/\*|\*/\s*$|^\s*//", b"", content, flags=re.M)
    return bool(_DLOPEN_CALL.search(_C_COMMENT.sub(b"", content)))


def cgo_source_files(closure: Closure) -> tuple[str, ...]:
    """Files to scan for dlopen: the cgo and C sources of cgo packages in the repo."""
    return tuple(
        f for p in closure.cgo_packages if p.dir is not None for f in (*p.cgo_files, *p.c_files)
    )


def input_globs(packages: Iterable[GoPackage], layout: ModuleLayout) -> tuple[str, ...]:
    """The repo files `go build` of these packages reads: theirs, the manifests that define the
    module graph (every go.mod and go.sum of the module, its workspace and its local
    replacements, go.work, go.work.sum, vendor/modules.txt), and with cgo every header and
    archive in those modules (cgo may `#include` them by relative path)."""
    packages = tuple(packages)
    files = [f for p in packages for f in p.files]
    files.extend(layout.manifest_files)
    if any(p.cgo_files and not p.standard for p in packages):
        files.extend(posixpath.join(d, g) for d in layout.module_dirs for g in CGO_SIDE_FILE_GLOBS)
    return tuple(dict.fromkeys(files))
