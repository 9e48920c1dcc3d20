"""`pants tailor`: a go_static_binary for each `package main` directory without a target, and
go_static_sources / go_static_mod targets for every file Go builds read that no target owns."""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass

from pants.base.specs import DirLiteralSpec, RawSpecs
from pants.core.goals.tailor import PutativeTarget, PutativeTargets, PutativeTargetsRequest
from pants.engine.fs import DigestContents, DigestSubset, PathGlobs, Paths, Snapshot
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import AllUnexpandedTargets, RegisteredTargetTypes, UnexpandedTargets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError
from go_static.core.gograph import modfile
from go_static.core.gograph.graph import input_globs
from go_static.core.gograph.mainpkg import command_name
from go_static.core.gograph.modfile import ModfileError, import_path_problem
from go_static.core.gograph.ownership import proposals
from go_static.core.gograph.repo_dirs import ancestors, main_package_dirs
from go_static.core.gograph.workspace import GO_WORK
from go_static.core.mode.toolchains import GoSdk
from go_static.core.names import PURE_GO_RESOLVER_TAGS
from go_static.rules.dependencies import InputOwners, InputOwnersRequest
from go_static.rules.module import GoListRequest, GoModule, GoModuleRoot, GoPackageGraph
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.target_types.binary import GoStaticBinaryTarget, GoStaticMainField
from go_static.target_types.sources import (
    GoStaticModTarget,
    GoStaticSourcesTarget,
    GoStaticWorkspaceTarget,
)

logger = logging.getLogger(__name__)


class PutativeGoStaticTargetsRequest(PutativeTargetsRequest):
    pass


@rule(level=LogLevel.DEBUG, desc="Find Go main packages without a go_static_binary")
async def find_putative_go_static_targets(
    request: PutativeGoStaticTargetsRequest,
    subsystem: GoStaticSubsystem,
    registered: RegisteredTargetTypes,
    all_targets: AllUnexpandedTargets,
) -> PutativeTargets:
    # With Pants' own Go backend on, its go_binary tailoring claims these directories.
    if not subsystem.tailor or "go_binary" in registered.aliases:
        return PutativeTargets()
    contents = await Get(DigestContents, PathGlobs, request.path_globs("*.go"))
    candidates = main_package_dirs({fc.path: fc.content for fc in contents})
    if not candidates:
        return PutativeTargets()
    go_mods = await Get(
        Paths,
        PathGlobs(sorted({posixpath.join(a, "go.mod") for d in candidates for a in ancestors(d)})),
    )
    mod_dirs = {posixpath.dirname(p) for p in go_mods.files}
    in_module = {d: files for d, files in candidates.items() if mod_dirs & set(ancestors(d))}
    existing = await Get(
        UnexpandedTargets,
        RawSpecs(
            dir_literals=tuple(DirLiteralSpec(d) for d in in_module),
            description_of_origin="the go_static_binary tailor rule",
        ),
    )
    # A directory's ownership targets (tailored alongside) don't claim its main package.
    owners = (GoStaticSourcesTarget.alias, GoStaticModTarget.alias, GoStaticWorkspaceTarget.alias)
    taken = {t.address.spec_path for t in existing if t.alias not in owners}
    taken |= {t[GoStaticMainField].spec.dir for t in all_targets if t.has_field(GoStaticMainField)}
    return PutativeTargets(
        PutativeTarget.for_target_type(
            GoStaticBinaryTarget, path=d, name=None, triggering_sources=()
        )
        for d, files in sorted(in_module.items())
        if d not in taken
    )


class PutativeGoStaticToolsRequest(PutativeTargetsRequest):
    pass


@rule(level=LogLevel.DEBUG, desc="Find go.mod tool lines without a go_static_binary")
async def find_putative_go_static_tools(
    request: PutativeGoStaticToolsRequest,
    subsystem: GoStaticSubsystem,
    all_targets: AllUnexpandedTargets,
) -> PutativeTargets:
    if not subsystem.tailor or not subsystem.tailor_tools:
        return PutativeTargets()
    contents = await Get(DigestContents, PathGlobs, request.path_globs("go.mod"))
    taken = {
        t[GoStaticMainField].spec.import_path for t in all_targets if t.has_field(GoStaticMainField)
    }
    found = []
    for fc in contents:
        try:
            tools = modfile.tools(fc.content.decode(errors="replace"))
        except ModfileError as e:
            logger.warning(f"Not tailoring the tools of {fc.path}: {e}")
            continue
        found += [
            PutativeTarget.for_target_type(
                GoStaticBinaryTarget,
                path=posixpath.dirname(fc.path),
                name=command_name(tool),
                triggering_sources=(),
                kwargs={"main": tool},
            )
            for tool in tools
            if tool not in taken and import_path_problem(tool) is None
        ]
    return PutativeTargets(found)


class PutativeGoStaticSourcesRequest(PutativeTargetsRequest):
    pass


@dataclass(frozen=True)
class ModuleInputsRequest:
    """The repo files any build of one module's packages may read."""

    root: str


@dataclass(frozen=True)
class ModuleInputs:
    """Those files (none when the module's packages can't be listed)."""

    files: tuple[str, ...]


@rule(desc="List the files a Go module's builds read", level=LogLevel.DEBUG)
async def module_inputs(request: ModuleInputsRequest, sdk: GoSdk) -> ModuleInputs:
    module = await Get(GoModule, GoModuleRoot(request.root))
    try:
        graph = await Get(
            GoPackageGraph, GoListRequest(module, PURE_GO_RESOLVER_TAGS, sdk.goos, sdk.goarch)
        )
    except GoStaticError as e:
        # Tailoring the rest of the repo is still worth it; the build will report this module.
        logger.warning(f"Not tailoring Go sources in {request.root or '.'}: {e}")
        return ModuleInputs(())
    in_repo = [p for p in graph.packages.values() if p.dir is not None]
    globs = input_globs(in_repo, module.layout)
    snapshot = await Get(Snapshot, DigestSubset(module.digest, PathGlobs(globs)))
    return ModuleInputs(snapshot.files)


@rule(level=LogLevel.DEBUG, desc="Find Go build inputs without an owning target")
async def find_putative_go_static_sources(
    request: PutativeGoStaticSourcesRequest,
    subsystem: GoStaticSubsystem,
    registered: RegisteredTargetTypes,
) -> PutativeTargets:
    if not subsystem.tailor:
        return PutativeTargets()
    go_mods, go_works = await MultiGet(
        Get(Paths, PathGlobs, request.path_globs("go.mod")),
        Get(Paths, PathGlobs, request.path_globs(GO_WORK)),
    )
    roots = sorted(posixpath.dirname(p) for p in go_mods.files)
    per_module = await MultiGet(Get(ModuleInputs, ModuleInputsRequest(r)) for r in roots)
    requested = set(request.dirs)
    files = tuple(
        sorted({f for m in per_module for f in m.files if posixpath.dirname(f) in requested})
    )
    found = await Get(InputOwners, InputOwnersRequest(files))
    by_alias = {
        t.alias: t for t in (GoStaticSourcesTarget, GoStaticModTarget, GoStaticWorkspaceTarget)
    }
    return PutativeTargets(
        PutativeTarget.for_target_type(
            by_alias[p.alias],
            path=p.directory,
            name=p.name,
            triggering_sources=p.files,
            kwargs={"sources": p.sources} if p.sources is not None else None,
        )
        for p in proposals(
            found.unowned,
            roots,
            go_backend="go_package" in registered.aliases,
            workspace_dirs=[posixpath.dirname(p) for p in go_works.files],
        )
    )


def rules():
    return (
        *collect_rules(),
        UnionRule(PutativeTargetsRequest, PutativeGoStaticTargetsRequest),
        UnionRule(PutativeTargetsRequest, PutativeGoStaticSourcesRequest),
        UnionRule(PutativeTargetsRequest, PutativeGoStaticToolsRequest),
    )
