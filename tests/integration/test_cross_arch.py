"""Tier 3: arm64 and riscv64 binaries, and `pants test` of go_static_smoke_test in an empty root."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from elftools.elf.elffile import ELFFile

from pants_harness import WITH_FIXTURES, package, read_report, run_pants

# output path -> (e_machine, GOARCH, qemu-user binary, first stdout line, libc, linkage)
FOREIGN = {
    "src.go.cmd.hello/hello-cross@goarch=arm64": (
        "EM_AARCH64", "arm64", "qemu-aarch64-static", "hello: pure Go, version 1.2.3", "none",
        "static",
    ),
    "src.go.cmd.hello/hello-cross@goarch=riscv64": (
        "EM_RISCV", "riscv64", "qemu-riscv64-static", "hello: pure Go, version 1.2.3", "none",
        "static",
    ),
    "src.go/cgocalc-musl-arm64": (
        "EM_AARCH64", "arm64", "qemu-aarch64-static", "cgocalc: 6*7=42 computed in C", "musl",
        "static",
    ),
    "src.go/cgocalc-pie-arm64": (
        "EM_AARCH64", "arm64", "qemu-aarch64-static", "cgocalc: 6*7=42 computed in C", "musl",
        "static-pie",
    ),
}  # fmt: skip


def test_foreign_samples_are_static_binaries_for_their_arch(packaged: Path) -> None:
    for relpath, (machine, goarch, qemu, line, libc, linkage) in FOREIGN.items():
        binary = packaged / relpath
        with binary.open("rb") as f:
            elf = ELFFile(f)
            assert elf["e_machine"] == machine, relpath
            assert not [s for s in elf.iter_segments() if s["p_type"] in ("PT_INTERP",)]
            assert elf["e_type"] == ("ET_DYN" if linkage == "static-pie" else "ET_EXEC")
        report = read_report(packaged, relpath)
        assert (report["machine"], report["goarch"], report["verdict"]) == (machine, goarch, "pass")
        assert (report["libc"], report["libc_detected"], report["linkage"]) == (libc, libc, linkage)
        assert report["needed"] == [] and report["interpreter"] is None
        decisions = {d["setting"]: d for d in report["decisions"]}
        assert decisions["GOARCH"]["value"] == goarch
        assert decisions["GOARCH"]["decided_by"] == "field goarch"
        # binfmt_misc is not mounted here: qemu-user runs the binary explicitly.
        run = subprocess.run(
            [f"/usr/bin/{qemu}", str(binary)], capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.splitlines()[0] == line


def test_file_says_arm_aarch64(packaged: Path) -> None:
    out = subprocess.run(
        ["file", "-b", str(packaged / "src.go/cgocalc-musl-arm64")], capture_output=True, text=True
    ).stdout
    assert "ARM aarch64" in out and "statically linked" in out


def test_pants_test_runs_every_smoke_test_in_an_empty_root() -> None:
    listed = run_pants("list", "::").stdout.split()
    smoke = [a for a in listed if "smoke" in a.split(":")[1]]
    assert len(smoke) >= 14
    result = run_pants("test", "::")
    assert result.returncode == 0, result.stderr
    passed = re.findall(r"✓ (\S+) succeeded", result.stderr)
    assert sorted(passed) == sorted(smoke)
    # The arm64 and riscv64 ones ran under qemu-user.
    assert any("@binary=arm64" in a for a in passed) and any("riscv64" in a for a in passed)


def test_an_expectation_that_holds_only_on_the_host_fails() -> None:
    result = run_pants(WITH_FIXTURES, "test", "tests/fixtures/go:host-only")
    assert result.returncode != 0
    err = result.stderr
    assert "tests/fixtures/go:host-only: the smoke test failed: stdout does not match" in err
    assert "Command: /usr/bin/bwrap --unshare-all" in err and " /lookup" in err
    assert "Exit code: 0" in err and "stdout (tail):" in err and "stderr (tail):" in err
    assert "Expected: exit code 0 and stdout matching" in err
    # What the binary printed in there: no resolver, no /etc/passwd.
    assert "lookup localhost" in err and "user: Current requires cgo or $USER" in err
    assert "Traceback" not in err


def test_expected_exit_code_passes_and_is_cached() -> None:
    first = run_pants(WITH_FIXTURES, "test", "tests/fixtures/go:exits-3")
    assert first.returncode == 0, first.stderr
    second = run_pants(WITH_FIXTURES, "test", "tests/fixtures/go:exits-3")
    assert second.returncode == 0
    assert re.search(
        r"✓ tests/fixtures/go:exits-3 succeeded .*\((memoized|cached locally)\)", second.stderr
    )


def test_timeout_and_unchecked_binary_fail_with_the_reason() -> None:
    result = run_pants(
        WITH_FIXTURES, "test", "tests/fixtures/go:times-out", "tests/fixtures/go:unchecked"
    )
    assert result.returncode != 0
    timed_out = "tests/fixtures/go:times-out: the smoke test failed: it was still running after"
    assert f"{timed_out} the 2 s timeout" in result.stderr
    # A binary that fails the post-link check never runs; the check's own message says why.
    assert "tests/fixtures/go:nss-glibc: the post-link static check failed" in result.stderr
    assert "tests/fixtures/go:unchecked: not run." in result.stderr


def test_missing_bwrap_names_the_package() -> None:
    result = run_pants(
        WITH_FIXTURES,
        "--go-static-smoke-search-path=['/nonexistent']",
        "test",
        "tests/fixtures/go:exits-3",
    )
    assert result.returncode != 0
    assert (
        "`bwrap` was not found in ['/nonexistent'] ([go-static-smoke].search_path)" in result.stderr
    )
    assert "Fix: apt-get install bubblewrap (Debian)" in result.stderr
    assert "Traceback" not in result.stderr


def test_glibc_for_arm64_uses_the_debian_cross_compiler(distdir: Path) -> None:
    result = run_pants(WITH_FIXTURES, "test", "tests/fixtures/go:cgo-glibc-arm64-smoke")
    assert result.returncode == 0, result.stderr
    packaged = package(distdir, "tests/fixtures/go:cgo-glibc-arm64")
    assert packaged.returncode == 0, packaged.stderr
    report = read_report(distdir, "tests.fixtures.go/cgo-glibc-arm64")
    assert (report["machine"], report["libc_detected"], report["linkage"]) == (
        "EM_AARCH64",
        "glibc",
        "static",
    )
    cc = next(d for d in report["decisions"] if d["setting"] == "CC")
    assert (
        cc["value"] == "aarch64-linux-gnu-gcc"
        and cc["decided_by"] == "option [go-static].glibc_cross_cc + goarch"
    )


def test_missing_cross_compiler_fails_before_compiling_and_names_the_packages() -> None:
    result = run_pants(
        WITH_FIXTURES,
        "--go-static-glibc-cross-cc=/nonexistent/{triple}-gcc",
        "package",
        "tests/fixtures/go:cgo-glibc-arm64",
    )
    assert result.returncode != 0
    err = result.stderr
    assert (
        "tests/fixtures/go:cgo-glibc-arm64: The C compiler '/nonexistent/aarch64-linux-gnu-gcc'"
        in err
    )
    assert "gcc-aarch64-linux-gnu and libc6-dev-arm64-cross" in err
    assert 'set libc="musl"' in err
    assert "Building tests/fixtures/go:cgo-glibc-arm64" not in err


def test_glibc_static_pie_for_riscv64_is_rejected_up_front(distdir: Path) -> None:
    result = package(distdir, "tests/fixtures/go:glibc-pie-riscv64")
    assert result.returncode != 0
    assert (
        'static_pie=True with libc="glibc" cannot be linked for goarch="riscv64"' in result.stderr
    )
    assert "rcrt1.o" in result.stderr and 'Set libc="musl"' in result.stderr
    assert "Building tests/fixtures/go:glibc-pie-riscv64" not in result.stderr


def test_nss_is_caught_on_arm64_too(distdir: Path) -> None:
    result = package(distdir, "tests/fixtures/go:nss-glibc-arm64")
    assert result.returncode != 0
    assert "nss-warning:" in result.stderr and "Using 'getpwnam'" in result.stderr
    assert not any(distdir.rglob("*nss-glibc-arm64*"))


def test_parametrized_goarch_output_paths(distdir: Path) -> None:
    same = package(distdir, "tests/fixtures/go:same-path")
    assert same.returncode != 0
    assert "output_path='bin/sleeper' is the same for every goarch" in same.stderr
    assert "Put {goarch} in it" in same.stderr and "Traceback" not in same.stderr
    per_arch = package(distdir, "tests/fixtures/go:per-arch-path")
    assert per_arch.returncode == 0, per_arch.stderr
    for goarch, machine in (("amd64", "EM_X86_64"), ("arm64", "EM_AARCH64")):
        with (distdir / f"bin/sleeper-{goarch}").open("rb") as f:
            assert ELFFile(f)["e_machine"] == machine


def test_a_pure_go_only_arch_builds_checks_and_runs_under_qemu(distdir: Path) -> None:
    result = run_pants(WITH_FIXTURES, "test", "tests/fixtures/go:ppc64le-exits-3")
    assert result.returncode == 0, result.stderr
    built = package(distdir, "tests/fixtures/go:sleeper-ppc64le")
    assert built.returncode == 0, built.stderr
    report = read_report(distdir, "tests.fixtures.go/sleeper-ppc64le")
    assert (report["machine"], report["goarch"], report["libc"]) == ("EM_PPC64", "ppc64le", "none")
    assert report["verdict"] == "pass"
