"""The static libc's version, from the real zig install and the real libc.a archives (no Pants)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sbom_lab import MUSL_GCC_LIBC_A, SbomBinary, host_libc_a

from elf_lab import ZIG
from go_static.core.names import GLIBC, MUSL, NONE
from go_static.core.sbom.archive import ar_members, elf_section
from go_static.core.sbom.components import (
    ZIG_MUSL_VERSION_FILE,
    SbomError,
    detect_libc,
    glibc_release_from_archive,
    glibc_version_from_archive,
    musl_version_from_archive,
    musl_version_from_zig,
)

# Measured on this repo's pins: zig 0.17.1 bundles musl 1.2.5; Debian 12 ships glibc 2.36.
ZIG_MUSL = "1.2.5"
DEBIAN_GLIBC = "2.36"


def test_zig_records_the_musl_it_bundles_in_a_header() -> None:
    header = ZIG.parent / ZIG_MUSL_VERSION_FILE
    assert header.is_file(), f"{header} is gone: where does this zig record its musl version?"
    assert musl_version_from_zig(header.read_bytes()) == ZIG_MUSL
    assert musl_version_from_zig(header.read_text()) == ZIG_MUSL
    # The header is musl's own, generated from its VERSION file: one define and nothing else.
    assert header.read_text().strip() == f'#define VERSION "{ZIG_MUSL}"'


def test_zigs_own_libc_a_carries_the_same_musl_version(binaries: dict[str, SbomBinary]) -> None:
    # The musl binary made zig build musl's libc.a into its cache; version.c is in it, and says
    # what the header says, so the two ways of asking agree.
    cache = binaries[MUSL].zig_cache
    archives = [a.read_bytes() for a in cache.rglob("libc.a")]
    musl = [v for v in map(musl_version_from_archive, archives) if v]
    assert musl and set(musl) == {ZIG_MUSL}, (cache, len(archives))


@pytest.mark.parametrize("goarch", ["amd64", "arm64"])
def test_glibc_version_and_debian_release_from_the_real_libc_a(goarch: str) -> None:
    path, data = host_libc_a(goarch)
    assert glibc_version_from_archive(data) == DEBIAN_GLIBC
    release = glibc_release_from_archive(data)
    assert release is not None and release.startswith(f"Debian GLIBC {DEBIAN_GLIBC}-")
    assert musl_version_from_archive(data) is None  # glibc's version.o is no musl marker
    component = detect_libc(GLIBC, libc_a=data, source=str(path))
    assert component is not None
    assert (component.name, component.version, component.release) == (GLIBC, "2.36", release)
    assert component.cpe == "cpe:2.3:a:gnu:glibc:2.36:*:*:*:*:*:*:*"
    assert component.purl == "pkg:deb/debian/glibc@" + release.split()[-1]


def test_glibc_banner_is_in_the_version_o_member_binutils_sees() -> None:
    path, data = host_libc_a("amd64")
    if not shutil.which("ar"):
        pytest.skip("binutils' ar is absent")
    names = subprocess.run(
        ["ar", "t", str(path)], capture_output=True, text=True
    ).stdout.splitlines()
    assert [n for n, _ in ar_members(data)] == names  # the reader agrees with binutils
    body = dict(ar_members(data))["version.o"]
    assert glibc_version_from_archive(body) == DEBIAN_GLIBC  # an extracted member works too


def test_musl_gcc_libc_a_has_a_version_marker() -> None:
    if not MUSL_GCC_LIBC_A.is_file():
        pytest.fail(f"{MUSL_GCC_LIBC_A} is missing: install Debian's musl-tools (and musl-dev)")
    data = MUSL_GCC_LIBC_A.read_bytes()
    version = musl_version_from_archive(data)
    # Debian 12 ships musl 1.2.3; the marker is the only data of member version.lo.
    assert version == "1.2.3"
    section = elf_section(dict(ar_members(data))["version.lo"], ".rodata.__libc_version")
    assert section == b"1.2.3\0"
    assert glibc_version_from_archive(data) is None
    component = detect_libc(MUSL, libc_a=data, source=str(MUSL_GCC_LIBC_A))
    assert component is not None and (component.name, component.version) == (MUSL, "1.2.3")
    assert component.cpe == "cpe:2.3:a:musl-libc:musl:1.2.3:*:*:*:*:*:*:*"


def test_detect_libc_for_each_mode() -> None:
    assert detect_libc(NONE) is None
    musl = detect_libc(MUSL, zig_version_h='#define VERSION "1.2.5"\n', source="zig 0.17.1")
    assert musl is not None and (musl.version, musl.license, musl.source) == (
        "1.2.5",
        "MIT",
        "zig 0.17.1",
    )
    with pytest.raises(SbomError, match="#define VERSION"):
        detect_libc(MUSL, zig_version_h="/* not musl */")
    with pytest.raises(SbomError, match="needs the libc.a"):
        detect_libc(GLIBC)
    with pytest.raises(SbomError, match="no glibc version marker"):
        detect_libc(GLIBC, libc_a=b"!<arch>\n", source="/x/libc.a")
    with pytest.raises(SbomError, match="no static libc called 'bionic'"):
        detect_libc("bionic", libc_a=b"")


def _member(name: bytes, body: bytes) -> bytes:
    header = name.ljust(16) + b"0".ljust(12) + b"0".ljust(6) * 2 + b"644".ljust(8)
    return header + str(len(body)).encode().ljust(10) + b"`\n" + body + b"\n" * (len(body) & 1)


def test_ar_reader_names_gnu_long_and_bsd_members_and_stops_at_garbage() -> None:
    long_name = b"a-member-name-longer-than-16.o"
    data = (
        b"!<arch>\n"
        + _member(b"/", b"\0\0\0\0")  # the symbol table: skipped
        + _member(b"//", long_name + b"/\n")
        + _member(b"/0", b"long")
        + _member(b"short.o/", b"odd")  # odd size: padded to an even offset
        + _member(b"#1/8", b"bsd.o\0\0\0body")
        + b"garbage that is no header"
    )
    assert list(ar_members(data)) == [
        (long_name.decode(), b"long"),
        ("short.o", b"odd"),
        ("bsd.o", b"body"),
    ]
    assert list(ar_members(b"\x7fELF")) == []
    assert elf_section(b"\x7fELF" + bytes(60), ".rodata") is None  # no section table: None
    assert elf_section(b"not elf", ".rodata") is None
