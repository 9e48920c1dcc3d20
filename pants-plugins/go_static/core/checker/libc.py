"""C libraries: their names, NSS and dlopen functions, and which one an ELF carries.

The names are the libc choices everywhere in go_static (intent, mode, policy, checker). Which C
library a 64-bit ELF carries ("glibc" | "musl" | "none" | "unknown") is decided by layered markers.

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

from go_static.core.checker.buildinfo import GoBuildInfo
from go_static.core.names import GLIBC, MUSL, NONE, UNKNOWN

# Every function glibc 2.36's libc.a tags with the static-link warning (79 NSS ones, dlopen,
# dlmopen) is in one of these two sets; tests/unit/test_elf.py reads libc.a to prove it. The NSS
# set also lists NSS-backed functions glibc does not tag (getnameinfo, getlogin, netgroups, ethers,
# publickey), so a warning for them from another libc build is still classed "nss".
_NSS_DBS = ("pw", "gr", "sp", "sg", "host", "net", "proto", "serv", "rpc", "alias")
_NSS_LOOKUPS = (
    "getpwnam getpwuid getgrnam getgrgid getspnam getsgnam gethostbyname gethostbyname2 "
    "gethostbyaddr getservbyname getservbyport getprotobyname getprotobynumber getnetbyname "
    "getnetbyaddr getrpcbyname getrpcbynumber getaliasbyname getnetgrent getlogin"
).split()
_NSS_OTHERS = (
    "getaddrinfo getnameinfo getgrouplist initgroups setnetgrent endnetgrent innetgr "
    "ether_hostton ether_ntohost getpublickey getsecretkey netname2user"
).split()
NSS_FUNCTIONS = frozenset(
    [f"{op}{db}ent" for db in _NSS_DBS for op in ("get", "set", "end")]
    + [f"get{db}ent_r" for db in _NSS_DBS]
    + [name + suffix for name in _NSS_LOOKUPS for suffix in ("", "_r")]
    + _NSS_OTHERS
)
# The dynamic loader's entry points, most telling first: found as symbols in a binary (evidence
# names the first one present) and as the subject of glibc's static-link warnings.
DLOPEN_FUNCTIONS = ("dlopen", "dlmopen", "__dlopen", "__libc_dlopen_mode")
MUSL_DLOPEN_STRING = b"Dynamic loading not supported"  # musl's static dlopen stub
NSS_STRING = b"libnss_"  # glibc's NSS module loader builds "libnss_%s.so%s"

Buffer = Union[bytes, mmap.mmap]
GLIBC_SYMBOLS = ("__libc_start_call_main", "_IO_stdin_used")
MUSL_SYMBOLS = ("__init_libc", "_start_c")
GLIBC_STRING, MUSL_STRING = b"GLIBC_TUNABLES", b"No error information"
_ENDBR64 = rb"(?:\xf3\x0f\x1e\xfa)?"
_START_CODE = {  # x86_64 `_start`
    # xor %ebp,%ebp; mov %rdx,%r9; pop %rsi; mov %rsp,%rdx; and $-16,%rsp  (sysdeps/x86_64/start.S)
    GLIBC: re.compile(_ENDBR64 + rb"\x31\xed\x49\x89\xd1\x5e\x48\x89\xe2\x48\x83\xe4\xf0"),
    # xor %rbp,%rbp; mov %rsp,%rdi; lea _DYNAMIC(%rip),%rsi; and $-16,%rsp; call _start_c
    # (musl's arch/x86_64/crt_arch.h)
    MUSL: re.compile(
        _ENDBR64 + rb"\x48\x31\xed\x48\x89\xe7\x48\x8d\x35.{4}\x48\x83\xe4\xf0\xe8", re.S
    ),
}
NT_GNU_ABI_TAG = 1


def detect_libc(
    interp: str | None,
    needed: tuple[str, ...],
    symbols: list[str],
    notes: list[tuple[bytes, int]],
    entry_code: bytes,
    machine: str,
    data: Buffer,
    build_info: GoBuildInfo | None,
    has_comment: bool,
) -> tuple[str, str]:
    """(libc, the evidence that decided it); see the module docstring for the layers."""
    for what, name in [("PT_INTERP", interp or "")] + [("DT_NEEDED", n) for n in needed]:
        if "musl" in name:
            return MUSL, f"{what} {name}"
        if name.startswith(("libc.so.", "ld-linux")) or "/ld-linux" in name:
            return GLIBC, f"{what} {name}"
    glibc = [s for s in GLIBC_SYMBOLS if s in symbols]
    musl = [s for s in MUSL_SYMBOLS if s in symbols]
    if bool(glibc) != bool(musl):
        return (GLIBC, f"symbol {glibc[0]}") if glibc else (MUSL, f"symbol {musl[0]}")
    if (b"GNU", NT_GNU_ABI_TAG) in notes:
        return GLIBC, "note .note.ABI-tag (NT_GNU_ABI_TAG from glibc's crt1.o)"
    if machine == "EM_X86_64":
        for libc, pattern in _START_CODE.items():
            if pattern.match(entry_code):
                return libc, f"entry point code is {libc}'s x86_64 _start"
    if build_info is not None and not (glibc or musl):
        # Go's own linker writes no .comment and no C start-up code; skip the whole-file scan.
        if build_info.cgo_enabled is False:
            return NONE, "Go build info CGO_ENABLED=0, and no C runtime symbols, note or _start"
        if not has_comment:
            return (
                NONE,
                "Go binary linked internally (no .comment from a C toolchain), no C runtime",
            )
    has_glibc, has_musl = data.find(GLIBC_STRING) >= 0, data.find(MUSL_STRING) >= 0
    if has_glibc != has_musl:
        s = GLIBC_STRING if has_glibc else MUSL_STRING
        return (GLIBC if has_glibc else MUSL), f'string "{s.decode()}"'
    return UNKNOWN, "no decisive C-library marker (symbols, .note.ABI-tag, _start code, strings)"
