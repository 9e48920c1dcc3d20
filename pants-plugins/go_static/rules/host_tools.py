"""Rules: find a host tool the plugin runs but does not provide (bubblewrap, qemu-user).

These come from the distro, not from a named cache: they are part of the machine, like /bin/sh.
The fingerprint (a hash of `--version`) is what keys the cache of a process that uses one.
"""

from __future__ import annotations

from dataclasses import dataclass

from pants.core.util_rules.system_binaries import BinaryPathRequest, BinaryPaths, BinaryPathTest
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.errors import Problem
from go_static.rules.toolchain import GoStaticToolchainError


@dataclass(frozen=True)
class HostToolRequest:
    """A host tool by name, where to look, and who needs it for what (for the error)."""

    name: str
    package: str
    search_path: tuple[str, ...]
    search_path_option: str | None
    needed_for: str
    fix_otherwise: str


@dataclass(frozen=True)
class HostTool:
    """A host tool's absolute path and the fingerprint of its `--version`."""

    path: str
    fingerprint: str


@rule(desc="Find a host tool", level=LogLevel.DEBUG)
async def find_host_tool(request: HostToolRequest) -> HostTool:
    found = await Get(
        BinaryPaths,
        BinaryPathRequest(
            binary_name=request.name,
            search_path=request.search_path,
            test=BinaryPathTest(["--version"]),
        ),
    )
    if not found.first_path:
        origin = f" ({request.search_path_option})" if request.search_path_option else ""
        problem = Problem(
            f"`{request.name}` was not found in {list(request.search_path)}{origin}.",
            f"{request.needed_for} needs it.",
            f"apt-get install {request.package} (Debian), or {request.fix_otherwise}.",
        )
        raise GoStaticToolchainError(problem.render())
    return HostTool(found.first_path.path, found.first_path.fingerprint)


def rules():
    return collect_rules()
