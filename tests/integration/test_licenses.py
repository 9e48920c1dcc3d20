"""Tier 3: licences through real ./pants on the samples' real modules from the Go module proxy."""

from __future__ import annotations

import json
import shutil

from go_static.core.sbom.bom import schema_errors
from pants_harness import fresh_distdir, package, run_pants

DENY_BSD = "--go-static-licenses={'denied': ['BSD-3-Clause'], 'unknown': 'fail'}"


def test_a_denied_licence_fails_check_with_the_import_chain_for_every_binary_at_once() -> None:
    result = run_pants(
        DENY_BSD,
        "check",
        "src/go/cmd/idgen:idgen",
        "src/go/cmd/zstd:zstd-musl",
        "src/go/cmd/hello:hello",
    )
    assert result.returncode == 1, result.stderr
    err = result.stderr
    assert (
        "src/go/cmd/idgen:idgen: github.com/google/uuid@v1.6.0 is licensed BSD-3-Clause, "
        "which is denied." in err
    )
    assert "Imported by: example.com/monorepo/cmd/idgen -> github.com/google/uuid" in err
    assert (
        "src/go/cmd/zstd:zstd-musl: github.com/DataDog/zstd@v1.5.7 is licensed BSD-3-Clause" in err
    )
    # zstd's C offers BSD-3-Clause OR GPL-2.0-only: with only BSD denied, the GPL offer is open.
    assert "zstd@1.5.7 is licensed" not in err
    assert (
        "Fix: drop or replace the import of github.com/google/uuid in "
        "example.com/monorepo/cmd/idgen" in err
    )
    assert "Policy: [go-static].licenses, set in the command line (--go-static-licenses)." in err
    # Go's own BSD-3-Clause is in every binary, hello's (std only) too.
    assert "src/go/cmd/hello:hello: stdlib@go1.27.3 is licensed BSD-3-Clause" in err
    assert "Go's standard library is in every Go binary" in err
    assert "Traceback" not in err


def test_every_sbom_carries_the_licences() -> None:
    dist = fresh_distdir()
    try:
        result = package(dist, "src/go/cmd/zstd:zstd-musl")
        assert result.returncode == 0, result.stderr
        document = (dist / "src.go.cmd.zstd" / "zstd-musl.cdx.json").read_text()
        assert schema_errors(document) is None
        licences = {c["name"]: c.get("licenses") for c in json.loads(document)["components"]}
        assert licences["github.com/DataDog/zstd"] == [{"license": {"id": "BSD-3-Clause"}}]
        assert licences["musl"] == [{"license": {"id": "MIT"}}]
        assert licences["zstd"] == [{"expression": "BSD-3-Clause OR GPL-2.0-only"}]
    finally:
        shutil.rmtree(dist, ignore_errors=True)


def test_explain_says_why_a_module_is_in_the_binary() -> None:
    result = run_pants(
        "go-static-explain",
        "src/go/cmd/idgen:idgen",
        "--go-static-explain-why=['github.com/google/uuid', 'github.com/mattn/go-sqlite3']",
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert (
        "why github.com/google/uuid: example.com/monorepo/cmd/idgen -> github.com/google/uuid"
        in out
    )
    assert "why github.com/mattn/go-sqlite3: not imported" in out
