"""`[go-static-licensecheck]`: the licence detector every Go module's licence comes from."""

from __future__ import annotations

from pants.option.option_types import StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import help_text

from go_static.core.licenses.tool import DEFAULT_LICENSECHECK_VERSION


class LicensecheckSubsystem(Subsystem):
    options_scope = "go-static-licensecheck"
    help = help_text(
        """
        google/licensecheck, the detector pkg.go.dev uses, which names each Go module's licence.

        Built from the Go module proxy with the plugin's Go SDK (once: the build is a cached
        process), under a main of ours that reads the licence files at each module's root.
        """
    )

    version = StrOption(
        default=DEFAULT_LICENSECHECK_VERSION,
        help=help_text(
            f"""
            The version of github.com/google/licensecheck to build the detector from.

            The plugin ships go.sum lines for {DEFAULT_LICENSECHECK_VERSION}; for another
            version go checks the module against the checksum database.
            """
        ),
        advanced=True,
    )
