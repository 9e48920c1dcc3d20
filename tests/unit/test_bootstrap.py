"""Tier 1: the ./pants bootstrap (build-support/bootstrap.sh) on throwaway copies of the repo."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON39 = next(
    iter(sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))), None
)


def source_bootstrap(repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", 'source build-support/bootstrap.sh && echo "venv=$PANTS_VENV"'],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def tiny_repo(tmp_path: Path) -> Path:
    """A repo with the real bootstrap script but pins that install nothing, so venvs are cheap."""
    (tmp_path / "build-support").mkdir()
    shutil.copy(REPO_ROOT / "build-support" / "bootstrap.sh", tmp_path / "build-support")
    (tmp_path / "3rdparty" / "python").mkdir(parents=True)
    (tmp_path / "3rdparty" / "python" / "requirements.txt").write_text("# no pins\n")
    return tmp_path


def test_without_python39_it_says_how_to_get_one(tiny_repo: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tiny_repo),
        "PYENV_ROOT": str(tiny_repo / "no-pyenv"),
    }
    result = source_bootstrap(tiny_repo, env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Pants 2.17 needs Python 3.9: install it (e.g. `pyenv install 3.9`) or point PANTS_PYTHON "
        "at a python3.9."
    ]
    assert not (tiny_repo / ".pants-venv").exists()


def test_a_wrong_pants_python_is_named(tiny_repo: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tiny_repo), "PANTS_PYTHON": "/bin/true"}
    result = source_bootstrap(tiny_repo, env)
    assert result.returncode == 1
    assert "(PANTS_PYTHON=/bin/true is not one)" in result.stderr


@pytest.mark.skipif(PYTHON39 is None, reason="no pyenv Python 3.9 on this machine")
def test_venv_is_built_once_and_rebuilt_only_when_pins_change(tiny_repo: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tiny_repo), "PANTS_PYTHON": PYTHON39}
    first = source_bootstrap(tiny_repo, env)
    assert first.returncode == 0, first.stderr
    assert "Bootstrapping the Pants venv" in first.stderr
    assert f"venv={tiny_repo}/.pants-venv" in first.stdout
    assert (tiny_repo / ".pants-venv" / "bin" / "python").exists()

    again = source_bootstrap(tiny_repo, env)
    assert again.returncode == 0 and "Bootstrapping" not in again.stderr

    (tiny_repo / "3rdparty" / "python" / "requirements.txt").write_text("# a pin changed\n")
    changed = source_bootstrap(tiny_repo, env)
    assert changed.returncode == 0 and "Bootstrapping the Pants venv" in changed.stderr


def test_pants_wrapper_silences_the_venv_script_deprecation() -> None:
    result = subprocess.run(
        [str(REPO_ROOT / "pants"), "--version"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={k: v for k, v in os.environ.items() if k != "NO_SCIE_WARNING"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2.17.1"
    assert "DEPRECATED" not in result.stderr
