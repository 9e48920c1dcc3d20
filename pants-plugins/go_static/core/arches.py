"""The CPU architectures go_static_binary builds for, and each one's names in every toolchain.

Pants-free. One row per GOARCH: zig's musl target, the GNU triple of Debian's glibc cross
compiler and the packages that provide it, the ELF `e_machine` the checker must find, and the
qemu-user binary that runs it on another host. The checker reads 64-bit little-endian ELF only,
so only such arches are here; 32-bit and big-endian ones are refused with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Arch:
    """One GOARCH and its names elsewhere."""

    goarch: str
    elf_machine: str  # pyelftools' e_machine name
    qemu: str  # Debian qemu-user-static's binary
    zig_musl_target: str | None = None  # zig cc -target, when zig links musl for it
    gnu_triple: str | None = None  # <triple>-gcc is Debian's glibc cross compiler
    debian_cross_packages: tuple[str, ...] = ()  # what provides <triple>-gcc and its libc.a
    glibc_static_pie: bool = True  # Debian's glibc ships rcrt1.o for it


ARCHES = {
    a.goarch: a
    for a in (
        Arch(
            "amd64",
            "EM_X86_64",
            "qemu-x86_64-static",
            "x86_64-linux-musl",
            "x86_64-linux-gnu",
            ("gcc-x86-64-linux-gnu", "libc6-dev-amd64-cross"),
        ),
        Arch(
            "arm64",
            "EM_AARCH64",
            "qemu-aarch64-static",
            "aarch64-linux-musl",
            "aarch64-linux-gnu",
            ("gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"),
        ),
        Arch(
            "riscv64",
            "EM_RISCV",
            "qemu-riscv64-static",
            "riscv64-linux-musl",
            "riscv64-linux-gnu",
            ("gcc-riscv64-linux-gnu", "libc6-dev-riscv64-cross"),
            # Debian 12's riscv64 glibc has no rcrt1.o: `ld: cannot find rcrt1.o`.
            glibc_static_pie=False,
        ),
        # Pure Go only (libc="none"): Go links them itself; no C toolchain is wired up for them.
        Arch("ppc64le", "EM_PPC64", "qemu-ppc64le-static"),
        Arch("loong64", "EM_LOONGARCH", "qemu-loongarch64-static"),
    )
}
SUPPORTED_GOARCHES = tuple(ARCHES)
# Arches with a C toolchain wired up (zig musl, glibc cross gcc): what cgo can target.
C_GOARCHES = tuple(a.goarch for a in ARCHES.values() if a.zig_musl_target)
# Go arches the checker cannot read: 32-bit, or big-endian.
UNCHECKABLE_GOARCHES = ("386", "arm", "mips", "mipsle", "mips64", "ppc64", "s390x")


def goarch_for_machine(elf_machine: str) -> str | None:
    """The GOARCH whose binaries carry this e_machine, if it is one of ours."""
    return next((a.goarch for a in ARCHES.values() if a.elf_machine == elf_machine), None)
