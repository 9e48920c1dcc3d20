"""Declared intent: what a go_static_binary's fields and `[go-static]` options ask for.

Pants-free. `go_static.validate` rejects contradictions in it; `go_static.mode` resolves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, NoReturn

from go_static.errors import GoStaticError
from go_static.libc import GLIBC, MUSL, NONE

AUTO = "auto"
LIBCS = (AUTO, NONE, MUSL, GLIBC)
RESOLVER_GO, RESOLVER_LIBC = "go", "libc"
RESOLVERS = (RESOLVER_GO, RESOLVER_LIBC)
PURE_GO_RESOLVER_TAGS = ("netgo", "osusergo")
# The `[go-static].musl_cc` values the plugin knows: zig (from its wheel; cross-compiles) and
# Debian's musl-gcc (host arch only).
ZIG, MUSL_GCC = "zig", "musl-gcc"


class ModeError(GoStaticError):
    """Declared intent contradicts itself or the package graph; raised before any compile."""

    code = "intent"

    def __init__(self, address: str, problem: str, why: str, fix: str) -> None:
        self.address, self.problem, self.why, self.fix = address, problem, why, fix
        super().__init__(f"{address}: {problem}\n  Why: {why}\n  Fix: {fix}")


@dataclass(frozen=True)
class Intent:
    """What the BUILD file and `[go-static]` options ask for."""

    address: str
    libc: str = AUTO
    resolver: str = RESOLVER_GO
    allow_dlopen: bool = False
    static_pie: bool = False
    build_tags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    musl_cc: str = ZIG
    glibc_cc: str = "gcc"
    # For libc="glibc" when goarch differs from the host: `{triple}` becomes the GNU triple.
    glibc_cross_cc: str = "{triple}-gcc"
    goos: str = "linux"
    goarch: str = "amd64"
    host_goarch: str = "amd64"
    goarch_declared: bool = False  # set by the target's `goarch` field, not taken from the host

    @property
    def cross(self) -> bool:
        return self.goarch != self.host_goarch


def reject(intent: Intent, problem: str, why: str, fix: str) -> NoReturn:
    """Fail this target before anything compiles: the problem, why it matters, the fix."""
    raise ModeError(intent.address, problem, why, fix)


def names(packages: Iterable[str], limit: int = 5) -> str:
    """A short list for messages: the first `limit` names, then how many more."""
    packages = list(packages)
    shown = ", ".join(packages[:limit])
    return shown + (f" (+{len(packages) - limit} more)" if len(packages) > limit else "")


def build_tags(intent: Intent) -> tuple[str, ...]:
    """The -tags for this intent: the resolver's first, then the target's own, deduplicated."""
    base = PURE_GO_RESOLVER_TAGS if intent.resolver == RESOLVER_GO else ()
    return tuple(dict.fromkeys((*base, *intent.build_tags)))
