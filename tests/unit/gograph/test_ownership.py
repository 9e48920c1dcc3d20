"""Tier 1: which targets `pants tailor` proposes for unowned Go build inputs (core.gograph)."""

from __future__ import annotations

from go_static.core.gograph.ownership import GO_BUILD_SOURCES, Proposal, matching_glob, proposals


def by_dir(found: list[Proposal]) -> dict[str, tuple]:
    return {f"{p.directory}:{p.name}": (p.alias, p.sources) for p in found}


def test_default_sources_are_build_inputs_and_never_tests() -> None:
    assert matching_glob("x.go", GO_BUILD_SOURCES) == "*.go"
    assert matching_glob("x_test.go", GO_BUILD_SOURCES) is None
    assert matching_glob("x.S", GO_BUILD_SOURCES) == "*.S"
    assert matching_glob("README.md", GO_BUILD_SOURCES) is None


def test_one_target_per_directory_and_one_per_module() -> None:
    unowned = [
        "m/go.mod",
        "m/go.sum",
        "m/vendor/example.com/dep/dep.go",
        "m/cmd/a/main.go",
        "m/c/c.c",
        "m/c/c.h",
        "m/web/web.go",
        "m/web/version.txt",  # embedded beside Go files
        "m/web/static/index.html",  # embedded, alone in its directory
        "m/nested/go.mod",
    ]
    assert by_dir(proposals(unowned, ["m", "m/nested"])) == {
        "m:mod": ("go_static_mod", None),
        "m/nested:mod": ("go_static_mod", None),
        "m/c:sources": ("go_static_sources", None),
        "m/cmd/a:sources": ("go_static_sources", None),
        "m/web:sources": ("go_static_sources", (*GO_BUILD_SOURCES, "version.txt")),
        "m/web/static:sources": ("go_static_sources", ("index.html",)),
    }


def test_beside_pants_go_backend_go_files_and_go_mod_are_left_to_it() -> None:
    unowned = ["m/go.mod", "m/go.sum", "m/vendor/x/y.go", "m/a/a.go", "m/c/c.go", "m/c/c.c"]
    assert by_dir(proposals(unowned, ["m"], go_backend=True)) == {
        "m:mod": ("go_static_mod", ("vendor/**",)),
        "m/c:sources": ("go_static_sources", ("*.c",)),
    }
