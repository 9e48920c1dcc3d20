"""The verdict on real binaries: linkage (PT_INTERP, DT_NEEDED, static-pie) and build info
against the expectation."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from elf_lab import GO_EXPECT, NETGO, Binaries, Lab, ToolMissing, codes, facts
from go_static.core.checker.elf import elf_facts
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.verdict import evaluate
from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import expectation_for, resolve
from go_static.core.mode.intent import Intent


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


# --- -pgo and VCS state in build info


def _with_settings(f, *extra: tuple[str, str]):
    info = f.build_info
    lines = (*info.lines, *(f"build\t{k}={v}" for k, v in extra))
    return dataclasses.replace(
        f, build_info=dataclasses.replace(info, settings=(*info.settings, *extra), lines=lines)
    )


def test_the_pgo_setting_and_vcs_state_must_be_what_the_mode_built(bins: Binaries) -> None:
    plain = facts(bins, "go_none")
    profiled = _with_settings(plain, ("-pgo", "default.pgo"))
    assert evaluate(profiled, Expectation(pgo="default.pgo")).passed
    assert evaluate(plain, Expectation(pgo="")).passed
    missed = evaluate(plain, Expectation(pgo="default.pgo"))
    assert codes(missed) == ["buildinfo-mismatch"]
    assert "-pgo='(none)'" in missed.violations[0].why
    assert codes(evaluate(profiled, Expectation(pgo=""))) == ["buildinfo-mismatch"]
    assert evaluate(profiled, Expectation()).passed  # go decided (a module's command): unchecked
    stamped = _with_settings(
        plain, ("vcs", "git"), ("vcs.revision", "abc"), ("vcs.modified", "true")
    )
    assert evaluate(stamped, Expectation(vcs_revision="abc", vcs_modified=True)).passed
    assert codes(evaluate(stamped, Expectation(vcs_revision="abc", vcs_modified=False))) == [
        "buildinfo-mismatch"
    ]
    # Unstamped, no VCS state may be recorded: a binary that picked up a checkout fails.
    assert codes(evaluate(stamped, Expectation(vcs_revision=""))) == ["buildinfo-mismatch"]
    assert evaluate(plain, Expectation(vcs_revision="")).passed
