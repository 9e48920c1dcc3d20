"""Which C library a real binary carries, layer by layer, and its dlopen evidence."""

from __future__ import annotations

import dataclasses

import pytest

from elf_lab import Binaries, codes, facts, layers_stripped
from go_static.core.checker import libc as libc_mod
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.verdict import evaluate

# --- libc detection, layer by layer


@pytest.mark.parametrize(
    "name, libc, evidence",
    [
        ("go_none", "none", "CGO_ENABLED=0"),
        ("go_none_ldflags", "none", "CGO_ENABLED=0"),
        ("go_musl", "musl", "symbol __init_libc"),
        ("go_musl_pie", "musl", "symbol __init_libc"),
        ("go_musl_stripped", "musl", "entry point code is musl's x86_64 _start"),
        ("c_hello_musl_stripped", "musl", "entry point code is musl's x86_64 _start"),
        ("go_glibc_netgo", "glibc", "symbol __libc_start_call_main"),
        ("c_pie_glibc", "glibc", "symbol __libc_start_call_main"),
        ("go_glibc_stripped", "glibc", "note .note.ABI-tag"),
        ("c_hello_glibc_stripped", "glibc", "note .note.ABI-tag"),
    ],
)
def test_libc_detected_with_evidence(bins: Binaries, name: str, libc: str, evidence: str) -> None:
    f = facts(bins, name)
    assert f.linkage in ("static", "static-pie")
    assert f.libc_detected == libc and evidence in f.libc_evidence
    assert f.stripped == ("stripped" in name or name == "go_none_ldflags")


@pytest.mark.parametrize(
    "name, libc, evidence",
    [
        (
            "go_musl_stripped",
            "musl",
            'string "No error information"',
        ),  # cgo's runtime uses strerror
        ("c_hello_glibc_stripped", "glibc", 'string "GLIBC_TUNABLES"'),
        ("go_glibc_stripped", "glibc", 'string "GLIBC_TUNABLES"'),
        # A puts-only musl program links no strerror table: musl leaves no string to go by, and the
        # checker says "unknown" rather than guess.
        ("c_hello_musl_stripped", "unknown", "no decisive C-library marker"),
    ],
)
def test_string_layer_alone(bins: Binaries, name: str, libc: str, evidence: str) -> None:
    # Without symbols, notes or x86_64 start code (e.g. a stripped aarch64 binary) strings decide.
    got = libc_mod.detect_libc(**layers_stripped(bins.get(name).path))
    assert got[0] == libc and got[1].startswith(evidence)


def test_entry_code_layer_alone_agrees_for_glibc(bins: Binaries) -> None:
    f = facts(bins, "c_hello_glibc_stripped")
    assert f.libc_evidence.startswith("note")  # the note wins first; without it, _start decides
    data = bins.get("c_hello_glibc_stripped").path.read_bytes()
    text = data.find(bytes.fromhex("31ed4989d15e4889e24883e4f0"))
    layers = layers_stripped(bins.get("c_hello_glibc_stripped").path)
    layers.update(machine="EM_X86_64", entry_code=data[text : text + 32])
    assert libc_mod.detect_libc(**layers) == ("glibc", "entry point code is glibc's x86_64 _start")


def test_go_binary_without_markers_or_comment_is_none(bins: Binaries) -> None:
    layers = layers_stripped(bins.get("go_none").path)
    layers.update(
        build_info=dataclasses.replace(layers["build_info"], settings=()), has_comment=False
    )
    assert libc_mod.detect_libc(**layers)[0] == "none"
    layers.update(build_info=None)  # not Go, no markers at all: say so rather than guess
    assert libc_mod.detect_libc(**layers)[0] == "unknown"


# --- glibc link warnings


def test_musl_dlopen_symbol(bins: Binaries) -> None:
    f = facts(bins, "c_dlopen_musl")
    assert f.dlopen_referenced and f.dlopen_evidence == "symbol dlopen"
    (v,) = evaluate(f).violations
    assert v.code == "dlopen-symbol" and "Dynamic loading not supported" in v.why
    assert "allow_dlopen=True" in v.fix
    assert evaluate(f, Expectation(allow_dlopen=True)).passed
    assert not facts(bins, "go_musl").dlopen_referenced


def test_stripped_musl_dlopen_found_by_string(bins: Binaries) -> None:
    f = facts(bins, "c_dlopen_musl_stripped")
    assert f.stripped and f.dlopen_evidence.startswith('string "Dynamic loading not supported"')
    assert codes(evaluate(f)) == ["dlopen-symbol"]


def test_stripped_binary_is_not_claimed_clean(bins: Binaries) -> None:
    f = facts(bins, "c_hello_musl_stripped")
    assert f.stripped and not f.dlopen_referenced
    result = evaluate(f)
    assert result.passed
    assert any(n.startswith("stripped (no .symtab)") and "no link log" in n for n in result.notes)
