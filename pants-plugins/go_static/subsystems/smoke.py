"""The `[go-static-smoke]` options: how go_static_smoke_test finds its host tools."""

from __future__ import annotations

from pants.option.option_types import SkipOption, StrListOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap

# Where Debian puts bubblewrap and qemu-user; also where `pants run` looks for them.
SYSTEM_BIN_DIRS = ("/usr/bin", "/bin", "/usr/local/bin")


class GoStaticSmokeTestSubsystem(Subsystem):
    options_scope = "go-static-smoke"
    name = "go_static_smoke_test targets"
    help = "Run go_static_binary outputs alone in an empty root (`pants test`)."

    skip = SkipOption("test")
    search_path = StrListOption(
        default=list(SYSTEM_BIN_DIRS),
        help=softwrap(
            """
            Where to look for `bwrap` (Debian `bubblewrap`) and the `qemu-<arch>-static` binaries
            (Debian `qemu-user-static`), in order.
            """
        ),
        advanced=True,
    )
