"""What a built binary reads at run time, read once from its bytes and cached by its digest."""

from __future__ import annotations

from dataclasses import dataclass

from pants.engine.fs import Digest, DigestContents
from pants.engine.rules import Get, collect_rules, rule
from pants.util.logging import LogLevel

from go_static.core.review.runtime import RuntimeNeeds, runtime_needs


@dataclass(frozen=True)
class RuntimeNeedsRequest:
    """The runtime needs of the one binary in `binary`, built with `tags`."""

    binary: Digest
    tags: tuple[str, ...]


@dataclass(frozen=True)
class BinaryRuntimeNeeds:
    """One binary's runtime needs, for the image check and the report's runtime column."""

    needs: RuntimeNeeds


@rule(desc="Read what a go_static binary needs at run time", level=LogLevel.DEBUG)
async def binary_runtime_needs(request: RuntimeNeedsRequest) -> BinaryRuntimeNeeds:
    contents = await Get(DigestContents, Digest, request.binary)
    return BinaryRuntimeNeeds(runtime_needs(contents[0].content, request.tags))


def rules():
    return collect_rules()
