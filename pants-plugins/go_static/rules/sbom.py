"""Rules: the CycloneDX SBOM of one checked binary, `<output_path>.cdx.json`.

Go's build info names the modules; what static linking hides is the C. One sandboxed process
copies out the raw inputs that say which C went in: the musl version header of the zig that
linked it, or the `libc.a` the link used, and the headers of the C libraries cgo modules bundle,
from the module cache. `go_static.core.sbom` turns them into the document.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from pants.engine.fs import EMPTY_DIGEST, Digest, DigestContents, DigestSubset, PathGlobs
from pants.engine.process import Process, ProcessCacheScope, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.checker.buildinfo import GoBuildInfo
from go_static.core.errors import Problem, render_problems
from go_static.core.mode.build_mode import BuildMode
from go_static.core.mode.environment import GOMODCACHE_DIR
from go_static.core.mode.toolchains import CCompiler
from go_static.core.names import GLIBC, MUSL, ZIG
from go_static.core.review.vulns import VulnSettings
from go_static.core.sbom.bom import sbom_json
from go_static.core.sbom.components import (
    ZIG_MUSL_VERSION_FILE,
    CComponent,
    ModuleFile,
    SbomError,
    bundled_c_components,
    bundled_c_files,
    detect_libc,
)
from go_static.rules.licenses import ModuleLicenses, ModuleLicensesRequest
from go_static.rules.toolchain import (
    ZIG_TOOL,
    DownloadedToolchain,
    DownloadedToolchainRequest,
    ToolchainDownloads,
    toolchain_path,
)
from go_static.rules.vulncheck import VulnScan, VulnScanRequest

SBOM_SUFFIX = ".cdx.json"
_OUT = "__go_static_sbom_inputs"
# Copies the libc marker and each module file that exists; a missing header only costs that C
# library its version in the document.
_GATHER = f"""\
set -e
mkdir -p {_OUT}/mod
case "$__LIBC_SOURCE" in
  file:*) cp "${{__LIBC_SOURCE#file:}}" {_OUT}/libc ;;
  cc:*) cp "$(${{__LIBC_SOURCE#cc:}} -print-file-name=libc.a)" {_OUT}/libc ;;
esac
for f in "$@"; do
  if [ -f "{GOMODCACHE_DIR}/$f" ]; then
    mkdir -p "{_OUT}/mod/${{f%/*}}"
    cp "{GOMODCACHE_DIR}/$f" "{_OUT}/mod/$f"
  fi
done
"""


@dataclass(frozen=True)
class SbomRequest:
    """One checked binary: its mode, build info and digest, and the C compiler that linked it."""

    mode: BuildMode
    output_path: str
    binary_sha256: str
    build_info: GoBuildInfo
    c_compiler: CCompiler | None
    modules: Digest  # the build's ModuleCache: empty when the named module cache serves
    go_work: str | None = None  # the go.work the build used
    binary: Digest = EMPTY_DIGEST  # holds exactly the binary, for the vulnerability scan


@dataclass(frozen=True)
class Sbom:
    """The SBOM document, at `<output_path>.cdx.json`, and the C it found (for the provenance)."""

    path: str
    content: bytes
    c_components: tuple[CComponent, ...] = ()  # the libc first, then the bundled C


def _is_zig(mode: BuildMode, cc: CCompiler | None) -> bool:
    return cc is not None and mode.libc == MUSL and cc.kind == ZIG


def _libc_source(mode: BuildMode, cc: CCompiler | None) -> tuple[str, str]:
    """(what the gather script copies, what the document says it read: no host path)."""
    if cc is None or mode.libc not in (MUSL, GLIBC):
        return "", ""
    if _is_zig(mode, cc):
        return "", f"zig's musl ({ZIG_MUSL_VERSION_FILE})"
    if mode.libc == MUSL:
        # musl-gcc's -print-file-name answers with glibc's archive; Debian's musl lives here.
        archive = f"/usr/lib/{platform.machine()}-linux-musl/libc.a"
        return f"file:{archive}", archive
    name = os.path.basename(cc.path)
    return f"cc:{name}", f"`{name} -print-file-name=libc.a`"


async def _zig_musl_version_h(cc: CCompiler, downloads: ToolchainDownloads) -> bytes:
    """zig's musl header, part of the pinned toolchain (cc.fingerprint names it): read here, not
    in a process, so no process key holds the path zig lives in."""
    if not downloads.enabled:
        return Path(os.path.dirname(cc.path), ZIG_MUSL_VERSION_FILE).read_bytes()
    zig = await Get(DownloadedToolchain, DownloadedToolchainRequest(ZIG_TOOL))
    header = await Get(DigestContents, DigestSubset(zig.digest, PathGlobs([ZIG_MUSL_VERSION_FILE])))
    return header[0].content if header else b""


async def _gather(
    request: SbomRequest,
    files: tuple[ModuleFile, ...],
    libc_source: str,
    downloads: ToolchainDownloads,
) -> dict[str, bytes]:
    """The libc marker and the bundled C headers, copied out by one sandboxed process: the
    module cache and the libc archive are the machine's (or the worker's)."""
    cc = request.c_compiler
    zig = _is_zig(request.mode, cc)
    gathered = await Get(
        ProcessResult,
        Process(
            ("/bin/sh", "-c", _GATHER, "gather", *(f.cache_path for f in files)),
            description=f"Read the C versions for {request.mode.address}'s SBOM",
            env={
                # zig's path is a venv's, different per checkout: keep it out of the cache key.
                "PATH": toolchain_path(cc.path) if cc and not zig else "/usr/bin:/bin",
                "__LIBC_SOURCE": libc_source,
                # The compiler's identity covers the libc.a it links: a new one re-reads it.
                "__CC_FINGERPRINT": cc.fingerprint if cc and not zig else "",
            },
            **(
                {"immutable_input_digests": FrozenDict({GOMODCACHE_DIR: request.modules})}
                if downloads.enabled
                else {"append_only_caches": FrozenDict({"go_static_gomodcache": GOMODCACHE_DIR})}
            ),
            output_directories=(_OUT,),
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.SUCCESSFUL,
        ),
    )
    return {
        fc.path[len(_OUT) + 1 :]: fc.content
        for fc in await Get(DigestContents, Digest, gathered.output_digest)
    }


@rule(desc="Write a go_static_binary's SBOM", level=LogLevel.DEBUG)
async def go_static_sbom(
    request: SbomRequest, downloads: ToolchainDownloads, vulns: VulnSettings
) -> Sbom:
    files = bundled_c_files(request.build_info)
    libc_source, libc_said = _libc_source(request.mode, request.c_compiler)
    cc = request.c_compiler
    zig = _is_zig(request.mode, cc)
    # Pure Go, or musl from zig (read from the toolchain) with no bundled C: nothing to copy.
    contents = await _gather(request, files, libc_source, downloads) if files or libc_source else {}
    version_h = await _zig_musl_version_h(cc, downloads) if zig and cc else None
    libc = detect_libc(
        request.mode.libc,
        zig_version_h=version_h,
        libc_a=None if zig else contents.get("libc"),
        source=libc_said,
    )
    bundled = bundled_c_components(
        request.build_info, lambda f: contents.get(f"mod/{f.cache_path}")
    )
    scan = (
        await Get(
            VulnScan, VulnScanRequest(request.mode.address, request.binary, request.output_path)
        )
        if vulns.enabled and request.binary != EMPTY_DIGEST
        else None
    )
    licenses = await Get(ModuleLicenses, ModuleLicensesRequest(request.build_info, request.modules))
    try:
        document = sbom_json(
            binary_name=os.path.basename(request.output_path),
            binary_sha256=request.binary_sha256,
            address=request.mode.address,
            build_info=request.build_info,
            libc=libc,
            c_components=bundled,
            go_work=request.go_work,
            vulndb=scan.db if scan else "",
            vulnerabilities=scan.findings if scan else (),
            module_licenses={p: (lic.expression, lic.files) for p, lic in licenses.by_path.items()},
        )
    except ValueError as e:  # cyclonedx and packageurl reject a value they can't represent
        problem = Problem(
            f"its SBOM can't be written: {e}",
            "The binary passed the check, but dist/ gets no binary without its SBOM.",
            "Report it with the binary's `go version -m` output; the module line it names is "
            "the one CycloneDX refused.",
        )
        raise SbomError(render_problems(request.mode.address, [problem])) from None
    c_found = (*([libc] if libc else []), *bundled)
    return Sbom(request.output_path + SBOM_SUFFIX, document.encode(), c_found)


def rules():
    return collect_rules()
