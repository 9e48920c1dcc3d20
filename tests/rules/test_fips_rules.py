"""Tier 2 (RuleRunner): the fips and goamd64 fields through the rules: the env go build gets,
explain's decisions, the require_fips policy in check and package, and the checked build."""

from __future__ import annotations

import json

import pytest
from pants.core.goals.check import CheckResults
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import Digest, DigestContents
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static.goals.check import GoStaticBinaryCheckRequest
from go_static.goals.explain import GoStaticExplain
from go_static.rules.plan import GoStaticBinaryFieldSet

MAIN = (
    "package main\n\n"
    'import (\n\t"crypto/fips140"\n\t"crypto/sha256"\n\t"fmt"\n)\n\n'
    "func main() { fmt.Println(sha256.Sum256(nil), fips140.Enabled()) }\n"
)
FILES = {
    "f/go.mod": "module example.com/f\n\ngo 1.24\n",
    "f/main.go": MAIN,
    "f/BUILD": (
        'go_static_binary(name="fips", fips="v1.0.0", goamd64="v2")\n'
        'go_static_binary(name="plain")\n'
        'go_static_sources(name="sources")\n'
        'go_static_mod(name="mod")\n'
    ),
}


@pytest.fixture
def rule_runner(make_rule_runner) -> RuleRunner:
    runner = make_rule_runner(
        QueryRule(BuiltPackage, [GoStaticBinaryFieldSet]),
        QueryRule(CheckResults, [GoStaticBinaryCheckRequest]),
        QueryRule(DigestContents, [Digest]),
    )
    runner.write_files(FILES)
    return runner


def field_set(rule_runner: RuleRunner, name: str) -> GoStaticBinaryFieldSet:
    return GoStaticBinaryFieldSet.create(rule_runner.get_target(Address("f", target_name=name)))


def test_explain_shows_the_fips_and_cpu_decisions(rule_runner: RuleRunner) -> None:
    result = rule_runner.run_goal_rule(
        GoStaticExplain, args=("--json", "f:fips"), env_inherit={"PATH", "HOME"}
    )
    assert result.exit_code == 0, result.stderr
    (item,) = json.loads(result.stdout)
    env = {e["setting"]: e["value"] for e in item["env"]}
    assert (env["GOFIPS140"], env["GOAMD64"], env["CGO_ENABLED"]) == ("v1.0.0", "v2", "0")
    decisions = {d["setting"]: d for d in item["decisions"]}
    assert "v1.0.0-c2097c7c" in decisions["GOFIPS140"]["reason"]
    assert decisions["GOAMD64"]["decided_by"] == "field goamd64"


def test_require_fips_fails_check_and_package_of_the_plain_target(rule_runner: RuleRunner) -> None:
    rule_runner.set_options(["--go-static-require-fips=['f:*']"], env_inherit={"PATH", "HOME"})
    request = GoStaticBinaryCheckRequest([field_set(rule_runner, n) for n in ("fips", "plain")])
    (result,) = rule_runner.request(CheckResults, [request]).results
    assert result.exit_code == 1
    assert "f:plain: builds no FIPS 140 module" in result.stderr
    assert "✓ f:fips: static, none" in result.stdout
    with pytest.raises(ExecutionError, match=r'set fips="latest" on the target'):
        rule_runner.request(BuiltPackage, [field_set(rule_runner, "plain")])


def test_the_fips_build_is_checked_and_reported(rule_runner: RuleRunner) -> None:
    built = rule_runner.request(BuiltPackage, [field_set(rule_runner, "fips")])
    assert [a.relpath for a in built.artifacts] == ["f/fips"]
    files = {fc.path: fc.content for fc in rule_runner.request(DigestContents, [built.digest])}
    report = json.loads(files["f/fips.static-report.json"])
    assert (report["fips"], report["cpu_level"], report["verdict"]) == (
        "go-fips140 v1.0.0-c2097c7c",
        "v2",
        "pass",
    )
