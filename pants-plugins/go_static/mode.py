"""Declared intent + package-graph facts -> one frozen build mode (rules_go's `mode.bzl` pattern).

Pants-free on purpose: the rules, the explain goal and the standalone checker all read the same
`BuildMode`, and the whole decision table is unit-testable without an engine. `resolve` first
validates (`go_static.validate`: every contradiction fails, with cause and fix), then derives
each setting with the reason it was chosen.

Scenario numbers follow the seed's matrix (rows: how std `net`/`os/user` resolve; columns: the
project's own C code):

                             cgo + dlopen   cgo, no dlopen   no cgo
    std via cgo (libc)            1               2             3
    std via Go (netgo,osusergo)   4               5             6
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from go_static.arches import ARCHES
from go_static.buildinfo import BUILDMODE_EXE, BUILDMODE_PIE
from go_static.intent import AUTO, RESOLVER_GO, RESOLVER_LIBC, Intent, build_tags, names
from go_static.libc import GLIBC, MUSL, NONE
from go_static.validate import ZIG, validate

if TYPE_CHECKING:
    from go_static.graph import GraphFacts

SCENARIO_GLYPHS = {1: "①", 2: "②", 3: "③", 4: "④", 5: "⑤", 6: "⑥"}
LINKMODE_INTERNAL, LINKMODE_EXTERNAL = "internal", "external"
# Always on, for every go build: no host paths in binaries or cache keys, no VCS stamping.
REPRODUCIBLE_FLAGS = ("-trimpath", "-buildvcs=false")


@dataclass(frozen=True)
class Decision:
    """One chosen setting, why, and which field, option or fact decided it."""

    setting: str
    value: str
    reason: str
    decided_by: str

    def as_dict(self) -> dict[str, str]:
        """The JSON form, shared by the explain goal and the per-binary report."""
        return {
            "setting": self.setting,
            "value": self.value,
            "reason": self.reason,
            "decided_by": self.decided_by,
        }


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
    linkmode: str  # LINKMODE_INTERNAL | LINKMODE_EXTERNAL
    extldflags: tuple[str, ...]
    buildmode: str  # BUILDMODE_EXE | BUILDMODE_PIE
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

    def go_build_flags(self) -> tuple[str, ...]:
        """Flags for `go build`, after the always-on REPRODUCIBLE_FLAGS."""
        tags = ("-tags=" + ",".join(self.tags),) if self.tags else ()
        buildmode = (f"-buildmode={self.buildmode}",) if self.buildmode != BUILDMODE_EXE else ()
        return (*tags, "-ldflags=" + " ".join(self.ldflags), *buildmode)

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


# --- derive: each setting, with the reason it was chosen ------------------------------------------


def _pick_libc(intent: Intent, facts: GraphFacts) -> tuple[str, Decision]:
    if intent.libc != AUTO:
        declared = f'libc="{intent.libc}" was declared.'
        reason = 'libc="none": no C library, pure Go.' if intent.libc == NONE else declared
        return intent.libc, Decision("libc", intent.libc, reason, "field libc")
    if facts.cgo_packages:
        why, trigger = f"the graph has cgo packages ({names(facts.cgo_packages)})", "go list"
    elif intent.resolver == RESOLVER_LIBC:
        why, trigger = 'resolver="libc" needs a C library', "field resolver"
    elif intent.static_pie:
        why, trigger = "static-pie needs external linking, hence a C toolchain", "field static_pie"
    else:
        return NONE, Decision(
            "libc",
            NONE,
            'libc="auto" and the graph has no cgo packages, so no C library is linked.',
            "field libc + go list",
        )
    return MUSL, Decision(
        "libc",
        MUSL,
        f'libc="auto" and {why}; musl is always static and does no NSS, so it is the safe pick.',
        f"field libc + {trigger}",
    )


def _compiler(intent: Intent, libc: str) -> tuple[str | None, str | None, Decision | None]:
    """(compiler name, zig target, decision) for the libc; all None without a C library."""
    if libc == NONE:
        return None, None, None
    arch = ARCHES[intent.goarch]
    if libc == GLIBC and intent.cross:
        cc = intent.glibc_cross_cc.replace("{triple}", arch.gnu_triple or "")
        reason = f"glibc for {arch.goarch} is linked statically with Debian's cross compiler."
        return cc, None, Decision("CC", cc, reason, "option [go-static].glibc_cross_cc + goarch")
    if libc == GLIBC:
        reason = "glibc is linked statically with the system C compiler."
        decision = Decision("CC", intent.glibc_cc, reason, "option [go-static].glibc_cc")
        return intent.glibc_cc, None, decision
    if intent.musl_cc == ZIG:
        target = arch.zig_musl_target
        reason = "musl via zig cc: hermetic (from the ziglang wheel), the same on every machine."
        decision = Decision("CC", f"zig cc -target {target}", reason, "option [go-static].musl_cc")
        return ZIG, target, decision
    reason = f"musl via {intent.musl_cc}, as [go-static].musl_cc says."
    return (
        intent.musl_cc,
        None,
        Decision("CC", intent.musl_cc, reason, "option [go-static].musl_cc"),
    )


def _goarch_decision(intent: Intent) -> Decision:
    if not intent.goarch_declared:
        reason = "The host's GOARCH (the target has no goarch field)."
        return Decision("GOARCH", intent.goarch, reason, "host")
    how = "cross-compiled" if intent.cross else "the host's own arch"
    reason = f'goarch="{intent.goarch}" was declared ({how}; the host is {intent.host_goarch}).'
    return Decision("GOARCH", intent.goarch, reason, "field goarch")


def _tags_decision(intent: Intent, facts: GraphFacts, tags: tuple[str, ...]) -> Decision | None:
    if intent.resolver == RESOLVER_GO:
        uses = (
            f" ({', '.join(facts.resolver_packages)} imported)" if facts.resolver_packages else ""
        )
        return Decision(
            "-tags",
            ",".join(tags),
            f'resolver="go": std\'s pure-Go DNS and user lookups{uses}, so nothing loads NSS at '
            "run time.",
            "field resolver" + (" + field build_tags" if intent.build_tags else ""),
        )
    if tags:
        return Decision("-tags", ",".join(tags), "Extra tags from build_tags.", "field build_tags")
    return None


def _module_tags(facts: GraphFacts, libc: str) -> tuple[tuple[str, ...], list[Decision]]:
    """Tags the knowledge table says a module needs under this libc (kafka's `musl`)."""
    tags, decisions = [], []
    for known in facts.known:
        wanted = known.facts.tags_for(libc)
        if wanted:
            tags.extend(wanted)
            reason = f"{known.label} under {libc}: {known.facts.tags_why} ({known.facts.cite})."
            decisions.append(Decision("-tags", ",".join(wanted), reason, "knowledge table + libc"))
    return tuple(tags), decisions


def _link_decisions(
    intent: Intent, cgo_enabled: bool
) -> tuple[str, tuple[str, ...], list[Decision]]:
    """(linkmode, extldflags, decisions for -linkmode, -extldflags and -buildmode)."""
    linkmode = LINKMODE_EXTERNAL if cgo_enabled else LINKMODE_INTERNAL
    decisions = [
        Decision(
            "-linkmode",
            linkmode,
            "cgo objects must be linked by the C linker."
            if cgo_enabled
            else "Go's own linker needs no C toolchain and emits no interpreter.",
            "libc",
        )
    ]
    extldflags: tuple[str, ...] = ()
    if cgo_enabled:
        extldflags = ("-static-pie",) if intent.static_pie else ("-static",)
        decisions.append(
            Decision(
                "-extldflags",
                " ".join(extldflags),
                "Link the C library statically: no PT_INTERP, no DT_NEEDED"
                + (", position-independent." if intent.static_pie else "."),
                "field static_pie" if intent.static_pie else "libc",
            )
        )
    if intent.static_pie:
        decisions.append(
            Decision(
                "-buildmode",
                BUILDMODE_PIE,
                "static_pie=True: a position-independent static executable.",
                "field static_pie",
            )
        )
    return linkmode, extldflags, decisions


def _scenario(intent: Intent, facts: GraphFacts, cgo_enabled: bool) -> tuple[int, Decision]:
    column = 1 if facts.dlopen_packages else 2 if facts.cgo_packages else 3
    std_via_cgo = cgo_enabled and intent.resolver == RESOLVER_LIBC
    scenario = column if std_via_cgo else column + 3
    code = {1: "cgo code that calls dlopen.", 2: "cgo code.", 3: "no cgo code."}[column]
    std = "std net/os/user via the C library; " if std_via_cgo else "std net/os/user in pure Go; "
    return scenario, Decision(
        "scenario", SCENARIO_GLYPHS[scenario], std + code, "go list + field resolver"
    )


def resolve(intent: Intent, facts: GraphFacts) -> BuildMode:
    """Resolve intent against the graph once; raise ModeError on any contradiction."""
    validate(intent, facts)
    tags = build_tags(intent)
    libc, libc_decision = _pick_libc(intent, facts)
    cgo_enabled = libc != NONE
    decisions = [_goarch_decision(intent), libc_decision]
    if facts.dlopen_packages:
        decisions.append(
            Decision(
                "allow_dlopen",
                "True",
                f"dlopen in {names(facts.dlopen_packages)} is accepted, though it fails at run "
                "time under static musl and needs the linking glibc under static glibc.",
                "field allow_dlopen",
            )
        )
    decisions.append(
        Decision(
            "CGO_ENABLED",
            "1" if cgo_enabled else "0",
            f"C code is compiled and linked against {libc}."
            if cgo_enabled
            else "No C library: cgo off, so Go links internally and the binary is static by "
            "construction.",
            "libc",
        )
    )
    c_compiler, c_target, cc_decision = _compiler(intent, libc)
    tags_decision = _tags_decision(intent, facts, tags)
    module_tags, module_decisions = _module_tags(facts, libc)
    tags = tuple(dict.fromkeys((*tags, *module_tags)))
    linkmode, extldflags, link_decisions = _link_decisions(intent, cgo_enabled)
    scenario, scenario_decision = _scenario(intent, facts, cgo_enabled)
    decisions += [d for d in (cc_decision, tags_decision) if d] + module_decisions
    decisions += link_decisions
    decisions.append(scenario_decision)
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
        buildmode=BUILDMODE_PIE if intent.static_pie else BUILDMODE_EXE,
        user_ldflags=tuple(intent.ldflags),
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
    lines = [
        f"{mode.address}: scenario {mode.scenario_glyph}, goarch={mode.goarch}, libc={mode.libc}"
    ]
    for d in mode.decisions:
        lines.append(f"  {d.setting.ljust(width)}  {d.value}  -- {d.reason} [{d.decided_by}]")
    return "\n".join(lines)
