"""Declared intent + package-graph facts -> one frozen build mode (rules_go's `mode.bzl` pattern).

Pants-free on purpose: the rules, the explain goal and the standalone checker all read the same
`BuildMode`, and the whole decision table is unit-testable without an engine.

Scenario numbers follow the seed's matrix (rows: how std `net`/`os/user` resolve; columns: the
project's own C code):

                             cgo + dlopen   cgo, no dlopen   no cgo
    std via cgo (libc)            1               2             3
    std via Go (netgo,osusergo)   4               5             6
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Iterable

LIBCS = ("auto", "none", "musl", "glibc")
RESOLVERS = ("go", "libc")
SCENARIO_GLYPHS = {1: "①", 2: "②", 3: "③", 4: "④", 5: "⑤", 6: "⑥"}
PURE_GO_RESOLVER_TAGS = ("netgo", "osusergo")
# Tags that select the C-library resolver in std; they contradict resolver="go".
CGO_RESOLVER_TAGS = ("netcgo", "osusercgo")
# Link settings the mode owns: letting `ldflags` override them would silently undo the mode.
MODE_OWNED_LDFLAGS = ("-linkmode", "-extldflags", "-extld", "-buildmode", "-d")
ZIG_ARCHES = {"amd64": "x86_64", "arm64": "aarch64", "386": "x86", "riscv64": "riscv64"}
_TAG_RE = re.compile(r"^[A-Za-z0-9_.]+$")


class ModeError(Exception):
    """Declared intent contradicts itself or the package graph; raised before any compile."""

    def __init__(self, address: str, problem: str, why: str, fix: str) -> None:
        self.address, self.problem, self.why, self.fix = address, problem, why, fix
        super().__init__(f"{address}: {problem}\n  Why: {why}\n  Fix: {fix}")


@dataclass(frozen=True)
class Intent:
    """What the BUILD file and `[go-static]` options ask for."""

    address: str
    libc: str = "auto"
    resolver: str = "go"
    allow_dlopen: bool = False
    static_pie: bool = False
    build_tags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    musl_cc: str = "zig"
    glibc_cc: str = "gcc"
    goos: str = "linux"
    goarch: str = "amd64"


@dataclass(frozen=True)
class GraphFacts:
    """What `go list -deps` says about the main package's dependency closure."""

    main_package: str
    cgo_packages: tuple[str, ...] = ()
    dlopen_packages: tuple[str, ...] = ()
    # Which of std's resolver packages (`net`, `os/user`) the closure imports.
    resolver_packages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """One chosen setting, why, and which field, option or fact decided it."""

    setting: str
    value: str
    reason: str
    decided_by: str


@dataclass(frozen=True)
class BuildMode:
    """The resolved, immutable way to build one go_static_binary."""

    address: str
    goos: str
    goarch: str
    cgo_enabled: bool
    libc: str  # "none" | "musl" | "glibc"
    c_compiler: str | None  # "zig", "musl-gcc", "gcc", or another name from an option
    c_target: str | None  # zig's -target triple, when the compiler is zig
    tags: tuple[str, ...]
    linkmode: str  # "internal" | "external"
    extldflags: tuple[str, ...]
    buildmode: str  # "exe" | "pie"
    user_ldflags: tuple[str, ...]
    resolver: str
    static_pie: bool
    allow_dlopen: bool
    scenario: int
    facts: GraphFacts
    decisions: tuple[Decision, ...] = field(default=(), compare=False)

    @property
    def scenario_glyph(self) -> str:
        return SCENARIO_GLYPHS[self.scenario]

    @property
    def ldflags(self) -> tuple[str, ...]:
        """The full -ldflags list: the mode's link settings first, then the target's own."""
        own = [f"-linkmode={self.linkmode}"]
        if self.extldflags:
            own.append("-extldflags=" + " ".join(self.extldflags))
        return (*own, *self.user_ldflags)

    @property
    def ldflags_string(self) -> str:
        return " ".join(self.ldflags)

    def go_build_flags(self) -> tuple[str, ...]:
        """Flags for `go build`, in addition to the always-on -trimpath -buildvcs=false."""
        flags = []
        if self.tags:
            flags.append("-tags=" + ",".join(self.tags))
        flags.append("-ldflags=" + self.ldflags_string)
        if self.buildmode != "exe":
            flags.append(f"-buildmode={self.buildmode}")
        return tuple(flags)

    def go_env(self) -> dict[str, str]:
        """The environment settings the mode owns (the C compiler is bound later, by path)."""
        return {
            "CGO_ENABLED": "1" if self.cgo_enabled else "0",
            "GOOS": self.goos,
            "GOARCH": self.goarch,
        }


def _fail(intent: Intent, problem: str, why: str, fix: str) -> ModeError:
    return ModeError(intent.address, problem, why, fix)


def _names(packages: Iterable[str], limit: int = 5) -> str:
    packages = list(packages)
    shown = ", ".join(packages[:limit])
    return shown + (f" (+{len(packages) - limit} more)" if len(packages) > limit else "")


def build_tags(intent: Intent) -> tuple[str, ...]:
    """The -tags for this intent (resolver tags first); raise ModeError on a contradiction."""
    for tag in intent.build_tags:
        if not _TAG_RE.match(tag):
            raise _fail(
                intent,
                f"build_tags entry {tag!r} is not a Go build tag.",
                "Go build tags are single words of letters, digits, '_' and '.'; "
                "lists are separated by the plugin, not inside an entry.",
                f"Split it into separate entries, e.g. build_tags={tag.replace(' ', ',').split(',')!r}.",
            )
        if tag in PURE_GO_RESOLVER_TAGS and intent.resolver == "libc":
            raise _fail(
                intent,
                f'build_tags contains {tag!r} but resolver="libc".',
                f"{tag!r} switches std to its pure-Go resolver, the opposite of what "
                'resolver="libc" asks for.',
                f'Remove {tag!r} from build_tags, or set resolver="go" (which adds it for you).',
            )
        if tag in CGO_RESOLVER_TAGS and intent.resolver == "go":
            raise _fail(
                intent,
                f'build_tags contains {tag!r} but resolver="go".',
                f"{tag!r} forces std's cgo (C library) resolver, which resolver=\"go\" exists to "
                "avoid: under static glibc it loads libnss_*.so at run time.",
                f'Remove {tag!r} from build_tags, or set resolver="libc" with libc="musl".',
            )
    base = PURE_GO_RESOLVER_TAGS if intent.resolver == "go" else ()
    return tuple(dict.fromkeys((*base, *intent.build_tags)))


def _validate_ldflags(intent: Intent) -> tuple[str, ...]:
    for entry in intent.ldflags:
        try:
            words = shlex.split(entry)
        except ValueError as e:
            raise _fail(
                intent,
                f"ldflags entry {entry!r} does not parse ({e}).",
                "Go splits -ldflags on spaces, honouring quotes, so quotes must balance.",
                "Balance the quotes, e.g. ldflags=[\"-X 'main.greeting=hello world'\"].",
            )
        for word in words:
            flag = word.split("=", 1)[0]
            if flag in MODE_OWNED_LDFLAGS:
                raise _fail(
                    intent,
                    f"ldflags entry {entry!r} sets {flag}, which go_static_binary owns.",
                    "The link mode and external linker flags come from libc, static_pie and "
                    "resolver; overriding them here would silently undo the static guarantee.",
                    f"Remove {flag} from ldflags and declare the intent instead "
                    '(libc="musl"|"glibc", static_pie=True).',
                )
    return tuple(intent.ldflags)


def _resolve_libc(intent: Intent, facts: GraphFacts) -> tuple[str, Decision]:
    cgo = facts.cgo_packages
    if intent.libc == "none":
        if cgo:
            raise _fail(
                intent,
                f'libc="none" but the dependency graph has cgo packages: {_names(cgo)}.',
                "cgo code must be compiled and linked against a C library.",
                'Set libc="auto" (musl via zig cc) or libc="musl"/"glibc", '
                "or drop the cgo dependencies.",
            )
        if intent.resolver == "libc":
            raise _fail(
                intent,
                'resolver="libc" needs a C library, but libc="none".',
                "std's C-library resolver is cgo code; without a C library there is none to call.",
                'Set resolver="go" (pure-Go DNS and user lookups), or libc="musl".',
            )
        if intent.static_pie:
            raise _fail(
                intent,
                'static_pie=True needs a C toolchain, but libc="none".',
                "Go links static-pie only with -linkmode=external, i.e. through a C linker.",
                'Set libc="musl" (hermetic zig cc) or libc="auto", or drop static_pie.',
            )
        return "none", Decision("libc", "none", 'libc="none": no C library, pure Go.', "field libc")
    if intent.libc == "auto":
        if cgo:
            why, trigger = f"the graph has cgo packages ({_names(cgo)})", "go list"
        elif intent.resolver == "libc":
            why, trigger = 'resolver="libc" needs a C library', "field resolver"
        elif intent.static_pie:
            why, trigger = "static-pie needs external linking, hence a C toolchain", "field static_pie"
        else:
            return "none", Decision(
                "libc",
                "none",
                'libc="auto" and the graph has no cgo packages, so no C library is linked.',
                "field libc + go list",
            )
        return "musl", Decision(
            "libc",
            "musl",
            f'libc="auto" and {why}; musl is always static and does no NSS, so it is the safe pick.',
            f"field libc + {trigger}",
        )
    if intent.libc == "glibc" and intent.resolver == "libc":
        raise _fail(
            intent,
            'resolver="libc" with libc="glibc" cannot be static.',
            "glibc's getaddrinfo/getpwnam_r go through NSS, which dlopens libnss_*.so at run "
            "time; a static binary then crashes or misbehaves on hosts with a different glibc.",
            'Set resolver="go" (adds netgo,osusergo), or libc="musl" (no NSS).',
        )
    return intent.libc, Decision("libc", intent.libc, f'libc="{intent.libc}" was declared.', "field libc")


def _compiler(intent: Intent, libc: str) -> tuple[str | None, str | None, Decision | None]:
    if libc == "none":
        return None, None, None
    if libc == "glibc":
        return intent.glibc_cc, None, Decision(
            "CC", intent.glibc_cc, "glibc is linked statically with the system C compiler.",
            "option [go-static].glibc_cc",
        )
    if intent.musl_cc == "zig":
        arch = ZIG_ARCHES.get(intent.goarch)
        if arch is None:
            raise _fail(
                intent,
                f"zig cc has no musl target for GOARCH={intent.goarch}.",
                f"The plugin maps GOARCH to zig targets only for {sorted(ZIG_ARCHES)}.",
                "Build on a supported architecture, or set [go-static].musl_cc to a musl-gcc for it.",
            )
        target = f"{arch}-linux-musl"
        return "zig", target, Decision(
            "CC", f"zig cc -target {target}",
            "musl via zig cc: hermetic (from the ziglang wheel) and identical on every machine.",
            "option [go-static].musl_cc",
        )
    return intent.musl_cc, None, Decision(
        "CC", intent.musl_cc, f"musl via {intent.musl_cc}, as [go-static].musl_cc says.",
        "option [go-static].musl_cc",
    )


def resolve(intent: Intent, facts: GraphFacts) -> BuildMode:
    """Resolve intent against the graph once; raise ModeError on any contradiction."""
    if intent.libc not in LIBCS:
        raise _fail(intent, f"libc={intent.libc!r} is not one of {LIBCS}.",
                    "The plugin only knows these C library choices.", f"Use one of {LIBCS}.")
    if intent.resolver not in RESOLVERS:
        raise _fail(intent, f"resolver={intent.resolver!r} is not one of {RESOLVERS}.",
                    "The plugin only knows these resolver choices.", f"Use one of {RESOLVERS}.")
    if intent.goos != "linux":
        raise _fail(
            intent,
            f"GOOS={intent.goos} is not supported.",
            "Static linking and the ELF check are defined for Linux only.",
            "Build on Linux (GOOS=linux).",
        )
    tags = build_tags(intent)
    user_ldflags = _validate_ldflags(intent)
    if facts.dlopen_packages and not intent.allow_dlopen:
        raise _fail(
            intent,
            f"C code in {_names(facts.dlopen_packages)} calls dlopen.",
            "dlopen cannot work in a static binary: static musl always fails it, and static "
            "glibc needs the exact glibc it was linked with at run time.",
            "Remove the dlopen call, or set allow_dlopen=True to accept that it fails at run time.",
        )

    libc, libc_decision = _resolve_libc(intent, facts)
    decisions = [libc_decision]
    if facts.dlopen_packages:
        decisions.append(Decision(
            "allow_dlopen", "True",
            f"dlopen in {_names(facts.dlopen_packages)} is accepted, though it fails at run time "
            "under static musl and needs the linking glibc under static glibc.",
            "field allow_dlopen",
        ))
    cgo_enabled = libc != "none"
    decisions.append(Decision(
        "CGO_ENABLED", "1" if cgo_enabled else "0",
        f"C code is compiled and linked against {libc}." if cgo_enabled
        else "No C library: cgo off, so Go links internally and the binary is static by construction.",
        "libc",
    ))
    c_compiler, c_target, cc_decision = _compiler(intent, libc)
    if cc_decision:
        decisions.append(cc_decision)
    if intent.resolver == "go":
        uses = f" ({', '.join(facts.resolver_packages)} imported)" if facts.resolver_packages else ""
        decisions.append(Decision(
            "-tags", ",".join(tags),
            f"resolver=\"go\": std's pure-Go DNS and user lookups{uses}, so nothing loads NSS at run time.",
            "field resolver" + (" + field build_tags" if intent.build_tags else ""),
        ))
    elif tags:
        decisions.append(Decision("-tags", ",".join(tags), "Extra tags from build_tags.", "field build_tags"))

    linkmode = "external" if cgo_enabled else "internal"
    decisions.append(Decision(
        "-linkmode", linkmode,
        "cgo objects must be linked by the C linker." if cgo_enabled
        else "Go's own linker needs no C toolchain and emits no interpreter.",
        "libc",
    ))
    extldflags: tuple[str, ...] = ()
    buildmode = "exe"
    if cgo_enabled:
        extldflags = ("-static-pie",) if intent.static_pie else ("-static",)
        decisions.append(Decision(
            "-extldflags", " ".join(extldflags),
            "Link the C library statically: no PT_INTERP, no DT_NEEDED"
            + (", position-independent." if intent.static_pie else "."),
            "field static_pie" if intent.static_pie else "libc",
        ))
    if intent.static_pie:
        buildmode = "pie"
        decisions.append(Decision(
            "-buildmode", "pie", "static_pie=True: a position-independent static executable.",
            "field static_pie",
        ))

    column = 1 if facts.dlopen_packages else 2 if facts.cgo_packages else 3
    std_via_cgo = cgo_enabled and intent.resolver == "libc"
    scenario = column if std_via_cgo else column + 3
    decisions.append(Decision(
        "scenario", SCENARIO_GLYPHS[scenario],
        ("std net/os/user via the C library" if std_via_cgo else "std net/os/user in pure Go")
        + "; "
        + ("cgo code that calls dlopen" if column == 1 else "cgo code" if column == 2 else "no cgo code")
        + ".",
        "go list + field resolver",
    ))
    return BuildMode(
        address=intent.address,
        goos=intent.goos,
        goarch=intent.goarch,
        cgo_enabled=cgo_enabled,
        libc=libc,
        c_compiler=c_compiler,
        c_target=c_target,
        tags=tags,
        linkmode=linkmode,
        extldflags=extldflags,
        buildmode=buildmode,
        user_ldflags=user_ldflags,
        resolver=intent.resolver,
        static_pie=intent.static_pie,
        allow_dlopen=intent.allow_dlopen,
        scenario=scenario,
        facts=facts,
        decisions=tuple(decisions),
    )


def explain(mode: BuildMode) -> str:
    """A human-readable table of every decision, for logs and the explain goal."""
    width = max(len(d.setting) for d in mode.decisions)
    lines = [f"{mode.address}: scenario {mode.scenario_glyph}, libc={mode.libc}"]
    for d in mode.decisions:
        lines.append(f"  {d.setting.ljust(width)}  {d.value}  -- {d.reason} [{d.decided_by}]")
    return "\n".join(lines)
