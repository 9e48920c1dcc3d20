"""Tier 1: go.mod and go.work read as Go's modfile lexer reads them (core.gograph.modfile)."""

from __future__ import annotations

import pytest

from go_static.core.gograph.mainpkg import MainSpec, main_spec
from go_static.core.gograph.modfile import (
    ModfileError,
    directives,
    import_path_problem,
    local_replacements,
    module_path,
    repo_path,
    tools,
    uses,
)


def test_local_replacements() -> None:
    go_mod = (
        "module x\n"
        "\n"
        "replace example.com/a => ../a\n"
        "replace example.com/b v1.0.0 => ./b // why\n"
        "replace example.com/c => example.com/d v1.2.0\n"
        "replace (\n"
        "\texample.com/e => ../../e\n"
        "\texample.com/f v1 => example.com/g v2\n"
        "\texample.com/h => .\n"
        "\texample.com/i => /opt/src/i\n"
        '\texample.com/j => "./with space"\n'
        ")\n"
    )
    assert local_replacements(go_mod) == (
        "../a",
        "./b",
        "../../e",
        ".",
        "/opt/src/i",
        "./with space",
    )


def test_module_tools_and_uses() -> None:
    go_mod = (
        "// the module\nmodule `example.com/app/v2` // trailing\n\ngo 1.24\n\n"
        "tool github.com/golang-migrate/migrate/v4/cmd/migrate\n"
        "tool (\n\tgolang.org/x/tools/cmd/stringer\n)\n"
        "require ()\n"
    )
    assert module_path(go_mod) == "example.com/app/v2"
    assert tools(go_mod) == (
        "github.com/golang-migrate/migrate/v4/cmd/migrate",
        "golang.org/x/tools/cmd/stringer",
    )
    go_work = 'go 1.22\n\nuse ./app\nuse (\n\t"./lib"\n\t../outside // no\n)\n'
    assert [(d.args[0], d.line) for d in uses(go_work)] == [
        ("./app", 3),
        ("./lib", 5),
        ("../outside", 6),
    ]
    assert module_path("go 1.21\n") is None


@pytest.mark.parametrize(
    "text",
    ["module x\nrequire (\n\ta v1\n", 'module "x\n', "use ( ./a\n)\n", "x" * (5 * 1024 * 1024)],
)
def test_what_go_would_refuse_is_refused(text: str) -> None:
    with pytest.raises(ModfileError):
        directives(text)


@pytest.mark.parametrize(
    "path,problem",
    [
        ("github.com/golang-migrate/migrate/v4/cmd/migrate", None),
        ("gopkg.in/yaml.v3", None),
        ("example.com/-flag", "character"),
        ("example.com/a//b", "empty"),
        ("example.com/../etc", "`..`"),
        ("example.com/a b", "character"),
        ("example.com/a;rm", "character"),
        ("cmd/server", "no dot"),
        ("", "empty"),
    ],
)
def test_import_paths_are_checked_before_they_reach_go(path: str, problem: str | None) -> None:
    found = import_path_problem(path)
    assert (found is None) if problem is None else (problem in found)


def test_main_field_is_a_directory_or_an_import_path() -> None:
    assert main_spec(".", "svc") == (MainSpec(dir="svc"), None)
    assert main_spec("./cmd/x", "") == (MainSpec(dir="cmd/x"), None)
    assert main_spec("cmd/x", "svc") == (MainSpec(dir="svc/cmd/x"), None)
    assert main_spec("./example.com/x", "") == (MainSpec(dir="example.com/x"), None)
    tool = "github.com/org/tool/cmd/tool"
    assert main_spec(tool, "svc") == (MainSpec(import_path=tool), None)
    assert MainSpec(import_path=tool).build_arg("svc") == tool
    assert MainSpec(dir="svc/cmd/x").build_arg("svc") == "./cmd/x"
    assert MainSpec(dir="svc").build_arg("svc") == "."
    for bad in ("/abs", "../../out", "example.com/-x"):
        spec, problem = main_spec(bad, "svc")
        assert spec is None and problem


def test_repo_paths_stay_inside_the_build_root() -> None:
    assert repo_path("a/b", "../c") == "a/c"
    assert repo_path("a", "..") == ""
    assert repo_path("a", "../..") is None
    assert repo_path("", "/etc") is None
