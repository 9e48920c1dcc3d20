"""The real consumers read what the writer wrote: skopeo (tier 1: CI installs Debian's skopeo)
and, when a Docker daemon answers, `docker load` and `docker run` (the docker tier)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from oci_sample import INDEX_ANNOTATIONS, image_for, references, sample_images

from go_static.core.oci.image import Image, ImageConfig, build_image
from go_static.core.oci.layer import FileEntry, build_layer
from go_static.core.oci.layout import image_or_index, layout_files, tarball
from go_static.core.oci.reference import parse_references

SITE = (
    Path(sys.prefix)
    / "lib"
    / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    / "site-packages"
)
GO = SITE / "go" / "bin" / "go"
HOST_GOARCH = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
HELLO_GO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n'


def write(files: dict[str, bytes], root: Path) -> Path:
    for relative, data in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return root


def skopeo(*args: str) -> str:
    if not shutil.which("skopeo"):
        pytest.fail(
            "skopeo is not installed; these tests read the images with it. Install Debian's "
            "`skopeo` (as root: apt-get install -y skopeo); CI installs it."
        )
    proc = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"skopeo {' '.join(args)}:\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def multi(tmp_path_factory) -> tuple[tuple[Image, ...], Path, Path]:
    """Both sample images: an OCI layout directory and the tarball (docker image: amd64)."""
    images = sample_images()
    files = layout_files(image_or_index(images, INDEX_ANNOTATIONS), references=references())
    root = tmp_path_factory.mktemp("oci-multi")
    tar = root / "image.tar"
    tar.write_bytes(
        tarball(files, docker_image=image_for(images, "amd64"), references=references())
    )
    return images, write(files, root / "layout"), tar


def test_skopeo_reads_the_multi_platform_index_and_picks_each_arch(multi) -> None:
    images, layout, _ = multi
    index = image_or_index(images, INDEX_ANNOTATIONS)
    for tag in ("v1", "latest"):
        assert skopeo("inspect", "--raw", f"oci:{layout}:{tag}").encode() == index.blob.data
    for goarch, variant in (("amd64", None), ("arm64", "v8")):
        shown = json.loads(skopeo("inspect", "--override-arch", goarch, f"oci:{layout}:v1"))
        assert (shown["Architecture"], shown["Os"]) == (goarch, "linux")
        assert shown["Digest"] == index.blob.digest
        assert shown["Layers"] == [image_for(images, goarch).layers[0].digest]
        config = skopeo(
            "inspect", "--config", "--raw", "--override-arch", goarch, f"oci:{layout}:v1"
        )
        assert config.encode() == image_for(images, goarch).config.data
        assert json.loads(config).get("variant") == variant


def test_skopeo_reads_a_one_platform_layout_as_its_manifest(tmp_path) -> None:
    image = image_for(sample_images(), "arm64")
    layout = write(layout_files(image, references=references()), tmp_path)
    assert skopeo("inspect", "--raw", f"oci:{layout}:v1").encode() == image.manifest.data
    shown = json.loads(skopeo("inspect", "--override-arch", "arm64", f"oci:{layout}:latest"))
    assert (shown["Architecture"], shown["Digest"]) == ("arm64", image.manifest.digest)


def test_skopeo_copies_every_platform_verifying_each_digest(multi, tmp_path) -> None:
    images, layout, _ = multi
    out = tmp_path / "copy"
    skopeo("copy", "--all", "--quiet", f"oci:{layout}:v1", f"dir:{out}")
    index = image_or_index(images, INDEX_ANNOTATIONS)
    assert (out / "manifest.json").read_bytes() == index.blob.data
    expected = {"manifest.json", "version"}
    for image in images:
        expected |= {f"{image.manifest.hex}.manifest.json", image.config.hex}
        expected |= {layer.blob.hex for layer in image.layers}
    assert {p.name for p in out.iterdir()} == expected


def test_skopeo_reads_the_tarball_as_a_docker_and_an_oci_archive(multi) -> None:
    images, _, tar = multi
    amd64 = image_for(images, "amd64")
    for source in (
        f"docker-archive:{tar}",
        f"docker-archive:{tar}:registry.example.com/team/hello:latest",
    ):
        shown = json.loads(skopeo("inspect", source))
        # A docker archive serves the layers uncompressed: they are listed by diff_id.
        assert (shown["Architecture"], shown["Layers"]) == ("amd64", [amd64.layers[0].diff_id])
    index = image_or_index(images, INDEX_ANNOTATIONS)
    assert skopeo("inspect", "--raw", f"oci-archive:{tar}:v1").encode() == index.blob.data
    shown = json.loads(skopeo("inspect", "--override-arch", "arm64", f"oci-archive:{tar}:latest"))
    assert shown["Architecture"] == "arm64"


# --- the docker tier


def docker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=300)


def docker_answers() -> bool:
    try:
        return docker("version", "--format", "{{.Server.Version}}").returncode == 0
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return False


def static_hello(goarch: str, workdir: Path) -> bytes:
    """A real static hello, built with the venv's Go (CGO_ENABLED=0)."""
    (workdir / "go.mod").write_text("module example.com/hello\n\ngo 1.21\n")
    (workdir / "main.go").write_text(HELLO_GO)
    named_cache = Path.home() / ".cache" / "pants" / "named_caches" / "go_static_gocache"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "GOTOOLCHAIN": "local",
        "GOFLAGS": "-trimpath",
        "GOENV": "off",
        "GOPROXY": "off",
        "GOCACHE": os.environ.get("GOCACHE")
        or str(named_cache if named_cache.is_dir() else workdir / "gocache"),
        "GOPATH": str(workdir / "gopath"),
        "CGO_ENABLED": "0",
        "GOOS": "linux",
        "GOARCH": goarch,
    }
    out = workdir / f"hello-{goarch}"
    proc = subprocess.run(
        [str(GO), "build", "-o", str(out), "."],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return out.read_bytes()


@pytest.mark.skipif(
    not docker_answers(),
    reason="no Docker daemon answers (the docker tier: build-support/dockerd start)",
)
def test_docker_loads_the_tarball_and_runs_the_static_binary(tmp_path) -> None:
    repository = f"go-static-oci-test-{uuid.uuid4().hex[:8]}/hello"
    (ref,) = parse_references([f"{repository}:v1"])
    binary = static_hello(HOST_GOARCH, tmp_path)
    images = []
    for goarch in sorted({HOST_GOARCH, "amd64", "arm64"}):
        # Only the host's image runs; the other holds a placeholder, to be loaded and inspected.
        data = binary if goarch == HOST_GOARCH else b"not run"
        layer = build_layer([FileEntry("/app/hello", data, 0o755)])
        images.append(build_image(ImageConfig(goarch, entrypoint=["/app/hello"]), [layer]))
    files = layout_files(image_or_index(images), references=[ref])
    try:
        for image in images:
            tar = tmp_path / f"{image.platform.architecture}.tar"
            tar.write_bytes(tarball(files, docker_image=image, references=[ref]))
            loaded = docker("load", "-i", str(tar))
            assert loaded.returncode == 0, loaded.stderr
            assert f"Loaded image: {ref}" in loaded.stdout
            inspected = docker("image", "inspect", str(ref))
            assert inspected.returncode == 0, inspected.stderr
            (shown,) = json.loads(inspected.stdout)
            # The classic store keeps the one image manifest.json names, by its config digest.
            assert shown["Id"] == image.config.digest
            assert shown["Architecture"] == image.platform.architecture
            assert shown["Config"]["Entrypoint"] == ["/app/hello"]
            if image.platform.architecture == HOST_GOARCH:
                run = docker("run", "--rm", "--network", "none", str(ref))
                assert (run.returncode, run.stdout) == (0, "hello\n"), run.stderr
    finally:
        # Each load re-tags the ref, leaving the image before it untagged: remove them by id.
        docker("image", "rm", "--force", *(image.config.digest for image in images))
