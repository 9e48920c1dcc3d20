"""Rules: the vulnerability gate of `pants check` and `go-static-report`: each built target's
scan (go_static.rules.vulncheck) judged by `[go-static].vulnerabilities` and its exceptions."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, render_problems
from go_static.core.names import FAIL
from go_static.core.review.linkage import LinkageRow
from go_static.core.review.vulns import Verdict, VulnSettings, judge
from go_static.core.vulnerability import Finding
from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.rules.vulncheck import Today, VulnScan, VulnScanRequest


@dataclass(frozen=True)
class VulnVerdictRequest:
    """Build (or reuse the build of) one target and judge its scan."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class VulnVerdict:
    """One target's gate: rendered blocking problems and warnings, codes, findings, the DB."""

    address: str
    failure: str = ""
    warning: str = ""
    codes: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    excepted: tuple[str, ...] = ()
    db: str = ""
    scanned: bool = False


@rule(desc="Judge a go_static_binary's known vulnerabilities", level=LogLevel.DEBUG)
async def vuln_verdict(
    request: VulnVerdictRequest, settings: VulnSettings, today: Today
) -> VulnVerdict:
    address = str(request.field_set.address)
    if not settings.enabled:
        return VulnVerdict(address)
    try:
        checked = await Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(request.field_set))
    except GoStaticError:
        return VulnVerdict(address)  # the build's failure is reported by the outcome
    built = checked.build
    try:
        scan = await Get(VulnScan, VulnScanRequest(address, built.digest, built.output_path))
    except GoStaticError as e:
        return VulnVerdict(address, failure=str(e), codes=e.codes)
    verdict: Verdict = judge(scan.findings, settings, today.date)
    return VulnVerdict(
        address,
        failure=render_problems(address, verdict.blocking),
        warning=render_problems(address, verdict.warnings),
        codes=verdict.codes,
        findings=scan.findings,
        excepted=verdict.excepted,
        db=scan.db,
        scanned=True,
    )


def with_vulns(row: LinkageRow, verdict: VulnVerdict) -> LinkageRow:
    """A report row with the binary's findings, and the gate's failure in its verdict."""
    found = tuple(f"{f.id} {f.module}@{f.found}" for f in verdict.findings)
    row = dataclasses.replace(row, vulns=found if verdict.scanned else None)
    if not verdict.failure:
        return row
    problems = tuple(dict.fromkeys((*row.problems, *verdict.codes)))
    return dataclasses.replace(row, verdict=FAIL, problems=problems)


def rules():
    return collect_rules()
