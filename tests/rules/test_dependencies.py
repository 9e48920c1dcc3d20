"""Tier 2: dependency inference and tailoring of the files Go builds read (RuleRunner, real go).

A go_static_binary depends on the owner of every file its build reads, taken from the same
`GoStaticInputs` its input digest is cut from: cgo C and headers, embedded files, a sibling
module reached by `replace`, vendor/, and packages shared by several binaries.
"""

from __future__ import annotations

import pytest
from pants.core.goals.tailor import PutativeTargets
from pants.engine.addresses import Address
from pants.engine.target import InferredDependencies
from pants.testutil.rule_runner import QueryRule, RuleRunner

from go_static.goals.tailor import PutativeGoStaticSourcesRequest
from go_static.rules.dependencies import (
    GoStaticBinaryInferenceFieldSet,
    InferGoStaticBinaryDependencies,
)
from go_static.rules.outcome import GoStaticOutcome, GoStaticOutcomeRequest
from go_static.rules.plan import GoStaticBinaryFieldSet, GoStaticInputs, GoStaticInputsRequest

GO_MOD = "module example.com/{name}\n\ngo 1.21\n"
LIB = 'package lib\n\nconst Greeting = "hi"\n'


def main_importing(*imports: str, body: str = "") -> str:
    lines = "".join(f'\t_ "{i}"\n' for i in imports)
    return f"package main\n\nimport (\n{lines})\n\nfunc main() {{{body}}}\n"


@pytest.fixture
def rule_runner(make_rule_runner) -> RuleRunner:
    return make_rule_runner(
        QueryRule(InferredDependencies, [InferGoStaticBinaryDependencies]),
        QueryRule(GoStaticInputs, [GoStaticInputsRequest]),
        QueryRule(PutativeTargets, [PutativeGoStaticSourcesRequest]),
        QueryRule(GoStaticOutcome, [GoStaticOutcomeRequest]),
    )


def field_set(rule_runner: RuleRunner, spec_path: str, name: str) -> GoStaticBinaryFieldSet:
    return GoStaticBinaryFieldSet.create(
        rule_runner.get_target(Address(spec_path, target_name=name))
    )


def inferred(rule_runner: RuleRunner, spec_path: str, name: str) -> set[str]:
    target = rule_runner.get_target(Address(spec_path, target_name=name))
    request = InferGoStaticBinaryDependencies(GoStaticBinaryInferenceFieldSet.create(target))
    return {str(a) for a in rule_runner.request(InferredDependencies, [request]).include}


def inputs(rule_runner: RuleRunner, spec_path: str, name: str) -> set[str]:
    target = rule_runner.get_target(Address(spec_path, target_name=name))
    field_set = GoStaticBinaryFieldSet.create(target)
    return set(
        rule_runner.request(GoStaticInputs, [GoStaticInputsRequest(field_set)]).snapshot.files
    )


def tailored(rule_runner: RuleRunner, *dirs: str) -> dict[str, tuple]:
    found = rule_runner.request(PutativeTargets, [PutativeGoStaticSourcesRequest(dirs)])
    return {f"{p.path}:{p.name}": (p.type_alias, p.kwargs.get("sources")) for p in found}


def test_cgo_files_and_a_shared_package_are_inferred_from_the_closure(rule_runner) -> None:
    rule_runner.write_files(
        {
            "m/go.mod": GO_MOD.format(name="m"),
            "m/BUILD": 'go_static_mod(name="mod")\n'
            'go_static_binary(name="a", main="./a")\ngo_static_binary(name="b", main="./b")\n',
            "m/a/main.go": main_importing("example.com/m/lib", "example.com/m/c"),
            "m/a/BUILD": 'go_static_sources(name="sources")\n',
            "m/b/main.go": main_importing("example.com/m/lib"),
            "m/b/BUILD": 'go_static_sources(name="sources")\n',
            "m/lib/lib.go": LIB,
            "m/lib/README.md": "not an input\n",
            "m/lib/BUILD": 'go_static_sources(name="sources")\n',
            "m/c/c.go": 'package c\n\n// #include "c.h"\nimport "C"\n\nvar X = C.twice(2)\n',
            "m/c/c.h": "static int twice(int x) { return 2 * x; }\n",
            "m/c/BUILD": 'go_static_sources(name="sources")\n',
        }
    )
    assert inferred(rule_runner, "m", "a") == {
        "m:mod",
        "m/a:sources",
        "m/c:sources",
        "m/lib:sources",
    }
    assert inferred(rule_runner, "m", "b") == {"m:mod", "m/b:sources", "m/lib:sources"}
    assert {"m/c/c.h", "m/c/c.go", "m/go.mod"} <= inputs(rule_runner, "m", "a")
    assert "m/lib/README.md" not in inputs(rule_runner, "m", "a")


def test_an_input_without_an_owner_fails_check_naming_it_and_tailor_adds_one(rule_runner) -> None:
    rule_runner.write_files(
        {
            "e/go.mod": GO_MOD.format(name="e"),
            "e/BUILD": 'go_static_mod(name="mod")\ngo_static_binary(name="web", main="./web")\n',
            "e/web/main.go": (
                'package main\n\nimport _ "embed"\n\n//go:embed static/index.html\n'
                "var page string\n\nfunc main() { println(page) }\n"
            ),
            "e/web/BUILD": 'go_static_sources(name="sources")\n',
            "e/web/static/index.html": "<p>hi</p>\n",
        }
    )
    # Inference never fails (it would stop every target's --changed-since selection); `pants
    # check` fails this one.
    assert inferred(rule_runner, "e", "web") == {"e:mod", "e/web:sources"}
    outcome = rule_runner.request(
        GoStaticOutcome, [GoStaticOutcomeRequest(field_set(rule_runner, "e", "web"))]
    )
    assert not outcome.passed and outcome.row.problems == ("unowned-input",)
    message = outcome.failure
    assert (
        "e:web: the build reads 1 file(s) that no target owns: e/web/static/index.html." in message
    )
    assert "Fix: run `pants tailor ::`" in message and "e/web/static" in message
    assert tailored(rule_runner, "e", "e/web", "e/web/static") == {
        "e/web/static:sources": ("go_static_sources", ("index.html",))
    }
    rule_runner.write_files(
        {"e/web/static/BUILD": 'go_static_sources(name="sources", sources=["index.html"])\n'}
    )
    assert inferred(rule_runner, "e", "web") == {"e:mod", "e/web:sources", "e/web/static:sources"}


def test_a_sibling_module_reached_by_replace_is_a_dependency(rule_runner) -> None:
    rule_runner.write_files(
        {
            "app/go.mod": GO_MOD.format(name="app")
            + "\nrequire example.com/shared v0.0.0\n\nreplace example.com/shared => ../shared\n",
            "app/BUILD": 'go_static_mod(name="mod")\ngo_static_binary(name="app")\n',
            "app/main.go": main_importing("example.com/shared/lib"),
            "app/BUILD.sources": "",
            "shared/go.mod": GO_MOD.format(name="shared"),
            "shared/lib/lib.go": LIB,
        }
    )
    assert tailored(rule_runner, "app", "shared", "shared/lib") == {
        "app:sources": ("go_static_sources", None),
        "shared:mod": ("go_static_mod", None),
        "shared/lib:sources": ("go_static_sources", None),
    }
    rule_runner.write_files(
        {
            "app/BUILD": 'go_static_mod(name="mod")\ngo_static_binary(name="app")\n'
            'go_static_sources(name="sources")\n',
            "shared/BUILD": 'go_static_mod(name="mod")\n',
            "shared/lib/BUILD": 'go_static_sources(name="sources")\n',
        }
    )
    assert inferred(rule_runner, "app", "app") == {
        "app:mod",
        "app:sources",
        "shared:mod",
        "shared/lib:sources",
    }


def test_vendored_packages_belong_to_the_module_target(rule_runner) -> None:
    rule_runner.write_files(
        {
            "v/go.mod": GO_MOD.format(name="v") + "\nrequire example.com/dep v1.0.0\n",
            "v/vendor/modules.txt": "# example.com/dep v1.0.0\n## explicit\nexample.com/dep\n",
            "v/vendor/example.com/dep/dep.go": "package dep\n\nconst D = 1\n",
            "v/main.go": main_importing("example.com/dep"),
            "v/BUILD": 'go_static_binary(name="v")\n',
        }
    )
    assert tailored(rule_runner, "v", "v/vendor/example.com/dep") == {
        "v:mod": ("go_static_mod", None),
        "v:sources": ("go_static_sources", None),
    }
    rule_runner.write_files(
        {
            "v/BUILD": 'go_static_binary(name="v")\ngo_static_mod(name="mod")\n'
            'go_static_sources(name="sources")\n'
        }
    )
    assert "v/vendor/example.com/dep/dep.go" in inputs(rule_runner, "v", "v")
    assert inferred(rule_runner, "v", "v") == {"v:mod", "v:sources"}


WORKSPACE = {
    "go.work": "go 1.22\n\nuse (\n\t./app\n\t./lib\n)\n",
    "BUILD": 'go_static_workspace(name="workspace")\n',
    "app/go.mod": "module example.com/wsapp\n\ngo 1.22\n",
    "app/BUILD": 'go_static_mod(name="mod")\ngo_static_binary(name="hello", main="./cmd/hello")\n'
    'go_static_binary(name="other", main="./cmd/other")\n',
    "app/cmd/hello/main.go": main_importing("example.com/wslib/greet"),
    "app/cmd/hello/BUILD": 'go_static_sources(name="sources")\n',
    "app/cmd/other/main.go": main_importing(),
    "app/cmd/other/BUILD": 'go_static_sources(name="sources")\n',
    "lib/go.mod": "module example.com/wslib\n\ngo 1.22\n",
    "lib/BUILD": 'go_static_mod(name="mod")\n',
    "lib/greet/greet.go": 'package greet\n\nconst Hello = "hello from lib"\n',
    "lib/greet/BUILD": 'go_static_sources(name="sources")\n',
}


# app:other imports nothing of lib: it reads only the workspace's manifests.
OTHER_DEPENDENCIES = {"//:workspace", "app:mod", "app/cmd/other:sources", "lib:mod"}


def test_a_workspace_module_and_go_work_are_inferred_exactly(rule_runner) -> None:
    rule_runner.write_files(WORKSPACE)
    assert inferred(rule_runner, "app", "hello") == {
        "//:workspace",
        "app:mod",
        "app/cmd/hello:sources",
        "lib:mod",
        "lib/greet:sources",
    }
    # The other binary doesn't import lib: an edit there doesn't select it.
    assert inferred(rule_runner, "app", "other") == OTHER_DEPENDENCIES
    assert {"go.work", "lib/go.mod", "lib/greet/greet.go"} <= inputs(rule_runner, "app", "hello")


def test_tailor_proposes_the_workspace_target(rule_runner) -> None:
    files = {k: v for k, v in WORKSPACE.items() if k != "BUILD"}
    files["go.work.sum"] = ""
    rule_runner.write_files(files)
    assert tailored(rule_runner, "", "app", "lib") == {":workspace": ("go_static_workspace", None)}


def test_an_unreadable_target_depends_on_its_whole_module_and_the_rest_infer_normally(
    rule_runner,
) -> None:
    rule_runner.write_files(
        {
            **WORKSPACE,
            "app/cmd/broken/main.go": main_importing("example.com/nowhere/pkg"),
            "app/cmd/broken/BUILD": 'go_static_sources(name="sources")\n'
            'go_static_binary(name="broken")\n',
        }
    )
    # Every target of the module (and its workspace): any edit there selects it.
    assert inferred(rule_runner, "app/cmd/broken", "broken") >= {
        "//:workspace",
        "app:mod",
        "app/cmd/broken:sources",
        "app/cmd/hello:sources",
        "app/cmd/other:sources",
        "lib:mod",
        "lib/greet:sources",
    }
    assert inferred(rule_runner, "app", "other") == OTHER_DEPENDENCIES
    outcome = rule_runner.request(
        GoStaticOutcome,
        [GoStaticOutcomeRequest(field_set(rule_runner, "app/cmd/broken", "broken"))],
    )
    assert not outcome.passed and "example.com/nowhere/pkg" in outcome.failure
