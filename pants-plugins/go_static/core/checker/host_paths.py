"""Absolute paths of the machine that built a binary, found in its bytes. Pants-free.

A shipped binary should hold no build-host path: it makes the binary differ between machines
(so it is not reproducible, and can't come from a shared cache) and leaks the build host's
layout. Go's -trimpath covers Go's own paths and maps module dirs to `/_/...`; C debug info
(zig's self-built musl in particular) is what carries them. The rule looks for this machine's
own build paths (the build root, the toolchains' install dir, the named caches), Pants' sandbox
prefix and go_static's sandbox dirs; the CLI, which doesn't know them, for the usual places as
substrings.
"""

from __future__ import annotations

from go_static.core.checker.libc import Buffer

SANDBOX_MARKER = b"/pants-sandbox-"
# Every dir go_static puts in a sandbox starts so (core.mode.environment): seen in a binary, it is
# part of some machine's sandbox path, whatever the executor calls its sandboxes (`/execroot/`).
GO_STATIC_DIR_MARKER = b"/.go-static-"
# Pants' local dir of immutable inputs (`/tmp/immutable_inputsXXXX/<digest>`): with inputs by
# digest, GOROOT and the module cache are where their sandbox links lead, in there.
IMMUTABLE_INPUTS_MARKER = b"/immutable_inputs"
SANDBOX_MARKERS = (SANDBOX_MARKER, GO_STATIC_DIR_MARKER, IMMUTABLE_INPUTS_MARKER)
# For binaries checked outside a build (the CLI), where this machine's own paths are unknown:
# the usual places, as substrings.
HOST_PATH_MARKERS = (
    *SANDBOX_MARKERS,
    b"/.pants-venv/",
    b"/site-packages/",
    b"/named_caches/",
    b"/.cache/pants/",
)
MAX_EXAMPLES = 3
_PRINTABLE = frozenset(range(0x21, 0x7F))


def _string_around(data: Buffer, at: int) -> str:
    """The printable run of bytes (a path) that contains offset `at`, shortened for a message."""
    start, end = at, at
    while start > 0 and data[start - 1] in _PRINTABLE and at - start < 200:
        start -= 1
    while end < len(data) and data[end] in _PRINTABLE and end - at < 200:
        end += 1
    text = bytes(data[start:end]).decode("ascii", "replace")
    return text if len(text) <= 120 else text[:117] + "..."


def find_host_paths(
    data: Buffer, markers: tuple[bytes, ...] = HOST_PATH_MARKERS
) -> tuple[int, tuple[str, ...]]:
    """(how many marker hits, up to MAX_EXAMPLES distinct paths holding one) in the bytes."""
    hits, examples = 0, []
    for marker in markers:
        if not marker:
            continue
        at = data.find(marker)
        while at >= 0:
            hits += 1
            if len(examples) < MAX_EXAMPLES:
                path = _string_around(data, at)
                if path not in examples:
                    examples.append(path)
            at = data.find(marker, at + len(marker))
    return hits, tuple(examples)


def host_markers(*dirs: str) -> tuple[bytes, ...]:
    """This machine's own build paths (build root, toolchain install dir, named caches), plus
    Pants' sandbox prefix: concrete paths, so a binary that merely mentions `site-packages`
    isn't flagged."""
    specific = [d.rstrip("/") for d in dirs if d.rstrip("/").count("/") >= 2]  # not "/src"
    return (*SANDBOX_MARKERS, *(f"{d}/".encode() for d in dict.fromkeys(specific)))
