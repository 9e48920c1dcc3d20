"""Rules: `pants run` for go_static_binary: build, post-link check, then run the checked binary."""

from __future__ import annotations

import posixpath

from pants.core.goals.package import BuiltPackage, PackageFieldSet
from pants.core.goals.run import RunRequest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.plan import GoStaticBinaryFieldSet


@rule(desc="Run go_static_binary", level=LogLevel.DEBUG)
async def run_go_static_binary(field_set: GoStaticBinaryFieldSet) -> RunRequest:
    # The same request as `pants package`, so a binary that fails the post-link check raises
    # here and never runs. `pants run` puts the digest in a temp dir ("{chroot}") and runs the
    # binary from the build root, with the caller's environment and the args after `--`.
    built = await Get(BuiltPackage, PackageFieldSet, field_set)
    binary = built.artifacts[0].relpath
    assert binary is not None, "package_go_static_binary always names its binary"
    return RunRequest(digest=built.digest, args=(posixpath.join("{chroot}", binary),))


def rules():
    return (*collect_rules(), *GoStaticBinaryFieldSet.rules())
