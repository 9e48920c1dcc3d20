"""`pants package` for go_static_binary: the binary and its static report, or nothing at all."""

from __future__ import annotations

import posixpath

from pants.core.goals.package import BuiltPackage, BuiltPackageArtifact, PackageFieldSet
from pants.engine.fs import Digest, MergeDigests
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.rules.build import GoStaticCheckedBuild, GoStaticCheckedBuildRequest
from go_static.rules.plan import GoStaticBinaryFieldSet


@rule(desc="Package go_static_binary", level=LogLevel.DEBUG)
async def package_go_static_binary(field_set: GoStaticBinaryFieldSet) -> BuiltPackage:
    result = await Get(GoStaticCheckedBuild, GoStaticCheckedBuildRequest(field_set))
    # A violation fails the goal, so Pants writes nothing at all to dist/.
    result.check.raise_on_failure()
    digest = await Get(Digest, MergeDigests([result.build.digest, result.check.report]))
    report_name = posixpath.basename(result.check.report_path)
    # One line per binary; the report rides along in the digest beside it, unlisted.
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
