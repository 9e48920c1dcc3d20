"""Rules: crane (go_static.core.oci.crane), built by go_static.rules.go_tools."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import Digest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.oci.crane import crane_tool
from go_static.rules.go_tools import BuiltGoTool, GoToolRequest, version_error
from go_static.subsystems.crane import CraneSubsystem, PublishSubsystem


@dataclass(frozen=True)
class Crane:
    """The crane binary, at `path` inside `digest`."""

    digest: Digest
    path: str
    version: str


@rule(desc="Build crane from the Go module proxy", level=LogLevel.DEBUG)
async def build_crane(subsystem: CraneSubsystem) -> Crane:
    try:
        tool = crane_tool(subsystem.version)
    except ValueError as error:
        raise version_error(
            "[go-static-crane].version", error, "`pants publish` pushes with crane"
        ) from None
    built = await Get(BuiltGoTool, GoToolRequest(tool))
    return Crane(built.digest, built.path, built.version)


def rules():
    return (*collect_rules(), *CraneSubsystem.rules(), *PublishSubsystem.rules())
