"""`pants check` for go_static_binary: every target's outcome, all failures reported at once."""

from __future__ import annotations

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.rules.outcome import GoStaticOutcome, GoStaticOutcomeRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.rules.vulngate import VulnVerdict, VulnVerdictRequest, failures


class GoStaticBinaryCheckRequest(CheckRequest):
    field_set_type = GoStaticBinaryFieldSet
    tool_name = "go-static"


@rule(desc="Check go_static_binary targets", level=LogLevel.DEBUG)
async def check_go_static_binaries(request: GoStaticBinaryCheckRequest) -> CheckResults:
    outcomes = await MultiGet(
        Get(GoStaticOutcome, GoStaticOutcomeRequest(fs)) for fs in request.field_sets
    )
    # The vulnerability gate ([go-static].vulnerabilities); an empty verdict when off.
    vulns = await MultiGet(Get(VulnVerdict, VulnVerdictRequest(fs)) for fs in request.field_sets)
    passed = [
        f"✓ {o.row.target}: {o.summary}"
        for o, v in zip(outcomes, vulns)
        if o.passed and not v.failure
    ]
    failed = failures(outcomes, vulns)
    warned = [v.warning for v in vulns if v.warning]
    stdout = "\n".join([*passed, *warned])
    result = CheckResult(
        exit_code=1 if failed else 0,
        stdout=stdout + "\n" if stdout else "",
        stderr="\n\n".join(failed) + "\n" if failed else "",
    )
    return CheckResults([result], checker_name="go-static")


def rules():
    return (*collect_rules(), UnionRule(CheckRequest, GoStaticBinaryCheckRequest))
