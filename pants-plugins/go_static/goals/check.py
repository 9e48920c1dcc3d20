"""`pants check` for go_static_binary: every target's outcome, all failures reported at once."""

from __future__ import annotations

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.rules.license_policy import LicenseVerdictRequest, LicenseVerdictResult
from go_static.rules.outcome import GoStaticOutcome, GoStaticOutcomeRequest
from go_static.rules.plan import GoStaticBinaryFieldSet


class GoStaticBinaryCheckRequest(CheckRequest):
    field_set_type = GoStaticBinaryFieldSet
    tool_name = "go-static"


@rule(desc="Check go_static_binary targets", level=LogLevel.DEBUG)
async def check_go_static_binaries(request: GoStaticBinaryCheckRequest) -> CheckResults:
    outcomes = await MultiGet(
        Get(GoStaticOutcome, GoStaticOutcomeRequest(fs)) for fs in request.field_sets
    )
    built = [(fs, o) for fs, o in zip(request.field_sets, outcomes) if o.passed]
    # The licence policy judges what a binary links, so only binaries that were built.
    licenses = await MultiGet(
        Get(LicenseVerdictResult, LicenseVerdictRequest(fs)) for fs, _ in built
    )
    denied = {o.row.target: v.failure for (_, o), v in zip(built, licenses) if v.failure}
    passed = [
        f"✓ {o.row.target}: {o.summary}"
        for o in outcomes
        if o.passed and o.row.target not in denied
    ]
    failed = [o.failure for o in outcomes if not o.passed] + list(denied.values())
    result = CheckResult(
        exit_code=1 if failed else 0,
        stdout="\n".join(passed) + "\n" if passed else "",
        stderr="\n\n".join(failed) + "\n" if failed else "",
    )
    return CheckResults([result], checker_name="go-static")


def rules():
    return (*collect_rules(), UnionRule(CheckRequest, GoStaticBinaryCheckRequest))
