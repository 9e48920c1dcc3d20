"""Rules: the post-link static check of a freshly linked binary, and its JSON report.

The rule only feeds bytes and the link log to the Pants-free checker (`go_static.elf`); every
judgement lives there, shared with `python -m go_static.check`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

from pants.engine.fs import CreateDigest, Digest, DigestContents, DigestEntries, FileContent, FileEntry
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.check import report_dict
from go_static.elf import ElfError, Expectation, Violation, elf_facts, evaluate
from go_static.goenv import GoEnv
from go_static.mode import BuildMode
from go_static.policy import Policy, effective_max_size as size_budget, format_size, size_violation

REPORT_SUFFIX = ".static-report.json"


class GoStaticCheckError(Exception):
    """A freshly linked go_static_binary broke the static-linking rules."""


@dataclass(frozen=True)
class StaticCheckRequest:
    """Check one linked binary against the mode it was built with."""

    mode: BuildMode
    binary: Digest  # holds exactly the binary, at output_path
    output_path: str
    link_log: str
    policy: Policy = Policy()
    target_max_size: int | None = None


@dataclass(frozen=True)
class StaticCheckResult:
    """The verdict on one binary and its report (`<output_path>.static-report.json`)."""

    address: str
    output_path: str
    verdict: str  # "pass" | "fail"
    summary: str  # e.g. "static, musl, 2.1 MiB"
    report: Digest
    report_path: str
    size: int
    violation_codes: tuple[str, ...]
    failure: str  # the message to fail the build with; "" when it passed

    def raise_on_failure(self) -> None:
        if self.verdict != "pass":
            raise GoStaticCheckError(self.failure)


def failure_message(address: str, output_path: str, violations: list[dict]) -> str:
    lines = [f"{address}: the post-link static check failed for {output_path} "
             f"({len(violations)} violation{'s' if len(violations) != 1 else ''}):"]
    for v in violations:
        lines += [f"  - {v['code']}: {v['evidence']}", f"    Why: {v['why']}.", f"    Fix: {v['fix']}."]
    lines.append("Nothing was written to dist/. Run `python -m go_static.check <binary>` to check any binary by hand.")
    return "\n".join(lines)


@rule(desc="Check that a go_static_binary is static", level=LogLevel.DEBUG)
async def check_static_binary(request: StaticCheckRequest, go_env: GoEnv) -> StaticCheckResult:
    contents, entries = await MultiGet(
        Get(DigestContents, Digest, request.binary), Get(DigestEntries, Digest, request.binary)
    )
    entry = next(e for e in entries if isinstance(e, FileEntry))
    mode = request.mode
    try:
        # Pants' file digest is the sha256 of the content: no second hash pass.
        facts = elf_facts(contents[0].content, sha256=entry.file_digest.fingerprint)
    except ElfError as e:
        raise GoStaticCheckError(
            f"{mode.address}: `go build` produced {request.output_path}, but it is not a usable "
            f"ELF executable ({e}). This is a toolchain problem, not a policy one: rebuild with "
            "--no-local-cache, and report it if it persists."
        ) from None
    result = evaluate(facts, Expectation.from_mode(mode), request.link_log)
    over_budget = size_violation(request.policy, request.target_max_size, facts.size)
    if over_budget:
        result = dataclasses.replace(result, violations=(*result.violations, Violation(
            over_budget.code, f"{facts.size} bytes ({format_size(facts.size)})",
            f"it {over_budget.problem.rstrip('.')}; the budget is {over_budget.option}, set in {over_budget.origin}",
            over_budget.fix.rstrip("."),
        )))
    report = report_dict(
        facts,
        result,
        request.output_path,
        target=mode.address,
        scenario=mode.scenario,
        libc=mode.libc,
        linkmode=mode.linkmode,
        cgo_packages=list(mode.facts.cgo_packages),
        max_size=size_budget(request.policy, request.target_max_size),
        # The -ldflags go build was given (build info omits them under -trimpath).
        ldflags=list(mode.ldflags),
        go_env={
            "passed": [{"name": s.name, "value": s.value, "source": s.source} for s in go_env.passed],
            "ignored": [{"name": s.name, "value": s.value, "source": s.source} for s in go_env.ignored],
        },
        decisions=[
            {"setting": d.setting, "value": d.value, "reason": d.reason, "decided_by": d.decided_by}
            for d in mode.decisions
        ],
    )
    report_json = json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    report_path = request.output_path + REPORT_SUFFIX
    report_digest = await Get(Digest, CreateDigest([FileContent(report_path, report_json.encode())]))
    return StaticCheckResult(
        address=mode.address,
        output_path=request.output_path,
        verdict=result.verdict,
        summary=result.summary_line(),
        report=report_digest,
        report_path=report_path,
        size=facts.size,
        violation_codes=tuple(v.code for v in result.violations),
        failure=failure_message(mode.address, request.output_path, report["violations"])
        if result.violations else "",
    )


def rules():
    return collect_rules()
