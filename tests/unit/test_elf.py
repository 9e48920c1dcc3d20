"""Post-link checker on REAL binaries (built per session by conftest.py) and on corrupt inputs."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import re
import struct
import subprocess
import uuid
from pathlib import Path

import pytest

from elf_lab import GO, Binaries, Lab, ToolMissing
from go_static import libc as libc_mod
from go_static.buildinfo import parse_buildinfo_blob
from go_static.elf import ElfFacts, elf_facts
from go_static.elf_header import ElfError
from go_static.expectation import Expectation, Verdict
from go_static.graph import GraphFacts
from go_static.intent import Intent
from go_static.libc import DLOPEN_FUNCTIONS, NSS_FUNCTIONS
from go_static.linker_output import classify, parse_link_warnings
from go_static.mode import resolve
from go_static.postlink import expectation_for
from go_static.verdict import evaluate

NETGO = ("netgo", "osusergo")
GO_EXPECT = dict(goos="linux", goarch="amd64", buildmode="exe")


def codes(result: Verdict | tuple) -> list[str]:
    vs = result.violations if isinstance(result, Verdict) else result
    return [v.code for v in vs]


def facts(bins: Binaries, name: str) -> ElfFacts:
    return elf_facts(bins.get(name).path)


def test_size_and_sha256(bins: Binaries) -> None:
    path = bins.get("go_none").path
    data = path.read_bytes()
    f = elf_facts(path)
    assert (f.size, f.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert elf_facts(data).sha256 == f.sha256  # bytes in, same facts
    assert elf_facts(path, sha256="ab" * 32).sha256 == "ab" * 32  # the Pants digest, no re-hash
    assert elf_facts(path, hash_file=False).sha256 == ""
    assert dataclasses.replace(elf_facts(path, hash_file=False), sha256=f.sha256) == f


# --- linkage: PT_INTERP, DT_NEEDED, static-pie


@pytest.mark.parametrize("name", ["c_dynamic", "go_dynamic"])
def test_dynamic_binaries_fail_naming_interpreter_and_libc(bins: Binaries, name: str) -> None:
    f = facts(bins, name)
    assert f.interpreter == "/lib64/ld-linux-x86-64.so.2"
    assert "libc.so.6" in f.needed and f.linkage == "dynamic" and not f.static_pie
    assert (f.libc_detected, f.libc_evidence) == ("glibc", "PT_INTERP /lib64/ld-linux-x86-64.so.2")
    vs = evaluate(f).violations
    assert codes(vs)[0] == "interpreter" and "DT_NEEDED libc.so.6" in [v.evidence for v in vs]
    assert all(v.why and v.fix for v in vs)


def test_static_pie_is_accepted_only_when_requested(bins: Binaries) -> None:
    f = facts(bins, "c_pie_glibc")
    assert (f.elf_type, f.linkage, f.static_pie, f.has_dynamic) == (
        "ET_DYN",
        "static-pie",
        True,
        True,
    )
    assert f.interpreter is None and f.needed == ()
    assert codes(evaluate(f)) == ["dynamic-not-pie"]
    assert evaluate(f, Expectation(static_pie=True, libc="glibc")).passed


def test_static_pie_requested_but_fixed_address(bins: Binaries) -> None:
    f = facts(bins, "go_musl")
    assert f.elf_type == "ET_EXEC" and not f.static_pie
    assert codes(evaluate(f, Expectation(static_pie=True))) == ["not-static-pie"]


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


def _layers(path: Path) -> dict:
    """detect_libc's inputs with layers 0-3 emptied (as for a stripped non-x86_64 binary)."""
    data = path.read_bytes()
    return dict(
        interp=None,
        needed=(),
        symbols=[],
        notes=[],
        entry_code=b"",
        machine="EM_AARCH64",
        data=data,
        build_info=elf_facts(data).build_info,
        has_comment=True,
    )


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
    got = libc_mod.detect_libc(**_layers(bins.get(name).path))
    assert got[0] == libc and got[1].startswith(evidence)


def test_entry_code_layer_alone_agrees_for_glibc(bins: Binaries) -> None:
    f = facts(bins, "c_hello_glibc_stripped")
    assert f.libc_evidence.startswith("note")  # the note wins first; without it, _start decides
    data = bins.get("c_hello_glibc_stripped").path.read_bytes()
    text = data.find(bytes.fromhex("31ed4989d15e4889e24883e4f0"))
    layers = _layers(bins.get("c_hello_glibc_stripped").path)
    layers.update(machine="EM_X86_64", entry_code=data[text : text + 32])
    assert libc_mod.detect_libc(**layers) == ("glibc", "entry point code is glibc's x86_64 _start")


def test_go_binary_without_markers_or_comment_is_none(bins: Binaries) -> None:
    layers = _layers(bins.get("go_none").path)
    layers.update(
        build_info=dataclasses.replace(layers["build_info"], settings=()), has_comment=False
    )
    assert libc_mod.detect_libc(**layers)[0] == "none"
    layers.update(build_info=None)  # not Go, no markers at all: say so rather than guess
    assert libc_mod.detect_libc(**layers)[0] == "unknown"


# --- glibc link warnings


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


# --- Go build info

GO_BINARIES = [
    "go_none",
    "go_none_ldflags",
    "go_musl",
    "go_musl_pie",
    "go_glibc_nss",
    "go_glibc_stripped",
    "go_dynamic",
]


@pytest.mark.parametrize("name", GO_BINARIES)
def test_build_info_matches_go_version_m(bins: Binaries, lab: Lab, name: str) -> None:
    path = bins.get(name).path
    out = subprocess.run(
        [str(GO), "version", "-m", str(path)],
        env=lab.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    bi = elf_facts(path).build_info
    assert bi is not None and out[0] == f"{path}: {bi.go_version}"
    assert list(bi.lines) == [line[1:] for line in out[1:]]
    assert bi.path == "example.com/goprog" and bi.get("GOOS") == "linux"


def test_build_info_settings(bins: Binaries) -> None:
    none, musl, pie = (facts(bins, n).build_info for n in ("go_none", "go_musl", "go_musl_pie"))
    assert (none.cgo_enabled, none.tags, none.buildmode, none.get("-trimpath")) == (
        False,
        NETGO,
        "exe",
        "true",
    )
    assert none.ldflags is None  # -trimpath drops -ldflags (golang/go#52372)
    assert (musl.cgo_enabled, musl.get("-compiler"), musl.get("GOARCH")) == (True, "gc", "amd64")
    assert pie.buildmode == "pie" and pie.get("-buildmode") == "pie"
    quoted = facts(bins, "go_none_ldflags").build_info
    assert quoted.ldflags == "-s -w -X 'main.greeting=hello world'"
    assert quoted.line("-ldflags") == "build\t-ldflags=\"-s -w -X 'main.greeting=hello world'\""
    assert facts(bins, "c_dynamic").build_info is None


def test_build_info_parser_edge_cases() -> None:
    blob = b"\xff Go buildinf:\x08\x02" + bytes(16)
    sentinel = bytes(range(16))
    mod = 'path\tx\nbuild\t"a=b"="v\\tq"\nbuild\tCGO_ENABLED=1\nbuild\tbad\n'
    body = sentinel + mod.encode() + sentinel
    bi = parse_buildinfo_blob(blob + bytes([6]) + b"go1.99" + bytes([len(body)]) + body)
    assert (bi.go_version, bi.path, bi.settings) == (
        "go1.99",
        "x",
        (("a=b", "v\tq"), ("CGO_ENABLED", "1")),
    )
    assert parse_buildinfo_blob(b"\xff Go buildinf:\x08\x00" + bytes(32)).settings == ()  # pre-1.18
    with pytest.raises(ValueError, match="runs past"):
        parse_buildinfo_blob(blob + bytes([100]) + b"go1")


def test_build_info_mismatches(bins: Binaries) -> None:
    f = facts(bins, "go_musl")
    good = Expectation(libc="musl", cgo_enabled=True, tags=NETGO, **GO_EXPECT)
    assert evaluate(f, good).passed
    cases = {
        "CGO_ENABLED": dataclasses.replace(good, cgo_enabled=False),
        "-tags": dataclasses.replace(good, tags=("netgo",)),
        "-buildmode": dataclasses.replace(good, buildmode="pie"),
    }
    for key, exp in cases.items():
        (v,) = evaluate(f, exp).violations
        assert v.code == "buildinfo-mismatch" and v.evidence.startswith(f"build\t{key}"), v
    # A foreign arch is wrong twice over: the build info and the ELF's machine both say amd64.
    info, machine = evaluate(f, dataclasses.replace(good, goarch="arm64")).violations
    assert info.code == "buildinfo-mismatch" and info.evidence.startswith("build\tGOARCH=amd64")
    assert (machine.code, machine.evidence) == ("machine-mismatch", "e_machine EM_X86_64")
    assert "builds for arm64 (EM_AARCH64)" in machine.why and "(amd64)" in machine.why
    assert evaluate(f, dataclasses.replace(good, tags=("osusergo", "netgo"))).passed


def test_ldflags_compared_only_when_recorded(bins: Binaries) -> None:
    trimmed = evaluate(facts(bins, "go_musl"), Expectation(ldflags=("-X", "main.v=1")))
    assert trimmed.passed and any("golang/go#52372" in n for n in trimmed.notes)
    f = facts(bins, "go_none_ldflags")
    same = Expectation(ldflags=("-s", "-w", "-X", "'main.greeting=hello world'"))
    assert evaluate(f, same).passed
    (v,) = evaluate(f, Expectation(ldflags=("-s",))).violations
    assert v.code == "buildinfo-mismatch" and v.evidence.startswith("build\t-ldflags=")


def test_not_go_and_libc_expectations(bins: Binaries) -> None:
    c = facts(bins, "c_hello_glibc_stripped")
    assert codes(evaluate(c, Expectation(cgo_enabled=True))) == ["not-go"]
    assert evaluate(c).passed  # plain CLI use: any static ELF may be checked
    musl = facts(bins, "go_musl")
    (v,) = evaluate(musl, Expectation(libc="glibc")).violations
    assert v.code == "libc-mismatch" and v.evidence == "musl: symbol __init_libc"
    unknown = dataclasses.replace(musl, libc_detected="unknown", libc_evidence="nothing")
    assert codes(evaluate(unknown, Expectation(libc="musl"))) == ["libc-unknown"]
    assert evaluate(unknown).passed  # no libc expected: unknown is only reported


# --- the resolved mode is what the checker expects


@pytest.mark.parametrize(
    "intent, cgo_graph",
    [
        (dict(libc="musl"), True),
        (dict(static_pie=True), True),
        (dict(), False),
    ],
)
def test_binary_built_from_a_mode_passes_from_mode(lab: Lab, intent: dict, cgo_graph: bool) -> None:
    graph = GraphFacts(
        main_package="example.com/goprog", cgo_packages=("example.com/goprog",) if cgo_graph else ()
    )
    mode = resolve(Intent(address="tests:goprog", **intent), graph)
    cc = lab.musl_cc if mode.libc == "musl" else "gcc" if mode.cgo_enabled else None
    name = "mode_" + ("_".join(f"{k}_{v}" for k, v in intent.items()) or "default")
    try:
        built = lab.go(
            name, cgo=mode.cgo_enabled, cc=cc, flags=("-trimpath", *mode.go_build_flags())
        )
    except ToolMissing as e:
        pytest.skip(str(e))
    exp = expectation_for(mode)
    assert (exp.libc, exp.tags, exp.ldflags) == (mode.libc, mode.tags, mode.ldflags)
    result = evaluate(elf_facts(built.path), exp, built.log)
    assert result.passed, result.violations
    assert result.summary_line().startswith(
        f"{'static-pie' if mode.static_pie else 'static'}, {mode.libc}, "
    )


# --- unusable input


def _elf32() -> bytes:
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    hdr = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x8048054, 52, 0, 0, 52, 32, 1, 40, 0, 0)
    return (
        hdr
        + struct.pack("<IIIIIIII", 1, 0, 0x8048000, 0x8048000, 0x60, 0x60, 5, 0x1000)
        + b"\xc3" * 12
    )


def _elf64_big_endian() -> bytes:
    ident = b"\x7fELF" + bytes([2, 2, 1]) + bytes(9)
    return (
        ident
        + struct.pack(">HHIQQQIHHHHHH", 2, 62, 1, 0x400078, 64, 0, 0, 64, 56, 1, 64, 0, 0)
        + bytes(64)
    )


def test_unusable_inputs_raise_elf_error(tmp_path: Path) -> None:
    text = tmp_path / "script.sh"
    text.write_text("#!/bin/sh\necho hi\n")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    cases = [
        (empty, "empty file"),
        (b"", "empty file"),
        (text, "not an ELF file"),
        (tmp_path / "missing", "cannot read"),
        (tmp_path, "cannot read"),
        (_elf32(), "32-bit ELF"),
        (_elf64_big_endian(), "big-endian ELF"),
        (b"\x7fEL", "truncated ELF header"),
    ]
    for source, message in cases:
        with pytest.raises(ElfError, match=message):
            elf_facts(source)


def test_truncated_and_flipped_copies_of_a_real_binary(bins: Binaries) -> None:
    gcc_built = bins.get("c_hello_glibc_stripped").path.read_bytes()  # section headers last
    shoff = struct.unpack_from("<Q", gcc_built, 40)[0]
    with pytest.raises(ElfError, match="truncated: section header table ends at byte"):
        elf_facts(gcc_built[: shoff + 10])
    data = bins.get("go_none").path.read_bytes()  # Go writes section headers before the data
    for cut, message in [
        (40, "truncated ELF header"),
        (64, "truncated: program header table"),
        (len(data) // 2, "truncated: "),
        (len(data) - 1, "truncated: section "),
    ]:
        with pytest.raises(ElfError, match=message):
            elf_facts(data[:cut])

    def flip(offset: int, value: bytes) -> bytes:
        return data[:offset] + value + data[offset + len(value) :]

    for changed, message in [
        (flip(0, b"\x7fELG"), "not an ELF file"),
        (flip(4, b"\x01"), "32-bit"),
        (flip(5, b"\x02"), "big-endian"),
        (flip(4, b"\x07"), "identification"),
        (flip(16, struct.pack("<H", 1)), "e_type is ET_REL"),
        (flip(54, struct.pack("<H", 40)), "header entry sizes"),
    ]:
        with pytest.raises(ElfError, match=message):
            elf_facts(changed)


def test_random_corruption_never_leaks_a_raw_exception(bins: Binaries) -> None:
    data = bins.get("c_hello_musl_stripped").path.read_bytes()
    rnd, shoff = random.Random(20261126), struct.unpack_from("<Q", data, 40)[0]
    errors = 0
    for i in range(300):
        buf = bytearray(data[: rnd.randrange(len(data))] if i % 3 == 0 else data)
        for _ in range(rnd.choice((1, 4, 32))):
            lo = shoff if i % 2 and shoff < len(buf) else 0
            if len(buf) > lo:
                buf[rnd.randrange(lo, len(buf))] = rnd.randrange(256)
        try:
            evaluate(elf_facts(bytes(buf)), Expectation(libc="musl", cgo_enabled=True))
        except ElfError as e:
            errors += 1
            assert "\n" not in str(e) and str(e)
    assert errors > 50


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
        layers = _layers(bins.get(name).path)
        assert libc_mod.detect_libc(**layers)[0] == libc


# --- build-host paths


def test_zig_debug_info_carries_host_paths_and_the_modes_flags_remove_them(bins: Binaries) -> None:
    # zig's self-built musl keeps its install dir (the venv's site-packages) in DWARF.
    with_debug = facts(bins, "go_musl")
    assert with_debug.host_path_count > 0
    assert any("/site-packages/" in p or "/named_caches/" in p for p in with_debug.host_paths)
    (v,) = [x for x in evaluate(with_debug, Expectation(forbid_host_paths=True)).violations]
    assert v.code == "host-path" and v.evidence.startswith(
        f"{with_debug.host_path_count} build-host"
    )
    assert evaluate(with_debug).passed  # only checked when asked (the rule always asks)
    clean = facts(bins, "go_musl_no_debug")
    assert (clean.host_path_count, clean.host_paths, clean.stripped) == (0, (), True)
    assert evaluate(clean, Expectation(forbid_host_paths=True, libc="musl")).passed
    # Go's own paths are trimmed (-trimpath): a pure-Go binary keeps its DWARF and is clean.
    assert facts(bins, "go_none").host_path_count == 0


def test_extra_markers_find_the_build_root(bins: Binaries) -> None:
    path = bins.get("go_musl").path
    root = f"/builds/{uuid.uuid4().hex}/repo/".encode()  # a build root no binary holds yet
    assert elf_facts(path, host_markers=(root,)).host_path_count == 0
    data = path.read_bytes() + b"\0" + root + b"cmd/main.c\0"
    found = elf_facts(data, host_markers=(root,))
    assert found.host_path_count == 1 and found.host_paths == (root.decode() + "cmd/main.c",)
