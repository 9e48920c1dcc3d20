"""Go commands the plugin runs (crane, cosign), pinned and built from the Go module proxy with
the plugin's own Go SDK, so nothing prebuilt is trusted. Pants-free.

Each tool is built as a main module of ours: a go.mod that requires the tool's module at the
pinned version, the go.sum lines the plugin ships (if any), and either a main.go of ours (crane's
guard) or none, to build the tool's own main package. GOFLAGS=-mod=mod lets go add what go.sum
lacks, each hash checked against the checksum database (GOSUMDB, GONOSUMDB and GOPROXY as the
user configured them), as `go install pkg@version` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VERSION_RE = re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?")
# CGO off: one static binary, no C compiler. -mod=mod: see the module docstring.
BUILD_ENV = {"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
# The main module's go line: go raises it to what the tool's module needs.
GO_LINE = "1.25"


def check_version(version: str, example: str) -> None:
    """Raise ValueError unless `version` is a module version (it goes into go.mod and -X)."""
    if not VERSION_RE.fullmatch(version):
        raise ValueError(f"{version!r} is not a module version such as {example}")


@dataclass(frozen=True)
class GoTool:
    """One pinned Go command: which module and package, at which version, and how to build it."""

    binary: str  # the command's name: the output file, and the build's directory
    module: str
    package: str  # the main package to build; "." with a main_go of ours
    version: str
    default_version: str  # for messages and the version check's example
    option: str  # the option that sets the version, e.g. "[go-static-crane].version"
    purpose: str  # why the plugin runs it, for messages
    version_symbol: str = ""  # the -X symbol the tool reports its version from
    go_sum: str = field(default="", repr=False)  # lines for default_version; "" = sumdb only
    main_go: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        check_version(self.version, self.default_version)

    @property
    def directory(self) -> str:
        """Where the main module sits in the build's sandbox, and so where the binary lands."""
        return f"go-static-{self.binary}"

    @property
    def path(self) -> str:
        return f"{self.directory}/{self.binary}"

    def go_mod(self) -> str:
        return (
            f"module go-static.invalid/{self.binary}\n\ngo {GO_LINE}\n\n"
            f"require {self.module} {self.version}\n"
        )

    def source_files(self) -> dict[str, str]:
        """The main module, as files: go.mod, and go.sum and main.go when the tool has them."""
        files = {"go.mod": self.go_mod(), "go.sum": self.go_sum, "main.go": self.main_go}
        return {name: text for name, text in files.items() if text}

    def build_argv(self) -> tuple[str, ...]:
        """`go build` of the tool's main, with the version it reports."""
        ldflags = "-s -w"
        if self.version_symbol:
            ldflags += f" -X {self.version_symbol}={self.version}"
        return ("build", "-trimpath", f"-ldflags={ldflags}", "-o", self.binary, self.package)
