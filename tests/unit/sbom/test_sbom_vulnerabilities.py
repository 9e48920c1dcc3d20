"""The SBOM's `vulnerabilities`: govulncheck's findings, the DB recorded, the C not scanned."""

from __future__ import annotations

import json
from pathlib import Path

from sbom_lab import SAMPLE_C, SAMPLE_LIBC, assert_valid

from go_static.core.checker.buildinfo import parse_modinfo
from go_static.core.review.vulns import parse_govulncheck
from go_static.core.sbom.bom import NOT_SCANNED, sbom_json

# The captured scan of a binary calling golang.org/x/text/language.Parse (see test_vulns.py).
CAPTURED = (
    Path(__file__).parents[1] / "data" / "govulncheck" / "langtag-x-text-v0.3.5.govulncheck.json"
)
# `go version -m` of that binary.
MODINFO = (
    "path\texample.com/langtag\n"
    "mod\texample.com/langtag\t(devel)\t\n"
    "dep\tgolang.org/x/text\tv0.3.5\th1:i6eZZ+zk0SOf0xgBpEpPD18qWcJda6q1sxt3S0kzyUQ=\n"
    "build\t-buildmode=exe\n"
    "build\tCGO_ENABLED=0\n"
)
DB = "golang.org/x/vulndb v0.0.0-20261105234957-e22db6528018"


def document(**vulns) -> dict:
    text = sbom_json(
        binary_name="langtag",
        binary_sha256="0f" * 32,
        address="src/go:langtag",
        build_info=parse_modinfo("go1.27.3", MODINFO),
        libc=SAMPLE_LIBC,
        c_components=SAMPLE_C,
        **vulns,
    )
    assert_valid(text)
    return json.loads(text)


def props(item: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in item.get("properties", [])}


def test_findings_become_cyclonedx_vulnerabilities_with_the_db_recorded() -> None:
    doc = document(vulndb=DB, vulnerabilities=parse_govulncheck(CAPTURED.read_text()))
    assert props(doc["metadata"])["go-static:vulnerabilities:db"] == DB
    (vuln,) = doc["vulnerabilities"]
    assert vuln["id"] == "GO-2021-0113"
    assert vuln["source"] == {
        "name": "Go Vulnerability Database",
        "url": "https://pkg.go.dev/vuln/GO-2021-0113",
    }
    assert vuln["recommendation"] == "go get golang.org/x/text@v0.3.7 (fixed in v0.3.7)"
    assert vuln["affects"] == [{"ref": "go:golang.org/x/text", "versions": [{"version": "v0.3.5"}]}]
    assert {r["id"] for r in vuln["references"]} == {"CVE-2021-38561", "GHSA-ppp9-7jff-5vj2"}
    assert props(vuln)["go-static:vulnerabilities:symbol"] == "golang.org/x/text/language.Parse"
    # The C has no offline vulnerability source: marked, never left looking clean.
    c = [x for x in doc["components"] if x["bom-ref"].startswith("c:")]
    assert c and all(props(x)["go-static:vulnerabilities:scan"] == NOT_SCANNED for x in c)


def test_a_clean_scan_records_the_db_and_no_vulnerabilities() -> None:
    doc = document(vulndb=DB, vulnerabilities=())
    assert props(doc["metadata"])["go-static:vulnerabilities:db"] == DB
    assert not doc.get("vulnerabilities")


def test_without_a_scan_the_document_says_nothing_about_vulnerabilities() -> None:
    doc = document()
    assert "vulnerabilities" not in doc
    assert "go-static:vulnerabilities:db" not in props(doc["metadata"])
