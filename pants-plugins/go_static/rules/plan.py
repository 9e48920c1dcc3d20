"""Rules: a go_static_binary's fields -> its resolved plan (mode, module, exact inputs).

Everything before the compile: the intent from the fields and `[go-static]`, its validation, one
`go list` per module, the graph facts, the frozen BuildMode, and the C compiler the mode names.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.base.specs import RawSpecs, RecursiveGlobSpec
from pants.core.goals.package import PackageFieldSet
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior
from pants.engine.fs import (
    Digest,
    DigestContents,
    DigestSubset,
    MergeDigests,
    PathGlobs,
    Snapshot,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.target import Targets
from pants.option.global_options import GlobMatchErrorBehavior
from pants.util.logging import LogLevel

from go_static.core.arches import ARCHES
from go_static.core.errors import GoStaticError
from go_static.core.gograph.goenv import GoEnv
from go_static.core.gograph.golist import ALL_PACKAGES, GoListError, closure_of
from go_static.core.gograph.graph import Closure, GoPackage, cached_modules, cgo_source_files
from go_static.core.gograph.knowledge import KnowledgeTable
from go_static.core.gograph.mainpkg import MainSpec
from go_static.core.mode.build_mode import BuildMode, resolve
from go_static.core.mode.derive import profile_candidates
from go_static.core.mode.fips import read_snapshots as read_fips_snapshots
from go_static.core.mode.intent import Intent, build_tags
from go_static.core.mode.stamp import StampValues, env_names, needs_git
from go_static.core.mode.toolchains import GoSdk
from go_static.core.mode.validate import validate_intent
from go_static.core.names import GLIBC
from go_static.rules.module import (
    GoListRequest,
    GoModule,
    GoModuleError,
    GoModuleRoot,
    GoModuleRootRequest,
    GoPackageGraph,
    with_diagnosis,
)
from go_static.rules.stamp import StampRequest
from go_static.rules.toolchain import CCompilerRequest
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.target_types.binary import (
    GoStaticAllowDlopenField,
    GoStaticBuildTagsField,
    GoStaticFipsField,
    GoStaticGoamd64Field,
    GoStaticGoarchField,
    GoStaticGoarm64Field,
    GoStaticLdflagsField,
    GoStaticLibcField,
    GoStaticMainField,
    GoStaticMaxSizeField,
    GoStaticOutputPathField,
    GoStaticPgoField,
    GoStaticResolverField,
    GoStaticStaticPieField,
    GoStaticTzdataField,
    GoStaticXDefsField,
)


class GoStaticPlanError(GoStaticError):
    """`go list` found the packages the target needs broken, or missing."""

    code = "module"


@dataclass(frozen=True)
class GoStaticBinaryFieldSet(PackageFieldSet, RunFieldSet):
    """A go_static_binary as `package`, `run` (go_static.goals.run) and `check` see it."""

    required_fields = (GoStaticMainField,)
    # The run only needs the built binary and its args, so it may be cached in a sandbox.
    run_in_sandbox_behavior = RunInSandboxBehavior.RUN_REQUEST_HERMETIC

    main: GoStaticMainField
    libc: GoStaticLibcField
    resolver: GoStaticResolverField
    allow_dlopen: GoStaticAllowDlopenField
    static_pie: GoStaticStaticPieField
    build_tags: GoStaticBuildTagsField
    ldflags: GoStaticLdflagsField
    x_defs: GoStaticXDefsField
    max_size: GoStaticMaxSizeField
    goarch: GoStaticGoarchField
    pgo: GoStaticPgoField
    output_path: GoStaticOutputPathField
    tzdata: GoStaticTzdataField
    fips: GoStaticFipsField
    goamd64: GoStaticGoamd64Field
    goarm64: GoStaticGoarm64Field


@dataclass(frozen=True)
class GoStaticPlanRequest:
    """Resolve one target's intent against its package graph."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class GoStaticPlan:
    """A target's resolved mode plus exactly the repo files its build reads."""

    mode: BuildMode
    module: GoModule
    main: MainSpec
    input_digest: Digest
    input_files: tuple[str, ...]  # what input_digest holds
    # The std and pure-Go module-cache packages the module's binaries use, for the shared prebuild.
    external_packages: tuple[str, ...]
    # The module versions those packages come from, for the prebuild's module cache.
    external_modules: tuple[str, ...]
    # The module versions whose module-cache trees this target's build reads.
    cached_modules: tuple[str, ...]
    output_path: str  # under dist/, with `{goarch}` filled in


def intent_for(
    field_set: GoStaticBinaryFieldSet, subsystem: GoStaticSubsystem, sdk: GoSdk
) -> Intent:
    return Intent(
        address=str(field_set.address),
        libc=field_set.libc.value,
        resolver=field_set.resolver.value,
        allow_dlopen=field_set.allow_dlopen.value,
        static_pie=field_set.static_pie.value,
        build_tags=tuple(field_set.build_tags.value or ()),
        ldflags=tuple(field_set.ldflags.value or ()),
        x_defs=tuple(sorted((field_set.x_defs.value or {}).items())),
        musl_cc=subsystem.musl_cc,
        glibc_cc=subsystem.glibc_cc,
        glibc_cross_cc=subsystem.glibc_cross_cc,
        goos=sdk.goos,
        goarch=field_set.goarch.value or sdk.goarch,
        host_goarch=sdk.goarch,
        goarch_declared=field_set.goarch.value is not None,
        pgo=field_set.pgo.setting,
        main_dir=field_set.main.spec.dir,
        output_path=field_set.output_path.value or "",
        goarch_parametrized="goarch" in field_set.address.parameters,
        tzdata=field_set.tzdata.value,
        fips=field_set.fips.value,
        fips_snapshots=read_fips_snapshots(sdk.goroot),
        goamd64=field_set.goamd64.value or "",
        goarm64=field_set.goarm64.value or "",
    )


def output_path_for(field_set: GoStaticBinaryFieldSet, goarch: str) -> str:
    """Where the binary goes under dist/ (validate() has refused colliding goarch variants)."""
    return field_set.output_path.value_or_default(file_ending=None).replace("{goarch}", goarch)


@dataclass(frozen=True)
class GoStaticInputsRequest:
    """Find exactly the repo files one target's build reads."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class GoStaticInputs:
    """The one list of repo files a target's build reads: its input digest and its inferred
    dependencies both come from here, so no input can escape the dependency graph."""

    intent: Intent
    module: GoModule
    graph: GoPackageGraph
    closure: Closure
    main: MainSpec
    snapshot: Snapshot
    # The PGO profiles among those the target may use that exist (GraphFacts.profiles).
    profiles: tuple[str, ...]


def list_request(module: GoModule, intent: Intent, main: MainSpec) -> GoListRequest:
    """The `go list` a target's closure comes from: its module's `./...`, or its import path."""
    patterns = (main.import_path,) if main.import_path is not None else ALL_PACKAGES
    return GoListRequest(module, build_tags(intent), intent.goos, intent.goarch, patterns)


async def module_for(search_dir: str, address: str) -> GoModule:
    """The module a target builds in, with any error about it naming the target."""
    root = await Get(GoModuleRoot, GoModuleRootRequest(search_dir, address))
    try:
        return await Get(GoModule, GoModuleRoot, root)
    except GoModuleError as e:
        raise GoModuleError(f"{address}: {e}") from None


@rule(desc="Find the files a go_static_binary reads", level=LogLevel.DEBUG)
async def find_go_static_inputs(
    request: GoStaticInputsRequest, subsystem: GoStaticSubsystem, sdk: GoSdk, go_env: GoEnv
) -> GoStaticInputs:
    field_set = request.field_set
    address = str(field_set.address)
    intent = intent_for(field_set, subsystem, sdk)
    validate_intent(intent)  # only what would make `go list` wrong; resolve() reports the rest
    main = field_set.main.spec
    module = await module_for(field_set.main.module_search_dir, address)
    graph = await Get(GoPackageGraph, GoListRequest, list_request(module, intent, main))
    try:
        closure = closure_of(graph.packages, main, address, module.go_mod)
    except GoListError as e:
        raise GoStaticPlanError(with_diagnosis(str(e), module, go_env)) from None
    candidates = profile_candidates(intent)
    globs = closure.input_globs(module.layout)
    snapshot, profiles = await MultiGet(
        Get(Snapshot, DigestSubset(module.digest, PathGlobs(globs))),
        Get(Snapshot, PathGlobs(candidates)),
    )
    if profiles.files:
        # A profile may live outside the module (a shared profiles/ dir).
        snapshot = await Get(Snapshot, MergeDigests([snapshot.digest, profiles.digest]))
    return GoStaticInputs(intent, module, graph, closure, main, snapshot, profiles.files)


@dataclass(frozen=True)
class SharedPackages:
    """The std and pure-Go third-party packages that a module's binaries (under one tag set and
    arch) import: what the shared prebuild compiles."""

    packages: tuple[str, ...]
    modules: tuple[str, ...]  # the module versions they come from


def external_packages(closure: Closure) -> list[GoPackage]:
    """The packages of a closure the prebuild may share: std, and pure-Go code from the module
    cache. A third-party cgo package (sqlite's, zstd's C) is left to the targets that use it, so
    a mode doesn't pay a minute of C for a package only one target imports."""
    return [p for p in closure.packages if p.dir is None and (p.standard or not p.cgo_files)]


@rule(desc="Find the packages a module's binaries share", level=LogLevel.DEBUG)
async def shared_packages(
    request: GoListRequest, subsystem: GoStaticSubsystem, sdk: GoSdk
) -> SharedPackages:
    # The union of the closures of every go_static_binary built from this graph, never the whole
    # graph: a module's `./...` can reach ten times the packages its binaries link. Only BUILD
    # files under the module are read, as its `go list` reads only the module.
    targets = await Get(
        Targets,
        RawSpecs(
            recursive_globs=(RecursiveGlobSpec(request.module.root),),
            description_of_origin="the go_static_binary targets of a Go module",
            unmatched_glob_behavior=GlobMatchErrorBehavior.ignore,
        ),
    )
    field_sets = [
        GoStaticBinaryFieldSet.create(t) for t in targets if GoStaticBinaryFieldSet.is_applicable(t)
    ]
    intents = [intent_for(fs, subsystem, sdk) for fs in field_sets]
    candidates = [
        (fs, intent)
        for fs, intent in zip(field_sets, intents)
        if (build_tags(intent), intent.goos, intent.goarch)
        == (request.tags, request.goos, request.goarch)
    ]
    # A command from a required module has its own `go list`; its build compiles what it needs.
    candidates = [(fs, i) for fs, i in candidates if fs.main.spec.dir is not None]
    roots = await MultiGet(
        Get(GoModuleRoot, GoModuleRootRequest(fs.main.module_search_dir, str(fs.address)))
        for fs, _ in candidates
    )
    graph = await Get(GoPackageGraph, GoListRequest, request)
    packages: dict[str, GoPackage] = {}
    for (fs, _), root in zip(candidates, roots):
        if root.path != request.module.root:
            continue
        try:
            closure = closure_of(graph.packages, fs.main.spec, "")
        except GoListError:
            continue  # that target's own build reports it
        packages.update((p.import_path, p) for p in external_packages(closure))
    return SharedPackages(tuple(sorted(packages)), cached_modules(packages.values()))


@rule(desc="Resolve go_static_binary mode", level=LogLevel.DEBUG)
async def plan_go_static_binary(
    request: GoStaticPlanRequest, knowledge: KnowledgeTable, subsystem: GoStaticSubsystem
) -> GoStaticPlan:
    inputs = await Get(GoStaticInputs, GoStaticInputsRequest(request.field_set))
    intent, module, closure = inputs.intent, inputs.module, inputs.closure
    if subsystem.stamp:
        x_defs = dict(intent.x_defs)
        values = await Get(
            StampValues,
            StampRequest(intent.address, env_names(x_defs), needs_git=needs_git(x_defs)),
        )
        intent = dataclasses.replace(intent, stamp=values)
    scanned = await Get(
        DigestContents, DigestSubset(module.digest, PathGlobs(cgo_source_files(closure)))
    )
    facts = closure.facts({fc.path: fc.content for fc in scanned}, knowledge.entries)
    facts = dataclasses.replace(facts, profiles=inputs.profiles)
    build_mode = resolve(intent, facts)
    # A command from a required module shares no prebuild: its packages are in no other closure.
    shared = (
        await Get(
            SharedPackages, GoListRequest(module, build_tags(intent), intent.goos, intent.goarch)
        )
        if inputs.main.dir is not None
        else SharedPackages((), ())
    )
    return GoStaticPlan(
        mode=build_mode,
        module=module,
        main=inputs.main,
        input_digest=inputs.snapshot.digest,
        input_files=inputs.snapshot.files,
        external_packages=shared.packages,
        external_modules=shared.modules,
        cached_modules=closure.cached_modules(),
        output_path=output_path_for(request.field_set, intent.goarch),
    )


def compiler_request(mode: BuildMode, host_goarch: str) -> CCompilerRequest | None:
    """The C compiler the mode names, and what its static link needs to find."""
    if not mode.c_compiler:
        return None
    if mode.libc != GLIBC:
        return CCompilerRequest(mode.c_compiler, mode.c_target, "[go-static].musl_cc")
    required = ("libc.a", "rcrt1.o") if mode.static_pie else ("libc.a",)
    if mode.goarch == host_goarch:
        return CCompilerRequest(
            mode.c_compiler, None, "[go-static].glibc_cc", required, "gcc and libc6-dev (Debian)"
        )
    packages = " and ".join(ARCHES[mode.goarch].debian_cross_packages)
    return CCompilerRequest(
        mode.c_compiler,
        None,
        "[go-static].glibc_cross_cc",
        required,
        f"Debian's {packages} (`apt-get install {packages.replace(' and ', ' ')}`)",
        f'set libc="musl": zig cross-compiles musl for {mode.goarch} with nothing to install',
    )


def rules():
    return collect_rules()
