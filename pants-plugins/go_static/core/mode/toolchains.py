"""The toolchains a build ran with, named by release and content, never by install path."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class GoSdk:
    """The Go toolchain every go_static_binary builds with."""

    goroot: str
    version: str  # e.g. "go1.27.3"
    goos: str
    goarch: str
    fingerprint: str  # sha256 over VERSION and the go, compile, link, cgo and asm binaries

    @property
    def link_name(self) -> str:
        """How processes name this SDK: by release and content, never by where it is installed."""
        return f"go-{self.version}-{self.fingerprint[:16]}"


@dataclass(frozen=True)
class CCompiler:
    """A C compiler: where it is, the `CC` string naming it, and what identifies its output."""

    cc: str  # by name, e.g. "zig cc -target x86_64-linux-musl" or "gcc": found on the sandbox PATH
    path: str
    # sha256 of its version output, target machine and, for gcc-like compilers, the content of
    # the libc.a it links (zig: of its own binary).
    fingerprint: str
    kind: str  # one of names.CC_KINDS: callers ask it, never the `cc` string
    version: str = ""  # the first line of its version output, e.g. "0.17.1" (for provenance)

    @property
    def link_name(self) -> str:
        return f"cc-{os.path.basename(self.path)}-{self.fingerprint[:16]}"
