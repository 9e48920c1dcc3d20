"""Fixed inputs for the OCI writer tests, and every output they give, by name.

Inputs are handed over in hash order (frozensets, dicts filled from sets), which changes with
PYTHONHASHSEED: outputs that depend on it would differ between two interpreters. Run as a script
(`python oci_sample.py`), it prints the sha256 of each output, for the subprocess test.
"""

from __future__ import annotations

import hashlib
import json
from typing import Mapping

from go_static.core.oci.image import Image, ImageConfig, build_image
from go_static.core.oci.layer import FileEntry, Layer, build_layer
from go_static.core.oci.layout import image_or_index, layout_files, tarball
from go_static.core.oci.reference import ImageReference, parse_references

GOARCHES = ("amd64", "arm64")
# Not real binaries: the writer never looks inside; the docker test builds a real one.
FAKE_BINARIES = {goarch: f"\x7fELF hello for {goarch}\n".encode() * 64 for goarch in GOARCHES}
REFERENCES = ("localhost:5000/go-static/hello:v1", "registry.example.com/team/hello:latest")
TAG = "v1"
MANIFEST_ANNOTATIONS = {"org.opencontainers.image.source": "https://example.com/hello"}
INDEX_ANNOTATIONS = {"org.opencontainers.image.description": "hello, two platforms"}
LABELS = {"org.opencontainers.image.title": "hello", "com.example.team": "platform", "z": "last"}


def references() -> tuple[ImageReference, ...]:
    return parse_references(REFERENCES)


def files_of(binary: bytes) -> frozenset[FileEntry]:
    return frozenset(
        {
            FileEntry("/app/hello", binary, 0o755),
            FileEntry("/etc/hello/config.json", b'{"greeting": "hi"}\n', 0o644),
            FileEntry("/app-data/README", b"data\n", 0o600),
        }
    )


def sample_layer(goarch: str = "amd64", binary: bytes | None = None) -> Layer:
    return build_layer(files_of(FAKE_BINARIES[goarch] if binary is None else binary))


def sample_config(goarch: str) -> ImageConfig:
    return ImageConfig(
        goarch,
        entrypoint=["/app/hello"],
        cmd=["--greeting", "hi"],
        env=["PATH=/app", "GREETING=hi"],
        labels={key: LABELS[key] for key in set(LABELS)},
        user="65532:65532",
        working_dir="/app",
    )


def sample_images(binaries: Mapping[str, bytes] = FAKE_BINARIES) -> tuple[Image, ...]:
    """One image per GOARCH, in hash order."""
    return tuple(
        build_image(sample_config(goarch), [sample_layer(goarch, binaries[goarch])], annotations)
        for goarch in set(binaries)
        for annotations in [{key: MANIFEST_ANNOTATIONS[key] for key in set(MANIFEST_ANNOTATIONS)}]
    )


def image_for(images: tuple[Image, ...], goarch: str) -> Image:
    return next(image for image in images if image.platform.architecture == goarch)


def outputs() -> dict[str, bytes]:
    """Every byte string the writer produces for the sample, by a name of its own."""
    images = sample_images()
    multi = layout_files(image_or_index(images, INDEX_ANNOTATIONS), references=references())
    single_image = image_for(images, "arm64")
    single = layout_files(image_or_index([single_image]), references=references())
    found: dict[str, bytes] = {}
    for image in images:
        arch = image.platform.architecture
        found[f"{arch}/layer"] = image.layers[0].blob.data
        found[f"{arch}/config"] = image.config.data
        found[f"{arch}/manifest"] = image.manifest.data
    found.update({f"multi/{path}": data for path, data in multi.items()})
    found.update({f"single/{path}": data for path, data in single.items()})
    found["multi.tar"] = tarball(
        multi, docker_image=image_for(images, "amd64"), references=references()
    )
    found["single.tar"] = tarball(single, docker_image=single_image, references=references())
    return found


def output_digests() -> dict[str, str]:
    return {name: hashlib.sha256(data).hexdigest() for name, data in sorted(outputs().items())}


if __name__ == "__main__":
    print(json.dumps(output_digests(), sort_keys=True))
