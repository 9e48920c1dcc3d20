"""The C inside a static Go binary: its libc, and the C libraries its Go modules bundle. Pants-free.

Scanners read Go's build info, which names Go modules only: the musl or glibc a static binary
carries, and the SQLite or librdkafka a module compiles in, are invisible to them. The Pants rule
gathers the raw inputs with sandboxed processes (a header from the zig install, a `libc.a`, files
from the module cache) and these pure functions turn them into versioned components:

  musl via zig      <zig install>/lib/libc/musl/src/internal/version.h (ZIG_MUSL_VERSION_FILE)
  musl via musl-gcc /usr/lib/<triple>-linux-musl/libc.a, the -L dir of musl-gcc's specs file
                    (`musl-gcc -print-file-name=libc.a` answers glibc's archive, not musl's)
  glibc             `<cc> -print-file-name=libc.a`, with the mode's gcc or <triple>-gcc
  bundled C         bundled_c_files(build_info): files under $GOMODCACHE
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Collection

from go_static.core.checker.buildinfo import GoBuildInfo, GoModule
from go_static.core.errors import GoStaticError, Problem
from go_static.core.gograph.knowledge import BUNDLED_C, BundledC, version_matches
from go_static.core.gograph.modcache import ModuleVersion
from go_static.core.names import GLIBC, MUSL, NONE
from go_static.core.sbom.archive import ar_members, elf_section, is_archive


class SbomError(GoStaticError):
    """An SBOM input is not what it should be (e.g. no libc version where one must be)."""

    code = "sbom"


@dataclass(frozen=True)
class CComponent:
    """A C library in the binary (its libc, or one a Go module bundles) and where that is known."""

    name: str
    version: str | None  # None: the module's files did not say (e.g. a local replacement)
    license: str = ""  # an SPDX id or expression
    purl: str = ""
    cpe: str = ""
    bundled_by: str = ""  # the module path, as build info's `dep` line names it; "" for a libc
    source: str = ""  # where the version was read, e.g. "github.com/mattn/go-sqlite3@v1.14.53/…"
    release: str = ""  # the distribution's build, e.g. "Debian GLIBC 2.36-9+deb12u14"


# --- the libc -----------------------------------------------------------------------------------

# Relative to the directory holding the `zig` executable (the ziglang wheel's and zig's release
# tarballs' layout; `zig env` prints the lib dir as lib_dir). musl's own build generates this
# header from its VERSION file; zig ships it pre-generated with the musl sources it bundles.
ZIG_MUSL_VERSION_FILE = "lib/libc/musl/src/internal/version.h"
_MUSL_VERSION_H = re.compile(rb'^#define\s+VERSION\s+"(\d+\.\d+\.\d+)"', re.MULTILINE)
_VERSION_STRING = re.compile(rb"\d+\.\d+\.\d+")
# glibc's csu/version.c banner, e.g. "GNU C Library (Debian GLIBC 2.36-9+deb12u14) stable
# release version 2.36." The parenthesised part is the distribution's build ("GNU libc" upstream).
_GLIBC_BANNER = re.compile(
    rb"GNU C Library \(([^)\n]{1,200})\) [a-z ]{0,40}release version (\d+\.\d+(?:\.\d+)?)"
)
_DISTRO_GLIBC = re.compile(r"^(Debian|Ubuntu) GLIBC (\S+)$")


def _bytes(text: bytes | str) -> bytes:
    return text.encode() if isinstance(text, str) else text


def _basename(member: str) -> str:
    # zig names the members of the libc.a it builds by their full cache paths.
    return member.rsplit("/", 1)[-1]


def musl_version_from_zig(version_h: bytes | str) -> str:
    """The musl version zig links, from its ZIG_MUSL_VERSION_FILE (`#define VERSION "1.2.5"`)."""
    m = _MUSL_VERSION_H.search(_bytes(version_h))
    if not m:
        problem = Problem(
            f'{ZIG_MUSL_VERSION_FILE} has no `#define VERSION "x.y.z"`.',
            "The SBOM cannot say which musl zig links.",
            "check that the file comes from the zig install that builds the binary (zig ships "
            "musl's sources under lib/libc/musl).",
        )
        raise SbomError(problem.render())
    return m.group(1).decode()


def musl_version_from_archive(data: bytes) -> str | None:
    """The version in a musl `libc.a` (e.g. Debian's musl-dev), or None if it has no marker.

    musl's src/internal/version.c holds one string, `__libc_version`: Debian builds it with
    -fdata-sections into `.rodata.__libc_version` of the member `version.lo`; zig, into the
    member `<zig cache>/o/<hash>/version.o` of the libc.a it builds in its cache.
    """
    for name, body in ar_members(data):
        if _basename(name) not in ("version.lo", "version.o"):
            continue
        for section in (".rodata.__libc_version", ".rodata"):
            text = (elf_section(body, section) or b"").rstrip(b"\0")
            if _VERSION_STRING.fullmatch(text):
                return text.decode()
    return None


def _glibc_banner(data: bytes) -> re.Match[bytes] | None:
    # In a libc.a the banner is in the member version.o (csu/version.c); other input is searched
    # whole, e.g. that member extracted.
    if not is_archive(data):
        return _GLIBC_BANNER.search(data)
    body = next((b for n, b in ar_members(data) if _basename(n) == "version.o"), b"")
    return _GLIBC_BANNER.search(body)


def glibc_version_from_archive(data: bytes) -> str | None:
    """The glibc version of a static `libc.a` ("2.36"), from its banner; None if it has none."""
    m = _glibc_banner(data)
    return m.group(2).decode() if m else None


def glibc_release_from_archive(data: bytes) -> str | None:
    """The build the banner names, e.g. "Debian GLIBC 2.36-9+deb12u14" ("GNU libc" upstream)."""
    m = _glibc_banner(data)
    return m.group(1).decode("utf-8", "replace") if m else None


def libc_component(libc: str, version: str, *, release: str = "", source: str = "") -> CComponent:
    """The component for a static libc at `version`, with its CPE (and Debian/Ubuntu purl)."""
    if libc == MUSL:
        cpe = f"cpe:2.3:a:musl-libc:musl:{version}:*:*:*:*:*:*:*"
        return CComponent(MUSL, version, "MIT", cpe=cpe, source=source, release=release)
    if libc == GLIBC:
        cpe = f"cpe:2.3:a:gnu:glibc:{version}:*:*:*:*:*:*:*"
        distro = _DISTRO_GLIBC.match(release)
        # The banner names the distribution's source package version, which is what its
        # security tracker (and a scanner's deb matcher) knows the backported fixes by.
        purl = f"pkg:deb/{distro.group(1).lower()}/glibc@{distro.group(2)}" if distro else ""
        return CComponent(
            GLIBC, version, "LGPL-2.1-or-later", purl, cpe, source=source, release=release
        )
    raise SbomError(f"no static libc called {libc!r}: only {MUSL!r} and {GLIBC!r} are linked.")


def detect_libc(
    libc: str,
    *,
    zig_version_h: bytes | str | None = None,
    libc_a: bytes | None = None,
    source: str = "",
) -> CComponent | None:
    """The libc component from the rule's raw input: None for NONE (pure Go).

    musl: zig's version header, or musl-gcc's `libc.a`; glibc: the `libc.a`. `source` says where
    the input came from (it goes into the SBOM). Raises SbomError when the input has no version.
    """
    if libc == NONE:
        return None
    if libc == MUSL and zig_version_h is not None:
        return libc_component(MUSL, musl_version_from_zig(zig_version_h), source=source)
    if libc_a is None:
        raise SbomError(f"the {libc} SBOM component needs the libc.a the binary was linked with.")
    if libc == MUSL:
        version, release = musl_version_from_archive(libc_a), ""
    elif libc == GLIBC:
        version, release = glibc_version_from_archive(libc_a), glibc_release_from_archive(libc_a)
    else:
        raise SbomError(f"no static libc called {libc!r}: only {MUSL!r} and {GLIBC!r} are linked.")
    if version is None:
        problem = Problem(
            f"{source or 'the libc.a'} has no {libc} version marker.",
            f"The SBOM cannot say which {libc} the binary carries.",
            "give the libc.a the C compiler links (`<cc> -print-file-name=libc.a`; for musl-gcc, "
            "the -L dir in its specs file).",
        )
        raise SbomError(problem.render())
    return libc_component(libc, version, release=release or "", source=source)


# --- the C that Go modules bundle ---------------------------------------------------------------


@dataclass(frozen=True)
class ModuleFile:
    """One file of one module version, as it is laid out in the module zip and the cache."""

    module: str  # the module whose zip holds it: the replacement's path, when replaced
    version: str
    file: str  # relative to the module root, e.g. "sqlite3-binding.h"

    @property
    def cache_path(self) -> str:
        """Its path under $GOMODCACHE, e.g. "github.com/!data!dog/zstd@v1.5.7/zstd.h"."""
        return f"{self.module_version.source_dir}/{self.file}"

    @property
    def module_version(self) -> ModuleVersion:
        return ModuleVersion(self.module, self.version)

    def __str__(self) -> str:
        return f"{self.module}@{self.version}/{self.file}"


def _bundled(
    build_info: GoBuildInfo,
    packages: Collection[str] | None,
    table: tuple[BundledC, ...],
) -> list[tuple[GoModule, BundledC]]:
    """Each (dep, table entry) whose C is in the binary, as far as build info tells."""
    if build_info.cgo_enabled is False:  # cgo off: every cgo file is left out, C and all
        return []
    tags = set(build_info.tags)
    found = []
    for dep in build_info.modules:
        for entry in table:
            # The table is keyed by the path the code imports; the files come from whatever
            # replaces it, which is still a copy of that module.
            version = dep.effective.version or dep.version  # a local replacement has none
            if entry.module != dep.path or not version_matches(version, entry.versions):
                continue
            if tags & set(entry.without_tags):  # the system's copy is linked instead
                continue
            # Build info knows modules, not packages: with the linked packages (from `go list`),
            # a module whose C package isn't linked (e.g. only kafka's schemaregistry) drops out.
            if packages is not None and entry.package and entry.package not in packages:
                continue
            found.append((dep, entry))
    return found


def _readable(dep: GoModule) -> bool:
    # A replacement by a local directory has no version and no module-cache copy.
    used = dep.effective
    return bool(used.version) and used.version != "(devel)" and not used.path.startswith((".", "/"))


def bundled_c_files(
    build_info: GoBuildInfo,
    *,
    packages: Collection[str] | None = None,
    table: tuple[BundledC, ...] = BUNDLED_C,
) -> tuple[ModuleFile, ...]:
    """Every module file bundled_c_components may read, sorted; a missing one is fine to skip."""
    files = {
        ModuleFile(dep.effective.path, dep.effective.version, file)
        for dep, entry in _bundled(build_info, packages, table)
        if _readable(dep)
        for file in entry.files
    }
    return tuple(sorted(files, key=lambda f: (f.module, f.version, f.file)))


def _decode(entry: BundledC, m: re.Match[bytes]) -> str:
    groups = [g.decode() for g in m.groups()]
    if entry.decode == "dotted":
        return ".".join(str(int(g)) for g in groups)
    if entry.decode == "rdkafka":
        return rdkafka_version(int(groups[0], 16))
    return groups[0]


def rdkafka_version(value: int) -> str:
    """RD_KAFKA_VERSION (0xMMmmrrpp) as rd_kafka_version_str prints it: 0x020b01ff is "2.11.1"."""
    version = f"{value >> 24 & 0xFF}.{value >> 16 & 0xFF}.{value >> 8 & 0xFF}"
    pre = value & 0xFF
    if pre == 0xFF:
        return version
    # rdkafka.c: pre-builds up to 200 are running numbers, above 200 release candidates.
    return f"{version}-pre{pre}" if pre <= 200 else f"{version}-RC{pre - 200}"


def c_version(entry: BundledC, text: bytes | str) -> str | None:
    """The version `entry.pattern` finds in one of its files, or None."""
    m = re.search(entry.pattern.encode(), _bytes(text))
    return _decode(entry, m) if m else None


def bundled_c_components(
    build_info: GoBuildInfo,
    read: Callable[[ModuleFile], bytes | str | None],
    *,
    packages: Collection[str] | None = None,
    table: tuple[BundledC, ...] = BUNDLED_C,
) -> tuple[CComponent, ...]:
    """The C libraries the binary's modules bundle, each versioned from the module's own files.

    `read` returns the contents of one of bundled_c_files(), or None when the rule could not
    get it (e.g. `contents.get` on a dict of them); `packages` are the import paths linked, if
    known. A C library whose version no file gives is still listed, without a version.
    """
    out = []
    for dep, entry in _bundled(build_info, packages, table):
        version, source = None, ""
        if _readable(dep):
            for file in entry.files:
                where = ModuleFile(dep.effective.path, dep.effective.version, file)
                text = read(where)
                version = c_version(entry, text) if text is not None else None
                if version:
                    source = str(where)
                    break
        else:
            source = f"{dep.effective.path} (a local directory replaces {dep.path})"
        out.append(
            CComponent(
                entry.name,
                version,
                entry.license,
                entry.purl.format(version=version) if version and entry.purl else "",
                entry.cpe.format(version=version) if version and entry.cpe else "",
                bundled_by=dep.path,
                source=source,
            )
        )
    return tuple(sorted(out, key=lambda c: (c.bundled_by, c.name)))
