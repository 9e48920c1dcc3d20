"""Which C library a 64-bit ELF carries ("glibc" | "musl" | "none" | "unknown"), and the evidence.

Measured on binaries from Debian's glibc 2.36 (gcc 12) and the musl bundled with zig 0.17.1,
C and Go, -static and -static-pie, with and without symbols; layers are tried in order:
  0. PT_INTERP / DT_NEEDED name the libc outright (dynamic binaries).
  1. symbols: glibc-only __libc_start_call_main (2.34+), _IO_stdin_used (every glibc crt1);
     musl-only __init_libc, _start_c. (Also measured and equally reliable, but not searched, to
     keep the check fast: glibc __libc_setup_tls, _dl_relocate_static_pie; musl __libc_start_init,
     __dls2 in rcrt1 static-pie.)
  2. notes: glibc's crt1.o adds .note.ABI-tag (NT_GNU_ABI_TAG, owner GNU); musl's crt1 adds none.
     Read from PT_NOTE, so it survives strip (the note is allocated).
  3. x86_64 entry code: glibc's and musl's `_start` are distinct, fixed instruction sequences.
  4. strings: "GLIBC_TUNABLES" (every static glibc >= 2.26), "No error information" (musl's
     strerror; glibc says "Unknown error"). "glibc"/"musl" alone are NOT used: unstripped musl
     binaries carry "glibc" in debug info, stripped ones lose "musl".
A Go binary without layers 0-3 is "none" when its build info says CGO_ENABLED=0, or when it has no
.comment section (only C toolchains write one: Go linked it internally); else strings decide.
Pants-free: stdlib only.
"""

from __future__ import annotations

import mmap
import re
from typing import Union

from go_static.buildinfo import GoBuildInfo

Buffer = Union[bytes, mmap.mmap]
GLIBC_SYMBOLS = ("__libc_start_call_main", "_IO_stdin_used")
MUSL_SYMBOLS = ("__init_libc", "_start_c")
GLIBC_STRING, MUSL_STRING = b"GLIBC_TUNABLES", b"No error information"
_ENDBR64 = rb"(?:\xf3\x0f\x1e\xfa)?"
_START_CODE = {  # x86_64 `_start`
    # xor %ebp,%ebp; mov %rdx,%r9; pop %rsi; mov %rsp,%rdx; and $-16,%rsp  (sysdeps/x86_64/start.S)
    "glibc": re.compile(_ENDBR64 + rb"\x31\xed\x49\x89\xd1\x5e\x48\x89\xe2\x48\x83\xe4\xf0"),
    # xor %rbp,%rbp; mov %rsp,%rdi; lea _DYNAMIC(%rip),%rsi; and $-16,%rsp; call _start_c  (crt_arch.h)
    "musl": re.compile(_ENDBR64 + rb"\x48\x31\xed\x48\x89\xe7\x48\x8d\x35.{4}\x48\x83\xe4\xf0\xe8", re.S),
}
NT_GNU_ABI_TAG = 1


def detect_libc(interp: str | None, needed: tuple[str, ...], symbols: list[str],
                notes: list[tuple[bytes, int]], entry_code: bytes, machine: str, data: Buffer,
                build_info: GoBuildInfo | None, has_comment: bool) -> tuple[str, str]:
    """(libc, the evidence that decided it); see the module docstring for the layers."""
    for what, name in [("PT_INTERP", interp or "")] + [("DT_NEEDED", n) for n in needed]:
        if "musl" in name:
            return "musl", f"{what} {name}"
        if name.startswith(("libc.so.", "ld-linux")) or "/ld-linux" in name:
            return "glibc", f"{what} {name}"
    glibc = [s for s in GLIBC_SYMBOLS if s in symbols]
    musl = [s for s in MUSL_SYMBOLS if s in symbols]
    if bool(glibc) != bool(musl):
        return ("glibc", f"symbol {glibc[0]}") if glibc else ("musl", f"symbol {musl[0]}")
    if (b"GNU", NT_GNU_ABI_TAG) in notes:
        return "glibc", "note .note.ABI-tag (NT_GNU_ABI_TAG from glibc's crt1.o)"
    if machine == "EM_X86_64":
        for libc, pattern in _START_CODE.items():
            if pattern.match(entry_code):
                return libc, f"entry point code is {libc}'s x86_64 _start"
    if build_info is not None and not (glibc or musl):
        # Go's own linker writes no .comment and no C start-up code; skip the whole-file scan.
        if build_info.cgo_enabled is False:
            return "none", "Go build info CGO_ENABLED=0, and no C runtime symbols, note or _start"
        if not has_comment:
            return "none", "Go binary linked internally (no .comment from a C toolchain), no C runtime"
    has_glibc, has_musl = data.find(GLIBC_STRING) >= 0, data.find(MUSL_STRING) >= 0
    if has_glibc != has_musl:
        s = GLIBC_STRING if has_glibc else MUSL_STRING
        return ("glibc" if has_glibc else "musl"), f'string "{s.decode()}"'
    return "unknown", "no decisive C-library marker (symbols, .note.ABI-tag, _start code, strings)"
