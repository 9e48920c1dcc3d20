"""`pants package` for go_static_binary: the binary, its static report, SBOM and provenance, or
nothing at all."""

from __future__ import annotations

import posixpath
from datetime import datetime, timezone

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.fs import CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.internals.session import RunId
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.rules.provenance import Provenance, ProvenanceRequest
from go_static.subsystems.go_static import GoStaticSubsystem


@rule(desc="Package go_static_binary", level=LogLevel.DEBUG)
async def package_go_static_binary(
    field_set: GoStaticBinaryFieldSet, subsystem: GoStaticSubsystem, run_id: RunId
) -> BuiltPackage:
    # RunId makes this rule run again in every run (pantsd memoizes the rest), so the
    # provenance's times are this run's, never a memoized run's.
    timed = subsystem.provenance_timestamps
    started = datetime.now(timezone.utc) if timed else None
    result = await Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(field_set))
    # A violation fails the goal, so Pants writes nothing at all to dist/.
    result.check.raise_on_failure()
    finished = datetime.now(timezone.utc) if timed else None
    provenance = await Get(Provenance, ProvenanceRequest(field_set, result, started, finished))
    written = await Get(Digest, CreateDigest([FileContent(provenance.path, provenance.content)]))
    digest = await Get(Digest, MergeDigests([result.build.digest, result.check.report, written]))
    report_name = posixpath.basename(result.check.report_path)
    # One line per binary; the report, SBOM and provenance ride along in the digest, unlisted.
    return BuiltPackage(
        digest,
        (
            BuiltPackageArtifact(
                result.build.output_path,
                extra_log_lines=(
                    f"  static check passed: {result.check.summary} (report: {report_name})",
                ),
            ),
        ),
    )


def rules():
    return (*collect_rules(), UnionRule(PackageFieldSet, GoStaticBinaryFieldSet))
