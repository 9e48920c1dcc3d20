"""Rules: `pants run` for go_static_binary: build, post-link check, then run the checked binary."""

from __future__ import annotations

import posixpath

from pants.core.goals.package import BuiltPackage, PackageFieldSet
from pants.core.goals.run import RunRequest
from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.arches import ARCHES
from go_static.plan import GoStaticBinaryFieldSet
from go_static.toolchain import GoSdk, GoStaticToolchainError

_QEMU_PATH = ("/usr/bin", "/bin", "/usr/local/bin")


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
        qemu = ARCHES[goarch].qemu
        found = await Get(
            BinaryPaths,
            BinaryPathRequest(
                binary_name=qemu, search_path=_QEMU_PATH, test=BinaryPathTest(["--version"])
            ),
        )
        if not found.first_path:
            raise GoStaticToolchainError(
                f"{field_set.address} is a {goarch} binary, and this host is {sdk.goarch}: "
                f"`pants run` needs `{qemu}` to run it, and it is not in {list(_QEMU_PATH)}.\n"
                "Fix: apt-get install qemu-user-static (Debian), or run it with a "
                "go_static_smoke_test."
            )
        argv = (found.first_path.path, *argv)
    return RunRequest(digest=built.digest, args=argv)


def rules():
    return (*collect_rules(), *GoStaticBinaryFieldSet.rules())
