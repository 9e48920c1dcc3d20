"""Rules: cosign (go_static.core.oci.cosign), built by go_static.rules.go_tools."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.oci.cosign import cosign_tool
from go_static.rules.go_tools import BuiltGoTool, GoToolRequest, pinned_request
from go_static.subsystems.cosign import CosignSubsystem


@dataclass(frozen=True)
class Cosign(BuiltGoTool):
    """The cosign binary, at `path` inside `digest`."""


@rule(desc="Build cosign from the Go module proxy", level=LogLevel.DEBUG)
async def build_cosign(subsystem: CosignSubsystem) -> Cosign:
    request = pinned_request(
        cosign_tool,
        subsystem.version,
        "[go-static-cosign].version",
        "`pants publish` signs with cosign",
    )
    built = await Get(BuiltGoTool, GoToolRequest, request)
    return Cosign(built.digest, built.path, built.version)


def rules():
    return (*collect_rules(), *CosignSubsystem.rules())
