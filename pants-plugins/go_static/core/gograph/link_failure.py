"""Why a static build failed, from the compiler and linker output: the cause above the raw lines.

Pants-free. Three causes are recognised, each with its fix:
  - symbols only glibc has, undefined under musl (fopen64, getcontext, __*_chk, ...): a prebuilt
    archive made for glibc is being linked with musl. The archive and its module are named;
  - a missing header (`'pcap.h' file not found`) or library (`cannot find -lpcap`, zig's
    `unable to find static system library "pcap"`): the code needs a system C library;
  - an archive named for one libc linked with the other (`strlcpy` from a *_musl_* archive under
    glibc).
Anything else gets no explanation: the raw output stands alone. Formats were measured with
zig 0.17.1's ld.lld, GNU ld 2.40 (gcc 12, musl-gcc) and clang's (zig's) diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from go_static.core.errors import Problem
from go_static.core.names import GLIBC, MUSL

_LLD_UNDEF = re.compile(r"^ld\.lld: error: undefined symbol: (?P<sym>.+?)\s*$")
_LLD_REF = re.compile(r"^>>>\s+.*? in archive (?P<archive>\S+)\s*$")
_GNU_CONTEXT = re.compile(r"^(?:\S*/)?ld(?:\.bfd|\.gold)?: (?P<archive>/\S+?\.a)\([^)]+\)[:(]")
_GNU_OBJECT = re.compile(r"^(?:\S*/)?ld(?:\.bfd|\.gold)?: /\S+?\.o: in function")
_GNU_UNDEF = re.compile(r"undefined references? to [`'\u2018](?P<sym>[^'`\u2019]+)['\u2019]")
_HEADER = re.compile(
    r"^(?P<file>\S+?):\d+:(?:\d+:)? fatal error: "
    r"(?:'(?P<h1>[^']+)' file not found|(?P<h2>[^:\s]+): No such file or directory)"
)
_PACKAGE = re.compile(r"^# (?P<pkg>\S+)\s*$")
_NO_LIBRARY = re.compile(
    r"cannot find -l(?P<l1>[^\s:]+)"
    r"|unable to find (?:static |dynamic )?system library \"(?P<l2>[^\"]+)\""
    r"|unable to find library -l(?P<l3>\S+)"
)
# A module in any module cache: <escaped path, first element a domain>@<version>/...
_MODULE_CACHE = re.compile(r"(?:^|/)(?P<mod>[^/@\s]+\.[^/@\s]+/[^@\s]*)@(?P<ver>v\d[^/\s]*)/")
_VENDOR = re.compile(r"(?:^|/)vendor/(?P<rest>\S+)")
_LFS64 = (
    "fopen64 freopen64 fseeko64 ftello64 fgetpos64 fsetpos64 tmpfile64 open64 openat64 creat64 "
    "lseek64 pread64 pwrite64 stat64 fstat64 lstat64 fstatat64 statfs64 fstatfs64 truncate64 "
    "ftruncate64 mmap64 readdir64 readdir64_r scandir64 getrlimit64 setrlimit64 fallocate64 "
    "posix_fallocate64 posix_fadvise64 glob64 ftw64 nftw64 lockf64 sendfile64 mkstemp64"
).split()
# Symbols glibc has and musl (as zig 0.17.1 ships it) does not: their presence as undefined
# symbols under musl means something was compiled against glibc's headers.
_GLIBC_ONLY = re.compile(
    r"^(?:__\w+_chk|__isoc(?:99|23)_\w+|__(?:l|f)?xstat(?:64)?|__fxstatat(?:64)?|__xmknod(?:at)?"
    r"|(?:get|set|make|swap)context|gnu_get_libc_\w+|__libc_\w+|__xpg_\w+|_dl_\w+"
    r"|__register_atfork|__cxa_thread_atexit_impl|obstack_\w+|_obstack_\w+|mallinfo2?"
    r"|" + "|".join(_LFS64) + r")$"
)


@dataclass(frozen=True)
class LinkFailure:
    """What the failed build's output says, collected."""

    undefined: dict[str, set[str]]  # symbol -> archives that reference it
    headers: tuple[tuple[str, str], ...]  # (header, the package whose compile wanted it)
    libraries: tuple[str, ...]


def module_of(path: str) -> str | None:
    """`module@version` for a path inside a module cache (or a vendored module's path)."""
    m = _MODULE_CACHE.search(path)
    if m:
        # The module cache escapes upper case as "!x".
        return (
            re.sub(r"!([a-z])", lambda c: c.group(1).upper(), m.group("mod")) + "@" + m.group("ver")
        )
    v = _VENDOR.search(path)
    return "vendor/" + v.group("rest").rsplit("/", 1)[0] if v else None


def parse(output: str) -> LinkFailure:
    undefined: dict[str, set[str]] = {}
    headers, libraries = [], []
    symbol, archive, package = None, None, ""
    for line in output.splitlines():
        if m := _PACKAGE.match(line):
            package = m.group("pkg")
        if m := _LLD_UNDEF.match(line):
            symbol = m.group("sym")
            undefined.setdefault(symbol, set())
            continue
        if symbol and (m := _LLD_REF.match(line)):
            undefined[symbol].add(m.group("archive"))
            continue
        if m := _GNU_CONTEXT.search(line):
            archive = m.group("archive")
        elif _GNU_OBJECT.search(line):
            archive = None
        if m := _GNU_UNDEF.search(line):
            refs = undefined.setdefault(m.group("sym"), set())
            if archive:
                refs.add(archive)
        if m := _HEADER.match(line):
            headers.append((m.group("h1") or m.group("h2"), package))
        if m := _NO_LIBRARY.search(line):
            libraries.append(m.group("l1") or m.group("l2") or m.group("l3"))
    return LinkFailure(undefined, tuple(dict.fromkeys(headers)), tuple(dict.fromkeys(libraries)))


def _archives(found: LinkFailure, symbols: list[str]) -> str:
    archives = sorted({a for s in symbols for a in found.undefined[s]})
    shown = [f"{a.rsplit('/', 1)[-1]} from {module_of(a) or a}" for a in archives[:3]] or [
        "an object file outside any module archive"
    ]
    return "; ".join(shown)


def explain(output: str, libc: str, address: str) -> str | None:
    """The cause and fix of a failed static build, or None when the output is not recognised."""
    found = parse(output)
    glibc_only = sorted(s for s in found.undefined if _GLIBC_ONLY.match(s))
    if libc == MUSL and glibc_only:
        return Problem(
            f"the link failed on symbols only glibc has ({', '.join(glibc_only[:6])}), "
            f"referenced by {_archives(found, glibc_only)}.",
            "that archive was built against glibc, and the mode links musl.",
            "if the module ships a musl build, select it (confluent-kafka-go: the `musl` tag, "
            "which the built-in table adds; teach the table about your module with "
            '[go-static].cgo_modules musl_tags), or set libc="glibc".',
        ).render(address)
    if found.headers or found.libraries:
        wanted = [h for h, _ in found.headers] + [f"lib{lib}" for lib in found.libraries]
        where = sorted({p for _, p in found.headers if p})
        return Problem(
            "the build needs the system C library or header "
            f"{', '.join(dict.fromkeys(wanted))}"
            + (f" (wanted by {', '.join(where)})" if where else "")
            + ", which the static toolchain can't find.",
            "zig's musl target sees only its own libc, and a static link needs the "
            "library's .a (and everything that .a needs) for this libc and arch.",
            "drop or replace that dependency with a pure-Go one; or build the library "
            "statically for this libc and point CGO_CFLAGS/CGO_LDFLAGS at it from the module; "
            "or declare it in [go-static].cgo_modules (system_libs) so the plan refuses it "
            "before the compile.",
        ).render(address)
    other = MUSL if libc == GLIBC else GLIBC
    mismatched = sorted(
        s
        for s, archives in found.undefined.items()
        if any(other in a.rsplit("/", 1)[-1] for a in archives)
    )
    if mismatched:
        return Problem(
            f"the link failed on {', '.join(mismatched[:6])}, referenced by "
            f"{_archives(found, mismatched)}: an archive built for {other}, linked with {libc}.",
            "a prebuilt archive only links with the C library it was built for.",
            f'set libc="{other}", or remove the build tag that selects the {other} archive.',
        ).render(address)
    return None
