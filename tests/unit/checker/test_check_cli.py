"""`python -m go_static.check`: exit codes, human and JSON output, and no Pants needed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from elf_lab import REPO, Binaries
from go_static.check import main
from go_static.core.checker.elf import elf_facts
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.report import SCHEMA, BuildContext, binary_report
from go_static.core.checker.verdict import evaluate

REPORT_KEYS = {
    "schema",
    "output",
    "sha256",
    "size",
    "goos",
    "goarch",
    "go_version",
    "cgo_enabled",
    "build_tags",
    "buildinfo_ldflags",
    "go_build_ldflags",
    "buildmode",
    "static_pie",
    "interpreter",
    "needed",
    "libc_detected",
    "link_warnings",
    "dlopen_referenced",
    "verdict",
    "violations",
    "notes",
    "target",
    "scenario",
    "libc",
    "linkmode",
    "decisions",
    "go_env",
}


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def run_module(*argv: str, pre: str = "") -> subprocess.CompletedProcess:
    """The real `python -m go_static.check`, from the repo root with PYTHONPATH=pants-plugins."""
    env = {**os.environ, "PYTHONPATH": "pants-plugins"}
    code = pre + (
        "import runpy, sys; sys.argv[0] = 'check'; runpy.run_module('go_static.check', "
        "run_name='__main__')"
    )
    args = ["-m", "go_static.check"] if not pre else ["-c", code]
    return subprocess.run(
        [sys.executable, *args, *argv], cwd=REPO, env=env, capture_output=True, text=True
    )


def test_bin_ls_fails_naming_interpreter_and_libc() -> None:
    if not Path("/lib64/ld-linux-x86-64.so.2").exists():
        pytest.skip("not an x86_64 glibc host")
    proc = run_module("/bin/ls")
    assert proc.returncode == 1
    assert "interpreter: PT_INTERP /lib64/ld-linux-x86-64.so.2" in proc.stdout
    assert "needed: DT_NEEDED libc.so.6" in proc.stdout and proc.stdout.startswith(
        "FAIL /bin/ls: dynamic, glibc"
    )
    proc = run_module("/bin/ls", "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and REPORT_KEYS <= set(report)
    assert (
        report["interpreter"] == "/lib64/ld-linux-x86-64.so.2" and "libc.so.6" in report["needed"]
    )
    assert report["verdict"] == "fail" and {"interpreter", "needed"} <= {
        v["code"] for v in report["violations"]
    }
    assert all(set(v) == {"code", "evidence", "why", "fix"} for v in report["violations"])


def test_runs_without_pants_installed(bins: Binaries) -> None:
    # Make `import pants` fail, as on a machine with only pyelftools.
    block = (
        "import sys\n"
        "class _NoPants:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pants' or name.startswith('pants.'):\n"
        "            raise ImportError('pants is not installed')\n"
        "sys.meta_path.insert(0, _NoPants())\n"
    )
    proc = run_module(str(bins.get("go_musl").path), "--expect-libc", "musl", pre=block)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("PASS ") and ": static, musl, " in proc.stdout
    probe = (
        "import sys, go_static.check; print(sorted(m for m in sys.modules if m.split('.')[0] == "
        "'pants'))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": "pants-plugins"},
    )
    assert loaded.stdout.strip() == "[]", loaded.stderr


def test_static_musl_passes_with_full_report(
    bins: Binaries, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(bins.get("go_musl").path)
    code, report = run_json(capsys, path, "--expect-libc", "musl")
    assert code == 0 and REPORT_KEYS <= set(report)
    assert report["verdict"] == "pass" and report["violations"] == []
    assert (report["libc_detected"], report["interpreter"], report["needed"]) == ("musl", None, [])
    go = (report["goos"], report["goarch"], report["cgo_enabled"], report["buildmode"])
    assert go == ("linux", "amd64", True, "exe")
    assert (
        report["build_tags"] == ["netgo", "osusergo"] and report["buildinfo_ldflags"] is None
    )  # -trimpath
    assert report["schema"] == SCHEMA and report["target"] is None  # no build context from the CLI
    assert report["go_build_ldflags"] is None and report["decisions"] == []
    assert report["go_version"].startswith("go1.") and len(report["sha256"]) == 64
    assert report["size"] == Path(path).stat().st_size and report["summary"].startswith(
        "static, musl, "
    )


def test_expect_libc_mismatch_fails(bins: Binaries, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, str(bins.get("go_musl").path), "--expect-libc", "glibc")
    assert code == 1 and [v["code"] for v in report["violations"]] == ["libc-mismatch"]


def test_link_log_nss_warnings(
    bins: Binaries, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    built = bins.get("go_glibc_nss")
    log = tmp_path / "link.log"
    log.write_text(built.log)
    code, report = run_json(capsys, str(built.path), "--link-log", str(log))
    assert code == 1
    assert {"symbol": "getaddrinfo", "class": "nss"} in [
        {k: w[k] for k in ("symbol", "class")} for w in report["link_warnings"]
    ]
    assert {v["code"] for v in report["violations"]} == {"nss-warning"}
    code = main([str(built.path), "--link-log", str(log)])
    human = capsys.readouterr().out.splitlines()
    assert code == 1 and human[0].startswith(f"FAIL {built.path}: static, glibc, ")
    assert any(
        line.startswith("  nss-warning: ") and 'Fix: resolver="go"' in line for line in human
    )


def test_allow_dlopen_and_static_pie_flags(
    bins: Binaries, capsys: pytest.CaptureFixture[str]
) -> None:
    dl = str(bins.get("c_dlopen_musl").path)
    assert main([dl]) == 1 and "dlopen-symbol: symbol dlopen" in capsys.readouterr().out
    assert main([dl, "--allow-dlopen"]) == 0 and capsys.readouterr().out.startswith("PASS ")
    pie = str(bins.get("c_pie_glibc").path)
    code, report = run_json(capsys, pie)
    assert code == 1 and [v["code"] for v in report["violations"]] == ["dynamic-not-pie"]
    code, report = run_json(capsys, pie, "--static-pie")
    assert code == 0 and report["static_pie"] is True and report["linkage"] == "static-pie"


def test_stripped_binary_reports_notes(bins: Binaries, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = run_json(capsys, str(bins.get("c_hello_musl_stripped").path))
    assert code == 0 and report["stripped"] is True
    assert any("relied on link warnings" in n for n in report["notes"])


def test_unusable_inputs_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\n")
    assert main([str(tmp_path / "missing")]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    assert main([str(script)]) == 2 and "not an ELF file" in capsys.readouterr().err
    code, report = run_json(capsys, str(script))
    assert code == 2 and report["verdict"] == "error" and "not an ELF" in report["error"]
    proc = run_module(str(script))
    assert proc.returncode == 2 and "not an ELF file" in proc.stderr and proc.stdout == ""
    assert main(["/bin/sh", "--link-log", str(tmp_path / "nolog")]) == 2
    assert "cannot read link log" in capsys.readouterr().err


def test_one_report_schema_for_the_cli_and_the_rule(bins: Binaries) -> None:
    built = bins.get("go_glibc_netgo")
    facts = elf_facts(built.path)
    result = evaluate(facts, Expectation(libc="glibc"), built.log)
    context = BuildContext(
        target="src/go:app",
        scenario=5,
        libc="glibc",
        linkmode="external",
        cgo_packages=("c",),
        max_size=None,
        go_build_ldflags=("-linkmode=external", "-extldflags=-static"),
        go_env={"passed": [], "ignored": []},
        decisions=({"setting": "libc", "value": "glibc", "reason": "r", "decided_by": "d"},),
    )
    report = binary_report(result, "dist/app", context)
    assert (
        set(report)
        == set(binary_report(result, "dist/app"))
        == REPORT_KEYS
        | {
            "summary",
            "elf_type",
            "machine",
            "libc_evidence",
            "cgo_packages",
            "stripped",
            "dlopen_evidence",
            "nss_evidence",
            "max_size",
            "linkage",
            "host_path_count",
            "host_paths",
            "x_defs",
            "sbom",
            "go_work",
            "pgo",
            "vcs",
            "fips",
            "cpu_level",
        }
    )
    assert report["output"] == "dist/app"
    assert (report["target"], report["scenario"], report["libc"], report["linkmode"]) == (
        "src/go:app",
        5,
        "glibc",
        "external",
    )
    # Two meanings, two keys: what build info recorded (nothing, under -trimpath) and what go
    # build was given.
    assert report["buildinfo_ldflags"] is None
    assert report["go_build_ldflags"] == ["-linkmode=external", "-extldflags=-static"]
    assert json.loads(json.dumps(report)) == report and report["verdict"] == "pass"


def test_expect_goarch_reads_foreign_elf(
    bins: Binaries, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(bins.get("arm64_musl").path)
    code, report = run_json(capsys, path, "--expect-goarch", "arm64", "--expect-libc", "musl")
    assert code == 0 and (report["machine"], report["goarch"]) == ("EM_AARCH64", "arm64")
    code, report = run_json(capsys, path, "--expect-goarch", "amd64")
    assert code == 1
    assert [v["code"] for v in report["violations"]] == ["buildinfo-mismatch", "machine-mismatch"]
    # Any ELF has a machine: a C program is judged on it without needing Go build info.
    assert main([str(bins.get("arm64_c_dynamic").path), "--expect-goarch", "arm64"]) == 1
    out = capsys.readouterr().out
    assert "machine-mismatch" not in out and "not-go" not in out and "interpreter:" in out
