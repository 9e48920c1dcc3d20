"""Post-link ELF facts: what one 64-bit little-endian executable is, read from its headers.

Pants-free on purpose (stdlib + pyelftools only): the go_static_binary rule and the standalone
`python -m go_static.check` read the same facts; `verdict.py` judges them.

Which C library a binary carries is decided in `libc.py` (layered, measured markers).
Any 64-bit little-endian machine is accepted (x86_64, aarch64, riscv64, ...); only the x86_64
`_start` layer of the libc detection is machine-specific. 32-bit and big-endian ELF are refused.
Static glibc always carries dlopen/__libc_dlopen_mode (libc.a's NSS/iconv code), so for it only
the link warning tells whether the program calls dlopen; its NSS use shows as __nss_* symbols or,
stripped, the "libnss_" string.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import mmap
import os
import re
import struct
import threading
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Iterator, Union

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from go_static.core.checker.buildinfo import BuildInfoError, GoBuildInfo, buildinfo_from_elf
from go_static.core.checker.elf_header import ElfError, check_header
from go_static.core.checker.host_paths import HOST_PATH_MARKERS, MAX_EXAMPLES, find_host_paths
from go_static.core.checker.libc import (
    DLOPEN_FUNCTIONS,
    GLIBC_SYMBOLS,
    MUSL_DLOPEN_STRING,
    MUSL_SYMBOLS,
    NSS_FUNCTIONS,
    NSS_STRING,
    Buffer,
    detect_libc,
)
from go_static.core.names import BORINGCRYPTO_MARKER, FIPS_MODULE_PACKAGE, GLIBC, MUSL

# A public NSS name, or its tail-merged copy inside "__getpwnam_r"; not Go's "os/user.mygetpwnam_r".
_NSS_NAMES = re.compile(
    rb"(?<![A-Za-z0-9./])(" + "|".join(sorted(NSS_FUNCTIONS)).encode() + rb")(?=\0)"
)
DF_1_PIE = 0x08000000  # DT_FLAGS_1: the linker made a position-independent executable
# Bytes of entry-point code kept for libc detection: enough for glibc's and musl's `_start`.
ENTRY_CODE_BYTES = 32
# A frozen FIPS module's packages are crypto/internal/fips140/<version>/...; the linker writes
# the version's dots as %2e in symbol names, and function names stay in pclntab when stripped.
_FIPS_SNAPSHOT = re.compile(
    re.escape(FIPS_MODULE_PACKAGE.encode())
    + rb"/(v\d{1,4}(?:\.|%2e)\d{1,4}(?:\.|%2e)\d{1,4}(?:-[0-9A-Za-z]{1,40})?)[/.]"
)


@dataclass(frozen=True)
class ElfFacts:
    """What one ELF executable is, as read from its headers, symbols, notes and bytes."""

    elf_type: str  # "ET_EXEC" | "ET_DYN"
    machine: str  # e.g. "EM_X86_64"
    interpreter: str | None
    needed: tuple[str, ...]
    has_dynamic: bool
    static_pie: bool
    stripped: bool
    dlopen_referenced: bool
    dlopen_evidence: str  # "symbol dlopen", 'string "..."', or ""
    nss_evidence: str  # static glibc only: "symbols getaddrinfo, ...", 'string "libnss_"', or ""
    libc_detected: str  # "glibc" | "musl" | "none" | "unknown"
    libc_evidence: str
    build_info: GoBuildInfo | None
    size: int
    sha256: str  # "" when not computed (hash_file=False)
    # Build-host paths in the bytes (host_paths.py): how many, and a few of them.
    host_path_count: int = 0
    host_paths: tuple[str, ...] = ()
    # Of the strings the caller expected in the bytes (stamped -X values), those not there.
    missing_strings: tuple[str, ...] = ()
    # FIPS evidence in the bytes: whether the FIPS module's packages are linked at all, the frozen
    # module versions they come from, and whether BoringCrypto's cgo calls are there.
    fips140_linked: bool = False
    fips_snapshots: tuple[str, ...] = ()
    boringcrypto: bool = False

    @property
    def linkage(self) -> str:
        if self.interpreter or self.needed:
            return "dynamic"
        return "static-pie" if self.static_pie else "static"


Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]


def elf_facts(
    source: Source,
    sha256: str | None = None,
    *,
    hash_file: bool = True,
    host_markers: tuple[bytes, ...] = HOST_PATH_MARKERS,
    expected_strings: tuple[str, ...] = (),
) -> ElfFacts:
    """Facts about one ELF file (a path or its bytes); raise ElfError if it is unusable.

    A path is memory-mapped: only the headers, symbol/string tables and notes are read. Hashing
    is the one whole-file pass (~0.7 ms/MB, on a second thread): pass `sha256` when it is known
    (Pants' file digest is the file's sha256), or hash_file=False to leave `sha256` empty.
    """
    if sha256 is None and not hash_file:
        sha256 = ""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        # BytesIO shares, does not copy, the bytes.
        return _guarded(data, io.BytesIO(data), sha256, host_markers, expected_strings)
    try:
        with open(source, "rb") as f:
            if os.fstat(f.fileno()).st_size == 0:
                raise ElfError("empty file")
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                return _guarded(data, f, sha256, host_markers, expected_strings)
    except OSError as e:
        raise ElfError(f"cannot read {os.fspath(source)}: {e.strerror or e}") from None


def _guarded(
    data: Buffer,
    stream: BinaryIO,
    sha256: str | None,
    host_markers: tuple[bytes, ...],
    expected_strings: tuple[str, ...] = (),
) -> ElfFacts:
    digest: list[str] = [] if sha256 is None else [sha256]
    # hashlib releases the GIL: hash on a second thread while the headers are parsed.
    hasher = threading.Thread(target=lambda: digest.append(hashlib.sha256(data).hexdigest()))
    try:
        check_header(data)
        if not digest:
            hasher.start()
        elf = ELFFile(stream)
        facts = _facts(data, elf)
        count, examples = find_host_paths(data, host_markers)
        for section in _compressed_sections(elf, data):
            # Go's linker compresses DWARF: C debug info's paths are only seen inflated.
            more, found = find_host_paths(section, host_markers)
            count += more
            examples = tuple(dict.fromkeys((*examples, *found)))[:MAX_EXAMPLES]
        missing = tuple(s for s in expected_strings if data.find(s.encode()) < 0)
        fips_linked, snapshots, boring = _fips_evidence(data)
    except (ElfError, BuildInfoError) as e:
        raise ElfError(str(e)) from None
    except Exception as e:  # pyelftools, struct and construct errors on corrupt input
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ElfError(f"corrupt ELF ({type(e).__name__}: {reason})") from None
    finally:
        if hasher.ident is not None:
            hasher.join()
    return dataclasses.replace(
        facts,
        sha256=digest[0],
        host_path_count=count,
        host_paths=examples,
        missing_strings=missing,
        fips140_linked=fips_linked,
        fips_snapshots=snapshots,
        boringcrypto=boring,
    )


def _fips_evidence(data: Buffer) -> tuple[bool, tuple[str, ...], bool]:
    linked = data.find(FIPS_MODULE_PACKAGE.encode() + b"/") >= 0
    versions = {m.group(1).replace(b"%2e", b".").decode() for m in _FIPS_SNAPSHOT.finditer(data)}
    return linked, tuple(sorted(versions)), data.find(BORINGCRYPTO_MARKER.encode()) >= 0


def _notes(data: Buffer, offset: int, size: int, align: int) -> list[tuple[bytes, int]]:
    out, pos, end, a = [], offset, offset + size, 8 if align == 8 else 4
    while pos + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from("<III", data, pos)
        out.append((data[pos + 12 : pos + 12 + namesz].rstrip(b"\0"), ntype))
        pos += 12 + -(-namesz // a) * a + -(-descsz // a) * a
    return out


def _find_symbols(symtab: bytes, strtab: bytes, names: tuple[str, ...]) -> list[str]:
    """Names that some symbol (24-byte Elf64_Sym, st_name first) really points at.

    Searching the string table (only symbol names live there) is ~100x faster than iterating
    symbols in Python. A name the linker merged into a longer one's tail ("dlopen" inside
    "__dlopen") is confirmed by finding its offset as an aligned, packed st_name in the table.
    """
    found = []
    for name in names:
        needle, start = name.encode() + b"\0", 0
        while name not in found:
            i = strtab.find(needle, start)
            if i < 0:
                break
            if i == 0 or strtab[i - 1] == 0:
                found.append(name)
                break
            key = struct.pack("<I", i)
            j = symtab.find(key)
            while j >= 0 and j % 24:
                j = symtab.find(key, j + 1)
            if j >= 0:
                found.append(name)
            start = i + 1
    return found


@dataclass(frozen=True)
class _Segments:
    """What the program headers say: the loader, libraries, PIE flag, notes, entry code."""

    interpreter: str | None
    needed: tuple[str, ...]
    has_dynamic: bool
    pie_flag: bool
    notes: tuple[tuple[bytes, int], ...]
    entry_code: bytes


def _segments(elf: ELFFile, data: Buffer) -> _Segments:
    entry, size = elf.header["e_entry"], len(data)
    interp, needed, has_dynamic, pie_flag, notes, entry_code = None, [], False, False, [], b""
    for seg in elf.iter_segments():
        ptype, off, filesz = seg["p_type"], seg["p_offset"], seg["p_filesz"]
        if ptype in ("PT_LOAD", "PT_INTERP", "PT_DYNAMIC", "PT_NOTE") and off + filesz > size:
            raise ElfError(
                f"truncated: {ptype} segment ends at byte {off + filesz}, file has {size}"
            )
        if ptype == "PT_INTERP":
            interp = data[off : off + filesz].split(b"\0", 1)[0].decode("utf-8", "replace")
        elif ptype == "PT_DYNAMIC":
            has_dynamic = True
            for tag in seg.iter_tags():
                if tag.entry.d_tag == "DT_NEEDED":
                    needed.append(tag.needed)
                elif tag.entry.d_tag == "DT_FLAGS_1" and tag.entry.d_val & DF_1_PIE:
                    pie_flag = True
        elif ptype == "PT_NOTE":
            notes += _notes(data, off, filesz, seg["p_align"])
        elif ptype == "PT_LOAD" and seg["p_vaddr"] <= entry < seg["p_vaddr"] + filesz:
            start = entry - seg["p_vaddr"] + off
            entry_code = data[start : start + ENTRY_CODE_BYTES]
    return _Segments(interp, tuple(needed), has_dynamic, pie_flag, tuple(notes), entry_code)


@dataclass(frozen=True)
class _Sections:
    """The section table by name: (offset, size, sh_link) and the raw headers, bounds-checked."""

    data: Buffer
    by_name: dict[str, tuple[int, int, int]]
    headers: tuple

    def raw(self, name: str) -> bytes:
        off, size, _ = self.by_name.get(name, (0, 0, 0))
        return self.data[off : off + size]

    def symbols(self, names: tuple[str, ...]) -> list[str]:
        """Which of `names` the symbol tables (.symtab, then .dynsym) define or reference."""
        found: list[str] = []
        for table in (".symtab", ".dynsym"):
            if table in self.by_name and self.by_name[table][2] < len(self.headers):
                link = self.headers[self.by_name[table][2]]
                strtab = self.data[link["sh_offset"] : link["sh_offset"] + link["sh_size"]]
                found += _find_symbols(self.raw(table), strtab, names)
        return found


def _sections(elf: ELFFile, data: Buffer) -> _Sections:
    by_name: dict[str, tuple[int, int, int]] = {}
    secs = list(elf.iter_sections())
    for i, sec in enumerate(secs):
        end = sec["sh_offset"] + sec["sh_size"]
        if sec["sh_type"] != "SHT_NOBITS" and end > len(data):
            raise ElfError(f"truncated: section {i} ends at byte {end}, file has {len(data)}")
        by_name.setdefault(sec.name, (sec["sh_offset"], sec["sh_size"], sec["sh_link"]))
    return _Sections(data, by_name, tuple(sec.header for sec in secs))


def _dlopen_evidence(found: list[str], stripped: bool, libc: str, data: Buffer) -> str:
    dl = [s for s in DLOPEN_FUNCTIONS if s in found]
    if dl:
        return f"symbol {dl[0]}"
    if stripped and libc == MUSL and data.find(MUSL_DLOPEN_STRING) >= 0:
        return f'string "{MUSL_DLOPEN_STRING.decode()}" (musl\'s static dlopen stub)'
    return ""


def _nss_evidence(sections: _Sections, stripped: bool, data: Buffer) -> str:
    """For a static glibc binary: the NSS functions it links, or the NSS loader's string."""
    strtab = sections.raw(".strtab")
    if strtab and b"\0__nss_" in strtab:  # only NSS-using static glibc links __nss_*
        candidates = tuple(sorted({m.decode() for m in _NSS_NAMES.findall(strtab)}))
        public = _find_symbols(sections.raw(".symtab"), strtab, candidates)
        return "symbols " + ", ".join(public[:4] or ["__nss_*"]) + " (glibc NSS)"
    if stripped and data.find(NSS_STRING) >= 0:
        return f'string "{NSS_STRING.decode()}" (glibc\'s NSS module loader)'
    return ""


SHF_COMPRESSED = SH_FLAGS.SHF_COMPRESSED
# Elf64_Chdr: ch_type, ch_reserved, ch_size (the inflated size), ch_addralign.
_CHDR = struct.Struct("<IIQQ")
ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD = 1, 2
# The header's ch_size is the file's word, not a fact: a few KB of zlib can claim gigabytes.
# DWARF inflates 3-6x; the sum of every section's inflated size may be this many times the file,
# and never more than MAX_INFLATED_BYTES.
MAX_INFLATE_RATIO = 32
MAX_INFLATED_BYTES = 1 << 30
_INFLATE_CHUNK = 1 << 20


def _compressed_sections(elf: ELFFile, data: Buffer) -> Iterator[bytes]:
    """The inflated contents of every SHF_COMPRESSED section (compressed DWARF), one at a time,
    within MAX_INFLATE_RATIO times the file's size in all (ElfError beyond)."""
    budget = min(len(data) * MAX_INFLATE_RATIO, MAX_INFLATED_BYTES)
    for section in elf.iter_sections():
        if not section["sh_flags"] & SHF_COMPRESSED or section["sh_type"] == "SHT_NOBITS":
            continue
        start, size = section["sh_offset"], section["sh_size"]
        raw = data[start : start + size]
        if len(raw) < _CHDR.size or len(raw) != size:
            raise ElfError(f"truncated: compressed section {section.name} ends past the file")
        ch_type, _, claimed, _ = _CHDR.unpack_from(raw)
        if claimed > budget:
            raise ElfError(
                f"compressed section {section.name} claims {claimed} bytes inflated, more than "
                f"the checker inflates for a {len(data)}-byte file ({MAX_INFLATE_RATIO}x its "
                f"size, at most {MAX_INFLATED_BYTES} bytes, for all sections): corrupt, or a "
                "decompression bomb"
            )
        if ch_type != ELFCOMPRESS_ZLIB:
            kind = "zstd" if ch_type == ELFCOMPRESS_ZSTD else f"type {ch_type}"
            raise ElfError(
                f"compressed section {section.name} uses {kind} compression, which the checker "
                "can't inflate to look for host paths (Go's linker and gcc's default use zlib)"
            )
        budget -= claimed
        yield _inflate(section.name, memoryview(raw)[_CHDR.size :], claimed)


def _inflate(name: str, compressed: memoryview, claimed: int) -> bytes:
    """zlib-inflate exactly `claimed` bytes, a chunk at a time, never more (ElfError otherwise)."""
    inflater, out, produced = zlib.decompressobj(), [], 0
    for at in range(0, len(compressed), _INFLATE_CHUNK):
        pending = bytes(compressed[at : at + _INFLATE_CHUNK])
        while pending:
            # One byte past the claim is enough to tell that the header lied.
            piece = inflater.decompress(pending, claimed - produced + 1)
            produced += len(piece)
            out.append(piece)
            if produced > claimed:
                raise ElfError(
                    f"corrupt ELF: compressed section {name} inflates to more than the "
                    f"{claimed} bytes its header claims"
                )
            pending = inflater.unconsumed_tail
        if inflater.eof:
            break
    if produced != claimed:
        raise ElfError(
            f"corrupt ELF: compressed section {name} inflates to {produced} bytes, its header "
            f"claims {claimed}"
        )
    return b"".join(out)


def _facts(data: Buffer, elf: ELFFile) -> ElfFacts:
    e_type, machine = elf.header["e_type"], elf.header["e_machine"]
    segments = _segments(elf, data)
    sections = _sections(elf, data)
    found = sections.symbols(GLIBC_SYMBOLS + MUSL_SYMBOLS + DLOPEN_FUNCTIONS)
    stripped = ".symtab" not in sections.by_name
    static = not segments.interpreter and not segments.needed
    build_info = buildinfo_from_elf(
        data, sections.by_name.get(".go.buildinfo"), bool(sections.by_name)
    )
    libc, libc_why = detect_libc(
        segments.interpreter,
        segments.needed,
        found,
        list(segments.notes),
        segments.entry_code,
        machine,
        data,
        build_info,
        ".comment" in sections.by_name,
    )
    dlopen_why = _dlopen_evidence(found, stripped, libc, data)
    return ElfFacts(
        elf_type=e_type,
        machine=machine,
        interpreter=segments.interpreter,
        needed=segments.needed,
        has_dynamic=segments.has_dynamic,
        static_pie=e_type == "ET_DYN" and static and (segments.pie_flag or segments.has_dynamic),
        stripped=stripped,
        dlopen_referenced=bool(dlopen_why),
        dlopen_evidence=dlopen_why,
        nss_evidence=_nss_evidence(sections, stripped, data) if libc == GLIBC and static else "",
        libc_detected=libc,
        libc_evidence=libc_why,
        build_info=build_info,
        size=len(data),
        sha256="",
    )
