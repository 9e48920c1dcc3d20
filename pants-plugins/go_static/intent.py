"""Declared intent: what a go_static_binary's fields and `[go-static]` options ask for, validated.

Pants-free. Contradictions inside the intent itself (tags vs resolver, ldflags that would undo
the mode, unknown choices) are caught here; contradictions with the package graph in `mode.py`.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Iterable, NoReturn

from go_static.errors import GoStaticError
from go_static.libc import GLIBC, MUSL, NONE

AUTO = "auto"
LIBCS = (AUTO, NONE, MUSL, GLIBC)
RESOLVER_GO, RESOLVER_LIBC = "go", "libc"
RESOLVERS = (RESOLVER_GO, RESOLVER_LIBC)
PURE_GO_RESOLVER_TAGS = ("netgo", "osusergo")
# Tags that select the C-library resolver in std; they contradict resolver="go".
CGO_RESOLVER_TAGS = ("netcgo", "osusercgo")
# Link settings the mode owns: letting `ldflags` override them would silently undo the mode.
MODE_OWNED_LDFLAGS = ("-linkmode", "-extldflags", "-extld", "-buildmode", "-d")
_TAG_RE = re.compile(r"^[A-Za-z0-9_.]+$")


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
    musl_cc: str = "zig"
    glibc_cc: str = "gcc"
    goos: str = "linux"
    goarch: str = "amd64"


def reject(intent: Intent, problem: str, why: str, fix: str) -> NoReturn:
    """Fail this target before anything compiles: the problem, why it matters, the fix."""
    raise ModeError(intent.address, problem, why, fix)


def names(packages: Iterable[str], limit: int = 5) -> str:
    """A short list for messages: the first `limit` names, then how many more."""
    packages = list(packages)
    shown = ", ".join(packages[:limit])
    return shown + (f" (+{len(packages) - limit} more)" if len(packages) > limit else "")


def build_tags(intent: Intent) -> tuple[str, ...]:
    """The -tags for this intent (resolver tags first); raise ModeError on a contradiction."""
    for tag in intent.build_tags:
        if not _TAG_RE.match(tag):
            reject(
                intent,
                f"build_tags entry {tag!r} is not a Go build tag.",
                "Go build tags are single words of letters, digits, '_' and '.'; "
                "lists are separated by the plugin, not inside an entry.",
                f"Split it into separate entries, e.g. "
                f"build_tags={tag.replace(' ', ',').split(',')!r}.",
            )
        if tag in PURE_GO_RESOLVER_TAGS and intent.resolver == RESOLVER_LIBC:
            reject(
                intent,
                f'build_tags contains {tag!r} but resolver="libc".',
                f"{tag!r} switches std to its pure-Go resolver, the opposite of what "
                'resolver="libc" asks for.',
                f'Remove {tag!r} from build_tags, or set resolver="go" (which adds it for you).',
            )
        if tag in CGO_RESOLVER_TAGS and intent.resolver == RESOLVER_GO:
            reject(
                intent,
                f'build_tags contains {tag!r} but resolver="go".',
                f'{tag!r} forces std\'s cgo (C library) resolver, which resolver="go" exists to '
                "avoid: under static glibc it loads libnss_*.so at run time.",
                f'Remove {tag!r} from build_tags, or set resolver="libc" with libc="musl".',
            )
    base = PURE_GO_RESOLVER_TAGS if intent.resolver == RESOLVER_GO else ()
    return tuple(dict.fromkeys((*base, *intent.build_tags)))


def validate_ldflags(intent: Intent) -> tuple[str, ...]:
    """The target's own -ldflags entries; raise ModeError if one would undo the mode."""
    for entry in intent.ldflags:
        try:
            words = shlex.split(entry)
        except ValueError as e:
            reject(
                intent,
                f"ldflags entry {entry!r} does not parse ({e}).",
                "Go splits -ldflags on spaces, honouring quotes, so quotes must balance.",
                "Balance the quotes, e.g. ldflags=[\"-X 'main.greeting=hello world'\"].",
            )
        for word in words:
            flag = word.split("=", 1)[0]
            if flag in MODE_OWNED_LDFLAGS:
                reject(
                    intent,
                    f"ldflags entry {entry!r} sets {flag}, which go_static_binary owns.",
                    "The link mode and external linker flags come from libc, static_pie and "
                    "resolver; overriding them here would silently undo the static guarantee.",
                    f"Remove {flag} from ldflags and declare the intent instead "
                    '(libc="musl"|"glibc", static_pie=True).',
                )
    return tuple(intent.ldflags)


def validate_choices(intent: Intent) -> None:
    """Reject choices the plugin doesn't know (Pants fields check these too; the CLI doesn't)."""
    if intent.libc not in LIBCS:
        reject(
            intent,
            f"libc={intent.libc!r} is not one of {LIBCS}.",
            "The plugin only knows these C library choices.",
            f"Use one of {LIBCS}.",
        )
    if intent.resolver not in RESOLVERS:
        reject(
            intent,
            f"resolver={intent.resolver!r} is not one of {RESOLVERS}.",
            "The plugin only knows these resolver choices.",
            f"Use one of {RESOLVERS}.",
        )
    if intent.goos != "linux":
        reject(
            intent,
            f"GOOS={intent.goos} is not supported.",
            "Static linking and the ELF check are defined for Linux only.",
            "Build on Linux (GOOS=linux).",
        )
