"""Tier 3: FIPS and CPU levels through the real ./pants on the samples: a FIPS binary's build info,
report, SBOM and provenance agree; a non-FIPS binary fails a FIPS policy; a v3 binary runs on a v3
CPU model under qemu and stops cleanly on a v1 one."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from pants_harness import (
    WITH_FIXTURES,
    build_info,
    fresh_distdir,
    package,
    read_report,
    run_pants,
)

FIPSINFO = "src/go/cmd/fipsinfo"
RELDIR = "src.go.cmd.fipsinfo"
QEMU = shutil.which("qemu-x86_64-static") or "/usr/bin/qemu-x86_64-static"


@pytest.fixture(scope="module")
def dist() -> Path:
    dist = fresh_distdir()
    result = package(
        dist,
        f"{FIPSINFO}:fipsinfo",
        f"{FIPSINFO}:fipsinfo-v3",
        f"{FIPSINFO}:fipsinfo-boring",
        f"{FIPSINFO}:fipsinfo-image",
    )
    assert result.returncode == 0, result.stderr
    return dist


def test_fips_binary_build_info_report_sbom_and_provenance_agree(dist: Path) -> None:
    binary = dist / RELDIR / "fipsinfo"
    lines = [line.split("\t")[2] for line in build_info(binary) if line.startswith("\tbuild")]
    settings = dict(line.split("=", 1) for line in lines)
    assert settings["GOFIPS140"] == "v1.0.0-c2097c7c"
    assert "fips140=on" in settings["DefaultGODEBUG"].split(",")
    module = "go-fips140 v1.0.0-c2097c7c"
    report = read_report(dist, f"{RELDIR}/fipsinfo")
    assert (report["fips"], report["verdict"]) == (module, "pass")
    assert any(d["setting"] == "GOFIPS140" and d["value"] == "v1.0.0" for d in report["decisions"])
    sbom = json.loads((dist / RELDIR / "fipsinfo.cdx.json").read_text())
    props = {p["name"]: p["value"] for p in sbom["metadata"]["component"]["properties"]}
    assert props["go-static:fips:module"] == module
    assert props["go-static:go:build:GOFIPS140"] == settings["GOFIPS140"]
    statement = json.loads((dist / RELDIR / "fipsinfo.intoto.json").read_text())
    internal = statement["predicate"]["buildDefinition"]["internalParameters"]
    assert (internal["fips"], internal["env"]["GOFIPS140"]) == (module, "v1.0.0")
    run = subprocess.run([binary], capture_output=True, text=True, timeout=60, check=True)
    assert run.stdout.endswith("fips140=true\n")
    assert read_report(dist, f"{RELDIR}/fipsinfo-v3")["fips"] == "off"


def test_explain_names_the_fips_module() -> None:
    result = run_pants("go-static-explain", f"{FIPSINFO}:fipsinfo")
    assert result.returncode == 0, result.stderr
    assert "FIPS module go-fips140 v1.0.0-c2097c7c" in result.stdout
    assert "GOFIPS140" in result.stdout and "pure Go" in result.stdout


def test_a_non_fips_binary_fails_a_fips_policy() -> None:
    result = run_pants(f"--go-static-require-fips=['{FIPSINFO}:*']", "check", f"{FIPSINFO}:")
    assert result.returncode == 1
    err = result.stderr
    assert f"{FIPSINFO}:fipsinfo-v3: builds no FIPS 140 module" in err
    assert "Policy: [go-static].require_fips, set in the command line" in err
    assert 'set fips="latest" on the target' in err
    assert f"{FIPSINFO}:fipsinfo: builds no FIPS" not in err  # the FIPS one passes
    assert "Traceback" not in err


def test_explain_gives_the_cpu_level_and_its_reason() -> None:
    result = run_pants("go-static-explain", f"{FIPSINFO}:fipsinfo-v3")
    assert result.returncode == 0, result.stderr
    assert "GOAMD64" in result.stdout and "goamd64=v3" in result.stdout


def test_contradictions_fail_up_front_all_at_once() -> None:
    dist = fresh_distdir()
    target = "tests/fixtures/go:fips-cpu-contradictions"
    result = package(dist, target)
    assert result.returncode == 1
    err = result.stderr
    assert 'fips="boringcrypto" needs cgo, but libc="none".' in err
    assert 'goarm64="v8.1" on a goarch="amd64" target.' in err
    assert 'Set libc="musl" (or "auto"), or fips="latest"' in err
    assert 'Remove goarm64, or set goarch="arm64".' in err
    assert "Traceback" not in err and "Building" not in err


@pytest.mark.skipif(not Path(QEMU).exists(), reason="qemu-user-static is not installed")
def test_v3_binary_runs_on_haswell_and_stops_cleanly_on_qemu64(dist: Path) -> None:
    binary = str(dist / RELDIR / "fipsinfo-v3")
    assert read_report(dist, f"{RELDIR}/fipsinfo-v3")["cpu_level"] == "v3"
    ok = subprocess.run([QEMU, "-cpu", "Haswell", binary], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.startswith("fipsinfo: sha256=")
    old = subprocess.run([QEMU, "-cpu", "qemu64", binary], capture_output=True, text=True)
    assert old.returncode == 1 and old.stdout == ""
    assert (
        "This program can only be run on AMD64 processors with v3 microarchitecture support."
        in old.stderr
    )


def test_smoke_tests_under_qemu_cpu_models() -> None:
    result = run_pants(
        "test", f"{FIPSINFO}:fipsinfo-v3-smoke-haswell", f"{FIPSINFO}:fipsinfo-v3-smoke-qemu64"
    )
    assert result.returncode == 0, result.stderr
    assert "✓ src/go/cmd/fipsinfo:fipsinfo-v3-smoke-qemu64 succeeded" in result.stderr


def test_a_v3_binary_on_a_v1_cpu_fails_its_smoke_test_saying_why() -> None:
    target = "tests/fixtures/go:runinfo-v3-on-qemu64"
    result = run_pants(WITH_FIXTURES, "test", "--force", target)
    assert result.returncode == 1
    out = result.stderr + result.stdout
    assert "it exited 1, expected 0" in out
    assert "the CPU (qemu -cpu qemu64) lacks the level the binary was built for" in out
    assert "v3 microarchitecture support" in out and "build with a lower goamd64" in out
    assert "Traceback" not in out


def test_boringcrypto_links_statically_with_musl(dist: Path) -> None:
    report = read_report(dist, f"{RELDIR}/fipsinfo-boring")
    assert (report["fips"], report["libc_detected"], report["linkage"]) == (
        "boringcrypto",
        "musl",
        "static",
    )
    assert report["verdict"] == "pass"
    sbom = json.loads((dist / RELDIR / "fipsinfo-boring.cdx.json").read_text())
    props = {p["name"]: p["value"] for p in sbom["metadata"]["component"]["properties"]}
    assert props["go-static:go:build:GOEXPERIMENT"] == "boringcrypto"
    assert props["go-static:fips:module"] == "boringcrypto"


def test_boringcrypto_with_glibc_is_refused_up_front() -> None:
    result = package(fresh_distdir(), "tests/fixtures/go:boring-glibc")
    assert result.returncode == 1
    assert 'fips="boringcrypto" with libc="glibc" cannot be static.' in result.stderr
    assert "getaddrinfo" in result.stderr and 'Set libc="musl"' in result.stderr
    assert "Traceback" not in result.stderr


def test_the_image_index_records_the_cpu_level_as_the_platform_variant(dist: Path) -> None:
    layout = dist / RELDIR / "fipsinfo-image.oci"
    (top,) = json.loads((layout / "index.json").read_text())["manifests"]
    index = json.loads((layout / "blobs" / "sha256" / top["digest"].split(":")[1]).read_text())
    assert [m["platform"] for m in index["manifests"]] == [
        {"architecture": "amd64", "os": "linux"},
        {"architecture": "amd64", "os": "linux", "variant": "v3"},
    ]
    if shutil.which("skopeo"):
        raw = subprocess.run(
            ["skopeo", "inspect", "--override-variant", "v3", f"oci:{layout}:latest"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert raw.returncode == 0, raw.stderr
