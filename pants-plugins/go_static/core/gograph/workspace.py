"""Which files and directories one Go module's builds read: its go.mod, the go.work that `go build`
would use, and every module either of them ties in. Pants-free.

`go build` looks for a go.work in the directory it runs in and above (GOWORK=auto). When it finds
one, every module the go.work `use`s is a main module: a package of one imports another's with no
`require` or `replace`, and the `replace` lines of go.work and of each used go.mod all apply. So
a build of one module reads all of them. Each directory named by a repo file is checked here
before it becomes a path the build reads.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from go_static.core.errors import Problem
from go_static.core.gograph import modfile
from go_static.core.gograph.modfile import ModfileError

GO_WORK, GO_WORK_SUM = "go.work", "go.work.sum"
VENDOR_MODULES = "vendor/modules.txt"
MODULE_MANIFESTS = ("go.mod", "go.sum")


def _join(directory: str, name: str) -> str:
    return posixpath.join(directory, name) if directory else name


@dataclass(frozen=True)
class Workspace:
    """A go.work file and the repo directories of the modules it `use`s."""

    go_work: str  # its repo path
    uses: tuple[str, ...]
    replacements: tuple[str, ...] = ()  # directories its own `replace` lines name

    @property
    def dir(self) -> str:
        return posixpath.dirname(self.go_work)


@dataclass(frozen=True)
class ModuleLayout:
    """One module's build context: where `go` runs, every module directory the build reads, the
    go.work it uses (if any) and where vendor/ is looked for."""

    root: str
    path: str  # the module path its go.mod declares
    workspace: Workspace | None = None
    # Directories of modules replaced by a local directory (the go.mod's, and with a workspace,
    # go.work's and every used go.mod's), minus the module dirs themselves.
    replacements: tuple[str, ...] = ()
    vendored: bool = False
    # Directories of the workspace's modules other than `root`.
    workspace_modules: tuple[str, ...] = field(default=())

    @property
    def module_dirs(self) -> tuple[str, ...]:
        """Every repo directory the build may read packages from, `root` first."""
        return tuple(dict.fromkeys((self.root, *self.workspace_modules, *self.replacements)))

    @property
    def vendor_dir(self) -> str:
        return vendor_dir(self.root, self.workspace)

    @property
    def manifest_files(self) -> tuple[str, ...]:
        """The files `go` reads to load the module graph, before any package: each module's
        go.mod and go.sum, the go.work and go.work.sum, and vendor/modules.txt."""
        files = [_join(d, f) for d in self.module_dirs for f in MODULE_MANIFESTS]
        if self.workspace:
            files += [self.workspace.go_work, _join(self.workspace.dir, GO_WORK_SUM)]
        files.append(_join(self.vendor_dir, VENDOR_MODULES))
        return tuple(dict.fromkeys(files))


def vendor_dir(root: str, workspace: Workspace | None) -> str:
    """Where vendor/ counts: beside go.work (`go work vendor`), else in the module."""
    return workspace.dir if workspace else root


def _outside(kind: str, file: str, target: str, line: int, fix: str) -> Problem:
    return Problem(
        f"{file}:{line} {kind} {target}, which is outside the build root.",
        "Pants reads only files inside the build root, so builds couldn't see that module, and "
        "no edit there would select a binary.",
        fix,
    )


def replacement_dirs(file: str, text: str) -> tuple[tuple[str, ...], list[Problem]]:
    """The repo directories a go.mod's or go.work's local `replace` lines name, and a problem for
    each that leaves the build root (or the file that can't be read)."""
    base = posixpath.dirname(file)
    try:
        targets = modfile.local_replacements(text)
    except ModfileError as e:
        return (), [_unreadable(file, e)]
    dirs, problems = [], []
    for target in targets:
        path = modfile.repo_path(base, target)
        if path is None:
            problems.append(
                Problem(
                    f"{file} replaces a module with {target}, which is outside the build root, "
                    "so builds can't see it.",
                    "Pants reads only files inside the build root.",
                    "move that module into the repo, or replace with a version.",
                )
            )
        else:
            dirs.append(path)
    return tuple(dirs), problems


def _unreadable(file: str, error: Exception) -> Problem:
    return Problem(
        f"{file} can't be read as Go reads it: {error}.",
        "go would refuse it too, so nothing in this module can build.",
        f"fix the syntax (`go mod edit -fmt` or `go work edit -fmt` rewrites {file} cleanly).",
    )


def parse_workspace(go_work: str, text: str) -> tuple[Workspace | None, list[Problem]]:
    """A go.work's `use` and `replace` directories, and every problem with them."""
    try:
        used = modfile.uses(text)
    except ModfileError as e:
        return None, [_unreadable(go_work, e)]
    base = posixpath.dirname(go_work)
    dirs, problems = [], []
    for directive in used:
        path = modfile.repo_path(base, directive.args[0])
        if path is None:
            problems.append(
                _outside(
                    "uses",
                    go_work,
                    directive.args[0],
                    directive.line,
                    "move that module into the repo, or drop its `use` line "
                    "(`go work edit -dropuse`).",
                )
            )
        else:
            dirs.append(path)
    replaced, more = replacement_dirs(go_work, text)
    return Workspace(go_work, tuple(dict.fromkeys(dirs)), replaced), problems + more


def workspace_problems(
    workspace: Workspace, module_root: str, have_go_mod: Iterable[str]
) -> list[Problem]:
    """What makes `go build` in `module_root` fail under this workspace, found up front: a used
    directory with no go.mod, or a module the workspace doesn't use."""
    have = set(have_go_mod)
    problems = [
        Problem(
            f"{workspace.go_work} uses {d or '.'}/, which has no go.mod.",
            "go refuses a workspace whose modules can't be loaded, so no module in it builds.",
            f"create the module there (`go mod init`), or drop the line: "
            f"`go work edit -dropuse=./{posixpath.relpath(d or '.', workspace.dir or '.')}`.",
        )
        for d in workspace.uses
        if d not in have
    ]
    if module_root not in workspace.uses:
        rel = posixpath.relpath(module_root or ".", workspace.dir or ".")
        problems.append(
            Problem(
                f"the module in {module_root or '.'}/ is under {workspace.go_work}, which doesn't "
                "use it.",
                "`go build` in that module finds the go.work above it and refuses to build a "
                "module the workspace doesn't list.",
                f"add it to the workspace (`go work use ./{rel}` in {workspace.dir or '.'}/), or "
                'build every module on its own with [go-static].workspace = "off".',
            )
        )
    return problems


def layout_for(
    root: str,
    go_mods: Mapping[str, str],
    workspace: Workspace | None,
    vendored: bool,
) -> tuple[ModuleLayout, list[Problem]]:
    """The layout of the module at `root`; `go_mods` maps module dirs to their go.mod text (the
    module's own, and with a workspace every used one)."""
    problems: list[Problem] = []
    try:
        path = modfile.module_path(go_mods.get(root, "")) or ""
    except ModfileError as e:
        return ModuleLayout(root, ""), [_unreadable(_join(root, "go.mod"), e)]
    modules = workspace.uses if workspace else (root,)
    replaced: list[str] = list(workspace.replacements) if workspace else []
    for d in modules:
        dirs, found = replacement_dirs(_join(d, "go.mod"), go_mods.get(d, ""))
        replaced += dirs
        problems += found
    others = tuple(d for d in modules if d != root)
    layout = ModuleLayout(
        root=root,
        path=path,
        workspace=workspace,
        replacements=tuple(d for d in dict.fromkeys(replaced) if d not in (root, *others)),
        vendored=vendored,
        workspace_modules=others,
    )
    return layout, problems
