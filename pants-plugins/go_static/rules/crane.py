"""Rules: build crane (go_static.core.oci.crane) with the plugin's Go SDK, once per version."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import CreateDigest, Digest, DigestSubset, FileContent, PathGlobs
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.oci.crane import BINARY, BUILD_ENV, build_argv, source_files
from go_static.rules.process import GoStaticProcess
from go_static.subsystems.crane import CraneSubsystem, PublishSubsystem

# Where the main module sits in the build's sandbox, and so where the binary lands.
CRANE_DIR = "go-static-crane"


class CraneBuildError(GoStaticError):
    """crane could not be built from the module proxy."""

    code = "publish"


@dataclass(frozen=True)
class Crane:
    """The crane binary, at `path` inside `digest`."""

    digest: Digest
    path: str
    version: str


@rule(desc="Build crane from the Go module proxy", level=LogLevel.DEBUG)
async def build_crane(subsystem: CraneSubsystem) -> Crane:
    version = subsystem.version
    try:
        files = source_files(version)
    except ValueError as error:
        raise CraneBuildError(
            render_problems(
                "[go-static-crane].version",
                [
                    Problem(
                        f"[go-static-crane].version: {error}.",
                        "crane is built from that version of go-containerregistry.",
                        "Set it to a released version, e.g. the default.",
                    )
                ],
            )
        ) from None
    sources = await Get(
        Digest,
        CreateDigest(
            [FileContent(f"{CRANE_DIR}/{name}", text.encode()) for name, text in files.items()]
        ),
    )
    result = await Get(
        FallibleProcessResult,
        GoStaticProcess(
            argv=build_argv(version),
            description=f"Build crane {version} (go-containerregistry) from the module proxy",
            module_root=CRANE_DIR,
            input_digest=sources,
            env=FrozenDict(BUILD_ENV),
            # Module downloads: the host's proxy and checksum settings, the module cache.
            network=True,
            output_files=(f"{CRANE_DIR}/{BINARY}",),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        stderr = result.stderr.decode(errors="replace").strip()[-2000:]
        raise CraneBuildError(
            render_problems(
                "[go-static-crane].version",
                [
                    Problem(
                        f"Building crane {version} from the Go module proxy failed:\n{stderr}",
                        "`pants publish` pushes go_static_image with crane.",
                        "Check that the module proxy (GOPROXY in [go-static].env_vars) is "
                        "reachable, and that [go-static-crane].version names a released version.",
                    )
                ],
            )
        )
    path = f"{CRANE_DIR}/{BINARY}"
    digest = await Get(Digest, DigestSubset(result.output_digest, PathGlobs([path])))
    return Crane(digest, path, version)


def rules():
    return (*collect_rules(), *CraneSubsystem.rules(), *PublishSubsystem.rules())
