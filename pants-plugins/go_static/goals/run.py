"""Rules: `pants run` for go_static_binary: build, post-link check, then run the checked binary."""

from __future__ import annotations

import posixpath

from pants.core.goals.package import BuiltPackage, PackageFieldSet
from pants.core.goals.run import RunRequest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.arches import ARCHES
from go_static.core.mode.toolchains import GoSdk
from go_static.rules.host_tools import HostTool, HostToolRequest
from go_static.rules.plan import GoStaticBinaryFieldSet
from go_static.subsystems.smoke import SYSTEM_BIN_DIRS


@rule(desc="Run go_static_binary", level=LogLevel.DEBUG)
async def run_go_static_binary(field_set: GoStaticBinaryFieldSet, sdk: GoSdk) -> RunRequest:
    # The same request as `pants package`, so a binary that fails the post-link check raises
    # here and never runs. `pants run` puts the digest in a temp dir ("{chroot}") and runs the
    # binary from the build root, with the caller's environment and the args after `--`.
    built = await Get(BuiltPackage, PackageFieldSet, field_set)
    binary = built.artifacts[0].relpath
    assert binary is not None, "package_go_static_binary always names its binary"
    argv = (posixpath.join("{chroot}", binary),)
    goarch = field_set.goarch.value or sdk.goarch
    if goarch != sdk.goarch:
        # The host can't exec another arch without binfmt_misc: run it through qemu-user.
        qemu = await Get(
            HostTool,
            HostToolRequest(
                name=ARCHES[goarch].qemu,
                package="qemu-user-static",
                search_path=SYSTEM_BIN_DIRS,
                search_path_option=None,
                needed_for=f"`pants run` of {field_set.address} (a {goarch} binary, on a "
                f"{sdk.goarch} host)",
                fix_otherwise="package it and run it on a matching machine",
            ),
        )
        argv = (qemu.path, *argv)
    return RunRequest(digest=built.digest, args=argv)


def rules():
    return (*collect_rules(), *GoStaticBinaryFieldSet.rules())
