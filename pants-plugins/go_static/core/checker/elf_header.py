"""The ELF64 header, checked before anything else is read: refuse, with the reason, what isn't ours.

Pants-free. Field offsets are those of `Elf64_Ehdr` in <elf.h>. Only 64-bit little-endian
executables (ET_EXEC, ET_DYN) with sane header tables get past here, so the readers after it
(pyelftools, the symbol and note scanners) never see a truncated table.
"""

from __future__ import annotations

import struct

from go_static.core.checker.libc import Buffer
from go_static.core.errors import GoStaticError

_ET = {0: "ET_NONE", 1: "ET_REL", 2: "ET_EXEC", 3: "ET_DYN", 4: "ET_CORE"}
ET_EXEC, ET_DYN = 2, 3
# The ELF64 header (e_ident, then the fields at these byte offsets), as in <elf.h>.
ELF_MAGIC = b"\x7fELF"
EI_CLASS, EI_DATA = 4, 5
ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATA2LSB, ELFDATA2MSB = 1, 2
E_TYPE = 16  # <H
E_PHOFF_SHOFF = 32  # <QQ
E_PHENTSIZE_PHNUM_SHENTSIZE_SHNUM = 54  # <HHHH
ELF64_EHDR_SIZE, ELF64_PHDR_SIZE, ELF64_SHDR_SIZE = 64, 56, 64


class ElfError(GoStaticError):
    """The input is not a usable 64-bit little-endian ELF executable; the message says why."""

    code = "unusable-input"


def check_header(data: Buffer) -> None:
    """Refuse, with the reason, anything but a well-formed ELF64 LSB executable header."""
    if not data:
        raise ElfError("empty file")
    if len(data) < len(ELF_MAGIC) and ELF_MAGIC.startswith(data[: len(ELF_MAGIC)]):
        raise ElfError(f"truncated ELF header ({len(data)} of {ELF64_EHDR_SIZE} bytes)")
    if data[: len(ELF_MAGIC)] != ELF_MAGIC:
        raise ElfError(f"not an ELF file (starts with {data[:4]!r}, not b'\\x7fELF')")
    if len(data) > EI_CLASS and data[EI_CLASS] == ELFCLASS32:
        raise ElfError("32-bit ELF (ELFCLASS32): only 64-bit executables are checked")
    if len(data) > EI_DATA and data[EI_DATA] == ELFDATA2MSB:
        raise ElfError("big-endian ELF (ELFDATA2MSB): only little-endian executables are checked")
    if len(data) < ELF64_EHDR_SIZE:
        raise ElfError(f"truncated ELF header ({len(data)} of {ELF64_EHDR_SIZE} bytes)")
    if data[EI_CLASS] != ELFCLASS64 or data[EI_DATA] != ELFDATA2LSB:
        raise ElfError(
            f"corrupt ELF identification (EI_CLASS={data[EI_CLASS]}, EI_DATA={data[EI_DATA]})"
        )
    e_type = struct.unpack_from("<H", data, E_TYPE)[0]
    if e_type not in (ET_EXEC, ET_DYN):
        raise ElfError(f"not an executable: e_type is {_ET.get(e_type, e_type)}")
    phoff, shoff = struct.unpack_from("<QQ", data, E_PHOFF_SHOFF)
    phentsize, phnum, shentsize, shnum = struct.unpack_from(
        "<HHHH", data, E_PHENTSIZE_PHNUM_SHENTSIZE_SHNUM
    )
    if phnum == 0:
        raise ElfError("not an executable: no program headers (e_phnum=0)")
    if phentsize != ELF64_PHDR_SIZE or (shnum and shentsize != ELF64_SHDR_SIZE):
        raise ElfError(
            f"corrupt ELF: header entry sizes {phentsize}/{shentsize}, expected "
            f"{ELF64_PHDR_SIZE}/{ELF64_SHDR_SIZE}"
        )
    tables = (("program", phoff, phnum, phentsize), ("section", shoff, shnum, shentsize))
    for what, off, count, size in tables:
        if off and off + count * size > len(data):
            raise ElfError(
                f"truncated: {what} header table ends at byte {off + count * size}, file has "
                f"{len(data)}"
            )
