"""Tier 3: the docker_image pattern, with Pants' docker backend and a real dockerd.

FROM scratch images of the sample binaries, from tests/fixtures/docker (out of `::`, so the main
command needs no daemon), built after build-support/dockerd starts a daemon, then run offline.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import pytest

from pants_harness import (
    IMAGE_REPOSITORY,
    docker,
    fresh_distdir,
    package,
    read_report,
    wrote_nothing,
)

FIXTURES = "tests/fixtures/docker"
# image target -> (the binary it copies, the file in the image)
IMAGES = {
    "hello-image": ("src.go.cmd.hello/hello", "hello"),
    "cgocalc-musl-image": ("src.go/cgocalc-musl", "cgocalc"),
    "tlsroots-image": ("src.go.cmd.tlsroots/tlsroots", "tlsroots"),
    "cgocalc-musl-arm64-image": ("src.go/cgocalc-musl-arm64", "cgocalc"),
}
PLATFORMS = {"cgocalc-musl-arm64-image": "linux/arm64"}


@pytest.fixture(scope="module")
def images(dockerd):
    """The fixture images, built once: `package tests/fixtures/docker::` (the docker backend puts
    their binaries in the build context, not in dist/; `packaged` has those).

    Images go to a repository of this session's own, so the tests never touch (or remove) images
    someone built by hand, and remove exactly what they built.
    """
    dist = fresh_distdir()
    result = package(
        dist,
        f"{FIXTURES}::",
        options=[f"--docker-default-repository={IMAGE_REPOSITORY}/{{name}}"],
    )
    assert result.returncode == 0, result.stderr
    yield dist
    shutil.rmtree(dist, ignore_errors=True)
    tags = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout.decode().split()
    ours = [t for t in tags if t.startswith(f"{IMAGE_REPOSITORY}/")]
    if ours:
        docker("image", "rm", "--force", *ours)


def image_tag(images: Path, name: str) -> str:
    """The tag Pants built, from the `<name>.docker-info.json` it wrote to dist/."""
    info_dir = images / FIXTURES.replace("/", ".")
    info = json.loads((info_dir / f"{name}.docker-info.json").read_text())
    tags = [tag["name"] for registry in info["registries"] for tag in registry["tags"]]
    assert tags == [f"{IMAGE_REPOSITORY}/{name}:latest"], info
    return tags[0]


def docker_run(tag: str, *args: str) -> list[str]:
    result = docker("run", "--rm", "--network", "none", tag, *args, timeout=120)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().splitlines()


def test_hello_image_runs_offline_with_arguments(images: Path) -> None:
    lines = docker_run(image_tag(images, "hello-image"), "x", "y z")
    assert lines[0] == "hello: pure Go, version 1.2.3"
    # Pure-Go resolver: /etc/hosts (which docker provides) works; there is no /etc/passwd.
    assert re.fullmatch(r"localhost -> \[127\.0\.0\.1( ::1)?\]; user lookup failed", lines[1])
    assert lines[2] == 'args: ["x" "y z"]'


def test_cgo_musl_image_runs_with_no_libc_in_the_image(images: Path) -> None:
    lines = docker_run(image_tag(images, "cgocalc-musl-image"))
    assert lines[0] == "cgocalc: 6*7=42 computed in C"


def test_tlsroots_image_has_ca_roots_without_any_ca_file(images: Path) -> None:
    lines = docker_run(image_tag(images, "tlsroots-image"))
    # The roots built into the binary, pinned by go.sum (the image has no /etc/ssl).
    assert lines == ["tlsroots: 117 trusted root CAs, ISRG Root X1 among them: true"]


def image_files(tag: str) -> dict[str, tuple[tarfile.TarInfo, str | None]]:
    """Every entry in the image's layers, with each file's sha256, from `docker save`.

    Not `docker export`: that lists a container's file system, which always has entries the
    runtime adds (.dockerenv, dev/, etc/hosts, proc/, sys/, ...) whatever the image holds.
    """
    saved = docker("save", tag)
    assert saved.returncode == 0, saved.stderr.decode()
    entries: dict[str, tuple[tarfile.TarInfo, str | None]] = {}
    with tarfile.open(fileobj=io.BytesIO(saved.stdout)) as image:
        (manifest,) = json.loads(image.extractfile("manifest.json").read())
        for layer_path in manifest["Layers"]:
            layer = tarfile.open(fileobj=image.extractfile(layer_path))
            for member in layer.getmembers():
                content = layer.extractfile(member) if member.isfile() else None
                sha256 = hashlib.sha256(content.read()).hexdigest() if content else None
                entries[member.name] = (member, sha256)
    return entries


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_image_holds_only_the_checked_binary(images: Path, packaged: Path, name: str) -> None:
    binary, in_image = IMAGES[name]
    tag = image_tag(images, name)
    entries = image_files(tag)
    assert list(entries) == [in_image]
    entry, sha256 = entries[in_image]
    assert entry.isfile() and entry.mode & 0o111
    # Byte for byte the binary `package ::` wrote to dist/ (and checked: its report passed).
    report = read_report(packaged, binary)
    assert report["verdict"] == "pass"
    assert (
        sha256 == report["sha256"] == hashlib.sha256((packaged / binary).read_bytes()).hexdigest()
    )
    inspect = docker("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", tag)
    assert inspect.stdout.decode().strip() == PLATFORMS.get(name, "linux/amd64")


def test_a_binary_failing_the_check_stops_its_image_before_docker_build(
    dockerd, distdir: Path
) -> None:
    # This image's binary has never passed the check, so no pantsd can hold an earlier
    # `docker build` of it to replay (see docs/images.md); the shared pantsd is fine here.
    tag = f"{IMAGE_REPOSITORY}/nss-glibc-image:latest"
    result = package(
        distdir,
        "tests/fixtures/go:nss-glibc-image",
        options=[f"--docker-default-repository={IMAGE_REPOSITORY}/{{name}}"],
    )
    assert result.returncode != 0
    assert "GoStaticCheckError: tests/fixtures/go:nss-glibc: the post-link static check failed" in (
        result.stderr
    )
    assert 'Fix: libc="musl" (musl has no NSS)' in result.stderr
    assert "Building docker image" not in result.stderr
    assert docker("image", "inspect", tag).returncode != 0
    assert "Traceback" not in result.stderr
    assert wrote_nothing(distdir)


def test_an_unreachable_daemon_fails_before_docker_build_with_the_fix(distdir: Path) -> None:
    # A socket nobody listens on answers like a stopped daemon, without stopping the shared one.
    result = package(
        distdir,
        f"{FIXTURES}:hello-image",
        options=["--docker-env-vars=['DOCKER_HOST=unix:///nonexistent/docker.sock']"],
    )
    assert result.returncode != 0
    assert (
        f"DockerDaemonError: {FIXTURES}:hello-image: the Docker daemon does not answer, "
        "so the image can't be built." in result.stderr
    )
    assert "Cannot connect to the Docker daemon at unix:///nonexistent/docker.sock" in (
        result.stderr
    )
    # The repo's own hint, from [go-static].docker_start_hint in pants.toml.
    assert "Fix: run `build-support/dockerd start` as root" in result.stderr
    assert "Building docker image" not in result.stderr
    assert "Traceback" not in result.stderr
    assert wrote_nothing(distdir)


def test_a_missing_docker_client_is_named_with_where_pants_looked(distdir: Path) -> None:
    result = package(
        distdir,
        f"{FIXTURES}:hello-image",
        options=["--docker-executable-search-paths=['/nonexistent/bin']"],
    )
    assert result.returncode != 0
    # Pants' own error: it looks for `docker` before any plugin hook runs (see docs/images.md).
    assert (
        "BinaryNotFoundError: Cannot find `docker` on `['/nonexistent/bin']`. Please ensure "
        "that it is installed so that Pants can interact with the docker daemon."
    ) in result.stderr
    assert "Traceback" not in result.stderr
    assert wrote_nothing(distdir)
