"""Tier 3 (marker `remote_execution`): every build process on a real REAPI executor.

build-support/remote-exec starts PostgreSQL, BuildGrid 0.9.1 and two workers, each running
actions under bubblewrap in a root of its own: the host's /usr and /etc, no checkout, no home,
no host /tmp. Pants runs with `--remote-execution`, an empty local store and empty named caches,
so every process must run on a worker, with the Go SDK, zig and the module cache as inputs by
digest (`[go-static].toolchain_source`, `auto`).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from pants_harness import REPO_ROOT, counters, free_port, run_pants

pytestmark = pytest.mark.remote_execution
SCRIPT = str(REPO_ROOT / "build-support" / "remote-exec")
TARGETS = {
    "src/go/cmd/hello:hello": "src.go.cmd.hello/hello",  # pure Go
    "src/go:cgocalc-musl": "src.go/cgocalc-musl",  # cgo, musl via zig
    "src/go:cgocalc-glibc": "src.go/cgocalc-glibc",  # cgo, glibc via the worker's gcc
    "src/go:cgocalc-musl-arm64": "src.go/cgocalc-musl-arm64",  # cgo for arm64
    "src/go/cmd/zstd:zstd-musl": "src.go.cmd.zstd/zstd-musl",  # third-party C, module by digest
}


@pytest.fixture(scope="module")
def executor():
    """A private executor (own ports and state), stopped afterwards: its flags for Pants."""
    # Not under pytest's tmp dirs, which are closed to others: PostgreSQL runs as its own user.
    state = Path(tempfile.mkdtemp(prefix="go-static-remote-exec-", dir="/var/tmp"))
    state.chmod(0o755)
    where = ["--dir", str(state), "--port", str(free_port()), "--pg-port", str(free_port())]
    start = subprocess.run(
        [SCRIPT, "start", "--workers", "2", *where], capture_output=True, text=True, timeout=900
    )
    assert start.returncode == 0, start.stdout + start.stderr
    flags = subprocess.run(
        [SCRIPT, "flags", *where], capture_output=True, text=True, check=True
    ).stdout.split()
    try:
        yield flags, where
    finally:
        subprocess.run([SCRIPT, "stop", *where], capture_output=True, timeout=120)
        shutil.rmtree(state, ignore_errors=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remote_package(flags: list[str], tmp: Path, name: str, *extra: str):
    """`package` of TARGETS from an empty local store and empty named caches, into dist/<name>."""
    return run_pants(
        "--no-pantsd",
        f"--local-store-dir={tmp / name / 'store'}",
        f"--named-caches-dir={tmp / name / 'named'}",
        f"--pants-distdir=dist/{name}",
        "--stats-log",
        *flags,
        *extra,
        "package",
        *TARGETS,
    )


def test_every_process_runs_remotely_with_the_bytes_of_a_local_build(
    executor, packaged: Path, tmp_path: Path
) -> None:
    flags, _ = executor
    first = remote_package(flags, tmp_path, "remote-a")
    assert first.returncode == 0, first.stderr
    stats = counters(first.stderr)
    # Nothing ran here: every process (toolchain probes, go list, downloads, builds) on a worker.
    assert stats["local_execution_requests"] == 0, stats
    assert stats["remote_execution_success"] >= len(TARGETS), stats
    assert stats["remote_execution_errors"] == 0, stats
    for out in TARGETS.values():
        remote = REPO_ROOT / "dist" / "remote-a" / out
        assert sha256(remote) == sha256(packaged / out), out
        assert (REPO_ROOT / "dist" / "remote-a" / f"{out}.cdx.json").read_bytes() == (
            packaged / f"{out}.cdx.json"
        ).read_bytes(), out

    # A second client, nothing local: every build is a remote cache hit. Only `go list`, which
    # is never cached (it fills the worker's module cache), runs again.
    second = remote_package(flags, tmp_path, "remote-b")
    assert second.returncode == 0, second.stderr
    stats = counters(second.stderr)
    assert "Starting: Building" not in second.stderr
    assert stats["local_execution_requests"] == 0, stats
    assert stats["remote_cache_requests_cached"] >= len(TARGETS), stats
    for out in TARGETS.values():
        assert sha256(REPO_ROOT / "dist" / "remote-b" / out) == sha256(packaged / out), out


def test_a_worker_killed_mid_build_costs_time_not_the_build(executor, tmp_path: Path) -> None:
    flags, where = executor
    # No cache reads: every action executes, so a worker is busy when it dies.
    done: dict[str, object] = {}

    def build() -> None:
        start = time.monotonic()
        done["result"] = remote_package(
            flags, tmp_path, "remote-kill", "--no-remote-cache-read", "--no-local-cache"
        )
        done["seconds"] = time.monotonic() - start

    thread = threading.Thread(target=build)
    thread.start()
    time.sleep(15)
    killed = subprocess.run(
        [SCRIPT, "kill-worker", "1", *where], capture_output=True, text=True, timeout=60
    )
    assert killed.returncode == 0, killed.stderr
    thread.join(timeout=900)
    assert not thread.is_alive(), "the build hung after a worker was killed"
    result = done["result"]
    assert result.returncode == 0, result.stderr
    stats = counters(result.stderr)
    assert stats["local_execution_requests"] == 0, stats
    for out in TARGETS.values():
        assert (REPO_ROOT / "dist" / "remote-kill" / out).is_file(), out
    # Start brings the killed worker back for whatever runs next.
    subprocess.run([SCRIPT, "start", "--workers", "2", *where], capture_output=True, timeout=300)
