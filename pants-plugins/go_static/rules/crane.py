"""Rules: crane (go_static.core.oci.crane), built by go_static.rules.go_tools."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.oci.crane import crane_tool
from go_static.rules.go_tools import BuiltGoTool, GoToolRequest, pinned_request
from go_static.subsystems.crane import CraneSubsystem, PublishSubsystem


@dataclass(frozen=True)
class Crane(BuiltGoTool):
    """The crane binary, at `path` inside `digest`."""


@rule(desc="Build crane from the Go module proxy", level=LogLevel.DEBUG)
async def build_crane(subsystem: CraneSubsystem) -> Crane:
    request = pinned_request(
        crane_tool,
        subsystem.version,
        "[go-static-crane].version",
        "`pants publish` pushes with crane",
    )
    built = await Get(BuiltGoTool, GoToolRequest, request)
    return Crane(built.digest, built.path, built.version)


def rules():
    return (*collect_rules(), *CraneSubsystem.rules(), *PublishSubsystem.rules())
