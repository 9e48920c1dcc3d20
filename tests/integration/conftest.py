"""Tier 3 fixtures: a fresh distdir per test, a Docker daemon, and one `package ::` per session."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from pants_harness import (
    REPO_ROOT,
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
    stops only a daemon it started. The docker_image tests need one; .ci/run installs docker.io."""
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
def packaged():
    """`./pants package ::` once for the whole session: every sample binary and image, with no
    Docker daemon (the docker_image fixtures are out of `::`)."""
    dist = fresh_distdir()
    result = run_pants(f"--pants-distdir={dist}", "package", "::")
    assert result.returncode == 0, result.stderr
    yield dist
    shutil.rmtree(dist, ignore_errors=True)
