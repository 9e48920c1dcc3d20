"""OCI image configs, manifests and indexes, as canonical JSON blobs. Pants-free, stdlib only.

No field holds the build's time, a host name or a random id, so an image's digest depends only
on its layers and settings: rebuilding it anywhere gives the same digest (ko's model). The one
time, the `created` annotation, comes from SOURCE_DATE_EPOCH or the commit (core.oci.annotations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from go_static.core.oci.descriptor import Blob, Descriptor, Platform, sorted_pairs
from go_static.core.oci.layer import Layer

CONFIG_MEDIA_TYPE = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
INDEX_MEDIA_TYPE = "application/vnd.oci.image.index.v1+json"
# The Unix epoch, as ko writes it: a real build time would change the digest on every build.
EPOCH = "1970-01-01T00:00:00Z"
CREATED_BY = "go_static"


@dataclass(frozen=True)
class ImageConfig:
    """What the image runs and on which arch: the settings part of an OCI image config."""

    architecture: str  # a GOARCH: amd64, arm64, riscv64...
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: tuple[str, ...] = ()  # "NAME=value", kept in the order given (a later one wins)
    labels: tuple[tuple[str, str], ...] = ()  # a Mapping is accepted too; stored sorted
    user: str = ""
    working_dir: str = ""
    # The CPU level's OCI variant (amd64 "v3", arm64 "v8.2"); "" keeps the arch's default.
    variant: str = ""

    def __post_init__(self) -> None:
        # Lists and dicts are accepted for convenience; stored as tuples, the config is hashable.
        for name in ("entrypoint", "cmd", "env"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "labels", sorted_pairs(self.labels))

    @property
    def platform(self) -> Platform:
        return Platform.for_goarch(self.architecture, self.variant)


@dataclass(frozen=True)
class Image:
    """One platform's image: its manifest and config blobs, and its layers."""

    platform: Platform
    manifest: Blob
    config: Blob
    layers: tuple[Layer, ...]

    @property
    def descriptor(self) -> Descriptor:
        """The manifest's descriptor, with the platform an index needs to pick it."""
        return self.annotated({})

    def annotated(self, annotations: Mapping[str, str]) -> Descriptor:
        return self.manifest.descriptor(self.platform, annotations)

    def blobs(self) -> tuple[Blob, ...]:
        """Every blob this image references, itself included."""
        return (self.manifest, self.config, *(layer.blob for layer in self.layers))


@dataclass(frozen=True)
class Index:
    """A multi-platform image: the image index blob and the images it lists."""

    blob: Blob
    images: tuple[Image, ...]

    @property
    def descriptor(self) -> Descriptor:
        return self.annotated({})

    def annotated(self, annotations: Mapping[str, str]) -> Descriptor:
        return self.blob.descriptor(annotations=annotations)

    def blobs(self) -> tuple[Blob, ...]:
        return (self.blob, *(b for image in self.images for b in image.blobs()))


def build_image(
    config: ImageConfig, layers: Sequence[Layer], annotations: Mapping[str, str] | None = None
) -> Image:
    """The image of these layers (bottom first) run as `config` says; annotations go on its
    manifest (e.g. org.opencontainers.image.source)."""
    config_blob = Blob.json(CONFIG_MEDIA_TYPE, config_document(config, layers))
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": config_blob.descriptor().to_json(),
        "layers": [layer.descriptor.to_json() for layer in layers],
        **annotations_field(annotations),
    }
    return Image(
        config.platform, Blob.json(MANIFEST_MEDIA_TYPE, manifest), config_blob, tuple(layers)
    )


def build_index(images: Sequence[Image], annotations: Mapping[str, str] | None = None) -> Index:
    """The image index listing one image per platform, ordered by platform (not by input)."""
    ordered = tuple(sorted(images, key=lambda image: str(image.platform)))
    platforms = [str(image.platform) for image in ordered]
    if len(set(platforms)) != len(platforms):
        raise ValueError(f"an image index lists each platform once, not {platforms}")
    index = {
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": [image.descriptor.to_json() for image in ordered],
        **annotations_field(annotations),
    }
    return Index(Blob.json(INDEX_MEDIA_TYPE, index), ordered)


def config_document(config: ImageConfig, layers: Sequence[Layer]) -> dict[str, Any]:
    """The OCI image config: platform, run settings, the layers' diff_ids, and history."""
    return {
        **config.platform.to_json(),
        "created": EPOCH,
        "config": container_config(config),
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
        # One entry per layer, as ko writes: `docker history` and registry UIs show what each
        # layer adds. Its time is the epoch too, so history changes no digest between builds.
        "history": [
            {"created": EPOCH, "created_by": CREATED_BY, "comment": ", ".join(layer.paths)}
            for layer in layers
        ],
    }


def container_config(config: ImageConfig) -> dict[str, Any]:
    """The `config` object: only the settings that are set, in Docker's field names."""
    fields = {
        "User": config.user,
        "Entrypoint": list(config.entrypoint),
        "Cmd": list(config.cmd),
        "Env": list(config.env),
        "Labels": dict(config.labels),
        "WorkingDir": config.working_dir,
    }
    return {key: value for key, value in fields.items() if value}


def annotations_field(annotations: Mapping[str, str] | None) -> dict[str, Any]:
    return {"annotations": dict(sorted_pairs(annotations))} if annotations else {}
