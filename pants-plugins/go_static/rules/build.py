"""Rules: a planned go_static_binary -> `go build` -> the post-link check -> the package."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pants.engine.fs import AddPrefix, Digest, MergeDigests, PathGlobs, RemovePrefix
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError
from go_static.core.gograph.gomod import explain_toolchain_mismatch
from go_static.core.gograph.link_failure import explain as explain_link_failure
from go_static.core.mode.build_mode import BuildMode, go_build_argv
from go_static.core.mode.toolchains import CCompiler, GoSdk
from go_static.core.review.policy import Policy, PolicyError, intent_violations
from go_static.rules.modcache import ModuleCache, ModuleCacheRequest
from go_static.rules.plan import (
    GoStaticBinaryFieldSet,
    GoStaticPlan,
    GoStaticPlanRequest,
    compiler_request,
)
from go_static.rules.postlink import StaticCheckRequest, StaticCheckResult
from go_static.rules.prebuild import GoPrebuild, GoPrebuildRequest
from go_static.rules.process import GoStaticProcess
from go_static.rules.toolchain import CCompilerRequest, GoStaticToolchainError

_OUT_DIR = "__go_static_out"


class GoStaticBuildError(GoStaticError):
    """`go build` failed for a go_static_binary."""

    code = "build"


@dataclass(frozen=True)
class GoStaticBuildRequest:
    """Build a planned target into its plan's `output_path`."""

    plan: GoStaticPlan


@dataclass(frozen=True)
class GoStaticBuild:
    """A linked binary at `output_path`, with the linker's messages."""

    digest: Digest
    output_path: str
    link_log: str
    modules: Digest  # the ModuleCache it was built with, for its SBOM


@rule(desc="Build go_static_binary", level=LogLevel.DEBUG)
async def build_go_static_binary(request: GoStaticBuildRequest, sdk: GoSdk) -> GoStaticBuild:
    plan, build_mode = request.plan, request.plan.mode
    cc_request = compiler_request(build_mode, sdk.goarch)
    try:
        c_compiler = await Get(CCompiler, CCompilerRequest, cc_request) if cc_request else None
    except GoStaticToolchainError as e:
        # The compiler is shared by every target that names it; say which one needed it.
        raise GoStaticToolchainError(f"{build_mode.address}: {e}") from None
    mode_env = FrozenDict(build_mode.go_env())
    _, modules = await MultiGet(
        Get(
            GoPrebuild,
            GoPrebuildRequest(
                plan.module,
                plan.external_packages,
                plan.external_modules,
                build_mode.compile_flags(),
                mode_env,
                c_compiler,
            ),
        ),
        Get(ModuleCache, ModuleCacheRequest(plan.module, plan.cached_modules)),
    )
    out_file = posixpath.join(_OUT_DIR, posixpath.basename(plan.output_path))
    argv = go_build_argv(build_mode, plan.module.root, plan.main, plan.module.mod_flag, out_file)
    input_digest = plan.input_digest
    if build_mode.vcs:
        # go derives the main module's version from the go.mod at the repository's root.
        root_go_mod = await Get(Digest, PathGlobs(["go.mod"]))
        input_digest = await Get(Digest, MergeDigests([input_digest, root_go_mod]))
    result = await Get(
        FallibleProcessResult,
        GoStaticProcess(
            argv=argv,
            description=f"Building {build_mode.address} "
            f"(scenario {build_mode.scenario_glyph}, libc={build_mode.libc})",
            module_root=plan.module.root,
            input_digest=input_digest,
            modules=modules.digest,
            env=mode_env,
            c_compiler=c_compiler,
            output_files=(out_file,),
            level=LogLevel.INFO,
            offline=plan.module.vendored,
            go_work=plan.module.go_work,
            vcs=build_mode.vcs,
        ),
    )
    stderr = result.stderr.decode(errors="replace")
    if result.exit_code != 0:
        raise GoStaticBuildError(_build_failure(build_mode, plan, result.exit_code, stderr))
    digest = await Get(Digest, RemovePrefix(result.output_digest, _OUT_DIR))
    output_dir = posixpath.dirname(plan.output_path)
    if output_dir:
        digest = await Get(Digest, AddPrefix(digest, output_dir))
    return GoStaticBuild(
        digest=digest, output_path=plan.output_path, link_log=stderr, modules=modules.digest
    )


def _build_failure(mode: BuildMode, plan: GoStaticPlan, exit_code: int, stderr: str) -> str:
    """The cause first when it is known (toolchain pin, glibc archive, system library), then
    go's own output."""
    toolchain = explain_toolchain_mismatch(stderr, plan.module.go_mod)
    if toolchain:
        return f"{mode.address}: `go build` failed:\n{toolchain}"
    cause = explain_link_failure(stderr, mode.libc, mode.address)
    raw = f"`go build` failed (exit {exit_code}):\n{stderr.strip()}"
    return f"{cause}\n\n{raw}" if cause else f"{mode.address}: {raw}"


@dataclass(frozen=True)
class GoStaticCheckedBuildRequest:
    """Plan, build and check one target: what `package` and `check` share."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class GoStaticCheckedBuild:
    """A built binary and its post-link verdict (which may be a failure)."""

    build: GoStaticBuild
    check: StaticCheckResult
    mode: BuildMode  # what it was built with, for the provenance


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
    built = await Get(GoStaticBuild, GoStaticBuildRequest(plan))
    checked = await Get(
        StaticCheckResult,
        StaticCheckRequest(
            plan.mode,
            built.digest,
            built.output_path,
            built.link_log,
            built.modules,
            policy,
            field_set.max_size.bytes,
            plan.module.go_work,
        ),
    )
    return GoStaticCheckedBuild(built, checked, plan.mode)


def rules():
    return collect_rules()
