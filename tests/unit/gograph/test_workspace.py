"""Tier 1: what a module's builds read under a go.work, and what go would refuse (workspace)."""

from __future__ import annotations

from go_static.core.gograph.workspace import (
    Workspace,
    layout_for,
    parse_workspace,
    workspace_problems,
)

GO_WORK = "go 1.22\n\nuse (\n\t./app\n\t./lib\n)\n\nreplace example.com/x => ./forks/x\n"


def test_a_workspace_ties_its_modules_and_replacements_into_one_build() -> None:
    workspace, problems = parse_workspace("go.work", GO_WORK)
    assert not problems
    assert workspace == Workspace("go.work", ("app", "lib"), ("forks/x",))
    go_mods = {
        "app": "module example.com/app\n\ngo 1.22\n",
        "lib": "module example.com/lib\n\nreplace example.com/y => ../third_party/y\n",
    }
    layout, problems = layout_for("app", go_mods, workspace, vendored=False)
    assert not problems
    assert layout.path == "example.com/app"
    assert layout.module_dirs == ("app", "lib", "forks/x", "third_party/y")
    assert layout.manifest_files == (
        "app/go.mod",
        "app/go.sum",
        "lib/go.mod",
        "lib/go.sum",
        "forks/x/go.mod",
        "forks/x/go.sum",
        "third_party/y/go.mod",
        "third_party/y/go.sum",
        "go.work",
        "go.work.sum",
        "vendor/modules.txt",  # `go work vendor` writes it beside go.work
    )


def test_without_a_workspace_only_the_module_and_its_replacements() -> None:
    go_mods = {"svc": "module example.com/svc\n\nreplace example.com/c => ../clib\n"}
    layout, problems = layout_for("svc", go_mods, None, vendored=True)
    assert not problems and layout.workspace is None and layout.vendored
    assert layout.module_dirs == ("svc", "clib")
    assert layout.vendor_dir == "svc"
    assert "svc/vendor/modules.txt" in layout.manifest_files


def test_every_problem_at_once_with_its_fix() -> None:
    text = "go 1.22\nuse ./app\nuse ./gone\nuse ../../elsewhere\nreplace a.b/c => /opt/c\n"
    workspace, problems = parse_workspace("ws/go.work", text)
    assert workspace is not None
    assert [p.what for p in problems] == [
        "ws/go.work:4 uses ../../elsewhere, which is outside the build root.",
        "ws/go.work replaces a module with /opt/c, which is outside the build root, so builds "
        "can't see it.",
    ]
    later = workspace_problems(workspace, "ws/other", {"ws/app": "module a"})
    assert [p.what for p in later] == [
        "ws/go.work uses ws/gone/, which has no go.mod.",
        "the module in ws/other/ is under ws/go.work, which doesn't use it.",
    ]
    assert "go work use ./other" in later[1].fix and '[go-static].workspace = "off"' in later[1].fix
    assert "-dropuse=./gone" in later[0].fix


def test_an_unreadable_go_work_says_so() -> None:
    workspace, problems = parse_workspace("go.work", "use (\n./a\n")
    assert workspace is None and "can't be read as Go reads it" in problems[0].what
