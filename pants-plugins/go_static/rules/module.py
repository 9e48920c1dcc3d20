"""Go modules in the repo, and their package graphs from one `go list -deps` per (module, tags)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pants.engine.fs import Digest, DigestContents, PathGlobs, Paths, Snapshot
from pants.engine.internals.build_files import BuildFileOptions
from pants.engine.process import FallibleProcessResult, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.gograph.goenv import GoEnv
from go_static.core.gograph.golist import ALL_PACKAGES, go_list_argv, parse_go_list
from go_static.core.gograph.gomod import diagnose, explain_toolchain_mismatch
from go_static.core.gograph.graph import GoPackage
from go_static.core.gograph.repo_dirs import ancestors
from go_static.core.gograph.workspace import (
    GO_WORK,
    VENDOR_MODULES,
    ModuleLayout,
    layout_for,
    parse_workspace,
    vendor_dir,
    workspace_problems,
)
from go_static.rules.process import GoStaticProcess
from go_static.subsystems.go_static import GoStaticSubsystem, WorkspaceMode


class GoModuleError(GoStaticError):
    """The Go module around a target is missing or broken."""

    code = "module"


@dataclass(frozen=True)
class GoModuleRootRequest:
    """Find the nearest go.mod at or above a main package's directory."""

    package_dir: str
    address: str


@dataclass(frozen=True)
class GoModuleRoot:
    """The directory holding a go.mod, relative to the build root ('' for the root)."""

    path: str


@dataclass(frozen=True)
class GoModule:
    """A Go module's build context (its layout) and a snapshot of every file it may read: its
    own, those of the modules its workspace and local replacements tie in, and the manifests;
    nested modules and BUILD files left out."""

    layout: ModuleLayout
    digest: Digest

    @property
    def root(self) -> str:
        return self.layout.root

    @property
    def vendored(self) -> bool:
        return self.layout.vendored

    @property
    def go_mod(self) -> str:
        return posixpath.join(self.root, "go.mod")

    @property
    def go_work(self) -> str | None:
        """The go.work `go` runs with (GOWORK), or None for GOWORK=off."""
        return self.layout.workspace.go_work if self.layout.workspace else None

    @property
    def mod_flag(self) -> str:
        # readonly: go.sum is verified and never silently rewritten.
        return "-mod=vendor" if self.vendored else "-mod=readonly"


@dataclass(frozen=True)
class GoListRequest:
    """List a module's packages (or the given ones), with deps, under one tag set."""

    module: GoModule
    tags: tuple[str, ...]
    goos: str
    goarch: str
    # `./...`, or the import path of a main package from the build list.
    patterns: tuple[str, ...] = ALL_PACKAGES


@dataclass(frozen=True)
class GoPackageGraph:
    """`go list -e -deps ./...` of one module, keyed by import path."""

    module_root: str
    packages: FrozenDict[str, GoPackage]


def with_diagnosis(message: str, module: GoModule, go_env: GoEnv) -> str:
    """`message`, plus the fix when go.sum, a proxy or a private module is the cause."""
    fix = diagnose(message, module.root, go_env)
    return Problem(message, "", fix).render() if fix else message


@rule(desc="Find the go.mod of a go_static_binary", level=LogLevel.DEBUG)
async def find_module_root(request: GoModuleRootRequest) -> GoModuleRoot:
    candidates = [posixpath.join(d, "go.mod") for d in ancestors(request.package_dir)]
    found = await Get(Paths, PathGlobs(candidates))
    if not found.files:
        problem = Problem(
            f"no go.mod in {request.package_dir or '.'}/ or any directory above it.",
            "go builds a main package as part of a module, so the plugin reads go.mod to build it.",
            "run `go mod init <module path>` at your module root, or point `main` at a package "
            "inside a module.",
        )
        raise GoModuleError(render_problems(str(request.address), [problem]))
    return GoModuleRoot(posixpath.dirname(max(found.files, key=len)))


async def _read(paths: list[str]) -> dict[str, str]:
    contents = await Get(DigestContents, PathGlobs(paths))
    return {fc.path: fc.content.decode(errors="replace") for fc in contents}


@rule(desc="Snapshot a Go module", level=LogLevel.DEBUG)
async def snapshot_module(
    root: GoModuleRoot, build_files: BuildFileOptions, subsystem: GoStaticSubsystem
) -> GoModule:
    go_mod = posixpath.join(root.path, "go.mod")
    texts = await _read([go_mod])
    workspace, problems = None, []
    if subsystem.workspace == WorkspaceMode.auto:
        # As go finds it from the module root, GOWORK=auto: the nearest go.work at or above.
        found = await Get(Paths, PathGlobs([_under(d, GO_WORK) for d in ancestors(root.path)]))
        if found.files:
            go_work = max(found.files, key=len)
            workspace, problems = parse_workspace(go_work, (await _read([go_work]))[go_work])
    go_mods = {root.path: texts[go_mod]}
    if workspace:
        used = await _read([_under(d, "go.mod") for d in workspace.uses])
        go_mods.update({posixpath.dirname(p): text for p, text in used.items()})
        problems += workspace_problems(workspace, root.path, go_mods)
    has_vendor = await Get(
        Paths, PathGlobs([_under(vendor_dir(root.path, workspace), VENDOR_MODULES)])
    )
    layout, more = layout_for(root.path, go_mods, workspace, bool(has_vendor.files))
    problems += more
    if problems:
        raise GoModuleError(render_problems(workspace.go_work if workspace else go_mod, problems))
    # The module dirs are part of the build; other nested modules are not.
    dirs = layout.module_dirs
    nested = await Get(Paths, PathGlobs([_under(d, "*/**/go.mod") for d in dirs]))
    excluded = {posixpath.dirname(p) for p in nested.files} - set(dirs)
    # BUILD files are Pants', never Go's: left out, editing one (a new target, a label) doesn't
    # re-run `go list` or change any build's inputs.
    not_go = [f"!{_under(d, '**/' + p)}" for d in dirs for p in build_files.patterns]
    snapshot = await Get(
        Snapshot,
        PathGlobs(
            [
                *(_under(d, "**") for d in dirs),
                *layout.manifest_files,
                _under(layout.vendor_dir, "vendor/**"),
                *(f"!{d}/**" for d in sorted(excluded)),
                *not_go,
            ]
        ),
    )
    return GoModule(layout, snapshot.digest)


def _under(directory: str, glob: str) -> str:
    return posixpath.join(directory, glob) if directory else glob


@rule(desc="List Go packages", level=LogLevel.DEBUG)
async def list_packages(request: GoListRequest, go_env: GoEnv) -> GoPackageGraph:
    module = request.module
    result = await Get(
        FallibleProcessResult,
        GoStaticProcess(
            argv=go_list_argv(request.tags, module.mod_flag, request.patterns),
            description=f"go list -deps {' '.join(request.patterns)} in {module.root or '.'} "
            f"(tags: {','.join(request.tags) or 'none'})",
            module_root=module.root,
            input_digest=module.digest,
            go_work=module.go_work,
            # cgo on, so that cgo files are listed as such whatever the mode later picks.
            env=FrozenDict({"CGO_ENABLED": "1", "GOOS": request.goos, "GOARCH": request.goarch}),
            offline=module.vendored,
            # It downloads the modules the builds then read with GOPROXY=off, so it runs (from
            # the module cache, quickly) once per Pants restart, never from a remote cache.
            network=True,
            cache_scope=ProcessCacheScope.PER_RESTART_SUCCESSFUL,
        ),
    )
    stderr = result.stderr.decode(errors="replace")
    if result.exit_code != 0:
        explained = explain_toolchain_mismatch(stderr, module.go_mod)
        raise GoModuleError(
            explained
            or with_diagnosis(
                f"`go list` failed in module {module.root or '.'}:\n{stderr.strip()}",
                module,
                go_env,
            )
        )
    return GoPackageGraph(
        module_root=module.root,
        packages=FrozenDict(parse_go_list(result.stdout, module.root, module.layout.path)),
    )


def rules():
    return collect_rules()
