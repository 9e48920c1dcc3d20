"""Rules: build a pinned Go command (go_static.core.gotool) with the plugin's Go SDK, once per
tool and version: the build is a cached process, so later runs take the binary from the cache."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from pants.engine.fs import CreateDigest, Digest, DigestSubset, FileContent, PathGlobs
from pants.engine.process import FallibleProcessResult
from pants.engine.rules import Get, collect_rules, rule
from pants.util.frozendict import FrozenDict
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, Problem, render_problems
from go_static.core.gotool import BUILD_ENV, GoTool
from go_static.rules.process import GoStaticProcess

# The tail of go's output a failed build shows: enough for the module that failed.
_STDERR_TAIL = 2000


class GoToolBuildError(GoStaticError):
    """A pinned Go tool (crane, cosign, govulncheck) could not be built from the module proxy."""

    code = "go-tool"


@dataclass(frozen=True)
class GoToolRequest:
    """Build this tool at its version."""

    tool: GoTool


@dataclass(frozen=True)
class BuiltGoTool:
    """A pinned Go tool's binary, at `path` inside `digest`."""

    digest: Digest
    path: str
    version: str


def pinned_request(
    make: Callable[[str], GoTool], version: str, option: str, purpose: str
) -> GoToolRequest:
    """The build of `make(version)`, or the error naming `option` when it names no version."""
    try:
        return GoToolRequest(make(version))
    except ValueError as error:
        problem = Problem(
            f"{option}: {error}.",
            f"{purpose}, built from that version.",
            "Set it to a released version, e.g. the default.",
        )
        raise GoToolBuildError(render_problems(option, [problem])) from None


@rule(desc="Build a pinned Go tool from the Go module proxy", level=LogLevel.DEBUG)
async def build_go_tool(request: GoToolRequest) -> BuiltGoTool:
    tool = request.tool
    files = tool.source_files()
    sources = await Get(
        Digest,
        CreateDigest(
            [FileContent(f"{tool.directory}/{name}", text.encode()) for name, text in files.items()]
        ),
    )
    result = await Get(
        FallibleProcessResult,
        GoStaticProcess(
            argv=tool.build_argv(),
            description=f"Build {tool.binary} {tool.version} ({tool.module}) from the module proxy",
            module_root=tool.directory,
            input_digest=sources,
            env=FrozenDict(BUILD_ENV),
            # Module downloads: the host's proxy and checksum settings, the module cache.
            network=True,
            output_files=(tool.path,),
            level=LogLevel.INFO,
        ),
    )
    if result.exit_code != 0:
        stderr = result.stderr.decode(errors="replace").strip()[-_STDERR_TAIL:]
        problem = Problem(
            f"Building {tool.binary} {tool.version} from the Go module proxy failed:\n{stderr}",
            f"{tool.purpose}.",
            "Check that the module proxy (GOPROXY in [go-static].env_vars) is reachable, and "
            f"that {tool.option} names a released version.",
        )
        raise GoToolBuildError(render_problems(tool.option, [problem]))
    digest = await Get(Digest, DigestSubset(result.output_digest, PathGlobs([tool.path])))
    return BuiltGoTool(digest, tool.path, tool.version)


def rules():
    return collect_rules()
