"""Tier 3, `corpus` marker: real open-source Go programs that no one here wrote, built from the
Go module proxy as commands from required modules and run alone in an empty root.

tests/fixtures/corpus/<name>/ is one small module per program: a go.mod with the program's
`tool` line (Go 1.24) and the go.sum `go mod tidy` wrote, and a BUILD with a go_static_binary
(`main` is the command's import path, `libc` is left "auto", and the tags and `-X` values are
the ones the program's own release builds use) and a smoke test that runs its version command
in an empty root and matches what it prints. Fourteen programs (CLIs, servers, container tools;
four with cgo: runc's nsenter, and mattn/go-sqlite3 in cfssl, jet and migrate) build here in
one Pants run; tests/fixtures/corpus-large holds six more that only benchmarks/corpus.py builds.

Every module lands in the shared module cache (the named cache go_static_gomodcache), so a
machine downloads each version once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pants_harness import REPO_ROOT, WITH_FIXTURES, fresh_distdir, package, run_pants

CORPUS = REPO_ROOT / "tests" / "fixtures" / "corpus"
PROGRAMS = sorted(p.name for p in CORPUS.iterdir() if (p / "BUILD").is_file())
CGO = {"runc", "cfssl", "jet", "migrate"}

pytestmark = pytest.mark.corpus


@pytest.fixture(scope="module")
def built() -> Path:
    dist = fresh_distdir()
    result = package(dist, "tests/fixtures/corpus::")
    assert result.returncode == 0, result.stderr[-8000:]
    return dist


def test_the_corpus_is_large_enough() -> None:
    assert len(PROGRAMS) >= 12 and CGO <= set(PROGRAMS)


@pytest.mark.parametrize("name", PROGRAMS)
def test_each_program_is_static_and_carries_its_module_version(built: Path, name: str) -> None:
    report = json.loads(
        (built / f"tests.fixtures.corpus.{name}" / f"{name}.static-report.json").read_text()
    )
    assert report["verdict"] == "pass", report["violations"]
    assert report["linkage"] == "static" and report["interpreter"] is None
    assert report["needed"] == []
    if name in CGO:
        assert report["libc"] == "musl" and report["cgo_enabled"] is True, name
        assert report["cgo_packages"], name
    else:
        assert report["libc"] == "none" and report["cgo_enabled"] is False, name
    assert all(x["in_binary"] for x in report["x_defs"]), report["x_defs"]
    # The command's module is the main module of its build info, at the version go.mod pins.
    go_mod = (CORPUS / name / "go.mod").read_text()
    sbom = json.loads((built / f"tests.fixtures.corpus.{name}" / f"{name}.cdx.json").read_text())
    props = {p["name"]: p["value"] for p in sbom["metadata"]["component"]["properties"]}
    module, version = props["go-static:go:main-module"].split(" ")
    assert f"\t{module} {version} // indirect" in go_mod or f"require {module} {version}" in go_mod


def test_each_program_prints_its_version_alone_in_an_empty_root(built: Path) -> None:
    result = run_pants(WITH_FIXTURES, "test", "tests/fixtures/corpus::")
    assert result.returncode == 0, result.stderr[-8000:]
    for name in PROGRAMS:
        assert f"tests/fixtures/corpus/{name}:{name}-version succeeded" in result.stderr, name
