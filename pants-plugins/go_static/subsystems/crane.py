"""`[go-static-crane]` and `[go-static-publish]`: the registry client `pants publish` runs."""

from __future__ import annotations

from pants.option.option_types import IntOption, StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import help_text

from go_static.core.oci.crane import DEFAULT_CRANE_VERSION
from go_static.core.oci.push import DEFAULT_DEADLINE


class CraneSubsystem(Subsystem):
    options_scope = "go-static-crane"
    help = help_text(
        """
        go-containerregistry's `crane`, which `pants publish` pushes go_static_image with.

        Built from the Go module proxy with the plugin's Go SDK (once: the build is a cached
        process), every module checked against go.sum and the checksum database.
        """
    )

    version = StrOption(
        default=DEFAULT_CRANE_VERSION,
        help=help_text(
            f"""
            The version of github.com/google/go-containerregistry to build crane from.

            The plugin ships go.sum lines for {DEFAULT_CRANE_VERSION}; for another version go
            checks each new module against the checksum database (`GOSUMDB`, `GONOSUMDB`
            and `GOPROXY` from `[go-static].env_vars` apply).
            """
        ),
        advanced=True,
    )


class PublishSubsystem(Subsystem):
    options_scope = "go-static-publish"
    help = help_text(
        """
        How `pants publish` pushes go_static_image: plain-HTTP registries and the deadline.
        """
    )

    insecure_registries = StrListOption(
        default=[],
        help=help_text(
            """
            Registries (`host:port`, or a host) to reach over plain HTTP or unverified TLS,
            and to which credentials may then go unencrypted.

            Loopback registries (localhost, 127.0.0.1, ::1) may answer over plain HTTP without
            being listed, but get no credentials over it unless listed. Every other registry
            is reached over HTTPS only; a registry with a private CA needs `SSL_CERT_FILE` or
            `SSL_CERT_DIR` in the environment of `pants publish`.
            """
        ),
    )
    timeout = IntOption(
        default=DEFAULT_DEADLINE,
        help=help_text(
            """
            Seconds one image's push may take in all, from the first request to the last tag.

            A registry that answers slowly, or drips bytes, is cut off when the time is up,
            and the error says which tags had moved by then.
            """
        ),
    )
