"""arm64 and riscv64 binaries get the same verdicts as amd64 ones."""

from __future__ import annotations

import pytest

from elf_lab import Binaries, codes, facts, layers_stripped
from go_static.core.checker import libc as libc_mod
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.linker_output import parse_link_warnings
from go_static.core.checker.verdict import evaluate

# --- foreign arches: aarch64 and riscv64 get the same verdicts as x86_64

FOREIGN = {
    # name: (e_machine, linkage, libc, evidence starts with, violation codes with no expectation)
    "arm64_none": ("EM_AARCH64", "static", "none", "Go build info CGO_ENABLED=0", []),
    "arm64_musl": ("EM_AARCH64", "static", "musl", "symbol __init_libc", []),
    "arm64_musl_pie": (
        "EM_AARCH64",
        "static-pie",
        "musl",
        "symbol __init_libc",
        ["dynamic-not-pie"],
    ),
    "arm64_glibc_netgo": ("EM_AARCH64", "static", "glibc", "symbol __libc_start_call_main", []),
    "arm64_glibc_nss": ("EM_AARCH64", "static", "glibc", "symbol", ["nss-symbol"]),
    "arm64_c_dynamic": (
        "EM_AARCH64",
        "dynamic",
        "glibc",
        "PT_INTERP /lib/ld-linux-aarch64.so.1",
        ["interpreter", "needed"],
    ),
    "riscv64_none": ("EM_RISCV", "static", "none", "Go build info CGO_ENABLED=0", []),
    "riscv64_musl_pie": (
        "EM_RISCV",
        "static-pie",
        "musl",
        "symbol __init_libc",
        ["dynamic-not-pie"],
    ),
    "riscv64_glibc_nss": ("EM_RISCV", "static", "glibc", "symbol", ["nss-symbol"]),
    "riscv64_c_dynamic": (
        "EM_RISCV",
        "dynamic",
        "glibc",
        "PT_INTERP /lib/ld-linux-riscv64-lp64d.so.1",
        ["interpreter", "needed"],
    ),
    "riscv64_c_getpwnam": ("EM_RISCV", "static", "glibc", "symbol", ["nss-symbol"]),
}


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_foreign_arch_binaries_get_the_same_verdicts(bins: Binaries, name: str) -> None:
    machine, linkage, libc, evidence, expected_codes = FOREIGN[name]
    f = facts(bins, name)
    assert (f.machine, f.linkage, f.libc_detected) == (machine, linkage, libc)
    assert f.libc_evidence.startswith(evidence), f.libc_evidence
    assert codes(evaluate(f)) == expected_codes
    goarch = name.split("_")[0]
    if f.build_info is not None:
        assert f.build_info.get("GOARCH") == goarch
    # The mode's arch must match the ELF's machine: the right one passes that rule ...
    right = evaluate(f, Expectation(goarch=goarch, static_pie=linkage == "static-pie"))
    assert "machine-mismatch" not in codes(right)
    # ... and amd64 fails it, with e_machine as the evidence.
    wrong = evaluate(f, Expectation(goarch="amd64", static_pie=linkage == "static-pie"))
    mismatch = next(v for v in wrong.violations if v.code == "machine-mismatch")
    assert mismatch.evidence == f"e_machine {machine}"


def test_foreign_nss_evidence_names_the_function(bins: Binaries) -> None:
    f = facts(bins, "riscv64_c_getpwnam")
    assert f.nss_evidence.startswith("symbols getpwnam") and "(glibc NSS)" in f.nss_evidence
    warnings = parse_link_warnings(bins.get("riscv64_c_getpwnam").log)
    assert [(w.symbol, w.kind) for w in warnings] == [("getpwnam", "nss")]
    (v,) = evaluate(f, Expectation(goarch="riscv64"), bins.get("riscv64_c_getpwnam").log).violations
    assert v.code == "nss-warning" and v.evidence.startswith("getpwnam.c:")


def test_foreign_libc_is_decided_without_x86_64_start_code(bins: Binaries) -> None:
    # Symbols, the ABI note and strings decide; with the symbols and notes gone (as when
    # stripped), strings still tell musl and glibc apart on aarch64.
    for name, libc in (("arm64_musl", "musl"), ("arm64_glibc_netgo", "glibc")):
        layers = layers_stripped(bins.get(name).path)
        assert libc_mod.detect_libc(**layers)[0] == libc
