"""Declared intent: what a go_static_binary's fields and `[go-static]` options ask for.

Pants-free. `validate.py` rejects contradictions in it; `build_mode.resolve` resolves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.mode.stamp import StampValues
from go_static.core.names import (
    AUTO,
    FIPS_OFF,
    PURE_GO_RESOLVER_TAGS,
    RESOLVER_GO,
    TZDATA_EMBED,
    TZDATA_TAG,
    ZIG,
)


class ModeError(GoStaticError):
    """Declared intent contradicts itself or the package graph; raised before any compile."""

    code = "intent"

    def __init__(
        self, address: str, problems: Sequence[Problem], stamp_problems: Sequence[Problem] = ()
    ) -> None:
        self.address, self.problems = address, (*problems, *stamp_problems)
        self.stamp_problems = tuple(stamp_problems)
        super().__init__(render_problems(address, self.problems))

    @property
    def codes(self) -> tuple[str, ...]:
        # A stamped value that would change the link is `stamp`, reported with the rest.
        own = (self.code,) if len(self.problems) > len(self.stamp_problems) else ()
        return (*own, StampError.code) if self.stamp_problems else own


class StampError(ModeError):
    """A stamped value (from git or the environment) can't be linked in as the one -X it is."""

    code = "stamp"


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
    x_defs: tuple[tuple[str, str], ...] = ()  # (symbol, value template), sorted
    # The placeholder values when `[go-static].stamp` is on; None leaves stamped x_defs out.
    stamp: StampValues | None = None
    musl_cc: str = ZIG
    glibc_cc: str = "gcc"
    # For libc="glibc" when goarch differs from the host: `{triple}` becomes the GNU triple.
    glibc_cross_cc: str = "{triple}-gcc"
    goos: str = "linux"
    goarch: str = "amd64"
    host_goarch: str = "amd64"
    goarch_declared: bool = False  # set by the target's `goarch` field, not taken from the host
    # "auto" (Go's -pgo=auto), "off", or the repo path of a profile.
    pgo: str = AUTO
    # The main package's repo directory; None when it is an import path from the build list.
    main_dir: str | None = ""
    # The output_path field as written ("" for the default), and whether the target is
    # parametrized over goarch: the variants must not share one file in dist/.
    output_path: str = ""
    goarch_parametrized: bool = False
    # Time zones: "auto", "embed" (the timetzdata tag) or "off".
    tzdata: str = AUTO
    # The `fips` field: FIPS_OFF, a GOFIPS140 value, or FIPS_BORINGCRYPTO.
    fips: str = FIPS_OFF
    # The GOFIPS140 snapshots the SDK ships (GOROOT/lib/fips140, aliases resolved: name ->
    # version); None when the SDK's GOROOT is not readable here (then go itself judges).
    fips_snapshots: tuple[tuple[str, str], ...] | None = None
    # The `goamd64` / `goarm64` fields as written; "" leaves Go's default (v1 / v8.0).
    goamd64: str = ""
    goarm64: str = ""

    @property
    def cross(self) -> bool:
        return self.goarch != self.host_goarch


def names(packages: Iterable[str], limit: int = 5) -> str:
    """A short list for messages: the first `limit` names, then how many more."""
    packages = list(packages)
    shown = ", ".join(packages[:limit])
    return shown + (f" (+{len(packages) - limit} more)" if len(packages) > limit else "")


def build_tags(intent: Intent) -> tuple[str, ...]:
    """The -tags for this intent: the resolver's first, then the target's own, then timetzdata
    for tzdata="embed", deduplicated."""
    base = PURE_GO_RESOLVER_TAGS if intent.resolver == RESOLVER_GO else ()
    tz = (TZDATA_TAG,) if intent.tzdata == TZDATA_EMBED else ()
    return tuple(dict.fromkeys((*base, *intent.build_tags, *tz)))
