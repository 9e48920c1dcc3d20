"""Dependency inference: a go_static_binary depends on the owner of every repo file it reads.

The files are `GoStaticInputs`, the same list the build's input digest is cut from, so an edit
to any input selects the binary under `--changed-since`, and `filedeps`, `dependents` and
`paths` see what the build sees. Owners are whatever targets own those files: go_static_sources,
go_static_mod and go_static_workspace, or Pants' Go backend's go_package and go_mod when it is
enabled. A target whose graph can't be read depends on its whole module instead, and a file no
target owns is a warning here and a failure of `pants check` (go_static.rules.outcome): neither
may stop the rest of the repo's selection.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass

from pants.engine.addresses import Address, Addresses
from pants.engine.fs import Digest, PathGlobs, Paths, Snapshot
from pants.engine.internals.graph import Owners, OwnersRequest
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    SourcesField,
    SourcesPaths,
    SourcesPathsRequest,
    Targets,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, Problem
from go_static.core.mode.intent import names
from go_static.rules.plan import (
    GoStaticBinaryFieldSet,
    GoStaticInputs,
    GoStaticInputsRequest,
    module_for,
)
from go_static.target_types.binary import GoStaticBinaryDependenciesField, GoStaticMainField

_SHOWN = 8
logger = logging.getLogger(__name__)


class GoStaticOwnershipError(GoStaticError):
    """A file a go_static_binary's build reads is owned by no target."""

    code = "unowned-input"


@dataclass(frozen=True)
class GoStaticBinaryInferenceFieldSet(FieldSet):
    """What dependency inference reads from a go_static_binary."""

    required_fields = (GoStaticMainField, GoStaticBinaryDependenciesField)

    main: GoStaticMainField
    dependencies: GoStaticBinaryDependenciesField


class InferGoStaticBinaryDependencies(InferDependenciesRequest):
    infer_from = GoStaticBinaryInferenceFieldSet


def unowned_problem(unowned: list[str]) -> Problem:
    """Why inputs without an owner break `--changed-since`, and how to give them one."""
    dirs = sorted({posixpath.dirname(f) or "." for f in unowned})
    return Problem(
        f"the build reads {len(unowned)} file(s) that no target owns: {names(unowned, _SHOWN)}.",
        "Pants selects targets by the files they own: an edit to one of these would not select "
        "this binary under --changed-since, so its static check would be skipped on exactly "
        "the change that needs it.",
        "run `pants tailor ::` (it adds go_static_sources, go_static_mod and "
        f"go_static_workspace targets in {names(dirs, _SHOWN)}), or add the files to the sources "
        "of an existing target.",
    )


@dataclass(frozen=True)
class InputOwnersRequest:
    """Find the targets that own these repo files."""

    files: tuple[str, ...]


@dataclass(frozen=True)
class InputOwners:
    """The owners of a set of files, and the files no target owns."""

    owners: tuple[Address, ...]
    unowned: tuple[str, ...]


@rule(desc="Find the owners of Go build inputs", level=LogLevel.DEBUG)
async def find_input_owners(request: InputOwnersRequest) -> InputOwners:
    owners = await Get(Owners, OwnersRequest(request.files))
    targets = await Get(Targets, Addresses(owners))
    owned_paths = await MultiGet(
        Get(SourcesPaths, SourcesPathsRequest(t[SourcesField]))
        for t in targets
        if t.has_field(SourcesField)
    )
    covered = {path for paths in owned_paths for path in paths.files}
    return InputOwners(tuple(sorted(owners)), tuple(f for f in request.files if f not in covered))


async def _module_files(field_set: GoStaticBinaryFieldSet) -> tuple[str, ...]:
    """Every file of the target's module (all of its directory when even the module can't be
    read): what a target whose graph can't be read depends on."""
    search_dir = field_set.main.module_search_dir
    try:
        module = await module_for(search_dir, str(field_set.address))
    except GoStaticError:
        found = await Get(Paths, PathGlobs([posixpath.join(search_dir, "**")]))
        return found.files
    snapshot = await Get(Snapshot, Digest, module.digest)
    return snapshot.files


@rule(desc="Infer go_static_binary dependencies from `go list`", level=LogLevel.DEBUG)
async def infer_go_static_binary_dependencies(
    request: InferGoStaticBinaryDependencies,
) -> InferredDependencies:
    # Never raise: `--changed-dependents` reads every target's dependencies, so one unreadable
    # target would stop the whole repo's selection. It is selected conservatively instead, and
    # its build (or `pants check`) reports the error.
    address = request.field_set.address
    wrapped = await Get(
        WrappedTarget, WrappedTargetRequest(address, description_of_origin="<infallible>")
    )
    field_set = GoStaticBinaryFieldSet.create(wrapped.target)
    readable = True
    try:
        inputs = await Get(GoStaticInputs, GoStaticInputsRequest(field_set))
        files = inputs.snapshot.files
    except GoStaticError as e:
        readable = False
        files = await _module_files(field_set)
        first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        logger.warning(
            f"{address}: its Go package graph can't be read, so it depends on every file of "
            f"its module: any edit there selects it under --changed-since, and building it "
            f"reports the error. It begins: {first_line}"
        )
    found = await Get(InputOwners, InputOwnersRequest(files))
    if found.unowned and readable:
        logger.warning(
            unowned_problem(list(found.unowned)).render(str(address))
            + "\n  (`pants check` fails this target until they have owners.)"
        )
    return InferredDependencies(a for a in found.owners if a != address)


def rules():
    return (
        *collect_rules(),
        UnionRule(InferDependenciesRequest, InferGoStaticBinaryDependencies),
    )
