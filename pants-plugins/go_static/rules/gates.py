"""Rules: one target's outcome judged by the repo's policies on what is inside it, the licence
policy (go_static.rules.license_policy) and the vulnerability gate (go_static.rules.vulngate).
`pants check` and `go-static-report` both read it, so they can't disagree."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.names import FAIL
from go_static.rules.license_policy import LicenseVerdictRequest, LicenseVerdictResult
from go_static.rules.outcome import GoStaticOutcome, GoStaticOutcomeRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.rules.vulngate import VulnVerdict, VulnVerdictRequest, with_vulns


@dataclass(frozen=True)
class GatedOutcomeRequest:
    """Judge one target: its build and check, then the licence and vulnerability policies."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class GatedOutcome:
    """One target's outcome with every policy's findings in its row and failure; warnings."""

    outcome: GoStaticOutcome
    warning: str = ""


@rule(desc="Judge a go_static_binary by the repo's policies", level=LogLevel.DEBUG)
async def gated_outcome(request: GatedOutcomeRequest) -> GatedOutcome:
    field_set = request.field_set
    outcome = await Get(GoStaticOutcome, GoStaticOutcomeRequest(field_set))
    vulns = await Get(VulnVerdict, VulnVerdictRequest(field_set))
    row = with_vulns(outcome.row, vulns)
    failures = [outcome.failure, vulns.failure]
    # The licence policy judges what a binary links, so only a binary that was built.
    if outcome.passed:
        licenses = await Get(LicenseVerdictResult, LicenseVerdictRequest(field_set))
        row = dataclasses.replace(row, licenses=licenses.licenses)
        if licenses.failure:
            problems = tuple(dict.fromkeys((*row.problems, *licenses.codes)))
            row = dataclasses.replace(row, verdict=FAIL, problems=problems)
        failures.append(licenses.failure)
    failure = "\n".join(text for text in failures if text)
    return GatedOutcome(dataclasses.replace(outcome, row=row, failure=failure), vulns.warning)


def rules():
    return collect_rules()
