"""What the C linker said: glibc's static-link warnings, classified. Pants-free.

glibc's libc.a tags NSS functions and dlopen with a link-time warning; a static binary that links
them needs the exact glibc it was built with at run time. zig's lld never prints these warnings,
so they tell only for gcc/glibc links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from go_static.core.checker.libc import DLOPEN_FUNCTIONS, NSS_FUNCTIONS

_WARNING = re.compile(
    r"Using '([^']+)' in statically linked applications requires at runtime "
    r"the shared libraries from the glibc version used for linking"
)


@dataclass(frozen=True)
class LinkWarning:
    """One glibc static-link warning: the symbol, its class ("nss"|"dlopen"|"other"), the line."""

    symbol: str
    kind: str
    line: str


def classify(symbol: str) -> str:
    """A link warning's class: "nss", "dlopen" or "other"."""
    if symbol in NSS_FUNCTIONS:
        return "nss"
    return "dlopen" if symbol in DLOPEN_FUNCTIONS else "other"


def parse_link_warnings(log: str) -> tuple[LinkWarning, ...]:
    """Every glibc "Using 'X' in statically linked applications ..." line, one per symbol."""
    seen: dict[str, LinkWarning] = {}
    for line in log.splitlines():
        for m in _WARNING.finditer(line):
            seen.setdefault(m.group(1), LinkWarning(m.group(1), classify(m.group(1)), line.strip()))
    return tuple(seen.values())
