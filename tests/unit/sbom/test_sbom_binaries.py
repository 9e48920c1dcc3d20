"""SBOMs of three real binaries (pure Go, musl via zig, static glibc) built with the venv's Go."""

from __future__ import annotations

import hashlib
import json
import subprocess

import pytest
from sbom_lab import (
    UUID,
    Downloaded,
    ModCache,
    SbomBinary,
    assert_valid,
    dirhash_h1_hex,
    h1_of,
    host_libc_a,
)

from elf_lab import GO, ZIG
from go_static.core.checker.buildinfo import GoModule
from go_static.core.names import GLIBC, MUSL, NONE
from go_static.core.sbom.bom import sbom_json
from go_static.core.sbom.components import ZIG_MUSL_VERSION_FILE, detect_libc

LIBCS = [NONE, MUSL, GLIBC]


def go_version(modcache: ModCache) -> str:
    """What the venv's Go says it is, asked apart from any binary."""
    argv = [str(GO), "env", "GOVERSION"]
    return subprocess.run(argv, env=modcache.env, capture_output=True, text=True).stdout.strip()


def document(b: SbomBinary) -> dict:
    if b.libc == MUSL:
        libc = detect_libc(MUSL, zig_version_h=(ZIG.parent / ZIG_MUSL_VERSION_FILE).read_bytes())
    elif b.libc == GLIBC:
        libc = detect_libc(GLIBC, libc_a=host_libc_a("amd64")[1])
    else:
        libc = None
    text = sbom_json(
        binary_name=b.path.name,
        binary_sha256=hashlib.sha256(b.path.read_bytes()).hexdigest(),
        address=f"src/go:{b.path.name}",
        build_info=b.build_info,
        libc=libc,
    )
    assert_valid(text)
    return json.loads(text)


@pytest.mark.parametrize("libc", LIBCS)
def test_build_info_modules_are_what_go_version_m_prints(
    binaries: dict[str, SbomBinary], modcache: ModCache, modules: dict[str, Downloaded], libc: str
) -> None:
    b = binaries[libc]
    out = subprocess.run(
        [str(GO), "version", "-m", str(b.path)], env=modcache.env, capture_output=True, text=True
    ).stdout
    uuid = modules[UUID[0]]
    assert f"\tdep\t{uuid.path}\t{uuid.version}\t{uuid.sum}\n" in out
    assert b.build_info.modules == (GoModule(uuid.path, uuid.version, uuid.sum),)
    assert b.build_info.main_module == GoModule("example.com/sbomprog", "(devel)")


@pytest.mark.parametrize("libc", LIBCS)
def test_the_sbom_of_a_real_binary(
    binaries: dict[str, SbomBinary], modcache: ModCache, modules: dict[str, Downloaded], libc: str
) -> None:
    b = binaries[libc]
    doc = document(b)
    binary = doc["metadata"]["component"]
    assert binary["hashes"][0]["content"] == hashlib.sha256(b.path.read_bytes()).hexdigest()
    settings = {p["name"]: p["value"] for p in binary["properties"]}
    assert settings["go-static:go:build:CGO_ENABLED"] == ("0" if libc == NONE else "1")
    assert settings["go-static:libc:name"] == libc
    components = {c["name"]: c for c in doc["components"]}

    # The module, with its version and the SHA-256 behind its h1: sum, recomputed from its zip.
    uuid = modules[UUID[0]]
    module = components[uuid.path]
    digest = dirhash_h1_hex(uuid.zip)
    assert h1_of(digest) == uuid.sum  # the recomputation is Go's own
    assert (module["version"], module["hashes"]) == (
        UUID[1],
        [{"alg": "SHA-256", "content": digest}],
    )
    assert module["purl"] == f"pkg:golang/{UUID[0]}@{UUID[1]}"

    # The Go toolchain, as the venv's Go reports itself.
    release = go_version(modcache)
    stdlib = components["stdlib"]
    assert (stdlib["version"], stdlib["purl"]) == (release, f"pkg:golang/stdlib@{release[2:]}")

    libcs = {n: c.get("version") for n, c in components.items() if n in (MUSL, GLIBC)}
    assert libcs == {NONE: {}, MUSL: {MUSL: "1.2.5"}, GLIBC: {GLIBC: "2.36"}}[libc]
