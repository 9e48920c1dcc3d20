"""The SDK's copy in the shared toolchains cache is checked against its fingerprint each session.

These run the rule's real shell script on a small GOROOT-shaped tree, the way link_toolchain runs
it (argv and PATH), and compute the fingerprint the way find_go_sdk does.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from go_static.rules.process import _VERIFIED_INSTALL
from go_static.rules.toolchain import GO_IDENTITY_IN_GOROOT

NAME = "go-go1.99-0123456789abcdef"


def _goroot(root: Path) -> Path:
    tools = root / "pkg/tool/linux_amd64"
    tools.mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "VERSION").write_text("go1.99\n")
    for path in [root / "bin/go", *(tools / t for t in ("compile", "link", "cgo", "asm"))]:
        path.write_bytes(b"\x7fELF " + path.name.encode())
    (root / "src").mkdir()
    (root / "src/fmt.go").write_text("package fmt\n")
    return root


def _fingerprint(goroot: Path) -> str:
    out = subprocess.run(
        ["/bin/sh", "-c", GO_IDENTITY_IN_GOROOT], cwd=goroot, capture_output=True, check=True
    ).stdout
    return hashlib.sha256(out).hexdigest()


def _install(src: Path, cache: Path, fingerprint: str) -> subprocess.CompletedProcess[str]:
    argv = ["/bin/sh", "-c", _VERIFIED_INSTALL, "toolchain", str(src), str(cache), NAME]
    return subprocess.run(
        [*argv, fingerprint, GO_IDENTITY_IN_GOROOT],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_a_tampered_copy_is_replaced(tmp_path: Path) -> None:
    src = _goroot(tmp_path / "goroot")
    fingerprint = _fingerprint(src)
    cache = tmp_path / "cache"
    assert _install(src, cache, fingerprint).returncode == 0
    copy = cache / NAME
    assert _fingerprint(copy) == fingerprint

    # Another job swaps the compiler in the shared entry (a new file, not a write through the
    # hard link, which would change the source too).
    (copy / "pkg/tool/linux_amd64/compile").unlink()
    (copy / "pkg/tool/linux_amd64/compile").write_bytes(b"#!/bin/sh\necho pwned\n")
    assert _fingerprint(copy) != fingerprint

    result = _install(src, cache, fingerprint)
    assert result.returncode == 0, result.stderr
    assert _fingerprint(copy) == fingerprint
    assert (copy / "pkg/tool/linux_amd64/compile").read_bytes() == b"\x7fELF compile"
    assert sorted(p.name for p in cache.iterdir()) == [NAME], "the bad copy was not removed"


def test_a_half_deleted_copy_is_replaced(tmp_path: Path) -> None:
    src = _goroot(tmp_path / "goroot")
    fingerprint = _fingerprint(src)
    cache = tmp_path / "cache"
    assert _install(src, cache, fingerprint).returncode == 0
    (cache / NAME / "bin/go").unlink()
    assert _install(src, cache, fingerprint).returncode == 0
    assert (cache / NAME / "bin/go").exists()


def test_a_source_that_no_longer_matches_fails_with_the_fix(tmp_path: Path) -> None:
    src = _goroot(tmp_path / "goroot")
    fingerprint = _fingerprint(src)
    (src / "bin/go").write_bytes(b"changed after the SDK was fingerprinted")
    result = _install(src, tmp_path / "cache", fingerprint)
    assert result.returncode == 1
    assert f"does not match the fingerprint {fingerprint}" in result.stderr
    assert f"reinstall the SDK at {src}" in result.stderr


def test_an_intact_copy_is_kept(tmp_path: Path) -> None:
    src = _goroot(tmp_path / "goroot")
    fingerprint = _fingerprint(src)
    cache = tmp_path / "cache"
    assert _install(src, cache, fingerprint).returncode == 0
    before = (cache / NAME / "bin/go").stat().st_ino
    assert _install(src, cache, fingerprint).returncode == 0
    assert (cache / NAME / "bin/go").stat().st_ino == before
