"""Tier 3: `./pants package` on the sample monorepo in src/go, checked with real tools.

`packaged` (conftest.py) is one `./pants package ::` for the session; its images are checked in
test_docker_images.py.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile

from go_static.rules.toolchain import wheel_dir
from pants_harness import package, read_report, sbom_c_parts, wrote_nothing

# output path -> (stdout line, CGO_ENABLED, -tags, -buildmode, linker named in .comment or None)
SAMPLES = {
    "src.go.cmd.hello/hello": ("hello: pure Go, version 1.2.3", "0", "netgo,osusergo", "exe", None),
    "src.go/hello-pie": ("hello: pure Go, version dev", "1", "netgo,osusergo", "pie", b"LLD"),
    "src.go/cgocalc-musl": ("cgocalc: 6*7=42 computed in C", "1", "netgo,osusergo", "exe", b"LLD"),
    "src.go/cgocalc-glibc": ("cgocalc: 6*7=42 computed in C", "1", "netgo,osusergo", "exe", b"GCC"),
    "src.go/cgocalc-pie": ("cgocalc: 6*7=42 computed in C", "1", "netgo,osusergo", "pie", b"LLD"),
    "src.go.cmd.resolve/resolve": (
        "resolve: std net and os/user through the C library",
        "1",
        None,
        "exe",
        b"LLD",
    ),
    "src.go.cmd.idgen/idgen": (
        "idgen: uuid 7642e70f-d2b2-5d46-b4eb-8166452b74ff",
        "0",
        "netgo,osusergo",
        "exe",
        None,
    ),
    "src.go.cmd.sqlite/sqlite-musl": (
        "sqlite: SQLite 3.54.1 in memory",
        "1",
        "netgo,osusergo,sqlite_omit_load_extension",
        "exe",
        b"LLD",
    ),
    "src.go.cmd.sqlite/sqlite-glibc": (
        "sqlite: SQLite 3.54.1 in memory",
        "1",
        "netgo,osusergo,sqlite_omit_load_extension",
        "exe",
        b"GCC",
    ),
    "src.go.tools.cmd.modinfo/modinfo": (
        "modinfo: module example.com/monorepo/tools via a local replace",
        "0",
        "netgo,osusergo",
        "exe",
        None,
    ),
    "src.go.cmd.tlsroots/tlsroots": (
        "tlsroots: 117 trusted root CAs, ISRG Root X1 among them: true",
        "0",
        "netgo,osusergo",
        "exe",
        None,
    ),
    "src.go.cmd.paris/paris": (
        "paris: 12:00 UTC is 14:00 CEST in Europe/Paris",
        "0",
        "netgo,osusergo,timetzdata",
        "exe",
        None,
    ),
}
# The host has its own roots; this makes tlsroots use the ones built in (pinned by go.sum), as in
# its FROM scratch image, so its output doesn't depend on the host.
SAMPLE_ENV = {"src.go.cmd.tlsroots/tlsroots": {"GODEBUG": "x509usefallbackroots=1"}}


def go_version_m(binary: Path) -> dict[str, str]:
    go = Path(wheel_dir("go", "bin")) / "go"
    out = subprocess.run(
        [str(go), "version", "-m", str(binary)], check=True, capture_output=True, text=True
    ).stdout
    settings = {}
    for line in out.splitlines():
        parts = line.strip().split("\t")
        if parts[0] == "build" and "=" in parts[1]:
            key, value = parts[1].split("=", 1)
            settings[key] = value
    return settings


@pytest.mark.parametrize("relpath", sorted(SAMPLES))
def test_sample_is_static_runs_and_records_its_mode(packaged: Path, relpath: str) -> None:
    expected_line, cgo, tags, buildmode, linker = SAMPLES[relpath]
    binary = packaged / relpath
    with binary.open("rb") as f:
        elf = ELFFile(f)
        assert not [s for s in elf.iter_segments() if s["p_type"] == "PT_INTERP"]
        needed = [
            t.needed
            for s in elf.iter_sections()
            if isinstance(s, DynamicSection)
            for t in s.iter_tags()
            if t.entry.d_tag == "DT_NEEDED"
        ]
        assert needed == []
        assert elf["e_type"] == ("ET_DYN" if buildmode == "pie" else "ET_EXEC")
        comment = elf.get_section_by_name(".comment")
        # -ldflags isn't in build info under -trimpath (golang/go#52372), so the link mode is
        # checked from the ELF: only an external (C) linker leaves a .comment.
        if linker is None:
            assert comment is None
        else:
            assert linker in comment.data()
    settings = go_version_m(binary)
    assert settings["CGO_ENABLED"] == cgo
    assert settings.get("-tags") == tags
    assert settings["-buildmode"] == buildmode
    assert settings["-trimpath"] == "true"
    assert (settings["GOOS"], settings["GOARCH"]) == ("linux", "amd64")
    run = subprocess.run(
        [str(binary)], capture_output=True, text=True, timeout=60, env=SAMPLE_ENV.get(relpath, {})
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == expected_line


def test_contradiction_fails_cleanly_and_writes_nothing(distdir: Path) -> None:
    result = package(distdir, "tests/fixtures/go:glibc-libc-resolver")
    assert result.returncode != 0
    assert (
        'tests/fixtures/go:glibc-libc-resolver: resolver="libc" with libc="glibc" cannot be static.'
        in result.stderr
    )
    assert 'Fix: Set resolver="go"' in result.stderr
    assert "Traceback" not in result.stderr
    assert wrote_nothing(distdir)


def test_sqlite_without_its_tag_stops_before_compiling_and_names_the_tag(distdir: Path) -> None:
    result = package(distdir, "tests/fixtures/go:sqlite-dlopen")
    assert result.returncode != 0
    assert (
        "tests/fixtures/go:sqlite-dlopen: github.com/mattn/go-sqlite3@v1.14.53 loads code at run "
        "time (dlopen)." in result.stderr
    )
    assert 'Fix: Add build_tags=["sqlite_omit_load_extension"]' in result.stderr
    assert "Building tests/fixtures/go:sqlite-dlopen" not in result.stderr
    assert wrote_nothing(distdir)


REPORT_KEYS = {
    "target",
    "output",
    "sha256",
    "size",
    "goos",
    "goarch",
    "go_version",
    "scenario",
    "libc",
    "libc_detected",
    "cgo_enabled",
    "build_tags",
    "buildinfo_ldflags",
    "go_build_ldflags",
    "linkmode",
    "static_pie",
    "interpreter",
    "needed",
    "link_warnings",
    "dlopen_referenced",
    "verdict",
    "violations",
}
SCENARIOS = {
    "src.go.cmd.hello/hello": (6, "none"),
    "src.go/hello-pie": (6, "musl"),
    "src.go/cgocalc-musl": (5, "musl"),
    "src.go/cgocalc-glibc": (5, "glibc"),
    "src.go/cgocalc-pie": (5, "musl"),
    "src.go.cmd.resolve/resolve": (3, "musl"),
    "src.go.cmd.idgen/idgen": (6, "none"),
    "src.go.cmd.sqlite/sqlite-musl": (5, "musl"),
    "src.go.cmd.sqlite/sqlite-glibc": (5, "glibc"),
    "src.go.tools.cmd.modinfo/modinfo": (6, "none"),
    "src.go.cmd.tlsroots/tlsroots": (6, "none"),
    "src.go.cmd.paris/paris": (6, "none"),
}


@pytest.mark.parametrize("relpath", sorted(SCENARIOS))
def test_each_binary_has_a_passing_report(packaged: Path, relpath: str) -> None:
    report = read_report(packaged, relpath)
    assert REPORT_KEYS <= set(report)
    scenario, libc = SCENARIOS[relpath]
    assert (report["scenario"], report["libc"], report["libc_detected"]) == (scenario, libc, libc)
    assert report["verdict"] == "pass" and report["violations"] == []
    assert (
        report["interpreter"] is None and report["needed"] == [] and report["link_warnings"] == []
    )
    assert report["dlopen_referenced"] is False
    assert report["linkmode"] == ("internal" if libc == "none" else "external")
    assert report["sha256"] == hashlib.sha256((packaged / relpath).read_bytes()).hexdigest()
    assert report["size"] == (packaged / relpath).stat().st_size
    assert report["output"] == relpath and report["target"].startswith("src/go")
    assert (report["goos"], report["goarch"]) == ("linux", "amd64")


@pytest.mark.parametrize(
    "relpath, c_parts",
    [
        ("src.go.cmd.hello/hello", {}),
        ("src.go/cgocalc-musl", {"musl": "1.2.5"}),
        ("src.go/cgocalc-glibc", {"glibc": "2.36"}),
        ("src.go.cmd.sqlite/sqlite-musl", {"musl": "1.2.5", "SQLite": "3.54.1"}),
        ("src.go.cmd.zstd/zstd-glibc", {"glibc": "2.36", "zstd": "1.5.7"}),
    ],
)
def test_each_binary_has_an_sbom_that_sees_the_c_inside(
    packaged: Path, relpath: str, c_parts: dict[str, str]
) -> None:
    report = read_report(packaged, relpath)
    sbom = packaged / Path(relpath).parent / report["sbom"]
    assert sbom.name == Path(relpath).name + ".cdx.json"
    assert sbom_c_parts(sbom) == c_parts
    document = sbom.read_text()
    # The binary itself, by digest, and its Go modules from build info.
    assert report["sha256"] in document
    if "sqlite" in relpath:
        assert "pkg:golang/github.com/mattn/go-sqlite3@v1.14.53" in document
