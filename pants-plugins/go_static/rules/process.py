"""`GoStaticProcess` -> a sandboxed Process running the real `go` with an explicit environment.

Its cache key holds no host path, so checkouts and machines with the same toolchain releases share
remote cache entries: the Go SDK and the C compiler are reached through a named cache of
symlinks named by release and content (`go-go1.27.3-<sha>`), PATH and GOROOT are set inside the
sandbox from where those names lead, and CC names the compiler, never its path. Only the steps
that download modules reach the network (so only they get the host's network settings): `go
list`, and with inputs by digest the module downloads (go_static.rules.modcache). Builds run with
GOPROXY=off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pants.engine.env_vars import CompleteEnvironmentVars
from pants.engine.fs import (
    EMPTY_DIGEST,
    CreateDigest,
    Digest,
    Directory,
    FileContent,
    MergeDigests,
)
from pants.engine.internals.session import SessionValues
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope, ProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.option.global_options import GlobalOptions
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.gograph.goenv import MODE_OWNED, GoEnv, go_env_file_path, resolve_go_env
from go_static.core.mode.environment import (
    GOCACHE_DIR,
    GOMODCACHE_DIR,
    MODULE_PROXY_DIR,
    TOOLCHAINS_DIR,
    ZIGCACHE_DIR,
    go_env_settings,
)
from go_static.core.mode.stamp import VcsStamp
from go_static.core.mode.toolchains import CCompiler, GoSdk
from go_static.core.names import ZIG
from go_static.rules.toolchain import (
    GO,
    GO_IDENTITY_IN_GOROOT,
    ZIG_TOOL,
    DownloadedToolchain,
    DownloadedToolchainRequest,
    ToolchainDownloads,
)
from go_static.subsystems.go_static import GoStaticSubsystem

_MODULE_CACHE = "go_static_gomodcache"
APPEND_ONLY_CACHES = FrozenDict(
    {
        "go_static_gocache": GOCACHE_DIR,
        _MODULE_CACHE: GOMODCACHE_DIR,
        "go_static_zig": ZIGCACHE_DIR,
        "go_static_toolchains": TOOLCHAINS_DIR,
    }
)
# `copy_once SRC DIR NAME`: DIR/NAME becomes a copy of the tree SRC, as hard links when it can
# be, unless it exists. The rename makes it appear whole or not at all, whatever runs beside it.
# Owners aren't kept: in a remote worker's user namespace cp can't set them, and fails.
_COPY_ONCE = (
    'copy_once() { [ -d "$2/$3" ] || { t="$2/.$3.$$"; /bin/mkdir -p "$2" && /bin/rm -rf "$t"; '
    '{ /bin/cp -al "$1/." "$t" 2>/dev/null || '
    '{ /bin/rm -rf "$t"; /bin/cp -a --no-preserve=ownership "$1/." "$t"; }; } '
    '&& /bin/mv -T "$t" "$2/$3" 2>/dev/null; /bin/rm -rf "$t"; }; [ -d "$2/$3" ]; }'
)
_RUN_GO = FileContent(
    "__go_static_run.sh",
    f"""\
# Go wants absolute paths, which exist only inside the sandbox; the toolchains are symlinks there.
# Physical and without a trailing slash (a worker may start us in "/execroot/"): go's C prefix
# maps compare paths as strings, and a GOROOT spelled otherwise leaks into C debug info.
sandbox="$(pwd -P)"
export GOCACHE="$sandbox/{GOCACHE_DIR}"
export GOPATH="$sandbox/.go-static-gopath"
export ZIG_GLOBAL_CACHE_DIR="$sandbox/{ZIGCACHE_DIR}"
export ZIG_LOCAL_CACHE_DIR="$sandbox/{ZIGCACHE_DIR}"
# GOROOT and the module cache by the place they really are (a named cache, or an immutable
# input), the same for every sandbox: go indexes std and module packages in GOCACHE keyed by
# their absolute dir, and a dir spelled anew per sandbox re-reads every std source file per build.
GOROOT="$(cd -P "$sandbox/{TOOLCHAINS_DIR}/$__GO_STATIC_GO_LINK" && pwd)" ||
  {{ echo "go_static: no Go SDK at $sandbox/{TOOLCHAINS_DIR}/$__GO_STATIC_GO_LINK" >&2; exit 1; }}
export GOROOT
# A workspace's go.work, by its place in the sandbox (go wants an absolute GOWORK).
[ -z "$__GO_STATIC_GOWORK" ] || export GOWORK="$sandbox/$__GO_STATIC_GOWORK"
GOMODCACHE="$sandbox/{GOMODCACHE_DIR}"
[ ! -d "$GOMODCACHE" ] || GOMODCACHE="$(cd -P "$GOMODCACHE" && pwd)"
export GOMODCACHE
if [ -n "$__GO_STATIC_MODULE_PROXY" ]; then
  # A download step: versions this machine's module cache has come from it, the rest from the
  # configured proxy (Go's default when none is).
  export GOPROXY="file://$sandbox/$__GO_STATIC_MODULE_PROXY/cache/download,${{GOPROXY:-https://proxy.golang.org,direct}}"
fi
# The C compiler's dir (a link, or a system dir on a remote worker), then the system's: gcc
# finds as and ld there.
cc_dir="${{__GO_STATIC_CC_LINK:+$sandbox/{TOOLCHAINS_DIR}/$__GO_STATIC_CC_LINK:}}"
cc_dir="$cc_dir${{__GO_STATIC_CC_DIR:+$__GO_STATIC_CC_DIR:}}"
if [ -n "$__GO_STATIC_ZIG_INPUT" ]; then
  # zig keys its musl and compiler_rt builds by where it lives, and an input's place changes with
  # every sandbox: run it from one place per machine, in zig's cache, or musl is rebuilt each time.
  stable="$(cd -P "$ZIG_GLOBAL_CACHE_DIR" && pwd)/toolchains"
  src="$(cd -P "$sandbox/{TOOLCHAINS_DIR}/$__GO_STATIC_CC_LINK" && pwd)"
  {_COPY_ONCE}
  copy_once "$src" "$stable" "$__GO_STATIC_CC_LINK" ||
    {{ echo "go_static: could not copy zig to $stable/$__GO_STATIC_CC_LINK" >&2; exit 1; }}
  cc_dir="$stable/$__GO_STATIC_CC_LINK:"
fi
export PATH="$GOROOT/bin:$cc_dir/usr/bin:/bin"
cd "./$__GO_STATIC_MODULE_ROOT" || exit 1
exec "$GOROOT/bin/go" "$@"
""".encode(),
)
# A wheel toolchain (the Go SDK, zig) is copied into the named cache once: the entry is named by
# content and never changes, so no checkout's venv (which another job may delete or rebuild) is
# in use while it builds. A system compiler's dir (/usr/bin) is linked instead.
_INSTALL = _COPY_ONCE + '; copy_once "$1" "$2" "$3"'
# The SDK's entry is shared by every job on the machine, so its name is not trusted: each session
# hashes it as its fingerprint was hashed ($4), and an entry that differs (another job's half
# delete, a tampered compiler) is moved aside and copied again.
_VERIFIED_INSTALL = (
    _COPY_ONCE
    + '; matches() { [ "$(cd "$2/$3" 2>/dev/null && /bin/sh -c "$5" 2>/dev/null | sha256sum '
    + '| cut -d" " -f1)" = "$4" ]; }'
    + '; if [ -d "$2/$3" ] && ! matches "$@"; then bad="$2/.$3.bad.$$"; '
    + 'mv -T "$2/$3" "$bad" && rm -rf "$bad"; fi'
    + '; copy_once "$1" "$2" "$3" && matches "$@" || { echo "go_static: $2/$3, a copy of $1, '
    + "does not match the fingerprint $4 the SDK had when found: it changed while being copied, "
    + 'or the source did. Run again; if it persists, reinstall the SDK at $1." >&2; exit 1; }'
)
_LINK = '/bin/ln -sfn "$1" "$2/.$3.$$" && /bin/mv -Tf "$2/.$3.$$" "$2/$3"'
# With a remote cache, wait this long for its answer before running `go` locally.
REMOTE_CACHE_SPECULATION_DELAY_MS = 5_000


@dataclass(frozen=True)
class GoStaticProcess:
    """A `go` command to run in a module root, with the mode's environment."""

    argv: tuple[str, ...]
    description: str
    module_root: str
    input_digest: Digest = EMPTY_DIGEST
    env: FrozenDict[str, str] = FrozenDict()
    c_compiler: CCompiler | None = None
    output_files: tuple[str, ...] = ()
    output_directories: tuple[str, ...] = ()
    level: LogLevel = LogLevel.DEBUG
    # Vendored modules build offline: nothing may be fetched.
    offline: bool = False
    # A step that downloads modules (`go list`, a module download): it gets the host's network
    # settings. Every other process runs with GOPROXY=off, from the module cache or its digest.
    network: bool = False
    # A module download step (go_static.rules.modcache): GOMODCACHE is its own sandbox dir, to be
    # captured, and the machine's module cache serves as a proxy in front of the network.
    module_proxy: bool = False
    # With inputs by digest, the module-cache files it reads (a ModuleCache), instead of the
    # module cache `go list` filled on whichever machine ran it.
    modules: Digest = EMPTY_DIGEST
    cache_scope: ProcessCacheScope = ProcessCacheScope.SUCCESSFUL
    # The go.work `go` uses (repo path), or None for GOWORK=off.
    go_work: str | None = None
    # A stamped build: go reads this git checkout (-buildvcs=true).
    vcs: VcsStamp | None = None


@rule(desc="Read the Go settings to pass through", level=LogLevel.DEBUG)
async def resolve_go_settings(
    subsystem: GoStaticSubsystem, global_options: GlobalOptions, session_values: SessionValues
) -> GoEnv:
    names = [e.split("=", 1)[0] for e in subsystem.env_vars if "=" not in e]
    # The environment Pants was started with, as the user set it. Not Pants' EnvironmentVars:
    # under remote execution those are a worker's, where `go list` runs with exactly these.
    host_env = session_values[CompleteEnvironmentVars].get_subset(
        requested=(*names, *MODE_OWNED, "GOENV", "HOME", "XDG_CONFIG_HOME")
    )
    path = go_env_file_path(host_env)
    text = ""
    if path and global_options.remote_execution:
        # Every process would run on a worker, which hasn't this machine's file. Read here: the
        # settings are this machine's, and `go list` on the worker gets them in its env.
        try:
            text = Path(path).read_text(errors="replace")
        except OSError:
            text = ""
    elif path:
        # Read every run (not cached across runs): `go env -w` may have changed it.
        result = await Get(
            FallibleProcessResult,
            Process(
                ("/bin/cat", path),
                description=f"Read the go env file {path}",
                level=LogLevel.DEBUG,
                cache_scope=ProcessCacheScope.PER_SESSION,
            ),
        )
        text = result.stdout.decode(errors="replace") if result.exit_code == 0 else ""
    return resolve_go_env(tuple(subsystem.env_vars), host_env, path, text)


@dataclass(frozen=True)
class ToolchainLinkRequest:
    """Make `.go-static-toolchains/<name>` (a named cache) hold a toolchain's directory."""

    name: str  # by release and content: the same in every checkout and on every machine
    target: str  # where this machine has it
    copy: bool  # a copy (wheel toolchains), or a symlink (a system compiler's dir)
    # For a copy: its expected fingerprint, and the shell command, run in the copy, that prints
    # what the fingerprint hashes. Empty: the copy is trusted once present.
    fingerprint: str = ""
    identity: str = ""


@dataclass(frozen=True)
class ToolchainLink:
    """The link exists for this run."""

    name: str


@rule(desc="Link a toolchain into the go_static toolchains cache", level=LogLevel.DEBUG)
async def link_toolchain(request: ToolchainLinkRequest) -> ToolchainLink:
    # Every session, and cheap once the entry exists.
    argv: tuple[str, ...] = (request.target, TOOLCHAINS_DIR, request.name)
    if not request.copy:
        script = _LINK
    elif request.fingerprint:
        script, argv = _VERIFIED_INSTALL, (*argv, request.fingerprint, request.identity)
    else:
        script = _INSTALL
    await Get(
        ProcessResult,
        Process(
            ("/bin/sh", "-c", script, "toolchain", *argv),
            description=f"Provide {request.name} from {request.target}",
            env={"PATH": "/usr/bin:/bin"},
            append_only_caches=APPEND_ONLY_CACHES,
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    return ToolchainLink(request.name)


# Without the toolchains cache: downloaded toolchains arrive as inputs at the same place.
_DOWNLOAD_CACHES = FrozenDict(
    {name: path for name, path in APPEND_ONLY_CACHES.items() if path != TOOLCHAINS_DIR}
)


async def _toolchains(
    sdk: GoSdk, cc: CCompiler | None, downloads: ToolchainDownloads
) -> tuple[Digest, dict[str, Digest], dict[str, str]]:
    """The wrapper script, the toolchains it runs as inputs by digest (downloads) or as links,
    and the wrapper's env naming them."""
    zig = cc is not None and cc.kind == ZIG
    wrapper_env: dict[str, str] = {}
    if downloads.enabled:
        # Inputs by digest: any machine that runs the process has them, and nothing is copied
        # into a cache that only the machine which copied it would see.
        kinds = [(sdk.link_name, GO)] + ([(cc.link_name, ZIG_TOOL)] if cc and zig else [])
        trees = await MultiGet(
            Get(DownloadedToolchain, DownloadedToolchainRequest(kind)) for _, kind in kinds
        )
        immutable_inputs = {
            f"{TOOLCHAINS_DIR}/{name}": t.digest for (name, _), t in zip(kinds, trees)
        }
        if cc:
            # A system compiler (gcc for glibc) is the worker's own, in its system dir.
            wrapper_env = (
                {"__GO_STATIC_CC_LINK": cc.link_name, "__GO_STATIC_ZIG_INPUT": "1"}
                if zig
                else {"__GO_STATIC_CC_DIR": os.path.dirname(cc.path)}
            )
        script = await Get(Digest, CreateDigest([_RUN_GO]))
        return script, immutable_inputs, wrapper_env
    links = [
        ToolchainLinkRequest(
            sdk.link_name,
            sdk.goroot,
            copy=True,
            fingerprint=sdk.fingerprint,
            identity=GO_IDENTITY_IN_GOROOT,
        )
    ]
    if cc:
        # zig from its wheel is copied like the SDK; gcc and friends live in system dirs.
        links.append(ToolchainLinkRequest(cc.link_name, os.path.dirname(cc.path), copy=zig))
        wrapper_env = {"__GO_STATIC_CC_LINK": cc.link_name}
    script, *_ = await MultiGet(
        Get(Digest, CreateDigest([_RUN_GO])),
        *(Get(ToolchainLink, ToolchainLinkRequest, link) for link in links),
    )
    return script, {}, wrapper_env


def _module_cache(
    request: GoStaticProcess, downloads: ToolchainDownloads
) -> tuple[dict[str, str], dict[str, Digest], dict[str, str]]:
    """The append-only caches, and where the module cache comes from: the module proxy's
    cache, the machine's module cache, or the ModuleCache digest (immutable inputs, wrapper
    env)."""
    caches = {
        name: path
        for name, path in (_DOWNLOAD_CACHES if downloads.enabled else APPEND_ONLY_CACHES).items()
        if path != GOMODCACHE_DIR
    }
    if request.module_proxy:
        caches[_MODULE_CACHE] = MODULE_PROXY_DIR
        return caches, {}, {"__GO_STATIC_MODULE_PROXY": MODULE_PROXY_DIR}
    if request.network or not downloads.enabled:
        # `go list` fills the machine's module cache; with local inputs every build reads it.
        caches[_MODULE_CACHE] = GOMODCACHE_DIR
    elif request.modules != EMPTY_DIGEST:
        return caches, {GOMODCACHE_DIR: request.modules}, {}
    return caches, {}, {}


def _process_env(
    request: GoStaticProcess,
    sdk: GoSdk,
    go_env: GoEnv,
    wrapper_env: dict[str, str],
) -> dict[str, str]:
    """go's settings, then what the wrapper script reads (`__GO_STATIC_*`)."""
    settings = go_env_settings(
        request.c_compiler,
        go_env,
        request.env,
        request.offline,
        request.network,
        go_work=request.go_work,
        vcs=request.vcs,
    )
    env = {s.setting: s.value for s in settings}
    if request.go_work:
        # Absolute, so the wrapper sets it inside the sandbox.
        del env["GOWORK"]
        wrapper_env = {**wrapper_env, "__GO_STATIC_GOWORK": request.go_work}
    if request.network and not request.offline:
        # Marks a step that downloads, for executors that give only those the network
        # (build-support/remote_exec_worker.py).
        wrapper_env = {**wrapper_env, "__GO_STATIC_NETWORK": "1"}
    env.update(
        {
            "__GO_STATIC_MODULE_ROOT": request.module_root,
            "__GO_STATIC_GO_LINK": sdk.link_name,
            **wrapper_env,
        }
    )
    return env


@rule
async def setup_go_static_process(
    request: GoStaticProcess, sdk: GoSdk, go_env: GoEnv, downloads: ToolchainDownloads
) -> Process:
    script, immutable_inputs, wrapper_env = await _toolchains(sdk, request.c_compiler, downloads)
    caches, module_inputs, module_env = _module_cache(request, downloads)
    immutable_inputs = {**immutable_inputs, **module_inputs}
    # go finds the repository by a `.git` at the sandbox root, where the build root's is.
    marker = await Get(Digest, CreateDigest([Directory(".git")])) if request.vcs else EMPTY_DIGEST
    input_digest = await Get(Digest, MergeDigests([script, marker, request.input_digest]))
    env = _process_env(request, sdk, go_env, {**wrapper_env, **module_env})
    return Process(
        # /bin/sh, not the host's bash path: the same argv on every distro.
        argv=("/bin/sh", _RUN_GO.path, *request.argv),
        description=request.description,
        input_digest=input_digest,
        immutable_input_digests=FrozenDict(immutable_inputs),
        env=env,
        append_only_caches=caches,
        output_files=request.output_files,
        output_directories=request.output_directories,
        level=request.level,
        cache_scope=request.cache_scope,
        remote_cache_speculation_delay_millis=REMOTE_CACHE_SPECULATION_DELAY_MS,
    )


def rules():
    return collect_rules()
