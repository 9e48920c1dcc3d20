"""Tier 1: the formatter and import order (ruff, configured in pyproject.toml) hold everywhere."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PATHS = ("pants-plugins", "tests", "benchmarks", "build-support")


@pytest.mark.parametrize(
    "command",
    [("format", "--check", "--diff"), ("check", "--output-format", "concise")],
    ids=["ruff-format", "ruff-check"],
)
def test_ruff(command: tuple[str, ...]) -> None:
    # ruff is pinned in 3rdparty/python/test-requirements.txt; fix with `ruff format` / `--fix`.
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", *command, *PATHS], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
