"""Tier 3 fixtures."""

from __future__ import annotations

import shutil

import pytest

from pants_harness import fresh_distdir


@pytest.fixture
def distdir():
    path = fresh_distdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)
