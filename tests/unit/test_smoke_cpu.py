"""Tier 1: a smoke run under a qemu CPU model, for real: a goamd64=v3 binary runs on Haswell and
stops before main on qemu64, and the judgement says that the CPU lacks the level."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from elf_lab import GO, Lab
from go_static.core.smoke import SmokeRun, judge

QEMU = shutil.which("qemu-x86_64-static")
GO_MESSAGE = "This program can only be run on AMD64 processors with v3 microarchitecture support."
STARTED = '{"child-pid": 7}\n{"exit-code": 1}\n'


def test_argv_passes_the_cpu_model_to_qemu() -> None:
    run = SmokeRun("a:b", "bin/x", "amd64", "/usr/bin/bwrap", "/q", args=("-v",), cpu="qemu64")
    assert run.bwrap_argv()[-5:] == ("/qemu", "-cpu", "qemu64", "/x", "-v")
    native = SmokeRun("a:b", "bin/x", "amd64", "/usr/bin/bwrap", None, cpu="qemu64")
    assert "-cpu" not in native.bwrap_argv()  # no qemu, no model (the rule always adds qemu)


@pytest.fixture(scope="module")
def v3_binary(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    lab.need("go")
    src = tmp_path_factory.mktemp("v3")
    (src / "go.mod").write_text("module example.com/v3\n\ngo 1.24\n")
    (src / "main.go").write_text('package main\n\nfunc main() { println("ran on v3") }\n')
    out = src / "v3"
    subprocess.run(
        [str(GO), "build", "-trimpath", "-o", str(out), "."],
        cwd=src,
        env={**lab.env, "CGO_ENABLED": "0", "GOAMD64": "v3"},
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.mark.skipif(QEMU is None, reason="qemu-user-static is not installed")
def test_v3_binary_under_qemu_cpu_models(v3_binary: Path) -> None:
    ok = subprocess.run([QEMU, "-cpu", "Haswell", str(v3_binary)], capture_output=True, text=True)
    assert ok.returncode == 0 and "ran on v3" in ok.stderr
    old = subprocess.run([QEMU, "-cpu", "qemu64", str(v3_binary)], capture_output=True, text=True)
    assert old.returncode == 1 and GO_MESSAGE in old.stderr and "ran on v3" not in old.stderr
    run = SmokeRun("src/go:v3-smoke", "dist/v3", "amd64", "/usr/bin/bwrap", QEMU, cpu="qemu64")
    failed = judge(run, run.bwrap_argv(), "1", STARTED, old.stdout, old.stderr)
    assert not failed.passed and failed.exit_code == 1
    assert "the CPU (qemu -cpu qemu64) lacks the level the binary was built for" in (
        failed.explanation
    )
    assert GO_MESSAGE in failed.explanation and "build with a lower goamd64" in failed.explanation
    assert "under qemu-x86_64-static -cpu qemu64" in failed.explanation
