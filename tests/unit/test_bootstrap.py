"""Tier 1: the ./pants bootstrap (build-support/bootstrap.sh) on throwaway copies of the repo."""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import toml

REPO_ROOT = Path(__file__).resolve().parents[2]


def _python39() -> str | None:
    """A real python3.9 (not a pyenv shim, which needs the caller's HOME): PATH, then pyenv."""
    on_path = shutil.which("python3.9")
    if on_path:
        real = subprocess.run(
            [on_path, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True
        )
        if real.returncode == 0 and real.stdout.strip():
            return real.stdout.strip()
    pyenv = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python3.9")))
    return pyenv[-1] if pyenv else None


PYTHON39 = _python39()


def source_bootstrap(
    repo: Path, env: dict[str, str], then: str = 'echo "venv=$PANTS_VENV"'
) -> subprocess.CompletedProcess:
    """Source the bootstrap as ./pants does (set -euo pipefail), then run `then` in that shell.
    Its Debian package step is skipped: these tests' PATHs hide real tools, and must not install
    anything."""
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; source build-support/bootstrap.sh && {then}"],
        cwd=repo,
        env={"GO_STATIC_DEBIAN_SCOPE": "none", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def copy_bootstrap(repo: Path) -> None:
    """The bootstrap and the helpers it sources, into a throwaway repo."""
    (repo / "build-support").mkdir()
    for script in ("bootstrap.sh", "lib.sh", "debian-packages"):
        shutil.copy(REPO_ROOT / "build-support" / script, repo / "build-support")


@pytest.fixture
def tiny_repo(tmp_path: Path) -> Path:
    """A repo with the real bootstrap script but pins that install nothing, so venvs are cheap."""
    copy_bootstrap(tmp_path)
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


@pytest.mark.skipif(PYTHON39 is None, reason="no pyenv Python 3.9 on this machine")
def test_the_bootstrap_locks_are_not_left_open_for_pants(tiny_repo: Path) -> None:
    # ./pants execs Pants in this shell: a lock fd still open would be held by pantsd.
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tiny_repo), "PANTS_PYTHON": PYTHON39}
    result = source_bootstrap(tiny_repo, env, then="ls /proc/$$/fd")
    assert result.returncode == 0, result.stderr
    assert "Bootstrapping the Pants venv" in result.stderr  # the locking path was taken
    assert not {"8", "9"} & set(result.stdout.split())


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


# ---- Pants' pex tool (built from PyPI, checked against pants.toml's [pex-cli] pin) ----------

PEX_CLI = toml.load(REPO_ROOT / "pants.toml")["pex-cli"]
PIN_VERSION, _, PIN_SHA256, PIN_SIZE = PEX_CLI["known_versions"][0].split("|")
TOOL = Path(".pants-tools") / f"pex-{PIN_VERSION}.pex"


def outer_env(**extra: str) -> dict[str, str]:
    """The caller's environment (PyPI access, caches) without the outer bootstrap's results."""
    env = {k: v for k, v in os.environ.items() if k not in {"PANTS_VENV", "PANTS_CA_CERTS_PATH"}}
    return {**env, "PANTS_PYTHON": PYTHON39 or "", **extra}


@pytest.fixture(scope="module")
def pex_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real bootstrap and pants.toml, with a venv holding only the pex that Pants pins."""
    if PYTHON39 is None:
        pytest.skip("no Python 3.9 on this machine (PATH or pyenv)")
    repo = tmp_path_factory.mktemp("pex-repo")
    copy_bootstrap(repo)
    shutil.copy(REPO_ROOT / "pants.toml", repo)
    (repo / "3rdparty" / "python").mkdir(parents=True)
    # The same pex the real venv gets as a requirement of pantsbuild.pants 2.17.1.
    (repo / "3rdparty" / "python" / "requirements.txt").write_text(
        f"pex=={PIN_VERSION.lstrip('v')}\n"
    )
    return repo


def test_pex_tool_is_built_once_and_matches_the_pin(pex_repo: Path) -> None:
    first = source_bootstrap(pex_repo, outer_env())
    assert first.returncode == 0, first.stderr
    assert f"Building Pants' pex tool (pex=={PIN_VERSION[1:]} from PyPI) into {TOOL}" in (
        first.stderr
    )
    built = (pex_repo / TOOL).read_bytes()
    assert hashlib.sha256(built).hexdigest() == PIN_SHA256 and len(built) == int(PIN_SIZE)

    # The fast path must not even start pex: break it, and the bootstrap still succeeds.
    pex = pex_repo / ".pants-venv" / "bin" / "pex"
    real = pex.read_bytes()
    pex.write_text("#!/bin/sh\necho pex must not run >&2\nexit 1\n")
    try:
        again = source_bootstrap(pex_repo, outer_env())
    finally:
        pex.write_bytes(real)
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""


def test_a_pex_tool_that_differs_from_the_pin_is_refused(pex_repo: Path) -> None:
    assert source_bootstrap(pex_repo, outer_env()).returncode == 0  # installed, as pinned
    wrong = "0" * 64
    toml_path = pex_repo / "pants.toml"
    real = toml_path.read_text()
    tools = pex_repo / ".pants-tools"
    before = {p.name: p.read_bytes() for p in tools.iterdir() if p.is_file()}
    toml_path.write_text(real.replace(PIN_SHA256, wrong))
    try:
        result = source_bootstrap(pex_repo, outer_env())
    finally:
        toml_path.write_text(real)
    assert result.returncode == 1
    assert f"pex=={PIN_VERSION[1:]} is not the pinned file; it was not installed." in result.stderr
    assert f"built:  sha256 {PIN_SHA256}, {PIN_SIZE} bytes" in result.stderr
    assert f"pinned: sha256 {wrong}, {PIN_SIZE} bytes ([pex-cli].known_versions" in result.stderr
    assert "Fix: if you changed [pex-cli].version on purpose" in result.stderr
    # Nothing half-done is left behind: no build dir, and the installed tool and its stamp are
    # exactly as they were.
    assert not list(tools.glob("*.build.*"))
    assert {p.name: p.read_bytes() for p in tools.iterdir() if p.is_file()} == before


def test_only_the_known_version_for_the_pinned_version_counts(pex_repo: Path) -> None:
    # During a bump both versions are listed; Pants uses `version`, and so must the bootstrap,
    # wherever the other version's entry stands.
    assert source_bootstrap(pex_repo, outer_env()).returncode == 0  # installed, as pinned
    toml_path = pex_repo / "pants.toml"
    real = toml_path.read_text()
    other = f'  "v9.9.9|linux_x86_64|{"1" * 64}|42",\n'
    bumped = real.replace(f'{PIN_SIZE}",\n]', f'{PIN_SIZE}",\n{other}]')
    assert bumped != real
    toml_path.write_text(bumped)
    try:
        result = source_bootstrap(pex_repo, outer_env())
    finally:
        toml_path.write_text(real)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # the pinned tool is current: nothing built, nothing refused


def test_pants_is_pointed_at_the_system_ca_bundle_unless_told_otherwise(pex_repo: Path) -> None:
    def ca_path(**extra: str) -> str:
        result = source_bootstrap(pex_repo, outer_env(**extra), then='echo "$PANTS_CA_CERTS_PATH"')
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    system = "/etc/ssl/certs/ca-certificates.crt"
    assert ca_path() == (system if os.path.isfile(system) else "")
    assert ca_path(PANTS_CA_CERTS_PATH="/opt/corp-ca.pem") == "/opt/corp-ca.pem"


def test_not_as_root_a_machine_without_the_packages_gets_one_sudo_line(tmp_path: Path) -> None:
    # A PATH with only a fake `id` (uid 1000): no gcc, no docker, no bwrap is found. No sample
    # needs a daemon, so docker.io is a tests package only.
    (tmp_path / "id").write_text("#!/bin/sh\necho 1000\n")
    (tmp_path / "id").chmod(0o755)
    script = (
        f"source {REPO_ROOT / 'build-support' / 'lib.sh'}\n"
        'echo "samples: $(missing_debian_packages samples)"\n'
        "install_debian_packages samples; echo rc=$?\n"
    )
    proc = subprocess.run(
        ["/bin/bash", "-c", script],
        capture_output=True,
        text=True,
        env={"PATH": str(tmp_path)},
    )
    samples = proc.stdout.splitlines()[0].split()[1:]
    assert "gcc" in samples and "docker.io" not in samples and "bubblewrap" not in samples
    assert proc.stdout.splitlines()[-1] == "rc=1"
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("Missing Debian packages; run: sudo apt-get install -y gcc ")


def _missing_tests_packages(path: Path, *tools: str) -> list[str]:
    """missing_debian_packages (what install_debian_packages installs) on a PATH of fake tools."""
    for tool in tools:
        (path / tool).write_text("#!/bin/sh\nexit 0\n")
        (path / tool).chmod(0o755)
    proc = subprocess.run(
        [
            "/bin/bash",
            "-c",
            f"source {REPO_ROOT / 'build-support' / 'lib.sh'}; missing_debian_packages tests",
        ],
        capture_output=True,
        text=True,
        env={"PATH": str(path)},
        check=True,
    )
    return proc.stdout.split()


def test_a_docker_cli_without_its_daemon_still_needs_docker_io(tmp_path: Path) -> None:
    # Docker's static CLI on its own is common; build-support/dockerd needs the daemon itself.
    (tmp_path / "cli").mkdir()
    assert "docker.io" in _missing_tests_packages(tmp_path / "cli", "docker")
    (tmp_path / "both").mkdir()
    missing = _missing_tests_packages(tmp_path / "both", "docker", "dockerd")
    assert "docker.io" not in missing and "bubblewrap" in missing
