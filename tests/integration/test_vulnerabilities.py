"""Tier 3: the vulnerability gate through real `pants check`, on real modules from the proxy.

A binary whose main calls golang.org/x/text/language.Parse with x/text v0.3.5 contains the symbol
of GO-2021-0113 (fixed in v0.3.7), in the pinned DB snapshot. `go get` of the fixed version
clears it; a dated exception passes it until its date; an expired one fails. The scan runs
govulncheck in binary mode against the pinned golang.org/x/vulndb snapshot, offline.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from pants_harness import go, pants_in, write_pants_toml

MAIN = """\
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

func main() {
	tag, err := language.Parse(os.Args[len(os.Args)-1])
	fmt.Println(tag, err)
}
"""
TARGET = "//:langtag"
FIX_LINE = "`go get golang.org/x/text@v0.3.7` in the module that requires it"


def check(root: Path, *options: str) -> subprocess.CompletedProcess:
    return pants_in(root, *options, "check", "::", timeout=1800)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("vuln") / "repo"
    root.mkdir()
    (root / "main.go").write_text(MAIN)
    (root / "go.mod").write_text(
        "module example.com/langtag\n\ngo 1.22\n\nrequire golang.org/x/text v0.3.5\n"
    )
    go("mod", "download", "golang.org/x/text@v0.3.5", cwd=root)
    go("mod", "tidy", cwd=root)
    (root / "BUILD").write_text(
        "go_static_binary(name='langtag')\ngo_static_sources(name='sources')\n"
        "go_static_mod(name='mod')\n"
    )
    write_pants_toml(root, **{"go-static": {"vulnerabilities": "fail"}})
    return root


def test_a_reachable_vulnerability_fails_check_with_its_id_and_fix(repo: Path) -> None:
    result = check(repo)
    assert result.returncode == 1, result.stderr[-4000:]
    err = result.stderr
    assert (
        f"{TARGET}: links golang.org/x/text v0.3.5, which has GO-2021-0113 (Out-of-bounds read "
        "in golang.org/x/text/language); fixed in v0.3.7." in err
    ), err[-4000:]
    assert FIX_LINE in err
    assert "DB: golang.org/x/vulndb v0.0.0-20261105234957-e22db6528018" in err
    # Package-level only (the binary has no ParseAcceptLanguage): binary mode doesn't report it.
    assert "GO-2022-1059" not in err
    assert "Traceback" not in err


def test_warn_passes_and_prints_the_finding(repo: Path) -> None:
    result = check(repo, "--go-static-vulnerabilities=warn")
    assert result.returncode == 0, result.stderr[-4000:]
    assert "GO-2021-0113" in result.stdout + result.stderr


def test_an_exception_passes_until_its_date_and_fails_after(repo: Path) -> None:
    current = check(
        repo,
        "--go-static-vulnerability-exceptions=['GO-2021-0113: tags come from our config "
        "until 2099-12-31']",
    )
    assert current.returncode == 0, current.stderr[-4000:]
    assert "✓ //:langtag" in current.stdout + current.stderr
    expired = check(
        repo,
        "--go-static-vulnerability-exceptions=['GO-2021-0113: tags come from our config "
        "until 2024-01-31']",
    )
    assert expired.returncode == 1, expired.stderr[-4000:]
    assert (
        "the exception for GO-2021-0113 in [go-static].vulnerability_exceptions expired on "
        "2024-01-31 (reason given: tags come from our config)" in expired.stderr
    )


def test_a_malformed_exception_is_refused(repo: Path) -> None:
    result = check(repo, "--go-static-vulnerability-exceptions=['GO-2021-0113 forever']")
    assert result.returncode != 0
    assert "is not `GO-YYYY-NNNN: reason until YYYY-MM-DD`" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_sbom_lists_the_finding_and_the_db(repo: Path) -> None:
    result = pants_in(repo, "package", "::")
    assert result.returncode == 0, result.stderr[-4000:]
    (sbom,) = (repo / "dist").rglob("*.cdx.json")
    doc = json.loads(sbom.read_text())
    assert [v["id"] for v in doc["vulnerabilities"]] == ["GO-2021-0113"]
    assert doc["vulnerabilities"][0]["recommendation"].startswith("go get golang.org/x/text@v0.3.7")
    db = {p["name"]: p["value"] for p in doc["metadata"]["properties"]}
    assert db["go-static:vulnerabilities:db"] == (
        "golang.org/x/vulndb v0.0.0-20261105234957-e22db6528018"
    )


def test_the_report_diff_shows_a_new_finding(repo: Path, tmp_path: Path) -> None:
    # The commit before: x/text at its fixed version; then the change back to v0.3.5.
    go("get", "golang.org/x/text@v0.3.7", cwd=repo)
    before = pants_in(
        repo, "go-static-report", "::", f"--go-static-report-output-file={tmp_path}/before.md"
    )
    assert before.returncode == 0, before.stderr[-4000:]
    header, row = before.stdout.splitlines()[:2]
    # The text table is aligned: the vulns cell sits under its header, before the licences.
    assert row[header.index("vulns") : header.index("licenses")].strip() == "none"
    go("get", "golang.org/x/text@v0.3.5", cwd=repo)
    after = pants_in(
        repo, "go-static-report", "::", f"--go-static-report-baseline={tmp_path}/before.json"
    )
    assert after.returncode == 1
    assert "  - new known vulnerability: GO-2021-0113 golang.org/x/text@v0.3.5" in after.stdout
    assert "GO-2021-0113" in after.stderr  # the failure, in full


def test_the_upgrade_passes(repo: Path, tmp_path: Path) -> None:
    # Last: it changes the repo.
    go("get", "golang.org/x/text@v0.3.7", cwd=repo)
    go("mod", "tidy", cwd=repo)
    result = check(repo)
    assert result.returncode == 0, result.stderr[-4000:]
    assert "GO-2021-0113" not in result.stderr + result.stdout
