"""Every contradiction in a target's intent, alone or against its package graph: cause and fix.

Pants-free; rules_go's `validate_mode`. `validate` is the one validation a target gets: the
fields and options, the graph facts and the stamped values, before the mode is derived, raising
one ModeError that names the target and every problem at once, each with why and fix.
`validate_intent` runs before `go list` and fails only when the listing itself would be wrong
(an unknown libc, resolver or arch, a malformed build tag), so nothing else hides the graph's
problems.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator, Sequence

from go_static.core import quoted
from go_static.core.arches import ARCHES, C_GOARCHES, SUPPORTED_GOARCHES, UNCHECKABLE_GOARCHES
from go_static.core.errors import Problem
from go_static.core.mode import cpu_level, fips
from go_static.core.mode.derive import pick_libc
from go_static.core.mode.intent import Intent, ModeError, StampError, names
from go_static.core.mode.stamp import stamped_value_problems, x_def_problems
from go_static.core.names import (
    AUTO,
    CGO_RESOLVER_TAGS,
    GLIBC,
    LIBCS,
    MODE_OWNED_LDFLAGS,
    MUSL,
    MUSL_GCC,
    NONE,
    PGO_OFF,
    PURE_GO_RESOLVER_TAGS,
    RESOLVER_GO,
    RESOLVER_LIBC,
    RESOLVERS,
)

if TYPE_CHECKING:
    from go_static.core.gograph.graph import GraphFacts

_TAG_RE = re.compile(r"^[A-Za-z0-9_.]+$")


def problems(intent: Intent, facts: GraphFacts | None = None) -> list[Problem]:
    """Every contradiction among the fields and options, and against the graph when given."""
    found = [*_validate_choices(intent), *_validate_goarch(intent)]
    if found:
        return found  # the checks below assume a known libc, resolver and arch
    found += [
        *_validate_tags(intent),
        *_validate_ldflags(intent),
        *x_def_problems(dict(intent.x_defs)),
        *_validate_output_path(intent),
        *fips.choices_problems(intent),
        *cpu_level.problems(intent),
    ]
    if facts is not None:
        found += [
            *_validate_system_libs(intent, facts),
            *_validate_dlopen(intent, facts),
            *_validate_libc(intent, facts),
            *_validate_nss(intent, facts),
            *_validate_arch_toolchain(intent, facts),
            *_validate_pgo(intent, facts),
            *fips.problems(intent, pick_libc(intent, facts)[0]),
        ]
    return found


def validate_intent(intent: Intent) -> None:
    """Before `go list`: raise ModeError only when the listing itself can't be trusted.

    A bad libc, resolver, GOOS, GOARCH or build tag would make `go list` fail or list the wrong
    files, so those fail here, with every other problem of the fields at once. Anything else (a
    bad ldflags entry, say) waits for `validate`, so it is reported with the graph's problems
    instead of hiding them."""
    blocking = [*_validate_choices(intent), *_validate_goarch(intent)]
    blocking += [p for p in _validate_tags(intent) if p.what.endswith("is not a Go build tag.")]
    if blocking:
        _raise(intent, problems(intent))


def validate(intent: Intent, facts: GraphFacts) -> None:
    """Raise ModeError naming every contradiction in the intent, against the graph, and in the
    stamped values (code `stamp`): the one validation a target gets."""
    found = problems(intent, facts)
    # A template already reported (a bad key or placeholder) is not judged again filled in.
    sound = {k: v for k, v in intent.x_defs if not any(x_def_problems({k: v}))}
    _raise(intent, found, list(stamped_value_problems(sound, intent.stamp)))


def _raise(intent: Intent, found: list[Problem], stamped: Sequence[Problem] = ()) -> None:
    if found:
        raise ModeError(intent.address, found, stamped)
    if stamped:
        raise StampError(intent.address, [], stamped)


def _validate_pgo(intent: Intent, facts: GraphFacts) -> Iterator[Problem]:
    if intent.pgo in (AUTO, PGO_OFF) or intent.pgo in facts.profiles:
        return
    yield Problem(
        f'pgo="{intent.pgo}" names a profile that is not in the repo.',
        "`go build -pgo` fails on a missing file, and a binary built without the profile "
        "would not be the one declared.",
        "save a CPU profile there (e.g. from `go tool pprof -proto` of a production profile), "
        'or set pgo="auto" (default.pgo beside the main package, if any) or pgo="off".',
    )


def _validate_arch_toolchain(intent: Intent, facts: GraphFacts) -> Iterator[Problem]:
    """The C toolchain for a foreign (or pure-Go-only) GOARCH must exist before anything builds."""
    libc, _ = pick_libc(intent, facts)
    if libc == NONE:
        return
    goarch = intent.goarch
    if goarch not in C_GOARCHES:
        yield Problem(
            f'libc="{libc}" for goarch="{goarch}": no C toolchain is wired up for that arch.',
            f"go_static_binary links C (musl via zig, glibc via Debian's cross gcc) for "
            f"{', '.join(C_GOARCHES)} only; {goarch} builds as pure Go.",
            f'Set libc="none" (drop the cgo dependencies), or build for one of '
            f"{', '.join(C_GOARCHES)}.",
        )
    if libc == MUSL and intent.cross and intent.musl_cc == MUSL_GCC:
        yield Problem(
            f'goarch="{goarch}" is not the host\'s ({intent.host_goarch}), but '
            "[go-static].musl_cc is musl-gcc.",
            "musl-gcc (Debian's musl-tools) compiles for the host only.",
            'Set [go-static].musl_cc = "zig" (the default), which cross-compiles musl for '
            f"{', '.join(C_GOARCHES)}.",
        )
    if libc == GLIBC and intent.static_pie and not ARCHES[goarch].glibc_static_pie:
        yield Problem(
            f'static_pie=True with libc="glibc" cannot be linked for goarch="{goarch}".',
            f"Debian's {goarch} glibc ships no rcrt1.o, the static-pie start file, so the link "
            "fails with `cannot find rcrt1.o`.",
            'Set libc="musl" (zig links a musl static-pie for it), or drop static_pie.',
        )


def _validate_dlopen(intent: Intent, facts: GraphFacts) -> Iterator[Problem]:
    if not facts.dlopen_packages or intent.allow_dlopen:
        return
    hints = facts.dlopen_hints
    known = facts.known_dlopen()
    scanned = [p for p in facts.dlopen_packages if not any(p in k.packages for k in known)]
    parts = [f"C code in {names(scanned)} calls dlopen"] if scanned else []
    if known:
        verb = "loads" if len(known) == 1 else "load"
        parts.append(f"{names(k.label for k in known)} {verb} code at run time (dlopen)")
    what = "; ".join(parts)
    reasons = "".join(f" {k.facts.module}: {k.facts.dlopen} ({k.facts.cite})." for k in known)
    yield Problem(
        f"{what}.",
        "dlopen cannot work in a static binary: static musl always fails it, and static glibc "
        "needs the exact glibc it was linked with at run time." + reasons,
        "".join(f'Add build_tags=["{tag}"] ({why}). ' for _, tag, why in hints)
        + ("Or" if hints else "Remove that dependency, or")
        + " set allow_dlopen=True to accept that it fails at run time.",
    )


def _validate_system_libs(intent: Intent, facts: GraphFacts) -> Iterator[Problem]:
    for known in facts.known:
        entry = known.facts
        if not entry.system_libs:
            continue
        yield Problem(
            f"{names(known.packages)} ({known.label}) needs the system C library "
            f"{' and '.join(entry.system_libs)}, which can't be linked statically and "
            "hermetically here.",
            f"{entry.system_libs_why} ({entry.cite}).",
            entry.fix or f"Drop the dependency on {names(known.packages)}.",
        )


def _validate_nss(intent: Intent, facts: GraphFacts) -> Iterator[Problem]:
    libc = intent.libc if intent.libc != AUTO else None  # auto never picks glibc
    if libc != GLIBC:
        return
    for known in facts.known:
        functions = known.facts.nss_under_glibc
        if functions:
            yield Problem(
                f'libc="glibc", but the C code of {known.label} calls {", ".join(functions)}.',
                "In a static glibc binary these go through NSS, which loads libnss_*.so at run "
                'time and crashes or misbehaves on a host with another glibc; resolver="go" '
                f"can't help, since the calls are in the module's own C ({known.facts.cite}).",
                'Set libc="musl" (or "auto"): musl has no NSS'
                + (
                    f", and the mode adds the {', '.join(known.facts.musl_tags)} tag it needs."
                    if known.facts.musl_tags
                    else "."
                ),
            )


def _validate_libc(intent: Intent, facts: GraphFacts) -> Iterator[Problem]:
    if intent.libc == NONE and facts.cgo_packages:
        yield Problem(
            f'libc="none" but the dependency graph has cgo packages: {names(facts.cgo_packages)}.',
            "cgo code must be compiled and linked against a C library.",
            'Set libc="auto" (musl via zig cc) or libc="musl"/"glibc", '
            "or drop the cgo dependencies.",
        )
    if intent.libc == NONE and intent.resolver == RESOLVER_LIBC:
        yield Problem(
            'resolver="libc" needs a C library, but libc="none".',
            "std's C-library resolver is cgo code; without a C library there is none to call.",
            'Set resolver="go" (pure-Go DNS and user lookups), or libc="musl".',
        )
    if intent.libc == NONE and intent.static_pie:
        yield Problem(
            'static_pie=True needs a C toolchain, but libc="none".',
            "Go links static-pie only with -linkmode=external, i.e. through a C linker.",
            'Set libc="musl" (hermetic zig cc) or libc="auto", or drop static_pie.',
        )
    if intent.libc == GLIBC and intent.resolver == RESOLVER_LIBC:
        yield Problem(
            'resolver="libc" with libc="glibc" cannot be static.',
            "glibc's getaddrinfo/getpwnam_r go through NSS, which dlopens libnss_*.so at run "
            "time; a static binary then crashes or misbehaves on hosts with a different glibc.",
            'Set resolver="go" (adds netgo,osusergo), or libc="musl" (no NSS).',
        )


def _validate_tags(intent: Intent) -> Iterator[Problem]:
    for tag in intent.build_tags:
        if not _TAG_RE.match(tag):
            yield Problem(
                f"build_tags entry {tag!r} is not a Go build tag.",
                "Go build tags are single words of letters, digits, '_' and '.'; lists are "
                "separated by the plugin, not inside an entry.",
                "Split it into separate entries, e.g. "
                f"build_tags={tag.replace(' ', ',').split(',')!r}.",
            )
        if tag in PURE_GO_RESOLVER_TAGS and intent.resolver == RESOLVER_LIBC:
            yield Problem(
                f'build_tags contains {tag!r} but resolver="libc".',
                f"{tag!r} switches std to its pure-Go resolver, the opposite of what "
                'resolver="libc" asks for.',
                f'Remove {tag!r} from build_tags, or set resolver="go" (which adds it for you).',
            )
        if tag in CGO_RESOLVER_TAGS and intent.resolver == RESOLVER_GO:
            yield Problem(
                f'build_tags contains {tag!r} but resolver="go".',
                f'{tag!r} forces std\'s cgo (C library) resolver, which resolver="go" exists to '
                "avoid: under static glibc it loads libnss_*.so at run time.",
                f'Remove {tag!r} from build_tags, or set resolver="libc" with libc="musl".',
            )


def _validate_ldflags(intent: Intent) -> Iterator[Problem]:
    for entry in intent.ldflags:
        try:
            words = quoted.split(entry)
        except ValueError as e:
            yield Problem(
                f"ldflags entry {entry!r} does not parse ({e}).",
                "Go splits -ldflags on spaces, honouring quotes, so quotes must balance.",
                "Balance the quotes, e.g. ldflags=[\"-X 'main.greeting=hello world'\"].",
            )
            continue
        for word in words:
            # Go's flag package reads --flag as -flag; the check judges the words go will see.
            flag = word.split("=", 1)[0]
            flag = flag[1:] if flag.startswith("--") else flag
            if flag in MODE_OWNED_LDFLAGS:
                yield Problem(
                    f"ldflags entry {entry!r} sets {flag}, which go_static_binary owns"
                    + (f" (go splits the entry into {words!r})." if len(words) > 1 else "."),
                    "The link mode and external linker flags come from libc, static_pie and "
                    "resolver; overriding them here would silently undo the static guarantee.",
                    f"Remove {flag} from ldflags and declare the intent instead "
                    '(libc="musl"|"glibc", static_pie=True).',
                )
        if any(ord(c) < 0x20 and c not in " \t\n\r" or ord(c) == 0x7F for c in entry):
            yield Problem(
                f"ldflags entry {entry!r} holds a control character.",
                "go passes each -ldflags word to the linker as an argument, and a NUL or other "
                "control character can't be one, or would reach build info and logs as is.",
                "Remove it from the entry.",
            )


def _validate_output_path(intent: Intent) -> Iterator[Problem]:
    explicit = intent.output_path
    if explicit and intent.goarch_parametrized and "{goarch}" not in explicit:
        yield Problem(
            f"output_path={explicit!r} is the same for every goarch this target is "
            "parametrized with.",
            "Each variant would be written to the same file in dist/, and Pants refuses to "
            "merge two different files at one path.",
            'Put {goarch} in it (output_path="bin/server-{goarch}"), or drop output_path: the '
            "default (`<dir>/<name>@goarch=<arch>`) is unique per variant.",
        )


def _validate_goarch(intent: Intent) -> Iterator[Problem]:
    if intent.goarch in SUPPORTED_GOARCHES:
        return
    why = (
        "The post-link check reads 64-bit little-endian ELF only, and this arch is 32-bit or "
        "big-endian."
        if intent.goarch in UNCHECKABLE_GOARCHES
        else "It is not an arch go_static_binary knows."
    )
    yield Problem(
        f'goarch="{intent.goarch}" is not supported.',
        why,
        f"Use one of {', '.join(SUPPORTED_GOARCHES)}.",
    )


def _validate_choices(intent: Intent) -> Iterator[Problem]:
    # Pants fields check these too; Intents built elsewhere (tests, tools) may not.
    if intent.libc not in LIBCS:
        yield Problem(
            f"libc={intent.libc!r} is not one of {LIBCS}.",
            "The plugin only knows these C library choices.",
            f"Use one of {LIBCS}.",
        )
    if intent.resolver not in RESOLVERS:
        yield Problem(
            f"resolver={intent.resolver!r} is not one of {RESOLVERS}.",
            "The plugin only knows these resolver choices.",
            f"Use one of {RESOLVERS}.",
        )
    if intent.goos != "linux":
        yield Problem(
            f"GOOS={intent.goos} is not supported.",
            "Static linking and the ELF check are defined for Linux only.",
            "Build on Linux (GOOS=linux).",
        )
