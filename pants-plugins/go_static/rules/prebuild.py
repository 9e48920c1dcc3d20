"""Rules: compile a module's std and pure-Go third-party packages once per build mode, first.

On a cold cache, binaries built side by side would each compile the same std and third-party
packages at the same moment (Go's cache doesn't coordinate processes). One shared prebuild per
(module, mode) fills GOCACHE first; the per-binary builds then compile only first-party code, the
third-party cgo packages they use, and link. Its inputs are go.mod/go.sum and the package list,
so editing first-party code never re-runs it. A cgo mode's prebuild waits for the cgo-free one,
which fills most of the same entries. With a remote cache a prebuild may be a cache hit that
leaves GOCACHE empty; a build that then misses compiles what it needs itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pants.engine.process import FallibleProcessResult, ProcessCacheScope
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.mode.toolchains import CCompiler
from go_static.core.names import REPRODUCIBLE_FLAGS
from go_static.rules.modcache import GoModuleManifests, ModuleCache, ModuleCacheRequest
from go_static.rules.module import GoModule
from go_static.rules.process import GoStaticProcess

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GoPrebuildRequest:
    """Precompile these non-repo packages with the compile-relevant parts of one mode."""

    module: GoModule
    packages: tuple[str, ...]
    modules: tuple[str, ...]  # the module versions the packages come from
    compile_flags: tuple[str, ...]  # -tags, -buildmode: whatever changes compiled objects
    env: FrozenDict[str, str]  # CGO_ENABLED, GOOS, GOARCH
    c_compiler: CCompiler | None


@dataclass(frozen=True)
class GoPrebuild:
    """GOCACHE now holds the packages (best effort: a failure only costs the binaries time)."""


@rule(desc="Precompile Go dependencies", level=LogLevel.DEBUG)
async def prebuild_dependencies(request: GoPrebuildRequest) -> GoPrebuild:
    module = request.module
    if not request.packages:
        return GoPrebuild()
    if request.env.get("CGO_ENABLED") == "1":
        # Most packages compile to the same cache entries with cgo on or off: let the cgo-free
        # prebuild fill those first, so two modes never compile the same std side by side.
        # Exactly the pure-Go mode's env, in its order (FrozenDict equality is ordered), without
        # CGO_CFLAGS: so both share one prebuild.
        base_env = FrozenDict(
            {
                k: "0" if k == "CGO_ENABLED" else v
                for k, v in request.env.items()
                if k != "CGO_CFLAGS"
            }
        )
        await Get(
            GoPrebuild,
            GoPrebuildRequest(
                module, request.packages, request.modules, request.compile_flags, base_env, None
            ),
        )
    manifests, modules = await MultiGet(
        Get(GoModuleManifests, GoModule, module),
        Get(ModuleCache, ModuleCacheRequest(module, request.modules)),
    )
    result = await Get(
        FallibleProcessResult,
        GoStaticProcess(
            argv=(
                "build",
                *REPRODUCIBLE_FLAGS,
                module.mod_flag,
                *request.compile_flags,
                *request.packages,
            ),
            description=f"Precompile {len(request.packages)} std and third-party packages for "
            f"{module.root or '.'}",
            module_root=module.root,
            input_digest=manifests.digest,
            modules=modules.digest,
            env=request.env,
            c_compiler=request.c_compiler,
            offline=module.vendored,
            go_work=module.go_work,
            # Cache failures too: a package that can't build in this mode must not re-run each time.
            cache_scope=ProcessCacheScope.ALWAYS,
        ),
    )
    if result.exit_code != 0:
        # Cached, never raised: each binary's own build reports what doesn't compile.
        logger.debug(f"Prebuild for {module.root or '.'} failed:\n{result.stderr.decode()}")
    return GoPrebuild()


def rules():
    return collect_rules()
