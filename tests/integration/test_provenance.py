"""Tier 3: the SLSA provenance `./pants package` writes beside a cgo binary under musl.

Two clean builds of the sample go-sqlite3 binary, with `[go-static].provenance_timestamps` off:
one without the process cache, one also with empty named caches (a fresh module download, Go
build cache and zig cache), so every compile and the link really run again. Their
`.intoto.json` files must be byte-identical, and hold what the binary is made of.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from go_static.core.sbom.components import ZIG_MUSL_VERSION_FILE, musl_version_from_zig
from go_static.rules.toolchain import wheel_dir
from pants_harness import GO, fresh_distdir, run_pants

pytestmark = pytest.mark.thirdparty  # builds go-sqlite3's C from the Go module proxy

TARGET = "src/go/cmd/sqlite:sqlite-musl"
RELPATH = "src.go.cmd.sqlite/sqlite-musl"
UNTIMED = "--no-go-static-provenance-timestamps"


def package(*options: str) -> Path:
    dist = fresh_distdir()
    result = run_pants("--no-pantsd", f"--pants-distdir={dist}", *options, "package", TARGET)
    assert result.returncode == 0, result.stderr[-4000:]
    return dist


@pytest.fixture(scope="module")
def builds():
    named_caches = Path(tempfile.mkdtemp(prefix="go-static-prov-caches-"))
    dists = [
        package(UNTIMED, "--no-local-cache"),
        package(UNTIMED, "--no-local-cache", f"--named-caches-dir={named_caches}"),
        package(),  # timestamps on (the default), from the cache
    ]
    yield dists
    for d in dists:
        shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(named_caches, ignore_errors=True)


def provenance(dist: Path) -> dict:
    return json.loads((dist / f"{RELPATH}.intoto.json").read_text())


def test_two_clean_builds_give_byte_identical_provenance(builds: list[Path]) -> None:
    first, second, _ = builds
    a = (first / f"{RELPATH}.intoto.json").read_bytes()
    assert a == (second / f"{RELPATH}.intoto.json").read_bytes()
    assert (first / RELPATH).read_bytes() == (second / RELPATH).read_bytes()
    assert b"startedOn" not in a and b"finishedOn" not in a


def test_the_subject_is_the_binary_and_the_check_passed(builds: list[Path]) -> None:
    dist = builds[0]
    document = provenance(dist)
    assert document["_type"] == "https://in-toto.io/Statement/v1"
    assert document["predicateType"] == "https://slsa.dev/provenance/v1"
    digest = hashlib.sha256((dist / RELPATH).read_bytes()).hexdigest()
    assert document["subject"] == [{"name": "sqlite-musl", "digest": {"sha256": digest}}]
    external = document["predicate"]["buildDefinition"]["externalParameters"]
    assert external["target"] == TARGET
    assert external["fields"]["build_tags"] == ["sqlite_omit_load_extension"]
    report_file = dist / f"{RELPATH}.static-report.json"
    report, sbom = document["predicate"]["runDetails"]["byproducts"]
    assert report["digest"]["sha256"] == hashlib.sha256(report_file.read_bytes()).hexdigest()
    assert report["annotations"]["postLinkCheck"] == "passed"
    assert sbom["name"] == "sqlite-musl.cdx.json"


def test_every_go_sum_hash_of_the_binary_is_there(builds: list[Path]) -> None:
    dist = builds[0]
    out = subprocess.run(
        [str(GO), "version", "-m", str(dist / RELPATH)], capture_output=True, text=True, check=True
    ).stdout
    # `go version -m` indents each line with a tab: "\tdep\t<path>\t<version>\t<h1 sum>".
    rows = [line.split("\t") for line in out.splitlines()]
    sums = {f[2]: f[4] for f in rows if f[1:2] == ["dep"] and len(f) == 5}
    assert "github.com/mattn/go-sqlite3" in sums
    named = {
        d["name"]: d
        for d in provenance(dist)["predicate"]["buildDefinition"]["resolvedDependencies"]
    }
    for path, h1 in sums.items():
        assert named[path]["annotations"]["go.sum"] == h1
        assert named[path]["digest"] == {"dirHash": base64.b64decode(h1[3:]).hex()}


def test_the_toolchains_and_musl_with_its_version(builds: list[Path]) -> None:
    named = {
        d["name"]: d
        for d in provenance(builds[0])["predicate"]["buildDefinition"]["resolvedDependencies"]
    }
    zig_dir = Path(wheel_dir("ziglang", ""))
    musl = musl_version_from_zig((zig_dir / ZIG_MUSL_VERSION_FILE).read_bytes())
    assert named["musl"]["annotations"]["version"] == musl
    assert named["SQLite"]["annotations"]["version"].startswith("3.")
    go_version = subprocess.run(
        [str(GO), "env", "GOVERSION"], capture_output=True, text=True
    ).stdout
    assert named["go"]["annotations"]["version"] == go_version.strip()
    for tool in ("go", "zig"):
        ((algorithm, value),) = named[tool]["digest"].items()
        assert algorithm in ("sha256", "goStaticFingerprint") and len(value) == 64


def test_timestamps_on_add_only_the_run_times(builds: list[Path]) -> None:
    untimed, _, timed = (provenance(d) for d in builds)
    metadata = timed["predicate"]["runDetails"].pop("metadata")
    assert set(metadata) >= {"startedOn", "finishedOn"}
    assert metadata["startedOn"] <= metadata["finishedOn"]
    assert metadata["finishedOn"].endswith("Z")
    assert timed == untimed
