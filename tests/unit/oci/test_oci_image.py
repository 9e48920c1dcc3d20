"""Tier 1: image configs, manifests, indexes, layouts and tarballs: their content, their digests,
and the same bytes from the same inputs in any process. No toolchain, no daemon."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from oci_sample import (
    INDEX_ANNOTATIONS,
    LABELS,
    MANIFEST_ANNOTATIONS,
    image_for,
    output_digests,
    outputs,
    references,
    sample_images,
    sample_layer,
)

from go_static.core.oci.image import (
    CONFIG_MEDIA_TYPE,
    INDEX_MEDIA_TYPE,
    MANIFEST_MEDIA_TYPE,
    ImageConfig,
    build_image,
    build_index,
)
from go_static.core.oci.layout import image_or_index, layout_files, tarball

HERE = Path(__file__).resolve().parent
SOURCE_ROOT = HERE.parents[2] / "pants-plugins"
EPOCH = "1970-01-01T00:00:00Z"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(document: object) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def referenced_digests(files: dict[str, bytes], descriptor: dict) -> set[str]:
    """Every digest reachable from a descriptor: index -> manifests -> config and layers."""
    found = {descriptor["digest"]}
    blob = files[f"blobs/sha256/{descriptor['digest'].split(':')[1]}"]
    assert sha256(blob) == descriptor["digest"] and len(blob) == descriptor["size"]
    if descriptor["mediaType"] in (INDEX_MEDIA_TYPE, MANIFEST_MEDIA_TYPE):
        document = json.loads(blob)
        assert document["mediaType"] == descriptor["mediaType"]
        children = document.get("manifests", []) + document.get("layers", [])
        for child in children + ([document["config"]] if "config" in document else []):
            found |= referenced_digests(files, child)
    return found


# --- determinism


def test_the_same_inputs_give_the_same_bytes_twice_in_one_process() -> None:
    assert outputs() == outputs()
    assert len(outputs()) > 15


@pytest.mark.parametrize("seed", ["1", "4242"])
def test_another_interpreter_in_another_directory_gives_the_same_bytes(seed, tmp_path) -> None:
    # Another hash seed reorders every set and dict built from one in oci_sample; another cwd
    # catches a relative path leaking into an output.
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": f"{SOURCE_ROOT}{os.pathsep}{HERE}"}
    proc = subprocess.run(
        [sys.executable, str(HERE / "oci_sample.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == output_digests()


def test_documents_are_canonical_json() -> None:
    for name, data in outputs().items():
        if name.endswith(("config", "manifest", "index.json", "oci-layout")):
            assert canonical(json.loads(data)) == data, name


# --- config and manifest


def test_the_config_holds_the_platform_settings_layers_and_a_fixed_time() -> None:
    image = image_for(sample_images(), "arm64")
    layer = image.layers[0]
    assert json.loads(image.config.data) == {
        "architecture": "arm64",
        "variant": "v8",
        "os": "linux",
        "created": EPOCH,
        "config": {
            "User": "65532:65532",
            "Entrypoint": ["/app/hello"],
            "Cmd": ["--greeting", "hi"],
            "Env": ["PATH=/app", "GREETING=hi"],
            "Labels": LABELS,
            "WorkingDir": "/app",
        },
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
        "history": [
            {
                "created": EPOCH,
                "created_by": "go_static",
                "comment": "/app/hello, /app-data/README, /etc/hello/config.json",
            }
        ],
    }
    assert image.config.digest == sha256(image.config.data)


@pytest.mark.parametrize("goarch", ["amd64", "riscv64", "ppc64le"])
def test_only_arm64_gets_a_variant_and_unset_settings_are_left_out(goarch: str) -> None:
    image = build_image(ImageConfig(goarch), [])
    config = json.loads(image.config.data)
    assert (config["architecture"], config["os"], config["config"]) == (goarch, "linux", {})
    assert "variant" not in config and config["rootfs"] == {"type": "layers", "diff_ids": []}
    assert image.platform.to_json() == {"architecture": goarch, "os": "linux"}


def test_the_manifest_points_at_the_config_and_layers_by_digest_and_size() -> None:
    image = image_for(sample_images(), "amd64")
    layer = image.layers[0]
    assert json.loads(image.manifest.data) == {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {
            "mediaType": CONFIG_MEDIA_TYPE,
            "digest": sha256(image.config.data),
            "size": len(image.config.data),
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": sha256(layer.blob.data),
                "size": len(layer.blob.data),
            }
        ],
        "annotations": MANIFEST_ANNOTATIONS,
    }
    assert image.manifest.digest == sha256(image.manifest.data)
    assert image.manifest.size == len(image.manifest.data)


def test_config_settings_given_as_lists_and_dicts_are_stored_hashable() -> None:
    config = ImageConfig("amd64", entrypoint=["/a"], labels={"b": "2", "a": "1"})
    assert config.entrypoint == ("/a",) and config.labels == (("a", "1"), ("b", "2"))
    assert hash(config) == hash(
        ImageConfig("amd64", entrypoint=("/a",), labels={"a": "1", "b": "2"})
    )


# --- index


def test_a_two_platform_index_lists_amd64_and_arm64_v8_in_platform_order() -> None:
    images = sample_images()
    index = build_index(images, INDEX_ANNOTATIONS)
    assert build_index(tuple(reversed(images)), INDEX_ANNOTATIONS) == index
    document = json.loads(index.blob.data)
    assert document["schemaVersion"] == 2 and document["mediaType"] == INDEX_MEDIA_TYPE
    assert document["annotations"] == INDEX_ANNOTATIONS
    assert document["manifests"] == [
        {
            "mediaType": MANIFEST_MEDIA_TYPE,
            "digest": image.manifest.digest,
            "size": len(image.manifest.data),
            "platform": platform,
        }
        for image, platform in zip(
            (image_for(images, "amd64"), image_for(images, "arm64")),
            (
                {"architecture": "amd64", "os": "linux"},
                {"architecture": "arm64", "os": "linux", "variant": "v8"},
            ),
        )
    ]
    assert index.blob.digest == sha256(index.blob.data)


def test_an_index_refuses_two_images_of_one_platform() -> None:
    image = image_for(sample_images(), "amd64")
    with pytest.raises(ValueError, match="each platform once"):
        build_index([image, build_image(ImageConfig("amd64", cmd=["x"]), [sample_layer()])])


# --- layout


def test_a_multi_platform_layout_points_at_the_index_once_per_reference() -> None:
    images = sample_images()
    top = image_or_index(images, INDEX_ANNOTATIONS)
    files = layout_files(top, references=references())
    assert files["oci-layout"] == b'{"imageLayoutVersion":"1.0.0"}'
    index_json = json.loads(files["index.json"])
    assert index_json["schemaVersion"] == 2 and index_json["mediaType"] == INDEX_MEDIA_TYPE
    assert [d["annotations"] for d in index_json["manifests"]] == [
        {
            "org.opencontainers.image.ref.name": "latest",
            "io.containerd.image.name": "registry.example.com/team/hello:latest",
        },
        {
            "org.opencontainers.image.ref.name": "v1",
            "io.containerd.image.name": "localhost:5000/go-static/hello:v1",
        },
    ]
    for descriptor in index_json["manifests"]:
        assert descriptor["mediaType"] == INDEX_MEDIA_TYPE
        assert descriptor["digest"] == top.blob.digest and "platform" not in descriptor


def test_a_one_platform_layout_points_at_the_manifest_itself() -> None:
    image = image_for(sample_images(), "arm64")
    files = layout_files(image_or_index([image]), references=references()[:1])
    (descriptor,) = json.loads(files["index.json"])["manifests"]
    assert descriptor["mediaType"] == MANIFEST_MEDIA_TYPE
    assert descriptor["digest"] == image.manifest.digest
    assert descriptor["platform"] == {"architecture": "arm64", "os": "linux", "variant": "v8"}
    # No reference: still a valid layout, its one image found by index rather than by tag.
    (bare,) = json.loads(layout_files(image)["index.json"])["manifests"]
    assert "annotations" not in bare and bare["digest"] == image.manifest.digest


@pytest.mark.parametrize("platforms", [1, 2])
def test_layout_blobs_are_exactly_the_referenced_digests(platforms: int) -> None:
    images = sample_images()[:platforms]
    files = layout_files(image_or_index(images), references=references())
    reachable: set[str] = set()
    for descriptor in json.loads(files["index.json"])["manifests"]:
        reachable |= referenced_digests(files, descriptor)
    blobs = {f"sha256:{p.rsplit('/', 1)[1]}" for p in files if p.startswith("blobs/")}
    assert blobs == reachable
    assert set(files) == {"oci-layout", "index.json"} | {
        f"blobs/{d.replace(':', '/')}" for d in blobs
    }
    # index (if any), then per image: manifest, config and one layer.
    assert len(blobs) == (platforms > 1) + 3 * platforms


# --- tarball


def tar_files(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def test_the_tarball_holds_the_layout_and_a_docker_manifest_for_one_image() -> None:
    images = sample_images()
    files = layout_files(image_or_index(images), references=references())
    amd64 = image_for(images, "amd64")
    data = tarball(files, docker_image=amd64, references=references())
    inside = tar_files(data)
    assert json.loads(inside.pop("manifest.json")) == [
        {
            "Config": f"blobs/sha256/{amd64.config.hex}",
            "RepoTags": [
                "localhost:5000/go-static/hello:v1",
                "registry.example.com/team/hello:latest",
            ],
            "Layers": [f"blobs/sha256/{amd64.layers[0].blob.hex}"],
        }
    ]
    assert inside == files


def test_the_tarball_is_a_fixed_tar_and_needs_the_docker_images_blobs() -> None:
    images = sample_images()
    files = layout_files(image_or_index(images))
    data = tarball(files)
    assert tarball(dict(reversed(list(files.items())))) == data
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        found = tar.getmembers()
    assert [m.name for m in found][:2] == ["blobs", "blobs/sha256"]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in found} == {(0, 0, 0, "", "")}
    assert "manifest.json" not in tar_files(data)
    other = build_image(ImageConfig("riscv64"), [sample_layer()])
    with pytest.raises(ValueError, match="lacks blobs"):
        tarball(files, docker_image=other)
