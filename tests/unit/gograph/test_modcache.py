"""Module-cache paths, checked against the layout the real `go mod download` writes."""

from __future__ import annotations

from go_static.core.gograph.modcache import ModuleVersion, cached_module, escape_module_path


def test_escape_module_path_follows_go() -> None:
    assert escape_module_path("github.com/DataDog/zstd") == "github.com/!data!dog/zstd"
    assert escape_module_path("github.com/mattn/go-sqlite3") == "github.com/mattn/go-sqlite3"


def test_module_version_paths_match_the_go_mod_download_layout() -> None:
    # `go mod download -json github.com/DataDog/zstd@v1.5.7` reports exactly these (Dir, and the
    # Zip beside which the .ziphash is written).
    zstd = ModuleVersion.parse("github.com/DataDog/zstd@v1.5.7")
    assert zstd == ModuleVersion("github.com/DataDog/zstd", "v1.5.7")
    assert str(zstd) == "github.com/DataDog/zstd@v1.5.7"
    assert zstd.source_dir == "github.com/!data!dog/zstd@v1.5.7"
    assert zstd.ziphash == "cache/download/github.com/!data!dog/zstd/@v/v1.5.7.ziphash"
    assert ModuleVersion("x.io/A", "v1.0.0-RC1").source_dir == "x.io/!a@v1.0.0-!r!c1"


def test_cached_module_is_the_copy_the_files_are_read_from() -> None:
    assert cached_module(None) is None  # std
    assert cached_module({"Path": "example.com/m", "Main": True}) is None
    assert cached_module({"Path": "a.io/x", "Version": "v1.2.0"}) == "a.io/x@v1.2.0"
    replaced = {
        "Path": "a.io/x",
        "Version": "v1.2.0",
        "Replace": {"Path": "b.io/y", "Version": "v0.3.0"},
    }
    assert cached_module(replaced) == "b.io/y@v0.3.0"
    in_repo = {"Path": "a.io/x", "Version": "v1.2.0", "Replace": {"Path": "../x", "Dir": "/r/x"}}
    assert cached_module(in_repo) is None
