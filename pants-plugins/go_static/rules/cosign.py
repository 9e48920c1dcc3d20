"""Rules: cosign (go_static.core.oci.cosign), built by go_static.rules.go_tools."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import Digest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.oci.cosign import cosign_tool
from go_static.rules.go_tools import BuiltGoTool, GoToolRequest, version_error
from go_static.subsystems.cosign import CosignSubsystem


@dataclass(frozen=True)
class Cosign:
    """The cosign binary, at `path` inside `digest`."""

    digest: Digest
    path: str
    version: str


@rule(desc="Build cosign from the Go module proxy", level=LogLevel.DEBUG)
async def build_cosign(subsystem: CosignSubsystem) -> Cosign:
    try:
        tool = cosign_tool(subsystem.version)
    except ValueError as error:
        raise version_error(
            "[go-static-cosign].version", error, "The plugin runs its own cosign"
        ) from None
    built = await Get(BuiltGoTool, GoToolRequest(tool))
    return Cosign(built.digest, built.path, built.version)


def rules():
    return (*collect_rules(), *CosignSubsystem.rules())
