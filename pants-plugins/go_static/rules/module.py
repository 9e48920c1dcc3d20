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

from go_static.core.errors import GoStaticError
from go_static.core.gograph.goenv import GoEnv
from go_static.core.gograph.golist import go_list_argv, parse_go_list
from go_static.core.gograph.gomod import diagnose, explain_toolchain_mismatch, local_replacements
from go_static.core.gograph.graph import GoPackage
from go_static.core.gograph.repo_dirs import ancestors
from go_static.rules.process import GoStaticProcess


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
    """A Go module's root and its files (plus modules it `replace`s locally), minus nested ones."""

    root: str
    digest: Digest
    vendored: bool
    replacements: tuple[str, ...] = ()

    @property
    def go_mod(self) -> str:
        return posixpath.join(self.root, "go.mod")

    @property
    def mod_flag(self) -> str:
        # readonly: go.sum is verified and never silently rewritten.
        return "-mod=vendor" if self.vendored else "-mod=readonly"


@dataclass(frozen=True)
class GoListRequest:
    """List every package of a module, with deps, under one tag set."""

    module: GoModule
    tags: tuple[str, ...]
    goos: str
    goarch: str


@dataclass(frozen=True)
class GoPackageGraph:
    """`go list -e -deps ./...` of one module, keyed by import path."""

    module_root: str
    packages: FrozenDict[str, GoPackage]


def with_diagnosis(message: str, module: GoModule, go_env: GoEnv) -> str:
    """`message`, plus a 'Fix:' line when it is a go.sum or module-proxy problem."""
    fix = diagnose(message, module.root, go_env.value("GOPROXY"), go_env.source("GOPROXY"))
    return f"{message}\n{fix}" if fix else message


@rule(desc="Find the go.mod of a go_static_binary", level=LogLevel.DEBUG)
async def find_module_root(request: GoModuleRootRequest) -> GoModuleRoot:
    candidates = [posixpath.join(d, "go.mod") for d in ancestors(request.package_dir)]
    found = await Get(Paths, PathGlobs(candidates))
    if not found.files:
        raise GoModuleError(
            f"{request.address}: no go.mod in {request.package_dir or '.'}/ or any directory above "
            "it.\n"
            "Fix: run `go mod init <module path>` at your module root, or point `main` at a "
            "package inside a module."
        )
    return GoModuleRoot(posixpath.dirname(max(found.files, key=len)))


@rule(desc="Snapshot a Go module", level=LogLevel.DEBUG)
async def snapshot_module(root: GoModuleRoot, build_files: BuildFileOptions) -> GoModule:
    go_mod = posixpath.join(root.path, "go.mod")
    contents = await Get(DigestContents, PathGlobs([go_mod]))
    replacements = []
    for target in local_replacements(contents[0].content.decode(errors="replace")):
        path = posixpath.normpath(posixpath.join(root.path, target))
        # An absolute path stays absolute through the join: it is outside the build root too.
        if path == ".." or path.startswith(("../", "/")):
            raise GoModuleError(
                f"{go_mod} replaces a module with {target}, which is outside the build root, so "
                "builds can't see it.\n"
                "Fix: move that module into the repo, or replace with a version."
            )
        replacements.append("" if path == "." else path)
    # Local replacements are part of the build; other nested modules are not.
    dirs = [root.path, *replacements]
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
                *(f"!{d}/**" for d in sorted(excluded)),
                *not_go,
            ]
        ),
    )
    return GoModule(
        root=root.path,
        digest=snapshot.digest,
        vendored=_under(root.path, "vendor/modules.txt") in snapshot.files,
        replacements=tuple(replacements),
    )


def _under(directory: str, glob: str) -> str:
    return posixpath.join(directory, glob) if directory else glob


@rule(desc="List Go packages", level=LogLevel.DEBUG)
async def list_packages(request: GoListRequest, go_env: GoEnv) -> GoPackageGraph:
    module = request.module
    result = await Get(
        FallibleProcessResult,
        GoStaticProcess(
            argv=go_list_argv(request.tags, module.mod_flag),
            description=f"go list -deps ./... in {module.root or '.'} "
            f"(tags: {','.join(request.tags) or 'none'})",
            module_root=module.root,
            input_digest=module.digest,
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
        packages=FrozenDict(parse_go_list(result.stdout, module.root)),
    )


def rules():
    return collect_rules()
