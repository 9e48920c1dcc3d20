"""`pants check` for go_static_binary: every target's outcome, all failures reported at once."""

from __future__ import annotations

from pants.core.goals.check import CheckRequest, CheckResult, CheckResults
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.rules.gates import GatedOutcome, GatedOutcomeRequest
from go_static.rules.plan import GoStaticBinaryFieldSet


class GoStaticBinaryCheckRequest(CheckRequest):
    field_set_type = GoStaticBinaryFieldSet
    tool_name = "go-static"


@rule(desc="Check go_static_binary targets", level=LogLevel.DEBUG)
async def check_go_static_binaries(request: GoStaticBinaryCheckRequest) -> CheckResults:
    gated = await MultiGet(Get(GatedOutcome, GatedOutcomeRequest(fs)) for fs in request.field_sets)
    passed = [f"✓ {g.outcome.row.target}: {g.outcome.summary}" for g in gated if g.outcome.passed]
    failed = [g.outcome.failure for g in gated if not g.outcome.passed]
    warned = [g.warning for g in gated if g.warning]
    stdout = "\n".join([*passed, *warned])
    result = CheckResult(
        exit_code=1 if failed else 0,
        stdout=stdout + "\n" if stdout else "",
        stderr="\n\n".join(failed) + "\n" if failed else "",
    )
    return CheckResults([result], checker_name="go-static")


def rules():
    return (*collect_rules(), UnionRule(CheckRequest, GoStaticBinaryCheckRequest))
