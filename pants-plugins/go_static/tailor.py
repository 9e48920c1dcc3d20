"""`pants tailor`: propose a go_static_binary for each `package main` directory without a target."""

from __future__ import annotations

import posixpath
import re

from pants.base.specs import DirLiteralSpec, RawSpecs
from pants.core.goals.tailor import PutativeTarget, PutativeTargets, PutativeTargetsRequest
from pants.engine.fs import DigestContents, PathGlobs, Paths
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import AllUnexpandedTargets, RegisteredTargetTypes, UnexpandedTargets
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.module import ancestors
from go_static.subsystem import GoStaticSubsystem
from go_static.target_types import GoStaticBinaryTarget, GoStaticMainField

_PACKAGE_MAIN = re.compile(rb"^package main\s*(//.*)?$", re.M)
# `//go:build ignore` (or `// +build ignore`): a generator run with `go run`, not a binary.
_IGNORED = re.compile(rb"^//\s*(?:go:build|\+build)\s+ignore\s*$", re.M)


class PutativeGoStaticTargetsRequest(PutativeTargetsRequest):
    pass


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
