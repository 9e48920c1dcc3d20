"""Go's embedded build information (what `go version -m` prints), read without running Go.

Format (Go >= 1.18, `debug/buildinfo`): the `.go.buildinfo` section starts with the 14-byte magic
"\\xff Go buildinf:", a pointer-size byte and a flags byte. When flags & 2, the Go version and the
module info follow at offset 32, each a uvarint length then the bytes; the module info is wrapped
in two 16-byte sentinels. Older binaries store pointers instead; they are reported as such, with
no settings. Pants-free: stdlib only.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace

from go_static.core.errors import GoStaticError
from go_static.core.names import BUILDMODE_EXE, FIPS_BORINGCRYPTO, FIPS_OFF

MAGIC = b"\xff Go buildinf:"
FLAGS_INLINE = 2
LEGACY_VERSION = "unknown (pre-go1.18 build info)"
# Go's -buildmode values that go_static_binary builds.
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')


class BuildInfoError(GoStaticError, ValueError):
    """The .go.buildinfo blob is present but malformed."""

    code = "unusable-input"


@dataclass(frozen=True)
class GoModule:
    """One module line of build info: `mod`/`dep` path, version, `h1:` sum, and its `=>` replace."""

    path: str
    version: str  # "(devel)" for the main module; "" for a replacement by a local directory
    sum: str = ""  # "h1:<base64 SHA-256>"; "" for the main module, a local or a replaced module
    replaced_by: GoModule | None = None

    @property
    def effective(self) -> GoModule:
        """The module whose code is in the binary: the replacement, if there is one."""
        return self.replaced_by or self


def _module(fields: list[str]) -> GoModule | None:
    # Go writes "path\tversion\tsum", or "path\tversion" when a `=>` line follows.
    if len(fields) not in (2, 3):
        return None
    return GoModule(fields[0], fields[1], fields[2] if len(fields) == 3 else "")


@dataclass(frozen=True)
class GoBuildInfo:
    """The Go version, main package path and `build` settings embedded by the Go linker."""

    go_version: str
    path: str
    settings: tuple[tuple[str, str], ...]  # ("-tags", "netgo,osusergo"), ("CGO_ENABLED", "1"), ...
    lines: tuple[str, ...] = ()  # the raw module-info lines, e.g. "build\tCGO_ENABLED=1"

    def get(self, key: str, default: str | None = None) -> str | None:
        for k, v in self.settings:
            if k == key:
                return v
        return default

    def line(self, key: str) -> str:
        """The raw line that set `key`, for evidence; a description when Go left it out."""
        for raw in self.lines:
            if raw.startswith(("build\t" + key + "=", 'build\t"' + key)):
                return raw
        return f"build\t{key} (absent)"

    @property
    def main_module(self) -> GoModule | None:
        """The `mod` line: the main module (version "(devel)" unless built from a module zip)."""
        return next((m for word, m in self._module_lines() if word == "mod"), None)

    @property
    def modules(self) -> tuple[GoModule, ...]:
        """The `dep` lines in Go's order, each with its `=>` replacement; not the main module."""
        return tuple(m for word, m in self._module_lines() if word == "dep")

    def _module_lines(self) -> list[tuple[str, GoModule]]:
        # As debug/buildinfo's ParseBuildInfo: a `=>` line replaces the module just before it.
        found: list[tuple[str, GoModule]] = []
        for raw in self.lines:
            word, _, rest = raw.partition("\t")
            module = _module(rest.split("\t")) if word in ("mod", "dep", "=>") else None
            if module is None:
                continue
            if word != "=>":
                found.append((word, module))
            elif found and found[-1][1].replaced_by is None:
                last_word, last = found[-1]
                found[-1] = (last_word, replace(last, replaced_by=module))
        return found

    @property
    def cgo_enabled(self) -> bool | None:
        value = self.get("CGO_ENABLED")
        return None if value is None else value == "1"

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(t for t in (self.get("-tags") or "").split(",") if t)

    @property
    def buildmode(self) -> str:
        return self.get("-buildmode") or BUILDMODE_EXE

    @property
    def ldflags(self) -> str | None:
        """None when absent: Go drops -ldflags from build info under -trimpath (golang/go#52372)."""
        return self.get("-ldflags")

    @property
    def fips_module(self) -> str:
        """The FIPS module build info names, as the report and the SBOM say it."""
        return fips_module_label(self.get("GOFIPS140") or FIPS_OFF, self.get("GOEXPERIMENT") or "")

    @property
    def cpu_level(self) -> str | None:
        """GOAMD64 / GOARM64 (whichever the arch has), as build info records it."""
        return self.get("GOAMD64") or self.get("GOARM64")


def fips_module_label(gofips140: str, goexperiment: str) -> str:
    """One name per FIPS module: "go-fips140 <version>", "boringcrypto", or "off"."""
    if FIPS_BORINGCRYPTO in goexperiment.split(","):
        return FIPS_BORINGCRYPTO
    return FIPS_OFF if gofips140 == FIPS_OFF else f"go-fips140 {gofips140}"


def _uvarint(blob: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(blob) and shift < 64:
        byte = blob[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise BuildInfoError("corrupt .go.buildinfo: unterminated length")


def _string(blob: bytes, pos: int) -> tuple[bytes, int]:
    n, pos = _uvarint(blob, pos)
    if pos + n > len(blob):
        raise BuildInfoError(f"corrupt .go.buildinfo: a {n}-byte string runs past the section end")
    return blob[pos : pos + n], pos + n


def _unquote(text: str) -> str:
    if text[:1] == "`":
        return text[1:-1]
    if text[:1] == '"':
        try:
            return ast.literal_eval(text)  # Go's strconv.Quote escapes are a subset of Python's
        except (ValueError, SyntaxError):
            return text[1:-1]
    return text


def _setting(kv: str) -> tuple[str, str] | None:
    """Parse `KEY=VALUE` after "build\\t" as debug/buildinfo does (either side may be quoted)."""
    if kv[:1] in ('"', "`"):
        m = _QUOTED.match(kv)
        if not m or kv[m.end() : m.end() + 1] != "=":
            return None
        key, raw = _unquote(m.group()), kv[m.end() + 1 :]
    else:
        key, eq, raw = kv.partition("=")
        if not eq:
            return None
    return key, _unquote(raw) if raw[:1] in ('"', "`") else raw


def parse_modinfo(go_version: str, modinfo: str) -> GoBuildInfo:
    """A GoBuildInfo from the version string and the module-info text."""
    path, settings, lines = "", [], []
    for line in modinfo.splitlines():
        if not line:
            continue
        lines.append(line)
        if line.startswith("path\t"):
            path = line[5:]
        elif line.startswith("build\t"):
            kv = _setting(line[6:])
            if kv:
                settings.append(kv)
    return GoBuildInfo(go_version, path, tuple(settings), tuple(lines))


def parse_buildinfo_blob(blob: bytes) -> GoBuildInfo:
    """Parse a `.go.buildinfo` section's bytes; raise BuildInfoError if they are malformed."""
    if len(blob) < 32 or not blob.startswith(MAGIC):
        raise BuildInfoError("corrupt .go.buildinfo: no '\\xff Go buildinf:' header")
    if not blob[15] & FLAGS_INLINE:
        return GoBuildInfo(LEGACY_VERSION, "", ())
    version, pos = _string(blob, 32)
    raw_mod, _ = _string(blob, pos)
    if len(raw_mod) >= 33 and raw_mod[-17] == 0x0A:  # strip the 16-byte sentinels
        raw_mod = raw_mod[16:-16]
    return parse_modinfo(version.decode("utf-8", "replace"), raw_mod.decode("utf-8", "replace"))


def buildinfo_from_elf(
    data: bytes, section: tuple[int, int, int] | None, have_sections: bool
) -> GoBuildInfo | None:
    """Build info from the `.go.buildinfo` section (offset, size, _), or None for non-Go ELF.

    Without any section headers, fall back to the first 16-byte-aligned magic in the file, as
    debug/buildinfo scans the data segment.
    """
    if section is not None:
        off, size, _ = section
        return parse_buildinfo_blob(data[off : off + size])
    if have_sections:
        return None
    pos = data.find(MAGIC)
    while pos >= 0 and pos % 16:
        pos = data.find(MAGIC, pos + 1)
    return None if pos < 0 else parse_buildinfo_blob(data[pos : pos + 64 * 1024])
