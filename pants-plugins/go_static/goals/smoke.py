"""Rules: `pants test` of a go_static_smoke_test: the checked binary alone in an empty root.

The target names a binary, its arguments and what it must print and exit with. The rule builds
and post-link-checks the binary (a binary that fails the check never runs), then runs it under
bubblewrap in an empty root (`go_static.core.smoke`), through qemu-user for a foreign arch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pants.core.goals.test import (
    TestFieldSet,
    TestRequest,
    TestResult,
    TestSubsystem,
)
from pants.engine.addresses import Addresses, UnparsedAddressInputs
from pants.engine.fs import (
    EMPTY_FILE_DIGEST,
    CreateDigest,
    Digest,
    DigestContents,
    FileContent,
    MergeDigests,
)
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import (
    FieldSet,
    InferDependenciesRequest,
    InferredDependencies,
    WrappedTarget,
    WrappedTargetRequest,
)
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.core.arches import ARCHES
from go_static.core.errors import GoStaticError, Problem
from go_static.core.mode.toolchains import GoSdk
from go_static.core.smoke import EXIT_CODE_FILE, STATUS_FILE, SmokeRun, judge, wrapper_script
from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.host_tools import HostTool, HostToolRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.subsystems.smoke import GoStaticSmokeTestSubsystem
from go_static.target_types.smoke import (
    SmokeArgsField,
    SmokeBinaryField,
    SmokeCpuField,
    SmokeDependenciesField,
    SmokeEnvField,
    SmokeExpectedExitCodeField,
    SmokeExpectedStderrField,
    SmokeExpectedStdoutField,
    SmokeTimeoutField,
)

_WRAPPER = "__go_static_smoke.sh"


class GoStaticSmokeTestError(GoStaticError):
    """A go_static_smoke_test names something that is not a go_static_binary."""

    code = "smoke-test"


@dataclass(frozen=True)
class GoStaticSmokeTestFieldSet(TestFieldSet):
    required_fields = (SmokeBinaryField,)

    binary: SmokeBinaryField
    args: SmokeArgsField
    expected_stdout: SmokeExpectedStdoutField
    expected_stderr: SmokeExpectedStderrField
    expected_exit_code: SmokeExpectedExitCodeField
    timeout: SmokeTimeoutField
    env: SmokeEnvField
    cpu: SmokeCpuField


class GoStaticSmokeTestRequest(TestRequest):
    tool_subsystem = GoStaticSmokeTestSubsystem
    field_set_type = GoStaticSmokeTestFieldSet


@dataclass(frozen=True)
class SmokeBinaryDependencyFieldSet(FieldSet):
    required_fields = (SmokeBinaryField, SmokeDependenciesField)

    binary: SmokeBinaryField


class InferSmokeBinaryDependency(InferDependenciesRequest):
    infer_from = SmokeBinaryDependencyFieldSet


def _binary_addresses(field: SmokeBinaryField) -> UnparsedAddressInputs:
    return UnparsedAddressInputs(
        [field.value],
        owning_address=field.address,
        description_of_origin=f"the `binary` field of {field.address}",
    )


@rule(desc="Infer the binary a go_static_smoke_test runs", level=LogLevel.DEBUG)
async def infer_smoke_binary(request: InferSmokeBinaryDependency) -> InferredDependencies:
    # So `pants test --changed-dependents=transitive` re-runs the test when the binary changes.
    return InferredDependencies(
        await Get(Addresses, UnparsedAddressInputs, _binary_addresses(request.field_set.binary))
    )


def _host_tool(
    name: str, package: str, why: str, subsystem: GoStaticSmokeTestSubsystem
) -> HostToolRequest:
    return HostToolRequest(
        name=name,
        package=package,
        search_path=tuple(subsystem.search_path),
        search_path_option="[go-static-smoke].search_path",
        needed_for=f"go_static_smoke_test (to {why})",
        fix_otherwise="skip the smoke tests with --go-static-smoke-skip",
    )


async def _binary_field_set(field_set: GoStaticSmokeTestFieldSet) -> GoStaticBinaryFieldSet:
    """The go_static_binary `binary` names; anything else is a Problem."""
    addresses = await Get(Addresses, UnparsedAddressInputs, _binary_addresses(field_set.binary))
    wrapped = await Get(
        WrappedTarget,
        WrappedTargetRequest(addresses[0], description_of_origin=f"{field_set.address}"),
    )
    if not GoStaticBinaryFieldSet.is_applicable(wrapped.target):
        problem = Problem(
            f"`binary` names {addresses[0]}, a {wrapped.target.alias}, not a go_static_binary.",
            "A smoke test runs a checked static binary only.",
            "point `binary` at a go_static_binary target.",
        )
        raise GoStaticSmokeTestError(problem.render(str(field_set.address)))
    return GoStaticBinaryFieldSet.create(wrapped.target)


async def _host_tools(
    goarch: str, sdk: GoSdk, subsystem: GoStaticSmokeTestSubsystem, cpu: str | None = None
) -> tuple[HostTool, HostTool | None]:
    """bwrap, and qemu-user for a foreign arch or a CPU model."""
    bwrap = await Get(
        HostTool,
        HostToolRequest,
        _host_tool("bwrap", "bubblewrap", "build the empty root", subsystem),
    )
    if goarch == sdk.goarch and not cpu:
        return bwrap, None
    qemu = await Get(
        HostTool,
        HostToolRequest,
        _host_tool(ARCHES[goarch].qemu, "qemu-user-static", f"run {goarch} binaries", subsystem),
    )
    return bwrap, qemu


def _smoke_run(
    field_set: GoStaticSmokeTestFieldSet,
    binary: str,
    goarch: str,
    bwrap: HostTool,
    qemu: HostTool | None,
) -> SmokeRun:
    return SmokeRun(
        address=str(field_set.address),
        binary=binary,
        goarch=goarch,
        bwrap=bwrap.path,
        qemu=qemu.path if qemu else None,
        args=tuple(field_set.args.value or ()),
        env=tuple(sorted((field_set.env.value or {}).items())),
        expected_stdout=field_set.expected_stdout.value,
        expected_stderr=field_set.expected_stderr.value,
        expected_exit_code=field_set.expected_exit_code.value,
        cpu=field_set.cpu.value or "",
    )


async def _run_in_empty_root(
    run: SmokeRun,
    argv: tuple[str, ...],
    build: Digest,
    tools: tuple[HostTool, HostTool | None],
    timeout: int | None,
    force: bool,
) -> FallibleProcessResult:
    """The wrapper script running `argv` (bwrap, maybe qemu, the binary) in a sandbox."""
    bwrap, qemu = tools
    script = await Get(
        Digest,
        CreateDigest([FileContent(_WRAPPER, wrapper_script(run.expected_exit_code).encode())]),
    )
    return await Get(
        FallibleProcessResult,
        Process(
            # /bin/sh: the same argv on every distro (the wrapper is POSIX sh).
            argv=("/bin/sh", _WRAPPER, *argv),
            description=f"Smoke test {run.address} ({run.goarch}, empty root)",
            input_digest=await Get(Digest, MergeDigests([script, build])),
            # Not seen by the binary (bwrap clears the environment): keys the cache on the tools.
            env={
                "__GO_STATIC_SMOKE_TOOLS": f"{bwrap.fingerprint}:"
                f"{qemu.fingerprint if qemu else '-'}"
            },
            output_files=(EXIT_CODE_FILE, STATUS_FILE),
            timeout_seconds=timeout,
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_SESSION if force else ProcessCacheScope.SUCCESSFUL,
        ),
    )


@rule(desc="Run a go_static_smoke_test", level=LogLevel.DEBUG)
async def run_smoke_test(
    batch: GoStaticSmokeTestRequest.Batch[GoStaticSmokeTestFieldSet, Any],
    test_subsystem: TestSubsystem,
    sdk: GoSdk,
    subsystem: GoStaticSmokeTestSubsystem,
) -> TestResult:
    field_set = batch.single_element
    binary_fs = await _binary_field_set(field_set)
    try:
        built = await Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(binary_fs))
        built.check.raise_on_failure()  # never run a binary that failed the post-link check
    except GoStaticError as e:
        # One broken binary fails its own tests, not the whole `pants test` run.
        return _not_run(field_set, test_subsystem, f"{e}\n{field_set.address}: not run.")
    goarch = binary_fs.goarch.value or sdk.goarch
    tools = await _host_tools(goarch, sdk, subsystem, field_set.cpu.value)
    run = _smoke_run(field_set, built.build.output_path, goarch, *tools)
    argv = run.bwrap_argv()
    timeout = field_set.timeout.calculate_from_global_options(test_subsystem)
    result = await _run_in_empty_root(
        run, argv, built.build.digest, tools, timeout, test_subsystem.force
    )
    outputs = {
        fc.path: fc.content.decode(errors="replace")
        for fc in await Get(DigestContents, Digest, result.output_digest)
    }
    stdout, stderr = result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")
    # Pants kills the process at the timeout and says so in the process output.
    timed_out = timeout if "Exceeded timeout of" in stdout + stderr else None
    verdict = judge(
        run,
        argv,
        outputs.get(EXIT_CODE_FILE),
        outputs.get(STATUS_FILE, ""),
        stdout,
        stderr,
        timed_out,
    )
    return TestResult(
        exit_code=0 if verdict.passed else 1,
        stdout=stdout,
        stdout_digest=result.stdout_digest,
        stderr=stderr + (f"\n{verdict.explanation}\n" if verdict.explanation else ""),
        stderr_digest=result.stderr_digest,
        addresses=(field_set.address,),
        output_setting=test_subsystem.output,
        result_metadata=result.metadata,
    )


def _not_run(
    field_set: GoStaticSmokeTestFieldSet, test_subsystem: TestSubsystem, why: str
) -> TestResult:
    return TestResult(
        exit_code=1,
        stdout="",
        stdout_digest=EMPTY_FILE_DIGEST,
        stderr=why + "\n",
        stderr_digest=EMPTY_FILE_DIGEST,
        addresses=(field_set.address,),
        output_setting=test_subsystem.output,
        result_metadata=None,
    )


def rules():
    return (
        *collect_rules(),
        *GoStaticSmokeTestRequest.rules(),
        UnionRule(InferDependenciesRequest, InferSmokeBinaryDependency),
    )
