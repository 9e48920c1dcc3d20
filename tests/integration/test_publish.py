"""Tier 3: `pants publish` of go_static_image to a real registry, and back by digest.

build-support/registry starts Debian's docker-registry on 127.0.0.1:5000, the registry the
samples name. The multi-arch sample is published, pulled back by digest with skopeo, and its
amd64 image runs in an empty root (and under `docker run --network none` when a daemon
answers). The failures each name the target and leave no tag behind. A push through a Docker
credential helper reaches the registry behind TLS with basic auth.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from pants_harness import (
    REPO_ROOT,
    WITH_FIXTURES,
    docker,
    docker_answers,
    fresh_distdir,
    run_pants,
)

REGISTRY = "127.0.0.1:5000"
CGOCALC = "localhost:5000/go-static/cgocalc"
READ_ONLY_PORT = "5099"  # tests/fixtures/images:read-only names it
TLS_PORT = 5443  # tests/fixtures/images:tls-helper names it
FIXTURES = "tests/fixtures/images"


def registry_script(action: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(REPO_ROOT / "build-support" / "registry"), action],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", **env},
    )


@pytest.fixture(scope="module")
def registry():
    """The repo's registry on 127.0.0.1:5000; stopped afterwards only if this module started it."""
    started = registry_script("status").returncode != 0
    result = registry_script("start")
    assert result.returncode == 0, result.stdout + result.stderr
    yield REGISTRY
    if started:
        registry_script("stop")


def skopeo(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["skopeo", *args, "--tls-verify=false"] if args[0] != "copy" else ["skopeo", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 or not check, proc.stderr
    return proc


def publish(*targets: str, output: Path | None = None) -> subprocess.CompletedProcess:
    extra = [f"--publish-output={output}"] if output else []
    return run_pants(
        WITH_FIXTURES, f"--pants-distdir={fresh_distdir()}", "publish", *extra, *targets
    )


def test_the_multi_arch_sample_is_pulled_back_by_digest_and_runs_in_an_empty_root(
    registry: str, tmp_path: Path
) -> None:
    result = publish("src/go:cgocalc-oci", output=tmp_path / "publish.json")
    assert result.returncode == 0, result.stderr
    assert f"✓ {CGOCALC}:latest published to localhost:5000." in result.stderr
    pushed = [line for line in result.stdout.splitlines() if line.startswith("pushed ")]
    (line,) = pushed
    digest = line.split("@")[1].split()[0]
    data = json.loads((tmp_path / "publish.json").read_text())
    assert data[0]["published"] is True and data[0]["publisher"] == "go_static"

    # The tag names exactly the pushed index; pull the index back by its digest.
    by_tag = json.loads(skopeo("inspect", "--raw", f"docker://{CGOCALC}:latest").stdout)
    assert {m["platform"]["architecture"] for m in by_tag["manifests"]} == {"amd64", "arm64"}
    pulled = tmp_path / "pulled"
    skopeo(
        "copy",
        "--all",
        "--src-tls-verify=false",
        f"docker://{CGOCALC}@{digest}",
        f"oci:{pulled}:pulled",
    )
    index = json.loads((pulled / "index.json").read_text())
    assert index["manifests"][0]["digest"] == digest  # byte for byte the index we built

    # Unpack the amd64 image's layers into an empty root and run its entrypoint there.
    top = json.loads((pulled / "blobs" / "sha256" / digest[7:]).read_text())
    (amd64,) = [m for m in top["manifests"] if m["platform"]["architecture"] == "amd64"]
    manifest = json.loads((pulled / "blobs" / "sha256" / amd64["digest"][7:]).read_text())
    config = json.loads(
        (pulled / "blobs" / "sha256" / manifest["config"]["digest"][7:]).read_text()
    )
    root = tmp_path / "root"
    root.mkdir()
    for layer in manifest["layers"]:
        data = gzip.decompress((pulled / "blobs" / "sha256" / layer["digest"][7:]).read_bytes())
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(root)
    run = subprocess.run(
        ["bwrap", "--unshare-all", "--bind", str(root), "/", "--", *config["config"]["Entrypoint"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("cgocalc: 6*7=42 computed in C\n")


@pytest.mark.skipif(not docker_answers(), reason="no Docker daemon answers (the docker tier)")
def test_docker_pulls_the_published_image_and_runs_it_with_no_network(registry: str) -> None:
    result = publish("src/go/cmd/hello:hello-image")
    assert result.returncode == 0, result.stderr
    image = "localhost:5000/go-static/hello:latest"
    try:
        assert docker("pull", "-q", image).returncode == 0
        run = docker("run", "--rm", "--network", "none", image)
        assert run.returncode == 0, run.stderr
        lines = run.stdout.decode().splitlines()
        assert lines[0] == "hello: pure Go, version 1.2.3"
        assert lines[-1] == 'args: ["from" "the image"]'
    finally:
        docker("image", "rm", "--force", image)


def test_a_second_publish_sends_no_blob_again(registry: str) -> None:
    publish("src/go/cmd/tlsroots:tlsroots-image")
    again = publish("src/go/cmd/tlsroots:tlsroots-image")
    assert again.returncode == 0, again.stderr
    assert "(already in the registry: nothing sent)" in again.stdout


def test_failures_name_the_target_and_leave_no_tag(registry: str, tmp_path: Path) -> None:
    storage = tmp_path / "read-only"
    env = {"GO_STATIC_REGISTRY_PORT": READ_ONLY_PORT, "GO_STATIC_REGISTRY_DIR": str(storage)}
    started = registry_script("start", GO_STATIC_REGISTRY_READ_ONLY="1", **env)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        result = publish(
            f"{FIXTURES}:registry-down", f"{FIXTURES}:read-only", f"{FIXTURES}:skipped"
        )
    finally:
        registry_script("stop", **env)
    assert result.returncode != 0
    err = result.stderr
    assert (
        f"RegistryPushError: {FIXTURES}:registry-down: The registry 127.0.0.1:9 could not be "
        "reached" in err
    )
    assert f"RegistryPushError: {FIXTURES}:read-only:" in err
    assert err.count("no tag was moved") == 2
    assert "✕ 127.0.0.1:9/go-static/hello:latest failed for 127.0.0.1:9." in err
    assert f"✕ 127.0.0.1:{READ_ONLY_PORT}/go-static/hello:latest failed" in err
    assert f"skipped (by `skip_push` on {FIXTURES}:skipped)" in err
    assert "Traceback" not in err
    shutil.rmtree(storage, ignore_errors=True)


def test_a_name_without_a_registry_or_with_bad_parts_is_refused_before_any_push(
    registry: str,
) -> None:
    result = publish(f"{FIXTURES}:no-registry")
    assert result.returncode != 0
    assert (
        f'RegistryPushError: {FIXTURES}:no-registry: repository "go-static/hello" names no '
        "registry" in result.stderr
    )
    assert "pushed " not in result.stdout
    bad = publish(f"{FIXTURES}:bad-name")
    assert bad.returncode != 0
    assert 'has the invalid path component "Go-Static"' in bad.stderr
    assert 'The image tag "-latest" is not valid.' in bad.stderr
    assert "Packaged" not in bad.stderr  # refused before anything was built
    listing = skopeo("list-tags", "docker://localhost:5000/go-static/skipped", check=False)
    assert listing.returncode != 0  # skip_push: never pushed


def registry_lab():
    """tests/unit/oci/registry_lab.py: the TLS registry with htpasswd, the credential helper."""
    if "registry_lab" in sys.modules:  # the unit tier, in the same session, imported it
        return sys.modules["registry_lab"]
    path = REPO_ROOT / "tests" / "unit" / "oci" / "registry_lab.py"
    spec = importlib.util.spec_from_file_location("registry_lab", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["registry_lab"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def test_publish_through_a_credential_helper_to_a_tls_registry_with_basic_auth(
    tmp_path: Path,
) -> None:
    lab = registry_lab()
    certs = lab.make_certs(tmp_path / "certs")
    (tmp_path / "tls").mkdir()
    found, process = lab.start_tls_registry(tmp_path / "tls", certs, TLS_PORT)
    helpers, docker_config = tmp_path / "bin", tmp_path / "docker"
    helpers.mkdir()
    docker_config.mkdir()
    log = tmp_path / "helper.log"
    helper = lab.write_credential_helper(helpers, found.user, log)
    (docker_config / "config.json").write_text(json.dumps({"credHelpers": {found.host: helper}}))
    # The system's CAs and the test CA: the same variable reaches `go list` too.
    bundle = tmp_path / "ca-bundle.pem"
    system = Path("/etc/ssl/certs/ca-certificates.crt")
    bundle.write_bytes(
        (system.read_bytes() if system.is_file() else b"") + Path(found.ca).read_bytes()
    )
    env = {
        **os.environ,
        "NO_SCIE_WARNING": "1",
        "PATH": f"{helpers}:{os.environ['PATH']}",
        "DOCKER_CONFIG": str(docker_config),
        "SSL_CERT_FILE": str(bundle),
    }
    try:
        result = subprocess.run(
            [str(REPO_ROOT / "pants"), WITH_FIXTURES, f"--pants-distdir={fresh_distdir()}"]
            + ["publish", f"{FIXTURES}:tls-helper"],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    finally:
        lab.stop_tls_registry(process)
    assert result.returncode == 0, result.stderr
    assert f"✓ {found.host}/go-static/helper:latest published to {found.host}." in result.stderr
    assert f"get {found.host}" in log.read_text()
    assert found.user[1] not in result.stdout + result.stderr
