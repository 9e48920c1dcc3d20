"""Go build info read from real binaries, and the parser's edge cases."""

from __future__ import annotations

import subprocess

import pytest

from elf_lab import GO, NETGO, Binaries, Lab, facts
from go_static.core.checker.buildinfo import parse_buildinfo_blob
from go_static.core.checker.elf import elf_facts

# --- Go build info

GO_BINARIES = [
    "go_none",
    "go_none_ldflags",
    "go_musl",
    "go_musl_pie",
    "go_glibc_nss",
    "go_glibc_stripped",
    "go_dynamic",
]


@pytest.mark.parametrize("name", GO_BINARIES)
def test_build_info_matches_go_version_m(bins: Binaries, lab: Lab, name: str) -> None:
    path = bins.get(name).path
    out = subprocess.run(
        [str(GO), "version", "-m", str(path)],
        env=lab.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    bi = elf_facts(path).build_info
    assert bi is not None and out[0] == f"{path}: {bi.go_version}"
    assert list(bi.lines) == [line[1:] for line in out[1:]]
    assert bi.path == "example.com/goprog" and bi.get("GOOS") == "linux"


def test_build_info_settings(bins: Binaries) -> None:
    none, musl, pie = (facts(bins, n).build_info for n in ("go_none", "go_musl", "go_musl_pie"))
    assert (none.cgo_enabled, none.tags, none.buildmode, none.get("-trimpath")) == (
        False,
        NETGO,
        "exe",
        "true",
    )
    assert none.ldflags is None  # -trimpath drops -ldflags (golang/go#52372)
    assert (musl.cgo_enabled, musl.get("-compiler"), musl.get("GOARCH")) == (True, "gc", "amd64")
    assert pie.buildmode == "pie" and pie.get("-buildmode") == "pie"
    quoted = facts(bins, "go_none_ldflags").build_info
    assert quoted.ldflags == "-s -w -X 'main.greeting=hello world'"
    assert quoted.line("-ldflags") == "build\t-ldflags=\"-s -w -X 'main.greeting=hello world'\""
    assert facts(bins, "c_dynamic").build_info is None


def test_build_info_parser_edge_cases() -> None:
    blob = b"\xff Go buildinf:\x08\x02" + bytes(16)
    sentinel = bytes(range(16))
    mod = 'path\tx\nbuild\t"a=b"="v\\tq"\nbuild\tCGO_ENABLED=1\nbuild\tbad\n'
    body = sentinel + mod.encode() + sentinel
    bi = parse_buildinfo_blob(blob + bytes([6]) + b"go1.99" + bytes([len(body)]) + body)
    assert (bi.go_version, bi.path, bi.settings) == (
        "go1.99",
        "x",
        (("a=b", "v\tq"), ("CGO_ENABLED", "1")),
    )
    assert parse_buildinfo_blob(b"\xff Go buildinf:\x08\x00" + bytes(32)).settings == ()  # pre-1.18
    with pytest.raises(ValueError, match="runs past"):
        parse_buildinfo_blob(blob + bytes([100]) + b"go1")
