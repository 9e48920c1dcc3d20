"""Tier 3: go_static_image's runtime check, through the real ./pants on real Go programs.

Negative images fail with their code and fix, and nothing is written. Passing images are unpacked
into an empty root and run under bubblewrap: the TLS client against a local server whose
certificate a test CA signed, the time zone program with no zoneinfo anywhere.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
from test_go_static_image import layers

from pants_harness import REPO_ROOT, WITH_FIXTURES, fresh_distdir, run_pants

HTTPSGET = "tests/fixtures/go/cmd/httpsget"
PARIS_FIXTURE = "tests/fixtures/go/cmd/paris"
CA_BUNDLE = "etc/ssl/certs/ca-certificates.crt"


def _package(dist: Path, *targets: str) -> subprocess.CompletedProcess:
    return run_pants(WITH_FIXTURES, f"--pants-distdir={dist}", "package", *targets)


@pytest.fixture(scope="module")
def dist() -> Iterator[Path]:
    path = fresh_distdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _rootfs(layout: Path, root: Path) -> Path:
    """The image's files, as its layers lay them out, under `root`."""
    for files in layers(layout):
        for path, (data, mode) in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
            (root / path).chmod(mode)
    return root


def _bwrap(root: Path, *argv: str) -> subprocess.CompletedProcess:
    # --share-net: the TLS server listens on the host's loopback.
    command = ["bwrap", "--unshare-all", "--share-net", "--bind", str(root), "/", "--", *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={})


@pytest.mark.parametrize(
    "target, code, fix",
    [
        (f"{PARIS_FIXTURE}:no-zoneinfo", "calls time.LoadLocation", 'Set `tzdata="embed"`'),
        (f"{HTTPSGET}:no-roots", "makes TLS connections", "Set `ca_roots=True`"),
    ],
)
def test_an_image_missing_what_its_binary_reads_fails_with_the_fix(
    target: str, code: str, fix: str
) -> None:
    dist = fresh_distdir()
    result = _package(dist, target)
    assert result.returncode != 0
    assert f"RuntimeCheckError: {target}:" in result.stderr and code in result.stderr
    assert f"Fix: {fix}" in result.stderr and "Traceback" not in result.stderr
    assert not list(dist.rglob("*.oci.tar"))


def _tls_lab():
    path = REPO_ROOT / "tests" / "unit" / "tls_lab.py"
    spec = importlib.util.spec_from_file_location("tls_lab", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(url, the test CA's PEM) of a local HTTPS server."""
    with _tls_lab().https_server(tmp_path_factory.mktemp("ca")) as served:
        yield served


def test_the_tls_client_needs_the_roots_layer_plus_the_ca(
    dist: Path, tls_server: tuple[str, str], tmp_path: Path
) -> None:
    url, ca = tls_server
    result = _package(dist, f"{HTTPSGET}:with-roots")
    assert result.returncode == 0, result.stderr
    root = _rootfs(dist / "tests.fixtures.go.cmd.httpsget" / "with-roots.oci", tmp_path)
    # Mozilla's roots alone don't know the test CA: the check passed, and TLS verification is on.
    untrusted = _bwrap(root, "/app/httpsget", url)
    assert untrusted.returncode == 3, untrusted
    assert "certificate signed by unknown authority" in untrusted.stdout
    # The roots layer plus the CA, as a private CA would be added to the bundle.
    with (root / CA_BUNDLE).open("a") as bundle:
        bundle.write(ca)
    trusted = _bwrap(root, "/app/httpsget", url)
    assert trusted.returncode == 0 and "httpsget: 200 hello over tls" in trusted.stdout, trusted
    # Without the roots layer at all, the same binary fails as the check said it would.
    (root / CA_BUNDLE).unlink()
    assert "certificate signed by unknown authority" in _bwrap(root, "/app/httpsget", url).stdout


def test_the_paris_image_passes_and_runs_with_no_zoneinfo(dist: Path, tmp_path: Path) -> None:
    result = _package(dist, "src/go/cmd/paris:paris-image")
    assert result.returncode == 0, result.stderr
    root = _rootfs(dist / "src.go.cmd.paris" / "paris-image.oci", tmp_path)
    assert not (root / "usr").exists()
    run = _bwrap(root, "/app/paris")
    assert run.returncode == 0, run
    assert run.stdout.strip() == "paris: 12:00 UTC is 14:00 CEST in Europe/Paris"


WHOAMI = "tests/fixtures/go/cmd/whoami"


def test_a_named_user_gets_a_passwd_layer_that_the_binary_finds(dist: Path, tmp_path: Path) -> None:
    result = _package(dist, f"{WHOAMI}:named-user", f"{WHOAMI}:numeric-user")
    assert result.returncode == 0, result.stderr
    # The numeric user has no passwd file: a warning, and the image is still written.
    assert f"{WHOAMI}:numeric-user (runtime-passwd)" in result.stderr
    assert f"{WHOAMI}:named-user (runtime-passwd)" not in result.stderr
    root = _rootfs(dist / "tests.fixtures.go.cmd.whoami" / "named-user.oci", tmp_path)
    assert (root / "etc" / "passwd").read_text().splitlines()[-1].startswith("app:x:65532:65532:")
    argv = ["bwrap", "--unshare-all", "--uid", "65532", "--gid", "65532", "--bind", str(root), "/"]
    run = subprocess.run(
        [*argv, "--", "/app/whoami"], capture_output=True, text=True, timeout=60, env={}
    )
    assert run.returncode == 0 and run.stdout.strip() == "whoami: app", run


def test_a_user_that_cant_go_into_passwd_fails_before_the_build() -> None:
    dist = fresh_distdir()
    result = _package(dist, f"{WHOAMI}:bad-user")
    assert result.returncode != 0 and "Building" not in result.stderr
    assert f"{WHOAMI}:bad-user: user is 'App:x:0'" in result.stderr
    assert "Fix: Use numeric ids" in result.stderr and "Traceback" not in result.stderr


def test_check_runs_the_runtime_check_of_every_image_at_once() -> None:
    result = run_pants(
        WITH_FIXTURES,
        "check",
        f"{PARIS_FIXTURE}:no-zoneinfo",
        f"{HTTPSGET}:no-roots",
        f"{WHOAMI}:numeric-user",
        "src/go/cmd/paris:paris-image",
    )
    assert result.returncode == 1, result.stderr
    out = result.stdout + result.stderr
    assert f"[runtime-zoneinfo] {PARIS_FIXTURE}:no-zoneinfo:" in out
    assert f"[runtime-ca-roots] {HTTPSGET}:no-roots:" in out
    assert "✓ src/go/cmd/paris:paris-image: runtime check passed" in out
    assert f"{WHOAMI}:numeric-user (runtime-passwd): " in out and "Traceback" not in out
    assert "✕ go-static-image failed." in result.stderr
