"""Tier 3: go_static_image, the daemon-free image, from the samples' `package ::`.

The sample `src/go:cgocalc-oci` holds the cgo musl binary for amd64 and arm64: an OCI index with
one manifest per platform, each with the CA roots layer and a layer holding exactly the checked
binary and its SBOM. skopeo reads the layout and the tarball; the amd64 image runs from its
layers in an empty root, and from `docker load` with no network when a daemon answers.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from pants_harness import REPO_ROOT, docker, docker_answers, fresh_distdir, run_pants

LAYOUT = "src.go/cgocalc-oci.oci"


def skopeo(*args: str) -> str:
    proc = subprocess.run(["skopeo", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


HELLO = "src.go.cmd.hello/hello-image.oci"
TLSROOTS = "src.go.cmd.tlsroots/tlsroots-image.oci"
CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"


def blob(layout: Path, digest: str) -> bytes:
    return (layout / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()


def manifest(layout: Path, arch: str = "amd64") -> dict:
    """The image manifest for `arch`, through the index when the layout has several platforms."""
    (top,) = json.loads((layout / "index.json").read_text())["manifests"]
    document = json.loads(blob(layout, top["digest"]))
    if "manifests" in document:
        (top,) = [m for m in document["manifests"] if m["platform"]["architecture"] == arch]
        document = json.loads(blob(layout, top["digest"]))
    return document


def layers(layout: Path, arch: str = "amd64") -> list[dict[str, tuple[bytes, int]]]:
    """Each layer's regular files, bottom layer first: path -> (bytes, mode)."""
    result = []
    for layer in manifest(layout, arch)["layers"]:
        files = {}
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(blob(layout, layer["digest"])))) as t:
            for member in t.getmembers():
                if member.isfile():
                    files[member.name] = (t.extractfile(member).read(), member.mode)
        result.append(files)
    return result


def layer_files(layout: Path, arch: str) -> dict[str, tuple[bytes, int]]:
    """The top layer's files: the binary and its SBOM."""
    return layers(layout, arch)[-1]


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


def test_unstamped_images_carry_the_source_and_nothing_guessed(packaged: Path) -> None:
    layout = packaged / LAYOUT
    (top,) = json.loads((layout / "index.json").read_text())["manifests"]
    documents = [json.loads(blob(layout, top["digest"])), manifest(layout, "amd64")]
    documents.append(manifest(layout, "arm64"))
    for document in documents:
        standard = {
            k: v
            for k, v in document["annotations"].items()
            if k.startswith("org.opencontainers.image.")
        }
        # No stamping: no revision, version or created, so the digest stays the same per commit.
        assert standard == {"org.opencontainers.image.source": "https://example.com/go-static"}


def test_stamped_images_carry_the_commit_and_source_date_epoch_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--go-static-stamp`: revision and version from git, created from the commit time, or
    from SOURCE_DATE_EPOCH when it is set."""
    commit = subprocess.run(
        ["git", "log", "-1", "--format=%H %ct"], cwd=REPO_ROOT, capture_output=True, text=True
    ).stdout.split()
    describe = subprocess.run(
        ["git", "describe", "--tags", "--always", "--dirty"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    created = {}
    for epoch in ("", "86400"):
        if epoch:
            monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
        dist = fresh_distdir()
        result = run_pants(
            f"--pants-distdir={dist}",
            "--go-static-stamp",
            "package",
            "src/go/cmd/hello:hello-image",
        )
        assert result.returncode == 0, result.stderr
        annotations = manifest(dist / HELLO)["annotations"]
        assert annotations["org.opencontainers.image.revision"] == commit[0]
        assert annotations["org.opencontainers.image.version"] == describe
        assert "org.opencontainers.image.source" not in annotations
        created[epoch] = annotations["org.opencontainers.image.created"]
        shutil.rmtree(dist, ignore_errors=True)
    expected = datetime.datetime.fromtimestamp(int(commit[1]), datetime.timezone.utc)
    assert created == {
        "": expected.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "86400": "1970-01-02T00:00:00Z",
    }


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


def test_beside_the_layout_the_image_provenance_and_each_platform_sbom(packaged: Path) -> None:
    """What `pants publish` attests: the image's SLSA provenance, whose subject is the index and
    whose dependencies and verdicts are the binaries', and the SBOMs the layers hold."""
    index = json.loads((packaged / LAYOUT / "index.json").read_text())["manifests"][0]["digest"]
    statement = json.loads((packaged / f"{LAYOUT}.intoto.json").read_text())
    assert statement["predicateType"] == "https://slsa.dev/provenance/v1"
    assert statement["subject"][0]["digest"] == {"sha256": index.removeprefix("sha256:")}
    predicate = statement["predicate"]
    deps = predicate["buildDefinition"]["resolvedDependencies"]
    for arch, name in (("amd64", "cgocalc-musl"), ("arm64", "cgocalc-musl-arm64")):
        binary = json.loads((packaged / "src.go" / f"{name}.intoto.json").read_text())
        for dep in binary["predicate"]["buildDefinition"]["resolvedDependencies"]:
            assert dep in deps, dep
        assert {"name": name, "digest": binary["subject"][0]["digest"],
                "annotations": {"goarch": arch}} in deps  # fmt: skip
        sbom = (packaged / f"{LAYOUT}.sbom" / f"{name}.cdx.json").read_bytes()
        assert sbom == layer_files(packaged / LAYOUT, arch)[f"sbom/{name}.cdx.json"][0]
    verdicts = {
        b["annotations"]["goarch"]: b["annotations"]["postLinkCheck"]
        for b in predicate["runDetails"]["byproducts"]
    }
    assert verdicts == {"amd64": "passed", "arm64": "passed"}
    assert any(d["name"] == "musl" and d["annotations"]["version"] for d in deps)


def test_the_amd64_image_runs_from_its_layers_in_an_empty_root(
    packaged: Path, tmp_path: Path
) -> None:
    for files in layers(packaged / LAYOUT, "amd64"):
        for path, (data, mode) in files.items():
            (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / path).write_bytes(data)
            (tmp_path / path).chmod(mode)
    run = subprocess.run(
        ["bwrap", "--unshare-all", "--bind", str(tmp_path), "/", "--", "/app/cgocalc-musl"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0 and "6*7=42 computed in C" in run.stdout, run.stderr


def test_the_ca_roots_layer_is_certifis_bundle_and_one_blob_for_every_image(
    packaged: Path,
) -> None:
    import certifi

    bundles = {
        name: (manifest(packaged / name, "arm64")["layers"][0], layers(packaged / name, "arm64")[0])
        for name in (LAYOUT, HELLO)
    }
    # The same bottom layer, byte for byte, in the multi-arch image and in hello's.
    assert len({descriptor["digest"] for descriptor, _ in bundles.values()}) == 1
    for _, files in bundles.values():
        assert files == {CA_BUNDLE: (Path(certifi.where()).read_bytes(), 0o444)}
    annotations = manifest(packaged / HELLO)["annotations"]
    assert annotations["dev.go-static.ca-roots"].startswith("certifi 20")
    # ca_roots=False: only the binary and its SBOM.
    (only,) = layers(packaged / TLSROOTS)
    assert set(only) == {"app/tlsroots", "sbom/tlsroots.cdx.json"}
    assert "dev.go-static.ca-roots" not in manifest(packaged / TLSROOTS)["annotations"]


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
