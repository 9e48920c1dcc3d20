"""Tier 2: `package` writes `<output>.intoto.json` beside a static glibc cgo binary (RuleRunner)."""

from __future__ import annotations

import hashlib
import json

from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static.rules.plan import GoStaticBinaryFieldSet

FILES = {
    "r/go.mod": "module example.com/r\n\ngo 1.21\n",
    "r/calc/main.go": (
        'package main\n\n// static int twice(int x) { return 2 * x; }\nimport "C"\n\n'
        'import "fmt"\n\nfunc main() { fmt.Println(C.twice(21)) }\n'
    ),
    "r/BUILD": 'go_static_binary(name="calc", main="./calc", libc="glibc")\n',
}
GITHUB = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "acme/r",
    "GITHUB_RUN_ID": "77",
    "GITHUB_RUN_ATTEMPT": "1",
}


def package(runner: RuleRunner) -> dict[str, bytes]:
    field_set = GoStaticBinaryFieldSet.create(runner.get_target(Address("r", target_name="calc")))
    built = runner.request(BuiltPackage, [field_set])
    return {fc.path: fc.content for fc in runner.request(DigestContents, [built.digest])}


def test_package_writes_the_provenance_beside_the_binary(make_rule_runner) -> None:
    runner = make_rule_runner(QueryRule(BuiltPackage, [GoStaticBinaryFieldSet]))
    runner.write_files(FILES)
    runner.configure("--go-static-provenance-builder-id=https://ci.example/builder", env=GITHUB)
    files = package(runner)
    assert set(files) == {
        "r/calc",
        "r/calc.static-report.json",
        "r/calc.cdx.json",
        "r/calc.intoto.json",
    }
    document = json.loads(files["r/calc.intoto.json"])
    digest = hashlib.sha256(files["r/calc"]).hexdigest()
    assert document["subject"] == [{"name": "calc", "digest": {"sha256": digest}}]
    run = document["predicate"]["runDetails"]
    assert run["builder"]["id"] == "https://ci.example/builder"
    assert run["metadata"]["invocationId"] == "https://github.com/acme/r/actions/runs/77/attempts/1"
    assert run["metadata"]["startedOn"] <= run["metadata"]["finishedOn"]
    named = {d["name"]: d for d in document["predicate"]["buildDefinition"]["resolvedDependencies"]}
    # Local toolchains: no archive, so a fingerprint under its own name, never "sha256".
    assert set(named["gcc"]["digest"]) == {"goStaticFingerprint"}
    assert named["gcc"]["annotations"]["version"].startswith("gcc")
    assert named["glibc"]["annotations"]["version"].count(".") >= 1
    internal = document["predicate"]["buildDefinition"]["internalParameters"]
    assert (internal["libc"], internal["cCompiler"]) == ("glibc", "gcc")

    runner.configure(
        "--go-static-provenance-builder-id=https://ci.example/builder",
        "--no-go-static-provenance-timestamps",
        env=GITHUB,
    )
    untimed = json.loads(package(runner)["r/calc.intoto.json"])
    assert "metadata" not in untimed["predicate"]["runDetails"]
    del document["predicate"]["runDetails"]["metadata"]
    assert untimed == document
