"""The FIPS and CPU-level checks on real binaries built by the real go: build info and the FIPS
module's symbols must agree with the fips field, so a non-FIPS binary can't pass as FIPS."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from elf_lab import GO, Lab, codes
from go_static.core.checker.elf import ElfFacts, elf_facts
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.verdict import evaluate
from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import expectation_for, resolve
from go_static.core.mode.fips import read_snapshots
from go_static.core.mode.intent import Intent

CRYPTO_MAIN = """package main

import (
	"crypto/fips140"
	"crypto/sha256"
	"fmt"
)

func main() { fmt.Printf("%x fips=%v\\n", sha256.Sum256([]byte("x")), fips140.Enabled()) }
"""
# The main package turns FIPS mode off again: build info's DefaultGODEBUG then says so.
DEBUG_OFF = "//go:debug fips140=off\n" + CRYPTO_MAIN


class Fips:
    """Builds the crypto program once per environment, under the lab's GOCACHE."""

    def __init__(self, lab: Lab, root: Path) -> None:
        lab.need("go")
        self.lab, self.root = lab, root
        self.goroot = str(GO.parent.parent)

    def build(self, name: str, env: dict[str, str], main: str = CRYPTO_MAIN) -> Path:
        src = self.root / f"src-{name}"
        src.mkdir()
        (src / "go.mod").write_text("module example.com/fipsprog\n\ngo 1.24\n")
        (src / "main.go").write_text(main)
        out = self.root / name
        argv = [str(GO), "build", "-trimpath", "-buildvcs=false", "-o", str(out), "."]
        subprocess.run(
            argv,
            cwd=src,
            env={**self.lab.env, "CGO_ENABLED": "0", **env},
            check=True,
            capture_output=True,
            timeout=600,
        )
        return out

    def expect(self, **intent) -> Expectation:
        snapshots = read_snapshots(self.goroot)
        mode = resolve(
            Intent(address="tests:fips", fips_snapshots=snapshots, **intent),
            GraphFacts(main_package="example.com/fipsprog"),
        )
        # Only the FIPS and CPU settings: the program is built by hand, without the mode's tags.
        exp = expectation_for(mode)
        return Expectation(fips=exp.fips, fips_version=exp.fips_version, cpu_level=exp.cpu_level)


@pytest.fixture(scope="module")
def fips(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Fips:
    return Fips(lab, tmp_path_factory.mktemp("fips"))


@pytest.fixture(scope="module")
def built(fips: Fips) -> dict[str, ElfFacts]:
    envs = {
        "off": {},
        "latest": {"GOFIPS140": "latest"},
        "v1.0.0": {"GOFIPS140": "v1.0.0"},
        "inprocess": {"GOFIPS140": "inprocess"},
        "v3": {"GOAMD64": "v3"},
    }
    found = {name: elf_facts(fips.build(name, env), hash_file=False) for name, env in envs.items()}
    found["debug-off"] = elf_facts(
        fips.build("debug-off", {"GOFIPS140": "latest"}, DEBUG_OFF), hash_file=False
    )
    return found


def run(fips: Fips, name: str) -> str:
    return subprocess.run(
        [str(fips.root / name)], capture_output=True, text=True, timeout=60, check=True
    ).stdout


@pytest.mark.parametrize("fips_field", ["latest", "v1.0.0", "inprocess"])
def test_native_fips_binary_passes_as_declared(
    fips: Fips, built: dict[str, ElfFacts], fips_field: str
) -> None:
    facts = built[fips_field]
    assert evaluate(facts, fips.expect(fips=fips_field)).passed
    assert run(fips, fips_field).endswith("fips=true\n")
    assert facts.fips140_linked
    snapshot = facts.build_info.get("GOFIPS140")
    assert facts.fips_snapshots == (() if fips_field == "latest" else (snapshot,))


@pytest.mark.parametrize("fips_field", ["latest", "v1.0.0", "boringcrypto"])
def test_non_fips_binary_cannot_pass_as_fips(
    fips: Fips, built: dict[str, ElfFacts], fips_field: str
) -> None:
    libc = {"libc": "musl"} if fips_field == "boringcrypto" else {}
    verdict = evaluate(built["off"], fips.expect(fips=fips_field, **libc))
    assert codes(verdict) == ["fips-not-enabled"]
    (v,) = verdict.violations
    assert fips_field in v.why and "GOFIPS140" in v.fix
    assert run(fips, "off").endswith("fips=false\n")


def test_fips_mode_turned_off_in_source_fails(fips: Fips, built: dict[str, ElfFacts]) -> None:
    (v,) = evaluate(built["debug-off"], fips.expect(fips="latest")).violations
    assert v.code == "fips-not-enabled" and "fips140=off" in v.why
    assert "DefaultGODEBUG" in v.evidence


def test_another_module_than_declared_fails(fips: Fips, built: dict[str, ElfFacts]) -> None:
    # v1.0.0 declared, the SDK's own (latest) module inside; and the other way round.
    assert codes(evaluate(built["latest"], fips.expect(fips="v1.0.0"))) == ["fips-module-mismatch"]
    assert codes(evaluate(built["inprocess"], fips.expect(fips="v1.0.0"))) == [
        "fips-module-mismatch"
    ]
    assert codes(evaluate(built["v1.0.0"], fips.expect(fips="latest"))) == ["fips-module-mismatch"]


def test_edited_build_info_is_caught_by_the_symbols(fips: Fips, built: dict[str, ElfFacts]) -> None:
    # Build info claims the frozen module, but the symbols are the SDK's own source's.
    real = built["latest"]
    settings = tuple(
        (k, "v1.0.0-c2097c7c" if k == "GOFIPS140" else v) for k, v in real.build_info.settings
    )
    forged = dataclasses.replace(
        real, build_info=dataclasses.replace(real.build_info, settings=settings)
    )
    verdict = evaluate(forged, fips.expect(fips="v1.0.0"))
    assert codes(verdict) == ["fips-module-mismatch"]
    assert "symbols of crypto/internal/fips140" in verdict.violations[0].evidence


def test_fips_binary_where_none_was_declared_fails(fips: Fips, built: dict[str, ElfFacts]) -> None:
    assert codes(evaluate(built["latest"], fips.expect())) == ["fips-unexpected"]
    assert evaluate(built["off"], fips.expect()).passed
    assert evaluate(built["latest"]).passed  # no expectation (the CLI): not judged


def test_cpu_level_from_build_info(fips: Fips, built: dict[str, ElfFacts]) -> None:
    assert built["v3"].build_info.get("GOAMD64") == "v3"
    assert evaluate(built["v3"], fips.expect(goamd64="v3")).passed
    (v,) = evaluate(built["off"], fips.expect(goamd64="v3")).violations
    assert v.code == "cpu-level-mismatch" and "GOAMD64=v3" in v.why and "v1" in v.why
    assert codes(evaluate(built["v3"], fips.expect())) == ["cpu-level-mismatch"]
