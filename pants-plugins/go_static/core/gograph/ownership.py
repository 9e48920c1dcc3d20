"""Which targets should own the repo files Go builds read: the proposals `pants tailor` makes.

Pants-free. A file is owned by a `go_static_sources` target in its own directory; go.mod, go.sum
and vendor/ by the module's `go_static_mod`; go.work and go.work.sum (and a workspace's vendor/,
`go work vendor`, when no module owns it) by a `go_static_workspace` beside them. With Pants' Go
backend enabled, its tailor
proposes `go_package` (the `.go` files) and `go_mod` (go.mod, go.sum), so these proposals leave
those files to it: nothing is owned twice.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Iterable

from go_static.core.gograph.workspace import GO_WORK, GO_WORK_SUM
from go_static.core.names import DEFAULT_PGO

# Every file `go build` may read from a package directory (go list's GoFiles, CgoFiles, CFiles,
# CXXFiles, MFiles, HFiles, FFiles, SFiles, SwigFiles, SysoFiles, and cgo's side headers and
# archives), never tests.
GO_BUILD_SOURCES = (
    *("*.go", "!*_test.go", "*.c", "*.cc", "*.cpp", "*.cxx", "*.m", "*.h", "*.hh", "*.hpp"),
    *("*.hxx", "*.inc", "*.s", "*.S", "*.sx", "*.f", "*.F", "*.for", "*.f90", "*.syso"),
    *("*.swig", "*.swigcxx", "*.a"),
    # The profile `go build -pgo=auto` reads beside a main package.
    DEFAULT_PGO,
)
MOD_SOURCES = ("go.mod", "go.sum", "vendor/**")
WORKSPACE_SOURCES = (GO_WORK, GO_WORK_SUM)
SOURCES_TARGET, MOD_TARGET, WORKSPACE_TARGET = (
    "go_static_sources",
    "go_static_mod",
    "go_static_workspace",
)
SOURCES_NAME, MOD_NAME, WORKSPACE_NAME = "sources", "mod", "workspace"
# What Pants' Go backend's targets own by default: go_package `*.go`, go_mod go.mod and go.sum.
GO_BACKEND_PACKAGE_SOURCES, GO_BACKEND_MOD_SOURCES = ("*.go",), ("go.mod", "go.sum")


@dataclass(frozen=True)
class Proposal:
    """A target to add: where, which kind, and its sources (None for the kind's default)."""

    directory: str
    alias: str
    name: str
    files: tuple[str, ...]  # the unowned files that call for it
    sources: tuple[str, ...] | None = None


def matching_glob(name: str, globs: Iterable[str]) -> str | None:
    """The first positive glob matching a file name, unless a `!` glob excludes the name."""
    globs = tuple(globs)
    if any(g.startswith("!") and fnmatchcase(name, g[1:]) for g in globs):
        return None
    return next((g for g in globs if not g.startswith("!") and fnmatchcase(name, g)), None)


def proposals(
    unowned: Iterable[str],
    module_roots: Iterable[str],
    go_backend: bool = False,
    workspace_dirs: Iterable[str] = (),
) -> list[Proposal]:
    """The go_static_sources, go_static_mod and go_static_workspace targets that would own
    `unowned`; `workspace_dirs` are the directories holding a go.work."""
    roots = sorted(module_roots, key=len, reverse=True)  # the nearest module wins
    workspaces = set(workspace_dirs)
    mod_files: dict[str, list[str]] = {}
    work_files: dict[str, list[str]] = {}
    dir_files: dict[str, list[str]] = {}
    for path in sorted(unowned):
        directory, name = posixpath.split(path)
        root = next((r for r in roots if _is_module_file(path, r)), None)
        workspace = next((w for w in workspaces if _is_workspace_file(path, w)), None)
        if directory in workspaces and name in WORKSPACE_SOURCES:
            work_files.setdefault(directory, []).append(name)
        elif root is not None:
            mod_files.setdefault(root, []).append(_relative(path, root))
        elif workspace is not None:  # `go work vendor` beside a go.work that no module owns
            work_files.setdefault(workspace, []).append(_relative(path, workspace))
        else:
            dir_files.setdefault(directory, []).append(name)
    found = []
    for directory, rels in sorted(work_files.items()):
        vendored = any(r.startswith("vendor/") for r in rels)
        sources = (*WORKSPACE_SOURCES, "vendor/**") if vendored else None
        found.append(
            Proposal(directory, WORKSPACE_TARGET, WORKSPACE_NAME, _join(directory, rels), sources)
        )
    for root, rels in sorted(mod_files.items()):
        left_to_go = GO_BACKEND_MOD_SOURCES if go_backend else ()
        rels = [r for r in rels if r not in left_to_go]
        if rels:
            globs = {"vendor/**" if r.startswith("vendor/") else r for r in rels}
            sources = None if not go_backend else tuple(sorted(globs))
            found.append(Proposal(root, MOD_TARGET, MOD_NAME, _join(root, rels), sources))
    for directory, names in sorted(dir_files.items()):
        if go_backend:
            names = [n for n in names if not matching_glob(n, GO_BACKEND_PACKAGE_SOURCES)]
        if not names:
            continue
        globs = [matching_glob(n, GO_BUILD_SOURCES) or n for n in names]
        extras = sorted({g for g in globs if g not in GO_BUILD_SOURCES})
        if go_backend:  # only what go_package leaves: these kinds of file, and the extras
            sources: tuple[str, ...] | None = tuple(sorted(set(globs)))
        elif extras and all(g in extras for g in globs):  # only embedded files here
            sources = tuple(extras)
        else:  # the default, plus embedded files, so new sources of any kind are owned too
            sources = (*GO_BUILD_SOURCES, *extras) if extras else None
        found.append(
            Proposal(directory, SOURCES_TARGET, SOURCES_NAME, _join(directory, names), sources)
        )
    return found


def _is_workspace_file(path: str, directory: str) -> bool:
    rel = _relative(path, directory)
    return rel is not None and (rel in WORKSPACE_SOURCES or rel.startswith("vendor/"))


def _is_module_file(path: str, root: str) -> bool:
    rel = _relative(path, root)
    return rel is not None and (rel in ("go.mod", "go.sum") or rel.startswith("vendor/"))


def _relative(path: str, root: str) -> str | None:
    if not root:
        return path
    return path[len(root) + 1 :] if path.startswith(root + "/") else None


def _join(directory: str, names: Iterable[str]) -> tuple[str, ...]:
    return tuple(posixpath.join(directory, n) for n in names)
