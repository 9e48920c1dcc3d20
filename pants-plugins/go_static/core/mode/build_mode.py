"""Declared intent + package-graph facts -> one frozen build mode (rules_go's `mode.bzl` pattern).

Pants-free on purpose: the rules, the explain goal and the standalone checker all read the same
`BuildMode`, and the whole decision table is unit-testable without an engine. `resolve` first
validates (`validate.py`: every contradiction fails, with cause and fix), then derives each
setting with the reason it was chosen (`derive.py`).

Scenario numbers follow the seed's matrix (rows: how std `net`/`os/user` resolve; columns: the
project's own C code):

                             cgo + dlopen   cgo, no dlopen   no cgo
    std via cgo (libc)            1               2             3
    std via Go (netgo,osusergo)   4               5             6
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from go_static.core import quoted
from go_static.core.checker.expectation import Expectation
from go_static.core.errors import Problem
from go_static.core.gograph.mainpkg import MainSpec
from go_static.core.mode import cpu_level, derive, fips
from go_static.core.mode.decision import Decision, render_decisions
from go_static.core.mode.intent import Intent, ModeError, build_tags, names
from go_static.core.mode.stamp import AppliedXDef, VcsStamp, apply_x_defs
from go_static.core.mode.validate import validate
from go_static.core.names import (
    AUTO,
    BUILDMODE_EXE,
    BUILDMODE_PIE,
    CGO_CFLAGS_NO_DEBUG,
    FIPS_OFF,
    NONE,
    PGO_OFF,
    REPRODUCIBLE_FLAGS,
    SCENARIO_GLYPHS,
    STAMPED_FLAGS,
    ZIG,
)

if TYPE_CHECKING:
    from go_static.core.gograph.graph import GraphFacts


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
    # No DWARF (-w) and no C debug info (-g0): see _reproducibility.
    no_debug_info: bool = False
    # The x_defs field, with placeholders filled when stamping; the applied ones end -ldflags.
    x_defs: tuple[AppliedXDef, ...] = ()
    # -pgo: PGO_OFF, AUTO (go decides: a main package from the module cache), or a repo path.
    pgo: str = PGO_OFF
    # The git checkout go stamps into build info (-buildvcs=true); None for -buildvcs=false.
    vcs: VcsStamp | None = None
    # The fips field (FIPS_OFF, a GOFIPS140 value, FIPS_BORINGCRYPTO) and the frozen module
    # version build info records for it, when the SDK's lib/fips140 says.
    fips: str = FIPS_OFF
    fips_version: str | None = None
    # GOAMD64 / GOARM64 as declared (empty: none), and what build info must record.
    cpu_env: tuple[tuple[str, str], ...] = ()
    cpu_level: tuple[str, str] | None = None

    @property
    def fips_module(self) -> str:
        """Which FIPS module is inside, as explain, the report, the SBOM and provenance say."""
        return fips.module_label(self.fips, self.fips_version)

    @property
    def pgo_setting(self) -> str | None:
        """What build info's `-pgo` must say ("" for nothing), or None when go decides."""
        if self.pgo == AUTO:
            return None
        return "" if self.pgo == PGO_OFF else posixpath.basename(self.pgo)

    def pgo_flags(self, module_root: str) -> tuple[str, ...]:
        """`-pgo=...` for go build run in the module root (none when go decides)."""
        if self.pgo == AUTO:
            return ()
        if self.pgo == PGO_OFF:
            return (f"-pgo={PGO_OFF}",)
        return ("-pgo=" + posixpath.relpath(self.pgo, module_root or "."),)

    @property
    def scenario_glyph(self) -> str:
        return SCENARIO_GLYPHS[self.scenario]

    @property
    def ldflags(self) -> tuple[str, ...]:
        """The full -ldflags list: the mode's link settings first, then the target's own."""
        own = [f"-linkmode={self.linkmode}"]
        if self.no_debug_info:
            own.append("-w")
        if self.extldflags:
            # The linker splits -extldflags with quoted.Split too: one word, quoted inside.
            own.append(quoted.join(["-extldflags=" + quoted.join(self.extldflags)]))
        x_defs = (x.flag() for x in self.x_defs if x.applied)
        return (*own, *self.user_ldflags, *x_defs)

    def linker_args(self) -> tuple[str, ...]:
        """The arguments go hands the linker: -ldflags split as go splits it (quoted.Split)."""
        return tuple(quoted.split(" ".join(self.ldflags)))

    def go_build_flags(self) -> tuple[str, ...]:
        """Flags for `go build`, after the always-on REPRODUCIBLE_FLAGS."""
        tags = ("-tags=" + ",".join(self.tags),) if self.tags else ()
        buildmode = (f"-buildmode={self.buildmode}",) if self.buildmode != BUILDMODE_EXE else ()
        return (*tags, "-ldflags=" + " ".join(self.ldflags), *buildmode)

    def compile_flags(self) -> tuple[str, ...]:
        """The go build flags that change compiled packages (not the link): -tags, -buildmode."""
        return tuple(f for f in self.go_build_flags() if not f.startswith("-ldflags="))

    def go_env(self) -> dict[str, str]:
        """The environment settings the mode owns (the C compiler is bound later)."""
        env = {
            "CGO_ENABLED": "1" if self.cgo_enabled else "0",
            "GOOS": self.goos,
            "GOARCH": self.goarch,
        }
        if self.no_debug_info:
            env["CGO_CFLAGS"] = CGO_CFLAGS_NO_DEBUG
        env.update(fips.goenv(self.fips))
        env.update(self.cpu_env)
        return env


def expectation_for(mode: BuildMode) -> Expectation:
    """What the checker must find in a binary built with this mode."""
    return Expectation(
        libc=mode.libc,
        cgo_enabled=mode.cgo_enabled,
        tags=(*mode.tags, *fips.implied_tags(mode.fips, mode.fips_version)),
        ldflags=tuple(mode.ldflags),
        buildmode=mode.buildmode,
        goos=mode.goos,
        goarch=mode.goarch,
        static_pie=mode.static_pie,
        allow_dlopen=mode.allow_dlopen,
        forbid_host_paths=True,
        x_defs=tuple((x.symbol, x.value) for x in mode.x_defs if x.applied),
        pgo=mode.pgo_setting,
        vcs_revision=mode.vcs.revision if mode.vcs else "",
        vcs_modified=mode.vcs.modified if mode.vcs else None,
        fips=mode.fips,
        fips_version=mode.fips_version,
        cpu_level=mode.cpu_level,
    )


def go_build_argv(
    mode: BuildMode, module_root: str, main: MainSpec, mod_flag: str, out_file: str
) -> tuple[str, ...]:
    """`go build` arguments, run in the module root; `out_file` is relative to the sandbox."""
    return (
        "build",
        *(STAMPED_FLAGS if mode.vcs else REPRODUCIBLE_FLAGS),
        mod_flag,
        *mode.go_build_flags(),
        *mode.pgo_flags(module_root),
        "-o",
        posixpath.relpath(out_file, module_root or "."),
        main.build_arg(module_root),
    )


def resolve(intent: Intent, facts: GraphFacts) -> BuildMode:
    """Resolve intent against the graph once; raise ModeError on any contradiction."""
    validate(intent, facts)
    tags = build_tags(intent)
    libc, libc_decision = derive.pick_libc(intent, facts)
    cgo_enabled = libc != NONE
    decisions = [derive.goarch_decision(intent), libc_decision]
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
    c_compiler, c_target, cc_decision = derive.compiler(intent, libc)
    tags_decision = derive.tags_decision(intent, facts, tags)
    module_tags, module_decisions = derive.module_tags(facts, libc)
    tags = tuple(dict.fromkeys((*tags, *module_tags)))
    linkmode, extldflags, link_decisions = derive.link_decisions(intent, cgo_enabled)
    scenario, scenario_decision = derive.scenario(intent, facts, cgo_enabled)
    decisions += [d for d in (cc_decision, tags_decision) if d] + module_decisions
    decisions.append(derive.tzdata_decision(intent))
    decisions += link_decisions
    x_defs = apply_x_defs(dict(intent.x_defs), intent.stamp)
    decisions += derive.x_def_decisions(x_defs)
    pgo, pgo_decision = derive.pgo(intent, facts, intent.main_dir)
    vcs = intent.stamp.vcs if intent.stamp else None
    decisions += [pgo_decision, derive.buildvcs_decision(vcs, intent.stamp is not None)]
    no_debug_info = c_compiler == ZIG
    if no_debug_info:
        decisions.append(derive.reproducibility_decision())
    decisions += fips.decisions(intent) + cpu_level.decisions(intent)
    decisions.append(scenario_decision)
    mode = BuildMode(
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
        no_debug_info=no_debug_info,
        x_defs=x_defs,
        pgo=pgo,
        vcs=vcs,
        fips=intent.fips,
        fips_version=fips.snapshot_version(intent),
        cpu_env=tuple(cpu_level.goenv(intent).items()),
        cpu_level=cpu_level.expected(intent),
    )
    _check_linker_args(mode)
    return mode


def _check_linker_args(mode: BuildMode) -> None:
    """The -ldflags string must reach the linker as exactly the words the mode means.

    validate() has judged every entry and filled-in value; this is the last guard, on the one
    string go will split, in case a later change assembles it differently."""
    expected = [w for flag in mode.ldflags for w in quoted.split(flag)]
    x_defs = [["-X", f"{x.symbol}={x.value}"] for x in mode.x_defs if x.applied]
    tail = expected[len(expected) - 2 * len(x_defs) :] if x_defs else []
    if mode.linker_args() == tuple(expected) and tail == [w for pair in x_defs for w in pair]:
        return
    raise ModeError(
        mode.address,
        [
            Problem(
                f"-ldflags {' '.join(mode.ldflags)!r} would not reach the linker as declared.",
                "go splits -ldflags with cmd/internal/quoted, and this string splits into other "
                "flags than the ldflags and x_defs entries mean.",
                "Simplify the quoting of the ldflags and x_defs entries (one kind of quote, no "
                "control characters).",
            )
        ],
    )


def explain(mode: BuildMode) -> str:
    """A human-readable table of every decision, for logs and the explain goal."""
    head = f"{mode.address}: scenario {mode.scenario_glyph}, goarch={mode.goarch}, libc={mode.libc}"
    if fips.is_fips(mode.fips):
        head += f", FIPS module {mode.fips_module}"
    return "\n".join([head, *render_decisions(mode.decisions)])
