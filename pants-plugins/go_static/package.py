"""Rules: field set -> resolved plan -> `go build` -> packaged static binary."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.core.goals.run import RunFieldSet, RunInSandboxBehavior
from pants.engine.fs import (
    AddPrefix,
    Digest,
    DigestContents,
    DigestSubset,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
)
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.errors import GoStaticError
from go_static.goenv import GoEnv
from go_static.golist import GoListError, cgo_source_files, closure_of
from go_static.intent import Intent, build_tags
from go_static.libc import GLIBC
from go_static.mode import REPRODUCIBLE_FLAGS, BuildMode, resolve
from go_static.module import (
    GoListRequest,
    GoModule,
    GoModuleRoot,
    GoModuleRootRequest,
    GoPackageGraph,
    with_diagnosis,
)
from go_static.policy import Policy, PolicyError, intent_violations
from go_static.postlink import StaticCheckRequest, StaticCheckResult
from go_static.prebuild import GoPrebuild, GoPrebuildRequest
from go_static.process import GoStaticProcess, explain_toolchain_mismatch
from go_static.subsystem import GoStaticSubsystem
from go_static.target_types import (
    GoStaticAllowDlopenField,
    GoStaticBuildTagsField,
    GoStaticLdflagsField,
    GoStaticLibcField,
    GoStaticMainField,
    GoStaticMaxSizeField,
    GoStaticOutputPathField,
    GoStaticResolverField,
    GoStaticStaticPieField,
)
from go_static.toolchain import CCompiler, CCompilerRequest, GoSdk
from go_static.validate import validate_intent

_OUT_DIR = "__go_static_out"


class GoStaticBuildError(GoStaticError):
    """`go build` (or `go list`) failed for a go_static_binary."""

    code = "build"


@dataclass(frozen=True)
class GoStaticBinaryFieldSet(PackageFieldSet, RunFieldSet):
    """A go_static_binary as `package`, `run` (go_static.run) and `check` see it."""

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
    max_size: GoStaticMaxSizeField
    output_path: GoStaticOutputPathField


@dataclass(frozen=True)
class GoStaticPlanRequest:
    """Resolve one target's intent against its package graph."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class GoStaticPlan:
    """A target's resolved mode plus exactly the repo files its build reads."""

    mode: BuildMode
    module: GoModule
    main_dir: str
    input_digest: Digest
    # Every std and module-cache package the module's graph uses, for the shared prebuild.
    external_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class GoStaticBuildRequest:
    """Build a planned target into `output_path`."""

    plan: GoStaticPlan
    output_path: str


@dataclass(frozen=True)
class GoStaticBuild:
    """A linked binary at `output_path`, with the linker's messages."""

    digest: Digest
    output_path: str
    link_log: str


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
        musl_cc=subsystem.musl_cc,
        glibc_cc=subsystem.glibc_cc,
        goos=sdk.goos,
        goarch=sdk.goarch,
    )


@rule(desc="Resolve go_static_binary mode", level=LogLevel.DEBUG)
async def plan_go_static_binary(
    request: GoStaticPlanRequest, subsystem: GoStaticSubsystem, sdk: GoSdk, go_env: GoEnv
) -> GoStaticPlan:
    field_set = request.field_set
    address = str(field_set.address)
    intent = intent_for(field_set, subsystem, sdk)
    validate_intent(intent)  # before `go list`: contradictions in the fields need no graph
    tags = build_tags(intent)
    main_dir = field_set.main.package_dir
    root = await Get(GoModuleRoot, GoModuleRootRequest(main_dir, address))
    module = await Get(GoModule, GoModuleRoot, root)
    graph = await Get(GoPackageGraph, GoListRequest(module, tags, intent.goos, intent.goarch))
    try:
        closure = closure_of(graph.packages, main_dir, address)
    except GoListError as e:
        raise GoStaticBuildError(with_diagnosis(str(e), module, go_env)) from None
    scanned = await Get(
        DigestContents, DigestSubset(module.digest, PathGlobs(cgo_source_files(closure)))
    )
    facts = closure.facts({fc.path: fc.content for fc in scanned})
    build_mode = resolve(intent, facts)
    input_digest = await Get(
        Digest,
        DigestSubset(
            module.digest, PathGlobs(closure.input_globs(module.root, module.replacements))
        ),
    )
    external = tuple(sorted(p.import_path for p in graph.packages.values() if p.dir is None))
    return GoStaticPlan(
        mode=build_mode,
        module=module,
        main_dir=main_dir,
        input_digest=input_digest,
        external_packages=external,
    )


def compiler_request(build_mode: BuildMode) -> CCompilerRequest | None:
    if not build_mode.c_compiler:
        return None
    option = "[go-static].glibc_cc" if build_mode.libc == GLIBC else "[go-static].musl_cc"
    return CCompilerRequest(build_mode.c_compiler, build_mode.c_target, option)


def go_build_argv(plan: GoStaticPlan, out_file: str) -> tuple[str, ...]:
    """`go build` arguments, run in the module root; `out_file` is relative to the sandbox."""
    relative_main = posixpath.relpath(plan.main_dir or ".", plan.module.root or ".")
    return (
        "build",
        *REPRODUCIBLE_FLAGS,
        plan.module.mod_flag,
        *plan.mode.go_build_flags(),
        "-o",
        posixpath.relpath(out_file, plan.module.root or "."),
        "./" + relative_main if relative_main != "." else ".",
    )


@rule(desc="Build go_static_binary", level=LogLevel.DEBUG)
async def build_go_static_binary(request: GoStaticBuildRequest) -> GoStaticBuild:
    plan, build_mode = request.plan, request.plan.mode
    cc_request = compiler_request(build_mode)
    c_compiler = await Get(CCompiler, CCompilerRequest, cc_request) if cc_request else None
    mode_env = FrozenDict(build_mode.go_env())
    await Get(
        GoPrebuild,
        GoPrebuildRequest(
            plan.module, plan.external_packages, build_mode.compile_flags(), mode_env, c_compiler
        ),
    )
    out_file = posixpath.join(_OUT_DIR, posixpath.basename(request.output_path))
    argv = go_build_argv(plan, out_file)
    result = await Get(
        FallibleProcessResult,
        GoStaticProcess(
            argv=argv,
            description=f"Building {build_mode.address} "
            f"(scenario {build_mode.scenario_glyph}, libc={build_mode.libc})",
            module_root=plan.module.root,
            input_digest=plan.input_digest,
            env=mode_env,
            c_compiler=c_compiler,
            output_files=(out_file,),
            level=LogLevel.INFO,
            offline=plan.module.vendored,
        ),
    )
    stderr = result.stderr.decode(errors="replace")
    if result.exit_code != 0:
        explained = explain_toolchain_mismatch(stderr, plan.module.go_mod)
        raise GoStaticBuildError(
            f"{build_mode.address}: `go build` failed"
            + (f":\n{explained}" if explained else f" (exit {result.exit_code}):\n{stderr.strip()}")
        )
    digest = await Get(Digest, RemovePrefix(result.output_digest, _OUT_DIR))
    output_dir = posixpath.dirname(request.output_path)
    if output_dir:
        digest = await Get(Digest, AddPrefix(digest, output_dir))
    return GoStaticBuild(digest=digest, output_path=request.output_path, link_log=stderr)


@dataclass(frozen=True)
class GoStaticCheckedBuildRequest:
    """Plan, build and check one target: what `package` and `check` share."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class GoStaticCheckedBuild:
    """A built binary and its post-link verdict (which may be a failure)."""

    build: GoStaticBuild
    check: StaticCheckResult


@rule(desc="Build and check go_static_binary", level=LogLevel.DEBUG)
async def build_and_check(
    request: GoStaticCheckedBuildRequest, policy: Policy
) -> GoStaticCheckedBuild:
    field_set = request.field_set
    plan = await Get(GoStaticPlan, GoStaticPlanRequest(field_set))
    broken = intent_violations(policy, plan.mode, field_set.max_size.bytes)
    if broken:
        # Policy is known before the compile: don't spend one.
        raise PolicyError(
            "\n".join(v.render(plan.mode.address) for v in broken), tuple(v.code for v in broken)
        )
    output_path = field_set.output_path.value_or_default(file_ending=None)
    built = await Get(GoStaticBuild, GoStaticBuildRequest(plan, output_path))
    checked = await Get(
        StaticCheckResult,
        StaticCheckRequest(
            plan.mode, built.digest, output_path, built.link_log, policy, field_set.max_size.bytes
        ),
    )
    return GoStaticCheckedBuild(built, checked)


@rule(desc="Package go_static_binary", level=LogLevel.DEBUG)
async def package_go_static_binary(field_set: GoStaticBinaryFieldSet) -> BuiltPackage:
    result = await Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(field_set))
    # A violation fails the goal, so Pants writes nothing at all to dist/.
    result.check.raise_on_failure()
    digest = await Get(Digest, MergeDigests([result.build.digest, result.check.report]))
    report_name = posixpath.basename(result.check.report_path)
    # One line per binary; the report rides along in the digest beside it, unlisted.
    return BuiltPackage(
        digest,
        (
            BuiltPackageArtifact(
                result.build.output_path,
                extra_log_lines=(
                    f"  static check passed: {result.check.summary} (report: {report_name})",
                ),
            ),
        ),
    )


def rules():
    return (*collect_rules(), UnionRule(PackageFieldSet, GoStaticBinaryFieldSet))
