"""Host build paths left in binaries, and the mode's flags that remove them."""

from __future__ import annotations

import uuid

from elf_lab import Binaries, facts
from go_static.core.checker.elf import elf_facts
from go_static.core.checker.expectation import Expectation
from go_static.core.checker.host_paths import GO_STATIC_DIR_MARKER, host_markers
from go_static.core.checker.verdict import evaluate
from go_static.core.mode.environment import (
    GOCACHE_DIR,
    GOMODCACHE_DIR,
    MODULE_PROXY_DIR,
    TOOLCHAINS_DIR,
    ZIGCACHE_DIR,
)

# --- build-host paths


def test_zig_debug_info_carries_host_paths_and_the_modes_flags_remove_them(bins: Binaries) -> None:
    # zig's self-built musl keeps its install dir (the venv's site-packages) in DWARF.
    with_debug = facts(bins, "go_musl")
    assert with_debug.host_path_count > 0
    assert any("/site-packages/" in p or "/named_caches/" in p for p in with_debug.host_paths)
    (v,) = [x for x in evaluate(with_debug, Expectation(forbid_host_paths=True)).violations]
    assert v.code == "host-path" and v.evidence.startswith(
        f"{with_debug.host_path_count} build-host"
    )
    assert evaluate(with_debug).passed  # only checked when asked (the rule always asks)
    clean = facts(bins, "go_musl_no_debug")
    assert (clean.host_path_count, clean.host_paths, clean.stripped) == (0, (), True)
    assert evaluate(clean, Expectation(forbid_host_paths=True, libc="musl")).passed
    # Go's own paths are trimmed (-trimpath): a pure-Go binary keeps its DWARF and is clean.
    assert facts(bins, "go_none").host_path_count == 0


def test_extra_markers_find_the_build_root(bins: Binaries) -> None:
    path = bins.get("go_musl").path
    root = f"/builds/{uuid.uuid4().hex}/repo/".encode()  # a build root no binary holds yet
    assert elf_facts(path, host_markers=(root,)).host_path_count == 0
    data = path.read_bytes() + b"\0" + root + b"cmd/main.c\0"
    found = elf_facts(data, host_markers=(root,))
    assert found.host_path_count == 1 and found.host_paths == (root.decode() + "cmd/main.c",)


def test_a_go_static_sandbox_dir_is_a_host_path_wherever_the_sandbox_was(bins: Binaries) -> None:
    # As a GOROOT under a remote worker's input root leaked into C debug info once: the checker
    # can't know the worker's sandbox path, but go_static's own sandbox dirs are unmistakable.
    path = bins.get("go_none").path
    leaked = b"/execroot/.go-static-toolchains/go-go1.27.3-af4c06478303fdd1/src/runtime/cgo"
    found = elf_facts(path.read_bytes() + b"\0" + leaked + b"\0", host_markers=host_markers())
    assert found.host_path_count == 1 and found.host_paths == (leaked.decode(),)


def test_a_goroot_in_pants_immutable_inputs_is_a_host_path(bins: Binaries) -> None:
    # With inputs by digest, GOROOT is where the sandbox's link leads: Pants' immutable inputs.
    path = bins.get("go_none").path
    leaked = b"/tmp/immutable_inputsAb12Cd/3f2a9c.../src/runtime/cgo/gcc_linux_amd64.c"
    found = elf_facts(path.read_bytes() + b"\0" + leaked + b"\0", host_markers=host_markers())
    assert found.host_path_count == 1 and found.host_paths == (leaked.decode(),)


def test_every_sandbox_dir_of_a_go_process_carries_the_go_static_marker() -> None:
    for sandbox_dir in (
        GOCACHE_DIR,
        GOMODCACHE_DIR,
        ZIGCACHE_DIR,
        TOOLCHAINS_DIR,
        MODULE_PROXY_DIR,
    ):
        assert f"/{sandbox_dir}/".encode().startswith(GO_STATIC_DIR_MARKER), sandbox_dir
