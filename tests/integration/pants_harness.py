"""Tier 3 helpers: run the repo's real ./pants."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_pants(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run ./pants from the repo root; fixtures under tests/ need `--build-ignore=[]`."""
    return subprocess.run(
        [str(REPO_ROOT / "pants"), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_SCIE_WARNING": "1"},
    )


def fresh_distdir() -> Path:
    """A distdir of its own: Pants wants it inside the build root, so it lives under dist/."""
    return REPO_ROOT / "dist" / "integration-tests" / uuid.uuid4().hex[:12]


# Every image a test session builds goes under this repository prefix (see `packaged`).
IMAGE_REPOSITORY = f"go-static-test-{uuid.uuid4().hex[:8]}"


def docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the docker client (binary output: `docker save` is a tar)."""
    return subprocess.run(["docker", *args], capture_output=True, timeout=timeout)


def docker_answers() -> bool:
    try:
        return docker("version", "--format", "{{.Server.Version}}", timeout=30).returncode == 0
    except FileNotFoundError:
        return False
