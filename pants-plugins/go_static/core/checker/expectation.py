"""What a binary is checked against (Expectation), and what the check finds (Violation, Verdict).

Pants-free. The rules that produce them live in `go_static.core.checker.verdict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from go_static.core.checker.elf import ElfFacts
from go_static.core.checker.linker_output import LinkWarning
from go_static.core.names import FAIL, GLIBC, PASS
from go_static.core.sizes import format_size


@dataclass(frozen=True)
class Expectation:
    """What the build asked for; None means unknown (e.g. from the CLI), so not checked."""

    libc: str | None = None  # "none" | "musl" | "glibc"
    cgo_enabled: bool | None = None
    tags: tuple[str, ...] | None = None
    ldflags: tuple[str, ...] | None = None
    buildmode: str | None = None  # "exe" | "pie"
    goos: str | None = None
    goarch: str | None = None
    static_pie: bool = False
    allow_dlopen: bool = False
    forbid_host_paths: bool = False  # a build-host path in the binary is a violation
    # (symbol, value) of every -X the link was given: each value must be in the binary.
    x_defs: tuple[tuple[str, str], ...] = ()
    # Build info's `-pgo`: the profile's file name, "" for none; None when go decided.
    pgo: str | None = None
    # Build info's `vcs.revision`: "" means no VCS state may be recorded.
    vcs_revision: str | None = None
    vcs_modified: bool | None = None
    # The fips field (None: not checked): what GOFIPS140 / GOEXPERIMENT and the FIPS module's
    # symbols must show; fips_version is the frozen module build info must name, when known.
    fips: str | None = None
    fips_version: str | None = None
    # (GOAMD64 or GOARM64, level) build info must record; None for other arches or the CLI.
    cpu_level: tuple[str, str] | None = None

    @property
    def expects_go(self) -> bool:
        """Go build settings are expected. A GOARCH alone is not: any ELF has a machine."""
        settings = (self.cgo_enabled, self.tags, self.ldflags, self.buildmode, self.goos)
        return any(x is not None for x in settings)


@dataclass(frozen=True)
class Violation:
    """One broken static-binary rule: a stable code, the evidence, why it matters, the fix."""

    code: str
    evidence: str
    why: str
    fix: str


@dataclass(frozen=True)
class Verdict:
    """The judgement on one binary: violations fail it; notes say what could not be checked."""

    facts: ElfFacts
    expectation: Expectation
    link_warnings: tuple[LinkWarning, ...]
    violations: tuple[Violation, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def status(self) -> str:
        """ "pass" or "fail", as the report and the CLI print it."""
        return FAIL if self.violations else PASS

    @property
    def passed(self) -> bool:
        return not self.violations

    @property
    def dlopen_referenced(self) -> bool:
        """Does the program itself use dlopen? Static glibc always carries libc's own dlopen, so
        there only the link warning tells."""
        if self.facts.libc_detected == GLIBC and self.facts.linkage != "dynamic":
            return any(w.kind == "dlopen" for w in self.link_warnings)
        return self.facts.dlopen_referenced

    def summary_line(self) -> str:
        """E.g. "static, musl, 2.1 MiB" or "static-pie, glibc, 3.0 MiB"."""
        return f"{self.facts.linkage}, {self.facts.libc_detected}, {format_size(self.facts.size)}"
