"""Tier 3 fixtures: a fresh distdir per test, a Docker daemon, and one `package ::` per session."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pants_harness import (
    IMAGE_REPOSITORY,
    REPO_ROOT,
    docker,
    docker_answers,
    fresh_distdir,
    run_pants,
)


@pytest.fixture
def distdir():
    path = fresh_distdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def dockerd():
    """A Docker daemon: build-support/dockerd starts one unless one answers, and this fixture
    stops only a daemon it started. `./pants package ::` builds the sample images, so it needs
    one; .ci/run installs docker.io."""
    started = not docker_answers()
    if started:
        result = subprocess.run(
            [str(REPO_ROOT / "build-support" / "dockerd"), "start"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    yield
    if started:
        subprocess.run(
            [str(REPO_ROOT / "build-support" / "dockerd"), "stop"], capture_output=True, timeout=120
        )


@pytest.fixture(scope="session")
def packaged(dockerd):
    """`./pants package ::` once for the whole session: every sample binary and image.

    Images go to a repository of this session's own, so the tests never touch (or remove) images
    someone built by hand, and remove exactly what they built.
    """
    dist = fresh_distdir()
    result = run_pants(
        f"--pants-distdir={dist}",
        f"--docker-default-repository={IMAGE_REPOSITORY}/{{name}}",
        "package",
        "::",
    )
    assert result.returncode == 0, result.stderr
    yield dist
    shutil.rmtree(dist, ignore_errors=True)
    tags = docker("image", "ls", "--format", "{{.Repository}}:{{.Tag}}").stdout.decode().split()
    ours = [t for t in tags if t.startswith(f"{IMAGE_REPOSITORY}/")]
    if ours:
        docker("image", "rm", "--force", *ours)
