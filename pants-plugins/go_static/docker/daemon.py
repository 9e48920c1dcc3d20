"""Rules: a clear error before `docker build` when the Docker daemon does not answer.

Pants' docker backend awaits every `DockerImageTagsRequest` member after it has packaged the
image's dependencies (so go_static_binary's post-link check has already passed or failed) and
before it runs `docker build`. Without this, a stopped daemon surfaces as `docker build`'s
"Can't add file ... to tar: io: read/write on closed pipe".
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.backend.docker.subsystems.docker_options import DockerOptions
from pants.backend.docker.target_types import DockerImageTags, DockerImageTagsRequest
from pants.backend.docker.util_rules.docker_binary import DockerBinary
from pants.engine.env_vars import EnvironmentVars, EnvironmentVarsRequest
from pants.engine.process import FallibleProcessResult, Process, ProcessCacheScope
from pants.engine.rules import Get, collect_rules, rule
from pants.engine.target import Target
from pants.engine.unions import UnionRule
from pants.util.logging import LogLevel

from go_static.core.errors import GoStaticError, Problem
from go_static.subsystems.go_static import GoStaticSubsystem


class DockerDaemonError(GoStaticError):
    """The Docker daemon does not answer, so an image can't be built."""

    code = "docker-daemon"


@dataclass(frozen=True)
class DockerDaemonCheckRequest(DockerImageTagsRequest):
    """Check the daemon for one docker_image; adds no tags."""

    @classmethod
    def is_applicable(cls, target: Target) -> bool:
        return True


def daemon_error(address: str, docker_path: str, stderr: str, hint: str) -> str:
    said = stderr.strip().splitlines()[-1] if stderr.strip() else "(no output)"
    return Problem(
        "the Docker daemon does not answer, so the image can't be built.",
        "`docker build` runs in the daemon. The image's dependencies were built (go_static "
        "binaries checked too), but the goal fails, so nothing was written to dist/.",
        f"{hint}, then run this again. To build only the binaries meanwhile: "
        "`pants package --filter-target-type=go_static_binary ::`.",
        details=((f"`{docker_path} version` says", said),),
    ).render(address)


@rule(desc="Check that the Docker daemon answers", level=LogLevel.DEBUG)
async def check_docker_daemon(
    request: DockerDaemonCheckRequest,
    docker: DockerBinary,
    docker_env: DockerOptions.EnvironmentAware,
    subsystem: GoStaticSubsystem,
) -> DockerImageTags:
    env = await Get(EnvironmentVars, EnvironmentVarsRequest(docker_env.env_vars))
    result = await Get(
        FallibleProcessResult,
        Process(
            (docker.path, "version", "--format", "{{.Server.Version}}"),
            description="Checking that the Docker daemon answers",
            env={**docker.extra_env, **env},
            immutable_input_digests=docker.extra_input_digests,
            # The daemon can stop at any time: ask once per run, never from the cache.
            cache_scope=ProcessCacheScope.PER_SESSION,
            level=LogLevel.DEBUG,
        ),
    )
    if result.exit_code != 0:
        raise DockerDaemonError(
            daemon_error(
                str(request.target.address),
                docker.path,
                result.stderr.decode(errors="replace"),
                subsystem.docker_start_hint,
            )
        )
    return DockerImageTags()


def rules():
    return (*collect_rules(), UnionRule(DockerImageTagsRequest, DockerDaemonCheckRequest))
