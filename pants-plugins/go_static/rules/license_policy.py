"""Rules: `[go-static].licenses` judged on one checked binary, for `pants check`.

The licences are the SBOM's (rules.licenses for the Go modules, the knowledge table for the C);
the import chains come from the target's `go list -deps` closure.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.errors import render_problems
from go_static.core.licenses.policy import (
    STDLIB,
    LicenseError,
    LicensePolicy,
    ModuleLicense,
    import_chain,
    judge,
)
from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.go_tools import GoToolBuildError
from go_static.rules.licenses import ModuleLicenses, ModuleLicensesRequest
from go_static.rules.plan import GoStaticBinaryFieldSet, GoStaticInputs, GoStaticInputsRequest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LicenseVerdictRequest:
    """Judge the licences one go_static_binary links (after its build and check passed)."""

    field_set: GoStaticBinaryFieldSet


@dataclass(frozen=True)
class LicenseVerdictResult:
    """The licence policy's failure message ("" when none), its codes, and what was found."""

    failure: str
    codes: tuple[str, ...]
    licenses: tuple[tuple[str, str], ...] = ()  # ("module@version", licence or "unknown")


@rule(desc="Check a go_static_binary's licences", level=LogLevel.DEBUG)
async def license_verdict(
    request: LicenseVerdictRequest, policy: LicensePolicy
) -> LicenseVerdictResult:
    address = str(request.field_set.address)
    checked = await Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(request.field_set))
    info = checked.check.build_info
    if not checked.check.passed or info is None:
        return LicenseVerdictResult("", ())
    found = await Get(ModuleLicenses, ModuleLicensesRequest(info, checked.build.modules))
    if found.unavailable and (policy.allowed or policy.denied or policy.unknown == "fail"):
        # The policy needs an answer the detector couldn't give.
        return LicenseVerdictResult(found.unavailable, (GoToolBuildError.code,))
    inputs = await Get(GoStaticInputs, GoStaticInputsRequest(request.field_set))
    packages = {p.import_path: p for p in inputs.closure.packages}
    main = inputs.closure.main.import_path
    chains = {path: import_chain(packages, main, path) for path in found.by_path}
    licenses = found.labelled()
    # Go's standard library is in every binary, under Go's BSD-3-Clause (as the SBOM says).
    licenses[f"{STDLIB}@{info.go_version.split()[0] if info.go_version else 'unknown'}"] = (
        ModuleLicense("BSD-3-Clause")
    )
    sbom = checked.check.sbom
    for c in sbom.c_components if sbom else ():
        licenses[f"{c.name}@{c.version or 'unknown'}"] = ModuleLicense(c.license or None)
        if c.bundled_by:
            chains[c.name] = chains.get(c.bundled_by, ())
    verdict = judge(policy, licenses, chains)
    if verdict.warnings:
        logger.warning(render_problems(address, verdict.warnings))
    found_pairs = tuple(sorted((m, lic.shown) for m, lic in licenses.items()))
    if not verdict.problems:
        return LicenseVerdictResult("", (), found_pairs)
    failure = render_problems(address, verdict.problems)
    return LicenseVerdictResult(failure, (LicenseError.code,), found_pairs)


def rules():
    return collect_rules()
