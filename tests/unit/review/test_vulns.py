"""The vulnerability gate's Pants-free half: options, govulncheck's JSON, findings as Problems.

data/govulncheck/langtag-x-text-v0.3.5.govulncheck.json is the real output of
`govulncheck -mode=binary -db file://<DB> -format json langtag` (govulncheck v1.10.0, the DB
golang.org/x/vulndb v0.0.0-20261105234957-e22db6528018 indexed by its cmd/indexdb), on a binary
whose main calls golang.org/x/text/language.Parse with golang.org/x/text v0.3.5 (CGO_ENABLED=0,
Go 1.27.3). Only the `osv` entries of ids it has findings for are kept (the rest is 580 KB).
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from go_static.core.review.vulns import (
    CODE_EXPIRED,
    CODE_FINDING,
    FAIL,
    OFF,
    WARN,
    Finding,
    VulnConfigError,
    VulnException,
    VulnScanError,
    judge,
    parse_exceptions,
    parse_govulncheck,
    vuln_settings,
)
from go_static.core.review.vulns_tools import DEFAULT_VULNDB_VERSION

CAPTURED = (
    Path(__file__).parents[1] / "data" / "govulncheck" / "langtag-x-text-v0.3.5.govulncheck.json"
)
DAY = datetime.date(2026, 12, 4)


def test_binary_mode_reports_only_the_symbol_the_binary_contains() -> None:
    findings = parse_govulncheck(CAPTURED.read_text())
    # GO-2022-1059 (ParseAcceptLanguage, MatchStrings) and two newer ids are in the module and
    # package but not in the binary: govulncheck reports them without a function.
    assert findings == (
        Finding(
            id="GO-2021-0113",
            module="golang.org/x/text",
            found="v0.3.5",
            fixed="v0.3.7",
            symbol="golang.org/x/text/language.Parse",
            summary="Out-of-bounds read in golang.org/x/text/language",
            aliases=("CVE-2021-38561", "GHSA-ppp9-7jff-5vj2"),
        ),
    )
    assert findings[0].go_get == "go get golang.org/x/text@v0.3.7"


def test_fail_mode_names_the_target_id_module_versions_and_go_get() -> None:
    findings = parse_govulncheck(CAPTURED.read_text())
    settings = vuln_settings(FAIL, [], DEFAULT_VULNDB_VERSION)
    verdict = judge(findings, settings, DAY)
    assert verdict.codes == (CODE_FINDING,)
    assert not verdict.warnings
    text = verdict.blocking[0].render("src/go/langtag:langtag")
    assert text.splitlines()[0] == (
        "src/go/langtag:langtag: links golang.org/x/text v0.3.5, which has GO-2021-0113 "
        "(Out-of-bounds read in golang.org/x/text/language); fixed in v0.3.7."
    )
    assert f"DB: golang.org/x/vulndb {DEFAULT_VULNDB_VERSION}" in text
    assert "golang.org/x/text/language.Parse" in text
    assert "Fix: `go get golang.org/x/text@v0.3.7` in the module that requires it" in text


def test_warn_mode_warns_and_does_not_block() -> None:
    findings = parse_govulncheck(CAPTURED.read_text())
    verdict = judge(findings, vuln_settings(WARN, [], DEFAULT_VULNDB_VERSION), DAY)
    assert not verdict.blocking and not verdict.codes
    assert "GO-2021-0113" in verdict.warnings[0].render()


def test_an_exception_passes_until_its_date_and_fails_the_day_after() -> None:
    findings = parse_govulncheck(CAPTURED.read_text())
    settings = vuln_settings(
        FAIL,
        ["GO-2021-0113: tags come from our own config until 2026-12-31"],
        "v0.0.0-20261105234957-e22db6528018",
    )
    on_the_day = judge(findings, settings, datetime.date(2026, 12, 31))
    assert on_the_day.excepted == ("GO-2021-0113",) and not on_the_day.blocking
    after = judge(findings, settings, datetime.date(2027, 1, 1))
    assert after.codes == (CODE_EXPIRED,)
    text = after.blocking[0].render("t:t")
    assert (
        "the exception for GO-2021-0113 in [go-static].vulnerability_exceptions expired on " in text
    )
    assert "2026-12-31 (reason given: tags come from our own config)" in text
    # An expired exception fails even where findings only warn.
    warn = vuln_settings(WARN, ["GO-2021-0113: x until 2020-01-01"], DEFAULT_VULNDB_VERSION)
    assert judge(findings, warn, DAY).codes == (CODE_EXPIRED,)


def test_exception_parser() -> None:
    parsed, problems = parse_exceptions(
        [
            "GO-2021-0113: only parses our own config until 2027-01-31",
            "  GO-2022-1059 : why until 2026-02-28 ",
        ]
    )
    assert parsed == (
        VulnException("GO-2021-0113", "only parses our own config", datetime.date(2027, 1, 31)),
        VulnException("GO-2022-1059", "why", datetime.date(2026, 2, 28)),
    )
    assert not problems


@pytest.mark.parametrize(
    "entry, says",
    [
        ("GO-2021-0113 until 2027-01-31", "is not `GO-YYYY-NNNN: reason until YYYY-MM-DD`"),
        ("GO-2021-0113: no date", "is not `GO-YYYY-NNNN: reason until YYYY-MM-DD`"),
        ("CVE-2021-38561: alias until 2027-01-31", "is not `GO-YYYY-NNNN"),
        ("GO-2021-0113: bad day until 2027-02-30", "2027-02-30 is not a date"),
        ("GO-2021-0113: x until 2027-01-31; rm -rf /", "is not `GO-YYYY-NNNN"),
    ],
)
def test_exception_parser_rejects(entry: str, says: str) -> None:
    parsed, problems = parse_exceptions([entry])
    assert parsed == () and len(problems) == 1
    assert says in problems[0].what


def test_settings_report_every_problem_at_once() -> None:
    with pytest.raises(VulnConfigError) as raised:
        vuln_settings(
            "block",
            ["GO-2021-0113: a until 2027-01-31", "GO-2021-0113: b until 2027-01-31", "nonsense"],
            "https://user:secret@mirror.example/db",
        )
    text = str(raised.value)
    assert "[go-static].vulnerabilities = 'block' is not one of fail, warn, off." in text
    assert "GO-2021-0113 has more than one exception." in text
    assert "'nonsense' is not `GO-YYYY-NNNN" in text
    assert "[go-static].vulndb = " in text and "is neither a golang.org/x/vulndb" in text
    assert text.count("Fix:") == 4


@pytest.mark.parametrize(
    "vulndb, ok",
    [
        (DEFAULT_VULNDB_VERSION, True),
        ("file:///srv/vulndb", True),
        ("v1.2.3", False),
        ("file://host/srv/vulndb", False),
        ("file:///srv/../etc", False),
        ("https://vuln.go.dev", False),
    ],
)
def test_vulndb_option(vulndb: str, ok: bool) -> None:
    if ok:
        assert vuln_settings(OFF, [], vulndb).vulndb == vulndb
    else:
        with pytest.raises(VulnConfigError):
            vuln_settings(OFF, [], vulndb)


def test_hostile_scanner_output_is_rejected() -> None:
    with pytest.raises(VulnScanError):
        parse_govulncheck('{"config": {}} not json')
    bad_fixed = (
        '{"finding": {"osv": "GO-2021-0113", "fixed_version": "v0.3.7; curl evil", "trace": '
        '[{"module": "golang.org/x/text", "version": "v0.3.5", "function": "Parse"}]}}'
    )
    with pytest.raises(VulnScanError):
        parse_govulncheck(bad_fixed)
    bad_module = bad_fixed.replace("v0.3.7; curl evil", "v0.3.7").replace(
        '"golang.org/x/text"', '"-x golang.org/x/text"'
    )
    with pytest.raises(VulnScanError):
        parse_govulncheck(bad_module)


def test_the_report_shows_findings_and_its_diff_a_new_one() -> None:
    from go_static.core.review.linkage import LinkageRow, changes, from_json, table, to_json

    clean = LinkageRow("src/go:langtag", scenario=6, verdict="pass", vulns=())
    found = LinkageRow(
        "src/go:langtag",
        scenario=6,
        verdict="fail",
        problems=(CODE_FINDING,),
        vulns=("GO-2021-0113 golang.org/x/text@v0.3.5",),
    )
    unscanned = LinkageRow("src/go:other", scenario=6, verdict="pass")
    header, _, *lines = table([found, unscanned], markdown=True).splitlines()
    names = [c.strip() for c in header.split("|")]
    cells = [dict(zip(names, (c.strip() for c in line.split("|")))) for line in lines]
    assert cells[0]["verdict"] == "fail (vuln-finding)" and cells[0]["vulns"] == "GO-2021-0113"
    assert cells[1]["vulns"] == "not scanned"  # never shown as clean
    musl = LinkageRow("src/go:sqlite", libc="musl", verdict="pass", vulns=())
    assert musl.vulns_text == "none; C not scanned"
    baseline = from_json(to_json([clean, unscanned]), "old.json")
    assert baseline["src/go:other"].vulns is None
    assert changes(baseline, [found, unscanned]) == {
        "src/go:langtag": [
            "new known vulnerability: GO-2021-0113 golang.org/x/text@v0.3.5",
            "verdict changed from pass to fail (vuln-finding)",
        ]
    }
    assert changes(from_json(to_json([found]), "old.json"), [clean]) == {
        "src/go:langtag": [
            "known vulnerability gone: GO-2021-0113 golang.org/x/text@v0.3.5",
            "verdict changed from fail to pass",
        ]
    }
