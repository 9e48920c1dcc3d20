"""Tier 2: the build Process's inputs are exactly the main package's closure, proven by counting
which processes actually execute after an edit (not cached)."""

from __future__ import annotations

import pytest
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.testutil.rule_runner import QueryRule, RuleRunner
from pants.util.logging import LogLevel

from go_static.rules.plan import GoStaticBinaryFieldSet

FILES = {
    "m/go.mod": "module example.com/m\n\ngo 1.21\n",
    "m/a/main.go": 'package main\n\nimport "example.com/m/lib"\n\nfunc main() { lib.F() }\n',
    "m/b/main.go": 'package main\n\nimport "example.com/m/other"\n\nfunc main() { other.G() }\n',
    "m/lib/lib.go": (
        'package lib\n\nimport _ "embed"\n\n//go:embed banner.txt\nvar banner string\n\n'
        "func F() { println(banner) }\n"
    ),
    "m/lib/banner.txt": "v1\n",
    "m/other/other.go": "package other\n\nfunc G() {}\n",
    "m/README.md": "not Go\n",
    "m/BUILD": 'go_static_binary(name="a", main="./a")\ngo_static_binary(name="b", main="./b")\n',
}


@pytest.fixture
def rule_runner(make_rule_runner) -> RuleRunner:
    runner = make_rule_runner(
        QueryRule(BuiltPackage, [GoStaticBinaryFieldSet]),
        # A private store, so "executed" means executed, not served from an earlier test run.
        isolated_local_store=True,
    )
    runner.write_files(FILES)
    return runner


def executed(rule_runner: RuleRunner, *names: str) -> list[str]:
    """Package the targets in a fresh session; return descriptions of processes that really ran."""
    rule_runner.configure()
    rule_runner.scheduler.poll_workunits(LogLevel.DEBUG)
    for name in names:
        field_set = GoStaticBinaryFieldSet.create(
            rule_runner.get_target(Address("m", target_name=name))
        )
        rule_runner.request(BuiltPackage, [field_set])
    completed = rule_runner.scheduler.poll_workunits(LogLevel.DEBUG)["completed"]
    return sorted(w["description"] for w in completed if w["name"] == "run_local_process")


def builds(descriptions: list[str]) -> list[str]:
    return [d.split(" (")[0] for d in descriptions if d.startswith("Building ")]


def test_only_binaries_that_import_an_edited_package_rebuild(rule_runner: RuleRunner) -> None:
    first = executed(rule_runner, "a", "b")
    assert builds(first) == ["Building m:a", "Building m:b"]
    assert sum(d.startswith("Precompile") for d in first) == 1  # one prebuild shared by both

    # Nothing changed: nothing builds.
    assert builds(executed(rule_runner, "a", "b")) == []

    # A package only b imports: b rebuilds, a does not (go list runs again, cheaply, for both).
    rule_runner.write_files({"m/other/other.go": "package other\n\nfunc G() { println() }\n"})
    ran = executed(rule_runner, "a", "b")
    assert builds(ran) == ["Building m:b"]
    assert any(d.startswith("go list -deps") for d in ran)
    # The shared std/third-party prebuild depends on go.mod and the package list, not on our code.
    assert not any(d.startswith("Precompile") for d in ran)

    # A file no package reads, and a new package nobody imports: no build at all.
    rule_runner.write_files({"m/README.md": "still not Go\n", "m/unused/u.go": "package unused\n"})
    assert builds(executed(rule_runner, "a", "b")) == []

    # An embedded file is an input of the package that embeds it.
    rule_runner.write_files({"m/lib/banner.txt": "v2\n"})
    assert builds(executed(rule_runner, "a", "b")) == ["Building m:a"]
