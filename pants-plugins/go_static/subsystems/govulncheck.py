"""`[go-static-govulncheck]`: the scanner `pants check` runs on every go_static_binary."""

from __future__ import annotations

from pants.option.option_types import StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import help_text

from go_static.core.review.vulns_tools import DEFAULT_GOVULNCHECK_VERSION


class GovulncheckSubsystem(Subsystem):
    options_scope = "go-static-govulncheck"
    help = help_text(
        """
        golang.org/x/vuln's `govulncheck`, which scans each built go_static_binary in binary mode.

        Built from the Go module proxy with the plugin's Go SDK (once: the build is a cached
        process), every module checked against the checksum database. Whether and how its
        findings gate `pants check` is `[go-static].vulnerabilities`.
        """
    )

    version = StrOption(
        default=DEFAULT_GOVULNCHECK_VERSION,
        help=help_text(
            """
            The version of golang.org/x/vuln to build govulncheck from.

            It is part of every scan's cache key, with the binary's digest and the DB's version.
            `GOSUMDB`, `GONOSUMDB` and `GOPROXY` from `[go-static].env_vars` apply to its build.
            """
        ),
        advanced=True,
    )
