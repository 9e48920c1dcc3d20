"""Content-addressed blobs, OCI descriptors and platforms: the vocabulary of the other modules.

Pants-free, stdlib only. Every OCI document is canonical JSON (sorted keys, no spaces, UTF-8),
so the same inputs give the same bytes and therefore the same digests, whatever the dict order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

# Go's GOARCH names are the OCI platform names; only arm64 has a variant the registries expect.
VARIANTS = {"arm64": "v8"}


def sha256_digest(data: bytes) -> str:
    """The OCI digest of some bytes: `sha256:<hex>`."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(document: Any) -> bytes:
    """The one byte form of a JSON document: sorted keys, compact separators, UTF-8."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def sorted_pairs(
    pairs: Mapping[str, str] | tuple[tuple[str, str], ...],
) -> tuple[tuple[str, str], ...]:
    """Annotations or labels as sorted (key, value) pairs: hashable, and one order only."""
    return tuple(sorted(dict(pairs).items()))


@dataclass(frozen=True)
class Platform:
    """The os/architecture[/variant] an image runs on, in OCI (= Go) names."""

    architecture: str
    os: str = "linux"
    variant: str = ""

    @classmethod
    def for_goarch(cls, goarch: str, variant: str = "") -> Platform:
        """The platform of a GOARCH; `variant` is the CPU level's (cpu_level.oci_variant)."""
        return cls(goarch, "linux", variant or VARIANTS.get(goarch, ""))

    def to_json(self) -> dict[str, str]:
        return {
            "architecture": self.architecture,
            "os": self.os,
            **({"variant": self.variant} if self.variant else {}),
        }

    def __str__(self) -> str:
        return "/".join(p for p in (self.os, self.architecture, self.variant) if p)


@dataclass(frozen=True)
class Descriptor:
    """A pointer to a blob: its media type, digest and size, with optional platform/annotations."""

    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": self.size,
            **({"platform": self.platform.to_json()} if self.platform else {}),
            **({"annotations": dict(self.annotations)} if self.annotations else {}),
        }


@dataclass(frozen=True)
class Blob:
    """Bytes with their media type, digest and size: a config, manifest, index or layer."""

    media_type: str
    data: bytes = field(repr=False)
    digest: str
    size: int

    @classmethod
    def of(cls, media_type: str, data: bytes) -> Blob:
        return cls(media_type, data, sha256_digest(data), len(data))

    @classmethod
    def json(cls, media_type: str, document: Any) -> Blob:
        return cls.of(media_type, canonical_json(document))

    def descriptor(
        self, platform: Platform | None = None, annotations: Mapping[str, str] | None = None
    ) -> Descriptor:
        return Descriptor(
            self.media_type, self.digest, self.size, platform, sorted_pairs(annotations or {})
        )

    @property
    def hex(self) -> str:
        """The digest without `sha256:`, as blob file names use it."""
        return self.digest.split(":", 1)[1]
