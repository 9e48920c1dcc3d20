"""Tier 3: go_static_image, the daemon-free image, from the samples' `package ::`.

The sample `src/go:cgocalc-oci` holds the cgo musl binary for amd64 and arm64: an OCI index with
one manifest per platform, each layer holding exactly the checked binary and its SBOM. skopeo
reads the layout and the tarball; the amd64 binary runs from the layer in an empty root, and
from `docker load` with no network when a daemon answers.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from pants_harness import docker, docker_answers

LAYOUT = "src.go/cgocalc-oci.oci"


def skopeo(*args: str) -> str:
    proc = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def layer_files(layout: Path, arch: str) -> dict[str, tuple[bytes, int]]:
    index = json.loads((layout / "index.json").read_text())
    (top,) = index["manifests"]
    inner = json.loads((layout / "blobs" / "sha256" / top["digest"][7:]).read_text())
    (entry,) = [m for m in inner["manifests"] if m["platform"]["architecture"] == arch]
    manifest = json.loads((layout / "blobs" / "sha256" / entry["digest"][7:]).read_text())
    (layer,) = manifest["layers"]
    data = gzip.decompress((layout / "blobs" / "sha256" / layer["digest"][7:]).read_bytes())
    files = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                files[member.name] = (tar.extractfile(member).read(), member.mode)
    return files


def test_the_index_has_both_platforms_and_skopeo_verifies_it(
    packaged: Path, tmp_path: Path
) -> None:
    layout = packaged / LAYOUT
    index = json.loads(skopeo("inspect", "--raw", f"oci:{layout}:latest"))
    platforms = {
        (m["platform"]["architecture"], m["platform"].get("variant")) for m in index["manifests"]
    }
    assert platforms == {("amd64", None), ("arm64", "v8")}
    arm = json.loads(skopeo("inspect", "--override-arch", "arm64", f"oci:{layout}:latest"))
    assert arm["Architecture"] == "arm64"
    skopeo("copy", "-q", f"oci:{layout}:latest", f"dir:{tmp_path / 'copy'}")  # checks digests
    archive = json.loads(skopeo("inspect", f"docker-archive:{packaged / LAYOUT}.tar"))
    assert archive["Architecture"] == "amd64" and archive["Created"] == "1970-01-01T00:00:00Z"


def test_each_layer_holds_exactly_the_checked_binary_and_its_sbom(packaged: Path) -> None:
    for arch, name in (("amd64", "cgocalc-musl"), ("arm64", "cgocalc-musl-arm64")):
        files = layer_files(packaged / LAYOUT, arch)
        assert set(files) == {f"app/{name}", f"sbom/{name}.cdx.json"}
        binary, mode = files[f"app/{name}"]
        assert binary == (packaged / "src.go" / name).read_bytes() and mode == 0o755
        assert (
            files[f"sbom/{name}.cdx.json"][0]
            == (packaged / "src.go" / f"{name}.cdx.json").read_bytes()
        )


def test_the_amd64_binary_runs_from_the_layer_in_an_empty_root(
    packaged: Path, tmp_path: Path
) -> None:
    binary, _ = layer_files(packaged / LAYOUT, "amd64")["app/cgocalc-musl"]
    (tmp_path / "cgocalc").write_bytes(binary)
    (tmp_path / "cgocalc").chmod(0o755)
    run = subprocess.run(
        ["bwrap", "--unshare-all", "--bind", str(tmp_path), "/", "--", "/cgocalc"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0 and "6*7=42 computed in C" in run.stdout, run.stderr


@pytest.mark.skipif(not docker_answers(), reason="no Docker daemon answers (the docker tier)")
def test_docker_loads_the_tarball_and_runs_it_with_no_network(packaged: Path) -> None:
    loaded = docker("load", "-i", str(packaged / f"{LAYOUT}.tar"))
    assert loaded.returncode == 0, loaded.stderr
    image = "localhost:5000/go-static/cgocalc:latest"
    try:
        run = docker("run", "--rm", "--network", "none", image)
        assert run.returncode == 0 and b"6*7=42 computed in C" in run.stdout, run.stderr
        user = docker("image", "inspect", "--format", "{{.Config.User}}", image)
        assert user.stdout.decode().strip() == "65532:65532"
    finally:
        docker("image", "rm", "--force", image)
