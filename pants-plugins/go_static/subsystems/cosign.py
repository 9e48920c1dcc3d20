"""`[go-static-cosign]`: sigstore's cosign, which signs and attests published images."""

from __future__ import annotations

from pants.option.option_types import StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import help_text

from go_static.core.oci.cosign import DEFAULT_COSIGN_VERSION


class CosignSubsystem(Subsystem):
    options_scope = "go-static-cosign"
    help = help_text(
        """
        sigstore's `cosign`, which signs and attests go_static_image when it is published.

        Built from the Go module proxy with the plugin's Go SDK (once: the build is a cached
        process), every module checked against the checksum database.
        """
    )

    version = StrOption(
        default=DEFAULT_COSIGN_VERSION,
        help=help_text(
            """
            The version of github.com/sigstore/cosign/v3 to build cosign from.

            The plugin ships no go.sum for cosign: go checks each of its modules against the
            checksum database (`GOSUMDB`, `GONOSUMDB` and `GOPROXY` from
            `[go-static].env_vars` apply), as `go install` of that version would.
            """
        ),
        advanced=True,
    )
