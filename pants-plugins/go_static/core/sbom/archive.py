"""The members of a static library (`ar` archive) and one section of an ELF object. Pants-free.

Just enough to find a C library's version marker in its `libc.a` without binutils: the System V
/ GNU `ar` layout (`!<arch>\\n`, 60-byte member headers, a `//` member for long names, BSD's
`#1/<len>` names) and the section headers of 32- and 64-bit ELF objects of either byte order.
Malformed input ends the walk quietly: a missing marker is reported by the callers, not here.
"""

from __future__ import annotations

import struct
from typing import Iterator

AR_MAGIC = b"!<arch>\n"
_AR_HEADER = 60  # name[16] date[12] uid[6] gid[6] mode[8] size[10] "`\n"


def is_archive(data: bytes) -> bool:
    return data.startswith(AR_MAGIC)


def ar_members(data: bytes) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of each member of an `ar` archive, in order; nothing for other input."""
    if not is_archive(data):
        return
    pos, long_names = len(AR_MAGIC), b""
    while pos + _AR_HEADER <= len(data):
        header = data[pos : pos + _AR_HEADER]
        size_field = header[48:58].strip()
        if header[58:60] != b"`\n" or not size_field.isdigit():
            return
        size = int(size_field)
        body = data[pos + _AR_HEADER : pos + _AR_HEADER + size]
        pos += _AR_HEADER + size + (size & 1)  # members start on even offsets
        name = header[:16].decode("latin-1").rstrip()
        if name == "//":
            long_names = body
            continue
        if name in ("/", "/SYM64/", "__.SYMDEF", "__.SYMDEF SORTED"):  # symbol tables
            continue
        if name[:1] == "/" and name[1:].isdigit():  # GNU: an offset into the `//` member
            start = int(name[1:])
            end = long_names.find(b"/\n", start)
            name = long_names[start : end if end >= 0 else None].decode("latin-1")
        elif name.startswith("#1/") and name[3:].isdigit():  # BSD: the name opens the body
            n = int(name[3:])
            name, body = body[:n].rstrip(b"\0").decode("latin-1"), body[n:]
        else:
            name = name[:-1] if name.endswith("/") else name
        yield name, body


def elf_section(obj: bytes, name: str) -> bytes | None:
    """The bytes of the section called `name` in an ELF file, or None (absent, or not ELF)."""
    if obj[:4] != b"\x7fELF" or len(obj) < 52 or obj[4] not in (1, 2) or obj[5] not in (1, 2):
        return None
    order = "<" if obj[5] == 1 else ">"
    try:
        if obj[4] == 2:  # ELFCLASS64: e_shoff at 0x28; e_shentsize, e_shnum, e_shstrndx at 0x3a
            (shoff,) = struct.unpack_from(order + "Q", obj, 0x28)
            entsize, count, strndx = struct.unpack_from(order + "HHH", obj, 0x3A)
            header = order + "II8x8xQQ"  # sh_name, sh_type, (flags, addr), sh_offset, sh_size
        else:  # ELFCLASS32: e_shoff at 0x20; the three counts at 0x2e
            (shoff,) = struct.unpack_from(order + "I", obj, 0x20)
            entsize, count, strndx = struct.unpack_from(order + "HHH", obj, 0x2E)
            header = order + "II4x4xII"
        sections = [
            struct.unpack_from(header, obj, shoff + i * entsize) for i in range(min(count, 4096))
        ]
        _, _, str_off, str_size = sections[strndx]
    except (struct.error, IndexError):
        return None
    names = obj[str_off : str_off + str_size]
    wanted = name.encode() + b"\0"
    for sh_name, _, offset, size in sections:
        if names[sh_name : sh_name + len(wanted)] == wanted and offset + size <= len(obj):
            return obj[offset : offset + size]
    return None
