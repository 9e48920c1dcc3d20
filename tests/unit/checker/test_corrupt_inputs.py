"""Unusable and corrupt inputs raise ElfError, never a raw exception."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import pytest

from elf_lab import Binaries
from go_static.core.checker.elf import elf_facts
from go_static.core.checker.elf_header import ElfError
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.verdict import evaluate


def _elf32() -> bytes:
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    hdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x8048054, 52, 0, 0, 52, 32, 1, 40, 0, 0)
    return (
        hdr
        + struct.pack("<IIIIIIII", 1, 0, 0x8048000, 0x8048000, 0x60, 0x60, 5, 0x1000)
        + b"\xc3" * 12
    )


def _elf64_big_endian() -> bytes:
    ident = b"\x7fELF" + bytes([2, 2, 1]) + bytes(9)
    return (
        ident
        + struct.pack(">HHIQQQIHHHHHH", 2, 62, 1, 0x400078, 64, 0, 0, 64, 56, 1, 64, 0, 0)
        + bytes(64)
    )


def test_unusable_inputs_raise_elf_error(tmp_path: Path) -> None:
    text = tmp_path / "script.sh"
    text.write_text("#!/bin/sh\necho hi\n")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    cases = [
        (empty, "empty file"),
        (b"", "empty file"),
        (text, "not an ELF file"),
        (tmp_path / "missing", "cannot read"),
        (tmp_path, "cannot read"),
        (_elf32(), "32-bit ELF"),
        (_elf64_big_endian(), "big-endian ELF"),
        (b"\x7fEL", "truncated ELF header"),
    ]
    for source, message in cases:
        with pytest.raises(ElfError, match=message):
            elf_facts(source)


def test_truncated_and_flipped_copies_of_a_real_binary(bins: Binaries) -> None:
    gcc_built = bins.get("c_hello_glibc_stripped").path.read_bytes()  # section headers last
    shoff = struct.unpack_from("<Q", gcc_built, 40)[0]
    with pytest.raises(ElfError, match="truncated: section header table ends at byte"):
        elf_facts(gcc_built[: shoff + 10])
    data = bins.get("go_none").path.read_bytes()  # Go writes section headers before the data
    for cut, message in [
        (40, "truncated ELF header"),
        (64, "truncated: program header table"),
        (len(data) // 2, "truncated: "),
        (len(data) - 1, "truncated: section "),
    ]:
        with pytest.raises(ElfError, match=message):
            elf_facts(data[:cut])

    def flip(offset: int, value: bytes) -> bytes:
        return data[:offset] + value + data[offset + len(value) :]

    for changed, message in [
        (flip(0, b"\x7fELG"), "not an ELF file"),
        (flip(4, b"\x01"), "32-bit"),
        (flip(5, b"\x02"), "big-endian"),
        (flip(4, b"\x07"), "identification"),
        (flip(16, struct.pack("<H", 1)), "e_type is ET_REL"),
        (flip(54, struct.pack("<H", 40)), "header entry sizes"),
    ]:
        with pytest.raises(ElfError, match=message):
            elf_facts(changed)


def test_random_corruption_never_leaks_a_raw_exception(bins: Binaries) -> None:
    data = bins.get("c_hello_musl_stripped").path.read_bytes()
    rnd, shoff = random.Random(20261126), struct.unpack_from("<Q", data, 40)[0]
    errors = 0
    for i in range(300):
        buf = bytearray(data[: rnd.randrange(len(data))] if i % 3 == 0 else data)
        for _ in range(rnd.choice((1, 4, 32))):
            lo = shoff if i % 2 and shoff < len(buf) else 0
            if len(buf) > lo:
                buf[rnd.randrange(lo, len(buf))] = rnd.randrange(256)
        try:
            evaluate(elf_facts(bytes(buf)), Expectation(libc="musl", cgo_enabled=True))
        except ElfError as e:
            errors += 1
            assert "\n" not in str(e) and str(e)
    assert errors > 50
