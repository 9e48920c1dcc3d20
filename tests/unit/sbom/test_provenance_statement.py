"""Tier 1: the SLSA provenance v1 statement of a binary, from the SBOM lab's inputs. No Pants."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sbom_lab import SAMPLE_C, SAMPLE_LIBC, SAMPLE_MODINFO

from go_static.core.checker.buildinfo import parse_modinfo
from go_static.core.gograph.graph import GraphFacts
from go_static.core.mode.build_mode import resolve
from go_static.core.mode.intent import Intent
from go_static.core.mode.stamp import StampValues, VcsStamp
from go_static.core.provenance.statement import (
    BUILD_TYPE,
    DIRHASH,
    FINGERPRINT,
    PREDICATE_TYPE,
    STATEMENT_TYPE,
    RunDetails,
    Toolchain,
    Verdict,
    invocation_id,
    statement,
    statement_json,
)

ADDRESS = "src/go/app:app"
FACTS = GraphFacts(main_package="example.com/app/cmd/app", cgo_packages=("example.com/app/c",))
BUILD_INFO = parse_modinfo("go1.27.3", SAMPLE_MODINFO)
GO_ARCHIVE = Toolchain(
    "go",
    "go1.27.3",
    "af" * 32,
    archive_url="https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.27.3.linux-amd64.zip",
)
ZIG_LOCAL = Toolchain("zig", "0.17.1", "ee" * 32, fingerprint_of="zig version and binary")
EXTERNAL = {
    "target": ADDRESS,
    "fields": {"libc": "auto", "build_tags": ["sqlite_omit_load_extension"]},
}
VERDICT = Verdict(True, "static, musl, 3.8 MiB", (), "app.static-report.json", "ab" * 32)
STARTED = datetime(2026, 12, 4, 10, 0, 1, 500000, tzinfo=timezone.utc)
GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/monorepo",
    "GITHUB_RUN_ID": "123456",
    "GITHUB_RUN_ATTEMPT": "2",
}


def make_mode(stamp: StampValues | None = None):
    return resolve(
        Intent(address=ADDRESS, build_tags=("sqlite_omit_load_extension",), stamp=stamp), FACTS
    )


def make(
    run: RunDetails = RunDetails("https://ci.example/builder"),
    *,
    stamp: StampValues | None = None,
    reverse: bool = False,
) -> dict:
    toolchains = [GO_ARCHIVE, ZIG_LOCAL]
    c = [SAMPLE_LIBC, *SAMPLE_C]
    return statement(
        binary_name="app",
        binary_sha256="0F" * 32,
        external_parameters=EXTERNAL,
        mode=make_mode(stamp),
        build_info=BUILD_INFO,
        toolchains=toolchains[::-1] if reverse else toolchains,
        c_components=c[::-1] if reverse else c,
        verdict=VERDICT,
        run=run,
        sbom=("app.cdx.json", "cd" * 32),
    )


def deps(document: dict) -> list[dict]:
    return document["predicate"]["buildDefinition"]["resolvedDependencies"]


def by_name(document: dict) -> dict[str, dict]:
    return {d["name"]: d for d in deps(document)}


def test_it_is_an_in_toto_statement_of_slsa_provenance_about_the_binary() -> None:
    document = make()
    assert document["_type"] == STATEMENT_TYPE == "https://in-toto.io/Statement/v1"
    assert document["predicateType"] == PREDICATE_TYPE == "https://slsa.dev/provenance/v1"
    assert document["subject"] == [{"name": "app", "digest": {"sha256": "0f" * 32}}]
    definition = document["predicate"]["buildDefinition"]
    assert definition["buildType"] == BUILD_TYPE
    assert definition["externalParameters"] == EXTERNAL
    assert document["predicate"]["runDetails"]["builder"] == {"id": "https://ci.example/builder"}


def test_internal_parameters_are_the_frozen_mode_and_its_decisions() -> None:
    mode = make_mode()
    internal = make()["predicate"]["buildDefinition"]["internalParameters"]
    assert (internal["libc"], internal["cgoEnabled"], internal["cCompiler"]) == (
        "musl",
        True,
        "zig",
    )
    assert internal["tags"] == ["netgo", "osusergo", "sqlite_omit_load_extension"]
    assert (
        internal["ldflags"] == list(mode.ldflags) and "-extldflags=-static" in internal["ldflags"]
    )
    assert internal["linkmode"] == "external" and internal["env"]["CGO_ENABLED"] == "1"
    assert internal["goBuildFlags"][:2] == ["-trimpath", "-buildvcs=false"]
    assert internal["decisions"] == [d.as_dict() for d in mode.decisions]
    assert {d["setting"] for d in internal["decisions"]} >= {"libc", "CGO_ENABLED", "-tags"}


def test_every_module_of_build_info_is_there_with_its_go_sum_hash() -> None:
    named = by_name(make())
    for dep in BUILD_INFO.modules:
        used = dep.effective
        if not used.sum:  # a local directory: no version, no hash, and it says so
            assert "digest" not in named[dep.path] and "local" in named[dep.path]["annotations"]
            continue
        entry = named[used.path]
        assert entry["uri"] == f"pkg:golang/{used.path}@{used.version}"
        assert entry["annotations"]["go.sum"] == used.sum
        assert entry["digest"] == {DIRHASH: base64.b64decode(used.sum[3:]).hex()}
    replaced = named["github.com/example/go-sqlite3"]["annotations"]["replace"]
    assert replaced.startswith("github.com/mattn/go-sqlite3 v1.14.53 => ")
    go_modules = [d for d in deps(make()) if d.get("uri", "").startswith("pkg:golang/")]
    assert len(go_modules) == len([m for m in BUILD_INFO.modules if m.effective.sum])


def test_toolchains_are_named_by_archive_sha256_or_an_honest_fingerprint() -> None:
    named = by_name(make())
    assert named["go"]["digest"] == {"sha256": "af" * 32}
    assert named["go"]["uri"] == GO_ARCHIVE.archive_url
    assert named["go"]["annotations"] == {"version": "go1.27.3"}
    # No archive: the fingerprint is not the sha256 of anything a verifier could fetch.
    assert named["zig"]["digest"] == {FINGERPRINT: "ee" * 32}
    assert named["zig"]["annotations"]["fingerprintOf"] and "uri" not in named["zig"]


def test_the_static_c_is_there_with_versions() -> None:
    named = by_name(make())
    assert named["glibc"]["annotations"]["version"] == "2.36"
    assert named["glibc"]["uri"] == SAMPLE_LIBC.purl
    assert named["zstd"]["annotations"]["version"] == "1.5.7"
    assert named["SQLite"]["uri"] == "pkg:generic/SQLite@3.54.1"
    assert "bundled by github.com/mattn/go-sqlite3" == named["SQLite"]["annotations"]["kind"]


def test_the_verdict_and_the_sbom_are_byproducts() -> None:
    byproducts = make()["predicate"]["runDetails"]["byproducts"]
    report, sbom = byproducts
    assert report["name"] == "app.static-report.json" and report["digest"] == {"sha256": "ab" * 32}
    assert report["annotations"]["postLinkCheck"] == "passed"
    assert report["annotations"]["violations"] == []
    assert sbom == {
        "name": "app.cdx.json",
        "digest": {"sha256": "cd" * 32},
        "mediaType": "application/vnd.cyclonedx+json",
    }


def test_the_source_commit_only_when_stamping_read_it() -> None:
    assert "source" not in by_name(make())
    vcs = VcsStamp("/repo/.git", "/repo", "c0ffee" * 6 + "c0ff", modified=True, refs_digest="0")
    source = by_name(make(stamp=StampValues(git_commit=vcs.revision, vcs=vcs)))["source"]
    assert source["digest"] == {"gitCommit": vcs.revision}
    assert source["annotations"] == {"modified": "true"}


def test_without_run_values_the_bytes_do_not_depend_on_order_or_time() -> None:
    plain = statement_json(make())
    assert statement_json(make(reverse=True)) == plain
    assert "metadata" not in make()["predicate"]["runDetails"]
    canonical = json.dumps(
        json.loads(plain), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert plain == canonical + "\n"


def test_same_bytes_from_another_process_with_another_hash_seed() -> None:
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import test_provenance_statement as t; "
        "sys.stdout.write(t.statement_json(t.make()))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        env={"PYTHONHASHSEED": "12345", "PYTHONPATH": ":".join(sys.path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout == statement_json(make())


def test_run_values_are_rfc3339_utc_and_only_in_metadata() -> None:
    finished = STARTED + timedelta(seconds=42)
    run = RunDetails("b", (("pants", "2.17.1"),), STARTED, finished, invocation_id(GITHUB))
    timed = make(run)
    metadata = timed["predicate"]["runDetails"]["metadata"]
    assert metadata == {
        "startedOn": "2026-12-04T10:00:01Z",
        "finishedOn": "2026-12-04T10:00:43Z",
        "invocationId": "https://github.com/acme/monorepo/actions/runs/123456/attempts/2",
    }
    del timed["predicate"]["runDetails"]["metadata"]
    untimed = make(RunDetails("b", (("pants", "2.17.1"),)))
    assert timed == untimed


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, None),
        (GITHUB, "https://github.com/acme/monorepo/actions/runs/123456/attempts/2"),
        (
            {"GITLAB_CI": "true", "CI_JOB_URL": "https://gitlab.example/a/b/-/jobs/9"},
            "https://gitlab.example/a/b/-/jobs/9",
        ),
        (
            {
                "BUILDKITE": "true",
                "BUILDKITE_BUILD_URL": "https://buildkite.com/o/p/builds/7",
                "BUILDKITE_JOB_ID": "j1",
            },
            "https://buildkite.com/o/p/builds/7#j1",
        ),
        # Hostile values are left out, not written into a signed document.
        ({**GITHUB, "GITHUB_REPOSITORY": "acme/x\nforged: true"}, None),
        ({"GITLAB_CI": "true", "CI_JOB_URL": "https://x " + "y" * 600}, None),
    ],
)
def test_invocation_id_is_the_ci_run_or_nothing(env: dict[str, str], expected: str | None) -> None:
    assert invocation_id(env) == expected
