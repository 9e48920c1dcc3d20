"""Every target's outcome with its failure kept as data, for `pants check` and the report goal.

`package` stops at the first failure; `check` and the report goal must see all of them, so each
target's plan/build/check runs here with its user-facing errors (the `GoStaticError` family)
caught and kept, by their stable codes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError
from go_static.core.names import FAIL, PASS
from go_static.core.review.linkage import LinkageRow
from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.dependencies import (
    GoStaticOwnershipError,
    InputOwners,
    InputOwnersRequest,
    unowned_problem,
)
from go_static.rules.plan import GoStaticBinaryFieldSet, GoStaticPlan, GoStaticPlanRequest
from go_static.rules.runtime import BinaryRuntimeNeeds, RuntimeNeedsRequest


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
    owners = await Get(InputOwners, InputOwnersRequest(plan.input_files))
    if owners.unowned:
        # `--changed-since` can't select this binary on an edit of those files.
        failure = unowned_problem(list(owners.unowned)).render(address)
        return GoStaticOutcome(
            LinkageRow(address, problems=(GoStaticOwnershipError.code,)),
            "failed before building",
            failure,
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
    runtime = await Get(BinaryRuntimeNeeds, RuntimeNeedsRequest(checked.build.digest, mode.tags))
    row = dataclasses.replace(
        row,
        runtime=runtime.needs.summary(),
        size=check.size,
        verdict=PASS if check.passed else FAIL,
        problems=check.violation_codes,
    )
    return GoStaticOutcome(row, check.summary, check.failure)


def rules():
    return collect_rules()
