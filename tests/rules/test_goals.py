"""Tier 2: policy, `pants check`, go-static-explain, go-static-report and tailor (RuleRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pants.backend.go.target_types import GoBinaryTarget
from pants.core.goals.check import CheckResults
from pants.core.goals.package import BuiltPackage
from pants.core.goals.tailor import PutativeTargets
from pants.engine.addresses import Address
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static.core.gograph.repo_dirs import main_package_dirs
from go_static.goals.check import GoStaticBinaryCheckRequest
from go_static.goals.explain import GoStaticExplain
from go_static.goals.report import GoStaticReport
from go_static.goals.tailor import PutativeGoStaticTargetsRequest
from go_static.rules.plan import GoStaticBinaryFieldSet

FILES = {
    "r/go.mod": "module example.com/r\n\ngo 1.21\n",
    "r/hello/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hi") }\n',
    "r/calc/main.go": (
        "package main\n"
        "\n"
        "// static int twice(int x) { return 2 * x; }\n"
        'import "C"\n'
        "\n"
        'import "fmt"\n'
        "\n"
        "func main() { fmt.Println(C.twice(21)) }\n"
    ),
    "r/BUILD": (
        'go_static_binary(name="hello", main="./hello")\n'
        'go_static_binary(name="calc-glibc", main="./calc", libc="glibc")\n'
    ),
    # `pants check` fails a binary whose inputs have no owner (--changed-since can't see them).
    "r/BUILD.owners": 'go_static_mod(name="mod")\n',
    "r/hello/BUILD": 'go_static_sources(name="sources")\n',
    "r/calc/BUILD": 'go_static_sources(name="sources")\n',
}


QUERIES = (
    QueryRule(BuiltPackage, [GoStaticBinaryFieldSet]),
    QueryRule(CheckResults, [GoStaticBinaryCheckRequest]),
    QueryRule(PutativeTargets, [PutativeGoStaticTargetsRequest]),
)


@pytest.fixture
def rule_runner(make_rule_runner) -> RuleRunner:
    runner = make_rule_runner(*QUERIES)
    runner.write_files(FILES)
    return runner


def run(rule_runner: RuleRunner, goal, *args: str, options: tuple[str, ...] = ()):
    return rule_runner.run_goal_rule(
        goal, global_args=options, args=args, env_inherit={"PATH", "HOME"}
    )


def package(rule_runner: RuleRunner, name: str, spec_path: str = "r") -> BuiltPackage:
    return rule_runner.request(
        BuiltPackage,
        [
            GoStaticBinaryFieldSet.create(
                rule_runner.get_target(Address(spec_path, target_name=name))
            )
        ],
    )


def check(rule_runner: RuleRunner, *options: str):
    rule_runner.configure(*options)
    field_sets = [
        GoStaticBinaryFieldSet.create(rule_runner.get_target(Address("r", target_name=n)))
        for n in ("hello", "calc-glibc")
    ]
    (result,) = rule_runner.request(CheckResults, [GoStaticBinaryCheckRequest(field_sets)]).results
    return result


def test_check_goal_passes_and_fails_on_policy(rule_runner: RuleRunner) -> None:
    ok = check(rule_runner)
    assert ok.exit_code == 0
    assert "✓ r:hello: static, none" in ok.stdout and "✓ r:calc-glibc: static, glibc" in ok.stdout

    bad = check(rule_runner, "--go-static-allowed-libcs=['none', 'musl']")
    assert bad.exit_code == 1
    assert (
        'r:calc-glibc: resolves to libc="glibc", which the policy does not allow (allowed: none, '
        "musl)." in bad.stderr
    )
    assert (
        "Policy: [go-static].allowed_libcs, set in the command line (--go-static-allowed-libcs)."
        in bad.stderr
    )
    assert (
        'Fix: set libc="musl" on the target, or add "glibc" to [go-static].allowed_libcs.'
        in bad.stderr
    )
    assert "✓ r:hello" in bad.stdout  # the other target still checked


def test_package_enforces_policy_too(rule_runner: RuleRunner) -> None:
    rule_runner.configure("--go-static-require-static-pie")
    with pytest.raises(ExecutionError) as caught:
        package(rule_runner, "hello")
    assert "r:hello: is not a static-pie, and the policy requires one." in str(caught.value)
    assert "Fix: set static_pie=True on the target." in str(caught.value)


def test_dlopen_allowlist(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {"r/BUILD": 'go_static_binary(name="hello", main="./hello", allow_dlopen=True)\n'}
    )
    rule_runner.configure("--go-static-dlopen-allowlist=['plugins/**']")
    with pytest.raises(
        ExecutionError,
        match=(
            r"r:hello: sets allow_dlopen=True, but the target is not on the dlopen allowlist "
            r"\(plugins/\*\*\)"
        ),
    ):
        package(rule_runner, "hello")
    rule_runner.configure("--go-static-dlopen-allowlist=['r:*']")
    assert package(rule_runner, "hello").artifacts


def test_max_size_budget_from_defaults_and_loosening(rule_runner: RuleRunner) -> None:
    # __defaults__ sets a budget for every go_static_binary in r/ and below.
    rule_runner.write_files(
        {
            "r/BUILD": '__defaults__({go_static_binary: dict(max_size="1MiB")})\n'
            'go_static_binary(name="hello", main="./hello")\n'
        }
    )
    with pytest.raises(ExecutionError) as caught:
        package(rule_runner, "hello")
    message = str(caught.value)
    assert "policy-max-size: " in message and "over its size budget of 1.0 MiB" in message
    assert "the budget is the target's max_size field, set in its BUILD file" in message

    rule_runner.write_files(
        {"r/BUILD": 'go_static_binary(name="hello", main="./hello", max_size="50MiB")\n'}
    )
    rule_runner.configure("--go-static-max-size=20MiB")
    with pytest.raises(
        ExecutionError, match=r"r:hello: sets max_size=50.0 MiB, above the repo budget of 20.0 MiB"
    ):
        package(rule_runner, "hello")


def test_bad_max_size_field_is_rejected(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {"r/BUILD": 'go_static_binary(name="hello", main="./hello", max_size="big")\n'}
    )
    with pytest.raises(
        ExecutionError, match=r"The `max_size` field of r:hello: max_size='big' is not a size"
    ):
        package(rule_runner, "hello")


def test_explain_json_and_text(rule_runner: RuleRunner) -> None:
    result = run(rule_runner, GoStaticExplain, "--json", "r:calc-glibc")
    assert result.exit_code == 0
    (item,) = json.loads(result.stdout)
    assert (item["target"], item["scenario"], item["libc"], item["linkmode"]) == (
        "r:calc-glibc",
        5,
        "glibc",
        "external",
    )
    env = {e["setting"]: e for e in item["env"]}
    assert env["GOTOOLCHAIN"]["value"] == "local" and env["CGO_ENABLED"]["value"] == "1"
    assert env["CC"]["value"].endswith("gcc") and env["GOWORK"]["reason"]
    settings = {d["setting"]: d for d in item["decisions"]}
    assert (
        settings["libc"]["decided_by"] == "field libc"
        and settings["-tags"]["value"] == "netgo,osusergo"
    )
    assert (
        item["go_build"][:3] == ["go", "build", "-trimpath"]
        and "-ldflags=-linkmode=external -extldflags=-static" in item["go_build"]
    )
    text = run(rule_runner, GoStaticExplain, "r:hello").stdout
    assert text.startswith("r:hello: scenario ⑥, goarch=amd64, libc=none")
    assert "  environment:" in text and "go build (in r): go build -trimpath" in text


def test_explain_fails_on_addresses_that_select_no_binary(rule_runner: RuleRunner) -> None:
    result = run(rule_runner, GoStaticExplain, "r/hello:sources", "r:mod")
    assert result.exit_code == 1 and result.stdout == ""
    head, why, fix = result.stderr.strip().splitlines()
    assert head == (
        "go-static-explain: r/hello:sources (go_static_sources), r:mod (go_static_mod) are not "
        "go_static_binary targets"
    )
    assert why.startswith("  Why: go-static-explain explains go_static_binary targets only")
    assert fix.startswith("  Fix: name go_static_binary targets, or directories and globs")
    # One binary among them is enough: the others are left out, as `::` leaves them out.
    assert run(rule_runner, GoStaticExplain, "r/hello:sources", "r:hello").exit_code == 0


def test_report_table_files_and_baseline(rule_runner: RuleRunner) -> None:
    result = run(rule_runner, GoStaticReport, "--output-file=reports/static.md", "r::")
    assert result.exit_code == 0
    header, *rows = result.stdout.strip().splitlines()
    assert header.split() == [
        "target",
        "scenario",
        "libc",
        "cgo",
        "tags",
        "linkmode",
        "size",
        "runtime",
        "verdict",
        "vulns",
        "licenses",
    ]
    assert any(r.startswith("r:calc-glibc") and "glibc" in r and "pass" in r for r in rows)
    root = Path(rule_runner.build_root)
    assert (root / "reports/static.md").read_text().startswith("| target | scenario |")
    report = json.loads((root / "reports/static.json").read_text())
    assert report["targets"]["r:hello"]["scenario"] == 6

    # Pretend the baseline had calc without cgo: the diff names exactly that.
    report["targets"]["r:calc-glibc"].update(scenario=6, cgo_packages=[], size=1000)
    (root / "reports/old.json").write_text(json.dumps(report))
    diff = run(rule_runner, GoStaticReport, "--baseline=reports/old.json", "r::")
    assert diff.exit_code == 0
    assert "r:calc-glibc" in diff.stdout and "moved from scenario ⑥ to ⑤" in diff.stdout
    assert "new cgo package in its graph: example.com/r/calc" in diff.stdout
    assert "r:hello" not in diff.stdout

    bad = run(rule_runner, GoStaticReport, "--baseline=reports/missing.json", "r::")
    assert bad.exit_code == 2 and "can't use reports/missing.json" in bad.stderr

    # An output path under a regular file can't be written: exit 2 with the fix, no traceback,
    # and no half-written report left behind.
    (root / "blocked").write_text("a file, not a directory\n")
    unwritable = run(rule_runner, GoStaticReport, "--output-file=blocked/linkage.md", "r::")
    assert unwritable.exit_code == 2
    assert "[go-static-report].output_file: can't write the report to blocked/linkage.md" in (
        unwritable.stderr
    )
    assert "Fix: point it at a writable path" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr


def test_report_exits_nonzero_on_policy_failure(rule_runner: RuleRunner) -> None:
    result = run(
        rule_runner, GoStaticReport, "r::", options=("--go-static-allowed-libcs=['none']",)
    )
    assert result.exit_code == 1
    assert "fail (policy-libc)" in result.stdout
    assert 'r:calc-glibc: resolves to libc="glibc"' in result.stderr


def test_tailor_proposes_only_unclaimed_main_packages(make_rule_runner) -> None:
    runner = make_rule_runner(*QUERIES)
    runner.write_files(
        {
            **FILES,
            "r/BUILD": 'go_static_binary(name="calc", main="./calc")\n',  # claims r/calc from r/
            "r/tool/main.go": "package main\n\nfunc main() {}\n",
            "r/owned/main.go": "package main\n\nfunc main() {}\n",
            "r/owned/BUILD": 'go_static_binary(name="owned")\n',
            "nomod/main.go": "package main\n\nfunc main() {}\n",
        }
    )
    proposed = runner.request(
        PutativeTargets,
        [PutativeGoStaticTargetsRequest(("r", "r/hello", "r/calc", "r/tool", "r/owned", "nomod"))],
    )
    assert sorted(p.path for p in proposed) == ["r/hello", "r/tool"]
    assert all(p.type_alias == "go_static_binary" for p in proposed)


def test_tailor_stays_off_beside_pants_go_backend(make_rule_runner) -> None:
    runner = make_rule_runner(*QUERIES, target_types=[GoBinaryTarget])
    runner.write_files(FILES)
    assert not runner.request(PutativeTargets, [PutativeGoStaticTargetsRequest(("r/hello",))])


def test_main_package_dirs() -> None:
    files = {
        "a/cmd/x/main.go": b"// Command x.\npackage main\n",
        "a/cmd/x/main_test.go": b"package main\n",
        "a/lib/lib.go": b"package lib\n",
        "a/testdata/t/main.go": b"package main\n",
        "a/vendor/v/cmd/main.go": b"package main\n",
        "a/cmd/vendor/main.go": b"package main // a command named vendor\n",
        "a/cmd/y/y_test.go": b"package main\n",
        # A generator for `go run`, not a binary: tailor must not propose a target for lib/.
        "a/lib/gen.go": b"//go:build ignore\n\npackage main\n",
    }
    assert main_package_dirs(files) == {"a/cmd/x": ["main.go"], "a/cmd/vendor": ["main.go"]}
