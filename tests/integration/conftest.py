"""Tier 3 fixtures."""

from __future__ import annotations

import shutil

import pytest

from pants_harness import fresh_distdir, run_pants


@pytest.fixture
def distdir():
    path = fresh_distdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def packaged():
    """`./pants package ::` on the samples, once per session: every test module reads this dist."""
    dist = fresh_distdir()
    result = run_pants(f"--pants-distdir={dist}", "package", "::")
    assert result.returncode == 0, result.stderr
    yield dist
    shutil.rmtree(dist, ignore_errors=True)
