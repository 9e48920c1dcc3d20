"""The static-binary rules: the violations of one binary's facts against what the build expected.

Pants-free (stdlib only). `evaluate(facts, expectation, link_log)` is the whole check; the rule
and `python -m go_static.check` both call it, on facts from `go_static.core.checker.elf`.
"""

from __future__ import annotations

import re

from go_static.core.arches import ARCHES, goarch_for_machine
from go_static.core.checker.buildinfo import LEGACY_VERSION, GoBuildInfo
from go_static.core.checker.elf import ElfFacts
from go_static.core.checker.expectation import Expectation, Verdict, Violation
from go_static.core.checker.linker_output import LinkWarning, parse_link_warnings
from go_static.core.names import (
    FIPS_BORINGCRYPTO,
    FIPS_LATEST,
    FIPS_MODULE_PACKAGE,
    FIPS_OFF,
    GLIBC,
    MUSL,
    UNKNOWN,
)
from go_static.core.quoted import split

FIX_STATIC = (
    'link statically: in a go_static_binary, libc="musl" (zig cc) or libc="none"; by hand, '
    "CGO_ENABLED=0, or -linkmode=external -extldflags=-static with gcc"
)
FIX_NSS = 'resolver="go" (adds netgo,osusergo) if Go\'s net/os/user called it, else libc="musl"'
# Where the call came from: std's cgo resolver (net, os/user) or the project's own C code.
_STD_CALLER = re.compile(r"GOROOT/src/|cgo_unix_cgo|/net/cgo_|/os/user/")
FIX_DLOPEN = "remove the dlopen call, or set allow_dlopen=True (--allow-dlopen) to accept it"


def _words(flags: str) -> list[str]:
    """The flag list go hands the linker: go splits -ldflags with cmd/internal/quoted."""
    try:
        return split(flags)
    except ValueError:
        return flags.split()


def _linkage(facts: ElfFacts, exp: Expectation) -> list[Violation]:
    out = []
    if facts.interpreter:
        out.append(
            Violation(
                "interpreter",
                f"PT_INTERP {facts.interpreter}",
                f"the kernel starts the binary through {facts.interpreter}, so it runs only where "
                "that loader and the libraries it loads exist",
                FIX_STATIC,
            )
        )
    for lib in facts.needed:
        out.append(
            Violation(
                "needed",
                f"DT_NEEDED {lib}",
                f"the dynamic loader must find {lib} on the host at run time",
                FIX_STATIC,
            )
        )
    if facts.static_pie and not exp.static_pie:
        out.append(
            Violation(
                "dynamic-not-pie",
                f"{facts.elf_type} with PT_DYNAMIC, no PT_INTERP/DT_NEEDED (static-pie)",
                "a static-pie was not requested, so the link did not use the mode's flags",
                "set static_pie=True (--static-pie) if intended; else the C compiler made a "
                "static-pie on its own: in a go_static_binary name one that honours -static in "
                "[go-static] (glibc_cc, musl_cc), by hand link with -extldflags=-static",
            )
        )
    if exp.static_pie and facts.linkage == "static" and not facts.static_pie:
        out.append(
            Violation(
                "not-static-pie",
                facts.elf_type,
                "static_pie=True was requested, but the binary is a fixed-address executable (no "
                "ASLR)",
                "in a go_static_binary the mode passes -static-pie, so the C compiler ignored "
                "it: use zig or gcc with a static-pie capable libc (rcrt1.o); by hand link with "
                "-buildmode=pie -linkmode=external -extldflags=-static-pie",
            )
        )
    return out


def _warnings(
    warnings: tuple[LinkWarning, ...], exp: Expectation, notes: list[str]
) -> list[Violation]:
    out = []
    for w in warnings:
        if w.kind == "nss":
            std = bool(_STD_CALLER.search(w.line))
            out.append(
                Violation(
                    "nss-warning",
                    w.line,
                    f"{w.symbol} in a static glibc binary loads libnss_*.so at run time; it "
                    "crashes or misbehaves on hosts with a different glibc",
                    'resolver="go" (adds netgo,osusergo, so std\'s net/os/user stop calling it)'
                    if std
                    else f'libc="musl" (musl has no NSS), or stop calling {w.symbol} from your C '
                    "code",
                )
            )
        elif w.kind == "dlopen" and exp.allow_dlopen:
            notes.append(f"allow_dlopen=True: accepted the link warning for {w.symbol}")
        elif w.kind == "dlopen":
            out.append(
                Violation(
                    "dlopen-warning",
                    w.line,
                    f"{w.symbol} in a static glibc binary needs the exact glibc it was linked with "
                    "at run time, and the loaded library gets a second libc",
                    FIX_DLOPEN,
                )
            )
        else:
            out.append(
                Violation(
                    "static-link-warning",
                    w.line,
                    f"glibc says {w.symbol} needs its shared libraries at run time, even in a "
                    "static binary",
                    f'stop calling {w.symbol}, or set libc="musl"',
                )
            )
    return out


def _dlopen_and_nss(
    facts: ElfFacts, exp: Expectation, link_log: str, has_nss_warning: bool, notes: list[str]
) -> list[Violation]:
    out = []
    if facts.nss_evidence and not has_nss_warning:
        out.append(
            Violation(
                "nss-symbol",
                facts.nss_evidence,
                "the static glibc binary carries glibc's NSS code, which loads libnss_*.so at run "
                "time and breaks on hosts with a different glibc",
                FIX_NSS,
            )
        )
    no_log = "" if link_log else "; no link log was given"
    if exp.allow_dlopen:
        return out
    if facts.libc_detected == GLIBC and facts.linkage != "dynamic":
        notes.append(
            "static glibc always links its own dlopen (libc.a's NSS/iconv code), so the dlopen "
            "check relied on link warnings only" + no_log
        )
    elif facts.dlopen_referenced:
        musl = facts.libc_detected == MUSL
        out.append(
            Violation(
                "dlopen-symbol",
                facts.dlopen_evidence,
                'musl\'s static dlopen always fails at run time ("Dynamic loading not supported")'
                if musl
                else "the binary calls dlopen, which cannot load libraries reliably into a static "
                "binary",
                FIX_DLOPEN,
            )
        )
    elif facts.stripped and facts.linkage != "dynamic":  # .dynsym survives strip
        notes.append(
            "stripped (no .symtab): the dlopen check relied on link warnings and strings "
            "only" + no_log
        )
    return out


def _build_info(facts: ElfFacts, exp: Expectation, notes: list[str]) -> list[Violation]:
    bi = facts.build_info
    if bi is None:
        return (
            [
                Violation(
                    "not-go",
                    "no .go.buildinfo section",
                    "Go build settings were expected, but this is not a Go binary (or not the one "
                    "built)",
                    "check that the checked file is the output of go build",
                )
            ]
            if exp.expects_go
            else []
        )
    if bi.go_version == LEGACY_VERSION:
        notes.append("pre-go1.18 build info: build settings not compared")
        return []
    out = []

    def differ(key: str, actual: str, expected: str) -> None:
        out.append(
            Violation(
                "buildinfo-mismatch",
                bi.line(key),
                f"build info says {key}={actual!r} but the build mode expects {expected!r}: the "
                "binary was not built the way the mode says",
                "rebuild; make sure nothing (GOFLAGS, CGO_ENABLED, a wrapper) overrides the "
                "mode's flags",
            )
        )

    if exp.cgo_enabled is not None and bi.cgo_enabled not in (None, exp.cgo_enabled):
        differ("CGO_ENABLED", bi.get("CGO_ENABLED", ""), "1" if exp.cgo_enabled else "0")
    if exp.tags is not None and set(bi.tags) != set(exp.tags):
        differ("-tags", ",".join(bi.tags), ",".join(exp.tags))
    if exp.buildmode is not None and bi.buildmode != exp.buildmode:
        differ("-buildmode", bi.buildmode, exp.buildmode)
    for key, want in (("GOOS", exp.goos), ("GOARCH", exp.goarch)):
        if want is not None and bi.get(key) not in (None, want):
            differ(key, bi.get(key, ""), want)
    if exp.pgo is not None and (bi.get("-pgo") or "") != exp.pgo:
        differ("-pgo", bi.get("-pgo") or "(none)", exp.pgo or "(none)")
    if exp.vcs_revision is not None and (bi.get("vcs.revision") or "") != exp.vcs_revision:
        differ("vcs.revision", bi.get("vcs.revision") or "(none)", exp.vcs_revision or "(none)")
    if exp.vcs_modified is not None and bi.get("vcs.modified") != str(exp.vcs_modified).lower():
        differ("vcs.modified", bi.get("vcs.modified") or "(none)", str(exp.vcs_modified).lower())
    if exp.ldflags is not None:
        if bi.ldflags is None:
            notes.append(
                "-ldflags is not in the build info (Go drops it under -trimpath, "
                "golang/go#52372); not compared"
            )
        elif _words(bi.ldflags) != _words(" ".join(exp.ldflags)):
            differ("-ldflags", bi.ldflags, " ".join(exp.ldflags))
    return out


def _machine(facts: ElfFacts, exp: Expectation) -> list[Violation]:
    expected = ARCHES.get(exp.goarch) if exp.goarch else None
    if expected is None or facts.machine == expected.elf_machine:
        return []
    found = goarch_for_machine(facts.machine) or "an arch go_static_binary doesn't build"
    return [
        Violation(
            "machine-mismatch",
            f"e_machine {facts.machine}",
            f"the mode builds for {exp.goarch} ({expected.elf_machine}), but the ELF's machine is "
            f"{facts.machine} ({found}), so it won't run where it is shipped",
            "make sure GOARCH reaches go build and CC targets the same arch (zig cc -target "
            "<arch>-linux-musl, <triple>-gcc); nothing may override the mode's environment",
        )
    ]


def _host_paths(facts: ElfFacts, exp: Expectation) -> list[Violation]:
    if not exp.forbid_host_paths or not facts.host_path_count:
        return []
    shown = "; ".join(facts.host_paths)
    return [
        Violation(
            "host-path",
            f"{facts.host_path_count} build-host path string(s), e.g. {shown}",
            "the binary holds paths of the machine that built it, so it differs between "
            "machines (not reproducible, and no shared cache can serve it) and leaks the build "
            "host's layout",
            "go_static_binary keeps them out (-trimpath; for zig, -w and CGO_CFLAGS=-O2 -g0): "
            "look for an ldflags -X value or C code (__FILE__, its own debug info) that carries "
            'one; ldflags=["-w"] drops DWARF',
        )
    ]


def _x_defs(facts: ElfFacts, exp: Expectation) -> list[Violation]:
    # Go's linker ignores an -X whose name matches no string variable, without a word.
    return [
        Violation(
            "x-def-not-set",
            f"-X {symbol}={value}: the value is nowhere in the binary",
            "the link was told to set this variable, but it holds its old value, so the binary "
            "reports a version (or other stamp) it was not given",
            f"check that {symbol} names a package-level string variable (importpath.name, e.g. "
            "main.version), and that it is uninitialized or initialized to a constant string",
        )
        for symbol, value in exp.x_defs
        if value and value in facts.missing_strings
    ]


def _libc(facts: ElfFacts, exp: Expectation) -> list[Violation]:
    # "unknown" fails only when a libc was expected: then nothing confirms the build did what the
    # mode says. With no expectation (plain CLI use) an unidentified libc is just reported.
    if exp.libc is None or facts.libc_detected == exp.libc:
        return []
    fix = (
        'for libc="musl" CC must be a musl compiler (zig cc -target <arch>-linux-musl, musl-gcc); '
        'for "glibc", gcc; for "none", CGO_ENABLED=0 must reach go build'
    )
    if facts.libc_detected == UNKNOWN:
        return [
            Violation(
                "libc-unknown",
                facts.libc_evidence,
                f"libc={exp.libc!r} was expected, but no marker shows which C library (if any) is "
                "linked",
                fix,
            )
        ]
    return [
        Violation(
            "libc-mismatch",
            f"{facts.libc_detected}: {facts.libc_evidence}",
            f"the mode links {exp.libc}, but the binary carries {facts.libc_detected}",
            fix,
        )
    ]


FIX_FIPS = (
    "rebuild with the target's fips field reaching go build (GOFIPS140 for Go's module, "
    "GOEXPERIMENT=boringcrypto for BoringCrypto); nothing (GOFLAGS, a wrapper, a //go:debug "
    "fips140=off line in the main package) may override it"
)


def _fips_setting(bi_godebug: str) -> str:
    """The fips140 GODEBUG default build info records ("" when none): on/only mean FIPS mode."""
    for item in bi_godebug.split(","):
        key, _, value = item.partition("=")
        if key == "fips140":
            return value
    return ""


def _fips(facts: ElfFacts, exp: Expectation) -> list[Violation]:
    bi = facts.build_info
    if exp.fips is None or bi is None or bi.go_version == LEGACY_VERSION:
        return []
    recorded = bi.get("GOFIPS140") or FIPS_OFF
    experiments = (bi.get("GOEXPERIMENT") or "").split(",")
    if exp.fips == FIPS_OFF:
        return _fips_unexpected(bi, recorded, experiments)
    if exp.fips == FIPS_BORINGCRYPTO:
        return _boringcrypto(facts, experiments)
    return _native_fips(facts, exp, recorded)


def _fips_unexpected(bi: GoBuildInfo, recorded: str, experiments: list[str]) -> list[Violation]:
    if recorded == FIPS_OFF and FIPS_BORINGCRYPTO not in experiments:
        return []
    what = f"GOFIPS140={recorded}" if recorded != FIPS_OFF else "GOEXPERIMENT=boringcrypto"
    return [
        Violation(
            "fips-unexpected",
            bi.line("GOFIPS140" if recorded != FIPS_OFF else "GOEXPERIMENT"),
            f'fips="{FIPS_OFF}" was declared, but the binary was built with {what}: '
            "something outside the mode (the environment, a wrapper) chose its crypto",
            "set the fips field to the module you want, or keep GOFIPS140 and "
            "GOEXPERIMENT out of the build's environment",
        )
    ]


def _boringcrypto(facts: ElfFacts, experiments: list[str]) -> list[Violation]:
    bi = facts.build_info
    assert bi is not None
    if FIPS_BORINGCRYPTO not in experiments:
        return [
            Violation(
                "fips-not-enabled",
                bi.line("GOEXPERIMENT"),
                f'fips="{FIPS_BORINGCRYPTO}" was declared, but build info records no '
                "GOEXPERIMENT=boringcrypto: the binary uses Go's ordinary crypto",
                FIX_FIPS,
            )
        ]
    if not facts.boringcrypto:
        return [
            Violation(
                "fips-module-missing",
                "no _goboringcrypto_ symbol",
                "build info says boringcrypto, but none of BoringCrypto's cgo calls are in "
                "the binary, so its crypto is not BoringSSL's",
                FIX_FIPS,
            )
        ]
    return []


def _native_fips(facts: ElfFacts, exp: Expectation, recorded: str) -> list[Violation]:
    bi = facts.build_info
    assert bi is not None and exp.fips is not None
    godebug = _fips_setting(bi.get("DefaultGODEBUG") or "")
    want = exp.fips_version or exp.fips
    if recorded == FIPS_OFF or godebug not in ("on", "only"):
        evidence = bi.line("GOFIPS140") if recorded == FIPS_OFF else bi.line("DefaultGODEBUG")
        why = (
            "build info records no GOFIPS140, so the binary was built with Go's ordinary crypto"
            if recorded == FIPS_OFF
            else f"build info's default GODEBUG has fips140={godebug or '(unset)'}, not on, so "
            "the FIPS module is not in FIPS mode at run time"
        )
        return [
            Violation(
                "fips-not-enabled",
                evidence,
                f'fips="{exp.fips}" was declared, but {why}',
                FIX_FIPS,
            )
        ]
    out = _module_matches(bi, exp, recorded, want)
    # Build info could be edited; the module's own packages can't be without rebuilding.
    if facts.fips140_linked:
        out += _module_symbols(facts, recorded)
    return out


def _module_matches(bi: GoBuildInfo, exp: Expectation, recorded: str, want: str) -> list[Violation]:
    assert exp.fips is not None
    matches = (
        recorded == FIPS_LATEST
        if exp.fips == FIPS_LATEST
        else recorded == want
        or (not exp.fips_version and recorded.startswith(exp.fips + "-"))
        or (not exp.fips_version and not exp.fips.startswith("v") and recorded != FIPS_LATEST)
    )
    if matches:
        return []
    return [
        Violation(
            "fips-module-mismatch",
            bi.line("GOFIPS140"),
            f'fips="{exp.fips}" selects the FIPS module {want}, but build info records '
            f"{recorded}: another module than the declared one is inside",
            FIX_FIPS,
        )
    ]


def _module_symbols(facts: ElfFacts, recorded: str) -> list[Violation]:
    snapshot = recorded if recorded != FIPS_LATEST else None
    found = facts.fips_snapshots
    if found == ((snapshot,) if snapshot else ()):
        return []
    shown = ", ".join(f"{FIPS_MODULE_PACKAGE}/{v}" for v in found) or (
        f"{FIPS_MODULE_PACKAGE} (the SDK's own source, no frozen version)"
    )
    return [
        Violation(
            "fips-module-mismatch",
            f"symbols of {shown}",
            f"build info records GOFIPS140={recorded}, but the linked FIPS module's "
            f"packages are {shown}: the crypto inside is not the module build info names",
            FIX_FIPS,
        )
    ]


def _cpu_level(facts: ElfFacts, exp: Expectation) -> list[Violation]:
    bi = facts.build_info
    if exp.cpu_level is None or bi is None or bi.go_version == LEGACY_VERSION:
        return []
    var, level = exp.cpu_level
    recorded = bi.get(var)
    if recorded == level:
        return []
    field = var.lower()
    return [
        Violation(
            "cpu-level-mismatch",
            bi.line(var),
            f"the mode builds for {var}={level}, but build info records {recorded or 'none'}: "
            "the binary needs other CPU features than the ones declared, so it runs (or "
            "crashes) on other machines than intended",
            f"set the {field} field to the level you mean; nothing (the environment, GOFLAGS, a "
            f"wrapper) may set {var} around the mode",
        )
    ]


def evaluate(
    facts: ElfFacts, expectation: Expectation | None = None, link_log: str = ""
) -> Verdict:
    """Check one binary's facts (and the link's output) against what the build expected."""
    exp = expectation or Expectation()
    notes: list[str] = []
    warnings = parse_link_warnings(link_log)
    found = _linkage(facts, exp) + _warnings(warnings, exp, notes)
    has_nss = any(v.code == "nss-warning" for v in found)
    found += _dlopen_and_nss(facts, exp, link_log, has_nss, notes)
    found += _build_info(facts, exp, notes) + _machine(facts, exp) + _libc(facts, exp)
    found += _host_paths(facts, exp) + _x_defs(facts, exp)
    found += _fips(facts, exp) + _cpu_level(facts, exp)
    return Verdict(facts, exp, warnings, tuple(found), tuple(notes))
