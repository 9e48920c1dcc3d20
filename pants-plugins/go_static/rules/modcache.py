"""Rules: the module-cache files a build reads, as one digest, for builds on machines that share
no module cache with the `go list` that downloaded them (remote execution).

With local inputs every go process shares one named module cache that `go list` fills. With
inputs by digest (`[go-static].toolchain_source`), each build instead gets exactly the files it
reads (`go_static.core.gograph.modcache`), assembled from two kinds of download step:

- the module graph's `.mod` files, one step per go.mod/go.sum: `go list -m all`;
- each module version's tree and `.ziphash`, one step per version, keyed by only that version's
  go.sum lines, so it is shared by every module and repo that pins it.

Both download into their own sandbox, through the machine's module cache as a `file://` proxy in
front of the configured one, and their outputs depend only on go.sum's hashes: they may be cached
remotely, and a build on any worker gets the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import (
    EMPTY_DIGEST,
    CreateDigest,
    Digest,
    DigestContents,
    DigestSubset,
    FileContent,
    MergeDigests,
    PathGlobs,
    RemovePrefix,
)
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, MultiGet, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.errors import Problem, render_problems
from go_static.core.gograph.modcache import DOWNLOAD_DIR, GO_MOD_FILES, ModuleVersion
from go_static.core.gograph.workspace import VENDOR_MODULES
from go_static.core.mode.environment import GOMODCACHE_DIR
from go_static.rules.module import GoModule, GoModuleError
from go_static.rules.process import GoStaticProcess
from go_static.rules.toolchain import ToolchainDownloads

# Writable, so the sandbox (and a worker's input root) can be deleted by a user who isn't root.
_DOWNLOAD_ENV = FrozenDict({"GOFLAGS": "-modcacherw"})


def _download(
    argv: tuple[str, ...],
    description: str,
    module_root: str,
    input_digest: Digest,
    output_files: tuple[str, ...] = (),
    output_directories: tuple[str, ...] = (),
    go_work: str | None = None,
) -> GoStaticProcess:
    """A download step: network settings, the machine's module cache as a proxy, and its own
    $GOMODCACHE in the sandbox, whose `output_*` paths are captured."""
    return GoStaticProcess(
        argv=argv,
        description=description,
        module_root=module_root,
        input_digest=input_digest,
        env=_DOWNLOAD_ENV,
        network=True,
        module_proxy=True,
        output_files=output_files,
        output_directories=output_directories,
        go_work=go_work,
    )


@dataclass(frozen=True)
class ModuleCacheRequest:
    """The module-cache files that building packages of these module versions reads."""

    module: GoModule
    modules: tuple[str, ...]  # "path@version", as GoPackage.cached_module


@dataclass(frozen=True)
class ModuleCache:
    """A digest laid out as $GOMODCACHE, or empty when go processes share the named cache."""

    digest: Digest


@dataclass(frozen=True)
class GoModuleManifests:
    """The files that define a module's graph: its go.mod and go.sum, those of the repo modules
    its workspace and local replacements tie in, and go.work and go.work.sum."""

    module_root: str
    digest: Digest
    go_work: str | None


@dataclass(frozen=True)
class ModuleGraphFiles:
    """The `.mod` file of every module in a module's graph, laid out as $GOMODCACHE."""

    digest: Digest


@dataclass(frozen=True)
class ModuleSourceRequest:
    """Download one module version, checked against its go.sum lines."""

    module_version: ModuleVersion
    go_sum_lines: tuple[str, ...]


@dataclass(frozen=True)
class ModuleSource:
    """One module version's extracted tree and `.ziphash`, laid out as $GOMODCACHE."""

    digest: Digest


@rule(desc="Read a Go module's go.mod and go.sum", level=LogLevel.DEBUG)
async def module_manifests(module: GoModule) -> GoModuleManifests:
    # Not vendor/modules.txt: these steps build and download outside vendor/.
    paths = [p for p in module.layout.manifest_files if not p.endswith(VENDOR_MODULES)]
    digest = await Get(Digest, DigestSubset(module.digest, PathGlobs(paths)))
    return GoModuleManifests(module.root, digest, module.go_work)


def _failed(what: str, result: FallibleProcessResult) -> GoModuleError:
    problem = Problem(
        f"{what} failed:\n{result.stderr.decode(errors='replace').strip()}",
        "The build reads only modules downloaded and checked against go.sum.",
        "check that the module proxy is reachable from where the process ran (with "
        "--remote-execution, the worker), and that go.sum is complete (`go mod tidy`).",
    )
    return GoModuleError(problem.render())


@rule(desc="Download a Go module graph's go.mod files", level=LogLevel.DEBUG)
async def module_graph_files(manifests: GoModuleManifests) -> ModuleGraphFiles:
    out = f"{GOMODCACHE_DIR}/{DOWNLOAD_DIR}"
    result = await Get(
        FallibleProcessResult,
        _download(
            argv=("list", "-mod=readonly", "-m", "all"),
            description=f"Download the go.mod files of the module graph of "
            f"{manifests.module_root or '.'}",
            module_root=manifests.module_root,
            input_digest=manifests.digest,
            output_directories=(out,),
            go_work=manifests.go_work,
        ),
    )
    if result.exit_code != 0:
        raise _failed(f"`go list -m all` in {manifests.module_root or '.'}", result)
    # The download dir also holds version lists and .info files, which the build never reads
    # and which a proxy may answer differently tomorrow.
    cache = await Get(Digest, RemovePrefix(result.output_digest, GOMODCACHE_DIR))
    return ModuleGraphFiles(await Get(Digest, DigestSubset(cache, PathGlobs([GO_MOD_FILES]))))


@rule(desc="Download a Go module version", level=LogLevel.DEBUG)
async def module_source(request: ModuleSourceRequest) -> ModuleSource:
    version = request.module_version
    # A module of its own, with only this version's hashes: the key holds nothing else, so every
    # repo that pins this version shares the step. Its go line keeps go from rewriting go.mod,
    # which is read-only on a remote worker.
    module = await Get(
        Digest,
        CreateDigest(
            [
                FileContent("go.mod", b"module go-static.invalid/download\n\ngo 1.21\n"),
                FileContent(
                    "go.sum", "".join(f"{line}\n" for line in request.go_sum_lines).encode()
                ),
            ]
        ),
    )
    tree, ziphash = (
        f"{GOMODCACHE_DIR}/{version.source_dir}",
        f"{GOMODCACHE_DIR}/{version.ziphash}",
    )
    result = await Get(
        FallibleProcessResult,
        _download(
            argv=("mod", "download", str(version)),
            description=f"Download {version}",
            module_root="",
            input_digest=module,
            output_files=(ziphash,),
            output_directories=(tree,),
        ),
    )
    if result.exit_code != 0:
        raise _failed(f"`go mod download {version}`", result)
    return ModuleSource(await Get(Digest, RemovePrefix(result.output_digest, GOMODCACHE_DIR)))


def go_sum_lines(go_sum: str, version: ModuleVersion) -> tuple[str, ...]:
    """go.sum's lines for one module version: its zip's hash and its go.mod's."""
    prefixes = (f"{version.path} {version.version} ", f"{version.path} {version.version}/go.mod ")
    return tuple(line for line in go_sum.splitlines() if line.startswith(prefixes))


@rule(desc="Assemble the module cache a Go build reads", level=LogLevel.DEBUG)
async def module_cache(request: ModuleCacheRequest, downloads: ToolchainDownloads) -> ModuleCache:
    module = request.module
    if not downloads.enabled or module.vendored:
        # Builds share the named cache `go list` filled, or vendor/ holds every module.
        return ModuleCache(EMPTY_DIGEST)
    manifests = await Get(GoModuleManifests, GoModule, module)
    # In a workspace a hash may be in any module's go.sum, or in go.work.sum.
    sums = await Get(DigestContents, DigestSubset(manifests.digest, PathGlobs(["**/*.sum"])))
    text = "".join(fc.content.decode(errors="replace") for fc in sums)
    versions = [ModuleVersion.parse(m) for m in request.modules]
    lines = [go_sum_lines(text, v) for v in versions]
    unpinned = [str(v) for v, found in zip(versions, lines) if not found]
    if unpinned:
        problem = Problem(
            f"go.sum has no hash for {', '.join(unpinned)}, which the build reads.",
            "A module without a hash in go.sum can't be downloaded and checked.",
            f"run `go mod tidy` in {module.root or '.'}/ and commit go.sum.",
        )
        raise GoModuleError(render_problems(module.go_mod, [problem]))
    # One list, so the graph step and every version download run side by side.
    downloads_done = await MultiGet(
        [
            Get(ModuleGraphFiles, GoModuleManifests, manifests),
            *(
                Get(ModuleSource, ModuleSourceRequest(v, found))
                for v, found in zip(versions, lines)
            ),
        ]
    )
    digest = await Get(Digest, MergeDigests(d.digest for d in downloads_done))
    return ModuleCache(digest)


def rules():
    return collect_rules()
