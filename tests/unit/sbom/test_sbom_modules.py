"""GoBuildInfo.modules and main_module: the `mod`, `dep` and `=>` lines, as Go writes them."""

from __future__ import annotations

import json

from go_static.core.checker.buildinfo import GoModule, parse_modinfo

SUM = "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="


def test_deps_replacements_and_the_main_module() -> None:
    info = parse_modinfo(
        "go1.27.3",
        "path\texample.com/app/cmd\n"
        "mod\texample.com/app\t(devel)\t\n"
        f"dep\tgithub.com/google/uuid\tv1.6.0\t{SUM}\n"
        "dep\tgithub.com/a/b\tv1.0.0\n"  # replaced: Go writes no sum, the `=>` line has it
        f"=>\tgithub.com/fork/b\tv1.0.1\t{SUM}\n"
        "dep\tgithub.com/c/d\tv0.1.0\n"
        "=>\t../d\t\t\n"  # a local directory: no version, no sum
        "build\tCGO_ENABLED=1\n",
    )
    assert info.main_module == GoModule("example.com/app", "(devel)")
    assert info.modules == (
        GoModule("github.com/google/uuid", "v1.6.0", SUM),
        GoModule("github.com/a/b", "v1.0.0", "", GoModule("github.com/fork/b", "v1.0.1", SUM)),
        GoModule("github.com/c/d", "v0.1.0", "", GoModule("../d", "")),
    )
    assert [m.effective.path for m in info.modules] == [
        "github.com/google/uuid",
        "github.com/fork/b",
        "../d",
    ]
    assert info.cgo_enabled is True and info.path == "example.com/app/cmd"  # unchanged


def test_a_replaced_main_module_and_malformed_lines() -> None:
    info = parse_modinfo(
        "go1.27.3",
        "mod\texample.com/app\tv1.2.3\n=>\texample.com/fork\tv1.2.4\t" + SUM + "\n"
        "dep\tonly-a-path\n"  # too few fields: not a module
        "dep\ta\tb\tc\td\n"  # too many
        "=>\torphan\tv1\t\n",  # a second `=>`: an error to Go, ignored here
    )
    assert info.main_module == GoModule(
        "example.com/app", "v1.2.3", "", GoModule("example.com/fork", "v1.2.4", SUM)
    )
    assert info.modules == ()
    assert parse_modinfo("go1.27.3", "").main_module is None


def test_a_directory_replacement_as_go_really_writes_it_gets_no_purl() -> None:
    # Go 1.27 writes `=> ../ (devel)` for `replace example.com/monorepo => ../` (seen in a
    # sample's build info): a directory, not a module version, so no purl and no cache read.
    from go_static.core.sbom.bom import sbom_json
    from go_static.core.sbom.components import bundled_c_files

    info = parse_modinfo(
        "go1.27.3",
        "path\texample.com/tools/cmd/modinfo\n"
        "mod\texample.com/tools\t(devel)\t\n"
        "dep\texample.com/monorepo\tv0.0.0\n"
        "=>\t../\t(devel)\t\n",
    )
    document = json.loads(
        sbom_json(binary_name="modinfo", binary_sha256="0" * 64, address="a:b", build_info=info)
    )
    (module,) = [c for c in document["components"] if c["name"] == "example.com/monorepo"]
    assert "purl" not in module and "version" not in module
    assert bundled_c_files(info) == ()
