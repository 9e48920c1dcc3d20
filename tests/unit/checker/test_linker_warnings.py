"""glibc's static-link NSS and dlopen warnings: classified from link logs and found in ELFs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from elf_lab import GO_EXPECT, NETGO, Binaries, codes, facts
from go_static.core.checker.elf import elf_facts
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.libc import DLOPEN_FUNCTIONS, NSS_FUNCTIONS
from go_static.core.checker.linker_output import classify, parse_link_warnings
from go_static.core.checker.verdict import evaluate


def test_go_glibc_link_warnings_are_nss(bins: Binaries) -> None:
    built = bins.get("go_glibc_nss")
    warnings = parse_link_warnings(built.log)
    symbols = {w.symbol for w in warnings}
    assert {"getaddrinfo", "getpwuid_r", "getpwnam_r", "getgrgid_r", "getgrouplist"} <= symbols
    assert all(w.kind == "nss" and f"Using '{w.symbol}'" in w.line for w in warnings)
    assert parse_link_warnings(built.log + "\n" + built.log) == warnings  # deduplicated by symbol


def test_gcc_getpwnam_and_dlopen_warnings(bins: Binaries) -> None:
    (pw,) = parse_link_warnings(bins.get("c_getpwnam_glibc").log)
    assert (pw.symbol, pw.kind) == ("getpwnam", "nss") and "warning: Using 'getpwnam'" in pw.line
    (dl,) = parse_link_warnings(bins.get("c_dlopen_glibc").log)
    assert (dl.symbol, dl.kind) == ("dlopen", "dlopen")


def test_brief_example_log_and_classes() -> None:
    log = (
        "/usr/bin/ld: /tmp/go-link-783375029/000025.o: in function `mygetgrouplist':\n"
        "/_/GOROOT/src/os/user/getgrouplist_unix.go:15: warning: Using 'getgrouplist' in "
        "statically linked applications requires at runtime the shared libraries from the glibc "
        "version used for linking\n"
        "/tmp/go-build/cgo_unix_cgo.cgo2.c:60: warning: Using 'getaddrinfo' in statically linked "
        "applications requires at runtime the shared libraries from the glibc version used for "
        "linking\n"
    )
    assert [(w.symbol, w.kind) for w in parse_link_warnings(log)] == [
        ("getgrouplist", "nss"),
        ("getaddrinfo", "nss"),
    ]
    assert parse_link_warnings("warning: the `gets' function is dangerous") == ()
    assert [classify(s) for s in ("gethostbyname2_r", "getspnam", "dlmopen", "frobnicate")] == [
        "nss",
        "nss",
        "dlopen",
        "other",
    ]


def test_every_glibc_static_link_warning_is_classified() -> None:
    libc_a = subprocess.run(
        ["gcc", "-print-file-name=libc.a"], capture_output=True, text=True
    ).stdout.strip()
    if not Path(libc_a).is_absolute() or not Path(libc_a).exists():
        pytest.skip("no static glibc (libc.a) on this machine")
    warned = set(re.findall(rb"Using '(\w+)' in statically linked", Path(libc_a).read_bytes()))
    assert len(warned) > 70  # glibc 2.36: 79 NSS functions + dlopen, dlmopen
    assert {w.decode() for w in warned} <= NSS_FUNCTIONS | frozenset(DLOPEN_FUNCTIONS)


# --- NSS and dlopen policy


def test_nss_warning_from_link_log(bins: Binaries) -> None:
    built = bins.get("go_glibc_nss")
    result = evaluate(elf_facts(built.path), Expectation(libc="glibc"), built.log)
    assert set(codes(result)) == {"nss-warning"} and len(result.violations) >= 5
    v = result.violations[0]
    assert "libnss_" in v.why and 'resolver="go"' in v.fix and "statically linked" in v.evidence


def test_nss_fix_depends_on_who_calls_it(bins: Binaries) -> None:
    # std's resolver (net, os/user) -> resolver="go"; the project's own C code -> libc="musl".
    std = evaluate(
        facts(bins, "go_glibc_nss"), Expectation(libc="glibc"), bins.get("go_glibc_nss").log
    )
    assert all(v.fix.startswith('resolver="go"') for v in std.violations)
    own = evaluate(
        facts(bins, "c_getpwnam_glibc"), Expectation(libc="glibc"), bins.get("c_getpwnam_glibc").log
    )
    (v,) = own.violations
    assert (
        v.code == "nss-warning"
        and v.fix == 'libc="musl" (musl has no NSS), or stop calling getpwnam from your C code'
    )


def test_dlopen_referenced_means_the_program_not_glibcs_own_copy(bins: Binaries) -> None:
    clean = bins.get("go_glibc_netgo")
    assert elf_facts(clean.path).dlopen_referenced  # libc.a always brings dlopen along...
    assert not evaluate(
        elf_facts(clean.path), Expectation(libc="glibc"), clean.log
    ).dlopen_referenced
    calls = bins.get("c_dlopen_glibc")
    assert evaluate(elf_facts(calls.path), Expectation(libc="glibc"), calls.log).dlopen_referenced


def test_nss_found_in_elf_without_a_link_log(bins: Binaries) -> None:
    f = facts(bins, "c_getpwnam_glibc")
    assert f.nss_evidence == "symbols getpwnam, getpwnam_r (glibc NSS)"
    result = evaluate(f)
    assert codes(result) == ["nss-symbol"]
    assert any("relied on link warnings" in n and "no link log" in n for n in result.notes)
    stripped = facts(bins, "go_glibc_stripped")
    assert stripped.nss_evidence.startswith('string "libnss_"')
    assert codes(evaluate(stripped)) == ["nss-symbol"]


def test_static_glibc_netgo_passes_and_says_what_it_relied_on(bins: Binaries) -> None:
    built = bins.get("go_glibc_netgo")
    f = elf_facts(built.path)
    assert f.nss_evidence == "" and parse_link_warnings(built.log) == ()
    assert f.dlopen_referenced  # static glibc always carries its own dlopen ...
    result = evaluate(
        f, Expectation(libc="glibc", cgo_enabled=True, tags=NETGO, **GO_EXPECT), built.log
    )
    assert result.passed, result.violations  # ... so only the link warning counts
    assert any("static glibc always links its own dlopen" in n for n in result.notes)


def test_glibc_dlopen_warning_and_allow_dlopen(bins: Binaries) -> None:
    built = bins.get("c_dlopen_glibc")
    f = elf_facts(built.path)
    assert codes(evaluate(f, link_log=built.log)) == ["dlopen-warning"]
    allowed = evaluate(f, Expectation(allow_dlopen=True), built.log)
    assert allowed.passed and any("allow_dlopen=True" in n for n in allowed.notes)
