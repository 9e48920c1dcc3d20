"""Tier 3 (marker `remote_cache`): a real REAPI cache across checkouts, and reproducible binaries.

BuildGrid (build-support/remote-cache) serves the cache on 127.0.0.1. Checkout A (this repo,
with an empty local store) builds and writes to it. Checkout B is a copy at another path, with
its own venv, an empty local store, empty named caches and no pantsd: it must run no build at
all. Checkout C is B again with nothing shared and no remote cache: an independent cold build
that must give the same bytes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pants_harness import REPO_ROOT, counters, free_port, run_pants

pytestmark = pytest.mark.remote_cache
TARGETS = (
    "src/go/cmd/hello:hello",  # pure Go
    "src/go:cgocalc-musl",  # cgo, musl via zig
    "src/go:cgocalc-glibc",  # cgo, glibc via gcc
    "src/go:cgocalc-musl-arm64",  # cgo, musl via zig, for arm64
    "src/go:cgocalc-oci",  # the daemon-free image of the two cgocalc-musl binaries
)
# The image's tarball holds its whole layout: the same bytes mean the same image digest.
IMAGE = "src.go/cgocalc-oci.oci.tar"
OUTPUTS = (
    "src.go.cmd.hello/hello",
    "src.go/cgocalc-musl",
    "src.go/cgocalc-glibc",
    "src.go/cgocalc-musl-arm64",
)


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory):
    state = tmp_path_factory.mktemp("buildgrid")
    script = str(REPO_ROOT / "build-support" / "remote-cache")
    start = subprocess.run(
        [script, "start", "--dir", str(state), "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert start.returncode == 0, start.stderr
    address = start.stdout.strip()
    yield address
    subprocess.run([script, "stop", "--dir", str(state)], capture_output=True, timeout=60)


def remote_flags(address: str, write: bool) -> tuple[str, ...]:
    return (
        "--remote-cache-read",
        f"--remote-cache-write={write}",
        f"--remote-store-address={address}",
        "--remote-instance-name=",
    )


@pytest.fixture(scope="module")
def checkout_b(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repo's files (committed or not, minus ignored ones) at another path, own venv."""
    dest = tmp_path_factory.mktemp("elsewhere") / "deeper" / "checkout-b"
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        if (REPO_ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, dest / name)
    return dest


def run_in(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PANTS_VENV"}  # its own venv
    return subprocess.run(
        [str(checkout / "pants"), "--no-pantsd", *args],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=3600,
        env={**env, "NO_SCIE_WARNING": "1"},
    )


def test_a_second_checkout_rebuilds_nothing_and_a_third_rebuilds_the_same_bytes(
    remote: str, checkout_b: Path, tmp_path: Path, distdir: Path
) -> None:
    # A: this checkout, empty local store (the named caches may be warm): writes every action.
    a = run_pants(
        "--no-pantsd",
        f"--local-store-dir={tmp_path / 'a-store'}",
        f"--pants-distdir={distdir}",
        "--stats-log",
        *remote_flags(remote, write=True),
        "package",
        *TARGETS,
    )
    assert a.returncode == 0, a.stderr
    assert counters(a.stderr)["remote_cache_write_successes"] >= len(TARGETS)

    # B: another path and venv, nothing local at all, read-only: every build comes from A.
    b = run_in(
        checkout_b,
        f"--named-caches-dir={tmp_path / 'b-named'}",
        f"--local-store-dir={tmp_path / 'b-store'}",
        "--pants-distdir=dist/b",
        "--stats-log",
        *remote_flags(remote, write=False),
        "package",
        *TARGETS,
    )
    assert b.returncode == 0, b.stderr
    stats = counters(b.stderr)
    assert stats["remote_cache_requests_uncached"] == 0, stats
    assert stats["remote_cache_requests_cached"] >= len(TARGETS)
    # With a remote answer on the way, Pants doesn't even start `go build` locally.
    assert "Starting: Building" not in b.stderr
    dist_a, dist_b = distdir, checkout_b / "dist" / "b"
    for out in OUTPUTS:
        for name in (out, f"{out}.static-report.json", f"{out}.cdx.json"):
            assert (dist_b / name).read_bytes() == (dist_a / name).read_bytes(), name
    assert (dist_b / IMAGE).read_bytes() == (dist_a / IMAGE).read_bytes()

    # C: B's checkout again, fresh named caches and store, no remote cache: a cold build.
    c = run_in(
        checkout_b,
        f"--named-caches-dir={tmp_path / 'c-named'}",
        f"--local-store-dir={tmp_path / 'c-store'}",
        "--pants-distdir=dist/c",
        "package",
        *TARGETS,
    )
    assert c.returncode == 0, c.stderr
    assert "Starting: Building src/go:cgocalc-musl" in c.stderr  # really built
    for out in (*OUTPUTS, IMAGE):
        assert (checkout_b / "dist" / "c" / out).read_bytes() == (dist_a / out).read_bytes(), out

    # No build-host path in any of them: the check looks (host-path), and so does strings.
    host = re.compile(rb"/tmp/|/work/|/root/|site-packages|pants-sandbox")
    for out in OUTPUTS:
        report = (dist_a / f"{out}.static-report.json").read_text()
        assert '"host_path_count": 0' in report
        data = (dist_a / out).read_bytes()
        assert not [s for s in re.findall(rb"[\x21-\x7e]{4,}", data) if host.search(s)], out
