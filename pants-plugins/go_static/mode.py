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

from dataclasses import dataclass, field

from go_static.intent import (  # noqa: F401 (re-exported: callers see one mode API)
    LIBCS,
    PURE_GO_RESOLVER_TAGS,
    RESOLVERS,
    Intent,
    ModeError,
    build_tags,
    fail,
    names,
    validate_choices,
    validate_ldflags,
)

SCENARIO_GLYPHS = {1: "①", 2: "②", 3: "③", 4: "④", 5: "⑤", 6: "⑥"}
ZIG_ARCHES = {"amd64": "x86_64", "arm64": "aarch64", "386": "x86", "riscv64": "riscv64"}


@dataclass(frozen=True)
class GraphFacts:
    """What `go list -deps` says about the main package's dependency closure."""

    main_package: str
    cgo_packages: tuple[str, ...] = ()
    dlopen_packages: tuple[str, ...] = ()
    # Which of std's resolver packages (`net`, `os/user`) the closure imports.
    resolver_packages: tuple[str, ...] = ()
    # (package, build tag that compiles its dlopen out, why) for known third-party packages.
    dlopen_hints: tuple[tuple[str, str, str], ...] = ()


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

    def compile_flags(self) -> tuple[str, ...]:
        """The go build flags that change compiled packages (not the link): -tags, -buildmode."""
        return tuple(f for f in self.go_build_flags() if not f.startswith("-ldflags="))

    def go_env(self) -> dict[str, str]:
        """The environment settings the mode owns (the C compiler is bound later, by path)."""
        return {
            "CGO_ENABLED": "1" if self.cgo_enabled else "0",
            "GOOS": self.goos,
            "GOARCH": self.goarch,
        }


def _resolve_libc(intent: Intent, facts: GraphFacts) -> tuple[str, Decision]:
    cgo = facts.cgo_packages
    if intent.libc == "none":
        if cgo:
            raise fail(
                intent,
                f'libc="none" but the dependency graph has cgo packages: {names(cgo)}.',
                "cgo code must be compiled and linked against a C library.",
                'Set libc="auto" (musl via zig cc) or libc="musl"/"glibc", '
                "or drop the cgo dependencies.",
            )
        if intent.resolver == "libc":
            raise fail(
                intent,
                'resolver="libc" needs a C library, but libc="none".',
                "std's C-library resolver is cgo code; without a C library there is none to call.",
                'Set resolver="go" (pure-Go DNS and user lookups), or libc="musl".',
            )
        if intent.static_pie:
            raise fail(
                intent,
                'static_pie=True needs a C toolchain, but libc="none".',
                "Go links static-pie only with -linkmode=external, i.e. through a C linker.",
                'Set libc="musl" (hermetic zig cc) or libc="auto", or drop static_pie.',
            )
        return "none", Decision("libc", "none", 'libc="none": no C library, pure Go.', "field libc")
    if intent.libc == "auto":
        if cgo:
            why, trigger = f"the graph has cgo packages ({names(cgo)})", "go list"
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
        raise fail(
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
            raise fail(
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
    validate_choices(intent)
    tags = build_tags(intent)
    user_ldflags = validate_ldflags(intent)
    if facts.dlopen_packages and not intent.allow_dlopen:
        raise fail(
            intent,
            f"C code in {names(facts.dlopen_packages)} calls dlopen.",
            "dlopen cannot work in a static binary: static musl always fails it, and static "
            "glibc needs the exact glibc it was linked with at run time.",
            "".join(f'Add build_tags=["{tag}"] ({why}). ' for _, tag, why in facts.dlopen_hints)
            + ("Remove the dlopen call, or" if not facts.dlopen_hints else "Or")
            + " set allow_dlopen=True to accept that it fails at run time.",
        )

    libc, libc_decision = _resolve_libc(intent, facts)
    decisions = [libc_decision]

    def decide(setting: str, value: str, reason: str, decided_by: str) -> None:
        decisions.append(Decision(setting, value, reason, decided_by))

    if facts.dlopen_packages:
        decide("allow_dlopen", "True", f"dlopen in {names(facts.dlopen_packages)} is accepted, though it "
               "fails at run time under static musl and needs the linking glibc under static glibc.",
               "field allow_dlopen")
    cgo_enabled = libc != "none"
    decide("CGO_ENABLED", "1" if cgo_enabled else "0",
           f"C code is compiled and linked against {libc}." if cgo_enabled else
           "No C library: cgo off, so Go links internally and the binary is static by construction.",
           "libc")
    c_compiler, c_target, cc_decision = _compiler(intent, libc)
    if cc_decision:
        decisions.append(cc_decision)
    if intent.resolver == "go":
        uses = f" ({', '.join(facts.resolver_packages)} imported)" if facts.resolver_packages else ""
        decide("-tags", ",".join(tags),
               f"resolver=\"go\": std's pure-Go DNS and user lookups{uses}, so nothing loads NSS at run time.",
               "field resolver" + (" + field build_tags" if intent.build_tags else ""))
    elif tags:
        decide("-tags", ",".join(tags), "Extra tags from build_tags.", "field build_tags")

    linkmode = "external" if cgo_enabled else "internal"
    decide("-linkmode", linkmode, "cgo objects must be linked by the C linker." if cgo_enabled
           else "Go's own linker needs no C toolchain and emits no interpreter.", "libc")
    extldflags: tuple[str, ...] = ()
    if cgo_enabled:
        extldflags = ("-static-pie",) if intent.static_pie else ("-static",)
        decide("-extldflags", " ".join(extldflags), "Link the C library statically: no PT_INTERP, no "
               "DT_NEEDED" + (", position-independent." if intent.static_pie else "."),
               "field static_pie" if intent.static_pie else "libc")
    buildmode = "pie" if intent.static_pie else "exe"
    if intent.static_pie:
        decide("-buildmode", "pie", "static_pie=True: a position-independent static executable.",
               "field static_pie")

    column = 1 if facts.dlopen_packages else 2 if facts.cgo_packages else 3
    std_via_cgo = cgo_enabled and intent.resolver == "libc"
    scenario = column if std_via_cgo else column + 3
    decide("scenario", SCENARIO_GLYPHS[scenario],
           ("std net/os/user via the C library; " if std_via_cgo else "std net/os/user in pure Go; ")
           + ("cgo code that calls dlopen." if column == 1 else "cgo code." if column == 2 else "no cgo code."),
           "go list + field resolver")
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
