"""`pants tailor`: propose a go_static_binary for each `package main` directory without a target."""

from __future__ import annotations

import posixpath

from pants.base.specs import DirLiteralSpec, RawSpecs
from pants.core.goals.tailor import PutativeTarget, PutativeTargets, PutativeTargetsRequest
from pants.engine.fs import DigestContents, PathGlobs, Paths
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import AllUnexpandedTargets, RegisteredTargetTypes, UnexpandedTargets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.core.gograph.repo_dirs import ancestors, main_package_dirs
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.target_types import GoStaticBinaryTarget, GoStaticMainField


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
    taken = {t.address.spec_path for t in existing}
    taken |= {
        t[GoStaticMainField].package_dir for t in all_targets if t.has_field(GoStaticMainField)
    }
    return PutativeTargets(
        PutativeTarget.for_target_type(
            GoStaticBinaryTarget, path=d, name=None, triggering_sources=()
        )
        for d, files in sorted(in_module.items())
        if d not in taken
    )


def rules():
    return (*collect_rules(), UnionRule(PutativeTargetsRequest, PutativeGoStaticTargetsRequest))
