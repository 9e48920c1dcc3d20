"""Each build setting derived from validated intent and graph facts, with the reason it was chosen.

Pants-free. `build_mode.resolve` calls these after `validate` has rejected every contradiction
(validate reads `pick_libc` too, for the libc "auto" resolves to), so nothing here fails: each
function returns a value and the `Decision` that explains it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from go_static.core.arches import ARCHES
from go_static.core.mode.decision import Decision
from go_static.core.mode.fips import pick_libc_for as fips_libc_reason
from go_static.core.mode.intent import Intent, names
from go_static.core.mode.stamp import AppliedXDef, VcsStamp
from go_static.core.names import (
    AUTO,
    BUILDMODE_PIE,
    CGO_CFLAGS_NO_DEBUG,
    DEFAULT_PGO,
    GLIBC,
    LINKMODE_EXTERNAL,
    LINKMODE_INTERNAL,
    MUSL,
    NONE,
    PGO_OFF,
    RESOLVER_GO,
    RESOLVER_LIBC,
    SCENARIO_GLYPHS,
    TZDATA_EMBED,
    TZDATA_OFF,
    TZDATA_TAG,
    ZIG,
)

if TYPE_CHECKING:
    from go_static.core.gograph.graph import GraphFacts


def pick_libc(intent: Intent, facts: GraphFacts) -> tuple[str, Decision]:
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
    elif fips_libc_reason(intent) is not None:
        why, trigger = fips_libc_reason(intent) or ("", "")
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


def compiler(intent: Intent, libc: str) -> tuple[str | None, str | None, Decision | None]:
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


def goarch_decision(intent: Intent) -> Decision:
    if not intent.goarch_declared:
        reason = "The host's GOARCH (the target has no goarch field)."
        return Decision("GOARCH", intent.goarch, reason, "host")
    how = "cross-compiled" if intent.cross else "the host's own arch"
    reason = f'goarch="{intent.goarch}" was declared ({how}; the host is {intent.host_goarch}).'
    return Decision("GOARCH", intent.goarch, reason, "field goarch")


def tags_decision(intent: Intent, facts: GraphFacts, tags: tuple[str, ...]) -> Decision | None:
    if intent.resolver == RESOLVER_GO:
        uses = (
            f" ({', '.join(facts.resolver_packages)} imported)" if facts.resolver_packages else ""
        )
        return Decision(
            "-tags",
            ",".join(tags),
            f'resolver="go": std\'s pure-Go DNS and user lookups{uses}, so nothing loads NSS at '
            "run time.",
            "field resolver"
            + (" + field build_tags" if intent.build_tags else "")
            + (" + field tzdata" if intent.tzdata == TZDATA_EMBED else ""),
        )
    if tags:
        fields = [
            f
            for f, on in (
                ("build_tags", intent.build_tags),
                ("tzdata", intent.tzdata == TZDATA_EMBED),
            )
            if on
        ]
        reason = f"Extra tags from {' and '.join(fields)}."
        return Decision("-tags", ",".join(tags), reason, " + ".join(f"field {f}" for f in fields))
    return None


def tzdata_decision(intent: Intent) -> Decision:
    """Whether Go's zoneinfo database is built in, and why."""
    if intent.tzdata == TZDATA_EMBED:
        reason = (
            f'tzdata="embed": the {TZDATA_TAG} tag builds time/tzdata in (about 450 KB), so '
            "time.LoadLocation works where no /usr/share/zoneinfo exists, e.g. a scratch image."
        )
        return Decision("tzdata", TZDATA_TAG, reason, "field tzdata")
    if intent.tzdata == TZDATA_OFF:
        reason = 'tzdata="off": no zoneinfo built in; time.LoadLocation reads the host\'s.'
        return Decision("tzdata", TZDATA_OFF, reason, "field tzdata")
    # A binary can't see the images that hold it (Pants' graph runs image -> binary), so "auto"
    # is decided where that is known: go_static_image's runtime check.
    reason = (
        'tzdata="auto": nothing built in here; a go_static_image holding this binary fails with '
        "runtime-zoneinfo if the linked binary calls time.LoadLocation and the image has no "
        'zoneinfo, and the fix is tzdata="embed".'
    )
    return Decision("tzdata", AUTO, reason, "field tzdata")


def module_tags(facts: GraphFacts, libc: str) -> tuple[tuple[str, ...], list[Decision]]:
    """Tags the knowledge table says a module needs under this libc (kafka's `musl`)."""
    tags, decisions = [], []
    for known in facts.known:
        wanted = known.facts.tags_for(libc)
        if wanted:
            tags.extend(wanted)
            reason = f"{known.label} under {libc}: {known.facts.tags_why} ({known.facts.cite})."
            decisions.append(Decision("-tags", ",".join(wanted), reason, "knowledge table + libc"))
    return tuple(tags), decisions


def link_decisions(
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


def reproducibility_decision() -> Decision:
    return Decision(
        "-w, CGO_CFLAGS",
        f"-w, {CGO_CFLAGS_NO_DEBUG}",
        "zig builds its own musl with debug info that holds zig's install dir and the sandbox it "
        "first ran in, which no prefix map reaches: without DWARF (-w; zig's linker then drops "
        ".symtab too) and C debug info (-g0) the binary is byte-identical on every machine and "
        "holds no host path.",
        "CC zig",
    )


def x_def_decisions(x_defs: tuple[AppliedXDef, ...]) -> list[Decision]:
    """One decision per x_defs entry: what `-X` sets it to, or why it is left out."""
    decisions = []
    for x in x_defs:
        if not x.stamped:
            reason = "a literal value, linked in with -X"
        elif x.applied:
            reason = f"stamped from {x.template!r}: [go-static].stamp is on"
        else:
            reason = (
                f"not linked in: {x.template!r} needs stamping, and [go-static].stamp is off, so "
                "the variable keeps its default in the source and the build stays reproducible"
            )
        decisions.append(Decision(f"-X {x.symbol}", x.value if x.applied else "", reason, "x_defs"))
    return decisions


def default_profile(main_dir: str) -> str:
    """Where Go's -pgo=auto looks for a main package's profile."""
    return f"{main_dir}/{DEFAULT_PGO}" if main_dir else DEFAULT_PGO


def profile_candidates(intent: Intent) -> list[str]:
    """The profiles the `pgo` setting may read, for the rule to look for: the one the field
    names, or default.pgo beside an in-repo main package under "auto"."""
    if intent.pgo not in (AUTO, PGO_OFF):
        return [intent.pgo]
    if intent.pgo == AUTO and intent.main_dir is not None:
        return [default_profile(intent.main_dir)]
    return []


def pgo(intent: Intent, facts: GraphFacts, main_dir: str | None) -> tuple[str, Decision]:
    """The `-pgo` setting (PGO_OFF, AUTO, or a profile's repo path) and why."""
    if intent.pgo == PGO_OFF:
        return PGO_OFF, Decision("-pgo", PGO_OFF, 'pgo="off": no profile.', "field pgo")
    if intent.pgo != AUTO:
        reason = "the profile the pgo field names: every package is compiled with it."
        return intent.pgo, Decision("-pgo", intent.pgo, reason, "field pgo")
    if main_dir is None:
        # The main package is in the module cache: go looks beside it, as `go build` does.
        reason = (
            "Go's -pgo=auto: the main package is in the module cache, and go uses a default.pgo "
            "beside it if its module ships one (build info records it); not compared."
        )
        return AUTO, Decision("-pgo", AUTO, reason, "field pgo (auto)")
    found = default_profile(main_dir)
    if found in facts.profiles:
        reason = (
            f"{DEFAULT_PGO} is beside the main package, and Go's default is -pgo=auto: plain "
            "`go build` uses it, so this build does too."
        )
        return found, Decision("-pgo", found, reason, "field pgo (auto) + repo")
    reason = f"no {DEFAULT_PGO} beside the main package, so -pgo=auto has no profile either."
    return PGO_OFF, Decision("-pgo", PGO_OFF, reason, "field pgo (auto) + repo")


def buildvcs_decision(vcs: VcsStamp | None, stamping: bool) -> Decision:
    if vcs is not None:
        state = "modified" if vcs.modified else "clean"
        return Decision(
            "-buildvcs",
            "true",
            f"stamping is on: go reads this git checkout ({vcs.revision[:12]}, {state}) and "
            "records vcs.revision, vcs.time, vcs.modified and the tag's version, as plain "
            "`go build` does.",
            "[go-static].stamp + git",
        )
    if stamping:
        reason = "stamping is on, but the build root is not a git checkout: go records none."
    else:
        reason = (
            "stamping is off: no VCS state in build info, so a commit that changes none of "
            "the build's inputs rebuilds nothing."
        )
    return Decision("-buildvcs", "false", reason, "[go-static].stamp")


def scenario(intent: Intent, facts: GraphFacts, cgo_enabled: bool) -> tuple[int, Decision]:
    column = 1 if facts.dlopen_packages else 2 if facts.cgo_packages else 3
    std_via_cgo = cgo_enabled and intent.resolver == RESOLVER_LIBC
    scenario = column if std_via_cgo else column + 3
    code = {1: "cgo code that calls dlopen.", 2: "cgo code.", 3: "no cgo code."}[column]
    std = "std net/os/user via the C library; " if std_via_cgo else "std net/os/user in pure Go; "
    return scenario, Decision(
        "scenario", SCENARIO_GLYPHS[scenario], std + code, "go list + field resolver"
    )
