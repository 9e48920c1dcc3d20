"""Rules: each linked Go module's licence, by the pinned licensecheck (go_static.core.licenses).

One sandboxed process per binary reads the licence files at each module's root in the module
cache. Its cache key is the module versions and their go.sum hashes (and only those modules' root
files, when the cache is an input digest), so binaries with the same modules share one scan.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pants.engine.fs import Digest, DigestSubset, PathGlobs
from pants.engine.process import Process, ProcessCacheScope, ProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.checker.buildinfo import GoBuildInfo
from go_static.core.gograph.modcache import ModuleVersion
from go_static.core.licenses.policy import LicensePolicy, ModuleLicense, parse_scan
from go_static.core.licenses.tool import licensecheck_tool
from go_static.core.mode.environment import GOMODCACHE_DIR
from go_static.core.review.policy import origins_from_ranks
from go_static.core.sbom.bom import module_identity
from go_static.rules.go_tools import BuiltGoTool, GoToolBuildError, GoToolRequest, pinned_request
from go_static.rules.toolchain import ToolchainDownloads
from go_static.subsystems.go_static import GoStaticSubsystem
from go_static.subsystems.licensecheck import LicensecheckSubsystem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Licensecheck(BuiltGoTool):
    """The licence detector, at `path` inside `digest`."""


@rule(desc="Build licensecheck from the Go module proxy", level=LogLevel.DEBUG)
async def build_licensecheck(subsystem: LicensecheckSubsystem) -> Licensecheck:
    request = pinned_request(
        licensecheck_tool,
        subsystem.version,
        "[go-static-licensecheck].version",
        "The SBOM names each module's licence",
    )
    built = await Get(BuiltGoTool, GoToolRequest, request)
    return Licensecheck(built.digest, built.path, built.version)


@dataclass(frozen=True)
class ModuleLicenses:
    """Each module's licence, keyed by the path build info names it by (a replaced module: the
    original path, the replacement's licence); a local directory replacement is not scanned."""

    by_path: FrozenDict[str, ModuleLicense]
    versions: FrozenDict[str, str]  # path -> the version scanned, for messages
    # Why nothing was scanned (the detector couldn't be built, e.g. offline): every licence is
    # then unknown, never guessed.
    unavailable: str = ""

    def labelled(self) -> dict[str, ModuleLicense]:
        """{"path@version": licence}, as the policy names modules."""
        return {f"{p}@{self.versions[p]}": lic for p, lic in self.by_path.items()}


@dataclass(frozen=True)
class ModuleLicensesRequest:
    """The licences of every module a binary's build info lists."""

    build_info: GoBuildInfo
    modules: Digest  # the build's ModuleCache (empty when the named module cache serves)


@rule(desc="Detect the licences of a binary's Go modules", level=LogLevel.DEBUG)
async def module_licenses(
    request: ModuleLicensesRequest, downloads: ToolchainDownloads
) -> ModuleLicenses:
    deps = []
    for dep in request.build_info.modules:
        path, version = module_identity(dep)
        if version:  # a local directory has no module cache copy to scan
            deps.append((dep.path, ModuleVersion(path, version), dep.effective.sum))
    if not deps:
        return ModuleLicenses(FrozenDict(), FrozenDict())
    try:
        tool = await Get(Licensecheck)
    except GoToolBuildError as e:
        # A binary still builds where the detector can't (a vendored repo offline): its SBOM
        # says unknown, and a licence policy that needs an answer fails on that.
        logger.warning(f"Module licences not detected, so they are unknown:\n{e}")
        return ModuleLicenses(
            FrozenDict({p: ModuleLicense(None) for p, _, _ in deps}),
            FrozenDict({p: mv.version for p, mv, _ in deps}),
            unavailable=str(e),
        )
    # One process for the binary: licensecheck compiles its licence set on each start (~1.4 s,
    # benchmarks/licenses), which a process per module would pay once per module.
    roots = [f"{GOMODCACHE_DIR}/{mv.source_dir}" for _, mv, _ in deps]
    if downloads.enabled:
        # Only the modules' root files: the key doesn't change with the rest of the cache.
        globs = PathGlobs([f"{mv.source_dir}/*" for _, mv, _ in deps])
        files = await Get(Digest, DigestSubset(request.modules, globs))
        cache = {"immutable_input_digests": FrozenDict({GOMODCACHE_DIR: files})}
    else:
        cache = {"append_only_caches": FrozenDict({"go_static_gomodcache": GOMODCACHE_DIR})}
    result = await Get(
        ProcessResult,
        Process(
            (tool.path, *roots),
            description=f"Detect the licences of {len(deps)} Go modules",
            input_digest=tool.digest,
            # With the module versions in argv, their go.sum hashes make the key the content.
            env={"__GO_SUM_H1": " ".join(h1 for _, _, h1 in deps)},
            level=LogLevel.DEBUG,
            cache_scope=ProcessCacheScope.SUCCESSFUL,
            **cache,
        ),
    )
    found = parse_scan(result.stdout)
    # A module missing from the cache scans as an error: unknown, never a guess.
    return ModuleLicenses(
        FrozenDict(
            {p: found.get(root, ModuleLicense(None)) for (p, _, _), root in zip(deps, roots)}
        ),
        FrozenDict({p: mv.version for p, mv, _ in deps}),
    )


@rule(desc="Read the go_static licence policy")
async def license_policy(subsystem: GoStaticSubsystem) -> LicensePolicy:
    origin = origins_from_ranks({"licenses": subsystem.options.get_rank("licenses").value})
    return LicensePolicy.from_option(subsystem.licenses, origin[0][1])


def rules():
    return (*collect_rules(), *LicensecheckSubsystem.rules())
