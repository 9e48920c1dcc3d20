"""Compressed ELF sections are inflated within a cap, never to whatever their header claims."""

from __future__ import annotations

import struct
import time
import zlib

import pytest

from go_static.core.checker.elf import MAX_INFLATE_RATIO, elf_facts
from go_static.core.checker.elf_header import ElfError

ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD = 1, 2
SHF_COMPRESSED = 0x800
HOST_PATH = b"/home/builder/.cache/pants/named_caches/go/src/app.c"


def crafted_elf(claimed: int, payload: bytes, ch_type: int = ELFCOMPRESS_ZLIB) -> bytes:
    """A minimal ELF64 LSB ET_EXEC: one PT_LOAD, and the sections null, .shstrtab and
    .debug_info (SHF_COMPRESSED: an Elf64_Chdr claiming `claimed` bytes, then `payload`)."""
    shstrtab = b"\0.shstrtab\0.debug_info\0"
    section = struct.pack("<IIQQ", ch_type, 0, claimed, 1) + payload
    code = b"\xc3" * 16
    code_off = 64 + 56
    shstr_off = code_off + len(code)
    sec_off = shstr_off + len(shstrtab)
    sh_off = (sec_off + len(section) + 7) & ~7
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    # e_type ET_EXEC, e_machine x86_64, e_entry, e_phoff, e_shoff, e_flags, sizes, counts,
    # e_shstrndx
    ehdr = ident + struct.pack(
        "<HHIQQQIHHHHHH", 2, 62, 1, 0x400000 + code_off, 64, sh_off, 0, 64, 56, 1, 64, 3, 1
    )
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, 0x400000, 0x400000, sh_off, sh_off, 0x1000)
    body = ehdr + phdr + code + shstrtab + section
    body += bytes(sh_off - len(body))

    def shdr(name: int, sh_type: int, flags: int, offset: int, size: int) -> bytes:
        return struct.pack("<IIQQQQIIQQ", name, sh_type, flags, 0, offset, size, 0, 0, 1, 0)

    sections = (
        bytes(64),
        shdr(1, 3, 0, shstr_off, len(shstrtab)),
        shdr(11, 1, SHF_COMPRESSED, sec_off, len(section)),
    )
    return body + b"".join(sections)


def test_an_honest_compressed_section_is_inflated_and_scanned() -> None:
    dwarf = b"\0DW_AT_comp_dir\0" + HOST_PATH + b"\0" * 4096
    facts = elf_facts(crafted_elf(len(dwarf), zlib.compress(dwarf)))
    assert facts.host_path_count >= 1 and any("src/app.c" in p for p in facts.host_paths)


def test_a_decompression_bomb_is_refused_before_it_is_inflated() -> None:
    # 256 MiB of zeros in 255 KiB: the header tells the truth, but it is far past 32x the file.
    bomb = zlib.compress(bytes(256 << 20), 9)
    data = crafted_elf(256 << 20, bomb)
    assert (256 << 20) > MAX_INFLATE_RATIO * len(data)
    start = time.perf_counter()
    with pytest.raises(ElfError, match=r"claims 268435456 bytes inflated.*decompression bomb"):
        elf_facts(data)
    assert time.perf_counter() - start < 1.0  # refused from the header, nothing inflated


def test_a_section_that_inflates_past_its_claim_stops_there() -> None:
    # The header claims 1000 bytes; the stream holds 256 MiB. Inflating stops at 1001 bytes.
    bomb = zlib.compress(bytes(256 << 20), 9)
    with pytest.raises(ElfError, match="inflates to more than the 1000 bytes its header claims"):
        elf_facts(crafted_elf(1000, bomb))


def test_a_section_that_inflates_short_of_its_claim_is_corrupt() -> None:
    with pytest.raises(ElfError, match="inflates to 5 bytes, its header claims 6"):
        elf_facts(crafted_elf(6, zlib.compress(b"short")))


def test_zstd_and_garbage_are_reported_not_raised() -> None:
    with pytest.raises(ElfError, match="uses zstd compression"):
        elf_facts(crafted_elf(10, b"\x28\xb5\x2f\xfd" + bytes(6), ELFCOMPRESS_ZSTD))
    with pytest.raises(ElfError, match="corrupt ELF"):
        elf_facts(crafted_elf(10, b"not zlib at all"))
