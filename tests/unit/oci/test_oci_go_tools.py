"""Pinned Go tools (go_static.core.gotool): crane and cosign described once, built the same way.

The slow test builds cosign for real, with the plugin's Go SDK from the module proxy, and runs it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from go_tool_cache import build_go_tool

from go_static.core.gotool import BUILD_ENV, GoTool
from go_static.core.oci.cosign import COSIGN_MODULE, DEFAULT_COSIGN_VERSION, cosign_tool
from go_static.core.oci.crane import DEFAULT_CRANE_VERSION, crane_tool


def test_cosign_builds_its_own_main_at_the_pinned_version() -> None:
    tool = cosign_tool()
    assert tool.source_files() == {
        "go.mod": f"module go-static.invalid/cosign\n\ngo 1.25\n\n"
        f"require {COSIGN_MODULE} {DEFAULT_COSIGN_VERSION}\n"
    }
    assert tool.build_argv() == (
        "build",
        "-trimpath",
        f"-ldflags=-s -w -X sigs.k8s.io/release-utils/version.gitVersion={DEFAULT_COSIGN_VERSION}",
        "-o",
        "cosign",
        f"{COSIGN_MODULE}/cmd/cosign",
    )
    assert tool.path == "go-static-cosign/cosign"


def test_crane_builds_our_main_with_the_shipped_go_sum() -> None:
    tool = crane_tool()
    assert set(tool.source_files()) == {"go.mod", "go.sum", "main.go"}
    assert tool.build_argv()[-1] == "." and tool.path == "go-static-crane/crane"
    assert crane_tool("v0.21.0").go_mod().endswith(f"{tool.module} v0.21.0\n")


def test_every_tool_is_checked_against_the_checksum_database() -> None:
    # -mod=mod: go adds missing go.sum lines, each verified by GOSUMDB; no cgo, one static file.
    assert BUILD_ENV == {"CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}


@pytest.mark.parametrize("version", ["latest", "v3", "v3.1.3 ", "v3.1.3\nreplace x => ../x", ""])
@pytest.mark.parametrize("make", [cosign_tool, crane_tool])
def test_a_version_that_is_no_module_version_is_refused(version: str, make) -> None:
    with pytest.raises(ValueError, match="is not a module version such as v"):
        make(version)


def test_a_tool_without_a_version_symbol_gets_no_x_flag() -> None:
    tool = GoTool(
        binary="t",
        module="example.com/t",
        package="example.com/t/cmd/t",
        version="v1.0.0",
        default_version="v1.0.0",
        option="[x].version",
        purpose="tests",
    )
    assert tool.build_argv()[2] == "-ldflags=-s -w"
    assert DEFAULT_CRANE_VERSION in crane_tool().build_argv()[2]


@pytest.mark.gotools
def test_cosign_built_from_the_module_proxy_runs_and_makes_a_key_pair(tmp_path: Path) -> None:
    cosign = build_go_tool(cosign_tool())
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COSIGN_PASSWORD": "test-password"}
    version = subprocess.run(
        [str(cosign), "version"], capture_output=True, text=True, timeout=60, env=env
    )
    assert version.returncode == 0, version.stderr
    assert f"GitVersion:    {DEFAULT_COSIGN_VERSION}" in version.stdout + version.stderr
    made = subprocess.run(
        [str(cosign), "generate-key-pair"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    key = (tmp_path / "cosign.key").read_text()
    assert key.startswith("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----")
    assert (tmp_path / "cosign.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")

    # The key is usable offline: sign a blob with no transparency log (cosign v3 wants no
    # signing config for that), verify it with the public half, and a changed blob fails.
    def cosign_run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(cosign), *args], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env
        )

    (tmp_path / "blob").write_bytes(b"go_static\n")
    signed = cosign_run(
        "sign-blob", "--key", "cosign.key", "--use-signing-config=false", "--tlog-upload=false",
        "--yes", "--bundle", "blob.bundle", "blob",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    verify = ("verify-blob", "--key", "cosign.pub", "--insecure-ignore-tlog")
    verified = cosign_run(*verify, "--bundle", "blob.bundle", "blob")
    assert verified.returncode == 0, verified.stderr
    assert "Verified OK" in verified.stdout + verified.stderr
    (tmp_path / "blob").write_bytes(b"tampered\n")
    tampered = cosign_run(*verify, "--bundle", "blob.bundle", "blob")
    assert tampered.returncode != 0
    assert "invalid signature" in tampered.stderr
    assert os.access(cosign, os.X_OK)
