"""`pants check` for go_static_binary, and every target's outcome with its failure kept as data.

`package` stops at the first failure; `check` and the report goal must see all of them, so each
target's plan/build/check runs here with its user-facing errors (the `GoStaticError` family)
caught and kept, by their stable codes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.errors import GoStaticError
from go_static.expectation import FAIL, PASS
from go_static.linkage import LinkageRow
from go_static.package import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.plan import GoStaticBinaryFieldSet, GoStaticPlan, GoStaticPlanRequest


@dataclass(frozen=True)
class GoStaticOutcomeRequest:
    """Plan, build and check one target, keeping any failure as data."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class GoStaticOutcome:
    """One target's report row, its one-line summary, and its failure message (empty if none)."""

    row: LinkageRow
    summary: str
    failure: str

    @property
    def passed(self) -> bool:
        return self.row.verdict == PASS


@rule(desc="Plan, build and check a go_static_binary", level=LogLevel.DEBUG)
async def go_static_outcome(request: GoStaticOutcomeRequest) -> GoStaticOutcome:
    address = str(request.field_set.address)
    try:
        plan = await Get(GoStaticPlan, GoStaticPlanRequest(request.field_set))
    except GoStaticError as e:
        return GoStaticOutcome(
            LinkageRow(address, problems=e.codes), "failed before building", str(e)
        )
    mode = plan.mode
    row = LinkageRow(
        target=address,
        scenario=mode.scenario,
        libc=mode.libc,
        cgo=mode.cgo_enabled,
        cgo_packages=mode.facts.cgo_packages,
        tags=mode.tags,
        linkmode=mode.linkmode,
    )
    try:
        checked = await Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(request.field_set))
    except GoStaticError as e:
        return GoStaticOutcome(dataclasses.replace(row, problems=e.codes), "failed", str(e))
    check = checked.check
    row = dataclasses.replace(
        row,
        size=check.size,
        verdict=PASS if check.passed else FAIL,
        problems=check.violation_codes,
    )
    return GoStaticOutcome(row, check.summary, check.failure)


class GoStaticBinaryCheckRequest(CheckRequest):
    field_set_type = GoStaticBinaryFieldSet
    tool_name = "go-static"


@rule(desc="Check go_static_binary targets", level=LogLevel.DEBUG)
async def check_go_static_binaries(request: GoStaticBinaryCheckRequest) -> CheckResults:
    outcomes = await MultiGet(
        Get(GoStaticOutcome, GoStaticOutcomeRequest(fs)) for fs in request.field_sets
    )
    passed = [f"✓ {o.row.target}: {o.summary}" for o in outcomes if o.passed]
    failed = [o.failure for o in outcomes if not o.passed]
    result = CheckResult(
        exit_code=1 if failed else 0,
        stdout="\n".join(passed) + "\n" if passed else "",
        stderr="\n\n".join(failed) + "\n" if failed else "",
    )
    return CheckResults([result], checker_name="go-static")


def rules():
    return (*collect_rules(), UnionRule(CheckRequest, GoStaticBinaryCheckRequest))
