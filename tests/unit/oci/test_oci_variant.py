"""The CPU level's OCI platform variant: in the image config, the index's descriptors, and the
index itself, where one arch at two levels is two platforms (as ko writes them)."""

from __future__ import annotations

import json

from oci_sample import sample_layer

from go_static.core.mode.cpu_level import oci_variant
from go_static.core.oci.image import ImageConfig, build_image, build_index


def image(goarch: str, level: str | None):
    variant = oci_variant(goarch, level) or ""
    return build_image(ImageConfig(architecture=goarch, variant=variant), [sample_layer(goarch)])


def test_the_level_is_the_platform_variant() -> None:
    v3 = image("amd64", "v3")
    config = json.loads(v3.config.data)
    assert (config["architecture"], config["variant"]) == ("amd64", "v3")
    assert str(v3.platform) == "linux/amd64/v3"
    assert "variant" not in json.loads(image("amd64", "v1").config.data)  # the baseline
    assert "variant" not in json.loads(image("amd64", None).config.data)
    assert str(image("arm64", "v8.2,lse").platform) == "linux/arm64/v8.2"
    assert str(image("arm64", "v9.0").platform) == "linux/arm64/v9"
    assert str(image("arm64", None).platform) == "linux/arm64/v8"  # registries expect v8


def test_one_arch_at_two_levels_is_two_platforms_of_one_index() -> None:
    index = build_index([image("amd64", "v3"), image("amd64", None)])
    document = json.loads(index.blob.data)
    assert [m["platform"] for m in document["manifests"]] == [
        {"architecture": "amd64", "os": "linux"},
        {"architecture": "amd64", "os": "linux", "variant": "v3"},
    ]
